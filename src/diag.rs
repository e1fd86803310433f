//! Spans and diagnostics, and the only code that knows how a diagnostic is drawn.
//!
//! Every user error is rendered as
//! ```text
//! FILE:LINE:COL: error: message
//!    |
//! 12 | y = fo + 1
//!    |     ^^ did you mean `foo`?
//!    = note: …
//! ```
//! Line and column numbers are 1-based; columns count characters, not bytes.

use codespan_reporting::files::{Files, SimpleFile};
use std::fmt::Write as _;
use unicode_width::UnicodeWidthChar;

/// A half-open byte range `start..end` into the source text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: start as u32,
            end: end as u32,
        }
    }

    /// The smallest span that covers both.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// A message about the source, anchored at a span.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub message: String,
    pub span: Span,
    /// Text drawn after the caret, under the source line.
    pub label: Option<String>,
    /// Extra lines printed as `= note: …`.
    pub notes: Vec<String>,
}

impl Diagnostic {
    pub fn error(span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            span,
            label: None,
            notes: Vec::new(),
        }
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = Some(label.into());
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }
}

/// 1-based line and column (in characters) of byte `offset` in `source`.
pub fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let file = SimpleFile::new("", source);
    match file.location((), offset.min(source.len())) {
        Ok(loc) => (loc.line_number, loc.column_number),
        Err(_) => (1, 1),
    }
}

/// Renders diagnostics as plain text (no colour), one after another.
pub fn render(file_name: &str, source: &str, diags: &[Diagnostic]) -> String {
    let file = SimpleFile::new(file_name, source);
    let mut out = String::new();
    for d in diags {
        render_one(&file, d, &mut out);
    }
    out
}

fn render_one(file: &SimpleFile<&str, &str>, d: &Diagnostic, out: &mut String) {
    let source = *file.source();
    let start = (d.span.start as usize).min(source.len());
    let end = (d.span.end as usize).clamp(start, source.len());
    let severity = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let (line, col, line_range) = match (file.location((), start), file.line_index((), start)) {
        (Ok(loc), Ok(idx)) => (
            loc.line_number,
            loc.column_number,
            file.line_range((), idx).unwrap_or(start..start),
        ),
        _ => (1, 1, 0..0),
    };
    let _ = writeln!(
        out,
        "{}:{line}:{col}: {severity}: {}",
        file.name(),
        d.message
    );
    let text = source
        .get(line_range.clone())
        .unwrap_or("")
        .trim_end_matches(['\n', '\r']);
    let gutter = " ".repeat(line.to_string().len());
    // The caret runs to the end of the span or of the line, whichever comes first.
    let line_end = line_range.start + text.len();
    let caret_end = end.min(line_end).max(start);
    let covered = source
        .get(start..caret_end)
        .map_or(0, |s| s.chars().count());
    let shown = shown_line(text, col.saturating_sub(1), covered);
    let _ = writeln!(out, "{gutter} |");
    let _ = writeln!(out, "{line} | {}", shown.text);
    let mut caret_line = format!("{gutter} | {}{}", shown.pad, "^".repeat(shown.width));
    if let Some(label) = &d.label {
        caret_line.push(' ');
        caret_line.push_str(label);
    }
    let _ = writeln!(out, "{caret_line}");
    // A call nested hundreds deep adds a note per call: the first and last few are shown.
    let left_out = d.notes.len().saturating_sub(FIRST_NOTES + LAST_NOTES);
    for (i, note) in d.notes.iter().enumerate() {
        if left_out > 0 && i == FIRST_NOTES {
            let _ = writeln!(out, "{gutter} = note: … {left_out} more like these …");
        }
        if left_out == 0 || i < FIRST_NOTES || i >= FIRST_NOTES + left_out {
            let _ = writeln!(out, "{gutter} = note: {note}");
        }
    }
}

/// A diagnostic with more notes than these two together shows its first `FIRST_NOTES` and its
/// last `LAST_NOTES`, and says how many are left out between them.
const FIRST_NOTES: usize = 8;
const LAST_NOTES: usize = 2;

/// Lines longer than this many characters are shown as a window around the caret.
const MAX_SHOWN_CHARS: usize = 120;

/// A source line as drawn under a message: what to print, the padding before the caret and
/// the caret's width, both in terminal columns.
struct ShownLine {
    text: String,
    pad: String,
    width: usize,
}

/// Draws `line` with the caret under the `covered` characters from character `col` (0-based;
/// at least one column wide).
///
/// Characters that would disturb a terminal (control characters, invisible text-direction
/// marks, byte-order marks) are drawn as visible stand-ins of the same width, so that the
/// caret stays under them; tabs before the caret are repeated in the padding, and wide
/// characters (CJK, most emoji) get two columns of it. A long line is cut to a window around
/// the caret, with `…` where text was left out.
fn shown_line(line: &str, col: usize, covered: usize) -> ShownLine {
    let chars: Vec<char> = line.chars().map(visible).collect();
    let col = col.min(chars.len());
    let (from, to) = if chars.len() <= MAX_SHOWN_CHARS {
        (0, chars.len())
    } else {
        let from = col.saturating_sub(MAX_SHOWN_CHARS / 2);
        (from, (from + MAX_SHOWN_CHARS).min(chars.len()))
    };
    let mut text = String::new();
    let mut pad = String::new();
    if from > 0 {
        text.push('…');
        pad.push(' ');
    }
    text.extend(&chars[from..to]);
    if to < chars.len() {
        text.push('…');
    }
    for &c in &chars[from..col] {
        match c {
            '\t' => pad.push('\t'),
            _ => pad.extend(std::iter::repeat_n(' ', columns(c))),
        }
    }
    let under = &chars[col..(col + covered).min(to)];
    let width = under.iter().map(|&c| columns(c)).sum::<usize>().max(1);
    ShownLine { text, pad, width }
}

/// How many terminal columns `c` takes (a tab counts one; the padding repeats it).
fn columns(c: char) -> usize {
    UnicodeWidthChar::width(c).unwrap_or(1)
}

/// A character as drawn in a source line: itself, or a visible stand-in for one that a
/// terminal would act on or not show.
fn visible(c: char) -> char {
    match c {
        '\t' => c,
        // The Control Pictures block has a symbol for each C0 control: `␀`, `␛`, `␍`, …
        '\0'..='\x1f' => char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'),
        '\x7f' => '\u{2421}',
        // C1 controls, text-direction marks and overrides, zero-width characters and the
        // byte-order mark.
        '\u{80}'..='\u{9f}'
        | '\u{61c}'
        | '\u{200b}'..='\u{200f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}'
        | '\u{feff}' => '\u{fffd}',
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_file_line_col_and_caret() {
        let src = "a = 1\ny = fo + 1\n";
        let d = Diagnostic::error(Span::new(10, 12), "unknown name `fo`")
            .with_label("did you mean `foo`?");
        let text = render("t.arr", src, &[d]);
        assert_eq!(
            text,
            "t.arr:2:5: error: unknown name `fo`\n  |\n2 | y = fo + 1\n  |     ^^ did you mean `foo`?\n"
        );
    }

    #[test]
    fn span_at_end_of_file_still_renders() {
        let src = "x = (1 +";
        let d = Diagnostic::error(Span::new(8, 8), "expected an expression");
        let text = render("t.arr", src, &[d]);
        assert!(
            text.starts_with("t.arr:1:9: error: expected an expression\n"),
            "{text}"
        );
        assert!(text.contains("1 | x = (1 +\n  |         ^\n"), "{text}");
    }

    #[test]
    fn control_characters_are_drawn_visibly() {
        let src = "x = 1\0\x1b + \u{202e}2\r+\n";
        let d = Diagnostic::error(Span::new(5, 6), "unexpected character");
        let text = render("t.arr", src, &[d]);
        assert!(
            text.contains("1 | x = 1\u{2400}\u{241b} + \u{fffd}2\u{240d}+\n"),
            "{text}"
        );
        assert!(!text.contains(['\0', '\x1b', '\r', '\u{202e}']), "{text:?}");
        assert!(text.contains("  |      ^\n"), "{text}");
    }

    #[test]
    fn tabs_before_the_caret_are_kept_in_the_padding() {
        let src = "\tx = y\n";
        let d = Diagnostic::error(Span::new(5, 6), "unknown name `y`");
        let text = render("t.arr", src, &[d]);
        assert!(text.starts_with("t.arr:1:6: error:"), "{text}");
        assert!(text.contains("1 | \tx = y\n  | \t    ^\n"), "{text:?}");
    }

    #[test]
    fn wide_characters_take_two_columns_of_padding_and_caret() {
        // 日, 本 and 😀 take two terminal columns each; é written as e + a combining accent
        // takes one for two characters.
        let src = "s = \"日本😀e\u{301}\" + y\nt = 日本\n";
        let y = src.find('y').unwrap();
        let text = render("t.arr", src, &[Diagnostic::error(Span::new(y, y + 1), "y")]);
        // Columns count characters: `y` is the 15th; on the screen it is the 17th.
        assert!(text.starts_with("t.arr:1:15: error:"), "{text}");
        let caret = text.lines().nth(3).unwrap();
        assert_eq!(caret, format!("  | {}^", " ".repeat(16)));
        let start = src.rfind('日').unwrap();
        let under = Diagnostic::error(Span::new(start, start + 6), "two wide characters");
        let text = render("t.arr", src, &[under]);
        assert_eq!(text.lines().nth(3).unwrap(), "  |     ^^^^");
    }

    #[test]
    fn long_lists_of_notes_show_their_first_and_last_few() {
        let mut d = Diagnostic::error(Span::new(0, 1), "deep");
        for i in 0..30 {
            d.notes.push(format!("call {i}"));
        }
        let text = render("t.arr", "x\n", &[d]);
        let notes: Vec<&str> = text.lines().filter(|l| l.contains("= note:")).collect();
        let mut want: Vec<String> = (0..8).map(|i| format!("  = note: call {i}")).collect();
        want.push("  = note: … 20 more like these …".into());
        want.extend(["  = note: call 28".into(), "  = note: call 29".into()]);
        assert_eq!(notes, want);
        // Ten notes or fewer are all shown.
        let mut d = Diagnostic::error(Span::new(0, 1), "shallow");
        d.notes = (0..10).map(|i| format!("call {i}")).collect();
        let text = render("t.arr", "x\n", &[d]);
        assert_eq!(text.matches("= note: call").count(), 10);
        assert!(!text.contains("more like these"));
    }

    #[test]
    fn long_lines_are_cut_to_a_window_around_the_caret() {
        let src = format!("x = {}1{}\n", "(".repeat(5000), ")".repeat(5000));
        let d = Diagnostic::error(Span::new(4004, 4005), "too deep");
        let text = render("t.arr", &src, &[d]);
        assert!(
            text.starts_with("t.arr:1:4005: error: too deep\n"),
            "{text}"
        );
        let shown = text.lines().nth(2).unwrap();
        assert_eq!(shown, format!("1 | …{}…", "(".repeat(120)));
        let caret = text.lines().nth(3).unwrap();
        assert_eq!(caret, format!("  | {}^", " ".repeat(61)));
    }
}

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
    let _ = writeln!(out, "{gutter} |");
    let _ = writeln!(out, "{line} | {text}");
    // The caret runs to the end of the span or of the line, whichever comes first.
    let line_end = line_range.start + text.len();
    let caret_end = end.min(line_end).max(start);
    let width = source
        .get(start..caret_end)
        .map_or(1, |s| s.chars().count())
        .max(1);
    let pad = " ".repeat(col.saturating_sub(1));
    let mut caret_line = format!("{gutter} | {pad}{}", "^".repeat(width));
    if let Some(label) = &d.label {
        caret_line.push(' ');
        caret_line.push_str(label);
    }
    let _ = writeln!(out, "{caret_line}");
    for note in &d.notes {
        let _ = writeln!(out, "{gutter} = note: {note}");
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
}

//! Source text → a vector of tokens with spans, plus diagnostics for what could not be lexed.
//!
//! Lexing never fails: a malformed literal or a run of unexpected characters becomes one
//! [`Token::Error`] with one diagnostic, and the token vector always ends with [`Token::Eof`].

use super::token::{LexError, Token};
use crate::diag::{Diagnostic, Span};
use logos::Logos;

/// A token and the bytes of source it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Spanned {
    pub token: Token,
    /// The token's bytes in the source (empty for `Eof`).
    pub span: Span,
}

/// Lexes a whole source text. The last token is always `Eof`; its span is empty and sits at
/// the end of the last non-blank text, so "found end of file" points just after the last token.
pub fn lex(source: &str) -> (Vec<Spanned>, Vec<Diagnostic>) {
    // A carriage return not followed by a line feed (old Mac line ends) is reported once, at
    // the first; the lexer then reads each one as a line end, so that the statements it
    // separates parse as the author meant and report nothing more. A byte-order mark at the
    // start is read as spaces. Both replacements keep every byte offset.
    let lone_cr = lone_carriage_return(source);
    let bom = source.starts_with('\u{feff}');
    let replaced;
    let text = if lone_cr.is_some() || bom {
        replaced = normalize(source, bom);
        replaced.as_str()
    } else {
        source
    };
    let mut lexer = Token::lexer(text);
    let mut tokens: Vec<Spanned> = Vec::new();
    // Spans of runs of adjacent characters that start no token (indices into `tokens`).
    let mut unexpected: Vec<usize> = Vec::new();
    while let Some(result) = lexer.next() {
        let span = Span::new(lexer.span().start, lexer.span().end);
        let token = match result {
            Ok(token) => token,
            Err(LexError::Reported) => Token::Error,
            Err(LexError::Unexpected) => {
                let last = unexpected.last().copied();
                match last {
                    Some(i) if i + 1 == tokens.len() && tokens[i].span.end == span.start => {
                        tokens[i].span.end = span.end;
                    }
                    _ => {
                        unexpected.push(tokens.len());
                        tokens.push(Spanned {
                            token: Token::Error,
                            span,
                        });
                    }
                }
                continue;
            }
        };
        tokens.push(Spanned { token, span });
    }
    let mut diags = std::mem::take(&mut lexer.extras);
    for i in unexpected {
        diags.push(unexpected_chars(source, tokens[i].span));
    }
    if let Some(at) = lone_cr {
        diags.push(
            Diagnostic::error(
                Span::new(at, at + 1),
                "carriage return without a line feed",
            )
            .with_label("line ends are `\\n` or `\\r\\n`")
            .with_note(
                "this file has old Mac line ends (`\\r` alone); save it with Unix or Windows line ends",
            ),
        );
    }
    diags.sort_by_key(|d| d.span.start);
    let end = source.trim_end().len();
    tokens.push(Spanned {
        token: Token::Eof,
        span: Span::new(end, end),
    });
    (tokens, diags)
}

/// The byte offset of the first carriage return that is not followed by a line feed.
fn lone_carriage_return(source: &str) -> Option<usize> {
    let bytes = source.as_bytes();
    (0..bytes.len()).find(|&i| bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n'))
}

/// `source` with every carriage return that is not followed by a line feed replaced by a line
/// feed, and a byte-order mark at the start (if `bom`) by as many spaces as it has bytes.
fn normalize(source: &str, bom: bool) -> String {
    let mut out = String::with_capacity(source.len());
    let mut rest = source;
    if bom {
        let mark = '\u{feff}'.len_utf8();
        out.push_str(&" ".repeat(mark));
        rest = &source[mark..];
    }
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(if c == '\r' && chars.peek() != Some(&'\n') {
            '\n'
        } else {
            c
        });
    }
    out
}

/// At most this many characters of a run of unexpected ones are quoted in the message.
const MAX_QUOTED_CHARS: usize = 16;

/// The diagnostic for a run of characters that start no token, with a hint for the characters
/// that people coming from other languages are likely to type, and for invisible ones.
fn unexpected_chars(source: &str, span: Span) -> Diagnostic {
    let text = &source[span.range()];
    let count = text.chars().count();
    let mut shown: String = text
        .chars()
        .take(MAX_QUOTED_CHARS)
        .flat_map(char::escape_debug)
        .collect();
    if count > MAX_QUOTED_CHARS {
        shown.push('…');
    }
    let message = match count {
        1 => format!("unexpected character `{shown}`"),
        n if n > MAX_QUOTED_CHARS => format!("{n} unexpected characters `{shown}`"),
        _ => format!("unexpected characters `{shown}`"),
    };
    let d = Diagnostic::error(span, message);
    let hint = match text.chars().next() {
        Some('!') => "use `not` for logical negation and `!=` for inequality",
        Some('&') => "use `and` for logical conjunction",
        Some('|') => "use `or` for logical disjunction",
        Some('.') => "`.` appears only in numbers (`1.5`, `.5`) and in ranges (`0..n`)",
        Some('^') => "use `**` for powers",
        Some('\0') => "a NUL byte: this looks like a binary file, not a script",
        Some('\u{feff}') => "a byte-order mark (U+FEFF) may only stand at the start of the file",
        Some(
            '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}',
        ) => {
            "an invisible text-direction control character: it can make code read differently \
             from how it runs"
        }
        Some(c) if c.is_alphabetic() => "names are made of ASCII letters, digits and `_`",
        _ => return d,
    };
    d.with_note(hint)
}

/// How a token is named in "expected …, found …" messages: its source text in backticks, or
/// `end of line` / `end of file`. Long text is shortened.
pub fn describe(source: &str, tok: &Spanned) -> String {
    match tok.token {
        Token::Newline => "end of line".to_owned(),
        Token::Eof => "end of file".to_owned(),
        _ => {
            let text = source.get(tok.span.range()).unwrap_or("");
            let mut shown: String = text.chars().take(24).collect();
            if shown.len() < text.len() {
                shown.push('…');
            }
            format!("`{shown}`")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::token::Num;

    fn kinds(src: &str) -> Vec<Token> {
        let (toks, diags) = lex(src);
        assert!(diags.is_empty(), "{src}: {diags:?}");
        toks.into_iter().map(|t| t.token).collect()
    }

    #[test]
    fn range_is_int_dotdot_name() {
        assert_eq!(
            kinds("0..n"),
            vec![
                Token::Number(Num::Int(0)),
                Token::DotDot,
                Token::Name("n".into()),
                Token::Eof
            ]
        );
    }

    #[test]
    fn keywords_names_comments_newlines() {
        assert_eq!(
            kinds("fn fnx # comment\n\tnot_ in"),
            vec![
                Token::Fn,
                Token::Name("fnx".into()),
                Token::Newline,
                Token::Name("not_".into()),
                Token::In,
                Token::Eof
            ]
        );
    }

    #[test]
    fn operators_take_the_longest_match() {
        assert_eq!(
            kinds("** * <= < == = != >= >"),
            vec![
                Token::StarStar,
                Token::Star,
                Token::Le,
                Token::Lt,
                Token::EqEq,
                Token::Assign,
                Token::NotEq,
                Token::Ge,
                Token::Gt,
                Token::Eof
            ]
        );
    }

    #[test]
    fn strings_resolve_escapes() {
        assert_eq!(
            kinds(r#""a\n\t\\\"b""#),
            vec![Token::Str("a\n\t\\\"b".into()), Token::Eof]
        );
    }

    #[test]
    fn adjacent_bad_characters_merge_into_one_error() {
        let (toks, diags) = lex("a $$€ b ¿");
        assert_eq!(diags.len(), 2, "{diags:?}");
        assert_eq!(diags[0].message, "unexpected characters `$$€`");
        assert_eq!(toks[1].token, Token::Error);
        assert_eq!(toks[1].span, Span::new(2, 7));
        assert_eq!(diags[1].message, "unexpected character `¿`");
    }

    #[test]
    fn unterminated_string_stops_at_line_end() {
        let (toks, diags) = lex("\"abc\nx");
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].message, "unterminated string literal");
        assert_eq!(diags[0].span, Span::new(0, 4));
        assert_eq!(toks[1].token, Token::Newline);
    }

    #[test]
    fn lone_carriage_returns_are_reported_once_and_read_as_line_ends() {
        let (toks, diags) = lex("a = 1\rb = 2\rc\r\nd");
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(diags[0].message, "carriage return without a line feed");
        assert_eq!(diags[0].span, Span::new(5, 6));
        let newlines: Vec<Span> = toks
            .iter()
            .filter(|t| t.token == Token::Newline)
            .map(|t| t.span)
            .collect();
        assert_eq!(
            newlines,
            [Span::new(5, 6), Span::new(11, 12), Span::new(14, 15)]
        );
        assert!(lex("a = 1\r\nb = 2\r\n").1.is_empty());
    }

    #[test]
    fn a_byte_order_mark_at_the_start_is_skipped() {
        let (toks, diags) = lex("\u{feff}x\r\n");
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(toks[0].token, Token::Name("x".into()));
        assert_eq!(toks[0].span, Span::new(3, 4));
        let (_, diags) = lex("x \u{feff}");
        assert_eq!(diags[0].message, "unexpected character `\\u{feff}`");
    }

    #[test]
    fn long_runs_of_bad_characters_are_quoted_in_part() {
        let (_, diags) = lex(&"\0".repeat(40));
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(
            diags[0].message,
            format!("40 unexpected characters `{}…`", "\\0".repeat(16))
        );
        assert_eq!(diags[0].span, Span::new(0, 40));
        assert!(diags[0].notes[0].contains("binary file"), "{diags:?}");
    }

    #[test]
    fn eof_span_sits_after_the_last_text() {
        let (toks, _) = lex("x = 1  \n\n");
        assert_eq!(toks.last().unwrap().span, Span::new(5, 5));
    }
}

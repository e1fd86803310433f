//! The token set of `.arr`, as a `logos` lexer.
//!
//! Most tokens are plain patterns. Numbers and strings are scanned by hand-written callbacks so
//! that a malformed literal becomes one clear diagnostic instead of a confusing run of tokens:
//! a number callback first takes the whole "number-looking" run (`12abc`, `1.5.3`, `0x1f`, `1e+`)
//! and then checks it against the literal grammar. Callbacks push their diagnostics into the
//! lexer's extras; `lexer::lex` collects them and also turns characters that start no token into
//! diagnostics.
//!
//! The parser never sees comments or horizontal whitespace; it does see `Newline`, because line
//! ends separate statements (the parser ignores them inside `(…)` and `[…]`).

use crate::diag::{Diagnostic, Span};
use logos::{Lexer, Logos};

/// A token. `Eof` and `Error` are never produced by the `logos` machine itself: `lexer::lex`
/// appends `Eof` and substitutes `Error` for input that was already reported as malformed.
#[derive(Logos, Clone, Debug, PartialEq)]
#[logos(extras = Vec<Diagnostic>)]
#[logos(error = LexError)]
#[logos(skip r"[ \t\r\x0C]+")]
#[logos(skip(r"#[^\n]*", allow_greedy = true))]
pub enum Token {
    /// A line end: separates statements outside `(…)` and `[…]`.
    #[token("\n")]
    Newline,
    /// `;`: separates statements like a line end does.
    #[token(";")]
    Semi,

    #[token("fn")]
    Fn,
    #[token("for")]
    For,
    #[token("in")]
    In,
    #[token("bench")]
    Bench,
    #[token("and")]
    And,
    #[token("or")]
    Or,
    #[token("not")]
    Not,
    #[token("true")]
    True,
    #[token("false")]
    False,

    /// `[A-Za-z_][A-Za-z0-9_]*` that is not a keyword.
    #[regex("[A-Za-z_][A-Za-z0-9_]*", |lex| lex.slice().to_owned())]
    Name(String),
    /// An integer, float or imaginary literal; see [`Num`].
    #[regex("[0-9]", lex_number)]
    #[regex(r"\.[0-9]", lex_number)]
    Number(Num),
    /// A double-quoted string with its escapes resolved. A single-quoted string is reported and
    /// then lexed like a double-quoted one.
    #[token("\"", |lex| lex_string(lex, '"'))]
    #[token("'", |lex| lex_string(lex, '\''))]
    Str(String),

    #[token("+")]
    Plus,
    #[token("-")]
    Minus,
    #[token("*")]
    Star,
    #[token("**")]
    StarStar,
    #[token("/")]
    Slash,
    #[token("%")]
    Percent,
    #[token("@")]
    At,
    #[token("==")]
    EqEq,
    #[token("!=")]
    NotEq,
    #[token("<")]
    Lt,
    #[token("<=")]
    Le,
    #[token(">")]
    Gt,
    #[token(">=")]
    Ge,
    #[token("=")]
    Assign,
    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token("[")]
    LBracket,
    #[token("]")]
    RBracket,
    #[token("{")]
    LBrace,
    #[token("}")]
    RBrace,
    #[token(",")]
    Comma,
    #[token(":")]
    Colon,
    #[token("..")]
    DotDot,

    /// The end of the input (always the last token).
    Eof,
    /// Input that the lexer already reported as an error. The parser accepts it where an
    /// expression may stand and never reports a second error at it.
    Error,
}

/// The value of a number literal.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Num {
    /// `42`, `1_000`: fits in `i64`.
    Int(i64),
    /// `1.5`, `.5`, `1e3`, `1_000.25`: finite.
    Float(f64),
    /// `2j`, `1.5e3j`: the imaginary part, finite.
    Imag(f64),
}

/// Why the `logos` machine stopped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LexError {
    /// No token starts here (reported by `lexer::lex`, which merges adjacent characters).
    #[default]
    Unexpected,
    /// A callback found a malformed literal and already pushed its diagnostic.
    Reported,
}

/// Scans a number starting at the current match (a digit, or `.` and a digit).
fn lex_number(lex: &mut Lexer<Token>) -> Result<Num, LexError> {
    let start = lex.span().start;
    let bytes = lex.source().as_bytes();
    let mut end = lex.span().end;
    // Take the whole run that looks like part of a number, so that `12abc` or `1.2.3` is one
    // error. A `.` is taken unless a second `.` follows (`0..n` is a range), and a sign is taken
    // right after an exponent letter (`1e-3`; `1e+` is one malformed literal).
    loop {
        match bytes.get(end) {
            Some(b) if b.is_ascii_alphanumeric() || *b == b'_' => end += 1,
            Some(b'.') if bytes.get(end + 1) != Some(&b'.') => end += 1,
            Some(b'+' | b'-') if matches!(bytes[end - 1], b'e' | b'E') => end += 1,
            _ => break,
        }
    }
    lex.bump(end - lex.span().end);
    let text = &lex.source()[start..end];
    let span = Span::new(start, end);
    match number_value(text) {
        Ok(num) => Ok(num),
        Err(d) => {
            lex.extras.push(d.at(span, text));
            Err(LexError::Reported)
        }
    }
}

/// What is wrong with a number literal, turned into a diagnostic by [`NumberError::at`].
enum NumberError {
    Malformed(&'static str),
    IntTooLarge,
    FloatOverflow,
}

impl NumberError {
    fn at(self, span: Span, text: &str) -> Diagnostic {
        match self {
            NumberError::Malformed(why) => {
                Diagnostic::error(span, format!("malformed number literal `{text}`"))
                    .with_label(why)
            }
            NumberError::IntTooLarge => {
                let d = Diagnostic::error(span, "integer literal too large for i64")
                    .with_label(format!("the largest is {}", i64::MAX));
                if text.replace('_', "") == "9223372036854775808" {
                    // `-9223372036854775808` is `-` applied to a literal that does not fit.
                    d.with_note("to write the smallest i64, write `-9223372036854775807 - 1`")
                } else {
                    d
                }
            }
            NumberError::FloatOverflow => {
                Diagnostic::error(span, "float literal too large for f64")
                    .with_label("the largest f64 is about 1.8e308")
            }
        }
    }
}

/// Checks `text` against the literal grammar and computes its value:
/// `digits ("." digits)? exponent? "j"?` or `"." digits exponent? "j"?`, where
/// `digits = [0-9]+ ("_" [0-9]+)*` and `exponent = [eE] [+-]? digits`.
fn number_value(text: &str) -> Result<Num, NumberError> {
    let b = text.as_bytes();
    let mut i = 0;
    let int_digits = digits(b, &mut i)?;
    let mut is_float = false;
    if b.get(i) == Some(&b'.') {
        i += 1;
        is_float = true;
        if !digits(b, &mut i)? {
            return Err(NumberError::Malformed(
                "a `.` must be followed by digits: write `1.0`, not `1.`",
            ));
        }
    } else if !int_digits {
        return Err(NumberError::Malformed("expected digits"));
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        is_float = true;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !digits(b, &mut i)? {
            return Err(NumberError::Malformed(
                "the exponent needs digits, as in `1e3`",
            ));
        }
    }
    let imag = b.get(i) == Some(&b'j');
    if imag {
        i += 1;
    }
    match b.get(i) {
        None => {}
        Some(b'.') => return Err(NumberError::Malformed("a number has at most one `.`")),
        Some(b'x' | b'X' | b'b' | b'B' | b'o' | b'O') if text.starts_with('0') && i == 1 => {
            return Err(NumberError::Malformed(
                "only decimal literals are supported",
            ));
        }
        Some(_) => {
            return Err(NumberError::Malformed(
                "a number cannot be followed directly by letters or `_`",
            ));
        }
    }
    let clean: String = text[..if imag { i - 1 } else { i }]
        .chars()
        .filter(|&c| c != '_')
        .collect();
    if !is_float && !imag {
        return clean
            .parse::<i64>()
            .map(Num::Int)
            .map_err(|_| NumberError::IntTooLarge);
    }
    // The text was checked above, so it parses; an overflow parses as infinity.
    let value: f64 = clean.parse().unwrap_or(f64::INFINITY);
    if value.is_infinite() {
        return Err(NumberError::FloatOverflow);
    }
    Ok(if imag {
        Num::Imag(value)
    } else {
        Num::Float(value)
    })
}

/// Consumes `[0-9]+ ("_" [0-9]+)*` at `*i`; returns whether any digit was there.
fn digits(b: &[u8], i: &mut usize) -> Result<bool, NumberError> {
    let start = *i;
    while let Some(&c) = b.get(*i) {
        if c.is_ascii_digit() {
            *i += 1;
        } else if c == b'_' {
            let prev_digit = *i > start && b[*i - 1].is_ascii_digit();
            let next_digit = b.get(*i + 1).is_some_and(u8::is_ascii_digit);
            if !(prev_digit && next_digit) {
                return Err(NumberError::Malformed(
                    "`_` may only stand between two digits",
                ));
            }
            *i += 1;
        } else {
            break;
        }
    }
    Ok(*i > start)
}

/// Scans a string after its opening `quote`. A string ends at the closing quote and may not span
/// lines; at a line end or the end of input it is reported as unterminated. Errors inside a
/// string are reported and the token is still produced, so the parser goes on as if it were well
/// formed.
fn lex_string(lex: &mut Lexer<Token>, quote: char) -> String {
    let open = lex.span().start;
    let rest = lex.remainder();
    let mut value = String::new();
    let mut chars = rest.char_indices();
    let mut consumed = rest.len();
    let mut closed = false;
    while let Some((i, c)) = chars.next() {
        match c {
            c if c == quote => {
                consumed = i + 1;
                closed = true;
                break;
            }
            '\n' | '\r' => {
                consumed = i;
                break;
            }
            '\\' => match chars.clone().next() {
                Some((_, e)) if matches!(e, 'n' | 't' | '\\' | '"') || e == quote => {
                    chars.next();
                    value.push(match e {
                        'n' => '\n',
                        't' => '\t',
                        other => other,
                    });
                }
                Some((j, e)) if e != '\n' && e != '\r' => {
                    chars.next();
                    let at = lex.span().end + i;
                    let span = Span::new(at, lex.span().end + j + e.len_utf8());
                    lex.extras.push(
                        Diagnostic::error(span, format!("unknown escape `\\{}`", e.escape_debug()))
                            .with_label("not a known escape")
                            .with_note(r#"the escapes are `\n`, `\t`, `\\` and `\"`"#),
                    );
                    value.push('\\');
                    value.push(e);
                }
                // A backslash at the end of a line or of the input: unterminated below.
                _ => {}
            },
            c => value.push(c),
        }
    }
    lex.bump(consumed);
    let span = Span::new(open, lex.span().end);
    if !closed {
        lex.extras.push(
            Diagnostic::error(span, "unterminated string literal")
                .with_label(format!("missing a closing `{quote}`"))
                .with_note("a string must end on the line where it starts"),
        );
    } else if quote == '\'' {
        lex.extras.push(
            Diagnostic::error(span, "strings are written in double quotes")
                .with_label(format!("write {value:?}")),
        );
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(text: &str) -> Result<Num, String> {
        number_value(text).map_err(|e| e.at(Span::default(), text).message)
    }

    #[test]
    fn number_forms() {
        assert_eq!(num("1_000_000"), Ok(Num::Int(1_000_000)));
        assert_eq!(num("1.5"), Ok(Num::Float(1.5)));
        assert_eq!(num(".5"), Ok(Num::Float(0.5)));
        assert_eq!(num("1e3"), Ok(Num::Float(1000.0)));
        assert_eq!(num("1.5e-3"), Ok(Num::Float(0.0015)));
        assert_eq!(num("1_000.25"), Ok(Num::Float(1000.25)));
        assert_eq!(num("2j"), Ok(Num::Imag(2.0)));
        assert_eq!(num("1.5e3j"), Ok(Num::Imag(1500.0)));
        assert_eq!(num("9223372036854775807"), Ok(Num::Int(i64::MAX)));
    }

    #[test]
    fn malformed_numbers() {
        for bad in [
            "1.", "1e", "1e+", "1__0", "1_", "1._5", "0x1f", "12abc", "1.2.3", "2jj",
        ] {
            let msg = num(bad).expect_err(bad);
            assert!(msg.starts_with("malformed number literal"), "{bad}: {msg}");
        }
        assert_eq!(
            num("9223372036854775808"),
            Err("integer literal too large for i64".into())
        );
        assert_eq!(num("1e999"), Err("float literal too large for f64".into()));
        assert_eq!(num("1e-999"), Ok(Num::Float(0.0)));
    }
}

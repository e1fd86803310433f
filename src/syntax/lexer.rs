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
    let mut lexer = Token::lexer(source);
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
    diags.sort_by_key(|d| d.span.start);
    let end = source.trim_end().len();
    tokens.push(Spanned {
        token: Token::Eof,
        span: Span::new(end, end),
    });
    (tokens, diags)
}

/// The diagnostic for a run of characters that start no token, with a hint for the characters
/// that people coming from other languages are likely to type.
fn unexpected_chars(source: &str, span: Span) -> Diagnostic {
    let text = &source[span.range()];
    let shown: String = text.chars().flat_map(char::escape_debug).collect();
    let what = if text.chars().count() == 1 {
        "character"
    } else {
        "characters"
    };
    let d = Diagnostic::error(span, format!("unexpected {what} `{shown}`"));
    let hint = match text.chars().next() {
        Some('!') => "use `not` for logical negation and `!=` for inequality",
        Some('&') => "use `and` for logical conjunction",
        Some('|') => "use `or` for logical disjunction",
        Some('.') => "`.` appears only in numbers (`1.5`, `.5`) and in ranges (`0..n`)",
        Some('^') => "use `**` for powers",
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
    fn eof_span_sits_after_the_last_text() {
        let (toks, _) = lex("x = 1  \n\n");
        assert_eq!(toks.last().unwrap().span, Span::new(5, 5));
    }
}

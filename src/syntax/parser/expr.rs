//! Expressions, by precedence climbing.
//!
//! Binding strength, loosest first (see `grammar/README.md`):
//!
//! | level | operators                 | kind                                  |
//! |-------|---------------------------|---------------------------------------|
//! | 1     | `or`                      | left-associative                      |
//! | 2     | `and`                     | left-associative                      |
//! | 3     | `not`                     | prefix                                |
//! | 4     | `== != < <= > >=`         | non-associative                       |
//! | 5     | `+ -`                     | left-associative                      |
//! | 6     | `* / % @`                 | left-associative                      |
//! | 7     | `-` `+`                   | prefix                                |
//! | 8     | `**`                      | right-associative; right operand may be prefixed |
//! | 9     | call `f(…)`, index `x[…]` | postfix, chainable                    |

use super::{NESTING_LIMIT, Parser, delimiters};
use crate::diag::{Diagnostic, Span};
use crate::syntax::ast::{Arg, BinOp, Expr, ExprKind, IndexItem, UnOp};
use crate::syntax::token::{Num, Token};

const OR: u8 = 1;
const AND: u8 = 2;
const CMP: u8 = 4;
const ADD: u8 = 5;
const MUL: u8 = 6;
const UNARY: u8 = 7;
const POW: u8 = 8;

/// The binary operator a token stands for, and its level.
fn infix(token: &Token) -> Option<(BinOp, u8)> {
    Some(match token {
        Token::Or => (BinOp::Or, OR),
        Token::And => (BinOp::And, AND),
        Token::EqEq => (BinOp::Eq, CMP),
        Token::NotEq => (BinOp::Ne, CMP),
        Token::Lt => (BinOp::Lt, CMP),
        Token::Le => (BinOp::Le, CMP),
        Token::Gt => (BinOp::Gt, CMP),
        Token::Ge => (BinOp::Ge, CMP),
        Token::Plus => (BinOp::Add, ADD),
        Token::Minus => (BinOp::Sub, ADD),
        Token::Star => (BinOp::Mul, MUL),
        Token::Slash => (BinOp::Div, MUL),
        Token::Percent => (BinOp::Mod, MUL),
        Token::At => (BinOp::MatMul, MUL),
        Token::StarStar => (BinOp::Pow, POW),
        _ => return None,
    })
}

impl Parser<'_> {
    /// `expr`: a whole expression.
    pub(super) fn expr(&mut self) -> Expr {
        self.expr_bp(0)
    }

    /// Enters one more level of nesting, or fails at the limit. The depth bounds the parser's
    /// recursion and also the depth of the tree it builds, which later stages walk
    /// recursively: so each link of a chain such as `a + b + c` or `f(x)(y)[0]` counts too.
    fn deeper(&mut self) -> bool {
        if self.expr_depth >= NESTING_LIMIT {
            let d = Diagnostic::error(
                self.span(),
                format!("expression nested too deeply (limit {NESTING_LIMIT})"),
            )
            .with_note("split it into several statements with intermediate names");
            self.fail(d);
            return false;
        }
        self.expr_depth += 1;
        true
    }

    /// An expression whose binary operators all have level `min` or above.
    fn expr_bp(&mut self, min: u8) -> Expr {
        if !self.deeper() {
            return self.error_expr();
        }
        let mut levels = 1;
        let mut lhs = self.prefix(min);
        // The operator of `lhs` when it is a comparison built by this loop.
        let mut last_cmp: Option<BinOp> = None;
        while let Some((op, level)) = infix(self.peek()) {
            if level < min || !self.deeper() {
                break;
            }
            levels += 1;
            let op_span = self.bump();
            let rhs = match level {
                // Right-associative, and the right operand may carry a sign: `2 ** -x`.
                POW => self.expr_bp(POW),
                // Non-associative: a second comparison is reported, then parsed leftwards.
                CMP => {
                    if let Some(first) = last_cmp {
                        let d = Diagnostic::error(
                            op_span,
                            "comparison operators cannot be chained",
                        )
                        .with_label("second comparison")
                        .with_note(format!(
                            "to test both, join two comparisons with `and`: `a {} b and b {} c`",
                            first.symbol(),
                            op.symbol()
                        ));
                        self.report(d);
                    }
                    self.expr_bp(CMP + 1)
                }
                _ => self.expr_bp(level + 1),
            };
            last_cmp = (level == CMP).then_some(op);
            lhs = Expr {
                span: lhs.span.to(rhs.span),
                kind: ExprKind::Binary {
                    op,
                    lhs: Box::new(lhs),
                    rhs: Box::new(rhs),
                },
            };
        }
        self.expr_depth -= levels;
        lhs
    }

    /// `not_expr` and `unary`: prefix operators, then a postfix expression.
    fn prefix(&mut self, min: u8) -> Expr {
        let (op, operand_min) = match self.peek() {
            Token::Not => (UnOp::Not, CMP),
            Token::Minus => (UnOp::Neg, UNARY),
            Token::Plus => (UnOp::Pos, UNARY),
            _ => return self.postfix(),
        };
        let op_span = self.bump();
        if op == UnOp::Not && min > CMP {
            let d = Diagnostic::error(op_span, "`not` needs parentheses here")
                .with_label("write `(not …)`")
                .with_note(
                    "`not` binds more loosely than comparisons and arithmetic: `a == not b` must be written `a == (not b)`",
                );
            self.report(d);
        }
        let operand = self.expr_bp(operand_min);
        Expr {
            span: op_span.to(operand.span),
            kind: ExprKind::Unary {
                op,
                operand: Box::new(operand),
            },
        }
    }

    /// `postfix = primary ( call_args | index )*`
    fn postfix(&mut self) -> Expr {
        let mut e = self.primary();
        let mut levels = 0;
        while matches!(self.peek(), Token::LParen | Token::LBracket) && self.deeper() {
            levels += 1;
            e = match self.peek() {
                Token::LParen => self.call(e),
                _ => self.index(e),
            };
        }
        self.expr_depth -= levels;
        e
    }

    /// `primary`: a literal, a name, a parenthesised expression, a tuple or an array.
    fn primary(&mut self) -> Expr {
        let kind = match self.peek() {
            Token::Number(Num::Int(v)) => ExprKind::Int(*v),
            Token::Number(Num::Float(v)) => ExprKind::Float(*v),
            Token::Number(Num::Imag(v)) => ExprKind::Imag(*v),
            Token::True => ExprKind::Bool(true),
            Token::False => ExprKind::Bool(false),
            Token::Str(s) => ExprKind::Str(s.clone()),
            Token::Name(n) => ExprKind::Name(n.clone()),
            // Already reported by the lexer.
            Token::Error => {
                self.poisoned = true;
                ExprKind::Error
            }
            Token::LParen => return self.paren(),
            Token::LBracket => return self.array(),
            _ => {
                self.fail_expected_expr();
                return self.error_expr();
            }
        };
        let span = self.bump();
        Expr { kind, span }
    }

    fn fail_expected_expr(&mut self) {
        let mut d = Diagnostic::error(
            self.span(),
            format!("expected an expression, found {}", self.found()),
        );
        let i = self.idx();
        let before = |back: usize| i.checked_sub(back).map(|j| &self.toks[j]);
        match (&self.toks[i].token, before(1), before(2)) {
            // `x += 1` lexes as `x + = 1`.
            (Token::Assign, Some(op), target)
                if op.span.end == self.toks[i].span.start
                    && matches!(
                        op.token,
                        Token::Plus | Token::Minus | Token::Star | Token::Slash | Token::Percent
                    ) =>
            {
                let op = &self.src[op.span.range()];
                let x = match target.map(|t| &t.token) {
                    Some(Token::Name(x)) => x.as_str(),
                    _ => "x",
                };
                d = d.with_note(format!(
                    "there is no compound assignment: write `{x} = {x} {op} …`"
                ));
            }
            (Token::Newline, _, _) => {
                d = d.with_note(
                    "a line end ends the statement; to continue an expression on the next line, \
                     wrap it in parentheses",
                );
            }
            _ => {}
        }
        self.fail(d);
    }

    /// `"(" ")"`, `"(" expr ")"` or a tuple `"(" expr "," (expr ("," expr)* ","?)? ")"`.
    fn paren(&mut self) -> Expr {
        let open = self.bump();
        let mut items = Vec::new();
        let (close, trailing_comma) = self.list(open, &Token::RParen, |p| items.push(p.expr()));
        let span = open.to(close);
        if items.len() == 1 && !trailing_comma {
            let inner = items.pop().unwrap_or_else(|| self.error_expr());
            return Expr {
                kind: inner.kind,
                span,
            };
        }
        Expr {
            kind: ExprKind::Tuple(items),
            span,
        }
    }

    /// `array = "[" (expr ("," expr)* ","?)? "]"`
    fn array(&mut self) -> Expr {
        let open = self.bump();
        let mut items = Vec::new();
        let (close, _) = self.list(open, &Token::RBracket, |p| items.push(p.expr()));
        Expr {
            kind: ExprKind::Array(items),
            span: open.to(close),
        }
    }

    /// `call_args = "(" (arg ("," arg)* ","?)? ")"`, `arg = (NAME "=")? expr`
    fn call(&mut self, callee: Expr) -> Expr {
        let open = self.bump();
        let mut args: Vec<Arg> = Vec::new();
        let (close, _) = self.list(open, &Token::RParen, |p| {
            let arg = p.arg();
            p.check_arg(&args, &arg);
            args.push(arg);
        });
        Expr {
            span: callee.span.to(close),
            kind: ExprKind::Call {
                callee: Box::new(callee),
                args,
            },
        }
    }

    fn arg(&mut self) -> Arg {
        if matches!(self.peek(), Token::Name(_)) && self.peek_at(1) == &Token::Assign {
            let name = self.name();
            self.bump();
            let value = self.expr();
            let start = name.as_ref().map_or(value.span, |n| n.span);
            return Arg {
                span: start.to(value.span),
                name,
                value,
            };
        }
        let value = self.expr();
        Arg {
            span: value.span,
            name: None,
            value,
        }
    }

    /// Keyword arguments come after positional ones, and each keyword at most once.
    fn check_arg(&mut self, before: &[Arg], arg: &Arg) {
        let d = match &arg.name {
            Some(name) => {
                let Some(first) = before
                    .iter()
                    .find(|a| a.name.as_ref().is_some_and(|n| n.name == name.name))
                else {
                    return;
                };
                Diagnostic::error(
                    name.span,
                    format!("keyword argument `{}` is given twice", name.name),
                )
                .with_note(format!(
                    "first given at {}",
                    self.line_col(first.span.start)
                ))
            }
            None => {
                let Some(keyword) = before.iter().find_map(|a| a.name.as_ref()) else {
                    return;
                };
                Diagnostic::error(arg.span, "positional argument after a keyword argument")
                    .with_note(format!(
                        "positional arguments come first; `{}=` is at {}",
                        keyword.name,
                        self.line_col(keyword.span.start)
                    ))
            }
        };
        self.report(d);
    }

    /// `index = "[" item ("," item)* ","? "]"`
    fn index(&mut self, base: Expr) -> Expr {
        let open = self.bump();
        let mut items = Vec::new();
        let (close, _) = self.list(open, &Token::RBracket, |p| items.push(p.index_item()));
        if items.is_empty() && !self.recovering {
            let d = Diagnostic::error(open.to(close), "an index needs at least one item")
                .with_note("write `x[i]` for one element or `x[:]` for all of them");
            self.report(d);
        }
        Expr {
            span: base.span.to(close),
            kind: ExprKind::Index {
                base: Box::new(base),
                items,
            },
        }
    }

    /// `item = expr | expr? ":" expr? (":" expr?)?`
    fn index_item(&mut self) -> IndexItem {
        let first = self.span();
        let start = if self.at(&Token::Colon) {
            None
        } else {
            let e = self.expr();
            if !self.at(&Token::Colon) {
                return IndexItem::Single(e);
            }
            Some(e)
        };
        self.bump();
        let stop = self.slice_part();
        let step = match self.eat(&Token::Colon) {
            Some(_) => self.slice_part(),
            None => None,
        };
        IndexItem::Slice {
            start,
            stop,
            step,
            span: first.to(self.prev_end()),
        }
    }

    /// An optional part of a slice after a `:`.
    fn slice_part(&mut self) -> Option<Expr> {
        match self.peek() {
            Token::Colon | Token::Comma | Token::RBracket => None,
            _ if self.at_abrupt_end(&Token::RBracket) => None,
            _ => Some(self.expr()),
        }
    }

    /// Parses `item ("," item)* ","?` up to `close` (`)` or `]`), calling `item` for each item,
    /// then consumes `close`. Returns the span of `close` (empty if it is missing) and whether a
    /// comma came right before it. The caller has already consumed the opening delimiter,
    /// whose span is `open`. Line ends inside are skipped.
    pub(super) fn list(
        &mut self,
        open: Span,
        close: &Token,
        mut item: impl FnMut(&mut Self),
    ) -> (Span, bool) {
        self.brackets.push((open, close.clone()));
        let mut trailing_comma = false;
        loop {
            if self.recovering || self.at(close) {
                break;
            }
            if self.at_abrupt_end(close) {
                self.fail_unclosed(close, open);
                break;
            }
            item(self);
            trailing_comma = false;
            if self.eat(&Token::Comma).is_some() {
                trailing_comma = true;
                continue;
            }
            if self.at(close) || self.recovering {
                break;
            }
            if self.at_abrupt_end(close) {
                self.fail_unclosed(close, open);
                break;
            }
            let (o, c) = delimiters(close);
            let mut d = Diagnostic::error(
                self.span(),
                format!("expected `,` or `{c}`, found {}", self.found()),
            );
            let same_line =
                !self.src[open.start as usize..self.span().start as usize].contains('\n');
            if close == &Token::RBracket && self.at(&Token::DotDot) {
                d = d.with_note("a slice is written with `:`, as in `x[0:3]`");
            } else if !same_line {
                d = d.with_note(format!(
                    "this list was opened by `{o}` at {}",
                    self.line_col(open.start)
                ));
            }
            self.fail(d);
            break;
        }
        let close_span = match self.eat(close) {
            Some(span) => span,
            None => {
                self.fail_unclosed(close, open);
                self.prev_end()
            }
        };
        // Popped after consuming `close`, so that line ends before it are still skipped.
        self.brackets.pop();
        (close_span, trailing_comma)
    }

    /// Whether the current token cannot continue a list that `close` ends: the end of the
    /// input, a statement separator, a brace, a statement keyword or the other closing bracket.
    fn at_abrupt_end(&self, close: &Token) -> bool {
        match self.peek() {
            Token::Eof
            | Token::Semi
            | Token::LBrace
            | Token::RBrace
            | Token::Fn
            | Token::For
            | Token::Bench => true,
            t @ (Token::RParen | Token::RBracket) => t != close,
            _ => false,
        }
    }

    fn fail_unclosed(&mut self, close: &Token, open: Span) {
        let (o, c) = delimiters(close);
        let d = Diagnostic::error(
            self.span(),
            format!(
                "expected `{c}` to close `{o}` opened at {}",
                self.line_col(open.start)
            ),
        )
        .with_label(format!("found {}", self.found()));
        self.fail(d);
    }
}

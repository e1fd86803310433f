//! Tokens → AST: a recursive-descent parser that follows `grammar/arr.ebnf` production by
//! production (statements here, expressions by precedence climbing in `expr.rs`).
//!
//! Contract: [`parse`] never panics and always returns a tree. After an error the parser
//! abandons the current statement and skips to the next statement boundary at the same brace
//! depth, so one run reports the errors of many statements. Errors that leave the structure
//! intact (a chained comparison, a duplicate keyword argument, `x[0] = 1`) are reported without
//! abandoning anything. Nesting is bounded ([`NESTING_LIMIT`]) so no input overflows the stack.
//!
//! Recovery works like this: `Parser::fail` records the error and sets `recovering`; while it is
//! set, the parser sees only the end of the input, so every production unwinds at once without
//! consuming tokens or reporting more errors. The statement loop then calls `Parser::sync`,
//! which skips the rest of the broken statement and clears the flag. Two refinements keep
//! follow-on errors out: a statement that contains a token the lexer already reported reports
//! no syntax errors of its own, and a bracket left open at the end of a line that runs into a
//! `name = …` line is reported as unclosed, and parsing resumes at that line.

mod expr;
#[cfg(test)]
mod tests;

use super::ast::{Block, Expr, ExprKind, FnBody, Ident, Program, Stmt, StmtKind, StrLit};
use super::lexer::{self, Spanned};
use super::token::Token;
use crate::diag::{Diagnostic, Span};

/// The deepest nesting of expressions, and separately of blocks, that the parser accepts.
/// Deeper input is reported as an error instead of risking a stack overflow.
pub const NESTING_LIMIT: u32 = 200;

/// Parses a whole `.arr` source text. Returns the program (statements that failed to parse are
/// dropped or hold `ExprKind::Error`) and every lexical and syntax diagnostic, in source order.
pub fn parse(source: &str) -> (Program, Vec<Diagnostic>) {
    let (tokens, mut diags) = lexer::lex(source);
    let mut parser = Parser::new(source, tokens);
    let stmts = parser.stmts(false);
    diags.append(&mut parser.diags);
    diags.sort_by_key(|d| d.span.start);
    (Program { stmts }, diags)
}

/// The opening and closing text of the bracket that `close` closes, for messages.
fn delimiters(close: &Token) -> (&'static str, &'static str) {
    match close {
        Token::RBracket => ("[", "]"),
        _ => ("(", ")"),
    }
}

/// What the parser sees while it is recovering from an error.
static EOF: Token = Token::Eof;

struct Parser<'s> {
    src: &'s str,
    /// Ends with `Eof`.
    toks: Vec<Spanned>,
    pos: usize,
    /// The `(` and `[` that enclose the current position, innermost last, with the token that
    /// closes each. Inside any, line ends are skipped.
    brackets: Vec<(Span, Token)>,
    expr_depth: u32,
    block_depth: u32,
    /// The end of the last consumed token.
    prev_end: usize,
    diags: Vec<Diagnostic>,
    recovering: bool,
    /// How many brackets were open when the error that started the recovery was found.
    recover_parens: usize,
    /// Where to resume after the recovery, when `Parser::unclosed_before_assignment` found
    /// that the error is an unclosed bracket running into the next statement.
    resume_at: Option<usize>,
    /// The current statement contains a token the lexer reported (`Token::Error`): its syntax
    /// errors are not reported, since they are most likely caused by that token.
    poisoned: bool,
}

impl<'s> Parser<'s> {
    fn new(src: &'s str, toks: Vec<Spanned>) -> Parser<'s> {
        Parser {
            src,
            toks,
            pos: 0,
            brackets: Vec::new(),
            expr_depth: 0,
            block_depth: 0,
            prev_end: 0,
            diags: Vec::new(),
            recovering: false,
            recover_parens: 0,
            resume_at: None,
            poisoned: false,
        }
    }

    // ----- Tokens -----

    /// The index of the current token: line ends are skipped inside `(…)` and `[…]`.
    fn idx(&self) -> usize {
        let mut i = self.pos;
        if !self.brackets.is_empty() {
            while self.toks[i].token == Token::Newline {
                i += 1;
            }
        }
        i
    }

    fn peek(&self) -> &Token {
        self.peek_at(0)
    }

    /// The token `n` places ahead (line ends skipped inside brackets, as for `peek`).
    fn peek_at(&self, n: usize) -> &Token {
        if self.recovering {
            return &EOF;
        }
        let mut i = self.idx();
        for _ in 0..n {
            if self.toks[i].token == Token::Eof {
                break;
            }
            i += 1;
            while !self.brackets.is_empty() && self.toks[i].token == Token::Newline {
                i += 1;
            }
        }
        &self.toks[i].token
    }

    fn at(&self, token: &Token) -> bool {
        self.peek() == token
    }

    /// The span of the current token.
    fn span(&self) -> Span {
        self.toks[self.idx()].span
    }

    /// An empty span where the last consumed token ended.
    fn prev_end(&self) -> Span {
        Span::new(self.prev_end, self.prev_end)
    }

    /// Consumes the current token and returns its span. Does nothing at the end of the input
    /// or while recovering.
    fn bump(&mut self) -> Span {
        let i = self.idx();
        let span = self.toks[i].span;
        if !self.recovering && self.toks[i].token != Token::Eof {
            self.pos = i + 1;
            self.prev_end = span.end as usize;
        }
        span
    }

    fn eat(&mut self, token: &Token) -> Option<Span> {
        self.at(token).then(|| self.bump())
    }

    /// The current token as "expected …, found X" names it.
    fn found(&self) -> String {
        lexer::describe(self.src, &self.toks[self.idx()])
    }

    /// `LINE:COL` (1-based, columns in characters) of a byte offset.
    fn line_col(&self, offset: u32) -> String {
        let before = self.src.get(..offset as usize).unwrap_or(self.src);
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
        format!("{line}:{col}")
    }

    // ----- Diagnostics and recovery -----

    /// Reports an error that leaves the tree's structure intact; parsing goes on normally.
    fn report(&mut self, d: Diagnostic) {
        if !self.recovering && !self.poisoned {
            self.diags.push(d);
        }
    }

    /// Reports an error after which the current statement is abandoned (see the module docs).
    /// An error found at or after a token the lexer already reported is not reported.
    fn fail(&mut self, d: Diagnostic) {
        if self.recovering {
            return;
        }
        let d = match self.unclosed_before_assignment() {
            Some((resume, unclosed)) => {
                self.resume_at = Some(resume);
                unclosed
            }
            None => d,
        };
        if !self.poisoned && self.toks[self.idx()].token != Token::Error {
            self.diags.push(d);
        }
        self.recovering = true;
        self.recover_parens = self.brackets.len();
    }

    /// Recognises the commonest cause of an error inside brackets: a bracket left open at the
    /// end of a line, so that the parser ran into the next line's `name = …`. Then the error is
    /// reported as the unclosed bracket, and parsing resumes at that name. Returns `None` when
    /// the current token is not (the `=` after) such a name, or when that line goes on to close
    /// a bracket or ends with a `,` (then it is probably the continuation it seems to be:
    /// `f(a\n  seed=1)`).
    fn unclosed_before_assignment(&self) -> Option<(usize, Diagnostic)> {
        let (open, close) = self.brackets.last()?;
        let i = self.idx();
        let name = if self.toks[i].token == Token::Assign {
            i.checked_sub(1)?
        } else {
            i
        };
        let starts_line = name > 0 && self.toks[name - 1].token == Token::Newline;
        if !(matches!(self.toks[name].token, Token::Name(_))
            && starts_line
            && self.toks[name + 1].token == Token::Assign)
        {
            return None;
        }
        let mut depth = 0u32;
        let mut last = &Token::Newline;
        for t in self.toks[name..].iter().map(|t| &t.token) {
            match t {
                Token::Newline | Token::Eof => break,
                Token::LParen | Token::LBracket => depth += 1,
                Token::RParen | Token::RBracket if depth == 0 => return None,
                Token::RParen | Token::RBracket => depth -= 1,
                _ => {}
            }
            last = t;
        }
        if last == &Token::Comma {
            return None;
        }
        // Point at the end of the last line before the name that is not blank.
        let mut nl = name - 1;
        while nl > 0 && self.toks[nl - 1].token == Token::Newline {
            nl -= 1;
        }
        let at = self.toks[nl].span.start as usize;
        let (o, c) = delimiters(close);
        let d = Diagnostic::error(
            Span::new(at, at),
            format!(
                "expected `{c}` to close `{o}` opened at {}",
                self.line_col(open.start)
            ),
        )
        .with_label("found end of line");
        Some((name, d))
    }

    /// Fails with "expected `what`, found X" at the current token.
    fn fail_expected(&mut self, what: &str) {
        let d = Diagnostic::error(
            self.span(),
            format!("expected {what}, found {}", self.found()),
        );
        self.fail(d);
    }

    /// Skips the rest of a broken statement: up to a line end or `;` outside any bracket that
    /// was open at the error, a `}` that closes the enclosing block, or a line that starts with
    /// `fn`, `for` or `bench` (even inside an unclosed bracket: those never start an expression).
    fn sync(&mut self) {
        self.recovering = false;
        if let Some(resume) = self.resume_at.take() {
            self.pos = resume;
            return;
        }
        let mut parens = self.recover_parens;
        let mut braces = 0u32;
        loop {
            match self.toks[self.pos].token {
                Token::Eof => break,
                Token::Newline | Token::Semi if parens == 0 && braces == 0 => break,
                Token::Newline
                    if braces == 0
                        && matches!(
                            self.toks[self.pos + 1].token,
                            Token::Fn | Token::For | Token::Bench
                        ) =>
                {
                    break;
                }
                Token::LParen | Token::LBracket => parens += 1,
                Token::RParen | Token::RBracket => parens = parens.saturating_sub(1),
                Token::LBrace => braces += 1,
                Token::RBrace if braces == 0 => break,
                Token::RBrace => braces -= 1,
                _ => {}
            }
            self.pos += 1;
        }
    }

    // ----- Statements -----

    /// `stmts = sep* (stmt (sep+ stmt)*)? sep*`, up to the end of the input or, in a block, to
    /// its `}`.
    fn stmts(&mut self, in_block: bool) -> Vec<Stmt> {
        let mut stmts = Vec::new();
        let outer_poisoned = self.poisoned;
        loop {
            self.poisoned = false;
            while matches!(self.peek(), Token::Newline | Token::Semi) {
                self.bump();
            }
            match self.peek() {
                Token::Eof => break,
                Token::RBrace if in_block => break,
                Token::RBrace => {
                    let d = Diagnostic::error(self.span(), "unexpected `}`")
                        .with_label("no `{` is open here");
                    self.report(d);
                    self.bump();
                    continue;
                }
                _ => {}
            }
            let stmt = self.stmt();
            match self.peek() {
                Token::Newline | Token::Semi | Token::Eof | Token::RBrace => {}
                close @ (Token::RParen | Token::RBracket) => {
                    let (o, c) = delimiters(close);
                    let d = Diagnostic::error(self.span(), format!("unexpected `{c}`"))
                        .with_label(format!("no `{o}` is open here"));
                    self.fail(d);
                }
                _ => {
                    let d = Diagnostic::error(
                        self.span(),
                        format!(
                            "expected a line end or `;` after the statement, found {}",
                            self.found()
                        ),
                    );
                    match stmt.as_ref().and_then(foreign_keyword_hint) {
                        Some(hint) => self.fail(d.with_note(hint)),
                        None => self.fail(d),
                    }
                }
            }
            if self.recovering {
                self.sync();
            }
            stmts.extend(stmt);
        }
        self.poisoned = outer_poisoned;
        stmts
    }

    /// `stmt = fn_def | for_loop | bench | assign | expr`. `None` for a statement that was
    /// dropped after an error.
    fn stmt(&mut self) -> Option<Stmt> {
        match self.peek() {
            Token::Fn => self.fn_def(),
            Token::For => self.for_loop(),
            Token::Bench => self.bench(),
            Token::Name(_) if self.peek_at(1) == &Token::Assign => {
                let target = self.name()?;
                self.bump();
                let value = self.expr();
                Some(Stmt {
                    span: target.span.to(value.span),
                    kind: StmtKind::Assign { target, value },
                })
            }
            _ => {
                let e = self.expr();
                if self.at(&Token::Assign) {
                    self.bad_assign_target(&e);
                    self.bump();
                    self.expr();
                    return None;
                }
                Some(Stmt {
                    span: e.span,
                    kind: StmtKind::Expr(e),
                })
            }
        }
    }

    /// Consumes a name, or returns `None` (without reporting) when there is none.
    fn name(&mut self) -> Option<Ident> {
        let Token::Name(name) = self.peek() else {
            return None;
        };
        let name = name.clone();
        Some(Ident {
            name,
            span: self.bump(),
        })
    }

    /// `x[0] = 1`, `f(x) = 2`, …: only a name can be assigned.
    fn bad_assign_target(&mut self, target: &Expr) {
        let d = match &target.kind {
            ExprKind::Error => return,
            ExprKind::Index { .. } => {
                Diagnostic::error(target.span, "cannot assign to an element of an array")
                    .with_label("arrays are immutable")
                    .with_note("bind the new array to a name instead, e.g. `y = where(mask, v, x)`")
            }
            ExprKind::Call { callee, args } => {
                let d = Diagnostic::error(target.span, "cannot assign to a call");
                let params: Option<Vec<&str>> = args
                    .iter()
                    .map(|a| match (&a.name, &a.value.kind) {
                        (None, ExprKind::Name(n)) => Some(n.as_str()),
                        _ => None,
                    })
                    .collect();
                match (&callee.kind, params) {
                    (ExprKind::Name(f), Some(params)) => d.with_note(format!(
                        "to define a function, write `fn {f}({}) = …`",
                        params.join(", ")
                    )),
                    _ => d.with_note("only a name can be assigned: `name = value`"),
                }
            }
            ExprKind::Tuple(_) => Diagnostic::error(target.span, "cannot assign to a tuple")
                .with_note("there is no unpacking; assign each name on its own"),
            _ => Diagnostic::error(target.span, "cannot assign to this expression")
                .with_note("only a name can be assigned: `name = value`"),
        };
        self.report(d);
    }

    /// `fn_def = "fn" NAME "(" params? ")" ( "=" expr | block )`
    fn fn_def(&mut self) -> Option<Stmt> {
        let kw = self.bump();
        let Some(name) = self.name() else {
            self.fail_expected("a function name after `fn`");
            return None;
        };
        let Some(open) = self.eat(&Token::LParen) else {
            self.fail_expected("`(` to start the parameter list");
            return None;
        };
        let mut params: Vec<Ident> = Vec::new();
        self.list(open, &Token::RParen, |p| match p.name() {
            Some(param) => {
                if params.iter().any(|q| q.name == param.name) {
                    let d = Diagnostic::error(
                        param.span,
                        format!("parameter `{}` is declared twice", param.name),
                    );
                    p.report(d);
                }
                params.push(param);
            }
            None => p.fail_expected("a parameter name"),
        });
        let body = if self.eat(&Token::Assign).is_some() {
            FnBody::Expr(self.expr())
        } else if self.at(&Token::LBrace) || self.brace_on_next_line("function") {
            let errors_before = self.diags.len();
            let block = self.block("the function body", "function");
            if self.diags.len() == errors_before {
                self.check_block_value(&block);
            }
            FnBody::Block(block)
        } else {
            self.fail_expected("`=` or `{` after the parameter list");
            FnBody::Expr(self.error_expr())
        };
        Some(Stmt {
            span: kw.to(self.prev_end()),
            kind: StmtKind::Fn { name, params, body },
        })
    }

    /// A block body's value is its last statement, so that must be an expression.
    fn check_block_value(&mut self, block: &Block) {
        let d = match block.stmts.last() {
            Some(Stmt {
                kind: StmtKind::Expr(_),
                ..
            }) => return,
            Some(last) => {
                Diagnostic::error(last.span, "a function body must end with an expression")
                    .with_label("this statement gives no value")
            }
            None => Diagnostic::error(block.span, "a function body must end with an expression")
                .with_label("this body is empty"),
        };
        self.report(d.with_note(
            "the last line of a block body is the function's value, as in `{ s = x * x; sum(s) }`",
        ));
    }

    /// `for_loop = "for" NAME "in" expr ".." expr block`
    fn for_loop(&mut self) -> Option<Stmt> {
        let kw = self.bump();
        let Some(var) = self.name() else {
            self.fail_expected("a loop variable name after `for`");
            return None;
        };
        if self.eat(&Token::In).is_none() {
            self.fail_expected("`in` after the loop variable");
            return None;
        }
        let start = self.expr();
        if self.eat(&Token::DotDot).is_none() && !self.recovering {
            let d = Diagnostic::error(
                self.span(),
                format!(
                    "expected `..` in the range `start..end`, found {}",
                    self.found()
                ),
            )
            .with_note("a loop runs over a range of integers, as in `for i in 0..n { … }`");
            self.fail(d);
        }
        let end = self.expr();
        let body = self.block("the loop body", "loop");
        Some(Stmt {
            span: kw.to(self.prev_end()),
            kind: StmtKind::For {
                var,
                start,
                end,
                body,
            },
        })
    }

    /// `bench = "bench" STRING block`
    fn bench(&mut self) -> Option<Stmt> {
        let kw = self.bump();
        let Token::Str(value) = self.peek() else {
            self.fail_expected("the benchmark's name (a string) after `bench`");
            return None;
        };
        let name = StrLit {
            value: value.clone(),
            span: self.bump(),
        };
        let body = self.block("the benchmark body", "bench");
        Some(Stmt {
            span: kw.to(self.prev_end()),
            kind: StmtKind::Bench { name, body },
        })
    }

    /// When the current token is a line end and the next line starts with `{`, reports that the
    /// `{` of a `header` ("loop") must be on the header's line, and moves on to the `{`.
    fn brace_on_next_line(&mut self, header: &str) -> bool {
        if !self.at(&Token::Newline) {
            return false;
        }
        let mut i = self.pos;
        while self.toks[i].token == Token::Newline {
            i += 1;
        }
        if self.toks[i].token != Token::LBrace {
            return false;
        }
        let d = Diagnostic::error(
            self.toks[i].span,
            format!("the `{{` must be on the same line as the {header} header"),
        )
        .with_note("a line end ends the statement, so a `{` cannot start a new line");
        self.report(d);
        self.pos = i;
        true
    }

    /// `block = "{" stmts "}"`; `what` names the block in messages ("the loop body"), and
    /// `header` the statement it belongs to ("loop").
    fn block(&mut self, what: &str, header: &str) -> Block {
        if !self.at(&Token::LBrace) && !self.brace_on_next_line(header) {
            self.fail_expected(&format!("`{{` to start {what}"));
            return Block {
                stmts: Vec::new(),
                span: self.prev_end(),
            };
        }
        // Checked before consuming `{`, so that recovery skips the whole block.
        if self.block_depth >= NESTING_LIMIT {
            let d = Diagnostic::error(
                self.span(),
                format!("blocks nested too deeply (limit {NESTING_LIMIT})"),
            );
            self.fail(d);
            return Block {
                stmts: Vec::new(),
                span: self.span(),
            };
        }
        let open = self.bump();
        self.block_depth += 1;
        let stmts = self.stmts(true);
        self.block_depth -= 1;
        let close = match self.eat(&Token::RBrace) {
            Some(close) => close,
            None => {
                let d = Diagnostic::error(
                    self.span(),
                    format!(
                        "expected `}}` to close `{{` opened at {}",
                        self.line_col(open.start)
                    ),
                )
                .with_label(format!("found {}", self.found()));
                self.fail(d);
                self.prev_end()
            }
        };
        Block {
            stmts,
            span: open.to(close),
        }
    }

    /// An `ExprKind::Error` standing for an expression that is missing at the current token.
    fn error_expr(&self) -> Expr {
        let at = self.span().start as usize;
        Expr {
            kind: ExprKind::Error,
            span: Span::new(at, at),
        }
    }
}

/// A hint for a statement that starts with a keyword of another language (`if x > 0 { … }`
/// parses as the name `if` followed by a stray expression).
fn foreign_keyword_hint(stmt: &Stmt) -> Option<&'static str> {
    let StmtKind::Expr(Expr {
        kind: ExprKind::Name(name),
        ..
    }) = &stmt.kind
    else {
        return None;
    };
    Some(match name.as_str() {
        "if" | "elif" | "else" => "arr has no `if`; select elementwise with `where(cond, a, b)`",
        "while" => "arr loops over ranges only: `for i in 0..n { … }`",
        "def" => "functions are written `fn name(a, b) = expr` or `fn name(a, b) { … }`",
        "return" => "a function's value is its last expression; there is no `return`",
        "print" => "`print` is a function: `print(x)`",
        "import" | "from" => "there is nothing to import: every builtin is always available",
        "let" | "var" | "const" => "assign with `name = value`",
        _ => return None,
    })
}

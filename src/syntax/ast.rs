//! The abstract syntax tree. Every node carries the byte span of the source it came from.
//!
//! After a syntax error the parser still returns a tree: the broken part becomes
//! `ExprKind::Error` (or is dropped, for statements), so later stages can report more errors.

use crate::diag::Span;

/// A whole `.arr` file.
#[derive(Clone, Debug, PartialEq)]
pub struct Program {
    pub stmts: Vec<Stmt>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StmtKind {
    /// `name = value`
    Assign { target: Ident, value: Expr },
    /// `fn name(params) = expr` or `fn name(params) { … }`
    Fn {
        name: Ident,
        params: Vec<Ident>,
        body: FnBody,
    },
    /// `for var in start..end { … }` (end exclusive)
    For {
        var: Ident,
        start: Expr,
        end: Expr,
        body: Block,
    },
    /// `bench "name" { … }`
    Bench { name: StrLit, body: Block },
    /// An expression evaluated for its effect (`print(x)`) or, last in a block body, its value.
    Expr(Expr),
}

#[derive(Clone, Debug, PartialEq)]
pub enum FnBody {
    Expr(Expr),
    Block(Block),
}

/// `{ stmt* }`. As a function body, its value is that of its last statement, which must then
/// be an expression statement.
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    pub stmts: Vec<Stmt>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StrLit {
    pub value: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// `42`, `1_000_000` (fits in i64; larger literals are a syntax error)
    Int(i64),
    /// `1.5`, `1e-3`, `.5`
    Float(f64),
    /// `2j`, `1.5e3j`: an imaginary literal
    Imag(f64),
    /// `true`, `false`
    Bool(bool),
    /// `"text"` with escapes resolved
    Str(String),
    /// A name: a variable, a function, a builtin or a dtype (`f32`).
    Name(String),
    Unary {
        op: UnOp,
        operand: Box<Expr>,
    },
    Binary {
        op: BinOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `callee(args)`. The callee is any expression: `grad(f)(x)` calls a call's result.
    Call {
        callee: Box<Expr>,
        args: Vec<Arg>,
    },
    /// `base[i, 1:-1, ::2]`
    Index {
        base: Box<Expr>,
        items: Vec<IndexItem>,
    },
    /// `[a, b, [c, d]]`: an array literal
    Array(Vec<Expr>),
    /// `(a, b)` or `(a,)`: a tuple (shapes, `wrt=(x, y)`); `()` is the empty tuple
    Tuple(Vec<Expr>),
    /// Stands in for an expression that failed to parse.
    Error,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnOp {
    /// `-x`
    Neg,
    /// `+x`
    Pos,
    /// `not x`
    Not,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    MatMul,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
}

impl BinOp {
    /// The operator as written in source.
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Mod => "%",
            BinOp::Pow => "**",
            BinOp::MatMul => "@",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::And => "and",
            BinOp::Or => "or",
        }
    }
}

impl UnOp {
    pub fn symbol(self) -> &'static str {
        match self {
            UnOp::Neg => "-",
            UnOp::Pos => "+",
            UnOp::Not => "not",
        }
    }
}

/// One argument of a call: positional (`x`) or keyword (`axis=0`).
#[derive(Clone, Debug, PartialEq)]
pub struct Arg {
    pub name: Option<Ident>,
    pub value: Expr,
    pub span: Span,
}

/// One item between `[` and `]` of an index expression.
#[derive(Clone, Debug, PartialEq)]
pub enum IndexItem {
    /// `i`: selects one position and drops the axis
    Single(Expr),
    /// `start:stop:step`, each part optional
    Slice {
        start: Option<Expr>,
        stop: Option<Expr>,
        step: Option<Expr>,
        span: Span,
    },
}

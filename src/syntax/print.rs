//! A stable, readable S-expression form of the AST, for golden tests and `arr` debugging.
//!
//! ```text
//! (assign y (+ (call sin a) 1))
//! (fn loss (w x) {
//!   (assign s (* w x))
//!   (call sum (** s 2))
//! })
//! (for i 0 100 {
//!   (assign a (- a (* 0.1 (call dloss a b))))
//! })
//! (bench "fused chain" {
//!   (assign y (call kernel a b))
//! })
//! (call rand (tuple m n) seed=1 dtype=f32)
//! (index m (slice _ _ _) (slice _ _ 2))
//! ```
//! Expressions print on one line; blocks print one statement per line, indented by two spaces.
//! Integers print as written without separators, floats always with a `.` or an exponent
//! (`1000.0`, `1e-7`), imaginary literals with a `j` (`2.0j`). Unary operators print as `neg`,
//! `pos` and `not`; binary operators as their symbol; an absent slice part as `_`; an
//! expression that failed to parse as `<error>`. Spans are not printed.

use super::ast::{Arg, Block, Expr, ExprKind, FnBody, IndexItem, Program, Stmt, StmtKind, UnOp};
use std::fmt::Write as _;

/// The whole program, one top-level statement per line (blocks span several lines).
pub fn program(p: &Program) -> String {
    let mut out = String::new();
    for s in &p.stmts {
        stmt_into(s, 0, &mut out);
        out.push('\n');
    }
    out
}

/// One statement (without a trailing line end).
pub fn stmt(s: &Stmt) -> String {
    let mut out = String::new();
    stmt_into(s, 0, &mut out);
    out
}

/// One expression, on one line.
pub fn expr(e: &Expr) -> String {
    let mut out = String::new();
    expr_into(e, &mut out);
    out
}

fn stmt_into(s: &Stmt, indent: usize, out: &mut String) {
    match &s.kind {
        StmtKind::Assign { target, value } => {
            let _ = write!(out, "(assign {} ", target.name);
            expr_into(value, out);
            out.push(')');
        }
        StmtKind::Fn { name, params, body } => {
            let params: Vec<&str> = params.iter().map(|p| p.name.as_str()).collect();
            let _ = write!(out, "(fn {} ({}) ", name.name, params.join(" "));
            match body {
                FnBody::Expr(e) => expr_into(e, out),
                FnBody::Block(b) => block_into(b, indent, out),
            }
            out.push(')');
        }
        StmtKind::For {
            var,
            start,
            end,
            body,
        } => {
            let _ = write!(out, "(for {} ", var.name);
            expr_into(start, out);
            out.push(' ');
            expr_into(end, out);
            out.push(' ');
            block_into(body, indent, out);
            out.push(')');
        }
        StmtKind::Bench { name, body } => {
            let _ = write!(out, "(bench {:?} ", name.value);
            block_into(body, indent, out);
            out.push(')');
        }
        StmtKind::Expr(e) => expr_into(e, out),
    }
}

fn block_into(b: &Block, indent: usize, out: &mut String) {
    if b.stmts.is_empty() {
        out.push_str("{}");
        return;
    }
    out.push_str("{\n");
    for s in &b.stmts {
        push_indent(indent + 1, out);
        stmt_into(s, indent + 1, out);
        out.push('\n');
    }
    push_indent(indent, out);
    out.push('}');
}

fn push_indent(indent: usize, out: &mut String) {
    for _ in 0..indent {
        out.push_str("  ");
    }
}

fn expr_into(e: &Expr, out: &mut String) {
    match &e.kind {
        ExprKind::Int(v) => {
            let _ = write!(out, "{v}");
        }
        ExprKind::Float(v) => {
            let _ = write!(out, "{v:?}");
        }
        ExprKind::Imag(v) => {
            let _ = write!(out, "{v:?}j");
        }
        ExprKind::Bool(v) => {
            let _ = write!(out, "{v}");
        }
        ExprKind::Str(s) => {
            let _ = write!(out, "{s:?}");
        }
        ExprKind::Name(n) => out.push_str(n),
        ExprKind::Unary { op, operand } => {
            let name = match op {
                UnOp::Neg => "neg",
                UnOp::Pos => "pos",
                UnOp::Not => "not",
            };
            let _ = write!(out, "({name} ");
            expr_into(operand, out);
            out.push(')');
        }
        ExprKind::Binary { op, lhs, rhs } => {
            let _ = write!(out, "({} ", op.symbol());
            expr_into(lhs, out);
            out.push(' ');
            expr_into(rhs, out);
            out.push(')');
        }
        ExprKind::Call { callee, args } => {
            out.push_str("(call ");
            expr_into(callee, out);
            for a in args {
                out.push(' ');
                arg_into(a, out);
            }
            out.push(')');
        }
        ExprKind::Index { base, items } => {
            out.push_str("(index ");
            expr_into(base, out);
            for item in items {
                out.push(' ');
                index_item_into(item, out);
            }
            out.push(')');
        }
        ExprKind::Array(items) => seq_into("array", items, out),
        ExprKind::Tuple(items) => seq_into("tuple", items, out),
        ExprKind::Error => out.push_str("<error>"),
    }
}

fn arg_into(a: &Arg, out: &mut String) {
    if let Some(name) = &a.name {
        let _ = write!(out, "{}=", name.name);
    }
    expr_into(&a.value, out);
}

fn index_item_into(item: &IndexItem, out: &mut String) {
    match item {
        IndexItem::Single(e) => expr_into(e, out),
        IndexItem::Slice {
            start, stop, step, ..
        } => {
            out.push_str("(slice");
            for part in [start, stop, step] {
                out.push(' ');
                match part {
                    Some(e) => expr_into(e, out),
                    None => out.push('_'),
                }
            }
            out.push(')');
        }
    }
}

fn seq_into(head: &str, items: &[Expr], out: &mut String) {
    out.push('(');
    out.push_str(head);
    for e in items {
        out.push(' ');
        expr_into(e, out);
    }
    out.push(')');
}

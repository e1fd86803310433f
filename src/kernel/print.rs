//! The text form of a schedule, as `arr ir --stage fused` prints it:
//! ```text
//! b0 = input %0 : f64[1000]
//! b1 = input %1 : f64[1000]
//! b2 : f64[1000]
//!
//! kernel 0: space [1000]
//!   v0 = load b0[i0] : f64
//!   v1 = sin v0 : f64
//!   …
//!   store b2 = v6
//! ```

use super::{Affine, BufKind, Expr, Kernel, Over, Phase, Schedule, Step};
use crate::ir::print::op_text;
use crate::ir::{Graph, Type};
use std::fmt::Write as _;

/// `2*i0 - i1 + 3`
fn affine(a: &Affine) -> String {
    let mut terms: Vec<String> = Vec::new();
    for (k, &c) in a.coef.iter().enumerate() {
        let t = match c {
            0 => continue,
            1 => format!("i{k}"),
            -1 => format!("-i{k}"),
            c => format!("{c}*i{k}"),
        };
        terms.push(t);
    }
    if a.offset != 0 || terms.is_empty() {
        terms.push(a.offset.to_string());
    }
    let mut out = terms[0].clone();
    for t in &terms[1..] {
        match t.strip_prefix('-') {
            Some(rest) => write!(out, " - {rest}").unwrap(),
            None => write!(out, " + {t}").unwrap(),
        }
    }
    out
}

fn kernel_text(out: &mut String, index: usize, k: &Kernel) {
    let _ = write!(out, "kernel {index}: space {:?}", k.space);
    if !k.inner.is_empty() {
        let _ = write!(out, ", inner axes {:?}", k.inner);
    }
    let _ = writeln!(out);
    for (i, (lit, dtype)) in k.params.iter().enumerate() {
        let _ = writeln!(out, "  param {i} = {lit} : {dtype}");
    }
    for (i, (e, dtype)) in k.exprs.iter().zip(&k.dtypes).enumerate() {
        let text = match e {
            Expr::Load { buf, at } => format!("load b{}[{}]", buf.0, affine(at)),
            Expr::Param(p) => format!("param {p}"),
            Expr::Index(at) => format!("index {}", affine(at)),
            Expr::Rand { seed, normal, at } => format!(
                "{}[seed={seed}] at {}",
                if *normal { "randn" } else { "rand" },
                affine(at)
            ),
            Expr::Unary(op, x) => format!("{} v{}", op.name(), x.0),
            Expr::Binary(op, x, y) => format!("{} v{}, v{}", op.name(), x.0, y.0),
            Expr::Where(c, x, y) => format!("where v{}, v{}, v{}", c.0, x.0, y.0),
            Expr::Cast(x) => format!("cast v{}", x.0),
            Expr::Phase(p) => format!("phase {p}"),
        };
        let _ = writeln!(out, "  v{i} = {text} : {dtype}");
    }
    let host = k.carried_by();
    for (i, p) in k.phases.iter().enumerate() {
        let _ = match p {
            Phase::Reduce { op, value } => {
                let carried = match host[i] {
                    Some(r) => format!(" (in the loop of phase {r})"),
                    None => String::new(),
                };
                writeln!(
                    out,
                    "  phase {i}: {} of v{} over the inner axes{carried}",
                    op.name(),
                    value.0
                )
            }
            Phase::Store { buf, value, over } => {
                let per = match (over, host[i]) {
                    (Over::All, None) => String::new(),
                    (Over::All, Some(r)) => format!(" (in the loop of phase {r})"),
                    (Over::Outer, _) => " (once per outer index)".to_string(),
                };
                writeln!(out, "  phase {i}: store b{} = v{}{per}", buf.0, value.0)
            }
        };
    }
}

/// The whole schedule: buffers, then steps, then which buffer holds each output.
pub fn print_schedule(graph: &Graph, s: &Schedule) -> String {
    let mut out = String::new();
    for (i, b) in s.buffers.iter().enumerate() {
        let ty = Type::new(b.dtype, b.shape.clone());
        let _ = match b.kind {
            BufKind::Input(node) => writeln!(out, "b{i} = input {node} : {ty}"),
            BufKind::Computed => writeln!(out, "b{i} : {ty}"),
        };
    }
    let mut kernels = 0;
    for step in &s.steps {
        out.push('\n');
        match step {
            Step::Kernel(k) => {
                kernel_text(&mut out, kernels, k);
                kernels += 1;
            }
            Step::Library(call) => {
                let ins: Vec<String> = call
                    .inputs
                    .iter()
                    .zip(&call.views)
                    .map(|(b, v)| {
                        let stored = &s.buffers[b.0 as usize].shape;
                        let mut t = format!("b{}", b.0);
                        if v.shape != *stored {
                            t += &format!(" as {}", crate::text::shape_text(&v.shape));
                        }
                        if v.transposed {
                            t += " transposed";
                        }
                        t
                    })
                    .collect();
                let _ = writeln!(
                    out,
                    "library: b{} = {} {}",
                    call.output.0,
                    op_text(graph, &call.op),
                    ins.join(", ")
                );
            }
        }
    }
    out.push('\n');
    for (node, buf) in &s.outputs {
        let _ = writeln!(out, "{node} -> b{}", buf.0);
    }
    out
}

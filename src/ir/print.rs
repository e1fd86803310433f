//! A readable, stable text form of a graph:
//! ```text
//! %0 = source #0 : f64[3]
//! %1 = const 0.5 : f64[]
//! %2 = broadcast %1 : f64[3]
//! %3 = mul %0, %2 : f64[3]
//! ```

use super::graph::{Graph, NodeId};
use super::op::Op;
use std::fmt::Write as _;

/// The op's name and static attributes, as printed (`sum[axes=0,1]`, `slice[start=1, step=-1]`).
pub fn op_text(graph: &Graph, op: &Op) -> String {
    let list = |xs: &[usize]| {
        xs.iter()
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
            .join(",")
    };
    let ilist = |xs: &[i64]| {
        xs.iter()
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
            .join(",")
    };
    match op {
        Op::Const(lit) => format!("const {lit}"),
        Op::Source(i) => {
            let a = graph.source(*i);
            if a.len() <= 8 {
                let text = arrjit_runtime::format_array(a).replace('\n', " ");
                format!("source #{i} {text}")
            } else {
                format!("source #{i}")
            }
        }
        Op::Param(i) => format!("param {i}"),
        Op::Iota { axis } => format!("iota[axis={axis}]"),
        Op::Rand { seed, normal } => {
            format!("{}[seed={seed}]", if *normal { "randn" } else { "rand" })
        }
        Op::Unary(u) => u.name().to_string(),
        Op::Binary(b) => b.name().to_string(),
        Op::Where => "where".into(),
        Op::Cast => "cast".into(),
        Op::Reduce { op, axes } => format!("{}[axes={}]", op.name(), list(axes)),
        Op::ArgMin { axis } => format!("argmin[axis={axis}]"),
        Op::ArgMax { axis } => format!("argmax[axis={axis}]"),
        Op::Reshape => "reshape".into(),
        Op::Broadcast => "broadcast".into(),
        Op::Permute(p) => format!("permute[{}]", list(p)),
        Op::Slice { start, step } => {
            format!("slice[start={}; step={}]", ilist(start), ilist(step))
        }
        Op::Concat { axis } => format!("concat[axis={axis}]"),
        Op::MatMul => "matmul".into(),
        Op::Fft { inverse } => (if *inverse { "ifft" } else { "fft" }).into(),
        Op::Rfft => "rfft".into(),
        Op::Irfft { n } => format!("irfft[n={n}]"),
        Op::Sort { axis } => format!("sort[axis={axis}]"),
        Op::ArgSort { axis } => format!("argsort[axis={axis}]"),
        Op::Cumsum { axis } => format!("cumsum[axis={axis}]"),
        Op::Cumprod { axis } => format!("cumprod[axis={axis}]"),
        Op::TakeAlong { axis } => format!("take_along[axis={axis}]"),
    }
}

/// One line per node reachable from `roots`, in id order.
pub fn print_nodes(graph: &Graph, roots: &[NodeId]) -> String {
    let mut out = String::new();
    for id in graph.reachable(roots) {
        let node = graph.node(id);
        let _ = write!(out, "{id} = {}", op_text(graph, &node.op));
        for (k, input) in node.inputs.iter().enumerate() {
            let _ = write!(out, "{}{input}", if k == 0 { " " } else { ", " });
        }
        let _ = writeln!(out, " : {}", node.ty);
    }
    out
}

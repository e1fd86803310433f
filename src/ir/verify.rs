//! Checks the invariants every pass and every backend rely on (see `op.rs`). Run after
//! lowering and after every pass in debug and test builds (`CHECKS`).

use super::graph::{Graph, NodeId};
use super::op::{BinaryOp, Op};
use arrjit_runtime::DType;

/// Whether the stages check the graph they hand on (`ir::Builder::check`): in debug builds,
/// and with the `verify` feature, which this crate's own tests and benches turn on.
pub const CHECKS: bool = cfg!(any(debug_assertions, feature = "verify"));

/// Returns the first broken invariant, naming the node.
pub fn verify(graph: &Graph) -> Result<(), String> {
    verify_from(graph, 0)
}

/// Like `verify`, for the nodes from index `first` on (nodes never change once added, so the
/// ones checked before need no second look).
pub fn verify_from(graph: &Graph, first: usize) -> Result<(), String> {
    for (id, node) in graph.nodes().skip(first) {
        check_node(graph, id).map_err(|e| format!("{id} ({:?}): {e}", node.op))?;
    }
    Ok(())
}

fn check_node(graph: &Graph, id: NodeId) -> Result<(), String> {
    let node = graph.node(id);
    let ty = &node.ty;
    let ins: Vec<_> = node.inputs.iter().map(|&i| graph.ty(i)).collect();
    if node.inputs.iter().any(|&i| i >= id) {
        return Err("an input does not come before the node".into());
    }
    let arity = |n: usize| {
        if ins.len() == n {
            Ok(())
        } else {
            Err(format!("expected {n} inputs, got {}", ins.len()))
        }
    };
    let same_shape = || {
        if ins.iter().all(|t| t.shape == ty.shape) {
            Ok(())
        } else {
            Err("elementwise input shape differs from the output's".to_string())
        }
    };
    let axis_ok = |axis: usize, rank: usize| {
        if axis < rank {
            Ok(())
        } else {
            Err(format!("axis {axis} out of range for rank {rank}"))
        }
    };
    match &node.op {
        Op::Const(_) => {
            arity(0)?;
            if !ty.shape.is_empty() {
                return Err("constants are 0-d".into());
            }
        }
        Op::Source(i) => {
            arity(0)?;
            let a = graph.source(*i);
            if a.dtype() != ty.dtype || a.shape() != &ty.shape[..] {
                return Err("source array does not match the node type".into());
            }
        }
        Op::Param(_) | Op::Iota { .. } => arity(0)?,
        Op::Rand { .. } => {
            arity(0)?;
            if !matches!(ty.dtype, DType::F32 | DType::F64) {
                return Err("rand produces f32 or f64".into());
            }
        }
        Op::Unary(u) => {
            arity(1)?;
            same_shape()?;
            if u.result_dtype(ins[0].dtype) != ty.dtype {
                return Err("wrong result dtype".into());
            }
        }
        Op::Binary(b) => {
            arity(2)?;
            same_shape()?;
            if ins[0].dtype != ins[1].dtype {
                return Err("binary inputs differ in dtype".into());
            }
            let want = if b.is_comparison() {
                DType::Bool
            } else if *b == BinaryOp::Complex {
                ins[0].dtype.complex()
            } else {
                ins[0].dtype
            };
            if ty.dtype != want {
                return Err("wrong result dtype".into());
            }
        }
        Op::Where => {
            arity(3)?;
            same_shape()?;
            if ins[0].dtype != DType::Bool || ins[1].dtype != ty.dtype || ins[2].dtype != ty.dtype {
                return Err("where takes (bool, T, T)".into());
            }
        }
        Op::Cast => {
            arity(1)?;
            same_shape()?;
        }
        Op::Reduce { axes, .. } => {
            arity(1)?;
            if axes.windows(2).any(|w| w[0] >= w[1]) {
                return Err("reduce axes must be sorted and unique".into());
            }
            for &a in axes {
                axis_ok(a, ins[0].rank())?;
            }
            if ty.rank() + axes.len() != ins[0].rank() {
                return Err("reduce output rank is wrong".into());
            }
        }
        Op::ArgMin { axis } | Op::ArgMax { axis } => {
            arity(1)?;
            axis_ok(*axis, ins[0].rank())?;
        }
        Op::Reshape => {
            arity(1)?;
            if ins[0].numel() != ty.numel() {
                return Err("reshape changes the element count".into());
            }
        }
        Op::Broadcast => {
            arity(1)?;
            let offset = ty.rank().wrapping_sub(ins[0].rank());
            let ok = ins[0].rank() <= ty.rank()
                && ins[0]
                    .shape
                    .iter()
                    .zip(&ty.shape[offset..])
                    .all(|(&i, &o)| i == o || i == 1);
            if !ok {
                return Err("broadcast input is not compatible with the output".into());
            }
        }
        Op::Permute(perm) => {
            arity(1)?;
            let mut sorted = perm.clone();
            sorted.sort_unstable();
            if sorted != (0..ins[0].rank()).collect::<Vec<_>>() {
                return Err("not a permutation of the input's axes".into());
            }
        }
        Op::Slice { start, step } => {
            arity(1)?;
            let rank = ins[0].rank();
            if start.len() != rank || step.len() != rank || ty.rank() != rank {
                return Err("slice rank mismatch".into());
            }
            for k in 0..rank {
                let (n, len) = (ty.shape[k] as i64, ins[0].shape[k] as i64);
                let last = start[k] + (n - 1) * step[k];
                let in_bounds = n == 0 || (0..len).contains(&start[k]) && (0..len).contains(&last);
                if step[k] == 0 || !in_bounds {
                    return Err(format!("slice reads out of bounds on axis {k}"));
                }
            }
        }
        Op::Concat { axis } => {
            if ins.is_empty() {
                return Err("concat of nothing".into());
            }
            axis_ok(*axis, ty.rank())?;
            let total: usize = ins
                .iter()
                .map(|t| t.shape.get(*axis).copied().unwrap_or(0))
                .sum();
            if total != ty.shape[*axis] {
                return Err("concat extent mismatch".into());
            }
        }
        Op::MatMul => {
            arity(2)?;
            let (a, b) = (ins[0], ins[1]);
            let r = a.rank();
            if r < 2 || b.rank() != r || a.shape[..r - 2] != b.shape[..r - 2] {
                return Err("matmul operands must share rank ≥ 2 and batch dimensions".into());
            }
            if a.shape[r - 1] != b.shape[r - 2] {
                return Err("matmul inner dimensions differ".into());
            }
        }
        Op::Fft { .. } | Op::Rfft | Op::Irfft { .. } => {
            arity(1)?;
            if ins[0].rank() == 0 {
                return Err("fft of a 0-d array".into());
            }
            if matches!(node.op, Op::Fft { .. })
                && !(ins[0].dtype.is_float() || ins[0].dtype.is_complex())
            {
                return Err("fft input must be float or complex".into());
            }
        }
        Op::Sort { axis } | Op::ArgSort { axis } | Op::Cumsum { axis } | Op::Cumprod { axis } => {
            arity(1)?;
            axis_ok(*axis, ins[0].rank())?;
        }
        Op::TakeAlong { axis } => {
            arity(2)?;
            axis_ok(*axis, ins[0].rank())?;
            let (x, idx) = (ins[0], ins[1]);
            let same_rest = x.rank() == idx.rank()
                && (0..x.rank()).all(|a| a == *axis || x.shape[a] == idx.shape[a]);
            if idx.dtype != DType::I64 || !same_rest {
                return Err(
                    "take_along: indices must be i64 shaped like the input except along the axis"
                        .into(),
                );
            }
        }
    }
    Ok(())
}

//! Checks the invariants that code generators rely on, for every schedule fusion makes:
//! - every expression refers only to earlier expressions, and `Phase(k)` only to an earlier
//!   reduce phase; a kernel's expressions are used only in phases after the reduce phases they
//!   depend on;
//! - every load reads inside its buffer for every point of the space;
//! - a store's buffer has as many elements as the points it writes (the space, or the outer
//!   axes), and a store once per outer index does not depend on the inner axes;
//! - every buffer is written by exactly one step, before any step reads it.

use super::{Affine, BufKind, Expr, ExprId, Kernel, Over, Phase, Schedule, Step};

/// Returns the first broken invariant.
pub fn verify_schedule(s: &Schedule) -> Result<(), String> {
    let mut written: Vec<bool> = s
        .buffers
        .iter()
        .map(|b| matches!(b.kind, BufKind::Input(_)))
        .collect();
    let len = |b: super::BufId| -> Result<usize, String> {
        s.buffers
            .get(b.0 as usize)
            .map(|buf| buf.shape.iter().product())
            .ok_or_else(|| format!("no buffer b{}", b.0))
    };
    for (i, step) in s.steps.iter().enumerate() {
        let (reads, writes) = match step {
            Step::Kernel(k) => {
                check_kernel(k, &len).map_err(|e| format!("step {i}: {e}"))?;
                (k.reads(), k.writes())
            }
            Step::Library(call) => {
                check_views(s, call).map_err(|e| format!("step {i}: {e}"))?;
                (call.inputs.clone(), vec![call.output])
            }
        };
        for r in reads {
            if !written[r.0 as usize] {
                return Err(format!("step {i} reads b{} before it is written", r.0));
            }
        }
        for w in writes {
            if std::mem::replace(&mut written[w.0 as usize], true) {
                return Err(format!("step {i} writes b{} a second time", w.0));
            }
        }
    }
    for (node, b) in &s.outputs {
        if !written[b.0 as usize] {
            return Err(format!("output {node} (b{}) is never written", b.0));
        }
    }
    Ok(())
}

/// The smallest and largest value of `a` over the box `0 ≤ i < space`.
fn range(a: &Affine, space: &[usize]) -> (i64, i64) {
    let (mut lo, mut hi) = (a.offset, a.offset);
    for (&c, &n) in a.coef.iter().zip(space) {
        let end = c * (n as i64 - 1);
        lo += end.min(0);
        hi += end.max(0);
    }
    (lo, hi)
}

fn check_kernel(
    k: &Kernel,
    len: &dyn Fn(super::BufId) -> Result<usize, String>,
) -> Result<(), String> {
    let rank = k.space.len();
    let empty = k.space.contains(&0);
    // For each expression: whether it depends on the inner axes, and the latest reduce phase it
    // needs (it may only be used after that phase).
    let mut inner_dep = Vec::with_capacity(k.exprs.len());
    let mut needs_phase: Vec<Option<usize>> = Vec::with_capacity(k.exprs.len());
    let touches_inner = |a: &Affine| k.inner.iter().any(|&ax| a.coef[ax] != 0);
    for (i, e) in k.exprs.iter().enumerate() {
        let arg = |x: &ExprId| -> Result<usize, String> {
            let j = x.0 as usize;
            if j < i {
                Ok(j)
            } else {
                Err(format!("v{i} uses v{j}, not an earlier expression"))
            }
        };
        let (dep, phase) = match e {
            Expr::Load { buf, at } => {
                if at.coef.len() != rank {
                    return Err(format!("v{i}: index map of the wrong rank"));
                }
                let (lo, hi) = range(at, &k.space);
                if !empty && (lo < 0 || hi >= len(*buf)? as i64) {
                    return Err(format!("v{i} reads b{} out of bounds ({lo}..={hi})", buf.0));
                }
                (touches_inner(at), None)
            }
            Expr::Index(at) | Expr::Rand { at, .. } => (touches_inner(at), None),
            Expr::Param(p) => {
                if *p as usize >= k.params.len() {
                    return Err(format!("v{i}: no parameter {p}"));
                }
                (false, None)
            }
            Expr::Phase(p) => match k.phases.get(*p as usize) {
                Some(Phase::Reduce { .. }) => (false, Some(*p as usize)),
                _ => return Err(format!("v{i}: phase {p} is not a reduction")),
            },
            Expr::Unary(_, x) | Expr::Cast(x) => {
                let j = arg(x)?;
                (inner_dep[j], needs_phase[j])
            }
            Expr::Binary(_, x, y) => {
                let (a, b) = (arg(x)?, arg(y)?);
                (
                    inner_dep[a] || inner_dep[b],
                    needs_phase[a].max(needs_phase[b]),
                )
            }
            Expr::Where(c, x, y) => {
                let (a, b, d) = (arg(c)?, arg(x)?, arg(y)?);
                (
                    inner_dep[a] || inner_dep[b] || inner_dep[d],
                    needs_phase[a].max(needs_phase[b]).max(needs_phase[d]),
                )
            }
        };
        inner_dep.push(dep);
        needs_phase.push(phase);
    }
    let outer: usize = k.outer_shape().iter().product();
    let all: usize = k.space.iter().product();
    for (p, phase) in k.phases.iter().enumerate() {
        let value = phase.value();
        let v = value.0 as usize;
        if v >= k.exprs.len() {
            return Err(format!("phase {p} stores a missing expression"));
        }
        if needs_phase[v].is_some_and(|q| q >= p) {
            return Err(format!("phase {p} uses a reduction that has not run yet"));
        }
        if let Phase::Store { buf, over, .. } = phase {
            let (want, what) = match over {
                Over::All => (all, "the space"),
                Over::Outer => (outer, "the outer axes"),
            };
            if len(*buf)? != want {
                return Err(format!("phase {p}: b{} does not match {what}", buf.0));
            }
            if *over == Over::Outer && inner_dep[v] {
                return Err(format!(
                    "phase {p} stores once per outer index a value that varies"
                ));
            }
        }
    }
    Ok(())
}

/// A library call reads each input as stored, except matmul, which may read a reshape of it,
/// transposed; the product of the views has the output's shape.
fn check_views(s: &Schedule, call: &crate::kernel::LibraryCall) -> Result<(), String> {
    if call.views.len() != call.inputs.len() {
        return Err("a library call needs one view per input".into());
    }
    let mut logical = Vec::new();
    for (b, v) in call.inputs.iter().zip(&call.views) {
        let stored = &s.buffers[b.0 as usize].shape;
        let plain = v.is_plain(stored);
        if !plain && call.op != crate::ir::Op::MatMul {
            return Err(format!("only matmul reads b{} through a view", b.0));
        }
        if v.shape.iter().product::<usize>() != stored.iter().product::<usize>() {
            return Err(format!("the view of b{} has another element count", b.0));
        }
        let mut shape = v.shape.clone();
        let r = shape.len();
        if v.transposed {
            if r < 2 {
                return Err(format!("b{} is transposed with fewer than two axes", b.0));
            }
            shape.swap(r - 2, r - 1);
        }
        logical.push(shape);
    }
    if call.op == crate::ir::Op::MatMul {
        let out = &s.buffers[call.output.0 as usize].shape;
        let (a, b) = (&logical[0], &logical[1]);
        let r = a.len();
        let fits = r >= 2
            && b.len() == r
            && a[..r - 2] == b[..r - 2]
            && a[r - 1] == b[r - 2]
            && out[..] == [&a[..r - 1], &b[r - 1..]].concat()[..];
        if !fits {
            return Err("matmul operand views do not give the output's shape".into());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{NodeId, ReduceOp};
    use crate::kernel::{BufId, Buffer};
    use arrjit_runtime::DType;

    fn buffer(n: usize, kind: BufKind) -> Buffer {
        Buffer {
            dtype: DType::F64,
            shape: vec![n],
            kind,
            node: NodeId(0),
        }
    }

    /// b1[i] = b0[i + shift], over a space of 4, reading a buffer of 4.
    fn shifted_copy(shift: i64) -> Schedule {
        let k = Kernel {
            space: vec![4],
            inner: vec![],
            exprs: vec![Expr::Load {
                buf: BufId(0),
                at: Affine {
                    offset: shift,
                    coef: vec![1],
                },
            }],
            dtypes: vec![DType::F64],
            phases: vec![Phase::Store {
                buf: BufId(1),
                value: ExprId(0),
                over: Over::All,
            }],
            params: vec![],
        };
        Schedule {
            buffers: vec![
                buffer(4, BufKind::Input(NodeId(0))),
                buffer(4, BufKind::Computed),
            ],
            steps: vec![Step::Kernel(k)],
            outputs: vec![(NodeId(1), BufId(1))],
        }
    }

    #[test]
    fn accepts_a_valid_schedule_and_rejects_out_of_bounds_reads() {
        assert_eq!(verify_schedule(&shifted_copy(0)), Ok(()));
        let err = verify_schedule(&shifted_copy(1)).unwrap_err();
        assert!(err.contains("out of bounds"), "{err}");
    }

    #[test]
    fn rejects_reads_before_writes_and_double_writes() {
        let mut s = shifted_copy(0);
        s.buffers[0].kind = BufKind::Computed;
        assert!(
            verify_schedule(&s)
                .unwrap_err()
                .contains("before it is written")
        );
        let mut s = shifted_copy(0);
        let again = s.steps[0].clone();
        s.steps.push(again);
        assert!(verify_schedule(&s).unwrap_err().contains("second time"));
    }

    #[test]
    fn rejects_a_varying_value_stored_once_per_outer_index() {
        // Space [4], inner axis 0: a sum is fine to store once, the loaded element is not.
        let k = Kernel {
            space: vec![4],
            inner: vec![0],
            exprs: vec![
                Expr::Load {
                    buf: BufId(0),
                    at: Affine {
                        offset: 0,
                        coef: vec![1],
                    },
                },
                Expr::Phase(0),
            ],
            dtypes: vec![DType::F64, DType::F64],
            phases: vec![
                Phase::Reduce {
                    op: ReduceOp::Sum,
                    value: ExprId(0),
                },
                Phase::Store {
                    buf: BufId(1),
                    value: ExprId(1),
                    over: Over::Outer,
                },
            ],
            params: vec![],
        };
        let mut s = Schedule {
            buffers: vec![
                buffer(4, BufKind::Input(NodeId(0))),
                buffer(1, BufKind::Computed),
            ],
            steps: vec![Step::Kernel(k.clone())],
            outputs: vec![(NodeId(1), BufId(1))],
        };
        assert_eq!(verify_schedule(&s), Ok(()));
        let mut bad = k;
        bad.phases[1] = Phase::Store {
            buf: BufId(1),
            value: ExprId(0),
            over: Over::Outer,
        };
        s.steps = vec![Step::Kernel(bad)];
        assert!(verify_schedule(&s).unwrap_err().contains("varies"));
    }
}

//! A kernel's structure, apart from its sizes.
//!
//! Compiled code is keyed by structure, so that the same program on a new array length, a new
//! slice offset or a new constant compiles nothing. A kernel's numbers split into:
//! - *structural* ones, baked into the code: the rank, which axes are inner, every operation
//!   and dtype, and the index-map coefficients 0 (a broadcast: the load does not move along
//!   that axis) and 1 (unit stride: a contiguous vector load);
//! - *run-time sizes*, read from a table of `i64` slots when the code starts: every extent of
//!   the space, every non-zero offset, every other coefficient, every random seed. (Constant
//!   values are the kernel's `params`, already run-time.)
//!
//! `structure_key` replaces the run-time numbers with placeholders, and numbers the buffers from
//! 0 in the order of `Kernel::buffers` (the code reads their addresses from a table in that
//! order); `run_time_sizes` lists the run-time values in slot order, which `size_slots`
//! describes. Kernels with equal keys differ only in their run-time numbers and in which
//! buffers they use, so they share compiled code.

use super::{Affine, BufId, Expr, ExprId, Kernel, Phase};
use crate::ir::Lit;

/// What a run-time size slot holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SizeSlot {
    /// The extent of an axis of the space.
    Extent(usize),
    /// The offset of the index map of an expression (a load, an index or a random number).
    Offset(ExprId),
    /// The coefficient of an axis in the index map of an expression.
    Coef(ExprId, usize),
    /// The seed of a random expression.
    Seed(ExprId),
}

/// Stands for a run-time number in a structure key. It is neither 0 nor 1, so the key keeps
/// the same slots as the kernel it came from.
const PLACEHOLDER: i64 = i64::MIN;

fn offset_is_run_time(offset: i64) -> bool {
    offset != 0
}

fn coef_is_run_time(coef: i64) -> bool {
    coef != 0 && coef != 1
}

/// The index map of an expression, if it has one.
fn affine_of(e: &Expr) -> Option<&Affine> {
    match e {
        Expr::Load { at, .. } | Expr::Index(at) | Expr::Rand { at, .. } => Some(at),
        Expr::Param(_)
        | Expr::Unary(..)
        | Expr::Binary(..)
        | Expr::Where(..)
        | Expr::Cast(_)
        | Expr::Phase(_) => None,
    }
}

/// The run-time size slots of `k`, in slot order. A kernel and its structure key have the same
/// slots.
pub fn size_slots(k: &Kernel) -> Vec<SizeSlot> {
    let mut slots: Vec<SizeSlot> = (0..k.space.len()).map(SizeSlot::Extent).collect();
    for (i, e) in k.exprs.iter().enumerate() {
        let id = ExprId(i as u32);
        if let Some(at) = affine_of(e) {
            if offset_is_run_time(at.offset) {
                slots.push(SizeSlot::Offset(id));
            }
            for (axis, &c) in at.coef.iter().enumerate() {
                if coef_is_run_time(c) {
                    slots.push(SizeSlot::Coef(id, axis));
                }
            }
        }
        if let Expr::Rand { .. } = e {
            slots.push(SizeSlot::Seed(id));
        }
    }
    slots
}

/// The values of `k`'s run-time size slots, in slot order.
pub fn run_time_sizes(k: &Kernel) -> Vec<i64> {
    let mut out: Vec<i64> = k.space.iter().map(|&n| n as i64).collect();
    for e in &k.exprs {
        if let Some(at) = affine_of(e) {
            if offset_is_run_time(at.offset) {
                out.push(at.offset);
            }
            out.extend(at.coef.iter().copied().filter(|&c| coef_is_run_time(c)));
        }
        if let Expr::Rand { seed, .. } = e {
            out.push(*seed as i64);
        }
    }
    out
}

/// `k` with its run-time numbers and constant values replaced by placeholders and its buffers
/// numbered from 0.
pub fn structure_key(k: &Kernel) -> Kernel {
    let mut key = k.clone();
    let bufs = k.buffers();
    let local = |b: &mut BufId| {
        *b = BufId(
            bufs.iter()
                .position(|x| x == b)
                .expect("a buffer of the kernel") as u32,
        );
    };
    for p in &mut key.phases {
        if let Phase::Store { buf, .. } = p {
            local(buf);
        }
    }
    for n in &mut key.space {
        *n = 0;
    }
    for (lit, _) in &mut key.params {
        *lit = Lit::Int(0);
    }
    for e in &mut key.exprs {
        if let Expr::Rand { seed, .. } = e {
            *seed = 0;
        }
        if let Expr::Load { buf, .. } = e {
            local(buf);
        }
        if let Expr::Load { at, .. } | Expr::Index(at) | Expr::Rand { at, .. } = e {
            if offset_is_run_time(at.offset) {
                at.offset = PLACEHOLDER;
            }
            for c in &mut at.coef {
                if coef_is_run_time(*c) {
                    *c = PLACEHOLDER;
                }
            }
        }
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::{BufId, Over, Phase};
    use arrjit_runtime::DType;

    fn load_kernel(n: usize, offset: i64, coef: i64, constant: f64) -> Kernel {
        Kernel {
            space: vec![n],
            inner: vec![],
            exprs: vec![
                Expr::Load {
                    buf: BufId(0),
                    at: Affine {
                        offset,
                        coef: vec![coef],
                    },
                },
                Expr::Param(0),
                Expr::Binary(crate::ir::BinaryOp::Add, ExprId(0), ExprId(1)),
            ],
            dtypes: vec![DType::F64; 3],
            phases: vec![Phase::Store {
                buf: BufId(1),
                value: ExprId(2),
                over: Over::All,
            }],
            params: vec![(Lit::Float(constant.to_bits()), DType::F64)],
        }
    }

    #[test]
    fn sizes_and_constants_do_not_change_the_key() {
        let a = load_kernel(10, 3, 2, 0.5);
        let b = load_kernel(1000, 7, 5, 0.25);
        assert_eq!(structure_key(&a), structure_key(&b));
        assert_eq!(run_time_sizes(&a), vec![10, 3, 2]);
        assert_eq!(run_time_sizes(&b), vec![1000, 7, 5]);
        assert_eq!(size_slots(&a), size_slots(&structure_key(&a)));
        assert_eq!(size_slots(&a).len(), run_time_sizes(&a).len());
    }

    #[test]
    fn broadcast_and_unit_strides_are_structure() {
        let contiguous = load_kernel(10, 0, 1, 0.5);
        let broadcast = load_kernel(10, 0, 0, 0.5);
        let strided = load_kernel(10, 0, 2, 0.5);
        let keys = [&contiguous, &broadcast, &strided].map(structure_key);
        assert_ne!(keys[0], keys[1]);
        assert_ne!(keys[0], keys[2]);
        assert_ne!(keys[1], keys[2]);
        assert_eq!(run_time_sizes(&contiguous), vec![10]);
    }
}

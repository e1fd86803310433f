//! Costly values that a store reads back from its own buffer instead of computing them again.
//!
//! Fusion inlines a value wherever it is used (`passes::fuse`), so a row softmax is three loops
//! over each row: the maximum, the sum of `exp(x - max)`, and the store of
//! `exp(x - max) / sum`, which computes every `exp` a second time. On the CPU a vector `exp`
//! costs far more than writing an element and reading it back while the row is in the cache,
//! and the second `exp` was most of the kernel's time. So the loop of the sum also writes
//! `exp(x - max)` into the softmax's output, at the element the store will overwrite, and
//! the store's loop reads it from there.
//!
//! The rule (`reuses`): a store over every point that runs in a loop of its own reads back
//! the costliest part of its value that an earlier reduction's loop computes, where that part
//! calls a vector math function, changes along the innermost loop (the vector axis; a value
//! that does not is computed once per row anyway) and has the store's dtype, a float. The
//! kernel IR does not change: phases still write different buffers and read none that the
//! kernel writes, and other backends (and the reference evaluator) compute the value twice.
//! The value read back has the bits the store would have computed: the same code computes it
//! at the same point from the same operands, in both loops.
//!
//! What that relies on: every point of a reduction's loop runs before any point of a later
//! phase's loop, on every entry (`lower.rs`): within one call for kernels with outer axes, and
//! in separate calls, one after the other, for kernels without. And a store's buffer is the
//! kernel's alone while it runs: the runtime allocates it for the kernel and nothing else
//! reads it until the kernel returns.

use crate::kernel::{Expr, ExprId, Kernel, Over, Phase};
use arrjit_runtime::DType;

/// Store phase `store` reads `value` back from its own buffer; the loop of reduce phase
/// `written_in` writes it there, at the same element.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reuse {
    pub value: ExprId,
    pub store: usize,
    pub written_in: usize,
}

/// The values that `k`'s stores read back (see the module documentation), at most one per
/// store phase, in phase order.
pub fn reuses(k: &Kernel) -> Vec<Reuse> {
    let Some(&vector_axis) = k.inner.last() else {
        return Vec::new();
    };
    let host = k.carried_by();
    let varying = varying_along(k, vector_axis);
    let calls = math_calls(k);
    // The first loop that computes each expression: a reduce phase that runs a loop of its
    // own computes its value and those of the phases it carries.
    let mut computed_in: Vec<Option<usize>> = vec![None; k.exprs.len()];
    for (r, phase) in k.phases.iter().enumerate() {
        if !matches!(phase, Phase::Reduce { .. }) || host[r].is_some() {
            continue;
        }
        let values = (r..k.phases.len())
            .filter(|&s| s == r || host[s] == Some(r))
            .map(|s| k.phases[s].value());
        for (e, needed) in k.needed(values).into_iter().enumerate() {
            if needed {
                computed_in[e].get_or_insert(r);
            }
        }
    }
    let mut out = Vec::new();
    for (p, phase) in k.phases.iter().enumerate() {
        let Phase::Store {
            value,
            over: Over::All,
            ..
        } = *phase
        else {
            continue;
        };
        let d = k.dtypes[value.0 as usize];
        if host[p].is_some() || !matches!(d, DType::F32 | DType::F64) {
            continue;
        }
        let best = (k.needed([value]).into_iter().enumerate())
            .filter(|&(_, needed)| needed)
            .filter_map(|(i, _)| {
                let u = ExprId(i as u32);
                let written_in = computed_in[i].filter(|&r| r < p)?;
                let worth = u != value && varying[i] && calls[i] > 0 && k.dtypes[i] == d;
                worth.then_some((calls[i], u, written_in))
            })
            // Ties go to the later expression: of two nested ones, the outer.
            .max_by_key(|&(cost, u, _)| (cost, u));
        if let Some((_, u, written_in)) = best {
            out.push(Reuse {
                value: u,
                store: p,
                written_in,
            });
        }
    }
    out
}

/// For each expression of `k`, whether it changes along `axis`.
pub fn varying_along(k: &Kernel, axis: usize) -> Vec<bool> {
    let mut out: Vec<bool> = Vec::with_capacity(k.exprs.len());
    for e in &k.exprs {
        let v = match e {
            Expr::Load { at, .. } | Expr::Index(at) | Expr::Rand { at, .. } => at.coef[axis] != 0,
            Expr::Param(_) | Expr::Phase(_) => false,
            Expr::Unary(_, x) | Expr::Cast(x) => out[x.0 as usize],
            Expr::Binary(_, x, y) => out[x.0 as usize] || out[y.0 as usize],
            Expr::Where(c, x, y) => out[c.0 as usize] || out[x.0 as usize] || out[y.0 as usize],
        };
        out.push(v);
    }
    out
}

/// For each expression of `k`, how many vector math function calls computing it takes, counting
/// a shared operand once per use (saturating: an estimate of cost, not an exact count).
fn math_calls(k: &Kernel) -> Vec<u64> {
    let mut out: Vec<u64> = Vec::with_capacity(k.exprs.len());
    for e in &k.exprs {
        let own = u64::from(super::math::is_call(e));
        let below = e
            .operands()
            .iter()
            .fold(0u64, |s, x| s.saturating_add(out[x.0 as usize]));
        out.push(own.saturating_add(below));
    }
    out
}

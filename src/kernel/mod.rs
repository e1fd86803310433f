//! The fused loop-nest IR that every backend consumes.
//!
//! Fusion (`passes::fuse`) turns a graph into a `Schedule`: a list of steps over buffers. A
//! step is a `Kernel` (one loop nest) or a `LibraryCall` (matmul, FFT, sort, scans, …, run by
//! the runtime crate on whole buffers).
//!
//! A kernel iterates over `space`, an n-d index space. Its axes split into *outer* axes and the
//! *inner* axes (`inner`, sorted). For every outer point the kernel runs its phases in order,
//! each a loop over the inner axes:
//! - `Phase::Reduce` folds an expression over the inner axes into one value per outer point,
//!   which later phases read as `Expr::Phase(k)`;
//! - `Phase::Store` writes an expression at every point of the space (`Over::All`), or, when it
//!   does not depend on the inner axes, once per outer point (`Over::Outer`).
//!
//! A plain elementwise kernel has no inner axes and one store phase; `sum((w*x)**2)` is one
//! reduce phase and one outer store; a row softmax is reduce (max), reduce (sum of exp), store.
//!
//! Buffers are dense row-major. A load reads element `offset + Σ stride[k] * i[k]` of its buffer
//! at space index `i`: every view (slice, transpose, broadcast, reshape of contiguous data)
//! between a kernel and its inputs is folded into such an affine map.

mod eval;
mod print;
mod structure;
mod verify;

pub use eval::{eval_kernel, eval_schedule, input_array, run_library};
pub use print::print_schedule;
pub use structure::{SizeSlot, run_time_sizes, size_slots, structure_key};
pub use verify::verify_schedule;

use crate::ir::{BinaryOp, Lit, NodeId, Op, ReduceOp, UnaryOp};
use arrjit_runtime::DType;

/// Index of a buffer in a schedule. Prints as `b3`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BufId(pub u32);

/// Index of an expression in a kernel. Prints as `v7`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ExprId(pub u32);

/// `offset + Σ coef[k] * i[k]` over the kernel's space index `i`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Affine {
    pub offset: i64,
    pub coef: Vec<i64>,
}

impl Affine {
    pub fn constant(offset: i64, rank: usize) -> Affine {
        Affine {
            offset,
            coef: vec![0; rank],
        }
    }

    /// `i[axis]`
    pub fn axis(axis: usize, rank: usize) -> Affine {
        let mut a = Affine::constant(0, rank);
        a.coef[axis] = 1;
        a
    }

    /// `Σ w[j] * self_j + offset` for a list of maps: a linear combination.
    pub fn combine(parts: &[Affine], weights: &[i64], offset: i64, rank: usize) -> Affine {
        let mut out = Affine::constant(offset, rank);
        for (p, &w) in parts.iter().zip(weights) {
            out.offset += w * p.offset;
            for (c, &pc) in out.coef.iter_mut().zip(&p.coef) {
                *c += w * pc;
            }
        }
        out
    }

    pub fn eval(&self, index: &[usize]) -> i64 {
        self.offset
            + self
                .coef
                .iter()
                .zip(index)
                .map(|(&c, &i)| c * i as i64)
                .sum::<i64>()
    }
}

/// One per-element value of a kernel. Every expression has a dtype (`Kernel::dtypes`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Expr {
    /// Element `at` of a buffer.
    Load {
        buf: BufId,
        at: Affine,
    },
    /// The kernel's `n`-th scalar parameter (constants are parameters, not code).
    Param(u32),
    /// An integer computed from the index (`iota`): i64.
    Index(Affine),
    /// Counter-based random number at flat position `at` of its stream.
    Rand {
        seed: u64,
        normal: bool,
        at: Affine,
    },
    Unary(UnaryOp, ExprId),
    Binary(BinaryOp, ExprId, ExprId),
    Where(ExprId, ExprId, ExprId),
    Cast(ExprId),
    /// The value reduce phase `k` produced for the current outer point.
    Phase(u32),
}

impl Expr {
    /// The expressions this one reads, in order.
    pub fn operands(&self) -> Vec<ExprId> {
        match self {
            Expr::Load { .. }
            | Expr::Param(_)
            | Expr::Index(_)
            | Expr::Rand { .. }
            | Expr::Phase(_) => Vec::new(),
            Expr::Unary(_, x) | Expr::Cast(x) => vec![*x],
            Expr::Binary(_, x, y) => vec![*x, *y],
            Expr::Where(c, x, y) => vec![*c, *x, *y],
        }
    }

    /// The same expression with each operand replaced by `f(operand)`.
    pub fn with_operands(&self, f: impl Fn(&ExprId) -> ExprId) -> Expr {
        match self {
            Expr::Load { .. }
            | Expr::Param(_)
            | Expr::Index(_)
            | Expr::Rand { .. }
            | Expr::Phase(_) => self.clone(),
            Expr::Unary(op, x) => Expr::Unary(*op, f(x)),
            Expr::Binary(op, x, y) => Expr::Binary(*op, f(x), f(y)),
            Expr::Where(c, x, y) => Expr::Where(f(c), f(x), f(y)),
            Expr::Cast(x) => Expr::Cast(f(x)),
        }
    }
}

/// Where a store writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Over {
    /// Every point of the space; the buffer has the space's shape.
    All,
    /// Once per outer point; the buffer has the shape of the outer axes.
    Outer,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Phase {
    Reduce {
        op: ReduceOp,
        value: ExprId,
    },
    Store {
        buf: BufId,
        value: ExprId,
        over: Over,
    },
}

impl Phase {
    /// The expression the phase folds or stores.
    pub fn value(&self) -> ExprId {
        match self {
            Phase::Reduce { value, .. } | Phase::Store { value, .. } => *value,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Kernel {
    pub space: Vec<usize>,
    /// Axes of `space` that each phase loops over; sorted.
    pub inner: Vec<usize>,
    pub exprs: Vec<Expr>,
    pub dtypes: Vec<DType>,
    pub phases: Vec<Phase>,
    /// Values of the `Param` expressions, with their dtypes.
    pub params: Vec<(Lit, DType)>,
}

impl Kernel {
    /// Which expressions computing `roots` needs, the roots included (by index into
    /// `exprs`).
    pub fn needed(&self, roots: impl IntoIterator<Item = ExprId>) -> Vec<bool> {
        let mut needed = vec![false; self.exprs.len()];
        for r in roots {
            needed[r.0 as usize] = true;
        }
        // Operands come before the expressions that read them.
        for i in (0..self.exprs.len()).rev() {
            if needed[i] {
                for x in self.exprs[i].operands() {
                    needed[x.0 as usize] = true;
                }
            }
        }
        needed
    }

    pub fn outer_shape(&self) -> Vec<usize> {
        (0..self.space.len())
            .filter(|a| !self.inner.contains(a))
            .map(|a| self.space[a])
            .collect()
    }

    /// For each phase, the reduce phase whose loop runs it, if any.
    ///
    /// A store over every point of the inner axes, or another reduction, is computed in the
    /// loop of the first reduction it does not depend on (through `Expr::Phase`), rather than
    /// in a loop of its own: the value and the gradient of `sum((w*x)**2)` then take one pass
    /// over `w` and `x`, and `sum(c) + max(c)` one pass over `c`. Phases write different
    /// buffers and read none that the kernel writes, so running one earlier only needs the
    /// reduce results it reads to be ready. A phase carried by another carries nothing.
    pub fn carried_by(&self) -> Vec<Option<usize>> {
        let k = self;
        // For each expression, the highest phase it reads, if any.
        let mut reads: Vec<Option<usize>> = Vec::with_capacity(k.exprs.len());
        for e in &k.exprs {
            let of = |id: &ExprId| reads[id.0 as usize];
            let r = match e {
                Expr::Phase(p) => Some(*p as usize),
                Expr::Load { .. } | Expr::Param(_) | Expr::Index(_) | Expr::Rand { .. } => None,
                Expr::Unary(_, x) | Expr::Cast(x) => of(x),
                Expr::Binary(_, x, y) => of(x).max(of(y)),
                Expr::Where(c, x, y) => of(c).max(of(x)).max(of(y)),
            };
            reads.push(r);
        }
        let mut host: Vec<Option<usize>> = vec![None; k.phases.len()];
        if k.inner.is_empty() {
            return host;
        }
        for (s, phase) in k.phases.iter().enumerate() {
            let value = match phase {
                Phase::Store {
                    value,
                    over: Over::All,
                    ..
                }
                | Phase::Reduce { value, .. } => value,
                Phase::Store { .. } => continue,
            };
            let needs = reads[value.0 as usize];
            host[s] = (0..s).find(|&r| {
                let after = needs.is_none_or(|n| n < r);
                matches!(k.phases[r], Phase::Reduce { .. }) && host[r].is_none() && after
            });
        }
        host
    }

    /// The buffers the kernel reads.
    pub fn reads(&self) -> Vec<BufId> {
        let mut bufs: Vec<BufId> = self
            .exprs
            .iter()
            .filter_map(|e| match e {
                Expr::Load { buf, .. } => Some(*buf),
                _ => None,
            })
            .collect();
        bufs.sort();
        bufs.dedup();
        bufs
    }

    /// The buffers the kernel writes.
    pub fn writes(&self) -> Vec<BufId> {
        self.phases
            .iter()
            .filter_map(|p| match p {
                Phase::Store { buf, .. } => Some(*buf),
                Phase::Reduce { .. } => None,
            })
            .collect()
    }

    /// Every schedule buffer the kernel reads or writes, in the order of first use (loads in
    /// expression order, then stores): compiled code numbers them from 0 in this order
    /// (`structure_key`), so that it does not depend on which buffers of a schedule the kernel
    /// happens to use.
    pub fn buffers(&self) -> Vec<BufId> {
        let loads = self.exprs.iter().filter_map(|e| match e {
            Expr::Load { buf, .. } => Some(*buf),
            _ => None,
        });
        let mut bufs: Vec<BufId> = Vec::new();
        for b in loads.chain(self.writes()) {
            if !bufs.contains(&b) {
                bufs.push(b);
            }
        }
        bufs
    }
}

/// A primitive run by the runtime on whole buffers.
#[derive(Clone, Debug, PartialEq)]
pub struct LibraryCall {
    /// The graph op (a library op, or one that fusion does not put in loops yet).
    pub op: Op,
    pub inputs: Vec<BufId>,
    /// How each input is read: as stored, or (matmul operands) reshaped and transposed in
    /// place.
    pub views: Vec<View>,
    pub output: BufId,
}

/// How a library call reads an input buffer.
#[derive(Clone, Debug, PartialEq)]
pub struct View {
    /// The shape the buffer's row-major elements are read as: its own, or a reshape of it.
    pub shape: Vec<usize>,
    /// Read with the last two axes swapped (a transposed matmul operand), through strides.
    pub transposed: bool,
}

impl View {
    /// The buffer read as it is.
    pub fn plain(shape: &[usize]) -> View {
        View {
            shape: shape.to_vec(),
            transposed: false,
        }
    }

    /// Whether the buffer, of shape `stored`, is read as it is.
    pub fn is_plain(&self, stored: &[usize]) -> bool {
        !self.transposed && self.shape == stored
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    Kernel(Kernel),
    Library(LibraryCall),
}

/// Where a buffer's contents come from.
#[derive(Clone, Debug, PartialEq)]
pub enum BufKind {
    /// A leaf of the graph (`Source` or `Param` node), provided by the caller.
    Input(NodeId),
    /// Written by a step.
    Computed,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Buffer {
    pub dtype: DType,
    pub shape: Vec<usize>,
    pub kind: BufKind,
    /// The graph node whose value the buffer holds.
    pub node: NodeId,
}

impl Buffer {
    /// Checks that `a`, bound to this input buffer, has its dtype and shape: compiled code
    /// trusts the sizes the schedule was verified against.
    ///
    /// Panics if not (a caller bound the wrong array: a bug, not a user error).
    pub fn check_input(&self, a: &arrjit_runtime::Array) {
        assert!(
            a.dtype() == self.dtype && a.shape() == self.shape,
            "input {} is {} {:?}, not {} {:?}",
            self.node,
            a.dtype(),
            a.shape(),
            self.dtype,
            self.shape
        );
    }
}

/// The result of fusion: steps in execution order, over buffers.
#[derive(Clone, Debug, PartialEq)]
pub struct Schedule {
    pub buffers: Vec<Buffer>,
    pub steps: Vec<Step>,
    /// The buffer holding each requested root.
    pub outputs: Vec<(NodeId, BufId)>,
}

impl Schedule {
    pub fn kernel_count(&self) -> usize {
        self.steps
            .iter()
            .filter(|s| matches!(s, Step::Kernel(_)))
            .count()
    }
}

/// A schedule that has passed `verify_schedule`. Backends prepare only these: compiled code
/// trusts a schedule's bounds to keep every load and store inside its buffers. Fusion makes
/// them (and verifies each once, as it finishes); a schedule built by hand is verified by
/// `VerifiedSchedule::new`. There is no way to change one afterwards.
#[derive(Clone, Debug, PartialEq)]
pub struct VerifiedSchedule(Schedule);

impl VerifiedSchedule {
    pub fn new(schedule: Schedule) -> Result<VerifiedSchedule, String> {
        verify_schedule(&schedule)?;
        Ok(VerifiedSchedule(schedule))
    }

    /// The schedule itself, to change or take apart (it is then no longer known to be valid).
    pub fn into_inner(self) -> Schedule {
        self.0
    }
}

impl std::ops::Deref for VerifiedSchedule {
    type Target = Schedule;

    fn deref(&self) -> &Schedule {
        &self.0
    }
}

/// For each step of `schedule`, the computed buffers that no later step reads and that are
/// not outputs: after the step they can go back to a pool, for later steps (and later runs)
/// to reuse their memory.
pub fn free_after(schedule: &Schedule) -> Vec<Vec<BufId>> {
    let mut last_reader: Vec<Option<usize>> = vec![None; schedule.buffers.len()];
    for (i, step) in schedule.steps.iter().enumerate() {
        let reads = match step {
            Step::Kernel(k) => k.reads(),
            Step::Library(call) => call.inputs.clone(),
        };
        for r in reads {
            last_reader[r.0 as usize] = Some(i);
        }
    }
    let mut free_after: Vec<Vec<BufId>> = vec![Vec::new(); schedule.steps.len()];
    for (b, last) in last_reader.iter().enumerate() {
        let buf = BufId(b as u32);
        let computed = matches!(schedule.buffers[b].kind, BufKind::Computed);
        let output = schedule.outputs.iter().any(|(_, o)| *o == buf);
        if let (Some(step), true, false) = (last, computed, output) {
            free_after[*step].push(buf);
        }
    }
    free_after
}

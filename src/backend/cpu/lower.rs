//! Kernel → Cranelift IR.
//!
//! A compiled kernel is `fn(ctx, start, end, phase, out)` (`KernelFn`). `ctx` points to the
//! buffer addresses, the constant parameters (16-byte slots), the run-time sizes (`i64` slots,
//! in `kernel::size_slots` order) and, for kernels without outer axes, the results of their
//! reduce phases. How a call is bounded depends on the kernel's `Entry`:
//! - `Entry::Outer`: the call runs every phase for the outer points whose first outer coordinate
//!   is in `start..end`. Threads split that axis.
//! - `Entry::Phases` (no outer axes: full reductions, rank-0 kernels): the call runs phase
//!   `phase` only, with the first inner axis restricted to `start..end`. A reduce phase writes
//!   its partial result (in the accumulator's dtype) to `out`; the runtime combines the
//!   partials of the chunks in a fixed order and stores the result in `ctx.phase_vals`, where
//!   later phases read it. Threads split the chunks.
//!
//! Inside, loops are tested at the bottom (tech-facts: Cranelift does not rotate loops). The
//! innermost loop of each loop nest runs `lanes` points at a time as 128-bit vectors
//! (`vector.rs`), unrolled `UNROLL` times (once when the body calls a vector math function: it
//! is long enough to hide the loop's overhead, and copies of it only cost compile time),
//! followed by a scalar loop for the remaining points. Expressions that do not change along
//! that innermost axis are computed once before its loop; loads there become a row address
//! plus a stride. Reductions keep one vector accumulator per unrolled copy, combined in a fixed
//! order after the loop nest. A store that runs in a loop of its own reads a costly value an
//! earlier reduction's loop computed (the `exp` of a softmax) back from its own buffer, where
//! that loop also wrote it (`reuse.rs`). A kernel whose dtypes have different widths (`f32`
//! beside `f64`), or that has complex values (`complex.rs`), runs one point at a time. `ops.rs`
//! emits single operations and `math/` the vector math functions.

use super::reuse::{Reuse, reuses};
use crate::ir::ReduceOp;
use crate::kernel::{BufId, Expr, ExprId, Kernel, Over, Phase, SizeSlot, size_slots};
use arrjit_runtime::DType;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{FuncRef, InstBuilder, MemFlagsData, StackSlot, Type, Value, types};
use cranelift_frontend::{FunctionBuilder, Variable};
use cranelift_module::Module;
use std::collections::HashMap;

/// Why a kernel cannot be compiled (it then runs on the reference evaluator).
pub type Unsupported = String;

/// Copies of the vector loop body per iteration, for bodies without math functions.
pub const UNROLL: usize = 4;

/// Copies of the vector loop body per iteration for `k`: `UNROLL`, or 1 when it calls vector
/// math functions.
fn unroll_for(k: &Kernel) -> usize {
    if super::math::calls_in(k) > 0 {
        1
    } else {
        UNROLL
    }
}

/// What a compiled kernel reads its inputs from. The layout is shared with the generated code.
#[repr(C)]
pub struct CallCtx {
    /// The addresses of the kernel's buffers, in `Kernel::buffers` order.
    pub bufs: *const *mut u8,
    pub params: *const [u8; 16],
    pub sizes: *const i64,
    pub phase_vals: *const [u8; 16],
}

/// A compiled kernel: `fn(ctx, start, end, phase, out)` (see the module comment).
pub type KernelFn = unsafe extern "C" fn(*const CallCtx, i64, i64, i64, *mut [u8; 16]);

/// How the runtime calls a kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    /// All phases per call, over a range of the first outer axis.
    Outer,
    /// One phase per call, over a range of the first inner axis.
    Phases,
}

pub fn entry(k: &Kernel) -> Entry {
    if k.inner.len() == k.space.len() {
        Entry::Phases
    } else {
        Entry::Outer
    }
}

/// The Cranelift type of a dtype's elements. A complex number is one vector: `[re, im]` for
/// c128, `[re, im, 0, 0]` for c64 (see `complex.rs`).
pub fn clif_type(d: DType) -> Result<Type, Unsupported> {
    match d {
        DType::Bool => Ok(types::I8),
        DType::I32 => Ok(types::I32),
        DType::I64 => Ok(types::I64),
        DType::F32 => Ok(types::F32),
        DType::F64 => Ok(types::F64),
        DType::C64 => Ok(types::F32X4),
        DType::C128 => Ok(types::F64X2),
    }
}

/// The dtype a reduction of `d` values accumulates in: single precision sums and products
/// accumulate in double, as the interpreter does.
pub fn acc_dtype(op: ReduceOp, d: DType) -> DType {
    match (op, d) {
        (ReduceOp::Sum | ReduceOp::Prod, DType::F32) => DType::F64,
        (ReduceOp::Sum | ReduceOp::Prod, DType::C64) => DType::C128,
        _ => d,
    }
}

/// Whether every expression of `k` can be compiled.
pub fn check(k: &Kernel) -> Result<(), Unsupported> {
    for &d in &k.dtypes {
        clif_type(d)?;
    }
    for (_, d) in &k.params {
        clif_type(*d)?;
    }
    Ok(())
}

/// Points per vector: 2 when the kernel's values are 8 bytes wide, 4 when they are 4 bytes
/// wide (bools take the width of the rest), 1 (no vectors) when widths are mixed or any value
/// is complex.
pub fn lane_count(k: &Kernel) -> usize {
    if k.dtypes.iter().any(|d| d.is_complex()) {
        return 1;
    }
    let mut widths = k
        .dtypes
        .iter()
        .filter(|&&d| d != DType::Bool)
        .map(|d| d.itemsize());
    let first = widths.next().unwrap_or(4);
    if !widths.all(|w| w == first) {
        return 1;
    }
    // Bool sums and products are never built (they are cast first); keep them scalar.
    let bool_arith = k.phases.iter().any(|p| {
        matches!(p, Phase::Reduce { op: ReduceOp::Sum | ReduceOp::Prod, value }
            if k.dtypes[value.0 as usize] == DType::Bool)
    });
    match first {
        _ if bool_arith => 1,
        8 => 2,
        4 => 4,
        _ => 1,
    }
}

pub(super) fn flags() -> MemFlagsData {
    MemFlagsData::new().with_notrap()
}

/// What the innermost loop of a loop nest does at each point: one pass over the points that
/// runs store phases and folds at most one reduction, computing the expressions they share
/// once (`Kernel::carried_by` says which stores run in a reduction's loop).
pub(super) struct Body<'s> {
    /// Store phases, in order.
    pub(super) stores: Vec<usize>,
    /// The reductions folded in the same loop.
    pub(super) accs: &'s mut [Acc],
    /// Values this loop also writes into a later store's buffer (`reuse.rs`).
    pub(super) spills: Vec<Reuse>,
    /// Values the stores of this loop read from their own buffers instead of computing.
    pub(super) reloads: Vec<Reuse>,
}

impl Body<'_> {
    pub(super) fn stores(stores: Vec<usize>) -> Self {
        Body {
            stores,
            accs: &mut [],
            spills: Vec::new(),
            reloads: Vec::new(),
        }
    }
}

/// The state of a reduction over a loop nest.
pub(super) struct Acc {
    pub(super) op: ReduceOp,
    pub(super) value: ExprId,
    /// The dtype of the reduced values and of the accumulator.
    pub(super) d: DType,
    pub(super) acc_d: DType,
    /// The accumulator of the scalar loops.
    pub(super) scalar: Variable,
    /// The vector accumulators (two per unrolled copy when `f32` values are widened to `f64`).
    pub(super) vectors: Vec<Variable>,
    pub(super) vector_type: Option<Type>,
}

/// Emits the body of a kernel into `b`.
pub struct Emitter<'a, 'f, M: Module> {
    pub(super) b: &'a mut FunctionBuilder<'f>,
    pub(super) module: &'a mut M,
    pub(super) funcs: HashMap<String, FuncRef>,
    /// Points per vector (1: scalar code only).
    pub(super) lanes: usize,
    /// Copies of the vector loop body per iteration.
    pub(super) unroll: usize,
    pub(super) k: &'a Kernel,
    pub(super) entry: Entry,
    pub(super) bases: HashMap<BufId, Value>,
    pub(super) params: Vec<Value>,
    pub(super) sizes: HashMap<SizeSlot, Value>,
    pub(super) extents: Vec<Value>,
    /// Row-major strides of the space (stores over every point) and of the outer axes (stores
    /// once per outer point; `None` for inner axes).
    pub(super) all_strides: Vec<Value>,
    pub(super) outer_strides: Vec<Option<Value>>,
    /// The range of the split axis this call covers.
    pub(super) range: (Value, Value),
    pub(super) split_axis: Option<usize>,
    pub(super) phase: Value,
    pub(super) phase_vals: Value,
    pub(super) out: Value,
    pub(super) index: Vec<Variable>,
    pub(super) phase_vars: Vec<Option<Variable>>,
    /// Where complex helpers write their results (created on first use).
    pub(super) scratch: Option<StackSlot>,
    /// Costly values that stores read back from their buffers (`reuse.rs`).
    pub(super) reuses: Vec<Reuse>,
}

impl<'a, 'f, M: Module> Emitter<'a, 'f, M> {
    /// Loads everything the kernel reads once on entry. `args` are the function's parameters.
    pub fn new(
        b: &'a mut FunctionBuilder<'f>,
        module: &'a mut M,
        k: &'a Kernel,
        args: &[Value],
    ) -> Self {
        let [ctx, start, end, phase, out] = args else {
            unreachable!("kernel functions take five arguments")
        };
        let ptr = types::I64;
        let bufs_ptr = b.ins().load(ptr, flags(), *ctx, 0);
        let params_ptr = b.ins().load(ptr, flags(), *ctx, 8);
        let sizes_ptr = b.ins().load(ptr, flags(), *ctx, 16);
        let phase_vals = b.ins().load(ptr, flags(), *ctx, 24);
        let index = (0..k.space.len())
            .map(|_| b.declare_var(types::I64))
            .collect::<Vec<_>>();
        let zero = b.ins().iconst(types::I64, 0);
        for &v in &index {
            b.def_var(v, zero);
        }
        let mut bases = HashMap::new();
        for buf in k.reads().into_iter().chain(k.writes()) {
            let base = b.ins().load(ptr, flags(), bufs_ptr, (buf.0 as i32) * 8);
            bases.insert(buf, base);
        }
        let params = k
            .params
            .iter()
            .enumerate()
            .map(|(i, (_, d))| {
                let ty = clif_type(*d).expect("checked");
                b.ins().load(ty, flags(), params_ptr, (i as i32) * 16)
            })
            .collect();
        let mut sizes = HashMap::new();
        for (i, slot) in size_slots(k).into_iter().enumerate() {
            let v = b.ins().load(types::I64, flags(), sizes_ptr, (i as i32) * 8);
            sizes.insert(slot, v);
        }
        let rank = k.space.len();
        let extents: Vec<Value> = (0..rank).map(|a| sizes[&SizeSlot::Extent(a)]).collect();
        let strides_over = |b: &mut FunctionBuilder, axes: &[usize]| {
            let mut out = vec![None; rank];
            let mut s = b.ins().iconst(types::I64, 1);
            for &a in axes.iter().rev() {
                out[a] = Some(s);
                s = b.ins().imul(s, extents[a]);
            }
            out
        };
        let all: Vec<usize> = (0..rank).collect();
        let outer: Vec<usize> = (0..rank).filter(|a| !k.inner.contains(a)).collect();
        let all_strides = strides_over(b, &all).into_iter().flatten().collect();
        let outer_strides = strides_over(b, &outer);
        let entry = entry(k);
        let split_axis = match entry {
            Entry::Outer => outer.first().copied(),
            Entry::Phases => k.inner.first().copied(),
        };
        Emitter {
            b,
            module,
            funcs: HashMap::new(),
            lanes: lane_count(k),
            unroll: unroll_for(k),
            k,
            entry,
            bases,
            params,
            sizes,
            extents,
            all_strides,
            outer_strides,
            range: (*start, *end),
            split_axis,
            phase: *phase,
            phase_vals,
            out: *out,
            index,
            phase_vars: vec![None; k.phases.len()],
            scratch: None,
            reuses: reuses(k),
        }
    }

    /// The whole function body.
    pub fn emit(&mut self) {
        let outer: Vec<usize> = (0..self.k.space.len())
            .filter(|a| !self.k.inner.contains(a))
            .collect();
        match self.entry {
            Entry::Outer if self.k.inner.is_empty() => {
                let stores = (0..self.k.phases.len()).collect();
                self.nest(&outer, Body::stores(stores));
            }
            Entry::Outer => {
                let host = self.k.carried_by();
                self.for_each(&outer, &mut |e| {
                    for p in 0..e.k.phases.len() {
                        if host[p].is_none() {
                            e.phase(p, &host);
                        }
                    }
                })
            }
            Entry::Phases => {
                let host = self.k.carried_by();
                let exit = self.b.create_block();
                for p in (0..self.k.phases.len()).filter(|&p| host[p].is_none()) {
                    let this = self.b.create_block();
                    let next = self.b.create_block();
                    let is = self.b.ins().icmp_imm_s(IntCC::Equal, self.phase, p as i64);
                    self.b.ins().brif(is, this, &[], next, &[]);
                    self.b.switch_to_block(this);
                    self.b.seal_block(this);
                    self.phase(p, &host);
                    self.b.ins().jump(exit, &[]);
                    self.b.switch_to_block(next);
                    self.b.seal_block(next);
                }
                self.b.ins().jump(exit, &[]);
                self.b.switch_to_block(exit);
                self.b.seal_block(exit);
            }
        }
    }

    /// The bounds of `axis` in this call.
    pub(super) fn bounds(&mut self, axis: usize) -> (Value, Value) {
        if Some(axis) == self.split_axis {
            self.range
        } else {
            let zero = self.b.ins().iconst(types::I64, 0);
            (zero, self.extents[axis])
        }
    }

    /// `body` for every point of `axes` (nested loops, the last axis innermost), one point at
    /// a time.
    pub(super) fn for_each(&mut self, axes: &[usize], body: &mut dyn FnMut(&mut Self)) {
        let Some((&axis, rest)) = axes.split_first() else {
            body(self);
            return;
        };
        let (lo, hi) = self.bounds(axis);
        self.counted_loop(axis, lo, hi, 1, &mut |e, _| e.for_each(rest, body));
    }

    /// `body(i)` for `i` in `lo..hi` stepping by `step` (which must divide `hi - lo`), with
    /// `index[axis]` set to `i`; bottom-tested. Leaves `index[axis]` at `hi` (or `lo` when the
    /// loop does not run).
    pub(super) fn counted_loop(
        &mut self,
        axis: usize,
        lo: Value,
        hi: Value,
        step: i64,
        body: &mut dyn FnMut(&mut Self, Value),
    ) {
        let var = self.index[axis];
        let body_block = self.b.create_block();
        let exit = self.b.create_block();
        self.b.def_var(var, lo);
        let any = self.b.ins().icmp(IntCC::SignedLessThan, lo, hi);
        self.b.ins().brif(any, body_block, &[], exit, &[]);
        self.b.switch_to_block(body_block);
        let i = self.b.use_var(var);
        body(self, i);
        let next = self.b.ins().iadd_imm_s(i, step);
        self.b.def_var(var, next);
        let more = self.b.ins().icmp(IntCC::SignedLessThan, next, hi);
        self.b.ins().brif(more, body_block, &[], exit, &[]);
        self.b.seal_block(body_block);
        self.b.switch_to_block(exit);
        self.b.seal_block(exit);
    }

    /// Runs `body` over `axes`, the last one in vectors when the kernel has lanes.
    pub(super) fn nest(&mut self, axes: &[usize], mut body: Body) {
        let Some((&last, rest)) = axes.split_last() else {
            self.scalar_body(&mut body, &mut HashMap::new());
            return;
        };
        if self.lanes == 1 {
            self.for_each(axes, &mut |e| e.scalar_body(&mut body, &mut HashMap::new()));
        } else {
            self.for_each(rest, &mut |e| e.vector_loop(last, &mut body));
        }
        // Code after the nest (by the verifier's rules) does not depend on these axes; leave
        // their indices at 0 rather than at a stale bound.
        let zero = self.b.ins().iconst(types::I64, 0);
        for &a in axes {
            self.b.def_var(self.index[a], zero);
        }
    }

    /// Phase `p`, with the phases `host` says its loop carries.
    pub(super) fn phase(&mut self, p: usize, host: &[Option<usize>]) {
        let inner = self.k.inner.clone();
        match self.k.phases[p].clone() {
            Phase::Reduce { .. } => {
                let carried = (0..host.len()).filter(|&s| host[s] == Some(p));
                let (reduces, stores): (Vec<usize>, Vec<usize>) = std::iter::once(p)
                    .chain(carried)
                    .partition(|&q| matches!(self.k.phases[q], Phase::Reduce { .. }));
                let spills = self.reuses_where(|r| r.written_in == p);
                let results = self.reduce(&reduces, &inner, stores, spills);
                for (q, result) in reduces.into_iter().zip(results) {
                    let Phase::Reduce { op, value } = self.k.phases[q] else {
                        unreachable!("reduce phases")
                    };
                    let d = self.k.dtypes[value.0 as usize];
                    match self.entry {
                        Entry::Phases => {
                            // One 16-byte partial slot per phase.
                            let offset = (16 * q) as i32;
                            self.b.ins().store(flags(), result, self.out, offset);
                        }
                        Entry::Outer => {
                            let result = self.scalar_cast(result, acc_dtype(op, d), d);
                            let var = self.b.declare_var(clif_type(d).expect("checked"));
                            self.b.def_var(var, result);
                            self.phase_vars[q] = Some(var);
                        }
                    }
                }
            }
            Phase::Store {
                over: Over::All, ..
            } => {
                let body = Body {
                    reloads: self.reuses_where(|r| r.store == p),
                    ..Body::stores(vec![p])
                };
                self.nest(&inner, body)
            }
            Phase::Store {
                over: Over::Outer, ..
            } => self.scalar_body(&mut Body::stores(vec![p]), &mut HashMap::new()),
        }
    }

    fn reuses_where(&self, f: impl Fn(&Reuse) -> bool) -> Vec<Reuse> {
        self.reuses.iter().copied().filter(f).collect()
    }

    /// Folds the values of the reduce phases `reduces` over `axes` in one loop, which also
    /// runs the store phases `stores` and writes `spills`; the results have the accumulators'
    /// dtypes.
    pub(super) fn reduce(
        &mut self,
        reduces: &[usize],
        axes: &[usize],
        stores: Vec<usize>,
        spills: Vec<Reuse>,
    ) -> Vec<Value> {
        let mut accs: Vec<Acc> = reduces
            .iter()
            .map(|&q| {
                let Phase::Reduce { op, value } = self.k.phases[q] else {
                    unreachable!("reduce phases")
                };
                self.accumulator(op, value, axes)
            })
            .collect();
        self.nest(
            axes,
            Body {
                stores,
                accs: &mut accs,
                spills,
                reloads: Vec::new(),
            },
        );
        accs.iter()
            .map(|acc| self.reduce_result(acc, axes))
            .collect()
    }

    /// A fresh accumulator of `op` over `value`, its variables set to the identity.
    fn accumulator(&mut self, op: ReduceOp, value: ExprId, axes: &[usize]) -> Acc {
        let d = self.k.dtypes[value.0 as usize];
        let acc_d = acc_dtype(op, d);
        let scalar = self.b.declare_var(clif_type(acc_d).expect("checked"));
        let init = self.identity(op, acc_d);
        self.b.def_var(scalar, init);
        let mut acc = Acc {
            op,
            value,
            d,
            acc_d,
            scalar,
            vectors: Vec::new(),
            vector_type: None,
        };
        if self.lanes > 1 && !axes.is_empty() {
            let widen = acc_d != d;
            let vt = if widen {
                types::F64X2
            } else {
                self.vector_type(acc_d)
            };
            let count = if widen { 2 * self.unroll } else { self.unroll };
            let lane_init = self.identity(op, acc_d);
            let v = self.splat_scalar(lane_init, acc_d, vt);
            for _ in 0..count {
                let var = self.b.declare_var(vt);
                self.b.def_var(var, v);
                acc.vectors.push(var);
            }
            acc.vector_type = Some(vt);
        }
        acc
    }

    /// The result of a reduction after its loop: the accumulators combined in a fixed order.
    fn reduce_result(&mut self, acc: &Acc, axes: &[usize]) -> Value {
        let (op, acc_d) = (acc.op, acc.acc_d);
        let mut result = self.b.use_var(acc.scalar);
        if let Some(vt) = acc.vector_type {
            // A fixed order: a tree over the accumulators, then the lanes in order, then the
            // scalar loops' part.
            let mut vs: Vec<Value> = acc.vectors.iter().map(|&v| self.b.use_var(v)).collect();
            while vs.len() > 1 {
                vs = vs
                    .chunks(2)
                    .map(|pair| self.combine(op, acc_d, pair[0], pair[1]))
                    .collect();
            }
            let mut total = self.lane(vs[0], acc_d, 0);
            for lane in 1..vt.lane_count() as usize {
                let x = self.lane(vs[0], acc_d, lane);
                total = self.combine(op, acc_d, total, x);
            }
            result = self.combine(op, acc_d, total, result);
        }
        if op == ReduceOp::Sum && (acc_d.is_float() || acc_d.is_complex()) {
            // The sum starts from -0 so that a sum of -0s is -0, as the interpreter's (which
            // starts from the first element); the empty sum is +0.
            let mut points = self.b.ins().iconst(types::I64, 1);
            for &a in axes {
                points = self.b.ins().imul(points, self.extents[a]);
            }
            let empty = self.b.ins().icmp_imm_s(IntCC::Equal, points, 0);
            let zero = if acc_d.is_complex() {
                self.complex_const(acc_d, 0.0, 0.0)
            } else {
                self.float_const(clif_type(acc_d).expect("checked"), 0.0)
            };
            result = self.b.ins().select(empty, zero, result);
        }
        result
    }

    /// One point of `body`, in scalar code, at the current indices.
    pub(super) fn scalar_body(&mut self, body: &mut Body, cache: &mut HashMap<ExprId, Value>) {
        for r in &body.reloads {
            let (addr, d) = self.store_address(r.store);
            let v = self
                .b
                .ins()
                .load(clif_type(d).expect("checked"), flags(), addr, 0);
            cache.insert(r.value, v);
        }
        for &p in &body.stores {
            let v = self.value(self.store_value(p), cache);
            self.store_at(p, v);
        }
        for acc in body.accs.iter_mut() {
            let v = self.value(acc.value, cache);
            let v = self.scalar_cast(v, acc.d, acc.acc_d);
            let a = self.b.use_var(acc.scalar);
            let r = self.combine(acc.op, acc.acc_d, a, v);
            self.b.def_var(acc.scalar, r);
        }
        for s in &body.spills {
            let v = self.value(s.value, cache);
            self.store_at(s.store, v);
        }
    }

    /// The value store phase `p` writes.
    pub(super) fn store_value(&self, p: usize) -> ExprId {
        match self.k.phases[p] {
            Phase::Store { value, .. } => value,
            Phase::Reduce { .. } => unreachable!("store phases"),
        }
    }

    /// The address store phase `p` writes at the current indices, and its dtype.
    fn store_address(&mut self, p: usize) -> (Value, DType) {
        let Phase::Store { buf, value, over } = self.k.phases[p] else {
            unreachable!("store phases")
        };
        let d = self.k.dtypes[value.0 as usize];
        let at = self.store_offset(over, None);
        (self.element_address(buf, at, d), d)
    }

    /// Writes scalar `v` where store phase `p` writes at the current indices.
    fn store_at(&mut self, p: usize, v: Value) {
        let (addr, d) = self.store_address(p);
        if d.is_complex() {
            self.complex_store(v, addr, d);
        } else {
            self.b.ins().store(flags(), v, addr, 0);
        }
    }

    pub(super) fn identity(&mut self, op: ReduceOp, d: DType) -> Value {
        if d.is_complex() {
            return self.complex_identity(op, d);
        }
        let ty = clif_type(d).expect("checked");
        match (op, d.is_float()) {
            // -0 + x is x for every x, -0 included; the empty sum is fixed up to +0 after the
            // loop (`reduce`).
            (ReduceOp::Sum, true) => self.float_const(ty, -0.0),
            (ReduceOp::Prod, true) => self.float_const(ty, 1.0),
            (ReduceOp::Min, true) => self.float_const(ty, f64::INFINITY),
            (ReduceOp::Max, true) => self.float_const(ty, f64::NEG_INFINITY),
            (ReduceOp::Sum, false) => self.b.ins().iconst(ty, 0),
            (ReduceOp::Prod, false) => self.b.ins().iconst(ty, 1),
            (ReduceOp::Min, false) => match d {
                DType::Bool => self.b.ins().iconst(ty, 1),
                DType::I32 => self.b.ins().iconst(ty, i32::MAX as i64),
                _ => self.b.ins().iconst(ty, i64::MAX),
            },
            (ReduceOp::Max, false) => match d {
                DType::Bool => self.b.ins().iconst(ty, 0),
                DType::I32 => self.b.ins().iconst(ty, i32::MIN as i64),
                _ => self.b.ins().iconst(ty, i64::MIN),
            },
        }
    }

    /// `op` folding `v` into `a`, scalars or vectors of accumulator dtype `d`.
    pub(super) fn combine(&mut self, op: ReduceOp, d: DType, a: Value, v: Value) -> Value {
        if d.is_complex() {
            return self.complex_combine(op, d, a, v);
        }
        let ty = self.b.func.dfg.value_type(a);
        if ty.is_vector() {
            let native = matches!(
                (op, d),
                (_, DType::F32 | DType::F64)
                    | (ReduceOp::Sum, _)
                    | (ReduceOp::Prod | ReduceOp::Min | ReduceOp::Max, DType::I32)
                    | (ReduceOp::Min | ReduceOp::Max, DType::Bool)
            );
            if !native {
                let lanes: Vec<Value> = (0..ty.lane_count() as usize)
                    .map(|lane| {
                        let x = self.lane(a, d, lane);
                        let y = self.lane(v, d, lane);
                        self.combine(op, d, x, y)
                    })
                    .collect();
                return self.gather_lanes(&lanes, d);
            }
            if d == DType::Bool {
                // Masks: the minimum is the conjunction, the maximum the disjunction.
                return match op {
                    ReduceOp::Min => self.b.ins().band(a, v),
                    _ => self.b.ins().bor(a, v),
                };
            }
        }
        match (op, d) {
            (ReduceOp::Sum, DType::F32 | DType::F64) => self.b.ins().fadd(a, v),
            (ReduceOp::Prod, DType::F32 | DType::F64) => self.b.ins().fmul(a, v),
            (ReduceOp::Sum, _) => self.b.ins().iadd(a, v),
            (ReduceOp::Prod, _) => self.b.ins().imul(a, v),
            (ReduceOp::Min, DType::F32 | DType::F64) => self.float_min_max(true, a, v),
            (ReduceOp::Max, DType::F32 | DType::F64) => self.float_min_max(false, a, v),
            (ReduceOp::Min, DType::Bool) => self.b.ins().umin(a, v),
            (ReduceOp::Max, DType::Bool) => self.b.ins().umax(a, v),
            (ReduceOp::Min, _) => self.b.ins().smin(a, v),
            (ReduceOp::Max, _) => self.b.ins().smax(a, v),
        }
    }

    /// `at` of expression `id` at the current indices, leaving out `skip`'s term.
    pub(super) fn affine_without(
        &mut self,
        id: ExprId,
        at: &crate::kernel::Affine,
        skip: usize,
    ) -> Value {
        let mut acc = if at.offset != 0 {
            self.sizes[&SizeSlot::Offset(id)]
        } else {
            self.b.ins().iconst(types::I64, 0)
        };
        for (axis, &c) in at.coef.iter().enumerate() {
            if c == 0 || axis == skip {
                continue;
            }
            let i = self.b.use_var(self.index[axis]);
            let term = if c == 1 {
                i
            } else {
                let c = self.sizes[&SizeSlot::Coef(id, axis)];
                self.b.ins().imul(i, c)
            };
            acc = self.b.ins().iadd(acc, term);
        }
        acc
    }

    /// `at` of expression `id` at the current indices.
    pub(super) fn affine(&mut self, id: ExprId, at: &crate::kernel::Affine) -> Value {
        self.affine_without(id, at, usize::MAX)
    }

    /// The element offset a store writes at the current indices.
    pub(super) fn store_offset(&mut self, over: Over, skip: Option<usize>) -> Value {
        let mut acc = self.b.ins().iconst(types::I64, 0);
        for axis in 0..self.k.space.len() {
            let stride = match over {
                Over::All => Some(self.all_strides[axis]),
                Over::Outer => self.outer_strides[axis],
            };
            let Some(s) = stride else { continue };
            if Some(axis) == skip {
                continue;
            }
            let i = self.b.use_var(self.index[axis]);
            let term = self.b.ins().imul(i, s);
            acc = self.b.ins().iadd(acc, term);
        }
        acc
    }

    /// The address of element `offset` of buffer `buf`.
    pub(super) fn element_address(&mut self, buf: BufId, offset: Value, d: DType) -> Value {
        let bytes = self.b.ins().imul_imm_s(offset, d.itemsize() as i64);
        self.b.ins().iadd(self.bases[&buf], bytes)
    }

    pub(super) fn rand(&mut self, normal: bool, d: DType, seed: Value, at: Value) -> Value {
        let name = match (normal, d) {
            (false, DType::F32) => "arr_rand_f32",
            (true, DType::F32) => "arr_randn_f32",
            (false, _) => "arr_rand_f64",
            (true, _) => "arr_randn_f64",
        };
        let ty = clif_type(d).expect("checked");
        self.call(name, &[seed, at], &[types::I64, types::I64], ty)
    }

    /// The value of expression `id` at the current point, as a scalar.
    pub(super) fn value(&mut self, id: ExprId, cache: &mut HashMap<ExprId, Value>) -> Value {
        if let Some(&v) = cache.get(&id) {
            return v;
        }
        let d = self.k.dtypes[id.0 as usize];
        let ty = clif_type(d).expect("checked");
        let v = match self.k.exprs[id.0 as usize].clone() {
            Expr::Load { buf, at } => {
                let offset = self.affine(id, &at);
                let addr = self.element_address(buf, offset, d);
                if d.is_complex() {
                    self.complex_load(addr, d)
                } else {
                    self.b.ins().load(ty, flags(), addr, 0)
                }
            }
            // Read from its slot, so that a new constant needs no new code.
            Expr::Param(p) => self.params[p as usize],
            Expr::Index(at) => self.affine(id, &at),
            Expr::Rand { normal, at, .. } => {
                let i = self.affine(id, &at);
                let seed = self.sizes[&SizeSlot::Seed(id)];
                self.rand(normal, d, seed, i)
            }
            Expr::Unary(op, x) => {
                let xd = self.k.dtypes[x.0 as usize];
                let xv = self.value(x, cache);
                self.scalar_unary(op, xd, xv)
            }
            Expr::Binary(op, x, y) => {
                let xd = self.k.dtypes[x.0 as usize];
                let (xv, yv) = (self.value(x, cache), self.value(y, cache));
                self.scalar_binary(op, xd, xv, yv)
            }
            Expr::Where(c, x, y) => {
                let (cv, xv, yv) = (
                    self.value(c, cache),
                    self.value(x, cache),
                    self.value(y, cache),
                );
                self.b.ins().select(cv, xv, yv)
            }
            Expr::Cast(x) => {
                let xd = self.k.dtypes[x.0 as usize];
                let xv = self.value(x, cache);
                self.scalar_cast(xv, xd, d)
            }
            Expr::Phase(p) => match self.entry {
                Entry::Outer => {
                    let var = self.phase_vars[p as usize].expect("reduce phases run first");
                    self.b.use_var(var)
                }
                Entry::Phases => self
                    .b
                    .ins()
                    .load(ty, flags(), self.phase_vals, (p as i32) * 16),
            },
        };
        cache.insert(id, v);
        v
    }
}

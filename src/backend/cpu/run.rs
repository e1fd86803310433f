//! Calling compiled kernels: output buffers, run-time sizes, threads, and the deterministic
//! combination of partial reductions.
//!
//! Threads never change results: an `Entry::Outer` kernel computes each outer point whole in
//! one call, however the first outer axis is split; an `Entry::Phases` kernel reduces chunks
//! whose bounds depend only on the kernel's size (never on the number of threads), and their
//! partial results are combined in chunk order.

use super::Compiled;
use super::lower::{CallCtx, Entry, KernelFn, acc_dtype};
use crate::ir::Lit;
use crate::ir::ReduceOp;
use crate::kernel::{BufId, Kernel, Over, Phase, Schedule, run_time_sizes};
use arrjit_runtime::{Array, Complex64, DType, Data, Scalar, with_data};
use rayon::prelude::*;
use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// Below this much work a kernel runs on the calling thread: waking the other threads costs
/// about 15 µs here, more than splitting saves. Work is points times `work_per_point`; the
/// threshold is measured (benches/README.md): `a + b` splits from 2^19 points, a chain with a
/// `sin` from about 30,000.
pub const PARALLEL_MIN_WORK: usize = 1 << 19;

/// `PARALLEL_MIN_WORK`, or the environment variable `ARRJIT_PARALLEL_MIN_WORK` when set (to
/// measure the threshold on another machine).
fn parallel_min_work() -> usize {
    static MIN: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *MIN.get_or_init(|| {
        std::env::var("ARRJIT_PARALLEL_MIN_WORK")
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(PARALLEL_MIN_WORK)
    })
}

/// A kernel's cost per point, roughly in units of a memory-bound load and add: a vector math
/// function costs about 16 of them.
fn work_per_point(k: &Kernel) -> usize {
    1 + 16 * super::math::calls_in(k)
}

/// Points per chunk of a reduction without outer axes (at least; chunks are whole slices of
/// the first inner axis).
const REDUCE_CHUNK_POINTS: usize = 1 << 15;

/// A compiled kernel with its run-time sizes, constants and thread split, ready to call.
pub struct Call {
    compiled: Arc<Compiled>,
    kernel: Kernel,
    sizes: Vec<i64>,
    params: Vec<[u8; 16]>,
    /// The schedule buffers whose addresses the code reads, in its order (`Kernel::buffers`).
    bufs: Vec<BufId>,
    writes: Vec<BufId>,
    /// An outer axis is empty, so every output is: the call writes nothing (its loops over the
    /// other axes may still be long).
    empty: bool,
    /// For each phase, the reduce phase whose calls run it (`Kernel::carried_by`).
    carried: Vec<Option<usize>>,
    /// The ranges of the split axis the calls cover (one call per range, in parallel when
    /// there are several).
    ranges: Vec<(usize, usize)>,
}

impl Call {
    pub fn new(compiled: Arc<Compiled>, k: &Kernel) -> Call {
        let mut params: Vec<[u8; 16]> = k.params.iter().map(|(lit, d)| slot(*lit, *d)).collect();
        params.push([0; 16]);
        let points: usize = k.space.iter().product();
        let parallel = points.saturating_mul(work_per_point(k)) >= parallel_min_work();
        let ranges = match compiled.entry {
            Entry::Outer => {
                let first_outer = (0..k.space.len()).find(|a| !k.inner.contains(a));
                let extent = first_outer.map_or(1, |a| k.space[a]);
                let chunks = if parallel && extent > 1 {
                    (rayon::current_num_threads() * 4).min(extent)
                } else {
                    1
                };
                split(extent, chunks)
            }
            Entry::Phases => {
                let extent = k.inner.first().map_or(1, |&a| k.space[a]);
                // Chunk bounds depend on the size alone, so the partial results, and the order
                // they are combined in, are the same on every run and every machine.
                let chunks = if parallel && extent > 1 {
                    (points / REDUCE_CHUNK_POINTS).clamp(1, extent)
                } else {
                    1
                };
                split(extent, chunks)
            }
        };
        Call {
            compiled,
            kernel: k.clone(),
            sizes: run_time_sizes(k),
            params,
            bufs: k.buffers(),
            writes: k.writes(),
            empty: (0..k.space.len()).any(|a| !k.inner.contains(&a) && k.space[a] == 0),
            carried: k.carried_by(),
            ranges,
        }
    }

    /// Allocates the kernel's outputs, passes every buffer's address, and calls the code.
    pub fn run(&self, schedule: &Schedule, bufs: &mut [Option<Cow<Array>>]) {
        let (c, k) = (&*self.compiled, &self.kernel);
        // Reading the clock twice costs about 60 ns here, a fifth of a small kernel's call.
        let t = TIME_KERNELS.load(Ordering::Relaxed).then(Instant::now);
        for &w in &self.writes {
            let b = &schedule.buffers[w.0 as usize];
            bufs[w.0 as usize] = Some(Cow::Owned(arrjit_runtime::output_array(
                b.dtype,
                b.shape.clone(),
            )));
        }
        if self.empty {
            let no_elements = |w: &BufId| schedule.buffers[w.0 as usize].shape.contains(&0);
            debug_assert!(self.writes.iter().all(no_elements));
            return;
        }
        let mut pointers: Vec<*mut u8> = Vec::with_capacity(self.bufs.len());
        for &id in &self.bufs {
            pointers.push(match &mut bufs[id.0 as usize] {
                // Written buffers are owned (allocated just above); read-only ones may be
                // borrowed.
                Some(Cow::Owned(a)) if self.writes.contains(&id) => data_ptr(a),
                Some(a) => data_addr(a.as_ref()) as *mut u8,
                None => std::ptr::null_mut(),
            });
        }
        let ctx = |phase_vals: *const [u8; 16]| CallCtx {
            bufs: pointers.as_ptr(),
            params: self.params.as_ptr(),
            sizes: self.sizes.as_ptr(),
            phase_vals,
        };
        match c.entry {
            Entry::Outer => {
                // Concurrent calls cover disjoint ranges of the first outer axis, so they write
                // disjoint elements: every store's position includes that axis's coordinate
                // with a non-zero stride.
                call_all(c.f, &ctx(std::ptr::null()), &self.ranges, 0, None);
            }
            Entry::Phases => {
                let mut phase_vals: Vec<[u8; 16]> = vec![[0; 16]; k.phases.len()];
                for (p, phase) in k.phases.iter().enumerate() {
                    if self.carried[p].is_some() {
                        // Run by the loop of an earlier reduce phase.
                        continue;
                    }
                    match *phase {
                        Phase::Reduce { .. } => {
                            // Each call writes one partial per phase of the kernel (the
                            // reductions carried by this one's loop write theirs too).
                            let slots = k.phases.len();
                            let mut partials = vec![[0u8; 16]; self.ranges.len() * slots];
                            let ctx = ctx(phase_vals.as_ptr());
                            call_all(c.f, &ctx, &self.ranges, p, Some((&mut partials, slots)));
                            for (q, phase) in k.phases.iter().enumerate() {
                                let Phase::Reduce { op, value } = *phase else {
                                    continue;
                                };
                                if q != p && self.carried[q] != Some(p) {
                                    continue;
                                }
                                let d = k.dtypes[value.0 as usize];
                                let column: Vec<[u8; 16]> =
                                    partials.iter().skip(q).step_by(slots).copied().collect();
                                phase_vals[q] = combine_partials(op, d, &column);
                            }
                        }
                        Phase::Store { over, .. } => {
                            let whole = [(0, self.ranges.last().map_or(0, |r| r.1))];
                            let ranges = match over {
                                Over::All => &self.ranges[..],
                                Over::Outer => &whole[..],
                            };
                            call_all(c.f, &ctx(phase_vals.as_ptr()), ranges, p, None);
                        }
                    }
                }
            }
        }
        c.calls.fetch_add(1, Ordering::Relaxed);
        if let Some(t) = t {
            c.run_ns
                .fetch_add(t.elapsed().as_nanos() as u64, Ordering::Relaxed);
        }
    }
}

/// Whether kernel calls measure their run time (`KernelStats::run_s`): off unless
/// `time_kernels` turned it on (`arr run --stats` does).
static TIME_KERNELS: AtomicBool = AtomicBool::new(false);

/// Makes every kernel call of this process measure its run time, for `KernelStats::run_s`
/// (`arr run --stats`), or stop measuring. Off by default: the clock costs more than a small
/// kernel's work.
pub fn time_kernels(on: bool) {
    TIME_KERNELS.store(on, Ordering::Relaxed);
}

/// `0..extent` in `chunks` consecutive ranges.
fn split(extent: usize, chunks: usize) -> Vec<(usize, usize)> {
    (0..chunks)
        .map(|i| (i * extent / chunks, (i + 1) * extent / chunks))
        .collect()
}

/// Calls `f` once per range, in parallel when there are several; reduce phases write their
/// partial results for range `i` into `partials.0[i * partials.1..]` (one slot per phase).
fn call_all(
    f: KernelFn,
    ctx: &CallCtx,
    ranges: &[(usize, usize)],
    phase: usize,
    partials: Option<(&mut [[u8; 16]], usize)>,
) {
    let shared = SendCtx(ctx);
    let call = |ctx: &SendCtx, (start, end): (usize, usize), out: *mut [u8; 16]| {
        // SAFETY: `f` was compiled from a kernel with the structure of the one `ctx` describes
        // (its buffer table in that kernel's `Kernel::buffers` order),
        // whose loads and stores stay inside the buffers of the verified schedule
        // (`kernel::verify_schedule` checks every index map against the buffer sizes); every
        // buffer it touches is allocated or was written by an earlier step, and `ctx`'s arrays
        // outlive the call. Concurrent calls write disjoint elements (see the callers) and
        // disjoint partial slots.
        unsafe { f(ctx.0, start as i64, end as i64, phase as i64, out) };
    };
    let mut scratch = [[0u8; 16]];
    let (partials, slots) = match partials {
        Some((p, slots)) => {
            assert_eq!(p.len(), ranges.len() * slots, "one set of slots per range");
            (p, slots)
        }
        // Store phases write no partial.
        None => (&mut scratch[..], 0),
    };
    if ranges.len() == 1 {
        call(&shared, ranges[0], partials.as_mut_ptr());
        return;
    }
    let base = partials.as_mut_ptr();
    // SAFETY: with slots > 0, `i * slots` is inside `partials` for every range index `i`
    // (checked above); with 0 every call gets the scratch slot, which it does not write.
    let outs: Vec<SendOut> = (0..ranges.len())
        .map(|i| SendOut(unsafe { base.add(i * slots) }))
        .collect();
    ranges
        .par_iter()
        .zip(outs.par_iter())
        .for_each(|(&r, out)| call(&shared, r, out.0));
}

/// The addresses a kernel call reads, shared by the threads of one call.
struct SendCtx<'a>(&'a CallCtx);
// SAFETY: the addresses are only dereferenced by compiled code that writes disjoint elements
// (see `run_compiled`), while the buffers outlive the parallel loop.
unsafe impl Sync for SendCtx<'_> {}

/// Where one call writes its partial result.
struct SendOut(*mut [u8; 16]);
// SAFETY: each partial slot is written by exactly one call (or not at all, by store phases).
unsafe impl Sync for SendOut {}
// SAFETY: as above; the slot outlives the parallel loop.
unsafe impl Send for SendOut {}

/// Combines the partial results of a reduction (in the accumulator's dtype) in order, and
/// returns the result in the reduced values' dtype `d`, as a phase slot.
fn combine_partials(op: ReduceOp, d: DType, partials: &[[u8; 16]]) -> [u8; 16] {
    let acc = acc_dtype(op, d);
    let mut out = [0u8; 16];
    match acc {
        DType::F64 => {
            let xs = partials
                .iter()
                .map(|p| f64::from_ne_bytes(p[..8].try_into().unwrap()));
            let r = xs.reduce(|a, b| fold_float(op, a, b)).unwrap_or(0.0);
            if d == DType::F32 {
                out[..4].copy_from_slice(&(r as f32).to_ne_bytes());
            } else {
                out[..8].copy_from_slice(&r.to_ne_bytes());
            }
        }
        DType::F32 => {
            let xs = partials
                .iter()
                .map(|p| f32::from_ne_bytes(p[..4].try_into().unwrap()));
            let r = xs
                .map(f64::from)
                .reduce(|a, b| fold_float(op, a, b))
                .unwrap_or(0.0) as f32;
            out[..4].copy_from_slice(&r.to_ne_bytes());
        }
        DType::I64 => {
            let xs = partials
                .iter()
                .map(|p| i64::from_ne_bytes(p[..8].try_into().unwrap()));
            let r = xs.reduce(|a, b| fold_int(op, a, b)).unwrap_or(0);
            out[..8].copy_from_slice(&r.to_ne_bytes());
        }
        DType::I32 => {
            let xs = partials
                .iter()
                .map(|p| i32::from_ne_bytes(p[..4].try_into().unwrap()) as i64);
            let r = xs.reduce(|a, b| fold_int(op, a, b)).unwrap_or(0) as i32;
            out[..4].copy_from_slice(&r.to_ne_bytes());
        }
        DType::Bool => {
            let xs = partials.iter().map(|p| (p[0] & 1) as i64);
            out[0] = xs.reduce(|a, b| fold_int(op, a, b)).unwrap_or(0) as u8;
        }
        DType::C128 => {
            let part =
                |p: &[u8; 16], at: usize| f64::from_ne_bytes(p[at..at + 8].try_into().unwrap());
            let xs = partials
                .iter()
                .map(|p| Complex64::new(part(p, 0), part(p, 8)));
            let r = xs
                .reduce(|a, b| match op {
                    ReduceOp::Sum => a + b,
                    ReduceOp::Prod => a * b,
                    ReduceOp::Min | ReduceOp::Max => unreachable!("{op:?} of complex numbers"),
                })
                .unwrap_or_default();
            if d == DType::C64 {
                out[..4].copy_from_slice(&(r.re as f32).to_ne_bytes());
                out[4..8].copy_from_slice(&(r.im as f32).to_ne_bytes());
            } else {
                out[..8].copy_from_slice(&r.re.to_ne_bytes());
                out[8..].copy_from_slice(&r.im.to_ne_bytes());
            }
        }
        DType::C64 => unreachable!("c64 sums and products accumulate in c128"),
    }
    out
}

/// The compiled code's float fold (f32 partials of min and max are exact in f64).
fn fold_float(op: ReduceOp, a: f64, b: f64) -> f64 {
    match op {
        ReduceOp::Sum => a + b,
        ReduceOp::Prod => a * b,
        // NumPy's minimum and maximum: NaN wins, the first on ties.
        ReduceOp::Min => {
            if a <= b || a.is_nan() {
                a
            } else {
                b
            }
        }
        ReduceOp::Max => {
            if a >= b || a.is_nan() {
                a
            } else {
                b
            }
        }
    }
}

/// The compiled code's integer fold: wrapping arithmetic. (`i32` partials are widened and
/// narrowed back, which wraps the same way.)
fn fold_int(op: ReduceOp, a: i64, b: i64) -> i64 {
    match op {
        ReduceOp::Sum => a.wrapping_add(b),
        ReduceOp::Prod => a.wrapping_mul(b),
        ReduceOp::Min => a.min(b),
        ReduceOp::Max => a.max(b),
    }
}

/// The address of an array's first element, for writing.
fn data_ptr(a: &mut Array) -> *mut u8 {
    let data: &mut Data = a.data_mut();
    with_data!(data, v => v.as_mut_ptr() as *mut u8)
}

/// The address of an array's first element, for reading.
fn data_addr(a: &Array) -> *const u8 {
    with_data!(a.data(), v => v.as_ptr() as *const u8)
}

/// A parameter's value in its 16-byte slot, in the kernel's dtype.
pub fn slot(lit: Lit, d: DType) -> [u8; 16] {
    let mut out = [0u8; 16];
    let bytes: Vec<u8> = match lit.to_scalar(d) {
        Scalar::Bool(b) => vec![b as u8],
        Scalar::I32(x) => x.to_ne_bytes().to_vec(),
        Scalar::I64(x) => x.to_ne_bytes().to_vec(),
        Scalar::F32(x) => x.to_ne_bytes().to_vec(),
        Scalar::F64(x) => x.to_ne_bytes().to_vec(),
        Scalar::C64(z) => [z.re.to_ne_bytes(), z.im.to_ne_bytes()].concat(),
        Scalar::C128(z) => [z.re.to_ne_bytes(), z.im.to_ne_bytes()].concat(),
    };
    out[..bytes.len()].copy_from_slice(&bytes);
    out
}

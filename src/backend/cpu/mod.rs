//! The CPU backend: kernels compiled to machine code with Cranelift.
//!
//! `Cpu` owns a JIT module and a cache of compiled kernels. `run_schedule` runs a schedule:
//! kernels it can compile run as machine code, library calls run the runtime's kernels, and
//! the kernels it cannot compile yet (complex numbers) run on the reference evaluator.

mod helpers;
mod lower;
mod math;

use crate::ir::{Graph, Lit};
use crate::kernel::{BufKind, Kernel, Schedule, Step, eval_kernel, input_array, run_library};
use arrjit_runtime::{Array, DType, Data, Scalar, with_data};
use cranelift_codegen::ir::{AbiParam, InstBuilder, UserFuncName, types};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{Linkage, Module, default_libcall_names};
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::HashMap;

/// A compiled kernel: `fn(buffers, params, start, end)` runs the outer points whose first
/// outer coordinate is in `start..end` (all of a kernel without outer axes when `start < end`).
type KernelFn = unsafe extern "C" fn(*const *mut u8, *const [u8; 16], i64, i64);

/// Below this many points a kernel runs on the calling thread: splitting it costs more than it
/// saves.
const PARALLEL_MIN_POINTS: usize = 1 << 16;

/// The JIT and its kernel cache.
pub struct Cpu {
    module: JITModule,
    ctx: cranelift_codegen::Context,
    fctx: FunctionBuilderContext,
    /// Compiled kernels, or why a kernel cannot be compiled, by kernel.
    cache: HashMap<Kernel, Result<KernelFn, String>>,
    next_name: u32,
}

impl Cpu {
    /// A JIT for this machine's CPU.
    pub fn new() -> Result<Cpu, String> {
        let mut flags = settings::builder();
        let set = |f: &mut settings::Builder, k: &str, v: &str| {
            f.set(k, v)
                .map_err(|e| format!("cranelift setting {k}: {e}"))
        };
        set(&mut flags, "opt_level", "speed")?;
        set(&mut flags, "is_pic", "false")?;
        set(&mut flags, "use_colocated_libcalls", "false")?;
        let isa = cranelift_native::builder()
            .map_err(|e| format!("this CPU is not supported by Cranelift: {e}"))?
            .finish(settings::Flags::new(flags))
            .map_err(|e| format!("cannot configure Cranelift: {e}"))?;
        let mut builder = JITBuilder::with_isa(isa, default_libcall_names());
        for (name, ptr) in helpers::symbols() {
            builder.symbol(name, ptr);
        }
        let module = JITModule::new(builder);
        Ok(Cpu {
            ctx: module.make_context(),
            module,
            fctx: FunctionBuilderContext::new(),
            cache: HashMap::new(),
            next_name: 0,
        })
    }

    /// How many distinct kernels have been compiled.
    pub fn compiled_kernels(&self) -> usize {
        self.cache.values().filter(|r| r.is_ok()).count()
    }

    /// The compiled form of `k` (compiling it on first use), or why it cannot be compiled.
    /// Constants are read from parameter slots at run time, so kernels that differ only in
    /// their constants' values share one compiled function.
    fn compiled(&mut self, k: &Kernel) -> Result<KernelFn, String> {
        let mut key = k.clone();
        for (lit, _) in &mut key.params {
            *lit = Lit::Int(0);
        }
        if let Some(r) = self.cache.get(&key) {
            return r.clone();
        }
        let r = self.compile(k);
        self.cache.insert(key, r.clone());
        r
    }

    /// Builds `k`'s function into the context, declared under a fresh name.
    fn build(&mut self, k: &Kernel) -> Result<cranelift_module::FuncId, String> {
        lower::check(k)?;
        let ptr = types::I64;
        let mut sig = self.module.make_signature();
        for _ in 0..4 {
            sig.params.push(AbiParam::new(ptr));
        }
        let name = format!("kernel{}", self.next_name);
        self.next_name += 1;
        let id = self
            .module
            .declare_function(&name, Linkage::Local, &sig)
            .map_err(|e| e.to_string())?;
        self.ctx.func.signature = sig;
        self.ctx.func.name = UserFuncName::user(0, id.as_u32());
        let mut b = FunctionBuilder::new(&mut self.ctx.func, &mut self.fctx);
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        b.seal_block(entry);
        let p = b.block_params(entry).to_vec();
        lower::Emitter::new(&mut b, &mut self.module, k, p[0], p[1], (p[2], p[3])).emit();
        b.ins().return_(&[]);
        b.finalize(self.module.target_config());
        Ok(id)
    }

    /// The Cranelift IR of `k`, as text (`arr ir --stage clif`), or why it is not compiled.
    pub fn clif_text(&mut self, k: &Kernel) -> Result<String, String> {
        let built = self.build(k).map(|_| self.ctx.func.display().to_string());
        self.module.clear_context(&mut self.ctx);
        built
    }

    fn compile(&mut self, k: &Kernel) -> Result<KernelFn, String> {
        let id = self.build(k);
        let id = match id {
            Ok(id) => id,
            Err(e) => {
                self.module.clear_context(&mut self.ctx);
                return Err(e);
            }
        };
        let defined = self.module.define_function(id, &mut self.ctx);
        self.module.clear_context(&mut self.ctx);
        defined.map_err(|e| format!("cranelift: {e:?}"))?;
        self.module
            .finalize_definitions()
            .map_err(|e| format!("cranelift: {e}"))?;
        let code = self.module.get_finalized_function(id);
        // SAFETY: the function was defined with exactly this signature (two pointer arguments,
        // no result) and its code stays mapped as long as the module lives, which is as long as
        // the cache that holds the pointer.
        Ok(unsafe { std::mem::transmute::<*const u8, KernelFn>(code) })
    }

    /// Runs `schedule`; returns the values of its outputs, in order.
    ///
    /// Panics if the schedule breaks the invariants of `kernel::verify_schedule` (a bug in
    /// fusion): compiled code trusts them to stay inside its buffers.
    pub fn run_schedule(
        &mut self,
        schedule: &Schedule,
        graph: &Graph,
        params: &[Array],
    ) -> Vec<Array> {
        if let Err(e) = crate::kernel::verify_schedule(schedule) {
            panic!("refusing to run an invalid schedule: {e}");
        }
        // Inputs are borrowed, not copied: kernels never write them.
        let mut bufs: Vec<Option<Cow<Array>>> = schedule
            .buffers
            .iter()
            .map(|b| match b.kind {
                BufKind::Input(node) => Some(Cow::Borrowed(input_array(graph, node, params))),
                BufKind::Computed => None,
            })
            .collect();
        for step in &schedule.steps {
            match step {
                Step::Kernel(k) => match self.compiled(k) {
                    Ok(f) => run_compiled(f, k, schedule, &mut bufs),
                    Err(_) => {
                        // The reference evaluator works on owned arrays: copy what it reads.
                        let mut owned: Vec<Option<Array>> = vec![None; bufs.len()];
                        for r in k.reads() {
                            owned[r.0 as usize] = bufs[r.0 as usize].as_deref().cloned();
                        }
                        eval_kernel(k, &schedule.buffers, &mut owned);
                        for w in k.writes() {
                            bufs[w.0 as usize] = owned[w.0 as usize].take().map(Cow::Owned);
                        }
                    }
                },
                Step::Library(call) => {
                    let inputs: Vec<&Array> = call
                        .inputs
                        .iter()
                        .map(|b| bufs[b.0 as usize].as_deref().expect("input computed"))
                        .collect();
                    let value = run_library(call, schedule, graph, &inputs, params);
                    bufs[call.output.0 as usize] = Some(Cow::Owned(value));
                }
            }
        }
        schedule
            .outputs
            .iter()
            .map(|(_, b)| {
                bufs[b.0 as usize]
                    .clone()
                    .expect("output computed")
                    .into_owned()
            })
            .collect()
    }
}

/// Allocates the kernel's outputs, passes every buffer's address, and calls the code.
fn run_compiled(f: KernelFn, k: &Kernel, schedule: &Schedule, bufs: &mut [Option<Cow<Array>>]) {
    for w in k.writes() {
        let b = &schedule.buffers[w.0 as usize];
        bufs[w.0 as usize] = Some(Cow::Owned(Array::zeros(b.dtype, b.shape.clone())));
    }
    let mut params: Vec<[u8; 16]> = k.params.iter().map(|(lit, d)| slot(*lit, *d)).collect();
    params.push([0; 16]);
    let writes = k.writes();
    let mut pointers: Vec<*mut u8> = Vec::with_capacity(bufs.len());
    for (i, b) in bufs.iter_mut().enumerate() {
        pointers.push(match b {
            // Written buffers are owned (allocated just above); read-only ones may be borrowed.
            Some(Cow::Owned(a)) if writes.contains(&crate::kernel::BufId(i as u32)) => data_ptr(a),
            Some(a) => data_addr(a.as_ref()) as *mut u8,
            None => std::ptr::null_mut(),
        });
    }
    // The first outer axis is split across threads when the kernel is large. Each outer point
    // is computed by exactly one call, whole (its reductions included), so the result is the
    // same bits however it is split.
    let first_outer = (0..k.space.len()).find(|a| !k.inner.contains(a));
    let extent = first_outer.map_or(1, |a| k.space[a]);
    let points: usize = k.space.iter().product();
    let chunks = if points >= PARALLEL_MIN_POINTS && extent > 1 {
        (rayon::current_num_threads() * 4).min(extent)
    } else {
        1
    };
    let shared = SendPtrs(&pointers);
    let params = &params;
    let call = |ptrs: &SendPtrs, start: usize, end: usize| {
        // SAFETY: `f` was compiled from `k`, whose loads and stores stay inside the buffers of
        // the verified schedule (`kernel::verify_schedule` checks every index map against the
        // buffer sizes); every buffer it touches is allocated above or was written by an earlier
        // step, and the addresses and `params` outlive the call. Concurrent calls cover disjoint
        // ranges of the first outer axis, so they write disjoint elements: every store's
        // position includes that axis's coordinate with a non-zero stride.
        unsafe { f(ptrs.0.as_ptr(), params.as_ptr(), start as i64, end as i64) };
    };
    if chunks == 1 {
        call(&shared, 0, extent);
    } else {
        (0..chunks).into_par_iter().for_each(|c| {
            call(&shared, c * extent / chunks, (c + 1) * extent / chunks);
        });
    }
}

/// Raw buffer addresses shared by the threads of one kernel call.
struct SendPtrs<'a>(&'a [*mut u8]);
// SAFETY: the addresses are only dereferenced by compiled code that writes disjoint elements
// (see `run_compiled`), while the buffers outlive the parallel loop.
unsafe impl Sync for SendPtrs<'_> {}

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
fn slot(lit: Lit, d: DType) -> [u8; 16] {
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

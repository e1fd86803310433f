//! The CPU backend: kernels compiled to machine code with Cranelift.
//!
//! `Cpu` owns a JIT module and a cache of compiled kernels keyed by structure
//! (`kernel::structure_key`): kernels that differ only in sizes, offsets, strides, seeds or
//! constant values share one compiled function, which reads those numbers at run time.
//! `run_schedule` runs a schedule: kernels run as machine code, library calls run the
//! runtime's kernels, and kernels it cannot compile (none today: `lower::check` accepts every
//! kernel fusion builds) run on the reference evaluator.

mod complex;
mod helpers;
mod lower;
mod math;
mod ops;
mod reuse;
mod run;
mod vector;

pub use reuse::{Reuse, reuses};
pub use run::{slot, time_kernels};

use crate::kernel::{
    BufId, BufKind, Kernel, Schedule, Step, VerifiedSchedule, eval_kernel, run_library,
    structure_key,
};
use crate::limits::{Deadline, Stop};
use arrjit_runtime::Array;
use cranelift_codegen::ir::{AbiParam, UserFuncName, types};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{Linkage, Module, default_libcall_names};
use lower::{Entry, KernelFn};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// A compiled kernel and what it has cost so far.
pub struct Compiled {
    f: KernelFn,
    entry: Entry,
    /// The name it was compiled under (`kernel3`), for statistics.
    name: String,
    /// One line describing the kernel's structure, for statistics.
    summary: String,
    compile_s: f64,
    calls: AtomicU64,
    run_ns: AtomicU64,
    hits: AtomicU64,
}

/// What one compiled kernel has cost: `arr run --stats` prints these.
#[derive(Clone, Debug)]
pub struct KernelStats {
    pub name: String,
    pub summary: String,
    pub compile_s: f64,
    pub calls: u64,
    /// Measured only while `time_kernels` is on (`arr run --stats` turns it on); else 0.
    pub run_s: f64,
    /// Kernels found in the cache instead of compiled.
    pub hits: u64,
}

/// The JIT and its kernel cache.
pub struct Cpu {
    module: JITModule,
    ctx: cranelift_codegen::Context,
    fctx: FunctionBuilderContext,
    /// Compiled kernels, or why a kernel cannot be compiled, by structure.
    cache: HashMap<Kernel, Result<Arc<Compiled>, String>>,
    /// In compilation order, for statistics.
    order: Vec<Arc<Compiled>>,
    compile_s: f64,
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
            order: Vec::new(),
            compile_s: 0.0,
            next_name: 0,
        })
    }

    /// How many distinct kernels have been compiled.
    pub fn compiled_kernels(&self) -> usize {
        self.order.len()
    }

    /// What each compiled kernel has cost, in compilation order.
    pub fn stats(&self) -> Vec<KernelStats> {
        self.order
            .iter()
            .map(|c| KernelStats {
                name: c.name.clone(),
                summary: c.summary.clone(),
                compile_s: c.compile_s,
                calls: c.calls.load(Ordering::Relaxed),
                run_s: c.run_ns.load(Ordering::Relaxed) as f64 * 1e-9,
                hits: c.hits.load(Ordering::Relaxed),
            })
            .collect()
    }

    /// Seconds spent compiling kernels since this JIT was made (cache hits cost nothing here);
    /// take differences to time one step.
    pub fn compile_seconds(&self) -> f64 {
        self.compile_s
    }

    /// The compiled form of `k` (compiling it on first use), or why it cannot be compiled.
    pub fn compiled(&mut self, k: &Kernel) -> Result<Arc<Compiled>, String> {
        let key = structure_key(k);
        if let Some(r) = self.cache.get(&key) {
            if let Ok(c) = r {
                c.hits.fetch_add(1, Ordering::Relaxed);
            }
            return r.clone();
        }
        let t = Instant::now();
        let r = self.compile(&key).map(|(f, name)| {
            let compiled = Arc::new(Compiled {
                f,
                entry: lower::entry(&key),
                name,
                summary: summary(&key),
                compile_s: t.elapsed().as_secs_f64(),
                calls: AtomicU64::new(0),
                run_ns: AtomicU64::new(0),
                hits: AtomicU64::new(0),
            });
            self.order.push(compiled.clone());
            compiled
        });
        self.compile_s += t.elapsed().as_secs_f64();
        self.cache.insert(key, r.clone());
        r
    }

    /// Builds `k`'s function into the context, declared under a fresh name.
    fn build(&mut self, k: &Kernel) -> Result<(cranelift_module::FuncId, String), String> {
        lower::check(k)?;
        let ptr = types::I64;
        let mut sig = self.module.make_signature();
        for _ in 0..5 {
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
        let args = b.block_params(entry).to_vec();
        lower::Emitter::new(&mut b, &mut self.module, k, &args).emit();
        cranelift_codegen::ir::InstBuilder::return_(b.ins(), &[]);
        b.finalize(self.module.target_config());
        Ok((id, name))
    }

    /// The Cranelift IR of `k`, as text (`arr ir --stage clif`), or why it is not compiled.
    pub fn clif_text(&mut self, k: &Kernel) -> Result<String, String> {
        let built = self
            .build(&structure_key(k))
            .map(|_| self.ctx.func.display().to_string());
        self.module.clear_context(&mut self.ctx);
        built
    }

    fn compile(&mut self, k: &Kernel) -> Result<(KernelFn, String), String> {
        let (id, name) = match self.build(k) {
            Ok(built) => built,
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
        // SAFETY: the function was defined with exactly this signature (five 64-bit arguments,
        // no result) and its code stays mapped as long as the module lives, which is as long as
        // the `Cpu`; `Compiled` values are only called through `run_schedule` while it lives.
        let f = unsafe { std::mem::transmute::<*const u8, KernelFn>(code) };
        Ok((f, name))
    }

    /// Compiles every kernel of `schedule` (or finds it in the cache) and returns the schedule
    /// ready to run. Compiled code trusts the schedule's bounds, which is why it must be a
    /// verified one.
    pub fn prepare(&mut self, schedule: VerifiedSchedule) -> Prepared {
        self.prepare_until(schedule, Deadline::NONE)
            .expect("no deadline to miss")
    }

    /// Like `prepare`, stopping before the next kernel's compilation once `deadline` has
    /// passed (fusion bounds a kernel's size, so one compilation takes milliseconds).
    pub fn prepare_until(
        &mut self,
        schedule: VerifiedSchedule,
        deadline: Deadline,
    ) -> Result<Prepared, Stop> {
        let mut steps = Vec::with_capacity(schedule.steps.len());
        for step in &schedule.steps {
            deadline.check()?;
            steps.push(match step {
                Step::Kernel(k) => match self.compiled(k) {
                    Ok(c) => PreparedStep::Compiled(Box::new(run::Call::new(c, k))),
                    Err(_) => PreparedStep::Evaluate,
                },
                Step::Library(_) => PreparedStep::Library,
            });
        }
        let free_after = crate::kernel::free_after(&schedule);
        Ok(Prepared {
            schedule,
            steps,
            free_after,
        })
    }

    /// Runs `schedule`; returns the values of its outputs, in order. `params` binds the graph's
    /// `Param` nodes.
    pub fn run_schedule(
        &mut self,
        schedule: &VerifiedSchedule,
        graph: &crate::ir::Graph,
        params: &[Array],
    ) -> Vec<Array> {
        let prepared = self.prepare(schedule.clone());
        let params: Vec<&Array> = params.iter().collect();
        prepared.run(graph, &params)
    }
}

/// How one step of a prepared schedule runs.
enum PreparedStep {
    Compiled(Box<run::Call>),
    /// On the reference evaluator (a kernel that cannot be compiled yet).
    Evaluate,
    Library,
}

/// A verified schedule whose kernels are compiled: running it compiles nothing and needs no
/// access to the `Cpu`, so it may run on many threads at once. The compiled code lives as long
/// as the `Cpu` that prepared it, which must outlive every run.
pub struct Prepared {
    schedule: VerifiedSchedule,
    steps: Vec<PreparedStep>,
    /// The buffers no step after this one reads (and that are not outputs).
    free_after: Vec<Vec<BufId>>,
}

impl Prepared {
    pub fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    /// Runs the schedule; returns the values of its outputs, in order. `params` binds the
    /// graph's `Param` nodes.
    ///
    /// Panics if an input does not have the dtype and shape the schedule was made for.
    pub fn run(&self, graph: &crate::ir::Graph, params: &[&Array]) -> Vec<Array> {
        self.run_until(graph, params, Deadline::NONE)
            .expect("no deadline to miss")
    }

    /// Like `run`, stopping between steps once `deadline` has passed.
    pub fn run_until(
        &self,
        graph: &crate::ir::Graph,
        params: &[&Array],
        deadline: Deadline,
    ) -> Result<Vec<Array>, Stop> {
        let schedule = &self.schedule;
        // Inputs are borrowed, not copied: kernels never write them.
        let mut bufs: Vec<Option<Cow<Array>>> = schedule
            .buffers
            .iter()
            .map(|b| match b.kind {
                BufKind::Input(node) => {
                    let a = match graph.node(node).op {
                        crate::ir::Op::Source(i) => graph.source(i),
                        crate::ir::Op::Param(i) => params[i as usize],
                        ref other => panic!("input buffer of a {other:?} node"),
                    };
                    b.check_input(a);
                    Some(Cow::Borrowed(a))
                }
                BufKind::Computed => None,
            })
            .collect();
        for ((step, how), free) in schedule.steps.iter().zip(&self.steps).zip(&self.free_after) {
            deadline.check()?;
            match (step, how) {
                (Step::Kernel(_), PreparedStep::Compiled(call)) => call.run(schedule, &mut bufs),
                (Step::Kernel(k), _) => {
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
                (Step::Library(call), _) => {
                    let inputs: Vec<&Array> = call
                        .inputs
                        .iter()
                        .map(|b| bufs[b.0 as usize].as_deref().expect("input computed"))
                        .collect();
                    let value = run_library(call, schedule, graph, &inputs, &[]);
                    bufs[call.output.0 as usize] = Some(Cow::Owned(value));
                }
            }
            for b in free {
                if let Some(Cow::Owned(a)) = bufs[b.0 as usize].take() {
                    arrjit_runtime::recycle(a);
                }
            }
        }
        let mut result = Vec::with_capacity(schedule.outputs.len());
        for (i, (_, b)) in schedule.outputs.iter().enumerate() {
            // The last use of a buffer moves it out; earlier ones copy.
            let last = !schedule.outputs[i + 1..].iter().any(|(_, c)| c == b);
            let value = if last {
                bufs[b.0 as usize].take()
            } else {
                bufs[b.0 as usize].clone()
            };
            result.push(value.expect("output computed").into_owned());
        }
        Ok(result)
    }
}

/// The statistics as a table, one kernel per line, and a total.
pub fn format_stats(stats: &[KernelStats]) -> String {
    fn ms(s: f64) -> String {
        format!("{:.3} ms", s * 1e3)
    }
    let mut out = format!(
        "{:<10} {:>12} {:>8} {:>12} {:>8}  structure\n",
        "kernel", "compile", "calls", "run", "hits"
    );
    for s in stats {
        out += &format!(
            "{:<10} {:>12} {:>8} {:>12} {:>8}  {}\n",
            s.name,
            ms(s.compile_s),
            s.calls,
            ms(s.run_s),
            s.hits,
            s.summary
        );
    }
    let total = |f: fn(&KernelStats) -> f64| stats.iter().map(f).sum::<f64>();
    out += &format!(
        "{:<10} {:>12} {:>8} {:>12} {:>8}  {} kernels compiled\n",
        "total",
        ms(total(|s| s.compile_s)),
        stats.iter().map(|s| s.calls).sum::<u64>(),
        ms(total(|s| s.run_s)),
        stats.iter().map(|s| s.hits).sum::<u64>(),
        stats.len()
    );
    out
}

/// One line about a kernel's structure: its rank, inner axes, phases and lanes.
fn summary(k: &Kernel) -> String {
    let phases: Vec<String> = k
        .phases
        .iter()
        .map(|p| match p {
            crate::kernel::Phase::Reduce { op, .. } => format!("{op:?}").to_lowercase(),
            crate::kernel::Phase::Store { over, .. } => match over {
                crate::kernel::Over::All => "store".to_string(),
                crate::kernel::Over::Outer => "store-outer".to_string(),
            },
        })
        .collect();
    let dtypes: std::collections::BTreeSet<String> =
        k.dtypes.iter().map(|d| d.to_string()).collect();
    format!(
        "rank {} inner {:?}, {} exprs [{}], {}, {} lanes",
        k.space.len(),
        k.inner,
        k.exprs.len(),
        dtypes.into_iter().collect::<Vec<_>>().join(" "),
        phases.join(" → "),
        lower::lane_count(k),
    )
}

//! What evaluates the graph when a script needs a value: the reference interpreter, or fused
//! or unfused kernels compiled for the CPU or a CUDA device.

use crate::backend::Device;
use crate::backend::cpu::{Cpu, Prepared};
use crate::backend::cuda::exec::{Gpu, GpuPlan, GpuStats};
use crate::ir::interp::Evaluator;
use crate::ir::{Graph, NodeId};
use crate::limits::{Deadline, Stop};
use crate::passes::fuse::{Fusion, fuse, fuse_until};
use crate::program::Program;
use arrjit_runtime::Array;
use std::collections::HashMap;
use std::rc::Rc;

/// How a script's arrays are computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// The reference interpreter, one primitive at a time.
    Interp,
    /// Kernels fused as far as possible, compiled with Cranelift.
    Fused,
    /// One compiled kernel per primitive, every intermediate materialised (NumPy's model).
    Unfused,
}

impl Engine {
    /// Every engine, in the order `arr bench` reports them.
    pub const ALL: [Engine; 3] = [Engine::Fused, Engine::Unfused, Engine::Interp];

    /// The name the command line uses (`--mode fused`).
    pub fn name(self) -> &'static str {
        match self {
            Engine::Interp => "interp",
            Engine::Fused => "fused",
            Engine::Unfused => "unfused",
        }
    }

    /// How the compiled engines group primitives into kernels (the interpreter builds no
    /// kernels; it gets `Fused`, which nothing reads).
    pub fn fusion(self) -> Fusion {
        match self {
            Engine::Unfused => Fusion::Unfused,
            Engine::Fused | Engine::Interp => Fusion::Fused,
        }
    }

    /// The engine called `name` on the command line.
    pub fn from_name(name: &str) -> Option<Engine> {
        Engine::ALL.into_iter().find(|e| e.name() == name)
    }
}

pub(crate) enum Executor {
    Interp(Evaluator),
    Jit {
        fusion: Fusion,
        cpu: Box<Cpu>,
        /// Values computed for the current graph.
        values: HashMap<NodeId, Rc<Array>>,
        /// Compiled schedules by the nodes they compute, for the current graph: the graph only
        /// grows, so a node keeps its meaning until the graph is replaced, and evaluating the
        /// same nodes again (a `bench` block's runs) skips fusion.
        plans: HashMap<Vec<NodeId>, Rc<Prepared>>,
    },
    /// Kernels on a CUDA device: like `Jit`, with the arrays of a graph kept on the device
    /// between evaluations.
    Gpu {
        /// `Fused` or `Unfused`.
        engine: Engine,
        gpu: Box<Gpu>,
        values: HashMap<NodeId, Rc<Array>>,
        plans: HashMap<Vec<NodeId>, Rc<GpuPlan>>,
        /// After a device error: the error, and the CPU executor that computes every later
        /// value (the script goes on with correct values and fails at its end).
        failed: Option<(String, Box<Executor>)>,
    },
}

/// The nodes of `nodes` without a value yet, sorted, once each.
fn missing(nodes: &[NodeId], values: &HashMap<NodeId, Rc<Array>>) -> Vec<NodeId> {
    let mut missing: Vec<NodeId> = nodes
        .iter()
        .copied()
        .filter(|n| !values.contains_key(n))
        .collect();
    missing.sort();
    missing.dedup();
    missing
}

/// The GPU plan that computes `nodes` (sorted, once each), fused and compiled on first use.
fn gpu_plan(
    gpu: &mut Gpu,
    plans: &mut HashMap<Vec<NodeId>, Rc<GpuPlan>>,
    graph: &Graph,
    nodes: &[NodeId],
    fusion: Fusion,
) -> Result<Rc<GpuPlan>, String> {
    if let Some(p) = plans.get(nodes) {
        return Ok(p.clone());
    }
    let plan = Rc::new(gpu.prepare(fuse(graph, nodes, fusion))?);
    plans.insert(nodes.to_vec(), plan.clone());
    Ok(plan)
}

impl Executor {
    /// `engine` on `device`. The interpreter always runs on the CPU: it is the reference.
    pub fn on(engine: Engine, device: Device) -> Result<Executor, String> {
        if device == Device::Cpu || engine == Engine::Interp {
            return Executor::new(engine);
        }
        Ok(Executor::Gpu {
            engine,
            gpu: Box::new(Gpu::new(crate::backend::cuda::open(device)?)),
            values: HashMap::new(),
            plans: HashMap::new(),
            failed: None,
        })
    }

    pub fn new(engine: Engine) -> Result<Executor, String> {
        if engine == Engine::Interp {
            return Ok(Executor::Interp(Evaluator::new()));
        }
        Ok(Executor::Jit {
            fusion: engine.fusion(),
            cpu: Box::new(Cpu::new()?),
            values: HashMap::new(),
            plans: HashMap::new(),
        })
    }

    /// The values of `nodes`. The interpreter keeps only the intermediates `keep` names; the
    /// compiled engines keep the values they were asked for. Stops between steps (between
    /// kernel launches on a GPU: before and after the run) once `deadline` has passed.
    pub fn values(
        &mut self,
        graph: &Graph,
        nodes: &[NodeId],
        keep: impl Fn(NodeId) -> bool,
        deadline: Deadline,
    ) -> Result<Vec<Rc<Array>>, Stop> {
        match self {
            Executor::Interp(ev) => nodes
                .iter()
                .map(|&n| ev.eval_until(graph, n, &keep, deadline))
                .collect(),
            Executor::Jit {
                fusion,
                cpu,
                values,
                plans,
            } => {
                let missing = missing(nodes, values);
                if !missing.is_empty() {
                    let plan = match plans.get(&missing) {
                        Some(plan) => plan.clone(),
                        None => {
                            // Fusing and compiling count against the time limit as well.
                            let schedule = fuse_until(graph, &missing, *fusion, deadline)?;
                            let plan = Rc::new(cpu.prepare_until(schedule, deadline)?);
                            plans.insert(missing.clone(), plan.clone());
                            plan
                        }
                    };
                    let results = plan.run_until(graph, &[], deadline)?;
                    for (n, v) in missing.into_iter().zip(results) {
                        values.insert(n, Rc::new(v));
                    }
                }
                Ok(nodes.iter().map(|n| values[n].clone()).collect())
            }
            Executor::Gpu {
                engine,
                gpu,
                values,
                plans,
                failed,
            } => {
                if let Some((_, cpu)) = failed {
                    return cpu.values(graph, nodes, keep, deadline);
                }
                let missing = missing(nodes, values);
                if !missing.is_empty() {
                    deadline.check()?;
                    let plan = gpu_plan(gpu, plans, graph, &missing, engine.fusion());
                    deadline.check()?;
                    let results = plan.and_then(|plan| gpu.run_keeping(&plan, graph, &[]));
                    match results {
                        Ok(results) => {
                            for (n, v) in missing.into_iter().zip(results) {
                                values.insert(n, Rc::new(v));
                            }
                        }
                        Err(why) => {
                            let mut cpu = cpu_fallback(*engine);
                            let out = cpu.values(graph, nodes, keep, deadline);
                            *failed = Some((why, cpu));
                            return out;
                        }
                    }
                    deadline.check()?;
                }
                Ok(nodes.iter().map(|n| values[n].clone()).collect())
            }
        }
    }

    /// `roots` of `graph` (a traced block whose leaves are `Param` nodes) as a `Program` for
    /// this engine, or `None` where programs are not made yet (on a GPU, where the script's
    /// arrays stay on the device between evaluations).
    pub fn program(
        &mut self,
        graph: Graph,
        roots: Vec<NodeId>,
        deadline: Deadline,
    ) -> Result<Option<Program>, Stop> {
        match self {
            Executor::Interp(_) => Ok(Some(Program::interpreted(graph, roots))),
            Executor::Jit { fusion, cpu, .. } => {
                Program::compiled(cpu, *fusion, graph, roots, deadline).map(Some)
            }
            Executor::Gpu { .. } => Ok(None),
        }
    }

    /// Whether `program` makes programs (see there).
    pub fn makes_programs(&self) -> bool {
        !matches!(self, Executor::Gpu { .. })
    }

    /// Keeps the device copy of node `old`'s value (if any) as source `source` of the graph
    /// that replaces the current one (see `Gpu::carry`); nothing off the GPU.
    pub fn carry(&mut self, old: NodeId, old_source: Option<u32>, source: u32) {
        if let Executor::Gpu { gpu, .. } = self {
            gpu.carry(old, old_source, source);
        }
    }

    /// Computes `nodes` without handing their values back: on a GPU they are computed on the
    /// device and not copied to the host (a `bench` block's results), and the work may still
    /// be running when this returns (`finish` waits for it).
    pub fn evaluate(&mut self, graph: &Graph, nodes: &[NodeId]) {
        if let Executor::Gpu {
            engine,
            gpu,
            plans,
            failed: None,
            ..
        } = self
        {
            let mut key: Vec<NodeId> = nodes.to_vec();
            key.sort();
            key.dedup();
            let done = gpu_plan(gpu, plans, graph, &key, engine.fusion())
                .and_then(|plan| gpu.compute(&plan, graph, &[]));
            if done.is_ok() {
                return;
            }
        }
        // Elsewhere, or after a device error (which `values` records): the values, dropped.
        let no_deadline = self.values(graph, nodes, |_| false, Deadline::NONE);
        drop(no_deadline.expect("no deadline to miss"));
    }

    /// Waits for the work `evaluate` started on a GPU (nothing elsewhere). A device error
    /// found here is recorded like one found while computing values: later values come from
    /// the CPU, and `device_error` says why.
    pub fn finish(&mut self) {
        if let Executor::Gpu {
            engine,
            gpu,
            failed: failed @ None,
            ..
        } = self
            && let Err(why) = gpu.finish()
        {
            *failed = Some((why, cpu_fallback(*engine)));
        }
    }

    /// The first device error, if the device failed (values were then computed on the CPU).
    pub fn device_error(&self) -> Option<&str> {
        match self {
            Executor::Gpu {
                failed: Some((why, _)),
                ..
            } => Some(why),
            _ => None,
        }
    }

    /// On a GPU, whether runs measure their kernels' device time (see
    /// `Gpu::set_kernel_timing`); nothing elsewhere.
    pub fn set_kernel_timing(&mut self, on: bool) {
        if let Executor::Gpu { gpu, .. } = self {
            gpu.set_kernel_timing(on);
        }
    }

    /// Device time and transfers so far (`None` off the GPU).
    pub fn gpu_stats(&self) -> Option<GpuStats> {
        match self {
            Executor::Gpu { gpu, .. } => Some(gpu.stats()),
            _ => None,
        }
    }

    /// What each compiled kernel has cost so far (nothing for the interpreter).
    pub fn kernel_stats(&self) -> Vec<crate::backend::cpu::KernelStats> {
        match self {
            Executor::Interp(_) => Vec::new(),
            Executor::Jit { cpu, .. } => cpu.stats(),
            Executor::Gpu { .. } => Vec::new(),
        }
    }

    /// Seconds spent compiling kernels so far (none for the interpreter); take differences to
    /// time one evaluation.
    pub fn compile_seconds(&self) -> f64 {
        match self {
            Executor::Interp(_) => 0.0,
            Executor::Jit { cpu, .. } => cpu.compile_seconds(),
            Executor::Gpu { gpu, .. } => gpu.stats().compile_s,
        }
    }

    /// Forgets values and schedules computed for a graph that is being replaced (compiled
    /// kernels stay).
    pub fn new_graph(&mut self) {
        match self {
            Executor::Jit { plans, .. } => plans.clear(),
            Executor::Gpu {
                plans, gpu, failed, ..
            } => {
                plans.clear();
                gpu.new_graph();
                if let Some((_, cpu)) = failed {
                    cpu.new_graph();
                }
            }
            Executor::Interp(_) => {}
        }
        self.forget_values();
    }

    /// Forgets the values computed so far, keeping the schedules: for a graph that stays (it
    /// may grow).
    pub fn forget_values(&mut self) {
        match self {
            Executor::Interp(ev) => *ev = Evaluator::new(),
            Executor::Jit { values, .. } | Executor::Gpu { values, .. } => {
                // Arrays nobody else holds go back to the pool, for the next graph's kernels.
                for (_, v) in values.drain() {
                    if let Ok(a) = Rc::try_unwrap(v) {
                        arrjit_runtime::recycle(a);
                    }
                }
                if let Executor::Gpu { gpu, failed, .. } = self {
                    gpu.forget_kept();
                    if let Some((_, cpu)) = failed {
                        cpu.forget_values();
                    }
                }
            }
        }
    }
}

/// The CPU executor that takes over from a failed device: `engine` on the CPU, else the
/// interpreter.
fn cpu_fallback(engine: Engine) -> Box<Executor> {
    Box::new(Executor::new(engine).unwrap_or(Executor::Interp(Evaluator::new())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Op, Type, UnaryOp};
    use arrjit_runtime::DType;

    /// Runs on a GPU measure their kernels' device time only while kernel timing is on (the
    /// runs `arr bench` times have it off). On the emulated device, whose events are host
    /// clocks around its launches.
    #[test]
    fn kernel_timing_is_off_only_when_asked() {
        let mut ex = match Executor::on(Engine::Fused, Device::CudaEmulator) {
            Ok(ex) => ex,
            Err(why) => {
                eprintln!("skipped: no emulated device ({why})");
                return;
            }
        };
        let mut g = Graph::new();
        let a = g.add_source(Array::from_vec(vec![1000], vec![0.5f64; 1000]));
        let b = g.add(
            Op::Unary(UnaryOp::Sin),
            vec![a],
            Type::new(DType::F64, vec![1000]),
        );
        let kernel_s = |ex: &Executor| ex.gpu_stats().expect("a GPU executor").kernel_s;
        ex.set_kernel_timing(false);
        ex.evaluate(&g, &[b]);
        ex.finish();
        assert_eq!(ex.device_error(), None);
        assert_eq!(kernel_s(&ex), 0.0, "a run without kernel timing was timed");
        ex.set_kernel_timing(true);
        ex.evaluate(&g, &[b]);
        ex.finish();
        assert_eq!(ex.device_error(), None);
        assert!(
            kernel_s(&ex) > 0.0,
            "a run with kernel timing was not timed"
        );
    }
}

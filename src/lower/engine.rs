//! What evaluates the graph when a script needs a value: the reference interpreter, or fused
//! or unfused kernels compiled for the CPU.

use crate::backend::cpu::{Cpu, Prepared};
use crate::ir::interp::Evaluator;
use crate::ir::{Graph, NodeId};
use crate::passes::fuse::{Fusion, fuse};
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
}

impl Executor {
    pub fn new(engine: Engine) -> Result<Executor, String> {
        let jit = |fusion| {
            Ok(Executor::Jit {
                fusion,
                cpu: Box::new(Cpu::new()?),
                values: HashMap::new(),
                plans: HashMap::new(),
            })
        };
        match engine {
            Engine::Interp => Ok(Executor::Interp(Evaluator::new())),
            Engine::Fused => jit(Fusion::Fused),
            Engine::Unfused => jit(Fusion::Unfused),
        }
    }

    /// The values of `nodes`. The interpreter keeps only the intermediates `keep` names; the
    /// compiled engines keep the values they were asked for.
    pub fn values(
        &mut self,
        graph: &Graph,
        nodes: &[NodeId],
        keep: impl Fn(NodeId) -> bool,
    ) -> Vec<Rc<Array>> {
        match self {
            Executor::Interp(ev) => nodes
                .iter()
                .map(|&n| ev.eval_keeping(graph, n, &keep))
                .collect(),
            Executor::Jit {
                fusion,
                cpu,
                values,
                plans,
            } => {
                let mut missing: Vec<NodeId> = nodes
                    .iter()
                    .copied()
                    .filter(|n| !values.contains_key(n))
                    .collect();
                missing.sort();
                missing.dedup();
                if !missing.is_empty() {
                    let plan = plans
                        .entry(missing.clone())
                        .or_insert_with(|| Rc::new(cpu.prepare(fuse(graph, &missing, *fusion))));
                    let results = plan.run(graph, &[]);
                    for (n, v) in missing.into_iter().zip(results) {
                        values.insert(n, Rc::new(v));
                    }
                }
                nodes.iter().map(|n| values[n].clone()).collect()
            }
        }
    }

    /// What each compiled kernel has cost so far (nothing for the interpreter).
    pub fn kernel_stats(&self) -> Vec<crate::backend::cpu::KernelStats> {
        match self {
            Executor::Interp(_) => Vec::new(),
            Executor::Jit { cpu, .. } => cpu.stats(),
        }
    }

    /// Seconds spent compiling kernels so far (none for the interpreter); take differences to
    /// time one evaluation.
    pub fn compile_seconds(&self) -> f64 {
        match self {
            Executor::Interp(_) => 0.0,
            Executor::Jit { cpu, .. } => cpu.compile_seconds(),
        }
    }

    /// Forgets values and schedules computed for a graph that is being replaced (compiled
    /// kernels stay).
    pub fn new_graph(&mut self) {
        if let Executor::Jit { plans, .. } = self {
            plans.clear();
        }
        self.forget_values();
    }

    /// Forgets the values computed so far, keeping the schedules: for a graph that stays (it
    /// may grow).
    pub fn forget_values(&mut self) {
        match self {
            Executor::Interp(ev) => *ev = Evaluator::new(),
            Executor::Jit { values, .. } => {
                // Arrays nobody else holds go back to the pool, for the next graph's kernels.
                for (_, v) in values.drain() {
                    if let Ok(a) = Rc::try_unwrap(v) {
                        arrjit_runtime::recycle(a);
                    }
                }
            }
        }
    }
}

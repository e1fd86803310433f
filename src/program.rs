//! A `Program` is the compiled, replayable form of a traced computation: a graph whose leaves
//! are `Param` nodes (with constants and sources baked in), and the roots it computes, prepared
//! once for an engine. Running it binds the parameters to arrays and runs the prepared plan: no
//! lowering, no graph building, no fusion and no lookup by node ids, so a script's loop turn
//! or `bench` run costs what its kernels cost, plus a call.
//!
//! A Program is made for one structure of its inputs (the dtype and shape of every parameter,
//! checked at every run). Whoever traces it (`lower/replay.rs` for scripts) decides when the
//! structure has changed and a new trace is needed.

use crate::backend::cpu::{Cpu, Prepared};
use crate::ir::interp::Evaluator;
use crate::ir::{Graph, NodeId, Op};
use crate::limits::{Deadline, Stop};
use crate::passes::fuse::{Fusion, fuse_until};
use arrjit_runtime::Array;
use std::rc::Rc;

/// A traced computation, ready to run many times.
pub struct Program {
    graph: Graph,
    roots: Vec<NodeId>,
    plan: Plan,
}

enum Plan {
    /// On the reference interpreter (the spec, and the `interp` engine), which owns the values
    /// of the parameters it reads: for each parameter, whether the roots read it.
    Interp { reads: Vec<bool> },
    /// Fused or unfused kernels compiled for the CPU. They live as long as the `Cpu` that
    /// compiled them, which must outlive the Program.
    Cpu(Prepared),
}

impl Program {
    /// `roots` of `graph`, evaluated by the reference interpreter at each run.
    pub fn interpreted(graph: Graph, roots: Vec<NodeId>) -> Program {
        let mut reads = Vec::new();
        for n in graph.reachable(&roots) {
            if let Op::Param(i) = graph.node(n).op {
                let i = i as usize;
                if reads.len() <= i {
                    reads.resize(i + 1, false);
                }
                reads[i] = true;
            }
        }
        Program {
            graph,
            roots,
            plan: Plan::Interp { reads },
        }
    }

    /// `roots` of `graph`, fused (by `fusion`) and compiled by `cpu`, which must outlive the
    /// Program. Fusing and compiling stop once `deadline` has passed.
    pub fn compiled(
        cpu: &mut Cpu,
        fusion: Fusion,
        graph: Graph,
        roots: Vec<NodeId>,
        deadline: Deadline,
    ) -> Result<Program, Stop> {
        let schedule = fuse_until(&graph, &roots, fusion, deadline)?;
        let prepared = cpu.prepare_until(schedule, deadline)?;
        Ok(Program {
            graph,
            roots,
            plan: Plan::Cpu(prepared),
        })
    }

    /// The values of the roots, in order, with `Param(i)` bound to `params[i]`. Stops between
    /// steps once `deadline` has passed.
    ///
    /// Panics if a parameter's dtype or shape is not the one the Program was traced for (the
    /// caller checks the structure before it replays).
    pub fn run(&self, params: &[&Array], deadline: Deadline) -> Result<Vec<Array>, Stop> {
        match &self.plan {
            Plan::Interp { reads } => {
                // Only the parameters the roots read are copied for the evaluator.
                let owned = (params.iter().enumerate())
                    .map(|(i, &a)| match reads.get(i) {
                        Some(true) => a.clone(),
                        _ => Array::zeros(a.dtype(), vec![0]),
                    })
                    .collect();
                let mut ev = Evaluator::with_params(owned);
                self.roots
                    .iter()
                    .map(|&r| {
                        let value =
                            ev.eval_until(&self.graph, r, |n| self.roots.contains(&n), deadline)?;
                        Ok(Rc::unwrap_or_clone(value))
                    })
                    .collect()
            }
            Plan::Cpu(prepared) => prepared.run_until(&self.graph, params, deadline),
        }
    }
}

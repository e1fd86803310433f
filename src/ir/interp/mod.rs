//! The reference interpreter: the executable specification of every primitive.
//!
//! Plain, obviously correct loops over dense row-major arrays. Compiled backends are tested
//! against it. `eval_node` gives one primitive's meaning; `Evaluator` runs a graph in id order
//! (a topological order), caching every result it computes.

mod complex_math;
pub(crate) mod elementwise;
mod library;
pub(crate) mod movement;
pub(crate) mod reduce;
pub(crate) mod scalar;

use super::graph::{Graph, Node, NodeId};
use super::op::Op;
use crate::limits::{Deadline, Stop};
use arrjit_runtime::Array;
use std::rc::Rc;

/// Evaluates one node given its inputs' values. `params` binds `Param(i)` nodes.
///
/// The node is assumed verified (see `ir::verify`): shapes and dtypes of inputs are what the op
/// requires, so this never fails on a well-formed graph.
pub fn eval_node(graph: &Graph, node: &Node, inputs: &[&Array], params: &[Array]) -> Array {
    let ty = &node.ty;
    match &node.op {
        Op::Const(lit) => Array::scalar(lit.to_scalar(ty.dtype)),
        Op::Source(index) => graph.source(*index).clone(),
        Op::Param(index) => params[*index as usize].clone(),
        Op::Iota { axis } => movement::iota(&ty.shape, *axis),
        Op::Rand { seed, normal } => library::rand(ty, *seed, *normal),
        Op::Unary(op) => elementwise::unary(*op, inputs[0]),
        Op::Binary(op) => elementwise::binary(*op, inputs[0], inputs[1]),
        Op::Where => elementwise::select(inputs[0], inputs[1], inputs[2]),
        Op::Cast => inputs[0].cast(ty.dtype),
        Op::Reduce { op, axes } => reduce::reduce(*op, inputs[0], axes),
        Op::ArgMin { axis } => reduce::arg_reduce(reduce::ArgKind::Min, inputs[0], *axis),
        Op::ArgMax { axis } => reduce::arg_reduce(reduce::ArgKind::Max, inputs[0], *axis),
        Op::Reshape => inputs[0].clone().reshaped(ty.shape.clone()),
        Op::Broadcast => {
            // Align the input's axes with the output's last ones, then stretch.
            let x = inputs[0];
            let mut aligned = vec![1; ty.rank() - x.ndim()];
            aligned.extend_from_slice(x.shape());
            movement::broadcast(&x.clone().reshaped(aligned), &ty.shape)
        }
        Op::Permute(perm) => movement::permute(inputs[0], perm),
        Op::Slice { start, step } => movement::slice(inputs[0], start, step, &ty.shape),
        Op::Concat { axis } => movement::concat(inputs, *axis),
        Op::MatMul => library::matmul(inputs[0], inputs[1]),
        Op::Fft { inverse } => library::fft(inputs[0], *inverse),
        Op::Rfft => library::rfft(inputs[0]),
        Op::Irfft { n } => library::irfft(inputs[0], *n),
        Op::Sort { axis } => library::sort(inputs[0], *axis),
        Op::ArgSort { axis } => library::argsort(inputs[0], *axis),
        Op::Cumsum { axis } => library::cumsum(inputs[0], *axis),
        Op::Cumprod { axis } => library::cumprod(inputs[0], *axis),
        Op::TakeAlong { axis } => library::take_along(inputs[0], inputs[1], *axis),
    }
}

/// Runs a graph on demand, remembering the values it is asked to keep.
///
/// The graph may grow between calls (scripts add nodes as they run); values already computed
/// stay valid because nodes are immutable.
#[derive(Default)]
pub struct Evaluator {
    values: Vec<Option<Rc<Array>>>,
    params: Vec<Array>,
}

impl Evaluator {
    pub fn new() -> Evaluator {
        Evaluator::default()
    }

    /// An evaluator whose `Param(i)` nodes take `params[i]`.
    pub fn with_params(params: Vec<Array>) -> Evaluator {
        Evaluator {
            values: Vec::new(),
            params,
        }
    }

    /// The value of `id`, computing it and whatever it needs; every value is kept.
    pub fn eval(&mut self, graph: &Graph, id: NodeId) -> Rc<Array> {
        self.eval_keeping(graph, id, |_| true)
    }

    /// The value of `id`. Of the intermediate values this call computes, only those where
    /// `keep` says so outlive it; the others are dropped as soon as their last consumer has
    /// run, so memory holds the live values, not every temporary of a long chain.
    pub fn eval_keeping(
        &mut self,
        graph: &Graph,
        id: NodeId,
        keep: impl Fn(NodeId) -> bool,
    ) -> Rc<Array> {
        self.eval_until(graph, id, keep, Deadline::NONE)
            .expect("no deadline to miss")
    }

    /// Like `eval_keeping`, stopping between nodes once `deadline` has passed (the values
    /// computed so far stay valid).
    pub fn eval_until(
        &mut self,
        graph: &Graph,
        id: NodeId,
        keep: impl Fn(NodeId) -> bool,
        deadline: Deadline,
    ) -> Result<Rc<Array>, Stop> {
        if self.values.len() < graph.len() {
            self.values.resize(graph.len(), None);
        }
        if let Some(v) = &self.values[id.index()] {
            return Ok(v.clone());
        }
        // The nodes to compute: everything `id` needs that has no value yet.
        let mut todo = vec![false; graph.len()];
        let mut stack = vec![id];
        while let Some(n) = stack.pop() {
            if self.values[n.index()].is_some() || std::mem::replace(&mut todo[n.index()], true) {
                continue;
            }
            stack.extend(graph.node(n).inputs.iter().copied());
        }
        let mut uses = vec![0u32; graph.len()];
        for n in (0..graph.len()).filter(|&n| todo[n]) {
            for input in &graph.node(NodeId(n as u32)).inputs {
                uses[input.index()] += 1;
            }
        }
        // Ids are a topological order, so computing in id order always finds inputs ready.
        // No recursion: deep graphs cannot overflow the stack.
        for n in (0..graph.len()).filter(|&n| todo[n]) {
            deadline.check()?;
            let need = NodeId(n as u32);
            let node = graph.node(need);
            let inputs: Vec<Rc<Array>> = node
                .inputs
                .iter()
                .map(|i| {
                    self.values[i.index()]
                        .clone()
                        .expect("input evaluated first")
                })
                .collect();
            let refs: Vec<&Array> = inputs.iter().map(|a| a.as_ref()).collect();
            let value = eval_node(graph, node, &refs, &self.params);
            debug_assert_eq!(value.dtype(), node.ty.dtype, "{need}: {:?}", node.op);
            debug_assert_eq!(value.shape(), &node.ty.shape[..], "{need}: {:?}", node.op);
            self.values[n] = Some(Rc::new(value));
            for input in &node.inputs {
                let i = input.index();
                uses[i] -= 1;
                if uses[i] == 0 && todo[i] && !keep(*input) {
                    self.values[i] = None;
                }
            }
        }
        Ok(self.values[id.index()].clone().expect("just evaluated"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{BinaryOp, Type, UnaryOp};
    use arrjit_runtime::DType;

    /// a → sin → cos → add(c, c)
    fn chain() -> (Graph, [NodeId; 4]) {
        let mut g = Graph::new();
        let a = g.add_source(Array::from_vec(vec![3], vec![0.0f64, 1.0, 2.0]));
        let ty = Type::new(DType::F64, vec![3]);
        let b = g.add(Op::Unary(UnaryOp::Sin), vec![a], ty.clone());
        let c = g.add(Op::Unary(UnaryOp::Cos), vec![b], ty.clone());
        let d = g.add(Op::Binary(BinaryOp::Add), vec![c, c], ty);
        (g, [a, b, c, d])
    }

    #[test]
    fn temporaries_are_freed_unless_kept() {
        let (g, [_, b, c, d]) = chain();
        let mut ev = Evaluator::new();
        let value = ev.eval_keeping(&g, d, |id| id == c);
        assert!(ev.values[b.index()].is_none(), "unkept temporary freed");
        assert!(ev.values[c.index()].is_some(), "kept value stays");
        assert!(ev.values[d.index()].is_some(), "the result stays");
        // Same numbers as an evaluator that keeps everything, and as computed by hand.
        let all = Evaluator::new().eval(&g, d);
        assert_eq!(value, all);
        let want: Vec<f64> = [0.0f64, 1.0, 2.0]
            .iter()
            .map(|x| 2.0 * x.sin().cos())
            .collect();
        assert_eq!(value.as_slice::<f64>().unwrap(), &want[..]);
    }

    #[test]
    fn later_evaluations_reuse_kept_values() {
        let (g, [_, b, _, d]) = chain();
        let mut ev = Evaluator::new();
        let first = ev.eval_keeping(&g, b, |_| false);
        let again = ev.eval_keeping(&g, d, |_| false);
        // `b` was the requested root, so it was kept and its Rc is shared, not recomputed.
        assert!(Rc::ptr_eq(&first, ev.values[b.index()].as_ref().unwrap()));
        assert_eq!(again.len(), 3);
    }
}

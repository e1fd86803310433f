//! The reference interpreter: the executable specification of every primitive.
//!
//! Plain, obviously correct loops over dense row-major arrays. Compiled backends are tested
//! against it. `eval_node` gives one primitive's meaning; `Evaluator` runs a graph in id order
//! (a topological order), caching every result it computes.

mod complex_math;
mod elementwise;
mod library;
mod movement;
mod reduce;
mod scalar;

use super::graph::{Graph, Node, NodeId};
use super::op::Op;
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
    }
}

/// Runs a graph on demand, remembering every value it has computed.
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

    /// The value of `id`, computing it and whatever it needs.
    pub fn eval(&mut self, graph: &Graph, id: NodeId) -> Rc<Array> {
        if self.values.len() < graph.len() {
            self.values.resize(graph.len(), None);
        }
        if let Some(v) = &self.values[id.index()] {
            return v.clone();
        }
        // Ids are a topological order, so evaluating the missing nodes in id order always
        // finds their inputs ready. No recursion: deep graphs cannot overflow the stack.
        for need in graph.reachable(&[id]) {
            if self.values[need.index()].is_some() {
                continue;
            }
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
            self.values[need.index()] = Some(Rc::new(value));
        }
        self.values[id.index()].clone().expect("just evaluated")
    }
}

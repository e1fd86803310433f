//! The graph: an arena of immutable, hash-consed nodes.
//!
//! Building a node identical to an existing one (same op, inputs and type) returns the existing
//! id, so common subexpressions are shared for free. Nodes only ever refer to earlier nodes, so
//! ids are a topological order.

use super::op::Op;
use arrjit_runtime::{Array, DType};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

/// Index of a node in its graph. Prints as `%12`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub u32);

impl NodeId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "%{}", self.0)
    }
}

/// The static type of a value: element type and shape.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Type {
    pub dtype: DType,
    pub shape: Vec<usize>,
}

impl Type {
    pub fn new(dtype: DType, shape: Vec<usize>) -> Type {
        Type { dtype, shape }
    }

    pub fn scalar(dtype: DType) -> Type {
        Type::new(dtype, Vec::new())
    }

    pub fn rank(&self) -> usize {
        self.shape.len()
    }

    /// Number of elements.
    pub fn numel(&self) -> usize {
        self.shape.iter().product()
    }

    pub fn with_dtype(&self, dtype: DType) -> Type {
        Type::new(dtype, self.shape.clone())
    }
}

impl fmt::Display for Type {
    /// `f64[3,4]`, or `f64[]` for a scalar.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dims: Vec<String> = self.shape.iter().map(|d| d.to_string()).collect();
        write!(f, "{}[{}]", self.dtype, dims.join(","))
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Node {
    pub op: Op,
    pub inputs: Vec<NodeId>,
    pub ty: Type,
}

/// A graph of nodes plus the concrete arrays its `Source` nodes refer to. The arrays are
/// shared, not copied, when the graph is cloned (a `bench` block puts its graph back before
/// every run).
#[derive(Clone, Debug, Default)]
pub struct Graph {
    nodes: Vec<Node>,
    dedup: HashMap<Node, NodeId>,
    sources: Vec<Arc<Array>>,
    /// The bytes of all the nodes' values together.
    bytes: u128,
}

impl Graph {
    pub fn new() -> Graph {
        Graph::default()
    }

    /// Adds a node, or returns the id of an identical one.
    pub fn add(&mut self, op: Op, inputs: Vec<NodeId>, ty: Type) -> NodeId {
        let node = Node { op, inputs, ty };
        if let Some(&id) = self.dedup.get(&node) {
            return id;
        }
        let id = NodeId(self.nodes.len() as u32);
        let elements = (node.ty.shape.iter()).fold(1u128, |n, &d| n.saturating_mul(d as u128));
        let bytes = elements.saturating_mul(node.ty.dtype.itemsize() as u128);
        self.bytes = self.bytes.saturating_add(bytes);
        self.nodes.push(node.clone());
        self.dedup.insert(node, id);
        id
    }

    /// Adds a `Source` node holding `array`.
    pub fn add_source(&mut self, array: Array) -> NodeId {
        self.add_shared_source(Arc::new(array))
    }

    /// Adds a `Source` node holding an array that other graphs may hold too.
    pub fn add_shared_source(&mut self, array: Arc<Array>) -> NodeId {
        let index = self.sources.len() as u32;
        let ty = Type::new(array.dtype(), array.shape().to_vec());
        self.sources.push(array);
        self.add(Op::Source(index), Vec::new(), ty)
    }

    /// The array of source `index`, shared.
    pub fn shared_source(&self, index: u32) -> &Arc<Array> {
        &self.sources[index as usize]
    }

    /// The bytes all the nodes' values take together: what an engine that kept every value
    /// would hold.
    pub fn bytes(&self) -> u128 {
        self.bytes
    }

    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.index()]
    }

    pub fn ty(&self, id: NodeId) -> &Type {
        &self.nodes[id.index()].ty
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn nodes(&self) -> impl Iterator<Item = (NodeId, &Node)> {
        self.nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (NodeId(i as u32), n))
    }

    pub fn source(&self, index: u32) -> &Array {
        &self.sources[index as usize]
    }

    /// Every node that `roots` depend on (roots included), in topological (id) order.
    pub fn reachable(&self, roots: &[NodeId]) -> Vec<NodeId> {
        // A set, not a table over the whole graph: the cost follows what is reachable, which
        // stays small while a long script's graph grows.
        let mut seen = std::collections::HashSet::new();
        let mut stack: Vec<NodeId> = roots.to_vec();
        while let Some(id) = stack.pop() {
            if seen.insert(id) {
                stack.extend(self.node(id).inputs.iter().copied());
            }
        }
        let mut order: Vec<NodeId> = seen.into_iter().collect();
        order.sort_unstable();
        order
    }
}

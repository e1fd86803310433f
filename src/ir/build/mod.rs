//! The graph builder: every node of a graph is made here. It infers shapes and dtypes (NumPy
//! broadcasting, NEP 50 promotion with weak scalars), inserts explicit casts and broadcasts,
//! folds constant scalars, applies the peephole rules of `simplify.rs` and holds the graph to
//! its `Limits` and `Deadline`. `ops.rs` builds the language's sugar (`mean`, `softmax`,
//! `arange`, library calls, …) from primitives with the same builder.
//!
//! Scripts (`lower`), differentiation (`passes::grad`) and the embedding API all build graphs
//! through it, so every graph is typed, folded, simplified and bounded the same way.
//!
//! Every function returns `Err(message)` for a user error; the caller attaches the span.

mod ops;
mod simplify;

use crate::ir::interp::eval_node;
use crate::ir::{BinaryOp, Graph, Lit, Node, NodeId, Op, ReduceOp, Type, UnaryOp};
use crate::limits::{Deadline, Limits, max_array_bytes};
use arrjit_runtime::{Array, DType, Kind, Scalar};
use std::collections::HashMap;

use crate::text::{human_bytes, shape_text};

pub type BuildResult<T> = Result<T, String>;

/// Checks that an array of `shape` and `dtype` can be created on this machine
/// (`limits::max_array_bytes`), returning its element count.
pub fn check_size(shape: &[usize], dtype: DType) -> BuildResult<usize> {
    if shape.len() > arrjit_runtime::MAX_DIMS {
        return Err(format!(
            "an array may have at most {} dimensions, as in NumPy; this one would have {}",
            arrjit_runtime::MAX_DIMS,
            shape.len()
        ));
    }
    let count = shape
        .iter()
        .try_fold(1u128, |acc, &d| acc.checked_mul(d as u128));
    let bytes = count.and_then(|c| c.checked_mul(dtype.itemsize() as u128));
    // An empty array with huge other dimensions holds nothing, but its loops would still run
    // over them: its non-zero dimensions must fit as well (NumPy: "array is too big").
    if count == Some(0) {
        let nonzero = (shape.iter().filter(|&&d| d != 0))
            .try_fold(dtype.itemsize() as u128, |acc, &d| {
                acc.checked_mul(d as u128)
            });
        if nonzero.is_none_or(|b| b > max_array_bytes()) {
            return Err(format!(
                "array of shape {} and dtype {dtype} is too large: it is empty, but its other \
                 dimensions alone would take {} (the limit is {})",
                shape_text(shape),
                nonzero.map_or("more than 10^38 bytes".to_string(), human_bytes),
                human_bytes(max_array_bytes())
            ));
        }
    }
    match (count, bytes) {
        (Some(c), Some(b)) if b <= max_array_bytes() => Ok(c as usize),
        (_, b) => Err(format!(
            "array of shape {} and dtype {dtype} is too large ({}; the limit is {})",
            shape_text(shape),
            b.map_or("more than 10^38 bytes".to_string(), human_bytes),
            human_bytes(max_array_bytes())
        )),
    }
}

/// NumPy's broadcast of two shapes.
pub fn broadcast_shapes(a: &[usize], b: &[usize]) -> BuildResult<Vec<usize>> {
    let rank = a.len().max(b.len());
    let mut out = vec![0; rank];
    for i in 0..rank {
        let da = if i + a.len() >= rank {
            a[i + a.len() - rank]
        } else {
            1
        };
        let db = if i + b.len() >= rank {
            b[i + b.len() - rank]
        } else {
            1
        };
        out[i] = match (da, db) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            _ => {
                return Err(format!(
                    "shapes {} and {} cannot be broadcast together",
                    shape_text(a),
                    shape_text(b)
                ));
            }
        };
    }
    Ok(out)
}

/// The dtype a weak scalar of kind `weak` takes next to a strong `strong` (NEP 50): the strong
/// dtype if its kind is at least as high, else the weak kind's type at the strong one's
/// precision where that exists (`f32` with a complex scalar → `c64`).
fn weak_with_strong(weak: DType, strong: DType) -> DType {
    match (weak.kind(), strong.kind()) {
        (w, s) if w <= s => strong,
        (Kind::Complex, _) => strong.complex(),
        (Kind::Float, _) => DType::F64,
        (Kind::Int, _) => DType::I64,
        (Kind::Bool, _) => strong,
    }
}

/// The scalar as a literal (exact for every dtype).
pub fn lit_of(s: Scalar) -> Lit {
    match s {
        Scalar::Bool(b) => Lit::Bool(b),
        Scalar::I32(x) => Lit::Int(x as i64),
        Scalar::I64(x) => Lit::Int(x),
        Scalar::F32(x) => Lit::float(x as f64),
        Scalar::F64(x) => Lit::float(x),
        Scalar::C64(z) => Lit::complex(z.re as f64, z.im as f64),
        Scalar::C128(z) => Lit::complex(z.re, z.im),
    }
}

/// An array-valued expression: a node of the graph, plus whether its dtype is still "weak"
/// (a scalar literal's, which yields to the other operand's dtype, as in NEP 50 and JAX).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arr {
    pub node: NodeId,
    pub weak: bool,
}

impl Arr {
    pub fn strong(node: NodeId) -> Arr {
        Arr { node, weak: false }
    }
}

/// A graph under construction, with the bounds it must stay within.
pub struct Builder {
    pub graph: Graph,
    /// What the graph may hold (`limits.rs`).
    pub limits: Limits,
    /// When building must stop, checked at every node.
    pub deadline: Deadline,
    /// The nodes before this index have passed `check`.
    checked: usize,
}

impl Builder {
    pub fn new(limits: Limits, deadline: Deadline) -> Builder {
        Builder {
            graph: Graph::new(),
            limits,
            deadline,
            checked: 0,
        }
    }

    /// Continues with `graph` in place of the graph built so far.
    pub fn replace_graph(&mut self, graph: Graph) {
        self.graph = graph;
        self.checked = 0;
    }

    /// Verifies the nodes added since the last check (`ir::verify`), where `verify::CHECKS`
    /// says so: the stages call it as they hand the graph on (lowering before evaluating,
    /// `passes::grad` as it finishes). A broken invariant is a bug in the builder or a pass.
    pub fn check(&mut self) {
        if !crate::ir::verify::CHECKS {
            return;
        }
        if let Err(e) = crate::ir::verify::verify_from(&self.graph, self.checked) {
            panic!("the graph breaks an invariant of the IR: {e}");
        }
        self.checked = self.graph.len();
    }

    pub fn ty(&self, a: Arr) -> &Type {
        self.graph.ty(a.node)
    }

    /// Checks that one more array of `shape` and `dtype` fits this run's limits (its size, the
    /// size of all arrays together, the node count and the time); returns its element count.
    pub fn admit(&self, shape: &[usize], dtype: DType) -> BuildResult<usize> {
        self.deadline.check().map_err(|e| e.to_string())?;
        let limits = &self.limits;
        if self.graph.len() >= limits.max_nodes {
            return Err(format!(
                "the program's graph has reached its limit of {} nodes (a loop inside a \
                 function adds its body to the graph at every turn; a loop at the top level \
                 does not)",
                limits.max_nodes
            ));
        }
        let count = check_size(shape, dtype)?;
        if let Some(max) = limits.max_elements
            && count > max
        {
            return Err(format!(
                "array of shape {} has {count} elements; the limit is {max}",
                shape_text(shape)
            ));
        }
        if let Some(max) = limits.max_bytes {
            let total = self.graph.bytes() + count as u128 * dtype.itemsize() as u128;
            if total > max as u128 {
                return Err(format!(
                    "the arrays of this run would take {} together; the limit is {}",
                    human_bytes(total),
                    human_bytes(max as u128)
                ));
            }
        }
        Ok(count)
    }

    /// Adds a node after checking it against the limits; folds elementwise ops on constants into
    /// a constant and applies the peephole rules of `simplify.rs`.
    pub fn node(&mut self, op: Op, inputs: Vec<NodeId>, ty: Type) -> BuildResult<NodeId> {
        self.admit(&ty.shape, ty.dtype)?;
        let elementwise = matches!(op, Op::Unary(_) | Op::Binary(_) | Op::Where | Op::Cast);
        let all_const = inputs
            .iter()
            .all(|&i| matches!(self.graph.node(i).op, Op::Const(_)));
        if elementwise && all_const && ty.shape.is_empty() {
            let values: Vec<Array> = inputs
                .iter()
                .map(|&i| {
                    let n = self.graph.node(i);
                    let Op::Const(lit) = n.op else { unreachable!() };
                    Array::scalar(lit.to_scalar(n.ty.dtype))
                })
                .collect();
            let refs: Vec<&Array> = values.iter().collect();
            let node = Node { op, inputs, ty };
            let folded = eval_node(&self.graph, &node, &refs, &[]);
            return Ok(self.konst(lit_of(folded.get(0)), node.ty.dtype));
        }
        if let Some(simpler) = self.simplify(&op, &inputs, &ty) {
            return Ok(simpler);
        }
        Ok(self.graph.add(op, inputs, ty))
    }

    pub fn konst(&mut self, lit: Lit, dtype: DType) -> NodeId {
        self.graph
            .add(Op::Const(lit), Vec::new(), Type::scalar(dtype))
    }

    /// A weakly typed scalar literal (`2`, `0.5`, `1j`).
    pub fn weak_const(&mut self, lit: Lit) -> Arr {
        let dtype = match lit {
            Lit::Bool(_) => DType::Bool,
            Lit::Int(_) => DType::I64,
            Lit::Float(_) => DType::F64,
            Lit::Complex(..) => DType::C128,
        };
        Arr {
            node: self.konst(lit, dtype),
            weak: !matches!(lit, Lit::Bool(_)),
        }
    }

    /// The value of a constant node, if it is one.
    pub fn const_value(&self, node: NodeId) -> Option<Scalar> {
        let n = self.graph.node(node);
        match n.op {
            Op::Const(lit) => Some(lit.to_scalar(n.ty.dtype)),
            _ => None,
        }
    }

    /// Converts to `dtype` (strong). A weak integer literal that does not fit is an error.
    pub fn cast(&mut self, a: Arr, dtype: DType) -> BuildResult<Arr> {
        let ty = self.ty(a).clone();
        if ty.dtype == dtype {
            return Ok(Arr::strong(a.node));
        }
        if let (true, Op::Const(Lit::Int(v)), DType::I32) =
            (a.weak, &self.graph.node(a.node).op, dtype)
            && i32::try_from(*v).is_err()
        {
            return Err(format!("the literal {v} does not fit in i32"));
        }
        let node = self.node(Op::Cast, vec![a.node], ty.with_dtype(dtype))?;
        Ok(Arr::strong(node))
    }

    /// Broadcasts to `shape` (NumPy rules).
    pub fn broadcast_to(&mut self, a: Arr, shape: &[usize]) -> BuildResult<Arr> {
        let ty = self.ty(a).clone();
        if ty.shape == shape {
            return Ok(a);
        }
        if ty.rank() > shape.len() || broadcast_shapes(&ty.shape, shape)? != shape {
            return Err(format!(
                "cannot broadcast an array of shape {} to shape {}",
                shape_text(&ty.shape),
                shape_text(shape)
            ));
        }
        let node = self.node(
            Op::Broadcast,
            vec![a.node],
            Type::new(ty.dtype, shape.to_vec()),
        )?;
        Ok(Arr { node, weak: a.weak })
    }

    pub fn reshape(&mut self, a: Arr, shape: Vec<usize>) -> BuildResult<Arr> {
        let ty = self.ty(a).clone();
        if ty.shape == shape {
            return Ok(a);
        }
        let node = self.node(Op::Reshape, vec![a.node], Type::new(ty.dtype, shape))?;
        Ok(Arr { node, weak: a.weak })
    }

    /// The common dtype of operands under NEP 50, and whether the result stays weak.
    pub fn promote(&self, xs: &[Arr]) -> (DType, bool) {
        let strong = xs
            .iter()
            .filter(|a| !a.weak)
            .map(|a| self.ty(*a).dtype)
            .reduce(DType::promote);
        let weak = xs
            .iter()
            .filter(|a| a.weak)
            .map(|a| self.ty(*a).dtype)
            .reduce(DType::promote);
        match (strong, weak) {
            (Some(s), Some(w)) => (weak_with_strong(w, s), false),
            (Some(s), None) => (s, false),
            (None, Some(w)) => (w, true),
            (None, None) => (DType::F64, false),
        }
    }

    /// Casts and broadcasts all operands to one dtype and their common shape.
    pub fn unify(&mut self, xs: &[Arr], dtype: DType) -> BuildResult<(Vec<NodeId>, Vec<usize>)> {
        let mut shape: Vec<usize> = Vec::new();
        for &x in xs {
            shape = broadcast_shapes(&shape, &self.ty(x).shape)?;
        }
        Ok((self.unify_to(xs, dtype, &shape)?, shape))
    }

    /// Casts and broadcasts all operands to `dtype` and `shape`.
    pub fn unify_to(
        &mut self,
        xs: &[Arr],
        dtype: DType,
        shape: &[usize],
    ) -> BuildResult<Vec<NodeId>> {
        let mut nodes = Vec::with_capacity(xs.len());
        for &x in xs {
            let c = self.cast(x, dtype)?;
            nodes.push(self.broadcast_to(c, shape)?.node);
        }
        Ok(nodes)
    }

    /// An elementwise unary op on a value of the right dtype already.
    pub fn unary_node(&mut self, op: UnaryOp, a: Arr) -> BuildResult<Arr> {
        let ty = self.ty(a).clone();
        let out = ty.with_dtype(op.result_dtype(ty.dtype));
        let node = self.node(Op::Unary(op), vec![a.node], out)?;
        Ok(Arr { node, weak: a.weak })
    }

    /// A binary arithmetic, comparison or logical operator with NumPy's dtype rules.
    pub fn binary(&mut self, op: BinaryOp, a: Arr, b: Arr) -> BuildResult<Arr> {
        let (mut dtype, weak) = self.promote(&[a, b]);
        let symbol = binary_symbol(op);
        let complex_err = || Err(format!("`{symbol}` is not defined for complex numbers"));
        let mut op = op;
        match op {
            // On bools NumPy's `+` is `or` and `*` is `and`; `-` is refused.
            BinaryOp::Add if dtype == DType::Bool => op = BinaryOp::Or,
            BinaryOp::Mul if dtype == DType::Bool => op = BinaryOp::And,
            BinaryOp::Sub if dtype == DType::Bool => {
                return Err("`-` is not defined for bool arrays; use `!=` for exclusive or".into());
            }
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul => {}
            BinaryOp::Pow => {
                if dtype == DType::Bool {
                    dtype = DType::I64;
                }
            }
            BinaryOp::Rem => {
                if dtype.is_complex() {
                    return complex_err();
                }
                if dtype == DType::Bool {
                    dtype = DType::I64;
                }
            }
            BinaryOp::Div => dtype = dtype.float(),
            BinaryOp::Atan2 => {
                if dtype.is_complex() {
                    return complex_err();
                }
                dtype = dtype.float();
            }
            BinaryOp::Min
            | BinaryOp::Max
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge => {
                if dtype.is_complex() {
                    return complex_err();
                }
            }
            BinaryOp::Eq | BinaryOp::Ne => {}
            BinaryOp::And | BinaryOp::Or => dtype = DType::Bool,
            BinaryOp::Complex => {
                if dtype.is_complex() {
                    return Err("complex() takes real parts".into());
                }
                dtype = dtype.float();
            }
        }
        if op == BinaryOp::Pow
            && let Some(fast) = self.scalar_power(a, b, dtype)?
        {
            return Ok(Arr {
                node: fast.node,
                weak,
            });
        }
        let (nodes, shape) = self.unify(&[a, b], dtype)?;
        let out_dtype = if op.is_comparison() {
            DType::Bool
        } else if op == BinaryOp::Complex {
            dtype.complex()
        } else {
            dtype
        };
        let node = self.node(Op::Binary(op), nodes, Type::new(out_dtype, shape))?;
        Ok(Arr {
            node,
            weak: weak && !op.is_comparison(),
        })
    }

    /// NumPy's fast paths for an array raised to a scalar constant, which NumPy computes
    /// without `pow` (and so with other results at the edges): `x ** 2` is `x * x` for every
    /// numeric dtype; for floats and complex numbers `x ** 0.5` is `sqrt(x)`, `x ** -1` is
    /// `1 / x`, `x ** 1` is `x` and `x ** 0` is 1. `None` when no fast path applies.
    fn scalar_power(&mut self, a: Arr, b: Arr, dtype: DType) -> BuildResult<Option<Arr>> {
        let Some(e) = self
            .const_value(b.node)
            .filter(|_| self.ty(b).shape.is_empty())
        else {
            return Ok(None);
        };
        let e = e.to_c128();
        if e.im != 0.0 {
            return Ok(None);
        }
        let inexact = dtype.is_float() || dtype.is_complex();
        let shape = broadcast_shapes(&self.ty(a).shape, &self.ty(b).shape)?;
        let x = self.cast(a, dtype)?;
        let x = self.broadcast_to(x, &shape)?;
        let ty = Type::new(dtype, shape.clone());
        Ok(Some(match e.re {
            2.0 => Arr::strong(self.node(Op::Binary(BinaryOp::Mul), vec![x.node, x.node], ty)?),
            0.5 if inexact => self.unary_node(UnaryOp::Sqrt, x)?,
            1.0 if inexact => x,
            -1.0 if inexact => {
                let one = self.filled(Lit::Int(1), dtype, &shape)?;
                Arr::strong(self.node(Op::Binary(BinaryOp::Div), vec![one.node, x.node], ty)?)
            }
            0.0 if inexact => self.filled(Lit::Int(1), dtype, &shape)?,
            _ => return Ok(None),
        }))
    }

    /// `where(cond, a, b)`.
    pub fn select(&mut self, cond: Arr, a: Arr, b: Arr) -> BuildResult<Arr> {
        let (dtype, weak) = self.promote(&[a, b]);
        let cond = self.cast(cond, DType::Bool)?;
        let mut shape = self.ty(cond).shape.clone();
        for x in [a, b] {
            shape = broadcast_shapes(&shape, &self.ty(x).shape)?;
        }
        let c = self.broadcast_to(cond, &shape)?;
        let ab = self.unify_to(&[a, b], dtype, &shape)?;
        let node = self.node(
            Op::Where,
            vec![c.node, ab[0], ab[1]],
            Type::new(dtype, shape),
        )?;
        Ok(Arr { node, weak })
    }

    /// A scalar constant of `dtype` broadcast to `shape`.
    pub fn filled(&mut self, lit: Lit, dtype: DType, shape: &[usize]) -> BuildResult<Arr> {
        let c = Arr::strong(self.konst(lit, dtype));
        self.broadcast_to(c, shape)
    }

    /// Reduction over `axes` (sorted, unique, in range) of a value of a suitable dtype.
    pub fn reduce_node(&mut self, op: ReduceOp, a: Arr, axes: &[usize]) -> BuildResult<Arr> {
        let ty = self.ty(a).clone();
        if axes.is_empty() {
            return Ok(Arr::strong(a.node));
        }
        let shape: Vec<usize> = (0..ty.rank())
            .filter(|i| !axes.contains(i))
            .map(|i| ty.shape[i])
            .collect();
        let node = self.node(
            Op::Reduce {
                op,
                axes: axes.to_vec(),
            },
            vec![a.node],
            Type::new(ty.dtype, shape),
        )?;
        Ok(Arr::strong(node))
    }

    /// The nodes reachable from `roots`, rebuilt with the leaves in `map` replaced.
    pub fn substitute(
        &mut self,
        roots: &[NodeId],
        map: &HashMap<NodeId, NodeId>,
    ) -> Result<Vec<NodeId>, String> {
        let order = self.graph.reachable(roots);
        let mut new: HashMap<NodeId, NodeId> = map.clone();
        for n in order {
            if new.contains_key(&n) {
                continue;
            }
            let node = self.graph.node(n).clone();
            let inputs: Vec<NodeId> = node.inputs.iter().map(|i| new[i]).collect();
            let rebuilt = if inputs == node.inputs {
                n
            } else {
                self.node(node.op, inputs, node.ty)?
            };
            new.insert(n, rebuilt);
        }
        Ok(roots.iter().map(|r| new[r]).collect())
    }

    /// A node with one input and the given output type.
    pub fn op1(&mut self, op: Op, a: Arr, ty: Type) -> BuildResult<Arr> {
        Ok(Arr::strong(self.node(op, vec![a.node], ty)?))
    }
}

/// How a binary op is written, for messages.
pub fn binary_symbol(op: BinaryOp) -> &'static str {
    match op {
        BinaryOp::Add => "+",
        BinaryOp::Sub => "-",
        BinaryOp::Mul => "*",
        BinaryOp::Div => "/",
        BinaryOp::Rem => "%",
        BinaryOp::Pow => "**",
        BinaryOp::Min => "minimum",
        BinaryOp::Max => "maximum",
        BinaryOp::Atan2 => "atan2",
        BinaryOp::Eq => "==",
        BinaryOp::Ne => "!=",
        BinaryOp::Lt => "<",
        BinaryOp::Le => "<=",
        BinaryOp::Gt => ">",
        BinaryOp::Ge => ">=",
        BinaryOp::And => "and",
        BinaryOp::Or => "or",
        BinaryOp::Complex => "complex",
    }
}

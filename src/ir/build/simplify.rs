//! Peephole simplification, applied as each node is built (like hash-consing, so every graph
//! the lowering or differentiation makes is already simplified).
//!
//! Contract: a rule replaces a node by one that computes the same bits for every input,
//! infinities, NaN and signed zeros included, with the same dtype and shape; it never makes
//! the graph bigger. Rules that IEEE arithmetic does not allow are left out on purpose:
//! `x + 0 → x` (-0 + 0 is +0), `x * 0 → 0` (NaN and ±inf times 0 are NaN, and -1 · 0 is -0),
//! `0 - x → -x` (0 - 0 is +0). Constant folding happens in `Builder::node` itself.

use super::Builder;
use crate::ir::{BinaryOp, Lit, NodeId, Op, Type, UnaryOp};

impl Builder {
    /// The value of a constant, seen through broadcasts and reshapes, as an f64 (integers and
    /// bools converted exactly); `None` for anything else.
    fn constant_of(&self, mut n: NodeId) -> Option<f64> {
        loop {
            let node = self.graph.node(n);
            match &node.op {
                Op::Const(lit) => {
                    return match lit {
                        Lit::Float(bits) => Some(f64::from_bits(*bits)),
                        Lit::Int(i) if i.unsigned_abs() < 1 << 53 => Some(*i as f64),
                        Lit::Bool(b) => Some(*b as u8 as f64),
                        Lit::Int(_) | Lit::Complex(..) => None,
                    };
                }
                Op::Broadcast | Op::Reshape => n = node.inputs[0],
                _ => return None,
            }
        }
    }

    /// Whether `n` is the constant `c`, sign of zero included.
    fn is_constant(&self, n: NodeId, c: f64) -> bool {
        self.constant_of(n)
            .is_some_and(|v| v == c && v.is_sign_negative() == c.is_sign_negative())
    }

    /// A simpler node computing the same as `op` on `inputs` (of type `ty`), if a rule applies.
    pub(super) fn simplify(&mut self, op: &Op, inputs: &[NodeId], ty: &Type) -> Option<NodeId> {
        let same = |l: &Self, n: NodeId| l.graph.ty(n) == ty;
        let numeric = !ty.dtype.is_complex() && ty.dtype != arrjit_runtime::DType::Bool;
        match (op, inputs) {
            // x * 1 → x, 1 * x → x
            (Op::Binary(BinaryOp::Mul), &[a, b]) if numeric => {
                if self.is_constant(b, 1.0) && same(self, a) {
                    Some(a)
                } else if self.is_constant(a, 1.0) && same(self, b) {
                    Some(b)
                } else {
                    None
                }
            }
            // x / 1 → x
            (Op::Binary(BinaryOp::Div), &[a, b]) if numeric => {
                (self.is_constant(b, 1.0) && same(self, a)).then_some(a)
            }
            // x - 0 → x (+0 only: -0 - (-0) is +0)
            (Op::Binary(BinaryOp::Sub), &[a, b]) if numeric => {
                (self.is_constant(b, 0.0) && same(self, a)).then_some(a)
            }
            // x + (-0) → x, (-0) + x → x (for floats; integers have one zero)
            (Op::Binary(BinaryOp::Add), &[a, b]) if numeric => {
                let zero = if ty.dtype.is_float() { -0.0 } else { 0.0 };
                if self.is_constant(b, zero) && same(self, a) {
                    Some(a)
                } else if self.is_constant(a, zero) && same(self, b) {
                    Some(b)
                } else if let (Op::Unary(UnaryOp::Neg), true) =
                    (&self.graph.node(b).op, same(self, a))
                {
                    // x + (-y) → x - y (IEEE defines subtraction so)
                    let y = self.graph.node(b).inputs[0];
                    Some(
                        self.graph
                            .add(Op::Binary(BinaryOp::Sub), vec![a, y], ty.clone()),
                    )
                } else if a == b && ty.dtype.is_float() {
                    // x + x → 2 * x (exact: doubling only changes the exponent)
                    let two = self.konst(Lit::Float(2f64.to_bits()), ty.dtype);
                    let two = if ty.shape.is_empty() {
                        two
                    } else {
                        self.graph.add(Op::Broadcast, vec![two], ty.clone())
                    };
                    Some(
                        self.graph
                            .add(Op::Binary(BinaryOp::Mul), vec![two, a], ty.clone()),
                    )
                } else {
                    None
                }
            }
            // -(-x) → x
            (Op::Unary(UnaryOp::Neg), &[a]) => match &self.graph.node(a).op {
                Op::Unary(UnaryOp::Neg) => Some(self.graph.node(a).inputs[0]),
                _ => None,
            },
            _ => None,
        }
    }
}

//! Derivatives as readable math in .arr syntax (`arr ir --grad FILE`): the simplified
//! gradient graph printed as expressions over the function's parameters and the script's
//! globals, with values used more than once named `t1`, `t2`, ….

use crate::ir::build::binary_symbol;
use crate::ir::{BinaryOp, Graph, Lit, NodeId, Op, ReduceOp, UnaryOp};
use std::collections::HashMap;

/// How tightly an expression binds, for parentheses (higher binds tighter).
fn precedence(op: &Op) -> u8 {
    match op {
        Op::Binary(b) => match b {
            BinaryOp::Or => 1,
            BinaryOp::And => 2,
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge => 3,
            BinaryOp::Add | BinaryOp::Sub => 4,
            BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => 5,
            BinaryOp::Pow => 7,
            BinaryOp::Min | BinaryOp::Max | BinaryOp::Atan2 | BinaryOp::Complex => 9,
        },
        Op::Unary(UnaryOp::Neg) | Op::Unary(UnaryOp::Not) => 6,
        Op::MatMul => 5,
        _ => 9,
    }
}

/// Prints `roots` (and the values they share) over the names in `names`.
pub struct Printer<'g> {
    graph: &'g Graph,
    names: HashMap<NodeId, String>,
    uses: HashMap<NodeId, usize>,
    /// Shared values already bound, in order.
    pub lets: Vec<String>,
}

impl<'g> Printer<'g> {
    pub fn new(graph: &'g Graph, roots: &[NodeId], names: HashMap<NodeId, String>) -> Printer<'g> {
        let mut uses: HashMap<NodeId, usize> = HashMap::new();
        let mut stack: Vec<NodeId> = roots.to_vec();
        let mut seen = std::collections::HashSet::new();
        while let Some(n) = stack.pop() {
            if !seen.insert(n) || names.contains_key(&n) {
                continue;
            }
            for &i in &graph.node(n).inputs {
                *uses.entry(i).or_default() += 1;
                stack.push(i);
            }
        }
        Printer {
            graph,
            names,
            uses,
            lets: Vec::new(),
        }
    }

    /// Whether `n` is printed where it is used rather than named: leaves, constants and
    /// broadcasts (which add nothing to read).
    fn inline(&self, n: NodeId) -> bool {
        matches!(
            self.graph.node(n).op,
            Op::Const(_) | Op::Param(_) | Op::Source(_) | Op::Broadcast
        ) || matches!(
            (&self.graph.node(n).op, self.graph.node(n).inputs.first()),
            (Op::Reshape, Some(&i)) if matches!(self.graph.node(i).op, Op::Const(_))
        )
    }

    /// The expression for `n`.
    pub fn expr(&mut self, n: NodeId) -> String {
        if let Some(name) = self.names.get(&n) {
            return name.clone();
        }
        if self.uses.get(&n).copied().unwrap_or(0) > 1 && !self.inline(n) {
            let text = self.text(n);
            let name = format!("t{}", self.lets.len() + 1);
            self.lets.push(format!("{name} = {text}"));
            self.names.insert(n, name.clone());
            return name;
        }
        self.text(n)
    }

    /// `n`'s input `k`, in parentheses when it binds less tightly than `outer` (or as tightly,
    /// on the right of a non-associative operator).
    fn operand(&mut self, n: NodeId, k: usize, outer: u8, right: bool) -> String {
        let i = self.graph.node(n).inputs[k];
        let mut inner = i;
        while let Op::Broadcast = self.graph.node(inner).op {
            inner = self.graph.node(inner).inputs[0];
        }
        let text = self.expr(i);
        let named = self.names.contains_key(&inner) || self.names.contains_key(&i);
        let p = precedence(&self.graph.node(inner).op);
        if !named && (p < outer || (right && p == outer)) {
            format!("({text})")
        } else {
            text
        }
    }

    fn text(&mut self, n: NodeId) -> String {
        let node = self.graph.node(n).clone();
        let axes_text = |axes: &[usize], rank: usize| -> String {
            if axes.len() == rank {
                String::new()
            } else if axes.len() == 1 {
                format!(", axis={}", axes[0])
            } else {
                let list: Vec<String> = axes.iter().map(|a| a.to_string()).collect();
                format!(", axis=({})", list.join(", "))
            }
        };
        match &node.op {
            Op::Const(lit) => match lit {
                Lit::Float(bits) => {
                    let x = f64::from_bits(*bits);
                    if x.fract() == 0.0 && x.abs() < 1e15 {
                        format!("{}", x as i64)
                    } else {
                        format!("{x}")
                    }
                }
                Lit::Int(i) => i.to_string(),
                Lit::Bool(b) => b.to_string(),
                Lit::Complex(re, im) => {
                    format!("complex({}, {})", f64::from_bits(*re), f64::from_bits(*im))
                }
            },
            Op::Source(i) => format!("<array {i}>"),
            Op::Param(i) => format!("<parameter {i}>"),
            Op::Iota { axis } => format!("arange({})", node.ty.shape[*axis]),
            Op::Rand { seed, normal } => {
                let f = if *normal { "randn" } else { "rand" };
                format!("{f}(seed={seed})")
            }
            Op::Broadcast => self.expr(node.inputs[0]),
            Op::Unary(UnaryOp::Neg) => format!("-{}", self.operand(n, 0, 6, false)),
            Op::Unary(UnaryOp::Not) => format!("not {}", self.operand(n, 0, 6, false)),
            Op::Unary(op) => format!("{}({})", op.name(), self.expr(node.inputs[0])),
            Op::Binary(
                op @ (BinaryOp::Min | BinaryOp::Max | BinaryOp::Atan2 | BinaryOp::Complex),
            ) => {
                let (a, b) = (self.expr(node.inputs[0]), self.expr(node.inputs[1]));
                format!("{}({a}, {b})", binary_symbol(*op))
            }
            Op::Binary(op) => {
                let p = precedence(&node.op);
                // `**` groups to the right, the others to the left.
                let pow = *op == BinaryOp::Pow;
                let a = self.operand(n, 0, p, pow);
                let b = self.operand(n, 1, p, !pow);
                format!("{a} {} {b}", binary_symbol(*op))
            }
            Op::Where => {
                let (c, a, b) = (
                    self.expr(node.inputs[0]),
                    self.expr(node.inputs[1]),
                    self.expr(node.inputs[2]),
                );
                format!("where({c}, {a}, {b})")
            }
            Op::Cast => format!("{}({})", node.ty.dtype, self.expr(node.inputs[0])),
            Op::Reduce { op, axes } => {
                let name = match op {
                    ReduceOp::Sum => "sum",
                    ReduceOp::Prod => "prod",
                    ReduceOp::Min => "min",
                    ReduceOp::Max => "max",
                };
                let rank = self.graph.ty(node.inputs[0]).rank();
                let x = self.expr(node.inputs[0]);
                format!("{name}({x}{})", axes_text(axes, rank))
            }
            Op::ArgMin { axis } | Op::ArgMax { axis } => {
                let name = if matches!(node.op, Op::ArgMin { .. }) {
                    "argmin"
                } else {
                    "argmax"
                };
                format!("{name}({}, axis={axis})", self.expr(node.inputs[0]))
            }
            // A constant keeps its value whatever its shape.
            Op::Reshape if matches!(self.graph.node(node.inputs[0]).op, Op::Const(_)) => {
                self.expr(node.inputs[0])
            }
            Op::Reshape => {
                let dims: Vec<String> = node.ty.shape.iter().map(|d| d.to_string()).collect();
                let shape = if dims.len() == 1 {
                    format!("({},)", dims[0])
                } else {
                    format!("({})", dims.join(", "))
                };
                format!("reshape({}, {shape})", self.expr(node.inputs[0]))
            }
            Op::Permute(perm) => {
                let x = self.expr(node.inputs[0]);
                let reversed = perm.iter().rev().copied().eq(0..perm.len());
                if reversed {
                    format!("transpose({x})")
                } else {
                    let list: Vec<String> = perm.iter().map(|a| a.to_string()).collect();
                    format!("transpose({x}, ({}))", list.join(", "))
                }
            }
            Op::Slice { start, step } => {
                let x = self.operand(n, 0, 9, false);
                let parts: Vec<String> = (0..start.len())
                    .map(|a| {
                        let len = node.ty.shape[a] as i64;
                        let (s, t) = (start[a], step[a]);
                        let stop = s + len * t;
                        let stop = if stop < 0 {
                            String::new()
                        } else {
                            stop.to_string()
                        };
                        if t == 1 {
                            format!("{s}:{stop}")
                        } else {
                            format!("{s}:{stop}:{t}")
                        }
                    })
                    .collect();
                format!("{x}[{}]", parts.join(", "))
            }
            Op::Concat { axis } => {
                let parts: Vec<String> =
                    node.inputs.clone().iter().map(|&i| self.expr(i)).collect();
                format!("concat({}, axis={axis})", parts.join(", "))
            }
            Op::MatMul => {
                let a = self.operand(n, 0, 5, false);
                let b = self.operand(n, 1, 5, true);
                format!("{a} @ {b}")
            }
            Op::Cumsum { axis } => format!("cumsum({}, axis={axis})", self.expr(node.inputs[0])),
            Op::Cumprod { axis } => format!("cumprod({}, axis={axis})", self.expr(node.inputs[0])),
            Op::Sort { axis } => format!("sort({}, axis={axis})", self.expr(node.inputs[0])),
            Op::ArgSort { axis } => format!("argsort({}, axis={axis})", self.expr(node.inputs[0])),
            Op::TakeAlong { axis } => {
                let (x, i) = (self.expr(node.inputs[0]), self.expr(node.inputs[1]));
                format!("take_along_axis({x}, {i}, axis={axis})")
            }
            Op::Fft { inverse } => {
                let f = if *inverse { "ifft" } else { "fft" };
                format!("{f}({})", self.expr(node.inputs[0]))
            }
            Op::Rfft => format!("rfft({})", self.expr(node.inputs[0])),
            Op::Irfft { n: len } => format!("irfft({}, n={len})", self.expr(node.inputs[0])),
        }
    }
}

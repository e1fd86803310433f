//! Reverse-mode differentiation, graph → graph.
//!
//! Contract: given a scalar float node `y` and leaves `params` (the `Param` nodes standing for
//! the arguments differentiated), `vjp` builds the nodes of ∂y/∂p for every parameter, in
//! primitives, through the same `ir::Builder` as lowering: the gradient is an ordinary graph,
//! folded and simplified as it is built, fused and compiled like any other, and it can be
//! differentiated again. Each primitive has one rule (`Diff::rule`); a rule gets the cotangent
//! of a node's output and returns one per input. Integer and bool values carry no gradient;
//! functions that are flat almost everywhere (`floor`, `sign`, comparisons) give zero.
//! Primitives without a rule are refused with a message, which the caller locates.
//!
//! The pass needs only the graph: tracing a user function on placeholders is the caller's
//! part (`lower/grad.rs` for scripts).

use crate::ir::{Arr, BinaryOp, Builder, Lit, NodeId, Op, ReduceOp, Type, UnaryOp};
use arrjit_runtime::DType;
use std::collections::{HashMap, HashSet};

type Rule<T> = Result<T, String>;

/// ∂y/∂p for each of `params` (leaves of the graph): one node each, zeros where `y` does not
/// depend on it.
pub fn vjp(build: &mut Builder, y: NodeId, params: &[NodeId]) -> Result<Vec<NodeId>, String> {
    let grads = Diff { build: &mut *build }.vjp(y, params)?;
    build.check();
    Ok(grads)
}

/// The rules, over the builder of the graph being differentiated.
struct Diff<'b> {
    build: &'b mut Builder,
}

impl Diff<'_> {
    /// ∂y/∂p for each of `params` (leaves of the graph): one node each, zeros where `y` does
    /// not depend on it.
    fn vjp(&mut self, y: NodeId, params: &[NodeId]) -> Rule<Vec<NodeId>> {
        // The nodes between the parameters and `y`: reachable from `y`, depending on a
        // parameter, of a float dtype. Node ids are topologically ordered.
        let order = self.build.graph.reachable(&[y]);
        let mut depends: HashSet<NodeId> = params.iter().copied().collect();
        for &n in &order {
            let node = self.build.graph.node(n);
            let carries = node.ty.dtype.is_float() || node.ty.dtype.is_complex();
            if carries && node.inputs.iter().any(|i| depends.contains(i)) {
                depends.insert(n);
            }
        }
        let mut adjoint: HashMap<NodeId, NodeId> = HashMap::new();
        let one = self.scalar(1.0, self.build.graph.ty(y).dtype);
        adjoint.insert(y, one.node);
        for &n in order.iter().rev() {
            if params.contains(&n) || !depends.contains(&n) {
                continue;
            }
            let Some(&g) = adjoint.get(&n) else { continue };
            let inputs = self.build.graph.node(n).inputs.clone();
            let cotangents = self.rule(n, Arr::strong(g), &depends)?;
            for (input, ct) in inputs.into_iter().zip(cotangents) {
                let Some(ct) = ct else { continue };
                if !depends.contains(&input) {
                    continue;
                }
                let ct = self.unbroadcast(ct, &self.build.graph.ty(input).shape.clone())?;
                let total = match adjoint.get(&input) {
                    Some(&prev) => {
                        self.build
                            .binary(BinaryOp::Add, Arr::strong(prev), ct)?
                            .node
                    }
                    None => ct.node,
                };
                adjoint.insert(input, total);
            }
        }
        params
            .iter()
            .map(|&p| match adjoint.get(&p) {
                Some(&g) => Ok(g),
                None => {
                    let ty = self.build.graph.ty(p).clone();
                    Ok(self
                        .build
                        .filled(Lit::Float(0f64.to_bits()), ty.dtype, &ty.shape)?
                        .node)
                }
            })
            .collect()
    }

    /// A scalar float constant.
    fn scalar(&mut self, x: f64, dtype: DType) -> Arr {
        Arr::strong(self.build.konst(Lit::Float(x.to_bits()), dtype))
    }

    /// `g` summed down to `shape` over the axes broadcasting added or stretched.
    fn unbroadcast(&mut self, g: Arr, shape: &[usize]) -> Rule<Arr> {
        let gs = self.build.ty(g).shape.clone();
        if gs == shape {
            return Ok(g);
        }
        let lead = gs.len() - shape.len();
        let axes: Vec<usize> = (0..gs.len())
            .filter(|&i| i < lead || (shape[i - lead] == 1 && gs[i] != 1))
            .collect();
        let summed = self.build.reduce_node(ReduceOp::Sum, g, &axes)?;
        self.build.reshape(summed, shape.to_vec())
    }

    /// `g` (shaped like a reduction's output) broadcast back over the reduced `axes` of `shape`.
    fn expand(&mut self, g: Arr, axes: &[usize], shape: &[usize]) -> Rule<Arr> {
        let kept: Vec<usize> = (0..shape.len())
            .map(|i| if axes.contains(&i) { 1 } else { shape[i] })
            .collect();
        let g = self.build.reshape(g, kept)?;
        self.build.broadcast_to(g, shape)
    }

    /// `x` reversed along `axis`.
    fn reverse(&mut self, x: Arr, axis: usize) -> Rule<Arr> {
        let ty = self.build.ty(x).clone();
        let mut start = vec![0; ty.rank()];
        let mut step = vec![1; ty.rank()];
        start[axis] = ty.shape[axis] as i64 - 1;
        step[axis] = -1;
        if ty.shape[axis] == 0 {
            return Ok(x);
        }
        self.build.op1(Op::Slice { start, step }, x, ty)
    }

    /// The cotangent of each input of node `n`, given the cotangent `g` of its output.
    ///
    /// Complex values are pairs of reals: the cotangent of `z` is `∂y/∂re(z) + i·∂y/∂im(z)`
    /// (PyTorch's convention), so the gradient with respect to a real parameter is the same
    /// whatever complex values lie between. For a holomorphic `w = f(z)` it is `g · conj(f'(z))`:
    /// the real rule applied to `conj(g)`, conjugated back. Linear maps with real coefficients
    /// (sums, views, `where`) use the real rule as it is; the functions that are not
    /// holomorphic (`abs`, `real`, `imag`, `conj`, `angle`, `complex`, casts) and the FFT family
    /// have rules of their own.
    fn rule(&mut self, n: NodeId, g: Arr, depends: &HashSet<NodeId>) -> Rule<Vec<Option<Arr>>> {
        let node = self.build.graph.node(n).clone();
        let complex = std::iter::once(n)
            .chain(node.inputs.iter().copied())
            .any(|i| self.build.graph.ty(i).dtype.is_complex() && depends.contains(&i));
        if !complex {
            return self.real_rule(n, g, depends);
        }
        if let Some(r) = self.complex_rule(n, g)? {
            return Ok(r);
        }
        use BinaryOp as B;
        use UnaryOp as U;
        let linear = match &node.op {
            Op::Unary(U::Neg)
            | Op::Binary(B::Add | B::Sub)
            | Op::Where
            | Op::Reduce {
                op: ReduceOp::Sum, ..
            }
            | Op::Reshape
            | Op::Broadcast
            | Op::Permute(_)
            | Op::Slice { .. }
            | Op::Concat { .. }
            | Op::Cumsum { .. } => true,
            Op::Unary(
                U::Sqrt
                | U::Exp
                | U::Exp2
                | U::Expm1
                | U::Log
                | U::Log2
                | U::Log10
                | U::Log1p
                | U::Sin
                | U::Cos
                | U::Tan
                | U::Asin
                | U::Acos
                | U::Atan
                | U::Sinh
                | U::Cosh
                | U::Tanh,
            )
            | Op::Binary(B::Mul | B::Div | B::Pow)
            | Op::Reduce {
                op: ReduceOp::Prod, ..
            }
            | Op::MatMul
            | Op::Cumprod { .. } => false,
            _ => {
                return Err(format!(
                    "`{}` of complex numbers has no derivative rule",
                    crate::ir::print::op_text(&self.build.graph, &node.op)
                ));
            }
        };
        if linear {
            return self.real_rule(n, g, depends);
        }
        // Holomorphic: g · conj(f'(z)) = conj(conj(g) · f'(z)).
        let cg = self.build.unary_node(U::Conj, g)?;
        let cts = self.real_rule(n, cg, depends)?;
        cts.into_iter()
            .map(|ct| match ct {
                Some(c) if self.build.ty(c).dtype.is_complex() => {
                    Ok(Some(self.build.unary_node(U::Conj, c)?))
                }
                other => Ok(other),
            })
            .collect()
    }

    /// The rules of the functions that are not holomorphic, and of the FFT family, where a
    /// complex value is on the path; `None` for the other primitives.
    fn complex_rule(&mut self, n: NodeId, g: Arr) -> Rule<Option<Vec<Option<Arr>>>> {
        let node = self.build.graph.node(n).clone();
        let out = Arr::strong(n);
        let x = Arr::strong(node.inputs[0]);
        let xt = self.build.ty(x).clone();
        let real = |l: &mut Self, v: f64| l.scalar(v, xt.dtype.real());
        use BinaryOp as B;
        use UnaryOp as U;
        let ct = match &node.op {
            // re(z): g + 0i
            Op::Unary(U::Real) => self.build.cast(g, xt.dtype)?,
            // im(z): 0 + g·i
            Op::Unary(U::Imag) => {
                let zero =
                    self.build
                        .filled(Lit::Float(0f64.to_bits()), node.ty.dtype, &xt.shape)?;
                self.build.binary(B::Complex, zero, g)?
            }
            // conj(z): conj(g)
            Op::Unary(U::Conj) => self.build.unary_node(U::Conj, g)?,
            // |z|: g · z / |z|, and 0 where z = 0 (the subgradient JAX and PyTorch pick)
            Op::Unary(U::Abs) => {
                let zero = real(self, 0.0);
                let at_zero = self.build.binary(B::Eq, out, zero)?;
                let one = real(self, 1.0);
                let den = self.build.select(at_zero, one, out)?;
                let unit = self.build.binary(B::Div, x, den)?;
                self.build.binary(B::Mul, g, unit)?
            }
            // angle(z) = atan2(im z, re z): g · i·z / |z|²
            Op::Unary(U::Angle) => {
                let re = self.build.unary_node(U::Real, x)?;
                let im = self.build.unary_node(U::Imag, x)?;
                let rr = self.build.binary(B::Mul, re, re)?;
                let ii = self.build.binary(B::Mul, im, im)?;
                let den = self.build.binary(B::Add, rr, ii)?;
                let gd = self.build.binary(B::Div, g, den)?;
                let neg_im = self.build.unary_node(U::Neg, im)?;
                let iz = self.build.binary(B::Complex, neg_im, re)?;
                self.build.binary(B::Mul, gd, iz)?
            }
            // complex(a, b): (re g, im g)
            Op::Binary(B::Complex) => {
                let re = self.build.unary_node(U::Real, g)?;
                let im = self.build.unary_node(U::Imag, g)?;
                return Ok(Some(vec![Some(re), Some(im)]));
            }
            // A real input gets the real part; otherwise back to the input's dtype.
            Op::Cast => {
                let g = if xt.dtype.is_complex() || !self.build.ty(g).dtype.is_complex() {
                    g
                } else {
                    self.build.unary_node(U::Real, g)?
                };
                self.build.cast(g, xt.dtype)?
            }
            // fft is x ↦ F·x with F symmetric: its adjoint is conj(F) = n · ifft; ifft's is
            // fft / n. A real input gets the real part.
            Op::Fft { inverse } => {
                let len = *xt.shape.last().expect("an FFT has an axis") as f64;
                let gt = self.build.ty(g).clone();
                let t = self.build.op1(Op::Fft { inverse: !inverse }, g, gt)?;
                let k = real(self, if *inverse { 1.0 / len } else { len });
                let t = self.build.binary(B::Mul, t, k)?;
                if xt.dtype.is_complex() {
                    t
                } else {
                    self.build.unary_node(U::Real, t)?
                }
            }
            // rfft keeps the first m = n/2 + 1 terms of fft: the adjoint pads g with zeros to
            // n and takes the real part of n · ifft.
            Op::Rfft => {
                let len = *xt.shape.last().expect("an FFT has an axis");
                let gt = self.build.ty(g).clone();
                let m = *gt.shape.last().expect("an FFT has an axis");
                let last = gt.rank() - 1;
                let mut padded = g;
                if len > m {
                    let mut s = gt.shape.clone();
                    s[last] = len - m;
                    let zeros = self
                        .build
                        .filled(Lit::Float(0f64.to_bits()), gt.dtype, &s)?;
                    padded = self.build.concat(&[g, zeros], last)?;
                }
                let mut full = gt.clone();
                full.shape[last] = len;
                let t = self.build.op1(Op::Fft { inverse: true }, padded, full)?;
                let t = self.build.unary_node(U::Real, t)?;
                let k = real(self, len as f64);
                self.build.binary(B::Mul, t, k)?
            }
            // irfft to n points reads terms 0 ..= n/2 of its input (the others, and the
            // imaginary parts of terms 0 and n/2, are ignored): the adjoint is rfft(g) / n,
            // doubled for the terms that stand for a conjugate pair, then padded with zeros or
            // cut to the input's length.
            Op::Irfft { n: len } => {
                let len = *len;
                let m = *xt.shape.last().expect("an FFT has an axis");
                let last = xt.rank() - 1;
                let mut spectrum = xt.clone();
                spectrum.shape[last] = len / 2 + 1;
                let r = self.build.op1(Op::Rfft, g, spectrum.clone())?;
                let half = len / 2 + 1;
                // Weights 1/n for term 0 (and n/2 when n is even), 2/n for the others.
                let mut weights = Vec::new();
                for k in 0..half {
                    let paired = k > 0 && 2 * k != len;
                    weights.push(if paired { 2.0 } else { 1.0 } / len as f64);
                }
                let w = self.real_vector(&weights, xt.dtype.real())?;
                let mut ct = self.build.binary(B::Mul, r, w)?;
                if m < half {
                    let mut s = spectrum.clone();
                    s.shape[last] = m;
                    let start = vec![0i64; s.rank()];
                    let step = vec![1i64; s.rank()];
                    ct = self.build.op1(Op::Slice { start, step }, ct, s)?;
                } else if m > half {
                    let mut s = spectrum.shape.clone();
                    s[last] = m - half;
                    let zeros = self
                        .build
                        .filled(Lit::Float(0f64.to_bits()), xt.dtype, &s)?;
                    ct = self.build.concat(&[ct, zeros], last)?;
                }
                ct
            }
            _ => return Ok(None),
        };
        Ok(Some(vec![Some(ct)]))
    }

    /// A 1-d array of the given values: a concatenation of runs of equal values.
    fn real_vector(&mut self, values: &[f64], dtype: DType) -> Rule<Arr> {
        let mut parts = Vec::new();
        let mut i = 0;
        while i < values.len() {
            let mut j = i;
            while j < values.len() && values[j].to_bits() == values[i].to_bits() {
                j += 1;
            }
            parts.push(
                self.build
                    .filled(Lit::Float(values[i].to_bits()), dtype, &[j - i])?,
            );
            i = j;
        }
        if parts.len() == 1 {
            return Ok(parts[0]);
        }
        self.build.concat(&parts, 0)
    }

    /// The rules of real-valued primitives (and of the linear maps, for any dtype).
    fn real_rule(
        &mut self,
        n: NodeId,
        g: Arr,
        depends: &HashSet<NodeId>,
    ) -> Rule<Vec<Option<Arr>>> {
        let node = self.build.graph.node(n).clone();
        let out = Arr::strong(n);
        let d = node.ty.dtype;
        let x = node.inputs.first().map(|&i| Arr::strong(i));
        let input = |k: usize| Arr::strong(node.inputs[k]);
        use BinaryOp as B;
        use UnaryOp as U;
        Ok(match &node.op {
            Op::Const(_) | Op::Source(_) | Op::Param(_) | Op::Iota { .. } | Op::Rand { .. } => {
                vec![]
            }
            Op::Unary(op) => {
                let x = x.expect("one input");
                let c = |l: &mut Self, v: f64| l.scalar(v, d);
                let r = match op {
                    // -x
                    U::Neg => Some(self.build.unary_node(U::Neg, g)?),
                    // g · sign(x)
                    U::Abs => {
                        let s = self.build.unary_node(U::Sign, x)?;
                        Some(self.build.binary(B::Mul, g, s)?)
                    }
                    // g / (2 √x)
                    U::Sqrt => {
                        let two = c(self, 2.0);
                        let den = self.build.binary(B::Mul, two, out)?;
                        Some(self.build.binary(B::Div, g, den)?)
                    }
                    // g · eˣ
                    U::Exp => Some(self.build.binary(B::Mul, g, out)?),
                    // g · 2ˣ · ln 2
                    U::Exp2 => {
                        let ln2 = c(self, std::f64::consts::LN_2);
                        let t = self.build.binary(B::Mul, out, ln2)?;
                        Some(self.build.binary(B::Mul, g, t)?)
                    }
                    // g · (eˣ - 1 + 1)
                    U::Expm1 => {
                        let one = c(self, 1.0);
                        let t = self.build.binary(B::Add, out, one)?;
                        Some(self.build.binary(B::Mul, g, t)?)
                    }
                    // g / x, g / (x ln 2), g / (x ln 10)
                    U::Log | U::Log2 | U::Log10 => {
                        let den = match op {
                            U::Log => x,
                            U::Log2 => {
                                let k = c(self, std::f64::consts::LN_2);
                                self.build.binary(B::Mul, x, k)?
                            }
                            _ => {
                                let k = c(self, std::f64::consts::LN_10);
                                self.build.binary(B::Mul, x, k)?
                            }
                        };
                        Some(self.build.binary(B::Div, g, den)?)
                    }
                    // g / (1 + x)
                    U::Log1p => {
                        let one = c(self, 1.0);
                        let den = self.build.binary(B::Add, one, x)?;
                        Some(self.build.binary(B::Div, g, den)?)
                    }
                    // g · cos x
                    U::Sin => {
                        let t = self.build.unary_node(U::Cos, x)?;
                        Some(self.build.binary(B::Mul, g, t)?)
                    }
                    // -g · sin x
                    U::Cos => {
                        let t = self.build.unary_node(U::Sin, x)?;
                        let t = self.build.binary(B::Mul, g, t)?;
                        Some(self.build.unary_node(U::Neg, t)?)
                    }
                    // g · (1 + tan² x)
                    U::Tan => {
                        let sq = self.build.binary(B::Mul, out, out)?;
                        let one = c(self, 1.0);
                        let t = self.build.binary(B::Add, one, sq)?;
                        Some(self.build.binary(B::Mul, g, t)?)
                    }
                    // ±g / √(1 - x²)
                    U::Asin | U::Acos => {
                        let sq = self.build.binary(B::Mul, x, x)?;
                        let one = c(self, 1.0);
                        let t = self.build.binary(B::Sub, one, sq)?;
                        let t = self.build.unary_node(U::Sqrt, t)?;
                        let r = self.build.binary(B::Div, g, t)?;
                        Some(if *op == U::Acos {
                            self.build.unary_node(U::Neg, r)?
                        } else {
                            r
                        })
                    }
                    // g / (1 + x²)
                    U::Atan => {
                        let sq = self.build.binary(B::Mul, x, x)?;
                        let one = c(self, 1.0);
                        let t = self.build.binary(B::Add, one, sq)?;
                        Some(self.build.binary(B::Div, g, t)?)
                    }
                    // g · cosh x, g · sinh x
                    U::Sinh | U::Cosh => {
                        let other = if *op == U::Sinh { U::Cosh } else { U::Sinh };
                        let t = self.build.unary_node(other, x)?;
                        Some(self.build.binary(B::Mul, g, t)?)
                    }
                    // g · (1 - tanh² x)
                    U::Tanh => {
                        let sq = self.build.binary(B::Mul, out, out)?;
                        let one = c(self, 1.0);
                        let t = self.build.binary(B::Sub, one, sq)?;
                        Some(self.build.binary(B::Mul, g, t)?)
                    }
                    // Flat almost everywhere: zero.
                    U::Floor | U::Ceil | U::Round | U::Trunc | U::Sign => None,
                    // Bool results carry no gradient.
                    U::Not | U::IsNan | U::IsInf => None,
                    U::Real | U::Imag | U::Conj | U::Angle => {
                        unreachable!("complex input: `complex_rule`")
                    }
                };
                vec![r]
            }
            Op::Binary(op) => {
                let (a, b) = (input(0), input(1));
                let needs_b = depends.contains(&b.node);
                let (ga, gb) = match op {
                    // (g, g)
                    B::Add => (Some(g), Some(g)),
                    // (g, -g)
                    B::Sub => (Some(g), Some(self.build.unary_node(U::Neg, g)?)),
                    // (g b, g a)
                    B::Mul => (
                        Some(self.build.binary(B::Mul, g, b)?),
                        Some(self.build.binary(B::Mul, g, a)?),
                    ),
                    // (g / b, -g · out / b)
                    B::Div => {
                        let ga = self.build.binary(B::Div, g, b)?;
                        let t = self.build.binary(B::Mul, ga, out)?;
                        (Some(ga), Some(self.build.unary_node(U::Neg, t)?))
                    }
                    // (g · b · a^(b-1), g · out · ln a); the second only where b varies, since
                    // ln a is NaN for a < 0.
                    B::Pow => {
                        let one = self.scalar(1.0, d);
                        let bm1 = self.build.binary(B::Sub, b, one)?;
                        let p = self.build.binary(B::Pow, a, bm1)?;
                        let t = self.build.binary(B::Mul, b, p)?;
                        let ga = self.build.binary(B::Mul, g, t)?;
                        let gb = if needs_b {
                            let ln = self.build.unary_node(U::Log, a)?;
                            let t = self.build.binary(B::Mul, out, ln)?;
                            Some(self.build.binary(B::Mul, g, t)?)
                        } else {
                            None
                        };
                        (Some(ga), gb)
                    }
                    // (g, -g · floor(a / b))
                    B::Rem => {
                        let q = self.build.binary(B::Div, a, b)?;
                        let q = self.build.unary_node(U::Floor, q)?;
                        let t = self.build.binary(B::Mul, g, q)?;
                        (Some(g), Some(self.build.unary_node(U::Neg, t)?))
                    }
                    // The smaller (larger) input gets g; ties split it evenly.
                    B::Min | B::Max => {
                        let wins = if *op == B::Min { B::Lt } else { B::Gt };
                        let half = self.scalar(0.5, d);
                        let zero = self.scalar(0.0, d);
                        let hg = self.build.binary(B::Mul, g, half)?;
                        let tie = self.build.binary(B::Eq, a, b)?;
                        let split = self.build.select(tie, hg, zero)?;
                        let a_wins = self.build.binary(wins, a, b)?;
                        let b_wins = self.build.binary(wins, b, a)?;
                        (
                            Some(self.build.select(a_wins, g, split)?),
                            Some(self.build.select(b_wins, g, split)?),
                        )
                    }
                    // atan2(a, b): (g b / (a² + b²), -g a / (a² + b²))
                    B::Atan2 => {
                        let aa = self.build.binary(B::Mul, a, a)?;
                        let bb = self.build.binary(B::Mul, b, b)?;
                        let den = self.build.binary(B::Add, aa, bb)?;
                        let gd = self.build.binary(B::Div, g, den)?;
                        let gb = self.build.binary(B::Mul, gd, a)?;
                        (
                            Some(self.build.binary(B::Mul, gd, b)?),
                            Some(self.build.unary_node(U::Neg, gb)?),
                        )
                    }
                    B::Eq | B::Ne | B::Lt | B::Le | B::Gt | B::Ge | B::And | B::Or => (None, None),
                    B::Complex => unreachable!("complex output: `complex_rule`"),
                };
                vec![ga, gb]
            }
            // where(c, a, b): (—, where(c, g, 0), where(c, 0, g))
            Op::Where => {
                let c = input(0);
                let zero = self.scalar(0.0, d);
                vec![
                    None,
                    Some(self.build.select(c, g, zero)?),
                    Some(self.build.select(c, zero, g)?),
                ]
            }
            // Back to the input's dtype; integers and bools carry no gradient.
            Op::Cast => {
                let x = x.expect("one input");
                let from = self.build.ty(x).dtype;
                vec![if from.is_float() {
                    Some(self.build.cast(g, from)?)
                } else {
                    None
                }]
            }
            Op::Reduce { op, axes } => {
                let x = x.expect("one input");
                let shape = self.build.ty(x).shape.clone();
                let gb = self.expand(g, axes, &shape)?;
                let r = match op {
                    // g, over the reduced axes
                    ReduceOp::Sum => gb,
                    // g · (the product of the other elements), zeros included
                    ReduceOp::Prod => {
                        let others = self.product_of_others(x, axes)?;
                        self.build.binary(BinaryOp::Mul, gb, others)?
                    }
                    // g to the elements equal to the extreme, split evenly between ties
                    ReduceOp::Min | ReduceOp::Max => {
                        let ob = self.expand(out, axes, &shape)?;
                        let hit = self.build.binary(BinaryOp::Eq, x, ob)?;
                        let ones = self.build.cast(hit, d)?;
                        let count = self.build.reduce_node(ReduceOp::Sum, ones, axes)?;
                        let count = self.expand(count, axes, &shape)?;
                        let share = self.build.binary(BinaryOp::Div, gb, count)?;
                        let zero = self.scalar(0.0, d);
                        self.build.select(hit, share, zero)?
                    }
                };
                vec![Some(r)]
            }
            Op::ArgMin { .. } | Op::ArgMax { .. } | Op::ArgSort { .. } => vec![None],
            // The same elements, in the input's shape.
            Op::Reshape => {
                let shape = self.build.ty(x.expect("one input")).shape.clone();
                vec![Some(self.build.reshape(g, shape)?)]
            }
            // Broadcasting's cotangent sums (`unbroadcast`, applied to every cotangent).
            Op::Broadcast => vec![Some(g)],
            // The inverse permutation.
            Op::Permute(perm) => {
                let mut inverse = vec![0; perm.len()];
                for (i, &p) in perm.iter().enumerate() {
                    inverse[p] = i;
                }
                let ty = self.build.ty(x.expect("one input")).clone();
                vec![Some(self.build.op1(Op::Permute(inverse), g, ty)?)]
            }
            Op::Slice { start, step } => {
                let shape = self.build.ty(x.expect("one input")).shape.clone();
                vec![Some(self.unslice(g, start, step, &shape)?)]
            }
            // Each input gets its part.
            Op::Concat { axis } => {
                let mut offset = 0;
                let mut parts = Vec::new();
                for &i in &node.inputs {
                    let ty = self.build.graph.ty(i).clone();
                    let mut start = vec![0i64; ty.rank()];
                    let step = vec![1i64; ty.rank()];
                    start[*axis] = offset;
                    offset += ty.shape[*axis] as i64;
                    let ty = ty.with_dtype(d);
                    parts.push(Some(self.build.op1(Op::Slice { start, step }, g, ty)?));
                }
                parts
            }
            // (g @ bᵀ, aᵀ @ g)
            Op::MatMul => {
                let (a, b) = (input(0), input(1));
                let at = self.swap_last(a)?;
                let bt = self.swap_last(b)?;
                let ga = self.matmul_node(g, bt)?;
                let gb = self.matmul_node(at, g)?;
                vec![Some(ga), Some(gb)]
            }
            // The reversed running sum of the reversed cotangent.
            Op::Cumsum { axis } => {
                let r = self.reverse(g, *axis)?;
                let ty = self.build.ty(r).clone();
                let s = self.build.op1(Op::Cumsum { axis: *axis }, r, ty)?;
                vec![Some(self.reverse(s, *axis)?)]
            }
            // Each element's cotangent comes back from where sorting moved it: the inverse
            // permutation is the argsort of the sorting permutation.
            Op::Sort { axis } => {
                let x = x.expect("one input");
                let ty = self.build.ty(x).clone();
                let perm_ty = ty.with_dtype(DType::I64);
                let perm = self
                    .build
                    .op1(Op::ArgSort { axis: *axis }, x, perm_ty.clone())?;
                let inverse = self.build.op1(Op::ArgSort { axis: *axis }, perm, perm_ty)?;
                let gx = self.build.node(
                    Op::TakeAlong { axis: *axis },
                    vec![g.node, inverse.node],
                    ty,
                )?;
                vec![Some(Arr::strong(gx))]
            }
            // (reversed running sum of g · out) / x: NaN where an element is 0.
            Op::Cumprod { axis } => {
                let x = x.expect("one input");
                let t = self.build.binary(BinaryOp::Mul, g, out)?;
                let r = self.reverse(t, *axis)?;
                let ty = self.build.ty(r).clone();
                let s = self.build.op1(Op::Cumsum { axis: *axis }, r, ty)?;
                let s = self.reverse(s, *axis)?;
                vec![Some(self.build.binary(BinaryOp::Div, s, x)?)]
            }
            // Differentiation builds this gather only with a permutation along the axis (the
            // gradient of `sort`), so its adjoint is the gather through the inverse
            // permutation, the argsort of the indices. Indices carry no gradient.
            Op::TakeAlong { axis } => {
                let indices = input(1);
                let ty = self.build.ty(indices).clone();
                let inverse = self.build.op1(Op::ArgSort { axis: *axis }, indices, ty)?;
                let gx = self.build.node(
                    Op::TakeAlong { axis: *axis },
                    vec![g.node, inverse.node],
                    self.build.ty(x.expect("two inputs")).clone().with_dtype(d),
                )?;
                vec![Some(Arr::strong(gx)), None]
            }
            Op::Fft { .. } | Op::Rfft | Op::Irfft { .. } => {
                unreachable!("complex values: `complex_rule`")
            }
        })
    }

    /// For each element of `x`, the product of the other elements of its reduction over
    /// `axes`: the exclusive prefix product times the exclusive suffix product, so that a zero
    /// element gets the product of the rest (dividing the product by it would give NaN).
    fn product_of_others(&mut self, x: Arr, axes: &[usize]) -> Rule<Arr> {
        let ty = self.build.ty(x).clone();
        let d = ty.dtype;
        let kept: Vec<usize> = (0..ty.rank()).filter(|a| !axes.contains(a)).collect();
        let perm: Vec<usize> = kept.iter().chain(axes).copied().collect();
        let moved: Vec<usize> = perm.iter().map(|&a| ty.shape[a]).collect();
        let k: usize = axes.iter().map(|&a| ty.shape[a]).product();
        if k == 0 {
            return self.build.filled(Lit::Float(1f64.to_bits()), d, &ty.shape);
        }
        let last = kept.len();
        let mut rows: Vec<usize> = kept.iter().map(|&a| ty.shape[a]).collect();
        rows.push(k);
        let xm = self
            .build
            .op1(Op::Permute(perm.clone()), x, Type::new(d, moved.clone()))?;
        let xr = self.build.reshape(xm, rows.clone())?;
        let mut one_shape = rows.clone();
        one_shape[last] = 1;
        let ones = self
            .build
            .filled(Lit::Float(1f64.to_bits()), d, &one_shape)?;
        // [1, x0, x1, …, x(k-2)], running product: the product of the elements before each.
        let exclusive = |l: &mut Self, v: Arr| -> Rule<Arr> {
            let mut head = rows.clone();
            head[last] = k - 1;
            let start = vec![0i64; rows.len()];
            let step = vec![1i64; rows.len()];
            let front = l
                .build
                .op1(Op::Slice { start, step }, v, Type::new(d, head))?;
            let shifted = l.build.concat(&[ones, front], last)?;
            l.build.op1(
                Op::Cumprod { axis: last },
                shifted,
                Type::new(d, rows.clone()),
            )
        };
        let before = exclusive(self, xr)?;
        let reversed = self.reverse(xr, last)?;
        let after = exclusive(self, reversed)?;
        let after = self.reverse(after, last)?;
        let others = self.build.binary(BinaryOp::Mul, before, after)?;
        let others = self.build.reshape(others, moved)?;
        let mut inverse = vec![0; perm.len()];
        for (i, &p) in perm.iter().enumerate() {
            inverse[p] = i;
        }
        self.build.op1(Op::Permute(inverse), others, ty)
    }

    /// `x` with its last two axes swapped.
    fn swap_last(&mut self, x: Arr) -> Rule<Arr> {
        let ty = self.build.ty(x).clone();
        let r = ty.rank();
        let mut perm: Vec<usize> = (0..r).collect();
        perm.swap(r - 2, r - 1);
        let mut shape = ty.shape.clone();
        shape.swap(r - 2, r - 1);
        self.build
            .op1(Op::Permute(perm), x, Type::new(ty.dtype, shape))
    }

    /// `[..., m, k] @ [..., k, n]` as a `MatMul` node.
    fn matmul_node(&mut self, a: Arr, b: Arr) -> Rule<Arr> {
        let (ta, tb) = (self.build.ty(a).clone(), self.build.ty(b).clone());
        let mut shape = ta.shape.clone();
        let r = shape.len();
        shape[r - 1] = tb.shape[r - 1];
        Ok(Arr::strong(self.build.node(
            Op::MatMul,
            vec![a.node, b.node],
            Type::new(ta.dtype, shape),
        )?))
    }

    /// The cotangent of a slice's input: `g` scattered back to the positions the slice read,
    /// zeros elsewhere; one axis at a time.
    fn unslice(&mut self, g: Arr, start: &[i64], step: &[i64], shape: &[usize]) -> Rule<Arr> {
        let mut g = g;
        for axis in 0..shape.len() {
            let m = self.build.ty(g).shape[axis] as i64;
            let n = shape[axis] as i64;
            let (mut first, mut t) = (start[axis], step[axis]);
            if m == n && first == 0 && t == 1 {
                continue;
            }
            let d = self.build.ty(g).dtype;
            if m == 0 {
                let mut s = self.build.ty(g).shape.clone();
                s[axis] = n as usize;
                g = self.build.filled(Lit::Float(0f64.to_bits()), d, &s)?;
                continue;
            }
            if t < 0 {
                // Read backwards: reverse, and read forwards from the last position read.
                g = self.reverse(g, axis)?;
                first += (m - 1) * t;
                t = -t;
            }
            if t > 1 {
                // Interleave t - 1 zeros after each element: a new last axis of length t.
                let rank = self.build.ty(g).shape.len();
                let mut perm: Vec<usize> = (0..rank).filter(|&i| i != axis).collect();
                perm.push(axis);
                let ty = self.build.ty(g).clone();
                let moved: Vec<usize> = perm.iter().map(|&i| ty.shape[i]).collect();
                g = self
                    .build
                    .op1(Op::Permute(perm.clone()), g, Type::new(d, moved.clone()))?;
                let mut column = moved.clone();
                column.push(1);
                g = self.build.reshape(g, column.clone())?;
                let mut gap = column.clone();
                gap[rank] = (t - 1) as usize;
                let zeros = self.build.filled(Lit::Float(0f64.to_bits()), d, &gap)?;
                g = self.build.concat(&[g, zeros], rank)?;
                let mut flat = moved.clone();
                flat[rank - 1] = (m * t) as usize;
                g = self.build.reshape(g, flat.clone())?;
                let mut inverse = vec![0; rank];
                for (i, &p) in perm.iter().enumerate() {
                    inverse[p] = i;
                }
                let back: Vec<usize> = inverse.iter().map(|&i| flat[i]).collect();
                g = self
                    .build
                    .op1(Op::Permute(inverse), g, Type::new(d, back))?;
            }
            // Now g covers positions first .. first + len along the axis; pad or trim to n.
            let len = self.build.ty(g).shape[axis] as i64;
            let keep = len.min(n - first);
            if keep < len {
                let ty = self.build.ty(g).clone();
                let mut s = ty.shape.clone();
                s[axis] = keep as usize;
                let begin = vec![0i64; s.len()];
                g = self.build.op1(
                    Op::Slice {
                        start: begin,
                        step: vec![1; s.len()],
                    },
                    g,
                    Type::new(d, s),
                )?;
            }
            let mut parts = Vec::new();
            let zeros = |l: &mut Self, k: i64, g: Arr| -> Rule<Arr> {
                let mut s = l.build.ty(g).shape.clone();
                s[axis] = k as usize;
                l.build.filled(Lit::Float(0f64.to_bits()), d, &s)
            };
            if first > 0 {
                parts.push(zeros(self, first, g)?);
            }
            parts.push(g);
            let after = n - first - keep;
            if after > 0 {
                parts.push(zeros(self, after, g)?);
            }
            g = self.build.concat(&parts, axis)?;
        }
        Ok(g)
    }
}

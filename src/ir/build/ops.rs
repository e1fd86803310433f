//! Lowering of the language's functions to primitives: math with its dtype rules, reductions
//! and the sugar built on them (`mean`, `var`, `softmax`, …), creation, and library calls.

use super::{Arr, BuildResult, Builder};
use crate::ir::{BinaryOp, Lit, Op, ReduceOp, Type, UnaryOp};
use crate::text::shape_text;
use arrjit_runtime::{DType, Scalar};

impl Builder {
    /// An elementwise math function with NumPy's dtype rules: integer inputs compute in f64,
    /// functions undefined on complex numbers say so.
    pub fn math(&mut self, op: UnaryOp, x: Arr) -> BuildResult<Arr> {
        let dtype = self.ty(x).dtype;
        let name = op.name();
        let no_complex = || Err(format!("`{name}` is not defined for complex numbers"));
        match op {
            UnaryOp::Neg | UnaryOp::Not => unreachable!("operators, not functions"),
            // |b| = b for bools, as in NumPy.
            UnaryOp::Abs if dtype == DType::Bool => Ok(x),
            UnaryOp::Abs | UnaryOp::Sign => {
                if dtype == DType::Bool {
                    let x = self.cast(x, DType::I64)?;
                    return self.unary_node(op, x);
                }
                self.unary_node(op, x)
            }
            UnaryOp::Sqrt
            | UnaryOp::Exp
            | UnaryOp::Exp2
            | UnaryOp::Expm1
            | UnaryOp::Log
            | UnaryOp::Log2
            | UnaryOp::Log10
            | UnaryOp::Log1p
            | UnaryOp::Sin
            | UnaryOp::Cos
            | UnaryOp::Tan
            | UnaryOp::Asin
            | UnaryOp::Acos
            | UnaryOp::Atan
            | UnaryOp::Sinh
            | UnaryOp::Cosh
            | UnaryOp::Tanh => {
                let x = self.cast_keep_weak(x, dtype.float())?;
                self.unary_node(op, x)
            }
            UnaryOp::Floor | UnaryOp::Ceil | UnaryOp::Round | UnaryOp::Trunc => {
                if dtype.is_complex() {
                    return no_complex();
                }
                // Integers are already whole; NumPy 2 keeps their dtype.
                if dtype.is_int() {
                    return Ok(x);
                }
                let x = self.cast_keep_weak(x, dtype.float())?;
                self.unary_node(op, x)
            }
            UnaryOp::IsNan | UnaryOp::IsInf => {
                if dtype.is_float() || dtype.is_complex() {
                    return self.unary_node(op, x);
                }
                let shape = self.ty(x).shape.clone();
                self.filled(Lit::Bool(false), DType::Bool, &shape)
            }
            UnaryOp::Real | UnaryOp::Conj if !dtype.is_complex() => Ok(x),
            UnaryOp::Imag if !dtype.is_complex() => {
                let shape = self.ty(x).shape.clone();
                self.filled(Lit::Int(0), dtype, &shape)
            }
            UnaryOp::Angle if !dtype.is_complex() => {
                let z = self.cast(x, dtype.complex())?;
                self.unary_node(op, z)
            }
            UnaryOp::Real | UnaryOp::Imag | UnaryOp::Conj | UnaryOp::Angle => {
                self.unary_node(op, x)
            }
        }
    }

    /// Like `cast`, but a weak scalar stays weak (`sqrt(2)` is a weak f64, as `2.0` would be).
    fn cast_keep_weak(&mut self, x: Arr, dtype: DType) -> BuildResult<Arr> {
        let weak = x.weak;
        let c = self.cast(x, dtype)?;
        Ok(Arr { node: c.node, weak })
    }

    /// Number of elements in the reduced part of `x`'s shape.
    fn reduced_count(&self, x: Arr, axes: &[usize]) -> usize {
        axes.iter().map(|&a| self.ty(x).shape[a]).product()
    }

    /// `sum prod mean min max any all var std logsumexp` over `axes` (sorted, unique).
    pub fn reduction(&mut self, name: &str, x: Arr, axes: &[usize]) -> BuildResult<Arr> {
        let dtype = self.ty(x).dtype;
        let count = self.reduced_count(x, axes);
        let no_complex = || Err(format!("`{name}` is not defined for complex numbers"));
        match name {
            "sum" | "prod" => {
                let op = if name == "sum" {
                    ReduceOp::Sum
                } else {
                    ReduceOp::Prod
                };
                // NumPy sums bool and i32 in the default integer type.
                let acc = if matches!(dtype, DType::Bool | DType::I32) {
                    DType::I64
                } else {
                    dtype
                };
                let x = self.cast(x, acc)?;
                self.reduce_node(op, x, axes)
            }
            "min" | "max" => {
                if dtype.is_complex() {
                    return no_complex();
                }
                if count == 0 {
                    return Err(format!(
                        "`{name}` of an empty selection: it has no identity (shape {})",
                        shape_text(&self.ty(x).shape)
                    ));
                }
                let op = if name == "min" {
                    ReduceOp::Min
                } else {
                    ReduceOp::Max
                };
                self.reduce_node(op, x, axes)
            }
            "any" | "all" => {
                let b = self.cast(x, DType::Bool)?;
                if count == 0 {
                    let shape = self.reduced_shape(b, axes);
                    return self.filled(Lit::Bool(name == "all"), DType::Bool, &shape);
                }
                let op = if name == "any" {
                    ReduceOp::Max
                } else {
                    ReduceOp::Min
                };
                self.reduce_node(op, b, axes)
            }
            "mean" => {
                let x = self.cast(x, dtype.float())?;
                let s = self.reduce_node(ReduceOp::Sum, x, axes)?;
                let n = self.weak_const(Lit::Int(count as i64));
                self.binary(BinaryOp::Div, s, n)
            }
            "var" | "std" => {
                let x = self.cast(x, dtype.float())?;
                let m = self.reduction("mean", x, axes)?;
                let m = self.keep_dims(m, x, axes)?;
                let d = self.binary(BinaryOp::Sub, x, m)?;
                // |d|² so that complex input gives a real variance, as in NumPy.
                let d = if dtype.is_complex() {
                    self.unary_node(UnaryOp::Abs, d)?
                } else {
                    d
                };
                let sq = self.binary(BinaryOp::Mul, d, d)?;
                let v = self.reduction("mean", sq, axes)?;
                if name == "std" {
                    self.unary_node(UnaryOp::Sqrt, v)
                } else {
                    Ok(v)
                }
            }
            "logsumexp" => {
                if dtype.is_complex() {
                    return no_complex();
                }
                let x = self.cast(x, dtype.float())?;
                // max(x) + log(sum(exp(x - max(x)))), with the max taken as 0 where it is
                // infinite so that all -inf gives -inf and not NaN.
                let m = self.reduction("max", x, axes)?;
                let finite = self.unary_node(UnaryOp::IsInf, m)?;
                let zero = self.weak_const(Lit::Int(0));
                let m = self.select(finite, zero, m)?;
                let mk = self.keep_dims(m, x, axes)?;
                let shifted = self.binary(BinaryOp::Sub, x, mk)?;
                let e = self.unary_node(UnaryOp::Exp, shifted)?;
                let s = self.reduce_node(ReduceOp::Sum, e, axes)?;
                let l = self.unary_node(UnaryOp::Log, s)?;
                self.binary(BinaryOp::Add, l, m)
            }
            other => unreachable!("`{other}` is not a reduction"),
        }
    }

    /// `softmax(x, axis)`: `exp(x - max) / sum(exp(x - max))` along `axes`.
    pub fn softmax(&mut self, x: Arr, axes: &[usize]) -> BuildResult<Arr> {
        let dtype = self.ty(x).dtype;
        if dtype.is_complex() {
            return Err("`softmax` is not defined for complex numbers".into());
        }
        let x = self.cast(x, dtype.float())?;
        let m = self.reduction("max", x, axes)?;
        let m = self.keep_dims(m, x, axes)?;
        let shifted = self.binary(BinaryOp::Sub, x, m)?;
        let e = self.unary_node(UnaryOp::Exp, shifted)?;
        let s = self.reduce_node(ReduceOp::Sum, e, axes)?;
        let s = self.keep_dims(s, x, axes)?;
        self.binary(BinaryOp::Div, e, s)
    }

    fn reduced_shape(&self, x: Arr, axes: &[usize]) -> Vec<usize> {
        let ty = self.ty(x);
        (0..ty.rank())
            .filter(|i| !axes.contains(i))
            .map(|i| ty.shape[i])
            .collect()
    }

    /// Reinserts the reduced `axes` of `x` into `r` as length-1 dimensions.
    pub fn keep_dims(&mut self, r: Arr, x: Arr, axes: &[usize]) -> BuildResult<Arr> {
        let shape: Vec<usize> = self
            .ty(x)
            .shape
            .iter()
            .enumerate()
            .map(|(i, &d)| if axes.contains(&i) { 1 } else { d })
            .collect();
        self.reshape(r, shape)
    }

    pub fn arg_reduce(&mut self, is_min: bool, x: Arr, axis: usize) -> BuildResult<Arr> {
        let ty = self.ty(x).clone();
        let name = if is_min { "argmin" } else { "argmax" };
        if ty.dtype.is_complex() {
            return Err(format!("`{name}` is not defined for complex numbers"));
        }
        if ty.shape[axis] == 0 {
            return Err(format!("`{name}` of an empty sequence"));
        }
        let shape = self.reduced_shape(x, &[axis]);
        let op = if is_min {
            Op::ArgMin { axis }
        } else {
            Op::ArgMax { axis }
        };
        self.op1(op, x, Type::new(DType::I64, shape))
    }

    /// `arange(stop)`, `arange(start, stop)`, `arange(start, stop, step)`: integers when every
    /// bound is an integer, else f64; `start + i * step` for `i` in `0..ceil((stop - start) / step)`.
    pub fn arange(&mut self, bounds: &[Scalar], dtype: Option<DType>) -> BuildResult<Arr> {
        let ints = bounds
            .iter()
            .all(|s| s.dtype().is_int() || s.dtype() == DType::Bool);
        let f = |s: &Scalar| s.to_f64();
        let (start, stop, step) = match bounds {
            [stop] => (0.0, f(stop), 1.0),
            [start, stop] => (f(start), f(stop), 1.0),
            [start, stop, step] => (f(start), f(stop), f(step)),
            _ => unreachable!("one to three bounds"),
        };
        if step == 0.0 {
            return Err("arange step cannot be zero".into());
        }
        let len = ((stop - start) / step).ceil();
        let len = if len.is_nan() || len < 0.0 { 0.0 } else { len };
        if len > 1e15 {
            return Err(format!("arange would make {len:e} elements"));
        }
        let compute = if ints { DType::I64 } else { DType::F64 };
        let lit = |v: f64| {
            if ints {
                Lit::Int(v as i64)
            } else {
                Lit::float(v)
            }
        };
        let iota = self.node(
            Op::Iota { axis: 0 },
            Vec::new(),
            Type::new(DType::I64, vec![len as usize]),
        )?;
        let mut y = self.cast(Arr::strong(iota), compute)?;
        if step != 1.0 {
            let step_c = Arr::strong(self.konst(lit(step), compute));
            y = self.binary(BinaryOp::Mul, y, step_c)?;
        }
        if start != 0.0 {
            let start_c = Arr::strong(self.konst(lit(start), compute));
            y = self.binary(BinaryOp::Add, y, start_c)?;
        }
        match dtype {
            Some(d) => self.cast(y, d),
            None => Ok(y),
        }
    }

    /// `linspace(start, stop, num)`: `start + i * step`, with the last point exactly `stop`.
    pub fn linspace(
        &mut self,
        start: Arr,
        stop: Arr,
        num: usize,
        dtype: Option<DType>,
    ) -> BuildResult<Arr> {
        for v in [start, stop] {
            if !self.ty(v).shape.is_empty() {
                return Err("linspace takes scalar start and stop".into());
            }
        }
        let (promoted, _) = self.promote(&[start, stop]);
        let compute = promoted.float();
        let (start, stop) = (self.cast(start, compute)?, self.cast(stop, compute)?);
        let shape = vec![num];
        let iota = Arr::strong(self.node(
            Op::Iota { axis: 0 },
            Vec::new(),
            Type::new(DType::I64, shape.clone()),
        )?);
        let i = self.cast(iota, compute)?;
        let span = self.binary(BinaryOp::Sub, stop, start)?;
        let div = self.weak_const(Lit::Int(num.saturating_sub(1).max(1) as i64));
        let step = self.binary(BinaryOp::Div, span, div)?;
        let scaled = self.binary(BinaryOp::Mul, i, step)?;
        let start_is_zero = self
            .const_value(start.node)
            .is_some_and(|v| v.to_c128() == 0.0.into());
        let mut y = if start_is_zero {
            scaled
        } else {
            self.binary(BinaryOp::Add, scaled, start)?
        };
        if num > 1 {
            let last = self.weak_const(Lit::Int(num as i64 - 1));
            let is_last = self.binary(BinaryOp::Eq, iota, last)?;
            y = self.select(is_last, stop, y)?;
        }
        match dtype {
            // NumPy 2 rounds down before converting to an integer dtype.
            Some(d) if d.is_int() => {
                let down = self.unary_node(UnaryOp::Floor, y)?;
                self.cast(down, d)
            }
            Some(d) => self.cast(y, d),
            None => Ok(y),
        }
    }

    /// `eye(n, m)`: ones where the row index equals the column index.
    pub fn eye(&mut self, n: usize, m: usize, dtype: DType) -> BuildResult<Arr> {
        let ty = Type::new(DType::I64, vec![n, m]);
        let rows = Arr::strong(self.node(Op::Iota { axis: 0 }, Vec::new(), ty.clone())?);
        let cols = Arr::strong(self.node(Op::Iota { axis: 1 }, Vec::new(), ty)?);
        let diag = self.binary(BinaryOp::Eq, rows, cols)?;
        self.cast(diag, dtype)
    }

    /// Joins arrays along `axis` after promoting them to one dtype.
    pub fn concat(&mut self, parts: &[Arr], axis: usize) -> BuildResult<Arr> {
        let (dtype, _) = self.promote(parts);
        let first = self.ty(parts[0]).shape.clone();
        let mut total = 0;
        let mut nodes = Vec::new();
        for &p in parts {
            let shape = self.ty(p).shape.clone();
            let same_rest = shape.len() == first.len()
                && (0..first.len()).all(|i| i == axis || shape[i] == first[i]);
            if !same_rest {
                return Err(format!(
                    "concat: shapes {} and {} differ outside axis {axis}",
                    shape_text(&first),
                    shape_text(&shape)
                ));
            }
            total += shape[axis];
            nodes.push(self.cast(p, dtype)?.node);
        }
        if nodes.len() == 1 {
            return Ok(Arr::strong(nodes[0]));
        }
        let mut shape = first;
        shape[axis] = total;
        Ok(Arr::strong(self.node(
            Op::Concat { axis },
            nodes,
            Type::new(dtype, shape),
        )?))
    }

    /// `fft ifft rfft irfft` along the last axis.
    /// `fft`, `ifft`, `rfft` or `irfft` along `axis`: the library transforms the last axis, so
    /// another axis is moved there and back.
    pub fn fft_along(
        &mut self,
        name: &str,
        x: Arr,
        n: Option<i64>,
        axis: usize,
    ) -> BuildResult<Arr> {
        let rank = self.ty(x).rank();
        if axis + 1 == rank {
            return self.fft(name, x, n);
        }
        let mut perm: Vec<usize> = (0..rank).filter(|&a| a != axis).collect();
        perm.push(axis);
        let moved = self.permute(x, &perm)?;
        let y = self.fft(name, moved, n)?;
        let mut back = vec![0; rank];
        for (i, &p) in perm.iter().enumerate() {
            back[p] = i;
        }
        self.permute(y, &back)
    }

    /// `x` with its axes in the order `perm` (output axis i is input axis perm[i]).
    fn permute(&mut self, x: Arr, perm: &[usize]) -> BuildResult<Arr> {
        let ty = self.ty(x).clone();
        let shape = perm.iter().map(|&p| ty.shape[p]).collect();
        self.op1(Op::Permute(perm.to_vec()), x, Type::new(ty.dtype, shape))
    }

    pub fn fft(&mut self, name: &str, x: Arr, n: Option<i64>) -> BuildResult<Arr> {
        let ty = self.ty(x).clone();
        let Some(&len) = ty.shape.last() else {
            return Err(format!("`{name}` needs at least one dimension"));
        };
        let mut shape = ty.shape.clone();
        let last = shape.len() - 1;
        match name {
            "fft" | "ifft" => {
                if len == 0 {
                    return Err(format!("`{name}` of an empty axis"));
                }
                // Real input stays real: the runtime transforms it at half the cost.
                let z = if ty.dtype.is_complex() {
                    x
                } else {
                    self.cast(x, ty.dtype.float())?
                };
                let out = Type::new(ty.dtype.complex(), shape);
                self.op1(
                    Op::Fft {
                        inverse: name == "ifft",
                    },
                    z,
                    out,
                )
            }
            "rfft" => {
                if ty.dtype.is_complex() {
                    return Err("`rfft` needs real input; use `fft` for complex arrays".into());
                }
                if len == 0 {
                    return Err("`rfft` of an empty axis".into());
                }
                let r = self.cast(x, ty.dtype.float())?;
                shape[last] = len / 2 + 1;
                self.op1(Op::Rfft, r, Type::new(ty.dtype.complex(), shape))
            }
            "irfft" => {
                let n = n.unwrap_or(2 * (len as i64 - 1));
                if n < 1 {
                    return Err(format!("invalid number of data points ({n}) for `irfft`"));
                }
                let z = self.cast(x, ty.dtype.complex())?;
                shape[last] = n as usize;
                self.op1(
                    Op::Irfft { n: n as usize },
                    z,
                    Type::new(ty.dtype.complex().real(), shape),
                )
            }
            other => unreachable!("`{other}` is not an FFT"),
        }
    }

    pub fn sort(&mut self, arg: bool, x: Arr, axis: usize) -> BuildResult<Arr> {
        let ty = self.ty(x).clone();
        if ty.dtype.is_complex() {
            return Err("sorting complex numbers is not supported".into());
        }
        if arg {
            self.op1(Op::ArgSort { axis }, x, ty.with_dtype(DType::I64))
        } else {
            self.op1(Op::Sort { axis }, x, ty)
        }
    }

    /// `cumsum`/`cumprod` along `axis`; bool and i32 accumulate in i64 as in NumPy.
    pub fn scan(&mut self, prod: bool, x: Arr, axis: usize) -> BuildResult<Arr> {
        let dtype = self.ty(x).dtype;
        let acc = if matches!(dtype, DType::Bool | DType::I32) {
            DType::I64
        } else {
            dtype
        };
        let x = self.cast(x, acc)?;
        let ty = self.ty(x).clone();
        let op = if prod {
            Op::Cumprod { axis }
        } else {
            Op::Cumsum { axis }
        };
        self.op1(op, x, ty)
    }
}

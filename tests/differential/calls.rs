//! Calls for the generator: reductions and the sugar built on them, `where` and its kin, and
//! the library functions (`matmul`, `cumsum`, `sort`, `fft`, …).

use crate::generate::*;
use arrjit_runtime::DType;

impl Gen<'_> {
    /// The axes argument of a reduction: `None` for all axes, else the text and the sorted
    /// axes.
    pub(crate) fn axes(&mut self, rank: usize) -> Option<(String, Vec<usize>)> {
        if rank == 0 || self.t.below(3) == 0 {
            return None;
        }
        let signed = |t: &mut Tape, a: usize| {
            if t.one_in(3) {
                a as i64 - rank as i64
            } else {
                a as i64
            }
        };
        if self.t.one_in(3) {
            // A tuple of distinct axes.
            let mut axes: Vec<usize> = (0..rank).filter(|_| self.t.one_in(2)).collect();
            if axes.is_empty() {
                axes.push(self.t.below(rank));
            }
            let text: Vec<i64> = axes.iter().map(|&a| signed(&mut self.t, a)).collect();
            return Some((tuple_text(&text), axes));
        }
        let a = self.t.below(rank);
        Some((signed(&mut self.t, a).to_string(), vec![a]))
    }

    /// The arguments after `x` of a reduction (`""`, `", 1"`, `", axis=(0, -1), keepdims=true"`,
    /// …), the result shape, and how many elements each result reduces.
    pub(crate) fn reduction_args(&mut self, x: &Ex) -> (String, Vec<usize>, usize) {
        let rank = x.ty.rank();
        let axes = self.axes(rank);
        let keep = self.t.one_in(3);
        let mut text = String::new();
        let reduced: Vec<usize> = match &axes {
            Some((a, list)) => {
                if self.t.one_in(2) {
                    text.push_str(&format!(", axis={a}"));
                } else {
                    text.push_str(&format!(", {a}"));
                }
                list.clone()
            }
            None => (0..rank).collect(),
        };
        if keep {
            text.push_str(", keepdims=true");
        }
        let shape = (0..rank)
            .filter_map(|i| match (reduced.contains(&i), keep) {
                (false, _) => Some(x.ty.shape[i]),
                (true, true) => Some(1),
                (true, false) => None,
            })
            .collect();
        let count = reduced.iter().map(|&i| x.ty.shape[i]).product();
        (text, shape, count)
    }

    pub(crate) fn reduce(&mut self, depth: usize) -> Ex {
        let x = self.expr(depth);
        let d = x.ty.dtype;
        let mut name = self
            .t
            .pick(&["sum", "prod", "mean", "min", "max", "any", "all"]);
        let (args, shape, count) = self.reduction_args(&x);
        // min and max refuse complex numbers and empty selections; any and all compare with 0.
        if matches!(name, "min" | "max") && (d.is_complex() || count == 0)
            || matches!(name, "any" | "all") && !x.exact()
        {
            name = "sum";
        }
        let dtype = match name {
            "sum" | "prod" if matches!(d, DType::Bool | DType::I32) => DType::I64,
            "sum" | "prod" | "min" | "max" => d,
            "mean" => d.float(),
            _ => DType::Bool,
        };
        // Sums and products of several floats may be added in another order.
        let reordered =
            matches!(name, "sum" | "prod" | "mean") && !dtype.is_int() && dtype != DType::Bool;
        let exact = x.exact() && !(reordered && count > 1);
        Ex::strong(format!("{name}({}{args})", x.text), Ty::new(dtype, shape)).exact_if(exact)
    }

    /// `mean var std logsumexp softmax relu`, written with the primitives above by the
    /// language.
    pub(crate) fn sugar(&mut self, depth: usize) -> Ex {
        let x = self.expr(depth);
        let d = x.ty.dtype;
        let complex = d.is_complex();
        let name = self
            .t
            .pick(&["var", "softmax", "std", "logsumexp", "mean", "relu"]);
        match name {
            "softmax" | "relu" if complex => self.sugar_reduction("var", &x),
            "logsumexp" if complex => self.sugar_reduction("std", &x),
            // softmax takes a max first, which an empty selection does not have.
            "softmax" if x.ty.numel() == 0 => self.sugar_reduction("mean", &x),
            "softmax" => {
                let rank = x.ty.rank();
                let text = if rank > 0 && self.t.one_in(2) {
                    let a =
                        self.t.below(rank) as i64 - if self.t.one_in(2) { rank as i64 } else { 0 };
                    format!("softmax({}, axis={a})", x.text)
                } else {
                    format!("softmax({})", x.text)
                };
                Ex::strong(text, Ty::new(d.float(), x.ty.shape)).exact_if(false)
            }
            "relu" => {
                let dtype = if d == DType::Bool { DType::I64 } else { d };
                let exact = x.exact();
                Ex::strong(format!("relu({})", x.text), Ty::new(dtype, x.ty.shape)).exact_if(exact)
            }
            _ => self.sugar_reduction(name, &x),
        }
    }

    pub(crate) fn sugar_reduction(&mut self, name: &str, x: &Ex) -> Ex {
        let (args, shape, count) = self.reduction_args(x);
        // logsumexp takes a max first, which an empty selection does not have.
        let name = if name == "logsumexp" && count == 0 {
            "mean"
        } else {
            name
        };
        let dtype = match name {
            "var" | "std" => x.ty.dtype.float().real(),
            _ => x.ty.dtype.float(),
        };
        let exact = x.exact() && count <= 1;
        Ex::strong(format!("{name}({}{args})", x.text), Ty::new(dtype, shape)).exact_if(exact)
    }

    /// `where`, `clip`, `minimum`, `maximum`, `atan2`.
    pub(crate) fn select_like(&mut self, depth: usize) -> Ex {
        let a = self.expr(depth);
        match self.t.below(4) {
            0 => {
                let b = self.operand_for(&a, depth);
                let shape = broadcast(&a.ty.shape, &b.ty.shape).expect("operands broadcast");
                let probe = Ex::strong(String::new(), Ty::new(DType::F64, shape.clone()));
                let c = self.operand_for(&probe, depth);
                let cond = if !c.exact() {
                    "true".to_string()
                } else if c.weak || self.t.one_in(3) {
                    c.text
                } else if c.ty.dtype.is_complex() {
                    format!("({} != 0)", c.text)
                } else {
                    format!("({} > 0.5)", c.text)
                };
                let shape = broadcast(&shape, &c.ty.shape).expect("operands broadcast");
                let (a, b) = if self.t.one_in(2) { (b, a) } else { (a, b) };
                let exact = a.exact() && b.exact();
                Ex::strong(
                    format!("where({cond}, {}, {})", a.text, b.text),
                    Ty::new(promote(&a, &b), shape),
                )
                .exact_if(exact)
            }
            _ if a.ty.dtype.is_complex() => Self::smooth(a),
            1 => {
                let (lo, hi) = self.t.pick(&[("0", "1"), ("(-0.5)", "0.5"), ("2", "5")]);
                let lit = |text: &str| {
                    let float = text.contains('.');
                    Ex {
                        text: text.to_string(),
                        ty: Ty::new(if float { DType::F64 } else { DType::I64 }, Vec::new()),
                        weak: true,
                    }
                };
                let (lo, hi) = (lit(lo), lit(hi));
                let m = Ex::strong(String::new(), Ty::new(promote(&a, &lo), a.ty.shape.clone()));
                let dtype = promote(&m, &hi);
                let exact = a.exact();
                Ex::strong(
                    format!("clip({}, {}, {})", a.text, lo.text, hi.text),
                    Ty::new(dtype, a.ty.shape),
                )
                .exact_if(exact)
            }
            k => {
                let b = self.operand_for(&a, depth);
                let d = promote(&a, &b);
                if d.is_complex() {
                    return Self::smooth(a);
                }
                let exact = a.exact() && b.exact();
                // atan2 jumps by 2 pi across the negative x axis.
                let (name, dtype) = match k {
                    3 if exact => ("atan2", d.float()),
                    _ => (self.t.pick(&["minimum", "maximum"]), d),
                };
                let shape = broadcast(&a.ty.shape, &b.ty.shape).expect("operands broadcast");
                Ex::strong(
                    format!("{name}({}, {})", a.text, b.text),
                    Ty::new(dtype, shape),
                )
                .exact_if(exact && name != "atan2")
            }
        }
    }

    /// Library calls: `@`/`matmul`, `cumsum`, `cumprod`, `sort`, `argsort`, `argmin`,
    /// `argmax`, `concat`.
    pub(crate) fn library(&mut self, depth: usize) -> Ex {
        let x = self.expr(depth);
        let exact = x.exact();
        let e = self.library_call(x);
        e.exact_if(exact)
    }

    pub(crate) fn library_call(&mut self, x: Ex) -> Ex {
        let ty = x.ty.clone();
        let rank = ty.rank();
        let d = ty.dtype;
        let name = self.t.pick(&[
            "matmul", "cumsum", "sort", "argsort", "cumprod", "argmax", "argmin", "concat",
            "matmul", "fft",
        ]);
        match name {
            "matmul" if rank > 0 => self.matmul(x),
            "fft" if rank > 0 && ty.shape[rank - 1] > 1 => {
                let n = ty.shape[rank - 1];
                let mut shape = ty.shape.clone();
                let (name, dtype) = match self.t.below(4) {
                    0 => ("fft", d.complex()),
                    1 => ("ifft", d.complex()),
                    2 if !d.is_complex() => {
                        shape[rank - 1] = n / 2 + 1;
                        ("rfft", d.float().complex())
                    }
                    _ => {
                        shape[rank - 1] = 2 * (n - 1);
                        ("irfft", d.complex().real())
                    }
                };
                // The transforms are sums of several products.
                Ex::strong(format!("{name}({})", x.text), Ty::new(dtype, shape)).exact_if(false)
            }
            "cumsum" | "cumprod" => {
                let acc = if matches!(d, DType::Bool | DType::I32) {
                    DType::I64
                } else {
                    d
                };
                match self.one_axis(rank) {
                    Some((_, a)) => Ex::strong(
                        format!("{name}({}, axis={a})", x.text),
                        Ty::new(acc, ty.shape),
                    ),
                    None => Ex::strong(
                        format!("{name}({})", x.text),
                        Ty::new(acc, vec![ty.numel()]),
                    ),
                }
            }
            "sort" | "argsort" if rank > 0 && !d.is_complex() => {
                // Which of two nearly equal values is first may depend on rounding.
                let name = if x.exact() { name } else { "sort" };
                let dtype = if name == "sort" { d } else { DType::I64 };
                let text = match self.one_axis(rank) {
                    Some((_, a)) => format!("{name}({}, {a})", x.text),
                    None => format!("{name}({})", x.text),
                };
                Ex::strong(text, Ty::new(dtype, ty.shape))
            }
            "argmin" | "argmax" if !d.is_complex() && ty.numel() > 0 && x.exact() => {
                match self.one_axis(rank) {
                    Some((a, text)) => {
                        let mut shape = ty.shape.clone();
                        shape.remove(a);
                        Ex::strong(
                            format!("{name}({}, axis={text})", x.text),
                            Ty::new(DType::I64, shape),
                        )
                    }
                    None => Ex::strong(
                        format!("{name}({})", x.text),
                        Ty::new(DType::I64, Vec::new()),
                    ),
                }
            }
            "concat" if rank > 0 => {
                let axis = self.t.below(rank);
                // Another value of the same shape outside `axis`, else `x` itself.
                let fits: Vec<(String, Ty)> = self
                    .vars
                    .iter()
                    .filter(|(_, t)| {
                        t.rank() == rank
                            && (0..rank).all(|i| i == axis || t.shape[i] == ty.shape[i])
                    })
                    .cloned()
                    .collect();
                let (other, oty) = if fits.is_empty() || self.t.one_in(3) {
                    (x.text.clone(), ty.clone())
                } else {
                    self.t.pick(&fits)
                };
                let mut shape = ty.shape.clone();
                shape[axis] += oty.shape[axis];
                let dtype = DType::promote(d, oty.dtype);
                let text = if axis == 0 && self.t.one_in(2) {
                    format!("concat(({}, {other}))", x.text)
                } else {
                    format!("concat(({}, {other}), axis={axis})", x.text)
                };
                Ex::strong(text, Ty::new(dtype, shape)).exact_if(oty.exact)
            }
            _ => Ex::strong(format!("cumsum({})", x.text), {
                let acc = if matches!(d, DType::Bool | DType::I32) {
                    DType::I64
                } else {
                    d
                };
                Ty::new(acc, vec![ty.numel()])
            }),
        }
    }

    /// One axis of a `rank`-D array, maybe counted from the end, or `None` for none.
    pub(crate) fn one_axis(&mut self, rank: usize) -> Option<(usize, String)> {
        if rank == 0 || self.t.one_in(3) {
            return None;
        }
        let a = self.t.below(rank);
        let text = if self.t.one_in(3) {
            (a as i64 - rank as i64).to_string()
        } else {
            a.to_string()
        };
        Some((a, text))
    }

    /// `x @ y` with `y` made to fit: `x` itself (1-D), its transpose, or a fresh input.
    pub(crate) fn matmul(&mut self, x: Ex) -> Ex {
        let ty = x.ty.clone();
        let rank = ty.rank();
        let k = ty.shape[rank - 1];
        let (y, yty) = match self.t.below(3) {
            0 if rank == 1 => (x.text.clone(), ty.clone()),
            0 if rank == 2 => {
                let shape = vec![k, ty.shape[0]];
                (format!("transpose({})", x.text), Ty::new(ty.dtype, shape))
            }
            0 => {
                let mut shape = ty.shape.clone();
                shape.swap(rank - 1, rank - 2);
                (
                    format!("transpose({}, (0, 2, 1))", x.text),
                    Ty::new(ty.dtype, shape),
                )
            }
            _ => {
                let dtype = DTYPES[self.t.weighted(&DTYPE_WEIGHTS)];
                let shape = if self.t.one_in(3) {
                    vec![k]
                } else {
                    vec![k, self.t.pick(&[1, 2, 3])]
                };
                (self.creation(dtype, &shape), Ty::new(dtype, shape))
            }
        };
        // […, m, k] @ […, k, n] → […, m, n]; 1-D operands lose their axis again.
        let mut shape: Vec<usize> = ty.shape[..rank - 1].to_vec();
        if yty.rank() == 2 {
            shape.push(yty.shape[1]);
        } else if yty.rank() == 3 {
            shape.push(yty.shape[2]);
        }
        let dtype = DType::promote(ty.dtype, yty.dtype);
        let text = if self.t.one_in(2) {
            format!("matmul({}, {y})", x.text)
        } else {
            format!("({} @ {y})", x.text)
        };
        // A dot product of several floats is a sum.
        let exact = dtype.is_int() || dtype == DType::Bool || k <= 1;
        Ex::strong(text, Ty::new(dtype, shape)).exact_if(exact)
    }
}

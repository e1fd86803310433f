//! Expressions for the generator: variables and views of them, literals, and elementwise
//! operators and functions, each written only where its operands' dtypes and shapes allow.

use crate::generate::*;
use arrjit_runtime::{DType, Kind};

impl Gen<'_> {
    pub(crate) fn expr(&mut self, depth: usize) -> Ex {
        if depth == 0 {
            return self.leaf();
        }
        let d = depth - 1;
        match self.t.weighted(&[3, 4, 5, 2, 3, 2, 3, 2, 1, 2, 3]) {
            0 => self.leaf(),
            1 => self.math(d),
            2 => self.arith(d),
            3 => self.compare(d),
            4 => self.reduce(d),
            5 => self.cast(d),
            6 => self.select_like(d),
            7 => self.sugar(d),
            8 => self.unary_op(d),
            9 => self.power(d),
            _ => self.library(d),
        }
    }

    /// A variable, the latest first, sometimes seen through a view.
    pub(crate) fn leaf(&mut self) -> Ex {
        let i = self.t.below(self.vars.len());
        let (name, ty) = self.vars[self.vars.len() - 1 - i].clone();
        let x = Ex::strong(name, ty);
        if self.t.one_in(3) { self.view(x) } else { x }
    }

    /// Slicing and indexing, transpose, reshape or broadcast_to.
    pub(crate) fn view(&mut self, x: Ex) -> Ex {
        let exact = x.exact();
        self.view_of(x).exact_if(exact)
    }

    pub(crate) fn view_of(&mut self, x: Ex) -> Ex {
        let ty = x.ty.clone();
        let rank = ty.rank();
        match self.t.below(5) {
            0 | 1 if rank > 0 => self.index(x),
            2 if rank > 1 => {
                if self.t.one_in(2) {
                    let shape = ty.shape.iter().rev().copied().collect();
                    return Ex::strong(format!("transpose({})", x.text), Ty::new(ty.dtype, shape));
                }
                let mut perm: Vec<usize> = (0..rank).collect();
                for i in (1..rank).rev() {
                    let j = self.t.below(i + 1);
                    perm.swap(i, j);
                }
                let shape = perm.iter().map(|&p| ty.shape[p]).collect();
                // Axes may be given from the end.
                let axes: Vec<i64> = perm
                    .iter()
                    .map(|&p| {
                        if self.t.one_in(4) {
                            p as i64 - rank as i64
                        } else {
                            p as i64
                        }
                    })
                    .collect();
                Ex::strong(
                    format!("transpose({}, {})", x.text, tuple_text(&axes)),
                    Ty::new(ty.dtype, shape),
                )
            }
            3 => self.reshape(x),
            4 if rank < 3 => {
                let mut shape = vec![2];
                shape.extend(&ty.shape);
                Ex::strong(
                    format!("broadcast_to({}, {})", x.text, shape_text(&shape)),
                    Ty::new(ty.dtype, shape),
                )
            }
            _ => x,
        }
    }

    pub(crate) fn index(&mut self, x: Ex) -> Ex {
        let ty = x.ty.clone();
        let count = 1 + self.t.below(ty.rank());
        let mut items = Vec::new();
        let mut shape = Vec::new();
        for &n in &ty.shape[..count] {
            let n = n as i64;
            if n > 0 && self.t.one_in(3) {
                let i = self.t.below(2 * n as usize) as i64 - n;
                items.push(i.to_string());
                continue;
            }
            let bound = |t: &mut Tape| {
                if t.one_in(2) {
                    Some(t.below(2 * n as usize + 3) as i64 - n - 1)
                } else {
                    None
                }
            };
            let (start, stop) = (bound(&mut self.t), bound(&mut self.t));
            let step = self.t.pick(&[None, Some(-1), Some(2), Some(-2), Some(3)]);
            shape.push(slice_len(n, start, stop, step.unwrap_or(1)));
            let part = |v: Option<i64>| v.map_or(String::new(), |v| v.to_string());
            let mut item = format!("{}:{}", part(start), part(stop));
            if let Some(k) = step {
                item.push_str(&format!(":{k}"));
            }
            items.push(item);
        }
        shape.extend(&ty.shape[count..]);
        Ex::strong(
            format!("{}[{}]", x.text, items.join(", ")),
            Ty::new(ty.dtype, shape),
        )
    }

    pub(crate) fn reshape(&mut self, x: Ex) -> Ex {
        let ty = x.ty.clone();
        let n = ty.numel();
        let divisors: Vec<usize> = (1..=n).filter(|&d| n.is_multiple_of(d)).collect();
        let (dims, shape): (Vec<i64>, Vec<usize>) = match self.t.below(4) {
            0 if n > 0 => (vec![-1], vec![n]),
            1 if n > 0 => {
                let d = self.t.pick(&divisors);
                if self.t.one_in(2) {
                    (vec![d as i64, -1], vec![d, n / d])
                } else {
                    (vec![-1, d as i64], vec![n / d, d])
                }
            }
            2 if n == 1 => (vec![], vec![]),
            _ => {
                // A unit axis inserted somewhere.
                let at = self.t.below(ty.rank() + 1);
                let mut shape = ty.shape.clone();
                if shape.len() < 3 {
                    shape.insert(at, 1);
                }
                (shape.iter().map(|&d| d as i64).collect(), shape)
            }
        };
        Ex::strong(
            format!("reshape({}, {})", x.text, tuple_text(&dims)),
            Ty::new(ty.dtype, shape),
        )
    }

    /// A number literal (weak) fit for an operand of dtype `d`, sometimes `true` (strong).
    pub(crate) fn literal(&mut self, d: DType) -> Ex {
        let (text, dtype) = match d.kind() {
            _ if self.t.one_in(25) => ("true", DType::Bool),
            Kind::Bool | Kind::Int => {
                if self.t.one_in(6) {
                    ("0.5", DType::F64)
                } else {
                    (
                        self.t.pick(&[
                            "2",
                            "1",
                            "0",
                            "3",
                            "(-1)",
                            "5",
                            "(-2)",
                            "7",
                            "(2 * 3)",
                            "(-(1 + 2))",
                        ]),
                        DType::I64,
                    )
                }
            }
            Kind::Float | Kind::Complex => {
                if d.is_complex() && self.t.one_in(2) {
                    (self.t.pick(&["1j", "(1 + 2j)", "(0.5 - 1j)"]), DType::C128)
                } else if self.t.one_in(12) {
                    (self.t.pick(&["inf", "nan", "(-inf)"]), DType::F64)
                } else {
                    (
                        self.t.pick(&[
                            "0.5",
                            "2",
                            "2.5",
                            "3.0",
                            "(-1.5)",
                            "1e-3",
                            "100.0",
                            "pi",
                            "0.0",
                            "(1.5 - 2)",
                            "(2 ** 0.5)",
                        ]),
                        DType::F64,
                    )
                }
            }
        };
        // A float literal written as an integer ("2") is an integer literal.
        let dtype = if text.chars().all(|c| c.is_ascii_digit()) {
            DType::I64
        } else {
            dtype
        };
        Ex {
            text: text.to_string(),
            ty: Ty::new(dtype, Vec::new()),
            weak: dtype != DType::Bool,
        }
    }

    /// A second operand for `a`: a literal, or a value whose shape broadcasts with `a`'s.
    pub(crate) fn operand_for(&mut self, a: &Ex, depth: usize) -> Ex {
        match self.t.weighted(&[3, 4, 2]) {
            0 => self.literal(a.ty.dtype),
            1 => {
                let fits: Vec<(String, Ty)> = self
                    .vars
                    .iter()
                    .filter(|(_, ty)| broadcast(&ty.shape, &a.ty.shape).is_some())
                    .cloned()
                    .collect();
                if fits.is_empty() {
                    return self.literal(a.ty.dtype);
                }
                let (name, ty) = self.t.pick(&fits);
                Ex::strong(name, ty)
            }
            _ => {
                let b = self.expr(depth);
                if broadcast(&b.ty.shape, &a.ty.shape).is_some() {
                    b
                } else {
                    self.literal(a.ty.dtype)
                }
            }
        }
    }

    pub(crate) fn math(&mut self, depth: usize) -> Ex {
        let x = self.expr(depth);
        let name = if x.exact() {
            self.t.pick(&MATH)
        } else {
            self.t.pick(&SMOOTH)
        };
        let (name, dtype) = match math_result(name, x.ty.dtype) {
            Some(d) => (name, d),
            None => (
                "abs",
                math_result("abs", x.ty.dtype).expect("abs takes all"),
            ),
        };
        let exact = x.exact() && EXACT_MATH.contains(&name) && !x.ty.dtype.is_complex();
        Ex::strong(
            format!("{name}({})", x.text),
            Ty::new(dtype, x.ty.shape.clone()),
        )
        .exact_if(exact)
    }

    /// `abs(x)`: a stand-in for a function that `x`, not being exact, is unfit for.
    pub(crate) fn smooth(x: Ex) -> Ex {
        let dtype = math_result("abs", x.ty.dtype).expect("abs takes every dtype");
        let exact = x.exact();
        Ex::strong(format!("abs({})", x.text), Ty::new(dtype, x.ty.shape)).exact_if(exact)
    }

    /// `a op b` for `+ - * / %`, either side possibly a literal.
    pub(crate) fn arith(&mut self, depth: usize) -> Ex {
        let a = self.expr(depth);
        let b = self.operand_for(&a, depth);
        let (a, b) = if b.weak && self.t.one_in(3) {
            (b, a)
        } else {
            (a, b)
        };
        let d = promote(&a, &b);
        let mut ops = vec!["+", "*"];
        if b.exact() {
            ops.push("/");
        }
        if d != DType::Bool {
            ops.push("-");
        }
        if !d.is_complex() && a.exact() && b.exact() {
            ops.push("%");
        }
        let op = self.t.pick(&ops);
        let dtype = match op {
            "/" => d.float(),
            "%" if d == DType::Bool => DType::I64,
            _ => d,
        };
        let shape = broadcast(&a.ty.shape, &b.ty.shape).expect("operands broadcast");
        let exact = a.exact() && b.exact();
        Ex::strong(
            format!("({} {op} {})", a.text, b.text),
            Ty::new(dtype, shape),
        )
        .exact_if(exact)
    }

    /// A comparison, or `and`/`or`.
    pub(crate) fn compare(&mut self, depth: usize) -> Ex {
        let a = self.expr(depth);
        let b = self.operand_for(&a, depth);
        if !(a.exact() && b.exact()) {
            return Self::smooth(a);
        }
        let d = promote(&a, &b);
        let mut ops = vec!["==", "!=", "and", "or"];
        if !d.is_complex() {
            ops.extend(["<", "<=", ">", ">="]);
        }
        let op = self.t.pick(&ops);
        let shape = broadcast(&a.ty.shape, &b.ty.shape).expect("operands broadcast");
        Ex::strong(
            format!("({} {op} {})", a.text, b.text),
            Ty::new(DType::Bool, shape),
        )
    }

    pub(crate) fn unary_op(&mut self, depth: usize) -> Ex {
        let x = self.expr(depth);
        if x.ty.dtype == DType::Bool || (self.t.one_in(4) && x.exact()) {
            return Ex::strong(
                format!("(not {})", x.text),
                Ty::new(DType::Bool, x.ty.shape),
            );
        }
        let exact = x.exact();
        Ex::strong(format!("(-{})", x.text), x.ty).exact_if(exact)
    }

    /// `x ** c` for a constant `c` (NumPy's fast paths included), or `x ** y`.
    pub(crate) fn power(&mut self, depth: usize) -> Ex {
        let a = self.expr(depth);
        let b = if !a.exact() {
            // Only exponents that are smooth at 0 for a value that is not exact.
            let text = self.t.pick(&["2", "3", "1"]);
            Ex {
                text: text.to_string(),
                ty: Ty::new(DType::I64, Vec::new()),
                weak: true,
            }
        } else if self.t.one_in(3) {
            self.operand_for(&a, depth)
        } else {
            let (text, dtype) = self.t.pick(&[
                ("2", DType::I64),
                ("0.5", DType::F64),
                ("(-1)", DType::I64),
                ("3", DType::I64),
                ("1", DType::I64),
                ("0", DType::I64),
                ("1.5", DType::F64),
                ("(-2)", DType::I64),
            ]);
            Ex {
                text: text.to_string(),
                ty: Ty::new(dtype, Vec::new()),
                weak: true,
            }
        };
        if !b.exact() {
            return Self::smooth(b);
        }
        // A literal base now and then: `2 ** x`.
        let (a, b) = if b.weak && self.t.one_in(5) {
            (b, a)
        } else {
            (a, b)
        };
        let d = promote(&a, &b);
        let dtype = if d == DType::Bool { DType::I64 } else { d };
        let shape = broadcast(&a.ty.shape, &b.ty.shape).expect("operands broadcast");
        // Real `x ** 2`, `x ** 0.5`, `x ** -1`, … are a product, a square root or a quotient;
        // other float powers call `pow`, a transcendental function.
        let fast = b.weak && ["2", "0.5", "(-1)", "1", "0"].contains(&b.text.as_str());
        let exact = a.exact() && b.exact() && (dtype.is_int() || (fast && !dtype.is_complex()));
        Ex::strong(format!("({} ** {})", a.text, b.text), Ty::new(dtype, shape)).exact_if(exact)
    }

    pub(crate) fn cast(&mut self, depth: usize) -> Ex {
        let x = self.expr(depth);
        let mut dtype = DTYPES[self.t.weighted(&DTYPE_WEIGHTS)];
        // Only to floats and complex numbers, for a value that is not exact.
        if !(x.exact() || dtype.is_float() || dtype.is_complex()) {
            dtype = DType::F64;
        }
        let exact = x.exact();
        Ex::strong(format!("{dtype}({})", x.text), Ty::new(dtype, x.ty.shape)).exact_if(exact)
    }
}

//! Random well-typed `.arr` programs, built from a tape of random numbers.
//!
//! Every choice the builder makes reads one number from the tape and takes it modulo the number
//! of options; option 0 is always the simplest one, and a tape that has run out reads zeros. So
//! when proptest shrinks a failing case (dropping statements, moving numbers towards 0) the
//! program gets shorter and simpler while staying well-typed: the builder tracks the dtype and
//! shape of every variable and only writes calls that accept them, mirroring the rules of
//! `grammar/README.md` (promotion, weak scalars, which functions refuse complex numbers, empty
//! reductions, …). A small share of statements is ill-typed on purpose, so that rejections are
//! compared too.
//!
//! All the inputs of a program are broadcast-compatible with one *base shape* (each axis is the
//! base's extent or 1, and leading axes may be missing), so most pairs of values combine.
//!
//! This file holds the types, the tape, statements and inputs; `expr.rs` writes expressions and
//! `calls.rs` the calls to reductions and library functions.

use arrjit_runtime::{DType, Kind};
use std::fmt;

/// The dtype and shape of a value, and whether every engine computes it exactly alike.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ty {
    pub dtype: DType,
    pub shape: Vec<usize>,
    /// False for floats that depend on a sum or product of several floats (the engines may add
    /// in another order) or on a transcendental function (compiled kernels may approximate it
    /// in other ways), so that the value may differ in its last bits. Functions that are not
    /// continuous there (casts to integers, comparisons, `floor`, `%`, `argmax`, …) or that
    /// magnify a small absolute error (`1 / x`, `log x` near 0) are applied only to exact
    /// values, or a rounding difference would look like a wrong result.
    pub exact: bool,
}

impl Ty {
    pub(crate) fn new(dtype: DType, shape: Vec<usize>) -> Ty {
        Ty {
            dtype,
            shape,
            exact: true,
        }
    }

    pub(crate) fn rank(&self) -> usize {
        self.shape.len()
    }

    pub(crate) fn numel(&self) -> usize {
        self.shape.iter().product()
    }
}

/// A generated program: its source text (the `Debug` form, so that proptest prints it).
#[derive(Clone)]
pub struct Program {
    pub source: String,
}

impl fmt::Debug for Program {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\n{}", self.source)
    }
}

/// Builds the program that `header` (base shape) and `stmts` (one tape per statement) describe.
pub fn build(header: &[u32], stmts: &[Vec<u32>]) -> Program {
    let mut g = Gen {
        t: Tape::new(header),
        base: Vec::new(),
        vars: Vec::new(),
        lines: Vec::new(),
    };
    const RANKS: [usize; 8] = [2, 1, 0, 3, 2, 1, 3, 2];
    let rank = RANKS[g.t.below(RANKS.len())];
    g.base = (0..rank).map(|_| g.extent()).collect();
    // Rarely, arrays large enough that the compiled kernels split their work across threads
    // (from 2^16 points on).
    if g.t.one_in(100) {
        g.base = g.t.pick(&[vec![300, 224], vec![3, 150, 150]]);
    }
    for tape in stmts {
        g.t = Tape::new(tape);
        if g.statement() == Flow::Stop {
            break;
        }
    }
    let mut source = g.lines.join("\n");
    source.push('\n');
    Program { source }
}

/// Random choices, read from a slice of numbers; zeros once it has run out.
pub(crate) struct Tape<'a> {
    data: &'a [u32],
    pos: usize,
}

impl<'a> Tape<'a> {
    pub(crate) fn new(data: &'a [u32]) -> Tape<'a> {
        Tape { data, pos: 0 }
    }

    pub(crate) fn next(&mut self) -> u32 {
        let v = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        v
    }

    /// A number in `0..n` (0 when `n` is 0 or 1).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        if n <= 1 {
            self.next();
            return 0;
        }
        self.next() as usize % n
    }

    /// True once in `n` times; false on an exhausted tape.
    pub(crate) fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == n - 1
    }

    /// An index into `weights`, each chosen in proportion to its weight.
    pub(crate) fn weighted(&mut self, weights: &[usize]) -> usize {
        let total: usize = weights.iter().sum();
        let mut r = self.below(total);
        for (i, &w) in weights.iter().enumerate() {
            if r < w {
                return i;
            }
            r -= w;
        }
        unreachable!("r < total")
    }

    pub(crate) fn pick<T: Clone>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())].clone()
    }
}

/// An expression: its text (always an atom: a name, a call, an index or a parenthesized
/// expression, so that it can be indexed or used as an operand as is) and type.
#[derive(Clone, Debug)]
pub(crate) struct Ex {
    pub(crate) text: String,
    pub(crate) ty: Ty,
    /// A number literal: weakly typed (NEP 50).
    pub(crate) weak: bool,
}

impl Ex {
    pub(crate) fn strong(text: String, ty: Ty) -> Ex {
        Ex {
            text,
            ty,
            weak: false,
        }
    }

    pub(crate) fn exact(&self) -> bool {
        self.ty.exact
    }

    /// The same expression, exact only if `exact`.
    pub(crate) fn exact_if(mut self, exact: bool) -> Ex {
        self.ty.exact &= exact;
        self
    }
}

/// Math functions that every engine computes exactly (correctly rounded, or exact), for
/// real inputs.
pub(crate) const EXACT_MATH: [&str; 12] = [
    "abs", "sqrt", "sign", "isnan", "isinf", "real", "imag", "conj", "floor", "ceil", "round",
    "trunc",
];

/// Math functions that keep a small absolute error small (and a relative one relative): fit
/// for values that are not exact.
pub(crate) const SMOOTH: [&str; 8] = [
    "abs", "tanh", "atan", "real", "imag", "conj", "exp", "expm1",
];

#[derive(PartialEq, Eq)]
pub(crate) enum Flow {
    Go,
    /// The statement is meant to be rejected; nothing after it would run.
    Stop,
}

pub(crate) struct Gen<'a> {
    pub(crate) t: Tape<'a>,
    pub(crate) base: Vec<usize>,
    pub(crate) vars: Vec<(String, Ty)>,
    pub(crate) lines: Vec<String>,
}

pub(crate) const DTYPES: [DType; 7] = [
    DType::F64,
    DType::F32,
    DType::I32,
    DType::I64,
    DType::Bool,
    DType::C128,
    DType::C64,
];
pub(crate) const DTYPE_WEIGHTS: [usize; 7] = [8, 5, 4, 4, 3, 2, 2];

/// Functions of one array, by name.
pub(crate) const MATH: [&str; 29] = [
    "abs", "sqrt", "exp", "log", "sin", "cos", "tan", "tanh", "sinh", "cosh", "expm1", "log1p",
    "exp2", "log2", "log10", "atan", "asin", "acos", "sign", "isnan", "isinf", "real", "imag",
    "conj", "angle", "floor", "ceil", "round", "trunc",
];

/// NumPy's rule for a weak scalar of dtype `weak` next to an array of dtype `strong`.
pub(crate) fn weak_with_strong(weak: DType, strong: DType) -> DType {
    match (weak.kind(), strong.kind()) {
        (w, s) if w <= s => strong,
        (Kind::Complex, _) => strong.complex(),
        (Kind::Float, _) => DType::F64,
        (Kind::Int, _) => DType::I64,
        (Kind::Bool, _) => strong,
    }
}

/// The dtype two operands compute in.
pub(crate) fn promote(a: &Ex, b: &Ex) -> DType {
    match (a.weak, b.weak) {
        (false, false) | (true, true) => DType::promote(a.ty.dtype, b.ty.dtype),
        (false, true) => weak_with_strong(b.ty.dtype, a.ty.dtype),
        (true, false) => weak_with_strong(a.ty.dtype, b.ty.dtype),
    }
}

/// NumPy's broadcasting of two shapes, or `None`.
pub(crate) fn broadcast(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let n = a.len().max(b.len());
    let mut out = vec![0; n];
    for i in 0..n {
        let x = if i + a.len() >= n {
            a[i + a.len() - n]
        } else {
            1
        };
        let y = if i + b.len() >= n {
            b[i + b.len() - n]
        } else {
            1
        };
        out[i] = match (x, y) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            _ => return None,
        };
    }
    Some(out)
}

/// The result dtype of math function `name` on `d`, or `None` where it is refused.
pub(crate) fn math_result(name: &str, d: DType) -> Option<DType> {
    let complex = d.is_complex();
    Some(match name {
        "abs" if d == DType::Bool => DType::Bool,
        "abs" | "real" | "imag" => d.real(),
        "sign" if d == DType::Bool => DType::I64,
        "sign" | "conj" => d,
        "isnan" | "isinf" => DType::Bool,
        "angle" => d.complex().real(),
        "floor" | "ceil" | "round" | "trunc" if complex => return None,
        "floor" | "ceil" | "round" | "trunc" if d.is_int() => d,
        _ => d.float(),
    })
}

/// `(a, b, c)`, `(a,)` or `()`.
pub(crate) fn tuple_text(xs: &[i64]) -> String {
    match xs {
        [x] => format!("({x},)"),
        _ => format!(
            "({})",
            xs.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
        ),
    }
}

pub(crate) fn shape_text(shape: &[usize]) -> String {
    tuple_text(&shape.iter().map(|&d| d as i64).collect::<Vec<_>>())
}

/// A signed integer as an operand: negative ones in parentheses.
pub(crate) fn int_text(x: i64) -> String {
    if x < 0 {
        format!("({x})")
    } else {
        x.to_string()
    }
}

/// NumPy's slice normalisation: the length of `start:stop:step` on an axis of `n`.
pub(crate) fn slice_len(n: i64, start: Option<i64>, stop: Option<i64>, step: i64) -> usize {
    let adjust = |x: i64, lo: i64, hi: i64| (if x < 0 { x + n } else { x }).clamp(lo, hi);
    let (s, t) = if step > 0 {
        (
            start.map_or(0, |s| adjust(s, 0, n)),
            stop.map_or(n, |t| adjust(t, 0, n)),
        )
    } else {
        (
            start.map_or(n - 1, |s| adjust(s, -1, n - 1)),
            stop.map_or(-1, |t| adjust(t, -1, n - 1)),
        )
    };
    let len = if step > 0 {
        if t > s { (t - s + step - 1) / step } else { 0 }
    } else if s > t {
        (s - t - step - 1) / (-step)
    } else {
        0
    };
    len as usize
}

impl Gen<'_> {
    pub(crate) fn extent(&mut self) -> usize {
        // 0 rarely: empty arrays are an edge case, not the common one.
        if self.t.one_in(40) {
            return 0;
        }
        // Now and then a longer axis, for reductions over more elements.
        if self.t.one_in(12) {
            return self.t.pick(&[7, 16, 33]);
        }
        self.t.pick(&[2, 3, 1, 4, 3, 2, 5])
    }

    pub(crate) fn new_var(&mut self, ty: Ty, text: String) {
        let name = format!("v{}", self.vars.len());
        self.lines.push(format!("{name} = {text}"));
        self.vars.push((name, ty));
    }

    pub(crate) fn statement(&mut self) -> Flow {
        if self.vars.is_empty() {
            self.input();
            return Flow::Go;
        }
        if self.t.one_in(60) {
            return self.invalid();
        }
        match self.t.weighted(&[10, 3, 1, 1, 1]) {
            0 => {
                let depth = 1 + self.t.below(4);
                let e = self.expr(depth);
                self.new_var(e.ty, e.text);
            }
            1 => self.input(),
            2 => self.for_loop(),
            3 => {
                // An empty top-level loop: the end of its iteration evaluates every live array
                // in one schedule, where the end of the program evaluates them one at a time.
                self.lines.push("for i in 0..1 { }".to_string());
            }
            _ => {
                // Printing forces an evaluation in the middle of the script.
                let i = self.t.below(self.vars.len());
                let name = self.vars[i].0.clone();
                self.lines.push(format!("print({name})"));
            }
        }
        Flow::Go
    }

    /// A statement that every engine must reject with the same diagnostic.
    pub(crate) fn invalid(&mut self) -> Flow {
        let (name, ty) = self.t.pick(&self.vars);
        let text = match self.t.below(5) {
            0 => format!("sum({name}, axis={})", ty.rank()),
            1 => format!("{name} @ 2"),
            2 => format!("-({name} > 0)"),
            3 => format!("{name} + zeros({})", shape_text(&[ty.numel() + 7])),
            _ => format!("reshape({name}, {})", shape_text(&[ty.numel() + 1])),
        };
        let n = self.vars.len();
        self.lines.push(format!("v{n} = {text}"));
        Flow::Stop
    }

    /// `for i in 0..n { v = f(v, i) }` with `f` keeping `v`'s dtype and shape; top-level loops
    /// evaluate every live array at the end of each iteration.
    pub(crate) fn for_loop(&mut self) {
        let (name, ty) = self.t.pick(&self.vars);
        let n = 1 + self.t.below(3);
        let v = if ty.rank() > 0 && self.t.one_in(2) {
            format!("{name}[::-1]")
        } else {
            name.clone()
        };
        let body = match ty.dtype {
            DType::Bool => format!("not {v}"),
            DType::I32 | DType::I64 => format!("{v} * 3 - i"),
            DType::F32 | DType::F64 => format!("{v} * 0.5 + i"),
            DType::C64 | DType::C128 => format!("{v} * 0.5j + i"),
        };
        self.lines
            .push(format!("for i in 0..{n} {{ {name} = {body} }}"));
    }

    // ---------------------------------------------------------------------------------------
    // Inputs
    // ---------------------------------------------------------------------------------------

    pub(crate) fn input(&mut self) {
        let dtype = DTYPES[self.t.weighted(&DTYPE_WEIGHTS)];
        let r = self.base.len();
        let drop = if self.t.one_in(4) {
            self.t.below(r + 1)
        } else {
            0
        };
        let shape: Vec<usize> = self.base[drop..]
            .iter()
            .copied()
            .map(|d| if self.t.one_in(5) { 1 } else { d })
            .collect();
        let text = self.creation(dtype, &shape);
        self.new_var(Ty::new(dtype, shape), text);
    }

    /// A fresh array of `dtype` and `shape` from the creation functions.
    pub(crate) fn creation(&mut self, dtype: DType, shape: &[usize]) -> String {
        match dtype {
            DType::Bool => match self.t.below(3) {
                0 => {
                    let x = self.real_source(DType::F64, shape);
                    format!("({x} > 0.5)")
                }
                1 => {
                    let x = self.real_source(DType::I64, shape);
                    format!("bool({x})")
                }
                _ => {
                    let x = self.real_source(DType::I64, shape);
                    format!("(({x} % 3) == 0)")
                }
            },
            DType::C64 | DType::C128 => {
                let part = dtype.real();
                let re = self.real_source(part, shape);
                if self.t.one_in(4) {
                    return format!("{dtype}({re})");
                }
                let im = self.real_source(part, shape);
                format!("complex({re}, {im})")
            }
            _ => self.real_source(dtype, shape),
        }
    }

    /// A real array of `dtype` (an integer or float dtype) from a random source.
    pub(crate) fn real_source(&mut self, dtype: DType, shape: &[usize]) -> String {
        let n: usize = shape.iter().product();
        let s = shape_text(shape);
        let seed = self.t.below(64);
        let (text, made) = match self.t.below(7) {
            0 if dtype == DType::F32 => (format!("rand({s}, seed={seed}, dtype=f32)"), dtype),
            0 => (format!("rand({s}, seed={seed})"), DType::F64),
            1 => {
                let scale = self.t.pick(&["1.0", "3.0", "10.0", "100.0", "0.01"]);
                (format!("(randn({s}, seed={seed}) * {scale})"), DType::F64)
            }
            2 => {
                let start = self.t.below(9) as i64 - 4;
                let step = self.t.pick(&[1i64, 2, -1, 3, -2]);
                let stop = start + step * n as i64;
                let kw = if self.t.one_in(3) && dtype.is_int() {
                    format!(", dtype={dtype}")
                } else {
                    String::new()
                };
                let made = if kw.is_empty() { DType::I64 } else { dtype };
                let range = match (start, step) {
                    (0, 1) => format!("arange({n}{kw})"),
                    (_, 1) => format!("arange({}, {}{kw})", int_text(start), int_text(stop)),
                    _ => format!(
                        "arange({}, {}, {}{kw})",
                        int_text(start),
                        int_text(stop),
                        int_text(step)
                    ),
                };
                (format!("reshape({range}, {s})"), made)
            }
            3 => {
                let lo = self.t.pick(&["0.0", "-2.0", "1.5", "-10.0"]);
                let hi = self.t.pick(&["1.0", "3.5", "-1.0", "100.0"]);
                (
                    format!("reshape(linspace({lo}, {hi}, {n}), {s})"),
                    DType::F64,
                )
            }
            4 if n > 0 && !shape.is_empty() => self.array_literal(dtype, shape),
            5 if shape.len() == 2 && self.t.one_in(2) => {
                (format!("eye({}, {})", shape[0], shape[1]), DType::F64)
            }
            5 if self.t.one_in(2) => {
                let v = self.t.pick(&["0", "1", "2.5", "-3", "0.0"]);
                (format!("full({s}, {v})"), full_dtype(v))
            }
            5 => {
                let f = self.t.pick(&["zeros", "ones"]);
                (format!("{f}({s}, dtype={dtype})"), dtype)
            }
            6 if self.t.one_in(2) => {
                let (lo, hi) = self.t.pick(&[("-7.5", "7.5"), ("0", "10"), ("3", "-3")]);
                (
                    format!("reshape(linspace({lo}, {hi}, {n}, dtype={dtype}), {s})"),
                    dtype,
                )
            }
            _ => (format!("rand({s}, seed={seed})"), DType::F64),
        };
        if made == dtype {
            // A 0-d source is still strong: only literals are weak.
            text
        } else if dtype.is_int() && made.is_float() {
            format!("{dtype}(({text} * 10))")
        } else {
            format!("{dtype}({text})")
        }
    }

    /// A nested array literal of `shape`, with a few special values for floats.
    pub(crate) fn array_literal(&mut self, dtype: DType, shape: &[usize]) -> (String, DType) {
        let float = dtype.is_float();
        let mut any_float = false;
        let text = self.literal_rows(shape, float, &mut any_float);
        (text, if any_float { DType::F64 } else { DType::I64 })
    }

    pub(crate) fn literal_rows(
        &mut self,
        shape: &[usize],
        float: bool,
        any_float: &mut bool,
    ) -> String {
        let Some((&n, rest)) = shape.split_first() else {
            let v: &str = if float {
                self.t.pick(&[
                    "0.5", "-1.25", "3.0", "2", "-0.0", "1e-3", "100.0", "7", "nan", "inf", "-inf",
                    "0.1", "1e300", "-3e38", "1e-310", "4e9",
                ])
            } else {
                if self.t.one_in(15) {
                    // The edges of the integer dtypes, for wrapping and saturation.
                    self.t.pick(&[
                        "2147483647",
                        "-2147483648",
                        "9223372036854775807",
                        "-9223372036854775807 - 1",
                    ])
                } else {
                    self.t.pick(&["0", "1", "-3", "2", "7", "-1", "5", "100"])
                }
            };
            *any_float |= v.contains(['.', 'e', 'n']);
            return v.to_string();
        };
        let items: Vec<String> = (0..n)
            .map(|_| self.literal_rows(rest, float, any_float))
            .collect();
        format!("[{}]", items.join(", "))
    }
}

/// The dtype of `full(shape, v)` for a literal `v`.
pub(crate) fn full_dtype(v: &str) -> DType {
    if v.contains('.') {
        DType::F64
    } else {
        DType::I64
    }
}

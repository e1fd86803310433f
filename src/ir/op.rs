//! The closed set of primitive operations.
//!
//! Everything the language offers lowers to these. The interpreter, autodiff and every backend
//! match on `Op` exhaustively, so adding a primitive is a deliberate change that the compiler
//! walks you through.
//!
//! Invariants the lowering establishes (checked by `verify`):
//! - elementwise ops (`Unary`, `Binary`, `Where`) take inputs of exactly the output's shape
//!   (broadcasts are explicit `Broadcast` nodes) and, except where noted, of one dtype
//!   (promotions are explicit `Cast` nodes);
//! - axes are non-negative and in range;
//! - the node's `Type` (dtype and shape) is the result's.

use arrjit_runtime::{DType, Scalar};
use std::fmt;

/// A constant's value, stored so that it can be hashed and compared exactly (floats by bits).
/// The node's dtype says what it means: `Int(3)` with dtype f64 is 3.0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lit {
    Bool(bool),
    Int(i64),
    /// f64 bits
    Float(u64),
    /// f64 bits of the real and imaginary parts
    Complex(u64, u64),
}

impl Lit {
    pub fn float(x: f64) -> Lit {
        Lit::Float(x.to_bits())
    }

    pub fn complex(re: f64, im: f64) -> Lit {
        Lit::Complex(re.to_bits(), im.to_bits())
    }

    /// The literal converted to `dtype` (NumPy's cast rules, see `Data::cast`).
    pub fn to_scalar(self, dtype: DType) -> Scalar {
        use arrjit_runtime::{Array, Complex64};
        let source = match self {
            Lit::Bool(b) => Scalar::Bool(b),
            Lit::Int(i) => Scalar::I64(i),
            Lit::Float(bits) => Scalar::F64(f64::from_bits(bits)),
            Lit::Complex(re, im) => {
                Scalar::C128(Complex64::new(f64::from_bits(re), f64::from_bits(im)))
            }
        };
        Array::scalar(source).cast(dtype).get(0)
    }
}

impl fmt::Display for Lit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Lit::Bool(b) => write!(f, "{b}"),
            Lit::Int(i) => write!(f, "{i}"),
            Lit::Float(bits) => write!(f, "{:?}", f64::from_bits(bits)),
            Lit::Complex(re, im) => {
                write!(f, "({:?}{:+?}j)", f64::from_bits(re), f64::from_bits(im))
            }
        }
    }
}

/// One-input elementwise functions. The output dtype equals the input's except for
/// `Abs`, `Real`, `Imag`, `Angle` on complex input (→ the real dtype) and `IsNan`, `IsInf`,
/// `Not` (→ bool).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    Neg,
    /// Logical not; input bool.
    Not,
    Abs,
    Sqrt,
    Exp,
    Exp2,
    Expm1,
    Log,
    Log2,
    Log10,
    Log1p,
    Sin,
    Cos,
    Tan,
    Asin,
    Acos,
    Atan,
    Sinh,
    Cosh,
    Tanh,
    Floor,
    Ceil,
    /// Round half to even, as NumPy does.
    Round,
    Trunc,
    /// -1, 0 or 1 (NaN stays NaN); for complex `z / |z|` (0 for 0), as in NumPy 2.
    Sign,
    IsNan,
    IsInf,
    /// Real part of a complex number.
    Real,
    /// Imaginary part of a complex number.
    Imag,
    Conj,
    /// Argument of a complex number, `atan2(im, re)`.
    Angle,
}

/// Two-input elementwise functions. Both inputs share the output dtype, except comparisons
/// (inputs share a dtype, output bool).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    /// Floats and complex only (integer `/` is lowered to a float division).
    Div,
    /// Floored modulo (sign of the divisor), as Python and NumPy; integer `x % 0` is 0.
    Rem,
    Pow,
    /// Elementwise minimum; NaN if either is NaN.
    Min,
    /// Elementwise maximum; NaN if either is NaN.
    Max,
    Atan2,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// Logical and; inputs bool.
    And,
    /// Logical or; inputs bool.
    Or,
    /// `complex(re, im)`: inputs of one real float dtype, output the matching complex dtype
    /// (f32 → c64, f64 → c128), built part by part (no arithmetic, so `inf` stays `inf`).
    Complex,
}

/// Reductions over a set of axes (the axes are removed from the shape).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReduceOp {
    Sum,
    Prod,
    /// NaN if any element is NaN. On bool: `all`.
    Min,
    /// NaN if any element is NaN. On bool: `any`.
    Max,
}

/// The primitives.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    // ---- leaves ----
    /// A 0-d constant.
    Const(Lit),
    /// A concrete array held by the graph (`Graph::source`): loaded files, array literals,
    /// values materialised by an earlier evaluation.
    Source(u32),
    /// The n-th parameter of a function being traced (used by differentiation).
    Param(u32),
    /// The index along `axis` at each position of the output shape (i64).
    Iota {
        axis: usize,
    },
    /// Uniform [0, 1) (or standard normal when `normal`) numbers, a pure function of
    /// (seed, row-major element index); dtype f32 or f64.
    Rand {
        seed: u64,
        normal: bool,
    },

    // ---- elementwise ----
    Unary(UnaryOp),
    Binary(BinaryOp),
    /// `where(cond, a, b)`: cond is bool, a and b have the output dtype.
    Where,
    /// Conversion to the node's dtype.
    Cast,

    // ---- reductions ----
    /// Reduces over `axes` (sorted, unique); the output drops those axes.
    Reduce {
        op: ReduceOp,
        axes: Vec<usize>,
    },
    /// Index (i64) of the first minimum/maximum along `axis` (first NaN if any);
    /// the output drops the axis.
    ArgMin {
        axis: usize,
    },
    ArgMax {
        axis: usize,
    },

    // ---- movement (shape in the node type) ----
    /// Same elements in row-major order under the node's shape.
    Reshape,
    /// NumPy broadcasting: the input's dimensions align with the output's last ones, and
    /// each is 1 or equal to the output's.
    Broadcast,
    /// Output axis i is input axis `perm[i]`.
    Permute(Vec<usize>),
    /// Per axis: the output's index j reads input index `start + j * step` (step ≠ 0).
    /// Output extents are in the node's shape.
    Slice {
        start: Vec<i64>,
        step: Vec<i64>,
    },
    /// Joins the inputs (same rank, same dtype, equal except along `axis`).
    Concat {
        axis: usize,
    },

    // ---- library calls ----
    /// Batched matrix product: `[..., m, k] @ [..., k, n]` with equal batch dimensions
    /// and one dtype.
    MatMul,
    /// FFT along the last axis of a float or complex input (complex output of the same
    /// precision); `inverse` scales by 1/n.
    Fft {
        inverse: bool,
    },
    /// Real-input FFT along the last axis: n real → n/2+1 complex.
    Rfft,
    /// Inverse of `Rfft` along the last axis, to `n` real outputs.
    Irfft {
        n: usize,
    },
    /// Sort along `axis`, NaN last.
    Sort {
        axis: usize,
    },
    /// Stable sort permutation along `axis` (i64), NaN last.
    ArgSort {
        axis: usize,
    },
    /// Inclusive prefix sum along `axis`.
    Cumsum {
        axis: usize,
    },
    /// Inclusive prefix product along `axis`.
    Cumprod {
        axis: usize,
    },
    /// `take_along_axis(x, indices, axis)`: output element `i` is `x` at `i` with its `axis`
    /// coordinate replaced by `indices[i]` (i64, in range). The output has the indices' shape,
    /// which equals `x`'s except along `axis`. Built by differentiation (the gradient of
    /// `sort`), not by scripts.
    TakeAlong {
        axis: usize,
    },
}

impl UnaryOp {
    pub fn name(self) -> &'static str {
        match self {
            UnaryOp::Neg => "neg",
            UnaryOp::Not => "not",
            UnaryOp::Abs => "abs",
            UnaryOp::Sqrt => "sqrt",
            UnaryOp::Exp => "exp",
            UnaryOp::Exp2 => "exp2",
            UnaryOp::Expm1 => "expm1",
            UnaryOp::Log => "log",
            UnaryOp::Log2 => "log2",
            UnaryOp::Log10 => "log10",
            UnaryOp::Log1p => "log1p",
            UnaryOp::Sin => "sin",
            UnaryOp::Cos => "cos",
            UnaryOp::Tan => "tan",
            UnaryOp::Asin => "asin",
            UnaryOp::Acos => "acos",
            UnaryOp::Atan => "atan",
            UnaryOp::Sinh => "sinh",
            UnaryOp::Cosh => "cosh",
            UnaryOp::Tanh => "tanh",
            UnaryOp::Floor => "floor",
            UnaryOp::Ceil => "ceil",
            UnaryOp::Round => "round",
            UnaryOp::Trunc => "trunc",
            UnaryOp::Sign => "sign",
            UnaryOp::IsNan => "isnan",
            UnaryOp::IsInf => "isinf",
            UnaryOp::Real => "real",
            UnaryOp::Imag => "imag",
            UnaryOp::Conj => "conj",
            UnaryOp::Angle => "angle",
        }
    }

    pub const ALL: [UnaryOp; 31] = [
        UnaryOp::Neg,
        UnaryOp::Not,
        UnaryOp::Abs,
        UnaryOp::Sqrt,
        UnaryOp::Exp,
        UnaryOp::Exp2,
        UnaryOp::Expm1,
        UnaryOp::Log,
        UnaryOp::Log2,
        UnaryOp::Log10,
        UnaryOp::Log1p,
        UnaryOp::Sin,
        UnaryOp::Cos,
        UnaryOp::Tan,
        UnaryOp::Asin,
        UnaryOp::Acos,
        UnaryOp::Atan,
        UnaryOp::Sinh,
        UnaryOp::Cosh,
        UnaryOp::Tanh,
        UnaryOp::Floor,
        UnaryOp::Ceil,
        UnaryOp::Round,
        UnaryOp::Trunc,
        UnaryOp::Sign,
        UnaryOp::IsNan,
        UnaryOp::IsInf,
        UnaryOp::Real,
        UnaryOp::Imag,
        UnaryOp::Conj,
        UnaryOp::Angle,
    ];

    /// The output dtype for an input of dtype `input` (the input dtype is assumed valid).
    pub fn result_dtype(self, input: DType) -> DType {
        match self {
            UnaryOp::IsNan | UnaryOp::IsInf | UnaryOp::Not => DType::Bool,
            UnaryOp::Abs | UnaryOp::Real | UnaryOp::Imag | UnaryOp::Angle => input.real(),
            UnaryOp::Neg
            | UnaryOp::Sqrt
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
            | UnaryOp::Tanh
            | UnaryOp::Floor
            | UnaryOp::Ceil
            | UnaryOp::Round
            | UnaryOp::Trunc
            | UnaryOp::Sign
            | UnaryOp::Conj => input,
        }
    }
}

impl BinaryOp {
    pub fn name(self) -> &'static str {
        match self {
            BinaryOp::Add => "add",
            BinaryOp::Sub => "sub",
            BinaryOp::Mul => "mul",
            BinaryOp::Div => "div",
            BinaryOp::Rem => "rem",
            BinaryOp::Pow => "pow",
            BinaryOp::Min => "min",
            BinaryOp::Max => "max",
            BinaryOp::Atan2 => "atan2",
            BinaryOp::Eq => "eq",
            BinaryOp::Ne => "ne",
            BinaryOp::Lt => "lt",
            BinaryOp::Le => "le",
            BinaryOp::Gt => "gt",
            BinaryOp::Ge => "ge",
            BinaryOp::And => "and",
            BinaryOp::Or => "or",
            BinaryOp::Complex => "complex",
        }
    }

    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge
        )
    }
}

impl ReduceOp {
    pub fn name(self) -> &'static str {
        match self {
            ReduceOp::Sum => "sum",
            ReduceOp::Prod => "prod",
            ReduceOp::Min => "min",
            ReduceOp::Max => "max",
        }
    }
}

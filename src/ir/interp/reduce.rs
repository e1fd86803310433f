//! Reductions: `Reduce` (sum, product, min, max over a set of axes), `ArgMin` and `ArgMax`.
//!
//! Expects what the lowering guarantees (see `ir::op`): axes sorted, unique and in range;
//! sum and product on numbers (not bool); min, max and the arg reductions on bool, integers and
//! floats, never over an empty lane. The input is first permuted so that the reduced axes come
//! last (the kept ones in order); each output element then reduces one contiguous lane, so any
//! set of axes, contiguous or not, reads the same way.

use super::elementwise::{is_nan, max_nan, min_nan, unsupported, wrap};
use super::movement::permute;
use crate::ir::op::ReduceOp;
use arrjit_runtime::{Array, Complex32, Complex64, Data};
use std::borrow::Cow;
use std::ops::Add;

/// Which extreme `arg_reduce` looks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgKind {
    Min,
    Max,
}

/// Reduces each lane of a `&Data` (see `lanes`) with `|lane| body`, for the listed dtypes.
macro_rules! per_lane {
    ($name:expr, $data:expr, $n:expr; $( [$($t:ident),+] => |$l:ident| $body:expr );+ $(;)?) => {
        match $data {
            $( $( Data::$t(xs) => wrap(lanes(xs, $n).map(|$l| $body).collect()), )+ )+
            #[allow(unreachable_patterns)]
            other => unsupported($name, other.dtype()),
        }
    };
}

/// Reduces `x` over `axes` (sorted, unique), which the output drops; no axes is a copy.
///
/// Integers wrap. Float sums are pairwise (like NumPy's), f32 and c64 accumulating in double
/// precision and rounding once at the end; products multiply left to right, also in double
/// precision. The empty sum is 0 and the empty product 1. Min and max propagate NaN (on bool
/// they are `all` and `any`); on ties of ±0 the first one met wins.
pub fn reduce(op: ReduceOp, x: &Array, axes: &[usize]) -> Array {
    let (lanes_of_x, shape) = to_lanes(x, axes);
    let n = shape.iter().product();
    let name = op.name();
    let data = match op {
        ReduceOp::Sum => per_lane!(name, lanes_of_x.data(), n;
            [I32, I64] => |l| l.iter().copied().reduce(|a, b| a.wrapping_add(b)).unwrap_or(0);
            [F32] => |l| pairwise(l, &|v| v as f64) as f32;
            [F64] => |l| pairwise(l, &|v| v);
            [C64] => |l| narrow(pairwise(l, &widen));
            [C128] => |l| pairwise(l, &|v| v)),
        ReduceOp::Prod => per_lane!(name, lanes_of_x.data(), n;
            [I32, I64] => |l| l.iter().copied().reduce(|a, b| a.wrapping_mul(b)).unwrap_or(1);
            [F32] => |l| l.iter().fold(1.0, |a, &b| a * b as f64) as f32;
            [F64] => |l| l.iter().fold(1.0, |a, &b| a * b);
            [C64] => |l| narrow(l.iter().fold(Complex64::ONE, |a, &b| a * widen(b)));
            [C128] => |l| l.iter().fold(Complex64::ONE, |a, &b| a * b)),
        ReduceOp::Min => per_lane!(name, lanes_of_x.data(), n;
            [Bool, I32, I64, F32, F64] => |l| extreme(l, min_nan)),
        ReduceOp::Max => per_lane!(name, lanes_of_x.data(), n;
            [Bool, I32, I64, F32, F64] => |l| extreme(l, max_nan)),
    };
    Array::new(shape, data)
}

/// The index (i64) of the first minimum or maximum along `axis`, which the output drops; a lane
/// holding NaN gives the index of its first NaN (as NumPy).
pub fn arg_reduce(kind: ArgKind, x: &Array, axis: usize) -> Array {
    let (lanes_of_x, shape) = to_lanes(x, &[axis]);
    let n = shape.iter().product();
    let name = match kind {
        ArgKind::Min => "argmin",
        ArgKind::Max => "argmax",
    };
    let data = per_lane!(name, lanes_of_x.data(), n;
        [Bool, I32, I64, F32, F64] => |l| arg_lane(kind, l));
    Array::new(shape, data)
}

/// `x` with `axes` moved last (a copy only if they are not last already), and the shape of
/// the axes that stay.
fn to_lanes<'a>(x: &'a Array, axes: &[usize]) -> (Cow<'a, Array>, Vec<usize>) {
    let rank = x.ndim();
    let valid = axes.windows(2).all(|w| w[0] < w[1]) && axes.iter().all(|&a| a < rank);
    assert!(
        valid,
        "interp: reduction axes {axes:?} of shape {:?}",
        x.shape()
    );
    let kept: Vec<usize> = (0..rank).filter(|a| !axes.contains(a)).collect();
    let shape = kept.iter().map(|&a| x.shape()[a]).collect();
    let perm: Vec<usize> = kept.into_iter().chain(axes.iter().copied()).collect();
    if perm.iter().enumerate().all(|(i, &p)| i == p) {
        (Cow::Borrowed(x), shape)
    } else {
        (Cow::Owned(permute(x, &perm)), shape)
    }
}

/// Splits `xs` into `n` equal contiguous lanes (all empty when `xs` is).
fn lanes<T>(xs: &[T], n: usize) -> impl Iterator<Item = &[T]> {
    let len = xs.len().checked_div(n).unwrap_or(0);
    (0..n).map(move |i| &xs[i * len..(i + 1) * len])
}

/// Pairwise (cascade) summation of `f(x)` over `xs`: the rounding error grows like log n rather
/// than n. Blocks of up to 8 are summed left to right starting from their first element (so a
/// lone -0.0 stays -0.0); the empty sum is +0.
fn pairwise<S: Copy, T: Copy + Add<Output = T> + Default>(xs: &[S], f: &impl Fn(S) -> T) -> T {
    if xs.len() <= 8 {
        xs.iter()
            .map(|&x| f(x))
            .reduce(|a, b| a + b)
            .unwrap_or_default()
    } else {
        let (left, right) = xs.split_at(xs.len() / 2);
        pairwise(left, f) + pairwise(right, f)
    }
}

fn widen(z: Complex32) -> Complex64 {
    Complex64::new(z.re.into(), z.im.into())
}

fn narrow(z: Complex64) -> Complex32 {
    Complex32::new(z.re as f32, z.im as f32)
}

/// The lane folded with `pick` (`min_nan` or `max_nan`), left to right.
fn extreme<T: Copy>(lane: &[T], pick: fn(T, T) -> T) -> T {
    let folded = lane.iter().copied().reduce(pick);
    folded.expect("interp: min/max of an empty reduction (lowering should reject it)")
}

fn arg_lane<T: PartialOrd>(kind: ArgKind, lane: &[T]) -> i64 {
    assert!(!lane.is_empty(), "interp: {kind:?} index of an empty lane");
    let mut best = 0;
    for (i, v) in lane.iter().enumerate() {
        if is_nan(v) {
            return i as i64;
        }
        // Strict comparisons: on ties the first index stays.
        let better = match kind {
            ArgKind::Min => *v < lane[best],
            ArgKind::Max => *v > lane[best],
        };
        if better {
            best = i;
        }
    }
    best as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    const NAN: f64 = f64::NAN;

    /// x[i, j, k] = 12i + 4j + k, shape [2, 3, 4].
    fn cube() -> Array {
        Array::from_vec(vec![2, 3, 4], (0..24i64).collect())
    }
    fn ints(a: &Array) -> (&[usize], &[i64]) {
        (a.shape(), a.as_slice().expect("i64"))
    }
    fn f64s(shape: &[usize], v: &[f64]) -> Array {
        Array::from_vec(shape.to_vec(), v.to_vec())
    }
    fn same(got: &Array, want: &[f64]) {
        let got: &[f64] = got.as_slice().expect("f64");
        let eq = |(g, w): (&f64, &f64)| g.to_bits() == w.to_bits() || (g.is_nan() && w.is_nan());
        assert!(
            got.len() == want.len() && got.iter().zip(want).all(eq),
            "{got:?} vs {want:?}"
        );
    }

    #[test]
    fn sums_over_any_axis_set() {
        use ReduceOp::Sum;
        let x = cube();
        assert_eq!(reduce(Sum, &x, &[]), x);
        let s = reduce(Sum, &x, &[2]); // 4(12i + 4j) + 6
        assert_eq!(ints(&s), (&[2, 3][..], &[6, 22, 38, 54, 70, 86][..]));
        let s = reduce(Sum, &x, &[0]); // 2(4j + k) + 12
        assert_eq!(ints(&s).0, [3, 4]);
        assert_eq!(ints(&s).1[..5], [12, 14, 16, 18, 20]);
        let s = reduce(Sum, &x, &[1]); // 3(12i + k) + 12
        assert_eq!(
            ints(&s),
            (&[2, 4][..], &[12, 15, 18, 21, 48, 51, 54, 57][..])
        );
        let s = reduce(Sum, &x, &[0, 2]); // 32j + 60
        assert_eq!(ints(&s), (&[3][..], &[60, 92, 124][..]));
        let s = reduce(Sum, &x, &[0, 1, 2]);
        assert_eq!(ints(&s), (&[][..], &[276][..]));
        let zero_d = Array::from_vec(vec![], vec![2.5f32]);
        assert_eq!(reduce(Sum, &zero_d, &[]), zero_d);
    }

    #[test]
    fn integer_sums_and_products_wrap() {
        let a = Array::from_vec(vec![2, 2], vec![65536i32, 65536, i32::MAX, 1]);
        let p = reduce(ReduceOp::Prod, &a, &[1]);
        assert_eq!(p.as_slice::<i32>().unwrap(), [0, i32::MAX]);
        let s = reduce(ReduceOp::Sum, &a, &[1]);
        assert_eq!(s.as_slice::<i32>().unwrap(), [131072, i32::MIN]);
        let p = reduce(
            ReduceOp::Prod,
            &Array::from_vec(vec![63], vec![2i64; 63]),
            &[0],
        );
        assert_eq!(p.as_slice::<i64>().unwrap(), [i64::MIN]);
        let p = reduce(ReduceOp::Prod, &cube(), &[0, 2]); // j = 0: (0·1·2·3)(12·13·14·15)
        assert_eq!(ints(&p).1[0], 0);
        let p = reduce(
            ReduceOp::Prod,
            &Array::from_vec(vec![3], vec![-2i64, 3, 5]),
            &[0],
        );
        assert_eq!(ints(&p).1, [-30]);
    }

    #[test]
    fn empty_sums_and_products_are_identities() {
        let e = Array::from_vec(vec![2, 0], Vec::<f64>::new());
        same(&reduce(ReduceOp::Sum, &e, &[1]), &[0.0, 0.0]);
        same(&reduce(ReduceOp::Prod, &e, &[1]), &[1.0, 1.0]);
        assert_eq!(reduce(ReduceOp::Sum, &e, &[0]).shape(), [0]);
        assert_eq!(reduce(ReduceOp::Min, &e, &[0]).shape(), [0]);
        let ei = Array::from_vec(vec![0, 3], Vec::<i32>::new());
        let p = reduce(ReduceOp::Prod, &ei, &[0]);
        assert_eq!(p.as_slice::<i32>().unwrap(), [1, 1, 1]);
        let ec = Array::from_vec(vec![0], Vec::<Complex32>::new());
        let s = reduce(ReduceOp::Sum, &ec, &[0]);
        assert_eq!(
            s.as_slice::<Complex32>().unwrap(),
            [Complex32::new(0.0, 0.0)]
        );
    }

    #[test]
    fn float_sums_are_accurate() {
        // f32 accumulates in f64: 1e8 + 1 - 1e8 is 0 in f32 arithmetic but 1 here.
        let a = Array::from_vec(vec![3], vec![1e8f32, 1.0, -1e8]);
        let s = reduce(ReduceOp::Sum, &a, &[0]);
        assert_eq!(s.as_slice::<f32>().unwrap(), [1.0]);
        let p = reduce(
            ReduceOp::Prod,
            &Array::from_vec(vec![3], vec![1e30f32, 1e30, 1e-30]),
            &[0],
        );
        assert_eq!(p.as_slice::<f32>().unwrap(), [1e30]);
        // 10⁶ copies of 0.1: the exact sum is 100000.0000000000055…; a left-to-right sum is off
        // by about 1.3e-6, a pairwise one by at most a few ulps (1 ulp = 1.5e-11 here).
        let tenths = f64s(&[1_000_000], &vec![0.1; 1_000_000]);
        let s = reduce(ReduceOp::Sum, &tenths, &[0]).get(0).to_f64();
        assert!((s - 1e5).abs() <= 3e-11, "{s}");
        // The sum starts from the first element, so -0.0 survives; NaN and inf propagate.
        let x = f64s(
            &[4, 2],
            &[-0.0, -0.0, NAN, 1.0, f64::INFINITY, 1.0, 2.0, -3.0],
        );
        same(
            &reduce(ReduceOp::Sum, &x, &[1]),
            &[-0.0, NAN, f64::INFINITY, -1.0],
        );
        same(
            &reduce(ReduceOp::Prod, &x, &[1]),
            &[0.0, NAN, f64::INFINITY, -6.0],
        );
    }

    #[test]
    fn complex_sums_and_products() {
        let z = [Complex64::new(1.0, 2.0), Complex64::new(3.0, -1.0)];
        let a = Array::from_vec(vec![2], z.to_vec());
        let s = reduce(ReduceOp::Sum, &a, &[0]);
        assert_eq!(
            s.as_slice::<Complex64>().unwrap(),
            [Complex64::new(4.0, 1.0)]
        );
        let p = reduce(ReduceOp::Prod, &a, &[0]); // (1 + 2i)(3 - i) = 5 + 5i
        assert_eq!(
            p.as_slice::<Complex64>().unwrap(),
            [Complex64::new(5.0, 5.0)]
        );
        let a32 = Array::from_vec(vec![1, 2], z.map(narrow).to_vec());
        let p = reduce(ReduceOp::Prod, &a32, &[1]);
        assert_eq!(
            (p.shape(), p.as_slice::<Complex32>().unwrap()),
            (&[1][..], &[Complex32::new(5.0, 5.0)][..])
        );
        let s = reduce(ReduceOp::Sum, &a32, &[0, 1]);
        assert_eq!(
            s.as_slice::<Complex32>().unwrap(),
            [Complex32::new(4.0, 1.0)]
        );
    }

    #[test]
    fn min_max_propagate_nan() {
        use ReduceOp::{Max, Min};
        let x = f64s(&[2, 3], &[3.0, -1.0, 2.0, 4.0, NAN, -5.0]);
        same(&reduce(Min, &x, &[1]), &[-1.0, NAN]);
        same(&reduce(Max, &x, &[1]), &[3.0, NAN]);
        same(&reduce(Min, &x, &[0]), &[3.0, NAN, -5.0]);
        same(&reduce(Max, &x, &[0, 1]), &[NAN]);
        let z = f64s(&[2], &[0.0, -0.0]);
        same(&reduce(Min, &z, &[0]), &[0.0]);
        let x32 = Array::from_vec(vec![3], vec![1.0f32, f32::NAN, 0.0]);
        assert!(reduce(Max, &x32, &[0]).get(0).to_f64().is_nan());
        let (lo, hi) = (reduce(Min, &cube(), &[0, 2]), reduce(Max, &cube(), &[0, 2]));
        assert_eq!(
            (ints(&lo).1, ints(&hi).1),
            (&[0, 4, 8][..], &[15, 19, 23][..])
        );
        let b = Array::from_vec(vec![2, 2], vec![true, false, true, true]);
        assert_eq!(
            reduce(Min, &b, &[1]).as_slice::<bool>().unwrap(),
            [false, true]
        );
        assert_eq!(
            reduce(Max, &b, &[0]).as_slice::<bool>().unwrap(),
            [true, true]
        );
        let i = Array::from_vec(vec![3], vec![7i32, -2, 5]);
        assert_eq!(reduce(Min, &i, &[0]).as_slice::<i32>().unwrap(), [-2]);
    }

    #[test]
    fn arg_reductions_find_the_first_extreme_or_nan() {
        use ArgKind::{Max, Min};
        let x = f64s(&[2, 4], &[3.0, 1.0, 1.0, 3.0, 2.0, NAN, 0.0, NAN]);
        assert_eq!(ints(&arg_reduce(Min, &x, 1)), (&[2][..], &[1, 1][..]));
        assert_eq!(ints(&arg_reduce(Max, &x, 1)).1, [0, 1]);
        assert_eq!(ints(&arg_reduce(Min, &x, 0)), (&[4][..], &[1, 1, 1, 1][..]));
        assert_eq!(ints(&arg_reduce(Max, &x, 0)).1, [0, 1, 0, 1]);
        let c = cube();
        assert_eq!(ints(&arg_reduce(Max, &c, 1)), (&[2, 4][..], &[2; 8][..]));
        assert_eq!(ints(&arg_reduce(Min, &c, 0)).1, [0; 12]);
        let b = Array::from_vec(vec![4], vec![false, true, false, true]);
        assert_eq!(ints(&arg_reduce(Max, &b, 0)), (&[][..], &[1][..]));
        assert_eq!(ints(&arg_reduce(Min, &b, 0)).1, [0]);
        let i = Array::from_vec(vec![4], vec![5i32, -3, 9, -3]);
        assert_eq!(ints(&arg_reduce(Min, &i, 0)).1, [1]);
        let f = Array::from_vec(vec![3], vec![-0.0f32, 0.0, f32::NEG_INFINITY]);
        assert_eq!(ints(&arg_reduce(Max, &f, 0)).1, [0]);
        assert_eq!(
            arg_reduce(Min, &Array::from_vec(vec![0, 3], Vec::<i64>::new()), 1).shape(),
            [0]
        );
    }
}

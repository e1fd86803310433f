//! Cumulative sums and products along an axis, with NumPy's result dtypes: bool and i32
//! accumulate in i64 (NumPy's default integer), every other dtype keeps its own. Integer
//! overflow wraps, as in NumPy; f32 accumulates in f32, element by element.
//!
//! A long contiguous lane is scanned in two passes over chunks of `CHUNK` elements: each chunk
//! is scanned on its own (in parallel), then every chunk is offset by the total of the chunks
//! before it (in parallel). Floating-point results then differ from a sequential scan by
//! rounding, but they depend only on the length, never on the number of threads.

use std::ops::{Add, Mul};

use num_complex::{Complex32, Complex64};

use rayon::prelude::*;

use super::{map_lanes, split_at_axis};
use crate::array::{Array, Data};

/// Lanes at least this long are scanned in chunks of `CHUNK` elements on every thread.
const PARALLEL_MIN_LEN: usize = 1 << 18;
const CHUNK: usize = 1 << 16;

/// Running sum along `axis` (`np.cumsum(a, axis)`). For `axis=None` the caller flattens first.
pub fn cumsum(a: &Array, axis: usize) -> Array {
    scan(a, axis, Op::Sum)
}

/// Running product along `axis` (`np.cumprod(a, axis)`).
pub fn cumprod(a: &Array, axis: usize) -> Array {
    scan(a, axis, Op::Product)
}

#[derive(Clone, Copy)]
enum Op {
    Sum,
    Product,
}

/// The arithmetic a scan needs; integers wrap on overflow like NumPy's.
trait Accumulate: Copy + Default + Send + Sync {
    fn zero() -> Self;
    fn one() -> Self;
    fn add(self, other: Self) -> Self;
    fn mul(self, other: Self) -> Self;
}

impl Accumulate for i64 {
    fn zero() -> Self {
        0
    }
    fn one() -> Self {
        1
    }
    fn add(self, other: Self) -> Self {
        self.wrapping_add(other)
    }
    fn mul(self, other: Self) -> Self {
        self.wrapping_mul(other)
    }
}

macro_rules! accumulate_float {
    ($t:ty, $zero:expr, $one:expr) => {
        impl Accumulate for $t {
            fn zero() -> Self {
                $zero
            }
            fn one() -> Self {
                $one
            }
            fn add(self, other: Self) -> Self {
                Add::add(self, other)
            }
            fn mul(self, other: Self) -> Self {
                Mul::mul(self, other)
            }
        }
    };
}
accumulate_float!(f32, 0.0, 1.0);
accumulate_float!(f64, 0.0, 1.0);
accumulate_float!(
    Complex32,
    Complex32::new(0.0, 0.0),
    Complex32::new(1.0, 0.0)
);
accumulate_float!(
    Complex64,
    Complex64::new(0.0, 0.0),
    Complex64::new(1.0, 0.0)
);

/// The running sum or product of `lane`, written to `out`.
fn scan_into<T: Accumulate>(lane: &[T], out: &mut [T], op: Op) {
    match op {
        Op::Sum => {
            let mut acc = T::zero();
            for (o, &x) in out.iter_mut().zip(lane) {
                acc = acc.add(x);
                *o = acc;
            }
        }
        Op::Product => {
            let mut acc = T::one();
            for (o, &x) in out.iter_mut().zip(lane) {
                acc = acc.mul(x);
                *o = acc;
            }
        }
    }
}

/// One contiguous lane: sequentially, or in two passes over chunks when it is long.
fn scan_contiguous<T: Accumulate>(lane: &[T], out: &mut [T], op: Op) {
    if lane.len() < PARALLEL_MIN_LEN {
        scan_into(lane, out, op);
        return;
    }
    out.par_chunks_mut(CHUNK)
        .zip(lane.par_chunks(CHUNK))
        .for_each(|(o, l)| scan_into(l, o, op));
    // What comes before each chunk: the running total of the chunks' last elements.
    let mut before = Vec::with_capacity(out.len().div_ceil(CHUNK));
    let (mut acc, combine): (T, fn(T, T) -> T) = match op {
        Op::Sum => (T::zero(), T::add),
        Op::Product => (T::one(), T::mul),
    };
    for chunk in out.chunks(CHUNK) {
        before.push(acc);
        acc = combine(acc, *chunk.last().expect("chunks are not empty"));
    }
    out.par_chunks_mut(CHUNK)
        .zip(before)
        .skip(1)
        .for_each(|(o, b)| o.iter_mut().for_each(|x| *x = combine(b, *x)));
}

fn scan_lanes<T: Accumulate>(v: &[T], shape: &[usize], axis: usize, op: Op) -> Vec<T> {
    let (_, len, inner) = split_at_axis(shape, axis);
    if inner == 1 && len > 0 {
        let mut out = vec![T::zero(); v.len()];
        for (lane, o) in v.chunks(len).zip(out.chunks_mut(len)) {
            scan_contiguous(lane, o, op);
        }
        return out;
    }
    map_lanes(v, shape, axis, |lane, out| {
        out.resize(lane.len(), T::zero());
        scan_into(lane, out, op);
    })
}

fn scan(a: &Array, axis: usize, op: Op) -> Array {
    let shape = a.shape();
    let data = match a.data() {
        Data::Bool(_) | Data::I32(_) | Data::I64(_) => {
            let wide = a.cast(crate::dtype::DType::I64);
            Data::I64(scan_lanes(wide.as_slice::<i64>().unwrap(), shape, axis, op))
        }
        Data::F32(v) => Data::F32(scan_lanes(v, shape, axis, op)),
        Data::F64(v) => Data::F64(scan_lanes(v, shape, axis, op)),
        Data::C64(v) => Data::C64(scan_lanes(v, shape, axis, op)),
        Data::C128(v) => Data::C128(scan_lanes(v, shape, axis, op)),
    };
    Array::new(shape.to_vec(), data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dtype::DType;

    /// The chunked scan of a long lane agrees with a sequential one (exactly for integers,
    /// within rounding for floats), and gives the same bits on every run.
    #[test]
    fn long_lanes_scan_in_chunks() {
        let n = PARALLEL_MIN_LEN + 12_345;
        let ints: Vec<i64> = (0..n as i64).map(|i| (i * 7919) % 1000 - 500).collect();
        let a = Array::from_vec(vec![n], ints.clone());
        let mut acc = 0i64;
        let want: Vec<i64> = ints
            .iter()
            .map(|x| {
                acc += x;
                acc
            })
            .collect();
        assert_eq!(cumsum(&a, 0).as_slice::<i64>().unwrap(), &want[..]);
        let floats: Vec<f64> = (0..n)
            .map(|i| 1.0 + ((i * 31) % 97) as f64 * 1e-6)
            .collect();
        let f = Array::from_vec(vec![n], floats.clone());
        let (mut s, mut p) = (0.0f64, 1.0f64);
        let got_s = cumsum(&f, 0);
        let got_p = cumprod(&f, 0);
        for (i, x) in floats.iter().enumerate() {
            s += x;
            p *= x;
            let (gs, gp) = (
                got_s.as_slice::<f64>().unwrap()[i],
                got_p.as_slice::<f64>().unwrap()[i],
            );
            assert!((gs - s).abs() <= 1e-12 * s.abs(), "sum {i}: {gs} vs {s}");
            assert!((gp - p).abs() <= 1e-9 * p.abs(), "product {i}: {gp} vs {p}");
        }
        let again = cumsum(&f, 0);
        assert_eq!(
            again.as_slice::<f64>().unwrap(),
            got_s.as_slice::<f64>().unwrap()
        );
        // Two lanes of a matrix, along its last axis.
        let m = Array::from_vec(vec![2, n / 2], floats[..2 * (n / 2)].to_vec());
        let rows = cumsum(&m, 1);
        let first = cumsum(&Array::from_vec(vec![n / 2], floats[..n / 2].to_vec()), 0);
        assert_eq!(
            &rows.as_slice::<f64>().unwrap()[..n / 2],
            first.as_slice::<f64>().unwrap()
        );
    }

    #[test]
    fn cumsum_and_cumprod_of_a_vector() {
        let a = Array::from_vec(vec![4], vec![1.0f64, 2.0, 3.0, 4.0]);
        assert_eq!(
            cumsum(&a, 0).as_slice::<f64>().unwrap(),
            &[1.0, 3.0, 6.0, 10.0]
        );
        assert_eq!(
            cumprod(&a, 0).as_slice::<f64>().unwrap(),
            &[1.0, 2.0, 6.0, 24.0]
        );
    }

    #[test]
    fn small_integers_and_bools_accumulate_in_i64() {
        let b = Array::from_vec(vec![4], vec![true, false, true, true]);
        let s = cumsum(&b, 0);
        assert_eq!(s.dtype(), DType::I64);
        assert_eq!(s.as_slice::<i64>().unwrap(), &[1, 1, 2, 3]);
        assert_eq!(cumprod(&b, 0).as_slice::<i64>().unwrap(), &[1, 0, 0, 0]);
        // 2^31 - 1 + 1 does not overflow: the sum is i64.
        let i = Array::from_vec(vec![2], vec![i32::MAX, 1]);
        assert_eq!(
            cumsum(&i, 0).as_slice::<i64>().unwrap(),
            &[2_147_483_647, 2_147_483_648]
        );
        // i64 wraps like NumPy.
        let w = Array::from_vec(vec![2], vec![i64::MAX, 1]);
        assert_eq!(
            cumsum(&w, 0).as_slice::<i64>().unwrap(),
            &[i64::MAX, i64::MIN]
        );
        let f = Array::from_vec(vec![2], vec![0.5f32, 0.25]);
        assert_eq!(cumsum(&f, 0).dtype(), DType::F32);
    }

    #[test]
    fn scans_follow_the_axis() {
        // [[1, 2, 3],
        //  [4, 5, 6]]
        let a = Array::from_vec(vec![2, 3], vec![1i64, 2, 3, 4, 5, 6]);
        assert_eq!(
            cumsum(&a, 0).as_slice::<i64>().unwrap(),
            &[1, 2, 3, 5, 7, 9]
        );
        assert_eq!(
            cumsum(&a, 1).as_slice::<i64>().unwrap(),
            &[1, 3, 6, 4, 9, 15]
        );
        assert_eq!(
            cumprod(&a, 1).as_slice::<i64>().unwrap(),
            &[1, 2, 6, 4, 20, 120]
        );
        let z = Array::from_vec(
            vec![2],
            vec![Complex64::new(0.0, 1.0), Complex64::new(0.0, 1.0)],
        );
        // i * i = -1
        assert_eq!(
            cumprod(&z, 0).as_slice::<Complex64>().unwrap(),
            &[Complex64::new(0.0, 1.0), Complex64::new(-1.0, 0.0)]
        );
        let empty = Array::from_vec(vec![3, 0], Vec::<i32>::new());
        assert_eq!(cumsum(&empty, 1).shape(), &[3, 0]);
    }
}

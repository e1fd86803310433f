//! Cumulative sums and products along an axis, with NumPy's result dtypes: bool and i32
//! accumulate in i64 (NumPy's default integer), every other dtype keeps its own. Integer
//! overflow wraps, as in NumPy; f32 accumulates in f32, element by element.

use std::ops::{Add, Mul};

use num_complex::{Complex32, Complex64};

use super::map_lanes;
use crate::array::{Array, Data};

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
trait Accumulate: Copy + Default {
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

fn scan_lanes<T: Accumulate>(v: &[T], shape: &[usize], axis: usize, op: Op) -> Vec<T> {
    map_lanes(v, shape, axis, |lane, out| {
        let (mut acc, step): (T, fn(T, T) -> T) = match op {
            Op::Sum => (T::zero(), T::add),
            Op::Product => (T::one(), T::mul),
        };
        for &x in lane {
            acc = step(acc, x);
            out.push(acc);
        }
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

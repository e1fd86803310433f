//! `sort` and `argsort` along an axis, with NumPy's ordering.
//!
//! Floats sort NaN last (NumPy's rule), and -0.0 ties with 0.0. Real lanes are radix sorted
//! (`radix`: linear time, both threads for long lanes); bools and complex numbers use a
//! comparison sort. Complex numbers sort
//! lexicographically by (real, imaginary) with NumPy's NaN placement:
//! `R + Rj < R + nanj < nan + Rj < nan + nanj`. Both functions are stable, so `argsort` gives
//! the indices `np.argsort(a, axis, kind='stable')` gives (NumPy's default quicksort may order
//! equal elements differently).

use std::cmp::Ordering;

use num_complex::Complex;

use super::radix::{self, RadixKey};
use super::{map_lanes, split_at_axis};
use crate::array::{Array, Data};

/// The elements of `a` sorted along `axis`; same shape and dtype.
pub fn sort(a: &Array, axis: usize) -> Array {
    fn lanes<T: Copy + Default>(
        v: &[T],
        shape: &[usize],
        axis: usize,
        cmp: fn(&T, &T) -> Ordering,
    ) -> Vec<T> {
        map_lanes(v, shape, axis, |lane, out| {
            out.extend_from_slice(lane);
            out.sort_by(cmp);
        })
    }
    let shape = a.shape();
    let data = match a.data() {
        Data::Bool(v) => Data::Bool(lanes(v, shape, axis, Ord::cmp)),
        Data::I32(v) => Data::I32(radix_lanes(v, shape, axis)),
        Data::I64(v) => Data::I64(radix_lanes(v, shape, axis)),
        Data::F32(v) => Data::F32(radix_lanes(v, shape, axis)),
        Data::F64(v) => Data::F64(radix_lanes(v, shape, axis)),
        Data::C64(v) => Data::C64(lanes(v, shape, axis, cmp_complex)),
        Data::C128(v) => Data::C128(lanes(v, shape, axis, cmp_complex)),
    };
    Array::new(shape.to_vec(), data)
}

/// For each lane along `axis`, the (i64) positions that sort it; stable.
pub fn argsort(a: &Array, axis: usize) -> Array {
    fn lanes<T: Copy>(
        v: &[T],
        shape: &[usize],
        axis: usize,
        cmp: fn(&T, &T) -> Ordering,
    ) -> Vec<i64> {
        map_lanes(v, shape, axis, |lane, out: &mut Vec<i64>| {
            let mut order: Vec<usize> = (0..lane.len()).collect();
            order.sort_by(|&i, &j| cmp(&lane[i], &lane[j]));
            out.extend(order.into_iter().map(|i| i as i64));
        })
    }
    let shape = a.shape();
    let indices = match a.data() {
        Data::Bool(v) => lanes(v, shape, axis, Ord::cmp),
        Data::I32(v) => radix_arg_lanes(v, shape, axis),
        Data::I64(v) => radix_arg_lanes(v, shape, axis),
        Data::F32(v) => radix_arg_lanes(v, shape, axis),
        Data::F64(v) => radix_arg_lanes(v, shape, axis),
        Data::C64(v) => lanes(v, shape, axis, cmp_complex),
        Data::C128(v) => lanes(v, shape, axis, cmp_complex),
    };
    Array::from_vec(shape.to_vec(), indices)
}

/// Real lanes sorted by radix (see `radix`). Contiguous lanes (the last axis, or any axis
/// with nothing after it) are sorted in place in the output, without gathering them first.
fn radix_lanes<T: RadixKey + Default>(v: &[T], shape: &[usize], axis: usize) -> Vec<T> {
    let (_, len, inner) = split_at_axis(shape, axis);
    if inner == 1 && len > 0 {
        let mut out = v.to_vec();
        out.chunks_mut(len).for_each(radix::sort_lane);
        return out;
    }
    map_lanes(v, shape, axis, |lane, out| {
        out.extend_from_slice(lane);
        radix::sort_lane(out);
    })
}

fn radix_arg_lanes<T: RadixKey>(v: &[T], shape: &[usize], axis: usize) -> Vec<i64> {
    let (_, len, inner) = split_at_axis(shape, axis);
    if inner == 1 && len > 0 {
        let mut out = vec![0i64; v.len()];
        for (lane, dst) in v.chunks(len).zip(out.chunks_mut(len)) {
            radix::argsort_into(lane, dst);
        }
        return out;
    }
    map_lanes(v, shape, axis, |lane, out: &mut Vec<i64>| {
        out.resize(lane.len(), 0);
        radix::argsort_into(lane, out);
    })
}

/// A total order on floats: the usual order, with every NaN after every number.
fn cmp_float<T: PartialOrd + Copy>(a: &T, b: &T) -> Ordering {
    // `x != x` is the NaN test that works for any PartialOrd float.
    #[allow(clippy::eq_op)]
    let (a_nan, b_nan) = (a != a, b != b);
    match (a_nan, b_nan) {
        (false, false) => a.partial_cmp(b).expect("numbers are ordered"),
        (a_nan, b_nan) => a_nan.cmp(&b_nan),
    }
}

/// NumPy's complex order: by real part, then imaginary part, where a NaN in either part puts
/// the number after all numbers without one in that part (real part NaN counts more).
fn cmp_complex<T: PartialOrd + Copy>(a: &Complex<T>, b: &Complex<T>) -> Ordering {
    #[allow(clippy::eq_op)]
    let class = |z: &Complex<T>| 2 * (z.re != z.re) as u8 + (z.im != z.im) as u8;
    class(a)
        .cmp(&class(b))
        .then_with(|| cmp_float(&a.re, &b.re))
        .then_with(|| cmp_float(&a.im, &b.im))
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_complex::Complex64;

    fn f64s(a: &Array) -> Vec<f64> {
        a.as_slice::<f64>().unwrap().to_vec()
    }

    #[test]
    fn floats_sort_with_nan_last() {
        let nan = f64::NAN;
        let a = Array::from_vec(
            vec![6],
            vec![3.0, nan, -1.0, f64::INFINITY, f64::NEG_INFINITY, 0.5],
        );
        let s = f64s(&sort(&a, 0));
        assert_eq!(&s[..5], &[f64::NEG_INFINITY, -1.0, 0.5, 3.0, f64::INFINITY]);
        assert!(s[5].is_nan());
        assert_eq!(
            argsort(&a, 0).as_slice::<i64>().unwrap(),
            &[4, 2, 5, 0, 3, 1]
        );
        let f = Array::from_vec(vec![3], vec![nan as f32, 2.0, 1.0]);
        let s = sort(&f, 0);
        assert_eq!(&s.as_slice::<f32>().unwrap()[..2], &[1.0, 2.0]);
    }

    #[test]
    fn argsort_is_stable() {
        // Equal keys keep their original order: the three 1s at 1, 3, 4 and -0.0 before 0.0.
        let a = Array::from_vec(vec![6], vec![2i32, 1, 0, 1, 1, -5]);
        assert_eq!(
            argsort(&a, 0).as_slice::<i64>().unwrap(),
            &[5, 2, 1, 3, 4, 0]
        );
        let z = Array::from_vec(vec![3], vec![0.0f64, -0.0, 0.0]);
        assert_eq!(argsort(&z, 0).as_slice::<i64>().unwrap(), &[0, 1, 2]);
        let b = Array::from_vec(vec![4], vec![true, false, true, false]);
        assert_eq!(argsort(&b, 0).as_slice::<i64>().unwrap(), &[1, 3, 0, 2]);
        assert_eq!(
            sort(&b, 0).as_slice::<bool>().unwrap(),
            &[false, false, true, true]
        );
    }

    #[test]
    fn sorts_along_either_axis_of_a_matrix() {
        // [[3, 1, 2],
        //  [0, 5, 4]]
        let a = Array::from_vec(vec![2, 3], vec![3i64, 1, 2, 0, 5, 4]);
        assert_eq!(sort(&a, 1).as_slice::<i64>().unwrap(), &[1, 2, 3, 0, 4, 5]);
        assert_eq!(sort(&a, 0).as_slice::<i64>().unwrap(), &[0, 1, 2, 3, 5, 4]);
        assert_eq!(
            argsort(&a, 0).as_slice::<i64>().unwrap(),
            &[1, 0, 0, 0, 1, 1]
        );
        assert_eq!(
            argsort(&a, 1).as_slice::<i64>().unwrap(),
            &[1, 2, 0, 0, 2, 1]
        );
        let empty = Array::from_vec(vec![0, 4], Vec::<f64>::new());
        assert_eq!(sort(&empty, 1).shape(), &[0, 4]);
    }

    #[test]
    fn complex_sorts_lexicographically_with_nans_last() {
        let c = |re, im| Complex64::new(re, im);
        let nan = f64::NAN;
        let a = Array::from_vec(
            vec![6],
            vec![
                c(nan, 0.0),
                c(1.0, nan),
                c(1.0, 2.0),
                c(0.0, 5.0),
                c(1.0, -1.0),
                c(nan, nan),
            ],
        );
        // R+Rj sorted by (re, im): (0,5), (1,-1), (1,2); then R+nanj; then nan+Rj; then nan+nanj.
        assert_eq!(
            argsort(&a, 0).as_slice::<i64>().unwrap(),
            &[3, 4, 2, 1, 0, 5]
        );
    }

    #[test]
    fn a_million_elements_sort() {
        let n = 1_000_000;
        // A scrambled permutation of 0..n (multiplying by a unit modulo n).
        let v: Vec<f64> = (0..n).map(|i| ((i * 7_919) % n) as f64).collect();
        let s = sort(&Array::from_vec(vec![n], v), 0);
        assert!(f64s(&s).iter().enumerate().all(|(i, &x)| x == i as f64));
    }
}

//! Matrix product with NumPy's `@` semantics.
//!
//! Both operands have the same dtype (the caller promotes first). A 1-D left operand is a row
//! vector and a 1-D right operand a column vector, and the added axis is removed from the
//! result; leading (batch) axes broadcast. Sums accumulate in the element type, in index
//! order: f32 in f32, integers wrapping on overflow, bool as "or of ands" (NumPy's bool `@`).

use num_complex::{Complex32, Complex64};

use crate::array::{Array, Data, shape_repr, strides_of};

/// `a @ b`. Errors (with NumPy-like messages) for 0-d operands, mismatched inner dimensions
/// and batch axes that do not broadcast.
pub fn matmul(a: &Array, b: &Array) -> Result<Array, String> {
    assert_eq!(
        a.dtype(),
        b.dtype(),
        "matmul: the caller must cast both operands to one dtype"
    );
    if a.ndim() == 0 || b.ndim() == 0 {
        return Err(format!(
            "matmul: operands must have at least one dimension, got shapes {} and {} \
             (use * to multiply by a scalar)",
            shape_repr(a.shape()),
            shape_repr(b.shape())
        ));
    }
    // Promote vectors to matrices: (k,) @ ... is (1, k), ... @ (k,) is (k, 1).
    let a_shape = if a.ndim() == 1 {
        vec![1, a.shape()[0]]
    } else {
        a.shape().to_vec()
    };
    let b_shape = if b.ndim() == 1 {
        vec![b.shape()[0], 1]
    } else {
        b.shape().to_vec()
    };
    let (a_batch, a_mat) = a_shape.split_at(a_shape.len() - 2);
    let (b_batch, b_mat) = b_shape.split_at(b_shape.len() - 2);
    let (n, k, m) = (a_mat[0], a_mat[1], b_mat[1]);
    if b_mat[0] != k {
        return Err(format!(
            "matmul: shapes {} and {} are not aligned: the left operand's last axis has \
             length {k} but the right operand's {} axis has length {}",
            shape_repr(a.shape()),
            shape_repr(b.shape()),
            if b.ndim() == 1 {
                "only"
            } else {
                "second-to-last"
            },
            b_mat[0]
        ));
    }
    let batch = broadcast(a_batch, b_batch).ok_or_else(|| {
        format!(
            "matmul: batch axes {} and {} of shapes {} and {} cannot be broadcast together",
            shape_repr(a_batch),
            shape_repr(b_batch),
            shape_repr(a.shape()),
            shape_repr(b.shape())
        )
    })?;

    // The offsets of each batch's matrix in a, b and the result.
    let batches: usize = batch.iter().product();
    let a_offsets = batch_offsets(&batch, a_batch, n * k);
    let b_offsets = batch_offsets(&batch, b_batch, k * m);
    let dims = Dims { n, k, m };
    let data = match (a.data(), b.data()) {
        (Data::Bool(x), Data::Bool(y)) => Data::Bool(product(x, y, &a_offsets, &b_offsets, dims)),
        (Data::I32(x), Data::I32(y)) => Data::I32(product(x, y, &a_offsets, &b_offsets, dims)),
        (Data::I64(x), Data::I64(y)) => Data::I64(product(x, y, &a_offsets, &b_offsets, dims)),
        (Data::F32(x), Data::F32(y)) => Data::F32(product(x, y, &a_offsets, &b_offsets, dims)),
        (Data::F64(x), Data::F64(y)) => Data::F64(product(x, y, &a_offsets, &b_offsets, dims)),
        (Data::C64(x), Data::C64(y)) => Data::C64(product(x, y, &a_offsets, &b_offsets, dims)),
        (Data::C128(x), Data::C128(y)) => Data::C128(product(x, y, &a_offsets, &b_offsets, dims)),
        _ => unreachable!("dtypes were checked equal"),
    };
    debug_assert_eq!(data.len(), batches * n * m);
    let mut shape = batch;
    if a.ndim() > 1 {
        shape.push(n);
    }
    if b.ndim() > 1 {
        shape.push(m);
    }
    Ok(Array::new(shape, data))
}

/// NumPy broadcasting of two shapes, or None if they are incompatible.
fn broadcast(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let rank = a.len().max(b.len());
    let dim = |s: &[usize], i: usize| {
        // Right-aligned: missing leading axes have length 1.
        (i + s.len()).checked_sub(rank).map_or(1, |j| s[j])
    };
    (0..rank)
        .map(|i| match (dim(a, i), dim(b, i)) {
            (x, y) if x == y => Some(x),
            (1, y) => Some(y),
            (x, 1) => Some(x),
            _ => None,
        })
        .collect()
}

/// For every batch index of the broadcast `batch` shape (row-major), the flat offset of the
/// matching matrix in an operand with batch shape `own` and `matrix_size` elements per matrix.
fn batch_offsets(batch: &[usize], own: &[usize], matrix_size: usize) -> Vec<usize> {
    let own_strides = strides_of(own);
    let skip = batch.len() - own.len();
    let count: usize = batch.iter().product();
    let mut index = vec![0usize; batch.len()];
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        // Broadcast axes (length 1 in `own`) always use index 0.
        let offset: usize = own
            .iter()
            .zip(&own_strides)
            .enumerate()
            .map(|(j, (&len, &stride))| {
                if len == 1 {
                    0
                } else {
                    index[skip + j] * stride
                }
            })
            .sum();
        out.push(offset * matrix_size);
        for ax in (0..batch.len()).rev() {
            index[ax] += 1;
            if index[ax] < batch[ax] {
                break;
            }
            index[ax] = 0;
        }
    }
    out
}

#[derive(Clone, Copy)]
struct Dims {
    n: usize,
    k: usize,
    m: usize,
}

/// Multiply-accumulate in the element type.
trait Dot: Copy {
    const ZERO: Self;
    fn mul_add(acc: Self, a: Self, b: Self) -> Self;
}

impl Dot for bool {
    const ZERO: Self = false;
    fn mul_add(acc: Self, a: Self, b: Self) -> Self {
        acc || (a && b)
    }
}

macro_rules! dot_int {
    ($t:ty) => {
        impl Dot for $t {
            const ZERO: Self = 0;
            fn mul_add(acc: Self, a: Self, b: Self) -> Self {
                acc.wrapping_add(a.wrapping_mul(b))
            }
        }
    };
}
dot_int!(i32);
dot_int!(i64);

macro_rules! dot_float {
    ($t:ty, $zero:expr) => {
        impl Dot for $t {
            const ZERO: Self = $zero;
            fn mul_add(acc: Self, a: Self, b: Self) -> Self {
                acc + a * b
            }
        }
    };
}
dot_float!(f32, 0.0);
dot_float!(f64, 0.0);
dot_float!(Complex32, Complex32::new(0.0, 0.0));
dot_float!(Complex64, Complex64::new(0.0, 0.0));

/// One (n, k) @ (k, m) product per pair of offsets.
fn product<T: Dot>(a: &[T], b: &[T], a_offsets: &[usize], b_offsets: &[usize], d: Dims) -> Vec<T> {
    let Dims { n, k, m } = d;
    let mut out = vec![T::ZERO; a_offsets.len() * n * m];
    for (batch, (&ao, &bo)) in a_offsets.iter().zip(b_offsets).enumerate() {
        let c = &mut out[batch * n * m..(batch + 1) * n * m];
        // i-p-j order walks b and c row by row; each c[i][j] still sums over p in order.
        for i in 0..n {
            for p in 0..k {
                let x = a[ao + i * k + p];
                let b_row = &b[bo + p * m..bo + (p + 1) * m];
                for (cij, &y) in c[i * m..(i + 1) * m].iter_mut().zip(b_row) {
                    *cij = T::mul_add(*cij, x, y);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn i64s(a: &Array) -> &[i64] {
        a.as_slice::<i64>().unwrap()
    }

    #[test]
    fn matrix_times_matrix() {
        // [[1, 2],     [[5, 6],     [[1*5+2*7, 1*6+2*8],     [[19, 22],
        //  [3, 4]]  @   [7, 8]]  =   [3*5+4*7, 3*6+4*8]]  =   [43, 50]]
        let a = Array::from_vec(vec![2, 2], vec![1i64, 2, 3, 4]);
        let b = Array::from_vec(vec![2, 2], vec![5i64, 6, 7, 8]);
        let c = matmul(&a, &b).unwrap();
        assert_eq!(c.shape(), &[2, 2]);
        assert_eq!(i64s(&c), &[19, 22, 43, 50]);
    }

    #[test]
    fn vectors_are_promoted_and_the_axis_removed() {
        let m = Array::from_vec(vec![2, 3], vec![1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0]);
        let v3 = Array::from_vec(vec![3], vec![1.0f64, 0.0, -1.0]);
        let v2 = Array::from_vec(vec![2], vec![1.0f64, 1.0]);
        let mv = matmul(&m, &v3).unwrap();
        assert_eq!(mv.shape(), &[2]);
        assert_eq!(mv.as_slice::<f64>().unwrap(), &[-2.0, -2.0]);
        let vm = matmul(&v2, &m).unwrap();
        assert_eq!(vm.shape(), &[3]);
        assert_eq!(vm.as_slice::<f64>().unwrap(), &[5.0, 7.0, 9.0]);
        let dot = matmul(&v3, &v3).unwrap();
        assert_eq!(dot.shape(), &[] as &[usize]);
        assert_eq!(dot.as_slice::<f64>().unwrap(), &[2.0]);
    }

    #[test]
    fn batch_axes_broadcast() {
        // a: (2, 1, 2, 2) holds two matrices; b: (3, 2, 2) holds three. Result (2, 3, 2, 2).
        let a = Array::from_vec(vec![2, 1, 2, 2], vec![1i64, 0, 0, 1, 2, 0, 0, 2]);
        let b = Array::from_vec(vec![3, 2, 2], (0..12).collect::<Vec<i64>>());
        let c = matmul(&a, &b).unwrap();
        assert_eq!(c.shape(), &[2, 3, 2, 2]);
        // Identity times each b, then twice each b.
        let want: Vec<i64> = (0..12).chain((0..12).map(|x| 2 * x)).collect();
        assert_eq!(i64s(&c), want.as_slice());
        // A batch of matrices times one vector.
        let v = Array::from_vec(vec![2], vec![1i64, 1]);
        let bv = matmul(&b, &v).unwrap();
        assert_eq!(bv.shape(), &[3, 2]);
        assert_eq!(i64s(&bv), &[1, 5, 9, 13, 17, 21]);
    }

    #[test]
    fn bool_int_and_complex_products() {
        let t = Array::from_vec(vec![2, 2], vec![true, false, false, false]);
        let u = Array::from_vec(vec![2, 2], vec![false, true, true, false]);
        assert_eq!(
            matmul(&t, &u).unwrap().as_slice::<bool>().unwrap(),
            &[false, true, false, false]
        );
        let big = Array::from_vec(vec![1, 1], vec![i32::MAX]);
        let two = Array::from_vec(vec![1, 1], vec![2i32]);
        assert_eq!(
            matmul(&big, &two).unwrap().as_slice::<i32>().unwrap(),
            &[-2]
        );
        let i = Complex64::new(0.0, 1.0);
        let z = Array::from_vec(vec![1, 2], vec![i, i]);
        let w = Array::from_vec(vec![2, 1], vec![i, Complex64::new(2.0, 0.0)]);
        // i*i + i*2 = -1 + 2i
        assert_eq!(
            matmul(&z, &w).unwrap().as_slice::<Complex64>().unwrap(),
            &[Complex64::new(-1.0, 2.0)]
        );
    }

    #[test]
    fn empty_inner_axis_gives_zeros() {
        let a = Array::from_vec(vec![2, 0], Vec::<f32>::new());
        let b = Array::from_vec(vec![0, 3], Vec::<f32>::new());
        let c = matmul(&a, &b).unwrap();
        assert_eq!(c.shape(), &[2, 3]);
        assert_eq!(c.as_slice::<f32>().unwrap(), &[0.0; 6]);
    }

    #[test]
    fn shape_errors_are_clear() {
        let a = Array::from_vec(vec![2, 3], vec![0i64; 6]);
        let b = Array::from_vec(vec![2, 4], vec![0i64; 8]);
        let err = matmul(&a, &b).unwrap_err();
        assert!(
            err.contains("shapes (2, 3) and (2, 4) are not aligned"),
            "{err}"
        );
        let v = Array::from_vec(vec![4], vec![0i64; 4]);
        let err = matmul(&a, &v).unwrap_err();
        assert!(err.contains("only axis has length 4"), "{err}");
        let s = Array::from_vec(vec![], vec![1i64]);
        assert!(
            matmul(&s, &a)
                .unwrap_err()
                .contains("at least one dimension")
        );
        let x = Array::from_vec(vec![2, 1, 1], vec![0i64; 2]);
        let y = Array::from_vec(vec![3, 1, 1], vec![0i64; 3]);
        let err = matmul(&x, &y).unwrap_err();
        assert!(err.contains("batch axes (2,) and (3,)"), "{err}");
    }
}

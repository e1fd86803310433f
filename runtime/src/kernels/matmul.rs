//! Matrix product with NumPy's `@` semantics.
//!
//! Both operands have the same dtype (the caller promotes first). A 1-D left operand is a row
//! vector and a 1-D right operand a column vector, and the added axis is removed from the
//! result; leading (batch) axes broadcast.
//!
//! f32, f64, c64 and c128 products run on GEMM crates, picked by shape after measuring both
//! here (2 threads, f64): the `gemm` crate is as fast as `matrixmultiply` at 100² (40 µs), 1.5×
//! faster from 128² to 192², and four times faster for matrix-vector products (10,000×100 by
//! 100: 0.10 ms against 0.43 ms); `matrixmultiply`, with its own threads, is 10–30% faster for
//! large real products (320²: 0.83 ms against 1.25 ms; 2000²: 190–220 ms against 200–280 ms).
//! So real products with both sides at least `LARGE_SIDE` and enough work go to
//! `matrixmultiply`, the rest to `gemm`. Operands are read in place through strides, so a
//! transposed operand (`Operand::transposed`) costs no copy. Sums accumulate in the element type, in an order that depends on the blocking.
//! Integers (wrapping on overflow) and bools ("or of ands", NumPy's bool `@`) use plain loops
//! that sum in index order; those loops, for every dtype, are also the reference the tests
//! check the GEMM path against.

use num_complex::{Complex32, Complex64};

use crate::array::{Array, Data, shape_repr, strides_of};

/// Products with at least this many multiply-adds use every thread of the rayon pool: below
/// about 512³, splitting costs more than it gains (measured at 128³–2000³).
const PARALLEL_MIN_MACS: usize = 1 << 27;

/// Real products whose result has both sides at least this long, with at least
/// `LARGE_MACS` multiply-adds, run on `matrixmultiply` (see the module comment).
const LARGE_SIDE: usize = 64;
const LARGE_MACS: usize = 1 << 24;

/// An operand read in place: the row-major data of `array` seen with `shape` (same element
/// count; batch axes, then rows and columns), and, when `transposed`, with its last two axes
/// swapped.
#[derive(Clone, Copy)]
pub struct Operand<'a> {
    pub array: &'a Array,
    pub shape: &'a [usize],
    pub transposed: bool,
}

impl Operand<'_> {
    /// The shape of the matrix the operand stands for.
    fn logical_shape(&self) -> Vec<usize> {
        let mut s = self.shape.to_vec();
        let r = s.len();
        if self.transposed && r >= 2 {
            s.swap(r - 2, r - 1);
        }
        s
    }
}

/// Where the matrices of an operand lie: the offset of each batch's matrix, and the distance
/// between rows and between columns.
struct Layout {
    offsets: Vec<usize>,
    rs: usize,
    cs: usize,
}

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

    let dims = Dims { n, k, m };
    let al = Layout {
        offsets: batch_offsets(&batch, a_batch, n * k),
        rs: k,
        cs: 1,
    };
    let bl = Layout {
        offsets: batch_offsets(&batch, b_batch, k * m),
        rs: m,
        cs: 1,
    };
    let data = multiply(a.data(), &al, b.data(), &bl, dims, Method::Fast);
    let mut shape = batch;
    if a.ndim() > 1 {
        shape.push(n);
    }
    if b.ndim() > 1 {
        shape.push(m);
    }
    Ok(Array::new(shape, data))
}

/// The product of two operands read in place (see `Operand`), of rank ≥ 2 with batch axes that
/// broadcast: what compiled code calls, so that a transposed or
/// reshaped operand is not copied first.
pub fn matmul_operands(a: Operand, b: Operand) -> Result<Array, String> {
    matmul_operands_with(a, b, Method::Fast)
}

/// Which loops compute a product.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Method {
    /// `gemm` for floats and complex numbers, plain loops for the rest.
    Fast,
    /// Plain loops in index order for every dtype (the tests' reference).
    Reference,
}

/// `matmul_operands` with a choice of loops.
pub fn matmul_operands_with(a: Operand, b: Operand, method: Method) -> Result<Array, String> {
    assert_eq!(
        a.array.dtype(),
        b.array.dtype(),
        "matmul: the caller must cast both operands to one dtype"
    );
    for o in [&a, &b] {
        if o.shape.iter().product::<usize>() != o.array.len() || o.shape.len() < 2 {
            return Err(format!(
                "matmul: an operand of {} elements cannot be seen as a matrix of shape {}",
                o.array.len(),
                shape_repr(o.shape)
            ));
        }
    }
    let (sa, sb) = (a.logical_shape(), b.logical_shape());
    if sa[sa.len() - 1] != sb[sb.len() - 2] {
        return Err(format!(
            "matmul: shapes {} and {} are not aligned",
            shape_repr(&sa),
            shape_repr(&sb)
        ));
    }
    let (ra, rb) = (sa.len(), sb.len());
    let (n, k, m) = (sa[ra - 2], sa[ra - 1], sb[rb - 1]);
    let batch = broadcast(&sa[..ra - 2], &sb[..rb - 2]).ok_or_else(|| {
        format!(
            "matmul: batch axes of shapes {} and {} cannot be broadcast together",
            shape_repr(&sa),
            shape_repr(&sb)
        )
    })?;
    // A stored (rows, cols) matrix has row distance cols; transposed, rows and columns swap.
    let layout = |o: &Operand, rows: usize, cols: usize, batch_shape: &[usize]| {
        let (rs, cs) = if o.transposed { (1, rows) } else { (cols, 1) };
        Layout {
            offsets: batch_offsets(&batch, batch_shape, rows * cols),
            rs,
            cs,
        }
    };
    let al = layout(&a, n, k, &sa[..ra - 2]);
    let bl = layout(&b, k, m, &sb[..rb - 2]);
    let data = multiply(
        a.array.data(),
        &al,
        b.array.data(),
        &bl,
        Dims { n, k, m },
        method,
    );
    let mut shape = batch;
    shape.extend([n, m]);
    Ok(Array::new(shape, data))
}

/// One (n, k) @ (k, m) product per batch, into a new row-major buffer.
fn multiply(a: &Data, al: &Layout, b: &Data, bl: &Layout, d: Dims, method: Method) -> Data {
    let fast = method == Method::Fast;
    match (a, b) {
        (Data::Bool(x), Data::Bool(y)) => Data::Bool(product(x, al, y, bl, d)),
        (Data::I32(x), Data::I32(y)) => Data::I32(product(x, al, y, bl, d)),
        (Data::I64(x), Data::I64(y)) => Data::I64(product(x, al, y, bl, d)),
        (Data::F32(x), Data::F32(y)) if fast => Data::F32(gemm_product(x, al, y, bl, d)),
        (Data::F64(x), Data::F64(y)) if fast => Data::F64(gemm_product(x, al, y, bl, d)),
        (Data::C64(x), Data::C64(y)) if fast => Data::C64(gemm_product(x, al, y, bl, d)),
        (Data::C128(x), Data::C128(y)) if fast => Data::C128(gemm_product(x, al, y, bl, d)),
        (Data::F32(x), Data::F32(y)) => Data::F32(product(x, al, y, bl, d)),
        (Data::F64(x), Data::F64(y)) => Data::F64(product(x, al, y, bl, d)),
        (Data::C64(x), Data::C64(y)) => Data::C64(product(x, al, y, bl, d)),
        (Data::C128(x), Data::C128(y)) => Data::C128(product(x, al, y, bl, d)),
        _ => unreachable!("dtypes were checked equal"),
    }
}

/// The element types the GEMM crates multiply.
trait Gemm: Dot + 'static {
    const ONE: Self;

    /// `c = a @ b` on `matrixmultiply` (distances in elements); false, doing nothing, for
    /// types it does not take.
    ///
    /// # Safety
    /// As `matrixmultiply::dgemm`: the n × k, k × m and n × m matrices at `a`, `b` and `c`,
    /// read and written with the given distances, lie inside their allocations, and `c` does
    /// not overlap `a` or `b`.
    #[allow(clippy::too_many_arguments)]
    unsafe fn large(
        _d: Dims,
        _a: *const Self,
        _al: (isize, isize),
        _b: *const Self,
        _bl: (isize, isize),
        _c: *mut Self,
        _cl: (isize, isize),
    ) -> bool {
        false
    }
}
/// Real types go to `matrixmultiply`'s `$f` (`sgemm`, `dgemm`) when large.
macro_rules! gemm_real {
    ($t:ty, $f:ident) => {
        impl Gemm for $t {
            const ONE: Self = 1.0;
            unsafe fn large(
                d: Dims,
                a: *const $t,
                al: (isize, isize),
                b: *const $t,
                bl: (isize, isize),
                c: *mut $t,
                cl: (isize, isize),
            ) -> bool {
                // SAFETY: the caller's contract; beta = 0, so `c` is only written.
                unsafe {
                    matrixmultiply::$f(
                        d.n, d.k, d.m, 1.0, a, al.0, al.1, b, bl.0, bl.1, 0.0, c, cl.0, cl.1,
                    )
                };
                true
            }
        }
    };
}
gemm_real!(f32, sgemm);
gemm_real!(f64, dgemm);
impl Gemm for Complex32 {
    const ONE: Self = Complex32::new(1.0, 0.0);
}
impl Gemm for Complex64 {
    const ONE: Self = Complex64::new(1.0, 0.0);
}

fn gemm_product<T: Gemm>(a: &[T], al: &Layout, b: &[T], bl: &Layout, d: Dims) -> Vec<T> {
    let Dims { n, k, m } = d;
    let mut out = vec![T::ZERO; al.offsets.len() * n * m];
    if k == 0 || n == 0 || m == 0 {
        return out;
    }
    let macs = n.saturating_mul(k).saturating_mul(m);
    let large = n.min(m) >= LARGE_SIDE && macs >= LARGE_MACS;
    let parallelism = if macs >= PARALLEL_MIN_MACS {
        gemm::Parallelism::Rayon(rayon::current_num_threads())
    } else {
        gemm::Parallelism::None
    };
    for (batch, (&ao, &bo)) in al.offsets.iter().zip(&bl.offsets).enumerate() {
        let c = &mut out[batch * n * m..(batch + 1) * n * m];
        // The last elements each operand's matrix reaches, which must lie inside it.
        let a_last = ao + (n - 1) * al.rs + (k - 1) * al.cs;
        let b_last = bo + (k - 1) * bl.rs + (m - 1) * bl.cs;
        assert!(
            a_last < a.len() && b_last < b.len(),
            "matmul layout out of bounds"
        );
        let (ap, bp) = (a[ao..].as_ptr(), b[bo..].as_ptr());
        let (ad, bd) = (
            (al.rs as isize, al.cs as isize),
            (bl.rs as isize, bl.cs as isize),
        );
        // SAFETY: as for `gemm::gemm` below.
        if large && unsafe { T::large(d, ap, ad, bp, bd, c.as_mut_ptr(), (m as isize, 1)) } {
            continue;
        }
        // SAFETY: `c` holds n × m elements, written row-major (row distance m, column distance
        // 1); the a and b matrices, read with the given distances from their offsets, end at
        // `a_last` and `b_last`, checked above to lie inside their slices. `read_dst` is false,
        // so `c`'s old contents are not read, and `c` does not overlap `a` or `b` (a fresh
        // vector).
        unsafe {
            gemm::gemm(
                n,
                m,
                k,
                c.as_mut_ptr(),
                1,
                m as isize,
                false,
                a.as_ptr().add(ao),
                al.cs as isize,
                al.rs as isize,
                b.as_ptr().add(bo),
                bl.cs as isize,
                bl.rs as isize,
                T::ZERO,
                T::ONE,
                false,
                false,
                false,
                parallelism,
            );
        }
    }
    out
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

#[derive(Clone, Copy, Debug)]
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

/// One (n, k) @ (k, m) product per batch in plain loops: each element sums over the inner
/// axis in index order.
fn product<T: Dot>(a: &[T], al: &Layout, b: &[T], bl: &Layout, d: Dims) -> Vec<T> {
    let Dims { n, k, m } = d;
    let mut out = vec![T::ZERO; al.offsets.len() * n * m];
    for (batch, (&ao, &bo)) in al.offsets.iter().zip(&bl.offsets).enumerate() {
        let c = &mut out[batch * n * m..(batch + 1) * n * m];
        // i-p-j order walks c row by row; each c[i][j] still sums over p in order.
        for i in 0..n {
            for p in 0..k {
                let x = a[ao + i * al.rs + p * al.cs];
                let row = bo + p * bl.rs;
                for (j, cij) in c[i * m..(i + 1) * m].iter_mut().enumerate() {
                    *cij = T::mul_add(*cij, x, b[row + j * bl.cs]);
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

/// The GEMM paths against the plain loops: every float and complex dtype, transposed and
/// reshaped operands, broadcast batches, empty axes, products large enough for
/// `matrixmultiply`, and one big enough to use threads.
#[cfg(test)]
mod gemm_tests {
    use super::*;
    use crate::DType;

    /// Deterministic values in -1..1 of `dtype` (complex: both parts vary).
    fn values(dtype: DType, len: usize, seed: u64) -> Array {
        let f = |i: usize| {
            let x = (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ seed;
            ((x >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
        };
        let data = match dtype {
            DType::F32 => Data::F32((0..len).map(|i| f(i) as f32).collect()),
            DType::F64 => Data::F64((0..len).map(f).collect()),
            DType::C64 => Data::C64(
                (0..len)
                    .map(|i| Complex32::new(f(i) as f32, f(i + len) as f32))
                    .collect(),
            ),
            DType::C128 => Data::C128((0..len).map(|i| Complex64::new(f(i), f(i + len))).collect()),
            _ => unreachable!(),
        };
        Array::new(vec![len], data)
    }

    fn close(fast: &Array, reference: &Array, k: usize) {
        assert_eq!(fast.shape(), reference.shape());
        let tol = |single: bool| (k.max(1) as f64) * if single { 1e-6 } else { 1e-14 };
        let pairs: Vec<(f64, f64, bool)> = match (fast.data(), reference.data()) {
            (Data::F32(x), Data::F32(y)) => x
                .iter()
                .zip(y)
                .map(|(a, b)| (*a as f64, *b as f64, true))
                .collect(),
            (Data::F64(x), Data::F64(y)) => x.iter().zip(y).map(|(a, b)| (*a, *b, false)).collect(),
            (Data::C64(x), Data::C64(y)) => x
                .iter()
                .zip(y)
                .flat_map(|(a, b)| {
                    [
                        (a.re as f64, b.re as f64, true),
                        (a.im as f64, b.im as f64, true),
                    ]
                })
                .collect(),
            (Data::C128(x), Data::C128(y)) => x
                .iter()
                .zip(y)
                .flat_map(|(a, b)| [(a.re, b.re, false), (a.im, b.im, false)])
                .collect(),
            _ => unreachable!(),
        };
        // Relative to the element's size: blocked and vectorised sums (whose order differs with
        // the instruction set, AVX-512 or not) round a large result by more than a small one.
        for (i, (a, b, single)) in pairs.into_iter().enumerate() {
            let within = tol(single) * b.abs().max(1.0);
            assert!((a - b).abs() <= within, "element {i}: {a} vs {b}");
        }
    }

    #[test]
    fn gemm_agrees_with_the_plain_loops() {
        // (batch of a, batch of b, n, k, m)
        type Case = (&'static [usize], &'static [usize], usize, usize, usize);
        let cases: &[Case] = &[
            (&[], &[], 1, 1, 1),
            (&[], &[], 3, 5, 7),
            (&[], &[], 64, 33, 17),
            (&[], &[], 200, 100, 1),
            (&[], &[], 1, 100, 200),
            (&[2, 1], &[3], 5, 4, 6),
            (&[], &[], 4, 0, 3),
            (&[], &[], 0, 3, 2),
            (&[], &[], 130, 1000, 130),
            (&[2], &[], 70, 500, 480),
            (&[], &[], 600, 600, 600),
        ];
        for dtype in [DType::F32, DType::F64, DType::C64, DType::C128] {
            for &(ba, bb, n, k, m) in cases {
                if n * k * m > 1 << 25 && dtype != DType::F64 {
                    continue;
                }
                for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                    let stored = |batch: &[usize], r: usize, c: usize, t: bool| {
                        let mut s = batch.to_vec();
                        s.extend(if t { [c, r] } else { [r, c] });
                        s
                    };
                    let sa = stored(ba, n, k, ta);
                    let sb = stored(bb, k, m, tb);
                    let a = values(dtype, sa.iter().product(), 1);
                    let b = values(dtype, sb.iter().product(), 2);
                    let op = |array, shape, transposed| Operand {
                        array,
                        shape,
                        transposed,
                    };
                    let fast = matmul_operands(op(&a, &sa, ta), op(&b, &sb, tb)).unwrap();
                    let reference =
                        matmul_operands_with(op(&a, &sa, ta), op(&b, &sb, tb), Method::Reference)
                            .unwrap();
                    close(&fast, &reference, k);
                }
            }
        }
    }

    #[test]
    fn operands_that_do_not_fit_are_errors() {
        let a = Array::from_vec(vec![6], vec![0.0f64; 6]);
        let op = |shape: &'static [usize], transposed| Operand {
            array: &a,
            shape,
            transposed,
        };
        assert!(matmul_operands(op(&[2, 3], false), op(&[2, 3], false)).is_err());
        assert!(matmul_operands(op(&[2, 3], false), op(&[2, 3], true)).is_ok());
        assert!(matmul_operands(op(&[4, 3], false), op(&[3, 2], false)).is_err());
    }
}

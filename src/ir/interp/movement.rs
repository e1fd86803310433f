//! Movement primitives and `Iota`: `Broadcast`, `Permute`, `Slice`, `Concat`.
//!
//! Expects what the lowering guarantees (see `ir::op`): axes in range, permutations valid,
//! broadcast dimensions 1 or equal, slices reading only in-bounds elements. Every result is a
//! fresh dense row-major array: each output element is gathered from the input position that a
//! strided view (offset plus one signed stride per output axis) would read.

use super::elementwise::wrap;
use arrjit_runtime::{Array, Data, Element, strides_of, with_data};

/// The index along `axis` at every position of `shape` (i64).
pub fn iota(shape: &[usize], axis: usize) -> Array {
    assert!(
        axis < shape.len(),
        "interp: iota axis {axis} of shape {shape:?}"
    );
    let stride = strides_of(shape)[axis];
    let n: usize = shape.iter().product();
    let v: Vec<i64> = (0..n)
        .map(|i| ((i / stride) % shape[axis]) as i64)
        .collect();
    Array::from_vec(shape.to_vec(), v)
}

/// Repeats `x` along the axes where it has extent 1 to reach `shape` (same rank).
pub fn broadcast(x: &Array, shape: &[usize]) -> Array {
    assert_eq!(
        x.ndim(),
        shape.len(),
        "interp: broadcast {:?} to {shape:?}",
        x.shape()
    );
    let strides = strides_of(x.shape());
    let view_strides = (0..shape.len()).map(|k| match (x.shape()[k], shape[k]) {
        (from, to) if from == to => strides[k] as isize,
        (1, _) => 0,
        _ => panic!("interp: cannot broadcast {:?} to {shape:?}", x.shape()),
    });
    gather_view(x, shape, &view_strides.collect::<Vec<_>>(), 0)
}

/// Reorders axes: output axis `i` is input axis `perm[i]`.
pub fn permute(x: &Array, perm: &[usize]) -> Array {
    assert_eq!(
        perm.len(),
        x.ndim(),
        "interp: permute {perm:?} of {:?}",
        x.shape()
    );
    let strides = strides_of(x.shape());
    let shape: Vec<usize> = perm.iter().map(|&p| x.shape()[p]).collect();
    let view_strides: Vec<isize> = perm.iter().map(|&p| strides[p] as isize).collect();
    gather_view(x, &shape, &view_strides, 0)
}

/// Strided slice: along axis `k`, output index `j` reads input index `start[k] + j * step[k]`
/// (steps may be negative). The caller guarantees every read is in bounds; a `start` on an
/// axis of output extent 0 is never read, so it may be anything.
pub fn slice(x: &Array, start: &[i64], step: &[i64], out_shape: &[usize]) -> Array {
    let rank = x.ndim();
    assert!(
        start.len() == rank && step.len() == rank && out_shape.len() == rank,
        "interp: slice of rank {rank} with start {start:?}, step {step:?}, shape {out_shape:?}"
    );
    if out_shape.contains(&0) {
        return Array::new(out_shape.to_vec(), Data::zeros(x.dtype(), 0));
    }
    let strides = strides_of(x.shape());
    let offset: i64 = (0..rank).map(|k| start[k] * strides[k] as i64).sum();
    let view_strides: Vec<isize> = (0..rank)
        .map(|k| (step[k] * strides[k] as i64) as isize)
        .collect();
    gather_view(x, out_shape, &view_strides, offset as isize)
}

/// Joins `inputs` (same rank and dtype, equal extents except along `axis`) along `axis`.
pub fn concat(inputs: &[&Array], axis: usize) -> Array {
    let first = inputs.first().expect("interp: concat of no arrays");
    let mut shape = first.shape().to_vec();
    assert!(
        axis < shape.len(),
        "interp: concat axis {axis} of {shape:?}"
    );
    shape[axis] = 0;
    for x in inputs {
        let fits = x.ndim() == shape.len()
            && x.dtype() == first.dtype()
            && (0..shape.len()).all(|k| k == axis || x.shape()[k] == shape[k]);
        assert!(fits, "interp: concat of {:?} onto {shape:?}", x.shape());
        shape[axis] += x.shape()[axis];
    }
    // Row-major: each input contributes one contiguous block per index of the outer axes.
    let outer: usize = shape[..axis].iter().product();
    let data = with_data!(first.data(), v => join_blocks(v, inputs, outer));
    Array::new(shape, data)
}

/// The blocks of every input, interleaved per outer index; `_like` only names the type `T`.
fn join_blocks<T: Element>(_like: &[T], inputs: &[&Array], outer: usize) -> Data {
    let slices: Vec<&[T]> = inputs
        .iter()
        .map(|x| x.as_slice().expect("one dtype"))
        .collect();
    let mut out = Vec::with_capacity(slices.iter().map(|s| s.len()).sum());
    for o in 0..outer {
        for s in &slices {
            let block = s.len() / outer;
            out.extend_from_slice(&s[o * block..(o + 1) * block]);
        }
    }
    wrap(out)
}

/// The elements of a strided view of `x` with the given shape, element strides (possibly zero
/// or negative) and starting offset, in row-major order of `shape`.
fn gather_view(x: &Array, shape: &[usize], strides: &[isize], offset: isize) -> Array {
    let n: usize = shape.iter().product();
    let mut sources = Vec::with_capacity(n);
    if n > 0 {
        // An odometer over the output index, tracking the input position incrementally.
        let mut index = vec![0; shape.len()];
        let mut pos = offset;
        for _ in 0..n {
            sources.push(pos as usize);
            for k in (0..shape.len()).rev() {
                index[k] += 1;
                pos += strides[k];
                if index[k] < shape[k] {
                    break;
                }
                pos -= strides[k] * shape[k] as isize;
                index[k] = 0;
            }
        }
    }
    Array::new(shape.to_vec(), x.data().gather(&sources))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrjit_runtime::Complex64;

    fn range(shape: &[usize]) -> Array {
        let n: usize = shape.iter().product();
        Array::from_vec(shape.to_vec(), (0..n as i64).collect())
    }
    fn ints(a: &Array) -> (&[usize], &[i64]) {
        (a.shape(), a.as_slice().expect("i64"))
    }

    #[test]
    fn iota_counts_along_its_axis() {
        let a = iota(&[2, 3], 1);
        assert_eq!(ints(&a), (&[2, 3][..], &[0, 1, 2, 0, 1, 2][..]));
        let a = iota(&[2, 3], 0);
        assert_eq!(ints(&a), (&[2, 3][..], &[0, 0, 0, 1, 1, 1][..]));
        let a = iota(&[2, 2, 2], 1);
        assert_eq!(ints(&a).1, [0, 0, 1, 1, 0, 0, 1, 1]);
        assert_eq!(iota(&[0, 3], 1).len(), 0);
    }

    #[test]
    fn broadcast_repeats_unit_axes() {
        let row = Array::from_vec(vec![1, 3], vec![1.5f32, 2.5, 3.5]);
        let b = broadcast(&row, &[2, 3]);
        assert_eq!(b.shape(), [2, 3]);
        assert_eq!(b.as_slice::<f32>().unwrap(), [1.5, 2.5, 3.5, 1.5, 2.5, 3.5]);
        let col = range(&[2, 1]);
        assert_eq!(ints(&broadcast(&col, &[2, 3])).1, [0, 0, 0, 1, 1, 1]);
        let scalar = Array::from_vec(vec![1, 1], vec![true]);
        assert_eq!(
            broadcast(&scalar, &[2, 2]).as_slice::<bool>().unwrap(),
            [true; 4]
        );
        assert_eq!(broadcast(&range(&[1, 3]), &[0, 3]).shape(), [0, 3]);
        let zero_d = Array::from_vec(vec![], vec![7i64]);
        assert_eq!(ints(&broadcast(&zero_d, &[])), (&[][..], &[7][..]));
    }

    #[test]
    fn permute_reorders_axes() {
        // x[i, j, k] = 12i + 4j + k; y = permute(x, [2, 0, 1]) so y[k, i, j] = x[i, j, k].
        let x = range(&[2, 3, 4]);
        let y = permute(&x, &[2, 0, 1]);
        assert_eq!(y.shape(), [4, 2, 3]);
        let v = ints(&y).1;
        for (k, i, j) in [(0, 0, 0), (3, 1, 2), (1, 0, 2), (2, 1, 0)] {
            assert_eq!(
                v[k * 6 + i * 3 + j],
                (12 * i + 4 * j + k) as i64,
                "y[{k}, {i}, {j}]"
            );
        }
        assert_eq!(&v[..6], [0, 4, 8, 12, 16, 20]);
        let t = permute(&range(&[2, 3]), &[1, 0]);
        assert_eq!(ints(&t), (&[3, 2][..], &[0, 3, 1, 4, 2, 5][..]));
        assert_eq!(permute(&range(&[2, 0]), &[1, 0]).shape(), [0, 2]);
    }

    #[test]
    fn slice_with_negative_and_positive_steps() {
        let x = range(&[6]);
        assert_eq!(ints(&slice(&x, &[5], &[-1], &[6])).1, [5, 4, 3, 2, 1, 0]);
        assert_eq!(ints(&slice(&x, &[4], &[-2], &[3])).1, [4, 2, 0]);
        assert_eq!(ints(&slice(&x, &[1], &[2], &[3])).1, [1, 3, 5]);
        // An empty slice may start past the end: nothing is read.
        assert_eq!(slice(&x, &[6], &[1], &[0]).shape(), [0]);
        // m[::-1, 1::2] of a 3x4 matrix 0..12.
        let m = range(&[3, 4]);
        let s = slice(&m, &[2, 1], &[-1, 2], &[3, 2]);
        assert_eq!(ints(&s), (&[3, 2][..], &[9, 11, 5, 7, 1, 3][..]));
        let z = Array::from_vec(
            vec![2],
            vec![Complex64::new(1.0, 2.0), Complex64::new(3.0, 4.0)],
        );
        let r = slice(&z, &[1], &[-1], &[2]);
        assert_eq!(
            r.as_slice::<Complex64>().unwrap()[0],
            Complex64::new(3.0, 4.0)
        );
        let s0 = slice(&Array::from_vec(vec![], vec![1.0f64]), &[], &[], &[]);
        assert_eq!(s0.as_slice::<f64>().unwrap(), [1.0]);
    }

    #[test]
    fn concat_along_outer_and_inner_axes() {
        let a = range(&[2, 2]);
        let b = Array::from_vec(vec![2, 1], vec![10i64, 11]);
        let c = concat(&[&a, &b], 1);
        assert_eq!(ints(&c), (&[2, 3][..], &[0, 1, 10, 2, 3, 11][..]));
        let d = concat(&[&a, &range(&[1, 2]), &range(&[0, 2])], 0);
        assert_eq!(ints(&d), (&[3, 2][..], &[0, 1, 2, 3, 0, 1][..]));
        // Inner axis of a 3-D array, with an empty piece.
        let x = range(&[2, 1, 2]);
        let y = Array::from_vec(vec![2, 2, 2], (100..108).collect::<Vec<i64>>());
        let e = range(&[2, 0, 2]);
        let z = concat(&[&x, &e, &y], 1);
        let want = [0, 1, 100, 101, 102, 103, 2, 3, 104, 105, 106, 107];
        assert_eq!(ints(&z), (&[2, 3, 2][..], &want[..]));
        let f = Array::from_vec(vec![1], vec![true]);
        let g = concat(&[&f, &Array::from_vec(vec![2], vec![false, true])], 0);
        assert_eq!(g.as_slice::<bool>().unwrap(), [true, false, true]);
    }
}

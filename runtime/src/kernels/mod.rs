//! Library kernels: the operations that fusion leaves as calls (FFT, sort, matmul, scans).
//!
//! These are the reference versions used by the interpreter: plain loops written for clarity,
//! each checked against hand-computed values in its tests. Every kernel takes an already
//! normalised (non-negative, in range) axis; an out-of-range axis is a caller bug and panics.

pub mod fft;
pub mod matmul;
mod radix;
pub mod scan;
pub mod sort;

/// Splits `shape` around `axis` into (elements before, axis length, elements after): the
/// element at `(o, j, i)` lives at flat index `(o * len + j) * inner + i`.
pub(crate) fn split_at_axis(shape: &[usize], axis: usize) -> (usize, usize, usize) {
    assert!(
        axis < shape.len(),
        "axis {axis} out of range for a {}-d array",
        shape.len()
    );
    let outer = shape[..axis].iter().product();
    let inner = shape[axis + 1..].iter().product();
    (outer, shape[axis], inner)
}

/// Applies `f` to every lane of `data` along `axis` (a lane is the 1-D slice obtained by
/// fixing every other index) and gathers the per-lane results, which must have the lane's
/// length, into an array of the same shape.
fn map_lanes<T: Copy, U: Copy + Default>(
    data: &[T],
    shape: &[usize],
    axis: usize,
    mut f: impl FnMut(&[T], &mut Vec<U>),
) -> Vec<U> {
    let (outer, len, inner) = split_at_axis(shape, axis);
    let mut out = vec![U::default(); data.len()];
    let mut lane = Vec::with_capacity(len);
    let mut result = Vec::with_capacity(len);
    for o in 0..outer {
        for i in 0..inner {
            let base = o * len * inner + i;
            lane.clear();
            lane.extend((0..len).map(|j| data[base + j * inner]));
            result.clear();
            f(&lane, &mut result);
            assert_eq!(result.len(), len, "a lane function changed the lane length");
            for (j, &r) in result.iter().enumerate() {
                out[base + j * inner] = r;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanes_follow_the_axis() {
        // shape (2, 3): reversing lanes along axis 0 swaps rows, along axis 1 reverses rows.
        let data = [1, 2, 3, 4, 5, 6];
        let rev = |lane: &[i32], out: &mut Vec<i32>| out.extend(lane.iter().rev());
        assert_eq!(map_lanes(&data, &[2, 3], 0, rev), vec![4, 5, 6, 1, 2, 3]);
        assert_eq!(map_lanes(&data, &[2, 3], 1, rev), vec![3, 2, 1, 6, 5, 4]);
        assert_eq!(split_at_axis(&[2, 3, 4], 1), (2, 3, 4));
        assert_eq!(map_lanes(&[] as &[i32], &[0, 3], 1, rev), Vec::<i32>::new());
    }
}

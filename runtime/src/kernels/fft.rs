//! Discrete Fourier transforms along the last axis, with NumPy's `np.fft` conventions
//! (unnormalised forward transform, `1/n` on the inverse).
//!
//! Precision follows NumPy 2.x: f32 and c64 inputs are transformed in single precision and give
//! c64 (or f32 for `irfft`); everything else (bool, ints, f64, c128) gives c128 (or f64).
//! Errors: a 0-d input, and a transform length of 0 (NumPy raises "Invalid number of FFT data
//! points (0)"); an input with no lanes but a non-empty last axis, e.g. shape (0, 4), gives an
//! empty result like NumPy.
//!
//! How: rustfft for complex input and `realfft` (a real-to-complex transform of half the size)
//! for real input, including `fft` of a real array, whose second half is the conjugate mirror
//! of the first. Plans are made once per length, direction and precision and kept (`PLANS`).
//! The lanes of a batch are transformed in parallel on rayon when there is enough work.

use num_complex::Complex;
use rayon::prelude::*;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};
use rustfft::{Fft, FftNum, FftPlanner};
use std::borrow::Cow;
use std::sync::{Arc, Mutex, OnceLock};

use crate::alloc::{output_array, recycle};
use crate::array::{Array, Data};
use crate::dtype::DType;

/// Batches with at least this many points transform their lanes in parallel.
const PARALLEL_MIN_POINTS: usize = 1 << 15;

/// `np.fft.fft(a)`: the forward transform of each lane along the last axis.
pub fn fft(a: &Array) -> Result<Array, String> {
    let n = last_axis_len(a, "fft")?;
    if !a.dtype().is_complex() {
        return Ok(real_input(a, n, false));
    }
    Ok(transform_complex(a, n, Direction::Forward))
}

/// `np.fft.ifft(a)`: the inverse transform, scaled by `1/n`.
pub fn ifft(a: &Array) -> Result<Array, String> {
    let n = last_axis_len(a, "ifft")?;
    if !a.dtype().is_complex() {
        return Ok(real_input(a, n, true));
    }
    Ok(transform_complex(a, n, Direction::Inverse))
}

/// `np.fft.rfft(a)`: the transform of real input, keeping the `n/2 + 1` non-negative
/// frequencies (the rest are their complex conjugates). Complex input is an error.
pub fn rfft(a: &Array) -> Result<Array, String> {
    let n = last_axis_len(a, "rfft")?;
    if a.dtype().is_complex() {
        return Err(format!(
            "rfft: input must be real, got {} (use fft for complex input)",
            a.dtype()
        ));
    }
    let keep = n / 2 + 1;
    let mut shape = a.shape().to_vec();
    *shape.last_mut().expect("checked non-0-d") = keep;
    let data = match &*real_data(a) {
        Data::F32(v) => Data::C64(half_spectra(v, n, keep)),
        Data::F64(v) => Data::C128(half_spectra(v, n, keep)),
        _ => unreachable!("real_data gives f32 or f64"),
    };
    Ok(Array::new(shape, data))
}

/// `np.fft.irfft(a, n)`: the real signal of length `n` (default `2 * (m - 1)` for `m` inputs)
/// whose `rfft` is `a`. Only the first `n/2 + 1` inputs are used, and missing ones are zeros;
/// the imaginary parts of the zero-frequency term (and of the Nyquist term for even `n`) are
/// ignored, as in NumPy.
pub fn irfft(a: &Array, n: Option<usize>) -> Result<Array, String> {
    if a.ndim() == 0 {
        return Err("irfft: input must have at least one dimension".to_string());
    }
    let m = a.shape()[a.ndim() - 1];
    let n = match n {
        Some(n) => n,
        None if m == 0 => {
            return Err(
                "irfft: invalid number of data points (-2): the input is empty".to_string(),
            );
        }
        None => 2 * (m - 1),
    };
    if n == 0 {
        return Err("irfft: invalid number of data points (0)".to_string());
    }
    let mut shape = a.shape().to_vec();
    *shape.last_mut().expect("checked non-0-d") = n;
    let lanes = a.shape()[..a.ndim() - 1].iter().product();
    let complex = a.cast(a.dtype().complex());
    let data = match complex.into_data() {
        Data::C64(v) => Data::F32(irfft_rows(&v, lanes, m, n)),
        Data::C128(v) => Data::F64(irfft_rows(&v, lanes, m, n)),
        _ => unreachable!("cast to a complex dtype"),
    };
    Ok(Array::new(shape, data))
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Direction {
    Forward,
    Inverse,
}

fn last_axis_len(a: &Array, name: &str) -> Result<usize, String> {
    match a.shape().last() {
        None => Err(format!("{name}: input must have at least one dimension")),
        Some(0) => Err(format!(
            "{name}: invalid number of data points (0): the last axis is empty"
        )),
        Some(&n) => Ok(n),
    }
}

/// The plans made so far, per precision (`FftPlanner` and `RealFftPlanner` keep every plan
/// they make, keyed by length and direction).
struct Planners<T: FftNum> {
    complex: FftPlanner<T>,
    real: RealFftPlanner<T>,
}

/// A precision the transforms run in, with its plan cache.
trait Precision: FftNum {
    fn planners() -> &'static Mutex<Planners<Self>>;
    /// A buffer of `len` complex values from the pool of large outputs (`alloc`), so that a
    /// large result reuses memory instead of faulting in fresh pages.
    fn complex_buffer(len: usize) -> Vec<Complex<Self>>;
    fn real_buffer(len: usize) -> Vec<Self>;
    /// Gives a buffer back to the pool.
    fn give_back(scratch: (Vec<Self>, Vec<Complex<Self>>));
}

fn new_planners<T: FftNum>() -> Mutex<Planners<T>> {
    Mutex::new(Planners {
        complex: FftPlanner::new(),
        real: RealFftPlanner::new(),
    })
}

/// `Precision` for a float type: its plan cache, and pool buffers of its real and complex
/// dtypes.
macro_rules! precision {
    ($t:ty, $real:ident, $complex:ident) => {
        impl Precision for $t {
            fn planners() -> &'static Mutex<Planners<$t>> {
                static PLANS: OnceLock<Mutex<Planners<$t>>> = OnceLock::new();
                PLANS.get_or_init(new_planners)
            }
            fn complex_buffer(len: usize) -> Vec<Complex<$t>> {
                match output_array(DType::$complex, vec![len]).into_data() {
                    Data::$complex(v) => v,
                    _ => unreachable!("a buffer of the dtype asked for"),
                }
            }
            fn real_buffer(len: usize) -> Vec<$t> {
                match output_array(DType::$real, vec![len]).into_data() {
                    Data::$real(v) => v,
                    _ => unreachable!("a buffer of the dtype asked for"),
                }
            }
            fn give_back((real, complex): (Vec<$t>, Vec<Complex<$t>>)) {
                recycle(Array::new(vec![real.len()], Data::$real(real)));
                recycle(Array::new(vec![complex.len()], Data::$complex(complex)));
            }
        }
    };
}
precision!(f32, F32, C64);
precision!(f64, F64, C128);

fn planners<T: Precision>() -> std::sync::MutexGuard<'static, Planners<T>> {
    T::planners().lock().unwrap_or_else(|e| e.into_inner())
}

fn complex_plan<T: Precision>(n: usize, dir: Direction) -> Arc<dyn Fft<T>> {
    let mut p = planners::<T>();
    match dir {
        Direction::Forward => p.complex.plan_fft_forward(n),
        Direction::Inverse => p.complex.plan_fft_inverse(n),
    }
}

fn r2c_plan<T: Precision>(n: usize) -> Arc<dyn RealToComplex<T>> {
    planners::<T>().real.plan_fft_forward(n)
}

fn c2r_plan<T: Precision>(n: usize) -> Arc<dyn ComplexToReal<T>> {
    planners::<T>().real.plan_fft_inverse(n)
}

/// Whether a batch of `points` values in lanes of `n` is worth splitting over threads.
fn parallel(points: usize, n: usize) -> bool {
    points >= PARALLEL_MIN_POINTS && points > n
}

/// A real input in its transform precision: f32 and f64 as they are (not copied), everything
/// else cast to f64.
fn real_data(a: &Array) -> Cow<'_, Data> {
    match a.dtype() {
        DType::F32 | DType::F64 => Cow::Borrowed(a.data()),
        _ => Cow::Owned(a.cast(DType::F64).into_data()),
    }
}

/// Runs `row` on each lane: input lanes of `in_len` values and output lanes of `out_len`, in
/// parallel when `parallel`. Each thread works in its own `scratch()`: an input copy (realfft
/// overwrites its input) and the plan's scratch, taken from the buffer pool, so that a long
/// transform does not fault in fresh pages on every call; one run's scratch goes back to it.
fn each_lane<I: Sync, O: Send, T: Precision>(
    input: &[I],
    in_len: usize,
    out: &mut [O],
    out_len: usize,
    parallel: bool,
    scratch: (usize, usize),
    row: impl Fn(&[I], &mut [O], &mut (Vec<T>, Vec<Complex<T>>)) + Sync + Send,
) {
    let make = || (T::real_buffer(scratch.0), T::complex_buffer(scratch.1));
    if parallel {
        input
            .par_chunks(in_len)
            .zip(out.par_chunks_mut(out_len))
            .for_each_init(make, |s, (i, o)| row(i, o, s));
    } else {
        let mut s = make();
        input
            .chunks(in_len)
            .zip(out.chunks_mut(out_len))
            .for_each(|(i, o)| row(i, o, &mut s));
        T::give_back(s);
    }
}

/// Casts to the complex dtype of matching precision and transforms every lane of length `n`.
fn transform_complex(a: &Array, n: usize, dir: Direction) -> Array {
    let complex = a.cast(a.dtype().complex());
    let shape = a.shape().to_vec();
    let data = match complex.into_data() {
        Data::C64(mut v) => {
            transform_rows(&mut v, n, dir);
            Data::C64(v)
        }
        Data::C128(mut v) => {
            transform_rows(&mut v, n, dir);
            Data::C128(v)
        }
        _ => unreachable!("cast to a complex dtype"),
    };
    Array::new(shape, data)
}

/// `fft` or `ifft` of real input: the half spectrum from the real transform, the rest its
/// conjugate mirror (X[n-k] = conj(X[k])). The inverse of real input is conj(fft)/n.
fn real_input(a: &Array, n: usize, inverse: bool) -> Array {
    let data = match &*real_data(a) {
        Data::F32(v) => Data::C64(full_spectra(v, n, inverse)),
        Data::F64(v) => Data::C128(full_spectra(v, n, inverse)),
        _ => unreachable!("real_data gives f32 or f64"),
    };
    Array::new(a.shape().to_vec(), data)
}

fn full_spectra<T: Precision>(v: &[T], n: usize, inverse: bool) -> Vec<Complex<T>> {
    let keep = n / 2 + 1;
    let plan = r2c_plan::<T>(n);
    let scale = T::from_f64(1.0 / n as f64).expect("1/n is representable");
    let row = |input: &[T], out: &mut [Complex<T>], buf: &mut (Vec<T>, Vec<Complex<T>>)| {
        buf.0.copy_from_slice(input);
        plan.process_with_scratch(&mut buf.0, &mut out[..keep], &mut buf.1)
            .expect("buffer lengths match the plan");
        for k in keep..n {
            out[k] = out[n - k].conj();
        }
        if inverse {
            out.iter_mut().for_each(|z| *z = z.conj() * scale);
        }
    };
    // Every element is written below.
    let mut out = T::complex_buffer(v.len());
    let scratch = (n, plan.get_scratch_len());
    each_lane(v, n, &mut out, n, parallel(v.len(), n), scratch, row);
    out
}

/// The first `keep` terms of the transform of each lane of `n` real values.
fn half_spectra<T: Precision>(v: &[T], n: usize, keep: usize) -> Vec<Complex<T>> {
    let plan = r2c_plan::<T>(n);
    let row = |input: &[T], out: &mut [Complex<T>], buf: &mut (Vec<T>, Vec<Complex<T>>)| {
        buf.0.copy_from_slice(input);
        plan.process_with_scratch(&mut buf.0, out, &mut buf.1)
            .expect("buffer lengths match the plan");
    };
    let lanes = v.len() / n;
    let mut out = T::complex_buffer(lanes * keep);
    let scratch = (n, plan.get_scratch_len());
    each_lane(v, n, &mut out, keep, parallel(v.len(), n), scratch, row);
    out
}

/// Transforms each consecutive run of `n` values in place; the inverse is scaled by `1/n`.
fn transform_rows<T: Precision>(v: &mut [Complex<T>], n: usize, dir: Direction) {
    if v.is_empty() {
        return;
    }
    let plan = complex_plan::<T>(n, dir);
    let scale = T::from_f64(1.0 / n as f64).expect("1/n is representable");
    let row = |lane: &mut [Complex<T>], scratch: &mut Vec<Complex<T>>| {
        plan.process_with_scratch(lane, scratch);
        if dir == Direction::Inverse {
            // NumPy multiplies by the factor 1/n rather than dividing by n.
            lane.iter_mut().for_each(|z| *z = *z * scale);
        }
    };
    let scratch = || vec![Complex::new(T::zero(), T::zero()); plan.get_inplace_scratch_len()];
    if parallel(v.len(), n) {
        v.par_chunks_mut(n)
            .for_each_init(scratch, |s, lane| row(lane, s));
    } else {
        let mut s = scratch();
        v.chunks_mut(n).for_each(|lane| row(lane, &mut s));
    }
}

/// Inverse real transform of each of `lanes` lanes of `m` half-spectrum values into `n` real
/// values (`m` may be 0: the lanes are then all zeros).
fn irfft_rows<T: Precision>(v: &[Complex<T>], lanes: usize, m: usize, n: usize) -> Vec<T> {
    let zero = Complex::new(T::zero(), T::zero());
    let half = n / 2 + 1;
    let plan = c2r_plan::<T>(n);
    let scale = T::from_f64(1.0 / n as f64).expect("1/n is representable");
    let row = |input: &[Complex<T>], out: &mut [T], buf: &mut (Vec<T>, Vec<Complex<T>>)| {
        // The first n/2 + 1 terms (the front of the complex scratch), zeros past the
        // input's end. The zero frequency and, for even n, the Nyquist frequency must be
        // real, so their imaginary parts are dropped.
        let (spectrum, scratch) = buf.1.split_at_mut(half);
        for (k, z) in spectrum.iter_mut().enumerate() {
            *z = input.get(k).copied().unwrap_or(zero);
        }
        spectrum[0].im = T::zero();
        if n.is_multiple_of(2) {
            spectrum[half - 1].im = T::zero();
        }
        plan.process_with_scratch(spectrum, out, scratch)
            .expect("buffer lengths match the plan and the edge terms are real");
        out.iter_mut().for_each(|x| *x = *x * scale);
    };
    if m == 0 {
        return vec![T::zero(); lanes * n];
    }
    let mut out = T::real_buffer(lanes * n);
    let scratch = (0, half + plan.get_scratch_len());
    each_lane(v, m, &mut out, n, parallel(lanes * n, n), scratch, row);
    out
}

/// The output dtype of `fft`/`ifft`/`rfft` for an input dtype.
pub fn fft_dtype(input: DType) -> DType {
    input.complex()
}

/// The output dtype of `irfft` for an input dtype.
pub fn irfft_dtype(input: DType) -> DType {
    input.complex().real()
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_complex::{Complex32, Complex64};

    fn c(re: f64, im: f64) -> Complex64 {
        Complex64::new(re, im)
    }

    fn assert_close(got: &[Complex64], want: &[Complex64], tol: f64) {
        assert_eq!(got.len(), want.len());
        for (i, (g, w)) in got.iter().zip(want).enumerate() {
            assert!((g - w).norm() <= tol, "element {i}: got {g}, want {w}");
        }
    }

    fn c128s(a: &Array) -> &[Complex64] {
        a.as_slice::<Complex64>().expect("c128 result")
    }

    /// A deterministic, irregular test signal.
    fn signal(n: usize) -> Vec<f64> {
        (0..n)
            .map(|i| ((i * i) % 17) as f64 - 0.3 * i as f64)
            .collect()
    }

    #[test]
    fn fft_of_1_2_3_4() {
        // X[k] = sum x[j] e^{-2πijk/4}: X0 = 10, X1 = 1 - 2i - 3 + 4i = -2+2i, X2 = 1-2+3-4 = -2.
        let x = Array::from_vec(vec![4], vec![1.0f64, 2.0, 3.0, 4.0]);
        let f = fft(&x).unwrap();
        assert_eq!(f.dtype(), DType::C128);
        assert_close(
            c128s(&f),
            &[c(10.0, 0.0), c(-2.0, 2.0), c(-2.0, 0.0), c(-2.0, -2.0)],
            1e-12,
        );
        let back = ifft(&f).unwrap();
        assert_close(
            c128s(&back),
            &[c(1.0, 0.0), c(2.0, 0.0), c(3.0, 0.0), c(4.0, 0.0)],
            1e-12,
        );
        // Integer and bool inputs transform in double precision.
        let i = Array::from_vec(vec![4], vec![1i32, 2, 3, 4]);
        assert_close(c128s(&fft(&i).unwrap()), c128s(&f), 0.0);
        let b = Array::from_vec(vec![2], vec![true, false]);
        assert_close(c128s(&fft(&b).unwrap()), &[c(1.0, 0.0), c(1.0, 0.0)], 0.0);
    }

    #[test]
    fn single_precision_stays_single() {
        let x = Array::from_vec(vec![4], vec![1.0f32, 2.0, 3.0, 4.0]);
        let f = fft(&x).unwrap();
        assert_eq!(f.dtype(), DType::C64);
        assert_eq!(fft_dtype(DType::F32), DType::C64);
        let v = f.as_slice::<Complex32>().unwrap();
        assert!((v[1] - Complex32::new(-2.0, 2.0)).norm() < 1e-5);
        let back = irfft(&rfft(&x).unwrap(), Some(4)).unwrap();
        assert_eq!(back.dtype(), DType::F32);
        assert_eq!(irfft_dtype(DType::C64), DType::F32);
        for (g, w) in back
            .as_slice::<f32>()
            .unwrap()
            .iter()
            .zip([1.0, 2.0, 3.0, 4.0])
        {
            assert!((g - w).abs() < 1e-5, "{g} vs {w}");
        }
    }

    #[test]
    fn transforms_run_along_the_last_axis() {
        // Rows δ0 and δ1: their transforms are all ones and the powers of e^{-iπ/2} = -i.
        let x = Array::from_vec(vec![2, 4], vec![1.0f64, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0]);
        let f = fft(&x).unwrap();
        assert_eq!(f.shape(), &[2, 4]);
        let want = [
            [c(1.0, 0.0), c(1.0, 0.0), c(1.0, 0.0), c(1.0, 0.0)],
            [c(1.0, 0.0), c(0.0, -1.0), c(-1.0, 0.0), c(0.0, 1.0)],
        ];
        assert_close(c128s(&f), want.as_flattened(), 1e-12);
        let r = rfft(&x).unwrap();
        assert_eq!(r.shape(), &[2, 3]);
        assert_close(c128s(&r), &[&want[0][..3], &want[1][..3]].concat(), 1e-12);
    }

    #[test]
    fn parseval_holds() {
        // sum |x|^2 = (1/n) sum |X|^2
        let n = 1000;
        let x = signal(n);
        let f = fft(&Array::from_vec(vec![n], x.clone())).unwrap();
        let time: f64 = x.iter().map(|v| v * v).sum();
        let freq: f64 = c128s(&f).iter().map(|z| z.norm_sqr()).sum::<f64>() / n as f64;
        assert!((time - freq).abs() <= 1e-9 * time, "{time} vs {freq}");
    }

    #[test]
    fn rfft_agrees_with_fft_and_irfft_inverts_it() {
        for n in [1, 2, 7, 8, 15, 16] {
            let x = Array::from_vec(vec![n], signal(n));
            let full = fft(&x).unwrap();
            let half = rfft(&x).unwrap();
            assert_eq!(half.shape(), &[n / 2 + 1]);
            assert_close(c128s(&half), &c128s(&full)[..n / 2 + 1], 1e-9);
            // The default length 2(m-1) only recovers even n; odd n must be given.
            let back = irfft(&half, Some(n)).unwrap();
            assert_eq!(back.dtype(), DType::F64);
            for (g, w) in back.as_slice::<f64>().unwrap().iter().zip(signal(n)) {
                assert!((g - w).abs() < 1e-9, "n={n}: {g} vs {w}");
            }
            if n.is_multiple_of(2) && n > 0 {
                assert_eq!(irfft(&half, None).unwrap().shape(), &[n]);
            }
        }
    }

    #[test]
    fn irfft_truncates_pads_and_ignores_imaginary_dc() {
        // rfft([1, 2, 3, 4]) = [10, -2+2i, -2]; extra imaginary parts on the DC and Nyquist
        // terms are dropped.
        let spec = Array::from_vec(vec![3], vec![c(10.0, 5.0), c(-2.0, 2.0), c(-2.0, 7.0)]);
        let x = irfft(&spec, None).unwrap();
        assert_eq!(x.shape(), &[4]);
        for (g, w) in x
            .as_slice::<f64>()
            .unwrap()
            .iter()
            .zip([1.0, 2.0, 3.0, 4.0])
        {
            assert!((g - w).abs() < 1e-12, "{g} vs {w}");
        }
        // n = 4 from a single input: the missing terms are zero, so the signal is flat 4/4 = 1.
        let dc = Array::from_vec(vec![1], vec![c(4.0, 0.0)]);
        assert_eq!(
            irfft(&dc, Some(4)).unwrap().as_slice::<f64>().unwrap(),
            &[1.0; 4]
        );
        // n = 2 uses only the first two inputs: [10, -2+2i] → [(10 - 2)/2, (10 + 2)/2].
        let two = irfft(&spec, Some(2)).unwrap();
        assert_eq!(two.as_slice::<f64>().unwrap(), &[4.0, 6.0]);
    }

    #[test]
    fn empty_and_0d_inputs() {
        let empty = Array::from_vec(vec![0], Vec::<f64>::new());
        assert!(
            fft(&empty)
                .unwrap_err()
                .contains("invalid number of data points (0)")
        );
        assert!(ifft(&empty).is_err() && rfft(&empty).is_err());
        assert!(irfft(&empty, None).unwrap_err().contains("(-2)"));
        let one = Array::from_vec(vec![1], vec![c(1.0, 0.0)]);
        assert!(irfft(&one, None).unwrap_err().contains("(0)"));
        let scalar = Array::from_vec(vec![], vec![1.0f64]);
        assert!(fft(&scalar).unwrap_err().contains("at least one dimension"));
        let no_rows = Array::from_vec(vec![0, 4], Vec::<f64>::new());
        assert_eq!(fft(&no_rows).unwrap().shape(), &[0, 4]);
        assert_eq!(rfft(&no_rows).unwrap().shape(), &[0, 3]);
        assert_eq!(irfft(&no_rows, None).unwrap().shape(), &[0, 6]);
        let z = Array::from_vec(vec![2], vec![c(1.0, 0.0), c(0.0, 1.0)]);
        assert!(rfft(&z).unwrap_err().contains("must be real"));
    }

    #[test]
    fn a_million_point_fft_round_trips() {
        let n = 1 << 20;
        let x = Array::from_vec(vec![n], signal(n));
        let f = fft(&x).unwrap();
        let back = ifft(&f).unwrap();
        let err = c128s(&back)
            .iter()
            .zip(signal(n))
            .map(|(g, w)| (g - c(w, 0.0)).norm())
            .fold(0.0, f64::max);
        assert!(err < 1e-9, "round trip error {err}");
    }
}

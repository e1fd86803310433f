//! The counter-based random number generator: Philox4x32-10 (Salmon et al., "Parallel Random
//! Numbers: As Easy as 1, 2, 3", SC11; the Random123 library).
//!
//! Every random value is a pure function of `(seed, index)`, so a fused kernel on any backend can
//! compute element `i` of `rand(n, seed=s)` on its own, in any order, and get the same number.
//! The exact recipe — which Philox words feed which bits — is part of the contract, because the
//! CUDA backend must reproduce it:
//!
//! * counter = `[i as u32, (i >> 32) as u32, 0, 0]`, key = `[seed as u32, (seed >> 32) as u32]`,
//!   and `w = philox4x32(counter, key)`.
//! * `u64 a = w[0] | w[1] << 32`, `u64 b = w[2] | w[3] << 32`.
//! * `uniform_f64 = (a >> 11) * 2^-53`, in `[0, 1)` with 53 random bits.
//! * `uniform_f32 = (w[1] >> 8) * 2^-24`, in `[0, 1)` with 24 random bits: the top 24 bits of the
//!   same `a`, so it is exactly `uniform_f64` truncated to f32 precision.
//! * `normal_f64 = sqrt(-2 ln u1) * cos(2π u2)` (Box–Muller, the cosine half), with
//!   `u1 = ((a >> 11) + 1) * 2^-53` in `(0, 1]` (never 0, so the log is finite) and
//!   `u2 = (b >> 11) * 2^-53` in `[0, 1)`; `2π u2` is computed as `TAU * u2` in f64.
//! * `normal_f32 = normal_f64 as f32` (rounded to nearest).
//!
//! Uniforms are bit-exact on every backend (integer ops and exact scaling). Normals are exact up
//! to the last-place rounding of `ln` and `cos` in the platform's libm, which may differ by an
//! ulp between CPU and GPU; computing the f32 normals in f64 makes such a difference vanish in
//! the final rounding almost always.

use crate::array::{Array, Data};
use crate::dtype::DType;

/// Philox's round multipliers.
const M0: u32 = 0xD251_1F53;
const M1: u32 = 0xCD9E_8D57;
/// Philox's key-schedule increments (the golden ratio and sqrt(3) - 1, in 32-bit fixed point).
const W0: u32 = 0x9E37_79B9;
const W1: u32 = 0xBB67_AE85;

/// High and low halves of the 64-bit product.
fn mulhilo(a: u32, b: u32) -> (u32, u32) {
    let p = a as u64 * b as u64;
    ((p >> 32) as u32, p as u32)
}

/// Philox4x32 with 10 rounds: a keyed bijection on 128-bit counters.
pub fn philox4x32(ctr: [u32; 4], key: [u32; 2]) -> [u32; 4] {
    let (mut x, mut k) = (ctr, key);
    for round in 0..10 {
        if round > 0 {
            k = [k[0].wrapping_add(W0), k[1].wrapping_add(W1)];
        }
        let (hi0, lo0) = mulhilo(M0, x[0]);
        let (hi1, lo1) = mulhilo(M1, x[2]);
        x = [hi1 ^ x[1] ^ k[0], lo1, hi0 ^ x[3] ^ k[1], lo0];
    }
    x
}

/// The four Philox words for element `i` of the stream `seed`.
fn words(seed: u64, i: u64) -> [u32; 4] {
    philox4x32(
        [i as u32, (i >> 32) as u32, 0, 0],
        [seed as u32, (seed >> 32) as u32],
    )
}

const TWO_POW_M53: f64 = 1.0 / (1u64 << 53) as f64;
const TWO_POW_M24: f32 = 1.0 / (1u32 << 24) as f32;

fn join(lo: u32, hi: u32) -> u64 {
    lo as u64 | (hi as u64) << 32
}

/// Element `i` of the uniform stream `seed`: an f64 in `[0, 1)` with 53 random bits.
pub fn uniform_f64(seed: u64, i: u64) -> f64 {
    let w = words(seed, i);
    (join(w[0], w[1]) >> 11) as f64 * TWO_POW_M53
}

/// Element `i` of the uniform stream `seed` at single precision: `[0, 1)` with 24 random bits,
/// equal to `uniform_f64(seed, i)` truncated to f32.
pub fn uniform_f32(seed: u64, i: u64) -> f32 {
    let w = words(seed, i);
    (w[1] >> 8) as f32 * TWO_POW_M24
}

/// Element `i` of the standard normal stream `seed` (mean 0, variance 1).
pub fn normal_f64(seed: u64, i: u64) -> f64 {
    let w = words(seed, i);
    let u1 = ((join(w[0], w[1]) >> 11) + 1) as f64 * TWO_POW_M53;
    let u2 = (join(w[2], w[3]) >> 11) as f64 * TWO_POW_M53;
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Element `i` of the standard normal stream `seed` at single precision: `normal_f64` rounded.
pub fn normal_f32(seed: u64, i: u64) -> f32 {
    normal_f64(seed, i) as f32
}

/// An array of uniform `[0, 1)` values; element `i` (row-major) is `uniform_*(seed, i)`.
///
/// Panics unless `dtype` is f32 or f64: the caller checks the dtype of `rand` when it lowers it.
pub fn rand_array(shape: &[usize], seed: u64, dtype: DType) -> Array {
    let n: usize = shape.iter().product();
    let data = match dtype {
        DType::F32 => Data::F32((0..n as u64).map(|i| uniform_f32(seed, i)).collect()),
        DType::F64 => Data::F64((0..n as u64).map(|i| uniform_f64(seed, i)).collect()),
        other => panic!("rand_array: dtype must be f32 or f64, not {other}"),
    };
    Array::new(shape.to_vec(), data)
}

/// An array of standard normal values; element `i` (row-major) is `normal_*(seed, i)`.
///
/// Panics unless `dtype` is f32 or f64, like `rand_array`.
pub fn randn_array(shape: &[usize], seed: u64, dtype: DType) -> Array {
    let n: usize = shape.iter().product();
    let data = match dtype {
        DType::F32 => Data::F32((0..n as u64).map(|i| normal_f32(seed, i)).collect()),
        DType::F64 => Data::F64((0..n as u64).map(|i| normal_f64(seed, i)).collect()),
        other => panic!("randn_array: dtype must be f32 or f64, not {other}"),
    };
    Array::new(shape.to_vec(), data)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The three philox4x32 10-round lines of Random123's tests/kat_vectors
    /// (github.com/DEShawResearch/random123): counter, key, expected output.
    const KAT: [([u32; 4], [u32; 2], [u32; 4]); 3] = [
        (
            [0, 0, 0, 0],
            [0, 0],
            [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8],
        ),
        (
            [0xffff_ffff; 4],
            [0xffff_ffff; 2],
            [0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd],
        ),
        (
            [0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344],
            [0xa409_3822, 0x299f_31d0],
            [0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1],
        ),
    ];

    #[test]
    fn philox_matches_random123_known_answers() {
        for (ctr, key, want) in KAT {
            assert_eq!(philox4x32(ctr, key), want, "ctr {ctr:08x?} key {key:08x?}");
        }
    }

    #[test]
    fn first_draws_of_seed_0_follow_from_the_known_answer() {
        // Seed 0, index 0 is the all-zero KAT input, so its words are the first KAT output.
        let a: u64 = 0xe169_c58d_6627_e8d5;
        assert_eq!(uniform_f64(0, 0), (a >> 11) as f64 / 2f64.powi(53));
        assert_eq!(
            uniform_f32(0, 0),
            (0xe169_c58d_u32 >> 8) as f32 / 2f32.powi(24)
        );
        let b: u64 = 0x9b00_dbd8_bc57_ac4c;
        let (u1, u2) = (
            ((a >> 11) + 1) as f64 / 2f64.powi(53),
            (b >> 11) as f64 / 2f64.powi(53),
        );
        let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        assert_eq!(normal_f64(0, 0), z);
    }

    #[test]
    fn counter_and_key_layout_is_as_documented() {
        // Index and seed are split low word first, so these two calls see the same Philox input.
        let (seed, i) = (0x0123_4567_89ab_cdef_u64, 0xfedc_ba98_7654_3210_u64);
        let w = philox4x32([0x7654_3210, 0xfedc_ba98, 0, 0], [0x89ab_cdef, 0x0123_4567]);
        assert_eq!(words(seed, i), w);
        let a = w[0] as u64 | (w[1] as u64) << 32;
        assert_eq!(uniform_f64(seed, i), (a >> 11) as f64 / 2f64.powi(53));
        assert_eq!(uniform_f32(seed, i), (w[1] >> 8) as f32 / 2f32.powi(24));
        // uniform_f32 is uniform_f64 truncated to 24 bits.
        for j in 0..1000 {
            let (d, s) = (uniform_f64(7, j), uniform_f32(7, j));
            assert!(
                s as f64 <= d && d - (s as f64) < 2f64.powi(-24),
                "{j}: {d} {s}"
            );
        }
    }

    #[test]
    fn streams_depend_on_seed_and_index_only() {
        assert_eq!(uniform_f64(42, 1000), uniform_f64(42, 1000));
        assert_ne!(uniform_f64(42, 1000), uniform_f64(43, 1000));
        assert_ne!(uniform_f64(42, 1000), uniform_f64(42, 1001));
        // Indices beyond 2^32 use the second counter word rather than wrapping.
        assert_ne!(uniform_f64(1, 5), uniform_f64(1, 5 + (1 << 32)));
        let a = rand_array(&[3, 4], 9, DType::F64);
        assert_eq!(a.shape(), &[3, 4]);
        assert_eq!(a.as_slice::<f64>().unwrap()[7], uniform_f64(9, 7));
        let z = randn_array(&[5], 9, DType::F32);
        assert_eq!(z.as_slice::<f32>().unwrap()[4], normal_f64(9, 4) as f32);
        assert!(rand_array(&[0, 3], 1, DType::F32).is_empty());
    }

    /// Mean and variance of `n` draws.
    fn moments(xs: impl Iterator<Item = f64>) -> (f64, f64, usize) {
        let v: Vec<f64> = xs.collect();
        let n = v.len() as f64;
        let mean = v.iter().sum::<f64>() / n;
        let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
        (mean, var, v.len())
    }

    const N: u64 = 100_000;

    #[test]
    fn uniforms_are_in_range_with_the_right_moments() {
        // For U(0,1): mean 1/2 (std error 0.29/sqrt(n) ≈ 0.0009), variance 1/12.
        for seed in [0, 1, u64::MAX] {
            let (mean, var, _) = moments((0..N).map(|i| {
                let x = uniform_f64(seed, i);
                assert!((0.0..1.0).contains(&x), "{x}");
                x
            }));
            assert!((mean - 0.5).abs() < 0.005, "seed {seed}: mean {mean}");
            assert!((var - 1.0 / 12.0).abs() < 0.002, "seed {seed}: var {var}");
            let (mean, var, _) = moments((0..N).map(|i| {
                let x = uniform_f32(seed, i);
                assert!((0.0..1.0).contains(&x), "{x}");
                x as f64
            }));
            assert!((mean - 0.5).abs() < 0.005, "f32 mean {mean}");
            assert!((var - 1.0 / 12.0).abs() < 0.002, "f32 var {var}");
        }
        // Each tenth of [0, 1) gets close to a tenth of the draws (expected 10000, sd ≈ 95).
        let mut bins = [0u32; 10];
        (0..N).for_each(|i| bins[(uniform_f64(3, i) * 10.0) as usize] += 1);
        assert!(
            bins.iter().all(|&b| (9_500..10_500).contains(&b)),
            "{bins:?}"
        );
    }

    #[test]
    fn normals_have_mean_zero_and_variance_one() {
        for seed in [0, 12345] {
            let (mean, var, _) = moments((0..N).map(|i| normal_f64(seed, i)));
            // Standard errors: mean 0.0032, variance 0.0045.
            assert!(mean.abs() < 0.02, "seed {seed}: mean {mean}");
            assert!((var - 1.0).abs() < 0.03, "seed {seed}: var {var}");
            let (mean, var, _) = moments((0..N).map(|i| normal_f32(seed, i) as f64));
            assert!(
                mean.abs() < 0.02 && (var - 1.0).abs() < 0.03,
                "{mean} {var}"
            );
        }
        // About 68.3% of draws lie within one standard deviation, and none beyond the largest
        // value Box–Muller can make from 53-bit uniforms (sqrt(106 ln 2) ≈ 8.57).
        let inside = (0..N).filter(|&i| normal_f64(5, i).abs() < 1.0).count() as f64;
        assert!((inside / N as f64 - 0.6827).abs() < 0.01, "{inside}");
        assert!((0..N).all(|i| normal_f64(5, i).abs() <= 8.58));
    }
}

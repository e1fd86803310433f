//! Library calls on the device, as CUDA C of our own (`runtime/cuda/scan.cuh`, `sort.cuh`,
//! and `fft.cuh` around cuFFT):
//! each is a module with one `arr_kernel(ArrArgs)` entry per dtype, compiled on first use like
//! a fused kernel (and tested the same ways: on the emulator, and compiled to PTX).

use super::render::{PRELUDE, c_type};
use arrjit_runtime::DType;

/// Inclusive scans along an axis.
pub const SCAN: &str = include_str!("../../../runtime/cuda/scan.cuh");

/// Stable radix sort and argsort along the last axis.
pub const SORT: &str = include_str!("../../../runtime/cuda/sort.cuh");

/// The widening and scaling around cuFFT's transforms.
pub const FFT: &str = include_str!("../../../runtime/cuda/fft.cuh");

/// Elements per tile of the sort's histogram and scatter stages (`ARR_SORT_TILE`).
pub const SORT_TILE: usize = 1024;

/// Threads per block of every launch of the sort (`ARR_SORT_THREADS`).
pub const SORT_THREADS: u32 = 256;

/// The longest lanes the sort takes one block per lane for, in shared memory
/// (`ARR_SORT_SHORT`, stage 5).
pub const SORT_SHORT: usize = 1024;

/// The source of the scan (`product`: cumprod, else cumsum) of `dtype` values, or `None`
/// where the device has none (bools run on the host).
pub fn scan_source(dtype: DType, product: bool) -> Option<String> {
    if dtype == DType::Bool {
        return None;
    }
    Some(format!(
        "{PRELUDE}\n{SCAN}\nextern \"C\" __global__ void arr_kernel(const ArrArgs a) {{ arr_scan<{}, {product}>(a); }}\n",
        c_type(dtype)
    ))
}

/// The `ArrArgs` of a scan of `x` into `y`, an array of `outer` × `n` × `inner` elements
/// scanned along the `n` axis.
pub fn scan_args(x: u64, y: u64, outer: usize, n: usize, inner: usize) -> Vec<u64> {
    vec![x, y, outer as u64, n as u64, inner as u64]
}

/// The source of the sort of `dtype` values, or `None` where the device has none (complex
/// numbers sort on the host).
pub fn sort_source(dtype: DType) -> Option<String> {
    if dtype.is_complex() {
        return None;
    }
    Some(format!(
        "{PRELUDE}\n{SORT}\nextern \"C\" __global__ void arr_kernel(const ArrArgs a) {{ arr_sort<{}>(a); }}\n",
        c_type(dtype)
    ))
}

/// The 8-bit digits of a `dtype` key.
pub fn key_passes(dtype: DType) -> usize {
    match dtype {
        DType::Bool => 1,
        DType::I32 | DType::F32 => 4,
        _ => 8,
    }
}

/// The 8-bit digits of the lane indices `0..lanes`.
pub fn lane_passes(lanes: usize) -> usize {
    let bits = usize::BITS - lanes.saturating_sub(1).leading_zeros();
    bits.div_ceil(8) as usize
}

/// The `ArrArgs` of the sort's stages (`sort.cuh`), in its field order.
pub struct SortArgs {
    pub x: u64,
    pub y: u64,
    pub keys: u64,
    pub perm: u64,
    pub keys2: u64,
    pub perm2: u64,
    pub counts: u64,
    pub total: usize,
    pub lane: usize,
    pub tiles: usize,
    pub stage: usize,
    pub pass: usize,
    pub key_passes: usize,
    pub argsort: bool,
}

impl SortArgs {
    pub fn words(&self) -> Vec<u64> {
        vec![
            self.x,
            self.y,
            self.keys,
            self.perm,
            self.keys2,
            self.perm2,
            self.counts,
            self.total as u64,
            self.lane as u64,
            self.tiles as u64,
            self.stage as u64,
            self.pass as u64,
            self.key_passes as u64,
            self.argsort as u64,
        ]
    }
}

/// The source of the steps around an FFT whose complex values have parts of `part` (f32 or
/// f64).
pub fn fft_source(part: DType) -> String {
    let complex = if part == DType::F32 {
        "ArrC64"
    } else {
        "ArrC128"
    };
    format!(
        "{PRELUDE}\n{FFT}\nextern \"C\" __global__ void arr_kernel(const ArrArgs a) {{ arr_fft_step<{}, {complex}>(a); }}\n",
        c_type(part)
    )
}

/// The `ArrArgs` of an FFT step (`fft.cuh`): stage 0 widens `count` reals at `x` into `y`,
/// stage 1 scales `count` complex values at `y` by `scale`, stage 2 fills the `count`
/// values of the upper halves of transforms of length `n` at `y` from their lower halves.
pub fn fft_args(x: u64, y: u64, count: usize, n: usize, scale: f64, stage: u64) -> Vec<u64> {
    vec![x, y, count as u64, n as u64, scale.to_bits(), stage]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The host's sizes of the sort are the ones `sort.cuh` defines.
    #[test]
    fn sort_sizes_match_the_kernel() {
        for (name, value) in [
            ("ARR_SORT_TILE", SORT_TILE),
            ("ARR_SORT_THREADS", SORT_THREADS as usize),
            ("ARR_SORT_SHORT", SORT_SHORT),
        ] {
            let line = format!("#define {name} {value}\n");
            assert!(SORT.contains(&line), "sort.cuh lacks `{}`", line.trim());
        }
    }

    #[test]
    fn lane_digits() {
        assert_eq!(lane_passes(0), 0);
        assert_eq!(lane_passes(1), 0);
        assert_eq!(lane_passes(2), 1);
        assert_eq!(lane_passes(256), 1);
        assert_eq!(lane_passes(257), 2);
        assert_eq!(lane_passes(65_536), 2);
        assert_eq!(lane_passes(65_537), 3);
    }
}

//! Library calls on the device, as CUDA C of our own (`runtime/cuda/*.cuh`): each is a module
//! with one `arr_kernel(ArrArgs)` entry, compiled on first use like a fused kernel.

use super::render::{PRELUDE, c_type};
use arrjit_runtime::DType;

/// Inclusive scans along an axis.
pub const SCAN: &str = include_str!("../../../runtime/cuda/scan.cuh");

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

/// The `ArrArgs` bytes of a scan of `x` into `y`, an array of `outer` × `n` × `inner`
/// elements scanned along the `n` axis.
pub fn scan_args(x: u64, y: u64, outer: usize, n: usize, inner: usize) -> Vec<u8> {
    [x, y, outer as u64, n as u64, inner as u64]
        .iter()
        .flat_map(|w| w.to_ne_bytes())
        .collect()
}

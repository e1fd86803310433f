//! Library primitives (matmul, FFT family, sort, scans) and random numbers: thin calls into
//! the runtime crate's reference kernels. The errors those kernels can return (empty FFT axes,
//! misaligned matmul shapes) are rejected when the graph is built, so here they are bugs.

use crate::ir::graph::Type;
use arrjit_runtime::{self as rt, Array};

pub fn rand(ty: &Type, seed: u64, normal: bool) -> Array {
    if normal {
        rt::randn_array(&ty.shape, seed, ty.dtype)
    } else {
        rt::rand_array(&ty.shape, seed, ty.dtype)
    }
}

pub fn matmul(a: &Array, b: &Array) -> Array {
    rt::matmul(a, b).expect("matmul shapes are checked when the graph is built")
}

pub fn fft(a: &Array, inverse: bool) -> Array {
    let r = if inverse { rt::ifft(a) } else { rt::fft(a) };
    r.expect("fft axes are checked when the graph is built")
}

pub fn rfft(a: &Array) -> Array {
    rt::rfft(a).expect("rfft input is checked when the graph is built")
}

pub fn irfft(a: &Array, n: usize) -> Array {
    rt::irfft(a, Some(n)).expect("irfft length is checked when the graph is built")
}

pub fn sort(a: &Array, axis: usize) -> Array {
    rt::sort(a, axis)
}

pub fn argsort(a: &Array, axis: usize) -> Array {
    rt::argsort(a, axis)
}

pub fn cumsum(a: &Array, axis: usize) -> Array {
    rt::cumsum(a, axis)
}

pub fn cumprod(a: &Array, axis: usize) -> Array {
    rt::cumprod(a, axis)
}

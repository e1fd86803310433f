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

/// `x` gathered along `axis` at `indices` (i64, shaped like the output).
pub fn take_along(x: &Array, indices: &Array, axis: usize) -> Array {
    let idx = indices.as_slice::<i64>().expect("i64 indices (verified)");
    let shape = indices.shape().to_vec();
    let out_strides = rt::strides_of(&shape);
    let x_strides = rt::strides_of(x.shape());
    let positions: Vec<usize> = (0..idx.len())
        .map(|flat| {
            let mut at = 0;
            for (a, (&os, &xs)) in out_strides.iter().zip(&x_strides).enumerate() {
                let coord = if a == axis {
                    usize::try_from(idx[flat]).expect("indices in range")
                } else {
                    flat / os % shape[a]
                };
                at += coord * xs;
            }
            at
        })
        .collect();
    Array::new(shape, x.data().gather(&positions))
}

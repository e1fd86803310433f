//! `arrjit-runtime`: what compiled and interpreted arrjit programs run on — arrays, NumPy's
//! `.npy` format, writing the user's files, the counter-based random number generator,
//! NumPy-style printing and the library kernels (FFT, sort, matmul, scans).

pub mod alloc;
pub mod array;
pub mod dtype;
pub mod files;
pub mod format;
pub mod kernels;
pub mod npy;
pub mod rng;

pub use alloc::{output_array, recycle};
pub use array::{Array, Data, Element, MAX_DIMS, Scalar, strides_of};
pub use dtype::{DType, Kind};
pub use format::{format_array, format_scalar};
pub use kernels::fft::{fft, ifft, irfft, rfft};
pub use kernels::matmul::{
    Method as MatmulMethod, Operand, matmul, matmul_operands, matmul_operands_with,
};
pub use kernels::scan::{cumprod, cumsum};
pub use kernels::sort::{argsort, sort};
pub use npy::{NpyError, NpyErrorKind, read_npy, read_npy_bytes, write_npy, write_npy_bytes};
pub use num_complex::{Complex32, Complex64};
pub use rng::{
    normal_f32, normal_f64, philox4x32, rand_array, randn_array, uniform_f32, uniform_f64,
};

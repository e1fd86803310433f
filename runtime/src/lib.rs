//! `arrjit-runtime`: what compiled and interpreted arrjit programs run on — arrays, NumPy's
//! `.npy` format, the counter-based random number generator, NumPy-style printing and the
//! library kernels (FFT, sort, matmul, scans).

pub mod array;
pub mod dtype;

pub use array::{Array, Data, Element, Scalar, strides_of};
pub use dtype::{DType, Kind};
pub use num_complex::{Complex32, Complex64};

//! The CUDA backend: fused kernels as CUDA C (`render`), compiled at run time by NVRTC.
//!
//! Rendering is a pure function of a kernel, so it is tested (golden files, and compiled to
//! PTX where NVRTC is installed) on machines without a GPU; `arr ir --stage cuda` prints it.

pub mod device;
pub mod nvrtc;
pub mod render;

pub use render::{PRELUDE, render_kernel, render_source};

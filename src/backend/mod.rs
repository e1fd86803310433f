//! Backends: code generators for the kernels fusion makes. `cpu` compiles them with Cranelift,
//! `cuda` renders them to CUDA C; `Device` says which runs them.

pub mod cpu;
pub mod cuda;

/// Where compiled code runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Device {
    #[default]
    Cpu,
    Cuda,
    /// The CUDA backend's kernels built by the host's C++ compiler and run on the CPU, one
    /// thread per CUDA thread: slow, for testing the CUDA backend without a GPU.
    CudaEmulator,
}

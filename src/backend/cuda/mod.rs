//! The CUDA backend: fused kernels as CUDA C (`render`), compiled at run time by NVRTC
//! (`nvrtc`), and schedules run on a device (`exec`) through a `target::Target`: a GPU
//! through the CUDA driver (`driver`), or the emulator (`emulator`), which builds the same
//! CUDA C with the host's C++ compiler so that the launcher and the kernels are tested
//! against the interpreter on machines without a GPU.
//!
//! Rendering is a pure function of a kernel, so it is tested (golden files, and compiled to
//! PTX where NVRTC is installed) on machines without a GPU; `arr ir --stage cuda` prints it.

pub mod device;
pub mod driver;
pub mod emulator;
pub mod exec;
pub mod library;
pub mod nvrtc;
pub mod render;
pub mod target;

pub use render::{PRELUDE, render_kernel, render_source};

/// The target `device` names: a GPU through the driver (or, with `ARRJIT_CUDA_EMULATOR=1`,
/// the emulator), or the emulator itself; an error says in one line what is missing.
pub fn open(device: crate::backend::Device) -> Result<Box<dyn target::Target>, String> {
    use crate::backend::Device;
    let emulate = std::env::var("ARRJIT_CUDA_EMULATOR").is_ok_and(|v| v == "1");
    match device {
        Device::CudaEmulator => Ok(Box::new(emulator::Emulator::new()?)),
        Device::Cuda if emulate => Ok(Box::new(emulator::Emulator::new()?)),
        Device::Cuda => Ok(Box::new(driver::Driver::new()?)),
        Device::Cpu => Err("the CPU is not a CUDA device".into()),
    }
}

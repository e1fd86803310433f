//! Finding a CUDA device at run time, without panicking where there is none.
//!
//! cudarc loads the driver and NVRTC lazily and panics on first use when a library is
//! missing (tech-facts), so each is probed first, and every failure becomes one line saying
//! which part is missing: the driver, a device, or NVRTC.

use super::nvrtc;

/// The device kernels would run on.
#[derive(Clone, Debug)]
pub struct Device {
    pub name: String,
    /// Compute capability (major, minor).
    pub capability: (i32, i32),
    pub count: usize,
}

/// The first CUDA device, or why there is none to use.
pub fn probe() -> Result<Device, String> {
    // SAFETY: only tries to dlopen the driver library by its sonames.
    if !unsafe { cudarc::driver::sys::is_culib_present() } {
        return Err("no CUDA driver: libcuda.so could not be loaded".into());
    }
    let count = cudarc::driver::CudaContext::device_count()
        .map_err(|e| format!("the CUDA driver reports no usable device ({e:?})"))?;
    if count < 1 {
        return Err("no CUDA device: the driver is installed but sees no GPU".into());
    }
    nvrtc::available()?;
    let ctx = cudarc::driver::CudaContext::new(0)
        .map_err(|e| format!("cannot open CUDA device 0 ({e:?})"))?;
    let name = ctx.name().map_err(|e| format!("{e:?}"))?;
    let capability = ctx.compute_capability().map_err(|e| format!("{e:?}"))?;
    Ok(Device {
        name,
        capability,
        count: count as usize,
    })
}

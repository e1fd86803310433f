//! What the launcher (`exec`) needs from a device: memory, copies, modules and launches.
//!
//! Two targets implement it: `driver::Driver`, a CUDA GPU through cudarc, and
//! `emulator::Emulator`, which builds the same CUDA C with the host's C++ compiler and runs
//! it on the CPU, so that the launcher and the rendered kernels are tested against the
//! interpreter on machines without a GPU.

/// A device address (a host address on the emulator).
pub type DevPtr = u64;

/// A module loaded on a target, by the index the target gave it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ModuleId(pub usize);

/// The two entry points of a rendered kernel's module.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    /// `arr_kernel(args)`.
    Kernel,
    /// `arr_combine(args, blocks)`.
    Combine { blocks: i64 },
}

/// A device, seen from the launcher. Every call is ordered after the ones before it (one
/// stream); errors are one-line messages.
pub trait Target: Send {
    /// The device's name, for reports.
    fn name(&self) -> String;

    /// Threads per block of most launches (a power of two from 32 to 1024): `render::BLOCK`
    /// unless a target says otherwise. Kernels are correct for any such size; the bits of a
    /// float reduction depend on it, so a target keeps one.
    fn block(&self) -> u32 {
        super::render::BLOCK
    }

    /// Compiles `source` (a whole translation unit: prelude and kernel) and loads it.
    fn load(&mut self, source: &str) -> Result<ModuleId, String>;

    /// `bytes` (at least 1) of device memory, 256-byte aligned.
    fn alloc(&mut self, bytes: usize) -> Result<DevPtr, String>;

    /// Gives back memory from `alloc`.
    fn free(&mut self, ptr: DevPtr);

    /// Copies `src` to the device at `dst`.
    fn upload(&mut self, dst: DevPtr, src: &[u8]) -> Result<(), String>;

    /// Copies `dst.len()` bytes from the device at `src`; returns when they are there.
    fn download(&mut self, src: DevPtr, dst: &mut [u8]) -> Result<(), String>;

    /// Launches `entry` of `module` on `grid` blocks of `block` threads, with the entry's
    /// `ArrArgs` struct as 8-byte words (its fields are all 8 bytes or multiples of 8, so
    /// the words are its layout: `render::Args::words`, `library`'s `*_args`).
    fn launch(
        &mut self,
        module: ModuleId,
        entry: Entry,
        grid: u32,
        block: u32,
        args: &[u64],
    ) -> Result<(), String>;

    /// Waits for everything launched so far.
    fn synchronize(&mut self) -> Result<(), String>;

    /// Records a point in the stream; `elapsed` measures the device time between two.
    fn record(&mut self) -> Result<usize, String>;

    /// Seconds of device time between two recorded points (waits for the second).
    fn elapsed(&mut self, from: usize, to: usize) -> Result<f64, String>;

    /// Forgets recorded points, to bound their number.
    fn clear_records(&mut self);

    /// A product of matrices on the device, if the target has a library for it: `None` means
    /// "not here" (the launcher then runs it on the host).
    fn matmul(&mut self, _call: &MatmulCall) -> Option<Result<(), String>> {
        None
    }

    /// Whether `fft` can run here (a library for it is installed).
    fn has_fft(&mut self) -> bool {
        false
    }

    /// A batch of FFTs on the device, if the target has a library for them (see `matmul`).
    fn fft(&mut self, _call: &FftCall) -> Option<Result<(), String>> {
        None
    }
}

/// Which transform `Target::fft` computes, along the last axis, unnormalised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FftKind {
    /// Complex to complex, forward (e^-2πi…) or inverse (e^+2πi…, not divided by n).
    Complex { inverse: bool },
    /// `n` reals to `n/2 + 1` complex values.
    RealToComplex,
}

/// `batch` transforms of length `n`, stored one after the other, from `input` to `output`
/// (which may be the same buffer for complex transforms).
#[derive(Clone, Debug)]
pub struct FftCall {
    pub kind: FftKind,
    /// Double precision (else single).
    pub double: bool,
    pub n: usize,
    pub batch: usize,
    pub input: DevPtr,
    pub output: DevPtr,
    /// Complex values from the start of one transform's output to the next: `n`, or for
    /// `RealToComplex` `n/2 + 1` (packed) or `n` (room left for the mirrored upper half).
    pub out_dist: usize,
}

/// One (batched) matrix product for `Target::matmul`: `c[b] = a[b] @ b[b]` over `batch`
/// matrices stored one after the other, row-major, `a` being `m×k` (or its transpose, read
/// through strides, when `a_t`), `b` `k×n` (or transposed), `c` `m×n`.
#[derive(Clone, Debug)]
pub struct MatmulCall {
    pub dtype: arrjit_runtime::DType,
    pub batch: usize,
    pub m: usize,
    pub n: usize,
    pub k: usize,
    pub a: DevPtr,
    pub a_t: bool,
    /// Elements between consecutive matrices of `a` (0: one matrix, broadcast).
    pub a_stride: usize,
    pub b: DevPtr,
    pub b_t: bool,
    pub b_stride: usize,
    pub c: DevPtr,
}

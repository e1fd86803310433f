//! A `Target` on a CUDA GPU, through cudarc's driver API: PTX from NVRTC (compiled for the
//! device's own architecture, through the PTX caches), one stream, raw device memory, and
//! cuBLAS for matrix products and cuFFT for FFTs where those libraries are installed.
//!
//! A kernel's arguments go by value (`ArrArgs`), so a launch is one `cuLaunchKernel` with
//! nothing copied first.

use super::nvrtc;
use super::target::{DevPtr, Entry, FftCall, FftKind, MatmulCall, ModuleId, Target};
use arrjit_runtime::DType;
use cudarc::driver::{CudaContext, result, sys};
use std::collections::HashMap;
use std::ffi::{CString, c_void};
use std::sync::Arc;

pub struct Driver {
    ctx: Arc<CudaContext>,
    stream: sys::CUstream,
    /// NVRTC's `--gpu-architecture`: the device's `compute_XY`.
    arch: &'static str,
    name: String,
    /// Loaded modules: `arr_kernel`, and `arr_combine` where the module has it.
    modules: Vec<(sys::CUfunction, Option<sys::CUfunction>)>,
    /// Timing events, made once and reused: `record` hands out `events[recorded]`.
    events: Vec<sys::CUevent>,
    recorded: usize,
    /// A cuBLAS handle on `stream`, made on first use (`None` inside: no cuBLAS here).
    blas: Option<Option<cudarc::cublas::sys::cublasHandle_t>>,
    /// Whether cuFFT can be loaded (probed on first use).
    cufft: Option<bool>,
    /// cuFFT plans on `stream`, by transform, precision, length, batch and output distance.
    plans: HashMap<(FftKind, bool, usize, usize, usize), cudarc::cufft::sys::cufftHandle>,
}

// SAFETY: the handles (stream, functions, events, cuBLAS) belong to the context, which any
// thread may use once it is current: every method makes it current first (`bind`). A `Driver`
// is used by one thread at a time (`&mut self`, behind a mutex where it is shared).
unsafe impl Send for Driver {}

/// A driver error as one line.
fn err(what: &str, e: impl std::fmt::Debug) -> String {
    format!("CUDA: {what}: {e:?}")
}

impl Driver {
    /// Opens device 0, or says in one line why there is none (`device::probe`).
    pub fn new() -> Result<Driver, String> {
        let device = super::device::probe()?;
        let ctx = CudaContext::new(0).map_err(|e| err("cannot open device 0", e))?;
        let stream = result::stream::create(result::stream::StreamKind::NonBlocking)
            .map_err(|e| err("cannot create a stream", e))?;
        let (major, minor) = device.capability;
        // One string per process and device kind; leaked to give NVRTC a `'static` option.
        let arch: &'static str = Box::leak(format!("compute_{major}{minor}").into_boxed_str());
        Ok(Driver {
            ctx,
            stream,
            arch,
            name: format!("{} (sm_{major}{minor})", device.name),
            modules: Vec::new(),
            events: Vec::new(),
            recorded: 0,
            blas: None,
            cufft: None,
            plans: HashMap::new(),
        })
    }

    fn bind(&self) -> Result<(), String> {
        self.ctx
            .bind_to_thread()
            .map_err(|e| err("cannot make the context current", e))
    }

    fn blas(&mut self) -> Option<cudarc::cublas::sys::cublasHandle_t> {
        if self.blas.is_none() {
            // SAFETY: only tries to dlopen cuBLAS by its sonames.
            let present = unsafe { cudarc::cublas::sys::is_culib_present() };
            let handle = present
                .then(|| cudarc::cublas::result::create_handle().ok())
                .flatten();
            if let Some(h) = handle {
                // SAFETY: `h` was just created and `stream` lives as long as `self`.
                let set = unsafe { cudarc::cublas::result::set_stream(h, self.stream as _) };
                if set.is_err() {
                    self.blas = Some(None);
                    return None;
                }
            }
            self.blas = Some(handle);
        }
        self.blas.flatten()
    }
}

impl Target for Driver {
    fn has_fft(&mut self) -> bool {
        // SAFETY: only tries to dlopen cuFFT by its sonames.
        *self
            .cufft
            .get_or_insert_with(|| unsafe { cudarc::cufft::sys::is_culib_present() })
    }

    fn fft(&mut self, call: &FftCall) -> Option<Result<(), String>> {
        use cudarc::cufft::result as fft;
        if !self.has_fft() || call.n == 0 || call.batch == 0 || self.bind().is_err() {
            return None;
        }
        let plan = match self.plan(call) {
            Ok(p) => p,
            Err(e) => return Some(Err(e)),
        };
        let (i, o) = (call.input, call.output);
        // SAFETY: the plan matches the call's shape; `input` and `output` are device buffers
        // of `batch` transforms each (as the schedule sizes them), on our stream.
        let done = unsafe {
            match (call.kind, call.double) {
                (FftKind::Complex { inverse }, true) => {
                    fft::exec_z2z(plan, i as _, o as _, if inverse { 1 } else { -1 })
                }
                (FftKind::Complex { inverse }, false) => {
                    fft::exec_c2c(plan, i as _, o as _, if inverse { 1 } else { -1 })
                }
                (FftKind::RealToComplex, true) => fft::exec_d2z(plan, i as _, o as _),
                (FftKind::RealToComplex, false) => fft::exec_r2c(plan, i as _, o as _),
            }
        };
        Some(done.map_err(|e| err("cuFFT transform failed", e)))
    }

    fn name(&self) -> String {
        self.name.clone()
    }

    fn load(&mut self, source: &str) -> Result<ModuleId, String> {
        self.bind()?;
        let ptx = nvrtc::compile_cached(source, self.arch)?;
        let image = CString::new(ptx.as_str()).map_err(|e| err("PTX", e))?;
        // SAFETY: `image` is NUL-terminated PTX text; the driver copies what it needs.
        let module = unsafe { result::module::load_data(image.as_ptr() as *const c_void) }
            .map_err(|e| err("cannot load a module", e))?;
        let get = |name: &str| {
            // SAFETY: `module` was just loaded and is never unloaded.
            unsafe { result::module::get_function(module, CString::new(name).expect("no NUL")) }
        };
        let kernel = get("arr_kernel").map_err(|e| err("no arr_kernel in the module", e))?;
        let combine = if source.contains("void arr_combine(") {
            Some(get("arr_combine").map_err(|e| err("no arr_combine in the module", e))?)
        } else {
            None
        };
        self.modules.push((kernel, combine));
        Ok(ModuleId(self.modules.len() - 1))
    }

    fn alloc(&mut self, bytes: usize) -> Result<DevPtr, String> {
        self.bind()?;
        // SAFETY: plain allocation; freed through `free`.
        unsafe { result::malloc_sync(bytes.max(1)) }.map_err(|e| {
            format!(
                "CUDA: cannot allocate {} on the device ({e:?})",
                crate::text::human_bytes(bytes as u128)
            )
        })
    }

    fn free(&mut self, ptr: DevPtr) {
        if self.bind().is_ok() {
            // Kernels still running may use the memory: wait for them first.
            // SAFETY: the stream is ours; `ptr` came from `alloc` and is freed once.
            unsafe {
                let _ = result::stream::synchronize(self.stream);
                let _ = result::free_sync(ptr);
            }
        }
    }

    fn upload(&mut self, dst: DevPtr, src: &[u8]) -> Result<(), String> {
        self.bind()?;
        // SAFETY: `dst` has at least `src.len()` bytes (the launcher allocates by the buffer's
        // size); from pageable memory the call returns once `src` has been staged.
        unsafe { result::memcpy_htod_async(dst, src, self.stream) }
            .map_err(|e| err("copy to the device", e))
    }

    fn download(&mut self, src: DevPtr, dst: &mut [u8]) -> Result<(), String> {
        self.bind()?;
        // SAFETY: `src` has at least `dst.len()` bytes; the stream is synchronised before
        // `dst` is used.
        unsafe {
            result::memcpy_dtoh_async(dst, src, self.stream)
                .map_err(|e| err("copy from the device", e))?;
            result::stream::synchronize(self.stream).map_err(|e| err("synchronize", e))
        }
    }

    fn launch(
        &mut self,
        module: ModuleId,
        entry: Entry,
        grid: u32,
        block: u32,
        args: &[u64],
    ) -> Result<(), String> {
        self.bind()?;
        let (kernel, combine) = self.modules[module.0];
        // The driver only reads through these pointers (it copies the values at the call).
        let struct_ptr = args.as_ptr() as *mut c_void;
        let (f, mut blocks) = match entry {
            Entry::Kernel => (kernel, 0i64),
            Entry::Combine { blocks } => (
                combine.ok_or("CUDA: the module has no arr_combine")?,
                blocks,
            ),
        };
        let mut params = vec![struct_ptr];
        if let Entry::Combine { .. } = entry {
            params.push(&mut blocks as *mut i64 as *mut c_void);
        }
        // SAFETY: the parameters match the kernel's signature (`ArrArgs` by value, then an
        // `i64` for `arr_combine`); the driver copies them at the call. The buffers they point
        // to were allocated on this device for the verified schedule.
        unsafe {
            result::launch_kernel(f, (grid, 1, 1), (block, 1, 1), 0, self.stream, &mut params)
        }
        .map_err(|e| err("kernel launch failed", e))
    }

    fn synchronize(&mut self) -> Result<(), String> {
        self.bind()?;
        // SAFETY: our stream.
        unsafe { result::stream::synchronize(self.stream) }.map_err(|e| err("synchronize", e))
    }

    fn record(&mut self) -> Result<usize, String> {
        self.bind()?;
        if self.recorded == self.events.len() {
            let event = result::event::create(sys::CUevent_flags::CU_EVENT_DEFAULT)
                .map_err(|e| err("event", e))?;
            self.events.push(event);
        }
        let at = self.recorded;
        // SAFETY: an event of ours, not waited on by anything pending (`clear_records` ran
        // after the last wait on it); recording it again moves it to this point.
        unsafe { result::event::record(self.events[at], self.stream) }
            .map_err(|e| err("event", e))?;
        self.recorded += 1;
        Ok(at)
    }

    fn elapsed(&mut self, from: usize, to: usize) -> Result<f64, String> {
        let (a, b) = (self.events[from], self.events[to]);
        // SAFETY: both events were recorded on our stream and are not destroyed yet.
        unsafe {
            result::event::synchronize(b).map_err(|e| err("event", e))?;
            result::event::elapsed(a, b)
                .map(|ms| ms as f64 * 1e-3)
                .map_err(|e| err("event", e))
        }
    }

    fn clear_records(&mut self) {
        // The events stay, for the next records; a recorded one is only reused after the
        // stream has passed it (the caller waited for it in `elapsed`, or re-records it).
        self.recorded = 0;
    }

    fn matmul(&mut self, call: &MatmulCall) -> Option<Result<(), String>> {
        use cudarc::cublas::sys::{self as blas, cublasOperation_t as Op};
        if !matches!(call.dtype, DType::F32 | DType::F64) {
            return None;
        }
        if self.bind().is_err() {
            return None;
        }
        let handle = self.blas()?;
        if call.m == 0 || call.n == 0 || call.k == 0 || call.batch == 0 {
            // Empty products (zeros, or nothing) are left to the host.
            return None;
        }
        let int = |x: usize| i32::try_from(x).ok();
        let (Some(m), Some(n), Some(k), Some(batch)) =
            (int(call.m), int(call.n), int(call.k), int(call.batch))
        else {
            return None;
        };
        // Row-major C = A B is column-major Cᵀ = Bᵀ Aᵀ: cuBLAS gets B first. A row-major r×c
        // matrix is a column-major c×r one with leading dimension c.
        let (op_b, ldb) = if call.b_t {
            (Op::CUBLAS_OP_T, k)
        } else {
            (Op::CUBLAS_OP_N, n)
        };
        let (op_a, lda) = if call.a_t {
            (Op::CUBLAS_OP_T, m)
        } else {
            (Op::CUBLAS_OP_N, k)
        };
        let (sa, sb, sc) = (
            call.a_stride as i64,
            call.b_stride as i64,
            (call.m * call.n) as i64,
        );
        // One call, in the precision of `$t`.
        macro_rules! gemm {
            ($f:ident, $t:ty) => {
                blas::$f(
                    handle,
                    op_b,
                    op_a,
                    n,
                    m,
                    k,
                    &1.0,
                    call.b as *const $t,
                    ldb,
                    sb,
                    call.a as *const $t,
                    lda,
                    sa,
                    &0.0,
                    call.c as *mut $t,
                    n,
                    sc,
                    batch,
                )
            };
        }
        // SAFETY: the pointers are device buffers of the sizes the schedule gives the operands
        // (`batch` matrices, or one when the stride is 0); the handle is on our stream.
        let status = unsafe {
            match call.dtype {
                DType::F64 => gemm!(cublasDgemmStridedBatched, f64),
                _ => gemm!(cublasSgemmStridedBatched, f32),
            }
        };
        Some(
            status
                .result()
                .map_err(|e| err("cuBLAS matrix product failed", e)),
        )
    }
}

impl Driver {
    /// The cuFFT plan of `call`'s shape, made on first use.
    fn plan(&mut self, call: &FftCall) -> Result<cudarc::cufft::sys::cufftHandle, String> {
        use cudarc::cufft::sys::cufftType as T;
        let key = (call.kind, call.double, call.n, call.batch, call.out_dist);
        if let Some(&p) = self.plans.get(&key) {
            return Ok(p);
        }
        let kind = match (call.kind, call.double) {
            (FftKind::Complex { .. }, true) => T::CUFFT_Z2Z,
            (FftKind::Complex { .. }, false) => T::CUFFT_C2C,
            (FftKind::RealToComplex, true) => T::CUFFT_D2Z,
            (FftKind::RealToComplex, false) => T::CUFFT_R2C,
        };
        let int = |x: usize| i32::try_from(x).map_err(|_| format!("cuFFT: {x} is too large"));
        let (mut n, mut embed) = ([int(call.n)?], [int(call.n)?]);
        // SAFETY: a rank-1 layout: `n` and the embeddings are one element each (cuFFT reads
        // only the distances of a rank-1 embedding); input `n` apart, output `out_dist`.
        let plan = unsafe {
            cudarc::cufft::result::plan_many(
                1,
                n.as_mut_ptr(),
                embed.as_mut_ptr(),
                1,
                int(call.n)?,
                embed.as_mut_ptr(),
                1,
                int(call.out_dist)?,
                kind,
                int(call.batch)?,
            )
        }
        .map_err(|e| err("cuFFT plan", e))?;
        // SAFETY: a fresh plan, bound to our stream (which outlives it).
        unsafe { cudarc::cufft::result::set_stream(plan, self.stream as _) }
            .map_err(|e| err("cuFFT stream", e))?;
        self.plans.insert(key, plan);
        Ok(plan)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if self.bind().is_ok() {
            for e in self.events.drain(..) {
                // SAFETY: each event is destroyed once, after the work recorded on it.
                unsafe {
                    let _ = result::event::synchronize(e);
                    let _ = result::event::destroy(e);
                }
            }
        }
        for (_, plan) in self.plans.drain() {
            // SAFETY: each plan was made by us and is destroyed once.
            let _ = unsafe { cudarc::cufft::result::destroy(plan) };
        }
        if let Some(Some(h)) = self.blas {
            // SAFETY: created by us, destroyed once.
            let _ = unsafe { cudarc::cublas::result::destroy_handle(h) };
        }
        if self.bind().is_ok() {
            // SAFETY: our stream, destroyed once after its work is done.
            unsafe {
                let _ = result::stream::synchronize(self.stream);
                let _ = result::stream::destroy(self.stream);
            }
        }
    }
}

//! Running schedules on a `Target`: device buffers, launches, and the steps that go back to
//! the host.
//!
//! Arrays stay on the device from step to step: a schedule's inputs are copied there once
//! (the current graph's sources are kept there until the graph is replaced), its
//! intermediates never leave it, and only its outputs are copied back. Matrix products and
//! FFTs go to the target's libraries (cuBLAS, cuFFT) where it has them, scans and sorts to
//! `library`'s kernels. A step the device cannot run yet (a kernel that is not rendered, such
//! as one with a complex division, or a library call without a device implementation, such as
//! `irfft`) runs on the host: its inputs are copied back, the reference evaluator or the
//! runtime computes it, and the result goes to the device again; `GpuStats::host_steps`
//! counts them.
//!
//! Launch shapes depend only on the kernel's sizes (`launch_shape`), never on the device, so
//! reductions give the same bits on every run.

use super::library;
use super::render::{self, Args, MAX_REDUCE_BLOCKS};
use super::target::{DevPtr, Entry, FftCall, FftKind, MatmulCall, ModuleId, Target};
use crate::ir::{Graph, NodeId, Op};
use crate::kernel::{
    BufId, BufKind, Kernel, LibraryCall, Over, Phase, Schedule, Step, VerifiedSchedule,
    eval_kernel, run_time_sizes,
};
use arrjit_runtime::{Array, Data, with_data};
use std::collections::HashMap;
use std::time::Instant;

/// Time and traffic so far, for `arr bench --device cuda`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GpuStats {
    /// The device's name (`Target::name`).
    pub device: String,
    /// Device time of the steps (CUDA events around each run's steps).
    pub kernel_s: f64,
    pub h2d_s: f64,
    pub d2h_s: f64,
    pub h2d_bytes: u64,
    pub d2h_bytes: u64,
    pub launches: u64,
    /// Steps run on the host (see the module comment).
    pub host_steps: u64,
    /// Rendering and compiling kernels.
    pub compile_s: f64,
    pub modules: u64,
}

/// What a run does with its outputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outputs {
    /// Copies them to the host.
    Download,
    /// Copies them to the host and keeps them on the device (`Gpu::kept`).
    Keep,
    /// Leaves them (computed, then dropped).
    Drop,
}

/// The statistics as `arr run --stats` prints them on a GPU.
pub fn format_stats(s: &GpuStats) -> String {
    use crate::text::human_time;
    let mb = |b: u64| b as f64 / 1e6;
    format!(
        "device           {}\n\
         device kernels   {} in {} launches ({} steps on the host)\n\
         to the device    {} ({:.3} MB)\n\
         from the device  {} ({:.3} MB)\n\
         compiling        {} ({} modules)\n",
        s.device,
        human_time(s.kernel_s),
        s.launches,
        s.host_steps,
        human_time(s.h2d_s),
        mb(s.h2d_bytes),
        human_time(s.d2h_s),
        mb(s.d2h_bytes),
        human_time(s.compile_s),
        s.modules
    )
}

/// A buffer on the device.
#[derive(Clone, Copy, Debug)]
struct DevBuf {
    ptr: DevPtr,
    /// The pool's size class it came from.
    class: usize,
}

/// A device, its compiled modules, its memory pool and the current graph's sources.
pub struct Gpu {
    target: Box<dyn Target>,
    /// Loaded modules by the hash of their source.
    modules: HashMap<u128, ModuleId>,
    /// Library kernels' modules (`library_module`), by kind, dtype and variant.
    library_modules: HashMap<(&'static str, arrjit_runtime::DType, bool), ModuleId>,
    /// Free buffers by size class.
    pool: HashMap<usize, Vec<DevPtr>>,
    /// The partial results of a reduction's blocks, and the phase values.
    scratch: Option<(DevBuf, DevBuf)>,
    /// Device copies of the current graph's sources, by source index.
    sources: HashMap<u32, DevBuf>,
    /// Device copies of values `run_keeping` computed for the current graph, by node.
    kept: HashMap<NodeId, DevBuf>,
    /// Kept values that become sources of the next graph (`carry`), by source index.
    carried: HashMap<u32, DevBuf>,
    stats: GpuStats,
    /// Recorded (start, end) points of runs whose device time is not yet in `stats`: a run
    /// that leaves its outputs on the device does not wait for them (`finish` does).
    pending: Vec<(usize, usize)>,
    /// Whether runs record CUDA events around their work, for `stats.kernel_s`.
    kernel_timing: bool,
}

/// The most runs whose device time may wait to be read (`Gpu::pending`).
const MAX_PENDING: usize = 1024;

/// How one step of a prepared schedule runs.
enum GpuStep {
    Launch(Box<Launch>),
    /// On the host, with the reference evaluator.
    HostKernel,
    Library,
}

/// A kernel with its module and its run-time arguments.
struct Launch {
    module: ModuleId,
    kernel: Kernel,
    bufs: Vec<BufId>,
    sizes: Vec<i64>,
    params: Vec<[u8; 16]>,
}

/// A schedule with its kernels compiled for a `Gpu`.
pub struct GpuPlan {
    schedule: VerifiedSchedule,
    steps: Vec<GpuStep>,
    free_after: Vec<Vec<BufId>>,
}

impl GpuPlan {}

/// Size classes: powers of two from 256 bytes, so freed buffers are found again.
fn class_of(bytes: usize) -> usize {
    bytes.max(256).next_power_of_two()
}

/// The bytes of an array's elements.
fn bytes_of(a: &Array) -> &[u8] {
    with_data!(a.data(), v => {
        // SAFETY: the elements are plain numbers (no padding, any bit pattern is a valid u8).
        unsafe { std::slice::from_raw_parts(v.as_ptr() as *const u8, std::mem::size_of_val(&v[..])) }
    })
}

/// The bytes of an array's elements, for writing.
fn bytes_of_mut(a: &mut Array) -> &mut [u8] {
    let data: &mut Data = a.data_mut();
    with_data!(data, v => {
        // SAFETY: as in `bytes_of`; every bit pattern written is one of the dtype's values,
        // since the device wrote elements of the same dtype.
        unsafe {
            std::slice::from_raw_parts_mut(v.as_mut_ptr() as *mut u8, std::mem::size_of_val(&v[..]))
        }
    })
}

/// Grid and block sizes for a launch of `k` (phase `p` for kernels with phases) with `block`
/// threads per block at most: a function of the sizes alone.
fn launch_shape(k: &Kernel, phase: Option<usize>, block: u32) -> (u32, u32) {
    let count = |axes: &mut dyn Iterator<Item = usize>| axes.map(|a| k.space[a]).product::<usize>();
    let blocks_for =
        |points: usize, cap: u32| (points.div_ceil(block as usize).max(1)).min(cap as usize) as u32;
    if k.inner.is_empty() {
        // A chunk of `render::UNROLL` points per thread: one chunk per block up to a billion
        // points, then grid-stride.
        let points = count(&mut (0..k.space.len()));
        return (blocks_for(points.div_ceil(render::UNROLL), 1 << 20), block);
    }
    if !render::has_phases(k) {
        let outer = count(&mut (0..k.space.len()).filter(|a| !k.inner.contains(a)));
        let inner = count(&mut k.inner.iter().copied());
        // Threads per outer point: enough for the inner points, a whole warp at least.
        let threads = inner.next_power_of_two().clamp(32, block as usize) as u32;
        return (outer.clamp(1, 1 << 16) as u32, threads);
    }
    let points = count(&mut k.inner.iter().copied());
    match phase.map(|p| &k.phases[p]) {
        // At least four points per thread before the blocks' partials are combined.
        Some(Phase::Reduce { .. }) => (blocks_for(points.div_ceil(4), MAX_REDUCE_BLOCKS), block),
        Some(Phase::Store {
            over: Over::Outer, ..
        }) => (1, 32),
        _ => (blocks_for(points, 1 << 16), block),
    }
}

impl Gpu {
    pub fn new(target: Box<dyn Target>) -> Gpu {
        let device = target.name();
        Gpu {
            target,
            modules: HashMap::new(),
            library_modules: HashMap::new(),
            pool: HashMap::new(),
            scratch: None,
            sources: HashMap::new(),
            kept: HashMap::new(),
            carried: HashMap::new(),
            stats: GpuStats {
                device,
                ..GpuStats::default()
            },
            pending: Vec::new(),
            kernel_timing: true,
        }
    }

    /// Whether runs measure the device time of their work (on by default): each run then
    /// records two CUDA events, which `arr bench` leaves out of the runs it times.
    pub fn set_kernel_timing(&mut self, on: bool) {
        self.kernel_timing = on;
    }

    pub fn stats(&self) -> GpuStats {
        self.stats.clone()
    }

    fn alloc(&mut self, bytes: usize) -> Result<DevBuf, String> {
        let class = class_of(bytes);
        if let Some(ptr) = self.pool.get_mut(&class).and_then(Vec::pop) {
            return Ok(DevBuf { ptr, class });
        }
        let ptr = match self.target.alloc(class) {
            Ok(p) => p,
            Err(_) => {
                // Give the pooled memory back and try once more.
                for (_, ptrs) in self.pool.drain() {
                    for p in ptrs {
                        self.target.free(p);
                    }
                }
                self.target.alloc(class)?
            }
        };
        Ok(DevBuf { ptr, class })
    }

    fn recycle(&mut self, b: DevBuf) {
        self.pool.entry(b.class).or_default().push(b.ptr);
    }

    /// `a` copied to a new device buffer.
    fn upload(&mut self, a: &Array) -> Result<DevBuf, String> {
        let buf = self.alloc(bytes_of(a).len())?;
        self.upload_into(buf, a)?;
        Ok(buf)
    }

    /// `a` copied to device buffer `buf` (as large as `a`'s elements at least).
    fn upload_into(&mut self, buf: DevBuf, a: &Array) -> Result<(), String> {
        let bytes = bytes_of(a);
        let t = Instant::now();
        self.target.upload(buf.ptr, bytes)?;
        self.stats.h2d_s += t.elapsed().as_secs_f64();
        self.stats.h2d_bytes += bytes.len() as u64;
        Ok(())
    }

    fn download(
        &mut self,
        b: DevBuf,
        dtype: arrjit_runtime::DType,
        shape: &[usize],
    ) -> Result<Array, String> {
        let mut a = arrjit_runtime::output_array(dtype, shape.to_vec());
        // Count only the copy: wait for the kernels before starting the clock.
        self.target.synchronize()?;
        let t = Instant::now();
        let bytes = bytes_of_mut(&mut a);
        self.target.download(b.ptr, bytes)?;
        self.stats.d2h_s += t.elapsed().as_secs_f64();
        self.stats.d2h_bytes += bytes.len() as u64;
        Ok(a)
    }

    /// Forgets the device copies of the current graph's sources and values (the graph is
    /// replaced); values passed to `carry` become the new graph's sources.
    pub fn new_graph(&mut self) {
        self.forget_kept();
        let old: Vec<DevBuf> = self.sources.drain().map(|(_, b)| b).collect();
        for b in old {
            self.recycle(b);
        }
        self.sources = std::mem::take(&mut self.carried);
    }

    /// Forgets the values kept on the device (their memory goes back to the pool).
    pub fn forget_kept(&mut self) {
        let old: Vec<DevBuf> = self.kept.drain().map(|(_, b)| b).collect();
        for b in old {
            self.recycle(b);
        }
    }

    /// Keeps the device copy of node `old`'s value, if there is one, as source `source` of
    /// the next graph (a script's loop replaces its graph after each turn, with its live
    /// arrays as sources): the next graph then reads it without copying it to the device.
    /// `old_source`: `old` is itself source `old_source` of the current graph.
    pub fn carry(&mut self, old: NodeId, old_source: Option<u32>, source: u32) {
        let b = match old_source {
            Some(i) => self.sources.remove(&i),
            None => self.kept.remove(&old),
        };
        if let Some(b) = b {
            self.carried.insert(source, b);
        }
    }

    /// The module of `k`, compiled on first use; `None`: `k` is not rendered yet (it runs on
    /// the host).
    fn module(&mut self, k: &Kernel) -> Result<Option<ModuleId>, String> {
        match render::render_source(k) {
            Ok(source) => self.load(&source).map(Some),
            Err(_) => Ok(None),
        }
    }

    /// The module of a library kernel, `key` naming it (kind, dtype, variant) and `source`
    /// making its text. The text is made and hashed on first use only, not on every call.
    /// `None` where `source` gives none (the device has no such kernel).
    fn library_module(
        &mut self,
        key: (&'static str, arrjit_runtime::DType, bool),
        source: impl FnOnce() -> Option<String>,
    ) -> Option<Result<ModuleId, String>> {
        if let Some(&m) = self.library_modules.get(&key) {
            return Some(Ok(m));
        }
        let loaded = self.load(&source()?);
        if let Ok(m) = loaded {
            self.library_modules.insert(key, m);
        }
        Some(loaded)
    }

    /// The module of `source`, compiled and loaded on first use.
    fn load(&mut self, source: &str) -> Result<ModuleId, String> {
        let key = xxhash_rust::xxh3::xxh3_128(source.as_bytes());
        if let Some(&m) = self.modules.get(&key) {
            return Ok(m);
        }
        let t = Instant::now();
        let m = self.target.load(source)?;
        self.stats.compile_s += t.elapsed().as_secs_f64();
        self.stats.modules += 1;
        self.modules.insert(key, m);
        Ok(m)
    }

    /// An FFT (or real FFT) along the last axis on the device, where the target has a library
    /// for it: real input to a complex transform is widened first, and an inverse transform
    /// is divided by n after.
    fn fft_on_device(
        &mut self,
        call: &LibraryCall,
        schedule: &Schedule,
        bufs: &[Option<DevBuf>],
        out: DevBuf,
    ) -> Option<Result<(), String>> {
        let input = &schedule.buffers[call.inputs[0].0 as usize];
        let shape = &input.shape;
        if !call.views[0].is_plain(shape) || shape.is_empty() || !self.target.has_fft() {
            return None;
        }
        let n = *shape.last()?;
        let total: usize = shape.iter().product();
        if n == 0 || total == 0 {
            return None;
        }
        let x = bufs[call.inputs[0].0 as usize]?.ptr;
        let part = input.dtype.real();
        let double = part == arrjit_runtime::DType::F64;
        let (kind, inverse) = match call.op {
            Op::Fft { inverse } => (FftKind::Complex { inverse }, inverse),
            _ if input.dtype.is_complex() => return None,
            _ => (FftKind::RealToComplex, false),
        };
        let batch = total / n;
        // A forward transform of reals: the half cuFFT computes (R2C), each transform's
        // output `n` apart, and the upper half mirrored from it (`fft.cuh` stage 2).
        let (kind, mirror) = match kind {
            FftKind::Complex { inverse: false } if !input.dtype.is_complex() => {
                (FftKind::RealToComplex, true)
            }
            other => (other, false),
        };
        let run = |gpu: &mut Gpu| -> Result<(), String> {
            let widen = matches!(kind, FftKind::Complex { .. }) && !input.dtype.is_complex();
            let block = gpu.target.block();
            let grid_for = |count: usize| count.div_ceil(block as usize).clamp(1, 1 << 16) as u32;
            let helpers = if widen || inverse || mirror {
                let source = || Some(library::fft_source(part));
                let module = gpu.library_module(("fft", part, false), source);
                Some(module.expect("FFT steps for every part")?)
            } else {
                None
            };
            let step = |gpu: &mut Gpu, m: ModuleId, args: Vec<u64>, count: usize| {
                gpu.stats.launches += 1;
                gpu.target
                    .launch(m, Entry::Kernel, grid_for(count), block, &args)
            };
            if widen && let Some(m) = helpers {
                let args = library::fft_args(x, out.ptr, total, n, 1.0, 0);
                step(gpu, m, args, total)?;
            }
            let fft = FftCall {
                kind,
                double,
                n,
                batch,
                input: if widen { out.ptr } else { x },
                output: out.ptr,
                out_dist: if kind == FftKind::RealToComplex && !mirror {
                    n / 2 + 1
                } else {
                    n
                },
            };
            gpu.stats.launches += 1;
            gpu.target
                .fft(&fft)
                .unwrap_or_else(|| Err("cuFFT is not available".into()))?;
            if inverse && let Some(m) = helpers {
                let args = library::fft_args(0, out.ptr, total, n, 1.0 / n as f64, 1);
                step(gpu, m, args, total)?;
            }
            let upper = batch * (n - n / 2 - 1);
            if mirror
                && upper > 0
                && let Some(m) = helpers
            {
                let args = library::fft_args(0, out.ptr, upper, n, 1.0, 2);
                step(gpu, m, args, upper)?;
            }
            Ok(())
        };
        Some(run(self))
    }

    /// A sort or argsort along the last axis on the device (`runtime/cuda/sort.cuh`), if it
    /// has one for the dtype.
    fn sort_on_device(
        &mut self,
        call: &LibraryCall,
        schedule: &Schedule,
        bufs: &[Option<DevBuf>],
        out: DevBuf,
        axis: usize,
        argsort: bool,
    ) -> Option<Result<(), String>> {
        let input = &schedule.buffers[call.inputs[0].0 as usize];
        let shape = &input.shape;
        if !call.views[0].is_plain(shape) || axis + 1 != shape.len() {
            return None;
        }
        let dtype = input.dtype;
        let total: usize = shape.iter().product();
        let wide = library::sort_wide(total);
        let module = match self
            .library_module(("sort", dtype, wide), || library::sort_source(dtype, wide))?
        {
            Ok(m) => m,
            Err(e) => return Some(Err(e)),
        };
        let x = bufs[call.inputs[0].0 as usize]?.ptr;
        if total == 0 {
            return Some(Ok(()));
        }
        let lane = shape[axis];
        Some(self.with_scratch(|gpu, scratch| {
            gpu.sort_stages(module, x, out.ptr, dtype, total, lane, argsort, scratch)
        }))
    }

    /// Runs `f`, which queues work using scratch buffers it allocates into the vector it is
    /// given; they go back to the pool afterwards (later work on the stream reuses them only
    /// once this work is done), whether `f` succeeded or not.
    fn with_scratch(
        &mut self,
        f: impl FnOnce(&mut Gpu, &mut Vec<DevBuf>) -> Result<(), String>,
    ) -> Result<(), String> {
        let mut scratch = Vec::new();
        let result = f(self, &mut scratch);
        for b in scratch {
            self.recycle(b);
        }
        result
    }

    /// The stages of `sort.cuh` over `total` elements in lanes of `lane`; the scratch
    /// buffers it allocates go to `scratch`.
    #[allow(clippy::too_many_arguments)]
    fn sort_stages(
        &mut self,
        module: ModuleId,
        x: DevPtr,
        y: DevPtr,
        dtype: arrjit_runtime::DType,
        total: usize,
        lane: usize,
        argsort: bool,
        scratch: &mut Vec<DevBuf>,
    ) -> Result<(), String> {
        use library::sort_stage;
        let block = library::SORT_THREADS;
        let key_passes = library::key_passes(dtype);
        let mut args = library::SortArgs {
            x,
            y,
            keys: [0; 2],
            index: [0; 2],
            control: 0,
            control_words: 0,
            total,
            lane,
            tiles: 0,
            stage: sort_stage::SHORT_LANES,
            pass: 0,
            key_passes,
            passes: key_passes,
            argsort,
        };
        if lane <= library::SORT_SHORT {
            // One block per lane, in shared memory: one launch.
            let grid = (total / lane).clamp(1, 1 << 16) as u32;
            self.target
                .launch(module, Entry::Kernel, grid, block, &args.words())?;
            self.stats.launches += 1;
            return Ok(());
        }
        let wide = library::sort_wide(total);
        let tiles = total.div_ceil(library::sort_tile(dtype, wide));
        let mut alloc = |gpu: &mut Gpu, bytes: usize| -> Result<DevPtr, String> {
            let b = gpu.alloc(bytes)?;
            scratch.push(b);
            Ok(b.ptr)
        };
        let key_bytes = library::key_bytes(dtype);
        let index_bytes = library::index_bytes(wide);
        for k in 0..2 {
            args.keys[k] = alloc(self, key_bytes * total)?;
            args.index[k] = alloc(self, index_bytes * total)?;
        }
        let control_words = library::sort_control_words(tiles);
        args.control = alloc(self, 8 * control_words)?;
        args.control_words = control_words - 256 * tiles;
        args.tiles = tiles;
        args.passes = key_passes + library::lane_passes(total / lane);
        let threads = block as usize;
        let grid_for =
            |threads_wanted: usize| threads_wanted.div_ceil(threads).clamp(1, 1 << 16) as u32;
        // The histograms: a few thousand blocks at most, each adding its counts once.
        let stages = [
            (sort_stage::CLEAR, 0, grid_for(args.control_words)),
            (
                sort_stage::HISTOGRAMS,
                0,
                grid_for(total.div_ceil(16)).min(2048),
            ),
        ];
        // The passes: blocks loop over tiles, so a few per multiprocessor are enough.
        let passes = (0..args.passes).map(|p| (sort_stage::PASS, p, tiles.clamp(1, 4096) as u32));
        for (stage, pass, grid) in stages.into_iter().chain(passes) {
            args.stage = stage;
            args.pass = pass;
            self.target
                .launch(module, Entry::Kernel, grid, block, &args.words())?;
            self.stats.launches += 1;
        }
        Ok(())
    }

    /// A running sum or product on the device (`runtime/cuda/scan.cuh`), if it has one for
    /// the dtype.
    fn scan_on_device(
        &mut self,
        call: &LibraryCall,
        schedule: &Schedule,
        bufs: &[Option<DevBuf>],
        out: DevBuf,
        axis: usize,
        product: bool,
    ) -> Option<Result<(), String>> {
        let input = &schedule.buffers[call.inputs[0].0 as usize];
        let output = &schedule.buffers[call.output.0 as usize];
        if !call.views[0].is_plain(&input.shape) || output.dtype != input.dtype {
            return None;
        }
        let dtype = input.dtype;
        let module = match self.library_module(("scan", dtype, product), || {
            library::scan_source(dtype, product)
        })? {
            Ok(m) => m,
            Err(e) => return Some(Err(e)),
        };
        let shape = &input.shape;
        let outer: usize = shape[..axis].iter().product();
        let inner: usize = shape[axis + 1..].iter().product();
        let x = bufs[call.inputs[0].0 as usize]?.ptr;
        let shape = [outer, shape[axis], inner];
        Some(self.with_scratch(|gpu, scratch| {
            gpu.scan_levels(module, x, out.ptr, dtype.itemsize(), shape, scratch)
        }))
    }

    /// The stages of `scan.cuh` scanning `x` (`outer` × `n` × `inner` elements of `item`
    /// bytes, along `n`) into `y`. Where lanes span several tiles, the tiles' totals go to a
    /// scratch buffer (kept in `scratch`) that is scanned in place the same way, then each
    /// tile is scanned on from the total before it.
    fn scan_levels(
        &mut self,
        module: ModuleId,
        x: DevPtr,
        y: DevPtr,
        item: usize,
        shape: [usize; 3],
        scratch: &mut Vec<DevBuf>,
    ) -> Result<(), String> {
        use library::scan_stage;
        let [outer, n, inner] = shape;
        let tiles = library::ScanTiles::new(outer, n, inner);
        if tiles.tiles() == 0 {
            return Ok(());
        }
        let mut totals = 0;
        let launch = |gpu: &mut Gpu, totals: DevPtr, stage: usize| {
            let args = library::scan_args(x, y, totals, shape, tiles.lanes, stage);
            let grid = tiles.tiles().min(1 << 16) as u32;
            gpu.stats.launches += 1;
            gpu.target
                .launch(module, Entry::Kernel, grid, library::SCAN_THREADS, &args)
        };
        if tiles.along > 1 {
            let b = self.alloc(item * tiles.tiles() * tiles.lanes)?;
            scratch.push(b);
            totals = b.ptr;
            launch(self, totals, scan_stage::REDUCE)?;
            let shape = [tiles.groups, tiles.along, tiles.lanes];
            self.scan_levels(module, totals, totals, item, shape, scratch)?;
        }
        launch(self, totals, scan_stage::DOWN)
    }

    /// Compiles the kernels of `schedule` (a verified one: kernels trust it to stay inside
    /// their buffers).
    pub fn prepare(&mut self, schedule: VerifiedSchedule) -> Result<GpuPlan, String> {
        let mut steps = Vec::with_capacity(schedule.steps.len());
        for step in &schedule.steps {
            steps.push(match step {
                Step::Kernel(k) => match self.module(k)? {
                    Some(module) => {
                        let params = k
                            .params
                            .iter()
                            .map(|(lit, d)| crate::backend::cpu::slot(*lit, *d))
                            .collect();
                        GpuStep::Launch(Box::new(Launch {
                            module,
                            kernel: k.clone(),
                            bufs: k.buffers(),
                            sizes: run_time_sizes(k),
                            params,
                        }))
                    }
                    None => GpuStep::HostKernel,
                },
                Step::Library(_) => GpuStep::Library,
            });
        }
        let free_after = crate::kernel::free_after(&schedule);
        Ok(GpuPlan {
            schedule,
            steps,
            free_after,
        })
    }

    /// The scratch buffers for `phases` phase values.
    fn scratch(&mut self, phases: usize) -> Result<(DevPtr, DevPtr), String> {
        if let Some((p, v)) = self.scratch
            && v.class >= 16 * phases
        {
            return Ok((p.ptr, v.ptr));
        }
        if let Some((p, v)) = self.scratch.take() {
            self.recycle(p);
            self.recycle(v);
        }
        let partials = self.alloc(16 * MAX_REDUCE_BLOCKS as usize)?;
        let values = self.alloc(16 * phases.max(16))?;
        self.scratch = Some((partials, values));
        Ok((partials.ptr, values.ptr))
    }

    fn launch(&mut self, l: &Launch, bufs: &[Option<DevBuf>]) -> Result<(), String> {
        let k = &l.kernel;
        let addrs: Vec<u64> = l
            .bufs
            .iter()
            .map(|b| bufs[b.0 as usize].expect("allocated or computed").ptr)
            .collect();
        let (partials, phase_vals) = if render::has_phases(k) {
            self.scratch(k.phases.len())?
        } else {
            (0, 0)
        };
        let args = |phase: usize| {
            Args {
                bufs: &addrs,
                partials,
                phase_vals,
                phase: phase as i64,
                sizes: &l.sizes,
                params: &l.params,
            }
            .words()
        };
        let threads = self.target.block();
        if !render::has_phases(k) {
            let (grid, block) = launch_shape(k, None, threads);
            self.stats.launches += 1;
            return self
                .target
                .launch(l.module, Entry::Kernel, grid, block, &args(0));
        }
        for (p, phase) in k.phases.iter().enumerate() {
            let (grid, block) = launch_shape(k, Some(p), threads);
            let bytes = args(p);
            self.target
                .launch(l.module, Entry::Kernel, grid, block, &bytes)?;
            self.stats.launches += 1;
            if let Phase::Reduce { .. } = phase {
                let entry = Entry::Combine {
                    blocks: grid as i64,
                };
                self.target.launch(l.module, entry, 1, threads, &bytes)?;
                self.stats.launches += 1;
            }
        }
        Ok(())
    }

    /// A matrix product on the device, if the target can (see `Target::matmul`).
    fn matmul_on_device(
        &mut self,
        call: &LibraryCall,
        schedule: &Schedule,
        bufs: &[Option<DevBuf>],
        out: DevBuf,
    ) -> Option<Result<(), String>> {
        let [va, vb] = &call.views[..] else {
            return None;
        };
        let logical = |v: &crate::kernel::View| {
            let mut s = v.shape.clone();
            let r = s.len();
            if v.transposed {
                s.swap(r - 2, r - 1);
            }
            s
        };
        let (sa, sb) = (logical(va), logical(vb));
        let (ra, rb) = (sa.len(), sb.len());
        let (m, k, n) = (sa[ra - 2], sa[ra - 1], sb[rb - 1]);
        let out_shape = &schedule.buffers[call.output.0 as usize].shape;
        let batch_dims = &out_shape[..out_shape.len() - 2];
        let batch: usize = batch_dims.iter().product();
        // Each operand is one matrix for every product, or one per product in order.
        let stride = |s: &[usize], size: usize| {
            let own = &s[..s.len() - 2];
            if own.iter().product::<usize>() == 1 {
                Some(0)
            } else if own.len() <= batch_dims.len()
                && batch_dims.ends_with(own)
                && own.iter().product::<usize>() == batch
            {
                Some(size)
            } else {
                None
            }
        };
        let (a_stride, b_stride) = (stride(&sa, m * k)?, stride(&sb, k * n)?);
        let ptr = |i: usize| bufs[call.inputs[i].0 as usize].map(|b| b.ptr);
        let mm = MatmulCall {
            dtype: schedule.buffers[call.output.0 as usize].dtype,
            batch,
            m,
            n,
            k,
            a: ptr(0)?,
            a_t: va.transposed,
            a_stride,
            b: ptr(1)?,
            b_t: vb.transposed,
            b_stride,
            c: out.ptr,
        };
        let done = self.target.matmul(&mm);
        self.stats.launches += done.is_some() as u64;
        done
    }

    /// `run`, keeping the outputs computed on the device for `carry`.
    pub fn run_keeping(
        &mut self,
        plan: &GpuPlan,
        graph: &Graph,
        params: &[&Array],
    ) -> Result<Vec<Array>, String> {
        self.run_with(plan, graph, params, Outputs::Keep)
    }

    /// Runs a prepared schedule; returns its outputs (copied to the host), in order.
    pub fn run(
        &mut self,
        plan: &GpuPlan,
        graph: &Graph,
        params: &[&Array],
    ) -> Result<Vec<Array>, String> {
        self.run_with(plan, graph, params, Outputs::Download)
    }

    /// Starts a prepared schedule, leaving its outputs on the device (where they are
    /// dropped), without waiting for it: a timed run of a `bench` block, the arrays computed
    /// without copying them back. `finish` waits.
    pub fn compute(
        &mut self,
        plan: &GpuPlan,
        graph: &Graph,
        params: &[&Array],
    ) -> Result<(), String> {
        self.run_with(plan, graph, params, Outputs::Drop)?;
        Ok(())
    }

    /// Waits for everything started so far, and adds its device time to the stats.
    pub fn finish(&mut self) -> Result<(), String> {
        self.target.synchronize()?;
        self.settle()
    }

    /// Adds the device time of the pending runs to the stats (waiting for each's end).
    fn settle(&mut self) -> Result<(), String> {
        for (start, end) in std::mem::take(&mut self.pending) {
            self.stats.kernel_s += self.target.elapsed(start, end)?;
        }
        self.target.clear_records();
        Ok(())
    }

    fn run_with(
        &mut self,
        plan: &GpuPlan,
        graph: &Graph,
        params: &[&Array],
        outputs: Outputs,
    ) -> Result<Vec<Array>, String> {
        let schedule = &plan.schedule;
        let mut bufs: Vec<Option<DevBuf>> = vec![None; schedule.buffers.len()];
        // Buffers this run allocated (freed at the end unless recycled earlier).
        let mut owned: Vec<bool> = vec![false; schedule.buffers.len()];
        let result = self.run_steps(plan, graph, params, &mut bufs, &mut owned, outputs);
        for (b, own) in bufs.iter().zip(&owned) {
            if let (Some(b), true) = (b, own) {
                self.recycle(*b);
            }
        }
        result
    }

    fn run_steps(
        &mut self,
        plan: &GpuPlan,
        graph: &Graph,
        params: &[&Array],
        bufs: &mut [Option<DevBuf>],
        owned: &mut [bool],
        outputs: Outputs,
    ) -> Result<Vec<Array>, String> {
        let schedule = &plan.schedule;
        for (i, b) in schedule.buffers.iter().enumerate() {
            let BufKind::Input(node) = b.kind else {
                continue;
            };
            bufs[i] = Some(match graph.node(node).op {
                Op::Source(s) => match self.sources.get(&s) {
                    Some(d) => *d,
                    None => {
                        let d = self.upload(graph.source(s))?;
                        self.sources.insert(s, d);
                        d
                    }
                },
                Op::Param(p) => {
                    let a = params[p as usize];
                    b.check_input(a);
                    owned[i] = true;
                    self.upload(a)?
                }
                ref other => panic!("input buffer of a {other:?} node"),
            });
        }
        let start = if self.kernel_timing {
            Some(self.target.record()?)
        } else {
            None
        };
        for ((step, how), free) in schedule.steps.iter().zip(&plan.steps).zip(&plan.free_after) {
            match (step, how) {
                (Step::Kernel(_), GpuStep::Launch(l)) => {
                    for w in l.kernel.writes() {
                        let b = &schedule.buffers[w.0 as usize];
                        let bytes = b.shape.iter().product::<usize>() * b.dtype.itemsize();
                        bufs[w.0 as usize] = Some(self.alloc(bytes)?);
                        owned[w.0 as usize] = true;
                    }
                    self.launch(l, bufs)?;
                }
                (Step::Kernel(k), _) => self.host_kernel(k, schedule, bufs, owned)?,
                (Step::Library(call), _) => {
                    let o = &schedule.buffers[call.output.0 as usize];
                    let bytes = o.shape.iter().product::<usize>() * o.dtype.itemsize();
                    let out = self.alloc(bytes)?;
                    bufs[call.output.0 as usize] = Some(out);
                    owned[call.output.0 as usize] = true;
                    let on_device = match call.op {
                        Op::MatMul => self.matmul_on_device(call, schedule, bufs, out),
                        Op::Cumsum { axis } => {
                            self.scan_on_device(call, schedule, bufs, out, axis, false)
                        }
                        Op::Cumprod { axis } => {
                            self.scan_on_device(call, schedule, bufs, out, axis, true)
                        }
                        Op::Fft { .. } | Op::Rfft => self.fft_on_device(call, schedule, bufs, out),
                        Op::Sort { axis } => {
                            self.sort_on_device(call, schedule, bufs, out, axis, false)
                        }
                        Op::ArgSort { axis } => {
                            self.sort_on_device(call, schedule, bufs, out, axis, true)
                        }
                        _ => None,
                    };
                    match on_device {
                        Some(r) => r?,
                        None => self.host_library(call, schedule, graph, bufs, out)?,
                    }
                }
            }
            for b in free {
                if owned[b.0 as usize]
                    && let Some(d) = bufs[b.0 as usize].take()
                {
                    self.recycle(d);
                    owned[b.0 as usize] = false;
                }
            }
        }
        if let Some(start) = start {
            let end = self.target.record()?;
            self.pending.push((start, end));
            if self.pending.len() >= MAX_PENDING {
                self.settle()?;
            }
        }
        let mut out = Vec::with_capacity(schedule.outputs.len());
        if outputs == Outputs::Drop {
            return Ok(out);
        }
        for &(node, b) in &schedule.outputs {
            let buf = &schedule.buffers[b.0 as usize];
            let d = bufs[b.0 as usize].expect("output computed");
            out.push(self.download(d, buf.dtype, &buf.shape)?);
            if outputs == Outputs::Keep && owned[b.0 as usize] {
                // The run no longer owns it: it stays on the device.
                owned[b.0 as usize] = false;
                if let Some(old) = self.kept.insert(node, d) {
                    self.recycle(old);
                }
            }
        }
        self.settle()?;
        Ok(out)
    }

    /// The host copy of buffer `b`.
    fn host_copy(
        &mut self,
        schedule: &Schedule,
        bufs: &[Option<DevBuf>],
        b: BufId,
    ) -> Result<Array, String> {
        let buf = &schedule.buffers[b.0 as usize];
        let d = bufs[b.0 as usize].expect("input computed");
        self.download(d, buf.dtype, &buf.shape)
    }

    /// Runs kernel `k` on the reference evaluator (a kernel the renderer refuses).
    fn host_kernel(
        &mut self,
        k: &Kernel,
        schedule: &Schedule,
        bufs: &mut [Option<DevBuf>],
        owned: &mut [bool],
    ) -> Result<(), String> {
        self.stats.host_steps += 1;
        let mut host: Vec<Option<Array>> = vec![None; bufs.len()];
        for r in k.reads() {
            host[r.0 as usize] = Some(self.host_copy(schedule, bufs, r)?);
        }
        eval_kernel(k, &schedule.buffers, &mut host);
        for w in k.writes() {
            let a = host[w.0 as usize].take().expect("written by the kernel");
            bufs[w.0 as usize] = Some(self.upload(&a)?);
            owned[w.0 as usize] = true;
        }
        Ok(())
    }

    /// Runs a library call on the host, into the device buffer `out`.
    fn host_library(
        &mut self,
        call: &LibraryCall,
        schedule: &Schedule,
        graph: &Graph,
        bufs: &[Option<DevBuf>],
        out: DevBuf,
    ) -> Result<(), String> {
        self.stats.host_steps += 1;
        let mut inputs = Vec::with_capacity(call.inputs.len());
        for &b in &call.inputs {
            inputs.push(self.host_copy(schedule, bufs, b)?);
        }
        let refs: Vec<&Array> = inputs.iter().collect();
        let value = crate::kernel::run_library(call, schedule, graph, &refs, &[]);
        self.upload_into(out, &value)
    }
}

impl Drop for Gpu {
    fn drop(&mut self) {
        self.forget_kept();
        let held: Vec<DevBuf> = self
            .sources
            .drain()
            .chain(self.carried.drain())
            .map(|(_, b)| b)
            .collect();
        for b in held {
            self.recycle(b);
        }
        if let Some((p, v)) = self.scratch.take() {
            self.recycle(p);
            self.recycle(v);
        }
        for (_, ptrs) in self.pool.drain() {
            for p in ptrs {
                self.target.free(p);
            }
        }
    }
}

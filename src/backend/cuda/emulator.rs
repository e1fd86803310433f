//! A `Target` that runs the rendered CUDA C on the CPU: the host's C++ compiler builds each
//! module (with `runtime/cuda/emulator.h` standing in for the CUDA built-ins) into a shared
//! library, and a launch runs the blocks one after another on the calling thread, each CUDA
//! thread a coroutine (see the header).
//!
//! It exists to test the renderer and the launcher against the interpreter where there is no
//! GPU (`Device::CudaEmulator`, or `ARRJIT_CUDA_EMULATOR=1` with `--device cuda`). The
//! semantics it checks are those of the CUDA C (wrapping, NaN rules, reduction order,
//! partials and phases); the math functions are the host's, not CUDA's, and it is slow.
//!
//! Compiled libraries are cached on disk like PTX (`nvrtc::cache_dir`, under `emu/`), keyed
//! by the source and the compiler's version.

use super::target::{DevPtr, Entry, ModuleId, Target};
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// The stand-ins for CUDA's built-ins, before the prelude.
const EMULATOR_H: &str = include_str!("../../../runtime/cuda/emulator.h");

/// Compiler flags: no contraction into FMAs (NVRTC runs with `--fmad=false`), no fast math.
const FLAGS: &[&str] = &[
    "-std=c++17",
    "-O1",
    "-shared",
    "-fPIC",
    "-ffp-contract=off",
    "-fno-fast-math",
    "-w",
];

/// Libraries loaded in this process, by cache key: kept loaded for the process's life.
static LIBRARIES: Mutex<Option<HashMap<u128, Arc<libloading::Library>>>> = Mutex::new(None);

/// One emulated launch at a time in the process: a library's grid, block, barriers and
/// exchange buffer are globals.
static LAUNCH: Mutex<()> = Mutex::new(());

type LaunchFn = unsafe extern "C" fn(i32, u32, u32, *const u8, i64) -> i32;

pub struct Emulator {
    /// Live allocations by address (16-byte aligned words).
    memory: HashMap<DevPtr, Box<[u128]>>,
    modules: Vec<Arc<libloading::Library>>,
    records: Vec<Instant>,
}

impl Emulator {
    /// Fails when there is no C++ compiler to build modules with.
    pub fn new() -> Result<Emulator, String> {
        compiler_version()?;
        Ok(Emulator {
            memory: HashMap::new(),
            modules: Vec::new(),
            records: Vec::new(),
        })
    }

    /// The allocation holding `ptr .. ptr + len`, as bytes from `ptr`.
    fn bytes_at(&mut self, ptr: DevPtr, len: usize) -> Result<&mut [u8], String> {
        for (&base, words) in self.memory.iter_mut() {
            let size = words.len() * 16;
            if ptr >= base && ptr + len as u64 <= base + size as u64 {
                let start = (ptr - base) as usize;
                // SAFETY: the words are plain memory we own; the range is inside them.
                let all =
                    unsafe { std::slice::from_raw_parts_mut(words.as_mut_ptr() as *mut u8, size) };
                return Ok(&mut all[start..start + len]);
            }
        }
        Err(format!(
            "emulated device: {len} bytes at {ptr:#x} are not allocated"
        ))
    }
}

/// The C++ compiler: `$CXX`, else `c++`.
fn compiler() -> String {
    std::env::var("CXX").unwrap_or_else(|_| "c++".into())
}

/// The first line of `c++ --version`, part of the cache key.
fn compiler_version() -> Result<String, String> {
    let out = Command::new(compiler())
        .arg("--version")
        .output()
        .map_err(|e| {
            format!(
                "the CUDA emulator needs a C++ compiler (`{}`): {e}",
                compiler()
            )
        })?;
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap_or("")
        .to_string())
}

/// Builds `source` into a shared library (or finds it) and loads it.
fn library(source: &str) -> Result<Arc<libloading::Library>, String> {
    let key = xxhash_rust::xxh3::xxh3_128(
        format!(
            "{}\0{}\0{EMULATOR_H}\0{source}",
            compiler_version()?,
            FLAGS.join(" ")
        )
        .as_bytes(),
    );
    let mut libs = LIBRARIES.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(lib) = libs.get_or_insert_with(HashMap::new).get(&key) {
        return Ok(lib.clone());
    }
    let dir = super::nvrtc::cache_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("emu");
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let so = dir.join(format!("{key:032x}.so"));
    if !so.exists() {
        build(source, &dir, &so)?;
    }
    // SAFETY: the library was built from our own source; its initialisers only set statics.
    let lib = unsafe { libloading::Library::new(&so) }
        .map_err(|e| format!("cannot load {}: {e}", so.display()))?;
    let lib = Arc::new(lib);
    libs.get_or_insert_with(HashMap::new)
        .insert(key, lib.clone());
    Ok(lib)
}

/// Compiles `source` to `so`, through a temporary name in `dir` (renamed when complete).
fn build(source: &str, dir: &std::path::Path, so: &std::path::Path) -> Result<(), String> {
    let unique =
        format!("{}-{:?}", std::process::id(), std::thread::current().id()).replace(['(', ')'], "");
    let cpp: PathBuf = dir.join(format!("tmp-{unique}.cpp"));
    let tmp: PathBuf = dir.join(format!("tmp-{unique}.so"));
    let combine = if source.contains("void arr_combine(") {
        "#define ARR_EMU_COMBINE arr_combine\n"
    } else {
        "#define ARR_EMU_COMBINE(args, extra) (void)(extra)\n"
    };
    let text = format!("{EMULATOR_H}\n{source}\n{combine}ARR_EMU_ENTRIES\n");
    std::fs::write(&cpp, text).map_err(|e| format!("cannot write {}: {e}", cpp.display()))?;
    let out = Command::new(compiler())
        .args(FLAGS)
        .arg("-o")
        .arg(&tmp)
        .arg(&cpp)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", compiler()))?;
    let _ = std::fs::remove_file(&cpp);
    if !out.status.success() {
        let _ = std::fs::remove_file(&tmp);
        return Err(format!(
            "the C++ compiler rejected an emulated kernel:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    std::fs::rename(&tmp, so).map_err(|e| format!("cannot rename {}: {e}", tmp.display()))
}

impl Target for Emulator {
    fn name(&self) -> String {
        "CUDA emulator (host C++)".into()
    }

    fn load(&mut self, source: &str) -> Result<ModuleId, String> {
        let lib = library(source)?;
        self.modules.push(lib);
        Ok(ModuleId(self.modules.len() - 1))
    }

    fn alloc(&mut self, bytes: usize) -> Result<DevPtr, String> {
        let words = bytes.max(1).div_ceil(16);
        let mut v: Vec<u128> = Vec::new();
        v.try_reserve_exact(words)
            .map_err(|_| format!("emulated device: out of memory for {bytes} bytes"))?;
        v.resize(words, 0);
        let b = v.into_boxed_slice();
        let ptr = b.as_ptr() as DevPtr;
        self.memory.insert(ptr, b);
        Ok(ptr)
    }

    fn free(&mut self, ptr: DevPtr) {
        self.memory.remove(&ptr);
    }

    fn upload(&mut self, dst: DevPtr, src: &[u8]) -> Result<(), String> {
        self.bytes_at(dst, src.len())?.copy_from_slice(src);
        Ok(())
    }

    fn download(&mut self, src: DevPtr, dst: &mut [u8]) -> Result<(), String> {
        dst.copy_from_slice(self.bytes_at(src, dst.len())?);
        Ok(())
    }

    fn launch(
        &mut self,
        module: ModuleId,
        entry: Entry,
        grid: u32,
        block: u32,
        args: &[u64],
    ) -> Result<(), String> {
        let lib = self.modules[module.0].clone();
        // SAFETY: the symbol is the one `ARR_EMU_ENTRIES` defines, with this signature.
        let run: LaunchFn = unsafe {
            *lib.get::<LaunchFn>(b"arr_emu_launch\0")
                .map_err(|e| format!("emulated module: {e}"))?
        };
        let (code, extra) = match entry {
            Entry::Kernel => (0, 0),
            Entry::Combine { blocks } => (1, blocks),
        };
        let _one = LAUNCH.lock().unwrap_or_else(|e| e.into_inner());
        // SAFETY: the kernel reads and writes the buffers its arguments point to, which the
        // launcher allocated on this target for a verified schedule; the launch lock keeps the
        // library's globals (dimensions, barriers, exchange buffer) to this launch.
        let status = unsafe { run(code, grid, block, args.as_ptr() as *const u8, extra) };
        if status != 0 {
            return Err("emulated device: out of memory for the threads' stacks".into());
        }
        Ok(())
    }

    fn synchronize(&mut self) -> Result<(), String> {
        Ok(())
    }

    fn record(&mut self) -> Result<usize, String> {
        self.records.push(Instant::now());
        Ok(self.records.len() - 1)
    }

    fn elapsed(&mut self, from: usize, to: usize) -> Result<f64, String> {
        Ok(self.records[to]
            .duration_since(self.records[from])
            .as_secs_f64())
    }

    fn clear_records(&mut self) {
        self.records.clear();
    }
}

//! NVRTC, loaded at run time: CUDA C → PTX. Needs no GPU and no driver, only `libnvrtc.so.13`
//! (or `.so.12`) where `dlopen` finds it (tech-facts: cudarc panics when the library is
//! missing, so `available` probes first).
//!
//! `compile_cached` keeps every PTX it makes twice: in memory, and on disk under
//! `$ARRJIT_CACHE_DIR` (default `$XDG_CACHE_HOME/arrjit`, else `~/.cache/arrjit`) as
//! `ptx/ARCH/HASH.ptx`, where HASH is the 128-bit xxh3 of the source, the options and NVRTC's
//! version: a second process compiles nothing. Files are written to a temporary name and
//! renamed, so a reader never sees half a file; an unusable cache folder only costs compiles.

use cudarc::nvrtc::{CompileError, CompileOptions, compile_ptx_with_opts};
use std::cell::Cell;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// PTX made in this process, by cache key.
static MEMORY: Mutex<Option<HashMap<u128, Arc<String>>>> = Mutex::new(None);
thread_local! {
    /// NVRTC invocations on this thread (tests read it).
    static COMPILES: Cell<usize> = const { Cell::new(0) };
}

/// How many times this thread has run NVRTC.
pub fn compiles() -> usize {
    COMPILES.with(Cell::get)
}

/// Forgets the PTX kept in memory, as a new process would start (for tests).
pub fn forget_memory_cache() {
    *MEMORY.lock().unwrap_or_else(|e| e.into_inner()) = None;
}

/// The folder of the on-disk cache.
pub fn cache_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("ARRJIT_CACHE_DIR") {
        return Some(PathBuf::from(dir));
    }
    if let Some(xdg) = std::env::var_os("XDG_CACHE_HOME") {
        return Some(PathBuf::from(xdg).join("arrjit"));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache").join("arrjit"))
}

/// NVRTC's version, part of the cache key (another NVRTC may make other PTX).
fn version() -> String {
    let (mut major, mut minor) = (0, 0);
    // SAFETY: called only after `available` found the library; writes two ints we own.
    let status = unsafe { cudarc::nvrtc::sys::nvrtcVersion(&mut major, &mut minor) };
    if status == cudarc::nvrtc::sys::nvrtcResult::NVRTC_SUCCESS {
        format!("{major}.{minor}")
    } else {
        "unknown".into()
    }
}

/// `compile`, through the memory and disk caches.
pub fn compile_cached(source: &str, arch: &'static str) -> Result<Arc<String>, String> {
    compile_cached_in(source, arch, cache_dir().as_deref())
}

/// `compile_cached` with the disk cache in `dir` (none: memory only).
pub fn compile_cached_in(
    source: &str,
    arch: &'static str,
    dir: Option<&std::path::Path>,
) -> Result<Arc<String>, String> {
    available()?;
    let key = xxhash_rust::xxh3::xxh3_128(
        format!("{}\0{arch}\0fmad=false\0{source}", version()).as_bytes(),
    );
    let mut memory = MEMORY.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(ptx) = memory.get_or_insert_with(HashMap::new).get(&key) {
        return Ok(ptx.clone());
    }
    let file = dir.map(|d| d.join("ptx").join(arch).join(format!("{key:032x}.ptx")));
    if let Some(ptx) = file.as_ref().and_then(|f| std::fs::read_to_string(f).ok()) {
        let ptx = Arc::new(ptx);
        memory
            .get_or_insert_with(HashMap::new)
            .insert(key, ptx.clone());
        return Ok(ptx);
    }
    let ptx = Arc::new(compile(source, arch)?);
    if let Some(file) = &file {
        // Best effort: a cache that cannot be written only costs compiles later.
        let _ = write_atomically(file, &ptx);
    }
    memory
        .get_or_insert_with(HashMap::new)
        .insert(key, ptx.clone());
    Ok(ptx)
}

fn write_atomically(file: &std::path::Path, text: &str) -> std::io::Result<()> {
    let dir = file.parent().expect("cache files are in a folder");
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        file.file_name().and_then(|n| n.to_str()).unwrap_or("ptx"),
        std::process::id()
    ));
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, file)
}

/// Whether NVRTC can be loaded; the error says what to install.
pub fn available() -> Result<(), String> {
    // SAFETY: only tries to dlopen the library by its sonames and closes it again.
    if unsafe { cudarc::nvrtc::sys::is_culib_present() } {
        Ok(())
    } else {
        Err(
            "NVRTC not found (libnvrtc.so.13 or libnvrtc.so.12): install the CUDA toolkit, or \
             the `nvidia-cuda-nvrtc` Python wheel and put its `nvidia/cu13/lib` on LD_LIBRARY_PATH"
                .into(),
        )
    }
}

/// Compiles `source` to PTX for the virtual architecture `arch` (`compute_80`, …).
///
/// Floating-point contraction is off (`--fmad=false`), so `a * b + c` rounds twice, as on the
/// CPU and in the interpreter; CUDA's math functions are its accurate ones. A compile error
/// gives NVRTC's log and the source lines around each line it names.
pub fn compile(source: &str, arch: &'static str) -> Result<String, String> {
    available()?;
    COMPILES.with(|c| c.set(c.get() + 1));
    let opts = CompileOptions {
        arch: Some(arch),
        fmad: Some(false),
        name: Some("arr_kernel.cu".into()),
        ..Default::default()
    };
    match compile_ptx_with_opts(source, opts) {
        Ok(ptx) => Ok(ptx.to_src()),
        Err(CompileError::CompileError { log, .. }) => {
            let log = log.to_string_lossy().into_owned();
            Err(format!(
                "NVRTC could not compile a kernel:\n{log}{}",
                excerpts(&log, source)
            ))
        }
        Err(e) => Err(format!("NVRTC failed: {e}")),
    }
}

/// The lines around each `arr_kernel.cu(LINE)` the log names, numbered.
fn excerpts(log: &str, source: &str) -> String {
    let lines: Vec<&str> = source.lines().collect();
    let mut out = String::new();
    let mut shown = Vec::new();
    for part in log.split("arr_kernel.cu(").skip(1) {
        let Some(n) = part.split(')').next().and_then(|n| n.parse::<usize>().ok()) else {
            continue;
        };
        if shown.contains(&n) || n == 0 || n > lines.len() {
            continue;
        }
        shown.push(n);
        out += &format!("\nsource around line {n}:\n");
        for (i, line) in lines
            .iter()
            .enumerate()
            .take(n + 2)
            .skip(n.saturating_sub(3))
        {
            let mark = if i + 1 == n { ">" } else { " " };
            out += &format!("{mark}{:5} | {line}\n", i + 1);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A kernel compiled once is found again: in memory, then on disk by a "new process"
    /// (the memory cache forgotten), with NVRTC run only the first time.
    #[test]
    fn compiled_ptx_is_cached_in_memory_and_on_disk() {
        if let Err(why) = available() {
            eprintln!("skipped: {why}");
            return;
        }
        let dir = std::env::temp_dir().join(format!("arrjit-ptx-cache-{}", std::process::id()));
        let src = format!(
            "extern \"C\" __global__ void k(float* x) {{ x[threadIdx.x] += {}.0f; }}\n",
            std::process::id()
        );
        let before = compiles();
        let first = compile_cached_in(&src, "compute_80", Some(&dir)).unwrap();
        assert_eq!(compiles(), before + 1);
        assert!(first.contains(".entry k"), "{first}");
        let again = compile_cached_in(&src, "compute_80", Some(&dir)).unwrap();
        assert_eq!(compiles(), before + 1, "the memory cache answers");
        assert_eq!(first, again);
        forget_memory_cache();
        let from_disk = compile_cached_in(&src, "compute_80", Some(&dir)).unwrap();
        assert_eq!(compiles(), before + 1, "the disk cache answers");
        assert_eq!(first, from_disk);
        let files: Vec<_> = std::fs::read_dir(dir.join("ptx").join("compute_80"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(files.len(), 1, "{files:?}");
        assert!(files[0].ends_with(".ptx"), "{files:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn errors_show_the_log_and_the_source_around_it() {
        let src = "extern \"C\" __global__ void k() {\n    int x = ;\n}\n";
        match available() {
            Err(why) => eprintln!("skipped: {why}"),
            Ok(()) => {
                let err = compile(src, "compute_80").unwrap_err();
                assert!(err.contains("arr_kernel.cu(2)"), "{err}");
                assert!(err.contains(">    2 |     int x = ;"), "{err}");
            }
        }
        let text = excerpts("arr_kernel.cu(2): error: expected", src);
        assert!(text.contains(">    2 |     int x = ;"), "{text}");
        assert!(text.contains("     1 | extern"), "{text}");
    }
}

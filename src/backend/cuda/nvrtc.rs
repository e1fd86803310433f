//! NVRTC, loaded at run time: CUDA C → PTX. Needs no GPU and no driver, only `libnvrtc.so.13`
//! (or `.so.12`) where `dlopen` finds it (tech-facts: cudarc panics when the library is
//! missing, so `available` probes first).

use cudarc::nvrtc::{CompileError, CompileOptions, compile_ptx_with_opts};

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

//! Helpers shared by the integration tests: golden files.
//!
//! A golden file holds the expected text output of a test (an AST, diagnostics, IR, …) beside
//! its input. Run the tests with `UPDATE_EXPECT=1` to write the actual output into the golden
//! files instead of comparing; then read the changed goldens before committing them.

// Each integration test is its own crate and uses only some of these helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// Compares `actual` with the contents of `expected_path`, or writes it there when the
/// environment variable `UPDATE_EXPECT` is set to `1`. Panics with a line diff on a mismatch.
pub fn check_golden(expected_path: &Path, actual: &str) {
    if let Some(message) = golden_mismatch(expected_path, actual) {
        panic!("{message}");
    }
}

/// Like [`check_golden`], but returns the mismatch message instead of panicking, so that a
/// data-driven test can check every file and then report all failures together.
pub fn golden_mismatch(expected_path: &Path, actual: &str) -> Option<String> {
    if std::env::var("UPDATE_EXPECT").is_ok_and(|v| v == "1") {
        if let Some(dir) = expected_path.parent() {
            std::fs::create_dir_all(dir).ok()?;
        }
        let current = std::fs::read_to_string(expected_path).ok();
        if current.as_deref() != Some(actual)
            && let Err(e) = std::fs::write(expected_path, actual)
        {
            return Some(format!("cannot write {}: {e}", expected_path.display()));
        }
        return None;
    }
    let expected = match std::fs::read_to_string(expected_path) {
        Ok(text) => text,
        Err(e) => {
            return Some(format!(
                "cannot read golden file {} ({e}); run with UPDATE_EXPECT=1 to create it.\n\
                 actual output:\n{actual}",
                expected_path.display()
            ));
        }
    };
    if expected == actual {
        return None;
    }
    Some(format!(
        "golden file {} does not match (run with UPDATE_EXPECT=1 to update it, then review \
         the change)\n--- expected\n+++ actual\n{}",
        expected_path.display(),
        line_diff(&expected, actual)
    ))
}

/// A unified-style line diff: ` ` common, `-` only in `expected`, `+` only in `actual`.
/// Long runs of common lines are elided to three lines of context around each change.
pub fn line_diff(expected: &str, actual: &str) -> String {
    let a: Vec<&str> = expected.lines().collect();
    let b: Vec<&str> = actual.lines().collect();
    // Longest common subsequence table, from the ends.
    let mut lcs = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut lines: Vec<(char, &str)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            lines.push((' ', a[i]));
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            lines.push(('-', a[i]));
            i += 1;
        } else {
            lines.push(('+', b[j]));
            j += 1;
        }
    }
    let changed: Vec<usize> = (0..lines.len()).filter(|&k| lines[k].0 != ' ').collect();
    let mut out = String::new();
    let mut last_shown: Option<usize> = None;
    for (k, (tag, text)) in lines.iter().enumerate() {
        let near = changed.iter().any(|&c| c.abs_diff(k) <= 3);
        if !near {
            continue;
        }
        if last_shown.is_some_and(|l| l + 1 != k) || (last_shown.is_none() && k > 0) {
            out.push_str("@@ …\n");
        }
        out.push(*tag);
        out.push_str(text);
        out.push('\n');
        last_shown = Some(k);
    }
    if changed.is_empty() {
        out.push_str("(the texts differ only in line endings or a final newline)\n");
    }
    out
}

/// The files directly in `dir` whose name ends with `.{ext}`, sorted by name.
pub fn files_with_extension(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == ext))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// The files under `dir`, at any depth, whose name ends with `.{ext}`, sorted by path.
/// A missing `dir` has no files.
pub fn files_with_extension_recursive(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut files = files_with_extension(dir, ext);
    let mut subdirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    subdirs.sort();
    for sub in subdirs {
        files.extend(files_with_extension_recursive(&sub, ext));
    }
    files
}

/// The path of a file in the project, from a path relative to its root: the root is
/// `$ARRJIT_PROJECT_DIR` where set (a test binary built on one machine and run in a copy of the
/// tree on another, as benches/gpu/run.sh does), else the folder the tests were built in.
pub fn project_path(relative: &str) -> PathBuf {
    match std::env::var_os("ARRJIT_PROJECT_DIR") {
        Some(root) => PathBuf::from(root).join(relative),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join(relative),
    }
}

/// Whether two arrays hold the same elements bit for bit (any NaN matches any NaN).
pub fn same_bits(a: &arrjit_runtime::Array, b: &arrjit_runtime::Array) -> bool {
    use arrjit_runtime::Scalar;
    fn f64_same(x: f64, y: f64) -> bool {
        x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan())
    }
    fn f32_same(x: f32, y: f32) -> bool {
        x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan())
    }
    a.dtype() == b.dtype()
        && a.shape() == b.shape()
        && (0..a.len()).all(|i| match (a.get(i), b.get(i)) {
            (Scalar::F64(x), Scalar::F64(y)) => f64_same(x, y),
            (Scalar::F32(x), Scalar::F32(y)) => f32_same(x, y),
            (Scalar::C128(x), Scalar::C128(y)) => f64_same(x.re, y.re) && f64_same(x.im, y.im),
            (Scalar::C64(x), Scalar::C64(y)) => f32_same(x.re, y.re) && f32_same(x.im, y.im),
            (x, y) => x == y,
        })
}

/// Fuses the graph of a finished script (fused and unfused), evaluates the schedules with the
/// reference schedule evaluator, and checks every global array against the interpreter's value.
/// Returns the number of kernels the fused schedule has, or what differed.
pub fn check_fusion(state: &mut arrjit::lower::Lowerer) -> Result<usize, String> {
    use arrjit::kernel::eval_schedule;
    use arrjit::passes::fuse::{Fusion, fuse};
    let globals = state.array_globals();
    let roots: Vec<_> = globals.iter().map(|(_, id)| *id).collect();
    let mut kernels = 0;
    for mode in [Fusion::Fused, Fusion::Unfused] {
        let schedule = fuse(&state.build.graph, &roots, mode);
        arrjit::kernel::verify_schedule(&schedule).map_err(|e| {
            format!(
                "{mode:?} schedule is invalid: {e}\n{}",
                arrjit::kernel::print_schedule(&state.build.graph, &schedule)
            )
        })?;
        if mode == Fusion::Fused {
            kernels = schedule.kernel_count();
        }
        let values = eval_schedule(&schedule, &state.build.graph, &[]);
        // A matmul that reads an operand transposed in place sums in another order than the
        // interpreter's product of the copied transpose (GEMM blocks by layout): its results
        // agree within rounding rather than bit for bit.
        let strided_matmul = schedule.steps.iter().any(|s| match s {
            arrjit::kernel::Step::Library(c) => c
                .inputs
                .iter()
                .zip(&c.views)
                .any(|(b, v)| !v.is_plain(&schedule.buffers[b.0 as usize].shape)),
            _ => false,
        });
        let mut cpu = arrjit::backend::cpu::Cpu::new()?;
        // Every kernel compiles: none may fall back to the evaluator.
        for step in &schedule.steps {
            if let arrjit::kernel::Step::Kernel(k) = step
                && let Err(e) = cpu.compiled(k)
            {
                return Err(format!(
                    "{mode:?} kernel does not compile: {e}\n{}",
                    arrjit::kernel::print_schedule(&state.build.graph, &schedule)
                ));
            }
        }
        let compiled = cpu.run_schedule(&schedule, &state.build.graph, &[]);
        for (((name, _), got), jit) in globals.iter().zip(values).zip(compiled) {
            let want = state.global_array(name).expect("a global array");
            let text = || arrjit::kernel::print_schedule(&state.build.graph, &schedule);
            let agrees =
                same_bits(&want, &got) || (strided_matmul && first_mismatch(&want, &got).is_none());
            if !agrees {
                return Err(format!(
                    "{mode:?} schedule gives a different `{name}`:\n  interpreter: {want:?}\n  schedule: {got:?}\n{}",
                    text()
                ));
            }
            if let Some(i) = first_mismatch(&want, &jit) {
                return Err(format!(
                    "{mode:?} compiled code gives a different `{name}` at {i}:\n  interpreter: {want:?}\n  compiled: {jit:?}\n{}",
                    text()
                ));
            }
        }
    }
    Ok(kernels)
}

/// The first element where `got` differs from `want` beyond rounding (reductions may add in
/// another order): integers and bools exactly, floats within 1e-9 (f64) or 1e-4 (f32) of
/// `max(1, |want|)`, NaN and infinities exactly. `None` if they agree.
pub fn first_mismatch(want: &arrjit_runtime::Array, got: &arrjit_runtime::Array) -> Option<usize> {
    use arrjit_runtime::Scalar;
    fn close(w: f64, g: f64, tol: f64) -> bool {
        if w.is_nan() || g.is_nan() {
            return w.is_nan() && g.is_nan();
        }
        if w.is_infinite() || g.is_infinite() {
            return w == g;
        }
        (w - g).abs() <= tol * w.abs().max(1.0)
    }
    if want.dtype() != got.dtype() || want.shape() != got.shape() {
        return Some(0);
    }
    (0..want.len()).find(|&i| !match (want.get(i), got.get(i)) {
        (Scalar::F64(w), Scalar::F64(g)) => close(w, g, 1e-9),
        (Scalar::F32(w), Scalar::F32(g)) => close(w as f64, g as f64, 1e-4),
        (Scalar::C128(w), Scalar::C128(g)) => close(w.re, g.re, 1e-9) && close(w.im, g.im, 1e-9),
        (Scalar::C64(w), Scalar::C64(g)) => {
            close(w.re as f64, g.re as f64, 1e-4) && close(w.im as f64, g.im as f64, 1e-4)
        }
        (w, g) => w == g,
    })
}

/// The CUDA device the tests run on: the emulator, or a GPU with `ARRJIT_TEST_DEVICE=cuda`.
pub fn cuda_test_device() -> arrjit::Device {
    if std::env::var("ARRJIT_TEST_DEVICE").is_ok_and(|v| v == "cuda") {
        arrjit::Device::Cuda
    } else {
        arrjit::Device::CudaEmulator
    }
}

/// Whether `cuda_test_device()` can run here; prints why not (or fails, where it is required:
/// a GPU that was asked for, or the emulator with `ARRJIT_REQUIRE_EMULATOR`, as in CI).
pub fn cuda_test_device_available() -> bool {
    if cuda_test_device() == arrjit::Device::Cuda {
        if let Err(why) = arrjit::backend::cuda::open(arrjit::Device::Cuda) {
            panic!("ARRJIT_TEST_DEVICE=cuda, but: {why}");
        }
        return true;
    }
    match arrjit::backend::cuda::emulator::Emulator::new() {
        Ok(_) => true,
        Err(why) => {
            assert!(
                std::env::var("ARRJIT_REQUIRE_EMULATOR").is_err(),
                "ARRJIT_REQUIRE_EMULATOR is set, but: {why}"
            );
            eprintln!("skipped the CUDA backend: {why}");
            false
        }
    }
}

/// Checks that `arr … --device cuda` refused to run: exit status 1, one line on stderr that
/// names the missing part, nothing on stdout.
pub fn assert_cuda_refused(out: &std::process::Output) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with("arr: error: --device cuda: "),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(out.stdout.is_empty());
}

/// A fresh folder for a test's files (`arrjit-NAME-…` in the system's temporary folder),
/// removed with everything in it when the returned value is dropped.
pub fn scratch(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("arrjit-{name}-"))
        .tempdir()
        .expect("a temporary folder")
}

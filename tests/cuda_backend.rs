//! The CUDA backend, run: on the emulator (`Device::CudaEmulator`: the CUDA C of every kernel
//! built by the host's C++ compiler and run with one coroutine per CUDA thread, through the
//! same launcher as on a GPU), or, with `ARRJIT_TEST_DEVICE=cuda`, on a GPU
//! (benches/gpu/run.sh). Everything must agree with the interpreter.
//!
//! Random programs come from the differential generator (`ARRJIT_CUDA_CASES`, default 120,
//! over two seeds), and a few hand-written scripts cover what random programs reach rarely:
//! empty reductions, long reductions over many blocks, and rows longer than a block.
//!
//! Where there is no C++ compiler the tests say that they skipped; `ARRJIT_REQUIRE_EMULATOR=1`
//! (set in CI) makes that a failure. The command-line tests run `$ARRJIT_ARR_BIN` when set
//! (the binary built with the tests, elsewhere).

#[path = "differential/calls.rs"]
mod calls;
mod common;
#[path = "differential/compare.rs"]
mod compare;
#[path = "differential/expr.rs"]
mod expr;
#[path = "differential/generate.rs"]
mod generate;

use arrjit::Device;
use arrjit::lower::Engine;
use compare::{Outcome, agree, run, run_on};
use generate::{Program, build};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestError, TestRunner};

use common::{cuda_test_device as device, cuda_test_device_available as device_available};

fn check(source: &str, engine: Engine) -> Result<(), String> {
    let single = source.contains("f32") || source.contains("c64");
    let mut want = run(source, Engine::Interp);
    let mut got = run_on(source, engine, device());
    if source.contains("fft(") {
        // cuFFT adds in another order than the host's FFT, so an input's infinities may
        // come out as NaN on one and inf on the other (grammar/README.md).
        blur_non_finite(&mut want);
        blur_non_finite(&mut got);
    }
    agree(&want, &got, "CUDA", single)?;
    if let Outcome::Panicked(msg) = want {
        return Err(format!("the interpreter panicked: {msg}"));
    }
    Ok(())
}

/// Makes every non-finite float (NaN, ±inf, in either part of a complex number) NaN.
fn blur_non_finite(outcome: &mut Outcome) {
    use arrjit_runtime::Data;
    fn blur(x: &mut f64) {
        if !x.is_finite() {
            *x = f64::NAN;
        }
    }
    fn blur32(x: &mut f32) {
        if !x.is_finite() {
            *x = f32::NAN;
        }
    }
    let Outcome::Ran(vars) = outcome else {
        return;
    };
    for (_, a) in vars {
        match a.data_mut() {
            Data::F64(v) => v.iter_mut().for_each(blur),
            Data::F32(v) => v.iter_mut().for_each(blur32),
            Data::C128(v) => v.iter_mut().for_each(|z| {
                blur(&mut z.re);
                blur(&mut z.im);
            }),
            Data::C64(v) => v.iter_mut().for_each(|z| {
                blur32(&mut z.re);
                blur32(&mut z.im);
            }),
            _ => {}
        }
    }
}

fn random_programs(seed: u64) {
    if !device_available() {
        return;
    }
    let total = std::env::var("ARRJIT_CUDA_CASES")
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
        .unwrap_or(120);
    let config = Config {
        cases: total.div_ceil(2),
        rng_seed: RngSeed::Fixed(seed),
        failure_persistence: None,
        max_shrink_iters: 512,
        ..Config::default()
    };
    let programs = (vec(any::<u32>(), 4), vec(vec(any::<u32>(), 48), 1..=8))
        .prop_map(|(header, stmts)| build(&header, &stmts));
    let mut runner = TestRunner::new(config);
    let result = runner.run(&programs, |program: Program| {
        check(&program.source, Engine::Fused).map_err(TestCaseError::fail)
    });
    match result {
        Ok(()) => {}
        Err(TestError::Fail(why, program)) => {
            panic!(
                "the CUDA backend ({:?}) disagrees on this program (shrunk):\n{program:?}\n{why}",
                device()
            )
        }
        Err(TestError::Abort(why)) => panic!("aborted: {why}"),
    }
}

#[test]
fn cuda_agrees_on_random_programs_a() {
    random_programs(0x0c0d_a5ee_d000_0001);
}

#[test]
fn cuda_agrees_on_random_programs_b() {
    random_programs(0x0c0d_a5ee_d000_0002);
}

/// Reductions and phases at the edges of the launch shapes: empty, one block, many blocks
/// (more points than `MAX_REDUCE_BLOCKS` blocks of `BLOCK` threads take in one pass), rows
/// shorter than a warp and longer than a block, integer and bool reductions, the sum of
/// nothing (+0, not the -0 it starts from); and the device's scans and sorts.
#[test]
fn cuda_reductions_at_the_edges() {
    if !device_available() {
        return;
    }
    let scripts = [
        "x = rand(0, seed=1)\ns = sum(x)\nm = mean(rand(7, seed=2))",
        "x = rand(300000, seed=3) - 0.5\ns = sum(x)\np = max(x)\nq = min(x)\nv = var(x)",
        "x = -zeros(5)\ns = sum(x)\nt = sum(x[0:0])",
        "a = rand(3, 1000, seed=4)\nr = sum(a, axis=1)\nm = max(a, axis=1)",
        "a = rand(1000, 3, seed=5)\nr = sum(a, axis=0)\nsm = exp(a - max(a, axis=0)) / sum(exp(a - max(a, axis=0)), axis=0)",
        "a = rand(7, 5, seed=6)\nsm = exp(a) / sum(exp(a), axis=1, keepdims=true)",
        "i = arange(100000)\ns = sum(i)\nm = max(i % 7)\nb = sum(i % 3 == 0)",
        "x = randn(5000, seed=7)\nc = sum(x > 0)\nw = where(x > 0, x, 0.0)\nl = sum(w * w)",
        "x = rand(4, 0, seed=8)\nr = sum(x, axis=1)",
        "x = rand(2049, seed=9, dtype=f32)\ns = sum(x)\nm = mean(x * x)",
        // Scans (on the device since they have kernels there): long lanes, lanes along
        // every axis, integers, complex numbers, empty and -0.
        "x = rand(5000, seed=1) - 0.5\nc = cumsum(x)\np = cumprod(x[0:40] + 1)",
        "i = arange(2000) % 7 - 3\nc = cumsum(i)\np = cumprod(i32(i[0:30]))",
        "m = reshape(rand(600, seed=2), (3, 200))\na = cumsum(m, axis=0)\nb = cumprod(m + 0.5, axis=1)",
        "z = complex(rand(300, seed=3), 1.0)\nc = cumsum(z)\np = cumprod(z[0:5])",
        "e = cumsum(rand(0, seed=1))\nn = cumsum(-zeros(3))\nf = cumsum(rand(3000, seed=4, dtype=f32))",
        // Tiles of many short rows; of 2 to 128 columns, some past the array's edge; lanes
        // over many tiles, whose totals are scanned in turn (three levels for 5000 × 32).
        "m = reshape(rand(160000, seed=9) - 0.5, (5000, 32))\na = cumsum(m, axis=0)\nb = cumprod(m[0:300] * 0.1 + 1, axis=0)",
        "t = reshape(rand(60000, seed=10), (4, 3000, 5))\na = cumsum(t, axis=1)\nb = cumsum(t, axis=2)\nc = cumprod(t + 0.5, axis=0)",
        "r = reshape(arange(4000) % 5 - 2, (1000, 4))\nd = cumsum(r, axis=1)\ne = cumprod(r + 3, axis=0)\nf = cumsum(reshape(r, (4, 1000)), axis=1)",
        "i = arange(70000) % 7 - 3\nc = cumsum(i)\nz = complex(rand(3000, seed=11), -0.5)\nw = cumsum(z)\nq = cumprod(reshape(z, (1000, 3)) * 0.5 + 0.6, axis=0)",
        // +0 + -0 is +0: a lane's first element meets +0, and every total after it comes
        // from that sum.
        "a = 1 / cumsum(-zeros(300))\nb = 1 / cumsum(-zeros((3000, 2)), axis=0)\nc = 1 / cumsum(-zeros(30000))",
        // Sorts (radix passes over keys, then over lanes): ties, ±0 and NaNs in input order,
        // every real dtype, many lanes, and empty lanes.
        "x = rand(5000, seed=1) - 0.5\ns = sort(x)\na = argsort(x)\nf = sort(f32(x))\ng = argsort(f32(x))",
        "v = [3.0, -0.0, 0.0, nan, -1.0, 0.0, -0.0, -nan, 2.0, -inf, inf]\ns = sort(v)\nr = 1 / s\na = argsort(v)",
        "i = arange(3000) % 17 - 8\ns = sort(i)\na = argsort(i)\nj = sort(i32(i))\nb = argsort(i > 0)\nc = sort(i > 0)",
        "m = reshape(rand(70000, seed=5), (350, 200))\ns = sort(m)\na = argsort(m)\ne = sort(rand((3, 0), seed=1))",
        // Lanes of up to 1024 sort in shared memory, longer ones over the whole array with
        // passes over the lanes' digits: both sides of the bound, with ties across lanes.
        "m = reshape(arange(3072) % 13 - 6, (3, 1024))\ns = sort(m)\na = argsort(m)\nf = argsort(f32(m))",
        "m = reshape(arange(3075) % 13 - 6, (3, 1025))\ns = sort(m)\na = argsort(m)\nf = sort(f32(m) * -0.0)",
        "m = reshape(rand(2600, seed=6, dtype=f32), (2, 1300))\na = argsort(m)\ns = sort(m[:, ::-1])",
        // Many tiles (each waits on the ones before it), lanes across tiles, passes that
        // change nothing (skipped: equal high bytes, one lane, equal keys), every dtype.
        "x = randn(40000, seed=7)\ns = sort(x)\na = argsort(x)\nf = sort(f32(x))\ng = argsort(f32(x) * 0)",
        "m = reshape(arange(36000) % 1001 - 500, (6, 6000))\ns = sort(m)\na = argsort(m)\nb = sort(i32(m))\nc = argsort(m > 3)",
        "m = reshape(rand(30000, seed=8), (10, 3000)) - 0.5\ns = sort(m)\na = argsort(f32(m))\nc = sort(zeros((2, 5000)) - 0.0)",
        "m = reshape(arange(20000) % 300, (4, 5000))\ns = sort(m)\na = argsort(m)\nb = sort(i32(m[:, ::-1]))",
        "i = arange(20000)\nv = i32(i % 256 + 65536 * (i % 7))\ns = sort(v)\na = argsort(v)\nb = sort(v * 0)",
        // FFTs (cuFFT on a GPU; the host's on the emulator): of reals (half transformed, the
        // rest mirrored) at even and odd lengths, batched; complex, inverse, f32.
        "x = rand(1000, seed=1) - 0.5\nf = fft(x)\ng = fft(f32(x))\nr = rfft(x)\ni = ifft(f)\nj = ifft(x)",
        "m = reshape(rand(21, seed=2), (3, 7))\nf = fft(m)\nr = rfft(m)\ne = fft(reshape(rand(8, seed=3), (4, 2)))\no = fft(rand(1, seed=4))",
        "z = complex(rand(64, seed=5), rand(64, seed=6))\nf = fft(z)\nb = ifft(f)\nh = fft(f32(rand(4, 6, seed=7)))",
        // Infinities in a transform: NaN or inf, by the order of its sums (found on a GPU).
        "v0 = [[[inf, inf], [0.5, 0.5]], [[0.5, 7], [-inf, nan]]]\nv1 = (ifft((v0 + (1.5 - 2))) - 0.0)",
    ];
    for src in scripts {
        for engine in [Engine::Fused, Engine::Unfused] {
            if let Err(why) = check(src, engine) {
                panic!("{} on:\n{src}\n{why}", engine.name());
            }
        }
    }
}

/// The embedding API on the emulated device: arguments go to the device, results come back,
/// and a second signature compiles a second plan; results match the CPU's.
#[test]
fn cuda_through_the_api() {
    if !device_available() {
        return;
    }
    let source = "fn loss(w, x) = sum((w * x) ** 2)\nfn g(w, x) = value_and_grad(loss, wrt=w)(w, x)\nfn mm(a, b) = maximum(a @ b + 1.0, 0.0)";
    let on = |device, function: &str| {
        arrjit::compile_with(
            source,
            arrjit::Options {
                device,
                function: Some(function.into()),
                ..arrjit::Options::default()
            },
        )
        .expect("compiles")
    };
    for n in [3usize, 1000] {
        let w: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin()).collect();
        let x: Vec<f64> = (0..n).map(|i| (i as f64 * 0.11).cos()).collect();
        let want = on(Device::Cpu, "g").call_all(&[&w, &x]).unwrap();
        let got = on(device(), "g").call_all(&[&w, &x]).unwrap();
        assert_eq!(want.len(), got.len());
        for (a, b) in want.iter().zip(&got) {
            let (a, b) = (a.as_slice::<f64>().unwrap(), b.as_slice::<f64>().unwrap());
            for (p, q) in a.iter().zip(b) {
                assert!(
                    (p - q).abs() <= 1e-12 * p.abs().max(1.0),
                    "{p} vs {q} (n = {n})"
                );
            }
        }
    }
    let a: Vec<f64> = (0..12).map(|i| i as f64 - 5.5).collect();
    let a = arrjit::Array::from_vec(vec![3, 4], a);
    let b = arrjit::Array::from_vec(vec![4, 2], (0..8).map(|i| 0.5 - i as f64).collect());
    let want = on(Device::Cpu, "mm").call(&[&a, &b]).unwrap();
    let got = on(device(), "mm").call(&[&a, &b]).unwrap();
    assert_eq!(want.shape(), got.shape());
    // Exact: small integers (GEMM on the device, or the host's when emulated).
    assert_eq!(want.as_slice::<f64>(), got.as_slice::<f64>());
}

/// Runs `arr`, with `--device cuda` meaning the device under test.
fn arr(args: &[&str]) -> std::process::Output {
    let bin = std::env::var("ARRJIT_ARR_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_arr").into());
    let emulate = if device() == Device::Cuda { "0" } else { "1" };
    std::process::Command::new(bin)
        .args(args)
        .env("ARRJIT_CUDA_EMULATOR", emulate)
        .output()
        .expect("the arr binary runs")
}

/// Writes `source` to a script named `name` in `dir` and returns its path.
fn script(dir: &tempfile::TempDir, name: &str, source: &str) -> std::path::PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, source).unwrap();
    path
}

/// Whether two printed outputs agree: the same words, numbers within `tol` (relative), or
/// within 1e-12 of each other (values that cancel to about 0, whose rounding is all there is).
fn same_output(a: &str, b: &str, tol: f64) -> bool {
    // Words, with a complex number (`-3.4e-16-2.0e+00j`) split into its two parts.
    let split = |s: &str| -> Vec<String> {
        let mut words = Vec::new();
        for w in s
            .split(|c: char| c.is_whitespace() || "[](),".contains(c))
            .filter(|w| !w.is_empty())
        {
            let parts = w.strip_suffix('j').and_then(|body| {
                let cut = (1..body.len()).rev().find(|&i| {
                    let b = body.as_bytes();
                    (b[i] == b'+' || b[i] == b'-') && b[i - 1] != b'e'
                })?;
                Some([body[..cut].to_string(), body[cut..].to_string()])
            });
            match parts {
                Some(p) => words.extend(p),
                None => words.push(w.to_string()),
            }
        }
        words
    };
    let (wa, wb) = (split(a), split(b));
    wa.len() == wb.len()
        && wa
            .iter()
            .zip(&wb)
            .all(|(x, y)| match (x.parse::<f64>(), y.parse::<f64>()) {
                (Ok(p), Ok(q)) => {
                    let close = (p - q).abs() <= tol * p.abs().max(q.abs()) + 1e-12;
                    p == q || (p.is_nan() && q.is_nan()) || close
                }
                _ => x == y,
            })
}

/// Printed outputs compare number by number, complex numbers part by part.
#[test]
fn printed_outputs_compare_by_numbers() {
    assert!(same_output("[1.0 2.5e-17]", "[1.0000000001 -3e-17]", 1e-6));
    assert!(same_output(
        "[-3.44e-16-2.00000000e+00j 0.0+2.2e-16j]",
        "[-4.29e-16-2.00000000e+00j 0.00000000e+00-1.4e-17j]",
        1e-6
    ));
    assert!(!same_output("[1.0+2.0j]", "[1.0+3.0j]", 1e-6));
    assert!(!same_output("[1e-3+2.0j]", "[1e+3+2.0j]", 1e-6));
    assert!(!same_output("sort [1. 2.]", "sort [1. 2. 3.]", 1e-6));
    assert!(!same_output("sort [1.]", "sorted [1.]", 1e-6));
}

/// `arr run --device cuda` prints what the CPU prints, for every example script.
#[test]
fn examples_print_the_same_on_the_device() {
    if !device_available() {
        return;
    }
    let mut checked = 0;
    for entry in std::fs::read_dir("examples").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "arr") {
            continue;
        }
        let p = path.to_str().unwrap();
        let cpu = arr(&["run", p]);
        let gpu = arr(&["run", "--device", "cuda", p]);
        let (a, b) = (
            String::from_utf8_lossy(&cpu.stdout),
            String::from_utf8_lossy(&gpu.stdout),
        );
        assert!(
            gpu.status.success(),
            "{p}: {}",
            String::from_utf8_lossy(&gpu.stderr)
        );
        assert!(same_output(&a, &b, 1e-6), "{p}:\ncpu:\n{a}\ncuda:\n{b}");
        checked += 1;
    }
    assert!(checked >= 5, "only {checked} examples");
}

/// `arr bench --device cuda` reports the kernels' device time and the copies each way apart,
/// in the table and in the JSON.
#[test]
fn bench_on_the_device_reports_transfers_apart() {
    if !device_available() {
        return;
    }
    let dir = common::scratch("cuda-tests");
    let path = script(
        &dir,
        "bench.arr",
        "a = rand(100000, seed=1)\nbench \"chain\" {\n    y = sin(a) * a + 1\n    print(sum(y))\n}\n",
    );
    let p = path.to_str().unwrap();
    let args = [
        "bench",
        "--device",
        "cuda",
        "--repeats",
        "2",
        "--min-time",
        "0",
    ];
    let out = arr(&[&args[..], &[p]].concat());
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let header = table.lines().next().unwrap();
    for col in ["kernels", "h2d", "d2h"] {
        assert!(header.contains(col), "{table}");
    }
    let fused = table.lines().find(|l| l.contains("fused")).unwrap();
    assert!(!fused.contains(" - "), "fused ran on the device: {table}");
    let interp = table.lines().find(|l| l.contains("interp")).unwrap();
    assert!(
        interp.contains(" - "),
        "the interpreter has no device times: {table}"
    );
    let out = arr(&[&args[..], &["--json", p]].concat());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let fused = v["benches"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["mode"] == "fused")
        .unwrap();
    assert_eq!(fused["device"], "cuda");
    // `a` stays on the device from the warm-up run on, and so does the block's result `y`;
    // only the printed sum comes back.
    assert_eq!(fused["h2d_bytes"].as_u64(), Some(0), "{fused}");
    assert_eq!(fused["d2h_bytes"].as_u64(), Some(8), "{fused}");
    assert!(fused["kernel_s"].as_f64().unwrap() > 0.0, "{fused}");
}

/// A top-level loop replaces its graph after each turn, with its live arrays as the new
/// graph's sources: their device copies carry over, so nothing is copied to the device again;
/// only the loop's computed arrays come back to the host, once per turn.
#[test]
fn loop_turns_keep_arrays_on_the_device() {
    if !device_available() {
        return;
    }
    let dir = common::scratch("cuda-tests");
    let path = script(
        &dir,
        "loop.arr",
        "w = zeros(1000)\nx = rand(1000, seed=1)\nbench \"loop\" {\n    for i in 0..5 {\n        w = w - 0.1 * (w - x)\n    }\n}\nprint(sum(w))\n",
    );
    let p = path.to_str().unwrap();
    let args = [
        "bench",
        "--device",
        "cuda",
        "--mode",
        "fused",
        "--repeats",
        "2",
    ];
    let out = arr(&[&args[..], &["--min-time", "0", "--json", p]].concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let b = &v["benches"][0];
    // Each run starts from the block's saved graph, whose sources `w` and `x` (8 KB each) go
    // to the device once; the five turns copy nothing there, and bring `w` back each.
    assert_eq!(b["h2d_bytes"].as_u64(), Some(16_000), "{b}");
    assert_eq!(b["d2h_bytes"].as_u64(), Some(40_000), "{b}");
    let cpu = arr(&["run", p]);
    let gpu = arr(&["run", "--device", "cuda", p]);
    let (a, g) = (
        String::from_utf8_lossy(&cpu.stdout),
        String::from_utf8_lossy(&gpu.stdout),
    );
    assert!(same_output(&a, &g, 1e-12), "cpu {a} vs cuda {g}");
    // `--stats` on the device: no step on the host, and nothing copied to the device (`zeros`
    // and `rand` are kernels there too).
    let stats = arr(&["run", "--stats", "--device", "cuda", p]);
    let text = String::from_utf8_lossy(&stats.stderr);
    assert!(text.contains("(0 steps on the host)"), "{text}");
    assert!(text.contains("to the device    0 ns (0.000 MB)"), "{text}");
}

/// The steps around cuFFT (which only a GPU has): widening reals into complex values, and
/// scaling complex values in place, run on the emulator through the `Target` interface.
#[test]
fn fft_steps_widen_and_scale() {
    use arrjit::backend::cuda::library::{fft_args, fft_source};
    use arrjit::backend::cuda::target::{Entry, Target};
    if device() == Device::Cuda || !device_available() {
        return;
    }
    let mut emu = arrjit::backend::cuda::emulator::Emulator::new().unwrap();
    let m = emu.load(&fft_source(arrjit::DType::F64)).unwrap();
    let xs: Vec<f64> = (0..100).map(|i| i as f64 - 49.5).collect();
    let bytes: Vec<u8> = xs.iter().flat_map(|x| x.to_ne_bytes()).collect();
    let x = emu.alloc(bytes.len()).unwrap();
    let y = emu.alloc(2 * bytes.len()).unwrap();
    emu.upload(x, &bytes).unwrap();
    emu.launch(m, Entry::Kernel, 2, 32, &fft_args(x, y, 100, 100, 1.0, 0))
        .unwrap();
    emu.launch(m, Entry::Kernel, 3, 32, &fft_args(0, y, 100, 100, 0.25, 1))
        .unwrap();
    let mut out = vec![0u8; 2 * bytes.len()];
    emu.download(y, &mut out).unwrap();
    let got: Vec<f64> = out
        .chunks(8)
        .map(|c| f64::from_ne_bytes(c.try_into().unwrap()))
        .collect();
    for (i, x) in xs.iter().enumerate() {
        assert_eq!((got[2 * i], got[2 * i + 1]), (x * 0.25, 0.0), "element {i}");
    }
    // Stage 2 mirrors: 4 transforms of length 5 (values 0..=2 known, 3 and 4 filled) and 5
    // of length 4 (0..=2 known, 3 filled), both in the 100 complex values at `y`.
    for (n, batch) in [(5usize, 4usize), (4, 5)] {
        let parts: Vec<f64> = (0..200).map(|i| i as f64 + 0.5).collect();
        let bytes: Vec<u8> = parts.iter().flat_map(|x| x.to_ne_bytes()).collect();
        emu.upload(y, &bytes).unwrap();
        let upper = batch * (n - n / 2 - 1);
        emu.launch(m, Entry::Kernel, 1, 32, &fft_args(0, y, upper, n, 1.0, 2))
            .unwrap();
        let mut out = vec![0u8; bytes.len()];
        emu.download(y, &mut out).unwrap();
        let got: Vec<f64> = out
            .chunks(8)
            .map(|c| f64::from_ne_bytes(c.try_into().unwrap()))
            .collect();
        for b in 0..batch {
            for k in 0..n {
                let at = b * n + k;
                let want = if k <= n / 2 {
                    (parts[2 * at], parts[2 * at + 1])
                } else {
                    let from = b * n + n - k;
                    (parts[2 * from], -parts[2 * from + 1])
                };
                assert_eq!(
                    (got[2 * at], got[2 * at + 1]),
                    want,
                    "n {n}, transform {b}, k {k}"
                );
            }
        }
        // Past the transforms, nothing changed.
        assert_eq!(got[2 * n * batch..], parts[2 * n * batch..]);
    }
}

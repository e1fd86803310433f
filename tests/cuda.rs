//! The CUDA backend without a GPU: every fused kernel of the examples, the IR goldens and a
//! corpus covering every dtype and loop structure renders to CUDA C, and (where NVRTC is
//! installed, as CI installs it) compiles to PTX. With `ARRJIT_REQUIRE_NVRTC=1` a missing NVRTC
//! fails the test instead of skipping the compile step.

use arrjit::backend::cuda::{nvrtc, render_source};
use arrjit::kernel::Step;
use arrjit::lower::{self, Mode};
use arrjit::passes::fuse::{Fusion, fuse};
use arrjit::syntax;

/// Elementwise, row-reduction and full-reduction kernels over bool, i32, i64, f32, f64, c64
/// and c128, with casts, `where`, random numbers, integer `%` and `**`, and strided and
/// broadcast views.
const CORPUS: &str = "
a = randn(37, seed=1) * 4
b = rand(37, seed=2) + 0.5
fa = f32(a)
fb = f32(b)
ia = i64(a * 10)
ib = i64(b * 9) + 1
ja = i32(ia)
jb = i32(ib)
m = a > b
r1 = ia % ib + ia ** 3 - abs(ia) * sign(ia) + minimum(ia, ib)
r2 = ja % jb + ja ** 2 - abs(ja) + maximum(ja, jb)
r3 = fa % fb + fa ** fb + sqrt(fb) + sin(fa) * floor(fa) + round(fb) + atan2(fa, fb)
r4 = where(m, a, b) + f64(ia) + f64(fa) + f64(m) + minimum(a, b) + exp(b) + log1p(b)
r5 = i32(a) + i32(fa) + i64(fa) + i64(m) + arange(37)
r6 = (m and (ia > 0)) or not m
r7 = a[::-2] * b[0::2] + isnan(a[0:19]) + isinf(b[0:19])
s1 = sum(ia) + prod(jb) + max(ja) + min(ia)
s2 = sum(fa) + max(fa) + mean(fb) + min(fa)
s3 = any(m) and all(ia > -100)
M = reshape(a[0:36], (6, 6))
s4 = sum(M, axis=1) + max(M, axis=0) + min(transpose(M), axis=1)
s5 = any(M > 0, axis=1)
x = randn((4, 5), seed=3, dtype=f32)
s6 = sum(x, axis=1) * 2 + mean(x, axis=0)[0:4]
s7 = softmax(M, axis=1) + logsumexp(M, axis=0)
z = complex(a, b)
zf = complex(fa, fb)
r8 = z * conj(z) + z - complex(0.5, 0.25) + abs(z) + angle(z) + real(z) * imag(z)
r9 = zf * zf + c64(z) + c128(zf) + c128(ia) + (z == z) + isnan(zf) + isinf(z)
s8 = sum(z * z) + prod(zf) + sum(zf)
s9 = sum(reshape(z[0:36], (6, 6)), axis=1) + sum(reshape(zf[0:36], (6, 6)), axis=0)
";

/// The fused kernels of every global of `src` (run in check mode: nothing is evaluated).
fn kernels(src: &str) -> Vec<arrjit::kernel::Kernel> {
    let (program, diags) = syntax::parse(src);
    assert!(diags.is_empty(), "{diags:?}");
    let mut sink = Vec::new();
    let state = lower::run(&program, src, Mode::Run, &mut sink)
        .unwrap_or_else(|d| panic!("{}", arrjit::diag::render("t.arr", src, &d)));
    let roots: Vec<_> = state.array_globals().iter().map(|(_, id)| *id).collect();
    fuse(&state.build.graph, &roots, Fusion::Fused)
        .into_inner()
        .steps
        .into_iter()
        .filter_map(|s| match s {
            Step::Kernel(k) => Some(k),
            Step::Library(_) => None,
        })
        .collect()
}

#[test]
fn every_kernel_renders_and_compiles_to_ptx() {
    let mut sources = vec![("corpus".to_string(), CORPUS.to_string())];
    for dir in ["examples", "tests/data/ir"] {
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "arr"))
            .collect();
        paths.sort();
        for p in paths {
            sources.push((
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            ));
        }
    }
    let compiler = nvrtc::available();
    if let Err(why) = &compiler {
        assert!(
            std::env::var("ARRJIT_REQUIRE_NVRTC").is_err(),
            "ARRJIT_REQUIRE_NVRTC is set but {why}"
        );
        eprintln!("skipped compiling to PTX: {why}");
    }
    let (mut rendered, mut refused) = (0, 0);
    for (name, src) in &sources {
        for k in kernels(src) {
            match render_source(&k) {
                Ok(source) => {
                    rendered += 1;
                    if compiler.is_ok()
                        && let Err(e) = nvrtc::compile(&source, "compute_80")
                    {
                        panic!("{name}: a kernel does not compile:\n{e}");
                    }
                }
                Err(why) => {
                    assert!(why.contains("not rendered to CUDA yet"), "{name}: {why}");
                    refused += 1;
                }
            }
        }
    }
    eprintln!("{rendered} kernels rendered, {refused} not rendered yet (complex functions)");
    assert!(rendered >= 20, "only {rendered} kernels rendered");
}

/// The device's library kernels (scans, sorts, the steps around cuFFT) compile for every
/// dtype they take.
#[test]
fn library_kernels_compile_to_ptx() {
    use arrjit::DType;
    use arrjit::backend::cuda::library::{fft_source, scan_source, sort_source};
    let compiler = nvrtc::available();
    let compile = |what: String, source: String| {
        if compiler.is_ok()
            && let Err(e) = nvrtc::compile(&source, "compute_80")
        {
            panic!("{what} does not compile:\n{e}");
        }
    };
    for d in DType::ALL {
        // Scans take every numeric dtype, sorts every real one.
        assert_eq!(scan_source(d, false).is_some(), d != DType::Bool, "{d}");
        assert_eq!(sort_source(d, false).is_some(), !d.is_complex(), "{d}");
        for product in [false, true] {
            if let Some(source) = scan_source(d, product) {
                compile(format!("the {d} scan"), source);
            }
        }
        for wide in [false, true] {
            if let Some(source) = sort_source(d, wide) {
                compile(format!("the {d} sort (64-bit indices: {wide})"), source);
            }
        }
    }
    for part in [DType::F32, DType::F64] {
        compile(format!("the {part} FFT steps"), fft_source(part));
    }
    if let Err(why) = compiler {
        assert!(
            std::env::var("ARRJIT_REQUIRE_NVRTC").is_err(),
            "ARRJIT_REQUIRE_NVRTC is set but {why}"
        );
        eprintln!("skipped compiling to PTX: {why}");
    }
}

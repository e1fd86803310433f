//! The embedding API: compile once, call many times, from many threads, in every mode; results
//! agree with the interpreter.

mod common;

use arrjit::{Array, Engine, Function, Options, compile, compile_with};

fn with_mode(source: &str, mode: Engine) -> Function {
    compile_with(
        source,
        Options {
            mode,
            ..Options::default()
        },
    )
    .unwrap()
}

/// `sin(a) * b + a` computed directly in Rust.
fn chain(a: &[f64], b: &[f64]) -> Vec<f64> {
    a.iter().zip(b).map(|(a, b)| a.sin() * b + a).collect()
}

fn data(n: usize, seed: u64) -> Vec<f64> {
    (0..n)
        .map(|i| ((i as u64 * 2654435761 + seed * 97) % 1000) as f64 / 100.0 - 5.0)
        .collect()
}

#[test]
fn compiled_functions_agree_with_the_interpreter_in_every_mode() {
    let src = "fn f(a, b) = sin(a) * b + a";
    let modes = [Engine::Fused, Engine::Unfused, Engine::Interp];
    let fs: Vec<Function> = modes.iter().map(|&m| with_mode(src, m)).collect();
    for n in [0, 1, 8, 37, 100_000] {
        let (a, b) = (data(n, 1), data(n, 2));
        let want = chain(&a, &b);
        let results: Vec<Array> = fs.iter().map(|f| f.call(&[&a, &b]).unwrap()).collect();
        // The interpreter is the spec; compiled math may differ from Rust's std by an ulp.
        let interp = results[2].as_slice::<f64>().unwrap();
        for (x, y) in interp.iter().zip(&want) {
            assert!((x - y).abs() <= 1e-12 * y.abs().max(1.0), "{x} vs {y}");
        }
        for r in &results[..2] {
            assert_eq!(common::first_mismatch(&results[2], r), None, "n = {n}");
        }
    }
}

#[test]
fn arguments_may_be_arrays_slices_vectors_and_numbers() {
    let f = compile("fn f(x, k) = x * k + 1").unwrap();
    let v = vec![1.0f64, 2.0, 3.0];
    let arr = Array::from_vec(vec![3], v.clone());
    let from_vec = f.call(&[&v, &2.0]).unwrap();
    let from_array = f.call(&[&arr, &2.0]).unwrap();
    let from_slice = f.call(&[&v.as_slice(), &2.0]).unwrap();
    let from_fixed = f.call(&[&[1.0f64, 2.0, 3.0], &2.0]).unwrap();
    for r in [&from_vec, &from_array, &from_slice, &from_fixed] {
        assert_eq!(r.as_slice::<f64>(), Some(&[3.0, 5.0, 7.0][..]));
    }
    // Integer data keeps its dtype; a weak literal takes it.
    let ints = f.call(&[&vec![1i32, 2, 3], &3i32]).unwrap();
    assert_eq!(ints.as_slice::<i32>(), Some(&[4, 7, 10][..]));
}

#[test]
fn tuples_reductions_and_helper_functions() {
    let src = "fn norm(x) = sqrt(sum(x * x))
fn stats(x) {
    m = mean(x)
    (m, norm(x - m), x - m)
}";
    let f = compile_with(
        src,
        Options {
            function: Some("stats".into()),
            ..Options::default()
        },
    )
    .unwrap();
    let x = vec![1.0, 2.0, 3.0, 6.0];
    assert!(f.returns_tuple(&[&x]).unwrap());
    let out = f.call_all(&[&x]).unwrap();
    assert_eq!(out.len(), 3);
    assert_eq!(out[0].as_slice::<f64>(), Some(&[3.0][..]));
    let norm = (4.0f64 + 1.0 + 0.0 + 9.0).sqrt();
    assert!((out[1].as_slice::<f64>().unwrap()[0] - norm).abs() < 1e-12);
    assert_eq!(out[2].as_slice::<f64>(), Some(&[-2.0, -1.0, 0.0, 3.0][..]));
    let err = f.call(&[&x]).unwrap_err();
    assert!(err.message().contains("call_all"), "{err}");
}

#[test]
fn errors_are_clear_and_located() {
    let cases: [(&str, Option<&str>, &str); 4] = [
        ("x = 1", None, "defines no function"),
        (
            "fn f(a) = a\nfn g(a) = a",
            None,
            "several functions (`f`, `g`)",
        ),
        ("fn f(a) = a", Some("h"), "no function `h`"),
        ("fn f(a) = a +", None, "<source>:1:"),
    ];
    for (src, function, want) in cases {
        let err = compile_with(
            src,
            Options {
                function: function.map(String::from),
                ..Options::default()
            },
        )
        .err()
        .unwrap_or_else(|| panic!("{src} compiled"));
        assert!(err.message().contains(want), "{src}: {err}");
    }
    let f = compile("fn f(a, b) = a + b").unwrap();
    let err = f.call(&[&vec![1.0]]).unwrap_err();
    assert!(err.message().contains("takes 2 arguments (a, b)"), "{err}");
    // Values of the parameters do not exist while the function is compiled.
    let g = compile("fn g(x) {\n    print(x)\n    x\n}").unwrap();
    let err = g.call(&[&vec![1.0]]).unwrap_err();
    assert!(err.message().contains("`print` needs a value"), "{err}");
    // A shape error inside the body points at the source.
    let err = f
        .call(&[&vec![1.0, 2.0], &vec![1.0, 2.0, 3.0]])
        .unwrap_err();
    assert!(err.message().contains("<source>:1:"), "{err}");
    assert!(err.message().contains('^'), "{err}");
}

#[test]
fn new_shapes_and_constants_compile_no_new_kernels() {
    let f = compile("fn f(a) = a * 3 + sum(a)").unwrap();
    f.call(&[&data(10, 1)]).unwrap();
    let kernels = f.kernel_stats().len();
    assert!(kernels > 0);
    for n in [11, 1000, 77_777] {
        f.call(&[&data(n, 2)]).unwrap();
    }
    let stats = f.kernel_stats();
    assert_eq!(stats.len(), kernels, "{stats:?}");
    assert!(stats.iter().map(|s| s.hits).sum::<u64>() >= 3, "{stats:?}");
}

#[test]
fn functions_are_send_and_sync_and_agree_across_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Function>();
    let f = compile("fn f(a, b) = sum(exp(a / 10) * b) + a * b").unwrap();
    let inputs: Vec<(Vec<f64>, Vec<f64>)> = (0..8)
        .map(|t| {
            (
                data(10_000 + t * 999, t as u64),
                data(10_000 + t * 999, 50 + t as u64),
            )
        })
        .collect();
    let sequential: Vec<Array> = inputs
        .iter()
        .map(|(a, b)| f.call(&[a, b]).unwrap())
        .collect();
    for _ in 0..3 {
        let parallel: Vec<Array> = std::thread::scope(|s| {
            let handles: Vec<_> = inputs
                .iter()
                .map(|(a, b)| {
                    let f = &f;
                    s.spawn(move || (0..20).map(|_| f.call(&[a, b]).unwrap()).last().unwrap())
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for (p, q) in parallel.iter().zip(&sequential) {
            assert!(common::same_bits(p, q));
        }
    }
}

/// Eight threads make the first calls of a fresh function at the same moment, each with a
/// signature of its own, so they specialise and compile at once through the shared kernel
/// cache: every result matches a sequential run of another fresh function bit for bit, and the
/// cache ends up with the same kernels (no duplicates, none lost).
#[test]
fn concurrent_first_calls_share_the_kernel_cache_safely() {
    let src = "fn f(a, b) = (softmax(a * b), sum(exp(a / 10) * b, axis=0), cumsum(a))";
    // Four lengths times two dtypes: eight signatures, four of one kernel structure each.
    let args = |t: usize| -> (Array, Array) {
        let n = 1000 + 3000 * (t % 4);
        let (a, b) = (data(n, t as u64), data(n, 100 + t as u64));
        let to = |v: Vec<f64>| Array::from_vec(vec![n / 10, 10], v);
        let (a, b) = (to(a), to(b));
        if t < 4 {
            (a, b)
        } else {
            (a.cast(arrjit::DType::F32), b.cast(arrjit::DType::F32))
        }
    };
    for mode in [Engine::Fused, Engine::Unfused] {
        let sequential_f = with_mode(src, mode);
        let sequential: Vec<Vec<Array>> = (0..8)
            .map(|t| {
                let (a, b) = args(t);
                sequential_f.call_all(&[&a, &b]).unwrap()
            })
            .collect();
        let f = with_mode(src, mode);
        let start = std::sync::Barrier::new(8);
        let parallel: Vec<Vec<Vec<Array>>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|t| {
                    let (f, start) = (&f, &start);
                    s.spawn(move || {
                        let (a, b) = args(t);
                        start.wait();
                        (0..5).map(|_| f.call_all(&[&a, &b]).unwrap()).collect()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for (t, runs) in parallel.iter().enumerate() {
            for run in runs {
                for (p, q) in run.iter().zip(&sequential[t]) {
                    assert!(common::same_bits(p, q), "{mode:?}, thread {t}");
                }
            }
        }
        let names = |f: &Function| {
            let mut s: Vec<String> = f.kernel_stats().iter().map(|k| k.summary.clone()).collect();
            s.sort();
            s
        };
        assert_eq!(names(&f), names(&sequential_f), "{mode:?}");
    }
}

/// Asking the API for the CUDA device where it cannot run is an error that says why; where
/// it can, the function runs there.
#[test]
fn the_cuda_device_runs_or_is_refused_with_a_reason() {
    let compiled = arrjit::compile_with(
        "fn f(a) = a + 1",
        arrjit::Options {
            device: arrjit::Device::Cuda,
            ..arrjit::Options::default()
        },
    );
    match compiled {
        Ok(f) => {
            let y = f.call(&[&vec![1.0, 2.5]]).unwrap();
            assert_eq!(y.as_slice::<f64>(), Some(&[2.0, 3.5][..]));
        }
        Err(err) => assert!(err.to_string().starts_with("device cuda: "), "{err}"),
    }
}

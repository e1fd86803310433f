//! Embedding arrjit in a Rust program: compile a function once, call it many times.
//!
//! Run with `cargo run --release --example embed`.

use arrjit::{Array, Engine, Options};
use std::time::Instant;

fn main() -> Result<(), arrjit::Error> {
    // Compile once. The source may define helpers; name the entry point when there are several.
    let f = arrjit::compile("fn f(a, b) = sin(a) * b + a * a / (1 + b)")?;

    // Call on your own data: `Vec`s and slices are copied in, `Array`s are borrowed.
    let a: Vec<f64> = (0..8).map(|i| i as f64 * 0.25).collect();
    let b = vec![2.0; 8];
    let y: Array = f.call(&[&a, &b])?;
    println!("f(a, b) = {:?}", y.as_slice::<f64>().unwrap());

    // Calls with the same dtypes and shapes cost about a function call.
    let a = Array::from_vec(vec![8], a);
    let b = Array::from_vec(vec![8], b);
    let calls = 100_000;
    let start = Instant::now();
    for _ in 0..calls {
        std::hint::black_box(f.call(&[&a, &b])?);
    }
    let per_call = start.elapsed().as_secs_f64() / calls as f64;
    println!("per call on 8 elements: {:.2} µs", per_call * 1e6);

    // The smallest kernel there is, on 1,000 elements.
    let add = arrjit::compile("fn add(a, b) = a + b")?;
    let x = Array::from_vec(vec![1000], vec![1.5f64; 1000]);
    let start = Instant::now();
    for _ in 0..calls {
        std::hint::black_box(add.call(&[&x, &x])?);
    }
    let per_call = start.elapsed().as_secs_f64() / calls as f64;
    println!("a + b per call on 1,000 elements: {:.2} µs", per_call * 1e6);

    // Gradients compile like any other function: the gradient of sum((w*x)**2) with respect
    // to w is one fused kernel.
    let dloss = arrjit::compile_with(
        "fn loss(w, x) = sum((w * x) ** 2)\nfn dloss(w, x) = grad(loss)(w, x)",
        Options {
            function: Some("dloss".into()),
            ..Options::default()
        },
    )?;
    for n in [100, 10_000, 1_000_000] {
        let w = Array::from_vec(vec![n], vec![1.25f64; n]);
        let x = Array::from_vec(vec![n], vec![0.5f64; n]);
        dloss.call(&[&w, &x])?;
        let calls = (10_000_000 / n).clamp(20, 100_000);
        let start = Instant::now();
        for _ in 0..calls {
            let g = std::hint::black_box(dloss.call(&[&w, &x])?);
            // Giving a large result back lets the next call reuse its memory instead of
            // faulting in fresh pages.
            arrjit::recycle(g);
        }
        let per_call = start.elapsed().as_secs_f64() / calls as f64;
        println!(
            "gradient of sum((w*x)**2) on {n} elements: {:.2} µs",
            per_call * 1e6
        );
    }

    // A new length compiles nothing: sizes are run-time parameters of the kernels.
    let big: Vec<f64> = (0..1_000_000).map(|i| (i % 1000) as f64 / 1000.0).collect();
    let start = Instant::now();
    let y = f.call(&[&big, &big])?;
    println!(
        "1M elements: {:.2} ms (first call at this length), y[999] = {}",
        start.elapsed().as_secs_f64() * 1e3,
        y.as_slice::<f64>().unwrap()[999]
    );
    for s in f.kernel_stats() {
        println!(
            "  {}: compiled in {:.2} ms, {} calls, {} cache hits",
            s.name,
            s.compile_s * 1e3,
            s.calls,
            s.hits
        );
    }

    // Functions are Send + Sync: call one from several threads at once.
    let results: Vec<f64> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|t| {
                let f = &f;
                s.spawn(move || {
                    let x = vec![t as f64; 1000];
                    let y = f.call(&[&x, &x]).unwrap();
                    y.as_slice::<f64>().unwrap()[0]
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    println!("from 4 threads: {results:?}");

    // The same function unfused (one kernel per primitive) or interpreted, for comparison.
    let unfused = arrjit::compile_with(
        "fn f(a, b) = sin(a) * b + a * a / (1 + b)",
        Options {
            mode: Engine::Unfused,
            ..Options::default()
        },
    )?;
    let y2 = unfused.call(&[&a, &b])?;
    println!(
        "unfused agrees: {}",
        y2.as_slice::<f64>() == f.call(&[&a, &b])?.as_slice::<f64>()
    );
    Ok(())
}

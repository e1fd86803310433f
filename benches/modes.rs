//! Interpreted vs unfused vs fused execution of the same graphs, side by side in one run.
//! Run with `cargo bench --bench modes`; prints the median time per call of each mode (compile
//! time excluded: each schedule is compiled once, before timing) and fused's speedups.

use arrjit::backend::cpu::Cpu;
use arrjit::ir::NodeId;
use arrjit::ir::interp::Evaluator;
use arrjit::lower::{self, Mode};
use arrjit::passes::fuse::{Fusion, fuse};
use arrjit::syntax;
use std::time::{Duration, Instant};

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

fn main() {
    let workloads = [
        ("sin(a)*b + a*a/(1+b)", "sin(a) * b + a * a / (1 + b)"),
        (
            "0.25x³+0.75x²-1.5x-2",
            "0.25 * a**3 + 0.75 * a**2 - 1.5 * a - 2",
        ),
        ("sum((w*x)**2)", "sum((a * b) ** 2)"),
        ("a + b", "a + b"),
        ("stencil", "a[2:] - 2 * a[1:-1] + a[:-2]"),
        ("softmax", "softmax(a)"),
    ];
    println!(
        "{:<24} {:>9} {:>12} {:>12} {:>12} {:>9} {:>9}",
        "workload", "n", "interp", "unfused", "fused", "vs interp", "vs unfused"
    );
    for (name, expr) in workloads {
        for n in [1_000usize, 1_000_000] {
            // The loop turns the inputs into materialised arrays, so only `y` is timed.
            let source = format!(
                "for i in 0..1 {{\n a = rand({n}, seed=1)\n b = rand({n}, seed=2) + 0.5\n}}\ny = {expr}\n"
            );
            let (program, diags) = syntax::parse(&source);
            assert!(diags.is_empty());
            let mut sink = Vec::new();
            let state = lower::run(&program, &source, Mode::Run, &mut sink).expect("runs");
            let y: NodeId = state
                .array_globals()
                .into_iter()
                .find(|(k, _)| k == "y")
                .expect("y")
                .1;
            let graph = &state.graph;
            let mut cpu = Cpu::new().expect("a CPU Cranelift supports");
            let fused = fuse(graph, &[y], Fusion::Fused);
            let unfused = fuse(graph, &[y], Fusion::Unfused);
            // Compile both before timing.
            cpu.run_schedule(&fused, graph, &[]);
            cpu.run_schedule(&unfused, graph, &[]);
            let runs = if n > 10_000 { 15 } else { 300 };
            let (mut ti, mut tu, mut tf) = (Vec::new(), Vec::new(), Vec::new());
            // Interleaved, so that drifts in machine speed hit every mode alike.
            for _ in 0..runs {
                let t = Instant::now();
                std::hint::black_box(Evaluator::new().eval(graph, y));
                ti.push(t.elapsed());
                let t = Instant::now();
                std::hint::black_box(cpu.run_schedule(&unfused, graph, &[]));
                tu.push(t.elapsed());
                let t = Instant::now();
                std::hint::black_box(cpu.run_schedule(&fused, graph, &[]));
                tf.push(t.elapsed());
            }
            let (i, u, f) = (median(ti), median(tu), median(tf));
            println!(
                "{name:<24} {n:>9} {:>12?} {:>12?} {:>12?} {:>8.1}x {:>8.1}x",
                i,
                u,
                f,
                i.as_secs_f64() / f.as_secs_f64(),
                u.as_secs_f64() / f.as_secs_f64()
            );
        }
    }
}

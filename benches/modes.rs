//! Interpreted vs unfused vs fused execution of the same graphs.
//!
//! `cargo bench --bench modes` runs one criterion group per workload and size, with the three
//! modes as its functions (`modes/<workload>/<n>/{interp,unfused,fused}`), then prints a table
//! that times the modes interleaved, run by run, so that drifts in the machine's speed hit every
//! mode alike, with fused's speedups. Compile time is excluded: each schedule is compiled once,
//! before timing; inputs are materialised arrays.
//!
//! A second set of groups, `loops/<workload>/{replayed,turn_by_turn}`, runs a script whose
//! loop takes `LOOP_STEPS` steps of gradient descent, with the loop traced once and replayed
//! (a Program) and with every turn lowered again: the per-step cost is the time over the steps.
//!
//! Criterion's options follow `--`: `cargo bench --bench modes -- --quick` (short criterion
//! runs, and fewer interleaved runs), `-- stencil` (only workloads whose id contains `stencil`),
//! `-- --list`. `ARRJIT_BENCH_TABLE=0` leaves the interleaved table out, `=only` runs nothing
//! else.

use arrjit::backend::cpu::Cpu;
use arrjit::ir::interp::Evaluator;
use arrjit::ir::{Graph, NodeId};
use arrjit::kernel::VerifiedSchedule;
use arrjit::lower::{self, Mode};
use arrjit::passes::fuse::{Fusion, fuse};
use arrjit::syntax;
use criterion::Criterion;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// (short name, expression over the inputs `a` and `b`).
const WORKLOADS: [(&str, &str); 6] = [
    ("chain", "sin(a) * b + a * a / (1 + b)"),
    ("poly", "0.25 * a**3 + 0.75 * a**2 - 1.5 * a - 2"),
    ("sumsq", "sum((a * b) ** 2)"),
    ("add", "a + b"),
    ("stencil", "a[2:] - 2 * a[1:-1] + a[:-2]"),
    ("softmax", "softmax(a)"),
];
const SIZES: [usize; 2] = [1_000, 1_000_000];

/// One workload's graph and its two schedules, compiled.
struct Case {
    graph: Graph,
    y: NodeId,
    fused: VerifiedSchedule,
    unfused: VerifiedSchedule,
}

impl Case {
    fn new(expr: &str, n: usize, cpu: &mut Cpu) -> Case {
        // The loop turns the inputs into materialised arrays, so only `y` is timed.
        let source = format!(
            "for i in 0..1 {{\n a = rand({n}, seed=1)\n b = rand({n}, seed=2) + 0.5\n}}\ny = {expr}\n"
        );
        let (program, diags) = syntax::parse(&source);
        assert!(diags.is_empty(), "{diags:?}");
        let mut sink = Vec::new();
        let state = lower::run(&program, &source, Mode::Run, &mut sink).expect("runs");
        let y = state
            .array_globals()
            .into_iter()
            .find(|(k, _)| k == "y")
            .expect("y")
            .1;
        let graph = state.build.graph;
        let fused = fuse(&graph, &[y], Fusion::Fused);
        let unfused = fuse(&graph, &[y], Fusion::Unfused);
        // Compile both before timing.
        cpu.run_schedule(&fused, &graph, &[]);
        cpu.run_schedule(&unfused, &graph, &[]);
        Case {
            graph,
            y,
            fused,
            unfused,
        }
    }

    fn interp(&self) {
        black_box(Evaluator::new().eval(&self.graph, self.y));
    }

    fn unfused(&self, cpu: &mut Cpu) {
        black_box(cpu.run_schedule(&self.unfused, &self.graph, &[]));
    }

    fn fused(&self, cpu: &mut Cpu) {
        black_box(cpu.run_schedule(&self.fused, &self.graph, &[]));
    }
}

fn criterion_groups(c: &mut Criterion, cpu: &mut Cpu) {
    for (name, expr) in WORKLOADS {
        for n in SIZES {
            let case = Case::new(expr, n, cpu);
            let mut g = c.benchmark_group(format!("modes/{name}/{n}"));
            if n > 10_000 {
                // The interpreter takes tens of milliseconds a call here.
                g.sample_size(10);
            }
            g.bench_function("interp", |b| b.iter(|| case.interp()));
            g.bench_function("unfused", |b| b.iter(|| case.unfused(cpu)));
            g.bench_function("fused", |b| b.iter(|| case.fused(cpu)));
            g.finish();
        }
    }
}

/// Steps of each loop in the `loops/…` groups.
const LOOP_STEPS: usize = 1_000;

/// (short name, parameter count) of the gradient-descent loops.
const LOOPS: [(&str, usize); 2] = [("gd", 100), ("gd", 1_000_000)];

/// The script of a gradient-descent loop on `n` parameters.
fn gd_script(n: usize, steps: usize) -> String {
    format!(
        "fn loss(w, x) = sum((w * x - 1) ** 2)\n\
         w = rand({n}, seed=2) + 0.5\n\
         x = rand({n}, seed=1)\n\
         for i in 0..{steps} {{ w = w - 0.01 * grad(loss)(w, x) }}\n"
    )
}

fn run_script(source: &str, replay: bool) {
    let (program, diags) = syntax::parse(source);
    assert!(diags.is_empty());
    let mut out = Vec::new();
    let engine = lower::Engine::Fused;
    let state = if replay {
        lower::run_on(&program, source, Mode::Run, engine, &mut out)
    } else {
        lower::run_turn_by_turn(&program, source, engine, &mut out)
    };
    black_box(state.expect("the script runs"));
}

fn loop_groups(c: &mut Criterion) {
    for (name, n) in LOOPS {
        // Fewer steps on a million parameters: a step there takes about a millisecond.
        let steps = if n > 10_000 {
            LOOP_STEPS / 10
        } else {
            LOOP_STEPS
        };
        let source = gd_script(n, steps);
        let mut g = c.benchmark_group(format!("loops/{name}_{n}/{steps}_steps"));
        g.sample_size(10);
        g.bench_function("replayed", |b| b.iter(|| run_script(&source, true)));
        g.bench_function("turn_by_turn", |b| b.iter(|| run_script(&source, false)));
        g.finish();
    }
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

/// The modes timed run by run, interleaved, with medians and fused's speedups.
fn interleaved_table(cpu: &mut Cpu, quick: bool, filter: Option<&str>) {
    println!(
        "\ninterleaved medians\n{:<9} {:>9} {:>12} {:>12} {:>12} {:>9} {:>9}",
        "workload", "n", "interp", "unfused", "fused", "vs interp", "vs unfused"
    );
    for (name, expr) in WORKLOADS {
        for n in SIZES {
            if filter.is_some_and(|f| !format!("modes/{name}/{n}").contains(f)) {
                continue;
            }
            let case = Case::new(expr, n, cpu);
            let runs = match (n > 10_000, quick) {
                (true, false) => 15,
                (true, true) => 5,
                (false, false) => 300,
                (false, true) => 50,
            };
            let (mut ti, mut tu, mut tf) = (Vec::new(), Vec::new(), Vec::new());
            for _ in 0..runs {
                let t = Instant::now();
                case.interp();
                ti.push(t.elapsed());
                let t = Instant::now();
                case.unfused(cpu);
                tu.push(t.elapsed());
                let t = Instant::now();
                case.fused(cpu);
                tf.push(t.elapsed());
            }
            let (i, u, f) = (median(ti), median(tu), median(tf));
            println!(
                "{name:<9} {n:>9} {:>12?} {:>12?} {:>12?} {:>8.1}x {:>8.1}x",
                i,
                u,
                f,
                i.as_secs_f64() / f.as_secs_f64(),
                u.as_secs_f64() / f.as_secs_f64()
            );
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |f: &str| args.iter().any(|a| a == f);
    // `cargo test --benches` passes no `--bench`; `--test` and `--list` run nothing timed.
    let timing = flag("--bench") && !flag("--test") && !flag("--list");
    let table = std::env::var("ARRJIT_BENCH_TABLE").unwrap_or_default();
    let mut cpu = Cpu::new().expect("a CPU Cranelift supports");
    if table != "only" {
        let mut c = Criterion::default().configure_from_args();
        criterion_groups(&mut c, &mut cpu);
        loop_groups(&mut c);
        c.final_summary();
    }
    if timing && table != "0" {
        // Criterion's filter is its first positional argument (the value of an option such
        // as `--save-baseline NAME` is not one of them; good enough for a bench).
        let filter = args
            .iter()
            .find(|a| !a.starts_with('-'))
            .map(String::as_str);
        interleaved_table(&mut cpu, flag("--quick"), filter);
    }
}

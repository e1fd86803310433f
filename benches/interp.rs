//! Times the reference interpreter on small scripts: the baseline that compiled modes are
//! compared against. Run with `cargo bench --bench interp`; prints the median of several runs.

use arrjit::lower::{self, Mode};
use arrjit::syntax;
use std::time::{Duration, Instant};

/// Parses and runs `source` once, returning the wall time of the run (parse excluded).
fn time_once(source: &str) -> Duration {
    let (program, diags) = syntax::parse(source);
    assert!(
        diags.is_empty(),
        "benchmark script does not parse: {diags:?}"
    );
    let mut sink = Vec::new();
    let start = Instant::now();
    let state = lower::run(&program, source, Mode::Run, &mut sink);
    let elapsed = start.elapsed();
    assert!(state.is_ok(), "benchmark script failed");
    elapsed
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

fn main() {
    let cases = [
        (
            "chain sin(a)*b + a*a/(1+b)",
            "y = sin(a) * b + a * a / (1 + b)\nprint(sum(y))",
        ),
        ("sum((w*x)**2)", "print(sum((a * b) ** 2))"),
        ("softmax", "print(sum(softmax(a)))"),
        ("sort", "print(sort(a)[0])"),
        ("fft", "print(abs(fft(a))[0])"),
    ];
    println!("{:<28} {:>10} {:>14}", "workload", "n", "median");
    for (name, body) in cases {
        for n in [1_000, 1_000_000] {
            let source = format!("a = rand({n}, seed=1)\nb = rand({n}, seed=2)\n{body}\n");
            let runs = if n > 10_000 { 5 } else { 50 };
            let times: Vec<Duration> = (0..runs).map(|_| time_once(&source)).collect();
            println!("{name:<28} {n:>10} {:>14?}", median(times));
        }
    }
}

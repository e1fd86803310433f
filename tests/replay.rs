//! Replayed loops (src/lower/replay.rs) against the same loops run turn by turn: every global
//! array must end with the same bits, in every engine, on generated programs and on loops
//! written to reach each rule (structures that change mid-loop, variables that share or swap
//! arrays, the loop variable, host steps, time limits).

#[path = "differential/calls.rs"]
mod calls;
mod common;
#[path = "differential/expr.rs"]
mod expr;
#[path = "differential/generate.rs"]
mod generate;

use arrjit::diag;
use arrjit::limits::Limits;
use arrjit::lower::{self, Engine, Mode};
use arrjit::syntax;
use arrjit_runtime::Array;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestRunner};
use std::cell::Cell;
use std::time::{Duration, Instant};

/// What a run ended with: the global arrays by name, or the rendered diagnostics; and how many
/// turns were replayed.
type Ending = (Result<Vec<(String, Array)>, String>, u64);

fn ending(source: &str, engine: Engine, replay: bool) -> Ending {
    let (program, diags) = syntax::parse(source);
    assert!(
        diags.is_empty(),
        "{}",
        diag::render("t.arr", source, &diags)
    );
    let mut sink = Vec::new();
    let state = if replay {
        lower::run_on(&program, source, Mode::Run, engine, &mut sink)
    } else {
        lower::run_turn_by_turn(&program, source, engine, &mut sink)
    };
    match state {
        Ok(mut state) => {
            let arrays = state.global_arrays().expect("every global array evaluates");
            (Ok(arrays), state.replayed_turns())
        }
        Err(diags) => (Err(diag::render("t.arr", source, &diags)), 0),
    }
}

/// Runs `source` replayed and turn by turn on `engine`; returns the turns replayed, or what
/// differed.
fn compare(source: &str, engine: Engine) -> Result<u64, String> {
    let (replayed, turns) = ending(source, engine, true);
    let (stepped, stepped_turns) = ending(source, engine, false);
    assert_eq!(stepped_turns, 0, "turn by turn replays nothing");
    match (&replayed, &stepped) {
        (Ok(r), Ok(s)) => {
            let names =
                |v: &[(String, Array)]| v.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
            if names(r) != names(s) {
                return Err(format!(
                    "{engine:?}: variables {:?} vs {:?}",
                    names(r),
                    names(s)
                ));
            }
            for ((name, a), (_, b)) in r.iter().zip(s) {
                if !common::same_bits(a, b) {
                    return Err(format!(
                        "{engine:?}: `{name}` replayed is\n{a:?}\nturn by turn\n{b:?}"
                    ));
                }
            }
            Ok(turns)
        }
        (Err(r), Err(s)) if r == s => Ok(turns),
        _ => Err(format!(
            "{engine:?}: replayed {replayed:?}\nturn by turn {stepped:?}"
        )),
    }
}

/// `compare` in every engine; returns the turns replayed by the fused engine.
fn compare_all(source: &str) -> u64 {
    let mut fused = 0;
    for engine in Engine::ALL {
        let turns = compare(source, engine).unwrap_or_else(|e| panic!("{e}\nin\n{source}"));
        if engine == Engine::Fused {
            fused = turns;
        } else {
            assert_eq!(
                turns, fused,
                "{engine:?} replays what fused does, in\n{source}"
            );
        }
    }
    fused
}

#[test]
fn gradient_descent_is_replayed_with_the_same_bits() {
    let source = "
fn loss(w, x) = sum((w * x - 1) ** 2)
w = rand(100, seed=2)
x = rand(100, seed=1)
for i in 0..50 {
    w = w - 0.01 * grad(loss)(w, x)
}
";
    // The first turn runs statement by statement, and its end traces the rest.
    assert_eq!(compare_all(source), 49);
}

#[test]
fn variables_may_start_as_constants_swap_and_share() {
    // `w` and `b` are constants before the first turn and arrays after it.
    let fit = "
x = linspace(-1, 1, 50)
y = 3.0 * x - 0.5
w = 0.0
b = 0.0
for step in 0..20 {
    err = w * x + b - y
    w = w - 0.5 * mean(2 * err * x)
    b = b - 0.5 * mean(2 * err)
}
";
    assert_eq!(compare_all(fit), 19);
    // After the first turn `t` and `b` share an array; each turn swaps `a` and `b`.
    let swap = "
a = arange(6) * 1.5
b = ones(6)
for i in 0..7 {
    t = a
    a = b + 0.25
    b = t
}
";
    assert_eq!(compare_all(swap), 6);
    // Two names for one array that the body keeps together, and a constant it leaves alone.
    let shared = "
a = rand((4, 3), seed=5)
c = a
k = 2
for i in 0..5 {
    a = sin(a) * k
    c = a
}
";
    assert_eq!(compare_all(shared), 4);
}

#[test]
fn the_loop_variable_is_a_parameter_where_the_bits_stay_the_same() {
    // Exact arithmetic on the counter: replayed.
    for body in [
        "x = x * 0.5 + i",
        "x = x * 3 - i",
        "x = where(i > 3, x + 1, x - i / 7)",
        "x = x + sqrt(i) + abs(i - 4)",
        "x = maximum(x, f32(i) * 0.1)",
    ] {
        let source = format!("x = arange(5) * 0.5\nfor i in 0..9 {{ {body} }}\n");
        assert_eq!(compare_all(&source), 8, "{source}");
    }
    // A transcendental function of the counter (a turn folds it in the interpreter), a power
    // with the counter as exponent (a constant 2 is `x * x`), the counter cast to i32, and
    // the counter as an index or a size: turn by turn.
    for body in [
        "x = x + sin(i)",
        "x = x ** i",
        "x = x + i32(i)",
        "x = x + x[i % 5]",
        "x = x + sum(zeros(i))",
    ] {
        let source = format!("x = arange(5) * 0.5\nfor i in 0..9 {{ {body} }}\n");
        assert_eq!(compare_all(&source), 0, "{source}");
    }
}

#[test]
fn loops_that_cannot_be_replayed_run_turn_by_turn() {
    for body in [
        // Host steps.
        "x = x + 1\n print(x)",
        "x = x + 1\n save(\"/dev/null\", x)",
        // A value needed while lowering.
        "x = x + 1\n y = zeros(i64(sum(x)) % 3 + 1)",
        // Unseeded random numbers differ at every turn.
        "x = x + rand(3)",
        // A function defined in the body, a tuple.
        "fn f(a) = a + 1\n x = f(x)",
        "t = (x, x)\n x = x + 1",
    ] {
        let source = format!("x = zeros(3)\nfor i in 0..4 {{\n {body}\n}}\n");
        let (program, diags) = syntax::parse(&source);
        assert!(diags.is_empty(), "{source}");
        let mut out = Vec::new();
        let state = lower::run_on(&program, &source, Mode::Run, Engine::Fused, &mut out)
            .unwrap_or_else(|d| panic!("{}", diag::render("t.arr", &source, &d)));
        assert_eq!(state.replayed_turns(), 0, "{source}");
        drop(state);
        compare_all(&source);
    }
    // A loop inside the body: the outer loop runs turn by turn, and the inner one is replayed
    // from its second turn on, in each outer turn.
    let nested = "x = zeros(3)\nfor i in 0..4 {\n for j in 0..3 { x = x + j }\n}\n";
    assert_eq!(compare_all(nested), 4 * 2);
    // `print` still prints every turn.
    let source = "x = zeros(2)\nfor i in 0..3 { x = x + 1\n print(x) }\n";
    let (program, _) = syntax::parse(source);
    let mut out = Vec::new();
    lower::run_on(&program, source, Mode::Run, Engine::Fused, &mut out).expect("runs");
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "[1. 1.]\n[2. 2.]\n[3. 3.]\n"
    );
}

#[test]
fn a_structure_that_changes_is_traced_again() {
    // `x` grows by one element a turn: no trace holds, and the values stay right.
    let growing = "
x = ones(1)
for i in 0..12 {
    x = concat(x, x[-1:] * 2)
}
";
    assert_eq!(compare_all(growing), 0);
    // `y` grows for three turns, then keeps its shape: a later trace holds.
    let settles = "
y = ones(1)
z = ones(4)
for i in 0..40 {
    y = concat(y, y)[:4]
    z = z * 0.5 + sum(y)
}
";
    let turns = compare_all(settles);
    assert!((30..40).contains(&turns), "{turns} turns replayed");
    // A dtype that changes after the first turn (i64 → f64).
    let promoted = "
n = arange(3)
for i in 0..6 {
    n = n / 2
}
";
    assert!(compare_all(promoted) >= 4);
}

#[test]
fn a_replayed_loop_stops_at_its_time_limit() {
    let source = "x = ones(1000)\nfor i in 0..1000000000 {\n    x = x * 0.5 + 1\n}\n";
    let (program, _) = syntax::parse(source);
    let limits = Limits {
        time: Some(Duration::from_millis(200)),
        ..Limits::default()
    };
    let start = Instant::now();
    let mut out = Vec::new();
    let result = lower::run_limited(
        &program,
        source,
        Mode::Run,
        Engine::Fused,
        arrjit::Device::Cpu,
        limits,
        &mut out,
    );
    let Err(diags) = result else {
        panic!("a billion turns finished within the limit")
    };
    let text = diag::render("t.arr", source, &diags);
    assert!(text.contains("t.arr:2:1: error:"), "{text}");
    assert!(text.contains("time limit"), "{text}");
    // Far more than the limit, so that a loaded machine does not fail it: the point is that
    // the loop stops instead of running its billion turns.
    assert!(start.elapsed() < Duration::from_secs(30));
}

/// The generated programs, each as it is and with its statements (without prints, loops and
/// invalid statements) inside a three-turn loop.
#[test]
fn generated_programs_replay_with_the_same_bits() {
    let cases: u32 = std::env::var("ARRJIT_DIFF_CASES")
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
        .map_or(300, |n| n / 4);
    let mut runner = TestRunner::new(Config {
        cases,
        rng_seed: RngSeed::Fixed(0x5eed_2e91),
        failure_persistence: None,
        max_shrink_iters: 2048,
        ..Config::default()
    });
    // Valid looped programs, and those of them whose loop was replayed.
    let (valid, replayed) = (Cell::new(0u32), Cell::new(0u32));
    let strategy = (vec(any::<u32>(), 4), vec(vec(any::<u32>(), 48), 1..=8))
        .prop_map(|(header, stmts)| generate::build(&header, &stmts));
    let result = runner.run(&strategy, |program| {
        let body: Vec<&str> = (program.source.lines())
            .filter(|l| !l.starts_with("for ") && !l.starts_with("print("))
            .collect();
        let looped = format!("for t in 0..3 {{\n{}\n}}\n", body.join("\n"));
        for source in [&program.source, &looped] {
            let mut turns = 0;
            for engine in Engine::ALL {
                turns += compare(source, engine)
                    .map_err(|e| TestCaseError::fail(format!("{e}\nin\n{source}")))?;
            }
            if source == &looped && ending(source, Engine::Interp, false).0.is_ok() {
                valid.set(valid.get() + 1);
                replayed.set(replayed.get() + (turns > 0) as u32);
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    // Nearly every looped program is replayed: a test that replayed nothing would compare
    // nothing.
    eprintln!(
        "{} of {} valid looped programs replayed",
        replayed.get(),
        valid.get()
    );
    assert!(
        replayed.get() as f64 >= 0.9 * valid.get() as f64,
        "only {} of {} valid looped programs replayed their loop",
        replayed.get(),
        valid.get()
    );
}

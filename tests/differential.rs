//! Differential testing: random well-typed programs run on the reference interpreter (the
//! spec), on unfused compiled kernels and on fused compiled kernels, and every global array
//! they end with must agree (`differential/compare.rs` says how closely). A program that one
//! engine rejects must be rejected by all three with the same diagnostic.
//!
//! The programs come from `differential/generate.rs`. The random numbers come from a fixed
//! seed, so a run is reproducible; `PROPTEST_RNG_SEED` picks another seed, and
//! `ARRJIT_DIFF_CASES` runs more programs than the default 2,000 (split over two tests, which
//! the test harness runs in parallel). A failure is shrunk to a small program before it is
//! reported; failures are not persisted, since the fixed seed finds them again.

#[path = "differential/calls.rs"]
mod calls;
#[path = "differential/compare.rs"]
mod compare;
#[path = "differential/expr.rs"]
mod expr;
#[path = "differential/generate.rs"]
mod generate;

use arrjit::lower::Engine;
use compare::{Outcome, agree, run};
use generate::{Program, build};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestError, TestRunner};
use std::cell::Cell;

/// How many programs to run in all, by default.
const DEFAULT_CASES: u32 = 2_000;

/// Random programs: a few numbers for the base shape, then one tape per statement.
fn programs() -> impl Strategy<Value = Program> {
    (vec(any::<u32>(), 4), vec(vec(any::<u32>(), 48), 1..=8))
        .prop_map(|(header, stmts)| build(&header, &stmts))
}

fn config(seed: u64) -> Config {
    let total = std::env::var("ARRJIT_DIFF_CASES")
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
        .unwrap_or(DEFAULT_CASES);
    let defaults = Config::default();
    let rng_seed = match defaults.rng_seed {
        // `PROPTEST_RNG_SEED` was given: each half of the cases still gets its own stream.
        RngSeed::Fixed(s) => RngSeed::Fixed(s ^ seed),
        RngSeed::Random => RngSeed::Fixed(seed),
    };
    Config {
        cases: total.div_ceil(2),
        rng_seed,
        failure_persistence: None,
        max_shrink_iters: 4096,
        max_shrink_time: 120_000,
        ..defaults
    }
}

/// Runs the programs of one seed; panics with the smallest failing program.
fn differential(seed: u64) {
    let config = config(seed);
    let cases = config.cases;
    let mut runner = TestRunner::new(config);
    let (ran, rejected) = (Cell::new(0u32), Cell::new(0u32));
    let result = runner.run(&programs(), |program| {
        let source = &program.source;
        let single = source.contains("f32") || source.contains("c64");
        let want = run(source, Engine::Interp);
        match &want {
            Outcome::Ran(_) => ran.set(ran.get() + 1),
            Outcome::Rejected(_) => rejected.set(rejected.get() + 1),
            Outcome::Panicked(_) => {}
        }
        for (engine, name) in [
            (Engine::Unfused, "unfused JIT"),
            (Engine::Fused, "fused JIT"),
        ] {
            let got = run(source, engine);
            agree(&want, &got, name, single).map_err(TestCaseError::fail)?;
        }
        if let Outcome::Panicked(msg) = want {
            return Err(TestCaseError::fail(format!("every engine panicked: {msg}")));
        }
        Ok(())
    });
    match result {
        Ok(()) => {}
        Err(TestError::Fail(why, program)) => {
            panic!("engines disagree on this program (shrunk):\n{program:?}\n{why}")
        }
        Err(TestError::Abort(why)) => panic!("aborted: {why}"),
    }
    let (ran, rejected) = (ran.get(), rejected.get());
    eprintln!("{cases} programs: {ran} ran, {rejected} rejected by every engine");
    // The generator means to write well-typed programs; only a few are ill-typed on purpose.
    assert!(
        rejected * 10 <= cases,
        "{rejected} of {cases} programs were rejected: the generator's type tracking is off"
    );
}

#[test]
fn engines_agree_on_random_programs_a() {
    differential(0x0a11_ce5e_edf0_0d01);
}

#[test]
fn engines_agree_on_random_programs_b() {
    differential(0x0b0b_5eed_cafe_0002);
}

//! Short versions of the fuzz targets (`fuzz/`), run with every `cargo test`: the same checks
//! (`fuzz/checks.rs`) on inputs proptest makes by mutating the committed seed corpora and from
//! plain random bytes. The fuzzers search far longer; these keep what they found fixed.

#[path = "../fuzz/checks.rs"]
mod checks;

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::path::Path;

fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/seeds")
        .join(target);
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    paths.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

/// Pieces of the language to splice into programs.
const TOKENS: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    ";",
    "\n",
    "..",
    " = ",
    " + ",
    " - ",
    " * ",
    " / ",
    " % ",
    " ** ",
    " @ ",
    " == ",
    " < ",
    " and ",
    " not ",
    "-",
    "0",
    "1",
    "2",
    "-1",
    "0.5",
    "1e308",
    "1e-320",
    "nan",
    "inf",
    "-0.0",
    "9223372036854775807",
    "2j",
    "true",
    "x",
    "y",
    "a",
    "b",
    "sum(",
    "max(",
    "sort(",
    "cumsum(",
    "fft(",
    "reshape(",
    "transpose(",
    "where(",
    "grad(",
    "fn g(q) = ",
    "for i in 0..3 { ",
    "axis=0",
    "axis=-1",
    "keepdims=true",
    "dtype=f32",
    "dtype=i32",
    "i32(",
    "bool(",
    "f32(",
    "zeros(",
    "arange(",
    "[::-1]",
    "[1:]",
    "[0]",
    "print(",
    "\"s\"",
];

/// A seed with a few random edits: deletions, duplications and spliced tokens.
fn mutated(seeds: Vec<Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    let edits = vec((any::<u8>(), any::<u16>(), any::<u16>()), 1..6);
    (0..seeds.len(), edits).prop_map(move |(i, edits)| {
        let mut s = seeds[i].clone();
        for (kind, at, len) in edits {
            let at = at as usize % (s.len() + 1);
            let end = (at + len as usize % 16).min(s.len());
            match kind % 4 {
                0 => {
                    s.drain(at..end);
                }
                1 => {
                    let copy = s[at..end].to_vec();
                    s.splice(at..at, copy);
                }
                2 => {
                    let t = TOKENS[len as usize % TOKENS.len()].as_bytes();
                    s.splice(at..at, t.iter().copied());
                }
                _ => {
                    if at < s.len() {
                        s[at] ^= 1 << (len % 8);
                    }
                }
            }
        }
        s
    })
}

fn check(cases: u32, strategy: impl Strategy<Value = Vec<u8>>, f: fn(&[u8]) -> Result<(), String>) {
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let result = runner.run(&strategy, |data| {
        f(&data).map_err(TestCaseError::fail)?;
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn parse_never_fails_on_bytes_or_mutated_sources() {
    check(2000, mutated(seeds("parse")), checks::parse);
    check(1000, vec(any::<u8>(), 0..300), checks::parse);
}

#[test]
fn the_engines_agree_on_mutated_programs_within_tiny_limits() {
    check(150, mutated(seeds("pipeline")), checks::pipeline);
}

#[test]
fn npy_reading_never_fails_on_mutated_files() {
    check(3000, mutated(seeds("npy")), checks::npy);
    check(1000, vec(any::<u8>(), 0..200), checks::npy);
}

#[test]
fn the_engines_agree_on_every_pipeline_seed() {
    for (i, seed) in seeds("pipeline").iter().enumerate() {
        if let Err(why) = checks::pipeline(seed) {
            panic!("seed {i}: {why}");
        }
    }
}

//! Random programs made of random calls with random arguments must never panic: every one
//! either runs or ends in a diagnostic, and every graph built passes the IR verifier. A deterministic generator keeps failures reproducible.

mod common;

use arrjit::ir::verify::verify;
use arrjit::lower::{self, Mode};
use arrjit::syntax;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

const FUNCS: &[&str] = &[
    "abs",
    "sqrt",
    "exp",
    "log",
    "sin",
    "floor",
    "round",
    "sign",
    "isnan",
    "real",
    "imag",
    "conj",
    "angle",
    "minimum",
    "maximum",
    "atan2",
    "where",
    "clip",
    "complex",
    "sum",
    "prod",
    "mean",
    "min",
    "max",
    "argmin",
    "argmax",
    "any",
    "all",
    "var",
    "std",
    "logsumexp",
    "softmax",
    "relu",
    "zeros",
    "ones",
    "full",
    "arange",
    "linspace",
    "eye",
    "rand",
    "randn",
    "reshape",
    "transpose",
    "broadcast_to",
    "concat",
    "len",
    "shape",
    "matmul",
    "fft",
    "ifft",
    "rfft",
    "irfft",
    "sort",
    "argsort",
    "cumsum",
    "cumprod",
    "f32",
    "f64",
    "i32",
    "i64",
    "bool",
    "c64",
    "c128",
    "print",
];
const KEYWORDS: &[&str] = &[
    "axis", "keepdims", "dtype", "seed", "n", "num", "axes", "bogus",
];
const OPS: &[&str] = &["+", "-", "*", "/", "%", "**", "@", "==", "<", "and", "or"];

fn atom(r: &mut Rng, depth: usize) -> String {
    match r.below(if depth > 2 { 8 } else { 12 }) {
        0 => format!("{}", r.below(7) as i64 - 2),
        1 => r
            .pick(&["0.5", "-1.5", "1e300", "nan", "inf", "0.0", "2j", "true"])
            .to_string(),
        2 => r.pick(&["x", "y", "z", "m", "e3", "s"]).to_string(),
        3 => r
            .pick(&["(2, 3)", "(3,)", "()", "(0, 2)", "(-1, 2)", "(1, 1, 2)"])
            .to_string(),
        4 => r
            .pick(&["f32", "i32", "bool", "c64", "\"f64\"", "\"no\""])
            .to_string(),
        5 => "[1, 2, 3]".to_string(),
        6 => "[[1.5, 2], [3, 4]]".to_string(),
        7 => format!(
            "x[{}]",
            r.pick(&["0", "-1", "1:", "::-1", "::2, 0", "5", "0, 0"])
        ),
        8 | 9 => call(r, depth + 1),
        _ => format!(
            "({} {} {})",
            atom(r, depth + 1),
            r.pick(OPS),
            atom(r, depth + 1)
        ),
    }
}

fn call(r: &mut Rng, depth: usize) -> String {
    let f = r.pick(FUNCS);
    let mut args: Vec<String> = (0..r.below(4)).map(|_| atom(r, depth + 1)).collect();
    if r.below(3) == 0 {
        args.push(format!("{}={}", r.pick(KEYWORDS), atom(r, depth + 1)));
    }
    format!("{f}({})", args.join(", "))
}

fn program(r: &mut Rng) -> String {
    let mut lines = vec![
        "x = rand((3, 4), seed=1)".to_string(),
        "y = arange(4)".to_string(),
        "z = complex(x, 1.0)".to_string(),
        "m = i32(reshape(arange(6), (2, 3)))".to_string(),
        "e3 = zeros((0, 3))".to_string(),
        "s = 2.5".to_string(),
    ];
    for _ in 0..4 {
        let target = r.pick(&["a", "b", "x", "y"]);
        match r.below(6) {
            0 => lines.push(format!("fn g(p, q) = {}", atom(r, 1).replace('x', "p"))),
            1 => lines.push(format!("{target} = g({}, {})", atom(r, 1), atom(r, 1))),
            2 => lines.push(format!(
                "for i in 0..{} {{ {target} = {} }}",
                r.below(4),
                atom(r, 1)
            )),
            3 => lines.push(format!(
                "{target} = x[{}:{}:{}]",
                atom(r, 2),
                atom(r, 2),
                atom(r, 2)
            )),
            _ => lines.push(format!("{target} = {}", atom(r, 0))),
        }
    }
    lines.push(format!("print({})", atom(r, 1)));
    lines.join("\n")
}

#[test]
fn random_programs_never_panic() {
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    let mut ran = 0;
    for case in 0..cases() {
        let src = program(&mut r);
        let result = std::panic::catch_unwind(|| {
            let (program, diags) = syntax::parse(&src);
            if !diags.is_empty() {
                return false;
            }
            let mut sink = Vec::new();
            let checked = match lower::run(&program, &src, Mode::Check, &mut sink) {
                Ok(state) => {
                    // Whatever the lowering builds must satisfy the IR's invariants.
                    if let Err(e) = verify(&state.build.graph) {
                        panic!("invalid graph: {e}");
                    }
                    true
                }
                Err(_) => false,
            };
            let ran = match lower::run(&program, &src, Mode::Run, &mut sink) {
                Ok(mut state) => {
                    // Fused and unfused schedules compute what the interpreter computes.
                    if let Err(e) = common::check_fusion(&mut state) {
                        panic!("{e}");
                    }
                    true
                }
                Err(_) => false,
            };
            // A program that runs also checks (check is the weaker of the two).
            assert!(!ran || checked, "runs but does not check");
            ran
        });
        match result {
            Ok(true) => ran += 1,
            Ok(false) => {}
            Err(_) => panic!("case {case} panicked:\n{src}"),
        }
    }
    // The generator must produce working programs too, or it tests only error paths.
    eprintln!("{ran} programs ran");
    assert!(ran * 25 > cases(), "only {ran} programs ran");
}

/// How many programs to try: `ARRJIT_FUZZ_CASES` for a longer search, 20,000 by default.
fn cases() -> usize {
    std::env::var("ARRJIT_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000)
}

/// Realistic programs with one small change: every example script, with a number literal or a
/// name swapped for another. Checked (not run) so that large examples stay fast.
#[test]
fn mutated_examples_never_panic() {
    let mut r = Rng(0x1234_5678_9abc_def1);
    let mut sources = Vec::new();
    for entry in std::fs::read_dir("examples").expect("examples folder") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "arr") {
            sources.push(std::fs::read_to_string(path).expect("readable example"));
        }
    }
    assert!(!sources.is_empty());
    let numbers = ["0", "-1", "1e9", "2.5", "-3", "0.0", "100000", "2j", "true"];
    for case in 0..1500 {
        let src = &sources[case % sources.len()];
        // Split into words at non-identifier characters, keeping the separators.
        let mut pieces: Vec<String> = Vec::new();
        let mut word = String::new();
        for ch in src.chars() {
            if ch.is_alphanumeric() || ch == '_' || ch == '.' {
                word.push(ch);
            } else {
                if !word.is_empty() {
                    pieces.push(std::mem::take(&mut word));
                }
                pieces.push(ch.to_string());
            }
        }
        let candidates: Vec<usize> = (0..pieces.len())
            .filter(|&i| {
                pieces[i]
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_alphanumeric())
            })
            .collect();
        let at = candidates[r.below(candidates.len())];
        pieces[at] = if pieces[at].starts_with(|c: char| c.is_ascii_digit()) {
            r.pick(&numbers).to_string()
        } else {
            r.pick(FUNCS).to_string()
        };
        let mutated: String = pieces.concat();
        let outcome = std::panic::catch_unwind(|| {
            let (program, diags) = syntax::parse(&mutated);
            if diags.is_empty() {
                let mut sink = Vec::new();
                if let Ok(state) = lower::run(&program, &mutated, Mode::Check, &mut sink) {
                    verify(&state.build.graph).unwrap_or_else(|e| panic!("invalid graph: {e}"));
                }
            }
        });
        assert!(outcome.is_ok(), "mutation {case} panicked:\n{mutated}");
    }
}

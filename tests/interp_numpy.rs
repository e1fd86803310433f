//! The reference interpreter checked against NumPy.
//!
//! Each line of `tests/data/numpy/cases.txt` is `name | arr expression | NumPy expression`.
//! `make_fixtures.py` (beside it) evaluated the NumPy side with NumPy itself and saved the result
//! as `tests/data/numpy/expected/NAME.npy`; this test needs no Python. For every case it runs
//!
//! ```text
//! a = load("tests/data/numpy/inputs/a.npy")     # one line per input file
//! …
//! r = <arr expression>
//! ```
//!
//! through the parser and the interpreter and compares `r` with the expected array: the dtype
//! and shape must be equal, integers and bools exactly, floats within a tolerance (see
//! [`tolerance`]), NaN matching NaN and infinities matching exactly, sign included. The arr side
//! may start with statements separated by `;` (`fn` definitions, loops); the text after the last
//! `;` outside brackets is the expression. Every failing case is reported, in one message.

mod common;

use arrjit::lower::{self, Mode};
use arrjit::{diag, syntax};
use arrjit_runtime::{Array, Complex64, DType, Data, read_npy};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

const DATA: &str = "tests/data/numpy";

/// Functions whose results NumPy and Rust compute with different (correctly or nearly correctly
/// rounded) algorithms: an f64 case using one of them gets a looser tolerance.
const TRANSCENDENTAL: &[&str] = &[
    "exp",
    "exp2",
    "expm1",
    "log",
    "log2",
    "log10",
    "log1p",
    "sin",
    "cos",
    "tan",
    "asin",
    "acos",
    "atan",
    "atan2",
    "sinh",
    "cosh",
    "tanh",
    "angle",
    "logsumexp",
    "softmax",
    "fft",
    "ifft",
    "rfft",
    "irfft",
    "std",
];

struct Case {
    line: usize,
    name: String,
    arr: String,
}

fn read_cases() -> Vec<Case> {
    let path = Path::new(DATA).join("cases.txt");
    let text = std::fs::read_to_string(&path).expect("tests/data/numpy/cases.txt is readable");
    let mut cases = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let parts: Vec<&str> = line.split('|').map(str::trim).collect();
        assert_eq!(
            parts.len(),
            3,
            "cases.txt:{}: expected `name | arr | numpy`",
            i + 1
        );
        cases.push(Case {
            line: i + 1,
            name: parts[0].to_string(),
            arr: parts[1].to_string(),
        });
    }
    cases
}

/// The input names (file stems of `inputs/*.npy`), sorted.
fn input_names() -> Vec<String> {
    let dir = Path::new(DATA).join("inputs");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("tests/data/numpy/inputs exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "npy"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Splits `text` at its last `;` outside brackets: (statements, expression).
fn split_prelude(text: &str) -> (&str, &str) {
    let mut depth = 0i32;
    let mut last = None;
    for (i, ch) in text.char_indices() {
        match ch {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            ';' if depth == 0 => last = Some(i),
            _ => {}
        }
    }
    match last {
        Some(i) => (&text[..i], text[i + 1..].trim()),
        None => ("", text),
    }
}

fn script(inputs: &[String], arr: &str) -> String {
    let mut s = String::new();
    for name in inputs {
        s.push_str(&format!("{name} = load(\"{DATA}/inputs/{name}.npy\")\n"));
    }
    let (prelude, expr) = split_prelude(arr);
    if !prelude.is_empty() {
        s.push_str(prelude);
        s.push('\n');
    }
    s.push_str(&format!("r = {expr}\n"));
    s
}

/// Runs the script and returns `r`, or why not.
fn run(name: &str, source: &str) -> Result<Array, String> {
    let (program, diags) = syntax::parse(source);
    if !diags.is_empty() {
        return Err(format!(
            "parse error:\n{}",
            diag::render(name, source, &diags)
        ));
    }
    let mut sink = Vec::new();
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
        match lower::run(&program, source, Mode::Run, &mut sink) {
            Ok(mut state) => state
                .global_array("r")
                .ok_or_else(|| "`r` is not an array".to_string()),
            Err(diags) => Err(format!("error:\n{}", diag::render(name, source, &diags))),
        }
    }));
    outcome.unwrap_or_else(|payload| {
        let msg = payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "(no message)".into());
        Err(format!("panicked: {msg}"))
    })
}

/// The relative tolerance for a case whose expected dtype is `dtype`: 1e-5 for single
/// precision, 1e-12 for double precision (1e-10 when a transcendental function or a
/// non-integer power is involved), 0 for integers and bools. The error allowed is
/// `tol * max(1, |expected|)`.
fn tolerance(dtype: DType, arr: &str) -> f64 {
    match dtype {
        DType::F32 | DType::C64 => 1e-5,
        DType::F64 | DType::C128 => {
            let words = arr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'));
            let transcendental =
                words.into_iter().any(|w| TRANSCENDENTAL.contains(&w)) || arr.contains("**");
            if transcendental { 1e-10 } else { 1e-12 }
        }
        DType::Bool | DType::I32 | DType::I64 => 0.0,
    }
}

/// Every element as a complex number (exact for all but huge i64 values, which are compared
/// separately).
fn as_c128(a: &Array) -> Vec<Complex64> {
    (0..a.len()).map(|i| a.get(i).to_c128()).collect()
}

/// Whether one real component `got` is close enough to `want`, with `scale` the magnitude
/// the tolerance is relative to.
fn component_ok(got: f64, want: f64, tol: f64, scale: f64) -> bool {
    if want.is_nan() {
        return got.is_nan();
    }
    if want.is_infinite() || got.is_infinite() || got.is_nan() {
        return got == want;
    }
    (got - want).abs() <= tol * scale.max(1.0)
}

fn element_ok(got: Complex64, want: Complex64, tol: f64) -> bool {
    let scale = if want.norm().is_finite() {
        want.norm()
    } else {
        1.0
    };
    component_ok(got.re, want.re, tol, scale) && component_ok(got.im, want.im, tol, scale)
}

/// The position of flat index `i` in `shape`, as `[i, j, …]`.
fn multi_index(mut i: usize, shape: &[usize]) -> String {
    let mut idx = vec![0; shape.len()];
    for (k, &d) in shape.iter().enumerate().rev() {
        if d > 0 {
            idx[k] = i % d;
            i /= d;
        }
    }
    format!("{idx:?}")
}

fn show(a: &Array, i: usize) -> String {
    match a.data() {
        Data::Bool(v) => format!("{}", v[i]),
        Data::I32(v) => format!("{}", v[i]),
        Data::I64(v) => format!("{}", v[i]),
        Data::F32(v) => format!("{:?}", v[i]),
        Data::F64(v) => format!("{:?}", v[i]),
        Data::C64(v) => complex(v[i].re.into(), v[i].im.into()),
        Data::C128(v) => complex(v[i].re, v[i].im),
    }
}

fn complex(re: f64, im: f64) -> String {
    let sign = if im.is_sign_negative() { '-' } else { '+' };
    format!("({re:?}{sign}{:?}j)", im.abs())
}

/// Compares values (shapes already equal); `None` when they agree.
fn compare_values(want: &Array, got: &Array, tol: f64) -> Option<String> {
    let bad: Vec<usize> = match (want.data(), got.data()) {
        (Data::I64(w), Data::I64(g)) => (0..w.len()).filter(|&i| w[i] != g[i]).collect(),
        _ => {
            let (w, g) = (as_c128(want), as_c128(got));
            (0..w.len())
                .filter(|&i| !element_ok(g[i], w[i], tol))
                .collect()
        }
    };
    let &first = bad.first()?;
    let mut msg = format!(
        "{} of {} elements differ; first at {}: expected {}, got {}",
        bad.len(),
        want.len(),
        multi_index(first, want.shape()),
        show(want, first),
        show(got, first)
    );
    for &i in bad.iter().skip(1).take(3) {
        let at = multi_index(i, want.shape());
        msg.push_str(&format!(
            "; at {at}: expected {}, got {}",
            show(want, i),
            show(got, i)
        ));
    }
    Some(msg)
}

/// Checks one case; `None` when it passes.
fn check(case: &Case, inputs: &[String]) -> Option<String> {
    let expected_path: PathBuf = Path::new(DATA)
        .join("expected")
        .join(format!("{}.npy", case.name));
    let want = match read_npy(&expected_path) {
        Ok(a) => a,
        Err(e) => {
            return Some(format!(
                "cannot read {} ({}); run make_fixtures.py",
                expected_path.display(),
                e.kind
            ));
        }
    };
    let source = script(inputs, &case.arr);
    let got = match run(&case.name, &source) {
        Ok(a) => a,
        Err(e) => return Some(e),
    };
    if want.shape() != got.shape() {
        return Some(format!(
            "shape: expected {:?}, got {:?}",
            want.shape(),
            got.shape()
        ));
    }
    let tol = tolerance(want.dtype(), &case.arr);
    if want.dtype() != got.dtype() {
        let values = match compare_values(&want, &got.cast(want.dtype()), tol) {
            None => "the values agree after a cast".to_string(),
            Some(m) => format!("after a cast to {}, {m}", want.dtype()),
        };
        return Some(format!(
            "dtype: expected {}, got {} ({values})",
            want.dtype(),
            got.dtype()
        ));
    }
    compare_values(&want, &got, tol)
}

#[test]
fn interpreter_matches_numpy() {
    let cases = read_cases();
    assert!(
        cases.len() >= 150,
        "expected at least 150 cases, found {}",
        cases.len()
    );
    let inputs = input_names();
    assert!(!inputs.is_empty(), "no inputs in {DATA}/inputs");
    // Panics in the interpreter are caught and reported per case; keep their default report
    // from cluttering the output.
    let hook = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            check(case, &inputs).map(|why| {
                format!(
                    "- {} (cases.txt:{}): `{}`\n    {}",
                    case.name,
                    case.line,
                    case.arr,
                    why.replace('\n', "\n    ")
                )
            })
        })
        .collect();
    panic::set_hook(hook);
    assert!(
        failures.is_empty(),
        "{} of {} cases disagree with NumPy:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// Every case again, through fusion: the fused and the unfused schedules, run by the reference
/// schedule evaluator, give exactly (bit for bit) what the interpreter gives on the graph.
#[test]
fn schedules_match_the_interpreter_on_every_case() {
    let inputs = input_names();
    let mut failures = Vec::new();
    for case in read_cases() {
        let source = script(&inputs, &case.arr);
        let (program, diags) = syntax::parse(&source);
        assert!(diags.is_empty(), "{}: does not parse", case.name);
        let mut sink = Vec::new();
        let Ok(mut state) = lower::run(&program, &source, Mode::Run, &mut sink) else {
            continue; // reported by `interpreter_matches_numpy`
        };
        if let Err(why) = common::check_fusion(&mut state) {
            failures.push(format!("- {} (`{}`): {why}", case.name, case.arr));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

//! Running one program on an engine, and comparing what two engines did with it.

use arrjit::diag;
use arrjit::lower::{self, Engine, Mode};
use arrjit::syntax;
use arrjit_runtime::{Array, DType, Scalar};
use std::panic::{self, AssertUnwindSafe};

/// What an engine made of a program.
#[derive(Debug)]
pub enum Outcome {
    /// The global arrays at the end, sorted by name.
    Ran(Vec<(String, Array)>),
    /// The rendered diagnostics.
    Rejected(String),
    /// The panic message.
    Panicked(String),
}

/// Parses and runs `source` on `engine`. A parse error is a bug in the generator, so it panics.
pub fn run(source: &str, engine: Engine) -> Outcome {
    run_on(source, engine, arrjit::Device::Cpu)
}

/// `run` with the compiled engines on `device`.
pub fn run_on(source: &str, engine: Engine, device: arrjit::Device) -> Outcome {
    let (program, diags) = syntax::parse(source);
    assert!(
        diags.is_empty(),
        "the generator wrote a program that does not parse:\n{source}\n{}",
        diag::render("generated.arr", source, &diags)
    );
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
        let mut sink = Vec::new();
        match lower::run_on_device(&program, source, Mode::Run, engine, device, &mut sink) {
            Ok(mut state) => {
                Outcome::Ran(state.global_arrays().expect("every global array evaluates"))
            }
            Err(diags) => Outcome::Rejected(diag::render("generated.arr", source, &diags)),
        }
    }));
    outcome.unwrap_or_else(|payload| {
        let msg = payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "(no message)".into());
        Outcome::Panicked(msg)
    })
}

/// Checks that `got` (from the engine named `engine`) agrees with `want` (the interpreter's).
/// The error names the variable, the first index that differs and both values. `single`: the
/// program computes in single precision somewhere, so a double-precision result may carry a
/// single-precision rounding difference (`f64(tanh(x32))`); every float then gets the `f32`
/// tolerance.
pub fn agree(want: &Outcome, got: &Outcome, engine: &str, single: bool) -> Result<(), String> {
    match (want, got) {
        (Outcome::Ran(w), Outcome::Ran(g)) => {
            let names = |xs: &[(String, Array)]| xs.iter().map(|x| x.0.clone()).collect::<Vec<_>>();
            if names(w) != names(g) {
                return Err(format!(
                    "interpreter and {engine} end with different variables: {:?} and {:?}",
                    names(w),
                    names(g)
                ));
            }
            for ((name, a), (_, b)) in w.iter().zip(g) {
                if let Some(why) = first_difference(a, b, single) {
                    return Err(format!(
                        "interpreter and {engine} differ in `{name}`: {why}\n  interpreter: {a:?}\n  {engine}: {b:?}"
                    ));
                }
            }
            Ok(())
        }
        (Outcome::Rejected(w), Outcome::Rejected(g)) if w == g => Ok(()),
        _ => Err(format!(
            "interpreter and {engine} end differently:\n--- interpreter\n{}\n--- {engine}\n{}",
            describe(want),
            describe(got)
        )),
    }
}

fn describe(o: &Outcome) -> String {
    match o {
        Outcome::Ran(vars) => format!(
            "ran; arrays {}",
            vars.iter()
                .map(|v| v.0.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Outcome::Rejected(text) => format!("rejected:\n{text}"),
        Outcome::Panicked(msg) => format!("panicked: {msg}"),
    }
}

/// The tolerances, relative to the interpreter's value `want`: `|got - want| <= ATOL + RTOL *
/// |want|`, per real component.
///
/// The engines differ where they add in another order (sums, products, means, dot products
/// over several elements) and in transcendental functions: compiled kernels compute `exp`,
/// `sin`, … with their own vector functions, within 2 ULP of the interpreter's. For a chain of a few such operations, on values up to ~1e3 summed over at most
/// a few hundred terms, both effects stay orders of magnitude below 1e-9 relative (f64) and
/// 1e-4 (f32); the absolute part covers cancellation (`x - mean(x)` near 0). Values whose last
/// bits may differ this way are kept away from functions that would magnify the difference
/// (see `Ty::exact` in `generate.rs`).
const F64_RTOL: f64 = 1e-9;
const F64_ATOL: f64 = 1e-9;
const F32_RTOL: f64 = 1e-4;
const F32_ATOL: f64 = 1e-4;

fn close(want: f64, got: f64, rtol: f64, atol: f64) -> bool {
    if want.is_nan() || got.is_nan() {
        return want.is_nan() && got.is_nan();
    }
    if want.is_infinite() || got.is_infinite() {
        return want == got;
    }
    (got - want).abs() <= atol + rtol * want.abs()
}

/// Why two arrays are not the same within tolerance, or `None`.
fn first_difference(want: &Array, got: &Array, single: bool) -> Option<String> {
    if want.dtype() != got.dtype() {
        return Some(format!("dtype {} and {}", want.dtype(), got.dtype()));
    }
    if want.shape() != got.shape() {
        return Some(format!("shape {:?} and {:?}", want.shape(), got.shape()));
    }
    let f32s = (F32_RTOL, F32_ATOL);
    let f64s = if single { f32s } else { (F64_RTOL, F64_ATOL) };
    let i = (0..want.len()).find(|&i| {
        let ok = match (want.get(i), got.get(i)) {
            (Scalar::F64(w), Scalar::F64(g)) => close(w, g, f64s.0, f64s.1),
            (Scalar::F32(w), Scalar::F32(g)) => close(w as f64, g as f64, f32s.0, f32s.1),
            (Scalar::C128(w), Scalar::C128(g)) => {
                close(w.re, g.re, f64s.0, f64s.1) && close(w.im, g.im, f64s.0, f64s.1)
            }
            (Scalar::C64(w), Scalar::C64(g)) => {
                close(w.re as f64, g.re as f64, f32s.0, f32s.1)
                    && close(w.im as f64, g.im as f64, f32s.0, f32s.1)
            }
            (w, g) => w == g,
        };
        !ok
    })?;
    Some(format!(
        "at index {:?}: interpreter {}, got {}",
        unravel(i, want.shape()),
        scalar_text(want.get(i)),
        scalar_text(got.get(i))
    ))
}

/// The multi-index of flat (row-major) position `i`.
fn unravel(mut i: usize, shape: &[usize]) -> Vec<usize> {
    let mut index = vec![0; shape.len()];
    for (slot, &n) in index.iter_mut().zip(shape).rev() {
        *slot = i % n;
        i /= n;
    }
    index
}

/// A scalar with every digit (`{:?}` of the float), and its dtype.
fn scalar_text(s: Scalar) -> String {
    let dtype: DType = s.dtype();
    let value = match s {
        Scalar::Bool(x) => format!("{x}"),
        Scalar::I32(x) => format!("{x}"),
        Scalar::I64(x) => format!("{x}"),
        Scalar::F32(x) => format!("{x:?}"),
        Scalar::F64(x) => format!("{x:?}"),
        Scalar::C64(z) => format!("{:?}{:+?}j", z.re, z.im),
        Scalar::C128(z) => format!("{:?}{:+?}j", z.re, z.im),
    };
    format!("{value} ({dtype})")
}

//! What the fuzz targets check, one function per target, each taking arbitrary bytes. Shared by
//! the libFuzzer targets (`fuzz_targets/`) and by their short proptest versions in the test
//! suite (`tests/fuzz_props.rs`). A panic anywhere is a finding; so is an `Err`.

#![allow(dead_code)]

use arrjit::diag;
use arrjit::lower::{self, Engine, Mode};
use arrjit::syntax;
use arrjit::{Array, DType, Device, Limits};
use std::time::Duration;

/// Sources longer than this are skipped: the fuzzer's time is better spent on many small ones.
const MAX_SOURCE: usize = 2048;

/// Lexer and parser: any bytes give a tree and diagnostics, and the diagnostics render, with
/// their spans inside the source. The statements' spans lie inside it too, and when it parses
/// cleanly they follow one another in source order (`arr repl` finds an entry's new statements
/// by where they start; a statement recovered after an error may reach into the next one).
pub fn parse(data: &[u8]) -> Result<(), String> {
    let source = String::from_utf8_lossy(data);
    let (program, diags) = syntax::parse(&source);
    let rendered = diag::render("fuzz.arr", &source, &diags);
    if diags.is_empty() != rendered.is_empty() {
        return Err(format!(
            "{} diagnostics rendered as {rendered:?}",
            diags.len()
        ));
    }
    for d in &diags {
        let (start, end) = (d.span.start as usize, d.span.end as usize);
        if start > end || end > source.len() {
            return Err(format!(
                "span {start}..{end} outside a source of {}",
                source.len()
            ));
        }
    }
    let mut end = 0;
    for s in &program.stmts {
        let (start, stop) = (s.span.start as usize, s.span.end as usize);
        let overlaps = start < end && diags.is_empty();
        if overlaps || start > stop || stop > source.len() {
            return Err(format!(
                "statement span {start}..{stop} after one ending at {end}, in a source of {}",
                source.len()
            ));
        }
        end = stop;
    }
    Ok(())
}

/// The bounds every fuzzed program runs under: tiny arrays, small graphs, no files, a second.
pub fn limits() -> Limits {
    Limits {
        max_elements: Some(4096),
        max_bytes: Some(4 << 20),
        max_nodes: 4096,
        files: false,
        time: Some(Duration::from_secs(1)),
    }
}

/// What one engine made of a program.
#[derive(Debug)]
enum Outcome {
    Ran(Vec<(String, Array)>),
    Rejected(String),
    /// Over the time limit: not compared, since where it stops depends on the machine.
    OutOfTime,
}

fn run(program: &syntax::ast::Program, source: &str, engine: Engine) -> Outcome {
    let mut sink = Vec::new();
    let ran = lower::run_limited(
        program,
        source,
        Mode::Run,
        engine,
        Device::Cpu,
        limits(),
        &mut sink,
    );
    match ran {
        Ok(mut state) => {
            let names: Vec<String> = state.array_globals().into_iter().map(|g| g.0).collect();
            let mut arrays = Vec::with_capacity(names.len());
            for n in names {
                // Reading a value that is not computed yet runs under the same time limit.
                let Some(a) = state.global_array(&n) else {
                    return Outcome::OutOfTime;
                };
                arrays.push((n, a));
            }
            Outcome::Ran(arrays)
        }
        Err(d) => {
            let text = diag::render("fuzz.arr", source, &d);
            if text.contains("time limit") {
                Outcome::OutOfTime
            } else {
                Outcome::Rejected(text)
            }
        }
    }
}

/// The whole pipeline on a source: parse, check, then run on the interpreter and on unfused and
/// fused compiled kernels, within `limits()`. Nothing may panic; the engines must end the same
/// way (the same diagnostics, or the same variables of the same dtypes and shapes with the same
/// values, up to the rounding that compiled math and summation order may differ by).
pub fn pipeline(data: &[u8]) -> Result<(), String> {
    let Ok(source) = std::str::from_utf8(data) else {
        return Ok(());
    };
    if source.len() > MAX_SOURCE {
        return Ok(());
    }
    let (program, diags) = syntax::parse(source);
    if !diags.is_empty() {
        return Ok(());
    }
    let mut sink = Vec::new();
    let engine = Engine::Interp;
    let checked = lower::run_limited(
        &program,
        source,
        Mode::Check,
        engine,
        Device::Cpu,
        limits(),
        &mut sink,
    );
    drop(checked);
    let want = run(&program, source, Engine::Interp);
    let iterates = source.contains("for ");
    for engine in [Engine::Unfused, Engine::Fused] {
        let got = run(&program, source, engine);
        agree(&want, &got, iterates)
            .map_err(|why| format!("{}: {why}\n{source}", engine.name()))?;
    }
    Ok(())
}

fn agree(want: &Outcome, got: &Outcome, iterates: bool) -> Result<(), String> {
    match (want, got) {
        (Outcome::OutOfTime, _) | (_, Outcome::OutOfTime) => Ok(()),
        (Outcome::Rejected(w), Outcome::Rejected(g)) if w == g => Ok(()),
        (Outcome::Ran(w), Outcome::Ran(g)) => {
            if w.len() != g.len() {
                return Err(format!("{} variables against {}", w.len(), g.len()));
            }
            for ((name, a), (other, b)) in w.iter().zip(g) {
                if name != other {
                    return Err(format!("variables `{name}` and `{other}`"));
                }
                same_values(a, b, iterates).map_err(|why| format!("`{name}`: {why}"))?;
            }
            Ok(())
        }
        _ => Err(format!(
            "the interpreter and the compiled engine end differently:\n{want:?}\n{got:?}"
        )),
    }
}

/// Equal dtypes and shapes; integers and bools equal; floats equal up to a relative 1e-6 (f64)
/// or 1e-3 (f32, c64), with NaN where the other has NaN and the same infinities. The tolerances
/// are loose because arbitrary programs amplify the last-bit differences that compiled math
/// functions and other summation orders are allowed; a wrong result is almost never that close.
/// In a program with a loop (`iterates`), a value beyond ±1e12 or not finite is not compared:
/// an iteration that diverges (gradient descent with too large a step) multiplies those
/// differences until the engines' values have nothing in common but their shape.
fn same_values(a: &Array, b: &Array, iterates: bool) -> Result<(), String> {
    if a.dtype() != b.dtype() || a.shape() != b.shape() {
        return Err(format!(
            "{} {:?} against {} {:?}",
            a.dtype(),
            a.shape(),
            b.dtype(),
            b.shape()
        ));
    }
    let tol = match a.dtype() {
        DType::Bool | DType::I32 | DType::I64 if a == b => return Ok(()),
        DType::Bool | DType::I32 | DType::I64 => return Err(format!("{a:?} against {b:?}")),
        DType::F32 | DType::C64 => 1e-3,
        DType::F64 | DType::C128 => 1e-6,
    };
    let (x, y) = (parts(a), parts(b));
    for (i, (&p, &q)) in x.iter().zip(&y).enumerate() {
        let diverged = |x: f64| !x.is_finite() || x.abs() > 1e12;
        if iterates && (diverged(p) || diverged(q)) {
            continue;
        }
        let same = if p.is_nan() || q.is_nan() {
            p.is_nan() && q.is_nan()
        } else if p.is_infinite() || q.is_infinite() {
            p == q
        } else {
            (p - q).abs() <= tol * (1.0 + p.abs().max(q.abs()))
        };
        if !same {
            return Err(format!("element part {i}: {p} against {q}"));
        }
    }
    Ok(())
}

/// Every real component as f64 (complex numbers give two).
fn parts(a: &Array) -> Vec<f64> {
    let c = a.cast(DType::C128);
    c.as_slice::<num_complex::Complex64>()
        .expect("c128")
        .iter()
        .flat_map(|z| [z.re, z.im])
        .collect()
}

/// The `.npy` reader: any bytes give an array or an error, never a panic or a huge allocation;
/// the same bytes read as a stream (a few at a time, of unknown length, as from a pipe) give the
/// same array or the same kind of error; an array it reads writes back to bytes that read as the
/// same array.
pub fn npy(data: &[u8]) -> Result<(), String> {
    use arrjit_runtime::npy::{NpyReader, read_npy_bytes, write_npy_bytes};
    let whole = read_npy_bytes(data);
    let streamed = NpyReader::new(
        Trickle {
            bytes: data,
            step: data.len(),
        },
        None,
    )
    .and_then(NpyReader::read);
    let same = match (&whole, &streamed) {
        (Ok(a), Ok(b)) => write_npy_bytes(a) == write_npy_bytes(b),
        (Err(a), Err(b)) => std::mem::discriminant(&a.kind) == std::mem::discriminant(&b.kind),
        _ => false,
    };
    if !same {
        let show = |r: &Result<Array, arrjit_runtime::NpyError>| match r {
            Ok(a) => format!("an array of shape {:?}", a.shape()),
            Err(e) => e.to_string(),
        };
        return Err(format!(
            "bytes in memory read as {}, and as a stream as {}",
            show(&whole),
            show(&streamed)
        ));
    }
    let Ok(a) = whole else {
        return Ok(());
    };
    let written = write_npy_bytes(&a);
    let b = read_npy_bytes(&written)
        .map_err(|e| format!("an array written by us does not read back: {e}"))?;
    if write_npy_bytes(&b) != written {
        return Err(format!("{:?} changed on a round trip", a.shape()));
    }
    if a.shape() != b.shape() || a.dtype() != b.dtype() {
        return Err("dtype or shape changed on a round trip".into());
    }
    Ok(())
}

/// Bytes handed out 1 to 7 at a time, as a pipe may, with no length known in advance.
struct Trickle<'a> {
    bytes: &'a [u8],
    step: usize,
}

impl std::io::Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.step = self.step % 7 + 1;
        let n = self.step.min(buf.len()).min(self.bytes.len());
        buf[..n].copy_from_slice(&self.bytes[..n]);
        self.bytes = &self.bytes[n..];
        Ok(n)
    }
}

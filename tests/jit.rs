//! The compiled code paths against the interpreter: every operation in every dtype, at
//! lengths that exercise the unrolled vector loop, its scalar tail and the thread split, over
//! contiguous, strided, reversed and broadcast operands. Every kernel must compile (none may
//! fall back to the reference evaluator), and fused and unfused results must match the
//! interpreter's (`common::check_fusion`).

mod common;

use arrjit::backend::cpu::Cpu;
use arrjit::kernel::Step;
use arrjit::lower::{self, Mode};
use arrjit::passes::fuse::{Fusion, fuse};
use arrjit::syntax;

/// Runs `src` on the interpreter and checks every global array's compiled values.
fn check(src: &str) {
    let (program, diags) = syntax::parse(src);
    assert!(diags.is_empty(), "{src}\n{diags:?}");
    let mut sink = Vec::new();
    let mut state = lower::run(&program, src, Mode::Run, &mut sink)
        .unwrap_or_else(|d| panic!("{}", arrjit::diag::render("t.arr", src, &d)));
    if let Err(e) = common::check_fusion(&mut state) {
        panic!("program:\n{src}\n{e}");
    }
}

/// Inputs of dtype `dtype` and length `n` named `a` (varied signs and magnitudes), `b`
/// (nonzero) and `c` (in -1..1).
fn inputs(dtype: &str, n: usize) -> String {
    let float = dtype.starts_with('f');
    if float {
        format!(
            "a = randn({n}, seed=1, dtype={dtype}) * 4\n\
             b = rand({n}, seed=2, dtype={dtype}) + 0.5\n\
             c = rand({n}, seed=3, dtype={dtype}) * 2 - 1\n"
        )
    } else if dtype == "bool" {
        format!(
            "a = rand({n}, seed=1) > 0.5\nb = rand({n}, seed=2) > 0.3\nc = rand({n}, seed=3) > 0.7\n"
        )
    } else {
        format!(
            "a = {dtype}(randn({n}, seed=1) * 100)\n\
             b = {dtype}(rand({n}, seed=2) * 9 + 1)\n\
             c = {dtype}(randn({n}, seed=3) * 3)\n"
        )
    }
}

/// Lengths around the vector loop's step (2 or 4 lanes, unrolled 4 times) and one above the
/// parallel threshold.
const LENGTHS: [usize; 7] = [0, 1, 7, 8, 9, 37, 524_289];

#[test]
fn float_elementwise_math() {
    let ops = [
        "a + b",
        "a - b",
        "a * b",
        "a / b",
        "-a",
        "abs(a)",
        "sqrt(b)",
        "floor(a)",
        "ceil(a)",
        "round(a)",
        "trunc(a)",
        "sign(a)",
        "exp(c)",
        "exp2(c)",
        "expm1(c)",
        "log(b)",
        "log2(b)",
        "log10(b)",
        "log1p(b)",
        "sin(a)",
        "cos(a)",
        "tan(c)",
        "asin(c)",
        "acos(c)",
        "atan(a)",
        "sinh(c)",
        "cosh(c)",
        "tanh(a)",
        "a ** 3",
        "b ** c",
        "a % b",
        "atan2(a, b)",
        "minimum(a, c)",
        "maximum(a, c)",
        "where(a > c, a, b)",
        "clip(a, -1, 1)",
    ];
    for dtype in ["f64", "f32"] {
        for n in [9, 70_001] {
            let body: Vec<String> = ops
                .iter()
                .enumerate()
                .map(|(i, op)| format!("y{i} = {op}"))
                .collect();
            check(&format!("{}{}", inputs(dtype, n), body.join("\n")));
        }
    }
}

#[test]
fn every_dtype_at_every_length() {
    for dtype in ["f64", "f32", "i64", "i32", "bool"] {
        for n in LENGTHS {
            let ops = if dtype == "bool" {
                "y0 = a and b\ny1 = a or not c\ny2 = a == b\ny3 = where(a, b, c)\n\
                 y4 = any(a)\ny5 = all(b)\ny6 = i64(a) + i64(b)\ny7 = f64(c) * 2.5"
            } else {
                "y0 = a * b + c\ny1 = a - c * 3\ny2 = a < b\ny3 = minimum(a, b)\n\
                 y4 = maximum(a, c)\ny5 = sum(a * b)\ny6 = prod(c[0:5])\n\
                 y9 = where(a >= c, a, c)\ny10 = abs(c)\ny11 = f64(a) / 3\n\
                 y12 = i32(c)\ny13 = a != c"
            };
            // Minimum and maximum of nothing are errors.
            let extremes = if n > 0 {
                "\nm0 = min(a)\nm1 = max(c)"
            } else {
                ""
            };
            check(&format!("{}{ops}{extremes}", inputs(dtype, n)));
        }
    }
}

#[test]
fn integer_division_powers_and_remainders() {
    for dtype in ["i64", "i32"] {
        check(&format!(
            "{}y0 = a % b\ny1 = b ** 3\ny2 = a / b\ny3 = -a\ny4 = sign(c)",
            inputs(dtype, 37)
        ));
    }
}

#[test]
fn casts_between_every_pair_of_real_dtypes() {
    let dtypes = ["f64", "f32", "i64", "i32", "bool"];
    for from in dtypes {
        let mut src =
            format!("x = {from}(randn(37, seed=4) * 1e3)\nz = {from}(randn(524289, seed=5) * 3)\n");
        for to in dtypes {
            src += &format!("y_{to} = {to}(x)\nw_{to} = {to}(z)\n");
        }
        check(&src);
    }
}

#[test]
fn views_broadcasts_and_reductions_over_2d() {
    for dtype in ["f64", "f32", "i64", "i32"] {
        for (m, n) in [(3, 37), (5, 8), (300, 301)] {
            let src = format!(
                "x = {dtype}(randn(({m}, {n}), seed=6) * 10)\n\
                 r = {dtype}(randn((1, {n}), seed=7) * 10)\n\
                 col = {dtype}(randn(({m}, 1), seed=8) * 10)\n\
                 y0 = x * r + col\n\
                 y1 = x[:, ::-1] - x\n\
                 y2 = x[::2, 1::3] * 2\n\
                 y3 = transpose(x) + 1\n\
                 y4 = sum(x, axis=1)\n\
                 y5 = sum(x, axis=0)\n\
                 y6 = max(x, axis=1)\n\
                 y7 = min(x)\n\
                 y8 = x - sum(x, axis=1, keepdims=true)\n\
                 y9 = reshape(x, ({n}, {m})) * 3\n"
            );
            check(&src);
        }
    }
}

#[test]
fn float_reductions_and_their_epilogues() {
    for dtype in ["f64", "f32"] {
        for n in LENGTHS {
            let src = format!(
                "{}y0 = sum((a * b) ** 2)\ny1 = mean(a)\ny2 = prod(1 + c / 100)\n\
                 y7 = var(c)\n{}",
                inputs(dtype, n),
                // Minimum and maximum of nothing are errors.
                if n > 0 {
                    "y3 = max(a)\ny4 = min(c)\ny5 = softmax(a)\ny6 = a - max(a)\ny8 = logsumexp(c)\n"
                } else {
                    ""
                }
            );
            check(&src);
        }
    }
}

#[test]
fn nan_and_signed_zero_in_minimum_maximum_and_reductions() {
    let src = "x = [1.0, -0.0, 0.0, nan, 3.0, -inf, inf, 2.0, 0.0, -0.0, 5.0]
y = [0.0, 0.0, -0.0, 1.0, nan, 2.0, 1.0, nan, -0.0, 0.0, 4.0]
a = minimum(x, y)
b = maximum(x, y)
c = min(x)
d = max(y)
e = sum(x)
f = minimum(x[0:3], y[0:3])
g = max(x[4:8])";
    check(src);
}

#[test]
fn random_numbers_and_indices_in_kernels() {
    check(
        "n = 524289\nx = rand(n, seed=9) * arange(n)\ny = randn((7, 9), seed=3) + arange(9)\n\
         z = f32(rand(37, seed=1)) * f32(arange(37))\nw = sum(rand(n, seed=2))",
    );
}

/// Complex inputs of dtype `dtype` (c64 or c128) and length `n`: `z` and `w` (nonzero), built
/// from `inputs` of the parts' dtype.
fn complex_inputs(dtype: &str, n: usize) -> String {
    let part = if dtype == "c64" { "f32" } else { "f64" };
    format!(
        "{}z = complex(a, c)\nw = complex(b, a * 0.25)\n",
        inputs(part, n)
    )
}

#[test]
fn complex_arithmetic_and_functions() {
    let ops = [
        "z + w",
        "z - w",
        "z * w",
        "z / w",
        "-z",
        "z * a + 1",
        "z * 2.5j - c",
        "z ** 2",
        "z ** 3",
        "z ** 0.5",
        "z ** w",
        "w ** (0.5 - 0.25j)",
        "abs(z)",
        "angle(z)",
        "real(z) + imag(w)",
        "conj(z) * w",
        "complex(real(z) * 2, imag(w))",
        "sqrt(z)",
        "exp(z)",
        "exp2(z)",
        "expm1(z)",
        "log(z)",
        "log2(z)",
        "log10(z)",
        "log1p(z)",
        "sin(z)",
        "cos(z)",
        "tan(z)",
        "asin(z)",
        "acos(z)",
        "atan(z)",
        "sinh(z)",
        "cosh(z)",
        "tanh(z)",
        "sign(z)",
        "isnan(z / w)",
        "isinf(z * 1e300)",
        "z == w",
        "z != conj(z)",
        "where(a > c, z, w)",
    ];
    for dtype in ["c128", "c64"] {
        for n in [0, 1, 9, 70_001] {
            let body: Vec<String> = ops
                .iter()
                .enumerate()
                .map(|(i, op)| format!("y{i} = {op}"))
                .collect();
            check(&format!("{}{}", complex_inputs(dtype, n), body.join("\n")));
        }
    }
}

#[test]
fn complex_casts_and_mixed_precision() {
    for n in [0, 1, 9, 70_001] {
        let src = format!(
            "{}u = complex(f32(b), f32(c))\n\
             y0 = z + u\ny1 = u * 2 + z\ny2 = c64(z)\ny3 = c128(u)\n\
             y4 = f64(z)\ny5 = f32(z)\ny6 = i64(z * 100)\ny7 = i32(u * 100)\n\
             y8 = bool(z)\ny9 = bool(z * 0)\ny10 = bool(complex(a * 0, c))\n\
             y11 = c128(a > c)\ny12 = c64(i64(a * 10))\ny13 = c128(i32(c * 10))\n\
             y14 = c64(a)\ny15 = z + i64(a * 3)\ny16 = u * (a > 0)\n",
            complex_inputs("c128", n)
        );
        check(&src);
    }
}

#[test]
fn complex_reductions() {
    for dtype in ["c128", "c64"] {
        for n in [0, 1, 9, 70_001] {
            let src = format!(
                "{}y0 = sum(z)\ny1 = prod(1 + z / 100)\ny2 = mean(w)\ny3 = sum(z * w)\n\
                 y4 = z - mean(z)\ny5 = sum(abs(z))\n",
                complex_inputs(dtype, n)
            );
            check(&src);
        }
        for (m, n) in [(3, 37), (300, 301)] {
            let part = if dtype == "c64" { "f32" } else { "f64" };
            let src = format!(
                "x = complex({part}(randn(({m}, {n}), seed=6)), {part}(randn(({m}, {n}), seed=7)))\n\
                 y0 = sum(x, axis=1)\ny1 = sum(x, axis=0)\ny2 = prod(1 + x / 50, axis=1)\n\
                 y3 = mean(x, axis=0)\ny4 = x - mean(x, axis=1, keepdims=true)\n\
                 y5 = sum(x)\ny6 = conj(transpose(x)) * 2\n"
            );
            check(&src);
        }
    }
}

/// Vector kernels are really vectors: the Cranelift IR of the fused chain uses f64x2 and
/// f32x4 values.
#[test]
fn chains_compile_to_vector_code() {
    for (dtype, vector) in [("f64", "f64x2"), ("f32", "f32x4")] {
        let src = format!("{}y = a * b + c / (1 + b)", inputs(dtype, 100));
        let (program, _) = syntax::parse(&src);
        let mut sink = Vec::new();
        let state = lower::run(&program, &src, Mode::Run, &mut sink).unwrap();
        let root = state
            .array_globals()
            .into_iter()
            .find(|(n, _)| n == "y")
            .unwrap()
            .1;
        let schedule = fuse(&state.build.graph, &[root], Fusion::Fused);
        let mut cpu = Cpu::new().unwrap();
        let Step::Kernel(k) = schedule.steps.last().unwrap() else {
            panic!("a kernel")
        };
        let clif = cpu.clif_text(k).unwrap();
        assert!(clif.contains(vector), "no {vector} in:\n{clif}");
    }
}

/// A new length, offset or constant compiles nothing new.
#[test]
fn new_sizes_compile_nothing_new() {
    let mut cpu = Cpu::new().unwrap();
    let mut counts = Vec::new();
    for (n, k) in [(10, 0.5), (1000, 0.25), (77, 3.0)] {
        let src = format!("a = rand({n}, seed=1)\ny = a[1:] * {k} + a[:-1]\ns = sum(a * {k})");
        let (program, _) = syntax::parse(&src);
        let mut sink = Vec::new();
        let state = lower::run(&program, &src, Mode::Run, &mut sink).unwrap();
        let roots: Vec<_> = state.array_globals().iter().map(|(_, id)| *id).collect();
        let schedule = fuse(&state.build.graph, &roots, Fusion::Fused);
        cpu.run_schedule(&schedule, &state.build.graph, &[]);
        counts.push(cpu.compiled_kernels());
    }
    assert!(counts[0] > 0);
    assert_eq!(counts[0], counts[1], "a new length compiled new kernels");
    assert_eq!(counts[0], counts[2], "a new length compiled new kernels");
}

/// Splitting a reduction into chunks on threads gives the same bits on every run.
#[test]
fn threaded_reductions_are_deterministic() {
    let src = "x = randn(1000003, seed=11)\ns = sum(x * x)\nm = mean(x)\nv = var(x)";
    let (program, _) = syntax::parse(src);
    let mut sink = Vec::new();
    let state = lower::run(&program, src, Mode::Run, &mut sink).unwrap();
    let roots: Vec<_> = state.array_globals().iter().map(|(_, id)| *id).collect();
    let schedule = fuse(&state.build.graph, &roots, Fusion::Fused);
    let mut cpu = Cpu::new().unwrap();
    let first = cpu.run_schedule(&schedule, &state.build.graph, &[]);
    for _ in 0..5 {
        let again = cpu.run_schedule(&schedule, &state.build.graph, &[]);
        for (a, b) in first.iter().zip(&again) {
            assert!(common::same_bits(a, b), "{a:?} vs {b:?}");
        }
    }
}

/// A sum of negative zeros is -0 and an empty sum is +0, as in the interpreter (which starts
/// from the first element): `1 / sum` shows the sign as ±inf.
#[test]
fn signed_zero_sums() {
    for dtype in ["f64", "f32", "c128"] {
        check(&format!(
            "x = {dtype}(zeros(524289) * -1)\nm = {dtype}(zeros((3, 4, 1)) * -1)\n\
             y0 = 1 / sum(x)\ny1 = 1 / sum(x[0:0])\ny2 = 1 / sum(m, axis=2)\n\
             y3 = 1 / sum(m[0:0], axis=0)\ny4 = 1 / sum(x[0:9])\ny5 = 1 / mean(m, axis=1)"
        ));
    }
}

/// A store or a reduction that does not depend on a reduction runs in that reduction's loop
/// (one pass over the inputs, as for a value and its gradient): with and without outer axes,
/// widened f32 sums, complex values, and at every length of the vector loop and the thread
/// split.
#[test]
fn stores_ride_in_the_loop_of_a_reduction() {
    for dtype in ["f64", "f32", "c128"] {
        for n in LENGTHS {
            let (mut src, x, y) = if dtype == "c128" {
                (complex_inputs(dtype, n), "z", "w")
            } else {
                (inputs(dtype, n), "a", "b")
            };
            src += &format!(
                "s = sum({x} * {y})\nt = {x} * {y} + c\nv = {x} - s * c\n\
                 p = reshape(concat({x}, {y}), (2, len(a)))\n\
                 r = sum(p * p, axis=1, keepdims=true)\nq = p * 2 - 1\nu = p / r\n"
            );
            if dtype != "c128" && n > 0 {
                src += "m = max(a * c)\nk = (a + 1) * (c - 1)\n";
            }
            let (program, diags) = syntax::parse(&src);
            assert!(diags.is_empty(), "{src}\n{diags:?}");
            let mut sink = Vec::new();
            let mut state = lower::run(&program, &src, Mode::Run, &mut sink)
                .unwrap_or_else(|d| panic!("{}", arrjit::diag::render("t.arr", &src, &d)));
            let roots: Vec<_> = state.array_globals().iter().map(|(_, id)| *id).collect();
            let schedule = fuse(&state.build.graph, &roots, Fusion::Fused);
            let carried = schedule.steps.iter().any(|s| match s {
                Step::Kernel(k) => k.carried_by().iter().any(|h| h.is_some()),
                _ => false,
            });
            // `s` and `m` (two reductions over one space) share one loop.
            let reduce_carried =
                schedule.steps.iter().any(|s| match s {
                    Step::Kernel(k) => k.carried_by().iter().zip(&k.phases).any(|(h, p)| {
                        h.is_some() && matches!(p, arrjit::kernel::Phase::Reduce { .. })
                    }),
                    _ => false,
                });
            assert!(
                reduce_carried || n == 0 || dtype == "c128",
                "no reduction runs in another's loop:\n{}",
                arrjit::kernel::print_schedule(&state.build.graph, &schedule)
            );
            assert!(
                carried || n == 0,
                "no store runs in a reduction's loop:\n{}",
                arrjit::kernel::print_schedule(&state.build.graph, &schedule)
            );
            if let Err(e) = common::check_fusion(&mut state) {
                panic!("program:\n{src}\n{e}");
            }
        }
    }
}

/// A store reads back from its own buffer a costly value (one that calls a vector math
/// function) that an earlier reduction's loop computed, instead of computing it again
/// (`backend::cpu::reuses`): over rows, down columns (strided), over a whole array (no outer
/// axes: separate calls per phase, split across threads), over two inner axes, and for two
/// stores of one kernel, at every length of the vector loop. A value without a math function
/// is computed again, as before.
#[test]
fn stores_read_back_costly_values_of_earlier_loops() {
    use arrjit::backend::cpu::reuses;
    use arrjit::ir::UnaryOp;
    use arrjit::kernel::{Expr, Phase};
    for dtype in ["f64", "f32"] {
        for n in LENGTHS.into_iter().filter(|&n| n > 0) {
            let m = if n > 1000 { 2 } else { 3 };
            let src = format!(
                "x = randn(({m}, {n}), seed=1, dtype={dtype}) * 4\n\
                 a = reshape(x, ({len},))\n\
                 p = softmax(x, axis=1)\n\
                 q = softmax(x, axis=0)\n\
                 r = softmax(a)\n\
                 e = exp(x - max(x, axis=1, keepdims=true))\n\
                 s = sum(e, axis=1, keepdims=true)\n\
                 u = e / s\n\
                 v = e * e / s + tanh(x)\n\
                 w = sin(a) * sum(sin(a))\n\
                 y = randn((2, {m}, {n}), seed=2, dtype={dtype}) * 4\n\
                 t = softmax(y, axis=(1, 2))\n\
                 mu = mean(x, axis=1, keepdims=true)\n\
                 z = (x - mu) / sqrt(mean((x - mu) ** 2, axis=1, keepdims=true))\n\
                 l = x - logsumexp(x, axis=1, keepdims=true)\n",
                len = m * n
            );
            let (program, diags) = syntax::parse(&src);
            assert!(diags.is_empty(), "{src}\n{diags:?}");
            let mut sink = Vec::new();
            let mut state = lower::run(&program, &src, Mode::Run, &mut sink)
                .unwrap_or_else(|d| panic!("{}", arrjit::diag::render("t.arr", &src, &d)));
            let globals = state.array_globals();
            let roots: Vec<_> = globals.iter().map(|(_, id)| *id).collect();
            let schedule = fuse(&state.build.graph, &roots, Fusion::Fused);
            let text = || arrjit::kernel::print_schedule(&state.build.graph, &schedule);
            // What the store of each global reads back, if anything.
            let reused = |name: &str| {
                let node = globals.iter().find(|(g, _)| g == name).expect("a global").1;
                let buf = schedule.outputs.iter().find(|(o, _)| *o == node).unwrap().1;
                schedule.steps.iter().find_map(|step| {
                    let Step::Kernel(k) = step else { return None };
                    let p = k
                        .phases
                        .iter()
                        .position(|ph| matches!(ph, Phase::Store { buf: b, .. } if *b == buf))?;
                    let r = reuses(k).into_iter().find(|r| r.store == p)?;
                    Some(k.exprs[r.value.0 as usize].clone())
                })
            };
            // (Rows of one element read nothing back: their values do not change along the
            // loop, and are computed once per row.)
            let costly = if n > 1 {
                &["p", "q", "r", "u", "v", "w", "t"][..]
            } else {
                &[]
            };
            for name in costly {
                let e = reused(name);
                assert!(
                    matches!(e, Some(Expr::Unary(UnaryOp::Exp | UnaryOp::Sin, _))),
                    "`{name}` reads back {e:?}, not its exp or sin:\n{}",
                    text()
                );
            }
            for name in ["z", "l"] {
                assert_eq!(reused(name), None, "`{name}`:\n{}", text());
            }
            if let Err(e) = common::check_fusion(&mut state) {
                panic!("program:\n{src}\n{e}");
            }
        }
    }
}

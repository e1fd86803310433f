//! Gradients (`grad`, `value_and_grad`) against central finite differences of the
//! interpreter's values, and the same gradients from the interpreter, unfused and fused modes.

use arrjit::{Engine, Function, Options, compile_with};

fn function(source: &str, name: &str, mode: Engine) -> Function {
    compile_with(
        source,
        Options {
            mode,
            function: Some(name.into()),
            ..Options::default()
        },
    )
    .unwrap_or_else(|e| panic!("{source}\n{e}"))
}

/// Seven points spread over `lo..hi`, not evenly (no ties, no symmetry).
fn points(lo: f64, hi: f64) -> Vec<f64> {
    [0.13, 0.92, 0.41, 0.67, 0.05, 0.78, 0.29]
        .iter()
        .map(|t| lo + t * (hi - lo))
        .collect()
}

/// ∂f/∂x by central differences on the interpreter.
fn finite_differences(f: &Function, x: &[f64]) -> Vec<f64> {
    let eval = |x: &Vec<f64>| f.call(&[x]).unwrap().as_slice::<f64>().unwrap()[0];
    (0..x.len())
        .map(|i| {
            let h = 1e-6 * x[i].abs().max(1.0);
            let (mut up, mut down) = (x.to_vec(), x.to_vec());
            up[i] += h;
            down[i] -= h;
            (eval(&up) - eval(&down)) / (2.0 * h)
        })
        .collect()
}

fn close(got: f64, want: f64, rel: f64) -> bool {
    (got - want).abs() <= rel * want.abs().max(1.0)
}

/// `grad(f)` of `fn f(x) = body` at points in `lo..hi`, in every mode, against finite
/// differences.
fn check(body: &str, lo: f64, hi: f64) {
    let source = format!("fn f(x) = {body}\nfn df(x) = grad(f)(x)\n");
    let x = points(lo, hi);
    let f = function(&source, "f", Engine::Interp);
    let want = finite_differences(&f, &x);
    for mode in [Engine::Interp, Engine::Unfused, Engine::Fused] {
        let df = function(&source, "df", mode);
        let got = df.call(&[&x]).unwrap();
        let got = got.as_slice::<f64>().unwrap();
        for i in 0..x.len() {
            assert!(
                close(got[i], want[i], 1e-6),
                "d/dx[{i}] of {body} ({mode:?}) at {:?}: {} vs finite differences {}",
                x,
                got[i],
                want[i]
            );
        }
    }
}

#[test]
fn elementwise_functions() {
    let cases: &[(&str, f64, f64)] = &[
        ("sum(sin(x) * x)", -3.0, 3.0),
        ("sum(cos(x) / (1 + x * x))", -3.0, 3.0),
        ("sum(exp(x) - expm1(x / 2) + exp2(x))", -2.0, 2.0),
        ("sum(log(x) + log2(x) * log10(x) + log1p(x))", 0.1, 4.0),
        ("sum(sqrt(x) * x)", 0.1, 4.0),
        ("sum(tan(x) + tanh(x) + atan(x))", -1.2, 1.2),
        ("sum(asin(x) * acos(x))", -0.9, 0.9),
        ("sum(sinh(x) * cosh(x / 2))", -2.0, 2.0),
        ("sum(x ** 3 - 2 * x ** 2 + x ** 0.5)", 0.2, 3.0),
        ("sum(1.5 ** x + x ** x)", 0.2, 3.0),
        ("sum(abs(x) + sign(x) * x)", 0.1, 2.0),
        ("sum(abs(x))", -2.0, -0.1),
        ("sum(x % 1.7 + floor(x) * x)", 0.1, 1.6),
        ("sum(atan2(x, 2.0) + atan2(1.5, x))", -2.0, 2.0),
        ("sum(maximum(x, 0.4) * minimum(x, 0.6))", 0.0, 1.0),
        ("sum(where(x > 0.5, x * x, -x))", 0.0, 1.0),
        ("sum(x / (x + 3) - 2 / x)", 0.5, 2.0),
    ];
    for &(body, lo, hi) in cases {
        check(body, lo, hi);
    }
}

#[test]
fn reductions_views_and_library_ops() {
    let cases: &[(&str, f64, f64)] = &[
        ("prod(x)", 0.5, 2.0),
        ("prod(x - x[2])", -1.0, 1.0),
        (
            "sum(prod(reshape(x[0:6], (2, 3)) - 0.3, axis=1) ** 2)",
            -1.0,
            1.0,
        ),
        ("sum(prod(reshape(x[0:6], (3, 2)), axis=0))", -1.0, 1.0),
        ("max(x) + min(x * x)", -2.0, 2.0),
        ("mean(x ** 2) + var(x)", -2.0, 2.0),
        ("logsumexp(x)", -2.0, 2.0),
        ("sum(softmax(x) * x)", -2.0, 2.0),
        (
            "sum(x[::2][0:3] * x[::-3]) + sum(x[1:4] ** 2) + x[5]",
            -2.0,
            2.0,
        ),
        ("sum(x[::2][2:] * x[1::3])", -2.0, 2.0),
        ("sum(cumsum(x) * x)", -2.0, 2.0),
        ("sum(cumprod(x) * x)", 0.5, 1.5),
        ("sum(sort(x) * arange(7)) + max(sort(x ** 3))", -2.0, 2.0),
        (
            "sum(sort(reshape(x[0:6], (2, 3)), axis=0) * reshape(arange(6), (2, 3)))",
            -2.0,
            2.0,
        ),
        (
            "sum(reshape(x[0:6], (2, 3)) @ reshape(x[1:7], (3, 2)))",
            -2.0,
            2.0,
        ),
        (
            "sum(transpose(reshape(x[1:7], (2, 3))) * reshape(arange(6), (3, 2)))",
            -2.0,
            2.0,
        ),
        ("sum(concat(x, x * 2, x[0:2]) ** 2)", -2.0, 2.0),
        ("sum(reshape(x[0:6], (2, 3)) * x[0:3])", -2.0, 2.0),
        (
            "sum(broadcast_to(x, (3, 7)) * reshape(arange(21), (3, 7)))",
            -2.0,
            2.0,
        ),
        ("sum(max(reshape(x[0:6], (3, 2)), axis=1) ** 2)", -2.0, 2.0),
        (
            "sum(sum(reshape(x[0:6], (2, 3)), axis=0, keepdims=true) ** 2)",
            -2.0,
            2.0,
        ),
    ];
    for &(body, lo, hi) in cases {
        check(body, lo, hi);
    }
}

/// Complex values in between real parameters and a real result: holomorphic functions, the
/// functions that are not (`abs`, `angle`, `real`, `imag`, `conj`, `complex`) and the FFT
/// family, with every length case of `irfft` (input cut, exact, padded).
#[test]
fn complex_numbers_and_the_fft_family() {
    let cases: &[(&str, f64, f64)] = &[
        ("sum(abs(fft(x)) ** 2)", -2.0, 2.0),
        ("sum(abs(rfft(x)))", -2.0, 2.0),
        ("sum(real(fft(x) * conj(fft(x * x))))", -2.0, 2.0),
        ("sum(imag(ifft(complex(x, x * x)) * 3j))", -2.0, 2.0),
        ("sum(abs(ifft(fft(x * x) * fft(x))))", -2.0, 2.0),
        (
            "sum(irfft(rfft(x) * rfft(x[::-1]), 7) * arange(7))",
            -2.0,
            2.0,
        ),
        ("sum(irfft(rfft(x * x), 6) * arange(6))", -2.0, 2.0),
        ("sum(irfft(rfft(x)[0:3], 9) ** 2)", -2.0, 2.0),
        ("sum(irfft(rfft(x) * 1j, 4) * arange(4))", -2.0, 2.0),
        ("sum(irfft(complex(x, x * x)) * arange(12))", -2.0, 2.0),
        ("sum(angle(complex(x, 1.5 - x)))", -2.0, 2.0),
        ("sum(abs(exp(complex(x, 1) * x)))", -1.0, 1.0),
        (
            "sum(real(sqrt(complex(x, 0.5)) * log(complex(2, x))))",
            -2.0,
            2.0,
        ),
        (
            "sum(real(1 / complex(x, 2)) + imag(complex(x, 1) / complex(1, x)))",
            -2.0,
            2.0,
        ),
        (
            "real(sum(complex(x, x) ** 2.5)) + sum(real(complex(x, 1) ** complex(x, 0.5)))",
            0.5,
            2.0,
        ),
        (
            "sum(abs(sin(complex(x, 0.5)) + tanh(complex(0.3, x)) * cosh(complex(x, x))))",
            -1.0,
            1.0,
        ),
        (
            "abs(prod(complex(x, 0.3))) + sum(real(cumprod(complex(x, x * 0.5))))",
            -1.0,
            1.0,
        ),
        ("sum(real(cumsum(complex(x, x * x)) * 1j))", -2.0, 2.0),
        (
            "sum(abs(reshape(complex(x[0:6], 1), (2, 3)) @ reshape(complex(1, x[1:7]), (3, 2))))",
            -2.0,
            2.0,
        ),
        (
            "sum(abs(complex(x, 1) * reshape(complex(x, -1), (7, 1))))",
            -2.0,
            2.0,
        ),
        (
            "sum(real(where(x > 0, complex(x, x * x), complex(1, x)) ** 2))",
            -2.0,
            2.0,
        ),
        (
            "sum(real(conj(complex(x, x * x)) * complex(2, x)))",
            -2.0,
            2.0,
        ),
        (
            "sum(real(c128(x) * complex(1, x)) + f64(abs(c128(x * x))))",
            -2.0,
            2.0,
        ),
    ];
    for &(body, lo, hi) in cases {
        check(body, lo, hi);
    }
}

/// Second derivatives through complex values: Hessian-vector products against central
/// differences of the gradient.
#[test]
fn second_derivatives_through_complex_values() {
    let bodies = [
        "sum(abs(fft(x * x)) ** 2)",
        "sum(abs(rfft(sin(x)) + 1))",
        "sum(irfft(rfft(x) * rfft(x * x), 7) ** 2)",
        "sum(angle(complex(x, 1.5 - x * x)))",
    ];
    for body in bodies {
        let source = format!(
            "fn f(x) = {body}
fn df(x) = grad(f)(x)
fn dot(x, v) = sum(grad(f)(x) * v)
fn hvp(x, v) = grad(dot)(x, v)"
        );
        let x = points(-1.0, 1.0);
        let v = points(0.5, 2.0);
        let df = function(&source, "df", Engine::Interp);
        let h = 1e-5;
        let shifted = |s: f64| -> Vec<f64> {
            let xs: Vec<f64> = x.iter().zip(&v).map(|(a, b)| a + s * b).collect();
            df.call(&[&xs]).unwrap().as_slice::<f64>().unwrap().to_vec()
        };
        let (up, down) = (shifted(h), shifted(-h));
        for mode in [Engine::Interp, Engine::Unfused, Engine::Fused] {
            let hv = function(&source, "hvp", mode).call(&[&x, &v]).unwrap();
            let hv = hv.as_slice::<f64>().unwrap();
            for i in 0..x.len() {
                let want = (up[i] - down[i]) / (2.0 * h);
                assert!(
                    close(hv[i], want, 1e-6),
                    "{body} ({mode:?}) [{i}]: {} vs {want}",
                    hv[i]
                );
            }
        }
    }
}

#[test]
fn several_arguments_and_value_and_grad() {
    let source = "fn loss(w, x) = sum((w * x) ** 2)
fn both(w, x) = value_and_grad(loss, wrt=(w, x))(w, x)
fn dx(w, x) = grad(loss, wrt=x)(w, x)";
    let w = points(0.5, 1.5);
    let x = points(-1.0, 1.0);
    for mode in [Engine::Interp, Engine::Unfused, Engine::Fused] {
        let out = function(source, "both", mode).call_all(&[&w, &x]).unwrap();
        let value: f64 = w.iter().zip(&x).map(|(w, x)| (w * x) * (w * x)).sum();
        assert!(close(out[0].as_slice::<f64>().unwrap()[0], value, 1e-12));
        let gw = out[1].as_slice::<f64>().unwrap();
        let gx = out[2].as_slice::<f64>().unwrap();
        let dx = function(source, "dx", mode).call(&[&w, &x]).unwrap();
        for i in 0..w.len() {
            assert!(close(gw[i], 2.0 * w[i] * x[i] * x[i], 1e-12), "{mode:?}");
            assert!(close(gx[i], 2.0 * w[i] * w[i] * x[i], 1e-12), "{mode:?}");
            assert_eq!(dx.as_slice::<f64>().unwrap()[i], gx[i]);
        }
    }
}

#[test]
fn the_same_array_passed_twice_gets_two_partial_derivatives() {
    let source = "fn f(a, b) = sum(a * a * b)\nfn g(x) = grad(f, wrt=(a, b))(x, x)";
    let x = points(-1.0, 1.0);
    let out = function(source, "g", Engine::Fused)
        .call_all(&[&x])
        .unwrap();
    for (i, &xi) in x.iter().enumerate() {
        assert!(close(
            out[0].as_slice::<f64>().unwrap()[i],
            2.0 * xi * xi,
            1e-12
        ));
        assert!(close(out[1].as_slice::<f64>().unwrap()[i], xi * xi, 1e-12));
    }
}

#[test]
fn second_derivatives_and_hessian_vector_products() {
    let source = "fn h(x) = x * x * x + sin(x)
fn d2(x) = grad(grad(h))(x)
fn loss(x) = sum(exp(x) * x)
fn dot(x, v) = sum(grad(loss)(x) * v)
fn hvp(x, v) = grad(dot)(x, v)
fn sorted(x) = sum(sort(x) ** 3 * arange(7))
fn sdot(x, v) = sum(grad(sorted)(x) * v)
fn shvp(x, v) = grad(sdot)(x, v)";
    for mode in [Engine::Interp, Engine::Unfused, Engine::Fused] {
        let d2 = function(source, "d2", mode);
        for x in [-1.5f64, 0.3, 2.0] {
            let got = d2.call(&[&x]).unwrap().as_slice::<f64>().unwrap()[0];
            assert!(close(got, 6.0 * x - x.sin(), 1e-12), "{mode:?} {got}");
        }
        // The Hessian of sum(exp(x) x) is diagonal: (x + 2) eˣ.
        let x = points(-1.0, 1.0);
        let v = points(0.5, 2.0);
        let hv = function(source, "hvp", mode).call(&[&x, &v]).unwrap();
        for i in 0..x.len() {
            let want = (x[i] + 2.0) * x[i].exp() * v[i];
            assert!(
                close(hv.as_slice::<f64>().unwrap()[i], want, 1e-12),
                "{mode:?}"
            );
        }
        // Through `sort` (a gather by the inverse permutation, differentiated again): the
        // element of rank r contributes r·x³, so the Hessian is diagonal, 6·r·x.
        let shv = function(source, "shvp", mode).call(&[&x, &v]).unwrap();
        let mut ranks: Vec<usize> = (0..x.len()).collect();
        ranks.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
        for (r, &i) in ranks.iter().enumerate() {
            let want = 6.0 * r as f64 * x[i] * v[i];
            let got = shv.as_slice::<f64>().unwrap()[i];
            assert!(close(got, want, 1e-12), "{mode:?} [{i}]: {got} vs {want}");
        }
    }
}

#[test]
fn fused_gradient_of_the_sum_of_squares_is_one_kernel() {
    use arrjit::lower::{self, Mode};
    use arrjit::passes::fuse::{Fusion, fuse};
    let src = "w = rand(1000, seed=1)\nx = rand(1000, seed=2)\n\
               fn loss(w, x) = sum((w * x) ** 2)\ng = grad(loss)(w, x)";
    let (program, _) = arrjit::syntax::parse(src);
    let mut sink = Vec::new();
    let state = lower::run(&program, src, Mode::Run, &mut sink).unwrap();
    let g = state
        .array_globals()
        .into_iter()
        .find(|(n, _)| n == "g")
        .unwrap()
        .1;
    let schedule = fuse(&state.build.graph, &[g], Fusion::Fused);
    assert_eq!(schedule.kernel_count(), 1);
}

/// `value_and_grad` of `sum((w*x)**2)` is one kernel and one pass: the gradient's store runs
/// in the loop of the sum.
#[test]
fn value_and_grad_is_one_pass() {
    use arrjit::kernel::{Over, Phase, Step};
    use arrjit::lower::{self, Mode};
    use arrjit::passes::fuse::{Fusion, fuse};
    let src = "fn loss(w, x) = sum((w * x) ** 2)\n\
               fn both(w, x) = value_and_grad(loss)(w, x)\n\
               r = both(rand(1000, seed=1), rand(1000, seed=2))\nv = r[0]\ng = r[1]";
    let (program, _) = arrjit::syntax::parse(src);
    let mut sink = Vec::new();
    let state = lower::run(&program, src, Mode::Run, &mut sink).unwrap();
    let globals = state.array_globals();
    let root = |name: &str| globals.iter().find(|(n, _)| n == name).unwrap().1;
    let schedule = fuse(&state.build.graph, &[root("v"), root("g")], Fusion::Fused);
    assert_eq!(schedule.kernel_count(), 1);
    let Step::Kernel(k) = &schedule.steps[0] else {
        panic!("a kernel")
    };
    let host = k.carried_by();
    for (p, phase) in k.phases.iter().enumerate() {
        if let Phase::Store {
            over: Over::All, ..
        } = phase
        {
            assert!(host[p].is_some(), "phase {p} has a loop of its own");
        }
    }
    let reduces = k
        .phases
        .iter()
        .filter(|p| matches!(p, Phase::Reduce { .. }));
    assert_eq!(reduces.count(), 1);
}

#[test]
fn what_cannot_be_differentiated_is_a_located_error() {
    let cases = [
        (
            "fn f(x) = x * 2\ny = grad(f)([1.0, 2.0])",
            "returns one float number",
        ),
        (
            "fn f(x) = sum(x)\ny = grad(f)(arange(3))",
            "gradients need f32 or f64",
        ),
        ("fn f(x) = sum(x)\ny = grad(f, wrt=z)", "no parameter `z`"),
        (
            "fn f(x) = sum(real(sign(complex(x, 1))))\ny = grad(f)([1.0, 2.0])",
            "of complex numbers has no derivative rule",
        ),
        ("y = grad(sin)", "functions defined with `fn`"),
        (
            "fn f(x) {\n    print(x)\n    sum(x)\n}\ny = grad(f)([1.0])",
            "`print` needs a value",
        ),
        (
            "fn f(x) = sum(zeros(i64(x[0]))) * x[0]\ny = grad(f)([3.0])",
            "has no value until the function runs",
        ),
        (
            "fn f(x) = sum(x)\ny = grad(f, x)",
            "name the parameters with `wrt=`",
        ),
    ];
    for (src, want) in cases {
        let (program, diags) = arrjit::syntax::parse(src);
        assert!(diags.is_empty());
        let mut sink = Vec::new();
        let err = match arrjit::lower::run(&program, src, arrjit::lower::Mode::Run, &mut sink) {
            Ok(_) => panic!("{src} ran"),
            Err(d) => arrjit::diag::render("t.arr", src, &d),
        };
        assert!(err.contains(want), "{src}:\n{err}");
        assert!(err.contains("t.arr:"), "{err}");
    }
}

/// The peephole rules fire where IEEE arithmetic allows them, and only there.
#[test]
fn simplification_rules() {
    use arrjit::ir::Op;
    use arrjit::lower::{self, Mode};
    let cases = [
        ("x * 1", "x"),
        ("1 * x", "x"),
        ("x / 1", "x"),
        ("x - 0", "x"),
        ("x + -0.0", "x"),
        ("-(-x)", "x"),
        ("x + x", "2 * x"),
        // Not allowed: -0 + 0 is +0, and NaN * 0 is NaN.
        ("x + 0", "add"),
        ("x * 0", "mul"),
        ("x - -0.0", "sub"),
    ];
    for (expr, want) in cases {
        let src = format!("x = [1.5, -0.0, nan]\ny = {expr}");
        let (program, _) = arrjit::syntax::parse(&src);
        let mut sink = Vec::new();
        let state = lower::run(&program, &src, Mode::Run, &mut sink).unwrap();
        let globals = state.array_globals();
        let node = |name: &str| globals.iter().find(|(n, _)| n == name).unwrap().1;
        let (x, y) = (node("x"), node("y"));
        let op = &state.build.graph.node(y).op;
        match want {
            "x" => assert_eq!(x, y, "{expr} was not simplified"),
            "2 * x" => assert!(
                matches!(op, Op::Binary(arrjit::ir::BinaryOp::Mul))
                    && state.build.graph.node(y).inputs.contains(&x),
                "{expr}: {op:?}"
            ),
            _ => assert!(
                format!("{op:?}").to_lowercase().contains(want) && x != y,
                "{expr} must stay a {want}: {op:?}"
            ),
        }
    }
}

//! Random differentiable functions: `grad` in every mode (interpreter, unfused and fused
//! kernels) against central finite differences of the interpreter's values.
//!
//! A function is `fn f(x) = sum(E)` (or `mean`, `logsumexp`), sometimes `fn f(x, y)`, where `E`
//! is a random tree of smooth element-wise functions, broadcasting with scalar reductions,
//! strided views, `concat`, `cumsum`, `softmax`, axis reductions of reshaped slices and small
//! matrix products. Every construct keeps its arguments where it is smooth: divisors are kept
//! away from 0, `log` and `sqrt` see positive values, `exp` a bounded argument, `where` switches
//! on the sign of `x` and the inputs stay at least 0.1 away from 0, and `max` sees distinct
//! values (the inputs come from a hash of a seed, so shrinking never makes them tie).
//!
//! The random numbers come from a fixed seed; `PROPTEST_RNG_SEED` picks another, and
//! `ARRJIT_GRAD_CASES` runs more functions than the default (split over two tests, which the
//! harness runs in parallel). A failure is shrunk to a small function before it is reported;
//! failures are not persisted, since the fixed seed finds them again.

use arrjit::{Engine, Function, Options, compile_with};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestError, TestRunner};
use std::fmt;

/// How many functions to check in all, by default.
const DEFAULT_CASES: u32 = 320;

/// A vector of the inputs' length `n` (at least 5), as a tree.
#[derive(Clone, Debug)]
enum Vector {
    /// `x`, or `y` when the function takes two parameters.
    Param(bool),
    Unary(Unary, Box<Vector>),
    Binary(Binary, Box<Vector>, Box<Vector>),
    /// `a op c` for a constant `c`.
    Scaled(Binary, Box<Vector>, f64),
    /// `a * r(b)`: a scalar reduction broadcast back over a vector.
    Broadcast(Reduce, Box<Vector>, Box<Vector>),
    /// `where(x > 0, a, b)`.
    Where(Box<Vector>, Box<Vector>),
    /// A permutation or a mix of reshaped pieces that keeps the length `n`.
    View(View, Box<Vector>, Box<Vector>),
}

#[derive(Clone, Copy, Debug)]
enum Unary {
    Sin,
    Cos,
    Tanh,
    Atan,
    /// `exp(tanh(a))`: a bounded argument.
    ExpTanh,
    /// `log(1 + a * a)`.
    Log1Square,
    /// `sqrt(2 + sin(a))`.
    SqrtPositive,
    Square,
    Cube,
    /// `(2 + cos(a)) ** 1.5`: a real power of a positive base.
    PositivePower,
    /// `1.5 ** tanh(a)`: a varying exponent.
    ConstantBase,
    Cumsum,
    Softmax,
    Negate,
}

#[derive(Clone, Copy, Debug)]
enum Binary {
    Add,
    Sub,
    Mul,
    /// `a / (1 + b * b)`.
    DivSquare,
    /// `a / exp(sin(b))`.
    DivExp,
    /// `(1.5 + sin(a)) ** tanh(b)`: base and exponent both vary.
    Power,
}

#[derive(Clone, Copy, Debug)]
enum Reduce {
    Sum,
    Mean,
    Max,
    Logsumexp,
    /// `sum(b[::2][0:2] * b[1:3])`: strided views of one array against each other.
    StridedDot,
}

#[derive(Clone, Copy, Debug)]
enum View {
    /// `a[::-1]`.
    Reverse,
    /// `concat(a[1:], a[0:1])`.
    Rotate,
    /// `concat(a[::2], a[1::2])`.
    Deal,
    /// `concat(sum(reshape(a[0:4], (2, 2)), axis=0), b[2:])`.
    ColumnSums,
    /// `concat(max(reshape(a[0:4], (2, 2)), axis=1), b[2:])`.
    RowMaxima,
    /// `concat(mean(reshape(a[0:4], (2, 2)), axis=1), b[2:])`.
    RowMeans,
    /// `concat(reshape(reshape(a[0:4], (2, 2)) @ reshape(b[1:5], (2, 2)), (4,)), a[4:])`.
    MatMul,
    /// `concat(reshape(a[0:4], (2, 2)) @ b[0:2], b[2:])`.
    MatVec,
}

impl fmt::Display for Vector {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Vector::Param(false) => write!(f, "x"),
            Vector::Param(true) => write!(f, "y"),
            Vector::Unary(op, a) => match op {
                Unary::Sin => write!(f, "sin({a})"),
                Unary::Cos => write!(f, "cos({a})"),
                Unary::Tanh => write!(f, "tanh({a})"),
                Unary::Atan => write!(f, "atan({a})"),
                Unary::ExpTanh => write!(f, "exp(tanh({a}))"),
                Unary::Log1Square => write!(f, "log(1 + ({a}) * ({a}))"),
                Unary::SqrtPositive => write!(f, "sqrt(2 + sin({a}))"),
                Unary::Square => write!(f, "({a}) ** 2"),
                Unary::Cube => write!(f, "({a}) ** 3"),
                Unary::PositivePower => write!(f, "(2 + cos({a})) ** 1.5"),
                Unary::ConstantBase => write!(f, "1.5 ** tanh({a})"),
                Unary::Cumsum => write!(f, "cumsum({a})"),
                Unary::Softmax => write!(f, "softmax({a})"),
                Unary::Negate => write!(f, "-({a})"),
            },
            Vector::Binary(op, a, b) => match op {
                Binary::Add => write!(f, "({a} + {b})"),
                Binary::Sub => write!(f, "({a} - {b})"),
                Binary::Mul => write!(f, "({a}) * ({b})"),
                Binary::DivSquare => write!(f, "({a}) / (1 + ({b}) * ({b}))"),
                Binary::DivExp => write!(f, "({a}) / exp(sin({b}))"),
                Binary::Power => write!(f, "(1.5 + sin({a})) ** tanh({b})"),
            },
            Vector::Scaled(op, a, c) => match op {
                Binary::Add => write!(f, "({a} + {c})"),
                Binary::Sub => write!(f, "({c} - {a})"),
                Binary::Mul => write!(f, "{c} * ({a})"),
                Binary::DivSquare => write!(f, "{c} / (1 + ({a}) * ({a}))"),
                Binary::DivExp => write!(f, "({a}) / exp({c})"),
                Binary::Power => write!(f, "(1.5 + sin({a})) ** {c}"),
            },
            Vector::Broadcast(r, a, b) => {
                write!(f, "({a}) * ")?;
                match r {
                    Reduce::Sum => write!(f, "sum({b})"),
                    Reduce::Mean => write!(f, "mean({b})"),
                    Reduce::Max => write!(f, "max({b})"),
                    Reduce::Logsumexp => write!(f, "logsumexp({b})"),
                    Reduce::StridedDot => write!(f, "sum(({b})[::2][0:2] * ({b})[1:3])"),
                }
            }
            Vector::Where(a, b) => write!(f, "where(x > 0, {a}, {b})"),
            Vector::View(v, a, b) => match v {
                View::Reverse => write!(f, "({a})[::-1]"),
                View::Rotate => write!(f, "concat(({a})[1:], ({a})[0:1])"),
                View::Deal => write!(f, "concat(({a})[::2], ({a})[1::2])"),
                View::ColumnSums => {
                    write!(
                        f,
                        "concat(sum(reshape(({a})[0:4], (2, 2)), axis=0), ({b})[2:])"
                    )
                }
                View::RowMaxima => {
                    write!(
                        f,
                        "concat(max(reshape(({a})[0:4], (2, 2)), axis=1), ({b})[2:])"
                    )
                }
                View::RowMeans => {
                    write!(
                        f,
                        "concat(mean(reshape(({a})[0:4], (2, 2)), axis=1), ({b})[2:])"
                    )
                }
                View::MatMul => write!(
                    f,
                    "concat(reshape(reshape(({a})[0:4], (2, 2)) @ reshape(({b})[1:5], (2, 2)), (4,)), ({a})[4:])"
                ),
                View::MatVec => write!(
                    f,
                    "concat(reshape(({a})[0:4], (2, 2)) @ ({b})[0:2], ({b})[2:])"
                ),
            },
        }
    }
}

impl Vector {
    fn uses_y(&self) -> bool {
        match self {
            Vector::Param(y) => *y,
            Vector::Unary(_, a) | Vector::Scaled(_, a, _) => a.uses_y(),
            Vector::Binary(_, a, b)
            | Vector::Broadcast(_, a, b)
            | Vector::Where(a, b)
            | Vector::View(_, a, b) => a.uses_y() || b.uses_y(),
        }
    }
}

fn unary() -> impl Strategy<Value = Unary> {
    use Unary::*;
    prop::sample::select(vec![
        Sin,
        Cos,
        Tanh,
        Atan,
        ExpTanh,
        Log1Square,
        SqrtPositive,
        Square,
        Cube,
        PositivePower,
        ConstantBase,
        Cumsum,
        Softmax,
        Negate,
    ])
}

fn binary() -> impl Strategy<Value = Binary> {
    use Binary::*;
    prop::sample::select(vec![Add, Sub, Mul, DivSquare, DivExp, Power])
}

fn reduce() -> impl Strategy<Value = Reduce> {
    use Reduce::*;
    prop::sample::select(vec![Sum, Mean, Max, Logsumexp, StridedDot])
}

fn view() -> impl Strategy<Value = View> {
    use View::*;
    prop::sample::select(vec![
        Reverse, Rotate, Deal, ColumnSums, RowMaxima, RowMeans, MatMul, MatVec,
    ])
}

/// Small constants that print exactly.
fn constant() -> impl Strategy<Value = f64> {
    prop::sample::select(vec![0.5, 0.75, 1.25, 2.0, 3.0])
}

fn vector() -> impl Strategy<Value = Vector> {
    let leaf = prop_oneof![3 => Just(Vector::Param(false)), 1 => Just(Vector::Param(true))];
    leaf.prop_recursive(4, 16, 2, |inner| {
        let boxed = || inner.clone().prop_map(Box::new);
        prop_oneof![
            4 => (unary(), boxed()).prop_map(|(op, a)| Vector::Unary(op, a)),
            4 => (binary(), boxed(), boxed()).prop_map(|(op, a, b)| Vector::Binary(op, a, b)),
            2 => (binary(), boxed(), constant()).prop_map(|(op, a, c)| Vector::Scaled(op, a, c)),
            2 => (reduce(), boxed(), boxed()).prop_map(|(r, a, b)| Vector::Broadcast(r, a, b)),
            1 => (boxed(), boxed()).prop_map(|(a, b)| Vector::Where(a, b)),
            3 => (view(), boxed(), boxed()).prop_map(|(v, a, b)| Vector::View(v, a, b)),
        ]
    })
}

/// One function to differentiate, and where.
#[derive(Clone)]
struct Case {
    source: String,
    two_params: bool,
    x: Vec<f64>,
    y: Vec<f64>,
}

impl fmt::Debug for Case {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}x = {:?}", self.source, self.x)?;
        if self.two_params {
            write!(f, "\ny = {:?}", self.y)?;
        }
        Ok(())
    }
}

/// `n` numbers with magnitudes in 0.1..1.5 and either sign, from a hash of `seed`: distinct
/// and away from 0 (where `where(x > 0, …)` switches) whatever the seed shrinks to.
fn inputs(seed: u64, n: usize) -> Vec<f64> {
    let mut state = seed;
    (0..n)
        .map(|_| {
            // splitmix64
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^= z >> 31;
            let magnitude = 0.1 + 1.4 * (z >> 11) as f64 / (1u64 << 53) as f64;
            if z & 1 == 0 { magnitude } else { -magnitude }
        })
        .collect()
}

fn functions() -> impl Strategy<Value = Case> {
    let total = prop::sample::select(vec!["sum", "mean", "logsumexp"]);
    (vector(), total, 5usize..=9, any::<u64>()).prop_map(|(body, total, n, seed)| {
        let two_params = body.uses_y();
        let source = if two_params {
            format!("fn f(x, y) = {total}({body})\nfn df(x, y) = grad(f, wrt=(x, y))(x, y)\n")
        } else {
            format!("fn f(x) = {total}({body})\nfn df(x) = grad(f)(x)\n")
        };
        Case {
            source,
            two_params,
            x: inputs(seed, n),
            y: inputs(seed ^ 0x5eed_0f00_0000_0001, n),
        }
    })
}

fn function(source: &str, name: &str, mode: Engine) -> Result<Function, TestCaseError> {
    compile_with(
        source,
        Options {
            mode,
            function: Some(name.into()),
            ..Options::default()
        },
    )
    .map_err(|e| TestCaseError::fail(format!("{mode:?} does not compile `{name}`: {e}")))
}

/// The arguments of a case: `x`, and `y` when there are two.
fn args(case: &Case) -> Vec<Vec<f64>> {
    if case.two_params {
        vec![case.x.clone(), case.y.clone()]
    } else {
        vec![case.x.clone()]
    }
}

fn call(f: &Function, args: &[Vec<f64>]) -> Result<Vec<Vec<f64>>, TestCaseError> {
    let refs: Vec<&dyn arrjit::Arg> = args.iter().map(|a| a as &dyn arrjit::Arg).collect();
    let out = f
        .call_all(&refs)
        .map_err(|e| TestCaseError::fail(format!("the call failed: {e}")))?;
    Ok(out
        .iter()
        .map(|a| a.as_slice::<f64>().expect("f64 results").to_vec())
        .collect())
}

/// Central differences of `f` (the interpreter) in every argument, and `f`'s value.
fn finite_differences(
    f: &Function,
    args: &[Vec<f64>],
) -> Result<(f64, Vec<Vec<f64>>), TestCaseError> {
    let eval = |args: &[Vec<f64>]| call(f, args).map(|out| out[0][0]);
    let value = eval(args)?;
    let mut grads = Vec::new();
    for p in 0..args.len() {
        let mut grad = Vec::new();
        for i in 0..args[p].len() {
            let h = 1e-6 * args[p][i].abs().max(1.0);
            let (mut up, mut down) = (args.to_vec(), args.to_vec());
            up[p][i] += h;
            down[p][i] -= h;
            grad.push((eval(&up)? - eval(&down)?) / (2.0 * h));
        }
        grads.push(grad);
    }
    Ok((value, grads))
}

/// Whether a gradient matches central differences. Their error is the truncation term,
/// about h²·f'''/6 ≈ 1e-12 for the moderate derivatives these functions have, plus rounding,
/// about ε·|f|/h ≈ 2e-10·|f|: a tolerance of 1e-5, relative to the derivative and with an
/// absolute floor, and a term in |f| for the rounding, leaves a wide margin for both while a
/// wrong rule (a dropped term, a wrong sign, a misplaced element) is off by far more.
fn close(got: f64, want: f64, value: f64) -> bool {
    (got - want).abs() <= 1e-5 * (1.0 + want.abs()) + 1e-8 * value.abs()
}

fn check(case: &Case) -> Result<(), TestCaseError> {
    let source = &case.source;
    let args = args(case);
    let f = function(source, "f", Engine::Interp)?;
    let (value, want) = finite_differences(&f, &args)?;
    if !value.is_finite() || want.iter().flatten().any(|w| !w.is_finite()) {
        return Err(TestCaseError::fail(format!(
            "the generator wrote a function that is not finite: f = {value}, {want:?}"
        )));
    }
    for mode in [Engine::Interp, Engine::Unfused, Engine::Fused] {
        let got = call(&function(source, "df", mode)?, &args)?;
        for (p, (got, want)) in got.iter().zip(&want).enumerate() {
            let name = ["x", "y"][p];
            for i in 0..want.len() {
                if !close(got[i], want[i], value) {
                    return Err(TestCaseError::fail(format!(
                        "∂f/∂{name}[{i}] ({mode:?}): grad gives {}, finite differences {}",
                        got[i], want[i]
                    )));
                }
            }
        }
    }
    Ok(())
}

fn config(seed: u64) -> Config {
    let total = std::env::var("ARRJIT_GRAD_CASES")
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
        max_shrink_iters: 2048,
        max_shrink_time: 60_000,
        ..defaults
    }
}

/// Checks the functions of one seed; panics with the smallest failing function.
fn gradients_match(seed: u64) {
    let config = config(seed);
    let cases = config.cases;
    let mut runner = TestRunner::new(config);
    match runner.run(&functions(), |case| check(&case)) {
        Ok(()) => eprintln!("{cases} random functions: gradients match finite differences"),
        Err(TestError::Fail(why, case)) => {
            panic!("a gradient is off (shrunk):\n{case:?}\n{why}")
        }
        Err(TestError::Abort(why)) => panic!("aborted: {why}"),
    }
}

#[test]
fn gradients_of_random_functions_a() {
    gradients_match(0x06ad_f00d_0000_0a01);
}

#[test]
fn gradients_of_random_functions_b() {
    gradients_match(0x06ad_f00d_0000_0b02);
}

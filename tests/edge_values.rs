//! Integer overflow, division and remainder by zero, NaN, infinities, signed zeros and
//! subnormals (`tests/data/edge_values.arr`) give the same bits in the interpreter, in unfused
//! and fused compiled kernels, and in the CUDA backend's kernels (on the emulator, or on a GPU
//! with `ARRJIT_TEST_DEVICE=cuda`); and the values are the ones grammar/README.md documents,
//! computed here independently with Rust's own arithmetic.

mod common;

use arrjit::lower::{self, Engine, Mode};
use arrjit::{Array, Device};
use std::collections::BTreeMap;

const SCRIPT: &str = include_str!("data/edge_values.arr");

fn globals(engine: Engine, device: Device) -> BTreeMap<String, Array> {
    let (program, diags) = arrjit::syntax::parse(SCRIPT);
    assert!(diags.is_empty(), "{diags:?}");
    let mut sink = Vec::new();
    let mut state = lower::run_on_device(&program, SCRIPT, Mode::Run, engine, device, &mut sink)
        .unwrap_or_else(|d| panic!("{}", arrjit::diag::render("edge_values.arr", SCRIPT, &d)));
    let globals = state.global_arrays().expect("every global array evaluates");
    globals.into_iter().collect()
}

#[test]
fn every_engine_and_device_gives_the_same_bits() {
    let want = globals(Engine::Interp, Device::Cpu);
    let mut runs = vec![
        ("unfused", globals(Engine::Unfused, Device::Cpu)),
        ("fused", globals(Engine::Fused, Device::Cpu)),
    ];
    if common::cuda_test_device_available() {
        let device = common::cuda_test_device();
        runs.push(("cuda unfused", globals(Engine::Unfused, device)));
        runs.push(("cuda fused", globals(Engine::Fused, device)));
    }
    for (name, got) in runs {
        assert_eq!(
            want.keys().collect::<Vec<_>>(),
            got.keys().collect::<Vec<_>>()
        );
        for (var, a) in &want {
            let b = &got[var];
            assert!(
                common::same_bits(a, b),
                "{name}: `{var}` is {b:?}, the interpreter's {a:?}"
            );
        }
    }
}

fn f64s(g: &BTreeMap<String, Array>, name: &str) -> Vec<f64> {
    g[name].as_slice::<f64>().unwrap().to_vec()
}

fn i64s(g: &BTreeMap<String, Array>, name: &str) -> Vec<i64> {
    g[name].as_slice::<i64>().unwrap().to_vec()
}

fn i32s(g: &BTreeMap<String, Array>, name: &str) -> Vec<i32> {
    g[name].as_slice::<i32>().unwrap().to_vec()
}

/// The bits of each number, every NaN alike (a NaN's sign and payload are not specified).
fn bits(xs: &[f64]) -> Vec<u64> {
    let canonical = |x: &f64| if x.is_nan() { f64::NAN } else { *x };
    xs.iter().map(|x| canonical(x).to_bits()).collect()
}

#[test]
fn the_values_are_the_documented_ones() {
    let g = globals(Engine::Fused, Device::Cpu);
    let imax = [i64::MAX, i64::MIN, 5, -7, 0];
    // Integers wrap (two's complement).
    let add: Vec<i64> = imax.iter().map(|x| x.wrapping_add(1)).collect();
    assert_eq!(i64s(&g, "iwrap_add"), add);
    let mul: Vec<i64> = imax.iter().map(|x| x.wrapping_mul(3)).collect();
    assert_eq!(i64s(&g, "iwrap_mul"), mul);
    let neg: Vec<i64> = imax.iter().map(|x| x.wrapping_neg()).collect();
    assert_eq!(i64s(&g, "iwrap_neg"), neg);
    let pow: Vec<i64> = imax.iter().map(|x| x.wrapping_pow(2)).collect();
    assert_eq!(i64s(&g, "ipow"), pow);
    let i32max = [i32::MAX, i32::MIN, 3];
    let i32wrap: Vec<i32> = i32max.iter().map(|x| x.wrapping_add(1)).collect();
    assert_eq!(i32s(&g, "i32wrap"), i32wrap);
    let i32mul: Vec<i32> = i32max.iter().map(|x| x.wrapping_mul(2)).collect();
    assert_eq!(i32s(&g, "i32mul"), i32mul);
    assert_eq!(
        i32s(&g, "i32narrow"),
        [4294967297i64 as i32, -1, 2147483648i64 as i32]
    );
    // A negative power is 0 unless the base is 1 or -1; `% 0` is 0.
    assert_eq!(i64s(&g, "ineg_pow"), [0, 1, -1, 0, 0]);
    assert_eq!(i64s(&g, "imod0"), [0; 5]);
    // `%` is floored: the result has the divisor's sign.
    let floored = |a: i64, b: i64| ((a % b) + b) % b;
    assert_eq!(
        i64s(&g, "imod"),
        [
            floored(7, 3),
            floored(-7, 3),
            floored(7, -3),
            floored(-7, -3)
        ]
    );
    // Floats follow IEEE 754.
    let (zero, one, minus_one) = (0.0f64, 1.0f64, -1.0f64);
    assert_eq!(
        bits(&f64s(&g, "idiv0")),
        bits(&[one / zero, -one / zero, zero / zero])
    );
    assert_eq!(
        bits(&f64s(&g, "fzero")),
        bits(&[zero * minus_one, -zero * minus_one, one * zero])
    );
    let fmod = f64s(&g, "fmod");
    let floored = |a: f64, b: f64| {
        let r = a % b;
        if r != 0.0 && (r < 0.0) != (b < 0.0) {
            r + b
        } else {
            r
        }
    };
    let pairs = [(5.5, 2.0), (-5.5, 2.0), (5.5, -2.0), (-5.5, -2.0)];
    for (i, (a, b)) in pairs.into_iter().enumerate() {
        assert_eq!(fmod[i], floored(a, b), "{a} % {b}");
    }
    assert!(
        fmod[4].is_nan() && fmod[5].is_nan(),
        "x % 0.0 and inf % x are NaN"
    );
    // min/max propagate NaN; argmax finds the first NaN.
    let fmin = f64s(&g, "fmin");
    assert!(fmin[2].is_nan() && fmin[3].is_nan() && fmin[4] == f64::NEG_INFINITY);
    assert!(f64s(&g, "fminr")[0].is_nan());
    assert_eq!(i64s(&g, "fargmax"), [1]);
    assert_eq!(i64s(&g, "fargmin"), [1]);
    // round() goes to the even neighbour.
    let halves = [-2.5f64, -1.5, -0.5, 0.5, 1.5, 2.5, -0.0];
    let even: Vec<f64> = halves.iter().map(|x| x.round_ties_even()).collect();
    assert_eq!(bits(&f64s(&g, "fround")), bits(&even));
    // Float → integer truncates and saturates, NaN becomes 0: what Rust's `as` does.
    let big = [1e300f64, -1e300, f64::NAN, -2.9, 2.9, f64::INFINITY];
    let cast: Vec<i64> = big.iter().map(|&x| x as i64).collect();
    assert_eq!(i64s(&g, "fcast"), cast);
    let cast32: Vec<i32> = [3e9f64, -3e9, f64::NAN, -0.0]
        .iter()
        .map(|&x| x as i32)
        .collect();
    assert_eq!(i32s(&g, "fcast32"), cast32);
    // Subnormals are kept: no flush to zero, in f64 or f32.
    let sub64 = [5e-324 * 1.0, 2.2250738585072014e-308 * 0.5, 1e-310 * 1e10];
    assert_eq!(bits(&f64s(&g, "sub64")), bits(&sub64));
    assert_eq!(
        bits(&f64s(&g, "sub64d")),
        bits(&[5e-324 / 2.0, 1e-320 / 3.0])
    );
    let sub32: Vec<u32> = [1e-40f32, 1.4e-45, 1.1754942e-38]
        .iter()
        .map(|x| (x * 0.5).to_bits())
        .collect();
    let got32: Vec<u32> = g["sub32"]
        .as_slice::<f32>()
        .unwrap()
        .iter()
        .map(|x| x.to_bits())
        .collect();
    assert_eq!(got32, sub32);
    assert!(
        sub32
            .iter()
            .any(|&b| b != 0 && f32::from_bits(b) < f32::MIN_POSITIVE)
    );
    assert_eq!(f64s(&g, "subsum"), [5e-324 * 3.0]);
}

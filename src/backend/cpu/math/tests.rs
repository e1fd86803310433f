//! Every function against Rust's `std` at about a million points per dtype: log-uniform
//! magnitudes over the whole range, both signs, the function's interesting interval, and
//! special values. The largest distance in ulps must stay within the bound documented on the
//! function; where the input or the expected result is ±0, ±Inf or NaN the result must match
//! exactly (NaN by `is_nan`, zeros by sign).

use super::{binary, has_unary, unary};
use crate::backend::cpu::helpers;
use crate::ir::{BinaryOp, UnaryOp};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{AbiParam, InstBuilder, MemFlagsData, Type, UserFuncName, types};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{Linkage, Module, default_libcall_names};
use std::collections::HashMap;

/// Random points per function and dtype.
const POINTS: usize = 1 << 20;

#[derive(Clone, Copy, Debug)]
enum Op {
    Unary(UnaryOp),
    Binary(BinaryOp),
}

/// `out[i] = op(a[i], b[i])` over `n` vectors of 16 bytes (`b` unused by unary ops).
type LoopFn = unsafe extern "C" fn(*const u8, *const u8, *mut u8, i64);

/// A compiled loop and the module that owns its code.
struct Compiled {
    _module: JITModule,
    f: LoopFn,
}

fn jit() -> JITModule {
    let mut flags = settings::builder();
    flags.set("opt_level", "speed").unwrap();
    flags.set("is_pic", "false").unwrap();
    flags.set("use_colocated_libcalls", "false").unwrap();
    let isa = cranelift_native::builder()
        .unwrap()
        .finish(settings::Flags::new(flags))
        .unwrap();
    let mut builder = JITBuilder::with_isa(isa, default_libcall_names());
    for (name, ptr) in helpers::symbols() {
        builder.symbol(name, ptr);
    }
    JITModule::new(builder)
}

fn compile(op: Op, ty: Type) -> Compiled {
    let mut module = jit();
    let mut ctx = module.make_context();
    let mut fctx = FunctionBuilderContext::new();
    let ptr = types::I64;
    for _ in 0..4 {
        ctx.func.signature.params.push(AbiParam::new(ptr));
    }
    let id = module
        .declare_function("loop", Linkage::Local, &ctx.func.signature)
        .unwrap();
    ctx.func.name = UserFuncName::user(0, id.as_u32());
    let mut b = FunctionBuilder::new(&mut ctx.func, &mut fctx);
    let entry = b.create_block();
    let header = b.create_block();
    let body = b.create_block();
    let exit = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let p = b.block_params(entry).to_vec();
    let i = b.declare_var(ptr);
    let zero = b.ins().iconst(ptr, 0);
    b.def_var(i, zero);
    b.ins().jump(header, &[]);
    b.switch_to_block(header);
    let iv = b.use_var(i);
    let more = b.ins().icmp(IntCC::SignedLessThan, iv, p[3]);
    b.ins().brif(more, body, &[], exit, &[]);
    b.switch_to_block(body);
    b.seal_block(body);
    let off = b.ins().imul_imm_s(iv, 16);
    let flags = MemFlagsData::new().with_notrap();
    let addr = |b: &mut FunctionBuilder, base| b.ins().iadd(base, off);
    let a_addr = addr(&mut b, p[0]);
    let x = b.ins().load(ty, flags, a_addr, 0);
    let mut funcs = HashMap::new();
    let r = match op {
        Op::Unary(u) => unary(&mut b, &mut module, &mut funcs, u, x),
        Op::Binary(o) => {
            let b_addr = addr(&mut b, p[1]);
            let y = b.ins().load(ty, flags, b_addr, 0);
            binary(&mut b, &mut module, &mut funcs, o, x, y)
        }
    };
    let out = addr(&mut b, p[2]);
    b.ins().store(flags, r, out, 0);
    let next = b.ins().iadd_imm_s(iv, 1);
    b.def_var(i, next);
    b.ins().jump(header, &[]);
    b.seal_block(header);
    b.switch_to_block(exit);
    b.seal_block(exit);
    b.ins().return_(&[]);
    b.finalize(module.target_config());
    module.define_function(id, &mut ctx).unwrap();
    module.finalize_definitions().unwrap();
    let code = module.get_finalized_function(id);
    // SAFETY: the function was defined with exactly this signature: four pointer-sized
    // arguments and no result.
    let f = unsafe { std::mem::transmute::<*const u8, LoopFn>(code) };
    Compiled { _module: module, f }
}

/// f64 or f32, as the tests need them.
trait Float: Copy + PartialEq + std::fmt::Debug {
    const TYPE: Type;
    const ZERO: Self;
    fn is_nan(self) -> bool;
    fn is_zero(self) -> bool;
    fn is_finite(self) -> bool;
    fn sign(self) -> bool;
    /// Position on the number line, counted in representable values.
    fn ordinal(self) -> i64;
}

impl Float for f64 {
    const TYPE: Type = types::F64X2;
    const ZERO: Self = 0.0;
    fn is_nan(self) -> bool {
        self.is_nan()
    }
    fn is_zero(self) -> bool {
        self == 0.0
    }
    fn is_finite(self) -> bool {
        self.is_finite()
    }
    fn sign(self) -> bool {
        self.is_sign_negative()
    }
    fn ordinal(self) -> i64 {
        let b = self.to_bits() as i64;
        if b < 0 { i64::MIN - b } else { b }
    }
}

impl Float for f32 {
    const TYPE: Type = types::F32X4;
    const ZERO: Self = 0.0;
    fn is_nan(self) -> bool {
        self.is_nan()
    }
    fn is_zero(self) -> bool {
        self == 0.0
    }
    fn is_finite(self) -> bool {
        self.is_finite()
    }
    fn sign(self) -> bool {
        self.is_sign_negative()
    }
    fn ordinal(self) -> i64 {
        let b = self.to_bits() as i32;
        (if b < 0 { i32::MIN - b } else { b }) as i64
    }
}

/// Distance in ulps from `got` to `want`, or `None` where they must agree exactly and do not.
fn ulps<T: Float>(got: T, want: T, exact: bool) -> Option<u64> {
    if want.is_nan() || got.is_nan() {
        return (want.is_nan() && got.is_nan()).then_some(0);
    }
    if want.is_zero() && got.is_zero() {
        return (want.sign() == got.sign()).then_some(0);
    }
    let d = want.ordinal().abs_diff(got.ordinal());
    if exact && d != 0 {
        return None;
    }
    Some(d)
}

/// Runs the compiled `op` over `a` (and `b`).
fn run<T: Float>(op: Op, a: &[T], b: &[T]) -> Vec<T> {
    let lanes = 16 / std::mem::size_of::<T>();
    let n = a.len().div_ceil(lanes) * lanes;
    let pad = |v: &[T]| {
        let mut v = v.to_vec();
        v.resize(n, T::ZERO);
        v
    };
    let (a, b) = (pad(a), pad(if b.is_empty() { a } else { b }));
    let mut out = vec![T::ZERO; n];
    let c = compile(op, T::TYPE);
    // SAFETY: the loop reads and writes `n / lanes` vectors of 16 bytes from each buffer, all
    // of which hold `n` elements.
    unsafe {
        (c.f)(
            a.as_ptr() as *const u8,
            b.as_ptr() as *const u8,
            out.as_mut_ptr() as *mut u8,
            (n / lanes) as i64,
        )
    };
    out
}

/// The largest error of `op` over the points, after asserting that special results match.
fn max_ulps<T: Float>(op: Op, a: &[T], b: &[T], reference: impl Fn(T, T) -> T) -> u64 {
    let got = run(op, a, b);
    let mut worst = (0, 0);
    for i in 0..a.len() {
        let y = if b.is_empty() { T::ZERO } else { b[i] };
        let want = reference(a[i], y);
        let special = |v: T| !v.is_finite() || v.is_zero();
        let exact = special(a[i]) || (!b.is_empty() && special(y)) || special(want);
        match ulps(got[i], want, exact) {
            Some(d) if d > worst.0 => worst = (d, i),
            Some(_) => {}
            None => panic!("{op:?}({:?}, {y:?}) = {:?}, want {want:?}", a[i], got[i]),
        }
    }
    let i = worst.1;
    eprintln!(
        "{op:?} {}: max {} ulp at {:?} {:?}",
        std::any::type_name::<T>(),
        worst.0,
        a[i],
        b.get(i)
    );
    worst.0
}

/// SplitMix64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
    fn int(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo + 1) as u64) as i64
    }
    /// ±1, evenly.
    fn pm(&mut self) -> f64 {
        if self.next() & 1 == 1 { -1.0 } else { 1.0 }
    }
    /// m·2^e with m uniform in [1, 2) and e uniform in [emin, emax].
    fn log_uniform(&mut self, emin: i32, emax: i32) -> f64 {
        let e = self.int(emin as i64, emax as i64) as i32;
        let m = 1.0 + self.unit();
        m * 2f64.powi(e / 2) * 2f64.powi(e - e / 2)
    }
}

/// Exponent range of the dtype under test: (min subnormal, max).
fn exps(single: bool) -> (i32, i32) {
    if single { (-149, 127) } else { (-1074, 1023) }
}

/// Inputs that every unary function must get right.
fn specials() -> Vec<f64> {
    let mut v = vec![
        0.0,
        f64::INFINITY,
        f64::NAN,
        f64::MIN_POSITIVE,
        f64::MIN_POSITIVE / 3.0,
        5e-324,
        f64::MAX,
        f32::MAX as f64,
        f32::MIN_POSITIVE as f64,
        1e-45,
        1.0,
        0.5,
        2.0,
        0.25,
        1e-10,
        1e-300,
        709.782712893384,
        709.7827128933841,
        -745.1332191019411,
        -745.1332191019412,
        -708.3964185322641,
        88.72283,
        -103.97208,
        710.4758600739439,
        22.0,
        0.975,
        std::f64::consts::FRAC_PI_2,
        std::f64::consts::PI,
        1e22,
        1073741824.0,
        1073741825.0,
    ];
    let neg: Vec<f64> = v.iter().map(|x| -x).collect();
    v.extend(neg);
    v
}

/// `POINTS` inputs: half from `core` (the function's interesting interval), a quarter
/// log-uniform over all magnitudes, the rest from `wide`; plus the special values.
fn points(single: bool, seed: u64, core: impl Fn(&mut Rng) -> f64, wide: (i32, i32)) -> Vec<f64> {
    let mut rng = Rng(seed);
    let (emin, emax) = exps(single);
    let mut v = specials();
    while v.len() < POINTS {
        let x = match rng.int(0, 3) {
            0 | 1 => core(&mut rng),
            2 => rng.log_uniform(emin, emax),
            _ => rng.log_uniform(wide.0.max(emin), wide.1.min(emax)),
        };
        v.push(rng.pm() * x);
    }
    v
}

fn check_unary(
    op: UnaryOp,
    f64_ref: fn(f64) -> f64,
    f32_ref: fn(f32) -> f32,
    bounds: (u64, u64),
    core: impl Fn(&mut Rng) -> f64,
    wide: (i32, i32),
) {
    assert!(has_unary(op));
    let seed = op as u64 + 1;
    let a = points(false, seed, &core, wide);
    let e = max_ulps(Op::Unary(op), &a, &[], |x, _| f64_ref(x));
    assert!(e <= bounds.0, "{op:?} f64: {e} ulp > {}", bounds.0);
    let a: Vec<f32> = points(true, seed, &core, wide)
        .into_iter()
        .map(|x| x as f32)
        .collect();
    let e = max_ulps(Op::Unary(op), &a, &[], |x, _| f32_ref(x));
    assert!(e <= bounds.1, "{op:?} f32: {e} ulp > {}", bounds.1);
}

#[test]
fn ulps_counts_representable_values() {
    assert_eq!(ulps(1.0f64, 1.0f64.next_up(), false), Some(1));
    assert_eq!(ulps(-1.0f64, 1.0, false), Some(2 * 1.0f64.to_bits()));
    assert_eq!(ulps(5e-324f64, -5e-324, false), Some(2));
    assert_eq!(ulps(0.0f64, -0.0, false), None);
    assert_eq!(ulps(f64::NAN, 1.0, false), None);
    assert_eq!(ulps(1.0f32, 1.0f32.next_down(), true), None);
    assert_eq!(ulps(f32::MAX, f32::INFINITY, false), Some(1));
}

#[test]
fn exp() {
    let core = |r: &mut Rng| r.range(-746.0, 710.0);
    check_unary(UnaryOp::Exp, f64::exp, f32::exp, (1, 1), core, (-60, 10));
}

#[test]
fn exp2() {
    let core = |r: &mut Rng| r.range(-1080.0, 1030.0);
    check_unary(UnaryOp::Exp2, f64::exp2, f32::exp2, (1, 1), core, (-60, 11));
}

#[test]
fn expm1() {
    let core = |r: &mut Rng| r.range(-40.0, 710.0);
    check_unary(
        UnaryOp::Expm1,
        f64::exp_m1,
        f32::exp_m1,
        (1, 1),
        core,
        (-60, 10),
    );
}

/// Positive arguments near 1 and over the whole range.
fn log_core(r: &mut Rng) -> f64 {
    match r.int(0, 2) {
        0 => r.range(0.5, 2.0),
        1 => 1.0 + r.pm() * (r.log_uniform(-60, -1)),
        _ => r.range(0.0, 1e6),
    }
}

#[test]
fn log() {
    check_unary(
        UnaryOp::Log,
        f64::ln,
        f32::ln,
        (1, 1),
        |r| log_core(r).abs(),
        (-1074, 1023),
    );
}

#[test]
fn log2() {
    check_unary(
        UnaryOp::Log2,
        f64::log2,
        f32::log2,
        (1, 1),
        |r| log_core(r).abs(),
        (-1074, 1023),
    );
}

#[test]
fn log10() {
    check_unary(
        UnaryOp::Log10,
        f64::log10,
        f32::log10,
        (2, 2),
        |r| log_core(r).abs(),
        (-1074, 1023),
    );
}

#[test]
fn log1p() {
    let core = |r: &mut Rng| match r.int(0, 2) {
        0 => r.range(-1.0, 1.0),
        1 => -1.0 + r.log_uniform(-60, 0),
        _ => r.log_uniform(-60, 60),
    };
    check_unary(
        UnaryOp::Log1p,
        f64::ln_1p,
        f32::ln_1p,
        (1, 1),
        core,
        (-1074, 1023),
    );
}

/// Moderate arguments, and the floats nearest to multiples of π/2 (where the reduction
/// cancels most), up to far beyond the inline reduction's range.
fn trig_core(r: &mut Rng) -> f64 {
    match r.int(0, 2) {
        0 => r.range(-10.0, 10.0),
        1 => r.range(-1e6, 1e6),
        _ => {
            let k = r.log_uniform(0, 62).floor();
            let x = k * std::f64::consts::FRAC_PI_2;
            f64::from_bits((x.to_bits() as i64 + r.int(-2, 2)) as u64)
        }
    }
}

#[test]
fn sin() {
    check_unary(
        UnaryOp::Sin,
        f64::sin,
        f32::sin,
        (1, 1),
        trig_core,
        (-30, 40),
    );
}

#[test]
fn cos() {
    check_unary(
        UnaryOp::Cos,
        f64::cos,
        f32::cos,
        (1, 1),
        trig_core,
        (-30, 40),
    );
}

#[test]
fn tan() {
    check_unary(
        UnaryOp::Tan,
        f64::tan,
        f32::tan,
        (2, 1),
        trig_core,
        (-30, 40),
    );
}

#[test]
fn asin() {
    let core = |r: &mut Rng| r.range(-1.0, 1.0);
    check_unary(UnaryOp::Asin, f64::asin, f32::asin, (1, 1), core, (-40, 1));
}

#[test]
fn acos() {
    let core = |r: &mut Rng| r.range(-1.0, 1.0);
    check_unary(UnaryOp::Acos, f64::acos, f32::acos, (1, 1), core, (-40, 1));
}

#[test]
fn atan() {
    let core = |r: &mut Rng| r.range(-4.0, 4.0);
    check_unary(UnaryOp::Atan, f64::atan, f32::atan, (1, 1), core, (-40, 80));
}

#[test]
fn sinh() {
    let core = |r: &mut Rng| r.range(-715.0, 715.0);
    check_unary(UnaryOp::Sinh, f64::sinh, f32::sinh, (2, 2), core, (-30, 5));
}

#[test]
fn cosh() {
    let core = |r: &mut Rng| r.range(-715.0, 715.0);
    check_unary(UnaryOp::Cosh, f64::cosh, f32::cosh, (2, 2), core, (-30, 5));
}

#[test]
fn tanh() {
    let core = |r: &mut Rng| r.range(-25.0, 25.0);
    check_unary(UnaryOp::Tanh, f64::tanh, f32::tanh, (2, 2), core, (-30, 5));
}

/// Values every binary function must get right, in all pairs.
fn special_pairs() -> Vec<(f64, f64)> {
    let mut v = vec![
        0.0,
        1.0,
        0.5,
        2.0,
        3.0,
        2.5,
        f64::INFINITY,
        f64::NAN,
        1e-310,
        f64::MAX,
        1e300,
    ];
    let neg: Vec<f64> = v.iter().map(|x| -x).collect();
    v.extend(neg);
    let mut pairs = Vec::new();
    for &x in &v {
        for &y in &v {
            pairs.push((x, y));
        }
    }
    pairs
}

fn check_binary(
    op: BinaryOp,
    f64_ref: fn(f64, f64) -> f64,
    f32_ref: fn(f32, f32) -> f32,
    bounds: (u64, u64),
    make: impl Fn(&mut Rng, bool) -> (f64, f64),
) {
    for single in [false, true] {
        let mut rng = Rng(op as u64 + 100);
        let mut pairs = special_pairs();
        while pairs.len() < POINTS {
            pairs.push(make(&mut rng, single));
        }
        let e = if single {
            let a: Vec<f32> = pairs.iter().map(|p| p.0 as f32).collect();
            let b: Vec<f32> = pairs.iter().map(|p| p.1 as f32).collect();
            max_ulps(Op::Binary(op), &a, &b, f32_ref)
        } else {
            let a: Vec<f64> = pairs.iter().map(|p| p.0).collect();
            let b: Vec<f64> = pairs.iter().map(|p| p.1).collect();
            max_ulps(Op::Binary(op), &a, &b, f64_ref)
        };
        let bound = if single { bounds.1 } else { bounds.0 };
        assert!(e <= bound, "{op:?} single={single}: {e} ulp > {bound}");
    }
}

#[test]
fn pow() {
    check_binary(BinaryOp::Pow, f64::powf, f32::powf, (1, 1), |r, single| {
        let (emin, emax) = exps(single);
        // Results near over- and underflow: y·log2 x spread over the whole exponent range.
        let span = if single { 160.0 } else { 1100.0 };
        match r.int(0, 4) {
            0 => {
                let x = r.log_uniform(emin, emax);
                let y = r.range(-span, span) / x.log2();
                (x, y)
            }
            1 => (r.pm() * (r.log_uniform(emin, emax)), r.int(-40, 40) as f64),
            2 => (r.pm() * (r.range(0.0, 4.0)), r.int(-80, 80) as f64 * 0.5),
            3 => (r.range(0.0, 4.0), r.range(-30.0, 30.0)),
            _ => {
                let x = 1.0 + r.pm() * (r.log_uniform(-50, -1));
                (x, r.pm() * (r.log_uniform(-10, 60)))
            }
        }
    });
}

#[test]
fn atan2() {
    check_binary(
        BinaryOp::Atan2,
        f64::atan2,
        f32::atan2,
        (2, 1),
        |r, single| {
            let (emin, emax) = exps(single);
            match r.int(0, 2) {
                0 => (r.range(-4.0, 4.0), r.range(-4.0, 4.0)),
                1 => {
                    let x = r.pm() * (r.log_uniform(-10, 10));
                    (x * r.range(-2.0, 2.0), x)
                }
                _ => (
                    r.pm() * (r.log_uniform(emin, emax)),
                    r.pm() * (r.log_uniform(emin, emax)),
                ),
            }
        },
    );
}

#[test]
fn only_transcendental_ops_are_claimed() {
    assert!(has_unary(UnaryOp::Sin));
    assert!(!has_unary(UnaryOp::Sqrt));
    assert!(!has_unary(UnaryOp::Abs));
}

/// Exponents 2, 3 and 4 in every lane take the double-double fast path of `pow`.
#[test]
fn small_integer_powers() {
    for k in [2.0, 3.0, 4.0] {
        check_binary(BinaryOp::Pow, f64::powf, f32::powf, (1, 1), |r, single| {
            let (emin, emax) = exps(single);
            let x = match r.int(0, 3) {
                0 => r.pm() * r.log_uniform(emin / 4, emax / 4),
                // Results that overflow or underflow.
                1 => r.pm() * r.log_uniform(emin / 2, emax / 2),
                2 => r.pm() * r.range(0.0, 4.0),
                _ => [0.0, -0.0, f64::INFINITY, f64::NEG_INFINITY, f64::NAN][r.int(0, 4) as usize],
            };
            (x, k)
        });
    }
}

/// Arguments within a quarter turn, which take the reduction-free path of sin and cos when a
/// whole vector is inside.
#[test]
fn sin_and_cos_within_a_quarter_turn() {
    let quarter = std::f64::consts::FRAC_PI_4;
    let core = move |r: &mut Rng| match r.int(0, 3) {
        0 => r.range(-quarter, quarter),
        1 => r.range(0.0, 1.0).min(quarter),
        // The edges of the interval, on both sides.
        2 => quarter * (1.0 + r.range(-1e-15, 1e-15)) * r.pm(),
        _ => r.pm() * r.log_uniform(-1074, -1),
    };
    check_unary(UnaryOp::Sin, f64::sin, f32::sin, (1, 1), core, (-30, -1));
    check_unary(UnaryOp::Cos, f64::cos, f32::cos, (1, 1), core, (-30, -1));
}

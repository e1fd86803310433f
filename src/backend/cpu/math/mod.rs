//! Vectorised transcendental functions, emitted as Cranelift IR.
//!
//! Contract: `unary` and `binary` take an `F64X2` or `F32X4` value and return the function
//! applied lane by lane, with no call per element on the hot path. Every function is computed
//! in f64: single precision lanes are widened to two `F64X2` halves and narrowed at the end
//! (one extra rounding, well inside the f32 error bounds). NaN, infinities, signed zeros,
//! overflow, underflow and subnormals come out as Rust's `std` (the C library) gives them;
//! each function's doc comment states its largest error measured against `std` by the tests
//! in `tests.rs`.
//!
//! Technique: Cody–Waite range reduction with FMA, polynomial kernels (fdlibm's minimax
//! coefficients where fdlibm has them, Taylor series otherwise), exponents built and taken
//! apart with integer operations on the bits. Where a few ulps matter (logarithms, `pow`,
//! the trigonometric reduction) the intermediate values are kept as double-doubles.
//!
//! The one cold path: sin, cos and tan of arguments beyond `trig::REDUCE_MAX` need
//! Payne–Hanek reduction. When any lane needs it the code branches to a block that calls the
//! scalar helper of `helpers.rs` for each lane; callers must therefore expect `unary` to end
//! the current block and leave the builder in a new one.

mod exp_log;
mod hyperbolic;
mod inverse;
mod pow;
mod trig;

#[cfg(test)]
mod tests;

use crate::ir::{BinaryOp, UnaryOp};
use cranelift_codegen::ir::condcodes::FloatCC;
use cranelift_codegen::ir::{
    AbiParam, BlockArg, ConstantData, Endianness, FuncRef, InstBuilder, MemFlagsData, Type, Value,
    types,
};
use cranelift_frontend::FunctionBuilder;
use cranelift_module::{Linkage, Module};
use std::collections::HashMap;

/// `op` applied lane-wise to `x`, which has type F64X2 or F32X4.
///
/// Panics if `has_unary(op)` is false.
pub fn unary<M: Module>(
    b: &mut FunctionBuilder,
    module: &mut M,
    funcs: &mut HashMap<String, FuncRef>,
    op: UnaryOp,
    x: Value,
) -> Value {
    assert!(has_unary(op), "no vector code for `{op:?}`");
    let mut v = Vb { b, module, funcs };
    v.per_half(&[x], |v, a| v.unary_f64(op, a[0]))
}

/// `op` (BinaryOp::Pow or BinaryOp::Atan2, arguments in that order: pow(x, y), atan2(y, x))
/// lane-wise; F64X2 or F32X4.
///
/// Panics for any other op.
pub fn binary<M: Module>(
    b: &mut FunctionBuilder,
    module: &mut M,
    funcs: &mut HashMap<String, FuncRef>,
    op: BinaryOp,
    x: Value,
    y: Value,
) -> Value {
    let mut v = Vb { b, module, funcs };
    match op {
        BinaryOp::Pow => v.per_half(&[x, y], |v, a| v.pow_with_small_powers(a[0], a[1])),
        BinaryOp::Atan2 => v.per_half(&[x, y], |v, a| v.atan2(a[0], a[1])),
        BinaryOp::Add
        | BinaryOp::Sub
        | BinaryOp::Mul
        | BinaryOp::Div
        | BinaryOp::Rem
        | BinaryOp::Min
        | BinaryOp::Max
        | BinaryOp::Eq
        | BinaryOp::Ne
        | BinaryOp::Lt
        | BinaryOp::Le
        | BinaryOp::Gt
        | BinaryOp::Ge
        | BinaryOp::And
        | BinaryOp::Or
        | BinaryOp::Complex => panic!("no vector code for `{op:?}`"),
    }
}

/// Whether `binary` handles `op`.
pub fn has_binary(op: BinaryOp) -> bool {
    matches!(op, BinaryOp::Pow | BinaryOp::Atan2)
}

/// Whether `unary` handles `op` (so the caller knows when to use it): exactly the functions
/// with a scalar helper (`helpers::unary_name`), which remain for the cold path of huge
/// trigonometric arguments and for complex numbers.
pub fn has_unary(op: UnaryOp) -> bool {
    super::helpers::unary_name(op).is_some()
}

/// How many vector math function calls `k` makes per point: they decide how far its loop is
/// unrolled and when it is worth splitting across threads.
pub fn calls_in(k: &crate::kernel::Kernel) -> usize {
    k.exprs.iter().filter(|e| is_call(e)).count()
}

/// Whether computing `e` (not its operands) calls a vector math function.
pub fn is_call(e: &crate::kernel::Expr) -> bool {
    use crate::kernel::Expr;
    match e {
        Expr::Unary(op, _) => has_unary(*op),
        Expr::Binary(op, _, _) => has_binary(*op),
        _ => false,
    }
}

/// The IR builder with the handful of F64X2 operations the functions are written in.
/// Float values are `F64X2`; masks (results of comparisons) are `I64X2`, all ones or zeros.
pub(super) struct Vb<'a, 'f, M: Module> {
    b: &'a mut FunctionBuilder<'f>,
    module: &'a mut M,
    funcs: &'a mut HashMap<String, FuncRef>,
}

const F64X2: Type = types::F64X2;
const I64X2: Type = types::I64X2;
const SIGN: i64 = i64::MIN;

fn cast_flags() -> MemFlagsData {
    MemFlagsData::new().with_endianness(Endianness::Little)
}

impl<'f, M: Module> Vb<'_, 'f, M> {
    fn unary_f64(&mut self, op: UnaryOp, x: Value) -> Value {
        match op {
            UnaryOp::Exp => self.exp(x),
            UnaryOp::Exp2 => self.exp2(x),
            UnaryOp::Expm1 => self.expm1(x),
            UnaryOp::Log => self.log(x),
            UnaryOp::Log2 => self.log2(x),
            UnaryOp::Log10 => self.log10(x),
            UnaryOp::Log1p => self.log1p(x),
            UnaryOp::Sin => self.sin(x),
            UnaryOp::Cos => self.cos(x),
            UnaryOp::Tan => self.tan(x),
            UnaryOp::Asin => self.asin(x),
            UnaryOp::Acos => self.acos(x),
            UnaryOp::Atan => self.atan(x),
            UnaryOp::Sinh => self.sinh(x),
            UnaryOp::Cosh => self.cosh(x),
            UnaryOp::Tanh => self.tanh(x),
            UnaryOp::Neg
            | UnaryOp::Not
            | UnaryOp::Abs
            | UnaryOp::Sqrt
            | UnaryOp::Floor
            | UnaryOp::Ceil
            | UnaryOp::Round
            | UnaryOp::Trunc
            | UnaryOp::Sign
            | UnaryOp::IsNan
            | UnaryOp::IsInf
            | UnaryOp::Real
            | UnaryOp::Imag
            | UnaryOp::Conj
            | UnaryOp::Angle => unreachable!("checked by has_unary"),
        }
    }

    /// `f` on F64X2 arguments; F32X4 arguments are widened into two F64X2 halves, `f` runs on
    /// each, and the results are narrowed and joined.
    fn per_half(&mut self, args: &[Value], f: impl Fn(&mut Self, &[Value]) -> Value) -> Value {
        let ty = self.b.func.dfg.value_type(args[0]);
        if ty == F64X2 {
            return f(self, args);
        }
        assert_eq!(ty, types::F32X4, "math on {ty} values");
        // Lanes 2 and 3 moved to the bottom, to be widened.
        let high = [8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7];
        let lo: Vec<Value> = args
            .iter()
            .map(|&a| self.b.ins().fvpromote_low(a))
            .collect();
        let hi: Vec<Value> = args
            .iter()
            .map(|&a| {
                let swapped = self.shuffle(a, a, &high);
                self.b.ins().fvpromote_low(swapped)
            })
            .collect();
        let rlo = f(self, &lo);
        let rhi = f(self, &hi);
        let rlo = self.b.ins().fvdemote(rlo);
        let rhi = self.b.ins().fvdemote(rhi);
        // fvdemote leaves its two lanes at the bottom: join bytes 0..8 of each.
        let join = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];
        self.shuffle(rlo, rhi, &join)
    }

    /// Bytes of `x` (0..16) and `y` (16..32) picked by `bytes`, for F32X4 values.
    fn shuffle(&mut self, x: Value, y: Value, bytes: &[u8; 16]) -> Value {
        let mask = self
            .b
            .func
            .dfg
            .immediates
            .push(ConstantData::from(bytes.to_vec()));
        let x = self.b.ins().bitcast(types::I8X16, cast_flags(), x);
        let y = self.b.ins().bitcast(types::I8X16, cast_flags(), y);
        let r = self.b.ins().shuffle(x, y, mask);
        self.b.ins().bitcast(types::F32X4, cast_flags(), r)
    }

    // ---- constants and bit casts ----

    /// `c` in both lanes.
    fn c(&mut self, c: f64) -> Value {
        self.vconst(F64X2, c.to_bits())
    }

    /// The integer `c` in both lanes (I64X2).
    fn ci(&mut self, c: i64) -> Value {
        self.vconst(I64X2, c as u64)
    }

    fn vconst(&mut self, ty: Type, bits: u64) -> Value {
        let mut bytes = bits.to_le_bytes().to_vec();
        bytes.extend_from_slice(&bits.to_le_bytes());
        let k = self.b.func.dfg.constants.insert(ConstantData::from(bytes));
        self.b.ins().vconst(ty, k)
    }

    /// The bits of a float vector as I64X2.
    fn bits(&mut self, x: Value) -> Value {
        self.b.ins().bitcast(I64X2, cast_flags(), x)
    }

    /// I64X2 bits read as F64X2.
    fn float(&mut self, i: Value) -> Value {
        self.b.ins().bitcast(F64X2, cast_flags(), i)
    }

    // ---- arithmetic ----

    fn add(&mut self, x: Value, y: Value) -> Value {
        self.b.ins().fadd(x, y)
    }
    fn sub(&mut self, x: Value, y: Value) -> Value {
        self.b.ins().fsub(x, y)
    }
    fn mul(&mut self, x: Value, y: Value) -> Value {
        self.b.ins().fmul(x, y)
    }
    fn div(&mut self, x: Value, y: Value) -> Value {
        self.b.ins().fdiv(x, y)
    }
    /// `x * y + z` with one rounding.
    fn fma(&mut self, x: Value, y: Value, z: Value) -> Value {
        self.b.ins().fma(x, y, z)
    }
    fn sqrt(&mut self, x: Value) -> Value {
        self.b.ins().sqrt(x)
    }
    /// Round to the nearest integer, ties to even.
    fn round(&mut self, x: Value) -> Value {
        self.b.ins().nearest(x)
    }
    fn floor(&mut self, x: Value) -> Value {
        self.b.ins().floor(x)
    }
    fn trunc(&mut self, x: Value) -> Value {
        self.b.ins().trunc(x)
    }
    /// `x` clamped to `[lo, hi]`; NaN stays NaN. (Compare and blend: Cranelift's fmin and
    /// fmax order signed zeros and NaNs, which takes four times the instructions.)
    fn clamp(&mut self, x: Value, lo: f64, hi: f64) -> Value {
        let above = self.cmp_c(FloatCC::GreaterThan, x, hi);
        let x = self.sel_c(above, hi, x);
        let below = self.cmp_c(FloatCC::LessThan, x, lo);
        self.sel_c(below, lo, x)
    }

    /// Horner's scheme: `cs[0] + x * (cs[1] + x * (...))`.
    fn poly(&mut self, x: Value, cs: &[f64]) -> Value {
        // Estrin's scheme: pairs c[2i] + c[2i+1]·x, then pairs of those with x², x⁴, …. The
        // dependency chain is log2(n) multiply-adds long instead of n (Horner), which is what
        // bounds the throughput of a vector loop of math functions.
        assert!(!cs.is_empty(), "a coefficient");
        let mut terms: Vec<Value> = cs
            .chunks(2)
            .map(|pair| match *pair {
                [c0, c1] => {
                    let (c0, c1) = (self.c(c0), self.c(c1));
                    self.fma(c1, x, c0)
                }
                [c0] => self.c(c0),
                _ => unreachable!("chunks of two"),
            })
            .collect();
        let mut power = x;
        while terms.len() > 1 {
            power = self.mul(power, power);
            terms = terms
                .chunks(2)
                .map(|pair| match *pair {
                    [lo, hi] => self.fma(hi, power, lo),
                    [lo] => lo,
                    _ => unreachable!("chunks of two"),
                })
                .collect();
        }
        terms[0]
    }

    // ---- sign bits ----

    fn and_bits(&mut self, x: Value, mask: i64) -> Value {
        let i = self.bits(x);
        let m = self.ci(mask);
        let r = self.b.ins().band(i, m);
        self.float(r)
    }
    fn abs(&mut self, x: Value) -> Value {
        self.and_bits(x, !SIGN)
    }
    /// The sign bit of `x` alone (±0).
    fn sign_of(&mut self, x: Value) -> Value {
        self.and_bits(x, SIGN)
    }
    /// `x` with its sign bit flipped where `s` has it set.
    fn xor_sign(&mut self, x: Value, s: Value) -> Value {
        let (xi, si) = (self.bits(x), self.bits(s));
        let r = self.b.ins().bxor(xi, si);
        self.float(r)
    }
    fn neg(&mut self, x: Value) -> Value {
        let s = self.c(-0.0);
        self.xor_sign(x, s)
    }

    // ---- masks ----

    fn cmp(&mut self, cc: FloatCC, x: Value, y: Value) -> Value {
        self.b.ins().fcmp(cc, x, y)
    }
    /// Mask of lanes where `x cc c`.
    fn cmp_c(&mut self, cc: FloatCC, x: Value, c: f64) -> Value {
        let c = self.c(c);
        self.cmp(cc, x, c)
    }
    fn is_nan(&mut self, x: Value) -> Value {
        self.cmp(FloatCC::Unordered, x, x)
    }
    fn and(&mut self, m: Value, n: Value) -> Value {
        self.b.ins().band(m, n)
    }
    fn or(&mut self, m: Value, n: Value) -> Value {
        self.b.ins().bor(m, n)
    }
    /// `x` where mask `m` is set, else `y`.
    fn sel(&mut self, m: Value, x: Value, y: Value) -> Value {
        let m = self.float(m);
        self.b.ins().bitselect(m, x, y)
    }
    /// `c` where mask `m` is set, else `y`.
    fn sel_c(&mut self, m: Value, c: f64, y: Value) -> Value {
        let c = self.c(c);
        self.sel(m, c, y)
    }

    // ---- powers of two ----

    /// 2^k for F64X2 lanes holding integers in [-1022, 1023].
    fn pow2i(&mut self, k: Value) -> Value {
        // k + 1.5·2^52 holds k in the low bits of its significand (two's complement);
        // adding the bias and shifting the sum into the exponent field drops the rest.
        let magic = self.c(6755399441055744.0);
        let t = self.add(k, magic);
        let t = self.bits(t);
        let bias = self.ci(1023);
        let e = self.b.ins().iadd(t, bias);
        let shift = self.b.ins().iconst(types::I32, 52);
        let e = self.b.ins().ishl(e, shift);
        self.float(e)
    }

    /// `x · 2^k` for integer-valued `k` with |k| ≤ 2044, rounding once: overflow gives ±Inf,
    /// and results below the normal range are rounded as subnormals.
    fn scale(&mut self, x: Value, k: Value) -> Value {
        let half = self.c(0.5);
        let k1 = self.mul(k, half);
        let k1 = self.floor(k1);
        let k2 = self.sub(k, k1);
        let s1 = self.pow2i(k1);
        let s2 = self.pow2i(k2);
        let x = self.mul(x, s1);
        self.mul(x, s2)
    }

    // ---- double-double helpers ----

    /// `(s, e)` with `s + e == x + y` exactly (any magnitudes).
    fn two_sum(&mut self, x: Value, y: Value) -> (Value, Value) {
        let s = self.add(x, y);
        let bb = self.sub(s, x);
        let t = self.sub(s, bb);
        let ex = self.sub(x, t);
        let ey = self.sub(y, bb);
        (s, self.add(ex, ey))
    }

    /// `(s, e)` with `s + e == x + y` exactly, for |x| ≥ |y| (or x == 0).
    fn fast_two_sum(&mut self, x: Value, y: Value) -> (Value, Value) {
        let s = self.add(x, y);
        let t = self.sub(x, s);
        (s, self.add(t, y))
    }

    /// `(p, e)` with `p + e == x · y` exactly (barring underflow).
    fn two_prod(&mut self, x: Value, y: Value) -> (Value, Value) {
        let p = self.mul(x, y);
        let np = self.neg(p);
        (p, self.fma(x, y, np))
    }

    // ---- the cold path ----

    /// `hot`, except that when any lane of `mask` is set every lane is recomputed by the
    /// scalar helper `symbol` (f64 → f64) applied to `x` — in a block the hot path skips.
    fn scalar_fallback(&mut self, mask: Value, hot: Value, x: Value, symbol: &str) -> Value {
        let func = self.helper(symbol);
        let cold = self.b.create_block();
        let merge = self.b.create_block();
        let result = self.b.append_block_param(merge, F64X2);
        let any = self.b.ins().vany_true(mask);
        self.b
            .ins()
            .brif(any, cold, &[], merge, &[BlockArg::Value(hot)]);
        self.b.set_cold_block(cold);
        self.b.switch_to_block(cold);
        self.b.seal_block(cold);
        let mut out = hot;
        for lane in 0..2u8 {
            let xl = self.b.ins().extractlane(x, lane);
            let call = self.b.ins().call(func, &[xl]);
            let yl = self.b.inst_results(call)[0];
            out = self.b.ins().insertlane(out, yl, lane);
        }
        self.b.ins().jump(merge, &[BlockArg::Value(out)]);
        self.b.switch_to_block(merge);
        self.b.seal_block(merge);
        result
    }

    /// The imported helper `symbol` (f64 → f64), declared on first use.
    fn helper(&mut self, symbol: &str) -> FuncRef {
        if let Some(&f) = self.funcs.get(symbol) {
            return f;
        }
        let mut sig = self.module.make_signature();
        sig.params.push(AbiParam::new(types::F64));
        sig.returns.push(AbiParam::new(types::F64));
        let id = self
            .module
            .declare_function(symbol, Linkage::Import, &sig)
            .expect("helper signatures are consistent");
        let f = self.module.declare_func_in_func(id, self.b.func);
        self.funcs.insert(symbol.to_string(), f);
        f
    }
}

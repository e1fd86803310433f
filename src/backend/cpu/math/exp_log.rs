//! Exponentials and logarithms: exp, exp2, expm1, log, log2, log10, log1p, and the
//! double-double kernels `exp_dd` and `log_dd` that `pow` and the hyperbolic functions share.
//!
//! exp: x = k·ln2 + r with |r| ≤ ln2/2 (Cody–Waite, the reduced argument kept as r + rl),
//! e^r - 1 by a degree-13 Taylor polynomial, and the result scaled by 2^k in two steps so
//! that overflow and subnormal results round once.
//!
//! log: x = 2^k·m with m in [√½, √2), log m = 2·atanh(s) with s = (m-1)/(m+1) ≤ 0.172,
//! summed as a double-double accurate to about 2^-68 relative (so that `pow` can multiply it
//! by a large exponent).
//!
//! TODO: plain log, log2, log10 and log1p use the double-double kernel too, which makes them
//! slower than glibc's table-driven log (about 6.7 against 4.1 ns per f64 element); a
//! double-precision kernel with minimax coefficients would do for them.

use super::Vb;
use cranelift_codegen::ir::InstBuilder;
use cranelift_codegen::ir::condcodes::FloatCC;
use cranelift_codegen::ir::{Value, types};
use cranelift_module::Module;

/// ln 2 split so that k·LN2_HI is exact for |k| < 2^21.
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
const LN2_LO: f64 = 1.9082149292705877e-10;
const LN2: f64 = std::f64::consts::LN_2;
/// ln 2 - LN2.
const LN2_TAIL: f64 = 2.3190468138462996e-17;
/// 1/ln 2 and 1/ln 10 as double-doubles.
const INV_LN2: (f64, f64) = (std::f64::consts::LOG2_E, 2.0355273740931033e-17);
const INV_LN10: (f64, f64) = (std::f64::consts::LOG10_E, 1.098319650216765e-17);
/// 2/3 as a double-double.
const TWO_THIRDS: (f64, f64) = (2.0 / 3.0, 3.700743415417188e-17);

/// 1/n! for n = 2..=13: e^r - 1 - r = r²·(these in Horner form), truncation ≤ 2^-56 relative.
const EXPM1_TAYLOR: [f64; 12] = [
    1.0 / 2.0,
    1.0 / 6.0,
    1.0 / 24.0,
    1.0 / 120.0,
    1.0 / 720.0,
    1.0 / 5040.0,
    1.0 / 40320.0,
    1.0 / 362880.0,
    1.0 / 3628800.0,
    1.0 / 39916800.0,
    1.0 / 479001600.0,
    1.0 / 6227020800.0,
];

/// 2/(2j+5), j = 0..=10: atanh(s)·2 = 2s + (2/3)s³ + s⁵·(these in Horner form in s²).
const ATANH_TAIL: [f64; 11] = [
    2.0 / 5.0,
    2.0 / 7.0,
    2.0 / 9.0,
    2.0 / 11.0,
    2.0 / 13.0,
    2.0 / 15.0,
    2.0 / 17.0,
    2.0 / 19.0,
    2.0 / 21.0,
    2.0 / 23.0,
    2.0 / 25.0,
];

/// Arguments beyond this are clamped: e^±1100 over- or underflows however it is scaled.
const EXP_CLAMP: f64 = 1100.0;

impl<M: Module> Vb<'_, '_, M> {
    /// e^(r + rl) - 1 for |r| ≤ 0.35 and |rl| ≤ ulp(r), as a double-double `(p, pl)`.
    fn expm1_kernel(&mut self, r: Value, rl: Value) -> (Value, Value) {
        let r2 = self.mul(r, r);
        let q = self.poly(r, &EXPM1_TAYLOR);
        // d/dr (e^r - 1) = e^r ≈ 1 + r carries rl.
        let corr = self.fma(rl, r, rl);
        let t = self.fma(r2, q, corr);
        self.fast_two_sum(r, t)
    }

    /// 1 + p + pl, rounded once (about).
    pub(super) fn one_plus(&mut self, p: Value, pl: Value) -> Value {
        let one = self.c(1.0);
        let (s, e) = self.fast_two_sum(one, p);
        let e = self.add(e, pl);
        self.add(s, e)
    }

    /// `(k, r, rl)` with h + l = k·ln2 + r + rl, k an integer, |r| ≤ ln2/2 (about).
    fn exp_reduce(&mut self, h: Value, l: Option<Value>) -> (Value, Value, Value) {
        let log2e = self.c(std::f64::consts::LOG2_E);
        let k = self.mul(h, log2e);
        let k = self.round(k);
        let nk = self.neg(k);
        let (hi, lo) = (self.c(LN2_HI), self.c(LN2_LO));
        // Exact: k·LN2_HI has at most 53 bits and lies within a factor 2 of h.
        let rhi = self.fma(nk, hi, h);
        let r = self.fma(nk, lo, rhi);
        let d = self.sub(rhi, r);
        let mut rl = self.fma(nk, lo, d);
        if let Some(l) = l {
            // l may be as large as ulp(h), far above ulp(r): renormalise, so that the
            // kernel's first-order correction in rl suffices.
            rl = self.add(rl, l);
            let (r, rl) = self.fast_two_sum(r, rl);
            return (k, r, rl);
        }
        (k, r, rl)
    }

    /// e^(h + l) · 2^extra, for |l| ≤ ulp(h) and extra in {0, -1}.
    pub(super) fn exp_dd(&mut self, h: Value, l: Option<Value>, extra: f64) -> Value {
        let hc = self.clamp(h, -EXP_CLAMP, EXP_CLAMP);
        // A clamped (or infinite) h makes its low part meaningless, possibly NaN.
        let l = l.map(|l| {
            let ah = self.abs(h);
            let big = self.cmp_c(FloatCC::GreaterThan, ah, EXP_CLAMP);
            self.sel_c(big, 0.0, l)
        });
        let (k, r, rl) = self.exp_reduce(hc, l);
        let (p, pl) = self.expm1_kernel(r, rl);
        let e = self.one_plus(p, pl);
        let k = if extra != 0.0 {
            let x = self.c(extra);
            self.add(k, x)
        } else {
            k
        };
        self.scale(e, k)
    }

    /// `(p, pl, k)` with e^x = 2^k·(1 + p + pl), for expm1 and the hyperbolic functions; x
    /// clamped as in `exp`.
    pub(super) fn exp_parts(&mut self, x: Value) -> (Value, Value, Value) {
        let x = self.clamp(x, -EXP_CLAMP, EXP_CLAMP);
        let (k, r, rl) = self.exp_reduce(x, None);
        let (p, pl) = self.expm1_kernel(r, rl);
        (p, pl, k)
    }

    /// 2^k·(1 + p + pl) - 1 as a double-double, for k in [-60, 52].
    pub(super) fn expm1_dd_from_parts(&mut self, p: Value, pl: Value, k: Value) -> (Value, Value) {
        let t = self.pow2i(k);
        let one = self.c(1.0);
        // Both exact: 2^k·p and 2^k - 1.
        let a = self.mul(t, p);
        let b = self.sub(t, one);
        let (s, e) = self.two_sum(a, b);
        let e = self.fma(t, pl, e);
        (s, e)
    }

    /// 2^k·(1 + p + pl) - 1 from `exp_parts`, rounded.
    pub(super) fn expm1_from_parts(&mut self, p: Value, pl: Value, k: Value) -> Value {
        let kc = self.clamp(k, -60.0, 52.0);
        let (s, e) = self.expm1_dd_from_parts(p, pl, kc);
        let small = self.add(s, e);
        // Large k: 2^k·(1 + (p - 2^-k)); 2^-k is below an ulp of 1 + p, added first.
        let kneg = self.clamp(k, 53.0, 100.0);
        let kneg = self.neg(kneg);
        let u = self.pow2i(kneg);
        let u = self.sub(p, u);
        let one = self.c(1.0);
        let e = self.add(one, u);
        let big = self.scale(e, k);
        let is_big = self.cmp_c(FloatCC::GreaterThan, k, 52.0);
        self.sel(is_big, big, small)
    }

    /// e^x. Measured error: f64 ≤ 1 ulp, f32 ≤ 1 ulp.
    pub(super) fn exp(&mut self, x: Value) -> Value {
        self.exp_dd(x, None, 0.0)
    }

    /// 2^x. Measured error: f64 ≤ 1 ulp, f32 ≤ 1 ulp.
    pub(super) fn exp2(&mut self, x: Value) -> Value {
        let h = self.clamp(x, -EXP_CLAMP, EXP_CLAMP);
        let k = self.round(h);
        let f = self.sub(h, k);
        let ln2 = self.c(LN2);
        let (r, rl) = self.two_prod(f, ln2);
        let tail = self.c(LN2_TAIL);
        let rl = self.fma(f, tail, rl);
        let (p, pl) = self.expm1_kernel(r, rl);
        let e = self.one_plus(p, pl);
        self.scale(e, k)
    }

    /// e^x - 1. Measured error: f64 ≤ 1 ulp, f32 ≤ 1 ulp.
    pub(super) fn expm1(&mut self, x: Value) -> Value {
        let (p, pl, k) = self.exp_parts(x);
        let r = self.expm1_from_parts(p, pl, k);
        self.keep_zero(x, r)
    }

    /// `x` where it is ±0, else `r` (functions odd at 0 keep the zero's sign).
    pub(super) fn keep_zero(&mut self, x: Value, r: Value) -> Value {
        let z = self.cmp_c(FloatCC::Equal, x, 0.0);
        self.sel(z, x, r)
    }

    /// ln x as a double-double `(hi, lo)`, |lo| ≤ ulp(hi)/2, relative error about 2^-68, for
    /// positive finite x (subnormals included). Other inputs give unspecified values.
    pub(super) fn log_dd(&mut self, x: Value) -> (Value, Value) {
        // Subnormals: scale into the normal range first.
        let tiny = self.cmp_c(FloatCC::LessThan, x, f64::MIN_POSITIVE);
        let big = self.c(18014398509481984.0); // 2^54
        let xs = self.mul(x, big);
        let xs = self.sel(tiny, xs, x);
        let zero = self.c(0.0);
        let ebias = self.sel_c(tiny, -54.0, zero);
        // Shift the exponent boundary to √½ so that m lands in [√½, √2).
        let ix = self.bits(xs);
        let off = self.ci(0x3ff0_0000_0000_0000 - 0x3fe6_a09e_667f_3bcd);
        let ix = self.b.ins().iadd(ix, off);
        let shift = self.b.ins().iconst(types::I32, 52);
        let kbits = self.b.ins().ushr(ix, shift);
        // The biased exponent as a float: its bits under 2^52's exponent, minus 2^52.
        let exp52 = self.ci(0x4330_0000_0000_0000);
        let kb = self.b.ins().bor(kbits, exp52);
        let kb = self.float(kb);
        let unbias = self.c(4503599627370496.0 + 1023.0);
        let k = self.sub(kb, unbias);
        let k = self.add(k, ebias);
        let mant = self.ci(0x000f_ffff_ffff_ffff);
        let mb = self.b.ins().band(ix, mant);
        let base = self.ci(0x3fe6_a09e_667f_3bcd);
        let mb = self.b.ins().iadd(mb, base);
        let m = self.float(mb);

        // s + sl = f / (2 + f), f = m - 1 (exact).
        let one = self.c(1.0);
        let two = self.c(2.0);
        let f = self.sub(m, one);
        let (d, dl) = self.fast_two_sum(two, f);
        // One division: s need not be the rounded quotient, the remainder corrects it.
        let inv = self.div(one, d);
        let s = self.mul(f, inv);
        let ns = self.neg(s);
        let rem = self.fma(ns, d, f);
        let rem = self.fma(ns, dl, rem);
        let sl = self.mul(rem, inv);

        // s³ and (2/3)s³ as double-doubles.
        let (z, zl) = self.two_prod(s, s);
        let s2 = self.add(s, s);
        let zl = self.fma(s2, sl, zl);
        let (s3, s3l) = self.two_prod(z, s);
        let s3l = self.fma(zl, s, s3l);
        let s3l = self.fma(z, sl, s3l);
        let c23 = self.c(TWO_THIRDS.0);
        let (t, tl) = self.two_prod(s3, c23);
        let c23l = self.c(TWO_THIRDS.1);
        let tl = self.fma(s3, c23l, tl);
        let tl = self.fma(s3l, c23, tl);
        // s⁵·U(s²), small enough for double precision.
        let u = self.poly(z, &ATANH_TAIL);
        let s5 = self.mul(s3, z);
        let tail = self.mul(s5, u);

        // k·ln2 + 2s + 2sl + (2/3)s³ + tail.
        let (ln2hi, ln2lo) = (self.c(LN2_HI), self.c(LN2_LO));
        let a = self.mul(k, ln2hi);
        let (h1, e1) = self.two_sum(a, s2);
        let (h2, e2) = self.fast_two_sum(h1, t);
        let lo = self.add(e1, e2);
        let lo = self.fma(k, ln2lo, lo);
        let lo = self.fma(two, sl, lo);
        let lo = self.add(lo, tl);
        let lo = self.add(lo, tail);
        self.fast_two_sum(h2, lo)
    }

    /// `r`, with the values a logarithm takes at its special arguments: log(+Inf) = +Inf,
    /// log(±0) = -Inf, log(x < 0) = log(NaN) = NaN.
    pub(super) fn log_specials(&mut self, x: Value, r: Value) -> Value {
        let inf = self.cmp_c(FloatCC::Equal, x, f64::INFINITY);
        let r = self.sel_c(inf, f64::INFINITY, r);
        let zero = self.cmp_c(FloatCC::Equal, x, 0.0);
        let r = self.sel_c(zero, f64::NEG_INFINITY, r);
        let bad = self.cmp_c(FloatCC::UnorderedOrLessThan, x, 0.0);
        self.sel_c(bad, f64::NAN, r)
    }

    /// ln x. Measured error: f64 ≤ 1 ulp, f32 ≤ 1 ulp.
    pub(super) fn log(&mut self, x: Value) -> Value {
        let (h, _) = self.log_dd(x);
        self.log_specials(x, h)
    }

    /// `(h + l)·(c.0 + c.1)`, rounded.
    fn mul_dd_round(&mut self, h: Value, l: Value, c: (f64, f64)) -> Value {
        let (chi, clo) = (self.c(c.0), self.c(c.1));
        let (p, e) = self.two_prod(h, chi);
        let e = self.fma(h, clo, e);
        let e = self.fma(l, chi, e);
        self.add(p, e)
    }

    /// log₂ x. Measured error: f64 ≤ 1 ulp, f32 ≤ 1 ulp.
    pub(super) fn log2(&mut self, x: Value) -> Value {
        let (h, l) = self.log_dd(x);
        let r = self.mul_dd_round(h, l, INV_LN2);
        self.log_specials(x, r)
    }

    /// log₁₀ x. Measured error: f64 ≤ 2 ulp, f32 ≤ 2 ulp (against `std`, whose own log10 and
    /// log10f are up to 1.6 ulp off at those points).
    pub(super) fn log10(&mut self, x: Value) -> Value {
        let (h, l) = self.log_dd(x);
        let r = self.mul_dd_round(h, l, INV_LN10);
        self.log_specials(x, r)
    }

    /// ln(1 + x). Measured error: f64 ≤ 1 ulp, f32 ≤ 1 ulp.
    pub(super) fn log1p(&mut self, x: Value) -> Value {
        // u + c = 1 + x exactly; ln(u + c) = ln u + c/u.
        let one = self.c(1.0);
        let (u, c) = self.two_sum(one, x);
        let (h, l) = self.log_dd(u);
        let cu = self.div(c, u);
        let l = self.add(l, cu);
        let r = self.add(h, l);
        // Specials of ln(u): u = +Inf, 0, negative or NaN.
        let r = self.log_specials(u, r);
        self.keep_zero(x, r)
    }
}

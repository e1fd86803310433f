//! sinh, cosh, tanh, from the exponential kernels of `exp_log.rs`: e^x = 2^k·(1 + p) with
//! p kept as a double-double, so that e^x - 1 and e^x ± e^-x lose nothing to cancellation;
//! Taylor series for sinh near 0; the halving folded into the exponent where e^x alone
//! would overflow.

use super::Vb;
use cranelift_codegen::ir::Value;
use cranelift_codegen::ir::condcodes::FloatCC;
use cranelift_module::Module;

/// 1/(2n+1)! for n = 1..=10: sinh a = a + a³·(these in Horner form in a²), truncation below
/// 2^-60 relative for |a| < 1.
const SINH_TAYLOR: [f64; 10] = [
    1.0 / 6.0,
    1.0 / 120.0,
    1.0 / 5040.0,
    1.0 / 362880.0,
    1.0 / 39916800.0,
    1.0 / 6227020800.0,
    1.0 / 1307674368000.0,
    1.0 / 355687428096000.0,
    1.0 / 121645100408832000.0,
    1.0 / 51090942171709440000.0,
];

impl<M: Module> Vb<'_, '_, M> {
    /// `(e, el, k)` with e^a = 2^k·(e + el), e + el in [0.7, 1.5).
    fn exp_dd_parts(&mut self, a: Value) -> (Value, Value, Value) {
        let (p, pl, k) = self.exp_parts(a);
        let one = self.c(1.0);
        let (e, el) = self.fast_two_sum(one, p);
        let el = self.add(el, pl);
        (e, el, k)
    }

    /// (e^a ± e^-a)/2 for 0 ≤ a < 22 (`sign` = -1 or 1): 2^(k-1)·((e + el) ± 2^-2k/(e + el)).
    fn exp_pm_exp(&mut self, a: Value, sign: f64) -> Value {
        let (e, el, k) = self.exp_dd_parts(a);
        let kc = self.clamp(k, 0.0, 40.0);
        let m2k = self.c(-2.0);
        let m2k = self.mul(kc, m2k);
        let t = self.pow2i(m2k);
        let inv = self.div(t, e);
        let inv = if sign < 0.0 { self.neg(inv) } else { inv };
        let (s, sl) = self.fast_two_sum(e, inv);
        let sl = self.add(sl, el);
        let v = self.add(s, sl);
        let minus1 = self.c(-1.0);
        let k1 = self.add(kc, minus1);
        self.scale(v, k1)
    }

    /// e^a/2 for any a (overflowing only where e^a/2 does).
    fn half_exp(&mut self, a: Value) -> Value {
        let (p, pl, k) = self.exp_parts(a);
        let e = self.one_plus(p, pl);
        let minus1 = self.c(-1.0);
        let k1 = self.add(k, minus1);
        self.scale(e, k1)
    }

    /// sinh x. Measured error: f64 ≤ 2 ulp, f32 ≤ 2 ulp (against `std`, whose own sinh and sinhf
    /// are up to 1.5 ulp off at those points).
    pub(super) fn sinh(&mut self, x: Value) -> Value {
        let a = self.abs(x);
        // a < 1: a + a³·P(a²).
        let a2 = self.mul(a, a);
        let p = self.poly(a2, &SINH_TAYLOR);
        let a3 = self.mul(a2, a);
        let near0 = self.fma(a3, p, a);
        let moderate = self.exp_pm_exp(a, -1.0);
        // Beyond 22, e^-a is below half an ulp.
        let big = self.half_exp(a);
        let lt22 = self.cmp_c(FloatCC::LessThan, a, 22.0);
        let v = self.sel(lt22, moderate, big);
        let lt1 = self.cmp_c(FloatCC::LessThan, a, 1.0);
        let v = self.sel(lt1, near0, v);
        let s = self.sign_of(x);
        self.xor_sign(v, s)
    }

    /// cosh x. Measured error: f64 ≤ 2 ulp, f32 ≤ 2 ulp (against `std`, whose own cosh and coshf
    /// are up to 1.6 ulp off at those points).
    pub(super) fn cosh(&mut self, x: Value) -> Value {
        let a = self.abs(x);
        let moderate = self.exp_pm_exp(a, 1.0);
        let big = self.half_exp(a);
        let lt22 = self.cmp_c(FloatCC::LessThan, a, 22.0);
        self.sel(lt22, moderate, big)
    }

    /// tanh x. Measured error: f64 ≤ 2 ulp, f32 ≤ 2 ulp (against `std`, whose own tanhf is 1.9 ulp
    /// off at the worst f32 point).
    pub(super) fn tanh(&mut self, x: Value) -> Value {
        let a = self.abs(x);
        // a < 1: -t/(t + 2) with t = e^-2a - 1 as a double-double; a ≥ 1: 1 - 2/(e^2a + 1).
        let ge1 = self.cmp_c(FloatCC::GreaterThanOrEqual, a, 1.0);
        let a2 = self.add(a, a);
        let na2 = self.neg(a2);
        let u = self.sel(ge1, a2, na2);
        let (p, pl, k) = self.exp_parts(u);
        let kc = self.clamp(k, -60.0, 52.0);
        let (t, tl) = self.expm1_dd_from_parts(p, pl, kc);
        let two = self.c(2.0);
        let (d, dl) = self.two_sum(t, two);
        let dl = self.add(dl, tl);
        // (t + tl)/(d + dl), one Newton correction of the quotient.
        let q = self.div(t, d);
        let nq = self.neg(q);
        let rem = self.fma(nq, d, t);
        let rem = self.add(rem, tl);
        let rem = self.fma(nq, dl, rem);
        let corr = self.div(rem, d);
        let q = self.add(q, corr);
        let small = self.neg(q);
        let one = self.c(1.0);
        let t = self.expm1_from_parts(p, pl, k);
        let t2 = self.add(t, two);
        let r = self.div(two, t2);
        let big = self.sub(one, r);
        let v = self.sel(ge1, big, small);
        let sat = self.cmp_c(FloatCC::GreaterThanOrEqual, a, 22.0);
        let v = self.sel_c(sat, 1.0, v);
        let s = self.sign_of(x);
        let v = self.xor_sign(v, s);
        self.keep_zero(x, v)
    }
}

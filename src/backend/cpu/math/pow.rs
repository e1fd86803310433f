//! pow(x, y) = e^(y·ln|x|), with ln|x| and the product kept as double-doubles (relative
//! error about 2^-68, enough for |y·ln|x|| up to the overflow threshold), then the sign and
//! C99's special cases (Annex F.10.4.4) applied lane by lane.

use super::{SIGN, Vb};
use cranelift_codegen::ir::condcodes::FloatCC;
use cranelift_codegen::ir::{InstBuilder, Value};
use cranelift_module::Module;

impl<M: Module> Vb<'_, '_, M> {
    /// Mask of lanes whose sign bit is set (-0 and -NaN included).
    pub(super) fn sign_set(&mut self, x: Value) -> Value {
        let i = self.bits(x);
        let m = self.ci(SIGN);
        let s = self.b.ins().band(i, m);
        self.b
            .ins()
            .icmp(cranelift_codegen::ir::condcodes::IntCC::Equal, s, m)
    }

    /// x^y. Measured error: f64 ≤ 1 ulp, f32 ≤ 1 ulp.
    pub(super) fn pow(&mut self, x: Value, y: Value) -> Value {
        let ax = self.abs(x);
        let (h, l) = self.log_dd(ax);
        // ln 0 = -Inf, ln Inf = Inf, ln NaN = NaN; the low part is then ignored by exp_dd.
        let h = self.log_specials(ax, h);
        let (yh, e) = self.two_prod(y, h);
        let yl = self.fma(y, l, e);
        let r = self.exp_dd(yh, Some(yl), 0.0);

        // Odd integer y: the sign of x carries over (|y| ≥ 2^53 is even).
        let ty = self.trunc(y);
        let yint = self.cmp(FloatCC::Equal, ty, y);
        let half = self.c(0.5);
        let yh2 = self.mul(y, half);
        let th = self.trunc(yh2);
        let half_frac = self.cmp(FloatCC::NotEqual, th, yh2);
        let yodd = self.and(yint, half_frac);
        let xneg = self.sign_set(x);
        let flip = self.and(xneg, yodd);
        let nr = self.neg(r);
        let r = self.sel(flip, nr, r);
        // Finite x < 0 with finite non-integer y: NaN.
        let lt0 = self.cmp_c(FloatCC::LessThan, x, 0.0);
        let finite = self.cmp_c(FloatCC::GreaterThan, x, f64::NEG_INFINITY);
        let neg_finite = self.and(lt0, finite);
        let ynotint = self.cmp(FloatCC::NotEqual, ty, y);
        let nan = self.and(neg_finite, ynotint);
        let r = self.sel_c(nan, f64::NAN, r);
        // 1 whatever the other argument (NaN included): y = ±0, x = 1, and (-1)^±Inf.
        let y0 = self.cmp_c(FloatCC::Equal, y, 0.0);
        let x1 = self.cmp_c(FloatCC::Equal, x, 1.0);
        let ax1 = self.cmp_c(FloatCC::Equal, ax, 1.0);
        let ay = self.abs(y);
        let yinf = self.cmp_c(FloatCC::Equal, ay, f64::INFINITY);
        let unit = self.and(ax1, yinf);
        let one = self.or(y0, x1);
        let one = self.or(one, unit);
        self.sel_c(one, 1.0, r)
    }
}

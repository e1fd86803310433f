//! pow(x, y) = e^(y·ln|x|), with ln|x| and the product kept as double-doubles (relative
//! error about 2^-68, enough for |y·ln|x|| up to the overflow threshold), then the sign and
//! C99's special cases (Annex F.10.4.4) applied lane by lane.

use super::{SIGN, Vb};
use cranelift_codegen::ir::condcodes::FloatCC;
use cranelift_codegen::ir::types::F64X2;
use cranelift_codegen::ir::{BlockArg, InstBuilder, Value};
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
    /// `pow`, with a fast path when every lane's exponent is 2, 3 or 4 (`x ** 3` in a
    /// polynomial: the exponent is usually the same constant in every lane). The fast path
    /// multiplies in double-double arithmetic and rounds once, so it stays within 1 ulp like
    /// the general path, at a fraction of its cost.
    pub(super) fn pow_with_small_powers(&mut self, x: Value, y: Value) -> Value {
        let is2 = self.cmp_c(FloatCC::Equal, y, 2.0);
        let is3 = self.cmp_c(FloatCC::Equal, y, 3.0);
        let is4 = self.cmp_c(FloatCC::Equal, y, 4.0);
        let small = self.or(is2, is3);
        let small = self.or(small, is4);
        let all = self.b.ins().vall_true(small);
        let fast = self.b.create_block();
        let general = self.b.create_block();
        let join = self.b.create_block();
        let result = self.b.append_block_param(join, F64X2);
        self.b.ins().brif(all, fast, &[], general, &[]);

        self.b.switch_to_block(fast);
        self.b.seal_block(fast);
        // x² = x2h + x2l exactly; x³ and x⁴ from it, each with its rounding error kept.
        let (x2h, x2l) = self.two_prod(x, x);
        let (p3, e3) = self.two_prod(x2h, x);
        let e3 = self.fma(x2l, x, e3);
        let x3 = self.add(p3, e3);
        let (p4, e4) = self.two_prod(x2h, x2h);
        let two = self.c(2.0);
        let cross = self.mul(two, x2h);
        let e4 = self.fma(cross, x2l, e4);
        let x4 = self.add(p4, e4);
        // Where the product is 0, infinite or NaN the corrections are meaningless (and may be
        // NaN, or flip the sign of a zero): the plain product is the answer.
        let fix = |v: &mut Self, p: Value, r: Value| {
            let ap = v.abs(p);
            let normal = v.cmp_c(FloatCC::LessThan, ap, f64::INFINITY);
            let nonzero = v.cmp_c(FloatCC::NotEqual, p, 0.0);
            let ok = v.and(normal, nonzero);
            v.sel(ok, r, p)
        };
        let x3 = fix(self, p3, x3);
        let x4 = fix(self, p4, x4);
        let r = self.sel(is3, x3, x4);
        let r = self.sel(is2, x2h, r);
        self.b.ins().jump(join, &[BlockArg::Value(r)]);

        self.b.switch_to_block(general);
        self.b.seal_block(general);
        let r = self.pow(x, y);
        self.b.ins().jump(join, &[BlockArg::Value(r)]);

        self.b.switch_to_block(join);
        self.b.seal_block(join);
        result
    }

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

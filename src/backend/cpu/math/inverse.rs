//! asin, acos, atan, atan2, in fdlibm's arrangements made branch-free: every lane computes
//! one shared rational or polynomial kernel on its own reduced argument, and the
//! finishing formulas of the intervals are blended with selects.

use super::Vb;
use cranelift_codegen::ir::Value;
use cranelift_codegen::ir::condcodes::FloatCC;
use cranelift_module::Module;

const PIO2_HI: f64 = std::f64::consts::FRAC_PI_2;
/// π/2 - PIO2_HI.
const PIO2_LO: f64 = 6.123233995736766e-17;
const PI: f64 = std::f64::consts::PI;
/// π - PI.
const PI_LO: f64 = 1.2246467991473532e-16;

/// fdlibm's asin/acos kernel: asin x = x + x·R(x²), R = z·P(z)/Q(z) on [0, 1/4].
const PS: [f64; 6] = [
    0.16666666666666666,
    -0.3255658186224009,
    0.20121253213486293,
    -0.04005553450067941,
    0.0007915349942898145,
    3.479331075960212e-05,
];
const QS: [f64; 5] = [
    1.0,
    -2.403394911734414,
    2.0209457602335057,
    -0.6882839716054533,
    0.07703815055590194,
];

/// fdlibm's atan: atan(x) at the interval anchors 0.5, 1, 1.5, ∞ (hi + lo) ...
const ATAN_HI: [f64; 4] = [
    0.4636476090008061,
    std::f64::consts::FRAC_PI_4,
    0.982793723247329,
    std::f64::consts::FRAC_PI_2,
];
const ATAN_LO: [f64; 4] = [
    2.2698777452961687e-17,
    3.061616997868383e-17,
    1.3903311031230998e-17,
    6.123233995736766e-17,
];
/// ... and the odd polynomial on |t| ≤ 7/16, split into the coefficients of even and odd
/// powers of t⁴.
const AT_EVEN: [f64; 6] = [
    0.3333333333333293,
    0.14285714272503466,
    0.09090887133436507,
    0.06661073137387531,
    0.049768779946159324,
    0.016285820115365782,
];
const AT_ODD: [f64; 5] = [
    -0.19999999999876483,
    -0.11111110405462356,
    -0.0769187620504483,
    -0.058335701337905735,
    -0.036531572744216916,
];

impl<M: Module> Vb<'_, '_, M> {
    /// R(z) of fdlibm's asin.
    fn asin_r(&mut self, z: Value) -> Value {
        let p = self.poly(z, &PS);
        let p = self.mul(z, p);
        let q = self.poly(z, &QS);
        self.div(p, q)
    }

    /// `(z, r, s)` shared by asin and acos: z = x² below 1/2 and (1 - |x|)/2 above, R(z),
    /// and √z.
    fn asin_parts(&mut self, x: Value, small: Value, a: Value) -> (Value, Value, Value) {
        let xx = self.mul(x, x);
        let one = self.c(1.0);
        let half = self.c(0.5);
        let w = self.sub(one, a);
        let w = self.mul(w, half);
        let z = self.sel(small, xx, w);
        let r = self.asin_r(z);
        let s = self.sqrt(z);
        (z, r, s)
    }

    /// `s` with its low 32 bits cleared, so that its square is exact.
    fn high_half(&mut self, s: Value) -> Value {
        self.and_bits(s, -(1i64 << 32))
    }

    /// asin x. Measured error: f64 ≤ 1 ulp, f32 ≤ 1 ulp.
    pub(super) fn asin(&mut self, x: Value) -> Value {
        let a = self.abs(x);
        let small = self.cmp_c(FloatCC::LessThan, a, 0.5);
        let (z, r, s) = self.asin_parts(x, small, a);
        // |x| < 1/2: x + x·R(x²).
        let near0 = self.fma(x, r, x);
        // |x| > 0.975: π/2 - (2(s + s·r) - pio2_lo).
        let (pio2_hi, pio2_lo) = (self.c(PIO2_HI), self.c(PIO2_LO));
        let sr = self.fma(s, r, s);
        let sr2 = self.add(sr, sr);
        let t = self.sub(sr2, pio2_lo);
        let near1 = self.sub(pio2_hi, t);
        // Between: √z = f + c with f's square exact;
        // π/4 - (2sr - (pio2_lo - 2c) - (π/4 - 2f)).
        let f = self.high_half(s);
        let ff = self.mul(f, f);
        let num = self.sub(z, ff);
        let den = self.add(s, f);
        let c = self.div(num, den);
        let c2 = self.add(c, c);
        let u = self.sub(pio2_lo, c2);
        let sr = self.mul(s, r);
        let sr2 = self.add(sr, sr);
        let u = self.sub(sr2, u);
        let pio4 = self.c(PIO2_HI * 0.5);
        let f2 = self.add(f, f);
        let v = self.sub(pio4, f2);
        let u = self.sub(u, v);
        let mid = self.sub(pio4, u);
        let above = self.cmp_c(FloatCC::GreaterThan, a, 0.975);
        let big = self.sel(above, near1, mid);
        let sign = self.sign_of(x);
        let big = self.xor_sign(big, sign);
        self.sel(small, near0, big)
    }

    /// acos x. Measured error: f64 ≤ 1 ulp, f32 ≤ 1 ulp.
    pub(super) fn acos(&mut self, x: Value) -> Value {
        let a = self.abs(x);
        let small = self.cmp_c(FloatCC::LessThan, a, 0.5);
        let (z, r, s) = self.asin_parts(x, small, a);
        let (pio2_hi, pio2_lo) = (self.c(PIO2_HI), self.c(PIO2_LO));
        // |x| < 1/2: π/2 - (x - (pio2_lo - x·R)).
        let nx = self.neg(x);
        let t = self.fma(nx, r, pio2_lo);
        let t = self.sub(x, t);
        let near0 = self.sub(pio2_hi, t);
        // x ≤ -1/2: 2(π/2 - (s + (R·s - pio2_lo))).
        let w = self.mul(r, s);
        let w = self.sub(w, pio2_lo);
        let w = self.add(s, w);
        let w = self.sub(pio2_hi, w);
        let neg = self.add(w, w);
        // x ≥ 1/2: 2(f + (R·s + c)), √z = f + c with f's square exact.
        let f = self.high_half(s);
        let ff = self.mul(f, f);
        let num = self.sub(z, ff);
        let den = self.add(s, f);
        let c = self.div(num, den);
        let w = self.fma(r, s, c);
        let w = self.add(f, w);
        let pos = self.add(w, w);
        // acos 1 = +0 (the formula above divides 0 by 0).
        let one = self.cmp_c(FloatCC::Equal, x, 1.0);
        let pos = self.sel_c(one, 0.0, pos);
        let negative = self.cmp_c(FloatCC::LessThan, x, 0.0);
        let big = self.sel(negative, neg, pos);
        self.sel(small, near0, big)
    }

    /// atan a for a ≥ 0 (or NaN).
    fn atan_abs(&mut self, a: Value) -> Value {
        // Interval reduction: t = (a - anchor)/(1 + anchor·a), from the top interval down.
        let one = self.c(1.0);
        let mone = self.c(-1.0);
        let mut num = mone;
        let mut den = a;
        let mut hi = self.c(ATAN_HI[3]);
        let mut lo = self.c(ATAN_LO[3]);
        let zero = self.c(0.0);
        let onehalf = self.c(1.5);
        let two = self.c(2.0);
        // (upper bound of |x|, anchor index); index 4 is the innermost interval, t = a.
        let intervals = [
            (39.0 / 16.0, 2),
            (19.0 / 16.0, 1),
            (11.0 / 16.0, 0),
            (7.0 / 16.0, 4),
        ];
        for (bound, id) in intervals {
            let below = self.cmp_c(FloatCC::LessThan, a, bound);
            let (n, d) = match id {
                2 => {
                    let d = self.fma(onehalf, a, one);
                    (self.sub(a, onehalf), d)
                }
                1 => (self.sub(a, one), self.add(a, one)),
                0 => {
                    let n = self.fma(two, a, mone);
                    (n, self.add(two, a))
                }
                _ => (a, one),
            };
            num = self.sel(below, n, num);
            den = self.sel(below, d, den);
            let (h, l) = if id < 4 {
                (self.c(ATAN_HI[id]), self.c(ATAN_LO[id]))
            } else {
                (zero, zero)
            };
            hi = self.sel(below, h, hi);
            lo = self.sel(below, l, lo);
        }
        let t = self.div(num, den);
        let z = self.mul(t, t);
        let w = self.mul(z, z);
        let s1 = self.poly(w, &AT_EVEN);
        let s1 = self.mul(z, s1);
        let s2 = self.poly(w, &AT_ODD);
        let s2 = self.mul(w, s2);
        let s = self.add(s1, s2);
        // hi - ((t·s - lo) - t)
        let ts = self.mul(t, s);
        let u = self.sub(ts, lo);
        let u = self.sub(u, t);
        self.sub(hi, u)
    }

    /// atan x. Measured error: f64 ≤ 1 ulp, f32 ≤ 1 ulp.
    pub(super) fn atan(&mut self, x: Value) -> Value {
        let a = self.abs(x);
        let r = self.atan_abs(a);
        let s = self.sign_of(x);
        self.xor_sign(r, s)
    }

    /// atan2(y, x), the angle of the point (x, y). Measured error: f64 ≤ 1 ulp, f32 ≤ 1 ulp.
    pub(super) fn atan2(&mut self, y: Value, x: Value) -> Value {
        let ax = self.abs(x);
        let ay = self.abs(y);
        let q = self.div(ay, ax);
        let z = self.atan_abs(q);
        let y0 = self.cmp_c(FloatCC::Equal, ay, 0.0);
        let z = self.sel_c(y0, 0.0, z);
        // x < 0 (or -0): π - z, with π's low part.
        let xneg = self.sign_set(x);
        let pi_lo = self.c(PI_LO);
        let zl = self.sub(z, pi_lo);
        let pi = self.c(PI);
        let w = self.sub(pi, zl);
        let w = self.sel(xneg, w, z);
        // |y/x| > 2^64 (x = 0 and y = ±Inf included): π/2, not π - atan(|y/x|) rounded.
        let steep = self.cmp_c(FloatCC::GreaterThan, q, 18446744073709551616.0);
        let w = self.sel_c(steep, PIO2_HI, w);
        // Both infinite: π/4 or 3π/4.
        let xinf = self.cmp_c(FloatCC::Equal, ax, f64::INFINITY);
        let yinf = self.cmp_c(FloatCC::Equal, ay, f64::INFINITY);
        let both = self.and(xinf, yinf);
        let q4 = self.c(std::f64::consts::FRAC_PI_4);
        let q34 = self.c(3.0 * std::f64::consts::FRAC_PI_4);
        let corner = self.sel(xneg, q34, q4);
        let w = self.sel(both, corner, w);
        let s = self.sign_of(y);
        let r = self.xor_sign(w, s);
        let xn = self.is_nan(x);
        let yn = self.is_nan(y);
        let nan = self.or(xn, yn);
        self.sel_c(nan, f64::NAN, r)
    }
}

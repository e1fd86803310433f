//! Per-element math on each element type: the transcendental functions on f32, f64, c64 and
//! c128 (`Math`), floored remainder (`FloorRem`) and integer powers (`IntPow`). The elementwise
//! primitives in `elementwise.rs` map these over arrays.

use super::complex_math;
use num_complex::Complex;

/// Math functions on f32, f64, c64 and c128 under one name each, so that each op is written
/// once for all four. Real types call Rust's functions in their own precision (f32 math stays
/// f32, as in NumPy). Complex types take the principal branches: the trigonometric and
/// hyperbolic functions and their inverses are `complex_math`'s (C99 Annex G signed zeros,
/// infinities and NaNs, as NumPy); the others are num-complex's, with the fixes below.
pub(crate) trait Math: Copy {
    fn sqrt(self) -> Self;
    fn exp(self) -> Self;
    fn exp2(self) -> Self;
    fn expm1(self) -> Self;
    fn ln(self) -> Self;
    fn log2(self) -> Self;
    fn log10(self) -> Self;
    fn log1p(self) -> Self;
    fn sin(self) -> Self;
    fn cos(self) -> Self;
    fn tan(self) -> Self;
    fn asin(self) -> Self;
    fn acos(self) -> Self;
    fn atan(self) -> Self;
    fn sinh(self) -> Self;
    fn cosh(self) -> Self;
    fn tanh(self) -> Self;
    /// Real: 1 if positive, -1 if negative, else the input (±0 and NaN kept).
    /// Complex (NumPy 2): `z / |z|`, 0 for 0, NaN if either part is NaN; with an infinite
    /// part, the unit along that axis (NaN if both are infinite).
    fn sign(self) -> Self;
    /// Infinite (for complex: either part infinite, even if the other is NaN, as NumPy).
    fn is_inf(self) -> bool;
    /// Complex division by Smith's method, as NumPy does: no overflow in `|b|²`, and
    /// `x / 0` is a complex infinity or NaN.
    fn div(self, rhs: Self) -> Self;
    /// Real: C's `pow`. Complex, as NumPy: `z ** 0 = 1`; `0 ** w` is 0 for real `w > 0` and
    /// NaN otherwise; small integer exponents (|n| < 100) multiply by squaring (from `z`, not
    /// 1, so that `z ** 2` is `z * z` for infinite `z` too); anything else is `exp(w ln z)`.
    fn pow(self, rhs: Self) -> Self;
}

/// `fn f(self) -> Self` calling the type's own (inherent) function of the same name.
macro_rules! delegate {
    ($t:ty; $($f:ident),+) => {
        $( fn $f(self) -> Self { <$t>::$f(self) } )+
    };
}

macro_rules! real_math {
    ($t:ty) => {
        impl Math for $t {
            delegate!($t; sqrt, exp, exp2, ln, log2, log10, sin, cos, tan, asin, acos, atan,
                      sinh, cosh, tanh);
            fn expm1(self) -> Self {
                self.exp_m1()
            }
            fn log1p(self) -> Self {
                self.ln_1p()
            }
            fn sign(self) -> Self {
                if self == 0.0 || self.is_nan() { self } else { self.signum() }
            }
            fn is_inf(self) -> bool {
                self.is_infinite()
            }
            fn div(self, rhs: Self) -> Self {
                self / rhs
            }
            fn pow(self, rhs: Self) -> Self {
                self.powf(rhs)
            }
        }
    };
}
real_math!(f32);
real_math!(f64);

/// `fn f(self) -> Self` calling `complex_math::f` (through c128).
macro_rules! annex_g {
    ($($f:ident),+) => {
        $( fn $f(self) -> Self { complex_math::apply(complex_math::$f, self) } )+
    };
}

macro_rules! complex_math {
    ($t:ty) => {
        impl Math for Complex<$t> {
            delegate!(Complex<$t>; sqrt, ln, log2, log10);
            annex_g!(sin, cos, tan, asin, acos, atan, sinh, cosh, tanh);
            // On the real axis the exponentials are the real functions: num-complex's polar
            // form would turn an overflow into `inf * sin(0) = NaN` imaginary parts.
            fn exp(self) -> Self {
                if self.im == 0.0 {
                    Self::new(self.re.exp(), self.im)
                } else {
                    <Complex<$t>>::exp(self)
                }
            }
            fn exp2(self) -> Self {
                if self.im == 0.0 {
                    Self::new(self.re.exp2(), self.im)
                } else {
                    <Complex<$t>>::exp2(self)
                }
            }
            // exp(z) - 1, arranged as NumPy does so that small |z| keeps its precision:
            // re = expm1(x) cos(y) - 2 sin²(y/2), im = exp(x) sin(y).
            fn expm1(self) -> Self {
                if self.im == 0.0 {
                    return Self::new(self.re.exp_m1(), self.im);
                }
                let half = (self.im / 2.0).sin();
                let re = self.re.exp_m1() * self.im.cos() - 2.0 * half * half;
                Self::new(re, self.re.exp() * self.im.sin())
            }
            // ln(1 + z); on the real axis right of -1, the real log1p (same value, exact
            // for tiny arguments).
            fn log1p(self) -> Self {
                if self.im == 0.0 && self.re > -1.0 {
                    Self::new(self.re.ln_1p(), self.im)
                } else {
                    (self + 1.0).ln()
                }
            }
            fn sign(self) -> Self {
                let (re, im) = (self.re, self.im);
                let nan = Self::new(<$t>::NAN, <$t>::NAN);
                if self.is_nan() {
                    return nan;
                }
                match (re.is_infinite(), im.is_infinite()) {
                    (true, true) => nan,
                    (true, false) => Self::new(re.signum(), 0.0),
                    (false, true) => Self::new(0.0, im.signum()),
                    (false, false) => {
                        // Scale by the larger part first so that |z| cannot overflow.
                        let m = re.abs().max(im.abs());
                        if m == 0.0 {
                            return Self::new(0.0, 0.0);
                        }
                        let (x, y) = (re / m, im / m);
                        let r = x.hypot(y);
                        Self::new(x / r, y / r)
                    }
                }
            }
            fn is_inf(self) -> bool {
                self.re.is_infinite() || self.im.is_infinite()
            }
            fn div(self, rhs: Self) -> Self {
                let (ar, ai, br, bi) = (self.re, self.im, rhs.re, rhs.im);
                if br.abs() >= bi.abs() {
                    if br == 0.0 && bi == 0.0 {
                        return Self::new(ar / br.abs(), ai / br.abs());
                    }
                    let rat = bi / br;
                    let scl = 1.0 / (br + bi * rat);
                    Self::new((ar + ai * rat) * scl, (ai - ar * rat) * scl)
                } else {
                    let rat = br / bi;
                    let scl = 1.0 / (bi + br * rat);
                    Self::new((ar * rat + ai) * scl, (ai * rat - ar) * scl)
                }
            }
            fn pow(self, rhs: Self) -> Self {
                let one = Self::new(1.0, 0.0);
                if rhs.re == 0.0 && rhs.im == 0.0 {
                    return one;
                }
                if self.re == 0.0 && self.im == 0.0 {
                    return if rhs.re > 0.0 && rhs.im == 0.0 {
                        Self::new(0.0, 0.0)
                    } else {
                        Self::new(<$t>::NAN, <$t>::NAN)
                    };
                }
                if rhs.im == 0.0 && rhs.re.fract() == 0.0 && rhs.re.abs() < 100.0 {
                    // By squaring, starting from z itself rather than 1, as NumPy: so z ** 1
                    // is z, z ** 2 is z * z and z ** 3 is (z * z) * z even for infinite z
                    // (1 * z would turn inf * 0 into NaN).
                    let mut n = rhs.re.abs() as u32;
                    let (mut acc, mut base) = (None, self);
                    while n > 0 {
                        if n & 1 == 1 {
                            acc = Some(acc.map_or(base, |a: Self| a * base));
                        }
                        n >>= 1;
                        if n > 0 {
                            base *= base;
                        }
                    }
                    let p = acc.expect("n >= 1");
                    return if rhs.re < 0.0 { Math::div(one, p) } else { p };
                }
                self.powc(rhs)
            }
        }
    };
}
complex_math!(f32);
complex_math!(f64);

/// Floored modulo: the result has the sign of the divisor (Python's and NumPy's `%`).
pub(crate) trait FloorRem: Copy {
    fn floor_rem(self, rhs: Self) -> Self;
}

macro_rules! int_rem_pow {
    ($t:ty) => {
        impl FloorRem for $t {
            /// `x % 0 == 0` (NumPy's result, with a warning there); `MIN % -1 == 0`.
            fn floor_rem(self, rhs: Self) -> Self {
                if rhs == 0 {
                    return 0;
                }
                let r = self.wrapping_rem(rhs);
                if r != 0 && (r < 0) != (rhs < 0) {
                    r + rhs
                } else {
                    r
                }
            }
        }
        impl IntPow for $t {
            fn wrapping_power(self, exp: Self) -> Self {
                if exp < 0 {
                    return match self {
                        1 => 1,
                        -1 if exp % 2 == 0 => 1,
                        -1 => -1,
                        _ => 0,
                    };
                }
                let (mut acc, mut base, mut e): ($t, $t, $t) = (1, self, exp);
                while e > 0 {
                    if e & 1 == 1 {
                        acc = acc.wrapping_mul(base);
                    }
                    base = base.wrapping_mul(base);
                    e >>= 1;
                }
                acc
            }
        }
    };
}
int_rem_pow!(i32);
int_rem_pow!(i64);

macro_rules! float_rem {
    ($t:ty) => {
        impl FloorRem for $t {
            /// NumPy's `remainder`: C's `fmod`, moved into the divisor's sign; an exact zero
            /// takes the divisor's sign; `x % 0` is NaN and infinities give what `fmod` gives
            /// (`-1 % inf == inf`, as in Python).
            fn floor_rem(self, rhs: Self) -> Self {
                let r = self % rhs; // fmod: the sign of the dividend
                if rhs == 0.0 {
                    r
                } else if r == 0.0 {
                    (0.0 as $t).copysign(rhs)
                } else if (r < 0.0) != (rhs < 0.0) {
                    r + rhs
                } else {
                    r
                }
            }
        }
    };
}
float_rem!(f32);
float_rem!(f64);

/// Integer `**` by squaring, wrapping on overflow; `0 ** 0 == 1`. NumPy rejects negative
/// exponents; here they give the integer part of the true value for |base| = 1 (`1`, or `±1`
/// for -1 by parity) and 0 for every other base, 0 included.
pub(crate) trait IntPow: Copy {
    fn wrapping_power(self, exp: Self) -> Self;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complex_integer_powers_start_from_z() {
        let c = Complex::new;
        let (inf, nan) = (f64::INFINITY, f64::NAN);
        let z = c(inf, 0.0);
        // z ** 1 is z, z ** 2 is z * z and z ** 3 is (z * z) * z, as NumPy: no 1 * z turning
        // inf * 0 into NaN. `z ** -1` is 1 / z, as NumPy's scalar `** -1` (its reciprocal).
        assert_eq!(Math::pow(z, c(1.0, 0.0)), z);
        let (z2, z3) = (Math::pow(z, c(2.0, 0.0)), Math::pow(z, c(3.0, 0.0)));
        assert!(z2.re == inf && z2.im.is_nan(), "{z2}");
        assert!(z3.re.is_nan() && z3.im.is_nan(), "{z3}"); // (inf + NaN i)(inf + 0i)
        let w = c(0.0, -inf);
        let w2 = Math::pow(w, c(2.0, 0.0));
        assert!(w2.re == -inf && w2.im.is_nan(), "{w2}");
        // Exact on Gaussian integers; negative exponents divide 1 by the positive power.
        let g = c(1.0, 2.0);
        assert_eq!(Math::pow(g, c(5.0, 0.0)), g * g * g * g * g);
        assert_eq!(Math::pow(c(1.0, 1.0), c(-2.0, 0.0)), c(0.0, -0.5));
        assert_eq!(Math::pow(z, c(-1.0, 0.0)), c(0.0, 0.0));
        let two = Complex::new(2.0f32, 0.0);
        assert_eq!(
            Math::pow(two, Complex::new(10.0, 0.0)),
            Complex::new(1024.0, 0.0)
        );
        assert!(Math::pow(c(nan, 0.0), c(2.0, 0.0)).re.is_nan());
    }
}

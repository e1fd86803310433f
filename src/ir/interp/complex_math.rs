//! Complex trigonometric and hyperbolic functions and their inverses, with the special values of
//! C99 Annex G (what glibc, and so NumPy, computes): the sign of a zero part picks the side of a
//! branch cut, and infinite or NaN parts give the values of the Annex G tables.
//!
//! Everything is computed on c128; c64 arguments are widened and the result rounded once
//! ([`apply`]), which is more accurate than working in f32 and keeps intermediate values from
//! overflowing.
//!
//! The hyperbolic functions and the inverses `asinh`, `atanh` are primary. The others follow
//! from the identities Annex G itself uses: sin z = -i sinh(iz), cos z = cosh(iz),
//! tan z = -i tanh(iz), asin z = -i asinh(iz), atan z = -i atanh(iz), where multiplying by ±i
//! only swaps the parts and negates one, so the signs of zeros carry through exactly. `acos`
//! has its own formula (Kahan's), as `acos z = π/2 - asin z` would lose zero signs and
//! accuracy near 1.

use num_complex::Complex;
use std::f64::consts::{FRAC_PI_2, LN_2};

type C = Complex<f64>;

const NAN: f64 = f64::NAN;
const INF: f64 = f64::INFINITY;

/// Complex types whose functions are evaluated on c128.
pub(super) trait Widen: Copy {
    fn widen(self) -> C;
    fn narrow(z: C) -> Self;
}

impl Widen for Complex<f64> {
    fn widen(self) -> C {
        self
    }
    fn narrow(z: C) -> Self {
        z
    }
}

impl Widen for Complex<f32> {
    fn widen(self) -> C {
        C::new(self.re.into(), self.im.into())
    }
    fn narrow(z: C) -> Self {
        Complex::new(z.re as f32, z.im as f32)
    }
}

/// `f(z)` for c64 or c128 `z`, through c128.
pub(super) fn apply<Z: Widen>(f: fn(C) -> C, z: Z) -> Z {
    Z::narrow(f(z.widen()))
}

/// `i z`, exactly.
fn mul_i(z: C) -> C {
    C::new(-z.im, z.re)
}

/// `-i z`, exactly.
fn mul_neg_i(z: C) -> C {
    C::new(z.im, -z.re)
}

pub(super) fn sin(z: C) -> C {
    if z.im.is_infinite() && !z.re.is_finite() {
        // sin(±∞ ± i∞) = sin(NaN ± i∞) = NaN ± i∞, the sign left open; glibc's csin, so NumPy,
        // gives +∞ (its csinh, for the rotated argument, does not).
        return C::new(NAN, INF);
    }
    mul_neg_i(sinh(mul_i(z)))
}

pub(super) fn cos(z: C) -> C {
    cosh(mul_i(z))
}

pub(super) fn tan(z: C) -> C {
    mul_neg_i(tanh(mul_i(z)))
}

pub(super) fn asin(z: C) -> C {
    mul_neg_i(asinh(mul_i(z)))
}

pub(super) fn atan(z: C) -> C {
    mul_neg_i(atanh(mul_i(z)))
}

/// From this |x| on, cosh x = |sinh x| = e^|x| / 2 and |tanh x| = 1 in f64.
const EXP_REGIME: f64 = 22.0;

/// sinh(x + iy) = sinh x cos y + i cosh x sin y.
pub(super) fn sinh(z: C) -> C {
    let (x, y) = (z.re, z.im);
    if x.is_finite() && y.is_finite() {
        if y == 0.0 {
            return C::new(x.sinh(), y);
        }
        if x.abs() < EXP_REGIME {
            return C::new(x.sinh() * y.cos(), x.cosh() * y.sin());
        }
        let sign = 1f64.copysign(x);
        return C::new(
            sign * half_exp_mul(x.abs(), y.cos()),
            half_exp_mul(x.abs(), y.sin()),
        );
    }
    // x or y is infinite or NaN.
    if x == 0.0 {
        // sinh(±0 + i∞) = sinh(±0 + iNaN) = ±0 + iNaN
        C::new(x, NAN)
    } else if y == 0.0 {
        // sinh(±∞ ± i0) = ±∞ ± i0, sinh(NaN ± i0) = NaN ± i0
        C::new(x, y)
    } else if x.is_infinite() && y.is_finite() {
        // ±∞ cis y
        C::new(x * y.cos(), INF * y.sin())
    } else if x.is_infinite() {
        // sinh(±∞ + i∞) = sinh(±∞ + iNaN) = ±∞ + iNaN (either sign; +∞ as glibc)
        C::new(INF, NAN)
    } else {
        // x finite nonzero with y infinite or NaN, or x NaN with y nonzero.
        C::new(NAN, NAN)
    }
}

/// cosh(x + iy) = cosh x cos y + i sinh x sin y.
pub(super) fn cosh(z: C) -> C {
    let (x, y) = (z.re, z.im);
    if x.is_finite() && y.is_finite() {
        if y == 0.0 {
            // sinh x sin(±0) is a zero with the sign of x y, even where sinh x overflows.
            return C::new(x.cosh(), x * y);
        }
        if x.abs() < EXP_REGIME {
            return C::new(x.cosh() * y.cos(), x.sinh() * y.sin());
        }
        let sign = 1f64.copysign(x);
        return C::new(
            half_exp_mul(x.abs(), y.cos()),
            sign * half_exp_mul(x.abs(), y.sin()),
        );
    }
    if x == 0.0 {
        // cosh(±0 + i∞) = cosh(±0 + iNaN) = NaN ± i0 (either zero; +0 as glibc)
        C::new(NAN, 0.0)
    } else if y == 0.0 {
        // cosh(±∞ ± i0) = +∞ ± i0 (the sign of x y), cosh(NaN ± i0) = NaN ± i0 (y's sign)
        C::new(x * x, if x.is_nan() { y } else { 0f64.copysign(x) * y })
    } else if x.is_infinite() && y.is_finite() {
        // +∞ cis y, or its conjugate for x = -∞
        C::new(INF * y.cos(), x * y.sin())
    } else if x.is_infinite() {
        // cosh(±∞ + i∞) = cosh(±∞ + iNaN) = +∞ + iNaN
        C::new(INF, NAN)
    } else {
        C::new(NAN, NAN)
    }
}

/// tanh(x + iy), by Kahan's formula: with t = tan y, β = 1 + t², s = sinh x, ρ = cosh x,
/// tanh z = (β ρ s + i t) / (1 + β s²).
pub(super) fn tanh(z: C) -> C {
    let (x, y) = (z.re, z.im);
    if x.is_nan() {
        // tanh(NaN ± i0) = NaN ± i0; any other y gives NaN + iNaN.
        return C::new(NAN, if y == 0.0 { y } else { NAN });
    }
    if x.is_infinite() {
        // tanh(±∞ + iy) = ±1 + i0 sin 2y; y infinite or NaN: ±1 ± i0.
        let sign_of_im = if y.is_finite() { y.sin() * y.cos() } else { y };
        return C::new(1f64.copysign(x), 0f64.copysign(sign_of_im));
    }
    if !y.is_finite() {
        // tanh(±0 + i∞) = tanh(±0 + iNaN) = ±0 + iNaN; other finite x: NaN + iNaN.
        return C::new(if x == 0.0 { x } else { NAN }, NAN);
    }
    if x.abs() >= EXP_REGIME {
        // Im = sin 2y / (2 sinh² x + …) = 4 sin y cos y e^(-2|x|), which may underflow.
        let e = (-x.abs()).exp();
        return C::new(1f64.copysign(x), 4.0 * y.sin() * y.cos() * e * e);
    }
    let t = y.tan();
    let beta = 1.0 + t * t;
    let s = x.sinh();
    let rho = (1.0 + s * s).sqrt();
    let denom = 1.0 + beta * s * s;
    C::new(beta * rho * s / denom, t / denom)
}

/// Above this |x| or |y|, asinh z = ±ln 2z and acos z = -i ln 2z (up to a relative error below
/// 1/(4|z|²)), and Kahan's formulas are not needed.
const ASYMPTOTIC: f64 = 9007199254740992.0; // 2^53

/// ln 2|z| for |z| > ASYMPTOTIC, without overflow in |z|.
fn ln_2abs(x: f64, y: f64) -> f64 {
    (0.5 * x).hypot(0.5 * y).ln() + 2.0 * LN_2
}

/// asinh(x + iy), by Kahan's formula: with a = √(1 - iz), b = √(1 + iz),
/// asinh z = asinh(Im(conj(a) b)) + i atan2(y, Re(a b)), evaluated for |x| (asinh is odd and
/// commutes with conj, so asinh(-|x| + iy) = -conj(asinh(|x| - iy)) flips the real part only).
/// In the right half-plane no sum or difference below cancels.
fn asinh(z: C) -> C {
    let (x, y) = (z.re, z.im);
    if x.is_nan() || y.is_nan() {
        return if x.is_infinite() {
            C::new(x, NAN) // asinh(±∞ + iNaN) = ±∞ + iNaN
        } else if y.is_infinite() {
            C::new(INF.copysign(x), NAN) // asinh(NaN ± i∞) = ±∞ + iNaN (either sign)
        } else if y == 0.0 {
            C::new(NAN, y) // asinh(NaN ± i0) = NaN ± i0
        } else {
            C::new(NAN, NAN)
        };
    }
    let ax = x.abs();
    let (re, im) = if ax > ASYMPTOTIC || y.abs() > ASYMPTOTIC {
        // Infinities land here too: asinh(+∞ + iy) = +∞ + i0, asinh(x + i∞) = +∞ + iπ/2,
        // asinh(+∞ + i∞) = +∞ + iπ/4.
        (ln_2abs(ax, y), y.atan2(ax))
    } else {
        let a = sqrt(1.0 + y, -ax);
        let b = sqrt(1.0 - y, ax);
        (
            (a.re * b.im - a.im * b.re).asinh(),
            y.atan2(a.re * b.re - a.im * b.im),
        )
    };
    C::new(re.copysign(x), im)
}

/// acos(x + iy), by Kahan's formula: with a = √(1 - z), b = √(1 + z),
/// acos z = 2 atan2(Re a, Re b) + i asinh(Im(conj(b) a)). No sum or difference cancels.
pub(super) fn acos(z: C) -> C {
    let (x, y) = (z.re, z.im);
    if x.is_nan() || y.is_nan() {
        return if x.is_infinite() {
            C::new(NAN, -INF.copysign(y)) // acos(±∞ + iNaN) = NaN ± i∞ (either sign)
        } else if y.is_infinite() {
            C::new(NAN, -y) // acos(NaN ± i∞) = NaN ∓ i∞
        } else if x == 0.0 {
            C::new(FRAC_PI_2, NAN) // acos(±0 + iNaN) = π/2 + iNaN
        } else {
            C::new(NAN, NAN)
        };
    }
    let (ax, ay) = (x.abs(), y.abs());
    if ax > ASYMPTOTIC || ay > ASYMPTOTIC {
        // acos z = -i ln 2z in the upper half-plane, conjugated below. Infinities land here
        // too: acos(+∞ + iy) = +0 - i∞, acos(-∞ + iy) = π - i∞, acos(x + i∞) = π/2 - i∞.
        return C::new(ay.atan2(x), -ln_2abs(ax, ay).copysign(y));
    }
    let a = sqrt(1.0 - x, -y);
    let b = sqrt(1.0 + x, y);
    C::new(2.0 * a.re.atan2(b.re), (b.re * a.im - b.im * a.re).asinh())
}

/// Above this |x| or |y|, atanh z = Re(1/z) ± iπ/2 to f64 precision; below it the squares in
/// Kahan's formula cannot overflow.
const ATANH_LARGE: f64 = 1e153;

/// atanh(x + iy) = ¼ log1p(4x / ((1 - x)² + y²)) + i ½ atan2(2y, (1 - x)(1 + x) - y²)
/// (Kahan), evaluated for |x| (atanh is odd and commutes with conj, so
/// atanh(-|x| + iy) = -conj(atanh(|x| - iy)) flips the real part only).
fn atanh(z: C) -> C {
    let (x, y) = (z.re, z.im);
    if x.is_nan() || y.is_nan() {
        return if x.is_infinite() {
            C::new(0f64.copysign(x), NAN) // atanh(±∞ + iNaN) = ±0 + iNaN
        } else if y.is_infinite() {
            // atanh(NaN ± i∞) = ±0 ± iπ/2 (either zero)
            C::new(0f64.copysign(x), FRAC_PI_2.copysign(y))
        } else if x == 0.0 {
            C::new(x, NAN) // atanh(±0 + iNaN) = ±0 + iNaN
        } else {
            C::new(NAN, NAN)
        };
    }
    let (ax, ay) = (x.abs(), y.abs());
    let (re, im) = if ax > ATANH_LARGE || ay > ATANH_LARGE {
        // Infinities land here too: atanh(+∞ + iy) = atanh(x + i∞) = +0 ± iπ/2.
        (recip_re(ax, ay), FRAC_PI_2.copysign(y))
    } else if ax == 1.0 {
        if y == 0.0 {
            (INF, y) // the pole: atanh(±1 ± i0) = ±∞ ± i0
        } else {
            // The general formula with 1 - x = 0: re = ¼ log1p(4 / y²), written so that 4 / y²
            // cannot overflow.
            let re = if ay >= 1.0 {
                (4.0 / (y * y)).ln_1p() * 0.25
            } else {
                (4.0 + y * y).ln() * 0.25 - ay.ln() * 0.5
            };
            (re, (FRAC_PI_2 + (0.5 * ay).atan()).copysign(y) * 0.5)
        }
    } else {
        let d = 1.0 - ax;
        let re = (4.0 * ax / (d * d + y * y)).ln_1p() * 0.25;
        (re, (2.0 * y).atan2(d * (1.0 + ax) - y * y) * 0.5)
    };
    C::new(re.copysign(x), im)
}

/// Re(1 / (x + iy)) = x / (x² + y²) for x, y ≥ 0 (0 if either is infinite), without overflow.
fn recip_re(x: f64, y: f64) -> f64 {
    if x.is_infinite() || y.is_infinite() {
        0.0
    } else if x >= y {
        let r = y / x;
        (1.0 / x) / (1.0 + r * r)
    } else {
        let r = x / y;
        (r / y) / (1.0 + r * r)
    }
}

/// The principal √(re + i im) (real part ≥ +0, imaginary part with the sign of `im`), for finite
/// parts below 2^60 in magnitude.
fn sqrt(re: f64, im: f64) -> C {
    if re == 0.0 && im == 0.0 {
        return C::new(0.0, im);
    }
    // Scale tiny arguments up by an even power of two, so that no step below underflows.
    let tiny = re.abs() < TWO_M1000 && im.abs() < TWO_M1000;
    let (re, im, unscale) = if tiny {
        (re * TWO_600, im * TWO_600, TWO_M300)
    } else {
        (re, im, 1.0)
    };
    let r = re.hypot(im);
    let (p, q) = if re >= 0.0 {
        let t = ((r + re) * 0.5).sqrt();
        (t, im / (2.0 * t))
    } else {
        let t = ((r - re) * 0.5).sqrt();
        (im.abs() / (2.0 * t), t.copysign(im))
    };
    C::new(p * unscale, q * unscale)
}

const TWO_600: f64 = pow2(600);
const TWO_M300: f64 = pow2(-300);
const TWO_M1000: f64 = pow2(-1000);

/// 2^k for a normal power of two (-1022 ≤ k ≤ 1023).
const fn pow2(k: i32) -> f64 {
    f64::from_bits(((1023 + k) as u64) << 52)
}

/// ln 2 = LN2_HI + LN2_LO to about 2^-85, with LN2_HI short enough (32 significant bits) that
/// k LN2_HI is exact for k < 2^21.
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);

/// e^a c / 2 for a ≥ 0 (that is, cosh a · c for large a): finite wherever the result is,
/// though e^a alone overflows for a > ln(f64::MAX) ≈ 709.78.
fn half_exp_mul(a: f64, c: f64) -> f64 {
    if a < 709.0 {
        return 0.5 * a.exp() * c;
    }
    if c == 0.0 {
        return c;
    }
    if a > 1500.0 {
        // e^a / 2 > 2^2100, which overflows even times the smallest subnormal.
        return INF.copysign(c);
    }
    // e^a = 2^k e^r with r = a - k ln 2 in [0, ln 2); c 2^(k-1) is exact (or overflows, and
    // then so does the result, as e^r ≥ 1).
    let k = (a / LN_2) as i32;
    let kf = f64::from(k);
    let r = (a - kf * LN2_HI) - kf * LN2_LO;
    scale_pow2(c, k - 1) * r.exp()
}

/// v 2^k for k ≥ 0, exact unless it overflows.
fn scale_pow2(mut v: f64, mut k: i32) -> f64 {
    while k > 0 {
        let step = k.min(1000);
        v *= pow2(step);
        k -= step;
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::{FRAC_PI_4, PI};

    const N: f64 = NAN;
    const P2: f64 = FRAC_PI_2;
    const P4: f64 = FRAC_PI_4;
    /// acosh 2 and atanh ½ (= ½ ln 3), the parts of the values on the cuts at ±2.
    const A2: f64 = 1.3169578969248166;
    const T2: f64 = 0.5493061443340549;

    fn c(re: f64, im: f64) -> C {
        C::new(re, im)
    }

    /// Zeros, infinities and NaNs exactly (zero signs by bits, any NaN for NaN); other values
    /// within `tol` relative.
    fn part_ok(got: f64, want: f64, tol: f64) -> bool {
        if want.is_nan() {
            got.is_nan()
        } else if want == 0.0 || want.is_infinite() {
            got.to_bits() == want.to_bits()
        } else {
            (got - want).abs() <= tol * want.abs()
        }
    }

    /// Checks `f(x + iy) = re + i im` for each `[x, y, re, im]`, on c128 and on c64 (arguments
    /// and values rounded to f32) where rounding keeps the arguments' parts finite and nonzero.
    fn check(name: &str, f: fn(C) -> C, cases: &[[f64; 4]]) {
        let same_kind = |a: f64, b: f32| a.is_finite() == b.is_finite() && (a == 0.0) == (b == 0.0);
        for &[x, y, re, im] in cases {
            let (z, got) = (c(x, y), f(c(x, y)));
            assert!(
                part_ok(got.re, re, 2e-15) && part_ok(got.im, im, 2e-15),
                "{name}({z:?}) = {got:?}, want {:?}",
                c(re, im)
            );
            let z32 = Complex::new(x as f32, y as f32);
            if !same_kind(x, z32.re) || !same_kind(y, z32.im) {
                continue;
            }
            let (got, want) = (apply(f, z32), Complex::<f32>::narrow(c(re, im)));
            let ok = |g: f32, w: f32| part_ok(g.into(), w.into(), 1.2e-7);
            assert!(
                ok(got.re, want.re) && ok(got.im, want.im),
                "{name}({z32:?}) = {got:?}, want {want:?}"
            );
        }
    }

    // The special values are Annex G's (G.6.2.4 to G.6.2.6 for cosh, sinh, tanh; G.6.2.2,
    // G.6.2.3, G.6.1.1 for asinh, atanh, acos), with glibc's choice where Annex G leaves a sign
    // open. Ordinary values are mpmath's, correctly rounded.

    #[test]
    #[rustfmt::skip]
    fn sinh_special_and_large_values() {
        check("sinh", sinh, &[
            [0.0, 0.0, 0.0, 0.0], [-0.0, 0.0, -0.0, 0.0], [0.0, -0.0, 0.0, -0.0],
            [0.0, INF, 0.0, N], [-0.0, N, -0.0, N], [1.0, INF, N, N], [1.0, N, N, N],
            [INF, 0.0, INF, 0.0], [-INF, -0.0, -INF, -0.0],
            [INF, 1.0, INF, INF], [INF, 3.0, -INF, INF], [-INF, -1.0, -INF, -INF],
            [INF, INF, INF, N], [INF, N, INF, N],
            [N, 0.0, N, 0.0], [N, -0.0, N, -0.0], [N, 1.0, N, N], [N, N, N, N],
            [0.5, 0.25, 0.504895714387995, 0.2789791283502615],
            [-3.0, 2.0, 4.168906959966565, 9.15449914691143],
            // e^|x| overflows where the result does not.
            [1000.0, 1e-300, INF, 9.850355570085236e133],
            [-1440.0, 5e-324, -INF, 5.981479269486131e301],
            [1e6, 1.0, INF, INF],
        ]);
    }

    #[test]
    #[rustfmt::skip]
    fn cosh_special_and_large_values() {
        check("cosh", cosh, &[
            [0.0, 0.0, 1.0, 0.0], [-0.0, 0.0, 1.0, -0.0], [0.0, -0.0, 1.0, -0.0],
            [0.0, INF, N, 0.0], [0.0, N, N, 0.0], [1.0, INF, N, N], [1.0, N, N, N],
            [INF, 0.0, INF, 0.0], [-INF, 0.0, INF, -0.0],
            [INF, 1.0, INF, INF], [-INF, 1.0, INF, -INF], [INF, 2.0, -INF, INF],
            [INF, INF, INF, N], [INF, N, INF, N],
            [N, 0.0, N, 0.0], [N, -0.0, N, -0.0], [N, 1.0, N, N],
            [0.5, 0.25, 1.0925708047319176, 0.12892104172809826],
            [-3.0, 2.0, -4.189625690968807, -9.109227893755337],
            [710.5, 0.5, 1.6161712674728972e308, 8.829183874344385e307],
            [1e300, 0.0, INF, 0.0],
        ]);
    }

    #[test]
    #[rustfmt::skip]
    fn tanh_special_and_large_values() {
        check("tanh", tanh, &[
            [0.0, 0.0, 0.0, 0.0], [-0.0, -0.0, -0.0, -0.0],
            [0.0, INF, 0.0, N], [-0.0, N, -0.0, N], [1.0, INF, N, N], [1.0, N, N, N],
            // tanh(+∞ + iy) = 1 + i0 sin 2y: sin 4 < 0.
            [INF, 0.0, 1.0, 0.0], [INF, 1.0, 1.0, 0.0], [INF, 2.0, 1.0, -0.0],
            [-INF, -1.0, -1.0, -0.0], [INF, INF, 1.0, 0.0], [INF, -INF, 1.0, -0.0],
            [N, 0.0, N, 0.0], [N, 1.0, N, N], [N, N, N, N],
            [0.5, 0.25, 0.48548728102413535, 0.19805544995134952],
            [-3.0, 2.0, -1.0032386273536098, -0.0037640256415042484],
            [800.0, 1.0, 1.0, 0.0], [0.0, P4, 0.0, 1.0],
        ]);
    }

    #[test]
    #[rustfmt::skip]
    fn asinh_special_values_and_cut() {
        check("asinh", asinh, &[
            [0.0, 0.0, 0.0, 0.0], [-0.0, -0.0, -0.0, -0.0],
            [1.0, INF, INF, P2], [-1.0, -INF, -INF, -P2], [1.0, N, N, N],
            [INF, 1.0, INF, 0.0], [-INF, -1.0, -INF, -0.0], [INF, INF, INF, P4],
            [INF, N, INF, N], [N, 0.0, N, 0.0], [N, 1.0, N, N], [N, INF, INF, N], [N, N, N, N],
            // The cut on the imaginary axis: the zero's sign picks the side.
            [0.0, 2.0, A2, P2], [-0.0, 2.0, -A2, P2], [0.0, -2.0, A2, -P2],
        ]);
    }

    #[test]
    #[rustfmt::skip]
    fn atanh_special_values_and_cut() {
        check("atanh", atanh, &[
            [0.0, 0.0, 0.0, 0.0], [-0.0, -0.0, -0.0, -0.0], [0.0, N, 0.0, N],
            [1.0, 0.0, INF, 0.0], [-1.0, -0.0, -INF, -0.0],
            [1.0, INF, 0.0, P2], [-1.0, -INF, -0.0, -P2], [1.0, N, N, N],
            [INF, 1.0, 0.0, P2], [INF, -1.0, 0.0, -P2], [INF, INF, 0.0, P2], [INF, N, 0.0, N],
            [N, 1.0, N, N], [N, INF, 0.0, P2], [N, N, N, N],
            // The cut on the real axis.
            [2.0, 0.0, T2, P2], [2.0, -0.0, T2, -P2], [-2.0, 0.0, -T2, P2],
        ]);
    }

    #[test]
    #[rustfmt::skip]
    fn acos_special_values_and_cuts() {
        check("acos", acos, &[
            [0.0, 0.0, P2, -0.0], [-0.0, 0.0, P2, -0.0], [0.0, -0.0, P2, 0.0], [0.0, N, P2, N],
            [1.0, INF, P2, -INF], [1.0, -INF, P2, INF], [1.0, N, N, N],
            [-INF, 1.0, PI, -INF], [INF, 1.0, 0.0, -INF], [INF, -1.0, 0.0, INF],
            [-INF, INF, 3.0 * P4, -INF], [INF, INF, P4, -INF], [INF, N, N, -INF],
            [N, 1.0, N, N], [N, INF, N, -INF], [N, N, N, N],
            // The cuts on the real axis beyond ±1.
            [2.0, 0.0, 0.0, -A2], [2.0, -0.0, 0.0, A2], [-2.0, 0.0, PI, -A2], [-2.0, -0.0, PI, A2],
            [0.5, 0.25, 1.0691874735193958, -0.2813960562452928],
            [-3.0, 2.0, 2.5354548312024994, -1.9686379257930964],
            [-1e308, -1e308, 3.0 * P4, 710.235929413006],
        ]);
        // Near the branch point 1, with a subnormal imaginary part.
        let w = acos(c(1.0, 1e-320));
        assert!(part_ok(w.re, 9.99994433575849e-161, 1e-15), "{w}");
        assert!(part_ok(w.im, -9.99994433575849e-161, 1e-15), "{w}");
    }

    #[test]
    #[rustfmt::skip]
    fn trigonometric_functions_follow_the_hyperbolic_ones() {
        check("sin", sin, &[
            [INF, 0.0, N, 0.0], [0.0, -INF, 0.0, -INF], [INF, INF, N, INF], [INF, -INF, N, INF],
            [0.5, 0.25, 0.494485780933195, 0.22168816414957482],
            [-3.0, 2.0, -0.5309210862485199, -3.59056458998578],
        ]);
        check("cos", cos, &[
            [INF, 0.0, N, 0.0], [0.0, -INF, INF, 0.0],
            [0.5, 0.25, 0.9051501505596067, -0.12110879604381165],
            [-3.0, 2.0, -3.7245455049153224, 0.5118225699873846],
        ]);
        check("tan", tan, &[
            [INF, 0.0, N, 0.0], [0.0, -INF, 0.0, -1.0],
            [0.5, 0.25, 0.504500702698564, 0.3124206925025888],
            [-3.0, 2.0, 0.009884375038322494, 0.9653858790221331],
        ]);
        check("asin", asin, &[
            [2.0, 0.0, P2, A2], [2.0, -0.0, P2, -A2], [-2.0, 0.0, -P2, A2], [-2.0, -0.0, -P2, -A2],
            [INF, 0.0, P2, INF], [0.0, -INF, 0.0, -INF], [-0.0, 0.0, -0.0, 0.0],
            [0.5, 0.25, 0.5016088532755008, 0.2813960562452928],
            [-3.0, 2.0, -0.9646585044076028, 1.9686379257930964],
            [1e300, 1e300, P4, 691.8152486690536],
        ]);
        let w = asin(c(-1.0, 1e-300));
        assert!(w.re == -P2 && part_ok(w.im, 1e-150, 1e-15), "{w}");
        check("atan", atan, &[
            [0.0, 2.0, P2, T2], [-0.0, 2.0, -P2, T2], [0.0, -2.0, P2, -T2], [-0.0, -2.0, -P2, -T2],
            [INF, 0.0, P2, 0.0], [0.0, -INF, P2, -0.0], [0.0, 1.0, 0.0, INF],
            [0.5, 0.25, 0.4842544903299662, 0.20058661813123432],
            [-3.0, 2.0, -1.3389725222944935, 0.14694666622552977],
            [134217728.0, -1.0, 1.570796319344316, -5.551115123125782e-17],
            [1e200, 1e-200, P2, 0.0],
        ]);
    }

    #[test]
    fn c64_is_computed_without_f32_overflow() {
        // e^89.5 / 2 > f32::MAX, but sinh(89.5 + 0.5i) is finite in f32.
        let w = apply(sinh, Complex::<f32>::new(89.5, 0.5));
        assert_eq!(w, Complex::new(3.247_985_8e38, 1.774_382_7e38));
    }

    #[test]
    fn helpers() {
        assert_eq!(LN2_HI.to_bits() & ((1 << 21) - 1), 0);
        assert!((LN2_HI + LN2_LO - LN_2).abs() <= f64::EPSILON * LN_2 / 2.0);
        assert_eq!(TWO_600 * TWO_M300 * TWO_M300, 1.0);
        assert_eq!(TWO_M1000 * pow2(1000), 1.0);
        assert_eq!(scale_pow2(3.0, 2000), INF);
        assert_eq!(scale_pow2(5e-324, 1100), pow2(26));
        // √ keeps the zero's sign on the negative axis and stays exact for tiny arguments.
        assert_eq!(sqrt(-4.0, 0.0), c(0.0, 2.0));
        assert_eq!(sqrt(-4.0, -0.0), c(0.0, -2.0));
        assert_eq!(sqrt(0.0, -0.0), c(0.0, -0.0));
        assert_eq!(sqrt(3.0, 4.0), c(2.0, 1.0));
        let tiny = f64::from_bits(1 << 36); // 2^-1038, subnormal
        assert_eq!(sqrt(-tiny, 0.0), c(0.0, pow2(-519)));
        let w = sqrt(tiny, -tiny);
        assert_eq!(w, c(6.401844120468404e-157, -2.651730658896471e-157));
        // e^1000 2^-1000 / 2, against (e^500 2^-1000 / 2) e^500.
        let (h, e500) = (half_exp_mul(1000.0, TWO_M1000), 500f64.exp());
        assert!(part_ok(h, 0.5 * e500 * TWO_M1000 * e500, 1e-15), "{h}");
    }
}

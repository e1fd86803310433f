//! Functions compiled kernels call for what Cranelift has no instruction for: transcendental
//! math, floored remainders, integer powers, random numbers and complex functions. Each calls
//! the very function the reference interpreter uses, so compiled and interpreted results agree
//! bit for bit.
//!
//! A complex helper takes the parts of its arguments as floats and writes the parts of its
//! result, `[re, im]`, to an out-pointer: a struct of two floats is returned differently by
//! the C ABI than by Cranelift's multiple returns.
//!
//! The math calls are a first step: vectorised polynomial versions in Cranelift IR replace them
//! on the hot path.

use crate::ir::UnaryOp;
use crate::ir::interp::scalar::{FloorRem, IntPow, Math};
use arrjit_runtime as rt;
use num_complex::Complex;

macro_rules! unary_helpers {
    ($t:ty, $($name:ident => $f:ident),+ $(,)?) => {
        $( extern "C" fn $name(x: $t) -> $t { Math::$f(x) } )+
    };
}

unary_helpers!(f64,
    exp_f64 => exp, exp2_f64 => exp2, expm1_f64 => expm1, ln_f64 => ln,
    log2_f64 => log2, log10_f64 => log10, log1p_f64 => log1p, sin_f64 => sin, cos_f64 => cos,
    tan_f64 => tan, asin_f64 => asin, acos_f64 => acos, atan_f64 => atan, sinh_f64 => sinh,
    cosh_f64 => cosh, tanh_f64 => tanh,
);
unary_helpers!(f32,
    exp_f32 => exp, exp2_f32 => exp2, expm1_f32 => expm1, ln_f32 => ln,
    log2_f32 => log2, log10_f32 => log10, log1p_f32 => log1p, sin_f32 => sin, cos_f32 => cos,
    tan_f32 => tan, asin_f32 => asin, acos_f32 => acos, atan_f32 => atan, sinh_f32 => sinh,
    cosh_f32 => cosh, tanh_f32 => tanh,
);

extern "C" fn pow_f64(x: f64, y: f64) -> f64 {
    Math::pow(x, y)
}
extern "C" fn pow_f32(x: f32, y: f32) -> f32 {
    Math::pow(x, y)
}
extern "C" fn atan2_f64(y: f64, x: f64) -> f64 {
    y.atan2(x)
}
extern "C" fn atan2_f32(y: f32, x: f32) -> f32 {
    y.atan2(x)
}
extern "C" fn rem_f64(x: f64, y: f64) -> f64 {
    x.floor_rem(y)
}
extern "C" fn rem_f32(x: f32, y: f32) -> f32 {
    x.floor_rem(y)
}
extern "C" fn rem_i64(x: i64, y: i64) -> i64 {
    x.floor_rem(y)
}
extern "C" fn rem_i32(x: i32, y: i32) -> i32 {
    x.floor_rem(y)
}
extern "C" fn pow_i64(x: i64, y: i64) -> i64 {
    x.wrapping_power(y)
}
extern "C" fn pow_i32(x: i32, y: i32) -> i32 {
    x.wrapping_power(y)
}
extern "C" fn rand_f64(seed: i64, i: i64) -> f64 {
    rt::uniform_f64(seed as u64, i as u64)
}
extern "C" fn randn_f64(seed: i64, i: i64) -> f64 {
    rt::normal_f64(seed as u64, i as u64)
}
extern "C" fn rand_f32(seed: i64, i: i64) -> f32 {
    rt::uniform_f32(seed as u64, i as u64)
}
extern "C" fn randn_f32(seed: i64, i: i64) -> f32 {
    rt::normal_f32(seed as u64, i as u64)
}

/// `extern "C" fn(re, im, out)` helpers computing `Math::$f` of a complex number.
macro_rules! complex_unary_helpers {
    ($t:ty, $($name:ident => $f:ident),+ $(,)?) => {
        $(
            /// # Safety
            /// `out` points to two writable floats.
            unsafe extern "C" fn $name(re: $t, im: $t, out: *mut $t) {
                let z = Math::$f(Complex::new(re, im));
                // SAFETY: the compiled caller passes a 16-byte stack slot.
                unsafe { write_parts(out, z) }
            }
        )+
    };
}

/// Writes `z`'s parts to `out[0]` and `out[1]`.
///
/// # Safety
/// `out` points to two writable floats.
unsafe fn write_parts<T>(out: *mut T, z: Complex<T>) {
    // SAFETY: guaranteed by the caller.
    unsafe {
        out.write_unaligned(z.re);
        out.add(1).write_unaligned(z.im);
    }
}

complex_unary_helpers!(f64,
    sqrt_c128 => sqrt, exp_c128 => exp, exp2_c128 => exp2, expm1_c128 => expm1,
    ln_c128 => ln, log2_c128 => log2, log10_c128 => log10, log1p_c128 => log1p,
    sin_c128 => sin, cos_c128 => cos, tan_c128 => tan, asin_c128 => asin, acos_c128 => acos,
    atan_c128 => atan, sinh_c128 => sinh, cosh_c128 => cosh, tanh_c128 => tanh,
    sign_c128 => sign,
);
complex_unary_helpers!(f32,
    sqrt_c64 => sqrt, exp_c64 => exp, exp2_c64 => exp2, expm1_c64 => expm1,
    ln_c64 => ln, log2_c64 => log2, log10_c64 => log10, log1p_c64 => log1p,
    sin_c64 => sin, cos_c64 => cos, tan_c64 => tan, asin_c64 => asin, acos_c64 => acos,
    atan_c64 => atan, sinh_c64 => sinh, cosh_c64 => cosh, tanh_c64 => tanh,
    sign_c64 => sign,
);

/// `extern "C" fn(ar, ai, br, bi, out)` helpers computing `Math::$f` of two complex numbers.
macro_rules! complex_binary_helpers {
    ($t:ty, $($name:ident => $f:ident),+ $(,)?) => {
        $(
            /// # Safety
            /// `out` points to two writable floats.
            unsafe extern "C" fn $name(ar: $t, ai: $t, br: $t, bi: $t, out: *mut $t) {
                let z = Math::$f(Complex::new(ar, ai), Complex::new(br, bi));
                // SAFETY: the compiled caller passes a 16-byte stack slot.
                unsafe { write_parts(out, z) }
            }
        )+
    };
}

complex_binary_helpers!(f64, div_c128 => div, pow_c128 => pow);
complex_binary_helpers!(f32, div_c64 => div, pow_c64 => pow);

extern "C" fn abs_c128(re: f64, im: f64) -> f64 {
    Complex::new(re, im).norm()
}
extern "C" fn abs_c64(re: f32, im: f32) -> f32 {
    Complex::new(re, im).norm()
}

/// Every helper: (symbol name, address).
pub fn symbols() -> Vec<(&'static str, *const u8)> {
    vec![
        ("arr_exp_f64", exp_f64 as *const u8),
        ("arr_exp2_f64", exp2_f64 as *const u8),
        ("arr_expm1_f64", expm1_f64 as *const u8),
        ("arr_log_f64", ln_f64 as *const u8),
        ("arr_log2_f64", log2_f64 as *const u8),
        ("arr_log10_f64", log10_f64 as *const u8),
        ("arr_log1p_f64", log1p_f64 as *const u8),
        ("arr_sin_f64", sin_f64 as *const u8),
        ("arr_cos_f64", cos_f64 as *const u8),
        ("arr_tan_f64", tan_f64 as *const u8),
        ("arr_asin_f64", asin_f64 as *const u8),
        ("arr_acos_f64", acos_f64 as *const u8),
        ("arr_atan_f64", atan_f64 as *const u8),
        ("arr_sinh_f64", sinh_f64 as *const u8),
        ("arr_cosh_f64", cosh_f64 as *const u8),
        ("arr_tanh_f64", tanh_f64 as *const u8),
        ("arr_exp_f32", exp_f32 as *const u8),
        ("arr_exp2_f32", exp2_f32 as *const u8),
        ("arr_expm1_f32", expm1_f32 as *const u8),
        ("arr_log_f32", ln_f32 as *const u8),
        ("arr_log2_f32", log2_f32 as *const u8),
        ("arr_log10_f32", log10_f32 as *const u8),
        ("arr_log1p_f32", log1p_f32 as *const u8),
        ("arr_sin_f32", sin_f32 as *const u8),
        ("arr_cos_f32", cos_f32 as *const u8),
        ("arr_tan_f32", tan_f32 as *const u8),
        ("arr_asin_f32", asin_f32 as *const u8),
        ("arr_acos_f32", acos_f32 as *const u8),
        ("arr_atan_f32", atan_f32 as *const u8),
        ("arr_sinh_f32", sinh_f32 as *const u8),
        ("arr_cosh_f32", cosh_f32 as *const u8),
        ("arr_tanh_f32", tanh_f32 as *const u8),
        ("arr_pow_f64", pow_f64 as *const u8),
        ("arr_pow_f32", pow_f32 as *const u8),
        ("arr_atan2_f64", atan2_f64 as *const u8),
        ("arr_atan2_f32", atan2_f32 as *const u8),
        ("arr_rem_f64", rem_f64 as *const u8),
        ("arr_rem_f32", rem_f32 as *const u8),
        ("arr_rem_i64", rem_i64 as *const u8),
        ("arr_rem_i32", rem_i32 as *const u8),
        ("arr_pow_i64", pow_i64 as *const u8),
        ("arr_pow_i32", pow_i32 as *const u8),
        ("arr_rand_f64", rand_f64 as *const u8),
        ("arr_randn_f64", randn_f64 as *const u8),
        ("arr_rand_f32", rand_f32 as *const u8),
        ("arr_randn_f32", randn_f32 as *const u8),
        ("arr_sqrt_c128", sqrt_c128 as *const u8),
        ("arr_exp_c128", exp_c128 as *const u8),
        ("arr_exp2_c128", exp2_c128 as *const u8),
        ("arr_expm1_c128", expm1_c128 as *const u8),
        ("arr_log_c128", ln_c128 as *const u8),
        ("arr_log2_c128", log2_c128 as *const u8),
        ("arr_log10_c128", log10_c128 as *const u8),
        ("arr_log1p_c128", log1p_c128 as *const u8),
        ("arr_sin_c128", sin_c128 as *const u8),
        ("arr_cos_c128", cos_c128 as *const u8),
        ("arr_tan_c128", tan_c128 as *const u8),
        ("arr_asin_c128", asin_c128 as *const u8),
        ("arr_acos_c128", acos_c128 as *const u8),
        ("arr_atan_c128", atan_c128 as *const u8),
        ("arr_sinh_c128", sinh_c128 as *const u8),
        ("arr_cosh_c128", cosh_c128 as *const u8),
        ("arr_tanh_c128", tanh_c128 as *const u8),
        ("arr_sign_c128", sign_c128 as *const u8),
        ("arr_sqrt_c64", sqrt_c64 as *const u8),
        ("arr_exp_c64", exp_c64 as *const u8),
        ("arr_exp2_c64", exp2_c64 as *const u8),
        ("arr_expm1_c64", expm1_c64 as *const u8),
        ("arr_log_c64", ln_c64 as *const u8),
        ("arr_log2_c64", log2_c64 as *const u8),
        ("arr_log10_c64", log10_c64 as *const u8),
        ("arr_log1p_c64", log1p_c64 as *const u8),
        ("arr_sin_c64", sin_c64 as *const u8),
        ("arr_cos_c64", cos_c64 as *const u8),
        ("arr_tan_c64", tan_c64 as *const u8),
        ("arr_asin_c64", asin_c64 as *const u8),
        ("arr_acos_c64", acos_c64 as *const u8),
        ("arr_atan_c64", atan_c64 as *const u8),
        ("arr_sinh_c64", sinh_c64 as *const u8),
        ("arr_cosh_c64", cosh_c64 as *const u8),
        ("arr_tanh_c64", tanh_c64 as *const u8),
        ("arr_sign_c64", sign_c64 as *const u8),
        ("arr_div_c128", div_c128 as *const u8),
        ("arr_pow_c128", pow_c128 as *const u8),
        ("arr_div_c64", div_c64 as *const u8),
        ("arr_pow_c64", pow_c64 as *const u8),
        ("arr_abs_c128", abs_c128 as *const u8),
        ("arr_abs_c64", abs_c64 as *const u8),
    ]
}

/// The helper for a unary op on complex numbers, if it needs one (`arr_{name}_c64`,
/// `arr_{name}_c128`).
pub fn complex_unary_name(op: UnaryOp) -> Option<&'static str> {
    match op {
        UnaryOp::Sqrt => Some("sqrt"),
        UnaryOp::Sign => Some("sign"),
        UnaryOp::Abs => Some("abs"),
        other => unary_name(other),
    }
}

/// The helper for a transcendental unary op, if it needs one.
pub fn unary_name(op: UnaryOp) -> Option<&'static str> {
    Some(match op {
        UnaryOp::Exp => "exp",
        UnaryOp::Exp2 => "exp2",
        UnaryOp::Expm1 => "expm1",
        UnaryOp::Log => "log",
        UnaryOp::Log2 => "log2",
        UnaryOp::Log10 => "log10",
        UnaryOp::Log1p => "log1p",
        UnaryOp::Sin => "sin",
        UnaryOp::Cos => "cos",
        UnaryOp::Tan => "tan",
        UnaryOp::Asin => "asin",
        UnaryOp::Acos => "acos",
        UnaryOp::Atan => "atan",
        UnaryOp::Sinh => "sinh",
        UnaryOp::Cosh => "cosh",
        UnaryOp::Tanh => "tanh",
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
        | UnaryOp::Angle => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every helper the code generator can ask for is registered (an unresolved import would
    /// only fail when the JIT links).
    #[test]
    fn every_helper_the_lowering_names_is_registered() {
        let registered: Vec<&str> = symbols().into_iter().map(|(n, _)| n).collect();
        let mut wanted = Vec::new();
        for op in UnaryOp::ALL {
            if let Some(name) = unary_name(op) {
                wanted.extend(["f32", "f64"].map(|s| format!("arr_{name}_{s}")));
            }
        }
        for name in ["rem", "pow"] {
            wanted.extend(["f32", "f64", "i32", "i64"].map(|s| format!("arr_{name}_{s}")));
        }
        wanted.extend(["arr_atan2_f32".to_string(), "arr_atan2_f64".to_string()]);
        for op in UnaryOp::ALL {
            if let Some(name) = complex_unary_name(op) {
                wanted.extend(["c64", "c128"].map(|s| format!("arr_{name}_{s}")));
            }
        }
        for name in ["div", "pow"] {
            wanted.extend(["c64", "c128"].map(|s| format!("arr_{name}_{s}")));
        }
        for w in &wanted {
            assert!(registered.contains(&w.as_str()), "{w} is not registered");
        }
    }
}

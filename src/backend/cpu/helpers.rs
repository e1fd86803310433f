//! Functions compiled kernels call for what Cranelift has no instruction for: transcendental
//! math, floored remainders, integer powers and random numbers. Each calls the very function the
//! reference interpreter uses, so compiled and interpreted results agree bit for bit.
//!
//! The math calls are a first step: vectorised polynomial versions in Cranelift IR replace them
//! on the hot path.

use crate::ir::UnaryOp;
use crate::ir::interp::scalar::{FloorRem, IntPow, Math};
use arrjit_runtime as rt;

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
    ]
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
        for w in &wanted {
            assert!(registered.contains(&w.as_str()), "{w} is not registered");
        }
    }
}

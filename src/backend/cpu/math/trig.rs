//! sin, cos, tan.
//!
//! Reduction: x = n·π/2 + r with |r| ≤ π/4, r kept as a double-double r + rr. π/2 is split
//! into three doubles; x - n·P1 is exact (one FMA), the rest is carried in double-double
//! arithmetic, so that r keeps its full relative precision even for the x closest to a
//! multiple of π/2, for |x| ≤ `REDUCE_MAX`. Larger finite arguments go to the scalar helper
//! (Payne–Hanek reduction in the C library) on a cold path.
//!
//! Kernels: fdlibm's minimax polynomials for sin and cos on [-π/4, π/4] (error below
//! 2^-58), with the rr correction; tan is sin/cos.

use super::Vb;
use cranelift_codegen::ir::Value;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::types;
use cranelift_codegen::ir::{BlockArg, InstBuilder};
use cranelift_module::Module;

/// Largest |x| reduced inline. The reduction error grows like n·2^-161 and must stay far
/// below 2^-113 (the closest doubles come within about 2^-60 of a multiple of π/2).
pub(super) const REDUCE_MAX: f64 = 1073741824.0; // 2^30

/// π/2 = P1 + P2 + P3 + O(2^-160).
const P1: f64 = f64::from_bits(0x3ff9_21fb_5444_2d18);
const P2: f64 = f64::from_bits(0x3c91_a626_3314_5c07);
const P3: f64 = f64::from_bits(0xb91f_1976_b7ed_8fbc);

/// fdlibm's __kernel_sin: sin r = r + r³·(S1 + r²·(S2 + ...)).
const S: [f64; 6] = [
    -0.16666666666666632,
    0.00833333333332249,
    -0.0001984126982985795,
    2.7557313707070068e-06,
    -2.5050760253406863e-08,
    1.58969099521155e-10,
];

/// fdlibm's __kernel_cos: cos r = 1 - r²/2 + r⁴·(C1 + r²·(C2 + ...)).
const C: [f64; 6] = [
    0.0416666666666666,
    -0.001388888888887411,
    2.480158728947673e-05,
    -2.7557314351390663e-07,
    2.087572321298175e-09,
    -1.1359647557788195e-11,
];

impl<M: Module> Vb<'_, '_, M> {
    /// `(r, rr, n)`: x = n·π/2 + r + rr; n's low bits as I64X2 integers.
    fn trig_reduce(&mut self, x: Value) -> (Value, Value, Value) {
        let two_over_pi = self.c(std::f64::consts::FRAC_2_PI);
        let n = self.mul(x, two_over_pi);
        let n = self.round(n);
        let nn = self.neg(n);
        let p1 = self.c(P1);
        // Exact: n·P1 is exact inside the FMA and the difference fits in 53 bits.
        let a = self.fma(nn, p1, x);
        let p2 = self.c(P2);
        let (hi, lo) = self.two_prod(n, p2);
        let nhi = self.neg(hi);
        let (s, err) = self.two_sum(a, nhi);
        let rlo = self.sub(err, lo);
        let p3 = self.c(P3);
        let rlo = self.fma(nn, p3, rlo);
        let (r, rr) = self.fast_two_sum(s, rlo);
        // n + 1.5·2^52 holds n in its low bits.
        let magic = self.c(6755399441055744.0);
        let q = self.add(n, magic);
        let q = self.bits(q);
        (r, rr, q)
    }

    /// sin(r + rr) for |r| ≤ π/4 (fdlibm's kernel).
    fn sin_kernel(&mut self, r: Value, rr: Value) -> Value {
        let z = self.mul(r, r);
        let v = self.mul(z, r);
        let p = self.poly(z, &S[1..]);
        // r - ((z·(rr/2 - v·p) - rr) - v·S1)
        let half = self.c(0.5);
        let hrr = self.mul(half, rr);
        let vp = self.mul(v, p);
        let t = self.sub(hrr, vp);
        let t = self.mul(z, t);
        let t = self.sub(t, rr);
        let s1 = self.c(S[0]);
        let vs1 = self.mul(v, s1);
        let t = self.sub(t, vs1);
        self.sub(r, t)
    }

    /// cos(r + rr) for |r| ≤ π/4 (fdlibm's kernel).
    fn cos_kernel(&mut self, r: Value, rr: Value) -> Value {
        let z = self.mul(r, r);
        let p = self.poly(z, &C);
        let p = self.mul(z, p);
        let half = self.c(0.5);
        let hz = self.mul(half, z);
        let one = self.c(1.0);
        let w = self.sub(one, hz);
        // w + (((1 - w) - hz) + (z·p - r·rr))
        let t = self.sub(one, w);
        let t = self.sub(t, hz);
        let zp = self.mul(z, p);
        let nr = self.neg(r);
        let zp = self.fma(nr, rr, zp);
        let t = self.add(t, zp);
        self.add(w, t)
    }

    /// Mask of lanes whose integer `q` has bit `bit` set.
    fn bit_set(&mut self, q: Value, bit: i64) -> Value {
        let m = self.ci(bit);
        let b = self.b.ins().band(q, m);
        self.b.ins().icmp(IntCC::Equal, b, m)
    }

    /// `r` with its sign flipped in the lanes whose `q` has bit 1 set (odd half-turns).
    fn flip_by_quadrant(&mut self, r: Value, q: Value) -> Value {
        let two = self.ci(2);
        let b = self.b.ins().band(q, two);
        let shift = self.b.ins().iconst(types::I32, 62);
        let s = self.b.ins().ishl(b, shift);
        let s = self.float(s);
        self.xor_sign(r, s)
    }

    /// `hot`, with lanes whose finite |x| exceeds `REDUCE_MAX` recomputed by `symbol`.
    fn huge_args(&mut self, x: Value, hot: Value, symbol: &str) -> Value {
        let ax = self.abs(x);
        let big = self.cmp_c(FloatCC::GreaterThan, ax, REDUCE_MAX);
        let finite = self.cmp_c(FloatCC::LessThan, ax, f64::INFINITY);
        let huge = self.and(big, finite);
        self.scalar_fallback(huge, hot, x, symbol)
    }

    /// `small(x)` when every lane has |x| ≤ π/4, else `general(x)`. Inside [-π/4, π/4] the
    /// reduction is the identity (n = 0, r = x, rr = 0) and one kernel polynomial gives the
    /// answer, the same bits the general path gives, in half the instructions; inputs there
    /// (uniform in [0, 1), angles of a quarter turn) are common enough to pay for the test.
    fn with_small_path(
        &mut self,
        x: Value,
        small: fn(&mut Self, Value) -> Value,
        general: fn(&mut Self, Value) -> Value,
    ) -> Value {
        let ax = self.abs(x);
        let inside = self.cmp_c(FloatCC::LessThanOrEqual, ax, std::f64::consts::FRAC_PI_4);
        let all = self.b.ins().vall_true(inside);
        let fast = self.b.create_block();
        let slow = self.b.create_block();
        let join = self.b.create_block();
        let result = self.b.append_block_param(join, types::F64X2);
        self.b.ins().brif(all, fast, &[], slow, &[]);
        self.b.switch_to_block(fast);
        self.b.seal_block(fast);
        let v = small(self, x);
        self.b.ins().jump(join, &[BlockArg::Value(v)]);
        self.b.switch_to_block(slow);
        self.b.seal_block(slow);
        let v = general(self, x);
        self.b.ins().jump(join, &[BlockArg::Value(v)]);
        self.b.switch_to_block(join);
        self.b.seal_block(join);
        result
    }

    /// sin x. Measured error: f64 ≤ 1 ulp, f32 ≤ 1 ulp.
    pub(super) fn sin(&mut self, x: Value) -> Value {
        self.with_small_path(
            x,
            |v, x| {
                let zero = v.c(0.0);
                let s = v.sin_kernel(x, zero);
                v.keep_zero(x, s)
            },
            Self::sin_general,
        )
    }

    fn sin_general(&mut self, x: Value) -> Value {
        let (r, rr, q) = self.trig_reduce(x);
        let s = self.sin_kernel(r, rr);
        let c = self.cos_kernel(r, rr);
        let odd = self.bit_set(q, 1);
        let v = self.sel(odd, c, s);
        let v = self.flip_by_quadrant(v, q);
        let v = self.keep_zero(x, v);
        self.huge_args(x, v, "arr_sin_f64")
    }

    /// cos x. Measured error: f64 ≤ 1 ulp, f32 ≤ 1 ulp.
    pub(super) fn cos(&mut self, x: Value) -> Value {
        self.with_small_path(
            x,
            |v, x| {
                let zero = v.c(0.0);
                v.cos_kernel(x, zero)
            },
            Self::cos_general,
        )
    }

    fn cos_general(&mut self, x: Value) -> Value {
        let (r, rr, q) = self.trig_reduce(x);
        let s = self.sin_kernel(r, rr);
        let c = self.cos_kernel(r, rr);
        let odd = self.bit_set(q, 1);
        let v = self.sel(odd, s, c);
        // cos x = sin(x + π/2): one more quadrant.
        let one = self.ci(1);
        let q1 = self.b.ins().iadd(q, one);
        let v = self.flip_by_quadrant(v, q1);
        self.huge_args(x, v, "arr_cos_f64")
    }

    /// tan x. Measured error: f64 ≤ 2 ulp, f32 ≤ 1 ulp.
    pub(super) fn tan(&mut self, x: Value) -> Value {
        let (r, rr, q) = self.trig_reduce(x);
        let s = self.sin_kernel(r, rr);
        let c = self.cos_kernel(r, rr);
        let odd = self.bit_set(q, 1);
        // Even quadrants: sin/cos; odd: -cos/sin.
        let num = self.sel(odd, c, s);
        let den = self.sel(odd, s, c);
        let v = self.div(num, den);
        let nv = self.neg(v);
        let v = self.sel(odd, nv, v);
        let v = self.keep_zero(x, v);
        self.huge_args(x, v, "arr_tan_f64")
    }
}

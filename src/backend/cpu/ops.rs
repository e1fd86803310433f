//! One operation at a time: the Cranelift instructions for each unary, binary and cast
//! operation, on scalars and on vectors.
//!
//! Scalars have their dtype's type (`clif_type`; bool is an `i8` holding 0 or 1). Vectors have
//! `lanes` lanes of the same width; a bool vector is a lane mask (all ones for true) as wide as
//! the other lanes of the kernel. Operations the x86-64 backend has no vector instruction for
//! (integer division, 64-bit integer minimum, …) run lane by lane (`Emitter::lanewise`).

use super::helpers;
use super::lower::{Emitter, clif_type};
use crate::ir::{BinaryOp, UnaryOp};
use arrjit_runtime::DType;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{AbiParam, InstBuilder, MemFlagsData, Type, Value, types};
use cranelift_frontend::FunctionBuilder;
use cranelift_module::{Linkage, Module};

/// Flags for bitcasts between vector types of different lane shapes.
fn bitcast_flags() -> MemFlagsData {
    MemFlagsData::new().with_endianness(cranelift_codegen::ir::Endianness::Little)
}

/// A scalar bool (0 or 1) as a mask lane of type `lane` (all ones for true).
pub(super) fn bitcast_to_mask_lane(b: &mut FunctionBuilder, s: Value, lane: Type) -> Value {
    let wide = b.ins().uextend(lane, s);
    b.ins().ineg(wide)
}

impl<M: Module> Emitter<'_, '_, M> {
    /// The vector type of dtype `d` in this kernel (`lanes` lanes).
    pub(super) fn vector_type(&self, d: DType) -> Type {
        match (self.lanes, d) {
            (2, DType::F64) => types::F64X2,
            (2, DType::I64 | DType::Bool) => types::I64X2,
            (4, DType::F32) => types::F32X4,
            (4, DType::I32 | DType::Bool) => types::I32X4,
            (lanes, d) => unreachable!("no {lanes}-lane vector of {d} (lane plan checked)"),
        }
    }

    /// A float constant of scalar type `ty`.
    pub(super) fn float_const(&mut self, ty: Type, x: f64) -> Value {
        if ty == types::F32 {
            self.b.ins().f32const(x as f32)
        } else {
            self.b.ins().f64const(x)
        }
    }

    /// A scalar constant of dtype `d`, splatted when `vector`.
    pub(super) fn constant(&mut self, d: DType, x: f64, vector: bool) -> Value {
        let ty = clif_type(d).expect("checked");
        let s = if d.is_float() {
            self.float_const(ty, x)
        } else if d == DType::Bool && vector {
            // A mask: all ones for true.
            let vt = self.vector_type(d);
            let v = self
                .b
                .ins()
                .iconst(vt.lane_type(), if x != 0.0 { -1 } else { 0 });
            return self.b.ins().splat(vt, v);
        } else {
            self.b.ins().iconst(ty, x as i64)
        };
        if vector {
            let vt = self.vector_type(d);
            self.b.ins().splat(vt, s)
        } else {
            s
        }
    }

    /// A call to helper `name` (registered in the JIT).
    pub(super) fn call(&mut self, name: &str, args: &[Value], params: &[Type], ret: Type) -> Value {
        let func = match self.funcs.get(name) {
            Some(&f) => f,
            None => {
                let mut sig = self.module.make_signature();
                sig.params.extend(params.iter().map(|&t| AbiParam::new(t)));
                sig.returns.push(AbiParam::new(ret));
                let id = self
                    .module
                    .declare_function(name, Linkage::Import, &sig)
                    .expect("helper signatures are consistent");
                let f = self.module.declare_func_in_func(id, self.b.func);
                self.funcs.insert(name.to_string(), f);
                f
            }
        };
        let inst = self.b.ins().call(func, args);
        self.b.inst_results(inst)[0]
    }

    /// NumPy's `minimum`/`maximum` on floats (scalars or vectors): NaN if either is NaN, the
    /// first on ties.
    pub(super) fn float_min_max(&mut self, min: bool, a: Value, b: Value) -> Value {
        let cc = if min {
            FloatCC::LessThanOrEqual
        } else {
            FloatCC::GreaterThanOrEqual
        };
        let keep = self.b.ins().fcmp(cc, a, b);
        let a_nan = self.b.ins().fcmp(FloatCC::Unordered, a, a);
        let take_a = self.b.ins().bor(keep, a_nan);
        self.select(take_a, a, b)
    }

    /// `c ? x : y` for a scalar bool or a lane mask `c`.
    pub(super) fn select(&mut self, c: Value, x: Value, y: Value) -> Value {
        let ty = self.b.func.dfg.value_type(x);
        if ty.is_vector() {
            let c = if self.b.func.dfg.value_type(c) == ty {
                c
            } else {
                self.b.ins().bitcast(ty, bitcast_flags(), c)
            };
            self.b.ins().bitselect(c, x, y)
        } else {
            self.b.ins().select(c, x, y)
        }
    }

    // ---- scalars ----

    pub(super) fn scalar_unary(&mut self, op: UnaryOp, d: DType, x: Value) -> Value {
        if d.is_complex() {
            return self.complex_unary(op, d, x);
        }
        let ty = clif_type(d).expect("checked");
        let float = d.is_float();
        if float && super::math::has_unary(op) {
            // The vector function on lane 0: every element, in a vector loop or not, gets
            // the same function.
            let vt = ty.by(128 / ty.bits()).expect("a 128-bit vector");
            let v = self.b.ins().splat(vt, x);
            let r = super::math::unary(self.b, self.module, &mut self.funcs, op, v);
            return self.b.ins().extractlane(r, 0);
        }
        if let Some(name) = helpers::unary_name(op) {
            let symbol = format!("arr_{name}_{}", if d == DType::F32 { "f32" } else { "f64" });
            return self.call(&symbol, &[x], &[ty], ty);
        }
        match op {
            UnaryOp::Neg if float => self.b.ins().fneg(x),
            UnaryOp::Neg => self.b.ins().ineg(x),
            UnaryOp::Not => self.b.ins().bxor_imm_s(x, 1),
            UnaryOp::Abs if float => self.b.ins().fabs(x),
            UnaryOp::Abs => self.b.ins().iabs(x),
            UnaryOp::Sqrt => self.b.ins().sqrt(x),
            UnaryOp::Floor => self.b.ins().floor(x),
            UnaryOp::Ceil => self.b.ins().ceil(x),
            UnaryOp::Round => self.b.ins().nearest(x),
            UnaryOp::Trunc => self.b.ins().trunc(x),
            UnaryOp::IsNan => self.b.ins().fcmp(FloatCC::Unordered, x, x),
            UnaryOp::IsInf => {
                let a = self.b.ins().fabs(x);
                let inf = self.float_const(ty, f64::INFINITY);
                self.b.ins().fcmp(FloatCC::Equal, a, inf)
            }
            UnaryOp::Sign if float => {
                // x > 0 → 1, x < 0 → -1, else x itself (±0 and NaN).
                let one = self.float_const(ty, 1.0);
                let minus = self.float_const(ty, -1.0);
                let zero = self.float_const(ty, 0.0);
                let pos = self.b.ins().fcmp(FloatCC::GreaterThan, x, zero);
                let neg = self.b.ins().fcmp(FloatCC::LessThan, x, zero);
                let m = self.b.ins().select(neg, minus, x);
                self.b.ins().select(pos, one, m)
            }
            UnaryOp::Sign => {
                let one = self.b.ins().iconst(ty, 1);
                let minus = self.b.ins().iconst(ty, -1);
                let zero = self.b.ins().iconst(ty, 0);
                let pos = self.b.ins().icmp(IntCC::SignedGreaterThan, x, zero);
                let neg = self.b.ins().icmp(IntCC::SignedLessThan, x, zero);
                let m = self.b.ins().select(neg, minus, zero);
                self.b.ins().select(pos, one, m)
            }
            UnaryOp::Exp
            | UnaryOp::Exp2
            | UnaryOp::Expm1
            | UnaryOp::Log
            | UnaryOp::Log2
            | UnaryOp::Log10
            | UnaryOp::Log1p
            | UnaryOp::Sin
            | UnaryOp::Cos
            | UnaryOp::Tan
            | UnaryOp::Asin
            | UnaryOp::Acos
            | UnaryOp::Atan
            | UnaryOp::Sinh
            | UnaryOp::Cosh
            | UnaryOp::Tanh => unreachable!("helpers above"),
            UnaryOp::Real | UnaryOp::Imag | UnaryOp::Conj | UnaryOp::Angle => {
                unreachable!("`{}` is only defined on complex numbers", op.name())
            }
        }
    }

    /// A binary op on two scalars of dtype `d`.
    pub(super) fn scalar_binary(&mut self, op: BinaryOp, d: DType, x: Value, y: Value) -> Value {
        if d.is_complex() {
            return self.complex_binary(op, d, x, y);
        }
        let ty = clif_type(d).expect("checked");
        let float = d.is_float();
        let suffix = match d {
            DType::F32 => "f32",
            DType::F64 => "f64",
            DType::I32 => "i32",
            _ => "i64",
        };
        match op {
            BinaryOp::Add if float => self.b.ins().fadd(x, y),
            BinaryOp::Sub if float => self.b.ins().fsub(x, y),
            BinaryOp::Mul if float => self.b.ins().fmul(x, y),
            BinaryOp::Add => self.b.ins().iadd(x, y),
            BinaryOp::Sub => self.b.ins().isub(x, y),
            BinaryOp::Mul => self.b.ins().imul(x, y),
            BinaryOp::Div => self.b.ins().fdiv(x, y),
            BinaryOp::Rem => self.call(&format!("arr_rem_{suffix}"), &[x, y], &[ty, ty], ty),
            BinaryOp::Pow | BinaryOp::Atan2 if float && super::math::has_binary(op) => {
                let vt = ty.by(128 / ty.bits()).expect("a 128-bit vector");
                let (vx, vy) = (self.b.ins().splat(vt, x), self.b.ins().splat(vt, y));
                let r = super::math::binary(self.b, self.module, &mut self.funcs, op, vx, vy);
                self.b.ins().extractlane(r, 0)
            }
            BinaryOp::Pow => self.call(&format!("arr_pow_{suffix}"), &[x, y], &[ty, ty], ty),
            BinaryOp::Atan2 => self.call(&format!("arr_atan2_{suffix}"), &[x, y], &[ty, ty], ty),
            BinaryOp::Min if float => self.float_min_max(true, x, y),
            BinaryOp::Max if float => self.float_min_max(false, x, y),
            BinaryOp::Min if d == DType::Bool => self.b.ins().umin(x, y),
            BinaryOp::Max if d == DType::Bool => self.b.ins().umax(x, y),
            BinaryOp::Min => self.b.ins().smin(x, y),
            BinaryOp::Max => self.b.ins().smax(x, y),
            BinaryOp::And => self.b.ins().band(x, y),
            BinaryOp::Or => self.b.ins().bor(x, y),
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge => self.compare(op, d, x, y),
            BinaryOp::Complex => self.complex_build(x, y, d),
        }
    }

    /// A comparison of scalars or vectors of dtype `d`: a bool, or a lane mask.
    fn compare(&mut self, op: BinaryOp, d: DType, x: Value, y: Value) -> Value {
        if d.is_float() {
            let cc = match op {
                BinaryOp::Eq => FloatCC::Equal,
                BinaryOp::Ne => FloatCC::NotEqual,
                BinaryOp::Lt => FloatCC::LessThan,
                BinaryOp::Le => FloatCC::LessThanOrEqual,
                BinaryOp::Gt => FloatCC::GreaterThan,
                _ => FloatCC::GreaterThanOrEqual,
            };
            return self.b.ins().fcmp(cc, x, y);
        }
        let unsigned = d == DType::Bool;
        let cc = match (op, unsigned) {
            (BinaryOp::Eq, _) => IntCC::Equal,
            (BinaryOp::Ne, _) => IntCC::NotEqual,
            (BinaryOp::Lt, false) => IntCC::SignedLessThan,
            (BinaryOp::Le, false) => IntCC::SignedLessThanOrEqual,
            (BinaryOp::Gt, false) => IntCC::SignedGreaterThan,
            (BinaryOp::Ge, false) => IntCC::SignedGreaterThanOrEqual,
            (BinaryOp::Lt, true) => IntCC::UnsignedLessThan,
            (BinaryOp::Le, true) => IntCC::UnsignedLessThanOrEqual,
            (BinaryOp::Gt, true) => IntCC::UnsignedGreaterThan,
            _ => IntCC::UnsignedGreaterThanOrEqual,
        };
        self.b.ins().icmp(cc, x, y)
    }

    /// NumPy's conversion of a scalar from `from` to `to` (see `Data::cast`).
    pub(super) fn scalar_cast(&mut self, x: Value, from: DType, to: DType) -> Value {
        if from == to {
            return x;
        }
        if from.is_complex() || to.is_complex() {
            return self.complex_cast(x, from, to);
        }
        let tt = clif_type(to).expect("checked");
        match (from, to) {
            (f, DType::Bool) if f.is_float() => {
                let zero = self.float_const(clif_type(f).expect("checked"), 0.0);
                self.b.ins().fcmp(FloatCC::NotEqual, x, zero)
            }
            (_, DType::Bool) => self.b.ins().icmp_imm_s(IntCC::NotEqual, x, 0),
            (DType::Bool, t) if t.is_float() => {
                let wide = self.b.ins().uextend(types::I32, x);
                self.b.ins().fcvt_from_uint(tt, wide)
            }
            (DType::Bool, _) => self.b.ins().uextend(tt, x),
            (DType::I32, DType::I64) => self.b.ins().sextend(tt, x),
            (DType::I64, DType::I32) => self.b.ins().ireduce(tt, x),
            (DType::F32, DType::F64) => self.b.ins().fpromote(tt, x),
            (DType::F64, DType::F32) => self.b.ins().fdemote(tt, x),
            (f, t) if f.is_float() && t.is_int() => self.b.ins().fcvt_to_sint_sat(tt, x),
            (f, t) if f.is_int() && t.is_float() => self.b.ins().fcvt_from_sint(tt, x),
            (f, t) => unreachable!("cast from {f} to {t} in a checked kernel"),
        }
    }

    // ---- vectors ----

    /// `op` on a vector of dtype `d`, if there is an instruction sequence for it.
    pub(super) fn vector_unary(&mut self, op: UnaryOp, d: DType, x: Value) -> Option<Value> {
        let float = d.is_float();
        Some(match op {
            UnaryOp::Neg if float => self.b.ins().fneg(x),
            UnaryOp::Neg => self.b.ins().ineg(x),
            UnaryOp::Not => self.b.ins().bnot(x),
            UnaryOp::Abs if float => self.b.ins().fabs(x),
            UnaryOp::Abs if d == DType::I32 => self.b.ins().iabs(x),
            UnaryOp::Sqrt => self.b.ins().sqrt(x),
            UnaryOp::Floor => self.b.ins().floor(x),
            UnaryOp::Ceil => self.b.ins().ceil(x),
            UnaryOp::Round => self.b.ins().nearest(x),
            UnaryOp::Trunc => self.b.ins().trunc(x),
            UnaryOp::IsNan => self.b.ins().fcmp(FloatCC::Unordered, x, x),
            UnaryOp::IsInf => {
                let a = self.b.ins().fabs(x);
                let inf = self.constant(d, f64::INFINITY, true);
                self.b.ins().fcmp(FloatCC::Equal, a, inf)
            }
            UnaryOp::Sign if float => {
                let one = self.constant(d, 1.0, true);
                let minus = self.constant(d, -1.0, true);
                let zero = self.constant(d, 0.0, true);
                let pos = self.b.ins().fcmp(FloatCC::GreaterThan, x, zero);
                let neg = self.b.ins().fcmp(FloatCC::LessThan, x, zero);
                let m = self.select(neg, minus, x);
                self.select(pos, one, m)
            }
            _ if float && super::math::has_unary(op) => {
                super::math::unary(self.b, self.module, &mut self.funcs, op, x)
            }
            _ => return None,
        })
    }

    /// `op` on two vectors of dtype `d`, if there is an instruction sequence for it.
    pub(super) fn vector_binary(
        &mut self,
        op: BinaryOp,
        d: DType,
        x: Value,
        y: Value,
    ) -> Option<Value> {
        let float = d.is_float();
        let narrow = d == DType::I32;
        Some(match op {
            BinaryOp::Add if float => self.b.ins().fadd(x, y),
            BinaryOp::Sub if float => self.b.ins().fsub(x, y),
            BinaryOp::Mul if float => self.b.ins().fmul(x, y),
            BinaryOp::Div => self.b.ins().fdiv(x, y),
            BinaryOp::Add if d != DType::Bool => self.b.ins().iadd(x, y),
            BinaryOp::Sub if d != DType::Bool => self.b.ins().isub(x, y),
            BinaryOp::Mul if narrow => self.b.ins().imul(x, y),
            BinaryOp::Min if float => self.float_min_max(true, x, y),
            BinaryOp::Max if float => self.float_min_max(false, x, y),
            // Masks: the minimum of two bools is their conjunction.
            BinaryOp::Min if d == DType::Bool => self.b.ins().band(x, y),
            BinaryOp::Max if d == DType::Bool => self.b.ins().bor(x, y),
            BinaryOp::Min if narrow => self.b.ins().smin(x, y),
            BinaryOp::Max if narrow => self.b.ins().smax(x, y),
            BinaryOp::And => self.b.ins().band(x, y),
            BinaryOp::Or => self.b.ins().bor(x, y),
            BinaryOp::Eq | BinaryOp::Ne => self.compare(op, d, x, y),
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge if d != DType::Bool => {
                self.compare(op, d, x, y)
            }
            BinaryOp::Pow | BinaryOp::Atan2 if float && super::math::has_binary(op) => {
                super::math::binary(self.b, self.module, &mut self.funcs, op, x, y)
            }
            _ => return None,
        })
    }

    /// A vector cast from `from` to `to` (same lane width), if there is an instruction for it.
    pub(super) fn vector_cast(&mut self, x: Value, from: DType, to: DType) -> Option<Value> {
        if from == to {
            return Some(x);
        }
        let tt = self.vector_type(to);
        Some(match (from, to) {
            (f, DType::Bool) if f.is_float() => {
                let zero = self.constant(f, 0.0, true);
                self.b.ins().fcmp(FloatCC::NotEqual, x, zero)
            }
            (_, DType::Bool) => {
                let zero = self.constant(from, 0.0, true);
                self.b.ins().icmp(IntCC::NotEqual, x, zero)
            }
            (DType::Bool, t) => {
                // A mask selects the bits of 1.
                let one = self.constant(t, 1.0, true);
                let mask = self.b.ins().bitcast(tt, bitcast_flags(), x);
                self.b.ins().band(mask, one)
            }
            (DType::I32, DType::F32) => self.b.ins().fcvt_from_sint(tt, x),
            (DType::F32, DType::I32) => self.b.ins().fcvt_to_sint_sat(tt, x),
            _ => return None,
        })
    }

    /// A lane of a vector of dtype `d` as a scalar.
    pub(super) fn lane(&mut self, v: Value, d: DType, lane: usize) -> Value {
        let x = self.b.ins().extractlane(v, lane as u8);
        if d == DType::Bool {
            let byte = self.b.ins().ireduce(types::I8, x);
            self.b.ins().band_imm_s(byte, 1)
        } else {
            x
        }
    }

    /// A vector of dtype `d` from its lanes as scalars.
    pub(super) fn gather_lanes(&mut self, lanes: &[Value], d: DType) -> Value {
        let vt = self.vector_type(d);
        let lanes: Vec<Value> = lanes
            .iter()
            .map(|&s| {
                if d == DType::Bool {
                    bitcast_to_mask_lane(self.b, s, vt.lane_type())
                } else {
                    s
                }
            })
            .collect();
        let mut v = self.b.ins().splat(vt, lanes[0]);
        for (i, &s) in lanes.iter().enumerate().skip(1) {
            v = self.b.ins().insertlane(v, s, i as u8);
        }
        v
    }
}

//! Complex numbers in compiled kernels.
//!
//! A complex scalar is one 128-bit vector: c128 is an `f64x2` `[re, im]`, c64 an `f32x4`
//! `[re, im, 0, 0]` (`clif_type`). Kernels with complex values run one point at a time
//! (`lane_count` is 1), so these vectors never hold more than one number.
//!
//! In memory a c128 is 16 bytes and a c64 8 (`[re, im]` as floats); parameter and phase slots
//! are 16 bytes, zero-padded, so they load as whole vectors. Addition, subtraction, negation,
//! multiplication, comparisons, casts and the parts are inline code, in the same operation
//! order as the interpreter's (so the same bits); division, powers, `abs`, `sign` and the
//! transcendental functions call the interpreter's own functions (`helpers`), which write
//! their result through a pointer to a 16-byte stack slot.

use super::helpers;
use super::lower::{Emitter, clif_type, flags};
use crate::ir::{BinaryOp, ReduceOp, UnaryOp};
use arrjit_runtime::DType;
use cranelift_codegen::ir::condcodes::FloatCC;
use cranelift_codegen::ir::{
    AbiParam, Endianness, InstBuilder, MemFlagsData, StackSlotData, StackSlotKind, Value, types,
};
use cranelift_module::{Linkage, Module};

/// The dtype of a complex dtype's parts.
pub(super) fn part_dtype(d: DType) -> DType {
    match d {
        DType::C64 => DType::F32,
        DType::C128 => DType::F64,
        other => unreachable!("{other} is not complex"),
    }
}

/// The complex dtype whose parts have dtype `d`.
fn complex_of(d: DType) -> DType {
    match d {
        DType::F32 => DType::C64,
        DType::F64 => DType::C128,
        other => unreachable!("no complex dtype has {other} parts"),
    }
}

/// The suffix of a complex dtype's helpers.
fn suffix(d: DType) -> &'static str {
    match d {
        DType::C64 => "c64",
        DType::C128 => "c128",
        other => unreachable!("{other} is not complex"),
    }
}

/// Flags for bitcasts between vector types of different lane shapes.
fn bitcast_flags() -> MemFlagsData {
    MemFlagsData::new().with_endianness(Endianness::Little)
}

impl<M: Module> Emitter<'_, '_, M> {
    /// The complex number of dtype `d` at `addr`.
    pub(super) fn complex_load(&mut self, addr: Value, d: DType) -> Value {
        match d {
            // Exactly 8 bytes (a 16-byte load could read past the buffer): the low half of a
            // zeroed vector.
            DType::C64 => {
                let bits = self.b.ins().load(types::F64, flags(), addr, 0);
                let v = self.b.ins().scalar_to_vector(types::F64X2, bits);
                self.b.ins().bitcast(types::F32X4, bitcast_flags(), v)
            }
            _ => self.b.ins().load(types::F64X2, flags(), addr, 0),
        }
    }

    /// Stores complex number `z` of dtype `d` at `addr`.
    pub(super) fn complex_store(&mut self, z: Value, addr: Value, d: DType) {
        let v = match d {
            DType::C64 => {
                let wide = self.b.ins().bitcast(types::F64X2, bitcast_flags(), z);
                self.b.ins().extractlane(wide, 0)
            }
            _ => z,
        };
        self.b.ins().store(flags(), v, addr, 0);
    }

    /// The real and imaginary parts of `z`.
    fn parts(&mut self, z: Value) -> (Value, Value) {
        let re = self.b.ins().extractlane(z, 0);
        let im = self.b.ins().extractlane(z, 1);
        (re, im)
    }

    /// The complex number of dtype `d` with parts `re` and `im`.
    fn make_complex(&mut self, re: Value, im: Value, d: DType) -> Value {
        let ty = clif_type(d).expect("checked");
        let z = self.b.ins().scalar_to_vector(ty, re);
        self.b.ins().insertlane(z, im, 1)
    }

    /// The constant `re + i im` of dtype `d`.
    pub(super) fn complex_const(&mut self, d: DType, re: f64, im: f64) -> Value {
        let part = clif_type(part_dtype(d)).expect("checked");
        let (re, im) = (self.float_const(part, re), self.float_const(part, im));
        self.make_complex(re, im, d)
    }

    /// Calls complex helper `name` on `args` (floats: the parts of its arguments); returns
    /// the complex number of dtype `d` it writes.
    fn call_complex(&mut self, name: &str, args: &[Value], d: DType) -> Value {
        let part = clif_type(part_dtype(d)).expect("checked");
        let func = match self.funcs.get(name) {
            Some(&f) => f,
            None => {
                let mut sig = self.module.make_signature();
                sig.params.extend(args.iter().map(|_| AbiParam::new(part)));
                sig.params.push(AbiParam::new(types::I64));
                let id = self
                    .module
                    .declare_function(name, Linkage::Import, &sig)
                    .expect("helper signatures are consistent");
                let f = self.module.declare_func_in_func(id, self.b.func);
                self.funcs.insert(name.to_string(), f);
                f
            }
        };
        let slot = match self.scratch {
            Some(s) => s,
            None => {
                let data = StackSlotData::new(StackSlotKind::ExplicitSlot, 16, 4);
                let s = self.b.create_sized_stack_slot(data);
                self.scratch = Some(s);
                s
            }
        };
        let out = self.b.ins().stack_addr(types::I64, slot, 0);
        let mut call_args = args.to_vec();
        call_args.push(out);
        self.b.ins().call(func, &call_args);
        self.complex_load(out, d)
    }

    /// `x * y`, as num-complex computes it: `(ar br - ai bi) + i (ar bi + ai br)`.
    fn complex_mul(&mut self, x: Value, y: Value, d: DType) -> Value {
        let ((ar, ai), (br, bi)) = (self.parts(x), self.parts(y));
        let (rr, ii) = (self.b.ins().fmul(ar, br), self.b.ins().fmul(ai, bi));
        let re = self.b.ins().fsub(rr, ii);
        let (ri, ir) = (self.b.ins().fmul(ar, bi), self.b.ins().fmul(ai, br));
        let im = self.b.ins().fadd(ri, ir);
        self.make_complex(re, im, d)
    }

    /// `op` on complex number `z` of dtype `d`.
    pub(super) fn complex_unary(&mut self, op: UnaryOp, d: DType, z: Value) -> Value {
        let part = part_dtype(d);
        let pt = clif_type(part).expect("checked");
        match op {
            UnaryOp::Neg => self.b.ins().fneg(z),
            UnaryOp::Real => self.b.ins().extractlane(z, 0),
            UnaryOp::Imag => self.b.ins().extractlane(z, 1),
            UnaryOp::Conj => {
                let im = self.b.ins().extractlane(z, 1);
                let neg = self.b.ins().fneg(im);
                self.b.ins().insertlane(z, neg, 1)
            }
            UnaryOp::Angle => {
                let (re, im) = self.parts(z);
                let name = format!(
                    "arr_atan2_{}",
                    if part == DType::F32 { "f32" } else { "f64" }
                );
                self.call(&name, &[im, re], &[pt, pt], pt)
            }
            UnaryOp::Abs => {
                let (re, im) = self.parts(z);
                self.call(&format!("arr_abs_{}", suffix(d)), &[re, im], &[pt, pt], pt)
            }
            UnaryOp::IsNan => {
                let (re, im) = self.parts(z);
                let a = self.b.ins().fcmp(FloatCC::Unordered, re, re);
                let b = self.b.ins().fcmp(FloatCC::Unordered, im, im);
                self.b.ins().bor(a, b)
            }
            UnaryOp::IsInf => {
                let inf = self.float_const(pt, f64::INFINITY);
                let (re, im) = self.parts(z);
                let (re, im) = (self.b.ins().fabs(re), self.b.ins().fabs(im));
                let a = self.b.ins().fcmp(FloatCC::Equal, re, inf);
                let b = self.b.ins().fcmp(FloatCC::Equal, im, inf);
                self.b.ins().bor(a, b)
            }
            UnaryOp::Sqrt
            | UnaryOp::Sign
            | UnaryOp::Exp
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
            | UnaryOp::Tanh => {
                let name = helpers::complex_unary_name(op).expect("a complex helper");
                let (re, im) = self.parts(z);
                self.call_complex(&format!("arr_{name}_{}", suffix(d)), &[re, im], d)
            }
            UnaryOp::Not | UnaryOp::Floor | UnaryOp::Ceil | UnaryOp::Round | UnaryOp::Trunc => {
                unreachable!("`{}` is not defined on {d}", op.name())
            }
        }
    }

    /// `op` on complex numbers `x`, `y` of dtype `d`.
    pub(super) fn complex_binary(&mut self, op: BinaryOp, d: DType, x: Value, y: Value) -> Value {
        match op {
            BinaryOp::Add => self.b.ins().fadd(x, y),
            BinaryOp::Sub => self.b.ins().fsub(x, y),
            BinaryOp::Mul => self.complex_mul(x, y, d),
            BinaryOp::Div | BinaryOp::Pow => {
                let name = if op == BinaryOp::Div { "div" } else { "pow" };
                let ((ar, ai), (br, bi)) = (self.parts(x), self.parts(y));
                let symbol = format!("arr_{name}_{}", suffix(d));
                self.call_complex(&symbol, &[ar, ai, br, bi], d)
            }
            BinaryOp::Eq | BinaryOp::Ne => self.complex_compare(op, x, y),
            BinaryOp::Rem
            | BinaryOp::Atan2
            | BinaryOp::Min
            | BinaryOp::Max
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge
            | BinaryOp::And
            | BinaryOp::Or
            | BinaryOp::Complex => unreachable!("{op:?} is not defined on {d}"),
        }
    }

    /// `complex(re, im)` for parts of float dtype `part`.
    pub(super) fn complex_build(&mut self, re: Value, im: Value, part: DType) -> Value {
        self.make_complex(re, im, complex_of(part))
    }

    /// `x == y` (both parts equal) or `x != y` (either differs, NaN included): a bool.
    pub(super) fn complex_compare(&mut self, op: BinaryOp, x: Value, y: Value) -> Value {
        let ((ar, ai), (br, bi)) = (self.parts(x), self.parts(y));
        if op == BinaryOp::Eq {
            let re = self.b.ins().fcmp(FloatCC::Equal, ar, br);
            let im = self.b.ins().fcmp(FloatCC::Equal, ai, bi);
            self.b.ins().band(re, im)
        } else {
            let re = self.b.ins().fcmp(FloatCC::NotEqual, ar, br);
            let im = self.b.ins().fcmp(FloatCC::NotEqual, ai, bi);
            self.b.ins().bor(re, im)
        }
    }

    /// NumPy's conversion of a scalar from `from` to `to`, one of them complex (see
    /// `Data::cast`): real to complex has imaginary part 0, complex to real drops the
    /// imaginary part, complex to bool is `re != 0 or im != 0`.
    pub(super) fn complex_cast(&mut self, x: Value, from: DType, to: DType) -> Value {
        match (from.is_complex(), to.is_complex()) {
            (true, true) => {
                let (re, im) = self.parts(x);
                let (re, im) = (
                    self.scalar_cast(re, part_dtype(from), part_dtype(to)),
                    self.scalar_cast(im, part_dtype(from), part_dtype(to)),
                );
                self.make_complex(re, im, to)
            }
            (true, false) if to == DType::Bool => {
                let (re, im) = self.parts(x);
                let re = self.scalar_cast(re, part_dtype(from), DType::Bool);
                let im = self.scalar_cast(im, part_dtype(from), DType::Bool);
                self.b.ins().bor(re, im)
            }
            (true, false) => {
                let re = self.b.ins().extractlane(x, 0);
                self.scalar_cast(re, part_dtype(from), to)
            }
            (false, true) => {
                let part = part_dtype(to);
                let re = self.scalar_cast(x, from, part);
                let zero = self.float_const(clif_type(part).expect("checked"), 0.0);
                self.make_complex(re, zero, to)
            }
            (false, false) => unreachable!("a cast between real dtypes"),
        }
    }

    /// The identity of reduction `op` on complex dtype `d`.
    pub(super) fn complex_identity(&mut self, op: ReduceOp, d: DType) -> Value {
        match op {
            // -0 + x is x for every x, -0 included (see `Emitter::reduce`).
            ReduceOp::Sum => self.complex_const(d, -0.0, -0.0),
            ReduceOp::Prod => self.complex_const(d, 1.0, 0.0),
            ReduceOp::Min | ReduceOp::Max => unreachable!("{op:?} is not defined on {d}"),
        }
    }

    /// `op` folding `v` into `a`, complex numbers of dtype `d`.
    pub(super) fn complex_combine(&mut self, op: ReduceOp, d: DType, a: Value, v: Value) -> Value {
        match op {
            ReduceOp::Sum => self.b.ins().fadd(a, v),
            ReduceOp::Prod => self.complex_mul(a, v, d),
            ReduceOp::Min | ReduceOp::Max => unreachable!("{op:?} is not defined on {d}"),
        }
    }
}

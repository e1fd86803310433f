//! Kernel → Cranelift IR.
//!
//! The function takes two pointers: to the array of buffer base addresses (indexed by buffer
//! id) and to the kernel's parameters (16-byte slots). It runs the loop nest the kernel
//! describes: loops over the outer axes, and inside, each phase in turn as a loop over the
//! inner axes. Loops are tested at the bottom. Every point evaluates its expressions in scalar
//! code; SIMD, unrolling and threads come next.

use super::helpers;
use crate::ir::{BinaryOp, ReduceOp, UnaryOp};
use crate::kernel::{Affine, BufId, Expr, ExprId, Kernel, Over, Phase};
use arrjit_runtime::DType;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{self, AbiParam, InstBuilder, MemFlagsData, Type, Value, types};
use cranelift_frontend::{FunctionBuilder, Variable};
use cranelift_module::{Linkage, Module};
use std::collections::HashMap;

/// Why a kernel cannot be compiled (it then runs on the reference evaluator).
pub type Unsupported = String;

/// The Cranelift type of a dtype's elements; complex numbers are not compiled yet.
pub fn clif_type(d: DType) -> Result<Type, Unsupported> {
    match d {
        DType::Bool => Ok(types::I8),
        DType::I32 => Ok(types::I32),
        DType::I64 => Ok(types::I64),
        DType::F32 => Ok(types::F32),
        DType::F64 => Ok(types::F64),
        DType::C64 | DType::C128 => Err(format!("{d} kernels are not compiled yet")),
    }
}

/// Whether every expression of `k` can be compiled.
pub fn check(k: &Kernel) -> Result<(), Unsupported> {
    for (e, &d) in k.exprs.iter().zip(&k.dtypes) {
        clif_type(d)?;
        if let Expr::Unary(
            op @ (UnaryOp::Real | UnaryOp::Imag | UnaryOp::Conj | UnaryOp::Angle),
            _,
        ) = e
        {
            return Err(format!("`{}` is not compiled yet", op.name()));
        }
    }
    for (_, d) in &k.params {
        clif_type(*d)?;
    }
    Ok(())
}

/// Emits the body of `k` into `b`, whose function has the signature `(bufs, params)`.
pub struct Emitter<'a, 'f, M: Module> {
    pub b: &'a mut FunctionBuilder<'f>,
    pub module: &'a mut M,
    pub k: &'a Kernel,
    /// Every buffer's base address and every parameter's value, loaded once on entry.
    bases: HashMap<BufId, Value>,
    params: Vec<Value>,
    /// The range of the first outer axis this call covers (threads split that axis).
    range: (Value, Value),
    index: Vec<Variable>,
    phase_vars: Vec<Option<Variable>>,
    funcs: HashMap<String, ir::FuncRef>,
}

fn flags() -> MemFlagsData {
    MemFlagsData::new().with_notrap()
}

impl<'a, 'f, M: Module> Emitter<'a, 'f, M> {
    pub fn new(
        b: &'a mut FunctionBuilder<'f>,
        module: &'a mut M,
        k: &'a Kernel,
        bufs_ptr: Value,
        params_ptr: Value,
        range: (Value, Value),
    ) -> Self {
        let index = (0..k.space.len())
            .map(|_| b.declare_var(types::I64))
            .collect::<Vec<_>>();
        let zero = b.ins().iconst(types::I64, 0);
        for &v in &index {
            b.def_var(v, zero);
        }
        let mut bases = HashMap::new();
        for buf in k.reads().into_iter().chain(k.writes()) {
            let base = b
                .ins()
                .load(types::I64, flags(), bufs_ptr, (buf.0 as i32) * 8);
            bases.insert(buf, base);
        }
        // Parameters are read from their slots, so that a new constant needs no new code.
        let params = k
            .params
            .iter()
            .enumerate()
            .map(|(i, (_, d))| {
                let ty = clif_type(*d).expect("checked");
                b.ins().load(ty, flags(), params_ptr, (i as i32) * 16)
            })
            .collect();
        Emitter {
            b,
            module,
            k,
            bases,
            params,
            range,
            index,
            phase_vars: vec![None; k.phases.len()],
            funcs: HashMap::new(),
        }
    }

    /// The whole loop nest. The first outer axis runs over the call's range; a kernel
    /// without outer axes runs once.
    pub fn emit(&mut self) {
        let outer: Vec<usize> = (0..self.k.space.len())
            .filter(|a| !self.k.inner.contains(a))
            .collect();
        let mut phases = |e: &mut Self| {
            for p in 0..e.k.phases.len() {
                e.phase(p);
            }
        };
        match outer.split_first() {
            None => phases(self),
            Some((&first, rest)) => {
                let (start, end) = self.range;
                self.loop_over(first, start, end, &mut |e| e.for_each(rest, &mut phases));
            }
        }
    }

    /// `body` for `index[axis]` in `start..end` (run-time bounds; nothing if empty).
    fn loop_over(
        &mut self,
        axis: usize,
        start: Value,
        end: Value,
        body: &mut dyn FnMut(&mut Self),
    ) {
        let var = self.index[axis];
        let body_block = self.b.create_block();
        let exit = self.b.create_block();
        self.b.def_var(var, start);
        let any = self.b.ins().icmp(IntCC::SignedLessThan, start, end);
        self.b.ins().brif(any, body_block, &[], exit, &[]);
        self.b.switch_to_block(body_block);
        body(self);
        let i = self.b.use_var(var);
        let next = self.b.ins().iadd_imm_s(i, 1);
        self.b.def_var(var, next);
        let more = self.b.ins().icmp(IntCC::SignedLessThan, next, end);
        self.b.ins().brif(more, body_block, &[], exit, &[]);
        self.b.seal_block(body_block);
        self.b.switch_to_block(exit);
        self.b.seal_block(exit);
        let zero = self.b.ins().iconst(types::I64, 0);
        self.b.def_var(var, zero);
    }

    /// Runs `body` for every point of `axes` (nested loops, the last axis innermost).
    fn for_each(&mut self, axes: &[usize], body: &mut dyn FnMut(&mut Self)) {
        let Some((&axis, rest)) = axes.split_first() else {
            body(self);
            return;
        };
        let n = self.k.space[axis] as i64;
        if n == 0 {
            return;
        }
        let var = self.index[axis];
        let zero = self.b.ins().iconst(types::I64, 0);
        self.b.def_var(var, zero);
        let body_block = self.b.create_block();
        let exit = self.b.create_block();
        self.b.ins().jump(body_block, &[]);
        self.b.switch_to_block(body_block);
        self.for_each(rest, body);
        let i = self.b.use_var(var);
        let next = self.b.ins().iadd_imm_s(i, 1);
        self.b.def_var(var, next);
        let more = self.b.ins().icmp_imm_s(IntCC::SignedLessThan, next, n);
        self.b.ins().brif(more, body_block, &[], exit, &[]);
        self.b.seal_block(body_block);
        self.b.switch_to_block(exit);
        self.b.seal_block(exit);
        // Leave the index at 0, so that code after the loop that (by the verifier's rules)
        // does not depend on it never sees a stale value.
        let zero = self.b.ins().iconst(types::I64, 0);
        self.b.def_var(var, zero);
    }

    fn phase(&mut self, p: usize) {
        let inner = self.k.inner.clone();
        match self.k.phases[p].clone() {
            Phase::Reduce { op, value } => {
                let dtype = self.k.dtypes[value.0 as usize];
                // Single precision accumulates in double, as the interpreter does.
                let acc_dtype = match (op, dtype) {
                    (ReduceOp::Sum | ReduceOp::Prod, DType::F32) => DType::F64,
                    _ => dtype,
                };
                let acc_ty = clif_type(acc_dtype).expect("checked");
                let acc = self.b.declare_var(acc_ty);
                let init = self.identity(op, acc_dtype);
                self.b.def_var(acc, init);
                self.for_each(&inner, &mut |e| {
                    let mut cache = HashMap::new();
                    let mut v = e.value(value, &mut cache);
                    if acc_dtype != dtype {
                        v = e.b.ins().fpromote(types::F64, v);
                    }
                    let a = e.b.use_var(acc);
                    let r = e.combine(op, acc_dtype, a, v);
                    e.b.def_var(acc, r);
                });
                let mut result = self.b.use_var(acc);
                if acc_dtype != dtype {
                    result = self.b.ins().fdemote(types::F32, result);
                }
                let out = self.b.declare_var(clif_type(dtype).expect("checked"));
                self.b.def_var(out, result);
                self.phase_vars[p] = Some(out);
            }
            Phase::Store { buf, value, over } => {
                let axes: Vec<usize> = match over {
                    Over::All => (0..self.k.space.len()).collect(),
                    Over::Outer => (0..self.k.space.len())
                        .filter(|a| !inner.contains(a))
                        .collect(),
                };
                let mut store = move |e: &mut Self| {
                    let mut cache = HashMap::new();
                    let v = e.value(value, &mut cache);
                    // The buffer is dense over `axes`, row-major.
                    let extents: Vec<usize> = axes.iter().map(|&a| e.k.space[a]).collect();
                    let strides = arrjit_runtime::strides_of(&extents);
                    let mut at = Affine::constant(0, e.k.space.len());
                    for (&a, &s) in axes.iter().zip(&strides) {
                        at.coef[a] = s as i64;
                    }
                    let addr = e.address(buf, &at, e.k.dtypes[value.0 as usize]);
                    e.b.ins().store(flags(), v, addr, 0);
                };
                match over {
                    Over::All => self.for_each(&inner, &mut store),
                    Over::Outer => store(self),
                }
            }
        }
    }

    fn identity(&mut self, op: ReduceOp, d: DType) -> Value {
        let ty = clif_type(d).expect("checked");
        match (op, d.is_float()) {
            (ReduceOp::Sum, true) => self.float_const(ty, 0.0),
            (ReduceOp::Prod, true) => self.float_const(ty, 1.0),
            (ReduceOp::Min, true) => self.float_const(ty, f64::INFINITY),
            (ReduceOp::Max, true) => self.float_const(ty, f64::NEG_INFINITY),
            (ReduceOp::Sum, false) => self.b.ins().iconst(ty, 0),
            (ReduceOp::Prod, false) => self.b.ins().iconst(ty, 1),
            (ReduceOp::Min, false) => match d {
                DType::Bool => self.b.ins().iconst(ty, 1),
                DType::I32 => self.b.ins().iconst(ty, i32::MAX as i64),
                _ => self.b.ins().iconst(ty, i64::MAX),
            },
            (ReduceOp::Max, false) => match d {
                DType::Bool => self.b.ins().iconst(ty, 0),
                DType::I32 => self.b.ins().iconst(ty, i32::MIN as i64),
                _ => self.b.ins().iconst(ty, i64::MIN),
            },
        }
    }

    fn combine(&mut self, op: ReduceOp, d: DType, a: Value, v: Value) -> Value {
        let ins = self.b.ins();
        match (op, d) {
            (ReduceOp::Sum, DType::F32 | DType::F64) => ins.fadd(a, v),
            (ReduceOp::Prod, DType::F32 | DType::F64) => ins.fmul(a, v),
            (ReduceOp::Sum, _) => ins.iadd(a, v),
            (ReduceOp::Prod, _) => ins.imul(a, v),
            (ReduceOp::Min, DType::F32 | DType::F64) => self.float_min_max(true, a, v),
            (ReduceOp::Max, DType::F32 | DType::F64) => self.float_min_max(false, a, v),
            (ReduceOp::Min, DType::Bool) => ins.umin(a, v),
            (ReduceOp::Max, DType::Bool) => ins.umax(a, v),
            (ReduceOp::Min, _) => ins.smin(a, v),
            (ReduceOp::Max, _) => ins.smax(a, v),
        }
    }

    /// NumPy's `minimum`/`maximum`: NaN if either is NaN, the first on ties.
    fn float_min_max(&mut self, min: bool, a: Value, b: Value) -> Value {
        let cc = if min {
            FloatCC::LessThanOrEqual
        } else {
            FloatCC::GreaterThanOrEqual
        };
        let ins = self.b.ins();
        let keep = ins.fcmp(cc, a, b);
        let a_nan = self.b.ins().fcmp(FloatCC::Unordered, a, a);
        let take_a = self.b.ins().bor(keep, a_nan);
        self.b.ins().select(take_a, a, b)
    }

    fn float_const(&mut self, ty: Type, x: f64) -> Value {
        if ty == types::F32 {
            self.b.ins().f32const(x as f32)
        } else {
            self.b.ins().f64const(x)
        }
    }

    /// `at` at the current point, as an i64.
    fn affine(&mut self, at: &Affine) -> Value {
        let mut acc = self.b.ins().iconst(types::I64, at.offset);
        for (axis, &c) in at.coef.iter().enumerate() {
            if c == 0 {
                continue;
            }
            let i = self.b.use_var(self.index[axis]);
            let term = if c == 1 {
                i
            } else {
                self.b.ins().imul_imm_s(i, c)
            };
            acc = self.b.ins().iadd(acc, term);
        }
        acc
    }

    /// The address of element `at` of buffer `buf`.
    fn address(&mut self, buf: BufId, at: &Affine, d: DType) -> Value {
        let base = self.bases[&buf];
        let i = self.affine(at);
        let bytes = self.b.ins().imul_imm_s(i, d.itemsize() as i64);
        self.b.ins().iadd(base, bytes)
    }

    /// A call to helper `name` (registered in the JIT) with the given argument and result
    /// types.
    fn call(&mut self, name: &str, args: &[Value], params: &[Type], ret: Type) -> Value {
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

    /// The value of expression `id` at the current point.
    fn value(&mut self, id: ExprId, cache: &mut HashMap<ExprId, Value>) -> Value {
        if let Some(&v) = cache.get(&id) {
            return v;
        }
        let d = self.k.dtypes[id.0 as usize];
        let ty = clif_type(d).expect("checked");
        let v = match self.k.exprs[id.0 as usize].clone() {
            Expr::Load { buf, at } => {
                let addr = self.address(buf, &at, d);
                self.b.ins().load(ty, flags(), addr, 0)
            }
            // Read from its slot, so that a new constant needs no new code.
            Expr::Param(p) => self.params[p as usize],
            Expr::Index(at) => self.affine(&at),
            Expr::Rand { seed, normal, at } => {
                let i = self.affine(&at);
                let s = self.b.ins().iconst(types::I64, seed as i64);
                let name = match (normal, d) {
                    (false, DType::F32) => "arr_rand_f32",
                    (true, DType::F32) => "arr_randn_f32",
                    (false, _) => "arr_rand_f64",
                    (true, _) => "arr_randn_f64",
                };
                self.call(name, &[s, i], &[types::I64, types::I64], ty)
            }
            Expr::Unary(op, x) => {
                let xd = self.k.dtypes[x.0 as usize];
                let xv = self.value(x, cache);
                self.unary(op, xd, xv, ty)
            }
            Expr::Binary(op, x, y) => {
                let xd = self.k.dtypes[x.0 as usize];
                let (xv, yv) = (self.value(x, cache), self.value(y, cache));
                self.binary(op, xd, xv, yv)
            }
            Expr::Where(c, x, y) => {
                let (cv, xv, yv) = (
                    self.value(c, cache),
                    self.value(x, cache),
                    self.value(y, cache),
                );
                self.b.ins().select(cv, xv, yv)
            }
            Expr::Cast(x) => {
                let xd = self.k.dtypes[x.0 as usize];
                let xv = self.value(x, cache);
                self.cast(xv, xd, d)
            }
            Expr::Phase(p) => {
                let var = self.phase_vars[p as usize].expect("reduce phases run first");
                self.b.use_var(var)
            }
        };
        cache.insert(id, v);
        v
    }

    fn unary(&mut self, op: UnaryOp, d: DType, x: Value, ty: Type) -> Value {
        let float = d.is_float();
        if let Some(name) = helpers::unary_name(op) {
            let suffix = if d == DType::F32 { "f32" } else { "f64" };
            let symbol = helper_symbol(name, suffix);
            return self.call(&symbol, &[x], &[ty], ty);
        }
        let ins = self.b.ins();
        match op {
            UnaryOp::Neg if float => ins.fneg(x),
            UnaryOp::Neg => ins.ineg(x),
            UnaryOp::Not => ins.bxor_imm_s(x, 1),
            UnaryOp::Abs if float => ins.fabs(x),
            UnaryOp::Abs => ins.iabs(x),
            UnaryOp::Sqrt => ins.sqrt(x),
            UnaryOp::Floor => ins.floor(x),
            UnaryOp::Ceil => ins.ceil(x),
            UnaryOp::Round => ins.nearest(x),
            UnaryOp::Trunc => ins.trunc(x),
            UnaryOp::IsNan => ins.fcmp(FloatCC::Unordered, x, x),
            UnaryOp::IsInf => {
                let a = ins.fabs(x);
                let inf = self.float_const(ty_of(d), f64::INFINITY);
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
                let one = ins.iconst(ty, 1);
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
                unreachable!("complex kernels are rejected by `check`")
            }
        }
    }

    /// A binary op on two values of dtype `d`.
    fn binary(&mut self, op: BinaryOp, d: DType, x: Value, y: Value) -> Value {
        let ty = ty_of(d);
        let float = d.is_float();
        let suffix = match d {
            DType::F32 => "f32",
            DType::F64 => "f64",
            DType::I32 => "i32",
            _ => "i64",
        };
        let ins = self.b.ins();
        match op {
            BinaryOp::Add if float => ins.fadd(x, y),
            BinaryOp::Sub if float => ins.fsub(x, y),
            BinaryOp::Mul if float => ins.fmul(x, y),
            BinaryOp::Add => ins.iadd(x, y),
            BinaryOp::Sub => ins.isub(x, y),
            BinaryOp::Mul => ins.imul(x, y),
            BinaryOp::Div => ins.fdiv(x, y),
            BinaryOp::Rem => self.call(&helper_symbol("rem", suffix), &[x, y], &[ty, ty], ty),
            BinaryOp::Pow => self.call(&helper_symbol("pow", suffix), &[x, y], &[ty, ty], ty),
            BinaryOp::Atan2 => self.call(&helper_symbol("atan2", suffix), &[x, y], &[ty, ty], ty),
            BinaryOp::Min if float => self.float_min_max(true, x, y),
            BinaryOp::Max if float => self.float_min_max(false, x, y),
            BinaryOp::Min if d == DType::Bool => ins.umin(x, y),
            BinaryOp::Max if d == DType::Bool => ins.umax(x, y),
            BinaryOp::Min => ins.smin(x, y),
            BinaryOp::Max => ins.smax(x, y),
            BinaryOp::And => ins.band(x, y),
            BinaryOp::Or => ins.bor(x, y),
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge
                if float =>
            {
                let cc = match op {
                    BinaryOp::Eq => FloatCC::Equal,
                    BinaryOp::Ne => FloatCC::NotEqual,
                    BinaryOp::Lt => FloatCC::LessThan,
                    BinaryOp::Le => FloatCC::LessThanOrEqual,
                    BinaryOp::Gt => FloatCC::GreaterThan,
                    _ => FloatCC::GreaterThanOrEqual,
                };
                ins.fcmp(cc, x, y)
            }
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge => {
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
                ins.icmp(cc, x, y)
            }
            BinaryOp::Complex => unreachable!("complex kernels are rejected by `check`"),
        }
    }

    /// NumPy's conversion from `from` to `to` (see `Data::cast`).
    fn cast(&mut self, x: Value, from: DType, to: DType) -> Value {
        if from == to {
            return x;
        }
        let tt = ty_of(to);
        let ins = self.b.ins();
        match (from, to) {
            (f, DType::Bool) if f.is_float() => {
                let zero = self.float_const(ty_of(f), 0.0);
                self.b.ins().fcmp(FloatCC::NotEqual, x, zero)
            }
            (_, DType::Bool) => ins.icmp_imm_s(IntCC::NotEqual, x, 0),
            (DType::Bool, t) if t.is_float() => {
                let wide = ins.uextend(types::I32, x);
                self.b.ins().fcvt_from_uint(tt, wide)
            }
            (DType::Bool, _) => ins.uextend(tt, x),
            (DType::I32, DType::I64) => ins.sextend(tt, x),
            (DType::I64, DType::I32) => ins.ireduce(tt, x),
            (DType::F32, DType::F64) => ins.fpromote(tt, x),
            (DType::F64, DType::F32) => ins.fdemote(tt, x),
            (f, t) if f.is_float() && t.is_int() => ins.fcvt_to_sint_sat(tt, x),
            (f, t) if f.is_int() && t.is_float() => ins.fcvt_from_sint(tt, x),
            (f, t) => unreachable!("cast from {f} to {t} in a checked kernel"),
        }
    }
}

fn ty_of(d: DType) -> Type {
    clif_type(d).expect("checked")
}

/// The helper registered as `arr_<name>_<suffix>`.
fn helper_symbol(name: &str, suffix: &str) -> String {
    format!("arr_{name}_{suffix}")
}

//! Kernel → CUDA C, a pure function of the kernel.
//!
//! Every kernel becomes `extern "C" __global__ void arr_kernel(bufs, params, sizes,
//! phase_vals, phase, partials)`, with the CPU backend's calling convention: `bufs` are the
//! buffer addresses, `params` the constants in 16-byte slots, `sizes` the run-time `i64` sizes
//! in `kernel::size_slots` order (so kernels of one structure share their code, as on the
//! CPU). The loop structure depends on the kernel's axes:
//! - no inner axes: a grid-stride loop over every point;
//! - inner and outer axes: a grid-stride loop of blocks over the outer points; each phase runs
//!   over the inner points with the block's threads, and a reduction combines the threads'
//!   values with `arr_block_reduce` (warp shuffles, then shared memory, in a fixed order);
//! - inner axes only (full reductions): one phase per launch (`phase`), like the CPU's
//!   `Entry::Phases`. Block `b` reduces a fixed share of the points and writes its partial
//!   result to `partials[b]` (16-byte slots); the host combines the partials in block order,
//!   so the result has the same bits on every run, and passes the results to later phases in
//!   `phase_vals`.
//!
//! Expressions are recomputed at each point where a phase needs them; the device functions
//! (`arr_add`, `arr_rem`, `arr_cast`, the Philox random numbers, …) live in
//! `runtime/cuda/prelude.cuh` with the interpreter's semantics. Complex kernels are not
//! rendered yet.

use crate::ir::{BinaryOp, ReduceOp, UnaryOp};
use crate::kernel::{Affine, Expr, ExprId, Kernel, Over, Phase, SizeSlot, size_slots};
use arrjit_runtime::DType;
use std::collections::HashMap;
use std::fmt::Write;

/// The device functions every kernel's source starts with.
pub const PRELUDE: &str = include_str!("../../../runtime/cuda/prelude.cuh");

/// The whole source NVRTC compiles for `k`: the prelude, then the kernel.
pub fn render_source(k: &Kernel) -> Result<String, String> {
    Ok(format!("{PRELUDE}\n{}", render_kernel(k)?))
}

/// The CUDA C of kernel `k` alone (without the prelude).
pub fn render_kernel(k: &Kernel) -> Result<String, String> {
    if let Some(d) = k
        .dtypes
        .iter()
        .chain(k.params.iter().map(|p| &p.1))
        .find(|d| d.is_complex())
    {
        return Err(format!(
            "kernels with {d} values are not rendered to CUDA yet"
        ));
    }
    let r = Renderer {
        k,
        slots: size_slots(k)
            .into_iter()
            .enumerate()
            .map(|(i, s)| (s, i))
            .collect(),
    };
    Ok(r.kernel())
}

/// The C type of a dtype's elements.
fn c_type(d: DType) -> &'static str {
    match d {
        DType::Bool => "bool",
        DType::I32 => "int",
        DType::I64 => "i64",
        DType::F32 => "float",
        DType::F64 => "double",
        DType::C64 | DType::C128 => unreachable!("complex kernels are refused first"),
    }
}

/// The dtype a reduction accumulates in (as on the CPU: f32 sums and products in f64; bools,
/// which shuffles do not move, as int).
fn acc_dtype(op: ReduceOp, d: DType) -> DType {
    match (op, d) {
        (ReduceOp::Sum | ReduceOp::Prod, DType::F32) => DType::F64,
        (_, DType::Bool) => DType::I32,
        _ => d,
    }
}

/// The identity of a reduction in the accumulator's dtype, as C text.
fn identity(op: ReduceOp, acc: DType) -> String {
    let float = acc.is_float();
    match op {
        // -0 so that a sum of -0s is -0, as the interpreter's; the empty sum is fixed to +0.
        ReduceOp::Sum if float => "-0.0".into(),
        ReduceOp::Sum => "0".into(),
        ReduceOp::Prod => "1".into(),
        ReduceOp::Min if acc == DType::F32 => "ARR_INF_F32".into(),
        ReduceOp::Max if acc == DType::F32 => "-ARR_INF_F32".into(),
        ReduceOp::Min if float => "ARR_INF_F64".into(),
        ReduceOp::Max if float => "-ARR_INF_F64".into(),
        ReduceOp::Min => match acc {
            DType::I64 => "9223372036854775807LL".into(),
            _ => "2147483647".into(),
        },
        ReduceOp::Max => match acc {
            DType::I64 => "(-9223372036854775807LL - 1)".into(),
            _ => "(-2147483647 - 1)".into(),
        },
    }
}

fn reduce_struct(op: ReduceOp) -> &'static str {
    match op {
        ReduceOp::Sum => "ArrSum",
        ReduceOp::Prod => "ArrProd",
        ReduceOp::Min => "ArrMinOp",
        ReduceOp::Max => "ArrMaxOp",
    }
}

fn combine_fn(op: ReduceOp) -> &'static str {
    match op {
        ReduceOp::Sum => "arr_add",
        ReduceOp::Prod => "arr_mul",
        ReduceOp::Min => "arr_min",
        ReduceOp::Max => "arr_max",
    }
}

fn unary_fn(op: UnaryOp) -> &'static str {
    use UnaryOp as U;
    match op {
        U::Neg => "arr_neg",
        U::Not => "arr_not",
        U::Abs => "arr_abs",
        U::Sqrt => "arr_sqrt",
        U::Exp => "arr_exp",
        U::Exp2 => "arr_exp2",
        U::Expm1 => "arr_expm1",
        U::Log => "arr_log",
        U::Log2 => "arr_log2",
        U::Log10 => "arr_log10",
        U::Log1p => "arr_log1p",
        U::Sin => "arr_sin",
        U::Cos => "arr_cos",
        U::Tan => "arr_tan",
        U::Asin => "arr_asin",
        U::Acos => "arr_acos",
        U::Atan => "arr_atan",
        U::Sinh => "arr_sinh",
        U::Cosh => "arr_cosh",
        U::Tanh => "arr_tanh",
        U::Floor => "arr_floor",
        U::Ceil => "arr_ceil",
        U::Round => "arr_round",
        U::Trunc => "arr_trunc",
        U::Sign => "arr_sign",
        U::IsNan => "arr_isnan",
        U::IsInf => "arr_isinf",
        U::Real | U::Imag | U::Conj | U::Angle => unreachable!("complex kernels are refused"),
    }
}

/// A binary op as C text of its operands.
fn binary_text(op: BinaryOp, a: &str, b: &str) -> String {
    use BinaryOp as B;
    let call = |f: &str| format!("{f}({a}, {b})");
    match op {
        B::Add => call("arr_add"),
        B::Sub => call("arr_sub"),
        B::Mul => call("arr_mul"),
        B::Div => call("arr_div"),
        B::Pow => call("arr_pow"),
        B::Rem => call("arr_rem"),
        B::Min => call("arr_min"),
        B::Max => call("arr_max"),
        B::Atan2 => call("arr_atan2"),
        B::And => call("arr_and"),
        B::Or => call("arr_or"),
        B::Eq => format!("({a} == {b})"),
        B::Ne => format!("({a} != {b})"),
        B::Lt => format!("({a} < {b})"),
        B::Le => format!("({a} <= {b})"),
        B::Gt => format!("({a} > {b})"),
        B::Ge => format!("({a} >= {b})"),
        B::Complex => unreachable!("complex kernels are refused"),
    }
}

struct Renderer<'k> {
    k: &'k Kernel,
    /// The index of each run-time size slot in `sizes`.
    slots: HashMap<SizeSlot, usize>,
}

impl Renderer<'_> {
    fn extent(&self, axis: usize) -> String {
        format!("sizes[{}]", self.slots[&SizeSlot::Extent(axis)])
    }

    /// An index map as C text over the index variables `i0, i1, …`.
    fn affine(&self, id: ExprId, at: &Affine) -> String {
        let mut terms = Vec::new();
        if at.offset != 0 {
            terms.push(format!("sizes[{}]", self.slots[&SizeSlot::Offset(id)]));
        }
        for (axis, &c) in at.coef.iter().enumerate() {
            match c {
                0 => {}
                1 => terms.push(format!("i{axis}")),
                _ => terms.push(format!(
                    "sizes[{}] * i{axis}",
                    self.slots[&SizeSlot::Coef(id, axis)]
                )),
            }
        }
        if terms.is_empty() {
            "0".into()
        } else {
            terms.join(" + ")
        }
    }

    /// The expressions `roots` need, in order, as `const T vN = …;` lines. `phase_value(p)`
    /// is the C text of the result of phase `p`.
    fn exprs(&self, roots: &[ExprId], indent: &str, phase_value: &dyn Fn(u32) -> String) -> String {
        let k = self.k;
        let mut needed = vec![false; k.exprs.len()];
        for r in roots {
            needed[r.0 as usize] = true;
        }
        for i in (0..k.exprs.len()).rev() {
            if !needed[i] {
                continue;
            }
            let mut mark = |x: &ExprId| needed[x.0 as usize] = true;
            match &k.exprs[i] {
                Expr::Unary(_, x) | Expr::Cast(x) => mark(x),
                Expr::Binary(_, x, y) => {
                    mark(x);
                    mark(y);
                }
                Expr::Where(c, x, y) => {
                    mark(c);
                    mark(x);
                    mark(y);
                }
                _ => {}
            }
        }
        let mut out = String::new();
        for (i, e) in k.exprs.iter().enumerate() {
            if !needed[i] {
                continue;
            }
            let id = ExprId(i as u32);
            let d = k.dtypes[i];
            let t = c_type(d);
            let v = |x: &ExprId| format!("v{}", x.0);
            let value = match e {
                Expr::Load { buf, at } => {
                    format!("((const {t}*)bufs[{}])[{}]", buf.0, self.affine(id, at))
                }
                Expr::Param(p) => format!("*(const {t}*)(params + {})", 16 * p),
                Expr::Index(at) => format!("(i64)({})", self.affine(id, at)),
                Expr::Rand { normal, at, .. } => {
                    let kind = if *normal { "normal" } else { "uniform" };
                    let suffix = if d == DType::F32 { "f32" } else { "f64" };
                    format!(
                        "arr_{kind}_{suffix}((u64)sizes[{}], (u64)({}))",
                        self.slots[&SizeSlot::Seed(id)],
                        self.affine(id, at)
                    )
                }
                Expr::Unary(op, x) => format!("{}({})", unary_fn(*op), v(x)),
                Expr::Binary(op, x, y) => binary_text(*op, &v(x), &v(y)),
                Expr::Where(c, x, y) => format!("({} ? {} : {})", v(c), v(x), v(y)),
                Expr::Cast(x) => {
                    let from = c_type(k.dtypes[x.0 as usize]);
                    format!("arr_cast<{t}, {from}>({})", v(x))
                }
                Expr::Phase(p) => phase_value(*p),
            };
            let _ = writeln!(out, "{indent}const {t} v{i} = {value};");
        }
        out
    }

    /// Sets `i{axis}` for each of `axes` from the flat (row-major) index `flat`.
    fn unflatten(&self, axes: &[usize], flat: &str, indent: &str) -> String {
        let mut out = format!("{indent}i64 rest = {flat};\n");
        for (n, &a) in axes.iter().enumerate().rev() {
            if n == 0 {
                let _ = writeln!(out, "{indent}const i64 i{a} = rest;");
            } else {
                let e = self.extent(a);
                let _ = writeln!(out, "{indent}const i64 i{a} = rest % {e};");
                let _ = writeln!(out, "{indent}rest /= {e};");
            }
        }
        out
    }

    /// The product of the extents of `axes`, as C text.
    fn count(&self, axes: &[usize]) -> String {
        if axes.is_empty() {
            return "(i64)1".into();
        }
        axes.iter()
            .map(|&a| self.extent(a))
            .collect::<Vec<_>>()
            .join(" * ")
    }

    /// A store of phase `p`'s value at the current indices.
    fn store(&self, p: usize, indent: &str) -> String {
        let Phase::Store { buf, value, over } = self.k.phases[p] else {
            unreachable!("store phases")
        };
        let k = self.k;
        let axes: Vec<usize> = (0..k.space.len())
            .filter(|a| over == Over::All || !k.inner.contains(a))
            .collect();
        // Row-major position over the axes the buffer has.
        let mut pos = String::from("0");
        for &a in &axes {
            pos = format!("({pos}) * {} + i{a}", self.extent(a));
        }
        let t = c_type(k.dtypes[value.0 as usize]);
        format!("{indent}(({t}*)bufs[{}])[{pos}] = v{};\n", buf.0, value.0)
    }

    fn kernel(&self) -> String {
        let k = self.k;
        let mut out = String::from(
            "extern \"C\" __global__ void arr_kernel(unsigned char* const* bufs, \
             const unsigned char* params, const i64* sizes, const unsigned char* phase_vals, \
             i64 phase, unsigned char* partials) {\n",
        );
        let all: Vec<usize> = (0..k.space.len()).collect();
        let outer: Vec<usize> = all
            .iter()
            .copied()
            .filter(|a| !k.inner.contains(a))
            .collect();
        let inner = k.inner.clone();
        if inner.is_empty() {
            out += &self.pointwise(&all);
        } else if outer.is_empty() {
            out += &self.phases_per_launch(&inner);
        } else {
            out += &self.block_per_outer_point(&outer, &inner);
        }
        out += "}\n";
        out
    }

    /// No inner axes: every store phase at every point, in a grid-stride loop.
    fn pointwise(&self, all: &[usize]) -> String {
        let k = self.k;
        let roots: Vec<ExprId> = k
            .phases
            .iter()
            .map(|p| match p {
                Phase::Store { value, .. } => *value,
                Phase::Reduce { .. } => unreachable!("no inner axes, no reductions"),
            })
            .collect();
        let mut out = format!(
            "    const i64 total = {};\n    for (i64 flat = (i64)blockIdx.x * blockDim.x + threadIdx.x; \
             flat < total; flat += (i64)gridDim.x * blockDim.x) {{\n",
            self.count(all)
        );
        out += &self.unflatten(all, "flat", "        ");
        out += &self.exprs(&roots, "        ", &|_| unreachable!("no phases to read"));
        for p in 0..k.phases.len() {
            out += &self.store(p, "        ");
        }
        out += "    }\n";
        out
    }

    /// `header` (a `for` over the flat inner index `t`, without its brace), a body computing
    /// `value` at inner point `t`, then `tail` (the line that uses `v{value}`).
    fn over_inner(
        &self,
        header: &str,
        inner: &[usize],
        value: ExprId,
        phase_value: &dyn Fn(u32) -> String,
        tail: &str,
    ) -> String {
        let mut out = format!("        {header} {{\n");
        out += &self.unflatten(inner, "t", "            ");
        out += &self.exprs(&[value], "            ", phase_value);
        out += tail;
        out += "        }\n";
        out
    }

    /// Store phase `p` (once per outer point), by the thread `cond` picks, with the inner
    /// coordinates 0.
    fn store_once(
        &self,
        cond: &str,
        inner: &[usize],
        p: usize,
        value: ExprId,
        phase_value: &dyn Fn(u32) -> String,
    ) -> String {
        let mut out = format!("        if ({cond}) {{\n");
        for &a in inner {
            let _ = writeln!(out, "            const i64 i{a} = 0;");
            let _ = writeln!(out, "            (void)i{a};");
        }
        out += &self.exprs(&[value], "            ", phase_value);
        out += &self.store(p, "            ");
        out += "        }\n";
        out
    }

    /// The line that folds `v{value}` into the accumulator `acc` of dtype `at`.
    fn fold_line(op: ReduceOp, acc: &str, at: &str, value: ExprId) -> String {
        format!(
            "            {acc} = {}({acc}, ({at})v{});\n",
            combine_fn(op),
            value.0
        )
    }

    /// The block-wide combination of each thread's `acc` into `red`.
    fn block_reduce_line(op: ReduceOp, acc: &str, red: &str, at: &str) -> String {
        format!(
            "        {at} {red} = arr_block_reduce<{at}, {}<{at}> >({acc}, ({at}*)arr_shared);\n",
            reduce_struct(op)
        )
    }

    /// Inner and outer axes: blocks over the outer points, threads over the inner ones.
    fn block_per_outer_point(&self, outer: &[usize], inner: &[usize]) -> String {
        let k = self.k;
        let phase_var = |q: u32| format!("p{q}");
        let threads = format!(
            "for (i64 t = threadIdx.x; t < {}; t += blockDim.x)",
            self.count(inner)
        );
        let mut out = String::from("    __shared__ double arr_shared[32];\n");
        let _ = writeln!(
            out,
            "    for (i64 o = blockIdx.x; o < {}; o += gridDim.x) {{",
            self.count(outer)
        );
        out += &self.unflatten(outer, "o", "        ");
        for (p, phase) in k.phases.iter().enumerate() {
            match *phase {
                Phase::Reduce { op, value } => {
                    let d = k.dtypes[value.0 as usize];
                    let acc = acc_dtype(op, d);
                    let (t, at) = (c_type(d), c_type(acc));
                    let (acc_var, red) = (format!("acc{p}"), format!("red{p}"));
                    let _ = writeln!(out, "        {at} {acc_var} = {};", identity(op, acc));
                    let fold = Self::fold_line(op, &acc_var, at, value);
                    out += &self.over_inner(&threads, inner, value, &phase_var, &fold);
                    out += &Self::block_reduce_line(op, &acc_var, &red, at);
                    if op == ReduceOp::Sum && acc.is_float() {
                        // The sum of no points is +0, not the -0 it starts from.
                        let _ =
                            writeln!(out, "        if ({} == 0) {red} = 0.0;", self.count(inner));
                    }
                    let _ = writeln!(out, "        const {t} p{p} = ({t}){red};");
                }
                Phase::Store {
                    over: Over::All,
                    value,
                    ..
                } => {
                    let store = self.store(p, "            ");
                    out += &self.over_inner(&threads, inner, value, &phase_var, &store);
                }
                Phase::Store {
                    over: Over::Outer,
                    value,
                    ..
                } => out += &self.store_once("threadIdx.x == 0", inner, p, value, &phase_var),
            }
        }
        out += "    }\n";
        out
    }

    /// Inner axes only: phase `phase` per launch; reductions write one partial per block.
    fn phases_per_launch(&self, inner: &[usize]) -> String {
        let k = self.k;
        let mut out = String::from("    __shared__ double arr_shared[32];\n");
        let _ = writeln!(out, "    const i64 total = {};", self.count(inner));
        // Phase results, written by the host in the reduced values' dtype.
        let read_phase = |q: u32| {
            let Phase::Reduce { value, .. } = k.phases[q as usize] else {
                unreachable!("phase values come from reductions")
            };
            let t = c_type(k.dtypes[value.0 as usize]);
            format!("*(const {t}*)(phase_vals + {})", 16 * q)
        };
        for (p, phase) in k.phases.iter().enumerate() {
            let _ = writeln!(out, "    if (phase == {p}) {{");
            match *phase {
                Phase::Reduce { op, value } => {
                    let at = c_type(acc_dtype(op, k.dtypes[value.0 as usize]));
                    // Block b reduces points [b * share, (b + 1) * share).
                    out += "        const i64 share = (total + gridDim.x - 1) / gridDim.x;\n";
                    out += "        const i64 begin = (i64)blockIdx.x * share;\n";
                    out +=
                        "        const i64 end = begin + share < total ? begin + share : total;\n";
                    let identity = identity(op, acc_dtype(op, k.dtypes[value.0 as usize]));
                    let _ = writeln!(out, "        {at} acc = {identity};");
                    let header = "for (i64 t = begin + threadIdx.x; t < end; t += blockDim.x)";
                    let fold = Self::fold_line(op, "acc", at, value);
                    out += &self.over_inner(header, inner, value, &read_phase, &fold);
                    out += &Self::block_reduce_line(op, "acc", "red", at);
                    let _ = writeln!(
                        out,
                        "        if (threadIdx.x == 0) *({at}*)(partials + 16 * (i64)blockIdx.x) = red;"
                    );
                }
                Phase::Store {
                    over: Over::All,
                    value,
                    ..
                } => {
                    let header = "for (i64 t = (i64)blockIdx.x * blockDim.x + threadIdx.x; \
                                  t < total; t += (i64)gridDim.x * blockDim.x)";
                    let store = self.store(p, "            ");
                    out += &self.over_inner(header, inner, value, &read_phase, &store);
                }
                Phase::Store {
                    over: Over::Outer,
                    value,
                    ..
                } => {
                    let cond = "blockIdx.x == 0 && threadIdx.x == 0";
                    out += &self.store_once(cond, inner, p, value, &read_phase);
                }
            }
            out += "    }\n";
        }
        out
    }
}

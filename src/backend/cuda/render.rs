//! Kernel → CUDA C, a pure function of the kernel.
//!
//! Every kernel becomes `extern "C" __global__ void arr_kernel(const ArrArgs args)`, its
//! arguments passed by value (so a launch copies nothing to the device first) in a struct
//! whose layout `kernel_args` writes on the host: `bufs`, the addresses of the buffers the
//! kernel uses in `buffers` order (numbered locally, so the text does not depend on where the
//! kernel sits in its schedule); `sizes`, the run-time `i64` sizes in `kernel::size_slots`
//! order (so kernels of one structure share their code, as on the CPU); `params`, the
//! constants in 16-byte slots; and, for kernels with phases, `phase`, `partials` and
//! `phase_vals`. The loop structure depends on the kernel's axes:
//! - no inner axes: a grid-stride loop over chunks of `UNROLL` points per thread, loads
//!   first (the last, partial chunk too, so a thread waits for memory once whatever the
//!   array's length);
//! - inner and outer axes: a grid-stride loop of blocks over the outer points; each phase runs
//!   over the inner points with the block's threads, and a reduction combines the threads'
//!   values with `arr_block_reduce` (warp shuffles, then shared memory, in a fixed order);
//! - inner axes only (full reductions): one phase per launch (`phase`), like the CPU's
//!   `Entry::Phases`. Block `b` reduces a fixed share of the points and writes its partial
//!   result to `partials[b]` (16-byte slots); then `arr_combine`, one block launched with
//!   the number of partials, combines them in a fixed order and writes the phase's result to
//!   `phase_vals[phase]` in device memory, where later phases read it. The host picks grid
//!   sizes from the kernel's sizes alone, so a result has the same bits on every run, and
//!   nothing waits for the host between phases.
//!
//! Expressions are recomputed at each point where a phase needs them; the device functions
//! (`arr_add`, `arr_rem`, `arr_cast`, the Philox random numbers, …) live in
//! `runtime/cuda/prelude.cuh` with the interpreter's semantics. Complex numbers are structs
//! of two parts (`ArrC64`, `ArrC128`); the prelude has their arithmetic (`+ - *`), `abs`,
//! `angle`, parts, comparisons, casts, sums and products. A kernel with another complex
//! operation (`/`, `**`, the transcendental functions) is refused, and runs on the host.

use crate::ir::{BinaryOp, ReduceOp, UnaryOp};
use crate::kernel::{Affine, BufId, Expr, ExprId, Kernel, Over, Phase, SizeSlot, size_slots};
use arrjit_runtime::DType;
use std::collections::HashMap;
use std::fmt::Write;

/// The device functions every kernel's source starts with.
pub const PRELUDE: &str = include_str!("../../../runtime/cuda/prelude.cuh");

/// Threads per block of every launch but the per-outer-point ones (`block_size`).
pub const BLOCK: u32 = 256;

/// Points per thread in a whole chunk of an element-wise kernel (written into its source).
pub const UNROLL: usize = 4;

/// The most blocks a phase of a full reduction is split into: a constant, not a property
/// of the device, so that the partial results, and their sum, are the same on every GPU.
pub const MAX_REDUCE_BLOCKS: u32 = 1024;

/// The whole source NVRTC compiles for `k`: the prelude, then the kernel.
pub fn render_source(k: &Kernel) -> Result<String, String> {
    Ok(format!("{PRELUDE}\n{}", render_kernel(k)?))
}

/// The CUDA C of kernel `k` alone (without the prelude). Kernels with a complex operation
/// the prelude does not have yet are refused (they run on the host).
pub fn render_kernel(k: &Kernel) -> Result<String, String> {
    for (e, &d) in k.exprs.iter().zip(&k.dtypes) {
        let operand = |x: &ExprId| k.dtypes[x.0 as usize];
        let refused = match e {
            Expr::Unary(op, x) if operand(x).is_complex() => (!matches!(
                op,
                UnaryOp::Neg
                    | UnaryOp::Conj
                    | UnaryOp::Real
                    | UnaryOp::Imag
                    | UnaryOp::Abs
                    | UnaryOp::Angle
                    | UnaryOp::IsNan
                    | UnaryOp::IsInf
            ))
            .then_some(op.name()),
            Expr::Binary(op, x, _) if operand(x).is_complex() => (!matches!(
                op,
                BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Eq | BinaryOp::Ne
            ))
            .then_some(op.name()),
            Expr::Rand { .. } if d.is_complex() => Some("rand"),
            _ => None,
        };
        if let Some(name) = refused {
            return Err(format!(
                "`{name}` of complex numbers is not rendered to CUDA yet"
            ));
        }
    }
    let r = Renderer {
        k,
        slots: size_slots(k)
            .into_iter()
            .enumerate()
            .map(|(i, s)| (s, i))
            .collect(),
        bufs: k
            .buffers()
            .into_iter()
            .enumerate()
            .map(|(i, b)| (b, i))
            .collect(),
    };
    Ok(r.kernel())
}

/// Whether `k` runs one phase per launch (inner axes only), with `arr_combine` after each
/// reduction.
pub fn has_phases(k: &Kernel) -> bool {
    !k.inner.is_empty() && k.inner.len() == k.space.len()
}

/// `k`'s `ArrArgs`, laid out as `args_struct` declares it: 8-byte fields and 16-byte slots,
/// so there is no padding, and the struct is a run of 8-byte words.
pub struct Args<'a> {
    /// Device addresses of the buffers, in `Kernel::buffers` order.
    pub bufs: &'a [u64],
    pub partials: u64,
    pub phase_vals: u64,
    pub phase: i64,
    /// `run_time_sizes(k)`.
    pub sizes: &'a [i64],
    /// One 16-byte slot per parameter of `k` (`cpu::run::slot`).
    pub params: &'a [[u8; 16]],
}

impl Args<'_> {
    pub fn words(&self) -> Vec<u64> {
        // Arrays of the struct have at least one element (C has no empty arrays).
        let at_least_one = |mut v: Vec<u64>, words: usize| {
            if v.is_empty() {
                v.resize(words, 0);
            }
            v
        };
        let mut out = at_least_one(self.bufs.to_vec(), 1);
        out.extend([self.partials, self.phase_vals, self.phase as u64]);
        out.extend(at_least_one(
            self.sizes.iter().map(|&s| s as u64).collect(),
            1,
        ));
        let slots = self.params.iter().flat_map(|p| {
            let word = |at: usize| u64::from_ne_bytes(p[at..at + 8].try_into().expect("8 bytes"));
            [word(0), word(8)]
        });
        out.extend(at_least_one(slots.collect(), 2));
        out
    }
}

/// The member of an `ArrSlot` (prelude) that holds a value of dtype `d`.
fn slot_field(d: DType) -> &'static str {
    match d {
        DType::Bool => "b",
        DType::I32 => "i",
        DType::I64 => "l",
        DType::F32 => "f",
        DType::F64 => "d",
        DType::C64 => "c64",
        DType::C128 => "c128",
    }
}

/// The C type of a dtype's elements.
pub(crate) fn c_type(d: DType) -> &'static str {
    match d {
        DType::Bool => "bool",
        DType::I32 => "int",
        DType::I64 => "i64",
        DType::F32 => "float",
        DType::F64 => "double",
        DType::C64 => "ArrC64",
        DType::C128 => "ArrC128",
    }
}

/// The dtype a reduction accumulates in (as on the CPU: f32 sums and products in f64, c64
/// ones in c128; bools, which shuffles do not move, as int).
fn acc_dtype(op: ReduceOp, d: DType) -> DType {
    match (op, d) {
        (ReduceOp::Sum | ReduceOp::Prod, DType::F32) => DType::F64,
        (ReduceOp::Sum | ReduceOp::Prod, DType::C64) => DType::C128,
        (_, DType::Bool) => DType::I32,
        _ => d,
    }
}

/// The identity of a reduction in the accumulator's dtype, as C text.
fn identity(op: ReduceOp, acc: DType) -> String {
    let float = acc.is_float();
    if acc.is_complex() {
        return match op {
            ReduceOp::Sum => "arr_complex(-0.0, -0.0)".into(),
            _ => "arr_complex(1.0, 0.0)".into(),
        };
    }
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

/// +0 in float or complex dtype `d`, as C text.
fn plus_zero(d: DType) -> &'static str {
    if d.is_complex() {
        "arr_complex(0.0, 0.0)"
    } else {
        "0.0"
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
        U::Real => "arr_real",
        U::Imag => "arr_imag",
        U::Conj => "arr_conj",
        U::Angle => "arr_angle",
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
        B::Complex => call("arr_complex"),
    }
}

/// `x` of dtype `from` as a value of dtype `to`: a C cast, or `arr_cast` for complex numbers.
fn convert(x: &str, from: DType, to: DType) -> String {
    if from.is_complex() || to.is_complex() {
        format!("arr_cast<{}, {}>({x})", c_type(to), c_type(from))
    } else {
        format!("({}){x}", c_type(to))
    }
}

/// The points `start`, `start + step`, … below `end` (C expressions).
struct StridedRange<'a> {
    start: &'a str,
    end: &'a str,
    step: &'a str,
}

/// `text` with `from` at the start of each line replaced by `to`.
fn reindent(text: &str, from: &str, to: &str) -> String {
    text.lines()
        .map(|line| match line.strip_prefix(from) {
            Some(rest) => format!("{to}{rest}\n"),
            None => format!("{line}\n"),
        })
        .collect()
}

/// Where `Renderer::exprs` takes loaded values from.
#[derive(Clone, Copy)]
enum Loads {
    /// Loaded where they are used.
    Inline,
    /// From the arrays `hoisted_loads` filled, at point `u` of a chunk.
    Hoisted,
}

/// A thread's point `u` of an unrolled loop: variable `var` is `base` plus an offset, which is
/// `offset` (C text of an `i64`), or `offset_int` (an `int`) in a partial round, where the
/// offsets below `left` (an `int`) are in range.
struct Point<'a> {
    var: &'a str,
    base: &'a str,
    offset: String,
    offset_int: String,
    left: String,
}

impl Point<'_> {
    /// The first lines of a round of `UNROLL` points (`partial`: some of them out of range),
    /// then the declarations `decls`, each at `indent`; and what the loads, then the later
    /// loops, do with the points out of range.
    fn round(&self, partial: bool, decls: &str, indent: &str) -> (String, Past, Past) {
        let mut out = String::new();
        if partial {
            let _ = writeln!(out, "{indent}const int left = {};", self.left);
        }
        for line in decls.lines() {
            let _ = writeln!(out, "{indent}{line}");
        }
        match partial {
            true => (out, Past::Clamp, Past::Skip),
            false => (out, Past::None, Past::None),
        }
    }
}

/// What an unrolled loop does with its points at or past the end.
#[derive(Clone, Copy)]
enum Past {
    /// There are none: a whole chunk.
    None,
    /// They stand for the last point in range: their loads and values are that point's,
    /// which keeps the code free of branches (and every address in bounds).
    Clamp,
    /// They are skipped.
    Skip,
}

struct Renderer<'k> {
    k: &'k Kernel,
    /// The index of each run-time size slot in `args.sizes`.
    slots: HashMap<SizeSlot, usize>,
    /// The index of each buffer in `args.bufs`.
    bufs: HashMap<BufId, usize>,
}

impl Renderer<'_> {
    fn size(&self, slot: SizeSlot) -> String {
        format!("args.sizes[{}]", self.slots[&slot])
    }

    fn extent(&self, axis: usize) -> String {
        self.size(SizeSlot::Extent(axis))
    }

    /// Buffer `b`'s elements, as a pointer to `const T` (`mutable`: to `T`).
    fn buf(&self, b: BufId, t: &str, mutable: bool) -> String {
        let c = if mutable { "" } else { "const " };
        format!("(({c}{t}*)args.bufs[{}])", self.bufs[&b])
    }

    /// An index map as C text over the index variables `i0, i1, …`.
    fn affine(&self, id: ExprId, at: &Affine) -> String {
        let mut terms = Vec::new();
        if at.offset != 0 {
            terms.push(self.size(SizeSlot::Offset(id)));
        }
        for (axis, &c) in at.coef.iter().enumerate() {
            match c {
                0 => {}
                1 => terms.push(format!("i{axis}")),
                _ => terms.push(format!("{} * i{axis}", self.size(SizeSlot::Coef(id, axis)))),
            }
        }
        if terms.is_empty() {
            "0".into()
        } else {
            terms.join(" + ")
        }
    }

    /// Whether computing `roots` reads the indices other than through loads (`index`,
    /// `rand`): with hoisted loads, whether the compute loop needs them.
    fn reads_indices(&self, roots: &[ExprId]) -> bool {
        let needed = self.k.needed(roots.iter().copied());
        self.k
            .exprs
            .iter()
            .enumerate()
            .any(|(i, e)| needed[i] && matches!(e, Expr::Index(_) | Expr::Rand { .. }))
    }

    /// A load of expression `id` (an `Expr::Load`) at the current indices, as C text.
    fn load(&self, id: ExprId) -> String {
        let Expr::Load { buf, at } = &self.k.exprs[id.0 as usize] else {
            unreachable!("loads")
        };
        let t = c_type(self.k.dtypes[id.0 as usize]);
        format!("{}[{}]", self.buf(*buf, t, false), self.affine(id, at))
    }

    /// The loads `roots` need, as `lN[u] = …;` lines into arrays of `UNROLL` values that
    /// `exprs` then reads (`Loads::Hoisted`). Load addresses depend on the indices alone,
    /// never on values, so a thread can issue every load of its points before computing.
    fn hoisted_loads(&self, roots: &[ExprId], indent: &str) -> (String, String) {
        let needed = self.k.needed(roots.iter().copied());
        let (mut decls, mut loads) = (String::new(), String::new());
        for (i, e) in self.k.exprs.iter().enumerate() {
            if needed[i] && matches!(e, Expr::Load { .. }) {
                let t = c_type(self.k.dtypes[i]);
                let _ = writeln!(decls, "{t} l{i}[{UNROLL}];");
                let _ = writeln!(loads, "{indent}l{i}[u] = {};", self.load(ExprId(i as u32)));
            }
        }
        (decls, loads)
    }

    /// The expressions `roots` need, in order, as `const T vN = …;` lines. `phase_value(p)`
    /// is the C text of the result of phase `p`; `loads` says where loaded values come from.
    fn exprs(
        &self,
        roots: &[ExprId],
        indent: &str,
        phase_value: &dyn Fn(u32) -> String,
        loads: Loads,
    ) -> String {
        let k = self.k;
        let needed = self.k.needed(roots.iter().copied());
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
                Expr::Load { .. } => match loads {
                    Loads::Inline => self.load(id),
                    Loads::Hoisted => format!("l{i}[u]"),
                },
                Expr::Param(p) => format!("args.params[{p}].{}", slot_field(d)),
                Expr::Index(at) => format!("(i64)({})", self.affine(id, at)),
                Expr::Rand { normal, at, .. } => {
                    let kind = if *normal { "normal" } else { "uniform" };
                    let suffix = if d == DType::F32 { "f32" } else { "f64" };
                    format!(
                        "arr_{kind}_{suffix}((u64){}, (u64)({}))",
                        self.size(SizeSlot::Seed(id)),
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
        if axes.is_empty() {
            return format!("{indent}(void){flat};\n");
        }
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
        let Phase::Store { value, .. } = self.k.phases[p] else {
            unreachable!("store phases")
        };
        self.store_value(p, &format!("v{}", value.0), indent)
    }

    /// A store of `value` (C text) into phase `p`'s buffer at the current indices.
    fn store_value(&self, p: usize, value: &str, indent: &str) -> String {
        let Phase::Store {
            buf,
            value: v,
            over,
        } = self.k.phases[p]
        else {
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
        let t = c_type(k.dtypes[v.0 as usize]);
        format!("{indent}{}[{pos}] = {value};\n", self.buf(buf, t, true))
    }

    /// The `ArrArgs` struct of this kernel (see `Args::bytes` for the host side).
    fn args_struct(&self) -> String {
        let k = self.k;
        format!(
            "struct ArrArgs {{\n    unsigned char* bufs[{}];\n    unsigned char* partials;\n    \
             ArrSlot* phase_vals;\n    i64 phase;\n    i64 sizes[{}];\n    ArrSlot params[{}];\n}};\n",
            self.bufs.len().max(1),
            self.slots.len().max(1),
            k.params.len().max(1)
        )
    }

    fn kernel(&self) -> String {
        let k = self.k;
        let mut out = self.args_struct();
        out += "extern \"C\" __global__ void arr_kernel(const ArrArgs args) {\n";
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
        if has_phases(k) {
            out += &self.combine(&inner);
        }
        out
    }

    /// Opens an unrolled loop over a thread's `UNROLL` points (`u`), the loop at `indent` and
    /// its body one level in: point `u` is `point.var`, with the indices of `axes` if given,
    /// and those past the range are treated as `past` says. (A partial round works on `int`
    /// offsets: with 64-bit ones, `ptxas` gave the chain's kernel 6 registers more.)
    fn open_points(
        &self,
        out: &mut String,
        indent: &str,
        point: &Point,
        past: Past,
        axes: Option<&[usize]>,
    ) {
        let Point {
            var,
            base,
            offset,
            offset_int,
            ..
        } = point;
        let body = format!("{indent}    ");
        let _ = writeln!(
            out,
            "{indent}#pragma unroll\n{indent}for (int u = 0; u < {UNROLL}; ++u) {{"
        );
        match past {
            Past::None | Past::Clamp if axes.is_none() => return,
            Past::None => {
                let _ = writeln!(out, "{body}const i64 {var} = {base} + {offset};");
            }
            Past::Clamp => {
                let _ = writeln!(out, "{body}const int {var}_off = {offset_int};");
                let _ = writeln!(
                    out,
                    "{body}const i64 {var} = {base} + ({var}_off < left ? {var}_off : left - 1);"
                );
            }
            Past::Skip => {
                let _ = writeln!(out, "{body}const int {var}_off = {offset_int};");
                let _ = writeln!(out, "{body}if ({var}_off >= left) continue;");
                let _ = writeln!(out, "{body}const i64 {var} = {base} + {var}_off;");
            }
        }
        if let Some(axes) = axes {
            *out += &self.unflatten(axes, var, &body);
        }
    }

    /// No inner axes: every store phase at every point. Each block takes chunks of
    /// `UNROLL` × `blockDim.x` consecutive points (grid-stride over chunks). A thread first
    /// loads every input of its `UNROLL` points, then computes them, then stores them: all its
    /// loads are in flight at once, which keeps the memory system busier than one point at a
    /// time. (Loads written next to their uses stay there: NVVM does not move a load above the
    /// branches of an earlier point's `sin` or division, nor above a store that might write
    /// what it reads, which made a chain like `sin(a)*b + a*a/(1+b)` wait for memory once per
    /// point.) The last, partial chunk has the same shape, so that a small array too waits
    /// for memory once, not once per point: its points past the end load and compute as the
    /// last point in range, and are skipped when it stores.
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
        let mut distinct = roots.clone();
        distinct.sort();
        distinct.dedup();
        let (i1, i2, i3) = ("        ", "            ", "                ");
        let (decls, loads) = self.hoisted_loads(&roots, i3);
        let reads_indices = self.reads_indices(&roots);
        let no_phases = |_| unreachable!("no phases to read");
        let point = Point {
            var: "flat",
            base: "base",
            offset: "threadIdx.x + u * (i64)blockDim.x".into(),
            offset_int: "(int)threadIdx.x + u * (int)blockDim.x".into(),
            left: "(int)(total - base)".into(),
        };
        // The points of one chunk; `partial`: some of them at or past `total`. Those load
        // and compute as the last point in range (so that those steps stay free of
        // branches), and are skipped when stored.
        let chunk = |partial: bool| {
            let (mut out, clamp, skip) = point.round(partial, &decls, i2);
            for &r in &distinct {
                let t = c_type(k.dtypes[r.0 as usize]);
                let _ = writeln!(out, "{i2}{t} s{}[{UNROLL}];", r.0);
            }
            let open_loop = |out: &mut String, past: Past, indices: bool| {
                let axes = indices.then_some(all);
                self.open_points(out, i2, &point, past, axes);
            };
            if !loads.is_empty() {
                open_loop(&mut out, clamp, true);
                out += &loads;
                let _ = writeln!(out, "{i2}}}");
            }
            // The indices, where values other than loads need them.
            open_loop(&mut out, clamp, reads_indices);
            out += &self.exprs(&roots, i3, &no_phases, Loads::Hoisted);
            for &r in &distinct {
                let _ = writeln!(out, "{i3}s{0}[u] = v{0};", r.0);
            }
            let _ = writeln!(out, "{i2}}}");
            open_loop(&mut out, skip, true);
            for (p, root) in roots.iter().enumerate() {
                out += &self.store_value(p, &format!("s{}[u]", root.0), i3);
            }
            let _ = writeln!(out, "{i2}}}");
            out
        };
        format!(
            "    const i64 total = {};\n    const i64 chunk = (i64)blockDim.x * {UNROLL};\n    \
             for (i64 base = (i64)blockIdx.x * chunk; base < total; base += (i64)gridDim.x * chunk) {{\n\
             {i1}if (base + chunk <= total) {{\n{}{i1}}} else {{\n{}{i1}}}\n    }}\n",
            self.count(all),
            chunk(false),
            chunk(true),
        )
    }

    /// A loop of each thread over inner points `t` from `range.start` to `range.end`, step
    /// `range.step`: a body computing `value` at point `t`, then `tail` (lines that use
    /// `v{value}`, and the indices if `tail_uses_indices`). Where the value loads from
    /// memory, the points go `UNROLL` at a time, all their loads before their computations
    /// (as in `pointwise`), and the last fewer than `UNROLL` the same way with the points past
    /// the end skipped. The tails run in the order of the points either way, so a fold has the
    /// same bits as one point at a time.
    fn over_inner(
        &self,
        range: &StridedRange,
        inner: &[usize],
        value: ExprId,
        phase_value: &dyn Fn(u32) -> String,
        tail: &str,
        tail_uses_indices: bool,
    ) -> String {
        let StridedRange { start, end, step } = range;
        let (i2, i3, i4) = ("        ", "            ", "                    ");
        let (decls, loads) = self.hoisted_loads(&[value], i4);
        if loads.is_empty() {
            let mut out = format!("{i2}for (i64 t = {start}; t < {end}; t += {step}) {{\n");
            out += &self.unflatten(inner, "t", i3);
            out += &self.exprs(&[value], i3, phase_value, Loads::Inline);
            out += tail;
            return out + i2 + "}\n";
        }
        let uses_indices = tail_uses_indices || self.reads_indices(&[value]);
        let i16 = "                ";
        let point = Point {
            var: "tu",
            base: "t",
            offset: format!("u * ({step})"),
            offset_int: format!("u * (int)({step})"),
            left: format!("(int)({end} - t)"),
        };
        // `UNROLL` points from `t`; `partial`: some of them at or past the end. Those are
        // loaded at the last point (so that the loads stay free of branches) and skipped
        // when computed.
        let points = |partial: bool| {
            let (mut out, clamp, skip) = point.round(partial, &decls, i3);
            self.open_points(&mut out, i3, &point, clamp, Some(inner));
            out += &reindent(&loads, i4, i16);
            let _ = writeln!(out, "{i3}}}");
            let axes = uses_indices.then_some(inner);
            self.open_points(&mut out, i3, &point, skip, axes);
            out += &self.exprs(&[value], i16, phase_value, Loads::Hoisted);
            out += &reindent(tail, i3, i16);
            let _ = writeln!(out, "{i3}}}");
            out
        };
        format!(
            "{i2}{{\n{i2}i64 t = {start};\n\
             {i2}for (; t + {} * ({step}) < {end}; t += {UNROLL} * ({step})) {{\n{}{i2}}}\n\
             {i2}if (t < {end}) {{\n{}{i2}}}\n{i2}}}\n",
            UNROLL - 1,
            points(false),
            points(true),
        )
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
        out += &self.exprs(&[value], "            ", phase_value, Loads::Inline);
        out += &self.store(p, "            ");
        out += "        }\n";
        out
    }

    /// The line that folds `v{value}` into the accumulator `acc` of dtype `at`.
    fn fold_line(&self, op: ReduceOp, acc: &str, at: DType, value: ExprId) -> String {
        let from = self.k.dtypes[value.0 as usize];
        format!(
            "            {acc} = {}({acc}, {});\n",
            combine_fn(op),
            convert(&format!("v{}", value.0), from, at)
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
        let count = self.count(inner);
        let threads = StridedRange {
            start: "threadIdx.x",
            end: &count,
            step: "blockDim.x",
        };
        let mut out = String::from("    __shared__ double arr_shared[64];\n");
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
                    let fold = self.fold_line(op, &acc_var, acc, value);
                    out += &self.over_inner(&threads, inner, value, &phase_var, &fold, false);
                    out += &Self::block_reduce_line(op, &acc_var, &red, at);
                    if op == ReduceOp::Sum && (acc.is_float() || acc.is_complex()) {
                        // The sum of no points is +0, not the -0 it starts from.
                        let _ = writeln!(
                            out,
                            "        if ({} == 0) {red} = {};",
                            self.count(inner),
                            plus_zero(acc)
                        );
                    }
                    let _ = writeln!(out, "        const {t} p{p} = {};", convert(&red, acc, d));
                }
                Phase::Store {
                    over: Over::All,
                    value,
                    ..
                } => {
                    let store = self.store(p, "            ");
                    out += &self.over_inner(&threads, inner, value, &phase_var, &store, true);
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

    /// Inner axes only: phase `args.phase` per launch; reductions write one partial per block.
    fn phases_per_launch(&self, inner: &[usize]) -> String {
        let k = self.k;
        let mut out = String::from("    __shared__ double arr_shared[64];\n");
        let _ = writeln!(out, "    const i64 total = {};", self.count(inner));
        // Phase results, written by `arr_combine` in the reduced values' dtype.
        let read_phase = |q: u32| {
            let Phase::Reduce { value, .. } = k.phases[q as usize] else {
                unreachable!("phase values come from reductions")
            };
            format!(
                "args.phase_vals[{q}].{}",
                slot_field(k.dtypes[value.0 as usize])
            )
        };
        for (p, phase) in k.phases.iter().enumerate() {
            let _ = writeln!(out, "    if (args.phase == {p}) {{");
            match *phase {
                Phase::Reduce { op, value } => {
                    let acc = acc_dtype(op, k.dtypes[value.0 as usize]);
                    let at = c_type(acc);
                    // Block b reduces points [b * share, (b + 1) * share).
                    out += "        const i64 share = (total + gridDim.x - 1) / gridDim.x;\n";
                    out += "        const i64 begin = (i64)blockIdx.x * share;\n";
                    out +=
                        "        const i64 end = begin + share < total ? begin + share : total;\n";
                    let identity = identity(op, acc_dtype(op, k.dtypes[value.0 as usize]));
                    let _ = writeln!(out, "        {at} acc = {identity};");
                    let share = StridedRange {
                        start: "begin + threadIdx.x",
                        end: "end",
                        step: "blockDim.x",
                    };
                    let fold = self.fold_line(op, "acc", acc, value);
                    out += &self.over_inner(&share, inner, value, &read_phase, &fold, false);
                    out += &Self::block_reduce_line(op, "acc", "red", at);
                    let _ = writeln!(
                        out,
                        "        if (threadIdx.x == 0) *({at}*)(args.partials + 16 * (i64)blockIdx.x) = red;"
                    );
                }
                Phase::Store {
                    over: Over::All,
                    value,
                    ..
                } => {
                    let grid = StridedRange {
                        start: "(i64)blockIdx.x * blockDim.x + threadIdx.x",
                        end: "total",
                        step: "(i64)gridDim.x * blockDim.x",
                    };
                    let store = self.store(p, "            ");
                    out += &self.over_inner(&grid, inner, value, &read_phase, &store, true);
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

    /// `arr_combine(args, blocks)`: launched as one block after reduce phase `args.phase`,
    /// it combines the `blocks` partial results in a fixed order and writes the phase's value
    /// to `args.phase_vals[args.phase]`.
    fn combine(&self, inner: &[usize]) -> String {
        let k = self.k;
        let mut out = String::from(
            "extern \"C\" __global__ void arr_combine(const ArrArgs args, const i64 blocks) {\n",
        );
        out += "    __shared__ double arr_shared[64];\n";
        let _ = writeln!(out, "    const i64 total = {};", self.count(inner));
        out += "    (void)total;\n";
        for (p, phase) in k.phases.iter().enumerate() {
            let Phase::Reduce { op, value } = *phase else {
                continue;
            };
            let d = k.dtypes[value.0 as usize];
            let acc = acc_dtype(op, d);
            let at = c_type(acc);
            let _ = writeln!(out, "    if (args.phase == {p}) {{");
            let _ = writeln!(out, "        {at} acc = {};", identity(op, acc));
            let _ = writeln!(
                out,
                "        for (i64 b = threadIdx.x; b < blocks; b += blockDim.x) acc = {}(acc, *(const {at}*)(args.partials + 16 * b));",
                combine_fn(op)
            );
            out += &Self::block_reduce_line(op, "acc", "red", at);
            if op == ReduceOp::Sum && (acc.is_float() || acc.is_complex()) {
                // The sum of no points is +0, not the -0 it starts from.
                let _ = writeln!(out, "        if (total == 0) red = {};", plus_zero(acc));
            }
            let _ = writeln!(
                out,
                "        if (threadIdx.x == 0) args.phase_vals[{p}].{} = {};",
                slot_field(d),
                convert("red", acc, d)
            );
            out += "    }\n";
        }
        out += "}\n";
        out
    }
}

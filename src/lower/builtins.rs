//! The builtin functions. Everything here lowers to primitives (`ir::op`), so the
//! interpreter, autodiff and the backends only ever see primitives.

use super::args::{bind, normalize_axis};
use super::value::{Arr, Value};
use super::{Lowerer, Mode};
use crate::diag::{Diagnostic, Span};
use crate::ir::build::BuildResult;
use crate::ir::{BinaryOp, Lit, Op, Type, UnaryOp};
use crate::syntax::ast;
use crate::text::shape_text;
use arrjit_runtime::npy::{NpyError, NpyReader};
use arrjit_runtime::{DType, format_array};
use std::path::Path;
use std::rc::Rc;

/// Every builtin name, for lookups and did-you-mean suggestions.
pub const NAMES: &[&str] = &[
    "print",
    "save",
    "load",
    "grad",
    "value_and_grad",
    "jvp",
    // elementwise
    "abs",
    "sqrt",
    "exp",
    "exp2",
    "expm1",
    "log",
    "log2",
    "log10",
    "log1p",
    "sin",
    "cos",
    "tan",
    "asin",
    "acos",
    "atan",
    "sinh",
    "cosh",
    "tanh",
    "floor",
    "ceil",
    "round",
    "trunc",
    "sign",
    "isnan",
    "isinf",
    "real",
    "imag",
    "conj",
    "angle",
    "minimum",
    "maximum",
    "atan2",
    "where",
    "clip",
    "complex",
    // reductions
    "sum",
    "prod",
    "mean",
    "min",
    "max",
    "argmin",
    "argmax",
    "any",
    "all",
    "var",
    "std",
    "logsumexp",
    "softmax",
    "relu",
    // creation
    "zeros",
    "ones",
    "full",
    "arange",
    "linspace",
    "eye",
    "rand",
    "randn",
    // shapes and views
    "reshape",
    "transpose",
    "broadcast_to",
    "concat",
    "len",
    "shape",
    // library
    "matmul",
    "fft",
    "ifft",
    "rfft",
    "irfft",
    "sort",
    "argsort",
    "cumsum",
    "cumprod",
];

pub fn lookup(name: &str) -> Option<&'static str> {
    NAMES.iter().find(|n| **n == name).copied()
}

fn unary_fn(name: &str) -> Option<UnaryOp> {
    UnaryOp::ALL
        .into_iter()
        .find(|u| u.name() == name && !matches!(u, UnaryOp::Neg | UnaryOp::Not))
}

/// Calls builtin `name`.
pub fn call(
    l: &mut Lowerer,
    name: &'static str,
    args: &[ast::Arg],
    span: Span,
) -> Result<Value, Diagnostic> {
    let at = |m: String| Diagnostic::error(span, m);
    macro_rules! bind {
        ($sig:expr) => {
            match bind(l, name, args, span, $sig)? {
                Some(b) => b,
                None => return Ok(Value::Poison),
            }
        };
    }
    if let Some(op) = unary_fn(name) {
        let b = bind!(&["x"]);
        let x = b.arr(l, 0)?;
        return Ok(Value::Arr(l.build.math(op, x).map_err(at)?));
    }
    let arr = |r: BuildResult<Arr>| r.map(Value::Arr).map_err(at);
    if l.tracing_block && matches!(name, "print" | "save" | "load") {
        // A host step: the loop being traced runs turn by turn instead (replay.rs).
        return Err(at(format!("`{name}` while a loop body is traced")));
    }
    match name {
        "print" => {
            let b = bind!(&["*"]);
            print(l, b.rest, span)?;
            Ok(Value::Unit)
        }
        "save" => {
            let b = bind!(&["path", "x"]);
            let path = b.string(0, "the path")?;
            let x = b.arr(l, 1)?;
            files_allowed(l, "save", &path, span)?;
            l.outputs.push((format!("save {path:?}"), x.node));
            if l.mode == Mode::Run {
                let value = l.value_of(x.node, span, "`save`")?;
                // Every way writing can fail is about the path (its folder, its name, the
                // disk behind it), so the message points at the path.
                arrjit_runtime::npy::write_npy(Path::new(&path), &value).map_err(|e| {
                    Diagnostic::error(b.value(0).1, format!("cannot save {path:?}: {}", e.kind))
                })?;
            }
            Ok(Value::Unit)
        }
        "load" => {
            let b = bind!(&["path"]);
            let path = b.string(0, "the path")?;
            files_allowed(l, "load", &path, span)?;
            let cannot_load = |e: NpyError| {
                Diagnostic::error(b.value(0).1, format!("cannot load {path:?}: {}", e.kind))
            };
            // The header alone says how large the array is: it is held to the limits before a
            // byte of its data is read.
            let reader = NpyReader::open(Path::new(&path)).map_err(cannot_load)?;
            l.build.admit(reader.shape(), reader.dtype()).map_err(at)?;
            let a = reader.read().map_err(cannot_load)?;
            Ok(Value::Arr(Arr::strong(l.build.graph.add_source(a))))
        }
        "grad" | "value_and_grad" => differentiate(l, name, args, span),
        "jvp" => Err(at(
            "`jvp` (forward mode) is not available yet; use `grad`".to_string()
        )),
        "minimum" | "maximum" | "atan2" | "complex" => {
            let b = bind!(&["a", "b"]);
            let (x, y) = (b.arr(l, 0)?, b.arr(l, 1)?);
            let op = match name {
                "minimum" => BinaryOp::Min,
                "maximum" => BinaryOp::Max,
                "atan2" => BinaryOp::Atan2,
                _ => BinaryOp::Complex,
            };
            arr(l.build.binary(op, x, y))
        }
        "where" => {
            let b = bind!(&["cond", "a", "b"]);
            let (c, x, y) = (b.arr(l, 0)?, b.arr(l, 1)?, b.arr(l, 2)?);
            arr(l.build.select(c, x, y))
        }
        "clip" => {
            let b = bind!(&["x", "lo", "hi"]);
            let (x, lo, hi) = (b.arr(l, 0)?, b.arr(l, 1)?, b.arr(l, 2)?);
            arr(l
                .build
                .binary(BinaryOp::Max, x, lo)
                .and_then(|m| l.build.binary(BinaryOp::Min, m, hi)))
        }
        "sum" | "prod" | "mean" | "min" | "max" | "any" | "all" | "var" | "std" | "logsumexp" => {
            let b = bind!(&["x", "axis?", "keepdims?"]);
            let x = b.arr(l, 0)?;
            let rank = l.build.ty(x).rank();
            let axes = b.axes(l, 1, rank)?.unwrap_or_else(|| (0..rank).collect());
            let keepdims = b.flag(l, 2, "keepdims")?;
            let r = l.build.reduction(name, x, &axes).map_err(at)?;
            arr(if keepdims {
                l.build.keep_dims(r, x, &axes)
            } else {
                Ok(r)
            })
        }
        "argmin" | "argmax" => {
            let b = bind!(&["x", "axis?"]);
            let (x, axis) = b.axis_or_flattened(l, 0, 1)?;
            arr(l.build.arg_reduce(name == "argmin", x, axis))
        }
        "softmax" => {
            let b = bind!(&["x", "axis?"]);
            let x = b.arr(l, 0)?;
            let rank = l.build.ty(x).rank();
            // The last axis by default; a 0-d array has none, and its softmax is 1.
            let last: Vec<usize> = rank.checked_sub(1).into_iter().collect();
            let axes = b.axes(l, 1, rank)?.unwrap_or(last);
            arr(l.build.softmax(x, &axes))
        }
        "relu" => {
            let b = bind!(&["x"]);
            let x = b.arr(l, 0)?;
            let zero = l.build.weak_const(Lit::Int(0));
            arr(l.build.binary(BinaryOp::Max, x, zero))
        }
        "zeros" | "ones" => {
            let b = bind!(&["shape", "dtype?"]);
            let shape = b.concrete_shape(l, 0)?;
            let dtype = b.dtype(1)?.unwrap_or(DType::F64);
            let lit = Lit::Int((name == "ones") as i64);
            arr(l.build.filled(lit, dtype, &shape))
        }
        "full" => {
            let b = bind!(&["shape", "value", "dtype?"]);
            let shape = b.concrete_shape(l, 0)?;
            let v = b.arr(l, 1)?;
            if !l.build.ty(v).shape.is_empty() {
                return Err(Diagnostic::error(
                    b.value(1).1,
                    "the fill value must be a scalar",
                ));
            }
            let dtype = b.dtype(2)?.unwrap_or(l.build.ty(v).dtype);
            arr(l
                .build
                .cast(v, dtype)
                .and_then(|c| l.build.broadcast_to(c, &shape)))
        }
        "arange" => {
            let b = bind!(&["start", "stop?", "step?", "dtype?"]);
            let mut bounds = Vec::new();
            for i in (0..3).filter(|&i| b.has(i)) {
                bounds.push(b.scalar(l, i, "an arange bound")?);
            }
            let dtype = b.dtype(3)?;
            arr(l.build.arange(&bounds, dtype))
        }
        "linspace" => {
            let b = bind!(&["start", "stop", "num?", "dtype?"]);
            let num = b.opt_int(l, 2, "the number of points")?.unwrap_or(50);
            let num = usize::try_from(num).map_err(|_| {
                Diagnostic::error(
                    b.value(2).1,
                    format!("number of points must be non-negative, got {num}"),
                )
            })?;
            let (start, stop) = (b.arr(l, 0)?, b.arr(l, 1)?);
            let dtype = b.dtype(3)?;
            arr(l.build.linspace(start, stop, num, dtype))
        }
        "eye" => {
            let b = bind!(&["n", "m?", "dtype?"]);
            let n = b.int(l, 0, "the size")?;
            let m = b.opt_int(l, 1, "the size")?.unwrap_or(n);
            let (n, m) = (usize::try_from(n), usize::try_from(m));
            let (Ok(n), Ok(m)) = (n, m) else {
                return Err(at("eye needs non-negative sizes".into()));
            };
            let dtype = b.dtype(2)?.unwrap_or(DType::F64);
            arr(l.build.eye(n, m, dtype))
        }
        "rand" | "randn" => {
            let b = bind!(&["shape", "=seed?", "=dtype?"]);
            let shape = b.concrete_shape(l, 0)?;
            let seed = match b.opt_int(l, 1, "the seed")? {
                Some(s) => u64::try_from(s).map_err(|_| {
                    Diagnostic::error(
                        b.value(1).1,
                        format!("the seed must be non-negative, got {s}"),
                    )
                })?,
                None => {
                    l.unseeded_rand_calls += 1;
                    // Streams of unseeded calls, far from small explicit seeds.
                    0x9e37_79b9_7f4a_7c15u64.wrapping_mul(l.unseeded_rand_calls)
                }
            };
            let dtype = b.dtype(2)?.unwrap_or(DType::F64);
            if !matches!(dtype, DType::F32 | DType::F64) {
                return Err(Diagnostic::error(
                    b.value(2).1,
                    format!("`{name}` makes f32 or f64 numbers, not {dtype}"),
                ));
            }
            let op = Op::Rand {
                seed,
                normal: name == "randn",
            };
            let node = l
                .build
                .node(op, Vec::new(), Type::new(dtype, shape))
                .map_err(at)?;
            Ok(Value::Arr(Arr::strong(node)))
        }
        "reshape" => {
            let b = bind!(&["x", "shape"]);
            let x = b.arr(l, 0)?;
            let dims = b.shape(l, 1)?;
            let shape = infer_reshape(l.build.ty(x).numel(), &dims, &l.build.ty(x).shape)
                .map_err(|m| Diagnostic::error(b.value(1).1, m))?;
            arr(l.build.reshape(x, shape))
        }
        "transpose" => {
            let b = bind!(&["x", "axes?"]);
            let x = b.arr(l, 0)?;
            let ty = l.build.ty(x).clone();
            let perm: Vec<usize> = if b.has(1) {
                let span = b.value(1).1;
                let mut perm = Vec::new();
                for a in b.shape(l, 1)? {
                    perm.push(
                        normalize_axis(a, ty.rank()).map_err(|m| Diagnostic::error(span, m))?,
                    );
                }
                let mut sorted = perm.clone();
                sorted.sort_unstable();
                if sorted != (0..ty.rank()).collect::<Vec<_>>() {
                    return Err(Diagnostic::error(
                        span,
                        format!(
                            "axes {perm:?} are not a permutation of the {}-D array's axes",
                            ty.rank()
                        ),
                    ));
                }
                perm
            } else {
                (0..ty.rank()).rev().collect()
            };
            if perm.iter().enumerate().all(|(i, &p)| i == p) {
                return Ok(Value::Arr(x));
            }
            let shape = perm.iter().map(|&p| ty.shape[p]).collect();
            arr(l
                .build
                .op1(Op::Permute(perm), x, Type::new(ty.dtype, shape)))
        }
        "broadcast_to" => {
            let b = bind!(&["x", "shape"]);
            let x = b.arr(l, 0)?;
            let shape = b.concrete_shape(l, 1)?;
            arr(l.build.broadcast_to(x, &shape))
        }
        "concat" => {
            let b = bind!(&["*", "=axis?"]);
            let mut parts = Vec::new();
            let items: Vec<(Value, Span)> = match b.rest.as_slice() {
                [(Value::Tuple(items), s)] => items.iter().map(|v| (v.clone(), *s)).collect(),
                _ => b.rest.clone(),
            };
            for (v, s) in items {
                parts.push(l.expect_arr(v, s)?);
            }
            if parts.is_empty() {
                return Err(at("concat needs at least one array".into()));
            }
            let rank = l.build.ty(parts[0]).rank();
            if rank == 0 {
                return Err(at("cannot concatenate 0-d arrays".into()));
            }
            let axis = b.axis(l, 0, rank, Some(0))?.expect("default given");
            arr(l.build.concat(&parts, axis))
        }
        "len" => {
            let b = bind!(&["x"]);
            let x = b.arr(l, 0)?;
            match l.build.ty(x).shape.first() {
                Some(&n) => Ok(Value::Arr(l.build.weak_const(Lit::Int(n as i64)))),
                None => Err(at("len() of a 0-d array".into())),
            }
        }
        "shape" => {
            let b = bind!(&["x"]);
            let x = b.arr(l, 0)?;
            let dims = l.build.ty(x).shape.clone();
            Ok(Value::Tuple(
                dims.into_iter()
                    .map(|d| Value::Arr(l.build.weak_const(Lit::Int(d as i64))))
                    .collect(),
            ))
        }
        "matmul" => {
            let b = bind!(&["a", "b"]);
            let (x, y) = (b.arr(l, 0)?, b.arr(l, 1)?);
            arr(l.matmul(x, y))
        }
        "fft" | "ifft" | "rfft" => {
            let b = bind!(&["x", "axis?"]);
            let x = b.arr(l, 0)?;
            let rank = l.build.ty(x).rank();
            if rank == 0 {
                return Err(at(format!("`{name}` needs at least one dimension")));
            }
            let axis = b.axis(l, 1, rank, Some(-1))?.expect("default given");
            arr(l.build.fft_along(name, x, None, axis))
        }
        "irfft" => {
            let b = bind!(&["x", "n?", "axis?"]);
            let x = b.arr(l, 0)?;
            let n = b.opt_int(l, 1, "the output length")?;
            let rank = l.build.ty(x).rank();
            if rank == 0 {
                return Err(at("`irfft` needs at least one dimension".to_string()));
            }
            let axis = b.axis(l, 2, rank, Some(-1))?.expect("default given");
            arr(l.build.fft_along(name, x, n, axis))
        }
        "sort" | "argsort" => {
            let b = bind!(&["x", "axis?"]);
            let x = b.arr(l, 0)?;
            let rank = l.build.ty(x).rank();
            if rank == 0 {
                return Err(at(format!("cannot {name} a 0-d array")));
            }
            let axis = b.axis(l, 1, rank, Some(-1))?.expect("default given");
            arr(l.build.sort(name == "argsort", x, axis))
        }
        "cumsum" | "cumprod" => {
            let b = bind!(&["x", "axis?"]);
            let (x, axis) = b.axis_or_flattened(l, 0, 1)?;
            arr(l.build.scan(name == "cumprod", x, axis))
        }
        other => unreachable!("builtin `{other}` is listed but has no lowering"),
    }
}

/// `print(a, b, …)`: values separated by spaces, arrays formatted as NumPy prints them.
/// `grad(f)`, `grad(f, wrt=x)`, `grad(f, wrt=(x, y))`, and the same for `value_and_grad`:
/// `wrt` names parameters of `f` (the first by default).
fn differentiate(
    l: &mut Lowerer,
    name: &'static str,
    args: &[ast::Arg],
    span: Span,
) -> Result<Value, Diagnostic> {
    let mut f = None;
    let mut wrt = None;
    for arg in args {
        match &arg.name {
            None if f.is_none() => f = Some(arg),
            Some(n) if n.name == "wrt" && wrt.is_none() => wrt = Some(arg),
            Some(n) => {
                return Err(Diagnostic::error(
                    n.span,
                    format!("`{name}` takes a function and `wrt=`, not `{}=`", n.name),
                ));
            }
            None => {
                return Err(Diagnostic::error(
                    arg.span,
                    format!("`{name}` takes one function; name the parameters with `wrt=`"),
                ));
            }
        }
    }
    let Some(f) = f else {
        return Err(Diagnostic::error(
            span,
            format!("`{name}` needs a function: `{name}(f)`"),
        ));
    };
    let (def, inner) = match l.expr(&f.value)? {
        Value::Func(def) => (def, None),
        Value::Grad(g) => (g.def.clone(), Some(g)),
        Value::Poison => return Ok(Value::Poison),
        other => {
            let what = match &other {
                Value::Builtin(b) => {
                    format!("the builtin `{b}` (define one: `fn g(x) = sum({b}(x))`)")
                }
                _ => other.describe().to_string(),
            };
            return Err(Diagnostic::error(
                f.value.span,
                format!("`{name}` differentiates functions defined with `fn`, not {what}"),
            ));
        }
    };
    let param = |e: &ast::Expr| -> Result<usize, Diagnostic> {
        let ast::ExprKind::Name(n) = &e.kind else {
            return Err(Diagnostic::error(
                e.span,
                "`wrt=` takes parameter names: `wrt=x` or `wrt=(x, y)`",
            ));
        };
        def.params.iter().position(|p| &p.name == n).ok_or_else(|| {
            let names: Vec<&str> = def.params.iter().map(|p| p.name.as_str()).collect();
            Diagnostic::error(
                e.span,
                format!(
                    "`{}` has no parameter `{n}` (its parameters: {})",
                    def.name.name,
                    names.join(", ")
                ),
            )
        })
    };
    let (wrt, tuple) = match wrt.map(|a| &a.value) {
        None => {
            if def.params.is_empty() {
                return Err(Diagnostic::error(
                    f.value.span,
                    format!("`{}` has no parameters to differentiate", def.name.name),
                ));
            }
            (vec![0], false)
        }
        Some(ast::Expr {
            kind: ast::ExprKind::Tuple(items),
            ..
        }) => (
            items.iter().map(param).collect::<Result<Vec<_>, _>>()?,
            true,
        ),
        Some(e) => (vec![param(e)?], false),
    };
    Ok(Value::Grad(Rc::new(super::grad::GradFn {
        def,
        inner,
        wrt,
        tuple,
        with_value: name == "value_and_grad",
    })))
}

fn print(l: &mut Lowerer, values: Vec<(Value, Span)>, span: Span) -> Result<(), Diagnostic> {
    let mut parts = Vec::new();
    for (i, (v, span)) in values.into_iter().enumerate() {
        if let Value::Arr(a) = &v {
            l.outputs.push((format!("print #{}", i + 1), a.node));
        }
        if l.mode == Mode::Check {
            continue;
        }
        parts.push(describe_value(l, &v, span)?);
    }
    if l.mode == Mode::Run && !l.output_closed {
        let line = parts.join(" ");
        match writeln!(l.out, "{line}") {
            Ok(()) => {}
            // The reader went away (`arr run x.arr | head`): stop printing, quietly.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => l.output_closed = true,
            Err(e) => {
                return Err(Diagnostic::error(span, format!("cannot write output: {e}")));
            }
        }
    }
    Ok(())
}

/// A value as `print` shows it.
pub(super) fn describe_value(l: &mut Lowerer, v: &Value, span: Span) -> Result<String, Diagnostic> {
    Ok(match v {
        Value::Arr(a) => format_array(&*l.value_of(a.node, span, "`print`")?),
        Value::Str(s) => s.clone(),
        Value::Tuple(items) => {
            let parts: Result<Vec<String>, Diagnostic> =
                items.iter().map(|x| describe_value(l, x, span)).collect();
            let parts = parts?;
            if parts.len() == 1 {
                format!("({},)", parts[0])
            } else {
                format!("({})", parts.join(", "))
            }
        }
        Value::DType(d) => d.name().to_string(),
        Value::Func(f) => format!("<fn {}>", f.name.name),
        Value::Grad(g) => format!("<gradient of fn {}>", g.def.name.name),
        Value::Builtin(name) => format!("<builtin {name}>"),
        Value::Unit => "None".to_string(),
        Value::Poison => return Err(Diagnostic::error(span, "invalid value")),
    })
}

/// NumPy's reshape with at most one -1.
fn infer_reshape(count: usize, dims: &[i64], from: &[usize]) -> Result<Vec<usize>, String> {
    let unknown: Vec<usize> = (0..dims.len()).filter(|&i| dims[i] == -1).collect();
    if unknown.len() > 1 {
        return Err("only one dimension can be -1".into());
    }
    if let Some(&d) = dims.iter().find(|&&d| d < -1) {
        return Err(format!("negative dimension {d} in a shape"));
    }
    let known: u128 = dims
        .iter()
        .filter(|&&d| d >= 0)
        .map(|&d| d as u128)
        .product();
    let shape_str = format!(
        "({}{})",
        dims.iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        if dims.len() == 1 { "," } else { "" }
    );
    let bad = || {
        format!(
            "cannot reshape an array of shape {} (size {count}) into shape {shape_str}",
            shape_text(from)
        )
    };
    let mut shape: Vec<usize> = dims.iter().map(|&d| d.max(0) as usize).collect();
    match unknown.first() {
        Some(&i) => {
            if known == 0 || !(count as u128).is_multiple_of(known) {
                return Err(bad());
            }
            shape[i] = (count as u128 / known) as usize;
        }
        None if known != count as u128 => return Err(bad()),
        None => {}
    }
    Ok(shape)
}

/// An error at `span` unless the limits allow file access.
fn files_allowed(l: &Lowerer, what: &str, path: &str, span: Span) -> Result<(), Diagnostic> {
    if l.build.limits.files {
        return Ok(());
    }
    Err(Diagnostic::error(
        span,
        format!("file access is turned off for this program: `{what}` cannot use {path:?}"),
    ))
}

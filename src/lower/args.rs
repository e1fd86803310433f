//! Binding a builtin call's arguments to its signature, and reading them as the kinds of value
//! builtins take: arrays, static integers, shapes, axes, dtypes and strings.

use super::Lowerer;
use super::expr::closest;
use super::value::{Arr, Value};
use crate::diag::{Diagnostic, Span};
use crate::syntax::ast;
use arrjit_runtime::{DType, Scalar};

/// Arguments bound to a builtin's parameters.
pub struct Bound {
    /// One slot per parameter in the signature, in order.
    pub slots: Vec<Option<(Value, Span)>>,
    /// Extra positional arguments, for variadic builtins.
    pub rest: Vec<(Value, Span)>,
    pub span: Span,
}

/// Binds call arguments to a signature. `sig` lists parameter names; a trailing `?` marks an
/// optional one, a leading `=` a keyword-only one, and `*` (alone, first) means the builtin
/// takes any number of positional arguments into `rest`. Returns `None` if an argument is
/// poisoned.
pub fn bind(
    l: &mut Lowerer,
    fname: &str,
    args: &[ast::Arg],
    span: Span,
    sig: &[&str],
) -> Result<Option<Bound>, Diagnostic> {
    let variadic = sig.first() == Some(&"*");
    let params: Vec<(&str, bool, bool)> = sig
        .iter()
        .filter(|p| **p != "*")
        .map(|p| {
            let kw_only = p.starts_with('=');
            let optional = p.ends_with('?');
            (
                p.trim_start_matches('=').trim_end_matches('?'),
                optional,
                kw_only,
            )
        })
        .collect();
    let positional_params: Vec<usize> = if variadic {
        Vec::new()
    } else {
        (0..params.len()).filter(|&i| !params[i].2).collect()
    };
    let mut b = Bound {
        slots: vec![None; params.len()],
        rest: Vec::new(),
        span,
    };
    let mut next_positional = 0;
    for arg in args {
        let v = match l.expr(&arg.value)? {
            Value::Poison => return Ok(None),
            v => v,
        };
        match &arg.name {
            None if variadic => b.rest.push((v, arg.value.span)),
            None => {
                let Some(&slot) = positional_params.get(next_positional) else {
                    let n = positional_params.len();
                    return Err(Diagnostic::error(
                        arg.span,
                        format!(
                            "`{fname}` takes {n} positional argument{} but more were given",
                            if n == 1 { "" } else { "s" }
                        ),
                    ));
                };
                next_positional += 1;
                b.slots[slot] = Some((v, arg.value.span));
            }
            Some(name) => {
                let Some(slot) = params.iter().position(|p| p.0 == name.name) else {
                    let mut d = Diagnostic::error(
                        name.span,
                        format!("unknown keyword argument `{}` for `{fname}`", name.name),
                    );
                    if let Some(best) = closest(&name.name, params.iter().map(|p| p.0)) {
                        d = d.with_label(format!("did you mean `{best}`?"));
                    }
                    return Err(d);
                };
                if b.slots[slot].is_some() {
                    return Err(Diagnostic::error(
                        name.span,
                        format!("argument `{}` of `{fname}` is given twice", name.name),
                    ));
                }
                b.slots[slot] = Some((v, arg.value.span));
            }
        }
    }
    for (i, (name, optional, _)) in params.iter().enumerate() {
        if !optional && b.slots[i].is_none() {
            return Err(Diagnostic::error(
                span,
                format!("`{fname}` is missing its argument `{name}`"),
            ));
        }
    }
    Ok(Some(b))
}

impl Bound {
    pub fn has(&self, i: usize) -> bool {
        self.slots[i].is_some()
    }

    pub fn value(&self, i: usize) -> (Value, Span) {
        self.slots[i]
            .clone()
            .expect("required argument checked by bind")
    }

    pub fn arr(&self, l: &Lowerer, i: usize) -> Result<Arr, Diagnostic> {
        let (v, span) = self.value(i);
        l.expect_arr(v, span)
    }

    pub fn int(&self, l: &mut Lowerer, i: usize, what: &str) -> Result<i64, Diagnostic> {
        let (v, span) = self.value(i);
        l.static_int(v, span, what)
    }

    /// A 0-d value needed before the graph runs (a constant, or evaluated now).
    pub fn scalar(&self, l: &mut Lowerer, i: usize, what: &str) -> Result<Scalar, Diagnostic> {
        let a = self.arr(l, i)?;
        let span = self.value(i).1;
        if !l.build.ty(a).shape.is_empty() {
            return Err(Diagnostic::error(
                span,
                format!("expected a scalar for {what}"),
            ));
        }
        // Evaluated now, in check mode too: later shapes depend on it.
        Ok(match l.build.const_value(a.node) {
            Some(v) => v,
            None => l.value_of(a.node, span, &what_needs(what))?.get(0),
        })
    }

    pub fn opt_int(
        &self,
        l: &mut Lowerer,
        i: usize,
        what: &str,
    ) -> Result<Option<i64>, Diagnostic> {
        if self.has(i) {
            self.int(l, i, what).map(Some)
        } else {
            Ok(None)
        }
    }

    pub fn flag(&self, l: &mut Lowerer, i: usize, what: &str) -> Result<bool, Diagnostic> {
        Ok(self.opt_int(l, i, what)?.unwrap_or(0) != 0)
    }

    pub fn string(&self, i: usize, what: &str) -> Result<String, Diagnostic> {
        match self.value(i) {
            (Value::Str(s), _) => Ok(s),
            (other, span) => Err(Diagnostic::error(
                span,
                format!("expected a string for {what}, found {}", other.describe()),
            )),
        }
    }

    pub fn dtype(&self, i: usize) -> Result<Option<DType>, Diagnostic> {
        match self.slots[i].clone() {
            None => Ok(None),
            Some((Value::DType(d), _)) => Ok(Some(d)),
            Some((Value::Str(s), span)) => DType::from_name(&s).map(Some).ok_or_else(|| {
                Diagnostic::error(span, format!("unknown dtype \"{s}\""))
                    .with_note("dtypes are bool, i32, i64, f32, f64, c64, c128")
            }),
            Some((other, span)) => Err(Diagnostic::error(
                span,
                format!("expected a dtype (such as f32), found {}", other.describe()),
            )
            .with_note("dtypes are bool, i32, i64, f32, f64, c64, c128")),
        }
    }

    /// A shape: one integer or a tuple of them, each ≥ 0 (or one -1 where `allow_infer`).
    pub fn shape(&self, l: &mut Lowerer, i: usize) -> Result<Vec<i64>, Diagnostic> {
        let (v, span) = self.value(i);
        let items = match v {
            Value::Tuple(items) => items,
            other => vec![other],
        };
        let mut dims = Vec::with_capacity(items.len());
        for item in items {
            dims.push(l.static_int(item, span, "a dimension")?);
        }
        Ok(dims)
    }

    pub fn concrete_shape(&self, l: &mut Lowerer, i: usize) -> Result<Vec<usize>, Diagnostic> {
        let dims = self.shape(l, i)?;
        let span = self.slots[i].as_ref().map_or(self.span, |s| s.1);
        dims.iter()
            .map(|&d| {
                usize::try_from(d).map_err(|_| {
                    Diagnostic::error(span, format!("negative dimension {d} in a shape"))
                })
            })
            .collect()
    }

    /// Axes given as `axis=` (an int or a tuple), normalised; `None` when absent.
    pub fn axes(
        &self,
        l: &mut Lowerer,
        i: usize,
        rank: usize,
    ) -> Result<Option<Vec<usize>>, Diagnostic> {
        if !self.has(i) {
            return Ok(None);
        }
        let span = self.slots[i].as_ref().map_or(self.span, |s| s.1);
        let mut out = Vec::new();
        for a in self.shape(l, i)? {
            let ax = normalize_axis(a, rank).map_err(|m| Diagnostic::error(span, m))?;
            if out.contains(&ax) {
                return Err(Diagnostic::error(span, format!("axis {a} is repeated")));
            }
            out.push(ax);
        }
        out.sort_unstable();
        Ok(Some(out))
    }

    /// The array in slot `x` and the axis in slot `axis`; without an axis, the array
    /// flattened and axis 0 (NumPy's `axis=None` for `argmin`, `cumsum`, …).
    pub fn axis_or_flattened(
        &self,
        l: &mut Lowerer,
        x: usize,
        axis: usize,
    ) -> Result<(Arr, usize), Diagnostic> {
        let a = self.arr(l, x)?;
        let ty = l.build.ty(a).clone();
        match self.axis(l, axis, ty.rank(), None)? {
            Some(axis) => Ok((a, axis)),
            None => {
                let flat = l
                    .build
                    .reshape(a, vec![ty.numel()])
                    .map_err(|m| Diagnostic::error(self.span, m))?;
                Ok((flat, 0))
            }
        }
    }

    pub fn axis(
        &self,
        l: &mut Lowerer,
        i: usize,
        rank: usize,
        default: Option<i64>,
    ) -> Result<Option<usize>, Diagnostic> {
        let span = self.slots[i].as_ref().map_or(self.span, |s| s.1);
        match self.opt_int(l, i, "an axis")?.or(default) {
            None => Ok(None),
            Some(a) => normalize_axis(a, rank)
                .map(Some)
                .map_err(|m| Diagnostic::error(span, m)),
        }
    }
}

/// A possibly negative axis as an index into `0..rank`.
pub fn normalize_axis(axis: i64, rank: usize) -> Result<usize, String> {
    let r = rank as i64;
    let a = if axis < 0 { axis + r } else { axis };
    if (0..r).contains(&a) {
        Ok(a as usize)
    } else {
        Err(format!(
            "axis {axis} is out of bounds for an array of dimension {rank}"
        ))
    }
}

/// How an argument that must be known before the graph runs is named in messages.
fn what_needs(what: &str) -> String {
    format!("{what} (it must be known before the arrays are computed)")
}

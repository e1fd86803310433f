//! `grad(f)` and `value_and_grad(f)` in scripts: the function is traced on placeholder
//! parameters, and the graph → graph pass `passes::grad` differentiates the trace.
//!
//! The arguments are replaced by placeholders while the function is traced, so that two
//! arguments holding the same array get separate gradients and constant arguments are not
//! folded away; `substitute` puts the real arguments back afterwards.

use super::{Arr, FnDef, Lowerer, Value};
use crate::diag::{Diagnostic, Span};
use crate::ir::{NodeId, Op, Type};
use crate::passes::grad;
use std::collections::HashMap;
use std::rc::Rc;

/// A differentiated function: what `grad(f, wrt=…)` returns.
#[derive(Debug)]
pub struct GradFn {
    /// The user function at the bottom (its parameters name the arguments).
    pub def: Rc<FnDef>,
    /// What is differentiated when it is itself a gradient (`grad(grad(f))`); else `def`.
    pub inner: Option<Rc<GradFn>>,
    /// The parameters differentiated, by position.
    pub wrt: Vec<usize>,
    /// Whether `wrt` was a tuple (the gradients then come as a tuple).
    pub tuple: bool,
    /// `value_and_grad`: the value comes first.
    pub with_value: bool,
}

/// Placeholder parameters start here, far from the parameters of embedded functions.
const PLACEHOLDER_BASE: u32 = 1 << 30;

impl Lowerer<'_> {
    /// Calls a differentiated function on bound arguments.
    ///
    /// Placeholders are numbered like a stack: a trace takes the numbers after those of the
    /// traces it is nested in, and gives them back when it ends. Tracing the same call again
    /// (the next iteration of a loop, the next run of a `bench` block) then builds the very
    /// same nodes, so the graph does not grow and the compiled schedule is found again.
    pub(crate) fn call_grad(
        &mut self,
        g: &GradFn,
        args: Vec<Value>,
        span: Span,
    ) -> Result<Value, Diagnostic> {
        let first = self.placeholders;
        let result = self.trace_grad(g, args, span);
        self.placeholders = first;
        result
    }

    fn trace_grad(
        &mut self,
        g: &GradFn,
        mut args: Vec<Value>,
        span: Span,
    ) -> Result<Value, Diagnostic> {
        let name = &g.def.name.name;
        let mut placeholders = Vec::new();
        let mut originals = Vec::new();
        for &i in &g.wrt {
            let param = &g.def.params[i].name;
            let Value::Arr(a) = args[i] else {
                return Err(Diagnostic::error(
                    span,
                    format!(
                        "cannot differentiate `{name}` with respect to `{param}`: it is {}, not an array",
                        args[i].describe()
                    ),
                ));
            };
            let ty = self.build.ty(a).clone();
            if !ty.dtype.is_float() {
                return Err(Diagnostic::error(
                    span,
                    format!(
                        "cannot differentiate `{name}` with respect to `{param}`: it is {}, and gradients need f32 or f64 (cast it with `f64(…)`)",
                        ty.dtype
                    ),
                ));
            }
            let index = PLACEHOLDER_BASE + self.placeholders;
            self.placeholders += 1;
            let p = self.build.graph.add(Op::Param(index), Vec::new(), ty);
            placeholders.push(p);
            originals.push(a.node);
            args[i] = Value::Arr(Arr::strong(p));
        }
        let arg_types: Vec<Option<Type>> = args
            .iter()
            .map(|v| match v {
                Value::Arr(a) => Some(self.build.ty(*a).clone()),
                _ => None,
            })
            .collect();
        let traced = match &g.inner {
            Some(inner) => self.call_grad(inner, args, span)?,
            None => self.call_user(&g.def, args, span)?,
        };
        let y = match traced {
            Value::Arr(y) => y,
            other => {
                return Err(Diagnostic::error(
                    span,
                    format!(
                        "`grad` needs a function that returns one number; `{name}` returns {}",
                        other.describe()
                    ),
                ));
            }
        };
        let yt = self.build.ty(y).clone();
        if !yt.shape.is_empty() || !yt.dtype.is_float() {
            return Err(Diagnostic::error(
                span,
                format!(
                    "`grad` needs a function that returns one float number; `{name}` returns an array of shape {} ({})",
                    crate::text::shape_text(&yt.shape),
                    yt.dtype
                ),
            ));
        }
        if self.record_grads {
            self.record(g, &arg_types, span)?;
        }
        let grads = grad::vjp(&mut self.build, y.node, &placeholders)
            .map_err(|m| Diagnostic::error(span, format!("cannot differentiate `{name}`: {m}")))?;
        let mut roots = vec![y.node];
        roots.extend(&grads);
        let map: HashMap<NodeId, NodeId> = placeholders.into_iter().zip(originals).collect();
        let roots = self
            .build
            .substitute(&roots, &map)
            .map_err(|m| Diagnostic::error(span, m))?;
        let arr = |n: NodeId| Value::Arr(Arr::strong(n));
        let grads: Vec<Value> = roots[1..].iter().map(|&n| arr(n)).collect();
        let grads = if g.tuple {
            Value::Tuple(grads)
        } else {
            grads.into_iter().next().expect("one gradient")
        };
        Ok(if g.with_value {
            Value::Tuple(vec![arr(roots[0]), grads])
        } else {
            grads
        })
    }

    /// Keeps the derivative of `g` as text, traced on a placeholder for every parameter so
    /// that it reads in the parameters' names (once per function and parameter set).
    fn record(&mut self, g: &GradFn, types: &[Option<Type>], span: Span) -> Result<(), Diagnostic> {
        let first = self.placeholders;
        let tracing = std::mem::replace(&mut self.tracing_grad, true);
        let result = self.record_traced(g, types, span);
        self.tracing_grad = tracing;
        self.placeholders = first;
        result
    }

    fn record_traced(
        &mut self,
        g: &GradFn,
        types: &[Option<Type>],
        span: Span,
    ) -> Result<(), Diagnostic> {
        let params: Vec<String> = g.def.params.iter().map(|p| p.name.clone()).collect();
        let wrt: Vec<&str> = g.wrt.iter().map(|&i| params[i].as_str()).collect();
        let depth = {
            let mut d = 1;
            let mut inner = &g.inner;
            while let Some(i) = inner {
                d += 1;
                inner = &i.inner;
            }
            d
        };
        let label = format!(
            "{}{} of {} with respect to {}",
            if depth > 1 {
                format!("order-{depth} ")
            } else {
                String::new()
            },
            if g.with_value {
                "value and gradient"
            } else {
                "gradient"
            },
            g.def.name.name,
            wrt.join(", ")
        );
        if self.grad_texts.iter().any(|(l, _)| *l == label) {
            return Ok(());
        }
        let mut names: HashMap<NodeId, String> = HashMap::new();
        for (name, v) in &self.scopes[0] {
            if let Value::Arr(a) = v {
                names.entry(a.node).or_insert_with(|| name.clone());
            }
        }
        let mut args = Vec::new();
        let mut holders = Vec::new();
        for (i, ty) in types.iter().enumerate() {
            let Some(ty) = ty else {
                return Ok(());
            };
            let index = PLACEHOLDER_BASE + self.placeholders;
            self.placeholders += 1;
            let p = self
                .build
                .graph
                .add(Op::Param(index), Vec::new(), ty.clone());
            names.insert(p, params[i].clone());
            args.push(Value::Arr(Arr::strong(p)));
            holders.push(p);
        }
        let traced = match &g.inner {
            Some(inner) => self.call_grad(inner, args, span)?,
            None => self.call_user(&g.def, args, span)?,
        };
        let Value::Arr(y) = traced else { return Ok(()) };
        let wrt_nodes: Vec<NodeId> = g.wrt.iter().map(|&i| holders[i]).collect();
        let grads = grad::vjp(&mut self.build, y.node, &wrt_nodes)
            .map_err(|m| Diagnostic::error(span, m))?;
        let mut printer = super::grad_print::Printer::new(&self.build.graph, &grads, names);
        let exprs: Vec<String> = grads.iter().map(|&n| printer.expr(n)).collect();
        let mut text = String::new();
        for line in &printer.lets {
            text += &format!("    {line}\n");
        }
        for (name, e) in wrt.iter().zip(exprs) {
            text += &format!("    d/d{name} = {e}\n");
        }
        self.grad_texts.push((label, text));
        Ok(())
    }
}

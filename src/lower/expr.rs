//! Expressions: literals, names, operators, calls, indexing and array literals.

use super::Lowerer;
use super::value::{Arr, Value};
use crate::diag::{Diagnostic, Span};
use crate::ir::interp::movement;
use crate::ir::{BinaryOp, Lit, Op, Type, UnaryOp};
use crate::syntax::ast::{self, BinOp, Expr, ExprKind, IndexItem, UnOp};
use crate::text::shape_text;
use arrjit_runtime::{Array, DType};

/// Evaluates `$e` to a value; a poisoned operand makes the whole expression poisoned.
macro_rules! operand {
    ($self:ident, $e:expr) => {
        match $self.expr($e)? {
            Value::Poison => return Ok(Value::Poison),
            v => v,
        }
    };
}

/// Constants every script can use by name (unless it assigns the name itself).
const CONSTANTS: [(&str, f64); 4] = [
    ("pi", std::f64::consts::PI),
    ("e", std::f64::consts::E),
    ("inf", f64::INFINITY),
    ("nan", f64::NAN),
];

impl Lowerer<'_> {
    pub fn expr(&mut self, e: &Expr) -> Result<Value, Diagnostic> {
        let span = e.span;
        let at = |m: String| Diagnostic::error(span, m);
        Ok(match &e.kind {
            ExprKind::Int(i) => Value::Arr(self.build.weak_const(Lit::Int(*i))),
            ExprKind::Float(x) => Value::Arr(self.build.weak_const(Lit::float(*x))),
            ExprKind::Imag(x) => Value::Arr(self.build.weak_const(Lit::complex(0.0, *x))),
            ExprKind::Bool(b) => Value::Arr(self.build.weak_const(Lit::Bool(*b))),
            ExprKind::Str(s) => Value::Str(s.clone()),
            ExprKind::Name(name) => self.lookup(name, span)?,
            ExprKind::Unary { op, operand } => {
                let v = operand!(self, operand);
                let a = self.expect_arr(v, operand.span)?;
                Value::Arr(self.unary_operator(*op, a).map_err(at)?)
            }
            ExprKind::Binary { op, lhs, rhs } => {
                let l = operand!(self, lhs);
                let r = operand!(self, rhs);
                let a = self.expect_arr(l, lhs.span)?;
                let b = self.expect_arr(r, rhs.span)?;
                let result = match op {
                    BinOp::MatMul => self.matmul(a, b),
                    _ => self.build.binary(binop(*op), a, b),
                };
                Value::Arr(result.map_err(at)?)
            }
            ExprKind::Call { callee, args } => self.call(callee, args, span)?,
            ExprKind::Index { base, items } => match operand!(self, base) {
                Value::Tuple(values) => self.index_tuple(values, items, span)?,
                v => {
                    let a = self.expect_arr(v, base.span)?;
                    self.index(a, items, span)?
                }
            },
            ExprKind::Array(items) => self.array_literal(items, span)?,
            ExprKind::Tuple(items) => {
                let mut values = Vec::with_capacity(items.len());
                for item in items {
                    values.push(operand!(self, item));
                }
                Value::Tuple(values)
            }
            ExprKind::Error => Value::Poison,
        })
    }

    /// Resolves a name: local scope, globals, constants, builtins, dtypes.
    fn lookup(&mut self, name: &str, span: Span) -> Result<Value, Diagnostic> {
        let scopes = [self.scopes.len() - 1, 0];
        if let Some(v) = scopes.iter().find_map(|&s| self.scopes[s].get(name)) {
            return Ok(v.clone());
        }
        if let Some((_, x)) = CONSTANTS.iter().find(|(n, _)| *n == name) {
            return Ok(Value::Arr(self.build.weak_const(Lit::float(*x))));
        }
        if let Some(b) = super::builtins::lookup(name) {
            return Ok(Value::Builtin(b));
        }
        if let Some(d) = DType::from_name(name) {
            return Ok(Value::DType(d));
        }
        let mut d = Diagnostic::error(span, format!("unknown name `{name}`"));
        if let Some(best) = self.similar_name(name) {
            d = d.with_label(format!("did you mean `{best}`?"));
        }
        Err(d)
    }

    /// The visible name closest to `name`, if one is close enough to be a likely typo.
    fn similar_name(&self, name: &str) -> Option<String> {
        let local = self.scopes.last().into_iter().chain(self.scopes.first());
        let candidates = local
            .flat_map(|s| s.keys().map(String::as_str))
            .chain(CONSTANTS.iter().map(|(n, _)| *n))
            .chain(super::builtins::NAMES.iter().copied())
            .chain(DType::ALL.iter().map(|d| d.name()));
        closest(name, candidates)
    }

    pub(crate) fn expect_arr(&self, v: Value, span: Span) -> Result<Arr, Diagnostic> {
        match v {
            Value::Arr(a) => Ok(a),
            other => Err(Diagnostic::error(
                span,
                format!("expected an array, found {}", other.describe()),
            )),
        }
    }

    fn unary_operator(&mut self, op: UnOp, a: Arr) -> Result<Arr, String> {
        let dtype = self.build.ty(a).dtype;
        match op {
            UnOp::Pos if dtype == DType::Bool => Err("unary `+` is not defined for bool".into()),
            UnOp::Pos => Ok(a),
            UnOp::Neg if dtype == DType::Bool => {
                Err("cannot negate a bool array; use `not` for logical negation".into())
            }
            UnOp::Neg => self.build.unary_node(UnaryOp::Neg, a),
            UnOp::Not => {
                let b = self.build.cast(a, DType::Bool)?;
                self.build.unary_node(UnaryOp::Not, b)
            }
        }
    }

    /// `a @ b` with NumPy's rules: 1-D operands become a row or a column, batch dimensions
    /// broadcast.
    pub(crate) fn matmul(&mut self, a: Arr, b: Arr) -> Result<Arr, String> {
        // On bools the product is "or of ands", as in NumPy.
        let (dtype, _) = self.build.promote(&[a, b]);
        let (sa, sb) = (
            self.build.ty(a).shape.clone(),
            self.build.ty(b).shape.clone(),
        );
        if sa.is_empty() || sb.is_empty() {
            return Err(
                "matmul operands must have at least one dimension (use `*` for scalars)".into(),
            );
        }
        let a2 = if sa.len() == 1 {
            vec![1, sa[0]]
        } else {
            sa.clone()
        };
        let b2 = if sb.len() == 1 {
            vec![sb[0], 1]
        } else {
            sb.clone()
        };
        let (m, k) = (a2[a2.len() - 2], a2[a2.len() - 1]);
        let (k2, n) = (b2[b2.len() - 2], b2[b2.len() - 1]);
        if k != k2 {
            return Err(format!(
                "matmul dimension mismatch: {} @ {} (inner dimensions {k} and {k2} differ)",
                shape_text(&sa),
                shape_text(&sb)
            ));
        }
        let batch =
            super::broadcast_shapes(&a2[..a2.len() - 2], &b2[..b2.len() - 2]).map_err(|_| {
                format!(
                    "matmul batch dimensions do not broadcast: {} @ {}",
                    shape_text(&sa),
                    shape_text(&sb)
                )
            })?;
        let full = |rows: usize, cols: usize| [batch.clone(), vec![rows, cols]].concat();
        let mut nodes = Vec::new();
        for (x, shape2, target) in [(a, &a2, full(m, k)), (b, &b2, full(k, n))] {
            let x = self.build.cast(x, dtype)?;
            let x = self.build.reshape(x, shape2.clone())?;
            nodes.push(self.build.broadcast_to(x, &target)?.node);
        }
        let out = self
            .build
            .node(Op::MatMul, nodes, Type::new(dtype, full(m, n)))?;
        let mut result_shape = batch.clone();
        if sa.len() > 1 {
            result_shape.push(m);
        }
        if sb.len() > 1 {
            result_shape.push(n);
        }
        self.build.reshape(Arr::strong(out), result_shape)
    }

    /// Binds call arguments (positional, then keywords) to a user function's parameters.
    fn bind_user_args(
        &mut self,
        def: &super::FnDef,
        positional: Vec<(Value, Span)>,
        keywords: Vec<(crate::syntax::ast::Ident, Value)>,
        span: Span,
    ) -> Result<Vec<Value>, Diagnostic> {
        let n = def.params.len();
        if positional.len() > n {
            return Err(Diagnostic::error(
                span,
                format!(
                    "`{}` takes {n} argument{} but {} were given",
                    def.name.name,
                    if n == 1 { "" } else { "s" },
                    positional.len()
                ),
            ));
        }
        let mut bound: Vec<Option<Value>> = positional.into_iter().map(|(v, _)| Some(v)).collect();
        bound.resize(n, None);
        for (name, v) in keywords {
            let Some(i) = def.params.iter().position(|p| p.name == name.name) else {
                let mut d = Diagnostic::error(
                    name.span,
                    format!("`{}` has no parameter named `{}`", def.name.name, name.name),
                );
                if let Some(best) = closest(&name.name, def.params.iter().map(|p| p.name.as_str()))
                {
                    d = d.with_label(format!("did you mean `{best}`?"));
                }
                return Err(d);
            };
            if bound[i].is_some() {
                return Err(Diagnostic::error(
                    name.span,
                    format!("`{}` is given twice", name.name),
                ));
            }
            bound[i] = Some(v);
        }
        if let Some(missing) = bound.iter().position(Option::is_none) {
            return Err(Diagnostic::error(
                span,
                format!(
                    "`{}` takes {n} argument{}; `{}` is missing",
                    def.name.name,
                    if n == 1 { "" } else { "s" },
                    def.params[missing].name
                ),
            ));
        }
        Ok(bound
            .into_iter()
            .map(|v| v.expect("checked above"))
            .collect())
    }

    fn call(&mut self, callee: &Expr, args: &[ast::Arg], span: Span) -> Result<Value, Diagnostic> {
        let f = operand!(self, callee);
        if let Value::Builtin(name) = f {
            return super::builtins::call(self, name, args, span);
        }
        let mut positional = Vec::new();
        let mut keywords = Vec::new();
        for arg in args {
            let v = operand!(self, &arg.value);
            match &arg.name {
                Some(n) => keywords.push((n.clone(), v)),
                None => positional.push((v, arg.value.span)),
            }
        }
        match f {
            Value::Func(def) => {
                let values = self.bind_user_args(&def, positional, keywords, span)?;
                self.call_user(&def, values, span)
            }
            Value::Grad(g) => {
                let values = self.bind_user_args(&g.def, positional, keywords, span)?;
                self.call_grad(&g, values, span)
            }
            Value::DType(dtype) => {
                if positional.len() != 1 || !keywords.is_empty() {
                    return Err(Diagnostic::error(
                        span,
                        format!("the cast `{dtype}(x)` takes exactly one argument"),
                    ));
                }
                let (v, vspan) = positional.pop().expect("one argument");
                let a = self.expect_arr(v, vspan)?;
                let c = self
                    .build
                    .cast(a, dtype)
                    .map_err(|m| Diagnostic::error(span, m))?;
                Ok(Value::Arr(c))
            }
            other => Err(Diagnostic::error(
                callee.span,
                format!("cannot call {}", other.describe()),
            )),
        }
    }

    /// `base[items]`: integers select (and drop the axis), slices keep it.
    /// `t[i]` of a tuple (`value_and_grad(f)(x)[1]`): one constant index, negative from the end.
    fn index_tuple(
        &mut self,
        mut values: Vec<Value>,
        items: &[IndexItem],
        span: Span,
    ) -> Result<Value, Diagnostic> {
        let [IndexItem::Single(e)] = items else {
            return Err(Diagnostic::error(
                span,
                "a tuple takes one index, a number: `t[0]`, `t[-1]`",
            ));
        };
        let i = self.static_int_expr(e, "a tuple index")?;
        let n = values.len() as i64;
        let j = if i < 0 { i + n } else { i };
        if !(0..n).contains(&j) {
            return Err(Diagnostic::error(
                e.span,
                format!("index {i} is out of bounds for a tuple of {n}"),
            ));
        }
        Ok(values.swap_remove(j as usize))
    }

    fn index(&mut self, a: Arr, items: &[IndexItem], span: Span) -> Result<Value, Diagnostic> {
        let ty = self.build.ty(a).clone();
        if items.len() > ty.rank() {
            return Err(Diagnostic::error(
                span,
                format!(
                    "too many indices: the array is {}-D but {} were given",
                    ty.rank(),
                    items.len()
                ),
            ));
        }
        let rank = ty.rank();
        let (mut start, mut step, mut shape) =
            (vec![0i64; rank], vec![1i64; rank], ty.shape.clone());
        let mut keep = Vec::new();
        for (axis, item) in items.iter().enumerate() {
            let n = ty.shape[axis] as i64;
            match item {
                IndexItem::Single(e) => {
                    let i = self.static_int_expr(e, "an index")?;
                    let j = if i < 0 { i + n } else { i };
                    if !(0..n).contains(&j) {
                        return Err(Diagnostic::error(
                            e.span,
                            format!("index {i} is out of bounds for axis {axis} with size {n}"),
                        ));
                    }
                    start[axis] = j;
                    shape[axis] = 1;
                }
                IndexItem::Slice {
                    start: s,
                    stop: t,
                    step: k,
                    span: item_span,
                } => {
                    let mut part = |e: &Option<Expr>| -> Result<Option<i64>, Diagnostic> {
                        e.as_ref()
                            .map(|e| self.static_int_expr(e, "a slice bound"))
                            .transpose()
                    };
                    let (s, t, k) = (part(s)?, part(t)?, part(k)?);
                    let k = k.unwrap_or(1);
                    if k == 0 {
                        return Err(Diagnostic::error(*item_span, "slice step cannot be zero"));
                    }
                    let (first, len) = slice_bounds(n, s, t, k);
                    start[axis] = if len == 0 { 0 } else { first };
                    // With one element or none the step moves nothing; 1 keeps index
                    // arithmetic away from steps like -2**63.
                    step[axis] = if len <= 1 { 1 } else { k };
                    shape[axis] = len as usize;
                    keep.push(axis);
                }
            }
        }
        keep.extend(items.len()..rank);
        let at = |m: String| Diagnostic::error(span, m);
        let identity =
            shape == ty.shape && step.iter().all(|&k| k == 1) && start.iter().all(|&s| s == 0);
        let mut out = a;
        if !identity {
            out = self
                .build
                .op1(
                    Op::Slice { start, step },
                    a,
                    Type::new(ty.dtype, shape.clone()),
                )
                .map_err(at)?;
        }
        let final_shape: Vec<usize> = keep.iter().map(|&k| shape[k]).collect();
        Ok(Value::Arr(
            self.build.reshape(out, final_shape).map_err(at)?,
        ))
    }

    /// `[a, b, …]`: stacks equal-shaped elements along a new first axis.
    fn array_literal(&mut self, items: &[Expr], span: Span) -> Result<Value, Diagnostic> {
        let mut arrs = Vec::with_capacity(items.len());
        for item in items {
            let v = operand!(self, item);
            arrs.push(self.expect_arr(v, item.span)?);
        }
        let Some(&first) = arrs.first() else {
            let node = self
                .build
                .graph
                .add_source(Array::zeros(DType::F64, vec![0]));
            return Ok(Value::Arr(Arr::strong(node)));
        };
        let (dtype, _) = self.build.promote(&arrs);
        let inner = self.build.ty(first).shape.clone();
        for (a, item) in arrs.iter().zip(items) {
            if self.build.ty(*a).shape != inner {
                return Err(Diagnostic::error(
                    item.span,
                    format!(
                        "array literal elements differ in shape: {} and {}",
                        shape_text(&inner),
                        shape_text(&self.build.ty(*a).shape)
                    ),
                ));
            }
        }
        let mut shape = vec![arrs.len()];
        shape.extend_from_slice(&inner);
        let at = |m: String| Diagnostic::error(span, m);
        self.build.admit(&shape, dtype).map_err(at)?;
        // All elements known (literals, or literals nested in literals): one source array.
        let mut row_shape = vec![1];
        row_shape.extend_from_slice(&inner);
        let known: Option<Vec<Array>> = arrs.iter().map(|a| self.known_value(a.node)).collect();
        if let Some(values) = known {
            let rows: Vec<Array> = values
                .into_iter()
                .map(|v| v.cast(dtype).reshaped(row_shape.clone()))
                .collect();
            let refs: Vec<&Array> = rows.iter().collect();
            let node = self.build.graph.add_source(movement::concat(&refs, 0));
            return Ok(Value::Arr(Arr::strong(node)));
        }
        let mut rows = Vec::new();
        for a in arrs {
            let c = self.build.cast(a, dtype).map_err(at)?;
            rows.push(self.build.reshape(c, row_shape.clone()).map_err(at)?.node);
        }
        let node = self
            .build
            .node(Op::Concat { axis: 0 }, rows, Type::new(dtype, shape))
            .map_err(at)?;
        Ok(Value::Arr(Arr::strong(node)))
    }

    /// The value of a constant or source node, without evaluating anything.
    fn known_value(&self, node: crate::ir::NodeId) -> Option<Array> {
        match self.build.graph.node(node).op {
            Op::Const(_) => self.build.const_value(node).map(Array::scalar),
            Op::Source(i) => Some(self.build.graph.source(i).clone()),
            _ => None,
        }
    }

    /// An integer that must be known before the graph runs (a size, an axis, an index).
    pub(crate) fn static_int_expr(&mut self, e: &Expr, what: &str) -> Result<i64, Diagnostic> {
        let v = self.expr(e)?;
        self.static_int(v, e.span, what)
    }

    pub(crate) fn static_int(
        &mut self,
        v: Value,
        span: Span,
        what: &str,
    ) -> Result<i64, Diagnostic> {
        let a = match v {
            Value::Arr(a) => a,
            other => {
                return Err(Diagnostic::error(
                    span,
                    format!("expected an integer for {what}, found {}", other.describe()),
                ));
            }
        };
        let ty = self.build.ty(a).clone();
        if !ty.shape.is_empty() || !(ty.dtype.is_int() || ty.dtype == DType::Bool) {
            return Err(Diagnostic::error(
                span,
                format!("expected an integer for {what}, found an array of type {ty}"),
            ));
        }
        // Evaluated now, in check mode too: later shapes depend on it.
        let scalar = match self.build.const_value(a.node) {
            Some(s) => s,
            None => self
                .value_of(a.node, span, &format!("{what} (it sets a shape)"))?
                .get(0),
        };
        Ok(scalar.to_i64_exact().expect("integer dtype"))
    }
}

/// NumPy's slice normalisation (`PySlice_AdjustIndices`): the first index and the length.
pub fn slice_bounds(n: i64, start: Option<i64>, stop: Option<i64>, step: i64) -> (i64, i64) {
    let adjust = |x: i64, lo: i64, hi: i64| {
        let x = if x < 0 { x + n } else { x };
        x.clamp(lo, hi)
    };
    let (s, t) = if step > 0 {
        (
            start.map_or(0, |s| adjust(s, 0, n)),
            stop.map_or(n, |t| adjust(t, 0, n)),
        )
    } else {
        (
            start.map_or(n - 1, |s| adjust(s, -1, n - 1)),
            stop.map_or(-1, |t| adjust(t, -1, n - 1)),
        )
    };
    // In i128: `t - s + step` overflows i64 for steps near ±2**63.
    let (s, t, step) = (s as i128, t as i128, step as i128);
    let len = if step > 0 {
        if t > s { (t - s + step - 1) / step } else { 0 }
    } else if s > t {
        (s - t - step - 1) / -step
    } else {
        0
    };
    (s as i64, len as i64)
}

fn binop(op: BinOp) -> BinaryOp {
    match op {
        BinOp::Add => BinaryOp::Add,
        BinOp::Sub => BinaryOp::Sub,
        BinOp::Mul => BinaryOp::Mul,
        BinOp::Div => BinaryOp::Div,
        BinOp::Mod => BinaryOp::Rem,
        BinOp::Pow => BinaryOp::Pow,
        BinOp::Eq => BinaryOp::Eq,
        BinOp::Ne => BinaryOp::Ne,
        BinOp::Lt => BinaryOp::Lt,
        BinOp::Le => BinaryOp::Le,
        BinOp::Gt => BinaryOp::Gt,
        BinOp::Ge => BinaryOp::Ge,
        BinOp::And => BinaryOp::And,
        BinOp::Or => BinaryOp::Or,
        BinOp::MatMul => unreachable!("`@` is lowered by `matmul`"),
    }
}

/// The candidate closest to `name` by edit distance, if close enough to suggest.
pub fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<String> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .filter(|c| *c != name)
        .map(|c| (strsim::damerau_levenshtein(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c.to_string())
}

#[cfg(test)]
mod tests {
    use super::slice_bounds;

    #[test]
    fn slices_with_extreme_steps_count_like_numpy() {
        // NumPy: `np.arange(5)[::-2**63]` is `[4]`, `[-2**63:2**63-1:2**63-1]` is `[0]`.
        assert_eq!(slice_bounds(5, None, None, i64::MIN), (4, 1));
        assert_eq!(
            slice_bounds(5, Some(i64::MIN), Some(i64::MAX), i64::MAX),
            (0, 1)
        );
        assert_eq!(slice_bounds(5, None, None, i64::MAX), (0, 1));
        assert_eq!(slice_bounds(5, Some(i64::MAX), None, -1), (4, 5));
        assert_eq!(slice_bounds(5, None, None, 2), (0, 3));
        assert_eq!(slice_bounds(5, Some(3), Some(1), 1), (3, 0));
    }
}

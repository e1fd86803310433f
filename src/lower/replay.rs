//! Replaying a top-level `for` loop: its body is traced once into a `Program`, which then runs
//! the remaining turns without lowering anything again.
//!
//! The trace runs the body's statements on a fresh graph in which every distinct array held by
//! a global variable is a `Param` node. Constants stay constants, so everything folds exactly
//! as in a turn run statement by statement, and the Program computes the same bits. The loop
//! variable is a parameter too (the last one), used only where that keeps the bits the same
//! (`counter_is_exact`). A trace is replayed only when it is a fixed point of the loop's
//! structure: after the body, every variable that held an array holds one of the same dtype,
//! shape and weakness (the variables that shared an array still share one), and every constant
//! and every other value is unchanged. The next turn then has the inputs the trace was made
//! for, and so has every turn after it.
//!
//! A body is never traced when it has a host step (`print`, `save`, `load`), needs a value while
//! it is lowered (a size or an index computed from an array or from the loop variable), draws
//! unseeded random numbers, defines a function, holds a loop or a `bench` block, or runs where
//! a variable holds a tuple; its turns then run one by one, as does every turn on a GPU. A body
//! whose structure changes (an array that grows) is traced again after 1, 2, 4, … more turns,
//! and replayed from the first turn whose trace holds.
//!
//! A replayed loop runs all its remaining turns inside this module: each turn's outputs are the
//! next turn's inputs, and the arrays they replace go back to the allocation pool.

use super::{Lowerer, Mode, Value};
use crate::diag::Diagnostic;
use crate::ir::{Arr, Builder, Graph, Lit, NodeId, Op, Type};
use crate::program::Program;
use crate::syntax::ast::{Stmt, StmtKind};
use arrjit_runtime::{Array, DType, Scalar};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use std::sync::Arc;

/// The global variables that hold one array before the traced turn.
struct Class {
    names: Vec<String>,
    /// The array's node in the script's graph (a source).
    node: NodeId,
    /// Its parameter in the traced graph.
    param: NodeId,
    weak: bool,
}

/// Where a class's array comes from in the next turn.
#[derive(Clone, Copy)]
enum Next {
    /// The array class `m` held (unchanged, or moved from another variable).
    Kept(usize),
    /// The Program's output `r`.
    Output(usize),
}

/// A loop body, traced and compiled, ready to run turns.
pub(super) struct LoopProgram {
    program: Program,
    classes: Vec<Class>,
    next: Vec<Next>,
}

/// A block run once on parameters.
struct Traced {
    graph: Graph,
    classes: Vec<Class>,
    /// What every global holds after the block, as values over `graph`.
    after: HashMap<String, Value>,
    /// The loop variable's parameter, if the block is a loop body.
    counter: Option<NodeId>,
}

/// Why a trace was not used.
pub(super) enum NotTraced {
    /// The body can never be replayed (a host step, a value needed while lowering, …).
    Never,
    /// The structure changed during the traced turn; a later turn may trace a fixed point.
    NotYet,
}

/// Whether the statements of a loop body may be traced at all (a first, static filter).
fn traceable(stmts: &[Stmt]) -> bool {
    stmts.iter().all(|s| match &s.kind {
        StmtKind::Assign { .. } | StmtKind::Expr(_) => true,
        StmtKind::Fn { .. } | StmtKind::For { .. } | StmtKind::Bench { .. } => false,
    })
}

/// Whether two values that are not arrays are the same (functions: the same definition).
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::DType(x), Value::DType(y)) => x == y,
        (Value::Func(x), Value::Func(y)) => Rc::ptr_eq(x, y),
        (Value::Grad(x), Value::Grad(y)) => Rc::ptr_eq(x, y),
        (Value::Builtin(x), Value::Builtin(y)) => x == y,
        (Value::Unit, Value::Unit) => true,
        _ => false,
    }
}

/// The constant a node holds, with its type.
fn constant(graph: &Graph, node: NodeId) -> Option<(Lit, &Type)> {
    match graph.node(node).op {
        Op::Const(lit) => Some((lit, graph.ty(node))),
        _ => None,
    }
}

/// Whether the Program computes what the loop variable feeds into with the same bits as a
/// turn run statement by statement. There the variable is a constant, so the scalar arithmetic
/// on it alone is folded by the interpreter; in the Program it is a parameter, and that
/// arithmetic runs in the engine. Both give the same bits for exact operations on real numbers
/// (IEEE arithmetic, comparisons, conversions), which is all this allows there. A power whose
/// exponent comes from the variable is refused too: with a constant exponent, `x ** 2` is
/// built as `x * x`.
fn counter_is_exact(graph: &Graph, roots: &[NodeId], counter: NodeId) -> bool {
    use crate::ir::{BinaryOp as B, UnaryOp as U};
    // Nodes that depend on the counter, and those of them that only it and constants feed
    // (the ones a statement-by-statement turn folds).
    let mut depends = HashSet::from([counter]);
    let mut folded = HashSet::from([counter]);
    for n in graph.reachable(roots) {
        let node = graph.node(n);
        if !node.inputs.iter().any(|i| depends.contains(i)) {
            continue;
        }
        depends.insert(n);
        let exponent = matches!(node.op, Op::Binary(B::Pow)) && depends.contains(&node.inputs[1]);
        if exponent {
            return false;
        }
        let scalar_of_counter = node.ty.shape.is_empty()
            && matches!(node.op, Op::Unary(_) | Op::Binary(_) | Op::Where | Op::Cast)
            && (node.inputs.iter()).all(|&i| folded.contains(&i) || constant(graph, i).is_some());
        if !scalar_of_counter {
            continue;
        }
        folded.insert(n);
        let real = |id: NodeId| {
            let d = graph.ty(id).dtype;
            !d.is_complex()
        };
        let exact = match &node.op {
            Op::Unary(op) => matches!(
                op,
                U::Neg
                    | U::Not
                    | U::Abs
                    | U::Sqrt
                    | U::Floor
                    | U::Ceil
                    | U::Round
                    | U::Trunc
                    | U::Sign
                    | U::IsNan
                    | U::IsInf
            ),
            Op::Binary(op) => matches!(
                op,
                B::Add
                    | B::Sub
                    | B::Mul
                    | B::Div
                    | B::Min
                    | B::Max
                    | B::Eq
                    | B::Ne
                    | B::Lt
                    | B::Le
                    | B::Gt
                    | B::Ge
                    | B::And
                    | B::Or
            ),
            // `i32` refuses a weak literal that does not fit, where a parameter would wrap.
            Op::Cast => node.ty.dtype != DType::I32,
            Op::Where => true,
            _ => false,
        };
        if !exact || !real(n) || !node.inputs.iter().all(|&i| real(i)) {
            return false;
        }
    }
    true
}

impl Lowerer<'_> {
    /// Traces one turn of the loop body `stmts` with loop variable `var` and, if the trace is
    /// a fixed point of the loop's structure, compiles it.
    pub(super) fn trace_loop(
        &mut self,
        var: &str,
        stmts: &[Stmt],
    ) -> Result<LoopProgram, NotTraced> {
        let Traced {
            graph,
            classes,
            after,
            counter,
        } = self.trace(stmts, Some(var))?;
        let var_param = counter.expect("traced with a counter");

        // A fixed point? Each class's variables must hold one array of the same type, no two
        // classes the same one; everything else must be unchanged.
        let param_class: HashMap<NodeId, usize> = (classes.iter().enumerate())
            .map(|(j, c)| (c.param, j))
            .collect();
        let mut roots = Vec::new();
        let mut next = Vec::with_capacity(classes.len());
        let mut taken = HashSet::new();
        for class in &classes {
            let mut out = None;
            for name in &class.names {
                let Some(Value::Arr(a)) = after.get(name) else {
                    return Err(NotTraced::Never);
                };
                if a.weak != class.weak || out.is_some_and(|o| o != a.node) {
                    return Err(NotTraced::NotYet);
                }
                out = Some(a.node);
            }
            let out = out.expect("a class has a variable");
            let same_type = graph.ty(out) == graph.ty(class.param);
            if !same_type || !taken.insert(out) || constant(&graph, out).is_some() {
                return Err(NotTraced::NotYet);
            }
            next.push(match param_class.get(&out) {
                Some(&m) => Next::Kept(m),
                None => {
                    roots.push(out);
                    Next::Output(roots.len() - 1)
                }
            });
        }
        let in_class: HashSet<&String> = classes.iter().flat_map(|c| &c.names).collect();
        for (name, value) in &after {
            if name == var || in_class.contains(name) {
                continue;
            }
            let same = match (self.scopes[0].get(name), value) {
                (Some(Value::Arr(before)), Value::Arr(now)) => {
                    before.weak == now.weak
                        && constant(&self.build.graph, before.node).is_some_and(|(lit, ty)| {
                            constant(&graph, now.node).is_some_and(|c| c == (lit, ty))
                        })
                }
                (Some(before), now) => same_value(before, now),
                (None, _) => false,
            };
            if !same {
                return Err(NotTraced::NotYet);
            }
        }
        if !counter_is_exact(&graph, &roots, var_param) {
            return Err(NotTraced::Never);
        }
        let deadline = self.build.deadline;
        match self.exec.program(graph, roots, deadline) {
            Ok(Some(program)) => Ok(LoopProgram {
                program,
                classes,
                next,
            }),
            Ok(None) | Err(_) => Err(NotTraced::Never),
        }
    }

    /// Runs `stmts` once on a fresh graph whose leaves are parameters (see the module
    /// documentation), with `counter` (a loop variable) as the last parameter, and puts the
    /// script's state back as it was.
    fn trace(&mut self, stmts: &[Stmt], counter: Option<&str>) -> Result<Traced, NotTraced> {
        let replayable = self.replay
            && self.mode == Mode::Run
            && !self.tracing_grad
            && !self.tracing_block
            && self.scopes.len() == 1
            && self.exec.makes_programs()
            && traceable(stmts);
        if !replayable {
            return Err(NotTraced::Never);
        }
        // The trace's inputs: a parameter per distinct source array, constants copied.
        let mut fresh = Builder::new(self.build.limits.clone(), self.build.deadline);
        let mut classes: Vec<Class> = Vec::new();
        let mut class_of: HashMap<NodeId, usize> = HashMap::new();
        let mut scope = HashMap::new();
        let mut names: Vec<&String> = (self.scopes[0].keys())
            .filter(|n| Some(n.as_str()) != counter)
            .collect();
        names.sort();
        for name in names {
            let traced = match &self.scopes[0][name] {
                Value::Arr(a) => match self.build.graph.node(a.node).op {
                    Op::Source(_) => {
                        let j = match class_of.get(&a.node) {
                            Some(&j) => j,
                            None => {
                                let ty = self.build.graph.ty(a.node).clone();
                                let index = classes.len() as u32;
                                let param = fresh.graph.add(Op::Param(index), Vec::new(), ty);
                                classes.push(Class {
                                    names: Vec::new(),
                                    node: a.node,
                                    param,
                                    weak: a.weak,
                                });
                                class_of.insert(a.node, classes.len() - 1);
                                classes.len() - 1
                            }
                        };
                        if classes[j].weak != a.weak {
                            return Err(NotTraced::NotYet);
                        }
                        classes[j].names.push(name.clone());
                        Value::Arr(Arr {
                            node: classes[j].param,
                            weak: a.weak,
                        })
                    }
                    Op::Const(lit) => {
                        let ty = self.build.graph.ty(a.node).clone();
                        let node = fresh.graph.add(Op::Const(lit), Vec::new(), ty);
                        Value::Arr(Arr { node, weak: a.weak })
                    }
                    // Every live array is a source or a constant after a turn.
                    _ => return Err(NotTraced::Never),
                },
                Value::Tuple(_) => return Err(NotTraced::Never),
                other => other.clone(),
            };
            scope.insert(name.clone(), traced);
        }
        let counter = counter.map(|var| {
            let param = fresh.graph.add(
                Op::Param(classes.len() as u32),
                Vec::new(),
                Type::scalar(DType::I64),
            );
            let value = Value::Arr(Arr {
                node: param,
                weak: true,
            });
            scope.insert(var.to_string(), value);
            param
        });

        // The turn, on the fresh graph, with everything it could change put back after.
        let build = std::mem::replace(&mut self.build, fresh);
        let globals = std::mem::replace(&mut self.scopes[0], scope);
        let (diags, outputs, rand_calls) = (
            self.diags.len(),
            self.outputs.len(),
            self.unseeded_rand_calls,
        );
        let (calls, placeholders, span) =
            (self.call_stack.len(), self.placeholders, self.stmt_span);
        self.tracing_block = true;
        let ran = self.exec_all(stmts, false).is_ok() && self.diags.len() == diags;
        self.tracing_block = false;
        let mut traced = std::mem::replace(&mut self.build, build);
        let after = std::mem::replace(&mut self.scopes[0], globals);
        let random = self.unseeded_rand_calls != rand_calls;
        self.diags.truncate(diags);
        self.outputs.truncate(outputs);
        self.call_stack.truncate(calls);
        self.unseeded_rand_calls = rand_calls;
        self.placeholders = placeholders;
        self.stmt_span = span;
        // Sources made by the body (array literals) hold the same values at every turn: `load`,
        // whose file could change, ends the trace.
        if !ran || random {
            return Err(NotTraced::Never);
        }
        traced.check();
        Ok(Traced {
            graph: traced.graph,
            classes,
            after,
            counter,
        })
    }

    /// Runs turns `from..to` of a loop with `program`, then binds the variables (and the loop
    /// variable `var`) as the turns run one by one would have left them.
    pub(super) fn replay(
        &mut self,
        lp: LoopProgram,
        var: &str,
        from: i64,
        to: i64,
    ) -> Result<(), Diagnostic> {
        // Until a turn replaces them, the arrays are read where they are, in the graph.
        let mut held: Vec<Held> = (0..lp.classes.len()).map(Held::Original).collect();
        let graph = &self.build.graph;
        let original = |j: usize| match graph.node(lp.classes[j].node).op {
            Op::Source(i) => graph.source(i),
            ref other => unreachable!("a class holds a source, not {other:?}"),
        };
        let deadline = self.build.deadline;
        let mut turn = from;
        let mut stopped = None;
        while turn < to {
            if let Err(e) = deadline.check() {
                stopped = Some(e);
                break;
            }
            let counter = Array::scalar(Scalar::I64(turn));
            let mut refs: Vec<&Array> = (held.iter())
                .map(|h| match h {
                    Held::Original(j) => original(*j),
                    Held::Computed(a) => a.as_ref(),
                })
                .collect();
            refs.push(&counter);
            let outputs = match lp.program.run(&refs, deadline) {
                Ok(outputs) => outputs,
                Err(e) => {
                    stopped = Some(e);
                    break;
                }
            };
            drop(refs);
            let mut outputs: Vec<Option<Array>> = outputs.into_iter().map(Some).collect();
            let next: Vec<Held> = (lp.next.iter())
                .map(|n| match *n {
                    Next::Kept(m) => held[m].clone(),
                    Next::Output(r) => {
                        Held::Computed(Rc::new(outputs[r].take().expect("one use per output")))
                    }
                })
                .collect();
            for old in std::mem::replace(&mut held, next) {
                if let Held::Computed(old) = old
                    && let Ok(array) = Rc::try_unwrap(old)
                {
                    arrjit_runtime::recycle(array);
                }
            }
            turn += 1;
        }
        self.replayed_turns += (turn - from) as u64;
        // The variables as the last complete turn left them.
        for (j, h) in held.into_iter().enumerate() {
            let node = match h {
                Held::Original(m) if m == j => continue,
                Held::Original(m) => lp.classes[m].node,
                Held::Computed(a) => self.build.graph.add_source(Rc::unwrap_or_clone(a)),
            };
            for name in &lp.classes[j].names {
                let weak = lp.classes[j].weak;
                self.bind(name, Value::Arr(Arr { node, weak }));
            }
        }
        let last = self.build.weak_const(Lit::Int(turn.min(to - 1)));
        self.bind(var, Value::Arr(last));
        match stopped {
            Some(e) => Err(self.stopped(e)),
            None => Ok(()),
        }
    }
}

/// What a class of variables holds during a replay.
#[derive(Clone)]
enum Held {
    /// The array class `m` held before the loop (a source of the graph).
    Original(usize),
    /// An array a turn computed.
    Computed(Rc<Array>),
}

/// A `bench` block, traced and compiled: each run computes what the block assigns from the
/// arrays the variables held before it.
pub(super) struct BlockProgram {
    program: Program,
    /// The arrays of the parameters, shared with the graph they came from.
    inputs: Vec<Arc<Array>>,
}

/// What a `bench` block's runs use: not tried yet, its Program, or the statements themselves.
pub(super) enum BlockReplay {
    Untried,
    Traced(Box<BlockProgram>),
    Statements,
}

impl Lowerer<'_> {
    /// Traces a `bench` block run from the current state (see the module documentation) and
    /// compiles what it assigns; `None` where the block must run statement by statement.
    pub(super) fn trace_block(&mut self, stmts: &[Stmt]) -> Option<BlockProgram> {
        let traced = self.trace(stmts, None).ok()?;
        let mut assigned = HashSet::new();
        for value in traced.after.values() {
            super::collect_nodes(value, &mut assigned);
        }
        let mut roots: Vec<NodeId> = (assigned.into_iter())
            .filter(|&n| {
                let op = &traced.graph.node(n).op;
                !matches!(op, Op::Const(_) | Op::Source(_) | Op::Param(_))
            })
            .collect();
        roots.sort();
        let inputs = (traced.classes.iter())
            .map(|c| match self.build.graph.node(c.node).op {
                Op::Source(i) => self.build.graph.shared_source(i).clone(),
                ref other => unreachable!("a class holds a source, not {other:?}"),
            })
            .collect();
        let deadline = self.build.deadline;
        let program = self.exec.program(traced.graph, roots, deadline).ok()??;
        Some(BlockProgram { program, inputs })
    }

    /// One run of a traced `bench` block; its results are dropped.
    pub(super) fn run_block(&mut self, block: &BlockProgram) -> Result<(), Diagnostic> {
        let refs: Vec<&Array> = block.inputs.iter().map(|a| a.as_ref()).collect();
        let outputs =
            (block.program.run(&refs, self.build.deadline)).map_err(|e| self.stopped(e))?;
        outputs.into_iter().for_each(arrjit_runtime::recycle);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::limits::Deadline;
    use crate::lower::{self, Engine, Mode};

    #[test]
    fn a_traced_bench_block_computes_what_its_statements_do() {
        let setup = "a = rand(1000, seed=1)\nb = rand(1000, seed=2) + 0.5\nk = 3\n";
        let block = "y = sin(a) * b + k\nz = (y, a - b)\n";
        for engine in Engine::ALL {
            let (program, _) = crate::syntax::parse(setup);
            let mut out = Vec::new();
            let mut l = lower::run_on(&program, setup, Mode::Run, engine, &mut out).unwrap();
            l.materialize().unwrap();
            let (stmts, _) = crate::syntax::parse(block);
            let traced = l.trace_block(&stmts.stmts).expect("traced");
            let inputs: Vec<_> = traced.inputs.iter().map(|a| a.as_ref()).collect();
            let got = traced.program.run(&inputs, Deadline::NONE).unwrap();

            let whole = format!("{setup}{block}d = a - b\n");
            let (program, _) = crate::syntax::parse(&whole);
            let mut out = Vec::new();
            let mut l = lower::run_on(&program, &whole, Mode::Run, engine, &mut out).unwrap();
            let want = [l.global_array("y").unwrap(), l.global_array("d").unwrap()];
            assert_eq!(got.len(), 2, "{engine:?}");
            for (g, w) in got.iter().zip(&want) {
                assert_eq!(g.dtype(), w.dtype());
                assert_eq!(g.shape(), w.shape());
                let bits = |a: &arrjit_runtime::Array| -> Vec<u64> {
                    (0..a.len())
                        .map(|i| a.get(i).to_c128().re.to_bits())
                        .collect()
                };
                assert_eq!(bits(g), bits(w), "{engine:?}");
            }
        }
    }
}

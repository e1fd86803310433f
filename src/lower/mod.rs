//! AST → graph: runs a script's statements in order, building the graph lazily and evaluating
//! it (with the reference interpreter) only where a value is needed: `print`, `save`, sizes and
//! axes given as expressions, and the end of every top-level loop iteration. Under `arr bench`,
//! `bench` blocks are timed in each engine (bench.rs).
//!
//! Shapes and dtypes are inferred as nodes are built, so a shape or type error points at the
//! expression that caused it. User functions are inlined at each call: they accept whatever
//! dtype and rank their body accepts, checked at the call.

mod args;
mod bench;
mod builtins;
mod engine;
mod expr;
mod grad;
mod grad_print;
mod replay;
mod value;

pub use crate::ir::build::broadcast_shapes;
pub use bench::{BenchOptions, BenchResult, DeviceTime, Timing, bench, bench_names};
pub use engine::Engine;
pub use value::{Arr, FnDef, Value};

use crate::backend::Device;
use crate::diag::{Diagnostic, Span};
use crate::ir::{Builder, Graph, NodeId, Op};
use crate::limits::{Deadline, Limits, Stop};
use crate::syntax::ast::{FnBody, Program, Stmt, StmtKind};
use arrjit_runtime::Array;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::rc::Rc;

/// What running a script does with its effects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Evaluate and perform every effect (`print` writes, `save` saves).
    Run,
    /// Build and type-check only: nothing is printed or saved, loop bodies run at most once, and
    /// errors are collected across statements instead of stopping at the first.
    Check,
}

/// How deep calls of different user functions may nest (a function that calls itself is an
/// error at once: without conditionals it could never end). Far deeper than code written by
/// hand, and shallow enough for the lowering's recursion to fit a thread's stack.
const MAX_CALL_DEPTH: usize = 256;

/// The state of a running script.
pub struct Lowerer<'o> {
    /// The graph so far, with the limits and deadline it is built within.
    pub build: Builder,
    exec: engine::Executor,
    /// `scopes[0]` holds the globals; a function call pushes one scope for its locals.
    scopes: Vec<HashMap<String, Value>>,
    mode: Mode,
    out: &'o mut dyn Write,
    /// Set when the reader of the output has gone away; printing then stops.
    output_closed: bool,
    source: Cow<'o, str>,
    /// Counts `rand`/`randn` calls without `seed=`, so each gets its own stream.
    unseeded_rand_calls: u64,
    /// The user functions being called, outermost first, with where each is defined.
    call_stack: Vec<(String, Span)>,
    /// Placeholder parameters made for differentiation so far.
    placeholders: u32,
    /// Whether to keep each differentiated function's derivative as text (`arr ir --grad`).
    record_grads: bool,
    /// Set while a derivative is traced for `grad_texts`: loops then run every turn, even in
    /// `Mode::Check`, so that the text is the derivative of the whole function.
    tracing_grad: bool,
    /// Set while a loop body is traced for replay (`replay.rs`): nothing may be evaluated,
    /// printed, saved or loaded, and trying ends the trace.
    tracing_block: bool,
    /// Whether top-level loops are traced and replayed (`replay.rs`); off, every turn is
    /// lowered and evaluated statement by statement.
    replay: bool,
    /// How many loop turns were run by replaying a traced body.
    replayed_turns: u64,
    /// The derivatives kept, one text per differentiated function and parameter set.
    pub grad_texts: Vec<(String, String)>,
    /// Every diagnostic reported so far.
    pub diags: Vec<Diagnostic>,
    /// Values `print` and `save` were given, labelled, for `arr ir`.
    pub outputs: Vec<(String, NodeId)>,
    /// Set by `arr bench`: `bench` blocks are then timed in each engine (see `bench.rs`).
    bench: Option<bench::Harness<'o>>,
    /// The statement being run: where a run that goes over its time is stopped.
    stmt_span: Span,
}

/// Marks that a statement failed; its diagnostic is already in `Lowerer::diags`.
pub struct Stopped;

/// Runs `program` (parsed from `source`) on the reference interpreter and returns the final
/// state, or the diagnostics.
pub fn run<'o>(
    program: &Program,
    source: &'o str,
    mode: Mode,
    out: &'o mut dyn Write,
) -> Result<Lowerer<'o>, Vec<Diagnostic>> {
    run_on(program, source, mode, Engine::Interp, out)
}

/// Type-checks `program` like `run` in `Mode::Check`, keeping every differentiated function's
/// simplified derivative as readable text (`Lowerer::grad_texts`, for `arr ir --grad`).
pub fn run_recording_grads<'o>(
    program: &Program,
    source: &'o str,
    out: &'o mut dyn Write,
) -> Result<Lowerer<'o>, Vec<Diagnostic>> {
    let mut l = Lowerer::starting(source, Mode::Check, Engine::Interp, Device::Cpu, out)?;
    l.record_grads = true;
    l.run_program(program)
}

/// Like `run`, computing arrays with `engine`.
pub fn run_on<'o>(
    program: &Program,
    source: &'o str,
    mode: Mode,
    engine: Engine,
    out: &'o mut dyn Write,
) -> Result<Lowerer<'o>, Vec<Diagnostic>> {
    run_on_device(program, source, mode, engine, Device::Cpu, out)
}

/// Like `run`, computing arrays with `engine` on `device`.
pub fn run_on_device<'o>(
    program: &Program,
    source: &'o str,
    mode: Mode,
    engine: Engine,
    device: Device,
    out: &'o mut dyn Write,
) -> Result<Lowerer<'o>, Vec<Diagnostic>> {
    run_limited(
        program,
        source,
        mode,
        engine,
        device,
        Limits::default(),
        out,
    )
}

/// Like `run_on`, with every top-level loop run turn by turn instead of replayed: each turn
/// lowered, fused and evaluated anew. For comparisons with the replayed loops, which must give
/// the same bits.
pub fn run_turn_by_turn<'o>(
    program: &Program,
    source: &'o str,
    engine: Engine,
    out: &'o mut dyn Write,
) -> Result<Lowerer<'o>, Vec<Diagnostic>> {
    let mut l = Lowerer::starting(source, Mode::Run, engine, Device::Cpu, out)?;
    l.replay = false;
    l.run_program(program)
}

/// An interactive session (`arr repl`): nothing run yet; `Lowerer::run_more` runs each new
/// piece of source.
pub fn session<'o>(
    engine: Engine,
    device: Device,
    out: &'o mut dyn Write,
) -> Result<Lowerer<'o>, String> {
    let exec = engine::Executor::on(engine, device)?;
    Ok(Lowerer::new("", Mode::Run, exec, out))
}

/// Like `run_on_device`, within `limits` (the time limit counts from now).
pub fn run_limited<'o>(
    program: &Program,
    source: &'o str,
    mode: Mode,
    engine: Engine,
    device: Device,
    limits: Limits,
    out: &'o mut dyn Write,
) -> Result<Lowerer<'o>, Vec<Diagnostic>> {
    let mut l = Lowerer::starting(source, mode, engine, device, out)?;
    l.set_limits(limits);
    l.run_program(program)
}

impl<'o> Lowerer<'o> {
    /// A script about to run `source` with `engine` on `device`; the engine's failure to start
    /// (no CUDA device, say) is its diagnostic.
    fn starting(
        source: &'o str,
        mode: Mode,
        engine: Engine,
        device: Device,
        out: &'o mut dyn Write,
    ) -> Result<Lowerer<'o>, Vec<Diagnostic>> {
        let exec = engine::Executor::on(engine, device)
            .map_err(|e| vec![Diagnostic::error(Span::default(), e)])?;
        Ok(Lowerer::new(source, mode, exec, out))
    }

    /// Runs a whole program's top level; the final state, or every diagnostic.
    fn run_program(mut self, program: &Program) -> Result<Lowerer<'o>, Vec<Diagnostic>> {
        let _ = self.exec_top(&program.stmts);
        self.report_device_error();
        if self.diags.is_empty() {
            Ok(self)
        } else {
            Err(self.diags)
        }
    }

    fn new(
        source: &'o str,
        mode: Mode,
        exec: engine::Executor,
        out: &'o mut dyn Write,
    ) -> Lowerer<'o> {
        Lowerer {
            build: Builder::new(Limits::default(), Deadline::NONE),
            exec,
            scopes: vec![HashMap::new()],
            mode,
            out,
            output_closed: false,
            source: Cow::Borrowed(source),
            unseeded_rand_calls: 0,
            call_stack: Vec::new(),
            placeholders: 0,
            record_grads: false,
            tracing_grad: false,
            tracing_block: false,
            replay: true,
            replayed_turns: 0,
            grad_texts: Vec::new(),
            diags: Vec::new(),
            outputs: Vec::new(),
            bench: None,
            stmt_span: Span::default(),
        }
    }

    /// Runs from now on within `limits`; the time limit starts now.
    pub fn set_limits(&mut self, limits: Limits) {
        self.build.deadline = Deadline::after(limits.time);
        self.build.limits = limits;
    }

    /// Runs statements that a session has added to its source: `source` is the whole session so
    /// far (so that spans and `LINE:COL` notes point into it) and `stmts` the new statements.
    /// Returns the value of a final expression statement, formatted as `print` would, unless it
    /// has none (`print(…)`); or the diagnostics of the statement that failed, after which
    /// the session goes on with what the earlier statements did.
    pub fn run_more(
        &mut self,
        source: String,
        stmts: &[Stmt],
    ) -> Result<Option<String>, Vec<Diagnostic>> {
        self.source = Cow::Owned(source);
        self.diags.clear();
        let shown = self.run_entry(stmts);
        self.stmt_span = Span::default();
        shown.map_err(|d| vec![d])
    }

    /// The source the spans point into (for a session, every entry so far).
    pub fn source(&self) -> &str {
        &self.source
    }

    fn run_entry(&mut self, stmts: &[Stmt]) -> Result<Option<String>, Diagnostic> {
        let Some((last, init)) = stmts.split_last() else {
            return Ok(None);
        };
        self.exec_all(init, true)?;
        let StmtKind::Expr(e) = &last.kind else {
            self.exec(last, true)?;
            return Ok(None);
        };
        self.stmt_span = last.span;
        let v = self.expr(e)?;
        if matches!(v, Value::Unit) {
            return Ok(None);
        }
        builtins::describe_value(self, &v, e.span).map(Some)
    }

    /// The value of global variable `name`, evaluated, if it holds an array (and, under a time
    /// limit, if there is time left to evaluate it).
    pub fn global_array(&mut self, name: &str) -> Option<Array> {
        match self.scopes[0].get(name)? {
            Value::Arr(a) => {
                let node = a.node;
                let value = self.values_of(&[node]).ok()?.remove(0);
                Some(Rc::unwrap_or_clone(value))
            }
            _ => None,
        }
    }

    /// How many turns of top-level loops were run by replaying their traced body
    /// (`replay.rs`) rather than statement by statement.
    pub fn replayed_turns(&self) -> u64 {
        self.replayed_turns
    }

    /// Every global variable that holds an array, sorted by name, with its value (as
    /// `global_array` gives it); `None` if one cannot be evaluated in the time left.
    pub fn global_arrays(&mut self) -> Option<Vec<(String, Array)>> {
        let names = self.array_globals();
        (names.into_iter())
            .map(|(name, _)| Some((name.clone(), self.global_array(&name)?)))
            .collect()
    }

    /// The global variables that hold arrays, sorted by name.
    pub fn array_globals(&self) -> Vec<(String, NodeId)> {
        let mut vars: Vec<(String, NodeId)> = self.scopes[0]
            .iter()
            .filter_map(|(k, v)| match v {
                Value::Arr(a) => Some((k.clone(), a.node)),
                _ => None,
            })
            .collect();
        vars.sort();
        vars
    }

    /// What `arr ir` shows: the values `print` and `save` were given, then the global arrays.
    fn shown(&self) -> (Vec<(String, NodeId)>, Vec<NodeId>) {
        let mut named = self.outputs.clone();
        named.extend(self.array_globals());
        let roots = named.iter().map(|(_, id)| *id).collect();
        (named, roots)
    }

    /// The graph printed for `arr ir`: every node that a global array or a printed or saved
    /// value needs, then which node each of those names.
    pub fn ir_text(&self) -> String {
        let (named, roots) = self.shown();
        let mut text = crate::ir::print::print_nodes(&self.build.graph, &roots);
        text.push('\n');
        for (name, id) in named {
            text.push_str(&format!("{name} = {id}\n"));
        }
        text
    }

    /// The schedule that fusion makes of the values `ir_text` shows, as text.
    pub fn schedule_text(&self, mode: crate::passes::fuse::Fusion) -> String {
        let (_, roots) = self.shown();
        let schedule = crate::passes::fuse::fuse(&self.build.graph, &roots, mode);
        crate::kernel::print_schedule(&self.build.graph, &schedule)
    }

    /// The Cranelift IR of every fused kernel of the shown values, as `arr ir --stage clif`
    /// prints it.
    pub fn clif_text(&self) -> Result<String, String> {
        let mut cpu = crate::backend::cpu::Cpu::new()?;
        Ok(self.kernel_texts(";", |k| cpu.clif_text(k), "not compiled"))
    }

    /// The CUDA C of every fused kernel (without the device prelude), as `arr ir --stage cuda`
    /// prints it; rendering needs no GPU.
    pub fn cuda_text(&self) -> String {
        self.kernel_texts("//", crate::backend::cuda::render_kernel, "not rendered")
    }

    /// `text` of each kernel of the fused schedule of the shown values, each after a
    /// `{comment} step N` line; a kernel `text` refuses gets `{comment} {refused}: why`.
    fn kernel_texts(
        &self,
        comment: &str,
        mut text: impl FnMut(&crate::kernel::Kernel) -> Result<String, String>,
        refused: &str,
    ) -> String {
        let (_, roots) = self.shown();
        let schedule = crate::passes::fuse::fuse(
            &self.build.graph,
            &roots,
            crate::passes::fuse::Fusion::Fused,
        );
        let mut out = String::new();
        for (i, step) in schedule.steps.iter().enumerate() {
            if let crate::kernel::Step::Kernel(k) = step {
                out.push_str(&format!("{comment} step {i}\n"));
                match text(k) {
                    Ok(t) => out.push_str(&t),
                    Err(why) => out.push_str(&format!("{comment} {refused}: {why}\n")),
                }
                out.push('\n');
            }
        }
        out
    }

    /// Runs top-level statements. In `Check` mode an error in one statement does not stop the
    /// others; in `Run` mode the first error stops the script.
    fn exec_top(&mut self, stmts: &[Stmt]) -> Result<(), Stopped> {
        for stmt in stmts {
            if let Err(d) = self.exec(stmt, true) {
                self.diags.push(d);
                if self.mode == Mode::Run {
                    return Err(Stopped);
                }
                if let StmtKind::Assign { target, .. } = &stmt.kind {
                    self.bind(&target.name, Value::Poison);
                }
            }
        }
        Ok(())
    }

    /// Runs statements, stopping at the first error.
    fn exec_all(&mut self, stmts: &[Stmt], top: bool) -> Result<(), Diagnostic> {
        for stmt in stmts {
            self.exec(stmt, top)?;
        }
        Ok(())
    }

    fn exec(&mut self, stmt: &Stmt, top: bool) -> Result<(), Diagnostic> {
        let outer = std::mem::replace(&mut self.stmt_span, stmt.span);
        let done = self.exec_inner(stmt, top);
        self.stmt_span = outer;
        // Past the time limit, the run stops with the limit's error at the statement, the
        // outermost one as the error passes up: where inside it the time ran out (a loop's
        // turn, a statement of its body, an array being built) depends on the machine.
        done.map_err(|d| match self.build.deadline.check() {
            Err(e) => Diagnostic::error(stmt.span, e.to_string()),
            Ok(()) => d,
        })
    }

    fn exec_inner(&mut self, stmt: &Stmt, top: bool) -> Result<(), Diagnostic> {
        self.out_of_time()?;
        match &stmt.kind {
            StmtKind::Assign { target, value } => {
                let v = self.expr(value)?;
                self.bind(&target.name, v);
            }
            StmtKind::Fn { name, params, body } => {
                for (i, p) in params.iter().enumerate() {
                    if params[..i].iter().any(|q| q.name == p.name) {
                        return Err(Diagnostic::error(
                            p.span,
                            format!("parameter `{}` is listed twice", p.name),
                        ));
                    }
                }
                let def = FnDef {
                    name: name.clone(),
                    params: params.clone(),
                    body: body.clone(),
                };
                self.bind(&name.name, Value::Func(Rc::new(def)));
            }
            StmtKind::For {
                var,
                start,
                end,
                body,
            } => {
                let lo = self.static_int_expr(start, "a loop bound")?;
                let hi = self.static_int_expr(end, "a loop bound")?;
                let mut i = lo;
                // A top-level loop is traced from its second turn on and replayed where the
                // trace holds (replay.rs); a trace that does not hold yet is tried again after
                // 1, 2, 4, … more turns.
                let (mut trace_at, mut gap) = (lo + 1, 1);
                while i < hi {
                    self.out_of_time()?;
                    if top && i == trace_at {
                        match self.trace_loop(&var.name, &body.stmts) {
                            Ok(program) => return self.replay(program, &var.name, i, hi),
                            Err(replay::NotTraced::NotYet) => {
                                trace_at = i.saturating_add(gap);
                                gap = gap.saturating_mul(2);
                            }
                            Err(replay::NotTraced::Never) => {}
                        }
                    }
                    let iv = self.build.weak_const(crate::ir::Lit::Int(i));
                    self.bind(&var.name, Value::Arr(iv));
                    self.exec_all(&body.stmts, top)?;
                    if self.mode == Mode::Check && !self.tracing_grad {
                        break;
                    }
                    if top {
                        self.materialize()?;
                    }
                    i += 1;
                }
            }
            StmtKind::Bench { name, body } => self.bench_block(name, body, top)?,
            StmtKind::Expr(e) => {
                self.expr(e)?;
            }
        }
        Ok(())
    }

    pub(crate) fn bind(&mut self, name: &str, v: Value) {
        self.scopes
            .last_mut()
            .expect("the global scope always exists")
            .insert(name.to_string(), v);
    }

    /// Calls a user function: binds arguments to parameters in a fresh scope and runs the body.
    pub(crate) fn call_user(
        &mut self,
        def: &FnDef,
        args: Vec<Value>,
        call_span: Span,
    ) -> Result<Value, Diagnostic> {
        let name = &def.name.name;
        // There are no conditionals, so a function that is already being called calls itself
        // again without end. Functions are told apart by where they are defined (a local
        // `fn` may reuse a name).
        let same = |f: &(String, Span)| f.1 == def.name.span;
        if let Some(from) = self.call_stack.iter().position(same) {
            let mut cycle: Vec<String> = self.call_stack[from..]
                .iter()
                .map(|(n, _)| format!("`{n}`"))
                .collect();
            let what = if cycle.len() == 1 {
                format!("`{name}` calls itself")
            } else {
                cycle.push(format!("`{name}`"));
                format!("{} call each other", cycle.join(" → "))
            };
            return Err(Diagnostic::error(
                call_span,
                format!("{what}: with no conditionals to stop it, a recursion never ends"),
            ));
        }
        if self.call_stack.len() >= MAX_CALL_DEPTH {
            return Err(Diagnostic::error(
                call_span,
                format!(
                    "calls nest more than {MAX_CALL_DEPTH} deep (`{}` → … → `{name}`)",
                    self.call_stack[0].0
                ),
            ));
        }
        let scope: HashMap<String, Value> = def
            .params
            .iter()
            .map(|p| p.name.clone())
            .zip(args)
            .collect();
        self.scopes.push(scope);
        self.call_stack.push((name.clone(), def.name.span));
        let result = self.run_body(def);
        self.call_stack.pop();
        self.scopes.pop();
        result.map_err(|mut d| {
            if d.span != call_span {
                let (line, col) = self.line_col(call_span);
                d.notes.push(format!("in `{name}`, called at {line}:{col}"));
            }
            d
        })
    }

    fn run_body(&mut self, def: &FnDef) -> Result<Value, Diagnostic> {
        match &def.body {
            FnBody::Expr(e) => self.expr(e),
            FnBody::Block(block) => {
                let Some((last, init)) = block.stmts.split_last() else {
                    return Err(Diagnostic::error(
                        block.span,
                        format!(
                            "the body of `{}` is empty; it must end with an expression",
                            def.name.name
                        ),
                    ));
                };
                self.exec_all(init, false)?;
                match &last.kind {
                    StmtKind::Expr(e) => self.expr(e),
                    _ => {
                        self.exec(last, false)?;
                        Err(Diagnostic::error(
                            last.span,
                            format!(
                                "the body of `{}` must end with an expression, its value",
                                def.name.name
                            ),
                        ))
                    }
                }
            }
        }
    }

    /// What each compiled kernel has cost so far (`arr run --stats`); empty for the
    /// interpreter.
    pub fn kernel_stats(&self) -> Vec<crate::backend::cpu::KernelStats> {
        self.exec.kernel_stats()
    }

    /// The global functions, by name, in no particular order.
    pub fn functions(&self) -> Vec<(String, Rc<FnDef>)> {
        self.scopes[0]
            .iter()
            .filter_map(|(name, v)| match v {
                Value::Func(def) => Some((name.clone(), def.clone())),
                _ => None,
            })
            .collect()
    }

    /// Calls `def` on one `Param(i)` node per argument type, and returns the nodes of its
    /// result (one, or one per array of a returned tuple, nested tuples flattened) and whether
    /// it was a tuple.
    pub fn call_on_params(
        &mut self,
        def: &FnDef,
        args: &[crate::ir::Type],
    ) -> Result<(Vec<NodeId>, bool), Diagnostic> {
        let span = def.name.span;
        if args.len() != def.params.len() {
            return Err(Diagnostic::error(
                span,
                format!(
                    "`{}` takes {} arguments, but it was called with {}",
                    def.name.name,
                    def.params.len(),
                    args.len()
                ),
            ));
        }
        let mut params: Vec<Value> = Vec::with_capacity(args.len());
        for (i, (ty, p)) in args.iter().zip(&def.params).enumerate() {
            self.build
                .admit(&ty.shape, ty.dtype)
                .map_err(|m| Diagnostic::error(p.span, format!("argument `{}`: {m}", p.name)))?;
            let node = self
                .build
                .graph
                .add(Op::Param(i as u32), Vec::new(), ty.clone());
            params.push(Value::Arr(value::Arr::strong(node)));
        }
        let not_array = |v: &Value| {
            Diagnostic::error(
                span,
                format!(
                    "`{}` must return an array or a tuple of arrays, not {}",
                    def.name.name,
                    v.describe()
                ),
            )
        };
        // Nested tuples (`value_and_grad` gives `(value, (gw, gx))`) are flattened in order.
        fn flatten(
            v: &Value,
            out: &mut Vec<NodeId>,
            not_array: &dyn Fn(&Value) -> Diagnostic,
        ) -> Result<(), Diagnostic> {
            match v {
                Value::Arr(a) => out.push(a.node),
                Value::Tuple(items) => {
                    for item in items {
                        flatten(item, out, not_array)?;
                    }
                }
                other => return Err(not_array(other)),
            }
            Ok(())
        }
        let result = self.call_user(def, params, span)?;
        let mut nodes = Vec::new();
        flatten(&result, &mut nodes, &not_array)?;
        Ok((nodes, matches!(result, Value::Tuple(_))))
    }

    /// An error if `node` depends on a parameter traced symbolically (a function being
    /// differentiated, or compiled by the embedding API): its value does not exist until the
    /// function is called with numbers. `what` says what needed the value.
    fn require_value(&self, node: NodeId, span: Span, what: &str) -> Result<(), Diagnostic> {
        let mut stack = vec![node];
        let mut seen = HashSet::new();
        while let Some(n) = stack.pop() {
            if !seen.insert(n) {
                continue;
            }
            let node = self.build.graph.node(n);
            if let Op::Param(_) = node.op {
                return Err(Diagnostic::error(
                    span,
                    format!(
                        "{what} needs a value, but this one depends on a parameter of a function being traced (by `grad`, or compiled for embedding): it has no value until the function runs"
                    ),
                ));
            }
            stack.extend(node.inputs.iter().copied());
        }
        Ok(())
    }

    /// A device that failed during the run (its values were then computed on the CPU)
    /// fails the run.
    pub(crate) fn report_device_error(&mut self) {
        if let Some(why) = self.exec.device_error() {
            let msg = format!("the CUDA device failed, so the CPU finished the run: {why}");
            self.diags.push(Diagnostic::error(Span::default(), msg));
        }
    }

    /// Device time and transfers so far, when arrays are computed on a GPU.
    pub fn gpu_stats(&self) -> Option<crate::backend::cuda::exec::GpuStats> {
        self.exec.gpu_stats()
    }

    /// 1-based line and column of a span's start.
    pub(crate) fn line_col(&self, span: Span) -> (usize, usize) {
        crate::diag::line_col(&self.source, span.start as usize)
    }

    /// Evaluates an array that `what` (at `span`) needs now. Values bound to names are kept for
    /// later use; other temporaries are freed as soon as the evaluation no longer needs them.
    pub(crate) fn value_of(
        &mut self,
        node: NodeId,
        span: Span,
        what: &str,
    ) -> Result<Rc<Array>, Diagnostic> {
        if self.tracing_block {
            return Err(Diagnostic::error(
                span,
                "no values while a loop body is traced",
            ));
        }
        self.require_value(node, span, what)?;
        let mut values = self.values_of(&[node]).map_err(|e| self.stopped(e))?;
        Ok(values.remove(0))
    }

    /// Evaluates several arrays at once (one schedule, when compiling).
    fn values_of(&mut self, nodes: &[NodeId]) -> Result<Vec<Rc<Array>>, Stop> {
        self.build.check();
        let mut named = HashSet::new();
        for scope in &self.scopes {
            for v in scope.values() {
                collect_nodes(v, &mut named);
            }
        }
        self.exec.values(
            &self.build.graph,
            nodes,
            |id| named.contains(&id),
            self.build.deadline,
        )
    }

    /// An error at the current statement once the time limit has passed.
    fn out_of_time(&self) -> Result<(), Diagnostic> {
        self.build.deadline.check().map_err(|e| self.stopped(e))
    }

    /// The time limit's error, at the current statement.
    fn stopped(&self, e: Stop) -> Diagnostic {
        Diagnostic::error(self.stmt_span, e.to_string())
    }

    /// Replaces every live array by a source node holding its value and starts a fresh graph,
    /// so a loop does not grow the graph without bound.
    fn materialize(&mut self) -> Result<(), Diagnostic> {
        // Every live array that is not a constant, computed together.
        let mut live = HashSet::new();
        for scope in &self.scopes {
            for v in scope.values() {
                collect_nodes(v, &mut live);
            }
        }
        // Constants are copied into the new graph, and sources, which already have their values
        // (and on a GPU their device copies), are shared with it (`remap`).
        let mut computed: Vec<NodeId> = (live.into_iter())
            .filter(|&n| !matches!(self.build.graph.node(n).op, Op::Const(_) | Op::Source(_)))
            .collect();
        computed.sort();
        let computed_values = self.values_of(&computed).map_err(|e| self.stopped(e))?;
        let mut values: HashMap<NodeId, Rc<Array>> =
            computed.iter().copied().zip(computed_values).collect();
        let mut old_to_new: HashMap<NodeId, NodeId> = HashMap::new();
        let mut fresh = Graph::new();
        let mut scopes = std::mem::take(&mut self.scopes);
        for scope in &mut scopes {
            for v in scope.values_mut() {
                self.remap(v, &mut values, &mut fresh, &mut old_to_new);
            }
        }
        self.scopes = scopes;
        self.outputs.clear();
        // Values kept on a GPU stay there as the new graph's sources.
        for (&old, &new) in &old_to_new {
            if let Op::Source(i) = fresh.node(new).op {
                let old_source = match self.build.graph.node(old).op {
                    Op::Source(j) => Some(j),
                    _ => None,
                };
                self.exec.carry(old, old_source, i);
            }
        }
        self.build.replace_graph(fresh);
        self.exec.new_graph();
        Ok(())
    }

    fn remap(
        &mut self,
        v: &mut Value,
        values: &mut HashMap<NodeId, Rc<Array>>,
        fresh: &mut Graph,
        map: &mut HashMap<NodeId, NodeId>,
    ) {
        match v {
            Value::Arr(a) => {
                let new = match map.get(&a.node) {
                    Some(&n) => n,
                    None => {
                        let node = self.build.graph.node(a.node).clone();
                        let n = match node.op {
                            Op::Const(_) => fresh.add(node.op, Vec::new(), node.ty),
                            Op::Source(i) => {
                                let shared = self.build.graph.shared_source(i).clone();
                                fresh.add_shared_source(shared)
                            }
                            // Moved when the engine keeps no other reference, else copied.
                            _ => {
                                let value = values.remove(&a.node).expect("a value per node");
                                fresh.add_source(Rc::unwrap_or_clone(value))
                            }
                        };
                        map.insert(a.node, n);
                        n
                    }
                };
                a.node = new;
            }
            Value::Tuple(items) => {
                for item in items {
                    self.remap(item, values, fresh, map);
                }
            }
            Value::Str(_)
            | Value::DType(_)
            | Value::Func(_)
            | Value::Grad(_)
            | Value::Builtin(_)
            | Value::Unit
            | Value::Poison => {}
        }
    }
}

/// Adds the nodes of every array inside `v` to `out`.
fn collect_nodes(v: &Value, out: &mut HashSet<NodeId>) {
    match v {
        Value::Arr(a) => {
            out.insert(a.node);
        }
        Value::Tuple(items) => items.iter().for_each(|item| collect_nodes(item, out)),
        Value::Str(_)
        | Value::DType(_)
        | Value::Func(_)
        | Value::Grad(_)
        | Value::Builtin(_)
        | Value::Unit
        | Value::Poison => {}
    }
}

//! Embedding arrjit: compile a function from source once, call it many times on your data.
//!
//! ```
//! use arrjit::Array;
//!
//! let f = arrjit::compile("fn f(a, b) = sin(a) * b + a")?;
//! let a = vec![0.0, 0.5, 1.0];
//! let b = vec![2.0, 2.0, 2.0];
//! let y: Array = f.call(&[&a, &b])?;
//! assert_eq!(y.as_slice::<f64>().unwrap()[1], 0.5f64.sin() * 2.0 + 0.5);
//! # Ok::<(), arrjit::Error>(())
//! ```
//!
//! A [`Function`] is specialised to the dtypes and shapes of its arguments on first use; later
//! calls with the same dtypes and shapes run the compiled kernels directly, and a new shape
//! reuses the compiled code of the old one (sizes are run-time parameters of every kernel), so
//! it only builds a new schedule. Functions are `Send + Sync`: one function may be called from
//! many threads at once.

pub use crate::backend::Device;
use crate::backend::cpu::{Cpu, Prepared};
use crate::backend::cuda::exec::{Gpu, GpuPlan};
use crate::ir::interp::Evaluator;
use crate::ir::{Graph, NodeId, Type};
use crate::limits::{Deadline, Limits, Stop};
use crate::lower::{self, Engine, Mode};
use crate::passes::fuse::fuse_until;
use arrjit_runtime::{Array, DType, Element};
use std::borrow::Cow;
use std::fmt;
use std::sync::{Arc, Mutex, RwLock};

/// Why a function could not be compiled or called: a located diagnostic (`FILE:LINE:COL:
/// error: …` with the source line), or a problem with the arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    message: String,
}

impl Error {
    fn new(message: impl Into<String>) -> Error {
        Error {
            message: message.into(),
        }
    }

    /// The full message, as `arr` would print it.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message.trim_end())
    }
}

impl std::error::Error for Error {}

/// How a [`Function`] is compiled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// Fused kernels (the default), one kernel per primitive, or the reference interpreter.
    pub mode: Engine,
    /// Which function of the source to compile; may be left out when it defines exactly one.
    pub function: Option<String>,
    /// The name diagnostics give the source.
    pub file_name: String,
    /// Where the function runs: the CPU (the default), or a CUDA GPU (`compile_with` says in
    /// one line what is missing where there is none). The interpreter runs on the CPU.
    pub device: Device,
    /// What the source may use: array sizes, graph nodes, file access, time (see
    /// [`Limits`]). The time limit applies to compiling and to each call on its own.
    pub limits: Limits,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            mode: Engine::Fused,
            function: None,
            file_name: "<source>".to_string(),
            device: Device::Cpu,
            limits: Limits::default(),
        }
    }
}

/// Compiles the one function that `source` defines (`fn f(a, b) = …`), fused.
pub fn compile(source: &str) -> Result<Function, Error> {
    compile_with(source, Options::default())
}

/// Compiles a function of `source` as `options` say.
///
/// ```
/// use arrjit::{Engine, Options};
///
/// let source = "fn norm(x) = sqrt(sum(x * x))\nfn unit(x) = x / norm(x)";
/// let unit = arrjit::compile_with(source, Options {
///     function: Some("unit".into()),
///     mode: Engine::Unfused,
///     ..Options::default()
/// })?;
/// let y = unit.call(&[&vec![3.0, 4.0]])?;
/// assert_eq!(y.as_slice::<f64>(), Some(&[0.6, 0.8][..]));
/// # Ok::<(), arrjit::Error>(())
/// ```
pub fn compile_with(source: &str, options: Options) -> Result<Function, Error> {
    let (program_ast, diags) = crate::syntax::parse(source);
    if !diags.is_empty() {
        return Err(Error::new(crate::diag::render(
            &options.file_name,
            source,
            &diags,
        )));
    }
    // Run the top level once: it defines the functions and reports errors early.
    let mut sink = Vec::new();
    let state = top_level(&program_ast, source, &options.limits, &mut sink)
        .map_err(|d| Error::new(crate::diag::render(&options.file_name, source, &d)))?;
    let mut functions = state.functions();
    functions.sort_by(|a, b| a.0.cmp(&b.0));
    let names = || {
        functions
            .iter()
            .map(|(n, _)| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (name, def) = match &options.function {
        Some(wanted) => functions
            .iter()
            .find(|(n, _)| n == wanted)
            .cloned()
            .ok_or_else(|| {
                Error::new(format!(
                    "{}: error: no function `{wanted}` (the source defines {})",
                    options.file_name,
                    if functions.is_empty() {
                        "none".to_string()
                    } else {
                        names()
                    }
                ))
            })?,
        None if functions.len() == 1 => functions[0].clone(),
        None if functions.is_empty() => {
            return Err(Error::new(format!(
                "{}: error: the source defines no function (`fn f(x) = …`)",
                options.file_name
            )));
        }
        None => {
            return Err(Error::new(format!(
                "{}: error: the source defines several functions ({}); name one in `Options::function`",
                options.file_name,
                names()
            )));
        }
    };
    let params = def.params.iter().map(|p| p.name.clone()).collect();
    drop(state);
    let (mut cpu, mut gpu) = (None, None);
    match (options.mode, options.device) {
        (Engine::Interp, _) => {}
        (_, Device::Cpu) => cpu = Some(Arc::new(Mutex::new(Jit(Cpu::new().map_err(Error::new)?)))),
        (_, device) => {
            let target = crate::backend::cuda::open(device)
                .map_err(|why| Error::new(format!("device cuda: {why}")))?;
            gpu = Some(Arc::new(Mutex::new(Gpu::new(target))));
        }
    }
    Ok(Function {
        source: source.to_string(),
        name,
        params,
        options,
        cpu,
        gpu,
        specs: RwLock::new(Vec::new()),
    })
}

/// Runs the top level of `program` on the interpreter, within `limits`.
fn top_level<'o>(
    program: &crate::syntax::ast::Program,
    source: &'o str,
    limits: &Limits,
    out: &'o mut dyn std::io::Write,
) -> Result<lower::Lowerer<'o>, Vec<crate::diag::Diagnostic>> {
    let (engine, device) = (Engine::Interp, Device::Cpu);
    lower::run_limited(
        program,
        source,
        Mode::Run,
        engine,
        device,
        limits.clone(),
        out,
    )
}

/// The JIT, shared by the threads that call one function.
struct Jit(Cpu);
// SAFETY: the JIT module is only touched with the mutex held (compiling); the compiled code it
// owns is immutable and is called, without the lock, through `Prepared` schedules that the
// `Function` keeps alive no longer than this module.
unsafe impl Send for Jit {}

/// The dtypes and shapes of a call's arguments.
type Signature = Vec<(DType, Vec<usize>)>;

/// A function specialised to one signature.
struct Spec {
    graph: Graph,
    /// The result nodes, in order, and whether the function returns a tuple.
    results: Vec<NodeId>,
    tuple: bool,
    /// The compiled schedule, whose outputs are `results` without repeats.
    prepared: Option<Prepared>,
    /// The same, compiled for the function's GPU.
    gpu_plan: Option<GpuPlan>,
    /// For each result, its position among the schedule's outputs.
    output_of: Vec<usize>,
}

/// A compiled function (see the module documentation).
pub struct Function {
    source: String,
    name: String,
    params: Vec<String>,
    options: Options,
    cpu: Option<Arc<Mutex<Jit>>>,
    /// The device, for a function compiled for CUDA: calls take turns on it.
    gpu: Option<Arc<Mutex<Gpu>>>,
    /// Specialisations, most recent last.
    specs: RwLock<Vec<(Signature, Arc<Spec>)>>,
}

/// Something a [`Function`] takes as an argument: an [`Array`] (borrowed, not copied), a slice
/// or `Vec` of `f64`, `f32`, `i64`, `i32` or `bool` (copied into a 1-d array), or one such
/// number (a 0-d array).
pub trait Arg {
    /// The argument as an array: borrowed when it is one, else a copy.
    fn to_array(&self) -> Cow<'_, Array>;
}

impl Arg for Array {
    fn to_array(&self) -> Cow<'_, Array> {
        Cow::Borrowed(self)
    }
}

fn from_slice<T: Element + Clone>(v: &[T]) -> Cow<'_, Array> {
    Cow::Owned(Array::from_vec(vec![v.len()], v.to_vec()))
}

/// A slice: pass it as `&slice` (`f.call(&[&v.as_slice()])`).
impl<T: Element + Clone> Arg for &[T] {
    fn to_array(&self) -> Cow<'_, Array> {
        from_slice(self)
    }
}

impl<T: Element + Clone> Arg for Vec<T> {
    fn to_array(&self) -> Cow<'_, Array> {
        from_slice(self)
    }
}

impl<T: Element + Clone, const N: usize> Arg for [T; N] {
    fn to_array(&self) -> Cow<'_, Array> {
        from_slice(self)
    }
}

macro_rules! scalar_arg {
    ($($t:ty),*) => {$(
        impl Arg for $t {
            fn to_array(&self) -> Cow<'_, Array> {
                Cow::Owned(Array::from_vec(Vec::new(), vec![*self]))
            }
        }
    )*};
}
scalar_arg!(f64, f32, i64, i32, bool);

impl Function {
    /// The function's name in the source.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The names of its parameters.
    pub fn params(&self) -> &[String] {
        &self.params
    }

    /// Calls the function; it must return one array.
    pub fn call(&self, args: &[&dyn Arg]) -> Result<Array, Error> {
        let mut results = self.call_all(args)?;
        if results.len() != 1 {
            return Err(Error::new(format!(
                "`{}` returns {} arrays; use `call_all`",
                self.name,
                results.len()
            )));
        }
        Ok(results.remove(0))
    }

    /// Calls the function; returns its result, or each element of the tuple it returns.
    ///
    /// ```
    /// let f = arrjit::compile("fn f(x) = (sum(x), x * 2)")?;
    /// let out = f.call_all(&[&vec![1i64, 2, 3]])?;
    /// assert_eq!(out[0].as_slice::<i64>(), Some(&[6][..]));
    /// assert_eq!(out[1].as_slice::<i64>(), Some(&[2, 4, 6][..]));
    /// # Ok::<(), arrjit::Error>(())
    /// ```
    pub fn call_all(&self, args: &[&dyn Arg]) -> Result<Vec<Array>, Error> {
        if args.len() != self.params.len() {
            return Err(Error::new(format!(
                "`{}` takes {} arguments ({}), but it was called with {}",
                self.name,
                self.params.len(),
                self.params.join(", "),
                args.len()
            )));
        }
        let deadline = Deadline::after(self.options.limits.time);
        let arrays: Vec<Cow<Array>> = args.iter().map(|a| a.to_array()).collect();
        let spec = self.spec(&arrays, deadline)?;
        let params: Vec<&Array> = arrays.iter().map(|a| a.as_ref()).collect();
        let late = |e: Stop| self.late(e);
        let outputs = match (&spec.prepared, &spec.gpu_plan, &self.gpu) {
            (Some(prepared), _, _) => prepared
                .run_until(&spec.graph, &params, deadline)
                .map_err(late)?,
            (_, Some(plan), Some(gpu)) => {
                deadline.check().map_err(late)?;
                let outputs = gpu
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .run(plan, &spec.graph, &params)
                    .map_err(|why| Error::new(format!("device cuda: {why}")))?;
                deadline.check().map_err(late)?;
                outputs
            }
            _ => {
                let mut ev = Evaluator::with_params(params.iter().map(|&a| a.clone()).collect());
                let mut outputs = Vec::with_capacity(spec.results.len());
                for &n in &spec.results {
                    let value = ev.eval_until(&spec.graph, n, |_| true, deadline);
                    outputs.push(value.map_err(late)?.as_ref().clone());
                }
                outputs
            }
        };
        let compiled = spec.prepared.is_some() || spec.gpu_plan.is_some();
        if !compiled || spec.output_of.iter().enumerate().all(|(i, &o)| i == o) {
            return Ok(outputs);
        }
        Ok(spec.output_of.iter().map(|&i| outputs[i].clone()).collect())
    }

    /// Whether the function returns a tuple for arguments of these dtypes and shapes.
    pub fn returns_tuple(&self, args: &[&dyn Arg]) -> Result<bool, Error> {
        let arrays: Vec<Cow<Array>> = args.iter().map(|a| a.to_array()).collect();
        let deadline = Deadline::after(self.options.limits.time);
        Ok(self.spec(&arrays, deadline)?.tuple)
    }

    /// The error of a call that stopped before its end.
    fn late(&self, e: Stop) -> Error {
        Error::new(format!("`{}`: {e}", self.name))
    }

    /// The function specialised to the dtypes and shapes of `args`, built on first use within
    /// the time the call has (`deadline`).
    fn spec(&self, args: &[Cow<Array>], deadline: Deadline) -> Result<Arc<Spec>, Error> {
        let matches = |signature: &Signature| {
            signature.len() == args.len()
                && signature
                    .iter()
                    .zip(args)
                    .all(|((d, s), a)| *d == a.dtype() && s == a.shape())
        };
        // A linear scan compares without allocating; a function sees few signatures.
        if let Some((_, spec)) = self
            .specs
            .read()
            .expect("not poisoned")
            .iter()
            .find(|(s, _)| matches(s))
        {
            return Ok(spec.clone());
        }
        let signature: Signature = args
            .iter()
            .map(|a| (a.dtype(), a.shape().to_vec()))
            .collect();
        let spec = Arc::new(self.specialise(&signature, deadline)?);
        let mut specs = self.specs.write().expect("not poisoned");
        if !specs.iter().any(|(s, _)| *s == signature) {
            specs.push((signature, spec.clone()));
        }
        Ok(spec)
    }

    fn specialise(&self, signature: &Signature, deadline: Deadline) -> Result<Spec, Error> {
        let source = &self.source;
        let render = |d: &[crate::diag::Diagnostic]| {
            Error::new(crate::diag::render(&self.options.file_name, source, d))
        };
        let (ast, _) = crate::syntax::parse(source);
        let mut sink = Vec::new();
        let mut state =
            top_level(&ast, source, &self.options.limits, &mut sink).map_err(|d| render(&d))?;
        // Tracing, fusing and compiling count against the call's time.
        state.build.deadline = deadline;
        let def = state
            .functions()
            .into_iter()
            .find(|(n, _)| *n == self.name)
            .expect("defined when compiled")
            .1;
        let types: Vec<Type> = signature
            .iter()
            .map(|(d, s)| Type::new(*d, s.clone()))
            .collect();
        let (results, tuple) = state
            .call_on_params(&def, &types)
            .map_err(|d| render(&[d]))?;
        state.build.check();
        let graph = std::mem::take(&mut state.build.graph);
        drop(state);
        let mut roots = results.clone();
        roots.sort();
        roots.dedup();
        let output_of = results
            .iter()
            .map(|r| roots.binary_search(r).expect("a root"))
            .collect();
        let schedule = || fuse_until(&graph, &roots, self.options.mode.fusion(), deadline);
        let prepared = match &self.cpu {
            Some(jit) => {
                let schedule = schedule().map_err(|e| self.late(e))?;
                let mut jit = jit.lock().expect("not poisoned");
                Some(
                    jit.0
                        .prepare_until(schedule, deadline)
                        .map_err(|e| self.late(e))?,
                )
            }
            None => None,
        };
        let gpu_plan = match &self.gpu {
            Some(gpu) => {
                let schedule = schedule().map_err(|e| self.late(e))?;
                let plan = gpu
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .prepare(schedule)
                    .map_err(|why| Error::new(format!("device cuda: {why}")))?;
                Some(plan)
            }
            None => None,
        };
        Ok(Spec {
            graph,
            results,
            tuple,
            prepared,
            gpu_plan,
            output_of,
        })
    }

    /// What each compiled kernel has cost so far (empty for the interpreter). Run times are
    /// measured only while `arrjit::backend::cpu::time_kernels(true)` is on.
    pub fn kernel_stats(&self) -> Vec<crate::backend::cpu::KernelStats> {
        match &self.cpu {
            Some(jit) => jit.lock().expect("not poisoned").0.stats(),
            None => Vec::new(),
        }
    }
}

//! `arr bench`: times a script's `bench` blocks in several engines, side by side.
//!
//! The script runs once, as `arr run` would, on the first engine asked for. Each other engine
//! gets its own executor (so its own kernel cache) for the whole script. At a `bench` block
//! that runs at top level (or in a top-level loop):
//!
//! 1. the live arrays are materialised, so the block's inputs are concrete arrays and their
//!    cost is not part of the timing;
//! 2. every engine runs the block once to warm up: the kernels compiled then are timed by the
//!    backend and reported as compile time, apart from the run times;
//! 3. then the engines take turns, one run each per round (so a drift in the machine's speed
//!    hits them alike), until each has its runs: at least `repeats`, and more while it has
//!    spent less than `min_time` in timed runs, up to `max_runs`;
//! 4. finally the block runs once more on the script's engine, with its output, and the script
//!    goes on from there.
//!
//! A run lowers the block's statements and evaluates every array they assign, as the end of a
//! loop iteration does (but without rebuilding the graph, which the next run throws away).
//! `print` inside a block writes nothing during the timed runs, only in the final run.
//!
//! Between runs the block's variables are put back as they were, and each executor forgets the
//! values it computed. The graph is not put back: it is hash-consed, so lowering the block again
//! finds the nodes it built the first time. A block with a loop inside replaces the graph at
//! the end of each iteration, so for such a block the graph is saved and restored too.

use super::engine::{Engine, Executor};
use super::replay::BlockReplay;
use super::{Lowerer, Mode, Value, collect_nodes};
use crate::diag::{Diagnostic, Span};
use crate::ir::{Graph, NodeId, Op};
use crate::syntax::ast::{Block, Program, Stmt, StmtKind, StrLit};
use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::time::Instant;

/// How `arr bench` times each block.
#[derive(Clone, Debug, PartialEq)]
pub struct BenchOptions {
    /// The engines to compare, in the order they are reported. The first one also runs the
    /// rest of the script.
    pub engines: Vec<Engine>,
    /// The fewest timed runs per engine (the warm-up run is not counted).
    pub repeats: usize,
    /// Timed runs go on until an engine has spent this many seconds in them …
    pub min_time: f64,
    /// … or has made this many runs.
    pub max_runs: usize,
    /// Where the compiled engines run (the interpreter runs on the CPU).
    pub device: crate::backend::Device,
}

impl Default for BenchOptions {
    fn default() -> BenchOptions {
        BenchOptions {
            engines: Engine::ALL.to_vec(),
            repeats: 5,
            min_time: 0.5,
            max_runs: 1000,
            device: crate::backend::Device::Cpu,
        }
    }
}

/// On a GPU, a timed run is a batch of calls, doubled until the batch lasts this long.
const MIN_BATCH_SECONDS: f64 = 1e-3;
/// The most calls in a batch.
const MAX_BATCH: usize = 256;
/// On a GPU, the timed runs record no CUDA events (the peers' timings have none either);
/// after the first timed run and then after every this many, a run of the same batch
/// records them, for the device time of the kernels.
const KERNEL_TIMING_EVERY: usize = 4;

/// One engine's measurements of one block.
#[derive(Clone, Debug, PartialEq)]
pub struct Timing {
    pub engine: Engine,
    /// Seconds per timed run, in the order they ran (per call: on a GPU a timed run is a
    /// batch of calls with one wait for the device at its end).
    pub runs: Vec<f64>,
    /// Seconds of the warm-up run (compiling included).
    pub first: f64,
    /// Seconds the backend spent compiling kernels for the block, over all runs (in practice,
    /// in the warm-up run).
    pub compile: f64,
    /// On a GPU, where the time of the runs with CUDA events went (one after the first
    /// timed run and after every `KERNEL_TIMING_EVERY`-th), in the order they ran.
    pub device: Vec<DeviceTime>,
}

/// Where a run's time went on a GPU.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct DeviceTime {
    /// Device time of the kernels and library calls (CUDA events).
    pub kernel: f64,
    /// Copies to and from the device.
    pub h2d: f64,
    pub d2h: f64,
    pub h2d_bytes: u64,
    pub d2h_bytes: u64,
}

/// The median of `xs` (0 for none).
pub fn median(xs: impl Iterator<Item = f64>) -> f64 {
    let mut xs: Vec<f64> = xs.collect();
    xs.sort_by(f64::total_cmp);
    match xs.len() {
        0 => 0.0,
        n if n % 2 == 1 => xs[n / 2],
        n => (xs[n / 2 - 1] + xs[n / 2]) / 2.0,
    }
}

impl Timing {
    /// The median of the timed runs (the mean of the middle two for an even count).
    pub fn median(&self) -> f64 {
        if self.runs.is_empty() {
            return self.first;
        }
        median(self.runs.iter().copied())
    }

    /// Median device time per run, on a GPU.
    pub fn device_median(&self) -> Option<DeviceTime> {
        if self.device.is_empty() {
            return None;
        }
        let m = |f: fn(&DeviceTime) -> f64| median(self.device.iter().map(f));
        Some(DeviceTime {
            kernel: m(|d| d.kernel),
            h2d: m(|d| d.h2d),
            d2h: m(|d| d.d2h),
            h2d_bytes: median(self.device.iter().map(|d| d.h2d_bytes as f64)) as u64,
            d2h_bytes: median(self.device.iter().map(|d| d.d2h_bytes as f64)) as u64,
        })
    }

    /// The fastest timed run.
    pub fn min(&self) -> f64 {
        self.runs
            .iter()
            .copied()
            .reduce(f64::min)
            .unwrap_or(self.first)
    }
}

/// The measurements of one `bench` block, one `Timing` per engine, in the order asked for.
#[derive(Clone, Debug, PartialEq)]
pub struct BenchResult {
    pub name: String,
    pub span: Span,
    pub timings: Vec<Timing>,
}

impl BenchResult {
    /// The timing of `engine`, if it was measured.
    pub fn timing(&self, engine: Engine) -> Option<&Timing> {
        self.timings.iter().find(|t| t.engine == engine)
    }
}

/// The names of the `bench` blocks `arr bench` would time: those at top level and in top-level
/// loops, in source order.
pub fn bench_names(program: &Program) -> Vec<String> {
    fn walk(stmts: &[Stmt], out: &mut Vec<String>) {
        for stmt in stmts {
            match &stmt.kind {
                StmtKind::Bench { name, .. } => out.push(name.value.clone()),
                StmtKind::For { body, .. } => walk(&body.stmts, out),
                StmtKind::Assign { .. } | StmtKind::Fn { .. } | StmtKind::Expr(_) => {}
            }
        }
    }
    let mut names = Vec::new();
    walk(&program.stmts, &mut names);
    names
}

/// Runs `program` (parsed from `source`), timing every `bench` block it reaches, and returns
/// the measurements, or the diagnostics of the error that stopped it. What the script prints
/// goes to `out`; `on_result` sees each block's measurements as soon as they are taken.
pub fn bench<'o>(
    program: &Program,
    source: &'o str,
    options: &BenchOptions,
    out: &'o mut dyn Write,
    on_result: &'o mut dyn FnMut(&BenchResult),
) -> Result<Vec<BenchResult>, Vec<Diagnostic>> {
    let executor = |e: Engine| {
        Executor::on(e, options.device).map_err(|why| vec![Diagnostic::error(Span::default(), why)])
    };
    let Some((&main, others)) = options.engines.split_first() else {
        return Ok(Vec::new());
    };
    let mut harness = Harness {
        options: options.clone(),
        others: Vec::new(),
        results: Vec::new(),
        on_result,
    };
    for &e in others {
        harness.others.push(executor(e)?);
    }
    let mut l = Lowerer::new(source, Mode::Run, executor(main)?, out);
    l.bench = Some(harness);
    let _ = l.exec_top(&program.stmts);
    l.report_device_error();
    if !l.diags.is_empty() {
        return Err(l.diags);
    }
    Ok(l.bench.take().map(|h| h.results).unwrap_or_default())
}

/// What `arr bench` adds to a running script.
pub(super) struct Harness<'o> {
    options: BenchOptions,
    /// The executors of `options.engines[1..]`; the script's own executor is the first's.
    others: Vec<Executor>,
    results: Vec<BenchResult>,
    on_result: &'o mut dyn FnMut(&BenchResult),
}

/// The script's state before a block, put back before every run of it.
struct Saved {
    scopes: Vec<HashMap<String, Value>>,
    unseeded_rand_calls: u64,
    outputs: usize,
    /// Only for blocks that replace the graph (see the module comment).
    graph: Option<Graph>,
}

impl Lowerer<'_> {
    /// Runs a `bench` block: timed in every engine when benchmarking, else once, like any block.
    pub(super) fn bench_block(
        &mut self,
        name: &StrLit,
        body: &Block,
        top: bool,
    ) -> Result<(), Diagnostic> {
        let harness = match self.bench.take() {
            Some(h) if top => h,
            other => {
                // Not benchmarking, or inside a function: just run it.
                self.bench = other;
                return self.exec_all(&body.stmts, top);
            }
        };
        // The harness is out of `self` while the block runs, so a `bench` nested inside this
        // one runs once, untimed.
        let mut harness = harness;
        let measured = self.measure(&mut harness, name, body);
        self.bench = Some(harness);
        measured
    }

    fn measure(
        &mut self,
        harness: &mut Harness,
        name: &StrLit,
        body: &Block,
    ) -> Result<(), Diagnostic> {
        self.materialize()?;
        let saved = Saved {
            scopes: self.scopes.clone(),
            unseeded_rand_calls: self.unseeded_rand_calls,
            outputs: self.outputs.len(),
            graph: has_loop(&body.stmts).then(|| self.build.graph.clone()),
        };
        let options = &harness.options;
        let mut timings: Vec<Timing> = options
            .engines
            .iter()
            .map(|&engine| Timing {
                engine,
                runs: Vec::new(),
                first: 0.0,
                compile: 0.0,
                device: Vec::new(),
            })
            .collect();
        let mut spent = vec![0.0f64; timings.len()];
        // Each engine traces the block in its first run and replays it after (replay.rs).
        let mut replays: Vec<BlockReplay> = timings.iter().map(|_| BlockReplay::Untried).collect();
        // Calls per timed run: 1, and on a GPU doubled until a run lasts a millisecond.
        let mut batch = vec![1usize; timings.len()];
        let mut warm_up = true;
        loop {
            let mut ran = false;
            for (i, timing) in timings.iter_mut().enumerate() {
                let wanted = timing.runs.len() < options.repeats
                    || (spent[i] < options.min_time && timing.runs.len() < options.max_runs);
                if !warm_up && !wanted {
                    continue;
                }
                ran = true;
                let calls = batch[i];
                let replay = &mut replays[i];
                let mut run = |l: &mut Self, events: bool| {
                    l.with_executor(&mut harness.others, i, |l| {
                        l.timed_run(body, &saved, calls, events, replay)
                    })
                };
                let (secs, compile, device) = run(self, false)?;
                timing.compile += compile;
                let whole = secs * calls as f64;
                if device.is_some() && whole < MIN_BATCH_SECONDS && calls < MAX_BATCH {
                    batch[i] = calls * 2;
                }
                if warm_up {
                    timing.first = secs;
                } else {
                    timing.runs.push(secs);
                    spent[i] += whole;
                    if device.is_some() && timing.runs.len() % KERNEL_TIMING_EVERY == 1 {
                        let (_, compile, device) = run(self, true)?;
                        timing.compile += compile;
                        timing.device.extend(device);
                    }
                }
            }
            if !ran {
                break;
            }
            warm_up = false;
        }
        for ex in &mut harness.others {
            ex.new_graph();
        }
        // The run the script keeps, with its output.
        self.restore(&saved);
        self.exec_all(&body.stmts, true)?;
        let result = BenchResult {
            name: name.value.clone(),
            span: name.span,
            timings,
        };
        (harness.on_result)(&result);
        harness.results.push(result);
        Ok(())
    }

    /// Runs `f` with the executor of engine `i` in place of the script's own.
    fn with_executor<T>(
        &mut self,
        others: &mut [Executor],
        i: usize,
        f: impl FnOnce(&mut Self) -> T,
    ) -> T {
        let Some(other) = i.checked_sub(1).and_then(|j| others.get_mut(j)) else {
            return f(self);
        };
        std::mem::swap(&mut self.exec, other);
        let r = f(self);
        std::mem::swap(&mut self.exec, other);
        r
    }

    /// A timed run: `calls` runs of the block from the saved state, back to back and muted,
    /// then a wait for the device (a GPU runs them while the host goes on, as the peers'
    /// batches of calls do). Per call: its seconds and on a GPU where the device time went
    /// (the kernels' only if `events`: CUDA events around each run); and the seconds of
    /// compiling in all of them.
    fn timed_run(
        &mut self,
        body: &Block,
        saved: &Saved,
        calls: usize,
        events: bool,
        replay: &mut BlockReplay,
    ) -> Result<(f64, f64, Option<DeviceTime>), Diagnostic> {
        self.exec.set_kernel_timing(events);
        let compiled_before = self.exec.compile_seconds();
        let device_before = self.exec.gpu_stats();
        let output_closed = std::mem::replace(&mut self.output_closed, true);
        let started = Instant::now();
        if let BlockReplay::Untried = replay {
            self.restore(saved);
            *replay = match self.trace_block(&body.stmts) {
                Some(program) => BlockReplay::Traced(Box::new(program)),
                None => BlockReplay::Statements,
            };
        }
        let mut ran = Ok(());
        for _ in 0..calls {
            ran = match replay {
                BlockReplay::Traced(program) => self.run_block(program),
                _ => {
                    self.restore(saved);
                    self.exec_all(&body.stmts, true)
                        .map(|()| self.evaluate_assigned())
                }
            };
            if ran.is_err() {
                break;
            }
        }
        self.exec.finish();
        let secs = started.elapsed().as_secs_f64() / calls as f64;
        self.exec.set_kernel_timing(true);
        self.output_closed = output_closed;
        ran?;
        let per_call = |x: f64| x / calls as f64;
        let device = match (device_before, self.exec.gpu_stats()) {
            (Some(a), Some(b)) => Some(DeviceTime {
                kernel: per_call(b.kernel_s - a.kernel_s),
                h2d: per_call(b.h2d_s - a.h2d_s),
                d2h: per_call(b.d2h_s - a.d2h_s),
                h2d_bytes: (b.h2d_bytes - a.h2d_bytes) / calls as u64,
                d2h_bytes: (b.d2h_bytes - a.d2h_bytes) / calls as u64,
            }),
            _ => None,
        };
        Ok((secs, self.exec.compile_seconds() - compiled_before, device))
    }

    /// Puts the variables (and the graph, if saved) back as they were before the block, and
    /// makes the executor forget what it computed.
    fn restore(&mut self, saved: &Saved) {
        self.scopes.clone_from(&saved.scopes);
        self.unseeded_rand_calls = saved.unseeded_rand_calls;
        self.outputs.truncate(saved.outputs);
        if let Some(graph) = &saved.graph {
            self.build.replace_graph(graph.clone());
            self.exec.new_graph();
        } else {
            // The graph only grew: its nodes, and the schedules made for them, still hold.
            self.exec.forget_values();
        }
    }

    /// Computes every live array that is not yet a value (the block's results); on a GPU they
    /// stay on the device.
    fn evaluate_assigned(&mut self) {
        let mut live = HashSet::new();
        for scope in &self.scopes {
            for v in scope.values() {
                collect_nodes(v, &mut live);
            }
        }
        let mut nodes: Vec<NodeId> = live
            .into_iter()
            .filter(|&n| !matches!(self.build.graph.node(n).op, Op::Const(_) | Op::Source(_)))
            .collect();
        if nodes.is_empty() {
            return;
        }
        nodes.sort();
        self.exec.evaluate(&self.build.graph, &nodes);
    }
}

/// Whether `stmts` hold a loop, at any depth.
fn has_loop(stmts: &[Stmt]) -> bool {
    stmts.iter().any(|s| match &s.kind {
        StmtKind::For { .. } => true,
        StmtKind::Bench { body, .. } => has_loop(&body.stmts),
        StmtKind::Assign { .. } | StmtKind::Fn { .. } | StmtKind::Expr(_) => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timing(runs: &[f64]) -> Timing {
        Timing {
            engine: Engine::Fused,
            runs: runs.to_vec(),
            first: 9.0,
            compile: 0.0,
            device: Vec::new(),
        }
    }

    #[test]
    fn median_and_min_of_runs() {
        assert_eq!(timing(&[3.0, 1.0, 2.0]).median(), 2.0);
        assert_eq!(timing(&[4.0, 1.0, 2.0, 3.0]).median(), 2.5);
        assert_eq!(timing(&[3.0, 1.0, 2.0]).min(), 1.0);
        // No timed runs: the warm-up run is all there is.
        assert_eq!(timing(&[]).median(), 9.0);
        assert_eq!(timing(&[]).min(), 9.0);
    }

    #[test]
    fn names_of_top_level_and_loop_benches() {
        let source =
            "a = 1\nbench \"one\" { b = a + 1 }\nfor i in 0..2 { bench \"two\" { c = a } }\n";
        let (program, diags) = crate::syntax::parse(source);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(bench_names(&program), ["one", "two"]);
    }

    #[test]
    fn times_each_engine_and_keeps_the_blocks_effects() {
        let source =
            "a = arange(8)\nbench \"b\" {\n  y = a * 2\n  print(sum(y))\n}\nprint(sum(y))\n";
        let (program, diags) = crate::syntax::parse(source);
        assert!(diags.is_empty(), "{diags:?}");
        let options = BenchOptions {
            repeats: 3,
            min_time: 0.0,
            ..BenchOptions::default()
        };
        let mut out = Vec::new();
        let mut seen = 0;
        let mut on_result = |_: &BenchResult| seen += 1;
        let results = bench(&program, source, &options, &mut out, &mut on_result).unwrap();
        assert_eq!(seen, 1);
        assert_eq!(results.len(), 1);
        let engines: Vec<Engine> = results[0].timings.iter().map(|t| t.engine).collect();
        assert_eq!(engines, Engine::ALL);
        for t in &results[0].timings {
            assert_eq!(t.runs.len(), 3);
        }
        // The block prints once (its final run), then the script goes on with `y`.
        assert_eq!(String::from_utf8(out).unwrap(), "56\n56\n");
    }

    #[test]
    fn every_run_of_a_block_with_a_loop_starts_from_the_same_state() {
        // The loop replaces the graph at the end of each iteration; the block's runs must not
        // see each other's results.
        let source =
            "s = arange(4) * 1.0\nbench \"loop\" { for i in 0..3 { s = s + i } }\nprint(s)\n";
        let (program, diags) = crate::syntax::parse(source);
        assert!(diags.is_empty(), "{diags:?}");
        let options = BenchOptions {
            repeats: 4,
            min_time: 0.0,
            ..BenchOptions::default()
        };
        let mut out = Vec::new();
        let results = bench(&program, source, &options, &mut out, &mut |_| {}).unwrap();
        assert_eq!(results[0].timings.len(), 3);
        assert_eq!(String::from_utf8(out).unwrap(), "[3. 4. 5. 6.]\n");
    }
}

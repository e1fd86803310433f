//! `arr`: run, check and inspect `.arr` scripts.

use arrjit::diag::{self, Diagnostic, Span};
use arrjit::lower::{self, BenchOptions, BenchResult, Engine, Mode};
use arrjit::passes::fuse::Fusion;
use arrjit::report::{self, Table};
use arrjit::syntax::{self, ast::Program};
use arrjit::{Device, Limits};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "arr",
    version,
    about = "Run, check and inspect .arr array scripts"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a script.
    Run {
        file: PathBuf,
        /// How to compute: `fused` compiles fused kernels, `unfused` one kernel per
        /// operation (NumPy's model), `interp` runs the reference interpreter.
        #[arg(long, value_enum, default_value_t = ExecMode::Fused)]
        mode: ExecMode,
        /// After the run, print each compiled kernel's compile time, calls, run time and
        /// cache hits to standard error.
        #[arg(long)]
        stats: bool,
        /// Where to run: `cpu`, or `cuda` (an NVIDIA GPU; where none can run, says what is
        /// missing).
        #[arg(long, value_name = "DEVICE", default_value = "cpu")]
        device: String,
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// Time a script's `bench` blocks in each mode, side by side.
    Bench(BenchArgs),
    /// An interactive prompt: each line runs like the next line of a script, and the value of an
    /// expression is printed.
    Repl {
        /// How to compute (as for `run`).
        #[arg(long, value_enum, default_value_t = ExecMode::Fused)]
        mode: ExecMode,
        /// Where to run: `cpu` or `cuda`.
        #[arg(long, value_name = "DEVICE", default_value = "cpu")]
        device: String,
    },
    /// Parse and type-check a script without running it.
    Check { file: PathBuf },
    /// Print the graph IR a script builds.
    Ir {
        file: PathBuf,
        /// Which stage to print.
        #[arg(long, value_enum, default_value_t = Stage::Lowered)]
        stage: Stage,
        /// Print instead the simplified derivative of every differentiated function, as
        /// readable math in .arr syntax.
        #[arg(long)]
        grad: bool,
    },
}

/// Bounds for running a script from an untrusted source (`arrjit::Limits`).
#[derive(Args)]
struct LimitArgs {
    /// Refuse any array of more elements than this.
    #[arg(long, value_name = "N")]
    max_elements: Option<usize>,
    /// Refuse a run whose arrays would take more than this many bytes together.
    #[arg(long, value_name = "BYTES")]
    max_bytes: Option<u64>,
    /// Refuse a graph of more nodes than this (default 1000000).
    #[arg(long, value_name = "N")]
    max_nodes: Option<usize>,
    /// Refuse `load` and `save`.
    #[arg(long)]
    no_files: bool,
    /// Stop the run after this many seconds.
    #[arg(long, value_name = "SECONDS", value_parser = seconds)]
    time_limit: Option<std::time::Duration>,
}

impl LimitArgs {
    fn limits(&self) -> Limits {
        let default = Limits::default();
        Limits {
            max_elements: self.max_elements,
            max_bytes: self.max_bytes,
            max_nodes: self.max_nodes.unwrap_or(default.max_nodes),
            files: !self.no_files,
            time: self.time_limit,
        }
    }
}

/// A number of seconds, as a duration.
fn seconds(text: &str) -> Result<std::time::Duration, String> {
    let s: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number of seconds"))?;
    std::time::Duration::try_from_secs_f64(s)
        .map_err(|_| format!("`{text}` is not a number of seconds that is 0 or more"))
}

#[derive(Args)]
struct BenchArgs {
    file: PathBuf,
    /// Which modes to time: `fused`, `unfused`, `interp` (repeat the option or give a comma
    /// list); all three by default. The first also runs the rest of the script.
    #[arg(long = "mode", value_name = "MODE", value_delimiter = ',')]
    modes: Vec<String>,
    /// Where to run: `cpu`, or `cuda` (an NVIDIA GPU; where none can run, says what is missing).
    #[arg(long, value_name = "DEVICE", default_value = "cpu")]
    device: String,
    /// Print the measurements as JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Also draw the medians as a bar chart into this SVG file.
    #[arg(long, value_name = "OUT.svg")]
    plot: Option<PathBuf>,
    /// Timed runs per mode: exactly N, unless --min-time is given too. By default at least 5,
    /// and more until --min-time is filled.
    #[arg(long, value_name = "N")]
    repeats: Option<usize>,
    /// Keep timing each mode until its timed runs add up to this many seconds (0.5 by
    /// default), but for at most 1000 runs (or N).
    #[arg(long, value_name = "SECONDS", allow_negative_numbers = true)]
    min_time: Option<f64>,
}

#[derive(Clone, Copy, ValueEnum)]
enum ExecMode {
    Fused,
    Unfused,
    Interp,
}

impl ExecMode {
    fn engine(self) -> Engine {
        match self {
            ExecMode::Fused => Engine::Fused,
            ExecMode::Unfused => Engine::Unfused,
            ExecMode::Interp => Engine::Interp,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum Stage {
    /// The graph as lowered from the source.
    Lowered,
    /// The kernels and library calls that fusion makes of it.
    Fused,
    /// One step per primitive, as the unfused mode runs it.
    Unfused,
    /// The Cranelift IR of the fused kernels.
    Clif,
    /// The CUDA C of the fused kernels (without the device prelude; needs no GPU).
    Cuda,
}

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        eprintln!("arr: internal error: {info}");
        eprintln!("arr: this is a bug in arrjit; please report it with the script that caused it");
    }));
    let cli = Cli::parse();
    // Deeply nested (but accepted) expressions recurse in the lowering; give it room.
    let worker = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || run(cli));
    match worker.map(|h| h.join()) {
        Ok(Ok(code)) => code,
        _ => ExitCode::from(101),
    }
}

fn run(cli: Cli) -> ExitCode {
    let mut on = Device::Cpu;
    let mut bounds = Limits::default();
    let (file, mode, engine, stage) = match &cli.command {
        Command::Run {
            file,
            mode,
            device,
            limits,
            ..
        } => {
            bounds = limits.limits();
            match check_device(device) {
                Ok(d) => on = d,
                Err(why) => {
                    eprintln!("arr: error: {why}");
                    return ExitCode::from(1);
                }
            }
            (file, Mode::Run, mode.engine(), None)
        }
        Command::Bench(args) => return bench(args),
        Command::Repl { mode, device } => return repl(*mode, device),
        Command::Check { file } => (file, Mode::Check, Engine::Interp, None),
        Command::Ir {
            file, grad: true, ..
        } => return grads(file),
        Command::Ir { file, stage, .. } => (file, Mode::Check, Engine::Interp, Some(*stage)),
    };
    let (name, source, program) = match load(file) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    if matches!(cli.command, Command::Run { stats: true, .. }) {
        arrjit::backend::cpu::time_kernels(true);
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match lower::run_limited(&program, &source, mode, engine, on, bounds, &mut out) {
        Ok(state) => {
            let ir = stage.map(|stage| match stage {
                Stage::Lowered => state.ir_text(),
                Stage::Fused => state.schedule_text(Fusion::Fused),
                Stage::Unfused => state.schedule_text(Fusion::Unfused),
                Stage::Clif => state
                    .clif_text()
                    .unwrap_or_else(|e| format!("; cannot compile here: {e}\n")),
                Stage::Cuda => state.cuda_text(),
            });
            if matches!(cli.command, Command::Run { stats: true, .. }) {
                match state.gpu_stats() {
                    Some(g) => eprint!("{}", arrjit::backend::cuda::exec::format_stats(&g)),
                    None => eprint!(
                        "{}",
                        arrjit::backend::cpu::format_stats(&state.kernel_stats())
                    ),
                }
            }
            drop(state);
            if let Some(text) = ir {
                let _ = write!(out, "{text}");
            }
            let _ = out.flush();
            ExitCode::SUCCESS
        }
        Err(diags) => {
            let _ = out.flush();
            eprint!("{}", diag::render(&name, &source, &diags));
            ExitCode::from(1)
        }
    }
}

/// `arr bench`: the table (or JSON) goes to stdout as each block is measured; what the script
/// itself prints goes to stderr, so stdout holds nothing else.
fn repl(mode: ExecMode, device: &str) -> ExitCode {
    let done = check_device(device).and_then(|d| arrjit::repl::run(mode.engine(), d));
    match done {
        Ok(()) => ExitCode::SUCCESS,
        Err(why) => {
            eprintln!("arr: error: {why}");
            ExitCode::from(1)
        }
    }
}

fn bench(args: &BenchArgs) -> ExitCode {
    let options = match bench_options(args) {
        Ok(options) => options,
        Err(why) => {
            eprintln!("arr: error: {why}");
            return ExitCode::from(1);
        }
    };
    let (name, source, program) = match load(&args.file) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let names = lower::bench_names(&program);
    if names.is_empty() {
        eprintln!("{name}: error: no bench blocks to time (write one as `bench \"name\" {{ … }}`)");
        return ExitCode::from(1);
    }
    if let Some(parent) = args.plot.as_deref().and_then(Path::parent)
        && !parent.as_os_str().is_empty()
        && !parent.is_dir()
    {
        eprintln!(
            "arr: error: cannot write the plot: \"{}\" is not a folder",
            parent.display()
        );
        return ExitCode::from(1);
    }
    let mut table = Table::new(&names, &options.engines);
    if options.device != Device::Cpu {
        table = table.with_device_columns();
    }
    let mut header_printed = false;
    let progress = progress_bar(names.len());
    let mut print_rows = |r: &BenchResult| {
        progress.inc(1);
        progress.set_message(r.name.clone());
        if args.json {
            return;
        }
        progress.suspend(|| {
            let mut out = std::io::stdout().lock();
            if !std::mem::replace(&mut header_printed, true) {
                let _ = write!(out, "{}", table.header());
            }
            let _ = write!(out, "{}", table.rows(r));
            let _ = out.flush();
        });
    };
    let mut script_out = std::io::stderr();
    let outcome = lower::bench(
        &program,
        &source,
        &options,
        &mut script_out,
        &mut print_rows,
    );
    progress.finish_and_clear();
    let results = match outcome {
        Ok(results) => results,
        Err(diags) => {
            eprint!("{}", diag::render(&name, &source, &diags));
            return ExitCode::from(1);
        }
    };
    if results.is_empty() {
        eprintln!("{name}: error: no bench block ran (each is inside a loop that runs no times)");
        return ExitCode::from(1);
    }
    if args.json {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(report::json(&results, &args.device).as_bytes());
        let _ = out.flush();
    }
    if let Some(path) = &args.plot {
        let title = format!("arr bench {name}");
        let written = report::plot::svg(&title, &results).and_then(|svg| {
            arrjit_runtime::files::write_file(path, svg.as_bytes()).map_err(|e| e.to_string())
        });
        if let Err(why) = written {
            eprintln!(
                "arr: error: cannot write the plot \"{}\": {why}",
                path.display()
            );
            return ExitCode::from(1);
        }
    }
    ExitCode::SUCCESS
}

/// `--device`: `cpu`, or `cuda` where a device can be opened (or why not).
fn check_device(device: &str) -> Result<Device, String> {
    match device {
        "cpu" => Ok(Device::Cpu),
        "cuda" => match arrjit::backend::cuda::open(Device::Cuda) {
            Ok(_) => Ok(Device::Cuda),
            Err(why) => Err(format!("--device cuda: {why}")),
        },
        other => Err(format!(
            "unknown device `{other}`; expected `cpu` or `cuda`"
        )),
    }
}

/// The options of `arr bench`, checked; or why they make no sense.
/// A progress bar over `blocks` bench blocks, on standard error when it is a terminal; hidden
/// when it is piped or under CI (the `CI` variable set).
fn progress_bar(blocks: usize) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() || std::env::var_os("CI").is_some() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(blocks as u64);
    let style = indicatif::ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} blocks, last: {msg}",
    );
    if let Ok(style) = style {
        bar.set_style(style);
    }
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}

fn bench_options(args: &BenchArgs) -> Result<BenchOptions, String> {
    let device = check_device(&args.device)?;
    let mut options = BenchOptions {
        device,
        ..BenchOptions::default()
    };
    if !args.modes.is_empty() {
        options.engines.clear();
        for m in &args.modes {
            let engine = Engine::from_name(m.trim()).ok_or_else(|| {
                format!("unknown mode `{m}`; expected `fused`, `unfused` or `interp`")
            })?;
            if !options.engines.contains(&engine) {
                options.engines.push(engine);
            }
        }
    }
    if let Some(t) = args.min_time
        && !(t.is_finite() && t >= 0.0)
    {
        return Err(format!("--min-time must be a number of seconds, not {t}"));
    }
    match args.repeats {
        Some(0) => return Err("--repeats must be at least 1".to_string()),
        Some(n) => {
            options.repeats = n;
            options.min_time = args.min_time.unwrap_or(0.0);
            options.max_runs = options.max_runs.max(n);
        }
        None => options.min_time = args.min_time.unwrap_or(options.min_time),
    }
    Ok(options)
}

/// Reads and parses a script: its name as given, its text and its AST; or, having reported
/// why not, the exit code.
fn load(file: &Path) -> Result<(String, String, Program), ExitCode> {
    let name = file.display().to_string();
    let source = match read_source(file) {
        Ok(s) => s,
        Err(SourceError::Io(e)) => {
            eprintln!("arr: error: cannot read \"{name}\": {e}");
            return Err(ExitCode::from(1));
        }
        Err(SourceError::TooLarge) => {
            eprintln!(
                "arr: error: cannot read \"{name}\": a script may hold at most {} MiB, and this \
                 one holds more",
                MAX_SCRIPT_BYTES >> 20
            );
            return Err(ExitCode::from(1));
        }
        Err(SourceError::Utf8 {
            text,
            at,
            byte,
            offset,
        }) => {
            let message = match byte {
                Some(b) => {
                    format!("the file is not valid UTF-8 text: byte 0x{b:02X} at offset {offset}")
                }
                None => format!(
                    "the file is not valid UTF-8 text: it ends inside a character at offset {offset}"
                ),
            };
            let d = Diagnostic::error(Span::new(at, at + 1), message)
                .with_label("not UTF-8")
                .with_note(
                    "scripts are UTF-8 text; is this a binary file, or saved in another encoding?",
                );
            eprint!("{}", diag::render(&name, &text, &[d]));
            return Err(ExitCode::from(1));
        }
    };
    let (program, diags) = syntax::parse(&source);
    if !diags.is_empty() {
        eprint!("{}", diag::render(&name, &source, &diags));
        return Err(ExitCode::from(1));
    }
    Ok((name, source, program))
}

/// `arr ir --grad FILE`: each differentiated function's derivative.
fn grads(file: &Path) -> ExitCode {
    let (name, source, program) = match load(file) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let mut sink = Vec::new();
    match lower::run_recording_grads(&program, &source, &mut sink) {
        Ok(state) => {
            let mut out = std::io::stdout().lock();
            if state.grad_texts.is_empty() {
                let _ = writeln!(
                    out,
                    "# {name} differentiates nothing (no `grad` or `value_and_grad` call)"
                );
            }
            for (label, text) in &state.grad_texts {
                let _ = write!(out, "{label}:\n{text}");
            }
            let _ = out.flush();
            ExitCode::SUCCESS
        }
        Err(diags) => {
            eprint!("{}", diag::render(&name, &source, &diags));
            ExitCode::from(1)
        }
    }
}

/// The most bytes a script may hold: far more than any script written by hand or generated,
/// and it keeps `arr run /dev/zero`, or a large binary named by mistake, from filling memory.
const MAX_SCRIPT_BYTES: u64 = 64 << 20;

enum SourceError {
    Io(std::io::Error),
    /// More than `MAX_SCRIPT_BYTES`.
    TooLarge,
    /// Invalid UTF-8: the text decoded lossily, the offset in it of the first bad byte, that
    /// byte (`None` when the file ends inside a character) and its offset in the file.
    Utf8 {
        text: String,
        at: usize,
        byte: Option<u8>,
        offset: usize,
    },
}

/// Reads a script as UTF-8 text, at most `MAX_SCRIPT_BYTES` of it, from a file or a pipe
/// (`/dev/stdin`, a process substitution). A byte-order mark at the start is dropped, as editors
/// that write one expect (offsets, and so lines and columns, count from after it).
fn read_source(path: &Path) -> Result<String, SourceError> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(SourceError::Io)?;
    // A regular file says its length: one that is too long is not read at all.
    if file
        .metadata()
        .is_ok_and(|m| m.is_file() && m.len() > MAX_SCRIPT_BYTES)
    {
        return Err(SourceError::TooLarge);
    }
    let mut bytes = Vec::new();
    file.take(MAX_SCRIPT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(SourceError::Io)?;
    if bytes.len() as u64 > MAX_SCRIPT_BYTES {
        return Err(SourceError::TooLarge);
    }
    let bom = "\u{feff}".len();
    let skipped = if bytes.starts_with("\u{feff}".as_bytes()) {
        bytes.drain(..bom);
        bom
    } else {
        0
    };
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let truncated = e.utf8_error().error_len().is_none();
        let bytes = e.into_bytes();
        // Lossy decoding keeps the valid prefix byte for byte, so `at` still points at the
        // first replacement character.
        SourceError::Utf8 {
            byte: (!truncated).then(|| bytes[at]),
            text: String::from_utf8_lossy(&bytes).into_owned(),
            at,
            offset: skipped + at,
        }
    })
}

//! `arr`: run, check and inspect `.arr` scripts.

use arrjit::diag::{self, Diagnostic, Span};
use arrjit::lower::{self, Engine, Mode};
use arrjit::passes::fuse::Fusion;
use arrjit::syntax;
use clap::{Parser, Subcommand, ValueEnum};
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
    },
    /// Parse and type-check a script without running it.
    Check { file: PathBuf },
    /// Print the graph IR a script builds.
    Ir {
        file: PathBuf,
        /// Which stage to print.
        #[arg(long, value_enum, default_value_t = Stage::Lowered)]
        stage: Stage,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ExecMode {
    Fused,
    Unfused,
    Interp,
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
    let (file, mode, engine, stage) = match &cli.command {
        Command::Run { file, mode, .. } => {
            let engine = match mode {
                ExecMode::Fused => Engine::Fused,
                ExecMode::Unfused => Engine::Unfused,
                ExecMode::Interp => Engine::Interp,
            };
            (file, Mode::Run, engine, None)
        }
        Command::Check { file } => (file, Mode::Check, Engine::Interp, None),
        Command::Ir { file, stage } => (file, Mode::Check, Engine::Interp, Some(*stage)),
    };
    let name = file.display().to_string();
    let source = match read_source(file) {
        Ok(s) => s,
        Err(SourceError::Io(e)) => {
            eprintln!("arr: error: cannot read \"{name}\": {e}");
            return ExitCode::from(1);
        }
        Err(SourceError::Utf8 { text, at }) => {
            let d = Diagnostic::error(Span::new(at, at + 1), "the file is not valid UTF-8 text");
            eprint!("{}", diag::render(&name, &text, &[d]));
            return ExitCode::from(1);
        }
    };
    let (program, diags) = syntax::parse(&source);
    if !diags.is_empty() {
        eprint!("{}", diag::render(&name, &source, &diags));
        return ExitCode::from(1);
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match lower::run_on(&program, &source, mode, engine, &mut out) {
        Ok(state) => {
            let ir = stage.map(|stage| match stage {
                Stage::Lowered => state.ir_text(),
                Stage::Fused => state.schedule_text(Fusion::Fused),
                Stage::Unfused => state.schedule_text(Fusion::Unfused),
                Stage::Clif => state
                    .clif_text()
                    .unwrap_or_else(|e| format!("; cannot compile here: {e}\n")),
            });
            if matches!(cli.command, Command::Run { stats: true, .. }) {
                eprint!(
                    "{}",
                    arrjit::backend::cpu::format_stats(&state.kernel_stats())
                );
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

enum SourceError {
    Io(std::io::Error),
    /// Invalid UTF-8: the text decoded lossily and the byte offset of the first bad byte.
    Utf8 {
        text: String,
        at: usize,
    },
}

fn read_source(path: &Path) -> Result<String, SourceError> {
    let bytes = std::fs::read(path).map_err(SourceError::Io)?;
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let bytes = e.into_bytes();
        // Lossy decoding keeps the valid prefix byte for byte, so `at` still points at the
        // first replacement character.
        SourceError::Utf8 {
            text: String::from_utf8_lossy(&bytes).into_owned(),
            at,
        }
    })
}

//! `arr repl`: an interactive prompt. Each entry runs like the next lines of one script (lazily,
//! with everything defined before it), and the value of an entry that is an expression is
//! printed as `print` would. An error reports its line in the session and leaves the session as
//! it was before the failing statement. Line editing and history come from rustyline; the
//! history is kept in `~/.arr_history`, written after every entry.
//!
//! Ctrl-C at the prompt drops the line being typed. While an entry runs, it stops the entry at
//! its next check (every statement, loop turn and graph node, and between kernels and their
//! compilations: the checks of the time limit), reports `interrupted` and returns to the
//! prompt with the session as it was. A second Ctrl-C before the entry has stopped (one step,
//! such as a single kernel over a huge array, runs to its end) quits `arr repl`.

use crate::diag;
use crate::lower::{self, Engine, Lowerer};
use crate::syntax::{self, lexer, token::Token};
use rustyline::error::ReadlineError;
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

/// Raised by Ctrl-C while an entry runs (`run` installs the handler); every session's
/// deadline watches it, and it is lowered when an entry ends.
static INTERRUPT: AtomicBool = AtomicBool::new(false);

/// What the session makes of a line of input.
#[derive(Debug, PartialEq, Eq)]
pub enum Reply {
    /// A bracket or block is still open: the entry goes on on the next line.
    More,
    /// The entry ran; what to show (nothing for a statement, the value for an expression).
    Shown(Option<String>),
    /// The entry failed: the rendered diagnostics.
    Failed(String),
}

/// A session: the state its entries built, and the source they came from (every entry that
/// parsed, one after the other: `Lowerer::source`).
pub struct Session<'o> {
    lowerer: Lowerer<'o>,
    /// The lines of the entry being typed.
    pending: String,
}

/// The name diagnostics give the session's source.
const NAME: &str = "<repl>";

impl<'o> Session<'o> {
    /// A session computing with `engine` on `device`; `print` writes to `out`.
    pub fn new(
        engine: Engine,
        device: crate::backend::Device,
        out: &'o mut dyn Write,
    ) -> Result<Session<'o>, String> {
        let mut lowerer = lower::session(engine, device, out)?;
        lowerer.build.deadline = lowerer.build.deadline.or_when(&INTERRUPT);
        Ok(Session {
            lowerer,
            pending: String::new(),
        })
    }

    /// Takes one line of input.
    pub fn feed(&mut self, line: &str) -> Reply {
        self.pending.push_str(line);
        self.pending.push('\n');
        if open_brackets(&self.pending) > 0 {
            return Reply::More;
        }
        let entry = std::mem::take(&mut self.pending);
        let start = self.lowerer.source().len() as u32;
        let candidate = format!("{}{entry}", self.lowerer.source());
        let (program, diags) = syntax::parse(&candidate);
        if !diags.is_empty() {
            return Reply::Failed(diag::render(NAME, &candidate, &diags));
        }
        let new: Vec<_> = program
            .stmts
            .into_iter()
            .filter(|s| s.span.start >= start)
            .collect();
        let reply = match self.lowerer.run_more(candidate, &new) {
            Ok(shown) => Reply::Shown(shown),
            Err(d) => Reply::Failed(diag::render(NAME, self.lowerer.source(), &d)),
        };
        // A Ctrl-C stops one entry: the next starts afresh.
        INTERRUPT.store(false, Ordering::Relaxed);
        reply
    }

    /// Whether an entry is half typed.
    pub fn is_pending(&self) -> bool {
        !self.pending.is_empty()
    }
}

/// How many brackets and braces `text` leaves open (strings and comments do not count; the
/// lexer knows them).
fn open_brackets(text: &str) -> i64 {
    let (tokens, _) = lexer::lex(text);
    tokens
        .iter()
        .map(|t| match t.token {
            Token::LParen | Token::LBracket | Token::LBrace => 1,
            Token::RParen | Token::RBracket | Token::RBrace => -1,
            _ => 0,
        })
        .sum()
}

fn history_file() -> Option<PathBuf> {
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".arr_history"))
}

/// Runs the prompt until end of input (Ctrl-D). Ctrl-C drops the entry being typed, or stops
/// the entry that is running (see the module documentation).
pub fn run(engine: Engine, device: crate::backend::Device) -> Result<(), String> {
    // While rustyline reads a line it takes Ctrl-C itself (as a key, or with a handler of its
    // own that it removes afterwards); this one sees the Ctrl-C pressed while an entry runs.
    ctrlc::set_handler(|| {
        if INTERRUPT.swap(true, Ordering::Relaxed) {
            eprintln!("\narr: interrupted twice while one step was running; quitting");
            std::process::exit(130);
        }
    })
    .map_err(|e| format!("cannot handle Ctrl-C: {e}"))?;
    let mut editor = rustyline::DefaultEditor::new().map_err(|e| e.to_string())?;
    let history = history_file();
    if let Some(h) = &history {
        let _ = editor.load_history(h);
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut session = Session::new(engine, device, &mut out)?;
    loop {
        let prompt = if session.is_pending() { "... " } else { ">>> " };
        let line = match editor.readline(prompt) {
            Ok(line) => line,
            Err(ReadlineError::Interrupted) => {
                session.pending.clear();
                continue;
            }
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(e.to_string()),
        };
        if !line.trim().is_empty() {
            let _ = editor.add_history_entry(line.as_str());
            // Written now, so that nothing typed is lost if the process ends abruptly.
            if let Some(h) = &history {
                let _ = editor.append_history(h);
            }
        }
        match session.feed(&line) {
            Reply::More | Reply::Shown(None) => {}
            Reply::Shown(Some(value)) => println!("{value}"),
            Reply::Failed(message) => eprint!("{message}"),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session_of(out: &mut Vec<u8>) -> Session<'_> {
        Session::new(Engine::Fused, crate::backend::Device::Cpu, out).unwrap()
    }

    #[test]
    fn entries_run_like_the_lines_of_one_script() {
        let mut out = Vec::new();
        let mut s = session_of(&mut out);
        assert_eq!(s.feed("x = arange(4)"), Reply::Shown(None));
        assert_eq!(s.feed("x * 2"), Reply::Shown(Some("[0 2 4 6]".into())));
        assert_eq!(s.feed("fn sq(v) {"), Reply::More);
        assert_eq!(s.feed("  v * v"), Reply::More);
        assert_eq!(s.feed("}"), Reply::Shown(None));
        assert_eq!(s.feed("sum(sq(x))"), Reply::Shown(Some("14".into())));
        assert_eq!(s.feed("print(\"done\")"), Reply::Shown(None));
        drop(s);
        assert_eq!(String::from_utf8(out).unwrap(), "done\n");
    }

    #[test]
    fn an_error_names_its_line_in_the_session_and_the_session_goes_on() {
        let mut out = Vec::new();
        let mut s = session_of(&mut out);
        s.feed("x = [1.0, 2.0]");
        let Reply::Failed(msg) = s.feed("y = x + [1.0, 2.0, 3.0]") else {
            panic!("a shape error")
        };
        assert!(
            msg.starts_with("<repl>:2:5: error: shapes (2,) and (3,)"),
            "{msg}"
        );
        // An open bracket continues the entry; the finished entry fails to parse, and is
        // dropped.
        assert_eq!(s.feed("y = (1 +"), Reply::More);
        let Reply::Failed(msg) = s.feed(")") else {
            panic!("`y = (1 + )` does not parse")
        };
        assert!(
            msg.starts_with("<repl>:4:1: error: expected an expression"),
            "{msg}"
        );
        assert_eq!(s.feed("x + 1"), Reply::Shown(Some("[2. 3.]".into())));
    }
}

//! Bounds on what a program may do, for embedders that run source they did not write.
//!
//! The defaults protect the machine and nothing more: no array over 16 GB (or the machine's
//! memory, if smaller), no graph over a million nodes. A program that compiles expressions
//! from its own users lowers them (`Options::limits`): fewer elements per array, fewer bytes in
//! all, fewer nodes, no file access, a time budget.
//!
//! Where each bound is checked:
//! - **sizes and nodes** as the graph is built, before anything runs, so a refused program
//!   allocates nothing; the error points at the expression that crossed the bound;
//! - **files** at `load` and `save`;
//! - **time** at every node built (tracing `grad` included), every statement and loop turn,
//!   before each cut point and root that fusion builds, before each kernel compiled for the
//!   CPU (on a GPU, before and after a plan is prepared), and between the steps of a run
//!   (kernels, library calls, interpreted nodes). A single step is not interrupted: its cost
//!   is bounded by the element limit, and a kernel's size by fusion's bounds.
//!
//! ```
//! use arrjit::{Limits, Options};
//! use std::time::Duration;
//!
//! let limits = Limits {
//!     max_elements: Some(1_000_000),
//!     files: false,
//!     time: Some(Duration::from_millis(500)),
//!     ..Limits::default()
//! };
//! let options = Options { limits, ..Options::default() };
//! let err = arrjit::compile_with("fn f(x) = x + load(\"secret.npy\")", options.clone())
//!     .unwrap()
//!     .call(&[&vec![1.0]])
//!     .unwrap_err();
//! assert!(err.message().contains("file access is turned off"), "{err}");
//! let err = arrjit::compile_with("fn f(x) = x + zeros(10**7)", options)
//!     .unwrap()
//!     .call(&[&vec![1.0]])
//!     .unwrap_err();
//! assert!(err.message().contains("10000000 elements; the limit is 1000000"), "{err}");
//! ```

use std::fmt;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The graph node bound when none is given: far more than any script written by hand needs
/// (a loop inside a function adds its body's nodes once per turn), and small enough that a
/// runaway program fails in seconds instead of filling memory.
pub const DEFAULT_MAX_NODES: usize = 1_000_000;

/// The largest single array any program may create, in bytes, whatever the limits say: 16 GB,
/// or the machine's physical memory if that is smaller. Above it an allocation would take the
/// machine down or abort the process rather than fail cleanly.
pub fn max_array_bytes() -> u128 {
    static BOUND: OnceLock<u128> = OnceLock::new();
    *BOUND.get_or_init(|| {
        const CAP: u128 = 16_000_000_000;
        physical_memory().map_or(CAP, |m| CAP.min(m))
    })
}

/// Total physical memory, from `/proc/meminfo` where there is one.
fn physical_memory() -> Option<u128> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u128 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// What a program may use. `Limits::default()` is what `arr run` uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The most elements one array may have (arguments, loaded files and every intermediate).
    pub max_elements: Option<usize>,
    /// The most bytes all the arrays of one graph may take together, intermediates included:
    /// an upper bound on what any engine holds at once. A function call is one graph; a script
    /// starts a new one at each turn of a top-level loop.
    pub max_bytes: Option<u64>,
    /// The most nodes one graph may have.
    pub max_nodes: usize,
    /// Whether `load` and `save` may touch files.
    pub files: bool,
    /// How long compiling, and then each call, may take.
    pub time: Option<Duration>,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_elements: None,
            max_bytes: None,
            max_nodes: DEFAULT_MAX_NODES,
            files: true,
            time: None,
        }
    }
}

/// When a run has to stop: its start plus the time limit, if there is one, or as soon as an
/// interrupt flag is raised (Ctrl-C at `arr repl`), if it watches one.
#[derive(Clone, Copy, Debug)]
pub struct Deadline {
    until: Option<(Instant, Duration)>,
    interrupt: Option<&'static AtomicBool>,
}

impl Deadline {
    /// No deadline.
    pub const NONE: Deadline = Deadline {
        until: None,
        interrupt: None,
    };

    /// `time` from now, or none.
    pub fn after(time: Option<Duration>) -> Deadline {
        Deadline {
            until: time.map(|t| (Instant::now(), t)),
            interrupt: None,
        }
    }

    /// This deadline, and also as soon as `flag` is set (by a signal handler, another thread).
    /// Whoever sets the flag clears it before the next run.
    pub fn or_when(self, flag: &'static AtomicBool) -> Deadline {
        Deadline {
            interrupt: Some(flag),
            ..self
        }
    }

    /// An error once the time is up or the run was interrupted.
    pub fn check(&self) -> Result<(), Stop> {
        if self.interrupt.is_some_and(|f| f.load(Ordering::Relaxed)) {
            return Err(Stop::Interrupted);
        }
        match self.until {
            Some((start, budget)) if start.elapsed() > budget => Err(Stop::Time(budget)),
            _ => Ok(()),
        }
    }
}

/// Why a run stopped before its end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// The time limit was reached.
    Time(Duration),
    /// The interrupt flag was raised.
    Interrupted,
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stop::Time(limit) => write!(
                f,
                "the run went over its time limit of {}",
                human_duration(*limit)
            ),
            Stop::Interrupted => f.write_str("interrupted"),
        }
    }
}

/// `1.5 s`, `250 ms`, `80 µs`.
fn human_duration(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 1.0 {
        format!("{} s", trim(s))
    } else if s >= 1e-3 {
        format!("{} ms", trim(s * 1e3))
    } else {
        format!("{} µs", trim(s * 1e6))
    }
}

fn trim(x: f64) -> String {
    let t = format!("{x:.3}");
    t.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human_duration(Duration::from_millis(1500)), "1.5 s");
        assert_eq!(human_duration(Duration::from_millis(250)), "250 ms");
        assert_eq!(human_duration(Duration::from_micros(80)), "80 µs");
        assert_eq!(human_duration(Duration::from_secs(2)), "2 s");
    }

    #[test]
    fn a_deadline_expires() {
        assert!(Deadline::NONE.check().is_ok());
        assert!(
            Deadline::after(Some(Duration::from_secs(3600)))
                .check()
                .is_ok()
        );
        let d = Deadline::after(Some(Duration::ZERO));
        std::thread::sleep(Duration::from_millis(2));
        assert_eq!(d.check(), Err(Stop::Time(Duration::ZERO)));
    }

    #[test]
    fn an_interrupt_stops_a_run_without_a_time_limit() {
        static FLAG: AtomicBool = AtomicBool::new(false);
        let d = Deadline::NONE.or_when(&FLAG);
        assert!(d.check().is_ok());
        FLAG.store(true, Ordering::Relaxed);
        assert_eq!(d.check(), Err(Stop::Interrupted));
        assert!(
            Deadline::NONE.check().is_ok(),
            "only deadlines that watch the flag stop"
        );
        FLAG.store(false, Ordering::Relaxed);
        assert!(d.check().is_ok());
    }

    #[test]
    fn the_array_bound_is_at_most_16_gb_and_at_most_the_memory() {
        let b = max_array_bytes();
        assert!(b <= 16_000_000_000);
        if let Some(m) = physical_memory() {
            assert!(b <= m);
            assert!(m > 0);
        }
    }
}

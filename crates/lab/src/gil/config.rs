//! The settings of `gil`: sizes, workloads, the interpreter, their limits,
//! and the idea in plain words.

use std::path::PathBuf;
use std::time::Duration;

use waiter::gil::DEFAULT_SWITCH_INTERVAL;

use super::{Workload, convoy, python};
use crate::duration;
use crate::error::Error;
use crate::limits::Limit;

/// The experiment's id, also its subcommand.
pub const ID: &str = "gil";

/// The experiment's title.
pub const TITLE: &str =
    "The GIL: threads, processes and async on CPU- and I/O-bound work, simulated and in CPython";

/// The id of the main table ([`Report::table`](crate::Report::table)).
pub const TABLE: &str = "modes";

/// The id of the convoy table ([`Report::table`](crate::Report::table)).
pub const CONVOY_TABLE: &str = "convoy";

/// The id of the side-by-side table ([`Report::table`](crate::Report::table)).
pub const COMPARISON_TABLE: &str = "comparison";

/// The id of the claims table ([`Report::table`](crate::Report::table)).
pub const CLAIMS_TABLE: &str = "claims";

/// Each unit (one wait, one prime count) takes this long at scale 1, so
/// sequential (two units) takes about a second.
pub const UNIT: Duration = Duration::from_millis(500);

/// The largest `scale`.
pub const MAX_SCALE: f64 = 20.0;

/// The smallest `scale`: a unit of half a millisecond. Below it a unit is
/// shorter than starting the threads that share it, and "each unit takes
/// about 0 ns" measures nothing.
pub const MIN_SCALE: f64 = 0.001;

/// `--scale`.
pub const SCALE: Limit<f64> = Limit::new("scale", MIN_SCALE, MAX_SCALE)
    .because("a smaller unit than 0.5 ms is shorter than starting the threads it is shared by");

/// How much of a run the timelines show.
pub const TIMELINE_WINDOW: Duration = Duration::from_millis(200);

/// What the row shows when processes were not run.
pub const NO_WORKER_BINARY: &str =
    "needs the waiter binary, whose workers are the binary re-run (a test harness cannot be)";

/// The experiment's settings.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// The workloads to run (each with every mode).
    pub workloads: Vec<Workload>,
    /// Sizes: sequential takes about `scale` seconds per workload; convoy
    /// time budgets scale too. From [`MIN_SCALE`] to [`MAX_SCALE`].
    pub scale: f64,
    /// Run the process-pool mode. The binary running the experiment must
    /// call [`waiter::process::serve_if_worker`] with [`registry`](super::registry) first
    /// thing in `main` (the `waiter` CLI does; test harnesses cannot).
    pub processes: bool,
    /// The Python interpreter for the CPython rows; `None`: not run.
    pub python: Option<PathBuf>,
    /// The CPython run is stopped after this long.
    pub python_timeout: Duration,
    /// Measure the convoy effect.
    pub convoy: bool,
}

impl Default for Config {
    /// Every workload at scale 1, the convoy on; no processes and no
    /// CPython (the CLI turns both on: see [`Config::processes`]).
    fn default() -> Self {
        Self {
            workloads: Workload::ALL.to_vec(),
            scale: 1.0,
            processes: false,
            python: None,
            python_timeout: python::DEFAULT_TIMEOUT,
            convoy: true,
        }
    }
}

impl Config {
    /// The time one unit should take.
    pub fn unit(&self) -> Duration {
        UNIT.mul_f64(self.scale.clamp(0.0, MAX_SCALE))
    }
}

/// Checks a configuration; the CLI rejects the same values earlier.
///
/// # Errors
///
/// [`Error::Config`] for no workload, or a scale out of range.
pub fn validate(config: &Config) -> Result<(), Error> {
    if config.workloads.is_empty() {
        return Err(Error::Config("at least one workload is needed".into()));
    }
    if config.scale.is_nan() {
        return Err(Error::Config("scale is not a number".into()));
    }
    SCALE.check(config.scale)?;
    if config.python_timeout.is_zero() {
        return Err(Error::Config(
            "the Python timeout must be more than 0".into(),
        ));
    }
    Ok(())
}

/// The idea, in plain words from the note, to show before the run (the
/// same lines as the report's `explanation`).
pub fn explanation(config: &Config) -> Vec<String> {
    let names: Vec<&str> = config.workloads.iter().map(|w| w.name()).collect();
    vec![
        "The note: \"Python doesn't run 2 threads in one process at same time\": each Python process has one key resource, the GIL, and a thread runs Python code only while it holds it. Several processes have several GILs, but \"it is expensive to communicate between 2 processes\". And yet: \"what's the point of multiple threads in Python? Reduce waiting time!\"".into(),
        format!(
            "Workloads ({}) of two units each: cpu = count primes, twice; io = a blocking wait, twice; mixed = a wait, then primes (the note's ask_user + complex_calculation). Each unit is sized to take {} on this machine, so sequential is planned at {}; the table says what each took.",
            names.join(", "),
            duration::format(config.unit()),
            duration::format(config.unit() * 2)
        ),
        format!(
            "Each runs sequentially, on two threads, on two threads under a simulated GIL (CPython's rules, {} switch interval), on two worker processes and as async tasks (tokio), then in real CPython: sequential, threads, processes, asyncio.",
            duration::format(DEFAULT_SWITCH_INTERVAL)
        ),
        format!(
            "Then the GIL's hidden price, the convoy effect: an echo thread answers a client (another process, or a thread of the same process) while 0, 1 or 2 CPU-bound threads hold the GIL; the client pauses {}, sends, and times from the end of its pause to the answer in hand. Simulated and in CPython, at switch intervals of 1, 5 and 50 ms. Last, each claim of the note next to the numbers that support or contradict it.",
            duration::format(convoy::PAUSE)
        ),
    ]
}

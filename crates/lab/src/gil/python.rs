//! The real thing: CPython running the same workloads and the same convoy
//! cases, from `python/gil_baseline.py`.
//!
//! The script is part of the repository and compiled into the library
//! ([`SCRIPT`]), so the `waiter` binary works from any directory: the
//! runner writes it to a fresh temporary directory, runs it with the
//! interpreter asked for (`python3` by default), reads ONE JSON object
//! from its stdout ([`Baseline`]) and removes the directory. The run is
//! bounded: past the timeout the interpreter is killed.
//!
//! Nothing here fails the experiment: an interpreter that is missing,
//! fails, hangs or answers something else is a message ([`run`]'s `Err`),
//! and the CPython rows say "not run" with that reason.
//!
//! CPython needs tens of times longer than Rust per trial division, so it
//! does not count primes below the Rust bound: it calibrates its own bound
//! to take the same time per unit, and reports it; the waits are the same.
//!
//! ```
//! use std::path::Path;
//! use std::time::Duration;
//! use waiter_lab::Stop;
//! use waiter_lab::gil::python::{self, Request};
//!
//! let request = Request::new(Duration::from_millis(5), Duration::from_millis(5));
//! let python = Path::new("/no/such/python");
//! let error = python::run(python, &request, Duration::from_secs(5), &Stop::new()).unwrap_err();
//! assert!(error.contains("/no/such/python"), "{error}");
//! ```

use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::convoy::{Case, Client};
use super::workload::Workload;
use crate::Stop;
use crate::script::{self, Script};

/// `python/gil_baseline.py`, as built into the library.
pub const SCRIPT: &str = include_str!("../../../../python/gil_baseline.py");

/// The interpreter used unless told otherwise: the one every script of the
/// lab uses.
pub use crate::script::DEFAULT_PYTHON;

/// How long the script may run before it is killed.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// What to ask the script.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    /// Calibrate the CPU unit to take this long.
    pub unit: Duration,
    /// The I/O unit's wait.
    pub io: Duration,
    /// The workloads to run (every mode of each).
    pub workloads: Vec<Workload>,
    /// The switch interval during the workloads.
    pub switch_interval: Duration,
    /// The convoy cases.
    pub convoy: Vec<Case>,
}

impl Request {
    /// Every workload with these unit sizes at CPython's 5 ms interval, no
    /// convoy cases.
    pub fn new(unit: Duration, io: Duration) -> Self {
        Self {
            unit,
            io,
            workloads: Workload::ALL.to_vec(),
            switch_interval: waiter::gil::DEFAULT_SWITCH_INTERVAL,
            convoy: Vec::new(),
        }
    }

    /// The script's command-line arguments.
    pub fn args(&self) -> Vec<String> {
        let ms = |d: Duration| format!("{}", d.as_secs_f64() * 1e3);
        let workloads: Vec<&str> = self.workloads.iter().map(|w| w.name()).collect();
        let cases: Vec<String> = self.convoy.iter().map(Case::python_spec).collect();
        vec![
            "--unit-ms".into(),
            ms(self.unit),
            "--io-ms".into(),
            ms(self.io),
            "--workloads".into(),
            workloads.join(","),
            "--switch-interval".into(),
            format!("{}", self.switch_interval.as_secs_f64()),
            "--convoy".into(),
            cases.join(","),
            "--pause-ms".into(),
            ms(super::convoy::PAUSE),
        ]
    }
}

/// The script's answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    /// `cpython`, `pypy`…
    pub implementation: String,
    /// `3.11.7`.
    pub python: String,
    /// The CPU unit counted the primes below this.
    pub cpu_bound: u64,
    /// One CPU unit, alone, in seconds.
    pub cpu_unit_s: f64,
    /// The switch interval during the workloads, in seconds.
    pub switch_interval_s: f64,
    /// One entry per workload and mode that ran.
    pub runs: Vec<PyRun>,
    /// One entry per convoy case that ran.
    pub convoy: Vec<PyConvoy>,
    /// A `threading.Lock` handed from one thread to another, in
    /// microseconds a handoff: what a thread woken for nothing (a failed
    /// GIL acquisition) costs at least.
    #[serde(default)]
    pub lock_handoff_us: Vec<f64>,
    /// What failed inside the script (the rest ran).
    #[serde(default)]
    pub errors: Vec<String>,
}

/// One workload in one mode, in CPython.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PyRun {
    /// `cpu`, `io`, `mixed`.
    pub workload: String,
    /// `sequential`, `threads`, `processes`, `asyncio`.
    pub mode: String,
    /// Wall time, in seconds.
    pub wall_s: f64,
    /// CPU time of the interpreter and its waited-for children, seconds.
    pub cpu_s: f64,
    /// Whether `cpu_s` includes the children (not on Windows).
    #[serde(default)]
    pub cpu_includes_children: bool,
    /// The primes counted.
    pub check: u64,
    /// Of `wall_s`, starting the worker processes (`processes` only).
    #[serde(default)]
    pub startup_s: Option<f64>,
}

/// One convoy case, in CPython.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PyConvoy {
    /// `thread` or `process`.
    pub client: String,
    /// CPU-bound threads.
    pub cpu_threads: usize,
    /// The switch interval, in milliseconds.
    pub interval_ms: f64,
    /// The round trips, in microseconds.
    pub rtts_us: Vec<f64>,
}

impl Baseline {
    /// The run of `workload` in CPython mode `mode` (`threads`…).
    pub fn run_of(&self, workload: Workload, mode: &str) -> Option<&PyRun> {
        self.runs
            .iter()
            .find(|r| r.workload == workload.name() && r.mode == mode)
    }

    /// The round trips of a convoy case.
    pub fn convoy_of(&self, case: &Case) -> Option<Vec<Duration>> {
        let client = match case.client {
            Client::Thread => "thread",
            Client::Process => "process",
        };
        let interval_ms = case.interval.as_secs_f64() * 1e3;
        self.convoy
            .iter()
            .find(|c| {
                c.client == client
                    && c.cpu_threads == case.cpu_threads
                    && (c.interval_ms - interval_ms).abs() < 1e-6
            })
            .map(|c| c.rtts_us.iter().map(|&us| seconds(us / 1e6)).collect())
    }
}

/// Seconds as a duration; negative or not-a-number is zero.
pub fn seconds(s: f64) -> Duration {
    Duration::try_from_secs_f64(s).unwrap_or(Duration::ZERO)
}

/// Runs the script with `python`, at most `timeout`; `stop` kills it
/// (with the processes it started: [`script::run`]).
///
/// # Errors
///
/// Why there are no CPython numbers, in one line: the interpreter was not
/// found or did not start, it failed (with the last line it wrote to
/// stderr), it ran past `timeout` and was killed, or its answer is not
/// the JSON expected.
pub fn run(
    python: &Path,
    request: &Request,
    timeout: Duration,
    stop: &Stop,
) -> Result<Baseline, String> {
    let script = Script {
        name: "gil_baseline.py",
        text: SCRIPT,
    };
    script::run(python, &script, &request.args(), timeout, stop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_arguments_carry_every_size() {
        let mut request = Request::new(Duration::from_millis(500), Duration::from_millis(250));
        request.convoy = super::super::convoy::cases(1.0);
        let args = request.args();
        let after = |flag: &str| {
            let i = args.iter().position(|a| a == flag).unwrap();
            args[i + 1].clone()
        };
        assert_eq!(after("--unit-ms"), "500");
        assert_eq!(after("--io-ms"), "250");
        assert_eq!(after("--workloads"), "cpu,io,mixed");
        assert_eq!(after("--switch-interval"), "0.005");
        assert!(after("--convoy").starts_with("process:0:5:100:3000,"));
    }

    #[test]
    fn answers_parse_and_are_found() {
        let text = r#"{"implementation": "cpython", "python": "3.11.7", "cpu_bound": 1000,
            "cpu_unit_s": 0.01, "switch_interval_s": 0.005,
            "runs": [{"workload": "cpu", "mode": "threads", "wall_s": 1.5, "cpu_s": 1.4,
                      "cpu_includes_children": true, "check": 336}],
            "convoy": [{"client": "process", "cpu_threads": 1, "interval_ms": 5.0,
                        "rtts_us": [5000.0, 5100.5]}],
            "errors": []}"#;
        let baseline: Baseline = serde_json::from_str(text).unwrap();
        assert_eq!(
            baseline.run_of(Workload::Cpu, "threads").unwrap().check,
            336
        );
        assert!(baseline.run_of(Workload::Io, "threads").is_none());
        let case = Case {
            client: Client::Process,
            cpu_threads: 1,
            interval: Duration::from_millis(5),
            round_trips: 2,
            budget: Duration::from_secs(1),
        };
        let rtts = baseline.convoy_of(&case).unwrap();
        assert_eq!(rtts[0], Duration::from_millis(5));
        assert_eq!(seconds(-1.0), Duration::ZERO);
    }
}

//! `gil`: the GIL, threads vs processes, I/O-bound vs CPU-bound, measured
//! in Rust with a simulated GIL and in real CPython, side by side.
//!
//! The note: "Python doesn't run 2 threads in one process at same time";
//! "each Python process creates a key resource (GIL) and each thread
//! acquires that resource"; "it is possible to run multiple processes …
//! each one will create its own GIL … however it is expensive to
//! communicate between 2 processes"; and "what's the point of multiple
//! threads in Python? Reduce waiting time!". This experiment checks each
//! sentence on the machine at hand:
//!
//! 1. **Three workloads** ([`workload`]) of two units each: `cpu` (count
//!    primes, twice), `io` (a blocking wait, twice), `mixed` (a wait, then
//!    primes: the note's `ask_user` + `complex_calculation`). The units
//!    are sized so that *sequential* takes about `scale` × 1 s.
//! 2. **Nine modes** ([`Mode`]): in Rust, sequential, two threads, two
//!    threads under the simulated GIL ([`waiter::gil`]), two worker
//!    processes ([`waiter::ProcessPool`]), async (tokio); in CPython (the
//!    script `python/gil_baseline.py`, see [`python`]), sequential,
//!    threads, processes and asyncio. One table: wall time, CPU time, CPU
//!    ÷ wall (how many cores were busy) and the speed-up over sequential.
//! 3. **The convoy effect** ([`convoy`]): an echo thread's round trip with
//!    0, 1 or 2 CPU-bound neighbours, the client another process or a
//!    thread of the same process, at switch intervals of 1, 5 and 50 ms;
//!    simulated and CPython side by side.
//! 4. **The claims** ([`claims`]): each sentence of the note next to the
//!    numbers of this run that support or contradict it.
//!
//! Timelines show the simulated GIL at work: who holds it (`running`),
//! who waits for it (`waiting-gil`), who waits for I/O (`waiting-io`).
//!
//! The process mode re-runs the binary as its workers, which must serve
//! [`registry`] first thing in `main`; a test harness cannot, so
//! [`Config::processes`] turns it off (its rows say "not run"). Likewise
//! the CPython rows say "not run", with the reason, when there is no
//! interpreter ([`Config::python`]); the experiment never fails for that.
//!
//! ```
//! use std::sync::Arc;
//! use waiter_lab::console::Silent;
//! use waiter_lab::gil::{self, Config, Workload};
//! use waiter_lab::{Ctx, Experiment};
//!
//! let config = Config {
//!     workloads: vec![Workload::Io],
//!     scale: 0.01,
//!     convoy: false,
//!     ..Config::default()
//! };
//! let report = config.run(&Ctx::new(Arc::new(Silent)))?;
//! let rows = &report.table(gil::TABLE).unwrap().rows;
//! assert_eq!(rows.len(), 9); // every mode, the CPython ones "not run"
//! # Ok::<(), waiter_lab::Error>(())
//! ```

pub mod claims;
mod compare;
mod config;
pub mod convoy;
pub mod modes;
mod present;
pub mod python;
pub mod timeline;
pub mod usage;
pub mod workload;

use std::sync::Arc;

use serde::Serialize;
use waiter::gil::DEFAULT_SWITCH_INTERVAL;

use crate::{Ctx, Experiment, Stop};

use crate::console::Console;
use crate::duration::{self, micros};
use crate::error::Error;
use crate::report::{Report, Timeline};

/// Why a row was not measured after Ctrl-C.
const INTERRUPTED: &str = "interrupted";
pub use claims::{Claim, Verdict};
pub use compare::Comparison;
pub use config::*;
pub use convoy::{Case, Client, Latency};
pub use modes::{Measured, Mode, registry};
use present::{implementation, latency_text, python_error, row_line};
pub use python::Baseline;
pub use workload::{Sizes, Unit, Workload};

/// One row of the main table, as stored in the report's figures.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row {
    /// The workload.
    pub workload: Workload,
    /// The mode.
    pub mode: Mode,
    /// Wall time, in microseconds; `None` if not run.
    pub wall_us: Option<u64>,
    /// CPU time, in microseconds; `None` if not run or not available.
    pub cpu_us: Option<u64>,
    /// Sequential's wall time (same runtime) ÷ this one's.
    pub speedup: Option<f64>,
    /// The primes counted (the same in every mode of a runtime).
    pub check: Option<u64>,
    /// Why there is no number.
    pub not_run: Option<String>,
    /// Wake-ups that found the simulated GIL taken (modes under it only).
    pub failed_acquisitions: Option<u64>,
    /// Of `wall_us`, starting the worker processes (process modes only):
    /// the warm run is the rest.
    pub startup_us: Option<u64>,
}

impl Row {
    /// The wall time without the processes' start-up, in microseconds.
    pub fn warm_us(&self) -> Option<u64> {
        Some(self.wall_us?.saturating_sub(self.startup_us.unwrap_or(0)))
    }
}

impl Row {
    fn measured(workload: Workload, mode: Mode, measured: &Measured) -> Self {
        Self {
            workload,
            mode,
            wall_us: Some(micros(measured.wall)),
            cpu_us: measured.cpu.map(micros),
            speedup: None,
            check: Some(measured.check),
            not_run: None,
            failed_acquisitions: measured.gil.as_ref().map(|gil| gil.stats.failed_takes),
            startup_us: measured.startup.map(micros),
        }
    }

    fn not_run(workload: Workload, mode: Mode, why: &str) -> Self {
        Self {
            workload,
            mode,
            wall_us: None,
            cpu_us: None,
            speedup: None,
            check: None,
            not_run: Some(why.to_owned()),
            failed_acquisitions: None,
            startup_us: None,
        }
    }
}

/// One convoy case, simulated and in CPython.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ConvoyRow {
    /// The case.
    pub case: Case,
    /// With the simulated GIL.
    pub simulated: Option<Latency>,
    /// In CPython.
    pub cpython: Option<Latency>,
    /// Wake-ups that found the simulated GIL taken during the simulated
    /// run (CPython does not count its own).
    pub failed_acquisitions: Option<u64>,
}

/// Measures and reports (see [`Experiment::run`]), phase by phase: the
/// Rust modes, the convoy with the simulated GIL, then CPython; the report
/// puts them side by side ([`present::report`]).
fn measure(config: &Config, console: Arc<dyn Console>, stop: &Stop) -> Result<Report, Error> {
    validate(config)?;
    let unit = config.unit();
    let sizes = Sizes {
        bound: workload::calibrate(unit),
        io: unit,
    };
    console.line(&format!(
        "units: count the primes below {} (calibrated to about {} here), or wait {}",
        sizes.bound,
        duration::format(unit),
        duration::format(unit)
    ));
    let cases = if config.convoy {
        convoy::cases(config.scale)
    } else {
        Vec::new()
    };
    // How busy the rest of the machine was while everything was measured:
    // said beside the verdicts, which are not reversed for it.
    let (outcome, busy) = usage::others_share(waiter::default_workers(), || {
        let mut measured = rust_modes(config, &sizes, &*console, stop)?;
        simulated_convoy(&cases, &mut measured, &*console, stop)?;
        let baseline = cpython(config, &sizes, &cases, &mut measured, &*console, stop);
        Ok::<_, Error>((measured, baseline))
    });
    let (mut measured, baseline) = outcome?;
    // Workload by workload, every mode of each.
    let position = |row: &Row| {
        let workload = config.workloads.iter().position(|&w| w == row.workload);
        let mode = Mode::ALL.iter().position(|&m| m == row.mode);
        (workload, mode)
    };
    measured.rows.sort_by_key(position);
    fill_speedups(&mut measured.rows);
    let interrupted = stop.requested().then_some(cases.len());
    Ok(present::report(
        config,
        &sizes,
        measured,
        baseline,
        interrupted,
        busy,
    ))
}

/// What the phases measured, gathered for the report.
pub(crate) struct Gathered {
    /// The main table's rows, Rust and CPython.
    pub(crate) rows: Vec<Row>,
    /// What the simulated GIL counted in each throughput run.
    pub(crate) gil_figures: Vec<GilFigures>,
    /// The convoy cases measured, simulated (and CPython, once it ran).
    pub(crate) convoy_rows: Vec<ConvoyRow>,
    /// The timelines kept.
    pub(crate) timelines: Vec<Timeline>,
    /// Lines for the conclusions about the CPython run itself.
    pub(crate) notes: Vec<String>,
}

/// Phase 1: every workload in every Rust mode, each count of primes checked
/// against sequential's, the simulated GIL never held twice.
fn rust_modes(
    config: &Config,
    sizes: &Sizes,
    console: &dyn Console,
    stop: &Stop,
) -> Result<Gathered, Error> {
    let mut rows = Vec::new();
    let mut gil_figures = Vec::new();
    let mut timelines = Vec::new();
    for &workload in &config.workloads {
        let units = workload.units(sizes);
        let mut oracle = None;
        for mode in Mode::RUST {
            let outcome = if stop.requested() {
                Outcome::NotRun(INTERRUPTED.into())
            } else {
                run_rust(mode, &units, config, stop)?
            };
            let row = match outcome {
                Outcome::NotRun(why) => Row::not_run(workload, mode, &why),
                Outcome::Done(measured) => {
                    let expected = *oracle.get_or_insert(measured.check);
                    if measured.check != expected {
                        return Err(Error::Invariant {
                            strategy: mode.name().into(),
                            message: format!(
                                "{workload}: counted {} primes, sequential counted {expected}",
                                measured.check
                            ),
                        });
                    }
                    if let Some(gil) = &measured.gil {
                        let holders = gil.max_holders();
                        if holders > 1 {
                            return Err(Error::Invariant {
                                strategy: mode.name().into(),
                                message: format!(
                                    "{workload}: {holders} threads held the simulated GIL at once"
                                ),
                            });
                        }
                        gil_figures.push(GilFigures {
                            workload,
                            holds: gil.stats.holds,
                            switches: gil.stats.switches,
                            forced_drops: gil.stats.forced_drops,
                            failed_acquisitions: gil.stats.failed_takes,
                            max_holders: holders,
                        });
                    }
                    if let Some(timeline) = throughput_timeline(workload, mode, &measured) {
                        timelines.push(timeline);
                    }
                    Row::measured(workload, mode, &measured)
                }
            };
            console.line(&row_line(&row));
            rows.push(row);
        }
    }

    Ok(Gathered {
        rows,
        gil_figures,
        convoy_rows: Vec::new(),
        timelines,
        notes: Vec::new(),
    })
}

/// Phase 2: the convoy cases with the simulated GIL; a stop ends it
/// between cases (a case cut short is left out).
fn simulated_convoy(
    cases: &[Case],
    measured: &mut Gathered,
    console: &dyn Console,
    stop: &Stop,
) -> Result<(), Error> {
    for case in cases {
        if stop.requested() {
            break;
        }
        let run = convoy::run_case(case, stop)?;
        if stop.requested() {
            // Cut short: fewer round trips than a figure needs.
            break;
        }
        if run.gil.max_holders() > 1 {
            return Err(Error::Invariant {
                strategy: "convoy".into(),
                message: format!(
                    "{}: two threads held the simulated GIL at once",
                    case.title()
                ),
            });
        }
        let latency = convoy::summarize(&run.rtts);
        console.line(&format!(
            "convoy, simulated GIL, {}: {}",
            case.title(),
            latency_text(latency)
        ));
        // One CPU-bound thread, both clients; and two with the client
        // thread, where waiting threads most often wake to find the GIL
        // taken (the red ticks of the picture that made the convoy famous).
        let pictured =
            case.cpu_threads == 1 || (case.cpu_threads == 2 && case.client == Client::Thread);
        if pictured && case.interval == DEFAULT_SWITCH_INTERVAL {
            let to = micros(case.interval * 2 + TIMELINE_WINDOW / 2);
            measured.timelines.push(Timeline {
                title: format!(
                    "convoy, simulated GIL, {} interval: echo, {} CPU-bound thread{}, client {}",
                    duration::format(case.interval),
                    case.cpu_threads,
                    if case.cpu_threads == 1 { "" } else { "s" },
                    case.client.describe()
                ),
                lanes: timeline::window(&run.lanes, 0, to),
            });
        }
        measured.convoy_rows.push(ConvoyRow {
            case: *case,
            simulated: latency,
            cpython: None,
            failed_acquisitions: Some(run.gil.stats.failed_takes),
        });
    }

    Ok(())
}

/// Phase 3: the same workloads and convoy cases in CPython, their counts
/// checked against Rust's; the baseline, or why it did not run (then its
/// rows say so).
fn cpython(
    config: &Config,
    sizes: &Sizes,
    cases: &[Case],
    measured: &mut Gathered,
    console: &dyn Console,
    stop: &Stop,
) -> Result<Baseline, String> {
    let unit = sizes.io;
    let baseline = match &config.python {
        None => Err("no Python interpreter was given".to_owned()),
        Some(_) if stop.requested() => Err(INTERRUPTED.to_owned()),
        Some(python) => {
            console.line(&format!(
                "CPython: running python/gil_baseline.py with {} (stopped after {} at most)…",
                python.display(),
                duration::format(config.python_timeout)
            ));
            let request = python::Request {
                unit,
                io: unit,
                workloads: config.workloads.clone(),
                switch_interval: DEFAULT_SWITCH_INTERVAL,
                convoy: cases.to_vec(),
            };
            python::run(python, &request, config.python_timeout, stop)
        }
    };
    match &baseline {
        Ok(baseline) => {
            console.line(&format!(
                "{} {}: count the primes below {} ({} per unit, calibrated)",
                implementation(baseline),
                baseline.python,
                baseline.cpu_bound,
                duration::format(python::seconds(baseline.cpu_unit_s))
            ));
            // The oracle: Rust counts below CPython's bound too (cheap while
            // that bound is below Rust's own; a faster Python is not checked).
            let primes = (baseline.cpu_bound <= sizes.bound)
                .then(|| workload::count_primes(baseline.cpu_bound, || {}));
            if primes.is_none() {
                measured.notes.push(format!(
                    "{} counted primes below {}, more than Rust's {}: its counts were not checked.",
                    implementation(baseline),
                    baseline.cpu_bound,
                    sizes.bound
                ));
            }
            for &workload in &config.workloads {
                for mode in Mode::PYTHON {
                    let name = mode.python_name().unwrap_or_default();
                    let row = match baseline.run_of(workload, name) {
                        Some(run) => {
                            let cpu_units = workload
                                .units(sizes)
                                .iter()
                                .filter(|u| matches!(u, Unit::Cpu { .. }))
                                .count() as u64;
                            if let Some(expected) = primes.map(|p| p * cpu_units)
                                && run.check != expected
                            {
                                measured.notes.push(format!(
                                    "{mode} on {workload} counted {} primes, Rust counts {expected} below the same bound: a bug in one of them.",
                                    run.check
                                ));
                            }
                            Row {
                                workload,
                                mode,
                                wall_us: Some(micros(python::seconds(run.wall_s))),
                                cpu_us: Some(micros(python::seconds(run.cpu_s))),
                                speedup: None,
                                check: Some(run.check),
                                not_run: None,
                                // CPython does not count its own.
                                failed_acquisitions: None,
                                startup_us: run.startup_s.map(|s| micros(python::seconds(s))),
                            }
                        }
                        None => Row::not_run(
                            workload,
                            mode,
                            &python_error(baseline, &format!("{workload}/{name}")),
                        ),
                    };
                    console.line(&row_line(&row));
                    measured.rows.push(row);
                }
            }
            for row in &mut measured.convoy_rows {
                row.cpython = baseline
                    .convoy_of(&row.case)
                    .and_then(|rtts| convoy::summarize(&rtts));
                console.line(&format!(
                    "convoy, CPython, {}: {}",
                    row.case.title(),
                    latency_text(row.cpython)
                ));
            }
            for error in &baseline.errors {
                measured
                    .notes
                    .push(format!("The Python script reported: {error}"));
            }
        }
        Err(why) => {
            console.line(&format!("CPython: not run: {why}"));
            for &workload in &config.workloads {
                for mode in Mode::PYTHON {
                    measured.rows.push(Row::not_run(workload, mode, why));
                }
            }
        }
    }
    baseline
}

/// What the simulated GIL counted in one throughput run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GilFigures {
    /// The workload.
    pub workload: Workload,
    /// Times the GIL was taken.
    pub holds: u64,
    /// Times it changed hands.
    pub switches: u64,
    /// Times a holder was asked to drop it.
    pub forced_drops: u64,
    /// Wake-ups that found it taken.
    pub failed_acquisitions: u64,
    /// The most holders at once (1, or the lock is broken).
    pub max_holders: usize,
}

/// A Rust mode's outcome.
enum Outcome {
    Done(Measured),
    NotRun(String),
}

fn run_rust(mode: Mode, units: &[Unit], config: &Config, stop: &Stop) -> Result<Outcome, Error> {
    Ok(match mode {
        Mode::Sequential => Outcome::Done(modes::sequential(units)),
        Mode::Threads => Outcome::Done(modes::threads(units)?),
        Mode::ThreadsGil => Outcome::Done(modes::threads_gil(units, DEFAULT_SWITCH_INTERVAL)?),
        Mode::Processes if !config.processes => Outcome::NotRun(NO_WORKER_BINARY.into()),
        Mode::Processes => match modes::processes(units) {
            Ok(measured) => Outcome::Done(measured),
            // Its workers died of the same Ctrl-C.
            Err(_) if stop.requested() => Outcome::NotRun(INTERRUPTED.into()),
            Err(why) => Outcome::NotRun(why),
        },
        Mode::Async => Outcome::Done(modes::asynchronous(units)?),
        _ => Outcome::NotRun("a CPython mode".into()),
    })
}

/// The timelines kept from the throughput runs, their first
/// [`TIMELINE_WINDOW`]: two threads on cpu without and with the GIL (both
/// compute at once; they take turns), and the mixed workload under the
/// GIL (one waits while the other computes: the note's point).
fn throughput_timeline(workload: Workload, mode: Mode, measured: &Measured) -> Option<Timeline> {
    let what = match (workload, mode) {
        (Workload::Cpu, Mode::Threads) => "two threads, no GIL",
        (Workload::Cpu, Mode::ThreadsGil) => "two threads under the simulated GIL",
        (Workload::Mixed, Mode::ThreadsGil) => {
            "a wait and a calculation on two threads under the simulated GIL"
        }
        _ => return None,
    };
    Some(Timeline {
        title: format!("{workload}: {what}"),
        lanes: timeline::window(&measured.lanes, 0, micros(TIMELINE_WINDOW)),
    })
}

/// Speed-up = sequential's wall time (same runtime, same workload) ÷ the
/// row's.
fn fill_speedups(rows: &mut [Row]) {
    let walls: Vec<(Workload, Mode, Option<u64>)> = rows
        .iter()
        .map(|r| (r.workload, r.mode, r.wall_us))
        .collect();
    for row in rows.iter_mut() {
        let base = walls
            .iter()
            .find(|(w, m, _)| *w == row.workload && *m == row.mode.baseline())
            .and_then(|(_, _, wall)| *wall);
        row.speedup = match (base, row.wall_us) {
            (Some(base), Some(wall)) if wall > 0 => Some(base as f64 / wall as f64),
            _ => None,
        };
    }
}

impl Experiment for Config {
    fn id(&self) -> &'static str {
        ID
    }

    fn title(&self) -> &'static str {
        TITLE
    }

    fn explanation(&self) -> Vec<String> {
        explanation(self)
    }

    fn validate(&self) -> Result<(), Error> {
        validate(self)
    }

    /// Runs the experiment, writing a line per measurement to `console`.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for settings out of range; [`Error::Spawn`] if the
    /// system refuses a thread; [`Error::Invariant`] if two modes count a
    /// different number of primes, or two threads held the simulated GIL at
    /// once; [`Error::Panicked`] for a bug in the lab. A missing or failing
    /// interpreter, or a process pool that cannot start, is not an error:
    /// those rows say "not run", and why.
    fn run(&self, ctx: &Ctx) -> Result<Report, Error> {
        measure(self, Arc::clone(&ctx.console), &ctx.stop)
    }

    /// A stopped run ends its step and reports what it measured.
    fn reports_when_stopped(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests;

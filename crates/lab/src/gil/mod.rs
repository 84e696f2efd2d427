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
pub mod convoy;
pub mod modes;
pub mod python;
pub mod timeline;
pub mod usage;
pub mod workload;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use waiter::gil::DEFAULT_SWITCH_INTERVAL;

use crate::{Ctx, Experiment, Stop};

use crate::console::Console;
use crate::duration::{self, micros};
use crate::error::Error;
use crate::report::{Cell, Report, Table, Timeline};

/// Why a row was not measured after Ctrl-C.
const INTERRUPTED: &str = "interrupted";
pub use claims::{Claim, Verdict};
pub use convoy::{Case, Client, Latency};
pub use modes::{Measured, Mode, registry};
pub use python::Baseline;
pub use workload::{Sizes, Unit, Workload};

/// The experiment's id, also its subcommand.
pub const ID: &str = "gil";

/// The experiment's title.
pub const TITLE: &str =
    "The GIL: threads, processes and async on CPU- and I/O-bound work, simulated and in CPython";

/// The title of the main table.
pub const TABLE: &str = "two units of work, every way: wall time, CPU time, speed-up";

/// The title of the convoy table.
pub const CONVOY_TABLE: &str = "the convoy effect: an echo thread's round trip";

/// The title of the side-by-side table.
pub const COMPARISON_TABLE: &str = "simulated GIL vs CPython, figure by figure";

/// The title of the claims table.
pub const CLAIMS_TABLE: &str = "the note's claims, on this machine";

/// Each unit (one wait, one prime count) takes this long at scale 1, so
/// sequential (two units) takes about a second.
pub const UNIT: Duration = Duration::from_millis(500);

/// The largest `scale`.
pub const MAX_SCALE: f64 = 20.0;

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
    /// time budgets scale too. More than 0, at most [`MAX_SCALE`].
    pub scale: f64,
    /// Run the process-pool mode. The binary running the experiment must
    /// call [`waiter::process::serve_if_worker`] with [`registry`] first
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
    if !(config.scale > 0.0 && config.scale <= MAX_SCALE) {
        return Err(Error::Config(format!(
            "the scale must be more than 0 and at most {MAX_SCALE}, not {}",
            config.scale
        )));
    }
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
            "Workloads ({}) of two units each: cpu = count primes, twice; io = a blocking wait, twice; mixed = a wait, then primes (the note's ask_user + complex_calculation). Each unit takes about {}, so sequential takes about {}.",
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
}

/// Measures and reports (see [`Experiment::run`]).
fn measure(config: &Config, console: Arc<dyn Console>, stop: &Stop) -> Result<Report, Error> {
    validate(config)?;
    let unit = config.unit();
    let sizes = Sizes {
        bound: workload::calibrate(unit),
        io: unit,
    };
    let cpus = waiter::default_workers();
    console.line(&format!(
        "units: count the primes below {} (calibrated to about {} here), or wait {}",
        sizes.bound,
        duration::format(unit),
        duration::format(unit)
    ));

    // 1. The Rust modes.
    let mut rows = Vec::new();
    let mut gil_figures = Vec::new();
    let mut timelines = Vec::new();
    for &workload in &config.workloads {
        let units = workload.units(&sizes);
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

    // 2. The convoy, simulated.
    let cases = if config.convoy {
        convoy::cases(config.scale)
    } else {
        Vec::new()
    };
    let mut convoy_rows = Vec::new();
    for case in &cases {
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
        if case.cpu_threads == 1 && case.interval == DEFAULT_SWITCH_INTERVAL {
            let to = micros(case.interval * 2 + TIMELINE_WINDOW / 2);
            timelines.push(Timeline {
                title: format!(
                    "convoy, simulated GIL, {} interval: echo, 1 CPU-bound thread, client {}",
                    duration::format(case.interval),
                    case.client.describe()
                ),
                lanes: timeline::window(&run.lanes, 0, to),
            });
        }
        convoy_rows.push(ConvoyRow {
            case: *case,
            simulated: latency,
            cpython: None,
        });
    }

    // 3. CPython.
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
                convoy: cases.clone(),
            };
            python::run(python, &request, config.python_timeout, stop)
        }
    };
    let mut notes = Vec::new();
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
                notes.push(format!(
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
                                .units(&sizes)
                                .iter()
                                .filter(|u| matches!(u, Unit::Cpu { .. }))
                                .count() as u64;
                            if let Some(expected) = primes.map(|p| p * cpu_units)
                                && run.check != expected
                            {
                                notes.push(format!(
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
                            }
                        }
                        None => Row::not_run(
                            workload,
                            mode,
                            &python_error(baseline, &format!("{workload}/{name}")),
                        ),
                    };
                    console.line(&row_line(&row));
                    rows.push(row);
                }
            }
            for row in &mut convoy_rows {
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
                notes.push(format!("The Python script reported: {error}"));
            }
        }
        Err(why) => {
            console.line(&format!("CPython: not run: {why}"));
            for &workload in &config.workloads {
                for mode in Mode::PYTHON {
                    rows.push(Row::not_run(workload, mode, why));
                }
            }
        }
    }
    // Workload by workload, every mode of each.
    let position = |row: &Row| {
        let workload = config.workloads.iter().position(|&w| w == row.workload);
        let mode = Mode::ALL.iter().position(|&m| m == row.mode);
        (workload, mode)
    };
    rows.sort_by_key(position);
    fill_speedups(&mut rows);

    let claims = claims::claims(&rows, &convoy_rows, cpus);
    let comparisons = comparisons(&rows, &convoy_rows);
    let mut report = Report::new(ID, TITLE);
    report.explanation = explanation(config);
    report.tables.push(rows_table(&rows));
    if config.convoy {
        report.tables.push(convoy_table(&convoy_rows));
    }
    report.tables.push(comparison_table(&comparisons));
    report.tables.push(claims_table(&claims));
    report.timelines = timelines;
    report.conclusions = conclusions(&rows, &convoy_rows, &claims, &baseline, &sizes, unit);
    report.conclusions.extend(notes);
    if stop.requested() {
        report.conclusions.insert(
            0,
            format!(
                "Interrupted (Ctrl-C): the rows marked \"not run: {INTERRUPTED}\" and {} of {} convoy cases were not measured.",
                cases.len() - convoy_rows.len(),
                cases.len()
            ),
        );
        report.set_figure("interrupted", true);
    }
    report.set_figure("scale", config.scale);
    report.set_figure("cpus", cpus);
    report.set_figure("sizes", sizes);
    report.set_figure("unit_us", micros(unit));
    report.set_figure("switch_interval_us", micros(DEFAULT_SWITCH_INTERVAL));
    report.set_figure("rows", &rows);
    report.set_figure("gil", &gil_figures);
    report.set_figure("convoy", &convoy_rows);
    report.set_figure("comparisons", &comparisons);
    report.set_figure("claims", &claims);
    match &baseline {
        Ok(baseline) => {
            report.set_figure("python", baseline);
        }
        Err(why) => {
            report.set_figure("python_not_run", why);
        }
    }
    Ok(report)
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

/// `cpython` as people write it.
fn implementation(baseline: &Baseline) -> String {
    match baseline.implementation.as_str() {
        "cpython" => "CPython".into(),
        "pypy" => "PyPy".into(),
        other => other.into(),
    }
}

/// The script's error about `what` (`cpu/threads`), or a generic reason.
fn python_error(baseline: &Baseline, what: &str) -> String {
    baseline
        .errors
        .iter()
        .find(|e| e.starts_with(what))
        .cloned()
        .unwrap_or_else(|| "the Python script did not report this row".into())
}

fn latency_text(latency: Option<Latency>) -> String {
    match latency {
        Some(l) => format!(
            "median {}, p99 {} ({} round trips)",
            duration::format(l.median),
            duration::format(l.p99),
            l.samples
        ),
        None => "no round trip".into(),
    }
}

fn row_line(row: &Row) -> String {
    match (&row.not_run, row.wall_us) {
        (Some(why), _) => format!("{} / {}: not run: {why}", row.workload, row.mode),
        (None, Some(wall)) => format!(
            "{} / {}: {} wall, {} CPU",
            row.workload,
            row.mode,
            duration::format(Duration::from_micros(wall)),
            row.cpu_us
                .map_or(usage::NOT_AVAILABLE.to_owned(), |us| duration::format(
                    Duration::from_micros(us)
                ))
        ),
        (None, None) => format!("{} / {}: no number", row.workload, row.mode),
    }
}

/// The main table.
fn rows_table(rows: &[Row]) -> Table {
    let mut table = Table::new(
        TABLE,
        ["workload", "mode", "wall", "CPU", "CPU ÷ wall", "speed-up"],
    );
    for row in rows {
        let cells = match (&row.not_run, row.wall_us) {
            (None, Some(wall)) => {
                let (cpu, busy) = match row.cpu_us {
                    Some(cpu) => (
                        Cell::Micros(cpu),
                        if wall > 0 {
                            Cell::Float(cpu as f64 / wall as f64)
                        } else {
                            Cell::Missing
                        },
                    ),
                    None => (Cell::from(usage::NOT_AVAILABLE), Cell::Missing),
                };
                vec![
                    Cell::Micros(wall),
                    cpu,
                    busy,
                    row.speedup.map_or(Cell::Missing, Cell::Float),
                ]
            }
            _ => vec![
                Cell::from("not run"),
                Cell::Missing,
                Cell::Missing,
                Cell::Missing,
            ],
        };
        let mut line = vec![Cell::from(row.workload.name()), Cell::from(row.mode.name())];
        line.extend(cells);
        table.push_row(line);
    }
    table
}

fn latency_cells(latency: Option<Latency>) -> [Cell; 2] {
    match latency {
        Some(l) => [Cell::from(l.median), Cell::from(l.p99)],
        None => [Cell::from("not run"), Cell::Missing],
    }
}

/// The convoy table.
fn convoy_table(rows: &[ConvoyRow]) -> Table {
    let mut table = Table::new(
        CONVOY_TABLE,
        [
            "client",
            "CPU threads",
            "interval",
            "simulated median",
            "simulated p99",
            "CPython median",
            "CPython p99",
            "round trips (simulated / CPython)",
        ],
    );
    for row in rows {
        let mut line = vec![
            Cell::from(row.case.client.describe()),
            Cell::from(row.case.cpu_threads),
            Cell::from(row.case.interval),
        ];
        line.extend(latency_cells(row.simulated));
        line.extend(latency_cells(row.cpython));
        let count = |l: Option<Latency>| l.map_or("—".to_owned(), |l| l.samples.to_string());
        line.push(Cell::Text(format!(
            "{} / {}",
            count(row.simulated),
            count(row.cpython)
        )));
        table.push_row(line);
    }
    table
}

/// One figure, simulated and in CPython.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    /// What is compared.
    pub figure: String,
    /// With the simulated GIL (or Rust's process pool), in microseconds
    /// for a latency, as a factor for a speed-up.
    pub simulated: Option<f64>,
    /// In CPython, in the same unit.
    pub cpython: Option<f64>,
    /// Whether the figure is a latency (else a speed-up).
    pub latency: bool,
}

impl Comparison {
    /// simulated ÷ CPython.
    pub fn ratio(&self) -> Option<f64> {
        match (self.simulated, self.cpython) {
            (Some(s), Some(c)) if c > 0.0 => Some(s / c),
            _ => None,
        }
    }

    /// Whether the simulation is within a factor of 2 of CPython.
    pub fn within_2x(&self) -> Option<bool> {
        self.ratio().map(|r| (0.5..=2.0).contains(&r))
    }
}

/// The figures the issue lists, simulated next to CPython.
fn comparisons(rows: &[Row], convoy: &[ConvoyRow]) -> Vec<Comparison> {
    let mut out = Vec::new();
    let ms5 = DEFAULT_SWITCH_INTERVAL;
    let lat = |client, cpu, interval: Duration, p99: bool, what: &str| {
        convoy
            .iter()
            .find(|r| r.case.is(client, cpu, interval))
            .map(|r| {
                let pick = |l: Option<Latency>| {
                    l.map(|l| micros(if p99 { l.p99 } else { l.median }) as f64)
                };
                Comparison {
                    figure: format!(
                        "{what}, {} interval: {}",
                        duration::format(interval),
                        if p99 { "p99" } else { "median" }
                    ),
                    simulated: pick(r.simulated),
                    cpython: pick(r.cpython),
                    latency: true,
                }
            })
    };
    let wanted = [
        (
            Client::Process,
            0,
            ms5,
            false,
            "echo alone, client another process",
        ),
        (
            Client::Process,
            1,
            ms5,
            false,
            "1 CPU-bound thread, client another process",
        ),
        (
            Client::Thread,
            1,
            ms5,
            false,
            "1 CPU-bound thread, client a thread",
        ),
        (
            Client::Thread,
            1,
            ms5,
            true,
            "1 CPU-bound thread, client a thread",
        ),
        (
            Client::Process,
            2,
            ms5,
            true,
            "2 CPU-bound threads, client another process",
        ),
        (
            Client::Thread,
            2,
            ms5,
            true,
            "2 CPU-bound threads, client a thread",
        ),
        (
            Client::Thread,
            1,
            convoy::INTERVALS[0],
            false,
            "1 CPU-bound thread, client a thread",
        ),
        (
            Client::Thread,
            1,
            convoy::INTERVALS[2],
            false,
            "1 CPU-bound thread, client a thread",
        ),
        (
            Client::Thread,
            1,
            convoy::INTERVALS[0],
            true,
            "1 CPU-bound thread, client a thread",
        ),
        (
            Client::Thread,
            1,
            convoy::INTERVALS[2],
            true,
            "1 CPU-bound thread, client a thread",
        ),
    ];
    for (client, cpu, interval, p99, what) in wanted {
        out.extend(lat(client, cpu, interval, p99, what));
    }
    let speedup = |workload, mode| {
        rows.iter()
            .find(|r| r.workload == workload && r.mode == mode)
            .and_then(|r| r.speedup)
    };
    out.push(Comparison {
        figure: "two CPU-bound threads: speed-up over one after the other".into(),
        simulated: speedup(Workload::Cpu, Mode::ThreadsGil),
        cpython: speedup(Workload::Cpu, Mode::PyThreads),
        latency: false,
    });
    out.push(Comparison {
        figure: "two CPU-bound processes: speed-up (Rust ProcessPool vs ProcessPoolExecutor)"
            .into(),
        simulated: speedup(Workload::Cpu, Mode::Processes),
        cpython: speedup(Workload::Cpu, Mode::PyProcesses),
        latency: false,
    });
    out.push(Comparison {
        figure: "two waits on two threads under the GIL: speed-up".into(),
        simulated: speedup(Workload::Io, Mode::ThreadsGil),
        cpython: speedup(Workload::Io, Mode::PyThreads),
        latency: false,
    });
    out.push(Comparison {
        figure: "a wait and a calculation on two threads under the GIL: speed-up".into(),
        simulated: speedup(Workload::Mixed, Mode::ThreadsGil),
        cpython: speedup(Workload::Mixed, Mode::PyThreads),
        latency: false,
    });
    out
}

fn comparison_table(comparisons: &[Comparison]) -> Table {
    let mut table = Table::new(
        COMPARISON_TABLE,
        [
            "figure",
            "simulated GIL",
            "CPython",
            "simulated ÷ CPython",
            "within 2×",
        ],
    );
    for c in comparisons {
        let cell = |v: Option<f64>| match v {
            Some(v) if c.latency => Cell::Micros(v.max(0.0) as u64),
            Some(v) => Cell::Text(format!("{v:.2}×")),
            None => Cell::from("not run"),
        };
        table.push_row(vec![
            Cell::from(c.figure.as_str()),
            cell(c.simulated),
            cell(c.cpython),
            c.ratio().map_or(Cell::Missing, Cell::Float),
            match c.within_2x() {
                Some(true) => Cell::from("yes"),
                Some(false) => Cell::from("no"),
                None => Cell::Missing,
            },
        ]);
    }
    table
}

fn claims_table(claims: &[Claim]) -> Table {
    let mut table = Table::new(
        CLAIMS_TABLE,
        ["claim", "the note says", "measured here", "verdict"],
    );
    for claim in claims {
        table.push_row(vec![
            Cell::from(claim.short.as_str()),
            Cell::from(claim.says.as_str()),
            Cell::from(claim.measured.as_str()),
            Cell::from(claim.verdict.name()),
        ]);
    }
    table
}

/// What this run's numbers say, in plain words.
fn conclusions(
    rows: &[Row],
    convoy: &[ConvoyRow],
    claims: &[Claim],
    baseline: &Result<Baseline, String>,
    sizes: &Sizes,
    unit: Duration,
) -> Vec<String> {
    let mut lines = Vec::new();
    let find = |w, m| rows.iter().find(|r: &&Row| r.workload == w && r.mode == m);
    let busy = |r: &Row| match (r.cpu_us, r.wall_us) {
        (Some(cpu), Some(wall)) if wall > 0 => Some(cpu as f64 / wall as f64),
        _ => None,
    };
    if let (Some(free), Some(locked)) = (
        find(Workload::Cpu, Mode::Threads),
        find(Workload::Cpu, Mode::ThreadsGil),
    ) && let (Some(a), Some(b)) = (free.speedup, locked.speedup)
    {
        let cores = |r: &Row| busy(r).map_or(String::new(), |x| format!(", {x:.2} cores busy"));
        lines.push(format!(
            "cpu: two Rust threads {a:.2}×{}; the same two threads under the simulated GIL {b:.2}×{}: the lock, not the threads, puts the work one after the other.",
            cores(free),
            cores(locked)
        ));
    }
    lines.extend(claims.iter().map(Claim::line));

    // The convoy, beyond the one-interval claim.
    let show = |l: Option<Latency>| {
        l.map_or("not run".to_owned(), |l| {
            format!(
                "median {}, p99 {}",
                duration::format(l.median),
                duration::format(l.p99)
            )
        })
    };
    if let Some(row) = convoy
        .iter()
        .find(|r| r.case.is(Client::Thread, 1, DEFAULT_SWITCH_INTERVAL))
    {
        lines.push(format!(
            "A client thread of the same process needs the GIL back too (after its pause, after its read): simulated {}; CPython {}.",
            show(row.simulated),
            show(row.cpython)
        ));
    }
    let scan: Vec<&ConvoyRow> = convoy::INTERVALS
        .iter()
        .filter_map(|&i| convoy.iter().find(|r| r.case.is(Client::Thread, 1, i)))
        .collect();
    if scan.len() == convoy::INTERVALS.len() {
        let medians = |pick: fn(&ConvoyRow) -> Option<Latency>| {
            scan.iter()
                .map(|r| pick(r).map_or("—".to_owned(), |l| duration::format(l.median)))
                .collect::<Vec<_>>()
                .join(" / ")
        };
        lines.push(format!(
            "The convoy grows with the switch interval (client thread, 1 CPU-bound thread, medians at 1 / 5 / 50 ms): simulated {}; CPython {}.",
            medians(|r| r.simulated),
            medians(|r| r.cpython)
        ));
    }
    if let Some(few) = convoy
        .iter()
        .flat_map(|r| [r.simulated, r.cpython])
        .flatten()
        .map(|l| l.samples)
        .filter(|&n| n < 100)
        .min()
    {
        lines.push(format!(
            "Some convoy cases fit only {few} round trips in their time budget: with fewer than 100, the p99 is the largest one (more with --scale)."
        ));
    }

    // How close the simulation is.
    let comparisons = comparisons(rows, convoy);
    let judged: Vec<&Comparison> = comparisons.iter().filter(|c| c.ratio().is_some()).collect();
    if !judged.is_empty() {
        let close = judged
            .iter()
            .filter(|c| c.within_2x() == Some(true))
            .count();
        let far: Vec<String> = judged
            .iter()
            .filter(|c| c.within_2x() == Some(false))
            .map(|c| format!("{} ({:.2}×)", c.figure, c.ratio().unwrap_or(0.0)))
            .collect();
        let mut line = format!(
            "The simulated GIL is within 2× of CPython on {close} of {} figures",
            judged.len()
        );
        if far.is_empty() {
            line.push('.');
        } else {
            line.push_str(&format!("; not on: {}.", far.join("; ")));
        }
        lines.push(line);
    }

    match baseline {
        Ok(b) => lines.push(format!(
            "Same time per unit, different sizes: in about {} Rust counts the primes below {}, {} {} only below {}.",
            duration::format(unit),
            sizes.bound,
            implementation(b),
            b.python,
            b.cpu_bound
        )),
        Err(why) => lines.push(format!("CPython rows: not run: {why}.")),
    }
    if let Some(row) = rows
        .iter()
        .find(|r| r.mode == Mode::Processes && r.not_run.is_some())
    {
        lines.push(format!(
            "Process rows: not run: {}.",
            row.not_run.as_deref().unwrap_or_default()
        ));
    }
    lines
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

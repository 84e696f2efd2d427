//! `cores`: processors, cores, threads and processes, on the machine the
//! user actually has.
//!
//! The note: "each processor has a number of cores"; a thread "can run in
//! one core by a time"; the OS does "time slicing" and "is responsible to
//! save the current status (checkpoint) of the thread"; processes "manage
//! everything … necessary to run one or more threads", and "it is
//! expensive to communicate between 2 processes". This experiment shows
//! each sentence with a measurement:
//!
//! 1. **The machine** ([`machine`]): logical CPUs, physical cores, the CPUs
//!    this process may use and any cgroup CPU quota, and the number the
//!    pool sizes itself by ([`waiter::default_workers`], which is
//!    [`std::thread::available_parallelism`]), checked against what we
//!    read.
//! 2. **Time slicing** ([`slicing`]): k threads, each spinning the same
//!    fixed work, for k = 1, 2, 4, … up to 4 × the CPUs. Per k: wall time,
//!    total CPU time, throughput speed-up `k × wall₁ ÷ wall_k`, and the
//!    involuntary context switches the OS made ([`os`]). The speed-up
//!    climbs to the number of CPUs and stays there, while the switches
//!    climb: beyond the cores, threads take turns.
//! 3. **Turns, drawn**: for the last k that fits the CPUs and the first
//!    that does not, a timeline per thread, sampled from its CPU clock
//!    every millisecond or so: running, or waiting for a core.
//! 4. **Costs** ([`costs`]): start + join a thread; start + wait a process
//!    (this binary re-run as a no-op child, [`child`]); submit + wait a
//!    task on a warm [`waiter::Pool`]; a message round trip between two
//!    threads (channel) and between two processes (pipe). Median and p99.
//!
//! In the note's order the experiment comes after the pool (`greet`) and
//! before the dining philosophers and the GIL. Where the OS does not give
//! a number (per-thread CPU clocks and switch counts are Linux-only here)
//! the report says "not available on this OS", never zero.
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//! use waiter_lab::console::Silent;
//! use waiter_lab::cores::{self, Config};
//! use waiter_lab::{Ctx, Experiment};
//!
//! let config = Config {
//!     threads: vec![1, 2],
//!     work: Duration::from_millis(2),
//!     sample: Duration::from_millis(1),
//!     thread_starts: 5,
//!     process_starts: 1,
//!     round_trips: 20,
//!     repeats: 1,
//! };
//! // No binary to re-run: the process rows say "not measured".
//! let report = config.run(&Ctx::new(Arc::new(Silent)))?;
//! let slicing = report.table(cores::SLICING_TABLE).unwrap();
//! assert_eq!(slicing.rows.len(), 2); // k = 1 and k = 2
//! # Ok::<(), waiter_lab::Error>(())
//! ```

pub mod child;
pub mod costs;
pub mod machine;
pub mod os;
pub mod slicing;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use crate::{Ctx, Experiment};

use crate::console::Console;
use crate::duration::{self, micros};
use crate::error::Error;
use crate::report::{Cell, Report, Table, Timeline};
use costs::{Cost, Measured, Summary};
use machine::{Machine, Quota};
use os::NOT_AVAILABLE;
use slicing::RunFigures;

/// The experiment's id, also its subcommand.
pub const ID: &str = "cores";

/// The experiment's title.
pub const TITLE: &str = "Cores, threads and processes: time slicing and what things cost";

/// The title of the machine table.
pub const MACHINE_TABLE: &str = "the machine";

/// The title of the time-slicing table.
pub const SLICING_TABLE: &str = "time slicing: k threads, the same work each";

/// The title of the costs table.
pub const COSTS_TABLE: &str = "what things cost";

/// Thread starts timed by default.
pub const DEFAULT_THREAD_STARTS: usize = 200;

/// Process starts timed by default.
pub const DEFAULT_PROCESS_STARTS: usize = 50;

/// Round trips timed by default.
pub const DEFAULT_ROUND_TRIPS: usize = 2000;

/// Runs per k by default (the row is the fastest).
pub const DEFAULT_REPEATS: usize = 3;

/// The most runs per k.
pub const MAX_REPEATS: usize = 100;

/// The most threads in one run.
pub const MAX_THREADS: usize = 1024;

/// The most work per thread.
pub const MAX_WORK: Duration = Duration::from_secs(60);

/// The shortest sampling interval.
pub const MIN_SAMPLE: Duration = Duration::from_micros(100);

/// The longest sampling interval.
pub const MAX_SAMPLE: Duration = Duration::from_secs(1);

/// The most thread starts timed.
pub const MAX_THREAD_STARTS: usize = 100_000;

/// The most process starts timed.
pub const MAX_PROCESS_STARTS: usize = 10_000;

/// The most round trips timed (pool tasks, and messages each way).
pub const MAX_ROUND_TRIPS: usize = 1_000_000;

/// About this many samples per timeline: its run is sized to last this
/// many sampling intervals, so a turn on a core is wider than a column of
/// a terminal timeline.
pub const TIMELINE_SAMPLES: u32 = 100;

/// Timelines are drawn for runs of at most this many threads.
pub const MAX_TIMELINE_LANES: usize = 32;

/// The experiment's settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// The thread counts k to run (1 is added if missing: it is the
    /// speed-up's baseline). Default: [`default_threads`] for this machine.
    pub threads: Vec<usize>,
    /// Each thread's work: what one thread alone does in this much CPU
    /// time, calibrated once, then fixed as a count of rounds.
    pub work: Duration,
    /// How often the timelines sample the threads' CPU clocks.
    pub sample: Duration,
    /// Thread starts timed.
    pub thread_starts: usize,
    /// Process starts timed.
    pub process_starts: usize,
    /// Pool tasks timed, and message round trips timed (each way).
    pub round_trips: usize,
    /// Each k runs this many times; its row is the fastest run.
    pub repeats: usize,
}

impl Default for Config {
    /// k = 1, 2, 4, … up to 4 × this machine's CPUs, the fastest of 3 runs
    /// each; 100 ms of work per thread; sampled every 1 ms; 200 thread
    /// starts, 50 process starts, 2000 round trips. A few seconds in all
    /// on a small machine.
    fn default() -> Self {
        Self {
            threads: default_threads(waiter::default_workers()),
            work: Duration::from_millis(100),
            sample: Duration::from_millis(1),
            thread_starts: DEFAULT_THREAD_STARTS,
            process_starts: DEFAULT_PROCESS_STARTS,
            round_trips: DEFAULT_ROUND_TRIPS,
            repeats: DEFAULT_REPEATS,
        }
    }
}

/// k = 1, 2, 4, 8, … up to 4 × `cpus`, with `cpus`, 2 × `cpus` and
/// 4 × `cpus` themselves (the interesting points when `cpus` is not a
/// power of two), at most [`MAX_THREADS`].
pub fn default_threads(cpus: usize) -> Vec<usize> {
    let cpus = cpus.max(1);
    let top = cpus.saturating_mul(4).min(MAX_THREADS);
    let mut ks: Vec<usize> = std::iter::successors(Some(1usize), |k| k.checked_mul(2))
        .take_while(|&k| k <= top)
        .collect();
    ks.extend([cpus, cpus * 2, top].into_iter().filter(|&k| k <= top));
    ks.sort_unstable();
    ks.dedup();
    ks
}

/// Parses `--threads`: comma-separated whole numbers from 1 to
/// [`MAX_THREADS`], e.g. `1,2,3`. The result is sorted, without
/// duplicates.
///
/// # Errors
///
/// A message that says what is wrong and what to type.
///
/// ```
/// use waiter_lab::cores::parse_threads;
///
/// assert_eq!(parse_threads("4, 1,2,2"), Ok(vec![1, 2, 4]));
/// assert!(parse_threads("0").unwrap_err().contains("at least 1"));
/// assert!(parse_threads("x").unwrap_err().contains("'x' is not a whole number"));
/// ```
pub fn parse_threads(text: &str) -> Result<Vec<usize>, String> {
    let example = "e.g. 1,2,4";
    if text.trim().is_empty() {
        return Err(format!(
            "a list of thread counts is required, separated by commas, {example}"
        ));
    }
    let mut ks = Vec::new();
    for item in text.split(',') {
        let item = item.trim();
        if item.is_empty() {
            return Err(format!(
                "'{text}' has an empty item: write counts separated by single commas, {example}"
            ));
        }
        if item.starts_with('-') {
            return Err(format!(
                "'{item}' is negative: a thread count is at least 1"
            ));
        }
        let k: usize = item.parse().map_err(|_| {
            if item.bytes().all(|b| b.is_ascii_digit()) {
                format!("'{item}' is too many threads (at most {MAX_THREADS})")
            } else {
                format!("'{item}' is not a whole number: write thread counts, {example}")
            }
        })?;
        if k == 0 {
            return Err("a thread count must be at least 1: 0 threads do no work".into());
        }
        if k > MAX_THREADS {
            return Err(format!(
                "'{item}' is too many threads (at most {MAX_THREADS})"
            ));
        }
        ks.push(k);
    }
    ks.sort_unstable();
    ks.dedup();
    Ok(ks)
}

/// Checks a configuration; the CLI rejects the same values earlier.
///
/// # Errors
///
/// [`Error::Config`] naming the first value out of range.
pub fn validate(config: &Config) -> Result<(), Error> {
    let bad = |message: String| Err(Error::Config(message));
    if config.threads.is_empty() {
        return bad("at least one thread count is needed".into());
    }
    if let Some(k) = config.threads.iter().find(|&&k| k == 0 || k > MAX_THREADS) {
        return bad(format!("thread counts go from 1 to {MAX_THREADS}, not {k}"));
    }
    if config.work.is_zero() || config.work > MAX_WORK {
        return bad("the work per thread must be more than 0 and at most 1 minute".into());
    }
    if config.sample < MIN_SAMPLE || config.sample > MAX_SAMPLE {
        return bad("the sampling interval must be from 100µs to 1s".into());
    }
    for (name, value, max) in [
        ("thread starts", config.thread_starts, MAX_THREAD_STARTS),
        ("process starts", config.process_starts, MAX_PROCESS_STARTS),
        ("round trips", config.round_trips, MAX_ROUND_TRIPS),
        ("repeats", config.repeats, MAX_REPEATS),
    ] {
        if value == 0 || value > max {
            return bad(format!("{name} must be from 1 to {max}"));
        }
    }
    Ok(())
}

/// The idea, in plain words from the note, to show before the run (the
/// same lines as the report's `explanation`).
pub fn explanation(config: &Config) -> Vec<String> {
    let cpus = waiter::default_workers();
    vec![
        "The note: each processor has cores; each core runs one thread at a time; the operating system time-slices the threads and saves each one's state (a checkpoint) to resume it later; processes own the resources and cost more than threads.".into(),
        format!(
            "First, this machine: its CPUs and cores, and the number a pool should use ({cpus} here)."
        ),
        format!(
            "Then k threads (k = {}), each doing the same CPU-bound work (what one thread does alone in {} of CPU time), the fastest of {} run{} per k. Speed-up = k × wall₁ ÷ wall_k: k times the work, in wall_k instead of wall₁. Up to the number of CPUs it should grow like k; beyond, threads take turns on the cores, and the OS counts every turn it forces (involuntary context switches).",
            list(&with_baseline(&config.threads)),
            duration::format(config.work),
            config.repeats,
            plural_s(config.repeats)
        ),
        format!(
            "Then each thread's CPU clock, sampled every {}, drawn as running or waiting for a core; and the prices the note calls expensive: starting a thread or a process, a task on a warm pool, a message between threads or between processes.",
            duration::format(config.sample)
        ),
    ]
}

/// The thread counts to run: sorted, unique, with 1.
fn with_baseline(threads: &[usize]) -> Vec<usize> {
    let mut ks = threads.to_vec();
    ks.push(1);
    ks.sort_unstable();
    ks.dedup();
    ks
}

fn list(ks: &[usize]) -> String {
    ks.iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a timeline showed, as stored in the report's figures.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TimelineFigures {
    /// Threads in the run.
    pub threads: usize,
    /// Rounds of work per thread (fewer than the table's runs: the
    /// timeline's run is sized to [`TIMELINE_SAMPLES`] intervals).
    pub rounds: u64,
    /// Each thread's share of the run spent on a core.
    pub running_share: Vec<f64>,
    /// The median whole turn on a core, in microseconds.
    pub median_turn_us: Option<u64>,
}

/// Measures and reports (see [`Experiment::run`]).
fn measure(
    config: &Config,
    exe: Option<&Path>,
    console: Arc<dyn Console>,
) -> Result<Report, Error> {
    validate(config)?;
    let machine = Machine::probe();
    let cpus = machine.cpus();
    console.line(&machine_line(&machine));

    let rounds = slicing::calibrate(config.work);
    let rate = rounds as f64 / config.work.as_secs_f64();
    console.line(&format!(
        "work per thread: {} rounds of spinning, what one thread does alone in {} of CPU time",
        thousands(rounds),
        duration::format(config.work)
    ));
    let ks = with_baseline(&config.threads);
    if !config.threads.contains(&1) {
        console.line("(k = 1 added: the speed-up is measured against it)");
    }

    if config.repeats > 1 {
        console.line(&format!(
            "k = {}: {} rounds, each k once per round; each row is the fastest of its runs",
            list(&ks),
            config.repeats
        ));
    }
    let runs = slicing_runs(&ks, rounds, config.repeats)?;
    for run in &runs {
        console.line(&run_line(run));
    }
    let disturbed = disturbance(&runs);
    if let Some(waited) = disturbed {
        console.line(&disturbance_line(waited));
    }

    let mut timelines = Vec::new();
    let mut timeline_figures = Vec::new();
    if slicing::measurable() {
        for k in timeline_threads(&ks, cpus) {
            let span = config.sample * TIMELINE_SAMPLES;
            let share = k.min(cpus) as f64 / k as f64;
            let rounds = ((rate * span.as_secs_f64() * share) as u64).max(1);
            console.line(&format!(
                "timeline: {k} thread{} on {cpus} CPU{}, CPU clocks sampled every {}",
                plural_s(k),
                plural_s(cpus),
                duration::format(config.sample)
            ));
            let (_, lanes) = slicing::run(k, rounds, Some(config.sample))?;
            timeline_figures.push(TimelineFigures {
                threads: k,
                rounds,
                running_share: lanes.iter().filter_map(slicing::running_share).collect(),
                median_turn_us: slicing::median_turn_us(&lanes),
            });
            timelines.push(Timeline {
                title: format!(
                    "{k} thread{} on {cpus} CPU{} (CPU clock sampled every {})",
                    plural_s(k),
                    plural_s(cpus),
                    duration::format(config.sample)
                ),
                lanes,
            });
        }
    }

    let costs = measure_costs(config, exe, machine.pool_default, &*console)?;

    let mut report = Report::new(ID, TITLE);
    report.explanation = explanation(config);
    report.tables.push(machine_table(&machine));
    report.tables.push(slicing_table(&runs, cpus));
    report.tables.push(costs_table(&costs));
    report.timelines = timelines;
    report.conclusions = conclusions(config.sample, &machine, &runs, &timeline_figures, &costs);
    if let Some(waited) = disturbed {
        report.conclusions.insert(0, disturbance_line(waited));
    }
    report.set_figure("machine", &machine);
    report.set_figure("cpus", cpus);
    report.set_figure("switches_available", os::AVAILABLE);
    report.set_figure("work_us", micros(config.work));
    report.set_figure("rounds", rounds);
    report.set_figure("sample_us", micros(config.sample));
    report.set_figure("threads", &ks);
    report.set_figure("runs", &runs);
    report.set_figure("repeats", config.repeats);
    report.set_figure("disturbed", disturbed);
    report.set_figure("timelines", &timeline_figures);
    report.set_figure("costs", &costs);
    Ok(report)
}

/// Runs every k `repeats` times, in rounds (1, 2, 4, …, then 1, 2, 4, …
/// again), so that a burst of other work on the machine spoils one run of
/// several k rather than every run of one k; keeps the fastest run of each
/// k, and its speed-up over the fastest k = 1.
fn slicing_runs(ks: &[usize], rounds: u64, repeats: usize) -> Result<Vec<RunFigures>, Error> {
    let mut best: Vec<Option<RunFigures>> = vec![None; ks.len()];
    let mut walls: Vec<Vec<u64>> = vec![Vec::with_capacity(repeats); ks.len()];
    for _ in 0..repeats {
        for (index, &k) in ks.iter().enumerate() {
            let (run, _) = slicing::run(k, rounds, None)?;
            walls[index].push(run.wall_us);
            if best[index].as_ref().is_none_or(|b| run.wall < b.wall) {
                best[index] = Some(run);
            }
        }
    }
    let mut runs: Vec<RunFigures> = best
        .into_iter()
        .zip(walls)
        .filter_map(|(run, walls_us)| run.map(|run| RunFigures { walls_us, ..run }))
        .collect();
    let wall_1 = runs.first().map(|run| run.wall).unwrap_or_default();
    for run in &mut runs {
        run.speedup = slicing::speedup(run.threads, wall_1, run.wall);
    }
    Ok(runs)
}

/// How long the lone thread of the fastest k = 1 run waited for a core,
/// as a share of its run, if more than 10 %: alone on a quiet machine it
/// never waits, so something else was using the CPUs, and every speed-up
/// is inflated by about as much.
pub fn disturbance(runs: &[RunFigures]) -> Option<f64> {
    let lone = runs.iter().find(|run| run.threads == 1)?;
    let cpu = lone.cpu_us? as f64;
    let waited = 1.0 - cpu / lone.wall_us.max(1) as f64;
    (waited > 0.10).then_some(waited)
}

fn disturbance_line(waited: f64) -> String {
    format!(
        "Warning: even the fastest lone thread waited for a core {:.0} % of its run: other programs were using the CPUs, so these speed-ups read about {:.0} % high. Run again on a quieter machine, or with more --repeats.",
        waited * 100.0,
        waited / (1.0 - waited) * 100.0
    )
}

/// The thread counts the timelines are drawn for: the largest k that fits
/// the CPUs (no turns) and the smallest that does not (turns).
pub fn timeline_threads(ks: &[usize], cpus: usize) -> Vec<usize> {
    let fits = ks.iter().copied().filter(|&k| k <= cpus).max();
    let over = ks.iter().copied().filter(|&k| k > cpus).min();
    fits.into_iter()
        .chain(over)
        .filter(|&k| k <= MAX_TIMELINE_LANES)
        .collect()
}

fn measure_costs(
    config: &Config,
    exe: Option<&Path>,
    pool_workers: usize,
    console: &dyn Console,
) -> Result<Vec<Measured>, Error> {
    let mut measured = Vec::with_capacity(Cost::ALL.len());
    for cost in Cost::ALL {
        let timings = match (cost, exe) {
            (Cost::ThreadStart, _) => Some(costs::thread_start(config.thread_starts)?),
            (Cost::ProcessStart, Some(exe)) => {
                Some(costs::process_start(exe, config.process_starts)?)
            }
            (Cost::PoolTask, _) => Some(costs::pool_task(pool_workers, config.round_trips)?),
            (Cost::ChannelRoundTrip, _) => Some(costs::channel_round_trip(config.round_trips)?),
            (Cost::PipeRoundTrip, Some(exe)) => {
                Some(costs::pipe_round_trip(exe, config.round_trips)?)
            }
            (_, None) => None,
        };
        let summary = timings.as_deref().and_then(Summary::of);
        let skipped = summary
            .is_none()
            .then(|| "not measured: no binary to re-run as a child".to_owned());
        console.line(&match &summary {
            Some(s) => format!(
                "{}: median {}, p99 {} ({} times)",
                cost.name(),
                duration::format(s.median()),
                duration::format(s.p99()),
                thousands(s.samples as u64)
            ),
            None => format!("{}: {}", cost.name(), skipped.as_deref().unwrap_or("")),
        });
        measured.push(Measured {
            cost,
            summary,
            skipped,
        });
    }
    Ok(measured)
}

fn machine_line(machine: &Machine) -> String {
    let count = |n: Option<usize>| n.map_or_else(|| "?".to_owned(), |n| n.to_string());
    format!(
        "machine: {} logical CPUs, {} physical cores, {} allowed, quota {}; available_parallelism = {}",
        count(machine.logical_cpus),
        count(machine.physical_cores),
        count(machine.allowed_cpus),
        quota_text(machine),
        count(machine.available_parallelism)
    )
}

fn quota_text(machine: &Machine) -> String {
    match &machine.quota {
        None if os::AVAILABLE => "none (no cgroup CPU controller found)".to_owned(),
        None => NOT_AVAILABLE.to_owned(),
        Some(reading) => match reading.quota {
            Quota::Unlimited => "none".to_owned(),
            Quota::Limited {
                quota_us,
                period_us,
            } => format!(
                "{:.2} CPUs ({} µs per {} µs)",
                reading.quota.cpus().unwrap_or(0.0),
                thousands(quota_us),
                thousands(period_us)
            ),
        },
    }
}

fn run_line(run: &RunFigures) -> String {
    let mut line = format!(
        "{} thread{}: wall {}",
        run.threads,
        plural_s(run.threads),
        duration::format(run.wall)
    );
    if let Some(cpu) = run.cpu_us {
        line.push_str(&format!(
            ", CPU {}",
            duration::format(Duration::from_micros(cpu))
        ));
    }
    line.push_str(&format!(", speed-up {:.2}×", run.speedup));
    match run.involuntary {
        Some(n) => line.push_str(&format!(", {} involuntary switches", thousands(n))),
        None => line.push_str(&format!(", switches {NOT_AVAILABLE}")),
    }
    line
}

fn count_cell(n: Option<usize>) -> Cell {
    n.map_or_else(|| Cell::from(NOT_AVAILABLE), Cell::from)
}

fn machine_table(machine: &Machine) -> Table {
    let mut table = Table::new(MACHINE_TABLE, ["what", "value", "where it comes from"]);
    table.push_row(vec![
        "logical CPUs online".into(),
        count_cell(machine.logical_cpus),
        "/sys/devices/system/cpu/online (or /proc/cpuinfo)".into(),
    ]);
    table.push_row(vec![
        "physical cores".into(),
        count_cell(machine.physical_cores),
        match (&machine.cores_source, machine.packages) {
            (Some(source), Some(packages)) => format!(
                "{source}: distinct (package, core) pairs, {packages} package{}",
                plural_s(packages)
            ),
            _ => "the OS does not say".to_owned(),
        }
        .into(),
    ]);
    table.push_row(vec![
        "CPUs this process may use".into(),
        count_cell(machine.allowed_cpus),
        "affinity: Cpus_allowed_list in /proc/thread-self/status".into(),
    ]);
    table.push_row(vec![
        "cgroup CPU quota".into(),
        quota_text(machine).into(),
        machine
            .quota
            .as_ref()
            .map_or(
                "/proc/self/cgroup, then cpu.max (v2) or cpu.cfs_quota_us (v1)",
                |q| q.source.as_str(),
            )
            .into(),
    ]);
    table.push_row(vec![
        "available_parallelism()".into(),
        count_cell(machine.available_parallelism),
        "Rust std: the allowed CPUs, lowered to the quota (rounded down)".into(),
    ]);
    table.push_row(vec![
        "pool default size".into(),
        Cell::from(machine.pool_default),
        "waiter::default_workers() = available_parallelism()".into(),
    ]);
    table
}

fn slicing_table(runs: &[RunFigures], cpus: usize) -> Table {
    let mut table = Table::new(
        SLICING_TABLE,
        [
            "threads (k)",
            "wall",
            "CPU time",
            "CPU ÷ wall",
            "speed-up = k × wall₁ ÷ wall_k",
            "ideal",
            "involuntary switches",
            "per thread",
        ],
    );
    for run in runs {
        let na = || Cell::from(NOT_AVAILABLE);
        let busy = run
            .cpu_us
            .filter(|_| run.wall_us > 0)
            .map(|cpu| cpu as f64 / run.wall_us as f64);
        table.push_row(vec![
            Cell::from(run.threads),
            Cell::from(run.wall),
            run.cpu_us.map_or_else(na, Cell::Micros),
            busy.map_or_else(na, Cell::from),
            Cell::from(run.speedup),
            Cell::from(run.threads.min(cpus)),
            run.involuntary.map_or_else(na, Cell::from),
            run.involuntary
                .map_or_else(na, |n| Cell::from(n as f64 / run.threads as f64)),
        ]);
    }
    table
}

fn costs_table(measured: &[Measured]) -> Table {
    let mut table = Table::new(COSTS_TABLE, ["operation", "median", "p99", "times"]);
    for m in measured {
        match (&m.summary, &m.skipped) {
            (Some(s), _) => table.push_row(vec![
                m.cost.name().into(),
                Cell::Nanos(s.median_ns),
                Cell::Nanos(s.p99_ns),
                Cell::from(s.samples),
            ]),
            (None, reason) => table.push_row(vec![
                format!(
                    "{} ({})",
                    m.cost.name(),
                    reason.as_deref().unwrap_or("not measured")
                )
                .into(),
                Cell::Missing,
                Cell::Missing,
                Cell::from(0usize),
            ]),
        }
    }
    table
}

fn median_of(measured: &[Measured], cost: Cost) -> Option<Duration> {
    measured
        .iter()
        .find(|m| m.cost == cost)
        .and_then(|m| m.summary)
        .map(|s| s.median())
}

/// What this run's numbers say, in plain words.
fn conclusions(
    sample: Duration,
    machine: &Machine,
    runs: &[RunFigures],
    timelines: &[TimelineFigures],
    measured: &[Measured],
) -> Vec<String> {
    let mut lines = machine_conclusions(machine);
    lines.extend(slicing_conclusions(runs, machine.cpus()));
    lines.extend(timeline_conclusions(timelines, machine.cpus(), sample));
    lines.extend(cost_conclusions(measured));
    lines
}

fn machine_conclusions(machine: &Machine) -> Vec<String> {
    let mut lines = Vec::new();
    let parallelism = machine.cpus();
    let why = match (&machine.quota, machine.allowed_cpus) {
        (Some(q), Some(allowed)) if q.quota.whole_cpus().is_some_and(|w| w < allowed) => format!(
            "the {allowed} CPUs this process may use, lowered to the cgroup quota of {:.2} CPUs rounded down",
            q.quota.cpus().unwrap_or(0.0)
        ),
        (Some(q), Some(allowed)) if q.quota != Quota::Unlimited => format!(
            "the {allowed} CPUs this process may use (the cgroup quota of {:.2} CPUs allows them all)",
            q.quota.cpus().unwrap_or(0.0)
        ),
        (_, Some(allowed)) => format!(
            "the {allowed} CPU{} this process may use, with no cgroup CPU quota",
            plural_s(allowed)
        ),
        (_, None) => "what the OS reports".to_owned(),
    };
    let check = match machine.expected_parallelism() {
        Some(expected) if Some(expected) == machine.available_parallelism => {
            format!("it matches what we read ourselves ({expected})")
        }
        Some(expected) => format!(
            "it differs from what we read ourselves ({expected}): the OS has limits we do not read (e.g. a cgroup v1 mount elsewhere)"
        ),
        None => format!("we could not read the CPUs ourselves to check ({NOT_AVAILABLE})"),
    };
    lines.push(format!(
        "The pool's default size, waiter::default_workers() = {}, is Rust's available_parallelism(): {why}; {check}. It counts what this process can keep busy, not what the hardware has.",
        machine.pool_default
    ));
    if let (Some(smt), Some(cores), Some(logical)) =
        (machine.smt(), machine.physical_cores, machine.logical_cpus)
    {
        lines.push(format!(
            "{logical} logical CPUs on {cores} physical cores ({smt} hardware threads per core): threads on two logical CPUs of one core share its arithmetic units, so expect less than {logical}× from {logical} threads."
        ));
    }
    if let (Some(q), Some(visible)) = (
        &machine.quota,
        machine.allowed_cpus.or(machine.logical_cpus),
    ) && q.quota.whole_cpus().is_some_and(|w| w < visible)
    {
        lines.push(format!(
            "A cgroup quota of {:.2} CPUs with {visible} CPUs visible: threads may run on any of them but together get {:.2} CPUs' worth of time; a pool of {visible} would mostly be throttled, which is why the default is {parallelism}.",
            q.quota.cpus().unwrap_or(0.0),
            q.quota.cpus().unwrap_or(0.0)
        ));
    }
    lines
}

/// A run's switches, as words.
fn switches(run: &RunFigures) -> String {
    run.involuntary
        .map_or_else(|| NOT_AVAILABLE.to_owned(), thousands)
}

fn slicing_conclusions(runs: &[RunFigures], cpus: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let Some(fits) = runs
        .iter()
        .filter(|r| r.threads <= cpus)
        .max_by_key(|r| r.threads)
    else {
        return lines;
    };
    if fits.threads > 1 {
        lines.push(format!(
            "Up to {cpus} threads each has a core of its own: {} threads did {}× the work of one at {:.2}× its speed (ideal {}×).",
            fits.threads, fits.threads, fits.speedup, fits.threads
        ));
    }
    let over: Vec<&RunFigures> = runs.iter().filter(|r| r.threads > cpus).collect();
    if over.is_empty() {
        lines.push(format!(
            "No run had more threads than the {cpus} CPU{}: try --threads 1,{},{} to see them take turns.",
            plural_s(cpus),
            cpus,
            cpus * 2
        ));
        return lines;
    }
    for run in &over {
        let pace = if run.speedup <= fits.speedup * 1.1 {
            format!(
                "no faster than {} thread{} ({:.2}×)",
                fits.threads,
                plural_s(fits.threads),
                fits.speedup
            )
        } else {
            format!(
                "{:.2}× the speed of {} thread{}",
                run.speedup / fits.speedup,
                fits.threads,
                plural_s(fits.threads)
            )
        };
        let extra = match (run.involuntary, fits.involuntary) {
            (Some(k), Some(base)) => format!(
                "{} more involuntary switches ({} → {})",
                thousands(k.saturating_sub(base)),
                thousands(base),
                thousands(k)
            ),
            _ => format!("involuntary switches {NOT_AVAILABLE}"),
        };
        lines.push(format!(
            "{} threads on {cpus} CPU{}: {:.2}× — {pace}; {extra}.",
            run.threads,
            plural_s(cpus),
            run.speedup
        ));
    }
    let most = over[over.len() - 1];
    let counts = format!(
        "{} at {} thread{}, {} at {}",
        switches(fits),
        fits.threads,
        plural_s(fits.threads),
        switches(most),
        most.threads
    );
    let switch_part = match (most.involuntary, fits.involuntary) {
        (Some(k), Some(base)) if k > base => {
            format!(", while the involuntary switches climb ({counts})")
        }
        (Some(_), Some(_)) => {
            format!(", and the involuntary switches did not climb this time ({counts})")
        }
        _ => format!("; involuntary switches {NOT_AVAILABLE}"),
    };
    lines.push(format!(
        "Beyond the cores, threads take turns: the speed-up stops growing at {} thread{} ({:.2}×; {:.2}× at {}){switch_part}. Each involuntary switch is the note's checkpoint: the thread's state saved, another one's restored.",
        fits.threads,
        plural_s(fits.threads),
        fits.speedup,
        most.speedup,
        most.threads
    ));
    if let Some(cpu) = most.cpu_us {
        let busy = cpu as f64 / most.wall_us.max(1) as f64;
        lines.push(format!(
            "{} threads used {} of CPU time in {} of wall time: {busy:.2} CPUs busy on average, never more than {cpus}. The work did not get cheaper; it was shared out in turns.",
            most.threads,
            duration::format(Duration::from_micros(cpu)),
            duration::format(most.wall)
        ));
    }
    lines
}

fn timeline_conclusions(
    timelines: &[TimelineFigures],
    cpus: usize,
    sample: Duration,
) -> Vec<String> {
    if !slicing::measurable() {
        return vec![format!(
            "The CPU-share timelines need per-thread CPU clocks: {NOT_AVAILABLE}."
        )];
    }
    let mut lines = Vec::new();
    for t in timelines {
        let shares = &t.running_share;
        let (Some(min), Some(max)) = (
            shares.iter().copied().reduce(f64::min),
            shares.iter().copied().reduce(f64::max),
        ) else {
            continue;
        };
        let range = if (max - min) < 0.01 {
            format!("{:.0} %", min * 100.0)
        } else {
            format!("{:.0}–{:.0} %", min * 100.0, max * 100.0)
        };
        if t.threads <= cpus && min >= 0.9 {
            lines.push(format!(
                "Timeline, {} thread{} on {cpus} CPU{}: each was on a core {range} of the time — no turns needed.",
                t.threads,
                plural_s(t.threads),
                plural_s(cpus)
            ));
        } else if t.threads <= cpus {
            lines.push(format!(
                "Timeline, {} thread{} on {cpus} CPU{}: each was on a core only {range} of the time, though there was a core for each: something else (another program, or this sampler waking every interval) took turns on these cores too.",
                t.threads,
                plural_s(t.threads),
                plural_s(cpus)
            ));
        } else {
            let turns = t.median_turn_us.map_or_else(String::new, |us| {
                let coarse = if us < 3 * micros(sample) {
                    format!(
                        "; sampled every {}, so that is only a few samples: --sample {} draws the turns sharper",
                        duration::format(sample),
                        if sample > Duration::from_micros(200) { "200us" } else { "100us" }
                    )
                } else {
                    String::new()
                };
                format!(
                    ", in turns of about {} (median{coarse})",
                    duration::format(Duration::from_micros(us))
                )
            });
            let fair = cpus as f64 / t.threads as f64;
            let busy = if max < fair * 0.8 {
                format!(
                    " (less than the {:.0} % a fair share of {cpus} CPU{} would give: something else took turns too)",
                    fair * 100.0,
                    plural_s(cpus)
                )
            } else {
                String::new()
            };
            lines.push(format!(
                "Timeline, {} threads on {cpus} CPU{}: each was on a core {range} of the time{busy}{turns}, and waited for a core in between: time slicing, drawn.",
                t.threads,
                plural_s(cpus)
            ));
            let alone = shares.iter().filter(|&&s| s >= 0.95).count();
            if alone > 0 && max - min > 0.25 {
                lines.push(format!(
                    "The turns were not shared evenly: {alone} of the {} threads had a core nearly to itself. Each core has its own queue of threads, and the OS moves threads between queues only now and then, so for a while some cores ran fewer threads than others.",
                    t.threads
                ));
            }
        }
    }
    lines
}

fn cost_conclusions(measured: &[Measured]) -> Vec<String> {
    let mut lines = Vec::new();
    let median = |cost| median_of(measured, cost);
    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64().max(1e-12);
    let fmt = duration::format;
    if let Some(thread) = median(Cost::ThreadStart) {
        match median(Cost::ProcessStart) {
            Some(process) => lines.push(format!(
                "Starting a process costs {:.0}× starting a thread: {} vs {} (medians). A process gets its own address space, loads the binary and starts a thread of its own; a new thread shares all of that.",
                ratio(process, thread),
                fmt(process),
                fmt(thread)
            )),
            None => lines.push(
                "Process start costs were not measured (no binary to re-run as a child).".into(),
            ),
        }
        if let Some(pool) = median(Cost::PoolTask) {
            lines.push(if pool < thread {
                format!(
                    "A warm pool runs a task in {} (median), {:.1}× less than a thread started for it ({}): the workers already exist, which is the point of the note's ThreadPoolExecutor.",
                    fmt(pool),
                    ratio(thread, pool),
                    fmt(thread)
                )
            } else {
                format!(
                    "A warm pool ran a task in {} (median), not less than starting a thread ({}) on this machine.",
                    fmt(pool),
                    fmt(thread)
                )
            });
        }
    }
    if let Some(channel) = median(Cost::ChannelRoundTrip) {
        match median(Cost::PipeRoundTrip) {
            Some(pipe) if ratio(pipe, channel) >= 1.2 => lines.push(format!(
                "A message and its answer: {} between two threads (channel) vs {} between two processes (pipe), {:.1}× more — the note's \"expensive to communicate between 2 processes\": every byte goes through the kernel, twice.",
                fmt(channel),
                fmt(pipe),
                ratio(pipe, channel)
            )),
            Some(pipe) if ratio(channel, pipe) >= 1.2 => lines.push(format!(
                "A message and its answer: {} between two threads (channel) vs {} between two processes (pipe): the pipe was {:.1}× faster here. Either way one side sleeps and is woken for every message (a futex behind the channel, the pipe's wait queue in the kernel), and that wake-up is most of the price of a one-line message. What makes processes expensive to talk to is everything bigger than a line: the data is encoded as bytes and copied through the kernel, while threads share memory and hand over a pointer.",
                fmt(channel),
                fmt(pipe),
                ratio(channel, pipe)
            )),
            Some(pipe) => lines.push(format!(
                "A message and its answer: {} between two threads (channel) vs {} between two processes (pipe): about the same here. Either way one side sleeps and is woken for every message, and that wake-up is most of the price of a one-line message. What makes processes expensive to talk to is everything bigger than a line: the data is encoded as bytes and copied through the kernel, while threads share memory and hand over a pointer.",
                fmt(channel),
                fmt(pipe)
            )),
            None => {}
        }
    }
    lines
}

fn plural_s(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
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

    /// Runs the experiment: the machine, the time-slicing runs, the timelines
    /// and the costs, writing a line per step to `ctx.console`.
    ///
    /// `ctx.exe` is the binary to re-run as a child for the process costs
    /// (the CLI passes [`std::env::current_exe`]); it must honour
    /// [`child::ENV`]. With `None` those rows say "not measured".
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for settings out of range; [`Error::Spawn`],
    /// [`Error::Child`] or [`Error::Pool`] if the system refuses a thread, a
    /// process or a pool; [`Error::Panicked`] for a bug in the lab.
    fn run(&self, ctx: &Ctx) -> Result<Report, Error> {
        measure(self, ctx.exe.as_deref(), Arc::clone(&ctx.console))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs through the experiment's trait, as the tour and the CLI do.
    fn run(config: &Config, exe: Option<&Path>, console: Arc<Buffer>) -> Result<Report, Error> {
        config.run(&Ctx::new(console).with_exe(exe.map(Path::to_path_buf)))
    }
    use crate::console::Buffer;

    fn small() -> Config {
        Config {
            threads: vec![1, 2, 4],
            work: Duration::from_millis(3),
            sample: Duration::from_millis(1),
            thread_starts: 5,
            process_starts: 2,
            round_trips: 20,
            repeats: 1,
        }
    }

    fn run_figures(threads: usize, wall_ms: u64, involuntary: Option<u64>) -> RunFigures {
        let wall = Duration::from_millis(wall_ms);
        RunFigures {
            threads,
            rounds: 1,
            wall_us: micros(wall),
            cpu_us: Some(threads as u64 * 100_000),
            involuntary,
            voluntary: involuntary,
            speedup: slicing::speedup(threads, Duration::from_millis(100), wall),
            walls_us: vec![micros(wall)],
            per_thread: Vec::new(),
            wall,
        }
    }

    #[test]
    fn default_thread_counts_reach_four_times_the_cpus() {
        assert_eq!(default_threads(1), [1, 2, 4]);
        assert_eq!(default_threads(2), [1, 2, 4, 8]);
        assert_eq!(default_threads(6), [1, 2, 4, 6, 8, 12, 16, 24]);
        assert_eq!(default_threads(0), [1, 2, 4]);
        assert_eq!(*default_threads(1000).last().unwrap(), MAX_THREADS);
    }

    #[test]
    fn thread_lists_parse_or_say_what_is_wrong() {
        assert_eq!(parse_threads("1,2,3"), Ok(vec![1, 2, 3]));
        assert_eq!(parse_threads(" 8 , 1 "), Ok(vec![1, 8]));
        assert_eq!(parse_threads("2,2"), Ok(vec![2]));
        assert!(parse_threads("").unwrap_err().contains("required"));
        assert!(parse_threads(" ").unwrap_err().contains("required"));
        assert!(parse_threads("0").unwrap_err().contains("at least 1"));
        assert!(parse_threads("1,0").unwrap_err().contains("at least 1"));
        assert!(
            parse_threads("x")
                .unwrap_err()
                .contains("'x' is not a whole number")
        );
        assert!(
            parse_threads("1.5")
                .unwrap_err()
                .contains("not a whole number")
        );
        assert!(parse_threads("-2").unwrap_err().contains("negative"));
        assert!(parse_threads("1,,2").unwrap_err().contains("empty item"));
        assert!(parse_threads("1,").unwrap_err().contains("empty item"));
        assert!(parse_threads("1025").unwrap_err().contains("at most 1024"));
        assert!(
            parse_threads("99999999999999999999999")
                .unwrap_err()
                .contains("at most")
        );
    }

    #[test]
    fn configs_out_of_range_are_refused() {
        for config in [
            Config {
                threads: vec![],
                ..small()
            },
            Config {
                threads: vec![0],
                ..small()
            },
            Config {
                work: Duration::ZERO,
                ..small()
            },
            Config {
                sample: Duration::from_micros(10),
                ..small()
            },
            Config {
                thread_starts: 0,
                ..small()
            },
            Config {
                round_trips: MAX_ROUND_TRIPS + 1,
                ..small()
            },
        ] {
            assert!(
                matches!(validate(&config), Err(Error::Config(_))),
                "{config:?}"
            );
        }
        assert!(validate(&small()).is_ok());
        assert!(validate(&Config::default()).is_ok());
    }

    #[test]
    fn timelines_show_the_last_fit_and_the_first_overflow() {
        assert_eq!(timeline_threads(&[1, 2, 4, 8], 2), [2, 4]);
        assert_eq!(timeline_threads(&[1, 3], 2), [1, 3]);
        assert_eq!(timeline_threads(&[1], 2), [1]);
        assert_eq!(timeline_threads(&[1, 64], 2), [1]);
    }

    #[test]
    fn timeline_conclusions_follow_the_shares() {
        if !slicing::measurable() {
            return;
        }
        let timeline = |threads, running_share: Vec<f64>| TimelineFigures {
            threads,
            rounds: 1,
            running_share,
            median_turn_us: Some(3000),
        };
        let lines = timeline_conclusions(
            &[
                timeline(2, vec![0.99, 1.0]),
                timeline(4, vec![1.0, 0.5, 0.4, 0.45]),
            ],
            2,
            Duration::from_millis(1),
        );
        assert!(
            lines[0].contains("99–100 % of the time — no turns needed"),
            "{lines:?}"
        );
        assert!(lines[1].contains("40–100 %"), "{lines:?}");
        assert!(
            lines[1].contains("turns of about 3.0 ms (median)"),
            "{lines:?}"
        );
        assert!(
            lines[2].contains("1 of the 4 threads had a core nearly to itself"),
            "{lines:?}"
        );
        // Other programs on the machine: said, not hidden.
        let busy = timeline_conclusions(
            &[timeline(2, vec![0.46, 0.52]), timeline(4, vec![0.22, 0.26])],
            2,
            Duration::from_micros(500),
        );
        assert!(busy[0].contains("only 46–52 %"), "{busy:?}");
        assert!(busy[0].contains("something else"), "{busy:?}");
        assert!(
            busy[1].contains("a fair share of 2 CPUs would give"),
            "{busy:?}"
        );
        // A turn of only a few samples is flagged as coarse.
        let coarse = TimelineFigures {
            median_turn_us: Some(1500),
            ..timeline(4, vec![0.5, 0.5, 0.5, 0.5])
        };
        let lines = timeline_conclusions(&[coarse], 2, Duration::from_millis(1));
        assert!(
            lines[0].contains("(median; sampled every 1.0 ms, so that is only a few samples: --sample 200us draws the turns sharper)"),
            "{lines:?}"
        );
    }

    #[test]
    fn a_lone_thread_that_waited_flags_the_run() {
        let mut quiet = run_figures(1, 100, Some(1));
        quiet.cpu_us = Some(98_000);
        assert_eq!(disturbance(&[quiet.clone()]), None);
        let mut busy = quiet;
        busy.cpu_us = Some(60_000);
        let waited = disturbance(&[busy]).unwrap();
        assert!((waited - 0.4).abs() < 1e-9);
        assert!(disturbance_line(waited).contains("67 % high"));
        assert_eq!(disturbance(&[]), None);
    }

    #[test]
    fn repeats_keep_the_fastest_run_of_each_k() {
        let runs = slicing_runs(&[1, 2], 10_000, 3).unwrap();
        assert_eq!(runs.len(), 2);
        for run in &runs {
            assert_eq!(run.walls_us.len(), 3);
            assert_eq!(run.walls_us.iter().min(), Some(&run.wall_us));
        }
        assert_eq!(runs[0].speedup, 1.0);
    }

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn conclusions_say_where_the_speedup_flattens() {
        let runs = [
            run_figures(1, 100, Some(3)),
            run_figures(2, 101, Some(10)),
            run_figures(4, 202, Some(1910)),
        ];
        let lines = slicing_conclusions(&runs, 2);
        assert!(lines[0].contains("2 threads did 2× the work"), "{lines:?}");
        assert!(
            lines[1].starts_with(
                "4 threads on 2 CPUs: 1.98× — no faster than 2 threads (1.98×); 1,900 more involuntary switches (10 → 1,910)"
            ),
            "{lines:?}"
        );
        assert!(
            lines[2].contains(
                "stops growing at 2 threads (1.98×; 1.98× at 4), while the involuntary switches climb (10 at 2 threads, 1,910 at 4)"
            ),
            "{lines:?}"
        );
        // Without switch counts, the words say so instead of a zero.
        let blind = [run_figures(1, 100, None), run_figures(4, 200, None)];
        let lines = slicing_conclusions(&blind, 1).join("\n");
        assert!(lines.contains(NOT_AVAILABLE), "{lines}");
        assert!(!lines.contains(" 0 "), "{lines}");
    }

    #[test]
    fn the_experiment_produces_every_row() {
        let console = Arc::new(Buffer::new());
        let report = run(&small(), None, console.clone()).unwrap();
        assert_eq!(report.id, ID);
        let slicing = &report.tables[1];
        assert_eq!(slicing.title, SLICING_TABLE);
        let ks: Vec<String> = slicing.rows.iter().map(|r| r[0].display()).collect();
        assert_eq!(ks, ["1", "2", "4"]);
        assert_eq!(report.table(MACHINE_TABLE).unwrap().rows.len(), 6);
        let costs = report.table(COSTS_TABLE).unwrap();
        assert_eq!(costs.rows.len(), Cost::ALL.len());
        // Without a binary, the process rows are marked, not zero.
        assert!(costs.rows[1][0].display().contains("not measured"));
        assert_eq!(costs.rows[1][1], Cell::Missing);
        let speedups: Vec<f64> = report.figures["runs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["speedup"].as_f64().unwrap())
            .collect();
        assert_eq!(speedups[0], 1.0);
        if slicing::measurable() {
            assert_eq!(
                report.timelines.len(),
                timeline_threads(
                    &[1, 2, 4],
                    report.figures["cpus"].as_u64().unwrap() as usize
                )
                .len()
            );
        }
        assert!(!report.conclusions.is_empty());
        let text = console.contents();
        assert!(text.contains("machine: "), "{text}");
        assert!(text.contains("4 threads: wall "), "{text}");
        assert!(text.contains("start + join a thread: median "), "{text}");
    }

    #[test]
    fn k_one_is_added_as_the_baseline() {
        let console = Arc::new(Buffer::new());
        let config = Config {
            threads: vec![2],
            ..small()
        };
        let report = run(&config, None, console.clone()).unwrap();
        assert_eq!(report.tables[1].rows.len(), 2);
        assert!(console.contents().contains("k = 1 added"));
    }

    #[test]
    #[cfg(unix)]
    fn process_costs_are_measured_with_a_child_binary() {
        let cat = Path::new("/bin/cat");
        if !cat.exists() {
            return;
        }
        let config = Config {
            threads: vec![1],
            ..small()
        };
        let report = run(&config, Some(cat), Arc::new(Buffer::new())).unwrap();
        let costs = report.table(COSTS_TABLE).unwrap();
        for row in &costs.rows {
            assert!(matches!(row[1], Cell::Nanos(n) if n > 0), "{row:?}");
        }
        assert!(
            report
                .conclusions
                .iter()
                .any(|l| l.starts_with("Starting a process costs")),
            "{:?}",
            report.conclusions
        );
    }
}

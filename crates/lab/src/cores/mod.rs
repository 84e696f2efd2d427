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
mod config;
pub mod costs;
pub mod machine;
pub mod os;
mod present;
pub mod slicing;

use std::path::Path;
use std::sync::Arc;

use serde::Serialize;

use crate::{Ctx, Experiment};

use crate::console::Console;
use crate::duration::{self, micros};
use crate::error::Error;
use crate::report::{Report, Timeline};
use costs::{Cost, Measured, Summary};
use machine::Machine;
use slicing::RunFigures;

pub use config::*;
pub use present::thousands;
use present::*;
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
    let lone = runs
        .iter()
        .find(|run| run.threads == 1)
        .map_or(std::time::Duration::ZERO, |run| run.wall);
    let disturbed = disturbance(&runs);
    if let Some(waited) = disturbed {
        console.line(&disturbance_line(waited, lone));
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
        report.conclusions.insert(0, disturbance_line(waited, lone));
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
mod tests;

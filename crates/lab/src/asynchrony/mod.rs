//! `async`: the note's title, asynchronous Python, as an event loop you can
//! watch.
//!
//! The note defines asynchronous as "actions that don't necessarily happen
//! after one another". Threads are one way; an **event loop** is the other:
//! one thread, many tasks, each giving the thread back whenever it waits
//! (`await`). This experiment shows, measured:
//!
//! 1. **One thread, many waits.** The note's `ask_user` (a scripted user
//!    typing) and `complex_calculation` as async tasks, awaited one after
//!    the other, then together (`join`): the wait overlaps the calculation
//!    on one thread, with no second thread at all.
//! 2. **The blocked loop.** A heartbeat sleeps 1 ms again and again and
//!    records how late it wakes (the loop's lag) beside nothing, a
//!    calculation that never awaits, the same calculation offloaded to a
//!    [`waiter::Pool`] (its task is a future: `run_in_executor`'s
//!    equivalent) and the same calculation yielding every few ms.
//! 3. **How a loop works.** Every program runs on [`mini`], the lab's
//!    teaching loop (it records every poll, and why the task woke), and on
//!    tokio's current-thread runtime.
//! 4. **Beside real asyncio** (`python/async_baseline.py`, see
//!    [`asyncio`]), including what its debug mode says about the blocking
//!    call.
//! 5. **Why async at all: many waits.** 10,000 concurrent 100 ms sleeps as
//!    threads, pool tasks, tokio, mini and asyncio tasks: time and memory.
//!
//! ```no_run
//! use std::sync::Arc;
//! use waiter_lab::asynchrony::{self, Config};
//! use waiter_lab::console::Silent;
//! use waiter_lab::{Ctx, Experiment};
//!
//! let report = Config::default().run(&Ctx::new(Arc::new(Silent)))?;
//! let lag = report.table(asynchrony::HEARTBEAT_TABLE).unwrap();
//! assert_eq!(lag.columns[3], "lag_median_ms");
//! # Ok::<(), waiter_lab::Error>(())
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use waiter::trace::{Recorder, Timeline};

use crate::console::Console;
use crate::duration::{self, micros};
use crate::error::Error;
use crate::report::Report;
use crate::{Ctx, Experiment, Stop};

pub mod asyncio;
mod config;
pub mod lag;
pub mod mini;
mod present;
pub mod programs;
mod rss;
pub mod runtime;
pub mod sleepers;
#[cfg(test)]
mod tests;

pub use config::{
    Config, NAP, POOL_SLEEPERS, POOL_TIME, POOL_WORKERS, SLEEPERS, SLICE, TICK, TYPING, WORK,
    validate,
};
pub use lag::Lag;
pub use programs::{Calculation, Case, Order};
pub use runtime::Runtime;
pub use sleepers::Way;

use programs::{Beat, Probe};
use runtime::{Mini, Rt, Tokio, tokio_current_thread};

/// The experiment's id, also its subcommand.
pub const ID: &str = "async";

/// The experiment's title.
pub const TITLE: &str = "Asynchronous: one thread, an event loop, and the task that never awaits";

/// The title of the one-thread table.
pub const ONE_THREAD_TABLE: &str = "one thread, many waits: ask_user + complex_calculation";
/// The title of the heartbeat table.
pub const HEARTBEAT_TABLE: &str = "the loop's lag: how late a heartbeat wakes";
/// The title of the many-sleeps table.
pub const SLEEPERS_TABLE: &str = "why async at all: many concurrent sleeps";
/// The title of mini's polls table.
pub const POLLS_TABLE: &str = "mini: every poll, by why the task woke";

/// What a row says when Ctrl-C stopped the run before it.
const INTERRUPTED: &str = "interrupted";

/// The idea, in plain words from the note, to show before the run (the
/// same lines as the report's `explanation`).
pub fn explanation(config: &Config) -> Vec<String> {
    vec![
        "The note's title: asynchronous means \"actions that don't necessarily happen after one another\". Threads are one way; an event loop is the other: ONE thread runs many tasks, and a task gives the thread back each time it waits (await).".into(),
        format!(
            "First the note's two functions as async tasks on one thread: ask_user awaits a scripted user ({} typing {}), complex_calculation computes for about {}. Awaited one after the other, then together (join).",
            config.name,
            duration::format(config.typing),
            duration::format(config.work)
        ),
        format!(
            "Then the one rule that matters most: a heartbeat asks to wake every {} and records how late it wakes (the loop's lag), beside nothing, beside the calculation that never awaits (blocked), the same calculation on a pool thread (offloaded, run_in_executor's equivalent), and the same calculation yielding every {} (cooperative).",
            duration::format(config.tick),
            duration::format(config.slice)
        ),
        "Every program runs on mini, an event loop of about 150 lines written for this lab (a ready queue, wakers that push a task back on it, a timer heap, block_on), which draws every poll and why the task woke; beside tokio's one-thread runtime, and beside real asyncio where python3 is present.".into(),
        format!(
            "Last, why async at all: {} sleeps of {} at once, as threads, as pool tasks ({} workers), and as tokio, mini and asyncio tasks: how long, and how much memory.",
            config.sleepers,
            duration::format(config.nap),
            config.pool_workers
        ),
    ]
}

/// One run of the two functions, as stored in the figures.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OneThreadRow {
    /// Which loop.
    pub runtime: Runtime,
    /// One after the other, or together.
    pub order: Order,
    /// `ask_user`'s own time, in microseconds.
    pub ask_us: u64,
    /// `complex_calculation`'s own time, in microseconds.
    pub calc_us: u64,
    /// Start to end, in microseconds.
    pub total_us: u64,
    /// How many threads ran the tasks.
    pub threads: usize,
}

/// One heartbeat case, as stored in the figures (and the table).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HeartbeatRow {
    /// Which loop.
    pub runtime: Runtime,
    /// What ran beside the heartbeat.
    pub case: Case,
    /// How many ticks count (all of them, from first to last).
    pub ticks: Option<usize>,
    /// The median lag, in milliseconds.
    pub lag_median_ms: Option<f64>,
    /// The 99th percentile lag (nearest rank), in milliseconds.
    pub lag_p99_ms: Option<f64>,
    /// The worst lag, in milliseconds.
    pub lag_max_ms: Option<f64>,
    /// How long the calculation computed, in milliseconds (none alone).
    pub work_ms: Option<f64>,
    /// Why there is no number.
    pub not_run: Option<String>,
}

impl HeartbeatRow {
    fn measured(runtime: Runtime, case: Case, lag: Option<Lag>, work_ms: Option<f64>) -> Self {
        Self {
            runtime,
            case,
            ticks: lag.map(|l| l.ticks),
            lag_median_ms: lag.map(|l| l.lag_median_ms),
            lag_p99_ms: lag.map(|l| l.lag_p99_ms),
            lag_max_ms: lag.map(|l| l.lag_max_ms),
            work_ms,
            not_run: lag.is_none().then(|| "no tick was recorded".to_owned()),
        }
    }

    fn not_run(runtime: Runtime, case: Case, why: &str) -> Self {
        Self {
            runtime,
            case,
            ticks: None,
            lag_median_ms: None,
            lag_p99_ms: None,
            lag_max_ms: None,
            work_ms: None,
            not_run: Some(why.to_owned()),
        }
    }

    /// The lag, if measured.
    pub fn lag(&self) -> Option<Lag> {
        Some(Lag {
            ticks: self.ticks?,
            lag_median_ms: self.lag_median_ms?,
            lag_p99_ms: self.lag_p99_ms?,
            lag_max_ms: self.lag_max_ms?,
        })
    }
}

/// One way of running many sleeps, as stored in the figures.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SleepRow {
    /// Threads, pool, tokio, mini, asyncio.
    pub way: Way,
    /// How many sleeps ran (the pool runs fewer, see [`Config::pool_sleepers`]).
    pub sleeps: usize,
    /// The least it can take: one sleep, or one per round of the pool's
    /// workers, in microseconds.
    pub ideal_us: u64,
    /// Wall time, in microseconds.
    pub wall_us: Option<u64>,
    /// Extra peak memory, in KiB.
    pub extra_rss_kib: Option<u64>,
    /// Why there is no number.
    pub not_run: Option<String>,
}

/// What mini's loop did during one program.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PollsRow {
    /// The program (`join`, `blocked`…).
    pub program: String,
    /// What the loop counted.
    pub stats: mini::Stats,
}

/// What asyncio's run said beside its rows.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AsyncioFigures {
    /// `cpython 3.11.7`.
    pub python: String,
    /// `sys.getswitchinterval()`, in seconds.
    pub switch_interval_s: f64,
    /// Debug mode's slow-callback threshold, in seconds.
    pub slow_callback_s: f64,
    /// The calculation's size in Python.
    pub squares: u64,
    /// What debug mode logged about the blocked case.
    pub debug_blocked: Vec<asyncio::SlowCallback>,
    /// What debug mode logged about the cooperative case.
    pub debug_cooperative: Vec<asyncio::SlowCallback>,
    /// What failed inside the script.
    pub errors: Vec<String>,
}

/// Everything measured, typed: the report's figures and the source of its
/// tables and sentences.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Figures {
    /// The settings' sizes, as run.
    pub typing_us: u64,
    /// The calculation's target, in microseconds.
    pub work_us: u64,
    /// The heartbeat's period, in microseconds.
    pub tick_us: u64,
    /// The cooperative slice, in microseconds.
    pub slice_us: u64,
    /// The nap of each sleeper, in microseconds.
    pub nap_us: u64,
    /// The pool's workers for the sleepers.
    pub pool_workers: usize,
    /// The sleepers asked for (the pool runs `pool_sleepers`).
    pub sleepers: usize,
    /// The calculation's size in Rust.
    pub calculation: Calculation,
    /// Part 1.
    pub one_thread: Vec<OneThreadRow>,
    /// Part 2: one row per (runtime, case).
    pub heartbeat: Vec<HeartbeatRow>,
    /// Part 5.
    pub sleepers_rows: Vec<SleepRow>,
    /// mini's polls, per program.
    pub polls: Vec<PollsRow>,
    /// asyncio's extras, if it ran.
    pub asyncio: Option<AsyncioFigures>,
    /// Why asyncio did not run.
    pub asyncio_not_run: Option<String>,
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

    /// Runs every part, writing what happens to `ctx.console`.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for settings out of range (see [`validate`]);
    /// [`Error::Spawn`] if tokio's runtime cannot start; [`Error::Pool`] if
    /// the pool cannot. A missing or failing interpreter, or a system that
    /// refuses 10,000 threads, is not an error: those rows say "not run",
    /// and why.
    fn run(&self, ctx: &Ctx) -> Result<Report, Error> {
        measure(self, Arc::clone(&ctx.console), &ctx.stop)
    }

    /// A stopped run ends its step and reports what it measured.
    fn reports_when_stopped(&self) -> bool {
        true
    }
}

fn measure(config: &Config, console: Arc<dyn Console>, stop: &Stop) -> Result<Report, Error> {
    validate(config)?;
    let size = Calculation::calibrate(config.work);
    console.line(&format!(
        "complex_calculation: the squares of 0..{} (calibrated to about {} here)",
        size.n,
        duration::format(config.work)
    ));
    let mut timelines = Vec::new();
    let mut polls = Vec::new();

    // 1. One thread, many waits.
    let mut one_thread = Vec::new();
    for runtime in Runtime::RUST {
        for order in Order::ALL {
            if stop.requested() {
                break;
            }
            console.line("");
            console.line(&present::one_thread_heading(runtime, order));
            let (row, timeline, stats) = match runtime {
                Runtime::Mini => run_one_thread::<Mini>(order, config, size, &console)?,
                _ => run_one_thread::<Tokio>(order, config, size, &console)?,
            };
            console.line(&format!(
                "{runtime} {order} total time:  {} (threads used: {})",
                duration::format(Duration::from_micros(row.total_us)),
                row.threads
            ));
            if let Some(stats) = stats {
                polls.push(PollsRow {
                    program: order.name().to_owned(),
                    stats,
                });
            }
            one_thread.push(row);
            timelines.push(timeline);
        }
    }

    // 2. The blocked loop.
    console.line("");
    console.line(&format!(
        "--- the heartbeat: sleeps {} again and again, and records how late it wakes ---",
        duration::format(config.tick)
    ));
    let beat = Beat {
        tick: config.tick,
        work: config.work,
        slice: config.slice,
        size,
    };
    let pool = Arc::new(
        waiter::Pool::builder()
            .workers(1)
            .thread_name_prefix("executor")
            .build()?,
    );
    let mut heartbeat = Vec::new();
    for runtime in Runtime::RUST {
        for case in Case::ALL {
            if stop.requested() {
                heartbeat.push(HeartbeatRow::not_run(runtime, case, INTERRUPTED));
                continue;
            }
            let (run, timeline, stats) = match runtime {
                Runtime::Mini => run_heartbeat::<Mini>(case, beat, &pool)?,
                _ => run_heartbeat::<Tokio>(case, beat, &pool)?,
            };
            let row = HeartbeatRow::measured(
                runtime,
                case,
                Lag::of(&run.lags),
                run.work.map(|w| w.as_secs_f64() * 1e3),
            );
            console.line(&present::heartbeat_line(&row));
            if let Some(stats) = stats {
                polls.push(PollsRow {
                    program: case.name().to_owned(),
                    stats,
                });
            }
            heartbeat.push(row);
            // tokio's heartbeat draws nothing mini's does not show better
            // (its probe is off here), and ticking alone is all in the
            // table: the page keeps the three cases worth looking at.
            if !timeline.lanes.is_empty() && case != Case::Alone {
                timelines.push(timeline);
            }
        }
    }
    drop(pool);

    // 5. Many waits (before asyncio, which runs them too).
    console.line("");
    console.line(&format!(
        "--- {} sleeps of {} at once ---",
        config.sleepers,
        duration::format(config.nap)
    ));
    let mut sleepers_rows = Vec::new();
    for way in Way::RUST {
        let (sleeps, rounds) = match way {
            Way::Pool => (
                config.pool_sleepers,
                config::rounds(config.pool_sleepers, config.pool_workers),
            ),
            _ => (config.sleepers, 1),
        };
        let mut row = SleepRow {
            way,
            sleeps,
            ideal_us: micros(config.nap * rounds),
            wall_us: None,
            extra_rss_kib: None,
            not_run: None,
        };
        if stop.requested() {
            row.not_run = Some(INTERRUPTED.to_owned());
        } else {
            match sleepers::run(way, sleeps, config.nap, config.pool_workers) {
                Ok(slept) => {
                    row.wall_us = Some(slept.wall_us);
                    row.extra_rss_kib = slept.extra_rss_kib;
                }
                Err(error @ Error::Spawn { .. }) => row.not_run = Some(error.to_string()),
                Err(error) => return Err(error),
            }
        }
        console.line(&present::sleepers_line(&row));
        sleepers_rows.push(row);
    }

    // 4. asyncio.
    let request = asyncio::Request {
        work: config.work,
        tick: config.tick,
        slice: config.slice,
        margin: beat.margin(),
        sleepers: config.sleepers,
        nap: config.nap,
        slow_callback: asyncio::Request::slow_callback_for(config.work),
    };
    let answer = match &config.python {
        None => Err("no Python interpreter was given".to_owned()),
        Some(_) if stop.requested() => Err(INTERRUPTED.to_owned()),
        Some(python) => {
            console.line("");
            console.line(&format!(
                "asyncio: running python/async_baseline.py with {} (stopped after {} at most)…",
                python.display(),
                duration::format(config.python_timeout)
            ));
            asyncio::run(python, &request, config.python_timeout, stop)
        }
    };
    let (asyncio_figures, asyncio_not_run) = match answer {
        Ok(answer) => {
            for case in Case::ALL {
                let row = match answer.case(case.name()) {
                    Some(py) => HeartbeatRow::measured(
                        Runtime::Asyncio,
                        case,
                        Lag::of_ms(&py.lags_ms),
                        py.work_ms,
                    ),
                    None => HeartbeatRow::not_run(
                        Runtime::Asyncio,
                        case,
                        "the script did not run this case",
                    ),
                };
                console.line(&present::heartbeat_line(&row));
                heartbeat.push(row);
            }
            let row = match &answer.sleepers {
                Some(slept) => SleepRow {
                    way: Way::Asyncio,
                    sleeps: slept.sleeps,
                    ideal_us: micros(config.nap),
                    wall_us: Some(micros(programs_seconds(slept.wall_s))),
                    extra_rss_kib: slept.extra_rss_kib,
                    not_run: None,
                },
                None => asyncio_sleep_not_run(config, "the script did not run the sleeps"),
            };
            console.line(&present::sleepers_line(&row));
            sleepers_rows.push(row);
            let warnings = |case: &str| -> Vec<asyncio::SlowCallback> {
                answer
                    .debug_of(case)
                    .map(|run| {
                        run.warnings
                            .iter()
                            .map(|m| asyncio::SlowCallback::parse(m))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let figures = AsyncioFigures {
                python: format!("{} {}", answer.implementation, answer.python),
                switch_interval_s: answer.switch_interval_s,
                slow_callback_s: answer.slow_callback_s,
                squares: answer.squares,
                debug_blocked: warnings("blocked"),
                debug_cooperative: warnings("cooperative"),
                errors: answer.errors.clone(),
            };
            (Some(figures), None)
        }
        Err(why) => {
            console.line(&format!("asyncio: not run: {why}"));
            for case in Case::ALL {
                heartbeat.push(HeartbeatRow::not_run(Runtime::Asyncio, case, &why));
            }
            sleepers_rows.push(asyncio_sleep_not_run(config, &why));
            (None, Some(why))
        }
    };

    let figures = Figures {
        typing_us: micros(config.typing),
        work_us: micros(config.work),
        tick_us: micros(config.tick),
        slice_us: micros(config.slice),
        nap_us: micros(config.nap),
        pool_workers: config.pool_workers,
        sleepers: config.sleepers,
        calculation: size,
        one_thread,
        heartbeat,
        sleepers_rows,
        polls,
        asyncio: asyncio_figures,
        asyncio_not_run,
    };
    let mut report = Report::new(ID, TITLE);
    report.explanation = explanation(config);
    report.tables = present::tables(&figures);
    report.conclusions = present::conclusions(&figures);
    if stop.requested() {
        report.conclusions.push(
            "Interrupted (Ctrl-C): the rows marked \"not run: interrupted\" were not measured."
                .into(),
        );
    }
    report.timelines = timelines;
    report.set_figure("async", &figures);
    Ok(report)
}

fn asyncio_sleep_not_run(config: &Config, why: &str) -> SleepRow {
    SleepRow {
        way: Way::Asyncio,
        sleeps: config.sleepers,
        ideal_us: micros(config.nap),
        wall_us: None,
        extra_rss_kib: None,
        not_run: Some(why.to_owned()),
    }
}

fn programs_seconds(s: f64) -> Duration {
    Duration::try_from_secs_f64(s).unwrap_or(Duration::ZERO)
}

/// A row, its timeline, and mini's counts (mini only).
type Ran<T> = (T, Timeline, Option<mini::Stats>);

/// Runs a program on `R`: on mini, the loop records every poll; on tokio,
/// the program records its own spans if `draw`.
fn on<R: Rt, T>(
    title: String,
    draw: bool,
    program: impl FnOnce(Arc<Probe>) -> std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send>>,
) -> Result<(T, Timeline, Option<mini::Stats>, usize), Error> {
    match R::RUNTIME {
        Runtime::Mini => {
            let probe = Arc::new(Probe::new(Recorder::off()));
            let mut event_loop = mini::Loop::new(Recorder::new());
            let out = event_loop.block_on(program(Arc::clone(&probe)));
            let stats = event_loop.stats();
            let timeline = event_loop.into_recorder().finish(title);
            Ok((out, timeline, Some(stats), probe.threads()))
        }
        _ => {
            let recorder = if draw {
                Recorder::new()
            } else {
                Recorder::off()
            };
            let probe = Arc::new(Probe::new(recorder));
            let out = tokio_current_thread()?.block_on(program(Arc::clone(&probe)));
            let probe = Arc::into_inner(probe).ok_or_else(|| Error::Panicked {
                what: "async".into(),
                message: "a task still held the probe after the runtime ended".into(),
            })?;
            let threads = probe.threads();
            Ok((out, probe.into_recorder().finish(title), None, threads))
        }
    }
}

fn run_one_thread<R: Rt>(
    order: Order,
    config: &Config,
    size: Calculation,
    console: &Arc<dyn Console>,
) -> Result<Ran<OneThreadRow>, Error> {
    let title = format!("{}: {}", R::RUNTIME, present::order_words(order));
    let (name, typing, console) = (config.name.clone(), config.typing, Arc::clone(console));
    let (ran, timeline, stats, threads) = on::<R, _>(title, true, move |probe| {
        Box::pin(programs::one_thread::<R>(
            order, probe, console, name, typing, size,
        ))
    })?;
    let row = OneThreadRow {
        runtime: R::RUNTIME,
        order,
        ask_us: micros(ran.ask),
        calc_us: micros(ran.calc),
        total_us: micros(ran.total),
        threads,
    };
    Ok((row, timeline, stats))
}

fn run_heartbeat<R: Rt>(
    case: Case,
    beat: Beat,
    pool: &Arc<waiter::Pool>,
) -> Result<Ran<programs::Heartbeat>, Error> {
    let title = format!("{}: heartbeat, {}", R::RUNTIME, present::case_words(case));
    let pool = Arc::clone(pool);
    let started = Instant::now();
    let (ran, timeline, stats, _) = on::<R, _>(title, false, move |probe| {
        Box::pin(programs::heartbeat_case::<R>(case, beat, probe, pool))
    })?;
    debug_assert!(started.elapsed() >= beat.margin() * 2);
    Ok((ran, timeline, stats))
}

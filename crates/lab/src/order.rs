//! `order`: a different order every time, the same outcome.
//!
//! The note defines **concurrency** as "the ability of our programs to run
//! things in different order every time the program runs, without
//! affecting the final outcome". This experiment shows both halves:
//!
//! 1. **Synchronised.** `k` tasks run on a [`waiter::Pool`], `R` times. Each
//!    does a small random amount of work, then adds its number (1…k) to a
//!    shared total, `steps` times, with an atomic `fetch_add`, and finally
//!    writes its number at the end of a shared "finished" list. The
//!    finishing orders differ from run to run; every total is
//!    `steps × k(k+1)/2`.
//! 2. **Racy.** The same tasks with the same work, but each step *reads*
//!    the total, works a little, then *writes back* what it read plus its
//!    number (an atomic `load`, then a `store`: no `unsafe`, no undefined
//!    behaviour, and still wrong). When another thread writes between the
//!    read and the write, its update is overwritten: updates are lost and
//!    the totals differ between runs. The "different order" was harmless
//!    only because each update was one indivisible step.
//!
//! `seed` makes the work sizes reproducible (ChaCha8); the interleaving
//! stays the machine's, which is the point.
//!
//! ## Memory ordering
//!
//! Every atomic access is `Relaxed`: the only question is whether an
//! increment is lost, and atomicity alone answers it (a `fetch_add` is
//! indivisible under any ordering; a `load` then `store` never is). The
//! final total is read after [`waiter::Task::wait`], which orders every
//! task's writes before the read.
//!
//! ```
//! use std::sync::Arc;
//! use waiter_lab::{Ctx, Experiment, console::Silent, order};
//!
//! let config = order::Config { tasks: 4, runs: 3, seed: Some(7), ..order::Config::default() };
//! let report = config.run(&Ctx::new(Arc::new(Silent)))?;
//! let expected = config.steps * (1 + 2 + 3 + 4);
//! let totals = &report.tables[0].rows;
//! assert!(totals.iter().all(|row| row[2] == (expected as i64).into()));
//! # Ok::<(), waiter_lab::Error>(())
//! ```

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::console::Console;
use crate::error::Error;
use crate::report::{Cell, Recorder, Report, State, Table, Timeline};
use crate::work;
use crate::{Ctx, Experiment};

/// The experiment's settings. Every size is explicit; the defaults take a
/// fraction of a second.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Tasks per run, numbered 1…k (at least 1).
    pub tasks: usize,
    /// How many times the batch runs (at least 1).
    pub runs: usize,
    /// Worker threads in the pool (at least 1).
    pub workers: usize,
    /// Each task adds its number this many times, one step at a time (at
    /// least 1). More steps, more chances for the racy version to lose one.
    pub steps: u64,
    /// The random work before a task starts adding: `0..=max_work` rounds
    /// of [`work::spin`] (about a nanosecond each in release builds).
    pub max_work: u64,
    /// Rounds of [`work::spin`] inside each step: in the racy version,
    /// between the read and the write, the window in which an update is
    /// lost.
    pub gap: u64,
    /// Seed for the work sizes; `None` picks one (reported in the figures).
    pub seed: Option<u64>,
}

impl Default for Config {
    /// 8 tasks, 5 runs, one worker per core, 1000 steps.
    fn default() -> Self {
        Self {
            tasks: 8,
            runs: 5,
            workers: waiter::pool::default_workers(),
            steps: 1_000,
            max_work: 500_000,
            gap: 100,
            seed: None,
        }
    }
}

/// The experiment's id, also its subcommand.
pub const ID: &str = "order";

/// The experiment's title.
pub const TITLE: &str = "Concurrency: a different order every time, the same outcome";

/// The most tasks per run (the work sizes and orders are kept in memory).
pub const MAX_TASKS: usize = 100_000;

/// The most runs.
pub const MAX_RUNS: usize = 10_000;

/// The most pool workers.
pub const MAX_WORKERS: usize = 1_024;

/// `steps × k(k+1)/2`: what every synchronised run must add up to, or
/// `None` if it does not fit in a `u64`.
pub fn expected_total(config: &Config) -> Option<u64> {
    let k = u64::try_from(config.tasks).ok()?;
    let triangle = if k % 2 == 0 {
        (k / 2).checked_mul(k.checked_add(1)?)?
    } else {
        k.checked_mul(k.checked_add(1)? / 2)?
    };
    triangle.checked_mul(config.steps)
}

/// The idea, in plain words from the note, to show before the run (the
/// same lines as the report's `explanation`).
pub fn explanation(config: &Config) -> Vec<String> {
    let expected = expected_total(config).map_or_else(|| "too large".to_owned(), |t| t.to_string());
    vec![
        "Concurrency: the ability of our programs to run things in different order every time the program runs, without affecting the final outcome.".into(),
        format!(
            "{} tasks run {} times on a pool of {}; task i does a random amount of work, then adds i to a shared total, {} times, one step at a time. Expected total: {}.",
            config.tasks, config.runs, config.workers, config.steps, expected
        ),
        "Then the same tasks update the total with a read-then-write (load, then store) instead of one indivisible add.".into(),
    ]
}

/// How the tasks update the shared total.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Update {
    /// One indivisible `fetch_add` per step.
    Synchronised,
    /// `load`, a little work, then `store`: a read-then-write race.
    Racy,
}

impl Update {
    /// `synchronised` or `racy`.
    pub fn name(self) -> &'static str {
        match self {
            Update::Synchronised => "synchronised",
            Update::Racy => "racy",
        }
    }

    fn headline(self) -> &'static str {
        match self {
            Update::Synchronised => {
                "each step adds with one atomic fetch_add: no update can be lost"
            }
            Update::Racy => {
                "each step reads the total, works a little, then writes back read + its number (load, then store)"
            }
        }
    }
}

/// One run of one variant, as stored in the report's figures.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RunFigures {
    /// 1-based run number.
    pub run: usize,
    /// Task numbers in the order they finished.
    pub order: Vec<u64>,
    /// The shared total at the end.
    pub total: u64,
    /// `expected - total`: updates overwritten by another thread.
    pub lost: u64,
}

/// Measures and reports (see [`Experiment::run`]).
fn measure(config: &Config, console: Arc<dyn Console>) -> Result<Report, Error> {
    validate(config)?;
    let expected = expected_total(config).ok_or_else(|| {
        Error::Config("tasks × steps is too large: the total would overflow".into())
    })?;
    let seed = config.seed.unwrap_or_else(rand::random);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let work_sizes: Vec<Vec<u64>> = (0..config.runs)
        .map(|_| {
            (0..config.tasks)
                .map(|_| rng.random_range(0..=config.max_work))
                .collect()
        })
        .collect();

    let mut report = Report::new(ID, TITLE);
    report.explanation = explanation(config);

    let mut results = Vec::new();
    for update in [Update::Synchronised, Update::Racy] {
        if update == Update::Racy {
            console.line("");
        }
        console.line(&format!(
            "{}: {}",
            capitalised(update.name()),
            update.headline()
        ));
        let (runs, timeline) = variant(config, update, &work_sizes, expected, &*console)?;
        report.timelines.push(timeline);
        results.push(runs);
    }
    let racy = results.pop().unwrap_or_default();
    let synced = results.pop().unwrap_or_default();

    report.tables.push(side_by_side(&synced, &racy));
    report.conclusions = conclusions(config, expected, &synced, &racy);
    report.set_figure("seed", seed);
    report.set_figure("tasks", config.tasks);
    report.set_figure("runs", config.runs);
    report.set_figure("workers", config.workers);
    report.set_figure("steps", config.steps);
    report.set_figure("max_work", config.max_work);
    report.set_figure("gap", config.gap);
    report.set_figure("expected", expected);
    report.set_figure("work_sizes", &work_sizes);
    report.set_figure("synchronised", &synced);
    report.set_figure("racy", &racy);
    Ok(report)
}

fn validate(config: &Config) -> Result<(), Error> {
    for (name, value) in [
        ("tasks", config.tasks as u64),
        ("runs", config.runs as u64),
        ("workers", config.workers as u64),
        ("steps", config.steps),
    ] {
        if value == 0 {
            return Err(Error::Config(format!("{name} must be at least 1")));
        }
    }
    for (name, value, max) in [
        ("tasks", config.tasks, MAX_TASKS),
        ("runs", config.runs, MAX_RUNS),
        ("workers", config.workers, MAX_WORKERS),
    ] {
        if value > max {
            return Err(Error::Config(format!("{name} must be at most {max}")));
        }
    }
    Ok(())
}

/// `1 run`, `2 runs`.
fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// What the tasks of one run share.
struct Shared {
    total: AtomicU64,
    finished: Mutex<Vec<u64>>,
}

/// One task: random work, then `steps` updates of the total, then "I'm done".
fn task(number: u64, work: u64, config: &Config, update: Update, shared: &Shared) {
    work::spin(work);
    match update {
        Update::Synchronised => {
            for _ in 0..config.steps {
                shared.total.fetch_add(number, Ordering::Relaxed);
                work::spin(config.gap);
            }
        }
        Update::Racy => {
            for _ in 0..config.steps {
                let seen = shared.total.load(Ordering::Relaxed);
                work::spin(config.gap); // another thread may write meanwhile…
                shared.total.store(seen + number, Ordering::Relaxed); // …and this overwrites it
            }
        }
    }
    shared
        .finished
        .lock()
        .unwrap_or_else(|poison| poison.into_inner())
        .push(number);
}

/// Runs one variant `config.runs` times on one pool; the timeline is the
/// first run's.
fn variant(
    config: &Config,
    update: Update,
    work_sizes: &[Vec<u64>],
    expected: u64,
    console: &dyn Console,
) -> Result<(Vec<RunFigures>, Timeline), Error> {
    let pool = waiter::Pool::new(config.workers)?;
    let mut runs = Vec::with_capacity(config.runs);
    let mut first_timeline = None;
    for (index, sizes) in work_sizes.iter().enumerate() {
        let shared = Arc::new(Shared {
            total: AtomicU64::new(0),
            finished: Mutex::new(Vec::with_capacity(config.tasks)),
        });
        let recorder = Arc::new(Recorder::new());
        let mut handles = Vec::with_capacity(config.tasks);
        for (i, &work) in sizes.iter().enumerate() {
            let number = i as u64 + 1;
            let (shared, recorder, config) =
                (Arc::clone(&shared), Arc::clone(&recorder), config.clone());
            let handle = pool
                .submit(move || {
                    let start = Instant::now();
                    task(number, work, &config, update, &shared);
                    recorder.record_here(
                        State::Running,
                        &format!("task {number}"),
                        start,
                        Instant::now(),
                    );
                })
                .map_err(|e| Error::Submit(e.kind()))?;
            handles.push(handle);
        }
        for (i, handle) in handles.into_iter().enumerate() {
            handle
                .wait()
                .map_err(|e| Error::from_task(&format!("task {}", i + 1), e))?;
        }
        let shared = Arc::into_inner(shared).ok_or_else(|| Error::Panicked {
            what: "order".into(),
            message: "a task still held the shared total after it ended".into(),
        })?;
        let total = shared.total.into_inner();
        let order = shared
            .finished
            .into_inner()
            .unwrap_or_else(|poison| poison.into_inner());
        let lost = expected.saturating_sub(total);
        let mut line = format!(
            "run {}: finished {}   total {total}",
            index + 1,
            join(&order)
        );
        if update == Update::Racy {
            line.push_str(&format!("   (lost {lost})"));
        }
        console.line(&line);
        if first_timeline.is_none() {
            // Every task has ended, so the workers dropped their clones.
            if let Some(recorder) = Arc::into_inner(recorder) {
                first_timeline = Some(recorder.finish(format!("{}, run 1", update.name())));
            }
        }
        runs.push(RunFigures {
            run: index + 1,
            order,
            total,
            lost,
        });
    }
    let timeline = first_timeline.unwrap_or_else(|| Timeline {
        title: format!("{}, run 1", update.name()),
        lanes: Vec::new(),
    });
    Ok((runs, timeline))
}

fn join(order: &[u64]) -> String {
    order
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

fn side_by_side(synced: &[RunFigures], racy: &[RunFigures]) -> Table {
    let mut table = Table::new(
        "finishing order and total, per run",
        [
            "run",
            "order (synchronised)",
            "total (synchronised)",
            "order (racy)",
            "total (racy)",
            "lost (racy)",
        ],
    );
    for (s, r) in synced.iter().zip(racy) {
        table.push_row(vec![
            Cell::from(s.run),
            Cell::from(join(&s.order)),
            Cell::from(s.total),
            Cell::from(join(&r.order)),
            Cell::from(r.total),
            Cell::from(r.lost),
        ]);
    }
    table
}

fn distinct<T: PartialEq>(items: impl Iterator<Item = T>) -> usize {
    let mut seen: Vec<T> = Vec::new();
    for item in items {
        if !seen.contains(&item) {
            seen.push(item);
        }
    }
    seen.len()
}

fn conclusions(
    config: &Config,
    expected: u64,
    synced: &[RunFigures],
    racy: &[RunFigures],
) -> Vec<String> {
    let mut lines = Vec::new();
    let orders = distinct(synced.iter().map(|r| &r.order));
    let all_equal = synced.iter().all(|r| r.total == expected);
    lines.push(if all_equal {
        format!(
            "Synchronised: {} in {}, and every total is {expected}: a different order, the same outcome.",
            plural(orders, "different finishing order"),
            plural(synced.len(), "run")
        )
    } else {
        format!("Synchronised: a total differs from {expected}; this is a bug in the lab.")
    });
    if orders == 1 && synced.len() > 1 {
        lines.push("Every run finished in the same order this time; more tasks or runs make the orders vary.".into());
    }
    let losing = racy.iter().filter(|r| r.lost > 0).count();
    let totals = distinct(racy.iter().map(|r| r.total));
    if losing > 0 {
        let min = racy.iter().map(|r| r.total).min().unwrap_or(0);
        let max = racy.iter().map(|r| r.total).max().unwrap_or(0);
        lines.push(format!(
            "Racy: {losing} of {} lost updates ({}, from {min} to {max}, expected {expected}): a read-then-write is two steps, and a write by another thread in between is overwritten.",
            plural(racy.len(), "run"),
            plural(totals, "different total")
        ));
    } else {
        lines.push(format!(
            "Racy: no update was lost this time, but the race is there: another thread may write between the read and the write{}.",
            if config.workers < 2 {
                " (with one worker, tasks rarely overlap)"
            } else {
                "; more steps make it show"
            }
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

    /// Runs both variants, `config.runs` times each, writing one line per run
    /// to `console`.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for a zero size or an expected total beyond `u64`;
    /// pool or panic errors otherwise (bugs or an exhausted system).
    fn run(&self, ctx: &Ctx) -> Result<Report, Error> {
        measure(self, Arc::clone(&ctx.console))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs through the experiment's trait, as the tour and the CLI do.
    fn run(config: &Config, console: Arc<Buffer>) -> Result<Report, Error> {
        config.run(&Ctx::new(console))
    }
    use crate::console::Buffer;

    fn small() -> Config {
        Config {
            tasks: 5,
            runs: 3,
            workers: 2,
            steps: 200,
            max_work: 10_000,
            gap: 20,
            seed: Some(42),
        }
    }

    #[test]
    fn synchronised_totals_are_all_the_expected_sum() {
        let console = Arc::new(Buffer::new());
        let report = run(&small(), console.clone()).unwrap();
        let expected = 200 * (1 + 2 + 3 + 4 + 5);
        assert_eq!(report.figures["expected"], expected);
        for run in report.figures["synchronised"].as_array().unwrap() {
            assert_eq!(run["total"], expected);
            let mut order: Vec<u64> = run["order"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n.as_u64().unwrap())
                .collect();
            order.sort_unstable();
            assert_eq!(order, [1, 2, 3, 4, 5], "every task finishes once");
        }
        assert_eq!(console.contents().matches("run ").count(), 6);
    }

    #[test]
    fn racy_totals_never_exceed_the_expected_sum() {
        let report = run(&small(), Arc::new(Buffer::new())).unwrap();
        let expected = report.figures["expected"].as_u64().unwrap();
        for run in report.figures["racy"].as_array().unwrap() {
            let total = run["total"].as_u64().unwrap();
            assert!(total <= expected);
            assert_eq!(run["lost"].as_u64().unwrap(), expected - total);
        }
    }

    #[test]
    fn the_seed_fixes_the_work_sizes() {
        let a = run(&small(), Arc::new(Buffer::new())).unwrap();
        let b = run(&small(), Arc::new(Buffer::new())).unwrap();
        assert_eq!(a.figures["work_sizes"], b.figures["work_sizes"]);
        assert_eq!(a.figures["seed"], 42);
    }

    #[test]
    fn a_timeline_per_variant_with_worker_lanes() {
        let report = run(&small(), Arc::new(Buffer::new())).unwrap();
        assert_eq!(report.timelines.len(), 2);
        let spans: usize = report.timelines[0]
            .lanes
            .iter()
            .map(|l| l.spans.len())
            .sum();
        assert_eq!(spans, 5, "one span per task");
        assert!(report.timelines[0].lanes.len() <= 2);
    }

    #[test]
    fn zero_sizes_and_overflow_are_config_errors() {
        for config in [
            Config {
                tasks: 0,
                ..small()
            },
            Config { runs: 0, ..small() },
            Config {
                workers: 0,
                ..small()
            },
            Config {
                steps: 0,
                ..small()
            },
            Config {
                steps: u64::MAX,
                ..small()
            },
            Config {
                tasks: MAX_TASKS + 1,
                ..small()
            },
        ] {
            assert!(matches!(
                run(&config, Arc::new(Buffer::new())),
                Err(Error::Config(_))
            ));
        }
    }

    #[test]
    fn expected_total_is_the_triangle_times_steps() {
        assert_eq!(
            expected_total(&Config {
                tasks: 8,
                steps: 1,
                ..small()
            }),
            Some(36)
        );
        assert_eq!(
            expected_total(&Config {
                tasks: 7,
                steps: 10,
                ..small()
            }),
            Some(280)
        );
        assert_eq!(
            expected_total(&Config {
                tasks: usize::MAX,
                ..small()
            }),
            None
        );
    }

    #[test]
    fn distinct_counts_unique_items() {
        assert_eq!(distinct([1, 2, 1, 3].iter()), 3);
        assert_eq!(capitalised("racy"), "Racy");
        assert_eq!(plural(1, "run"), "1 run");
        assert_eq!(plural(3, "run"), "3 runs");
    }
}

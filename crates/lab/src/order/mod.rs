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
use crate::report::{Recorder, Report, State, Timeline};
use crate::work;
use crate::{Ctx, Experiment};

mod config;
mod present;

pub use config::*;
use present::*;

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
mod tests;

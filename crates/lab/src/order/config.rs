//! The settings of `order`, their limits, and the idea in plain words.

use crate::error::Error;
use crate::limits::Limit;

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
    /// of [`work::spin`](crate::work::spin) (about a nanosecond each in release builds).
    pub max_work: u64,
    /// Rounds of [`work::spin`](crate::work::spin) inside each step: in the racy version,
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

/// The most steps: with up to [`MAX_TASKS`] tasks, the expected total
/// (steps × k(k+1)/2) still fits in a `u64`.
pub const MAX_STEPS: u64 = 1_000_000_000;
const _: () = assert!(
    (MAX_TASKS as u64 * (MAX_TASKS as u64 + 1) / 2)
        .checked_mul(MAX_STEPS)
        .is_some()
);

/// `--tasks`.
pub const TASKS: Limit<usize> = Limit::new("tasks", 1, MAX_TASKS);

/// `--runs`.
pub const RUNS: Limit<usize> = Limit::new("runs", 1, MAX_RUNS);

/// `--workers`.
pub const WORKERS: Limit<usize> = Limit::new("workers", 1, MAX_WORKERS);

/// `--steps`.
pub const STEPS: Limit<u64> = Limit::new("steps", 1, MAX_STEPS);

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

/// Checks the settings.
///
/// # Errors
///
/// [`Error::Config`] naming the first size that is 0 or too large.
pub fn validate(config: &Config) -> Result<(), Error> {
    TASKS.check(config.tasks)?;
    RUNS.check(config.runs)?;
    WORKERS.check(config.workers)?;
    STEPS.check(config.steps)?;
    Ok(())
}

//! The settings of `cores`: thread counts, work, samples, how many starts
//! and round trips to time, their limits, and the idea in plain words.

use std::time::Duration;

use super::present::plural_s;
use crate::duration;
use crate::error::Error;
use crate::limits::{Bound, Limit};

/// The experiment's id, also its subcommand.
pub const ID: &str = "cores";

/// The experiment's title.
pub const TITLE: &str = "Cores, threads and processes: time slicing and what things cost";

/// The id of the machine table ([`Report::table`](crate::Report::table)).
pub const MACHINE_TABLE: &str = "machine";

/// The id of the time-slicing table ([`Report::table`](crate::Report::table)).
pub const SLICING_TABLE: &str = "slicing";

/// The id of the costs table ([`Report::table`](crate::Report::table)).
pub const COSTS_TABLE: &str = "costs";

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

/// `--threads`: each thread count.
pub const THREADS: Limit<usize> = Limit::new("thread counts", 1, MAX_THREADS);

/// `--work`: each thread's work.
pub const WORK: Limit<Duration> =
    Limit::new("work", Duration::JUST_ABOVE_ZERO, MAX_WORK).because("the threads need some work");

/// `--sample`: how often the timelines sample.
pub const SAMPLE: Limit<Duration> = Limit::new("sample", MIN_SAMPLE, MAX_SAMPLE);

/// `--thread-starts`.
pub const THREAD_STARTS: Limit<usize> = Limit::new("thread starts", 1, MAX_THREAD_STARTS);

/// `--process-starts`.
pub const PROCESS_STARTS: Limit<usize> = Limit::new("process starts", 1, MAX_PROCESS_STARTS);

/// `--round-trips`.
pub const ROUND_TRIPS: Limit<usize> = Limit::new("round trips", 1, MAX_ROUND_TRIPS);

/// `--repeats`.
pub const REPEATS: Limit<usize> = Limit::new("repeats", 1, MAX_REPEATS);

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
    WORK.check(config.work)?;
    SAMPLE.check(config.sample)?;
    THREAD_STARTS.check(config.thread_starts)?;
    PROCESS_STARTS.check(config.process_starts)?;
    ROUND_TRIPS.check(config.round_trips)?;
    REPEATS.check(config.repeats)?;
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
pub(super) fn with_baseline(threads: &[usize]) -> Vec<usize> {
    let mut ks = threads.to_vec();
    ks.push(1);
    ks.sort_unstable();
    ks.dedup();
    ks
}

pub(super) fn list(ks: &[usize]) -> String {
    ks.iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

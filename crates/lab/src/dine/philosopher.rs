//! One philosopher's life, the same under every strategy: think, get
//! hungry, pick up two forks, eat, put them down, again, until the run is
//! over.
//!
//! What differs between strategies is *how* forks are picked up and put
//! down, and what a philosopher must keep doing meanwhile (under
//! Chandy–Misra it answers its neighbours' requests even while it thinks).
//! So a strategy is a [`Seating`] (what the table shares: fork locks, a
//! footman's seats, a waiter, message channels) that seats one [`Diner`]
//! per philosopher, and [`dine`] runs the loop around it: the times, the
//! timeline spans, the meals and the waits are measured here, once, for
//! every strategy alike.
//!
//! Think and eat times are drawn from a ChaCha8 stream per philosopher
//! (the run's seed, stream = the philosopher's number), one think then one
//! eat per meal, so every strategy of a `--compare` sees the same appetites.
//!
//! ## Memory ordering
//!
//! Each philosopher's phase and meal count are atomics written `Relaxed`:
//! they only feed the live view, which may show a state a moment late. The
//! `deadlocked` flag is stored `Release` by the watchdog before it stops
//! the run and loaded `Acquire` by a philosopher whose wait was cancelled,
//! to label its last span; the stop itself goes through a mutex. Every
//! figure of the report is read after the threads are joined, which orders
//! all their writes before the reads.

use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::Strategy;
use super::invariant::Checker;
use super::live::{Phase, Snapshot};
use super::stats::Histogram;
use super::stop::Stop;
use super::{Config, TIMELINE_WINDOW};
use crate::duration::{self, Range};
use crate::error::Error;
use crate::report::{Recorder, State};

/// The wait-for graph: for each philosopher, `None` if it can go on, else
/// the philosophers it waits for (any one of them letting go of a fork
/// would do).
pub(crate) type Graph = Vec<Option<Vec<usize>>>;

/// What a strategy sets on the table for everyone.
pub(crate) trait Seating: Sync {
    /// The philosopher `who`'s side of the strategy, for its thread.
    fn diner(&self, who: usize) -> Result<Box<dyn Diner + '_>, Error>;

    /// The wait-for graph now, if the strategy's waits can form one
    /// (forks taken one at a time); `None` for strategies that cannot
    /// deadlock by construction.
    fn wait_for(&self) -> Option<Graph> {
        None
    }

    /// Ends every wait of the strategy, now and later: the run is over.
    fn cancel(&self);
}

/// How a meal ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Meal {
    /// Eaten whole.
    Whole,
    /// The waiter's time slice ran out first: the forks go back, the rest
    /// is eaten at the next turn.
    SliceRanOut,
    /// The run ended first.
    Stopped,
}

/// One philosopher's side of a strategy.
pub(crate) trait Diner {
    /// Thinks for `time`; `false` if the run ended meanwhile.
    fn think(&mut self, shared: &Shared<'_>, time: Duration) -> bool {
        shared.stop.sleep(time)
    }

    /// Blocks until this philosopher holds two forks (`Ok(true)`), or the
    /// run ended first (`Ok(false)`, holding nothing).
    fn pick_up(&mut self, shared: &Shared<'_>) -> Result<bool, Error>;

    /// Eats for `time`, holding the forks.
    fn eat(&mut self, shared: &Shared<'_>, time: Duration) -> Meal {
        if shared.stop.sleep(time) {
            Meal::Whole
        } else {
            Meal::Stopped
        }
    }

    /// Puts every fork it holds back.
    fn put_down(&mut self, shared: &Shared<'_>);
}

/// The most timeline spans kept per philosopher (about a thousand meals).
pub(crate) const MAX_SPANS: usize = 3_000;

/// Everything the threads of one run share.
pub(crate) struct Shared<'a> {
    pub(crate) config: &'a Config,
    pub(crate) strategy: Strategy,
    pub(crate) seating: &'a dyn Seating,
    pub(crate) seed: u64,
    pub(crate) start: Instant,
    pub(crate) stop: Stop,
    pub(crate) checker: &'a Checker,
    pub(crate) recorder: &'a Recorder,
    /// Set by the watchdog before it stops a deadlocked run.
    pub(crate) deadlocked: AtomicBool,
    /// When the first lane reached [`MAX_SPANS`], in microseconds since the
    /// start (`u64::MAX` if none did).
    pub(crate) spans_full_us: AtomicU64,
    phases: Vec<AtomicU8>,
    meals: Vec<AtomicU64>,
}

impl<'a> Shared<'a> {
    pub(crate) fn new(
        config: &'a Config,
        strategy: Strategy,
        seating: &'a dyn Seating,
        seed: u64,
        checker: &'a Checker,
        recorder: &'a Recorder,
    ) -> Self {
        let n = config.philosophers;
        Self {
            config,
            strategy,
            seating,
            seed,
            start: recorder.origin(),
            stop: Stop::new(),
            checker,
            recorder,
            deadlocked: AtomicBool::new(false),
            spans_full_us: AtomicU64::new(u64::MAX),
            phases: (0..n)
                .map(|_| AtomicU8::new(Phase::Waiting.to_u8()))
                .collect(),
            meals: (0..n).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    /// Ends the run: wakes every sleeper and cancels every wait.
    pub(crate) fn halt(&self) {
        self.stop.stop();
        self.seating.cancel();
    }

    fn set_phase(&self, who: usize, phase: Phase) {
        self.phases[who].store(phase.to_u8(), Ordering::Relaxed);
    }

    /// The table now, for a live view.
    pub(crate) fn snapshot(&self) -> Snapshot {
        Snapshot {
            strategy: self.strategy,
            elapsed: self.start.elapsed(),
            duration: self.config.duration,
            phases: self
                .phases
                .iter()
                .map(|p| Phase::from_u8(p.load(Ordering::Relaxed)))
                .collect(),
            meals: self
                .meals
                .iter()
                .map(|m| m.load(Ordering::Relaxed))
                .collect(),
        }
    }
}

/// What one philosopher measured.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Diary {
    /// Meals eaten whole.
    pub(crate) meals: u64,
    /// Time spent eating (slices included).
    pub(crate) eating: Duration,
    /// Each wait that ended with the forks, in microseconds.
    pub(crate) waits: Histogram,
    /// The wait still going when the run ended, in microseconds.
    pub(crate) unfinished: Option<u64>,
    /// Time slices that ran out during its meals.
    pub(crate) slices_ran_out: u64,
}

/// Halts the run if the philosopher's thread unwinds, so the others do not
/// wait forever for forks it will never put down.
struct HaltOnPanic<'s, 'a>(&'s Shared<'a>);

impl Drop for HaltOnPanic<'_, '_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.halt();
        }
    }
}

/// A random duration from `range`.
fn draw(range: &Range, rng: &mut ChaCha8Rng) -> Duration {
    let (min, max) = (duration::micros(range.min()), duration::micros(range.max()));
    Duration::from_micros(rng.random_range(min..=max))
}

/// The lane (and thread) name of philosopher `who`.
pub(crate) fn lane(who: usize) -> String {
    format!("P{who}")
}

/// Philosopher `who`'s whole dinner, on its own thread. An error halts
/// the run for everyone.
pub(crate) fn dine(shared: &Shared<'_>, who: usize) -> Result<Diary, Error> {
    let _guard = HaltOnPanic(shared);
    let result = dine_until_stopped(shared, who);
    shared.set_phase(who, Phase::Left);
    if result.is_err() {
        shared.halt();
    }
    result
}

fn dine_until_stopped(shared: &Shared<'_>, who: usize) -> Result<Diary, Error> {
    let config = shared.config;
    let lane = lane(who);
    // Only what the timeline shows is kept: a long run of quick meals
    // would otherwise pile up spans nobody draws. Past MAX_SPANS a lane
    // stops, and the timeline is cut where the first lane stopped.
    let window_end = shared.start + TIMELINE_WINDOW;
    let recorded = std::cell::Cell::new(0usize);
    let record = |state: State, label: &str, start: Instant, end: Instant| {
        if start >= window_end || recorded.get() >= MAX_SPANS {
            return;
        }
        shared.recorder.record(&lane, state, label, start, end);
        recorded.set(recorded.get() + 1);
        if recorded.get() == MAX_SPANS {
            let at = duration::micros(end.saturating_duration_since(shared.start));
            shared.spans_full_us.fetch_min(at, Ordering::Relaxed);
        }
    };
    let mut rng = ChaCha8Rng::seed_from_u64(shared.seed);
    rng.set_stream(who as u64);
    let mut diner = shared.seating.diner(who)?;
    let mut diary = Diary::default();
    // The rest of a meal cut short by the waiter's time slice.
    let mut leftover: Option<Duration> = None;
    let mut first = true;
    loop {
        if leftover.is_none() {
            let think = if first && config.forced_deadlock {
                Duration::ZERO
            } else {
                draw(&config.think, &mut rng)
            };
            shared.set_phase(who, Phase::Thinking);
            let start = Instant::now();
            let thought = diner.think(shared, think);
            record(State::Thinking, "", start, Instant::now());
            if !thought {
                break;
            }
        }
        first = false;

        shared.set_phase(who, Phase::Hungry);
        let hungry = Instant::now();
        let served = diner.pick_up(shared)?;
        let served_at = Instant::now();
        let waited = duration::micros(served_at - hungry);
        if !served {
            diary.unfinished = Some(waited);
            let label = if shared.deadlocked.load(Ordering::Acquire) {
                "deadlocked"
            } else {
                ""
            };
            record(State::Hungry, label, hungry, served_at);
            break;
        }
        diary.waits.record(waited);
        record(State::Hungry, "", hungry, served_at);
        if shared.stop.is_stopped() {
            diner.put_down(shared);
            break;
        }

        let meal = leftover
            .take()
            .unwrap_or_else(|| draw(&config.eat, &mut rng));
        shared.checker.eat(who);
        shared.set_phase(who, Phase::Eating);
        let start = Instant::now();
        let end = diner.eat(shared, meal);
        let stop = Instant::now();
        shared.checker.done(who);
        diner.put_down(shared);
        let eaten = stop - start;
        diary.eating += eaten;
        match end {
            Meal::Whole => {
                record(State::Eating, "", start, stop);
                diary.meals += 1;
                shared.meals[who].store(diary.meals, Ordering::Relaxed);
            }
            Meal::SliceRanOut => {
                record(State::Eating, "slice ran out", start, stop);
                diary.slices_ran_out += 1;
                let rest = meal.saturating_sub(eaten);
                if rest.is_zero() {
                    diary.meals += 1;
                    shared.meals[who].store(diary.meals, Ordering::Relaxed);
                } else {
                    leftover = Some(rest);
                }
            }
            Meal::Stopped => {
                record(State::Eating, "", start, stop);
                break;
            }
        }
    }
    Ok(diary)
}

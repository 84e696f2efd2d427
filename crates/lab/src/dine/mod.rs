//! `dine`: the dining philosophers, on real threads, five ways.
//!
//! The note's case: "5 philosophers and 2 forks who are hungry. They are
//! able to eat just using 2 forks." Its solution: "a waiter … can get the 2
//! forks and send them to the philosophers in a limited time for them to
//! eat", and "it will never be possible for all of them to eat at the same
//! time". Forks are the limited resources, philosophers the threads that
//! need two of them at once.
//!
//! Each philosopher is a real thread: it thinks for a random while, gets
//! hungry, waits for two forks, eats for a random while, puts them down,
//! and again, until the run's time is up. Two tables:
//!
//! - [`Layout::Ring`], the classic: N philosophers round a table, one fork
//!   between each pair of neighbours (fork i between P i and P i+1), each
//!   eats with its left fork (i−1) and its right fork (i). At most ⌊N/2⌋
//!   eat at once.
//! - [`Layout::Pile`], the note's words taken literally: N philosophers and
//!   a shared pile of K forks, any two of which make a meal. At most ⌊K/2⌋
//!   eat at once: with the note's 5 and 2, one.
//!
//! And five [`Strategy`]s for getting the forks, one module each:
//!
//! | strategy | idea | deadlock? |
//! |---|---|---|
//! | [`naive`] | left fork, then right fork | yes: the watchdog catches it |
//! | [`ordered`] | lowest-numbered fork first (resource hierarchy) | no |
//! | [`by_waiter`] | ask a [`waiter::Waiter`] for both at once (the note's) | no |
//! | [`footman`] | at most ⌊K/2⌋ + 1 seated, fewer than the K forks | no |
//! | [`chandy_misra`] | clean/dirty forks passed by messages (ring only) | no |
//!
//! At a pile, where forks are all alike: `naive` takes any fork, then any
//! other; `ordered` takes any fork but the last, then one numbered higher;
//! `footman` seats ⌊K/2⌋ + 1 (at most K−1); `waiter` asks for 2 units of the pile. Chandy–Misra
//! is not defined there (each of its forks lies between two neighbours),
//! so it is refused with a pile and left out of a comparison at one.
//!
//! Every run is watched and checked: the [`watchdog`] ends it on time or
//! as soon as the wait-for graph shows a deadlock (by cancelling the waits,
//! never by killing a thread), and the [`invariant`] checker sees every
//! pick-up and put-down and fails the run loudly
//! ([`Error::Invariant`]) if a fork is ever in two hands or two neighbours
//! eat at once. The numbers ([`stats`]): meals per philosopher, meals per
//! second, mean / p99 / max hungry wait, Jain's fairness index, the most
//! eating at once, time slices that ran out.
//!
//! The run reports its progress to a [`Live`] view (the CLI draws
//! progress bars on a terminal) and one plain line per strategy to the
//! [`Console`]; the [`Report`] has a table (one row per strategy), each
//! philosopher's figures for a single strategy, and a timeline per strategy
//! with a lane per philosopher: thinking, hungry, eating.
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//! use waiter_lab::console::Silent;
//! use waiter_lab::dine::{self, Config, Strategy};
//! use waiter_lab::{Ctx, Experiment};
//!
//! let config = Config {
//!     strategies: vec![Strategy::Waiter],
//!     duration: Duration::from_millis(50),
//!     seed: Some(7),
//!     ..Config::default()
//! };
//! let report = config.run(&Ctx::new(Arc::new(Silent)))?;
//! let outcome = &dine::outcomes(&report)[0];
//! assert!(outcome["most_eating"].as_u64().unwrap() <= 2); // ⌊5/2⌋
//! assert!(outcome["deadlock"].is_null());
//! # Ok::<(), waiter_lab::Error>(())
//! ```

pub mod by_waiter;
pub mod chandy_misra;
mod config;
pub mod footman;
mod forks;
pub mod invariant;
pub mod live;
pub mod naive;
pub mod ordered;
mod philosopher;
mod present;
pub mod stats;
mod stop;
pub mod watchdog;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::{Ctx, Experiment, Stop};

use crate::console::Console;
use crate::duration;
use crate::error::Error;
use crate::report::{Recorder, Report, Timeline};
use crate::threads;

pub use config::*;
pub use live::{Live, Phase, Quiet, Snapshot};
pub use stats::{Histogram, Waits};
pub use watchdog::Deadlock;

use invariant::{Checker, Rules};
use philosopher::{Seating, Shared, lane};
use present::report;

/// One philosopher's figures in a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PhilosopherFigures {
    /// Meals eaten whole.
    pub meals: u64,
    /// Time spent eating, in microseconds.
    pub eating_us: u64,
    /// Its hungry waits.
    pub waits: Waits,
    /// Time slices that ran out during its meals.
    pub slices_ran_out: u64,
}

/// What one strategy did in one run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Outcome {
    /// The strategy.
    pub strategy: Strategy,
    /// From the start to the end of the run, in microseconds.
    pub elapsed_us: u64,
    /// Meals eaten whole, by everyone.
    pub meals: u64,
    /// Meals per second of the run.
    pub meals_per_s: f64,
    /// Everyone's hungry waits.
    pub waits: Waits,
    /// Jain's fairness index of the meals (`None` if nobody ate).
    pub jain: Option<f64>,
    /// The most philosophers who ate at once.
    pub most_eating: usize,
    /// The most who could: ⌊N/2⌋ or ⌊K/2⌋.
    pub bound: usize,
    /// Time slices that ran out.
    pub slices_ran_out: u64,
    /// The deadlock that ended the run, if one did.
    pub deadlock: Option<Deadlock>,
    /// Forks picked up and put down, as the invariant checker saw them.
    pub pick_ups: u64,
    /// See `pick_ups`.
    pub put_downs: u64,
    /// Each philosopher's figures, P0 first.
    pub philosophers: Vec<PhilosopherFigures>,
    /// Thinking, hungry and eating spans, a lane per philosopher (in the
    /// report's timelines, not repeated in its figures).
    #[serde(skip)]
    pub timeline: Timeline,
}

impl Outcome {
    /// The longest any philosopher went without eating, in µs. One who
    /// never ate was hungry the whole run: a meal never eaten counts, not
    /// only the waits that ended in a meal.
    pub fn longest_hunger_us(&self) -> u64 {
        if self.philosophers.iter().any(|p| p.meals == 0) {
            self.waits.max_us.max(self.elapsed_us)
        } else {
            self.waits.max_us
        }
    }

    /// The plain line printed when the strategy is done.
    pub fn line(&self) -> String {
        let name = self.strategy.name();
        match &self.deadlock {
            Some(deadlock) => format!(
                "{name}: {deadlock}; the watchdog cancelled the waits and every thread returned"
            ),
            None => format!(
                "{name}: {} meals in {} ({:.1}/s), at most {} eating at once, longest hunger {}{}",
                self.meals,
                duration::format(Duration::from_micros(self.elapsed_us)),
                self.meals_per_s,
                self.most_eating,
                duration::format(Duration::from_micros(self.longest_hunger_us())),
                if self.slices_ran_out > 0 {
                    format!(", {} time slices ran out", self.slices_ran_out)
                } else {
                    String::new()
                }
            ),
        }
    }
}

/// Measures and reports (see [`Experiment::run`]).
fn measure(
    config: &Config,
    console: Arc<dyn Console>,
    live: &dyn Live,
    stop: &Stop,
) -> Result<Report, Error> {
    validate(config)?;
    let seed = config.seed.unwrap_or_else(rand::random);
    let mut outcomes = Vec::with_capacity(config.strategies.len());
    for &strategy in &config.strategies {
        if stop.requested() {
            break;
        }
        live.started(strategy, config);
        let outcome = run_strategy(config, strategy, seed, live, stop)?;
        live.finished(&outcome);
        console.line(&outcome.line());
        outcomes.push(outcome);
    }
    let ran = outcomes.len();
    let mut report = report(config, seed, outcomes);
    if stop.requested() {
        report.conclusions.insert(
            0,
            format!(
                "Interrupted (Ctrl-C): {ran} of {} strateg{} dined, the last one for less than {} (its rates are over the time it dined).",
                config.strategies.len(),
                if config.strategies.len() == 1 { "y" } else { "ies" },
                duration::format(config.duration)
            ),
        );
        report.set_figure("interrupted", true);
    }
    Ok(report)
}

/// The outcomes stored in a report's figures, one per strategy, as JSON.
pub fn outcomes(report: &Report) -> Vec<serde_json::Value> {
    report
        .figures
        .get("outcomes")
        .and_then(|v| v.as_array())
        .cloned()
        .unwrap_or_default()
}

fn seating(config: &Config, strategy: Strategy) -> Result<Box<dyn Seating>, Error> {
    let (forks, n) = (config.forks(), config.philosophers);
    Ok(match strategy {
        Strategy::Naive => Box::new(naive::seating(forks, n)),
        Strategy::Ordered => Box::new(ordered::seating(forks, n)),
        Strategy::Footman => Box::new(footman::seating(forks, n)),
        Strategy::Waiter => Box::new(by_waiter::Served::new(
            config.layout,
            n,
            config.policy,
            config.slice,
        )?),
        Strategy::ChandyMisra => Box::new(chandy_misra::ChandyMisra::new(n)),
    })
}

/// One strategy, one run: seat the philosophers, watch them, add up.
fn run_strategy(
    config: &Config,
    strategy: Strategy,
    seed: u64,
    live: &dyn Live,
    stop: &Stop,
) -> Result<Outcome, Error> {
    let seating = seating(config, strategy)?;
    dine_at(config, strategy, &*seating, seed, live, stop)
}

/// Seats the philosophers at `seating`, watches them, adds up.
fn dine_at(
    config: &Config,
    strategy: Strategy,
    seating: &dyn Seating,
    seed: u64,
    live: &dyn Live,
    stop: &Stop,
) -> Result<Outcome, Error> {
    let n = config.philosophers;
    let recorder = Recorder::new();
    for who in 0..n {
        recorder.declare(&lane(who));
    }
    let checker = Checker::new(
        Rules {
            philosophers: n,
            forks: config.forks(),
            ring: config.layout == Layout::Ring,
            bound: config.bound(),
        },
        recorder.origin(),
    );
    let shared = Shared::new(config, strategy, seating, seed, &checker, &recorder);

    let (diaries, deadlock) = thread::scope(|scope| {
        let mut failure = None;
        let mut handles = Vec::with_capacity(n);
        for who in 0..n {
            let shared = &shared;
            let spawned =
                threads::spawn_scoped(scope, &lane(who), move || philosopher::dine(shared, who));
            match spawned {
                Ok(handle) => handles.push(handle),
                Err(error) => {
                    failure = Some(error);
                    break;
                }
            }
        }
        let deadlock = match failure {
            None => watchdog::watch(&shared, live, stop),
            Some(_) => None,
        };
        shared.halt();
        let mut diaries = Vec::with_capacity(n);
        for (who, handle) in handles.into_iter().enumerate() {
            match threads::join(handle, &format!("philosopher P{who}")).and_then(|diary| diary) {
                Ok(diary) => diaries.push(diary),
                Err(error) => {
                    failure.get_or_insert(error);
                }
            }
        }
        match failure {
            Some(error) => Err(error),
            None => Ok((diaries, deadlock)),
        }
    })?;

    if let Some(violation) = checker.violation() {
        return Err(Error::Invariant {
            strategy: strategy.name().to_owned(),
            message: violation.to_string(),
        });
    }
    let end = shared.stop.stopped_at().unwrap_or_else(Instant::now);
    let elapsed = end.saturating_duration_since(shared.start);
    let window = TIMELINE_WINDOW.min(Duration::from_micros(
        shared.spans_full_us.load(Ordering::Relaxed),
    ));
    drop(shared);

    let philosophers: Vec<PhilosopherFigures> = diaries
        .iter()
        .map(|diary| PhilosopherFigures {
            meals: diary.meals,
            eating_us: duration::micros(diary.eating),
            waits: Waits::new(&diary.waits, diary.unfinished),
            slices_ran_out: diary.slices_ran_out,
        })
        .collect();
    let meals_each: Vec<u64> = philosophers.iter().map(|p| p.meals).collect();
    let meals: u64 = meals_each.iter().sum();
    let mut served = Histogram::new();
    for diary in &diaries {
        served.merge(&diary.waits);
    }
    let (pick_ups, put_downs) = checker.moves();
    Ok(Outcome {
        strategy,
        elapsed_us: duration::micros(elapsed),
        meals,
        meals_per_s: if elapsed.is_zero() {
            0.0
        } else {
            meals as f64 / elapsed.as_secs_f64()
        },
        waits: Waits::new(&served, diaries.iter().filter_map(|d| d.unfinished)),
        jain: stats::jain(&meals_each),
        most_eating: checker.most_eating(),
        bound: config.bound(),
        slices_ran_out: diaries.iter().map(|d| d.slices_ran_out).sum(),
        deadlock,
        pick_ups,
        put_downs,
        philosophers,
        timeline: clip(
            recorder.finish(if elapsed > window {
                format!(
                    "{}: the first {}, each philosopher thinking, hungry, eating",
                    strategy.name(),
                    duration::format(window)
                )
            } else {
                format!(
                    "{}: each philosopher thinking, hungry, eating",
                    strategy.name()
                )
            }),
            window,
        ),
    })
}

/// The spans of `timeline` up to `window`, the last ones cut at its end.
fn clip(mut timeline: Timeline, window: Duration) -> Timeline {
    let end = duration::micros(window);
    for lane in &mut timeline.lanes {
        lane.spans.retain(|span| span.start_us < end);
        for span in &mut lane.spans {
            span.end_us = span.end_us.min(end);
        }
    }
    timeline
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

    /// Runs every strategy of `config`, one after the other, each for
    /// `config.duration` (or until it deadlocks), writing one line per
    /// strategy to `console` and following each run on `live`.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for a setting out of range; [`Error::Invariant`] if a
    /// fork was ever in two hands or two neighbours ate at once (a bug, never a
    /// result); thread, waiter or panic errors otherwise. A deadlock is not an
    /// error: it is what `naive` shows, and the report says so.
    fn run(&self, ctx: &Ctx) -> Result<Report, Error> {
        measure(self, Arc::clone(&ctx.console), &*ctx.live, &ctx.stop)
    }

    /// A stopped run ends its step and reports what it measured.
    fn reports_when_stopped(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests;

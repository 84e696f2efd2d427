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
//! | [`waiter`] | ask a [`::waiter::Waiter`] for both at once (the note's) | no |
//! | [`footman`] | at most one fewer seated than there are forks | no |
//! | [`chandy_misra`] | clean/dirty forks passed by messages (ring only) | no |
//!
//! At a pile, where forks are all alike: `naive` takes any fork, then any
//! other; `ordered` takes any fork but the last, then one numbered higher;
//! `footman` seats K−1; `waiter` asks for 2 units of the pile. Chandy–Misra
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

pub mod chandy_misra;
pub mod footman;
mod forks;
pub mod invariant;
pub mod live;
pub mod naive;
pub mod ordered;
mod philosopher;
pub mod stats;
mod stop;
pub mod waiter;
pub mod watchdog;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread;
use std::time::{Duration, Instant};

use ::waiter::Policy;
use serde::Serialize;

use crate::{Ctx, Experiment, Stop};

use crate::console::Console;
use crate::duration::{self, Range};
use crate::error::Error;
use crate::report::{Cell, Recorder, Report, Table, Timeline};

pub use live::{Live, Phase, Quiet, Snapshot};
pub use stats::{Histogram, Waits};
pub use watchdog::Deadlock;

use invariant::{Checker, Rules};
use philosopher::{Seating, Shared, lane};

/// The experiment's id, also its subcommand.
pub const ID: &str = "dine";

/// The experiment's title.
pub const TITLE: &str = "The dining philosophers: limited forks, and a waiter";

/// The fewest philosophers: one alone has nobody to share forks with.
pub const MIN_PHILOSOPHERS: usize = 2;

/// The most philosophers (each is a thread).
pub const MAX_PHILOSOPHERS: usize = 256;

/// The fewest forks in a pile: a meal takes two.
pub const MIN_FORKS: usize = 2;

/// The most forks in a pile.
pub const MAX_FORKS: usize = 1_024;

/// The longest run, think or eat time.
pub const MAX_DURATION: Duration = Duration::from_secs(3_600);

/// The stretch of a run its timeline shows: long enough to see the turns,
/// short enough for a meal to span a few columns of a text view. The
/// figures cover the whole run.
pub const TIMELINE_WINDOW: Duration = Duration::from_millis(250);

/// How the forks are laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Layout {
    /// One fork between each pair of neighbours round a table: fork i lies
    /// between P i and P i+1, and P i eats with forks i−1 (left) and i
    /// (right).
    Ring,
    /// A shared pile of forks, any two of which make a meal.
    Pile {
        /// How many forks are in the pile.
        forks: usize,
    },
}

impl Layout {
    /// `ring` or `pile`.
    pub fn name(self) -> &'static str {
        match self {
            Layout::Ring => "ring",
            Layout::Pile { .. } => "pile",
        }
    }
}

/// The left fork of philosopher `who` of `n` round a ring: the one it
/// shares with P who−1.
pub fn left(who: usize, n: usize) -> usize {
    (who + n - 1) % n
}

/// The right fork of philosopher `who` round a ring: the one it shares with
/// P who+1.
pub fn right(who: usize, _n: usize) -> usize {
    who
}

/// How the philosophers get their forks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    /// Left fork, then right fork: deadlocks. See [`naive`].
    Naive,
    /// Lower-numbered fork first. See [`ordered`].
    Ordered,
    /// Both forks at once from a [`::waiter::Waiter`]. See [`waiter`](mod@waiter).
    Waiter,
    /// At most forks − 1 seated. See [`footman`].
    Footman,
    /// Clean and dirty forks passed by messages. See [`chandy_misra`].
    ChandyMisra,
}

impl Strategy {
    /// Every strategy, in the order `--compare` runs them.
    pub const ALL: [Strategy; 5] = [
        Strategy::Naive,
        Strategy::Ordered,
        Strategy::Waiter,
        Strategy::Footman,
        Strategy::ChandyMisra,
    ];

    /// The strategy's name, as on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Naive => "naive",
            Strategy::Ordered => "ordered",
            Strategy::Waiter => "waiter",
            Strategy::Footman => "footman",
            Strategy::ChandyMisra => "chandy-misra",
        }
    }

    /// The strategy called `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The idea in one line.
    pub fn summary(self) -> &'static str {
        match self {
            Strategy::Naive => "take the left fork, then the right one (deadlocks)",
            Strategy::Ordered => {
                "take the lower-numbered fork first (a resource hierarchy: no circular wait)"
            }
            Strategy::Waiter => {
                "ask the waiter for both forks at once; it grants both or none (the note's solution)"
            }
            Strategy::Footman => {
                "a footman seats at most one fewer than there are forks; then left, then right"
            }
            Strategy::ChandyMisra => {
                "forks are clean or dirty and passed between neighbours by messages"
            }
        }
    }

    /// Whether the strategy is defined for `layout` (Chandy–Misra needs a
    /// fork between each pair of neighbours: a ring).
    pub fn supports(self, layout: Layout) -> bool {
        !(self == Strategy::ChandyMisra && matches!(layout, Layout::Pile { .. }))
    }
}

/// The experiment's settings. The defaults dine for one second.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// How many philosophers, each a thread (at least 2).
    pub philosophers: usize,
    /// How the forks lie.
    pub layout: Layout,
    /// The strategies to run, one after the other, each for `duration`.
    pub strategies: Vec<Strategy>,
    /// How long each strategy dines (unless it deadlocks first).
    pub duration: Duration,
    /// How long a philosopher thinks before it gets hungry.
    pub think: Range,
    /// How long a meal takes.
    pub eat: Range,
    /// The moment between picking up the first fork and the second, for
    /// the strategies that take them one at a time (`naive`, `ordered`,
    /// `footman`): the window in which a neighbour takes the second first.
    pub reach: Duration,
    /// The waiter's time slice: a meal longer than this is interrupted, the
    /// forks go back, and the rest is eaten at the next turn.
    pub slice: Option<Duration>,
    /// Whom the waiter serves first.
    pub policy: Policy,
    /// Seed for the think and eat times; `None` picks one (reported).
    pub seed: Option<u64>,
    /// A forced schedule, for tests and demonstrations: nobody thinks
    /// before the first meal, and after its first fork each philosopher
    /// pauses until every fork is held (at most 200 ms). The `naive`
    /// strategy then deadlocks every time; the others show they do not.
    pub forced_deadlock: bool,
}

impl Default for Config {
    /// The classic: 5 philosophers round a ring of 5 forks, served by the
    /// waiter (FIFO, no time slice) for one second; think 1–5 ms, eat
    /// 5–25 ms, 5 ms to reach for the second fork. Hungry philosophers and a
    /// slow reach: `naive` deadlocks in its first round (when it gets past
    /// that round, the philosophers fall into a convoy that rarely
    /// deadlocks).
    fn default() -> Self {
        let ms = Duration::from_millis;
        let range = |a, b| Range::new(ms(a), ms(b)).unwrap_or(Range::fixed(ms(a)));
        Self {
            philosophers: 5,
            layout: Layout::Ring,
            strategies: vec![Strategy::Waiter],
            duration: Duration::from_secs(1),
            think: range(1, 5),
            eat: range(5, 25),
            reach: ms(5),
            slice: None,
            policy: Policy::Fifo,
            seed: None,
            forced_deadlock: false,
        }
    }
}

impl Config {
    /// How many forks there are.
    pub fn forks(&self) -> usize {
        match self.layout {
            Layout::Ring => self.philosophers,
            Layout::Pile { forks } => forks,
        }
    }

    /// The most philosophers who can eat at once: ⌊N/2⌋ round a ring,
    /// ⌊K/2⌋ at a pile of K (and never more than N).
    pub fn bound(&self) -> usize {
        match self.layout {
            Layout::Ring => self.philosophers / 2,
            Layout::Pile { forks } => (forks / 2).min(self.philosophers),
        }
    }

    /// `⌊5/2⌋ = 2`: the bound, and where it comes from.
    pub fn bound_text(&self) -> String {
        format!("⌊{}/2⌋ = {}", self.forks(), self.bound())
    }

    /// `ring of 5 forks` or `pile of 2 forks`.
    pub fn table_text(&self) -> String {
        format!(
            "{} of {} fork{}",
            self.layout.name(),
            self.forks(),
            if self.forks() == 1 { "" } else { "s" }
        )
    }
}

/// Checks a configuration; the CLI rejects the same values earlier, with
/// the same words.
///
/// # Errors
///
/// [`Error::Config`] naming the first value out of range.
pub fn validate(config: &Config) -> Result<(), Error> {
    let bad = |message: String| Err(Error::Config(message));
    if config.philosophers < MIN_PHILOSOPHERS {
        return bad(format!(
            "philosophers must be at least {MIN_PHILOSOPHERS}: one alone has nobody to share forks with"
        ));
    }
    if config.philosophers > MAX_PHILOSOPHERS {
        return bad(format!("philosophers must be at most {MAX_PHILOSOPHERS}"));
    }
    if let Layout::Pile { forks } = config.layout {
        if forks < MIN_FORKS {
            return bad(format!(
                "a pile needs at least {MIN_FORKS} forks: a meal takes two"
            ));
        }
        if forks > MAX_FORKS {
            return bad(format!("a pile holds at most {MAX_FORKS} forks"));
        }
    }
    if config.strategies.is_empty() {
        return bad("no strategy to run".into());
    }
    if let Some(strategy) = config
        .strategies
        .iter()
        .find(|s| !s.supports(config.layout))
    {
        return bad(format!(
            "{} needs --table ring: it passes each fork between the two neighbours who share it, and a pile has none",
            strategy.name()
        ));
    }
    if config.duration.is_zero() {
        return bad("the duration must be more than 0".into());
    }
    for (name, value) in [
        ("duration", config.duration),
        ("think", config.think.max()),
        ("eat", config.eat.max()),
        ("reach", config.reach),
        ("slice", config.slice.unwrap_or_default()),
    ] {
        if value > MAX_DURATION {
            return bad(format!("{name} must be at most 1 hour"));
        }
    }
    if config.slice.is_some_and(|s| s.is_zero()) {
        return bad("the time slice must be more than 0".into());
    }
    Ok(())
}

/// The idea, in plain words from the note, to show before the run (the
/// same lines as the report's `explanation`).
pub fn explanation(config: &Config) -> Vec<String> {
    let n = config.philosophers;
    let mut lines = vec![
        "The note: \"5 philosophers and 2 forks who are hungry. They are able to eat just using 2 forks.\" A waiter hands them the 2 forks for a limited time (time slicing), and it will never be possible for all of them to eat at the same time.".to_owned(),
        match config.layout {
            Layout::Ring => format!(
                "{n} philosophers round a table, one fork between each pair of neighbours (fork i between P i and P i+1): each eats with its left and right fork, so at most {} can eat at once.",
                config.bound_text()
            ),
            Layout::Pile { forks } => format!(
                "{n} philosophers and a pile of {forks} forks, any two of which make a meal: at most {} can eat at once.",
                config.bound_text()
            ),
        },
        format!(
            "Each philosopher is a thread: it thinks {}, gets hungry, waits for two forks, eats {}, and again, for {}{}.",
            config.think,
            config.eat,
            duration::format(config.duration),
            if config.strategies.len() > 1 { " per strategy" } else { "" }
        ),
    ];
    for strategy in &config.strategies {
        let mut line = format!("{}: {}", strategy.name(), strategy.summary());
        if *strategy == Strategy::Waiter {
            line.push_str(&format!(
                "; {}{}",
                match config.policy {
                    Policy::Fifo => "FIFO: requests that share a fork are served in arrival order",
                    Policy::Greedy => "greedy: whatever fits is served, which can starve someone",
                },
                config
                    .slice
                    .map(|s| format!("; time slice {}", duration::format(s)))
                    .unwrap_or_default()
            ));
        }
        lines.push(format!("{line}."));
    }
    if config.forced_deadlock {
        lines.push("Forced schedule: nobody thinks before the first meal, and each philosopher pauses after its first fork until every fork is held.".into());
    }
    lines
}

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
                duration::format(Duration::from_micros(self.waits.max_us)),
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
        Strategy::Naive => Box::new(naive::Naive::new(forks, n)),
        Strategy::Ordered => Box::new(ordered::Ordered::new(forks, n)),
        Strategy::Footman => Box::new(footman::Footman::new(forks, n)),
        Strategy::Waiter => Box::new(waiter::Served::new(
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
            let spawned = thread::Builder::new()
                .name(lane(who))
                .spawn_scoped(scope, move || philosopher::dine(shared, who));
            match spawned {
                Ok(handle) => handles.push(handle),
                Err(source) => {
                    failure = Some(Error::Spawn {
                        name: lane(who),
                        source,
                    });
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
            match handle.join() {
                Ok(Ok(diary)) => diaries.push(diary),
                Ok(Err(error)) => {
                    failure.get_or_insert(error);
                }
                Err(panic) => {
                    failure
                        .get_or_insert(Error::from_panic(&format!("philosopher P{who}"), &*panic));
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

fn micros_cell(us: u64) -> Cell {
    Cell::Micros(us)
}

/// A mean or percentile of waits: `—` if no wait ended.
fn wait_cell(waits: &Waits, us: u64) -> Cell {
    if waits.count == 0 {
        Cell::Missing
    } else {
        Cell::Micros(us)
    }
}

fn jain_cell(jain: Option<f64>) -> Cell {
    jain.map_or(Cell::Missing, Cell::from)
}

/// The summary table: one row per strategy.
fn strategies_table(config: &Config, outcomes: &[Outcome]) -> Table {
    let mut table = Table::new(
        format!(
            "{} philosophers, {}, {} per strategy: at most {} can eat at once",
            config.philosophers,
            config.table_text(),
            duration::format(config.duration),
            config.bound_text()
        ),
        [
            "strategy",
            "meals",
            "meals/s",
            "mean hungry",
            "p99 hungry",
            "max hungry",
            "Jain",
            "most eating",
            "slices ran out",
            "deadlock",
        ],
    );
    for outcome in outcomes {
        table.push_row(vec![
            Cell::from(outcome.strategy.name()),
            Cell::from(outcome.meals),
            Cell::from(outcome.meals_per_s),
            wait_cell(&outcome.waits, outcome.waits.mean_us),
            wait_cell(&outcome.waits, outcome.waits.p99_us),
            micros_cell(outcome.waits.max_us),
            jain_cell(outcome.jain),
            Cell::from(outcome.most_eating),
            Cell::from(outcome.slices_ran_out),
            Cell::from(match &outcome.deadlock {
                Some(deadlock) => format!("after {}", deadlock.after_text()),
                None => "no".to_owned(),
            }),
        ]);
    }
    table
}

/// Each philosopher's figures under one strategy.
fn philosophers_table(outcome: &Outcome) -> Table {
    let mut table = Table::new(
        format!("{}: each philosopher", outcome.strategy.name()),
        [
            "philosopher",
            "meals",
            "eating",
            "mean hungry",
            "max hungry",
            "slices ran out",
        ],
    );
    for (who, diner) in outcome.philosophers.iter().enumerate() {
        table.push_row(vec![
            Cell::from(lane(who)),
            Cell::from(diner.meals),
            micros_cell(diner.eating_us),
            wait_cell(&diner.waits, diner.waits.mean_us),
            micros_cell(diner.waits.max_us),
            Cell::from(diner.slices_ran_out),
        ]);
    }
    table
}

fn report(config: &Config, seed: u64, outcomes: Vec<Outcome>) -> Report {
    let mut report = Report::new(ID, TITLE);
    report.explanation = explanation(config);
    report.tables.push(strategies_table(config, &outcomes));
    if let [only] = outcomes.as_slice() {
        report.tables.push(philosophers_table(only));
    }
    report.timelines = outcomes.iter().map(|o| o.timeline.clone()).collect();
    report.conclusions = conclusions(config, &outcomes);
    report.set_figure("seed", seed);
    report.set_figure("philosophers", config.philosophers);
    report.set_figure("table", config.layout.name());
    report.set_figure("forks", config.forks());
    report.set_figure("bound", config.bound());
    report.set_figure("duration_us", duration::micros(config.duration));
    let range = |r: &Range| [duration::micros(r.min()), duration::micros(r.max())];
    report.set_figure("think_us", range(&config.think));
    report.set_figure("eat_us", range(&config.eat));
    report.set_figure("reach_us", duration::micros(config.reach));
    report.set_figure("slice_us", config.slice.map(duration::micros));
    report.set_figure("policy", config.policy.name());
    report.set_figure("forced_deadlock", config.forced_deadlock);
    report.set_figure("outcomes", &outcomes);
    report
}

fn conclusions(config: &Config, outcomes: &[Outcome]) -> Vec<String> {
    let mut lines = Vec::new();
    let n = config.philosophers;
    let most = outcomes.iter().map(|o| o.most_eating).max().unwrap_or(0);
    lines.push(format!(
        "At most {most} of {n} philosophers ate at once{}; the bound is {}: {}",
        if outcomes.len() > 1 { " under any strategy" } else { "" },
        config.bound_text(),
        match config.layout {
            Layout::Ring => "a meal takes both neighbouring forks, so two neighbours never eat together. However short the turns, they can never all eat at the same time.".to_owned(),
            Layout::Pile { forks } => format!(
                "a meal takes 2 of the {forks} forks. However short the turns, they can never all eat at the same time."
            ),
        }
    ));
    if let Layout::Pile { forks } = config.layout
        && forks / 2 < n / 2
    {
        lines.push(format!(
            "The note says it will be possible to feed 2 philosophers at a time: that is a ring of 5 forks (⌊5/2⌋ = 2). From a pile of {forks}, only {} can eat at once.",
            config.bound()
        ));
    }
    for outcome in outcomes {
        let name = outcome.strategy.name();
        if let Some(deadlock) = &outcome.deadlock {
            lines.push(format!(
                "{name}: {deadlock}. Each philosopher in the cycle holds a fork and waits for another, held by the next one. The watchdog found the cycle in the wait-for graph and ended the run by cancelling the waits; no thread was killed."
            ));
        } else if outcome.strategy == Strategy::Naive {
            lines.push(format!(
                "{name}: no deadlock this time, but nothing prevents one: a longer reach between the two forks, or a longer run, makes it show."
            ));
        }
        if outcome.deadlock.is_none() {
            let starved: Vec<String> = outcome
                .philosophers
                .iter()
                .enumerate()
                .filter(|(_, p)| p.meals == 0)
                .map(|(who, _)| lane(who))
                .collect();
            if !starved.is_empty() && outcome.meals > 0 {
                lines.push(format!(
                    "{name}: {} never ate while others did (longest hunger {}): starvation.",
                    starved.join(", "),
                    duration::format(Duration::from_micros(outcome.waits.max_us))
                ));
            }
        }
        let by_hand = matches!(
            outcome.strategy,
            Strategy::Naive | Strategy::Ordered | Strategy::Footman
        );
        if by_hand && outcome.meals > 0 && outcome.most_eating < outcome.bound {
            lines.push(format!(
                "{name}: never more than {} ate at once, though {} could: a philosopher holding one fork while it waits for the other keeps its neighbour from eating too, and the waits line up in a chain.",
                outcome.most_eating, outcome.bound
            ));
        }
        if outcome.slices_ran_out > 0 {
            lines.push(format!(
                "{name}: {} time slices of {} ran out: the philosopher put the forks back, and finished the meal at its next turn.",
                outcome.slices_ran_out,
                config.slice.map(duration::format).unwrap_or_default()
            ));
        }
    }
    let fed: Vec<&Outcome> = outcomes.iter().filter(|o| o.deadlock.is_none()).collect();
    if outcomes.len() > 1 {
        let fastest = fed
            .iter()
            .max_by(|a, b| a.meals_per_s.total_cmp(&b.meals_per_s));
        let fairest = fed
            .iter()
            .filter(|o| o.jain.is_some())
            .max_by(|a, b| a.jain.unwrap_or(0.0).total_cmp(&b.jain.unwrap_or(0.0)));
        let patient = fed.iter().min_by_key(|o| o.waits.max_us);
        if let (Some(fastest), Some(fairest), Some(patient)) = (fastest, fairest, patient) {
            lines.push(format!(
                "Most meals: {} ({:.1}/s). Fairest: {} (Jain {:.2}; 1 = everyone ate equally often). Shortest longest hunger: {} ({}).",
                fastest.strategy.name(),
                fastest.meals_per_s,
                fairest.strategy.name(),
                fairest.jain.unwrap_or(0.0),
                patient.strategy.name(),
                duration::format(Duration::from_micros(patient.waits.max_us))
            ));
        }
        if matches!(config.layout, Layout::Pile { .. })
            && !config.strategies.contains(&Strategy::ChandyMisra)
        {
            lines.push("chandy-misra was left out: it passes each fork between the two neighbours who share it, and a pile has no neighbours.".into());
        }
    } else if let Some(outcome) = fed.first()
        && let Some(jain) = outcome.jain
    {
        lines.push(format!(
            "Jain's fairness index of the meals: {jain:.2} (1 = everyone ate equally often, 1/{n} = one ate everything)."
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
mod tests {
    use super::*;

    /// Runs through the experiment's trait, as the tour and the CLI do.
    fn run(config: &Config, console: Arc<Buffer>, live: Arc<dyn Live>) -> Result<Report, Error> {
        config.run(&Ctx::new(console).with_live(live))
    }
    use crate::console::Buffer;

    /// A short run of `strategies`.
    fn short(strategies: &[Strategy], seed: u64) -> Config {
        Config {
            strategies: strategies.to_vec(),
            duration: Duration::from_millis(30),
            think: Range::new(Duration::ZERO, Duration::from_millis(2)).unwrap(),
            eat: Range::new(Duration::from_micros(500), Duration::from_millis(3)).unwrap(),
            reach: Duration::from_micros(200),
            seed: Some(seed),
            ..Config::default()
        }
    }

    fn outcome_of(config: &Config) -> Vec<Outcome> {
        validate(config).unwrap();
        let seed = config.seed.unwrap_or(0);
        config
            .strategies
            .iter()
            .map(|&s| run_strategy(config, s, seed, &Quiet, &Stop::new()).unwrap())
            .collect()
    }

    #[test]
    fn forks_of_a_ring() {
        assert_eq!((left(0, 5), right(0, 5)), (4, 0));
        assert_eq!((left(3, 5), right(3, 5)), (2, 3));
        assert_eq!((left(0, 2), right(0, 2)), (1, 0));
        assert_eq!((left(1, 2), right(1, 2)), (0, 1));
    }

    #[test]
    fn the_waiter_never_exceeds_the_bound_over_many_seeds() {
        for seed in 0..20 {
            for layout in [
                Layout::Ring,
                Layout::Pile { forks: 2 },
                Layout::Pile { forks: 5 },
            ] {
                let config = Config {
                    // 2 to 7 philosophers, odd and even.
                    philosophers: 2 + (seed as usize) % 6,
                    layout,
                    duration: Duration::from_millis(25),
                    ..short(&[Strategy::Waiter], seed)
                };
                let outcome = &outcome_of(&config)[0];
                assert!(
                    outcome.most_eating <= config.bound(),
                    "seed {seed}, {layout:?}: {} eating",
                    outcome.most_eating
                );
                assert!(outcome.meals > 0, "seed {seed}, {layout:?}: nobody ate");
                assert_eq!(outcome.deadlock, None);
                assert_eq!(outcome.pick_ups, outcome.put_downs);
            }
        }
    }

    #[test]
    fn the_waiter_with_a_time_slice_cuts_long_meals() {
        let config = Config {
            eat: Range::fixed(Duration::from_millis(6)),
            slice: Some(Duration::from_millis(2)),
            duration: Duration::from_millis(60),
            ..short(&[Strategy::Waiter], 3)
        };
        let outcome = &outcome_of(&config)[0];
        assert!(outcome.slices_ran_out > 0);
        assert!(outcome.most_eating <= 2);
        // A 6 ms meal in 2 ms slices: about three slices per meal.
        assert!(outcome.slices_ran_out >= outcome.meals, "{outcome:?}");
    }

    #[test]
    fn every_strategy_but_naive_keeps_the_rules_and_feeds_everyone() {
        for seed in 0..5 {
            for strategy in [
                Strategy::Ordered,
                Strategy::Waiter,
                Strategy::Footman,
                Strategy::ChandyMisra,
            ] {
                let config = Config {
                    duration: Duration::from_millis(50),
                    ..short(&[strategy], seed)
                };
                let outcome = &outcome_of(&config)[0];
                assert_eq!(outcome.deadlock, None, "{strategy:?} seed {seed}");
                assert!(outcome.most_eating <= 2, "{strategy:?} seed {seed}");
                assert!(outcome.meals > 0, "{strategy:?} seed {seed}");
            }
        }
    }

    #[test]
    fn fair_strategies_feed_everyone_even_with_no_time_to_think_or_eat() {
        // Regression: a Chandy–Misra philosopher who never waited never
        // read its requests, and kept both forks for ever.
        for strategy in [Strategy::ChandyMisra, Strategy::Waiter] {
            let config = Config {
                think: Range::fixed(Duration::ZERO),
                eat: Range::fixed(Duration::ZERO),
                reach: Duration::ZERO,
                duration: Duration::from_millis(60),
                ..short(&[strategy], 8)
            };
            let outcome = &outcome_of(&config)[0];
            for (who, philosopher) in outcome.philosophers.iter().enumerate() {
                assert!(philosopher.meals > 0, "{strategy:?}: P{who} starved");
            }
            assert!(outcome.most_eating <= 2);
        }
    }

    #[test]
    fn strategies_at_a_pile_keep_the_bound() {
        for seed in 0..5 {
            for strategy in [Strategy::Ordered, Strategy::Footman, Strategy::Waiter] {
                for forks in [2, 3, 4] {
                    let config = Config {
                        layout: Layout::Pile { forks },
                        ..short(&[strategy], seed)
                    };
                    let outcome = &outcome_of(&config)[0];
                    assert_eq!(outcome.deadlock, None, "{strategy:?} {forks} seed {seed}");
                    assert!(outcome.most_eating <= forks / 2);
                }
            }
        }
    }

    #[test]
    fn the_forced_schedule_deadlocks_naive_and_the_watchdog_ends_it() {
        for layout in [
            Layout::Ring,
            Layout::Pile { forks: 2 },
            Layout::Pile { forks: 3 },
        ] {
            let config = Config {
                layout,
                forced_deadlock: true,
                duration: Duration::from_secs(20),
                ..short(&[Strategy::Naive], 1)
            };
            let started = Instant::now();
            let outcome = &outcome_of(&config)[0];
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "stopped by the watchdog, not the clock"
            );
            let deadlock = outcome.deadlock.as_ref().expect("a deadlock");
            assert_eq!(deadlock.cycle.first(), deadlock.cycle.last());
            if layout == Layout::Ring {
                assert_eq!(deadlock.cycle, [0, 1, 2, 3, 4, 0]);
            }
            assert_eq!(outcome.meals, 0);
            assert_eq!(outcome.pick_ups, outcome.put_downs, "every fork went back");
            let hungry_at_the_end = outcome
                .timeline
                .lanes
                .iter()
                .filter(|l| {
                    l.spans
                        .last()
                        .is_some_and(|s| s.label.as_deref() == Some("deadlocked"))
                })
                .count();
            assert!(hungry_at_the_end >= 2);
        }
    }

    #[test]
    fn the_forced_schedule_does_not_deadlock_the_others() {
        for strategy in [
            Strategy::Ordered,
            Strategy::Footman,
            Strategy::Waiter,
            Strategy::ChandyMisra,
        ] {
            let config = Config {
                forced_deadlock: true,
                ..short(&[strategy], 2)
            };
            let outcome = &outcome_of(&config)[0];
            assert_eq!(outcome.deadlock, None, "{strategy:?}");
        }
    }

    /// A broken strategy: philosophers take their forks without asking
    /// anyone, as if every fork lock always said yes.
    struct Grabby;

    struct Grabber(usize);

    impl Seating for Grabby {
        fn diner(&self, who: usize) -> Result<Box<dyn philosopher::Diner + '_>, Error> {
            Ok(Box::new(Grabber(who)))
        }

        fn cancel(&self) {}
    }

    impl philosopher::Diner for Grabber {
        fn pick_up(&mut self, shared: &Shared<'_>) -> Result<bool, Error> {
            let n = shared.config.philosophers;
            shared.checker.pick_up(self.0, left(self.0, n));
            shared.checker.pick_up(self.0, right(self.0, n));
            Ok(true)
        }

        fn put_down(&mut self, shared: &Shared<'_>) {
            let n = shared.config.philosophers;
            shared.checker.put_down(self.0, right(self.0, n));
            shared.checker.put_down(self.0, left(self.0, n));
        }
    }

    #[test]
    fn a_strategy_that_shares_forks_fails_the_run_loudly() {
        let config = Config {
            think: Range::fixed(Duration::ZERO),
            eat: Range::fixed(Duration::from_millis(5)),
            duration: Duration::from_secs(20),
            ..short(&[Strategy::Naive], 1)
        };
        let started = Instant::now();
        match dine_at(&config, Strategy::Naive, &Grabby, 1, &Quiet, &Stop::new()) {
            Err(Error::Invariant { strategy, message }) => {
                assert_eq!(strategy, "naive");
                assert!(
                    message.contains("at once") || message.contains("which"),
                    "{message}"
                );
            }
            other => panic!("a broken strategy must fail the run: {other:?}"),
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the watchdog stops the run as soon as the invariant breaks"
        );
    }

    #[test]
    fn a_report_has_a_row_per_strategy_and_a_lane_per_philosopher() {
        let console = Arc::new(Buffer::new());
        let config = Config {
            philosophers: 3,
            ..short(&Strategy::ALL, 5)
        };
        let report = run(&config, console.clone(), Arc::new(Quiet)).unwrap();
        let rows = &report.tables[0].rows;
        let names: Vec<String> = rows.iter().map(|r| r[0].display()).collect();
        assert_eq!(
            names,
            ["naive", "ordered", "waiter", "footman", "chandy-misra"]
        );
        assert_eq!(
            report.tables.len(),
            1,
            "no per-philosopher table when comparing"
        );
        assert_eq!(report.timelines.len(), 5);
        for timeline in &report.timelines {
            let lanes: Vec<&str> = timeline.lanes.iter().map(|l| l.name.as_str()).collect();
            assert_eq!(lanes, ["P0", "P1", "P2"]);
        }
        assert_eq!(outcomes(&report).len(), 5);
        assert_eq!(report.figures["seed"], 5);
        assert_eq!(console.contents().lines().count(), 5);
        assert!(!report.conclusions.is_empty());
    }

    #[test]
    fn a_single_strategy_gets_a_table_per_philosopher() {
        let config = Config {
            philosophers: 4,
            ..short(&[Strategy::Ordered], 9)
        };
        let report = run(&config, Arc::new(Buffer::new()), Arc::new(Quiet)).unwrap();
        assert_eq!(report.tables.len(), 2);
        assert_eq!(report.tables[1].rows.len(), 4);
        let meals: i64 = report.tables[1]
            .rows
            .iter()
            .map(|r| match r[1] {
                Cell::Int(n) => n,
                _ => panic!("meals are counts"),
            })
            .sum();
        assert_eq!(report.tables[0].rows[0][1], Cell::Int(meals));
    }

    #[test]
    fn a_live_view_sees_every_run() {
        use std::sync::Mutex;

        #[derive(Default)]
        struct Seen(Mutex<Vec<String>>);
        impl Live for Seen {
            fn started(&self, strategy: Strategy, _: &Config) {
                self.0
                    .lock()
                    .unwrap()
                    .push(format!("start {}", strategy.name()));
            }
            fn tick(&self, snapshot: &Snapshot) {
                assert_eq!(snapshot.phases.len(), 5);
                assert!(snapshot.eating() <= 2);
                self.0.lock().unwrap().push("tick".into());
            }
            fn finished(&self, outcome: &Outcome) {
                self.0
                    .lock()
                    .unwrap()
                    .push(format!("end {}", outcome.strategy.name()));
            }
        }
        let seen = Arc::new(Seen::default());
        let config = short(&[Strategy::Waiter, Strategy::Footman], 4);
        run(&config, Arc::new(Buffer::new()), seen.clone()).unwrap();
        let seen = seen.0.lock().unwrap().clone();
        assert_eq!(seen.first().map(String::as_str), Some("start waiter"));
        assert_eq!(seen.last().map(String::as_str), Some("end footman"));
        assert!(seen.iter().any(|s| s == "tick"));
    }

    #[test]
    fn settings_out_of_range_are_config_errors() {
        let base = short(&[Strategy::Waiter], 1);
        for (config, words) in [
            (
                Config {
                    philosophers: 1,
                    ..base.clone()
                },
                "at least 2",
            ),
            (
                Config {
                    philosophers: 0,
                    ..base.clone()
                },
                "at least 2",
            ),
            (
                Config {
                    philosophers: MAX_PHILOSOPHERS + 1,
                    ..base.clone()
                },
                "at most",
            ),
            (
                Config {
                    layout: Layout::Pile { forks: 1 },
                    ..base.clone()
                },
                "at least 2 forks",
            ),
            (
                Config {
                    layout: Layout::Pile { forks: 2 },
                    strategies: vec![Strategy::ChandyMisra],
                    ..base.clone()
                },
                "needs --table ring",
            ),
            (
                Config {
                    strategies: Vec::new(),
                    ..base.clone()
                },
                "no strategy",
            ),
            (
                Config {
                    duration: Duration::ZERO,
                    ..base.clone()
                },
                "more than 0",
            ),
            (
                Config {
                    slice: Some(Duration::ZERO),
                    ..base.clone()
                },
                "more than 0",
            ),
            (
                Config {
                    eat: Range::fixed(Duration::from_secs(7200)),
                    ..base.clone()
                },
                "at most 1 hour",
            ),
        ] {
            match run(&config, Arc::new(Buffer::new()), Arc::new(Quiet)) {
                Err(Error::Config(message)) => assert!(message.contains(words), "{message}"),
                other => panic!("{config:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn the_bound_is_half_the_forks() {
        let ring = Config::default();
        assert_eq!(
            (ring.bound(), ring.bound_text()),
            (2, "⌊5/2⌋ = 2".to_owned())
        );
        let note = Config {
            layout: Layout::Pile { forks: 2 },
            ..Config::default()
        };
        assert_eq!(
            (note.bound(), note.table_text()),
            (1, "pile of 2 forks".to_owned())
        );
        let big_pile = Config {
            philosophers: 3,
            layout: Layout::Pile { forks: 100 },
            ..Config::default()
        };
        assert_eq!(big_pile.bound(), 3);
    }

    #[test]
    fn strategies_have_names_both_ways() {
        for strategy in Strategy::ALL {
            assert_eq!(Strategy::from_name(strategy.name()), Some(strategy));
            assert_eq!(serde_json::to_value(strategy).unwrap(), strategy.name());
        }
        assert_eq!(Strategy::from_name("nope"), None);
        assert!(!Strategy::ChandyMisra.supports(Layout::Pile { forks: 4 }));
        assert!(Strategy::Naive.supports(Layout::Pile { forks: 4 }));
    }
}

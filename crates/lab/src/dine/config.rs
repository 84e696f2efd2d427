//! The settings of `dine`: the table, the strategies, the limits, and
//! the idea in plain words.

use std::time::Duration;

use serde::Serialize;
use waiter::Policy;

use crate::duration::{self, Range};
use crate::error::Error;
use crate::limits::{Bound, Limit};

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

/// `--philosophers`: each is a thread.
pub const PHILOSOPHERS: Limit<usize> =
    Limit::new("philosophers", MIN_PHILOSOPHERS, MAX_PHILOSOPHERS)
        .because("one philosopher alone has nobody to share forks with");

/// `--forks`: the forks in a pile.
pub const FORKS: Limit<usize> =
    Limit::new("forks", MIN_FORKS, MAX_FORKS).because("a meal takes two forks");

/// `--duration`: how long each strategy dines.
pub const DURATION: Limit<Duration> =
    Limit::new("duration", Duration::JUST_ABOVE_ZERO, MAX_DURATION)
        .because("the philosophers need time to eat");

/// `--slice`: the waiter's time slice.
pub const SLICE: Limit<Duration> = Limit::new("slice", Duration::JUST_ABOVE_ZERO, MAX_DURATION)
    .because("a slice of no time feeds nobody");

/// `--reach`: the moment between the first fork and the second.
pub const REACH: Limit<Duration> = Limit::new("reach", Duration::ZERO, MAX_DURATION);

/// `--think`: the longest think time of its range.
pub const THINK: Limit<Duration> = Limit::new("think", Duration::ZERO, MAX_DURATION);

/// `--eat`: the longest meal of its range.
pub const EAT: Limit<Duration> = Limit::new("eat", Duration::ZERO, MAX_DURATION);

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
    /// Left fork, then right fork: deadlocks. See [`naive`](super::naive).
    Naive,
    /// Lower-numbered fork first. See [`ordered`](super::ordered).
    Ordered,
    /// Both forks at once from a [`waiter::Waiter`]. See [`by_waiter`](super::by_waiter).
    Waiter,
    /// At most ⌊forks/2⌋ + 1 seated (never forks − 1 or more). See [`footman`](super::footman).
    Footman,
    /// Clean and dirty forks passed by messages. See [`chandy_misra`](super::chandy_misra).
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
                "a footman seats only some (⌊forks/2⌋ + 1, fewer than the forks); then left, then right"
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

    /// Why the strategy cannot dine at `layout`, or `None` if it can: the
    /// one place that says it, for the lab's `validate` and the CLI.
    pub fn layout_refusal(self, layout: Layout) -> Option<String> {
        (!self.supports(layout)).then(|| {
            format!(
                "{} needs --table ring: it passes each fork between the two neighbours who share it, and a pile has none",
                self.name()
            )
        })
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

    /// `⌊5/2⌋ = 2`, or at a pile `min(3, ⌊8/2⌋) = 3`: the bound, and
    /// where it comes from, every term written out so that the sum is
    /// right as shown.
    pub fn bound_text(&self) -> String {
        match self.layout {
            Layout::Ring => format!("⌊{}/2⌋ = {}", self.forks(), self.bound()),
            Layout::Pile { forks } => {
                format!("min({}, ⌊{forks}/2⌋) = {}", self.philosophers, self.bound())
            }
        }
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

/// Checks a configuration against its [`Limit`]s, which the CLI's parsers
/// check too, with the same words.
///
/// # Errors
///
/// [`Error::Config`] naming the first value out of range.
pub fn validate(config: &Config) -> Result<(), Error> {
    let bad = |message: String| Err(Error::Config(message));
    PHILOSOPHERS.check(config.philosophers)?;
    if let Layout::Pile { forks } = config.layout {
        FORKS.check(forks)?;
    }
    if config.strategies.is_empty() {
        return bad("no strategy to run".into());
    }
    if let Some(refusal) = config
        .strategies
        .iter()
        .find_map(|s| s.layout_refusal(config.layout))
    {
        return bad(refusal);
    }
    DURATION.check(config.duration)?;
    THINK.check(config.think.max())?;
    EAT.check(config.eat.max())?;
    REACH.check(config.reach)?;
    if let Some(slice) = config.slice {
        SLICE.check(slice)?;
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

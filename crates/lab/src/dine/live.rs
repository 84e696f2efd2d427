//! What a live view sees while the philosophers dine.
//!
//! The experiment never draws: a run calls a [`Live`] as it goes (a run
//! starts, a snapshot of every philosopher's state every
//! [`TICK`], a run ends) and the caller decides what to show. The CLI
//! draws progress bars and each philosopher's state on a terminal and
//! nothing otherwise; tests and the tour pass [`Quiet`].

use std::time::Duration;

use serde::Serialize;

use super::{Config, Outcome, Strategy};

/// How often [`Live::tick`] is called during a run.
pub const TICK: Duration = Duration::from_millis(100);

/// What a philosopher is doing right now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// Not seated yet.
    Waiting,
    /// Thinking: needs no fork.
    Thinking,
    /// Hungry: wants its forks.
    Hungry,
    /// Eating: holds two forks.
    Eating,
    /// Left the table: the run is over for it.
    Left,
}

impl Phase {
    /// `thinking`, `hungry`, …
    pub fn name(self) -> &'static str {
        match self {
            Phase::Waiting => "waiting",
            Phase::Thinking => "thinking",
            Phase::Hungry => "hungry",
            Phase::Eating => "eating",
            Phase::Left => "left",
        }
    }

    pub(crate) fn to_u8(self) -> u8 {
        match self {
            Phase::Waiting => 0,
            Phase::Thinking => 1,
            Phase::Hungry => 2,
            Phase::Eating => 3,
            Phase::Left => 4,
        }
    }

    pub(crate) fn from_u8(value: u8) -> Self {
        match value {
            1 => Phase::Thinking,
            2 => Phase::Hungry,
            3 => Phase::Eating,
            4 => Phase::Left,
            _ => Phase::Waiting,
        }
    }
}

/// The table at one moment of a run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Snapshot {
    /// The strategy running.
    pub strategy: Strategy,
    /// Time since the run started.
    pub elapsed: Duration,
    /// How long the run lasts unless it stops sooner.
    pub duration: Duration,
    /// Each philosopher's phase, P0 first.
    pub phases: Vec<Phase>,
    /// Each philosopher's meals so far.
    pub meals: Vec<u64>,
}

impl Snapshot {
    /// How many are eating now.
    pub fn eating(&self) -> usize {
        self.phases.iter().filter(|&&p| p == Phase::Eating).count()
    }

    /// All meals so far.
    pub fn total_meals(&self) -> u64 {
        self.meals.iter().sum()
    }
}

/// Follows a run as it happens. Every method has an empty default, so a
/// view implements only what it shows. Calls come from the thread that
/// called [`Experiment::run`](crate::Experiment::run), one at a time.
pub trait Live: Send + Sync {
    /// A strategy starts dining.
    fn started(&self, _strategy: Strategy, _config: &Config) {}

    /// The table now (every [`TICK`]).
    fn tick(&self, _snapshot: &Snapshot) {}

    /// A strategy is done.
    fn finished(&self, _outcome: &Outcome) {}
}

/// A view that shows nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct Quiet;

impl Live for Quiet {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_survive_the_atomic_round_trip() {
        for phase in [
            Phase::Waiting,
            Phase::Thinking,
            Phase::Hungry,
            Phase::Eating,
            Phase::Left,
        ] {
            assert_eq!(Phase::from_u8(phase.to_u8()), phase);
            assert_eq!(serde_json::to_value(phase).unwrap(), phase.name());
        }
    }
}

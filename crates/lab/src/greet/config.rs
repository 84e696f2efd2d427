//! The settings of `greet`, its limit, and the idea in plain words.

use std::time::Duration;

use crate::error::Error;
use crate::limits::Limit;

/// The experiment's settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// `complex_calculation` computes the squares of `0..n` (at least 1).
    pub n: u64,
}

impl Default for Config {
    /// `n = 20_000`, as in the note.
    fn default() -> Self {
        Self { n: DEFAULT_N }
    }
}

/// The experiment's id, also its subcommand.
pub const ID: &str = "greet";

/// The experiment's title.
pub const TITLE: &str = "Threads reduce waiting time: ask_user + complex_calculation";

/// The idea, in plain words from the note, to show before the run (the
/// same lines as the report's `explanation`).
pub fn explanation(config: &Config) -> Vec<String> {
    vec![
        "Synchronous code runs one action after the other: the calculation waits until the user has answered.".into(),
        "What's the point of threads? Reduce waiting time: while one thread waits for the user, another one computes.".into(),
        format!(
            "The same two functions (ask for a name; the squares of 0..{}) run three ways, as in the note: one thread; two threads started and joined; a pool of 2 used as a scope (Python's `with ThreadPoolExecutor(max_workers=2)`), whose end waits for both tasks.",
            config.n
        ),
    ]
}

/// The note's `range(20000)`.
pub const DEFAULT_N: u64 = 20_000;

/// `--n`: `complex_calculation` computes the squares of `0..n`.
pub const N: Limit<u64> = Limit::new("n", 1, u64::MAX).because("the squares of 0..0 are no work");

/// `--typing`: how long the scripted user takes to answer; longer is a
/// wait, not a demonstration.
pub const TYPING: Limit<Duration> =
    Limit::new("typing", Duration::ZERO, Duration::from_secs(3_600));

/// Checks the settings.
///
/// # Errors
///
/// [`Error::Config`] if `n` is 0.
pub fn validate(config: &Config) -> Result<(), Error> {
    N.check(config.n)
}

//! The settings of `waiter async`, their limits (the one place they are
//! written) and their check.

use std::path::PathBuf;
use std::time::Duration;

use crate::duration;
use crate::error::Error;
use crate::limits::Limit;

/// The experiment's settings.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// The name the scripted user types in `ask_user`.
    pub name: String,
    /// How long the scripted user takes to type it.
    pub typing: Duration,
    /// How long `complex_calculation` computes without awaiting (its size
    /// is calibrated to this on the machine).
    pub work: Duration,
    /// The heartbeat's period.
    pub tick: Duration,
    /// The cooperative calculation yields after this much computing.
    pub slice: Duration,
    /// How many concurrent sleeps (threads, tokio, mini, asyncio).
    pub sleepers: usize,
    /// How long each of them sleeps.
    pub nap: Duration,
    /// The workers of the pool that runs sleeps as tasks.
    pub pool_workers: usize,
    /// How many sleeps the pool runs (it takes `pool_sleepers / pool_workers`
    /// rounds of `nap`, so it is scaled down to the time budget).
    pub pool_sleepers: usize,
    /// The Python interpreter for the asyncio rows; `None`: not run.
    pub python: Option<PathBuf>,
    /// The asyncio run is stopped after this long.
    pub python_timeout: Duration,
}

impl Default for Config {
    /// The note's numbers where it has some: a user who types for 1.5 s, a
    /// 200 ms calculation, a 1 ms
    /// heartbeat, 10,000 sleeps of 100 ms; the pool runs 640 of them (10
    /// rounds of its 64 workers, 1 s); no CPython (the CLI turns it on).
    fn default() -> Self {
        Self {
            name: "Ana".to_owned(),
            typing: Duration::from_millis(1_500),
            work: Duration::from_millis(200),
            tick: Duration::from_millis(1),
            slice: Duration::from_millis(2),
            sleepers: 10_000,
            nap: Duration::from_millis(100),
            pool_workers: 64,
            pool_sleepers: 640,
            python: None,
            python_timeout: Duration::from_secs(60),
        }
    }
}

/// `typing`.
pub const TYPING: Limit<Duration> = Limit::new("typing", Duration::ZERO, Duration::from_secs(30));
/// `work`: long enough to stand above a 1 ms tick, short enough to wait for.
pub const WORK: Limit<Duration> =
    Limit::new("work", Duration::from_millis(10), Duration::from_secs(10))
        .because("a shorter calculation is lost among the heartbeat's ticks");
/// `tick`.
pub const TICK: Limit<Duration> = Limit::new(
    "tick",
    Duration::from_micros(100),
    Duration::from_millis(100),
);
/// `slice`.
pub const SLICE: Limit<Duration> =
    Limit::new("slice", Duration::from_micros(100), Duration::from_secs(1));
/// `sleepers`: 10,000 threads is what the note's machine handles; more
/// would test the system's thread limit, not async.
pub const SLEEPERS: Limit<usize> = Limit::new("sleepers", 1, 20_000);
/// `nap`.
pub const NAP: Limit<Duration> =
    Limit::new("nap", Duration::from_millis(1), Duration::from_secs(10));
/// `pool_workers`.
pub const POOL_WORKERS: Limit<usize> = Limit::new("pool-workers", 1, 1_024);
/// `pool_sleepers` (also at most `sleepers`).
pub const POOL_SLEEPERS: Limit<usize> = Limit::new("pool-sleepers", 1, 20_000);
/// The pool's rounds (`pool_sleepers / pool_workers`, rounded up) times
/// `nap` stays under this.
pub const POOL_TIME: Duration = Duration::from_secs(60);

/// Checks a configuration; the CLI checks the same [`Limit`]s earlier, and
/// the settings that contradict each other here too.
///
/// # Errors
///
/// [`Error::Config`] naming the setting and what is wrong with it.
pub fn validate(config: &Config) -> Result<(), Error> {
    TYPING.check(config.typing)?;
    WORK.check(config.work)?;
    TICK.check(config.tick)?;
    SLICE.check(config.slice)?;
    NAP.check(config.nap)?;
    SLEEPERS.check(config.sleepers)?;
    POOL_WORKERS.check(config.pool_workers)?;
    POOL_SLEEPERS.check(config.pool_sleepers)?;
    if config.pool_sleepers > config.sleepers {
        return Err(Error::Config(format!(
            "--pool-sleepers ({}) must be at most --sleepers ({})",
            config.pool_sleepers, config.sleepers
        )));
    }
    if config.tick >= config.work {
        return Err(Error::Config(format!(
            "--tick ({}) must be shorter than --work ({}): the heartbeat has to tick during the calculation",
            duration::format(config.tick),
            duration::format(config.work)
        )));
    }
    if config.slice > config.work {
        return Err(Error::Config(format!(
            "--slice ({}) must be at most --work ({})",
            duration::format(config.slice),
            duration::format(config.work)
        )));
    }
    let pool_time = config.nap * rounds(config.pool_sleepers, config.pool_workers);
    if pool_time > POOL_TIME {
        return Err(Error::Config(format!(
            "the pool would sleep for {} ({} sleeps of {} on {} workers); at most {}: fewer --pool-sleepers or more --pool-workers",
            duration::format(pool_time),
            config.pool_sleepers,
            duration::format(config.nap),
            config.pool_workers,
            duration::format(POOL_TIME)
        )));
    }
    if config.python_timeout.is_zero() {
        return Err(Error::Config(
            "the Python timeout must be more than 0".into(),
        ));
    }
    Ok(())
}

/// How many rounds `workers` need for `tasks`.
pub(crate) fn rounds(tasks: usize, workers: usize) -> u32 {
    u32::try_from(tasks.div_ceil(workers.max(1))).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_valid() {
        validate(&Config::default()).unwrap();
    }

    #[test]
    fn every_limit_is_checked_and_named() {
        let bad: [(&str, Config); 9] = [
            (
                "work",
                Config {
                    work: Duration::from_millis(1),
                    ..Config::default()
                },
            ),
            (
                "tick",
                Config {
                    tick: Duration::ZERO,
                    ..Config::default()
                },
            ),
            (
                "slice",
                Config {
                    slice: Duration::from_secs(5),
                    ..Config::default()
                },
            ),
            (
                "nap",
                Config {
                    nap: Duration::ZERO,
                    ..Config::default()
                },
            ),
            (
                "sleepers",
                Config {
                    sleepers: 0,
                    ..Config::default()
                },
            ),
            (
                "sleepers",
                Config {
                    sleepers: 1_000_000,
                    ..Config::default()
                },
            ),
            (
                "pool-workers",
                Config {
                    pool_workers: 0,
                    ..Config::default()
                },
            ),
            (
                "--pool-sleepers",
                Config {
                    pool_sleepers: 20_000,
                    ..Config::default()
                },
            ),
            (
                "typing",
                Config {
                    typing: Duration::from_secs(3_600),
                    ..Config::default()
                },
            ),
        ];
        for (flag, config) in bad {
            let error = validate(&config).unwrap_err().to_string();
            assert!(error.contains(flag), "{flag}: {error}");
        }
    }

    #[test]
    fn settings_that_contradict_each_other_are_refused() {
        let slow_tick = Config {
            tick: Duration::from_millis(50),
            work: Duration::from_millis(20),
            ..Config::default()
        };
        assert!(
            validate(&slow_tick)
                .unwrap_err()
                .to_string()
                .contains("shorter than --work")
        );
        let long_pool = Config {
            pool_sleepers: 10_000,
            pool_workers: 1,
            ..Config::default()
        };
        assert!(
            validate(&long_pool)
                .unwrap_err()
                .to_string()
                .contains("the pool would sleep")
        );
        assert_eq!(rounds(640, 64), 10);
        assert_eq!(rounds(641, 64), 11);
    }
}

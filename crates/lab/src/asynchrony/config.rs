//! The settings of `waiter async`, their limits (the one place they are
//! written) and their check.

use std::path::PathBuf;
use std::time::Duration;

use crate::duration;
use crate::error::Error;

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
    /// The note's numbers where it has some: a 200 ms calculation, a 1 ms
    /// heartbeat, 10,000 sleeps of 100 ms; the pool runs 640 of them (10
    /// rounds of its 64 workers, 1 s); no CPython (the CLI turns it on).
    fn default() -> Self {
        Self {
            name: "Ana".to_owned(),
            typing: Duration::from_millis(1_000),
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

/// The limits of every setting, inclusive: (smallest, largest).
pub mod limits {
    use std::time::Duration;

    /// `typing`.
    pub const TYPING: (Duration, Duration) = (Duration::ZERO, Duration::from_secs(30));
    /// `work`: long enough to stand above a 1 ms tick, short enough to wait for.
    pub const WORK: (Duration, Duration) = (Duration::from_millis(10), Duration::from_secs(10));
    /// `tick`.
    pub const TICK: (Duration, Duration) = (Duration::from_micros(100), Duration::from_millis(100));
    /// `slice`.
    pub const SLICE: (Duration, Duration) = (Duration::from_micros(100), Duration::from_secs(1));
    /// `sleepers`: 10,000 threads is what the note's machine handles; more
    /// would test the system's thread limit, not async.
    pub const SLEEPERS: (usize, usize) = (1, 20_000);
    /// `nap`.
    pub const NAP: (Duration, Duration) = (Duration::from_millis(1), Duration::from_secs(10));
    /// `pool_workers`.
    pub const POOL_WORKERS: (usize, usize) = (1, 1_024);
    /// The pool's rounds (`pool_sleepers / pool_workers`, rounded up) times
    /// `nap` stays under this.
    pub const POOL_TIME: Duration = Duration::from_secs(60);
}

/// Checks a configuration; the CLI rejects the same values earlier, with
/// the same limits.
///
/// # Errors
///
/// [`Error::Config`] naming the setting, its value and its limits.
pub fn validate(config: &Config) -> Result<(), Error> {
    within("--typing", config.typing, limits::TYPING)?;
    within("--work", config.work, limits::WORK)?;
    within("--tick", config.tick, limits::TICK)?;
    within("--slice", config.slice, limits::SLICE)?;
    within("--nap", config.nap, limits::NAP)?;
    count("--sleepers", config.sleepers, limits::SLEEPERS)?;
    count("--pool-workers", config.pool_workers, limits::POOL_WORKERS)?;
    count(
        "--pool-sleepers",
        config.pool_sleepers,
        (1, config.sleepers),
    )?;
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
    if pool_time > limits::POOL_TIME {
        return Err(Error::Config(format!(
            "the pool would sleep for {} ({} sleeps of {} on {} workers); at most {}: fewer --pool-sleepers or more --pool-workers",
            duration::format(pool_time),
            config.pool_sleepers,
            duration::format(config.nap),
            config.pool_workers,
            duration::format(limits::POOL_TIME)
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

fn within(flag: &str, value: Duration, (low, high): (Duration, Duration)) -> Result<(), Error> {
    if value < low || value > high {
        return Err(Error::Config(format!(
            "{flag} must be from {} to {}, not {}",
            duration::format(low),
            duration::format(high),
            duration::format(value)
        )));
    }
    Ok(())
}

fn count(flag: &str, value: usize, (low, high): (usize, usize)) -> Result<(), Error> {
    if value < low || value > high {
        return Err(Error::Config(format!(
            "{flag} must be from {low} to {high}, not {value}"
        )));
    }
    Ok(())
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
                "--work",
                Config {
                    work: Duration::from_millis(1),
                    ..Config::default()
                },
            ),
            (
                "--tick",
                Config {
                    tick: Duration::ZERO,
                    ..Config::default()
                },
            ),
            (
                "--slice",
                Config {
                    slice: Duration::from_secs(5),
                    ..Config::default()
                },
            ),
            (
                "--nap",
                Config {
                    nap: Duration::ZERO,
                    ..Config::default()
                },
            ),
            (
                "--sleepers",
                Config {
                    sleepers: 0,
                    ..Config::default()
                },
            ),
            (
                "--sleepers",
                Config {
                    sleepers: 1_000_000,
                    ..Config::default()
                },
            ),
            (
                "--pool-workers",
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
                "--typing",
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

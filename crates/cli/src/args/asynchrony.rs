//! `waiter async`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use waiter_lab::asynchrony;
use waiter_lab::input::Closed;
use waiter_lab::script::DEFAULT_PYTHON;

use super::Output;
use super::parse;
use crate::commands::Planned;

/// `waiter async`.
#[derive(Debug, Args)]
pub(crate) struct AsyncArgs {
    /// The name the scripted user types for ask_user (async code cannot
    /// wait for a terminal without a thread, so the user is scripted)
    /// [default: Ana].
    #[arg(long, value_name = "NAME")]
    pub(crate) name: Option<String>,

    /// How long the scripted user takes to answer, e.g. 1.5s, 300ms
    /// [default: 1.5s].
    #[arg(long, value_name = "DURATION", value_parser = parse_typing, allow_hyphen_values = true)]
    pub(crate) typing: Option<Duration>,

    /// How long complex_calculation computes without awaiting (its size is
    /// calibrated to this here) [default: 200ms].
    #[arg(long, value_name = "DURATION", value_parser = parse_work, allow_hyphen_values = true)]
    pub(crate) work: Option<Duration>,

    /// The heartbeat's period [default: 1ms].
    #[arg(long, value_name = "DURATION", value_parser = parse_tick, allow_hyphen_values = true)]
    pub(crate) tick: Option<Duration>,

    /// The cooperative calculation yields after this much computing
    /// [default: 2ms].
    #[arg(long, value_name = "DURATION", value_parser = parse_slice, allow_hyphen_values = true)]
    pub(crate) slice: Option<Duration>,

    /// Concurrent sleeps, as threads and as tokio, mini and asyncio tasks
    /// [default: 10000].
    #[arg(long, value_name = "N", value_parser = parse_sleepers, allow_negative_numbers = true)]
    pub(crate) sleepers: Option<usize>,

    /// How long each sleep lasts [default: 100ms].
    #[arg(long, value_name = "DURATION", value_parser = parse_nap, allow_hyphen_values = true)]
    pub(crate) nap: Option<Duration>,

    /// The workers of the pool that runs sleeps as tasks [default: 64].
    #[arg(long, value_name = "N", value_parser = parse_pool_workers, allow_negative_numbers = true)]
    pub(crate) pool_workers: Option<usize>,

    /// How many sleeps the pool runs: it sleeps on its workers, a round at
    /// a time, so fewer than --sleepers [default: 640, 10 rounds].
    #[arg(long, value_name = "N", value_parser = parse_pool_sleepers, allow_negative_numbers = true)]
    pub(crate) pool_sleepers: Option<usize>,

    /// The Python interpreter for the asyncio rows; if it cannot run, those
    /// rows say "not run", and why.
    #[arg(long, value_name = "PATH", default_value = DEFAULT_PYTHON)]
    pub(crate) python: PathBuf,

    /// Where the report goes besides the terminal.
    #[command(flatten)]
    pub(crate) output: Output,
}

impl AsyncArgs {
    /// The experiment's config: the defaults, with what was given.
    pub(crate) fn config(&self) -> asynchrony::Config {
        let defaults = asynchrony::Config::default();
        asynchrony::Config {
            name: self.name.clone().unwrap_or(defaults.name),
            typing: self.typing.unwrap_or(defaults.typing),
            work: self.work.unwrap_or(defaults.work),
            tick: self.tick.unwrap_or(defaults.tick),
            slice: self.slice.unwrap_or(defaults.slice),
            sleepers: self.sleepers.unwrap_or(defaults.sleepers),
            nap: self.nap.unwrap_or(defaults.nap),
            pool_workers: self.pool_workers.unwrap_or(defaults.pool_workers),
            pool_sleepers: self
                .pool_sleepers
                .unwrap_or(defaults.pool_sleepers)
                .min(self.sleepers.unwrap_or(defaults.sleepers)),
            python: Some(self.python.clone()),
            python_timeout: defaults.python_timeout,
        }
    }

    /// Checks what no single value parser can see (the tick against the
    /// work, the pool's time), with the lab's own words.
    pub(crate) fn check(&self) -> Result<(), String> {
        if let (Some(asked), Some(sleepers)) = (self.pool_sleepers, self.sleepers)
            && asked > sleepers
        {
            return Err(format!(
                "--pool-sleepers ({asked}) must be at most --sleepers ({sleepers})"
            ));
        }
        asynchrony::validate(&self.config()).map_err(|error| match error {
            waiter_lab::Error::Config(words) => words,
            other => other.to_string(),
        })
    }

    /// The experiment, ready to run.
    pub(crate) fn plan(self) -> Planned {
        Planned {
            experiment: Box::new(self.config()),
            input: Arc::new(Closed),
            output: self.output,
            status_line: true,
        }
    }
}

fn parse_typing(text: &str) -> Result<Duration, String> {
    parse::duration(text, &asynchrony::TYPING)
}

fn parse_work(text: &str) -> Result<Duration, String> {
    parse::duration(text, &asynchrony::WORK)
}

fn parse_tick(text: &str) -> Result<Duration, String> {
    parse::duration(text, &asynchrony::TICK)
}

fn parse_slice(text: &str) -> Result<Duration, String> {
    parse::duration(text, &asynchrony::SLICE)
}

fn parse_nap(text: &str) -> Result<Duration, String> {
    parse::duration(text, &asynchrony::NAP)
}

fn parse_sleepers(text: &str) -> Result<usize, String> {
    parse::count(text, &asynchrony::SLEEPERS)
}

fn parse_pool_workers(text: &str) -> Result<usize, String> {
    parse::count(text, &asynchrony::POOL_WORKERS)
}

fn parse_pool_sleepers(text: &str) -> Result<usize, String> {
    parse::count(text, &asynchrony::POOL_SLEEPERS)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use crate::args::{Cli, Command};

    fn parse(args: &[&str]) -> Result<super::AsyncArgs, String> {
        let cli = Cli::try_parse_from([&["waiter", "async"], args].concat())
            .map_err(|e| e.to_string())?;
        match cli.command {
            Some(Command::Async(args)) => {
                args.check()?;
                Ok(args)
            }
            _ => unreachable!(),
        }
    }

    #[test]
    fn the_defaults_are_the_labs() {
        let config = parse(&[]).unwrap().config();
        assert_eq!(
            config,
            waiter_lab::asynchrony::Config {
                python: Some("python3".into()),
                ..waiter_lab::asynchrony::Config::default()
            }
        );
    }

    #[test]
    fn fewer_sleepers_cap_the_pools_default() {
        let config = parse(&["--sleepers", "100"]).unwrap().config();
        assert_eq!(config.pool_sleepers, 100);
    }

    #[test]
    fn values_are_checked_against_the_labs_limits() {
        let error = parse(&["--tick", "50us"]).unwrap_err();
        assert!(error.contains("must be from 100us to 100ms"), "{error}");
        let error = parse(&["--tick", "20ms", "--work", "10ms"]).unwrap_err();
        assert!(error.contains("shorter than --work"), "{error}");
        let error = parse(&["--pool-sleepers", "50", "--sleepers", "10"]).unwrap_err();
        assert!(error.contains("at most --sleepers (10)"), "{error}");
    }
}

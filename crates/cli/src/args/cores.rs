//! `waiter cores`.

use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use waiter_lab::cores;
use waiter_lab::input::Closed;

use super::Output;
use super::parse;
use crate::commands::Planned;

/// `waiter cores`.
#[derive(Debug, Args)]
pub(crate) struct CoresArgs {
    /// Thread counts k to run, comma-separated, e.g. 1,2,3 (k = 1 always
    /// runs: it is the speed-up's baseline) [default: 1, 2, 4, … up to
    /// 4 × the CPUs].
    #[arg(long, value_name = "LIST", value_parser = parse_thread_list, allow_hyphen_values = true)]
    pub(crate) threads: Option<ThreadList>,

    /// Each thread's work: what one thread alone does in this much CPU
    /// time (calibrated once, then the same count of rounds for every
    /// thread).
    #[arg(long, value_name = "DURATION", default_value = "100ms", value_parser = parse_work, allow_hyphen_values = true)]
    pub(crate) work: Duration,

    /// How often the timelines sample each thread's CPU clock.
    #[arg(long, value_name = "DURATION", default_value = "1ms", value_parser = parse_sample, allow_hyphen_values = true)]
    pub(crate) sample: Duration,

    /// Thread starts to time (start + join).
    #[arg(long, value_name = "N", default_value_t = cores::DEFAULT_THREAD_STARTS, value_parser = parse_thread_starts, allow_negative_numbers = true)]
    pub(crate) thread_starts: usize,

    /// Process starts to time (this binary re-run as a no-op, then waited
    /// for).
    #[arg(long, value_name = "N", default_value_t = cores::DEFAULT_PROCESS_STARTS, value_parser = parse_process_starts, allow_negative_numbers = true)]
    pub(crate) process_starts: usize,

    /// Round trips to time: pool tasks, and messages between threads and
    /// between processes.
    #[arg(long, value_name = "N", default_value_t = cores::DEFAULT_ROUND_TRIPS, value_parser = parse_round_trips, allow_negative_numbers = true)]
    pub(crate) round_trips: usize,

    /// Runs per thread count; each row is the fastest (the one least
    /// disturbed by the rest of the machine).
    #[arg(long, value_name = "N", default_value_t = cores::DEFAULT_REPEATS, value_parser = parse_repeats, allow_negative_numbers = true)]
    pub(crate) repeats: usize,

    /// Where the report goes besides the terminal.
    #[command(flatten)]
    pub(crate) output: Output,
}

/// `--threads`: thread counts, sorted, without duplicates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ThreadList(pub(crate) Vec<usize>);

impl CoresArgs {
    /// The experiment's config.
    pub(crate) fn config(&self) -> cores::Config {
        let defaults = cores::Config::default();
        cores::Config {
            threads: self
                .threads
                .as_ref()
                .map_or(defaults.threads, |list| list.0.clone()),
            work: self.work,
            sample: self.sample,
            thread_starts: self.thread_starts,
            process_starts: self.process_starts,
            round_trips: self.round_trips,
            repeats: self.repeats,
        }
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

fn parse_thread_list(text: &str) -> Result<ThreadList, String> {
    parse::not_an_option(text)?;
    cores::parse_threads(text).map(ThreadList)
}

fn parse_work(text: &str) -> Result<Duration, String> {
    parse::duration(text, &cores::WORK)
}

fn parse_sample(text: &str) -> Result<Duration, String> {
    parse::duration(text, &cores::SAMPLE)
}

fn parse_thread_starts(text: &str) -> Result<usize, String> {
    parse::count(text, &cores::THREAD_STARTS)
}

fn parse_process_starts(text: &str) -> Result<usize, String> {
    parse::count(text, &cores::PROCESS_STARTS)
}

fn parse_round_trips(text: &str) -> Result<usize, String> {
    parse::count(text, &cores::ROUND_TRIPS)
}

fn parse_repeats(text: &str) -> Result<usize, String> {
    parse::count(text, &cores::REPEATS)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::args::{Cli, Command};

    #[test]
    fn cores_defaults_are_the_labs() {
        let cli = Cli::try_parse_from(["waiter", "cores"]).unwrap();
        let Some(Command::Cores(args)) = cli.command else {
            panic!("cores parses as cores");
        };
        assert_eq!(args.config(), cores::Config::default());
        let cli = Cli::try_parse_from(["waiter", "cores", "--threads", "3,1"]).unwrap();
        let Some(Command::Cores(args)) = cli.command else {
            panic!("cores parses as cores");
        };
        assert_eq!(args.config().threads, [1, 3]);
        assert_eq!(
            parse_work("0s").unwrap_err(),
            "must be more than 0: the threads need some work"
        );
        assert_eq!(parse_work("2m").unwrap_err(), "must be at most 1m");
        assert_eq!(
            parse_sample("10us").unwrap_err(),
            "must be from 100us to 1s"
        );
        assert!(parse_repeats("101").unwrap_err().contains("at most 100"));
    }
}

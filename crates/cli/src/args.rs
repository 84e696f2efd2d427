//! The command line, declared with clap's derive.
//!
//! Every value is checked here, by a value parser, so a bad value (`--n 0`,
//! `--n x`, `--typing 1.5`) is a usage error: one clear line and exit code
//! 2, before anything runs. What can only fail while running (stdin closed,
//! a file that cannot be written) is the commands' business.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use waiter_lab::{duration, greet, order};

/// The name the unattended default run (plain `waiter`) greets.
pub(crate) const DEFAULT_NAME: &str = "Ana";

/// The typing time of the scripted user, as in the note's ~1.5 s.
pub(crate) const DEFAULT_TYPING: &str = "1.5s";

/// waiter: threads, pools and the note's other ideas, run and measured.
///
/// With no subcommand, runs `greet --name Ana --typing 1.5s`.
#[derive(Debug, Parser)]
#[command(name = "waiter", version, about, long_about = None)]
pub(crate) struct Cli {
    /// The experiment to run.
    #[command(subcommand)]
    pub(crate) command: Option<Command>,
}

/// The experiments.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// ask_user + complex_calculation, on one thread, two threads and a pool
    /// of 2: the total is the sum of the parts, then about the longer one.
    Greet(GreetArgs),
    /// k tasks, R runs: a different finishing order every run, the same
    /// total; then a read-then-write race that loses updates.
    Order(OrderArgs),
}

/// `waiter greet`.
#[derive(Debug, Args)]
pub(crate) struct GreetArgs {
    /// Script the user: answer NAME (after --typing) instead of reading
    /// stdin. Without it, a terminal is asked once per mode, and piped stdin
    /// gives one line per mode.
    #[arg(long, value_name = "NAME")]
    pub(crate) name: Option<String>,

    /// How long the scripted user takes to answer, e.g. 1.5s, 300ms.
    #[arg(
        long,
        value_name = "DURATION",
        default_value = DEFAULT_TYPING,
        value_parser = parse_duration,
        allow_hyphen_values = true,
        requires = "name"
    )]
    pub(crate) typing: Duration,

    /// complex_calculation computes the squares of 0..N.
    #[arg(
        long,
        value_name = "N",
        default_value_t = greet::DEFAULT_N,
        value_parser = parse_n,
        allow_negative_numbers = true
    )]
    pub(crate) n: u64,

    /// Also write the report (measurements, tables, timelines) as JSON to
    /// FILE.
    #[arg(long, value_name = "FILE")]
    pub(crate) json: Option<PathBuf>,
}

impl GreetArgs {
    /// The unattended run of plain `waiter`.
    pub(crate) fn scripted_default() -> Self {
        Self {
            name: Some(DEFAULT_NAME.to_owned()),
            typing: Duration::from_millis(1500),
            n: greet::DEFAULT_N,
            json: None,
        }
    }
}

/// `waiter order`.
#[derive(Debug, Args)]
pub(crate) struct OrderArgs {
    /// Tasks per run (k); task i adds i to the total.
    #[arg(long, value_name = "K", default_value_t = 8, value_parser = parse_tasks, allow_negative_numbers = true)]
    pub(crate) tasks: usize,

    /// How many runs (R) of the k tasks, for each variant.
    #[arg(long, value_name = "R", default_value_t = 5, value_parser = parse_runs, allow_negative_numbers = true)]
    pub(crate) runs: usize,

    /// Each task adds its number this many times, one step at a time.
    #[arg(long, value_name = "STEPS", default_value_t = 1_000, value_parser = parse_steps, allow_negative_numbers = true)]
    pub(crate) steps: u64,

    /// Pool workers [default: one per core].
    #[arg(long, value_name = "W", value_parser = parse_workers, allow_negative_numbers = true)]
    pub(crate) workers: Option<usize>,

    /// Seed for the random work sizes (the interleaving stays the
    /// machine's). Default: a fresh seed, shown in the report.
    #[arg(long, value_name = "SEED", value_parser = parse_seed, allow_negative_numbers = true)]
    pub(crate) seed: Option<u64>,

    /// Also write the report as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    pub(crate) json: Option<PathBuf>,
}

fn parse_duration(text: &str) -> Result<Duration, duration::ParseError> {
    duration::parse(text)
}

/// A whole number in `1..=max`, with messages that say what is wrong.
fn whole_number(text: &str, max: u64) -> Result<u64, String> {
    let trimmed = text.trim();
    if trimmed.starts_with('-') {
        return Err("must be a positive whole number (1 or more)".into());
    }
    let value: u64 = trimmed.parse().map_err(|_| {
        if trimmed.is_empty() {
            "a number is required".to_owned()
        } else if trimmed.bytes().all(|b| b.is_ascii_digit()) {
            format!("too large (at most {max})")
        } else {
            format!("'{trimmed}' is not a whole number")
        }
    })?;
    if value == 0 {
        return Err("must be at least 1".into());
    }
    if value > max {
        return Err(format!("too large (at most {max})"));
    }
    Ok(value)
}

fn to_usize(value: u64) -> Result<usize, String> {
    usize::try_from(value).map_err(|_| "too large for this machine".to_owned())
}

fn parse_n(text: &str) -> Result<u64, String> {
    whole_number(text, u64::MAX).map_err(|e| {
        if e == "must be at least 1" {
            "must be at least 1: the squares of 0..0 are no work".to_owned()
        } else {
            e
        }
    })
}

fn parse_tasks(text: &str) -> Result<usize, String> {
    to_usize(whole_number(text, order::MAX_TASKS as u64)?)
}

fn parse_runs(text: &str) -> Result<usize, String> {
    to_usize(whole_number(text, order::MAX_RUNS as u64)?)
}

fn parse_workers(text: &str) -> Result<usize, String> {
    to_usize(whole_number(text, order::MAX_WORKERS as u64)?)
}

fn parse_steps(text: &str) -> Result<u64, String> {
    whole_number(text, u64::MAX)
}

fn parse_seed(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    if trimmed.starts_with('-') {
        return Err("must be a whole number, 0 or more".into());
    }
    trimmed
        .parse()
        .map_err(|_| format!("'{trimmed}' is not a whole number from 0 to {}", u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn whole_numbers_say_what_is_wrong() {
        assert_eq!(whole_number("3", 10), Ok(3));
        assert_eq!(whole_number("0", 10).unwrap_err(), "must be at least 1");
        assert!(whole_number("-1", 10).unwrap_err().contains("positive"));
        assert!(
            whole_number("x", 10)
                .unwrap_err()
                .contains("not a whole number")
        );
        assert!(whole_number("11", 10).unwrap_err().contains("at most 10"));
        assert!(
            whole_number("99999999999999999999999", 10)
                .unwrap_err()
                .contains("too large")
        );
        assert!(parse_n("0").unwrap_err().contains("no work"));
        assert_eq!(parse_seed("0"), Ok(0));
    }
}

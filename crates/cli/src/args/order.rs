//! `waiter order`.

use std::sync::Arc;

use clap::Args;
use waiter_lab::input::Closed;
use waiter_lab::order;

use super::Output;
use super::parse;
use crate::commands::Planned;

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
    #[arg(long, value_name = "SEED", value_parser = parse::seed, allow_negative_numbers = true)]
    pub(crate) seed: Option<u64>,

    /// Where the report goes besides the terminal.
    #[command(flatten)]
    pub(crate) output: Output,
}

impl OrderArgs {
    /// The experiment's config.
    pub(crate) fn config(&self) -> order::Config {
        let defaults = order::Config::default();
        order::Config {
            tasks: self.tasks,
            runs: self.runs,
            steps: self.steps,
            workers: self.workers.unwrap_or(defaults.workers),
            seed: self.seed,
            ..defaults
        }
    }

    /// The experiment, ready to run.
    pub(crate) fn plan(self) -> Planned {
        Planned {
            experiment: Box::new(self.config()),
            input: Arc::new(Closed),
            output: self.output,
            status_line: false,
        }
    }
}

fn parse_tasks(text: &str) -> Result<usize, String> {
    parse::count(text, &order::TASKS)
}

fn parse_runs(text: &str) -> Result<usize, String> {
    parse::count(text, &order::RUNS)
}

fn parse_workers(text: &str) -> Result<usize, String> {
    parse::count(text, &order::WORKERS)
}

fn parse_steps(text: &str) -> Result<u64, String> {
    parse::whole(text, &order::STEPS)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::args::{Cli, Command};

    #[test]
    fn defaults_and_limits_are_the_labs() {
        let cli = Cli::try_parse_from(["waiter", "order", "--seed", "7"]).unwrap();
        let Some(Command::Order(args)) = cli.command else {
            panic!("order parses as order");
        };
        let config = args.config();
        assert_eq!(
            config,
            order::Config {
                seed: Some(7),
                ..order::Config::default()
            }
        );
        assert_eq!(
            parse_steps(&(order::MAX_STEPS + 1).to_string()).unwrap_err(),
            format!("must be at most {}", order::MAX_STEPS)
        );
        assert_eq!(parse_tasks("0").unwrap_err(), "must be at least 1");
        assert!(parse_workers("1025").unwrap_err().contains("at most 1024"));
        assert_eq!(parse_runs("3"), Ok(3));
    }
}

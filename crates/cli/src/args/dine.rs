//! `waiter dine`.

use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use waiter::Policy;
use waiter_lab::dine::{self, Layout, Strategy};
use waiter_lab::duration::Range;
use waiter_lab::input::Closed;

use super::Output;
use super::parse;
use crate::commands::Planned;

/// `waiter dine`.
///
/// Run-time checks that involve two options (`--forks` without a pile,
/// `--slice` with a strategy that has no waiter) are in [`DineArgs::check`].
#[derive(Debug, Args)]
pub(crate) struct DineArgs {
    /// Philosophers at the table, each a thread (at least 2).
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = parse_philosophers, allow_negative_numbers = true)]
    pub(crate) philosophers: usize,

    /// ring: one fork between each pair of neighbours (the classic). pile:
    /// a shared pile of --forks forks, any two of which make a meal (the
    /// note's "5 philosophers and 2 forks").
    #[arg(long, value_name = "TABLE", default_value = "ring", value_parser = table_parser())]
    pub(crate) table: TableKind,

    /// Forks in the pile, with --table pile [default: 2, as in the note].
    #[arg(long, value_name = "K", value_parser = parse_forks, allow_negative_numbers = true)]
    pub(crate) forks: Option<usize>,

    /// How the philosophers get their forks [default: waiter].
    #[arg(long, value_name = "STRATEGY", value_parser = strategy_parser(), conflicts_with = "compare")]
    pub(crate) strategy: Option<Strategy>,

    /// Run every strategy with the same settings, one after the other, and
    /// compare them in one table.
    #[arg(long)]
    pub(crate) compare: bool,

    /// How long each strategy dines (unless it deadlocks first).
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_run_duration, allow_hyphen_values = true)]
    pub(crate) duration: Duration,

    /// How long a philosopher thinks: a range (1ms..5ms, or 1..5ms) or one
    /// duration.
    #[arg(long, value_name = "RANGE", default_value = "1ms..5ms", value_parser = parse_think, allow_hyphen_values = true)]
    pub(crate) think: Range,

    /// How long a meal takes: a range or one duration.
    #[arg(long, value_name = "RANGE", default_value = "5ms..25ms", value_parser = parse_eat, allow_hyphen_values = true)]
    pub(crate) eat: Range,

    /// The waiter's time slice: a meal longer than this is interrupted, the
    /// forks go back, and the rest is eaten at the next turn [default:
    /// none].
    #[arg(long, value_name = "DURATION", value_parser = parse_slice, allow_hyphen_values = true)]
    pub(crate) slice: Option<Duration>,

    /// Whom the waiter serves first: fifo (arrival order among requests
    /// that share a fork: nobody starves) or greedy (whatever fits).
    #[arg(long, value_name = "POLICY", default_value = "fifo", value_parser = policy_parser())]
    pub(crate) policy: Policy,

    /// The moment between picking up the first fork and reaching the
    /// second (naive, ordered, footman): the longer, the sooner naive
    /// deadlocks.
    #[arg(long, value_name = "DURATION", default_value = "5ms", value_parser = parse_reach, allow_hyphen_values = true)]
    pub(crate) reach: Duration,

    /// Seed for the think and eat times. Default: a fresh seed, shown in
    /// the report.
    #[arg(long, value_name = "SEED", value_parser = parse::seed, allow_negative_numbers = true)]
    pub(crate) seed: Option<u64>,

    /// Where the report goes besides the terminal.
    #[command(flatten)]
    pub(crate) output: Output,

    /// A forced schedule: nobody thinks before the first meal, and each
    /// philosopher pauses after its first fork until every fork is held, so
    /// naive deadlocks every time (for tests and demonstrations).
    #[arg(long, hide = true)]
    pub(crate) forced_deadlock: bool,
}

/// `--table`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TableKind {
    Ring,
    Pile,
}

impl DineArgs {
    /// Checks what no single value parser can see; the message is a usage
    /// error's.
    pub(crate) fn check(&self) -> Result<(), String> {
        if self.table == TableKind::Ring && self.forks.is_some() {
            return Err("--forks is the size of a pile: use it with --table pile (a ring has one fork per philosopher)".into());
        }
        let strategy = self.strategy.unwrap_or(Strategy::Waiter);
        if !self.compare
            && let Some(refusal) = strategy.layout_refusal(self.layout())
        {
            return Err(format!("--strategy {refusal}"));
        }
        if !self.compare && strategy != Strategy::Waiter {
            if self.slice.is_some() {
                return Err(format!(
                    "--slice is the waiter's time slice: use it with --strategy waiter or --compare, not --strategy {}",
                    strategy.name()
                ));
            }
            if self.policy != Policy::Fifo {
                return Err(format!(
                    "--policy is the waiter's: use it with --strategy waiter or --compare, not --strategy {}",
                    strategy.name()
                ));
            }
        }
        Ok(())
    }

    /// The table, with the pile's default of 2 forks.
    pub(crate) fn layout(&self) -> Layout {
        match self.table {
            TableKind::Ring => Layout::Ring,
            TableKind::Pile => Layout::Pile {
                forks: self.forks.unwrap_or(DEFAULT_PILE),
            },
        }
    }

    /// The experiment's config.
    pub(crate) fn config(&self) -> dine::Config {
        let layout = self.layout();
        let strategies = if self.compare {
            Strategy::ALL
                .into_iter()
                .filter(|s| s.supports(layout))
                .collect()
        } else {
            vec![self.strategy.unwrap_or(Strategy::Waiter)]
        };
        dine::Config {
            philosophers: self.philosophers,
            layout,
            strategies,
            duration: self.duration,
            think: self.think,
            eat: self.eat,
            reach: self.reach,
            slice: self.slice,
            policy: self.policy,
            seed: self.seed,
            forced_deadlock: self.forced_deadlock,
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

/// The note's pile: 2 forks.
pub(crate) const DEFAULT_PILE: usize = 2;

fn strategy_parser() -> impl TypedValueParser<Value = Strategy> {
    PossibleValuesParser::new(Strategy::ALL.map(Strategy::name))
        .map(|name| Strategy::from_name(&name).unwrap_or(Strategy::Waiter))
}

fn table_parser() -> impl TypedValueParser<Value = TableKind> {
    PossibleValuesParser::new(["ring", "pile"]).map(|name| match name.as_str() {
        "pile" => TableKind::Pile,
        _ => TableKind::Ring,
    })
}

fn policy_parser() -> impl TypedValueParser<Value = Policy> {
    PossibleValuesParser::new(Policy::ALL.map(Policy::name)).map(|name| {
        name.parse()
            .expect("clap only lets the possible values through")
    })
}

fn parse_philosophers(text: &str) -> Result<usize, String> {
    parse::count(text, &dine::PHILOSOPHERS)
}

fn parse_forks(text: &str) -> Result<usize, String> {
    parse::count(text, &dine::FORKS)
}

fn parse_run_duration(text: &str) -> Result<Duration, String> {
    parse::duration(text, &dine::DURATION)
}

fn parse_slice(text: &str) -> Result<Duration, String> {
    parse::duration(text, &dine::SLICE)
}

fn parse_reach(text: &str) -> Result<Duration, String> {
    parse::duration(text, &dine::REACH)
}

fn parse_think(text: &str) -> Result<Range, String> {
    parse::range(text, &dine::THINK)
}

fn parse_eat(text: &str) -> Result<Range, String> {
    parse::range(text, &dine::EAT)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::args::{Cli, Command};

    fn parse(args: &[&str]) -> DineArgs {
        match Cli::try_parse_from(args).unwrap().command {
            Some(Command::Dine(args)) => args,
            _ => panic!("dine parses as dine"),
        }
    }

    #[test]
    fn dine_defaults_are_the_labs() {
        let args = parse(&["waiter", "dine"]);
        assert_eq!(args.check(), Ok(()));
        assert_eq!(args.config(), dine::Config::default());
    }

    #[test]
    fn dine_compare_runs_what_fits_the_table() {
        let ring = parse(&["waiter", "dine", "--compare"]);
        assert_eq!(ring.config().strategies, Strategy::ALL);
        let pile = parse(&["waiter", "dine", "--compare", "--table", "pile"]);
        assert_eq!(pile.config().strategies.len(), 4);
        assert_eq!(pile.config().layout, Layout::Pile { forks: 2 });
        let greedy = parse(&[
            "waiter",
            "dine",
            "--strategy",
            "ordered",
            "--policy",
            "greedy",
        ]);
        assert!(
            greedy
                .check()
                .unwrap_err()
                .contains("--policy is the waiter's")
        );
        let ring_only = parse(&[
            "waiter",
            "dine",
            "--strategy",
            "chandy-misra",
            "--table",
            "pile",
        ]);
        let refusal = Strategy::ChandyMisra
            .layout_refusal(Layout::Pile { forks: 2 })
            .unwrap();
        assert_eq!(
            ring_only.check().unwrap_err(),
            format!("--strategy {refusal}")
        );
    }

    #[test]
    fn the_cli_and_the_lab_refuse_with_the_same_words() {
        let lab = |config: dine::Config| match dine::validate(&config) {
            Err(waiter_lab::Error::Config(message)) => message,
            other => panic!("{other:?}"),
        };
        let cli = parse_philosophers("1").unwrap_err();
        assert_eq!(
            cli,
            "must be at least 2: one philosopher alone has nobody to share forks with"
        );
        assert_eq!(
            lab(dine::Config {
                philosophers: 1,
                ..dine::Config::default()
            }),
            format!("philosophers {cli}")
        );
        let cli = parse_eat("1ms..2h").unwrap_err();
        assert_eq!(cli, "must be at most 1h");
        assert_eq!(
            lab(dine::Config {
                eat: Range::fixed(Duration::from_secs(7_200)),
                ..dine::Config::default()
            }),
            format!("eat {cli}")
        );
        assert!(parse_forks("1").unwrap_err().contains("a meal takes two"));
        assert!(parse_philosophers("0").unwrap_err().contains("at least 2"));
        assert_eq!(parse_philosophers("5"), Ok(5));
        assert!(
            parse_run_duration("0s")
                .unwrap_err()
                .contains("more than 0")
        );
        assert!(parse_slice("2h").unwrap_err().contains("at most 1h"));
    }
}

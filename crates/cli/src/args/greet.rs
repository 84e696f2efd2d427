//! `waiter greet`.

use std::io::{self, BufReader, IsTerminal};
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use waiter_lab::input::{Lines, Scripted};
use waiter_lab::{Input, greet};

use super::Output;
use super::parse;
use crate::commands::Planned;

/// The typing time of the scripted user, as in the note's ~1.5 s.
pub(crate) const DEFAULT_TYPING: &str = "1.5s";

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
        value_parser = parse_typing,
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

    /// Where the report goes besides the terminal.
    #[command(flatten)]
    pub(crate) output: Output,
}

impl GreetArgs {
    /// The experiment, asking the scripted user, a terminal (once per
    /// mode) or piped stdin (a line per mode).
    pub(crate) fn plan(self) -> Planned {
        let input: Arc<dyn Input> = match &self.name {
            Some(name) => Arc::new(Scripted::new(name.clone(), self.typing)),
            None => {
                let stdin = io::stdin();
                let terminal = stdin.is_terminal();
                Arc::new(Lines::new(BufReader::new(stdin), !terminal))
            }
        };
        Planned {
            experiment: Box::new(greet::Config { n: self.n }),
            input,
            output: self.output,
            status_line: false,
        }
    }
}

fn parse_typing(text: &str) -> Result<Duration, String> {
    parse::duration(text, &greet::TYPING)
}

fn parse_n(text: &str) -> Result<u64, String> {
    parse::whole(text, &greet::N)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::args::{Cli, Command};

    #[test]
    fn the_limits_are_the_labs() {
        assert_eq!(
            parse_n("0").unwrap_err(),
            "must be at least 1: the squares of 0..0 are no work"
        );
        assert!(parse_typing("2h").unwrap_err().contains("at most 1h"));
        let cli = Cli::try_parse_from(["waiter", "greet", "--name", "Bo"]).unwrap();
        let Some(Command::Greet(args)) = cli.command else {
            panic!("greet parses as greet");
        };
        assert_eq!(args.typing, Duration::from_millis(1_500));
        assert_eq!(args.n, greet::DEFAULT_N);
    }
}

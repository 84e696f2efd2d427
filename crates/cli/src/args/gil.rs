//! `waiter gil`.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use waiter_lab::gil::{self, Workload};
use waiter_lab::input::Closed;

use super::Output;
use super::parse;
use crate::commands::Planned;

/// `waiter gil`.
#[derive(Debug, Args)]
pub(crate) struct GilArgs {
    /// Sizes: each workload's sequential run takes about SCALE seconds (0.1
    /// for a quick look); the convoy's time per case scales too.
    #[arg(long, value_name = "SCALE", default_value = "1", value_parser = parse_scale, allow_negative_numbers = true)]
    pub(crate) scale: f64,

    /// The workload: cpu (count primes, twice), io (a blocking wait,
    /// twice), mixed (one of each), or all.
    #[arg(long, value_name = "WORKLOAD", default_value = "all", value_parser = workload_parser())]
    pub(crate) workload: WorkloadChoice,

    /// The Python interpreter for the CPython rows; if it cannot run, those
    /// rows say "not run", and why.
    #[arg(long, value_name = "PATH", default_value = gil::python::DEFAULT_PYTHON)]
    pub(crate) python: PathBuf,

    /// Leave out the convoy measurement.
    #[arg(long)]
    pub(crate) no_convoy: bool,

    /// Where the report goes besides the terminal.
    #[command(flatten)]
    pub(crate) output: Output,
}

/// `--workload`: one, or all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct WorkloadChoice(pub(crate) Option<Workload>);

impl GilArgs {
    /// The experiment's config: processes on (this binary serves as their
    /// worker, see `main`), CPython with `--python`.
    pub(crate) fn config(&self) -> gil::Config {
        gil::Config {
            workloads: self
                .workload
                .0
                .map_or_else(|| Workload::ALL.to_vec(), |w| vec![w]),
            scale: self.scale,
            processes: true,
            python: Some(self.python.clone()),
            convoy: !self.no_convoy,
            ..gil::Config::default()
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

fn workload_parser() -> impl TypedValueParser<Value = WorkloadChoice> {
    let mut names = vec!["all"];
    names.extend(Workload::ALL.map(Workload::name));
    PossibleValuesParser::new(names).map(|name| WorkloadChoice(Workload::from_name(&name)))
}

fn parse_scale(text: &str) -> Result<f64, String> {
    parse::number(text, &gil::SCALE)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::args::{Cli, Command};

    #[test]
    fn gil_runs_processes_and_cpython_by_default() {
        let cli = Cli::try_parse_from(["waiter", "gil"]).unwrap();
        let Some(Command::Gil(args)) = cli.command else {
            panic!("gil parses as gil");
        };
        let config = args.config();
        assert!(config.processes && config.convoy);
        assert_eq!(config.python, Some(PathBuf::from("python3")));
        assert_eq!(config.workloads, Workload::ALL);
        assert_eq!(config.scale, 1.0);
        let cli = Cli::try_parse_from(["waiter", "gil", "--workload", "io"]).unwrap();
        let Some(Command::Gil(args)) = cli.command else {
            panic!("gil parses as gil");
        };
        assert_eq!(args.config().workloads, [Workload::Io]);
        assert_eq!(parse_scale("0.1"), Ok(0.1));
        assert!(parse_scale("0").unwrap_err().contains("at least 0.001"));
        assert!(parse_scale("-1").unwrap_err().contains("at least 0.001"));
        assert!(
            parse_scale("1e-300")
                .unwrap_err()
                .contains("at least 0.001")
        );
        assert!(parse_scale("inf").unwrap_err().contains("not a number"));
        assert!(parse_scale("21").unwrap_err().contains("from 0.001 to 20"));
    }
}

//! The command line, declared with clap's derive: one file per subcommand,
//! each with its value parsers and their tests.
//!
//! Every value is checked here, by a value parser, so a bad value (`--n 0`,
//! `--n x`, `--typing 1.5`) is a usage error: one clear line and exit code
//! 2, before anything runs. The limits themselves are the lab's
//! ([`waiter_lab::limits`]): a parser reads the text ([`parse`]) and asks
//! the experiment's [`Limit`](waiter_lab::limits::Limit), so the CLI and
//! the lab refuse a value with the same words. What can only fail while
//! running (stdin closed, a file that cannot be written) is the commands'
//! business.

mod asynchrony;
mod cores;
mod dine;
mod gil;
mod greet;
mod order;
mod parse;
mod tour;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub(crate) use asynchrony::AsyncArgs;
pub(crate) use cores::CoresArgs;
pub(crate) use dine::DineArgs;
pub(crate) use gil::GilArgs;
pub(crate) use greet::GreetArgs;
pub(crate) use order::OrderArgs;
pub(crate) use tour::{DEFAULT_NAME, DEFAULT_REPORT_DIR, TourArgs};

/// waiter: threads, pools and the note's other ideas, run and measured.
///
/// With no subcommand, runs the tour: every experiment, in the note's
/// order (`waiter tour`).
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
    /// The whole note, in order: greet, async, order, cores, dine and gil at
    /// sizes that take under a minute (--quick: under 15 s), with an HTML
    /// report. The default.
    Tour(TourArgs),
    /// ask_user + complex_calculation, on one thread, two threads and a pool
    /// of 2: the total is the sum of the parts, then about the longer one.
    Greet(GreetArgs),
    /// Async: the note's two functions as tasks on ONE thread (an event
    /// loop); a heartbeat's lag beside a task that never awaits, offloaded
    /// or cooperative; a teaching loop beside tokio and asyncio; 10,000
    /// sleeps as threads and as tasks.
    Async(AsyncArgs),
    /// k tasks, R runs: a different finishing order every run, the same
    /// total; then a read-then-write race that loses updates.
    Order(OrderArgs),
    /// This machine's CPUs and cores; k CPU-bound threads taking turns on
    /// them (time slicing, measured); what threads, processes, a pool and
    /// messages cost.
    Cores(CoresArgs),
    /// The dining philosophers on real threads: a waiter who hands out two
    /// forks at a time (with time slices), and four other strategies, one
    /// of which deadlocks.
    Dine(DineArgs),
    /// The GIL: CPU-bound, I/O-bound and mixed work run sequentially, on
    /// threads, under a simulated GIL, on processes and async, then in real
    /// CPython; the convoy effect; the note's claims next to the numbers.
    Gil(GilArgs),
}

/// Where a report goes besides the terminal: shared by every experiment.
#[derive(Clone, Debug, Default, Args)]
pub(crate) struct Output {
    /// Also write the report (measurements, tables, timelines) as JSON to
    /// FILE.
    #[arg(long, value_name = "FILE")]
    pub(crate) json: Option<PathBuf>,

    /// Also write a self-contained HTML report (tables and timelines, no
    /// network needed) to DIR/index.html, with report.json and trace.json.
    #[arg(long, value_name = "DIR")]
    pub(crate) report: Option<PathBuf>,

    /// Also write the timelines as a Chrome trace (JSON) to FILE: open it
    /// in https://ui.perfetto.dev or chrome://tracing.
    #[arg(long, value_name = "FILE")]
    pub(crate) trace: Option<PathBuf>,
}

impl Cli {
    /// Checks across options, after parsing.
    pub(crate) fn check(&self) -> Result<(), (&'static str, String)> {
        match &self.command {
            Some(Command::Dine(args)) => args.check().map_err(|e| ("dine", e)),
            Some(Command::Async(args)) => args.check().map_err(|e| ("async", e)),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn cross_option_checks_name_their_subcommand() {
        let cli = Cli::try_parse_from(["waiter", "dine", "--forks", "3"]).unwrap();
        let (subcommand, message) = cli.check().unwrap_err();
        assert_eq!(subcommand, "dine");
        assert!(message.contains("--table pile"), "{message}");
        let cli = Cli::try_parse_from(["waiter", "order"]).unwrap();
        assert_eq!(cli.check(), Ok(()));
    }
}

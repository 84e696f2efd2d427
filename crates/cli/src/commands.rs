//! Runs a parsed command: the tour, or one experiment through
//! [`Experiment`], with its input, its outputs and its live view.
//!
//! Every experiment's subcommand runs the same way ([`execute`]): its
//! outputs are tried first (a path that cannot be written is a usage
//! error before anything runs), its intro is printed, it runs with a
//! [`Ctx`] made here (stdout or the terminal's bars, the user's input,
//! this binary, the process's stop signal), and its report is rendered
//! and written.
//!
//! Errors here are runtime errors (stdin closed, a file that cannot be
//! written), returned as `anyhow` errors with context; `main` prints them
//! on one line and exits with 1.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Result;
use waiter_lab::{Ctx, Experiment, Input, Report, Stop};

use crate::args::{Cli, Command, Output, TourArgs};
use crate::live::Bars;
use crate::output::{Sinks, Stdout, print};
use crate::{interrupt, render, tour};

/// An experiment's subcommand, parsed and ready to run.
pub(crate) struct Planned {
    /// The experiment, with the settings given.
    pub(crate) experiment: Box<dyn Experiment>,
    /// Who answers its questions.
    pub(crate) input: Arc<dyn Input>,
    /// Where the report goes besides the terminal.
    pub(crate) output: Output,
    /// Whether a status line (and dine's bars) go to stderr when it is a
    /// terminal; not for experiments that ask the user something.
    pub(crate) status_line: bool,
}

/// Runs what the command line asked for; the exit code on success (130
/// for a run stopped with Ctrl-C).
pub(crate) fn run(cli: Cli) -> Result<ExitCode> {
    let planned = match cli.command {
        None => return tour::run(TourArgs::default()),
        Some(Command::Tour(args)) => return tour::run(args),
        Some(Command::Greet(args)) => args.plan(),
        Some(Command::Async(args)) => args.plan(),
        Some(Command::Order(args)) => args.plan(),
        Some(Command::Cores(args)) => args.plan(),
        Some(Command::Dine(args)) => args.plan(),
        Some(Command::Gil(args)) => args.plan(),
    };
    let stop = interrupt::stop();
    execute(planned, &stop)?;
    // An experiment that ends by itself right after Ctrl-C (the lab
    // stopped what it waited for) still ends as interrupted.
    if stop.requested() {
        print("interrupted\n");
        Ok(ExitCode::from(interrupt::exit_code()))
    } else {
        Ok(ExitCode::SUCCESS)
    }
}

/// Runs one experiment: outputs tried, intro, run, report rendered and
/// written.
pub(crate) fn execute(planned: Planned, stop: &Stop) -> Result<()> {
    let sinks = Sinks::open(&planned.output)?;
    let experiment = &*planned.experiment;
    // One that reports what it measured when stopped is waited for.
    let _interrupts = experiment.reports_when_stopped().then(interrupt::listen);
    print(&render::intro(
        experiment.id(),
        experiment.title(),
        &experiment.explanation(),
    ));
    print("\n");
    // This binary serves the `cores` child and the process pool's workers
    // (see `main`).
    let ctx = Ctx::new(Arc::new(Stdout))
        .with_input(planned.input)
        .with_exe(std::env::current_exe().ok())
        .with_stop(stop.clone());
    let outcome = if planned.status_line {
        with_progress(&format!("waiter {}", experiment.id()), ctx, |ctx| {
            experiment.run(ctx)
        })
    } else {
        experiment.run(&ctx)
    };
    sinks.finish(outcome)
}

/// Runs an experiment with its live lines on stdout and, when stderr is a
/// terminal, a status line (and dine's bars) there.
fn with_progress(
    prefix: &str,
    ctx: Ctx,
    run: impl FnOnce(&Ctx) -> Result<Report, waiter_lab::Error>,
) -> Result<Report, waiter_lab::Error> {
    match Bars::for_stderr() {
        Some(bars) => {
            let bars = Arc::new(bars.with_status(prefix, None));
            let ctx = Ctx {
                console: bars.clone(),
                live: bars.clone(),
                ..ctx
            };
            let outcome = run(&ctx);
            bars.clear();
            outcome
        }
        None => run(&ctx),
    }
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::path::Path;

    use waiter_lab::experiment::{Behaviour, Double};
    use waiter_lab::input::Closed;
    use waiter_lab::report::{Cell, Table};

    use super::*;

    fn planned(double: Double, dir: &Path) -> Planned {
        Planned {
            experiment: Box::new(double),
            input: Arc::new(Closed),
            output: Output {
                json: Some(dir.join("out.json")),
                report: Some(dir.join("folder")),
                trace: Some(dir.join("trace.json")),
            },
            status_line: true,
        }
    }

    fn report() -> Report {
        let mut report = Report::new("double", "A stand-in");
        let mut table = Table::new("numbers", ["what", "how many"]);
        table.push_row(vec![Cell::from("meals"), Cell::Int(3)]);
        report.tables.push(table);
        report
    }

    #[test]
    fn a_finished_run_writes_every_output() {
        let dir = tempfile::tempdir().unwrap();
        execute(
            planned(Double::new(report(), Behaviour::Report), dir.path()),
            &Stop::new(),
        )
        .unwrap();
        let json: Report =
            serde_json::from_str(&fs::read_to_string(dir.path().join("out.json")).unwrap())
                .unwrap();
        assert_eq!(json, report());
        assert!(dir.path().join("trace.json").is_file());
        assert!(dir.path().join("folder/index.html").is_file());
        assert!(dir.path().join("folder/report.json").is_file());
    }

    #[test]
    fn a_failed_run_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let error = execute(
            planned(
                Double::new(report(), Behaviour::Fail("boom".into())),
                dir.path(),
            ),
            &Stop::new(),
        )
        .unwrap_err();
        assert!(error.to_string().contains("boom"), "{error}");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_stopped_run_that_reports_is_written_as_interrupted() {
        let dir = tempfile::tempdir().unwrap();
        let stop = Stop::new();
        stop.request();
        execute(
            planned(Double::new(report(), Behaviour::UntilStopped), dir.path()),
            &stop,
        )
        .unwrap();
        let json: Report =
            serde_json::from_str(&fs::read_to_string(dir.path().join("out.json")).unwrap())
                .unwrap();
        assert_eq!(json.figures["interrupted"], true);
    }

    #[test]
    fn an_output_that_cannot_be_written_is_refused_before_the_run() {
        let dir = tempfile::tempdir().unwrap();
        let double = Double::new(report(), Behaviour::Report);
        let mut planned = planned(double, dir.path());
        planned.output.json = Some(dir.path().join("missing/out.json"));
        let error = execute(planned, &Stop::new()).unwrap_err();
        assert!(error.is::<crate::output::UsageError>(), "{error}");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}

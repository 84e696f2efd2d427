//! Runs a parsed command: build the experiment's config and its input and
//! output, run it, render the report, write the JSON.
//!
//! Errors here are runtime errors (stdin closed, a file that cannot be
//! written), returned as `anyhow` errors with context; `main` prints them
//! on one line and exits with 1.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use std::process::ExitCode;

use anyhow::{Context, Result};
use waiter::trace;
use waiter_lab::console::Stdout;
use waiter_lab::dine::{self, Live, Quiet};
use waiter_lab::export::{self, Page};
use waiter_lab::input::{Lines, Scripted};
use waiter_lab::report::Timeline;
use waiter_lab::{Console, Input, Report, cores, duration, gil, greet, order};

use crate::args::{
    Cli, Command, CoresArgs, DineArgs, GilArgs, GreetArgs, OrderArgs, Output, TourArgs,
};
use crate::live::Bars;
use crate::{render, tour};

/// Runs what the command line asked for; the exit code on success (130
/// for a tour stopped with Ctrl-C).
pub(crate) fn run(cli: Cli) -> Result<ExitCode> {
    // An experiment that ends by itself right after Ctrl-C (the lab stopped
    // what it waited for) still ends as interrupted.
    let done = |result: Result<()>| {
        result.map(|()| {
            if waiter_lab::interrupt::requested() {
                print("interrupted\n");
                ExitCode::from(crate::interrupt::EXIT_CODE)
            } else {
                ExitCode::SUCCESS
            }
        })
    };
    match cli.command {
        Some(Command::Tour(args)) => tour::run(args),
        Some(Command::Greet(args)) => done(run_greet(args)),
        Some(Command::Order(args)) => done(run_order(args)),
        Some(Command::Cores(args)) => done(run_cores(args)),
        Some(Command::Dine(args)) => done(run_dine(args)),
        Some(Command::Gil(args)) => done(run_gil(args)),
        None => tour::run(TourArgs::default()),
    }
}

fn run_greet(args: GreetArgs) -> Result<()> {
    let sinks = Sinks::open(&args.output)?;
    let config = greet::Config { n: args.n };
    let (input, source): (Arc<dyn Input>, &str) = match &args.name {
        Some(name) => (
            Arc::new(Scripted::new(name.clone(), args.typing)),
            "scripted",
        ),
        None => {
            let stdin = io::stdin();
            let terminal = stdin.is_terminal();
            let source = if terminal { "terminal" } else { "stdin" };
            (
                Arc::new(Lines::new(BufReader::new(stdin), !terminal)),
                source,
            )
        }
    };
    print(&render::intro(
        greet::ID,
        greet::TITLE,
        &greet::explanation(&config),
    ));
    print("\n");
    let outcome = greet::run(&config, input, Arc::new(Stdout)).map(|mut report| {
        report.set_figure("input", source);
        if args.name.is_some() {
            report.set_figure("typing_us", duration::micros(args.typing));
        }
        report
    });
    sinks.finish(outcome)
}

fn run_order(args: OrderArgs) -> Result<()> {
    let sinks = Sinks::open(&args.output)?;
    let defaults = order::Config::default();
    let config = order::Config {
        tasks: args.tasks,
        runs: args.runs,
        steps: args.steps,
        workers: args.workers.unwrap_or(defaults.workers),
        seed: args.seed,
        ..defaults
    };
    print(&render::intro(
        order::ID,
        order::TITLE,
        &order::explanation(&config),
    ));
    print("\n");
    sinks.finish(order::run(&config, Arc::new(Stdout)))
}

fn run_cores(args: CoresArgs) -> Result<()> {
    let sinks = Sinks::open(&args.output)?;
    let config = args.config();
    // The process costs re-run this binary as a child (see `child.rs`).
    let exe = std::env::current_exe()
        .context("cannot find the waiter binary to re-run as a child process")?;
    print(&render::intro(
        cores::ID,
        cores::TITLE,
        &cores::explanation(&config),
    ));
    print("\n");
    let outcome = with_progress("waiter cores", |console, _| {
        cores::run(&config, Some(&exe), console)
    });
    sinks.finish(outcome)
}

fn run_dine(args: DineArgs) -> Result<()> {
    let sinks = Sinks::open(&args.output)?;
    // Dine stops at Ctrl-C and reports what it measured: wait for it.
    let _interrupts = crate::interrupt::listen();
    let config = args.config();
    print(&render::intro(
        dine::ID,
        dine::TITLE,
        &dine::explanation(&config),
    ));
    print("\n");
    let outcome = with_progress("waiter dine", |console, live| {
        dine::run(&config, console, live)
    });
    sinks.finish(outcome)
}

fn run_gil(args: GilArgs) -> Result<()> {
    let sinks = Sinks::open(&args.output)?;
    // Gil stops at Ctrl-C and reports what it measured: wait for it.
    let _interrupts = crate::interrupt::listen();
    let config = args.config();
    print(&render::intro(
        gil::ID,
        gil::TITLE,
        &gil::explanation(&config),
    ));
    print("\n");
    let outcome = with_progress("waiter gil", |console, _| gil::run(&config, console));
    sinks.finish(outcome)
}

/// Runs an experiment with its live lines on stdout and, when stderr is a
/// terminal, a status line (and dine's bars) there.
fn with_progress<T>(prefix: &str, run: impl FnOnce(Arc<dyn Console>, &dyn Live) -> T) -> T {
    match Bars::for_stderr() {
        Some(bars) => {
            let bars = Arc::new(bars.with_status(prefix, None));
            let outcome = run(bars.clone(), &*bars);
            bars.clear();
            outcome
        }
        None => run(Arc::new(Stdout), &Quiet),
    }
}

/// Where one experiment's report goes besides the terminal: `--json`,
/// `--report`, `--trace`.
struct Sinks {
    json: Option<OutputFile>,
    report: Option<OutputFolder>,
    trace: Option<OutputFile>,
}

impl Sinks {
    /// Opens every output before the experiment runs, so that a path that
    /// cannot be written is a usage error at once (exit code 2), not a
    /// failure after a long run.
    fn open(output: &Output) -> Result<Self> {
        let json = output
            .json
            .as_deref()
            .map(|path| OutputFile::open(path, "report"))
            .transpose();
        let trace = output
            .trace
            .as_deref()
            .map(|path| OutputFile::open(path, "trace"))
            .transpose();
        let report = output.report.as_deref().map(OutputFolder::open).transpose();
        // Whatever opened is given back if another one failed.
        match (json, report, trace) {
            (Ok(json), Ok(report), Ok(trace)) => Ok(Self {
                json,
                report,
                trace,
            }),
            (json, report, trace) => {
                let mut first = None;
                for error in [
                    json.as_ref().err(),
                    report.as_ref().err(),
                    trace.as_ref().err(),
                ]
                .into_iter()
                .flatten()
                {
                    first.get_or_insert_with(|| format!("{error:#}"));
                }
                Err(UsageError(first.unwrap_or_default()).into())
            }
        }
    }

    /// Renders a finished experiment and writes its files (nothing if it
    /// failed).
    fn finish(self, outcome: Result<Report, waiter_lab::Error>) -> Result<()> {
        let report = outcome?;
        print(&render::results(&report));
        if let Some(json) = self.json {
            let mut text =
                serde_json::to_vec_pretty(&report).context("cannot encode the report")?;
            text.push(b'\n');
            json.write(&text)?;
        }
        if let Some(file) = &self.trace {
            file.write(trace::chrome_json(&report.timelines).as_bytes())?;
            print(&format!(
                "trace: {} (open it in https://ui.perfetto.dev)\n",
                file.path.display()
            ));
        }
        if let Some(folder) = self.report {
            let written = export::write_folder(&folder.path, &Page::single(report))?;
            print(&format!("report: {}\n", written.index.display()));
        }
        Ok(())
    }
}

/// A bad command line found after parsing (an output path that cannot be
/// written): printed as one `error:` line, exit code 2, like clap's own.
#[derive(Debug)]
pub(crate) struct UsageError(String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Writes timelines as a Chrome trace to `path`, whole or not at all.
pub(crate) fn write_trace(path: &Path, timelines: &[Timeline]) -> Result<()> {
    export::replace(path, trace::chrome_json(timelines).as_bytes())
        .with_context(|| format!("cannot write the trace to {}", path.display()))
}

/// Writes to stdout, ignoring a closed pipe (`waiter order | head`).
pub(crate) fn print(text: &str) {
    let mut out = io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// An output file (`--json`, `--trace`), tried *before* the experiment
/// runs so that a path that cannot be written fails at once, not after a
/// long run. Nothing is created until the end: a run that fails or is
/// stopped leaves no empty file, and the file is replaced whole
/// ([`export::replace`]), never left half-written.
struct OutputFile {
    path: PathBuf,
    /// "report" or "trace", for messages.
    what: &'static str,
}

impl OutputFile {
    fn open(path: &Path, what: &'static str) -> Result<Self> {
        let context = || format!("cannot write the {what} to {}", path.display());
        if path.exists() {
            // Opened for writing, not truncated: only a try.
            OpenOptions::new()
                .write(true)
                .open(path)
                .with_context(context)?;
        } else {
            File::create(path).with_context(context)?;
            let _ = fs::remove_file(path);
        }
        Ok(Self {
            path: path.to_owned(),
            what,
        })
    }

    fn write(&self, bytes: &[u8]) -> Result<()> {
        export::replace(&self.path, bytes)
            .with_context(|| format!("cannot write the {} to {}", self.what, self.path.display()))
    }
}

/// The `--report` folder, tried before the experiment runs (made, written
/// to and removed again if it did not exist): it is made for real only
/// when the report is written.
struct OutputFolder {
    path: PathBuf,
}

impl OutputFolder {
    fn open(path: &Path) -> Result<Self> {
        let context = || format!("cannot write the report to {}", path.display());
        if path.exists() && !path.is_dir() {
            return Err(anyhow::anyhow!("it is a file, not a folder")).with_context(context);
        }
        // The outermost folder we make, to remove after the try.
        let made = path
            .ancestors()
            .take_while(|folder| !folder.as_os_str().is_empty() && !folder.exists())
            .last()
            .map(Path::to_path_buf);
        let tried = (|| {
            fs::create_dir_all(path)?;
            let probe = path.join(format!(".waiter-probe-{}", std::process::id()));
            File::create(&probe)?;
            fs::remove_file(&probe)
        })();
        if let Some(made) = made {
            let _ = fs::remove_dir_all(made);
        }
        tried.with_context(context)?;
        Ok(Self {
            path: path.to_owned(),
        })
    }
}

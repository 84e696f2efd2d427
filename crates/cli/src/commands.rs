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
    json: Option<JsonFile>,
    report: Option<PathBuf>,
    trace: Option<PathBuf>,
}

impl Sinks {
    /// Opens the `--json` file at once, so that a path that cannot be
    /// written fails before a long run; the report folder and the trace are
    /// written after the terminal output, and their errors come after it.
    fn open(output: &Output) -> Result<Self> {
        Ok(Self {
            json: output.json.as_deref().map(JsonFile::open).transpose()?,
            report: output.report.clone(),
            trace: output.trace.clone(),
        })
    }

    /// Renders a finished experiment and writes its files; drops the JSON
    /// file if the experiment failed.
    fn finish(self, outcome: Result<Report, waiter_lab::Error>) -> Result<()> {
        let report = match outcome {
            Ok(report) => report,
            Err(error) => {
                if let Some(json) = self.json {
                    json.discard();
                }
                return Err(error.into());
            }
        };
        print(&render::results(&report));
        if let Some(json) = self.json {
            json.write(&report)?;
        }
        let timelines = report.timelines.clone();
        if let Some(dir) = &self.report {
            let written = export::write_folder(dir, &Page::single(report))?;
            print(&format!("\nreport: {}\n", written.index.display()));
        }
        if let Some(path) = &self.trace {
            write_trace(path, &timelines)?;
            print(&format!(
                "trace: {} (open it in https://ui.perfetto.dev)\n",
                path.display()
            ));
        }
        Ok(())
    }
}

/// Writes timelines as a Chrome trace to `path`.
pub(crate) fn write_trace(path: &Path, timelines: &[Timeline]) -> Result<()> {
    fs::write(path, trace::chrome_json(timelines))
        .with_context(|| format!("cannot write the trace to {}", path.display()))
}

/// Writes to stdout, ignoring a closed pipe (`waiter order | head`).
pub(crate) fn print(text: &str) {
    let mut out = io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// The `--json` file, opened *before* the experiment runs so that a path
/// that cannot be written fails at once, not after a long run.
pub(crate) struct JsonFile {
    path: PathBuf,
    file: File,
    /// Whether we created the file (and so may remove it on failure).
    created: bool,
}

impl JsonFile {
    fn open(path: &Path) -> Result<Self> {
        let existed = path.exists();
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .with_context(|| format!("cannot write the report to {}", path.display()))?;
        Ok(Self {
            path: path.to_owned(),
            file,
            created: !existed,
        })
    }

    fn write(mut self, report: &Report) -> Result<()> {
        let context = || format!("cannot write the report to {}", self.path.display());
        let mut text = serde_json::to_vec_pretty(report).with_context(context)?;
        text.push(b'\n');
        self.file.set_len(0).with_context(context)?;
        self.file.write_all(&text).with_context(context)?;
        self.file.flush().with_context(context)?;
        Ok(())
    }

    /// Leaves no empty file behind; a file that existed is left untouched.
    fn discard(self) {
        if self.created {
            drop(self.file);
            let _ = fs::remove_file(&self.path);
        }
    }
}

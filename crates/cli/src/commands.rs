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

use anyhow::{Context, Result};
use waiter_lab::console::Stdout;
use waiter_lab::dine::{self, Quiet};
use waiter_lab::input::{Lines, Scripted};
use waiter_lab::{Input, Report, cores, duration, gil, greet, order};

use crate::args::{Cli, Command, CoresArgs, DineArgs, GilArgs, GreetArgs, OrderArgs};
use crate::live::Bars;
use crate::render;

/// Runs what the command line asked for.
pub(crate) fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Some(Command::Greet(args)) => run_greet(args),
        Some(Command::Order(args)) => run_order(args),
        Some(Command::Cores(args)) => run_cores(args),
        Some(Command::Dine(args)) => run_dine(args),
        Some(Command::Gil(args)) => run_gil(args),
        None => {
            print(&format!(
                "(no subcommand: running `waiter greet --name {} --typing {}`; see `waiter --help`)\n\n",
                crate::args::DEFAULT_NAME,
                crate::args::DEFAULT_TYPING
            ));
            run_greet(GreetArgs::scripted_default())
        }
    }
}

fn run_greet(args: GreetArgs) -> Result<()> {
    let json = args.json.as_deref().map(JsonFile::open).transpose()?;
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
    finish(outcome.map_err(anyhow::Error::from), json)
}

fn run_order(args: OrderArgs) -> Result<()> {
    let json = args.json.as_deref().map(JsonFile::open).transpose()?;
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
    let outcome = order::run(&config, Arc::new(Stdout));
    finish(outcome.map_err(anyhow::Error::from), json)
}

fn run_cores(args: CoresArgs) -> Result<()> {
    let json = args.json.as_deref().map(JsonFile::open).transpose()?;
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
    let outcome = cores::run(&config, Some(&exe), Arc::new(Stdout));
    finish(outcome.map_err(anyhow::Error::from), json)
}

fn run_dine(args: DineArgs) -> Result<()> {
    let json = args.json.as_deref().map(JsonFile::open).transpose()?;
    let config = args.config();
    print(&render::intro(
        dine::ID,
        dine::TITLE,
        &dine::explanation(&config),
    ));
    print("\n");
    // Bars on a terminal; plain lines otherwise.
    let outcome = match Bars::for_stdout() {
        Some(bars) => {
            let bars = Arc::new(bars);
            let outcome = dine::run(&config, bars.clone(), &*bars);
            bars.clear();
            outcome
        }
        None => dine::run(&config, Arc::new(Stdout), &Quiet),
    };
    finish(outcome.map_err(anyhow::Error::from), json)
}

fn run_gil(args: GilArgs) -> Result<()> {
    let json = args.json.as_deref().map(JsonFile::open).transpose()?;
    let config = args.config();
    print(&render::intro(
        gil::ID,
        gil::TITLE,
        &gil::explanation(&config),
    ));
    print("\n");
    let outcome = gil::run(&config, Arc::new(Stdout));
    finish(outcome.map_err(anyhow::Error::from), json)
}

/// Renders a finished experiment and writes its JSON, or drops the JSON
/// file if the experiment failed.
fn finish(outcome: Result<Report>, json: Option<JsonFile>) -> Result<()> {
    match outcome {
        Ok(report) => {
            print(&render::results(&report));
            if let Some(json) = json {
                json.write(&report)?;
            }
            Ok(())
        }
        Err(error) => {
            if let Some(json) = json {
                json.discard();
            }
            Err(error)
        }
    }
}

/// Writes to stdout, ignoring a closed pipe (`waiter order | head`).
fn print(text: &str) {
    let mut out = io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// The `--json` file, opened *before* the experiment runs so that a path
/// that cannot be written fails at once, not after a long run.
struct JsonFile {
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

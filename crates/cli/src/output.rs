//! Where a run's results go besides the terminal, and the terminal itself.
//!
//! [`Sinks`] are an experiment's `--json`, `--report` and `--trace`,
//! tried before it runs and written after; [`print`] and [`write_trace`]
//! are shared by the experiments' subcommands and the tour.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use waiter::trace;
use waiter_lab::Report;
use waiter_lab::console::Console;
use waiter_lab::export::{self, Page};
use waiter_lab::report::Timeline;

use crate::args::Output;
use crate::interrupt;
use crate::render;

/// Where one experiment's report goes besides the terminal: `--json`,
/// `--report`, `--trace`.
pub(crate) struct Sinks {
    json: Option<OutputFile>,
    report: Option<OutputFolder>,
    trace: Option<OutputFile>,
}

impl Sinks {
    /// Opens every output before the experiment runs, so that a path that
    /// cannot be written is a usage error at once (exit code 2), not a
    /// failure after a long run.
    pub(crate) fn open(output: &Output) -> Result<Self> {
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
    pub(crate) fn finish(self, outcome: Result<Report, waiter_lab::Error>) -> Result<()> {
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

/// Writes to stdout. A closed pipe (`waiter tour | head -1`) stops the
/// run, quietly ([`interrupt::output_closed`]): nobody reads the rest.
pub(crate) fn print(text: &str) {
    let mut out = io::stdout().lock();
    let written = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    if written.is_err_and(|error| error.kind() == io::ErrorKind::BrokenPipe) {
        interrupt::output_closed();
    }
}

/// The lab's live lines on stdout, through [`print`].
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Stdout;

impl Console for Stdout {
    fn prompt(&self, text: &str) {
        print(text);
    }
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

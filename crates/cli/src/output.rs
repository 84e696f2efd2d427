//! Where a run's results go besides the terminal, and the terminal itself.
//!
//! [`Sinks`] are an experiment's `--json`, `--report` and `--trace`,
//! tried before it runs and written after; [`print`] and [`write_trace`]
//! are shared by the experiments' subcommands and the tour.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

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
        let opened = (|| {
            let report = output
                .report
                .as_deref()
                .map(OutputFolder::open)
                .transpose()?;
            let made_by_run = report.as_ref().map(|folder| folder.path.as_path());
            let json = output
                .json
                .as_deref()
                .map(|path| OutputFile::open(path, "report", made_by_run))
                .transpose()?;
            let trace = output
                .trace
                .as_deref()
                .map(|path| OutputFile::open(path, "trace", made_by_run))
                .transpose()?;
            let sinks = Self {
                json,
                report,
                trace,
            };
            sinks.refuse_shared_paths()?;
            Ok(sinks)
        })();
        opened.map_err(|error: anyhow::Error| UsageError(format!("{error:#}")).into())
    }

    /// Two outputs at one path would leave only the last one written:
    /// refused before anything runs.
    fn refuse_shared_paths(&self) -> Result<()> {
        let mut taken: Vec<(PathBuf, String)> = Vec::new();
        if let Some(folder) = &self.report {
            for file in [export::INDEX_FILE, export::REPORT_FILE, export::TRACE_FILE] {
                let path = folder.path.join(file);
                taken.push((
                    identity(&path),
                    format!("--report {}", folder.path.display()),
                ));
            }
        }
        for (file, option) in [(&self.json, "--json"), (&self.trace, "--trace")] {
            let Some(file) = file else { continue };
            let id = identity(&file.path);
            if let Some((_, other)) = taken.iter().find(|(taken, _)| *taken == id) {
                anyhow::bail!(
                    "{option} {} and {other} write to the same file: give them different paths",
                    file.path.display()
                );
            }
            taken.push((id, format!("{option} {}", file.path.display())));
        }
        Ok(())
    }

    /// Renders a finished experiment and writes its files (nothing if it
    /// failed).
    pub(crate) fn finish(self, outcome: Result<Report, waiter_lab::Error>) -> Result<()> {
        let report = outcome?;
        print(&render::results(&report));
        // The folder first: a `--json` or `--trace` may go into it.
        if let Some(folder) = &self.report {
            let written = export::write_folder(&folder.path, &Page::single(report.clone()))?;
            print(&format!("report: {}\n", written.index.display()));
        }
        if let Some(json) = self.json {
            let mut text =
                serde_json::to_vec_pretty(&report).context("cannot encode the report")?;
            text.push(b'\n');
            json.write(&text)?;
        }
        if let Some(file) = &self.trace {
            file.write(trace::chrome_json(&report.timelines).as_bytes())?;
            if !file.is_stdout() {
                print(&format!(
                    "trace: {} (open it in https://ui.perfetto.dev)\n",
                    file.path.display()
                ));
            }
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

/// Writes timelines as a Chrome trace to `file`, whole or not at all.
pub(crate) fn write_trace(file: &OutputFile, timelines: &[Timeline]) -> Result<()> {
    file.write(trace::chrome_json(timelines).as_bytes())
}

/// The tour's `--report` folder and `--trace` file, tried before it runs:
/// a usage error (exit code 2) at once, not a failure after every part.
pub(crate) fn open_tour_outputs(
    report: Option<&Path>,
    trace: Option<&Path>,
) -> Result<Option<OutputFile>> {
    let opened = (|| {
        let folder = report.map(OutputFolder::open).transpose()?;
        let trace = trace
            .map(|path| OutputFile::open(path, "trace", report))
            .transpose()?;
        if let (Some(folder), Some(trace)) = (&folder, &trace) {
            let sinks = Sinks {
                json: None,
                report: Some(OutputFolder {
                    path: folder.path.clone(),
                }),
                trace: Some(OutputFile {
                    path: trace.path.clone(),
                    what: trace.what,
                }),
            };
            sinks.refuse_shared_paths()?;
        }
        Ok(trace)
    })();
    opened.map_err(|error: anyhow::Error| UsageError(format!("{error:#}")).into())
}

/// Set when an output is `-` (stdout): the lines meant for people then
/// go to stderr, and stdout holds the file alone, as a pipe expects.
static HUMAN_TO_STDERR: AtomicBool = AtomicBool::new(false);

/// Writes to stdout (stderr when an output is `-`). A closed pipe (`waiter tour | head -1`) stops the
/// run, quietly ([`interrupt::output_closed`]): nobody reads the rest.
pub(crate) fn print(text: &str) {
    if HUMAN_TO_STDERR.load(Ordering::Relaxed) {
        let mut err = io::stderr().lock();
        let _ = err.write_all(text.as_bytes()).and_then(|()| err.flush());
        return;
    }
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
/// stopped leaves no empty file. A regular file is replaced whole, a
/// symbolic link's target is, and a device or a FIFO is written through
/// ([`export::replace`]); `-` is stdout.
pub(crate) struct OutputFile {
    path: PathBuf,
    /// "report" or "trace", for messages.
    what: &'static str,
}

impl OutputFile {
    /// Tries `path`. `made_by_run` is a folder the run itself makes (the
    /// `--report` folder), which need not exist yet.
    pub(crate) fn open(
        path: &Path,
        what: &'static str,
        made_by_run: Option<&Path>,
    ) -> Result<Self> {
        let context = || format!("cannot write the {what} to {}", path.display());
        let file = Self {
            path: path.to_owned(),
            what,
        };
        if file.is_stdout() {
            HUMAN_TO_STDERR.store(true, Ordering::Relaxed);
            return Ok(file);
        }
        if export::names_a_descriptor(path) {
            // Added to at the end (see `export::replace`): tried the same way.
            OpenOptions::new()
                .append(true)
                .open(path)
                .with_context(context)?;
            return Ok(file);
        }
        let target = export::resolve_links(path).with_context(context)?;
        match fs::metadata(&target) {
            Ok(meta) if meta.is_dir() => {
                return Err(anyhow::anyhow!("it is a folder")).with_context(context);
            }
            Ok(meta) if !meta.is_file() => {
                // A device is opened (not truncated) to try it; a FIFO is
                // not: opening it waits for a reader.
                if !is_fifo(&meta) {
                    OpenOptions::new()
                        .write(true)
                        .open(&target)
                        .with_context(context)?;
                }
                return Ok(file);
            }
            Ok(_) => {
                // A file that is not writable is not replaced behind the
                // back of whoever protected it.
                OpenOptions::new()
                    .write(true)
                    .open(&target)
                    .with_context(context)?;
            }
            Err(_) => {}
        }
        let folder = match target.parent() {
            Some(folder) if !folder.as_os_str().is_empty() => folder.to_owned(),
            _ => PathBuf::from("."),
        };
        if made_by_run.is_some_and(|made| identity(made) == identity(&folder)) && !folder.exists() {
            return Ok(file);
        }
        probe_folder(&folder, &target).with_context(context)?;
        Ok(file)
    }

    fn is_stdout(&self) -> bool {
        self.path.as_os_str() == "-"
    }

    fn write(&self, bytes: &[u8]) -> Result<()> {
        let context = || format!("cannot write the {} to {}", self.what, self.path.display());
        if self.is_stdout() {
            let mut out = io::stdout().lock();
            return out
                .write_all(bytes)
                .and_then(|()| out.flush())
                .with_context(context);
        }
        export::replace(&self.path, bytes).with_context(context)
    }
}

/// Whether the folder takes the temporary file a replacement writes: made
/// and removed again. A writable file in a read-only folder fails here,
/// not after the run.
fn probe_folder(folder: &Path, target: &Path) -> io::Result<()> {
    let name = target
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let probe = folder.join(format!(".{name}.{}-probe.tmp", std::process::id()));
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)?;
    fs::remove_file(&probe)
}

#[cfg(unix)]
fn is_fifo(meta: &fs::Metadata) -> bool {
    use std::os::unix::fs::FileTypeExt;
    meta.file_type().is_fifo()
}

#[cfg(not(unix))]
fn is_fifo(_: &fs::Metadata) -> bool {
    false
}

/// What names one file, for telling two outputs at one path apart:
/// links followed, the folder made absolute; `-` is itself.
fn identity(path: &Path) -> PathBuf {
    if path.as_os_str() == "-" {
        return path.to_owned();
    }
    let target = export::resolve_links(path).unwrap_or_else(|_| path.to_owned());
    if let Ok(whole) = fs::canonicalize(&target) {
        return whole;
    }
    let absolute = std::path::absolute(&target).unwrap_or(target);
    match (absolute.parent(), absolute.file_name()) {
        (Some(folder), Some(name)) => identity(folder).join(name),
        _ => absolute,
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

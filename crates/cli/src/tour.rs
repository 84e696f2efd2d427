//! `waiter tour` (and plain `waiter`, and `cargo run --release`): the whole
//! note, in order, with a report folder written after every part.
//!
//! The parts run on a thread of their own (`tour`), which prints each part
//! as it goes. This thread only collects the finished parts, rewrites the
//! report folder after each one, and listens for Ctrl-C: on Ctrl-C it asks
//! the lab to stop (a running CPython baseline is killed), gives the
//! running part a moment to do so (a part that ends whole meanwhile is
//! kept), writes the report of what finished, says so, and ends the process
//! with exit code 130 without waiting any longer. Nothing already measured
//! is lost, and nobody waits for a 10-second measurement after asking to
//! stop. A report folder is never rewritten with no part in it (that would
//! replace the last run's).
//!
//! A report folder that cannot be written is reported once, after the
//! terminal output, as the last line (exit code 1): the tables on the
//! terminal are worth having even then.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};
use crossbeam_channel::{Sender, select, unbounded};
use waiter_lab::export::{self, Page, Section};
use waiter_lab::gil::python::DEFAULT_PYTHON;
use waiter_lab::report::{Cell, Table};
use waiter_lab::tour::{self, Finished, Part, Progress, Size};
use waiter_lab::{Console, Ctx};

use crate::args::{DEFAULT_NAME, DEFAULT_REPORT_DIR, TourArgs};
use crate::interrupt;
use crate::live::Bars;
use crate::output::{Stdout, open_tour_outputs, print, write_trace};
use crate::render;

/// What the tour's thread tells this one.
enum Event {
    Starting(&'static str),
    Finished(Box<Section>, Duration),
    Failed(&'static str, String),
    Done,
}

/// How long the running part has, after Ctrl-C, to stop its child
/// processes (the CPython baseline) before the report is written.
const WIND_DOWN: Duration = Duration::from_secs(2);

/// Runs the tour; the exit code is 130 if Ctrl-C stopped it.
pub(crate) fn run(args: TourArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let report_dir = (!args.no_report).then(|| {
        args.report
            .clone()
            .unwrap_or_else(|| DEFAULT_REPORT_DIR.into())
    });
    let trace_file = open_tour_outputs(report_dir.as_deref(), args.trace.as_deref())?;
    // This binary serves the process pool's workers and the `cores` child
    // (see `main`), so both kinds of process rows can run.
    let exe = std::env::current_exe().ok();
    let processes = exe.is_some();
    let size = if args.quick { Size::Quick } else { Size::Full };
    let config = tour::Config {
        // The lab runs them in the note's order, whatever the order given.
        parts: if args.parts.is_empty() {
            tour::Config::new(size).parts
        } else {
            args.parts
                .iter()
                .filter_map(|id| tour::part(id))
                .map(|part| part.id)
                .collect()
        },
        name: DEFAULT_NAME.to_owned(),
        processes,
        python: Some(args.python.clone().unwrap_or_else(|| DEFAULT_PYTHON.into())),
        size,
    };

    let (events, heard) = unbounded();
    let interrupts = interrupt::listen();

    print(&intro(&config, report_dir.as_ref()));
    let parts = config.parts.len();
    let bars = Bars::for_stderr()
        .map(|bars| Arc::new(bars.with_status("waiter tour", Some(parts as u64))));
    let stop = interrupt::stop();
    let tour_stop = stop.clone();
    let tour_bars = bars.clone();
    thread::Builder::new()
        .name("tour".into())
        .spawn(move || {
            let console: Arc<dyn Console> = match &tour_bars {
                Some(bars) => bars.clone(),
                None => Arc::new(Stdout),
            };
            let mut ctx = Ctx::new(Arc::clone(&console))
                .with_exe(exe)
                .with_stop(tour_stop);
            if let Some(bars) = &tour_bars {
                ctx = ctx.with_live(bars.clone());
            }
            let printer = Printer {
                events: events.clone(),
                parts,
                console: Arc::clone(&console),
                bars: tour_bars.clone(),
            };
            tour::run(&config, &ctx, &printer);
            let _ = events.send(Event::Done);
        })
        .context("cannot start the tour's thread")?;

    let mut page = Page {
        title: tour::TITLE.to_owned(),
        intro: tour::INTRO.iter().map(|&line| line.to_owned()).collect(),
        sections: Vec::new(),
        notes: Vec::new(),
    };
    let mut folder = Folder::new(report_dir);
    let mut summary = Vec::new();
    let mut failures = Vec::new();
    let mut running = None;
    let mut interrupted = false;
    loop {
        let event = select! {
            recv(heard) -> event => match event {
                Ok(event) => event,
                Err(_) => {
                    // The tour's thread ended without saying so: it panicked.
                    failures.push("the tour stopped unexpectedly".to_owned());
                    break;
                }
            },
            recv(interrupts) -> _ => {
                // The handler has requested it already; this says so here.
                stop.request();
                interrupted = true;
                let during = running.map_or_else(String::new, |id| format!(" during the {id} part"));
                // A part that does not watch for Ctrl-C may still end whole.
                if let Some((section, elapsed)) = wind_down(&heard) {
                    summary.push((section.report.id.clone(), Some(elapsed), "done".to_owned()));
                    page.sections.push(*section);
                }
                page.notes.insert(
                    0,
                    format!(
                        "Interrupted (Ctrl-C){during}: this report has the {} part{} that finished.",
                        page.sections.len(),
                        if page.sections.len() == 1 { "" } else { "s" }
                    ),
                );
                folder.write(&page);
                if let Some(bars) = &bars {
                    bars.clear();
                }
                print(&format!("\n\ninterrupted{during}: stopping\n"));
                break;
            }
        };
        match event {
            Event::Starting(id) => running = Some(id),
            Event::Finished(section, elapsed) => {
                summary.push((section.report.id.clone(), Some(elapsed), "done".to_owned()));
                page.sections.push(*section);
                folder.write(&page);
                running = None;
            }
            Event::Failed(id, message) => {
                summary.push((id.to_owned(), None, format!("failed: {message}")));
                page.notes.push(format!("The {id} part failed: {message}"));
                failures.push(format!("{id}: {message}"));
                folder.write(&page);
                running = None;
            }
            Event::Done => break,
        }
    }
    if let Some(bars) = &bars {
        bars.clear();
    }
    print(&ending(&summary, started.elapsed()));
    if let (Some(path), Some(file)) = (&args.trace, &trace_file) {
        let timelines: Vec<_> = page
            .sections
            .iter()
            .flat_map(|section| section.report.timelines.iter().cloned())
            .collect();
        let written = write_trace(file, &timelines);
        if written.is_ok() {
            print(&format!(
                "trace: {} (open it in https://ui.perfetto.dev)\n",
                path.display()
            ));
        }
        folder.remember(written);
    }
    if let Some(written) = &folder.written {
        print(&format!(
            "report: {} (open it in a browser; report.json and trace.json beside it)\n",
            written.display()
        ));
    }
    if interrupted {
        if let Some(error) = folder.error {
            eprintln!("error: {error:#}");
        }
        return Ok(ExitCode::from(interrupt::exit_code()));
    }
    if let Some(error) = folder.error {
        return Err(error);
    }
    if !failures.is_empty() {
        return Err(anyhow!(
            "{} part{} of the tour failed: {}",
            failures.len(),
            if failures.len() == 1 { "" } else { "s" },
            failures.join("; ")
        ));
    }
    Ok(ExitCode::SUCCESS)
}

/// Gives the running part a moment to stop what it started (the lab was
/// asked to stop): until it ends or [`WIND_DOWN`] passes. A part that ended
/// whole all the same (one that does not watch for Ctrl-C) is returned to
/// be kept; one cut short (its report says `interrupted`) is left out.
fn wind_down(heard: &crossbeam_channel::Receiver<Event>) -> Option<(Box<Section>, Duration)> {
    let deadline = Instant::now() + WIND_DOWN;
    while let Ok(event) = heard.recv_deadline(deadline) {
        match event {
            Event::Finished(section, elapsed) => {
                let cut_short = section.report.figures.contains_key("interrupted");
                return (!cut_short).then_some((section, elapsed));
            }
            Event::Failed(..) | Event::Done => return None,
            Event::Starting(_) => {}
        }
    }
    None
}

/// The report folder: rewritten after every part; the first error is kept
/// for the end and no further write is tried.
struct Folder {
    dir: Option<PathBuf>,
    written: Option<PathBuf>,
    error: Option<anyhow::Error>,
}

impl Folder {
    fn new(dir: Option<PathBuf>) -> Self {
        Self {
            dir,
            written: None,
            error: None,
        }
    }

    /// Writes `page`, unless it has no part yet: a folder with nothing in
    /// it would replace the last run's report.
    fn write(&mut self, page: &Page) {
        let Some(dir) = &self.dir else { return };
        if self.error.is_some() || page.sections.is_empty() {
            return;
        }
        match export::write_folder(dir, page) {
            Ok(written) => self.written = Some(written.index),
            Err(error) => self.error = Some(error.into()),
        }
    }

    fn remember(&mut self, result: Result<()>) {
        if let Err(error) = result {
            self.error.get_or_insert(error);
        }
    }
}

/// Prints each part as the tour goes, and tells the main thread.
struct Printer {
    events: Sender<Event>,
    /// How many parts run.
    parts: usize,
    /// Where the parts' text goes (stdout, under the bars if any).
    console: Arc<dyn Console>,
    bars: Option<Arc<Bars>>,
}

impl Progress for Printer {
    fn starting(&self, number: usize, part: &'static Part, title: &str, explanation: &[String]) {
        let _ = self.events.send(Event::Starting(part.id));
        let mut text = format!(
            "\n{}\n{number}/{} · {}\n",
            "═".repeat(render::BAR_WIDTH + 12),
            self.parts,
            part.heading
        );
        for line in part.words {
            text.push_str(&format!("  {line}\n"));
        }
        text.push('\n');
        text.push_str(&render::intro(part.id, title, explanation));
        text.push('\n');
        self.console.prompt(&text);
        if let Some(bars) = &self.bars {
            bars.status(part.heading);
        }
    }

    fn finished(&self, finished: &Finished) {
        self.console.prompt(&render::results(&finished.report));
        if let Some(bars) = &self.bars {
            bars.step();
        }
        let section = Section {
            heading: finished.part.heading.to_owned(),
            words: finished.part.words.iter().map(|&w| w.to_owned()).collect(),
            report: finished.report.clone(),
        };
        let _ = self
            .events
            .send(Event::Finished(Box::new(section), finished.elapsed));
    }

    fn failed(&self, part: &'static Part, error: &waiter_lab::Error) {
        self.console
            .prompt(&format!("\nerror: the {} part failed: {error}\n", part.id));
        if let Some(bars) = &self.bars {
            bars.step();
        }
        let _ = self.events.send(Event::Failed(part.id, error.to_string()));
    }
}

/// What the tour is about to do.
fn intro(config: &tour::Config, report_dir: Option<&PathBuf>) -> String {
    let mut text = format!("waiter tour: {}\n", tour::TITLE);
    for line in tour::INTRO {
        text.push_str(&format!("  {line}\n"));
    }
    let size = match config.size {
        Size::Full => "under a minute; --quick for under 15 s",
        Size::Quick => "quick: under 15 s",
    };
    text.push_str(&format!(
        "  {} parts ({size}); Ctrl-C stops it and keeps what finished",
        config.parts.len()
    ));
    match report_dir {
        Some(dir) => text.push_str(&format!(
            ", in the report at {}.\n",
            dir.join("index.html").display()
        )),
        None => text.push_str(".\n"),
    }
    text
}

/// The summary after the last part.
fn ending(summary: &[(String, Option<Duration>, String)], total: Duration) -> String {
    let mut table = Table::new("the tour", ["part", "time", "outcome"]);
    for (id, elapsed, outcome) in summary {
        let time = elapsed.map_or(Cell::Missing, Cell::from);
        table.push_row(vec![
            Cell::from(id.as_str()),
            time,
            Cell::from(outcome.as_str()),
        ]);
    }
    format!(
        "\n{}\n{}\ntotal: {}\n",
        "═".repeat(render::BAR_WIDTH + 12),
        render::render_table(&table),
        waiter_lab::duration::format(total)
    )
}

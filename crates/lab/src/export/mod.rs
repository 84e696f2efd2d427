//! Reports as a folder anyone can open: an HTML page, the JSON, a trace.
//!
//! People understand concurrency faster by looking at it. A terminal table
//! says that two threads took 1.5 s instead of 3 s; a timeline with one lane
//! per thread *shows* them overlapping. So every experiment (and the tour,
//! which chains them) can be turned into a folder that opens offline, on any
//! machine, without the lab:
//!
//! - `index.html`: one self-contained page (inline styles, inline SVG
//!   plots and timelines, one inline script, nothing fetched from the
//!   network) with the explanation, a [`plot`] of each comparison, the
//!   tables, each timeline (zoomable where scripts run, a static picture
//!   where not), the conclusions and the raw figures of every report;
//! - `report.json`: the reports themselves, a JSON array, to compare runs
//!   or plot them elsewhere;
//! - `trace.json`: every timeline in the Chrome trace event format, to zoom
//!   and search in [Perfetto](https://ui.perfetto.dev) or `chrome://tracing`.
//!
//! A [`Page`] is what is shown: a title, a few lines of introduction, notes
//! that must not be missed (a run that was interrupted), and one [`Section`]
//! per experiment. [`html()`] renders a page and never touches the disk, so
//! it is tested on hand-built reports; [`write_folder`] writes the three
//! files. Each file is written under a temporary name and then renamed, so
//! the folder can be rewritten after every finished part of a long run: a
//! reader (or a Ctrl-C) never sees half a file, only the previous version
//! or the new one.
//!
//! ```
//! use std::time::Duration;
//! use waiter_lab::export::{self, Page};
//! use waiter_lab::report::{Cell, Lane, Report, Span, State, Table, Timeline};
//!
//! let mut report = Report::new("greet", "Waiting for the user");
//! report.explanation.push("Threads reduce waiting time.".into());
//! let mut table = Table::new("totals", ["mode", "total"]);
//! table.push_row(vec![Cell::from("sequential"), Cell::from(Duration::from_millis(1500))]);
//! report.tables.push(table);
//! report.timelines.push(Timeline {
//!     title: "sequential".into(),
//!     lanes: vec![Lane {
//!         name: "main".into(),
//!         spans: vec![Span { state: State::WaitingIo, start_us: 0, end_us: 1_000, label: None }],
//!     }],
//! });
//! report.conclusions.push("The total is the sum of the parts.".into());
//!
//! let page = Page::single(report);
//! let html = export::html(&page);
//! assert!(html.starts_with("<!DOCTYPE html>"));
//! assert!(html.contains("<svg"));
//!
//! let dir = tempfile::tempdir()?;
//! let written = export::write_folder(&dir.path().join("greet"), &page)?;
//! assert!(written.index.ends_with("index.html"));
//! assert!(std::fs::read_to_string(&written.trace)?.contains("traceEvents"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod folder;
mod html;
pub mod plot;

#[cfg(test)]
mod tests;

pub use folder::{Written, names_a_descriptor, replace, resolve_links, write_folder};
pub use html::html;

use crate::Report;

/// The page's file name in the folder.
pub const INDEX_FILE: &str = "index.html";
/// The reports' file name in the folder: a JSON array of [`Report`]s.
pub const REPORT_FILE: &str = "report.json";
/// The trace's file name in the folder: Chrome trace event format.
pub const TRACE_FILE: &str = "trace.json";

/// One page: the tour (many sections) or one experiment (one section).
///
/// ```
/// use waiter_lab::export::{Page, Section};
/// use waiter_lab::Report;
///
/// let mut page = Page::new("The tour");
/// page.intro.push("Every idea of the note, one after the other.".into());
/// page.notes.push("Interrupted during gil: the parts before it are complete.".into());
/// page.sections.push(Section::new("1. Waiting for the user", Report::new("greet", "greet")));
/// assert_eq!(page.sections.len(), 1);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Page {
    /// The page's title, also the browser tab's.
    pub title: String,
    /// A few lines under the title: what the page is about.
    pub intro: Vec<String>,
    /// One part per experiment, in order.
    pub sections: Vec<Section>,
    /// Lines that must not be missed, shown prominently at the top, such
    /// as "Interrupted during gil: the parts before it are complete."
    pub notes: Vec<String>,
}

impl Page {
    /// An empty page with a title.
    pub fn new(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            ..Self::default()
        }
    }

    /// A page for one experiment: one section, headed by the report's
    /// title, without further words.
    ///
    /// ```
    /// use waiter_lab::export::Page;
    /// use waiter_lab::Report;
    ///
    /// let page = Page::single(Report::new("order", "A different order every run"));
    /// assert_eq!(page.title, "A different order every run");
    /// assert_eq!(page.sections[0].heading, page.title);
    /// assert!(page.sections[0].words.is_empty());
    /// ```
    pub fn single(report: Report) -> Self {
        Self {
            title: report.title.clone(),
            intro: Vec::new(),
            sections: vec![Section::new(report.title.clone(), report)],
            notes: Vec::new(),
        }
    }

    /// Every timeline of every section, in order.
    fn timelines(&self) -> impl Iterator<Item = &crate::report::Timeline> {
        self.sections
            .iter()
            .flat_map(|section| &section.report.timelines)
    }
}

/// One part of a page: a heading, a few lines of the note's ideas in plain
/// words, and the experiment's report.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Section {
    /// The part's heading, also its entry in the table of contents.
    pub heading: String,
    /// The note's ideas behind the experiment, in plain words, one
    /// paragraph each; shown before the report's own explanation.
    pub words: Vec<String>,
    /// What the experiment measured.
    pub report: Report,
}

impl Section {
    /// A section without words.
    pub fn new(heading: impl Into<String>, report: Report) -> Self {
        Self {
            heading: heading.into(),
            words: Vec::new(),
            report,
        }
    }
}

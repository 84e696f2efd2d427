//! What an experiment hands back: a [`Report`] anyone can render or export.
//!
//! The experiments measure; they do not decide how results look. A report
//! is plain data (serde, so `--json` is one call) with the parts every
//! experiment of the note needs:
//!
//! - **explanation**: the note's idea in plain words, before the numbers;
//! - **tables**: titled, with column names and rows of typed [`Cell`]s, so
//!   a renderer can align numbers and print durations in a fitting unit;
//! - **timelines**: one [`Lane`] per thread or actor, each a list of
//!   [`Span`]s in a [`State`] (running, waiting for I/O, blocked…), in
//!   microseconds from the start of what is measured; this is how "the two
//!   threads overlap" becomes visible. These types and the [`Recorder`]
//!   that fills them live in the library, [`waiter::trace`], and are
//!   re-exported here;
//! - **conclusions**: what the numbers say, in plain words, computed from
//!   this run (not canned);
//! - **figures**: the raw measurements, free-form JSON per experiment.
//!
//! Renderers (terminal tables in the CLI; SVG pictures of timelines from
//! [`waiter::trace::svg()`], Chrome traces for Perfetto from
//! [`waiter::trace::chrome_json`]) read a report and never run anything,
//! so they can be tested on hand-built reports.
//!
//! ```
//! use std::time::Duration;
//! use waiter_lab::report::{Cell, Report, Table};
//!
//! let mut table = Table::new("greet", ["mode", "total"]);
//! table.push_row(vec![Cell::from("sequential"), Cell::from(Duration::from_millis(1500))]);
//! let mut report = Report::new("greet", "Waiting for the user");
//! report.tables.push(table);
//!
//! let json = serde_json::to_string(&report).unwrap();
//! let back: Report = serde_json::from_str(&json).unwrap();
//! assert_eq!(back, report);
//! assert_eq!(back.tables[0].rows[0][1], Cell::Micros(1_500_000));
//! ```

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::duration;

pub use waiter::trace::{Lane, Recorder, Span, State, Timeline};

/// The version of the report's JSON shape, written as `schema_version`
/// in every report. A new version only adds keys: whatever read an older
/// report reads a newer one. Reports written before versions have none
/// (read as 0).
pub const SCHEMA_VERSION: u32 = 1;

/// The result of one experiment.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The version of this JSON shape ([`SCHEMA_VERSION`]); 0 for a
    /// report written before versions.
    #[serde(default)]
    pub schema_version: u32,
    /// The experiment's id, also its CLI subcommand: `greet`, `order`.
    pub id: String,
    /// A one-line title.
    pub title: String,
    /// The idea being shown, in plain words from the note, one line each.
    pub explanation: Vec<String>,
    /// Result tables.
    pub tables: Vec<Table>,
    /// Who did what when, per thread.
    pub timelines: Vec<Timeline>,
    /// What this run's numbers say, in plain words, one line each.
    pub conclusions: Vec<String>,
    /// Raw measurements and the settings used, free-form per experiment.
    pub figures: BTreeMap<String, serde_json::Value>,
}

impl Report {
    /// An empty report with an id and a title.
    pub fn new(id: impl Into<String>, title: impl Into<String>) -> Self {
        Self {
            schema_version: SCHEMA_VERSION,
            id: id.into(),
            title: title.into(),
            ..Self::default()
        }
    }

    /// The table with this [id](Table::id).
    pub fn table(&self, id: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.id == id)
    }

    /// Stores a figure; any serde value goes (numbers, lists, structs).
    ///
    /// # Panics
    ///
    /// If `value`'s `Serialize` implementation fails, which the plain data
    /// types experiments store (numbers, strings, vectors, derived structs)
    /// never do.
    pub fn set_figure(&mut self, name: &str, value: impl Serialize) {
        let value = serde_json::to_value(value).expect("figures are plain data");
        self.figures.insert(name.to_owned(), value);
    }
}

/// A titled table of typed cells.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Table {
    /// A short, stable name to find the table by ([`Report::table`]), which
    /// does not change when its title's wording does: `costs`, `convoy`.
    /// [`Table::new`] starts it as the title; [`Table::with_id`] names it.
    #[serde(default)]
    pub id: String,
    /// What the table shows.
    pub title: String,
    /// Column names.
    pub columns: Vec<String>,
    /// Rows, each as long as `columns`.
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// An empty table.
    pub fn new<S: Into<String>>(
        title: impl Into<String>,
        columns: impl IntoIterator<Item = S>,
    ) -> Self {
        let title = title.into();
        Self {
            id: title.clone(),
            title,
            columns: columns.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    /// The same table, found by `id`.
    #[must_use]
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = id.into();
        self
    }

    /// Appends a row.
    ///
    /// # Panics
    ///
    /// If the row does not have one cell per column (a bug in the
    /// experiment, caught by its tests).
    pub fn push_row(&mut self, row: Vec<Cell>) {
        assert_eq!(
            row.len(),
            self.columns.len(),
            "table '{}': a row needs one cell per column",
            self.title
        );
        self.rows.push(row);
    }
}

/// One table cell, typed so renderers can format and align it.
///
/// Serialised with its kind as the key: `{"text": "sequential"}`,
/// `{"micros": 1500000}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cell {
    /// Words.
    Text(String),
    /// A whole number (counts, totals).
    Int(i64),
    /// A ratio or another measured number, shown with two decimals.
    Float(f64),
    /// A duration in microseconds, shown in a fitting unit.
    Micros(u64),
    /// A duration in nanoseconds, for costs below a few microseconds (a
    /// pool round trip), shown in a fitting unit.
    Nanos(u64),
    /// A number this row does not have (no wait ended, nobody ate), shown
    /// as `—`. Serialised as the string `"missing"`.
    Missing,
}

impl Cell {
    /// The cell as people read it: durations in a fitting unit, floats with
    /// two decimals.
    pub fn display(&self) -> String {
        match self {
            Cell::Text(text) => text.clone(),
            Cell::Int(n) => n.to_string(),
            Cell::Float(x) => format!("{x:.2}"),
            Cell::Micros(us) => duration::format(Duration::from_micros(*us)),
            Cell::Nanos(ns) => duration::format(Duration::from_nanos(*ns)),
            Cell::Missing => "—".to_owned(),
        }
    }

    /// Whether the cell holds a number, or stands for a missing one
    /// (renderers align those right).
    pub fn is_numeric(&self) -> bool {
        !matches!(self, Cell::Text(_))
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Self {
        Cell::Text(text.to_owned())
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Self {
        Cell::Text(text)
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Self {
        Cell::Int(n)
    }
}

impl From<u64> for Cell {
    /// Saturates at `i64::MAX`.
    fn from(n: u64) -> Self {
        Cell::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

impl From<usize> for Cell {
    /// Saturates at `i64::MAX`.
    fn from(n: usize) -> Self {
        Cell::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

impl From<f64> for Cell {
    fn from(x: f64) -> Self {
        Cell::Float(x)
    }
}

impl From<Duration> for Cell {
    fn from(duration: Duration) -> Self {
        Cell::Micros(duration::micros(duration))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> Report {
        let mut report = Report::new("greet", "Waiting for the user");
        report
            .explanation
            .push("Threads reduce waiting time.".into());
        let mut table = Table::new("times", ["mode", "count", "ratio", "total"]);
        table.push_row(vec![
            "sequential".into(),
            Cell::from(3u64),
            Cell::from(0.5),
            Cell::from(Duration::from_millis(2)),
        ]);
        report.tables.push(table);
        report.timelines.push(Timeline {
            title: "t".into(),
            lanes: vec![Lane {
                name: "main".into(),
                spans: vec![Span {
                    state: State::WaitingIo,
                    start_us: 0,
                    end_us: 10,
                    label: Some("ask_user".into()),
                }],
            }],
        });
        report.conclusions.push("It waited.".into());
        report.set_figure("n", 20_000);
        report
    }

    #[test]
    fn json_round_trip_keeps_everything() {
        let report = sample();
        let text = serde_json::to_string_pretty(&report).unwrap();
        let back: Report = serde_json::from_str(&text).unwrap();
        assert_eq!(back, report);
    }

    #[test]
    fn json_shape_is_documented() {
        let value = serde_json::to_value(sample()).unwrap();
        assert_eq!(value["id"], "greet");
        assert_eq!(
            value["tables"][0]["rows"][0],
            json!([{"text": "sequential"}, {"int": 3}, {"float": 0.5}, {"micros": 2000}])
        );
        assert_eq!(
            value["timelines"][0]["lanes"][0]["spans"][0],
            json!({"state": "waiting-io", "start_us": 0, "end_us": 10, "label": "ask_user"})
        );
        assert_eq!(value["figures"]["n"], 20_000);
    }

    #[test]
    fn cells_display_for_people() {
        assert_eq!(Cell::Nanos(689).display(), "689 ns");
        assert_eq!(Cell::Nanos(2_040).display(), "2.0 µs");
        assert_eq!(Cell::Missing.display(), "—");
        assert!(Cell::Missing.is_numeric());
        assert_eq!(serde_json::to_value(Cell::Missing).unwrap(), "missing");
        assert_eq!(Cell::from("a").display(), "a");
        assert_eq!(Cell::from(42u64).display(), "42");
        assert_eq!(Cell::from(1.0 / 3.0).display(), "0.33");
        assert_eq!(Cell::from(Duration::from_millis(1434)).display(), "1.43 s");
        assert_eq!(Cell::from(u64::MAX), Cell::Int(i64::MAX));
        assert!(!Cell::from("a").is_numeric());
        assert!(Cell::Micros(1).is_numeric());
    }

    #[test]
    #[should_panic(expected = "one cell per column")]
    fn a_short_row_is_a_bug() {
        Table::new("t", ["a", "b"]).push_row(vec!["only one".into()]);
    }

    #[test]
    fn reports_carry_their_schema_version_and_old_ones_still_read() {
        let report = Report::new("greet", "Waiting");
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["schema_version"], SCHEMA_VERSION);
        // A report from before versions, and tables from before ids.
        let old = r#"{"id":"greet","title":"t","explanation":[],"tables":[{"title":"times","columns":["a"],"rows":[]}],"timelines":[],"conclusions":[],"figures":{}}"#;
        let old: Report = serde_json::from_str(old).unwrap();
        assert_eq!(old.schema_version, 0);
        assert_eq!(old.tables[0].id, "");
    }

    #[test]
    fn tables_are_found_by_id_not_title() {
        let mut report = Report::new("cores", "t");
        report
            .tables
            .push(Table::new("what things cost", ["operation"]).with_id("costs"));
        assert!(report.table("costs").is_some());
        assert!(report.table("what things cost").is_none());
    }
}

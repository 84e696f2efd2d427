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
//!   threads overlap" becomes visible;
//! - **conclusions**: what the numbers say, in plain words, computed from
//!   this run (not canned);
//! - **figures**: the raw measurements, free-form JSON per experiment.
//!
//! Renderers (terminal tables in the CLI today, SVG/HTML later) read a
//! report and never run anything, so they can be tested on hand-built
//! reports.
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
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::duration;

/// The result of one experiment.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
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
            id: id.into(),
            title: title.into(),
            ..Self::default()
        }
    }

    /// The first table with this title.
    pub fn table(&self, title: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.title == title)
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
        Self {
            title: title.into(),
            columns: columns.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
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

/// Who did what when: one lane per thread or actor.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Timeline {
    /// What was measured.
    pub title: String,
    /// One lane per thread or actor, in the order they were declared or
    /// first seen.
    pub lanes: Vec<Lane>,
}

impl Timeline {
    /// The end of the last span, in microseconds (0 if there is none).
    pub fn end_us(&self) -> u64 {
        self.lanes
            .iter()
            .flat_map(|lane| &lane.spans)
            .map(|span| span.end_us)
            .max()
            .unwrap_or(0)
    }
}

/// The spans of one thread or actor.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Lane {
    /// The thread's or actor's name.
    pub name: String,
    /// Its spans, in the order they were recorded.
    pub spans: Vec<Span>,
}

/// A stretch of time one lane spent in one state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Span {
    /// What the lane was doing.
    pub state: State,
    /// Start, in microseconds since the timeline's origin.
    pub start_us: u64,
    /// End, in microseconds since the timeline's origin (≥ `start_us`).
    pub end_us: u64,
    /// What ran, e.g. `ask_user`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// What a lane is doing during a span. Later experiments add their own
/// states (a philosopher thinking, a thread waiting for the GIL).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum State {
    /// On a core, computing.
    Running,
    /// Blocked until input or output completes (a person typing, a disk, a
    /// network): the core is free for another thread.
    WaitingIo,
    /// Blocked until another thread is done (a `join`, a pool's shutdown).
    Blocked,
    /// A philosopher thinking: it needs no fork.
    Thinking,
    /// A philosopher hungry: it wants its forks and waits for them.
    Hungry,
    /// A philosopher eating: it holds two forks.
    Eating,
    /// Ready to run, but every core is taken: waiting for its turn.
    WaitingCpu,
    /// Ready to run Python code, but another thread holds the GIL.
    WaitingGil,
}

impl State {
    /// The state's name as in JSON: `running`, `waiting-io`, `blocked`,
    /// `thinking`, `hungry`, `eating`, `waiting-cpu`, `waiting-gil`.
    pub fn name(self) -> &'static str {
        match self {
            State::Running => "running",
            State::WaitingIo => "waiting-io",
            State::Blocked => "blocked",
            State::Thinking => "thinking",
            State::Hungry => "hungry",
            State::Eating => "eating",
            State::WaitingCpu => "waiting-cpu",
            State::WaitingGil => "waiting-gil",
        }
    }
}

/// Collects spans from many threads into a [`Timeline`].
///
/// Times are [`Instant`]s, turned into microseconds since the recorder's
/// origin. A span is recorded once it has ended, under a lock; recording is
/// rare (a few per task) so the lock costs nothing measurable.
///
/// ```
/// use std::time::Instant;
/// use waiter_lab::report::{Recorder, State};
///
/// let recorder = Recorder::new();
/// recorder.declare("main");
/// let start = Instant::now();
/// let end = Instant::now();
/// recorder.record_here(State::Running, "work", start, end);
/// let timeline = recorder.finish("example");
/// assert_eq!(timeline.lanes[0].name, "main");
/// ```
#[derive(Debug)]
pub struct Recorder {
    origin: Instant,
    lanes: Mutex<Vec<Lane>>,
}

impl Default for Recorder {
    fn default() -> Self {
        Self::new()
    }
}

impl Recorder {
    /// A recorder whose origin is now.
    pub fn new() -> Self {
        Self::starting_at(Instant::now())
    }

    /// A recorder whose origin is `origin`.
    pub fn starting_at(origin: Instant) -> Self {
        Self {
            origin,
            lanes: Mutex::new(Vec::new()),
        }
    }

    /// Time zero of the timeline.
    pub fn origin(&self) -> Instant {
        self.origin
    }

    /// Adds an empty lane now, to fix the order of lanes (e.g. `main` first
    /// even if its span ends last). Does nothing if the lane exists.
    pub fn declare(&self, lane: &str) {
        let mut lanes = self.lanes.lock().unwrap_or_else(|p| p.into_inner());
        lane_mut(&mut lanes, lane);
    }

    /// Records that `lane` was in `state`, doing `label`, from `start` to
    /// `end`.
    pub fn record(&self, lane: &str, state: State, label: &str, start: Instant, end: Instant) {
        let offset = |at: Instant| duration::micros(at.saturating_duration_since(self.origin));
        let (start_us, end_us) = (offset(start), offset(end));
        let span = Span {
            state,
            start_us,
            end_us: end_us.max(start_us),
            label: (!label.is_empty()).then(|| label.to_owned()),
        };
        let mut lanes = self.lanes.lock().unwrap_or_else(|p| p.into_inner());
        lane_mut(&mut lanes, lane).spans.push(span);
    }

    /// Like [`record`](Self::record), on the lane named after the calling
    /// thread (`main`, `waiter-worker-0`, …; `unnamed` if it has no name).
    pub fn record_here(&self, state: State, label: &str, start: Instant, end: Instant) {
        let thread = std::thread::current();
        self.record(thread.name().unwrap_or("unnamed"), state, label, start, end);
    }

    /// The timeline recorded so far.
    pub fn finish(self, title: impl Into<String>) -> Timeline {
        Timeline {
            title: title.into(),
            lanes: self.lanes.into_inner().unwrap_or_else(|p| p.into_inner()),
        }
    }
}

fn lane_mut<'a>(lanes: &'a mut Vec<Lane>, name: &str) -> &'a mut Lane {
    let index = match lanes.iter().position(|lane| lane.name == name) {
        Some(index) => index,
        None => {
            lanes.push(Lane {
                name: name.to_owned(),
                spans: Vec::new(),
            });
            lanes.len() - 1
        }
    };
    &mut lanes[index]
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
    fn recorder_keeps_declared_order_and_clamps_times() {
        let origin = Instant::now();
        let recorder = Recorder::starting_at(origin);
        recorder.declare("main");
        let later = origin + Duration::from_millis(5);
        recorder.record("worker", State::Running, "calc", origin, later);
        // An end before the start is clamped, a start before the origin is 0.
        recorder.record("main", State::Blocked, "", later, origin);
        let timeline = recorder.finish("t");
        let names: Vec<_> = timeline.lanes.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["main", "worker"]);
        let blocked = &timeline.lanes[0].spans[0];
        assert_eq!((blocked.start_us, blocked.end_us), (5000, 5000));
        assert_eq!(blocked.label, None);
        assert_eq!(timeline.end_us(), 5000);
    }

    #[test]
    fn recorder_names_lanes_after_threads() {
        let recorder = Recorder::new();
        std::thread::scope(|s| {
            std::thread::Builder::new()
                .name("worker-7".into())
                .spawn_scoped(s, || {
                    let now = Instant::now();
                    recorder.record_here(State::Running, "x", now, now);
                })
                .unwrap();
        });
        assert_eq!(recorder.finish("t").lanes[0].name, "worker-7");
    }

    #[test]
    fn state_names_match_json() {
        for state in [
            State::Running,
            State::WaitingIo,
            State::Blocked,
            State::Thinking,
            State::Hungry,
            State::Eating,
            State::WaitingCpu,
            State::WaitingGil,
        ] {
            assert_eq!(serde_json::to_value(state).unwrap(), state.name());
        }
    }
}

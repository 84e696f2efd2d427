//! Who did what when: a span recorder, and pictures of what it recorded.
//!
//! People understand concurrency faster by looking at it than by reading
//! about it. "The two threads overlap", "the philosophers take turns", "the
//! GIL hands the core back and forth" are claims a table of totals can only
//! hint at; a timeline with one lane per thread shows them at a glance. This
//! module is that timeline:
//!
//! - a [`Recorder`] collects [`Span`]s (a lane was in a [`State`], doing a
//!   label, from one instant to another) from any number of threads, and
//!   hands back a [`Timeline`]: plain serde data, one [`Lane`] per thread or
//!   actor;
//! - [`chrome_json`] exports timelines in the Chrome trace event format, to
//!   zoom and search in [Perfetto](https://ui.perfetto.dev) or
//!   `chrome://tracing`;
//! - [`svg()`] draws one timeline as a self-contained SVG picture, for a
//!   report or a web page.
//!
//! A recorder is only useful if it can stay on while measuring, so it is
//! built to cost little: each thread records into a buffer of its own (an
//! uncontended lock, no shared cache line bouncing between cores), and the
//! buffers are merged only when a timeline is asked for ([`Recorder::finish`],
//! or [`Recorder::snapshot`] for a partial one while threads still run). A
//! recorder made with [`Recorder::off`] costs one branch per call: no clock
//! read, no allocation, no lock, so the recording calls can stay in code that
//! is timed.
//!
//! ```
//! use std::time::Instant;
//! use waiter::trace::{Recorder, State, chrome_json, svg};
//!
//! let recorder = Recorder::new();
//! recorder.declare("main"); // fixes the lane order: main first
//! std::thread::scope(|s| {
//!     for name in ["worker-0", "worker-1"] {
//!         let recorder = &recorder;
//!         std::thread::Builder::new()
//!             .name(name.to_owned())
//!             .spawn_scoped(s, move || {
//!                 let start = Instant::now();
//!                 let sum: u64 = (0..1_000u64).sum();
//!                 assert_eq!(sum, 499_500);
//!                 recorder.record_here(State::Running, "sum", start, Instant::now());
//!             })
//!             .unwrap();
//!     }
//!     let start = Instant::now();
//!     // ... the scope joins the workers when it ends ...
//!     recorder.record_here(State::Blocked, "join", start, Instant::now());
//! });
//!
//! let timeline = recorder.finish("two workers");
//! assert_eq!(timeline.lanes.len(), 3);
//! assert_eq!(timeline.lanes[0].name, "main");
//!
//! let trace = chrome_json(std::slice::from_ref(&timeline)); // for Perfetto
//! assert!(trace.contains("\"traceEvents\""));
//! let picture = svg(&timeline); // for a page
//! assert!(picture.starts_with("<svg"));
//! ```
//!
//! Recording the same work with the recorder switched off gives nothing, at
//! the price of a branch:
//!
//! ```
//! use waiter::trace::{Recorder, State};
//!
//! let recorder = Recorder::off();
//! let answer = recorder.time("main", State::Running, "answer", || 6 * 7);
//! assert_eq!(answer, 42);
//! assert!(recorder.finish("nothing").lanes.is_empty());
//! ```

use serde::{Deserialize, Serialize};

mod chrome;
mod recorder;
mod svg;

pub use chrome::chrome_json;
pub use recorder::Recorder;
pub use svg::{svg, svg_on_axis};

#[cfg(all(test, not(loom)))]
mod test;

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
    ///
    /// ```
    /// use waiter::trace::{Lane, Span, State, Timeline};
    ///
    /// let span = Span { state: State::Running, start_us: 5, end_us: 20, label: None };
    /// let lane = Lane { name: "main".into(), spans: vec![span] };
    /// let timeline = Timeline { title: "t".into(), lanes: vec![lane] };
    /// assert_eq!(timeline.end_us(), 20);
    /// assert_eq!(Timeline::default().end_us(), 0);
    /// ```
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
    /// Its spans; a [`Recorder`] hands them back sorted by start.
    pub spans: Vec<Span>,
}

impl Lane {
    /// A lane named `name` with these spans (sorted by start, as a
    /// [`Recorder`] hands them back).
    ///
    /// ```
    /// use waiter::trace::{Lane, Span, State};
    ///
    /// let lane = Lane::new("main", vec![Span::new(State::Running, 0, 10)]);
    /// assert_eq!((lane.name.as_str(), lane.spans.len()), ("main", 1));
    /// ```
    pub fn new(name: impl Into<String>, spans: Vec<Span>) -> Self {
        Self {
            name: name.into(),
            spans,
        }
    }
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

impl Span {
    /// `state` from `start_us` to `end_us` (microseconds since the
    /// timeline's origin), with no label.
    ///
    /// ```
    /// use waiter::trace::{Span, State};
    ///
    /// let span = Span::new(State::Running, 5, 9).labelled("ask_user");
    /// assert_eq!((span.end_us - span.start_us, span.label.as_deref()), (4, Some("ask_user")));
    /// ```
    pub fn new(state: State, start_us: u64, end_us: u64) -> Self {
        Self {
            state,
            start_us,
            end_us,
            label: None,
        }
    }

    /// The same span, saying what ran.
    #[must_use]
    pub fn labelled(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }
}

/// What a lane is doing during a span. New experiments add their own
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
    /// An instant, not a stretch: the lane woke up to take a lock (the
    /// GIL) and found it taken, so it went back to waiting. Its span
    /// starts and ends at the same microsecond; pictures mark it with a
    /// red tick across the lane.
    FailedAcquire,
}

impl State {
    /// Every state, in the order legends list them.
    pub const ALL: [State; 9] = [
        State::Running,
        State::WaitingIo,
        State::Blocked,
        State::Thinking,
        State::Hungry,
        State::Eating,
        State::WaitingCpu,
        State::WaitingGil,
        State::FailedAcquire,
    ];

    /// The state's name as in JSON: `running`, `waiting-io`, `blocked`,
    /// `thinking`, `hungry`, `eating`, `waiting-cpu`, `waiting-gil`,
    /// `failed-acquire`.
    ///
    /// ```
    /// use waiter::trace::State;
    ///
    /// assert_eq!(State::WaitingIo.name(), "waiting-io");
    /// ```
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
            State::FailedAcquire => "failed-acquire",
        }
    }

    /// The state's colour in pictures, as `#rrggbb`: the Okabe–Ito palette,
    /// whose colours stay apart for the common kinds of colour blindness.
    /// Computing is dark blue, waiting for I/O light blue, blocked grey;
    /// a hungry philosopher is vermilion, an eating one orange; a failed
    /// acquisition is red, the one colour outside the palette, to stand out.
    ///
    /// ```
    /// use waiter::trace::State;
    ///
    /// assert_eq!(State::Running.colour(), "#0072B2");
    /// ```
    pub fn colour(self) -> &'static str {
        match self {
            State::Running => "#0072B2",
            State::WaitingIo => "#56B4E9",
            State::Blocked => "#999999",
            State::Thinking => "#009E73",
            State::Hungry => "#D55E00",
            State::Eating => "#E69F00",
            State::WaitingCpu => "#F0E442",
            State::WaitingGil => "#CC79A7",
            State::FailedAcquire => "#E00000",
        }
    }
}

//! The one shape every experiment has: [`Experiment`], run with a [`Ctx`].
//!
//! An experiment is its settings (each module's `Config`) plus what every
//! caller needs to know about it: its id (also its subcommand), a title,
//! the note's idea in plain words, a check of the settings, and a run. The
//! tour, the CLI and the tests all go through this trait, so a new
//! experiment is a module that implements it and one line in the tour's
//! list of parts.
//!
//! What a run needs from outside (where its lines go, who answers its
//! questions, the live view, this binary for child processes, the stop
//! signal) comes in one [`Ctx`], made by the caller: the CLI hands in the
//! terminal, tests hand in a buffer and a scripted user.
//!
//! [`Double`] stands in for a real experiment where the caller is what is
//! tested (the tour's order, the CLI's files, Ctrl-C), without real timing.
//!
//! ```
//! use std::sync::Arc;
//! use waiter_lab::console::Buffer;
//! use waiter_lab::{Ctx, Experiment, order};
//!
//! let console = Arc::new(Buffer::new());
//! let experiment = order::Config { tasks: 4, runs: 2, ..order::Config::default() };
//! experiment.validate()?;
//! let report = experiment.run(&Ctx::new(console.clone()))?;
//! assert_eq!(report.id, experiment.id());
//! assert!(!console.contents().is_empty());
//! # Ok::<(), waiter_lab::Error>(())
//! ```

mod double;

use std::path::PathBuf;
use std::sync::Arc;

use crate::dine::{Live, Quiet};
use crate::input::Closed;
use crate::{Console, Error, Input, Report, Stop};

pub use double::{Behaviour, Double};

/// One experiment of the note, with its settings.
pub trait Experiment: Send + Sync {
    /// The experiment's id, also its subcommand: `greet`, `order`, …
    fn id(&self) -> &'static str;

    /// A one-line title.
    fn title(&self) -> &'static str;

    /// The idea being shown, in plain words from the note, one line each,
    /// with these settings' sizes.
    fn explanation(&self) -> Vec<String>;

    /// Checks the settings, with the same words the CLI uses for the same
    /// values.
    ///
    /// # Errors
    ///
    /// [`Error::Config`], saying which setting and why.
    fn validate(&self) -> Result<(), Error>;

    /// Runs the experiment: validates, measures, and reports. Lines go to
    /// `ctx.console` as it goes.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for settings that [`validate`](Self::validate)
    /// refuses, and the experiment's own failures (see each module).
    fn run(&self, ctx: &Ctx) -> Result<Report, Error>;

    /// Whether a run that is [stopped](Ctx::stop) still ends soon with a
    /// report of what it measured (the rest marked `interrupted`), so the
    /// caller should wait for it; otherwise a stopped run is abandoned.
    fn reports_when_stopped(&self) -> bool {
        false
    }
}

/// What a run gets from its caller.
#[derive(Clone)]
pub struct Ctx {
    /// Where the run's live lines go.
    pub console: Arc<dyn Console>,
    /// Who answers the run's questions (`greet`'s `ask_user`).
    pub input: Arc<dyn Input>,
    /// Follows a run as it happens (`dine`'s table).
    pub live: Arc<dyn Live>,
    /// This binary, re-run as a child process (`cores` times process
    /// starts and messages with it); `None` leaves those rows out.
    pub exe: Option<PathBuf>,
    /// The one stop signal (Ctrl-C): checked between steps, and by
    /// whatever waits on a child process.
    pub stop: Stop,
}

impl Ctx {
    /// Lines to `console`; an input that is closed, no live view, no child
    /// processes, a stop signal of its own.
    pub fn new(console: Arc<dyn Console>) -> Self {
        Self {
            console,
            input: Arc::new(Closed),
            live: Arc::new(Quiet),
            exe: None,
            stop: Stop::new(),
        }
    }

    /// The same, answered by `input`.
    #[must_use]
    pub fn with_input(mut self, input: Arc<dyn Input>) -> Self {
        self.input = input;
        self
    }

    /// The same, followed by `live`.
    #[must_use]
    pub fn with_live(mut self, live: Arc<dyn Live>) -> Self {
        self.live = live;
        self
    }

    /// The same, with `exe` to re-run as a child process.
    #[must_use]
    pub fn with_exe(mut self, exe: Option<PathBuf>) -> Self {
        self.exe = exe;
        self
    }

    /// The same, stopped by `stop`.
    #[must_use]
    pub fn with_stop(mut self, stop: Stop) -> Self {
        self.stop = stop;
        self
    }
}

impl std::fmt::Debug for Ctx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ctx")
            .field("exe", &self.exe)
            .field("stop", &self.stop)
            .finish_non_exhaustive()
    }
}

//! The one error type of the experiments.
//!
//! Experiments share failure modes (a pool or a thread that cannot start, a
//! task that panicked, a config that makes no sense), so they share one
//! enum; the few experiment-specific cases (the user closed stdin) are
//! variants of it. The CLI turns any of them into one line on stderr.

use std::io;
use std::path::PathBuf;

/// Why an experiment could not finish.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The user's input ended before a name was given (`ask_user`).
    #[error("stdin closed before a name was entered (mode: {mode})")]
    InputClosed {
        /// The mode that was asking.
        mode: String,
    },
    /// Reading the user's input failed.
    #[error("could not read the name (mode: {mode}): {source}")]
    Input {
        /// The mode that was asking.
        mode: String,
        /// What the system said.
        source: io::Error,
    },
    /// A `Config` value is out of range (the CLI rejects these earlier).
    #[error("invalid setting: {0}")]
    Config(String),
    /// The pool could not be built.
    #[error("could not start the pool: {0}")]
    Pool(#[from] waiter::pool::BuildError),
    /// The pool refused a task.
    #[error("the pool refused a task: {0}")]
    Submit(waiter::pool::SubmitErrorKind),
    /// A thread could not be started.
    #[error("could not start thread '{name}': {source}")]
    Spawn {
        /// The thread's name.
        name: String,
        /// What the system said.
        source: io::Error,
    },
    /// The waiter refused a request (a request that could never be granted:
    /// a bug in the experiment, or a setting the CLI should have rejected).
    #[error("the waiter refused: {0}")]
    Waiter(#[from] waiter::WaiterError),
    /// A rule of the table was broken while the experiment ran: a fork in
    /// two hands, two neighbours eating at once. Always a bug in a strategy
    /// (or in the library under it), so the run fails loudly.
    #[error("invariant broken ({strategy}): {message}")]
    Invariant {
        /// The strategy that broke it.
        strategy: String,
        /// What happened, and when.
        message: String,
    },
    /// A child process (the binary re-run to measure process costs) could
    /// not start, or did not behave.
    #[error("{what}: {source}")]
    Child {
        /// What was being done, and with which binary.
        what: String,
        /// What the system said.
        source: io::Error,
    },
    /// A report could not be written to disk (a folder that cannot be
    /// made, a file in the way, a full or read-only disk).
    #[error("cannot write the report to {}: {source}", path.display())]
    Write {
        /// The file or folder that could not be written.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
    /// A thread or task of the experiment panicked (a bug in the lab).
    #[error("{what} failed: {message}")]
    Panicked {
        /// Which thread or task.
        what: String,
        /// The panic message, or why no value came back.
        message: String,
    },
}

impl Error {
    /// A pool task's failure as an error.
    pub(crate) fn from_task(what: &str, error: waiter::TaskError) -> Self {
        Error::Panicked {
            what: what.to_owned(),
            message: error.to_string(),
        }
    }
}

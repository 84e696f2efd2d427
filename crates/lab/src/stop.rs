//! The one stop signal of a run: Ctrl-C, as every experiment sees it.
//!
//! Whoever starts a run makes a [`Stop`] and hands it in with the
//! [`Ctx`](crate::Ctx); the binary's signal handler [requests](Stop::request)
//! it. Experiments check it between steps (the tour between parts, `dine`
//! between strategies), and code that waits on something outside the
//! process (the CPython baseline, a child process) checks it and stops
//! that, so a stopped run leaves no process behind.
//!
//! A `Stop` is a cheap handle: clones share one flag. Tests make their
//! own, so one test's stop never reaches another running beside it.
//!
//! ```
//! use waiter_lab::Stop;
//!
//! let stop = Stop::new();
//! let seen_by_the_run = stop.clone();
//! assert!(!seen_by_the_run.requested());
//! stop.request();
//! assert!(seen_by_the_run.requested());
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A one-way "stop now" flag, shared by its clones.
#[derive(Clone, Debug, Default)]
pub struct Stop(Arc<AtomicBool>);

impl Stop {
    /// A signal nobody has requested yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks everything that shares this signal to stop (the binary calls
    /// it on Ctrl-C). Calling it again does nothing more.
    pub fn request(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether a stop was asked for.
    pub fn requested(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

//! Ctrl-C, as every experiment sees it.
//!
//! A signal is process-wide, and so is this flag: the binary's signal
//! handler calls [`request`], and code that waits on something outside
//! the process (the CPython baseline, a child process) checks
//! [`requested`] and stops it, so a stopped run leaves no process behind.
//! Experiments need no new parameter to honour it.
//!
//! ```
//! use waiter_lab::interrupt;
//!
//! assert!(!interrupt::requested());
//! ```

use std::sync::atomic::{AtomicBool, Ordering};

static REQUESTED: AtomicBool = AtomicBool::new(false);

/// Asks everything running to stop (the binary calls it on Ctrl-C).
pub fn request() {
    REQUESTED.store(true, Ordering::SeqCst);
}

/// Whether a stop was asked for.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}

//! The door submissions pass through, which shutdown closes.
//!
//! Shutdown must know that no submission is half-way through (past the
//! "is the pool open?" check but not yet in the queue): such a task would
//! land behind the workers' stop messages and never run. One word holds a
//! `CLOSED` bit and the number of submissions in flight; both sides use a
//! read-modify-write on it, so their order is the word's modification order:
//! either the submitter entered first (and shutdown waits for it to leave),
//! or shutdown closed first (and the submitter is refused).

use crate::sync::{AtomicUsize, Ordering, thread};

const CLOSED: usize = 1;
const ONE: usize = 2;

#[derive(Default)]
pub(crate) struct Gate {
    word: AtomicUsize,
}

/// Proof of being inside the gate; leaving is dropping it.
pub(crate) struct Pass<'a>(&'a Gate);

impl Gate {
    /// Enters, unless the gate is closed.
    pub(crate) fn enter(&self) -> Option<Pass<'_>> {
        let before = self.word.fetch_add(ONE, Ordering::Acquire);
        if before & CLOSED != 0 {
            self.word.fetch_sub(ONE, Ordering::Release);
            return None;
        }
        Some(Pass(self))
    }

    /// Closes the gate and waits until everybody inside has left. Returns
    /// whether this call closed it (`false`: it was closed already).
    pub(crate) fn close(&self) -> bool {
        let before = self.word.fetch_or(CLOSED, Ordering::AcqRel);
        while self.word.load(Ordering::Acquire) & !CLOSED != 0 {
            thread::yield_now();
        }
        before & CLOSED == 0
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.word.load(Ordering::Acquire) & CLOSED != 0
    }
}

impl Drop for Pass<'_> {
    fn drop(&mut self) {
        self.0.word.fetch_sub(ONE, Ordering::Release);
    }
}

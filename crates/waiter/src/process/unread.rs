//! The latch between a task's failure and its handle's drop: a failure
//! whose handle is dropped unread is handed out for the record exactly
//! once, by whichever of the two comes second.
//!
//! Two bits in one word: `FAILED` (set after the failure is stored) and
//! `GONE` (the handle was dropped without taking the result). Each side
//! sets its bit with one read-modify-write and sees whether the other's was
//! there: the modification order of the word decides who is second, and
//! only that one takes the failure out. Model-checked below
//! (`loom_unread_failure_is_recorded_exactly_once`).

use crate::sync::{AtomicUsize, Mutex, Ordering, lock};

const FAILED: usize = 1;
const GONE: usize = 2;

/// See the [module docs](self).
#[cfg_attr(loom, allow(dead_code))]
pub(crate) struct Latch<T> {
    state: AtomicUsize,
    failure: Mutex<Option<T>>,
}

#[cfg_attr(loom, allow(dead_code))]
impl<T> Latch<T> {
    pub(crate) fn new() -> Self {
        Self {
            state: AtomicUsize::new(0),
            failure: Mutex::new(None),
        }
    }

    /// The task failed (called at most once, before the handle can see
    /// the failure). Returns the failure to record if the handle is gone.
    pub(crate) fn failed(&self, failure: T) -> Option<T> {
        *lock(&self.failure) = Some(failure);
        // AcqRel: publishes the failure to a drop that comes later, and
        // sees a drop that came first.
        if self.state.fetch_or(FAILED, Ordering::AcqRel) & GONE != 0 {
            return lock(&self.failure).take();
        }
        None
    }

    /// The handle was dropped without taking the result. Returns the
    /// failure to record if it came first.
    pub(crate) fn dropped(&self) -> Option<T> {
        if self.state.fetch_or(GONE, Ordering::AcqRel) & FAILED != 0 {
            return lock(&self.failure).take();
        }
        None
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use std::sync::Arc;

    use loom::thread;

    use super::Latch;

    /// The failure and the drop race, from two threads: exactly one of
    /// them hands the failure out, whatever the interleaving.
    #[test]
    fn loom_unread_failure_is_recorded_exactly_once() {
        loom::model(|| {
            let latch = Arc::new(Latch::new());
            let dropper = {
                let latch = Arc::clone(&latch);
                thread::spawn(move || latch.dropped())
            };
            let by_failure = latch.failed(7);
            let by_drop = dropper.join().unwrap();
            let recorded: Vec<i32> = by_failure.into_iter().chain(by_drop).collect();
            assert_eq!(recorded, [7]);
        });
    }

    /// No drop: the failure stays for the handle, nothing is recorded.
    #[test]
    fn loom_a_failure_with_its_handle_alive_is_not_recorded() {
        loom::model(|| {
            let latch = Arc::new(Latch::<i32>::new());
            let failing = {
                let latch = Arc::clone(&latch);
                thread::spawn(move || latch.failed(7))
            };
            assert_eq!(failing.join().unwrap(), None);
        });
    }
}

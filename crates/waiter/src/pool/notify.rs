//! Who to wake when a task ends: a parked thread, an async waker, or a
//! completion set shared by several tasks (`as_completed`, `wait_any`).

use std::collections::VecDeque;
use std::task::Waker;
use std::time::Instant;

use std::sync::Arc;

use crate::sync::{Condvar, Mutex, lock, thread::Thread};

/// A registration in a task's notify slot. A task holds at most one; a new
/// registration replaces the old (the handle is the only registrant, and it
/// only ever waits in one way at a time).
pub(crate) enum Notify {
    Thread(Thread),
    Waker(Waker),
    Set {
        set: Arc<CompletionSet>,
        index: usize,
    },
}

impl Notify {
    pub(crate) fn wake(self) {
        match self {
            Notify::Thread(thread) => thread.unpark(),
            Notify::Waker(waker) => waker.wake(),
            Notify::Set { set, index } => set.push(index),
        }
    }
}

/// Indices of tasks that finished, in the order they finished.
#[derive(Default)]
pub(crate) struct CompletionSet {
    finished: Mutex<VecDeque<usize>>,
    changed: Condvar,
}

impl CompletionSet {
    pub(crate) fn push(&self, index: usize) {
        lock(&self.finished).push_back(index);
        self.changed.notify_one();
    }

    /// The next finished index, waiting until `deadline` (forever if `None`).
    pub(crate) fn pop(&self, deadline: Option<Instant>) -> Option<usize> {
        let mut finished = lock(&self.finished);
        loop {
            if let Some(index) = finished.pop_front() {
                return Some(index);
            }
            finished = match deadline {
                None => self
                    .changed
                    .wait(finished)
                    .unwrap_or_else(|poison| poison.into_inner()),
                Some(deadline) => {
                    let left = deadline.checked_duration_since(Instant::now())?;
                    self.changed
                        .wait_timeout(finished, left)
                        .unwrap_or_else(|poison| poison.into_inner())
                        .0
                }
            };
        }
    }

    /// The next finished index if there is one already.
    pub(crate) fn try_pop(&self) -> Option<usize> {
        lock(&self.finished).pop_front()
    }
}

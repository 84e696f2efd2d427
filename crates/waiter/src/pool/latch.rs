//! Latches: things a waiting thread blocks on until others are done.
//!
//! - [`CompletionSet`]: the indices of tasks that finished, in the order they
//!   finished; one set is registered with every task of an `as_completed`,
//!   `wait` or `wait_any` call.
//! - [`ScopeCounter`]: the number of a scope's tasks the queue still holds;
//!   the scope ends when it reaches zero.

use std::collections::VecDeque;
use std::time::Instant;

use crate::sync::{Condvar, Mutex, lock};

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

/// Counts the queue's references to a scope's tasks; the scope ends only
/// when the count is zero, so no worker can touch borrowed data afterwards.
#[derive(Default)]
pub(crate) struct ScopeCounter {
    outstanding: Mutex<usize>,
    released: Condvar,
}

impl ScopeCounter {
    pub(crate) fn job_queued(&self) {
        *lock(&self.outstanding) += 1;
    }

    /// Called when the queue's reference to a task of the scope is gone.
    pub(crate) fn job_released(&self) {
        let mut outstanding = lock(&self.outstanding);
        *outstanding -= 1;
        if *outstanding == 0 {
            self.released.notify_all();
        }
    }

    pub(crate) fn wait_all_released(&self) {
        let mut outstanding = lock(&self.outstanding);
        while *outstanding > 0 {
            outstanding = self
                .released
                .wait(outstanding)
                .unwrap_or_else(|poison| poison.into_inner());
        }
    }
}

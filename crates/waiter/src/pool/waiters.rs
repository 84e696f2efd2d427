//! Everyone who waits for one task: the list a task keeps of them, and how
//! each kind is woken.
//!
//! A task may have any number of waiters at once, as a Python future does:
//! threads blocked in `wait`/`wait_timeout`/`wait_done` (each registers its
//! own entry), async pollers (one entry per handle, whose [`Waker`] a new
//! poll replaces), completion sets (`as_completed`, `wait`, `wait_any`) and
//! done callbacks. The task's final transition (done or cancelled) drains the
//! list and wakes every entry exactly once; a waiter that gives up (a timeout,
//! a dropped future, an `as_completed` that ends) removes its own entry, so
//! waiting in a loop does not grow the list.
//!
//! The list itself is a plain vector behind the task's mutex; see
//! [`Header`](super::job::Header) for the protocol between it and the task's
//! state word, which keeps the no-waiter case free of both the lock and any
//! allocation.

use std::sync::Arc;
use std::task::Waker;

use super::error::TaskError;
use super::latch::CompletionSet;
use crate::sync::thread::Thread;

/// A done callback: called once with a view of the task's outcome.
pub(crate) type Callback<T> = Box<dyn FnOnce(Result<&T, &TaskError>) + Send>;

/// One registration in a task's waiter list.
pub(crate) enum Waiter<T> {
    /// A thread parked until the task ends.
    Thread(Thread),
    /// An async poller.
    Waker(Waker),
    /// A set shared by several tasks; the index says which one finished.
    Set {
        set: Arc<CompletionSet>,
        index: usize,
    },
    /// A done callback (`on_done`).
    Callback(Callback<T>),
}

impl<T> Waiter<T> {
    /// Wakes a waiter that is not a callback; gives a callback back.
    pub(crate) fn wake(self) -> Option<Callback<T>> {
        match self {
            Waiter::Thread(thread) => thread.unpark(),
            Waiter::Waker(waker) => waker.wake(),
            Waiter::Set { set, index } => set.push(index),
            Waiter::Callback(callback) => return Some(callback),
        }
        None
    }
}

/// The waiters of one task, guarded by the task's mutex.
pub(crate) struct WaitList<T> {
    /// Registrations in the order they were made, each under its key.
    entries: Vec<(u64, Waiter<T>)>,
    next_key: u64,
    /// Set once the list was drained for the task's end: registrations after
    /// this are refused (the registrant acts at once itself).
    pub(crate) closed: bool,
    /// While the finisher runs the drained callbacks, which read the result
    /// slot: the handle waits before taking the result.
    pub(crate) running_callbacks: bool,
    /// Threads waiting for `running_callbacks` to clear.
    pub(crate) gate_waiters: usize,
    /// Set when the handle was dropped while callbacks ran: the finisher
    /// reports an unread failure once they are done.
    pub(crate) report_after_callbacks: bool,
}

impl<T> WaitList<T> {
    pub(crate) const fn new() -> Self {
        Self {
            entries: Vec::new(),
            next_key: 0,
            closed: false,
            running_callbacks: false,
            gate_waiters: 0,
            report_after_callbacks: false,
        }
    }

    /// Adds `waiter`; returns its key.
    pub(crate) fn push(&mut self, waiter: Waiter<T>) -> u64 {
        let key = self.next_key;
        self.next_key += 1;
        self.entries.push((key, waiter));
        key
    }

    /// Removes the entry `key`; `false` if it is not there (drained).
    pub(crate) fn remove(&mut self, key: u64) -> bool {
        match self.entries.iter().position(|(k, _)| *k == key) {
            Some(at) => {
                self.entries.remove(at);
                true
            }
            None => false,
        }
    }

    /// Puts `waker` in entry `key` unless the entry already holds one that
    /// wakes the same task; `false` if the entry is gone (drained).
    pub(crate) fn replace_waker(&mut self, key: u64, waker: &Waker) -> bool {
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some((_, Waiter::Waker(old))) => {
                if !old.will_wake(waker) {
                    old.clone_from(waker);
                }
                true
            }
            Some((_, other)) => {
                *other = Waiter::Waker(waker.clone());
                true
            }
            None => false,
        }
    }

    /// Closes the list and takes every entry, in registration order. Marks
    /// `running_callbacks` if any entry is a callback.
    pub(crate) fn drain(&mut self) -> Vec<Waiter<T>> {
        self.closed = true;
        let entries = std::mem::take(&mut self.entries);
        if entries
            .iter()
            .any(|(_, waiter)| matches!(waiter, Waiter::Callback(_)))
        {
            self.running_callbacks = true;
        }
        entries.into_iter().map(|(_, waiter)| waiter).collect()
    }

    /// How many registrations the list holds (for tests of its bound).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

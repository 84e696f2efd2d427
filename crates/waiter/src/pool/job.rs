//! A task's shared cell: the closure, its state and its result, in one
//! allocation.
//!
//! Following rayon-core's split of *job* (work plus result slot) and *latch*
//! (completion), a submitted closure becomes a [`JobCell`] behind one `Arc`.
//! The queue holds it type-erased as [`Job`]; the caller's
//! [`Task`](super::Task) holds it as [`TaskCore<T>`]. No channel per task: a
//! single atomic word carries the whole life cycle.
//!
//! # The state machine
//!
//! ```text
//!            try_start            finish
//!   PENDING ───────────▶ RUNNING ────────▶ DONE     (result slot: value or panic)
//!      │
//!      │ try_cancel
//!      ▼
//!   CANCELLED                               (closure dropped, never run)
//! ```
//!
//! Beside the two life-cycle bits the word holds flags:
//! - `NOTIFY`: somebody parked a [`Notify`] in the slot and wants to hear
//!   about the end;
//! - `HANDLE_GONE`: the caller dropped its [`Task`](super::Task), so a panic
//!   must be reported to the pool's ledger by whoever ends the task.
//!
//! Every transition is a single read-modify-write, so any two threads that
//! race (runner, canceller, waiter, dropping handle) are ordered by the
//! modification order of this one word, and exactly one of them sees the
//! other's effect. That is the property the loom tests check.
//!
//! ## Memory ordering
//!
//! - `try_start` and `try_cancel` use `Acquire` on success: the winner then
//!   owns the closure slot exclusively.
//! - `finish` is `AcqRel`: its `Release` publishes the result slot written
//!   just before; whoever observes `DONE` (with `Acquire`) may read it.
//! - Setting `NOTIFY` is `AcqRel` and happens *after* the notifier is stored
//!   under the slot's mutex; the finisher takes the mutex after seeing
//!   `NOTIFY`, so it finds the notifier (or the registrant sees `DONE` and
//!   does not wait). Spurious wake-ups are harmless: every waiter re-checks
//!   the state word in a loop.

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};

use super::error::{Panic, TaskError, TaskId};
use super::ledger;
use super::notify::Notify;
use crate::sync::{AtomicUsize, Mutex, Ordering, UnsafeCell, lock};

pub(crate) const PENDING: usize = 0;
pub(crate) const RUNNING: usize = 1;
pub(crate) const DONE: usize = 2;
pub(crate) const CANCELLED: usize = 3;
const LIFECYCLE: usize = 0b11;
const NOTIFY: usize = 1 << 2;
const HANDLE_GONE: usize = 1 << 3;

/// What a finished task left behind.
pub(crate) enum Outcome<T> {
    Value(T),
    Panic(Box<dyn Any + Send + 'static>),
    /// Ended without a value for a reason of its own (a process task whose
    /// worker died, a reply that could not be decoded).
    #[cfg_attr(loom, allow(dead_code))]
    Failed(TaskError),
}

/// Everything about a task except its closure; independent of the closure's
/// type so [`TaskCore`] can hand it out.
pub(crate) struct Header<T> {
    state: AtomicUsize,
    id: TaskId,
    /// The pool (or scope) whose ledger hears about unread panics.
    owner: u64,
    name: Option<Box<str>>,
    notify: Mutex<Option<Notify>>,
    /// Written once by the runner between `RUNNING` and `DONE`; read (taken)
    /// by the handle after it observed `DONE`, or by the finisher when the
    /// handle is gone.
    outcome: UnsafeCell<Option<Outcome<T>>>,
}

impl<T> Header<T> {
    pub(crate) fn new(id: TaskId, owner: u64, name: Option<Box<str>>) -> Self {
        Self {
            state: AtomicUsize::new(PENDING),
            id,
            owner,
            name,
            notify: Mutex::new(None),
            outcome: UnsafeCell::new(None),
        }
    }

    pub(crate) fn id(&self) -> TaskId {
        self.id
    }

    pub(crate) fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The life-cycle part of the state word.
    pub(crate) fn lifecycle(&self) -> usize {
        self.state.load(Ordering::Acquire) & LIFECYCLE
    }

    /// Done or cancelled: nothing will change any more.
    pub(crate) fn is_finished(&self) -> bool {
        self.lifecycle() >= DONE
    }

    /// Moves `from` to `to` if the life cycle is `from`; returns the state
    /// word as it was before, or `None` if the life cycle was not `from`.
    fn transition(&self, from: usize, to: usize) -> Option<usize> {
        let mut current = self.state.load(Ordering::Relaxed);
        loop {
            if current & LIFECYCLE != from {
                return None;
            }
            let next = (current & !LIFECYCLE) | to;
            match self.state.compare_exchange_weak(
                current,
                next,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(before) => return Some(before),
                Err(actual) => current = actual,
            }
        }
    }

    /// Wakes the registered notifier if `before` (the word replaced by a
    /// final transition) says there is one.
    fn wake_if_registered(&self, before: usize) {
        if before & NOTIFY != 0 {
            if let Some(notify) = lock(&self.notify).take() {
                notify.wake();
            }
        }
    }

    /// Parks `notify` in the slot, replacing any earlier one.
    ///
    /// Returns `true` if `notify` will be woken when the task ends (or
    /// already was), `false` if the task had already finished and `notify`
    /// was dropped unused: the caller must not wait for it.
    pub(crate) fn register(&self, notify: Notify) -> bool {
        if self.is_finished() {
            return false;
        }
        *lock(&self.notify) = Some(notify);
        let before = self.state.fetch_or(NOTIFY, Ordering::AcqRel);
        if before & LIFECYCLE >= DONE {
            // The task ended before our flag went up. The finisher may still
            // have taken our notifier (the flag can be up from an earlier
            // registration); whoever takes it out of the slot owns the
            // wake-up, so it happens exactly once.
            return lock(&self.notify).take().is_none();
        }
        true
    }

    /// Removes whatever waits in the notify slot (after a timed-out wait).
    pub(crate) fn unregister(&self) {
        lock(&self.notify).take();
    }

    /// Moves a running task to `DONE` and wakes whoever registered. Returns
    /// the state word as it was before.
    fn finish(&self) -> usize {
        // Only the runner calls this, and RUNNING + 1 == DONE, so the add is
        // exact whatever flags other threads set meanwhile.
        let before = self.state.fetch_add(DONE - RUNNING, Ordering::AcqRel);
        debug_assert_eq!(before & LIFECYCLE, RUNNING);
        self.wake_if_registered(before);
        before
    }

    /// Marks the handle as dropped. If the task had already finished with a
    /// panic nobody read, reports it to the owner's ledger.
    pub(crate) fn release_handle(&self, result_taken: bool) {
        let before = self.state.fetch_or(HANDLE_GONE, Ordering::AcqRel);
        if before & LIFECYCLE == DONE && !result_taken {
            // SAFETY: DONE was observed with Acquire, so the runner's write
            // is visible and finished; the handle (us) is the only other
            // party, and it is being dropped.
            let outcome = self.outcome.with_mut(|slot| unsafe { (*slot).take() });
            self.report_if_failed(outcome);
        }
    }

    fn report_if_failed(&self, outcome: Option<Outcome<T>>) {
        let message = match outcome {
            Some(Outcome::Panic(payload)) => Panic::new(payload).message().to_owned(),
            Some(Outcome::Failed(error)) => error.to_string(),
            Some(Outcome::Value(_)) | None => return,
        };
        ledger::record(self.owner, self.id, self.name(), message);
    }

    /// Moves a pending task to running; returns whether it was pending.
    pub(crate) fn start(&self) -> bool {
        self.transition(PENDING, RUNNING).is_some()
    }

    /// Stores the outcome, moves the task from running to done, wakes the
    /// waiter, and reports a failure nobody will read.
    ///
    /// # Safety
    ///
    /// Only the thread that moved the task to running (won
    /// [`Header::start`]) may call this, once.
    pub(crate) unsafe fn complete(&self, outcome: Outcome<T>) {
        // SAFETY: we are the runner (caller's contract); nobody reads the
        // slot before `finish` publishes DONE.
        self.outcome
            .with_mut(|slot| unsafe { *slot = Some(outcome) });
        let before = self.finish();
        if before & HANDLE_GONE != 0 {
            // SAFETY: the handle is gone, so nobody else reads the slot.
            let outcome = self.outcome.with_mut(|slot| unsafe { (*slot).take() });
            self.report_if_failed(outcome);
        }
    }

    /// Takes the outcome of a finished task.
    ///
    /// Returns `None` if the task is not finished. A cancelled task has no
    /// outcome; the caller tells the two apart with [`Header::lifecycle`].
    ///
    /// # Safety
    ///
    /// Only the task's single handle may call this (it is the only reader).
    pub(crate) unsafe fn take_outcome(&self) -> Option<Outcome<T>> {
        if self.lifecycle() != DONE {
            return None;
        }
        // SAFETY: DONE observed with Acquire (in `lifecycle`): the runner's
        // write happened-before, and the runner never touches the slot again.
        // The caller is the only reader (contract above).
        self.outcome.with_mut(|slot| unsafe { (*slot).take() })
    }
}

/// A task as the queue sees it: something to run or to cancel.
pub(crate) trait Job: Send + Sync {
    /// Runs the closure if the task is still pending; otherwise does nothing.
    /// Never unwinds: a panic of the closure becomes the task's outcome.
    fn run(&self);

    /// Cancels the task if it is still pending; returns whether it did.
    fn cancel(&self) -> bool;
}

/// A task as its handle sees it.
pub(crate) trait TaskCore<T>: Job {
    fn header(&self) -> &Header<T>;
}

/// The one allocation behind a task.
pub(crate) struct JobCell<T, F> {
    header: Header<T>,
    /// Taken by whoever wins `PENDING → RUNNING` or `PENDING → CANCELLED`.
    func: UnsafeCell<Option<F>>,
}

// SAFETY: the closure slot is only touched by the thread that won the single
// transition out of PENDING (see the module docs), so `F: Send` suffices; the
// outcome slot is handed from the runner to one reader through a
// Release/Acquire pair on the state word, so `T: Send` suffices.
unsafe impl<T: Send, F: Send> Sync for JobCell<T, F> {}
// SAFETY: see `Sync` above; the cell owns `F` and `T`, both `Send`.
unsafe impl<T: Send, F: Send> Send for JobCell<T, F> {}

impl<T, F> JobCell<T, F>
where
    F: FnOnce() -> T + Send,
    T: Send,
{
    pub(crate) fn new(header: Header<T>, func: F) -> Self {
        Self {
            header,
            func: UnsafeCell::new(Some(func)),
        }
    }

    /// Takes the closure back out of a cell that was never shared.
    pub(crate) fn into_func(self) -> Option<F> {
        self.func.with_mut(|slot| {
            // SAFETY: `self` is owned, so nobody else can reach the slot.
            unsafe { (*slot).take() }
        })
    }

    fn take_func(&self) -> Option<F> {
        // SAFETY: called only right after winning a transition out of
        // PENDING, which makes this thread the closure's only user.
        self.func.with_mut(|slot| unsafe { (*slot).take() })
    }
}

impl<T, F> Job for JobCell<T, F>
where
    F: FnOnce() -> T + Send,
    T: Send,
{
    fn run(&self) {
        if !self.header.start() {
            return;
        }
        let Some(func) = self.take_func() else {
            return;
        };
        let outcome = match panic::catch_unwind(AssertUnwindSafe(func)) {
            Ok(value) => Outcome::Value(value),
            Err(payload) => Outcome::Panic(payload),
        };
        // SAFETY: we won PENDING → RUNNING just above.
        unsafe { self.header.complete(outcome) };
    }

    fn cancel(&self) -> bool {
        let Some(before) = self.header.transition(PENDING, CANCELLED) else {
            return false;
        };
        // Drop the captured data now rather than when the last reference goes.
        drop(self.take_func());
        self.header.wake_if_registered(before);
        true
    }
}

impl<T, F> TaskCore<T> for JobCell<T, F>
where
    F: FnOnce() -> T + Send,
    T: Send,
{
    fn header(&self) -> &Header<T> {
        &self.header
    }
}

/// A task without a closure: something else (a process pool's reader
/// thread) starts it and hands it its outcome. Its handle is an ordinary
/// [`Task`](super::Task).
#[cfg_attr(loom, allow(dead_code))]
pub(crate) struct PromiseCell<T> {
    header: Header<T>,
}

// SAFETY: no closure; the outcome slot is handed over as in `JobCell`.
unsafe impl<T: Send> Sync for PromiseCell<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Send for PromiseCell<T> {}

#[cfg_attr(loom, allow(dead_code))]
impl<T: Send> PromiseCell<T> {
    pub(crate) fn new(header: Header<T>) -> Self {
        Self { header }
    }

    /// Marks the promise as started; `false` if it was cancelled first.
    pub(crate) fn start(&self) -> bool {
        self.header.start()
    }

    /// Fulfils a started promise.
    ///
    /// # Safety
    ///
    /// Only the thread that won [`PromiseCell::start`] may call this, once.
    pub(crate) unsafe fn complete(&self, outcome: Outcome<T>) {
        // SAFETY: the caller's contract is `Header::complete`'s.
        unsafe { self.header.complete(outcome) }
    }
}

impl<T: Send> Job for PromiseCell<T> {
    /// Nothing to run here: the promise is fulfilled from outside.
    fn run(&self) {}

    fn cancel(&self) -> bool {
        let Some(before) = self.header.transition(PENDING, CANCELLED) else {
            return false;
        };
        self.header.wake_if_registered(before);
        true
    }
}

impl<T: Send> TaskCore<T> for PromiseCell<T> {
    fn header(&self) -> &Header<T> {
        &self.header
    }
}

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
//! - `WAITERS`: somebody registered in the task's waiter list (see
//!   [`waiters`](super::waiters)), so whoever ends the task must drain it;
//! - `HANDLE_GONE`: the caller dropped its [`Task`](super::Task), so a panic
//!   must be reported to the pool's ledger by whoever ends the task;
//! - `FAILED`: set together with `DONE` when the outcome is an error (for
//!   `wait(…, ReturnWhen::FirstException)`, which must not read the slot).
//!
//! Every transition is a single read-modify-write, so any two threads that
//! race (runner, canceller, waiters, dropping handle) are ordered by the
//! modification order of this one word, and exactly one of them sees the
//! other's effect. That is the property the loom tests check.
//!
//! # Waiters: the protocol
//!
//! The list lives behind a mutex beside the word, and `WAITERS` is only ever
//! set while that mutex is held, and never cleared. The end of a task is one
//! read-modify-write (`finish`: `fetch_add`; `cancel`: a compare-exchange)
//! that returns the word as it was:
//!
//! - without `WAITERS` nobody registered before the end: the finisher touches
//!   neither the mutex nor the list. With nobody waiting a task therefore
//!   costs no allocation (`Vec::new` and an unlocked `Mutex` allocate
//!   nothing) and one atomic on completion, the state transition itself;
//! - with `WAITERS`, the finisher locks the list, marks it `closed`, takes
//!   every entry, unlocks, wakes the threads, wakers and sets in registration
//!   order, then runs the callbacks (as Python does: waiters first).
//!
//! A registrant, under the mutex: if the list is `closed`, the task ended and
//! its waiters were drained: it acts at once itself. Otherwise it sets
//! `WAITERS` with a `fetch_or` and looks at the word it replaced. If the task
//! had ended *and* `WAITERS` was not up yet, the finisher did not see the
//! flag and will never drain: the registrant closes the list and acts itself.
//! In every other case the finisher's read-modify-write comes after a flag
//! that was set under the mutex, so it will drain, and it cannot have drained
//! yet (we hold the mutex and the list is open): the entry is pushed and will
//! be woken exactly once, by the finisher. (By induction: the first `fetch_or`
//! after the end sees no flag and closes the list, so "ended with the flag up
//! and not closed" means the finisher saw the flag.)
//!
//! A waiter that gives up removes its entry by key under the mutex. Finding
//! it gone means the finisher drained it: the task has ended, and the wake-up
//! is on its way (a spurious `unpark`, which every waiter tolerates).
//!
//! Callbacks read the result slot after `DONE` is visible, so the handle must
//! not take the result meanwhile: the drain sets `running_callbacks`, and a
//! take on a task whose word has `WAITERS` first waits (on a condition
//! variable) until the list is closed and no callback runs.
//!
//! ## Memory ordering
//!
//! - `try_start` and `try_cancel` use `Acquire` on success: the winner then
//!   owns the closure slot exclusively.
//! - `finish` is `AcqRel`: its `Release` publishes the result slot written
//!   just before; whoever observes `DONE` (with `Acquire`) may read it.
//! - `register`'s `fetch_or` is `AcqRel`: when it finds the task ended it
//!   acquires the result the finisher released, so a callback run at once on
//!   the registrant's thread reads a complete slot. The list's mutex orders
//!   everything else between the finisher's drain and the registrants.
//! - `started_at` is a `Release` store after winning the start and an
//!   `Acquire` load: a reader that sees it sees a valid instant.
//! - Spurious wake-ups are harmless: every waiter re-checks the state word
//!   in a loop.

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use super::cancel::CancelToken;
use super::error::{Panic, TaskError, TaskId};
use super::ledger;
use super::waiters::{Callback, WaitList, Waiter};
use crate::sync::{AtomicU64, AtomicUsize, Condvar, Mutex, Ordering, UnsafeCell, lock};

pub(crate) const PENDING: usize = 0;
pub(crate) const RUNNING: usize = 1;
pub(crate) const DONE: usize = 2;
pub(crate) const CANCELLED: usize = 3;
const LIFECYCLE: usize = 0b11;
const WAITERS: usize = 1 << 2;
const HANDLE_GONE: usize = 1 << 3;
const FAILED: usize = 1 << 4;

/// What the callbacks of a cancelled task see.
static CANCELLED_ERROR: TaskError = TaskError::Cancelled;
/// What a callback sees once the result was taken.
static TAKEN_ERROR: TaskError = TaskError::Taken;

/// What a finished task left behind.
pub(crate) enum Outcome<T> {
    Value(T),
    Panic(Box<dyn Any + Send + 'static>),
    /// Ended without a value for a reason of its own, not a panic (a
    /// broken pool).
    #[cfg_attr(loom, allow(dead_code))]
    Failed(TaskError),
}

impl<T> Outcome<T> {
    fn into_result(self) -> Result<T, TaskError> {
        match self {
            Outcome::Value(value) => Ok(value),
            Outcome::Panic(payload) => Err(TaskError::Panicked(Panic::new(payload))),
            Outcome::Failed(error) => Err(error),
        }
    }
}

/// The instant all start times count from (an `Instant` does not fit an
/// atomic word; nanoseconds since this one do, for 584 years).
fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

/// Everything about a task except its closure; independent of the closure's
/// type so [`TaskCore`] can hand it out.
pub(crate) struct Header<T> {
    state: AtomicUsize,
    id: TaskId,
    /// The pool (or scope) whose ledger hears about unread panics.
    owner: u64,
    /// The pool whose workers run the task (for the inline rule).
    pool: u64,
    name: Option<Box<str>>,
    /// The task's own token, if it was submitted with one; `cancel` trips it.
    token: Option<CancelToken>,
    /// When a runner started it: nanoseconds after [`epoch`], plus one; 0
    /// until then.
    started: AtomicU64,
    waiters: Mutex<WaitList<T>>,
    /// Signalled when the callbacks the finisher runs are done.
    callbacks_done: Condvar,
    /// Written once by the runner between `RUNNING` and `DONE`; read by
    /// callbacks and taken by the handle after `DONE` (see the module docs),
    /// or by the finisher when the handle is gone.
    outcome: UnsafeCell<Option<Result<T, TaskError>>>,
}

impl<T> Header<T> {
    pub(crate) fn new(id: TaskId, owner: u64, name: Option<Box<str>>) -> Self {
        Self {
            state: AtomicUsize::new(PENDING),
            id,
            owner,
            pool: owner,
            name,
            token: None,
            started: AtomicU64::new(0),
            waiters: Mutex::new(WaitList::new()),
            callbacks_done: Condvar::new(),
            outcome: UnsafeCell::new(None),
        }
    }

    /// Says which pool's workers run the task, when its ledger owner is a
    /// scope.
    pub(crate) fn in_pool(mut self, pool: u64) -> Self {
        self.pool = pool;
        self
    }

    /// Gives the task a token that [`Header::cancel_token`] trips.
    pub(crate) fn with_token(mut self, token: CancelToken) -> Self {
        self.token = Some(token);
        self
    }

    pub(crate) fn id(&self) -> TaskId {
        self.id
    }

    pub(crate) fn pool(&self) -> u64 {
        self.pool
    }

    pub(crate) fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Trips the task's own token, if it has one.
    pub(crate) fn cancel_token(&self) {
        if let Some(token) = &self.token {
            token.cancel();
        }
    }

    /// When a runner started the task, if one did.
    pub(crate) fn started_at(&self) -> Option<Instant> {
        match self.started.load(Ordering::Acquire) {
            0 => None,
            nanos => Some(epoch() + Duration::from_nanos(nanos - 1)),
        }
    }

    /// The life-cycle part of the state word.
    pub(crate) fn lifecycle(&self) -> usize {
        self.state.load(Ordering::Acquire) & LIFECYCLE
    }

    /// Done or cancelled: nothing will change any more.
    pub(crate) fn is_finished(&self) -> bool {
        self.lifecycle() >= DONE
    }

    /// Done with an error (a panic, a failure; not a cancellation).
    pub(crate) fn is_failed(&self) -> bool {
        let word = self.state.load(Ordering::Acquire);
        word & LIFECYCLE == DONE && word & FAILED != 0
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

    /// Registers `waiter`; returns its key, or gives it back if the task has
    /// already ended (the caller then acts at once itself). See the module
    /// docs for why every accepted waiter is woken exactly once.
    pub(crate) fn register(&self, waiter: Waiter<T>) -> Result<u64, Waiter<T>> {
        let mut list = lock(&self.waiters);
        if list.closed {
            return Err(waiter);
        }
        let before = self.state.fetch_or(WAITERS, Ordering::AcqRel);
        if before & LIFECYCLE >= DONE && before & WAITERS == 0 {
            // Ended before any flag went up: no finisher will drain.
            list.closed = true;
            return Err(waiter);
        }
        Ok(list.push(waiter))
    }

    /// Removes registration `key`. Returns `false` if the finisher already
    /// drained it: the task has ended and the wake-up is on its way.
    pub(crate) fn deregister(&self, key: u64) -> bool {
        lock(&self.waiters).remove(key)
    }

    /// Points registration `key` at `waker` (a re-poll with a new waker);
    /// `false` if it was drained (the task has ended).
    pub(crate) fn replace_waker(&self, key: u64, waker: &std::task::Waker) -> bool {
        lock(&self.waiters).replace_waker(key, waker)
    }

    /// Wakes everyone registered, if `before` (the word replaced by the final
    /// transition) says there is anyone, then runs the callbacks.
    fn wake_all(&self, before: usize) {
        if before & WAITERS == 0 {
            return;
        }
        let drained = {
            let mut list = lock(&self.waiters);
            let drained = list.drain();
            if list.gate_waiters > 0 {
                // A handle waits for the drain (and, to take the result,
                // for the callbacks, if any: it re-checks).
                self.callbacks_done.notify_all();
            }
            drained
        };
        let callbacks: Vec<Callback<T>> = drained.into_iter().filter_map(Waiter::wake).collect();
        if callbacks.is_empty() {
            return;
        }
        for callback in callbacks {
            self.run_callback(callback);
        }
        let report = {
            let mut list = lock(&self.waiters);
            list.running_callbacks = false;
            if list.gate_waiters > 0 {
                self.callbacks_done.notify_all();
            }
            std::mem::take(&mut list.report_after_callbacks)
        };
        if report {
            // The handle went away while the callbacks ran and left the
            // report to us; nobody else reads the slot any more.
            // SAFETY: the handle is gone and the callbacks are done.
            let outcome = self.outcome.with_mut(|slot| unsafe { (*slot).take() });
            self.report_if_failed(outcome);
        }
    }

    /// Calls `callback` with a view of the outcome. A panicking callback is
    /// logged and goes no further: the others still run, the worker lives.
    ///
    /// Only called once the task has ended, by its finisher (the handle
    /// cannot take the result meanwhile, see the module docs) or by a
    /// registrant holding `&` to the handle (which cannot take it either).
    pub(crate) fn run_callback(&self, callback: Callback<T>) {
        let run = || match self.lifecycle() {
            DONE => {
                // SAFETY: DONE was observed with Acquire: the runner's write
                // happened-before and it never writes again. Nobody takes
                // the result meanwhile (see above), so shared reads are fine.
                let slot = self.outcome.with(|slot| unsafe { &*slot });
                match slot {
                    Some(Ok(value)) => callback(Ok(value)),
                    Some(Err(error)) => callback(Err(error)),
                    None => callback(Err(&TAKEN_ERROR)),
                }
            }
            _ => callback(Err(&CANCELLED_ERROR)),
        };
        if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(run)) {
            log::error!(
                "waiter: a done callback of task {} panicked: {}",
                self.id,
                Panic::new(payload)
            );
        }
    }

    /// Waits until the finisher's drain is over and no callback reads the
    /// result slot. Only called once the task ended.
    fn wait_for_callbacks(&self) {
        if self.state.load(Ordering::Acquire) & WAITERS == 0 {
            return;
        }
        let mut list = lock(&self.waiters);
        while !list.closed || list.running_callbacks {
            list.gate_waiters += 1;
            list = self
                .callbacks_done
                .wait(list)
                .unwrap_or_else(|poison| poison.into_inner());
            list.gate_waiters -= 1;
        }
    }

    /// For a dropped handle: `true` if the finisher is running callbacks,
    /// in which case it will report an unread failure itself afterwards.
    /// (The handle may be dropped by one of those very callbacks, so it must
    /// not wait for them.) Waits only for the drain to start, which runs no
    /// user code. Only called once the task ended.
    fn leave_report_to_callbacks(&self) -> bool {
        if self.state.load(Ordering::Acquire) & WAITERS == 0 {
            return false;
        }
        let mut list = lock(&self.waiters);
        while !list.closed {
            list.gate_waiters += 1;
            list = self
                .callbacks_done
                .wait(list)
                .unwrap_or_else(|poison| poison.into_inner());
            list.gate_waiters -= 1;
        }
        // Only a drain sets `running_callbacks`, together with `closed`: once
        // clear here, it stays clear.
        if list.running_callbacks {
            list.report_after_callbacks = true;
        }
        list.running_callbacks
    }

    /// Takes the result slot of an ended task once callbacks are done with it.
    fn take_slot(&self) -> Option<Result<T, TaskError>> {
        self.wait_for_callbacks();
        // SAFETY: DONE was observed with Acquire by every caller; the drain
        // is over and no callback reads the slot; the caller is the only
        // party left that may take it (the handle, or the finisher once the
        // handle is gone).
        self.outcome.with_mut(|slot| unsafe { (*slot).take() })
    }

    /// Moves a running task to `DONE` (flagged `FAILED` on an error) and
    /// wakes whoever registered. Returns the state word as it was before.
    fn finish(&self, failed: bool) -> usize {
        // Only the runner calls this, and RUNNING + 1 == DONE, so the add is
        // exact whatever flags other threads set meanwhile (`FAILED` is set
        // by nobody else).
        let step = DONE - RUNNING + if failed { FAILED } else { 0 };
        let before = self.state.fetch_add(step, Ordering::AcqRel);
        debug_assert_eq!(before & LIFECYCLE, RUNNING);
        self.wake_all(before);
        before
    }

    /// Marks the handle as dropped. If the task had already finished with a
    /// panic nobody read, reports it to the owner's ledger.
    pub(crate) fn release_handle(&self, result_taken: bool) {
        let before = self.state.fetch_or(HANDLE_GONE, Ordering::AcqRel);
        if before & LIFECYCLE == DONE && !result_taken && !self.leave_report_to_callbacks() {
            let outcome = self.take_slot();
            self.report_if_failed(outcome);
        }
    }

    fn report_if_failed(&self, outcome: Option<Result<T, TaskError>>) {
        let message = match outcome {
            Some(Err(TaskError::Panicked(panic))) => panic.message().to_owned(),
            Some(Err(error)) => error.to_string(),
            Some(Ok(_)) | None => return,
        };
        ledger::record(self.owner, self.id, self.name(), message);
    }

    /// Moves a pending task to running; returns whether it was pending.
    pub(crate) fn start(&self) -> bool {
        if self.transition(PENDING, RUNNING).is_none() {
            return false;
        }
        let nanos = u64::try_from(epoch().elapsed().as_nanos()).unwrap_or(u64::MAX - 1);
        self.started.store(nanos + 1, Ordering::Release);
        true
    }

    /// Moves a pending task to cancelled, trips its token and wakes its
    /// waiters. Returns `Some(true)` if this call cancelled it, `Some(false)`
    /// if it was cancelled already, `None` if it had started.
    pub(crate) fn cancel(&self) -> Option<bool> {
        self.cancel_token();
        match self.transition(PENDING, CANCELLED) {
            Some(before) => {
                self.wake_all(before);
                Some(true)
            }
            None => (self.lifecycle() == CANCELLED).then_some(false),
        }
    }

    /// Stores the outcome, moves the task from running to done, wakes the
    /// waiters, runs the callbacks, and reports a failure nobody will read.
    ///
    /// # Safety
    ///
    /// Only the thread that moved the task to running (won
    /// [`Header::start`]) may call this, once.
    pub(crate) unsafe fn complete(&self, outcome: Outcome<T>) {
        let result = outcome.into_result();
        let failed = result.is_err();
        // SAFETY: we are the runner (caller's contract); nobody reads the
        // slot before `finish` publishes DONE.
        self.outcome
            .with_mut(|slot| unsafe { *slot = Some(result) });
        let before = self.finish(failed);
        if before & HANDLE_GONE != 0 {
            // The handle is gone, so nobody else reads the slot.
            let outcome = self.take_slot();
            self.report_if_failed(outcome);
        }
    }

    /// Takes the result of a finished task.
    ///
    /// Returns `None` if the task is not done (pending, running, or
    /// cancelled: the caller tells these apart with [`Header::lifecycle`]).
    ///
    /// # Safety
    ///
    /// Only the task's single handle may call this (it is the only reader
    /// that takes), and not while it lends out `&` to itself.
    pub(crate) unsafe fn take_outcome(&self) -> Option<Result<T, TaskError>> {
        if self.lifecycle() != DONE {
            return None;
        }
        self.take_slot()
    }
}

/// How many registrations `header`'s waiter list holds (for tests: waiting
/// in a loop must not grow it).
#[cfg(test)]
pub(crate) fn waiting<T>(header: &Header<T>) -> usize {
    lock(&header.waiters).len()
}

/// A task as the queue sees it: something to run, cancel or fail.
pub(crate) trait Job: Send + Sync {
    /// Runs the closure if the task is still pending; otherwise does nothing.
    /// Never unwinds: a panic of the closure becomes the task's outcome.
    fn run(&self);

    /// Cancels the task if it is still pending; returns whether it is
    /// cancelled now.
    fn cancel(&self) -> bool;

    /// Ends a still pending task with `error` instead of running it (a
    /// broken pool's tasks); does nothing if it started or was cancelled.
    fn fail(&self, error: TaskError);
}

/// A task as its handle sees it.
pub(crate) trait TaskCore<T>: Job {
    fn header(&self) -> &Header<T>;
}

/// Ends a pending task with `error`, if it is still pending.
fn fail_pending<T>(header: &Header<T>, error: TaskError) -> bool {
    if !header.start() {
        return false;
    }
    // SAFETY: we won PENDING → RUNNING just now.
    unsafe { header.complete(Outcome::Failed(error)) };
    true
}

/// The one allocation behind a task.
pub(crate) struct JobCell<T, F> {
    header: Header<T>,
    /// Taken by whoever wins `PENDING → RUNNING` or `PENDING → CANCELLED`.
    func: UnsafeCell<Option<F>>,
}

// SAFETY: the closure slot is only touched by the thread that won the single
// transition out of PENDING (see the module docs), so `F: Send` suffices; the
// outcome slot is handed from the runner to readers through a Release/Acquire
// pair on the state word; callbacks may read it from two threads at once
// (the finisher's and a late registrant's), and `on_done` requires `T: Sync`
// for that.
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
        let cancelled = self.header.cancel();
        if cancelled == Some(true) {
            // We won PENDING → CANCELLED: drop the captured data now rather
            // than when the last reference goes.
            drop(self.take_func());
        }
        cancelled.is_some()
    }

    fn fail(&self, error: TaskError) {
        if fail_pending(&self.header, error) {
            drop(self.take_func());
        }
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
        self.header.cancel().is_some()
    }

    fn fail(&self, error: TaskError) {
        fail_pending(&self.header, error);
    }
}

impl<T: Send> TaskCore<T> for PromiseCell<T> {
    fn header(&self) -> &Header<T> {
        &self.header
    }
}

//! The handle to a submitted task: wait for it, poll it, cancel it.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use super::error::{Panic, TaskError, TaskId};
use super::job::{CANCELLED, DONE, Outcome, PENDING, RUNNING, TaskCore};
use super::notify::Notify;
use super::worker;
use std::sync::Arc;

use crate::sync::{SpinLimit, spin_until, thread};

/// A handle to a task submitted with [`Pool::submit`](super::Pool::submit):
/// Python's `concurrent.futures.Future`, the Rust way.
///
/// The result is taken once, by [`wait`](ScopedTask::wait),
/// [`wait_timeout`](ScopedTask::wait_timeout),
/// [`try_get`](ScopedTask::try_get) or by `.await` (a `Task` is a
/// [`Future`]). Dropping the handle does not cancel the task; if the task
/// then panics, the panic is kept in the pool's ledger and returned by
/// [`Pool::shutdown`](super::Pool::shutdown).
///
/// # Examples
///
/// ```
/// use waiter::Pool;
///
/// let pool = Pool::new(2)?;
/// let task = pool.submit(|| 6 * 7)?;
/// assert_eq!(task.wait()?, 42);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub type Task<T> = ScopedTask<'static, T>;

/// A handle to a task that may borrow data living for `'scope`; see
/// [`Pool::scope`](super::Pool::scope). [`Task<T>`] is the `'static` case,
/// and every method is documented here.
pub struct ScopedTask<'scope, T> {
    core: Arc<dyn TaskCore<T> + 'scope>,
    taken: bool,
}

impl<'scope, T> ScopedTask<'scope, T> {
    pub(crate) fn new(core: Arc<dyn TaskCore<T> + 'scope>) -> Self {
        Self { core, taken: false }
    }

    /// The task's number in its pool.
    pub fn id(&self) -> TaskId {
        self.core.header().id()
    }

    /// The name given at submission, if any.
    pub fn name(&self) -> Option<&str> {
        self.core.header().name()
    }

    /// Whether the task finished: it ran to the end (or panicked), or it was
    /// cancelled. A finished task's result is ready without blocking.
    pub fn is_done(&self) -> bool {
        self.core.header().is_finished()
    }

    /// Whether a worker is running the task right now.
    pub fn is_running(&self) -> bool {
        self.core.header().lifecycle() == RUNNING
    }

    /// Whether the task was cancelled before it started.
    pub fn is_cancelled(&self) -> bool {
        self.core.header().lifecycle() == CANCELLED
    }

    /// Cancels the task if it has not started; returns whether it did.
    ///
    /// A running task is never interrupted (killing a thread mid-work can
    /// leave locks held and data torn, the note's warning); it can be *asked*
    /// to stop through a [`CancelToken`](super::CancelToken).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::mpsc;
    /// use waiter::Pool;
    ///
    /// let pool = Pool::new(1)?;
    /// let (release, gate) = mpsc::channel::<()>();
    /// let busy = pool.submit(move || gate.recv().ok())?; // holds the only worker
    /// let queued = pool.submit(|| "never runs")?;
    /// assert!(queued.cancel());
    /// assert!(queued.wait().unwrap_err().is_cancelled());
    /// release.send(()).unwrap();
    /// busy.wait()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn cancel(&self) -> bool {
        self.core.cancel()
    }

    /// Blocks until the task finishes and returns its result.
    ///
    /// Called on a worker thread of any pool while the task is still
    /// pending, `wait` runs the task right here instead of blocking: a task
    /// that waits for another task of its own saturated pool therefore makes
    /// progress instead of deadlocking. (If the awaited task is already
    /// running elsewhere, `wait` blocks until it ends.)
    ///
    /// # Errors
    ///
    /// [`TaskError::Panicked`] if the closure panicked,
    /// [`TaskError::Cancelled`] if it was cancelled before it started,
    /// [`TaskError::Taken`] if the result was already taken.
    pub fn wait(mut self) -> Result<T, TaskError> {
        if !self.taken && worker::is_worker() && self.core.header().lifecycle() == PENDING {
            self.core.run();
        }
        self.block(None);
        self.take()
    }

    /// Waits at most `timeout` for the task to finish. Returns `None` if it
    /// is still pending or running then (the task goes on; call again later).
    ///
    /// Unlike [`wait`](Self::wait), this never runs the task inline, so it
    /// returns on time.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use waiter::Pool;
    ///
    /// let pool = Pool::new(1)?;
    /// let mut slow = pool.submit(|| std::thread::sleep(Duration::from_millis(200)))?;
    /// assert!(slow.wait_timeout(Duration::from_millis(1)).is_none());
    /// assert!(slow.wait_timeout(Duration::from_secs(10)).is_some());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn wait_timeout(&mut self, timeout: Duration) -> Option<Result<T, TaskError>> {
        let deadline = Instant::now().checked_add(timeout);
        if self.block(deadline) {
            Some(self.take())
        } else {
            None
        }
    }

    /// The result if the task has finished, without blocking.
    pub fn try_get(&mut self) -> Option<Result<T, TaskError>> {
        if self.is_done() {
            Some(self.take())
        } else {
            None
        }
    }

    /// Blocks until the task finishes or `deadline` passes; returns whether
    /// it finished. Spins briefly first: most tiny tasks end within a few
    /// microseconds, and parking costs more than that.
    pub(crate) fn block(&self, deadline: Option<Instant>) -> bool {
        let header = self.core.header();
        if spin_until(|| header.is_finished(), SpinLimit::Patient) {
            return true;
        }
        if !header.register(Notify::Thread(thread::current())) {
            return true;
        }
        loop {
            // Re-checked after every wake-up: `park` may return spuriously,
            // and an unpark meant for an earlier wait may still be pending.
            if header.is_finished() {
                return true;
            }
            match deadline {
                None => thread::park(),
                Some(deadline) => match deadline.checked_duration_since(Instant::now()) {
                    Some(left) if !left.is_zero() => thread::park_timeout(left),
                    _ => {
                        header.unregister();
                        return header.is_finished();
                    }
                },
            }
        }
    }

    /// Takes the result of a finished task.
    pub(crate) fn take(&mut self) -> Result<T, TaskError> {
        if self.taken {
            return Err(TaskError::Taken);
        }
        let header = self.core.header();
        match header.lifecycle() {
            CANCELLED => {
                self.taken = true;
                Err(TaskError::Cancelled)
            }
            DONE => {
                self.taken = true;
                // SAFETY: this handle is the task's only one.
                match unsafe { header.take_outcome() } {
                    Some(Outcome::Value(value)) => Ok(value),
                    Some(Outcome::Panic(payload)) => Err(TaskError::Panicked(Panic::new(payload))),
                    Some(Outcome::Failed(error)) => Err(error),
                    None => Err(TaskError::Taken),
                }
            }
            _ => unreachable!("take() is only called on a finished task"),
        }
    }

    /// Registers `notify` to hear about the end; `false` if already finished.
    pub(crate) fn register(&self, notify: Notify) -> bool {
        self.core.header().register(notify)
    }

    /// Empties the notify slot, as a timed-out wait does.
    #[cfg(all(test, loom))]
    pub(crate) fn core_header_unregister(&self) {
        self.core.header().unregister();
    }

    /// Runs the task here if it is still pending (used by waits on worker
    /// threads to avoid deadlock).
    pub(crate) fn run_inline(&self) {
        self.core.run();
    }
}

impl<T> Future for ScopedTask<'_, T> {
    type Output = Result<T, TaskError>;

    /// Ready once the task finished. Polling again after `Ready` returns
    /// `Err(TaskError::Taken)`.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if this.taken || this.is_done() || !this.register(Notify::Waker(cx.waker().clone())) {
            return Poll::Ready(this.take());
        }
        Poll::Pending
    }
}

impl<T> Drop for ScopedTask<'_, T> {
    fn drop(&mut self) {
        self.core.header().release_handle(self.taken);
    }
}

impl<T> fmt::Debug for ScopedTask<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.core.header().lifecycle() {
            PENDING => "pending",
            RUNNING => "running",
            DONE => "done",
            _ => "cancelled",
        };
        f.debug_struct("Task")
            .field("id", &self.id())
            .field("name", &self.name())
            .field("state", &state)
            .finish()
    }
}

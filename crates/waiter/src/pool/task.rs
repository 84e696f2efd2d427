//! The handle to a submitted task: wait for it (from any number of threads),
//! poll it, cancel it, hear about its end.
//!
//! [`Task<T>`] (from [`Pool::submit`](super::Pool::submit)) and
//! [`ScopedTask<'scope, T>`] (from [`Scope::submit`](super::Scope::submit))
//! are the same handle, with and without a borrow; both wrap a [`RawTask`],
//! and one macro gives both the same documented methods.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use super::current;
use super::error::{TaskError, TaskId};
use super::job::{CANCELLED, DONE, PENDING, RUNNING, TaskCore};
use super::waiters::{Callback, Waiter};
use crate::sync::{SpinLimit, spin_until, thread};

/// Where a task is in its life, as Python's future states.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TaskState {
    /// Queued, not started: [`cancel`](Task::cancel) still stops it.
    Pending,
    /// A worker runs it.
    Running,
    /// It ran to the end (a value, a panic or an error).
    Done,
    /// It was cancelled before it started.
    Cancelled,
}

impl TaskState {
    /// Done or cancelled: nothing will change any more.
    pub fn is_finished(self) -> bool {
        matches!(self, TaskState::Done | TaskState::Cancelled)
    }
}

impl fmt::Display for TaskState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TaskState::Pending => "pending",
            TaskState::Running => "running",
            TaskState::Done => "done",
            TaskState::Cancelled => "cancelled",
        })
    }
}

/// What both handle types hold: the task's cell, whether the result was
/// taken, and the registration of this handle's async poller.
pub(crate) struct RawTask<'scope, T> {
    core: Arc<dyn TaskCore<T> + 'scope>,
    taken: bool,
    /// This handle's entry in the waiter list while it is polled.
    poll_key: Option<u64>,
}

impl<'scope, T> RawTask<'scope, T> {
    pub(crate) fn new(core: Arc<dyn TaskCore<T> + 'scope>) -> Self {
        Self {
            core,
            taken: false,
            poll_key: None,
        }
    }

    pub(crate) fn header(&self) -> &super::job::Header<T> {
        self.core.header()
    }

    pub(crate) fn state(&self) -> TaskState {
        match self.header().lifecycle() {
            PENDING => TaskState::Pending,
            RUNNING => TaskState::Running,
            DONE => TaskState::Done,
            _ => TaskState::Cancelled,
        }
    }

    pub(crate) fn is_finished(&self) -> bool {
        self.header().is_finished()
    }

    pub(crate) fn cancel(&self) -> bool {
        self.core.cancel()
    }

    /// Runs the task here if it is pending and this thread is a worker of
    /// its pool (a waiting worker helps, but only its own pool).
    pub(crate) fn help(&self) {
        if current::is_worker_of(self.header().pool()) && self.header().lifecycle() == PENDING {
            self.core.run();
        }
    }

    /// Blocks until the task finishes or `deadline` passes; returns whether
    /// it finished. Spins briefly first: most tiny tasks end within a few
    /// microseconds, and parking costs more than that. Registers its own
    /// entry, so any number of threads may block at once, and removes it on
    /// a timeout.
    pub(crate) fn block(&self, deadline: Option<Instant>) -> bool {
        let header = self.header();
        if spin_until(|| header.is_finished(), SpinLimit::Patient) {
            return true;
        }
        let Ok(key) = header.register(Waiter::Thread(thread::current())) else {
            return true;
        };
        loop {
            // Re-checked after every wake-up: `park` may return spuriously,
            // and an unpark meant for an earlier wait may still be pending.
            if header.is_finished() {
                // Our entry is drained (or about to be) by the finisher.
                return true;
            }
            match deadline {
                None => thread::park(),
                Some(deadline) => match deadline.checked_duration_since(Instant::now()) {
                    Some(left) if !left.is_zero() => thread::park_timeout(left),
                    // Gone from the list: the finisher drained it, so the
                    // task has ended.
                    _ => return !header.deregister(key) || header.is_finished(),
                },
            }
        }
    }

    /// Takes the result of a finished task.
    pub(crate) fn take(&mut self) -> Result<T, TaskError> {
        if self.taken {
            return Err(TaskError::Taken);
        }
        match self.header().lifecycle() {
            CANCELLED => {
                self.taken = true;
                Err(TaskError::Cancelled)
            }
            DONE => {
                self.taken = true;
                // SAFETY: this handle is the task's only taker, and `&mut
                // self` means it lends out no `&` meanwhile.
                unsafe { self.header().take_outcome() }.unwrap_or(Err(TaskError::Taken))
            }
            _ => unreachable!("take() is only called on a finished task"),
        }
    }

    pub(crate) fn wait(mut self) -> Result<T, TaskError> {
        if !self.taken {
            self.help();
        }
        self.block(None);
        self.take()
    }

    pub(crate) fn wait_timeout(&mut self, timeout: Duration) -> Result<T, TaskError> {
        if self.block(Instant::now().checked_add(timeout)) {
            self.take()
        } else {
            Err(TaskError::Timeout)
        }
    }

    pub(crate) fn wait_done(&self, timeout: Option<Duration>) -> Result<(), TaskError> {
        let deadline = timeout.and_then(|timeout| Instant::now().checked_add(timeout));
        if timeout.is_none() {
            self.help();
        }
        if self.block(deadline) {
            Ok(())
        } else {
            Err(TaskError::Timeout)
        }
    }

    pub(crate) fn try_get(&mut self) -> Option<Result<T, TaskError>> {
        self.is_finished().then(|| self.take())
    }

    /// Registers `callback`, or calls it here if the task has ended.
    pub(crate) fn on_done(&self, callback: Callback<T>) {
        if let Err(Waiter::Callback(callback)) = self.header().register(Waiter::Callback(callback))
        {
            self.header().run_callback(callback);
        }
    }

    pub(crate) fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, TaskError>> {
        if self.taken || self.is_finished() {
            self.poll_key = None;
            return Poll::Ready(self.take());
        }
        let header = self.core.header();
        let registered = match self.poll_key {
            // A re-poll: the same entry, with this poll's waker.
            Some(key) => header.replace_waker(key, cx.waker()),
            None => match header.register(Waiter::Waker(cx.waker().clone())) {
                Ok(key) => {
                    self.poll_key = Some(key);
                    true
                }
                Err(_) => false,
            },
        };
        if registered {
            Poll::Pending
        } else {
            // Drained or refused: the task has ended.
            self.poll_key = None;
            Poll::Ready(self.take())
        }
    }

    /// Takes the result for a [`SharedTask`](super::SharedTask), whose
    /// `OnceLock` guarantees a single caller; `self.taken` stays false, and
    /// the slot stays empty for the handle's drop.
    pub(crate) fn take_shared(&self) -> Result<T, TaskError> {
        match self.header().lifecycle() {
            CANCELLED => Err(TaskError::Cancelled),
            // SAFETY: the shared handle's `OnceLock` runs this once, and
            // nothing else takes from its inner handle.
            _ => unsafe { self.header().take_outcome() }.unwrap_or(Err(TaskError::Taken)),
        }
    }

    fn debug(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Task")
            .field("id", &self.header().id())
            .field("name", &self.header().name())
            .field("state", &self.state())
            .finish()
    }
}

impl<T> Drop for RawTask<'_, T> {
    fn drop(&mut self) {
        if let Some(key) = self.poll_key.take() {
            self.header().deregister(key);
        }
        self.header().release_handle(self.taken);
    }
}

/// A handle to a task submitted with [`Pool::submit`](super::Pool::submit):
/// Python's `concurrent.futures.Future`, the Rust way.
///
/// Any number of threads holding `&Task` may wait for it
/// ([`wait_done`](Task::wait_done)), ask its [`state`](Task::state), cancel
/// it or add [done callbacks](Task::on_done); every one of them is woken
/// when it ends. The *result* is taken once, by the owner:
/// [`wait`](Task::wait), [`wait_timeout`](Task::wait_timeout),
/// [`try_get`](Task::try_get), or `.await` (a `Task` is a [`Future`]). For
/// several owners of a cloneable result, [`shared`](Task::shared) gives a
/// [`SharedTask`](super::SharedTask).
///
/// Dropping the handle does not cancel the task; if the task then panics,
/// the panic is kept in the pool's ledger and returned by
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
pub struct Task<T>(pub(crate) RawTask<'static, T>);

/// A handle to a task that may borrow data living for `'scope`; see
/// [`Pool::scope`](super::Pool::scope). It has every method of [`Task`].
pub struct ScopedTask<'scope, T>(pub(crate) RawTask<'scope, T>);

impl<T> Task<T> {
    pub(crate) fn new(core: Arc<dyn TaskCore<T>>) -> Self {
        Self(RawTask::new(core))
    }

    /// A handle that can be cloned, each clone waiting for and getting a
    /// clone of the outcome (as `futures`' `Shared` does). The result is
    /// taken from the task once, by whichever clone asks first.
    ///
    /// # Examples
    ///
    /// ```
    /// use waiter::Pool;
    ///
    /// let pool = Pool::new(2)?;
    /// let config = pool.submit(|| String::from("loaded"))?.shared();
    /// let readers: Vec<_> = (0..3)
    ///     .map(|_| {
    ///         let config = config.clone();
    ///         std::thread::spawn(move || config.wait())
    ///     })
    ///     .collect();
    /// for reader in readers {
    ///     assert_eq!(reader.join().unwrap()?, "loaded");
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn shared(self) -> super::SharedTask<T>
    where
        T: Clone,
    {
        super::SharedTask::new(self.0)
    }
}

impl<'scope, T> ScopedTask<'scope, T> {
    pub(crate) fn new(core: Arc<dyn TaskCore<T> + 'scope>) -> Self {
        Self(RawTask::new(core))
    }
}

/// The methods of both handle types, written once.
macro_rules! task_methods {
    ($scope:lifetime) => {
        /// The task's number in its pool.
        pub fn id(&self) -> TaskId {
            self.0.header().id()
        }

        /// The name given at submission, if any.
        pub fn name(&self) -> Option<&str> {
            self.0.header().name()
        }

        /// Where the task is in its life. Python's `running()`, `done()`
        /// and `cancelled()` in one answer.
        pub fn state(&self) -> TaskState {
            self.0.state()
        }

        /// Whether the task finished: it ran to the end (or panicked), or it
        /// was cancelled. A finished task's result is ready without blocking.
        pub fn is_done(&self) -> bool {
            self.0.is_finished()
        }

        /// Whether a worker is running the task right now.
        pub fn is_running(&self) -> bool {
            self.0.state() == TaskState::Running
        }

        /// Whether the task was cancelled before it started.
        pub fn is_cancelled(&self) -> bool {
            self.0.state() == TaskState::Cancelled
        }

        /// When a worker started running the task (`None` while pending, or
        /// if it was cancelled first): the base for a per-task time limit
        /// that does not count time spent in the queue.
        ///
        /// # Examples
        ///
        /// ```
        /// use std::time::Duration;
        /// use waiter::Pool;
        ///
        /// let pool = Pool::new(1)?;
        /// let task = pool.submit(|| std::thread::sleep(Duration::from_millis(20)))?;
        /// task.wait_done(None)?;
        /// assert!(task.started_at().unwrap().elapsed() >= Duration::from_millis(20));
        /// # Ok::<(), Box<dyn std::error::Error>>(())
        /// ```
        pub fn started_at(&self) -> Option<Instant> {
            self.0.header().started_at()
        }

        /// Cancels the task if it has not started. Returns whether the task
        /// is cancelled now: `true` also if it was cancelled before, `false`
        /// if it is running or done. Python's `Future.cancel()`.
        ///
        /// A running task is never interrupted (killing a thread mid-work
        /// can leave locks held and data torn, the note's warning). But a
        /// task submitted with
        /// [`submit_with_token`](super::Pool::submit_with_token) has a token
        /// of its own, which `cancel` trips in every case: a cooperative
        /// task sees it and can stop early, alone.
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
        /// assert!(queued.cancel(), "still cancelled");
        /// assert!(queued.wait().unwrap_err().is_cancelled());
        /// release.send(()).unwrap();
        /// busy.wait()?;
        /// # Ok::<(), Box<dyn std::error::Error>>(())
        /// ```
        pub fn cancel(&self) -> bool {
            self.0.cancel()
        }

        /// Blocks until the task finishes and returns its result.
        ///
        /// Called on a worker thread of the task's own pool while the task
        /// is still pending, `wait` runs the task right here instead of
        /// blocking: a task that waits for another task of its own
        /// saturated pool makes progress instead of deadlocking. A task of
        /// another pool is left to that pool's workers.
        ///
        /// # Errors
        ///
        /// [`TaskError::Panicked`] if the closure panicked,
        /// [`TaskError::Cancelled`] if it was cancelled before it started,
        /// [`TaskError::Broken`] if its pool broke,
        /// [`TaskError::Taken`] if the result was already taken.
        pub fn wait(self) -> Result<T, TaskError> {
            self.0.wait()
        }

        /// Waits at most `timeout` for the task to finish and takes its
        /// result. Never runs the task inline, so it returns on time.
        ///
        /// # Errors
        ///
        /// [`TaskError::Timeout`] if the task is still pending or running
        /// then (it goes on; call again later); otherwise as
        /// [`wait`](Self::wait).
        ///
        /// # Examples
        ///
        /// ```
        /// use std::time::Duration;
        /// use waiter::{Pool, TaskError};
        ///
        /// let pool = Pool::new(1)?;
        /// let mut slow = pool.submit(|| std::thread::sleep(Duration::from_millis(200)))?;
        /// assert!(matches!(slow.wait_timeout(Duration::from_millis(1)), Err(TaskError::Timeout)));
        /// assert!(slow.wait_timeout(Duration::from_secs(10)).is_ok());
        /// # Ok::<(), Box<dyn std::error::Error>>(())
        /// ```
        pub fn wait_timeout(&mut self, timeout: Duration) -> Result<T, TaskError> {
            self.0.wait_timeout(timeout)
        }

        /// Waits until the task has finished (done or cancelled), at most
        /// `timeout` (`None`: for ever), without taking the result: any
        /// thread holding `&self` may call it, any number at once. On a
        /// worker of the task's pool, with no timeout, it runs a pending
        /// task inline as [`wait`](Self::wait) does.
        ///
        /// # Errors
        ///
        /// [`TaskError::Timeout`] if the time ran out first.
        ///
        /// # Examples
        ///
        /// ```
        /// use std::time::Duration;
        /// use waiter::Pool;
        ///
        /// let pool = Pool::new(1)?;
        /// let task = pool.submit(|| 7)?;
        /// std::thread::scope(|s| {
        ///     for _ in 0..3 {
        ///         s.spawn(|| task.wait_done(Some(Duration::from_secs(10))).unwrap());
        ///     }
        /// });
        /// assert!(task.is_done());
        /// assert_eq!(task.wait()?, 7);
        /// # Ok::<(), Box<dyn std::error::Error>>(())
        /// ```
        pub fn wait_done(&self, timeout: Option<Duration>) -> Result<(), TaskError> {
            self.0.wait_done(timeout)
        }

        /// The result if the task has finished, without blocking; `None`
        /// while it is pending or running.
        pub fn try_get(&mut self) -> Option<Result<T, TaskError>> {
            self.0.try_get()
        }

        /// Calls `callback` once when the task ends (done, panicked or
        /// cancelled), with a view of the outcome: `Ok(&value)` or
        /// `Err(&error)` (`Err(&TaskError::Taken)` if the result was taken
        /// before). Python's `add_done_callback`.
        ///
        /// It runs on the thread that ends the task (the worker, or the
        /// canceller), after the task's waiters are woken, in the order the
        /// callbacks were added; or at once on this thread if the task has
        /// already ended. A panicking callback is logged with
        /// [`log::error!`]; the other callbacks still run and the worker
        /// lives on. Keep callbacks short: they hold up the worker, and the
        /// owner's `wait` returns the result only after they ran. A callback
        /// must not wait for its own task.
        ///
        /// # Examples
        ///
        /// ```
        /// use std::sync::mpsc;
        /// use waiter::Pool;
        ///
        /// let pool = Pool::new(1)?;
        /// let (tell, told) = mpsc::channel();
        /// let task = pool.submit(|| 6 * 7)?;
        /// task.on_done(move |outcome| tell.send(outcome.copied().ok()).unwrap());
        /// assert_eq!(told.recv().unwrap(), Some(42));
        /// # Ok::<(), Box<dyn std::error::Error>>(())
        /// ```
        pub fn on_done<F>(&self, callback: F)
        where
            F: FnOnce(Result<&T, &TaskError>) + Send + $scope,
            T: Sync,
        {
            let callback: Box<dyn FnOnce(Result<&T, &TaskError>) + Send + $scope> =
                Box::new(callback);
            // SAFETY: only the lifetime is erased. The callback runs (or is
            // dropped with the list) before the task's cell is freed, and a
            // handle borrowing `$scope` cannot outlive it: its pool's scope
            // waits for every task and drops every reference to the cell
            // before `$scope` ends.
            let callback: Callback<T> = unsafe { std::mem::transmute(callback) };
            self.0.on_done(callback);
        }
    };
}

impl<T> Task<T> {
    task_methods!('static);
}

impl<'scope, T> ScopedTask<'scope, T> {
    task_methods!('scope);
}

impl<T> Future for Task<T> {
    type Output = Result<T, TaskError>;

    /// Ready once the task finished. Each poll's waker replaces the one
    /// before. Polling again after `Ready` returns `Err(TaskError::Taken)`.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.get_mut().0.poll(cx)
    }
}

impl<T> Future for ScopedTask<'_, T> {
    type Output = Result<T, TaskError>;

    /// As for [`Task`].
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.get_mut().0.poll(cx)
    }
}

impl<T> fmt::Debug for Task<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.debug(f)
    }
}

impl<T> fmt::Debug for ScopedTask<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.debug(f)
    }
}

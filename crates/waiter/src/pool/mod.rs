//! A fixed pool of worker threads with a `concurrent.futures`-style API.
//!
//! The note's `ThreadPoolExecutor(max_workers=2)` used as a context manager
//! becomes a [`Pool`] value: [`submit`](Pool::submit) returns a
//! [`Task`] handle, and dropping the pool waits for all submitted work, as
//! leaving Python's `with` block calls `shutdown(wait=True)`.
//!
//! ```
//! use waiter::Pool;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! {
//!     let pool = Pool::new(2)?;
//!     pool.submit(|| println!("Started calculating..."))?;
//!     pool.submit(|| println!("Hello, Jose"))?;
//! } // the pool is dropped here: both tasks have finished
//! # Ok(()) }
//! ```
//!
//! # From `concurrent.futures`
//!
//! Every name of Python's module, its `waiter` counterpart, and each
//! deliberate difference with the reason for it.
//!
//! | `concurrent.futures` | `waiter` | difference, and why |
//! |---|---|---|
//! | `ThreadPoolExecutor(max_workers)` | [`Pool::new`], [`Pool::builder`]`.workers(n)` | default size is [`default_workers`] (the CPUs this process may use), not `min(32, cpus + 4)`: threads here run Rust in parallel, with no GIL to wait on |
//! | `thread_name_prefix=` | [`PoolBuilder::thread_name_prefix`] | names are `{prefix}-{index}` |
//! | `initializer=`, `initargs=` | [`PoolBuilder::initializer`] | a closure captures its arguments; it may return `Err(reason)` as well as panic |
//! | `BrokenThreadPool`, `BrokenExecutor` | [`TaskError::Broken`], [`Pool::broken`] | `submit` on a broken pool still returns a handle, already failed with `Broken`: one error path for pending and later tasks |
//! | `Executor.submit(fn, *args)` | [`Pool::submit`], [`Pool::submit_named`], [`Pool::try_submit`], [`Pool::submit_with_token`] | a closure captures arguments; `Send + 'static` is checked at compile time; `try_submit` refuses instead of blocking on a bounded queue ([`PoolBuilder::queue_bound`]; Python's queue is unbounded) |
//! | `Executor.map(fn, *iterables, timeout)` | [`Pool::map`], [`Map::timeout`] | lazy, with a bounded window ([`MAP_WINDOW_PER_WORKER`]), so an endless input works (Python submits everything first); each item is a `Result` (Python raises the first error and stops) |
//! | `Executor.shutdown(wait=True)` | [`Pool::shutdown`], `Drop` | returns the panics nobody read ([`LostPanic`]) |
//! | `shutdown(wait=False)` | [`Pool::shutdown_timeout`]`(d) -> bool` | bounded: waits up to `d`; the workers still finish every task |
//! | `shutdown(cancel_futures=True)` | [`Pool::shutdown_now`] | also trips every task's [`CancelToken`] |
//! | `with executor:` | a scope: the pool is dropped at its end | [`Pool::scope`] adds tasks that borrow local data |
//! | `Future` | [`Task`], [`ScopedTask`] | the result is taken once, by the owner (Rust values move); several owners use [`SharedTask`] |
//! | `Future.result(timeout)` | [`Task::wait`], [`Task::wait_timeout`], [`Task::try_get`], `.await` | a timeout is [`TaskError::Timeout`]; a second take is [`TaskError::Taken`] |
//! | `Future.exception(timeout)` | the `Err` of the above; [`Task::on_done`] sees `&TaskError` | no separate call: a Rust result is a value or an error |
//! | `Future.cancel()` | [`Task::cancel`] | the same answer (true also if already cancelled); it also trips the task's own token, so a cooperative running task can stop |
//! | `Future.cancelled()`, `running()`, `done()` | [`Task::is_cancelled`], [`Task::is_running`], [`Task::is_done`], [`Task::state`] | — |
//! | `Future.add_done_callback(fn)` | [`Task::on_done`] | the callback gets a view of the outcome (`Result<&T, &TaskError>`), not the future; a panic in it is logged with `log::error!` (Python logs and goes on too) |
//! | waiting on a future from many threads | [`Task::wait_done`] (`&self`), [`wait`], [`wait_any`], [`wait_all`] | every waiter is woken exactly once |
//! | `wait(fs, timeout, return_when)` | [`wait`]`(&tasks, ReturnWhen::…, timeout)` | returns index sets ([`Waited`]) instead of sets of futures |
//! | `FIRST_COMPLETED`, `FIRST_EXCEPTION`, `ALL_COMPLETED` | [`ReturnWhen`] | a panic or an error counts as an exception; a cancellation does not, as in Python. A cancelled task counts as done at once (Python counts a future cancelled outside an executor as done only once "notified"; a task here has no such half-state) |
//! | futures of different result types in one `wait` | `wait(&[&a as &dyn Waitable, &b], …)` | Rust slices hold one type: a [`Waitable`] trait object erases the result type |
//! | `as_completed(fs)` | [`as_completed`] | takes the handles and yields `(index, result)`; a handle cannot be passed twice (Python drops duplicates); dropping the iterator cancels tasks not started (use [`AsCompleted::into_remaining`] to keep them) |
//! | `as_completed(fs, timeout)` | [`as_completed_timeout`] | yields `Err(TaskError::Timeout)` once, then ends; unfinished tasks are untouched and can be taken back |
//! | `TimeoutError` | [`TaskError::Timeout`] | carries no count: Python's `as_completed` says "2 (of 4) futures unfinished"; here [`AsCompletedTimeout::into_remaining`] hands those tasks back |
//! | `CancelledError` | [`TaskError::Cancelled`] | — |
//! | an exception raised by `fn` | [`TaskError::Panicked`] with the [`Panic`] | a task's panics do not reach the panic hook unless [`PoolBuilder::quiet_panics`]`(false)`: Python prints nothing until `result()` either |
//! | `ProcessPoolExecutor` | [`ProcessPool`](crate::ProcessPool) | its own module |
//!
//! # How it is built
//!
//! - `job.rs`: a task is one allocation: the closure, an atomic state word
//!   (pending → running → done, or pending → cancelled), a result slot and
//!   the list of its waiters (`waiters.rs`).
//! - `task.rs`, `shared.rs`: the handles; `wait.rs`: waiting on many;
//!   `map.rs`: `Pool::map`.
//! - `queue.rs`: one FIFO shared by all workers, optionally bounded.
//! - `worker.rs`: each worker sets up, then pops and runs until told to
//!   stop; a panicking task is caught and becomes that task's error.
//! - `current.rs`: which pool the current thread works for (a leaf module).
//! - `latch.rs`: what a waiting thread blocks on (completion sets, scopes).
//! - `gate.rs`: shutdown closes the door to new work and waits for
//!   submissions already half-way through; `life.rs`: live workers and the
//!   broken flag.
//! - `ledger.rs`: panics whose handle was dropped unread, kept for
//!   [`Pool::shutdown`].
//!
//! # Waiting inside a worker (nested use)
//!
//! A task that submits work to its own pool and waits for it could deadlock
//! when every worker does the same. The rule: [`Task::wait`] called on a
//! worker thread runs the awaited task *inline* if it has not started yet
//! and belongs to the worker's own pool. [`wait`], [`wait_all`],
//! [`wait_any`], [`as_completed`] and [`Pool::map`] do the same when they
//! have no timeout. A task of another pool is never run inline: that would
//! lend this pool's threads to it and break its worker limit. Timed waits
//! never run anything inline: they return on time instead. Do not block a
//! worker on a *bounded* queue from inside the pool (`submit` waits for room
//! that only workers make); use [`Pool::try_submit`] there.
//!
//! # The `Send` and `'static` bounds
//!
//! A task runs on another thread, possibly after the caller's stack frame is
//! gone: `submit` checks both at compile time (use [`Pool::scope`] to
//! borrow). These do not compile:
//!
//! ```compile_fail
//! let pool = waiter::Pool::new(1).unwrap();
//! let local = String::from("borrowed");
//! pool.submit(|| local.len()); // `local` does not live long enough
//! ```
//!
//! ```compile_fail
//! let pool = waiter::Pool::new(1).unwrap();
//! let shared = std::rc::Rc::new(5);
//! pool.submit(move || *shared); // `Rc` is not `Send`
//! ```
//!
//! ```compile_fail
//! let pool = waiter::Pool::new(1).unwrap();
//! pool.submit(|| std::rc::Rc::new(5)); // the result must be `Send` too
//! ```
//!
//! ```compile_fail
//! let pool = waiter::Pool::new(1).unwrap();
//! let counter = std::cell::Cell::new(0);
//! pool.scope(|s| {
//!     s.submit(|| counter.set(1)); // `&Cell` is not `Send`
//! });
//! ```

mod builder;
mod cancel;
mod current;
mod error;
mod gate;
mod job;
mod latch;
pub(crate) mod ledger;
mod life;
mod map;
mod queue;
mod scope;
mod shared;
mod task;
mod wait;
mod waiters;
mod worker;

#[cfg(all(test, loom))]
mod loom_future;
#[cfg(all(test, loom))]
mod loom_queue;
#[cfg(all(test, loom))]
mod loom_task;
#[cfg(all(test, loom))]
mod loom_waiters;
#[cfg(all(test, not(loom)))]
mod test;
#[cfg(all(test, not(loom)))]
mod test_futures;

use std::sync::Arc;
use std::time::{Duration, Instant};

pub use builder::{InitOutcome, PoolBuilder};
pub use cancel::CancelToken;
pub use error::{BuildError, LostPanic, Panic, SubmitError, SubmitErrorKind, TaskError, TaskId};
pub use map::Map;
pub use scope::Scope;
pub use shared::SharedTask;
pub use task::{ScopedTask, Task, TaskState};
pub use wait::{
    AsCompleted, AsCompletedTimeout, ReturnWhen, TaskHandle, Waitable, Waited, as_completed,
    as_completed_timeout, wait, wait_all, wait_any,
};

use gate::Gate;
use job::JobCell;
// Used by `process`, which loom builds leave out.
use job::Job;
#[cfg_attr(loom, allow(unused_imports))]
pub(crate) use job::{Header, Outcome, PromiseCell};
use latch::ScopeCounter;
use life::PoolLife;
use queue::{Message, QueuedJob, Receiver, Sender, TrySendError};

use crate::sync::{AtomicU64, Mutex, Ordering, lock, thread};

/// How many tasks per worker [`Pool::map`] keeps in flight: enough that a
/// worker finds the next item queued while the caller waits for the oldest,
/// few enough that an endless input costs nothing.
pub const MAP_WINDOW_PER_WORKER: usize = 8;

/// A fixed set of worker threads running submitted closures.
///
/// `Pool` is `Sync`: share it by reference (or in an `Arc`) to submit from
/// several threads. Dropping it is [`shutdown`](Pool::shutdown): it waits
/// for every submitted task, then joins the workers.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use waiter::Pool;
///
/// let pool = Pool::builder().workers(2).queue_bound(64).build()?;
/// let squares: Vec<u64> = pool
///     .map(0..10u64, |x| x * x)
///     .collect::<Result<_, _>>()?;
/// assert_eq!(squares[9], 81);
///
/// let mut slow = pool.submit(|| std::thread::sleep(Duration::from_millis(50)))?;
/// assert!(slow.wait_timeout(Duration::from_secs(5)).is_ok());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Pool {
    /// The pool's page in the ledger of unread panics.
    id: u64,
    sender: Sender<Message>,
    receiver: Receiver<Message>,
    gate: Gate,
    next_task: AtomicU64,
    token: CancelToken,
    workers: Mutex<Vec<thread::JoinHandle<()>>>,
    worker_count: usize,
    queue_bound: Option<usize>,
    /// Live workers, and whether the pool is broken.
    life: Arc<PoolLife>,
}

/// How a task enters the queue; see [`Pool::enqueue`].
#[derive(Default)]
pub(crate) struct Submission {
    name: Option<Box<str>>,
    /// The ledger page for its unread panic (0: the pool's own).
    owner: u64,
    /// The scope that waits for it, if any.
    scope: Option<Arc<ScopeCounter>>,
    /// Its own cancel token, if it has one.
    token: Option<CancelToken>,
    /// `try_submit`: refuse instead of waiting for room.
    no_wait: bool,
}

/// The worker count a pool gets by default: the parallelism the operating
/// system grants this process ([`std::thread::available_parallelism`],
/// which honours CPU affinity and cgroup quotas), or 1 if it cannot tell.
pub fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

impl Pool {
    /// A pool with `workers` threads and an unbounded queue.
    ///
    /// # Errors
    ///
    /// [`BuildError::ZeroWorkers`] if `workers` is 0; [`BuildError::Spawn`]
    /// if a thread cannot be started.
    pub fn new(workers: usize) -> Result<Pool, BuildError> {
        Self::builder().workers(workers).build()
    }

    /// A builder to set the worker count, thread names and a queue bound.
    pub fn builder() -> PoolBuilder {
        PoolBuilder::default()
    }

    /// How many worker threads the pool has.
    pub fn workers(&self) -> usize {
        self.worker_count
    }

    /// The queue bound, if any.
    pub fn queue_bound(&self) -> Option<usize> {
        self.queue_bound
    }

    /// Tasks waiting in the queue (a snapshot; it changes as you look).
    pub fn queued(&self) -> usize {
        self.receiver.len()
    }

    /// Whether [`shutdown`](Self::shutdown) or
    /// [`shutdown_now`](Self::shutdown_now) was called.
    pub fn is_shutdown(&self) -> bool {
        self.gate.is_closed()
    }

    /// Submits `f` to run on a worker and returns its handle. Blocks while a
    /// bounded queue is full.
    ///
    /// # Errors
    ///
    /// Gives `f` back in a [`SubmitError`] if the pool was shut down.
    pub fn submit<F, T>(&self, f: F) -> Result<Task<T>, SubmitError<F>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        // SAFETY: `F` and `T` are 'static, so no lifetime is being erased.
        let cell = unsafe { self.enqueue(f, Submission::default())? };
        Ok(Task::new(cell))
    }

    /// Like [`submit`](Self::submit), with a name that error reports (such as
    /// [`LostPanic`]) and [`Task::name`] show.
    ///
    /// # Errors
    ///
    /// As [`submit`](Self::submit).
    pub fn submit_named<F, T>(
        &self,
        name: impl Into<String>,
        f: F,
    ) -> Result<Task<T>, SubmitError<F>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let submission = Submission {
            name: Some(name.into().into_boxed_str()),
            ..Submission::default()
        };
        // SAFETY: `F` and `T` are 'static, so no lifetime is being erased.
        let cell = unsafe { self.enqueue(f, submission)? };
        Ok(Task::new(cell))
    }

    /// Submits `f` without blocking: if a bounded queue is full, `f` comes
    /// back in a [`SubmitError`] whose [`is_full`](SubmitError::is_full) is
    /// true. This is backpressure: the caller decides to retry, shed load or
    /// run it itself.
    ///
    /// # Errors
    ///
    /// [`SubmitErrorKind::Full`] or [`SubmitErrorKind::Shutdown`], with `f`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::mpsc;
    /// use waiter::Pool;
    ///
    /// let pool = Pool::builder().workers(1).queue_bound(1).build()?;
    /// let (release, gate) = mpsc::channel::<()>();
    /// let busy = pool.submit(move || gate.recv().ok())?; // the worker is busy
    /// # while !busy.is_running() { std::thread::yield_now(); }
    /// let queued = pool.try_submit(|| 1)?; // fills the queue
    /// let refused = pool.try_submit(|| 2).unwrap_err();
    /// assert!(refused.is_full());
    /// assert_eq!((refused.into_inner())(), 2); // the closure comes back
    /// release.send(()).unwrap();
    /// assert_eq!(queued.wait()?, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn try_submit<F, T>(&self, f: F) -> Result<Task<T>, SubmitError<F>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let submission = Submission {
            no_wait: true,
            ..Submission::default()
        };
        // SAFETY: `F` and `T` are 'static, so no lifetime is being erased.
        let cell = unsafe { self.enqueue(f, submission)? };
        Ok(Task::new(cell))
    }

    /// Submits a task that receives a [`CancelToken`] of its own, a child of
    /// the pool's: [`Task::cancel`] trips it for this task alone, and
    /// [`shutdown_now`](Self::shutdown_now) trips the pool's for all.
    /// Long-running work checks it and returns early, since running work is
    /// never killed.
    ///
    /// # Errors
    ///
    /// As [`submit`](Self::submit); the closure given back is wrapped, so
    /// the error carries no closure (`SubmitError<()>`).
    ///
    /// # Examples
    ///
    /// ```
    /// use waiter::Pool;
    ///
    /// let pool = Pool::new(1)?;
    /// let spinner = pool.submit_with_token(|token| {
    ///     let mut rounds = 0u64;
    ///     while !token.is_cancelled() {
    ///         rounds += 1;
    ///         std::thread::yield_now();
    ///     }
    ///     rounds
    /// })?;
    /// # while !spinner.is_running() { std::thread::yield_now(); }
    /// pool.shutdown_now(); // trips the token, then waits for the spinner
    /// assert!(spinner.wait().is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn submit_with_token<F, T>(&self, f: F) -> Result<Task<T>, SubmitError<()>>
    where
        F: FnOnce(&CancelToken) -> T + Send + 'static,
        T: Send + 'static,
    {
        let token = self.token.child();
        let seen_by_task = token.clone();
        let submission = Submission {
            token: Some(token),
            ..Submission::default()
        };
        // SAFETY: `F` and `T` are 'static, so no lifetime is being erased.
        let cell = unsafe { self.enqueue(move || f(&seen_by_task), submission) }
            .map_err(|error| SubmitError::new(error.kind(), ()))?;
        Ok(Task::new(cell))
    }

    /// Puts a task in the queue and returns its cell.
    ///
    /// # Safety
    ///
    /// The queue erases the lifetime `'a`: the caller guarantees that every
    /// queue reference to the task is dropped before `'a` ends (trivially
    /// true for `'a = 'static`; a [`Scope`] waits on `scope`'s counter).
    unsafe fn enqueue<'a, F, T>(
        &self,
        f: F,
        submission: Submission,
    ) -> Result<Arc<JobCell<T, F>>, SubmitError<F>>
    where
        F: FnOnce() -> T + Send + 'a,
        T: Send + 'a,
    {
        let Submission {
            name,
            owner,
            scope,
            token,
            no_wait,
        } = submission;
        let Some(_pass) = self.gate.enter() else {
            if let Some(scope) = scope {
                scope.job_released();
            }
            return Err(SubmitError::new(SubmitErrorKind::Shutdown, f));
        };
        let id = TaskId(self.next_task.fetch_add(1, Ordering::Relaxed));
        let owner = if owner == 0 { self.id } else { owner };
        let mut header = Header::new(id, owner, name).in_pool(self.id);
        if let Some(token) = token {
            header = header.with_token(token);
        }
        let cell = Arc::new(JobCell::new(header, f));
        if let Some(reason) = self.life.broken() {
            // A broken pool runs nothing: the task ends at once.
            cell.fail(TaskError::Broken(reason.to_owned()));
            if let Some(scope) = scope {
                scope.job_released();
            }
            return Ok(cell);
        }
        let job: Arc<dyn job::Job + 'a> = cell.clone();
        // SAFETY: only the lifetime changes (same layout); the caller
        // guarantees the queue's reference is gone before 'a ends.
        let job: Arc<dyn job::Job + 'static> = unsafe { std::mem::transmute(job) };
        let message = Message::Run(QueuedJob::new(job, scope));
        let refused = if !no_wait {
            // Fails only if every receiver is gone, and the pool holds one.
            (self.sender.send(message).err()).map(|error| (SubmitErrorKind::Shutdown, error.0))
        } else {
            match self.sender.try_send(message) {
                Ok(()) => None,
                Err(TrySendError::Full(message)) => Some((SubmitErrorKind::Full, message)),
                Err(TrySendError::Disconnected(message)) => {
                    Some((SubmitErrorKind::Shutdown, message))
                }
            }
        };
        match refused {
            None => Ok(cell),
            Some((kind, message)) => {
                // Dropping the message drops the queue's reference (and
                // releases a scope's count), leaving `cell` unique.
                drop(message);
                let func = Arc::try_unwrap(cell)
                    .ok()
                    .and_then(JobCell::into_func)
                    .expect("a refused task was never shared");
                Err(SubmitError::new(kind, func))
            }
        }
    }

    /// Runs `f` over `items` on the pool and yields the results *in input
    /// order*, lazily: at most [`MAP_WINDOW_PER_WORKER`] × the worker count are
    /// in flight (enough to keep workers busy with tiny tasks), so an
    /// endless iterator is fine. Python's `executor.map`.
    ///
    /// Dropping the iterator early cancels the tasks not yet started; see
    /// [`Map`] for the rule and [`Map::timeout`] for Python's `timeout=`.
    ///
    /// # Examples
    ///
    /// ```
    /// use waiter::Pool;
    ///
    /// let pool = Pool::new(2)?;
    /// let lengths: Vec<usize> = pool
    ///     .map(["sync", "async"], |word| word.len())
    ///     .map(Result::unwrap)
    ///     .collect();
    /// assert_eq!(lengths, [4, 5]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn map<I, F, T>(&self, items: I, f: F) -> Map<'_, I::IntoIter, F, T>
    where
        I: IntoIterator,
        I::Item: Send + 'static,
        F: Fn(I::Item) -> T + Send + Sync + 'static,
        T: Send + 'static,
    {
        Map::new(
            self,
            items.into_iter(),
            f,
            MAP_WINDOW_PER_WORKER * self.worker_count,
        )
    }

    /// Stops taking new tasks, waits until every submitted task has run and
    /// joins the workers (Python's `shutdown(wait=True)`, and what `Drop`
    /// does). Idempotent.
    ///
    /// Returns the panics whose handles were dropped unread so far, so no
    /// failure is lost silently.
    pub fn shutdown(&self) -> Vec<LostPanic> {
        self.stop(false);
        ledger::take(self.id)
    }

    /// Like [`shutdown`](Self::shutdown), but first cancels every task that
    /// has not started and trips the pool's [`CancelToken`]; waits for what
    /// is running (it is never killed). Python's
    /// `shutdown(wait=True, cancel_futures=True)`.
    pub fn shutdown_now(&self) -> Vec<LostPanic> {
        self.stop(true);
        ledger::take(self.id)
    }

    /// Stops taking new tasks and waits at most `timeout` for the submitted
    /// ones to run and the workers to exit; returns whether they did. If
    /// not, the workers still finish every submitted task and exit on their
    /// own; a later [`shutdown`](Self::shutdown) (or dropping the pool)
    /// joins them. Python's `shutdown(wait=False)`, with a bound on the
    /// wait; `Duration::ZERO` waits not at all.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use waiter::Pool;
    ///
    /// let pool = Pool::new(1)?;
    /// pool.submit(|| std::thread::sleep(Duration::from_millis(300)))?;
    /// assert!(!pool.shutdown_timeout(Duration::from_millis(10)));
    /// assert!(pool.submit(|| ()).is_err(), "no new tasks either way");
    /// assert!(pool.shutdown_timeout(Duration::from_secs(10)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn shutdown_timeout(&self, timeout: Duration) -> bool {
        let deadline = Instant::now().checked_add(timeout);
        // Held throughout, so a second caller waits until the first is done.
        let mut workers = lock(&self.workers);
        self.close(false);
        // A worker of this pool shutting it down cannot wait for itself.
        let me = usize::from(current::is_worker_of(self.id));
        let exited = match deadline {
            Some(deadline) => self.life.wait_exited(me, deadline),
            None => {
                drop(workers);
                self.stop(false);
                return true;
            }
        };
        if exited {
            join(&mut workers);
        }
        exited
    }

    /// Whether the pool is broken, and why: a worker's
    /// [initializer](PoolBuilder::initializer) failed, so it runs no more
    /// tasks. Python's `executor._broken`.
    pub fn broken(&self) -> Option<&str> {
        self.life.broken()
    }

    /// Closes the gate and queues one stop message per worker (once).
    fn close(&self, cancel_pending: bool) {
        let first = self.gate.close();
        let mut stops = if first { self.worker_count } else { 0 };
        if cancel_pending {
            while let Ok(message) = self.receiver.try_recv() {
                match message {
                    Message::Run(job) => {
                        job.cancel();
                    }
                    // From an earlier shutdown; put it back.
                    Message::Stop => stops += 1,
                }
            }
            // Only now ask running tasks to stop: a worker freed earlier
            // would have started the next pending task instead of us
            // cancelling it.
            self.token.cancel();
        }
        for _ in 0..stops {
            // Queued behind every task, so workers finish those first.
            // Cannot fail: the pool holds a receiver.
            let _ = self.sender.send(Message::Stop);
        }
    }

    fn stop(&self, cancel_pending: bool) {
        // Held throughout, so a second caller waits until the first is done.
        let mut workers = lock(&self.workers);
        self.close(cancel_pending);
        join(&mut workers);
    }
}

/// Joins every worker but the current thread.
fn join(workers: &mut Vec<thread::JoinHandle<()>>) {
    let me = thread::current().id();
    for handle in workers.drain(..) {
        // A worker may drop the last `Arc<Pool>` itself; it cannot join
        // itself, and it exits after this task anyway.
        if handle.thread().id() != me {
            let _ = handle.join();
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.stop(false);
        for lost in ledger::close(self.id) {
            log::warn!("waiter: {lost} (its handle was dropped unread)");
        }
    }
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("workers", &self.worker_count)
            .field("queue_bound", &self.queue_bound)
            .field("queued", &self.queued())
            .field("shutdown", &self.is_shutdown())
            .finish()
    }
}

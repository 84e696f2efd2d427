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
//! # How it is built
//!
//! - `job.rs`: a task is one allocation: the closure, an atomic state word
//!   (pending → running → done, or pending → cancelled) and a result slot.
//! - `queue.rs`: one FIFO shared by all workers, optionally bounded.
//! - `worker.rs`: each worker pops and runs until told to stop; a panicking
//!   task is caught and becomes that task's error.
//! - `gate.rs`: shutdown closes the door to new work and waits for
//!   submissions already half-way through.
//! - `ledger.rs`: panics whose handle was dropped unread, kept for
//!   [`Pool::shutdown`].
//!
//! # Waiting inside a worker (nested use)
//!
//! A task that submits work to its own pool and waits for it could deadlock
//! when every worker does the same. The rule: [`Task::wait`] called on a
//! worker thread runs the awaited task *inline* if it has not started yet.
//! [`wait_all`], [`wait_any`], [`as_completed`] and [`Pool::map`] do the
//! same. Only [`Task::wait_timeout`] never runs anything inline: it returns
//! on time instead. Do not block a worker on a *bounded* queue from inside
//! the pool (`submit` waits for room that only workers make); use
//! [`Pool::try_submit`] there.

mod cancel;
mod error;
mod gate;
mod job;
pub(crate) mod ledger;
mod map;
mod notify;
mod queue;
mod scope;
mod task;
mod wait;
mod worker;

#[cfg(all(test, loom))]
mod loom_future;
#[cfg(all(test, loom))]
mod loom_queue;
#[cfg(all(test, loom))]
mod loom_task;
#[cfg(all(test, not(loom)))]
mod test;

use std::sync::Arc;

pub use cancel::CancelToken;
pub use error::{BuildError, LostPanic, Panic, SubmitError, SubmitErrorKind, TaskError, TaskId};
pub use map::Map;
pub use scope::Scope;
pub use task::{ScopedTask, Task};
pub use wait::{AsCompleted, as_completed, wait_all, wait_any};

use gate::Gate;
use job::JobCell;
// Used by `process`, which loom builds leave out.
#[cfg_attr(loom, allow(unused_imports))]
pub(crate) use job::{Header, Outcome, PromiseCell};
use queue::{Message, QueuedJob, Receiver, Sender, TrySendError};
use scope::ScopeCounter;

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
/// assert!(slow.wait_timeout(Duration::from_secs(5)).is_some());
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
}

/// Configures a [`Pool`]; start from [`Pool::builder`].
#[derive(Clone, Debug)]
pub struct PoolBuilder {
    workers: Option<usize>,
    thread_name: String,
    queue_bound: Option<usize>,
}

impl Default for PoolBuilder {
    fn default() -> Self {
        Self {
            workers: None,
            thread_name: "waiter-worker".to_owned(),
            queue_bound: None,
        }
    }
}

impl PoolBuilder {
    /// The number of worker threads. Default: [`default_workers`].
    pub fn workers(mut self, workers: usize) -> Self {
        self.workers = Some(workers);
        self
    }

    /// Worker threads are named `{prefix}-{index}`. Default: `waiter-worker`.
    pub fn thread_name(mut self, prefix: impl Into<String>) -> Self {
        self.thread_name = prefix.into();
        self
    }

    /// Bounds the queue of tasks not yet started: [`Pool::submit`] then
    /// blocks while it is full, and [`Pool::try_submit`] hands the closure
    /// back. Default: unbounded.
    pub fn queue_bound(mut self, bound: usize) -> Self {
        self.queue_bound = Some(bound);
        self
    }

    /// Starts the workers.
    ///
    /// # Errors
    ///
    /// [`BuildError::ZeroWorkers`], [`BuildError::ZeroQueueBound`], or
    /// [`BuildError::Spawn`] if the system refuses a thread (the workers
    /// started so far are stopped and joined).
    pub fn build(self) -> Result<Pool, BuildError> {
        let worker_count = self.workers.unwrap_or_else(default_workers);
        if worker_count == 0 {
            return Err(BuildError::ZeroWorkers);
        }
        if self.queue_bound == Some(0) {
            return Err(BuildError::ZeroQueueBound);
        }
        let (sender, receiver) = queue::channel(self.queue_bound);
        let pool = Pool {
            id: ledger::open(),
            sender,
            receiver,
            gate: Gate::default(),
            next_task: AtomicU64::new(1),
            token: CancelToken::new(),
            workers: Mutex::new(Vec::with_capacity(worker_count)),
            worker_count,
            queue_bound: self.queue_bound,
        };
        for index in 0..worker_count {
            let receiver = pool.receiver.clone();
            let spawned = thread::Builder::new()
                .name(format!("{}-{index}", self.thread_name))
                .spawn(move || worker::run(receiver));
            match spawned {
                Ok(handle) => lock(&pool.workers).push(handle),
                Err(error) => {
                    // Dropping the pool stops the workers that did start.
                    return Err(BuildError::Spawn(error));
                }
            }
        }
        Ok(pool)
    }
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
        let cell = unsafe { self.enqueue(None, f, self.id, None, true)? };
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
        let name = Some(name.into().into_boxed_str());
        // SAFETY: `F` and `T` are 'static, so no lifetime is being erased.
        let cell = unsafe { self.enqueue(name, f, self.id, None, true)? };
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
        // SAFETY: `F` and `T` are 'static, so no lifetime is being erased.
        let cell = unsafe { self.enqueue(None, f, self.id, None, false)? };
        Ok(Task::new(cell))
    }

    /// Submits a task that receives the pool's [`CancelToken`], which
    /// [`shutdown_now`](Self::shutdown_now) trips: long-running work checks
    /// it and returns early, since running work is never killed.
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
        let token = self.token.clone();
        self.submit(move || f(&token))
            .map_err(|error| SubmitError::new(error.kind(), ()))
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
        name: Option<Box<str>>,
        f: F,
        owner: u64,
        scope: Option<Arc<ScopeCounter>>,
        blocking: bool,
    ) -> Result<Arc<JobCell<T, F>>, SubmitError<F>>
    where
        F: FnOnce() -> T + Send + 'a,
        T: Send + 'a,
    {
        let Some(_pass) = self.gate.enter() else {
            if let Some(scope) = scope {
                scope.job_released();
            }
            return Err(SubmitError::new(SubmitErrorKind::Shutdown, f));
        };
        let id = TaskId(self.next_task.fetch_add(1, Ordering::Relaxed));
        let cell = Arc::new(JobCell::new(Header::new(id, owner, name), f));
        let job: Arc<dyn job::Job + 'a> = cell.clone();
        // SAFETY: only the lifetime changes (same layout); the caller
        // guarantees the queue's reference is gone before 'a ends.
        let job: Arc<dyn job::Job + 'static> = unsafe { std::mem::transmute(job) };
        let message = Message::Run(QueuedJob::new(job, scope));
        let refused = if blocking {
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
    /// Dropping the iterator early cancels the tasks not yet started.
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

    fn stop(&self, cancel_pending: bool) {
        // Held throughout, so a second caller waits until the first is done.
        let mut workers = lock(&self.workers);
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
        {
            for _ in 0..stops {
                // Queued behind every task, so workers finish those first.
                // Cannot fail: the pool holds a receiver.
                let _ = self.sender.send(Message::Stop);
            }
        }
        let me = thread::current().id();
        for handle in workers.drain(..) {
            // A worker may drop the last `Arc<Pool>` itself; it cannot join
            // itself, and it exits after this task anyway.
            if handle.thread().id() != me {
                let _ = handle.join();
            }
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

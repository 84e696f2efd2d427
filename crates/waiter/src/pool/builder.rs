//! Configuring and starting a [`Pool`].

use std::fmt;
use std::sync::Arc;

use super::cancel::CancelToken;
use super::error::BuildError;
use super::gate::Gate;
use super::life::PoolLife;
use super::worker::{self, Initializer, WorkerContext};
use super::{Pool, ledger, queue};
use crate::sync::{AtomicU64, Mutex, lock, thread};

/// What an initializer may return: `()` (it cannot fail, short of a panic)
/// or a `Result` whose error says why it failed.
pub trait InitOutcome {
    /// `Err` with the reason if the initializer failed.
    fn into_result(self) -> Result<(), String>;
}

impl InitOutcome for () {
    fn into_result(self) -> Result<(), String> {
        Ok(())
    }
}

impl<E: fmt::Display> InitOutcome for Result<(), E> {
    fn into_result(self) -> Result<(), String> {
        self.map_err(|error| error.to_string())
    }
}

/// Configures a [`Pool`]; start from [`Pool::builder`].
#[derive(Clone)]
pub struct PoolBuilder {
    workers: Option<usize>,
    thread_name_prefix: String,
    queue_bound: Option<usize>,
    quiet_panics: bool,
    initializer: Option<Arc<Initializer>>,
}

impl Default for PoolBuilder {
    fn default() -> Self {
        Self {
            workers: None,
            thread_name_prefix: "waiter-worker".to_owned(),
            queue_bound: None,
            quiet_panics: true,
            initializer: None,
        }
    }
}

impl fmt::Debug for PoolBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PoolBuilder")
            .field("workers", &self.workers)
            .field("thread_name_prefix", &self.thread_name_prefix)
            .field("queue_bound", &self.queue_bound)
            .field("quiet_panics", &self.quiet_panics)
            .field("initializer", &self.initializer.is_some())
            .finish()
    }
}

impl PoolBuilder {
    /// The number of worker threads. Default: [`default_workers`](super::default_workers).
    pub fn workers(mut self, workers: usize) -> Self {
        self.workers = Some(workers);
        self
    }

    /// Worker threads are named `{prefix}-{index}`, Python's
    /// `thread_name_prefix`. Default: `waiter-worker`.
    pub fn thread_name_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.thread_name_prefix = prefix.into();
        self
    }

    /// Bounds the queue of tasks not yet started: [`Pool::submit`] then
    /// blocks while it is full, and [`Pool::try_submit`] hands the closure
    /// back. Default: unbounded.
    pub fn queue_bound(mut self, bound: usize) -> Self {
        self.queue_bound = Some(bound);
        self
    }

    /// Whether a panic in a task skips the panic hook (no "thread panicked"
    /// line and backtrace on stderr). Default: `true`, as Python's executors
    /// stay quiet: the panic is the task's error, returned by `wait`, and
    /// one nobody reads is returned by [`Pool::shutdown`] or logged when the
    /// pool is dropped. `false` keeps the hook's report for every panic.
    ///
    /// The quiet mode wraps the process's panic hook once (it stays silent
    /// only on quiet pools' workers); a hook set later replaces it.
    pub fn quiet_panics(mut self, quiet: bool) -> Self {
        self.quiet_panics = quiet;
        self
    }

    /// Runs `init` on each worker thread before its first task, Python's
    /// `initializer=`. It returns `()` or a `Result<(), E: Display>`. If it
    /// fails or panics, the pool is *broken*: the failure is logged with
    /// [`log::error!`], and every pending and later task ends with
    /// [`TaskError::Broken`](super::TaskError::Broken) instead of running.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::cell::Cell;
    /// use waiter::Pool;
    ///
    /// thread_local!(static READY: Cell<bool> = const { Cell::new(false) });
    /// let pool = Pool::builder().workers(2).initializer(|| READY.set(true)).build()?;
    /// assert!(pool.submit(|| READY.get())?.wait()?);
    ///
    /// let broken = Pool::builder()
    ///     .workers(1)
    ///     .initializer(|| Err::<(), _>("no database"))
    ///     .build()?;
    /// let error = broken.submit(|| 1)?.wait().unwrap_err();
    /// assert!(error.is_broken(), "{error}");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn initializer<F, R>(mut self, init: F) -> Self
    where
        F: Fn() -> R + Send + Sync + 'static,
        R: InitOutcome,
    {
        self.initializer = Some(Arc::new(move || init().into_result()));
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
        let worker_count = self.workers.unwrap_or_else(super::default_workers);
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
            life: Arc::new(PoolLife::default()),
        };
        for index in 0..worker_count {
            let receiver = pool.receiver.clone();
            let context = WorkerContext {
                pool: pool.id,
                quiet: self.quiet_panics,
                initializer: self.initializer.clone(),
                life: Arc::clone(&pool.life),
                alive: pool.life.worker_spawned(),
            };
            let spawned = thread::Builder::new()
                .name(format!("{}-{index}", self.thread_name_prefix))
                .spawn(move || worker::run(receiver, context));
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

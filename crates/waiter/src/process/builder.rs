//! Building a [`ProcessPool`]: how many workers, which program, and how
//! long each may live.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use super::ProcessPool;
use super::connection::{Connection, HELLO_TIMEOUT};
use super::error::ProcessError;
use super::handle::Book;
use super::registry::Registry;
use super::shared::{Config, Shared};
use crate::pool::ledger;

/// Configures a [`ProcessPool`]; start from [`ProcessPool::builder`].
pub struct ProcessPoolBuilder {
    registry: Registry,
    workers: Option<usize>,
    program: Option<PathBuf>,
    args: Vec<OsString>,
    max_tasks_per_worker: Option<usize>,
    calls_per_worker: usize,
    hello_timeout: Duration,
}

impl ProcessPoolBuilder {
    pub(crate) fn new(registry: Registry) -> Self {
        Self {
            registry,
            workers: None,
            program: None,
            args: Vec::new(),
            max_tasks_per_worker: None,
            calls_per_worker: 1,
            hello_timeout: HELLO_TIMEOUT,
        }
    }
}

impl ProcessPoolBuilder {
    /// Number of worker processes; default [`default_workers`](crate::default_workers).
    pub fn workers(mut self, workers: usize) -> Self {
        self.workers = Some(workers);
        self
    }

    /// The program to start as a worker; default the current executable.
    pub fn program(mut self, program: impl Into<PathBuf>) -> Self {
        self.program = Some(program.into());
        self
    }

    /// Arguments for the worker program (default none).
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.args = args.into_iter().map(Into::into).collect();
        self
    }

    /// Replaces each worker by a fresh process after it ran this many tasks.
    pub fn max_tasks_per_worker(mut self, tasks: usize) -> Self {
        self.max_tasks_per_worker = Some(tasks);
        self
    }

    /// How many calls may be written to one worker before it answered the
    /// first (default 1).
    ///
    /// A written call is *running*: it can no longer be cancelled, and a
    /// call queued behind a slow one on the same worker waits for it even
    /// when another worker is free. With 1, a call is written only to an
    /// idle worker, so a running task is one a worker runs. More hides the
    /// round trip between two small calls (but [`ProcessPool::map`]'s
    /// chunks do that better).
    pub fn calls_per_worker(mut self, calls: usize) -> Self {
        self.calls_per_worker = calls;
        self
    }

    /// How long a new worker may take to say hello (default 20 s).
    pub fn hello_timeout(mut self, timeout: Duration) -> Self {
        self.hello_timeout = timeout;
        self
    }

    /// Starts the workers and waits for each one's hello.
    ///
    /// # Errors
    ///
    /// [`ProcessError::ZeroWorkers`], [`ProcessError::ZeroMaxTasks`],
    /// [`ProcessError::ZeroCallsPerWorker`],
    /// [`ProcessError::Spawn`], or [`ProcessError::NotAWorker`] when the
    /// program does not answer as a worker.
    pub fn build(self) -> Result<ProcessPool, ProcessError> {
        let workers = self.workers.unwrap_or_else(crate::default_workers);
        if workers == 0 {
            return Err(ProcessError::ZeroWorkers);
        }
        if self.max_tasks_per_worker == Some(0) {
            return Err(ProcessError::ZeroMaxTasks);
        }
        if self.calls_per_worker == 0 {
            return Err(ProcessError::ZeroCallsPerWorker);
        }
        let program = match self.program {
            Some(program) => program,
            None => std::env::current_exe().map_err(|source| ProcessError::Spawn {
                program: "the current executable".to_owned(),
                source,
            })?,
        };
        let shared = Arc::new(Shared {
            config: Config {
                program,
                args: self.args,
                hello_timeout: self.hello_timeout,
                max_tasks_per_worker: self.max_tasks_per_worker,
                calls_per_worker: self.calls_per_worker,
            },
            registry: self.registry,
            slots: (0..workers).map(|_| RwLock::new(None)).collect(),
            pending: Mutex::new(VecDeque::new()),
            closing: AtomicBool::new(false),
            next_call: AtomicU64::new(1),
            next_task: AtomicU64::new(1),
            owner: ledger::open(),
            book: Arc::new(Book::default()),
            restarts: AtomicUsize::new(0),
            barren: (0..workers).map(|_| AtomicUsize::new(0)).collect(),
        });
        let pool = ProcessPool { shared };
        for slot in 0..workers {
            // On error, dropping `pool` stops the workers already started.
            let connection = Connection::start(&pool.shared, slot)?;
            *pool.shared.slots[slot]
                .write()
                .expect("no one else has the pool yet") = Some(Arc::clone(&connection));
            connection.activate();
        }
        Ok(pool)
    }
}

//! A pool of worker *processes*: the note's "multiple Pythons".
//!
//! The note: one Python process runs one thread at a time (the GIL), so to
//! compute in parallel Python starts several processes, each with its own
//! interpreter and lock, "however it is expensive to communicate between 2
//! processes". [`ProcessPool`] is that, in Rust: the current executable is
//! started again as workers (it must call [`serve_if_worker`] first thing in
//! `main`), tasks are functions registered under a typed [`TaskDef`] in a
//! [`Registry`], and arguments and results travel as serde values in
//! length-prefixed [postcard] frames over each worker's stdin and stdout.
//!
//! ```no_run
//! use waiter::process::{ProcessPool, Registry, TaskDef, serve_if_worker};
//!
//! const SQUARE: TaskDef<u64, u64> = TaskDef::new("square");
//!
//! fn registry() -> Registry {
//!     Registry::new().register(SQUARE, |x| x * x)
//! }
//!
//! fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//!     serve_if_worker(&registry()); // a worker never gets past this line
//!     let pool = ProcessPool::builder(registry()).workers(2).build()?;
//!     assert_eq!(pool.submit(SQUARE, &3)?.wait()?, 9);
//!     let squares: Vec<u64> = pool.map(SQUARE, 1..=4, 2)?.collect::<Result<_, _>>()?;
//!     assert_eq!(squares, [1, 4, 9, 16]);
//!     Ok(())
//! }
//! ```
//!
//! # Never a wrong answer
//!
//! - **Typed tasks.** A call's argument and result types are the
//!   [`TaskDef`]'s, checked by the compiler. Each of these is a compile
//!   error for `SQUARE: TaskDef<u64, u64>` (`&3`, an integer literal, is a
//!   `u64` here and is right):
//!
//!   ```compile_fail
//!   # use waiter::process::{ProcessPool, TaskDef};
//!   # const SQUARE: TaskDef<u64, u64> = TaskDef::new("square");
//!   # fn call(pool: &ProcessPool) -> Result<(), Box<dyn std::error::Error>> {
//!   pool.submit(SQUARE, &3i32)?;
//!   # Ok(()) }
//!   ```
//!   ```compile_fail
//!   # use waiter::process::{ProcessPool, TaskDef};
//!   # const SQUARE: TaskDef<u64, u64> = TaskDef::new("square");
//!   # fn call(pool: &ProcessPool) -> Result<(), Box<dyn std::error::Error>> {
//!   pool.submit(SQUARE, &-3i64)?;
//!   # Ok(()) }
//!   ```
//!   ```compile_fail
//!   # use waiter::process::{ProcessPool, TaskDef};
//!   # const SQUARE: TaskDef<u64, u64> = TaskDef::new("square");
//!   # fn call(pool: &ProcessPool) -> Result<(), Box<dyn std::error::Error>> {
//!   pool.submit(SQUARE, &"three")?;
//!   # Ok(()) }
//!   ```
//!   ```compile_fail
//!   # use waiter::process::{ProcessPool, TaskDef};
//!   # const SQUARE: TaskDef<u64, u64> = TaskDef::new("square");
//!   # fn call(pool: &ProcessPool) -> Result<(), Box<dyn std::error::Error>> {
//!   pool.submit(SQUARE, &3.0f64)?;
//!   # Ok(()) }
//!   ```
//!   ```compile_fail
//!   # use waiter::process::{ProcessPool, TaskDef};
//!   # const SQUARE: TaskDef<u64, u64> = TaskDef::new("square");
//!   # fn call(pool: &ProcessPool) -> Result<(), Box<dyn std::error::Error>> {
//!   let wrong: String = pool.submit(SQUARE, &3)?.wait()?;
//!   # Ok(()) }
//!   ```
//!   ```
//!   # use waiter::process::{ProcessPool, TaskDef};
//!   # const SQUARE: TaskDef<u64, u64> = TaskDef::new("square");
//!   # fn call(pool: &ProcessPool) -> Result<(), Box<dyn std::error::Error>> {
//!   let right: u64 = pool.submit(SQUARE, &3)?.wait()?; // the same, well typed
//!   # Ok(()) }
//!   ```
//!
//!   Past the compiler, each call carries a fingerprint of the task's name
//!   and types: a `TaskDef` made up with other types is refused at
//!   submission ([`ProcessError::Mismatch`]) by the parent's registry, and
//!   by a worker whose registry differs (another program, another version)
//!   with [`TaskError::Mismatch`], naming both signatures. No byte is ever
//!   decoded into a type the worker did not register.
//! - **One result per item.** [`ProcessPool::map`] yields exactly one
//!   result per item, at its position: an item that does not encode is its
//!   own error, a chunk whose worker died fails each of its items.
//! - **True states.** A task is pending until its call is written to a
//!   worker, then running. [`ProcessTask::cancel`] works only while it is
//!   pending, and a cancelled call never reaches a worker; a running task's
//!   outcome is what the worker answered. By default a call is written only
//!   to an idle worker ([`ProcessPoolBuilder::calls_per_worker`]), so a
//!   running task is one a worker is running, and a cancelled task costs
//!   no worker any time.
//! - **Failures named as failures.** A worker that dies (crash, `abort`,
//!   `kill -9`, exit) fails the call it was running with
//!   [`TaskError::WorkerDied`]; calls it had not started go to another
//!   worker, and a fresh worker takes its place. A failure whose handle was
//!   dropped unread is a [`LostFailure`] from [`ProcessPool::shutdown`].
//! - **A distrustful protocol.** Garbage on a worker's stdout fails that worker's calls and that worker only; it is
//!   stopped and replaced. Nothing a worker writes makes the parent panic,
//!   hang, or allocate more than the bytes it really wrote.
//!
//! # Against CPython's `ProcessPoolExecutor`
//!
//! | CPython | here |
//! |---|---|
//! | `submit(fn, *args)` → `Future` | [`submit(TASK, &arg)`](ProcessPool::submit) → [`ProcessTask`]; `fn` is a registered [`TaskDef`], not a pickled function |
//! | `map(fn, *iterables, chunksize=1)` | [`map(TASK, items, chunk_size)`](ProcessPool::map): one call per chunk, lazily, a few chunks in flight; one result per item, in order. CPython's map raises the first error and loses the rest; here each item has its own `Result` |
//! | `max_tasks_per_child` | [`max_tasks_per_worker`](ProcessPoolBuilder::max_tasks_per_worker): the worker is retired and replaced; no call fails because of it |
//! | a dead worker: `BrokenProcessPool`, every pending future fails, the pool is unusable | the dead worker's running call fails with [`TaskError::WorkerDied`], the calls it had not started run elsewhere, and a fresh worker takes its place. A user who would still want "broken" (a crash means the program's state cannot be trusted, or a task crashing a worker would crash every worker in turn) checks `is_worker_died()` and calls [`shutdown`](ProcessPool::shutdown); a worker that ends without ever answering is not restarted more than 3 times in a row, and calls then fail with [`TaskError::NoWorker`] |
//! | `Future.cancel()`: true only while pending (not yet in the call queue) | [`ProcessTask::cancel`]: true only while pending (not yet written to a worker) |
//! | `initializer`, `initargs` | none: a worker is this program's `main` up to [`serve_if_worker`], so code there (before the call) runs in every worker, and a `static` (`OnceLock`) set up by a task lives as long as its worker |
//! | pickling errors (`PicklingError`, an `AttributeError` for a lambda) at run time | type errors at compile time; [`ProcessError::Encode`] for an argument serde cannot encode, [`TaskError::Encode`] per `map` item; [`TaskError::Mismatch`] when the worker's types differ |
//! | `shutdown(wait=True, cancel_futures=False)` | [`shutdown`](ProcessPool::shutdown), and `Drop`: runs what was submitted, then returns unread failures |
//!
//! [postcard]: https://docs.rs/postcard

mod builder;
mod cells;
mod connection;
mod error;
mod handle;
mod map;
mod protocol;
mod registry;
mod shared;
mod task_def;
mod unread;
mod worker;

#[cfg(any(test, feature = "fuzzing"))]
#[doc(hidden)]
pub mod fuzzing;

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use serde::Serialize;
use serde::de::DeserializeOwned;

pub use builder::ProcessPoolBuilder;
pub use error::{LostFailure, ProcessError, TaskError};
pub use handle::ProcessTask;
pub use map::ProcessMap;
pub use registry::Registry;
pub use task_def::{Signature, TaskDef};
pub use worker::serve_if_worker;

use cells::Single;
use connection::{InFlight, Recipient};
use handle::Unread;
use protocol::Call;
use shared::Shared;

use crate::pool::{Header, PromiseCell, Task, TaskId, ledger};
use crate::sync::lock;

/// A pool of worker processes; see the [module docs](self).
pub struct ProcessPool {
    shared: Arc<Shared>,
}

impl ProcessPool {
    /// A builder; `registry` names the tasks the workers can run.
    pub fn builder(registry: Registry) -> ProcessPoolBuilder {
        ProcessPoolBuilder::new(registry)
    }

    /// The number of worker slots.
    pub fn workers(&self) -> usize {
        self.shared.slots.len()
    }

    /// The process ids of the live workers (to watch, or to kill in a test).
    pub fn worker_pids(&self) -> Vec<u32> {
        self.shared
            .connections()
            .iter()
            .filter(|c| c.is_alive())
            .map(|c| c.pid)
            .collect()
    }

    /// How many workers were replaced (died, or retired by
    /// `max_tasks_per_worker`).
    pub fn restarts(&self) -> usize {
        self.shared.restarts.load(Ordering::Relaxed)
    }

    /// The task's signature, if the registry has it with these types.
    fn check<A, R>(&self, task: TaskDef<A, R>) -> Result<Signature, ProcessError> {
        if self.shared.closing.load(Ordering::Acquire) {
            return Err(ProcessError::Shutdown);
        }
        let signature = task.signature();
        match self.shared.registry.signature(task.name()) {
            None => Err(ProcessError::UnknownTask(task.name().to_owned())),
            Some(registered) if registered.fingerprint() != signature.fingerprint() => {
                Err(ProcessError::Mismatch {
                    task: task.name().to_owned(),
                    expected: registered.types(),
                    found: signature.types(),
                })
            }
            Some(_) => Ok(signature),
        }
    }

    fn promise<T: Send + 'static>(&self) -> (Arc<PromiseCell<T>>, TaskId) {
        let id = TaskId(self.shared.next_task.fetch_add(1, Ordering::Relaxed));
        let cell = Arc::new(PromiseCell::new(Header::new(id, self.shared.owner, None)));
        (cell, id)
    }

    fn send(
        &self,
        signature: &Signature,
        items: Vec<Vec<u8>>,
        recipient: Box<dyn Recipient>,
    ) -> Result<(), ProcessError> {
        let call = Call {
            id: self.shared.next_call.fetch_add(1, Ordering::Relaxed),
            task: signature.name().to_owned(),
            fingerprint: signature.fingerprint(),
            items,
        };
        // Refused, the call is dropped: its cell never gets a handle.
        self.shared.dispatch(InFlight::new(call, recipient))
    }

    /// Runs `task` on `argument` in a worker process.
    ///
    /// The task is pending until a worker has room for it, then running;
    /// see [`ProcessTask`].
    ///
    /// # Errors
    ///
    /// [`ProcessError::UnknownTask`] or [`ProcessError::Mismatch`] if the
    /// registry does not have `task` with these types,
    /// [`ProcessError::Encode`], [`ProcessError::Shutdown`] or
    /// [`ProcessError::NoWorkers`]. Failures after that (a panic in the
    /// worker, a worker that died, a worker with other types) come through
    /// the task's handle.
    pub fn submit<A, R>(
        &self,
        task: TaskDef<A, R>,
        argument: &A,
    ) -> Result<ProcessTask<R>, ProcessError>
    where
        A: Serialize,
        R: DeserializeOwned + Send + 'static,
    {
        let signature = self.check(task)?;
        let bytes =
            postcard::to_stdvec(argument).map_err(|e| ProcessError::Encode(e.to_string()))?;
        let (cell, id) = self.promise::<Result<R, TaskError>>();
        let unread = Arc::new(Unread::new(id, Arc::downgrade(&self.shared.book)));
        let single = Single {
            cell: Arc::clone(&cell),
            unread: Arc::clone(&unread),
            signature: signature.clone(),
        };
        self.send(&signature, vec![bytes], Box::new(single))?;
        Ok(ProcessTask::new(Task::new(cell), Some(unread)))
    }

    /// Runs `task` on every item, `chunk_size` items per message, and yields
    /// one result per item, in input order, lazily (a few chunks in flight
    /// per worker). Python's `ProcessPoolExecutor.map(fn, items,
    /// chunksize=…)`; see [`ProcessMap`] for what each failure does.
    ///
    /// # Errors
    ///
    /// [`ProcessError::UnknownTask`], [`ProcessError::Mismatch`] or
    /// [`ProcessError::Shutdown`] at once; per-item failures are the
    /// items' errors.
    pub fn map<A, R, I>(
        &self,
        task: TaskDef<A, R>,
        items: I,
        chunk_size: usize,
    ) -> Result<ProcessMap<'_, I::IntoIter, A, R>, ProcessError>
    where
        I: IntoIterator<Item = A>,
        A: Serialize,
        R: DeserializeOwned + Send + 'static,
    {
        let signature = self.check(task)?;
        Ok(ProcessMap::new(
            self,
            signature,
            items.into_iter(),
            chunk_size,
        ))
    }

    /// Stops taking tasks, lets the workers run every call submitted (those
    /// waiting in the pool too), waits for the workers to exit and joins
    /// the reader threads. Idempotent; `Drop` does it too. Returns the
    /// failures whose handles were dropped unread.
    pub fn shutdown(&self) -> Vec<LostFailure> {
        self.shared.closing.store(true, Ordering::Release);
        // A worker is told to finish once nothing waits for it; one that
        // ends now is replaced only for calls that wait, by its reader,
        // before that reader returns, so the replacement is in the slot
        // by the time the reader is joined. So: until the slots stay empty.
        loop {
            let mut stopping = Vec::new();
            for slot in &self.shared.slots {
                let taken = match slot.write() {
                    Ok(mut place) => place.take(),
                    Err(poison) => poison.into_inner().take(),
                };
                if let Some(connection) = taken {
                    // Hands it waiting calls; closes it if there are none.
                    self.shared.feed(&connection);
                    stopping.push(connection);
                }
            }
            if stopping.is_empty() {
                break;
            }
            for connection in stopping {
                connection.join_reader();
            }
        }
        // Nothing is left to take these (there should be none).
        let stranded: Vec<InFlight> = lock(&self.shared.pending).drain(..).collect();
        for call in stranded {
            call.fail(TaskError::NoWorker(
                "the pool shut down before a worker could take it".to_owned(),
            ));
        }
        std::mem::take(&mut *lock(&self.shared.book))
    }
}

impl Drop for ProcessPool {
    fn drop(&mut self) {
        for lost in self.shutdown() {
            log::warn!("waiter: {lost} (its handle was dropped unread)");
        }
        ledger::close(self.shared.owner);
    }
}

impl fmt::Debug for ProcessPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessPool")
            .field("workers", &self.workers())
            .field("pids", &self.worker_pids())
            .field("restarts", &self.restarts())
            .finish()
    }
}

//! A pool of worker *processes*: the note's "multiple Pythons".
//!
//! The note: one Python process runs one thread at a time (the GIL), so to
//! compute in parallel Python starts several processes, each with its own
//! interpreter and lock, "however it is expensive to communicate between 2
//! processes". [`ProcessPool`] is that, in Rust: the current executable is
//! started again as workers (it must call [`serve_if_worker`] first thing in
//! `main`), tasks are functions registered by name in a [`Registry`], and
//! arguments and results travel as serde values in length-prefixed
//! [postcard] frames over each worker's stdin and stdout. The handles are
//! the same [`Task`]s the thread [`Pool`](crate::Pool) returns.
//!
//! - Several calls are in flight per worker; it answers them in order.
//! - [`ProcessPool::map`] sends arguments in chunks, one frame per chunk, so
//!   the per-message cost is paid once per chunk (Python's `chunksize`).
//! - A worker that dies (crash, `abort`, `kill -9`, exit) fails the task it
//!   was running with [`TaskError::WorkerDied`]; the calls it had not
//!   started go to another worker, and a fresh worker takes its place.
//!   Garbage on a worker's stdout is an error, never a panic or a hang.
//! - `max_tasks_per_worker` retires a worker after that many tasks. A call
//!   submitted while no worker takes calls (each is retiring, or being
//!   replaced) waits in the pool for the next fresh worker; it never fails
//!   because of a retirement.
//!
//! [postcard]: https://docs.rs/postcard

mod connection;
mod error;
mod protocol;
mod registry;
mod worker;

use std::collections::VecDeque;
use std::ffi::OsString;
use std::fmt;
use std::marker::PhantomData;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

pub use error::ProcessError;
pub use registry::Registry;
pub use worker::serve_if_worker;

use connection::{Connection, Deliver, HELLO_TIMEOUT, InFlight};
use protocol::{Call, ItemResult};

use crate::pool::{Header, LostPanic, Outcome, PromiseCell, Task, TaskError, TaskId, ledger};
use crate::sync::lock;

struct Config {
    program: PathBuf,
    args: Vec<OsString>,
    hello_timeout: Duration,
    max_tasks_per_worker: Option<usize>,
}

/// What the pool handle and the reader threads share.
struct Shared {
    config: Config,
    registry: Registry,
    slots: Vec<RwLock<Option<Arc<Connection>>>>,
    /// Calls that no worker could take when they came (every worker was
    /// retiring, dying or being replaced), oldest first. The next worker
    /// put in a slot takes them. Locked before any slot and any connection;
    /// slots are filled and emptied under it, so a call is never left here
    /// while a worker that takes calls is in a slot.
    pending: Mutex<VecDeque<InFlight>>,
    closing: AtomicBool,
    next_call: AtomicU64,
    next_task: AtomicU64,
    /// The pool's page in the ledger of unread failures.
    owner: u64,
    restarts: AtomicUsize,
    /// Per slot: workers in a row that ended without answering anything,
    /// and not while running a call. A program that keeps failing that way
    /// is not restarted for ever.
    barren: Vec<AtomicUsize>,
}

/// After this many workers in a row end in a slot without answering, the
/// slot stays empty (a broken program would otherwise be restarted in a
/// loop).
const MAX_BARREN_RESTARTS: usize = 3;

impl Shared {
    fn connections(&self) -> Vec<Arc<Connection>> {
        self.slots
            .iter()
            .filter_map(|slot| slot.read().ok().and_then(|c| c.clone()))
            .collect()
    }

    /// Offers `call` to the live workers, least loaded first; gives it back
    /// if none takes it (each is retiring or going away).
    fn offer(&self, mut call: InFlight) -> Option<InFlight> {
        let mut live: Vec<_> = self
            .connections()
            .into_iter()
            .filter(|c| c.is_alive())
            .collect();
        live.sort_by_key(|c| c.load());
        for connection in live {
            match connection.send(call.call, call.deliver, self.config.max_tasks_per_worker) {
                Ok(()) => return None,
                Err(back) => call = back,
            }
        }
        Some(call)
    }

    /// Sends `call` to a worker, or leaves it for the next fresh one.
    fn dispatch(&self, call: InFlight) -> Result<(), (ProcessError, InFlight)> {
        if self.closing.load(Ordering::Acquire) {
            return Err((ProcessError::Shutdown, call));
        }
        let Some(call) = self.offer(call) else {
            return Ok(());
        };
        // Workers are put in slots under this lock: looking again under it
        // cannot miss one that arrived in between.
        let mut pending = lock(&self.pending);
        if self.closing.load(Ordering::Acquire) {
            return Err((ProcessError::Shutdown, call));
        }
        let Some(call) = self.offer(call) else {
            return Ok(());
        };
        // A slot that still holds a worker (retiring, or ended and not yet
        // replaced) gets a fresh one, which takes the call; an empty slot
        // stays empty.
        if self.connections().is_empty() {
            return Err((
                ProcessError::NoWorkers(
                    "every worker ended and none could be restarted".to_owned(),
                ),
                call,
            ));
        }
        pending.push_back(call);
        Ok(())
    }

    /// Takes back calls whose worker ended before starting them: another
    /// worker takes them, or they wait for the ended one's replacement
    /// (called before [`replace`](Self::replace), even while closing, so
    /// the replacement finds them).
    fn requeue(&self, calls: impl IntoIterator<Item = InFlight>) {
        let mut pending = lock(&self.pending);
        for call in calls {
            if let Some(call) = self.offer(call) {
                pending.push_back(call);
            }
        }
    }

    /// Puts `fresh` in `slot` and hands it the waiting calls, until it
    /// takes no more (it retires, or is already gone: its own replacement
    /// then takes the rest).
    fn install(&self, slot: usize, fresh: &Arc<Connection>, pending: &mut VecDeque<InFlight>) {
        match self.slots[slot].write() {
            Ok(mut place) => *place = Some(Arc::clone(fresh)),
            Err(poison) => *poison.into_inner() = Some(Arc::clone(fresh)),
        }
        fresh.activate();
        while let Some(call) = pending.pop_front() {
            if let Err(back) = fresh.send(call.call, call.deliver, self.config.max_tasks_per_worker)
            {
                pending.push_front(back);
                break;
            }
        }
    }

    /// Leaves `slot` empty; if every slot is, no worker will ever take the
    /// waiting calls, and they fail.
    fn abandon(&self, slot: usize, why: &str) {
        let stranded: Vec<InFlight> = {
            let mut pending = lock(&self.pending);
            match self.slots[slot].write() {
                Ok(mut place) => *place = None,
                Err(poison) => *poison.into_inner() = None,
            }
            if self.connections().is_empty() {
                pending.drain(..).collect()
            } else {
                Vec::new()
            }
        };
        for call in stranded {
            (call.deliver)(Err(TaskError::WorkerDied(format!(
                "no worker is left to run it: {why}"
            ))));
        }
    }

    /// Puts a fresh worker in `slot` after the old one ended (its reader
    /// calls this, once); `worked`: whether the old one answered anything
    /// or ended running a call (which failed).
    /// While closing, only calls that were waiting for a worker get one.
    fn replace(self: &Arc<Self>, slot: usize, old_pid: u32, worked: bool) {
        if self.closing.load(Ordering::Acquire) && lock(&self.pending).is_empty() {
            return;
        }
        let barren = if worked {
            self.barren[slot].store(0, Ordering::Relaxed);
            0
        } else {
            self.barren[slot].fetch_add(1, Ordering::Relaxed) + 1
        };
        if barren >= MAX_BARREN_RESTARTS {
            log::warn!(
                "waiter: worker {slot} (pid {old_pid}) is the {barren}th in a row to end without answering; not restarting it"
            );
            self.abandon(
                slot,
                &format!("{barren} workers in a row ended without answering"),
            );
            return;
        }
        match Connection::start(self, slot) {
            Ok(fresh) => {
                // Counted before it can answer anything.
                self.restarts.fetch_add(1, Ordering::Relaxed);
                let mut pending = lock(&self.pending);
                self.install(slot, &fresh, &mut pending);
                if self.closing.load(Ordering::Acquire) {
                    // `shutdown` finds it in the slot and waits for it.
                    fresh.close();
                }
            }
            Err(error) => {
                log::warn!(
                    "waiter: worker {slot} (pid {old_pid}) ended and could not be replaced: {error}"
                );
                self.abandon(slot, &format!("a worker could not be started: {error}"));
            }
        }
    }
}

/// A pool of worker processes; see the [module docs](self).
pub struct ProcessPool {
    shared: Arc<Shared>,
}

/// Configures a [`ProcessPool`]; start from [`ProcessPool::builder`].
pub struct ProcessPoolBuilder {
    registry: Registry,
    workers: Option<usize>,
    program: Option<PathBuf>,
    args: Vec<OsString>,
    max_tasks_per_worker: Option<usize>,
    hello_timeout: Duration,
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
            },
            registry: self.registry,
            slots: (0..workers).map(|_| RwLock::new(None)).collect(),
            pending: Mutex::new(VecDeque::new()),
            closing: AtomicBool::new(false),
            next_call: AtomicU64::new(1),
            next_task: AtomicU64::new(1),
            owner: ledger::open(),
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

impl ProcessPool {
    /// A builder; `registry` names the tasks the workers can run.
    pub fn builder(registry: Registry) -> ProcessPoolBuilder {
        ProcessPoolBuilder {
            registry,
            workers: None,
            program: None,
            args: Vec::new(),
            max_tasks_per_worker: None,
            hello_timeout: HELLO_TIMEOUT,
        }
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

    fn check(&self, task: &str) -> Result<(), ProcessError> {
        if self.shared.closing.load(Ordering::Acquire) {
            return Err(ProcessError::Shutdown);
        }
        if !self.shared.registry.contains(task) {
            return Err(ProcessError::UnknownTask(task.to_owned()));
        }
        Ok(())
    }

    fn promise<T: Send + 'static>(&self) -> Arc<PromiseCell<T>> {
        let id = TaskId(self.shared.next_task.fetch_add(1, Ordering::Relaxed));
        Arc::new(PromiseCell::new(Header::new(id, self.shared.owner, None)))
    }

    fn send(&self, task: &str, items: Vec<Vec<u8>>, deliver: Deliver) -> Result<(), ProcessError> {
        let call = Call {
            id: self.shared.next_call.fetch_add(1, Ordering::Relaxed),
            task: task.to_owned(),
            items,
        };
        self.shared
            .dispatch(InFlight { call, deliver })
            .map_err(|(error, _)| error)
    }

    /// Runs registered task `task` on `argument` in a worker process.
    ///
    /// The task starts as soon as a worker reads it: [`Task::cancel`] then
    /// only discards the answer.
    ///
    /// # Errors
    ///
    /// [`ProcessError::UnknownTask`], [`ProcessError::Encode`],
    /// [`ProcessError::Shutdown`] or [`ProcessError::NoWorkers`]. Failures
    /// after that (a panic in the worker, a worker that died, a result of
    /// another type than `R`) come through the task's handle.
    pub fn submit<A, R>(&self, task: &str, argument: &A) -> Result<Task<R>, ProcessError>
    where
        A: Serialize + ?Sized,
        R: DeserializeOwned + Send + 'static,
    {
        self.check(task)?;
        let bytes =
            postcard::to_stdvec(argument).map_err(|e| ProcessError::Encode(e.to_string()))?;
        let cell = self.promise::<R>();
        let promise = Arc::clone(&cell);
        let deliver: Deliver = Box::new(move |answer| {
            let outcome = match answer {
                Ok(mut results) => match results.pop() {
                    Some(result) => decode(result),
                    None => Outcome::Failed(TaskError::Protocol("an empty answer".to_owned())),
                },
                Err(error) => Outcome::Failed(error),
            };
            fulfil(&promise, outcome);
        });
        self.send(task, vec![bytes], deliver)?;
        Ok(Task::new(cell))
    }

    /// Runs `task` on every item, `chunk_size` items per message, and yields
    /// the results in input order, lazily (a few chunks in flight per
    /// worker). Python's `ProcessPoolExecutor.map(fn, items, chunksize=…)`.
    ///
    /// # Errors
    ///
    /// [`ProcessError::UnknownTask`] or [`ProcessError::Shutdown`] at once;
    /// per-item failures are the items' errors.
    pub fn map<I, R>(
        &self,
        task: &str,
        items: I,
        chunk_size: usize,
    ) -> Result<ProcessMap<'_, I::IntoIter, R>, ProcessError>
    where
        I: IntoIterator,
        I::Item: Serialize,
        R: DeserializeOwned + Send + 'static,
    {
        self.check(task)?;
        Ok(ProcessMap {
            pool: self,
            task: task.to_owned(),
            items: items.into_iter(),
            chunk_size: chunk_size.max(1),
            window: 2 * self.workers(),
            chunks: VecDeque::new(),
            ready: VecDeque::new(),
            _results: PhantomData,
        })
    }

    /// Stops taking tasks, lets every worker answer what it has (and runs
    /// the calls that were waiting for a retired worker's replacement),
    /// waits for the workers to exit and joins the reader threads.
    /// Idempotent; `Drop` does it too. Returns failures whose handles were
    /// dropped unread.
    pub fn shutdown(&self) -> Vec<LostPanic> {
        self.shared.closing.store(true, Ordering::Release);
        // A worker that ends now is replaced only for calls that wait for
        // one, by its reader, before that reader returns; the replacement
        // is in the slot by the time it is joined. So: until the slots stay
        // empty.
        loop {
            let mut stopping = Vec::new();
            for slot in &self.shared.slots {
                let taken = match slot.write() {
                    Ok(mut place) => place.take(),
                    Err(poison) => poison.into_inner().take(),
                };
                if let Some(connection) = taken {
                    connection.close();
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
            (call.deliver)(Err(TaskError::WorkerDied(
                "the pool shut down before a worker could take it".to_owned(),
            )));
        }
        ledger::take(self.shared.owner)
    }
}

impl Drop for ProcessPool {
    fn drop(&mut self) {
        self.shutdown();
        for lost in ledger::close(self.shared.owner) {
            log::warn!("waiter: {lost} (its handle was dropped unread)");
        }
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

fn fulfil<T: Send>(promise: &PromiseCell<T>, outcome: Outcome<T>) {
    if promise.start() {
        // SAFETY: we won `start` just now.
        unsafe { promise.complete(outcome) };
    }
}

fn decode<R: DeserializeOwned>(result: ItemResult) -> Outcome<R> {
    match result {
        ItemResult::Value(bytes) => match postcard::from_bytes(&bytes) {
            Ok(value) => Outcome::Value(value),
            Err(error) => Outcome::Failed(TaskError::Protocol(format!(
                "the result does not decode as {}: {error}",
                std::any::type_name::<R>()
            ))),
        },
        ItemResult::Panicked(message) => Outcome::Panic(Box::new(message)),
        ItemResult::BadArgument(message) => Outcome::Failed(TaskError::Protocol(format!(
            "the worker could not decode the argument: {message}"
        ))),
        ItemResult::UnknownTask(name) => Outcome::Failed(TaskError::Protocol(format!(
            "the worker has no task named {name:?} (is it the same program?)"
        ))),
    }
}

/// One chunk of a map: a task whose value is the chunk's per-item results.
type ChunkTask<R> = Task<Vec<Result<R, TaskError>>>;

/// The iterator returned by [`ProcessPool::map`].
pub struct ProcessMap<'p, I, R> {
    pool: &'p ProcessPool,
    task: String,
    items: I,
    chunk_size: usize,
    window: usize,
    chunks: VecDeque<Result<ChunkTask<R>, ProcessError>>,
    ready: VecDeque<Result<R, TaskError>>,
    _results: PhantomData<fn() -> R>,
}

impl<I, R> ProcessMap<'_, I, R>
where
    I: Iterator,
    I::Item: Serialize,
    R: DeserializeOwned + Send + 'static,
{
    fn send_chunk(&mut self) -> bool {
        let mut items = Vec::with_capacity(self.chunk_size);
        let mut bad = None;
        for item in self.items.by_ref().take(self.chunk_size) {
            match postcard::to_stdvec(&item) {
                Ok(bytes) => items.push(bytes),
                Err(error) => bad = Some(ProcessError::Encode(error.to_string())),
            }
        }
        if items.is_empty() && bad.is_none() {
            return false;
        }
        if let Some(error) = bad {
            self.chunks.push_back(Err(error));
            return true;
        }
        let cell = self.pool.promise::<Vec<Result<R, TaskError>>>();
        let promise = Arc::clone(&cell);
        let deliver: Deliver = Box::new(move |answer| {
            let outcome = match answer {
                Ok(results) => Outcome::Value(
                    results
                        .into_iter()
                        .map(|result| match decode::<R>(result) {
                            Outcome::Value(value) => Ok(value),
                            Outcome::Panic(message) => {
                                Err(TaskError::Panicked(crate::pool::Panic::new(message)))
                            }
                            Outcome::Failed(error) => Err(error),
                        })
                        .collect(),
                ),
                Err(error) => Outcome::Failed(error),
            };
            fulfil(&promise, outcome);
        });
        let sent = self
            .pool
            .send(&self.task, items, deliver)
            .map(|()| Task::new(cell));
        self.chunks.push_back(sent);
        true
    }
}

impl<I, R> Iterator for ProcessMap<'_, I, R>
where
    I: Iterator,
    I::Item: Serialize,
    R: DeserializeOwned + Send + 'static,
{
    type Item = Result<R, TaskError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            while self.chunks.len() < self.window && self.send_chunk() {}
            if let Some(result) = self.ready.pop_front() {
                return Some(result);
            }
            match self.chunks.pop_front()? {
                Ok(chunk) => match chunk.wait() {
                    Ok(results) => self.ready.extend(results),
                    // The whole chunk failed (its worker died running it).
                    Err(error) => return Some(Err(error)),
                },
                Err(ProcessError::Shutdown) => return Some(Err(TaskError::Rejected)),
                Err(error) => return Some(Err(TaskError::Protocol(error.to_string()))),
            }
        }
    }
}

impl<I, R> fmt::Debug for ProcessMap<'_, I, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessMap")
            .field("task", &self.task)
            .field("chunk_size", &self.chunk_size)
            .field("chunks_in_flight", &self.chunks.len())
            .finish_non_exhaustive()
    }
}

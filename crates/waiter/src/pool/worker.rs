//! The worker loop: set up, then run tasks until told to stop.

use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;

use super::current;
use super::error::{Panic, TaskError};
use super::life::{Alive, PoolLife};
use super::queue::{Message, Receiver};

/// Worker set-up, Python's `initializer=`: runs once on each worker before
/// its first task. An `Err` (its text) or a panic breaks the pool.
pub(crate) type Initializer = dyn Fn() -> Result<(), String> + Send + Sync;

/// What a worker needs to know about its pool.
pub(crate) struct WorkerContext {
    pub(crate) pool: u64,
    pub(crate) quiet: bool,
    pub(crate) initializer: Option<Arc<Initializer>>,
    pub(crate) life: Arc<PoolLife>,
    /// Counts this worker alive until it returns.
    pub(crate) alive: Alive,
}

/// Runs tasks from `queue` until a [`Message::Stop`] arrives.
///
/// Tasks never unwind into this loop (each [`Job::run`](super::job::Job::run)
/// catches its closure's panic), so one worker serves the pool's whole life.
/// Once the pool is broken, every task it takes is failed with
/// [`TaskError::Broken`] instead of run, so pending tasks end promptly.
pub(crate) fn run(queue: Receiver<Message>, context: WorkerContext) {
    let WorkerContext {
        pool,
        quiet,
        initializer,
        life,
        alive,
    } = context;
    current::become_worker(pool, quiet);
    if let Some(initializer) = &initializer {
        let failure = match panic::catch_unwind(AssertUnwindSafe(|| initializer())) {
            Ok(Ok(())) => None,
            Ok(Err(reason)) => Some(format!("a worker's initializer failed: {reason}")),
            Err(payload) => Some(format!(
                "a worker's initializer panicked: {}",
                Panic::from_payload(payload)
            )),
        };
        if let Some(reason) = failure {
            log::error!("waiter: {reason}; the pool is broken");
            life.set_broken(reason);
        }
    }
    while let Ok(message) = queue.recv() {
        match message {
            Message::Run(job) => match life.broken() {
                Some(reason) => job.fail(TaskError::Broken(reason.to_owned())),
                None => job.run(),
            },
            Message::Stop => break,
        }
    }
    // Uncounted only now: `shutdown_timeout` reports this worker gone.
    drop(alive);
}

//! The worker loop, and how a thread knows it is a worker.

use super::queue::{Message, Receiver};
use std::cell::Cell;

#[cfg(not(loom))]
std::thread_local! {
    static IS_WORKER: Cell<bool> = const { Cell::new(false) };
}

// loom's macro takes no `const` block, and its threads need its own locals.
#[cfg(loom)]
loom::thread_local! {
    static IS_WORKER: Cell<bool> = Cell::new(false);
}

/// Whether the current thread is a worker of some [`Pool`](super::Pool).
/// Waits on worker threads run pending tasks inline instead of blocking.
pub(crate) fn is_worker() -> bool {
    IS_WORKER.with(|flag| flag.get())
}

/// Runs tasks from `queue` until a [`Message::Stop`] arrives.
///
/// Tasks never unwind into this loop (each [`Job::run`](super::job::Job::run)
/// catches its closure's panic), so one worker serves the pool's whole life.
pub(crate) fn run(queue: Receiver<Message>) {
    IS_WORKER.with(|flag| flag.set(true));
    while let Ok(message) = queue.recv() {
        match message {
            Message::Run(job) => job.run(),
            Message::Stop => break,
        }
    }
}

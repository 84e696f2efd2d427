//! Why a process pool could not start or take a task, and why a task it
//! took gave no value.
//!
//! These are the process pool's own: a process task fails in ways a thread
//! task cannot (its worker dies, the worker is another program, the bytes
//! on a pipe are garbage), and a thread task's panic payload cannot cross a
//! process boundary (a process task's panic is its message).

use std::fmt;

use crate::TaskId;

/// Why a [`ProcessPool`](super::ProcessPool) could not be built or refused
/// a submission. (A task that was accepted and then failed reports a
/// [`TaskError`] through its handle.)
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProcessError {
    /// A pool needs at least one worker.
    #[error("a process pool needs at least one worker (got 0)")]
    ZeroWorkers,
    /// `max_tasks_per_worker(0)` would retire workers before any task.
    #[error("max_tasks_per_worker must be at least 1 (got 0)")]
    ZeroMaxTasks,
    /// `calls_per_worker(0)` would never send a call.
    #[error("calls_per_worker must be at least 1 (got 0)")]
    ZeroCallsPerWorker,
    /// The worker program could not be started.
    #[error("could not start worker process {program}: {source}")]
    Spawn {
        /// The program.
        program: String,
        /// What the system said.
        source: std::io::Error,
    },
    /// The program started but did not answer as a worker.
    #[error(
        "{program} did not answer as a worker: {problem} (does its main call waiter::process::serve_if_worker before printing anything?)"
    )]
    NotAWorker {
        /// The program.
        program: String,
        /// What went wrong.
        problem: String,
    },
    /// No task of this name is in the registry.
    #[error("no task named {0:?} is registered")]
    UnknownTask(String),
    /// The registry has a task of this name with other types.
    #[error("task {task:?} is registered as {expected}, called as {found}")]
    Mismatch {
        /// The task's name.
        task: String,
        /// The registered signature, `fn(A) -> R`.
        expected: String,
        /// The caller's.
        found: String,
    },
    /// The argument could not be encoded.
    #[error("the argument does not encode: {0}")]
    Encode(String),
    /// The pool was shut down.
    #[error("the process pool is shut down and takes no new tasks")]
    Shutdown,
    /// Every worker died and none could be restarted.
    #[error("no worker process is running: {0}")]
    NoWorkers(String),
}

/// Why a process task gave no value.
///
/// Only [`Panicked`](Self::Panicked) means the task's own code failed; the
/// others say what happened to the call around it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TaskError {
    /// The task panicked in the worker; the worker lives on.
    #[error("task panicked: {message}")]
    Panicked {
        /// The panic message.
        message: String,
    },
    /// The worker's task of this name has other types than the call (a
    /// worker built from another program or version). Nothing was decoded.
    #[error("the worker's task {task:?} is {expected}, called as {found}")]
    Mismatch {
        /// The task's name.
        task: String,
        /// The worker's signature, `fn(A) -> R`.
        expected: String,
        /// The caller's.
        found: String,
    },
    /// The worker has no task of this name (another program).
    #[error("the worker has no task named {0:?} (is it the same program?)")]
    UnknownTask(String),
    /// The worker process died (crashed, was killed, exited, or wrote
    /// garbage and was stopped) while running the call.
    #[error("the worker process died while running the task: {0}")]
    WorkerDied(String),
    /// No worker was left to run the call: every worker ended and none
    /// could be restarted.
    #[error("no worker could run the task: {0}")]
    NoWorker(String),
    /// An answer could not be understood (same type names, other shapes:
    /// two builds of one program), or the call could not be sent.
    #[error("bad answer from the worker process: {0}")]
    Protocol(String),
    /// A [`map`](super::ProcessPool::map) item could not be encoded; it was
    /// not sent.
    #[error("the item does not encode: {0}")]
    Encode(String),
    /// Cancelled before it was sent to a worker.
    #[error("task was cancelled before it was sent to a worker")]
    Cancelled,
    /// The pool was shut down before the call could be sent (only
    /// [`map`](super::ProcessPool::map) reports this, per item).
    #[error("the process pool was shut down before the task was sent")]
    Rejected,
    /// The result was already taken from this handle.
    #[error("the task's result was already taken")]
    Taken,
    /// A timed wait ran out before the task finished; it goes on.
    #[error("timed out before the task finished")]
    Timeout,
}

impl TaskError {
    /// Whether the task panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self, TaskError::Panicked { .. })
    }

    /// Whether the task was cancelled before it was sent.
    pub fn is_cancelled(&self) -> bool {
        matches!(self, TaskError::Cancelled)
    }

    /// Whether a timed wait ran out (the task goes on).
    pub fn is_timeout(&self) -> bool {
        matches!(self, TaskError::Timeout)
    }

    /// Whether the task's worker died running it.
    pub fn is_worker_died(&self) -> bool {
        matches!(self, TaskError::WorkerDied(_))
    }

    /// Whether the worker's task has other types than the call.
    pub fn is_mismatch(&self) -> bool {
        matches!(self, TaskError::Mismatch { .. })
    }
}

/// A failure whose handle was dropped before anybody read it: a panic, a
/// dead worker, a mismatch.
///
/// Returned by [`ProcessPool::shutdown`](super::ProcessPool::shutdown) and
/// logged when a pool is dropped, so no failure goes unnoticed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LostFailure {
    /// The task that failed.
    pub task: TaskId,
    /// How.
    pub error: TaskError,
}

impl fmt::Display for LostFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "task {} failed: {}", self.task, self.error)
    }
}

//! Why a process pool could not start or take a task.

/// Why a [`ProcessPool`](super::ProcessPool) could not be built or refused
/// a submission. (A task that was accepted and then failed reports a
/// [`TaskError`](crate::TaskError) through its handle.)
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    /// A pool needs at least one worker.
    #[error("a process pool needs at least one worker (got 0)")]
    ZeroWorkers,
    /// `max_tasks_per_worker(0)` would retire workers before any task.
    #[error("max_tasks_per_worker must be at least 1 (got 0)")]
    ZeroMaxTasks,
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

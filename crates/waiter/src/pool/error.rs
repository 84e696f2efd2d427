//! The pool's error and identity types, small and matchable.

use std::any::Any;
use std::fmt;

/// A task's number, unique within its pool, in submission order.
///
/// Displays as `#17`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaskId(pub(crate) u64);

impl TaskId {
    /// The number itself.
    pub fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// A panic caught in a task: its message, and the payload to re-raise it.
///
/// A clone keeps the message; its payload is that message as a `String`
/// (a panic payload is `dyn Any` and cannot be cloned), which
/// [`std::panic::resume_unwind`] reports the same way.
pub struct Panic {
    message: String,
    payload: Box<dyn Any + Send + 'static>,
}

impl Panic {
    /// Wraps a payload caught with [`std::panic::catch_unwind`], reading its
    /// message if it is a `&str` or a `String` (as `panic!` makes them).
    ///
    /// # Examples
    ///
    /// ```
    /// use waiter::Panic;
    ///
    /// let payload = std::panic::catch_unwind(|| panic!("boom {}", 1)).unwrap_err();
    /// assert_eq!(Panic::from_payload(payload).message(), "boom 1");
    /// ```
    pub fn from_payload(payload: Box<dyn Any + Send + 'static>) -> Self {
        Self::new(payload)
    }

    pub(crate) fn new(payload: Box<dyn Any + Send + 'static>) -> Self {
        let message = if let Some(text) = payload.downcast_ref::<&'static str>() {
            (*text).to_owned()
        } else if let Some(text) = payload.downcast_ref::<String>() {
            text.clone()
        } else {
            "panic payload is not a string".to_owned()
        };
        Self { message, payload }
    }

    /// The panic message (`"panic payload is not a string"` if it had none).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The original payload, for [`std::panic::resume_unwind`].
    pub fn into_payload(self) -> Box<dyn Any + Send + 'static> {
        self.payload
    }
}

// SAFETY: the payload is reachable only by value (`into_payload(self)`);
// through `&Panic` one gets the message, a `String`. So sharing `&Panic`
// between threads never shares the payload, and `Send` for it suffices (the
// same reasoning as tokio's `JoinError`). This lets `TaskError` travel through
// `anyhow` and `Box<dyn Error + Send + Sync>` with `?`.
unsafe impl Sync for Panic {}

impl Clone for Panic {
    fn clone(&self) -> Self {
        Self {
            message: self.message.clone(),
            payload: Box::new(self.message.clone()),
        }
    }
}

/// Two panics are equal if their messages are (payloads cannot be compared).
impl PartialEq for Panic {
    fn eq(&self, other: &Self) -> bool {
        self.message == other.message
    }
}

impl Eq for Panic {}

impl fmt::Debug for Panic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Panic").field(&self.message).finish()
    }
}

impl fmt::Display for Panic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Why a task gave no value (yet).
///
/// Cloning keeps everything but a panic's original payload (see
/// [`Panic`]); [`SharedTask`](super::SharedTask) hands clones to every
/// waiter.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TaskError {
    /// The closure panicked; the worker that ran it lives on.
    #[error("task panicked: {0}")]
    Panicked(Panic),
    /// The task was cancelled before it started, by
    /// [`Task::cancel`](super::ScopedTask::cancel) or
    /// [`Pool::shutdown_now`](super::Pool::shutdown_now).
    #[error("task was cancelled before it started")]
    Cancelled,
    /// The pool was shut down before the task could be submitted (only
    /// [`Pool::map`](super::Pool::map) reports this per item; `submit`
    /// returns a [`SubmitError`]).
    #[error("the pool was shut down before the task was submitted")]
    Rejected,
    /// The result was already taken from this handle.
    #[error("the task's result was already taken")]
    Taken,
    /// A timed wait ran out before the task finished. The task goes on;
    /// wait again, or cancel it. Python's `TimeoutError`.
    #[error("timed out before the task finished")]
    Timeout,
    /// The pool is broken: a worker's initializer failed or panicked, so
    /// the pool runs nothing more. Python's `BrokenThreadPool`.
    #[error("the pool is broken: {0}")]
    Broken(String),
}

impl TaskError {
    /// Whether the task panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self, TaskError::Panicked(_))
    }

    /// Whether the task was cancelled before it ran.
    pub fn is_cancelled(&self) -> bool {
        matches!(self, TaskError::Cancelled)
    }

    /// Whether a timed wait ran out (the task goes on).
    pub fn is_timeout(&self) -> bool {
        matches!(self, TaskError::Timeout)
    }

    /// Whether the task's pool is broken (its initializer failed).
    pub fn is_broken(&self) -> bool {
        matches!(self, TaskError::Broken(_))
    }

    /// The panic's payload, if the task panicked; re-raise it with
    /// [`std::panic::resume_unwind`].
    pub fn into_panic(self) -> Option<Box<dyn Any + Send + 'static>> {
        match self {
            TaskError::Panicked(panic) => Some(panic.into_payload()),
            _ => None,
        }
    }
}

/// Why a submission was refused; gives the closure back.
#[derive(thiserror::Error)]
#[error("{kind}")]
pub struct SubmitError<F> {
    kind: SubmitErrorKind,
    task: F,
}

/// The reason in a [`SubmitError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SubmitErrorKind {
    /// The pool was shut down; it takes no new work.
    #[error("the pool is shut down and takes no new tasks")]
    Shutdown,
    /// The queue is at its bound (only from `try_submit`).
    #[error("the pool's queue is full")]
    Full,
}

impl<F> SubmitError<F> {
    pub(crate) fn new(kind: SubmitErrorKind, task: F) -> Self {
        Self { kind, task }
    }

    /// Why the submission was refused.
    pub fn kind(&self) -> SubmitErrorKind {
        self.kind
    }

    /// Whether the pool was shut down.
    pub fn is_shutdown(&self) -> bool {
        self.kind == SubmitErrorKind::Shutdown
    }

    /// Whether the queue was full.
    pub fn is_full(&self) -> bool {
        self.kind == SubmitErrorKind::Full
    }

    /// The closure that was not submitted.
    pub fn into_inner(self) -> F {
        self.task
    }
}

// SAFETY: no method gives shared access to the closure (`into_inner` takes
// `self`; `Debug` and `Display` show only the kind), so sharing a
// `&SubmitError<F>` between threads never shares an `&F`. This lets the error
// travel through `anyhow` and `Box<dyn Error + Send + Sync>` with `?`.
unsafe impl<F: Send> Sync for SubmitError<F> {}

impl<F> From<SubmitError<F>> for SubmitErrorKind {
    fn from(error: SubmitError<F>) -> Self {
        error.kind
    }
}

impl<F> fmt::Debug for SubmitError<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SubmitError")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// Why a pool could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A pool needs at least one worker.
    #[error("a pool needs at least one worker (got 0)")]
    ZeroWorkers,
    /// A bounded queue needs room for at least one task.
    #[error("the queue bound must be at least 1 (got 0)")]
    ZeroQueueBound,
    /// The operating system refused to start a worker thread.
    #[error("could not start worker thread: {0}")]
    Spawn(#[from] std::io::Error),
}

/// A panic whose handle was dropped before anybody read it.
///
/// Returned by [`Pool::shutdown`](super::Pool::shutdown) and logged when a
/// pool is dropped, so no failure goes unnoticed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LostPanic {
    /// The task that panicked.
    pub task: TaskId,
    /// Its name, if it was submitted with one.
    pub name: Option<String>,
    /// The panic message.
    pub message: String,
}

impl fmt::Display for LostPanic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(name) => write!(f, "task {} ({name}) panicked: {}", self.task, self.message),
            None => write!(f, "task {} panicked: {}", self.task, self.message),
        }
    }
}

//! A task handle for several owners: each clone waits, and each gets a clone
//! of the outcome.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use super::error::{TaskError, TaskId};
use super::task::{RawTask, TaskState};

/// A cloneable handle to a task whose result is `Clone`, from
/// [`Task::shared`](super::Task::shared). Every clone can wait (blocking,
/// with a timeout, or `.await`) and gets its own clone of the outcome, as
/// `futures`' `Shared` does. A panic's clone keeps its message (see
/// [`Panic`](super::Panic)).
pub struct SharedTask<T> {
    inner: Arc<Inner<T>>,
    /// This clone's entry in the task's waiter list while it is polled
    /// (each clone has its own waker).
    poll_key: Option<u64>,
}

struct Inner<T> {
    task: RawTask<'static, T>,
    outcome: OnceLock<Result<T, TaskError>>,
}

impl<T: Clone> SharedTask<T> {
    pub(crate) fn new(task: RawTask<'static, T>) -> Self {
        Self {
            inner: Arc::new(Inner {
                task,
                outcome: OnceLock::new(),
            }),
            poll_key: None,
        }
    }

    /// The outcome of a finished task, taken once and cloned for each
    /// caller.
    fn outcome(&self) -> Result<T, TaskError> {
        self.inner
            .outcome
            .get_or_init(|| self.inner.task.take_shared())
            .clone()
    }

    pub(crate) fn raw(&self) -> &RawTask<'static, T> {
        &self.inner.task
    }

    /// The task's number in its pool.
    pub fn id(&self) -> TaskId {
        self.inner.task.header().id()
    }

    /// Where the task is in its life.
    pub fn state(&self) -> TaskState {
        self.inner.task.state()
    }

    /// Whether the task finished (done or cancelled).
    pub fn is_done(&self) -> bool {
        self.inner.task.is_finished()
    }

    /// Cancels the task if it has not started; returns whether it is
    /// cancelled now (as [`Task::cancel`](super::Task::cancel)).
    pub fn cancel(&self) -> bool {
        self.inner.task.cancel()
    }

    /// Blocks until the task finishes and returns a clone of its outcome.
    ///
    /// # Errors
    ///
    /// As [`Task::wait`](super::Task::wait), cloned.
    pub fn wait(&self) -> Result<T, TaskError> {
        self.inner.task.help();
        self.inner.task.block(None);
        self.outcome()
    }

    /// Waits at most `timeout`, then returns a clone of the outcome.
    ///
    /// # Errors
    ///
    /// [`TaskError::Timeout`] if the task is still pending or running then;
    /// otherwise as [`wait`](Self::wait).
    pub fn wait_timeout(&self, timeout: Duration) -> Result<T, TaskError> {
        self.inner.task.wait_done(Some(timeout))?;
        self.outcome()
    }
}

impl<T> Clone for SharedTask<T> {
    /// Another owner of the same task, not yet polled.
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
            poll_key: None,
        }
    }
}

impl<T: Clone> Future for SharedTask<T> {
    type Output = Result<T, TaskError>;

    /// Ready once the task finished, with a clone of its outcome; each clone
    /// is polled with its own waker.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let header = this.inner.task.header();
        if !this.inner.task.is_finished() {
            let registered = match this.poll_key {
                Some(key) => header.replace_waker(key, cx.waker()),
                None => match header.register(super::waiters::Waiter::Waker(cx.waker().clone())) {
                    Ok(key) => {
                        this.poll_key = Some(key);
                        true
                    }
                    Err(_) => false,
                },
            };
            if registered {
                return Poll::Pending;
            }
        }
        this.poll_key = None;
        Poll::Ready(this.outcome())
    }
}

impl<T> Drop for SharedTask<T> {
    fn drop(&mut self) {
        if let Some(key) = self.poll_key.take() {
            self.inner.task.header().deregister(key);
        }
    }
}

impl<T> fmt::Debug for SharedTask<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedTask")
            .field("id", &self.inner.task.header().id())
            .field("state", &self.inner.task.state())
            .finish()
    }
}

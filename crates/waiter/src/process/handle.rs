//! The handle to a process task, and where its unread failures go.
//!
//! A [`ProcessTask`] is the thread pool's task cell (the same life cycle,
//! proven by its loom models) holding a `Result<R, TaskError>`: the pool's
//! machinery moves it from pending to running when its call is written to
//! a worker and to done when the answer is in; this handle turns the cell's
//! own errors (cancelled, taken) into the process pool's [`TaskError`].
//!
//! A failure whose handle is dropped unread must not vanish: [`Unread`]
//! records it in the pool's book exactly once, whichever of the two comes
//! second (the failure, or the handle's drop), by a two-bit
//! [latch](super::unread), model-checked with loom.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, Weak};
use std::task::{Context, Poll};
use std::time::Duration;

use super::error::{LostFailure, TaskError};
use super::unread::Latch;
use crate::pool::{Task, TaskError as CellError, TaskId};
use crate::sync::lock;

/// The pool's record of failures nobody read.
pub(crate) type Book = Mutex<Vec<LostFailure>>;

/// A task's latch, and where to record what it hands out.
pub(crate) struct Unread {
    latch: Latch<TaskError>,
    task: TaskId,
    book: Weak<Book>,
}

impl Unread {
    pub(crate) fn new(task: TaskId, book: Weak<Book>) -> Self {
        Self {
            latch: Latch::new(),
            task,
            book,
        }
    }

    /// The task failed with `error` (called once, before the handle can
    /// see the failure).
    pub(crate) fn failed(&self, error: &TaskError) {
        if let Some(error) = self.latch.failed(error.clone()) {
            self.record(error);
        }
    }

    /// The handle was dropped without taking the result.
    fn dropped(&self) {
        if let Some(error) = self.latch.dropped() {
            self.record(error);
        }
    }

    fn record(&self, error: TaskError) {
        let lost = LostFailure {
            task: self.task,
            error,
        };
        match self.book.upgrade() {
            Some(book) => lock(&book).push(lost),
            None => log::warn!("waiter: {lost} (its handle was dropped unread)"),
        }
    }
}

/// A handle to a task submitted with
/// [`ProcessPool::submit`](super::ProcessPool::submit): wait for it, poll
/// it, cancel it while it is pending, or `.await` it.
///
/// The task is *pending* until its call is written to a worker, then
/// *running* until the answer is in. Only a pending task can be cancelled;
/// a running one gives the worker's answer (the same as CPython's
/// `Future.cancel`). Dropping the handle does not cancel the task; if it
/// then fails, the failure is returned by
/// [`ProcessPool::shutdown`](super::ProcessPool::shutdown).
pub struct ProcessTask<R> {
    cell: Task<Result<R, TaskError>>,
    unread: Option<Arc<Unread>>,
    taken: bool,
}

impl<R> ProcessTask<R> {
    pub(crate) fn new(cell: Task<Result<R, TaskError>>, unread: Option<Arc<Unread>>) -> Self {
        Self {
            cell,
            unread,
            taken: false,
        }
    }

    /// The task's number in its pool.
    pub fn id(&self) -> TaskId {
        self.cell.id()
    }

    /// Whether the task finished (answered, failed or cancelled).
    pub fn is_done(&self) -> bool {
        self.cell.is_done()
    }

    /// Whether the task's call has been written to a worker and not yet
    /// answered.
    pub fn is_running(&self) -> bool {
        self.cell.is_running()
    }

    /// Whether the task was cancelled before it was sent.
    pub fn is_cancelled(&self) -> bool {
        self.cell.is_cancelled()
    }

    /// Cancels the task if it was not sent to a worker yet; returns whether
    /// it did. A cancelled task never reaches a worker.
    pub fn cancel(&self) -> bool {
        self.cell.cancel()
    }

    /// Blocks until the task finishes and returns its result.
    ///
    /// # Errors
    ///
    /// The [`TaskError`] the task ended with.
    pub fn wait(mut self) -> Result<R, TaskError> {
        // Never runs anything inline: a process task's cell has nothing to
        // run. `None`: no deadline.
        let result = match self.cell.wait_done(None) {
            // Finished: `try_get` has it (or says it was taken).
            Ok(()) => self.cell.try_get().unwrap_or(Err(CellError::Taken)),
            Err(error) => Err(error),
        };
        self.taken = true;
        flatten(result)
    }

    /// Waits at most `timeout` for the task to finish and takes its result.
    ///
    /// # Errors
    ///
    /// [`TaskError::Timeout`] if it is still pending or running then (it
    /// goes on; call again later); otherwise as [`wait`](Self::wait).
    pub fn wait_timeout(&mut self, timeout: Duration) -> Result<R, TaskError> {
        let result = self.cell.wait_timeout(timeout);
        if !matches!(result, Err(CellError::Timeout)) {
            self.taken = true;
        }
        flatten(result)
    }

    /// The result if the task has finished, without blocking.
    pub fn try_get(&mut self) -> Option<Result<R, TaskError>> {
        let result = self.cell.try_get()?;
        self.taken = true;
        Some(flatten(result))
    }
}

fn flatten<R>(result: Result<Result<R, TaskError>, CellError>) -> Result<R, TaskError> {
    match result {
        Ok(result) => result,
        Err(CellError::Cancelled) => Err(TaskError::Cancelled),
        Err(CellError::Taken) => Err(TaskError::Taken),
        Err(CellError::Timeout) => Err(TaskError::Timeout),
        // Nothing else reaches a process task's cell: it is fulfilled by
        // the pool with a result, never by running a closure.
        Err(other) => Err(TaskError::Protocol(other.to_string())),
    }
}

impl<R> Future for ProcessTask<R> {
    type Output = Result<R, TaskError>;

    /// Ready once the task finished. Polling again after `Ready` returns
    /// `Err(TaskError::Taken)`.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        match Pin::new(&mut this.cell).poll(cx) {
            Poll::Ready(result) => {
                this.taken = true;
                Poll::Ready(flatten(result))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<R> Drop for ProcessTask<R> {
    fn drop(&mut self) {
        if !self.taken {
            if let Some(unread) = &self.unread {
                unread.dropped();
            }
        }
    }
}

impl<R> fmt::Debug for ProcessTask<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessTask")
            .field("id", &self.id())
            .field("done", &self.is_done())
            .field("running", &self.is_running())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whichever comes second, failure or drop, records the failure, and
    /// exactly once; from two threads racing, many times.
    #[test]
    fn an_unread_failure_is_recorded_exactly_once() {
        for round in 0..2_000u64 {
            let book = Arc::new(Book::default());
            let unread = Arc::new(Unread::new(TaskId(round), Arc::downgrade(&book)));
            let error = TaskError::WorkerDied("killed".into());
            std::thread::scope(|scope| {
                let dropper = Arc::clone(&unread);
                scope.spawn(move || dropper.dropped());
                unread.failed(&error);
            });
            let lost = std::mem::take(&mut *lock(&book));
            assert_eq!(
                lost,
                [LostFailure {
                    task: TaskId(round),
                    error: error.clone()
                }]
            );
        }
    }

    #[test]
    fn a_failure_read_or_never_dropped_is_not_recorded() {
        let book = Arc::new(Book::default());
        let unread = Unread::new(TaskId(1), Arc::downgrade(&book));
        unread.failed(&TaskError::Protocol("x".into()));
        assert!(lock(&book).is_empty(), "the handle may still read it");
        // A handle that was dropped without a failure ever coming.
        let quiet = Unread::new(TaskId(2), Arc::downgrade(&book));
        quiet.dropped();
        assert!(lock(&book).is_empty());
    }
}

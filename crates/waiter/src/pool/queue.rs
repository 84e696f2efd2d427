//! The submission queue: a multi-producer, multi-consumer FIFO, optionally
//! bounded.
//!
//! Normally this is [`crossbeam_channel`]: lock-free, it spins briefly
//! before parking a receiver and only wakes one when one sleeps, and its
//! `try_send` hands the message back when the queue is full (our
//! backpressure). Under `--cfg loom` it is a small mutex-and-condvar queue
//! with the same surface, so the pool's own protocol (states, shutdown,
//! drain) can be model-checked; crossbeam is tested by its authors.

use super::job::Job;
use super::latch::ScopeCounter;
use std::sync::Arc;

/// What travels through the queue.
pub(crate) enum Message {
    /// A task to run (or to cancel, if the pool is shutting down now).
    Run(QueuedJob),
    /// A worker that receives this exits; one is sent per worker on shutdown.
    Stop,
}

/// The queue's reference to a task, and to the scope that waits for it.
pub(crate) struct QueuedJob {
    /// Always `Some` until dropped; an `Option` so `Drop` can release the job
    /// before telling the scope.
    job: Option<Arc<dyn Job>>,
    scope: Option<Arc<ScopeCounter>>,
}

impl QueuedJob {
    pub(crate) fn new(job: Arc<dyn Job>, scope: Option<Arc<ScopeCounter>>) -> Self {
        Self {
            job: Some(job),
            scope,
        }
    }

    /// Runs the task if it is still pending.
    pub(crate) fn run(&self) {
        if let Some(job) = &self.job {
            job.run();
        }
    }

    /// Cancels the task if it is still pending.
    pub(crate) fn cancel(&self) -> bool {
        self.job.as_ref().is_some_and(|job| job.cancel())
    }

    /// Ends the task with `error` if it is still pending.
    pub(crate) fn fail(&self, error: super::error::TaskError) {
        if let Some(job) = &self.job {
            job.fail(error);
        }
    }
}

impl Drop for QueuedJob {
    fn drop(&mut self) {
        // The scope may end (and the data its tasks borrow die) as soon as its
        // count reaches zero, so our reference to the job must go first.
        drop(self.job.take());
        if let Some(scope) = self.scope.take() {
            scope.job_released();
        }
    }
}

pub(crate) use imp::{Receiver, Sender, TrySendError, channel};

#[cfg(not(loom))]
mod imp {
    pub(crate) use crossbeam_channel::{Receiver, Sender, TrySendError};

    /// A queue holding at most `bound` messages (`None`: unbounded).
    pub(crate) fn channel<T>(bound: Option<usize>) -> (Sender<T>, Receiver<T>) {
        match bound {
            Some(bound) => crossbeam_channel::bounded(bound),
            None => crossbeam_channel::unbounded(),
        }
    }
}

#[cfg(loom)]
mod imp {
    use std::collections::VecDeque;

    use std::sync::Arc;

    use crate::sync::{Condvar, Mutex, lock};

    pub(crate) enum TrySendError<T> {
        Full(T),
        #[allow(dead_code)]
        Disconnected(T),
    }

    pub(crate) struct SendError<T>(#[allow(dead_code)] pub(crate) T);

    struct Shared<T> {
        queue: Mutex<VecDeque<T>>,
        bound: Option<usize>,
        not_empty: Condvar,
        not_full: Condvar,
    }

    pub(crate) struct Sender<T>(Arc<Shared<T>>);
    pub(crate) struct Receiver<T>(Arc<Shared<T>>);

    impl<T> Clone for Receiver<T> {
        fn clone(&self) -> Self {
            Self(self.0.clone())
        }
    }

    pub(crate) fn channel<T>(bound: Option<usize>) -> (Sender<T>, Receiver<T>) {
        let shared = Arc::new(Shared {
            queue: Mutex::new(VecDeque::new()),
            bound,
            not_empty: Condvar::new(),
            not_full: Condvar::new(),
        });
        (Sender(shared.clone()), Receiver(shared))
    }

    impl<T> Sender<T> {
        pub(crate) fn send(&self, message: T) -> Result<(), SendError<T>> {
            let mut queue = lock(&self.0.queue);
            while self.0.bound.is_some_and(|bound| queue.len() >= bound) {
                queue = self.0.not_full.wait(queue).unwrap();
            }
            queue.push_back(message);
            self.0.not_empty.notify_one();
            Ok(())
        }

        pub(crate) fn try_send(&self, message: T) -> Result<(), TrySendError<T>> {
            let mut queue = lock(&self.0.queue);
            if self.0.bound.is_some_and(|bound| queue.len() >= bound) {
                return Err(TrySendError::Full(message));
            }
            queue.push_back(message);
            self.0.not_empty.notify_one();
            Ok(())
        }
    }

    impl<T> Receiver<T> {
        pub(crate) fn recv(&self) -> Result<T, ()> {
            let mut queue = lock(&self.0.queue);
            loop {
                if let Some(message) = queue.pop_front() {
                    self.0.not_full.notify_one();
                    return Ok(message);
                }
                queue = self.0.not_empty.wait(queue).unwrap();
            }
        }

        pub(crate) fn try_recv(&self) -> Result<T, ()> {
            let message = lock(&self.0.queue).pop_front().ok_or(())?;
            self.0.not_full.notify_one();
            Ok(message)
        }

        pub(crate) fn len(&self) -> usize {
            lock(&self.0.queue).len()
        }
    }
}

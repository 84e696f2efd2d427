//! Asking running work to stop, since it is never killed.

use std::sync::Arc;

use crate::sync::{AtomicBool, Ordering};

/// A flag that running tasks check to stop early.
///
/// The note warns that killing a thread between start and join can leave the
/// program waiting forever; so a pool never kills running work. Instead,
/// tasks submitted with [`Pool::submit_with_token`](super::Pool::submit_with_token)
/// receive a token of their own, a [`child`](Self::child) of the pool's:
/// [`Task::cancel`](super::Task::cancel) trips the task's token alone, and
/// [`Pool::shutdown_now`](super::Pool::shutdown_now) trips the pool's, which
/// every child sees. Clones share the flag.
///
/// # Examples
///
/// ```
/// use waiter::CancelToken;
///
/// let pool_token = CancelToken::new();
/// let task_token = pool_token.child();
/// let seen_by_task = task_token.clone();
/// task_token.cancel(); // this task only
/// assert!(seen_by_task.is_cancelled() && !pool_token.is_cancelled());
///
/// let other_task = pool_token.child();
/// pool_token.cancel(); // everyone
/// assert!(other_task.is_cancelled());
/// ```
#[derive(Clone, Debug, Default)]
pub struct CancelToken {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    cancelled: AtomicBool,
    parent: Option<CancelToken>,
}

impl CancelToken {
    /// A token that is not cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// A new token that is cancelled when this one is (or when it is
    /// cancelled itself); cancelling it leaves this one alone.
    pub fn child(&self) -> CancelToken {
        CancelToken {
            inner: Arc::new(Inner {
                cancelled: AtomicBool::new(false),
                parent: Some(self.clone()),
            }),
        }
    }

    /// Asks everyone holding a clone (or a child) to stop. Idempotent.
    pub fn cancel(&self) {
        // Release: whatever the canceller did before is visible to a task
        // that sees the flag with Acquire.
        self.inner.cancelled.store(true, Ordering::Release);
    }

    /// Whether [`cancel`](Self::cancel) was called on any clone of this
    /// token or of one of its ancestors.
    pub fn is_cancelled(&self) -> bool {
        self.inner.cancelled.load(Ordering::Acquire)
            || self
                .inner
                .parent
                .as_ref()
                .is_some_and(CancelToken::is_cancelled)
    }
}

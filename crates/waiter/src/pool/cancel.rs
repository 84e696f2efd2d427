//! Asking running work to stop, since it is never killed.

use std::sync::Arc;

use crate::sync::{AtomicBool, Ordering};

/// A flag that running tasks check to stop early.
///
/// The note warns that killing a thread between start and join can leave the
/// program waiting forever; so a pool never kills running work. Instead,
/// tasks submitted with [`Pool::submit_with_token`](super::Pool::submit_with_token)
/// receive the pool's token, which [`Pool::shutdown_now`](super::Pool::shutdown_now)
/// trips. Clones share the flag.
///
/// # Examples
///
/// ```
/// use waiter::CancelToken;
///
/// let token = CancelToken::new();
/// let seen_by_task = token.clone();
/// assert!(!seen_by_task.is_cancelled());
/// token.cancel();
/// assert!(seen_by_task.is_cancelled());
/// ```
#[derive(Clone, Debug, Default)]
pub struct CancelToken {
    cancelled: Arc<AtomicBool>,
}

impl CancelToken {
    /// A token that is not cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks everyone holding a clone to stop. Idempotent.
    pub fn cancel(&self) {
        // Release: whatever the canceller did before is visible to a task
        // that sees the flag with Acquire.
        self.cancelled.store(true, Ordering::Release);
    }

    /// Whether [`cancel`](Self::cancel) was called on any clone.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Acquire)
    }
}

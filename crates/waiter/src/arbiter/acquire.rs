//! The future of [`Waiter::acquire_async`]: a caller's place in the line,
//! given back if the future is dropped.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use super::state::{Slot, Wake};
use super::{Grant, Request, Waiter, WaiterError};
use crate::sync::lock;

/// The future returned by [`Waiter::acquire_async`].
///
/// A bad request resolves to its error at every poll. Once it has resolved
/// to a grant, polling it again is a bug in the caller and panics (as an
/// `async fn` does) rather than hand out a second grant.
#[must_use = "futures do nothing unless polled"]
pub struct Acquire<'a> {
    waiter: &'a Waiter,
    request: Request,
    error: Option<WaiterError>,
    /// Ticket and slot once in line.
    queued: Option<(u64, Arc<Slot>)>,
    /// It returned its grant.
    resolved: bool,
}

impl<'a> Acquire<'a> {
    /// `error`: the request's, returned by every poll.
    pub(super) fn new(waiter: &'a Waiter, error: Option<WaiterError>, request: Request) -> Self {
        Self {
            waiter,
            request,
            error,
            queued: None,
            resolved: false,
        }
    }
}

impl<'a> Future for Acquire<'a> {
    type Output = Result<Grant<'a>, WaiterError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if let Some(error) = &this.error {
            return Poll::Ready(Err(error.clone()));
        }
        assert!(
            !this.resolved,
            "`Acquire` polled after it returned its grant"
        );
        let granted = match &this.queued {
            None => {
                if this.waiter.attempt(&this.request) {
                    true
                } else {
                    let slot = Arc::new(Slot::new(Wake::Waker(cx.waker().clone())));
                    let joined =
                        lock(&this.waiter.line).join(&this.waiter.book, &this.request, &slot);
                    match joined {
                        None => true,
                        Some(ticket) => {
                            this.queued = Some((ticket, slot));
                            false
                        }
                    }
                }
            }
            Some((_, slot)) => {
                if !slot.is_granted() {
                    slot.set_wake(Wake::Waker(cx.waker().clone()));
                }
                // Granted before the check, or between it and the new waker?
                let granted = slot.is_granted();
                if granted {
                    this.queued = None;
                }
                granted
            }
        };
        if !granted {
            return Poll::Pending;
        }
        this.resolved = true;
        Poll::Ready(Ok(Grant::new(this.waiter, this.request.clone())))
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        let Some((ticket, slot)) = self.queued.take() else {
            return;
        };
        let left = lock(&self.waiter.line).leave(&self.waiter.book, ticket);
        match left {
            Some(wakeups) => wakeups.wake_all(),
            // Granted, but nobody will hold it: give it back.
            None => self.waiter.release(&self.request),
        }
        // Last: it may hold the task's waker, the executor's code.
        drop(slot);
    }
}

impl fmt::Debug for Acquire<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acquire")
            .field("request", &self.request)
            .field("queued", &self.queued.is_some())
            .finish()
    }
}

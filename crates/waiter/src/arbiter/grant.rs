//! A granted set of resources, given back on drop.

use std::fmt;
use std::time::{Duration, Instant};

use super::Waiter;
use super::request::Request;
use crate::sync::thread;

/// The resources a [`Waiter`] granted; dropping it gives them back.
///
/// If the waiter has a time slice ([`WaiterBuilder::lease`](super::WaiterBuilder::lease)),
/// the grant carries a lease: once it runs out, [`expired`](Grant::expired)
/// says so and [`sleep`](Grant::sleep) returns early. The holder is expected
/// to finish what it is doing and drop the grant; nothing is taken from it by
/// force (the note's warning about killing threads).
#[must_use = "dropping a Grant gives the resources back at once"]
pub struct Grant<'a> {
    waiter: &'a Waiter,
    request: Request,
    lease_end: Option<Instant>,
}

impl<'a> Grant<'a> {
    pub(crate) fn new(waiter: &'a Waiter, request: Request) -> Self {
        // The clock is read only when there is a lease to time.
        Self {
            waiter,
            lease_end: waiter
                .lease()
                .and_then(|lease| Instant::now().checked_add(lease)),
            request,
        }
    }

    /// What was granted.
    pub fn request(&self) -> &Request {
        &self.request
    }

    /// When the time slice ends, if the waiter has one.
    pub fn lease_end(&self) -> Option<Instant> {
        self.lease_end
    }

    /// Whether the time slice has run out (never, without a lease).
    pub fn expired(&self) -> bool {
        self.lease_end.is_some_and(|end| Instant::now() >= end)
    }

    /// Time left in the slice; `None` without a lease.
    pub fn remaining(&self) -> Option<Duration> {
        self.lease_end
            .map(|end| end.saturating_duration_since(Instant::now()))
    }

    /// Sleeps for `duration` while holding the resources, or until the time
    /// slice runs out if that comes first. Returns `true` if it slept the
    /// whole `duration`, `false` if the slice ended first: give the
    /// resources back.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use waiter::Waiter;
    ///
    /// let waiter = Waiter::builder()
    ///     .capacities([1, 1])
    ///     .lease(Duration::from_millis(10))
    ///     .build()?;
    /// let forks = waiter.acquire([0, 1])?;
    /// let ate_everything = forks.sleep(Duration::from_secs(5));
    /// assert!(!ate_everything && forks.expired()); // the waiter's slice ran out
    /// # Ok::<(), waiter::WaiterError>(())
    /// ```
    pub fn sleep(&self, duration: Duration) -> bool {
        // `None` for a duration too long for `Instant`: as good as forever.
        let wanted = Instant::now().checked_add(duration);
        let (until, whole) = match (wanted, self.lease_end) {
            (Some(wanted), Some(end)) if end < wanted => (end, false),
            (Some(wanted), _) => (wanted, true),
            (None, Some(end)) => (end, false),
            (None, None) => loop {
                thread::park();
            },
        };
        while let Some(left) = until.checked_duration_since(Instant::now()) {
            if left.is_zero() {
                break;
            }
            std::thread::sleep(left);
        }
        whole
    }
}

impl Drop for Grant<'_> {
    fn drop(&mut self) {
        self.waiter.release(&self.request);
    }
}

impl fmt::Debug for Grant<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Grant")
            .field("request", &self.request)
            .field("lease_end", &self.lease_end)
            .finish()
    }
}

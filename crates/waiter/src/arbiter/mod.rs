//! The waiter: a fair, deadlock-free lock over *sets* of resources.
//!
//! In the note's dining philosophers, five philosophers share five forks and
//! each needs two. If each takes the left fork and then waits for the right,
//! all can end up holding one and waiting forever: a deadlock. The note's
//! way out is a waiter who hands out *both* forks or none. [`Waiter`] is that
//! waiter, generalised: any number of resources, each with a capacity (a
//! fork has 1; a pile of k forks is one resource of capacity k), and
//! requests for any set of them.
//!
//! ```
//! use waiter::Waiter;
//!
//! let forks = Waiter::new([1, 1, 1, 1, 1])?; // five forks round a table
//! let philosopher = 4;
//! let grant = forks.acquire([philosopher, (philosopher + 1) % 5])?; // both, or wait
//! // ... eat ...
//! drop(grant); // both forks go back
//! # Ok::<(), waiter::WaiterError>(())
//! ```
//!
//! # The contract
//!
//! - **All or nothing.** A request is granted whole or not at all; a caller
//!   never holds part of a set while waiting for the rest. Holding-and-waiting
//!   is one of the four conditions of deadlock, so callers that take all
//!   they need in one request cannot deadlock among themselves.
//! - **Never more than the capacity.** The units granted and not yet given
//!   back never exceed a resource's capacity (checked under loom and in
//!   stress tests with a shadow count).
//! - **Fairness, [`Policy::Fifo`] (default).** Requests are considered in
//!   arrival order. A request is never overtaken by a later request that
//!   shares a resource with it: once it waits, it reserves its resources.
//!   Later requests for *other* resources still go ahead. So every request
//!   is granted once the holders before it give back (no starvation), as
//!   long as every grant is eventually dropped.
//! - **[`Policy::Greedy`].** Whatever fits is granted, in arrival order.
//!   More throughput, and a request for two busy resources can starve while
//!   others keep taking them one at a time (a test shows it).
//! - **Time slice.** With [`WaiterBuilder::lease`], each grant carries a
//!   lease; the holder learns it ran out ([`Grant::expired`],
//!   [`Grant::sleep`] returning early) and is expected to give the set back.
//!   The waiter never takes a resource from a running thread.
//!
//! # How it works
//!
//! One mutex guards the book ([`state`]): free units per resource and the
//! line of waiting requests. Acquiring takes the lock once; if the request
//! may go now, its units are taken and that is all. Otherwise it joins the
//! line with a slot holding its thread (or async waker) and parks. Each
//! release (and each abandoned wait: timeout, dropped future) gives units
//! back and walks the line once in order, granting what the policy allows
//! and waking those callers; a woken caller sees its `granted` flag without
//! taking the lock again.
//!
//! ## Memory ordering
//!
//! A slot's `granted` flag is stored with `Release` after the units were
//! taken under the lock and loaded with `Acquire` by the waiting caller, so
//! the caller observes the book as of its grant. Spurious wake-ups are
//! harmless: callers loop on the flag.

mod error;
mod grant;
mod request;
mod state;

#[cfg(all(test, loom))]
mod loom_arbiter;
#[cfg(all(test, not(loom)))]
mod test;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

pub use error::WaiterError;
pub use grant::Grant;
pub use request::Request;

use state::{Slot, State, Wake};

use crate::sync::{Mutex, lock, spin_until, thread};

/// Who goes first when several requests wait; see the [module docs](self).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Policy {
    /// Arrival order among requests that share a resource: no starvation.
    #[default]
    Fifo,
    /// Whatever fits goes: more throughput, may starve large requests.
    Greedy,
}

/// Hands out sets of resources, all or nothing; see the [module docs](self).
pub struct Waiter {
    state: Mutex<State>,
    /// Fixed at build time; kept outside the lock so checking a request
    /// costs no locking.
    capacity: Box<[usize]>,
    policy: Policy,
    lease: Option<Duration>,
}

/// Configures a [`Waiter`]; start from [`Waiter::builder`].
#[derive(Clone, Debug, Default)]
pub struct WaiterBuilder {
    capacities: Vec<usize>,
    policy: Policy,
    lease: Option<Duration>,
}

impl WaiterBuilder {
    /// The resources, by capacity: resource `i` has `capacities[i]` units.
    pub fn capacities(mut self, capacities: impl IntoIterator<Item = usize>) -> Self {
        self.capacities = capacities.into_iter().collect();
        self
    }

    /// Who goes first; default [`Policy::Fifo`].
    pub fn policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }

    /// A time slice for every grant (the note's waiter who lends the forks
    /// "in a limited time"); default none.
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = Some(lease);
        self
    }

    /// Builds the waiter.
    ///
    /// # Errors
    ///
    /// [`WaiterError::NoResources`] or [`WaiterError::ZeroCapacity`].
    pub fn build(self) -> Result<Waiter, WaiterError> {
        if self.capacities.is_empty() {
            return Err(WaiterError::NoResources);
        }
        if let Some(resource) = self.capacities.iter().position(|&c| c == 0) {
            return Err(WaiterError::ZeroCapacity { resource });
        }
        let capacity: Box<[usize]> = self.capacities.into();
        Ok(Waiter {
            state: Mutex::new(State::new(self.policy, capacity.clone())),
            capacity,
            policy: self.policy,
            lease: self.lease,
        })
    }
}

impl Waiter {
    /// A FIFO waiter without time slice over resources with these capacities.
    ///
    /// # Errors
    ///
    /// As [`WaiterBuilder::build`].
    pub fn new(capacities: impl IntoIterator<Item = usize>) -> Result<Waiter, WaiterError> {
        Self::builder().capacities(capacities).build()
    }

    /// A builder for the capacities, the policy and a time slice.
    pub fn builder() -> WaiterBuilder {
        WaiterBuilder::default()
    }

    /// The policy.
    pub fn policy(&self) -> Policy {
        self.policy
    }

    /// The time slice, if any.
    pub fn lease(&self) -> Option<Duration> {
        self.lease
    }

    /// How many resources there are.
    pub fn resources(&self) -> usize {
        self.capacity.len()
    }

    /// Each resource's capacity.
    pub fn capacities(&self) -> &[usize] {
        &self.capacity
    }

    /// Free units of each resource (a snapshot).
    pub fn available(&self) -> Vec<usize> {
        lock(&self.state).available().to_vec()
    }

    /// How many requests wait in line (a snapshot).
    pub fn waiting(&self) -> usize {
        lock(&self.state).waiting()
    }

    /// Blocks until the whole `request` can be granted, and grants it.
    ///
    /// # Errors
    ///
    /// A [`WaiterError`] if the request can never be granted (empty, unknown
    /// resource, more than the capacity); valid requests always succeed.
    pub fn acquire(&self, request: impl Into<Request>) -> Result<Grant<'_>, WaiterError> {
        let granted = self.acquire_until(request.into(), Some(None))?;
        Ok(granted.expect("a wait without deadline ends granted"))
    }

    /// Grants `request` if the policy lets it go right now; `Ok(None)`
    /// otherwise (under FIFO, also when it would overtake a waiting request
    /// that shares a resource).
    ///
    /// # Errors
    ///
    /// As [`acquire`](Self::acquire).
    pub fn try_acquire(
        &self,
        request: impl Into<Request>,
    ) -> Result<Option<Grant<'_>>, WaiterError> {
        self.acquire_until(request.into(), None)
    }

    /// Like [`acquire`](Self::acquire), giving up after `timeout`
    /// (`Ok(None)`); a request that gives up leaves the line, and the line
    /// moves on.
    ///
    /// # Errors
    ///
    /// As [`acquire`](Self::acquire).
    pub fn acquire_timeout(
        &self,
        request: impl Into<Request>,
        timeout: Duration,
    ) -> Result<Option<Grant<'_>>, WaiterError> {
        let deadline = Instant::now().checked_add(timeout);
        self.acquire_until(request.into(), Some(deadline))
    }

    /// The async form of [`acquire`](Self::acquire): a future that resolves
    /// to the grant. Dropping it before it resolves leaves the line (and
    /// gives back a grant that arrived meanwhile).
    ///
    /// # Examples
    ///
    /// ```
    /// use waiter::Waiter;
    ///
    /// let forks = Waiter::new([1, 1])?;
    /// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async {
    ///     let grant = forks.acquire_async([0, 1]).await?;
    ///     assert_eq!(forks.available(), [0, 0]);
    ///     drop(grant);
    ///     Ok::<(), waiter::WaiterError>(())
    /// })?;
    /// # Ok::<(), waiter::WaiterError>(())
    /// ```
    pub fn acquire_async(&self, request: impl Into<Request>) -> Acquire<'_> {
        let request = request.into();
        Acquire {
            waiter: self,
            error: self.validate(&request).err(),
            request,
            queued: None,
        }
    }

    fn validate(&self, request: &Request) -> Result<(), WaiterError> {
        if request.is_empty() {
            return Err(WaiterError::EmptyRequest);
        }
        let capacity = &self.capacity;
        for &(resource, units) in request.parts() {
            let Some(&cap) = capacity.get(resource) else {
                return Err(WaiterError::UnknownResource {
                    resource,
                    resources: capacity.len(),
                });
            };
            if units > cap {
                return Err(WaiterError::ExceedsCapacity {
                    resource,
                    units,
                    capacity: cap,
                });
            }
        }
        Ok(())
    }

    /// `wait`: `None` = do not wait; `Some(None)` = forever;
    /// `Some(Some(deadline))` = until then.
    fn acquire_until(
        &self,
        request: Request,
        wait: Option<Option<Instant>>,
    ) -> Result<Option<Grant<'_>>, WaiterError> {
        self.validate(&request)?;
        let (ticket, slot) = {
            let mut state = lock(&self.state);
            if state.try_take(&request) {
                return Ok(Some(Grant::new(self, request)));
            }
            let Some(_) = wait else {
                return Ok(None);
            };
            let slot = Arc::new(Slot::new(Wake::Thread(thread::current())));
            (state.enqueue(request.clone(), Arc::clone(&slot)), slot)
        };
        // A timeout too long for `Instant` is no timeout.
        let deadline = wait.flatten();
        spin_until(|| slot.is_granted());
        loop {
            if slot.is_granted() {
                return Ok(Some(Grant::new(self, request)));
            }
            match deadline {
                None => thread::park(),
                Some(deadline) => match deadline.checked_duration_since(Instant::now()) {
                    Some(left) if !left.is_zero() => thread::park_timeout(left),
                    _ => {
                        let mut state = lock(&self.state);
                        if !state.remove(ticket) {
                            // Granted just now: keep it.
                            return Ok(Some(Grant::new(self, request)));
                        }
                        // We may have been holding others back.
                        state.admit();
                        return Ok(None);
                    }
                },
            }
        }
    }

    fn release(&self, request: &Request) {
        let mut state = lock(&self.state);
        state.give_back(request);
        state.admit();
    }
}

impl fmt::Debug for Waiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = lock(&self.state);
        f.debug_struct("Waiter")
            .field("policy", &self.policy)
            .field("lease", &self.lease)
            .field("capacity", &self.capacity)
            .field("available", &state.available())
            .field("waiting", &state.waiting())
            .finish()
    }
}

/// The future returned by [`Waiter::acquire_async`].
#[must_use = "futures do nothing unless polled"]
pub struct Acquire<'a> {
    waiter: &'a Waiter,
    request: Request,
    error: Option<WaiterError>,
    /// Ticket and slot once in line.
    queued: Option<(u64, Arc<Slot>)>,
}

impl<'a> Future for Acquire<'a> {
    type Output = Result<Grant<'a>, WaiterError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if let Some(error) = this.error.take() {
            return Poll::Ready(Err(error));
        }
        match &this.queued {
            None => {
                let mut state = lock(&this.waiter.state);
                if state.try_take(&this.request) {
                    drop(state);
                    return Poll::Ready(Ok(Grant::new(this.waiter, this.request.clone())));
                }
                let slot = Arc::new(Slot::new(Wake::Waker(cx.waker().clone())));
                let ticket = state.enqueue(this.request.clone(), Arc::clone(&slot));
                this.queued = Some((ticket, slot));
                Poll::Pending
            }
            Some((_, slot)) => {
                if !slot.is_granted() {
                    slot.set_wake(Wake::Waker(cx.waker().clone()));
                    // Granted between the check and the new waker?
                    if !slot.is_granted() {
                        return Poll::Pending;
                    }
                }
                this.queued = None;
                Poll::Ready(Ok(Grant::new(this.waiter, this.request.clone())))
            }
        }
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        if let Some((ticket, _)) = self.queued.take() {
            let mut state = lock(&self.waiter.state);
            if !state.remove(ticket) {
                // Granted, but nobody will hold it: give it back.
                state.give_back(&self.request);
            }
            state.admit();
        }
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

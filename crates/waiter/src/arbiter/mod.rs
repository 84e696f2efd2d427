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
//! A request *waits* once it has joined the line: from then on
//! [`Waiter::waiting`] counts it (for [`Waiter::acquire_async`], once a
//! poll returned `Pending`). A request is *later* than a waiting one if it
//! is made after that. Each rule names what proves it: tests in this module
//! (`test*.rs`), loom models (`loom_arbiter.rs`, every interleaving of a
//! few threads), stress tests (`tests/arbiter.rs`, `tests/stress.rs`).
//!
//! | rule | what holds | proved by |
//! |---|---|---|
//! | **All or nothing** | A request is granted whole or not at all; a caller never holds part of a set while it waits for the rest. Holding-and-waiting is one of the four conditions of deadlock, so callers that take all they need in one request cannot deadlock among themselves. | `grants_all_or_nothing_and_gives_back_on_drop`; `loom_three_philosophers_round_three_forks`; `stress_a_ring_never_exceeds_capacity_and_everyone_eats` |
//! | **Never more than the capacity** | The units granted and not yet given back never exceed a resource's capacity. | `loom_a_pile_of_two_never_hands_out_three`, `loom_a_pile_of_two_serves_three_singles` (shadow counts); `waiter_random_sets_never_exceed_capacity`, `waiter_fifo_grants_never_exceed_capacity_and_nobody_starves` |
//! | **[`Policy::Fifo`]: no overtaking** (default) | A waiting request is never overtaken by a later request that shares a resource with it, through any entry point: [`acquire`](Waiter::acquire) and [`acquire_async`](Waiter::acquire_async) wait behind it, [`try_acquire`](Waiter::try_acquire) gives `Ok(None)`, [`acquire_timeout`](Waiter::acquire_timeout) waits behind it or gives up. Its "waiting" marks stay on all its resources until it holds every part. Later requests for *other* resources still go ahead. | `loom_a_newcomer_never_overtakes_a_waiter_mid_walk`; `the_waiter_follows_the_model_of_its_contract` (600 random histories against a reference model, both policies); `fifo_refuses_an_overtake_through_every_entry_point`, `fifo_lets_no_conflicting_request_overtake_so_nobody_starves`, `fifo_still_lets_unrelated_requests_pass`; `no_{acquire,try_acquire,acquire_timeout,acquire_async}_overtakes_a_waiting_request` (overtakes counted under churn: 0) |
//! | **FIFO: no starvation** | So every request is granted once the holders before it give back, as long as every grant is eventually dropped. | `waiter_fifo_grants_never_exceed_capacity_and_nobody_starves` (longest wait bounded); every loom model ends with everyone granted (loom fails a lost wake-up as a deadlock) |
//! | **[`Policy::Greedy`]** | All or nothing and the capacity hold. When units come back the line is looked at in arrival order, so of two waiters that both fit, the earlier goes first. Nothing more: a request that fits goes, even ahead of a waiter that needs the same units, so a request for two busy resources can starve while others take them one at a time. | `greedy_serves_the_line_in_arrival_order_but_lets_newcomers_in`; `the_waiter_follows_the_model_of_its_contract`; `greedy_starves_the_request_for_two_busy_resources`; `loom_three_philosophers_round_three_forks` (both policies) |
//! | **Giving up leaves nothing behind** | An [`acquire_timeout`](Waiter::acquire_timeout) that times out, or an [`Acquire`] future dropped while it waits, leaves the line: its marks come off and the line moves on, so requests it held back go. A future dropped after its grant arrived but before it was polled again gives the units back at once, and the line moves on. A timeout that races its grant returns the grant. | `a_timed_out_request_leaves_the_line_and_the_line_moves`; `async_acquire_waits_and_a_dropped_future_leaves_the_line`; `a_future_dropped_after_its_grant_gives_the_units_back`; `loom_leaving_races_the_release_that_grants_it` |
//! | **Leases** | With [`WaiterBuilder::lease`] each grant carries a time slice: the holder learns it ran out ([`Grant::expired`], [`Grant::sleep`] returning early) and is expected to give the set back. The waiter never takes a resource from a running thread. | `a_lease_tells_the_holder_when_the_slice_ran_out` |
//! | **A holder that panics** | Its [`Grant`] is dropped as it unwinds and gives the set back; waiters behind it are granted. | `a_holder_that_panics_gives_back_and_the_line_moves` |
//! | **Wakers run outside the lock** | No user code runs under the line's lock: callers granted by a walk of the line are woken (waker called, thread unparked) after the lock is released, and replaced or spent wakers are dropped outside it too. A waker may poll its task right inside `wake`, and the task may use the waiter there. A waker that panics costs nobody else their wake-up; its own request stays granted (its future returns the grant, or gives it back if dropped); the first such panic reaches whoever gave units back, once everyone is woken (unless that thread is already unwinding: then it is dropped, as a second panic would abort). | `loom_a_waker_that_takes_the_lock_is_called_outside_it`; `an_executor_that_polls_inside_wake_can_use_the_waiter_there`, `a_leaving_request_wakes_an_inline_task_outside_the_lock`, `a_panicking_waker_costs_nobody_else_their_grant`, `a_panicking_waker_during_an_unwind_does_not_abort` |
//! | **Bad input is an error, at once** | Every resource a request names is checked, whatever its units: an unknown one is [`WaiterError::UnknownResource`]; a part of zero units is [`WaiterError::ZeroUnits`]; more than a capacity is [`WaiterError::ExceedsCapacity`]; nothing is [`WaiterError::EmptyRequest`]. Every entry point returns it before taking anything or waiting (an [`Acquire`] future at every poll). A bad configuration is its error from [`WaiterBuilder::build`]. Nothing panics. | `every_bad_request_is_its_error_from_every_entry_point`, `every_bad_configuration_is_its_error`, `invalid_requests_are_clear_errors`, `an_acquire_future_resolves_once` |
//! | **A resource named twice** | Adds up: `[3, 3]` is two units of resource 3 (on a resource of capacity 1, `ExceedsCapacity`, never a wait). | `a_resource_named_twice_is_two_units_of_it` |
//!
//! `try_acquire` answers for one instant, as `Mutex::try_lock` does: it may
//! give `Ok(None)` while another caller's attempt holds some of the units for
//! a moment (an attempt that will put them back), even if they turn out free
//! a moment later.
//!
//! # How it works
//!
//! Each resource is one atomic word holding its free units and the number
//! of requests waiting on it (`state.rs`). A request nobody stands in the way
//! of takes its units with one compare-and-swap per resource, and a grant
//! gives them back with one `fetch_add` each: no lock, about the cost of
//! locking the resources as mutexes. A request that must wait takes the
//! waiter's mutex, marks itself on each of its resources and joins the line
//! with a slot holding its thread (or async waker); it spins briefly if
//! fewer callers spin than there are cores, then parks (`spin.rs`). When units come back to a resource that has waiters, the releaser
//! takes the mutex and walks the line once in order, granting what the
//! policy allows (a waiter's units are taken, and only then its marks
//! removed); it wakes those callers after letting the mutex go, and a woken
//! caller sees its `granted` flag without taking the lock again.
//!
//! ## With more running threads than cores
//!
//! Walking the line hands units to a waiter that may still be asleep: they
//! are its own until it wakes and drops them. When every core is busy, that
//! wake-up can wait a scheduler time slice, and the requests behind it wait
//! too: a lock convoy, the price of handing over instead of letting the
//! first thread that happens to run take the units (both policies hand
//! over). Measured on 2 cores, 2 threads on random pairs of 8 resources:
//! 5.7 M grants/s idle, 1.5 M/s beside two CPU-bound processes (FIFO;
//! Greedy 5.1 and 1.0 M/s), while two ordered mutexes stay at ~30 M/s.
//! The 100,000-grant FIFO stress test takes about 1 s idle and 90 s beside
//! two CPU hogs, with its longest wait still under 5 s. For throughput,
//! keep the threads that contend for a waiter to about the cores.
//!
//! A waiting caller used to spin and yield for up to 20 µs before parking;
//! on a machine with more runnable threads than cores that gave the holder's
//! core away, and nine tenths of the waiter's CPU time went to spinning and
//! yielding. Now only `cores - 1` callers spin at a time, briefly and
//! without yielding (`spin.rs`). On 2 cores shared with other builds
//! (`cargo bench --bench arbiter`, 5 quick runs, noisy): 2 threads went from
//! 0.02-0.11x of two ordered mutexes to 0.09-0.15x, steady within 1.5x from
//! run to run, and from about 75,000 context switches in 3 s to 750. With 8
//! threads the hand-over to parked threads (a futex wake per grant) still
//! decides, at 0.01-0.06x.
//!
//! ## Memory ordering
//!
//! The free units and the waiter count of a resource share one word, and
//! every change to either is a read-modify-write of that word (`AcqRel`).
//! So a release and a waiter's registration on the same resource are
//! ordered: either the release sees the waiter (and walks the line) or the
//! waiter sees the units (and takes them). No wake-up is lost without any
//! `SeqCst` reasoning across locations, which is also what loom can check.
//! A slot's `granted` flag is stored with `Release` after the units were
//! taken and loaded with `Acquire` by the waiting caller. Spurious wake-ups
//! are harmless: callers loop on the flag.

mod acquire;
mod error;
mod grant;
mod request;
mod spin;
mod state;

#[cfg(all(test, loom))]
mod loom_arbiter;
#[cfg(all(test, not(loom)))]
mod test;
#[cfg(all(test, not(loom)))]
mod test_contract;
#[cfg(all(test, not(loom)))]
mod test_model;
#[cfg(all(test, not(loom)))]
mod test_wakers;

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use acquire::Acquire;
pub use error::WaiterError;
pub use grant::Grant;
pub use request::Request;

use state::{Attempt, Book, Line, MAX_CAPACITY, Slot, Wake};

use spin::Spinners;

use crate::sync::{Mutex, lock, thread};

/// Who goes first when several requests wait; see the [module docs](self).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Policy {
    /// Arrival order among requests that share a resource: no starvation.
    #[default]
    Fifo,
    /// Whatever fits goes: more throughput, may starve large requests.
    Greedy,
}

impl Policy {
    /// Every policy, in the order the docs present them.
    pub const ALL: [Policy; 2] = [Policy::Fifo, Policy::Greedy];

    /// The lower-case name: `fifo`, `greedy` (what `FromStr` reads).
    pub fn name(self) -> &'static str {
        match self {
            Policy::Fifo => "fifo",
            Policy::Greedy => "greedy",
        }
    }
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An unknown policy name.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown policy {0:?}: expected fifo or greedy")]
pub struct ParsePolicyError(String);

impl std::str::FromStr for Policy {
    type Err = ParsePolicyError;

    /// Reads `fifo` or `greedy` (any case).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Policy::ALL
            .into_iter()
            .find(|policy| policy.name().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| ParsePolicyError(text.to_owned()))
    }
}

/// Hands out sets of resources, all or nothing; see the [module docs](self).
pub struct Waiter {
    book: Book,
    line: Mutex<Line>,
    /// Fixed at build time; kept outside the lock so checking a request
    /// costs no locking.
    capacity: Box<[usize]>,
    policy: Policy,
    lease: Option<Duration>,
    /// Who may spin before parking.
    spinners: Spinners,
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
    /// [`WaiterError::NoResources`] without a resource,
    /// [`WaiterError::ZeroCapacity`] for a resource of capacity 0, and
    /// [`WaiterError::CapacityTooLarge`] above 2³² − 1 units.
    pub fn build(self) -> Result<Waiter, WaiterError> {
        if self.capacities.is_empty() {
            return Err(WaiterError::NoResources);
        }
        if let Some(resource) = self.capacities.iter().position(|&c| c == 0) {
            return Err(WaiterError::ZeroCapacity { resource });
        }
        if let Some((resource, &capacity)) = self
            .capacities
            .iter()
            .enumerate()
            .find(|&(_, &c)| c > MAX_CAPACITY)
        {
            return Err(WaiterError::CapacityTooLarge { resource, capacity });
        }
        let capacity: Box<[usize]> = self.capacities.into();
        Ok(Waiter {
            book: Book::new(self.policy, &capacity),
            line: Mutex::new(Line::new(self.policy, capacity.len())),
            capacity,
            policy: self.policy,
            lease: self.lease,
            spinners: Spinners::new(),
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
        self.book.available()
    }

    /// How many requests wait in line (a snapshot).
    pub fn waiting(&self) -> usize {
        lock(&self.line).len()
    }

    /// Blocks until the whole `request` can be granted, and grants it.
    ///
    /// # Errors
    ///
    /// A [`WaiterError`] if the request can never be granted (empty, an
    /// unknown resource, zero units of a resource, more than the capacity),
    /// returned at once; valid requests always succeed.
    pub fn acquire(&self, request: impl Into<Request>) -> Result<Grant<'_>, WaiterError> {
        let granted = self.acquire_until(request.into(), Some(None))?;
        Ok(granted.expect("a wait without deadline ends granted"))
    }

    /// Grants `request` if the policy lets it go right now; `Ok(None)`
    /// otherwise (under FIFO, also when it would overtake a waiting request
    /// that shares a resource, and for an instant while another attempt
    /// holds the units: see [the contract](self#the-contract)).
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
    /// to the grant. Dropping it before it resolves leaves the line, and
    /// gives back at once a grant that arrived meanwhile. Its waker is called
    /// with no lock held, and may poll the task right there.
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
        Acquire::new(self, self.validate(&request).err(), request)
    }

    /// Checks every resource a request names, whatever its units: first
    /// that it exists, then zero units, then the capacity.
    fn validate(&self, request: &Request) -> Result<(), WaiterError> {
        if request.is_empty() {
            return Err(WaiterError::EmptyRequest);
        }
        let capacity = &self.capacity;
        let named = request.parts().iter().map(|&(resource, _)| resource);
        if let Some(resource) = named
            .chain(request.zero_units().iter().copied())
            .find(|&resource| resource >= capacity.len())
        {
            return Err(WaiterError::UnknownResource {
                resource,
                resources: capacity.len(),
            });
        }
        if let Some(&resource) = request.zero_units().first() {
            return Err(WaiterError::ZeroUnits { resource });
        }
        for &(resource, units) in request.parts() {
            let cap = capacity[resource];
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

    /// A newcomer's lock-free attempt; runs the line if the attempt briefly
    /// held units somebody waits for.
    fn attempt(&self, request: &Request) -> bool {
        match self.book.try_take_newcomer(request) {
            Attempt::Taken => true,
            Attempt::Refused { wake_line } => {
                if wake_line {
                    self.walk_line();
                }
                false
            }
        }
    }

    /// Grants what the line lets go, then wakes those callers with the
    /// lock released (the guard is a temporary of the first statement).
    fn walk_line(&self) {
        let wakeups = lock(&self.line).admit(&self.book);
        wakeups.wake_all();
    }

    /// `wait`: `None` = do not wait; `Some(None)` = forever;
    /// `Some(Some(deadline))` = until then.
    fn acquire_until(
        &self,
        request: Request,
        wait: Option<Option<Instant>>,
    ) -> Result<Option<Grant<'_>>, WaiterError> {
        self.validate(&request)?;
        if self.attempt(&request) {
            return Ok(Some(Grant::new(self, request)));
        }
        let Some(deadline) = wait else {
            return Ok(None);
        };
        // Holders usually give back within a moment: retry a few times
        // before queueing, if a spinning place is free (see `spin.rs`).
        if self.spinners.spin_until(|| self.attempt(&request)) {
            return Ok(Some(Grant::new(self, request)));
        }
        let slot = Arc::new(Slot::new(Wake::Thread(thread::current())));
        let Some(ticket) = lock(&self.line).join(&self.book, &request, &slot) else {
            return Ok(Some(Grant::new(self, request)));
        };
        self.spinners.spin_until(|| slot.is_granted());
        loop {
            if slot.is_granted() {
                return Ok(Some(Grant::new(self, request)));
            }
            // A timeout too long for `Instant` is no timeout.
            match deadline {
                None => thread::park(),
                Some(deadline) => match deadline.checked_duration_since(Instant::now()) {
                    Some(left) if !left.is_zero() => thread::park_timeout(left),
                    _ => {
                        let left = lock(&self.line).leave(&self.book, ticket);
                        let Some(wakeups) = left else {
                            // Granted just now: keep it.
                            return Ok(Some(Grant::new(self, request)));
                        };
                        wakeups.wake_all();
                        return Ok(None);
                    }
                },
            }
        }
    }

    fn release(&self, request: &Request) {
        if self.book.give_back(request) {
            self.walk_line();
        }
    }
}

impl fmt::Debug for Waiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Waiter")
            .field("policy", &self.policy)
            .field("lease", &self.lease)
            .field("capacity", &self.capacity)
            .field("available", &self.available())
            .field("waiting", &self.waiting())
            .finish()
    }
}

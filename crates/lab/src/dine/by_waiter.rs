//! The `waiter` strategy, the note's solution: "If there is a waiter, he
//! can get the 2 forks and send them to the philosophers in a limited time
//! for them to eat."
//!
//! A hungry philosopher asks a [`waiter::Waiter`] for *both* forks in
//! one request, and the waiter grants both or none. Nobody ever holds one
//! fork while waiting for another, so the circular wait of the
//! [naive](super::naive) table cannot form: no deadlock, by construction,
//! and no watchdog needed. With [`Policy::Fifo`]
//! the waiter serves requests that share a fork in the order they came,
//! so nobody starves; [`Policy::Greedy`] serves
//! whatever fits, which can leave a philosopher hungry while its two
//! neighbours take turns.
//!
//! On a ring, fork i is a resource of capacity 1 and a philosopher asks
//! for its left and right forks. At a pile of K forks, the pile is *one*
//! resource of capacity K and a philosopher asks for 2 units of it. The
//! waiter only counts units, so which two forks of the pile a philosopher
//! picks up is decided here, at the table: the first two free ones. If the
//! waiter ever handed out more than K, a philosopher would find no free
//! fork and take one already in a hand, which the invariant checker
//! reports.
//!
//! **Time slices** (`--slice`): the waiter lends the forks "in a limited
//! time". Each grant carries a lease; a philosopher eats with
//! [`Grant::sleep`], which returns early when the lease runs out. Then the
//! philosopher puts the forks back at once (the waiter never snatches
//! them), the slice counts as "ran out", and the rest of the meal is eaten
//! at its next turn: it asks again right away, without thinking, and the
//! meal counts once, when finished.
//!
//! **The end of a run.** A blocked [`Waiter::acquire`] cannot be cancelled,
//! so stopping does not cancel it: every philosopher holding forks puts
//! them back within one [`CHUNK`] of eating, the waiter serves the next in
//! line, who sees the run is over and gives them straight back. Every wait
//! ends within a few chunks, with no timeout loop that would lose the
//! philosopher its place in the FIFO line.

use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use waiter::{Grant, Policy, Request, Waiter};

use super::philosopher::{Diner, Meal, Seating, Shared};
use super::{Layout, left, right};
use crate::error::Error;

/// The longest a philosopher eats between two looks at the end of the run,
/// under a time slice.
pub const CHUNK: Duration = Duration::from_millis(10);

/// A waiter in charge of every fork.
#[derive(Debug)]
pub(crate) struct Served {
    waiter: Waiter,
    layout: Layout,
    philosophers: usize,
    /// Which forks of the pile are in whose hand (pile only).
    pile: Mutex<Vec<Option<usize>>>,
}

impl Served {
    pub(crate) fn new(
        layout: Layout,
        philosophers: usize,
        policy: Policy,
        slice: Option<Duration>,
    ) -> Result<Self, Error> {
        let capacities = match layout {
            Layout::Ring => vec![1; philosophers],
            Layout::Pile { forks } => vec![forks],
        };
        let mut builder = Waiter::builder().capacities(capacities).policy(policy);
        if let Some(slice) = slice {
            builder = builder.lease(slice);
        }
        let pile = match layout {
            Layout::Ring => Vec::new(),
            Layout::Pile { forks } => vec![None; forks],
        };
        Ok(Self {
            waiter: builder.build()?,
            layout,
            philosophers,
            pile: Mutex::new(pile),
        })
    }

    fn pile(&self) -> MutexGuard<'_, Vec<Option<usize>>> {
        self.pile
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    /// What `who` asks the waiter for.
    fn request(&self, who: usize) -> Request {
        match self.layout {
            Layout::Ring => {
                Request::from([left(who, self.philosophers), right(who, self.philosophers)])
            }
            Layout::Pile { .. } => Request::new().units(0, 2),
        }
    }

    /// The two forks `who` picks up once served.
    fn forks_for(&self, who: usize) -> [usize; 2] {
        match self.layout {
            Layout::Ring => [left(who, self.philosophers), right(who, self.philosophers)],
            Layout::Pile { .. } => {
                let mut pile = self.pile();
                let mut free = (0..pile.len()).filter(|&f| pile[f].is_none());
                // If the waiter gave out more than the pile holds, there is
                // no free fork: take one from a hand, for the checker to see.
                let first = free.next().unwrap_or(0);
                let second = free.next().unwrap_or(1);
                pile[first] = Some(who);
                pile[second] = Some(who);
                [first, second]
            }
        }
    }

    fn give_back(&self, who: usize, fork: usize) {
        if let Layout::Pile { .. } = self.layout {
            let mut pile = self.pile();
            if pile[fork] == Some(who) {
                pile[fork] = None;
            }
        }
    }
}

impl Seating for Served {
    fn diner(&self, who: usize) -> Result<Box<dyn Diner + '_>, Error> {
        Ok(Box::new(Guest {
            who,
            served: self,
            grant: None,
            forks: None,
        }))
    }

    fn cancel(&self) {
        // Nothing to cancel: see "The end of a run" in the module docs.
    }
}

/// A philosopher who asks the waiter.
struct Guest<'a> {
    who: usize,
    served: &'a Served,
    grant: Option<Grant<'a>>,
    forks: Option<[usize; 2]>,
}

impl Diner for Guest<'_> {
    fn pick_up(&mut self, shared: &Shared<'_>) -> Result<bool, Error> {
        let grant = self.served.waiter.acquire(self.served.request(self.who))?;
        let forks = self.served.forks_for(self.who);
        for fork in forks {
            shared.checker.pick_up(self.who, fork);
        }
        self.grant = Some(grant);
        self.forks = Some(forks);
        Ok(true)
    }

    fn eat(&mut self, shared: &Shared<'_>, time: Duration) -> Meal {
        let Some(grant) = &self.grant else {
            return Meal::Stopped;
        };
        if grant.lease_end().is_none() {
            return if shared.stop.sleep(time) {
                Meal::Whole
            } else {
                Meal::Stopped
            };
        }
        // Under a time slice: eat in chunks, so the end of the run is
        // noticed, and stop when the waiter's slice runs out.
        let start = Instant::now();
        loop {
            let left = time.saturating_sub(start.elapsed());
            if left.is_zero() {
                return Meal::Whole;
            }
            if !grant.sleep(left.min(CHUNK)) {
                return Meal::SliceRanOut;
            }
            if shared.stop.is_stopped() {
                return Meal::Stopped;
            }
        }
    }

    fn put_down(&mut self, shared: &Shared<'_>) {
        if let Some(forks) = self.forks.take() {
            for fork in forks.into_iter().rev() {
                shared.checker.put_down(self.who, fork);
                self.served.give_back(self.who, fork);
            }
        }
        // Back to the waiter, after the forks are on the table.
        self.grant = None;
    }
}

//! Forks as locks, taken one at a time: what `naive`, `ordered` and
//! `footman` share.
//!
//! [`Forks`] is a small lock per fork, all guarded by one mutex, that
//! remembers who holds each fork and which forks each philosopher is
//! waiting for. That memory is what the watchdog needs: from it,
//! [`Forks::wait_for`] builds the *wait-for graph* (philosopher → the
//! philosophers holding a fork it waits for) in which a deadlock is a
//! cycle. A `std::sync::Mutex` per fork would lock the same way but could
//! not say who waits for whom, and could not be cancelled: a thread blocked
//! in `lock()` stays blocked forever once the table deadlocks.
//!
//! Every wait here is cancellable: [`Forks::cancel`] wakes every waiter
//! and makes every take fail, so a deadlocked run ends cleanly, each
//! thread putting its forks back and returning.
//!
//! [`Seats`] is the footman's counting semaphore, cancellable the same way.
//! [`ByHand`] is the philosopher's side: take a first fork, reach for the
//! second, following a [`Rule`].

use std::ops::Range;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::philosopher::{Diner, Graph, Seating, Shared};
use super::{Layout, left, right};
use crate::error::Error;

/// The wait ended because the run is over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Cancelled;

/// The forks of the table, as cancellable locks that know their owners.
#[derive(Debug)]
pub(crate) struct Forks {
    book: Mutex<Book>,
    /// Signalled when a fork is put down, and on cancel.
    freed: Condvar,
    /// Signalled when a fork is taken (for the forced schedule's pause).
    taken: Condvar,
}

#[derive(Debug)]
struct Book {
    /// Who holds each fork.
    owner: Vec<Option<usize>>,
    /// Per philosopher: the forks it waits for (any one of them will do).
    waiting: Vec<Option<Range<usize>>>,
    /// Threads pausing until every fork is held.
    pausing: usize,
    cancelled: bool,
}

impl Forks {
    /// `forks` free forks for `philosophers` philosophers.
    pub(crate) fn new(forks: usize, philosophers: usize) -> Self {
        Self {
            book: Mutex::new(Book {
                owner: vec![None; forks],
                waiting: vec![None; philosophers],
                pausing: 0,
                cancelled: false,
            }),
            freed: Condvar::new(),
            taken: Condvar::new(),
        }
    }

    fn book(&self) -> MutexGuard<'_, Book> {
        self.book
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    /// Blocks until one of the forks `wanted` is free, then takes the
    /// lowest free one and returns it.
    pub(crate) fn take(&self, who: usize, wanted: Range<usize>) -> Result<usize, Cancelled> {
        let mut book = self.book();
        loop {
            if book.cancelled {
                book.waiting[who] = None;
                return Err(Cancelled);
            }
            if let Some(fork) = wanted.clone().find(|&f| book.owner[f].is_none()) {
                book.owner[fork] = Some(who);
                book.waiting[who] = None;
                if book.pausing > 0 {
                    self.taken.notify_all();
                }
                return Ok(fork);
            }
            book.waiting[who] = Some(wanted.clone());
            book = self.freed.wait(book).unwrap_or_else(|p| p.into_inner());
        }
    }

    /// Puts `fork` back. Putting back a fork one does not hold changes
    /// nothing (the invariant checker reports it).
    pub(crate) fn put(&self, who: usize, fork: usize) {
        let mut book = self.book();
        if book.owner[fork] == Some(who) {
            book.owner[fork] = None;
            self.freed.notify_all();
        }
    }

    /// The forced schedule's pause: waits until every fork is held, for at
    /// most `limit`.
    pub(crate) fn pause_until_all_held(&self, limit: Duration) -> Result<(), Cancelled> {
        let deadline = Instant::now() + limit;
        let mut book = self.book();
        book.pausing += 1;
        let result = loop {
            if book.cancelled {
                break Err(Cancelled);
            }
            let now = Instant::now();
            if now >= deadline || book.owner.iter().all(Option::is_some) {
                break Ok(());
            }
            book = self
                .taken
                .wait_timeout(book, deadline - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        };
        book.pausing -= 1;
        result
    }

    /// Ends every wait, now and later: the run is over.
    pub(crate) fn cancel(&self) {
        let mut book = self.book();
        book.cancelled = true;
        self.freed.notify_all();
        self.taken.notify_all();
    }

    /// The wait-for graph, read in one go under the lock: for each
    /// philosopher, `None` if it can go on (it is not waiting, or a fork it
    /// wants is free), else the philosophers holding the forks it waits for.
    pub(crate) fn wait_for(&self) -> Graph {
        let book = self.book();
        book.waiting
            .iter()
            .enumerate()
            .map(|(who, wanted)| {
                let wanted = wanted.clone()?;
                let mut holders: Vec<usize> =
                    wanted.map(|fork| book.owner[fork]).collect::<Option<_>>()?;
                holders.retain(|&h| h != who);
                holders.sort_unstable();
                holders.dedup();
                Some(holders)
            })
            .collect()
    }
}

/// The footman's seats: at most `capacity` philosophers at the table.
#[derive(Debug)]
pub(crate) struct Seats {
    /// Free seats, and whether the run is over.
    free: Mutex<(usize, bool)>,
    vacated: Condvar,
}

impl Seats {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            free: Mutex::new((capacity, false)),
            vacated: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, (usize, bool)> {
        self.free
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    /// Blocks until a seat is free and takes it.
    pub(crate) fn sit(&self) -> Result<(), Cancelled> {
        let mut free = self.lock();
        loop {
            if free.1 {
                return Err(Cancelled);
            }
            if free.0 > 0 {
                free.0 -= 1;
                return Ok(());
            }
            free = self.vacated.wait(free).unwrap_or_else(|p| p.into_inner());
        }
    }

    /// Gives a seat back.
    pub(crate) fn leave(&self) {
        self.lock().0 += 1;
        self.vacated.notify_one();
    }

    /// Ends every wait: the run is over.
    pub(crate) fn cancel(&self) {
        self.lock().1 = true;
        self.vacated.notify_all();
    }
}

/// In which order a philosopher takes its two forks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Rule {
    /// Ring: left, then right. Pile: any fork, then any other.
    LeftThenRight,
    /// The resource hierarchy. Ring: the lower-numbered fork first. Pile:
    /// any fork but the last first, then one numbered higher than it.
    LowThenHigh,
}

impl Rule {
    /// The forks `who` may take next, having taken `first` (if any).
    fn wants(self, layout: Layout, n: usize, who: usize, first: Option<usize>) -> Range<usize> {
        let one = |fork: usize| fork..fork + 1;
        match (layout, self) {
            (Layout::Ring, Rule::LeftThenRight) => match first {
                None => one(left(who, n)),
                Some(_) => one(right(who, n)),
            },
            (Layout::Ring, Rule::LowThenHigh) => {
                let (l, r) = (left(who, n), right(who, n));
                match first {
                    None => one(l.min(r)),
                    Some(_) => one(l.max(r)),
                }
            }
            (Layout::Pile { forks }, Rule::LeftThenRight) => 0..forks,
            (Layout::Pile { forks }, Rule::LowThenHigh) => match first {
                None => 0..forks - 1,
                Some(fork) => fork + 1..forks,
            },
        }
    }
}

/// How long the forced schedule pauses, at most, between a philosopher's
/// first and second fork, waiting for every fork to be held.
pub(crate) const FORCED_PAUSE: Duration = Duration::from_millis(200);

/// A philosopher who takes its forks one at a time, by a [`Rule`], after
/// taking a seat if there is a footman.
#[derive(Debug)]
pub(crate) struct ByHand<'a> {
    who: usize,
    forks: &'a Forks,
    seats: Option<&'a Seats>,
    rule: Rule,
    held: Vec<usize>,
    seated: bool,
    first_meal: bool,
}

impl<'a> ByHand<'a> {
    pub(crate) fn new(who: usize, forks: &'a Forks, seats: Option<&'a Seats>, rule: Rule) -> Self {
        Self {
            who,
            forks,
            seats,
            rule,
            held: Vec::with_capacity(2),
            seated: false,
            first_meal: true,
        }
    }

    fn take(&mut self, shared: &Shared<'_>) -> Result<(), Cancelled> {
        let config = shared.config;
        let wanted = self.rule.wants(
            config.layout,
            config.philosophers,
            self.who,
            self.held.first().copied(),
        );
        let fork = self.forks.take(self.who, wanted)?;
        shared.checker.pick_up(self.who, fork);
        self.held.push(fork);
        Ok(())
    }

    fn both(&mut self, shared: &Shared<'_>) -> Result<(), Cancelled> {
        if let Some(seats) = self.seats {
            seats.sit()?;
            self.seated = true;
        }
        self.take(shared)?;
        // Reaching for the second fork takes a moment: the window in which
        // the neighbour takes it first.
        let reach = shared.config.reach;
        if !reach.is_zero() && !shared.stop.sleep(reach) {
            return Err(Cancelled);
        }
        if shared.config.forced_deadlock && std::mem::take(&mut self.first_meal) {
            self.forks.pause_until_all_held(FORCED_PAUSE)?;
        }
        self.take(shared)
    }
}

impl Diner for ByHand<'_> {
    fn pick_up(&mut self, shared: &Shared<'_>) -> Result<bool, Error> {
        match self.both(shared) {
            Ok(()) => Ok(true),
            Err(Cancelled) => {
                self.put_down(shared);
                Ok(false)
            }
        }
    }

    fn put_down(&mut self, shared: &Shared<'_>) {
        while let Some(fork) = self.held.pop() {
            shared.checker.put_down(self.who, fork);
            self.forks.put(self.who, fork);
        }
        if std::mem::take(&mut self.seated)
            && let Some(seats) = self.seats
        {
            seats.leave();
        }
    }
}

/// The strategies that take forks by hand (naive, ordered, footman): the
/// same forks as plain locks, told apart only by their [`Rule`] and by an
/// optional footman who seats at most `seats` of them.
#[derive(Debug)]
pub(crate) struct ByHandSeating {
    forks: Forks,
    seats: Option<Seats>,
    rule: Rule,
}

impl ByHandSeating {
    /// `forks` forks for `philosophers`, taken by `rule`, with a footman
    /// seating at most `seats` if given.
    pub(crate) fn new(forks: usize, philosophers: usize, rule: Rule, seats: Option<usize>) -> Self {
        Self {
            forks: Forks::new(forks, philosophers),
            seats: seats.map(Seats::new),
            rule,
        }
    }
}

impl Seating for ByHandSeating {
    fn diner(&self, who: usize) -> Result<Box<dyn Diner + '_>, Error> {
        Ok(Box::new(ByHand::new(
            who,
            &self.forks,
            self.seats.as_ref(),
            self.rule,
        )))
    }

    /// Watched even when the rule forbids a cycle (ordered, footman): it
    /// should never show one.
    fn wait_for(&self) -> Option<Graph> {
        Some(self.forks.wait_for())
    }

    fn cancel(&self) {
        if let Some(seats) = &self.seats {
            seats.cancel();
        }
        self.forks.cancel();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fork_has_one_owner_and_waiters_show_in_the_graph() {
        let forks = Forks::new(2, 3);
        assert_eq!(forks.take(0, 0..1), Ok(0));
        assert_eq!(forks.wait_for(), vec![None, None, None]);
        std::thread::scope(|s| {
            let waiter = s.spawn(|| forks.take(1, 0..1));
            // Wait until P1 shows as waiting for P0.
            while forks.wait_for()[1].is_none() {
                std::thread::yield_now();
            }
            assert_eq!(forks.wait_for()[1], Some(vec![0]));
            forks.put(0, 0);
            assert_eq!(waiter.join().unwrap(), Ok(0));
        });
        assert_eq!(forks.wait_for(), vec![None, None, None]);
    }

    #[test]
    fn a_pile_hands_out_any_free_fork_and_waits_for_all_holders() {
        let forks = Forks::new(2, 3);
        assert_eq!(forks.take(0, 0..2), Ok(0));
        assert_eq!(forks.take(1, 0..2), Ok(1));
        std::thread::scope(|s| {
            let waiter = s.spawn(|| forks.take(2, 0..2));
            while forks.wait_for()[2].is_none() {
                std::thread::yield_now();
            }
            assert_eq!(forks.wait_for()[2], Some(vec![0, 1]));
            forks.put(1, 1);
            assert_eq!(waiter.join().unwrap(), Ok(1));
        });
    }

    #[test]
    fn cancel_ends_every_wait_now_and_later() {
        let forks = Forks::new(1, 2);
        let seats = Seats::new(0);
        forks.take(0, 0..1).unwrap();
        std::thread::scope(|s| {
            let fork_waiter = s.spawn(|| forks.take(1, 0..1));
            let seat_waiter = s.spawn(|| seats.sit());
            let pauser = s.spawn(|| forks.pause_until_all_held(Duration::from_secs(60)));
            std::thread::sleep(Duration::from_millis(10));
            forks.cancel();
            seats.cancel();
            assert_eq!(fork_waiter.join().unwrap(), Err(Cancelled));
            assert_eq!(seat_waiter.join().unwrap(), Err(Cancelled));
            // All forks were held, so the pause may also have ended first.
            let _ = pauser.join().unwrap();
        });
        assert_eq!(forks.take(1, 0..1), Err(Cancelled));
        assert_eq!(seats.sit(), Err(Cancelled));
    }

    #[test]
    fn the_pause_ends_when_every_fork_is_held_or_at_its_limit() {
        let forks = Forks::new(2, 2);
        forks.take(0, 0..1).unwrap();
        let start = Instant::now();
        assert_eq!(forks.pause_until_all_held(Duration::from_millis(5)), Ok(()));
        assert!(start.elapsed() >= Duration::from_millis(5));
        std::thread::scope(|s| {
            let pauser = s.spawn(|| forks.pause_until_all_held(Duration::from_secs(60)));
            std::thread::sleep(Duration::from_millis(5));
            forks.take(1, 1..2).unwrap();
            assert_eq!(pauser.join().unwrap(), Ok(()));
        });
    }

    #[test]
    fn seats_count_down_and_up() {
        let seats = Seats::new(1);
        assert_eq!(seats.sit(), Ok(()));
        std::thread::scope(|s| {
            let second = s.spawn(|| seats.sit());
            std::thread::sleep(Duration::from_millis(5));
            assert!(!second.is_finished());
            seats.leave();
            assert_eq!(second.join().unwrap(), Ok(()));
        });
    }

    #[test]
    fn rules_pick_the_forks_in_order() {
        let ring = Layout::Ring;
        // P0 of 5: left fork 4, right fork 0.
        assert_eq!(Rule::LeftThenRight.wants(ring, 5, 0, None), 4..5);
        assert_eq!(Rule::LeftThenRight.wants(ring, 5, 0, Some(4)), 0..1);
        assert_eq!(Rule::LowThenHigh.wants(ring, 5, 0, None), 0..1);
        assert_eq!(Rule::LowThenHigh.wants(ring, 5, 0, Some(0)), 4..5);
        assert_eq!(Rule::LowThenHigh.wants(ring, 5, 3, None), 2..3);
        let pile = Layout::Pile { forks: 3 };
        assert_eq!(Rule::LeftThenRight.wants(pile, 5, 1, None), 0..3);
        assert_eq!(Rule::LeftThenRight.wants(pile, 5, 1, Some(2)), 0..3);
        assert_eq!(Rule::LowThenHigh.wants(pile, 5, 1, None), 0..2);
        assert_eq!(Rule::LowThenHigh.wants(pile, 5, 1, Some(1)), 2..3);
    }
}

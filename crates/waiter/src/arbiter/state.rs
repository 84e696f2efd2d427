//! The waiter's book: what is free, who waits, and who may go next.
//!
//! Two parts. The [`Book`] is one atomic word per resource (free units and
//! the number of waiters on it): a request nobody stands in the way of is
//! granted, and a grant given back, with a few compare-and-swaps and no
//! lock, like locking two mutexes. The [`Line`] is the queue of requests that
//! had to wait, behind the waiter's mutex; it is walked in arrival order
//! whenever units come back to a resource somebody waits on.

use std::any::Any;
use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::Arc;
use std::task::Waker;

use smallvec::SmallVec;

use super::Policy;
use super::request::Request;
use crate::sync::{AtomicBool, AtomicU64, Mutex, Ordering, lock, thread::Thread};

/// How a waiting caller is woken.
pub(crate) enum Wake {
    Thread(Thread),
    Waker(Waker),
}

/// A waiting caller's mailbox: the waiter sets `granted` (under the line's
/// lock) and, once that lock is released, wakes the caller, who sees the
/// flag without taking the lock again.
pub(crate) struct Slot {
    granted: AtomicBool,
    /// Taken out by the one wake-up a slot gets.
    wake: Mutex<Option<Wake>>,
}

impl Slot {
    pub(crate) fn new(wake: Wake) -> Self {
        Self {
            granted: AtomicBool::new(false),
            wake: Mutex::new(Some(wake)),
        }
    }

    /// Whether the request was granted. `Acquire` pairs with the `Release`
    /// in [`Line::admit`]: the units were taken before the flag rose.
    pub(crate) fn is_granted(&self) -> bool {
        self.granted.load(Ordering::Acquire)
    }

    /// Replaces the waker (a future polled from another task). The old one
    /// is dropped after the slot's lock is released: dropping a waker runs
    /// the executor's code.
    pub(crate) fn set_wake(&self, wake: Wake) {
        let old = lock(&self.wake).replace(wake);
        drop(old);
    }

    /// Wakes the caller once: takes the waker out under the slot's lock and
    /// calls it after. A caller polled inline from `wake` sees `granted`
    /// (raised before) and never waits on this lock.
    fn wake(&self) {
        let wake = lock(&self.wake).take();
        match wake {
            Some(Wake::Thread(thread)) => thread.unpark(),
            Some(Wake::Waker(waker)) => waker.wake(),
            None => {}
        }
    }
}

/// The callers a walk of the line granted, to wake once the line's lock is
/// released: a waker is the executor's code, and may poll the task right
/// there, which may drop a grant or ask for another, and so take the lock
/// again. (tokio's semaphore keeps a wake list for the same reason.)
#[must_use = "granted callers sleep until woken"]
pub(crate) struct Wakeups(SmallVec<[Arc<Slot>; 4]>);

impl Wakeups {
    fn new() -> Self {
        Self(SmallVec::new())
    }

    /// Wakes every caller, even if a waker panics: the first panic is
    /// raised again after the last caller is woken (unless this thread is
    /// already unwinding: then it is dropped, as a second panic would
    /// abort). A panicking waker's own request stays granted: its future
    /// returns the grant when polled, or gives it back when dropped.
    pub(crate) fn wake_all(self) {
        let mut first_panic: Option<Box<dyn Any + Send>> = None;
        for slot in self.0 {
            if let Err(panic) = catch_unwind(AssertUnwindSafe(|| slot.wake())) {
                first_panic.get_or_insert(panic);
            }
        }
        if let Some(panic) = first_panic
            && !std::thread::panicking()
        {
            resume_unwind(panic);
        }
    }
}

struct Entry {
    ticket: u64,
    request: Request,
    slot: Arc<Slot>,
}

/// Free units and waiters of one resource, in one word, so that every
/// thread that changes either learns about the other in the same atomic
/// read-modify-write: a release *sees* whether somebody waits on what it gives
/// back, and a waiter registering *sees* units given back before it.
const UNITS: u64 = u32::MAX as u64;
const WAITER: u64 = 1 << 32;

fn units(word: u64) -> u64 {
    word & UNITS
}

fn waiters(word: u64) -> u64 {
    word >> 32
}

/// The largest capacity a resource may have.
pub(crate) const MAX_CAPACITY: usize = u32::MAX as usize;

/// The lock-free part of the book: one word per resource.
pub(crate) struct Book {
    policy: Policy,
    words: Box<[AtomicU64]>,
}

/// What a newcomer's attempt found.
pub(crate) enum Attempt {
    Taken,
    /// Not now. `wake_line`: units this attempt held for a moment had
    /// waiters, so the line must be looked at again.
    Refused {
        wake_line: bool,
    },
}

impl Book {
    pub(crate) fn new(policy: Policy, capacity: &[usize]) -> Self {
        Self {
            policy,
            words: capacity.iter().map(|&c| AtomicU64::new(c as u64)).collect(),
        }
    }

    pub(crate) fn available(&self) -> Vec<usize> {
        self.words
            .iter()
            .map(|word| units(word.load(Ordering::Acquire)) as usize)
            .collect()
    }

    /// Takes `units` of `resource` if there are enough and `ok(word)`.
    fn take_one(&self, resource: usize, units_wanted: u64, ok: impl Fn(u64) -> bool) -> bool {
        let word = &self.words[resource];
        let mut current = word.load(Ordering::Acquire);
        loop {
            if units(current) < units_wanted || !ok(current) {
                return false;
            }
            match word.compare_exchange_weak(
                current,
                current - units_wanted,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return true,
                Err(actual) => current = actual,
            }
        }
    }

    /// Gives back what `taken` parts hold; returns whether any of those
    /// resources had waiters.
    fn put_back(&self, taken: &[(usize, usize)]) -> bool {
        let mut had_waiters = false;
        for &(resource, units) in taken {
            let before = self.words[resource].fetch_add(units as u64, Ordering::AcqRel);
            had_waiters |= waiters(before) > 0;
        }
        had_waiters
    }

    /// A newcomer's attempt, without the lock: all units at once, and under
    /// FIFO only on resources nobody waits for (it would overtake them).
    pub(crate) fn try_take_newcomer(&self, request: &Request) -> Attempt {
        let fifo = self.policy == Policy::Fifo;
        let parts = request.parts();
        for (index, &(resource, units)) in parts.iter().enumerate() {
            if !self.take_one(resource, units as u64, |word| !fifo || waiters(word) == 0) {
                let wake_line = self.put_back(&parts[..index]);
                return Attempt::Refused { wake_line };
            }
        }
        Attempt::Taken
    }

    /// A registered waiter's attempt (under the line's lock): all units at
    /// once. Its "waiting" marks stay on every resource until every part is
    /// taken, and only then come off: a newcomer that looks at a resource
    /// in between sees the waiter (and, under FIFO, stays out) instead of
    /// units that are about to be put back because a later part did not fit.
    fn try_take_waiting(&self, request: &Request) -> bool {
        let parts = request.parts();
        for (index, &(resource, units)) in parts.iter().enumerate() {
            if !self.take_one(resource, units as u64, |_| true) {
                self.put_back(&parts[..index]);
                return false;
            }
        }
        self.deregister(request);
        true
    }

    /// Marks a request as waiting on each of its resources.
    fn register(&self, request: &Request) {
        for &(resource, _) in request.parts() {
            self.words[resource].fetch_add(WAITER, Ordering::AcqRel);
        }
    }

    /// Removes the marks of a request that stops waiting without a grant.
    fn deregister(&self, request: &Request) {
        for &(resource, _) in request.parts() {
            self.words[resource].fetch_sub(WAITER, Ordering::AcqRel);
        }
    }

    /// Gives a grant's units back; returns whether somebody waits on one
    /// of them (then the caller runs [`Line::admit`]).
    pub(crate) fn give_back(&self, request: &Request) -> bool {
        self.put_back(request.parts())
    }
}

/// The line of waiting requests, behind the waiter's mutex.
pub(crate) struct Line {
    policy: Policy,
    queue: VecDeque<Entry>,
    next_ticket: u64,
    /// Scratch for [`Line::admit`]: resources an earlier waiter is owed.
    reserved: Box<[bool]>,
}

impl Line {
    pub(crate) fn new(policy: Policy, resources: usize) -> Self {
        Self {
            policy,
            queue: VecDeque::new(),
            next_ticket: 0,
            reserved: vec![false; resources].into_boxed_slice(),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.queue.len()
    }

    /// Joins the line with `request`, unless it can be granted right away
    /// as the last in line: then returns `None` (granted). Otherwise returns
    /// its ticket.
    pub(crate) fn join(&mut self, book: &Book, request: &Request, slot: &Arc<Slot>) -> Option<u64> {
        book.register(request);
        let blocked = self.policy == Policy::Fifo
            && self
                .queue
                .iter()
                .any(|entry| entry.request.overlaps(request));
        if !blocked && book.try_take_waiting(request) {
            return None;
        }
        let ticket = self.next_ticket;
        self.next_ticket += 1;
        self.queue.push_back(Entry {
            ticket,
            request: request.clone(),
            slot: Arc::clone(slot),
        });
        Some(ticket)
    }

    /// Takes a waiting request out of the line (timeout, dropped future) and
    /// lets the line move: returns the callers that lets go, to wake after
    /// the lock. `None` if it is no longer there: it was granted meanwhile.
    ///
    /// The caller still holds the slot, so the entry dropped here is never
    /// the slot's last owner (no waker is dropped under the lock).
    pub(crate) fn leave(&mut self, book: &Book, ticket: u64) -> Option<Wakeups> {
        let at = self.queue.iter().position(|e| e.ticket == ticket)?;
        let entry = self.queue.remove(at).expect("position is in bounds");
        book.deregister(&entry.request);
        // It may have been holding later requests back.
        Some(self.admit(book))
    }

    /// Grants, in arrival order, every waiting request the policy allows;
    /// returns their callers, to wake once the lock is released.
    ///
    /// FIFO: a request that cannot be granted *reserves* its resources, so no
    /// later request that shares one may pass it; later requests on other
    /// resources still go. Greedy: anything that fits goes.
    pub(crate) fn admit(&mut self, book: &Book) -> Wakeups {
        let mut wakeups = Wakeups::new();
        if self.queue.is_empty() {
            return wakeups;
        }
        self.reserved.fill(false);
        let mut index = 0;
        while index < self.queue.len() {
            let entry = &self.queue[index];
            let reserved = self.policy == Policy::Fifo
                && entry.request.parts().iter().any(|&(r, _)| self.reserved[r]);
            if !reserved && book.try_take_waiting(&entry.request) {
                let entry = self.queue.remove(index).expect("index is in bounds");
                entry.slot.granted.store(true, Ordering::Release);
                wakeups.0.push(entry.slot);
                continue;
            }
            if self.policy == Policy::Fifo {
                for &(resource, _) in entry.request.parts() {
                    self.reserved[resource] = true;
                }
            }
            index += 1;
        }
        wakeups
    }
}

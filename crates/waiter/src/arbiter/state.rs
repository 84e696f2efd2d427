//! The waiter's book: what is free, who waits, and who may go next.
//!
//! All of it lives behind one mutex in [`Waiter`](super::Waiter); the
//! functions here are plain sequential code, so the admission rule can be
//! read (and tested) without threads.

use std::collections::VecDeque;
use std::sync::Arc;
use std::task::Waker;

use super::Policy;
use super::request::Request;
use crate::sync::{AtomicBool, Mutex, Ordering, lock, thread::Thread};

/// How a waiting caller is woken.
pub(crate) enum Wake {
    Thread(Thread),
    Waker(Waker),
}

/// A waiting caller's mailbox: the waiter sets `granted` (under its lock)
/// and wakes the caller, who sees the flag without taking the lock again.
pub(crate) struct Slot {
    granted: AtomicBool,
    wake: Mutex<Wake>,
}

impl Slot {
    pub(crate) fn new(wake: Wake) -> Self {
        Self {
            granted: AtomicBool::new(false),
            wake: Mutex::new(wake),
        }
    }

    /// Whether the request was granted. `Acquire` pairs with the `Release`
    /// in [`State::admit`]: the units were taken before the flag rose.
    pub(crate) fn is_granted(&self) -> bool {
        self.granted.load(Ordering::Acquire)
    }

    /// Replaces the waker (a future polled from another task).
    pub(crate) fn set_wake(&self, wake: Wake) {
        *lock(&self.wake) = wake;
    }

    fn grant(&self) {
        self.granted.store(true, Ordering::Release);
        match &*lock(&self.wake) {
            Wake::Thread(thread) => thread.unpark(),
            Wake::Waker(waker) => waker.wake_by_ref(),
        }
    }
}

struct Entry {
    ticket: u64,
    request: Request,
    slot: Arc<Slot>,
}

pub(crate) struct State {
    policy: Policy,
    capacity: Box<[usize]>,
    available: Box<[usize]>,
    /// Waiting requests in arrival order.
    queue: VecDeque<Entry>,
    next_ticket: u64,
    /// Scratch for [`State::admit`]: resources an earlier waiter is owed.
    reserved: Box<[bool]>,
}

impl State {
    pub(crate) fn new(policy: Policy, capacity: Box<[usize]>) -> Self {
        Self {
            policy,
            available: capacity.clone(),
            reserved: vec![false; capacity.len()].into_boxed_slice(),
            capacity,
            queue: VecDeque::new(),
            next_ticket: 0,
        }
    }

    pub(crate) fn available(&self) -> &[usize] {
        &self.available
    }

    pub(crate) fn waiting(&self) -> usize {
        self.queue.len()
    }

    fn fits(&self, request: &Request) -> bool {
        request
            .parts()
            .iter()
            .all(|&(resource, units)| self.available[resource] >= units)
    }

    fn take(&mut self, request: &Request) {
        for &(resource, units) in request.parts() {
            self.available[resource] -= units;
        }
    }

    /// Returns a grant's units. The caller then runs [`State::admit`].
    pub(crate) fn give_back(&mut self, request: &Request) {
        for &(resource, units) in request.parts() {
            self.available[resource] += units;
            debug_assert!(self.available[resource] <= self.capacity[resource]);
        }
    }

    /// Grants `request` at once if the policy lets a newcomer in now:
    /// its units are free and (FIFO) no waiting request shares a resource
    /// with it, since it would overtake that one.
    pub(crate) fn try_take(&mut self, request: &Request) -> bool {
        let allowed = self.fits(request)
            && match self.policy {
                Policy::Greedy => true,
                Policy::Fifo => !self.queue.iter().any(|e| e.request.overlaps(request)),
            };
        if allowed {
            self.take(request);
        }
        allowed
    }

    /// Puts a request at the back of the line; returns its ticket.
    pub(crate) fn enqueue(&mut self, request: Request, slot: Arc<Slot>) -> u64 {
        let ticket = self.next_ticket;
        self.next_ticket += 1;
        self.queue.push_back(Entry {
            ticket,
            request,
            slot,
        });
        ticket
    }

    /// Takes a waiting request out of the line (timeout, dropped future).
    /// Returns `false` if it is no longer there: it was granted meanwhile.
    /// The caller then runs [`State::admit`]: the line may move.
    pub(crate) fn remove(&mut self, ticket: u64) -> bool {
        match self.queue.iter().position(|e| e.ticket == ticket) {
            Some(at) => {
                self.queue.remove(at);
                true
            }
            None => false,
        }
    }

    /// Grants, in arrival order, every waiting request the policy allows,
    /// and wakes their callers.
    ///
    /// FIFO: a request that cannot be granted *reserves* its resources, so no
    /// later request that shares one may pass it; later requests on other
    /// resources still go. Greedy: anything that fits goes.
    pub(crate) fn admit(&mut self) {
        if self.queue.is_empty() {
            return;
        }
        self.reserved.fill(false);
        let mut index = 0;
        while index < self.queue.len() {
            let entry = &self.queue[index];
            let reserved = self.policy == Policy::Fifo
                && entry.request.parts().iter().any(|&(r, _)| self.reserved[r]);
            if !reserved && self.fits(&entry.request) {
                let entry = self.queue.remove(index).expect("index is in bounds");
                self.take(&entry.request);
                entry.slot.grant();
                continue;
            }
            if self.policy == Policy::Fifo {
                for &(resource, _) in entry.request.parts() {
                    self.reserved[resource] = true;
                }
            }
            index += 1;
        }
    }
}

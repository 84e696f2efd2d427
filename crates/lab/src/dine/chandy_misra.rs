//! `chandy-misra`: no lock and no waiter; forks travel between neighbours
//! as messages, and a fork is *clean* or *dirty*.
//!
//! Chandy and Misra (1984) solved the problem for any number of
//! philosophers with no central party at all:
//!
//! - each fork is always in the hands of one of the two neighbours who
//!   share it (or on its way from one to the other); at the start it is
//!   with the lower-numbered one, **dirty**;
//! - a hungry philosopher who lacks a fork sends its neighbour a
//!   **request** for it;
//! - a philosopher who receives a request for a **dirty** fork while not
//!   eating cleans it and sends it; a **clean** fork (received since its
//!   last meal) is kept until it has eaten, and so is any fork while it
//!   eats; the request is answered after the meal;
//! - a fork becomes dirty when its holder eats with it.
//!
//! "Dirty" means "I have eaten since I got this": a philosopher who has
//! eaten yields to one who has not, so priorities flip after every meal.
//! The initial placement makes the precedence graph acyclic and each meal
//! keeps it so, which rules out deadlock; and since a hungry philosopher's
//! neighbours must hand over their forks after at most one more meal,
//! nobody starves.
//!
//! Each philosopher has a channel; it answers requests while it thinks, is
//! hungry and eats, which is why its think and eat are waits on the channel
//! rather than sleeps.
//!
//! Only defined for a ring: the algorithm needs one fork per pair of
//! neighbours, and at a pile every philosopher would be everyone's
//! neighbour with no fork between them. `--table pile` with this strategy
//! is refused; `--compare` at a pile leaves it out.

use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, TryRecvError, channel};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::philosopher::{Diner, Meal, Seating, Shared};
use super::{left, right};
use crate::error::Error;

/// What philosophers send each other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Message {
    /// "May I have fork f?"
    Request(usize),
    /// "Here is fork f", clean.
    Fork(usize),
    /// The run is over.
    Stop,
}

/// The channels of a ring of philosophers.
#[derive(Debug)]
pub(crate) struct ChandyMisra {
    philosophers: usize,
    senders: Vec<Sender<Message>>,
    inboxes: Mutex<Vec<Option<Receiver<Message>>>>,
}

impl ChandyMisra {
    pub(crate) fn new(philosophers: usize) -> Self {
        let (senders, inboxes) = (0..philosophers)
            .map(|_| {
                let (tx, rx) = channel();
                (tx, Some(rx))
            })
            .unzip();
        Self {
            philosophers,
            senders,
            inboxes: Mutex::new(inboxes),
        }
    }

    fn inboxes(&self) -> MutexGuard<'_, Vec<Option<Receiver<Message>>>> {
        self.inboxes
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }
}

impl Seating for ChandyMisra {
    fn diner(&self, who: usize) -> Result<Box<dyn Diner + '_>, Error> {
        let inbox = self.inboxes()[who].take().ok_or_else(|| Error::Panicked {
            what: format!("chandy-misra P{who}"),
            message: "seated twice".into(),
        })?;
        let n = self.philosophers;
        let fork = |id: usize| {
            // Fork f lies between P f and P f+1.
            let (a, b) = (id, (id + 1) % n);
            let neighbour = if a == who { b } else { a };
            Fork {
                id,
                neighbour,
                // At first, with the lower-numbered of the two, dirty.
                have: who == a.min(b),
                dirty: true,
                requested: false,
                owed: false,
            }
        };
        Ok(Box::new(Polite {
            who,
            forks: [fork(left(who, n)), fork(right(who, n))],
            inbox,
            senders: &self.senders,
            eating: false,
            announced: false,
        }))
    }

    fn cancel(&self) {
        for sender in &self.senders {
            // A philosopher who has left dropped its inbox: nothing to wake.
            let _ = sender.send(Message::Stop);
        }
    }
}

/// One of a philosopher's two forks, as that philosopher sees it.
#[derive(Clone, Copy, Debug)]
struct Fork {
    id: usize,
    /// Who shares it.
    neighbour: usize,
    /// In this philosopher's hand.
    have: bool,
    /// Eaten with since it arrived.
    dirty: bool,
    /// Asked for, not yet received.
    requested: bool,
    /// The neighbour asked for it; send it after the meal.
    owed: bool,
}

/// A philosopher who passes forks by messages.
struct Polite<'a> {
    who: usize,
    forks: [Fork; 2],
    inbox: Receiver<Message>,
    senders: &'a [Sender<Message>],
    eating: bool,
    /// The initial forks were reported to the checker.
    announced: bool,
}

/// Whether the run goes on after a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Go {
    On,
    Stop,
}

impl Polite<'_> {
    fn slot(&mut self, fork: usize) -> Option<&mut Fork> {
        self.forks.iter_mut().find(|f| f.id == fork)
    }

    fn announce(&mut self, shared: &Shared<'_>) {
        if !std::mem::replace(&mut self.announced, true) {
            for fork in self.forks.iter().filter(|f| f.have) {
                shared.checker.pick_up(self.who, fork.id);
            }
        }
    }

    /// Hands fork `index` (0 or 1) to the neighbour.
    fn give(&mut self, shared: &Shared<'_>, index: usize) {
        let who = self.who;
        let fork = &mut self.forks[index];
        shared.checker.put_down(who, fork.id);
        fork.have = false;
        fork.owed = false;
        fork.dirty = false;
        let _ = self.senders[fork.neighbour].send(Message::Fork(fork.id));
    }

    fn handle(&mut self, shared: &Shared<'_>, message: Message) -> Go {
        match message {
            Message::Stop => return Go::Stop,
            Message::Fork(id) => {
                let who = self.who;
                if let Some(fork) = self.slot(id) {
                    fork.have = true;
                    fork.dirty = false;
                    fork.requested = false;
                    shared.checker.pick_up(who, id);
                }
            }
            Message::Request(id) => {
                let eating = self.eating;
                let Some(index) = self.forks.iter().position(|f| f.id == id) else {
                    return Go::On;
                };
                let fork = self.forks[index];
                if fork.have && fork.dirty && !eating {
                    self.give(shared, index);
                } else {
                    self.forks[index].owed = true;
                }
            }
        }
        Go::On
    }

    /// Answers messages until `deadline`; `false` if the run ended.
    /// Answers every message already waiting, so that even a philosopher
    /// who thinks and eats for no time at all yields its dirty forks.
    fn drain(&mut self, shared: &Shared<'_>) -> Go {
        loop {
            match self.inbox.try_recv() {
                Ok(message) => {
                    if self.handle(shared, message) == Go::Stop {
                        return Go::Stop;
                    }
                }
                Err(TryRecvError::Empty) => return Go::On,
                Err(TryRecvError::Disconnected) => return Go::Stop,
            }
        }
    }

    fn wait_until(&mut self, shared: &Shared<'_>, deadline: Instant) -> bool {
        loop {
            if shared.stop.is_stopped() || self.drain(shared) == Go::Stop {
                return false;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return true;
            }
            match self.inbox.recv_timeout(left) {
                Ok(message) => {
                    if self.handle(shared, message) == Go::Stop {
                        return false;
                    }
                }
                Err(RecvTimeoutError::Timeout) => return true,
                Err(RecvTimeoutError::Disconnected) => return false,
            }
        }
    }
}

fn deadline(time: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(time)
        .unwrap_or_else(|| now + Duration::from_secs(86_400 * 365))
}

impl Diner for Polite<'_> {
    fn think(&mut self, shared: &Shared<'_>, time: Duration) -> bool {
        self.announce(shared);
        self.wait_until(shared, deadline(time))
    }

    fn pick_up(&mut self, shared: &Shared<'_>) -> Result<bool, Error> {
        self.announce(shared);
        loop {
            // Requests first: a dirty fork asked for goes, even now.
            if self.drain(shared) == Go::Stop {
                return Ok(false);
            }
            if self.forks.iter().all(|f| f.have) {
                return Ok(true);
            }
            for fork in self.forks.iter_mut().filter(|f| !f.have && !f.requested) {
                fork.requested = true;
                let _ = self.senders[fork.neighbour].send(Message::Request(fork.id));
            }
            if shared.stop.is_stopped() {
                return Ok(false);
            }
            match self.inbox.recv() {
                Ok(message) => {
                    if self.handle(shared, message) == Go::Stop {
                        return Ok(false);
                    }
                }
                Err(_) => return Ok(false),
            }
        }
    }

    fn eat(&mut self, shared: &Shared<'_>, time: Duration) -> Meal {
        self.eating = true;
        let whole = self.wait_until(shared, deadline(time));
        self.eating = false;
        if whole { Meal::Whole } else { Meal::Stopped }
    }

    fn put_down(&mut self, shared: &Shared<'_>) {
        // The forks stay on this side of the table, dirty: they go to a
        // neighbour only when asked (now, if it already asked).
        for index in 0..self.forks.len() {
            if self.forks[index].have {
                self.forks[index].dirty = true;
                if self.forks[index].owed {
                    self.give(shared, index);
                }
            }
        }
    }
}

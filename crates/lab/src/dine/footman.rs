//! `footman`: a footman lets at most one philosopher fewer than there are
//! forks sit at the table; the seated ones take left, then right.
//!
//! Dijkstra's fix for the naive table. The philosophers still grab their
//! forks one at a time, but with at most N−1 of them seated around N forks,
//! some seated philosopher always finds both of its forks (pigeonhole:
//! N−1 people holding one fork each leave one fork free, next to someone
//! who holds one). So the circular wait cannot close. The footman is a
//! counting semaphore; unlike the [waiter](super::waiter) it hands out
//! seats, not forks, and does not choose who eats.
//!
//! At a pile of K forks the footman seats K−1: with K−1 hands on K forks,
//! one fork is always free for someone who already holds one.

use super::forks::{ByHand, Forks, Rule, Seats};
use super::philosopher::{Diner, Graph, Seating};
use crate::error::Error;

/// Forks as plain locks, and seats for one fewer than the forks.
#[derive(Debug)]
pub(crate) struct Footman {
    forks: Forks,
    seats: Seats,
}

impl Footman {
    pub(crate) fn new(forks: usize, philosophers: usize) -> Self {
        Self {
            forks: Forks::new(forks, philosophers),
            seats: Seats::new(forks - 1),
        }
    }
}

impl Seating for Footman {
    fn diner(&self, who: usize) -> Result<Box<dyn Diner + '_>, Error> {
        Ok(Box::new(ByHand::new(
            who,
            &self.forks,
            Some(&self.seats),
            Rule::LeftThenRight,
        )))
    }

    fn wait_for(&self) -> Option<Graph> {
        Some(self.forks.wait_for())
    }

    fn cancel(&self) {
        self.seats.cancel();
        self.forks.cancel();
    }
}

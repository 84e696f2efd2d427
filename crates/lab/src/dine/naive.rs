//! `naive`: every philosopher takes its left fork, then its right one.
//!
//! The textbook recipe for a deadlock. All four of Coffman's conditions
//! hold: a fork is held by one philosopher at a time (mutual exclusion),
//! a philosopher holds its left fork while it waits for the right one
//! (hold and wait), nobody takes a fork out of another's hand (no
//! preemption), and on a ring each waits for its right neighbour, who waits
//! for *its* right neighbour, all the way round (circular wait). The day
//! all of them pick up their left fork at about the same moment, nobody
//! ever eats again.
//!
//! How soon that day comes depends on the moment between the two forks
//! (`reach` in the [`Config`](super::Config)): the longer the reach, the
//! sooner. At a pile, "left then right" is "any fork, then any other": it
//! deadlocks as soon as every fork is in a different hand.
//!
//! The [watchdog](super::watchdog) sees the cycle in the wait-for graph,
//! reports it and ends the run by cancelling the waits.

use super::forks::{ByHand, Forks, Rule};
use super::philosopher::{Diner, Graph, Seating};
use crate::error::Error;

/// Forks as plain locks, taken left then right.
#[derive(Debug)]
pub(crate) struct Naive {
    forks: Forks,
}

impl Naive {
    pub(crate) fn new(forks: usize, philosophers: usize) -> Self {
        Self {
            forks: Forks::new(forks, philosophers),
        }
    }
}

impl Seating for Naive {
    fn diner(&self, who: usize) -> Result<Box<dyn Diner + '_>, Error> {
        Ok(Box::new(ByHand::new(
            who,
            &self.forks,
            None,
            Rule::LeftThenRight,
        )))
    }

    fn wait_for(&self) -> Option<Graph> {
        Some(self.forks.wait_for())
    }

    fn cancel(&self) {
        self.forks.cancel();
    }
}

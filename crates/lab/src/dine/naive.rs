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

use super::forks::{ByHandSeating, Rule};

/// Forks as plain locks, taken left then right.
pub(crate) fn seating(forks: usize, philosophers: usize) -> ByHandSeating {
    ByHandSeating::new(forks, philosophers, Rule::LeftThenRight, None)
}

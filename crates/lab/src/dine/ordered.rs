//! `ordered`: the resource hierarchy. Forks are numbered, and every
//! philosopher takes its lower-numbered fork first.
//!
//! This breaks the circular wait. On a ring, P1…P4 take their left fork
//! first as before, but P0, whose forks are 4 (left) and 0 (right), takes
//! fork 0 first. A cycle of waits would need someone holding a higher fork
//! while waiting for a lower one, and nobody ever does that. The price: the
//! order is not symmetric, so P0 and P4 compete for fork 0 first and the
//! meals are a little less even.
//!
//! At a pile (forks all alike, numbered 0…K−1), the same rule reads: take
//! any fork but the last as your first, then wait only for a fork numbered
//! higher than it. Whoever holds the highest first fork waits only for
//! forks above it, which are either free or in the hands of someone
//! eating, so someone can always go on.

use super::forks::{ByHandSeating, Rule};

/// Forks as plain locks, taken lowest number first.
pub(crate) fn seating(forks: usize, philosophers: usize) -> ByHandSeating {
    ByHandSeating::new(forks, philosophers, Rule::LowThenHigh, None)
}

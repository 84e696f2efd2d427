//! The watchdog: ends the run on time, or as soon as it deadlocks.
//!
//! While the philosophers dine, the thread that called
//! [`Experiment::run`](crate::Experiment::run) becomes the watchdog. Every [`POLL`] it:
//!
//! 1. stops the run if its time is up, or if the invariant broke;
//! 2. reads the strategy's **wait-for graph** (philosopher → the
//!    philosophers holding a fork it waits for) and looks for a deadlock:
//!    a set of philosophers who all wait, each only for others of the set.
//!    On a ring that is a cycle, `P0 → P1 → P2 → P3 → P4 → P0`: each holds
//!    its left fork and waits for its right one, which its neighbour holds
//!    as *its* left. At a pile a philosopher waits for *any* fork, so it
//!    waits for all holders at once, and the test is the one for "any one
//!    would do" waits: nobody in the set can reach a philosopher who can go
//!    on. The cycle reported is one found inside that set;
//! 3. hands a snapshot to the live view every [`TICK`].
//!
//! On a deadlock it records when and who, and stops the run the way the
//! note says threads should be stopped: not by killing them, but by
//! cancelling their waits. Each philosopher's wait for a fork fails, it
//! puts back what it holds, and its thread returns.
//!
//! One reading of the graph is enough to be sure: it is read in one go
//! under the forks' lock, and philosophers who wait only for each other
//! stay that way until somebody cancels them, so a deadlock seen once is a
//! deadlock for good (no false alarms from a fork in transit).

use std::fmt;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::live::{Live, TICK};
use super::philosopher::{Graph, Shared};
use crate::Stop;
use crate::duration;

/// How often the watchdog looks.
pub const POLL: Duration = Duration::from_millis(2);

/// A deadlock the watchdog found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Deadlock {
    /// When, in microseconds since the run started.
    pub after_us: u64,
    /// Who waits for whom, first philosopher repeated at the end:
    /// `[0, 1, 2, 3, 4, 0]` is `P0 → P1 → P2 → P3 → P4 → P0`.
    pub cycle: Vec<usize>,
}

impl Deadlock {
    /// `P0 → P1 → P0`.
    pub fn cycle_text(&self) -> String {
        self.cycle
            .iter()
            .map(|p| format!("P{p}"))
            .collect::<Vec<_>>()
            .join(" → ")
    }

    /// `11.6 ms`: when, in milliseconds with one decimal.
    pub fn after_text(&self) -> String {
        format!("{:.1} ms", self.after_us as f64 / 1000.0)
    }
}

impl fmt::Display for Deadlock {
    /// `deadlock after 11.6 ms: P0 → P1 → P2 → P3 → P4 → P0`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "deadlock after {}: {}",
            self.after_text(),
            self.cycle_text()
        )
    }
}

/// Finds a deadlock in a wait-for graph, and returns one of its cycles,
/// starting from its lowest philosopher and ending where it started.
///
/// `graph[p]` is `None` if `p` can go on, else the philosophers `p` waits
/// for, any one of whom letting go would let `p` go on. `p` is deadlocked
/// if it waits and cannot reach anyone who can go on.
pub(crate) fn find_deadlock(graph: &Graph) -> Option<Vec<usize>> {
    let n = graph.len();
    // Who can go on, directly or once someone they wait for does.
    let mut free: Vec<bool> = graph.iter().map(Option::is_none).collect();
    loop {
        let mut changed = false;
        for p in 0..n {
            if !free[p]
                && let Some(waits_for) = &graph[p]
                && waits_for.iter().any(|&q| q >= n || free[q])
            {
                free[p] = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let stuck = free.iter().position(|&f| !f)?;
    // Every successor of a stuck philosopher is stuck, so this walk stays
    // in the stuck set and must come back to someone it met.
    let mut path: Vec<usize> = Vec::new();
    let mut at = stuck;
    loop {
        if let Some(from) = path.iter().position(|&p| p == at) {
            let mut cycle = path.split_off(from);
            let lowest = (0..cycle.len()).min_by_key(|&i| cycle[i]).unwrap_or(0);
            cycle.rotate_left(lowest);
            cycle.push(cycle[0]);
            return Some(cycle);
        }
        path.push(at);
        at = graph[at]
            .iter()
            .flatten()
            .copied()
            .find(|&q| q < n && !free[q])
            .unwrap_or(at);
    }
}

/// Watches the run until it is over; returns the deadlock if it found one.
pub(crate) fn watch(shared: &Shared<'_>, live: &dyn Live, stop: &Stop) -> Option<Deadlock> {
    let deadline = shared.start + shared.config.duration;
    let mut next_tick = shared.start;
    loop {
        let now = Instant::now();
        if shared.stop.is_stopped() {
            return None;
        }
        // Ctrl-C ends the run as its time running out would: the meals so
        // far are counted, over the time actually dined.
        if now >= deadline || shared.checker.is_broken() || stop.requested() {
            shared.halt();
            return None;
        }
        if let Some(graph) = shared.seating.wait_for()
            && let Some(cycle) = find_deadlock(&graph)
        {
            let deadlock = Deadlock {
                after_us: duration::micros(now - shared.start),
                cycle,
            };
            shared.deadlocked.store(true, Ordering::Release);
            shared.halt();
            return Some(deadlock);
        }
        if now >= next_tick {
            live.tick(&shared.snapshot());
            next_tick = now + TICK;
        }
        shared.stop.sleep(POLL.min(deadline - now));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn waits(edges: &[&[usize]]) -> Option<Vec<usize>> {
        Some(edges.iter().flat_map(|e| e.iter().copied()).collect())
    }

    #[test]
    fn a_ring_of_waits_is_a_deadlock() {
        // Each holds its left fork and waits for its right neighbour.
        let graph: Graph = (0..5).map(|p| Some(vec![(p + 1) % 5])).collect();
        assert_eq!(find_deadlock(&graph), Some(vec![0, 1, 2, 3, 4, 0]));
        let deadlock = Deadlock {
            after_us: 11_600,
            cycle: vec![0, 1, 2, 3, 4, 0],
        };
        assert_eq!(
            deadlock.to_string(),
            "deadlock after 11.6 ms: P0 → P1 → P2 → P3 → P4 → P0"
        );
    }

    #[test]
    fn a_chain_that_ends_in_someone_free_is_no_deadlock() {
        // P0 → P1 → P2 → P3, and P3 eats: everyone will be served.
        let graph: Graph = vec![waits(&[&[1]]), waits(&[&[2]]), waits(&[&[3]]), None, None];
        assert_eq!(find_deadlock(&graph), None);
        assert_eq!(find_deadlock(&vec![None; 5]), None);
        assert_eq!(find_deadlock(&Vec::new()), None);
    }

    #[test]
    fn the_cycle_is_found_behind_a_tail_and_starts_at_its_lowest() {
        // P0 waits for P3, which is in the cycle P3 → P4 → P2 → P3.
        let graph: Graph = vec![
            waits(&[&[3]]),
            None,
            waits(&[&[3]]),
            waits(&[&[4]]),
            waits(&[&[2]]),
        ];
        assert_eq!(find_deadlock(&graph), Some(vec![2, 3, 4, 2]));
    }

    #[test]
    fn at_a_pile_one_free_holder_is_enough() {
        // P2 waits for any fork; P0 and P1 hold them. P0 is eating (free):
        // nobody is deadlocked.
        let graph: Graph = vec![None, waits(&[&[0]]), waits(&[&[0, 1]])];
        assert_eq!(find_deadlock(&graph), None);
        // P0 and P1 each hold one fork and wait for the other's; P2 waits
        // for either: all three are stuck, the cycle is P0 → P1 → P0.
        let graph: Graph = vec![waits(&[&[1]]), waits(&[&[0]]), waits(&[&[0, 1]])];
        assert_eq!(find_deadlock(&graph), Some(vec![0, 1, 0]));
    }

    #[test]
    fn two_philosophers_waiting_for_each_other() {
        let graph: Graph = vec![waits(&[&[1]]), waits(&[&[0]])];
        let cycle = find_deadlock(&graph).unwrap();
        assert_eq!(cycle, [0, 1, 0]);
        let deadlock = Deadlock {
            after_us: 400,
            cycle,
        };
        assert_eq!(deadlock.to_string(), "deadlock after 0.4 ms: P0 → P1 → P0");
    }

    #[test]
    fn a_wait_for_nobody_is_stuck_on_itself() {
        let graph: Graph = vec![Some(Vec::new()), None];
        assert_eq!(find_deadlock(&graph), Some(vec![0, 0]));
    }
}

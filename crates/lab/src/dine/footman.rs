//! `footman`: a footman lets only some philosophers sit at the table at
//! once; the seated ones take left, then right.
//!
//! Dijkstra's fix for the naive table. The philosophers still grab their
//! forks one at a time, but with at most N−1 of them seated around N forks,
//! some seated philosopher always finds both of its forks (pigeonhole:
//! N−1 people holding one fork each leave one fork free, next to someone
//! who holds one). So the circular wait cannot close. The footman is a
//! counting semaphore; unlike the [waiter](super::by_waiter) it hands out
//! seats, not forks, and does not choose who eats.
//!
//! ## Why N−1 seats feed one philosopher at a time
//!
//! N−1 is what deadlock freedom needs, not what lets two eat. When the
//! philosophers are hungry most of the time (think 1–5 ms, eat 5–25 ms),
//! the N−1 seats are always full, and a seated philosopher holds its left
//! fork while it waits for its right one: the seated ones form a *chain*,
//! each waiting for the next, the last one eating. With 5 forks that is
//! 3 holders × 1 fork + 1 eater × 2 forks: every fork is taken, so nobody
//! else can start. When the eater puts its forks down, its left fork goes
//! to the one behind it in the chain, who eats; its right fork, and its
//! seat, go to a newcomer, who takes that fork and waits for the next one,
//! held by the chain. The chain moves one place along, and again exactly
//! one eats: 1 of 5 at a time, half the waiter's meals.
//!
//! So this footman seats ⌊K/2⌋ + 1 at K forks ([`seats`]), never more than
//! K−1: room for every pair that can eat at once, plus one philosopher
//! holding a single fork. Two eaters then leave a fork free, and a newcomer
//! next to it eats too. Fewer seats keep Dijkstra's argument (fewer hands,
//! still a free fork), so there is still no deadlock. With 5 forks that is
//! 3 seats and up to 2 eaters; with 2 or 3 forks, K−1 as before.
//!
//! At a pile of K forks the same count holds: with at most K−1 hands on K
//! forks, one fork is always free for someone who already holds one.

/// The seats a footman offers at `forks` forks (at least 2): ⌊K/2⌋ + 1,
/// at most K−1.
///
/// ```
/// # use waiter_lab::dine::footman::seats;
/// assert_eq!(seats(5), 3); // up to 2 eat, plus one holding a fork
/// assert_eq!(seats(2), 1); // the note's pile: one at a time
/// ```
pub fn seats(forks: usize) -> usize {
    (forks / 2 + 1).min(forks.saturating_sub(1)).max(1)
}

use super::forks::{ByHandSeating, Rule};

/// Forks as plain locks, and [`seats`] for some of the philosophers.
pub(crate) fn seating(forks: usize, philosophers: usize) -> ByHandSeating {
    ByHandSeating::new(forks, philosophers, Rule::LeftThenRight, Some(seats(forks)))
}

#[cfg(test)]
mod tests {
    use super::seats;

    #[test]
    fn seats_leave_room_for_every_pair_and_one_more_but_never_all() {
        let expected = [(2, 1), (3, 2), (4, 3), (5, 3), (6, 4), (7, 4), (10, 6)];
        for (forks, count) in expected {
            assert_eq!(seats(forks), count, "{forks} forks");
            // Deadlock freedom: at most K−1 hands on K forks.
            assert!(seats(forks) < forks);
            // Every pair that can eat at once fits, with a seat to spare
            // when there is a fork to spare.
            assert!(seats(forks) > forks / 2 || forks <= 3);
        }
    }
}

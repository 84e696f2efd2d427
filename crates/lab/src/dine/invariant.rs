//! The rules of the table, checked on every move.
//!
//! Every strategy tells the checker each time a philosopher picks up or
//! puts down a fork, and when it starts and stops eating. The checker keeps
//! its own book of who holds what, independent of the strategy's locks,
//! grants or messages, so a strategy (or the library under it) that hands a
//! fork to two philosophers is caught, not trusted. The rules:
//!
//! - a fork is in at most one hand;
//! - only its holder puts a fork down;
//! - a philosopher eats only with two forks: on a ring, its own left and
//!   right;
//! - on a ring, two neighbours never eat at once;
//! - never more than the bound eat at once: ⌊N/2⌋ on a ring of N, ⌊K/2⌋ at
//!   a pile of K forks.
//!
//! The first broken rule is kept, with its time, and the run fails loudly
//! ([`Error::Invariant`](crate::Error::Invariant)); the checker also counts
//! the most philosophers that ever ate at once, the figure the note is
//! about ("it will never be possible for all of them to eat at the same
//! time").
//!
//! Why events in order are enough: a philosopher reports a pick-up *after*
//! it holds the fork and a put-down *before* it lets go, so if the forks
//! really are exclusive, the reports of two holders can never overlap.
//!
//! ## Memory ordering
//!
//! The book is behind a mutex, which orders the events. The `broken` flag
//! mirrors "a violation is recorded" for the watchdog's cheap polls
//! (`Release` store, `Acquire` load); the violation itself is read under
//! the mutex.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use super::{left, right};
use crate::duration;

/// What is checked: the shape of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Rules {
    /// How many philosophers.
    pub(crate) philosophers: usize,
    /// How many forks.
    pub(crate) forks: usize,
    /// A ring (fork i between P i and P i+1) rather than a pile.
    pub(crate) ring: bool,
    /// The most that may eat at once.
    pub(crate) bound: usize,
}

/// The first rule broken in a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Violation {
    /// When, in microseconds since the run started.
    pub(crate) at_us: u64,
    /// What happened, e.g. `fork 2 held by P1 and P3 at once`.
    pub(crate) what: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} (at {})",
            self.what,
            duration::format(std::time::Duration::from_micros(self.at_us))
        )
    }
}

/// Keeps the book of forks and eaters, and the first broken rule.
#[derive(Debug)]
pub(crate) struct Checker {
    rules: Rules,
    start: Instant,
    book: Mutex<Book>,
    broken: AtomicBool,
}

#[derive(Debug, Default)]
struct Book {
    holder: Vec<Option<usize>>,
    holds: Vec<usize>,
    eating: Vec<bool>,
    eaters: usize,
    most_eaters: usize,
    pick_ups: u64,
    put_downs: u64,
    violation: Option<Violation>,
}

impl Checker {
    pub(crate) fn new(rules: Rules, start: Instant) -> Self {
        Self {
            rules,
            start,
            book: Mutex::new(Book {
                holder: vec![None; rules.forks],
                holds: vec![0; rules.philosophers],
                eating: vec![false; rules.philosophers],
                ..Book::default()
            }),
            broken: AtomicBool::new(false),
        }
    }

    fn book(&self) -> MutexGuard<'_, Book> {
        self.book
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    fn broke(&self, book: &mut Book, what: String) {
        if book.violation.is_none() {
            book.violation = Some(Violation {
                at_us: duration::micros(self.start.elapsed()),
                what,
            });
            self.broken.store(true, Ordering::Release);
        }
    }

    /// `who` now holds `fork`.
    pub(crate) fn pick_up(&self, who: usize, fork: usize) {
        let mut book = self.book();
        book.pick_ups += 1;
        match book.holder.get(fork).copied() {
            None => self.broke(
                &mut book,
                format!("P{who} picked up fork {fork}, which does not exist"),
            ),
            Some(Some(other)) => {
                self.broke(
                    &mut book,
                    format!("fork {fork} held by P{other} and P{who} at once"),
                );
            }
            Some(None) => {
                book.holder[fork] = Some(who);
                book.holds[who] += 1;
            }
        }
    }

    /// `who` is about to let go of `fork`.
    pub(crate) fn put_down(&self, who: usize, fork: usize) {
        let mut book = self.book();
        book.put_downs += 1;
        match book.holder.get(fork).copied().flatten() {
            Some(holder) if holder == who => {
                book.holder[fork] = None;
                book.holds[who] -= 1;
            }
            Some(holder) => self.broke(
                &mut book,
                format!("P{who} put down fork {fork}, which P{holder} holds"),
            ),
            None => self.broke(
                &mut book,
                format!("P{who} put down fork {fork}, which nobody holds"),
            ),
        }
    }

    /// `who` starts eating.
    pub(crate) fn eat(&self, who: usize) {
        let rules = self.rules;
        let mut book = self.book();
        if rules.ring {
            let n = rules.philosophers;
            for fork in [left(who, n), right(who, n)] {
                if book.holder[fork] != Some(who) {
                    self.broke(&mut book, format!("P{who} eats without fork {fork}"));
                }
            }
            for neighbour in [(who + n - 1) % n, (who + 1) % n] {
                if neighbour != who && book.eating[neighbour] {
                    let (a, b) = (who.min(neighbour), who.max(neighbour));
                    self.broke(&mut book, format!("neighbours P{a} and P{b} eat at once"));
                }
            }
        } else if book.holds[who] < 2 {
            let holds = book.holds[who];
            self.broke(
                &mut book,
                format!("P{who} eats with {holds} fork(s), not 2"),
            );
        }
        if !book.eating[who] {
            book.eating[who] = true;
            book.eaters += 1;
        }
        book.most_eaters = book.most_eaters.max(book.eaters);
        if book.eaters > rules.bound {
            let eaters = book.eaters;
            self.broke(
                &mut book,
                format!(
                    "{eaters} philosophers eat at once; at most {} can",
                    rules.bound
                ),
            );
        }
    }

    /// `who` stops eating.
    pub(crate) fn done(&self, who: usize) {
        let mut book = self.book();
        if std::mem::take(&mut book.eating[who]) {
            book.eaters -= 1;
        }
    }

    /// Whether a rule has been broken (cheap: for the watchdog's polls).
    pub(crate) fn is_broken(&self) -> bool {
        self.broken.load(Ordering::Acquire)
    }

    /// The first broken rule, if any.
    pub(crate) fn violation(&self) -> Option<Violation> {
        self.book().violation.clone()
    }

    /// The most philosophers that ate at once.
    pub(crate) fn most_eating(&self) -> usize {
        self.book().most_eaters
    }

    /// Pick-ups and put-downs recorded.
    pub(crate) fn moves(&self) -> (u64, u64) {
        let book = self.book();
        (book.pick_ups, book.put_downs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(n: usize) -> Checker {
        Checker::new(
            Rules {
                philosophers: n,
                forks: n,
                ring: true,
                bound: n / 2,
            },
            Instant::now(),
        )
    }

    fn pile(n: usize, k: usize) -> Checker {
        Checker::new(
            Rules {
                philosophers: n,
                forks: k,
                ring: false,
                bound: k / 2,
            },
            Instant::now(),
        )
    }

    /// P`who` of a ring picks up both forks and eats.
    fn sit_down(checker: &Checker, who: usize, n: usize) {
        checker.pick_up(who, left(who, n));
        checker.pick_up(who, right(who, n));
        checker.eat(who);
    }

    #[test]
    fn a_clean_ring_breaks_nothing_and_counts_the_eaters() {
        let checker = ring(5);
        sit_down(&checker, 0, 5);
        sit_down(&checker, 2, 5);
        checker.done(0);
        checker.put_down(0, 0);
        checker.put_down(0, 4);
        sit_down(&checker, 4, 5);
        assert!(!checker.is_broken(), "{:?}", checker.violation());
        assert_eq!(checker.most_eating(), 2);
        assert_eq!(checker.moves(), (6, 2));
    }

    #[test]
    fn a_fork_held_twice_is_caught() {
        let checker = ring(5);
        checker.pick_up(1, 1);
        checker.pick_up(2, 1);
        assert!(checker.is_broken());
        let violation = checker.violation().unwrap();
        assert_eq!(violation.what, "fork 1 held by P1 and P2 at once");
        assert!(
            violation
                .to_string()
                .starts_with("fork 1 held by P1 and P2 at once (at ")
        );
    }

    #[test]
    fn two_neighbours_eating_are_caught() {
        // Fed synthetic events: P1 and P2 both "eat", as a broken lock
        // that let each take fork 1 after the other put it down would.
        let checker = ring(5);
        sit_down(&checker, 1, 5);
        checker.put_down(1, 1); // lies: it keeps eating
        checker.pick_up(2, 1);
        checker.pick_up(2, 2);
        checker.eat(2);
        assert_eq!(
            checker.violation().unwrap().what,
            "neighbours P1 and P2 eat at once"
        );
    }

    #[test]
    fn eating_without_both_forks_is_caught() {
        let checker = ring(5);
        checker.pick_up(3, 2);
        checker.eat(3);
        assert_eq!(checker.violation().unwrap().what, "P3 eats without fork 3");
        let checker = pile(5, 2);
        checker.pick_up(3, 0);
        checker.eat(3);
        assert_eq!(
            checker.violation().unwrap().what,
            "P3 eats with 1 fork(s), not 2"
        );
    }

    #[test]
    fn putting_down_what_one_does_not_hold_is_caught() {
        let checker = pile(3, 2);
        checker.put_down(0, 1);
        assert_eq!(
            checker.violation().unwrap().what,
            "P0 put down fork 1, which nobody holds"
        );
        let checker = pile(3, 2);
        checker.pick_up(2, 1);
        checker.put_down(0, 1);
        assert_eq!(
            checker.violation().unwrap().what,
            "P0 put down fork 1, which P2 holds"
        );
        let checker = pile(3, 2);
        checker.pick_up(0, 7);
        assert!(checker.violation().unwrap().what.contains("does not exist"));
    }

    #[test]
    fn more_eaters_than_the_bound_are_caught_and_only_the_first_rule_is_kept() {
        // A pile of 4 lets 2 eat; a third eater means forks were shared,
        // which the book also sees.
        let checker = pile(5, 4);
        for (who, forks) in [(0, [0, 1]), (1, [2, 3])] {
            checker.pick_up(who, forks[0]);
            checker.pick_up(who, forks[1]);
            checker.eat(who);
        }
        assert!(!checker.is_broken());
        assert_eq!(checker.most_eating(), 2);
        checker.pick_up(2, 0);
        checker.eat(2);
        assert_eq!(
            checker.violation().unwrap().what,
            "fork 0 held by P0 and P2 at once"
        );
        assert_eq!(checker.most_eating(), 3);
    }

    #[test]
    fn the_bound_alone_is_checked_too() {
        let checker = Checker::new(
            Rules {
                philosophers: 4,
                forks: 4,
                ring: false,
                bound: 1,
            },
            Instant::now(),
        );
        for who in 0..2 {
            checker.pick_up(who, 2 * who);
            checker.pick_up(who, 2 * who + 1);
            checker.eat(who);
        }
        assert_eq!(
            checker.violation().unwrap().what,
            "2 philosophers eat at once; at most 1 can"
        );
    }
}

//! How an `order` run reads: its lines, its table and its conclusions,
//! computed from the runs' figures.

use std::collections::HashSet;
use std::hash::Hash;

use super::{Config, RunFigures};
use crate::report::{Cell, Table};

/// `1 run`, `2 runs`.
pub(super) fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

pub(super) fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Orders longer than this are shown by their ends: a line or a table
/// cell of thousands of numbers is read by nobody, and a table laid out
/// around one takes time that grows faster than its length. The report's
/// figures keep every order whole.
pub(super) const SHOWN_IN_FULL: usize = 24;

/// `3 1 2`, or for a long order its first and last numbers:
/// `1 2 … 40000 (40000 tasks)`.
pub(super) fn join(order: &[u64]) -> String {
    let words = |part: &[u64]| {
        part.iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(" ")
    };
    if order.len() <= SHOWN_IN_FULL {
        return words(order);
    }
    let (head, tail) = (&order[..16], &order[order.len() - 4..]);
    format!("{} … {} ({} tasks)", words(head), words(tail), order.len())
}

pub(super) fn side_by_side(synced: &[RunFigures], racy: &[RunFigures]) -> Table {
    let mut table = Table::new(
        "finishing order and total, per run",
        [
            "run",
            "order (synchronised)",
            "total (synchronised)",
            "order (racy)",
            "total (racy)",
            "lost (racy)",
        ],
    )
    .with_id("runs");
    for (s, r) in synced.iter().zip(racy) {
        table.push_row(vec![
            Cell::from(s.run),
            Cell::from(join(&s.order)),
            Cell::from(s.total),
            Cell::from(join(&r.order)),
            Cell::from(r.total),
            Cell::from(r.lost),
        ]);
    }
    table
}

/// How many different items: linear in their number (hashed), as every
/// step of `order` must be in `--tasks` and `--runs`.
pub(super) fn distinct<T: Hash + Eq>(items: impl Iterator<Item = T>) -> usize {
    items.collect::<HashSet<T>>().len()
}

pub(super) fn conclusions(
    config: &Config,
    expected: u64,
    synced: &[RunFigures],
    racy: &[RunFigures],
) -> Vec<String> {
    let mut lines = Vec::new();
    let orders = distinct(synced.iter().map(|r| &r.order));
    let all_equal = synced.iter().all(|r| r.total == expected);
    lines.push(if all_equal {
        format!(
            "Synchronised: {} in {}, and every total is {expected}: a different order, the same outcome.",
            plural(orders, "different finishing order"),
            plural(synced.len(), "run")
        )
    } else {
        format!("Synchronised: a total differs from {expected}; this is a bug in the lab.")
    });
    if orders == 1 && synced.len() > 1 {
        lines.push("Every run finished in the same order this time; more tasks or runs make the orders vary.".into());
    }
    let losing = racy.iter().filter(|r| r.lost > 0).count();
    let totals = distinct(racy.iter().map(|r| r.total));
    if losing > 0 {
        let min = racy.iter().map(|r| r.total).min().unwrap_or(0);
        let max = racy.iter().map(|r| r.total).max().unwrap_or(0);
        lines.push(format!(
            "Racy: {losing} of {} lost updates ({}, from {min} to {max}, expected {expected}): a read-then-write is two steps, and a write by another thread in between is overwritten.",
            plural(racy.len(), "run"),
            plural(totals, "different total")
        ));
    } else {
        lines.push(format!(
            "Racy: no update was lost this time, but the race is there: another thread may write between the read and the write{}.",
            if config.workers < 2 {
                " (with one worker, tasks rarely overlap)"
            } else {
                "; more steps make it show"
            }
        ));
    }
    lines
}

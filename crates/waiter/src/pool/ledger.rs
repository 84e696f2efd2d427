//! Where panics nobody read end up, so no failure is lost silently.
//!
//! A task's panic normally travels back through its handle. If the handle was
//! dropped before reading it, whoever ends the task (the runner, or the
//! dropping handle, whichever comes second) records it here under the
//! owning pool's (or scope's) id. [`Pool::shutdown`](super::Pool::shutdown)
//! returns the records; dropping the pool logs them with [`log::warn!`]. A
//! record for an owner that no longer exists is logged at once.
//!
//! This is a process-wide map behind a plain mutex: it is touched only when a
//! panic went unread, never on the hot path, and it keeps tasks free of a
//! reference back to their pool.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use super::error::{LostPanic, TaskId};

static LEDGER: Mutex<BTreeMap<u64, Vec<LostPanic>>> = Mutex::new(BTreeMap::new());
static NEXT_OWNER: AtomicU64 = AtomicU64::new(1);

fn ledger() -> std::sync::MutexGuard<'static, BTreeMap<u64, Vec<LostPanic>>> {
    LEDGER.lock().unwrap_or_else(|poison| poison.into_inner())
}

/// Opens a ledger page for a new pool or scope and returns its id.
pub(crate) fn open() -> u64 {
    let owner = NEXT_OWNER.fetch_add(1, Ordering::Relaxed);
    ledger().insert(owner, Vec::new());
    owner
}

/// Records an unread failure (a panic, or a process task's error) of task
/// `task` of `owner`.
pub(crate) fn record(owner: u64, task: TaskId, name: Option<&str>, message: String) {
    let lost = LostPanic {
        task,
        name: name.map(str::to_owned),
        message,
    };
    let mut pages = ledger();
    match pages.get_mut(&owner) {
        Some(page) => page.push(lost),
        None => {
            drop(pages);
            log::warn!("waiter: {lost} (its handle was dropped unread)");
        }
    }
}

/// Takes what was recorded for `owner` so far; the page stays open.
pub(crate) fn take(owner: u64) -> Vec<LostPanic> {
    ledger()
        .get_mut(&owner)
        .map(std::mem::take)
        .unwrap_or_default()
}

/// Closes `owner`'s page and returns what was left on it.
pub(crate) fn close(owner: u64) -> Vec<LostPanic> {
    ledger().remove(&owner).unwrap_or_default()
}

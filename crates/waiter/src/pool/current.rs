//! What the current thread is to the pools: the one place that knows whether
//! it is a worker, of which pool, and whether its tasks' panics are quiet.
//!
//! A leaf module (it imports nothing from the pool), so the handle, the scope
//! and the worker loop can all ask it without depending on each other.

use std::cell::Cell;

#[cfg(not(loom))]
std::thread_local! {
    /// The id of the pool this thread works for; 0 on other threads.
    static WORKER_OF: Cell<u64> = const { Cell::new(0) };
    /// Whether a panic on this thread skips the panic hook's report.
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

// loom's macro takes no `const` block, and its threads need its own locals.
#[cfg(loom)]
loom::thread_local! {
    static WORKER_OF: Cell<u64> = Cell::new(0);
    static QUIET: Cell<bool> = Cell::new(false);
}

/// Marks the current thread as a worker of pool `pool` for the rest of its
/// life; `quiet` says whether panics of its tasks skip the panic hook.
pub(crate) fn become_worker(pool: u64, quiet: bool) {
    WORKER_OF.with(|id| id.set(pool));
    // Under loom a panic hook reading loom's thread locals would itself
    // panic outside a model; the models print nothing anyway.
    #[cfg(not(loom))]
    if quiet {
        install_quiet_hook();
    }
    QUIET.with(|flag| flag.set(quiet));
}

/// Whether the current thread is a worker of pool `pool`. A wait on such a
/// thread may run a pending task of that pool inline instead of blocking;
/// a task of another pool it leaves to that pool's workers, so no wait
/// lends one pool's threads to another (and breaks its worker limit).
pub(crate) fn is_worker_of(pool: u64) -> bool {
    WORKER_OF.with(|id| id.get() == pool && pool != 0)
}

#[cfg(not(loom))]
/// Wraps the process's panic hook, once, so that it stays silent on threads
/// marked quiet. A panic caught in a task is returned through its handle (and
/// logged if nobody reads it), so printing it at the moment it happens is
/// noise; Python's executors behave the same. Other threads keep the hook
/// they had, and a hook installed later replaces this one (and its quiet).
fn install_quiet_hook() {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            // `try_with`: a panic while thread locals are torn down still
            // reaches the previous hook.
            if !QUIET.try_with(Cell::get).unwrap_or(false) {
                previous(info);
            }
        }));
    });
}

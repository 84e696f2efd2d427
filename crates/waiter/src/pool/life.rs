//! What a pool's workers share about the pool's life: how many are alive
//! (for [`Pool::shutdown_timeout`](super::Pool::shutdown_timeout)), and
//! whether the pool is broken (an initializer failed).

use std::sync::OnceLock;
use std::time::Instant;

use crate::sync::{Condvar, Mutex, lock};

#[derive(Default)]
pub(crate) struct PoolLife {
    alive: Mutex<usize>,
    exited: Condvar,
    broken: OnceLock<String>,
}

/// Counts a worker as alive until dropped (also when its thread unwinds).
pub(crate) struct Alive(std::sync::Arc<PoolLife>);

impl PoolLife {
    /// Counts a worker about to be spawned; the returned guard, moved into
    /// its thread, uncounts it when the thread ends (or at once if the
    /// spawn fails and the guard is dropped).
    pub(crate) fn worker_spawned(self: &std::sync::Arc<Self>) -> Alive {
        *lock(&self.alive) += 1;
        Alive(std::sync::Arc::clone(self))
    }

    /// Waits until at most `left_running` workers are alive, or `deadline`
    /// passes; returns whether they were.
    pub(crate) fn wait_exited(&self, left_running: usize, deadline: Instant) -> bool {
        let mut alive = lock(&self.alive);
        while *alive > left_running {
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                return false;
            };
            alive = self
                .exited
                .wait_timeout(alive, left)
                .unwrap_or_else(|poison| poison.into_inner())
                .0;
        }
        true
    }

    /// Marks the pool broken; the first reason stays.
    pub(crate) fn set_broken(&self, reason: String) {
        let _ = self.broken.set(reason);
    }

    pub(crate) fn broken(&self) -> Option<&str> {
        self.broken.get().map(String::as_str)
    }
}

impl Drop for Alive {
    fn drop(&mut self) {
        *lock(&self.0.alive) -= 1;
        self.0.exited.notify_all();
    }
}

//! The end of a run, announced to every philosopher at once.
//!
//! A run ends when its time is up, when the watchdog finds a deadlock, when
//! the invariant breaks or when a philosopher fails. In every case nobody is
//! killed (the note's warning: killing a thread that holds a lock can leave
//! the others waiting forever). Instead the [`Stop`] is set, every sleep on
//! it returns at once, and the strategy's own waits (fork locks, seats,
//! messages) are cancelled by [`Seating::cancel`](super::philosopher::Seating::cancel);
//! each thread then puts its forks back and returns.
//!
//! ## Memory ordering
//!
//! The flag is written under the mutex and also mirrored in an
//! [`AtomicBool`] for cheap checks in loops. The mirror is read with
//! `Acquire` and written with `Release`, but nothing depends on it beyond
//! "stop soon": every wait that must not miss the stop re-checks the flag
//! under the mutex that its wake-up comes through.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// A one-way "the run is over" flag that sleepers wake up on.
#[derive(Debug, Default)]
pub(crate) struct Stop {
    /// When the run was stopped; `None` while it runs.
    at: Mutex<Option<Instant>>,
    woken: Condvar,
    stopped: AtomicBool,
}

impl Stop {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Option<Instant>> {
        self.at.lock().unwrap_or_else(|poison| poison.into_inner())
    }

    /// Whether the run is over.
    pub(crate) fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::Acquire)
    }

    /// Ends the run and wakes every sleeper. Returns `true` for the call
    /// that stopped it, `false` if it was already stopped.
    pub(crate) fn stop(&self) -> bool {
        let mut at = self.lock();
        if at.is_some() {
            return false;
        }
        *at = Some(Instant::now());
        self.stopped.store(true, Ordering::Release);
        self.woken.notify_all();
        true
    }

    /// When the run was stopped.
    pub(crate) fn stopped_at(&self) -> Option<Instant> {
        *self.lock()
    }

    /// Sleeps for `duration`, or less if the run stops meanwhile. Returns
    /// `true` if it slept the whole time.
    pub(crate) fn sleep(&self, duration: Duration) -> bool {
        let Some(deadline) = Instant::now().checked_add(duration) else {
            // Too long for an Instant: until the stop.
            let mut at = self.lock();
            while at.is_none() {
                at = self.woken.wait(at).unwrap_or_else(|p| p.into_inner());
            }
            return false;
        };
        let mut at = self.lock();
        loop {
            if at.is_some() {
                return false;
            }
            let now = Instant::now();
            if now >= deadline {
                return true;
            }
            at = self
                .woken
                .wait_timeout(at, deadline - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sleep_runs_its_course_without_a_stop() {
        let stop = Stop::new();
        let start = Instant::now();
        assert!(stop.sleep(Duration::from_millis(5)));
        assert!(start.elapsed() >= Duration::from_millis(5));
        assert!(!stop.is_stopped());
        assert_eq!(stop.stopped_at(), None);
    }

    #[test]
    fn a_stop_wakes_sleepers_at_once() {
        let stop = Stop::new();
        let start = Instant::now();
        std::thread::scope(|s| {
            let sleeper = s.spawn(|| stop.sleep(Duration::from_secs(30)));
            std::thread::sleep(Duration::from_millis(5));
            assert!(stop.stop());
            assert!(!stop.stop(), "only the first call stops");
            assert!(!sleeper.join().unwrap());
        });
        assert!(start.elapsed() < Duration::from_secs(10));
        assert!(stop.is_stopped());
        assert!(
            !stop.sleep(Duration::from_secs(30)),
            "after the stop, no sleep"
        );
        assert!(!stop.sleep(Duration::MAX));
    }
}

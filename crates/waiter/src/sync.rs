//! One door for every synchronisation primitive the crate uses.
//!
//! Under `--cfg loom` the same names resolve to [loom]'s model-checked
//! versions, so the loom tests exercise the real code paths, not a copy.
//! Everything that could race goes through here. The one exception is
//! `std::sync::Arc`: loom's `Arc` cannot coerce to a trait object, and task
//! references are counted, not raced on; their state word is what loom checks.
//!
//! [loom]: https://docs.rs/loom

#[cfg(not(loom))]
mod imp {
    pub(crate) use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
    pub(crate) use std::sync::{Condvar, Mutex, MutexGuard};

    pub(crate) mod thread {
        pub(crate) use std::thread::{
            Builder, JoinHandle, Thread, current, park, park_timeout, yield_now,
        };
    }

    /// An `UnsafeCell` with loom's closure-based API, so call sites read the
    /// same under both configurations.
    #[derive(Debug)]
    pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

    impl<T> UnsafeCell<T> {
        pub(crate) const fn new(value: T) -> Self {
            Self(std::cell::UnsafeCell::new(value))
        }

        /// Runs `f` with a raw mutable pointer to the contents; the caller
        /// upholds exclusivity, exactly as with `std::cell::UnsafeCell::get`.
        pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
            f(self.0.get())
        }

        /// Runs `f` with a raw shared pointer to the contents; the caller
        /// guarantees nobody writes meanwhile.
        pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
            f(self.0.get())
        }
    }
}

#[cfg(loom)]
mod imp {
    pub(crate) use loom::cell::UnsafeCell;
    pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
    pub(crate) use loom::sync::{Condvar, Mutex, MutexGuard};

    pub(crate) mod thread {
        pub(crate) use loom::thread::{Builder, JoinHandle, Thread, current, park, yield_now};

        /// loom does not model time: a timed park is a yield, and callers
        /// re-check their condition (as they must for spurious wake-ups).
        pub(crate) fn park_timeout(_: std::time::Duration) {
            loom::thread::yield_now();
        }
    }
}

pub(crate) use imp::*;

/// Locks a mutex, ignoring poison: no code in this crate panics while holding
/// a lock (user code never runs under one), so a poisoned lock still guards
/// consistent data.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poison| poison.into_inner())
}

/// How long [`spin_until`] keeps trying.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SpinLimit {
    /// A few hundred spins, no yielding: for a retry that is cheap to give
    /// up on (the caller has a slower way that still works).
    Brief,
    /// Spins, then yields for up to [`PATIENT_FOR`]: about the time a parked
    /// thread takes to be woken on a busy machine. Parking sooner turns a
    /// hand-off between two running threads into a chain of wake-ups, each
    /// paying that latency.
    Patient,
}

#[cfg(not(loom))]
const PATIENT_FOR: std::time::Duration = std::time::Duration::from_micros(20);

/// Tries `done()` until it says yes or `limit` is reached; returns its last
/// answer. Waits that usually end within microseconds (a tiny task, a fork
/// held for a moment) try this before parking, which costs a system call
/// and, on a busy machine, tens of microseconds to wake up from.
pub(crate) fn spin_until(done: impl Fn() -> bool, limit: SpinLimit) -> bool {
    #[cfg(not(loom))]
    {
        let backoff = crossbeam_utils::Backoff::new();
        if limit == SpinLimit::Brief {
            // `Backoff::spin` never completes by itself: count the rounds
            // (1 + 2 + … + 64 spins, about a microsecond in all).
            for _ in 0..7 {
                if done() {
                    return true;
                }
                backoff.spin();
            }
        } else {
            while !backoff.is_completed() {
                if done() {
                    return true;
                }
                backoff.snooze();
            }
            let start = std::time::Instant::now();
            while start.elapsed() < PATIENT_FOR {
                if done() {
                    return true;
                }
                std::thread::yield_now();
            }
        }
    }
    #[cfg(loom)]
    let _ = limit;
    done()
}

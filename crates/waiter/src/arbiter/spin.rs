//! When a caller that must wait spins, and when it parks at once.
//!
//! Spinning pays only while the holder it waits for runs on another core:
//! then the units come back within a moment, sooner than a park and a
//! wake-up. With more runnable threads than cores the holder is often not
//! running, and a spinner takes the very core it needs; a spinner that
//! yields gives its slice to whatever else is runnable, and pays a context
//! switch each time. Measured with 2 and 8 threads on 2 busy cores, nine
//! tenths of the waiter's CPU time went to spinning and yielding.
//!
//! So, as `parking_lot`'s mutex spins only while nobody is parked, a waiting
//! caller here spins only if it gets one of `cores - 1` spinning places (a
//! core is left for a holder; none on one core), only briefly (about a
//! microsecond, never yielding), and parks after that. Everybody else parks
//! at once. The places are a count per waiter; they change only how long a
//! caller waits before parking, never what it is granted.

#[cfg(not(loom))]
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::sync::{SpinLimit, spin_until};

/// The spinning places of one waiter.
pub(crate) struct Spinners {
    /// Callers spinning now (a heuristic: not part of the loom models,
    /// which never spin).
    #[cfg(not(loom))]
    spinning: AtomicUsize,
    #[cfg(not(loom))]
    places: usize,
}

impl Spinners {
    /// `cores - 1` places, from `available_parallelism` (1 if unknown).
    pub(crate) fn new() -> Self {
        #[cfg(not(loom))]
        {
            // Read once: it may read cgroup files each time.
            static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
            let cores =
                *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, usize::from));
            Self::with_places(cores - 1)
        }
        #[cfg(loom)]
        Self {}
    }

    #[cfg(not(loom))]
    fn with_places(places: usize) -> Self {
        Self {
            spinning: AtomicUsize::new(0),
            places,
        }
    }

    /// Tries `done()` for a moment if a spinning place is free, else once;
    /// returns its last answer.
    pub(crate) fn spin_until(&self, done: impl Fn() -> bool) -> bool {
        #[cfg(not(loom))]
        {
            let Some(_place) = self.take_place() else {
                return done();
            };
            spin_until(done, SpinLimit::Brief)
        }
        #[cfg(loom)]
        spin_until(done, SpinLimit::Brief)
    }

    /// A free place, given back when dropped (also if `done` panics).
    #[cfg(not(loom))]
    fn take_place(&self) -> Option<Place<'_>> {
        self.spinning
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |spinning| {
                (spinning < self.places).then_some(spinning + 1)
            })
            .ok()
            .map(|_| Place(self))
    }
}

/// A spinning place held.
#[cfg(not(loom))]
struct Place<'a>(&'a Spinners);

#[cfg(not(loom))]
impl Drop for Place<'_> {
    fn drop(&mut self) {
        self.0.spinning.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::cell::Cell;

    use super::Spinners;

    #[test]
    fn a_caller_without_a_place_tries_once() {
        let spinners = Spinners::with_places(0);
        let tries = Cell::new(0);
        assert!(!spinners.spin_until(|| {
            tries.set(tries.get() + 1);
            false
        }));
        assert_eq!(tries.get(), 1);
    }

    #[test]
    fn a_caller_with_a_place_tries_again_and_gives_the_place_back() {
        let spinners = Spinners::with_places(1);
        let tries = Cell::new(0);
        assert!(spinners.spin_until(|| {
            tries.set(tries.get() + 1);
            tries.get() == 3
        }));
        assert_eq!(tries.get(), 3);
        // The place is free again: a nested spinner would have none while
        // the outer one holds it.
        let inner_tries = Cell::new(0);
        let outer = spinners.spin_until(|| {
            assert!(!spinners.spin_until(|| {
                inner_tries.set(inner_tries.get() + 1);
                false
            }));
            true
        });
        assert!(outer);
        assert_eq!(inner_tries.get(), 1, "the only place was taken");
        assert_eq!(
            spinners.spinning.load(std::sync::atomic::Ordering::Relaxed),
            0
        );
    }

    #[test]
    fn a_panic_while_spinning_gives_the_place_back() {
        let spinners = Spinners::with_places(1);
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            spinners.spin_until(|| panic!("a waker panicked"))
        }));
        assert!(panicked.is_err());
        assert_eq!(
            spinners.spinning.load(std::sync::atomic::Ordering::Relaxed),
            0
        );
    }
}

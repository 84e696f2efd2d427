//! A simulated global interpreter lock, to *show* what the note says about
//! the GIL: "Python doesn't run 2 threads in one process at same time", yet
//! threads still help by overlapping waits.
//!
//! The design (CPython's switch-interval GIL, 3.2+) is written up in this
//! module's `README.md`. In short: threads registered with a [`Gil`] do work
//! only while holding it and call [`Python::tick`] between small steps; a
//! thread waiting longer than the switch interval sets a drop request, and
//! the holder yields at its next tick; [`Python::blocking`] releases the
//! GIL around a blocking call.
//!
//! ```
//! use std::time::Duration;
//! use waiter::gil::Gil;
//!
//! let gil = Gil::new(Duration::from_millis(5));
//! std::thread::scope(|s| {
//!     s.spawn(|| gil.run("cpu", |py| {
//!         let mut x = 0u64;
//!         for i in 0..200_000u64 {
//!             x = x.wrapping_add(i * i);
//!             py.tick(); // the eval breaker: yield if asked
//!         }
//!         x
//!     }));
//!     s.spawn(|| gil.run("io", |py| {
//!         // Sleeping releases the GIL, as a blocking read does in CPython.
//!         py.blocking(|| std::thread::sleep(Duration::from_millis(10)));
//!     }));
//! });
//! let stats = gil.stats();
//! assert!(stats.holds >= 2);
//! ```

use std::fmt;
use std::time::{Duration, Instant};

use crate::sync::{
    AtomicBool, AtomicU64, Condvar, Mutex, MutexGuard, Ordering, SpinLimit, lock, spin_until,
};

/// CPython's default switch interval, `sys.getswitchinterval()`: 5 ms.
pub const DEFAULT_SWITCH_INTERVAL: Duration = Duration::from_millis(5);

/// A period during which one thread held the GIL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hold {
    /// The thread's index, in registration order.
    pub thread: usize,
    /// When it took the GIL, from the GIL's creation.
    pub start: Duration,
    /// When it let go.
    pub end: Duration,
}

/// A period during which a thread waited to take the GIL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wait {
    /// The thread's index.
    pub thread: usize,
    /// When it started waiting.
    pub start: Duration,
    /// When it got the GIL.
    pub end: Duration,
}

/// A wake-up that found the GIL taken: the thread wanted it, woke up (its
/// turn was signalled, or its interval passed), and another thread held it,
/// so it went back to waiting. In the thread visualisations that made the
/// convoy effect famous, these are the red marks ("busy retry"): each is a
/// context switch the waiting thread paid for nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailedTake {
    /// The thread's index.
    pub thread: usize,
    /// When it woke and found the GIL taken, from the GIL's creation.
    pub at: Duration,
    /// Whether it was woken by a release (and lost the race to another
    /// thread), rather than by its interval running out.
    pub signalled: bool,
}

/// Counts over a GIL's life.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GilStats {
    /// Times the GIL was taken.
    pub holds: u64,
    /// Times it was taken by another thread than the last holder.
    pub switches: u64,
    /// Times a holder dropped it because a waiter asked (rule 3).
    pub forced_drops: u64,
    /// Wake-ups that found it taken (see [`FailedTake`]).
    pub failed_takes: u64,
}

struct State {
    /// Who holds it, if anyone.
    holder: Option<usize>,
    /// Who held it last (for `FORCE_SWITCHING` and switch counting).
    last_holder: Option<usize>,
    /// A waiter asked the holder to drop it.
    drop_request: bool,
    /// Bumped on each change of hands; a waiter whose interval passed with
    /// no switch sets `drop_request`.
    switch_number: u64,
    held_since: Duration,
    /// Forced droppers waiting on `taken` for someone else to take it.
    switch_waiters: usize,
    /// Threads waiting on `released` to take it.
    takers: usize,
    threads: Vec<String>,
    holds: Vec<Hold>,
    waits: Vec<Wait>,
    failed_takes: Vec<FailedTake>,
    stats: GilStats,
}

/// A simulated global interpreter lock; see the [module docs](self).
pub struct Gil {
    state: Mutex<State>,
    /// Signalled when the GIL is dropped.
    released: Condvar,
    /// Signalled when it is taken (a forced dropper waits for this).
    taken: Condvar,
    interval: Duration,
    epoch: Instant,
    /// Mirrors `State::drop_request` so [`Python::tick`] costs one atomic
    /// load while nobody asks (CPython's `eval_breaker`).
    eval_breaker: AtomicBool,
    /// Bumped each time the GIL is dropped: an asker watches it.
    drops: AtomicU64,
}

impl Gil {
    /// A GIL with this switch interval (CPython: `sys.setswitchinterval`).
    pub fn new(interval: Duration) -> Self {
        Self {
            state: Mutex::new(State {
                holder: None,
                last_holder: None,
                drop_request: false,
                switch_number: 0,
                held_since: Duration::ZERO,
                switch_waiters: 0,
                takers: 0,
                threads: Vec::new(),
                holds: Vec::new(),
                waits: Vec::new(),
                failed_takes: Vec::new(),
                stats: GilStats::default(),
            }),
            released: Condvar::new(),
            taken: Condvar::new(),
            interval: interval.max(Duration::from_micros(1)),
            epoch: Instant::now(),
            eval_breaker: AtomicBool::new(false),
            drops: AtomicU64::new(0),
        }
    }

    /// The switch interval.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// Runs `f` on the calling thread as a Python thread named `name`: it
    /// takes the GIL first, gives `f` a [`Python`] token, and drops the GIL
    /// when `f` returns (or panics).
    pub fn run<R>(&self, name: &str, f: impl FnOnce(&mut Python<'_>) -> R) -> R {
        let index = {
            let mut state = lock(&self.state);
            state.threads.push(name.to_owned());
            state.threads.len() - 1
        };
        let mut python = Python {
            gil: self,
            index,
            holding: false,
        };
        python.take();
        f(&mut python)
    }

    /// Counts so far.
    pub fn stats(&self) -> GilStats {
        lock(&self.state).stats
    }

    /// Every hold so far, in order.
    pub fn holds(&self) -> Vec<Hold> {
        lock(&self.state).holds.clone()
    }

    /// Every wait for the GIL so far, in the order they ended.
    pub fn waits(&self) -> Vec<Wait> {
        lock(&self.state).waits.clone()
    }

    /// Every wake-up that found the GIL taken so far, in order.
    pub fn failed_takes(&self) -> Vec<FailedTake> {
        lock(&self.state).failed_takes.clone()
    }

    /// The registered threads' names, by index.
    pub fn threads(&self) -> Vec<String> {
        lock(&self.state).threads.clone()
    }

    fn now(&self) -> Duration {
        self.epoch.elapsed()
    }

    fn wait_released<'a>(
        &self,
        state: MutexGuard<'a, State>,
        timeout: Duration,
    ) -> (MutexGuard<'a, State>, bool) {
        let (state, result) = self
            .released
            .wait_timeout(state, timeout)
            .unwrap_or_else(|poison| poison.into_inner());
        (state, result.timed_out())
    }
}

impl fmt::Debug for Gil {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Gil")
            .field("interval", &self.interval)
            .field("stats", &self.stats())
            .finish()
    }
}

/// A registered thread's token: proof it may run "bytecode" (it holds the
/// GIL, except inside [`blocking`](Python::blocking)). Named after PyO3's.
pub struct Python<'gil> {
    gil: &'gil Gil,
    index: usize,
    holding: bool,
}

impl Python<'_> {
    /// This thread's index in the GIL's records.
    pub fn index(&self) -> usize {
        self.index
    }

    /// The eval breaker: call between small steps of work. If another
    /// thread asked for the GIL (it waited a whole interval), drops it, waits
    /// until someone else has taken it, and queues to take it back.
    pub fn tick(&mut self) {
        let gil = self.gil;
        if !gil.eval_breaker.load(Ordering::Acquire) {
            return;
        }
        let mut state = lock(&gil.state);
        if !state.drop_request {
            return;
        }
        state.stats.forced_drops += 1;
        state = self.drop_locked(state);
        // FORCE_SWITCHING: do not grab it straight back.
        while state.last_holder == Some(self.index) && state.holder.is_none() {
            state.switch_waiters += 1;
            state = gil
                .taken
                .wait(state)
                .unwrap_or_else(|poison| poison.into_inner());
            state.switch_waiters -= 1;
        }
        drop(state);
        self.take();
    }

    /// Runs a blocking call (I/O, sleep) with the GIL released, and takes it
    /// back afterwards (CPython's `Py_BEGIN_ALLOW_THREADS`).
    pub fn blocking<R>(&mut self, f: impl FnOnce() -> R) -> R {
        let state = lock(&self.gil.state);
        drop(self.drop_locked(state));
        // Take it back even if `f` panics.
        struct Retake<'a, 'gil>(&'a mut Python<'gil>);
        impl Drop for Retake<'_, '_> {
            fn drop(&mut self) {
                self.0.take();
            }
        }
        let _retake = Retake(self);
        f()
    }

    /// Takes the GIL: waits an interval at a time; after an interval with no
    /// switch, asks the holder to drop it.
    fn take(&mut self) {
        let gil = self.gil;
        let mut state = lock(&gil.state);
        let asked_at = gil.now();
        let mut waited = false;
        // Why the thread last woke, once it has slept: `Some(signalled)`.
        let mut woke: Option<bool> = None;
        while state.holder.is_some() {
            if let Some(signalled) = woke {
                // Awake, wanting the GIL, and someone else has it.
                let at = gil.now();
                state.failed_takes.push(FailedTake {
                    thread: self.index,
                    at,
                    signalled,
                });
                state.stats.failed_takes += 1;
            }
            waited = true;
            let switches = state.switch_number;
            state.takers += 1;
            let (next, timed_out) = gil.wait_released(state, gil.interval);
            state = next;
            state.takers -= 1;
            woke = Some(!timed_out);
            if timed_out && state.holder.is_some() && state.switch_number == switches {
                state.drop_request = true;
                gil.eval_breaker.store(true, Ordering::Release);
                // The asker is awake when the holder answers (a
                // CPU-bound holder answers within microseconds), so it
                // usually takes the GIL before a sleeping waiter wakes:
                // a condition variable's signal goes to whoever runs
                // first, not to the longest waiter. Stay awake a moment.
                let drops = gil.drops.load(Ordering::Acquire);
                drop(state);
                spin_until(
                    || gil.drops.load(Ordering::Acquire) != drops,
                    SpinLimit::Patient,
                );
                state = lock(&gil.state);
            }
        }
        let now = gil.now();
        if waited {
            state.waits.push(Wait {
                thread: self.index,
                start: asked_at,
                end: now,
            });
        }
        state.holder = Some(self.index);
        state.stats.holds += 1;
        if state.last_holder != Some(self.index) {
            state.switch_number += 1;
            if state.last_holder.is_some() {
                state.stats.switches += 1;
            }
        }
        state.last_holder = Some(self.index);
        // The request was for whoever held it; it is served.
        state.drop_request = false;
        gil.eval_breaker.store(false, Ordering::Release);
        state.held_since = now;
        self.holding = true;
        // Signal a forced dropper only if one waits: a system call here
        // slows every taker, and a thread that takes the GIL back after a
        // short blocking call (a write) must be as quick as CPython's,
        // whose signal to a condition variable nobody waits on costs
        // nothing. Slower, it loses every race to the woken CPU-bound
        // thread, and each lost race costs an interval (the convoy
        // triples).
        let forced_dropper_waits = state.switch_waiters > 0;
        drop(state);
        if forced_dropper_waits {
            gil.taken.notify_all();
        }
    }

    fn drop_locked<'a>(&mut self, mut state: MutexGuard<'a, State>) -> MutexGuard<'a, State> {
        if !self.holding {
            return state;
        }
        assert_eq!(
            state.holder,
            Some(self.index),
            "the GIL was held by someone else"
        );
        let now = self.gil.now();
        let start = state.held_since;
        state.holds.push(Hold {
            thread: self.index,
            start,
            end: now,
        });
        state.holder = None;
        self.holding = false;
        self.gil.drops.fetch_add(1, Ordering::Release);
        // Like a condition variable nobody waits on, a release nobody
        // waits for costs no system call (see `take`).
        if state.takers > 0 {
            self.gil.released.notify_one();
        }
        state
    }
}

impl Drop for Python<'_> {
    fn drop(&mut self) {
        let state = lock(&self.gil.state);
        drop(self.drop_locked(state));
    }
}

impl fmt::Debug for Python<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Python")
            .field("index", &self.index)
            .field("holding", &self.holding)
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod test;

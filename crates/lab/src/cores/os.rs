//! What the operating system tells about one thread: its CPU clock and its
//! context switches.
//!
//! Wall-clock time says how long something took; it cannot say whether a
//! thread was *on a core* or *waiting for one*. Only the kernel knows, and
//! it keeps two counters per thread that answer exactly the note's "each
//! core runs one thread at a time; the OS time-slices the threads and
//! checkpoints their state":
//!
//! - the thread's **CPU clock**: nanoseconds spent on a core. A thread that
//!   wants to run but gets 40 % of the wall time was waiting for a core the
//!   other 60 %;
//! - its **involuntary context switches**: how many times the scheduler
//!   took the core away (the slice ran out, someone else's turn) and saved
//!   the thread's state to resume it later. *Voluntary* switches are the
//!   thread giving the core up itself (a sleep, a lock, a read).
//!
//! On Linux, the CPU clock is `pthread_getcpuclockid` + `clock_gettime`,
//! which another thread can read while this one runs (the sampler does),
//! and is exact to the nanosecond; `/proc/self/task/<tid>/schedstat` holds
//! the same number but is only brought up to date at scheduler ticks. The
//! switch counts come from `getrusage(RUSAGE_THREAD)`, read by the thread
//! itself. Elsewhere these are `None`, shown as "not available on this OS":
//! never a made-up zero.
//!
//! ```
//! use waiter_lab::cores::os::{ThreadClock, thread_usage};
//!
//! if let Some(clock) = ThreadClock::current() {
//!     let before = clock.read().unwrap();
//!     waiter_lab::work::spin(1_000_000);
//!     assert!(clock.read().unwrap() >= before);
//! }
//! if let Some(usage) = thread_usage() {
//!     let _switches = usage.involuntary; // the core taken away this often
//! }
//! ```

use std::time::Duration;

/// A thread's resource use so far, as the kernel counts it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// User plus system CPU time.
    pub cpu: Duration,
    /// Times the scheduler took the core away (preemption).
    pub involuntary: u64,
    /// Times the thread gave the core up itself (it blocked).
    pub voluntary: u64,
}

impl Usage {
    /// What happened between `earlier` and `self` (saturating).
    pub fn since(&self, earlier: &Usage) -> Usage {
        Usage {
            cpu: self.cpu.saturating_sub(earlier.cpu),
            involuntary: self.involuntary.saturating_sub(earlier.involuntary),
            voluntary: self.voluntary.saturating_sub(earlier.voluntary),
        }
    }
}

/// Whether this OS gives per-thread CPU clocks and switch counts.
pub const AVAILABLE: bool = cfg!(target_os = "linux");

/// The words shown where a number is not available here.
pub const NOT_AVAILABLE: &str = "not available on this OS";

/// A handle on one thread's CPU clock, readable from any thread while that
/// thread is alive.
///
/// Reading it after the thread has exited returns `None` (the kernel
/// refuses the clock); the experiment keeps its threads alive until it is
/// done reading.
#[derive(Clone, Copy, Debug)]
pub struct ThreadClock {
    #[cfg(target_os = "linux")]
    id: libc::clockid_t,
}

#[cfg(target_os = "linux")]
impl ThreadClock {
    /// The calling thread's CPU clock, or `None` if the OS has none.
    pub fn current() -> Option<Self> {
        let mut id: libc::clockid_t = 0;
        // SAFETY: `pthread_self()` is the calling thread, alive for the
        // call; `id` is a valid, writable `clockid_t`.
        let status = unsafe { libc::pthread_getcpuclockid(libc::pthread_self(), &mut id) };
        (status == 0).then_some(Self { id })
    }

    /// CPU time the thread has used so far.
    pub fn read(&self) -> Option<Duration> {
        let mut now = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `now` is a valid, writable `timespec`. A clock id whose
        // thread is gone makes the call fail with EINVAL; it never touches
        // other memory.
        let status = unsafe { libc::clock_gettime(self.id, &mut now) };
        if status != 0 {
            return None;
        }
        let secs = u64::try_from(now.tv_sec).ok()?;
        let nanos = u32::try_from(now.tv_nsec).ok()?;
        Some(Duration::new(secs, nanos))
    }
}

#[cfg(not(target_os = "linux"))]
impl ThreadClock {
    /// The calling thread's CPU clock: not available on this OS.
    pub fn current() -> Option<Self> {
        None
    }

    /// CPU time the thread has used so far: not available on this OS.
    pub fn read(&self) -> Option<Duration> {
        None
    }
}

/// The calling thread's resource use so far (`getrusage(RUSAGE_THREAD)`),
/// or `None` if the OS does not count per thread.
#[cfg(target_os = "linux")]
pub fn thread_usage() -> Option<Usage> {
    // SAFETY: `rusage` is plain old data (integers and timevals), for
    // which all zero bytes is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is a valid, writable `rusage`; RUSAGE_THREAD asks
    // about the calling thread only.
    let status = unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut usage) };
    if status != 0 {
        return None;
    }
    let time = |t: libc::timeval| {
        let secs = u64::try_from(t.tv_sec).unwrap_or(0);
        let micros = u64::try_from(t.tv_usec).unwrap_or(0);
        Duration::from_secs(secs) + Duration::from_micros(micros)
    };
    Some(Usage {
        cpu: time(usage.ru_utime) + time(usage.ru_stime),
        involuntary: u64::try_from(usage.ru_nivcsw).unwrap_or(0),
        voluntary: u64::try_from(usage.ru_nvcsw).unwrap_or(0),
    })
}

/// The calling thread's resource use: not available on this OS.
#[cfg(not(target_os = "linux"))]
pub fn thread_usage() -> Option<Usage> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_differences_saturate() {
        let early = Usage {
            cpu: Duration::from_millis(5),
            involuntary: 3,
            voluntary: 9,
        };
        let late = Usage {
            cpu: Duration::from_millis(8),
            involuntary: 10,
            voluntary: 9,
        };
        assert_eq!(
            late.since(&early),
            Usage {
                cpu: Duration::from_millis(3),
                involuntary: 7,
                voluntary: 0
            }
        );
        assert_eq!(early.since(&late).involuntary, 0);
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn linux_counts_cpu_time_per_thread() {
        let clock = ThreadClock::current().expect("Linux has thread CPU clocks");
        let before = clock.read().unwrap();
        let usage_before = thread_usage().expect("Linux counts per thread");
        crate::work::spin(5_000_000);
        let after = clock.read().unwrap();
        assert!(after > before);
        let usage = thread_usage().unwrap().since(&usage_before);
        assert!(usage.cpu <= after - before + Duration::from_millis(20));
        // Another thread can read this thread's clock.
        let seen = std::thread::spawn(move || clock.read()).join().unwrap();
        assert!(seen.unwrap() >= after);
    }

    #[test]
    #[cfg(not(target_os = "linux"))]
    fn elsewhere_nothing_is_made_up() {
        assert!(ThreadClock::current().is_none());
        assert!(thread_usage().is_none());
    }
}

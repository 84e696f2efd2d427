//! CPU time of this process and of the children it has waited for.
//!
//! Wall time says how long a mode took; CPU time says how many cores it
//! kept busy meanwhile: CPU ÷ wall ≈ 2 means two cores computed at once,
//! ≈ 1 one core at a time (the GIL), ≈ 0 nobody (waiting). The numbers are
//! `getrusage(RUSAGE_SELF)` (every thread of this process, the tokio
//! blocking pool included) plus `getrusage(RUSAGE_CHILDREN)` (worker
//! processes, counted once they have exited and been waited for, which
//! dropping a [`ProcessPool`](waiter::ProcessPool) does). The Python
//! baseline measures its own rows the same way. Elsewhere than Linux the
//! numbers are `None`, shown as "not available on this OS".
//!
//! ```
//! use waiter_lab::gil::usage::cpu_time;
//!
//! if let (Some(before), Some(after)) = (cpu_time(), cpu_time()) {
//!     assert!(after >= before);
//! }
//! ```

use std::time::Duration;

/// The words shown where this OS gives no number.
pub const NOT_AVAILABLE: &str = "not available on this OS";

/// User + system CPU time of this process's threads and of its
/// waited-for children so far, or `None` if this OS does not say.
#[cfg(target_os = "linux")]
pub fn cpu_time() -> Option<Duration> {
    Some(usage(libc::RUSAGE_SELF)? + usage(libc::RUSAGE_CHILDREN)?)
}

/// CPU time: not available on this OS.
#[cfg(not(target_os = "linux"))]
pub fn cpu_time() -> Option<Duration> {
    None
}

#[cfg(target_os = "linux")]
fn usage(who: libc::c_int) -> Option<Duration> {
    // SAFETY: `rusage` is plain old data (integers and timevals), for
    // which all zero bytes is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is a valid, writable `rusage`; `who` is
    // RUSAGE_SELF or RUSAGE_CHILDREN.
    if unsafe { libc::getrusage(who, &mut usage) } != 0 {
        return None;
    }
    let time = |t: libc::timeval| {
        Duration::from_secs(u64::try_from(t.tv_sec).unwrap_or(0))
            + Duration::from_micros(u64::try_from(t.tv_usec).unwrap_or(0))
    };
    Some(time(usage.ru_utime) + time(usage.ru_stime))
}

/// The CPU time the whole machine spent busy so far (every process: user,
/// nice, system, interrupts, steal), from `/proc/stat`; `None` elsewhere.
#[cfg(target_os = "linux")]
pub fn machine_busy() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let fields: Vec<u64> = stat
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    // user nice system idle iowait irq softirq steal
    let busy: u64 = [0, 1, 2, 5, 6, 7]
        .iter()
        .filter_map(|&i| fields.get(i))
        .sum();
    // SAFETY: sysconf has no preconditions; it reads a system constant.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    let ticks = u64::try_from(ticks).ok().filter(|&t| t > 0)?;
    Some(Duration::from_nanos(
        busy.saturating_mul(1_000_000_000 / ticks),
    ))
}

/// Elsewhere the machine's busy time is not known.
#[cfg(not(target_os = "linux"))]
pub fn machine_busy() -> Option<Duration> {
    None
}

/// How much of the machine other processes used while `f` ran: their CPU
/// time ÷ (wall time × CPUs), from 0 to 1; `None` where the OS does not say.
pub fn others_share<T>(cpus: usize, f: impl FnOnce() -> T) -> (T, Option<f64>) {
    let before = (machine_busy(), cpu_time());
    let start = std::time::Instant::now();
    let value = f();
    let wall = start.elapsed();
    let share = match (before, (machine_busy(), cpu_time())) {
        ((Some(m0), Some(o0)), (Some(m1), Some(o1))) => {
            let others = m1.saturating_sub(m0).saturating_sub(o1.saturating_sub(o0));
            let capacity = wall.as_secs_f64() * cpus.max(1) as f64;
            (capacity > 0.0).then(|| (others.as_secs_f64() / capacity).min(1.0))
        }
        _ => None,
    };
    (value, share)
}

/// Measures `f`'s wall time and the CPU time used meanwhile (by every
/// thread of the process, and by children waited for within `f`).
pub fn measure<T>(f: impl FnOnce() -> T) -> (T, Duration, Option<Duration>) {
    let cpu_before = cpu_time();
    let start = std::time::Instant::now();
    let value = f();
    let wall = start.elapsed();
    let cpu = match (cpu_before, cpu_time()) {
        (Some(before), Some(after)) => Some(after.saturating_sub(before)),
        _ => None,
    };
    (value, wall, cpu)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(target_os = "linux")]
    fn computing_costs_cpu_and_sleeping_does_not() {
        let ((), wall, cpu) = measure(|| crate::work::spin(20_000_000));
        assert!(cpu.unwrap() > Duration::ZERO && wall > Duration::ZERO);
        let ((), _, slept) = measure(|| std::thread::sleep(Duration::from_millis(20)));
        // Other tests run beside this one: only check it is a number.
        assert!(slept.is_some());
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn the_machine_is_at_least_as_busy_as_this_process() {
        let before = machine_busy().unwrap();
        crate::work::spin(50_000_000);
        assert!(machine_busy().unwrap() >= before);
        let ((), share) = others_share(2, || std::thread::sleep(Duration::from_millis(20)));
        let share = share.unwrap();
        assert!((0.0..=1.0).contains(&share), "{share}");
    }

    #[test]
    #[cfg(not(target_os = "linux"))]
    fn elsewhere_nothing_is_made_up() {
        assert!(cpu_time().is_none());
    }
}

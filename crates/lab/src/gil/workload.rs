//! The work: CPU-bound units (count primes), I/O-bound units (a blocking
//! wait), and the three workloads made of two units each.
//!
//! Every workload has exactly **two units of work**, so "two threads" and
//! "two processes" are the note's comparison and *sequential* is both
//! units one after the other:
//!
//! | workload | units | the note |
//! |---|---|---|
//! | [`Workload::Cpu`] | count primes, twice | `complex_calculation`, twice |
//! | [`Workload::Io`] | a blocking wait, twice | `ask_user`, twice |
//! | [`Workload::Mixed`] | a wait, then primes | `ask_user` + `complex_calculation` |
//!
//! The CPU unit counts the primes below a bound by trial division: pure
//! computation, no memory traffic, the same algorithm in Rust and in the
//! Python baseline. Its bound is [calibrated](calibrate) so that one unit
//! takes a chosen time on this machine (CPython is tens of times slower
//! per step, so it calibrates its own, smaller, bound to the same time).
//! The callback given to [`count_primes`] runs after every candidate
//! number, a few microseconds of work at most: under the simulated GIL it
//! is [`Python::tick`](waiter::gil::Python::tick), the eval breaker.
//!
//! ```
//! use waiter_lab::gil::workload::count_primes;
//!
//! assert_eq!(count_primes(100, || {}), 25);
//! let mut ticks = 0;
//! count_primes(10, || ticks += 1);
//! assert_eq!(ticks, 8); // one per candidate, 2..10
//! ```

use std::fmt;
use std::hint::black_box;
use std::time::{Duration, Instant};

use serde::Serialize;

/// What kind of work a workload does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Workload {
    /// Two CPU-bound units: pure computation.
    Cpu,
    /// Two I/O-bound units: blocking waits.
    Io,
    /// One of each: the note's `ask_user` + `complex_calculation`.
    Mixed,
}

impl Workload {
    /// Every workload, in the order they run.
    pub const ALL: [Workload; 3] = [Workload::Cpu, Workload::Io, Workload::Mixed];

    /// The workload's name, also its `--workload` value: `cpu`, `io`,
    /// `mixed`.
    pub fn name(self) -> &'static str {
        match self {
            Workload::Cpu => "cpu",
            Workload::Io => "io",
            Workload::Mixed => "mixed",
        }
    }

    /// The workload named `name`.
    pub fn from_name(name: &str) -> Option<Workload> {
        Workload::ALL.into_iter().find(|w| w.name() == name)
    }

    /// Its two units, in the order sequential runs them (the note asks
    /// the user first, then calculates).
    pub fn units(self, sizes: &Sizes) -> [Unit; 2] {
        let cpu = Unit::Cpu { below: sizes.bound };
        let io = Unit::Io { wait: sizes.io };
        match self {
            Workload::Cpu => [cpu, cpu],
            Workload::Io => [io, io],
            Workload::Mixed => [io, cpu],
        }
    }
}

impl fmt::Display for Workload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One unit of work.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Unit {
    /// Count the primes below `below`.
    Cpu {
        /// The bound.
        below: u64,
    },
    /// Wait this long, blocked (a sleep: the core and the GIL are free).
    Io {
        /// How long.
        wait: Duration,
    },
}

impl Unit {
    /// The unit's name in timelines: `count_primes` or `sleep`.
    pub fn label(self) -> &'static str {
        match self {
            Unit::Cpu { .. } => "count_primes",
            Unit::Io { .. } => "sleep",
        }
    }

    /// The short name of its kind: `cpu` or `io`.
    pub fn kind(self) -> &'static str {
        match self {
            Unit::Cpu { .. } => "cpu",
            Unit::Io { .. } => "io",
        }
    }
}

/// The sizes of the units, fixed once per run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Sizes {
    /// The CPU unit counts the primes below this.
    pub bound: u64,
    /// The I/O unit waits this long.
    pub io: Duration,
}

/// Whether `n` is prime, by trial division by 2 and the odd numbers up to
/// its square root.
pub fn is_prime(n: u64) -> bool {
    if n < 4 {
        return n >= 2;
    }
    if n.is_multiple_of(2) {
        return false;
    }
    let mut d = 3u64;
    while d.saturating_mul(d) <= n {
        if n.is_multiple_of(d) {
            return false;
        }
        d += 2;
    }
    true
}

/// Counts the primes below `below`, calling `tick` after each candidate.
pub fn count_primes(below: u64, mut tick: impl FnMut()) -> u64 {
    let mut count = 0;
    for n in 2..below {
        if is_prime(black_box(n)) {
            count += 1;
        }
        tick();
    }
    black_box(count)
}

/// The work of counting primes below `n` grows like `n^1.5 / ln n` (the
/// primes dominate: √n/2 divisions each, n/ln n of them).
fn cost(n: f64) -> f64 {
    n.powf(1.5) / n.max(3.0).ln()
}

/// The bound `m` whose [`cost`] is `goal`.
fn solve(goal: f64, start: f64) -> f64 {
    let mut m = start.max(3.0);
    for _ in 0..30 {
        m = (goal * m.max(3.0).ln()).powf(2.0 / 3.0);
    }
    m
}

/// A bound whose [`count_primes`] takes about `target` on this machine,
/// on one thread: probes growing bounds until one takes a measurable time
/// (at least `target / 8` or 50 ms), then extrapolates with the cost model.
/// Costs about a quarter of `target` (at most about 100 ms).
///
/// ```
/// use std::time::Duration;
/// use waiter_lab::gil::workload::calibrate;
///
/// let small = calibrate(Duration::from_millis(1));
/// let large = calibrate(Duration::from_millis(20));
/// assert!(small >= 3 && large > small);
/// ```
pub fn calibrate(target: Duration) -> u64 {
    calibrate_with(target, |n| {
        let start = Instant::now();
        count_primes(n, || {});
        start.elapsed().as_secs_f64()
    })
}

/// [`calibrate`] with the clock as an argument: `measure(n)` is how many
/// seconds counting the primes below `n` took. Kept apart so the search can
/// be tested against a machine whose timing is known exactly.
fn calibrate_with(target: Duration, mut measure: impl FnMut(u64) -> f64) -> u64 {
    let target = target.as_secs_f64().max(1e-6);
    let mut n: u64 = 1_000;
    let took = loop {
        let took = measure(n);
        if took >= target / 8.0 || took >= 0.05 || n >= 1 << 40 {
            break took.max(1e-7);
        }
        n *= 2;
    };
    let goal = target / took * cost(n as f64);
    let m = solve(goal, n as f64);
    if m.is_finite() {
        (m as u64).clamp(3, 1 << 40)
    } else {
        1 << 40
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primes_are_counted_right() {
        // π(x) for a few x.
        for (below, primes) in [
            (0, 0),
            (2, 0),
            (3, 1),
            (10, 4),
            (100, 25),
            (1_000, 168),
            (10_000, 1229),
        ] {
            assert_eq!(count_primes(below, || {}), primes, "below {below}");
        }
        assert!(is_prime(7919) && !is_prime(7917) && !is_prime(1) && !is_prime(9));
    }

    #[test]
    fn the_cost_model_inverts() {
        let m = solve(cost(123_456.0), 1_000.0);
        assert!((m - 123_456.0).abs() < 1.0, "{m}");
    }

    #[test]
    fn calibration_grows_with_the_target() {
        // A machine on which the cost model is exact: one unit of cost takes 1 ns.
        let exact = |n: u64| cost(n as f64) * 1e-9;
        let a = calibrate_with(Duration::from_micros(500), exact);
        let b = calibrate_with(Duration::from_millis(8), exact);
        assert!(b > a, "{a} {b}");
        // And the size found takes the time asked for there.
        for (target, n) in [(500e-6, a), (8e-3, b)] {
            let took = exact(n);
            assert!(
                (took / target - 1.0).abs() < 0.01,
                "{n}: {took} s for {target} s"
            );
        }
    }

    #[test]
    fn workloads_have_two_units_each() {
        let sizes = Sizes {
            bound: 50,
            io: Duration::from_millis(1),
        };
        for workload in Workload::ALL {
            assert_eq!(Workload::from_name(workload.name()), Some(workload));
            assert_eq!(workload.units(&sizes).len(), 2);
        }
        let [first, second] = Workload::Mixed.units(&sizes);
        assert_eq!((first.kind(), second.kind()), ("io", "cpu"));
        assert_eq!(Workload::from_name("gpu"), None);
    }
}

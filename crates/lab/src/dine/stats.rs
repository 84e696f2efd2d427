//! The numbers of a run: waits, percentiles and fairness.
//!
//! - **Hungry wait**: from the moment a philosopher wants its forks to the
//!   moment it has them. The mean says how long dinner drags on average;
//!   the 99th percentile and the maximum say whether someone is left
//!   hungry far longer than the rest (starvation shows there first).
//! - **Jain's fairness index** over the meals `x₁…xₙ`:
//!   `(Σx)² / (n · Σx²)`. It is 1 when everyone ate equally often and
//!   `1/n` when one philosopher ate everything; a run where nobody ate has
//!   no index.
//!
//! Waits go into a [`Histogram`] rather than a list: a long run of quick
//! meals would otherwise keep millions of them. Its buckets are exact up
//! to 256 µs and within 0.4 % above, finer than the three digits a wait is
//! shown with; the mean and the maximum are exact.

use serde::Serialize;

/// Summary of a set of waits, in microseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Waits {
    /// How many waits ended with the forks in hand.
    pub count: usize,
    /// Their mean (0 if there are none).
    pub mean_us: u64,
    /// Their 99th percentile, nearest rank (0 if there are none).
    pub p99_us: u64,
    /// The longest wait, counting waits still going when the run ended (a
    /// deadlocked or starving philosopher's wait never ends by itself).
    pub max_us: u64,
}

impl Waits {
    /// Summarises `served` (waits that ended with the forks) and
    /// `unfinished` (waits cut short by the end of the run).
    pub fn new(served: &Histogram, unfinished: impl IntoIterator<Item = u64>) -> Self {
        let longest_unfinished = unfinished.into_iter().max().unwrap_or(0);
        Self {
            count: usize::try_from(served.count()).unwrap_or(usize::MAX),
            mean_us: served.mean(),
            p99_us: served.percentile(99),
            max_us: served.max().max(longest_unfinished),
        }
    }
}

/// Bits of a bucket's mantissa: values below `2 << MANTISSA` are exact,
/// larger ones share a bucket with those within 1/2^MANTISSA of them.
const MANTISSA: u32 = 8;

/// Counts of values in log-linear buckets (as in HdrHistogram), with an
/// exact count, sum and maximum.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Histogram {
    buckets: Vec<u64>,
    count: u64,
    sum: u128,
    max: u64,
}

impl Histogram {
    /// An empty histogram.
    pub fn new() -> Self {
        Self::default()
    }

    /// The bucket of `value`.
    fn bucket(value: u64) -> usize {
        let top = 2u64 << MANTISSA;
        if value < top {
            return value as usize;
        }
        // value = m · 2^shift with m in [2^M, 2^(M+1)).
        let shift = (63 - value.leading_zeros()) - MANTISSA;
        let mantissa = value >> shift;
        top as usize
            + (shift as usize - 1) * (1 << MANTISSA)
            + (mantissa as usize - (1 << MANTISSA))
    }

    /// The largest value that falls in `bucket`.
    fn upper(bucket: usize) -> u64 {
        let top = 2usize << MANTISSA;
        if bucket < top {
            return bucket as u64;
        }
        let above = bucket - top;
        let shift = (above >> MANTISSA) as u32 + 1;
        let mantissa = ((above & ((1 << MANTISSA) - 1)) + (1 << MANTISSA)) as u128;
        u64::try_from(((mantissa + 1) << shift) - 1).unwrap_or(u64::MAX)
    }

    /// Adds one value.
    pub fn record(&mut self, value: u64) {
        let bucket = Self::bucket(value);
        if self.buckets.len() <= bucket {
            self.buckets.resize(bucket + 1, 0);
        }
        self.buckets[bucket] += 1;
        self.count += 1;
        self.sum += u128::from(value);
        self.max = self.max.max(value);
    }

    /// Adds every value of `other`.
    pub fn merge(&mut self, other: &Histogram) {
        if self.buckets.len() < other.buckets.len() {
            self.buckets.resize(other.buckets.len(), 0);
        }
        for (mine, theirs) in self.buckets.iter_mut().zip(&other.buckets) {
            *mine += theirs;
        }
        self.count += other.count;
        self.sum += other.sum;
        self.max = self.max.max(other.max);
    }

    /// How many values.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The largest value (0 for none).
    pub fn max(&self) -> u64 {
        self.max
    }

    /// The mean, rounded down (0 for none).
    pub fn mean(&self) -> u64 {
        if self.count == 0 {
            return 0;
        }
        u64::try_from(self.sum / u128::from(self.count)).unwrap_or(u64::MAX)
    }

    /// The `p`th percentile by the nearest rank, as the top of its bucket
    /// (never above the maximum); 0 for none.
    ///
    /// # Panics
    ///
    /// If `p` is more than 100.
    pub fn percentile(&self, p: u32) -> u64 {
        assert!(p <= 100, "a percentile is at most 100");
        if self.count == 0 {
            return 0;
        }
        let rank = (u128::from(self.count) * u128::from(p))
            .div_ceil(100)
            .max(1);
        let mut seen: u128 = 0;
        for (bucket, &n) in self.buckets.iter().enumerate() {
            seen += u128::from(n);
            if seen >= rank {
                return Self::upper(bucket).min(self.max);
            }
        }
        self.max
    }
}

/// The mean, rounded down; 0 for no values.
pub fn mean(values: &[u64]) -> u64 {
    if values.is_empty() {
        return 0;
    }
    let sum: u128 = values.iter().map(|&v| u128::from(v)).sum();
    u64::try_from(sum / values.len() as u128).unwrap_or(u64::MAX)
}

/// The `p`th percentile of `sorted` by the nearest-rank method (the
/// smallest value with at least p % of the values at or below it); 0 for
/// no values.
///
/// # Panics
///
/// If `p` is more than 100.
pub fn percentile(sorted: &[u64], p: u32) -> u64 {
    assert!(p <= 100, "a percentile is at most 100");
    if sorted.is_empty() {
        return 0;
    }
    let rank = (sorted.len() * p as usize).div_ceil(100).max(1);
    sorted[rank - 1]
}

/// Jain's fairness index of `shares`: `(Σx)² / (n · Σx²)`, from `1/n` (one
/// took everything) to 1 (all equal); `None` if every share is 0 or there
/// are none.
pub fn jain(shares: &[u64]) -> Option<f64> {
    let sum: f64 = shares.iter().map(|&x| x as f64).sum();
    let squares: f64 = shares.iter().map(|&x| (x as f64) * (x as f64)).sum();
    if shares.is_empty() || squares == 0.0 {
        return None;
    }
    Some(sum * sum / (shares.len() as f64 * squares))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jain_is_one_when_equal_and_one_over_n_when_one_takes_all() {
        assert_eq!(jain(&[7, 7, 7, 7]), Some(1.0));
        assert_eq!(jain(&[9, 0, 0]), Some(1.0 / 3.0));
        assert_eq!(jain(&[0, 0]), None);
        assert_eq!(jain(&[]), None);
        // (1+2+3)² / (3 · 14) = 36 / 42
        let index = jain(&[1, 2, 3]).unwrap();
        assert!((index - 36.0 / 42.0).abs() < 1e-12);
        // Always within [1/n, 1].
        for shares in [[1u64, 100, 3, 0, 5], [2, 2, 2, 2, 3], [0, 0, 0, 0, 1]] {
            let index = jain(&shares).unwrap();
            assert!((0.2..=1.0).contains(&index), "{shares:?}: {index}");
        }
    }

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let values: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&values, 99), 99);
        assert_eq!(percentile(&values, 100), 100);
        assert_eq!(percentile(&values, 50), 50);
        assert_eq!(percentile(&values, 0), 1);
        assert_eq!(percentile(&[5], 99), 5);
        assert_eq!(percentile(&[1, 2, 3], 99), 3);
        assert_eq!(percentile(&[], 99), 0);
    }

    fn histogram(values: &[u64]) -> Histogram {
        let mut histogram = Histogram::new();
        for &v in values {
            histogram.record(v);
        }
        histogram
    }

    #[test]
    fn waits_count_unfinished_ones_only_in_the_maximum() {
        let waits = Waits::new(&histogram(&[30, 10, 20]), [5]);
        assert_eq!(
            waits,
            Waits {
                count: 3,
                mean_us: 20,
                p99_us: 30,
                max_us: 30
            }
        );
        let stuck = Waits::new(&histogram(&[10]), [900]);
        assert_eq!((stuck.mean_us, stuck.max_us), (10, 900));
        assert_eq!(Waits::new(&Histogram::new(), []), Waits::default());
        assert_eq!(histogram(&[u64::MAX, u64::MAX]).mean(), u64::MAX);
    }

    #[test]
    fn buckets_are_exact_low_and_close_high() {
        // Every value lands in a bucket whose top is at most 1/256 above it.
        let mut value = 0u64;
        while value < u64::MAX / 3 {
            let bucket = Histogram::bucket(value);
            let top = Histogram::upper(bucket);
            assert!(top >= value, "{value}: top {top}");
            assert!(top - value <= value / 256, "{value}: top {top}");
            if value < 512 {
                assert_eq!(top, value);
            }
            // The next bucket starts right after this one's top.
            assert_eq!(Histogram::bucket(top + 1), bucket + 1, "{value}");
            value += value / 8 + 1;
        }
        assert_eq!(Histogram::upper(Histogram::bucket(u64::MAX)), u64::MAX);
    }

    #[test]
    fn histogram_percentiles_match_the_exact_ones_closely() {
        let values: Vec<u64> = (1..=10_000u64).map(|i| i * i % 97_003 + i).collect();
        let mut sorted = values.clone();
        sorted.sort_unstable();
        let all = histogram(&values);
        assert_eq!(all.count(), 10_000);
        assert_eq!(all.max(), *sorted.last().unwrap());
        assert_eq!(all.mean(), mean(&sorted));
        for p in [0, 1, 50, 90, 99, 100] {
            let exact = percentile(&sorted, p);
            let approximate = all.percentile(p);
            assert!(approximate >= exact, "p{p}: {approximate} < {exact}");
            assert!(
                approximate - exact <= exact / 256,
                "p{p}: {approximate} vs {exact}"
            );
        }
        let mut halves = histogram(&values[..5_000]);
        halves.merge(&histogram(&values[5_000..]));
        assert_eq!(halves, all);
    }
}

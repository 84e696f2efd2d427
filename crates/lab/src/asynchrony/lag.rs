//! The loop's lag: how late the heartbeat's ticks woke, summed up.
//!
//! Every tick from the heartbeat's first to its last counts, those before
//! and after the calculation too (each case has the same margins), so the
//! median says how the loop does most of the time and the max says how long
//! it was held. The p99 is the nearest-rank percentile: with fewer than 100
//! ticks it is the max.

use std::time::Duration;

use serde::Serialize;

/// Median, p99 and max lag of one run, in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Lag {
    /// How many ticks count.
    pub ticks: usize,
    /// Half the ticks were at most this late.
    pub lag_median_ms: f64,
    /// 99 % of the ticks were at most this late (nearest rank).
    pub lag_p99_ms: f64,
    /// The latest tick.
    pub lag_max_ms: f64,
}

impl Lag {
    /// Sums up `lags`; `None` without a tick.
    pub fn of(lags: &[Duration]) -> Option<Self> {
        let ms: Vec<f64> = lags.iter().map(|d| d.as_secs_f64() * 1e3).collect();
        Self::of_ms(&ms)
    }

    /// Sums up lags given in milliseconds (asyncio's); `None` without a
    /// tick, or with a lag that is not a number.
    pub fn of_ms(lags: &[f64]) -> Option<Self> {
        if lags.is_empty() || lags.iter().any(|x| !x.is_finite()) {
            return None;
        }
        let mut sorted = lags.to_vec();
        sorted.sort_by(f64::total_cmp);
        let rank = |p: f64| {
            let index = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
            sorted[index].max(0.0)
        };
        Some(Self {
            ticks: sorted.len(),
            lag_median_ms: rank(0.5),
            lag_p99_ms: rank(0.99),
            lag_max_ms: sorted[sorted.len() - 1].max(0.0),
        })
    }

    /// Whether the p99 is only the max (fewer than 100 ticks).
    pub fn p99_is_max(&self) -> bool {
        self.ticks < 100
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_p99_and_max_by_nearest_rank() {
        let lags: Vec<f64> = (1..=200).map(f64::from).collect();
        let lag = Lag::of_ms(&lags).unwrap();
        assert_eq!(lag.ticks, 200);
        assert_eq!(lag.lag_median_ms, 100.0);
        assert_eq!(lag.lag_p99_ms, 198.0);
        assert_eq!(lag.lag_max_ms, 200.0);
        assert!(!lag.p99_is_max());
    }

    #[test]
    fn few_ticks_make_the_p99_the_max() {
        let lag = Lag::of(&[
            Duration::from_millis(1),
            Duration::from_millis(200),
            Duration::ZERO,
        ])
        .unwrap();
        assert_eq!(lag.lag_median_ms, 1.0);
        assert_eq!(lag.lag_p99_ms, 200.0);
        assert!(lag.p99_is_max());
    }

    #[test]
    fn nothing_or_nonsense_is_no_lag() {
        assert_eq!(Lag::of(&[]), None);
        assert_eq!(Lag::of_ms(&[1.0, f64::NAN]), None);
        assert_eq!(Lag::of_ms(&[-0.5]).unwrap().lag_max_ms, 0.0);
    }
}

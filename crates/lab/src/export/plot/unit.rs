//! Units: how a value on an axis, in a tooltip or in the text is written.

use std::time::Duration;

use crate::duration;

/// What a plotted number counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unit {
    /// A plain number: threads, switches, eaters.
    Count,
    /// A ratio: a speed-up, `2.0×`.
    Times,
    /// A duration in microseconds, written in a fitting unit.
    Micros,
    /// A duration in nanoseconds, written in a fitting unit.
    Nanos,
    /// Events per second: meals/s.
    PerSecond,
    /// A share, from 0 to 1, written as a percentage.
    Share,
}

impl Unit {
    /// The unit as an axis title's suffix: ` (×)`, or nothing where the
    /// ticks say it (durations) or there is none (counts).
    pub(super) fn suffix(self) -> &'static str {
        match self {
            Unit::Count | Unit::Micros | Unit::Nanos => "",
            Unit::Times => " (×)",
            Unit::PerSecond => " (per second)",
            Unit::Share => " (%)",
        }
    }

    /// A value written for people: `1.50 s`, `2.0×`, `48.2/s`, `35%`.
    pub fn format(self, value: f64) -> String {
        if value == 0.0 {
            return "0".to_owned();
        }
        match self {
            Unit::Count => compact(value),
            Unit::Times => format!("{}×", trim(value, 2)),
            Unit::Micros => duration::format(Duration::from_secs_f64(value.max(0.0) / 1e6)),
            Unit::Nanos => duration::format(Duration::from_secs_f64(value.max(0.0) / 1e9)),
            Unit::PerSecond => format!("{}/s", compact(value)),
            Unit::Share => format!("{}%", trim(value * 100.0, 1)),
        }
    }

    /// A tick label: like [`format`](Self::format), without the unit's
    /// sign where the axis title carries it.
    pub(super) fn tick(self, value: f64) -> String {
        match self {
            Unit::Times => trim(value, 2),
            Unit::PerSecond => compact(value),
            Unit::Share => trim(value * 100.0, 1),
            _ => self.format(value),
        }
    }
}

/// A number with at most `decimals` decimals, trailing zeros dropped:
/// `2`, `2.5`, `0.33`.
fn trim(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

/// A count written short: `950`, `12.5k`, `3.2M`.
fn compact(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude >= 1e6 {
        format!("{}M", trim(value / 1e6, 1))
    } else if magnitude >= 1e4 {
        format!("{}k", trim(value / 1e3, 1))
    } else if magnitude >= 100.0 || value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        trim(value, 2)
    }
}

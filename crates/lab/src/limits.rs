//! The limits of every setting, written once: the lab checks them in each
//! experiment's `validate`, and the CLI's value parsers check the same
//! [`Limit`]s, so a value out of range is refused with the same words
//! wherever it comes from.
//!
//! A limit is a name, a range and, for the smallest value, a reason (why
//! fewer makes no sense). [`Limit::refusal`] says what is wrong with a
//! value, in the words the CLI prints after `invalid value … for '--flag'`;
//! [`Limit::check`] says the same with the setting's name first, as
//! [`Error::Config`].
//!
//! ```
//! use std::time::Duration;
//! use waiter_lab::limits::Limit;
//!
//! const PHILOSOPHERS: Limit<usize> = Limit::new("philosophers", 2, 256)
//!     .because("one philosopher alone has nobody to share forks with");
//! assert_eq!(PHILOSOPHERS.refusal(5), None);
//! assert_eq!(
//!     PHILOSOPHERS.refusal(1).unwrap(),
//!     "must be at least 2: one philosopher alone has nobody to share forks with"
//! );
//! assert_eq!(
//!     PHILOSOPHERS.check(300).unwrap_err().to_string(),
//!     "invalid setting: philosophers must be at most 256"
//! );
//!
//! const SAMPLE: Limit<Duration> =
//!     Limit::new("sample", Duration::from_micros(100), Duration::from_secs(1));
//! assert_eq!(SAMPLE.refusal(Duration::ZERO).unwrap(), "must be from 100us to 1s");
//! ```

use std::time::Duration;

use crate::Error;

/// The range of one setting, and why its smallest value is the smallest.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limit<T> {
    /// The setting, as the lab names it (`philosophers`, `work`).
    pub name: &'static str,
    /// The smallest value allowed. For a duration or a number that must
    /// only be more than 0, [`Bound::JUST_ABOVE_ZERO`].
    pub min: T,
    /// The largest value allowed.
    pub max: T,
    /// Why a smaller value makes no sense, said with its refusal.
    pub why: Option<&'static str>,
}

impl<T: Bound> Limit<T> {
    /// `min..=max`, with no reason given.
    pub const fn new(name: &'static str, min: T, max: T) -> Self {
        Self {
            name,
            min,
            max,
            why: None,
        }
    }

    /// The same, saying `why` when a value is too small.
    #[must_use]
    pub const fn because(mut self, why: &'static str) -> Self {
        self.why = Some(why);
        self
    }

    /// What is wrong with `value`, or `None` if it is within the limit:
    /// `must be at least 2: …`, `must be more than 0: …`, `must be at most
    /// 1h`, `must be from 100us to 1s`.
    pub fn refusal(&self, value: T) -> Option<String> {
        let from_to = || format!("must be from {} to {}", self.min.text(), self.max.text());
        let words = if value < self.min {
            if self.min.is_just_above_zero() {
                "must be more than 0".to_owned()
            } else if T::COUNTED || self.why.is_some() {
                format!("must be at least {}", self.min.text())
            } else {
                from_to()
            }
        } else if value > self.max {
            if T::COUNTED || self.min.is_zero_or_just_above() {
                format!("must be at most {}", self.max.text())
            } else {
                from_to()
            }
        } else {
            return None;
        };
        Some(match (value < self.min, self.why) {
            (true, Some(why)) => format!("{words}: {why}"),
            _ => words,
        })
    }

    /// Checks `value`.
    ///
    /// # Errors
    ///
    /// [`Error::Config`]: the setting's name, then its
    /// [refusal](Self::refusal).
    pub fn check(&self, value: T) -> Result<(), Error> {
        match self.refusal(value) {
            None => Ok(()),
            Some(refusal) => Err(Error::Config(format!("{} {refusal}", self.name))),
        }
    }
}

/// A value a [`Limit`] can bound: counts, durations, scales.
pub trait Bound: Copy + PartialOrd {
    /// The smallest value that is more than 0 (a limit whose `min` it is
    /// says "must be more than 0").
    const JUST_ABOVE_ZERO: Self;

    /// Whole numbers say "at least" and "at most"; other values between a
    /// floor and a ceiling say "from … to …".
    const COUNTED: bool;

    /// The value as a user types it: `256`, `1h`, `100us`, `0.5`.
    fn text(self) -> String;

    /// Whether this is [`Bound::JUST_ABOVE_ZERO`].
    fn is_just_above_zero(self) -> bool;

    /// Whether this is 0 or [`Bound::JUST_ABOVE_ZERO`]: a floor nobody
    /// needs to be told about with the ceiling.
    fn is_zero_or_just_above(self) -> bool;
}

impl Bound for u64 {
    const JUST_ABOVE_ZERO: Self = 1;
    const COUNTED: bool = true;

    fn text(self) -> String {
        self.to_string()
    }

    fn is_just_above_zero(self) -> bool {
        // "at least 1" reads better than "more than 0" for a count.
        false
    }

    fn is_zero_or_just_above(self) -> bool {
        self <= 1
    }
}

impl Bound for usize {
    const JUST_ABOVE_ZERO: Self = 1;
    const COUNTED: bool = true;

    fn text(self) -> String {
        self.to_string()
    }

    fn is_just_above_zero(self) -> bool {
        false
    }

    fn is_zero_or_just_above(self) -> bool {
        self <= 1
    }
}

impl Bound for f64 {
    const JUST_ABOVE_ZERO: Self = f64::MIN_POSITIVE;
    const COUNTED: bool = false;

    fn text(self) -> String {
        self.to_string()
    }

    fn is_just_above_zero(self) -> bool {
        self == f64::MIN_POSITIVE
    }

    fn is_zero_or_just_above(self) -> bool {
        self == 0.0 || self.is_just_above_zero()
    }
}

impl Bound for Duration {
    const JUST_ABOVE_ZERO: Self = Duration::from_nanos(1);
    const COUNTED: bool = false;

    /// The largest whole unit: `1h`, `1m`, `1s`, `250ms`, `100us`, `5ns`,
    /// as `--work 1m` is typed.
    fn text(self) -> String {
        let nanos = self.as_nanos();
        let units: [(u128, &str); 6] = [
            (3_600_000_000_000, "h"),
            (60_000_000_000, "m"),
            (1_000_000_000, "s"),
            (1_000_000, "ms"),
            (1_000, "us"),
            (1, "ns"),
        ];
        units
            .iter()
            .find(|&&(size, _)| nanos >= size && nanos.is_multiple_of(size))
            .map_or_else(
                || "0s".to_owned(),
                |&(size, unit)| format!("{}{unit}", nanos / size),
            )
    }

    fn is_just_above_zero(self) -> bool {
        self == Self::JUST_ABOVE_ZERO
    }

    fn is_zero_or_just_above(self) -> bool {
        self <= Self::JUST_ABOVE_ZERO
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WORK: Limit<Duration> =
        Limit::new("work", Duration::JUST_ABOVE_ZERO, Duration::from_secs(60))
            .because("the threads need some work");

    #[test]
    fn durations_are_said_as_they_are_typed() {
        assert_eq!(Duration::from_secs(3_600).text(), "1h");
        assert_eq!(Duration::from_secs(60).text(), "1m");
        assert_eq!(Duration::from_secs(1).text(), "1s");
        assert_eq!(Duration::from_millis(1_500).text(), "1500ms");
        assert_eq!(Duration::from_micros(100).text(), "100us");
        assert_eq!(Duration::ZERO.text(), "0s");
    }

    #[test]
    fn each_side_of_a_limit_has_its_words() {
        assert_eq!(WORK.refusal(Duration::from_secs(1)), None);
        assert_eq!(
            WORK.refusal(Duration::ZERO).unwrap(),
            "must be more than 0: the threads need some work"
        );
        assert_eq!(
            WORK.refusal(Duration::from_secs(61)).unwrap(),
            "must be at most 1m"
        );
        let tasks = Limit::new("tasks", 1_usize, 10);
        assert_eq!(tasks.refusal(0).unwrap(), "must be at least 1");
        assert_eq!(tasks.refusal(11).unwrap(), "must be at most 10");
        assert_eq!(tasks.refusal(1), None);
        assert_eq!(tasks.refusal(10), None);
        let scale = Limit::new("scale", f64::JUST_ABOVE_ZERO, 20.0).because("no work");
        assert_eq!(scale.refusal(0.0).unwrap(), "must be more than 0: no work");
        assert_eq!(scale.refusal(21.0).unwrap(), "must be at most 20");
        let reach = Limit::new("reach", Duration::ZERO, Duration::from_secs(3_600));
        assert_eq!(
            reach.refusal(Duration::from_secs(7_200)).unwrap(),
            "must be at most 1h"
        );
    }

    #[test]
    fn the_lab_says_the_name_first() {
        assert_eq!(
            WORK.check(Duration::ZERO).unwrap_err().to_string(),
            "invalid setting: work must be more than 0: the threads need some work"
        );
        assert!(WORK.check(Duration::from_millis(1)).is_ok());
    }
}

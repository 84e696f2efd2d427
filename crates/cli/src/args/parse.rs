//! Reading values: whole numbers, durations, ranges, scales and seeds,
//! each checked against the lab's [`Limit`] for its setting.
//!
//! The words for text that is not a value at all (`x`, `-1`, an option in
//! the value's place, a number too large for 64 bits) are here; the words
//! for a value out of range are the [`Limit`]'s, shared with the lab.

use std::time::Duration;

use waiter_lab::duration::{self, Range};
use waiter_lab::limits::Limit;

/// A whole number within `limit`.
pub(super) fn whole(text: &str, limit: &Limit<u64>) -> Result<u64, String> {
    let trimmed = text.trim();
    let below = || limit.refusal(0).unwrap_or_default();
    if trimmed.starts_with('-') {
        return Err(if limit.min > 1 {
            below()
        } else {
            "must be a positive whole number (1 or more)".to_owned()
        });
    }
    let value: u64 = trimmed.parse().map_err(|_| {
        if trimmed.is_empty() {
            "a number is required".to_owned()
        } else if trimmed.bytes().all(|b| b.is_ascii_digit()) {
            format!("too large (at most {})", limit.max)
        } else {
            format!("'{trimmed}' is not a whole number")
        }
    })?;
    match limit.refusal(value) {
        Some(refusal) => Err(refusal),
        None => Ok(value),
    }
}

/// A count within `limit` (a number of things held in memory).
pub(super) fn count(text: &str, limit: &Limit<usize>) -> Result<usize, String> {
    let wide = Limit {
        name: limit.name,
        min: limit.min as u64,
        max: limit.max as u64,
        why: limit.why,
    };
    usize::try_from(whole(text, &wide)?).map_err(|_| "too large for this machine".to_owned())
}

/// A duration within `limit`.
pub(super) fn duration(text: &str, limit: &Limit<Duration>) -> Result<Duration, String> {
    let value = any_duration(text)?;
    match limit.refusal(value) {
        Some(refusal) => Err(refusal),
        None => Ok(value),
    }
}

/// A range of durations (`1ms..5ms`) whose longest is within `limit`.
pub(super) fn range(text: &str, limit: &Limit<Duration>) -> Result<Range, String> {
    not_an_option(text)?;
    let range = duration::parse_range(text).map_err(|e| e.to_string())?;
    match limit.refusal(range.max()) {
        Some(refusal) => Err(refusal),
        None => Ok(range),
    }
}

/// A number (`1`, `0.1`) within `limit`.
pub(super) fn number(text: &str, limit: &Limit<f64>) -> Result<f64, String> {
    let trimmed = text.trim();
    let not_a_number = || format!("'{trimmed}' is not a number: write e.g. 1 or 0.1");
    let value: f64 = trimmed.parse().map_err(|_| not_a_number())?;
    if !value.is_finite() {
        return Err(not_a_number());
    }
    match limit.refusal(value) {
        Some(refusal) => Err(refusal),
        None => Ok(value),
    }
}

/// A duration; an option in its place (`--slice --compare`) is a missing
/// value, not a negative duration.
fn any_duration(text: &str) -> Result<Duration, String> {
    not_an_option(text)?;
    duration::parse(text).map_err(|e| e.to_string())
}

/// Options whose values may start with `-` (`-5ms`, to be told it is
/// negative) also take the next option as their value: say so.
pub(super) fn not_an_option(text: &str) -> Result<(), String> {
    let trimmed = text.trim();
    let rest = trimmed.strip_prefix('-').unwrap_or_default();
    if rest.starts_with(|c: char| c == '-' || c.is_ascii_alphabetic()) {
        return Err(format!(
            "'{trimmed}' looks like an option: the value is missing"
        ));
    }
    Ok(())
}

pub(super) fn seed(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err("a number is required".into());
    }
    if trimmed.starts_with('-') {
        return Err("must be a whole number, 0 or more".into());
    }
    trimmed
        .parse()
        .map_err(|_| format!("'{trimmed}' is not a whole number from 0 to {}", u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEN: Limit<u64> = Limit::new("things", 1, 10);

    #[test]
    fn whole_numbers_say_what_is_wrong() {
        assert_eq!(whole("3", &TEN), Ok(3));
        assert_eq!(whole("0", &TEN).unwrap_err(), "must be at least 1");
        assert!(whole("-1", &TEN).unwrap_err().contains("positive"));
        assert!(whole("x", &TEN).unwrap_err().contains("not a whole number"));
        assert_eq!(whole("11", &TEN).unwrap_err(), "must be at most 10");
        assert_eq!(whole("", &TEN).unwrap_err(), "a number is required");
        assert_eq!(
            whole("99999999999999999999999", &TEN).unwrap_err(),
            "too large (at most 10)"
        );
    }

    #[test]
    fn a_floor_above_one_is_said_for_negative_numbers_too() {
        let pair = Limit::new("pair", 2, 9).because("it takes two");
        assert_eq!(
            whole("-1", &pair).unwrap_err(),
            "must be at least 2: it takes two"
        );
        assert_eq!(
            whole("1", &pair).unwrap_err(),
            "must be at least 2: it takes two"
        );
    }

    #[test]
    fn durations_ranges_and_numbers_use_the_limits_words() {
        let hour = Limit::new("reach", Duration::ZERO, Duration::from_secs(3_600));
        assert_eq!(duration("2h", &hour).unwrap_err(), "must be at most 1h");
        assert!(
            duration("--compare", &hour)
                .unwrap_err()
                .contains("looks like an option")
        );
        assert!(
            range("5ms..1ms", &hour)
                .unwrap_err()
                .contains("ends before it starts")
        );
        assert_eq!(range("1ms..2h", &hour).unwrap_err(), "must be at most 1h");
        let scale = Limit::new("scale", f64::MIN_POSITIVE, 20.0).because("no work");
        assert_eq!(number("0.1", &scale), Ok(0.1));
        assert_eq!(
            number("0", &scale).unwrap_err(),
            "must be more than 0: no work"
        );
        assert!(number("inf", &scale).unwrap_err().contains("not a number"));
        assert_eq!(seed("0"), Ok(0));
        assert!(seed("-1").unwrap_err().contains("0 or more"));
    }
}

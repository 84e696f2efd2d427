//! Reading and writing durations the way people type them: `1.5s`, `300ms`.
//!
//! Why our own parser: the note's timings are fractional seconds (`1.43`),
//! and `1.5s` is the natural way to script its user; the common crates
//! either reject fractions or pull in more than these thirty lines. The
//! parse is exact (decimal arithmetic on nanoseconds, no floating point),
//! so `0.3s` is 300 ms and not 299.999… ms.
//!
//! ```
//! use std::time::Duration;
//! use waiter_lab::duration::{format, parse};
//!
//! assert_eq!(parse("1.5s")?, Duration::from_millis(1500));
//! assert_eq!(parse("300ms")?, Duration::from_millis(300));
//! assert_eq!(format(Duration::from_millis(1434)), "1.43 s");
//! # Ok::<(), waiter_lab::duration::ParseError>(())
//! ```
//!
//! Ranges (`5ms..20ms`, or `5..20ms` with the unit written once) say "a
//! random duration between these two", e.g. how long a philosopher thinks:
//!
//! ```
//! use std::time::Duration;
//! use waiter_lab::duration::{Range, parse_range};
//!
//! let ms = Duration::from_millis;
//! assert_eq!(parse_range("5..20ms")?, Range::new(ms(5), ms(20))?);
//! assert_eq!(parse_range("10ms")?, Range::fixed(ms(10)));
//! assert!(parse_range("5ms..1ms").is_err()); // ends before it starts
//! # Ok::<(), waiter_lab::duration::RangeError>(())
//! ```

use std::time::Duration;

/// Why a text is not a duration. The message says what to type instead.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// Nothing was given.
    #[error("empty duration: write a number and a unit, e.g. 1.5s or 300ms")]
    Empty,
    /// A minus sign: time does not run backwards.
    #[error("'{0}' is negative: a duration is zero or more, e.g. 0s, 1.5s")]
    Negative(String),
    /// The number is missing.
    #[error("'{0}' does not start with a number: write e.g. 1.5s or 300ms")]
    BadNumber(String),
    /// The number is there but malformed (`1.5.2s`).
    #[error("'{0}' is not a number and a unit: write e.g. 1.5s or 300ms")]
    Malformed(String),
    /// A range (`1ms..5ms`) where one duration is wanted.
    #[error("'{0}' is a range: this takes one duration, e.g. 5ms")]
    Range(String),
    /// A number without a unit (is `1.5` seconds or milliseconds?).
    #[error("'{0}' has no unit: write e.g. {0}s or {0}ms")]
    MissingUnit(String),
    /// A unit we do not know.
    #[error("unknown unit '{unit}' in '{text}': use ns, us, ms, s, m or h")]
    BadUnit {
        /// The whole text.
        text: String,
        /// The unit as written.
        unit: String,
    },
    /// More than [`Duration::MAX`], or more digits than we keep.
    #[error("'{0}' is too long a duration")]
    TooLarge(String),
}

/// Parses `<number><unit>`: a decimal number (`1`, `1.5`, `.5`), optional
/// spaces, then a unit: `ns`, `us` (or `µs`), `ms`, `s` (or `sec`), `m`
/// (or `min`), `h`. Fractions below a nanosecond are dropped.
///
/// # Errors
///
/// A [`ParseError`] that names what is wrong: empty text, negative number,
/// no number, no unit, unknown unit, or too large.
pub fn parse(text: &str) -> Result<Duration, ParseError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(ParseError::Empty);
    }
    if trimmed.starts_with('-') {
        return Err(ParseError::Negative(trimmed.to_owned()));
    }
    if trimmed.contains("..") {
        return Err(ParseError::Range(trimmed.to_owned()));
    }
    let number_end = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(number_end);
    let unit = unit.trim_start();

    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() && fraction.is_empty() {
        return Err(ParseError::BadNumber(trimmed.to_owned()));
    }
    if !all_digits(whole) || !all_digits(fraction) {
        return Err(ParseError::Malformed(trimmed.to_owned()));
    }
    if unit.is_empty() {
        return Err(ParseError::MissingUnit(trimmed.to_owned()));
    }
    let unit_nanos: u128 = match unit {
        "ns" => 1,
        "us" | "µs" => 1_000,
        "ms" => 1_000_000,
        "s" | "sec" | "secs" => 1_000_000_000,
        "m" | "min" | "mins" => 60_000_000_000,
        "h" | "hr" | "hrs" => 3_600_000_000_000,
        _ => {
            return Err(ParseError::BadUnit {
                text: trimmed.to_owned(),
                unit: unit.to_owned(),
            });
        }
    };

    // The number as an integer `mantissa` over 10^scale, kept exact.
    let too_large = || ParseError::TooLarge(trimmed.to_owned());
    let digits = format!("{whole}{fraction}");
    let digits = digits.trim_start_matches('0');
    if digits.len() > 30 {
        return Err(too_large());
    }
    let mantissa: u128 = if digits.is_empty() {
        0
    } else {
        digits.parse().map_err(|_| too_large())?
    };
    let scale = u32::try_from(fraction.len()).map_err(|_| too_large())?;
    let divisor = 10u128.checked_pow(scale).ok_or_else(too_large)?;
    let nanos = mantissa.checked_mul(unit_nanos).ok_or_else(too_large)? / divisor;

    let secs = u64::try_from(nanos / 1_000_000_000).map_err(|_| too_large())?;
    // Below 10^9, so it fits.
    let subsec = (nanos % 1_000_000_000) as u32;
    Ok(Duration::new(secs, subsec))
}

/// Writes a duration for people, with three significant digits and a unit
/// that fits its size: `1.43 s`, `17.6 ms`, `21.4 µs`, `850 ns`.
pub fn format(duration: Duration) -> String {
    let nanos = duration.as_nanos();
    let secs = duration.as_secs_f64();
    if nanos >= 1_000_000_000 {
        format!("{secs:.2} s")
    } else if nanos >= 1_000_000 {
        format!("{:.1} ms", secs * 1e3)
    } else if nanos >= 1_000 {
        format!("{:.1} µs", secs * 1e6)
    } else {
        format!("{nanos} ns")
    }
}

/// Durations from `min` to `max`, both included: where a random duration
/// is drawn from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Range {
    min: Duration,
    max: Duration,
}

impl Range {
    /// From `min` to `max`.
    ///
    /// # Errors
    ///
    /// [`RangeError::Backwards`] if `max < min`.
    pub fn new(min: Duration, max: Duration) -> Result<Self, RangeError> {
        if max < min {
            return Err(RangeError::Backwards {
                text: format!("{}..{}", format(min), format(max)),
                start: format(min),
                end: format(max),
            });
        }
        Ok(Self { min, max })
    }

    /// Always `duration`.
    pub fn fixed(duration: Duration) -> Self {
        Self {
            min: duration,
            max: duration,
        }
    }

    /// The shortest duration of the range.
    pub fn min(&self) -> Duration {
        self.min
    }

    /// The longest duration of the range.
    pub fn max(&self) -> Duration {
        self.max
    }
}

impl std::fmt::Display for Range {
    /// `5.0 ms..20.0 ms`, or one duration for a fixed range.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.min == self.max {
            f.write_str(&format(self.min))
        } else {
            write!(f, "{}..{}", format(self.min), format(self.max))
        }
    }
}

/// Why a text is not a range of durations.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RangeError {
    /// One end is not a duration.
    #[error(transparent)]
    Bound(#[from] ParseError),
    /// The end comes before the start.
    #[error(
        "'{text}' ends before it starts: write the shorter duration first, e.g. {end}..{start}"
    )]
    Backwards {
        /// The whole text.
        text: String,
        /// The start as written.
        start: String,
        /// The end as written.
        end: String,
    },
}

/// Parses `A..B` (both ends included) or a single duration `A` (always
/// `A`). `5..20ms` writes the unit once: a start without a unit takes the
/// end's.
///
/// # Errors
///
/// [`RangeError::Bound`] if an end is not a duration (see [`parse`]),
/// [`RangeError::Backwards`] if the end comes before the start.
pub fn parse_range(text: &str) -> Result<Range, RangeError> {
    let trimmed = text.trim();
    let Some((start, end)) = trimmed.split_once("..") else {
        return Ok(Range::fixed(parse(trimmed)?));
    };
    let (start, end) = (start.trim(), end.trim());
    let max = parse(end)?;
    let min = match parse(start) {
        Err(ParseError::MissingUnit(_)) => {
            let unit = end.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
            parse(&format!("{start}{unit}"))?
        }
        other => other?,
    };
    if max < min {
        return Err(RangeError::Backwards {
            text: trimmed.to_owned(),
            start: start.to_owned(),
            end: end.to_owned(),
        });
    }
    Ok(Range { min, max })
}

/// A duration in whole microseconds, the unit of every figure in a
/// [`Report`](crate::Report) (saturating at `u64::MAX`).
pub fn micros(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_units() {
        let ms = Duration::from_millis;
        assert_eq!(parse("1.5s"), Ok(ms(1500)));
        assert_eq!(parse("300ms"), Ok(ms(300)));
        assert_eq!(parse("0.3s"), Ok(ms(300)));
        assert_eq!(parse(" 2 s "), Ok(ms(2000)));
        assert_eq!(parse(".5s"), Ok(ms(500)));
        assert_eq!(parse("1."), Err(ParseError::MissingUnit("1.".into())));
        assert_eq!(parse("1.s"), Ok(ms(1000)));
        assert_eq!(parse("250us"), Ok(Duration::from_micros(250)));
        assert_eq!(parse("250µs"), Ok(Duration::from_micros(250)));
        assert_eq!(parse("7ns"), Ok(Duration::from_nanos(7)));
        assert_eq!(parse("1.5m"), Ok(Duration::from_secs(90)));
        assert_eq!(parse("2min"), Ok(Duration::from_secs(120)));
        assert_eq!(parse("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse("0s"), Ok(Duration::ZERO));
        assert_eq!(parse("0.0000000001s"), Ok(Duration::ZERO));
        assert_eq!(parse("007ms"), Ok(ms(7)));
    }

    #[test]
    fn rejects_what_is_not_a_duration() {
        assert_eq!(parse(""), Err(ParseError::Empty));
        assert_eq!(parse("  "), Err(ParseError::Empty));
        assert_eq!(parse("-1s"), Err(ParseError::Negative("-1s".into())));
        assert_eq!(parse("x"), Err(ParseError::BadNumber("x".into())));
        assert_eq!(parse("s"), Err(ParseError::BadNumber("s".into())));
        assert_eq!(parse("."), Err(ParseError::BadNumber(".".into())));
        assert_eq!(parse("1.2.3s"), Err(ParseError::Malformed("1.2.3s".into())));
        assert_eq!(parse("1ms..5ms"), Err(ParseError::Range("1ms..5ms".into())));
        assert_eq!(parse("1.5"), Err(ParseError::MissingUnit("1.5".into())));
        assert!(matches!(
            parse("3 parsecs"),
            Err(ParseError::BadUnit { .. })
        ));
        assert!(matches!(parse("1s2"), Err(ParseError::BadUnit { .. })));
        assert!(matches!(
            parse("99999999999999999999999h"),
            Err(ParseError::TooLarge(_))
        ));
        assert!(matches!(
            parse("1234567890123456789012345678901234567890ns"),
            Err(ParseError::TooLarge(_))
        ));
    }

    #[test]
    fn error_messages_say_what_to_type() {
        let message = parse("1.5").unwrap_err().to_string();
        assert_eq!(message, "'1.5' has no unit: write e.g. 1.5s or 1.5ms");
    }

    #[test]
    fn formats_with_a_fitting_unit() {
        assert_eq!(format(Duration::from_millis(1434)), "1.43 s");
        assert_eq!(format(Duration::from_micros(17_598)), "17.6 ms");
        assert_eq!(format(Duration::from_nanos(21_449)), "21.4 µs");
        assert_eq!(format(Duration::from_nanos(850)), "850 ns");
        assert_eq!(format(Duration::ZERO), "0 ns");
    }

    #[test]
    fn format_then_parse_round_trips_to_the_shown_precision() {
        let shown = format(Duration::from_millis(1500));
        assert_eq!(parse(&shown), Ok(Duration::from_millis(1500)));
    }

    #[test]
    fn ranges_parse_both_ends_or_one() {
        let ms = Duration::from_millis;
        let range = |a, b| Range::new(ms(a), ms(b)).unwrap();
        assert_eq!(parse_range("5ms..20ms"), Ok(range(5, 20)));
        assert_eq!(parse_range(" 5ms .. 20ms "), Ok(range(5, 20)));
        assert_eq!(parse_range("5..20ms"), Ok(range(5, 20)));
        assert_eq!(parse_range("1s..1500ms"), Ok(range(1000, 1500)));
        assert_eq!(parse_range("7ms"), Ok(Range::fixed(ms(7))));
        assert_eq!(parse_range("3ms..3ms"), Ok(range(3, 3)));
        assert_eq!(range(5, 20).to_string(), "5.0 ms..20.0 ms");
        assert_eq!(range(5, 5).to_string(), "5.0 ms");
        assert_eq!((range(5, 20).min(), range(5, 20).max()), (ms(5), ms(20)));
    }

    #[test]
    fn ranges_say_what_is_wrong() {
        assert_eq!(
            parse_range("5ms..1ms").unwrap_err().to_string(),
            "'5ms..1ms' ends before it starts: write the shorter duration first, e.g. 1ms..5ms"
        );
        assert!(matches!(
            parse_range("5..1ms"),
            Err(RangeError::Backwards { .. })
        ));
        assert_eq!(
            parse_range("x..1ms"),
            Err(RangeError::Bound(ParseError::BadNumber("x".into())))
        );
        assert_eq!(
            parse_range("1ms.."),
            Err(RangeError::Bound(ParseError::Empty))
        );
        assert!(matches!(
            parse_range("1..2"),
            Err(RangeError::Bound(ParseError::MissingUnit(_)))
        ));
        assert!(Range::new(Duration::from_millis(2), Duration::from_millis(1)).is_err());
    }

    #[test]
    fn micros_saturates() {
        assert_eq!(micros(Duration::from_millis(3)), 3000);
        assert_eq!(micros(Duration::MAX), u64::MAX);
    }
}

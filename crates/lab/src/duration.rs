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
    /// The number is missing or malformed.
    #[error("'{0}' does not start with a number: write e.g. 1.5s or 300ms")]
    BadNumber(String),
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
    let number_end = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(number_end);
    let unit = unit.trim_start();

    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !all_digits(whole) || !all_digits(fraction) {
        return Err(ParseError::BadNumber(trimmed.to_owned()));
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
        assert_eq!(parse("1.2.3s"), Err(ParseError::BadNumber("1.2.3s".into())));
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
    fn micros_saturates() {
        assert_eq!(micros(Duration::from_millis(3)), 3000);
        assert_eq!(micros(Duration::MAX), u64::MAX);
    }
}

//! CPU work that the optimizer cannot delete.
//!
//! The experiments need work that really costs time: the note's
//! `[x**2 for x in range(20000)]`, or "a small random amount of work". A
//! loop whose result is never used is deleted by the optimizer in release
//! builds, so every value goes through [`std::hint::black_box`], which the
//! compiler must treat as an unknown use.
//!
//! ```
//! use waiter_lab::work::{spin, squares};
//!
//! // 0² + 1² + 2² + 3² = 14
//! assert_eq!(squares(4), 14);
//! spin(1_000); // about a microsecond of busy work, kept by black_box
//! ```

use std::hint::black_box;

/// Computes the squares of `0..n`, the note's `complex_calculation`, and
/// returns their sum (wrapping on overflow) as a checksum.
///
/// Python builds the list of squares; here each square goes through
/// [`black_box`] and into a running sum instead, so the work is kept
/// without holding `n` values in memory (`--n` can grow to billions).
pub fn squares(n: u64) -> u64 {
    let mut sum = 0u64;
    for x in 0..n {
        let x = black_box(x);
        sum = sum.wrapping_add(black_box(x.wrapping_mul(x)));
    }
    black_box(sum)
}

/// Spins for `iterations` rounds of trivial work: a stand-in for "doing
/// something" whose size we control exactly (about a nanosecond per round in
/// release builds).
pub fn spin(iterations: u64) {
    let mut acc = 0u64;
    for i in 0..iterations {
        acc = black_box(acc.wrapping_add(black_box(i)));
    }
    black_box(acc);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn squares_sum_matches_the_formula() {
        for n in [0u64, 1, 2, 10, 20_000] {
            // Σ x² for x in 0..n = (n-1) n (2n-1) / 6
            let expected = if n == 0 {
                0
            } else {
                (n - 1) * n * (2 * n - 1) / 6
            };
            assert_eq!(squares(n), expected, "n = {n}");
        }
    }
}

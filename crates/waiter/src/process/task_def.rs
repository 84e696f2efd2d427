//! A task's name and types, known to the compiler.
//!
//! A [`TaskDef<A, R>`] names a task that takes an `A` and returns an `R`.
//! The same constant registers the function ([`Registry::register`]) and
//! calls it ([`ProcessPool::submit`](super::ProcessPool::submit)), so a
//! call with another argument or result type does not compile:
//!
//! ```
//! use waiter::process::{Registry, TaskDef};
//!
//! const SQUARE: TaskDef<u64, u64> = TaskDef::new("square");
//! let registry = Registry::new().register(SQUARE, |x| x * x);
//! assert!(registry.contains(SQUARE.name()));
//! ```
//!
//! Across the process boundary the compiler cannot help: each call carries
//! a [`Signature`] fingerprint (the name and both type names), and a worker
//! whose task has another one answers
//! [`TaskError::Mismatch`](super::TaskError::Mismatch) without decoding a
//! byte. (`TaskDef::new` with another program's name and the wrong types is
//! the unchecked path: it is caught there, at run time.)
//!
//! [`Registry::register`]: super::Registry::register

use std::fmt;
use std::marker::PhantomData;

/// A task taking `A` and returning `R`, by name. Copy it freely: it is a
/// name and two types.
///
/// The same constant registers the function and calls it, so a call with
/// other types does not compile; across the process boundary each call
/// carries its [`Signature`]'s fingerprint, and a worker whose task differs
/// answers [`TaskError::Mismatch`](super::TaskError::Mismatch). See the
/// [`process` module docs](super).
///
/// ```
/// use waiter::process::{Registry, TaskDef};
///
/// const SQUARE: TaskDef<u64, u64> = TaskDef::new("square");
/// let registry = Registry::new().register(SQUARE, |x| x * x);
/// assert_eq!(registry.signature("square"), Some(&SQUARE.signature()));
/// ```
pub struct TaskDef<A, R> {
    name: &'static str,
    _types: PhantomData<fn(A) -> R>,
}

impl<A, R> TaskDef<A, R> {
    /// The task called `name`, from `A` to `R`.
    pub const fn new(name: &'static str) -> Self {
        Self {
            name,
            _types: PhantomData,
        }
    }

    /// The task's name.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// Its name and types, as they travel with each call.
    pub fn signature(&self) -> Signature {
        Signature::new(
            self.name,
            std::any::type_name::<A>(),
            std::any::type_name::<R>(),
        )
    }
}

impl<A, R> Clone for TaskDef<A, R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<A, R> Copy for TaskDef<A, R> {}

impl<A, R> fmt::Debug for TaskDef<A, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TaskDef({:?}: {})", self.name, self.signature().types())
    }
}

/// A task's name and the names of its argument and result types, with a
/// 64-bit fingerprint of the three (FNV-1a: the same in every build, unlike
/// std's hasher).
///
/// The fingerprint tells apart tasks whose type *names* differ. Two builds
/// whose types have the same names and other fields are not told apart by
/// it; their bytes then fail to decode ([`TaskError::Protocol`]), which is
/// still an error and never a value of the wrong type, unless the two shapes
/// happen to share an encoding.
///
/// [`TaskError::Protocol`]: super::TaskError::Protocol
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    name: String,
    argument: &'static str,
    result: &'static str,
    fingerprint: u64,
}

impl Signature {
    fn new(name: &str, argument: &'static str, result: &'static str) -> Self {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for part in [name, argument, result] {
            for byte in part.bytes().chain([0xff]) {
                hash ^= u64::from(byte);
                hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
        Self {
            name: name.to_owned(),
            argument,
            result,
            fingerprint: hash,
        }
    }

    /// The task's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The argument type's name.
    pub fn argument(&self) -> &'static str {
        self.argument
    }

    /// The result type's name.
    pub fn result(&self) -> &'static str {
        self.result
    }

    /// The fingerprint a call carries.
    pub fn fingerprint(&self) -> u64 {
        self.fingerprint
    }

    /// `fn(u64) -> u64`.
    pub fn types(&self) -> String {
        types(self.argument, self.result)
    }
}

/// `fn(A) -> R` from two type names.
pub(crate) fn types(argument: &str, result: &str) -> String {
    format!("fn({argument}) -> {result}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_tell_names_and_types_apart() {
        let square = TaskDef::<u64, u64>::new("square").signature();
        assert_eq!(square, TaskDef::<u64, u64>::new("square").signature());
        for other in [
            TaskDef::<i64, u64>::new("square").signature(),
            TaskDef::<u64, i64>::new("square").signature(),
            TaskDef::<u64, u64>::new("cube").signature(),
            TaskDef::<String, u64>::new("square").signature(),
            // The parts are separated: ("ab", "c") is not ("a", "bc").
            TaskDef::<u64, u64>::new("square\u{ff}").signature(),
        ] {
            assert_ne!(square.fingerprint(), other.fingerprint(), "{other:?}");
        }
        assert_eq!(square.types(), "fn(u64) -> u64");
    }

    #[test]
    fn the_fingerprint_is_stable_across_builds() {
        // FNV-1a of "square\xffu64\xffu64\xff", computed once by hand: a
        // worker built by another compiler computes the same.
        assert_eq!(
            TaskDef::<u64, u64>::new("square").signature().fingerprint(),
            0x84a8_e197_5c46_45af
        );
    }
}

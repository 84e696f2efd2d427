//! Named threads, started and joined with the lab's errors: written once.
//!
//! Every experiment names its threads (the name is the timeline's lane),
//! turns a refused start into [`Error::Spawn`] naming the thread, and a
//! panic into [`Error::Panicked`] with the panic's message; [`join_all`]
//! joins every thread that started, even after one failed, so none is
//! left running.
//!
//! ```
//! use waiter_lab::threads::{join_all, spawn_named};
//!
//! let handles = (1..=3).map(|i| (format!("worker-{i}"), spawn_named(&format!("worker-{i}"), move || i * 10)));
//! assert_eq!(join_all(handles)?, [10, 20, 30]);
//!
//! let failing = spawn_named("boom", || -> u32 { panic!("no luck") });
//! let error = join_all([("boom", failing)]).unwrap_err();
//! assert_eq!(error.to_string(), "boom failed: no luck");
//! # Ok::<(), waiter_lab::Error>(())
//! ```

use std::thread::{self, JoinHandle, Scope, ScopedJoinHandle};

use waiter::Panic;

use crate::Error;

/// Starts a thread named `name`.
///
/// # Errors
///
/// [`Error::Spawn`] naming the thread, if the system refuses it.
pub fn spawn_named<T: Send + 'static>(
    name: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<JoinHandle<T>, Error> {
    thread::Builder::new()
        .name(name.to_owned())
        .spawn(f)
        .map_err(|source| spawn_error(name, source))
}

/// Starts a thread named `name` in `scope`, so it may borrow.
///
/// # Errors
///
/// [`Error::Spawn`] naming the thread, if the system refuses it.
pub fn spawn_scoped<'scope, T: Send + 'scope>(
    scope: &'scope Scope<'scope, '_>,
    name: &str,
    f: impl FnOnce() -> T + Send + 'scope,
) -> Result<ScopedJoinHandle<'scope, T>, Error> {
    thread::Builder::new()
        .name(name.to_owned())
        .spawn_scoped(scope, f)
        .map_err(|source| spawn_error(name, source))
}

/// A thread that can be waited for: a [`JoinHandle`] or a
/// [`ScopedJoinHandle`].
pub trait Joinable<T> {
    /// Waits for the thread; its panic's payload if it panicked.
    fn join_thread(self) -> thread::Result<T>;
}

impl<T> Joinable<T> for JoinHandle<T> {
    fn join_thread(self) -> thread::Result<T> {
        self.join()
    }
}

impl<T> Joinable<T> for ScopedJoinHandle<'_, T> {
    fn join_thread(self) -> thread::Result<T> {
        self.join()
    }
}

/// Waits for one thread.
///
/// # Errors
///
/// [`Error::Panicked`] naming `what`, with the panic's message.
pub fn join<T>(handle: impl Joinable<T>, what: &str) -> Result<T, Error> {
    handle
        .join_thread()
        .map_err(|payload| panicked(what, payload))
}

/// Waits for every thread that started, in order, even after one failed
/// (to start, or by panicking): the values, or the first error.
///
/// # Errors
///
/// The first [`Error::Spawn`] or [`Error::Panicked`], in the order given.
pub fn join_all<T, H: Joinable<T>>(
    handles: impl IntoIterator<Item = (impl AsRef<str>, Result<H, Error>)>,
) -> Result<Vec<T>, Error> {
    let mut values = Vec::new();
    let mut first_error = None;
    for (name, handle) in handles {
        match handle.and_then(|handle| join(handle, name.as_ref())) {
            Ok(value) => values.push(value),
            Err(error) => {
                first_error.get_or_insert(error);
            }
        }
    }
    match first_error {
        Some(error) => Err(error),
        None => Ok(values),
    }
}

/// A panic's payload as an error naming `what`.
pub(crate) fn panicked(what: &str, payload: Box<dyn std::any::Any + Send>) -> Error {
    Error::Panicked {
        what: what.to_owned(),
        message: Panic::from_payload(payload).message().to_owned(),
    }
}

fn spawn_error(name: &str, source: std::io::Error) -> Error {
    Error::Spawn {
        name: name.to_owned(),
        source,
    }
}

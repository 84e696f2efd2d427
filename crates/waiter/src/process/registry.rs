//! The tasks a worker process can run, by name.
//!
//! Closures cannot cross a process boundary, so a process pool runs
//! *named* functions: the same binary registers them in the parent (to check
//! names at submission) and in the worker (to run them). Arguments and
//! results are serde values.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::protocol::ItemResult;

type Erased = Arc<dyn Fn(&[u8]) -> ItemResult + Send + Sync>;

/// Named functions a [`ProcessPool`](super::ProcessPool) can run.
///
/// # Examples
///
/// ```
/// use waiter::process::Registry;
///
/// let registry = Registry::new()
///     .register("square", |x: u64| x * x)
///     .register("greet", |name: String| format!("Hello, {name}"));
/// assert!(registry.contains("square"));
/// ```
#[derive(Clone, Default)]
pub struct Registry {
    tasks: BTreeMap<String, Erased>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `f` under `name` (replacing an earlier one of that name).
    pub fn register<A, R, F>(mut self, name: impl Into<String>, f: F) -> Self
    where
        A: DeserializeOwned,
        R: Serialize,
        F: Fn(A) -> R + Send + Sync + 'static,
    {
        let erased = move |bytes: &[u8]| match postcard::from_bytes::<A>(bytes) {
            Err(error) => ItemResult::BadArgument(error.to_string()),
            Ok(argument) => match postcard::to_stdvec(&f(argument)) {
                Ok(bytes) => ItemResult::Value(bytes),
                Err(error) => ItemResult::BadArgument(format!("result does not encode: {error}")),
            },
        };
        self.tasks.insert(name.into(), Arc::new(erased));
        self
    }

    /// Whether a task of this name is registered.
    pub fn contains(&self, name: &str) -> bool {
        self.tasks.contains_key(name)
    }

    /// The registered names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.tasks.keys().map(String::as_str)
    }

    pub(crate) fn get(&self, name: &str) -> Option<&Erased> {
        self.tasks.get(name)
    }
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.tasks.keys()).finish()
    }
}

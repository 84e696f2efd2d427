//! The tasks a worker process can run, by name and type.
//!
//! Closures cannot cross a process boundary, so a process pool runs
//! *named* functions: the same binary registers them in the parent (to check
//! calls at submission) and in the worker (to run them). Each is registered
//! under a [`TaskDef`], whose types the function must have; arguments and
//! results are serde values.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::protocol::ItemResult;
use super::task_def::{Signature, TaskDef};

type Erased = Arc<dyn Fn(&[u8]) -> ItemResult + Send + Sync>;

/// One registered task.
#[derive(Clone)]
pub(crate) struct Entry {
    pub(crate) signature: Signature,
    pub(crate) run: Erased,
}

/// Named, typed functions a [`ProcessPool`](super::ProcessPool) can run.
///
/// # Examples
///
/// ```
/// use waiter::process::{Registry, TaskDef};
///
/// const SQUARE: TaskDef<u64, u64> = TaskDef::new("square");
/// const GREET: TaskDef<String, String> = TaskDef::new("greet");
///
/// let registry = Registry::new()
///     .register(SQUARE, |x| x * x)
///     .register(GREET, |name| format!("Hello, {name}"));
/// assert!(registry.contains("square"));
/// ```
///
/// The function must have the task's types:
///
/// ```compile_fail
/// use waiter::process::{Registry, TaskDef};
///
/// const SQUARE: TaskDef<u64, u64> = TaskDef::new("square");
/// let registry = Registry::new().register(SQUARE, |x: i32| x * x);
/// ```
#[derive(Clone, Default)]
pub struct Registry {
    tasks: BTreeMap<&'static str, Entry>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `f` as `task` (replacing an earlier one of that name).
    pub fn register<A, R, F>(mut self, task: TaskDef<A, R>, f: F) -> Self
    where
        A: DeserializeOwned,
        R: Serialize,
        F: Fn(A) -> R + Send + Sync + 'static,
    {
        let run = move |bytes: &[u8]| match postcard::from_bytes::<A>(bytes) {
            Err(error) => ItemResult::BadArgument(format!(
                "{} does not decode: {error}",
                std::any::type_name::<A>()
            )),
            Ok(argument) => match postcard::to_stdvec(&f(argument)) {
                Ok(bytes) => ItemResult::Value(bytes),
                Err(error) => ItemResult::BadResult(format!(
                    "{} does not encode: {error}",
                    std::any::type_name::<R>()
                )),
            },
        };
        self.tasks.insert(
            task.name(),
            Entry {
                signature: task.signature(),
                run: Arc::new(run),
            },
        );
        self
    }

    /// Whether a task of this name is registered.
    pub fn contains(&self, name: &str) -> bool {
        self.tasks.contains_key(name)
    }

    /// The registered names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.tasks.keys().copied()
    }

    /// The signature registered under `name`.
    pub fn signature(&self, name: &str) -> Option<&Signature> {
        self.tasks.get(name).map(|entry| &entry.signature)
    }

    pub(crate) fn get(&self, name: &str) -> Option<&Entry> {
        self.tasks.get(name)
    }
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(
                self.tasks
                    .iter()
                    .map(|(name, entry)| (name, entry.signature.types())),
            )
            .finish()
    }
}

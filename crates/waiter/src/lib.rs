//! # waiter
//!
//! A concurrency toolkit that takes Python's `concurrent.futures` and the
//! dining philosophers' waiter to Rust:
//!
//! - [`Pool`]: a fixed pool of worker threads. [`Pool::submit`] returns a
//!   [`Task`] handle (wait from any number of threads, with timeouts,
//!   cancel, done callbacks, `.await`); [`Pool::map`], [`as_completed`],
//!   [`wait`] (with Python's `return_when`), [`wait_any`] and [`wait_all`]
//!   work on many; [`Pool::scope`] lets tasks borrow; dropping the pool waits for
//!   its work, like leaving Python's `with ThreadPoolExecutor(...)` block.
//!
//! - [`Waiter`]: the dining philosophers' waiter, generalised: a fair,
//!   deadlock-free lock over *sets* of resources with capacities; a request
//!   is granted all or nothing, in FIFO order, optionally for a time slice.
//!
//! - [`trace`]: a span recorder cheap enough to leave on (a buffer per
//!   thread, one branch when off) that turns who did what when into a
//!   [`trace::Timeline`], exported for Perfetto ([`trace::chrome_json`]) or
//!   drawn as an SVG picture ([`trace::svg()`]).
//!
//! ```
//! use waiter::Pool;
//!
//! let pool = Pool::new(2)?;
//! let answer = pool.submit(|| 6 * 7)?;
//! let squares: Vec<u64> = pool.map(1..=4u64, |x| x * x).collect::<Result<_, _>>()?;
//! assert_eq!(answer.wait()?, 42);
//! assert_eq!(squares, [1, 4, 9, 16]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

pub mod arbiter;
#[cfg(not(loom))]
pub mod child;
pub mod gil;
pub mod pool;
// Real processes and pipes: nothing for loom to model but its latch.
#[cfg(not(loom))]
pub mod process;
// The process pool's one state machine, model-checked on its own.
#[cfg(loom)]
#[path = "process/unread.rs"]
mod process_unread;
mod sync;
pub mod trace;

// The README's example is compiled and run as a doc test.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;

pub use arbiter::{
    Acquire, Grant, ParsePolicyError, Policy, Request, Waiter, WaiterBuilder, WaiterError,
};
pub use pool::{
    AsCompleted, AsCompletedTimeout, BuildError, CancelToken, LostPanic, Map, Panic, Pool,
    PoolBuilder, ReturnWhen, Scope, ScopedTask, SharedTask, SubmitError, SubmitErrorKind, Task,
    TaskError, TaskHandle, TaskId, TaskState, Waitable, Waited, as_completed, as_completed_timeout,
    default_workers, wait, wait_all, wait_any,
};
#[cfg(not(loom))]
pub use process::{ProcessError, ProcessPool, ProcessTask, Registry, TaskDef};

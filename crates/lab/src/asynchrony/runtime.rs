//! The runtimes the programs run on, behind one small trait.
//!
//! The programs ([`super::programs`]) are written once, generic over
//! `Rt`: sleeping, yielding and spawning are the only things they need
//! from a runtime. `Mini` is the lab's teaching loop, `Tokio` is
//! tokio's current-thread runtime (one thread, like asyncio's loop).

use std::fmt;
use std::future::Future;
use std::time::Duration;

use serde::Serialize;

use super::mini;
use crate::error::Error;

/// Which event loop ran a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Runtime {
    /// The lab's teaching loop, [`mini`].
    Mini,
    /// tokio, current-thread runtime.
    Tokio,
    /// CPython's asyncio (`python/async_baseline.py`).
    Asyncio,
}

impl Runtime {
    /// The Rust runtimes, in the order they run.
    pub const RUST: [Runtime; 2] = [Runtime::Mini, Runtime::Tokio];

    /// `mini`, `tokio`, `asyncio`.
    pub fn name(self) -> &'static str {
        match self {
            Runtime::Mini => "mini",
            Runtime::Tokio => "tokio",
            Runtime::Asyncio => "asyncio",
        }
    }
}

impl fmt::Display for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a program needs from an event loop.
pub(crate) trait Rt: 'static {
    /// Which runtime this is.
    const RUNTIME: Runtime;

    /// Waits `duration` without holding the loop.
    fn sleep(duration: Duration) -> impl Future<Output = ()> + Send;

    /// Gives the loop back once.
    fn yield_now() -> impl Future<Output = ()> + Send;

    /// Starts `future` as a task named `name`; the returned future gives
    /// its output. A panic in the task goes on in whoever awaits it.
    fn spawn<T: Send + 'static>(
        name: &str,
        future: impl Future<Output = T> + Send + 'static,
    ) -> impl Future<Output = T> + Send;
}

/// The lab's teaching loop.
pub(crate) struct Mini;

impl Rt for Mini {
    const RUNTIME: Runtime = Runtime::Mini;

    fn sleep(duration: Duration) -> impl Future<Output = ()> + Send {
        mini::sleep(duration)
    }

    fn yield_now() -> impl Future<Output = ()> + Send {
        mini::yield_now()
    }

    fn spawn<T: Send + 'static>(
        name: &str,
        future: impl Future<Output = T> + Send + 'static,
    ) -> impl Future<Output = T> + Send {
        mini::spawn(name, future)
    }
}

/// tokio's current-thread runtime.
pub(crate) struct Tokio;

impl Rt for Tokio {
    const RUNTIME: Runtime = Runtime::Tokio;

    fn sleep(duration: Duration) -> impl Future<Output = ()> + Send {
        tokio::time::sleep(duration)
    }

    fn yield_now() -> impl Future<Output = ()> + Send {
        tokio::task::yield_now()
    }

    fn spawn<T: Send + 'static>(
        _name: &str,
        future: impl Future<Output = T> + Send + 'static,
    ) -> impl Future<Output = T> + Send {
        let handle = tokio::spawn(future);
        async move {
            match handle.await {
                Ok(value) => value,
                Err(error) => match error.try_into_panic() {
                    Ok(panic) => std::panic::resume_unwind(panic),
                    // Tasks are only cancelled when the runtime shuts down,
                    // after every program awaited its tasks.
                    Err(error) => panic!("a tokio task ended early: {error}"),
                },
            }
        }
    }
}

/// A tokio runtime on the calling thread only: no worker threads, the
/// timer driven by the same thread, as asyncio's loop.
pub(crate) fn tokio_current_thread() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .map_err(|source| Error::Spawn {
            name: "tokio runtime".into(),
            source,
        })
}

//! Why async at all: many concurrent waits, as threads, pool tasks and
//! async tasks, timed and weighed.
//!
//! Every way starts all its sleepers before any of them sleeps (threads
//! wait at a gate until the last one started; async tasks only start when
//! the spawning task awaits), so all of them are alive at once. The extra
//! memory is the process's peak resident set during the run minus the
//! resident set before it (read from `/proc/self/status`).

use std::fmt;
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::mini::{self, Loop};
use super::rss;
use super::runtime::tokio_current_thread;
use crate::error::Error;

/// A way to run many sleeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Way {
    /// One OS thread per sleep (`std::thread::sleep`).
    Threads,
    /// A `waiter::Pool`: its workers sleep one task at a time each.
    Pool,
    /// tokio tasks on a current-thread runtime.
    Tokio,
    /// `mini` tasks.
    Mini,
    /// asyncio tasks (`python/async_baseline.py`).
    Asyncio,
}

impl Way {
    /// The Rust ways, in the order they run.
    pub const RUST: [Way; 4] = [Way::Threads, Way::Pool, Way::Tokio, Way::Mini];

    /// `threads`, `pool`, `tokio`, `mini`, `asyncio`.
    pub fn name(self) -> &'static str {
        match self {
            Way::Threads => "threads",
            Way::Pool => "pool",
            Way::Tokio => "tokio",
            Way::Mini => "mini",
            Way::Asyncio => "asyncio",
        }
    }
}

impl fmt::Display for Way {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What one way measured.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Slept {
    /// How many sleeps ran.
    pub sleeps: usize,
    /// From the first start to the last end, in microseconds.
    pub wall_us: u64,
    /// The peak resident set during the run minus the one before, in KiB;
    /// `None` where the system does not say.
    pub extra_rss_kib: Option<u64>,
}

/// Runs `sleeps` sleeps of `nap` the Rust way `way` (`pool_workers` for
/// [`Way::Pool`]).
///
/// # Errors
///
/// [`Error::Spawn`] if the system refuses a thread (the threads already
/// started are released and joined first), [`Error::Pool`] if the pool
/// cannot start.
pub(crate) fn run(
    way: Way,
    sleeps: usize,
    nap: Duration,
    pool_workers: usize,
) -> Result<Slept, Error> {
    rss::trim();
    let before = rss::Peak::start();
    let start = Instant::now();
    match way {
        Way::Threads => threads(sleeps, nap)?,
        Way::Pool => pool(sleeps, nap, pool_workers)?,
        Way::Tokio => tokio_tasks(sleeps, nap)?,
        Way::Mini => mini_tasks(sleeps, nap),
        Way::Asyncio => unreachable!("asyncio runs in Python"),
    }
    let wall = start.elapsed();
    Ok(Slept {
        sleeps,
        wall_us: crate::duration::micros(wall),
        extra_rss_kib: before.extra_kib(),
    })
}

/// Opens once, for every thread waiting at it.
#[derive(Default)]
struct Gate {
    open: Mutex<bool>,
    opened: Condvar,
}

impl Gate {
    fn wait(&self) {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        while !*open {
            open = self.opened.wait(open).unwrap_or_else(|p| p.into_inner());
        }
    }

    fn open(&self) {
        *self.open.lock().unwrap_or_else(|p| p.into_inner()) = true;
        self.opened.notify_all();
    }
}

fn threads(sleeps: usize, nap: Duration) -> Result<(), Error> {
    let gate = Arc::new(Gate::default());
    let mut handles = Vec::with_capacity(sleeps);
    let mut refused = None;
    for i in 0..sleeps {
        let gate = Arc::clone(&gate);
        // Small stacks: a sleeping thread needs little, and the default
        // 2 MiB of address space each is not what is being measured.
        let spawned = thread::Builder::new()
            .name(format!("sleeper-{i}"))
            .stack_size(64 * 1024)
            .spawn(move || {
                gate.wait();
                thread::sleep(nap);
            });
        match spawned {
            Ok(handle) => handles.push(handle),
            Err(source) => {
                refused = Some(Error::Spawn {
                    name: format!("sleeper-{i} (of {sleeps})"),
                    source,
                });
                break;
            }
        }
    }
    gate.open();
    for handle in handles {
        let _ = handle.join();
    }
    refused.map_or(Ok(()), Err)
}

fn pool(sleeps: usize, nap: Duration, workers: usize) -> Result<(), Error> {
    let pool = waiter::Pool::new(workers)?;
    let tasks: Vec<_> = (0..sleeps)
        .map(|_| pool.submit(move || thread::sleep(nap)))
        .collect::<Result<_, _>>()
        .map_err(|error| Error::Submit(error.kind()))?;
    for task in tasks {
        let _ = task.wait();
    }
    Ok(())
}

fn tokio_tasks(sleeps: usize, nap: Duration) -> Result<(), Error> {
    tokio_current_thread()?.block_on(async {
        let handles: Vec<_> = (0..sleeps)
            .map(|_| tokio::spawn(tokio::time::sleep(nap)))
            .collect();
        for handle in handles {
            let _ = handle.await;
        }
    });
    Ok(())
}

fn mini_tasks(sleeps: usize, nap: Duration) {
    Loop::new(waiter::trace::Recorder::off()).block_on(async {
        let handles: Vec<_> = (0..sleeps)
            .map(|_| mini::spawn("sleeper", mini::sleep(nap)))
            .collect();
        for handle in handles {
            handle.await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_way_sleeps_concurrently() {
        let nap = Duration::from_millis(50);
        for way in Way::RUST {
            let slept = run(way, 200, nap, 100).unwrap();
            assert_eq!(slept.sleeps, 200);
            // Concurrent: far less than 200 sleeps one after the other, and
            // the pool's 100 workers need two rounds.
            let rounds = if way == Way::Pool { 2 } else { 1 };
            assert!(slept.wall_us >= 50_000 * rounds, "{way}: {slept:?}");
            assert!(slept.wall_us < 200 * 50_000 / 4, "{way}: {slept:?}");
        }
    }
}

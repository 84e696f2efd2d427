//! The ways of running a workload's two units, in Rust: one after the
//! other, on two threads, on two threads under the simulated GIL, on two
//! worker processes, and as async tasks. (The CPython rows come from
//! [`python`](super::python).)
//!
//! Each runner returns what it [`Measured`]: wall time, CPU time (see
//! [`usage`]), a checksum (the primes counted, the same in
//! every mode: the sequential run is the oracle), and, for the thread
//! modes, who did what when.

use std::fmt;
use std::thread;
use std::time::{Duration, Instant};

use serde::Serialize;
use waiter::gil::{Gil, Python};
use waiter::process::{ProcessPool, Registry, TaskDef};

use super::timeline::{self, GilRecord};
use super::usage;
use super::workload::{Unit, count_primes};
use crate::duration::micros;
use crate::error::Error;
use crate::report::{Lane, Recorder, State};
use crate::threads;

/// The process-pool task that counts primes: `u64` bound → `u64` count.
pub const CPU_TASK: TaskDef<u64, u64> = TaskDef::new("waiter-lab.gil.count_primes");

/// The process-pool task that sleeps: `u64` microseconds → `0`.
pub const IO_TASK: TaskDef<u64, u64> = TaskDef::new("waiter-lab.gil.sleep_us");

/// The tasks the worker processes of the `processes` mode run. The binary
/// that runs the experiment must serve them as a worker first thing in
/// `main` (see [`waiter::process::serve_if_worker`]).
///
/// ```
/// let registry = waiter_lab::gil::registry();
/// assert!(registry.contains(waiter_lab::gil::modes::CPU_TASK.name()));
/// ```
pub fn registry() -> Registry {
    Registry::new()
        .register(CPU_TASK, |below| count_primes(below, || {}))
        .register(IO_TASK, |us| {
            thread::sleep(Duration::from_micros(us));
            0
        })
}

/// A way of running the two units.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Rust: both units one after the other on the calling thread.
    Sequential,
    /// Rust: one `std::thread` per unit, no lock between them.
    Threads,
    /// Rust: one thread per unit, both registered with one simulated GIL.
    ThreadsGil,
    /// Rust: a [`ProcessPool`] of 2 workers (started inside the timing).
    Processes,
    /// Rust: tokio, one event-loop thread; waits are `tokio::time::sleep`
    /// tasks, CPU units go to `spawn_blocking`.
    Async,
    /// CPython: both units one after the other.
    PySequential,
    /// CPython: two `threading.Thread`s.
    PyThreads,
    /// CPython: `ProcessPoolExecutor(max_workers=2)`.
    PyProcesses,
    /// CPython: `asyncio.sleep`, and `run_in_executor` for CPU units.
    PyAsyncio,
}

impl Mode {
    /// Every mode, in the order of the table.
    pub const ALL: [Mode; 9] = [
        Mode::Sequential,
        Mode::Threads,
        Mode::ThreadsGil,
        Mode::Processes,
        Mode::Async,
        Mode::PySequential,
        Mode::PyThreads,
        Mode::PyProcesses,
        Mode::PyAsyncio,
    ];

    /// The modes run in Rust.
    pub const RUST: [Mode; 5] = [
        Mode::Sequential,
        Mode::Threads,
        Mode::ThreadsGil,
        Mode::Processes,
        Mode::Async,
    ];

    /// The modes run by CPython.
    pub const PYTHON: [Mode; 4] = [
        Mode::PySequential,
        Mode::PyThreads,
        Mode::PyProcesses,
        Mode::PyAsyncio,
    ];

    /// The mode's name in the table.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Sequential => "sequential",
            Mode::Threads => "threads",
            Mode::ThreadsGil => "threads + simulated GIL",
            Mode::Processes => "processes (ProcessPool)",
            Mode::Async => "async (tokio)",
            Mode::PySequential => "CPython sequential",
            Mode::PyThreads => "CPython threads",
            Mode::PyProcesses => "CPython processes",
            Mode::PyAsyncio => "CPython asyncio",
        }
    }

    /// Whether CPython runs it.
    pub fn is_python(self) -> bool {
        Mode::PYTHON.contains(&self)
    }

    /// The mode's name in the Python script's JSON, for CPython modes.
    pub fn python_name(self) -> Option<&'static str> {
        match self {
            Mode::PySequential => Some("sequential"),
            Mode::PyThreads => Some("threads"),
            Mode::PyProcesses => Some("processes"),
            Mode::PyAsyncio => Some("asyncio"),
            _ => None,
        }
    }

    /// The sequential mode its speed-up is measured against.
    pub fn baseline(self) -> Mode {
        if self.is_python() {
            Mode::PySequential
        } else {
            Mode::Sequential
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What one run of one mode measured.
#[derive(Debug)]
pub struct Measured {
    /// From before the first unit started to after the last ended.
    pub wall: Duration,
    /// CPU time used meanwhile, if the OS says.
    pub cpu: Option<Duration>,
    /// The primes counted, summed over the units.
    pub check: u64,
    /// Who did what when (the thread modes), in microseconds from the
    /// mode's start.
    pub lanes: Vec<Lane>,
    /// What the simulated GIL recorded ([`Mode::ThreadsGil`]).
    pub gil: Option<GilRecord>,
    /// Of `wall`, the time it took to start the workers ([`Mode::Processes`]).
    pub startup: Option<Duration>,
}

impl Measured {
    /// A measurement with no timeline and no GIL record.
    fn plain(wall: Duration, cpu: Option<Duration>, check: u64) -> Self {
        Self {
            wall,
            cpu,
            check,
            lanes: Vec::new(),
            gil: None,
            startup: None,
        }
    }
}

/// Both units, one after the other, on the calling thread.
pub fn sequential(units: &[Unit]) -> Measured {
    let (check, wall, cpu) = usage::measure(|| units.iter().map(|&u| plain(u, None)).sum());
    Measured::plain(wall, cpu, check)
}

/// One plain thread per unit, started then joined.
///
/// # Errors
///
/// [`Error::Spawn`] if a thread cannot start, [`Error::Panicked`] if one
/// panics (a bug).
pub fn threads(units: &[Unit]) -> Result<Measured, Error> {
    let recorder = Recorder::new();
    let names = thread_names(units);
    for name in &names {
        recorder.declare(name);
    }
    let (check, wall, cpu) = usage::measure(|| {
        thread::scope(|s| {
            let handles = units
                .iter()
                .zip(&names)
                .map(|(&unit, name)| {
                    let recorder = &recorder;
                    threads::spawn_scoped(s, name, move || plain(unit, Some((recorder, name))))
                })
                .collect::<Vec<_>>();
            threads::join_all(names.iter().zip(handles)).map(|checks| checks.iter().sum())
        })
    });
    Ok(Measured {
        wall,
        cpu,
        check: check?,
        lanes: recorder.finish("").lanes,
        gil: None,
        startup: None,
    })
}

/// One thread per unit, both running as Python threads of one simulated
/// GIL with this switch interval: CPU units tick after every candidate
/// number, waits release the GIL.
///
/// # Errors
///
/// As [`threads()`].
pub fn threads_gil(units: &[Unit], interval: Duration) -> Result<Measured, Error> {
    let names = thread_names(units);
    // The GIL's records count from its creation; the waits recorded here
    // count from `origin`, taken just before (a few microseconds apart).
    let origin = Instant::now();
    let gil = Gil::new(interval);
    let io = Recorder::starting_at(origin);
    let (check, wall, cpu) = usage::measure(|| {
        thread::scope(|s| {
            let handles = units
                .iter()
                .zip(&names)
                .map(|(&unit, name)| {
                    let (gil, io) = (&gil, &io);
                    threads::spawn_scoped(s, name, move || {
                        gil.run(name, |py| under_gil(py, unit, io, name))
                    })
                })
                .collect::<Vec<_>>();
            threads::join_all(names.iter().zip(handles)).map(|checks| checks.iter().sum())
        })
    });
    let record = GilRecord::of(&gil);
    let order: Vec<&str> = names.iter().map(String::as_str).collect();
    Ok(Measured {
        wall,
        cpu,
        check: check?,
        lanes: timeline::gil_lanes(&record, io.finish("").lanes, &order),
        gil: Some(record),
        startup: None,
    })
}

/// The units on a [`ProcessPool`] of 2 workers running [`registry`]'s
/// tasks. Starting the workers is part of the timing (it is part of the
/// price of processes), and it is also measured apart ([`Measured::startup`]:
/// the pool built and every worker through one empty task), so the warm run
/// can be told from the start-up; stopping the pool is timed too, and waits
/// for the workers to exit so that their CPU time is counted.
///
/// # Errors
///
/// Why the pool could not run the units (the binary does not serve as a
/// worker, a worker died), as a message for the row.
pub fn processes(units: &[Unit]) -> Result<Measured, String> {
    let (outcome, wall, cpu) = usage::measure(|| -> Result<(u64, Duration), String> {
        let start = Instant::now();
        let workers = units.len().max(1);
        let pool = ProcessPool::builder(registry())
            .workers(workers)
            .build()
            .map_err(|e| format!("the process pool did not start: {e}"))?;
        // One empty task per worker: every worker is up and answering.
        let warmups = (0..workers)
            .map(|_| pool.submit(IO_TASK, &0))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("the process pool refused a task: {e}"))?;
        for warmup in warmups {
            warmup
                .wait()
                .map_err(|e| format!("a worker process failed: {e}"))?;
        }
        let startup = start.elapsed();
        let tasks = units
            .iter()
            .map(|unit| match *unit {
                Unit::Cpu { below } => pool.submit(CPU_TASK, &below),
                Unit::Io { wait } => pool.submit(IO_TASK, &micros(wait)),
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("the process pool refused a task: {e}"))?;
        let mut check = 0;
        for task in tasks {
            check += task
                .wait()
                .map_err(|e| format!("a worker process failed: {e}"))?;
        }
        drop(pool);
        Ok((check, startup))
    });
    let (check, startup) = outcome?;
    let mut measured = Measured::plain(wall, cpu, check);
    measured.startup = Some(startup);
    Ok(measured)
}

/// The units as tokio tasks on a current-thread runtime (one event loop,
/// like asyncio's): waits are `tokio::time::sleep`, CPU units run on the
/// blocking pool (`spawn_blocking`, like `run_in_executor`). Building the
/// runtime is part of the timing, as `asyncio.run` is.
///
/// # Errors
///
/// [`Error::Spawn`] if the runtime cannot start, [`Error::Panicked`] if a
/// task panics.
pub fn asynchronous(units: &[Unit]) -> Result<Measured, Error> {
    let (check, wall, cpu) = usage::measure(|| -> Result<u64, Error> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .map_err(|source| Error::Spawn {
                name: "tokio runtime".into(),
                source,
            })?;
        runtime.block_on(async {
            let handles: Vec<tokio::task::JoinHandle<u64>> = units
                .iter()
                .map(|unit| match *unit {
                    Unit::Cpu { below } => {
                        tokio::task::spawn_blocking(move || count_primes(below, || {}))
                    }
                    Unit::Io { wait } => tokio::spawn(async move {
                        tokio::time::sleep(wait).await;
                        0
                    }),
                })
                .collect();
            let mut check = 0;
            for handle in handles {
                check += handle.await.map_err(|e| Error::Panicked {
                    what: "an async task".into(),
                    message: e.to_string(),
                })?;
            }
            Ok(check)
        })
    });
    Ok(Measured::plain(wall, cpu, check?))
}

/// Thread names for the units: `cpu-1`, `io-2`…
fn thread_names(units: &[Unit]) -> Vec<String> {
    units
        .iter()
        .enumerate()
        .map(|(i, unit)| format!("{}-{}", unit.kind(), i + 1))
        .collect()
}

/// Runs a unit with no lock, recording its span if asked.
fn plain(unit: Unit, recorder: Option<(&Recorder, &String)>) -> u64 {
    let start = Instant::now();
    let (value, state) = match unit {
        Unit::Cpu { below } => (count_primes(below, || {}), State::Running),
        Unit::Io { wait } => {
            thread::sleep(wait);
            (0, State::WaitingIo)
        }
    };
    if let Some((recorder, lane)) = recorder {
        recorder.record(lane, state, unit.label(), start, Instant::now());
    }
    value
}

/// Runs a unit as a Python thread: ticks while computing, releases the
/// GIL while waiting (and records the wait on `io`).
fn under_gil(py: &mut Python<'_>, unit: Unit, io: &Recorder, lane: &str) -> u64 {
    match unit {
        Unit::Cpu { below } => count_primes(below, || py.tick()),
        Unit::Io { wait } => {
            py.blocking(|| {
                let start = Instant::now();
                thread::sleep(wait);
                io.record(lane, State::WaitingIo, unit.label(), start, Instant::now());
            });
            0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_baselines() {
        for mode in Mode::ALL {
            assert_eq!(mode.python_name().is_some(), mode.is_python());
            assert!(matches!(
                mode.baseline(),
                Mode::Sequential | Mode::PySequential
            ));
        }
        assert_eq!(Mode::PyThreads.baseline(), Mode::PySequential);
        assert_eq!(Mode::Async.baseline(), Mode::Sequential);
        let registry = registry();
        assert!(registry.contains(CPU_TASK.name()) && registry.contains(IO_TASK.name()));
    }
}

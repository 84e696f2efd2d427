//! What the note calls "expensive", measured: starting threads and
//! processes, handing a task to a pool, and sending a message.
//!
//! The note says processes "manage everything … necessary to run one or
//! more threads", and that "it is expensive to communicate between 2
//! processes". Each [`Cost`] is timed many times, one sample per
//! operation, after a few untimed warm-up rounds (the first thread or
//! process start pays for page faults and lazy loading that later ones do
//! not); the report gives the median (the typical price) and the 99th
//! percentile (the price of an unlucky one: a preemption, a page fault).
//!
//! - [`Cost::ThreadStart`]: `thread::spawn` of an empty closure, then
//!   `join`: a stack, a kernel task, and a wake-up each way;
//! - [`Cost::ProcessStart`]: the current binary started again with
//!   `WAITER_CHILD=noop` (it exits at once), then waited for: a new
//!   address space, `exec`, the dynamic loader, `main`, and the exit;
//! - [`Cost::PoolTask`]: `submit` of an empty closure to a warm
//!   [`waiter::Pool`], then `wait`: no thread is started, the task is
//!   queued, a parked worker is woken, and the result comes back;
//! - [`Cost::ChannelRoundTrip`]: a message to another thread and its
//!   answer, over two `std::sync::mpsc` channels (memory shared by the
//!   two threads; the kernel only wakes the receiver);
//! - [`Cost::PipeRoundTrip`]: a line written to an echo child's stdin and
//!   read back from its stdout: two pipes, four system calls, and the bytes
//!   copied into and out of the kernel each way.
//!
//! ```
//! use std::time::Duration;
//! use waiter_lab::cores::costs::Summary;
//!
//! let us = Duration::from_micros;
//! let summary = Summary::of(&[us(3), us(1), us(2), us(100)]).unwrap();
//! assert_eq!(summary.median(), us(2)); // the lower middle of an even count
//! assert_eq!(summary.p99(), us(100));
//! ```

use std::hint::black_box;
use std::io::{self, BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::child::{self, Mode};
use crate::error::Error;
use crate::threads;

/// One operation whose price is measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cost {
    /// Start a thread and join it.
    ThreadStart,
    /// Start a process and wait for it.
    ProcessStart,
    /// Submit a task to a warm pool and wait for its result.
    PoolTask,
    /// A message and its answer between two threads, over channels.
    ChannelRoundTrip,
    /// A line and its echo between two processes, over pipes.
    PipeRoundTrip,
}

impl Cost {
    /// Every cost, in the order of the table.
    pub const ALL: [Cost; 5] = [
        Cost::ThreadStart,
        Cost::ProcessStart,
        Cost::PoolTask,
        Cost::ChannelRoundTrip,
        Cost::PipeRoundTrip,
    ];

    /// The row's name.
    pub fn name(self) -> &'static str {
        match self {
            Cost::ThreadStart => "start + join a thread",
            Cost::ProcessStart => "start + wait a process",
            Cost::PoolTask => "submit + wait a task (warm pool)",
            Cost::ChannelRoundTrip => "round trip: thread ↔ thread (channel)",
            Cost::PipeRoundTrip => "round trip: process ↔ process (pipe)",
        }
    }

    /// Whether measuring it needs the binary (a child process).
    pub fn needs_child(self) -> bool {
        matches!(self, Cost::ProcessStart | Cost::PipeRoundTrip)
    }
}

/// The median and the tail of a set of timings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// How many timings.
    pub samples: usize,
    /// The fastest, in nanoseconds.
    pub min_ns: u64,
    /// The median (the lower middle for an even count), in nanoseconds.
    pub median_ns: u64,
    /// The 99th percentile (nearest rank), in nanoseconds.
    pub p99_ns: u64,
    /// The slowest, in nanoseconds.
    pub max_ns: u64,
}

impl Summary {
    /// Summarises `timings`; `None` if there are none.
    pub fn of(timings: &[Duration]) -> Option<Summary> {
        let mut sorted: Vec<u64> = timings.iter().map(|d| nanos(*d)).collect();
        sorted.sort_unstable();
        let n = sorted.len();
        if n == 0 {
            return None;
        }
        // Nearest rank: the smallest value with at least p % at or below.
        let rank = |p: usize| (n * p).div_ceil(100).clamp(1, n) - 1;
        Some(Summary {
            samples: n,
            min_ns: sorted[0],
            median_ns: sorted[rank(50)],
            p99_ns: sorted[rank(99)],
            max_ns: sorted[n - 1],
        })
    }

    /// The median.
    pub fn median(&self) -> Duration {
        Duration::from_nanos(self.median_ns)
    }

    /// The 99th percentile.
    pub fn p99(&self) -> Duration {
        Duration::from_nanos(self.p99_ns)
    }
}

/// One measured cost, as stored in the report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Measured {
    /// What was measured.
    pub cost: Cost,
    /// The timings' summary; `None` if it was not measured.
    pub summary: Option<Summary>,
    /// Why it was not measured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
}

/// Untimed rounds before the timed ones: a tenth, between 1 and 20.
fn warm_up(n: usize) -> usize {
    (n / 10).clamp(1, 20)
}

fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

/// Times `op` `n` times after its warm-up rounds.
fn time_each(n: usize, mut op: impl FnMut() -> Result<(), Error>) -> Result<Vec<Duration>, Error> {
    for _ in 0..warm_up(n) {
        op()?;
    }
    let mut timings = Vec::with_capacity(n);
    for _ in 0..n {
        let start = Instant::now();
        op()?;
        timings.push(start.elapsed());
    }
    Ok(timings)
}

/// `n` thread starts and joins.
pub(crate) fn thread_start(n: usize) -> Result<Vec<Duration>, Error> {
    time_each(n, || {
        let handle = threads::spawn_named("cores-empty", || black_box(0u64))?;
        threads::join(handle, "an empty thread")?;
        Ok(())
    })
}

fn child_error(exe: &Path, what: &str, source: io::Error) -> Error {
    Error::Child {
        what: format!("{what} ({} with {}=…)", exe.display(), child::ENV),
        source,
    }
}

/// `n` starts and waits of `exe` as a no-op child.
pub(crate) fn process_start(exe: &Path, n: usize) -> Result<Vec<Duration>, Error> {
    time_each(n, || {
        let status = Command::new(exe)
            .env(child::ENV, Mode::Noop.name())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map_err(|e| child_error(exe, "could not start the no-op child", e))?;
        if !status.success() {
            return Err(child_error(
                exe,
                "the no-op child failed",
                io::Error::other(format!("it exited with {status}")),
            ));
        }
        Ok(())
    })
}

/// `n` submit + wait of an empty task on a warm pool of `workers`.
pub(crate) fn pool_task(workers: usize, n: usize) -> Result<Vec<Duration>, Error> {
    let pool = waiter::Pool::new(workers)?;
    // Start every worker once, so none is met for the first time below.
    let warm: Vec<_> = (0..workers * 4)
        .map(|_| pool.submit(|| black_box(0u64)))
        .collect::<Result<_, _>>()
        .map_err(|e| Error::Submit(e.kind()))?;
    for task in warm {
        task.wait()
            .map_err(|e| Error::from_task("a warm-up task", e))?;
    }
    time_each(n, || {
        let task = pool
            .submit(|| black_box(1u64))
            .map_err(|e| Error::Submit(e.kind()))?;
        task.wait()
            .map_err(|e| Error::from_task("an empty task", e))?;
        Ok(())
    })
}

/// `n` round trips to another thread over two channels.
pub(crate) fn channel_round_trip(n: usize) -> Result<Vec<Duration>, Error> {
    let (to_peer, from_main) = mpsc::channel::<u64>();
    let (to_main, from_peer) = mpsc::channel::<u64>();
    let peer = threads::spawn_named("cores-echo", move || {
        // Answers each message until the main thread hangs up.
        while let Ok(message) = from_main.recv() {
            if to_main.send(message).is_err() {
                break;
            }
        }
    })?;
    let mut next = 0u64;
    let timings = time_each(n, || {
        next += 1;
        let lost = || Error::Panicked {
            what: "the echo thread".into(),
            message: "it stopped answering".into(),
        };
        to_peer.send(next).map_err(|_| lost())?;
        let answer = from_peer.recv().map_err(|_| lost())?;
        if answer != next {
            return Err(Error::Panicked {
                what: "the echo thread".into(),
                message: format!("sent {next}, got {answer} back"),
            });
        }
        Ok(())
    });
    drop(to_peer);
    peer.join()
        .map_err(|p| threads::panicked("the echo thread", p))?;
    timings
}

/// A child that is killed and reaped if the measurement fails half-way.
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
        }
        let _ = self.0.wait();
    }
}

/// `n` round trips to `exe` running as an echo child, over its stdin and
/// stdout.
pub(crate) fn pipe_round_trip(exe: &Path, n: usize) -> Result<Vec<Duration>, Error> {
    let spawned = Command::new(exe)
        .env(child::ENV, Mode::Echo.name())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| child_error(exe, "could not start the echo child", e))?;
    let mut child = Reaped(spawned);
    let (Some(mut input), Some(output)) = (child.0.stdin.take(), child.0.stdout.take()) else {
        return Err(child_error(
            exe,
            "the echo child has no pipes",
            io::Error::other("stdin or stdout missing"),
        ));
    };
    let mut output = BufReader::new(output);
    let mut line = String::new();
    let timings = time_each(n, || {
        let broken = |e: io::Error| child_error(exe, "the echo child stopped answering", e);
        input.write_all(b"ping\n").map_err(broken)?;
        line.clear();
        output.read_line(&mut line).map_err(broken)?;
        if line != "ping\n" {
            return Err(child_error(
                exe,
                "the echo child answered something else",
                io::Error::other(format!("expected \"ping\", got {line:?}")),
            ));
        }
        Ok(())
    })?;
    // End of input: the child's echo loop ends and it exits.
    drop(input);
    let status = child
        .0
        .wait()
        .map_err(|e| child_error(exe, "could not wait for the echo child", e))?;
    if !status.success() {
        return Err(child_error(
            exe,
            "the echo child failed",
            io::Error::other(format!("it exited with {status}")),
        ));
    }
    Ok(timings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us(n: u64) -> Duration {
        Duration::from_micros(n)
    }

    #[test]
    fn summaries_use_nearest_ranks() {
        assert_eq!(Summary::of(&[]), None);
        let one = Summary::of(&[us(7)]).unwrap();
        assert_eq!((one.median(), one.p99(), one.samples), (us(7), us(7), 1));
        let hundred: Vec<Duration> = (1..=100).rev().map(us).collect();
        let s = Summary::of(&hundred).unwrap();
        assert_eq!(s.median(), us(50));
        assert_eq!(s.p99(), us(99));
        assert_eq!((s.min_ns, s.max_ns), (1_000, 100_000));
        let thousand: Vec<Duration> = (1..=1000).map(us).collect();
        assert_eq!(Summary::of(&thousand).unwrap().p99(), us(990));
    }

    #[test]
    fn warm_up_is_a_tenth_within_bounds() {
        assert_eq!(warm_up(1), 1);
        assert_eq!(warm_up(50), 5);
        assert_eq!(warm_up(2000), 20);
    }

    #[test]
    fn threads_pools_and_channels_are_timed_once_per_operation() {
        assert_eq!(thread_start(5).unwrap().len(), 5);
        assert_eq!(pool_task(2, 50).unwrap().len(), 50);
        assert_eq!(channel_round_trip(50).unwrap().len(), 50);
    }

    #[test]
    #[cfg(unix)]
    fn processes_are_timed_with_any_binary_that_behaves_like_the_child() {
        // `cat` exits at once on an empty stdin and echoes lines: the two
        // modes, without our binary.
        let cat = Path::new("/bin/cat");
        if !cat.exists() {
            return;
        }
        assert_eq!(process_start(cat, 3).unwrap().len(), 3);
        assert_eq!(pipe_round_trip(cat, 20).unwrap().len(), 20);
    }

    #[test]
    fn a_missing_binary_is_an_error_not_a_hang() {
        let missing = Path::new("/no/such/waiter");
        let error = process_start(missing, 1).unwrap_err();
        assert!(error.to_string().contains("could not start"), "{error}");
        assert!(pipe_round_trip(missing, 1).is_err());
        #[cfg(unix)]
        {
            // `true` exits without echoing: the round trip fails cleanly.
            let t = Path::new("/bin/true");
            if t.exists() {
                let error = pipe_round_trip(t, 1).unwrap_err().to_string();
                assert!(error.contains("echo child"), "{error}");
            }
        }
    }
}

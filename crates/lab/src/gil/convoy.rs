//! The convoy effect: how long an I/O-bound thread takes to answer when a
//! CPU-bound thread holds the GIL.
//!
//! The note says threads help Python "reduce waiting time" because a
//! thread that waits gives the GIL away. The other side of that coin: when
//! the wait is over, the thread needs the GIL *back*, and a CPU-bound
//! neighbour gives it up only when asked, after the waiter has waited a
//! whole switch interval (5 ms by default). Every answer of an I/O thread
//! can then be one interval late: the *convoy effect*.
//!
//! One [`Case`] runs:
//!
//! - `k` CPU-bound threads (0, 1 or 2) registered with a [`Gil`], spinning
//!   and ticking until told to stop;
//! - an **echo** thread registered with the same GIL: it waits for a
//!   request with the GIL released ([`Python::blocking`]), then needs the
//!   GIL to answer (sending also releases it, as `os.write` does);
//! - a **client** that pauses ([`PAUSE`], a sleep), sends a request and
//!   waits for the answer, over and over. Each round trip is timed from
//!   the end of the pause (the moment it meant to send, as if a timer
//!   fired) to the answer in hand. The client is either a plain thread
//!   outside the GIL ([`Client::Process`]: it stands for another process,
//!   which has its own interpreter), or another Python thread of the same
//!   GIL ([`Client::Thread`]), which needs the GIL back after its pause and
//!   after its read: more waits.
//!
//! Why a pause: with requests back to back, the echo and the client hand
//! the GIL to each other within microseconds, and whether a woken CPU
//! thread ever gets in is a race of wake-up latencies, on this machine's
//! scheduler: CPython gives one interval on some runs and nothing on
//! others. During a pause the CPU thread takes the GIL, so every request
//! meets the convoy, as requests that arrive at random times do.
//!
//! Requests and answers are one byte over two real pipes, as in the
//! Python baseline, not a channel: who gets the GIL after a blocking call
//! is a race between the caller coming back (the system call's length)
//! and the thread the release woke, and a pipe write that wakes another
//! thread is exactly what CPython's `os.write` is. A case stops after [`Case::round_trips`]
//! round trips or after its [`Case::budget`], whichever comes first (but
//! never before [`MIN_ROUND_TRIPS`]).
//!
//! The Python baseline runs the same cases with real threads and pipes
//! (and a real client process), and the report puts both side by side.
//!
//! ```
//! use std::time::Duration;
//! use waiter_lab::Stop;
//! use waiter_lab::gil::convoy::{Case, Client, run_case, summarize};
//!
//! let case = Case {
//!     client: Client::Process,
//!     cpu_threads: 1,
//!     interval: Duration::from_millis(2),
//!     round_trips: 5,
//!     budget: Duration::from_millis(50),
//! };
//! let run = run_case(&case, &Stop::new())?;
//! let latency = summarize(&run.rtts).unwrap();
//! assert!(latency.median > Duration::ZERO);
//! # Ok::<(), waiter_lab::Error>(())
//! ```

use std::fmt;
use std::io::{self, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use serde::Serialize;
use waiter::gil::{DEFAULT_SWITCH_INTERVAL, Gil, Python};

use super::timeline::{self, GilRecord};
use crate::Stop;
use crate::duration::{self, micros};
use crate::error::Error;
use crate::report::{Lane, Recorder, State};
use crate::threads;
use crate::work;

/// Who sends the requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Client {
    /// A thread of the same process: it needs the GIL too.
    Thread,
    /// Another process (in the simulation: a thread outside the GIL).
    Process,
}

impl Client {
    /// `thread` or `process`, as the Python script names them.
    pub fn name(self) -> &'static str {
        match self {
            Client::Thread => "thread",
            Client::Process => "process",
        }
    }

    /// For people.
    pub fn describe(self) -> &'static str {
        match self {
            Client::Thread => "a thread of the same process",
            Client::Process => "another process",
        }
    }
}

impl fmt::Display for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One convoy measurement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Case {
    /// Who sends the requests.
    pub client: Client,
    /// CPU-bound threads beside the echo thread.
    pub cpu_threads: usize,
    /// The GIL's switch interval.
    pub interval: Duration,
    /// At most this many round trips.
    pub round_trips: usize,
    /// No new round trip after this long (once [`MIN_ROUND_TRIPS`] are
    /// done).
    #[serde(serialize_with = "as_micros")]
    pub budget: Duration,
}

impl Case {
    /// `client, k CPU threads, interval`, for tables.
    pub fn title(&self) -> String {
        format!(
            "client: {}, {} CPU thread{}, interval {}",
            self.client.describe(),
            self.cpu_threads,
            if self.cpu_threads == 1 { "" } else { "s" },
            duration::format(self.interval)
        )
    }

    /// The case as the Python script takes it:
    /// `CLIENT:CPU:INTERVAL_MS:TRIPS:BUDGET_MS`.
    pub fn python_spec(&self) -> String {
        format!(
            "{}:{}:{}:{}:{}",
            self.client.name(),
            self.cpu_threads,
            self.interval.as_secs_f64() * 1e3,
            self.round_trips,
            self.budget.as_secs_f64() * 1e3
        )
    }

    /// Whether this case is `client`, `cpu_threads`, `interval`.
    pub fn is(&self, client: Client, cpu_threads: usize, interval: Duration) -> bool {
        self.client == client && self.cpu_threads == cpu_threads && self.interval == interval
    }
}

/// The intervals the convoy is measured at: 1 ms, CPython's 5 ms, 50 ms.
pub const INTERVALS: [Duration; 3] = [
    Duration::from_millis(1),
    DEFAULT_SWITCH_INTERVAL,
    Duration::from_millis(50),
];

/// At most this many round trips per case: enough for a nearest-rank
/// p99 that is not simply the largest.
pub const ROUND_TRIPS: usize = 100;

/// Each case's time budget at scale 1. Round trips are random: who gets
/// the GIL at each hand-off is a race, so a round trip takes one, two or
/// more intervals, and a median of a handful is a coin toss. Fast cases
/// reach [`ROUND_TRIPS`] well within it; the slow ones (two CPU threads,
/// a 50 ms interval, about 30 ms and 100 ms a round trip) use it all: in
/// all about 9 s for the simulation and as much for CPython.
pub const BUDGET: Duration = Duration::from_secs(3);

/// Every case times at least this many round trips, whatever its budget.
pub const MIN_ROUND_TRIPS: usize = 3;

/// The client's pause before each request.
pub const PAUSE: Duration = Duration::from_millis(1);

/// The cases, each with a budget of `scale` × [`BUDGET`]: at 5 ms, each client with 0, 1 and 2
/// CPU threads; then the same-process client with 1 CPU thread at 1 ms
/// and 50 ms.
pub fn cases(scale: f64) -> Vec<Case> {
    let case = |client, cpu_threads, interval: Duration| Case {
        client,
        cpu_threads,
        interval,
        round_trips: ROUND_TRIPS,
        budget: BUDGET.mul_f64(scale.clamp(0.0, 1e3)),
    };
    let mut cases = Vec::new();
    for client in [Client::Process, Client::Thread] {
        for cpu_threads in 0..=2 {
            cases.push(case(client, cpu_threads, DEFAULT_SWITCH_INTERVAL));
        }
    }
    for interval in [INTERVALS[0], INTERVALS[2]] {
        cases.push(case(Client::Thread, 1, interval));
    }
    cases
}

/// Median and 99th percentile of some round trips.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Latency {
    /// The median (nearest rank).
    #[serde(serialize_with = "as_micros")]
    pub median: Duration,
    /// The 99th percentile (nearest rank: with fewer than 100 samples,
    /// the largest).
    #[serde(serialize_with = "as_micros")]
    pub p99: Duration,
    /// How many round trips.
    pub samples: usize,
}

fn as_micros<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(micros(*d))
}

/// The `p`-th percentile of sorted samples, nearest rank.
pub fn percentile(sorted: &[Duration], p: f64) -> Option<Duration> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len();
    let rank = ((p / 100.0 * n as f64).ceil() as usize).clamp(1, n);
    Some(sorted[rank - 1])
}

/// Median and p99, or `None` without samples.
pub fn summarize(rtts: &[Duration]) -> Option<Latency> {
    let mut sorted = rtts.to_vec();
    sorted.sort_unstable();
    Some(Latency {
        median: percentile(&sorted, 50.0)?,
        p99: percentile(&sorted, 99.0)?,
        samples: sorted.len(),
    })
}

/// What one case measured.
#[derive(Debug)]
pub struct CaseRun {
    /// The round trips, in order.
    pub rtts: Vec<Duration>,
    /// What the GIL recorded.
    pub gil: GilRecord,
    /// Who did what when, from the start of the case.
    pub lanes: Vec<Lane>,
}

/// Spin rounds between two ticks of a CPU-bound thread (a few µs).
const SPIN: u64 = 2_000;

/// Runs one case with the simulated GIL. The client starts after two
/// intervals, when the CPU threads are under way; `stop` ends it early.
///
/// # Errors
///
/// [`Error::Spawn`] if a thread cannot start, [`Error::Panicked`] for a
/// bug.
pub fn run_case(case: &Case, interrupted: &Stop) -> Result<CaseRun, Error> {
    let (server, client) = Wire::pair().map_err(|source| Error::Spawn {
        name: "the convoy's pipes".into(),
        source,
    })?;
    let origin = Instant::now();
    let gil = Gil::new(case.interval);
    let io = Recorder::starting_at(origin);
    let stop = AtomicBool::new(false);

    let rtts = thread::scope(|s| -> Result<Vec<Duration>, Error> {
        let (gil, io, stop) = (&gil, &io, &stop);
        let mut others = Vec::new();
        let start = || -> Result<Vec<Duration>, Error> {
            for i in 1..=case.cpu_threads {
                let name = format!("cpu-{i}");
                others.push(threads::spawn_scoped(s, &name.clone(), move || {
                    gil.run(&name, |py| {
                        while !stop.load(Ordering::Acquire) {
                            work::spin(SPIN);
                            py.tick();
                        }
                    })
                })?);
            }
            others.push(threads::spawn_scoped(s, "echo", move || {
                gil.run("echo", |py| echo(py, &server, io))
            })?);
            let client = threads::spawn_scoped(s, "client", move || {
                thread::sleep(case.interval * 2);
                // Dropping `client` at the end hangs up: the echo ends.
                match case.client {
                    Client::Process => client_loop(case, io, |f| f(), &client, interrupted),
                    Client::Thread => gil.run("client", |py| {
                        client_loop(case, io, |f| py.blocking(f), &client, interrupted)
                    }),
                }
            })?;
            client
                .join()
                .map_err(|payload| threads::panicked("the convoy client", payload))
        };
        let rtts = start();
        stop.store(true, Ordering::Release);
        for handle in others {
            let name = handle.thread().name().unwrap_or("convoy").to_owned();
            handle
                .join()
                .map_err(|payload| threads::panicked(&name, payload))?;
        }
        rtts
    })?;
    let gil = GilRecord::of(&gil);
    let mut order: Vec<String> = (1..=case.cpu_threads).map(|i| format!("cpu-{i}")).collect();
    order.extend(["echo".to_owned(), "client".to_owned()]);
    let order: Vec<&str> = order.iter().map(String::as_str).collect();
    let lanes = timeline::gil_lanes(&gil, io.finish("").lanes, &order);
    Ok(CaseRun { rtts, gil, lanes })
}

/// One end of the request/answer line: where it reads, where it writes.
/// Two pipes, as the Python baseline's `os.pipe()`s: dropping an end
/// hangs up.
struct Wire {
    from: io::PipeReader,
    to: io::PipeWriter,
}

impl Wire {
    /// Two connected ends: the echo's and the client's.
    fn pair() -> io::Result<(Wire, Wire)> {
        let (request_out, request_in) = io::pipe()?;
        let (answer_out, answer_in) = io::pipe()?;
        Ok((
            Wire {
                from: request_out,
                to: answer_in,
            },
            Wire {
                from: answer_out,
                to: request_in,
            },
        ))
    }
}

/// The echo thread: wait for a request (GIL released), answer it (the
/// write releases the GIL too, as `os.write` does), until the client hangs
/// up.
fn echo(py: &mut Python<'_>, wire: &Wire, io: &Recorder) {
    let mut byte = [0u8; 1];
    loop {
        let got = py.blocking(|| {
            let start = Instant::now();
            let got = (&wire.from).read(&mut byte);
            io.record("echo", State::WaitingIo, "recv", start, Instant::now());
            got
        });
        if !matches!(got, Ok(1)) {
            return;
        }
        if py.blocking(|| (&wire.to).write_all(&byte)).is_err() {
            return;
        }
    }
}

/// The client: a pause, a request, its answer; each round trip timed from
/// the end of the pause to the answer in hand (for a Python thread: with
/// the GIL back). `blocking` runs a blocking call: as is, or with the GIL
/// released.
fn client_loop(
    case: &Case,
    io: &Recorder,
    mut blocking: impl FnMut(&mut dyn FnMut()),
    wire: &Wire,
    interrupted: &Stop,
) -> Vec<Duration> {
    let began = Instant::now();
    let mut rtts = Vec::new();
    for done in 0..case.round_trips {
        let enough = done >= MIN_ROUND_TRIPS && began.elapsed() >= case.budget;
        if enough || interrupted.requested() {
            break;
        }
        let start = Instant::now() + PAUSE;
        blocking(&mut || {
            let pausing = Instant::now();
            thread::sleep(PAUSE);
            io.record("client", State::WaitingIo, "pause", pausing, Instant::now());
        });
        let mut ok = true;
        blocking(&mut || ok = (&wire.to).write_all(b"x").is_ok());
        blocking(&mut || {
            let waiting = Instant::now();
            let mut byte = [0u8; 1];
            ok = ok && (&wire.from).read_exact(&mut byte).is_ok();
            io.record("client", State::WaitingIo, "recv", waiting, Instant::now());
        });
        let end = Instant::now();
        if !ok {
            break;
        }
        rtts.push(end.saturating_duration_since(start));
    }
    rtts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let ms = |v: &[u64]| {
            v.iter()
                .map(|&x| Duration::from_millis(x))
                .collect::<Vec<_>>()
        };
        assert_eq!(summarize(&[]), None);
        let one = summarize(&ms(&[7])).unwrap();
        assert_eq!((one.median, one.p99), (ms(&[7])[0], ms(&[7])[0]));
        let hundred: Vec<u64> = (1..=100).rev().collect();
        let s = summarize(&ms(&hundred)).unwrap();
        assert_eq!(s.median, Duration::from_millis(50));
        assert_eq!(s.p99, Duration::from_millis(99));
        assert_eq!(s.samples, 100);
    }

    #[test]
    fn cases_cover_the_issue_figures_and_scale() {
        let full = cases(1.0);
        assert_eq!(full.len(), 8);
        assert!(
            full.iter()
                .any(|c| c.is(Client::Process, 0, DEFAULT_SWITCH_INTERVAL))
        );
        assert!(full.iter().any(|c| c.is(Client::Thread, 1, INTERVALS[2])));
        assert_eq!(full[0].python_spec(), "process:0:5:100:3000");
        assert_eq!(full[7].budget, Duration::from_secs(3));
        let tiny = cases(0.01);
        assert_eq!(tiny[0].budget, Duration::from_millis(30));
    }

    #[test]
    fn convoy_numbers_are_positive_and_the_cpu_thread_yields() {
        for client in [Client::Process, Client::Thread] {
            let case = Case {
                client,
                cpu_threads: 1,
                interval: Duration::from_millis(1),
                round_trips: 5,
                budget: Duration::from_secs(60),
            };
            let run = run_case(&case, &Stop::new()).unwrap();
            assert_eq!(run.rtts.len(), 5);
            assert!(run.rtts.iter().all(|d| *d > Duration::ZERO));
            assert_eq!(run.gil.max_holders(), 1, "{client}");
            let names: Vec<&str> = run.lanes.iter().map(|l| l.name.as_str()).collect();
            assert!(
                names.contains(&"echo") && names.contains(&"cpu-1"),
                "{names:?}"
            );
        }
    }
}

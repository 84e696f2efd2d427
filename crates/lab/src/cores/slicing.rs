//! Time slicing, measured: k threads, each with the same CPU-bound work.
//!
//! "Each core runs one thread at a time." With k threads and C cores, as
//! long as k ≤ C every thread has a core and k threads do k times the
//! work in the same wall time. Beyond C, the OS *time-slices*: it lets a
//! thread run for a slice of a few milliseconds, stops it (an involuntary
//! context switch: the thread's registers are saved, the "checkpoint" of
//! the note), and gives the core to the next one. The total work per
//! second stays at C cores' worth; only the turns get shorter and the
//! switches more numerous.
//!
//! [`run`] starts k threads that wait at a gate, opens it (time zero), and
//! each thread spins the same number of rounds ([`crate::work::spin`]),
//! then reads its own CPU time and switch counts ([`super::os`]). The wall
//! time of the run ends when the last thread is done. Throughput
//! speed-up is `k × wall₁ ÷ wall_k` ([`speedup`]): k times the work, in
//! wall_k instead of wall₁.
//!
//! With sampling on, the calling thread wakes every millisecond or so,
//! reads each worker's CPU clock, and turns each interval into a state:
//! the worker's CPU time grew by at least half the interval → it was
//! [`State::Running`], else it wanted a core and waited
//! ([`State::WaitingCpu`]); the workers never block, so there is no third
//! case. [`spans`] merges equal neighbours. Sampling costs a little CPU
//! and wakes the sampler every interval, which itself preempts a worker
//! now and then, so the measured rows are run without it.
//!
//! ```
//! use std::time::Duration;
//! use waiter_lab::cores::slicing::{speedup, spans};
//! use waiter_lab::report::State;
//!
//! // 4 threads took twice as long as 1: 4 × the work in 2 × the time.
//! assert_eq!(speedup(4, Duration::from_millis(100), Duration::from_millis(200)), 2.0);
//!
//! // A thread's CPU clock, sampled each millisecond: on, on, off, on.
//! let ms = Duration::from_millis;
//! let points = [(ms(0), ms(0)), (ms(1), ms(1)), (ms(2), ms(2)), (ms(3), ms(2)), (ms(4), ms(3))];
//! let states: Vec<State> = spans(&points).iter().map(|s| s.state).collect();
//! assert_eq!(states, [State::Running, State::WaitingCpu, State::Running]);
//! ```

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::os::{self, ThreadClock, Usage};
use crate::duration::micros;
use crate::error::Error;
use crate::report::{Lane, Span, State};
use crate::threads;
use crate::work;

/// What one thread of a run measured.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ThreadFigures {
    /// The thread's number, from 1.
    pub thread: usize,
    /// When it finished, in microseconds after the gate opened.
    pub finished_us: u64,
    /// CPU time it used for its work, in microseconds.
    pub cpu_us: Option<u64>,
    /// Times the OS took its core away during the work.
    pub involuntary: Option<u64>,
    /// Times it gave up its core itself during the work.
    pub voluntary: Option<u64>,
}

/// One row of the time-slicing table: k threads, the same work each.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunFigures {
    /// k.
    pub threads: usize,
    /// Rounds of work per thread.
    pub rounds: u64,
    /// From the gate opening to the last thread done, in microseconds.
    pub wall_us: u64,
    /// All threads' CPU time, in microseconds.
    pub cpu_us: Option<u64>,
    /// All threads' involuntary context switches.
    pub involuntary: Option<u64>,
    /// All threads' voluntary context switches.
    pub voluntary: Option<u64>,
    /// `k × wall₁ ÷ wall_k`, filled in once the k = 1 run is known.
    pub speedup: f64,
    /// The wall time of every repeat of this k, in microseconds (the row
    /// is the fastest).
    pub walls_us: Vec<u64>,
    /// Per thread.
    pub per_thread: Vec<ThreadFigures>,
    /// Wall time, exact (for the arithmetic; the JSON has `wall_us`).
    #[serde(skip)]
    pub wall: Duration,
}

/// Throughput speed-up of k threads over one: each did the same work W,
/// so it is `(k × W ÷ wall_k) ÷ (W ÷ wall₁) = k × wall₁ ÷ wall_k`.
pub fn speedup(threads: usize, wall_1: Duration, wall_k: Duration) -> f64 {
    if wall_k.is_zero() {
        return 0.0;
    }
    threads as f64 * wall_1.as_secs_f64() / wall_k.as_secs_f64()
}

/// A share of the interval on a core at or above this counts as running.
pub const RUNNING_SHARE: f64 = 0.5;

/// Turns a thread's CPU clock samples — (time since the start, CPU time
/// used) pairs, in time order — into spans: each interval is
/// [`State::Running`] if the CPU time grew by at least
/// [`RUNNING_SHARE`] of it, else [`State::WaitingCpu`]; neighbours in the
/// same state are merged. Intervals shorter than a microsecond are
/// skipped.
pub fn spans(points: &[(Duration, Duration)]) -> Vec<Span> {
    let mut out: Vec<Span> = Vec::new();
    for pair in points.windows(2) {
        let ((t0, c0), (t1, c1)) = (pair[0], pair[1]);
        let (start_us, end_us) = (micros(t0), micros(t1));
        if end_us <= start_us {
            continue;
        }
        let wall = t1.saturating_sub(t0).as_secs_f64();
        let share = c1.saturating_sub(c0).as_secs_f64() / wall;
        let state = if share >= RUNNING_SHARE {
            State::Running
        } else {
            State::WaitingCpu
        };
        match out.last_mut() {
            Some(last) if last.state == state && last.end_us == start_us => last.end_us = end_us,
            _ => out.push(Span {
                state,
                start_us,
                end_us,
                label: None,
            }),
        }
    }
    out
}

/// How many rounds of [`work::spin`] one thread does in `work` of CPU time
/// (wall time where the OS has no thread clock), measured over at most
/// 50 ms and scaled.
pub fn calibrate(work: Duration) -> u64 {
    const CHUNK: u64 = 10_000;
    let probe = work.min(Duration::from_millis(50));
    let clock = ThreadClock::current();
    let wall = Instant::now();
    let now = || {
        clock
            .and_then(|c| c.read())
            .unwrap_or_else(|| wall.elapsed())
    };
    let start = now();
    let mut rounds = 0u64;
    loop {
        work::spin(CHUNK);
        rounds += CHUNK;
        let spent = now().saturating_sub(start);
        if spent >= probe {
            let rate = rounds as f64 / spent.as_secs_f64();
            return ((rate * work.as_secs_f64()) as u64).max(1);
        }
    }
}

/// A one-shot gate: threads wait until it opens.
#[derive(Default)]
struct Gate {
    open: Mutex<bool>,
    opened: Condvar,
}

impl Gate {
    fn open(&self) {
        *self.open.lock().unwrap_or_else(|p| p.into_inner()) = true;
        self.opened.notify_all();
    }

    fn wait(&self) {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        while !*open {
            open = self.opened.wait(open).unwrap_or_else(|p| p.into_inner());
        }
    }
}

/// What the workers share with the caller.
#[derive(Default)]
struct Shared {
    /// Opens at time zero.
    start: Gate,
    /// Opens when the caller no longer reads the workers' clocks: a worker
    /// stays alive (parked, using no CPU) until then, so its clock stays
    /// valid.
    release: Gate,
    /// Set if not every worker could start: the others skip the work.
    abort: AtomicBool,
}

/// What a worker sends when its work is done.
struct Done {
    index: usize,
    at: Instant,
    cpu: Option<Duration>,
    cpu_total: Option<Duration>,
    usage: Option<Usage>,
}

/// Runs `threads` threads of `rounds` rounds each. With `sample`, also
/// samples their CPU clocks every `sample` and returns one lane per
/// thread (`thread 1`, …); without it, the lanes are empty.
///
/// # Errors
///
/// [`Error::Spawn`] if a thread cannot start (the others are stopped and
/// joined first), [`Error::Panicked`] if a worker dies.
pub fn run(
    threads: usize,
    rounds: u64,
    sample: Option<Duration>,
) -> Result<(RunFigures, Vec<Lane>), Error> {
    let shared = Arc::new(Shared::default());
    let (ready_tx, ready_rx) = mpsc::channel::<(usize, Option<ThreadClock>)>();
    let (done_tx, done_rx) = mpsc::channel::<Done>();
    let mut handles = Vec::with_capacity(threads);
    for index in 0..threads {
        let (shared_w, ready_tx, done_tx) =
            (Arc::clone(&shared), ready_tx.clone(), done_tx.clone());
        let name = format!("cores-{}", index + 1);
        let spawned = threads::spawn_named(&name, move || {
            let clock = ThreadClock::current();
            let _ = ready_tx.send((index, clock));
            shared_w.start.wait();
            if shared_w.abort.load(Ordering::Acquire) {
                return;
            }
            let usage_before = os::thread_usage();
            let cpu_before = clock.and_then(|c| c.read());
            work::spin(rounds);
            let at = Instant::now();
            let cpu_total = clock.and_then(|c| c.read());
            let usage = os::thread_usage()
                .zip(usage_before)
                .map(|(after, before)| after.since(&before));
            let cpu = match (cpu_before, cpu_total) {
                (Some(before), Some(after)) => Some(after.saturating_sub(before)),
                _ => usage.map(|u| u.cpu),
            };
            let _ = done_tx.send(Done {
                index,
                at,
                cpu,
                cpu_total,
                usage,
            });
            shared_w.release.wait();
        });
        match spawned {
            Ok(handle) => handles.push(handle),
            Err(error) => {
                // Nobody may wait forever at a gate that will not open.
                shared.abort.store(true, Ordering::Release);
                shared.start.open();
                shared.release.open();
                for handle in handles {
                    let _ = handle.join();
                }
                return Err(error);
            }
        }
    }
    drop((ready_tx, done_tx));

    let outcome = measure(threads, sample, &shared, &ready_rx, &done_rx);
    shared.start.open(); // in case measuring failed before opening it
    shared.release.open();
    for (index, handle) in handles.into_iter().enumerate() {
        threads::join(handle, &format!("thread {}", index + 1))?;
    }
    let (origin, done, points) = outcome?;
    Ok(figures(threads, rounds, origin, done, points))
}

type Points = Vec<Vec<(Duration, Duration)>>;

/// Opens the gate, samples if asked, and collects every worker's report.
fn measure(
    threads: usize,
    sample: Option<Duration>,
    shared: &Shared,
    ready: &mpsc::Receiver<(usize, Option<ThreadClock>)>,
    done_rx: &mpsc::Receiver<Done>,
) -> Result<(Instant, Vec<Done>, Points), Error> {
    let lost = || Error::Panicked {
        what: "a worker of the time-slicing run".into(),
        message: "it ended without reporting".into(),
    };
    let mut clocks: Vec<Option<ThreadClock>> = vec![None; threads];
    for _ in 0..threads {
        let (index, clock) = ready.recv().map_err(|_| lost())?;
        clocks[index] = clock;
    }
    let mut points: Points = vec![Vec::new(); threads];
    if sample.is_some() {
        for (lane, clock) in points.iter_mut().zip(&clocks) {
            if let Some(cpu) = clock.and_then(|c| c.read()) {
                lane.push((Duration::ZERO, cpu));
            }
        }
    }
    let origin = Instant::now();
    shared.start.open();

    let mut done: Vec<Option<Done>> = (0..threads).map(|_| None).collect();
    let mut finished = 0;
    let mut take = |report: Done, done: &mut Vec<Option<Done>>| {
        let index = report.index;
        if done[index].replace(report).is_none() {
            finished += 1;
        }
        finished
    };
    match sample {
        Some(every) => {
            let mut count = 0;
            while count < threads {
                thread::sleep(every);
                let now = Instant::now().saturating_duration_since(origin);
                loop {
                    match done_rx.try_recv() {
                        Ok(report) => count = take(report, &mut done),
                        Err(mpsc::TryRecvError::Empty) => break,
                        Err(mpsc::TryRecvError::Disconnected) if count < threads => {
                            return Err(lost());
                        }
                        Err(mpsc::TryRecvError::Disconnected) => break,
                    }
                }
                for (index, clock) in clocks.iter().enumerate() {
                    if done[index].is_none()
                        && let Some(cpu) = clock.and_then(|c| c.read())
                    {
                        points[index].push((now, cpu));
                    }
                }
            }
        }
        None => {
            for _ in 0..threads {
                let report = done_rx.recv().map_err(|_| lost())?;
                take(report, &mut done);
            }
        }
    }
    let done: Vec<Done> = done.into_iter().collect::<Option<_>>().ok_or_else(lost)?;
    Ok((origin, done, points))
}

fn figures(
    threads: usize,
    rounds: u64,
    origin: Instant,
    done: Vec<Done>,
    mut points: Points,
) -> (RunFigures, Vec<Lane>) {
    let sum = |values: Vec<Option<u64>>| values.into_iter().sum::<Option<u64>>();
    let wall = done
        .iter()
        .map(|d| d.at.saturating_duration_since(origin))
        .max()
        .unwrap_or_default();
    let per_thread: Vec<ThreadFigures> = done
        .iter()
        .map(|d| ThreadFigures {
            thread: d.index + 1,
            finished_us: micros(d.at.saturating_duration_since(origin)),
            cpu_us: d.cpu.map(micros),
            involuntary: d.usage.map(|u| u.involuntary),
            voluntary: d.usage.map(|u| u.voluntary),
        })
        .collect();
    let mut lanes = Vec::new();
    for (d, lane) in done.iter().zip(points.iter_mut()) {
        if lane.is_empty() {
            continue;
        }
        let end = d.at.saturating_duration_since(origin);
        lane.retain(|&(t, _)| t < end);
        if let Some(cpu) = d.cpu_total {
            lane.push((end, cpu));
        }
        lanes.push(Lane {
            name: format!("thread {}", d.index + 1),
            spans: spans(lane),
        });
    }
    let run = RunFigures {
        threads,
        rounds,
        wall_us: micros(wall),
        cpu_us: sum(per_thread.iter().map(|t| t.cpu_us).collect()),
        involuntary: sum(per_thread.iter().map(|t| t.involuntary).collect()),
        voluntary: sum(per_thread.iter().map(|t| t.voluntary).collect()),
        speedup: 0.0,
        walls_us: vec![micros(wall)],
        per_thread,
        wall,
    };
    (run, lanes)
}

/// The share of a lane's time spent running, from its spans.
pub fn running_share(lane: &Lane) -> Option<f64> {
    let total: u64 = lane.spans.iter().map(|s| s.end_us - s.start_us).sum();
    let running: u64 = lane
        .spans
        .iter()
        .filter(|s| s.state == State::Running)
        .map(|s| s.end_us - s.start_us)
        .sum();
    (total > 0).then(|| running as f64 / total as f64)
}

/// The median length of the running spans that lie between two waits (a
/// whole turn on a core, not cut by the start or end of the run), in
/// microseconds.
pub fn median_turn_us(lanes: &[Lane]) -> Option<u64> {
    let mut turns: Vec<u64> = lanes
        .iter()
        .flat_map(|lane| {
            lane.spans
                .windows(3)
                .filter(|w| {
                    w[0].state == State::WaitingCpu
                        && w[1].state == State::Running
                        && w[2].state == State::WaitingCpu
                })
                .map(|w| w[1].end_us - w[1].start_us)
        })
        .collect();
    turns.sort_unstable();
    turns.get(turns.len().checked_sub(1)? / 2).copied()
}

/// Whether the OS gave the numbers the threads need; see [`os`].
pub fn measurable() -> bool {
    os::AVAILABLE
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn speedup_is_throughput_over_one_thread() {
        assert_eq!(speedup(1, ms(100), ms(100)), 1.0);
        assert_eq!(speedup(2, ms(100), ms(100)), 2.0);
        assert_eq!(speedup(8, ms(100), ms(400)), 2.0);
        assert!((speedup(3, ms(100), ms(150)) - 2.0).abs() < 1e-12);
        assert_eq!(speedup(2, ms(100), Duration::ZERO), 0.0);
    }

    #[test]
    fn spans_merge_neighbours_of_the_same_state() {
        // Running 2 ms, waiting 2 ms (0.2 ms of CPU each), running 1 ms.
        let points = [
            (ms(0), ms(10)),
            (ms(1), ms(11)),
            (ms(2), ms(12)),
            (ms(3), Duration::from_micros(12_200)),
            (ms(4), Duration::from_micros(12_400)),
            (ms(5), Duration::from_micros(13_300)),
        ];
        assert_eq!(
            spans(&points),
            [
                Span::new(State::Running, 0, 2000),
                Span::new(State::WaitingCpu, 2000, 4000),
                Span::new(State::Running, 4000, 5000),
            ]
        );
    }

    #[test]
    fn half_an_interval_on_a_core_counts_as_running() {
        let half = [(ms(0), ms(0)), (ms(2), ms(1))];
        assert_eq!(spans(&half)[0].state, State::Running);
        let less = [(ms(0), ms(0)), (ms(2), Duration::from_micros(999))];
        assert_eq!(spans(&less)[0].state, State::WaitingCpu);
    }

    #[test]
    fn spans_skip_empty_intervals_and_single_points() {
        assert!(spans(&[]).is_empty());
        assert!(spans(&[(ms(1), ms(1))]).is_empty());
        let same_time = [(ms(1), ms(0)), (ms(1), ms(0)), (ms(2), ms(1))];
        assert_eq!(spans(&same_time), [Span::new(State::Running, 1000, 2000)]);
    }

    #[test]
    fn turns_are_running_spans_between_waits() {
        let lane = Lane {
            name: "thread 1".into(),
            spans: vec![
                Span::new(State::Running, 0, 5000),
                Span::new(State::WaitingCpu, 5000, 8000),
                Span::new(State::Running, 8000, 11_000),
                Span::new(State::WaitingCpu, 11_000, 14_000),
                Span::new(State::Running, 14_000, 16_000),
            ],
        };
        assert_eq!(median_turn_us(std::slice::from_ref(&lane)), Some(3000));
        assert_eq!(running_share(&lane), Some(10_000.0 / 16_000.0));
        assert_eq!(median_turn_us(&[]), None);
    }

    #[test]
    fn every_thread_reports_and_the_lanes_follow_the_sampling() {
        let (run, lanes) = super::run(3, 100_000, None).unwrap();
        assert_eq!(run.threads, 3);
        assert_eq!(run.per_thread.len(), 3);
        assert!(lanes.is_empty());
        assert!(run.wall_us >= run.per_thread.iter().map(|t| t.finished_us).min().unwrap());
        if measurable() {
            assert!(run.cpu_us.is_some());
            assert!(run.involuntary.is_some());
        } else {
            assert_eq!(run.involuntary, None, "never a made-up zero");
        }

        let (_, lanes) = super::run(2, 2_000_000, Some(Duration::from_micros(500))).unwrap();
        if measurable() {
            assert_eq!(lanes.len(), 2);
            for lane in &lanes {
                assert!(!lane.spans.is_empty(), "{lane:?}");
                for pair in lane.spans.windows(2) {
                    assert_eq!(pair[0].end_us, pair[1].start_us, "contiguous");
                    assert_ne!(pair[0].state, pair[1].state, "merged");
                }
            }
        }
    }

    #[test]
    fn calibration_gives_at_least_one_round() {
        assert!(calibrate(Duration::from_millis(2)) >= 1);
        assert!(calibrate(Duration::ZERO) >= 1);
    }
}

//! The programs, written once for every runtime: the note's two functions
//! as async tasks, and the heartbeat beside a calculation.
//!
//! A program records its own spans through a `Probe` (task by task, on
//! lanes named after the tasks); on `mini` the probe is off, because the
//! loop itself records every poll, and why.

use std::collections::HashSet;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

use serde::Serialize;
use waiter::trace::{Recorder, State};

use super::runtime::Rt;
use crate::console::Console;
use crate::duration;
use crate::work;

/// The lane of `ask_user`.
pub const ASK_LANE: &str = "ask_user";
/// The lane of `complex_calculation`.
pub const CALC_LANE: &str = "complex_calculation";
/// The lane of the heartbeat.
pub const HEARTBEAT_LANE: &str = "heartbeat";

/// Records spans of the tasks, and which threads ran them.
pub(crate) struct Probe {
    recorder: Recorder,
    threads: Mutex<HashSet<ThreadId>>,
}

impl Probe {
    /// A probe that records spans into `recorder` (off: threads only).
    pub(crate) fn new(recorder: Recorder) -> Self {
        Self {
            recorder,
            threads: Mutex::new(HashSet::new()),
        }
    }

    fn record(&self, lane: &str, state: State, label: &str, start: Instant, end: Instant) {
        self.here();
        self.recorder.record(lane, state, label, start, end);
    }

    /// Notes the calling thread as one that ran the program.
    fn here(&self) {
        self.threads
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(thread::current().id());
    }

    /// How many threads ran the program's tasks.
    pub(crate) fn threads(&self) -> usize {
        self.threads.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// The recorder, to finish its timeline.
    pub(crate) fn into_recorder(self) -> Recorder {
        self.recorder
    }
}

/// `complex_calculation`'s size: how many squares take about a given time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Calculation {
    /// The squares of `0..n`.
    pub n: u64,
}

impl Calculation {
    /// Calibrates `n` so that the squares take about `target` here: the
    /// best of three runs, since a busy machine only ever makes a run slower.
    pub fn calibrate(target: Duration) -> Self {
        let timed = |n| {
            let start = Instant::now();
            work::squares(n);
            start.elapsed()
        };
        let mut n = 1u64 << 16;
        let took = loop {
            let took = (0..3).map(|_| timed(n)).min().unwrap_or_default();
            if took >= Duration::from_millis(10) || n >= 1 << 40 {
                break took;
            }
            n *= 4;
        };
        let per = took.as_secs_f64() / n as f64;
        Self {
            n: ((target.as_secs_f64() / per.max(1e-12)) as u64).max(1),
        }
    }

    /// The same work in `slices` pieces (the last takes the rest).
    fn pieces(self, slices: u64) -> impl Iterator<Item = u64> {
        let slices = slices.clamp(1, self.n.max(1));
        let each = self.n / slices;
        (0..slices).map(move |i| {
            if i + 1 == slices {
                self.n - each * (slices - 1)
            } else {
                each
            }
        })
    }
}

/// What `ask_user` measured.
#[derive(Clone, Debug)]
pub(crate) struct Asked {
    pub(crate) elapsed: Duration,
}

/// The note's `ask_user`, async: the scripted user types `name` in
/// `typing`, and awaiting that answer gives the loop back.
pub(crate) async fn ask_user<R: Rt>(
    probe: Arc<Probe>,
    console: Arc<dyn Console>,
    name: String,
    typing: Duration,
) -> Asked {
    let start = Instant::now();
    probe.here();
    R::sleep(typing).await;
    let answered = Instant::now();
    probe.record(
        ASK_LANE,
        State::WaitingIo,
        "awaiting input",
        start,
        answered,
    );
    console.line(&format!("Enter your name: {name}"));
    console.line(&format!("Hello, {name}"));
    let elapsed = start.elapsed();
    console.line(&format!("ask_user:  {}", duration::format(elapsed)));
    probe.record(
        ASK_LANE,
        State::Running,
        "ask_user",
        answered,
        Instant::now(),
    );
    Asked { elapsed }
}

/// The note's `complex_calculation`: computes, and never awaits.
pub(crate) fn complex_calculation(
    probe: &Probe,
    console: &dyn Console,
    size: Calculation,
) -> Duration {
    console.line("Started calculating...");
    let start = Instant::now();
    work::squares(size.n);
    let elapsed = start.elapsed();
    console.line(&format!(
        "complex_calculation:  {}",
        duration::format(elapsed)
    ));
    probe.record(
        CALC_LANE,
        State::Running,
        "complex_calculation",
        start,
        Instant::now(),
    );
    elapsed
}

/// How the two functions run on the one thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Order {
    /// `await ask_user()`, then `await complex_calculation()`.
    Sequential,
    /// Both started, then both awaited (`asyncio.gather`, `join!`).
    Join,
}

impl Order {
    /// Both, in the note's order.
    pub const ALL: [Order; 2] = [Order::Sequential, Order::Join];

    /// `sequential`, `join`.
    pub fn name(self) -> &'static str {
        match self {
            Order::Sequential => "sequential",
            Order::Join => "join",
        }
    }
}

impl fmt::Display for Order {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What one run of the two functions measured.
#[derive(Clone, Debug)]
pub(crate) struct OneThread {
    pub(crate) ask: Duration,
    pub(crate) calc: Duration,
    pub(crate) total: Duration,
}

/// Runs `ask_user` and `complex_calculation` in `order`.
pub(crate) async fn one_thread<R: Rt>(
    order: Order,
    probe: Arc<Probe>,
    console: Arc<dyn Console>,
    name: String,
    typing: Duration,
    size: Calculation,
) -> OneThread {
    let start = Instant::now();
    let ask = ask_user::<R>(Arc::clone(&probe), Arc::clone(&console), name, typing);
    let calc = {
        let probe = Arc::clone(&probe);
        async move { complex_calculation(&probe, &*console, size) }
    };
    let (asked, calc) = match order {
        Order::Sequential => {
            let asked = R::spawn(ASK_LANE, ask).await;
            (asked, R::spawn(CALC_LANE, calc).await)
        }
        Order::Join => {
            // ask_user starts first: it files its wait, then the
            // calculation computes while the wait goes on.
            let asked = R::spawn(ASK_LANE, ask);
            let calc = R::spawn(CALC_LANE, calc);
            tokio::join!(asked, calc)
        }
    };
    OneThread {
        ask: asked.elapsed,
        calc,
        total: start.elapsed(),
    }
}

/// What runs beside the heartbeat.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Case {
    /// Nothing: the heartbeat alone, as long as the calculation would last.
    Alone,
    /// The calculation on the loop, never awaiting.
    Blocked,
    /// The calculation on a `waiter::Pool` worker, its task awaited.
    Offloaded,
    /// The calculation on the loop, yielding every slice.
    Cooperative,
}

impl Case {
    /// Every case, in order.
    pub const ALL: [Case; 4] = [
        Case::Alone,
        Case::Blocked,
        Case::Offloaded,
        Case::Cooperative,
    ];

    /// `alone`, `blocked`, `offloaded`, `cooperative`.
    pub fn name(self) -> &'static str {
        match self {
            Case::Alone => "alone",
            Case::Blocked => "blocked",
            Case::Offloaded => "offloaded",
            Case::Cooperative => "cooperative",
        }
    }
}

impl fmt::Display for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The sizes of a heartbeat case.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Beat {
    pub(crate) tick: Duration,
    pub(crate) work: Duration,
    pub(crate) slice: Duration,
    pub(crate) size: Calculation,
}

impl Beat {
    /// The heartbeat ticks alone this long before and after the calculation.
    pub(crate) fn margin(&self) -> Duration {
        (self.tick * 5).max(Duration::from_millis(20))
    }
}

/// What a heartbeat case measured.
#[derive(Clone, Debug)]
pub(crate) struct Heartbeat {
    /// How late each tick woke, after the `tick` it asked for.
    pub(crate) lags: Vec<Duration>,
    /// How long the calculation computed (none when alone).
    pub(crate) work: Option<Duration>,
}

/// Runs the heartbeat beside `case`'s calculation.
pub(crate) async fn heartbeat_case<R: Rt>(
    case: Case,
    beat: Beat,
    probe: Arc<Probe>,
    pool: Arc<waiter::Pool>,
) -> Heartbeat {
    let stop = Arc::new(AtomicBool::new(false));
    let heart = R::spawn(
        HEARTBEAT_LANE,
        heartbeat::<R>(beat.tick, Arc::clone(&stop), Arc::clone(&probe)),
    );
    R::sleep(beat.margin()).await;
    let work = match case {
        Case::Alone => {
            R::sleep(beat.work).await;
            None
        }
        Case::Blocked => {
            let probe = Arc::clone(&probe);
            Some(
                R::spawn(CALC_LANE, async move {
                    timed(&probe, "computes, never awaits", beat.size.n)
                })
                .await,
            )
        }
        Case::Offloaded => {
            let probe = Arc::clone(&probe);
            Some(
                R::spawn(CALC_LANE, async move {
                    let start = Instant::now();
                    let size = beat.size.n;
                    let task = pool.submit(move || {
                        let start = Instant::now();
                        work::squares(size);
                        start.elapsed()
                    });
                    let outcome = match task {
                        Ok(task) => task.await,
                        Err(error) => panic!("the pool refused the calculation: {error}"),
                    };
                    probe.record(
                        CALC_LANE,
                        State::WaitingIo,
                        "awaits the pool's task",
                        start,
                        Instant::now(),
                    );
                    outcome.unwrap_or_else(|error| panic!("the pool's calculation failed: {error}"))
                })
                .await,
            )
        }
        Case::Cooperative => {
            let probe = Arc::clone(&probe);
            let slices = (beat.work.as_nanos() / beat.slice.as_nanos().max(1)).max(1) as u64;
            Some(
                R::spawn(CALC_LANE, async move {
                    let mut computed = Duration::ZERO;
                    for piece in beat.size.pieces(slices) {
                        computed += timed(&probe, "a slice, then yields", piece);
                        R::yield_now().await;
                    }
                    computed
                })
                .await,
            )
        }
    };
    R::sleep(beat.margin()).await;
    stop.store(true, Ordering::Release);
    Heartbeat {
        lags: heart.await,
        work,
    }
}

/// Computes the squares of `0..n` as one span.
fn timed(probe: &Probe, label: &str, n: u64) -> Duration {
    let start = Instant::now();
    work::squares(n);
    let end = Instant::now();
    probe.record(CALC_LANE, State::Running, label, start, end);
    end - start
}

/// Sleeps `tick` again and again until `stop`, and returns how late each
/// wake-up was (the loop's lag).
async fn heartbeat<R: Rt>(
    tick: Duration,
    stop: Arc<AtomicBool>,
    probe: Arc<Probe>,
) -> Vec<Duration> {
    let mut lags = Vec::new();
    while !stop.load(Ordering::Acquire) {
        let asked = Instant::now();
        R::sleep(tick).await;
        let woke = Instant::now();
        let due = asked + tick;
        probe.record(
            HEARTBEAT_LANE,
            State::WaitingIo,
            "sleeps a tick",
            asked,
            due.min(woke),
        );
        if woke > due {
            probe.record(HEARTBEAT_LANE, State::WaitingCpu, "late", due, woke);
        }
        lags.push(woke.saturating_duration_since(due));
    }
    lags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_add_up_to_the_whole() {
        let size = Calculation { n: 1_003 };
        let pieces: Vec<u64> = size.pieces(10).collect();
        assert_eq!(pieces.len(), 10);
        assert_eq!(pieces.iter().sum::<u64>(), 1_003);
        assert_eq!(Calculation { n: 3 }.pieces(10).count(), 3);
    }

    #[test]
    fn calibration_scales_with_the_target() {
        let short = Calculation::calibrate(Duration::from_millis(5));
        let long = Calculation::calibrate(Duration::from_millis(50));
        assert!(long.n > short.n * 3, "{short:?} {long:?}");
    }
}

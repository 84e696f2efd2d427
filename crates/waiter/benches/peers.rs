//! `cargo bench --bench peers`: waiter's [`Pool`] against its peers, on the
//! same machine, in the same run, every executor with 2 workers.
//!
//! # What is measured
//!
//! - **throughput**: submit 200,000 tiny tasks (each returns `2 * i`), then
//!   collect every result; the median over several repetitions, in tasks/s.
//!   `thread-per-task` runs 2,000 tasks (1,000 with `--quick`; all spawned,
//!   then all joined) and is scaled to tasks/s.
//! - **latency**: one task at a time, submit then wait for its result through
//!   its handle; the median and the 99th percentile of the round trip, in µs.
//!   For executors without a handle (`rayon-spawn`, `threadpool`) the handle
//!   is a per-task one-slot channel, which is what a round trip costs there.
//! - **scaling**: the throughput figure again for `waiter`, `rayon-spawn`
//!   and `threadpool` at 1, 2, 4 and 8 workers (4 and 8 oversubscribe the
//!   2-core machine class), so the way each one's cost grows with its workers
//!   shows side by side; each cell is a ratio to `rayon-spawn` at the same
//!   worker count, and to the executor's own 1-worker figure.
//! - **speedup**: a CPU-bound job (counting primes by trial division, split
//!   into 64 chunks) timed on a 1-worker and on a 2-worker instance of each
//!   executor; the figure is `t(1 worker) / t(2 workers)`, each time the best
//!   of a few runs. `thread-per-task` keeps at most 1 (or 2) threads alive.
//!
//! # The executors
//!
//! | executor               | submit                                | collect                      |
//! |------------------------|---------------------------------------|------------------------------|
//! | `waiter`               | `Pool::submit`                        | `Task::wait` on each handle  |
//! | `waiter-map`           | `Pool::map` (window 8 × workers)      | the iterator                 |
//! | `waiter-scope`         | `Pool::scope` + `Scope::submit`       | a preallocated slot per task |
//! | `rayon-spawn`          | `ThreadPool::spawn`                   | one shared channel           |
//! | `rayon-scope`          | `ThreadPool::scope` + `Scope::spawn`  | a preallocated slot per task |
//! | `rayon-spawn-oneshot`  | `ThreadPool::spawn`                   | a channel per task (handle)  |
//! | `threadpool`           | `threadpool::ThreadPool::execute`     | one shared channel           |
//! | `tokio-spawn_blocking` | `spawn_blocking` (2 blocking threads) | `.await` on each handle      |
//! | `thread-per-task`      | `std::thread::spawn`                  | `JoinHandle::join`           |
//!
//! Channels are `crossbeam_channel` (unbounded when shared, `bounded(1)` per
//! task). `waiter-map` and `waiter-scope` have no latency row (one task is
//! the same path as `waiter`), nor has `rayon-spawn-oneshot`, whose round
//! trip *is* `rayon-spawn`'s; `rayon-scope`'s round trip is a whole
//! `ThreadPool::scope` around one `spawn`.
//!
//! # Reading the ratios
//!
//! Every figure is also given as a ratio to `rayon-spawn`, oriented so that
//! **> 1 means better than rayon**: `value / rayon` for throughput and
//! speedup, `rayon / value` for latency (lower latency is better).
//!
//! Expect the ratios to move between runs by ±20 % on a small virtual
//! machine: the submitting thread competes with both workers for 2 cores,
//! and wake-ups, allocator trimming and page faults decide much of the
//! tiny-task figures; compare runs, not single digits.
//!
//! `waiter-scope`'s caller only waits for the scope's tasks (it runs them
//! itself only when it is a worker of the pool), so its 1-worker run uses one
//! worker, as `rayon-scope`'s does.
//!
//! # Options
//!
//! - `--quick`: fewer repetitions and a smaller CPU job (under 30 s on a quiet
//!   machine).
//! - `--json FILE`: also write the figures to `FILE` as an array of rows
//!   `{"bench", "executor", "workers", "value", "unit", "ratio_to_rayon"}`.
//!   `bench` is `throughput`, `latency`, `scaling` or `speedup`; `unit` is
//!   `tasks/s`, `us (median)` or `us (p99)` (two latency rows per executor),
//!   or `x`; the ratio is to `rayon-spawn` with as many workers (the speed-up
//!   row says 2: it compares 1 worker with 2).
//!
//! [`Pool`]: waiter::Pool

mod support;

use std::collections::VecDeque;
use std::hint::black_box;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use waiter::Pool;

/// The executor every ratio is taken against.
const REFERENCE: &str = "rayon-spawn";
/// Workers of every executor (the machine class has 2 cores).
const WORKERS: usize = 2;
/// Worker counts of the scaling figure (the machine class has 2 cores).
const SCALING_WORKERS: [usize; 4] = [1, 2, 4, 8];
/// Executors of the scaling figure.
const SCALING_KINDS: [Kind; 3] = [Kind::Waiter, Kind::RayonSpawn, Kind::ThreadPool];
/// Chunks the CPU-bound job is split into.
const CHUNKS: u64 = 64;

/// How much work one run does.
struct Settings {
    quick: bool,
    json: Option<PathBuf>,
    /// Tiny tasks per throughput repetition.
    tasks: u64,
    /// Tasks per throughput repetition for `thread-per-task`.
    thread_tasks: u64,
    throughput_reps: usize,
    /// Tiny tasks per scaling repetition.
    scaling_tasks: u64,
    scaling_reps: usize,
    /// Round trips per executor.
    round_trips: usize,
    /// Round trips for `thread-per-task`.
    thread_round_trips: usize,
    /// Primes are counted below this.
    prime_limit: u64,
    speedup_reps: usize,
}

impl Settings {
    fn new(quick: bool, json: Option<PathBuf>) -> Self {
        if quick {
            Self {
                quick,
                json,
                tasks: 200_000,
                thread_tasks: 1_000,
                throughput_reps: 3,
                scaling_tasks: 100_000,
                scaling_reps: 3,
                round_trips: 5_000,
                thread_round_trips: 500,
                prime_limit: 1_200_000,
                speedup_reps: 3,
            }
        } else {
            Self {
                quick,
                json,
                tasks: 200_000,
                thread_tasks: 2_000,
                throughput_reps: 9,
                scaling_tasks: 200_000,
                scaling_reps: 5,
                round_trips: 20_000,
                thread_round_trips: 2_000,
                prime_limit: 3_000_000,
                speedup_reps: 3,
            }
        }
    }
}

/// The executors under test, in table order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Waiter,
    WaiterMap,
    WaiterScope,
    RayonSpawn,
    RayonScope,
    RayonOneshot,
    ThreadPool,
    Tokio,
    ThreadPerTask,
}

impl Kind {
    const ALL: [Kind; 9] = [
        Kind::Waiter,
        Kind::WaiterMap,
        Kind::WaiterScope,
        Kind::RayonSpawn,
        Kind::RayonScope,
        Kind::RayonOneshot,
        Kind::ThreadPool,
        Kind::Tokio,
        Kind::ThreadPerTask,
    ];

    fn name(self) -> &'static str {
        match self {
            Kind::Waiter => "waiter",
            Kind::WaiterMap => "waiter-map",
            Kind::WaiterScope => "waiter-scope",
            Kind::RayonSpawn => "rayon-spawn",
            Kind::RayonScope => "rayon-scope",
            Kind::RayonOneshot => "rayon-spawn-oneshot",
            Kind::ThreadPool => "threadpool",
            Kind::Tokio => "tokio-spawn_blocking",
            Kind::ThreadPerTask => "thread-per-task",
        }
    }

    /// Whether a single-task round trip means something of its own here.
    fn has_latency(self) -> bool {
        !matches!(
            self,
            Kind::WaiterMap | Kind::WaiterScope | Kind::RayonOneshot
        )
    }
}

/// The machinery behind an executor.
enum Backend {
    Waiter(Pool),
    Rayon(rayon::ThreadPool),
    ThreadPool(threadpool::ThreadPool),
    Tokio(tokio::runtime::Runtime),
    /// At most `window` threads alive at once (`usize::MAX`: no limit).
    Threads {
        window: usize,
    },
}

/// One executor instance with a given number of workers.
struct Executor {
    kind: Kind,
    backend: Backend,
}

/// Unwraps a submission; every pool here stays open for the whole run.
fn accepted<T, E>(result: Result<T, E>) -> T {
    result.unwrap_or_else(|_| panic!("the executor refused a task"))
}

impl Executor {
    fn new(kind: Kind, workers: usize) -> Self {
        let backend = match kind {
            Kind::Waiter | Kind::WaiterMap | Kind::WaiterScope => {
                Backend::Waiter(Pool::new(workers).expect("waiter pool"))
            }
            Kind::RayonSpawn | Kind::RayonScope | Kind::RayonOneshot => Backend::Rayon(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(workers)
                    .build()
                    .expect("rayon pool"),
            ),
            Kind::ThreadPool => Backend::ThreadPool(threadpool::ThreadPool::new(workers)),
            Kind::Tokio => Backend::Tokio(
                tokio::runtime::Builder::new_multi_thread()
                    // `block_on` drives the awaits on the calling thread; the
                    // async worker only idles.
                    .worker_threads(1)
                    .max_blocking_threads(workers)
                    .build()
                    .expect("tokio runtime"),
            ),
            Kind::ThreadPerTask => Backend::Threads { window: usize::MAX },
        };
        Self { kind, backend }
    }

    /// Like [`Executor::new`], but `thread-per-task` keeps at most `workers`
    /// threads alive (for the speed-up, where the worker count matters).
    fn bounded(kind: Kind, workers: usize) -> Self {
        let mut executor = Self::new(kind, workers);
        if let Backend::Threads { window } = &mut executor.backend {
            *window = workers;
        }
        executor
    }

    /// Runs `body(i)` for every `i` in `0..n` as one task each, submitting
    /// all before collecting any result; returns the sum of the results.
    fn sum_of<B>(&self, n: u64, body: B) -> u64
    where
        B: Fn(u64) -> u64 + Copy + Send + Sync + 'static,
    {
        match (&self.backend, self.kind) {
            (Backend::Waiter(pool), Kind::Waiter) => {
                let tasks: Vec<_> = (0..n)
                    .map(|i| accepted(pool.submit(move || body(i))))
                    .collect();
                tasks
                    .into_iter()
                    .map(|task| task.wait().expect("task failed"))
                    .sum()
            }
            (Backend::Waiter(pool), Kind::WaiterMap) => pool
                .map(0..n, body)
                .map(|result| result.expect("task failed"))
                .sum(),
            (Backend::Waiter(pool), _) => {
                let slots = slots(n);
                pool.scope(|s| {
                    for (i, slot) in (0..n).zip(&slots) {
                        drop(accepted(
                            s.submit(move || slot.store(body(i), Ordering::Relaxed)),
                        ));
                    }
                });
                slots.iter().map(|slot| slot.load(Ordering::Relaxed)).sum()
            }
            (Backend::Rayon(pool), Kind::RayonScope) => {
                let slots = slots(n);
                pool.scope(|s| {
                    for (i, slot) in (0..n).zip(&slots) {
                        s.spawn(move |_| slot.store(body(i), Ordering::Relaxed));
                    }
                });
                slots.iter().map(|slot| slot.load(Ordering::Relaxed)).sum()
            }
            (Backend::Rayon(pool), Kind::RayonOneshot) => {
                let handles: Vec<_> = (0..n)
                    .map(|i| {
                        let (tx, rx) = crossbeam_channel::bounded(1);
                        pool.spawn(move || {
                            let _ = tx.send(body(i));
                        });
                        rx
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|rx| rx.recv().expect("task lost"))
                    .sum()
            }
            (Backend::Rayon(pool), _) => {
                let (tx, rx) = crossbeam_channel::unbounded();
                for i in 0..n {
                    let tx = tx.clone();
                    pool.spawn(move || {
                        let _ = tx.send(body(i));
                    });
                }
                drop(tx);
                (0..n).map(|_| rx.recv().expect("task lost")).sum()
            }
            (Backend::ThreadPool(pool), _) => {
                let (tx, rx) = crossbeam_channel::unbounded();
                for i in 0..n {
                    let tx = tx.clone();
                    pool.execute(move || {
                        let _ = tx.send(body(i));
                    });
                }
                drop(tx);
                (0..n).map(|_| rx.recv().expect("task lost")).sum()
            }
            (Backend::Tokio(runtime), _) => runtime.block_on(async {
                let handles: Vec<_> = (0..n)
                    .map(|i| tokio::task::spawn_blocking(move || body(i)))
                    .collect();
                let mut sum = 0;
                for handle in handles {
                    sum += handle.await.expect("task failed");
                }
                sum
            }),
            (Backend::Threads { window }, _) => {
                let mut alive = VecDeque::new();
                let mut sum = 0;
                for i in 0..n {
                    if alive.len() >= *window {
                        sum += join(alive.pop_front());
                    }
                    alive.push_back(std::thread::spawn(move || body(i)));
                }
                alive
                    .into_iter()
                    .map(|handle| join(Some(handle)))
                    .sum::<u64>()
                    + sum
            }
        }
    }

    /// Times `n` single-task round trips (submit, then wait for that task's
    /// result), appending each in nanoseconds to `out`.
    fn round_trips(&self, n: usize, out: &mut Vec<u64>) {
        let mut sink = 0u64;
        match &self.backend {
            Backend::Waiter(pool) => time_each(n, out, |i| {
                accepted(pool.submit(move || black_box(i)))
                    .wait()
                    .expect("task failed")
            }),
            Backend::Rayon(pool) if self.kind == Kind::RayonScope => {
                let slot = AtomicU64::new(0);
                time_each(n, out, |i| {
                    pool.scope(|s| s.spawn(|_| slot.store(black_box(i), Ordering::Relaxed)));
                    slot.load(Ordering::Relaxed)
                });
            }
            Backend::Rayon(pool) => time_each(n, out, |i| {
                let (tx, rx) = crossbeam_channel::bounded(1);
                pool.spawn(move || {
                    let _ = tx.send(black_box(i));
                });
                rx.recv().expect("task lost")
            }),
            Backend::ThreadPool(pool) => time_each(n, out, |i| {
                let (tx, rx) = crossbeam_channel::bounded(1);
                pool.execute(move || {
                    let _ = tx.send(black_box(i));
                });
                rx.recv().expect("task lost")
            }),
            Backend::Tokio(runtime) => runtime.block_on(async {
                for i in 0..n as u64 {
                    let start = Instant::now();
                    let value = tokio::task::spawn_blocking(move || black_box(i))
                        .await
                        .expect("task failed");
                    out.push(nanos(start.elapsed()));
                    sink = sink.wrapping_add(value);
                }
            }),
            Backend::Threads { .. } => time_each(n, out, |i| {
                std::thread::spawn(move || black_box(i))
                    .join()
                    .expect("thread panicked")
            }),
        }
        black_box(sink);
    }
}

fn join(handle: Option<std::thread::JoinHandle<u64>>) -> u64 {
    handle
        .expect("a thread to join")
        .join()
        .expect("thread panicked")
}

fn slots(n: u64) -> Vec<AtomicU64> {
    (0..n).map(|_| AtomicU64::new(0)).collect()
}

fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

/// Times `round_trip(i)` for `i` in `0..n`.
fn time_each(n: usize, out: &mut Vec<u64>, mut round_trip: impl FnMut(u64) -> u64) {
    for i in 0..n as u64 {
        let start = Instant::now();
        let value = round_trip(i);
        out.push(nanos(start.elapsed()));
        black_box(value);
    }
}

/// The tiny task of the throughput bench.
fn tiny(i: u64) -> u64 {
    black_box(i).wrapping_mul(2)
}

/// Counts the primes in `lo..hi` by trial division.
fn count_primes(lo: u64, hi: u64) -> u64 {
    fn is_prime(n: u64) -> bool {
        if n < 4 {
            return n >= 2;
        }
        if n.is_multiple_of(2) {
            return false;
        }
        let mut d = 3;
        while d * d <= n {
            if n.is_multiple_of(d) {
                return false;
            }
            d += 2;
        }
        true
    }
    (lo..hi).filter(|&n| is_prime(n)).count() as u64
}

/// The CPU-bound job: chunk `i` of `0..limit` (cut into [`CHUNKS`]).
fn prime_chunk(limit: u64) -> impl Fn(u64) -> u64 + Copy + Send + Sync + 'static {
    move |i| count_primes(i * limit / CHUNKS, (i + 1) * limit / CHUNKS)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// The `q`-quantile (nearest rank) of sorted `values`.
fn quantile(sorted: &[u64], q: f64) -> u64 {
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// A part of the run: measures and appends its rows.
type Section = fn(&Settings, &mut Vec<Row>);

/// One figure of the table.
struct Row {
    bench: &'static str,
    executor: &'static str,
    /// Workers of the executor.
    workers: usize,
    value: f64,
    unit: &'static str,
    /// Whether a lower value is better (latency).
    lower_is_better: bool,
    /// Context for the printed table only.
    detail: String,
    ratio: f64,
}

fn row(bench: &'static str, kind: Kind, value: f64, unit: &'static str, detail: String) -> Row {
    Row {
        bench,
        executor: kind.name(),
        workers: WORKERS,
        value,
        unit,
        lower_is_better: bench == "latency",
        detail,
        ratio: f64::NAN,
    }
}

/// Fills in each row's ratio to the reference row of the same bench, unit
/// and worker count.
fn fill_ratios(rows: &mut [Row]) {
    let references: Vec<(&str, &str, usize, f64)> = rows
        .iter()
        .filter(|row| row.executor == REFERENCE)
        .map(|row| (row.bench, row.unit, row.workers, row.value))
        .collect();
    for row in rows {
        let reference = references.iter().find(|(bench, unit, workers, _)| {
            *bench == row.bench && *unit == row.unit && *workers == row.workers
        });
        if let Some(&(_, _, _, reference)) = reference {
            row.ratio = if row.lower_is_better {
                reference / row.value
            } else {
                row.value / reference
            };
        }
    }
}

fn throughput(settings: &Settings, rows: &mut Vec<Row>) {
    println!(
        "throughput: {} tiny tasks per repetition ({} for thread-per-task), median of {}",
        settings.tasks, settings.thread_tasks, settings.throughput_reps
    );
    let executors: Vec<Executor> = Kind::ALL
        .iter()
        .map(|&kind| Executor::new(kind, WORKERS))
        .collect();
    let mut rates = vec![Vec::new(); executors.len()];
    // Warm up: threads started, allocator pools filled.
    for executor in &executors {
        executor.sum_of(settings.thread_tasks, tiny);
    }
    // Round-robin, so drift on the machine spreads over every executor.
    for _ in 0..settings.throughput_reps {
        for (executor, rates) in executors.iter().zip(&mut rates) {
            let n = match executor.kind {
                Kind::ThreadPerTask => settings.thread_tasks,
                _ => settings.tasks,
            };
            let start = Instant::now();
            let sum = executor.sum_of(n, tiny);
            let elapsed = start.elapsed();
            assert_eq!(sum, n * (n - 1), "{}: wrong results", executor.kind.name());
            rates.push(n as f64 / elapsed.as_secs_f64());
        }
    }
    for (executor, mut rates) in executors.iter().zip(rates) {
        let (low, high) = (min(&rates), max(&rates));
        let value = median(&mut rates);
        let detail = format!("{:.0}-{:.0} ns/task", 1e9 / high, 1e9 / low);
        rows.push(row("throughput", executor.kind, value, "tasks/s", detail));
    }
}

fn latency(settings: &Settings, rows: &mut Vec<Row>) {
    println!(
        "latency: {} round trips per executor ({} for thread-per-task)",
        settings.round_trips, settings.thread_round_trips
    );
    let executors: Vec<Executor> = Kind::ALL
        .iter()
        .filter(|kind| kind.has_latency())
        .map(|&kind| Executor::new(kind, WORKERS))
        .collect();
    const BLOCKS: usize = 4;
    let mut samples = vec![Vec::new(); executors.len()];
    for executor in &executors {
        executor.round_trips(100, &mut Vec::new());
    }
    for _ in 0..BLOCKS {
        for (executor, samples) in executors.iter().zip(&mut samples) {
            let n = match executor.kind {
                Kind::ThreadPerTask => settings.thread_round_trips,
                _ => settings.round_trips,
            };
            executor.round_trips(n.div_ceil(BLOCKS), samples);
        }
    }
    for (executor, mut samples) in executors.iter().zip(samples) {
        samples.sort_unstable();
        let us = |ns: u64| ns as f64 / 1e3;
        let detail = format!(
            "p90 {:.2}, p99.9 {:.2}, max {:.0} µs",
            us(quantile(&samples, 0.9)),
            us(quantile(&samples, 0.999)),
            us(quantile(&samples, 1.0)),
        );
        rows.push(row(
            "latency",
            executor.kind,
            us(quantile(&samples, 0.5)),
            "us (median)",
            format!("{} round trips", samples.len()),
        ));
        rows.push(row(
            "latency",
            executor.kind,
            us(quantile(&samples, 0.99)),
            "us (p99)",
            detail,
        ));
    }
}

fn scaling(settings: &Settings, rows: &mut Vec<Row>) {
    println!(
        "scaling: {} tiny tasks per repetition at {SCALING_WORKERS:?} workers, median of {}",
        settings.scaling_tasks, settings.scaling_reps
    );
    let n = settings.scaling_tasks;
    for workers in SCALING_WORKERS {
        let executors = SCALING_KINDS.map(|kind| Executor::new(kind, workers));
        let mut rates = [(); SCALING_KINDS.len()].map(|()| Vec::new());
        for executor in &executors {
            executor.sum_of(settings.thread_tasks, tiny);
        }
        // Round-robin, as in the throughput section.
        for _ in 0..settings.scaling_reps {
            for (executor, rates) in executors.iter().zip(&mut rates) {
                let start = Instant::now();
                let sum = executor.sum_of(n, tiny);
                let elapsed = start.elapsed();
                assert_eq!(sum, n * (n - 1), "{}: wrong results", executor.kind.name());
                rates.push(n as f64 / elapsed.as_secs_f64());
            }
        }
        for (executor, mut rates) in executors.iter().zip(rates) {
            let (low, high) = (min(&rates), max(&rates));
            let value = median(&mut rates);
            let detail = format!("{:.0}-{:.0} ns/task", 1e9 / high, 1e9 / low);
            rows.push(Row {
                workers,
                ..row("scaling", executor.kind, value, "tasks/s", detail)
            });
        }
    }
}

/// The scaling rows as a figure: executors down, worker counts across.
fn print_scaling(rows: &[Row]) {
    let scaling: Vec<&Row> = rows.iter().filter(|row| row.bench == "scaling").collect();
    if scaling.is_empty() {
        return;
    }
    println!();
    println!(
        "scaling: tasks/s; (ratio to {REFERENCE} with as many workers; ratio to own 1-worker figure)"
    );
    let mut header = format!("{:<12}", "executor");
    for workers in SCALING_WORKERS {
        let title = format!("{workers} worker{}", if workers == 1 { "" } else { "s" });
        header.push_str(&format!("  {title:>24}"));
    }
    println!("{header}");
    for kind in SCALING_KINDS {
        let mut line = format!("{:<12}", kind.name());
        let own = |workers: usize| {
            scaling
                .iter()
                .find(|row| row.executor == kind.name() && row.workers == workers)
        };
        let single = own(1).map_or(f64::NAN, |row| row.value);
        for workers in SCALING_WORKERS {
            let cell = own(workers).map_or("-".to_owned(), |row| {
                format!(
                    "{} ({:.2}x; {:.2}x)",
                    shown(row),
                    row.ratio,
                    row.value / single
                )
            });
            line.push_str(&format!("  {cell:>24}"));
        }
        println!("{line}");
    }
}

fn speedup(settings: &Settings, rows: &mut Vec<Row>) {
    let job = prime_chunk(settings.prime_limit);
    let start = Instant::now();
    let expected: u64 = (0..CHUNKS).map(job).sum();
    let sequential = start.elapsed();
    println!(
        "speedup: primes below {} ({expected}) in {CHUNKS} chunks, sequential {:.0} ms; \
         best of {} per worker count",
        settings.prime_limit,
        sequential.as_secs_f64() * 1e3,
        settings.speedup_reps
    );
    for kind in Kind::ALL {
        let executors = [1, WORKERS].map(|workers| Executor::bounded(kind, workers));
        let mut best = [f64::INFINITY; 2];
        // Alternated, so a burst of outside load does not hit one side only.
        for _ in 0..settings.speedup_reps {
            for (executor, best) in executors.iter().zip(&mut best) {
                let start = Instant::now();
                let found = executor.sum_of(CHUNKS, job);
                *best = best.min(start.elapsed().as_secs_f64());
                assert_eq!(found, expected, "{}: wrong prime count", kind.name());
            }
        }
        drop(executors);
        let detail = format!(
            "1 worker {:.0} ms, 2 workers {:.0} ms",
            best[0] * 1e3,
            best[1] * 1e3
        );
        rows.push(row("speedup", kind, best[0] / best[1], "x", detail));
    }
}

/// Watches how much CPU *other* processes use while a section runs: on a
/// shared 2-core machine one busy neighbour halves the figures.
struct Watch {
    started: Instant,
    ticks: Option<CpuTicks>,
}

/// Linux's CPU counters, in clock ticks (`USER_HZ`, 100 per second).
#[derive(Clone, Copy)]
struct CpuTicks {
    /// Busy time of the whole machine (every CPU, every process).
    machine: u64,
    /// Time of this process (all its threads, user and system).
    own: u64,
}

impl CpuTicks {
    const PER_SECOND: f64 = 100.0;

    /// `None` where `/proc` is missing or unreadable (not Linux).
    fn read() -> Option<Self> {
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        let fields: Vec<u64> = stat
            .lines()
            .next()?
            .split_whitespace()
            .skip(1)
            .map(|field| field.parse().ok())
            .collect::<Option<_>>()?;
        // user nice system idle iowait irq softirq steal: all but idle and
        // iowait are busy (guest time is already inside user).
        let machine = fields.iter().take(8).sum::<u64>() - fields.get(3)? - fields.get(4)?;
        let own = std::fs::read_to_string("/proc/self/stat").ok()?;
        // Fields after the parenthesised name; utime and stime are the 14th
        // and 15th of the line, so the 12th and 13th after the name.
        let after_name: Vec<&str> = own.rsplit_once(')')?.1.split_whitespace().collect();
        let own =
            after_name.get(11)?.parse::<u64>().ok()? + after_name.get(12)?.parse::<u64>().ok()?;
        Some(Self { machine, own })
    }
}

impl Watch {
    fn start() -> Self {
        Self {
            started: Instant::now(),
            ticks: CpuTicks::read(),
        }
    }

    /// Prints the CPU time others used since [`Watch::start`]; returns
    /// whether it was enough to skew the section (over 5 % of the machine).
    fn report(&self, section: &str, parallelism: usize) -> bool {
        let (Some(before), Some(after)) = (self.ticks, CpuTicks::read()) else {
            return false;
        };
        let machine = after.machine.saturating_sub(before.machine);
        let own = after.own.saturating_sub(before.own);
        let foreign = machine.saturating_sub(own) as f64 / CpuTicks::PER_SECOND;
        let capacity = self.started.elapsed().as_secs_f64() * parallelism.max(1) as f64;
        let skewed = foreign > 0.05 * capacity;
        println!(
            "  {section}: other processes used {foreign:.1} s of CPU meanwhile ({:.0} % of the machine){}",
            100.0 * foreign / capacity,
            if skewed { ": figures skewed" } else { "" }
        );
        skewed
    }
}

fn min(values: &[f64]) -> f64 {
    values.iter().copied().fold(f64::INFINITY, f64::min)
}

fn max(values: &[f64]) -> f64 {
    values.iter().copied().fold(0.0, f64::max)
}

/// The value as printed: tasks/s with an SI prefix, the rest with 2 decimals.
fn shown(row: &Row) -> String {
    match row.unit {
        "tasks/s" if row.value >= 1e6 => format!("{:.2} M", row.value / 1e6),
        "tasks/s" => format!("{:.1} k", row.value / 1e3),
        _ => format!("{:.2}", row.value),
    }
}

fn print_table(rows: &[Row]) {
    let header = ["bench", "executor", "value", "unit", "vs rayon", "detail"];
    let rows: Vec<&Row> = rows.iter().filter(|row| row.bench != "scaling").collect();
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|row| {
            [
                row.bench.to_owned(),
                row.executor.to_owned(),
                shown(row),
                row.unit.to_owned(),
                if row.ratio.is_finite() {
                    format!("{:.2}x", row.ratio)
                } else {
                    "-".to_owned()
                },
                row.detail.clone(),
            ]
        })
        .collect();
    let mut widths = header.map(|title| title.chars().count());
    for line in &cells {
        for (width, cell) in widths.iter_mut().zip(line) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let print_line = |line: &[String]| {
        let mut text = String::new();
        for (column, (cell, width)) in line.iter().zip(widths).enumerate() {
            let pad = width - cell.chars().count();
            // Numbers right-aligned, words left-aligned.
            if column == 2 || column == 4 {
                text.push_str(&" ".repeat(pad));
                text.push_str(cell);
            } else {
                text.push_str(cell);
                text.push_str(&" ".repeat(pad));
            }
            text.push_str("  ");
        }
        println!("{}", text.trim_end());
    };
    println!();
    print_line(&header.map(str::to_owned));
    print_line(&widths.map(|width| "-".repeat(width)));
    let mut previous = "";
    for (row, line) in rows.iter().zip(&cells) {
        if !previous.is_empty() && previous != row.bench {
            println!();
        }
        previous = row.bench;
        print_line(line);
    }
    println!();
    println!("vs rayon: ratio to {REFERENCE}; > 1 is better than rayon (latency: rayon / value).");
}

/// Checks waiter's figures against the targets set for them.
fn print_targets(rows: &[Row]) {
    let find = |bench: &str, unit: &str, executor: &str| {
        rows.iter()
            .find(|row| row.bench == bench && row.unit == unit && row.executor == executor)
    };
    let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
    println!();
    println!("targets (one run; a noisy machine moves these, compare several runs):");
    // Throughput: goal 1.0x, minimum 0.8x, against each peer in turn.
    let level = |ratio: f64| {
        if ratio >= 1.0 {
            "met"
        } else if ratio >= 0.8 {
            "minimum met, goal missed"
        } else {
            "MISSED"
        }
    };
    for (executor, peer) in [
        ("waiter", "rayon-spawn"),
        ("waiter", "threadpool"),
        ("waiter-scope", "rayon-scope"),
        ("waiter-map", "rayon-spawn"),
    ] {
        let (Some(ours), Some(theirs)) = (
            find("throughput", "tasks/s", executor),
            find("throughput", "tasks/s", peer),
        ) else {
            continue;
        };
        let ratio = ours.value / theirs.value;
        let goal = format!("  {executor} throughput >= 1.0x {peer} (at least 0.8x):");
        println!("{goal:<64} {ratio:.2}x  {}", level(ratio));
    }
    if let Some(row) = find("latency", "us (median)", "waiter") {
        println!(
            "  {:<62} {:.2}x  {}",
            "round-trip median <= rayon's:",
            row.ratio,
            verdict(row.ratio >= 1.0)
        );
    }
    if let Some(row) = find("latency", "us (p99)", "waiter") {
        // ratio = rayon / waiter, so p99 <= 3 x rayon means ratio >= 1/3.
        println!(
            "  {:<62} {:.2}x  {}",
            "round-trip p99 <= 3x rayon's (ratio = rayon / waiter):",
            row.ratio,
            verdict(row.ratio >= 1.0 / 3.0)
        );
    }
    if let Some(row) = find("speedup", "x", "waiter") {
        println!(
            "  {:<62} {:.2}x  {}",
            "CPU speed-up >= 1.9x:",
            row.value,
            verdict(row.value >= 1.9)
        );
    }
}

fn write_json(path: &PathBuf, rows: &[Row]) -> std::io::Result<()> {
    // Assembled by hand to keep the fields in the documented order;
    // serde_json renders each value (a non-finite number becomes `null`).
    let field = |value: serde_json::Value| value.to_string();
    let lines: Vec<String> = rows
        .iter()
        .map(|row| {
            format!(
                "  {{\"bench\": {}, \"executor\": {}, \"workers\": {}, \"value\": {}, \"unit\": {}, \"ratio_to_rayon\": {}}}",
                field(row.bench.into()),
                field(row.executor.into()),
                field(row.workers.into()),
                field(row.value.into()),
                field(row.unit.into()),
                field(row.ratio.into()),
            )
        })
        .collect();
    std::fs::write(path, format!("[\n{}\n]\n", lines.join(",\n")))
}

fn main() -> ExitCode {
    let args = support::bench_args("peers");
    let settings = Settings::new(args.quick, args.json);
    let started = Instant::now();
    let parallelism = std::thread::available_parallelism().map_or(0, usize::from);
    println!(
        "peers: waiter's Pool vs rayon, threadpool, tokio and a thread per task; \
         {WORKERS} workers each, {} run",
        if settings.quick { "quick" } else { "full" }
    );
    println!("available_parallelism: {parallelism}");
    // Other work on the machine skews every figure; say how busy it was.
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        let load: Vec<&str> = load.split_whitespace().take(3).collect();
        println!("load average at start: {}", load.join(" "));
    }
    if parallelism < WORKERS {
        println!("warning: fewer cores than workers; speed-ups cannot reach {WORKERS}x");
    }

    let mut rows = Vec::new();
    let mut skewed = false;
    let sections: [(&str, Section); 4] = [
        ("throughput", throughput),
        ("latency", latency),
        ("scaling", scaling),
        ("speedup", speedup),
    ];
    for (name, section) in sections {
        let watch = Watch::start();
        section(&settings, &mut rows);
        skewed |= watch.report(name, parallelism);
    }
    fill_ratios(&mut rows);

    print_table(&rows);
    print_scaling(&rows);
    print_targets(&rows);
    if let Some(path) = &settings.json {
        if let Err(error) = write_json(path, &rows) {
            eprintln!("peers: cannot write {}: {error}", path.display());
            return ExitCode::FAILURE;
        }
        println!("wrote {}", path.display());
    }
    if skewed {
        println!("warning: other processes used the CPU during the run; rerun on a quiet machine");
    }
    println!("done in {:.1} s", started.elapsed().as_secs_f64());
    ExitCode::SUCCESS
}

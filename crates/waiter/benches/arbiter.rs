//! `cargo bench --bench arbiter`: grants per second of [`Waiter`] against
//! locking two `parking_lot::Mutex`es in a fixed (ascending) order, on the
//! same machine, in the same run.
//!
//! Each of 2 threads repeatedly picks a random pair of distinct resources out
//! of `R` (8 and 64: more or less contention), takes both, bumps a counter
//! under them, and gives them back. The figure is total grants per second,
//! the median of several rounds; the ratio is `waiter / ordered-mutexes`, so
//! > 1 means the waiter is faster.
//!
//! Ordered locking is the classic deadlock-free baseline, but it only works
//! when every caller knows the global order and takes locks in it; the
//! waiter needs no such discipline (and adds FIFO fairness and leases), so a
//! ratio of 0.5 or more is the target.
//!
//! Options: `--quick` (fewer, shorter rounds), `--json FILE`.

mod support;

use std::hint::black_box;
use std::sync::Barrier;
use std::time::Instant;

use parking_lot::Mutex;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use waiter::{Policy, Waiter};

const THREADS: usize = 2;

/// Random distinct pairs, drawn up front so the RNG is not measured.
fn pairs(resources: usize, count: usize, seed: u64) -> Vec<[usize; 2]> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..count)
        .map(|_| {
            let a = rng.random_range(0..resources);
            let mut b = rng.random_range(0..resources - 1);
            if b >= a {
                b += 1;
            }
            [a, b]
        })
        .collect()
}

/// Runs `grant` on every pair from `THREADS` threads; returns grants/s.
///
/// Each thread reads the clock itself after the start line and after its
/// last grant; the run lasts from the first start to the last end. (A clock
/// read by a coordinating thread would miss the work done while that thread
/// waited for a core, on a machine busy with other builds.)
fn measure(resources: usize, per_thread: usize, grant: &(dyn Fn(usize, [usize; 2]) + Sync)) -> f64 {
    let work: Vec<Vec<[usize; 2]>> = (0..THREADS)
        .map(|t| pairs(resources, per_thread, t as u64))
        .collect();
    let barrier = Barrier::new(THREADS);
    let spans: Vec<(Instant, Instant)> = std::thread::scope(|s| {
        let threads: Vec<_> = work
            .iter()
            .enumerate()
            .map(|(t, pairs)| {
                let barrier = &barrier;
                s.spawn(move || {
                    barrier.wait();
                    let start = Instant::now();
                    for &pair in pairs {
                        grant(t, pair);
                    }
                    (start, Instant::now())
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    let start = spans.iter().map(|s| s.0).min().expect("threads ran");
    let end = spans.iter().map(|s| s.1).max().expect("threads ran");
    (THREADS * per_thread) as f64 / (end - start).as_secs_f64()
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

struct Row {
    resources: usize,
    executor: &'static str,
    grants_per_s: f64,
    ratio: f64,
}

fn main() {
    let support::BenchArgs { quick, json } = support::bench_args("arbiter");
    let (per_thread, rounds) = if quick { (100_000, 3) } else { (500_000, 7) };
    let started = Instant::now();
    let mut rows = Vec::new();
    for resources in [8, 64] {
        let mutexes: Vec<Mutex<u64>> = (0..resources).map(|_| Mutex::new(0)).collect();
        let ordered = |_: usize, [a, b]: [usize; 2]| {
            let (first, second) = if a < b { (a, b) } else { (b, a) };
            let mut x = mutexes[first].lock();
            let mut y = mutexes[second].lock();
            *x += 1;
            *y += 1;
            black_box((&*x, &*y));
        };
        let mut results: Vec<(&'static str, f64)> = Vec::new();
        results.push((
            "ordered-mutexes",
            median(
                (0..rounds)
                    .map(|_| measure(resources, per_thread, &ordered))
                    .collect(),
            ),
        ));
        for (name, policy) in [
            ("waiter-fifo", Policy::Fifo),
            ("waiter-greedy", Policy::Greedy),
        ] {
            let waiter = Waiter::builder()
                .capacities(vec![1; resources])
                .policy(policy)
                .build()
                .expect("valid capacities");
            let counters: Vec<Mutex<u64>> = (0..resources).map(|_| Mutex::new(0)).collect();
            let grant = |_: usize, pair: [usize; 2]| {
                let grant = waiter.acquire(pair).expect("valid request");
                // The grant makes these uncontended; same work as above.
                *counters[pair[0]].lock() += 1;
                *counters[pair[1]].lock() += 1;
                drop(grant);
            };
            results.push((
                name,
                median(
                    (0..rounds)
                        .map(|_| measure(resources, per_thread, &grant))
                        .collect(),
                ),
            ));
        }
        let baseline = results[0].1;
        for (executor, grants_per_s) in results {
            rows.push(Row {
                resources,
                executor,
                grants_per_s,
                ratio: grants_per_s / baseline,
            });
        }
    }
    println!(
        "grants/s, {THREADS} threads, random pairs; ratio = value / ordered-mutexes (> 1 is faster)\n"
    );
    println!(
        "{:>9}  {:<16} {:>12}  {:>8}",
        "resources", "executor", "grants/s", "ratio"
    );
    for row in &rows {
        println!(
            "{:>9}  {:<16} {:>10.2} M  {:>7.2}x",
            row.resources,
            row.executor,
            row.grants_per_s / 1e6,
            row.ratio
        );
    }
    let worst = rows
        .iter()
        .filter(|r| r.executor.starts_with("waiter-fifo"))
        .map(|r| r.ratio)
        .fold(f64::INFINITY, f64::min);
    println!(
        "\ntarget: waiter-fifo >= 0.5x ordered mutexes: {:.2}x {}",
        worst,
        if worst >= 0.5 { "met" } else { "MISSED" }
    );
    if let Some(path) = json {
        let rows: Vec<serde_json::Value> = rows
            .iter()
            .map(|r| {
                serde_json::json!({
                    "bench": "grants",
                    "resources": r.resources,
                    "executor": r.executor,
                    "value": r.grants_per_s,
                    "unit": "grants/s",
                    "ratio_to_ordered_mutexes": r.ratio,
                })
            })
            .collect();
        support::write_rows("arbiter", &path, &rows);
    }
    println!("done in {:.1} s", started.elapsed().as_secs_f64());
}

//! `cargo bench --bench trace`: what recording a span costs, so that
//! experiments can leave the recorder on.
//!
//! Two threads each record spans as fast as they can (two clock reads and a
//! record per span, the way experiments record), into:
//!
//! - `recorder`: [`waiter::trace::Recorder`], a buffer per thread;
//! - `shared-mutex`: one `Mutex<Vec<…>>` for both threads, the simplest
//!   recorder (and the lab's before `waiter::trace`);
//! - `off`: [`Recorder::off`], which must cost about nothing;
//! - `clock-only`: the two clock reads alone, the floor.
//!
//! The figure is nanoseconds per span (median of several rounds), and the
//! ratio to `shared-mutex` (> 1 is faster).
//!
//! Options: `--quick` (fewer, shorter rounds), `--json FILE`.

mod support;

use std::hint::black_box;
use std::sync::{Barrier, Mutex};
use std::time::Instant;

use waiter::trace::{Recorder, Span, State};

const THREADS: usize = 2;

/// Runs `record(thread, start, end)` `per_thread` times on each thread;
/// returns nanoseconds per span.
fn measure(per_thread: usize, record: &(dyn Fn(usize, Instant, Instant) + Sync)) -> f64 {
    let barrier = Barrier::new(THREADS + 1);
    let elapsed = std::thread::scope(|s| {
        for t in 0..THREADS {
            let barrier = &barrier;
            std::thread::Builder::new()
                .name(format!("bench-{t}"))
                .spawn_scoped(s, move || {
                    barrier.wait();
                    for _ in 0..per_thread {
                        let start = Instant::now();
                        let end = Instant::now();
                        record(t, start, end);
                    }
                    barrier.wait();
                })
                .expect("a bench thread starts");
        }
        barrier.wait();
        let start = Instant::now();
        barrier.wait();
        start.elapsed()
    });
    elapsed.as_nanos() as f64 / (THREADS * per_thread) as f64
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

const LANES: [&str; THREADS] = ["bench-0", "bench-1"];

fn main() {
    let support::BenchArgs { quick, json } = support::bench_args("trace");
    let (per_thread, rounds) = if quick { (200_000, 3) } else { (1_000_000, 7) };
    let started = Instant::now();
    let round = |record: &(dyn Fn(usize, Instant, Instant) + Sync)| {
        median((0..rounds).map(|_| measure(per_thread, record)).collect())
    };

    let shared: Mutex<Vec<(usize, Span)>> = Mutex::new(Vec::new());
    let origin = Instant::now();
    let shared_mutex = round(&|t, start, end| {
        let micros = |at: Instant| at.duration_since(origin).as_micros() as u64;
        let span = Span {
            state: State::Running,
            start_us: micros(start),
            end_us: micros(end),
            label: None,
        };
        shared.lock().expect("not poisoned").push((t, span));
    });
    black_box(shared.lock().expect("not poisoned").len());

    let recorder = Recorder::new();
    let on = round(&|t, start, end| recorder.record(LANES[t], State::Running, "", start, end));
    black_box(recorder.finish("bench").lanes.len());

    let off = Recorder::off();
    let off_ns = round(&|t, start, end| off.record(LANES[t], State::Running, "", start, end));

    let clock_only = round(&|_, start, end| {
        black_box((start, end));
    });

    let rows = [
        ("recorder", on),
        ("shared-mutex", shared_mutex),
        ("off", off_ns),
        ("clock-only", clock_only),
    ];
    println!(
        "ns per span, {THREADS} threads recording at once; ratio = shared-mutex / value (> 1 is faster)\n"
    );
    println!("{:<14} {:>10} {:>8}", "recorder", "ns/span", "ratio");
    for (name, ns) in rows {
        println!("{name:<14} {ns:>10.1} {:>7.2}x", shared_mutex / ns);
    }
    println!(
        "\nrecording costs {:.1} ns per span over the clock reads; off costs {:.1} ns",
        on - clock_only,
        (off_ns - clock_only).max(0.0)
    );
    if let Some(path) = json {
        let rows: Vec<serde_json::Value> = rows
            .iter()
            .map(|(name, ns)| {
                serde_json::json!({
                    "bench": "record a span",
                    "recorder": name,
                    "value": ns,
                    "unit": "ns/span",
                    "ratio_to_shared_mutex": shared_mutex / ns,
                })
            })
            .collect();
        support::write_rows("trace", &path, &rows);
    }
    println!("done in {:.1} s", started.elapsed().as_secs_f64());
}

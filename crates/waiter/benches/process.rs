//! `cargo bench --bench process`: the [`ProcessPool`] against Python's
//! `ProcessPoolExecutor`, both with 2 worker processes, in the same run.
//!
//! - **one by one**: N trivial tasks (`square`) submitted one at a time,
//!   then every result collected: tasks per second. By default waiter
//!   writes a call only to an idle worker (a written call is a running
//!   one, so pending ones can be cancelled); the `waiter ×4` row lets 4
//!   calls per worker be in flight (`calls_per_worker(4)`), which hides
//!   the round trip between two tiny calls.
//! - **chunked map**: 200,000 items through `map` with 1,000 items per
//!   message: items per second.
//! - **round trip**: one task at a time, submit then wait: median and p99.
//!
//! Python's figures come from `python/process_pool_baseline.py`, run with
//! the machine's `python3`; where it is missing, its rows say "not run".
//! Ratios are waiter ÷ Python, so > 1 means faster than Python.
//!
//! Options: `--quick`, `--json FILE`.

mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use waiter::process::{ProcessPool, Registry, TaskDef, serve_if_worker};

const SQUARE: TaskDef<u64, u64> = TaskDef::new("square");

fn registry() -> Registry {
    Registry::new().register(SQUARE, |x| x.wrapping_mul(x))
}

struct Row {
    bench: &'static str,
    executor: String,
    value: Option<f64>,
    unit: &'static str,
}

fn python(tasks: usize, items: usize) -> Result<serde_json::Value, String> {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../python/process_pool_baseline.py"
    );
    let output = Command::new("python3")
        .args([
            script,
            "--workers",
            "2",
            "--tasks",
            &tasks.to_string(),
            "--items",
            &items.to_string(),
            "--chunk",
            "1000",
        ])
        .output()
        .map_err(|e| format!("python3 not run: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "python3 failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    serde_json::from_slice(&output.stdout).map_err(|e| format!("python3 answered no JSON: {e}"))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    serve_if_worker(&registry());
    let support::BenchArgs { quick, json } = support::bench_args("process");
    let (tasks, items, round_trips) = if quick {
        (20_000, 200_000, 2_000)
    } else {
        (100_000, 1_000_000, 10_000)
    };
    let started = Instant::now();
    let pool = ProcessPool::builder(registry())
        .workers(2)
        .build()
        .expect("workers start");
    // Warm up.
    for i in 0..100u64 {
        pool.submit(SQUARE, &i).unwrap().wait().unwrap();
    }

    let start = Instant::now();
    let handles: Vec<_> = (0..tasks as u64)
        .map(|i| pool.submit(SQUARE, &i).unwrap())
        .collect();
    let total: u64 = handles
        .into_iter()
        .map(|t| t.wait().unwrap())
        .fold(0, u64::wrapping_add);
    let one_by_one = tasks as f64 / start.elapsed().as_secs_f64();
    std::hint::black_box(total);
    let pipelined = {
        let deep = ProcessPool::builder(registry())
            .workers(2)
            .calls_per_worker(4)
            .build()
            .expect("workers start");
        let start = Instant::now();
        let handles: Vec<_> = (0..tasks as u64)
            .map(|i| deep.submit(SQUARE, &i).unwrap())
            .collect();
        let total: u64 = handles
            .into_iter()
            .map(|t| t.wait().unwrap())
            .fold(0, u64::wrapping_add);
        std::hint::black_box(total);
        tasks as f64 / start.elapsed().as_secs_f64()
    };

    let start = Instant::now();
    let mapped = pool
        .map(SQUARE, 0..items as u64, 1000)
        .unwrap()
        .map(Result::unwrap)
        .fold(0, u64::wrapping_add);
    let map_rate = items as f64 / start.elapsed().as_secs_f64();
    std::hint::black_box(mapped);

    let mut trips: Vec<Duration> = (0..round_trips as u64)
        .map(|i| {
            let start = Instant::now();
            pool.submit(SQUARE, &i).unwrap().wait().unwrap();
            start.elapsed()
        })
        .collect();
    trips.sort();
    drop(pool);

    let py_tasks = if quick { 2_000 } else { 10_000 };
    let py = python(py_tasks, items);
    let py_value = |key: &str| py.as_ref().ok().and_then(|v| v[key].as_f64());
    let rows = vec![
        Row {
            bench: "one-by-one",
            executor: "waiter".into(),
            value: Some(one_by_one),
            unit: "tasks/s",
        },
        Row {
            bench: "one-by-one",
            executor: "waiter ×4".into(),
            value: Some(pipelined),
            unit: "tasks/s",
        },
        Row {
            bench: "one-by-one",
            executor: "python".into(),
            value: py_value("one_by_one_tasks_per_s"),
            unit: "tasks/s",
        },
        Row {
            bench: "chunked-map",
            executor: "waiter".into(),
            value: Some(map_rate),
            unit: "items/s",
        },
        Row {
            bench: "chunked-map",
            executor: "python".into(),
            value: py_value("map_items_per_s"),
            unit: "items/s",
        },
        Row {
            bench: "round-trip",
            executor: "waiter".into(),
            value: Some(percentile(&trips, 0.5).as_secs_f64() * 1e6),
            unit: "us (median)",
        },
        Row {
            bench: "round-trip",
            executor: "waiter".into(),
            value: Some(percentile(&trips, 0.99).as_secs_f64() * 1e6),
            unit: "us (p99)",
        },
    ];
    match &py {
        Ok(v) => println!(
            "python: CPython {} (python/process_pool_baseline.py), 2 workers",
            v["python"].as_str().unwrap_or("?")
        ),
        Err(why) => println!("python: {why}; its rows say \"not run\""),
    }
    println!(
        "\n{:<12} {:<8} {:>14}  {:<12} {:>10}",
        "bench", "executor", "value", "unit", "vs python"
    );
    let ratio = |row: &Row| -> Option<f64> {
        let python = rows
            .iter()
            .find(|r| r.bench == row.bench && r.executor == "python")?
            .value?;
        Some(row.value? / python)
    };
    for row in &rows {
        let value = row
            .value
            .map_or("not run".to_owned(), |v| format!("{v:.1}"));
        let vs = if row.executor == "python" || row.bench == "round-trip" {
            String::new()
        } else {
            ratio(row).map_or("—".to_owned(), |r| format!("{r:.1}x"))
        };
        println!(
            "{:<12} {:<8} {:>14}  {:<12} {:>10}",
            row.bench, row.executor, value, row.unit, vs
        );
    }
    let target = |bench: &str, executor: &str, want: f64| -> String {
        let waiter = rows
            .iter()
            .find(|r| r.bench == bench && r.executor == executor)
            .expect("row");
        match ratio(waiter) {
            Some(r) => format!("{r:.1}x {}", if r >= want { "met" } else { "MISSED" }),
            None => "python not run".to_owned(),
        }
    };
    println!(
        "\ntargets: one by one >= 10x python: {} (1 call per worker), {} (4)",
        target("one-by-one", "waiter", 10.0),
        target("one-by-one", "waiter ×4", 10.0)
    );
    println!(
        "         chunked map >= 1x python: {}",
        target("chunked-map", "waiter", 1.0)
    );
    if let Some(path) = json {
        let out: Vec<serde_json::Value> = rows
            .iter()
            .map(|r| serde_json::json!({"bench": r.bench, "executor": r.executor, "value": r.value, "unit": r.unit, "ratio_to_python": if r.executor.starts_with("waiter") { ratio(r) } else { None }}))
            .collect();
        support::write_rows("process", &path, &out);
    }
    println!("done in {:.1} s", started.elapsed().as_secs_f64());
}

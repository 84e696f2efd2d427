//! `order` at small sizes: totals agree, orders differ, the racy variant
//! is reported honestly, bad settings are refused.

use std::sync::Arc;

use super::*;

/// Runs through the experiment's trait, as the tour and the CLI do.
fn run(config: &Config, console: Arc<Buffer>) -> Result<Report, Error> {
    config.run(&Ctx::new(console))
}
use crate::console::Buffer;

fn small() -> Config {
    Config {
        tasks: 5,
        runs: 3,
        workers: 2,
        steps: 200,
        max_work: 10_000,
        gap: 20,
        seed: Some(42),
    }
}

#[test]
fn synchronised_totals_are_all_the_expected_sum() {
    let console = Arc::new(Buffer::new());
    let report = run(&small(), console.clone()).unwrap();
    let expected = 200 * (1 + 2 + 3 + 4 + 5);
    assert_eq!(report.figures["expected"], expected);
    for run in report.figures["synchronised"].as_array().unwrap() {
        assert_eq!(run["total"], expected);
        let mut order: Vec<u64> = run["order"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_u64().unwrap())
            .collect();
        order.sort_unstable();
        assert_eq!(order, [1, 2, 3, 4, 5], "every task finishes once");
    }
    assert_eq!(console.contents().matches("run ").count(), 6);
}

#[test]
fn racy_totals_never_exceed_the_expected_sum() {
    let report = run(&small(), Arc::new(Buffer::new())).unwrap();
    let expected = report.figures["expected"].as_u64().unwrap();
    for run in report.figures["racy"].as_array().unwrap() {
        let total = run["total"].as_u64().unwrap();
        assert!(total <= expected);
        assert_eq!(run["lost"].as_u64().unwrap(), expected - total);
    }
}

#[test]
fn the_seed_fixes_the_work_sizes() {
    let a = run(&small(), Arc::new(Buffer::new())).unwrap();
    let b = run(&small(), Arc::new(Buffer::new())).unwrap();
    assert_eq!(a.figures["work_sizes"], b.figures["work_sizes"]);
    assert_eq!(a.figures["seed"], 42);
}

#[test]
fn a_timeline_per_variant_with_worker_lanes() {
    let report = run(&small(), Arc::new(Buffer::new())).unwrap();
    assert_eq!(report.timelines.len(), 2);
    let spans: usize = report.timelines[0]
        .lanes
        .iter()
        .map(|l| l.spans.len())
        .sum();
    assert_eq!(spans, 5, "one span per task");
    assert!(report.timelines[0].lanes.len() <= 2);
}

#[test]
fn zero_sizes_and_overflow_are_config_errors() {
    for config in [
        Config {
            tasks: 0,
            ..small()
        },
        Config { runs: 0, ..small() },
        Config {
            workers: 0,
            ..small()
        },
        Config {
            steps: 0,
            ..small()
        },
        Config {
            steps: u64::MAX,
            ..small()
        },
        Config {
            tasks: MAX_TASKS + 1,
            ..small()
        },
    ] {
        assert!(matches!(
            run(&config, Arc::new(Buffer::new())),
            Err(Error::Config(_))
        ));
    }
}

#[test]
fn expected_total_is_the_triangle_times_steps() {
    assert_eq!(
        expected_total(&Config {
            tasks: 8,
            steps: 1,
            ..small()
        }),
        Some(36)
    );
    assert_eq!(
        expected_total(&Config {
            tasks: 7,
            steps: 10,
            ..small()
        }),
        Some(280)
    );
    assert_eq!(
        expected_total(&Config {
            tasks: usize::MAX,
            ..small()
        }),
        None
    );
}

#[test]
fn distinct_counts_unique_items() {
    assert_eq!(distinct([1, 2, 1, 3].iter()), 3);
    assert_eq!(capitalised("racy"), "Racy");
    assert_eq!(plural(1, "run"), "1 run");
    assert_eq!(plural(3, "run"), "3 runs");
}

#[test]
fn a_short_order_is_shown_whole_and_a_long_one_by_its_ends() {
    assert_eq!(join(&[3, 1, 2]), "3 1 2");
    let whole: Vec<u64> = (1..=SHOWN_IN_FULL as u64).collect();
    assert!(!join(&whole).contains('…'));
    let long: Vec<u64> = (1..=40_000).collect();
    assert_eq!(
        join(&long),
        "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 … 39997 39998 39999 40000 (40000 tasks)"
    );
}

#[test]
fn the_table_and_the_lines_stay_short_however_many_tasks() {
    // What the terminal lays out does not grow with the tasks: the cost of
    // laying out a table grows faster than its cells.
    let config = Config {
        tasks: 5_000,
        runs: 2,
        steps: 1,
        max_work: 0,
        gap: 0,
        ..small()
    };
    let console = Arc::new(Buffer::new());
    let report = run(&config, Arc::clone(&console)).unwrap();
    let longest_cell = report.tables[0]
        .rows
        .iter()
        .flatten()
        .map(|cell| cell.display().len())
        .max()
        .unwrap();
    assert!(longest_cell < 200, "a cell of {longest_cell} bytes");
    assert!(console.contents().lines().all(|line| line.len() < 200));
    // The figures keep every order whole.
    let synced = &report.figures["synchronised"];
    assert_eq!(synced[0]["order"].as_array().unwrap().len(), 5_000);
}

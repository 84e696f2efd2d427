//! `cores` at small sizes: the tables and conclusions read right for any
//! machine (hand-built figures), and a run has every row.

use std::time::Duration;

use super::os::NOT_AVAILABLE;
use super::*;
use crate::report::Cell;

/// Runs through the experiment's trait, as the tour and the CLI do.
fn run(config: &Config, exe: Option<&Path>, console: Arc<Buffer>) -> Result<Report, Error> {
    config.run(&Ctx::new(console).with_exe(exe.map(Path::to_path_buf)))
}
use crate::console::Buffer;

fn small() -> Config {
    Config {
        threads: vec![1, 2, 4],
        work: Duration::from_millis(3),
        sample: Duration::from_millis(1),
        thread_starts: 5,
        process_starts: 2,
        round_trips: 20,
        repeats: 1,
    }
}

fn run_figures(threads: usize, wall_ms: u64, involuntary: Option<u64>) -> RunFigures {
    let wall = Duration::from_millis(wall_ms);
    RunFigures {
        threads,
        rounds: 1,
        wall_us: micros(wall),
        cpu_us: Some(threads as u64 * 100_000),
        involuntary,
        voluntary: involuntary,
        speedup: slicing::speedup(threads, Duration::from_millis(100), wall),
        walls_us: vec![micros(wall)],
        per_thread: Vec::new(),
        wall,
    }
}

#[test]
fn default_thread_counts_reach_four_times_the_cpus() {
    assert_eq!(default_threads(1), [1, 2, 4]);
    assert_eq!(default_threads(2), [1, 2, 4, 8]);
    assert_eq!(default_threads(6), [1, 2, 4, 6, 8, 12, 16, 24]);
    assert_eq!(default_threads(0), [1, 2, 4]);
    assert_eq!(*default_threads(1000).last().unwrap(), MAX_THREADS);
}

#[test]
fn thread_lists_parse_or_say_what_is_wrong() {
    assert_eq!(parse_threads("1,2,3"), Ok(vec![1, 2, 3]));
    assert_eq!(parse_threads(" 8 , 1 "), Ok(vec![1, 8]));
    assert_eq!(parse_threads("2,2"), Ok(vec![2]));
    assert!(parse_threads("").unwrap_err().contains("required"));
    assert!(parse_threads(" ").unwrap_err().contains("required"));
    assert!(parse_threads("0").unwrap_err().contains("at least 1"));
    assert!(parse_threads("1,0").unwrap_err().contains("at least 1"));
    assert!(
        parse_threads("x")
            .unwrap_err()
            .contains("'x' is not a whole number")
    );
    assert!(
        parse_threads("1.5")
            .unwrap_err()
            .contains("not a whole number")
    );
    assert!(parse_threads("-2").unwrap_err().contains("negative"));
    assert!(parse_threads("1,,2").unwrap_err().contains("empty item"));
    assert!(parse_threads("1,").unwrap_err().contains("empty item"));
    assert!(parse_threads("1025").unwrap_err().contains("at most 1024"));
    assert!(
        parse_threads("99999999999999999999999")
            .unwrap_err()
            .contains("at most")
    );
}

#[test]
fn configs_out_of_range_are_refused() {
    for config in [
        Config {
            threads: vec![],
            ..small()
        },
        Config {
            threads: vec![0],
            ..small()
        },
        Config {
            work: Duration::ZERO,
            ..small()
        },
        Config {
            sample: Duration::from_micros(10),
            ..small()
        },
        Config {
            thread_starts: 0,
            ..small()
        },
        Config {
            round_trips: MAX_ROUND_TRIPS + 1,
            ..small()
        },
    ] {
        assert!(
            matches!(validate(&config), Err(Error::Config(_))),
            "{config:?}"
        );
    }
    assert!(validate(&small()).is_ok());
    assert!(validate(&Config::default()).is_ok());
}

#[test]
fn timelines_show_the_last_fit_and_the_first_overflow() {
    assert_eq!(timeline_threads(&[1, 2, 4, 8], 2), [2, 4]);
    assert_eq!(timeline_threads(&[1, 3], 2), [1, 3]);
    assert_eq!(timeline_threads(&[1], 2), [1]);
    assert_eq!(timeline_threads(&[1, 64], 2), [1]);
}

#[test]
fn timeline_conclusions_follow_the_shares() {
    if !slicing::measurable() {
        return;
    }
    let timeline = |threads, running_share: Vec<f64>| TimelineFigures {
        threads,
        rounds: 1,
        running_share,
        median_turn_us: Some(3000),
    };
    let lines = timeline_conclusions(
        &[
            timeline(2, vec![0.99, 1.0]),
            timeline(4, vec![1.0, 0.5, 0.4, 0.45]),
        ],
        2,
        Duration::from_millis(1),
    );
    assert!(
        lines[0].contains("99–100 % of the time — no turns needed"),
        "{lines:?}"
    );
    assert!(lines[1].contains("40–100 %"), "{lines:?}");
    assert!(
        lines[1].contains("turns of about 3.0 ms (median)"),
        "{lines:?}"
    );
    assert!(
        lines[2].contains("1 of the 4 threads had a core nearly to itself"),
        "{lines:?}"
    );
    // Other programs on the machine: said, not hidden.
    let busy = timeline_conclusions(
        &[timeline(2, vec![0.46, 0.52]), timeline(4, vec![0.22, 0.26])],
        2,
        Duration::from_micros(500),
    );
    assert!(busy[0].contains("only 46–52 %"), "{busy:?}");
    assert!(busy[0].contains("something else"), "{busy:?}");
    assert!(
        busy[1].contains("a fair share of 2 CPUs would give"),
        "{busy:?}"
    );
    // A turn of only a few samples is flagged as coarse.
    let coarse = TimelineFigures {
        median_turn_us: Some(1500),
        ..timeline(4, vec![0.5, 0.5, 0.5, 0.5])
    };
    let lines = timeline_conclusions(&[coarse], 2, Duration::from_millis(1));
    assert!(
        lines[0].contains("(median; sampled every 1.0 ms, so that is only a few samples: --sample 200us draws the turns sharper)"),
        "{lines:?}"
    );
}

#[test]
fn a_lone_thread_that_waited_flags_the_run() {
    let mut quiet = run_figures(1, 100, Some(1));
    quiet.cpu_us = Some(98_000);
    assert_eq!(disturbance(&[quiet.clone()]), None);
    let mut busy = quiet;
    busy.cpu_us = Some(60_000);
    let waited = disturbance(&[busy]).unwrap();
    assert!((waited - 0.4).abs() < 1e-9);
    let long = Duration::from_millis(100);
    assert!(disturbance_line(waited, long).contains("67 % high"));
    // `--work 1ns`: the work, not other programs.
    let tiny = disturbance_line(waited, Duration::from_micros(40));
    assert!(tiny.contains("too small to measure"), "{tiny}");
    assert!(!tiny.contains("other programs were"), "{tiny}");
    assert_eq!(disturbance(&[]), None);
}

#[test]
fn repeats_keep_the_fastest_run_of_each_k() {
    let runs = slicing_runs(&[1, 2], 10_000, 3).unwrap();
    assert_eq!(runs.len(), 2);
    for run in &runs {
        assert_eq!(run.walls_us.len(), 3);
        assert_eq!(run.walls_us.iter().min(), Some(&run.wall_us));
    }
    assert_eq!(runs[0].speedup, 1.0);
}

#[test]
fn thousands_are_separated() {
    assert_eq!(thousands(0), "0");
    assert_eq!(thousands(999), "999");
    assert_eq!(thousands(1000), "1,000");
    assert_eq!(thousands(1_234_567), "1,234,567");
}

#[test]
fn conclusions_say_where_the_speedup_flattens() {
    let runs = [
        run_figures(1, 100, Some(3)),
        run_figures(2, 101, Some(10)),
        run_figures(4, 202, Some(1910)),
    ];
    let lines = slicing_conclusions(&runs, 2);
    assert!(lines[0].contains("2 threads did 2× the work"), "{lines:?}");
    assert!(
        lines[1].starts_with(
            "4 threads on 2 CPUs: 1.98× — about as fast as 2 threads (1.98×) (within 10%); 1,900 more involuntary switches (10 → 1,910)"
        ),
        "{lines:?}"
    );
    assert!(
        lines[2].contains(
            "stops growing at 2 threads (1.98×; 1.98× at 4, within 10%), while the involuntary switches climb (10 at 2 threads, 1,910 at 4)"
        ),
        "{lines:?}"
    );
    // Figures like 2.18× at 2 threads and 2.53× at 4 are growth, and
    // 1.73× beside 1.60× is "about as fast", never "no faster".
    let grew = [
        run_figures(1, 100, Some(3)),
        run_figures(2, 92, Some(10)),
        run_figures(4, 158, Some(20)),
    ];
    let text = slicing_conclusions(&grew, 2).join("\n");
    assert!(!text.contains("stops growing"), "{text}");
    assert!(
        text.contains("still grows past 2 threads (2.17×; 2.53× at 4)"),
        "{text}"
    );
    assert!(
        text.contains("1.16× faster than 2 threads (2.17×)"),
        "{text}"
    );
    let close = [
        run_figures(1, 100, Some(3)),
        run_figures(2, 125, Some(10)),
        run_figures(4, 231, Some(20)),
    ];
    let text = slicing_conclusions(&close, 2).join("\n");
    assert!(!text.contains("no faster"), "{text}");
    assert!(
        text.contains("1.73× — about as fast as 2 threads (1.60×) (within 10%)"),
        "{text}"
    );
    // Without switch counts, the words say so instead of a zero.
    let blind = [run_figures(1, 100, None), run_figures(4, 200, None)];
    let lines = slicing_conclusions(&blind, 1).join("\n");
    assert!(lines.contains(NOT_AVAILABLE), "{lines}");
    assert!(!lines.contains(" 0 "), "{lines}");
}

#[test]
fn the_experiment_produces_every_row() {
    let console = Arc::new(Buffer::new());
    let report = run(&small(), None, console.clone()).unwrap();
    assert_eq!(report.id, ID);
    let slicing = &report.tables[1];
    assert_eq!(slicing.id, SLICING_TABLE);
    let ks: Vec<String> = slicing.rows.iter().map(|r| r[0].display()).collect();
    assert_eq!(ks, ["1", "2", "4"]);
    assert_eq!(report.table(MACHINE_TABLE).unwrap().rows.len(), 6);
    let costs = report.table(COSTS_TABLE).unwrap();
    assert_eq!(costs.rows.len(), Cost::ALL.len());
    // Without a binary, the process rows are marked, not zero.
    assert!(costs.rows[1][0].display().contains("not measured"));
    assert_eq!(costs.rows[1][1], Cell::Missing);
    let speedups: Vec<f64> = report.figures["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["speedup"].as_f64().unwrap())
        .collect();
    assert_eq!(speedups[0], 1.0);
    if slicing::measurable() {
        assert_eq!(
            report.timelines.len(),
            timeline_threads(
                &[1, 2, 4],
                report.figures["cpus"].as_u64().unwrap() as usize
            )
            .len()
        );
    }
    assert!(!report.conclusions.is_empty());
    let text = console.contents();
    assert!(text.contains("machine: "), "{text}");
    assert!(text.contains("4 threads: wall "), "{text}");
    assert!(text.contains("start + join a thread: median "), "{text}");
}

#[test]
fn k_one_is_added_as_the_baseline() {
    let console = Arc::new(Buffer::new());
    let config = Config {
        threads: vec![2],
        ..small()
    };
    let report = run(&config, None, console.clone()).unwrap();
    assert_eq!(report.tables[1].rows.len(), 2);
    assert!(console.contents().contains("k = 1 added"));
}

#[test]
#[cfg(unix)]
fn process_costs_are_measured_with_a_child_binary() {
    let cat = Path::new("/bin/cat");
    if !cat.exists() {
        return;
    }
    let config = Config {
        threads: vec![1],
        ..small()
    };
    let report = run(&config, Some(cat), Arc::new(Buffer::new())).unwrap();
    let costs = report.table(COSTS_TABLE).unwrap();
    for row in &costs.rows {
        assert!(matches!(row[1], Cell::Nanos(n) if n > 0), "{row:?}");
    }
    assert!(
        report
            .conclusions
            .iter()
            .any(|l| l.starts_with("Starting a process costs")),
        "{:?}",
        report.conclusions
    );
}

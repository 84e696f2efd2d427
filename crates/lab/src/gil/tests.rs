//! The `gil` experiment at a tiny scale, in process: every row is there,
//! the simulated GIL never has two holders, the convoy numbers are
//! positive, and a missing interpreter makes "not run" rows, not an error.
//! No assertion on speed (the test threads share the machine).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::console::{Buffer, Silent};
use crate::report::{Cell, State};

/// Runs through the experiment's trait, as the tour and the CLI do.
fn run(config: &Config, console: Arc<dyn Console>) -> Result<Report, Error> {
    config.run(&Ctx::new(console))
}

/// Tiny sizes: units of about 5 ms; no processes (this harness cannot
/// serve as a worker).
fn tiny() -> Config {
    Config {
        scale: 0.01,
        convoy: false,
        ..Config::default()
    }
}

fn texts(report: &Report, title: &str, column: usize) -> Vec<String> {
    report
        .table(title)
        .unwrap_or_else(|| panic!("no table {title:?}"))
        .rows
        .iter()
        .map(|r| r[column].display())
        .collect()
}

#[test]
fn every_workload_and_mode_has_a_row() {
    let console = Arc::new(Buffer::new());
    let report = run(&tiny(), console.clone()).unwrap();
    let table = report.table(TABLE).unwrap();
    assert_eq!(table.rows.len(), Workload::ALL.len() * Mode::ALL.len());
    for (i, row) in table.rows.iter().enumerate() {
        let workload = Workload::ALL[i / Mode::ALL.len()];
        let mode = Mode::ALL[i % Mode::ALL.len()];
        assert_eq!(row[0].display(), workload.name());
        assert_eq!(row[1].display(), mode.name());
        let wall = row[2].display();
        match mode {
            // Not run here: no worker binary, no interpreter given.
            Mode::Processes => assert_eq!(wall, "not run"),
            m if m.is_python() => assert_eq!(wall, "not run"),
            // Every in-process mode measured something, with a speed-up.
            _ => {
                assert!(matches!(row[2], Cell::Micros(us) if us > 0), "{row:?}");
                assert!(matches!(row[5], Cell::Float(s) if s > 0.0), "{row:?}");
            }
        }
    }
    let figures = report.figures["rows"].as_array().unwrap();
    assert_eq!(figures.len(), 27);
    // Every Rust mode that ran counted the same primes.
    let checks: Vec<u64> = figures
        .iter()
        .filter(|r| r["workload"] == "cpu" && !r["check"].is_null())
        .map(|r| r["check"].as_u64().unwrap())
        .collect();
    assert_eq!(checks.len(), 4);
    assert!(checks.windows(2).all(|w| w[0] == w[1]) && checks[0] > 0);
    let text = console.contents();
    assert!(text.contains("cpu / threads + simulated GIL: "), "{text}");
    assert!(text.contains("CPython: not run: no Python interpreter was given"));
    // The claims and the side-by-side table are there, even half empty.
    assert_eq!(report.table(CLAIMS_TABLE).unwrap().rows.len(), 7);
    assert!(report.table(COMPARISON_TABLE).is_some());
    assert!(report.table(CONVOY_TABLE).is_none());
}

#[test]
fn threads_under_the_gil_on_cpu_never_hold_it_together() {
    let sizes = Sizes {
        bound: workload::calibrate(Duration::from_millis(30)),
        io: Duration::from_millis(5),
    };
    let measured =
        modes::threads_gil(&Workload::Cpu.units(&sizes), Duration::from_millis(2)).unwrap();
    let gil = measured.gil.unwrap();
    assert_eq!(gil.max_holders(), 1);
    let mut holds = gil.holds.clone();
    holds.sort_by_key(|h| h.start);
    for pair in holds.windows(2) {
        assert!(pair[0].end <= pair[1].start, "overlapping holds {pair:?}");
    }
    let mut threads = gil.threads.clone();
    threads.sort();
    assert_eq!(threads, ["cpu-1", "cpu-2"]);
    let lanes: Vec<&str> = measured.lanes.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(lanes, ["cpu-1", "cpu-2"]);
    // The timeline shows both threads, running and waiting for the GIL.
    let states: Vec<State> = measured
        .lanes
        .iter()
        .flat_map(|l| &l.spans)
        .map(|s| s.state)
        .collect();
    assert!(states.contains(&State::Running));
    // The oracle: the same count as sequential.
    assert_eq!(
        measured.check,
        modes::sequential(&Workload::Cpu.units(&sizes)).check
    );
}

#[test]
fn waits_under_the_gil_release_it() {
    let sizes = Sizes {
        bound: 1_000,
        io: Duration::from_millis(20),
    };
    let measured =
        modes::threads_gil(&Workload::Mixed.units(&sizes), Duration::from_millis(1)).unwrap();
    let io = measured
        .lanes
        .iter()
        .find(|l| l.name == "io-1")
        .expect("the waiting thread has a lane");
    assert!(io.spans.iter().any(|s| s.state == State::WaitingIo));
    assert_eq!(measured.gil.unwrap().max_holders(), 1);
}

#[test]
fn a_missing_interpreter_makes_not_run_rows() {
    let config = Config {
        workloads: vec![Workload::Mixed],
        python: Some(PathBuf::from("/no/such/python")),
        ..tiny()
    };
    let report = run(&config, Arc::new(Silent)).unwrap();
    let modes = texts(&report, TABLE, 1);
    let walls = texts(&report, TABLE, 2);
    for (mode, wall) in modes.iter().zip(&walls) {
        if mode.starts_with("CPython") {
            assert_eq!(wall, "not run");
        }
    }
    assert_eq!(modes.iter().filter(|m| m.starts_with("CPython")).count(), 4);
    assert!(
        report
            .conclusions
            .iter()
            .any(|c| c.contains("/no/such/python was not found")),
        "{:?}",
        report.conclusions
    );
    assert_eq!(
        report.figures["python_not_run"],
        "/no/such/python was not found"
    );
}

#[test]
fn the_convoy_rows_are_there_with_positive_numbers() {
    let config = Config {
        workloads: vec![Workload::Io],
        scale: 0.001,
        convoy: true,
        ..Config::default()
    };
    let report = run(&config, Arc::new(Silent)).unwrap();
    let table = report.table(CONVOY_TABLE).unwrap();
    assert_eq!(table.rows.len(), convoy::cases(0.001).len());
    for row in &table.rows {
        assert!(matches!(row[3], Cell::Micros(us) if us > 0), "{row:?}");
        assert!(matches!(row[4], Cell::Micros(us) if us > 0), "{row:?}");
        assert_eq!(row[5].display(), "not run");
        assert!(row[7].display().ends_with(" / —"), "{row:?}");
    }
    // The convoy timeline: echo, client and a CPU thread.
    let timeline = report
        .timelines
        .iter()
        .find(|t| t.title.starts_with("convoy"))
        .unwrap();
    let names: Vec<&str> = timeline.lanes.iter().map(|l| l.name.as_str()).collect();
    for name in ["cpu-1", "echo", "client"] {
        assert!(names.contains(&name), "{names:?}");
    }
}

#[test]
fn bad_configs_are_errors() {
    for config in [
        Config {
            scale: 0.0,
            ..tiny()
        },
        Config {
            scale: -1.0,
            ..tiny()
        },
        Config {
            scale: f64::NAN,
            ..tiny()
        },
        Config {
            scale: MAX_SCALE * 2.0,
            ..tiny()
        },
        Config {
            workloads: Vec::new(),
            ..tiny()
        },
    ] {
        assert!(matches!(
            run(&config, Arc::new(Silent)),
            Err(Error::Config(_))
        ));
    }
}

#[test]
fn speedups_are_against_the_same_runtime() {
    let row = |mode, wall| Row {
        workload: Workload::Cpu,
        mode,
        wall_us: Some(wall),
        cpu_us: None,
        speedup: None,
        check: None,
        not_run: None,
        failed_acquisitions: None,
        startup_us: None,
    };
    let mut rows = vec![
        row(Mode::Sequential, 1_000),
        row(Mode::Threads, 500),
        row(Mode::PySequential, 4_000),
        row(Mode::PyThreads, 4_000),
        Row::not_run(Workload::Cpu, Mode::PyProcesses, "no"),
    ];
    fill_speedups(&mut rows);
    let speedups: Vec<Option<f64>> = rows.iter().map(|r| r.speedup).collect();
    assert_eq!(speedups, [Some(1.0), Some(2.0), Some(1.0), Some(1.0), None]);
}

#[test]
fn the_table_counts_failed_acquisitions_only_for_runs_under_the_simulated_gil() {
    let row = |mode, failed| Row {
        workload: Workload::Cpu,
        mode,
        wall_us: Some(1_000),
        cpu_us: Some(900),
        speedup: Some(1.0),
        check: None,
        not_run: None,
        failed_acquisitions: failed,
        startup_us: None,
    };
    let table = present::rows_table(&[row(Mode::Threads, None), row(Mode::ThreadsGil, Some(7))]);
    let column = table
        .columns
        .iter()
        .position(|c| c == "failed acquisitions")
        .expect("a failed acquisitions column");
    assert_eq!(table.rows[0][column], Cell::Missing);
    assert_eq!(table.rows[1][column], Cell::Int(7));
}

#[test]
fn a_run_under_the_simulated_gil_marks_its_failed_acquisitions_on_the_timeline() {
    // Three CPU-bound threads on one GIL with a short interval: a waiting
    // thread's interval runs out while another holds it.
    let sizes = Sizes {
        bound: workload::calibrate(Duration::from_millis(30)),
        io: Duration::from_millis(5),
    };
    let [first, second] = Workload::Cpu.units(&sizes);
    let units = [first, second, first];
    let measured = modes::threads_gil(&units, Duration::from_millis(1)).unwrap();
    let gil = measured.gil.as_ref().unwrap();
    let failed: Vec<_> = measured
        .lanes
        .iter()
        .flat_map(|lane| &lane.spans)
        .filter(|span| span.state == State::FailedAcquire)
        .collect();
    assert_eq!(failed.len() as u64, gil.stats.failed_takes);
    assert_eq!(failed.len(), gil.failed.len());
    assert!(failed.iter().all(|span| span.start_us == span.end_us));
    // Each lies within a wait for the GIL on its own lane.
    for lane in &measured.lanes {
        for instant in lane
            .spans
            .iter()
            .filter(|s| s.state == State::FailedAcquire)
        {
            assert!(
                lane.spans.iter().any(|s| s.state == State::WaitingGil
                    && s.start_us <= instant.start_us
                    && instant.start_us <= s.end_us),
                "{instant:?} outside {}'s waits",
                lane.name
            );
        }
    }
}

#[test]
fn failed_acquisitions_are_summed_and_put_beside_what_cpython_can_say() {
    let row = |mode, failed| Row {
        workload: Workload::Cpu,
        mode,
        wall_us: Some(1_000),
        cpu_us: None,
        speedup: Some(1.0),
        check: None,
        not_run: None,
        failed_acquisitions: failed,
        startup_us: None,
    };
    let rows = [row(Mode::Threads, None), row(Mode::ThreadsGil, Some(3))];
    let baseline: Baseline = serde_json::from_value(serde_json::json!({
        "implementation": "cpython", "python": "3.11.7", "cpu_bound": 100,
        "cpu_unit_s": 0.01, "switch_interval_s": 0.005, "runs": [], "convoy": [],
        "lock_handoff_us": [9.0, 5.0, 7.0]
    }))
    .unwrap();
    let line = present::conclusions(
        &rows,
        &[],
        &[],
        &Ok(baseline),
        &Sizes {
            bound: 100,
            io: Duration::from_millis(1),
        },
        Duration::from_millis(1),
    )
    .into_iter()
    .find(|line| line.starts_with("Failed acquisitions"))
    .expect("a line on failed acquisitions");
    assert!(
        line.contains("in 1 run under the simulated GIL, a waiting thread woke 3 times"),
        "{line}"
    );
    assert!(line.contains("sys.getswitchinterval() = 5.0 ms"), "{line}");
    assert!(line.contains("7.0 µs (median)"), "{line}");
    // Without CPython, the count alone.
    let alone = present::conclusions(
        &rows,
        &[],
        &[],
        &Err("no python3".into()),
        &Sizes {
            bound: 100,
            io: Duration::from_millis(1),
        },
        Duration::from_millis(1),
    );
    let line = alone
        .iter()
        .find(|l| l.starts_with("Failed acquisitions"))
        .unwrap();
    assert!(!line.contains("CPython"), "{line}");
}

#[test]
fn the_lock_is_blamed_only_when_the_figures_say_so() {
    use super::present::lock_verdict;
    assert_eq!(
        lock_verdict(1.95, 1.0),
        "the lock, not the threads, puts the work one after the other."
    );
    // A loaded machine: plain threads at 1.23× cannot show the lock's cost.
    let busy = lock_verdict(1.23, 1.0);
    assert!(
        busy.starts_with("Warning: two plain threads reached only 1.23×"),
        "{busy}"
    );
    let same = lock_verdict(1.9, 1.85);
    assert!(same.contains("cost nothing visible"), "{same}");
    assert!(
        same.contains("about as fast as the locked threads"),
        "{same}"
    );
}

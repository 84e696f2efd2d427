//! The `waiter` binary, tested through its process: arguments, stdin,
//! stdout, stderr, exit codes and the `--json` file.
//!
//! One integration-test binary (it links faster on our 2-core machine).
//! Tests check behaviour, never speed, except one generous comparison of
//! totals whose margin is a 100 ms calculation. Scripted users type in a
//! few milliseconds, so the whole file runs in seconds.

use std::path::Path;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::{Value, json};

/// The `waiter` binary built for these tests.
fn waiter() -> Command {
    Command::new(env!("CARGO_BIN_EXE_waiter"))
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).expect("the JSON file was written");
    serde_json::from_str(&text).expect("the JSON file parses")
}

fn stdout_of(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&assert.get_output().stdout).into_owned()
}

fn stderr_of(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&assert.get_output().stderr).into_owned()
}

/// Runs `waiter ARGS --json FILE` (a temporary file), expects success with
/// nothing on stderr, and returns stdout and the parsed report.
fn run_json(args: &[&str], timeout: Duration) -> (String, Value) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.json");
    let assert = waiter()
        .args(args)
        .arg("--json")
        .arg(&path)
        .timeout(timeout)
        .assert()
        .success();
    assert!(stderr_of(&assert).is_empty(), "{}", stderr_of(&assert));
    (stdout_of(&assert), read_json(&path))
}

// Usage errors, every option of every subcommand: a table.
#[path = "cases/bad_input.rs"]
mod bad_input;
#[path = "cases/browser.rs"]
mod browser;
// Signals and closed pipes from outside.
#[path = "cases/faults.rs"]
mod faults;
// Output paths that are not plain files: links, devices, FIFOs, `-`.
#[path = "cases/output_paths.rs"]
mod output_paths;

// ---------------------------------------------------------------- greet

#[test]
fn scripted_greet_prints_the_notes_lines_and_the_table() {
    let assert = waiter()
        .args(["greet", "--name", "Ana", "--typing", "10ms"])
        .assert()
        .success();
    let out = stdout_of(&assert);
    for (line, times) in [
        ("Enter your name: Ana\n", 3),
        ("Hello, Ana\n", 3),
        ("Started calculating...\n", 3),
        ("ask_user:  ", 3),
        ("complex_calculation:  ", 3),
        ("Single thread total time:  ", 1),
        ("Two thread total time:  ", 1),
        ("Thread pool total time:  ", 1),
    ] {
        assert_eq!(out.matches(line).count(), times, "{line:?} in\n{out}");
    }
    for part in [
        "ask_user and complex_calculation, three ways",
        "total ÷ (ask + calc)",
        "sequential",
        "two threads",
        "pool of 2",
        "Timelines",
        "Conclusions:",
    ] {
        assert!(out.contains(part), "missing {part:?} in\n{out}");
    }
    assert!(stderr_of(&assert).is_empty());
}

#[test]
fn each_mode_asks_before_it_greets_and_totals_last() {
    let assert = waiter()
        .args(["greet", "--name", "Bo", "--typing", "1ms", "--n", "10"])
        .assert()
        .success();
    let out = stdout_of(&assert);
    // Within the sequential block, the note's order exactly.
    let sequential: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.starts_with("--- one thread"))
        .skip(1)
        .take(6)
        .collect();
    assert_eq!(sequential[0], "Enter your name: Bo");
    assert_eq!(sequential[1], "Hello, Bo");
    assert!(sequential[2].starts_with("ask_user:  "));
    assert_eq!(sequential[3], "Started calculating...");
    assert!(sequential[4].starts_with("complex_calculation:  "));
    assert!(sequential[5].starts_with("Single thread total time:  "));
}

#[test]
fn piped_stdin_gives_one_name_per_mode() {
    let assert = waiter()
        .args(["greet", "--n", "100"])
        .write_stdin("Jose\nBo\nCy\n")
        .assert()
        .success();
    let out = stdout_of(&assert);
    for name in ["Jose", "Bo", "Cy"] {
        assert!(
            out.contains(&format!("Enter your name: {name}\nHello, {name}\n")),
            "{out}"
        );
    }
}

#[test]
fn windows_line_endings_are_not_part_of_the_name() {
    waiter()
        .args(["greet", "--n", "1"])
        .write_stdin("Jose\r\nBo\r\nCy\r\n")
        .assert()
        .success()
        .stdout(predicate::str::contains("Hello, Jose\n"));
}

#[test]
fn an_empty_name_is_greeted_as_such() {
    let assert = waiter()
        .args(["greet", "--n", "1"])
        .write_stdin("\n\n\n")
        .assert()
        .success();
    assert_eq!(stdout_of(&assert).matches("Hello, \n").count(), 3);
}

#[test]
fn end_of_stdin_is_one_line_and_a_failure() {
    let assert = waiter()
        .args(["greet", "--n", "1"])
        .write_stdin("Ana\n")
        .assert()
        .code(1);
    assert_eq!(
        stderr_of(&assert),
        "error: stdin closed before a name was entered (mode: two threads)\n"
    );
    // The first mode ran; the failing one stopped the rest.
    let out = stdout_of(&assert);
    assert!(out.contains("Single thread total time:"));
    assert!(!out.contains("Thread pool total time:"));
}

#[test]
fn no_stdin_at_all_fails_in_the_first_mode() {
    waiter()
        .args(["greet"])
        .write_stdin("")
        .assert()
        .code(1)
        .stderr("error: stdin closed before a name was entered (mode: sequential)\n");
}

#[test]
fn threads_finish_sooner_than_one_thread() {
    // Generous: the user types for 300 ms and the calculation takes
    // ≥ 100 ms in a debug build, so one thread needs ≥ 400 ms and two about
    // 300 ms. The assertion only asks for "less".
    let (_, report) = run_json(
        &[
            "greet", "--name", "Ana", "--typing", "300ms", "--n", "10000000",
        ],
        Duration::from_secs(60),
    );
    let modes = report["figures"]["modes"].as_array().unwrap();
    let total = |i: usize| modes[i]["total_us"].as_u64().unwrap();
    assert_eq!(modes[0]["mode"], "sequential");
    assert!(
        total(1) < total(0),
        "two threads {} vs one {}",
        total(1),
        total(0)
    );
    assert!(total(2) < total(0), "pool {} vs one {}", total(2), total(0));
    // And the sequential total is at least the sum of its parts.
    let part = |key: &str| modes[0][key].as_u64().unwrap();
    assert!(total(0) >= part("ask_us") + part("calc_us"));
}

// ---------------------------------------------------------------- --json

#[test]
fn greet_json_holds_the_report() {
    let (_, report) = run_json(
        &["greet", "--name", "Ana", "--typing", "0s", "--n", "1000"],
        Duration::from_secs(60),
    );
    assert_eq!(report["id"], "greet");
    let rows = report["tables"][0]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0][0], json!({"text": "sequential"}));
    assert_eq!(rows[1][0], json!({"text": "two threads"}));
    assert_eq!(rows[2][0], json!({"text": "pool of 2"}));
    assert!(rows[0][3]["micros"].is_u64());
    assert_eq!(report["tables"][0]["columns"].as_array().unwrap().len(), 6);
    assert_eq!(report["timelines"].as_array().unwrap().len(), 3);
    assert_eq!(report["figures"]["n"], 1000);
    assert_eq!(report["figures"]["input"], "scripted");
    assert_eq!(report["figures"]["modes"][2]["name"], "Ana");
    assert!(!report["explanation"].as_array().unwrap().is_empty());
    assert!(!report["conclusions"].as_array().unwrap().is_empty());
}

#[test]
fn an_unwritable_json_path_fails_at_once_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-dir").join("report.json");
    let assert = waiter()
        .args(["greet", "--name", "Ana", "--typing", "5s", "--json"])
        .arg(&missing)
        .assert()
        .code(2);
    let err = stderr_of(&assert);
    assert!(
        err.starts_with(&format!(
            "error: cannot write the report to {}: ",
            missing.display()
        )),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    // It failed before asking anything (the scripted user takes 5 s).
    assert!(!stdout_of(&assert).contains("Enter your name"));

    // A directory is not a file either.
    waiter()
        .args(["order", "--json"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with(
            "error: cannot write the report to",
        ));
}

#[test]
fn a_failed_run_leaves_no_json_file_behind() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("greet.json");
    waiter()
        .args(["greet", "--json"])
        .arg(&path)
        .write_stdin("")
        .assert()
        .code(1);
    assert!(!path.exists());
}

// ---------------------------------------------------------------- bad arguments

#[test]
fn help_and_version_work() {
    waiter().arg("--help").assert().success().stdout(
        predicate::str::contains("greet")
            .and(predicate::str::contains("order"))
            .and(predicate::str::contains("dine")),
    );
    waiter()
        .args(["greet", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("--typing <DURATION>"));
    waiter().arg("--version").assert().success();
}

// ---------------------------------------------------------------- order

#[test]
fn order_totals_are_equal_and_expected_while_orders_vary() {
    let (out, report) = run_json(
        &[
            "order", "--tasks", "6", "--runs", "4", "--steps", "200", "--seed", "7",
        ],
        Duration::from_secs(60),
    );
    // 6 tasks: 1 + … + 6 = 21, added 200 times each.
    let expected = 200 * 21;
    assert_eq!(
        out.matches(&format!("total {expected}\n")).count(),
        4,
        "{out}"
    );
    assert!(out.contains("Synchronised"));
    assert!(out.contains("Racy"));

    assert_eq!(report["id"], "order");
    assert_eq!(report["figures"]["expected"], expected);
    assert_eq!(report["figures"]["seed"], 7);
    for run in report["figures"]["synchronised"].as_array().unwrap() {
        assert_eq!(run["total"], expected);
        let mut order: Vec<u64> = run["order"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_u64().unwrap())
            .collect();
        order.sort_unstable();
        assert_eq!(order, [1, 2, 3, 4, 5, 6], "each task finishes exactly once");
    }
    // The racy version can only lose updates, never invent them.
    for run in report["figures"]["racy"].as_array().unwrap() {
        assert!(run["total"].as_u64().unwrap() <= expected);
    }
    assert_eq!(report["tables"][0]["rows"].as_array().unwrap().len(), 4);
}

#[test]
fn order_with_defaults_prints_both_variants_side_by_side() {
    waiter()
        .arg("order")
        .assert()
        .success()
        .stdout(predicate::str::contains("run 5: finished"))
        .stdout(predicate::str::contains("order (synchronised)"))
        .stdout(predicate::str::contains("total (racy)"))
        .stdout(predicate::str::contains("Expected total: 36000"));
}

#[test]
fn the_seed_reproduces_the_work_sizes() {
    let dir = tempfile::tempdir().unwrap();
    let sizes = |name: &str| {
        let path = dir.path().join(name);
        waiter()
            .args([
                "order", "--tasks", "3", "--runs", "2", "--steps", "10", "--seed", "99", "--json",
            ])
            .arg(&path)
            .assert()
            .success();
        read_json(&path)["figures"]["work_sizes"].clone()
    };
    assert_eq!(sizes("a.json"), sizes("b.json"));
}

// ---------------------------------------------------------------- dine

/// A short `waiter dine` writing its report to a JSON file.
fn dine_json(args: &[&str]) -> (String, Value) {
    run_json(&[&["dine"], args].concat(), Duration::from_secs(60))
}

fn outcomes(report: &Value) -> &Vec<Value> {
    report["figures"]["outcomes"].as_array().unwrap()
}

#[test]
fn dine_naive_forced_into_a_deadlock_is_caught_and_exits_cleanly() {
    // A 30 s run: only the watchdog can end it this soon.
    let started = Instant::now();
    let (out, report) = dine_json(&[
        "--strategy",
        "naive",
        "--forced-deadlock",
        "--duration",
        "30s",
        "--seed",
        "1",
    ]);
    assert!(started.elapsed() < Duration::from_secs(20));
    assert!(
        out.contains("naive: deadlock after "),
        "no deadlock line in\n{out}"
    );
    assert!(out.contains(": P0 → P1 → P2 → P3 → P4 → P0"), "{out}");
    assert!(out.contains("the watchdog cancelled the waits"), "{out}");
    let outcome = &outcomes(&report)[0];
    assert_eq!(outcome["strategy"], "naive");
    assert_eq!(outcome["deadlock"]["cycle"], json!([0, 1, 2, 3, 4, 0]));
    assert!(outcome["deadlock"]["after_us"].as_u64().unwrap() < 10_000_000);
    assert_eq!(outcome["meals"], 0);
    // Every fork picked up was put back: the threads returned on their own.
    assert_eq!(outcome["pick_ups"], outcome["put_downs"]);
}

#[test]
fn dine_compare_prints_all_five_strategies_in_one_table() {
    let (out, report) = dine_json(&[
        "--compare",
        "--duration",
        "100ms",
        "--philosophers",
        "4",
        "--seed",
        "3",
    ]);
    for strategy in ["naive", "ordered", "waiter", "footman", "chandy-misra"] {
        let row = format!("│ {strategy} ");
        assert_eq!(out.matches(&row).count(), 1, "{row:?} in\n{out}");
    }
    for column in ["meals/s", "p99 hungry", "Jain", "most eating", "deadlock"] {
        assert!(out.contains(column), "{column} in\n{out}");
    }
    let outcomes = outcomes(&report);
    assert_eq!(outcomes.len(), 5);
    for outcome in outcomes {
        assert!(outcome["most_eating"].as_u64().unwrap() <= 2, "{outcome}");
        if outcome["strategy"] != "naive" {
            assert!(outcome["deadlock"].is_null(), "{outcome}");
        }
    }
    assert_eq!(report["tables"][0]["rows"].as_array().unwrap().len(), 5);
    assert_eq!(report["timelines"].as_array().unwrap().len(), 5);
}

#[test]
fn dine_the_notes_five_philosophers_and_two_forks_eat_one_at_a_time() {
    let (out, report) = dine_json(&["--table", "pile", "--duration", "200ms", "--seed", "2"]);
    assert!(
        out.contains("5 philosophers and a pile of 2 forks"),
        "{out}"
    );
    assert!(out.contains("at most min(5, ⌊2/2⌋) = 1"), "{out}");
    assert_eq!(report["figures"]["forks"], 2);
    assert_eq!(report["figures"]["bound"], 1);
    let outcome = &outcomes(&report)[0];
    assert_eq!(outcome["strategy"], "waiter");
    assert_eq!(outcome["most_eating"], 1);
    assert!(outcome["meals"].as_u64().unwrap() > 0);
    assert!(outcome["deadlock"].is_null());
}

#[test]
fn dine_compare_at_a_pile_leaves_chandy_misra_out() {
    let (out, report) = dine_json(&[
        "--table",
        "pile",
        "--forks",
        "3",
        "--compare",
        "--duration",
        "60ms",
        "--seed",
        "4",
    ]);
    let names: Vec<&str> = outcomes(&report)
        .iter()
        .map(|o| o["strategy"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["naive", "ordered", "waiter", "footman"]);
    assert!(out.contains("chandy-misra was left out"), "{out}");
    for outcome in outcomes(&report) {
        assert!(outcome["most_eating"].as_u64().unwrap() <= 1);
    }
}

#[test]
fn dine_waiter_time_slices_run_out_and_meals_still_finish() {
    let (out, report) = dine_json(&[
        "--eat",
        "6ms",
        "--slice",
        "2ms",
        "--duration",
        "150ms",
        "--seed",
        "5",
    ]);
    let outcome = &outcomes(&report)[0];
    let slices = outcome["slices_ran_out"].as_u64().unwrap();
    assert!(slices > 0, "{outcome}");
    assert!(outcome["meals"].as_u64().unwrap() > 0);
    assert_eq!(report["figures"]["slice_us"], 2000);
    assert!(out.contains("time slices of 2.0 ms ran out"), "{out}");
}

#[test]
fn dine_json_holds_the_report_and_plain_output_has_no_bars() {
    let (out, report) = dine_json(&[
        "--strategy",
        "ordered",
        "--philosophers",
        "3",
        "--duration",
        "50ms",
        "--think",
        "1..3ms",
        "--seed",
        "6",
    ]);
    assert_eq!(report["id"], "dine");
    assert_eq!(report["figures"]["seed"], 6);
    assert_eq!(report["figures"]["think_us"], json!([1000, 3000]));
    assert_eq!(report["figures"]["table"], "ring");
    let tables = report["tables"].as_array().unwrap();
    assert_eq!(tables.len(), 2, "the summary and one row per philosopher");
    assert_eq!(tables[1]["rows"].as_array().unwrap().len(), 3);
    let lanes: Vec<&str> = report["timelines"][0]["lanes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    assert_eq!(lanes, ["P0", "P1", "P2"]);
    // Every span is one of a philosopher's three states, and each lane
    // starts thinking.
    for lane in report["timelines"][0]["lanes"].as_array().unwrap() {
        let spans = lane["spans"].as_array().unwrap();
        assert_eq!(spans[0]["state"], "thinking", "{lane}");
        for span in spans {
            let state = span["state"].as_str().unwrap();
            assert!(["thinking", "hungry", "eating"].contains(&state), "{span}");
        }
    }
    // Not a terminal: plain lines, no progress bar escape codes.
    assert!(!out.contains('\u{1b}'), "{out}");
    assert!(
        out.contains("Timelines (- thinking, ░ hungry, █ eating)"),
        "{out}"
    );
}

// ---------------------------------------------------------------- cores

/// The `cores` runs measure the whole machine: one at a time, so that two
/// of them do not take turns on the same cores and spoil each other's
/// speed-ups. (Other tests still run beside them: the runs are repeated
/// in rounds and the fastest kept, see `cores::slicing_runs`.)
static CORES: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// A small `waiter cores` writing its report to a JSON file: a few
/// milliseconds of work per thread, few starts and round trips.
fn cores_json(args: &[&str]) -> (String, Value) {
    let _alone = CORES.lock().unwrap_or_else(|p| p.into_inner());
    let small = [
        "cores",
        "--work",
        "10ms",
        "--thread-starts",
        "20",
        "--process-starts",
        "5",
        "--round-trips",
        "50",
    ];
    run_json(&[&small[..], args].concat(), Duration::from_secs(120))
}

fn cores_table<'a>(report: &'a Value, title: &str) -> &'a Vec<Value> {
    report["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["title"] == title)
        .unwrap_or_else(|| panic!("no table {title:?} in {report}"))["rows"]
        .as_array()
        .unwrap()
}

#[test]
fn cores_produces_every_row_with_sane_numbers() {
    let (out, report) = cores_json(&["--threads", "1,2,3", "--repeats", "5"]);
    assert_eq!(report["id"], "cores");
    let cpus = report["figures"]["cpus"].as_f64().unwrap();
    assert!(cpus >= 1.0);

    // One row per k, in order, each the fastest of its 5 repeats.
    let rows = cores_table(&report, "time slicing: k threads, the same work each");
    let ks: Vec<&Value> = rows.iter().map(|r| &r[0]["int"]).collect();
    assert_eq!(ks, [1, 2, 3]);
    let runs = report["figures"]["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 3);
    for run in runs {
        // Throughput can't beat the CPUs by more than noise.
        let speedup = run["speedup"].as_f64().unwrap();
        assert!(speedup > 0.0, "{run}");
        assert!(speedup <= cpus * 1.25, "{speedup} on {cpus} CPUs: {run}");
        let walls = run["walls_us"].as_array().unwrap();
        assert_eq!(walls.len(), 5, "{run}");
        assert_eq!(
            walls.iter().map(|w| w.as_u64().unwrap()).min(),
            run["wall_us"].as_u64(),
            "the row is the fastest repeat"
        );
    }
    assert_eq!(runs[0]["speedup"], 1.0);

    // Switch counts are read, or the row says why not: never a fake zero.
    let available = report["figures"]["switches_available"].as_bool().unwrap();
    for row in rows {
        let switches = &row[6];
        if available {
            assert!(switches["int"].is_i64(), "{row:?}");
        } else {
            assert_eq!(switches["text"], "not available on this OS", "{row:?}");
        }
    }

    // Costs are positive, and a thread starts faster than a process.
    let costs = report["figures"]["costs"].as_array().unwrap();
    let median = |cost: &str| {
        let found = costs.iter().find(|c| c["cost"] == cost).unwrap();
        found["summary"]["median_ns"].as_u64().unwrap()
    };
    for cost in [
        "thread-start",
        "process-start",
        "pool-task",
        "channel-round-trip",
        "pipe-round-trip",
    ] {
        assert!(median(cost) > 0, "{cost}");
    }
    assert!(
        median("thread-start") < median("process-start"),
        "thread {} ns vs process {} ns",
        median("thread-start"),
        median("process-start")
    );
    assert_eq!(cores_table(&report, "what things cost").len(), 5);
    assert_eq!(cores_table(&report, "the machine").len(), 6);

    // The timelines: running or waiting for a core, nothing else.
    if available {
        let timelines = report["timelines"].as_array().unwrap();
        assert!(!timelines.is_empty());
        for timeline in timelines {
            for lane in timeline["lanes"].as_array().unwrap() {
                for span in lane["spans"].as_array().unwrap() {
                    let state = span["state"].as_str().unwrap();
                    assert!(["running", "waiting-cpu"].contains(&state), "{span}");
                }
            }
        }
    }

    for part in [
        "waiter cores: ",
        "speed-up = k × wall₁ ÷ wall_k",
        "involuntary switches",
        "start + wait a process",
        "round trip: process ↔ process (pipe)",
        "Conclusions:",
        "Starting a process costs",
    ] {
        assert!(out.contains(part), "missing {part:?} in\n{out}");
    }
}

#[test]
fn cores_adds_k_one_as_the_baseline() {
    let (out, report) = cores_json(&["--threads", "2", "--repeats", "1"]);
    assert!(out.contains("k = 1 added"), "{out}");
    assert_eq!(report["figures"]["threads"], json!([1, 2]));
}

#[test]
fn the_binary_serves_as_its_own_child_process() {
    // Echo: lines back, in order, until the end of input.
    waiter()
        .env("WAITER_CHILD", "echo")
        .write_stdin("ping\npong\n")
        .assert()
        .success()
        .stdout("ping\npong\n")
        .stderr("");
    // No-op: exits at once, whatever the arguments (clap never sees them).
    waiter()
        .env("WAITER_CHILD", "noop")
        .args(["--no-such-flag"])
        .assert()
        .success()
        .stdout("");
    // A mode that does not exist: one line, exit code 2.
    let assert = waiter().env("WAITER_CHILD", "fork").assert().code(2);
    let err = stderr_of(&assert);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("WAITER_CHILD=fork is not a child mode"),
        "{err}"
    );
}

#[test]
fn cores_is_listed_with_its_options() {
    waiter()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("cores"));
    waiter()
        .args(["cores", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("--threads <LIST>"))
        .stdout(predicate::str::contains("--process-starts <N>"));
}

// ---------------------------------------------------------------- gil

/// A tiny `waiter gil` (units of about 10 ms) writing its report to a JSON
/// file. It measures speed-ups, so it runs alone among the measuring tests
/// (see `CORES`); nothing here asserts on speed.
fn gil_json(args: &[&str]) -> (String, Value) {
    let _alone = CORES.lock().unwrap_or_else(|p| p.into_inner());
    run_json(&[&["gil"], args].concat(), Duration::from_secs(120))
}

fn gil_rows(report: &Value) -> &Vec<Value> {
    report["figures"]["rows"].as_array().unwrap()
}

/// Whether this machine has a `python3` the CPython rows can use.
fn python3_runs() -> bool {
    std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|out| out.status.success())
}

#[test]
fn gil_produces_every_row_processes_and_cpython_included() {
    let (out, report) = gil_json(&["--scale", "0.02"]);
    assert_eq!(report["id"], "gil");
    let rows = gil_rows(&report);
    let modes = [
        "sequential",
        "threads",
        "threads-gil",
        "processes",
        "async",
        "py-sequential",
        "py-threads",
        "py-processes",
        "py-asyncio",
    ];
    let python = python3_runs();
    assert_eq!(rows.len(), 3 * modes.len());
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(
            row["workload"],
            ["cpu", "io", "mixed"][i / modes.len()],
            "{row}"
        );
        assert_eq!(row["mode"], modes[i % modes.len()], "{row}");
        let is_python = row["mode"].as_str().unwrap().starts_with("py-");
        if is_python && !python {
            assert!(row["not_run"].is_string(), "{row}");
            continue;
        }
        // Measured, the worker processes included: this binary serves as
        // the process pool's worker.
        assert!(row["not_run"].is_null(), "{row}");
        assert!(row["wall_us"].as_u64().unwrap() > 0, "{row}");
        assert!(row["speedup"].as_f64().unwrap() > 0.0, "{row}");
    }
    // Every mode of a runtime counted the same primes.
    for workload in ["cpu", "mixed"] {
        for python in [false, true] {
            let checks: Vec<u64> = rows
                .iter()
                .filter(|r| r["workload"] == workload)
                .filter(|r| r["mode"].as_str().unwrap().starts_with("py-") == python)
                .filter_map(|r| r["check"].as_u64())
                .collect();
            assert!(
                checks.windows(2).all(|w| w[0] == w[1]),
                "{workload}: {checks:?}"
            );
        }
    }
    // The simulated GIL never had two holders.
    for gil in report["figures"]["gil"].as_array().unwrap() {
        assert_eq!(gil["max_holders"], 1, "{gil}");
    }
    // The convoy: every case, simulated numbers positive; CPython's too
    // when there is a python3.
    let convoy = report["figures"]["convoy"].as_array().unwrap();
    assert_eq!(convoy.len(), 8);
    for case in convoy {
        assert!(case["simulated"]["median"].as_u64().unwrap() > 0, "{case}");
        if python {
            assert!(case["cpython"]["median"].as_u64().unwrap() > 0, "{case}");
        }
    }
    assert_eq!(report["figures"]["claims"].as_array().unwrap().len(), 7);
    // Timelines show the GIL changing hands.
    let states: Vec<&str> = report["timelines"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["lanes"].as_array().unwrap())
        .flat_map(|l| l["spans"].as_array().unwrap())
        .map(|s| s["state"].as_str().unwrap())
        .collect();
    for state in ["running", "waiting-gil", "waiting-io"] {
        assert!(states.contains(&state), "no {state} span");
    }
    for part in [
        "waiter gil: ",
        "two units of work, every way: wall time, CPU time, speed-up",
        "threads + simulated GIL",
        "processes (ProcessPool)",
        "the convoy effect: an echo thread's round trip",
        "simulated GIL vs CPython, figure by figure",
        "the note's claims, on this machine",
        "▒ waiting-gil",
        "Conclusions:",
    ] {
        assert!(out.contains(part), "missing {part:?} in\n{out}");
    }
}

#[test]
fn gil_without_python_says_not_run_and_succeeds() {
    let (out, report) = gil_json(&[
        "--scale",
        "0.01",
        "--workload",
        "io",
        "--no-convoy",
        "--python",
        "/no/such/python",
    ]);
    let rows = gil_rows(&report);
    assert_eq!(rows.len(), 9);
    let python_rows: Vec<&Value> = rows
        .iter()
        .filter(|r| r["mode"].as_str().unwrap().starts_with("py-"))
        .collect();
    assert_eq!(python_rows.len(), 4);
    for row in python_rows {
        assert_eq!(row["not_run"], "/no/such/python was not found", "{row}");
        assert!(row["wall_us"].is_null());
    }
    assert_eq!(
        report["figures"]["python_not_run"],
        "/no/such/python was not found"
    );
    assert!(report["figures"]["convoy"].as_array().unwrap().is_empty());
    assert!(out.contains("not run"), "{out}");
    assert!(
        out.contains("CPython rows: not run: /no/such/python was not found."),
        "{out}"
    );
}

#[test]
fn gil_is_listed_with_its_options() {
    waiter()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("gil"));
    waiter()
        .args(["gil", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("--scale <SCALE>"))
        .stdout(predicate::str::contains("--python <PATH>"))
        .stdout(predicate::str::contains("--workload <WORKLOAD>"));
}

// ---------------------------------------------------------------- async

/// A small `waiter async` writing its report to a JSON file; alone among
/// the measuring tests (see `CORES`).
fn async_json(args: &[&str]) -> (String, Value) {
    let _alone = CORES.lock().unwrap_or_else(|p| p.into_inner());
    let small = [
        "async",
        "--typing",
        "50ms",
        "--work",
        "40ms",
        "--sleepers",
        "200",
        "--nap",
        "20ms",
        "--pool-workers",
        "20",
        "--pool-sleepers",
        "40",
    ];
    run_json(&[&small[..], args].concat(), Duration::from_secs(120))
}

#[test]
fn async_produces_every_row_on_one_thread_asyncio_included() {
    let (out, report) = async_json(&[]);
    assert_eq!(report["id"], "async");
    let figures = &report["figures"]["async"];
    for row in figures["one_thread"].as_array().unwrap() {
        assert_eq!(row["threads"], 1, "{row}");
    }
    let rows = figures["heartbeat"].as_array().unwrap();
    let python = python3_runs();
    let mut seen = Vec::new();
    for row in rows {
        seen.push(format!(
            "{} {}",
            row["runtime"].as_str().unwrap(),
            row["case"].as_str().unwrap()
        ));
        if row["runtime"] == "asyncio" && !python {
            assert!(row["not_run"].is_string(), "{row}");
            continue;
        }
        assert!(row["not_run"].is_null(), "{row}");
        for key in ["lag_median_ms", "lag_p99_ms", "lag_max_ms"] {
            assert!(row[key].as_f64().unwrap() >= 0.0, "{key}: {row}");
        }
    }
    let expected: Vec<String> = ["mini", "tokio", "asyncio"]
        .iter()
        .flat_map(|r| ["alone", "blocked", "offloaded", "cooperative"].map(|c| format!("{r} {c}")))
        .collect();
    assert_eq!(seen, expected);
    let ways: Vec<&str> = figures["sleepers_rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["way"].as_str().unwrap())
        .collect();
    assert_eq!(ways, ["threads", "pool", "tokio", "mini", "asyncio"]);
    for part in [
        "waiter async: ",
        "Enter your name: Ana",
        "mini join total time:",
        "one thread, many waits: ask_user + complex_calculation",
        "the loop's lag: how late a heartbeat wakes",
        "why async at all: many concurrent sleeps",
        "mini: every poll, by why the task woke",
        "no second thread at all",
        "Conclusions:",
    ] {
        assert!(out.contains(part), "missing {part:?} in\n{out}");
    }
    if python {
        assert!(out.contains("asyncio's debug mode"), "{out}");
    }
}

#[test]
fn async_without_python_says_not_run_and_succeeds() {
    let (out, report) = async_json(&["--python", "/no/such/python"]);
    let figures = &report["figures"]["async"];
    assert_eq!(figures["asyncio_not_run"], "/no/such/python was not found");
    let asyncio: Vec<&Value> = figures["heartbeat"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["runtime"] == "asyncio")
        .collect();
    assert_eq!(asyncio.len(), 4);
    assert!(
        asyncio
            .iter()
            .all(|r| r["not_run"] == "/no/such/python was not found")
    );
    assert!(
        out.contains("asyncio: not run: /no/such/python was not found."),
        "{out}"
    );
}

// ----------------------------------------------------------------- tour

/// Spawns `waiter ARGS` with stdout piped, for tests that must watch it run.
fn spawn_waiter(args: &[&str]) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_waiter"))
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("waiter starts")
}

/// Reads `child`'s stdout line by line until a line contains `marker`;
/// returns what was read, and the rest of the stream.
fn read_until(
    child: &mut std::process::Child,
    marker: &str,
) -> (String, std::io::BufReader<std::process::ChildStdout>) {
    use std::io::BufRead;
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        let read = lines.read_line(&mut line).unwrap();
        assert!(read > 0, "the output ended before {marker:?}:\n{seen}");
        seen.push_str(&line);
        if line.contains(marker) {
            return (seen, lines);
        }
    }
}

/// Waits for `child` to exit, at most `timeout`.
fn wait_at_most(child: &mut std::process::Child, timeout: Duration) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            panic!("waiter did not exit within {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Every `<svg>` of an HTML page, each checked to be well-formed XML.
fn svgs_of(html: &str) -> Vec<String> {
    let page = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse("svg").unwrap();
    page.select(&selector)
        .map(|svg| {
            let xml = svg.html();
            roxmltree::Document::parse(&xml)
                .unwrap_or_else(|e| panic!("an SVG is not well-formed XML: {e}\n{xml}"));
            xml
        })
        .collect()
}

#[test]
fn plain_waiter_starts_the_tour() {
    let mut child = spawn_waiter(&[]);
    let (seen, _) = read_until(&mut child, "1/6 · Sync vs async");
    let _ = child.kill();
    let _ = child.wait();
    assert!(seen.starts_with("waiter tour: "), "{seen}");
    assert!(seen.contains("waiter-report/index.html"), "{seen}");
}

#[test]
fn the_quick_tour_runs_every_part_and_writes_a_report_to_look_at() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report");
    let trace = dir.path().join("tour-trace.json");
    let assert = waiter()
        .args(["tour", "--quick", "--report"])
        .arg(&report)
        .arg("--trace")
        .arg(&trace)
        .timeout(Duration::from_secs(300))
        .assert()
        .success();
    let out = stdout_of(&assert);
    let err = stderr_of(&assert);
    assert!(!err.contains("panicked") && !err.contains("error"), "{err}");

    // The parts, in the note's order, each with its words and its results.
    let headings = [
        "1/6 · Sync vs async: one thread, two threads, a pool",
        "2/6 · Asynchronous: one thread, an event loop",
        "3/6 · Concurrency: a different order, the same outcome",
        "4/6 · Parallelism: processors, cores, threads and processes",
        "5/6 · The dining philosophers, fed by a waiter",
        "6/6 · Processes and the GIL",
    ];
    let mut at = 0;
    for heading in headings {
        let found = out[at..]
            .find(heading)
            .unwrap_or_else(|| panic!("{heading:?} missing or out of order in\n{out}"));
        at += found + heading.len();
    }
    for line in [
        "Hello, Ana",
        "Thread pool total time:",
        "mini join total time:",
        "the loop's lag: how late a heartbeat wakes",
        "Reduce waiting time",
        "time slicing",
        "Conclusions:",
        "the tour",
    ] {
        assert!(out.contains(line), "{line:?} in\n{out}");
    }
    let index = report.join("index.html");
    assert!(
        out.contains(&format!("report: {}", index.display())),
        "{out}"
    );

    // report.json: every part's report, in order.
    let reports = read_json(&report.join("report.json"));
    let reports = reports.as_array().expect("an array of reports");
    let ids: Vec<&str> = reports.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["greet", "async", "order", "cores", "dine", "gil"]);
    let timelines: Vec<&Value> = reports
        .iter()
        .flat_map(|r| r["timelines"].as_array().unwrap())
        .collect();
    assert!(timelines.len() >= 5, "{} timelines", timelines.len());

    // index.html: parses, a section per part with a link to it, and one
    // well-formed SVG per timeline.
    let html = std::fs::read_to_string(&index).unwrap();
    let page = scraper::Html::parse_document(&html);
    assert!(page.errors.is_empty(), "HTML errors: {:?}", page.errors);
    for id in ids {
        let section = scraper::Selector::parse(&format!("section#{id}")).unwrap();
        assert_eq!(page.select(&section).count(), 1, "section {id}");
        let link = scraper::Selector::parse(&format!("a[href='#{id}']")).unwrap();
        assert_eq!(page.select(&link).count(), 1, "link to {id}");
    }
    for heading in headings {
        let text = heading.split_once(" · ").unwrap().1;
        assert!(html.contains(text), "{text:?} in the page");
    }
    // A picture per timeline, and the plots drawn from the figures.
    let svgs = svgs_of(&html);
    let plots = svgs
        .iter()
        .filter(|svg| svg.contains(r#"class="plot-svg""#))
        .count();
    assert!(plots >= 9, "{plots} plots");
    assert_eq!(svgs.len() - plots, timelines.len());

    // The trace: a thread per lane of every timeline, an event per span.
    for path in [trace, report.join("trace.json")] {
        let chrome = read_json(&path);
        let events = chrome["traceEvents"].as_array().unwrap();
        let threads = events
            .iter()
            .filter(|e| e["ph"] == "M" && e["name"] == "thread_name")
            .count();
        let lanes: usize = timelines
            .iter()
            .map(|t| t["lanes"].as_array().unwrap().len())
            .sum();
        let spans: usize = timelines
            .iter()
            .flat_map(|t| t["lanes"].as_array().unwrap())
            .map(|l| l["spans"].as_array().unwrap().len())
            .sum();
        assert_eq!(threads, lanes, "{}", path.display());
        assert_eq!(events.iter().filter(|e| e["ph"] == "X").count(), spans);
    }
}

#[test]
fn an_unwritable_report_folder_stops_the_tour_before_it_runs() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "not a folder").unwrap();
    let assert = waiter()
        .args(["tour", "--quick", "--parts", "order", "--report"])
        .arg(&file)
        .timeout(Duration::from_secs(60))
        .assert()
        .code(2);
    let out = stdout_of(&assert);
    let err = stderr_of(&assert);
    assert!(out.is_empty(), "nothing ran: {out}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("error: cannot write the report to"),
        "{err}"
    );
    assert!(err.contains(&*file.to_string_lossy()), "{err}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "not a folder");
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_the_tour_and_the_report_keeps_what_finished() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report");
    let report_arg = report.to_string_lossy().into_owned();
    let mut child = spawn_waiter(&[
        "tour",
        "--quick",
        "--parts",
        "greet,order,dine",
        "--report",
        &report_arg,
    ]);
    // Greet and order are done when dine starts; stop during dine.
    let (seen, rest) = read_until(&mut child, "3/3 · The dining philosophers");
    assert!(seen.contains("Hello, Ana"), "{seen}");
    std::thread::sleep(Duration::from_millis(100));
    interrupt(&mut child);
    let mut tail = String::new();
    std::io::Read::read_to_string(&mut { rest }, &mut tail).unwrap();
    assert!(tail.contains("interrupted during the dine part"), "{tail}");
    assert!(tail.contains("index.html"), "{tail}");

    let reports = read_json(&report.join("report.json"));
    let ids: Vec<&str> = reports
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["greet", "order"]);
    let html = std::fs::read_to_string(report.join("index.html")).unwrap();
    assert!(
        html.contains("Interrupted (Ctrl-C) during the dine part"),
        "{html}"
    );
    assert!(!html.contains("id=\"dine\""));
}

/// The processes whose parent is `parent`, with their command lines.
#[cfg(target_os = "linux")]
fn children_of(parent: u32) -> Vec<(u32, String)> {
    let mut children = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // `pid (comm) state ppid …`: the comm may hold spaces.
        let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
        let ppid = after.split_whitespace().nth(1).and_then(|p| p.parse().ok());
        if ppid == Some(parent) {
            let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
            children.push((pid, String::from_utf8_lossy(&cmdline).replace('\0', " ")));
        }
    }
    children
}

/// Sends SIGINT to `child` and waits for it: it must stop with exit code
/// 130 within 20 s.
#[cfg(unix)]
fn interrupt(child: &mut std::process::Child) {
    // SAFETY: `kill` with a live child's pid and a valid signal number has
    // no memory-safety preconditions.
    let sent = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    assert_eq!(sent, 0);
    let status = wait_at_most(child, Duration::from_secs(20));
    assert_eq!(status.code(), Some(130), "{status:?}");
}

/// The pids of `child`'s children whose command line `keep` accepts, once
/// there is at least one (at most 10 s).
#[cfg(target_os = "linux")]
fn children_appearing(child: &std::process::Child, keep: impl Fn(&str) -> bool) -> Vec<u32> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let found: Vec<u32> = children_of(child.id())
            .into_iter()
            .filter(|(_, cmdline)| keep(cmdline))
            .map(|(pid, _)| pid)
            .collect();
        if !found.is_empty() {
            return found;
        }
        assert!(Instant::now() < deadline, "no such child process appeared");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Whether `pid` still runs (a zombie does not).
#[cfg(target_os = "linux")]
fn runs(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        !stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z'))
    })
}

#[cfg(target_os = "linux")]
#[test]
fn ctrl_c_during_the_gil_part_leaves_no_python_behind() {
    if !python3_runs() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report");
    let report_arg = report.to_string_lossy().into_owned();
    let mut child = spawn_waiter(&[
        "tour",
        "--quick",
        "--parts",
        "order,gil",
        "--report",
        &report_arg,
    ]);
    let (_, _rest) = read_until(&mut child, "CPython: running");
    // The interpreter starts right after that line.
    let python = children_appearing(&child, |cmdline| cmdline.contains("gil_baseline.py"))[0];
    interrupt(&mut child);
    std::thread::sleep(Duration::from_millis(200));
    assert!(!runs(python), "the CPython baseline {python} still runs");
    let reports = read_json(&report.join("report.json"));
    assert_eq!(
        reports.as_array().unwrap().len(),
        1,
        "order finished, gil did not"
    );
}

/// Starts `waiter ARGS --json FILE`, waits for `marker` on its stdout,
/// sends SIGINT, and returns the partial report it wrote on its way out.
#[cfg(unix)]
fn interrupt_after(args: &[&str], marker: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("partial.json");
    let json_arg = json.to_string_lossy().into_owned();
    let mut all = args.to_vec();
    all.extend(["--json", &json_arg]);
    let mut child = spawn_waiter(&all);
    let (_, rest) = read_until(&mut child, marker);
    interrupt(&mut child);
    let mut tail = String::new();
    std::io::Read::read_to_string(&mut { rest }, &mut tail).unwrap();
    assert!(tail.trim_end().ends_with("interrupted"), "{tail}");
    let report = read_json(&json);
    assert_eq!(report["figures"]["interrupted"], json!(true));
    assert!(
        report["conclusions"][0]
            .as_str()
            .unwrap()
            .starts_with("Interrupted (Ctrl-C)"),
        "{}",
        report["conclusions"]
    );
    report
}

#[cfg(unix)]
#[test]
fn ctrl_c_during_dine_writes_what_was_eaten() {
    let args = ["dine", "--compare", "--duration", "3s", "--seed", "1"];
    // The first strategy's line: it has dined, the next one is dining.
    let report = interrupt_after(&args, "meals");
    let ran = outcomes(&report).len();
    assert!(
        (1..5).contains(&ran),
        "{ran} strategies in the partial report"
    );
}

#[cfg(unix)]
#[test]
fn ctrl_c_during_gil_writes_the_rows_measured_so_far() {
    let args = ["gil", "--scale", "0.2", "--python", "/no/such/python"];
    let report = interrupt_after(&args, "cpu / sequential");
    let rows = gil_rows(&report);
    let not_run = rows
        .iter()
        .filter(|row| row.to_string().contains("interrupted"))
        .count();
    assert!(not_run > 0, "some rows were cut short: {rows:?}");
    assert!(not_run < rows.len(), "some rows were measured: {rows:?}");
}

#[cfg(target_os = "linux")]
#[test]
fn ctrl_c_while_gil_runs_its_process_pool_leaves_no_worker_behind() {
    let mut child = spawn_waiter(&[
        "gil",
        "--workload",
        "cpu",
        "--scale",
        "0.5",
        "--no-convoy",
        "--python",
        "/no/such/python",
    ]);
    // The process-pool mode comes right after this one.
    let (_, _rest) = read_until(&mut child, "cpu / threads + simulated GIL");
    let workers = children_appearing(&child, |_| true);
    interrupt(&mut child);
    let deadline = Instant::now() + Duration::from_secs(5);
    while workers.iter().any(|&pid| runs(pid)) {
        assert!(
            Instant::now() < deadline,
            "worker processes {workers:?} outlived the run"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[cfg(unix)]
#[test]
fn ctrl_c_leaves_no_empty_output_behind() {
    let dir = tempfile::tempdir().unwrap();
    let [json, report, trace] = ["c.json", "report", "c-trace.json"].map(|name| {
        let path = dir.path().join(name);
        (path.to_string_lossy().into_owned(), path)
    });
    let mut child = spawn_waiter(&[
        "cores", "--json", &json.0, "--report", &report.0, "--trace", &trace.0,
    ]);
    // Cores does not watch for Ctrl-C: the process just ends.
    let (_, _rest) = read_until(&mut child, "work per thread");
    interrupt(&mut child);
    for (_, path) in [json, report, trace] {
        assert!(!path.exists(), "{} was left behind", path.display());
    }
}

#[cfg(unix)]
#[test]
fn a_second_ctrl_c_ends_the_run_at_once() {
    // Units of 5 s: the first Ctrl-C would wait for the one running.
    let mut child = spawn_waiter(&[
        "gil",
        "--workload",
        "cpu",
        "--scale",
        "5",
        "--no-convoy",
        "--python",
        "/no/such/python",
    ]);
    let (_, _rest) = read_until(&mut child, "units:");
    let pid = child.id() as libc::pid_t;
    let sent = Instant::now();
    for _ in 0..2 {
        // SAFETY: `kill` with a live child's pid and a valid signal number
        // has no memory-safety preconditions.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
        std::thread::sleep(Duration::from_millis(100));
    }
    let status = wait_at_most(&mut child, Duration::from_secs(20));
    assert_eq!(status.code(), Some(130), "{status:?}");
    // Far less than the 5 s grace the first one gives (generous for a
    // loaded machine, still well under).
    assert!(
        sent.elapsed() < Duration::from_secs(3),
        "{:?}",
        sent.elapsed()
    );
}

#[cfg(unix)]
#[test]
fn an_interrupted_tour_never_empties_the_last_report() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report");
    let report_arg = report.to_string_lossy().into_owned();
    waiter()
        .args([
            "tour",
            "--quick",
            "--parts",
            "order",
            "--report",
            &report_arg,
        ])
        .timeout(Duration::from_secs(60))
        .assert()
        .success();
    // Stopped while its first part runs: nothing finished before it.
    let mut child = spawn_waiter(&[
        "tour",
        "--quick",
        "--parts",
        "greet",
        "--report",
        &report_arg,
    ]);
    let (_, _rest) = read_until(&mut child, "1/1 · Sync vs async");
    interrupt(&mut child);
    let reports = read_json(&report.join("report.json"));
    let ids: Vec<&str> = reports
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    // The last run's report, or greet if it ended whole meanwhile.
    assert!(ids == ["order"] || ids == ["greet"], "{ids:?}");
}

//! The `waiter` binary, tested through its process: arguments, stdin,
//! stdout, stderr, exit codes and the `--json` file.
//!
//! One integration-test binary (it links faster on our 2-core machine).
//! Tests check behaviour, never speed, except one generous comparison of
//! totals whose margin is a 100 ms calculation. Scripted users type in a
//! few milliseconds, so the whole file runs in seconds.

use std::path::Path;

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
fn plain_waiter_runs_the_scripted_greet() {
    waiter()
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "running `waiter greet --name Ana --typing 1.5s`",
        ))
        .stdout(predicate::str::contains("Enter your name: Ana\n"))
        .stdout(predicate::str::contains("Thread pool total time:  1."));
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
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("greet.json");
    waiter()
        .args([
            "greet", "--name", "Ana", "--typing", "300ms", "--n", "10000000", "--json",
        ])
        .arg(&path)
        .assert()
        .success();
    let report = read_json(&path);
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
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("greet.json");
    waiter()
        .args([
            "greet", "--name", "Ana", "--typing", "0s", "--n", "1000", "--json",
        ])
        .arg(&path)
        .assert()
        .success();
    let report = read_json(&path);
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
        .code(1);
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
        .code(1)
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
fn bad_values_are_usage_errors() {
    for (args, message) in [
        (&["greet", "--n", "0"][..], "must be at least 1"),
        (&["greet", "--n", "-1"], "positive whole number"),
        (&["greet", "--n", "x"], "'x' is not a whole number"),
        (&["greet", "--n", "1.5"], "not a whole number"),
        (
            &["greet", "--name", "A", "--typing", "x"],
            "does not start with a number",
        ),
        (&["greet", "--name", "A", "--typing", "1.5"], "has no unit"),
        (&["greet", "--name", "A", "--typing", "-1s"], "negative"),
        (
            &["greet", "--name", "A", "--typing", "3 parsecs"],
            "unknown unit",
        ),
        (&["greet", "--typing", "1s"], "--name"),
        (&["order", "--tasks", "0"], "must be at least 1"),
        (&["order", "--runs", "x"], "not a whole number"),
        (&["order", "--workers", "-2"], "positive whole number"),
        (&["order", "--tasks", "100000000"], "at most"),
        (&["order", "--seed", "-3"], "0 or more"),
        (&["frobnicate"], "unrecognized subcommand"),
    ] {
        let assert = waiter().args(args).assert().code(2);
        let err = stderr_of(&assert);
        let first = err.lines().next().unwrap_or_default();
        assert!(first.starts_with("error: "), "{args:?}: {err}");
        assert!(
            err.contains(message),
            "{args:?}: expected {message:?} in {err}"
        );
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

#[test]
fn help_and_version_work() {
    waiter()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("greet").and(predicate::str::contains("order")));
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
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("order.json");
    let assert = waiter()
        .args([
            "order", "--tasks", "6", "--runs", "4", "--steps", "200", "--seed", "7", "--json",
        ])
        .arg(&path)
        .assert()
        .success();
    let out = stdout_of(&assert);
    // 6 tasks: 1 + … + 6 = 21, added 200 times each.
    let expected = 200 * 21;
    assert_eq!(
        out.matches(&format!("total {expected}\n")).count(),
        4,
        "{out}"
    );
    assert!(out.contains("Synchronised"));
    assert!(out.contains("Racy"));

    let report = read_json(&path);
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

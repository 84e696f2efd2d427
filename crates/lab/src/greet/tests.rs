//! `greet` with a scripted user, a pipe and a closed input: the note's
//! lines in every mode, the timelines, the errors.

use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::console::Buffer;
use crate::input::{Lines, Scripted};
use crate::report::Cell;
use std::io::Cursor;

/// Runs through the experiment's trait, as the tour and the CLI do.
fn run(config: &Config, input: Arc<dyn Input>, console: Arc<Buffer>) -> Result<Report, Error> {
    config.run(&Ctx::new(console).with_input(input))
}

fn scripted(ms: u64) -> Arc<dyn Input> {
    Arc::new(Scripted::new("Ana", Duration::from_millis(ms)))
}

#[test]
fn prints_the_notes_lines_for_every_mode() {
    let console = Arc::new(Buffer::new());
    let report = run(&Config::default(), scripted(5), console.clone()).unwrap();
    let text = console.contents();
    assert_eq!(text.matches("Enter your name: Ana\n").count(), 3, "{text}");
    assert_eq!(text.matches("Hello, Ana\n").count(), 3);
    assert_eq!(text.matches("Started calculating...\n").count(), 3);
    assert_eq!(text.matches("ask_user:  ").count(), 3);
    assert_eq!(text.matches("complex_calculation:  ").count(), 3);
    for label in ["Single thread", "Two thread", "Thread pool"] {
        assert!(text.contains(&format!("{label} total time:  ")), "{text}");
    }
    assert_eq!(report.id, "greet");
    assert_eq!(report.tables[0].rows.len(), 3);
    assert_eq!(report.timelines.len(), 3);
    assert_eq!(report.figures["checksum"], work::squares(DEFAULT_N));
}

#[test]
fn timelines_have_a_lane_per_thread() {
    let report = run(&Config { n: 10 }, scripted(1), Arc::new(Buffer::new())).unwrap();
    let lanes = |i: usize| -> Vec<String> {
        report.timelines[i]
            .lanes
            .iter()
            .map(|l| l.name.clone())
            .collect()
    };
    assert_eq!(lanes(0), ["main"]);
    assert_eq!(lanes(1), ["main", "thread", "thread2"]);
    let pool = lanes(2);
    assert_eq!(pool[0], "main");
    assert!(
        pool[1..].iter().all(|l| l.starts_with("waiter-worker-")),
        "{pool:?}"
    );
    let asking = report.timelines[1].lanes[2].spans[0].clone();
    assert_eq!(asking.state, State::WaitingIo);
    assert_eq!(asking.label.as_deref(), Some("ask_user"));
    let calculating = &report.timelines[1].lanes[1].spans[0];
    assert_eq!(calculating.state, State::Running);
}

#[test]
fn threads_overlap_the_wait_with_the_calculation() {
    // Generous: the calculation is a few ms, the user 60 ms.
    let report = run(&Config { n: 10 }, scripted(60), Arc::new(Buffer::new())).unwrap();
    let span = |timeline: usize, lane: usize| {
        let s = &report.timelines[timeline].lanes[lane].spans[0];
        (s.start_us, s.end_us)
    };
    // Two threads: the calculation starts before the user has answered.
    let (calc_start, _) = span(1, 1);
    let (_, wait_end) = span(1, 2);
    assert!(calc_start < wait_end);
}

#[test]
fn piped_lines_answer_one_mode_each() {
    let input = Arc::new(Lines::new(Cursor::new("Ana\nBo\n\n"), true));
    let console = Arc::new(Buffer::new());
    let report = run(&Config { n: 10 }, input, console.clone()).unwrap();
    let text = console.contents();
    assert!(text.contains("Hello, Ana\n"));
    assert!(text.contains("Hello, Bo\n"));
    assert!(
        text.contains("Hello, \n"),
        "an empty name is greeted: {text}"
    );
    let names: Vec<_> = report.figures["modes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["Ana", "Bo", ""]);
}

#[test]
fn end_of_input_names_the_mode() {
    let input = Arc::new(Lines::new(Cursor::new("Ana\n"), true));
    let error = run(&Config { n: 10 }, input, Arc::new(Buffer::new())).unwrap_err();
    assert!(matches!(&error, Error::InputClosed { mode } if mode == "two threads"));
    assert_eq!(
        error.to_string(),
        "stdin closed before a name was entered (mode: two threads)"
    );
}

#[test]
fn conclusions_say_which_thread_did_what() {
    let f = |mode, ask_thread: &str, calc_thread: &str| ModeFigures {
        mode,
        name: "Ana".into(),
        ask_us: 1_000_000,
        calc_us: 10,
        total_us: 1_000_010,
        ask_thread: ask_thread.into(),
        calc_thread: calc_thread.into(),
    };
    let lines = conclusions(&[
        f(Mode::Sequential, "main", "main"),
        f(Mode::TwoThreads, "thread2", "thread"),
        f(Mode::Pool, "waiter-worker-0", "waiter-worker-0"),
    ]);
    assert!(lines[0].contains("the sum of the parts"), "{lines:?}");
    assert!(
        lines[1].contains("on thread while thread2 waited"),
        "{lines:?}"
    );
    assert!(
        lines[2].contains("one thread (waiter-worker-0) ran both tasks"),
        "{lines:?}"
    );
    assert!(lines[3].contains("tiny next to the wait"), "{lines:?}");
}

#[test]
fn a_long_calculation_shows_the_saving() {
    let f = |mode, total_us| ModeFigures {
        mode,
        name: "Ana".into(),
        ask_us: 300_000,
        calc_us: 200_000,
        total_us,
        ask_thread: "a".into(),
        calc_thread: "b".into(),
    };
    let lines = conclusions(&[f(Mode::Sequential, 500_000), f(Mode::TwoThreads, 300_000)]);
    assert_eq!(
        lines[2],
        "Two threads saved 200.0 ms of the 500.0 ms it took on one thread: about the shorter part (200.0 ms), which no longer waits for the longer one."
    );
    let table = times_table(&[f(Mode::Sequential, 500_000)]);
    assert_eq!(table.rows[0][4], Cell::Float(1.0));
    assert_eq!(table.rows[0][5], Cell::Float(500_000.0 / 300_000.0));
}

#[test]
fn zero_n_is_rejected() {
    let error = run(&Config { n: 0 }, scripted(0), Arc::new(Buffer::new())).unwrap_err();
    assert!(matches!(error, Error::Config(_)));
}

#[test]
fn a_line_and_the_table_show_the_same_figure() {
    let console = Arc::new(Buffer::new());
    let report = run(&Config::default(), scripted(5), console.clone()).unwrap();
    let text = console.contents();
    let inline: Vec<&str> = text
        .lines()
        .filter_map(|line| line.strip_prefix("complex_calculation:  "))
        .collect();
    let table: Vec<String> = report.tables[0]
        .rows
        .iter()
        .map(|row| row[2].display())
        .collect();
    assert_eq!(inline.len(), 3, "{text}");
    // The modes print in the table's order.
    assert_eq!(inline, table, "{text}");
}

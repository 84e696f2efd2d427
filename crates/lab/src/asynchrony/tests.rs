//! The experiment end to end, at small sizes, and its sentences from
//! hand-made figures.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use waiter::trace::{State, Timeline};

use super::mini::Why;
use super::*;
use crate::console::Buffer;
use crate::report::Cell;

fn small() -> Config {
    Config {
        typing: Duration::from_millis(40),
        work: Duration::from_millis(30),
        tick: Duration::from_millis(1),
        slice: Duration::from_millis(3),
        sleepers: 300,
        nap: Duration::from_millis(20),
        pool_workers: 10,
        pool_sleepers: 30,
        ..Config::default()
    }
}

fn figures(report: &Report) -> serde_json::Value {
    report.figures["async"].clone()
}

/// The spans of `lane` in `state`, as (start, end).
fn spans(timeline: &Timeline, lane: &str, state: State) -> Vec<(u64, u64)> {
    timeline
        .lanes
        .iter()
        .filter(|l| l.name == lane)
        .flat_map(|l| &l.spans)
        .filter(|s| s.state == state)
        .map(|s| (s.start_us, s.end_us))
        .collect()
}

fn overlaps(a: &[(u64, u64)], b: &[(u64, u64)]) -> bool {
    a.iter()
        .any(|&(s1, e1)| b.iter().any(|&(s2, e2)| s1 < e2 && s2 < e1))
}

#[test]
fn every_part_runs_and_the_wait_overlaps_on_one_thread() {
    let console = Arc::new(Buffer::new());
    let report = small().run(&Ctx::new(console.clone())).unwrap();
    let text = console.contents();
    assert_eq!(text.matches("Hello, Ana\n").count(), 4, "{text}");
    assert_eq!(text.matches("Started calculating...\n").count(), 4);

    let one = report.table(ONE_THREAD_TABLE).unwrap();
    assert_eq!(one.rows.len(), 4);
    for row in &one.rows {
        assert_eq!(row[6], Cell::Int(1), "every task on one thread: {row:?}");
    }
    // join: ask_user's wait and the calculation overlap in time, on both
    // runtimes (timelines 1 and 3: mini join, tokio join).
    for index in [1, 3] {
        let timeline = &report.timelines[index];
        assert!(timeline.title.ends_with("(join)"), "{}", timeline.title);
        let waiting = spans(timeline, programs::ASK_LANE, State::WaitingIo);
        let computing = spans(timeline, programs::CALC_LANE, State::Running);
        assert!(overlaps(&waiting, &computing), "{timeline:?}");
    }
    // Sequential: they do not.
    let sequential = &report.timelines[0];
    assert!(!overlaps(
        &spans(sequential, programs::ASK_LANE, State::WaitingIo),
        &spans(sequential, programs::CALC_LANE, State::Running)
    ));

    let f = figures(&report);
    let rows = f["heartbeat"].as_array().unwrap();
    assert_eq!(rows.len(), 12, "mini, tokio and asyncio, four cases each");
    for row in rows {
        for key in [
            "runtime",
            "case",
            "lag_median_ms",
            "lag_p99_ms",
            "lag_max_ms",
        ] {
            assert!(row.get(key).is_some(), "{key} in {row}");
        }
    }
    for runtime in ["mini", "tokio"] {
        let blocked = rows
            .iter()
            .find(|r| r["runtime"] == runtime && r["case"] == "blocked")
            .unwrap();
        // The heartbeat's timer was pending the whole time the calculation
        // ran: one tick waited for nearly all of it.
        let (max, work) = (
            blocked["lag_max_ms"].as_f64().unwrap(),
            blocked["work_ms"].as_f64().unwrap(),
        );
        assert!(
            max >= work - 3.0,
            "{runtime}: max lag {max} ms, work {work} ms"
        );
    }
    let asyncio: Vec<_> = rows.iter().filter(|r| r["runtime"] == "asyncio").collect();
    assert!(
        asyncio
            .iter()
            .all(|r| r["not_run"] == "no Python interpreter was given")
    );
    let table = report.table(HEARTBEAT_TABLE).unwrap();
    assert_eq!(table.rows[8][2], Cell::from("not run"));

    // mini's polls: the blocked heartbeat woke by its timer, the
    // cooperative calculation by its own yields.
    let polls = f["polls"].as_array().unwrap();
    let stats =
        |program: &str| polls.iter().find(|p| p["program"] == program).unwrap()["stats"].clone();
    assert!(
        stats("blocked")["by_why"][Why::Timer as usize]
            .as_u64()
            .unwrap()
            > 0
    );
    // (The pool's wake from its worker thread is tested on mini alone:
    // here a busy machine may finish the job before its first poll.)
    assert!(
        stats("cooperative")["by_why"][Why::Yielded as usize]
            .as_u64()
            .unwrap()
            >= 5
    );

    let sleepers = f["sleepers_rows"].as_array().unwrap();
    let ways: Vec<_> = sleepers
        .iter()
        .map(|r| r["way"].as_str().unwrap())
        .collect();
    assert_eq!(ways, ["threads", "pool", "tokio", "mini", "asyncio"]);
    assert_eq!(sleepers[1]["sleeps"], 30);
    assert_eq!(sleepers[1]["ideal_us"], 3 * 20_000);
    assert!(
        sleepers[..4]
            .iter()
            .all(|r| r["wall_us"].as_u64().unwrap() >= 20_000)
    );

    assert!(
        report
            .conclusions
            .iter()
            .any(|c| c.contains("no second thread at all")),
        "{:?}",
        report.conclusions
    );
    assert!(
        report
            .conclusions
            .iter()
            .any(|c| c.contains("asyncio: not run"))
    );
    // One-thread: 2 per runtime; heartbeat: mini's blocked, offloaded and
    // cooperative.
    assert_eq!(report.timelines.len(), 4 + 3);
}

#[test]
fn settings_out_of_range_are_refused_before_anything_runs() {
    let console = Arc::new(Buffer::new());
    let config = Config {
        tick: Duration::ZERO,
        ..small()
    };
    let error = config.run(&Ctx::new(console.clone())).unwrap_err();
    assert!(matches!(error, Error::Config(_)), "{error}");
    assert_eq!(console.contents(), "");
}

#[test]
fn asyncio_answers_with_every_case_and_a_debug_warning() {
    let request = asyncio::Request {
        work: Duration::from_millis(150),
        tick: Duration::from_millis(1),
        slice: Duration::from_millis(2),
        margin: Duration::from_millis(10),
        sleepers: 100,
        nap: Duration::from_millis(10),
        slow_callback: Duration::from_millis(100),
    };
    let answer = match asyncio::run(
        Path::new("python3"),
        &request,
        Duration::from_secs(60),
        &Stop::new(),
    ) {
        Ok(answer) => answer,
        Err(why) if why.contains("not found") => {
            println!("skipped: python3 is not installed ({why})");
            return;
        }
        Err(why) => panic!("{why}"),
    };
    assert!(answer.errors.is_empty(), "{:?}", answer.errors);
    for case in Case::ALL {
        let py = answer.case(case.name()).unwrap();
        assert!(!py.lags_ms.is_empty(), "{case}");
        assert_eq!(py.work_ms.is_none(), case == Case::Alone);
    }
    let blocked = answer.case("blocked").unwrap();
    let max = blocked.lags_ms.iter().copied().fold(0.0, f64::max);
    assert!(
        max >= blocked.work_ms.unwrap() - 3.0,
        "{max} {:?}",
        blocked.work_ms
    );
    // Debug mode warns about the blocking step if, and only if, it ran
    // over the threshold (the calculation's length this time is the
    // machine's: decide from what it measured, away from the edge).
    let threshold_ms = answer.slow_callback_s * 1e3;
    let debug = answer.debug_of("blocked").unwrap();
    let work_ms = debug.work_ms.unwrap();
    let warnings: Vec<_> = debug
        .warnings
        .iter()
        .map(|m| asyncio::SlowCallback::parse(m))
        .collect();
    if work_ms > threshold_ms * 1.2 {
        assert_eq!(warnings.len(), 1, "{work_ms} ms: {warnings:?}");
        assert!(warnings[0].seconds.unwrap() * 1e3 >= threshold_ms);
        assert!(
            warnings[0].text.starts_with("Executing <Task …> took "),
            "{warnings:?}"
        );
    } else if work_ms < threshold_ms * 0.8 {
        assert!(warnings.is_empty(), "{work_ms} ms: {warnings:?}");
    }
    // Slices of 2 ms are far below it.
    let cooperative = answer.debug_of("cooperative").unwrap();
    assert!(
        cooperative.warnings.is_empty(),
        "{:?}",
        cooperative.warnings
    );
    assert_eq!(answer.sleepers.as_ref().unwrap().sleeps, 100);
}

fn hand_made() -> Figures {
    let one = |runtime, order, total_ms: u64| OneThreadRow {
        runtime,
        order,
        ask_us: 1_000_000,
        calc_us: 200_000,
        total_us: total_ms * 1_000,
        threads: 1,
    };
    let beat = |runtime, case, median: f64, max: f64, ticks, work: Option<f64>| HeartbeatRow {
        runtime,
        case,
        ticks: Some(ticks),
        lag_median_ms: Some(median),
        lag_p99_ms: Some(max),
        lag_max_ms: Some(max),
        work_ms: work,
        not_run: None,
    };
    Figures {
        typing_us: 1_000_000,
        work_us: 200_000,
        tick_us: 1_000,
        slice_us: 2_000,
        nap_us: 100_000,
        pool_workers: 64,
        sleepers: 10_000,
        calculation: Calculation { n: 1 },
        one_thread: vec![
            one(Runtime::Mini, Order::Sequential, 1_200),
            one(Runtime::Mini, Order::Join, 1_000),
            one(Runtime::Tokio, Order::Sequential, 1_200),
            one(Runtime::Tokio, Order::Join, 1_190),
        ],
        heartbeat: vec![
            beat(Runtime::Mini, Case::Alone, 0.05, 0.3, 240, None),
            beat(Runtime::Mini, Case::Blocked, 0.05, 199.0, 41, Some(200.0)),
            beat(Runtime::Tokio, Case::Alone, 1.1, 1.4, 120, None),
            beat(Runtime::Tokio, Case::Blocked, 1.1, 120.0, 21, Some(200.0)),
            beat(Runtime::Tokio, Case::Offloaded, 1.1, 70.0, 120, Some(320.0)),
            beat(Runtime::Asyncio, Case::Alone, 0.1, 0.5, 200, None),
            beat(
                Runtime::Asyncio,
                Case::Offloaded,
                0.2,
                5.3,
                150,
                Some(200.0),
            ),
            beat(Runtime::Mini, Case::Cooperative, 0.1, 4.0, 150, Some(200.0)),
        ],
        sleepers_rows: vec![
            SleepRow {
                way: Way::Threads,
                sleeps: 10_000,
                ideal_us: 100_000,
                wall_us: Some(1_000_000),
                extra_rss_kib: Some(96_000),
                not_run: None,
            },
            SleepRow {
                way: Way::Pool,
                sleeps: 640,
                ideal_us: 1_000_000,
                wall_us: Some(1_010_000),
                extra_rss_kib: Some(600),
                not_run: None,
            },
            SleepRow {
                way: Way::Tokio,
                sleeps: 10_000,
                ideal_us: 100_000,
                wall_us: Some(110_000),
                extra_rss_kib: Some(5_000),
                not_run: None,
            },
        ],
        polls: Vec::new(),
        asyncio: Some(AsyncioFigures {
            python: "cpython 3.11.7".into(),
            switch_interval_s: 0.005,
            slow_callback_s: 0.1,
            squares: 1,
            debug_blocked: vec![asyncio::SlowCallback::parse(
                "Executing <Task x> took 0.203 seconds",
            )],
            debug_cooperative: Vec::new(),
            errors: Vec::new(),
        }),
        asyncio_not_run: None,
    }
}

#[test]
fn sentences_follow_the_comparisons() {
    let lines = present::conclusions(&hand_made());
    let has = |needle: &str| {
        assert!(
            lines.iter().any(|l| l.contains(needle)),
            "{needle:?} not in {lines:#?}"
        );
    };
    has(
        "mini: one after the other took 1.20 s (the sum of the parts); together (join) 1.00 s: the 200.0 ms part ran while the other waited, on ONE thread: no second thread at all.",
    );
    has(
        "tokio: together (join) took 1.19 s against 1.20 s one after the other: less saved than the shorter part (200.0 ms)",
    );
    has(
        "mini, blocked: the worst tick came 199.0 ms late, and the calculation computed 200.0 ms without awaiting",
    );
    has("tokio, blocked: the worst tick came 120.0 ms late, less than the 200.0 ms");
    has(
        "mini, cooperative (yields every 2.0 ms): the worst tick came 4.0 ms late, 2.0 slices (blocked: 199.0 ms)",
    );
    has(
        "tokio, offloaded to a pool thread: the worst tick still came 70.0 ms late (blocked: 120.0 ms; alone: 1.4 ms): not even half as late",
    );
    has(
        "The machine was busy during these measurements: the calculation, sized to take 200.0 ms here, took up to 320.0 ms.",
    );
    has("tokio's ticks are late by 1.1 ms even alone (mini's: 50.0 µs)");
    has("with fewer than 100 ticks it is the max: mini blocked (41), tokio blocked (21).");
    has("asyncio, offloaded: ticks still came up to 5.3 ms late (alone: 500.0 µs)");
    has("switch interval (5.0 ms)");
    has(
        "(it warns about a step of a task that runs over 100.0 ms) said, about the blocking call: \"Executing <Task …> took 0.203 seconds\"; about the cooperative one (slices of 2.0 ms): nothing.",
    );
    has("tokio tasks took 110.0 ms, 0.5 KiB each; threads (one each) 1.00 s (×9.1), 9.6 KiB each");
    has("the 10000 would take 157 rounds, at least 15.70 s");
}

#[test]
fn asyncio_not_run_is_said_once_with_its_reason() {
    let mut figures = hand_made();
    figures.asyncio = None;
    figures.asyncio_not_run = Some("python3 was not found".into());
    let lines = present::conclusions(&figures);
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.contains("asyncio: not run: python3 was not found"))
            .count(),
        1
    );
    assert!(!lines.iter().any(|l| l.contains("debug mode")));
}

#[test]
fn tables_have_a_row_per_measurement() {
    let figures = hand_made();
    let tables = present::tables(&figures);
    assert_eq!(
        tables[1].columns,
        [
            "runtime",
            "case",
            "ticks",
            "lag_median_ms",
            "lag_p99_ms",
            "lag_max_ms",
            "work_ms"
        ]
    );
    assert_eq!(tables[1].rows.len(), figures.heartbeat.len());
    assert_eq!(tables[1].rows[0][5], Cell::Float(0.3));
    assert_eq!(tables[1].rows[0][6], Cell::Missing);
    assert_eq!(tables[2].rows[1][0], Cell::from("pool of 64"));
    // 96,000 KiB over 10,000 threads.
    assert_eq!(tables[2].rows[0][5], Cell::Int(9_830));
}

#[test]
fn a_stopped_run_reports_what_it_did_not_measure() {
    let stop = Stop::new();
    stop.request();
    let config = Config {
        python: Some("python3".into()),
        ..small()
    };
    let report = config
        .run(&Ctx::new(Arc::new(Buffer::new())).with_stop(stop))
        .unwrap();
    let f = figures(&report);
    assert!(f["one_thread"].as_array().unwrap().is_empty());
    let rows = f["heartbeat"].as_array().unwrap();
    assert_eq!(rows.len(), 12);
    assert!(
        rows.iter().all(|r| r["not_run"] == "interrupted"),
        "{rows:?}"
    );
    assert!(
        f["sleepers_rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["not_run"] == "interrupted")
    );
    assert!(
        report
            .conclusions
            .iter()
            .any(|c| c.starts_with("Interrupted (Ctrl-C)"))
    );
}

use std::collections::HashMap;
use std::sync::{Barrier, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::recorder::local_buffer_count;
use super::svg::internals::tick_labels;
use super::svg::{escape, human, tick_step};
use super::*;

fn names(timeline: &Timeline) -> Vec<&str> {
    timeline.lanes.iter().map(|l| l.name.as_str()).collect()
}

// ---------------------------------------------------------------- recorder

#[test]
fn recorder_keeps_declared_order_and_clamps_times() {
    let origin = Instant::now();
    let recorder = Recorder::starting_at(origin);
    recorder.declare("main");
    let later = origin + Duration::from_millis(5);
    recorder.record("worker", State::Running, "calc", origin, later);
    // An end before the start is clamped, a start before the origin is 0.
    recorder.record("main", State::Blocked, "", later, origin);
    recorder.record(
        "main",
        State::Blocked,
        "early",
        origin - Duration::from_millis(1),
        origin,
    );
    let timeline = recorder.finish("t");
    assert_eq!(names(&timeline), ["main", "worker"]);
    let main = &timeline.lanes[0].spans;
    assert_eq!((main[0].start_us, main[0].end_us), (0, 0));
    assert_eq!((main[1].start_us, main[1].end_us), (5000, 5000));
    assert_eq!(main[1].label, None);
    assert_eq!(timeline.end_us(), 5000);
}

#[test]
fn recorder_names_lanes_after_threads() {
    let recorder = Recorder::new();
    thread::scope(|s| {
        thread::Builder::new()
            .name("worker-7".into())
            .spawn_scoped(s, || {
                let now = Instant::now();
                recorder.record_here(State::Running, "x", now, now);
            })
            .unwrap();
        thread::Builder::new()
            .spawn_scoped(s, || {
                let now = Instant::now();
                recorder.record_here(State::Running, "y", now, now);
            })
            .unwrap()
            .join()
            .unwrap();
    });
    let timeline = recorder.finish("t");
    let mut names = names(&timeline);
    names.sort_unstable();
    assert_eq!(names, ["unnamed", "worker-7"]);
}

#[test]
fn spans_are_sorted_by_start_within_a_lane() {
    let origin = Instant::now();
    let recorder = Recorder::starting_at(origin);
    let at = |us| origin + Duration::from_micros(us);
    recorder.record("a", State::Running, "third", at(30), at(40));
    recorder.record("a", State::Running, "first", at(10), at(20));
    recorder.record("a", State::Running, "second", at(20), at(25));
    let timeline = recorder.finish("t");
    let labels: Vec<_> = timeline.lanes[0]
        .spans
        .iter()
        .map(|s| s.label.as_deref().unwrap())
        .collect();
    assert_eq!(labels, ["first", "second", "third"]);
}

#[test]
fn many_threads_record_every_span_once_in_its_lane() {
    const THREADS: usize = 8;
    let spans_each: u64 = if cfg!(miri) { 20 } else { 2_000 };
    let origin = Instant::now();
    let recorder = Recorder::starting_at(origin);
    recorder.declare("main");
    let barrier = Barrier::new(THREADS);
    thread::scope(|s| {
        let (declared, acks) = mpsc::channel();
        for t in 0..THREADS {
            let (recorder, barrier, declared) = (&recorder, &barrier, declared.clone());
            thread::Builder::new()
                .name(format!("t{t}"))
                .spawn_scoped(s, move || {
                    // Lanes are first seen one thread after the other...
                    recorder.declare(&format!("t{t}"));
                    declared.send(()).unwrap();
                    // ...then every thread records at once.
                    barrier.wait();
                    for j in 0..spans_each {
                        let start = origin + Duration::from_micros(j * 10);
                        let end = start + Duration::from_micros(5);
                        recorder.record_here(State::Running, &format!("t{t}/{j}"), start, end);
                    }
                    let at = origin + Duration::from_micros(t as u64);
                    recorder.record("shared", State::Blocked, &format!("t{t}"), at, at);
                })
                .unwrap();
            acks.recv().unwrap();
        }
    });
    let timeline = recorder.finish("stress");
    let mut expected = vec!["main".to_owned()];
    expected.extend((0..THREADS).map(|t| format!("t{t}")));
    expected.push("shared".to_owned());
    assert_eq!(names(&timeline), expected);

    for (t, lane) in timeline.lanes[1..=THREADS].iter().enumerate() {
        assert_eq!(lane.spans.len() as u64, spans_each, "lane {}", lane.name);
        let mut seen = HashMap::new();
        for span in &lane.spans {
            let label = span.label.clone().unwrap();
            let (owner, j) = label.split_once('/').unwrap();
            assert_eq!(owner, format!("t{t}"), "a span in the wrong lane");
            let j: u64 = j.parse().unwrap();
            assert_eq!((span.start_us, span.end_us), (j * 10, j * 10 + 5));
            assert!(seen.insert(j, ()).is_none(), "span {label} twice");
        }
        assert!(
            lane.spans
                .windows(2)
                .all(|w| w[0].start_us <= w[1].start_us)
        );
    }
    let shared = &timeline.lanes[THREADS + 1];
    let labels: Vec<_> = shared
        .spans
        .iter()
        .map(|s| s.label.as_deref().unwrap())
        .collect();
    let expected: Vec<_> = (0..THREADS).map(|t| format!("t{t}")).collect();
    assert_eq!(labels, expected, "merged from every thread, by start");
}

#[test]
fn snapshot_sees_threads_that_still_run() {
    let recorder = Recorder::new();
    let (done_first, first_done) = mpsc::channel();
    let (go_on, may_go_on) = mpsc::channel::<()>();
    thread::scope(|s| {
        let recorder = &recorder;
        thread::Builder::new()
            .name("alive".into())
            .spawn_scoped(s, move || {
                let now = Instant::now();
                recorder.record_here(State::Running, "first", now, now);
                done_first.send(()).unwrap();
                may_go_on.recv().unwrap();
                recorder.record_here(State::Running, "second", now, now);
            })
            .unwrap();
        first_done.recv().unwrap();
        let partial = recorder.snapshot("so far");
        assert_eq!(partial.title, "so far");
        assert_eq!(names(&partial), ["alive"]);
        assert_eq!(partial.lanes[0].spans.len(), 1);
        // A snapshot copies: taking another gives the same.
        assert_eq!(recorder.snapshot("so far"), partial);
        go_on.send(()).unwrap();
    });
    let all = recorder.finish("all");
    let labels: Vec<_> = all.lanes[0]
        .spans
        .iter()
        .map(|s| s.label.as_deref().unwrap())
        .collect();
    assert_eq!(labels, ["first", "second"]);
}

#[test]
fn an_off_recorder_records_nothing() {
    let recorder = Recorder::off();
    assert!(!recorder.is_on());
    assert!(Recorder::new().is_on());
    assert!(Recorder::default().is_on());
    let now = Instant::now();
    recorder.declare("main");
    recorder.record("main", State::Running, "x", now, now);
    recorder.record_here(State::Running, "x", now, now);
    let mut ran = false;
    let value = recorder.time("main", State::Running, "x", || {
        ran = true;
        7
    });
    assert!(ran);
    assert_eq!(value, 7);
    assert!(recorder.snapshot("t").lanes.is_empty());
    assert!(format!("{recorder:?}").contains("on: false"));
    let timeline = recorder.finish("off");
    assert_eq!(timeline.title, "off");
    assert!(timeline.lanes.is_empty());
}

#[test]
fn recorder_is_send_sync_and_debug() {
    fn shareable<T: Send + Sync + std::fmt::Debug>() {}
    shareable::<Recorder>();
    let recorder = Recorder::new();
    recorder.declare("main");
    let debug = format!("{recorder:?}");
    assert!(debug.contains("on: true"), "{debug}");
}

#[test]
fn time_records_only_what_returned() {
    let recorder = Recorder::new();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        recorder.time("main", State::Running, "boom", || panic!("boom"))
    }));
    assert!(result.is_err());
    recorder.time("main", State::Running, "fine", || ());
    let timeline = recorder.finish("t");
    assert_eq!(timeline.lanes[0].spans.len(), 1);
    assert_eq!(timeline.lanes[0].spans[0].label.as_deref(), Some("fine"));
}

#[test]
fn dropped_recorders_leave_no_buffers_behind() {
    // One long-lived thread records into many short-lived recorders, as a
    // pool worker does; its list of buffers must not grow with them.
    let (jobs, inbox) = mpsc::channel::<std::sync::Arc<Recorder>>();
    let (counts, outbox) = mpsc::channel();
    let worker = thread::spawn(move || {
        for recorder in inbox {
            let now = Instant::now();
            recorder.record_here(State::Running, "x", now, now);
            drop(recorder);
            counts.send(local_buffer_count()).unwrap();
        }
    });
    let rounds = if cfg!(miri) { 5 } else { 200 };
    let mut longest = 0;
    for _ in 0..rounds {
        let recorder = std::sync::Arc::new(Recorder::new());
        jobs.send(std::sync::Arc::clone(&recorder)).unwrap();
        longest = longest.max(outbox.recv().unwrap());
        let recorder = std::sync::Arc::into_inner(recorder).unwrap();
        assert_eq!(recorder.finish("t").lanes[0].spans.len(), 1);
    }
    drop(jobs);
    worker.join().unwrap();
    assert!(longest <= 2, "the worker kept {longest} buffers");
}

#[test]
fn a_recorder_dropped_before_its_threads_end_is_fine() {
    let (recorded, wait_recorded) = mpsc::channel();
    let (dropped, wait_dropped) = mpsc::channel::<()>();
    let recorder = std::sync::Arc::new(Recorder::new());
    let worker = {
        let recorder = std::sync::Arc::clone(&recorder);
        thread::spawn(move || {
            let now = Instant::now();
            recorder.record_here(State::Running, "x", now, now);
            drop(recorder);
            recorded.send(()).unwrap();
            wait_dropped.recv().unwrap();
            // The recorder is gone: a new one starts from nothing.
            let next = Recorder::new();
            next.record_here(State::Running, "y", now, now);
            (local_buffer_count(), next.finish("next"))
        })
    };
    wait_recorded.recv().unwrap();
    drop(recorder);
    dropped.send(()).unwrap();
    let (count, next) = worker.join().unwrap();
    assert_eq!(count, 1);
    assert_eq!(next.lanes[0].spans.len(), 1);
}

#[test]
fn state_names_match_json() {
    for state in State::ALL {
        assert_eq!(serde_json::to_value(state).unwrap(), state.name());
        assert!(state.colour().starts_with('#') && state.colour().len() == 7);
    }
    let mut colours: Vec<_> = State::ALL.iter().map(|s| s.colour()).collect();
    colours.sort_unstable();
    colours.dedup();
    assert_eq!(colours.len(), State::ALL.len(), "one colour per state");
}

#[test]
fn timeline_json_shape_is_unchanged() {
    let timeline = Timeline {
        title: "t".into(),
        lanes: vec![Lane::new(
            "main",
            vec![
                Span::new(State::WaitingIo, 0, 10).labelled("ask_user"),
                Span::new(State::Running, 10, 12),
            ],
        )],
    };
    let value = serde_json::to_value(&timeline).unwrap();
    assert_eq!(
        value,
        json!({"title": "t", "lanes": [{"name": "main", "spans": [
            {"state": "waiting-io", "start_us": 0, "end_us": 10, "label": "ask_user"},
            {"state": "running", "start_us": 10, "end_us": 12},
        ]}]})
    );
    let back: Timeline = serde_json::from_value(value).unwrap();
    assert_eq!(back, timeline);
}

// ------------------------------------------------------------------ chrome

fn two_timelines() -> Vec<Timeline> {
    vec![
        Timeline {
            title: "greet".into(),
            lanes: vec![
                Lane::new(
                    "main",
                    vec![Span::new(State::Blocked, 0, 1_000).labelled("join")],
                ),
                Lane::new(
                    "worker-0",
                    vec![
                        Span::new(State::Running, 5, 700).labelled("calc"),
                        Span::new(State::WaitingIo, 700, 900),
                    ],
                ),
            ],
        },
        Timeline {
            title: String::new(),
            lanes: vec![
                Lane::new("p0", vec![Span::new(State::Eating, 10, 30)]),
                Lane::new("declared only", Vec::new()),
            ],
        },
    ]
}

#[test]
fn chrome_json_has_processes_threads_and_one_event_per_span() {
    let timelines = two_timelines();
    let trace: Value = serde_json::from_str(&chrome_json(&timelines)).unwrap();
    assert_eq!(trace["displayTimeUnit"], "ms");
    let events = trace["traceEvents"].as_array().unwrap();
    let named = |what: &str| -> Vec<(u64, u64, String)> {
        events
            .iter()
            .filter(|e| e["ph"] == "M" && e["name"] == what)
            .map(|e| {
                (
                    e["pid"].as_u64().unwrap(),
                    e["tid"].as_u64().unwrap(),
                    e["args"]["name"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    assert_eq!(
        named("process_name"),
        [(1, 0, "greet".to_owned()), (2, 0, "timeline 2".to_owned())]
    );
    assert_eq!(
        named("thread_name"),
        [
            (1, 1, "main".to_owned()),
            (1, 2, "worker-0".to_owned()),
            (2, 1, "p0".to_owned()),
            (2, 2, "declared only".to_owned()),
        ]
    );

    let complete: Vec<_> = events.iter().filter(|e| e["ph"] == "X").collect();
    let spans: usize = timelines
        .iter()
        .flat_map(|t| &t.lanes)
        .map(|l| l.spans.len())
        .sum();
    assert_eq!(complete.len(), spans);
    for (pid, timeline) in (1u64..).zip(&timelines) {
        for (tid, lane) in (1u64..).zip(&timeline.lanes) {
            let mine: Vec<_> = complete
                .iter()
                .filter(|e| e["pid"] == pid && e["tid"] == tid)
                .collect();
            assert_eq!(mine.len(), lane.spans.len());
            for (event, span) in mine.iter().zip(&lane.spans) {
                let state = span.state.name();
                assert_eq!(event["ts"], span.start_us);
                assert_eq!(event["dur"], span.end_us - span.start_us);
                assert_eq!(event["cat"], state);
                assert_eq!(event["args"]["state"], state);
                assert_eq!(event["name"], span.label.as_deref().unwrap_or(state));
            }
        }
    }
}

#[test]
fn chrome_json_of_nothing_is_an_empty_trace() {
    let trace: Value = serde_json::from_str(&chrome_json(&[])).unwrap();
    assert_eq!(trace["traceEvents"], json!([]));
    let odd = Timeline {
        title: "\"quoted\" \\ \u{0}".into(),
        lanes: vec![Lane::new(
            "<&>",
            vec![Span::new(State::Running, u64::MAX, 3)],
        )],
    };
    let trace: Value = serde_json::from_str(&chrome_json(&[odd])).unwrap();
    let x = trace["traceEvents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["ph"] == "X")
        .unwrap()
        .clone();
    assert_eq!(x["dur"], 0, "an end before the start is no negative time");
}

// --------------------------------------------------------------------- svg

fn parse(text: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse(text).unwrap_or_else(|e| panic!("not XML: {e}\n{text}"))
}

fn with_class<'a>(
    doc: &'a roxmltree::Document<'a>,
    tag: &'a str,
    class: &'a str,
) -> impl Iterator<Item = roxmltree::Node<'a, 'a>> + 'a {
    doc.descendants()
        .filter(move |n| n.has_tag_name(tag) && n.attribute("class") == Some(class))
}

#[test]
fn svg_is_well_formed_with_a_rect_per_span_and_per_lane() {
    for timeline in two_timelines() {
        let text = svg(&timeline);
        let doc = parse(&text);
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "svg");
        assert_eq!(
            root.tag_name().namespace(),
            Some("http://www.w3.org/2000/svg")
        );
        assert_eq!(root.attribute("width"), Some("960"));
        let spans: usize = timeline.lanes.iter().map(|l| l.spans.len()).sum();
        assert_eq!(with_class(&doc, "rect", "span").count(), spans);
        assert_eq!(
            with_class(&doc, "rect", "lane").count(),
            timeline.lanes.len()
        );
        let lane_names: Vec<_> = with_class(&doc, "text", "lane-name")
            .map(|n| {
                n.children()
                    .filter(|c| c.is_text())
                    .map(|c| c.text().unwrap())
                    .collect::<String>()
            })
            .collect();
        assert_eq!(lane_names, names(&timeline));
        // Every bar has a tooltip naming its lane and state.
        for rect in with_class(&doc, "rect", "span") {
            let tooltip = rect
                .children()
                .find(|c| c.has_tag_name("title"))
                .and_then(|t| t.text())
                .unwrap();
            assert!(
                timeline.lanes.iter().any(|l| tooltip.starts_with(&l.name)),
                "{tooltip}"
            );
            assert!(
                State::ALL.iter().any(|s| tooltip.contains(s.name())),
                "{tooltip}"
            );
            let fill = rect.attribute("fill").unwrap();
            assert!(State::ALL.iter().any(|s| s.colour() == fill));
        }
    }
}

#[test]
fn svg_height_grows_with_the_lanes() {
    let height = |lanes: usize| -> f64 {
        let timeline = Timeline {
            title: "t".into(),
            lanes: (0..lanes)
                .map(|i| Lane::new(format!("l{i}"), vec![Span::new(State::Running, 0, 10)]))
                .collect(),
        };
        let text = svg(&timeline);
        parse(&text)
            .root_element()
            .attribute("height")
            .unwrap()
            .parse()
            .unwrap()
    };
    assert!(height(10) > height(2));
    assert_eq!(height(3) - height(2), height(2) - height(1));
}

#[test]
fn svg_legend_lists_exactly_the_states_present() {
    let timeline = &two_timelines()[0];
    let text = svg(timeline);
    let doc = parse(&text);
    let legend: Vec<_> = with_class(&doc, "text", "legend-name")
        .map(|n| n.text().unwrap().to_owned())
        .collect();
    assert_eq!(legend, ["running", "waiting-io", "blocked"]);
    let swatches: Vec<_> = with_class(&doc, "rect", "swatch")
        .map(|n| n.attribute("fill").unwrap().to_owned())
        .collect();
    assert_eq!(
        swatches,
        [State::Running, State::WaitingIo, State::Blocked].map(|s| s.colour().to_owned())
    );
}

#[test]
fn svg_escapes_markup_in_every_text() {
    let nasty = "a<b>&c\"d'e";
    let timeline = Timeline {
        title: nasty.into(),
        lanes: vec![Lane::new(
            nasty,
            vec![Span::new(State::Running, 0, 10).labelled(nasty)],
        )],
    };
    let text = svg(&timeline);
    assert!(!text.contains(nasty));
    assert!(text.contains("a&lt;b&gt;&amp;c&quot;d&apos;e"));
    let doc = parse(&text);
    let title = with_class(&doc, "text", "title").next().unwrap();
    assert_eq!(title.text(), Some(nasty));
    let tooltip = with_class(&doc, "rect", "span")
        .next()
        .unwrap()
        .first_element_child()
        .unwrap()
        .text()
        .unwrap();
    assert!(tooltip.starts_with(nasty) && tooltip.contains(&format!("running: {nasty}")));
}

#[test]
fn svg_survives_odd_input() {
    let long = "x".repeat(500);
    let timeline = Timeline {
        title: "bell \u{7} nul \u{0} fffe \u{FFFE}".into(),
        lanes: vec![
            Lane::new(
                &long,
                vec![Span::new(State::Running, u64::MAX - 1, u64::MAX)],
            ),
            Lane::new(
                "backwards",
                vec![Span::new(State::Hungry, 50, 10).labelled("")],
            ),
        ],
    };
    let text = svg(&timeline);
    let doc = parse(&text);
    let name = with_class(&doc, "text", "lane-name").next().unwrap();
    let shown: String = name
        .children()
        .filter(|c| c.is_text())
        .map(|c| c.text().unwrap())
        .collect();
    assert!(
        shown.chars().count() < 30 && shown.ends_with('…'),
        "{shown}"
    );
    assert_eq!(
        name.first_element_child().unwrap().text(),
        Some(long.as_str())
    );
    assert_eq!(escape("\u{0}\t\u{1F}"), "\u{FFFD}\t\u{FFFD}");
}

#[test]
fn svg_gives_tiny_spans_a_visible_width() {
    let timeline = Timeline {
        title: "t".into(),
        lanes: vec![Lane::new(
            "main",
            vec![
                Span::new(State::Running, 0, 10_000_000),
                Span::new(State::Blocked, 5_000_000, 5_000_000),
            ],
        )],
    };
    let text = svg(&timeline);
    let doc = parse(&text);
    let widths: Vec<f64> = with_class(&doc, "rect", "span")
        .map(|n| n.attribute("width").unwrap().parse().unwrap())
        .collect();
    assert!(widths[0] > 700.0, "{widths:?}");
    assert!(widths[1] >= 1.0, "{widths:?}");
}

#[test]
fn svg_of_an_empty_timeline_says_nothing_recorded() {
    for timeline in [
        Timeline::default(),
        Timeline {
            title: "declared".into(),
            lanes: vec![Lane::new("main", Vec::new())],
        },
    ] {
        let text = svg(&timeline);
        let doc = parse(&text);
        let empty = with_class(&doc, "text", "empty").next().unwrap();
        assert_eq!(empty.text(), Some("nothing recorded"));
        assert_eq!(with_class(&doc, "rect", "span").count(), 0);
        assert_eq!(with_class(&doc, "text", "legend-name").count(), 0);
    }
}

#[test]
fn axis_ticks_step_by_one_two_five_in_a_fitting_unit() {
    assert_eq!(tick_step(1), 1);
    assert_eq!(tick_step(8), 1);
    assert_eq!(tick_step(9), 2);
    assert_eq!(tick_step(17), 5);
    assert_eq!(tick_step(41), 10);
    assert_eq!(tick_step(1_500), 200);
    assert_eq!(tick_step(u64::MAX), 5_000_000_000_000_000_000);
    assert_eq!(
        tick_labels(5),
        ["0 µs", "1 µs", "2 µs", "3 µs", "4 µs", "5 µs"]
    );
    assert_eq!(
        tick_labels(1_500),
        [
            "0.0 ms", "0.2 ms", "0.4 ms", "0.6 ms", "0.8 ms", "1.0 ms", "1.2 ms", "1.4 ms"
        ]
    );
    assert_eq!(
        tick_labels(2_500_000),
        ["0.0 s", "0.5 s", "1.0 s", "1.5 s", "2.0 s", "2.5 s"]
    );
    assert_eq!(
        tick_labels(40_000),
        [
            "0 ms", "5 ms", "10 ms", "15 ms", "20 ms", "25 ms", "30 ms", "35 ms", "40 ms"
        ]
    );
    assert_eq!(tick_labels(0), ["0 µs", "1 µs"]);
    assert!(tick_labels(u64::MAX).len() <= 9);
    assert_eq!(human(12), "12 µs");
    assert_eq!(human(1_500), "1.50 ms");
    assert_eq!(human(2_345_678), "2.35 s");
    assert_eq!(human(250_000), "250 ms");
}

#[test]
fn every_span_carries_its_data_and_an_instant_is_a_tick_on_top() {
    let timeline = Timeline {
        title: "gil".into(),
        lanes: vec![Lane {
            name: "io \"1\"".into(),
            spans: vec![
                Span {
                    state: State::WaitingGil,
                    start_us: 100,
                    end_us: 5_100,
                    label: Some("waits".into()),
                },
                Span {
                    state: State::FailedAcquire,
                    start_us: 2_000,
                    end_us: 2_000,
                    label: None,
                },
            ],
        }],
    };
    let picture = svg_on_axis(&timeline, 10_000);
    assert!(picture.contains(r#"data-end-us="10000""#));
    assert!(picture.contains(r#"<g class="lane-spans" data-lane="io &quot;1&quot;">"#));
    assert!(picture.contains(
        r#"data-state="waiting-gil" data-label="waits" data-start-us="100" data-end-us="5100""#
    ));
    // No label, no attribute.
    assert!(
        picture.contains(r#"data-state="failed-acquire" data-start-us="2000" data-end-us="2000""#)
    );
    let wait = picture.find(r#"data-state="waiting-gil""#).unwrap();
    let instant = picture.find(r#"class="span instant""#).unwrap();
    assert!(instant > wait, "the instant is drawn over the wait");
    assert!(picture.contains(r#"data-state="failed-acquire""#));
    assert!(picture.contains("at 2.00 ms"));
    // The axis is the one asked for, not the timeline's own end.
    assert!(picture.contains(">10 ms<"));
    // A shorter axis than the timeline is stretched to fit it.
    assert!(svg_on_axis(&timeline, 1).contains(r#"data-end-us="5100""#));
}

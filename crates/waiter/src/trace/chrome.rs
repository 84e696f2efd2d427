//! Timelines in the Chrome trace event format, for Perfetto and
//! `chrome://tracing`.
//!
//! The format is a JSON object whose `traceEvents` list holds, here:
//!
//! - per timeline, a process (`pid` 1, 2, …) with `process_name` and
//!   `process_sort_index` metadata events (`"ph": "M"`);
//! - per lane, a thread of that process (`tid` 1, 2, …) with `thread_name`
//!   and `thread_sort_index` metadata events, so the lanes keep their order;
//! - per span, a complete event (`"ph": "X"`) with `ts` and `dur` in
//!   microseconds, named after the span's label (or its state when it has
//!   none), in the state's category, with the state in `args`.

use serde_json::{Value, json};

use super::{Lane, Span, Timeline};

/// The timelines as one Chrome trace (JSON), one process per timeline and
/// one thread per lane. Save it as `trace.json` and open it in
/// [Perfetto](https://ui.perfetto.dev) or `chrome://tracing`.
///
/// ```
/// use waiter::trace::{Lane, Span, State, Timeline, chrome_json};
///
/// let span = Span { state: State::Running, start_us: 10, end_us: 25, label: Some("calc".into()) };
/// let timeline = Timeline {
///     title: "threads".into(),
///     lanes: vec![Lane { name: "worker-0".into(), spans: vec![span] }],
/// };
/// let trace: serde_json::Value = serde_json::from_str(&chrome_json(&[timeline])).unwrap();
/// let events = trace["traceEvents"].as_array().unwrap();
/// let calc = events.iter().find(|e| e["ph"] == "X").unwrap();
/// assert_eq!((calc["name"].as_str(), calc["ts"].as_u64(), calc["dur"].as_u64()),
///            (Some("calc"), Some(10), Some(15)));
/// ```
pub fn chrome_json(timelines: &[Timeline]) -> String {
    let mut events = Vec::new();
    for (pid, timeline) in (1u64..).zip(timelines) {
        let title = if timeline.title.is_empty() {
            format!("timeline {pid}")
        } else {
            timeline.title.clone()
        };
        events.push(metadata(
            "process_name",
            pid,
            None,
            json!({ "name": title }),
        ));
        events.push(metadata(
            "process_sort_index",
            pid,
            None,
            json!({ "sort_index": pid }),
        ));
        for (tid, lane) in (1u64..).zip(&timeline.lanes) {
            lane_events(&mut events, pid, tid, lane);
        }
    }
    json!({
        "traceEvents": events,
        "displayTimeUnit": "ms",
    })
    .to_string()
}

fn lane_events(events: &mut Vec<Value>, pid: u64, tid: u64, lane: &Lane) {
    events.push(metadata(
        "thread_name",
        pid,
        Some(tid),
        json!({ "name": lane.name }),
    ));
    events.push(metadata(
        "thread_sort_index",
        pid,
        Some(tid),
        json!({ "sort_index": tid }),
    ));
    events.extend(lane.spans.iter().map(|span| complete(pid, tid, span)));
}

fn metadata(name: &str, pid: u64, tid: Option<u64>, args: Value) -> Value {
    json!({
        "name": name,
        "ph": "M",
        "pid": pid,
        // Process metadata belongs to no thread; viewers accept tid 0.
        "tid": tid.unwrap_or(0),
        "args": args,
    })
}

fn complete(pid: u64, tid: u64, span: &Span) -> Value {
    let state = span.state.name();
    json!({
        "name": span.label.as_deref().unwrap_or(state),
        "cat": state,
        "ph": "X",
        "ts": span.start_us,
        "dur": span.end_us.saturating_sub(span.start_us),
        "pid": pid,
        "tid": tid,
        "args": { "state": state },
    })
}

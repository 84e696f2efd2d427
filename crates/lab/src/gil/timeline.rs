//! The simulated GIL's records as timeline lanes, and short windows of
//! them.
//!
//! One lane per Python thread: `running` while it held the GIL (from
//! [`Gil::holds`](waiter::gil::Gil::holds)), `waiting-gil` while it wanted
//! it (from [`Gil::waits`](waiter::gil::Gil::waits)), `waiting-io` while
//! it was blocked with the GIL released (recorded by the experiment around
//! the blocking call), and a `failed-acquire` instant each time it woke up
//! and found the GIL taken (from
//! [`Gil::failed_takes`](waiter::gil::Gil::failed_takes)). A run lasts up to seconds; a terminal bar of 60
//! columns shows a 5 ms turn only in a window of a few hundred
//! milliseconds, so the report keeps [`window`]s.

use std::time::Duration;

use waiter::gil::{FailedTake, Gil, GilStats, Hold, Wait};

use crate::duration::micros;
use crate::report::{Lane, Span, State};

/// What the simulated GIL recorded during a run.
#[derive(Clone, Debug, Default)]
pub struct GilRecord {
    /// Thread names, by index.
    pub threads: Vec<String>,
    /// Every hold.
    pub holds: Vec<Hold>,
    /// Every wait for the GIL.
    pub waits: Vec<Wait>,
    /// Every wake-up that found the GIL taken.
    pub failed: Vec<FailedTake>,
    /// The counts.
    pub stats: GilStats,
}

impl GilRecord {
    /// A copy of what `gil` recorded.
    pub fn of(gil: &Gil) -> Self {
        Self {
            threads: gil.threads(),
            holds: gil.holds(),
            waits: gil.waits(),
            failed: gil.failed_takes(),
            stats: gil.stats(),
        }
    }

    /// The most threads holding the GIL at one time, from the holds: 1 if
    /// the lock kept its promise (0 if nobody held it).
    pub fn max_holders(&self) -> usize {
        let mut edges: Vec<(Duration, i32)> = Vec::new();
        for hold in &self.holds {
            edges.push((hold.start, 1));
            edges.push((hold.end, -1));
        }
        // Ends before starts at the same instant: a hand-over is not an
        // overlap.
        edges.sort();
        let (mut now, mut most) = (0i32, 0i32);
        for (_, step) in edges {
            now += step;
            most = most.max(now);
        }
        usize::try_from(most).unwrap_or(0)
    }
}

/// The label of a span during which a thread held the GIL.
pub const HOLDS: &str = "holds the GIL";

/// The label of a span during which a thread waited for it.
pub const WANTS: &str = "waits for the GIL";

/// The label of a wake-up that found the GIL taken after a release.
pub const LOST_RACE: &str = "woken by a release, found the GIL taken again";

/// The label of a wake-up that found the GIL taken when the interval ran out.
pub const STILL_HELD: &str = "its interval ran out, the GIL still taken";

/// Lanes from a GIL's records, one per registered thread, merged with
/// `io` lanes of the same names; spans sorted by start. Lanes named in
/// `order` come first, in that order (threads register in whatever order
/// the scheduler starts them).
pub fn gil_lanes(record: &GilRecord, io: Vec<Lane>, order: &[&str]) -> Vec<Lane> {
    let mut lanes: Vec<Lane> = record
        .threads
        .iter()
        .map(|name| Lane {
            name: name.clone(),
            spans: Vec::new(),
        })
        .collect();
    let span = |state, start: Duration, end: Duration, label: &str| Span {
        state,
        start_us: micros(start),
        end_us: micros(end).max(micros(start)),
        label: Some(label.to_owned()),
    };
    for hold in &record.holds {
        if let Some(lane) = lanes.get_mut(hold.thread) {
            lane.spans
                .push(span(State::Running, hold.start, hold.end, HOLDS));
        }
    }
    for wait in &record.waits {
        if let Some(lane) = lanes.get_mut(wait.thread) {
            lane.spans
                .push(span(State::WaitingGil, wait.start, wait.end, WANTS));
        }
    }
    for failed in &record.failed {
        if let Some(lane) = lanes.get_mut(failed.thread) {
            let label = if failed.signalled {
                LOST_RACE
            } else {
                STILL_HELD
            };
            lane.spans
                .push(span(State::FailedAcquire, failed.at, failed.at, label));
        }
    }
    for extra in io {
        match lanes.iter_mut().find(|l| l.name == extra.name) {
            Some(lane) => lane.spans.extend(extra.spans),
            None => lanes.push(extra),
        }
    }
    for lane in &mut lanes {
        lane.spans.sort_by_key(|s| (s.start_us, s.end_us));
    }
    lanes.sort_by_key(|lane| {
        order
            .iter()
            .position(|&name| name == lane.name)
            .unwrap_or(order.len())
    });
    lanes
}

/// The spans between `from` and `to` (µs), cut to fit and shifted so the
/// window starts at 0. Lanes with nothing in the window stay, empty.
pub fn window(lanes: &[Lane], from: u64, to: u64) -> Vec<Lane> {
    lanes
        .iter()
        .map(|lane| Lane {
            name: lane.name.clone(),
            spans: lane
                .spans
                .iter()
                .filter(|s| {
                    (s.end_us > from || (s.end_us == s.start_us && s.start_us >= from))
                        && s.start_us < to
                })
                .map(|s| Span {
                    state: s.state,
                    start_us: s.start_us.max(from) - from,
                    end_us: s.end_us.min(to).max(s.start_us.max(from)) - from,
                    label: s.label.clone(),
                })
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holds(spans: &[(u64, u64)]) -> GilRecord {
        GilRecord {
            holds: spans
                .iter()
                .map(|&(a, b)| Hold {
                    thread: 0,
                    start: Duration::from_micros(a),
                    end: Duration::from_micros(b),
                })
                .collect(),
            ..GilRecord::default()
        }
    }

    #[test]
    fn holders_are_counted_from_the_holds() {
        assert_eq!(holds(&[]).max_holders(), 0);
        assert_eq!(holds(&[(0, 5), (5, 9), (9, 12)]).max_holders(), 1);
        assert_eq!(holds(&[(0, 5), (4, 9)]).max_holders(), 2);
    }

    use waiter::gil::{FailedTake, Hold, Wait};

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn holds_and_waits_become_spans_on_their_lanes() {
        let record = GilRecord {
            threads: vec!["cpu-1".into(), "io-2".into()],
            holds: vec![
                Hold {
                    thread: 0,
                    start: ms(0),
                    end: ms(5),
                },
                Hold {
                    thread: 1,
                    start: ms(5),
                    end: ms(6),
                },
            ],
            waits: vec![Wait {
                thread: 1,
                start: ms(0),
                end: ms(5),
            }],
            failed: vec![FailedTake {
                thread: 1,
                at: ms(4),
                signalled: false,
            }],
            ..GilRecord::default()
        };
        let io = vec![Lane {
            name: "io-2".into(),
            spans: vec![Span {
                state: State::WaitingIo,
                start_us: 6_000,
                end_us: 20_000,
                label: Some("sleep".into()),
            }],
        }];
        let reordered = gil_lanes(&record, Vec::new(), &["io-2", "cpu-1"]);
        assert_eq!(reordered[0].name, "io-2");
        let lanes = gil_lanes(&record, io, &[]);
        assert_eq!(lanes.len(), 2);
        let states: Vec<State> = lanes[1].spans.iter().map(|s| s.state).collect();
        assert_eq!(
            states,
            [
                State::WaitingGil,
                State::FailedAcquire,
                State::Running,
                State::WaitingIo
            ]
        );
        let failed = &lanes[1].spans[1];
        assert_eq!((failed.start_us, failed.end_us), (4_000, 4_000));
        assert_eq!(failed.label.as_deref(), Some(STILL_HELD));

        let cut = window(&lanes, 4_000, 10_000);
        assert_eq!(cut[0].spans.len(), 1);
        assert_eq!(
            (cut[0].spans[0].start_us, cut[0].spans[0].end_us),
            (0, 1_000)
        );
        let io = cut[1].spans.last().unwrap();
        assert_eq!((io.start_us, io.end_us), (2_000, 6_000));
        // The instant at 4 ms is kept, shifted; outside the window it goes.
        assert!(
            cut[1]
                .spans
                .iter()
                .any(|s| s.state == State::FailedAcquire && s.start_us == 0)
        );
        let later = window(&lanes, 4_500, 10_000);
        assert!(
            !later[1]
                .spans
                .iter()
                .any(|s| s.state == State::FailedAcquire)
        );
    }
}

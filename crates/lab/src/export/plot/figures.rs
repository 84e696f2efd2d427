//! Which plots a report gets, read from its figures and timelines.
//!
//! Every number on a plot comes from the report as it is written to
//! `report.json`: its `figures` (read back through serde, field by field,
//! so a plot never depends on anything the JSON does not hold) and its
//! timelines (the dining philosophers' hunger times and how many ate at
//! once are the spans of their timelines). A figure that is missing or of
//! another shape gives no plot, never a wrong one.

use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::{Axis, Bars, Chart, Line, LineStyle, Lines, Marker, Plot, Series, Unit};
use crate::report::{Report, State, Timeline};

/// The plots for a report, by its id (`greet`, `cores`, `dine`, `gil`);
/// none for other reports.
pub fn plots(report: &Report) -> Vec<Plot> {
    let plots = match report.id.as_str() {
        "greet" => greet(report),
        "cores" => cores(report),
        "dine" => dine(report),
        "gil" => gil(report),
        _ => Vec::new(),
    };
    plots.into_iter().flatten().collect()
}

/// A figure read back into the shape a plot needs.
fn figure<T: DeserializeOwned>(report: &Report, name: &str) -> Option<T> {
    serde_json::from_value(report.figures.get(name)?.clone()).ok()
}

/// `two-threads` → `two threads`.
fn words(name: &str) -> String {
    name.replace('-', " ")
}

fn greet(report: &Report) -> Vec<Option<Plot>> {
    #[derive(Deserialize)]
    struct Mode {
        mode: String,
        ask_us: u64,
        calc_us: u64,
        total_us: u64,
    }
    let modes: Option<Vec<Mode>> = figure(report, "modes");
    vec![modes.filter(|m| !m.is_empty()).map(|modes| {
        Plot {
            id: "greet-parts".into(),
            title: "ask_user and complex_calculation, per mode".into(),
            caption: "Each bar stacks the two parts; the black line is the wall-clock total. \
                  One thread: the total is the whole stack. Two threads or a pool: the parts \
                  overlap, so the total drops to about the longer part."
                .into(),
            chart: Chart::Bars(Bars {
                categories: modes.iter().map(|m| words(&m.mode)).collect(),
                series: vec![
                    Series::new(
                        "ask_user",
                        modes.iter().map(|m| Some(m.ask_us as f64)).collect(),
                    ),
                    Series::new(
                        "complex_calculation",
                        modes.iter().map(|m| Some(m.calc_us as f64)).collect(),
                    ),
                ],
                stacked: true,
                totals: Some(Series::new(
                    "total (wall clock)",
                    modes.iter().map(|m| Some(m.total_us as f64)).collect(),
                )),
                unit: Unit::Micros,
                axis: "time".into(),
                log: false,
            }),
        }
    })]
}

fn cores(report: &Report) -> Vec<Option<Plot>> {
    #[derive(Deserialize)]
    struct Run {
        threads: f64,
        speedup: f64,
        voluntary: f64,
        involuntary: f64,
    }
    #[derive(Deserialize)]
    struct Summary {
        median_ns: f64,
        p99_ns: f64,
    }
    #[derive(Deserialize)]
    struct Cost {
        cost: String,
        summary: Summary,
    }
    let runs: Option<Vec<Run>> = figure::<Vec<Run>>(report, "runs").filter(|r| !r.is_empty());
    let cpus: Option<f64> = figure(report, "cpus");
    let markers: Vec<Marker> = cpus
        .map(|cpus| Marker {
            x: cpus,
            label: format!("{cpus} cores"),
        })
        .into_iter()
        .collect();

    let speedup = runs.as_ref().map(|runs| {
        let most = runs.iter().map(|r| r.threads).fold(1.0, f64::max);
        Plot {
            id: "cores-speedup".into(),
            title: "Speed-up against threads".into(),
            caption: "The same work split over k threads. Up to the core count the speed-up \
                      follows the dashed ideal; past it, threads only take turns on the cores \
                      and the speed-up stays flat."
                .into(),
            chart: Chart::Lines(Lines {
                x: Axis::linear("threads", Unit::Count),
                y: Axis::linear("speed-up", Unit::Times),
                lines: vec![
                    Line::new(
                        "ideal: k threads, k times faster",
                        vec![(1.0, 1.0), (most, most)],
                    )
                    .style(LineStyle::Guide),
                    Line::new(
                        "measured",
                        runs.iter().map(|r| (r.threads, r.speedup)).collect(),
                    ),
                ],
                markers: markers.clone(),
            }),
        }
    });
    let switches = runs.as_ref().map(|runs| Plot {
        id: "cores-switches".into(),
        title: "Context switches against threads".into(),
        caption: "Involuntary switches are the OS taking a core from a thread whose time \
                  slice ran out: they climb once there are more threads than cores. \
                  Voluntary ones are a thread giving the core up (waiting)."
            .into(),
        chart: Chart::Lines(Lines {
            x: Axis::linear("threads", Unit::Count),
            y: Axis::linear("context switches", Unit::Count),
            lines: vec![
                Line::new(
                    "involuntary (preempted)",
                    runs.iter().map(|r| (r.threads, r.involuntary)).collect(),
                ),
                Line::new(
                    "voluntary (gave the core up)",
                    runs.iter().map(|r| (r.threads, r.voluntary)).collect(),
                ),
            ],
            markers,
        }),
    });
    let costs: Option<Vec<Cost>> = figure::<Vec<Cost>>(report, "costs").filter(|c| !c.is_empty());
    let ladder = costs.map(|mut costs| {
        costs.sort_by(|a, b| a.summary.median_ns.total_cmp(&b.summary.median_ns));
        Plot {
            id: "cores-costs".into(),
            title: "What things cost (log scale)".into(),
            caption: "Each step up the ladder is about ten times dearer: a message or a pool \
                      task costs microseconds, a thread tens of them, a process a millisecond. \
                      Equal steps on this axis are equal ratios."
                .into(),
            chart: Chart::Bars(Bars {
                categories: costs.iter().map(|c| words(&c.cost)).collect(),
                series: vec![
                    Series::new(
                        "median",
                        costs.iter().map(|c| Some(c.summary.median_ns)).collect(),
                    ),
                    Series::new(
                        "p99",
                        costs.iter().map(|c| Some(c.summary.p99_ns)).collect(),
                    ),
                ],
                stacked: false,
                totals: None,
                unit: Unit::Nanos,
                axis: "cost".into(),
                log: true,
            }),
        }
    });
    vec![speedup, switches, ladder]
}

fn dine(report: &Report) -> Vec<Option<Plot>> {
    #[derive(Deserialize)]
    struct Outcome {
        strategy: String,
        meals_per_s: f64,
        #[serde(default)]
        deadlock: Option<serde_json::Value>,
    }
    let outcomes: Option<Vec<Outcome>> =
        figure::<Vec<Outcome>>(report, "outcomes").filter(|o| !o.is_empty());
    // A strategy that deadlocked: its hungry spells were cut short by the
    // run's end, not ended by a meal.
    let deadlocked: Vec<String> = outcomes
        .iter()
        .flatten()
        .filter(|o| o.deadlock.as_ref().is_some_and(|d| !d.is_null()))
        .map(|o| o.strategy.clone())
        .collect();
    let meals = outcomes.map(|outcomes| Plot {
        id: "dine-meals".into(),
        title: "Meals per second, per strategy".into(),
        caption: "How much eating each way of sharing the forks gets done in the same time. \
                  A strategy that deadlocks stops eating."
            .into(),
        chart: Chart::Bars(Bars {
            categories: outcomes.iter().map(|o| o.strategy.clone()).collect(),
            series: vec![Series::new(
                "meals per second",
                outcomes.iter().map(|o| Some(o.meals_per_s)).collect(),
            )],
            stacked: false,
            totals: None,
            unit: Unit::PerSecond,
            axis: "meals".into(),
            log: false,
        }),
    });

    // The strategy is the timeline's title up to its colon.
    let strategies: Vec<(String, &Timeline)> = report
        .timelines
        .iter()
        .map(|t| (t.title.split(':').next().unwrap_or("").to_owned(), t))
        .collect();
    let hunger_lines: Vec<Line> = strategies
        .iter()
        .filter(|(name, _)| !deadlocked.contains(name))
        .filter_map(|(name, timeline)| {
            let mut waits: Vec<f64> = timeline
                .lanes
                .iter()
                .flat_map(|lane| &lane.spans)
                .filter(|s| s.state == State::Hungry)
                .map(|s| s.end_us.saturating_sub(s.start_us) as f64)
                .collect();
            if waits.is_empty() {
                return None;
            }
            waits.sort_by(f64::total_cmp);
            let n = waits.len() as f64;
            let mut points = vec![(0.0, 0.0)];
            points.extend(
                waits
                    .iter()
                    .enumerate()
                    .map(|(i, w)| (*w, (i + 1) as f64 / n)),
            );
            Some(Line::new(name.clone(), points).style(LineStyle::Steps))
        })
        .collect();
    let left_out = if deadlocked.is_empty() {
        String::new()
    } else {
        format!(
            " Left out: {}, which deadlocked (nobody's hunger ended in a meal).",
            deadlocked.join(", ")
        )
    };
    let hunger = (!hunger_lines.is_empty()).then(|| Plot {
        id: "dine-hunger".into(),
        title: "How long philosophers stay hungry".into(),
        caption: format!(
            "For each strategy, the share of hungry spells (in the timelines below) that \
             ended within a given time. A curve to the left means short waits; a long \
             tail to the right means someone waited long.{left_out}"
        ),
        chart: Chart::Lines(Lines {
            x: Axis::linear("hungry for", Unit::Micros),
            y: Axis::linear("share of hungry spells", Unit::Share),
            lines: hunger_lines,
            markers: Vec::new(),
        }),
    });

    let shares: Vec<(String, Vec<f64>)> = strategies
        .iter()
        .filter_map(|(name, timeline)| Some((name.clone(), eating_shares(timeline)?)))
        .collect();
    let most = shares.iter().map(|(_, s)| s.len()).max().unwrap_or(0);
    let eaters = (most > 0).then(|| Plot {
        id: "dine-eaters".into(),
        title: "How many eat at once".into(),
        caption: "The share of time (in the timelines below) during which 0, 1, 2… \
                  philosophers were eating. With five forks, never more than two: more \
                  would need a fork twice."
            .into(),
        chart: Chart::Bars(Bars {
            categories: (0..most).map(|k| format!("{k} eating")).collect(),
            series: shares
                .iter()
                .map(|(name, share)| {
                    Series::new(
                        name.clone(),
                        (0..most)
                            .map(|k| Some(share.get(k).copied().unwrap_or(0.0)))
                            .collect(),
                    )
                })
                .collect(),
            stacked: false,
            totals: None,
            unit: Unit::Share,
            axis: "share of time".into(),
            log: false,
        }),
    });
    vec![meals, hunger, eaters]
}

/// The share of a timeline's length during which k lanes were eating, for
/// k = 0, 1, …; `None` for a timeline without time.
fn eating_shares(timeline: &Timeline) -> Option<Vec<f64>> {
    let end = timeline.end_us();
    if end == 0 {
        return None;
    }
    let mut changes: Vec<(u64, i64)> = timeline
        .lanes
        .iter()
        .flat_map(|lane| &lane.spans)
        .filter(|s| s.state == State::Eating && s.end_us > s.start_us)
        .flat_map(|s| [(s.start_us, 1), (s.end_us, -1)])
        .collect();
    changes.sort_unstable();
    let mut time_with: Vec<u64> = vec![0];
    let (mut eating, mut since) = (0i64, 0u64);
    for (at, step) in changes {
        let k = usize::try_from(eating.max(0)).unwrap_or(0);
        if time_with.len() <= k {
            time_with.resize(k + 1, 0);
        }
        time_with[k] += at - since;
        eating += step;
        since = at;
    }
    time_with[0] += end - since;
    Some(time_with.iter().map(|t| *t as f64 / end as f64).collect())
}

fn gil(report: &Report) -> Vec<Option<Plot>> {
    #[derive(Deserialize)]
    struct Row {
        workload: String,
        mode: String,
        speedup: Option<f64>,
    }
    #[derive(Deserialize)]
    struct Interval {
        secs: u64,
        nanos: u64,
    }
    #[derive(Deserialize)]
    struct Case {
        client: String,
        cpu_threads: usize,
        interval: Interval,
    }
    #[derive(Deserialize)]
    struct Latency {
        median: f64,
        p99: f64,
    }
    #[derive(Deserialize)]
    struct Convoy {
        case: Case,
        simulated: Option<Latency>,
        cpython: Option<Latency>,
    }

    /// The modes in the order they are compared, Rust beside CPython.
    const MODES: [(&str, &str); 7] = [
        ("threads", "threads, Rust"),
        ("threads-gil", "threads, simulated GIL"),
        ("py-threads", "threads, CPython"),
        ("processes", "processes, Rust"),
        ("py-processes", "processes, CPython"),
        ("async", "async, tokio"),
        ("py-asyncio", "async, asyncio"),
    ];
    let rows: Option<Vec<Row>> = figure::<Vec<Row>>(report, "rows").filter(|r| !r.is_empty());
    let speedups = rows.map(|rows| {
        let mut workloads: Vec<String> = Vec::new();
        for row in &rows {
            if !workloads.contains(&row.workload) {
                workloads.push(row.workload.clone());
            }
        }
        let series = MODES
            .iter()
            .filter(|(mode, _)| rows.iter().any(|r| r.mode == *mode))
            .map(|(mode, name)| {
                let values = workloads
                    .iter()
                    .map(|w| {
                        rows.iter()
                            .find(|r| r.workload == *w && r.mode == *mode)
                            .and_then(|r| r.speedup)
                    })
                    .collect();
                Series::new(*name, values)
            })
            .collect();
        Plot {
            id: "gil-speedups".into(),
            title: "Speed-up over one after the other, per mode".into(),
            caption: "Two units of work, each way. On CPU work, Rust threads reach about 2× \
                      on two cores; threads under a GIL (simulated, or CPython's) stay near 1×, \
                      and processes escape it. On I/O work every mode overlaps the waits."
                .into(),
            chart: Chart::Bars(Bars {
                categories: workloads.iter().map(|w| format!("{w} work")).collect(),
                series,
                stacked: false,
                totals: None,
                unit: Unit::Times,
                axis: "speed-up".into(),
                log: false,
            }),
        }
    });

    let convoy: Option<Vec<Convoy>> = figure(report, "convoy");
    let mut cases: Vec<Convoy> = convoy
        .unwrap_or_default()
        .into_iter()
        .filter(|c| c.case.client == "thread" && c.case.cpu_threads == 1)
        .collect();
    let interval =
        |c: &Convoy| c.case.interval.secs as f64 * 1e6 + c.case.interval.nanos as f64 / 1e3;
    cases.sort_by(|a, b| interval(a).total_cmp(&interval(b)));
    let convoy = (cases.len() >= 2).then(|| {
        let line = |name: &str, pick: &dyn Fn(&Convoy) -> Option<f64>, style| {
            Line::new(
                name,
                cases
                    .iter()
                    .filter_map(|c| Some((interval(c), pick(c)?)))
                    .collect(),
            )
            .style(style)
        };
        let (first, last) = (interval(&cases[0]), interval(&cases[cases.len() - 1]));
        Plot {
            id: "gil-convoy".into(),
            title: "Echo round trip against switch interval (log–log)".into(),
            caption: "An echo thread answering while one CPU-bound thread runs. When the \
                      answer waits for the GIL, the round trip follows the switch interval \
                      (the grey diagonal): ten times the interval, ten times the wait. \
                      Simulated and CPython, median and p99."
                .into(),
            chart: Chart::Lines(Lines {
                x: Axis::log("switch interval", Unit::Micros),
                y: Axis::log("round trip", Unit::Micros),
                lines: vec![
                    Line::new("one interval", vec![(first, first), (last, last)])
                        .style(LineStyle::Guide),
                    line(
                        "simulated, median",
                        &|c| c.simulated.as_ref().map(|l| l.median),
                        LineStyle::Solid,
                    ),
                    line(
                        "simulated, p99",
                        &|c| c.simulated.as_ref().map(|l| l.p99),
                        LineStyle::Dashed,
                    ),
                    line(
                        "CPython, median",
                        &|c| c.cpython.as_ref().map(|l| l.median),
                        LineStyle::Solid,
                    ),
                    line(
                        "CPython, p99",
                        &|c| c.cpython.as_ref().map(|l| l.p99),
                        LineStyle::Dashed,
                    ),
                ],
                markers: Vec::new(),
            }),
        }
    });
    let convoy = convoy.map(|mut plot| {
        if let Chart::Lines(lines) = &mut plot.chart {
            // CPython's lines when it did not run: none.
            lines.lines.retain(|line| !line.points.is_empty());
        }
        plot
    });
    vec![speedups, convoy]
}

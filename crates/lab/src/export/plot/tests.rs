use super::*;

fn bars(stacked: bool, log: bool) -> Plot {
    Plot {
        id: "p".into(),
        title: "Parts <per> mode".into(),
        caption: "c".into(),
        chart: Chart::Bars(Bars {
            categories: vec!["sequential".into(), "two threads".into(), "pool".into()],
            series: vec![
                Series::new("ask", vec![Some(1.5e6), Some(1.5e6), None]),
                Series::new("calc & co", vec![Some(4e5), Some(4.2e5), Some(4.1e5)]),
            ],
            stacked,
            totals: None,
            unit: Unit::Micros,
            axis: "time".into(),
            log,
        }),
    }
}

fn lines() -> Plot {
    Plot {
        id: "l".into(),
        title: "Speed-up".into(),
        caption: "c".into(),
        chart: Chart::Lines(Lines {
            x: Axis::linear("threads", Unit::Count),
            y: Axis::linear("speed-up", Unit::Times),
            lines: vec![
                Line::new("ideal", vec![(1.0, 1.0), (4.0, 4.0)]).style(LineStyle::Guide),
                Line::new("measured", vec![(1.0, 1.0), (2.0, 1.9), (4.0, 2.0)]),
                Line::new("p99", vec![(1.0, 1.1), (2.0, 2.1), (4.0, 2.4)]).style(LineStyle::Dashed),
            ],
            markers: vec![Marker {
                x: 2.0,
                label: "2 cores".into(),
            }],
        }),
    }
}

fn count(svg: &str, needle: &str) -> usize {
    svg.matches(needle).count()
}

#[test]
fn a_bar_per_value_and_none_for_a_missing_one() {
    for stacked in [false, true] {
        let drawn = bars(stacked, false).render();
        assert_eq!(drawn.marks, 5);
        assert_eq!(count(&drawn.svg, r#"class="mark bar""#), 5);
        assert!(drawn.svg.contains(r#"data-marks="5""#));
    }
}

#[test]
fn the_text_fallback_says_every_number_with_its_unit() {
    let drawn = bars(false, false).render();
    assert!(
        drawn
            .text
            .contains("sequential: ask 1.50 s, calc & co 400.0 ms"),
        "{}",
        drawn.text
    );
    assert!(
        drawn.text.contains("pool: calc & co 410.0 ms"),
        "{}",
        drawn.text
    );
    assert!(
        drawn
            .svg
            .contains("<desc>time. sequential: ask 1.50 s, calc &amp; co 400.0 ms")
    );
    assert!(drawn.svg.contains("<title>Parts &lt;per&gt; mode</title>"));
    assert!(drawn.svg.contains(r#"role="img""#));
    assert!(
        drawn
            .svg
            .contains("aria-label=\"Parts &lt;per&gt; mode. time.")
    );
}

#[test]
fn the_svg_is_one_well_formed_document() {
    for plot in [
        bars(false, false),
        bars(true, false),
        bars(false, true),
        lines(),
    ] {
        let drawn = plot.render();
        assert_eq!(count(&drawn.svg, "<svg"), 1);
        assert!(drawn.svg.ends_with("</svg>"));
        let parsed = roxmltree_free_check(&drawn.svg);
        assert!(parsed, "{}", drawn.svg);
    }
}

/// Every opened element is closed (a cheap check without an XML parser).
fn roxmltree_free_check(svg: &str) -> bool {
    let html = scraper::Html::parse_fragment(svg);
    html.errors.is_empty()
}

#[test]
fn a_log_axis_ticks_at_powers_of_ten() {
    let plot = Plot {
        id: "ladder".into(),
        title: "Costs".into(),
        caption: String::new(),
        chart: Chart::Bars(Bars {
            categories: vec![
                "message".into(),
                "pool task".into(),
                "thread".into(),
                "process".into(),
            ],
            series: vec![Series::new(
                "cost",
                vec![Some(120.0), Some(900.0), Some(25_000.0), Some(1.2e6)],
            )],
            stacked: false,
            totals: None,
            unit: Unit::Nanos,
            axis: "cost".into(),
            log: true,
        }),
    };
    let drawn = plot.render();
    assert_eq!(drawn.marks, 4);
    // plotters puts each tick label on a line of its own.
    for tick in [
        "100 ns",
        "1.0 µs",
        "10.0 µs",
        "100.0 µs",
        "1.0 ms",
        "10.0 ms",
    ] {
        assert!(
            drawn.svg.contains(&format!("\n{tick}\n")),
            "no tick {tick}: {}",
            drawn.svg
        );
    }
}

#[test]
fn lines_have_points_guides_and_markers() {
    let drawn = lines().render();
    // Two measured lines with three points each; the guide is no mark.
    assert_eq!(count(&drawn.svg, r#"class="mark point""#), 6);
    assert_eq!(count(&drawn.svg, r#"class="mark line""#), 2);
    assert_eq!(count(&drawn.svg, r#"class="guide""#), 1);
    assert_eq!(drawn.marks, 8);
    assert!(drawn.svg.contains(">2 cores<"));
    assert!(
        drawn.text.contains("measured: 1 → 1×, 2 → 1.9×, 4 → 2×"),
        "{}",
        drawn.text
    );
    assert!(drawn.text.contains("marked: 2 cores at 2"));
    // The legend names every line.
    assert_eq!(count(&drawn.svg, r#"class="legend-name""#), 3);
    for name in ["ideal", "measured", "p99"] {
        assert!(drawn.svg.contains(&format!(">{name}</text>")), "{name}");
    }
}

#[test]
fn a_plot_of_nothing_says_so() {
    let plot = Plot {
        id: "e".into(),
        title: "Empty".into(),
        caption: String::new(),
        chart: Chart::Lines(Lines {
            x: Axis::log("interval", Unit::Micros),
            y: Axis::log("round trip", Unit::Micros),
            lines: vec![Line::new("none", vec![(0.0, f64::NAN)])],
            markers: vec![],
        }),
    };
    let drawn = plot.render();
    assert_eq!(drawn.marks, 0);
    assert!(drawn.svg.contains("nothing measured"));
}

#[test]
fn long_category_names_wrap_onto_two_lines() {
    let mut plot = bars(false, false);
    if let Chart::Bars(bars) = &mut plot.chart {
        bars.categories = (0..8)
            .map(|i| format!("a rather long name number {i}"))
            .collect();
        bars.series = vec![Series::new(
            "v",
            (0..8).map(|i| Some(f64::from(i + 1))).collect(),
        )];
    }
    let drawn = plot.render();
    assert_eq!(count(&drawn.svg, "<tspan"), 16, "{}", drawn.svg);
}

#[test]
fn units_read_like_people_write_them() {
    assert_eq!(Unit::Times.format(1.954), "1.95×");
    assert_eq!(Unit::Times.format(2.0), "2×");
    assert_eq!(Unit::PerSecond.format(48.25), "48.25/s");
    assert_eq!(Unit::PerSecond.format(12_500.0), "12.5k/s");
    assert_eq!(Unit::Share.format(0.354), "35.4%");
    assert_eq!(Unit::Count.format(3.0), "3");
    assert_eq!(Unit::Micros.format(1_500_000.0), "1.50 s");
    assert_eq!(Unit::Nanos.format(689.0), "689 ns");
}

mod from_reports {
    //! The plots of a report come from its figures and timelines, as
    //! they are in `report.json`.

    use serde_json::json;

    use super::super::*;
    use crate::report::{Lane, Report, Span, State, Timeline};

    fn report(id: &str, figures: serde_json::Value) -> Report {
        let mut report = Report::new(id, id);
        for (name, value) in figures.as_object().unwrap() {
            report.set_figure(name, value);
        }
        // Through JSON and back, as a reader of report.json would get it.
        serde_json::from_str(&serde_json::to_string(&report).unwrap()).unwrap()
    }

    fn bars(plot: &Plot) -> &Bars {
        match &plot.chart {
            Chart::Bars(bars) => bars,
            Chart::Lines(_) => panic!("{} is not bars", plot.id),
        }
    }

    fn lines(plot: &Plot) -> &Lines {
        match &plot.chart {
            Chart::Lines(lines) => lines,
            Chart::Bars(_) => panic!("{} is not lines", plot.id),
        }
    }

    #[test]
    fn greet_stacks_the_parts_and_marks_the_total() {
        let report = report(
            "greet",
            json!({"modes": [
                {"mode": "sequential", "ask_us": 300, "calc_us": 900, "total_us": 1200},
                {"mode": "two-threads", "ask_us": 310, "calc_us": 910, "total_us": 915}
            ]}),
        );
        let plots = plots(&report);
        assert_eq!(plots.len(), 1);
        let greet = bars(&plots[0]);
        assert!(greet.stacked);
        assert_eq!(greet.categories, ["sequential", "two threads"]);
        assert_eq!(greet.series[0].values, [Some(300.0), Some(310.0)]);
        assert_eq!(greet.series[1].values, [Some(900.0), Some(910.0)]);
        assert_eq!(
            greet.totals.as_ref().unwrap().values,
            [Some(1200.0), Some(915.0)]
        );
        let drawn = plots[0].render();
        assert_eq!(drawn.marks, 6);
        assert!(
            drawn.text.contains("total (wall clock) 915"),
            "{}",
            drawn.text
        );
    }

    #[test]
    fn a_missing_or_misshapen_figure_gives_no_plot() {
        assert!(plots(&report("greet", json!({}))).is_empty());
        assert!(plots(&report("greet", json!({"modes": "three"}))).is_empty());
        assert!(plots(&report("cores", json!({"runs": [], "costs": []}))).is_empty());
        assert!(plots(&report("order", json!({"runs": 3}))).is_empty());
    }

    #[test]
    fn cores_speedup_has_the_ideal_and_the_cores_and_costs_climb_a_log_ladder() {
        let report = report(
            "cores",
            json!({
                "cpus": 2,
                "runs": [
                    {"threads": 1, "speedup": 1.0, "voluntary": 0, "involuntary": 5},
                    {"threads": 2, "speedup": 1.9, "voluntary": 1, "involuntary": 9},
                    {"threads": 4, "speedup": 1.95, "voluntary": 2, "involuntary": 80}
                ],
                "costs": [
                    {"cost": "process-start", "summary": {"median_ns": 1.2e6, "p99_ns": 2e6}},
                    {"cost": "pool-task", "summary": {"median_ns": 900.0, "p99_ns": 4e4}}
                ]
            }),
        );
        let plots = plots(&report);
        let ids: Vec<&str> = plots.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["cores-speedup", "cores-switches", "cores-costs"]);
        let speedup = lines(&plots[0]);
        assert_eq!(speedup.lines[0].style, LineStyle::Guide);
        assert_eq!(speedup.lines[0].points, [(1.0, 1.0), (4.0, 4.0)]);
        assert_eq!(
            speedup.lines[1].points,
            [(1.0, 1.0), (2.0, 1.9), (4.0, 1.95)]
        );
        assert_eq!(speedup.markers[0].x, 2.0);
        assert_eq!(lines(&plots[1]).lines[0].points[2], (4.0, 80.0));
        let ladder = bars(&plots[2]);
        assert!(ladder.log);
        // Cheapest first.
        assert_eq!(ladder.categories, ["pool task", "process start"]);
        assert_eq!(ladder.series[0].values, [Some(900.0), Some(1.2e6)]);
    }

    fn philosopher_timeline(strategy: &str, spans: &[(State, u64, u64)]) -> Timeline {
        Timeline {
            title: format!("{strategy}: the first 250.0 ms"),
            lanes: spans
                .iter()
                .enumerate()
                .map(|(i, (state, start, end))| Lane {
                    name: format!("P{i}"),
                    spans: vec![Span {
                        state: *state,
                        start_us: *start,
                        end_us: *end,
                        label: None,
                    }],
                })
                .collect(),
        }
    }

    #[test]
    fn dine_hunger_and_eaters_come_from_the_timelines_and_a_deadlock_is_left_out() {
        let mut report = report(
            "dine",
            json!({"outcomes": [
                {"strategy": "naive", "meals_per_s": 0.0, "deadlock": {"after_us": 11000}},
                {"strategy": "waiter", "meals_per_s": 116.6, "deadlock": null}
            ]}),
        );
        report.timelines = vec![
            philosopher_timeline("naive", &[(State::Hungry, 0, 100)]),
            // Two eat from 0 to 50, one from 50 to 100; hungry for 10 and 30.
            philosopher_timeline(
                "waiter",
                &[
                    (State::Eating, 0, 50),
                    (State::Eating, 0, 50),
                    (State::Eating, 50, 100),
                    (State::Hungry, 0, 10),
                    (State::Hungry, 20, 50),
                ],
            ),
        ];
        let plots = plots(&report);
        let ids: Vec<&str> = plots.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["dine-meals", "dine-hunger", "dine-eaters"]);
        assert_eq!(bars(&plots[0]).series[0].values, [Some(0.0), Some(116.6)]);
        let hunger = lines(&plots[1]);
        assert_eq!(hunger.lines.len(), 1, "naive deadlocked: left out");
        assert_eq!(hunger.lines[0].name, "waiter");
        assert_eq!(
            hunger.lines[0].points,
            [(0.0, 0.0), (10.0, 0.5), (30.0, 1.0)]
        );
        assert!(plots[1].caption.contains("Left out: naive"));
        let eaters = bars(&plots[2]);
        assert_eq!(eaters.categories, ["0 eating", "1 eating", "2 eating"]);
        // naive: nobody ate; waiter: half the time two, half the time one.
        assert_eq!(eaters.series[0].values, [Some(1.0), Some(0.0), Some(0.0)]);
        assert_eq!(eaters.series[1].values, [Some(0.0), Some(0.5), Some(0.5)]);
    }

    #[test]
    fn gil_puts_rust_beside_cpython_and_the_convoy_on_log_axes() {
        let interval = |ms: u64| json!({"secs": 0, "nanos": ms * 1_000_000});
        let report = report(
            "gil",
            json!({
                "rows": [
                    {"workload": "cpu", "mode": "threads", "speedup": 1.9},
                    {"workload": "cpu", "mode": "py-threads", "speedup": 1.0},
                    {"workload": "io", "mode": "threads", "speedup": 2.0},
                    {"workload": "io", "mode": "py-threads", "speedup": null}
                ],
                "convoy": [
                    {"case": {"client": "thread", "cpu_threads": 1, "interval": interval(50)},
                     "simulated": {"median": 50000.0, "p99": 60000.0}, "cpython": null},
                    {"case": {"client": "thread", "cpu_threads": 1, "interval": interval(1)},
                     "simulated": {"median": 1000.0, "p99": 2000.0}, "cpython": null},
                    {"case": {"client": "process", "cpu_threads": 1, "interval": interval(5)},
                     "simulated": {"median": 1.0, "p99": 1.0}, "cpython": null}
                ]
            }),
        );
        let plots = plots(&report);
        let speedups = bars(&plots[0]);
        assert_eq!(speedups.categories, ["cpu work", "io work"]);
        let names: Vec<&str> = speedups.series.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["threads, Rust", "threads, CPython"]);
        assert_eq!(speedups.series[1].values, [Some(1.0), None]);
        let convoy = lines(&plots[1]);
        assert!(convoy.x.log && convoy.y.log);
        // CPython did not run: no lines for it; the process client is
        // another comparison.
        let names: Vec<&str> = convoy.lines.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(
            names,
            ["one interval", "simulated, median", "simulated, p99"]
        );
        assert_eq!(
            convoy.lines[1].points,
            [(1000.0, 1000.0), (50_000.0, 50_000.0)]
        );
    }
}

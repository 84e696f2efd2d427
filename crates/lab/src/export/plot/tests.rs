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

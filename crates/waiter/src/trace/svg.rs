//! A timeline as an SVG picture: one lane per thread, one colour per state.
//!
//! The picture is self-contained (no fonts, styles or scripts to fetch):
//! the title, a legend of the states that occur, a band per lane with its
//! name on the left, a bar per span in its state's [colour](State::colour)
//! with a tooltip (`<title>`) saying lane, state, label and times, and a
//! time axis whose ticks step by 1, 2 or 5 times a power of ten, labelled
//! in µs, ms or s depending on the length of the timeline. Every element
//! has a `class` (`title`, `swatch`, `lane`, `lane-name`, `span`, `tick`…)
//! for whoever styles or inspects it.
//!
//! The picture also carries what a script needs to redraw it at another
//! zoom without the timeline's data: the plot's left and right edges and
//! the time they stand for on the `<svg>` (`data-plot-left`,
//! `data-plot-right`, `data-end-us`), on each lane's group of spans its
//! name (`data-lane`), and on every span its state, label (if any), start
//! and end (`data-state`, `data-label`, `data-start-us`, `data-end-us`). A [`State::FailedAcquire`] span is an
//! instant: a red tick across its lane (class `span instant`).

use std::fmt::Write as _;

use super::{Lane, Span, State, Timeline};

/// Width of the picture, in pixels.
const WIDTH: f64 = 960.0;
/// Space around everything.
const MARGIN: f64 = 12.0;
/// Where the plot starts: after the lane names.
const PLOT_LEFT: f64 = 170.0;
/// Where the plot ends.
const PLOT_RIGHT: f64 = WIDTH - 20.0;
/// Top of the first lane, below the title and the legend.
const LANES_TOP: f64 = 60.0;
/// Height of a lane, and of a span's bar in it.
const LANE_HEIGHT: f64 = 24.0;
const BAR_HEIGHT: f64 = 16.0;
/// Below the last lane: the axis and its labels.
const AXIS_HEIGHT: f64 = 34.0;
/// The narrowest bar drawn, so a span of a microsecond stays visible.
const MIN_BAR_WIDTH: f64 = 1.0;
/// The width of an instant's tick (a failed acquisition).
const INSTANT_WIDTH: f64 = 2.0;
/// Lane names longer than this are cut (the full name is in a tooltip).
const MAX_NAME_CHARS: usize = 21;
/// About how many ticks the axis gets, at most.
const TARGET_TICKS: u64 = 8;

/// Writes a line of SVG; writing to a `String` cannot fail.
macro_rules! put {
    ($out:expr, $($arg:tt)*) => {
        let _ = writeln!($out, $($arg)*);
    };
}

/// The timeline as a self-contained SVG document, 960 pixels wide and as
/// tall as its lanes need. A timeline without spans gives a picture that
/// says "nothing recorded". All text is XML-escaped, and characters XML
/// cannot carry are replaced by `�`, so any lane name or label is safe.
///
/// ```
/// use waiter::trace::{Lane, Span, State, Timeline, svg};
///
/// let span = Span { state: State::WaitingIo, start_us: 0, end_us: 1_500_000, label: Some("ask_user".into()) };
/// let timeline = Timeline {
///     title: "greet <sequential>".into(),
///     lanes: vec![Lane { name: "main".into(), spans: vec![span] }],
/// };
/// let picture = svg(&timeline);
/// assert!(picture.starts_with("<svg"));
/// assert!(picture.contains("greet &lt;sequential&gt;"));
/// assert!(picture.contains("1.0 s")); // an axis tick
/// ```
pub fn svg(timeline: &Timeline) -> String {
    svg_on_axis(timeline, timeline.end_us())
}

/// Like [`svg()`], on a time axis from 0 to `end_us` (at least the end of
/// the timeline's last span): timelines drawn on the same axis can be
/// compared by eye, a millimetre standing for the same time in each.
///
/// ```
/// use waiter::trace::{Lane, Span, State, Timeline, svg_on_axis};
///
/// let span = Span { state: State::Running, start_us: 0, end_us: 1_000, label: None };
/// let short = Timeline { title: "short".into(), lanes: vec![Lane { name: "main".into(), spans: vec![span] }] };
/// let picture = svg_on_axis(&short, 4_000);
/// assert!(picture.contains(r#"data-end-us="4000""#));
/// assert!(picture.contains(">4.0 ms<")); // the axis goes on past the span
/// ```
pub fn svg_on_axis(timeline: &Timeline, end_us: u64) -> String {
    let end_us = end_us.max(timeline.end_us());
    let lanes = timeline.lanes.len();
    let lanes_bottom = LANES_TOP + LANE_HEIGHT * lanes.max(1) as f64;
    let height = lanes_bottom + AXIS_HEIGHT;
    let title = if timeline.title.is_empty() {
        "timeline"
    } else {
        &timeline.title
    };

    let mut out = String::new();
    put!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="timeline-svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12" role="img" data-plot-left="{PLOT_LEFT}" data-plot-right="{PLOT_RIGHT}" data-end-us="{}">"#,
        end_us.max(1)
    );
    put!(out, "<title>{}</title>", escape(title));
    put!(
        out,
        r##"<rect class="background" x="0" y="0" width="{WIDTH}" height="{height}" fill="#ffffff"/>"##
    );
    put!(
        out,
        r##"<text class="title" x="{MARGIN}" y="24" font-size="16" font-weight="bold" fill="#222222">{}</text>"##,
        escape(title)
    );
    legend(&mut out, timeline);
    for (index, lane) in timeline.lanes.iter().enumerate() {
        lane_band(&mut out, index, lane);
    }

    let has_spans = timeline.lanes.iter().any(|lane| !lane.spans.is_empty());
    if has_spans {
        let axis = Axis::new(end_us);
        axis.grid(&mut out, lanes_bottom);
        put!(out, r#"<g class="spans">"#);
        // Instants last, on top of the spans they fall in. A lane's spans
        // are a group that names the lane once.
        for instants in [false, true] {
            for (index, lane) in timeline.lanes.iter().enumerate() {
                let mut spans = lane
                    .spans
                    .iter()
                    .filter(|span| (span.state == State::FailedAcquire) == instants)
                    .peekable();
                if spans.peek().is_none() {
                    continue;
                }
                put!(
                    out,
                    r#"<g class="lane-spans" data-lane="{}">"#,
                    escape(&lane.name)
                );
                for span in spans {
                    bar(&mut out, &axis, index, lane, span);
                }
                put!(out, "</g>");
            }
        }
        put!(out, "</g>");
        axis.draw(&mut out, lanes_bottom);
    } else {
        put!(
            out,
            r##"<text class="empty" x="{x:.1}" y="{y:.1}" text-anchor="middle" fill="#666666">nothing recorded</text>"##,
            x = (PLOT_LEFT + PLOT_RIGHT) / 2.0,
            y = LANES_TOP + 16.0,
        );
    }
    put!(out, "</svg>");
    out
}

/// A swatch and a name for each state present, in [`State::ALL`] order.
fn legend(out: &mut String, timeline: &Timeline) {
    let mut present: Vec<State> = Vec::new();
    for span in timeline.lanes.iter().flat_map(|lane| &lane.spans) {
        if !present.contains(&span.state) {
            present.push(span.state);
        }
    }
    present.sort_by_key(|state| {
        State::ALL
            .iter()
            .position(|s| s == state)
            .unwrap_or(usize::MAX)
    });
    put!(out, r#"<g class="legend">"#);
    let mut x = MARGIN;
    for state in present {
        put!(
            out,
            r##"<rect class="swatch" x="{x:.1}" y="34" width="12" height="12" fill="{}" stroke="#555555" stroke-width="0.5"/>"##,
            state.colour()
        );
        put!(
            out,
            r##"<text class="legend-name" x="{:.1}" y="45" fill="#222222">{}</text>"##,
            x + 16.0,
            state.name()
        );
        x += 16.0 + 7.0 * state.name().len() as f64 + 16.0;
    }
    put!(out, "</g>");
}

/// The background band of a lane and its name.
fn lane_band(out: &mut String, index: usize, lane: &Lane) {
    let top = lane_top(index);
    // Alternate bands, so a lane's spans are easy to follow.
    let fill = ["#f2f2f2", "#ffffff"][index % 2];
    put!(
        out,
        r#"<rect class="lane" x="{MARGIN}" y="{top:.1}" width="{w:.1}" height="{LANE_HEIGHT}" fill="{fill}"/>"#,
        w = WIDTH - 2.0 * MARGIN,
    );
    let shown: String = if lane.name.chars().count() > MAX_NAME_CHARS {
        let mut cut: String = lane.name.chars().take(MAX_NAME_CHARS - 1).collect();
        cut.push('…');
        cut
    } else {
        lane.name.clone()
    };
    put!(
        out,
        r##"<text class="lane-name" x="{x:.1}" y="{y:.1}" fill="#222222"><title>{}</title>{}</text>"##,
        escape(&lane.name),
        escape(&shown),
        x = MARGIN + 4.0,
        y = top + 16.0,
    );
}

/// One span's bar, with its tooltip.
fn bar(out: &mut String, axis: &Axis, index: usize, lane: &Lane, span: &Span) {
    let start = axis.x(span.start_us);
    let end = axis.x(span.end_us.max(span.start_us));
    let instant = span.state == State::FailedAcquire;
    let (x, width, y, height, class) = if instant {
        let width = INSTANT_WIDTH;
        let x = (start - width / 2.0).clamp(PLOT_LEFT, PLOT_RIGHT - width);
        (
            x,
            width,
            lane_top(index) + 1.0,
            LANE_HEIGHT - 2.0,
            "span instant",
        )
    } else {
        let width = (end - start).max(MIN_BAR_WIDTH);
        let x = start.min(PLOT_RIGHT - width);
        let y = lane_top(index) + (LANE_HEIGHT - BAR_HEIGHT) / 2.0;
        (x, width, y, BAR_HEIGHT, "span")
    };
    let state = span.state.name();
    let what = match &span.label {
        Some(label) => format!("{state}: {label}"),
        None => state.to_owned(),
    };
    let tooltip = if instant {
        format!("{}\n{what}\nat {}", lane.name, human(span.start_us))
    } else {
        format!(
            "{}\n{what}\n{} – {} ({})",
            lane.name,
            human(span.start_us),
            human(span.end_us),
            human(span.end_us.saturating_sub(span.start_us)),
        )
    };
    put!(
        out,
        r#"<rect class="{class}" x="{x:.1}" y="{y:.1}" width="{width:.1}" height="{height:.1}" fill="{}" data-state="{state}"{} data-start-us="{}" data-end-us="{}"><title>{}</title></rect>"#,
        span.state.colour(),
        span.label
            .as_deref()
            .map(|label| format!(r#" data-label="{}""#, escape(label)))
            .unwrap_or_default(),
        span.start_us,
        span.end_us.max(span.start_us),
        escape(&tooltip),
    );
}

fn lane_top(index: usize) -> f64 {
    LANES_TOP + LANE_HEIGHT * index as f64
}

/// The time axis: from 0 to the end of the last span.
struct Axis {
    /// Microseconds the plot's width stands for (at least 1).
    domain: u64,
    /// Microseconds between ticks: 1, 2 or 5 times a power of ten.
    step: u64,
    /// Microseconds per labelled unit, and its name.
    unit: (u64, &'static str),
    /// Decimals the labels need at this step.
    decimals: u32,
}

impl Axis {
    fn new(end_us: u64) -> Self {
        let domain = end_us.max(1);
        let step = tick_step(domain);
        let unit = if domain >= 1_000_000 {
            (1_000_000, "s")
        } else if domain >= 1_000 {
            (1_000, "ms")
        } else {
            (1, "µs")
        };
        let decimals = (0..=6)
            .find(|&d| (u128::from(step) * 10u128.pow(d)) % u128::from(unit.0) == 0)
            .unwrap_or(6);
        Self {
            domain,
            step,
            unit,
            decimals,
        }
    }

    /// Where `us` microseconds fall on the plot.
    fn x(&self, us: u64) -> f64 {
        let fraction = (us.min(self.domain) as f64) / (self.domain as f64);
        PLOT_LEFT + fraction * (PLOT_RIGHT - PLOT_LEFT)
    }

    /// The ticks, 0 included, up to the domain.
    fn ticks(&self) -> impl Iterator<Item = u64> + '_ {
        (0..=self.domain / self.step).map(move |i| i.saturating_mul(self.step))
    }

    fn label(&self, us: u64) -> String {
        let (per_unit, name) = self.unit;
        let whole = us / per_unit;
        if self.decimals == 0 {
            return format!("{whole} {name}");
        }
        let scale = 10u128.pow(self.decimals);
        let fraction = u128::from(us % per_unit) * scale / u128::from(per_unit);
        let width = self.decimals as usize;
        format!("{whole}.{fraction:0width$} {name}")
    }

    /// Light vertical lines across the lanes at each tick.
    fn grid(&self, out: &mut String, bottom: f64) {
        put!(
            out,
            r##"<g class="grid" stroke="#d8d8d8" stroke-width="1">"##
        );
        for tick in self.ticks() {
            let x = self.x(tick);
            put!(
                out,
                r#"<line x1="{x:.2}" y1="{LANES_TOP}" x2="{x:.2}" y2="{bottom:.1}"/>"#
            );
        }
        put!(out, "</g>");
    }

    /// The axis line, its tick marks and labels.
    fn draw(&self, out: &mut String, bottom: f64) {
        put!(out, r##"<g class="axis" stroke="#444444" fill="#222222">"##);
        put!(
            out,
            r#"<line x1="{PLOT_LEFT}" y1="{bottom:.1}" x2="{PLOT_RIGHT}" y2="{bottom:.1}"/>"#
        );
        for tick in self.ticks() {
            let x = self.x(tick);
            // Keep the last label inside the picture.
            let anchor = if PLOT_RIGHT - x < 30.0 {
                "end"
            } else {
                "middle"
            };
            put!(
                out,
                r#"<line class="tick" x1="{x:.2}" y1="{bottom:.1}" x2="{x:.2}" y2="{y2:.1}"/>"#,
                y2 = bottom + 5.0,
            );
            put!(
                out,
                r#"<text class="tick-label" x="{x:.2}" y="{y:.1}" text-anchor="{anchor}" stroke="none">{}</text>"#,
                escape(&self.label(tick)),
                y = bottom + 19.0,
            );
        }
        put!(out, "</g>");
    }
}

/// The smallest of 1, 2, 5, 10, 20, 50, … that splits `total` into at most
/// [`TARGET_TICKS`] steps.
pub(super) fn tick_step(total: u64) -> u64 {
    let mut magnitude: u64 = 1;
    loop {
        for m in [1, 2, 5] {
            let step = magnitude.saturating_mul(m);
            if step.saturating_mul(TARGET_TICKS) >= total {
                return step;
            }
        }
        match magnitude.checked_mul(10) {
            Some(next) => magnitude = next,
            None => return u64::MAX,
        }
    }
}

/// A duration in microseconds the way people read it: `12 µs`, `1.50 ms`,
/// `2.3 s`.
pub(super) fn human(us: u64) -> String {
    if us < 1_000 {
        return format!("{us} µs");
    }
    let (value, unit) = if us < 1_000_000 {
        (us as f64 / 1e3, "ms")
    } else {
        (us as f64 / 1e6, "s")
    };
    if value < 10.0 {
        format!("{value:.2} {unit}")
    } else if value < 100.0 {
        format!("{value:.1} {unit}")
    } else {
        format!("{value:.0} {unit}")
    }
}

/// `text` fit for XML content: markup characters escaped, characters XML
/// 1.0 cannot carry (most control characters) replaced by `�`.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t'
            | '\n'
            | '\r'
            | '\u{20}'..='\u{D7FF}'
            | '\u{E000}'..='\u{FFFD}'
            | '\u{10000}'..='\u{10FFFF}' => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
    out
}

#[cfg(test)]
pub(super) mod internals {
    //! Entry points for the module's tests.

    /// The axis labels for a timeline ending at `end_us`.
    pub(in crate::trace) fn tick_labels(end_us: u64) -> Vec<String> {
        let axis = super::Axis::new(end_us);
        axis.ticks().map(|tick| axis.label(tick)).collect()
    }
}

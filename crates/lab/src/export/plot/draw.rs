//! Drawing a [`Plot`]: plotters' frame, then the marks, legend and text.
//!
//! plotters lays out the frame (axis titles, ticks at round values on
//! linear and logarithmic axes, a light grid) on a fixed canvas and tells
//! where the plotting area landed; the marks are placed in that area with
//! the same mapping (linear, or linear in the logarithm), as elements that
//! say what they stand for.

use std::fmt::Write as _;
use std::ops::Range;

use plotters::coord::Shift;
use plotters::coord::combinators::IntoLogRange;
use plotters::prelude::*;

use super::{Axis, Bars, Chart, Drawn, LineStyle, Lines, Plot, Unit};

/// The canvas, in pixels; the page scales it to the width it has.
const WIDTH: u32 = 640;
const HEIGHT: u32 = 340;
/// Above the frame: the title, then the legend's rows.
const TITLE_HEIGHT: u32 = 26;
const LEGEND_ROW: u32 = 20;
/// Below the frame, for the category names of a bar chart.
const CATEGORY_AREA: u32 = 42;
/// About how wide a character of 13 px text is.
const CHAR_WIDTH: f64 = 7.0;
/// Okabe–Ito: colours that stay apart for the common colour blindnesses.
const PALETTE: [&str; 7] = [
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000",
];
const GUIDE: &str = "#8c959f";
const FONT: &str = "sans-serif";

/// Where the plotting area is on the canvas, and how values map into it.
struct Frame {
    x_pixels: Range<i32>,
    y_pixels: Range<i32>,
    x: Scale,
    y: Scale,
}

#[derive(Clone, Copy)]
struct Scale {
    low: f64,
    high: f64,
    log: bool,
}

impl Scale {
    fn fraction(self, value: f64) -> f64 {
        let (low, high, value) = if self.log {
            (
                self.low.log10(),
                self.high.log10(),
                value.max(self.low).log10(),
            )
        } else {
            (self.low, self.high, value)
        };
        ((value - low) / (high - low)).clamp(0.0, 1.0)
    }
}

impl Frame {
    fn x(&self, value: f64) -> f64 {
        let r = &self.x_pixels;
        f64::from(r.start) + self.x.fraction(value) * f64::from(r.end - r.start)
    }

    fn y(&self, value: f64) -> f64 {
        let r = &self.y_pixels;
        f64::from(r.end) - self.y.fraction(value) * f64::from(r.end - r.start)
    }
}

/// A legend entry: a name, a colour, and how its swatch looks.
struct Entry {
    name: String,
    colour: &'static str,
    swatch: Swatch,
}

#[derive(Clone, Copy)]
enum Swatch {
    Block,
    Line,
    Dashed,
}

pub(super) fn render(plot: &Plot) -> Drawn {
    let entries = legend_entries(&plot.chart);
    let rows = legend_rows(&entries);
    let top = TITLE_HEIGHT + LEGEND_ROW * rows.len() as u32 + 6;
    let text = text(plot);

    let mut canvas = String::new();
    let frame = {
        let root = SVGBackend::with_string(&mut canvas, (WIDTH, HEIGHT)).into_drawing_area();
        let (_, area) = root.split_vertically(top);
        let frame = match &plot.chart {
            Chart::Bars(bars) => bar_frame(&area, bars),
            Chart::Lines(lines) => line_frame(&area, lines),
        };
        let _ = root.present();
        frame
    };

    let mut marks = String::new();
    let count = match (&plot.chart, &frame) {
        (Chart::Bars(bars), Ok(frame)) => bar_marks(&mut marks, frame, bars),
        (Chart::Lines(lines), Ok(frame)) => line_marks(&mut marks, frame, lines),
        (_, Err(error)) => {
            let _ = write!(
                marks,
                r##"<text x="20" y="{}" fill="#b00020">the plot could not be drawn: {}</text>"##,
                top + 40,
                escape(error)
            );
            0
        }
    };
    if count == 0 && frame.is_ok() {
        let _ = write!(
            marks,
            r##"<text class="empty" x="{}" y="{}" text-anchor="middle" fill="#555555">nothing measured</text>"##,
            WIDTH / 2,
            top + (HEIGHT - top) / 2
        );
    }

    // plotters' document, opened with the plot's own attributes and
    // closed after the marks.
    let body_start = canvas.find('>').map_or(0, |i| i + 1);
    let body_end = canvas.rfind("</svg>").unwrap_or(canvas.len());
    let body = &canvas[body_start..body_end];
    let mut svg = String::with_capacity(canvas.len() + marks.len() + 1024);
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="plot-svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{label}" data-marks="{count}" font-family="{FONT}"><title>{title}</title><desc>{desc}</desc>"#,
        label = escape(&format!("{}. {}", plot.title, text)),
        title = escape(&plot.title),
        desc = escape(&text),
    );
    svg.push_str(body);
    let _ = write!(
        svg,
        r##"<text class="plot-title" x="8" y="18" font-size="15" font-weight="bold" fill="#1d1d1f">{}</text>"##,
        escape(&plot.title)
    );
    legend(&mut svg, &entries, &rows);
    svg.push_str(r#"<g class="marks">"#);
    svg.push_str(&marks);
    svg.push_str("</g></svg>");
    Drawn {
        svg,
        marks: count,
        text,
    }
}

/// The frame of a bar chart: categories along x at 0.5, 1.5, …; the
/// values' axis from zero (or a power of ten, logarithmic).
fn bar_frame(area: &DrawingArea<SVGBackend<'_>, Shift>, bars: &Bars) -> Result<Frame, String> {
    let n = bars.categories.len().max(1) as f64;
    let tops: Vec<f64> = if bars.stacked {
        (0..bars.categories.len())
            .map(|i| {
                bars.series
                    .iter()
                    .filter_map(|s| s.values.get(i).copied().flatten())
                    .filter(|v| v.is_finite() && *v > 0.0)
                    .sum()
            })
            .collect()
    } else {
        bars.series
            .iter()
            .flat_map(|s| s.values.iter().copied().flatten())
            .collect()
    };
    let mut tops = tops;
    if let Some(totals) = &bars.totals {
        tops.extend(totals.values.iter().copied().flatten());
    }
    let y = scale(&tops, bars.log && !bars.stacked, true);
    let x = Scale {
        low: 0.0,
        high: n,
        log: false,
    };
    let axis = Axis {
        title: bars.axis.clone(),
        unit: bars.unit,
        log: y.log,
    };
    frame(area, x, y, None, &axis, CATEGORY_AREA)
}

fn line_frame(area: &DrawingArea<SVGBackend<'_>, Shift>, lines: &Lines) -> Result<Frame, String> {
    let xs: Vec<f64> = lines
        .lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.0))
        .chain(lines.markers.iter().map(|m| m.x))
        .collect();
    let ys: Vec<f64> = lines
        .lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.1))
        .collect();
    let x = scale(&xs, lines.x.log, false);
    let y = scale(&ys, lines.y.log, true);
    frame(area, x, y, Some(&lines.x), &lines.y, 44)
}

/// The range an axis needs for these values: from zero (or the lowest
/// value, on an axis that need not start at zero) to a little above the
/// highest; on a logarithmic axis, from a power of ten to a power of ten.
fn scale(values: &[f64], log: bool, from_zero: bool) -> Scale {
    let finite: Vec<f64> = values
        .iter()
        .copied()
        .filter(|v| v.is_finite() && (!log || *v > 0.0))
        .collect();
    let low = finite.iter().copied().fold(f64::INFINITY, f64::min);
    let high = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if finite.is_empty() {
        return if log {
            Scale {
                low: 1.0,
                high: 10.0,
                log,
            }
        } else {
            Scale {
                low: 0.0,
                high: 1.0,
                log,
            }
        };
    }
    if log {
        let low = 10f64.powf(low.log10().floor());
        let mut high = 10f64.powf(high.log10().ceil());
        if high <= low {
            high = low * 10.0;
        }
        Scale { low, high, log }
    } else {
        let low = if from_zero || low >= 0.0 {
            low.min(0.0)
        } else {
            low
        };
        let high = if high > low { high * 1.08 } else { low + 1.0 };
        Scale { low, high, log }
    }
}

/// plotters draws the mesh, ticks and axis titles on `area`; returns where
/// the plotting area landed.
fn frame(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    x: Scale,
    y: Scale,
    x_axis: Option<&Axis>,
    y_axis: &Axis,
    x_label_area: u32,
) -> Result<Frame, String> {
    let x_unit = x_axis.map_or(Unit::Count, |a| a.unit);
    let x_title = x_axis.map(|a| format!("{}{}", a.title, a.unit.suffix()));
    let y_title = format!("{}{}", y_axis.title, y_axis.unit.suffix());
    let x_ticks = if x_axis.is_some() { 8 } else { 0 };
    let x_format = move |v: &f64| x_unit.tick(*v);
    let y_format = move |v: &f64| y_axis.unit.tick(*v);

    macro_rules! mesh {
        ($x:expr, $y:expr) => {{
            let mut chart = ChartBuilder::on(area)
                .margin_left(8)
                .margin_right(18)
                .margin_top(4)
                .margin_bottom(4)
                .x_label_area_size(x_label_area)
                .y_label_area_size(72)
                .build_cartesian_2d($x, $y)
                .map_err(|e| e.to_string())?;
            let mut mesh = chart.configure_mesh();
            mesh.light_line_style(TRANSPARENT)
                .bold_line_style(RGBColor(226, 229, 233))
                .axis_style(RGBColor(110, 118, 129))
                .label_style((FONT, 16))
                .axis_desc_style((FONT, 17))
                .y_labels(6)
                .y_label_formatter(&y_format)
                .x_labels(x_ticks)
                .x_label_formatter(&x_format)
                .y_desc(y_title.as_str());
            if let Some(title) = &x_title {
                mesh.x_desc(title.as_str());
            } else {
                mesh.disable_x_mesh();
            }
            mesh.draw().map_err(|e| e.to_string())?;
            let (x_pixels, y_pixels) = chart.plotting_area().get_pixel_range();
            Ok(Frame {
                x_pixels,
                y_pixels,
                x,
                y,
            })
        }};
    }

    let (xr, yr) = (x.low..x.high, y.low..y.high);
    match (x.log, y.log) {
        (false, false) => mesh!(xr, yr),
        (false, true) => mesh!(xr, yr.log_scale()),
        (true, false) => mesh!(xr.log_scale(), yr),
        (true, true) => mesh!(xr.log_scale(), yr.log_scale()),
    }
}

fn bar_marks(out: &mut String, frame: &Frame, bars: &Bars) -> usize {
    let series = bars.series.len().max(1);
    let mut count = 0;
    for (i, category) in bars.categories.iter().enumerate() {
        let left = frame.x(i as f64);
        let slot = frame.x(i as f64 + 1.0) - left;
        let group = slot * 0.78;
        let start = left + (slot - group) / 2.0;
        let width = if bars.stacked {
            group
        } else {
            group / series as f64
        };
        let mut base = 0.0;
        for (s, line) in bars.series.iter().enumerate() {
            let Some(value) = line.values.get(i).copied().flatten() else {
                continue;
            };
            if !value.is_finite() || (frame.y.log && value <= 0.0) {
                continue;
            }
            let (x, from, to) = if bars.stacked {
                let from = base;
                base += value.max(0.0);
                (start, from, base)
            } else {
                (start + width * s as f64, frame.y.low.max(0.0), value)
            };
            let (y_top, y_bottom) = (frame.y(to), frame.y(from));
            let _ = write!(
                out,
                r#"<rect class="mark bar" data-series="{series}" data-category="{category}" data-value="{value}" x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" fill="{colour}"><title>{category} · {series}: {shown}</title></rect>"#,
                series = escape(&line.name),
                category = escape(category),
                x = x + 0.5,
                y = y_top,
                w = (width - 1.0).max(1.0),
                h = (y_bottom - y_top).max(1.0),
                colour = PALETTE[s % PALETTE.len()],
                shown = escape(&bars.unit.format(value)),
            );
            count += 1;
        }
        if let Some(total) = bars
            .totals
            .as_ref()
            .and_then(|t| t.values.get(i).copied().flatten())
            .filter(|v| v.is_finite())
        {
            let (name, y) = (&bars.totals.as_ref().expect("totals").name, frame.y(total));
            let _ = write!(
                out,
                r##"<rect class="mark total" data-series="{name}" data-category="{category}" data-value="{total}" x="{x:.1}" y="{y:.1}" width="{w:.1}" height="3" fill="#1d1d1f"><title>{category} · {name}: {shown}</title></rect>"##,
                name = escape(name),
                category = escape(category),
                x = start - 4.0,
                y = y - 1.5,
                w = group + 8.0,
                shown = escape(&bars.unit.format(total)),
            );
            count += 1;
        }
        category_name(out, frame, category, left + slot / 2.0, slot);
    }
    count
}

/// A category's name under its bars: on one line if it fits, else on two,
/// cut with `…` if even that is too long.
fn category_name(out: &mut String, frame: &Frame, name: &str, centre: f64, slot: f64) {
    let fits = ((slot / CHAR_WIDTH).floor() as usize).max(4);
    let mut lines: Vec<String> = vec![String::new()];
    for word in name.split_whitespace() {
        let current = lines.last_mut().expect("one line at least");
        if current.is_empty() || current.chars().count() + 1 + word.chars().count() <= fits {
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(word);
        } else {
            lines.push(word.to_owned());
        }
    }
    if lines.len() > 2 {
        let rest = lines.split_off(1).join(" ");
        lines.push(rest);
    }
    let y = f64::from(frame.y_pixels.end) + 18.0;
    let _ = write!(
        out,
        r##"<text class="category" x="{centre:.1}" y="{y:.1}" text-anchor="middle" font-size="13" fill="#1d1d1f"><title>{}</title>"##,
        escape(name)
    );
    for (index, line) in lines.iter().enumerate() {
        let shown: String = if line.chars().count() > fits {
            line.chars()
                .take(fits.saturating_sub(1))
                .chain(['…'])
                .collect()
        } else {
            line.clone()
        };
        let dy = if index == 0 { 0 } else { 15 };
        let _ = write!(
            out,
            r#"<tspan x="{centre:.1}" dy="{dy}">{}</tspan>"#,
            escape(&shown)
        );
    }
    out.push_str("</text>");
}

fn line_marks(out: &mut String, frame: &Frame, lines: &Lines) -> usize {
    let mut count = 0;
    for marker in &lines.markers {
        let x = frame.x(marker.x);
        let _ = write!(
            out,
            r##"<line class="marker" x1="{x:.1}" y1="{top}" x2="{x:.1}" y2="{bottom}" stroke="#444444" stroke-width="1.5" stroke-dasharray="2 3"/><text class="marker-label" x="{tx:.1}" y="{ty}" font-size="12" fill="#444444">{label}</text>"##,
            top = frame.y_pixels.start,
            bottom = frame.y_pixels.end,
            tx = x + 4.0,
            ty = frame.y_pixels.start + 12,
            label = escape(&marker.label),
        );
    }
    let mut colour_index = 0usize;
    for line in &lines.lines {
        let colour = match line.style {
            LineStyle::Guide => GUIDE,
            LineStyle::Dashed => PALETTE[colour_index.saturating_sub(1) % PALETTE.len()],
            LineStyle::Solid | LineStyle::Steps => {
                colour_index += 1;
                PALETTE[(colour_index - 1) % PALETTE.len()]
            }
        };
        let points: Vec<(f64, f64)> = line
            .points
            .iter()
            .copied()
            .filter(|(x, y)| {
                x.is_finite()
                    && y.is_finite()
                    && (!frame.x.log || *x > 0.0)
                    && (!frame.y.log || *y > 0.0)
            })
            .collect();
        if points.is_empty() {
            continue;
        }
        let mut path = String::new();
        for (index, (x, y)) in points.iter().enumerate() {
            let (px, py) = (frame.x(*x), frame.y(*y));
            if index == 0 {
                let _ = write!(path, "M{px:.1} {py:.1}");
            } else if line.style == LineStyle::Steps {
                let _ = write!(path, " H{px:.1} V{py:.1}");
            } else {
                let _ = write!(path, " L{px:.1} {py:.1}");
            }
        }
        let (class, dash, width) = match line.style {
            LineStyle::Guide => ("guide", r#" stroke-dasharray="6 4""#, 1.5),
            LineStyle::Dashed => ("mark line", r#" stroke-dasharray="7 4""#, 2.0),
            LineStyle::Solid | LineStyle::Steps => ("mark line", "", 2.25),
        };
        let _ = write!(
            out,
            r#"<path class="{class}" data-series="{name}" d="{path}" fill="none" stroke="{colour}" stroke-width="{width}"{dash}><title>{name}</title></path>"#,
            name = escape(&line.name),
        );
        if class == "mark line" {
            count += 1;
        }
        if matches!(line.style, LineStyle::Solid | LineStyle::Dashed) {
            let hollow = line.style == LineStyle::Dashed;
            for (x, y) in &points {
                let _ = write!(
                    out,
                    r#"<circle class="mark point" data-series="{name}" data-x="{x}" data-y="{y}" cx="{cx:.1}" cy="{cy:.1}" r="4" fill="{fill}" stroke="{colour}" stroke-width="2"><title>{name}: {xs} → {ys}</title></circle>"#,
                    name = escape(&line.name),
                    cx = frame.x(*x),
                    cy = frame.y(*y),
                    fill = if hollow { "#ffffff" } else { colour },
                    xs = escape(&lines.x.unit.format(*x)),
                    ys = escape(&lines.y.unit.format(*y)),
                );
                count += 1;
            }
        }
    }
    count
}

fn legend_entries(chart: &Chart) -> Vec<Entry> {
    match chart {
        Chart::Bars(bars) => bars
            .series
            .iter()
            .enumerate()
            .map(|(i, s)| Entry {
                name: s.name.clone(),
                colour: PALETTE[i % PALETTE.len()],
                swatch: Swatch::Block,
            })
            .chain(bars.totals.iter().map(|t| Entry {
                name: t.name.clone(),
                colour: "#1d1d1f",
                swatch: Swatch::Line,
            }))
            .collect(),
        Chart::Lines(lines) => {
            let mut colour_index = 0usize;
            lines
                .lines
                .iter()
                .map(|line| {
                    let (colour, swatch) = match line.style {
                        LineStyle::Guide => (GUIDE, Swatch::Dashed),
                        LineStyle::Dashed => (
                            PALETTE[colour_index.saturating_sub(1) % PALETTE.len()],
                            Swatch::Dashed,
                        ),
                        LineStyle::Solid | LineStyle::Steps => {
                            colour_index += 1;
                            (PALETTE[(colour_index - 1) % PALETTE.len()], Swatch::Line)
                        }
                    };
                    Entry {
                        name: line.name.clone(),
                        colour,
                        swatch,
                    }
                })
                .collect()
        }
    }
}

/// The legend's entries, in rows that fit the width: (x, entry index).
fn legend_rows(entries: &[Entry]) -> Vec<Vec<(f64, usize)>> {
    let mut rows: Vec<Vec<(f64, usize)>> = Vec::new();
    let mut x = 8.0;
    for (index, entry) in entries.iter().enumerate() {
        let width = 30.0 + CHAR_WIDTH * entry.name.chars().count() as f64 + 14.0;
        if rows.is_empty() || (x + width > f64::from(WIDTH) - 8.0 && x > 8.0) {
            rows.push(Vec::new());
            x = 8.0;
        }
        rows.last_mut().expect("a row").push((x, index));
        x += width;
    }
    rows
}

fn legend(out: &mut String, entries: &[Entry], rows: &[Vec<(f64, usize)>]) {
    out.push_str(r#"<g class="legend">"#);
    for (row, items) in rows.iter().enumerate() {
        let y = f64::from(TITLE_HEIGHT + LEGEND_ROW * row as u32) + 10.0;
        for (x, index) in items {
            let entry = &entries[*index];
            let _ = match entry.swatch {
                Swatch::Block => write!(
                    out,
                    r#"<rect class="swatch" x="{x:.1}" y="{:.1}" width="22" height="12" fill="{}"/>"#,
                    y - 6.0,
                    entry.colour
                ),
                Swatch::Line | Swatch::Dashed => write!(
                    out,
                    r#"<line class="swatch" x1="{x:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="{}" stroke-width="2.5"{}/>"#,
                    x + 22.0,
                    entry.colour,
                    if matches!(entry.swatch, Swatch::Dashed) {
                        r#" stroke-dasharray="5 3""#
                    } else {
                        ""
                    }
                ),
            };
            let _ = write!(
                out,
                r##"<text class="legend-name" x="{:.1}" y="{:.1}" font-size="13" fill="#1d1d1f">{}</text>"##,
                x + 28.0,
                y + 4.5,
                escape(&entry.name)
            );
        }
    }
    out.push_str("</g>");
}

/// The plot's numbers in words: the `<desc>`, for screen readers and as a
/// text fallback.
fn text(plot: &Plot) -> String {
    match &plot.chart {
        Chart::Bars(bars) => {
            let parts: Vec<String> = bars
                .categories
                .iter()
                .enumerate()
                .map(|(i, category)| {
                    let values: Vec<String> = bars
                        .series
                        .iter()
                        .chain(&bars.totals)
                        .filter_map(|s| {
                            let v = s.values.get(i).copied().flatten()?;
                            Some(format!("{} {}", s.name, bars.unit.format(v)))
                        })
                        .collect();
                    if values.is_empty() {
                        format!("{category}: no value")
                    } else {
                        format!("{category}: {}", values.join(", "))
                    }
                })
                .collect();
            format!("{}. {}.", bars.axis, parts.join("; "))
        }
        Chart::Lines(lines) => {
            let mut parts: Vec<String> = lines
                .lines
                .iter()
                .filter(|line| !line.points.is_empty())
                .map(|line| {
                    let shown: Vec<String> = if line.style == LineStyle::Steps {
                        let xs: Vec<f64> = line.points.iter().map(|p| p.0).collect();
                        let at = |q: f64| {
                            line.points
                                .iter()
                                .find(|p| p.1 >= q)
                                .map_or(xs[xs.len() - 1], |p| p.0)
                        };
                        vec![
                            format!("from {}", lines.x.unit.format(xs[0])),
                            format!("median {}", lines.x.unit.format(at(0.5))),
                            format!("90% below {}", lines.x.unit.format(at(0.9))),
                            format!("to {}", lines.x.unit.format(xs[xs.len() - 1])),
                        ]
                    } else {
                        line.points
                            .iter()
                            .map(|(x, y)| {
                                format!("{} → {}", lines.x.unit.format(*x), lines.y.unit.format(*y))
                            })
                            .collect()
                    };
                    format!("{}: {}", line.name, shown.join(", "))
                })
                .collect();
            parts.extend(
                lines
                    .markers
                    .iter()
                    .map(|m| format!("marked: {} at {}", m.label, lines.x.unit.format(m.x))),
            );
            format!(
                "{} against {}. {}.",
                lines.y.title,
                lines.x.title,
                parts.join("; ")
            )
        }
    }
}

/// Text fit for XML content and attributes.
fn escape(text: &str) -> String {
    maud::html! { (text) }.into_string()
}

//! Plots for the page: the comparisons of a report, drawn.
//!
//! A table keeps the digits; a plot shows the comparison at a glance: that
//! speed-up flattens at the core count, that a switch interval ten times
//! longer makes the round trip ten times longer. Each plot here is an
//! inline SVG, drawn from plain typed numbers (a [`Plot`]), so it can be
//! fed from any report and tested on hand-built data:
//!
//! - [`Bars`]: one bar per category and series, side by side or stacked,
//!   on a linear or a logarithmic axis (greet's parts per mode, the cost
//!   ladder, meals per second, speed-ups per mode);
//! - [`Lines`]: series of points joined by lines (or steps, for a
//!   distribution), with optional dashed guides and vertical markers,
//!   each axis linear or logarithmic (speed-up against threads, round
//!   trip against switch interval).
//!
//! [plotters](https://docs.rs/plotters) draws the frame: the axes, their
//! ticks (at round values, also on logarithmic axes) and their titles. The
//! marks (bars, lines, points), the legend and the category names are
//! drawn here, on top of plotters' coordinates: a mark is then an element
//! with a class (`mark`), the series and value it stands for as `data-`
//! attributes and a tooltip (`<title>`), which plotters' SVG backend cannot
//! give. Every plot carries its numbers as text too: a `<desc>` and an
//! `aria-label` read by screen readers, and shown where pictures are not.
//!
//! ```
//! use waiter_lab::export::plot::{Bars, Chart, Plot, Series, Unit};
//!
//! let plot = Plot {
//!     id: "greet-parts".into(),
//!     title: "Where the time went".into(),
//!     caption: "Sequential waits for both parts; threads overlap them.".into(),
//!     chart: Chart::Bars(Bars {
//!         categories: vec!["sequential".into(), "two threads".into()],
//!         series: vec![
//!             Series::new("ask", vec![Some(1.5e6), Some(1.5e6)]),
//!             Series::new("calc", vec![Some(0.4e6), Some(0.4e6)]),
//!         ],
//!         stacked: true,
//!         totals: None,
//!         unit: Unit::Micros,
//!         axis: "time".into(),
//!         log: false,
//!     }),
//! };
//! let drawn = plot.render();
//! assert_eq!(drawn.marks, 4);
//! assert!(drawn.svg.starts_with("<svg"));
//! assert!(drawn.svg.contains("<desc>"));
//! assert!(drawn.svg.contains("1.50 s"));
//! ```

mod draw;
mod figures;
mod unit;

#[cfg(test)]
mod tests;

pub use figures::plots;
pub use unit::Unit;

/// One plot: what it shows, and the chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Plot {
    /// Unique on the page, also the figure's `data-plot`: `cores-speedup`.
    pub id: String,
    /// The plot's title, drawn above it.
    pub title: String,
    /// What to see in it, in plain words: the figure's caption.
    pub caption: String,
    /// The numbers, and how to draw them.
    pub chart: Chart,
}

/// The kinds of chart.
#[derive(Clone, Debug, PartialEq)]
pub enum Chart {
    /// Bars per category.
    Bars(Bars),
    /// Lines through points.
    Lines(Lines),
}

/// Bars: for each category, one bar per series (side by side), or one
/// stack of them.
#[derive(Clone, Debug, PartialEq)]
pub struct Bars {
    /// The categories along the horizontal axis, in order.
    pub categories: Vec<String>,
    /// One value per category each; `None` where a series has no value
    /// (a run that did not happen), drawn as nothing.
    pub series: Vec<Series>,
    /// Stack the series' bars on each other (parts of a whole) instead of
    /// placing them side by side.
    pub stacked: bool,
    /// A total per category, drawn as a black line across its bars (the
    /// wall-clock total over parts that may overlap).
    pub totals: Option<Series>,
    /// The values' unit, for the ticks and the text.
    pub unit: Unit,
    /// The vertical axis' title, without the unit (it is added).
    pub axis: String,
    /// A logarithmic vertical axis, for values over several orders of
    /// magnitude (not with `stacked`).
    pub log: bool,
}

/// A named row of values, one per category.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Shown in the legend.
    pub name: String,
    /// One per category.
    pub values: Vec<Option<f64>>,
}

impl Series {
    /// A series.
    pub fn new(name: impl Into<String>, values: Vec<Option<f64>>) -> Self {
        Self {
            name: name.into(),
            values,
        }
    }
}

/// Lines through points, on two numeric axes.
#[derive(Clone, Debug, PartialEq)]
pub struct Lines {
    /// The horizontal axis.
    pub x: Axis,
    /// The vertical axis.
    pub y: Axis,
    /// The lines, in legend order.
    pub lines: Vec<Line>,
    /// Vertical lines at notable values (the core count), with a label.
    pub markers: Vec<Marker>,
}

/// One axis of a [`Lines`] chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// The axis' title, without the unit (it is added).
    pub title: String,
    /// The values' unit.
    pub unit: Unit,
    /// Logarithmic: equal steps for equal ratios.
    pub log: bool,
}

impl Axis {
    /// A linear axis.
    pub fn linear(title: impl Into<String>, unit: Unit) -> Self {
        Self {
            title: title.into(),
            unit,
            log: false,
        }
    }

    /// A logarithmic axis.
    pub fn log(title: impl Into<String>, unit: Unit) -> Self {
        Self {
            title: title.into(),
            unit,
            log: true,
        }
    }
}

/// A named line through points.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    /// Shown in the legend.
    pub name: String,
    /// The points, in the order they are joined.
    pub points: Vec<(f64, f64)>,
    /// How the line is drawn.
    pub style: LineStyle,
}

impl Line {
    /// A solid line with a dot at each point.
    pub fn new(name: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Self {
            name: name.into(),
            points,
            style: LineStyle::Solid,
        }
    }

    /// The same line, drawn another way.
    pub fn style(mut self, style: LineStyle) -> Self {
        self.style = style;
        self
    }
}

/// How a [`Line`] is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineStyle {
    /// Measured values: a solid line, a dot at each point.
    Solid,
    /// Another measure of the same series (a p99 beside a median): a
    /// dashed line, a hollow dot at each point, the colour of the solid
    /// line before it.
    Dashed,
    /// A reference, not a measurement (the ideal speed-up): a thin grey
    /// dashed line without dots.
    Guide,
    /// A distribution (a CDF): steps up at each point, no dots.
    Steps,
}

/// A vertical line at a notable value of the horizontal axis.
#[derive(Clone, Debug, PartialEq)]
pub struct Marker {
    /// Where.
    pub x: f64,
    /// What it marks: `2 cores`.
    pub label: String,
}

/// A plot drawn: the SVG, and how many marks it has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Drawn {
    /// A self-contained `<svg>` element.
    pub svg: String,
    /// Bars and points drawn (elements of class `mark`): a plot of no
    /// value has none, and says "nothing measured".
    pub marks: usize,
    /// The numbers in words, also the `<desc>`.
    pub text: String,
}

impl Plot {
    /// Draws the plot; see the [module docs](self).
    pub fn render(&self) -> Drawn {
        draw::render(self)
    }
}

//! The page: one self-contained HTML5 document.
//!
//! Everything is inline (the style sheet, the plots and the pictures of the
//! timelines as SVG, one small script), so the page opens offline, prints,
//! and can be mailed as one file. The only links are to the sections of the
//! page, to the two JSON files beside it, and to Perfetto.
//!
//! Each section shows its report's plots ([`super::plot::plots`], drawn
//! from the report's figures and timelines), its tables, and its timelines
//! on one shared time axis. The script (`timeline.js`) makes the timelines
//! explorable (zoom, pan, a tooltip per span); without it, every picture is
//! still there, static.
//!
//! All text goes through maud, which escapes it; the plots and the
//! timelines' pictures escape every text they draw, and are inserted as
//! they are.

use std::collections::HashSet;

use maud::{DOCTYPE, Markup, PreEscaped, html as markup};

use super::plot::plots;
use super::{Page, REPORT_FILE, Section, TRACE_FILE};
use crate::report::{Table, Timeline};

/// Ids the page uses for its own parts; sections get other ones.
const PAGE_IDS: [&str; 4] = ["notes", "contents", "contents-title", "files"];

/// Light, readable, printable; tables scroll sideways on narrow screens and
/// pictures shrink to the width.
const STYLE: &str = include_str!("page.css");

/// Makes the timelines explorable; see the file's own comment.
const SCRIPT: &str = include_str!("timeline.js");

/// A table with at least this many columns is "wide": on a phone, its rows
/// become cards (two columns fit a phone's width as they are).
const WIDE_TABLE: usize = 3;

/// The page as a complete HTML5 document: title, introduction, notes, a
/// table of contents, then per section its heading, words, the report's
/// explanation, tables, timelines (inline SVG), conclusions and raw figures
/// (collapsed), and a footer naming the files beside it.
///
/// Sections are linked from the table of contents by their report's id,
/// made unique (`greet`, `greet-2`) when ids repeat. Numeric cells are
/// aligned right. The document needs nothing from the network and runs no
/// script.
///
/// ```
/// use waiter_lab::export::{Page, html};
/// use waiter_lab::Report;
///
/// let page = Page::single(Report::new("greet", "Waiting <for> the user"));
/// let document = html(&page);
/// assert!(document.contains("<title>Waiting &lt;for&gt; the user</title>"));
/// assert!(document.contains(r##"<a href="#greet">"##));
/// ```
pub fn html(page: &Page) -> String {
    let anchors = anchors(page);
    let document = markup! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="generator" content="waiter-lab";
                title { (page.title) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header {
                    h1 { (page.title) }
                    @for line in &page.intro {
                        p.intro { (line) }
                    }
                    @if !page.notes.is_empty() {
                        div.notes id="notes" role="note" {
                            @for line in &page.notes {
                                p { (line) }
                            }
                        }
                    }
                }
                nav id="contents" aria-labelledby="contents-title" {
                    h2 id="contents-title" { "Contents" }
                    ol {
                        @for (section, anchor) in page.sections.iter().zip(&anchors) {
                            li { a href={ "#" (anchor) } { (section.heading) } }
                        }
                    }
                }
                main {
                    @for (section, anchor) in page.sections.iter().zip(&anchors) {
                        (section_markup(section, anchor))
                    }
                }
                footer id="files" {
                    p {
                        "Beside this page: "
                        a href=(REPORT_FILE) { code { (REPORT_FILE) } }
                        " holds every report as JSON (the tables, the timelines and the raw figures), and "
                        a href=(TRACE_FILE) { code { (TRACE_FILE) } }
                        " every timeline as a Chrome trace. Every number on the plots comes from "
                        code { (REPORT_FILE) }
                        "."
                    }
                    p {
                        "Zoom into a timeline with the mouse wheel, a pinch or its + and − buttons, drag to move along it, double-click to see it whole; hover over a span (or tap it) for its times. To search the timelines, open "
                        code { (TRACE_FILE) }
                        " in "
                        a href="https://ui.perfetto.dev" { "https://ui.perfetto.dev" }
                        " or in "
                        code { "chrome://tracing" }
                        "."
                    }
                }
                script { (PreEscaped(SCRIPT)) }
            }
        }
    };
    document.into_string()
}

/// One experiment's part of the page.
fn section_markup(section: &Section, anchor: &str) -> Markup {
    let report = &section.report;
    markup! {
        section id=(anchor) {
            h2 { (section.heading) }
            @if !report.title.is_empty() && report.title != section.heading {
                p.subtitle { (report.title) }
            }
            @if !section.words.is_empty() {
                div.words {
                    @for line in &section.words {
                        p { (line) }
                    }
                }
            }
            @if !report.explanation.is_empty() {
                div.explanation {
                    @for line in &report.explanation {
                        p { (line) }
                    }
                }
            }
            (plots_markup(report))
            @for table in &report.tables {
                (table_markup(table))
            }
            (timelines_markup(&report.timelines))
            @if !report.conclusions.is_empty() {
                h3 { "What this run shows" }
                ul.conclusions {
                    @for line in &report.conclusions {
                        li { (line) }
                    }
                }
            }
            @if !report.figures.is_empty() {
                details.figures {
                    summary { "Raw figures (JSON)" }
                    pre { code { (figures_json(report)) } }
                }
            }
        }
    }
}

/// A report table: a header row from the columns, numbers aligned right.
/// A column whose cells are all numeric has its header aligned right too.
fn table_markup(table: &Table) -> Markup {
    let numeric_column = |column: usize| {
        !table.rows.is_empty()
            && table
                .rows
                .iter()
                .all(|row| row.get(column).is_none_or(|cell| cell.is_numeric()))
    };
    let wide = table.columns.len() >= WIDE_TABLE;
    markup! {
        div.table-scroll {
            table class=[wide.then_some("wide")] {
                @if !table.title.is_empty() {
                    caption { (table.title) }
                }
                thead {
                    tr {
                        @for (index, column) in table.columns.iter().enumerate() {
                            th scope="col" class=[numeric_column(index).then_some("num")] { (column) }
                        }
                    }
                }
                tbody {
                    @for row in &table.rows {
                        tr {
                            @for (cell, column) in row.iter().zip(&table.columns) {
                                td class=[cell.is_numeric().then_some("num")] data-label=(column) { (cell.display()) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The report's plots, drawn from its figures and timelines.
fn plots_markup(report: &crate::Report) -> Markup {
    let plots = plots(report);
    markup! {
        @if !plots.is_empty() {
            div.plots {
                @for plot in &plots {
                    @let drawn = plot.render();
                    figure.plot data-plot=(plot.id) data-marks=(drawn.marks) {
                        // The plot escapes every text it draws.
                        (PreEscaped(drawn.svg))
                        figcaption { (plot.caption) }
                    }
                }
            }
        }
    }
}

/// Timelines whose lengths differ by more than this factor are not drawn
/// on one axis: the shorter would be a sliver.
const SHARED_AXIS_RATIO: u64 = 4;

/// An experiment's timelines, those of comparable length that follow each
/// other on one shared time axis (sequential beside two threads: a
/// millimetre is the same time in both, and zooming one zooms them all).
fn timelines_markup(timelines: &[Timeline]) -> Markup {
    markup! {
        @for group in shared_axes(timelines) {
            (timeline_group(group))
        }
    }
}

/// Runs of consecutive timelines whose longest is at most
/// [`SHARED_AXIS_RATIO`] times their shortest.
fn shared_axes(timelines: &[Timeline]) -> Vec<&[Timeline]> {
    let mut groups = Vec::new();
    let mut start = 0;
    let (mut shortest, mut longest) = (u64::MAX, 0);
    for (index, timeline) in timelines.iter().enumerate() {
        let end = timeline.end_us().max(1);
        let (low, high) = (shortest.min(end), longest.max(end));
        if index > start && high > low.saturating_mul(SHARED_AXIS_RATIO) {
            groups.push(&timelines[start..index]);
            start = index;
            (shortest, longest) = (end, end);
        } else {
            (shortest, longest) = (low, high);
        }
    }
    if start < timelines.len() {
        groups.push(&timelines[start..]);
    }
    groups
}

/// Timelines on one time axis (the longest one's), each with the controls
/// the script shows and the tooltip it fills.
fn timeline_group(timelines: &[Timeline]) -> Markup {
    let end_us = timelines
        .iter()
        .map(Timeline::end_us)
        .max()
        .unwrap_or(0)
        .max(1);
    let end_ms = format!("{:.3}", end_us as f64 / 1e3);
    markup! {
        div.timelines data-end-us=(end_us) {
            @for timeline in timelines {
                figure.timeline data-view-start="0.000" data-view-end=(end_ms) {
                    div.timeline-controls hidden role="group" aria-label="zoom and move" {
                        button type="button" data-action="zoom-in" aria-label="zoom in" { "+" }
                        button type="button" data-action="zoom-out" aria-label="zoom out" { "−" }
                        button type="button" data-action="left" aria-label="move earlier" { "◀" }
                        button type="button" data-action="right" aria-label="move later" { "▶" }
                        button type="button" data-action="reset" { "whole run" }
                        span.hint { "wheel or pinch to zoom · drag to move · double-click for the whole run" }
                    }
                    // `svg_on_axis` escapes every text it draws.
                    (PreEscaped(waiter::trace::svg_on_axis(timeline, end_us)))
                    div.timeline-tip role="tooltip" hidden {}
                    @if !timeline.title.is_empty() {
                        figcaption { (timeline.title) }
                    }
                }
            }
        }
    }
}

/// The report's figures, pretty-printed.
fn figures_json(report: &crate::Report) -> String {
    serde_json::to_string_pretty(&report.figures)
        .unwrap_or_else(|error| format!("(the figures cannot be shown: {error})"))
}

/// An id per section: its report's id made fit for a URL fragment (no
/// spaces, not empty), and unique on the page (`greet`, `greet-2`, …).
fn anchors(page: &Page) -> Vec<String> {
    let mut taken: HashSet<String> = PAGE_IDS.iter().map(|id| (*id).to_owned()).collect();
    page.sections
        .iter()
        .map(|section| {
            let base: String = section
                .report
                .id
                .chars()
                .map(|c| {
                    if c.is_whitespace() || c == '#' {
                        '-'
                    } else {
                        c
                    }
                })
                .collect();
            let base = if base.is_empty() {
                "section".to_owned()
            } else {
                base
            };
            let mut anchor = base.clone();
            let mut n = 2;
            while taken.contains(&anchor) {
                anchor = format!("{base}-{n}");
                n += 1;
            }
            taken.insert(anchor.clone());
            anchor
        })
        .collect()
}

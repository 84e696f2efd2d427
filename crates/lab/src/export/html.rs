//! The page: one self-contained HTML5 document.
//!
//! Everything is inline (the style sheet, the SVG pictures of the
//! timelines) and nothing runs (no scripts), so the page opens offline,
//! prints, and can be mailed as one file. The only links are to the sections
//! of the page, to the two JSON files beside it, and to Perfetto.
//!
//! All text goes through maud, which escapes it; the timelines' pictures
//! come from [`waiter::trace::svg()`], which escapes every text it draws, and
//! are inserted as they are.

use std::collections::HashSet;

use maud::{DOCTYPE, Markup, PreEscaped, html as markup};

use super::{Page, REPORT_FILE, Section, TRACE_FILE};
use crate::report::{Table, Timeline};

/// Ids the page uses for its own parts; sections get other ones.
const PAGE_IDS: [&str; 4] = ["notes", "contents", "contents-title", "files"];

/// Light, readable, printable; tables scroll sideways on narrow screens and
/// pictures shrink to the width.
const STYLE: &str = r#"
:root { color-scheme: light; }
* { box-sizing: border-box; }
body {
  margin: 0 auto; padding: 1.5rem 1rem 3rem; max-width: 64rem;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 1rem; line-height: 1.55; color: #1d1d1f; background: #ffffff;
}
h1 { font-size: 2rem; line-height: 1.2; margin: 0.5rem 0 1rem; }
h2 { font-size: 1.45rem; line-height: 1.25; margin: 0 0 0.75rem; }
h3 { font-size: 1.1rem; margin: 1.5rem 0 0.5rem; }
p { margin: 0 0 0.75rem; }
a { color: #0b5cad; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.9em; }
.intro { font-size: 1.1rem; color: #333333; }
.notes {
  margin: 1rem 0 1.5rem; padding: 0.75rem 1rem;
  border: 2px solid #c77700; border-left-width: 0.5rem; border-radius: 4px;
  background: #fff6e5; font-weight: 600;
}
.notes p:last-child { margin-bottom: 0; }
nav { margin: 1.5rem 0 2rem; padding: 0.75rem 1rem; background: #f5f6f7; border-radius: 4px; }
nav h2 { font-size: 1.1rem; margin-bottom: 0.25rem; }
nav ol { margin: 0; padding-left: 1.5rem; }
section { margin: 0 0 2.5rem; padding-top: 1.5rem; border-top: 1px solid #d0d4d9; }
.subtitle { color: #555555; font-style: italic; }
.words p { color: #333333; }
.explanation { border-left: 3px solid #0072b2; padding-left: 0.9rem; }
.table-scroll { overflow-x: auto; margin: 0.5rem 0 1.25rem; }
table { border-collapse: collapse; font-size: 0.95rem; }
caption { caption-side: top; text-align: left; font-weight: 600; padding: 0 0 0.35rem; position: sticky; left: 0; }
th, td { padding: 0.3rem 0.75rem; border-bottom: 1px solid #e1e4e8; text-align: left; vertical-align: top; }
thead th { border-bottom: 2px solid #8c959f; white-space: nowrap; }
tbody tr:nth-child(even) { background: #f7f8fa; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
figure { margin: 0.5rem 0 1.5rem; }
figure svg { display: block; max-width: 100%; height: auto; border: 1px solid #e1e4e8; }
figcaption { font-size: 0.9rem; color: #555555; margin-top: 0.3rem; }
.conclusions li { margin-bottom: 0.3rem; }
details { margin: 1rem 0; }
summary { cursor: pointer; color: #0b5cad; }
pre { overflow-x: auto; padding: 0.75rem; background: #f5f6f7; border-radius: 4px; }
footer { margin-top: 3rem; padding-top: 1rem; border-top: 1px solid #d0d4d9; font-size: 0.9rem; color: #444444; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  a { color: inherit; }
  nav, .notes, pre { background: none; }
  pre { white-space: pre-wrap; overflow-wrap: anywhere; }
  .table-scroll { overflow: visible; }
  section { break-before: auto; }
  figure, table, .notes { break-inside: avoid; }
  h2, h3, caption { break-after: avoid; }
}
"#;

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
                        " every timeline as a Chrome trace."
                    }
                    p {
                        "To zoom into the timelines, open "
                        code { (TRACE_FILE) }
                        " in "
                        a href="https://ui.perfetto.dev" { "https://ui.perfetto.dev" }
                        " or in "
                        code { "chrome://tracing" }
                        "."
                    }
                }
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
            @for table in &report.tables {
                (table_markup(table))
            }
            @for timeline in &report.timelines {
                (timeline_markup(timeline))
            }
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
    markup! {
        div.table-scroll {
            table {
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
                            @for cell in row {
                                td class=[cell.is_numeric().then_some("num")] { (cell.display()) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A timeline as an inline picture, captioned with its title.
fn timeline_markup(timeline: &Timeline) -> Markup {
    // `svg` escapes every text it draws: the picture is markup already.
    let picture = waiter::trace::svg(timeline);
    markup! {
        figure.timeline {
            (PreEscaped(picture))
            @if !timeline.title.is_empty() {
                figcaption { (timeline.title) }
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

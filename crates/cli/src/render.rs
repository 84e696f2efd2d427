//! Turns a [`Report`] into text for a terminal.
//!
//! Rendering is pure: a report in, a `String` out, nothing measured or
//! printed here. That keeps it testable on hand-built reports, and lets
//! other exporters (SVG, HTML) sit beside this one, reading the same model.
//!
//! - tables: comfy-table, numbers aligned right, durations in a fitting
//!   unit;
//! - timelines: one row of characters per lane, [`BAR_WIDTH`] columns wide,
//!   each column showing what the lane did then (`█` running, `~` waiting
//!   for I/O, `·` blocked on another thread; a philosopher's `-` thinking,
//!   `░` hungry, `█` eating; `▁` ready but waiting for a core; `▒` ready
//!   but waiting for the GIL). A span
//!   shorter than a column
//!   still gets one, so a 20 µs calculation next to a 1.5 s wait shows up;
//! - conclusions: a bulleted list.

use std::fmt::Write;

use comfy_table::{CellAlignment, ContentArrangement, modifiers, presets};
use waiter_lab::report::{State, Table, Timeline};
use waiter_lab::{Report, duration};

/// Narrower than this, a terminal's width is ignored when laying out
/// tables.
const MIN_WIDTH: u16 = 40;

/// Columns of a timeline bar.
pub(crate) const BAR_WIDTH: usize = 60;

/// The title and explanation, shown before an experiment runs.
pub(crate) fn intro(id: &str, title: &str, explanation: &[String]) -> String {
    let mut out = format!("waiter {id}: {title}\n");
    for line in explanation {
        let _ = writeln!(out, "  {line}");
    }
    out
}

/// Everything measured: tables, timelines, conclusions (the explanation is
/// [`intro`]'s).
pub(crate) fn results(report: &Report) -> String {
    let mut out = String::new();
    for table in &report.tables {
        out.push('\n');
        out.push_str(&render_table(table));
        out.push('\n');
    }
    if !report.timelines.is_empty() {
        out.push('\n');
        out.push_str(&legend(report));
        out.push('\n');
    }
    for timeline in &report.timelines {
        out.push_str(&render_timeline(timeline, BAR_WIDTH));
    }
    if !report.conclusions.is_empty() {
        out.push_str("\nConclusions:\n");
        for line in &report.conclusions {
            let _ = writeln!(out, "  - {line}");
        }
    }
    out
}

/// One table, titled, with numeric columns aligned right.
pub(crate) fn render_table(table: &Table) -> String {
    let mut out = comfy_table::Table::new();
    out.load_preset(presets::UTF8_FULL_CONDENSED)
        .apply_modifier(modifiers::UTF8_ROUND_CORNERS)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(table.columns.iter());
    // A terminal that reports no width (or a silly one, as a bare pseudo
    // terminal does) would squeeze every column to a letter: lay out freely.
    if out.width().is_some_and(|width| width < MIN_WIDTH) {
        out.set_content_arrangement(ContentArrangement::Disabled);
    }
    for row in &table.rows {
        out.add_row(row.iter().map(|cell| cell.display()));
    }
    for (index, column) in out.column_iter_mut().enumerate() {
        let numeric = !table.rows.is_empty()
            && table
                .rows
                .iter()
                .all(|row| row.get(index).is_some_and(|cell| cell.is_numeric()));
        if numeric {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    format!("{}\n{out}", table.title)
}

/// The character a state is drawn with.
fn symbol(state: State) -> char {
    match state {
        State::Running => '█',
        State::WaitingIo => '~',
        State::Blocked => '·',
        State::Thinking => '-',
        State::Hungry => '░',
        State::Eating => '█',
        State::WaitingCpu => '▁',
        State::WaitingGil => '▒',
        // States added by later experiments, until they get a symbol.
        _ => '?',
    }
}

/// One line naming the symbols used by the report's timelines.
fn legend(report: &Report) -> String {
    let mut states: Vec<State> = Vec::new();
    for span in report
        .timelines
        .iter()
        .flat_map(|t| &t.lanes)
        .flat_map(|l| &l.spans)
    {
        if !states.contains(&span.state) {
            states.push(span.state);
        }
    }
    let keys: Vec<String> = states
        .iter()
        .map(|&s| format!("{} {}", symbol(s), s.name()))
        .collect();
    format!("Timelines ({}):", keys.join(", "))
}

/// One timeline: a bar of `width` columns per lane, then the span labels.
pub(crate) fn render_timeline(timeline: &Timeline, width: usize) -> String {
    let width = width.max(1);
    let end = timeline.end_us();
    let column_us = end.div_ceil(width as u64).max(1);
    let name_width = timeline
        .lanes
        .iter()
        .map(|l| l.name.chars().count())
        .max()
        .unwrap_or(0);
    let mut out = format!(
        "{} (0 to {}, one column = {})\n",
        timeline.title,
        duration::format(std::time::Duration::from_micros(end)),
        duration::format(std::time::Duration::from_micros(column_us))
    );
    for lane in &timeline.lanes {
        let mut bar = vec![' '; width];
        let mut labels: Vec<&str> = Vec::new();
        for span in &lane.spans {
            let first = ((span.start_us / column_us) as usize).min(width - 1);
            let last = (span.end_us.div_ceil(column_us) as usize).clamp(first + 1, width);
            for cell in &mut bar[first..last] {
                *cell = symbol(span.state);
            }
            if let Some(label) = span.label.as_deref()
                && !labels.contains(&label)
            {
                labels.push(label);
            }
        }
        let bar: String = bar.into_iter().collect();
        let _ = writeln!(
            out,
            "  {:<name_width$} │{bar}│ {}",
            lane.name,
            shorten(&labels.join(", "), 48)
        );
    }
    out
}

/// `text`, cut to `max` characters with an ellipsis.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;
    use waiter_lab::report::{Cell, Lane, Span};

    fn sample() -> Report {
        let mut report = Report::new("greet", "Waiting");
        report.explanation.push("Threads reduce waiting.".into());
        let mut table = waiter_lab::report::Table::new("times", ["mode", "total"]);
        table.push_row(vec![Cell::from("sequential"), Cell::Micros(1_500_000)]);
        report.tables.push(table);
        report.timelines.push(Timeline {
            title: "two threads".into(),
            lanes: vec![
                Lane {
                    name: "main".into(),
                    spans: vec![Span::new(State::Blocked, 0, 1000).labelled("join")],
                },
                Lane {
                    name: "thread".into(),
                    spans: vec![Span::new(State::Running, 0, 1).labelled("complex_calculation")],
                },
                Lane {
                    name: "thread2".into(),
                    spans: vec![
                        Span::new(State::WaitingIo, 0, 900).labelled("ask_user"),
                        Span::new(State::Running, 900, 1000).labelled("ask_user"),
                    ],
                },
            ],
        });
        report.conclusions.push("It overlapped.".into());
        report
    }

    #[test]
    fn timelines_draw_one_bar_per_lane() {
        let text = render_timeline(&sample().timelines[0], 10);
        let expected = "\
two threads (0 to 1.0 ms, one column = 100.0 µs)
  main    │··········│ join
  thread  │█         │ complex_calculation
  thread2 │~~~~~~~~~█│ ask_user
";
        assert_eq!(text, expected);
    }

    #[test]
    fn tables_show_durations_and_titles() {
        let text = render_table(&sample().tables[0]);
        assert!(text.starts_with("times\n"));
        assert!(text.contains("sequential"));
        assert!(text.contains("1.50 s"));
    }

    #[test]
    fn a_whole_report_has_every_part() {
        let report = sample();
        let mut text = intro(&report.id, &report.title, &report.explanation);
        text.push_str(&results(&report));
        for part in [
            "waiter greet: Waiting",
            "  Threads reduce waiting.",
            "times",
            "Timelines (· blocked, █ running, ~ waiting-io):",
            "two threads (0 to",
            "Conclusions:\n  - It overlapped.",
        ] {
            assert!(text.contains(part), "missing {part:?} in\n{text}");
        }
    }

    #[test]
    fn empty_timelines_do_not_divide_by_zero() {
        let text = render_timeline(&Timeline::default(), 0);
        assert!(text.starts_with(" (0 to 0 ns"));
    }

    #[test]
    fn long_labels_are_shortened() {
        assert_eq!(shorten("abcdef", 4), "abc…");
        assert_eq!(shorten("abc", 4), "abc");
    }
}

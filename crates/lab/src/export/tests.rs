use std::fs;
use std::path::Path;
use std::time::Duration;

use scraper::{ElementRef, Html, Selector};
use serde_json::{Value, json};

use super::*;
use crate::Error;
use crate::report::{Cell, Lane, Span, State, Table, Timeline};

/// Text that must come out as it went in, not as markup.
const NASTY: &str = r#"<b>bold</b> & "quoted" 'single' <script>alert(1)</script>"#;

/// A report with every part: tables of every kind of cell, two timelines
/// of several lanes and states, conclusions, figures, and text to escape.
fn greet_report() -> Report {
    let mut report = Report::new("greet", format!("Waiting for the user {NASTY}"));
    report
        .explanation
        .push("Threads reduce waiting time.".into());
    report.explanation.push(format!("Explained: {NASTY}"));

    let mut totals = Table::new(
        "totals <by mode>",
        ["mode", "runs", "ratio", "total", "cost"],
    );
    totals.push_row(vec![
        Cell::from("sequential"),
        Cell::from(3u64),
        Cell::from(1.0),
        Cell::from(Duration::from_millis(1500)),
        Cell::Nanos(689),
    ]);
    totals.push_row(vec![
        Cell::from(NASTY),
        Cell::from(3u64),
        Cell::from(0.5),
        Cell::from(Duration::from_millis(750)),
        Cell::Missing,
    ]);
    totals.push_row(vec![
        Cell::from("pool of 2"),
        Cell::Int(-1),
        Cell::Float(0.333),
        Cell::Micros(12),
        Cell::Nanos(2_040),
    ]);
    report.tables.push(totals);
    let mut names = Table::new("names", ["who"]);
    names.push_row(vec![Cell::from("Ana")]);
    report.tables.push(names);

    report.timelines.push(Timeline {
        title: "sequential".into(),
        lanes: vec![Lane::new(
            "main",
            vec![
                Span::new(State::WaitingIo, 0, 1_000).labelled("ask_user"),
                Span::new(State::Running, 1_000, 2_500).labelled("complex_calculation"),
            ],
        )],
    });
    report.timelines.push(Timeline {
        title: format!("threads {NASTY}"),
        lanes: vec![
            Lane::new(
                "main",
                vec![Span::new(State::Blocked, 0, 1_600).labelled("join")],
            ),
            Lane::new(
                "worker-0",
                vec![Span::new(State::WaitingIo, 10, 1_000).labelled("ask_user")],
            ),
            Lane::new(
                format!("worker-1 {NASTY}"),
                vec![
                    Span::new(State::Running, 20, 800),
                    Span::new(State::WaitingGil, 800, 1_200),
                    Span::new(State::Running, 1_200, 1_550).labelled(NASTY),
                ],
            ),
        ],
    });

    report
        .conclusions
        .push("The total is the sum of the parts.".into());
    report.conclusions.push(format!("Concluded: {NASTY}"));
    report.set_figure("typing_ms", 1500);
    report.set_figure("modes", json!(["sequential", "threads", NASTY]));
    report
}

/// A second report with the same id as the first, one table, no timeline.
fn second_report() -> Report {
    let mut report = Report::new("greet", "Once more");
    let mut table = Table::new("again", ["mode", "total"]);
    table.push_row(vec![
        Cell::from("threads"),
        Cell::from(Duration::from_secs(1)),
    ]);
    report.tables.push(table);
    report.conclusions.push("Same again.".into());
    report
}

fn sample_page() -> Page {
    Page {
        title: format!("The tour {NASTY}"),
        intro: vec!["Every idea of the note.".into(), format!("Intro {NASTY}")],
        sections: vec![
            Section {
                heading: "1. Waiting for the user".into(),
                words: vec![
                    "A program waits for a person.".into(),
                    format!("Words {NASTY}"),
                ],
                report: greet_report(),
            },
            Section::new(format!("2. Again {NASTY}"), second_report()),
        ],
        notes: vec!["Interrupted during gil: the parts before it are complete.".into()],
    }
}

fn select<'a>(element: ElementRef<'a>, selector: &str) -> Vec<ElementRef<'a>> {
    let selector = Selector::parse(selector).unwrap();
    element.select(&selector).collect()
}

fn all<'a>(document: &'a Html, selector: &str) -> Vec<ElementRef<'a>> {
    select(document.root_element(), selector)
}

fn text(element: ElementRef<'_>) -> String {
    element.text().collect()
}

fn parse(page: &Page) -> Html {
    Html::parse_document(&html(page))
}

#[test]
fn html_parses_without_errors() {
    let source = html(&sample_page());
    assert!(source.starts_with("<!DOCTYPE html>"));
    let document = Html::parse_document(&source);
    assert!(document.errors.is_empty(), "{:?}", document.errors);
    // The check can fail: a broken document has errors.
    assert!(
        !Html::parse_document("<!DOCTYPE html><p></div>")
            .errors
            .is_empty()
    );
    assert_eq!(format!("{:?}", document.quirks_mode), "NoQuirks");
    assert_eq!(document.root_element().value().attr("lang"), Some("en"));
    assert_eq!(all(&document, "meta[charset]").len(), 1);
}

#[test]
fn html_has_title_intro_and_notes() {
    let page = sample_page();
    let document = parse(&page);
    assert_eq!(text(all(&document, "head > title")[0]), page.title);
    assert_eq!(text(all(&document, "h1")[0]), page.title);
    let intro: Vec<String> = all(&document, "p.intro").into_iter().map(text).collect();
    assert_eq!(intro, page.intro);
    let notes: Vec<String> = all(&document, "#notes p").into_iter().map(text).collect();
    assert_eq!(notes, page.notes);
}

#[test]
fn html_without_notes_has_no_notes_box() {
    let document = parse(&Page::single(second_report()));
    assert!(all(&document, "#notes").is_empty());
}

#[test]
fn html_links_every_section_from_the_contents() {
    let page = sample_page();
    let document = parse(&page);
    let links = all(&document, "nav#contents a");
    let sections = all(&document, "main > section");
    assert_eq!(links.len(), page.sections.len());
    assert_eq!(sections.len(), page.sections.len());

    let mut ids = Vec::new();
    for ((link, section), expected) in links.iter().zip(&sections).zip(&page.sections) {
        let id = section.value().attr("id").unwrap();
        assert_eq!(link.value().attr("href"), Some(format!("#{id}").as_str()));
        assert_eq!(text(*link), expected.heading);
        assert_eq!(text(select(*section, "h2")[0]), expected.heading);
        ids.push(id.to_owned());
    }
    // Both reports are called `greet`; their ids still differ.
    assert_eq!(ids, ["greet", "greet-2"]);
    // And no id of the page is used twice.
    let mut every_id: Vec<&str> = all(&document, "[id]")
        .iter()
        .filter_map(|element| element.value().attr("id"))
        .collect();
    let count = every_id.len();
    every_id.sort_unstable();
    every_id.dedup();
    assert_eq!(every_id.len(), count);
}

#[test]
fn section_ids_are_fit_for_links() {
    let mut page = Page::new("ids");
    for id in ["contents", "", "two words", "greet", "greet", "greet-2"] {
        page.sections
            .push(Section::new(format!("id {id:?}"), Report::new(id, "t")));
    }
    let document = parse(&page);
    let ids: Vec<&str> = all(&document, "main > section")
        .iter()
        .map(|section| section.value().attr("id").unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "contents-2",
            "section",
            "two-words",
            "greet",
            "greet-2",
            "greet-2-2"
        ]
    );
}

#[test]
fn html_shows_words_and_explanation() {
    let page = sample_page();
    let document = parse(&page);
    let section = all(&document, "main > section")[0];
    let words: Vec<String> = select(section, ".words p").into_iter().map(text).collect();
    assert_eq!(words, page.sections[0].words);
    let explanation: Vec<String> = select(section, ".explanation p")
        .into_iter()
        .map(text)
        .collect();
    assert_eq!(explanation, page.sections[0].report.explanation);
    // The report's title differs from the heading, so it is shown too.
    assert_eq!(
        text(select(section, ".subtitle")[0]),
        page.sections[0].report.title
    );
}

#[test]
fn html_has_one_table_per_report_table_with_its_rows_and_cells() {
    let page = sample_page();
    let document = parse(&page);
    let sections = all(&document, "main > section");
    for (section, expected) in sections.iter().zip(&page.sections) {
        let tables = select(*section, "table");
        assert_eq!(tables.len(), expected.report.tables.len());
        for (table, want) in tables.iter().zip(&expected.report.tables) {
            assert_eq!(text(select(*table, "caption")[0]), want.title);
            let header: Vec<String> = select(*table, "thead th").into_iter().map(text).collect();
            assert_eq!(header, want.columns);
            let rows = select(*table, "tbody tr");
            assert_eq!(rows.len(), want.rows.len());
            for (row, cells) in rows.iter().zip(&want.rows) {
                let tds = select(*row, "td");
                assert_eq!(tds.len(), cells.len());
                for (td, cell) in tds.iter().zip(cells) {
                    assert_eq!(text(*td), cell.display());
                    let right = td.value().classes().any(|class| class == "num");
                    assert_eq!(right, cell.is_numeric(), "{cell:?}");
                }
            }
        }
    }
    // Every table scrolls sideways on its own on a narrow screen.
    assert_eq!(
        all(&document, ".table-scroll > table").len(),
        all(&document, "table").len()
    );
    // A column of numbers has its header on the right too; words on the left.
    let headers = select(select(sections[0], "table")[0], "thead th");
    let right: Vec<bool> = headers
        .iter()
        .map(|th| th.value().classes().any(|class| class == "num"))
        .collect();
    assert_eq!(right, [false, true, true, true, true]);
}

#[test]
fn html_has_one_svg_per_timeline_with_its_caption() {
    let page = sample_page();
    let document = parse(&page);
    let sections = all(&document, "main > section");
    for (section, expected) in sections.iter().zip(&page.sections) {
        let figures = select(*section, "figure.timeline");
        assert_eq!(figures.len(), expected.report.timelines.len());
        for (figure, timeline) in figures.iter().zip(&expected.report.timelines) {
            assert_eq!(select(*figure, "svg").len(), 1);
            assert_eq!(text(select(*figure, "figcaption")[0]), timeline.title);
            // One bar per span, and every lane name drawn.
            let spans: usize = timeline.lanes.iter().map(|lane| lane.spans.len()).sum();
            assert_eq!(select(*figure, "rect.span").len(), spans);
            assert_eq!(
                select(*figure, "text.lane-name").len(),
                timeline.lanes.len()
            );
        }
    }
    assert_eq!(all(&document, "svg").len(), 2);
    // The pictures shrink to the page's width.
    assert!(html(&page).contains("max-width: 100%"));
}

#[test]
fn html_lists_every_conclusion() {
    let page = sample_page();
    let document = parse(&page);
    let sections = all(&document, "main > section");
    for (section, expected) in sections.iter().zip(&page.sections) {
        let items: Vec<String> = select(*section, "ul.conclusions li")
            .into_iter()
            .map(text)
            .collect();
        assert_eq!(items, expected.report.conclusions);
    }
}

#[test]
fn html_puts_the_figures_in_a_collapsed_details() {
    let page = sample_page();
    let document = parse(&page);
    let sections = all(&document, "main > section");
    let details = select(sections[0], "details");
    assert_eq!(details.len(), 1);
    assert_eq!(details[0].value().attr("open"), None);
    let shown = text(select(details[0], "pre")[0]);
    assert!(shown.contains('\n'), "pretty-printed");
    let figures: Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(
        figures,
        serde_json::to_value(&page.sections[0].report.figures).unwrap()
    );
    // The second report has no figures: nothing to unfold.
    assert!(select(sections[1], "details").is_empty());
}

#[test]
fn html_escapes_every_text() {
    let page = sample_page();
    let source = html(&page);
    // The only script is the page's own (the timelines' controls); the
    // script-like text of the reports is escaped.
    assert_eq!(source.matches("<script").count(), 1);
    assert!(!source.contains("<b>bold"));
    assert!(source.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    let document = Html::parse_document(&source);
    let scripts = all(&document, "script");
    assert_eq!(scripts.len(), 1);
    assert_eq!(text(scripts[0]), include_str!("timeline.js"));
    assert!(all(&document, "b").is_empty());
    // Read back, the text is intact.
    let body = text(all(&document, "body")[0]);
    for expected in [
        format!("Intro {NASTY}"),
        format!("Words {NASTY}"),
        format!("Explained: {NASTY}"),
        format!("Concluded: {NASTY}"),
        format!("2. Again {NASTY}"),
    ] {
        assert!(body.contains(&expected), "missing: {expected}");
    }
    let cells: Vec<String> = all(&document, "td").into_iter().map(text).collect();
    assert!(cells.contains(&NASTY.to_owned()));
    // Lane names and labels, drawn in the SVG, are intact too.
    let lanes: Vec<String> = all(&document, "text.lane-name title")
        .into_iter()
        .map(text)
        .collect();
    assert!(lanes.contains(&format!("worker-1 {NASTY}")));
}

#[test]
fn html_needs_no_network() {
    let source = html(&sample_page());
    let document = Html::parse_document(&source);
    assert!(all(&document, "link, img, iframe, object, embed").is_empty());
    // One inline script, which loads nothing.
    let scripts = all(&document, "script");
    assert_eq!(scripts.len(), 1);
    for loader in ["fetch(", "XMLHttpRequest", "import(", "src"] {
        assert!(!text(scripts[0]).contains(loader), "{loader}");
    }
    assert!(!source.contains("src="));
    assert!(!source.contains("@import"));
    assert!(!source.contains("url("));
    // The only address out is a link to Perfetto, named in the footer with
    // the files beside the page.
    let footer = text(all(&document, "footer")[0]);
    for name in [
        REPORT_FILE,
        TRACE_FILE,
        "https://ui.perfetto.dev",
        "chrome://tracing",
    ] {
        assert!(footer.contains(name), "footer without {name}");
    }
    let outside: Vec<&str> = all(&document, "a[href]")
        .iter()
        .filter_map(|a| a.value().attr("href"))
        .filter(|href| href.contains(':'))
        .collect();
    assert_eq!(outside, ["https://ui.perfetto.dev"]);
}

#[test]
fn an_empty_page_is_a_valid_document() {
    let document = parse(&Page::default());
    assert!(document.errors.is_empty(), "{:?}", document.errors);
    assert!(all(&document, "main > section").is_empty());
    assert!(all(&document, "nav#contents li").is_empty());
}

#[test]
fn a_timeline_without_spans_still_gets_a_picture() {
    let mut report = Report::new("empty", "Nothing happened");
    report.timelines.push(Timeline::default());
    let document = parse(&Page::single(report));
    assert_eq!(all(&document, "figure.timeline svg").len(), 1);
    assert!(all(&document, "figcaption").is_empty());
}

#[test]
fn page_single_has_one_section_headed_by_the_title() {
    let report = greet_report();
    let page = Page::single(report.clone());
    assert_eq!(page.title, report.title);
    assert!(page.intro.is_empty() && page.notes.is_empty());
    assert_eq!(
        page.sections,
        [Section::new(report.title.clone(), report.clone())]
    );

    let document = parse(&page);
    let sections = all(&document, "main > section");
    assert_eq!(sections.len(), 1);
    assert_eq!(sections[0].value().attr("id"), Some("greet"));
    assert_eq!(text(select(sections[0], "h2")[0]), report.title);
    // The heading is the title: it is not repeated under it.
    assert!(select(sections[0], ".subtitle").is_empty());
    assert!(select(sections[0], ".words").is_empty());
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn write_folder_writes_the_three_files() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("a").join("b").join("report");
    let page = sample_page();
    let written = write_folder(&target, &page).unwrap();
    assert_eq!(
        written,
        Written {
            index: target.join("index.html"),
            json: target.join("report.json"),
            trace: target.join("trace.json"),
        }
    );
    assert_eq!(fs::read_to_string(&written.index).unwrap(), html(&page));

    let mut names: Vec<String> = fs::read_dir(&target)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["index.html", "report.json", "trace.json"]);
}

#[test]
fn report_json_parses_back_into_the_reports() {
    let dir = tempfile::tempdir().unwrap();
    let page = sample_page();
    let written = write_folder(dir.path(), &page).unwrap();
    let source = fs::read_to_string(&written.json).unwrap();
    assert!(source.contains("\n  "), "pretty-printed");
    let back: Vec<Report> = serde_json::from_str(&source).unwrap();
    let reports: Vec<Report> = page.sections.into_iter().map(|s| s.report).collect();
    assert_eq!(back, reports);
}

#[test]
fn trace_json_has_a_thread_per_lane_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let page = sample_page();
    let written = write_folder(dir.path(), &page).unwrap();
    let trace = read_json(&written.trace);
    let events = trace["traceEvents"].as_array().unwrap();
    let threads: Vec<(u64, &str)> = events
        .iter()
        .filter(|event| event["name"] == "thread_name")
        .map(|event| {
            (
                event["pid"].as_u64().unwrap(),
                event["args"]["name"].as_str().unwrap(),
            )
        })
        .collect();
    let expected: Vec<(u64, &str)> = (1u64..)
        .zip(page.timelines())
        .flat_map(|(pid, timeline)| timeline.lanes.iter().map(move |l| (pid, l.name.as_str())))
        .collect();
    assert_eq!(threads, expected);
    assert_eq!(threads.len(), 4);
    let spans = events.iter().filter(|event| event["ph"] == "X").count();
    assert_eq!(spans, 7);
}

#[test]
fn writing_twice_replaces_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut page = sample_page();
    page.sections.truncate(1);
    write_folder(dir.path(), &page).unwrap();

    // The tour rewrites the folder after each part.
    page.sections.push(Section::new("2. More", second_report()));
    let written = write_folder(dir.path(), &page).unwrap();
    let back: Vec<Report> =
        serde_json::from_str(&fs::read_to_string(&written.json).unwrap()).unwrap();
    assert_eq!(back.len(), 2);
    assert_eq!(fs::read_to_string(&written.index).unwrap(), html(&page));
    // No temporary file is left behind.
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 3);
}

#[test]
fn writing_into_a_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("taken");
    fs::write(&file, "not a folder").unwrap();
    let error = write_folder(&file, &sample_page()).unwrap_err();
    assert!(matches!(error, Error::Write { ref path, .. } if *path == file));
    let message = error.to_string();
    assert!(message.contains(&file.display().to_string()), "{message}");
    assert!(message.contains("is a file, not a folder"), "{message}");
    assert_eq!(fs::read_to_string(&file).unwrap(), "not a folder");
}

#[test]
fn writing_under_a_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("taken");
    fs::write(&file, "not a folder").unwrap();
    let target = file.join("report");
    let error = write_folder(&target, &sample_page()).unwrap_err();
    let message = error.to_string();
    assert!(
        message.starts_with("cannot write the report to "),
        "{message}"
    );
    assert!(message.contains(&target.display().to_string()), "{message}");
}

#[cfg(unix)]
#[test]
fn writing_into_a_read_only_folder_is_an_error() {
    use std::os::unix::fs::PermissionsExt as _;

    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("locked");
    fs::create_dir(&target).unwrap();
    fs::set_permissions(&target, fs::Permissions::from_mode(0o555)).unwrap();
    // Whoever may write anyway (root) cannot see this error: skip.
    let probe = target.join("probe");
    if fs::write(&probe, "").is_ok() {
        fs::remove_file(&probe).unwrap();
        eprintln!("skipped: this user can write into a read-only folder");
        return;
    }
    let result = write_folder(&target, &sample_page());
    let listed = fs::read_dir(&target).unwrap().count();
    fs::set_permissions(&target, fs::Permissions::from_mode(0o755)).unwrap();

    let message = result.unwrap_err().to_string();
    assert!(message.contains(&target.display().to_string()), "{message}");
    assert_eq!(listed, 0, "nothing half written");
}

#[cfg(unix)]
#[test]
fn replace_follows_a_link_and_replaces_its_target() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("target.json");
    let link = dir.path().join("link.json");
    std::fs::write(&target, "old").unwrap();
    std::os::unix::fs::symlink("target.json", &link).unwrap();
    crate::export::replace(&link, b"new").unwrap();
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
    // A link to a file not made yet: made there.
    let dangling = dir.path().join("dangling.json");
    std::os::unix::fs::symlink("later.json", &dangling).unwrap();
    crate::export::replace(&dangling, b"made").unwrap();
    assert_eq!(
        std::fs::read_to_string(dir.path().join("later.json")).unwrap(),
        "made"
    );
}

#[cfg(unix)]
#[test]
fn replace_writes_through_a_device_and_a_fifo() {
    use std::os::unix::fs::FileTypeExt;
    crate::export::replace(std::path::Path::new("/dev/null"), b"gone").unwrap();
    assert!(
        std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device()
    );
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|status| status.success()) {
        eprintln!("skipped the FIFO case: mkfifo did not run");
        return;
    }
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(&fifo).unwrap())
    };
    crate::export::replace(&fifo, b"through the pipe").unwrap();
    assert_eq!(reader.join().unwrap(), b"through the pipe");
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
}

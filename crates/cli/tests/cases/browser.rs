//! The tour's page in a real browser: a headless Chromium, driven over the
//! DevTools protocol, at a desktop's size and a phone's.
//!
//! What a reader would notice is asserted: an error in the console, an
//! element wider than its box (a table that scrolls sideways), a plot
//! without its marks, a timeline that does not zoom on the wheel, a span
//! whose tooltip does not say how long it lasted. Screenshots of both sizes
//! are saved under `target/browser-test/` to look at.
//!
//! Without a Chromium the test prints one line saying it was skipped and
//! why, unless `WAITER_BROWSER_REQUIRED` is set (as `.ci/run` does), which
//! makes a missing browser a failure. `WAITER_BROWSER` names the browser to
//! use; otherwise the usual names are looked up on `PATH`.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chromiumoxide::browser::{Browser, BrowserConfig};
use chromiumoxide::cdp::browser_protocol::emulation::{
    SetDeviceMetricsOverrideParams, SetEmulatedMediaParams, SetScriptExecutionDisabledParams,
    SetTouchEmulationEnabledParams,
};
use chromiumoxide::cdp::browser_protocol::input::{
    DispatchMouseEventParams, DispatchMouseEventType, DispatchTouchEventParams,
    DispatchTouchEventType, MouseButton, TouchPoint,
};
use chromiumoxide::cdp::browser_protocol::log::EventEntryAdded;
use chromiumoxide::cdp::js_protocol::runtime::{EventConsoleApiCalled, EventExceptionThrown};
use chromiumoxide::layout::Point;
use chromiumoxide::page::ScreenshotParams;
use futures_util::StreamExt as _;
use serde_json::Value;

use super::waiter;

/// The plots every quick tour has (the CPython lines of the convoy plot
/// only where `python3` ran; the plot itself always).
const PLOTS: [&str; 9] = [
    "greet-parts",
    "cores-speedup",
    "cores-switches",
    "cores-costs",
    "dine-meals",
    "dine-hunger",
    "dine-eaters",
    "gil-speedups",
    "gil-convoy",
];

/// The browser: `WAITER_BROWSER`, or the first usual name on `PATH`.
fn find_browser() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("WAITER_BROWSER") {
        return Some(PathBuf::from(path));
    }
    let names = [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
        "headless_shell",
    ];
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// Where screenshots go: `target/browser-test/`.
fn screenshots() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let dir = target.join("browser-test");
    std::fs::create_dir_all(&dir).expect("the screenshots' folder can be made");
    dir
}

/// A duration in microseconds as the page writes it.
fn human(us: f64) -> String {
    if us < 1000.0 {
        return format!("{} µs", us.round());
    }
    let (value, unit) = if us < 1e6 {
        (us / 1e3, "ms")
    } else {
        (us / 1e6, "s")
    };
    let digits = if value < 10.0 {
        2
    } else if value < 100.0 {
        1
    } else {
        0
    };
    format!("{value:.digits$} {unit}")
}

#[test]
fn the_tour_page_reads_well_in_a_real_browser_at_desktop_and_phone_sizes() {
    let Some(browser) = find_browser() else {
        let why = "no Chromium found (tried $WAITER_BROWSER, then chromium, chromium-browser, \
                   google-chrome, google-chrome-stable, headless_shell on PATH)";
        if std::env::var_os("WAITER_BROWSER_REQUIRED").is_some() {
            panic!("WAITER_BROWSER_REQUIRED is set, but {why}");
        }
        // Straight to stderr: the test harness would swallow `eprintln!`.
        let _ = writeln!(
            std::io::stderr(),
            "browser test skipped: {why}; install chromium to run it"
        );
        return;
    };

    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report");
    waiter()
        .args(["tour", "--quick", "--report"])
        .arg(&report)
        .timeout(Duration::from_secs(300))
        .assert()
        .success();
    let index = report.join("index.html");
    let size = std::fs::metadata(&index).unwrap().len();
    assert!(size < 1_000_000, "the page is {size} bytes");
    let url = format!("file://{}", index.display());

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(check_page(&browser, dir.path(), &url));
}

async fn check_page(browser: &Path, dir: &Path, url: &str) {
    let config = BrowserConfig::builder()
        .chrome_executable(browser)
        .no_sandbox()
        .user_data_dir(dir.join("profile"))
        .viewport(None)
        .window_size(1280, 800)
        .launch_timeout(Duration::from_secs(60))
        .request_timeout(Duration::from_secs(60))
        .args([
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ])
        .build()
        .unwrap();
    let (mut chromium, mut handler) = Browser::launch(config)
        .await
        .unwrap_or_else(|error| panic!("{} does not start: {error}", browser.display()));
    let events = tokio::spawn(async move { while handler.next().await.is_some() {} });

    let page = chromium.new_page("about:blank").await.unwrap();
    page.enable_log().await.unwrap();
    page.enable_runtime().await.unwrap();
    let errors = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut console = page
        .event_listener::<EventConsoleApiCalled>()
        .await
        .unwrap();
    let mut thrown = page.event_listener::<EventExceptionThrown>().await.unwrap();
    let mut logged = page.event_listener::<EventEntryAdded>().await.unwrap();
    {
        let errors = Arc::clone(&errors);
        tokio::spawn(async move {
            while let Some(event) = console.next().await {
                let kind = format!("{:?}", event.r#type).to_lowercase();
                if kind.contains("error") || kind.contains("assert") {
                    errors
                        .lock()
                        .unwrap()
                        .push(format!("console: {:?}", event.args));
                }
            }
        });
    }
    {
        let errors = Arc::clone(&errors);
        tokio::spawn(async move {
            while let Some(event) = thrown.next().await {
                errors
                    .lock()
                    .unwrap()
                    .push(format!("exception: {:?}", event.exception_details));
            }
        });
    }
    {
        let errors = Arc::clone(&errors);
        tokio::spawn(async move {
            while let Some(event) = logged.next().await {
                if format!("{:?}", event.entry.level)
                    .to_lowercase()
                    .contains("error")
                {
                    errors
                        .lock()
                        .unwrap()
                        .push(format!("log: {}", event.entry.text));
                }
            }
        });
    }

    for (name, width, height, mobile) in [("desktop", 1280, 800, false), ("phone", 390, 844, true)]
    {
        emulate(&page, width, height, mobile).await;
        page.goto(url).await.unwrap();
        page.wait_for_navigation().await.unwrap();
        // First the picture (also when a check below fails); taking a
        // whole page's picture resizes the page, so the size is set again.
        page.save_screenshot(
            ScreenshotParams::builder().full_page(true).build(),
            screenshots().join(format!("{name}.png")),
        )
        .await
        .unwrap();
        emulate(&page, width, height, mobile).await;
        check_size(&page, name, width).await;
    }

    // Printed: the plots and tables stay, the controls go.
    page.execute(SetEmulatedMediaParams::builder().media("print").build())
        .await
        .unwrap();
    let printed = eval(
        &page,
        "({ controls: [...document.querySelectorAll('.timeline-controls')].filter(e => getComputedStyle(e).display !== 'none').length, \
            plots: [...document.querySelectorAll('figure.plot svg')].filter(e => e.getBoundingClientRect().height > 0).length, \
            tables: [...document.querySelectorAll('table')].filter(e => e.getBoundingClientRect().height > 0).length })",
    )
    .await;
    assert_eq!(printed["controls"], 0, "printed: {printed}");
    assert!(
        printed["plots"].as_u64().unwrap() >= PLOTS.len() as u64,
        "printed: {printed}"
    );
    assert!(
        printed["tables"].as_u64().unwrap() >= 5,
        "printed: {printed}"
    );

    // Without JavaScript: every picture is there, static, and no control
    // that would not work is shown.
    page.execute(SetEmulatedMediaParams::builder().media("screen").build())
        .await
        .unwrap();
    page.execute(SetScriptExecutionDisabledParams::new(true))
        .await
        .unwrap();
    page.goto(url).await.unwrap();
    page.wait_for_navigation().await.unwrap();
    let bare = eval(
        &page,
        "({ controls: [...document.querySelectorAll('.timeline-controls')].filter(e => getComputedStyle(e).display !== 'none').length, \
            live: document.querySelectorAll('svg.live').length, \
            timelines: document.querySelectorAll('figure.timeline').length, \
            drawn: [...document.querySelectorAll('figure.timeline svg')].filter(s => s.querySelector('.span, .empty') && s.querySelector('.axis, .empty')).length, \
            plots: document.querySelectorAll('figure.plot svg .mark').length })",
    )
    .await;
    assert_eq!(bare["controls"], 0, "without scripts: {bare}");
    assert_eq!(bare["live"], 0, "without scripts: {bare}");
    assert_eq!(bare["drawn"], bare["timelines"], "without scripts: {bare}");
    assert!(
        bare["plots"].as_u64().unwrap() > 0,
        "without scripts: {bare}"
    );

    let seen = errors.lock().unwrap().clone();
    assert!(seen.is_empty(), "the console says: {seen:#?}");

    chromium.close().await.unwrap();
    let _ = chromium.wait().await;
    events.abort();
}

/// The page as a screen of this size shows it.
async fn emulate(page: &chromiumoxide::Page, width: i64, height: i64, mobile: bool) {
    page.execute(
        SetDeviceMetricsOverrideParams::builder()
            .width(width)
            .height(height)
            .device_scale_factor(1.0)
            .mobile(mobile)
            .build()
            .unwrap(),
    )
    .await
    .unwrap();
}

async fn eval(page: &chromiumoxide::Page, expression: &str) -> Value {
    page.evaluate(expression)
        .await
        .unwrap_or_else(|error| panic!("{expression}: {error}"))
        .into_value()
        .unwrap_or(Value::Null)
}

/// What a reader of the page at this size would notice.
async fn check_size(page: &chromiumoxide::Page, name: &str, width: i64) {
    // No element wider than its box, and no sideways scroll. Inside an
    // SVG, shapes live in the picture's own coordinates: the picture
    // itself is checked.
    let overflow = eval(
        page,
        r#"(() => {
            const bad = [];
            const describe = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
                (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\s+/).join('.') : '') +
                ' «' + (e.textContent || '').trim().slice(0, 40) + '»';
            for (const e of document.body.querySelectorAll('*')) {
                if (e.closest('svg') && e.tagName.toLowerCase() !== 'svg') continue;
                const style = getComputedStyle(e);
                if (style.display === 'none' || style.position === 'absolute') continue;
                if (e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0 && style.overflowX !== 'visible') {
                    bad.push(describe(e) + ' scrolls: ' + e.scrollWidth + ' > ' + e.clientWidth);
                }
                const parent = e.parentElement;
                if (!parent || parent === document.documentElement) continue;
                const box = parent.getBoundingClientRect(), own = e.getBoundingClientRect();
                if (own.width > 0 && own.right > box.right + 1) {
                    bad.push(describe(e) + ' is wider than its box: ' + Math.round(own.right) + ' > ' + Math.round(box.right));
                }
            }
            const page = document.documentElement;
            if (page.scrollWidth > window.innerWidth) bad.push('the page scrolls sideways: ' + page.scrollWidth + ' > ' + window.innerWidth);
            return bad;
        })()"#,
    )
    .await;
    assert_eq!(
        eval(page, "window.innerWidth").await,
        Value::from(width),
        "{name}: the viewport"
    );
    assert_eq!(overflow, Value::Array(Vec::new()), "{name}: {overflow:#}");

    // Every plot, with its marks.
    let plots = eval(
        page,
        "[...document.querySelectorAll('figure.plot')].map(f => ({ id: f.dataset.plot, \
           declared: +f.dataset.marks, marks: f.querySelectorAll('svg .mark').length, \
           visible: f.querySelector('svg').getBoundingClientRect().width, \
           caption: (f.querySelector('figcaption') || {}).textContent || '', \
           desc: (f.querySelector('svg desc') || {}).textContent || '' }))",
    )
    .await;
    let plots = plots.as_array().expect("a list of plots");
    for id in PLOTS {
        let plot = plots
            .iter()
            .find(|p| p["id"] == id)
            .unwrap_or_else(|| panic!("{name}: no plot {id} in {plots:#?}"));
        let marks = plot["marks"].as_u64().unwrap();
        assert!(marks > 0, "{name}: plot {id} has no marks: {plot}");
        assert_eq!(plot["declared"].as_u64(), Some(marks), "{name}: {plot}");
        assert!(plot["visible"].as_f64().unwrap() > 200.0, "{name}: {plot}");
        assert!(
            !plot["caption"].as_str().unwrap().is_empty(),
            "{name}: {plot}"
        );
        assert!(!plot["desc"].as_str().unwrap().is_empty(), "{name}: {plot}");
    }

    // The wheel over a timeline zooms it, and the other timelines of the
    // same experiment with it (one shared axis).
    let before = eval(
        page,
        r#"(() => {
            // A timeline that shares its axis with another, the GIL's first.
            const shared = [...document.querySelectorAll('.timelines')].filter(g => g.querySelectorAll('figure.timeline').length > 1);
            const figure = (shared.find(g => g.closest('#gil')) || shared[0]).querySelector('figure.timeline');
            figure.scrollIntoView({ block: 'center' });
            figure.id = figure.id || 'under-test';
            const svg = figure.querySelector('svg').getBoundingClientRect();
            const group = [...figure.closest('.timelines').querySelectorAll('figure.timeline')];
            return { id: figure.id, x: svg.left + svg.width * 0.6, y: svg.top + svg.height * 0.5,
                     start: +figure.dataset.viewStart, end: +figure.dataset.viewEnd,
                     others: group.filter(f => f !== figure).map(f => +f.dataset.viewEnd) };
        })()"#,
    )
    .await;
    let (x, y) = (before["x"].as_f64().unwrap(), before["y"].as_f64().unwrap());
    page.execute(
        DispatchMouseEventParams::builder()
            .r#type(DispatchMouseEventType::MouseWheel)
            .x(x)
            .y(y)
            .delta_x(0.0)
            .delta_y(-400.0)
            .build()
            .unwrap(),
    )
    .await
    .unwrap();
    let after = eval(
        page,
        &format!(
            "(() => {{ const figure = document.getElementById('{}'); \
               const group = [...figure.closest('.timelines').querySelectorAll('figure.timeline')]; \
               return {{ start: +figure.dataset.viewStart, end: +figure.dataset.viewEnd, \
                        others: group.filter(f => f !== figure).map(f => +f.dataset.viewEnd) }}; }})()",
            before["id"].as_str().unwrap()
        ),
    )
    .await;
    let span = |v: &Value| v["end"].as_f64().unwrap() - v["start"].as_f64().unwrap();
    assert!(
        span(&after) < span(&before) * 0.9,
        "{name}: the wheel did not zoom in: {before} → {after}"
    );
    assert!(
        after["start"].as_f64().unwrap() > before["start"].as_f64().unwrap(),
        "{name}: zoomed round the pointer, at 60% of the picture: {before} → {after}"
    );
    for other in after["others"].as_array().unwrap() {
        assert_eq!(
            other, &after["end"],
            "{name}: one axis per experiment: {after}"
        );
    }

    // Hovering a span shows lane, state, start and duration: a span wide
    // enough to point at, in the zoomed timelines (the one zoomed may show
    // nothing at this zoom, if it ended earlier than the others).
    let target = eval(
        page,
        &format!(
            "(() => {{ const zoomed = document.getElementById('{}'); \
               const figures = [zoomed, ...zoomed.closest('.timelines').querySelectorAll('figure.timeline')]; \
               for (const figure of figures) {{ \
                 const spans = [...figure.querySelectorAll('svg .span:not(.instant)')] \
                   .filter(s => s.getAttribute('display') !== 'none' && s.getBoundingClientRect().width >= 3); \
                 if (!spans.length) continue; \
                 figure.id = figure.id || 'hovered'; \
                 const s = spans[Math.floor(spans.length / 2)]; s.scrollIntoView({{ block: 'center' }}); \
                 const r = s.getBoundingClientRect(); \
                 return {{ figure: figure.id, x: r.left + r.width / 2, y: r.top + r.height / 2, lane: s.parentNode.dataset.lane, \
                          state: s.dataset.state, start: +s.dataset.startUs, end: +s.dataset.endUs }}; }} \
               return null; }})()",
            before["id"].as_str().unwrap()
        ),
    )
    .await;
    assert!(
        target.is_object(),
        "{name}: no span to point at after zooming"
    );
    page.move_mouse(Point {
        x: target["x"].as_f64().unwrap(),
        y: target["y"].as_f64().unwrap(),
    })
    .await
    .unwrap();
    let tip = eval(
        page,
        &format!(
            "(() => {{ const tip = document.getElementById('{}').querySelector('[role=tooltip]'); \
               return {{ hidden: tip.hidden, text: tip.textContent }}; }})()",
            target["figure"].as_str().unwrap()
        ),
    )
    .await;
    let text = tip["text"].as_str().unwrap_or("");
    let duration = human(target["end"].as_f64().unwrap() - target["start"].as_f64().unwrap());
    assert_eq!(tip["hidden"], false, "{name}: no tooltip over {target}");
    for part in [
        format!("lane: {}", target["lane"].as_str().unwrap()),
        format!("state: {}", target["state"].as_str().unwrap()),
        format!("start: {}", human(target["start"].as_f64().unwrap())),
        format!("duration: {duration}"),
    ] {
        assert!(
            text.contains(&part),
            "{name}: {part:?} not in the tooltip {text:?}"
        );
    }

    // Double-click shows the whole run again.
    let centre = eval(
        page,
        &format!(
            "(() => {{ const svg = document.getElementById('{}').querySelector('svg'); \
               svg.scrollIntoView({{ block: 'center' }}); const r = svg.getBoundingClientRect(); \
               return {{ x: r.left + r.width * 0.6, y: r.top + r.height / 2 }}; }})()",
            before["id"].as_str().unwrap()
        ),
    )
    .await;
    page.click_with(
        Point {
            x: centre["x"].as_f64().unwrap(),
            y: centre["y"].as_f64().unwrap(),
        },
        chromiumoxide::types::ClickOptions::builder()
            .click_count(2)
            .build(),
    )
    .await
    .unwrap();
    let reset = eval(
        page,
        &format!(
            "+document.getElementById('{}').dataset.viewEnd",
            before["id"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(
        reset, before["end"],
        "{name}: a double-click resets the view"
    );
    check_gestures(page, name, before["id"].as_str().unwrap()).await;
}

/// The view of a timeline: (start, end) in ms.
async fn view(page: &chromiumoxide::Page, id: &str) -> (f64, f64) {
    let view = eval(
        page,
        &format!(
            "(() => {{ const f = document.getElementById('{id}'); \
               return [+f.dataset.viewStart, +f.dataset.viewEnd]; }})()"
        ),
    )
    .await;
    (view[0].as_f64().unwrap(), view[1].as_f64().unwrap())
}

/// Where a part of the timeline `id` is on the screen, scrolled into view:
/// `what` is `svg` (at `at` of its width) or a button's `data-action`.
async fn point(page: &chromiumoxide::Page, id: &str, what: &str, at: f64) -> Point {
    let selector = if what == "svg" {
        "svg".to_owned()
    } else {
        format!("button[data-action={what}]")
    };
    let p = eval(
        page,
        &format!(
            "(() => {{ const f = document.getElementById('{id}'); f.scrollIntoView({{ block: 'center' }}); \
               const r = f.querySelector('{selector}').getBoundingClientRect(); \
               return [r.left + r.width * {at}, r.top + r.height / 2]; }})()"
        ),
    )
    .await;
    Point {
        x: p[0].as_f64().unwrap(),
        y: p[1].as_f64().unwrap(),
    }
}

/// The buttons, a drag and a pinch, on the timeline `id` showing its whole
/// run.
async fn check_gestures(page: &chromiumoxide::Page, name: &str, id: &str) {
    let whole = view(page, id).await;
    let width = |v: (f64, f64)| v.1 - v.0;

    page.click(point(page, id, "zoom-in", 0.5).await)
        .await
        .unwrap();
    let zoomed = view(page, id).await;
    let ratio = width(zoomed) / width(whole);
    assert!(
        (0.45..=0.55).contains(&ratio),
        "{name}: + halves the view: {whole:?} → {zoomed:?}"
    );

    // Dragging to the left shows later times, at the same zoom.
    let from = point(page, id, "svg", 0.6).await;
    let mouse = |kind, x: f64, buttons| {
        DispatchMouseEventParams::builder()
            .r#type(kind)
            .x(x)
            .y(from.y)
            .button(MouseButton::Left)
            .buttons(buttons)
            .click_count(1)
            .build()
            .unwrap()
    };
    page.execute(mouse(DispatchMouseEventType::MousePressed, from.x, 1))
        .await
        .unwrap();
    for step in 1..=5 {
        page.execute(mouse(
            DispatchMouseEventType::MouseMoved,
            from.x - 20.0 * f64::from(step),
            1,
        ))
        .await
        .unwrap();
    }
    page.execute(mouse(
        DispatchMouseEventType::MouseReleased,
        from.x - 100.0,
        0,
    ))
    .await
    .unwrap();
    let dragged = view(page, id).await;
    assert!(
        dragged.0 > zoomed.0,
        "{name}: a drag pans: {zoomed:?} → {dragged:?}"
    );
    assert!(
        (width(dragged) - width(zoomed)).abs() < width(zoomed) * 0.01,
        "{name}: a drag keeps the zoom: {zoomed:?} → {dragged:?}"
    );

    page.click(point(page, id, "reset", 0.5).await)
        .await
        .unwrap();
    assert_eq!(view(page, id).await, whole, "{name}: \"whole run\" resets");

    // Two fingers moving apart zoom in.
    page.execute(
        SetTouchEmulationEnabledParams::builder()
            .enabled(true)
            .max_touch_points(2)
            .build()
            .unwrap(),
    )
    .await
    .unwrap();
    let touch = |kind, spread: f64| {
        let (left, right) = (
            point(page, id, "svg", 0.5 - spread),
            point(page, id, "svg", 0.5 + spread),
        );
        async move {
            let (left, right) = (left.await, right.await);
            let finger = |p: Point, n: f64| {
                let mut t = TouchPoint::new(p.x, p.y);
                t.id = Some(n);
                t
            };
            // (The protocol's touchEnd wants an empty list of points, which
            // this client leaves out of the message: lift the fingers by
            // naming them, which Chromium accepts.)
            DispatchTouchEventParams::builder()
                .r#type(kind)
                .touch_points(vec![finger(left, 0.0), finger(right, 1.0)])
                .build()
                .unwrap()
        }
    };
    page.execute(touch(DispatchTouchEventType::TouchStart, 0.1).await)
        .await
        .unwrap();
    for spread in [0.15, 0.2, 0.25, 0.3] {
        page.execute(touch(DispatchTouchEventType::TouchMove, spread).await)
            .await
            .unwrap();
    }
    page.execute(touch(DispatchTouchEventType::TouchEnd, 0.3).await)
        .await
        .unwrap();
    let pinched = view(page, id).await;
    assert!(
        width(pinched) < width(whole) * 0.8,
        "{name}: spreading two fingers zooms in: {whole:?} → {pinched:?}"
    );
    page.execute(SetTouchEmulationEnabledParams::new(false))
        .await
        .unwrap();
}

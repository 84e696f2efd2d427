//! What the numbers say: tables, live lines and sentences, all built from
//! the typed [`Figures`] through typed comparisons ([`Overlap`], [`Held`]…),
//! so a sentence can only say what its comparison found.

use std::time::Duration;

use super::{Case, Lag, Order, Runtime, Way, mini::Why};
use super::{
    Figures, HEARTBEAT_TABLE, HeartbeatRow, ONE_THREAD_TABLE, OneThreadRow, POLLS_TABLE,
    SLEEPERS_TABLE, SleepRow,
};
use crate::duration;
use crate::report::{Cell, Table};

fn us(micros: u64) -> Duration {
    Duration::from_micros(micros)
}

fn ms(millis: f64) -> Duration {
    Duration::try_from_secs_f64(millis / 1e3).unwrap_or(Duration::ZERO)
}

fn fmt(d: Duration) -> String {
    duration::format(d)
}

/// The heading printed before a one-thread run.
pub(super) fn one_thread_heading(runtime: Runtime, order: Order) -> String {
    format!("--- {runtime}, one thread: {} ---", order_words(order))
}

/// A one-thread run in words.
pub(super) fn order_words(order: Order) -> &'static str {
    match order {
        Order::Sequential => "await ask_user(), then await complex_calculation()",
        Order::Join => "start both, then await both (join)",
    }
}

/// A heartbeat case in words.
pub(super) fn case_words(case: Case) -> &'static str {
    match case {
        Case::Alone => "alone",
        Case::Blocked => "beside a calculation that never awaits (blocked)",
        Case::Offloaded => "beside the calculation on a pool thread (offloaded)",
        Case::Cooperative => "beside the calculation yielding every slice (cooperative)",
    }
}

/// The live line of a heartbeat case.
pub(super) fn heartbeat_line(row: &HeartbeatRow) -> String {
    match (row.lag(), &row.not_run) {
        (Some(lag), _) => format!(
            "{} / {}: {} ticks, late by {} (median), {} (p99), {} (max){}",
            row.runtime,
            row.case,
            lag.ticks,
            fmt(ms(lag.lag_median_ms)),
            fmt(ms(lag.lag_p99_ms)),
            fmt(ms(lag.lag_max_ms)),
            row.work_ms
                .map(|w| format!("; the calculation computed {}", fmt(ms(w))))
                .unwrap_or_default()
        ),
        (None, why) => format!(
            "{} / {}: not run: {}",
            row.runtime,
            row.case,
            why.as_deref().unwrap_or("no tick")
        ),
    }
}

/// The live line of a many-sleeps way.
pub(super) fn sleepers_line(row: &SleepRow) -> String {
    match (row.wall_us, &row.not_run) {
        (Some(wall), _) => format!(
            "{}: {} sleeps in {}{}",
            way_words(row.way),
            row.sleeps,
            fmt(us(wall)),
            row.extra_rss_kib
                .map(|kib| format!(", {kib} KiB more memory"))
                .unwrap_or_default()
        ),
        (None, why) => format!(
            "{}: not run: {}",
            way_words(row.way),
            why.as_deref().unwrap_or("no number")
        ),
    }
}

fn way_words(way: Way) -> &'static str {
    match way {
        Way::Threads => "threads (one each)",
        Way::Pool => "pool tasks",
        Way::Tokio => "tokio tasks",
        Way::Mini => "mini tasks",
        Way::Asyncio => "asyncio tasks",
    }
}

/// Every table of the report.
pub(super) fn tables(figures: &Figures) -> Vec<Table> {
    vec![
        one_thread_table(&figures.one_thread),
        heartbeat_table(&figures.heartbeat),
        sleepers_table(figures),
        polls_table(figures),
    ]
}

fn one_thread_table(rows: &[OneThreadRow]) -> Table {
    let mut table = Table::new(
        ONE_THREAD_TABLE,
        [
            "runtime",
            "order",
            "ask_user",
            "complex_calculation",
            "sum of the parts",
            "total",
            "threads",
        ],
    );
    for row in rows {
        table.push_row(vec![
            row.runtime.name().into(),
            row.order.name().into(),
            Cell::Micros(row.ask_us),
            Cell::Micros(row.calc_us),
            Cell::Micros(row.ask_us + row.calc_us),
            Cell::Micros(row.total_us),
            Cell::from(row.threads),
        ]);
    }
    table
}

fn heartbeat_table(rows: &[HeartbeatRow]) -> Table {
    let mut table = Table::new(
        HEARTBEAT_TABLE,
        [
            "runtime",
            "case",
            "ticks",
            "lag_median_ms",
            "lag_p99_ms",
            "lag_max_ms",
            "work_ms",
        ],
    );
    let number = |x: Option<f64>| x.map_or(Cell::Missing, Cell::Float);
    for row in rows {
        let ticks = match (row.ticks, &row.not_run) {
            (Some(ticks), _) => Cell::from(ticks),
            (None, _) => Cell::from("not run"),
        };
        table.push_row(vec![
            row.runtime.name().into(),
            row.case.name().into(),
            ticks,
            number(row.lag_median_ms),
            number(row.lag_p99_ms),
            number(row.lag_max_ms),
            number(row.work_ms),
        ]);
    }
    table
}

fn sleepers_table(figures: &Figures) -> Table {
    let mut table = Table::new(
        SLEEPERS_TABLE,
        [
            "way",
            "sleeps",
            "wall",
            "at least",
            "extra memory (KiB)",
            "per sleep (bytes)",
        ],
    );
    for row in &figures.sleepers_rows {
        let way = match row.way {
            Way::Pool => format!("pool of {}", figures.pool_workers),
            way => way.name().to_owned(),
        };
        table.push_row(vec![
            way.into(),
            Cell::from(row.sleeps),
            row.wall_us
                .map_or_else(|| Cell::from("not run"), Cell::Micros),
            Cell::Micros(row.ideal_us),
            row.extra_rss_kib.map_or(Cell::Missing, Cell::from),
            row.extra_rss_kib.map_or(Cell::Missing, |kib| {
                Cell::from(kib * 1024 / row.sleeps.max(1) as u64)
            }),
        ]);
    }
    table
}

fn polls_table(figures: &Figures) -> Table {
    let whys = [
        Why::Spawned,
        Why::Timer,
        Why::Yielded,
        Why::OtherTask,
        Why::OtherThread,
    ];
    let mut columns = vec!["program".to_owned(), "polls".to_owned()];
    columns.extend(whys.iter().map(|why| why.label().to_owned()));
    columns.push("wakes merged".to_owned());
    let mut table = Table::new(POLLS_TABLE, columns);
    for row in &figures.polls {
        let mut cells = vec![
            Cell::from(row.program.as_str()),
            Cell::from(row.stats.polls),
        ];
        cells.extend(
            whys.iter()
                .map(|&why| Cell::from(row.stats.by_why[why as usize])),
        );
        cells.push(Cell::from(row.stats.wakes_merged));
        table.push_row(cells);
    }
    table
}

/// What the one-thread runs of a runtime show.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Overlap {
    /// Join saved about the shorter part: the wait and the calculation
    /// overlapped.
    Overlapped {
        sequential: Duration,
        join: Duration,
        shorter: Duration,
    },
    /// Join saved less than half the shorter part.
    Little {
        sequential: Duration,
        join: Duration,
        shorter: Duration,
    },
}

impl Overlap {
    pub(super) fn of(sequential: &OneThreadRow, join: &OneThreadRow) -> Self {
        let shorter = us(join.ask_us.min(join.calc_us));
        let (sequential, join) = (us(sequential.total_us), us(join.total_us));
        if sequential.saturating_sub(join) * 2 >= shorter {
            Overlap::Overlapped {
                sequential,
                join,
                shorter,
            }
        } else {
            Overlap::Little {
                sequential,
                join,
                shorter,
            }
        }
    }
}

/// How long the blocked case held the loop, against the work's own time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Held {
    /// The worst tick waited for most of the calculation (≥ 80 %).
    ForTheWork { max: Duration, work: Duration },
    /// The worst tick waited for less than 80 % of it.
    Less { max: Duration, work: Duration },
}

impl Held {
    pub(super) fn of(row: &HeartbeatRow) -> Option<Self> {
        let (max, work) = (ms(row.lag()?.lag_max_ms), ms(row.work_ms?));
        Some(if max.as_secs_f64() >= 0.8 * work.as_secs_f64() {
            Held::ForTheWork { max, work }
        } else {
            Held::Less { max, work }
        })
    }
}

/// Whether moving the calculation off the loop (or cutting it in slices)
/// freed the loop: its worst lag at most half the blocked one's.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Freed {
    /// At most half as late as blocked.
    Yes { max: Duration, blocked: Duration },
    /// More than half as late as blocked.
    NotThisTime { max: Duration, blocked: Duration },
}

impl Freed {
    pub(super) fn of(case: Option<Lag>, blocked: Option<Lag>) -> Option<Self> {
        let (max, blocked) = (ms(case?.lag_max_ms), ms(blocked?.lag_max_ms));
        Some(if max * 2 <= blocked {
            Freed::Yes { max, blocked }
        } else {
            Freed::NotThisTime { max, blocked }
        })
    }
}

/// The Rust calculation took far longer than it was sized for: other
/// programs had the cores.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Busy {
    target: Duration,
    longest: Duration,
}

impl Busy {
    /// Half again as long as sized, or more.
    pub(super) fn of(figures: &Figures) -> Option<Self> {
        let target = us(figures.work_us);
        let longest = figures
            .heartbeat
            .iter()
            .filter(|r| r.runtime != Runtime::Asyncio)
            .filter_map(|r| r.work_ms)
            .map(ms)
            .max()?;
        (longest.as_secs_f64() >= 1.5 * target.as_secs_f64()).then_some(Self { target, longest })
    }
}

fn row(figures: &Figures, runtime: Runtime, case: Case) -> Option<&HeartbeatRow> {
    figures
        .heartbeat
        .iter()
        .find(|r| r.runtime == runtime && r.case == case && r.not_run.is_none())
}

fn lag(figures: &Figures, runtime: Runtime, case: Case) -> Option<Lag> {
    row(figures, runtime, case)?.lag()
}

/// What this run's numbers say, one line each.
pub(super) fn conclusions(figures: &Figures) -> Vec<String> {
    let mut lines = Vec::new();
    one_thread_conclusions(figures, &mut lines);
    heartbeat_conclusions(figures, &mut lines);
    asyncio_conclusions(figures, &mut lines);
    sleepers_conclusions(figures, &mut lines);
    lines
}

fn one_thread_conclusions(figures: &Figures, lines: &mut Vec<String>) {
    for runtime in Runtime::RUST {
        let find = |order| {
            figures
                .one_thread
                .iter()
                .find(|r| r.runtime == runtime && r.order == order)
        };
        let (Some(sequential), Some(join)) = (find(Order::Sequential), find(Order::Join)) else {
            continue;
        };
        let threads = sequential.threads.max(join.threads);
        let on = if threads == 1 {
            "on ONE thread: no second thread at all".to_owned()
        } else {
            format!("on {threads} threads")
        };
        lines.push(match Overlap::of(sequential, join) {
            Overlap::Overlapped { sequential, join, shorter } => format!(
                "{runtime}: one after the other took {} (the sum of the parts); together (join) {}: the {} part ran while the other waited, {on}.",
                fmt(sequential),
                fmt(join),
                fmt(shorter)
            ),
            Overlap::Little { sequential, join, shorter } => format!(
                "{runtime}: together (join) took {} against {} one after the other: less saved than the shorter part ({}), so the two barely overlapped this time ({on}).",
                fmt(join),
                fmt(sequential),
                fmt(shorter)
            ),
        });
    }
}

fn heartbeat_conclusions(figures: &Figures, lines: &mut Vec<String>) {
    let slice = us(figures.slice_us);
    for runtime in [Runtime::Mini, Runtime::Tokio, Runtime::Asyncio] {
        if let Some(held) = row(figures, runtime, Case::Blocked).and_then(Held::of) {
            lines.push(match held {
                Held::ForTheWork { max, work } => format!(
                    "{runtime}, blocked: the worst tick came {} late, and the calculation computed {} without awaiting: nothing else on the loop runs until the running task awaits.",
                    fmt(max),
                    fmt(work)
                ),
                Held::Less { max, work } => format!(
                    "{runtime}, blocked: the worst tick came {} late, less than the {} the calculation computed: its timer was due only part of that time.",
                    fmt(max),
                    fmt(work)
                ),
            });
        }
        let blocked = lag(figures, runtime, Case::Blocked);
        let alone = lag(figures, runtime, Case::Alone)
            .map(|a| format!("; alone: {}", fmt(ms(a.lag_max_ms))))
            .unwrap_or_default();
        if let Some(freed) = Freed::of(lag(figures, runtime, Case::Offloaded), blocked) {
            lines.push(match freed {
                Freed::Yes { max, blocked } => format!(
                    "{runtime}, offloaded to a pool thread: the worst tick came {} late (blocked: {}{alone}): the loop's thread stayed free while another thread computed.",
                    fmt(max),
                    fmt(blocked)
                ),
                Freed::NotThisTime { max, blocked } => format!(
                    "{runtime}, offloaded to a pool thread: the worst tick still came {} late (blocked: {}{alone}): not even half as late, so something else held the loop's thread this time, not the calculation.",
                    fmt(max),
                    fmt(blocked)
                ),
            });
        }
        if let Some(freed) = Freed::of(lag(figures, runtime, Case::Cooperative), blocked) {
            let slices = |max: Duration| max.as_secs_f64() / slice.as_secs_f64().max(1e-9);
            lines.push(match freed {
                Freed::Yes { max, blocked } => format!(
                    "{runtime}, cooperative (yields every {}): the worst tick came {} late, {:.1} slices (blocked: {}): a task that awaits often lets the others run in between.",
                    fmt(slice),
                    fmt(max),
                    slices(max),
                    fmt(blocked)
                ),
                Freed::NotThisTime { max, blocked } => format!(
                    "{runtime}, cooperative (yields every {}): the worst tick still came {} late (blocked: {}): not even half as late, so a slice, or something else, held the loop this time.",
                    fmt(slice),
                    fmt(max),
                    fmt(blocked)
                ),
            });
        }
    }
    if let (Some(tokio), Some(mini)) = (
        lag(figures, Runtime::Tokio, Case::Alone),
        lag(figures, Runtime::Mini, Case::Alone),
    ) {
        if tokio.lag_median_ms >= 0.5 && tokio.lag_median_ms >= 3.0 * mini.lag_median_ms {
            lines.push(format!(
                "tokio's ticks are late by {} even alone (mini's: {}): tokio's timer counts whole milliseconds and rounds up, so a {} sleep lasts about one millisecond more.",
                fmt(ms(tokio.lag_median_ms)),
                fmt(ms(mini.lag_median_ms)),
                fmt(us(figures.tick_us))
            ));
        }
    }
    if let Some(Busy { target, longest }) = Busy::of(figures) {
        lines.push(format!(
            "The machine was busy during these measurements: the calculation, sized to take {} here, took up to {}. Other programs had the cores part of the time, and the lags include that.",
            fmt(target),
            fmt(longest)
        ));
    }
    let few: Vec<String> = figures
        .heartbeat
        .iter()
        .filter_map(|r| Some((r, r.lag()?)))
        .filter(|(_, lag)| lag.p99_is_max())
        .map(|(r, lag)| format!("{} {} ({})", r.runtime, r.case, lag.ticks))
        .collect();
    if !few.is_empty() {
        lines.push(format!(
            "Every tick from the heartbeat's first to its last counts. The p99 is the nearest rank, so with fewer than 100 ticks it is the max: {}.",
            few.join(", ")
        ));
    }
}

fn asyncio_conclusions(figures: &Figures, lines: &mut Vec<String>) {
    let Some(asyncio) = &figures.asyncio else {
        if let Some(why) = &figures.asyncio_not_run {
            lines.push(format!("asyncio: not run: {why}."));
        }
        return;
    };
    if let (Some(off), Some(alone)) = (
        lag(figures, Runtime::Asyncio, Case::Offloaded),
        lag(figures, Runtime::Asyncio, Case::Alone),
    ) {
        let interval = Duration::try_from_secs_f64(asyncio.switch_interval_s).unwrap_or_default();
        if off.lag_max_ms >= alone.lag_max_ms + 1.0
            || off.lag_median_ms >= alone.lag_median_ms + 1.0
        {
            lines.push(format!(
                "asyncio, offloaded: ticks still came up to {} late (alone: {}), though the calculation ran on another thread: that thread holds the GIL for up to the switch interval ({}) before the loop's thread gets it back. The note's GIL, seen from the event loop.",
                fmt(ms(off.lag_max_ms)),
                fmt(ms(alone.lag_max_ms)),
                fmt(interval)
            ));
        }
    }
    let threshold = fmt(Duration::try_from_secs_f64(asyncio.slow_callback_s).unwrap_or_default());
    let quoted = |said: &[super::asyncio::SlowCallback]| match said {
        [] => "nothing".to_owned(),
        [one] => format!("\"{}\"", one.text),
        [first, ..] => format!("\"{}\" and {} more", first.text, said.len() - 1),
    };
    lines.push(format!(
        "asyncio's debug mode (it warns about a step of a task that runs over {threshold}) said, about the blocking call: {}; about the cooperative one (slices of {}): {}.",
        quoted(&asyncio.debug_blocked),
        fmt(us(figures.slice_us)),
        quoted(&asyncio.debug_cooperative)
    ));
    if !asyncio.errors.is_empty() {
        lines.push(format!(
            "asyncio: some parts failed: {}.",
            asyncio.errors.join("; ")
        ));
    }
}

fn sleepers_conclusions(figures: &Figures, lines: &mut Vec<String>) {
    let find = |way| {
        figures
            .sleepers_rows
            .iter()
            .find(|r| r.way == way && r.wall_us.is_some())
    };
    let Some(tokio) = find(Way::Tokio) else {
        return;
    };
    let tokio_wall = us(tokio.wall_us.unwrap_or(0));
    let per = |row: &SleepRow| {
        row.extra_rss_kib
            .map(|kib| format!(", {:.1} KiB each", kib as f64 / row.sleeps.max(1) as f64))
            .unwrap_or_default()
    };
    let mut parts = vec![format!(
        "tokio tasks took {}{}",
        fmt(tokio_wall),
        per(tokio)
    )];
    for way in [Way::Mini, Way::Asyncio, Way::Threads] {
        if let Some(other) = find(way) {
            let wall = us(other.wall_us.unwrap_or(0));
            parts.push(format!(
                "{} {} (×{:.1}){}",
                way_words(way),
                fmt(wall),
                wall.as_secs_f64() / tokio_wall.as_secs_f64().max(1e-9),
                per(other)
            ));
        }
    }
    lines.push(format!(
        "{} sleeps of {} at once: {}. A task is a small struct on the heap; a thread is a stack and a kernel thread, made and ended by the system.",
        figures.sleepers,
        fmt(us(figures.nap_us)),
        parts.join("; ")
    ));
    if let Some(pool) = find(Way::Pool) {
        let rounds = (figures.sleepers as f64 / figures.pool_workers.max(1) as f64).ceil();
        lines.push(format!(
            "The pool of {} sleeps on its workers, {} at a time: its {} sleeps took {} (at least {}); the {} would take {} rounds, at least {}. So it ran fewer.",
            figures.pool_workers,
            figures.pool_workers,
            pool.sleeps,
            fmt(us(pool.wall_us.unwrap_or(0))),
            fmt(us(pool.ideal_us)),
            figures.sleepers,
            rounds,
            fmt(us(figures.nap_us).mul_f64(rounds))
        ));
    }
}

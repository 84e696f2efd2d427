//! How a `gil` run reads: its lines, its tables, the comparison with
//! CPython figure by figure, and the conclusions, computed from what was
//! measured (never canned).

use crate::verdict;
use std::time::Duration;

use waiter::gil::DEFAULT_SWITCH_INTERVAL;

use super::compare::{Comparison, comparison_table, comparisons};
use super::{
    Baseline, CLAIMS_TABLE, CONVOY_TABLE, Claim, Client, Config, ConvoyRow, Gathered, ID,
    INTERRUPTED, Latency, Mode, Row, Sizes, TABLE, TITLE, Workload, claims, convoy, explanation,
    usage,
};
use crate::duration::{self, micros};
use crate::report::{Cell, Report, Table};

/// The report: the tables, the timelines, the conclusions and every
/// figure. `interrupted`: the number of convoy cases planned, if a stop
/// cut the run short.
pub(super) fn report(
    config: &Config,
    sizes: &Sizes,
    measured: Gathered,
    baseline: Result<Baseline, String>,
    interrupted: Option<usize>,
    busy: Option<f64>,
) -> Report {
    let Gathered {
        rows,
        gil_figures,
        convoy_rows,
        timelines,
        notes,
    } = measured;
    let unit = config.unit();
    let cpus = waiter::default_workers();
    let mut claims = claims::claims(&rows, &convoy_rows, cpus);
    claims::note_busy(&mut claims, busy);
    let comparisons = comparisons(&rows, &convoy_rows);
    let mut report = Report::new(ID, TITLE);
    report.explanation = explanation(config);
    report.tables.push(rows_table(&rows));
    if config.convoy {
        report.tables.push(convoy_table(&convoy_rows));
    }
    report.tables.push(comparison_table(&comparisons));
    report.tables.push(claims_table(&claims));
    report.timelines = timelines;
    report.conclusions = conclusions(&rows, &convoy_rows, &claims, &baseline, sizes, unit);
    report.conclusions.extend(notes);
    if let Some(cases) = interrupted {
        report.conclusions.insert(
            0,
            format!(
                "Interrupted (Ctrl-C): the rows marked \"not run: {INTERRUPTED}\" and {} of {cases} convoy cases were not measured.",
                cases - convoy_rows.len(),
            ),
        );
        report.set_figure("interrupted", true);
    }
    report.set_figure("scale", config.scale);
    report.set_figure("cpus", cpus);
    report.set_figure("sizes", sizes);
    report.set_figure("unit_us", micros(unit));
    report.set_figure("switch_interval_us", micros(DEFAULT_SWITCH_INTERVAL));
    report.set_figure("rows", &rows);
    report.set_figure("gil", &gil_figures);
    report.set_figure("convoy", &convoy_rows);
    report.set_figure("comparisons", &comparisons);
    report.set_figure("claims", &claims);
    match &baseline {
        Ok(baseline) => {
            report.set_figure("python", baseline);
        }
        Err(why) => {
            report.set_figure("python_not_run", why);
        }
    }
    report
}

/// `cpython` as people write it.
pub(super) fn implementation(baseline: &Baseline) -> String {
    match baseline.implementation.as_str() {
        "cpython" => "CPython".into(),
        "pypy" => "PyPy".into(),
        other => other.into(),
    }
}

/// The script's error about `what` (`cpu/threads`), or a generic reason.
pub(super) fn python_error(baseline: &Baseline, what: &str) -> String {
    baseline
        .errors
        .iter()
        .find(|e| e.starts_with(what))
        .cloned()
        .unwrap_or_else(|| "the Python script did not report this row".into())
}

pub(super) fn latency_text(latency: Option<Latency>) -> String {
    match latency {
        Some(l) => format!(
            "median {}, p99 {} ({} round trips)",
            duration::format(l.median),
            duration::format(l.p99),
            l.samples
        ),
        None => "no round trip".into(),
    }
}

pub(super) fn row_line(row: &Row) -> String {
    match (&row.not_run, row.wall_us) {
        (Some(why), _) => format!("{} / {}: not run: {why}", row.workload, row.mode),
        (None, Some(wall)) => format!(
            "{} / {}: {} wall, {} CPU",
            row.workload,
            row.mode,
            duration::format(Duration::from_micros(wall)),
            row.cpu_us
                .map_or(usage::NOT_AVAILABLE.to_owned(), |us| duration::format(
                    Duration::from_micros(us)
                ))
        ),
        (None, None) => format!("{} / {}: no number", row.workload, row.mode),
    }
}

/// The main table.
pub(super) fn rows_table(rows: &[Row]) -> Table {
    let mut table = Table::new(
        "two units of work, every way: wall time, CPU time, speed-up",
        [
            "workload",
            "mode",
            "wall",
            "CPU",
            "CPU ÷ wall",
            "speed-up",
            "failed acquisitions",
        ],
    )
    .with_id(TABLE);
    for row in rows {
        let cells = match (&row.not_run, row.wall_us) {
            (None, Some(wall)) => {
                let (cpu, busy) = match row.cpu_us {
                    Some(cpu) => (
                        Cell::Micros(cpu),
                        if wall > 0 {
                            Cell::Float(cpu as f64 / wall as f64)
                        } else {
                            Cell::Missing
                        },
                    ),
                    None => (Cell::from(usage::NOT_AVAILABLE), Cell::Missing),
                };
                vec![
                    Cell::Micros(wall),
                    cpu,
                    busy,
                    row.speedup.map_or(Cell::Missing, Cell::Float),
                    row.failed_acquisitions.map_or(Cell::Missing, Cell::from),
                ]
            }
            _ => vec![
                Cell::from("not run"),
                Cell::Missing,
                Cell::Missing,
                Cell::Missing,
                Cell::Missing,
            ],
        };
        let mut line = vec![Cell::from(row.workload.name()), Cell::from(row.mode.name())];
        line.extend(cells);
        table.push_row(line);
    }
    table
}

pub(super) fn latency_cells(latency: Option<Latency>) -> [Cell; 2] {
    match latency {
        Some(l) => [Cell::from(l.median), Cell::from(l.p99)],
        None => [Cell::from("not run"), Cell::Missing],
    }
}

/// The convoy table.
pub(super) fn convoy_table(rows: &[ConvoyRow]) -> Table {
    let mut table = Table::new(
        "the convoy effect: an echo thread's round trip",
        [
            "client",
            "CPU threads",
            "interval",
            "simulated median",
            "simulated p99",
            "CPython median",
            "CPython p99",
            "round trips (simulated / CPython)",
            "failed acquisitions (simulated)",
        ],
    )
    .with_id(CONVOY_TABLE);
    for row in rows {
        let mut line = vec![
            Cell::from(row.case.client.describe()),
            Cell::from(row.case.cpu_threads),
            Cell::from(row.case.interval),
        ];
        line.extend(latency_cells(row.simulated));
        line.extend(latency_cells(row.cpython));
        let count = |l: Option<Latency>| l.map_or("—".to_owned(), |l| l.samples.to_string());
        line.push(Cell::Text(format!(
            "{} / {}",
            count(row.simulated),
            count(row.cpython)
        )));
        line.push(row.failed_acquisitions.map_or(Cell::Missing, Cell::from));
        table.push_row(line);
    }
    table
}

pub(super) fn claims_table(claims: &[Claim]) -> Table {
    let mut table = Table::new(
        "the note's claims, on this machine",
        ["claim", "the note says", "measured here", "verdict", "why"],
    )
    .with_id(CLAIMS_TABLE);
    for claim in claims {
        table.push_row(vec![
            Cell::from(claim.short.as_str()),
            Cell::from(claim.says.as_str()),
            Cell::from(claim.measured.as_str()),
            Cell::from(claim.verdict.name()),
            Cell::from(claim.reason.as_str()),
        ]);
    }
    table
}

/// What two plain threads (`free`× the sequential speed) and the same
/// under the simulated GIL (`locked`×) show, from typed comparisons: the
/// lock is blamed only when the plain threads did reach about 2× and the
/// locked ones clearly did not.
pub(super) fn lock_verdict(free: f64, locked: f64) -> String {
    let reached_two = verdict::change(2.0, free, verdict::DEFAULT) != verdict::Change::Falls;
    if !reached_two {
        return format!(
            "Warning: two plain threads reached only {free:.2}× of the ideal 2×: this machine did not give them two cores (other programs were running, or there is one CPU), so this run cannot tell the lock's cost from the machine's. Run again on a quieter machine."
        );
    }
    match verdict::change(locked, free, verdict::DEFAULT) {
        verdict::Change::Grows => {
            "the lock, not the threads, puts the work one after the other.".to_owned()
        }
        _ => format!(
            "the lock cost nothing visible this time ({}).",
            verdict::faster(free, locked, verdict::DEFAULT, "the locked threads")
        ),
    }
}

/// What this run's numbers say, in plain words.
pub(super) fn conclusions(
    rows: &[Row],
    convoy: &[ConvoyRow],
    claims: &[Claim],
    baseline: &Result<Baseline, String>,
    sizes: &Sizes,
    unit: Duration,
) -> Vec<String> {
    let mut lines = Vec::new();
    let find = |w, m| rows.iter().find(|r: &&Row| r.workload == w && r.mode == m);
    let busy = |r: &Row| match (r.cpu_us, r.wall_us) {
        (Some(cpu), Some(wall)) if wall > 0 => Some(cpu as f64 / wall as f64),
        _ => None,
    };
    if let (Some(free), Some(locked)) = (
        find(Workload::Cpu, Mode::Threads),
        find(Workload::Cpu, Mode::ThreadsGil),
    ) && let (Some(a), Some(b)) = (free.speedup, locked.speedup)
    {
        let cores = |r: &Row| busy(r).map_or(String::new(), |x| format!(", {x:.2} cores busy"));
        lines.push(format!(
            "cpu: two Rust threads {a:.2}×{}; the same two threads under the simulated GIL {b:.2}×{}: {}",
            cores(free),
            cores(locked),
            lock_verdict(a, b)
        ));
    }
    lines.extend(claims.iter().map(Claim::line));
    if let Some(line) = failed_acquisitions_line(rows, convoy, baseline) {
        lines.push(line);
    }

    // The convoy, beyond the one-interval claim.
    let show = |l: Option<Latency>| {
        l.map_or("not run".to_owned(), |l| {
            format!(
                "median {}, p99 {}",
                duration::format(l.median),
                duration::format(l.p99)
            )
        })
    };
    if let Some(row) = convoy
        .iter()
        .find(|r| r.case.is(Client::Thread, 1, DEFAULT_SWITCH_INTERVAL))
    {
        lines.push(format!(
            "A client thread of the same process needs the GIL back too (after its pause, after its read): simulated {}; CPython {}.",
            show(row.simulated),
            show(row.cpython)
        ));
    }
    let scan: Vec<&ConvoyRow> = convoy::INTERVALS
        .iter()
        .filter_map(|&i| convoy.iter().find(|r| r.case.is(Client::Thread, 1, i)))
        .collect();
    if scan.len() == convoy::INTERVALS.len() {
        let medians = |pick: fn(&ConvoyRow) -> Option<Latency>| {
            scan.iter()
                .map(|r| pick(r).map_or("—".to_owned(), |l| duration::format(l.median)))
                .collect::<Vec<_>>()
                .join(" / ")
        };
        // Said of each side only as its own medians move (verdict::trend):
        // 15.0 / 5.2 / 150.6 ms does not "grow".
        let moves = |pick: fn(&ConvoyRow) -> Option<Latency>| {
            let figures: Option<Vec<f64>> = scan
                .iter()
                .map(|r| pick(r).map(|l| l.median.as_secs_f64()))
                .collect();
            figures.map_or("was not measured", |figures| {
                verdict::trend(&figures, verdict::DEFAULT).words()
            })
        };
        lines.push(format!(
            "Over the switch intervals 1 / 5 / 50 ms (client thread, 1 CPU-bound thread, medians), the simulated convoy {} ({}); CPython's {} ({}).",
            moves(|r| r.simulated),
            medians(|r| r.simulated),
            moves(|r| r.cpython),
            medians(|r| r.cpython)
        ));
    }
    if let Some(few) = convoy
        .iter()
        .flat_map(|r| [r.simulated, r.cpython])
        .flatten()
        .map(|l| l.samples)
        .filter(|&n| n < 100)
        .min()
    {
        lines.push(format!(
            "Some convoy cases fit only {few} round trips in their time budget: with fewer than 100, the p99 is the largest one (more with --scale)."
        ));
    }

    // How close the simulation is.
    let comparisons = comparisons(rows, convoy);
    let judged: Vec<&Comparison> = comparisons.iter().filter(|c| c.ratio().is_some()).collect();
    if !judged.is_empty() {
        let close = judged
            .iter()
            .filter(|c| c.within_2x() == Some(true))
            .count();
        let far: Vec<String> = judged
            .iter()
            .filter(|c| c.within_2x() == Some(false))
            .map(|c| format!("{} ({:.2}×)", c.figure, c.ratio().unwrap_or(0.0)))
            .collect();
        let mut line = format!(
            "The simulated GIL is within 2× of CPython on {close} of {} figures",
            judged.len()
        );
        if far.is_empty() {
            line.push('.');
        } else {
            line.push_str(&format!("; not on: {}.", far.join("; ")));
        }
        lines.push(line);
    }

    match baseline {
        Ok(b) => lines.push(format!(
            "Same time per unit, different sizes: in about {} Rust counts the primes below {}, {} {} only below {}.",
            duration::format(unit),
            sizes.bound,
            implementation(b),
            b.python,
            b.cpu_bound
        )),
        Err(why) => lines.push(format!("CPython rows: not run: {why}.")),
    }
    if let Some(row) = rows
        .iter()
        .find(|r| r.mode == Mode::Processes && r.not_run.is_some())
    {
        lines.push(format!(
            "Process rows: not run: {}.",
            row.not_run.as_deref().unwrap_or_default()
        ));
    }
    lines
}

/// What the failed acquisitions of the simulated GIL cost, in the terms
/// CPython can be asked about: its switch interval and the time a
/// `threading.Lock` takes to pass between two threads (CPython does not
/// count its own failed acquisitions).
fn failed_acquisitions_line(
    rows: &[Row],
    convoy: &[ConvoyRow],
    baseline: &Result<Baseline, String>,
) -> Option<String> {
    let failed: u64 = rows
        .iter()
        .filter_map(|r| r.failed_acquisitions)
        .chain(convoy.iter().filter_map(|c| c.failed_acquisitions))
        .sum();
    let runs = rows
        .iter()
        .filter(|r| r.failed_acquisitions.is_some())
        .count()
        + convoy
            .iter()
            .filter(|c| c.failed_acquisitions.is_some())
            .count();
    if runs == 0 {
        return None;
    }
    let mut line = format!(
        "Failed acquisitions: in {runs} run{} under the simulated GIL, a waiting thread woke {failed} time{} to find it taken (the red ticks of the timelines), each a context switch for nothing.",
        if runs == 1 { "" } else { "s" },
        if failed == 1 { "" } else { "s" },
    );
    let handoff = baseline.as_ref().ok().and_then(|b| {
        let mut samples = b.lock_handoff_us.clone();
        samples.retain(|s| s.is_finite());
        samples.sort_by(f64::total_cmp);
        let median = *samples.get(samples.len() / 2)?;
        Some((median, b.switch_interval_s))
    });
    if let Some((median, interval)) = handoff {
        line.push_str(&format!(
            " CPython does not count its own; what can be asked of it: its switch interval (sys.getswitchinterval() = {}), how long a waiter may sleep before asking for the GIL, and a threading.Lock handed between two threads, {} (median), the least a wake-up for nothing costs.",
            duration::format(Duration::from_secs_f64(interval.max(0.0))),
            duration::format(Duration::from_secs_f64(median.max(0.0) / 1e6)),
        ));
    }
    Some(line)
}

//! The note's claims, next to this run's numbers.
//!
//! Each [`Claim`] quotes the note (or, for the convoy, the issue that asked
//! for the measurement), names the numbers of this run that bear on it,
//! and gives a decisive verdict with a one-line reason: the numbers
//! **support** it, **contradict** it, or it **depends** (on the runtime, on
//! the workload: the reason says which measurement went which way), or the
//! numbers are missing. Nothing here is canned: every verdict comes from
//! the rows handed in, with the thresholds written below.
//!
//! ```
//! use waiter_lab::gil::claims::{Verdict, verdict};
//!
//! // Two measurements, both at most 1.25×: "no parallelism" holds.
//! assert_eq!(verdict(&[Some(1.02), Some(0.97)], |s| s <= 1.25), Verdict::Supports);
//! assert_eq!(verdict(&[Some(1.9), None], |s| s <= 1.25), Verdict::Contradicts);
//! assert_eq!(verdict(&[Some(1.0), Some(1.9)], |s| s <= 1.25), Verdict::Depends);
//! assert_eq!(verdict(&[None], |s| s <= 1.25), Verdict::NotMeasured);
//! ```

use std::time::Duration;

use serde::Serialize;

use super::convoy::{Client, Latency};
use super::modes::Mode;
use super::workload::Workload;
use super::{ConvoyRow, Row};
use crate::duration;

/// At most this speed-up is "no parallelism" (one core at a time).
pub const SERIAL_AT_MOST: f64 = 1.25;

/// At least this speed-up is "in parallel" (two units at once).
pub const PARALLEL_AT_LEAST: f64 = 1.5;

/// What the numbers say about a claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Every number measured agrees with the claim.
    Supports,
    /// Every number measured goes against it.
    Contradicts,
    /// Some measurements agree, some do not: it depends on what was
    /// measured (the reason says which went which way).
    Depends,
    /// No number to judge by.
    NotMeasured,
}

impl Verdict {
    /// `supports`, `contradicts`, `depends`, `not measured`.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Supports => "supports",
            Verdict::Contradicts => "contradicts",
            Verdict::Depends => "depends",
            Verdict::NotMeasured => "not measured",
        }
    }
}

impl Claim {
    /// The claim as one line: `short: measured — verdict: reason`.
    pub fn line(&self) -> String {
        let verdict = match self.verdict {
            Verdict::Supports => "as the note says",
            Verdict::Contradicts => "NOT as the note says",
            Verdict::Depends => "it depends",
            Verdict::NotMeasured => "not measured",
        };
        format!(
            "{}: {} — {verdict}: {}.",
            self.short, self.measured, self.reason
        )
    }
}

/// The verdict of the `values` measured (`None`: not measured) under
/// `holds`.
pub fn verdict(values: &[Option<f64>], holds: impl Fn(f64) -> bool) -> Verdict {
    let measured: Vec<bool> = values.iter().flatten().map(|&v| holds(v)).collect();
    if measured.is_empty() {
        Verdict::NotMeasured
    } else if measured.iter().all(|&ok| ok) {
        Verdict::Supports
    } else if measured.iter().all(|&ok| !ok) {
        Verdict::Contradicts
    } else {
        Verdict::Depends
    }
}

/// The verdict of labelled measurements, and its one-line reason: which
/// measurements `holds` (described by `criterion`, e.g. `"stayed at most
/// 1.25×"`) and which did not.
fn judge(
    measured: &[(String, Option<f64>)],
    criterion: &str,
    holds: impl Fn(f64) -> bool,
) -> (Verdict, String) {
    let values: Vec<Option<f64>> = measured.iter().map(|(_, v)| *v).collect();
    let verdict = verdict(&values, &holds);
    let names = |ok: bool| -> Vec<&str> {
        measured
            .iter()
            .filter(|(_, v)| v.is_some_and(|v| holds(v) == ok))
            .map(|(name, _)| name.as_str())
            .collect()
    };
    let reason = match verdict {
        Verdict::Supports => format!("every figure {criterion}"),
        Verdict::Contradicts => format!("no figure {criterion}"),
        Verdict::Depends => format!(
            "{} {criterion}, {} did not",
            names(true).join(" and "),
            names(false).join(" and ")
        ),
        Verdict::NotMeasured => "nothing to judge by".to_owned(),
    };
    (verdict, reason)
}

/// One claim and the numbers that bear on it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Claim {
    /// The claim in a few words.
    pub short: String,
    /// What the note says, quoted or summed up.
    pub says: String,
    /// The numbers of this run, in words.
    pub measured: String,
    /// What they say about the claim.
    pub verdict: Verdict,
    /// Why, in one line: which figures held and which did not.
    pub reason: String,
}

/// The speed-up of `mode` on `workload`, if measured.
fn speedup(rows: &[Row], workload: Workload, mode: Mode) -> Option<f64> {
    rows.iter()
        .find(|r| r.workload == workload && r.mode == mode)
        .and_then(|r| r.speedup)
}

/// The speed-up of `mode` on `workload` without its processes' start-up
/// (the warm run), if measured; the plain speed-up for other modes.
fn warm_speedup(rows: &[Row], workload: Workload, mode: Mode) -> Option<f64> {
    let row = rows
        .iter()
        .find(|r| r.workload == workload && r.mode == mode)?;
    let all = row.speedup?;
    // speed-up = baseline ÷ wall, so baseline ÷ warm = speed-up × wall ÷ warm.
    let (wall, warm) = (row.wall_us?, row.warm_us().filter(|&us| us > 0)?);
    Some(all * wall as f64 / warm as f64)
}

fn startup(rows: &[Row], workload: Workload, mode: Mode) -> Option<Duration> {
    rows.iter()
        .find(|r| r.workload == workload && r.mode == mode)
        .and_then(|r| r.startup_us)
        .map(Duration::from_micros)
}

/// `processes on cpu: 0.70× (1.85× warm, after a 25.0 ms start-up)`.
fn x_warm(rows: &[Row], workload: Workload, mode: Mode) -> String {
    match (
        speedup(rows, workload, mode),
        warm_speedup(rows, workload, mode),
        startup(rows, workload, mode),
    ) {
        (Some(all), Some(warm), Some(start)) => format!(
            "{mode} on {workload}: {all:.2}× with start-up, {warm:.2}× warm (starting the workers took {})",
            duration::format(start)
        ),
        _ => x(rows, workload, mode),
    }
}

fn wall(rows: &[Row], workload: Workload, mode: Mode) -> Option<u64> {
    rows.iter()
        .find(|r| r.workload == workload && r.mode == mode)
        .and_then(|r| r.wall_us)
}

/// `threads + simulated GIL on cpu: 1.00×`, or `… not run`.
fn x(rows: &[Row], workload: Workload, mode: Mode) -> String {
    match speedup(rows, workload, mode) {
        Some(s) => format!("{mode} on {workload}: {s:.2}×"),
        None => format!("{mode} on {workload}: not run"),
    }
}

/// `(mode on workload, speed-up)` for each pair: the labelled figures.
fn labelled(rows: &[Row], pairs: &[(Workload, Mode)]) -> Vec<(String, Option<f64>)> {
    pairs
        .iter()
        .map(|&(w, m)| (format!("{m} on {w}"), speedup(rows, w, m)))
        .collect()
}

fn list(parts: Vec<String>) -> String {
    parts.join("; ")
}

/// Every claim, judged by `rows` and `convoy`, on a machine with `cpus`
/// CPUs (parallel speed-ups need two).
pub fn claims(rows: &[Row], convoy: &[ConvoyRow], cpus: usize) -> Vec<Claim> {
    let mut out = Vec::new();

    // 1. One thread at a time.
    let pairs = [
        (Workload::Cpu, Mode::ThreadsGil),
        (Workload::Cpu, Mode::PyThreads),
        (Workload::Cpu, Mode::PyAsyncio),
    ];
    out.push(Claim {
        short: "one thread at a time under the GIL".into(),
        says: "\"Python doesn't run 2 threads in one process at same time\": two CPU-bound threads take as long as one after the other.".into(),
        measured: list(pairs.iter().map(|&(w, m)| x(rows, w, m)).collect()),
        ..judged(judge(
            &labelled(rows, &pairs),
            &format!("stayed at most {SERIAL_AT_MOST}× (one at a time)"),
            |v| v <= SERIAL_AT_MOST,
        ))
    });

    // 2. Multiple Pythons.
    let pairs = [
        (Workload::Cpu, Mode::Processes),
        (Workload::Cpu, Mode::PyProcesses),
    ];
    // Judged on the warm run: starting workers is claim 6's cost, and in a
    // short run it can outweigh the whole job.
    let warm: Vec<(String, Option<f64>)> = pairs
        .iter()
        .map(|&(w, m)| (format!("{m} on {w}, warm"), warm_speedup(rows, w, m)))
        .collect();
    let claim = Claim {
        short: "several processes, several GILs".into(),
        says: "\"It is possible to run multiple processes, which means that each one will create its own GIL\": two processes compute at once.".into(),
        measured: list(pairs.iter().map(|&(w, m)| x_warm(rows, w, m)).collect()),
        ..judged(judge(
            &warm,
            &format!("reached {PARALLEL_AT_LEAST}× or more (two at once)"),
            |v| v >= PARALLEL_AT_LEAST,
        ))
    };
    out.push(needs_two_cpus(claim, cpus));

    // 3. Reduce waiting time.
    let pairs = [
        (Workload::Io, Mode::ThreadsGil),
        (Workload::Mixed, Mode::ThreadsGil),
        (Workload::Io, Mode::PyThreads),
        (Workload::Mixed, Mode::PyThreads),
    ];
    out.push(Claim {
        short: "threads reduce waiting time, GIL or not".into(),
        says: "\"What's the point of multiple threads in Python? Reduce waiting time!\": under the GIL, threads still overlap waits.".into(),
        measured: list(pairs.iter().map(|&(w, m)| x(rows, w, m)).collect()),
        ..judged(judge(
            &labelled(rows, &pairs),
            &format!("reached {PARALLEL_AT_LEAST}× or more (two at once)"),
            |v| v >= PARALLEL_AT_LEAST,
        ))
    });

    // 4. Threads without a GIL.
    let pairs = [(Workload::Cpu, Mode::Threads), (Workload::Cpu, Mode::Async)];
    let claim = Claim {
        short: "without a GIL, threads use the cores".into(),
        says: "\"Thread: a line of code execution that can run in one of your computer's cores\": without a GIL (Rust), two threads compute on two cores.".into(),
        measured: list(pairs.iter().map(|&(w, m)| x(rows, w, m)).collect()),
        ..judged(judge(
            &labelled(rows, &pairs),
            &format!("reached {PARALLEL_AT_LEAST}× or more (two at once)"),
            |v| v >= PARALLEL_AT_LEAST,
        ))
    };
    out.push(needs_two_cpus(claim, cpus));

    // 5. Asynchronous: one loop, many waits.
    let pairs = [
        (Workload::Io, Mode::Async),
        (Workload::Io, Mode::PyAsyncio),
        (Workload::Mixed, Mode::Async),
        (Workload::Mixed, Mode::PyAsyncio),
    ];
    out.push(Claim {
        short: "async overlaps waits on one thread".into(),
        says: "Asynchronous: \"actions that don't necessarily happen one after another\": one event loop overlaps the waits, as threads do.".into(),
        measured: list(pairs.iter().map(|&(w, m)| x(rows, w, m)).collect()),
        ..judged(judge(
            &labelled(rows, &pairs),
            &format!("reached {PARALLEL_AT_LEAST}× or more (two at once)"),
            |v| v >= PARALLEL_AT_LEAST,
        ))
    });

    // 6. Processes cost more.
    let extra = |threads: Mode, processes: Mode| -> Option<i64> {
        let t = wall(rows, Workload::Io, threads)?;
        let p = wall(rows, Workload::Io, processes)?;
        Some(p as i64 - t as i64)
    };
    let costs = [
        ("Rust", extra(Mode::Threads, Mode::Processes)),
        ("CPython", extra(Mode::PyThreads, Mode::PyProcesses)),
    ];
    let startups = [
        startup(rows, Workload::Io, Mode::Processes),
        startup(rows, Workload::Io, Mode::PyProcesses),
    ];
    let measured = costs
        .iter()
        .zip(startups)
        .map(|((who, cost), start)| (who, cost, start.map(|d| format!(" (starting the workers: {})", duration::format(d))).unwrap_or_default()))
        .map(|(who, cost, start)| match cost {
            Some(us) if *us >= 0 => format!(
                "{who}: two processes took {} longer than two threads for the same two waits{start}",
                duration::format(Duration::from_micros(us.unsigned_abs()))
            ),
            Some(us) => format!(
                "{who}: two processes took {} less than two threads for the same two waits{start}",
                duration::format(Duration::from_micros(us.unsigned_abs()))
            ),
            None => format!("{who}: not run"),
        })
        .collect();
    out.push(Claim {
        short: "processes cost more than threads".into(),
        says: "\"It is expensive to communicate between 2 processes\": starting workers and sending them work costs more than threads.".into(),
        measured: list(measured),
        ..judged(judge(
            &costs.map(|(who, c)| (who.to_owned(), c.map(|us| us as f64))),
            "took longer with processes",
            |us| us > 0.0,
        ))
    });

    // 7. The convoy (from the issue, not the note).
    let case = convoy
        .iter()
        .find(|c| c.case.client == Client::Process && c.case.cpu_threads == 1);
    let ratio = |latency: Option<Latency>, interval: Duration| {
        latency.map(|l| l.median.as_secs_f64() / interval.as_secs_f64())
    };
    let (measured, values): (String, [Option<f64>; 2]) = match case {
        Some(c) => {
            let show = |who: &str, l: Option<Latency>| match l {
                Some(l) => format!(
                    "{who}: median {} = {:.2} intervals",
                    duration::format(l.median),
                    l.median.as_secs_f64() / c.case.interval.as_secs_f64()
                ),
                None => format!("{who}: not run"),
            };
            (
                format!(
                    "{}; {}",
                    show("simulated GIL", c.simulated),
                    show("CPython", c.cpython)
                ),
                [
                    ratio(c.simulated, c.case.interval),
                    ratio(c.cpython, c.case.interval),
                ],
            )
        }
        None => ("not run".to_owned(), [None, None]),
    };
    out.push(Claim {
        short: "the convoy: one switch interval".into(),
        says: "The GIL's price (the convoy effect): a thread back from I/O waits up to one switch interval for the GIL while a CPU-bound thread holds it.".into(),
        measured,
        ..judged(judge(
            &[
                ("simulated GIL".to_owned(), values[0]),
                ("CPython".to_owned(), values[1]),
            ],
            "waited 0.5 to 2 switch intervals",
            |r| (0.5..=2.0).contains(&r),
        ))
    });
    out
}

/// The verdict and reason of a claim, for struct update syntax; the other
/// fields are filled in by the caller.
fn judged((verdict, reason): (Verdict, String)) -> Claim {
    Claim {
        short: String::new(),
        says: String::new(),
        measured: String::new(),
        verdict,
        reason,
    }
}

/// Other processes' share of the CPU from which a run is called busy.
pub const BUSY_AT_LEAST: f64 = 0.25;

/// When other processes used at least [`BUSY_AT_LEAST`] of the machine
/// during the measurements, says so beside every verdict (the verdicts
/// stand: the times are what this machine gave).
pub fn note_busy(claims: &mut [Claim], others_share: Option<f64>) {
    let Some(share) = others_share.filter(|&s| s >= BUSY_AT_LEAST) else {
        return;
    };
    for claim in claims {
        if claim.verdict != Verdict::NotMeasured {
            claim.reason.push_str(&format!(
                " (the machine was busy: other processes used {:.0} % of its CPU meanwhile, so these times are longer than on a quiet machine)",
                share * 100.0
            ));
        }
    }
}

/// A claim about running at once cannot be judged on one CPU: says so.
fn needs_two_cpus(mut claim: Claim, cpus: usize) -> Claim {
    if cpus < 2 {
        claim
            .measured
            .push_str(" (one CPU here: nothing can run at once)");
        claim.verdict = Verdict::NotMeasured;
        claim.reason = "one CPU: nothing can run at once here".to_owned();
    }
    claim
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(workload: Workload, mode: Mode, wall_us: u64, speedup: f64) -> Row {
        Row {
            workload,
            mode,
            wall_us: Some(wall_us),
            cpu_us: None,
            speedup: Some(speedup),
            check: None,
            not_run: None,
            failed_acquisitions: None,
            startup_us: None,
        }
    }

    #[test]
    fn verdicts_follow_the_numbers() {
        let rows = vec![
            row(Workload::Cpu, Mode::ThreadsGil, 1_000_000, 1.0),
            row(Workload::Cpu, Mode::PyThreads, 1_000_000, 0.95),
            row(Workload::Cpu, Mode::Processes, 520_000, 1.92),
            row(Workload::Cpu, Mode::Threads, 500_000, 2.0),
            row(Workload::Io, Mode::Threads, 500_000, 2.0),
            row(Workload::Io, Mode::Processes, 505_000, 1.98),
        ];
        let claims = claims(&rows, &[], 2);
        assert_eq!(claims.len(), 7);
        assert_eq!(claims[0].verdict, Verdict::Supports);
        assert!(
            claims[0]
                .measured
                .contains("threads + simulated GIL on cpu: 1.00×")
        );
        assert!(
            claims[0]
                .line()
                .starts_with("one thread at a time under the GIL: ")
        );
        assert!(
            claims[0].line().ends_with(
                " — as the note says: every figure stayed at most 1.25× (one at a time)."
            ),
            "{}",
            claims[0].line()
        );
        assert!(
            claims[0]
                .measured
                .contains("CPython asyncio on cpu: not run")
        );
        assert_eq!(claims[1].verdict, Verdict::Supports);
        assert_eq!(claims[2].verdict, Verdict::NotMeasured);
        assert_eq!(claims[3].verdict, Verdict::Supports);
        assert_eq!(claims[5].verdict, Verdict::Supports);
        assert!(
            claims[5].measured.contains("5.0 ms longer"),
            "{}",
            claims[5].measured
        );
        assert_eq!(claims[6].verdict, Verdict::NotMeasured);
        // On one CPU, parallelism cannot be judged.
        assert_eq!(claims_on_one_cpu(&rows)[1].verdict, Verdict::NotMeasured);
    }

    fn claims_on_one_cpu(rows: &[Row]) -> Vec<Claim> {
        claims(rows, &[], 1)
    }

    #[test]
    fn processes_are_judged_warm_and_their_start_up_is_shown_apart() {
        // A short job: 25 ms to start the workers, 14 ms of work. With the
        // start-up, processes look slower than one after the other; warm,
        // they compute at once.
        let mut processes = row(Workload::Cpu, Mode::Processes, 40_000, 0.7);
        processes.startup_us = Some(25_000);
        let rows = vec![processes];
        let claim = &claims(&rows, &[], 2)[1];
        assert_eq!(claim.verdict, Verdict::Supports, "{claim:?}");
        assert!(
            claim.measured.contains(
                "processes (ProcessPool) on cpu: 0.70× with start-up, 1.87× warm (starting the workers took 25.0 ms)"
            ),
            "{}",
            claim.measured
        );
    }

    #[test]
    fn figures_that_disagree_make_it_depend_and_say_which_is_which() {
        let rows = vec![
            row(Workload::Cpu, Mode::Processes, 1_000_000, 0.7),
            row(Workload::Cpu, Mode::PyProcesses, 600_000, 1.8),
        ];
        let claim = &claims(&rows, &[], 2)[1];
        assert_eq!(claim.verdict, Verdict::Depends);
        assert_eq!(claim.verdict.name(), "depends");
        assert_eq!(
            claim.reason,
            "CPython processes on cpu, warm reached 1.5× or more (two at once), processes (ProcessPool) on cpu, warm did not"
        );
    }

    #[test]
    fn a_busy_machine_is_said_beside_the_verdict_not_instead_of_it() {
        let rows = vec![row(Workload::Cpu, Mode::ThreadsGil, 1_000_000, 1.0)];
        let mut quiet = claims(&rows, &[], 2);
        note_busy(&mut quiet, Some(0.1));
        assert!(!quiet[0].reason.contains("busy"));
        let mut busy = claims(&rows, &[], 2);
        note_busy(&mut busy, Some(0.42));
        assert_eq!(busy[0].verdict, Verdict::Supports);
        assert!(
            busy[0]
                .reason
                .ends_with("(the machine was busy: other processes used 42 % of its CPU meanwhile, so these times are longer than on a quiet machine)"),
            "{}",
            busy[0].reason
        );
        // Nothing to say about what was not measured.
        assert!(!busy[2].reason.contains("busy"));
    }

    #[test]
    fn a_gil_that_lets_threads_run_together_is_contradicted() {
        let rows = vec![row(Workload::Cpu, Mode::ThreadsGil, 500_000, 2.0)];
        assert_eq!(claims(&rows, &[], 2)[0].verdict, Verdict::Contradicts);
    }
}

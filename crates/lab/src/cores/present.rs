//! How a `cores` run reads: its lines, tables and conclusions, computed
//! from what was measured (never canned).

use crate::verdict::{self, Change};
use std::time::Duration;

use super::costs::{Cost, Measured};
use super::machine::{Machine, Quota};
use super::os::{self, NOT_AVAILABLE};
use super::slicing::{self, RunFigures};
use super::{COSTS_TABLE, MACHINE_TABLE, SLICING_TABLE, TimelineFigures};
use crate::duration::{self, micros};
use crate::report::{Cell, Table};

/// A lone thread's run shorter than this measures thread start-up and
/// scheduling, not the sharing of CPUs.
pub(super) const MEASURABLE: Duration = Duration::from_millis(1);

/// The warning for a run whose lone thread waited `waited` of its `lone`
/// run: too small to measure, or a busy machine.
pub(super) fn disturbance_line(waited: f64, lone: Duration) -> String {
    if lone < MEASURABLE {
        return format!(
            "Warning: the work is too small to measure: a lone thread ran {} in all, less than {}, so its {:.0} % of waiting and these speed-ups come from starting and scheduling threads, not from other programs or sharing the CPUs. Give --work 10ms or more.",
            duration::format(lone),
            duration::format(MEASURABLE),
            waited * 100.0
        );
    }
    format!(
        "Warning: even the fastest lone thread waited for a core {:.0} % of its run: other programs were using the CPUs, so these speed-ups read about {:.0} % high. Run again on a quieter machine, or with more --repeats.",
        waited * 100.0,
        waited / (1.0 - waited) * 100.0
    )
}

pub(super) fn machine_line(machine: &Machine) -> String {
    let count = |n: Option<usize>| n.map_or_else(|| "?".to_owned(), |n| n.to_string());
    format!(
        "machine: {} logical CPUs, {} physical cores, {} allowed, quota {}; available_parallelism = {}",
        count(machine.logical_cpus),
        count(machine.physical_cores),
        count(machine.allowed_cpus),
        quota_text(machine),
        count(machine.available_parallelism)
    )
}

pub(super) fn quota_text(machine: &Machine) -> String {
    match &machine.quota {
        None if os::AVAILABLE => "none (no cgroup CPU controller found)".to_owned(),
        None => NOT_AVAILABLE.to_owned(),
        Some(reading) => match reading.quota {
            Quota::Unlimited => "none".to_owned(),
            Quota::Limited {
                quota_us,
                period_us,
            } => format!(
                "{:.2} CPUs ({} µs per {} µs)",
                reading.quota.cpus().unwrap_or(0.0),
                thousands(quota_us),
                thousands(period_us)
            ),
        },
    }
}

pub(super) fn run_line(run: &RunFigures) -> String {
    let mut line = format!(
        "{} thread{}: wall {}",
        run.threads,
        plural_s(run.threads),
        duration::format(run.wall)
    );
    if let Some(cpu) = run.cpu_us {
        line.push_str(&format!(
            ", CPU {}",
            duration::format(Duration::from_micros(cpu))
        ));
    }
    line.push_str(&format!(", speed-up {:.2}×", run.speedup));
    match run.involuntary {
        Some(n) => line.push_str(&format!(", {} involuntary switches", thousands(n))),
        None => line.push_str(&format!(", switches {NOT_AVAILABLE}")),
    }
    line
}

pub(super) fn count_cell(n: Option<usize>) -> Cell {
    n.map_or_else(|| Cell::from(NOT_AVAILABLE), Cell::from)
}

pub(super) fn machine_table(machine: &Machine) -> Table {
    let mut table =
        Table::new("the machine", ["what", "value", "where it comes from"]).with_id(MACHINE_TABLE);
    table.push_row(vec![
        "logical CPUs online".into(),
        count_cell(machine.logical_cpus),
        "/sys/devices/system/cpu/online (or /proc/cpuinfo)".into(),
    ]);
    table.push_row(vec![
        "physical cores".into(),
        count_cell(machine.physical_cores),
        match (&machine.cores_source, machine.packages) {
            (Some(source), Some(packages)) => format!(
                "{source}: distinct (package, core) pairs, {packages} package{}",
                plural_s(packages)
            ),
            _ => "the OS does not say".to_owned(),
        }
        .into(),
    ]);
    table.push_row(vec![
        "CPUs this process may use".into(),
        count_cell(machine.allowed_cpus),
        "affinity: Cpus_allowed_list in /proc/thread-self/status".into(),
    ]);
    table.push_row(vec![
        "cgroup CPU quota".into(),
        quota_text(machine).into(),
        machine
            .quota
            .as_ref()
            .map_or(
                "/proc/self/cgroup, then cpu.max (v2) or cpu.cfs_quota_us (v1)",
                |q| q.source.as_str(),
            )
            .into(),
    ]);
    table.push_row(vec![
        "available_parallelism()".into(),
        count_cell(machine.available_parallelism),
        "Rust std: the allowed CPUs, lowered to the quota (rounded down)".into(),
    ]);
    table.push_row(vec![
        "pool default size".into(),
        Cell::from(machine.pool_default),
        "waiter::default_workers() = available_parallelism()".into(),
    ]);
    table
}

pub(super) fn slicing_table(runs: &[RunFigures], cpus: usize) -> Table {
    let mut table = Table::new(
        "time slicing: k threads, the same work each",
        [
            "threads (k)",
            "wall",
            "CPU time",
            "CPU ÷ wall",
            "speed-up = k × wall₁ ÷ wall_k",
            "ideal",
            "involuntary switches",
            "per thread",
        ],
    )
    .with_id(SLICING_TABLE);
    for run in runs {
        let na = || Cell::from(NOT_AVAILABLE);
        let busy = run
            .cpu_us
            .filter(|_| run.wall_us > 0)
            .map(|cpu| cpu as f64 / run.wall_us as f64);
        table.push_row(vec![
            Cell::from(run.threads),
            Cell::from(run.wall),
            run.cpu_us.map_or_else(na, Cell::Micros),
            busy.map_or_else(na, Cell::from),
            Cell::from(run.speedup),
            Cell::from(run.threads.min(cpus)),
            run.involuntary.map_or_else(na, Cell::from),
            run.involuntary
                .map_or_else(na, |n| Cell::from(n as f64 / run.threads as f64)),
        ]);
    }
    table
}

pub(super) fn costs_table(measured: &[Measured]) -> Table {
    let mut table = Table::new("what things cost", ["operation", "median", "p99", "times"])
        .with_id(COSTS_TABLE);
    for m in measured {
        match (&m.summary, &m.skipped) {
            (Some(s), _) => table.push_row(vec![
                m.cost.name().into(),
                Cell::Nanos(s.median_ns),
                Cell::Nanos(s.p99_ns),
                Cell::from(s.samples),
            ]),
            (None, reason) => table.push_row(vec![
                format!(
                    "{} ({})",
                    m.cost.name(),
                    reason.as_deref().unwrap_or("not measured")
                )
                .into(),
                Cell::Missing,
                Cell::Missing,
                Cell::from(0usize),
            ]),
        }
    }
    table
}

pub(super) fn median_of(measured: &[Measured], cost: Cost) -> Option<Duration> {
    measured
        .iter()
        .find(|m| m.cost == cost)
        .and_then(|m| m.summary)
        .map(|s| s.median())
}

/// What this run's numbers say, in plain words.
pub(super) fn conclusions(
    sample: Duration,
    machine: &Machine,
    runs: &[RunFigures],
    timelines: &[TimelineFigures],
    measured: &[Measured],
) -> Vec<String> {
    let mut lines = machine_conclusions(machine);
    lines.extend(slicing_conclusions(runs, machine.cpus()));
    lines.extend(timeline_conclusions(timelines, machine.cpus(), sample));
    lines.extend(cost_conclusions(measured));
    lines
}

pub(super) fn machine_conclusions(machine: &Machine) -> Vec<String> {
    let mut lines = Vec::new();
    let parallelism = machine.cpus();
    let why = match (&machine.quota, machine.allowed_cpus) {
        (Some(q), Some(allowed)) if q.quota.whole_cpus().is_some_and(|w| w < allowed) => format!(
            "the {allowed} CPUs this process may use, lowered to the cgroup quota of {:.2} CPUs rounded down",
            q.quota.cpus().unwrap_or(0.0)
        ),
        (Some(q), Some(allowed)) if q.quota != Quota::Unlimited => format!(
            "the {allowed} CPUs this process may use (the cgroup quota of {:.2} CPUs allows them all)",
            q.quota.cpus().unwrap_or(0.0)
        ),
        (_, Some(allowed)) => format!(
            "the {allowed} CPU{} this process may use, with no cgroup CPU quota",
            plural_s(allowed)
        ),
        (_, None) => "what the OS reports".to_owned(),
    };
    let check = match machine.expected_parallelism() {
        Some(expected) if Some(expected) == machine.available_parallelism => {
            format!("it matches what we read ourselves ({expected})")
        }
        Some(expected) => format!(
            "it differs from what we read ourselves ({expected}): the OS has limits we do not read (e.g. a cgroup v1 mount elsewhere)"
        ),
        None => format!("we could not read the CPUs ourselves to check ({NOT_AVAILABLE})"),
    };
    lines.push(format!(
        "The pool's default size, waiter::default_workers() = {}, is Rust's available_parallelism(): {why}; {check}. It counts what this process can keep busy, not what the hardware has.",
        machine.pool_default
    ));
    if let (Some(smt), Some(cores), Some(logical)) =
        (machine.smt(), machine.physical_cores, machine.logical_cpus)
    {
        lines.push(format!(
            "{logical} logical CPUs on {cores} physical cores ({smt} hardware threads per core): threads on two logical CPUs of one core share its arithmetic units, so expect less than {logical}× from {logical} threads."
        ));
    }
    if let (Some(q), Some(visible)) = (
        &machine.quota,
        machine.allowed_cpus.or(machine.logical_cpus),
    ) && q.quota.whole_cpus().is_some_and(|w| w < visible)
    {
        lines.push(format!(
            "A cgroup quota of {:.2} CPUs with {visible} CPUs visible: threads may run on any of them but together get {:.2} CPUs' worth of time; a pool of {visible} would mostly be throttled, which is why the default is {parallelism}.",
            q.quota.cpus().unwrap_or(0.0),
            q.quota.cpus().unwrap_or(0.0)
        ));
    }
    lines
}

/// A run's switches, as words.
pub(super) fn switches(run: &RunFigures) -> String {
    run.involuntary
        .map_or_else(|| NOT_AVAILABLE.to_owned(), thousands)
}

pub(super) fn slicing_conclusions(runs: &[RunFigures], cpus: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let Some(fits) = runs
        .iter()
        .filter(|r| r.threads <= cpus)
        .max_by_key(|r| r.threads)
    else {
        return lines;
    };
    if fits.threads > 1 {
        lines.push(format!(
            "Up to {cpus} threads each has a core of its own: {} threads did {}× the work of one at {:.2}× its speed (ideal {}×).",
            fits.threads, fits.threads, fits.speedup, fits.threads
        ));
    }
    let over: Vec<&RunFigures> = runs.iter().filter(|r| r.threads > cpus).collect();
    if over.is_empty() {
        lines.push(format!(
            "No run had more threads than the {cpus} CPU{}: try --threads 1,{},{} to see them take turns.",
            plural_s(cpus),
            cpus,
            cpus * 2
        ));
        return lines;
    }
    for run in &over {
        let pace = verdict::faster(
            run.speedup,
            fits.speedup,
            verdict::DEFAULT,
            &format!(
                "{} thread{} ({:.2}×)",
                fits.threads,
                plural_s(fits.threads),
                fits.speedup
            ),
        );
        let extra = match (run.involuntary, fits.involuntary) {
            (Some(k), Some(base)) => format!(
                "{} more involuntary switches ({} → {})",
                thousands(k.saturating_sub(base)),
                thousands(base),
                thousands(k)
            ),
            _ => format!("involuntary switches {NOT_AVAILABLE}"),
        };
        lines.push(format!(
            "{} threads on {cpus} CPU{}: {:.2}× — {pace}; {extra}.",
            run.threads,
            plural_s(cpus),
            run.speedup
        ));
    }
    let most = over[over.len() - 1];
    let counts = format!(
        "{} at {} thread{}, {} at {}",
        switches(fits),
        fits.threads,
        plural_s(fits.threads),
        switches(most),
        most.threads
    );
    let switch_part = match (most.involuntary, fits.involuntary) {
        (Some(k), Some(base)) if k > base => {
            format!(", while the involuntary switches climb ({counts})")
        }
        (Some(_), Some(_)) => {
            format!(", and the involuntary switches did not climb this time ({counts})")
        }
        _ => format!("; involuntary switches {NOT_AVAILABLE}"),
    };
    let growth = match verdict::change(fits.speedup, most.speedup, verdict::DEFAULT) {
        Change::Holds => format!(
            "Beyond the cores, threads take turns: the speed-up stops growing at {} thread{} ({:.2}×; {:.2}× at {}, within {:.0}%)",
            fits.threads,
            plural_s(fits.threads),
            fits.speedup,
            most.speedup,
            most.threads,
            verdict::DEFAULT.as_percent()
        ),
        Change::Grows => format!(
            "The speed-up still grows past {} thread{} ({:.2}×; {:.2}× at {}): this machine gave more than {cpus} CPU{}' worth of time, or the {}-thread run was held back",
            fits.threads,
            plural_s(fits.threads),
            fits.speedup,
            most.speedup,
            most.threads,
            plural_s(cpus),
            fits.threads
        ),
        Change::Falls => format!(
            "Beyond the cores, threads take turns, and the speed-up falls from {:.2}× at {} thread{} to {:.2}× at {}",
            fits.speedup,
            fits.threads,
            plural_s(fits.threads),
            most.speedup,
            most.threads
        ),
    };
    lines.push(format!(
        "{growth}{switch_part}. Each involuntary switch is the note's checkpoint: the thread's state saved, another one's restored."
    ));
    if let Some(cpu) = most.cpu_us {
        let busy = cpu as f64 / most.wall_us.max(1) as f64;
        lines.push(format!(
            "{} threads used {} of CPU time in {} of wall time: {busy:.2} CPUs busy on average, never more than {cpus}. The work did not get cheaper; it was shared out in turns.",
            most.threads,
            duration::format(Duration::from_micros(cpu)),
            duration::format(most.wall)
        ));
    }
    lines
}

pub(super) fn timeline_conclusions(
    timelines: &[TimelineFigures],
    cpus: usize,
    sample: Duration,
) -> Vec<String> {
    if !slicing::measurable() {
        return vec![format!(
            "The CPU-share timelines need per-thread CPU clocks: {NOT_AVAILABLE}."
        )];
    }
    let mut lines = Vec::new();
    for t in timelines {
        let shares = &t.running_share;
        let (Some(min), Some(max)) = (
            shares.iter().copied().reduce(f64::min),
            shares.iter().copied().reduce(f64::max),
        ) else {
            continue;
        };
        let range = if (max - min) < 0.01 {
            format!("{:.0} %", min * 100.0)
        } else {
            format!("{:.0}–{:.0} %", min * 100.0, max * 100.0)
        };
        if t.threads <= cpus && min >= 0.9 {
            lines.push(format!(
                "Timeline, {} thread{} on {cpus} CPU{}: each was on a core {range} of the time — no turns needed.",
                t.threads,
                plural_s(t.threads),
                plural_s(cpus)
            ));
        } else if t.threads <= cpus {
            lines.push(format!(
                "Timeline, {} thread{} on {cpus} CPU{}: each was on a core only {range} of the time, though there was a core for each: something else (another program, or this sampler waking every interval) took turns on these cores too.",
                t.threads,
                plural_s(t.threads),
                plural_s(cpus)
            ));
        } else {
            let turns = t.median_turn_us.map_or_else(String::new, |us| {
                let coarse = if us < 3 * micros(sample) {
                    format!(
                        "; sampled every {}, so that is only a few samples: --sample {} draws the turns sharper",
                        duration::format(sample),
                        if sample > Duration::from_micros(200) { "200us" } else { "100us" }
                    )
                } else {
                    String::new()
                };
                format!(
                    ", in turns of about {} (median{coarse})",
                    duration::format(Duration::from_micros(us))
                )
            });
            let fair = cpus as f64 / t.threads as f64;
            let busy = if max < fair * 0.8 {
                format!(
                    " (less than the {:.0} % a fair share of {cpus} CPU{} would give: something else took turns too)",
                    fair * 100.0,
                    plural_s(cpus)
                )
            } else {
                String::new()
            };
            lines.push(format!(
                "Timeline, {} threads on {cpus} CPU{}: each was on a core {range} of the time{busy}{turns}, and waited for a core in between: time slicing, drawn.",
                t.threads,
                plural_s(cpus)
            ));
            let alone = shares.iter().filter(|&&s| s >= 0.95).count();
            if alone > 0 && max - min > 0.25 {
                lines.push(format!(
                    "The turns were not shared evenly: {alone} of the {} threads had a core nearly to itself. Each core has its own queue of threads, and the OS moves threads between queues only now and then, so for a while some cores ran fewer threads than others.",
                    t.threads
                ));
            }
        }
    }
    lines
}

pub(super) fn cost_conclusions(measured: &[Measured]) -> Vec<String> {
    let mut lines = Vec::new();
    let median = |cost| median_of(measured, cost);
    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64().max(1e-12);
    let fmt = duration::format;
    if let Some(thread) = median(Cost::ThreadStart) {
        match median(Cost::ProcessStart) {
            Some(process) => lines.push(format!(
                "Starting a process costs {:.0}× starting a thread: {} vs {} (medians). A process gets its own address space, loads the binary and starts a thread of its own; a new thread shares all of that.",
                ratio(process, thread),
                fmt(process),
                fmt(thread)
            )),
            None => lines.push(
                "Process start costs were not measured (no binary to re-run as a child).".into(),
            ),
        }
        if let Some(pool) = median(Cost::PoolTask) {
            lines.push(if pool < thread {
                format!(
                    "A warm pool runs a task in {} (median), {:.1}× less than a thread started for it ({}): the workers already exist, which is the point of the note's ThreadPoolExecutor.",
                    fmt(pool),
                    ratio(thread, pool),
                    fmt(thread)
                )
            } else {
                format!(
                    "A warm pool ran a task in {} (median), not less than starting a thread ({}) on this machine.",
                    fmt(pool),
                    fmt(thread)
                )
            });
        }
    }
    if let Some(channel) = median(Cost::ChannelRoundTrip) {
        match median(Cost::PipeRoundTrip) {
            Some(pipe) if ratio(pipe, channel) >= 1.2 => lines.push(format!(
                "A message and its answer: {} between two threads (channel) vs {} between two processes (pipe), {:.1}× more — the note's \"expensive to communicate between 2 processes\": every byte goes through the kernel, twice.",
                fmt(channel),
                fmt(pipe),
                ratio(pipe, channel)
            )),
            Some(pipe) if ratio(channel, pipe) >= 1.2 => lines.push(format!(
                "A message and its answer: {} between two threads (channel) vs {} between two processes (pipe): the pipe was {:.1}× faster here. Either way one side sleeps and is woken for every message (a futex behind the channel, the pipe's wait queue in the kernel), and that wake-up is most of the price of a one-line message. What makes processes expensive to talk to is everything bigger than a line: the data is encoded as bytes and copied through the kernel, while threads share memory and hand over a pointer.",
                fmt(channel),
                fmt(pipe),
                ratio(channel, pipe)
            )),
            Some(pipe) => lines.push(format!(
                "A message and its answer: {} between two threads (channel) vs {} between two processes (pipe): about the same here. Either way one side sleeps and is woken for every message, and that wake-up is most of the price of a one-line message. What makes processes expensive to talk to is everything bigger than a line: the data is encoded as bytes and copied through the kernel, while threads share memory and hand over a pointer.",
                fmt(channel),
                fmt(pipe)
            )),
            None => {}
        }
    }
    lines
}

pub(super) fn plural_s(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

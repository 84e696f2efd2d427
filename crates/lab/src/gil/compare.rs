//! The simulated GIL beside CPython, figure by figure: the same speed-ups
//! and convoy latencies, their ratio, and whether they agree within 2×.

use serde::Serialize;

use std::time::Duration;

use waiter::gil::DEFAULT_SWITCH_INTERVAL;

use super::{COMPARISON_TABLE, Client, ConvoyRow, Latency, Mode, Row, Workload, convoy};
use crate::duration::{self, micros};
use crate::report::{Cell, Table};

/// One figure, simulated and in CPython.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    /// What is compared.
    pub figure: String,
    /// With the simulated GIL (or Rust's process pool), in microseconds
    /// for a latency, as a factor for a speed-up.
    pub simulated: Option<f64>,
    /// In CPython, in the same unit.
    pub cpython: Option<f64>,
    /// Whether the figure is a latency (else a speed-up).
    pub latency: bool,
}

impl Comparison {
    /// simulated ÷ CPython.
    pub fn ratio(&self) -> Option<f64> {
        match (self.simulated, self.cpython) {
            (Some(s), Some(c)) if c > 0.0 => Some(s / c),
            _ => None,
        }
    }

    /// Whether the simulation is within a factor of 2 of CPython.
    pub fn within_2x(&self) -> Option<bool> {
        self.ratio().map(|r| (0.5..=2.0).contains(&r))
    }
}

/// The figures the issue lists, simulated next to CPython.
pub(super) fn comparisons(rows: &[Row], convoy: &[ConvoyRow]) -> Vec<Comparison> {
    let mut out = Vec::new();
    let ms5 = DEFAULT_SWITCH_INTERVAL;
    let lat = |client, cpu, interval: Duration, p99: bool, what: &str| {
        convoy
            .iter()
            .find(|r| r.case.is(client, cpu, interval))
            .map(|r| {
                let pick = |l: Option<Latency>| {
                    l.map(|l| micros(if p99 { l.p99 } else { l.median }) as f64)
                };
                Comparison {
                    figure: format!(
                        "{what}, {} interval: {}",
                        duration::format(interval),
                        if p99 { "p99" } else { "median" }
                    ),
                    simulated: pick(r.simulated),
                    cpython: pick(r.cpython),
                    latency: true,
                }
            })
    };
    let wanted = [
        (
            Client::Process,
            0,
            ms5,
            false,
            "echo alone, client another process",
        ),
        (
            Client::Process,
            1,
            ms5,
            false,
            "1 CPU-bound thread, client another process",
        ),
        (
            Client::Thread,
            1,
            ms5,
            false,
            "1 CPU-bound thread, client a thread",
        ),
        (
            Client::Thread,
            1,
            ms5,
            true,
            "1 CPU-bound thread, client a thread",
        ),
        (
            Client::Process,
            2,
            ms5,
            true,
            "2 CPU-bound threads, client another process",
        ),
        (
            Client::Thread,
            2,
            ms5,
            true,
            "2 CPU-bound threads, client a thread",
        ),
        (
            Client::Thread,
            1,
            convoy::INTERVALS[0],
            false,
            "1 CPU-bound thread, client a thread",
        ),
        (
            Client::Thread,
            1,
            convoy::INTERVALS[2],
            false,
            "1 CPU-bound thread, client a thread",
        ),
        (
            Client::Thread,
            1,
            convoy::INTERVALS[0],
            true,
            "1 CPU-bound thread, client a thread",
        ),
        (
            Client::Thread,
            1,
            convoy::INTERVALS[2],
            true,
            "1 CPU-bound thread, client a thread",
        ),
    ];
    for (client, cpu, interval, p99, what) in wanted {
        out.extend(lat(client, cpu, interval, p99, what));
    }
    let speedup = |workload, mode| {
        rows.iter()
            .find(|r| r.workload == workload && r.mode == mode)
            .and_then(|r| r.speedup)
    };
    out.push(Comparison {
        figure: "two CPU-bound threads: speed-up over one after the other".into(),
        simulated: speedup(Workload::Cpu, Mode::ThreadsGil),
        cpython: speedup(Workload::Cpu, Mode::PyThreads),
        latency: false,
    });
    out.push(Comparison {
        figure: "two CPU-bound processes: speed-up (Rust ProcessPool vs ProcessPoolExecutor)"
            .into(),
        simulated: speedup(Workload::Cpu, Mode::Processes),
        cpython: speedup(Workload::Cpu, Mode::PyProcesses),
        latency: false,
    });
    out.push(Comparison {
        figure: "two waits on two threads under the GIL: speed-up".into(),
        simulated: speedup(Workload::Io, Mode::ThreadsGil),
        cpython: speedup(Workload::Io, Mode::PyThreads),
        latency: false,
    });
    out.push(Comparison {
        figure: "a wait and a calculation on two threads under the GIL: speed-up".into(),
        simulated: speedup(Workload::Mixed, Mode::ThreadsGil),
        cpython: speedup(Workload::Mixed, Mode::PyThreads),
        latency: false,
    });
    out
}

pub(super) fn comparison_table(comparisons: &[Comparison]) -> Table {
    let mut table = Table::new(
        "simulated GIL vs CPython, figure by figure",
        [
            "figure",
            "simulated GIL",
            "CPython",
            "simulated ÷ CPython",
            "within 2×",
        ],
    )
    .with_id(COMPARISON_TABLE);
    for c in comparisons {
        let cell = |v: Option<f64>| match v {
            Some(v) if c.latency => Cell::Micros(v.max(0.0) as u64),
            Some(v) => Cell::Text(format!("{v:.2}×")),
            None => Cell::from("not run"),
        };
        table.push_row(vec![
            Cell::from(c.figure.as_str()),
            cell(c.simulated),
            cell(c.cpython),
            c.ratio().map_or(Cell::Missing, Cell::Float),
            match c.within_2x() {
                Some(true) => Cell::from("yes"),
                Some(false) => Cell::from("no"),
                None => Cell::Missing,
            },
        ]);
    }
    table
}

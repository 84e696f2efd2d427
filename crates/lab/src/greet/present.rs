//! How a `greet` run reads: its table and conclusions, computed from the
//! three modes' figures.

use std::time::Duration;

use super::{Mode, ModeFigures};
use crate::duration;
use crate::report::{Cell, Table};

pub(super) fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        1.0
    } else {
        part as f64 / whole as f64
    }
}

pub(super) fn times_table(figures: &[ModeFigures]) -> Table {
    let mut table = Table::new(
        "ask_user and complex_calculation, three ways",
        [
            "mode",
            "ask_user",
            "complex_calculation",
            "total",
            "total ÷ (ask + calc)",
            "total ÷ max(ask, calc)",
        ],
    )
    .with_id("times");
    for f in figures {
        table.push_row(vec![
            Cell::from(f.mode.name()),
            Cell::Micros(f.ask_us),
            Cell::Micros(f.calc_us),
            Cell::Micros(f.total_us),
            Cell::Float(ratio(f.total_us, f.ask_us + f.calc_us)),
            Cell::Float(ratio(f.total_us, f.ask_us.max(f.calc_us))),
        ]);
    }
    table
}

pub(super) fn us(us: u64) -> String {
    duration::format(Duration::from_micros(us))
}

pub(super) fn conclusions(figures: &[ModeFigures]) -> Vec<String> {
    let mut lines = Vec::new();
    for f in figures {
        let sum = f.ask_us + f.calc_us;
        let max = f.ask_us.max(f.calc_us);
        lines.push(match f.mode {
            Mode::Sequential => format!(
                "{}: total {} = {:.2} × the sum of the parts ({}): the calculation waited for the user.",
                f.mode,
                us(f.total_us),
                ratio(f.total_us, sum),
                us(sum)
            ),
            Mode::TwoThreads | Mode::Pool if f.ask_thread != f.calc_thread => format!(
                "{}: total {} = {:.2} × the longer part ({}): the calculation ran on {} while {} waited for the user.",
                f.mode,
                us(f.total_us),
                ratio(f.total_us, max),
                us(max),
                f.calc_thread,
                f.ask_thread
            ),
            Mode::TwoThreads | Mode::Pool => format!(
                "{}: one thread ({}) ran both tasks, one after the other: the calculation was over before a second worker took a task, so the total {} = {:.2} × the sum of the parts. A pool of 2 offers two threads; it does not promise to use both.",
                f.mode,
                f.calc_thread,
                us(f.total_us),
                ratio(f.total_us, sum)
            ),
        });
    }
    if let (Some(seq), Some(par)) = (figures.first(), figures.get(1)) {
        let (ask, calc) = (seq.ask_us, seq.calc_us);
        if calc.saturating_mul(20) < ask {
            lines.push(format!(
                "As in the note, the calculation ({}) is tiny next to the wait ({}): sum and max are almost equal, and what two threads save is lost in the noise. A larger n makes the difference plain.",
                us(calc),
                us(ask)
            ));
        } else {
            let saved = seq.total_us.saturating_sub(par.total_us);
            lines.push(format!(
                "Two threads saved {} of the {} it took on one thread: about the shorter part ({}), which no longer waits for the longer one.",
                us(saved),
                us(seq.total_us),
                us(calc.min(ask))
            ));
        }
    }
    lines
}

//! How a `dine` run reads: its tables, its report and its conclusions,
//! computed from the outcomes (never canned).

use std::time::Duration;

use super::philosopher::lane;
use super::{Config, ID, Layout, Outcome, Strategy, TITLE, Waits, explanation};
use crate::duration::{self, Range};
use crate::report::{Cell, Report, Table};

fn micros_cell(us: u64) -> Cell {
    Cell::Micros(us)
}

/// A mean or percentile of waits: `—` if no wait ended.
fn wait_cell(waits: &Waits, us: u64) -> Cell {
    if waits.count == 0 {
        Cell::Missing
    } else {
        Cell::Micros(us)
    }
}

fn jain_cell(jain: Option<f64>) -> Cell {
    jain.map_or(Cell::Missing, Cell::from)
}

/// The summary table: one row per strategy.
fn strategies_table(config: &Config, outcomes: &[Outcome]) -> Table {
    let mut table = Table::new(
        format!(
            "{} philosophers, {}, {} per strategy: at most {} can eat at once",
            config.philosophers,
            config.table_text(),
            duration::format(config.duration),
            config.bound_text()
        ),
        [
            "strategy",
            "meals",
            "meals/s",
            "mean hungry",
            "p99 hungry",
            "max hungry",
            "Jain",
            "most eating",
            "slices ran out",
            "deadlock",
        ],
    )
    .with_id("strategies");
    for outcome in outcomes {
        table.push_row(vec![
            Cell::from(outcome.strategy.name()),
            Cell::from(outcome.meals),
            Cell::from(outcome.meals_per_s),
            wait_cell(&outcome.waits, outcome.waits.mean_us),
            wait_cell(&outcome.waits, outcome.waits.p99_us),
            micros_cell(outcome.longest_hunger_us()),
            jain_cell(outcome.jain),
            Cell::from(outcome.most_eating),
            Cell::from(outcome.slices_ran_out),
            Cell::from(match &outcome.deadlock {
                Some(deadlock) => format!("after {}", deadlock.after_text()),
                None => "no".to_owned(),
            }),
        ]);
    }
    table
}

/// Each philosopher's figures under one strategy.
fn philosophers_table(outcome: &Outcome) -> Table {
    let mut table = Table::new(
        format!("{}: each philosopher", outcome.strategy.name()),
        [
            "philosopher",
            "meals",
            "eating",
            "mean hungry",
            "max hungry",
            "slices ran out",
        ],
    )
    .with_id(format!("philosophers-{}", outcome.strategy.name()));
    for (who, diner) in outcome.philosophers.iter().enumerate() {
        table.push_row(vec![
            Cell::from(lane(who)),
            Cell::from(diner.meals),
            micros_cell(diner.eating_us),
            wait_cell(&diner.waits, diner.waits.mean_us),
            // One who never ate was hungry the whole run.
            micros_cell(if diner.meals == 0 {
                diner.waits.max_us.max(outcome.elapsed_us)
            } else {
                diner.waits.max_us
            }),
            Cell::from(diner.slices_ran_out),
        ]);
    }
    table
}

pub(super) fn report(config: &Config, seed: u64, outcomes: Vec<Outcome>) -> Report {
    let mut report = Report::new(ID, TITLE);
    report.explanation = explanation(config);
    report.tables.push(strategies_table(config, &outcomes));
    if let [only] = outcomes.as_slice() {
        report.tables.push(philosophers_table(only));
    }
    report.timelines = outcomes.iter().map(|o| o.timeline.clone()).collect();
    report.conclusions = conclusions(config, &outcomes);
    report.set_figure("seed", seed);
    report.set_figure("philosophers", config.philosophers);
    report.set_figure("table", config.layout.name());
    report.set_figure("forks", config.forks());
    report.set_figure("bound", config.bound());
    report.set_figure("duration_us", duration::micros(config.duration));
    let range = |r: &Range| [duration::micros(r.min()), duration::micros(r.max())];
    report.set_figure("think_us", range(&config.think));
    report.set_figure("eat_us", range(&config.eat));
    report.set_figure("reach_us", duration::micros(config.reach));
    report.set_figure("slice_us", config.slice.map(duration::micros));
    report.set_figure("policy", config.policy.name());
    report.set_figure("forced_deadlock", config.forced_deadlock);
    report.set_figure("outcomes", &outcomes);
    report
}

pub(super) fn conclusions(config: &Config, outcomes: &[Outcome]) -> Vec<String> {
    let mut lines = Vec::new();
    let n = config.philosophers;
    let most = outcomes.iter().map(|o| o.most_eating).max().unwrap_or(0);
    lines.push(format!(
        "At most {most} of {n} philosophers ate at once{}; the bound is {}: {}",
        if outcomes.len() > 1 { " under any strategy" } else { "" },
        config.bound_text(),
        match config.layout {
            Layout::Ring => "a meal takes both neighbouring forks, so two neighbours never eat together. However short the turns, they can never all eat at the same time.".to_owned(),
            Layout::Pile { forks } => format!(
                "a meal takes 2 of the {forks} forks. However short the turns, they can never all eat at the same time."
            ),
        }
    ));
    if let Layout::Pile { forks } = config.layout
        && forks / 2 < n / 2
    {
        lines.push(format!(
            "The note says it will be possible to feed 2 philosophers at a time: that is a ring of 5 forks (⌊5/2⌋ = 2). From a pile of {forks}, only {} can eat at once.",
            config.bound()
        ));
    }
    for outcome in outcomes {
        let name = outcome.strategy.name();
        if let Some(deadlock) = &outcome.deadlock {
            lines.push(format!(
                "{name}: {deadlock}. Each philosopher in the cycle holds a fork and waits for another, held by the next one. The watchdog found the cycle in the wait-for graph and ended the run by cancelling the waits; no thread was killed."
            ));
        } else if outcome.strategy == Strategy::Naive {
            lines.push(format!(
                "{name}: no deadlock this time, but nothing prevents one: a longer reach between the two forks, or a longer run, makes it show."
            ));
        }
        if outcome.deadlock.is_none() {
            let starved: Vec<String> = outcome
                .philosophers
                .iter()
                .enumerate()
                .filter(|(_, p)| p.meals == 0)
                .map(|(who, _)| lane(who))
                .collect();
            if outcome.meals == 0 {
                lines.push(if outcome.slices_ran_out > 0 {
                    format!(
                        "{name}: nobody ate in {}, and there was no deadlock: all {} time slices ran out before a meal was done, so every philosopher kept taking forks and giving them back: livelock, and everyone starved. A longer --slice lets a meal finish.",
                        duration::format(Duration::from_micros(outcome.elapsed_us)),
                        outcome.slices_ran_out
                    )
                } else {
                    format!(
                        "{name}: nobody ate in {}, and there was no deadlock: everyone starved (the run may be too short for a first meal).",
                        duration::format(Duration::from_micros(outcome.elapsed_us))
                    )
                });
            }
            if !starved.is_empty() && outcome.meals > 0 {
                lines.push(format!(
                    "{name}: {} never ate while others did (longest hunger {}): starvation.",
                    starved.join(", "),
                    duration::format(Duration::from_micros(outcome.longest_hunger_us()))
                ));
            }
        }
        let by_hand = matches!(
            outcome.strategy,
            Strategy::Naive | Strategy::Ordered | Strategy::Footman
        );
        if by_hand && outcome.meals > 0 && outcome.most_eating < outcome.bound {
            lines.push(format!(
                "{name}: never more than {} ate at once, though {} could: a philosopher holding one fork while it waits for the other keeps its neighbour from eating too, and the waits line up in a chain.",
                outcome.most_eating, outcome.bound
            ));
        }
        if outcome.slices_ran_out > 0 {
            lines.push(format!(
                "{name}: {} time slices of {} ran out: the philosopher put the forks back, and finished the meal at its next turn.",
                outcome.slices_ran_out,
                config.slice.map(duration::format).unwrap_or_default()
            ));
        }
    }
    let fed: Vec<&Outcome> = outcomes.iter().filter(|o| o.deadlock.is_none()).collect();
    if outcomes.len() > 1 {
        let fastest = fed
            .iter()
            .max_by(|a, b| a.meals_per_s.total_cmp(&b.meals_per_s));
        let fairest = fed
            .iter()
            .filter(|o| o.jain.is_some())
            .max_by(|a, b| a.jain.unwrap_or(0.0).total_cmp(&b.jain.unwrap_or(0.0)));
        let patient = fed.iter().min_by_key(|o| o.longest_hunger_us());
        if let (Some(fastest), Some(fairest), Some(patient)) = (fastest, fairest, patient) {
            lines.push(format!(
                "Most meals: {} ({:.1}/s). Fairest: {} (Jain {:.2}; 1 = everyone ate equally often). Shortest longest hunger: {} ({}).",
                fastest.strategy.name(),
                fastest.meals_per_s,
                fairest.strategy.name(),
                fairest.jain.unwrap_or(0.0),
                patient.strategy.name(),
                duration::format(Duration::from_micros(patient.longest_hunger_us()))
            ));
        }
        if matches!(config.layout, Layout::Pile { .. })
            && !config.strategies.contains(&Strategy::ChandyMisra)
        {
            lines.push("chandy-misra was left out: it passes each fork between the two neighbours who share it, and a pile has no neighbours.".into());
        }
    } else if let Some(outcome) = fed.first()
        && let Some(jain) = outcome.jain
    {
        lines.push(format!(
            "Jain's fairness index of the meals: {jain:.2} (1 = everyone ate equally often, 1/{n} = one ate everything)."
        ));
    }
    lines
}

//! `dine` run for short times: every strategy keeps the rules, naive
//! deadlocks when forced to, the report has what the CLI shows.

use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::duration::Range;
use crate::report::Cell;

/// Runs through the experiment's trait, as the tour and the CLI do.
fn run(config: &Config, console: Arc<Buffer>, live: Arc<dyn Live>) -> Result<Report, Error> {
    config.run(&Ctx::new(console).with_live(live))
}
use crate::console::Buffer;

/// A short run of `strategies`.
fn short(strategies: &[Strategy], seed: u64) -> Config {
    Config {
        strategies: strategies.to_vec(),
        duration: Duration::from_millis(30),
        think: Range::new(Duration::ZERO, Duration::from_millis(2)).unwrap(),
        eat: Range::new(Duration::from_micros(500), Duration::from_millis(3)).unwrap(),
        reach: Duration::from_micros(200),
        seed: Some(seed),
        ..Config::default()
    }
}

fn outcome_of(config: &Config) -> Vec<Outcome> {
    validate(config).unwrap();
    let seed = config.seed.unwrap_or(0);
    config
        .strategies
        .iter()
        .map(|&s| run_strategy(config, s, seed, &Quiet, &Stop::new()).unwrap())
        .collect()
}

#[test]
fn forks_of_a_ring() {
    assert_eq!((left(0, 5), right(0, 5)), (4, 0));
    assert_eq!((left(3, 5), right(3, 5)), (2, 3));
    assert_eq!((left(0, 2), right(0, 2)), (1, 0));
    assert_eq!((left(1, 2), right(1, 2)), (0, 1));
}

#[test]
fn the_waiter_never_exceeds_the_bound_over_many_seeds() {
    for seed in 0..20 {
        for layout in [
            Layout::Ring,
            Layout::Pile { forks: 2 },
            Layout::Pile { forks: 5 },
        ] {
            let config = Config {
                // 2 to 7 philosophers, odd and even.
                philosophers: 2 + (seed as usize) % 6,
                layout,
                duration: Duration::from_millis(25),
                ..short(&[Strategy::Waiter], seed)
            };
            let outcome = &outcome_of(&config)[0];
            assert!(
                outcome.most_eating <= config.bound(),
                "seed {seed}, {layout:?}: {} eating",
                outcome.most_eating
            );
            assert!(outcome.meals > 0, "seed {seed}, {layout:?}: nobody ate");
            assert_eq!(outcome.deadlock, None);
            assert_eq!(outcome.pick_ups, outcome.put_downs);
        }
    }
}

#[test]
fn the_waiter_with_a_time_slice_cuts_long_meals() {
    let config = Config {
        eat: Range::fixed(Duration::from_millis(6)),
        slice: Some(Duration::from_millis(2)),
        duration: Duration::from_millis(60),
        ..short(&[Strategy::Waiter], 3)
    };
    let outcome = &outcome_of(&config)[0];
    assert!(outcome.slices_ran_out > 0);
    assert!(outcome.most_eating <= 2);
    // A 6 ms meal in 2 ms slices: about three slices per meal.
    assert!(outcome.slices_ran_out >= outcome.meals, "{outcome:?}");
}

#[test]
fn every_strategy_but_naive_keeps_the_rules_and_feeds_everyone() {
    for seed in 0..5 {
        for strategy in [
            Strategy::Ordered,
            Strategy::Waiter,
            Strategy::Footman,
            Strategy::ChandyMisra,
        ] {
            let config = Config {
                duration: Duration::from_millis(50),
                ..short(&[strategy], seed)
            };
            let outcome = &outcome_of(&config)[0];
            assert_eq!(outcome.deadlock, None, "{strategy:?} seed {seed}");
            assert!(outcome.most_eating <= 2, "{strategy:?} seed {seed}");
            assert!(outcome.meals > 0, "{strategy:?} seed {seed}");
        }
    }
}

#[test]
fn the_footman_lets_two_eat_at_once_with_the_defaults() {
    // Regression: with N−1 seats the hungry seated philosophers formed a
    // chain (each holding its left fork, waiting for the next one's), and
    // only ever one of five ate. See `footman`'s docs. A machine busy with
    // other work may keep the threads from overlapping in one run, so up to
    // five runs of 600 ms: with N−1 seats none of them gets two eating.
    let mut most = Vec::new();
    for seed in 0..5 {
        let config = Config {
            strategies: vec![Strategy::Footman],
            duration: Duration::from_millis(600),
            seed: Some(seed),
            ..Config::default()
        };
        let outcome = &outcome_of(&config)[0];
        assert_eq!(outcome.deadlock, None, "seed {seed}");
        assert!(outcome.most_eating <= 2, "seed {seed}");
        most.push(outcome.most_eating);
        if outcome.most_eating == 2 {
            return;
        }
    }
    panic!("never two at once in {} runs: {most:?}", most.len());
}

#[test]
fn fair_strategies_feed_everyone_even_with_no_time_to_think_or_eat() {
    // Regression: a Chandy–Misra philosopher who never waited never
    // read its requests, and kept both forks for ever.
    for strategy in [Strategy::ChandyMisra, Strategy::Waiter] {
        let config = Config {
            think: Range::fixed(Duration::ZERO),
            eat: Range::fixed(Duration::ZERO),
            reach: Duration::ZERO,
            duration: Duration::from_millis(60),
            ..short(&[strategy], 8)
        };
        let outcome = &outcome_of(&config)[0];
        for (who, philosopher) in outcome.philosophers.iter().enumerate() {
            assert!(philosopher.meals > 0, "{strategy:?}: P{who} starved");
        }
        assert!(outcome.most_eating <= 2);
    }
}

#[test]
fn strategies_at_a_pile_keep_the_bound() {
    for seed in 0..5 {
        for strategy in [Strategy::Ordered, Strategy::Footman, Strategy::Waiter] {
            for forks in [2, 3, 4] {
                let config = Config {
                    layout: Layout::Pile { forks },
                    ..short(&[strategy], seed)
                };
                let outcome = &outcome_of(&config)[0];
                assert_eq!(outcome.deadlock, None, "{strategy:?} {forks} seed {seed}");
                assert!(outcome.most_eating <= forks / 2);
            }
        }
    }
}

#[test]
fn the_forced_schedule_deadlocks_naive_and_the_watchdog_ends_it() {
    for layout in [
        Layout::Ring,
        Layout::Pile { forks: 2 },
        Layout::Pile { forks: 3 },
    ] {
        let config = Config {
            layout,
            forced_deadlock: true,
            duration: Duration::from_secs(20),
            ..short(&[Strategy::Naive], 1)
        };
        let started = Instant::now();
        let outcome = &outcome_of(&config)[0];
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "stopped by the watchdog, not the clock"
        );
        let deadlock = outcome.deadlock.as_ref().expect("a deadlock");
        assert_eq!(deadlock.cycle.first(), deadlock.cycle.last());
        if layout == Layout::Ring {
            assert_eq!(deadlock.cycle, [0, 1, 2, 3, 4, 0]);
        }
        assert_eq!(outcome.meals, 0);
        assert_eq!(outcome.pick_ups, outcome.put_downs, "every fork went back");
        let hungry_at_the_end = outcome
            .timeline
            .lanes
            .iter()
            .filter(|l| {
                l.spans
                    .last()
                    .is_some_and(|s| s.label.as_deref() == Some("deadlocked"))
            })
            .count();
        assert!(hungry_at_the_end >= 2);
    }
}

#[test]
fn the_forced_schedule_does_not_deadlock_the_others() {
    for strategy in [
        Strategy::Ordered,
        Strategy::Footman,
        Strategy::Waiter,
        Strategy::ChandyMisra,
    ] {
        let config = Config {
            forced_deadlock: true,
            ..short(&[strategy], 2)
        };
        let outcome = &outcome_of(&config)[0];
        assert_eq!(outcome.deadlock, None, "{strategy:?}");
    }
}

/// A broken strategy: philosophers take their forks without asking
/// anyone, as if every fork lock always said yes.
struct Grabby;

struct Grabber(usize);

impl Seating for Grabby {
    fn diner(&self, who: usize) -> Result<Box<dyn philosopher::Diner + '_>, Error> {
        Ok(Box::new(Grabber(who)))
    }

    fn cancel(&self) {}
}

impl philosopher::Diner for Grabber {
    fn pick_up(&mut self, shared: &Shared<'_>) -> Result<bool, Error> {
        let n = shared.config.philosophers;
        shared.checker.pick_up(self.0, left(self.0, n));
        shared.checker.pick_up(self.0, right(self.0, n));
        Ok(true)
    }

    fn put_down(&mut self, shared: &Shared<'_>) {
        let n = shared.config.philosophers;
        shared.checker.put_down(self.0, right(self.0, n));
        shared.checker.put_down(self.0, left(self.0, n));
    }
}

#[test]
fn a_strategy_that_shares_forks_fails_the_run_loudly() {
    let config = Config {
        think: Range::fixed(Duration::ZERO),
        eat: Range::fixed(Duration::from_millis(5)),
        duration: Duration::from_secs(20),
        ..short(&[Strategy::Naive], 1)
    };
    let started = Instant::now();
    match dine_at(&config, Strategy::Naive, &Grabby, 1, &Quiet, &Stop::new()) {
        Err(Error::Invariant { strategy, message }) => {
            assert_eq!(strategy, "naive");
            assert!(
                message.contains("at once") || message.contains("which"),
                "{message}"
            );
        }
        other => panic!("a broken strategy must fail the run: {other:?}"),
    }
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the watchdog stops the run as soon as the invariant breaks"
    );
}

#[test]
fn a_report_has_a_row_per_strategy_and_a_lane_per_philosopher() {
    let console = Arc::new(Buffer::new());
    let config = Config {
        philosophers: 3,
        ..short(&Strategy::ALL, 5)
    };
    let report = run(&config, console.clone(), Arc::new(Quiet)).unwrap();
    let rows = &report.tables[0].rows;
    let names: Vec<String> = rows.iter().map(|r| r[0].display()).collect();
    assert_eq!(
        names,
        ["naive", "ordered", "waiter", "footman", "chandy-misra"]
    );
    assert_eq!(
        report.tables.len(),
        1,
        "no per-philosopher table when comparing"
    );
    assert_eq!(report.timelines.len(), 5);
    for timeline in &report.timelines {
        let lanes: Vec<&str> = timeline.lanes.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(lanes, ["P0", "P1", "P2"]);
    }
    assert_eq!(outcomes(&report).len(), 5);
    assert_eq!(report.figures["seed"], 5);
    assert_eq!(console.contents().lines().count(), 5);
    assert!(!report.conclusions.is_empty());
}

#[test]
fn a_single_strategy_gets_a_table_per_philosopher() {
    let config = Config {
        philosophers: 4,
        ..short(&[Strategy::Ordered], 9)
    };
    let report = run(&config, Arc::new(Buffer::new()), Arc::new(Quiet)).unwrap();
    assert_eq!(report.tables.len(), 2);
    assert_eq!(report.tables[1].rows.len(), 4);
    let meals: i64 = report.tables[1]
        .rows
        .iter()
        .map(|r| match r[1] {
            Cell::Int(n) => n,
            _ => panic!("meals are counts"),
        })
        .sum();
    assert_eq!(report.tables[0].rows[0][1], Cell::Int(meals));
}

#[test]
fn a_live_view_sees_every_run() {
    use std::sync::Mutex;

    #[derive(Default)]
    struct Seen(Mutex<Vec<String>>);
    impl Live for Seen {
        fn started(&self, strategy: Strategy, _: &Config) {
            self.0
                .lock()
                .unwrap()
                .push(format!("start {}", strategy.name()));
        }
        fn tick(&self, snapshot: &Snapshot) {
            assert_eq!(snapshot.phases.len(), 5);
            assert!(snapshot.eating() <= 2);
            self.0.lock().unwrap().push("tick".into());
        }
        fn finished(&self, outcome: &Outcome) {
            self.0
                .lock()
                .unwrap()
                .push(format!("end {}", outcome.strategy.name()));
        }
    }
    let seen = Arc::new(Seen::default());
    let config = short(&[Strategy::Waiter, Strategy::Footman], 4);
    run(&config, Arc::new(Buffer::new()), seen.clone()).unwrap();
    let seen = seen.0.lock().unwrap().clone();
    assert_eq!(seen.first().map(String::as_str), Some("start waiter"));
    assert_eq!(seen.last().map(String::as_str), Some("end footman"));
    assert!(seen.iter().any(|s| s == "tick"));
}

#[test]
fn settings_out_of_range_are_config_errors() {
    let base = short(&[Strategy::Waiter], 1);
    for (config, words) in [
        (
            Config {
                philosophers: 1,
                ..base.clone()
            },
            "philosophers must be at least 2: one philosopher alone has nobody to share forks with",
        ),
        (
            Config {
                philosophers: 0,
                ..base.clone()
            },
            "at least 2",
        ),
        (
            Config {
                philosophers: MAX_PHILOSOPHERS + 1,
                ..base.clone()
            },
            "at most",
        ),
        (
            Config {
                layout: Layout::Pile { forks: 1 },
                ..base.clone()
            },
            "forks must be at least 2: a meal takes two forks",
        ),
        (
            Config {
                layout: Layout::Pile { forks: 2 },
                strategies: vec![Strategy::ChandyMisra],
                ..base.clone()
            },
            "needs --table ring",
        ),
        (
            Config {
                strategies: Vec::new(),
                ..base.clone()
            },
            "no strategy",
        ),
        (
            Config {
                duration: Duration::ZERO,
                ..base.clone()
            },
            "more than 0",
        ),
        (
            Config {
                slice: Some(Duration::ZERO),
                ..base.clone()
            },
            "more than 0",
        ),
        (
            Config {
                eat: Range::fixed(Duration::from_secs(7200)),
                ..base.clone()
            },
            "eat must be at most 1h",
        ),
    ] {
        match run(&config, Arc::new(Buffer::new()), Arc::new(Quiet)) {
            Err(Error::Config(message)) => assert!(message.contains(words), "{message}"),
            other => panic!("{config:?}: {other:?}"),
        }
    }
}

#[test]
fn the_bound_is_half_the_forks() {
    let ring = Config::default();
    assert_eq!(
        (ring.bound(), ring.bound_text()),
        (2, "⌊5/2⌋ = 2".to_owned())
    );
    let note = Config {
        layout: Layout::Pile { forks: 2 },
        ..Config::default()
    };
    assert_eq!(
        (note.bound(), note.table_text()),
        (1, "pile of 2 forks".to_owned())
    );
    let big_pile = Config {
        philosophers: 3,
        layout: Layout::Pile { forks: 100 },
        ..Config::default()
    };
    assert_eq!(big_pile.bound(), 3);
    // Written out whole: never "at most ⌊8/2⌋ = 3" with 3 philosophers.
    let pile = |philosophers, forks| Config {
        philosophers,
        layout: Layout::Pile { forks },
        ..Config::default()
    };
    assert_eq!(pile(3, 8).bound_text(), "min(3, ⌊8/2⌋) = 3");
    assert_eq!(pile(2, 1024).bound_text(), "min(2, ⌊1024/2⌋) = 2");
    assert_eq!(pile(5, 2).bound_text(), "min(5, ⌊2/2⌋) = 1");
}

#[test]
fn strategies_have_names_both_ways() {
    for strategy in Strategy::ALL {
        assert_eq!(Strategy::from_name(strategy.name()), Some(strategy));
        assert_eq!(serde_json::to_value(strategy).unwrap(), strategy.name());
    }
    assert_eq!(Strategy::from_name("nope"), None);
    assert!(!Strategy::ChandyMisra.supports(Layout::Pile { forks: 4 }));
    assert!(Strategy::Naive.supports(Layout::Pile { forks: 4 }));
}

#[test]
fn no_meal_without_a_deadlock_is_starvation_and_counts_as_hunger() {
    let config = Config {
        duration: Duration::from_millis(20),
        ..short(&[Strategy::Waiter], 1)
    };
    let mut outcome = outcome_of(&config).remove(0);
    // As `--slice 1ns` gives: no meal, slices that ran out, no deadlock.
    outcome.meals = 0;
    outcome.slices_ran_out = 40;
    for diner in &mut outcome.philosophers {
        diner.meals = 0;
    }
    outcome.waits.max_us = 1;
    assert!(outcome.longest_hunger_us() >= outcome.elapsed_us);
    let lines = super::present::conclusions(&config, &[outcome.clone()]).join("\n");
    assert!(lines.contains("nobody ate"), "{lines}");
    assert!(lines.contains("livelock"), "{lines}");
    outcome.slices_ran_out = 0;
    let lines = super::present::conclusions(&config, &[outcome]).join("\n");
    assert!(lines.contains("everyone starved"), "{lines}");
    assert!(!lines.contains("livelock"), "{lines}");
}

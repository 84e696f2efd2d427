//! The tour: the whole note, in the note's order, in one run.
//!
//! `cargo run --release` (that is, plain `waiter`, or `waiter tour`) runs it.
//! Someone who has just read the note should be able to watch each of its
//! ideas happen, in order, without choosing a subcommand or a setting: sync
//! vs async and two threads (`greet`, with a scripted user), the pool as a
//! scope, concurrency (`order`), parallelism and time slicing (`cores`),
//! the dining philosophers (`dine`, every strategy, a short run) and the GIL
//! (`gil`, beside real CPython where `python3` is present).
//!
//! Each [`Part`] carries a few lines in plain words taken from the note's
//! ideas, then runs its experiment at a size that keeps the whole tour under
//! a minute on a two-core machine ([`Size::Full`]), or under 15 s
//! ([`Size::Quick`]). The experiments are the same code as their
//! subcommands; only the sizes differ ([`Config::part_configs`]).
//!
//! The tour reports as it goes ([`Progress`]): whoever runs it renders each
//! part when it finishes and can write the report of what finished so far,
//! so stopping it (Ctrl-C) loses only the part that was running. The
//! [`Ctx`]'s stop signal is checked between parts.
//!
//! Every part runs through [`Experiment`]: [`PartConfigs::experiment`] is
//! the one place that maps a part to its experiment, and [`run_parts`]
//! runs any list of experiments as a tour (the tests hand it doubles).
//!
//! ```
//! use std::sync::Arc;
//! use waiter_lab::Ctx;
//! use waiter_lab::console::Silent;
//! use waiter_lab::tour::{self, Config, Size};
//!
//! let config = Config {
//!     parts: vec!["order"], // one part, for the example
//!     ..Config::new(Size::Quick)
//! };
//! let outcome = tour::run(&config, &Ctx::new(Arc::new(Silent)), &());
//! assert_eq!(outcome.finished.len(), 1);
//! assert_eq!(outcome.finished[0].report.id, "order");
//! ```

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::dine::{self, Strategy};
use crate::input::Scripted;
use crate::{Ctx, Error, Experiment, Report, asynchrony, cores, gil, greet, order};

/// The tour's id, also its subcommand.
pub const ID: &str = "tour";

/// The tour's title.
pub const TITLE: &str = "Asynchronous development, the note, run and measured";

/// The tour's opening lines.
pub const INTRO: [&str; 2] = [
    "Each idea of the study note on asynchronous Python, in the note's order, run on real threads and processes of this machine and measured.",
    "Every part says the idea in plain words, runs the experiment that shows it, and prints what it measured; the report folder has the same tables with timelines you can look at.",
];

/// One part of the tour: an idea of the note and the experiment that shows
/// it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Part {
    /// The experiment's id (its subcommand): `greet`, `order`, …
    pub id: &'static str,
    /// A short heading.
    pub heading: &'static str,
    /// The idea, in two or three lines of plain words from the note.
    pub words: &'static [&'static str],
}

/// Every part, in the note's order.
pub const PARTS: [Part; 6] = [
    Part {
        id: greet::ID,
        heading: "Sync vs async: one thread, two threads, a pool",
        words: &[
            "Synchronous: actions that happen one after another. ask_user waits for a person, complex_calculation computes, and one thread does one, then the other: the total is the sum.",
            "What's the point of threads? Reduce waiting time: with two threads, the calculation runs while the user is still typing, and the total is about the longer of the two.",
            "A pool used as a scope (ThreadPoolExecutor in a with block) does the same, and leaving the block waits for the work.",
        ],
    },
    Part {
        id: asynchrony::ID,
        heading: "Asynchronous: one thread, an event loop",
        words: &[
            "Asynchronous: actions that don't necessarily happen after one another. An event loop runs many tasks on ONE thread: a task that waits (await) gives the thread back, and another runs.",
            "So the wait for the user overlaps the calculation with no second thread. But a task that computes without awaiting stops every other task on the loop: a heartbeat shows how late it wakes.",
            "Shown on a small event loop written for this lab (it draws every poll and why), beside tokio and real asyncio.",
        ],
    },
    Part {
        id: order::ID,
        heading: "Concurrency: a different order, the same outcome",
        words: &[
            "Concurrency: the ability of our programs to run things in a different order every time the program runs, without affecting the final outcome.",
            "Tasks on a pool finish in a different order on every run, and the total stays the same; tasks that share a counter without synchronisation lose updates.",
        ],
    },
    Part {
        id: cores::ID,
        heading: "Parallelism: processors, cores, threads and processes",
        words: &[
            "Parallelism: running two or more things at the same time. A processor has a number of cores, and a thread runs in one core at a time.",
            "More threads than cores take turns (time slicing): the OS saves each thread's state and switches. Processes hold what threads need, and cost more to start and to talk to.",
        ],
    },
    Part {
        id: dine::ID,
        heading: "The dining philosophers, fed by a waiter",
        words: &[
            "Philosophers need two forks to eat, and forks are a limited resource.",
            "A waiter hands out two forks at a time, for a limited time (time slicing): nobody deadlocks and nobody starves, though never can all eat at once.",
            "Without a waiter, philosophers who each hold one fork can wait for the other for ever: a deadlock.",
        ],
    },
    Part {
        id: gil::ID,
        heading: "Processes and the GIL",
        words: &[
            "A Python process has one GIL: its threads never compute at the same time. Several processes each have their own GIL and compute in parallel, but talking between them costs.",
            "Threads still reduce waiting time: a thread that waits gives the GIL away, and needs it back when its wait is over (the convoy effect).",
            "Shown here with a simulated GIL in Rust, beside real CPython where python3 is present.",
        ],
    },
];

/// The part with this id.
pub fn part(id: &str) -> Option<&'static Part> {
    PARTS.iter().find(|part| part.id == id)
}

/// How big the experiments are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Size {
    /// Under a minute on a two-core machine: sizes that show each effect
    /// clearly.
    Full,
    /// Under 15 s: the same parts, smaller (noisier numbers).
    Quick,
}

/// The tour's settings.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// How big.
    pub size: Size,
    /// The parts to run, by id, in the note's order whatever the order
    /// here (default: all of them).
    pub parts: Vec<&'static str>,
    /// The name the scripted user types in `greet`.
    pub name: String,
    /// Whether `gil` runs its process-pool mode: only if the running binary
    /// serves process-pool workers (see [`gil::Config::processes`]).
    pub processes: bool,
    /// The Python interpreter for `gil`'s CPython rows; `None`: not run.
    pub python: Option<PathBuf>,
}

impl Config {
    /// Every part at `size`, user "Ana", no process pool, no CPython (the
    /// CLI fills those in; the binary for `cores`' child processes is the
    /// [`Ctx`]'s).
    pub fn new(size: Size) -> Self {
        Self {
            size,
            parts: PARTS.iter().map(|part| part.id).collect(),
            name: "Ana".to_owned(),
            processes: false,
            python: None,
        }
    }

    /// The experiments' settings at this size.
    pub fn part_configs(&self) -> PartConfigs {
        let quick = self.size == Size::Quick;
        let ms = Duration::from_millis;
        let greet = greet::Config {
            // About 0.2 s (0.05 s quick) of squares in a release build: long
            // enough to see on the timeline, shorter than the typing.
            n: if quick { 50_000_000 } else { 300_000_000 },
        };
        let typing = if quick { ms(300) } else { ms(1000) };
        let order = order::Config::default();
        let cores = if quick {
            cores::Config {
                threads: vec![1, 2, 4],
                work: ms(30),
                repeats: 1,
                thread_starts: 50,
                process_starts: 10,
                round_trips: 500,
                ..cores::Config::default()
            }
        } else {
            cores::Config::default()
        };
        let dine = dine::Config {
            strategies: Strategy::ALL.to_vec(),
            duration: if quick { ms(300) } else { ms(1000) },
            ..dine::Config::default()
        };
        let gil = gil::Config {
            scale: if quick { 0.05 } else { 0.3 },
            processes: self.processes,
            python: self.python.clone(),
            ..gil::Config::default()
        };
        // The calculation lasts long enough to stand far above a 1 ms tick
        // even in --quick; fewer sleeps in --quick; the pool's run is
        // scaled to a few rounds of its 64 workers.
        let asynchrony = asynchrony::Config {
            name: self.name.clone(),
            typing: if quick { ms(200) } else { ms(500) },
            work: if quick { ms(100) } else { ms(200) },
            sleepers: if quick { 1_000 } else { 10_000 },
            pool_sleepers: if quick { 128 } else { 192 },
            python: self.python.clone(),
            ..asynchrony::Config::default()
        };
        PartConfigs {
            greet,
            typing,
            order,
            cores,
            dine,
            gil,
            asynchrony,
        }
    }
}

/// The settings each experiment runs with in the tour.
#[derive(Clone, Debug)]
pub struct PartConfigs {
    /// `greet`.
    pub greet: greet::Config,
    /// How long the scripted user takes to type the name.
    pub typing: Duration,
    /// `order`.
    pub order: order::Config,
    /// `cores`.
    pub cores: cores::Config,
    /// `dine` (every strategy).
    pub dine: dine::Config,
    /// `gil`.
    pub gil: gil::Config,
    /// `async`.
    pub asynchrony: asynchrony::Config,
}

impl PartConfigs {
    /// The experiment of the part with this id, at these sizes: the one
    /// place a part meets its experiment.
    pub fn experiment(&self, id: &str) -> Option<&dyn Experiment> {
        Some(match id {
            greet::ID => &self.greet,
            order::ID => &self.order,
            cores::ID => &self.cores,
            dine::ID => &self.dine,
            gil::ID => &self.gil,
            asynchrony::ID => &self.asynchrony,
            _ => return None,
        })
    }
}

/// A part that ran to the end.
#[derive(Debug)]
pub struct Finished {
    /// Which part.
    pub part: &'static Part,
    /// What its experiment reported.
    pub report: Report,
    /// How long it took.
    pub elapsed: Duration,
}

/// What the tour did.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The parts that finished, in order.
    pub finished: Vec<Finished>,
    /// The parts that failed, with why; the tour goes on after a failure.
    pub failed: Vec<(&'static Part, Error)>,
    /// Set if the stop flag ended the tour early: the first part not run.
    pub stopped_before: Option<&'static Part>,
}

/// Hears about the tour as it goes, on the tour's thread. Every method
/// does nothing by default; `()` hears nothing.
pub trait Progress {
    /// A part starts; `explanation` is its experiment's own.
    fn starting(
        &self,
        _number: usize,
        _part: &'static Part,
        _title: &str,
        _explanation: &[String],
    ) {
    }

    /// A part finished.
    fn finished(&self, _finished: &Finished) {}

    /// A part failed.
    fn failed(&self, _part: &'static Part, _error: &Error) {}
}

impl Progress for () {}

/// Runs the tour's chosen parts in the note's order, with the sizes of
/// `config` and its scripted user; `ctx.stop`, checked before each part,
/// ends it early. A failing part is recorded and the tour goes on: one
/// missing table should not cost the others.
pub fn run(config: &Config, ctx: &Ctx, progress: &dyn Progress) -> Outcome {
    let settings = config.part_configs();
    let ctx = ctx.clone().with_input(Arc::new(Scripted::new(
        config.name.clone(),
        settings.typing,
    )));
    let parts: Vec<(&'static Part, &dyn Experiment)> = PARTS
        .iter()
        .filter(|part| config.parts.contains(&part.id))
        .filter_map(|part| Some((part, settings.experiment(part.id)?)))
        .collect();
    run_parts(&parts, &ctx, progress)
}

/// Runs `parts` in the order given, each with its experiment, as
/// [`run`] does: the stop signal is checked before each part, and a
/// failing part is recorded without ending the tour.
pub fn run_parts(
    parts: &[(&'static Part, &dyn Experiment)],
    ctx: &Ctx,
    progress: &dyn Progress,
) -> Outcome {
    let mut outcome = Outcome::default();
    for (number, &(part, experiment)) in parts.iter().enumerate() {
        if ctx.stop.requested() {
            outcome.stopped_before = Some(part);
            break;
        }
        let started = Instant::now();
        progress.starting(
            number + 1,
            part,
            experiment.title(),
            &experiment.explanation(),
        );
        match experiment.run(ctx) {
            Ok(report) => {
                let finished = Finished {
                    part,
                    report,
                    elapsed: started.elapsed(),
                };
                progress.finished(&finished);
                outcome.finished.push(finished);
            }
            Err(error) => {
                progress.failed(part, &error);
                outcome.failed.push((part, error));
            }
        }
    }
    outcome
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::console::{Buffer, Silent};
    use crate::experiment::{Behaviour, Double};
    use crate::{Stop, report::Report};

    #[derive(Default)]
    struct Heard(Mutex<Vec<String>>);

    impl Progress for Heard {
        fn starting(&self, number: usize, part: &'static Part, _: &str, explanation: &[String]) {
            assert!(!explanation.is_empty());
            self.0
                .lock()
                .unwrap()
                .push(format!("start {number} {}", part.id));
        }
        fn finished(&self, finished: &Finished) {
            self.0
                .lock()
                .unwrap()
                .push(format!("done {}", finished.report.id));
        }
        fn failed(&self, part: &'static Part, error: &Error) {
            self.0
                .lock()
                .unwrap()
                .push(format!("failed {}: {error}", part.id));
        }
    }

    #[test]
    fn parts_follow_the_note_and_say_it_in_a_few_lines() {
        let ids: Vec<&str> = PARTS.iter().map(|part| part.id).collect();
        assert_eq!(ids, ["greet", "async", "order", "cores", "dine", "gil"]);
        for part in PARTS {
            assert!(
                (2..=3).contains(&part.words.len()),
                "{}: {} lines",
                part.id,
                part.words.len()
            );
            assert_eq!(super::part(part.id), Some(&part));
        }
        assert_eq!(super::part("nope"), None);
    }

    #[test]
    fn quick_is_smaller_than_full_everywhere() {
        let quick = Config::new(Size::Quick).part_configs();
        let full = Config::new(Size::Full).part_configs();
        assert!(quick.greet.n < full.greet.n && quick.typing < full.typing);
        assert!(quick.cores.work < full.cores.work);
        assert!(quick.dine.duration < full.dine.duration);
        assert!(quick.gil.scale < full.gil.scale);
        assert!(quick.asynchrony.work < full.asynchrony.work);
        assert!(quick.asynchrony.sleepers < full.asynchrony.sleepers);
        for configs in [&quick, &full] {
            configs.asynchrony.validate().unwrap();
        }
        assert_eq!(full.dine.strategies, Strategy::ALL.to_vec());
    }

    #[test]
    fn runs_the_chosen_parts_in_the_notes_order_and_reports_each() {
        let config = Config {
            parts: vec!["order", "greet"],
            name: "Jose".into(),
            ..Config::new(Size::Quick)
        };
        let console = Arc::new(Buffer::new());
        let heard = Heard::default();
        let outcome = run(&config, &Ctx::new(console.clone()), &heard);
        let ids: Vec<&str> = outcome
            .finished
            .iter()
            .map(|f| f.report.id.as_str())
            .collect();
        assert_eq!(ids, ["greet", "order"]);
        assert!(outcome.failed.is_empty() && outcome.stopped_before.is_none());
        assert_eq!(
            *heard.0.lock().unwrap(),
            ["start 1 greet", "done greet", "start 2 order", "done order"]
        );
        assert!(console.contents().contains("Hello, Jose"));
    }

    #[test]
    fn the_stop_flag_ends_the_tour_before_the_next_part() {
        let stop = Stop::new();
        stop.request();
        let ctx = Ctx::new(Arc::new(Silent)).with_stop(stop);
        let outcome = run(&Config::new(Size::Quick), &ctx, &());
        assert!(outcome.finished.is_empty());
        assert_eq!(outcome.stopped_before.map(|p| p.id), Some("greet"));
    }

    #[test]
    fn every_part_has_an_experiment_with_its_id() {
        let settings = Config::new(Size::Quick).part_configs();
        for part in &PARTS {
            let experiment = settings.experiment(part.id).expect("every part runs");
            assert_eq!(experiment.id(), part.id);
            assert!(!experiment.explanation().is_empty());
            experiment.validate().unwrap();
        }
        assert!(settings.experiment("nope").is_none());
    }

    fn double(id: &str, behaviour: Behaviour) -> Double {
        let mut report = Report::new(id, format!("the {id} double"));
        report.explanation = vec![format!("what {id} shows")];
        Double::new(report, behaviour)
    }

    #[test]
    fn a_failing_part_is_recorded_and_the_tour_goes_on() {
        let (first, broken, last) = (
            double("one", Behaviour::Report),
            double("two", Behaviour::Fail("boom".into())),
            double("three", Behaviour::Report),
        );
        let parts: [(&'static Part, &dyn Experiment); 3] = [
            (&PARTS[0], &first),
            (&PARTS[1], &broken),
            (&PARTS[2], &last),
        ];
        let heard = Heard::default();
        let outcome = run_parts(&parts, &Ctx::new(Arc::new(Silent)), &heard);
        let ids: Vec<&str> = outcome
            .finished
            .iter()
            .map(|f| f.report.id.as_str())
            .collect();
        assert_eq!(ids, ["one", "three"]);
        assert_eq!(outcome.failed.len(), 1);
        assert_eq!(outcome.failed[0].0.id, "async");
        assert!(outcome.failed[0].1.to_string().contains("boom"));
        assert_eq!(
            *heard.0.lock().unwrap(),
            [
                "start 1 greet",
                "done one",
                "start 2 async",
                "failed async: two failed: boom",
                "start 3 order",
                "done three",
            ]
        );
        assert_eq!((first.runs(), broken.runs(), last.runs()), (1, 1, 1));
    }

    #[test]
    fn a_stop_during_a_part_ends_the_tour_after_it() {
        let stop = Stop::new();
        let waits = double("waits", Behaviour::UntilStopped);
        let never = double("never", Behaviour::Report);
        let parts: [(&'static Part, &dyn Experiment); 2] =
            [(&PARTS[0], &waits), (&PARTS[1], &never)];
        let ctx = Ctx::new(Arc::new(Silent)).with_stop(stop.clone());
        let outcome = std::thread::scope(|s| {
            let tour = s.spawn(|| run_parts(&parts, &ctx, &()));
            while waits.runs() == 0 {
                std::thread::yield_now();
            }
            stop.request();
            tour.join().unwrap()
        });
        assert_eq!(outcome.finished.len(), 1);
        assert!(
            outcome.finished[0]
                .report
                .figures
                .contains_key("interrupted")
        );
        assert_eq!(outcome.stopped_before.map(|p| p.id), Some("async"));
        assert_eq!(never.runs(), 0);
    }
}

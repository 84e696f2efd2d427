//! A stand-in experiment: a report given in advance, no threads, no timing.
//!
//! What runs an experiment (the tour, the CLI's files and exit codes, its
//! Ctrl-C handling) is tested with a [`Double`]: it returns its report at
//! once, or fails, or waits for the stop signal, as told, and counts its
//! runs.
//!
//! ```
//! use std::sync::Arc;
//! use waiter_lab::console::Silent;
//! use waiter_lab::experiment::{Behaviour, Double};
//! use waiter_lab::{Ctx, Experiment, Report};
//!
//! let double = Double::new(Report::new("fake", "A stand-in"), Behaviour::Report);
//! let report = double.run(&Ctx::new(Arc::new(Silent)))?;
//! assert_eq!((report.id.as_str(), double.runs()), ("fake", 1));
//! # Ok::<(), waiter_lab::Error>(())
//! ```

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use super::{Ctx, Experiment};
use crate::{Error, Report};

/// What a [`Double`] does when it runs.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Behaviour {
    /// Returns its report at once.
    Report,
    /// Fails with [`Error::Panicked`] carrying this message.
    Fail(String),
    /// Refuses its settings: [`Experiment::validate`] (and so `run`) fail
    /// with [`Error::Config`] carrying this message.
    Invalid(String),
    /// Waits for the stop signal, then returns its report marked
    /// `interrupted`, as `dine` and `gil` do.
    UntilStopped,
}

/// An [`Experiment`] that returns a report given in advance.
#[derive(Debug)]
pub struct Double {
    id: &'static str,
    title: &'static str,
    report: Report,
    behaviour: Behaviour,
    runs: AtomicUsize,
}

/// How often [`Behaviour::UntilStopped`] looks at the stop signal.
const POLL: Duration = Duration::from_millis(1);

impl Double {
    /// A double with `report`'s id, title and explanation, doing
    /// `behaviour` when run. The id and title are leaked (the trait hands
    /// out `&'static str`, as the real experiments' constants are): a few
    /// bytes per double, and tests make a handful.
    pub fn new(report: Report, behaviour: Behaviour) -> Self {
        Self {
            id: Box::leak(report.id.clone().into_boxed_str()),
            title: Box::leak(report.title.clone().into_boxed_str()),
            report,
            behaviour,
            runs: AtomicUsize::new(0),
        }
    }

    /// How many times it ran.
    pub fn runs(&self) -> usize {
        self.runs.load(Ordering::SeqCst)
    }
}

impl Experiment for Double {
    fn id(&self) -> &'static str {
        self.id
    }

    fn title(&self) -> &'static str {
        self.title
    }

    fn explanation(&self) -> Vec<String> {
        self.report.explanation.clone()
    }

    fn validate(&self) -> Result<(), Error> {
        match &self.behaviour {
            Behaviour::Invalid(message) => Err(Error::Config(message.clone())),
            _ => Ok(()),
        }
    }

    fn run(&self, ctx: &Ctx) -> Result<Report, Error> {
        self.validate()?;
        self.runs.fetch_add(1, Ordering::SeqCst);
        ctx.console.line(&format!("{}: running", self.report.id));
        match &self.behaviour {
            Behaviour::Fail(message) => Err(Error::Panicked {
                what: self.report.id.clone(),
                message: message.clone(),
            }),
            Behaviour::UntilStopped => {
                while !ctx.stop.requested() {
                    std::thread::sleep(POLL);
                }
                let mut report = self.report.clone();
                report.set_figure("interrupted", true);
                Ok(report)
            }
            Behaviour::Report | Behaviour::Invalid(_) => Ok(self.report.clone()),
        }
    }

    fn reports_when_stopped(&self) -> bool {
        self.behaviour == Behaviour::UntilStopped
    }
}

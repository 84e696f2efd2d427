//! Progress on a terminal: a status line for long runs (the tour's parts,
//! `gil`, `cores`) and the live view of `waiter dine` (a bar per strategy
//! and what each philosopher is doing now).
//!
//! Bars are drawn on stderr, and only when stderr is a terminal (and `TERM`
//! is not `dumb`): captured output (tests, CI logs) gets none, which is what
//! [`Bars::for_stderr`] returns `None` for. The experiment's own lines still
//! go to stdout, written while the bars are hidden
//! ([`MultiProgress::suspend`]), so `waiter gil | tee log` keeps every line
//! and a bar never cuts a line in two.

use std::io::IsTerminal;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use waiter_lab::Console;
use waiter_lab::dine::{Config, Live, Outcome, Phase, Snapshot, Strategy};

/// How a philosopher's phase is drawn, as in the timelines.
pub(crate) fn glyph(phase: Phase) -> char {
    match phase {
        Phase::Thinking => '-',
        Phase::Hungry => '░',
        Phase::Eating => '█',
        Phase::Waiting | Phase::Left => ' ',
    }
}

/// The line under the bar: how many eat, the meals, and each philosopher
/// (`█P0 12` is P0 eating, 12 meals so far).
pub(crate) fn states_line(snapshot: &Snapshot) -> String {
    let mut line = format!(
        "{} eating, {} meals │",
        snapshot.eating(),
        snapshot.total_meals()
    );
    for (who, (&phase, meals)) in snapshot.phases.iter().zip(&snapshot.meals).enumerate() {
        line.push_str(&format!(" {}P{who} {meals}", glyph(phase)));
    }
    line
}

/// Progress bars on stderr.
pub(crate) struct Bars {
    multi: MultiProgress,
    /// The current dine strategy's bar.
    bar: Mutex<Option<ProgressBar>>,
    /// The status line at the bottom, if any.
    status: Option<ProgressBar>,
}

impl Bars {
    /// Bars if stderr is a terminal that can draw them, else `None`.
    pub(crate) fn for_stderr() -> Option<Self> {
        let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
        if !std::io::stderr().is_terminal() || dumb {
            return None;
        }
        Some(Self {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
            bar: Mutex::new(None),
            status: None,
        })
    }

    /// Adds a status line: a spinner, `prefix`, a message, the time so far;
    /// with `steps`, a bar of that many steps.
    pub(crate) fn with_status(mut self, prefix: &str, steps: Option<u64>) -> Self {
        let (bar, template) = match steps {
            Some(steps) => (
                ProgressBar::new(steps),
                "{spinner} {prefix} [{bar:20}] {pos}/{len} {wide_msg} {elapsed}",
            ),
            None => (
                ProgressBar::new_spinner(),
                "{spinner} {prefix} {wide_msg} {elapsed}",
            ),
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(prefix.to_owned());
        let bar = self.multi.add(bar);
        bar.enable_steady_tick(Duration::from_millis(120));
        self.status = Some(bar);
        self
    }

    /// The status line's message.
    pub(crate) fn status(&self, message: &str) {
        if let Some(bar) = &self.status {
            bar.set_message(message.to_owned());
        }
    }

    /// One more step of the status bar done.
    pub(crate) fn step(&self) {
        if let Some(bar) = &self.status {
            bar.inc(1);
        }
    }

    fn bar(&self) -> MutexGuard<'_, Option<ProgressBar>> {
        self.bar.lock().unwrap_or_else(|poison| poison.into_inner())
    }

    /// Removes whatever is still drawn.
    pub(crate) fn clear(&self) {
        if let Some(bar) = self.bar().take() {
            bar.finish_and_clear();
        }
        if let Some(bar) = &self.status {
            bar.finish_and_clear();
        }
        let _ = self.multi.clear();
    }
}

impl Console for Bars {
    fn prompt(&self, text: &str) {
        // Hide the bars, write to stdout, draw them again below.
        self.multi.suspend(|| crate::output::print(text));
    }
}

impl Live for Bars {
    fn started(&self, strategy: Strategy, config: &Config) {
        let millis = u64::try_from(config.duration.as_millis()).unwrap_or(u64::MAX);
        let bar = self.multi.add(ProgressBar::new(millis));
        if let Ok(style) =
            ProgressStyle::with_template("{prefix:>12} [{bar:24}] {pos:>5}/{len} ms  {wide_msg}")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(strategy.name());
        if let Some(old) = self.bar().replace(bar) {
            old.finish_and_clear();
        }
    }

    fn tick(&self, snapshot: &Snapshot) {
        if let Some(bar) = self.bar().as_ref() {
            let millis = u64::try_from(snapshot.elapsed.as_millis()).unwrap_or(u64::MAX);
            bar.set_position(millis);
            bar.set_message(states_line(snapshot));
        }
    }

    fn finished(&self, _outcome: &Outcome) {
        if let Some(bar) = self.bar().take() {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn the_states_line_shows_each_philosopher() {
        let snapshot = Snapshot {
            strategy: Strategy::Waiter,
            elapsed: Duration::from_millis(300),
            duration: Duration::from_secs(1),
            phases: vec![Phase::Eating, Phase::Hungry, Phase::Thinking],
            meals: vec![4, 2, 3],
        };
        assert_eq!(
            states_line(&snapshot),
            "1 eating, 9 meals │ █P0 4 ░P1 2 -P2 3"
        );
    }
}

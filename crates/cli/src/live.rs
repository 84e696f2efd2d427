//! The live view of `waiter dine` on a terminal: a progress bar per
//! strategy and what each philosopher is doing now.
//!
//! Only when stdout is a terminal (and `TERM` is not `dumb`): piped or
//! captured output (tests, `| tee`) gets the plain lines alone, which is
//! what [`Bars::for_stdout`] returns `None` for. The experiment's own lines
//! are printed above the bars through [`MultiProgress::println`], so the
//! bars never cut a line in two.

use std::io::IsTerminal;
use std::sync::{Mutex, MutexGuard};

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

/// Progress bars on stdout.
pub(crate) struct Bars {
    multi: MultiProgress,
    bar: Mutex<Option<ProgressBar>>,
}

impl Bars {
    /// Bars if stdout is a terminal that can draw them, else `None`.
    pub(crate) fn for_stdout() -> Option<Self> {
        let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
        if !std::io::stdout().is_terminal() || dumb {
            return None;
        }
        Some(Self {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stdout()),
            bar: Mutex::new(None),
        })
    }

    fn bar(&self) -> MutexGuard<'_, Option<ProgressBar>> {
        self.bar.lock().unwrap_or_else(|poison| poison.into_inner())
    }

    /// Removes whatever is still drawn.
    pub(crate) fn clear(&self) {
        if let Some(bar) = self.bar().take() {
            bar.finish_and_clear();
        }
        let _ = self.multi.clear();
    }
}

impl Console for Bars {
    fn prompt(&self, text: &str) {
        let _ = self.multi.println(text.strip_suffix('\n').unwrap_or(text));
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

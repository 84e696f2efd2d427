//! Where an experiment's questions are answered: a person, a pipe, a script.
//!
//! The note's `ask_user` calls `input('Enter your name: ')`: the thread
//! blocks until a person types. That wait is the point of the experiment,
//! so it has to be real, and it also has to run unattended in tests and in
//! the tour. An [`Input`] hides where the answer comes from:
//!
//! - [`Lines`] reads lines from any reader: a terminal (a person answers,
//!   once per question) or a pipe (`printf 'Ana\nBo\n' | waiter greet`).
//! - [`Scripted`] is a user who always answers the same name after a fixed
//!   typing time, so the wait is real (the thread sleeps) but nobody sits
//!   there.
//!
//! An answer that nobody typed on screen (a pipe, a script) is *echoed*
//! with its prompt, so the output reads like the note's
//! `Enter your name: Jose`; a terminal echoes by itself.
//!
//! ```
//! use std::io::Cursor;
//! use waiter_lab::input::{Input, Lines};
//!
//! let input = Lines::new(Cursor::new("Ana\r\n\n"), true);
//! assert_eq!(input.read_line()?, Some("Ana".to_owned()));
//! assert_eq!(input.read_line()?, Some(String::new())); // an empty name
//! assert_eq!(input.read_line()?, None); // end of input
//! # Ok::<(), std::io::Error>(())
//! ```

use std::io::{self, BufRead};
use std::sync::Mutex;
use std::time::Duration;

/// A source of answers, shared by the threads that ask.
pub trait Input: Send + Sync {
    /// Blocks until the next answer, without its line ending. `Ok(None)`
    /// means the input ended (end of file) before an answer.
    ///
    /// # Errors
    ///
    /// The reader's error, if reading failed.
    fn read_line(&self) -> io::Result<Option<String>>;

    /// Whether the caller should write the answer out, with its prompt,
    /// because nobody saw it typed (true for pipes and scripts, false for a
    /// terminal, which shows what the person types).
    fn echoes(&self) -> bool;

    /// Where the answers come from, for the report: `terminal`, `stdin`,
    /// `scripted` or `closed`.
    fn source(&self) -> &'static str;

    /// How long a scripted user takes to answer; `None` for a person or a
    /// pipe.
    fn typing(&self) -> Option<Duration> {
        None
    }
}

/// An input that has ended: every question finds no answer. For
/// experiments that ask nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct Closed;

impl Input for Closed {
    fn read_line(&self) -> io::Result<Option<String>> {
        Ok(None)
    }

    fn echoes(&self) -> bool {
        false
    }

    fn source(&self) -> &'static str {
        "closed"
    }
}

/// Answers read line by line from a reader.
#[derive(Debug)]
pub struct Lines<R> {
    reader: Mutex<R>,
    echo: bool,
}

impl<R: BufRead + Send> Lines<R> {
    /// Reads answers from `reader`; `echo` tells whether answers should be
    /// written out (see [`Input::echoes`]).
    pub fn new(reader: R, echo: bool) -> Self {
        Self {
            reader: Mutex::new(reader),
            echo,
        }
    }
}

impl<R: BufRead + Send> Input for Lines<R> {
    fn read_line(&self) -> io::Result<Option<String>> {
        let mut reader = self
            .reader
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        let trimmed = line.strip_suffix('\n').unwrap_or(&line);
        let trimmed = trimmed.strip_suffix('\r').unwrap_or(trimmed);
        Ok(Some(trimmed.to_owned()))
    }

    fn echoes(&self) -> bool {
        self.echo
    }

    /// A reader that echoes is a pipe; one that does not is a terminal.
    fn source(&self) -> &'static str {
        if self.echo { "stdin" } else { "terminal" }
    }
}

/// A user who answers `name` after `typing`, every time they are asked.
#[derive(Clone, Debug)]
pub struct Scripted {
    name: String,
    typing: Duration,
}

impl Scripted {
    /// A user who types `name` in `typing`.
    pub fn new(name: impl Into<String>, typing: Duration) -> Self {
        Self {
            name: name.into(),
            typing,
        }
    }

    /// The name the user gives.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// How long the user takes to answer.
    pub fn typing(&self) -> Duration {
        self.typing
    }
}

impl Input for Scripted {
    fn read_line(&self) -> io::Result<Option<String>> {
        // A real wait: the thread sleeps (blocks) as it would on stdin.
        std::thread::sleep(self.typing);
        Ok(Some(self.name.clone()))
    }

    fn echoes(&self) -> bool {
        true
    }

    fn source(&self) -> &'static str {
        "scripted"
    }

    fn typing(&self) -> Option<Duration> {
        Some(self.typing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;
    use std::time::Instant;

    #[test]
    fn lines_strip_line_endings_only() {
        let input = Lines::new(Cursor::new("  Ana Maria \nJosé"), false);
        assert_eq!(input.read_line().unwrap().as_deref(), Some("  Ana Maria "));
        assert_eq!(input.read_line().unwrap().as_deref(), Some("José"));
        assert_eq!(input.read_line().unwrap(), None);
        assert_eq!(input.read_line().unwrap(), None);
        assert!(!input.echoes());
    }

    #[test]
    fn scripted_user_waits_then_answers() {
        let user = Scripted::new("Ana", Duration::from_millis(20));
        let start = Instant::now();
        assert_eq!(user.read_line().unwrap().as_deref(), Some("Ana"));
        assert!(start.elapsed() >= Duration::from_millis(20));
        assert!(user.echoes());
        assert_eq!(user.name(), "Ana");
    }
}

//! The child process the process costs are measured with.
//!
//! "Processes own resources and cost more than threads", the note says,
//! and "it is expensive to communicate between 2 processes". To measure
//! that, the experiment starts *the binary that runs it* again, as a
//! child, in one of two tiny modes chosen by an environment variable
//! ([`ENV`]), so that no command-line parser ever sees them (the same trick
//! as rayon-core's crash tests and our process pool):
//!
//! - [`Mode::Noop`]: exit at once. Start + wait of such a child is the
//!   price of a process: `fork`/`exec`, loading the binary, a new address
//!   space, and tearing it all down;
//! - [`Mode::Echo`]: copy stdin to stdout line by line until end of input,
//!   flushing each line. A line written to its stdin and read back from its
//!   stdout is one message round trip between two processes, through two
//!   pipes and the kernel.
//!
//! The binary's `main` checks [`ENV`] first thing and calls [`serve`].
//!
//! ```
//! use std::io::Cursor;
//! use waiter_lab::cores::child::{Mode, echo};
//!
//! assert_eq!(Mode::from_name("echo"), Some(Mode::Echo));
//! let mut out = Vec::new();
//! echo(Cursor::new("ping\npong\n"), &mut out)?;
//! assert_eq!(out, b"ping\npong\n");
//! # Ok::<(), std::io::Error>(())
//! ```

use std::io::{self, BufRead, Write};

/// The environment variable that makes the binary a child: `noop` or
/// `echo`.
pub const ENV: &str = "WAITER_CHILD";

/// What the child does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Exit 0 at once.
    Noop,
    /// Copy stdin lines to stdout until end of input.
    Echo,
}

impl Mode {
    /// Every mode.
    pub const ALL: [Mode; 2] = [Mode::Noop, Mode::Echo];

    /// The mode's value of [`ENV`]: `noop`, `echo`.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Noop => "noop",
            Mode::Echo => "echo",
        }
    }

    /// The mode named `name`.
    pub fn from_name(name: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|mode| mode.name() == name)
    }
}

/// Copies `reader` to `writer` one line at a time, flushing after each, so
/// the other end gets every line as soon as it is written.
///
/// # Errors
///
/// Reading or writing failed (a closed stdout ends the echo early as an
/// error; a closed stdin ends it normally).
pub fn echo(mut reader: impl BufRead, mut writer: impl Write) -> io::Result<()> {
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        writer.write_all(&line)?;
        writer.flush()?;
    }
}

/// Runs `mode` on the process's stdin and stdout.
///
/// # Errors
///
/// What [`echo`] returns.
pub fn serve(mode: Mode) -> io::Result<()> {
    match mode {
        Mode::Noop => Ok(()),
        Mode::Echo => echo(io::stdin().lock(), io::stdout().lock()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    #[test]
    fn modes_round_trip_by_name() {
        for mode in Mode::ALL {
            assert_eq!(Mode::from_name(mode.name()), Some(mode));
        }
        assert_eq!(Mode::from_name("fork-bomb"), None);
    }

    #[test]
    fn echo_keeps_a_last_line_without_newline() {
        let mut out = Vec::new();
        echo(Cursor::new("a\nb"), &mut out).unwrap();
        assert_eq!(out, b"a\nb");
        let mut empty = Vec::new();
        echo(Cursor::new(""), &mut empty).unwrap();
        assert!(empty.is_empty());
        assert!(serve(Mode::Noop).is_ok());
    }
}

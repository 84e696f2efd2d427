//! The binary as its own child process.
//!
//! `waiter cores` measures what a process costs by starting this very
//! binary again, with `WAITER_CHILD=noop` (exit at once) or
//! `WAITER_CHILD=echo` (copy stdin lines to stdout until end of input);
//! see [`waiter_lab::cores::child`]. The variable is checked before clap
//! parses anything, so the child modes need no hidden subcommand and
//! cannot clash with real arguments.

use std::io::Write;
use std::process::ExitCode;

use waiter_lab::cores::child::{self, Mode};

/// If `WAITER_CHILD` is set, serves that mode and returns the exit code;
/// `None` if the variable is not set (a normal run).
pub(crate) fn serve_if_asked() -> Option<ExitCode> {
    let value = std::env::var_os(child::ENV)?;
    let name = value.to_string_lossy();
    let Some(mode) = Mode::from_name(&name) else {
        let modes: Vec<&str> = Mode::ALL.iter().map(|m| m.name()).collect();
        let _ = writeln!(
            std::io::stderr(),
            "error: {}={name} is not a child mode ({}); unset it to run waiter",
            child::ENV,
            modes.join(", ")
        );
        return Some(ExitCode::from(2));
    };
    Some(match child::serve(mode) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let _ = writeln!(std::io::stderr(), "error: {} child: {error}", mode.name());
            ExitCode::FAILURE
        }
    })
}

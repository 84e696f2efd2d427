//! `waiter`: the lab's command line.
//!
//! It parses arguments ([`args`]), runs one experiment of `waiter-lab`
//! ([`commands`]) and renders its report ([`render`]). Nothing is measured
//! here. Exit codes: 0 on success, 1 for a runtime error (printed as one
//! `error: …` line on stderr), 2 for a usage error (clap's message).

mod args;
mod commands;
mod render;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // `{:#}` puts the whole chain of causes on one line.
            let _ = writeln!(std::io::stderr(), "error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

//! `waiter`: the lab's command line.
//!
//! It parses arguments ([`args`]), runs one experiment of `waiter-lab`
//! ([`commands`]) and renders its report ([`render`]). Nothing is measured
//! here. Exit codes: 0 on success, 1 for a runtime error (printed as one
//! `error: …` line on stderr), 2 for a usage error (clap's message, or an
//! output path that cannot be written, found before anything runs), 130
//! when stopped by Ctrl-C.

mod args;
mod child;
mod commands;
mod interrupt;
mod live;
mod output;
mod render;
mod tour;

use std::io::Write;
use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{CommandFactory, Parser};

fn main() -> ExitCode {
    // `waiter gil`'s process pool re-runs this binary as its workers: a
    // worker serves its tasks and exits here, before anything else.
    waiter::process::serve_if_worker(&waiter_lab::gil::registry());
    // `waiter cores` re-runs this binary as a child: serve it, then exit.
    if let Some(code) = child::serve_if_asked() {
        return code;
    }
    let cli = args::Cli::parse();
    interrupt::install();
    if let Err((subcommand, message)) = cli.check() {
        // A usage error like clap's own: one line, the usage, exit code 2.
        let mut command = args::Cli::command();
        command.build();
        let error = match command.find_subcommand_mut(subcommand) {
            Some(sub) => sub.error(ErrorKind::ArgumentConflict, message),
            None => command.error(ErrorKind::ArgumentConflict, message),
        };
        error.exit();
    }
    match commands::run(cli) {
        Ok(code) => code,
        // A child process that died of the same Ctrl-C (a terminal sends it
        // to the whole process group) is the interruption, not an error.
        Err(_) if interrupt::stop().requested() => {
            let _ = writeln!(std::io::stdout(), "interrupted");
            ExitCode::from(interrupt::exit_code())
        }
        Err(error) => {
            let _ = writeln!(std::io::stderr(), "error: {}", one_line(&error));
            // A bad output path found before anything ran is a usage error.
            if error.is::<output::UsageError>() {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

/// The error and its causes on one line, each said once: the lab's errors
/// already include their cause's text (`cannot write …: os error 2`).
fn one_line(error: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}

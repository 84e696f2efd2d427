//! The worker side: what a re-executed binary does when it is a worker.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::panic::{self, AssertUnwindSafe};

use super::Registry;
use super::protocol::{
    Answer, Call, FrameError, Hello, ItemResult, MAGIC, Reply, VERSION, read_frame, write_frame,
};
use crate::pool::Panic;

/// The environment variable that turns a re-executed binary into a worker.
pub(crate) const WORKER_ENV: &str = "WAITER_PROCESS_WORKER";

/// Serves as a process-pool worker, and exits, if this process was started
/// as one; returns at once otherwise.
///
/// Call it first thing in `main`, before anything prints to stdout, with the
/// same [`Registry`] the parent uses (Python's `freeze_support`, the Rust
/// way). A worker reads calls from stdin and writes answers to stdout;
/// anything the tasks print goes to stderr, so it cannot corrupt the
/// answers.
///
/// # Examples
///
/// ```no_run
/// use waiter::process::{ProcessPool, Registry, TaskDef, serve_if_worker};
///
/// const SQUARE: TaskDef<u64, u64> = TaskDef::new("square");
///
/// fn registry() -> Registry {
///     Registry::new().register(SQUARE, |x| x * x)
/// }
///
/// fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
///     serve_if_worker(&registry()); // a worker never gets past this line
///     let pool = ProcessPool::builder(registry()).workers(2).build()?;
///     let nine = pool.submit(SQUARE, &3)?.wait()?;
///     assert_eq!(nine, 9);
///     Ok(())
/// }
/// ```
pub fn serve_if_worker(registry: &Registry) {
    if std::env::var_os(WORKER_ENV).is_none() {
        return;
    }
    let code = match serve(registry) {
        Ok(()) => 0,
        Err(error) => {
            eprintln!("waiter worker {}: {error}", std::process::id());
            2
        }
    };
    std::process::exit(code);
}

fn serve(registry: &Registry) -> Result<(), String> {
    let answers =
        BufWriter::new(protocol_output().map_err(|e| format!("cannot set up stdout: {e}"))?);
    serve_stream(registry, BufReader::new(io::stdin().lock()), answers)
}

/// The worker's whole conversation over any pair of streams: hello, then
/// one reply per call until `calls` ends. A frame that is not a call ends
/// it with an error (the stream cannot be trusted past it); nothing in
/// `calls` makes it panic.
pub(crate) fn serve_stream(
    registry: &Registry,
    mut calls: impl Read,
    mut answers: impl Write,
) -> Result<(), String> {
    let hello = Hello {
        magic: MAGIC,
        version: VERSION,
        pid: std::process::id(),
    };
    write_frame(&mut answers, &hello)
        .and_then(|()| answers.flush())
        .map_err(|e| format!("cannot greet the parent: {e}"))?;
    loop {
        let call: Call = match read_frame(&mut calls) {
            Ok(call) => call,
            // The parent closed our stdin: shutdown, or retirement.
            Err(FrameError::Closed) => return Ok(()),
            Err(error) => return Err(format!("bad frame from the parent: {error}")),
        };
        let reply = answer(registry, call);
        if write_frame(&mut answers, &reply)
            .and_then(|()| answers.flush())
            .is_err()
        {
            // The parent is gone; nobody is left to answer.
            return Ok(());
        }
    }
}

/// Runs one call: each item in order, a panic caught per item. A call
/// whose fingerprint is not the registered task's is answered with the
/// worker's types, and none of its bytes are decoded.
pub(crate) fn answer(registry: &Registry, call: Call) -> Reply {
    let answer = match registry.get(&call.task) {
        None => Answer::UnknownTask,
        Some(entry) if entry.signature.fingerprint() != call.fingerprint => Answer::Mismatch {
            argument: entry.signature.argument().to_owned(),
            result: entry.signature.result().to_owned(),
        },
        Some(entry) => Answer::Items(
            call.items
                .iter()
                .map(|item| {
                    panic::catch_unwind(AssertUnwindSafe(|| (entry.run)(item))).unwrap_or_else(
                        |payload| ItemResult::Panicked(Panic::new(payload).message().to_owned()),
                    )
                })
                .collect(),
        ),
    };
    Reply {
        id: call.id,
        answer,
    }
}

/// The stream answers go to. On Unix, a private copy of stdout, with stdout
/// itself pointed at stderr, so a task's `println!` cannot corrupt a frame.
#[cfg(unix)]
fn protocol_output() -> io::Result<File> {
    use std::os::fd::FromRawFd;
    // Make sure nothing buffered for stdout is written after the switch.
    io::stdout().flush()?;
    // Close-on-exec: a process a task starts must not inherit the answers'
    // pipe, or the parent would not see it end when this worker ends.
    // SAFETY: `fcntl(F_DUPFD_CLOEXEC)` has no memory-safety preconditions;
    // it returns a new descriptor or -1.
    let private = unsafe { libc::fcntl(libc::STDOUT_FILENO, libc::F_DUPFD_CLOEXEC, 0) };
    if private < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `dup2` has no memory-safety preconditions; descriptors 1 and 2
    // are open in a process whose stdout and stderr were set by the parent.
    if unsafe { libc::dup2(libc::STDERR_FILENO, libc::STDOUT_FILENO) } < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `private` is a fresh descriptor that nothing else owns.
    Ok(unsafe { File::from_raw_fd(private) })
}

/// Elsewhere, stdout itself (tasks must not print to it).
#[cfg(not(unix))]
fn protocol_output() -> io::Result<impl Write> {
    Ok(io::stdout())
}

//! Ctrl-C (and SIGTERM, SIGHUP): stop cleanly, keep what was measured.
//! A closed stdout ([`output_closed`]) stops the run the same way, quietly.
//!
//! The handler first requests the process's one [`Stop`] signal, the one
//! every run is handed ([`stop`]), so that a CPython baseline that is
//! running is killed and its temporary files removed: a stopped run leaves
//! no process behind. Then:
//!
//! - if someone [listens](listen) (the tour, which writes the report of
//!   the parts that finished), it is told, and has [`GRACE`] to end the
//!   process itself;
//! - otherwise, after a moment for the lab to stop its children, the
//!   process ends.
//!
//! A second signal ends the process at once. Either way, every child
//! process group still running is killed on the way out
//! ([`waiter::child::kill_all`]), and the exit code is
//! [`EXIT_CODE`], as shells expect.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender, bounded};
use waiter_lab::Stop;

/// The exit code of a run stopped by a signal: 128 + SIGINT.
pub(crate) const EXIT_CODE: u8 = 130;

/// How long a listener has to end the process after being told.
const GRACE: Duration = Duration::from_secs(5);

/// How long the lab has to stop its child processes when nobody listens
/// (the CPython runner looks every 10 ms).
const SETTLE: Duration = Duration::from_millis(300);

/// The process's stop signal: a signal is process-wide, and so is this.
static STOP: LazyLock<Stop> = LazyLock::new(Stop::new);

/// The stop signal the handler requests, for every run of this process.
pub(crate) fn stop() -> Stop {
    STOP.clone()
}

static LISTENER: Mutex<Option<Sender<()>>> = Mutex::new(None);

/// Whether a signal came already.
static SIGNALLED: AtomicBool = AtomicBool::new(false);

/// Whether stdout was found closed (its reader went away: `| head -1`).
static OUTPUT_CLOSED: AtomicBool = AtomicBool::new(false);

/// Installs the handler. If one cannot be installed, a signal ends the
/// process the usual way.
pub(crate) fn install() {
    let _ = ctrlc::set_handler(|| {
        if SIGNALLED.swap(true, Ordering::SeqCst) {
            // The second one: no more waiting, but no child left behind.
            end_now();
        }
        stop_soon();
    });
}

/// Stdout is closed: nobody reads what the run says any more, so it stops
/// as on Ctrl-C (children killed, what finished written), but quietly and
/// with exit code 0, as ripgrep does (`waiter tour | head -1`).
pub(crate) fn output_closed() {
    if OUTPUT_CLOSED.swap(true, Ordering::SeqCst) || SIGNALLED.swap(true, Ordering::SeqCst) {
        return;
    }
    stop_soon();
}

/// The exit code of a stopped run: [`EXIT_CODE`], or 0 when it stopped
/// because its output was closed.
pub(crate) fn exit_code() -> u8 {
    if OUTPUT_CLOSED.load(Ordering::SeqCst) {
        0
    } else {
        EXIT_CODE
    }
}

/// Requests the stop, tells the listener, and ends the process after its
/// grace (see the module docs).
fn stop_soon() {
    STOP.request();
    let listener = LISTENER
        .lock()
        .unwrap_or_else(|poison| poison.into_inner())
        .clone();
    let wait = match listener {
        Some(listener) if listener.try_send(()).is_ok() => GRACE,
        _ => SETTLE,
    };
    // Waited for on a thread of its own, so that the handler is free to
    // hear a second signal meanwhile.
    let ended = std::thread::Builder::new()
        .name("stopping".into())
        .spawn(move || {
            std::thread::sleep(wait);
            end_now();
        });
    if ended.is_err() {
        end_now();
    }
}

/// Ends the process at once, with no child process group left behind.
fn end_now() -> ! {
    waiter::child::kill_all();
    std::process::exit(i32::from(exit_code()));
}

/// From now on, a signal is sent here first (see the module docs).
pub(crate) fn listen() -> Receiver<()> {
    let (sender, receiver) = bounded(1);
    *LISTENER.lock().unwrap_or_else(|poison| poison.into_inner()) = Some(sender);
    receiver
}

//! Ctrl-C (and SIGTERM, SIGHUP): stop cleanly, keep what was measured.
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

/// Installs the handler. If one cannot be installed, a signal ends the
/// process the usual way.
pub(crate) fn install() {
    let _ = ctrlc::set_handler(|| {
        if SIGNALLED.swap(true, Ordering::SeqCst) {
            // The second one: no more waiting, but no child left behind.
            waiter::child::kill_all();
            std::process::exit(i32::from(EXIT_CODE));
        }
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
                waiter::child::kill_all();
                std::process::exit(i32::from(EXIT_CODE));
            });
        if ended.is_err() {
            waiter::child::kill_all();
            std::process::exit(i32::from(EXIT_CODE));
        }
    });
}

/// From now on, a signal is sent here first (see the module docs).
pub(crate) fn listen() -> Receiver<()> {
    let (sender, receiver) = bounded(1);
    *LISTENER.lock().unwrap_or_else(|poison| poison.into_inner()) = Some(sender);
    receiver
}

//! The worker's side on arbitrary bytes as its stdin: it answers each whole
//! call with a well-formed reply (checked inside) and stops at the first
//! bad frame, never panicking. Seeds with valid calls (right fingerprints):
//! `fuzz/seeds/worker` (`cargo +nightly fuzz run worker fuzz/corpus/worker
//! fuzz/seeds/worker`).
#![no_main]

use std::sync::Once;

use libfuzzer_sys::fuzz_target;

static QUIET: Once = Once::new();

fuzz_target!(|bytes: &[u8]| {
    // A task's panic is caught by the worker and answered: that is the
    // behaviour under test, not a failure. libfuzzer-sys's hook would abort
    // on it; any panic that escapes still aborts (libfuzzer-sys catches
    // the unwind and aborts).
    QUIET.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    let _ = waiter::process::fuzzing::worker(bytes);
});

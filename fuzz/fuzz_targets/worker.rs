//! The worker's side on arbitrary bytes as its stdin: it answers each whole
//! call with a well-formed reply (checked inside) and stops at the first
//! bad frame, never panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let _ = waiter::process::fuzzing::worker(bytes);
});

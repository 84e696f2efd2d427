//! The frame decoder on arbitrary bytes, as every message type: an error
//! or a message, never a panic or an allocation beyond the input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let _ = waiter::process::fuzzing::frames(bytes);
});

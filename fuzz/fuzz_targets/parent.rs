//! The parent's side on arbitrary bytes as a worker's stdout, with 0 to 3
//! calls waiting (the first byte): an answer is accepted only for the
//! oldest call, anything else refuses the stream, nothing panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let (in_flight, rest) = match bytes.split_first() {
        Some((&first, rest)) => (u64::from(first % 4), rest),
        None => (0, bytes),
    };
    if let Ok(answered) = waiter::process::fuzzing::parent(rest, in_flight) {
        assert!(answered as u64 <= in_flight);
    }
});

//! Entry points for the fuzz targets (`fuzz/`, feature `fuzzing`) and the
//! property tests: each end of the protocol fed arbitrary bytes. None may
//! panic, whatever the bytes; what they return is checked by the callers.
//! Not a stable API.

use std::collections::VecDeque;

use super::connection::{check_reply, read_hello};
use super::protocol::{Answer, Call, FrameError, Hello, Reply, read_frame};
use super::registry::Registry;
use super::task_def::TaskDef;
use super::worker::serve_stream;

/// The tasks of the fuzzed worker.
pub const SQUARE: TaskDef<u64, u64> = TaskDef::new("square");
/// A task whose argument is a string and whose result a vector.
pub const SPLIT: TaskDef<String, Vec<String>> = TaskDef::new("split");
/// A task that panics on odd numbers.
pub const EVEN: TaskDef<u32, u32> = TaskDef::new("even");

/// The fuzzed worker's registry.
pub fn registry() -> Registry {
    Registry::new()
        .register(SQUARE, |x| x.wrapping_mul(x))
        .register(SPLIT, |text| {
            text.split(',').map(str::to_owned).collect::<Vec<_>>()
        })
        .register(EVEN, |x| {
            assert!(x % 2 == 0, "odd");
            x / 2
        })
}

/// Decodes `bytes` as a stream of frames of each message type, until the
/// first error; returns how many frames of each decoded.
pub fn frames(bytes: &[u8]) -> [usize; 3] {
    fn count<T: serde::de::DeserializeOwned>(mut input: &[u8]) -> usize {
        let mut n = 0;
        while read_frame::<T>(&mut input).is_ok() {
            n += 1;
        }
        n
    }
    [
        count::<Hello>(bytes),
        count::<Call>(bytes),
        count::<Reply>(bytes),
    ]
}

/// What a worker made of a stream of calls.
#[derive(Debug)]
pub struct WorkerRun {
    /// Whether it ended cleanly (end of input after whole calls).
    pub clean: bool,
    /// How many calls it answered.
    pub calls: usize,
    /// The replies it wrote after its hello, in order (for the tests).
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) replies: Vec<Reply>,
}

/// Runs the worker's side on `bytes` as its stdin. Checks that its output
/// is a hello and one well-formed reply per call read, with the call's id
/// and (for items) one result per item: panics if not, which the fuzzer
/// reports.
pub fn worker(bytes: &[u8]) -> WorkerRun {
    let mut output = Vec::new();
    let clean = serve_stream(&registry(), bytes, &mut output).is_ok();
    let mut calls = Vec::new();
    let mut input = bytes;
    while let Ok(call) = read_frame::<Call>(&mut input) {
        calls.push(call);
    }
    let mut answers = output.as_slice();
    let hello: Hello = read_frame(&mut answers).expect("the worker says hello first");
    assert_eq!(hello.magic, super::protocol::MAGIC);
    let mut replies = Vec::new();
    loop {
        match read_frame::<Reply>(&mut answers) {
            Ok(reply) => replies.push(reply),
            Err(FrameError::Closed) => break,
            Err(error) => panic!("the worker wrote a bad frame: {error}"),
        }
    }
    assert_eq!(replies.len(), calls.len(), "one reply per call");
    for (call, reply) in calls.iter().zip(&replies) {
        assert_eq!(
            check_reply(Some(call), reply),
            Ok(()),
            "{call:?} -> {reply:?}"
        );
    }
    WorkerRun {
        clean,
        calls: calls.len(),
        replies,
    }
}

/// Runs the parent's side of a connection on `bytes` as a worker's stdout,
/// with `in_flight` calls (ids 1, 2, …, one item each) written to it:
/// the hello, then answers matched to calls until the stream ends or
/// stops making sense. Returns how many calls were answered, or why the
/// stream was refused.
pub fn parent(bytes: &[u8], in_flight: u64) -> Result<usize, String> {
    let mut input = bytes;
    read_hello(&mut input)?;
    let mut waiting: VecDeque<Call> = (1..=in_flight)
        .map(|id| Call {
            id,
            task: SQUARE.name().to_owned(),
            fingerprint: SQUARE.signature().fingerprint(),
            items: vec![vec![id as u8]],
        })
        .collect();
    let mut answered = 0;
    loop {
        let reply: Reply = match read_frame(&mut input) {
            Ok(reply) => reply,
            Err(FrameError::Closed) => return Ok(answered),
            Err(error) => return Err(error.to_string()),
        };
        check_reply(waiting.front(), &reply)?;
        waiting.pop_front();
        if let Answer::Items(items) = reply.answer {
            assert_eq!(items.len(), 1);
        }
        answered += 1;
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::process::protocol::{ItemResult, MAGIC, VERSION, encode_frame};

    fn hello() -> Vec<u8> {
        encode_frame(&Hello {
            magic: MAGIC,
            version: VERSION,
            pid: 42,
        })
        .unwrap()
    }

    /// A call the worker may or may not know: a known task or not, the
    /// right fingerprint or not, arguments that decode or not.
    fn any_call() -> impl Strategy<Value = Call> {
        let task = prop_oneof![
            Just(SQUARE.name().to_owned()),
            Just(SPLIT.name().to_owned()),
            Just(EVEN.name().to_owned()),
            "[a-z]{0,6}",
        ];
        let items = proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..12), 0..4);
        (any::<u64>(), task, any::<bool>(), any::<u64>(), items).prop_map(
            |(id, task, right, fingerprint, items)| {
                let fingerprint = match (right, task.as_str()) {
                    (true, "square") => SQUARE.signature().fingerprint(),
                    (true, "split") => SPLIT.signature().fingerprint(),
                    (true, "even") => EVEN.signature().fingerprint(),
                    _ => fingerprint,
                };
                Call {
                    id,
                    task,
                    fingerprint,
                    items,
                }
            },
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Whatever the parent sends, the worker neither panics nor writes
        /// anything but a hello and one well-formed reply per call.
        #[test]
        fn the_worker_survives_random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = frames(&bytes);
            worker(&bytes);
        }

        /// Valid calls the worker may not expect: each gets the right kind
        /// of answer, and a wrong fingerprint is answered without decoding.
        #[test]
        fn the_worker_answers_unexpected_calls(
            calls in proptest::collection::vec(any_call(), 0..6),
            tail in proptest::collection::vec(any::<u8>(), 0..8),
        ) {
            let mut stream = Vec::new();
            for call in &calls {
                stream.extend_from_slice(&encode_frame(call).unwrap());
            }
            stream.extend_from_slice(&tail);
            let run = worker(&stream);
            // Trailing bytes are a cut-off frame (an error) or, if they
            // happen to make whole calls, answered calls.
            prop_assert!(run.calls >= calls.len());
            if tail.is_empty() {
                prop_assert!(run.clean);
                prop_assert_eq!(run.calls, calls.len());
            }
            let registry = registry();
            for (call, reply) in calls.iter().zip(&run.replies) {
                match registry.get(&call.task) {
                    None => prop_assert_eq!(&reply.answer, &Answer::UnknownTask),
                    Some(entry) if entry.signature.fingerprint() != call.fingerprint => {
                        let mismatch = matches!(&reply.answer, Answer::Mismatch { argument, result }
                            if argument == entry.signature.argument() && result == entry.signature.result());
                        prop_assert!(mismatch, "{:?}", reply);
                    }
                    Some(_) => {
                        let Answer::Items(items) = &reply.answer else {
                            return Err(TestCaseError::fail(format!("{reply:?}")));
                        };
                        prop_assert_eq!(items.len(), call.items.len());
                        for (bytes, item) in call.items.iter().zip(items) {
                            if call.task == "square" {
                                match postcard::from_bytes::<u64>(bytes) {
                                    Ok(x) => prop_assert_eq!(
                                        item,
                                        &ItemResult::Value(postcard::to_stdvec(&x.wrapping_mul(x)).unwrap())
                                    ),
                                    Err(_) => prop_assert!(matches!(item, ItemResult::BadArgument(_))),
                                }
                            }
                        }
                    }
                }
            }
        }

        /// Whatever a worker writes, the parent's side neither panics nor
        /// accepts an answer to a call it did not make.
        #[test]
        fn the_parent_survives_random_bytes(
            bytes in proptest::collection::vec(any::<u8>(), 0..512),
            in_flight in 0u64..4,
        ) {
            let _ = parent(&bytes, in_flight);
            let mut after_hello = hello();
            after_hello.extend_from_slice(&bytes);
            if let Ok(answered) = parent(&after_hello, in_flight) {
                prop_assert!(answered as u64 <= in_flight);
            }
        }

        /// Valid replies in an unexpected order, with unexpected ids or
        /// item counts: accepted exactly while they answer the oldest call.
        #[test]
        fn the_parent_refuses_unexpected_replies(
            replies in proptest::collection::vec((1u64..5, 0usize..3), 0..6),
            in_flight in 0u64..4,
        ) {
            let mut stream = hello();
            for &(id, items) in &replies {
                let reply = Reply {
                    id,
                    answer: Answer::Items(vec![ItemResult::Value(vec![0]); items]),
                };
                stream.extend_from_slice(&encode_frame(&reply).unwrap());
            }
            // The oracle: how many replies answer calls 1, 2, … in order
            // with one result each.
            let good = replies
                .iter()
                .zip(1..=in_flight)
                .take_while(|&(&(id, items), want)| id == want && items == 1)
                .count();
            let result = parent(&stream, in_flight);
            if good == replies.len() {
                prop_assert_eq!(result, Ok(good));
            } else {
                prop_assert!(result.is_err());
            }
        }

        /// A stream cut anywhere: what came before the cut is answered, the
        /// cut itself is an error, never a panic.
        #[test]
        fn a_cut_reply_stream_is_an_error(cut in any::<proptest::sample::Index>()) {
            let mut stream = hello();
            let reply = Reply { id: 1, answer: Answer::Items(vec![ItemResult::Value(vec![7])]) };
            stream.extend_from_slice(&encode_frame(&reply).unwrap());
            let cut = cut.index(stream.len());
            let result = parent(&stream[..cut], 1);
            if cut < hello().len() {
                prop_assert!(result.is_err());
            } else if cut == hello().len() {
                prop_assert_eq!(result, Ok(0));
            } else {
                prop_assert!(result.is_err());
            }
        }
    }

    #[test]
    fn the_fuzzed_registry_works() {
        let call = |task: &str, fingerprint: u64, item: Vec<u8>| Call {
            id: 1,
            task: task.to_owned(),
            fingerprint,
            items: vec![item],
        };
        let mut stream = Vec::new();
        for c in [
            call(
                "square",
                SQUARE.signature().fingerprint(),
                postcard::to_stdvec(&3u64).unwrap(),
            ),
            call(
                "even",
                EVEN.signature().fingerprint(),
                postcard::to_stdvec(&3u32).unwrap(),
            ),
            call("split", SQUARE.signature().fingerprint(), vec![]),
        ] {
            stream.extend_from_slice(&encode_frame(&c).unwrap());
        }
        let run = worker(&stream);
        assert!(run.clean);
        assert_eq!(
            run.replies[0].answer,
            Answer::Items(vec![ItemResult::Value(postcard::to_stdvec(&9u64).unwrap())])
        );
        assert_eq!(
            run.replies[1].answer,
            Answer::Items(vec![ItemResult::Panicked("odd".into())])
        );
        assert_eq!(
            run.replies[2].answer,
            Answer::Mismatch {
                argument: "alloc::string::String".into(),
                result: "alloc::vec::Vec<alloc::string::String>".into()
            }
        );
    }
}

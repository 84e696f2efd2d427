//! What parent and worker say to each other, and how it is framed.
//!
//! Every message is a frame: a 4-byte little-endian length, then that many
//! bytes of [postcard]. The worker's first frame is a [`Hello`], so a
//! program that does not serve as a worker (or prints to stdout) is caught
//! at once instead of being misread.
//!
//! Reading never trusts the other side: a length above [`MAX_FRAME`] is an
//! error before anything is allocated, a frame's buffer grows only with the
//! bytes that really arrive (a huge length followed by nothing costs
//! nothing), and bytes that do not decode are an error, never a panic. The
//! decoder is fuzzed (`fuzz/`) and property-tested (below).
//!
//! Each [`Call`] carries the fingerprint of its task: the name and the
//! argument and result types (see [`Signature`](super::Signature)). A
//! worker whose task of that name has another fingerprint answers
//! [`Answer::Mismatch`] with its own types and never decodes the bytes.
//!
//! [postcard]: https://docs.rs/postcard

use std::io::{self, Read, Write};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The largest frame either side accepts (64 MiB).
pub(crate) const MAX_FRAME: usize = 64 << 20;

/// What a worker says first.
#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Hello {
    pub(crate) magic: [u8; 8],
    pub(crate) version: u32,
    pub(crate) pid: u32,
}

pub(crate) const MAGIC: [u8; 8] = *b"waiter-p";
/// 2: calls carry their task's fingerprint; answers may be a mismatch.
pub(crate) const VERSION: u32 = 2;

/// Run task `task` on each of `items` (postcard-encoded arguments), in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Call {
    pub(crate) id: u64,
    pub(crate) task: String,
    /// The caller's [`Signature::fingerprint`](super::Signature) of `task`.
    pub(crate) fingerprint: u64,
    pub(crate) items: Vec<Vec<u8>>,
}

/// The answer to [`Call`] `id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Reply {
    pub(crate) id: u64,
    pub(crate) answer: Answer,
}

/// What the worker made of a call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Answer {
    /// One result per item, in order.
    Items(Vec<ItemResult>),
    /// The worker's task of that name has other types; nothing was decoded.
    Mismatch {
        /// The worker's argument type.
        argument: String,
        /// The worker's result type.
        result: String,
    },
    /// The worker has no task of that name.
    UnknownTask,
}

/// One item's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum ItemResult {
    /// The postcard-encoded return value.
    Value(Vec<u8>),
    /// The task panicked; its message.
    Panicked(String),
    /// The argument did not decode as the task's argument type (the same
    /// type name, another shape: two builds of one program).
    BadArgument(String),
    /// The result could not be encoded.
    BadResult(String),
}

/// Why a frame could not be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum FrameError {
    /// The other side closed the stream between frames.
    #[error("end of stream")]
    Closed,
    #[error("i/o error: {0}")]
    Io(#[from] io::Error),
    #[error("frame of {0} bytes is larger than the {MAX_FRAME}-byte limit")]
    TooLarge(usize),
    #[error("frame does not decode: {0}")]
    Decode(#[from] postcard::Error),
}

/// Encodes `message` as one frame.
pub(crate) fn encode_frame(message: &impl Serialize) -> io::Result<Vec<u8>> {
    let mut frame = vec![0u8; 4];
    postcard::to_io(message, &mut frame).map_err(io::Error::other)?;
    let length = frame.len() - 4;
    if length > MAX_FRAME {
        return Err(io::Error::other(format!(
            "a message of {length} bytes is larger than the {MAX_FRAME}-byte limit"
        )));
    }
    let prefix = u32::try_from(length).expect("MAX_FRAME fits in a u32");
    frame[..4].copy_from_slice(&prefix.to_le_bytes());
    Ok(frame)
}

/// Writes one frame (does not flush).
pub(crate) fn write_frame(out: &mut impl Write, message: &impl Serialize) -> io::Result<()> {
    out.write_all(&encode_frame(message)?)
}

/// Reads one frame; `FrameError::Closed` on a clean end of stream.
pub(crate) fn read_frame<T: DeserializeOwned>(input: &mut impl Read) -> Result<T, FrameError> {
    let mut length = [0u8; 4];
    let mut filled = 0;
    while filled < length.len() {
        match input.read(&mut length[filled..]) {
            Ok(0) if filled == 0 => return Err(FrameError::Closed),
            Ok(0) => return Err(io::Error::from(io::ErrorKind::UnexpectedEof).into()),
            Ok(n) => filled += n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error.into()),
        }
    }
    let length = u32::from_le_bytes(length) as usize;
    if length > MAX_FRAME {
        return Err(FrameError::TooLarge(length));
    }
    // Grows with what arrives: a large length followed by a few bytes
    // allocates a few bytes.
    let mut bytes = Vec::new();
    input.take(length as u64).read_to_end(&mut bytes)?;
    if bytes.len() < length {
        return Err(io::Error::from(io::ErrorKind::UnexpectedEof).into());
    }
    Ok(postcard::from_bytes(&bytes)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn call() -> Call {
        Call {
            id: 7,
            task: "square".into(),
            fingerprint: 0xfeed,
            items: vec![vec![1, 2], vec![]],
        }
    }

    #[test]
    fn frames_round_trip() {
        let mut buffer = Vec::new();
        write_frame(&mut buffer, &call()).unwrap();
        let back: Call = read_frame(&mut buffer.as_slice()).unwrap();
        assert_eq!(back, call());
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        // "Hello" printed to stdout reads as a length of 1 819 043 144.
        let garbage = b"Hello, world\n";
        assert!(matches!(
            read_frame::<Hello>(&mut garbage.as_slice()),
            Err(FrameError::TooLarge(_))
        ));
        // A plausible length with bytes that do not decode.
        let mut framed = 3u32.to_le_bytes().to_vec();
        framed.extend_from_slice(&[0xff, 0xff, 0xff]);
        assert!(matches!(
            read_frame::<Hello>(&mut framed.as_slice()),
            Err(FrameError::Decode(_))
        ));
        // Cut short.
        assert!(matches!(
            read_frame::<Hello>(&mut [5u8, 0].as_slice()),
            Err(FrameError::Io(_))
        ));
        assert!(matches!(
            read_frame::<Hello>(&mut [].as_slice()),
            Err(FrameError::Closed)
        ));
    }

    /// A reader that counts what was asked of it and fails the test if a
    /// read asks for more room than a small buffer: proof that a length
    /// prefix alone never makes the decoder allocate.
    struct Stingy<'a> {
        bytes: &'a [u8],
        largest_request: usize,
    }

    impl Read for Stingy<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.largest_request = self.largest_request.max(buf.len());
            self.bytes.read(buf)
        }
    }

    #[test]
    fn a_length_above_the_cap_is_refused_before_reading_on() {
        for length in [MAX_FRAME as u32 + 1, u32::MAX] {
            let mut framed = length.to_le_bytes().to_vec();
            framed.extend_from_slice(&[0; 64]);
            let mut input = Stingy {
                bytes: &framed,
                largest_request: 0,
            };
            assert!(matches!(
                read_frame::<Call>(&mut input),
                Err(FrameError::TooLarge(n)) if n == length as usize
            ));
            // Only the prefix was read.
            assert_eq!(input.bytes.len(), 64);
        }
    }

    #[test]
    fn a_large_length_with_few_bytes_allocates_few() {
        let mut framed = (MAX_FRAME as u32).to_le_bytes().to_vec();
        framed.extend_from_slice(&[1, 2, 3]);
        let mut input = Stingy {
            bytes: &framed,
            largest_request: 0,
        };
        assert!(matches!(
            read_frame::<Call>(&mut input),
            Err(FrameError::Io(e)) if e.kind() == io::ErrorKind::UnexpectedEof
        ));
        // `read_to_end` asks for room in small steps, never the full 64 MiB.
        assert!(input.largest_request < 1 << 20, "{}", input.largest_request);
    }

    #[test]
    fn an_oversized_message_is_not_written() {
        let huge = Call {
            items: vec![vec![0; MAX_FRAME]],
            ..call()
        };
        assert!(encode_frame(&huge).is_err());
    }

    fn any_answer() -> impl Strategy<Value = Answer> {
        let item = prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..16).prop_map(ItemResult::Value),
            ".{0,8}".prop_map(ItemResult::Panicked),
            ".{0,8}".prop_map(ItemResult::BadArgument),
            ".{0,8}".prop_map(ItemResult::BadResult),
        ];
        prop_oneof![
            proptest::collection::vec(item, 0..4).prop_map(Answer::Items),
            (".{0,8}", ".{0,8}")
                .prop_map(|(argument, result)| Answer::Mismatch { argument, result }),
            Just(Answer::UnknownTask),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Random bytes: every message type either decodes or is an error.
        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = read_frame::<Hello>(&mut bytes.as_slice());
            let _ = read_frame::<Call>(&mut bytes.as_slice());
            let _ = read_frame::<Reply>(&mut bytes.as_slice());
        }

        /// A random frame body behind a correct length prefix.
        #[test]
        fn random_bodies_never_panic(body in proptest::collection::vec(any::<u8>(), 0..256)) {
            let mut framed = (body.len() as u32).to_le_bytes().to_vec();
            framed.extend_from_slice(&body);
            let _ = read_frame::<Call>(&mut framed.as_slice());
            let _ = read_frame::<Reply>(&mut framed.as_slice());
        }

        /// Every cut of a valid stream of frames is an error at the cut,
        /// after the whole frames before it decoded right.
        #[test]
        fn truncations_are_errors(
            id in any::<u64>(),
            answer in any_answer(),
            cut in any::<proptest::sample::Index>(),
        ) {
            let reply = Reply { id, answer };
            let mut stream = encode_frame(&reply).unwrap();
            let whole = stream.len();
            stream.extend_from_slice(&encode_frame(&reply).unwrap());
            let cut = whole + cut.index(whole);
            let mut input = &stream[..cut];
            prop_assert_eq!(read_frame::<Reply>(&mut input).unwrap(), reply);
            let rest = read_frame::<Reply>(&mut input);
            if cut == whole {
                prop_assert!(matches!(rest, Err(FrameError::Closed)));
            } else {
                prop_assert!(rest.is_err());
            }
        }

        /// Any length above the cap is refused, whatever follows.
        #[test]
        fn oversized_prefixes_are_refused(
            length in (MAX_FRAME as u32 + 1)..=u32::MAX,
            tail in proptest::collection::vec(any::<u8>(), 0..32),
        ) {
            let mut framed = length.to_le_bytes().to_vec();
            framed.extend_from_slice(&tail);
            prop_assert!(matches!(
                read_frame::<Reply>(&mut framed.as_slice()),
                Err(FrameError::TooLarge(_))
            ));
        }

        /// Messages survive the trip.
        #[test]
        fn replies_round_trip(id in any::<u64>(), answer in any_answer()) {
            let reply = Reply { id, answer };
            let frame = encode_frame(&reply).unwrap();
            prop_assert_eq!(read_frame::<Reply>(&mut frame.as_slice()).unwrap(), reply);
        }
    }
}

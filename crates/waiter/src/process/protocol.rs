//! What parent and worker say to each other, and how it is framed.
//!
//! Every message is a frame: a 4-byte little-endian length, then that many
//! bytes of [postcard]. The worker's first frame is a [`Hello`], so a
//! program that does not serve as a worker (or prints to stdout) is caught
//! at once instead of being misread. A frame longer than [`MAX_FRAME`] or
//! that does not decode is an error, never a panic or a huge allocation.
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
pub(crate) const VERSION: u32 = 1;

/// Run task `task` on each of `items` (postcard-encoded arguments), in order.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Call {
    pub(crate) id: u64,
    pub(crate) task: String,
    pub(crate) items: Vec<Vec<u8>>,
}

/// The answer to [`Call`] `id`: one result per item.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Reply {
    pub(crate) id: u64,
    pub(crate) results: Vec<ItemResult>,
}

/// One item's result.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum ItemResult {
    /// The postcard-encoded return value.
    Value(Vec<u8>),
    /// The task panicked; its message.
    Panicked(String),
    /// The argument did not decode as the task's argument type.
    BadArgument(String),
    /// The worker has no task of that name.
    UnknownTask(String),
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

/// Writes one frame (does not flush).
pub(crate) fn write_frame(out: &mut impl Write, message: &impl Serialize) -> io::Result<()> {
    let bytes = postcard::to_stdvec(message).map_err(io::Error::other)?;
    let length = u32::try_from(bytes.len())
        .ok()
        .filter(|&n| n as usize <= MAX_FRAME)
        .ok_or_else(|| {
            io::Error::other(format!("message of {} bytes is too large", bytes.len()))
        })?;
    out.write_all(&length.to_le_bytes())?;
    out.write_all(&bytes)
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
    let mut bytes = vec![0u8; length];
    input.read_exact(&mut bytes)?;
    Ok(postcard::from_bytes(&bytes)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip() {
        let mut buffer = Vec::new();
        let call = Call {
            id: 7,
            task: "square".into(),
            items: vec![vec![1, 2], vec![]],
        };
        write_frame(&mut buffer, &call).unwrap();
        let back: Call = read_frame(&mut buffer.as_slice()).unwrap();
        assert_eq!(
            (back.id, back.task.as_str(), back.items),
            (7, "square", vec![vec![1, 2], vec![]])
        );
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
}

//! Where a worker's answer lands: a task's cell, typed again.
//!
//! The connection deals in bytes; these recipients know the task's types.
//! A worker that says its task has other types becomes a
//! [`TaskError::Mismatch`] naming both; a value that does not decode as
//! `R` is a [`TaskError::Protocol`]. Nothing is ever decoded into a type
//! the worker did not agree to.

use std::sync::Arc;

use serde::de::DeserializeOwned;

use super::connection::Recipient;
use super::error::TaskError;
use super::handle::Unread;
use super::protocol::{Answer, ItemResult};
use super::task_def::{Signature, types};
use crate::pool::{Outcome, PromiseCell};

/// Per-item results of an answer, or the failure of the whole call.
pub(crate) type Items<R> = Result<Vec<Result<R, TaskError>>, TaskError>;

/// Decodes a call's answer as results of type `R`.
pub(crate) fn decode_answer<R: DeserializeOwned>(
    signature: &Signature,
    answer: Result<Answer, TaskError>,
) -> Items<R> {
    match answer? {
        Answer::Items(items) => Ok(items.into_iter().map(decode_item::<R>).collect()),
        Answer::Mismatch { argument, result } => Err(TaskError::Mismatch {
            task: signature.name().to_owned(),
            expected: types(&argument, &result),
            found: signature.types(),
        }),
        Answer::UnknownTask => Err(TaskError::UnknownTask(signature.name().to_owned())),
    }
}

fn decode_item<R: DeserializeOwned>(result: ItemResult) -> Result<R, TaskError> {
    match result {
        ItemResult::Value(bytes) => postcard::from_bytes(&bytes).map_err(|error| {
            TaskError::Protocol(format!(
                "the result does not decode as {}: {error}",
                std::any::type_name::<R>()
            ))
        }),
        ItemResult::Panicked(message) => Err(TaskError::Panicked { message }),
        ItemResult::BadArgument(message) => Err(TaskError::Protocol(format!(
            "the worker could not decode the argument: {message}"
        ))),
        ItemResult::BadResult(message) => Err(TaskError::Protocol(format!(
            "the worker could not encode the result: {message}"
        ))),
    }
}

fn complete<T: Send>(cell: &PromiseCell<T>, value: T) {
    // SAFETY: `Recipient::finish` is called only after `start` won (the
    // connection's contract), and once (it consumes the recipient).
    unsafe { cell.complete(Outcome::Value(value)) };
}

/// One [`submit`](super::ProcessPool::submit)ted task.
pub(crate) struct Single<R> {
    pub(crate) cell: Arc<PromiseCell<Result<R, TaskError>>>,
    pub(crate) unread: Arc<Unread>,
    pub(crate) signature: Signature,
}

impl<R: DeserializeOwned + Send + 'static> Recipient for Single<R> {
    fn start(&self) -> bool {
        self.cell.start()
    }

    fn finish(self: Box<Self>, answer: Result<Answer, TaskError>) {
        let result = decode_answer::<R>(&self.signature, answer).and_then(|mut items| {
            match (items.pop(), items.is_empty()) {
                (Some(result), true) => result,
                _ => Err(TaskError::Protocol(
                    "not one result for one argument".to_owned(),
                )),
            }
        });
        if let Err(error) = &result {
            self.unread.failed(error);
        }
        complete(&self.cell, result);
    }
}

/// One chunk of a [`map`](super::ProcessPool::map).
pub(crate) struct Chunk<R> {
    pub(crate) cell: Arc<PromiseCell<Items<R>>>,
    pub(crate) signature: Signature,
}

impl<R: DeserializeOwned + Send + 'static> Recipient for Chunk<R> {
    fn start(&self) -> bool {
        self.cell.start()
    }

    fn finish(self: Box<Self>, answer: Result<Answer, TaskError>) {
        complete(&self.cell, decode_answer::<R>(&self.signature, answer));
    }
}

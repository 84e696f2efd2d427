//! [`ProcessPool::map`]: one result per item, in input order, whatever
//! happens to a chunk.
//!
//! Items are encoded one by one; an item that cannot be encoded is not sent
//! and becomes its own [`TaskError::Encode`] at its position, and the rest
//! of its chunk goes on. Each chunk is one call; if the call fails as a
//! whole (its worker died, the worker has other types, the pool shut down)
//! each of its items gets that failure. So the map yields exactly as many
//! results as it was given items, each at its item's position.

use std::collections::VecDeque;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::ProcessPool;
use super::cells::{Chunk, Items};
use super::error::{ProcessError, TaskError};
use super::handle::ProcessTask;
use super::task_def::Signature;

/// The call carrying a chunk's items.
type ChunkTask<R> = ProcessTask<Vec<Result<R, TaskError>>>;

/// A chunk on its way: per item, `None` if it was sent, or why it was not.
struct Sent<R> {
    unsent: Vec<Option<TaskError>>,
    /// The call carrying the sent items; `None` if there were none.
    call: Option<Result<ChunkTask<R>, TaskError>>,
}

impl<R> Sent<R> {
    /// The chunk's results, one per item, in order.
    fn resolve(self) -> impl Iterator<Item = Result<R, TaskError>> {
        let answers: Items<R> = match self.call {
            None => Ok(Vec::new()),
            Some(Ok(task)) => task.wait(),
            Some(Err(error)) => Err(error),
        };
        let (mut answers, whole) = match answers {
            Ok(items) => (items.into_iter(), None),
            Err(error) => (Vec::new().into_iter(), Some(error)),
        };
        self.unsent
            .into_iter()
            .map(move |unsent| match (unsent, &whole) {
                (Some(error), _) => Err(error),
                (None, Some(error)) => Err(error.clone()),
                (None, None) => answers.next().unwrap_or_else(|| {
                    Err(TaskError::Protocol(
                        "the answer has fewer results than the call had items".to_owned(),
                    ))
                }),
            })
    }
}

/// The iterator returned by [`ProcessPool::map`].
pub struct ProcessMap<'p, I, A, R> {
    pool: &'p ProcessPool,
    signature: Signature,
    items: I,
    chunk_size: usize,
    window: usize,
    chunks: VecDeque<Sent<R>>,
    ready: VecDeque<Result<R, TaskError>>,
    _items: PhantomData<fn(A)>,
}

impl<'p, I, A, R> ProcessMap<'p, I, A, R> {
    pub(crate) fn new(
        pool: &'p ProcessPool,
        signature: Signature,
        items: I,
        chunk_size: usize,
    ) -> Self {
        Self {
            pool,
            signature,
            items,
            chunk_size: chunk_size.max(1),
            window: 2 * pool.workers(),
            chunks: VecDeque::new(),
            ready: VecDeque::new(),
            _items: PhantomData,
        }
    }
}

impl<I, A, R> ProcessMap<'_, I, A, R>
where
    I: Iterator<Item = A>,
    A: Serialize,
    R: DeserializeOwned + Send + 'static,
{
    /// Sends the next chunk; `false` if the items are used up.
    fn send_chunk(&mut self) -> bool {
        let mut encoded = Vec::with_capacity(self.chunk_size);
        let mut unsent = Vec::with_capacity(self.chunk_size);
        for item in self.items.by_ref().take(self.chunk_size) {
            match postcard::to_stdvec(&item) {
                Ok(bytes) => {
                    encoded.push(bytes);
                    unsent.push(None);
                }
                Err(error) => unsent.push(Some(TaskError::Encode(error.to_string()))),
            }
        }
        if unsent.is_empty() {
            return false;
        }
        let call = (!encoded.is_empty()).then(|| {
            let (cell, _) = self.pool.promise::<Items<R>>();
            let chunk = Chunk {
                cell: Arc::clone(&cell),
                signature: self.signature.clone(),
            };
            self.pool
                .send(&self.signature, encoded, Box::new(chunk))
                .map(|()| ProcessTask::new(crate::pool::Task::new(cell), None))
                .map_err(|error| match error {
                    ProcessError::Shutdown => TaskError::Rejected,
                    ProcessError::NoWorkers(why) => TaskError::NoWorker(why),
                    other => TaskError::Protocol(other.to_string()),
                })
        });
        self.chunks.push_back(Sent { unsent, call });
        true
    }
}

impl<I, A, R> Iterator for ProcessMap<'_, I, A, R>
where
    I: Iterator<Item = A>,
    A: Serialize,
    R: DeserializeOwned + Send + 'static,
{
    type Item = Result<R, TaskError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(result) = self.ready.pop_front() {
                return Some(result);
            }
            while self.chunks.len() < self.window && self.send_chunk() {}
            let chunk = self.chunks.pop_front()?;
            self.ready.extend(chunk.resolve());
        }
    }
}

impl<I, A, R> Drop for ProcessMap<'_, I, A, R> {
    /// Chunks not yet sent to a worker are cancelled: nobody will read them.
    fn drop(&mut self) {
        for chunk in &self.chunks {
            if let Some(Ok(task)) = &chunk.call {
                task.cancel();
            }
        }
    }
}

impl<I, A, R> fmt::Debug for ProcessMap<'_, I, A, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessMap")
            .field("task", &self.signature.name())
            .field("chunk_size", &self.chunk_size)
            .field("chunks_in_flight", &self.chunks.len())
            .finish_non_exhaustive()
    }
}

//! `Pool::map`: ordered, lazy, bounded.

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;

use super::Pool;
use super::error::TaskError;
use super::task::Task;

/// The iterator returned by [`Pool::map`]: results in input order, at most
/// `window` tasks in flight.
pub struct Map<'pool, I, F, T> {
    pool: &'pool Pool,
    items: I,
    f: Arc<F>,
    /// Submitted tasks in input order; `None` where the pool refused one.
    in_flight: VecDeque<Option<Task<T>>>,
    window: usize,
}

impl<'pool, I, F, T> Map<'pool, I, F, T>
where
    I: Iterator,
    I::Item: Send + 'static,
    F: Fn(I::Item) -> T + Send + Sync + 'static,
    T: Send + 'static,
{
    pub(crate) fn new(pool: &'pool Pool, items: I, f: F, window: usize) -> Self {
        Self {
            pool,
            items,
            f: Arc::new(f),
            in_flight: VecDeque::with_capacity(window),
            window: window.max(1),
        }
    }

    fn fill(&mut self) {
        while self.in_flight.len() < self.window {
            let Some(item) = self.items.next() else {
                return;
            };
            let f = Arc::clone(&self.f);
            self.in_flight
                .push_back(self.pool.submit(move || f(item)).ok());
        }
    }
}

impl<I, F, T> Iterator for Map<'_, I, F, T>
where
    I: Iterator,
    I::Item: Send + 'static,
    F: Fn(I::Item) -> T + Send + Sync + 'static,
    T: Send + 'static,
{
    type Item = Result<T, TaskError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.fill();
        let task = self.in_flight.pop_front()?;
        // Keep the window full while we wait for the oldest.
        self.fill();
        Some(match task {
            Some(task) => task.wait(),
            None => Err(TaskError::Rejected),
        })
    }
}

impl<I, F, T> Drop for Map<'_, I, F, T> {
    fn drop(&mut self) {
        for task in self.in_flight.iter().flatten() {
            task.cancel();
        }
    }
}

impl<I, F, T> fmt::Debug for Map<'_, I, F, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Map")
            .field("in_flight", &self.in_flight.len())
            .field("window", &self.window)
            .finish_non_exhaustive()
    }
}

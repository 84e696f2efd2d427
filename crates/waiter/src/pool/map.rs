//! `Pool::map`: ordered, lazy, bounded, with an optional time limit.

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::Pool;
use super::error::TaskError;
use super::task::Task;

/// The iterator returned by [`Pool::map`]: results in input order, at most
/// `window` tasks in flight.
///
/// Dropping it cancels the tasks it submitted that have not started (running
/// ones finish; their results are dropped) and submits no more: the same
/// rule as [`AsCompleted`](super::AsCompleted), and what Python's `map`
/// does when its generator is closed.
pub struct Map<'pool, I, F, T> {
    pool: &'pool Pool,
    items: I,
    f: Arc<F>,
    /// Submitted tasks in input order; `None` where the pool refused one.
    in_flight: VecDeque<Option<Task<T>>>,
    window: usize,
    /// Set by [`Map::timeout`].
    deadline: Option<Instant>,
    /// Set once a result timed out: the iterator has ended.
    ended: bool,
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
            deadline: None,
            ended: false,
        }
    }

    /// Gives the whole iteration a time limit counted from now, as Python's
    /// `map(…, timeout=…)`: a result not ready by then is
    /// `Err(TaskError::Timeout)`, yielded once; then the iterator ends and
    /// the tasks not started are cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use waiter::{Pool, TaskError};
    ///
    /// let pool = Pool::new(1)?;
    /// let results: Vec<_> = pool
    ///     .map([1u64, 500, 2], |ms| std::thread::sleep(Duration::from_millis(ms)))
    ///     .timeout(Duration::from_millis(100))
    ///     .collect();
    /// assert!(results[0].is_ok());
    /// assert!(matches!(results[1], Err(TaskError::Timeout)));
    /// assert_eq!(results.len(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.deadline = Instant::now().checked_add(timeout);
        self
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

    /// Cancels what is in flight and ends the iteration.
    fn end(&mut self) {
        self.ended = true;
        for task in self.in_flight.drain(..).flatten() {
            task.cancel();
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
        if self.ended {
            return None;
        }
        self.fill();
        let task = self.in_flight.pop_front()?;
        // Keep the window full while we wait for the oldest.
        self.fill();
        let Some(mut task) = task else {
            return Some(Err(TaskError::Rejected));
        };
        let Some(deadline) = self.deadline else {
            return Some(task.wait());
        };
        let left = deadline.saturating_duration_since(Instant::now());
        let result = task.wait_timeout(left);
        if matches!(result, Err(TaskError::Timeout)) {
            task.cancel();
            self.end();
        }
        Some(result)
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

//! Waiting on several tasks: `as_completed`, `wait_any`, `wait_all`, as in
//! Python's `concurrent.futures`.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::error::TaskError;
use super::notify::{CompletionSet, Notify};
use super::task::ScopedTask;
use super::worker;

/// Yields each task's result as soon as it finishes, in completion order,
/// with the task's index in the input. Each task is yielded exactly once.
///
/// On a worker thread, when nothing has finished yet, it runs a pending task
/// of the set inline rather than block (see the [module docs](super)).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use waiter::{Pool, as_completed};
///
/// let pool = Pool::new(2)?;
/// let slow = pool.submit(|| { std::thread::sleep(Duration::from_millis(300)); "slow" })?;
/// let fast = pool.submit(|| "fast")?;
/// let order: Vec<&str> = as_completed([slow, fast]).map(|(_, r)| r.unwrap()).collect();
/// assert_eq!(order, ["fast", "slow"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn as_completed<'a, T>(
    tasks: impl IntoIterator<Item = ScopedTask<'a, T>>,
) -> AsCompleted<'a, T> {
    let tasks: Vec<ScopedTask<'a, T>> = tasks.into_iter().collect();
    let set = Arc::new(CompletionSet::default());
    for (index, task) in tasks.iter().enumerate() {
        if !task.register(Notify::Set {
            set: Arc::clone(&set),
            index,
        }) {
            set.push(index);
        }
    }
    AsCompleted {
        remaining: tasks.len(),
        tasks,
        set,
    }
}

/// The iterator returned by [`as_completed`].
pub struct AsCompleted<'a, T> {
    tasks: Vec<ScopedTask<'a, T>>,
    set: Arc<CompletionSet>,
    remaining: usize,
}

impl<T> Iterator for AsCompleted<'_, T> {
    type Item = (usize, Result<T, TaskError>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        let index = loop {
            if let Some(index) = self.set.try_pop() {
                break index;
            }
            if worker::is_worker() {
                if let Some(task) = self.tasks.iter().find(|t| !t.is_done()) {
                    task.run_inline();
                }
                // Whether we ran it or it was running elsewhere, look again
                // (and block if there was nothing to help with).
                if let Some(index) = self.set.try_pop() {
                    break index;
                }
            }
            if let Some(index) = self.set.pop(None) {
                break index;
            }
        };
        self.remaining -= 1;
        Some((index, self.tasks[index].take()))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl<T> ExactSizeIterator for AsCompleted<'_, T> {}

impl<T> fmt::Debug for AsCompleted<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsCompleted")
            .field("remaining", &self.remaining)
            .finish_non_exhaustive()
    }
}

/// Waits until any of `tasks` has finished and returns its index; `None` if
/// `timeout` passed first (or `tasks` is empty). Results stay in the handles.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use waiter::{Pool, wait_any};
///
/// let pool = Pool::new(2)?;
/// let tasks = vec![
///     pool.submit(|| std::thread::sleep(Duration::from_millis(300)))?,
///     pool.submit(|| ())?,
/// ];
/// assert_eq!(wait_any(&tasks, None), Some(1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn wait_any<T>(tasks: &[ScopedTask<'_, T>], timeout: Option<Duration>) -> Option<usize> {
    if tasks.is_empty() {
        return None;
    }
    let deadline = timeout.and_then(|timeout| Instant::now().checked_add(timeout));
    if let Some(index) = tasks.iter().position(ScopedTask::is_done) {
        return Some(index);
    }
    let set = Arc::new(CompletionSet::default());
    for (index, task) in tasks.iter().enumerate() {
        if !task.register(Notify::Set {
            set: Arc::clone(&set),
            index,
        }) {
            return Some(index);
        }
    }
    if timeout.is_none() && worker::is_worker() {
        if let Some(index) = tasks.iter().position(|t| !t.is_done()) {
            tasks[index].run_inline();
            if tasks[index].is_done() {
                return Some(index);
            }
        }
    }
    match (timeout, deadline) {
        // A timeout too large for `Instant` is as good as none.
        (Some(_), Some(deadline)) => set.pop(Some(deadline)),
        _ => set.pop(None),
    }
}

/// Waits until every task has finished; returns `false` if `timeout` passed
/// first. Results stay in the handles.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use waiter::{Pool, wait_all};
///
/// let pool = Pool::new(2)?;
/// let tasks: Vec<_> = (0..4).map(|i| pool.submit(move || i)).collect::<Result<_, _>>()?;
/// assert!(wait_all(&tasks, Some(Duration::from_secs(10))));
/// assert!(tasks.iter().all(|t| t.is_done()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn wait_all<T>(tasks: &[ScopedTask<'_, T>], timeout: Option<Duration>) -> bool {
    let deadline = timeout.and_then(|timeout| Instant::now().checked_add(timeout));
    let help = timeout.is_none() && worker::is_worker();
    tasks.iter().all(|task| {
        if help {
            task.run_inline();
        }
        task.block(deadline)
    })
}

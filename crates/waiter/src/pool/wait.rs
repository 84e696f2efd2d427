//! Waiting on several tasks: `wait` with `return_when`, `wait_any`,
//! `wait_all` and `as_completed`, as in Python's `concurrent.futures`.
//!
//! Each call registers one [`CompletionSet`] with every unfinished task and
//! removes those registrations before it returns (or, for `as_completed`,
//! when the iterator ends or is dropped), so calling them in a loop with a
//! timeout does not grow any task's waiter list.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::error::TaskError;
use super::latch::CompletionSet;
use super::shared::SharedTask;
use super::task::{RawTask, ScopedTask, Task};
use super::waiters::Waiter;

pub(crate) mod sealed {
    // Public in a private module: nameable in bounds, reachable by nobody
    // outside, so only this crate implements the traits below.
    #![allow(unreachable_pub, private_interfaces)]

    use std::sync::Arc;

    use super::super::error::TaskError;
    use super::super::latch::CompletionSet;

    /// What the multi-task waits need of a handle, whatever its result type.
    pub trait Waitee {
        fn finished(&self) -> bool;
        fn failed(&self) -> bool;
        /// Registers `set` to hear `index` when the task ends; `None` if it
        /// already has.
        fn register_set(&self, set: &Arc<CompletionSet>, index: usize) -> Option<u64>;
        fn deregister(&self, key: u64);
        /// Runs the task here if it is pending and this is a worker of its
        /// pool.
        fn help(&self);
        fn cancel(&self) -> bool;
    }

    /// Access to a handle's [`Waitee`].
    pub trait AsWaitee {
        fn waitee(&self) -> &dyn Waitee;
    }

    /// Taking a handle's result once.
    pub trait Take {
        type Output;
        fn take_result(&mut self) -> Result<Self::Output, TaskError>;
    }
}

use sealed::{AsWaitee, Take, Waitee};

/// A handle that [`wait`], [`wait_any`] and [`wait_all`] accept:
/// [`Task`], [`ScopedTask`], [`SharedTask`], or a reference to one. Handles
/// with different result types can be waited for together as
/// `&[&dyn Waitable]`.
pub trait Waitable: AsWaitee {}

/// A handle whose results [`as_completed`] yields: [`Task`], [`ScopedTask`]
/// or [`SharedTask`].
pub trait TaskHandle: Waitable + Take {}

impl<T> Waitee for RawTask<'_, T> {
    fn finished(&self) -> bool {
        self.is_finished()
    }

    fn failed(&self) -> bool {
        self.header().is_failed()
    }

    fn register_set(&self, set: &Arc<CompletionSet>, index: usize) -> Option<u64> {
        let set = Arc::clone(set);
        self.header().register(Waiter::Set { set, index }).ok()
    }

    fn deregister(&self, key: u64) {
        self.header().deregister(key);
    }

    fn help(&self) {
        RawTask::help(self);
    }

    fn cancel(&self) -> bool {
        RawTask::cancel(self)
    }
}

impl<T> AsWaitee for Task<T> {
    fn waitee(&self) -> &dyn Waitee {
        &self.0
    }
}
impl<T> Waitable for Task<T> {}
impl<T> Take for Task<T> {
    type Output = T;
    fn take_result(&mut self) -> Result<T, TaskError> {
        self.0.take()
    }
}
impl<T> TaskHandle for Task<T> {}

impl<T> AsWaitee for ScopedTask<'_, T> {
    fn waitee(&self) -> &dyn Waitee {
        &self.0
    }
}
impl<T> Waitable for ScopedTask<'_, T> {}
impl<T> Take for ScopedTask<'_, T> {
    type Output = T;
    fn take_result(&mut self) -> Result<T, TaskError> {
        self.0.take()
    }
}
impl<T> TaskHandle for ScopedTask<'_, T> {}

impl<T: Clone> AsWaitee for SharedTask<T> {
    fn waitee(&self) -> &dyn Waitee {
        self.raw()
    }
}
impl<T: Clone> Waitable for SharedTask<T> {}
impl<T: Clone> Take for SharedTask<T> {
    type Output = T;
    fn take_result(&mut self) -> Result<T, TaskError> {
        self.wait()
    }
}
impl<T: Clone> TaskHandle for SharedTask<T> {}

impl<W: Waitable + ?Sized> AsWaitee for &W {
    fn waitee(&self) -> &dyn Waitee {
        (**self).waitee()
    }
}
impl<W: Waitable + ?Sized> Waitable for &W {}

/// When [`wait`] returns, as Python's `return_when`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReturnWhen {
    /// As soon as any task has finished (or was cancelled).
    FirstCompleted,
    /// As soon as any task has failed (a panic or an error; a cancelled task
    /// does not count, as in Python), or when all have finished.
    FirstException,
    /// When every task has finished.
    AllCompleted,
}

/// What [`wait`] returns: the indices (into its input, ascending) of the
/// tasks finished at return time, and of the others. Python's
/// `DoneAndNotDoneFutures`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Waited {
    /// Tasks done or cancelled when `wait` returned.
    pub done: Vec<usize>,
    /// Tasks still pending or running then.
    pub not_done: Vec<usize>,
}

impl Waited {
    fn now<W: Waitable>(tasks: &[W]) -> Self {
        let (done, not_done) = (0..tasks.len()).partition(|&i| tasks[i].waitee().finished());
        Self { done, not_done }
    }
}

/// One completion set registered with some tasks; dropping it removes every
/// registration still in place.
struct Registrations<'a> {
    set: Arc<CompletionSet>,
    keys: Vec<(&'a dyn Waitee, u64)>,
}

impl<'a> Registrations<'a> {
    /// Registers with every task; pushes the index of those already
    /// finished, so the set hears about every task exactly once.
    fn new(tasks: impl Iterator<Item = (usize, &'a dyn Waitee)>) -> Self {
        let set = Arc::new(CompletionSet::default());
        let mut keys = Vec::new();
        for (index, task) in tasks {
            match task.register_set(&set, index) {
                Some(key) => keys.push((task, key)),
                None => set.push(index),
            }
        }
        Self { set, keys }
    }
}

impl Drop for Registrations<'_> {
    fn drop(&mut self) {
        for (task, key) in self.keys.drain(..) {
            task.deregister(key);
        }
    }
}

fn deadline_of(timeout: Option<Duration>) -> Option<Instant> {
    // A timeout too large for `Instant` is as good as none.
    timeout.and_then(|timeout| Instant::now().checked_add(timeout))
}

/// Waits for `tasks` until `return_when` holds or `timeout` passes, and
/// returns which are done and which are not at that moment. Python's
/// `concurrent.futures.wait`. It never takes a result and never fails: a
/// timeout shows as a non-empty `not_done`.
///
/// On a worker thread, with no timeout, it runs pending tasks of its own
/// pool inline instead of blocking (see the [module docs](super)).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use waiter::{Pool, ReturnWhen, wait};
///
/// let pool = Pool::new(2)?;
/// let tasks = vec![
///     pool.submit(|| 1)?,
///     pool.submit(|| panic!("fails"))?,
///     pool.submit(|| { std::thread::sleep(Duration::from_secs(1)); 3 })?,
/// ];
/// let waited = wait(&tasks, ReturnWhen::FirstException, None);
/// assert!(waited.done.contains(&1));
/// let all = wait(&tasks, ReturnWhen::AllCompleted, Some(Duration::from_secs(10)));
/// assert_eq!((all.done, all.not_done), (vec![0, 1, 2], vec![]));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn wait<W: Waitable>(
    tasks: &[W],
    return_when: ReturnWhen,
    timeout: Option<Duration>,
) -> Waited {
    let deadline = deadline_of(timeout);
    let waitees: Vec<&dyn Waitee> = tasks.iter().map(AsWaitee::waitee).collect();
    let satisfied = || {
        let all = waitees.iter().all(|t| t.finished());
        all || match return_when {
            ReturnWhen::FirstCompleted => waitees.iter().any(|t| t.finished()),
            ReturnWhen::FirstException => waitees.iter().any(|t| t.failed()),
            _ => false,
        }
    };
    if !satisfied() {
        let registrations = Registrations::new(
            waitees
                .iter()
                .enumerate()
                .filter(|(_, t)| !t.finished())
                .map(|(i, t)| (i, *t)),
        );
        let help = timeout.is_none();
        while !satisfied() {
            if help {
                if let Some(task) = waitees.iter().find(|t| !t.finished()) {
                    task.help();
                    if satisfied() {
                        break;
                    }
                }
            }
            if registrations.set.pop(deadline).is_none() && deadline.is_some() {
                break;
            }
        }
    }
    Waited::now(tasks)
}

/// Waits until any of `tasks` has finished and returns its index (the first
/// to finish; the lowest index if several already had). Results stay in the
/// handles.
///
/// Returns `None` if `tasks` is empty (there is nothing to wait for),
/// `Some(Err(TaskError::Timeout))` if `timeout` passed first.
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
/// assert_eq!(wait_any(&tasks, None), Some(Ok(1)));
/// assert_eq!(wait_any::<waiter::Task<()>>(&[], None), None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn wait_any<W: Waitable>(
    tasks: &[W],
    timeout: Option<Duration>,
) -> Option<Result<usize, TaskError>> {
    if tasks.is_empty() {
        return None;
    }
    let deadline = deadline_of(timeout);
    if let Some(index) = tasks.iter().position(|t| t.waitee().finished()) {
        return Some(Ok(index));
    }
    let registrations = Registrations::new(tasks.iter().map(AsWaitee::waitee).enumerate());
    loop {
        if let Some(index) = registrations.set.try_pop() {
            return Some(Ok(index));
        }
        if timeout.is_none() {
            if let Some(task) = tasks.iter().map(AsWaitee::waitee).find(|t| !t.finished()) {
                task.help();
            }
        }
        match registrations.set.pop(deadline) {
            Some(index) => return Some(Ok(index)),
            None if deadline.is_some() => return Some(Err(TaskError::Timeout)),
            None => {}
        }
    }
}

/// Waits until every task has finished. Results stay in the handles. The
/// same as [`wait`] with [`ReturnWhen::AllCompleted`], as a `Result`.
///
/// # Errors
///
/// [`TaskError::Timeout`] if `timeout` passed first.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use waiter::{Pool, wait_all};
///
/// let pool = Pool::new(2)?;
/// let tasks: Vec<_> = (0..4).map(|i| pool.submit(move || i)).collect::<Result<_, _>>()?;
/// wait_all(&tasks, Some(Duration::from_secs(10)))?;
/// assert!(tasks.iter().all(|t| t.is_done()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn wait_all<W: Waitable>(tasks: &[W], timeout: Option<Duration>) -> Result<(), TaskError> {
    if wait(tasks, ReturnWhen::AllCompleted, timeout)
        .not_done
        .is_empty()
    {
        Ok(())
    } else {
        Err(TaskError::Timeout)
    }
}

/// Yields each task's result as soon as it finishes, in completion order,
/// with the task's index in the input. Each task is yielded exactly once.
/// Python's `as_completed`; for its `timeout`, see [`as_completed_timeout`].
///
/// On a worker thread, when nothing has finished yet, it runs a pending task
/// of its own pool inline rather than block (see the [module docs](super)).
///
/// Dropping the iterator cancels the tasks it still holds that have not
/// started (the same rule as [`Pool::map`](super::Pool::map)); take them
/// back with [`AsCompleted::into_remaining`] to keep them.
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
pub fn as_completed<H: TaskHandle>(tasks: impl IntoIterator<Item = H>) -> AsCompleted<H> {
    let tasks: Vec<Option<H>> = tasks.into_iter().map(Some).collect();
    let set = Arc::new(CompletionSet::default());
    let mut keys = Vec::with_capacity(tasks.len());
    for (index, task) in tasks.iter().enumerate() {
        let task = task.as_ref().map(AsWaitee::waitee);
        let key = task.and_then(|task| task.register_set(&set, index));
        if key.is_none() {
            set.push(index);
        }
        keys.push(key);
    }
    AsCompleted {
        remaining: tasks.len(),
        tasks,
        keys,
        set,
        deadline: None,
    }
}

/// [`as_completed`] with a time limit counted from this call, as Python's
/// `as_completed(fs, timeout)`: items are `Ok((index, result))`; once the
/// deadline passes with tasks unfinished, the iterator yields
/// `Err(TaskError::Timeout)` once and ends. The unfinished tasks are left
/// as they are: [`AsCompletedTimeout::into_remaining`] gives them back
/// (dropping the iterator cancels those not started, as for
/// [`as_completed`]).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use waiter::{Pool, TaskError, as_completed_timeout};
///
/// let pool = Pool::new(2)?;
/// let tasks = vec![
///     pool.submit(|| 1)?,
///     pool.submit(|| { std::thread::sleep(Duration::from_millis(500)); 2 })?,
/// ];
/// let mut completed = as_completed_timeout(tasks, Duration::from_millis(100));
/// assert_eq!(completed.next().unwrap()?.1?, 1);
/// assert!(matches!(completed.next(), Some(Err(TaskError::Timeout))));
/// assert!(completed.next().is_none());
/// let slow = completed.into_remaining();
/// assert_eq!(slow.len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn as_completed_timeout<H: TaskHandle>(
    tasks: impl IntoIterator<Item = H>,
    timeout: Duration,
) -> AsCompletedTimeout<H> {
    let mut inner = as_completed(tasks);
    inner.deadline = Some(deadline_of(Some(timeout)));
    AsCompletedTimeout {
        inner,
        timed_out: false,
    }
}

/// The iterator returned by [`as_completed`].
pub struct AsCompleted<H: TaskHandle> {
    /// `None` once yielded (or given back).
    tasks: Vec<Option<H>>,
    /// Each task's registration with `set`, while it has one.
    keys: Vec<Option<u64>>,
    set: Arc<CompletionSet>,
    remaining: usize,
    /// `Some` for [`as_completed_timeout`] (`Some(None)`: a timeout too
    /// large to matter).
    deadline: Option<Option<Instant>>,
}

impl<H: TaskHandle> AsCompleted<H> {
    /// The tasks not yielded yet, with their indices, in input order; their
    /// registrations are removed and nothing is cancelled.
    pub fn into_remaining(mut self) -> Vec<(usize, H)> {
        self.release();
        let tasks = std::mem::take(&mut self.tasks);
        self.remaining = 0;
        tasks
            .into_iter()
            .enumerate()
            .filter_map(|(i, task)| task.map(|task| (i, task)))
            .collect()
    }

    /// Removes every registration still in place.
    fn release(&mut self) {
        for (task, key) in self.tasks.iter().zip(&mut self.keys) {
            if let (Some(task), Some(key)) = (task, key.take()) {
                task.waitee().deregister(key);
            }
        }
    }

    /// The next finished index, or `None` if the deadline passed.
    fn next_index(&mut self) -> Option<usize> {
        let deadline = self.deadline.flatten();
        loop {
            if let Some(index) = self.set.try_pop() {
                return Some(index);
            }
            if self.deadline.is_none() {
                let pending = self.tasks.iter().flatten().map(AsWaitee::waitee);
                if let Some(task) = pending.clone().find(|t| !t.finished()) {
                    // Runs it only on a worker of its pool.
                    task.help();
                }
                if let Some(index) = self.set.try_pop() {
                    return Some(index);
                }
            }
            match self.set.pop(deadline) {
                Some(index) => return Some(index),
                None if deadline.is_some() => return None,
                None => {}
            }
        }
    }

    fn yield_index(&mut self, index: usize) -> (usize, Result<H::Output, TaskError>) {
        self.remaining -= 1;
        // The finisher drained the registration.
        self.keys[index] = None;
        let mut task = self.tasks[index].take().expect("each index is pushed once");
        (index, task.take_result())
    }
}

impl<H: TaskHandle> Iterator for AsCompleted<H> {
    type Item = (usize, Result<H::Output, TaskError>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        let index = self.next_index()?;
        Some(self.yield_index(index))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl<H: TaskHandle> ExactSizeIterator for AsCompleted<H> {}

impl<H: TaskHandle> Drop for AsCompleted<H> {
    /// Cancels the tasks not yielded that have not started (the rule shared
    /// with [`Pool::map`](super::Pool::map)), and removes the registrations.
    fn drop(&mut self) {
        self.release();
        for task in self.tasks.iter().flatten() {
            task.waitee().cancel();
        }
    }
}

impl<H: TaskHandle> fmt::Debug for AsCompleted<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsCompleted")
            .field("remaining", &self.remaining)
            .finish_non_exhaustive()
    }
}

/// The iterator returned by [`as_completed_timeout`].
pub struct AsCompletedTimeout<H: TaskHandle> {
    inner: AsCompleted<H>,
    timed_out: bool,
}

impl<H: TaskHandle> AsCompletedTimeout<H> {
    /// The tasks not yielded yet (after a timeout: the unfinished ones),
    /// with their indices, in input order; nothing is cancelled.
    pub fn into_remaining(self) -> Vec<(usize, H)> {
        self.inner.into_remaining()
    }
}

impl<H: TaskHandle> Iterator for AsCompletedTimeout<H> {
    type Item = Result<(usize, Result<H::Output, TaskError>), TaskError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.timed_out || self.inner.remaining == 0 {
            return None;
        }
        match self.inner.next_index() {
            Some(index) => Some(Ok(self.inner.yield_index(index))),
            None => {
                self.timed_out = true;
                Some(Err(TaskError::Timeout))
            }
        }
    }
}

impl<H: TaskHandle> fmt::Debug for AsCompletedTimeout<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsCompletedTimeout")
            .field("remaining", &self.inner.remaining)
            .field("timed_out", &self.timed_out)
            .finish()
    }
}

//! Tasks that borrow from the stack, like `std::thread::scope`.

use std::marker::PhantomData;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;

use super::current;
use super::error::SubmitError;
use super::job::Job;
use super::latch::ScopeCounter;
use super::ledger;
use super::task::ScopedTask;
use super::{Pool, Submission};
use crate::sync::{Mutex, lock};

/// A scope in which tasks may borrow anything that outlives it; see
/// [`Pool::scope`].
pub struct Scope<'scope, 'env: 'scope> {
    pool: &'scope Pool,
    counter: Arc<ScopeCounter>,
    /// The scope's page in the ledger of unread panics.
    owner: u64,
    /// Every task of the scope, so the owner can run the pending ones itself
    /// when the closure returns instead of idling. Lifetime-erased (so the
    /// scope has no drop glue that borrows); emptied in `finish`.
    jobs: Mutex<Vec<Arc<dyn Job>>>,
    scope: PhantomData<&'scope mut &'scope ()>,
    env: PhantomData<&'env mut &'env ()>,
}

impl<'scope> Scope<'scope, '_> {
    /// Submits a task that may borrow data living for `'scope`.
    ///
    /// # Errors
    ///
    /// Gives the closure back in a [`SubmitError`] if the pool was shut down.
    pub fn submit<F, T>(&'scope self, f: F) -> Result<ScopedTask<'scope, T>, SubmitError<F>>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        self.counter.job_queued();
        // SAFETY: the queue's reference carries `self.counter`, and
        // `Pool::scope` does not return before the counter is back to zero,
        // i.e. before every queue reference to this task was dropped.
        let cell = unsafe {
            self.pool.enqueue(
                f,
                Submission {
                    owner: self.owner,
                    scope: Some(self.counter.clone()),
                    ..Submission::default()
                },
            )?
        };
        let job: Arc<dyn Job + 'scope> = cell.clone();
        // SAFETY: only the lifetime changes; `finish` drops this reference
        // before `Pool::scope` returns, i.e. before 'scope ends.
        let job: Arc<dyn Job> = unsafe { std::mem::transmute(job) };
        lock(&self.jobs).push(job);
        Ok(ScopedTask::new(cell))
    }

    /// Waits for every task of the scope. On a worker thread of the scope's
    /// pool it first runs the still-pending ones itself, so a scope opened inside a task of a
    /// saturated pool cannot deadlock; elsewhere it only waits, so a pool of
    /// N workers runs the scope on N threads, not N + 1.
    fn finish(&self) {
        let jobs = std::mem::take(&mut *lock(&self.jobs));
        if current::is_worker_of(self.pool.id) {
            for job in &jobs {
                job.run();
            }
        }
        drop(jobs);
        self.counter.wait_all_released();
    }
}

impl Pool {
    /// Runs `f` with a [`Scope`] whose tasks may borrow local data, and
    /// returns when `f` has returned *and* every task submitted in the scope
    /// has finished, like [`std::thread::scope`].
    ///
    /// Called from a task of the pool itself, the waiting thread runs the
    /// scope's pending tasks (so nesting cannot deadlock); from any other
    /// thread it only waits.
    ///
    /// # Panics
    ///
    /// If `f` panics, the panic is resumed once all tasks have finished. If
    /// a task panicked and its handle was dropped without reading the
    /// result, `scope` panics at the end (as `std::thread::scope` does), with
    /// every such task named in the message.
    ///
    /// # Examples
    ///
    /// ```
    /// use waiter::Pool;
    ///
    /// let pool = Pool::new(2)?;
    /// let words = vec!["concurrency", "is", "not", "parallelism"];
    /// let total = pool.scope(|s| {
    ///     let tasks: Vec<_> = words
    ///         .iter()
    ///         .map(|w| s.submit(|| w.len()).expect("pool is open"))
    ///         .collect();
    ///     tasks.into_iter().map(|t| t.wait().unwrap()).sum::<usize>()
    /// });
    /// assert_eq!(total, 27);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn scope<'env, F, R>(&self, f: F) -> R
    where
        F: for<'scope> FnOnce(&'scope Scope<'scope, 'env>) -> R,
    {
        let scope = Scope {
            pool: self,
            counter: Arc::new(ScopeCounter::default()),
            owner: ledger::open(),
            jobs: Mutex::new(Vec::new()),
            scope: PhantomData,
            env: PhantomData,
        };
        let result = panic::catch_unwind(AssertUnwindSafe(|| f(&scope)));
        scope.finish();
        let lost = ledger::close(scope.owner);
        match result {
            Err(payload) => panic::resume_unwind(payload),
            Ok(_) if !lost.is_empty() => {
                let names: Vec<String> = lost.iter().map(ToString::to_string).collect();
                panic!(
                    "{} scoped task(s) panicked and nobody read the result: {}",
                    lost.len(),
                    names.join("; ")
                )
            }
            Ok(value) => value,
        }
    }
}

//! Model-checked tests of the task state machine and the pool's shutdown
//! protocol: loom runs every interleaving (up to a preemption bound) of the
//! threads below and fails on a deadlock, a lost wake-up or a broken
//! assertion in any of them.
//!
//! Run with:
//! `RUSTFLAGS="--cfg loom" cargo test -p waiter --lib --release loom_`

use std::sync::Arc;

use loom::thread;

use super::error::{TaskError, TaskId};
use super::job::{Header, Job, JobCell};
use super::latch::CompletionSet;
use super::ledger;
use super::task::Task;
use super::waiters::Waiter;
use super::{Pool, PoolBuilder};

pub(super) fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(3);
    builder.check(f);
}

pub(super) fn task_of<F: FnOnce() -> T + Send + 'static, T: Send + 'static>(
    owner: u64,
    f: F,
) -> (Task<T>, Arc<dyn Job>) {
    let cell = Arc::new(JobCell::new(Header::new(TaskId(1), owner, None), f));
    (Task::new(cell.clone()), cell)
}

/// Runner, canceller and waiter race: exactly one of "ran" and "cancelled"
/// happens, the waiter always wakes, and it sees the right one.
#[test]
fn loom_run_cancel_and_wait_agree() {
    model(|| {
        let (task, job) = task_of(0, || 7);
        let runner = thread::spawn(move || job.run());
        let cancelled = task.cancel();
        let result = task.wait();
        runner.join().unwrap();
        match result {
            Ok(7) => assert!(!cancelled),
            Err(TaskError::Cancelled) => assert!(cancelled),
            other => panic!("unexpected outcome {other:?}"),
        }
    });
}

/// A completion set hears about a task exactly once, even when an earlier
/// registration left the notify flag up.
#[test]
fn loom_completion_set_is_notified_exactly_once() {
    model(|| {
        let (task, job) = task_of(0, || ());
        let header = task.0.header();
        // An earlier, abandoned registration (a timed-out wait).
        if let Ok(key) = header.register(Waiter::Thread(thread::current())) {
            header.deregister(key);
        }
        let runner = thread::spawn(move || job.run());
        let set = Arc::new(CompletionSet::default());
        if header
            .register(Waiter::Set {
                set: set.clone(),
                index: 0,
            })
            .is_err()
        {
            set.push(0);
        }
        runner.join().unwrap();
        // Wait for the notification (the runner may deliver it).
        assert_eq!(set.pop(None), Some(0));
        assert_eq!(set.try_pop(), None, "notified twice");
    });
}

/// A panic whose handle is dropped while the task runs is recorded exactly
/// once, by whichever of the two comes second.
#[test]
fn loom_unread_panic_is_recorded_exactly_once() {
    std::panic::set_hook(Box::new(|_| {}));
    model(|| {
        let owner = ledger::open();
        let (task, job) = task_of(owner, || -> u8 { panic!("lost") });
        let runner = thread::spawn(move || job.run());
        drop(task);
        runner.join().unwrap();
        let lost = ledger::close(owner);
        assert_eq!(lost.len(), 1);
        assert_eq!(lost[0].message, "lost");
    });
    let _ = std::panic::take_hook();
}

/// Shutdown-now racing a worker: every accepted task ends (done or
/// cancelled), its handle wakes, and the pool joins its worker.
#[test]
fn loom_shutdown_now_races_the_worker() {
    model(|| {
        let pool = Arc::new(PoolBuilder::default().workers(1).build().unwrap());
        let task = pool.submit(|| 3).unwrap();
        let stopper = {
            let pool = pool.clone();
            thread::spawn(move || {
                pool.shutdown_now();
            })
        };
        match task.wait() {
            Ok(3) | Err(TaskError::Cancelled) => {}
            other => panic!("unexpected outcome {other:?}"),
        }
        stopper.join().unwrap();
        assert!(pool.submit(|| 4).unwrap_err().is_shutdown());
    });
}

/// A submission racing shutdown is either refused or run: never stranded
/// behind the workers' stop messages.
#[test]
fn loom_submit_races_shutdown() {
    model(|| {
        let pool = Arc::new(Pool::new(1).unwrap());
        let submitter = {
            let pool = pool.clone();
            thread::spawn(move || pool.submit(|| 5).ok())
        };
        pool.shutdown();
        if let Some(task) = submitter.join().unwrap() {
            assert!(
                task.is_done(),
                "an accepted task ran before shutdown returned"
            );
            assert_eq!(task.wait().unwrap(), 5);
        }
    });
}

//! Model-checked `Task` as a `Future`: the poller's waker is called once the
//! task ends (never lost, never too early), a later poll's waker replaces the
//! earlier one, dropping the handle mid-way is harmless, and a cancellation
//! wakes the poller too. The waker counts its calls and signals the polling
//! thread, which blocks until woken: a lost wake-up is a loom deadlock.
//!
//! Run with:
//! `RUSTFLAGS="--cfg loom" cargo test -p waiter --lib --release loom_`

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::{Condvar, Mutex};
use loom::thread;

use super::error::TaskError;
use super::loom_task::{model, task_of};
use super::task::Task;

/// A waker that counts its calls. The poller waits on a condition variable
/// rather than parking: loom's `unpark` also wakes a thread blocked in a
/// `join` or on a mutex, which then fails the model although `std` would
/// just keep the token (tokio-rs/loom#249).
struct Counting {
    wakes: Mutex<usize>,
    woken: Condvar,
}

impl Counting {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            wakes: Mutex::new(0),
            woken: Condvar::new(),
        })
    }

    fn wakes(&self) -> usize {
        *self.wakes.lock().unwrap()
    }

    /// Blocks until woken at least once.
    fn wait(&self) {
        let mut wakes = self.wakes.lock().unwrap();
        while *wakes == 0 {
            wakes = self.woken.wait(wakes).unwrap();
        }
    }
}

impl Wake for Counting {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        *self.wakes.lock().unwrap() += 1;
        self.woken.notify_all();
    }
}

fn poll<T>(task: &mut Task<T>, waker: &Arc<Counting>) -> Poll<Result<T, TaskError>> {
    let waker = Waker::from(waker.clone());
    Pin::new(task).poll(&mut Context::from_waker(&waker))
}

/// Polled while a worker runs it: `Ready` at once, or `Pending` and then
/// exactly one wake, after which a new poll is `Ready` with the value.
/// Caught: no wake in `finish`, or one before `DONE`; `register` missing that the task ended.
#[test]
fn loom_future_wakes_after_completion() {
    model(|| {
        let (mut task, job) = task_of(0, || 7);
        let runner = thread::spawn(move || job.run());
        let waker = Counting::new();
        let pending = match poll(&mut task, &waker) {
            Poll::Ready(result) => {
                assert_eq!(result.unwrap(), 7);
                false
            }
            Poll::Pending => {
                waker.wait();
                match poll(&mut task, &waker) {
                    Poll::Ready(result) => assert_eq!(result.unwrap(), 7),
                    Poll::Pending => panic!("woken before the task ended"),
                }
                true
            }
        };
        runner.join().unwrap();
        assert!(waker.wakes() <= 1, "woken twice");
        assert_eq!(waker.wakes(), usize::from(pending));
    });
}

/// Polled twice with two wakers while a worker runs it: if the second poll
/// is `Pending`, the second waker (and only it) is woken.
/// Caught: `register` keeping the first notifier (the poller sleeps for ever).
#[test]
fn loom_future_wakes_the_latest_waker() {
    model(|| {
        let (mut task, job) = task_of(0, || 7);
        let runner = thread::spawn(move || job.run());
        let (first, second) = (Counting::new(), Counting::new());
        let mut last_pending = None;
        for waker in [&first, &second] {
            match poll(&mut task, waker) {
                Poll::Ready(result) => {
                    assert_eq!(result.unwrap(), 7);
                    last_pending = None;
                    break;
                }
                Poll::Pending => last_pending = Some(waker),
            }
        }
        if let Some(waker) = last_pending {
            assert!(std::ptr::eq(waker, &second));
            second.wait();
            match poll(&mut task, &second) {
                Poll::Ready(result) => assert_eq!(result.unwrap(), 7),
                Poll::Pending => panic!("woken before the task ended"),
            }
        }
        runner.join().unwrap();
        if last_pending.is_some() {
            assert_eq!((first.wakes(), second.wakes()), (0, 1));
        } else {
            assert!(first.wakes() + second.wakes() <= 1, "woken twice");
        }
    });
}

/// Counts its drops.
struct Value(Arc<AtomicUsize>);

impl Drop for Value {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// The future is polled once, then dropped while a worker runs the task:
/// no race on the result slot (loom checks every access), the value is
/// dropped exactly once, the registered waker is woken at most once.
/// Caught: the dropping handle taking the result of a running task (racy slot access).
#[test]
fn loom_future_dropped_while_pending() {
    model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let (mut task, job) = {
            let drops = drops.clone();
            task_of(0, move || Value(drops))
        };
        let runner = thread::spawn(move || job.run());
        let waker = Counting::new();
        if let Poll::Ready(result) = poll(&mut task, &waker) {
            assert!(result.is_ok());
        }
        drop(task);
        runner.join().unwrap();
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        assert!(waker.wakes() <= 1, "woken twice");
    });
}

/// A canceller races a worker while the handle is polled: the poller is
/// woken whichever wins, and sees the value or `Cancelled` to match.
/// Caught: no wake in `cancel` (the poller sleeps for ever).
#[test]
fn loom_future_cancel_races_the_worker() {
    model(|| {
        let (mut task, job) = task_of(0, || 7);
        let canceller = {
            let job = job.clone();
            thread::spawn(move || job.cancel())
        };
        let runner = thread::spawn(move || job.run());
        let waker = Counting::new();
        let result = match poll(&mut task, &waker) {
            Poll::Ready(result) => result,
            Poll::Pending => {
                waker.wait();
                match poll(&mut task, &waker) {
                    Poll::Ready(result) => result,
                    Poll::Pending => panic!("woken before the task ended"),
                }
            }
        };
        let cancelled = canceller.join().unwrap();
        runner.join().unwrap();
        match result {
            Ok(7) => assert!(!cancelled),
            Err(TaskError::Cancelled) => assert!(cancelled),
            other => panic!("unexpected outcome {other:?}"),
        }
        assert!(waker.wakes() <= 1, "woken twice");
    });
}

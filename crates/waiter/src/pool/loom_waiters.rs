//! Model-checked waiter list: any number of waiters of different kinds,
//! racing the task's end (by its runner or its canceller), are each woken
//! exactly once, and a waiter that gives up leaves no entry behind.
//!
//! Run with:
//! `RUSTFLAGS="--cfg loom" cargo test -p waiter --lib --release loom_waiters`

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::{Condvar, Mutex};
use loom::thread;

use super::error::TaskError;
use super::loom_task::{model, task_of};

/// Counts its calls; `wait` blocks until called (a condition variable, not
/// `park`: see `loom_future`).
#[derive(Default)]
struct Signal {
    calls: Mutex<usize>,
    called: Condvar,
}

impl Signal {
    fn fire(&self) {
        *self.calls.lock().unwrap() += 1;
        self.called.notify_all();
    }

    fn calls(&self) -> usize {
        *self.calls.lock().unwrap()
    }

    fn wait(&self) {
        let mut calls = self.calls.lock().unwrap();
        while *calls == 0 {
            calls = self.called.wait(calls).unwrap();
        }
    }
}

impl Wake for Signal {
    fn wake(self: Arc<Self>) {
        self.fire();
    }
}

/// A thread blocked in `wait_done` and a done callback, while a runner and
/// a canceller race to end the task: the thread returns (a lost wake-up is
/// a deadlock), the callback runs exactly once and sees the outcome that
/// won, and `cancel` answers to match.
#[test]
fn loom_a_blocked_thread_and_a_callback_are_each_woken_once() {
    model(|| {
        let (task, job) = task_of(0, || 7u8);
        let task = Arc::new(task);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let callback_calls = Arc::new(AtomicUsize::new(0));

        let waiter = {
            let task = Arc::clone(&task);
            thread::spawn(move || task.wait_done(None).is_ok())
        };
        let canceller = {
            let job = Arc::clone(&job);
            thread::spawn(move || job.cancel())
        };
        let runner = thread::spawn(move || job.run());
        {
            let (seen, calls) = (Arc::clone(&seen), Arc::clone(&callback_calls));
            task.on_done(move |outcome| {
                calls.fetch_add(1, Ordering::SeqCst);
                seen.lock().unwrap().push(match outcome {
                    Ok(value) => Some(*value),
                    Err(TaskError::Cancelled) => None,
                    Err(other) => panic!("unexpected {other:?}"),
                });
            });
        }

        assert!(waiter.join().unwrap(), "the blocked thread woke");
        let cancelled = canceller.join().unwrap();
        runner.join().unwrap();
        assert_eq!(callback_calls.load(Ordering::SeqCst), 1, "called once");
        let outcome = seen.lock().unwrap()[0];
        assert_eq!(outcome, if cancelled { None } else { Some(7) });
        let task = Arc::into_inner(task).expect("the waiter is gone");
        match task.wait() {
            Ok(7) => assert!(!cancelled),
            Err(TaskError::Cancelled) => assert!(cancelled),
            other => panic!("unexpected outcome {other:?}"),
        }
    });
}

/// An async poller (re-polled with a new waker) and a thread in a timed
/// wait that gives up, while a runner and a canceller race: the poller's
/// latest waker is woken exactly once (the first never), the timed-out
/// waiter removes its entry, and nothing is left in the list at the end.
#[test]
fn loom_a_poller_and_a_timed_out_waiter_leave_the_list_empty() {
    model(|| {
        let (mut task, job) = task_of(0, || 7u8);
        let canceller = {
            let job = Arc::clone(&job);
            thread::spawn(move || job.cancel())
        };
        let runner = thread::spawn(move || job.run());
        let (first, second) = (Arc::new(Signal::default()), Arc::new(Signal::default()));
        let mut ready = None;
        for signal in [&first, &second] {
            let waker = Waker::from(Arc::clone(signal));
            if let Poll::Ready(result) = Pin::new(&mut task).poll(&mut Context::from_waker(&waker))
            {
                ready = Some(result);
                break;
            }
        }
        // A timed wait that gives up at once (loom has no clock: its
        // timed park is a yield, then the deadline has passed).
        let timed = task.wait_done(Some(Duration::ZERO));
        if timed.is_err() {
            // (A wait that saw the end may leave its entry to the drain.)
            assert!(
                super::job::waiting(task.0.header()) <= 1,
                "the timed-out waiter removed its entry (only the poller's may be left)"
            );
        }
        let waited_on_second = ready.is_none();
        if waited_on_second {
            second.wait();
            let waker = Waker::from(Arc::clone(&second));
            match Pin::new(&mut task).poll(&mut Context::from_waker(&waker)) {
                Poll::Ready(result) => ready = Some(result),
                Poll::Pending => panic!("woken before the task ended"),
            }
        }
        let cancelled = canceller.join().unwrap();
        runner.join().unwrap();
        if waited_on_second {
            assert_eq!(
                (first.calls(), second.calls()),
                (0, 1),
                "only the latest waker is woken, once"
            );
        } else {
            assert!(first.calls() + second.calls() <= 1, "woken twice");
        }
        if timed.is_err() {
            assert!(matches!(timed, Err(TaskError::Timeout)));
        }
        match ready.unwrap() {
            Ok(7) => assert!(!cancelled),
            Err(TaskError::Cancelled) => assert!(cancelled),
            other => panic!("unexpected outcome {other:?}"),
        }
        assert_eq!(
            super::job::waiting(task.0.header()),
            0,
            "every registration was drained or removed"
        );
    });
}

/// The owner waits for and takes the result while the runner's drain runs a
/// done callback that reads it: loom checks every access to the result slot,
/// so a take during the callback is reported as a race; the callback sees
/// the value, the owner gets it.
#[test]
fn loom_the_owner_takes_the_result_only_after_the_callbacks() {
    model(|| {
        let (task, job) = task_of(0, || 7u8);
        let seen = Arc::new(AtomicUsize::new(0));
        {
            let seen = Arc::clone(&seen);
            task.on_done(move |outcome| {
                seen.store(usize::from(*outcome.unwrap()), Ordering::SeqCst);
            });
        }
        let runner = thread::spawn(move || job.run());
        assert_eq!(task.wait().unwrap(), 7);
        runner.join().unwrap();
        assert_eq!(seen.load(Ordering::SeqCst), 7);
    });
}

//! Wakers are the executor's code: the waiter calls them with no lock held,
//! and one that panics costs nobody else their grant.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::Duration;

use super::test::{poll_with, until_waiting};
use super::*;

type BoxedTask = Pin<Box<dyn Future<Output = ()> + Send>>;

/// An executor whose `wake` polls the task right there, on the waking
/// thread, as the `Waker` contract allows.
struct InlineTask {
    future: std::sync::Mutex<Option<BoxedTask>>,
}

impl InlineTask {
    fn spawn(future: impl Future<Output = ()> + Send + 'static) -> Arc<Self> {
        let task = Arc::new(Self {
            future: std::sync::Mutex::new(Some(Box::pin(future))),
        });
        task.poll();
        task
    }

    fn poll(self: &Arc<Self>) {
        let waker = Waker::from(Arc::clone(self));
        let mut future = self
            .future
            .try_lock()
            .expect("a task is never woken while it is being polled here");
        if let Some(running) = future.as_mut()
            && running
                .as_mut()
                .poll(&mut Context::from_waker(&waker))
                .is_ready()
        {
            *future = None;
        }
    }

    fn is_done(&self) -> bool {
        self.future.lock().unwrap().is_none()
    }
}

impl Wake for InlineTask {
    fn wake(self: Arc<Self>) {
        self.poll();
    }
}

/// Runs `f` on its own thread and fails if it does not end within 10 s: a
/// thread that locks a mutex it already holds never ends.
fn ends_in_time(what: &str, f: impl FnOnce() + Send + 'static) {
    let (done, ended) = mpsc::channel();
    thread::spawn(move || {
        f();
        done.send(()).unwrap();
    });
    assert!(
        ended.recv_timeout(Duration::from_secs(10)).is_ok(),
        "{what}: deadlocked (a waker ran under the line's lock?)"
    );
}

/// Tasks woken inline drop their grant, look at the line and ask again:
/// each of those takes the line's lock on the waking thread. Two tasks
/// wait on the same resource, so the first one's drop wakes the second
/// inline, inside the first one's wake.
#[test]
fn an_executor_that_polls_inside_wake_can_use_the_waiter_there() {
    ends_in_time("inline executor", || {
        let waiter = Arc::new(Waiter::new([1, 1]).unwrap());
        let held = waiter.acquire([0, 1]).unwrap();
        let finished = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..2)
            .map(|_| {
                let (waiter, finished) = (Arc::clone(&waiter), Arc::clone(&finished));
                InlineTask::spawn(async move {
                    let grant = waiter.acquire_async([0]).await.unwrap();
                    // Looks at the line while woken inside a release.
                    assert!(waiter.waiting() <= 1);
                    drop(grant);
                    let again = waiter.acquire_async([0, 1]).await.unwrap();
                    drop(again);
                    finished.fetch_add(1, Ordering::SeqCst);
                })
            })
            .collect();
        assert_eq!(waiter.waiting(), 2);
        drop(held);
        assert!(tasks.iter().all(|task| task.is_done()));
        assert_eq!(finished.load(Ordering::SeqCst), 2);
        assert_eq!(waiter.available(), [1, 1]);
        assert_eq!(waiter.waiting(), 0);
    });
}

/// A task woken inline from a timed-out waiter's leaving (the other path
/// that walks the line) can take the lock too.
#[test]
fn a_leaving_request_wakes_an_inline_task_outside_the_lock() {
    ends_in_time("inline executor behind a timeout", || {
        let waiter = Arc::new(Waiter::new([1, 1]).unwrap());
        let held = waiter.acquire([0]).unwrap();
        let finished = Arc::new(AtomicUsize::new(0));
        // It waits for resource 0 as well as 1 under FIFO...
        let blocker = {
            let waiter = Arc::clone(&waiter);
            thread::spawn(move || {
                let timeout = Duration::from_millis(50);
                waiter.acquire_timeout([0, 1], timeout).unwrap().is_some()
            })
        };
        until_waiting(&waiter, 1);
        // ...so this one, for 1 alone, waits behind it.
        let task = {
            let (waiter, finished) = (Arc::clone(&waiter), Arc::clone(&finished));
            InlineTask::spawn(async move {
                let grant = waiter.acquire_async([1]).await.unwrap();
                assert_eq!(waiter.waiting(), 0);
                drop(grant);
                finished.fetch_add(1, Ordering::SeqCst);
            })
        };
        let granted = blocker.join().unwrap();
        assert!(!granted, "resource 0 was held all along");
        assert!(task.is_done());
        assert_eq!(finished.load(Ordering::SeqCst), 1);
        drop(held);
        assert_eq!(waiter.available(), [1, 1]);
    });
}

/// A waker that panics, counting its calls.
#[derive(Default)]
struct PanickingWaker(AtomicUsize);

impl Wake for PanickingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
        panic!("this waker fails on purpose");
    }
}

/// One walk grants a future whose waker panics and a blocked thread: the
/// thread is still woken, the panic reaches whoever gave back (after the
/// wake-ups), the panicking future's grant is neither lost nor doubled,
/// and the waiter goes on working.
#[test]
fn a_panicking_waker_costs_nobody_else_their_grant() {
    for poll_after in [true, false] {
        let waiter = Waiter::new([1, 1]).unwrap();
        let held = waiter.acquire([0, 1]).unwrap();
        let panicking = Arc::new(PanickingWaker::default());
        let panicking_waker = Waker::from(Arc::clone(&panicking));
        let mut first = waiter.acquire_async([0]);
        assert!(poll_with(&mut first, &panicking_waker).is_pending());
        thread::scope(|s| {
            // A timeout, so that a lost wake-up fails instead of hanging.
            let other = s.spawn(|| {
                let grant = waiter
                    .acquire_timeout([1], Duration::from_secs(10))
                    .unwrap();
                grant.map(|grant| grant.request().clone())
            });
            until_waiting(&waiter, 2);
            // Behind `first` on resource 0.
            let mut behind = waiter.acquire_async([0]);
            assert!(poll_with(&mut behind, Waker::noop()).is_pending());
            let gave_back = catch_unwind(AssertUnwindSafe(|| drop(held)));
            let message = gave_back.expect_err("the waker's panic reaches the releaser");
            assert_eq!(
                message.downcast_ref::<&str>(),
                Some(&"this waker fails on purpose")
            );
            assert_eq!(panicking.0.load(Ordering::SeqCst), 1);
            assert_eq!(
                other.join().unwrap(),
                Some(Request::from([1])),
                "the thread granted in the same walk was never woken"
            );
            // `first` holds resource 0; `behind` still waits.
            assert_eq!(waiter.available(), [0, 1]);
            assert_eq!(waiter.waiting(), 1);
            if poll_after {
                let Poll::Ready(grant) = poll_with(&mut first, Waker::noop()) else {
                    panic!("the grant of the panicking waker's future was lost");
                };
                drop(grant.unwrap());
            }
            // Given back (by the grant or by the unpolled future's drop):
            // `behind` is granted.
            drop(first);
            assert_eq!(waiter.waiting(), 0);
            assert_eq!(waiter.available(), [0, 1]);
            let Poll::Ready(grant) = poll_with(&mut behind, Waker::noop()) else {
                panic!("the request behind was not granted");
            };
            drop(grant.unwrap());
        });
        assert_eq!(waiter.available(), [1, 1], "capacity accounting is exact");
        assert_eq!(waiter.waiting(), 0);
        // The waiter goes on working, waits included.
        let both = waiter.acquire([0, 1]).unwrap();
        assert!(waiter.try_acquire([0]).unwrap().is_none());
        drop(both);
        assert!(
            waiter
                .acquire_timeout([0, 1], Duration::from_secs(1))
                .unwrap()
                .is_some()
        );
    }
}

/// A grant dropped while its holder unwinds from a panic, where a waker
/// panics too: the second panic is swallowed (raising it would abort), and
/// the line is still served.
#[test]
fn a_panicking_waker_during_an_unwind_does_not_abort() {
    let waiter = Waiter::new([1]).unwrap();
    let panicking = Waker::from(Arc::new(PanickingWaker::default()));
    let mut waiting = waiter.acquire_async([0]);
    let unwound = thread::scope(|s| {
        let holder = s.spawn(|| {
            let _grant = waiter.acquire([0]).unwrap();
            while waiter.waiting() == 0 {
                thread::yield_now();
            }
            panic!("the holder fails on purpose");
        });
        while waiter.available() != [0] {
            thread::yield_now();
        }
        assert!(poll_with(&mut waiting, &panicking).is_pending());
        holder.join()
    });
    assert!(unwound.is_err());
    let Poll::Ready(grant) = poll_with(&mut waiting, Waker::noop()) else {
        panic!("the waiting future was not granted");
    };
    drop(grant.unwrap());
    assert_eq!(waiter.available(), [1]);
}

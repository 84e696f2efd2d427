use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::thread;
use std::time::{Duration, Instant};

use waiter::trace::{Recorder, State, Timeline};

use super::*;

fn labels(timeline: &Timeline, lane: &str, state: State) -> Vec<String> {
    timeline
        .lanes
        .iter()
        .find(|l| l.name == lane)
        .unwrap_or_else(|| panic!("no lane {lane}: {timeline:?}"))
        .spans
        .iter()
        .filter(|s| s.state == state)
        .map(|s| s.label.clone().unwrap_or_default())
        .collect()
}

#[test]
fn block_on_returns_the_output_without_polling_twice() {
    let mut event_loop = Loop::new(Recorder::off());
    assert_eq!(event_loop.block_on(async { 6 * 7 }), 42);
    let stats = event_loop.stats();
    assert_eq!(stats.polls, 1);
    assert_eq!(stats.by_why[Why::Spawned as usize], 1);
}

#[test]
fn timers_fire_in_deadline_order_and_not_early() {
    let mut event_loop = Loop::new(Recorder::new());
    let order = Rc::new(RefCell::new(Vec::new()));
    let start = Instant::now();
    event_loop.block_on({
        let order = Rc::clone(&order);
        async move {
            let handles: Vec<_> = [30u64, 10, 20]
                .into_iter()
                .map(|ms| {
                    let order = Rc::clone(&order);
                    spawn(&format!("sleep {ms}"), async move {
                        let asked = Instant::now();
                        sleep(Duration::from_millis(ms)).await;
                        assert!(asked.elapsed() >= Duration::from_millis(ms));
                        order.borrow_mut().push(ms);
                    })
                })
                .collect();
            for handle in handles {
                handle.await;
            }
        }
    });
    assert_eq!(*order.borrow(), [10, 20, 30]);
    // The three sleeps overlap on one thread.
    assert!(start.elapsed() < Duration::from_millis(60 + 500));
    let stats = event_loop.stats();
    assert_eq!(stats.by_why[Why::Timer as usize], 3, "{stats:?}");
    let timeline = event_loop.into_recorder().finish("timers");
    assert_eq!(
        labels(&timeline, "sleep 10", State::Running),
        ["first poll", "timer fired"]
    );
    assert_eq!(
        labels(&timeline, "sleep 10", State::WaitingIo),
        ["awaiting a timer"]
    );
    assert!(!labels(&timeline, LOOP_LANE, State::Blocked).is_empty());
}

/// A future that hands its waker to another thread, which wakes it later.
struct WokenFromAThread {
    started: bool,
    woken: Arc<AtomicUsize>,
}

impl Future for WokenFromAThread {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.woken.load(Ordering::Acquire) > 0 {
            return Poll::Ready(());
        }
        if !self.started {
            self.started = true;
            let waker = cx.waker().clone();
            let woken = Arc::clone(&self.woken);
            thread::spawn(move || {
                thread::sleep(Duration::from_millis(20));
                woken.store(1, Ordering::Release);
                waker.wake();
            });
        }
        Poll::Pending
    }
}

#[test]
fn a_wake_from_another_thread_ends_the_idle_wait() {
    let mut event_loop = Loop::new(Recorder::new());
    let woken = Arc::new(AtomicUsize::new(0));
    event_loop.block_on(WokenFromAThread {
        started: false,
        woken: Arc::clone(&woken),
    });
    assert_eq!(woken.load(Ordering::Acquire), 1);
    let stats = event_loop.stats();
    assert_eq!(stats.polls, 2);
    assert_eq!(stats.by_why[Why::OtherThread as usize], 1);
    let timeline = event_loop.into_recorder().finish("thread");
    assert_eq!(
        labels(&timeline, "main", State::Running),
        ["first poll", "woken from another thread"]
    );
    assert_eq!(
        labels(&timeline, "main", State::WaitingIo),
        ["awaiting a wake"]
    );
}

#[test]
fn a_pool_task_is_awaited_on_the_loop() {
    let pool = waiter::Pool::new(1).unwrap();
    let mut event_loop = Loop::new(Recorder::off());
    // The job waits until the loop has polled its task once, so it always
    // ends on the worker thread, after the loop went to sleep on it.
    let (go, gate) = std::sync::mpsc::channel::<()>();
    let mut task = pool
        .submit(move || {
            gate.recv().unwrap();
            7
        })
        .unwrap();
    let value = event_loop.block_on(std::future::poll_fn(move |cx| {
        let polled = Pin::new(&mut task).poll(cx);
        let _ = go.send(());
        polled
    }));
    assert_eq!(value.unwrap(), 7);
    assert_eq!(event_loop.stats().by_why[Why::OtherThread as usize], 1);
}

/// Wakes itself `times` times during its first poll.
struct WakesItself {
    times: usize,
    polls: Rc<RefCell<usize>>,
}

impl Future for WakesItself {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        *self.polls.borrow_mut() += 1;
        if *self.polls.borrow() > 1 {
            return Poll::Ready(());
        }
        for _ in 0..self.times {
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    }
}

#[test]
fn a_task_woken_twice_is_polled_once() {
    let mut event_loop = Loop::new(Recorder::off());
    let polls = Rc::new(RefCell::new(0));
    event_loop.block_on(WakesItself {
        times: 2,
        polls: Rc::clone(&polls),
    });
    assert_eq!(*polls.borrow(), 2);
    let stats = event_loop.stats();
    assert_eq!(stats.by_why[Why::Yielded as usize], 1);
    assert_eq!(stats.wakes_merged, 1);
}

#[test]
fn a_task_woken_twice_from_two_threads_is_polled_once_more() {
    // Both threads wake before the loop can poll (they hold a barrier the
    // future releases only after both woke).
    let mut event_loop = Loop::new(Recorder::off());
    let polls = Rc::new(RefCell::new(0u32));
    let counted = Rc::clone(&polls);
    let woken = Arc::new(AtomicUsize::new(0));
    let mut started = false;
    event_loop.block_on(std::future::poll_fn(move |cx| {
        *counted.borrow_mut() += 1;
        if woken.load(Ordering::Acquire) == 2 {
            return Poll::Ready(());
        }
        if !started {
            started = true;
            let barrier = Arc::new(std::sync::Barrier::new(2));
            for _ in 0..2 {
                let (waker, woken, barrier) =
                    (cx.waker().clone(), Arc::clone(&woken), Arc::clone(&barrier));
                thread::spawn(move || {
                    barrier.wait();
                    woken.fetch_add(1, Ordering::AcqRel);
                    waker.wake();
                });
            }
        }
        Poll::Pending
    }));
    // One poll to start; then one or two more (if the loop polled between
    // the two wakes, the second wake queues it again), never a lost wake.
    let polls = *polls.borrow();
    assert!((2..=3).contains(&polls), "{polls} polls");
}

#[test]
fn a_wake_after_the_end_is_ignored() {
    let mut event_loop = Loop::new(Recorder::off());
    let waker = event_loop.block_on(std::future::poll_fn(|cx| Poll::Ready(cx.waker().clone())));
    waker.wake_by_ref();
    waker.wake();
    // The loop runs again cleanly: the stale wakes were dropped.
    assert_eq!(event_loop.block_on(async { 1 }), 1);
}

#[test]
fn yielding_tasks_take_turns_and_timers_get_in_between() {
    let mut event_loop = Loop::new(Recorder::off());
    let order = Rc::new(RefCell::new(Vec::new()));
    event_loop.block_on({
        let order = Rc::clone(&order);
        async move {
            let a = {
                let order = Rc::clone(&order);
                spawn("a", async move {
                    for _ in 0..3 {
                        order.borrow_mut().push("a");
                        yield_now().await;
                    }
                })
            };
            let b = {
                let order = Rc::clone(&order);
                spawn("b", async move {
                    for _ in 0..3 {
                        order.borrow_mut().push("b");
                        yield_now().await;
                    }
                })
            };
            a.await;
            b.await;
        }
    });
    assert_eq!(*order.borrow(), ["a", "b", "a", "b", "a", "b"]);

    // A task that yields in a loop does not starve a timer.
    let ticked = Rc::new(RefCell::new(false));
    let spins = event_loop.block_on({
        let ticked = Rc::clone(&ticked);
        async move {
            let tick = {
                let ticked = Rc::clone(&ticked);
                spawn("tick", async move {
                    sleep(Duration::from_millis(5)).await;
                    *ticked.borrow_mut() = true;
                })
            };
            let mut spins = 0u64;
            while !*ticked.borrow() {
                spins += 1;
                yield_now().await;
            }
            tick.await;
            spins
        }
    });
    assert!(spins > 0);
}

#[test]
fn a_computing_task_holds_every_other_task() {
    let mut event_loop = Loop::new(Recorder::new());
    let lateness = event_loop.block_on(async {
        let tick = spawn("tick", async {
            let asked = Instant::now();
            sleep(Duration::from_millis(1)).await;
            asked.elapsed()
        });
        let hog = spawn("hog", async {
            let start = Instant::now();
            while start.elapsed() < Duration::from_millis(30) {
                std::hint::spin_loop();
            }
        });
        hog.await;
        tick.await
    });
    // The tick could only run after the hog's poll returned.
    assert!(lateness >= Duration::from_millis(30), "{lateness:?}");
    let timeline = event_loop.into_recorder().finish("hog");
    let tick = timeline.lanes.iter().find(|l| l.name == "tick").unwrap();
    let waited = tick
        .spans
        .iter()
        .filter(|s| s.state == State::WaitingCpu)
        .map(|s| s.end_us - s.start_us)
        .max()
        .unwrap();
    assert!(waited >= 25_000, "the tick waited {waited} µs for the loop");
}

#[test]
#[should_panic(expected = "needs a running mini::Loop")]
fn sleep_outside_a_loop_is_a_clear_panic() {
    let mut sleep = Box::pin(sleep(Duration::from_millis(1)));
    let waker = Waker::noop();
    let _ = sleep.as_mut().poll(&mut Context::from_waker(waker));
}

//! The waiter's FIFO promise under load: a request that waits is never
//! overtaken by a later request that shares a resource with it, whichever
//! entry point the later request uses.
//!
//! Each round: a holder takes resource `HELD`; W asks for resources
//! `0..=HELD` and waits (resource 0 has 3 units, so 2 stay free; the others
//! up to `HELD` are free); newcomers then hammer one unit of resource 0
//! through one entry point, while churn threads keep joining and leaving the
//! line on two other resources (one of them always held), so the line is
//! walked, and W looked at, again and again. W cannot be granted before the
//! holder gives `HELD` back, so every grant a newcomer gets before then is
//! an overtake. The count must be 0.
//!
//! A panic in any thread aborts the process (after printing it): a barrier
//! left waiting would otherwise hang the test instead of failing it.
//!
//! `WAITER_STRESS_SECONDS` sets how long each entry point is hammered
//! (default 3).

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use waiter::{Grant, Waiter};

fn seconds() -> f64 {
    std::env::var("WAITER_STRESS_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3.0)
}

/// How a newcomer asks.
#[derive(Clone, Copy, Debug)]
enum Entry {
    Acquire,
    TryAcquire,
    AcquireTimeout,
    AcquireAsync,
}

/// A waker that counts its wake-ups.
#[derive(Default)]
struct Flag(AtomicUsize);

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// The resource W waits for, held by someone else all round.
const HELD: usize = 63;
/// Churn: requests for `CHURN` join the line and leave; `BLOCKED` is
/// always held.
const CHURN: usize = HELD + 1;
const BLOCKED: usize = HELD + 2;
/// Resource 0 has spare units; every other resource has one.
const CAPACITY: [usize; BLOCKED + 1] = {
    let mut capacity = [1; BLOCKED + 1];
    capacity[0] = 3;
    capacity
};

/// One newcomer's request for a unit of resource 0 (`i` varies the
/// timeouts and how a future is given up).
fn ask<'a>(
    waiter: &'a Waiter,
    entry: Entry,
    i: usize,
    runtime: &tokio::runtime::Runtime,
    waker: &Waker,
) -> Option<Grant<'a>> {
    match entry {
        Entry::Acquire => Some(waiter.acquire([0]).unwrap()),
        Entry::TryAcquire => waiter.try_acquire([0]).unwrap(),
        Entry::AcquireTimeout => {
            let timeout = Duration::from_micros(if i.is_multiple_of(8) { 100 } else { 0 });
            waiter.acquire_timeout([0], timeout).unwrap()
        }
        // Mostly polled once and dropped (as a `select!` would), now and
        // then run by an executor with a timeout.
        Entry::AcquireAsync if i.is_multiple_of(64) => runtime
            .block_on(async {
                tokio::time::timeout(Duration::from_micros(100), waiter.acquire_async([0])).await
            })
            .ok()
            .map(Result::unwrap),
        Entry::AcquireAsync => {
            let mut future = waiter.acquire_async([0]);
            match Pin::new(&mut future).poll(&mut Context::from_waker(waker)) {
                Poll::Ready(grant) => Some(grant.unwrap()),
                Poll::Pending => None,
            }
        }
    }
}

/// Turns a panic into an abort once its message is printed.
struct AbortOnPanic;

impl Drop for AbortOnPanic {
    fn drop(&mut self) {
        if std::thread::panicking() {
            std::process::abort();
        }
    }
}

#[derive(Default)]
struct Counts {
    rounds: AtomicUsize,
    asked: AtomicUsize,
    overtakes: AtomicUsize,
    churned: AtomicUsize,
}

fn hammer(entry: Entry) {
    // Blocked or yielding newcomers cost little CPU: more of them.
    let newcomers = match entry {
        Entry::Acquire => 6,
        Entry::AcquireTimeout => 8,
        Entry::TryAcquire | Entry::AcquireAsync => 2,
    };
    const CHURNERS: usize = 2;
    let waiter = Waiter::new(CAPACITY).unwrap();
    let counts = Counts::default();
    let holding = AtomicBool::new(false);
    let done = AtomicBool::new(false);
    // The driver and the newcomers meet at the start and the end of a round.
    let start = Barrier::new(newcomers + 1);
    let end = Barrier::new(newcomers + 1);
    let flag = Arc::new(Flag::default());
    // Resource 5 stays held: a request for it joins the line, and leaving
    // walks it.
    let blocker = waiter.acquire([BLOCKED]).unwrap();
    let until = Instant::now() + Duration::from_secs_f64(seconds());
    std::thread::scope(|s| {
        for seed in 0..CHURNERS {
            let (waiter, done, counts, flag) = (&waiter, &done, &counts, &flag);
            s.spawn(move || {
                let _abort = AbortOnPanic;
                let waker = Waker::from(Arc::clone(flag));
                let mut i = seed;
                while !done.load(Ordering::Relaxed) {
                    i += 1;
                    match i % 4 {
                        // Join, then leave: a walk of the line.
                        0 | 1 => {
                            let mut leaver = waiter.acquire_async([CHURN, BLOCKED]);
                            let polled =
                                Pin::new(&mut leaver).poll(&mut Context::from_waker(&waker));
                            assert!(polled.is_pending(), "granted a held resource");
                        }
                        2 => {
                            let timeout = Duration::ZERO;
                            let grant = waiter.acquire_timeout([BLOCKED], timeout).unwrap();
                            assert!(grant.is_none(), "granted a held resource");
                        }
                        // Real grants, which the leavers wait for too.
                        _ => drop(waiter.acquire([CHURN]).unwrap()),
                    }
                    counts.churned.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        for _ in 0..newcomers {
            let (waiter, done, counts, holding, start, end, flag) =
                (&waiter, &done, &counts, &holding, &start, &end, &flag);
            s.spawn(move || {
                let _abort = AbortOnPanic;
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_time()
                    .build()
                    .unwrap();
                let waker = Waker::from(Arc::clone(flag));
                let mut i = 0;
                loop {
                    start.wait();
                    if done.load(Ordering::SeqCst) {
                        return;
                    }
                    while holding.load(Ordering::SeqCst) {
                        counts.asked.fetch_add(1, Ordering::SeqCst);
                        i += 1;
                        let grant = ask(waiter, entry, i, &runtime, &waker);
                        // W cannot be granted while HELD is held:
                        // a grant now went before it.
                        if grant.is_some() && holding.load(Ordering::SeqCst) {
                            counts.overtakes.fetch_add(1, Ordering::SeqCst);
                        }
                        drop(grant);
                    }
                    end.wait();
                }
            });
        }
        let _abort = AbortOnPanic;
        let waker = Waker::from(Arc::clone(&flag));
        while Instant::now() < until {
            let held = waiter.acquire([HELD]).unwrap();
            let mut w = waiter.acquire_async(Vec::from_iter(0..=HELD));
            let polled = Pin::new(&mut w).poll(&mut Context::from_waker(&waker));
            assert!(polled.is_pending(), "W was granted with HELD held");
            holding.store(true, Ordering::SeqCst);
            let asked_before = counts.asked.load(Ordering::SeqCst);
            start.wait();
            std::thread::sleep(Duration::from_millis(2));
            // Every newcomer asks at least once a round, however busy the
            // machine (they were all at the start line: none had asked).
            let round_start = Instant::now();
            while counts.asked.load(Ordering::SeqCst) < asked_before + newcomers {
                assert!(
                    round_start.elapsed() < Duration::from_secs(10),
                    "newcomers never asked"
                );
                std::thread::yield_now();
            }
            holding.store(false, Ordering::SeqCst);
            drop(held);
            let granted = Instant::now();
            let grant = loop {
                if let Poll::Ready(grant) = Pin::new(&mut w).poll(&mut Context::from_waker(&waker))
                {
                    break grant.unwrap();
                }
                assert!(
                    granted.elapsed() < Duration::from_secs(10),
                    "W never granted after HELD came back"
                );
                std::thread::yield_now();
            };
            drop((grant, w));
            end.wait();
            counts.rounds.fetch_add(1, Ordering::Relaxed);
        }
        done.store(true, Ordering::SeqCst);
        start.wait();
    });
    drop(blocker);
    let (rounds, asked, overtakes, churned) = (
        counts.rounds.into_inner(),
        counts.asked.into_inner(),
        counts.overtakes.into_inner(),
        counts.churned.into_inner(),
    );
    println!(
        "{entry:?}: {rounds} rounds, {asked} requests by newcomers, {churned} churn requests, {overtakes} overtakes"
    );
    assert_eq!(
        overtakes, 0,
        "{entry:?}: newcomers overtook a waiting request"
    );
    assert!(
        rounds >= 10 && asked >= rounds * newcomers,
        "{entry:?}: too little was tried"
    );
    assert!(churned >= 10, "the line was hardly churned");
    assert_eq!(waiter.available(), CAPACITY, "every unit came back");
    assert_eq!(waiter.waiting(), 0);
}

#[test]
fn no_acquire_overtakes_a_waiting_request() {
    hammer(Entry::Acquire);
}

#[test]
fn no_try_acquire_overtakes_a_waiting_request() {
    hammer(Entry::TryAcquire);
}

#[test]
fn no_acquire_timeout_overtakes_a_waiting_request() {
    hammer(Entry::AcquireTimeout);
}

#[test]
fn no_acquire_async_overtakes_a_waiting_request() {
    hammer(Entry::AcquireAsync);
}

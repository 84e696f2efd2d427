//! Model-checked waiter: every interleaving (to a preemption bound) of a few
//! threads asking for overlapping sets. A shadow count per resource proves
//! no capacity is ever exceeded, and loom fails any lost wake-up as a
//! deadlock.
//!
//! Run with:
//! `RUSTFLAGS="--cfg loom" cargo test -p waiter --lib --release loom_`

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::thread;

use super::{Grant, Policy, Request, Waiter};

fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(3);
    builder.check(f);
}

/// Holds `request` from `waiter` while checking the shadow counts.
fn hold(waiter: &Waiter, request: Request, shadow: &[AtomicUsize], capacity: &[usize]) {
    let grant = waiter.acquire(request.clone()).unwrap();
    use_units(grant, shadow, capacity);
}

/// Counts `grant`'s units in the shadow while it is held, checking the
/// capacities, then gives it back.
fn use_units(grant: Grant<'_>, shadow: &[AtomicUsize], capacity: &[usize]) {
    for &(resource, units) in grant.request().parts() {
        let before = shadow[resource].fetch_add(units, Ordering::SeqCst);
        assert!(
            before + units <= capacity[resource],
            "resource {resource} over capacity"
        );
    }
    for &(resource, units) in grant.request().parts() {
        shadow[resource].fetch_sub(units, Ordering::SeqCst);
    }
    drop(grant);
}

fn run(policy: Policy, capacity: Vec<usize>, requests: Vec<Request>) {
    let waiter = Arc::new(
        Waiter::builder()
            .capacities(capacity.clone())
            .policy(policy)
            .build()
            .unwrap(),
    );
    let shadow: Arc<Vec<AtomicUsize>> =
        Arc::new(capacity.iter().map(|_| AtomicUsize::new(0)).collect());
    let capacity = Arc::new(capacity);
    let mut requests = requests.into_iter();
    let mine = requests.next().unwrap();
    let others: Vec<_> = requests
        .map(|request| {
            let (waiter, shadow, capacity) = (waiter.clone(), shadow.clone(), capacity.clone());
            thread::spawn(move || hold(&waiter, request, &shadow, &capacity))
        })
        .collect();
    hold(&waiter, mine, &shadow, &capacity);
    for other in others {
        other.join().unwrap();
    }
    assert_eq!(waiter.available(), *capacity);
    assert_eq!(waiter.waiting(), 0);
}

#[test]
fn loom_three_philosophers_round_three_forks() {
    for policy in [Policy::Fifo, Policy::Greedy] {
        model(move || {
            run(
                policy,
                vec![1, 1, 1],
                vec![[0, 1].into(), [1, 2].into(), [2, 0].into()],
            );
        });
    }
}

#[test]
fn loom_a_pile_of_two_never_hands_out_three() {
    model(|| {
        run(
            Policy::Fifo,
            vec![2, 1],
            vec![
                Request::new().units(0, 2),
                Request::new().units(0, 1).units(1, 1),
                Request::from([1]),
            ],
        );
    });
}

/// Takes `request` without waiting, if the policy lets it, while checking
/// the shadow counts; returns whether it got it.
fn try_hold(waiter: &Waiter, request: Request, shadow: &[AtomicUsize], capacity: &[usize]) -> bool {
    let Some(grant) = waiter.try_acquire(request).unwrap() else {
        return false;
    };
    use_units(grant, shadow, capacity);
    true
}

/// Three requesters of one unit each from a pile of two: never more than
/// two units out, and under FIFO the third is granted when one comes back.
/// Caught: `give_back` ignoring waiters (deadlock); `take_one` overdrawing (over capacity).
#[test]
fn loom_a_pile_of_two_serves_three_singles() {
    model(|| {
        let one = Request::new().units(0, 1);
        run(Policy::Fifo, vec![2], vec![one.clone(), one.clone(), one]);
    });
}

/// A newcomer's `try_acquire` of two forks briefly holds fork 0 while a
/// blocking `acquire` of fork 0 joins the line; fork 1 is held, so the
/// newcomer puts fork 0 back, and must then let the line move: nobody else
/// will give fork 0 back. Then the holder releases and tries again.
/// Caught: `attempt` ignoring `wake_line` (the waiting thread sleeps for ever).
#[test]
fn loom_try_acquire_hands_back_to_a_waiter() {
    model(|| {
        let capacity = vec![1, 1];
        let waiter = Arc::new(Waiter::new(capacity.clone()).unwrap());
        let shadow: Arc<Vec<AtomicUsize>> =
            Arc::new(capacity.iter().map(|_| AtomicUsize::new(0)).collect());
        let capacity = Arc::new(capacity);
        let held = waiter.acquire([1]).unwrap();
        let blocking = {
            let (waiter, shadow, capacity) = (waiter.clone(), shadow.clone(), capacity.clone());
            thread::spawn(move || hold(&waiter, Request::from([0]), &shadow, &capacity))
        };
        let both = try_hold(&waiter, Request::from([0, 1]), &shadow, &capacity);
        assert!(!both, "granted a fork that is held");
        drop(held);
        try_hold(&waiter, Request::from([0]), &shadow, &capacity);
        blocking.join().unwrap();
        assert_eq!(waiter.available(), *capacity);
        assert_eq!(waiter.waiting(), 0);
    });
}

/// A request that leaves the line (an `acquire_async` future polled once,
/// then dropped) races the release that would grant it, with a blocking
/// request behind it that it holds back under FIFO. Either it is granted
/// (and its drop gives the units back), or it leaves and the line moves on:
/// the units are never lost and the request behind is always granted.
/// `acquire_timeout` leaves through the same `Line::leave`; it is not
/// modelled itself because its wake-up is an `unpark`, and loom's `unpark`
/// also wakes a thread blocked on a mutex, which then fails the model
/// although `std` would only keep the token (tokio-rs/loom#249).
/// Caught: a dropped future keeping its grant (units lost); `leave` not running the line.
#[test]
fn loom_leaving_races_the_release_that_grants_it() {
    model(|| {
        let capacity = vec![1, 1];
        let waiter = Arc::new(Waiter::new(capacity.clone()).unwrap());
        let shadow: Arc<Vec<AtomicUsize>> =
            Arc::new(capacity.iter().map(|_| AtomicUsize::new(0)).collect());
        let capacity = Arc::new(capacity);
        let held = waiter.acquire([0]).unwrap();
        let leaving = {
            let (waiter, shadow, capacity) = (waiter.clone(), shadow.clone(), capacity.clone());
            thread::spawn(move || {
                let mut acquire = waiter.acquire_async([0, 1]);
                let mut cx = Context::from_waker(Waker::noop());
                if let Poll::Ready(grant) = Pin::new(&mut acquire).poll(&mut cx) {
                    use_units(grant.unwrap(), &shadow, &capacity);
                }
                drop(acquire);
            })
        };
        let behind = {
            let (waiter, shadow, capacity) = (waiter.clone(), shadow.clone(), capacity.clone());
            thread::spawn(move || hold(&waiter, Request::from([1]), &shadow, &capacity))
        };
        drop(held);
        leaving.join().unwrap();
        behind.join().unwrap();
        assert_eq!(waiter.available(), *capacity, "units lost");
        assert_eq!(waiter.waiting(), 0);
    });
}

/// Polls `future` once with a waker that does nothing.
fn poll_once<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
    Pin::new(future).poll(&mut Context::from_waker(Waker::noop()))
}

/// FIFO no-overtake under a race: W waits for `[0, 1]` (resource 0 has a
/// spare unit, 1 is held), so it reserves resource 0. A line walk (X joining
/// behind W, then leaving) looks at W again while a newcomer tries one unit
/// of resource 0:
/// the newcomer must get nothing while W waits, in every interleaving.
/// Caught: a walk that removes W's "waiting" marks part by part as it takes
/// units, then puts them back when a later part does not fit (the newcomer
/// sees no waiter and a free unit in between).
#[test]
fn loom_a_newcomer_never_overtakes_a_waiter_mid_walk() {
    model(|| {
        let waiter = Arc::new(Waiter::new([2, 1, 1]).unwrap());
        let held = waiter.acquire([1, 2]).unwrap();
        let mut w = waiter.acquire_async([0, 1]);
        assert!(poll_once(&mut w).is_pending());
        assert_eq!(waiter.waiting(), 1);
        // X joins behind W and leaves: leaving walks the line, W first.
        let walk = {
            let waiter = waiter.clone();
            thread::spawn(move || {
                let mut x = waiter.acquire_async([2]);
                assert!(poll_once(&mut x).is_pending());
            })
        };
        let newcomer = {
            let waiter = waiter.clone();
            thread::spawn(move || waiter.try_acquire([0]).unwrap().is_some())
        };
        assert!(!newcomer.join().unwrap(), "the newcomer overtook W");
        walk.join().unwrap();
        drop(held);
        let Poll::Ready(grant) = poll_once(&mut w) else {
            panic!("W not granted once [1] came back");
        };
        drop(grant.unwrap());
        drop(w);
        assert_eq!(waiter.available(), [2, 1, 1]);
        assert_eq!(waiter.waiting(), 0);
    });
}

/// A waker that looks at the line (takes the waiter's lock) when woken, as
/// a task polled inline from `wake` would.
struct LookingWaker {
    waiter: Arc<Waiter>,
    woken: AtomicUsize,
}

impl std::task::Wake for LookingWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let _ = self.waiter.waiting();
        self.woken.fetch_add(1, Ordering::SeqCst);
    }
}

/// Wakers run outside the line's lock: a release grants a waiting future
/// whose waker takes that lock, while another thread races for the same
/// resource. Nobody deadlocks, the future is woken once and granted.
/// Caught: waking inside the walk, under the lock (the releasing thread
/// locks the line twice: loom reports the deadlock).
#[test]
fn loom_a_waker_that_takes_the_lock_is_called_outside_it() {
    model(|| {
        let waiter = Arc::new(Waiter::new([1]).unwrap());
        let looking = Arc::new(LookingWaker {
            waiter: waiter.clone(),
            woken: AtomicUsize::new(0),
        });
        let waker = Waker::from(looking.clone());
        let held = waiter.acquire([0]).unwrap();
        let mut future = waiter.acquire_async([0]);
        let polled = Pin::new(&mut future).poll(&mut Context::from_waker(&waker));
        assert!(polled.is_pending());
        let racer = {
            let waiter = waiter.clone();
            thread::spawn(move || {
                // FIFO: the future waits first, so the racer gets nothing
                // while it does.
                let got = waiter.try_acquire([0]).unwrap().is_some();
                let _ = waiter.waiting();
                got
            })
        };
        drop(held);
        let raced = racer.join().unwrap();
        let Poll::Ready(grant) = poll_once(&mut future) else {
            // Only possible if the racer took it first: then it is back.
            panic!("the waiting future was not granted (racer got it: {raced})");
        };
        assert!(!raced, "the racer overtook the waiting future");
        drop(grant.unwrap());
        drop(future);
        assert_eq!(looking.woken.load(Ordering::SeqCst), 1);
        assert_eq!(waiter.available(), [1]);
        assert_eq!(waiter.waiting(), 0);
    });
}

//! The rows of the contract the other tests do not cover: a resource named
//! twice, a future dropped once granted, a holder that panics, what Greedy
//! still promises, and FIFO refusing an overtake through every entry point.

use std::task::Poll;
use std::thread;
use std::time::Duration;

use super::test::{poll_once, until_waiting};
use super::*;

/// Naming a resource twice adds up: two units, granted and given back
/// together; more than the capacity is an error, not a wait.
#[test]
fn a_resource_named_twice_is_two_units_of_it() {
    let waiter = Waiter::new([2, 1]).unwrap();
    let twice = waiter.acquire([0, 1, 0]).unwrap();
    assert_eq!(twice.request().parts(), [(0, 2), (1, 1)]);
    assert_eq!(waiter.available(), [0, 0]);
    drop(twice);
    assert_eq!(waiter.available(), [2, 1]);
    let by_units = Request::new().units(0, 1).units(0, 1);
    assert_eq!(by_units, Request::from([0, 0]));
    assert!(matches!(
        waiter.try_acquire([1, 1]),
        Err(WaiterError::ExceedsCapacity {
            resource: 1,
            units: 2,
            capacity: 1
        })
    ));
}

/// A future granted while nobody polls it, then dropped: its units go back
/// at once and the line moves on to the request behind it.
#[test]
fn a_future_dropped_after_its_grant_gives_the_units_back() {
    let waiter = Waiter::new([1, 1]).unwrap();
    let held = waiter.acquire([0]).unwrap();
    let mut granted = waiter.acquire_async([0, 1]);
    assert!(poll_once(&mut granted).is_pending());
    let mut behind = waiter.acquire_async([1]);
    assert!(poll_once(&mut behind).is_pending());
    drop(held);
    // Granted in the line, never polled again.
    assert_eq!(waiter.available(), [0, 0]);
    assert_eq!(waiter.waiting(), 1);
    drop(granted);
    assert_eq!(waiter.waiting(), 0);
    let Poll::Ready(grant) = poll_once(&mut behind) else {
        panic!("the request behind the dropped future was not granted");
    };
    assert_eq!(waiter.available(), [1, 0]);
    drop(grant.unwrap());
    assert_eq!(waiter.available(), [1, 1]);
}

/// A holder that panics gives its set back as it unwinds; a request that
/// waited for it is granted, and the waiter goes on working.
#[test]
fn a_holder_that_panics_gives_back_and_the_line_moves() {
    let waiter = Waiter::new([1, 1]).unwrap();
    thread::scope(|s| {
        let grant = waiter.acquire([0, 1]).unwrap();
        let waiting = s.spawn(|| drop(waiter.acquire([1]).unwrap()));
        until_waiting(&waiter, 1);
        let holder = s.spawn(move || {
            let _grant = grant;
            panic!("the holder fails on purpose");
        });
        assert!(holder.join().is_err());
        waiting.join().unwrap();
    });
    assert_eq!(waiter.available(), [1, 1]);
    assert_eq!(waiter.waiting(), 0);
    drop(waiter.acquire([0, 1]).unwrap());
}

/// What Greedy still promises: all or nothing, and the line is looked at
/// in arrival order, so of two waiters that both fit, the first goes
/// first; and what it does not: a newcomer may take what a waiter wants.
#[test]
fn greedy_serves_the_line_in_arrival_order_but_lets_newcomers_in() {
    let waiter = Waiter::builder()
        .capacities([1, 2])
        .policy(Policy::Greedy)
        .build()
        .unwrap();
    let held = waiter.acquire([0]).unwrap();
    let mut first = waiter.acquire_async([0]);
    assert!(poll_once(&mut first).is_pending());
    let mut second = waiter.acquire_async([0]);
    assert!(poll_once(&mut second).is_pending());
    drop(held);
    let Poll::Ready(granted) = poll_once(&mut first) else {
        panic!("the first in line goes first");
    };
    assert!(poll_once(&mut second).is_pending());
    drop(granted);
    assert!(poll_once(&mut second).is_ready());
    drop((first, second));

    // W waits for [0, 1]; resource 1 has a spare unit, and Greedy gives it
    // to a newcomer (FIFO would not: `fifo_still_lets_unrelated_requests_pass`).
    let held = waiter.acquire([0]).unwrap();
    let mut w = waiter.acquire_async(Request::new().units(0, 1).units(1, 1));
    assert!(poll_once(&mut w).is_pending());
    let newcomer = waiter.try_acquire(Request::new().units(1, 1)).unwrap();
    assert!(newcomer.is_some(), "Greedy lets a newcomer in");
    drop((held, newcomer));
    assert!(poll_once(&mut w).is_ready());
}

/// FIFO: while W waits for `[0, 1]` (0 has a spare unit, 1 is held), no
/// entry point grants a later request for resource 0, and each of them is
/// served after W once 1 comes back.
#[test]
fn fifo_refuses_an_overtake_through_every_entry_point() {
    let waiter = Waiter::new([2, 1]).unwrap();
    let held = waiter.acquire([1]).unwrap();
    let mut w = waiter.acquire_async([0, 1]);
    assert!(poll_once(&mut w).is_pending());
    assert!(waiter.try_acquire([0]).unwrap().is_none());
    assert!(
        waiter
            .acquire_timeout([0], Duration::from_millis(20))
            .unwrap()
            .is_none()
    );
    let mut later = waiter.acquire_async([0]);
    assert!(poll_once(&mut later).is_pending());
    thread::scope(|s| {
        let blocking = s.spawn(|| drop(waiter.acquire([0]).unwrap()));
        until_waiting(&waiter, 3);
        assert_eq!(waiter.available(), [2, 0], "resource 0 stays reserved");
        drop(held);
        assert!(poll_once(&mut w).is_ready(), "W first");
        blocking.join().unwrap();
    });
    assert!(poll_once(&mut later).is_ready());
    drop((w, later));
    assert_eq!(waiter.available(), [2, 1]);
}

/// A bad request's future gives its error at every poll; a future that
/// returned its grant panics if polled again instead of granting twice.
#[test]
fn an_acquire_future_resolves_once() {
    let waiter = Waiter::new([1]).unwrap();
    let mut bad = waiter.acquire_async([3]);
    for _ in 0..2 {
        let Poll::Ready(Err(error)) = poll_once(&mut bad) else {
            panic!("a bad request resolves to its error");
        };
        assert!(matches!(
            error,
            WaiterError::UnknownResource { resource: 3, .. }
        ));
    }
    let mut good = waiter.acquire_async([0]);
    let Poll::Ready(grant) = poll_once(&mut good) else {
        panic!("a free resource is granted at once");
    };
    let grant = grant.unwrap();
    let again = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| poll_once(&mut good)));
    let message = again.expect_err("a second poll panics");
    assert_eq!(
        message.downcast_ref::<&str>(),
        Some(&"`Acquire` polled after it returned its grant")
    );
    assert_eq!(waiter.available(), [0], "no second grant");
    drop((grant, good));
    assert_eq!(waiter.available(), [1]);
}

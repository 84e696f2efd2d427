//! Behaviour of the waiter: all or nothing, capacity, the FIFO contract,
//! greedy starvation, time slices, timeouts, async, bad requests.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

use super::*;

/// Polls `future` once with `waker`.
pub(super) fn poll_with<F: Future + Unpin>(future: &mut F, waker: &Waker) -> Poll<F::Output> {
    Pin::new(future).poll(&mut Context::from_waker(waker))
}

/// Polls `future` once with a waker that does nothing.
pub(super) fn poll_once<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
    poll_with(future, Waker::noop())
}

/// Waits (generously) until `waiter` has `n` requests in line.
pub(super) fn until_waiting(waiter: &Waiter, n: usize) {
    let start = Instant::now();
    while waiter.waiting() != n {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "never saw {n} waiting"
        );
        thread::yield_now();
    }
}

#[test]
fn grants_all_or_nothing_and_gives_back_on_drop() {
    let waiter = Waiter::new([1, 1, 1]).unwrap();
    let a = waiter.acquire([0, 1]).unwrap();
    assert_eq!(waiter.available(), [0, 0, 1]);
    // 1 is busy, so [1, 2] takes nothing, not even 2.
    assert!(waiter.try_acquire([1, 2]).unwrap().is_none());
    assert_eq!(waiter.available(), [0, 0, 1]);
    drop(a);
    assert_eq!(waiter.available(), [1, 1, 1]);
    let b = waiter.try_acquire([1, 2]).unwrap().unwrap();
    assert_eq!(b.request().parts(), [(1, 1), (2, 1)]);
}

#[test]
fn a_pile_grants_units_up_to_its_capacity() {
    // The note: "5 philosophers and 2 forks": one pile of two.
    let pile = Waiter::new([2]).unwrap();
    let first = pile.acquire(Request::new().units(0, 2)).unwrap();
    assert!(pile.try_acquire([0]).unwrap().is_none());
    drop(first);
    let one = pile.acquire([0]).unwrap();
    let other = pile.acquire([0]).unwrap();
    assert_eq!(pile.available(), [0]);
    drop((one, other));
    assert_eq!(pile.available(), [2]);
}

#[test]
fn invalid_requests_are_clear_errors() {
    let waiter = Waiter::new([1, 2]).unwrap();
    assert_eq!(
        waiter.acquire(Request::new()).unwrap_err(),
        WaiterError::EmptyRequest
    );
    let unknown = waiter.acquire([5]).unwrap_err();
    assert_eq!(
        unknown.to_string(),
        "unknown resource 5: this waiter has resources 0..2"
    );
    let too_many = waiter.try_acquire(Request::new().units(1, 3)).unwrap_err();
    assert_eq!(
        too_many.to_string(),
        "resource 1 has 2 unit(s); 3 can never be granted"
    );
    // Duplicates add up: [0, 0] is two units of a one-unit resource.
    assert!(matches!(
        waiter.acquire_timeout([0, 0], Duration::from_secs(1)),
        Err(WaiterError::ExceedsCapacity { .. })
    ));
    assert_eq!(Waiter::new([]).unwrap_err(), WaiterError::NoResources);
    assert_eq!(
        Waiter::new([1, 0]).unwrap_err(),
        WaiterError::ZeroCapacity { resource: 1 }
    );
}

/// Every way to ask wrongly, through every entry point: each gives its
/// error at once (no panic, no wait, nothing taken), even with the
/// resources busy and somebody in line.
#[test]
fn every_bad_request_is_its_error_from_every_entry_point() {
    let waiter = Waiter::new([1, 2, 1, 1, 1]).unwrap();
    let cases: Vec<(Request, WaiterError)> = vec![
        (Request::new(), WaiterError::EmptyRequest),
        // Unknown, whatever the units: zero, one, many, beside good parts.
        (
            Request::new().units(9, 0).units(1, 1),
            WaiterError::UnknownResource {
                resource: 9,
                resources: 5,
            },
        ),
        (
            Request::new().units(9, 0),
            WaiterError::UnknownResource {
                resource: 9,
                resources: 5,
            },
        ),
        (
            Request::from([5]),
            WaiterError::UnknownResource {
                resource: 5,
                resources: 5,
            },
        ),
        (
            Request::new().units(0, 1).units(usize::MAX, 7),
            WaiterError::UnknownResource {
                resource: usize::MAX,
                resources: 5,
            },
        ),
        (
            Request::new().units(7, usize::MAX),
            WaiterError::UnknownResource {
                resource: 7,
                resources: 5,
            },
        ),
        // Zero units of a resource that exists, alone or beside others,
        // even when another part names it with units.
        (
            Request::new().units(1, 0),
            WaiterError::ZeroUnits { resource: 1 },
        ),
        (
            Request::from([0, 2]).units(4, 0),
            WaiterError::ZeroUnits { resource: 4 },
        ),
        (
            Request::new().units(1, 0).units(1, 1),
            WaiterError::ZeroUnits { resource: 1 },
        ),
        // More than the capacity, asked at once or by naming it twice.
        (
            Request::new().units(1, 3),
            WaiterError::ExceedsCapacity {
                resource: 1,
                units: 3,
                capacity: 2,
            },
        ),
        (
            Request::from([0, 0]),
            WaiterError::ExceedsCapacity {
                resource: 0,
                units: 2,
                capacity: 1,
            },
        ),
        (
            Request::new().units(1, usize::MAX).units(1, usize::MAX),
            WaiterError::ExceedsCapacity {
                resource: 1,
                units: usize::MAX,
                capacity: 2,
            },
        ),
    ];
    // Busy resources and a request in line: an error must not wait.
    let held = waiter.acquire([0, 1, 2]).unwrap();
    thread::scope(|s| {
        s.spawn(|| drop(waiter.acquire([2, 3]).unwrap()));
        until_waiting(&waiter, 1);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        for (request, error) in &cases {
            let forever = Duration::from_secs(3600);
            assert_eq!(waiter.acquire(request).err().as_ref(), Some(error));
            assert_eq!(waiter.try_acquire(request).err().as_ref(), Some(error));
            assert_eq!(
                waiter.acquire_timeout(request, forever).err().as_ref(),
                Some(error)
            );
            let by_future = runtime.block_on(waiter.acquire_async(request));
            assert_eq!(by_future.err().as_ref(), Some(error), "{request:?}");
            assert!(!error.to_string().is_empty());
        }
        assert_eq!(waiter.available(), [0, 1, 0, 1, 1], "nothing taken");
        assert_eq!(waiter.waiting(), 1, "nothing joined the line");
        drop(held);
    });
    assert_eq!(
        WaiterError::ZeroUnits { resource: 3 }.to_string(),
        "zero units of resource 3: ask for at least 1 unit of each resource named"
    );
}

/// Every bad configuration is its error; the largest capacity is fine.
#[test]
fn every_bad_configuration_is_its_error() {
    let too_large = MAX_CAPACITY.checked_add(1);
    if let Some(capacity) = too_large {
        assert_eq!(
            Waiter::new([1, capacity]).unwrap_err(),
            WaiterError::CapacityTooLarge {
                resource: 1,
                capacity
            }
        );
        assert_eq!(
            Waiter::new([usize::MAX]).unwrap_err(),
            WaiterError::CapacityTooLarge {
                resource: 0,
                capacity: usize::MAX
            }
        );
    }
    // The first problem found, in the order the docs list them.
    assert_eq!(
        Waiter::new([0, usize::MAX]).unwrap_err(),
        WaiterError::ZeroCapacity { resource: 0 }
    );
    assert_eq!(
        Waiter::builder().lease(Duration::ZERO).build().unwrap_err(),
        WaiterError::NoResources
    );
    let largest = Waiter::new([MAX_CAPACITY]).unwrap();
    let all = largest
        .acquire(Request::new().units(0, MAX_CAPACITY))
        .unwrap();
    assert_eq!(largest.available(), [0]);
    drop(all);
    assert_eq!(largest.available(), [MAX_CAPACITY]);
    // Extreme leases and timeouts are no errors: a lease too long for
    // the clock never runs out; a zero lease has run out at once.
    let forever = Waiter::builder()
        .capacities([1])
        .lease(Duration::MAX)
        .build()
        .unwrap();
    let grant = forever.acquire([0]).unwrap();
    assert!(!grant.expired());
    assert!(
        forever
            .acquire_timeout([0], Duration::ZERO)
            .unwrap()
            .is_none()
    );
    drop(grant);
    assert!(
        forever
            .acquire_timeout([0], Duration::MAX)
            .unwrap()
            .is_some()
    );
    let none = Waiter::builder()
        .capacities([1])
        .lease(Duration::ZERO)
        .build()
        .unwrap();
    assert!(none.acquire([0]).unwrap().expired());
}

#[test]
fn a_blocked_request_is_granted_when_the_holder_gives_back() {
    let waiter = Waiter::new([1, 1]).unwrap();
    let held = waiter.acquire([0]).unwrap();
    thread::scope(|s| {
        let both = s.spawn(|| {
            let grant = waiter.acquire([0, 1]).unwrap();
            grant.request().clone()
        });
        until_waiting(&waiter, 1);
        drop(held);
        assert_eq!(both.join().unwrap(), Request::from([0, 1]));
    });
    assert_eq!(waiter.available(), [1, 1]);
}

/// The crafted scenario: X and Y take turns holding A and B one at a time,
/// so at every moment one of them is busy. Z wants both.
/// Greedy lets X and Y go on forever and Z starves; FIFO makes Y wait
/// behind Z, so Z eats as soon as X gives A back.
fn alternate(policy: Policy, rounds: usize) -> (bool, usize) {
    const A: usize = 0;
    const B: usize = 1;
    let waiter = Waiter::builder()
        .capacities([1, 1])
        .policy(policy)
        .build()
        .unwrap();
    thread::scope(|s| {
        let mut x = Some(waiter.acquire([A]).unwrap());
        s.spawn(|| drop(waiter.acquire([A, B]).unwrap()));
        until_waiting(&waiter, 1);
        let mut y = None;
        let mut y_grants = 0;
        let mut z_fed = false;
        for _ in 0..rounds {
            // Y takes B while X holds A (under FIFO that would overtake Z).
            y = waiter.try_acquire([B]).unwrap();
            y_grants += usize::from(y.is_some());
            // X gives A back, then takes it again while Y holds B.
            x = None;
            if waiter.waiting() == 0 {
                z_fed = true;
                break;
            }
            x = waiter.try_acquire([A]).unwrap();
            // Y gives B back while X holds A.
            y = None;
        }
        drop((x, y));
        (z_fed, y_grants)
    })
}

#[test]
fn fifo_lets_no_conflicting_request_overtake_so_nobody_starves() {
    let (z_fed, y_grants) = alternate(Policy::Fifo, 100);
    assert!(z_fed, "under FIFO, Z gets both resources");
    assert_eq!(y_grants, 0, "Y may not overtake Z on B");
}

#[test]
fn greedy_starves_the_request_for_two_busy_resources() {
    let (z_fed, y_grants) = alternate(Policy::Greedy, 100);
    assert!(
        !z_fed,
        "under greedy, X and Y keep Z out for all 100 rounds"
    );
    assert!(y_grants > 0);
}

#[test]
fn fifo_still_lets_unrelated_requests_pass() {
    let waiter = Waiter::new([1, 1, 1]).unwrap();
    let held = waiter.acquire([0]).unwrap();
    thread::scope(|s| {
        s.spawn(|| drop(waiter.acquire([0, 1]).unwrap()));
        until_waiting(&waiter, 1);
        // Resource 2 is nobody's business: granted at once.
        assert!(waiter.try_acquire([2]).unwrap().is_some());
        // Resource 1 is reserved by the waiting [0, 1].
        assert!(waiter.try_acquire([1]).unwrap().is_none());
        drop(held);
    });
}

#[test]
fn a_timed_out_request_leaves_the_line_and_the_line_moves() {
    let waiter = Waiter::new([1, 1]).unwrap();
    let held = waiter.acquire([0]).unwrap();
    let start = Instant::now();
    assert!(
        waiter
            .acquire_timeout([0, 1], Duration::from_millis(40))
            .unwrap()
            .is_none()
    );
    let waited = start.elapsed();
    assert!(waited >= Duration::from_millis(40) && waited < Duration::from_secs(5));
    assert_eq!(waiter.waiting(), 0);
    // Resource 1 is no longer reserved.
    assert!(waiter.try_acquire([1]).unwrap().is_some());
    drop(held);
}

#[test]
fn a_lease_tells_the_holder_when_the_slice_ran_out() {
    let waiter = Waiter::builder()
        .capacities([1])
        .lease(Duration::from_millis(30))
        .build()
        .unwrap();
    let grant = waiter.acquire([0]).unwrap();
    assert!(!grant.expired());
    assert!(grant.remaining().unwrap() <= Duration::from_millis(30));
    assert!(
        grant.sleep(Duration::from_millis(1)),
        "a short nap fits in the slice"
    );
    let start = Instant::now();
    assert!(
        !grant.sleep(Duration::from_secs(10)),
        "the slice ends first"
    );
    assert!(start.elapsed() < Duration::from_secs(5));
    assert!(grant.expired());
    // Nothing was taken away: the holder still holds until it drops.
    assert_eq!(waiter.available(), [0]);
    drop(grant);
    assert_eq!(waiter.available(), [1]);

    let no_lease = Waiter::new([1]).unwrap();
    let grant = no_lease.acquire([0]).unwrap();
    assert!(grant.sleep(Duration::from_millis(1)) && !grant.expired());
    assert_eq!(grant.remaining(), None);
}

#[test]
fn async_acquire_waits_and_a_dropped_future_leaves_the_line() {
    let waiter = Waiter::new([1, 1]).unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap();
    let held = waiter.acquire([1]).unwrap();
    // A future that gives up (timeout) must leave the line.
    let gave_up = runtime.block_on(async {
        tokio::time::timeout(Duration::from_millis(20), waiter.acquire_async([0, 1]))
            .await
            .is_err()
    });
    assert!(gave_up);
    assert_eq!(waiter.waiting(), 0);
    assert_eq!(waiter.available(), [1, 0]);
    thread::scope(|s| {
        let waiter = &waiter;
        let task = s.spawn(|| {
            runtime.block_on(async {
                let grant = waiter.acquire_async([0, 1]).await.unwrap();
                grant.request().parts().len()
            })
        });
        until_waiting(waiter, 1);
        drop(held);
        assert_eq!(task.join().unwrap(), 2);
    });
    let error = runtime.block_on(waiter.acquire_async([9])).unwrap_err();
    assert!(matches!(
        error,
        WaiterError::UnknownResource { resource: 9, .. }
    ));
}

/// Philosophers round a table through the waiter, with a shadow count of
/// every fork's holders: never above capacity, never two neighbours eating.
#[test]
fn stress_a_ring_never_exceeds_capacity_and_everyone_eats() {
    const N: usize = 5;
    for policy in [Policy::Fifo, Policy::Greedy] {
        let waiter = Waiter::builder()
            .capacities([1; N])
            .policy(policy)
            .build()
            .unwrap();
        let holders: Vec<AtomicUsize> = (0..N).map(|_| AtomicUsize::new(0)).collect();
        let eating = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        let meals: Vec<AtomicUsize> = (0..N).map(|_| AtomicUsize::new(0)).collect();
        thread::scope(|s| {
            for p in 0..N {
                let (waiter, holders, eating, most, meals) =
                    (&waiter, &holders, &eating, &most, &meals);
                s.spawn(move || {
                    let forks = [p, (p + 1) % N];
                    for _ in 0..2000 {
                        let grant = waiter.acquire(forks).unwrap();
                        for &f in &forks {
                            assert_eq!(
                                holders[f].fetch_add(1, Ordering::SeqCst),
                                0,
                                "fork {f} held twice"
                            );
                        }
                        let now = eating.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        meals[p].fetch_add(1, Ordering::Relaxed);
                        std::hint::spin_loop();
                        eating.fetch_sub(1, Ordering::SeqCst);
                        for &f in &forks {
                            holders[f].fetch_sub(1, Ordering::SeqCst);
                        }
                        drop(grant);
                    }
                });
            }
        });
        assert!(
            most.load(Ordering::SeqCst) <= N / 2,
            "{policy:?}: more than ⌊N/2⌋ ate at once"
        );
        assert!(meals.iter().all(|m| m.load(Ordering::Relaxed) == 2000));
        assert_eq!(waiter.available(), [1; N]);
        assert_eq!(waiter.waiting(), 0);
    }
}

#[test]
fn policies_read_and_print_their_names() {
    for policy in Policy::ALL {
        assert_eq!(policy.to_string().parse::<Policy>(), Ok(policy));
    }
    assert_eq!(" FIFO ".parse::<Policy>(), Ok(Policy::Fifo));
    assert_eq!(
        "fair".parse::<Policy>().unwrap_err().to_string(),
        "unknown policy \"fair\": expected fifo or greedy"
    );
}

//! Model-checked waiter: every interleaving (to a preemption bound) of a few
//! threads asking for overlapping sets. A shadow count per resource proves
//! no capacity is ever exceeded, and loom fails any lost wake-up as a
//! deadlock.
//!
//! Run with:
//! `RUSTFLAGS="--cfg loom" cargo test -p waiter --lib --release loom_`

use std::sync::Arc;

use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::thread;

use super::{Policy, Request, Waiter};

fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(3);
    builder.check(f);
}

/// Holds `request` from `waiter` while checking the shadow counts.
fn hold(waiter: &Waiter, request: Request, shadow: &[AtomicUsize], capacity: &[usize]) {
    let grant = waiter.acquire(request.clone()).unwrap();
    for &(resource, units) in request.parts() {
        let before = shadow[resource].fetch_add(units, Ordering::SeqCst);
        assert!(
            before + units <= capacity[resource],
            "resource {resource} over capacity"
        );
    }
    for &(resource, units) in request.parts() {
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

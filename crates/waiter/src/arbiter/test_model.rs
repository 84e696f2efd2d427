//! The waiter against a reference model of its contract, on thousands of
//! random single-threaded histories: every `try_acquire`, every first poll
//! of `acquire_async`, every `acquire_timeout` that gives up, every grant
//! given back and every future dropped must leave exactly the grants, the
//! free units and the line that the rules say, under both policies.
//!
//! The model is the contract written as plainly as possible: a newcomer
//! goes if its units are free and (FIFO) no waiting request shares a
//! resource with it; otherwise it joins the end of the line. Whenever the
//! line may move, it is walked in order: a request whose units are free
//! goes, unless (FIFO) an earlier waiting request shares a resource with it.

use std::collections::BTreeSet;
use std::task::Poll;
use std::time::Duration;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::test::poll_once;
use super::*;

struct Model {
    policy: Policy,
    free: Vec<usize>,
    /// Waiting requests, in arrival order, by id.
    line: Vec<(usize, Request)>,
}

impl Model {
    fn fits(&self, request: &Request) -> bool {
        request.parts().iter().all(|&(r, u)| self.free[r] >= u)
    }

    fn take(&mut self, request: &Request) {
        for &(r, u) in request.parts() {
            self.free[r] -= u;
        }
    }

    /// A newcomer: granted now, or not.
    fn newcomer(&mut self, request: &Request) -> bool {
        let blocked = self.policy == Policy::Fifo
            && self
                .line
                .iter()
                .any(|(_, waiting)| waiting.overlaps(request));
        let goes = !blocked && self.fits(request);
        if goes {
            self.take(request);
        }
        goes
    }

    /// Walks the line; returns the ids granted.
    fn walk(&mut self) -> BTreeSet<usize> {
        let mut reserved = BTreeSet::new();
        let mut granted = BTreeSet::new();
        let mut index = 0;
        while index < self.line.len() {
            let request = self.line[index].1.clone();
            let passes = self.policy == Policy::Greedy
                || request.parts().iter().all(|(r, _)| !reserved.contains(r));
            if passes && self.fits(&request) {
                self.take(&request);
                granted.insert(self.line.remove(index).0);
                continue;
            }
            reserved.extend(request.parts().iter().map(|&(r, _)| r));
            index += 1;
        }
        granted
    }

    fn give_back(&mut self, request: &Request) -> BTreeSet<usize> {
        for &(r, u) in request.parts() {
            self.free[r] += u;
        }
        self.walk()
    }

    fn leave(&mut self, id: usize) -> BTreeSet<usize> {
        self.line.retain(|&(waiting, _)| waiting != id);
        self.walk()
    }
}

fn random_request(rng: &mut ChaCha8Rng, capacity: &[usize]) -> Request {
    let mut request = Request::new();
    for _ in 0..rng.random_range(1..=3) {
        let r = rng.random_range(0..capacity.len());
        request = request.units(r, rng.random_range(1..=capacity[r]));
    }
    if request.parts().iter().any(|&(r, u)| u > capacity[r]) {
        // Named twice past the capacity: an error, tried elsewhere.
        return Request::from([request.parts()[0].0]);
    }
    request
}

/// One random history of `steps` operations; panics at the first step
/// where the waiter and the model disagree. Returns how many requests the
/// line granted and how many newcomers waited.
fn history(policy: Policy, seed: u64, steps: usize) -> (usize, usize) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let capacity: Vec<usize> = (0..rng.random_range(1..=5))
        .map(|_| rng.random_range(1..=3))
        .collect();
    let waiter = Waiter::builder()
        .capacities(capacity.clone())
        .policy(policy)
        .build()
        .unwrap();
    let mut model = Model {
        policy,
        free: capacity.clone(),
        line: Vec::new(),
    };
    let mut grants: Vec<(usize, Grant<'_>)> = Vec::new();
    let mut pending: Vec<(usize, Acquire<'_>)> = Vec::new();
    let (mut from_line, mut waited) = (0, 0);
    for id in 0..steps {
        let context = format!("{policy:?} seed {seed} step {id}, capacity {capacity:?}");
        // What the model says was granted from the line by this step.
        let mut expected = BTreeSet::new();
        match rng.random_range(0..10) {
            0..=1 => {
                let request = random_request(&mut rng, &capacity);
                let got = waiter.try_acquire(&request).unwrap();
                assert_eq!(
                    got.is_some(),
                    model.newcomer(&request),
                    "{context}: try_acquire {request:?}"
                );
                grants.extend(got.map(|grant| (id, grant)));
            }
            2..=4 => {
                let request = random_request(&mut rng, &capacity);
                let mut future = waiter.acquire_async(&request);
                let goes = model.newcomer(&request);
                match poll_once(&mut future) {
                    Poll::Ready(grant) => {
                        assert!(goes, "{context}: acquire_async {request:?} went ahead");
                        grants.push((id, grant.unwrap()));
                    }
                    Poll::Pending => {
                        assert!(!goes, "{context}: acquire_async {request:?} waits");
                        waited += 1;
                        model.line.push((id, request));
                        pending.push((id, future));
                    }
                }
            }
            5 => {
                // Joins the line, then gives up: leaving walks the line.
                let request = random_request(&mut rng, &capacity);
                let got = waiter.acquire_timeout(&request, Duration::ZERO).unwrap();
                let goes = model.newcomer(&request);
                assert_eq!(
                    got.is_some(),
                    goes,
                    "{context}: acquire_timeout {request:?}"
                );
                grants.extend(got.map(|grant| (id, grant)));
                if !goes {
                    expected = model.walk();
                }
            }
            6..=8 if !grants.is_empty() => {
                let (_, grant) = grants.swap_remove(rng.random_range(0..grants.len()));
                expected = model.give_back(grant.request());
                drop(grant);
            }
            _ if !pending.is_empty() => {
                let (gone, future) = pending.swap_remove(rng.random_range(0..pending.len()));
                drop(future);
                expected = model.leave(gone);
            }
            _ => {}
        }
        // Exactly the futures the model granted are ready.
        let mut granted = BTreeSet::new();
        let mut still = Vec::new();
        for (id, mut future) in pending.drain(..) {
            match poll_once(&mut future) {
                Poll::Ready(grant) => {
                    granted.insert(id);
                    grants.push((id, grant.unwrap()));
                }
                Poll::Pending => still.push((id, future)),
            }
        }
        pending = still;
        from_line += granted.len();
        assert_eq!(granted, expected, "{context}: granted from the line");
        assert_eq!(waiter.available(), model.free, "{context}: free units");
        assert_eq!(waiter.waiting(), model.line.len(), "{context}: line");
    }
    drop(pending);
    drop(grants);
    assert_eq!(waiter.available(), capacity);
    assert_eq!(waiter.waiting(), 0);
    (from_line, waited)
}

#[test]
fn the_waiter_follows_the_model_of_its_contract() {
    for policy in Policy::ALL {
        let (mut from_line, mut waited) = (0, 0);
        for seed in 0..300 {
            let (granted, queued) = history(policy, seed, 200);
            from_line += granted;
            waited += queued;
        }
        println!("{policy:?}: {waited} waited, {from_line} granted from the line");
        // The histories did wait and move the line, a lot.
        assert!(
            waited > 10_000 && from_line > 5_000,
            "{policy:?}: {waited} waited, {from_line} granted from the line"
        );
    }
}

//! Stress with invariant checks: many tasks with random panics, cancels,
//! timeouts and dropped handles, from several submitting threads. At the end
//! every task is accounted for exactly once:
//! `ran + cancelled == submitted`, every value reached its own handle, and
//! every panic was either read through its handle or returned by `shutdown`.
//!
//! `WAITER_STRESS_TASKS` sets the number of tasks (default 100,000;
//! `WAITER_STRESS_TASKS=1000000 cargo test --release --test stress` for a
//! million), and the waiter's grants (default 100,000 for FIFO).

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use waiter::{Pool, TaskError};

fn tasks_per_run() -> usize {
    std::env::var("WAITER_STRESS_TASKS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000)
}

/// No handle may wait longer than this for its task: far more than any
/// task here takes, so only a lost wake-up reaches it.
const FOREVER: Duration = Duration::from_secs(60);

/// The live threads of this process whose name starts with `prefix`
/// (Linux: `/proc/self/task/*/comm`; elsewhere, none can be counted).
fn threads_named(prefix: &str) -> usize {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    tasks
        .flatten()
        .filter(|task| {
            std::fs::read_to_string(task.path().join("comm"))
                .is_ok_and(|name| name.starts_with(prefix))
        })
        .count()
}

#[derive(Default)]
struct Tally {
    ran: AtomicUsize,
    values_ok: AtomicUsize,
    panics_read: AtomicUsize,
    cancelled: AtomicUsize,
    panicking_dropped: AtomicUsize,
}

#[test]
fn random_panics_cancels_timeouts_and_dropped_handles_all_accounted_for() {
    let total = tasks_per_run();
    let submitters = 3;
    let pool = Pool::builder()
        .workers(2)
        .queue_bound(256)
        .thread_name_prefix("stress-pool")
        .build()
        .unwrap();
    let tally = Arc::new(Tally::default());
    std::thread::scope(|s| {
        for seed in 0..submitters {
            let (pool, tally) = (&pool, Arc::clone(&tally));
            s.spawn(move || {
                let mut rng = ChaCha8Rng::seed_from_u64(seed as u64);
                let mut held = Vec::new();
                for i in 0..total / submitters {
                    let panics = rng.random_ratio(1, 10);
                    let counts = Arc::clone(&tally);
                    let value = (seed * total + i) as u64;
                    let task = pool
                        .submit(move || {
                            counts.ran.fetch_add(1, Ordering::Relaxed);
                            if panics {
                                panic!("task {value} fails on purpose");
                            }
                            value
                        })
                        .unwrap();
                    match rng.random_range(0..10) {
                        // Drop the handle unread.
                        0 => {
                            if panics {
                                tally.panicking_dropped.fetch_add(1, Ordering::Relaxed);
                            }
                            drop(task);
                        }
                        // Try to cancel; whatever happens is counted below.
                        1 | 2 => {
                            task.cancel();
                            held.push((value, panics, task));
                        }
                        _ => held.push((value, panics, task)),
                    }
                    // Collect in batches, some with a timeout first.
                    if held.len() >= 64 {
                        for (value, panics, mut task) in held.drain(..) {
                            if rng.random_ratio(1, 4) {
                                match task.wait_timeout(Duration::from_micros(1)) {
                                    Err(TaskError::Timeout) => {}
                                    result => {
                                        check(&tally, value, panics, result);
                                        continue;
                                    }
                                }
                            }
                            check(&tally, value, panics, waited(task));
                        }
                    }
                }
                for (value, panics, task) in held {
                    check(&tally, value, panics, waited(task));
                }
            });
        }
    });
    let lost = pool.shutdown();
    assert_eq!(
        threads_named("stress-pool"),
        0,
        "shutdown joined every worker"
    );
    let submitted = submitters * (total / submitters);
    let ran = tally.ran.load(Ordering::Relaxed);
    let cancelled = tally.cancelled.load(Ordering::Relaxed);
    assert_eq!(
        ran + cancelled,
        submitted,
        "every task ran once or was cancelled"
    );
    // Ran = completed + panicked; panics are read through a handle or
    // returned by shutdown.
    let completed = tally.values_ok.load(Ordering::Relaxed);
    let panicked = tally.panics_read.load(Ordering::Relaxed) + lost.len();
    let dropped_ok = ran - completed - panicked;
    assert!(
        completed + panicked + cancelled + dropped_ok == submitted,
        "completed {completed} + panicked {panicked} + cancelled {cancelled} + finished unread {dropped_ok} == submitted {submitted}"
    );
    // Every panic was read through its handle, or came back from shutdown
    // (dropped handles are never cancelled, so each of those panicked).
    let dropped_panics = tally.panicking_dropped.load(Ordering::Relaxed);
    assert_eq!(
        lost.len(),
        dropped_panics,
        "unread panics returned by shutdown"
    );
    let unique: HashSet<_> = lost.iter().map(|l| l.task).collect();
    assert_eq!(unique.len(), lost.len(), "each lost panic reported once");
    assert!(lost.iter().all(|l| l.message.ends_with("fails on purpose")));
    assert!(tally.values_ok.load(Ordering::Relaxed) > 0);
    assert!(tally.panics_read.load(Ordering::Relaxed) > 0);
}

/// The task's result, or a failed test if it never comes.
fn waited(mut task: waiter::Task<u64>) -> Result<u64, TaskError> {
    match task.wait_timeout(FOREVER) {
        Err(TaskError::Timeout) => panic!("a handle waited more than {FOREVER:?}"),
        result => result,
    }
}

fn check(tally: &Tally, value: u64, panics: bool, result: Result<u64, TaskError>) {
    match result {
        Ok(got) => {
            assert!(!panics, "task {value} should have panicked");
            assert_eq!(got, value, "a result reached the wrong handle");
            tally.values_ok.fetch_add(1, Ordering::Relaxed);
        }
        Err(TaskError::Panicked(panic)) => {
            assert!(panics, "task {value} panicked unexpectedly");
            assert_eq!(panic.message(), format!("task {value} fails on purpose"));
            tally.panics_read.fetch_add(1, Ordering::Relaxed);
        }
        Err(TaskError::Cancelled) => {
            tally.cancelled.fetch_add(1, Ordering::Relaxed);
        }
        Err(other) => panic!("task {value}: unexpected {other}"),
    }
}

/// 8 threads wait at random on 1000 tasks, each way a task can be waited
/// for (`wait_done` with and without a timeout, `wait_any`, `wait` with
/// each `return_when`, done callbacks), with random timeouts, while the
/// tasks run, finish, panic or are cancelled. No waiter may be lost: every
/// wait without a timeout returns (within `FOREVER`), a wait that returns
/// finished really sees the task finished, and every callback runs exactly
/// once.
#[test]
fn eight_threads_waiting_at_random_on_1000_tasks_lose_no_wake_up() {
    use waiter::{ReturnWhen, wait, wait_any};
    const TASKS: usize = 1000;
    let pool = Pool::new(3).unwrap();
    let tasks: Vec<_> = (0..TASKS)
        .map(|i| {
            pool.submit(move || {
                let micros = (i * 7919 % 200) as u64;
                std::thread::sleep(Duration::from_micros(micros));
                if i % 17 == 0 {
                    panic!("task {i} fails on purpose");
                }
                i
            })
            .unwrap()
        })
        .collect();
    let registered = AtomicUsize::new(0);
    let called = Arc::new(AtomicUsize::new(0));
    let (waits, timeouts) = (AtomicUsize::new(0), AtomicUsize::new(0));
    std::thread::scope(|s| {
        for seed in 0..8u64 {
            let (tasks, registered, called) = (&tasks, &registered, &called);
            let (waits, timeouts) = (&waits, &timeouts);
            s.spawn(move || {
                let mut rng = ChaCha8Rng::seed_from_u64(seed);
                let mut rounds = 0;
                while tasks.iter().any(|t| !t.is_done()) || rounds < 200 {
                    rounds += 1;
                    let i = rng.random_range(0..TASKS);
                    let task = &tasks[i];
                    let timeout = Duration::from_micros(rng.random_range(0..2000));
                    waits.fetch_add(1, Ordering::Relaxed);
                    match rng.random_range(0..8) {
                        0 => {
                            task.wait_done(Some(FOREVER))
                                .unwrap_or_else(|_| panic!("task {i}: a wake-up was lost"));
                            assert!(task.is_done());
                        }
                        1 | 2 => match task.wait_done(Some(timeout)) {
                            Ok(()) => assert!(task.is_done()),
                            Err(error) => {
                                assert!(error.is_timeout());
                                timeouts.fetch_add(1, Ordering::Relaxed);
                            }
                        },
                        3 => {
                            let j = rng.random_range(0..TASKS);
                            let pair = [task, &tasks[j]];
                            match wait_any(&pair, Some(timeout)) {
                                Some(Ok(k)) => assert!(pair[k].is_done()),
                                Some(Err(_)) => {
                                    timeouts.fetch_add(1, Ordering::Relaxed);
                                }
                                None => unreachable!("two tasks"),
                            }
                        }
                        4 => {
                            let j = rng.random_range(0..TASKS);
                            let pair = [task, &tasks[j]];
                            let waited = wait(&pair, ReturnWhen::AllCompleted, Some(FOREVER));
                            assert!(waited.not_done.is_empty(), "task {i} or {j}: lost");
                        }
                        5 => {
                            let from = i.min(TASKS - 8);
                            let group: Vec<_> = tasks[from..from + 8].iter().collect();
                            let when = [ReturnWhen::FirstCompleted, ReturnWhen::FirstException]
                                [rng.random_range(0..2)];
                            let waited = wait(&group, when, Some(timeout));
                            for &k in &waited.done {
                                assert!(group[k].is_done());
                            }
                        }
                        6 => {
                            registered.fetch_add(1, Ordering::Relaxed);
                            let called = Arc::clone(called);
                            task.on_done(move |_| {
                                called.fetch_add(1, Ordering::Relaxed);
                            });
                        }
                        _ => {
                            if rng.random_ratio(1, 4) {
                                task.cancel();
                            }
                        }
                    }
                }
            });
        }
    });
    pool.shutdown();
    assert!(tasks.iter().all(|t| t.is_done()));
    assert_eq!(
        called.load(Ordering::Relaxed),
        registered.load(Ordering::Relaxed),
        "every callback ran exactly once"
    );
    assert!(waits.load(Ordering::Relaxed) >= 8 * 200);
    // The outcomes are right, too.
    for (i, task) in tasks.into_iter().enumerate() {
        match task.wait() {
            Ok(value) => assert_eq!(value, i),
            Err(error) if error.is_cancelled() => {}
            Err(error) => {
                assert!(i % 17 == 0, "task {i}: {error}");
                assert!(error.is_panic());
            }
        }
    }
}

#[test]
fn many_short_lived_pools_leave_no_threads_behind() {
    for _ in 0..200 {
        let pool = Pool::new(2).unwrap();
        let task = pool.submit(|| std::thread::current().id()).unwrap();
        let worker = task.wait().unwrap();
        assert_ne!(worker, std::thread::current().id());
        // Drop joins both workers; a leak would show as a hang or a spawn
        // failure long before 200 rounds on a constrained machine.
    }
}

/// Random sets over resources of mixed capacity from 4 threads, some with
/// timeouts and some async-free try_acquire: a shadow count per resource
/// proves no capacity is ever exceeded, and every thread finishes (no lost
/// wake-up, no starvation under FIFO).
#[test]
fn waiter_random_sets_never_exceed_capacity() {
    use std::sync::atomic::AtomicUsize;
    use waiter::{Policy, Request, Waiter};

    let grants_per_thread = tasks_per_run() / 20;
    let capacity = [1usize, 2, 3, 1, 2, 1];
    for policy in [Policy::Fifo, Policy::Greedy] {
        let waiter = Waiter::builder()
            .capacities(capacity)
            .policy(policy)
            .build()
            .unwrap();
        let shadow: Vec<AtomicUsize> = capacity.iter().map(|_| AtomicUsize::new(0)).collect();
        let granted = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for seed in 0..4u64 {
                let (waiter, shadow, granted) = (&waiter, &shadow, &granted);
                s.spawn(move || {
                    let mut rng = ChaCha8Rng::seed_from_u64(seed);
                    for _ in 0..grants_per_thread {
                        let mut request = Request::new();
                        for _ in 0..rng.random_range(1..=3) {
                            let resource = rng.random_range(0..capacity.len());
                            request = request.units(resource, 1);
                        }
                        // Duplicates may ask for more than there is: that
                        // is an error, never a wait.
                        let over = request.parts().iter().any(|&(r, u)| u > capacity[r]);
                        let grant = match rng.random_range(0..4) {
                            0 => waiter.try_acquire(request.clone()),
                            1 => waiter.acquire_timeout(request.clone(), Duration::from_micros(50)),
                            _ => waiter.acquire(request.clone()).map(Some),
                        };
                        let grant = match grant {
                            Ok(grant) => {
                                assert!(!over);
                                grant
                            }
                            Err(error) => {
                                assert!(over, "unexpected {error}");
                                continue;
                            }
                        };
                        let Some(grant) = grant else { continue };
                        for &(r, u) in request.parts() {
                            let now = shadow[r].fetch_add(u, Ordering::SeqCst) + u;
                            assert!(now <= capacity[r], "resource {r}: {now} > {}", capacity[r]);
                        }
                        granted.fetch_add(1, Ordering::Relaxed);
                        std::hint::spin_loop();
                        for &(r, u) in request.parts() {
                            shadow[r].fetch_sub(u, Ordering::SeqCst);
                        }
                        drop(grant);
                    }
                });
            }
        });
        assert_eq!(
            waiter.available(),
            capacity,
            "{policy:?}: every unit came back"
        );
        assert_eq!(waiter.waiting(), 0);
        assert!(granted.load(Ordering::Relaxed) > 0);
    }
}

/// 100,000 grants (`WAITER_STRESS_GRANTS`) of random sets under FIFO from 4
/// threads, with holders that sometimes sleep: a shadow count proves no
/// capacity is ever exceeded, every unit comes back, and the longest wait
/// for a grant stays bounded (under FIFO nobody starves: a waiter is served
/// after the requests ahead of it, whatever comes later).
#[test]
fn waiter_fifo_grants_never_exceed_capacity_and_nobody_starves() {
    use waiter::{Policy, Request, Waiter};

    let grants: usize = std::env::var("WAITER_STRESS_GRANTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let threads = 4u64;
    let capacity = [1usize, 2, 1, 3, 1];
    let waiter = Waiter::builder()
        .capacities(capacity)
        .policy(Policy::Fifo)
        .build()
        .unwrap();
    let shadow: Vec<AtomicUsize> = capacity.iter().map(|_| AtomicUsize::new(0)).collect();
    let longest = std::sync::Mutex::new(Duration::ZERO);
    std::thread::scope(|s| {
        for seed in 0..threads {
            let (waiter, shadow, longest) = (&waiter, &shadow, &longest);
            s.spawn(move || {
                let mut rng = ChaCha8Rng::seed_from_u64(100 + seed);
                let mut mine = Duration::ZERO;
                for _ in 0..grants / threads as usize {
                    // One to three distinct resources, one unit each.
                    let mut picked = Vec::new();
                    while picked.len() < rng.random_range(1..=3) {
                        let r = rng.random_range(0..capacity.len());
                        if !picked.contains(&r) {
                            picked.push(r);
                        }
                    }
                    let request = picked.iter().fold(Request::new(), |q, &r| q.units(r, 1));
                    let asked = std::time::Instant::now();
                    let grant = waiter.acquire(request).unwrap();
                    mine = mine.max(asked.elapsed());
                    for &r in &picked {
                        let now = shadow[r].fetch_add(1, Ordering::SeqCst) + 1;
                        assert!(now <= capacity[r], "resource {r}: {now} > {}", capacity[r]);
                    }
                    if rng.random_ratio(1, 1000) {
                        std::thread::sleep(Duration::from_micros(200));
                    }
                    for &r in &picked {
                        shadow[r].fetch_sub(1, Ordering::SeqCst);
                    }
                    drop(grant);
                }
                let mut longest = longest.lock().unwrap();
                *longest = longest.max(mine);
            });
        }
    });
    assert_eq!(waiter.available(), capacity, "every unit came back");
    assert_eq!(waiter.waiting(), 0);
    let longest = *longest.lock().unwrap();
    // Generous: a grant takes microseconds; only starvation (or a lost
    // wake-up) comes near this.
    assert!(longest < Duration::from_secs(5), "longest wait {longest:?}");
    println!("longest wait for a grant: {longest:?}");
}

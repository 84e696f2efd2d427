//! Model-checked submission queue, through the pool's own calls: a bounded
//! `submit` waits for room a worker makes, `try_submit` is refused with the
//! closure when the queue is full, and shutdown's stop messages reach
//! workers asleep on an empty queue. Every accepted job runs exactly once (or
//! is cancelled by `shutdown_now`), and loom fails any thread left asleep as a
//! deadlock.
//!
//! Run with:
//! `RUSTFLAGS="--cfg loom" cargo test -p waiter --lib --release loom_`

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::thread;

use super::PoolBuilder;
use super::error::TaskError;
use super::loom_task::model;

/// How many times each job ran.
struct Runs([AtomicUsize; 2]);

impl Runs {
    fn new() -> Arc<Self> {
        Arc::new(Self([AtomicUsize::new(0), AtomicUsize::new(0)]))
    }

    fn job(self: &Arc<Self>, index: usize) -> impl FnOnce() + Send + 'static {
        let runs = self.clone();
        move || {
            runs.0[index].fetch_add(1, Ordering::SeqCst);
        }
    }

    fn get(&self, index: usize) -> usize {
        self.0[index].load(Ordering::SeqCst)
    }
}

/// One worker, a queue of one: a producer's blocking `submit` and the main
/// thread's `try_submit` race the worker. A blocked `submit` is woken by the
/// worker's pop, a refused `try_submit` says `Full` and hands its closure
/// back, and each job runs exactly once.
/// Caught: no notify on pop, on send or on try_send (deadlock); the bound off by one (never Full).
#[test]
fn loom_bounded_queue_backpressure() {
    static SAW_FULL: AtomicBool = AtomicBool::new(false);
    model(|| {
        let pool = Arc::new(
            PoolBuilder::default()
                .workers(1)
                .queue_bound(1)
                .build()
                .unwrap(),
        );
        let runs = Runs::new();
        let producer = {
            let (pool, job) = (pool.clone(), runs.job(0));
            thread::spawn(move || pool.submit(job).expect("the pool is open"))
        };
        let mine = match pool.try_submit(runs.job(1)) {
            Ok(task) => Some(task),
            Err(refused) => {
                assert!(refused.is_full(), "refused for {:?}", refused.kind());
                SAW_FULL.store(true, std::sync::atomic::Ordering::Relaxed);
                (refused.into_inner())();
                None
            }
        };
        producer.join().unwrap().wait().unwrap();
        if let Some(task) = mine {
            task.wait().unwrap();
        }
        assert_eq!((runs.get(0), runs.get(1)), (1, 1));
        assert!(pool.shutdown().is_empty());
        assert_eq!((runs.get(0), runs.get(1)), (1, 1));
    });
    assert!(
        SAW_FULL.load(std::sync::atomic::Ordering::Relaxed),
        "no interleaving found the queue full"
    );
}

/// Two workers asleep on a queue of one: shutdown's two stop messages (the
/// second waits for room) reach both, after the job queued before them.
/// Caught: no notify on send or on pop (a worker never gets its stop: deadlock).
#[test]
fn loom_shutdown_wakes_every_sleeping_worker() {
    model(|| {
        let pool = PoolBuilder::default()
            .workers(2)
            .queue_bound(1)
            .build()
            .unwrap();
        let runs = Runs::new();
        drop(pool.submit(runs.job(0)).expect("the pool is open"));
        assert!(pool.shutdown().is_empty());
        assert_eq!(runs.get(0), 1);
    });
}

/// A producer fills a queue of one (its second `submit` may wait for room)
/// while `shutdown_now` closes the pool: each job is refused, cancelled or
/// run exactly once, and none is stranded in the queue when it returns.
/// Caught: shutdown not waiting for submissions in flight (a job left in the queue).
#[test]
fn loom_bounded_submit_races_shutdown_now() {
    model(|| {
        let pool = Arc::new(
            PoolBuilder::default()
                .workers(1)
                .queue_bound(1)
                .build()
                .unwrap(),
        );
        let runs = Runs::new();
        let producer = {
            let (pool, runs) = (pool.clone(), runs.clone());
            thread::spawn(move || [pool.submit(runs.job(0)).ok(), pool.submit(runs.job(1)).ok()])
        };
        pool.shutdown_now();
        let tasks = producer.join().unwrap();
        for (index, task) in tasks.into_iter().enumerate() {
            let Some(task) = task else {
                assert_eq!(runs.get(index), 0, "a refused job ran");
                continue;
            };
            assert!(task.is_done(), "job {index} left in the queue");
            match task.wait() {
                Ok(()) => assert_eq!(runs.get(index), 1),
                Err(TaskError::Cancelled) => assert_eq!(runs.get(index), 0),
                Err(other) => panic!("unexpected outcome {other:?}"),
            }
        }
    });
}

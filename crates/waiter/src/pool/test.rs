//! Behaviour of the pool: every task runs once or is reported cancelled,
//! results reach their own handle, order and bounds hold. No test asserts on
//! speed; the few timing checks use generous bounds.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use super::*;

/// A pool of one worker, held busy until the returned sender sends (or is
/// dropped), so tasks submitted meanwhile stay pending.
fn blocked_pool(bound: Option<usize>) -> (Pool, Task<()>, mpsc::Sender<()>) {
    let mut builder = Pool::builder().workers(1);
    if let Some(bound) = bound {
        builder = builder.queue_bound(bound);
    }
    let pool = builder.build().unwrap();
    let (release, gate) = mpsc::channel::<()>();
    let blocker = pool
        .submit(move || {
            let _ = gate.recv();
        })
        .unwrap();
    while !blocker.is_running() {
        thread::yield_now();
    }
    (pool, blocker, release)
}

#[test]
fn results_reach_their_own_handle() {
    let pool = Pool::new(4).unwrap();
    let tasks: Vec<_> = (0..1000u64)
        .map(|i| pool.submit(move || i * 3).unwrap())
        .collect();
    for (i, task) in tasks.into_iter().enumerate() {
        assert_eq!(task.wait().unwrap(), i as u64 * 3);
    }
}

#[test]
fn every_task_runs_once_or_is_cancelled() {
    let pool = Pool::new(2).unwrap();
    let runs = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..5000)
        .map(|_| {
            let runs = Arc::clone(&runs);
            pool.submit(move || {
                runs.fetch_add(1, Ordering::Relaxed);
            })
            .unwrap()
        })
        .collect();
    let cancelled = tasks.iter().step_by(3).filter(|t| t.cancel()).count();
    let mut ran = 0;
    let mut reported_cancelled = 0;
    for task in tasks {
        match task.wait() {
            Ok(()) => ran += 1,
            Err(TaskError::Cancelled) => reported_cancelled += 1,
            Err(other) => panic!("unexpected {other}"),
        }
    }
    assert_eq!(reported_cancelled, cancelled);
    assert_eq!(ran + reported_cancelled, 5000);
    drop(pool);
    assert_eq!(runs.load(Ordering::Relaxed), ran);
}

#[test]
fn dropping_the_pool_waits_for_all_work() {
    let done = Arc::new(AtomicUsize::new(0));
    {
        let pool = Pool::new(2).unwrap();
        for _ in 0..200 {
            let done = Arc::clone(&done);
            // Handles dropped at once: the work must still happen.
            pool.submit(move || {
                thread::sleep(Duration::from_micros(50));
                done.fetch_add(1, Ordering::Relaxed);
            })
            .unwrap();
        }
    }
    assert_eq!(done.load(Ordering::Relaxed), 200);
}

#[test]
fn a_panic_is_the_tasks_error_and_the_worker_lives_on() {
    let pool = Pool::new(1).unwrap();
    let failed = pool.submit(|| -> u32 { panic!("boom") }).unwrap();
    let error = failed.wait().unwrap_err();
    assert!(error.is_panic());
    assert_eq!(error.to_string(), "task panicked: boom");
    let payload = error.into_panic().unwrap();
    assert_eq!(*payload.downcast::<&str>().unwrap(), "boom");
    // The single worker survived.
    assert_eq!(pool.submit(|| 7).unwrap().wait().unwrap(), 7);
}

#[test]
fn a_panic_nobody_read_is_returned_by_shutdown_naming_the_task() {
    let pool = Pool::new(1).unwrap();
    // Dropped before it ran.
    drop(pool.submit_named("early", || panic!("first")).unwrap());
    // Dropped after it ended.
    let late = pool.submit_named("late", || panic!("second")).unwrap();
    while !late.is_done() {
        thread::yield_now();
    }
    drop(late);
    // Read: not lost.
    let read = pool.submit(|| panic!("third")).unwrap();
    assert!(read.wait().is_err());
    let mut lost = pool.shutdown();
    lost.sort_by_key(|l| l.task);
    let names: Vec<_> = lost.iter().map(|l| l.name.as_deref()).collect();
    assert_eq!(names, [Some("early"), Some("late")]);
    assert_eq!(lost[0].message, "first");
    assert_eq!(
        lost[1].to_string(),
        format!("task {} (late) panicked: second", lost[1].task)
    );
}

#[test]
fn submitting_after_shutdown_is_an_error_that_returns_the_closure() {
    let pool = Pool::new(1).unwrap();
    assert!(pool.shutdown().is_empty());
    assert!(pool.is_shutdown());
    let error = pool.submit(|| 5).unwrap_err();
    assert!(error.is_shutdown());
    assert_eq!(
        error.to_string(),
        "the pool is shut down and takes no new tasks"
    );
    assert_eq!((error.into_inner())(), 5);
    // Idempotent.
    assert!(pool.shutdown().is_empty());
    assert!(pool.shutdown_now().is_empty());
}

#[test]
fn shutdown_now_cancels_pending_trips_the_token_and_waits_for_running() {
    let pool = Pool::new(1).unwrap();
    let running = pool
        .submit_with_token(|token| {
            while !token.is_cancelled() {
                thread::yield_now();
            }
            "stopped when asked"
        })
        .unwrap();
    while !running.is_running() {
        thread::yield_now();
    }
    let pending: Vec<_> = (0..10).map(|i| pool.submit(move || i).unwrap()).collect();
    pool.shutdown_now();
    assert_eq!(running.wait().unwrap(), "stopped when asked");
    for task in pending {
        assert!(task.wait().unwrap_err().is_cancelled());
    }
}

#[test]
fn cancel_works_only_while_pending() {
    let (pool, blocker, release) = blocked_pool(None);
    let queued = pool.submit(|| 1).unwrap();
    assert!(!blocker.cancel(), "a running task cannot be cancelled");
    assert!(queued.cancel());
    assert!(queued.is_cancelled() && queued.is_done());
    assert!(queued.cancel(), "cancelling twice: still cancelled");
    release.send(()).unwrap();
    blocker.wait().unwrap();
    let finished = pool.submit(|| 2).unwrap();
    while !finished.is_done() {
        thread::yield_now();
    }
    assert!(!finished.cancel());
    assert_eq!(finished.wait().unwrap(), 2);
}

#[test]
fn the_queue_bound_holds_and_try_submit_gives_the_task_back() {
    let (pool, blocker, release) = blocked_pool(Some(2));
    let a = pool.try_submit(|| 'a').unwrap();
    let b = pool.try_submit(|| 'b').unwrap();
    assert_eq!(pool.queued(), 2);
    let refused = pool.try_submit(|| 'c').unwrap_err();
    assert!(refused.is_full());
    assert_eq!(refused.to_string(), "the pool's queue is full");
    assert_eq!((refused.into_inner())(), 'c');

    // A blocking submit waits for room instead.
    thread::scope(|s| {
        let submitter = s.spawn(|| pool.submit(|| 'd').unwrap().wait().unwrap());
        thread::sleep(Duration::from_millis(50));
        assert!(!submitter.is_finished(), "submit must block while full");
        assert!(pool.queued() <= 2);
        release.send(()).unwrap();
        assert_eq!(submitter.join().unwrap(), 'd');
    });
    blocker.wait().unwrap();
    assert_eq!((a.wait().unwrap(), b.wait().unwrap()), ('a', 'b'));
}

#[test]
fn builder_rejects_zero_workers_and_zero_bound() {
    assert!(matches!(Pool::new(0), Err(BuildError::ZeroWorkers)));
    assert!(matches!(
        Pool::builder().queue_bound(0).build(),
        Err(BuildError::ZeroQueueBound)
    ));
    let pool = Pool::builder()
        .workers(3)
        .thread_name_prefix("lab")
        .build()
        .unwrap();
    assert_eq!(pool.workers(), 3);
    let name = pool
        .submit(|| thread::current().name().map(str::to_owned))
        .unwrap()
        .wait()
        .unwrap();
    assert!(name.unwrap().starts_with("lab-"));
}

#[test]
fn wait_timeout_returns_on_time_and_the_task_goes_on() {
    let (pool, blocker, release) = blocked_pool(None);
    let mut queued = pool.submit(|| 9).unwrap();
    let start = Instant::now();
    assert!(matches!(
        queued.wait_timeout(Duration::from_millis(50)),
        Err(TaskError::Timeout)
    ));
    let waited = start.elapsed();
    assert!(waited >= Duration::from_millis(50), "{waited:?}");
    assert!(waited < Duration::from_secs(5), "{waited:?}");
    assert!(queued.try_get().is_none());
    release.send(()).unwrap();
    assert_eq!(queued.wait_timeout(Duration::from_secs(10)).unwrap(), 9);
    assert!(matches!(queued.try_get(), Some(Err(TaskError::Taken))));
    blocker.wait().unwrap();
    drop(pool);
}

#[test]
fn map_keeps_input_order_with_uneven_work() {
    let pool = Pool::new(3).unwrap();
    let out: Vec<u64> = pool
        .map(0..200u64, |i| {
            // Early items take longest, so they finish last.
            thread::sleep(Duration::from_micros((200 - i) * 20));
            i * i
        })
        .collect::<Result<_, _>>()
        .unwrap();
    let expected: Vec<u64> = (0..200).map(|i| i * i).collect();
    assert_eq!(out, expected);
}

#[test]
fn map_is_lazy_and_bounded() {
    let pool = Pool::new(2).unwrap();
    let started = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&started);
    let mut results = pool.map(0.., move |i: u64| {
        counter.fetch_add(1, Ordering::SeqCst);
        i
    });
    // An endless input is fine: only a window is in flight.
    assert_eq!(results.next().unwrap().unwrap(), 0);
    assert_eq!(results.next().unwrap().unwrap(), 1);
    drop(results);
    drop(pool);
    let started = started.load(Ordering::SeqCst);
    // Two taken, a full window behind them, one more while refilling.
    assert!(
        started <= 2 + MAP_WINDOW_PER_WORKER * 2 + 1,
        "{started} tasks started"
    );
}

#[test]
fn map_reports_panics_per_item_and_continues() {
    let pool = Pool::new(2).unwrap();
    let out: Vec<_> = pool
        .map(0..6, |i| if i == 3 { panic!("three") } else { i })
        .collect();
    assert_eq!(out.len(), 6);
    assert!(out[3].as_ref().unwrap_err().is_panic());
    assert_eq!(out[5].as_ref().unwrap(), &5);
}

#[test]
fn map_after_shutdown_reports_rejected() {
    let pool = Pool::new(1).unwrap();
    pool.shutdown();
    let out: Vec<_> = pool.map([1, 2], |i| i).collect();
    assert!(out.iter().all(|r| matches!(r, Err(TaskError::Rejected))));
}

#[test]
fn as_completed_yields_each_task_once_in_completion_order() {
    let pool = Pool::new(2).unwrap();
    let tasks: Vec<_> = (0..100).map(|i| pool.submit(move || i).unwrap()).collect();
    let mut seen: Vec<usize> = as_completed(tasks)
        .map(|(i, r)| {
            assert_eq!(r.unwrap(), i, "result reached the wrong index");
            i
        })
        .collect();
    seen.sort_unstable();
    assert_eq!(seen, (0..100).collect::<Vec<_>>());

    // Completion order, made deterministic with a one-worker pool and a gate.
    let (pool, blocker, release) = blocked_pool(None);
    let first = pool.submit(|| "queued first").unwrap();
    let done_already = Pool::new(1).unwrap().submit(|| "done already").unwrap();
    while !done_already.is_done() {
        thread::yield_now();
    }
    let mut completed = as_completed(vec![first, done_already]);
    assert_eq!(completed.len(), 2);
    assert_eq!(
        completed.next().unwrap().0,
        1,
        "the finished task comes first"
    );
    release.send(()).unwrap();
    assert_eq!(completed.next().unwrap().1.unwrap(), "queued first");
    assert!(completed.next().is_none());
    blocker.wait().unwrap();
}

#[test]
fn wait_any_and_wait_all_with_timeouts() {
    let (pool, blocker, release) = blocked_pool(None);
    let tasks = vec![pool.submit(|| 1).unwrap(), pool.submit(|| 2).unwrap()];
    assert!(matches!(
        wait_any(&tasks, Some(Duration::from_millis(30))),
        Some(Err(TaskError::Timeout))
    ));
    assert!(matches!(
        wait_all(&tasks, Some(Duration::from_millis(30))),
        Err(TaskError::Timeout)
    ));
    release.send(()).unwrap();
    assert!(matches!(wait_any(&tasks, None), Some(Ok(_))));
    wait_all(&tasks, None).unwrap();
    wait_all(&tasks, Some(Duration::ZERO)).unwrap();
    assert!(
        wait_any::<Task<u8>>(&[], None).is_none(),
        "empty is not a timeout"
    );
    blocker.wait().unwrap();
}

#[test]
fn waiting_inside_a_saturated_pool_runs_the_task_inline() {
    let pool = Arc::new(Pool::new(1).unwrap());
    let inner_pool = Arc::clone(&pool);
    // The only worker waits for a task queued behind it: without the inline
    // rule this would deadlock.
    let outer = pool
        .submit(move || {
            let inner = inner_pool.submit(|| 20).unwrap();
            let many: Vec<_> = (0..3)
                .map(|i| inner_pool.submit(move || i).unwrap())
                .collect();
            let sum: i32 = as_completed(many).map(|(_, r)| r.unwrap()).sum();
            let mapped: i32 = inner_pool.map(0..4, |i| i).map(Result::unwrap).sum();
            inner.wait().unwrap() + sum + mapped
        })
        .unwrap();
    assert_eq!(outer.wait().unwrap(), 20 + 3 + 6);
}

#[test]
fn a_task_is_a_future() {
    let pool = Pool::new(2).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let slow = pool
        .submit(|| {
            thread::sleep(Duration::from_millis(20));
            "slow"
        })
        .unwrap();
    let quick = pool.submit(|| "quick").unwrap();
    let out = runtime.block_on(async { (slow.await.unwrap(), quick.await.unwrap()) });
    assert_eq!(out, ("slow", "quick"));
    let failing = pool.submit(|| -> () { panic!("async boom") }).unwrap();
    let error = runtime.block_on(failing).unwrap_err();
    assert!(error.is_panic());
}

#[test]
fn scoped_tasks_borrow_local_data() {
    let pool = Pool::new(2).unwrap();
    let mut totals = vec![0u64; 4];
    let data: Vec<u64> = (1..=100).collect();
    pool.scope(|s| {
        for (chunk, total) in data.chunks(25).zip(totals.iter_mut()) {
            s.submit(move || *total = chunk.iter().sum()).unwrap();
        }
    });
    assert_eq!(totals, [325, 950, 1575, 2200]);
}

#[test]
fn a_scope_waits_even_when_its_closure_panics() {
    let pool = Pool::new(1).unwrap();
    let finished = AtomicUsize::new(0);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        pool.scope(|s| {
            for _ in 0..5 {
                s.submit(|| {
                    thread::sleep(Duration::from_millis(2));
                    finished.fetch_add(1, Ordering::SeqCst);
                })
                .unwrap();
            }
            panic!("closure fails");
        })
    }));
    assert!(result.is_err());
    assert_eq!(finished.load(Ordering::SeqCst), 5);
}

#[test]
fn a_scope_reports_a_panic_nobody_read() {
    let pool = Pool::new(1).unwrap();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        pool.scope(|s| {
            drop(s.submit(|| panic!("unread")).unwrap());
        })
    }));
    let payload = result.unwrap_err();
    let message = payload.downcast_ref::<String>().unwrap();
    assert!(message.contains("1 scoped task(s) panicked"), "{message}");
    assert!(message.contains("unread"), "{message}");
    // The pool itself is fine.
    assert_eq!(pool.submit(|| 1).unwrap().wait().unwrap(), 1);
}

#[test]
fn submitting_from_many_threads() {
    let pool = Pool::new(2).unwrap();
    let barrier = Barrier::new(4);
    let total: u64 = thread::scope(|s| {
        let handles: Vec<_> = (0..4u64)
            .map(|t| {
                let (pool, barrier) = (&pool, &barrier);
                s.spawn(move || {
                    barrier.wait();
                    let tasks: Vec<_> = (0..500u64)
                        .map(|i| pool.submit(move || t * 1000 + i).unwrap())
                        .collect();
                    tasks.into_iter().map(|t| t.wait().unwrap()).sum::<u64>()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    let expected: u64 = (0..4u64)
        .flat_map(|t| (0..500).map(move |i| t * 1000 + i))
        .sum();
    assert_eq!(total, expected);
}

#[test]
fn shutdown_races_submitters_without_losing_tasks() {
    for _ in 0..20 {
        let pool = Pool::new(2).unwrap();
        let outcomes = thread::scope(|s| {
            let submitter = s.spawn(|| {
                let mut accepted = Vec::new();
                for i in 0..2000u32 {
                    match pool.submit(move || i) {
                        Ok(task) => accepted.push(task),
                        Err(error) => {
                            assert!(error.is_shutdown());
                            break;
                        }
                    }
                }
                accepted
            });
            thread::yield_now();
            pool.shutdown();
            submitter.join().unwrap()
        });
        // Every accepted task ran: shutdown waited for it.
        for (i, task) in outcomes.into_iter().enumerate() {
            assert!(task.is_done());
            assert_eq!(task.wait().unwrap(), i as u32);
        }
    }
}

#[test]
fn a_second_take_says_taken_and_debug_shows_state() {
    let pool = Pool::new(1).unwrap();
    let mut task = pool.submit_named("answer", || 42).unwrap();
    assert_eq!(task.name(), Some("answer"));
    assert!(task.id().get() >= 1);
    assert_eq!(task.wait_timeout(Duration::from_secs(10)).unwrap(), 42);
    assert!(format!("{task:?}").contains("Done"));
    assert!(matches!(task.wait(), Err(TaskError::Taken)));
}

/// Waiting in a loop with a timeout, from several threads and in every
/// way, leaves no registration behind: the list stays empty.
#[test]
fn timed_waits_in_a_loop_do_not_grow_the_waiter_list() {
    let (pool, blocker, release) = blocked_pool(None);
    let mut queued = pool.submit(|| 3).unwrap();
    let shared = pool.submit(|| 4).unwrap().shared();
    for _ in 0..200 {
        assert!(
            queued
                .wait_timeout(Duration::ZERO)
                .unwrap_err()
                .is_timeout()
        );
        assert!(queued.wait_done(Some(Duration::ZERO)).is_err());
        assert!(wait_any(&[&queued], Some(Duration::ZERO)).unwrap().is_err());
        let waited = wait(&[&queued], ReturnWhen::FirstCompleted, Some(Duration::ZERO));
        assert_eq!(waited.not_done, [0]);
        assert!(shared.wait_timeout(Duration::ZERO).is_err());
    }
    thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..50 {
                    assert!(queued.wait_done(Some(Duration::from_micros(10))).is_err());
                }
            });
        }
    });
    assert_eq!(job::waiting(queued.0.header()), 0);
    assert_eq!(job::waiting(shared.raw().header()), 0);
    release.send(()).unwrap();
    blocker.wait().unwrap();
    assert_eq!(queued.wait().unwrap(), 3);
    assert_eq!(shared.wait().unwrap(), 4);
}

/// The hang: two threads in `wait_all` and one in `wait_any` on the
/// same running task, plus an `.await` and a callback: every one wakes.
#[test]
fn every_kind_of_waiter_on_one_task_wakes() {
    let (pool, blocker, release) = blocked_pool(None);
    let tasks = vec![pool.submit(|| 9).unwrap()];
    let called = Arc::new(AtomicUsize::new(0));
    {
        let called = Arc::clone(&called);
        tasks[0].on_done(move |_| {
            called.fetch_add(1, Ordering::SeqCst);
        });
    }
    let barrier = Barrier::new(5);
    thread::scope(|s| {
        let all: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    wait_all(&tasks, Some(Duration::from_secs(30)))
                })
            })
            .collect();
        let any = s.spawn(|| {
            barrier.wait();
            wait_any(&tasks, Some(Duration::from_secs(30)))
        });
        let done = s.spawn(|| {
            barrier.wait();
            tasks[0].wait_done(Some(Duration::from_secs(30)))
        });
        barrier.wait();
        thread::sleep(Duration::from_millis(20));
        release.send(()).unwrap();
        for handle in all {
            handle.join().unwrap().unwrap();
        }
        assert!(matches!(any.join().unwrap(), Some(Ok(0))));
        done.join().unwrap().unwrap();
    });
    blocker.wait().unwrap();
    assert_eq!(called.load(Ordering::SeqCst), 1);
    let task = tasks.into_iter().next().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    assert_eq!(runtime.block_on(task).unwrap(), 9);
}

/// A wait on a worker of one pool runs nothing of another pool inline: a
/// 4-worker pool's tasks each submit to a 1-worker pool and wait; the inner
/// tasks all run on the inner pool's one thread, one at a time.
#[test]
fn a_waiting_worker_helps_only_its_own_pool() {
    let outer = Pool::new(4).unwrap();
    let inner = Arc::new(
        Pool::builder()
            .workers(1)
            .thread_name_prefix("inner")
            .build()
            .unwrap(),
    );
    let running = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (inner, running, most) =
                (Arc::clone(&inner), Arc::clone(&running), Arc::clone(&most));
            outer
                .submit(move || {
                    let task = inner
                        .submit(move || {
                            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                            most.fetch_max(now, Ordering::SeqCst);
                            thread::sleep(Duration::from_millis(5));
                            running.fetch_sub(1, Ordering::SeqCst);
                            thread::current().name().map(str::to_owned)
                        })
                        .unwrap();
                    task.wait().unwrap()
                })
                .unwrap()
        })
        .collect();
    for task in tasks {
        let name = task.wait().unwrap().unwrap();
        assert!(name.starts_with("inner-"), "ran on {name}");
    }
    assert_eq!(
        most.load(Ordering::SeqCst),
        1,
        "the inner pool's limit held"
    );
}

/// Dropping `Map` and dropping `AsCompleted` follow one rule: the tasks not
/// started are cancelled; the running ones finish.
#[test]
fn dropping_map_or_as_completed_cancels_what_has_not_started() {
    for kind in ["map", "as_completed"] {
        let pool = Pool::new(1).unwrap();
        let (release, gate) = mpsc::channel::<()>();
        let gate = Arc::new(Mutex::new(gate));
        let ran = Arc::new(AtomicUsize::new(0));
        let job = {
            let (gate, ran) = (Arc::clone(&gate), Arc::clone(&ran));
            move |i: usize| {
                if i == 0 {
                    let _ = gate.lock().unwrap().recv();
                }
                ran.fetch_add(1, Ordering::SeqCst);
            }
        };
        if kind == "map" {
            let mut results = pool.map(0..10usize, job);
            let first = thread::spawn(move || {
                thread::sleep(Duration::from_millis(20));
                release.send(()).unwrap();
            });
            assert!(results.next().unwrap().is_ok());
            first.join().unwrap();
            // Item 0 finished; with one worker, the others may have
            // started one by one meanwhile: drop at once.
            drop(results);
        } else {
            let job = Arc::new(job);
            let tasks: Vec<_> = (0..10usize)
                .map(|i| {
                    let job = Arc::clone(&job);
                    pool.submit(move || job(i)).unwrap()
                })
                .collect();
            let completed = as_completed(tasks);
            drop(completed);
            release.send(()).unwrap();
        }
        pool.shutdown();
        let ran = ran.load(Ordering::SeqCst);
        assert!(ran < 10, "{kind}: {ran} of 10 ran; the rest were cancelled");
    }
}

/// Panics in tasks are quiet by default: the hook does not see them.
#[test]
fn a_tasks_panic_skips_the_hook_unless_asked() {
    let pool = Pool::new(1).unwrap();
    let error = pool
        .submit(|| -> u8 { panic!("quiet one") })
        .unwrap()
        .wait()
        .unwrap_err();
    assert_eq!(error.to_string(), "task panicked: quiet one");
    let loud = Pool::builder()
        .workers(1)
        .quiet_panics(false)
        .build()
        .unwrap();
    let error = loud
        .submit(|| -> u8 { panic!("loud one") })
        .unwrap()
        .wait()
        .unwrap_err();
    assert!(error.is_panic());
}

/// `cancel` trips the task's own token, a child of the pool's: a running
/// cooperative task stops alone; the pool's other tasks go on.
#[test]
fn cancel_trips_the_tasks_own_token() {
    let pool = Pool::new(2).unwrap();
    let spin = |token: &CancelToken| {
        while !token.is_cancelled() {
            thread::yield_now();
        }
        "stopped"
    };
    let first = pool.submit_with_token(spin).unwrap();
    let second = pool.submit_with_token(spin).unwrap();
    while !(first.is_running() && second.is_running()) {
        thread::yield_now();
    }
    assert!(!first.cancel(), "running: not cancelled, but asked to stop");
    assert_eq!(first.wait().unwrap(), "stopped");
    assert!(second.is_running(), "the other task goes on");
    pool.shutdown_now();
    assert_eq!(second.wait().unwrap(), "stopped");
}

/// `started_at` is unset while pending, set once a worker starts it.
#[test]
fn started_at_is_set_when_a_worker_starts() {
    let (pool, blocker, release) = blocked_pool(None);
    let queued = pool.submit(|| ()).unwrap();
    assert!(queued.started_at().is_none());
    let before = Instant::now();
    release.send(()).unwrap();
    queued.wait_done(None).unwrap();
    let started = queued.started_at().unwrap();
    assert!(started >= before && started <= Instant::now());
    assert!(blocker.started_at().unwrap() <= before);
}

/// A callback that drops the last handle of its own task (held in an
/// `Arc`) neither deadlocks nor loses the task's panic: the report is left
/// to the finisher, which makes it once the callbacks are done.
#[test]
fn a_callback_dropping_its_own_tasks_last_handle_does_not_deadlock() {
    let pool = Pool::new(1).unwrap();
    let (release, gate) = mpsc::channel::<()>();
    let task = Arc::new(
        pool.submit_named("self-dropping", move || -> u8 {
            let _ = gate.recv();
            panic!("nobody reads this")
        })
        .unwrap(),
    );
    let inside = Arc::clone(&task);
    let holder = Arc::new(Mutex::new(Some(inside)));
    let in_callback = Arc::clone(&holder);
    task.on_done(move |_| {
        // The last handle goes away inside its own callback.
        drop(in_callback.lock().unwrap().take());
    });
    drop(task);
    release.send(()).unwrap();
    let lost = pool.shutdown();
    assert!(holder.lock().unwrap().is_none(), "the callback ran");
    assert_eq!(lost.len(), 1, "{lost:?}");
    assert_eq!(lost[0].name.as_deref(), Some("self-dropping"));
}

/// Tasks of different result types are waited for together through
/// `&dyn Waitable`, as Python waits on any futures.
#[test]
fn wait_mixes_result_types_through_dyn_waitable() {
    let pool = Pool::new(2).unwrap();
    let number = pool.submit(|| 1u8).unwrap();
    let text = pool.submit(|| String::from("two")).unwrap();
    let shared = pool.submit(|| 3.0f64).unwrap().shared();
    let tasks: [&dyn Waitable; 3] = [&number, &text, &shared];
    let waited = wait(
        &tasks,
        ReturnWhen::AllCompleted,
        Some(Duration::from_secs(30)),
    );
    assert_eq!(waited.done, [0, 1, 2]);
    assert_eq!(wait_any(&tasks, None), Some(Ok(0)));
    assert_eq!((number.wait(), text.wait()), (Ok(1), Ok("two".to_owned())));
    assert_eq!(shared.wait(), Ok(3.0));
}

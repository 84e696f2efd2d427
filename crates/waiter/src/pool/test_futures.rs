//! Python's own executor tests (`Lib/test/test_concurrent_futures/`:
//! `test_future.py`, `test_wait.py`, `test_as_completed.py`,
//! `executor.py`, `test_shutdown.py`, `test_thread_pool.py`,
//! `test_init.py`), ported to this API. Each test names the Python test it
//! follows; where the semantics differ on purpose (see the table in the
//! [module docs](super)), the test says how.
//!
//! Python's fixture futures (`PENDING_FUTURE`, `RUNNING_FUTURE`,
//! `CANCELLED_FUTURE`, `EXCEPTION_FUTURE`, `SUCCESSFUL_FUTURE`) are made
//! here from real tasks of a one-worker pool held busy by a gate.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use super::*;

/// Generous: only a lost wake-up or a hang reaches it.
const LONG: Duration = Duration::from_secs(30);
const SHORT: Duration = Duration::from_millis(50);

/// A pool whose only worker is held until `release` (or the fixture is
/// dropped), plus tasks in each of Python's fixture states.
struct Fixture {
    release: Option<mpsc::Sender<()>>,
    /// Holds the worker; `RUNNING_FUTURE`.
    running: Option<Task<i32>>,
    pool: Pool,
}

impl Fixture {
    fn new() -> Self {
        let pool = Pool::new(1).unwrap();
        let (release, gate) = mpsc::channel::<()>();
        let running = pool
            .submit(move || {
                let _ = gate.recv();
                -1
            })
            .unwrap();
        while !running.is_running() {
            thread::yield_now();
        }
        Self {
            release: Some(release),
            running: Some(running),
            pool,
        }
    }

    /// `PENDING_FUTURE`: queued behind the held worker.
    fn pending(&self, value: i32) -> Task<i32> {
        self.pool.submit(move || value).unwrap()
    }

    fn running(&self) -> &Task<i32> {
        self.running.as_ref().unwrap()
    }

    fn release(&mut self) {
        self.release.take();
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        self.release.take();
    }
}

/// `SUCCESSFUL_FUTURE`: done with `value`.
fn successful(pool: &Pool, value: i32) -> Task<i32> {
    let task = pool.submit(move || value).unwrap();
    task.wait_done(Some(LONG)).unwrap();
    task
}

/// `EXCEPTION_FUTURE`: done with a panic (Python: `OSError()`).
fn failed(pool: &Pool) -> Task<i32> {
    let task = pool.submit(|| -> i32 { panic!("OSError") }).unwrap();
    task.wait_done(Some(LONG)).unwrap();
    task
}

/// `CANCELLED_AND_NOTIFIED_FUTURE`: cancelled while pending.
fn cancelled(fixture: &Fixture) -> Task<i32> {
    let task = fixture.pending(0);
    assert!(task.cancel());
    task
}

// ---- test_future.py: FutureTests ----

/// `test_cancel`: pending → `True` and cancelled; cancelled again → `True`;
/// running, failed, successful → `False` and unchanged.
#[test]
fn future_cancel_answers_as_python() {
    let fixture = Fixture::new();
    let pending = fixture.pending(1);
    assert!(pending.cancel());
    assert_eq!(pending.state(), TaskState::Cancelled);
    assert!(pending.cancel(), "CANCELLED_AND_NOTIFIED: True");
    assert!(!fixture.running().cancel());
    assert_eq!(fixture.running().state(), TaskState::Running);
    let other = Pool::new(1).unwrap();
    let failed = failed(&other);
    assert!(!failed.cancel());
    assert_eq!(failed.state(), TaskState::Done);
    let done = successful(&other, 42);
    assert!(!done.cancel());
    assert_eq!(done.state(), TaskState::Done);
}

/// `test_cancelled`, `test_done`, `test_running` over every fixture state.
#[test]
fn future_states_cancelled_done_running() {
    let fixture = Fixture::new();
    let other = Pool::new(1).unwrap();
    let pending = fixture.pending(1);
    let cancelled = cancelled(&fixture);
    let failed = failed(&other);
    let done = successful(&other, 42);
    let table = [
        (&pending, false, false, false),
        (fixture.running(), false, false, true),
        (&cancelled, true, true, false),
        (&failed, false, true, false),
        (&done, false, true, false),
    ];
    for (task, is_cancelled, is_done, is_running) in table {
        assert_eq!(task.is_cancelled(), is_cancelled, "{task:?}");
        assert_eq!(task.is_done(), is_done, "{task:?}");
        assert_eq!(task.is_running(), is_running, "{task:?}");
    }
}

/// `test_result_with_timeout`: pending and running time out; cancelled is
/// `CancelledError`; failed re-raises; successful gives 42.
#[test]
fn future_result_with_timeout() {
    let mut fixture = Fixture::new();
    let other = Pool::new(1).unwrap();
    let mut pending = fixture.pending(1);
    assert!(matches!(
        pending.wait_timeout(Duration::ZERO),
        Err(TaskError::Timeout)
    ));
    let mut running = fixture.running.take().unwrap();
    assert!(matches!(
        running.wait_timeout(Duration::ZERO),
        Err(TaskError::Timeout)
    ));
    let mut cancelled = cancelled(&fixture);
    assert!(matches!(
        cancelled.wait_timeout(Duration::ZERO),
        Err(TaskError::Cancelled)
    ));
    let mut failed = failed(&other);
    let error = failed.wait_timeout(Duration::ZERO).unwrap_err();
    assert!(error.is_panic() && error.to_string().contains("OSError"));
    assert_eq!(
        successful(&other, 42).wait_timeout(Duration::ZERO).unwrap(),
        42
    );
    fixture.release();
    assert_eq!(running.wait_timeout(LONG).unwrap(), -1);
    assert_eq!(pending.wait_timeout(LONG).unwrap(), 1);
}

/// `test_result_with_success`: the result set from another thread wakes a
/// waiter with a timeout.
#[test]
fn future_result_with_success() {
    let mut fixture = Fixture::new();
    let mut task = fixture.pending(42);
    thread::scope(|s| {
        s.spawn(|| {
            thread::sleep(SHORT);
            fixture.release();
        });
        assert_eq!(task.wait_timeout(LONG).unwrap(), 42);
    });
}

/// `test_result_with_cancel`: a cancel from another thread wakes a waiter
/// with `CancelledError`.
#[test]
fn future_result_with_cancel() {
    let fixture = Fixture::new();
    let mut task = fixture.pending(42);
    let handle = &task;
    thread::scope(|s| {
        s.spawn(move || {
            thread::sleep(SHORT);
            assert!(handle.cancel());
        });
        handle.wait_done(Some(LONG)).unwrap();
    });
    assert!(matches!(task.wait_timeout(LONG), Err(TaskError::Cancelled)));
}

/// `test_exception_with_timeout` / `_with_success`: the error of a failed
/// task, after a timeout while it runs.
#[test]
fn future_exception_with_timeout_then_success() {
    let pool = Pool::new(1).unwrap();
    let (go, gate) = mpsc::channel::<()>();
    let mut task = pool
        .submit(move || -> i32 {
            let _ = gate.recv();
            panic!("OSError")
        })
        .unwrap();
    assert!(matches!(task.wait_timeout(SHORT), Err(TaskError::Timeout)));
    go.send(()).unwrap();
    assert!(task.wait_timeout(LONG).unwrap_err().is_panic());
}

/// `test_done_callback_with_result`, `_with_exception`, `_with_cancel`: the
/// callback is called once with the outcome.
#[test]
fn future_done_callback_sees_result_exception_and_cancel() {
    let fixture = Fixture::new();
    let other = Pool::new(1).unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = |seen: &Arc<Mutex<Vec<String>>>| {
        let seen = Arc::clone(seen);
        move |outcome: Result<&i32, &TaskError>| {
            seen.lock().unwrap().push(match outcome {
                Ok(value) => format!("value {value}"),
                Err(error) => format!("error {error}"),
            });
        }
    };
    let (go, gate) = mpsc::channel::<()>();
    let value = other
        .submit(move || {
            let _ = gate.recv();
            5
        })
        .unwrap();
    value.on_done(record(&seen));
    go.send(()).unwrap();
    value.wait_done(Some(LONG)).unwrap();

    let pending = fixture.pending(1);
    pending.on_done(record(&seen));
    assert!(pending.cancel());

    let panicking = other.submit(|| -> i32 { panic!("boom") }).unwrap();
    let wait_for_it = Arc::new(Barrier::new(2));
    {
        let wait_for_it = Arc::clone(&wait_for_it);
        let record = record(&seen);
        panicking.on_done(move |outcome| {
            record(outcome);
            wait_for_it.wait();
        });
    }
    wait_for_it.wait();
    assert_eq!(
        *seen.lock().unwrap(),
        [
            "value 5",
            "error task was cancelled before it started",
            "error task panicked: boom"
        ]
    );
}

/// `test_done_callback_raises`: a raising callback is logged; the next one
/// still runs, and the worker survives.
#[test]
fn future_done_callback_raises_and_the_next_still_runs() {
    let pool = Pool::new(1).unwrap();
    let (go, gate) = mpsc::channel::<()>();
    let task = pool
        .submit(move || {
            let _ = gate.recv();
            7
        })
        .unwrap();
    let called = Arc::new(AtomicUsize::new(0));
    task.on_done(|_| panic!("doh!"));
    {
        let called = Arc::clone(&called);
        task.on_done(move |outcome| {
            assert_eq!(outcome.ok(), Some(&7));
            called.fetch_add(1, Ordering::SeqCst);
        });
    }
    go.send(()).unwrap();
    assert_eq!(task.wait().unwrap(), 7);
    assert_eq!(called.load(Ordering::SeqCst), 1);
    assert_eq!(
        pool.submit(|| 8).unwrap().wait().unwrap(),
        8,
        "the worker lives"
    );
}

/// `test_done_callback_already_successful`, `_already_failed`,
/// `_already_cancelled`: added to a finished task, it runs at once, here.
#[test]
fn future_done_callback_on_a_finished_task_runs_at_once() {
    let fixture = Fixture::new();
    let other = Pool::new(1).unwrap();
    let me = thread::current().id();
    for (task, expected) in [
        (successful(&other, 5), "Ok(5)"),
        (failed(&other), "Err(Panicked(Panic(\"OSError\")))"),
        (cancelled(&fixture), "Err(Cancelled)"),
    ] {
        let seen = Arc::new(Mutex::new(None));
        let sink = Arc::clone(&seen);
        task.on_done(move |outcome| {
            assert_eq!(thread::current().id(), me);
            *sink.lock().unwrap() = Some(format!("{outcome:?}"));
        });
        assert_eq!(seen.lock().unwrap().as_deref(), Some(expected));
    }
}

/// Python calls callbacks in the order they were added.
#[test]
fn future_done_callbacks_run_in_the_order_added() {
    let fixture = Fixture::new();
    let task = fixture.pending(1);
    let order = Arc::new(Mutex::new(Vec::new()));
    for i in 0..5 {
        let order = Arc::clone(&order);
        task.on_done(move |_| order.lock().unwrap().push(i));
    }
    drop(fixture);
    assert_eq!(task.wait().unwrap(), 1);
    assert_eq!(*order.lock().unwrap(), [0, 1, 2, 3, 4]);
}

// ---- test_wait.py ----

/// `test_20369`: a task that is already done comes back done (Python also
/// drops a duplicate; a `&[&Task]` may hold one twice, and is reported at
/// both indices).
#[test]
fn wait_on_already_done_tasks_and_duplicates() {
    let pool = Pool::new(1).unwrap();
    let task = successful(&pool, 1);
    for return_when in [
        ReturnWhen::FirstCompleted,
        ReturnWhen::FirstException,
        ReturnWhen::AllCompleted,
    ] {
        let waited = wait(&[&task, &task], return_when, None);
        assert_eq!(waited.done, [0, 1]);
        assert!(waited.not_done.is_empty());
    }
}

/// `test_first_completed`: the quick task is done, the slow one and a
/// pending one are not. (Python's fixture `CANCELLED_FUTURE` was never
/// notified and counts as not done; a cancelled task here is finished.)
#[test]
fn wait_first_completed() {
    let pool = Pool::new(2).unwrap();
    let (release, gate) = mpsc::channel::<()>();
    let tasks = vec![
        pool.submit(|| 21 * 2).unwrap(),
        pool.submit(move || {
            let _ = gate.recv();
            0
        })
        .unwrap(),
    ];
    let waited = wait(&tasks, ReturnWhen::FirstCompleted, None);
    assert_eq!((waited.done, waited.not_done), (vec![0], vec![1]));
    release.send(()).unwrap();
}

/// `test_first_completed_some_already_completed`.
#[test]
fn wait_first_completed_some_already_completed() {
    let fixture = Fixture::new();
    let other = Pool::new(1).unwrap();
    let tasks = [
        cancelled(&fixture),
        successful(&other, 1),
        fixture.pending(2),
    ];
    let waited = wait(&tasks, ReturnWhen::FirstCompleted, Some(LONG));
    assert_eq!((waited.done, waited.not_done), (vec![0, 1], vec![2]));
}

/// `test_first_exception`: returns at the failure, with the slow task not
/// done.
#[test]
fn wait_first_exception() {
    let pool = Pool::new(3).unwrap();
    let (release, gate) = mpsc::channel::<()>();
    let tasks = vec![
        pool.submit(|| 2 * 21).unwrap(),
        pool.submit(move || {
            let _ = gate.recv();
            0
        })
        .unwrap(),
        pool.submit(|| -> i32 {
            // Long enough that the quick task is done by then.
            thread::sleep(Duration::from_millis(200));
            panic!("exception")
        })
        .unwrap(),
    ];
    let waited = wait(&tasks, ReturnWhen::FirstException, None);
    assert_eq!((waited.done, waited.not_done), (vec![0, 2], vec![1]));
    release.send(()).unwrap();
}

/// `test_first_exception_some_already_complete`: a cancelled task is not an
/// exception, so it waits on until the failure.
#[test]
fn wait_first_exception_some_already_complete() {
    let fixture = Fixture::new();
    let other = Pool::new(1).unwrap();
    let failing = other
        .submit(|| -> i32 {
            thread::sleep(SHORT);
            panic!("later")
        })
        .unwrap();
    let tasks = [
        successful(&other, 1),
        cancelled(&fixture),
        fixture.pending(3),
        failing,
    ];
    let waited = wait(&tasks, ReturnWhen::FirstException, Some(LONG));
    assert_eq!((waited.done, waited.not_done), (vec![0, 1, 3], vec![2]));
}

/// `test_first_exception_one_already_failed`: returns at once.
#[test]
fn wait_first_exception_one_already_failed() {
    let fixture = Fixture::new();
    let other = Pool::new(1).unwrap();
    let tasks = [failed(&other), fixture.pending(1)];
    let waited = wait(&tasks, ReturnWhen::FirstException, None);
    assert_eq!((waited.done, waited.not_done), (vec![0], vec![1]));
}

/// `test_all_completed`.
#[test]
fn wait_all_completed() {
    let fixture = Fixture::new();
    let other = Pool::new(2).unwrap();
    let tasks = [
        successful(&other, 1),
        cancelled(&fixture),
        failed(&other),
        other.submit(|| 21 * 2).unwrap(),
        other.submit(|| 6 * 7).unwrap(),
    ];
    let waited = wait(&tasks, ReturnWhen::AllCompleted, None);
    assert_eq!(waited.done, [0, 1, 2, 3, 4]);
    assert!(waited.not_done.is_empty());
}

/// `test_timeout`: on a timeout, the done set and the unfinished rest.
#[test]
fn wait_timeout_reports_done_and_not_done() {
    let fixture = Fixture::new();
    let other = Pool::new(2).unwrap();
    let tasks = [
        cancelled(&fixture),
        failed(&other),
        successful(&other, 1),
        other.submit(|| 6 * 7).unwrap(),
        fixture.pending(2),
    ];
    let start = Instant::now();
    let limit = Duration::from_millis(300);
    let waited = wait(&tasks, ReturnWhen::AllCompleted, Some(limit));
    assert!(start.elapsed() >= limit);
    assert_eq!((waited.done, waited.not_done), (vec![0, 1, 2, 3], vec![4]));
}

/// `wait([])` returns at once with two empty sets, whatever `return_when`.
#[test]
fn wait_on_nothing_returns_at_once() {
    for return_when in [ReturnWhen::FirstCompleted, ReturnWhen::FirstException] {
        assert_eq!(wait::<Task<()>>(&[], return_when, None), Waited::default());
    }
}

/// `test_pending_calls_race`: many tasks, waited for while they finish.
#[test]
fn wait_pending_calls_race() {
    let pool = Pool::new(4).unwrap();
    let event = Arc::new(Barrier::new(1));
    let tasks: Vec<_> = (0..100)
        .map(|i| {
            let event = Arc::clone(&event);
            pool.submit(move || {
                event.wait();
                i
            })
            .unwrap()
        })
        .collect();
    let waited = wait(&tasks, ReturnWhen::AllCompleted, None);
    assert_eq!(waited.done.len(), 100);
}

// ---- test_as_completed.py ----

/// `test_no_timeout`: every task, already finished or not, once.
#[test]
fn as_completed_no_timeout() {
    let fixture = Fixture::new();
    let other = Pool::new(2).unwrap();
    let tasks = vec![
        cancelled(&fixture),
        failed(&other),
        successful(&other, 1),
        other.submit(|| 21 * 2).unwrap(),
        other.submit(|| 6 * 7).unwrap(),
    ];
    let mut indices: Vec<usize> = as_completed(tasks).map(|(i, _)| i).collect();
    indices.sort_unstable();
    assert_eq!(indices, [0, 1, 2, 3, 4]);
}

/// `test_future_times_out`: the finished ones, then one `TimeoutError`, and
/// the unfinished task is left as it was.
#[test]
fn as_completed_times_out_once_and_leaves_the_rest() {
    let fixture = Fixture::new();
    let other = Pool::new(1).unwrap();
    let tasks = vec![
        cancelled(&fixture),
        failed(&other),
        successful(&other, 1),
        fixture.pending(4),
    ];
    let mut completed = as_completed_timeout(tasks, Duration::ZERO);
    let mut finished = Vec::new();
    let mut timeouts = 0;
    for item in completed.by_ref() {
        match item {
            Ok((index, _)) => finished.push(index),
            Err(error) => {
                assert!(error.is_timeout());
                timeouts += 1;
            }
        }
    }
    finished.sort_unstable();
    assert_eq!((finished, timeouts), (vec![0, 1, 2], 1));
    let rest = completed.into_remaining();
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0].0, 3);
    assert_eq!(rest[0].1.state(), TaskState::Pending, "untouched");
    drop(fixture);
    let (_, task) = rest.into_iter().next().unwrap();
    assert_eq!(task.wait().unwrap(), 4);
}

/// `test_duplicate_futures`: a shared task passed three times is one task
/// finished three times; each clone yields the same value.
#[test]
fn as_completed_with_clones_of_one_task() {
    let pool = Pool::new(1).unwrap();
    let shared = pool.submit(|| 5).unwrap().shared();
    let values: Vec<i32> = as_completed(vec![shared.clone(), shared.clone(), shared])
        .map(|(_, r)| r.unwrap())
        .collect();
    assert_eq!(values, [5, 5, 5]);
}

/// `as_completed` with a timeout that is not reached ends normally.
#[test]
fn as_completed_timeout_not_reached() {
    let pool = Pool::new(2).unwrap();
    let tasks: Vec<_> = (0..10).map(|i| pool.submit(move || i).unwrap()).collect();
    let mut values: Vec<i32> = as_completed_timeout(tasks, LONG)
        .map(|item| item.unwrap().1.unwrap())
        .collect();
    values.sort_unstable();
    assert_eq!(values, (0..10).collect::<Vec<_>>());
}

// ---- executor.py: ExecutorTest ----

/// `test_submit`, `test_submit_keyword`.
#[test]
fn executor_submit() {
    let pool = Pool::new(2).unwrap();
    assert_eq!(pool.submit(|| 2u32.pow(8)).unwrap().wait().unwrap(), 256);
    let (base, exp) = (2u32, 8);
    assert_eq!(
        pool.submit(move || base.pow(exp)).unwrap().wait().unwrap(),
        256
    );
}

/// `test_map`: in input order, equal to the sequential map.
#[test]
fn executor_map() {
    let pool = Pool::new(3).unwrap();
    let parallel: Vec<u64> = pool
        .map(0..10u32, |i| u64::from(i).pow(i))
        .map(Result::unwrap)
        .collect();
    let sequential: Vec<u64> = (0..10u32).map(|i| u64::from(i).pow(i)).collect();
    assert_eq!(parallel, sequential);
}

/// `test_map_exception`: results up to the failure, then its error (Python
/// raises there and stops; here each item is a `Result`, so it goes on).
#[test]
fn executor_map_exception() {
    let pool = Pool::new(2).unwrap();
    let mut results = pool.map([2, 3, 0, 5], |d: i32| {
        1i32.checked_div(d).expect("division by zero")
    });
    assert_eq!(results.next().unwrap().unwrap(), 0);
    assert_eq!(results.next().unwrap().unwrap(), 0);
    let error = results.next().unwrap().unwrap_err();
    assert!(error.to_string().contains("division by zero"), "{error}");
}

/// `test_map_timeout`: the quick results, then one `TimeoutError`, then the
/// end; the late task is cancelled or left to finish, never yielded.
#[test]
fn executor_map_timeout() {
    let pool = Pool::new(1).unwrap();
    let (release, gate) = mpsc::channel::<()>();
    let gate = Mutex::new(gate);
    let results: Vec<_> = pool
        .map([0, 0, 1], move |block: i32| {
            if block == 1 {
                let _ = gate.lock().unwrap().recv();
            }
        })
        .timeout(Duration::from_millis(200))
        .collect();
    release.send(()).ok();
    assert_eq!(results.len(), 3);
    assert!(results[0].is_ok() && results[1].is_ok());
    assert!(matches!(results[2], Err(TaskError::Timeout)));
}

/// `test_max_workers_negative` (and zero): a clear error.
#[test]
fn executor_zero_workers_is_an_error() {
    assert!(matches!(Pool::new(0), Err(BuildError::ZeroWorkers)));
}

// ---- test_shutdown.py ----

/// `test_run_after_shutdown`: refused, with the closure back.
#[test]
fn shutdown_then_submit_is_refused() {
    let pool = Pool::new(1).unwrap();
    pool.shutdown();
    assert!(pool.submit(|| 2u32.pow(2)).unwrap_err().is_shutdown());
}

/// `test_hang_issue12364`: shutdown waits for every submitted task.
#[test]
fn shutdown_waits_for_every_task() {
    let pool = Pool::new(2).unwrap();
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            pool.submit(|| thread::sleep(Duration::from_millis(1)))
                .unwrap()
        })
        .collect();
    pool.shutdown();
    for task in tasks {
        assert!(task.is_done());
        task.wait().unwrap();
    }
}

/// `test_cancel_futures`: some ran, the rest were cancelled, all finished.
#[test]
fn shutdown_cancel_futures() {
    let pool = Pool::new(1).unwrap();
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            pool.submit(|| thread::sleep(Duration::from_millis(2)))
                .unwrap()
        })
        .collect();
    pool.shutdown_now();
    let cancelled = tasks.iter().filter(|t| t.is_cancelled()).count();
    assert!(cancelled > 0, "some were still pending");
    assert!(tasks.iter().all(Task::is_done));
}

/// `test_shutdown_no_wait`: returns at once; the workers still finish the
/// work and exit.
#[test]
fn shutdown_no_wait_then_the_work_still_finishes() {
    let pool = Pool::builder()
        .workers(2)
        .thread_name_prefix("no-wait")
        .build()
        .unwrap();
    let done = Arc::new(AtomicUsize::new(0));
    for _ in 0..4 {
        let done = Arc::clone(&done);
        pool.submit(move || {
            thread::sleep(Duration::from_millis(200));
            done.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap();
    }
    let start = Instant::now();
    assert!(!pool.shutdown_timeout(Duration::ZERO));
    assert!(start.elapsed() < Duration::from_millis(150), "did not wait");
    assert!(pool.shutdown_timeout(LONG), "the workers exit on their own");
    assert_eq!(done.load(Ordering::SeqCst), 4);
}

/// `test_threads_terminate` / `test_context_manager_shutdown`: after the
/// pool is dropped every worker is joined and every task ran.
#[test]
fn dropping_the_pool_joins_every_worker() {
    let done = Arc::new(AtomicUsize::new(0));
    let workers: Vec<thread::ThreadId> = {
        let pool = Pool::new(3).unwrap();
        let ids: Vec<_> = (0..30)
            .map(|_| {
                let done = Arc::clone(&done);
                pool.submit(move || {
                    done.fetch_add(1, Ordering::SeqCst);
                    thread::current().id()
                })
                .unwrap()
            })
            .collect();
        ids.into_iter().map(|t| t.wait().unwrap()).collect()
    };
    assert_eq!(done.load(Ordering::SeqCst), 30);
    assert!(!workers.contains(&thread::current().id()));
}

// ---- test_thread_pool.py ----

/// `test_saturation`: never more threads than `max_workers`, however many
/// tasks block.
#[test]
fn thread_pool_saturation() {
    let pool = Pool::new(4).unwrap();
    let (release, gate) = mpsc::channel::<()>();
    let gate = Arc::new(Mutex::new(gate));
    let threads = Arc::new(Mutex::new(std::collections::HashSet::new()));
    let tasks: Vec<_> = (0..60)
        .map(|_| {
            let (gate, threads) = (Arc::clone(&gate), Arc::clone(&threads));
            pool.submit(move || {
                threads.lock().unwrap().insert(thread::current().id());
                let _ = gate.lock().unwrap().recv();
            })
            .unwrap()
        })
        .collect();
    for _ in 0..60 {
        release.send(()).unwrap();
    }
    wait_all(&tasks, Some(LONG)).unwrap();
    assert!(threads.lock().unwrap().len() <= 4);
}

/// `test_default_workers`: the default is documented (here:
/// `available_parallelism`, not `cpus + 4`).
#[test]
fn thread_pool_default_workers() {
    let pool = Pool::builder().build().unwrap();
    assert_eq!(pool.workers(), default_workers());
}

/// `thread_name_prefix`: each worker is named `{prefix}-{index}`.
#[test]
fn thread_pool_thread_name_prefix() {
    let pool = Pool::builder()
        .workers(2)
        .thread_name_prefix("SpecialPool")
        .build()
        .unwrap();
    let name = pool
        .submit(|| thread::current().name().map(str::to_owned))
        .unwrap()
        .wait()
        .unwrap()
        .unwrap();
    assert!(name.starts_with("SpecialPool-"), "{name}");
}

// ---- test_init.py ----

thread_local!(static INITIALIZED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) });

/// `InitializerMixin.test_initializer`: every worker ran it before a task.
#[test]
fn initializer_runs_on_every_worker_first() {
    let runs = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&runs);
    let pool = Pool::builder()
        .workers(3)
        .initializer(move || {
            counted.fetch_add(1, Ordering::SeqCst);
            INITIALIZED.set(true);
        })
        .build()
        .unwrap();
    let seen: Vec<bool> = pool
        .map(0..30, |_| INITIALIZED.get())
        .map(Result::unwrap)
        .collect();
    assert!(seen.iter().all(|&ready| ready));
    pool.shutdown();
    assert_eq!(runs.load(Ordering::SeqCst), 3);
}

/// `FailingInitializerMixin.test_initializer`: a failing initializer breaks
/// the pool: submitted and later tasks fail with `BrokenThreadPool`.
#[test]
fn failing_initializer_breaks_the_pool() {
    for fails_by_panic in [false, true] {
        let pool = Pool::builder()
            .workers(2)
            .initializer(move || {
                if fails_by_panic {
                    panic!("error in initializer");
                }
                Err::<(), _>("error in initializer")
            })
            .build()
            .unwrap();
        let early = pool.submit(|| 1).unwrap();
        let error = early.wait().unwrap_err();
        assert!(error.is_broken(), "{error}");
        assert!(
            error.to_string().contains("error in initializer"),
            "{error}"
        );
        let reason = pool.broken().expect("the pool says it is broken");
        assert!(reason.contains("error in initializer"));
        let later = pool.submit(|| 2).unwrap();
        assert!(later.wait().unwrap_err().is_broken());
    }
}

//! The promises of the process pool's docs, one check each: typed calls,
//! one result per `map` item, true task states, failures named as such,
//! and a worker writing garbage failing only its own calls.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde::{Deserialize, Serialize, Serializer};
use waiter::process::{ProcessError, ProcessPool, Registry, TaskDef, TaskError};

use super::{PICKY, SERVED, SLEEP_MS, SQUARE, pool, registry};

/// A `map` item: a number to square, or one of three troublemakers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub(crate) struct Picky(pub(crate) u64);

/// Cannot be encoded: serde refuses it in the parent.
pub(crate) const UNENCODABLE: u64 = 1_000_001;
/// Aborts the worker running it.
pub(crate) const KILLS: u64 = 1_000_002;
/// Panics in the worker.
pub(crate) const PANICS: u64 = 1_000_003;

impl Serialize for Picky {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.0 == UNENCODABLE {
            return Err(serde::ser::Error::custom("this item refuses to be encoded"));
        }
        serializer.serialize_newtype_struct("Picky", &self.0)
    }
}

/// The task behind [`PICKY`].
pub(crate) fn picky(item: Picky) -> u64 {
    match item.0 {
        KILLS => std::process::abort(),
        PANICS => panic!("item {PANICS} panics"),
        x => x * x,
    }
}

/// The worker of another program (or version): `square` takes and gives
/// `i64`, and there is no `sleep_ms`.
pub(crate) fn other_registry() -> Registry {
    Registry::new().register(TaskDef::<i64, i64>::new("square"), |x| x * x)
}

/// The argument that makes a worker serve [`other_registry`].
pub(crate) const OTHER_REGISTRY: &str = "--other-registry";

/// Each row of the table of silent wrong answers, called through the
/// unchecked path (a `TaskDef` made up with the wrong types): refused at
/// submission, naming both signatures. (Through `SQUARE` itself each is a
/// compile error: the `compile_fail` examples of the `process` module.)
pub(crate) fn wrong_types_are_refused_not_reinterpreted() {
    let pool = pool(1);
    let square = |found: &str| ProcessError::Mismatch {
        task: "square".into(),
        expected: "fn(u64) -> u64".into(),
        found: found.into(),
    };
    let refused = |result: Result<waiter::ProcessTask<u64>, ProcessError>| {
        result
            .expect_err("a mismatched call is refused")
            .to_string()
    };
    assert_eq!(
        refused(pool.submit(TaskDef::<i32, u64>::new("square"), &3)),
        square("fn(i32) -> u64").to_string()
    );
    assert_eq!(
        refused(pool.submit(TaskDef::<i64, u64>::new("square"), &-3)),
        square("fn(i64) -> u64").to_string()
    );
    assert_eq!(
        refused(pool.submit(TaskDef::<&str, u64>::new("square"), &"three")),
        square("fn(&str) -> u64").to_string()
    );
    assert_eq!(
        refused(pool.submit(TaskDef::<f64, u64>::new("square"), &3.0)),
        square("fn(f64) -> u64").to_string()
    );
    let wrong_result = pool
        .submit(TaskDef::<u64, String>::new("square"), &3)
        .unwrap_err();
    assert_eq!(
        wrong_result.to_string(),
        square("fn(u64) -> alloc::string::String").to_string()
    );
    assert!(matches!(
        pool.map(TaskDef::<i32, u64>::new("square"), [1, 2], 1),
        Err(ProcessError::Mismatch { .. })
    ));
    // The well-typed call: `&3` is a u64 here.
    assert_eq!(pool.submit(SQUARE, &3).unwrap().wait(), Ok(9));
}

/// A worker whose registry differs from the parent's answers `Mismatch`
/// with both signatures and decodes nothing; a task it lacks is
/// `UnknownTask`. Per item in a `map` too, one result per item.
pub(crate) fn a_worker_with_other_types_answers_mismatch() {
    let pool = ProcessPool::builder(registry())
        .workers(1)
        .args([OTHER_REGISTRY])
        .build()
        .expect("the other program starts");
    let error = pool.submit(SQUARE, &3).unwrap().wait().unwrap_err();
    assert_eq!(
        error,
        TaskError::Mismatch {
            task: "square".into(),
            expected: "fn(i64) -> i64".into(),
            found: "fn(u64) -> u64".into(),
        }
    );
    assert_eq!(
        error.to_string(),
        "the worker's task \"square\" is fn(i64) -> i64, called as fn(u64) -> u64"
    );
    assert_eq!(
        pool.submit(SLEEP_MS, &1).unwrap().wait(),
        Err(TaskError::UnknownTask("sleep_ms".into()))
    );
    let results: Vec<_> = pool.map(SQUARE, 0..7, 3).unwrap().collect();
    assert_eq!(results.len(), 7);
    assert!(
        results
            .iter()
            .all(|r| r.as_ref().is_err_and(TaskError::is_mismatch))
    );
    // The worker is fine: a mismatch is the call's failure, not the
    // worker's.
    assert_eq!(pool.restarts(), 0);
}

/// What `map` must yield for `items` in chunks of `chunk`: the oracle.
fn expected(items: &[u64], chunk: usize) -> Vec<Result<u64, &'static str>> {
    items
        .chunks(chunk)
        .flat_map(|chunk| {
            let killed = chunk.contains(&KILLS);
            chunk.iter().map(move |&x| match x {
                UNENCODABLE => Err("encode"),
                _ if killed => Err("died"),
                PANICS => Err("panic"),
                x => Ok(x * x),
            })
        })
        .collect()
}

fn observed(results: Vec<Result<u64, TaskError>>) -> Vec<Result<u64, &'static str>> {
    results
        .into_iter()
        .map(|result| {
            result.map_err(|error| match error {
                TaskError::Encode(_) => "encode",
                TaskError::WorkerDied(_) => "died",
                TaskError::Panicked { .. } => "panic",
                other => panic!("unexpected {other}"),
            })
        })
        .collect()
}

/// The two cases of the report: a worker killed mid-way through 60 items
/// in chunks of 5, and one item that cannot be encoded among 20.
pub(crate) fn map_keeps_one_result_per_item_in_the_reported_cases() {
    let pool = pool(2);
    let mut items: Vec<u64> = (0..60).collect();
    items[31] = KILLS;
    let results: Vec<_> = pool
        .map(PICKY, items.iter().map(|&x| Picky(x)), 5)
        .unwrap()
        .collect();
    assert_eq!(results.len(), 60);
    assert_eq!(observed(results), expected(&items, 5));
    let mut items: Vec<u64> = (0..20).collect();
    items[13] = UNENCODABLE;
    let results: Vec<_> = pool
        .map(PICKY, items.iter().map(|&x| Picky(x)), 5)
        .unwrap()
        .collect();
    assert_eq!(results.len(), 20);
    assert_eq!(observed(results), expected(&items, 5));
}

/// Random item counts, chunk sizes, kills, panics and unencodable items:
/// as many results as items, each `Ok` the item's square at its index, each
/// failure the one its item or chunk calls for.
pub(crate) fn map_yields_one_result_per_item_whatever_happens() {
    let cases = std::env::var("WAITER_MAP_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(32);
    let pool = pool(2);
    let item = prop_oneof![
        12 => 0u64..1_000,
        1 => Just(UNENCODABLE),
        1 => Just(KILLS),
        1 => Just(PANICS),
    ];
    let strategy = (proptest::collection::vec(item, 0..48), 1usize..9);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let outcome = runner.run(&strategy, |(items, chunk)| {
        let results: Vec<_> = pool
            .map(PICKY, items.iter().map(|&x| Picky(x)), chunk)
            .unwrap()
            .collect();
        prop_assert_eq!(results.len(), items.len());
        prop_assert_eq!(observed(results), expected(&items, chunk));
        Ok(())
    });
    if let Err(failure) = outcome {
        panic!("{failure}");
    }
    println!(
        "    {cases} random maps, {} worker restarts",
        pool.restarts()
    );
}

/// A 1-worker pool and a slow task: the task is running from the moment
/// its call is written (at once: the worker is idle); a task submitted
/// behind it is pending, can be cancelled, and never reaches the worker;
/// the running one cannot be cancelled and gives the worker's answer.
pub(crate) fn task_states_are_true() {
    let pool = pool(1);
    // Long enough to be still running at the last look, on a busy machine.
    let slow = pool.submit(SLEEP_MS, &1_000).unwrap();
    assert!(slow.is_running(), "written to the idle worker: running");
    let behind = pool.submit(SLEEP_MS, &300).unwrap();
    assert!(!behind.is_running(), "waiting for the worker: pending");
    assert!(!behind.is_done());
    assert!(behind.cancel(), "a pending task can be cancelled");
    assert!(behind.is_cancelled());
    assert!(!slow.cancel(), "a running task cannot");
    assert!(slow.is_running() && !slow.is_cancelled());
    let submitted = Instant::now();
    let next = pool.submit(SERVED, &()).unwrap();
    assert_eq!(behind.wait(), Err(TaskError::Cancelled));
    assert_eq!(slow.wait(), Ok(1_000), "the worker's answer");
    // The worker ran the slow task and this one: never the cancelled one.
    assert_eq!(next.wait(), Ok(2));
    println!(
        "    the task after the cancelled one answered {:.2?} after it was submitted (the slow one ran 1 s)",
        submitted.elapsed()
    );
    // With room for more calls per worker, a call queued on a busy worker
    // is running (written), and cancel says so.
    let deep = ProcessPool::builder(registry())
        .workers(1)
        .calls_per_worker(2)
        .build()
        .unwrap();
    let first = deep.submit(SLEEP_MS, &100).unwrap();
    let second = deep.submit(SLEEP_MS, &1).unwrap();
    assert!(second.is_running());
    assert!(!second.cancel());
    assert_eq!((first.wait(), second.wait()), (Ok(100), Ok(1)));
    assert_eq!(deep.submit(SERVED, &()).unwrap().wait(), Ok(3));
}

/// Many tasks cancelled while pending behind a busy worker: none reaches
/// the worker, every other one runs.
pub(crate) fn cancelled_calls_never_reach_a_worker() {
    let pool = pool(1);
    let busy = pool.submit(SLEEP_MS, &1_000).unwrap();
    let queued: Vec<_> = (0..40)
        .map(|_| pool.submit(SLEEP_MS, &1).unwrap())
        .collect();
    for task in queued.iter().step_by(2) {
        assert!(task.cancel());
    }
    let outcomes: Vec<_> = queued.into_iter().map(|task| task.wait()).collect();
    for (i, outcome) in outcomes.iter().enumerate() {
        let want = if i % 2 == 0 {
            Err(TaskError::Cancelled)
        } else {
            Ok(1)
        };
        assert_eq!(outcome, &want, "task {i}");
    }
    assert_eq!(busy.wait(), Ok(1_000));
    // The worker ran the busy task, the 20 kept, and this one.
    assert_eq!(pool.submit(SERVED, &()).unwrap().wait(), Ok(22));
}

/// A worker killed while running a task whose handle was dropped: the
/// failure comes back from `shutdown` as a failure, naming the task and
/// the dead worker, never as a panic.
pub(crate) fn a_dead_workers_unread_failure_is_a_failure() {
    let pool = pool(1);
    let id = pool.submit(super::ABORT, &()).unwrap().id();
    // The dropped handle's failure arrives when the worker has died.
    let deadline = Instant::now() + Duration::from_secs(20);
    while pool.restarts() == 0 {
        assert!(Instant::now() < deadline, "the worker did not die");
        std::thread::sleep(Duration::from_millis(5));
    }
    let lost = pool.shutdown();
    assert_eq!(lost.len(), 1, "{lost:?}");
    assert_eq!(lost[0].task, id);
    assert!(lost[0].error.is_worker_died(), "{}", lost[0]);
    assert!(!lost[0].error.is_panic());
    let text = lost[0].to_string();
    assert!(
        text.starts_with(&format!("task {id} failed: the worker process died")),
        "{text}"
    );
    assert!(text.contains("SIGABRT"), "{text}");
}

/// One of two workers writes garbage after its hello, as soon as a call
/// reaches it: that call fails, and nothing else. It is stopped and
/// replaced (by a real worker), and every other task gets its answer.
#[cfg(unix)]
pub(crate) fn a_garbage_writing_worker_fails_only_its_own_calls() {
    let lock = std::env::temp_dir().join(format!("waiter-garbage-{}", std::process::id()));
    let _ = std::fs::remove_dir(&lock);
    let me = std::env::current_exe().unwrap();
    // The first worker to start takes the lock and misbehaves; any other
    // is this program, a real worker.
    let script = r#"if mkdir "$1" 2>/dev/null; then
        printf '\012\000\000\000waiter-p\002\001'
        head -c 4 >/dev/null
        printf 'garbage!garbage!'
        sleep 30
    else
        exec "$2"
    fi"#;
    let pool = ProcessPool::builder(registry())
        .workers(2)
        .program("/bin/sh")
        .args([
            "-c".as_ref(),
            script.as_ref(),
            "sh".as_ref(),
            lock.as_os_str(),
            me.as_os_str(),
        ])
        .build()
        .unwrap();
    let results: Vec<_> = (0..200u64)
        .map(|x| (x, pool.submit(SQUARE, &x).unwrap()))
        .collect::<Vec<_>>()
        .into_iter()
        .map(|(x, task)| (x, task.wait()))
        .collect();
    let _ = std::fs::remove_dir(&lock);
    let failed: Vec<_> = results.iter().filter(|(_, r)| r.is_err()).collect();
    assert_eq!(failed.len(), 1, "{failed:?}");
    let error = failed[0].1.as_ref().unwrap_err();
    assert!(error.is_worker_died(), "{error}");
    assert!(error.to_string().contains("not an answer"), "{error}");
    for (x, result) in &results {
        if let Ok(square) = result {
            assert_eq!(*square, x * x);
        }
    }
    // Replaced in the background, once: wait for it.
    let deadline = Instant::now() + Duration::from_secs(20);
    while pool.restarts() < 1 || pool.worker_pids().len() < 2 {
        assert!(Instant::now() < deadline, "the worker was not replaced");
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(pool.restarts(), 1);
    let pids: BTreeSet<u32> = pool.worker_pids().into_iter().collect();
    assert_eq!(pids.len(), 2);
}

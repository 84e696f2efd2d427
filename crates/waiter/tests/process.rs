//! The process pool, tested through real worker processes.
//!
//! This test binary has its own `main` (`harness = false`) because a worker
//! is this very executable started again: `main` must first offer itself as
//! a worker ([`serve_if_worker`]), exactly as a user's program does. Then it
//! runs the checks one after the other and exits non-zero if any failed.

use std::panic::{self, AssertUnwindSafe};
use std::time::{Duration, Instant};

use waiter::TaskError;
use waiter::process::{ProcessError, ProcessPool, Registry, serve_if_worker};

fn registry() -> Registry {
    Registry::new()
        .register("square", |x: u64| x * x)
        .register("pid", |(): ()| std::process::id())
        .register("sleep_ms", |ms: u64| {
            std::thread::sleep(Duration::from_millis(ms));
            ms
        })
        .register("panic", |(): ()| -> u8 { panic!("boom in a worker") })
        .register("abort", |(): ()| -> u8 { std::process::abort() })
        .register("print", |text: String| {
            // Goes to stderr: it cannot corrupt the answers on stdout.
            println!("a task printing {text:?} to stdout");
            text.len()
        })
}

fn pool(workers: usize) -> ProcessPool {
    ProcessPool::builder(registry())
        .workers(workers)
        .build()
        .expect("workers start")
}

fn results_come_back_right_across_many_tasks() {
    let pool = pool(2);
    let tasks: Vec<_> = (0..500u64)
        .map(|i| pool.submit::<_, u64>("square", &i).unwrap())
        .collect();
    for (i, task) in tasks.into_iter().enumerate() {
        assert_eq!(task.wait().unwrap(), (i * i) as u64);
    }
    // Both workers took part.
    let pids: std::collections::BTreeSet<u32> = (0..20)
        .map(|_| pool.submit::<_, u32>("pid", &()).unwrap())
        .collect::<Vec<_>>()
        .into_iter()
        .map(|t| t.wait().unwrap())
        .collect();
    assert!(pids.len() <= 2 && !pids.contains(&std::process::id()));
}

fn map_sends_chunks_and_keeps_order() {
    let pool = pool(2);
    let squares: Vec<u64> = pool
        .map::<_, u64>("square", 0..1000u64, 64)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let oracle: Vec<u64> = (0..1000u64).map(|i| i * i).collect();
    assert_eq!(squares, oracle);
    assert!(matches!(
        pool.map::<_, u64>("nope", [1u64], 8),
        Err(ProcessError::UnknownTask(_))
    ));
}

fn a_panic_is_the_tasks_error_and_the_worker_lives_on() {
    let pool = pool(1);
    let before = pool.worker_pids();
    let error = pool
        .submit::<_, u8>("panic", &())
        .unwrap()
        .wait()
        .unwrap_err();
    assert!(error.is_panic(), "{error}");
    assert_eq!(error.to_string(), "task panicked: boom in a worker");
    assert_eq!(pool.worker_pids(), before, "the worker survived");
    assert_eq!(
        pool.submit::<_, usize>("print", &"hi".to_owned())
            .unwrap()
            .wait()
            .unwrap(),
        2
    );
}

fn a_killed_worker_fails_its_task_and_the_rest_go_on() {
    let pool = pool(1);
    let [victim] = pool.worker_pids()[..] else {
        panic!("one worker");
    };
    let long = pool.submit::<_, u64>("sleep_ms", &5_000u64).unwrap();
    // Queued behind it on the same worker: never started.
    let queued: Vec<_> = (1..=3u64)
        .map(|i| pool.submit::<_, u64>("square", &i).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(100));
    // SAFETY: plain FFI call; `victim` is our own child process.
    assert_eq!(unsafe { libc::kill(victim as i32, libc::SIGKILL) }, 0);
    let started = Instant::now();
    let error = long.wait().unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "no waiting for the sleep"
    );
    assert!(error.is_worker_died(), "{error}");
    assert!(error.to_string().contains("SIGKILL"), "{error}");
    let answers: Vec<u64> = queued.into_iter().map(|t| t.wait().unwrap()).collect();
    assert_eq!(
        answers,
        [1, 4, 9],
        "unstarted calls went to the replacement"
    );
    assert_eq!(pool.restarts(), 1);
    let pids = pool.worker_pids();
    assert_eq!(pids.len(), 1);
    assert_ne!(pids[0], victim);
}

fn an_aborting_worker_is_worker_died_and_is_replaced() {
    let pool = pool(2);
    let error = pool
        .submit::<_, u8>("abort", &())
        .unwrap()
        .wait()
        .unwrap_err();
    assert!(error.is_worker_died(), "{error}");
    assert!(error.to_string().contains("SIGABRT"), "{error}");
    assert_eq!(
        pool.submit::<_, u64>("square", &12u64)
            .unwrap()
            .wait()
            .unwrap(),
        144
    );
    // The replacement arrives in the background.
    let deadline = Instant::now() + Duration::from_secs(20);
    while pool.worker_pids().len() < 2 {
        assert!(Instant::now() < deadline, "the worker was not replaced");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn workers_retire_after_max_tasks() {
    let pool = ProcessPool::builder(registry())
        .workers(1)
        .max_tasks_per_worker(2)
        .build()
        .unwrap();
    let pids: Vec<u32> = (0..6)
        .map(|_| pool.submit::<_, u32>("pid", &()).unwrap().wait().unwrap())
        .collect();
    let distinct: std::collections::BTreeSet<_> = pids.iter().collect();
    assert_eq!(distinct.len(), 3, "{pids:?}");
    assert_eq!(pool.workers(), 1);
}

/// Retirement under pressure: every call lands on a worker that takes no
/// more after it, from several threads at once, in bursts and one by one.
/// None may fail, and each runs in a process of its own.
fn retiring_workers_never_fail_a_task() {
    const THREADS: usize = 3;
    const PER_THREAD: usize = 8;
    let pool = ProcessPool::builder(registry())
        .workers(2)
        .max_tasks_per_worker(1)
        .build()
        .unwrap();
    let pids: Vec<u32> = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..THREADS)
            .map(|_| {
                scope.spawn(|| {
                    // Half in a burst (most of them find no worker free and
                    // wait for a replacement), half one after the other.
                    let burst: Vec<_> = (0..PER_THREAD / 2)
                        .map(|_| pool.submit::<_, u32>("pid", &()).unwrap())
                        .collect();
                    let mut pids: Vec<u32> = burst.into_iter().map(|t| t.wait().unwrap()).collect();
                    for _ in 0..PER_THREAD / 2 {
                        pids.push(pool.submit::<_, u32>("pid", &()).unwrap().wait().unwrap());
                    }
                    pids
                })
            })
            .collect();
        threads
            .into_iter()
            .flat_map(|t| t.join().unwrap())
            .collect()
    });
    let distinct: std::collections::BTreeSet<_> = pids.iter().copied().collect();
    assert_eq!(distinct.len(), THREADS * PER_THREAD, "{pids:?}");
    assert!(!distinct.contains(&std::process::id()));
    // Each worker but the last one of each slot was replaced.
    assert!(
        pool.restarts() >= THREADS * PER_THREAD - 2,
        "{}",
        pool.restarts()
    );
    // A map whose every chunk retires its worker, with chunks queued behind.
    let retiring = ProcessPool::builder(registry())
        .workers(2)
        .max_tasks_per_worker(10)
        .build()
        .unwrap();
    let squares: Vec<u64> = retiring
        .map::<_, u64>("square", 0..100u64, 10)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(squares, (0..100u64).map(|i| i * i).collect::<Vec<_>>());
    // Calls still waiting for a replacement when the pool shuts down run.
    let one = ProcessPool::builder(registry())
        .workers(1)
        .max_tasks_per_worker(1)
        .build()
        .unwrap();
    let waiting: Vec<_> = (0..3)
        .map(|_| one.submit::<_, u32>("pid", &()).unwrap())
        .collect();
    assert!(one.shutdown().is_empty());
    let pids: std::collections::BTreeSet<u32> =
        waiting.into_iter().map(|t| t.wait().unwrap()).collect();
    assert_eq!(pids.len(), 3, "{pids:?}");
}

fn a_program_that_is_not_a_worker_is_a_clear_error() {
    let error = ProcessPool::builder(registry())
        .workers(1)
        .program("/bin/echo")
        .args(["Hello, Jose"])
        .build()
        .unwrap_err();
    let text = error.to_string();
    assert!(matches!(error, ProcessError::NotAWorker { .. }), "{text}");
    assert!(text.contains("serve_if_worker"), "{text}");
    let missing = ProcessPool::builder(registry())
        .program("/no/such/program")
        .build()
        .unwrap_err();
    assert!(matches!(missing, ProcessError::Spawn { .. }), "{missing}");
}

fn garbage_after_hello_fails_the_task_not_the_parent() {
    // A fake worker: a valid hello frame, then bytes that are no frame.
    let script =
        r"printf '\012\000\000\000waiter-p\001\001'; sleep 0.3; printf 'garbage!garbage!'; sleep 5";
    let pool = ProcessPool::builder(registry())
        .workers(1)
        .program("/bin/sh")
        .args(["-c", script])
        .build()
        .unwrap();
    let error = pool
        .submit::<_, u64>("square", &3u64)
        .unwrap()
        .wait()
        .unwrap_err();
    assert!(error.is_worker_died(), "{error}");
    assert!(error.to_string().contains("not an answer"), "{error}");
}

fn bad_submissions_are_errors() {
    let pool = pool(1);
    assert!(matches!(
        pool.submit::<_, u64>("nope", &1u64),
        Err(ProcessError::UnknownTask(name)) if name == "nope"
    ));
    // A result read as the wrong type.
    let error = pool
        .submit::<_, String>("square", &300u64)
        .unwrap()
        .wait()
        .unwrap_err();
    assert!(matches!(error, TaskError::Protocol(_)), "{error}");
    assert!(matches!(
        ProcessPool::builder(registry()).workers(0).build(),
        Err(ProcessError::ZeroWorkers)
    ));
    assert!(matches!(
        ProcessPool::builder(registry())
            .max_tasks_per_worker(0)
            .build(),
        Err(ProcessError::ZeroMaxTasks)
    ));
}

fn shutdown_waits_and_then_refuses() {
    let pool = pool(2);
    let slow = pool.submit::<_, u64>("sleep_ms", &200u64).unwrap();
    assert!(pool.shutdown().is_empty());
    assert!(slow.is_done(), "shutdown waited for the running task");
    assert_eq!(slow.wait().unwrap(), 200);
    assert!(matches!(
        pool.submit::<_, u64>("square", &1u64),
        Err(ProcessError::Shutdown)
    ));
    assert!(pool.worker_pids().is_empty());
    // A panic nobody read is returned, naming the task.
    let pool = pool_with_lost_panic();
    let lost = pool.shutdown();
    assert_eq!(lost.len(), 1);
    assert_eq!(lost[0].message, "boom in a worker");
}

fn pool_with_lost_panic() -> ProcessPool {
    let pool = pool(1);
    drop(pool.submit::<_, u8>("panic", &()).unwrap());
    pool
}

fn main() {
    serve_if_worker(&registry());
    let checks: &[(&str, fn())] = &[
        (
            "results_come_back_right_across_many_tasks",
            results_come_back_right_across_many_tasks,
        ),
        (
            "map_sends_chunks_and_keeps_order",
            map_sends_chunks_and_keeps_order,
        ),
        (
            "a_panic_is_the_tasks_error_and_the_worker_lives_on",
            a_panic_is_the_tasks_error_and_the_worker_lives_on,
        ),
        (
            "a_killed_worker_fails_its_task_and_the_rest_go_on",
            a_killed_worker_fails_its_task_and_the_rest_go_on,
        ),
        (
            "an_aborting_worker_is_worker_died_and_is_replaced",
            an_aborting_worker_is_worker_died_and_is_replaced,
        ),
        (
            "workers_retire_after_max_tasks",
            workers_retire_after_max_tasks,
        ),
        (
            "retiring_workers_never_fail_a_task",
            retiring_workers_never_fail_a_task,
        ),
        (
            "a_program_that_is_not_a_worker_is_a_clear_error",
            a_program_that_is_not_a_worker_is_a_clear_error,
        ),
        (
            "garbage_after_hello_fails_the_task_not_the_parent",
            garbage_after_hello_fails_the_task_not_the_parent,
        ),
        ("bad_submissions_are_errors", bad_submissions_are_errors),
        (
            "shutdown_waits_and_then_refuses",
            shutdown_waits_and_then_refuses,
        ),
    ];
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let mut failed = Vec::new();
    for &(name, check) in checks {
        if !filter.is_empty() && !filter.iter().any(|f| name.contains(f.as_str())) {
            continue;
        }
        let started = Instant::now();
        match panic::catch_unwind(AssertUnwindSafe(check)) {
            Ok(()) => println!("test process::{name} ... ok ({:.2?})", started.elapsed()),
            Err(_) => {
                println!("test process::{name} ... FAILED");
                failed.push(name);
            }
        }
    }
    if failed.is_empty() {
        println!("\ntest result: ok. process pool checks passed");
    } else {
        println!(
            "\ntest result: FAILED. {} failed: {}",
            failed.len(),
            failed.join(", ")
        );
        std::process::exit(101);
    }
}

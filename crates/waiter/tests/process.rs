//! The process pool, tested through real worker processes.
//!
//! This test binary has its own `main` (`harness = false`) because a worker
//! is this very executable started again: `main` must first offer itself as
//! a worker ([`serve_if_worker`]), exactly as a user's program does. Then it
//! runs the checks one after the other and exits non-zero if any failed.

use std::panic::{self, AssertUnwindSafe};
use std::time::{Duration, Instant};

use std::sync::atomic::{AtomicU64, Ordering};

use waiter::process::{ProcessError, ProcessPool, Registry, TaskDef, TaskError, serve_if_worker};

#[path = "process/cases.rs"]
mod cases;

const SQUARE: TaskDef<u64, u64> = TaskDef::new("square");
const PID: TaskDef<(), u32> = TaskDef::new("pid");
const SQUARE_PID: TaskDef<u64, (u64, u32)> = TaskDef::new("square_pid");
const SLEEP_MS: TaskDef<u64, u64> = TaskDef::new("sleep_ms");
const PANIC: TaskDef<(), u8> = TaskDef::new("panic");
const ABORT: TaskDef<(), u8> = TaskDef::new("abort");
const START_SLEEPER: TaskDef<(), u32> = TaskDef::new("start_sleeper");
const PRINT: TaskDef<String, usize> = TaskDef::new("print");
/// How many `sleep_ms` and `served` calls this worker ran, this one included.
const SERVED: TaskDef<(), u64> = TaskDef::new("served");
const PICKY: TaskDef<cases::Picky, u64> = TaskDef::new("picky");

static SERVED_BY_THIS_WORKER: AtomicU64 = AtomicU64::new(0);

fn registry() -> Registry {
    Registry::new()
        .register(SQUARE, |x| x * x)
        .register(PID, |()| std::process::id())
        .register(SQUARE_PID, |x| (x * x, std::process::id()))
        .register(SLEEP_MS, |ms| {
            SERVED_BY_THIS_WORKER.fetch_add(1, Ordering::Relaxed);
            std::thread::sleep(Duration::from_millis(ms));
            ms
        })
        .register(SERVED, |()| {
            SERVED_BY_THIS_WORKER.fetch_add(1, Ordering::Relaxed) + 1
        })
        .register(PANIC, |()| -> u8 { panic!("boom in a worker") })
        .register(ABORT, |()| -> u8 { std::process::abort() })
        .register(PICKY, cases::picky)
        .register(START_SLEEPER, |()| -> u32 {
            // A process the task starts and leaves running.
            std::process::Command::new("sleep")
                .arg("30")
                .spawn()
                .map_or(0, |child| child.id())
        })
        .register(PRINT, |text: String| {
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
        .map(|i| pool.submit(SQUARE, &i).unwrap())
        .collect();
    for (i, task) in tasks.into_iter().enumerate() {
        assert_eq!(task.wait().unwrap(), (i * i) as u64);
    }
    // Both workers took part.
    let pids: std::collections::BTreeSet<u32> = (0..20)
        .map(|_| pool.submit(PID, &()).unwrap())
        .collect::<Vec<_>>()
        .into_iter()
        .map(|t| t.wait().unwrap())
        .collect();
    assert!(pids.len() <= 2 && !pids.contains(&std::process::id()));
}

fn map_sends_chunks_and_keeps_order() {
    let pool = pool(2);
    let squares: Vec<u64> = pool
        .map(SQUARE, 0..1000u64, 64)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let oracle: Vec<u64> = (0..1000u64).map(|i| i * i).collect();
    assert_eq!(squares, oracle);
    assert!(matches!(
        pool.map(TaskDef::<u64, u64>::new("nope"), [1u64], 8),
        Err(ProcessError::UnknownTask(_))
    ));
}

fn a_panic_is_the_tasks_error_and_the_worker_lives_on() {
    let pool = pool(1);
    let before = pool.worker_pids();
    let error = pool.submit(PANIC, &()).unwrap().wait().unwrap_err();
    assert!(error.is_panic(), "{error}");
    assert_eq!(error.to_string(), "task panicked: boom in a worker");
    assert_eq!(pool.worker_pids(), before, "the worker survived");
    assert_eq!(
        pool.submit(PRINT, &"hi".to_owned())
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
    let long = pool.submit(SLEEP_MS, &5_000u64).unwrap();
    // Queued behind it on the same worker: never started.
    let queued: Vec<_> = (1..=3u64)
        .map(|i| pool.submit(SQUARE, &i).unwrap())
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
    let error = pool.submit(ABORT, &()).unwrap().wait().unwrap_err();
    assert!(error.is_worker_died(), "{error}");
    assert!(error.to_string().contains("SIGABRT"), "{error}");
    assert_eq!(pool.submit(SQUARE, &12u64).unwrap().wait().unwrap(), 144);
    // The replacement arrives in the background.
    let deadline = Instant::now() + Duration::from_secs(20);
    while pool.worker_pids().len() < 2 {
        assert!(Instant::now() < deadline, "the worker was not replaced");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Tasks that crash the worker, one after the other, each on a fresh
/// worker that answered nothing before: each fails alone, and the pool is
/// not given up on as a program that cannot work.
fn crashing_tasks_in_a_row_never_stop_the_pool() {
    let pool = pool(1);
    for _ in 0..5 {
        let error = pool
            .submit(ABORT, &())
            .expect("the pool takes the task")
            .wait()
            .unwrap_err();
        assert!(error.to_string().contains("SIGABRT"), "{error}");
    }
    assert_eq!(pool.submit(SQUARE, &12u64).unwrap().wait().unwrap(), 144);
    assert_eq!(pool.restarts(), 5);
    assert_eq!(pool.worker_pids().len(), 1);
}

fn workers_retire_after_max_tasks() {
    let pool = ProcessPool::builder(registry())
        .workers(1)
        .max_tasks_per_worker(2)
        .build()
        .unwrap();
    let pids: Vec<u32> = (0..6)
        .map(|_| pool.submit(PID, &()).unwrap().wait().unwrap())
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
                        .map(|_| pool.submit(PID, &()).unwrap())
                        .collect();
                    let mut pids: Vec<u32> = burst.into_iter().map(|t| t.wait().unwrap()).collect();
                    for _ in 0..PER_THREAD / 2 {
                        pids.push(pool.submit(PID, &()).unwrap().wait().unwrap());
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
        .map(SQUARE, 0..100u64, 10)
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
    let waiting: Vec<_> = (0..3).map(|_| one.submit(PID, &()).unwrap()).collect();
    assert!(one.shutdown().is_empty());
    let pids: std::collections::BTreeSet<u32> =
        waiting.into_iter().map(|t| t.wait().unwrap()).collect();
    assert_eq!(pids.len(), 3, "{pids:?}");
}

fn a_program_that_is_not_a_worker_is_a_clear_error() {
    #[cfg(unix)]
    let children_before = children();
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
    // The program that did not answer was reaped, not left a zombie.
    #[cfg(unix)]
    assert_eq!(children(), children_before);
}

fn garbage_after_hello_fails_the_task_not_the_parent() {
    // A fake worker: a valid hello frame, then bytes that are no frame.
    let script =
        r"printf '\012\000\000\000waiter-p\002\001'; sleep 0.3; printf 'garbage!garbage!'; sleep 5";
    let pool = ProcessPool::builder(registry())
        .workers(1)
        .program("/bin/sh")
        .args(["-c", script])
        .build()
        .unwrap();
    let error = pool.submit(SQUARE, &3u64).unwrap().wait().unwrap_err();
    assert!(error.is_worker_died(), "{error}");
    assert!(error.to_string().contains("not an answer"), "{error}");
}

fn bad_submissions_are_errors() {
    let pool = pool(1);
    assert!(matches!(
        pool.submit(TaskDef::<u64, u64>::new("nope"), &1),
        Err(ProcessError::UnknownTask(name)) if name == "nope"
    ));
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
    assert!(matches!(
        ProcessPool::builder(registry()).calls_per_worker(0).build(),
        Err(ProcessError::ZeroCallsPerWorker)
    ));
}

fn shutdown_waits_and_then_refuses() {
    let pool = pool(2);
    let slow = pool.submit(SLEEP_MS, &200u64).unwrap();
    assert!(pool.shutdown().is_empty());
    assert!(slow.is_done(), "shutdown waited for the running task");
    assert_eq!(slow.wait().unwrap(), 200);
    assert!(matches!(
        pool.submit(SQUARE, &1u64),
        Err(ProcessError::Shutdown)
    ));
    assert!(pool.worker_pids().is_empty());
    // A panic nobody read is returned, naming the task.
    let one = self::pool(1);
    let id = one.submit(PANIC, &()).unwrap().id();
    let lost = one.shutdown();
    assert_eq!(lost.len(), 1);
    assert_eq!(lost[0].task, id);
    assert_eq!(
        lost[0].error,
        TaskError::Panicked {
            message: "boom in a worker".into()
        }
    );
    assert_eq!(
        lost[0].to_string(),
        format!("task {id} failed: task panicked: boom in a worker")
    );
}

/// Tasks for [`workers_killed_at_random_during_10000_tasks`]:
/// `WAITER_STRESS_KILLS_TASKS`, default 10,000.
#[cfg(unix)]
fn kill_stress_tasks() -> u64 {
    std::env::var("WAITER_STRESS_KILLS_TASKS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

/// The processes whose parent is this one, zombies included (Linux:
/// `/proc/*/stat`; `None` where that cannot be read).
#[cfg(unix)]
fn children() -> Option<std::collections::BTreeSet<u32>> {
    let me = std::process::id();
    let entries = std::fs::read_dir("/proc").ok()?;
    let mut children = std::collections::BTreeSet::new();
    for entry in entries.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse().ok()) else {
            continue;
        };
        // `pid (comm) state ppid ...`; `comm` may hold spaces and ')'.
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let parent = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|ppid| ppid.parse::<u32>().ok());
        if parent == Some(me) {
            children.insert(pid);
        }
    }
    Some(children)
}

/// The pid in a `WorkerDied` message: "worker 1 (pid 4242) was killed…".
#[cfg(unix)]
fn pid_in(message: &str) -> Option<u32> {
    let (_, rest) = message.split_once("(pid ")?;
    rest.split(')').next()?.parse().ok()
}

/// Kill -9 at random, under load: two threads submit 10,000 small tasks
/// (`WAITER_STRESS_KILLS_TASKS`) a window at a time while a third kills
/// workers, one at a time or every live one at once, spread over the run.
/// Each task ends, well within a minute, with its own right answer or with
/// `WorkerDied` naming a worker that was killed, and a kill fails at most
/// the one call its worker was running. Then every killed worker has been
/// replaced, the pool still works, and shutdown leaves no process behind.
#[cfg(unix)]
fn workers_killed_at_random_during_10000_tasks() {
    use std::collections::BTreeSet;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    const WORKERS: usize = 2;
    const SUBMITTERS: u64 = 2;
    /// Tasks each submitter has in flight before it waits for them.
    const WINDOW: usize = 64;
    /// Kill rounds, one at a random point of each thirtieth of the tasks.
    const ROUNDS: u64 = 30;
    const MAX_KILLS: usize = 50;
    /// No task may take longer than this to end: only a hang reaches it.
    const CEILING: Duration = Duration::from_secs(60);

    let tasks = kill_stress_tasks();
    let me = std::process::id();
    let children_before = children();
    let started = Instant::now();
    let pool = pool(WORKERS);
    let finished = AtomicU64::new(0);
    let done = AtomicBool::new(false);
    // Workers that answered a task: only those are killed. One killed
    // before it answered anything, with no call to run, would count
    // towards the limit after which the pool stops restarting a program
    // that cannot work, as if it had died on its own.
    let proven = Mutex::new(BTreeSet::new());
    let (outcomes, killed) = std::thread::scope(|scope| {
        let killer = scope.spawn(|| {
            let mut rng = ChaCha8Rng::seed_from_u64(0x6b11);
            let mut killed: Vec<u32> = Vec::new();
            'rounds: for round in 0..ROUNDS {
                // At a random point of the round's share of the tasks,
                // whatever the speed of the machine.
                let share = tasks / ROUNDS;
                let due = share * round + rng.random_range(0..share.max(1));
                while finished.load(Ordering::Relaxed) < due {
                    if done.load(Ordering::Acquire) {
                        break 'rounds;
                    }
                    std::thread::sleep(Duration::from_micros(50));
                }
                // One live worker, or (a round in three) every live one.
                let all = rng.random_range(0..3) == 0;
                loop {
                    if finished.load(Ordering::Relaxed) == tasks {
                        break 'rounds;
                    }
                    let live: Vec<u32> = {
                        let proven = proven.lock().unwrap();
                        pool.worker_pids()
                            .into_iter()
                            .filter(|pid| proven.contains(pid) && !killed.contains(pid))
                            .collect()
                    };
                    if !live.is_empty() {
                        let victims = if all {
                            live
                        } else {
                            vec![live[rng.random_range(0..live.len())]]
                        };
                        for victim in victims {
                            if killed.len() == MAX_KILLS {
                                break 'rounds;
                            }
                            // A pid the pool reports live and that was not
                            // killed yet is an unreaped child: no other
                            // process can have it.
                            // SAFETY: plain FFI call.
                            assert_eq!(unsafe { libc::kill(victim as i32, libc::SIGKILL) }, 0);
                            killed.push(victim);
                        }
                        break;
                    }
                    if done.load(Ordering::Acquire) {
                        break 'rounds;
                    }
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
            killed
        });
        let submitters: Vec<_> = (0..SUBMITTERS)
            .map(|first| {
                let (pool, finished, proven) = (&pool, &finished, &proven);
                scope.spawn(move || {
                    let inputs: Vec<u64> = (first..tasks).step_by(SUBMITTERS as usize).collect();
                    let (mut ok, mut died) = (0usize, Vec::new());
                    for window in inputs.chunks(WINDOW) {
                        let handles: Vec<_> = window
                            .iter()
                            .map(|&x| {
                                let task = pool.submit(SQUARE_PID, &x);
                                (x, task.expect("the pool takes every task"))
                            })
                            .collect();
                        for (x, mut task) in handles {
                            match task.wait_timeout(CEILING) {
                                Err(TaskError::Timeout) => {
                                    panic!("task {x} did not end within {CEILING:?}")
                                }
                                Ok((square, pid)) => {
                                    assert_eq!(square, x * x, "task {x}");
                                    assert_ne!(pid, me, "task {x} ran in the parent");
                                    proven.lock().unwrap().insert(pid);
                                    ok += 1;
                                }
                                Err(error) if error.is_worker_died() => {
                                    died.push(error.to_string());
                                }
                                Err(error) => panic!("task {x}: {error}"),
                            }
                            finished.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    (ok, died)
                })
            })
            .collect();
        let outcomes: Vec<_> = submitters.into_iter().map(|s| s.join()).collect();
        // Also when a submitter failed: the killer must not wait for ever.
        done.store(true, Ordering::Release);
        let killed = killer.join();
        let outcomes: Vec<_> = outcomes
            .into_iter()
            .map(|o| o.unwrap_or_else(|p| panic::resume_unwind(p)))
            .collect();
        (outcomes, killed.unwrap_or_else(|p| panic::resume_unwind(p)))
    });
    let ok: usize = outcomes.iter().map(|(ok, _)| ok).sum();
    let died: Vec<&String> = outcomes.iter().flat_map(|(_, died)| died).collect();
    assert_eq!(
        (ok + died.len()) as u64,
        tasks,
        "every task is counted once"
    );
    // (A few hundred tasks may all be done before the first kill.)
    if tasks >= 1_000 {
        assert!(!died.is_empty(), "no kill hit a running task ({killed:?})");
    }
    assert!(ok as u64 >= tasks * 9 / 10, "{ok} of {tasks} succeeded");
    // Each failure names a killed worker, and no killed worker twice: only
    // the call it was running failed, the others went elsewhere.
    let mut blamed = BTreeSet::new();
    for message in &died {
        assert!(message.contains("SIGKILL"), "{message}");
        let pid = pid_in(message).unwrap_or_else(|| panic!("no pid in {message:?}"));
        assert!(killed.contains(&pid), "{pid} was not killed: {message}");
        assert!(blamed.insert(pid), "two calls failed with {pid}");
    }
    // Every killed worker is replaced (in the background: wait for it).
    let deadline = Instant::now() + Duration::from_secs(30);
    while pool.restarts() < killed.len() || pool.worker_pids().len() < WORKERS {
        assert!(
            Instant::now() < deadline,
            "{} kills, {} restarts, live workers {:?}",
            killed.len(),
            pool.restarts(),
            pool.worker_pids()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(pool.workers(), WORKERS);
    let live = pool.worker_pids();
    assert!(live.iter().all(|pid| !killed.contains(pid)), "{live:?}");
    let after: Vec<u64> = (0..20u64)
        .map(|x| pool.submit(SQUARE, &x).unwrap())
        .collect::<Vec<_>>()
        .into_iter()
        .map(|t| t.wait().expect("the pool works after the kills"))
        .collect();
    assert_eq!(after, (0..20u64).map(|x| x * x).collect::<Vec<_>>());
    let restarts = pool.restarts();
    assert!(pool.shutdown().is_empty());
    assert!(pool.worker_pids().is_empty());
    drop(pool);
    // No worker outlives the pool, not even as a zombie.
    if let Some(before) = children_before {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let left: Vec<u32> = children()
                .unwrap_or_default()
                .difference(&before)
                .copied()
                .collect();
            if left.is_empty() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "processes left after shutdown: {left:?}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    println!(
        "    {tasks} tasks: {ok} ok, {} WorkerDied; {} kills, {restarts} restarts, {:.2?}",
        died.len(),
        killed.len(),
        started.elapsed()
    );
}

/// A task that starts a process and leaves it running does not keep the
/// pool from ending: the answers' pipe is not inherited by that process.
#[cfg(unix)]
fn a_process_a_task_leaves_running_does_not_hold_up_shutdown() {
    let pool = ProcessPool::builder(registry()).workers(1).build().unwrap();
    let sleeper: u32 = pool.submit(START_SLEEPER, &()).unwrap().wait().unwrap();
    assert_ne!(sleeper, 0, "sleep could not start");
    let (done, ended) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let lost = pool.shutdown();
        let _ = done.send(lost.len());
    });
    let ended = ended.recv_timeout(Duration::from_secs(20));
    // SAFETY: `kill` with a pid and a valid signal number has no
    // memory-safety preconditions.
    unsafe { libc::kill(sleeper as libc::pid_t, libc::SIGKILL) };
    assert_eq!(ended, Ok(0), "shutdown waited for the task's process");
}

fn main() {
    if std::env::args().any(|arg| arg == cases::OTHER_REGISTRY) {
        serve_if_worker(&cases::other_registry());
    }
    serve_if_worker(&registry());
    let checks: &[(&str, fn())] = &[
        (
            "wrong_types_are_refused_not_reinterpreted",
            cases::wrong_types_are_refused_not_reinterpreted,
        ),
        (
            "a_worker_with_other_types_answers_mismatch",
            cases::a_worker_with_other_types_answers_mismatch,
        ),
        (
            "map_keeps_one_result_per_item_in_the_reported_cases",
            cases::map_keeps_one_result_per_item_in_the_reported_cases,
        ),
        (
            "map_yields_one_result_per_item_whatever_happens",
            cases::map_yields_one_result_per_item_whatever_happens,
        ),
        ("task_states_are_true", cases::task_states_are_true),
        (
            "cancelled_calls_never_reach_a_worker",
            cases::cancelled_calls_never_reach_a_worker,
        ),
        (
            "a_dead_workers_unread_failure_is_a_failure",
            cases::a_dead_workers_unread_failure_is_a_failure,
        ),
        #[cfg(unix)]
        (
            "a_garbage_writing_worker_fails_only_its_own_calls",
            cases::a_garbage_writing_worker_fails_only_its_own_calls,
        ),
        #[cfg(unix)]
        (
            "a_process_a_task_leaves_running_does_not_hold_up_shutdown",
            a_process_a_task_leaves_running_does_not_hold_up_shutdown,
        ),
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
            "crashing_tasks_in_a_row_never_stop_the_pool",
            crashing_tasks_in_a_row_never_stop_the_pool,
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
        #[cfg(unix)]
        (
            "workers_killed_at_random_during_10000_tasks",
            workers_killed_at_random_during_10000_tasks,
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

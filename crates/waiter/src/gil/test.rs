//! The simulated GIL keeps its promises: one holder, blocking calls release
//! it, the switch interval is respected (generous bounds), CPU-bound threads
//! take turns instead of running together.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use super::*;

/// Spins for `how_long` of CPU work, ticking often, and checks that no one
/// else runs "bytecode" meanwhile.
fn compute(py: &mut Python<'_>, running: &AtomicUsize, how_long: Duration) -> u64 {
    let start = Instant::now();
    let mut x = 0u64;
    while start.elapsed() < how_long {
        assert_eq!(
            running.fetch_add(1, Ordering::SeqCst),
            0,
            "two threads ran bytecode at once"
        );
        for i in 0..200u64 {
            x = x.wrapping_add(i * i);
        }
        running.fetch_sub(1, Ordering::SeqCst);
        py.tick();
    }
    x
}

#[test]
fn never_two_holders_and_cpu_threads_take_turns() {
    let gil = Gil::new(Duration::from_millis(2));
    let running = AtomicUsize::new(0);
    thread::scope(|s| {
        for name in ["cpu-a", "cpu-b", "cpu-c"] {
            let (gil, running) = (&gil, &running);
            s.spawn(move || gil.run(name, |py| compute(py, running, Duration::from_millis(60))));
        }
    });
    let stats = gil.stats();
    assert!(
        stats.switches >= 3,
        "{stats:?}: the threads should take turns"
    );
    assert!(
        stats.forced_drops >= 3,
        "{stats:?}: turns come from drop requests"
    );
    // Holds never overlap.
    let mut holds = gil.holds();
    holds.sort_by_key(|h| h.start);
    for pair in holds.windows(2) {
        assert!(pair[0].end <= pair[1].start, "overlapping holds {pair:?}");
    }
    let mut names = gil.threads();
    names.sort();
    assert_eq!(names, ["cpu-a", "cpu-b", "cpu-c"]);
}

#[test]
fn blocking_calls_release_the_gil() {
    let gil = Gil::new(DEFAULT_SWITCH_INTERVAL);
    let running = AtomicUsize::new(0);
    let started = Instant::now();
    thread::scope(|s| {
        for name in ["io-a", "io-b"] {
            let gil = &gil;
            s.spawn(move || {
                gil.run(name, |py| {
                    py.blocking(|| thread::sleep(Duration::from_millis(100)));
                })
            });
        }
        let (gil, running) = (&gil, &running);
        s.spawn(move || gil.run("cpu", |py| compute(py, running, Duration::from_millis(50))));
    });
    // While each I/O thread slept (between its two holds), someone else
    // held the GIL: the blocking call had released it.
    let holds = gil.holds();
    for io in ["io-a", "io-b"] {
        let index = gil.threads().iter().position(|n| n == io).unwrap();
        let mine: Vec<&Hold> = holds.iter().filter(|h| h.thread == index).collect();
        assert_eq!(mine.len(), 2, "{io}: before and after its sleep");
        let (before, after) = (mine[0].end, mine[1].start);
        assert!(
            holds
                .iter()
                .any(|h| h.thread != index && h.start >= before && h.start < after),
            "{io}: nobody ran while it slept"
        );
    }
    assert!(started.elapsed() >= Duration::from_millis(100));
}

#[test]
fn a_waiter_gets_the_gil_after_about_one_interval() {
    let interval = Duration::from_millis(20);
    let gil = Gil::new(interval);
    let running = AtomicUsize::new(0);
    let (ready, go) = std::sync::mpsc::channel();
    thread::scope(|s| {
        let (gil_ref, running_ref) = (&gil, &running);
        s.spawn(move || {
            gil_ref.run("cpu", |py| {
                ready.send(()).unwrap();
                compute(py, running_ref, Duration::from_millis(150))
            })
        });
        go.recv().unwrap();
        let asked = Instant::now();
        let got = gil.run("io", |_py| asked.elapsed());
        // At least one interval (the holder is asked only after it), and
        // not much more than that (generous: a busy machine).
        assert!(got >= interval, "{got:?} < one interval");
        assert!(got < interval * 10, "{got:?}: far beyond one interval");
    });
    let waits = gil.waits();
    assert!(
        waits
            .iter()
            .any(|w| w.thread == 1 && w.end - w.start >= interval)
    );
}

#[test]
fn without_contention_nothing_is_forced() {
    let gil = Gil::new(Duration::from_millis(1));
    let running = AtomicUsize::new(0);
    gil.run("alone", |py| {
        compute(py, &running, Duration::from_millis(20))
    });
    let stats = gil.stats();
    assert_eq!((stats.forced_drops, stats.switches, stats.holds), (0, 0, 1));
    assert_eq!(gil.holds().len(), 1);
}

#[test]
fn a_failed_acquisition_is_a_wake_up_inside_a_wait_while_another_holds_it() {
    // Three CPU-bound threads and a short interval: a waiter's interval runs
    // out while another holds the GIL (at least the third thread's does), so
    // wake-ups find it taken.
    let gil = Gil::new(Duration::from_millis(1));
    let running = AtomicUsize::new(0);
    thread::scope(|s| {
        for name in ["cpu-a", "cpu-b", "cpu-c"] {
            let (gil, running) = (&gil, &running);
            s.spawn(move || gil.run(name, |py| compute(py, running, Duration::from_millis(60))));
        }
    });
    let failed = gil.failed_takes();
    let stats = gil.stats();
    assert_eq!(stats.failed_takes, failed.len() as u64);
    assert!(!failed.is_empty(), "{stats:?}: three threads, one GIL");
    let waits = gil.waits();
    let holds = gil.holds();
    for take in &failed {
        // Inside one of the thread's own waits...
        assert!(
            waits
                .iter()
                .any(|w| w.thread == take.thread && w.start <= take.at && take.at <= w.end),
            "{take:?} is in none of its thread's waits"
        );
        // ...and while another thread held the GIL: the hold that covers
        // the instant (if the instant falls between two holds, the next
        // holder was about to take it) is not this thread's.
        let covering = holds
            .iter()
            .find(|h| h.start <= take.at && take.at <= h.end);
        if let Some(hold) = covering {
            assert_ne!(hold.thread, take.thread, "{take:?} during its own hold");
        }
    }
}

#[test]
fn a_thread_alone_never_fails_to_take_it() {
    let gil = Gil::new(Duration::from_millis(1));
    let running = AtomicUsize::new(0);
    gil.run("alone", |py| {
        compute(py, &running, Duration::from_millis(10));
        py.blocking(|| thread::sleep(Duration::from_millis(2)));
        compute(py, &running, Duration::from_millis(5));
    });
    assert!(gil.failed_takes().is_empty());
    assert_eq!(gil.stats().failed_takes, 0);
}

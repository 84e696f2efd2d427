//! A task's panic is returned through its handle, so by default the pool keeps
//! the panic hook quiet for it (as Python's executors print nothing until
//! `result()`); `quiet_panics(false)` asks for the hook's report.
//!
//! This is its own test binary because the panic hook is process-wide: the
//! counting hook must be installed before the first pool wraps it, and no
//! other test may panic meanwhile.

use std::sync::atomic::{AtomicUsize, Ordering};

use waiter::Pool;

static QUIET_REPORTS: AtomicUsize = AtomicUsize::new(0);
static LOUD_REPORTS: AtomicUsize = AtomicUsize::new(0);
static OTHER_REPORTS: AtomicUsize = AtomicUsize::new(0);

fn message(info: &std::panic::PanicHookInfo<'_>) -> String {
    let payload = info.payload();
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

#[test]
fn a_pools_panics_reach_the_hook_only_when_asked() {
    // Installed before any pool exists, so the pool's quiet wrapper wraps it.
    std::panic::set_hook(Box::new(|info| {
        let message = message(info);
        if message.contains("quiet task") {
            QUIET_REPORTS.fetch_add(1, Ordering::SeqCst);
        } else if message.contains("loud task") {
            LOUD_REPORTS.fetch_add(1, Ordering::SeqCst);
        } else {
            OTHER_REPORTS.fetch_add(1, Ordering::SeqCst);
        }
    }));

    let quiet = Pool::new(2).unwrap();
    let loud = Pool::builder()
        .workers(1)
        .quiet_panics(false)
        .build()
        .unwrap();
    for i in 0..5 {
        let error = quiet
            .submit(move || -> u32 { panic!("quiet task {i}") })
            .unwrap()
            .wait()
            .unwrap_err();
        assert!(error.is_panic(), "{error}");
        let error = loud
            .submit(move || -> u32 { panic!("loud task {i}") })
            .unwrap()
            .wait()
            .unwrap_err();
        assert!(error.is_panic(), "{error}");
    }
    // A panic on a thread that is not a quiet pool's worker is reported.
    let plain = std::thread::spawn(|| panic!("plain thread")).join();
    assert!(plain.is_err());

    assert_eq!(
        QUIET_REPORTS.load(Ordering::SeqCst),
        0,
        "a quiet pool's panic reached the hook"
    );
    assert_eq!(
        LOUD_REPORTS.load(Ordering::SeqCst),
        5,
        "quiet_panics(false) must report each panic"
    );
    assert_eq!(
        OTHER_REPORTS.load(Ordering::SeqCst),
        1,
        "other threads keep their hook"
    );
}

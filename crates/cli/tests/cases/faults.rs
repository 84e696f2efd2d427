//! Faults from outside: signals to the `waiter` process alone (not its
//! process group, as `kill PID` or a supervisor sends them), closed pipes.

use super::*;

/// Sends `signal` to `pid` alone.
#[cfg(target_os = "linux")]
fn signal_only(pid: u32, signal: libc::c_int) {
    // SAFETY: `kill` with a positive pid and a valid signal number has no
    // memory-safety preconditions.
    let sent = unsafe { libc::kill(pid as libc::pid_t, signal) };
    assert_eq!(sent, 0);
}

/// Waits up to 5 s for every pid in `pids` to stop running.
#[cfg(target_os = "linux")]
fn all_gone(pids: &[u32]) -> Result<(), Vec<u32>> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let left: Vec<u32> = pids.iter().copied().filter(|&pid| runs(pid)).collect();
        if left.is_empty() {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(left);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A `--python` "interpreter" that starts a child of its own, writes the
/// child's pid to `pid_file`, then waits.
#[cfg(target_os = "linux")]
fn python_with_a_child(dir: &Path, pid_file: &Path) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let script = dir.join("python-with-a-child.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nsleep 300 &\necho $! > {}.tmp\nmv {0}.tmp {0}\nwait\n",
            pid_file.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script
}

#[cfg(target_os = "linux")]
/// Waits up to 30 s for `path` to hold a pid.
fn pid_in(path: &Path) -> u32 {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(pid) = std::fs::read_to_string(path)
            .ok()
            .and_then(|text| text.trim().parse().ok())
        {
            return pid;
        }
        assert!(Instant::now() < deadline, "no pid in {}", path.display());
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_signal_to_waiter_alone_stops_what_a_python_script_started() {
    for signal in [libc::SIGTERM, libc::SIGINT] {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("grandchild.pid");
        let python = python_with_a_child(dir.path(), &pid_file);
        let python_arg = python.to_string_lossy().into_owned();
        let mut child = spawn_waiter(&[
            "gil",
            "--workload",
            "io",
            "--scale",
            "0.05",
            "--no-convoy",
            "--python",
            &python_arg,
        ]);
        let (_, _rest) = read_until(&mut child, "CPython: running");
        let script =
            children_appearing(&child, |cmdline| cmdline.contains("python-with-a-child"))[0];
        let grandchild = pid_in(&pid_file);
        assert!(runs(grandchild));
        signal_only(child.id(), signal);
        let status = wait_at_most(&mut child, Duration::from_secs(20));
        assert_eq!(status.code(), Some(130), "{status:?}");
        if let Err(left) = all_gone(&[script, grandchild]) {
            panic!(
                "signal {signal}: {left:?} outlived waiter (script {script}, its child {grandchild})"
            );
        }
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_signal_to_waiter_alone_stops_cpythons_process_pool_workers() {
    if !python3_runs() {
        eprintln!(
            "skipped: python3 does not run here, so there is no CPython process pool to stop"
        );
        return;
    }
    for signal in [libc::SIGTERM, libc::SIGINT] {
        let mut child = spawn_waiter(&["gil", "--workload", "cpu", "--scale", "2", "--no-convoy"]);
        let (_, _rest) = read_until(&mut child, "CPython: running");
        let python = children_appearing(&child, |cmdline| cmdline.contains("gil_baseline.py"))[0];
        // The process pool's workers are the interpreter's children; they
        // come after the sequential and threads modes.
        let deadline = Instant::now() + Duration::from_secs(60);
        let workers = loop {
            let workers: Vec<u32> = children_of(python)
                .into_iter()
                .map(|(pid, _)| pid)
                .collect();
            if !workers.is_empty() {
                break workers;
            }
            assert!(Instant::now() < deadline, "CPython started no process pool");
            std::thread::sleep(Duration::from_millis(5));
        };
        signal_only(child.id(), signal);
        let status = wait_at_most(&mut child, Duration::from_secs(20));
        assert_eq!(status.code(), Some(130), "{status:?}");
        let mut all = workers.clone();
        all.push(python);
        if let Err(left) = all_gone(&all) {
            panic!(
                "signal {signal}: {left:?} outlived waiter (python {python}, workers {workers:?})"
            );
        }
    }
}

/// `waiter tour | head -1`: once the reader is gone, the tour stops (with
/// the report of what finished), quietly and with exit code 0, as ripgrep
/// does, instead of running every part for nobody.
#[cfg(target_os = "linux")]
#[test]
fn a_closed_stdout_stops_the_tour_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report");
    let report_arg = report.to_string_lossy().into_owned();
    let parts = "greet,order,dine,cores";
    let mut child = spawn_waiter(&["tour", "--quick", "--parts", parts, "--report", &report_arg]);
    // Read one line, like `head -1`, then close the pipe.
    let (_, rest) = read_until(&mut child, "");
    drop(rest);
    let status = wait_at_most(&mut child, Duration::from_secs(60));
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(0), "{status:?} {stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    // Stopped before the end: the report has fewer parts than asked for.
    let written = report.join("report.json");
    let finished = if written.exists() {
        read_json(&written).as_array().unwrap().len()
    } else {
        0
    };
    assert!(finished < 4, "all {finished} parts ran for a closed pipe");
}

/// The same for one experiment: it stops, and writes what it measured.
#[cfg(target_os = "linux")]
#[test]
fn a_closed_stdout_stops_an_experiment_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("dine.json");
    let json_arg = json.to_string_lossy().into_owned();
    let args = ["dine", "--compare", "--duration", "5s", "--json", &json_arg];
    let mut child = spawn_waiter(&args);
    let (_, rest) = read_until(&mut child, "");
    drop(rest);
    let status = wait_at_most(&mut child, Duration::from_secs(60));
    assert_eq!(status.code(), Some(0), "{status:?}");
    let report = read_json(&json);
    assert_eq!(report["figures"]["interrupted"], json!(true));
    assert!(
        outcomes(&report).len() < 5,
        "every strategy dined for nobody"
    );
}

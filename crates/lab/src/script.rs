//! Runs one of the repository's Python scripts (`python/*.py`) and reads
//! its one JSON answer.
//!
//! The scripts are compiled into the library (`include_str!`), so the
//! `waiter` binary works from any directory: the runner writes the script
//! to a fresh temporary directory, runs it with the interpreter asked for,
//! reads ONE JSON object from its stdout and removes the directory. The run
//! is bounded: past the timeout, or on Ctrl-C, the interpreter is killed.
//!
//! Nothing here fails an experiment: an interpreter that is missing, fails,
//! hangs or answers something else is a one-line reason (the `Err`), and
//! the experiment's Python rows say "not run" with it.
//!
//! ```
//! use std::path::Path;
//! use std::time::Duration;
//! use waiter_lab::Stop;
//! use waiter_lab::script::{self, Script};
//!
//! let script = Script { name: "hello.py", text: "print('{}')" };
//! let answer: Result<serde_json::Value, String> =
//!     script::run(Path::new("/no/such/python"), &script, &[], Duration::from_secs(5), &Stop::new());
//! assert_eq!(answer.unwrap_err(), "/no/such/python was not found");
//! ```

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;
use waiter::child::{GroupChild, ParentDeath};

use crate::{Stop, duration};

/// The interpreter used unless told otherwise.
pub const DEFAULT_PYTHON: &str = "python3";

/// A script of the repository, as built into the library.
#[derive(Clone, Copy, Debug)]
pub struct Script {
    /// Its file name, as it is written to run (`async_baseline.py`).
    pub name: &'static str,
    /// Its text.
    pub text: &'static str,
}

/// Runs `script` with `python` and `args`, at most `timeout` (`stop`
/// kills it sooner), and parses its stdout as a `T`.
///
/// # Errors
///
/// Why there is no answer, in one line: the interpreter was not found or
/// did not start, it failed (with the last line it wrote to stderr), it
/// ran past `timeout` or `stop` was requested and it was killed, or its
/// answer is not the JSON expected.
pub fn run<T: DeserializeOwned>(
    python: &Path,
    script: &Script,
    args: &[String],
    timeout: Duration,
    stop: &Stop,
) -> Result<T, String> {
    let dir = TempDir::new().map_err(|e| format!("cannot write the Python script: {e}"))?;
    let path = dir.0.join(script.name);
    std::fs::write(&path, script.text)
        .map_err(|e| format!("cannot write the Python script: {e}"))?;
    let shown = python.display();
    let mut command = Command::new(python);
    command
        .arg(&path)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // Its own process group, killed whole: a script's own children
    // (CPython's process pool) go with it, even when only this process
    // was signalled.
    let mut child =
        GroupChild::spawn(&mut command, ParentDeath::Kill).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => format!("{shown} was not found"),
            _ => format!("{shown} did not start: {e}"),
        })?;
    let stdout = drain(child.child().stdout.take());
    let stderr = drain(child.child().stderr.take());
    let deadline = Instant::now() + timeout;
    let status = loop {
        // A stop wins over an answer that came at the same moment: the run
        // is interrupted either way.
        if stop.requested() {
            child.kill_group();
            let _ = child.wait();
            return Err(format!("{shown} was stopped: the run was interrupted"));
        }
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                child.kill_group();
                let _ = child.wait();
                return Err(format!(
                    "{shown} ran longer than {} and was stopped",
                    duration::format(timeout)
                ));
            }
            Ok(None) => thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(format!("cannot wait for {shown}: {e}")),
        }
    };
    // The pipes close when the interpreter (and anything it started) is
    // gone; `try_wait` killed its group, but a grandchild that left the
    // group may keep them open: do not wait for ever.
    let grace = Duration::from_secs(2);
    let out = stdout.recv_timeout(grace).unwrap_or_default();
    let err = stderr.recv_timeout(grace).unwrap_or_default();
    if !status.success() {
        let last = String::from_utf8_lossy(&err)
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .map(|l| format!(": {}", l.trim()))
            .unwrap_or_default();
        return Err(format!("{shown} failed ({status}){last}"));
    }
    serde_json::from_slice(&out)
        .map_err(|e| format!("{shown} answered something else than the expected JSON ({e})"))
}

/// Reads a pipe to its end on a thread; the bytes arrive on the channel.
fn drain(pipe: Option<impl Read + Send + 'static>) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    if let Some(mut pipe) = pipe {
        let spawned = thread::Builder::new()
            .name("python-output".into())
            .spawn(move || {
                let mut bytes = Vec::new();
                let _ = pipe.read_to_end(&mut bytes);
                let _ = tx.send(bytes);
            });
        // Without a thread the answer is simply empty.
        drop(spawned);
    }
    rx
}

/// A fresh directory under the system's temporary directory, removed on
/// drop.
pub(crate) struct TempDir(pub(crate) PathBuf);

impl TempDir {
    pub(crate) fn new() -> std::io::Result<Self> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let base = std::env::temp_dir();
        for attempt in 0..100u32 {
            let path = base.join(format!(
                "waiter-python-{}-{nanos}-{attempt}",
                std::process::id()
            ));
            match std::fs::create_dir(&path) {
                Ok(()) => return Ok(Self(path)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
        Err(std::io::Error::other("no free temporary directory name"))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ECHO: Script = Script {
        name: "echo.py",
        text: "",
    };

    #[test]
    fn a_missing_interpreter_is_a_reason_not_an_error() {
        let reason = run::<serde_json::Value>(
            Path::new("/no/such/python"),
            &ECHO,
            &[],
            Duration::from_secs(5),
            &Stop::new(),
        )
        .unwrap_err();
        assert_eq!(reason, "/no/such/python was not found");
    }

    #[test]
    #[cfg(unix)]
    fn a_failing_or_babbling_interpreter_is_a_reason() {
        // `false` exits 1 at once; `echo` answers with its arguments.
        let failed = run::<serde_json::Value>(
            Path::new("false"),
            &ECHO,
            &[],
            Duration::from_secs(5),
            &Stop::new(),
        )
        .unwrap_err();
        assert!(failed.contains("false failed"), "{failed}");
        let babbled = run::<serde_json::Value>(
            Path::new("echo"),
            &ECHO,
            &[],
            Duration::from_secs(5),
            &Stop::new(),
        )
        .unwrap_err();
        assert!(babbled.contains("expected JSON"), "{babbled}");
    }

    #[test]
    #[cfg(unix)]
    fn a_stopped_run_kills_the_interpreter() {
        let stop = Stop::new();
        stop.request();
        let started = Instant::now();
        let reason = run::<serde_json::Value>(
            Path::new("sleep"),
            &ECHO,
            &["30".into()],
            Duration::from_secs(60),
            &stop,
        )
        .unwrap_err();
        assert!(
            reason.contains("interrupted") || reason.contains("busy"),
            "{reason}"
        );
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    #[cfg(unix)]
    fn a_hanging_interpreter_is_stopped() {
        use std::os::unix::fs::PermissionsExt;
        // An "interpreter" that never answers.
        let dir = TempDir::new().unwrap();
        let hang = dir.0.join("hang.sh");
        std::fs::write(&hang, "#!/bin/sh\nexec sleep 30\n").unwrap();
        std::fs::set_permissions(&hang, std::fs::Permissions::from_mode(0o755)).unwrap();
        // A thread of another test may fork while the file is still open
        // for writing: exec then says "text file busy" for a moment.
        for _ in 0..50 {
            let started = Instant::now();
            let reason = run::<serde_json::Value>(
                &hang,
                &ECHO,
                &[],
                Duration::from_millis(300),
                &Stop::new(),
            )
            .unwrap_err();
            if reason.contains("busy") {
                thread::sleep(Duration::from_millis(20));
                continue;
            }
            assert!(reason.contains("ran longer than 300.0 ms"), "{reason}");
            assert!(started.elapsed() < Duration::from_secs(10));
            return;
        }
        panic!("the script stayed busy");
    }
}

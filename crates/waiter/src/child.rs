//! Child processes that leave nothing behind.
//!
//! Killing a child kills that one process: whatever it started (CPython's
//! `ProcessPoolExecutor` workers, a script's own subprocesses) is adopted
//! by init and runs on. A terminal's Ctrl-C reaches them only because it is
//! sent to the whole foreground process group; a `kill PID` sent to our
//! process alone does not.
//!
//! So a [`GroupChild`] starts its process in a process group of its own,
//! and stopping it (explicitly, or by dropping it) sends `SIGKILL` to the
//! whole group. Every live group is also listed process-wide, so that an
//! exit that cannot unwind (a second Ctrl-C, [`std::process::exit`]) still
//! stops them all first with [`kill_all`]. On Linux the child also gets a
//! parent-death signal (`prctl(PR_SET_PDEATHSIG, SIGKILL)`): if this
//! process is killed outright, so is the child.
//!
//! The parent-death signal is tied to the *thread* that started the child:
//! a `GroupChild` must be waited for on the thread that spawned it (which
//! is how a bounded run of a script works). Children started from a thread
//! that ends before them (a process pool's replacement workers) use only
//! the group ([`isolate`] with [`ParentDeath::Ignore`]).
//!
//! ```
//! # #[cfg(unix)] {
//! use std::process::Command;
//! use waiter::child::{GroupChild, ParentDeath};
//!
//! let mut sleeper = Command::new("sh");
//! sleeper.args(["-c", "sleep 30 & sleep 30"]);
//! let mut child = GroupChild::spawn(&mut sleeper, ParentDeath::Kill).unwrap();
//! // Both `sleep`s and the shell go, not only the shell.
//! child.kill_group();
//! assert!(!child.wait().unwrap().success());
//! # }
//! ```

use std::collections::BTreeSet;
use std::io;
use std::process::{Child, Command, ExitStatus};
use std::sync::Mutex;

/// What happens to a child when this process dies without stopping it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParentDeath {
    /// On Linux, the child gets `SIGKILL` when the thread that started it
    /// ends (and so when the process ends). Elsewhere, like `Ignore`.
    Kill,
    /// Nothing: the child notices by itself (end of its stdin, say).
    Ignore,
}

/// Makes `command` start its process as the leader of a new process group
/// and, with [`ParentDeath::Kill`] on Linux, die with its parent.
pub fn isolate(command: &mut Command, on_parent_death: ParentDeath) -> &mut Command {
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        command.process_group(0);
        #[cfg(target_os = "linux")]
        if on_parent_death == ParentDeath::Kill {
            let parent = std::process::id();
            // SAFETY: the closure runs in the forked child before `exec`,
            // where only async-signal-safe calls are allowed: `prctl`,
            // `getppid` and `_exit` are, and it allocates nothing.
            unsafe {
                command.pre_exec(move || {
                    if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                        return Err(io::Error::last_os_error());
                    }
                    // The parent may have died before the signal was set:
                    // then nobody will ever send it.
                    if libc::getppid() as u32 != parent {
                        libc::_exit(1);
                    }
                    Ok(())
                });
            }
        }
    }
    #[cfg(not(unix))]
    let _ = on_parent_death;
    command
}

/// Sends `SIGKILL` to the process group led by `pid` (see [`isolate`]).
/// A group that is gone already is not an error.
pub fn kill_group(pid: u32) {
    #[cfg(unix)]
    if let Ok(pid) = libc::pid_t::try_from(pid) {
        if pid > 0 {
            // SAFETY: `kill` has no memory-safety preconditions; a negative
            // pid names a process group.
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
        }
    }
    #[cfg(not(unix))]
    let _ = pid;
}

/// The groups started by [`GroupChild`] and not stopped yet.
static LIVE: Mutex<BTreeSet<u32>> = Mutex::new(BTreeSet::new());

fn live() -> std::sync::MutexGuard<'static, BTreeSet<u32>> {
    LIVE.lock().unwrap_or_else(|poison| poison.into_inner())
}

/// Kills every group a [`GroupChild`] of this process started and has not
/// stopped yet: for an exit that cannot wait for them to be dropped.
pub fn kill_all() {
    for &pid in live().iter() {
        kill_group(pid);
    }
}

/// A child process leading its own process group; dropping it kills the
/// group and reaps the child.
#[derive(Debug)]
pub struct GroupChild {
    child: Child,
    reaped: bool,
}

impl GroupChild {
    /// Starts `command` in a group of its own ([`isolate`]).
    ///
    /// # Errors
    ///
    /// The process could not be started.
    pub fn spawn(command: &mut Command, on_parent_death: ParentDeath) -> io::Result<Self> {
        let mut list = live();
        let child = isolate(command, on_parent_death).spawn()?;
        list.insert(child.id());
        Ok(Self {
            child,
            reaped: false,
        })
    }

    /// The child, for its pipes and pid.
    pub fn child(&mut self) -> &mut Child {
        &mut self.child
    }

    /// Kills the child and everything in its group.
    pub fn kill_group(&mut self) {
        // While the leader is not reaped its pid cannot name another group.
        if !self.reaped {
            kill_group(self.child.id());
        }
    }

    /// [`Child::try_wait`]. The group is killed once the leader is found
    /// ended: whatever it left running would be an orphan.
    ///
    /// # Errors
    ///
    /// As [`Child::try_wait`].
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        if self.reaped {
            return self.child.try_wait();
        }
        // Look without reaping, so that the group id stays reserved for the
        // kill below.
        let ended = self.leader_ended()?;
        if !ended {
            return Ok(None);
        }
        self.kill_group();
        self.wait().map(Some)
    }

    /// Waits for the child to end, then kills what is left of its group.
    ///
    /// # Errors
    ///
    /// As [`Child::wait`].
    pub fn wait(&mut self) -> io::Result<ExitStatus> {
        if !self.reaped {
            self.wait_unreaped()?;
            self.kill_group();
        }
        let status = self.child.wait();
        if status.is_ok() {
            self.forget();
        }
        status
    }

    fn forget(&mut self) {
        self.reaped = true;
        live().remove(&self.child.id());
    }

    /// Whether the leader has ended, leaving it a zombie (not reaped).
    #[cfg(unix)]
    fn leader_ended(&self) -> io::Result<bool> {
        // SAFETY: `siginfo_t` is plain data; `waitid` fills it in.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        let pid = self.child.id() as libc::id_t;
        // SAFETY: `info` is a valid, writable `siginfo_t`; WNOWAIT leaves the
        // child waitable for `Child::wait`.
        let result = unsafe {
            libc::waitid(
                libc::P_PID,
                pid,
                &raw mut info,
                libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
            )
        };
        if result != 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `waitid` filled in `info`; `si_pid` is 0 if nothing ended.
        Ok(unsafe { info.si_pid() } != 0)
    }

    #[cfg(not(unix))]
    fn leader_ended(&mut self) -> io::Result<bool> {
        Ok(self.child.try_wait()?.is_some())
    }

    /// Blocks until the leader ends, without reaping it.
    #[cfg(unix)]
    fn wait_unreaped(&self) -> io::Result<()> {
        // SAFETY: as in `leader_ended`.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        loop {
            // SAFETY: as in `leader_ended`, blocking.
            let result = unsafe {
                libc::waitid(
                    libc::P_PID,
                    self.child.id() as libc::id_t,
                    &raw mut info,
                    libc::WEXITED | libc::WNOWAIT,
                )
            };
            if result == 0 {
                return Ok(());
            }
            let error = io::Error::last_os_error();
            if error.kind() != io::ErrorKind::Interrupted {
                return Err(error);
            }
        }
    }

    #[cfg(not(unix))]
    fn wait_unreaped(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for GroupChild {
    fn drop(&mut self) {
        if !self.reaped {
            self.kill_group();
            let _ = self.wait();
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    /// `kill_all` kills the groups of every test running at the time.
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

    fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
        ONE_AT_A_TIME
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    fn alive(pid: u32) -> bool {
        // SAFETY: signal 0 only checks that the process exists.
        unsafe { libc::kill(pid as libc::pid_t, 0) == 0 }
    }

    /// A shell that starts a `sleep` in the background and prints its pid.
    fn shell_with_grandchild() -> (GroupChild, u32) {
        let mut command = Command::new("sh");
        command
            .args(["-c", "sleep 30 & echo $!; wait"])
            .stdout(std::process::Stdio::piped());
        let mut child = GroupChild::spawn(&mut command, ParentDeath::Kill).unwrap();
        let mut line = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(child.child().stdout.take().unwrap()),
            &mut line,
        )
        .unwrap();
        (child, line.trim().parse().unwrap())
    }

    fn gone_soon(pid: u32) -> bool {
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            // The grandchild is adopted and reaped by init (or is a zombie
            // of ours for a moment): either way `kill` then fails or the
            // stat says `Z`.
            let zombie = std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
                s.rsplit_once(')')
                    .is_some_and(|(_, r)| r.trim_start().starts_with('Z'))
            });
            if !alive(pid) || zombie {
                return true;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        false
    }

    #[test]
    fn killing_the_group_stops_the_grandchild_too() {
        let _serial = one_at_a_time();
        let (mut child, grandchild) = shell_with_grandchild();
        assert!(alive(grandchild));
        assert!(live().contains(&child.child().id()));
        child.kill_group();
        assert!(!child.wait().unwrap().success());
        assert!(gone_soon(grandchild), "grandchild {grandchild} survived");
        assert!(!live().contains(&child.child().id()));
    }

    #[test]
    fn dropping_stops_the_group() {
        let _serial = one_at_a_time();
        let (child, grandchild) = shell_with_grandchild();
        drop(child);
        assert!(gone_soon(grandchild), "grandchild {grandchild} survived");
    }

    #[test]
    fn a_leader_that_ends_takes_what_it_left_running_with_it() {
        let _serial = one_at_a_time();
        let mut command = Command::new("sh");
        command
            .args(["-c", "sleep 30 & echo $!"])
            .stdout(std::process::Stdio::piped());
        let mut child = GroupChild::spawn(&mut command, ParentDeath::Kill).unwrap();
        let mut line = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(child.child().stdout.take().unwrap()),
            &mut line,
        )
        .unwrap();
        let grandchild: u32 = line.trim().parse().unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline);
            std::thread::sleep(Duration::from_millis(5));
        };
        assert!(status.success());
        assert!(gone_soon(grandchild), "grandchild {grandchild} survived");
    }

    #[test]
    fn kill_all_stops_every_live_group() {
        let _serial = one_at_a_time();
        let (mut child, grandchild) = shell_with_grandchild();
        kill_all();
        assert!(!child.wait().unwrap().success());
        assert!(gone_soon(grandchild), "grandchild {grandchild} survived");
    }
}

//! What the pool handle and the reader threads share: the worker slots,
//! the calls waiting for a worker, and how a call finds one.
//!
//! A call goes to the least loaded live worker that has room for it
//! (`calls_per_worker`); if none has, it waits in `pending`, and the
//! first worker with room takes it: a reader after each answer
//! ([`Shared::feed`]), or a fresh worker when it is put in its slot. The
//! `pending` lock orders the two: a dispatcher looks for room again under
//! it before leaving a call there, and a reader takes calls under it after
//! making room, so no call waits while a worker idles.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use super::connection::{Connection, InFlight};
use super::error::{ProcessError, TaskError};
use super::handle::Book;
use super::registry::Registry;
use crate::sync::lock;

pub(crate) struct Config {
    pub(crate) program: PathBuf,
    pub(crate) args: Vec<OsString>,
    pub(crate) hello_timeout: Duration,
    pub(crate) max_tasks_per_worker: Option<usize>,
    /// Calls written to a worker and not answered, at most.
    pub(crate) calls_per_worker: usize,
}

/// What the pool handle and the reader threads share.
pub(crate) struct Shared {
    pub(crate) config: Config,
    pub(crate) registry: Registry,
    pub(crate) slots: Vec<RwLock<Option<Arc<Connection>>>>,
    /// Calls that no worker had room for when they came, oldest first.
    /// Locked before any slot and any connection; slots are filled and
    /// emptied under it, and readers take calls from it after making room,
    /// so a call is never left here while a worker with room is in a slot.
    pub(crate) pending: Mutex<VecDeque<InFlight>>,
    pub(crate) closing: AtomicBool,
    pub(crate) next_call: AtomicU64,
    pub(crate) next_task: AtomicU64,
    /// The thread pool's ledger page: the task cells want an owner, and
    /// the process pool's cells never put anything on it.
    pub(crate) owner: u64,
    /// Failures whose handles were dropped unread.
    pub(crate) book: Arc<Book>,
    pub(crate) restarts: AtomicUsize,
    /// Per slot: workers in a row that ended without answering anything,
    /// and not while running a call. A program that keeps failing that way
    /// is not restarted for ever.
    pub(crate) barren: Vec<AtomicUsize>,
}

/// After this many workers in a row end in a slot without answering, the
/// slot stays empty (a broken program would otherwise be restarted in a
/// loop).
pub(crate) const MAX_BARREN_RESTARTS: usize = 3;

impl Shared {
    pub(crate) fn connections(&self) -> Vec<Arc<Connection>> {
        self.slots
            .iter()
            .filter_map(|slot| slot.read().ok().and_then(|c| c.clone()))
            .collect()
    }

    /// Offers `call` to the live workers, least loaded first; gives it back
    /// if none takes it (each is full, retiring or going away).
    fn offer(&self, mut call: InFlight) -> Option<InFlight> {
        let mut live: Vec<_> = self
            .connections()
            .into_iter()
            .filter(|c| c.is_alive())
            .collect();
        live.sort_by_key(|c| c.load());
        for connection in live {
            match self.send_to(&connection, call) {
                Ok(()) => return None,
                Err(back) => call = back,
            }
        }
        Some(call)
    }

    fn send_to(&self, connection: &Connection, call: InFlight) -> Result<(), InFlight> {
        connection.send(
            call,
            self.config.calls_per_worker,
            self.config.max_tasks_per_worker,
        )
    }

    /// Sends `call` to a worker with room, or leaves it for the first one
    /// that has.
    pub(crate) fn dispatch(&self, call: InFlight) -> Result<(), ProcessError> {
        if self.closing.load(Ordering::Acquire) {
            return Err(ProcessError::Shutdown);
        }
        let Some(call) = self.offer(call) else {
            return Ok(());
        };
        // Workers are put in slots under this lock: looking again under it
        // cannot miss one that arrived in between.
        let mut pending = lock(&self.pending);
        if self.closing.load(Ordering::Acquire) {
            return Err(ProcessError::Shutdown);
        }
        let Some(call) = self.offer(call) else {
            return Ok(());
        };
        // A busy worker takes it when it has room; a slot that holds a
        // retiring or ended worker gets a fresh one, which takes it; an
        // empty slot stays empty.
        if self.connections().is_empty() {
            return Err(ProcessError::NoWorkers(
                "every worker ended and none could be restarted".to_owned(),
            ));
        }
        pending.push_back(call);
        Ok(())
    }

    /// Takes back calls whose worker ended before starting them: another
    /// worker takes them, or they wait for the ended one's replacement
    /// (called before [`replace`](Self::replace), even while closing, so
    /// the replacement finds them).
    pub(crate) fn requeue(&self, calls: impl IntoIterator<Item = InFlight>) {
        let mut pending = lock(&self.pending);
        for call in calls {
            if let Some(call) = self.offer(call) {
                pending.push_back(call);
            }
        }
    }

    /// Hands `connection` waiting calls until it has no more room (or
    /// takes no more: retiring, gone). While closing, a worker with nothing
    /// left to take is told to finish: its stdin is closed.
    pub(crate) fn feed(&self, connection: &Connection) {
        let mut pending = lock(&self.pending);
        self.feed_locked(connection, &mut pending);
    }

    fn feed_locked(&self, connection: &Connection, pending: &mut VecDeque<InFlight>) {
        while let Some(call) = pending.pop_front() {
            if let Err(back) = self.send_to(connection, call) {
                pending.push_front(back);
                break;
            }
        }
        if pending.is_empty() && self.closing.load(Ordering::Acquire) {
            connection.close();
        }
    }

    /// Puts `fresh` in `slot` and hands it the waiting calls.
    fn install(&self, slot: usize, fresh: &Arc<Connection>, pending: &mut VecDeque<InFlight>) {
        match self.slots[slot].write() {
            Ok(mut place) => *place = Some(Arc::clone(fresh)),
            Err(poison) => *poison.into_inner() = Some(Arc::clone(fresh)),
        }
        fresh.activate();
        self.feed_locked(fresh, pending);
    }

    /// Leaves `slot` empty; if every slot is, no worker will ever take the
    /// waiting calls, and they fail.
    pub(crate) fn abandon(&self, slot: usize, why: &str) {
        let stranded: Vec<InFlight> = {
            let mut pending = lock(&self.pending);
            match self.slots[slot].write() {
                Ok(mut place) => *place = None,
                Err(poison) => *poison.into_inner() = None,
            }
            if self.connections().is_empty() {
                pending.drain(..).collect()
            } else {
                Vec::new()
            }
        };
        for call in stranded {
            call.fail(TaskError::NoWorker(why.to_owned()));
        }
    }

    /// Puts a fresh worker in `slot` after the old one ended (its reader
    /// calls this, once); `worked`: whether the old one answered anything
    /// or ended running a call (which failed).
    /// While closing, only calls that were waiting for a worker get one.
    pub(crate) fn replace(self: &Arc<Self>, slot: usize, old_pid: u32, worked: bool) {
        if self.closing.load(Ordering::Acquire) && lock(&self.pending).is_empty() {
            return;
        }
        let barren = if worked {
            self.barren[slot].store(0, Ordering::Relaxed);
            0
        } else {
            self.barren[slot].fetch_add(1, Ordering::Relaxed) + 1
        };
        if barren >= MAX_BARREN_RESTARTS {
            log::warn!(
                "waiter: worker {slot} (pid {old_pid}) is the {barren}th in a row to end without answering; not restarting it"
            );
            self.abandon(
                slot,
                &format!("{barren} workers in a row ended without answering"),
            );
            return;
        }
        match Connection::start(self, slot) {
            Ok(fresh) => {
                // Counted before it can answer anything.
                self.restarts.fetch_add(1, Ordering::Relaxed);
                let mut pending = lock(&self.pending);
                // While closing, it is closed once it took the last
                // waiting call; `shutdown` finds it in the slot.
                self.install(slot, &fresh, &mut pending);
            }
            Err(error) => {
                log::warn!(
                    "waiter: worker {slot} (pid {old_pid}) ended and could not be replaced: {error}"
                );
                self.abandon(slot, &format!("a worker could not be started: {error}"));
            }
        }
    }
}

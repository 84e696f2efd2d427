//! The [`Recorder`]: a buffer per recording thread, merged on demand.
//!
//! Layout: the recorder owns a registry of buffers (`Arc<Buffer>`), one per
//! thread that has recorded into it. Each thread keeps, in a thread-local
//! list, a *weak* reference to its buffer for every recorder it has used,
//! keyed by the recorder's id (unique for the life of the process, never
//! reused). Recording looks the buffer up in that short list and pushes
//! under the buffer's own lock, which only the merge ever contends for.
//!
//! Because the thread-local side is weak, dropping a recorder frees its
//! buffers even while the threads that filled them live on; the dead weak
//! entries left behind are pruned the next time that thread starts
//! recording into another recorder, so a long-lived pool worker that serves
//! many short-lived recorders keeps a list no longer than the number of
//! recorders alive at once, plus one.
//!
//! Sync primitives come from `std` directly, not from the crate's loom
//! shim: nothing here is worth model checking (plain locks, one counter),
//! and the recorder must work the same in every build.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Instant;

use super::{Lane, Span, State, Timeline};

/// Ids of recorders, so a thread's buffer list never mistakes a new
/// recorder for a dropped one at the same address.
static NEXT_ID: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// This thread's buffers: (recorder id, buffer) for each recorder it
    /// recorded into. A handful of entries at most, searched linearly.
    static BUFFERS: RefCell<Vec<(u64, Weak<Buffer>)>> = const { RefCell::new(Vec::new()) };
}

/// Collects spans from many threads into a [`Timeline`].
///
/// Times are [`Instant`]s, turned into microseconds since the recorder's
/// [origin](Self::origin); a start before the origin counts as 0, an end
/// before its start as the start. A span is recorded once it has ended.
///
/// Each thread records into a buffer of its own, registered with the
/// recorder the first time that thread records: the lock it takes is
/// uncontended except while a [`snapshot`](Self::snapshot) or
/// [`finish`](Self::finish) merges the buffers. The merge puts lanes in the
/// order they were first declared or recorded into, by any thread, and the
/// spans of each lane in order of their start.
///
/// [`Recorder::off`] records nothing and costs one branch per call.
///
/// ```
/// use std::time::Instant;
/// use waiter::trace::{Recorder, State};
///
/// let recorder = Recorder::new();
/// recorder.declare("main");
/// let start = Instant::now();
/// let end = Instant::now();
/// recorder.record_here(State::Running, "work", start, end);
/// let timeline = recorder.finish("example");
/// assert_eq!(timeline.lanes[0].name, "main");
/// ```
///
/// ## Memory ordering
///
/// Spans travel from a recording thread to the merge through the buffer's
/// mutex, so a snapshot contains every span whose `record` call returned
/// before the snapshot started (in the happens-before sense: after a join,
/// a channel message, a task's `wait`); a span recorded concurrently with a
/// snapshot is in it or not, never half. The first-appearance order of
/// lanes comes from one counter taken with `Relaxed` ordering: all threads
/// agree on the modification order of a single atomic, and it is consistent
/// with happens-before, so a lane declared before a thread is spawned always
/// sorts before the lanes that thread creates.
pub struct Recorder {
    origin: Instant,
    /// `None` when off.
    inner: Option<Inner>,
}

struct Inner {
    id: u64,
    /// The next first-appearance number of a (buffer, lane) pair.
    next_seq: AtomicU64,
    /// Every buffer, strong: spans outlive the threads that recorded them.
    buffers: Mutex<Vec<Arc<Buffer>>>,
    /// For a thread whose thread-locals are gone (recording from another
    /// thread-local's destructor): shared, and registered like the others.
    fallback: Arc<Buffer>,
}

#[derive(Default)]
struct Buffer {
    lanes: Mutex<Vec<LocalLane>>,
}

/// One lane as one thread saw it.
struct LocalLane {
    /// When this thread first used the lane, among all first uses.
    seq: u64,
    name: String,
    spans: Vec<Span>,
}

impl Default for Recorder {
    /// A recorder that is on, with its origin now: [`Recorder::new`].
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Recorder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("Recorder");
        debug
            .field("on", &self.is_on())
            .field("origin", &self.origin);
        if let Some(inner) = &self.inner {
            debug
                .field("id", &inner.id)
                .field("buffers", &lock(&inner.buffers).len());
        }
        debug.finish()
    }
}

impl Recorder {
    /// A recorder whose origin is now.
    pub fn new() -> Self {
        Self::starting_at(Instant::now())
    }

    /// A recorder whose origin is `origin`.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use waiter::trace::{Recorder, State};
    ///
    /// let origin = Instant::now();
    /// let recorder = Recorder::starting_at(origin);
    /// let ms = Duration::from_millis;
    /// recorder.record("main", State::Running, "", origin + ms(1), origin + ms(3));
    /// let span = &recorder.finish("t").lanes[0].spans[0];
    /// assert_eq!((span.start_us, span.end_us), (1_000, 3_000));
    /// ```
    pub fn starting_at(origin: Instant) -> Self {
        let fallback = Arc::new(Buffer::default());
        Self {
            origin,
            inner: Some(Inner {
                id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
                next_seq: AtomicU64::new(0),
                buffers: Mutex::new(vec![Arc::clone(&fallback)]),
                fallback,
            }),
        }
    }

    /// A recorder that records nothing: every recording call returns after
    /// one branch, without reading the clock, allocating or locking, and
    /// [`finish`](Self::finish) gives a timeline without lanes.
    ///
    /// ```
    /// use std::time::Instant;
    /// use waiter::trace::{Recorder, State};
    ///
    /// let recorder = Recorder::off();
    /// assert!(!recorder.is_on());
    /// recorder.record_here(State::Running, "work", Instant::now(), Instant::now());
    /// assert!(recorder.finish("t").lanes.is_empty());
    /// ```
    pub fn off() -> Self {
        Self {
            origin: Instant::now(),
            inner: None,
        }
    }

    /// Whether this recorder records (false for [`Recorder::off`]).
    pub fn is_on(&self) -> bool {
        self.inner.is_some()
    }

    /// Time zero of the timeline.
    pub fn origin(&self) -> Instant {
        self.origin
    }

    /// Adds an empty lane now, to fix the order of lanes (e.g. `main` first
    /// even if its span ends last). Does nothing if the lane exists.
    pub fn declare(&self, lane: &str) {
        let Some(inner) = &self.inner else { return };
        let buffer = inner.buffer();
        let mut lanes = lock(&buffer.lanes);
        inner.lane_mut(&mut lanes, lane);
    }

    /// Records that `lane` was in `state`, doing `label` (none if empty),
    /// from `start` to `end`.
    pub fn record(&self, lane: &str, state: State, label: &str, start: Instant, end: Instant) {
        let Some(inner) = &self.inner else { return };
        let (start_us, end_us) = (self.offset(start), self.offset(end));
        let span = Span {
            state,
            start_us,
            end_us: end_us.max(start_us),
            label: (!label.is_empty()).then(|| label.to_owned()),
        };
        let buffer = inner.buffer();
        let mut lanes = lock(&buffer.lanes);
        inner.lane_mut(&mut lanes, lane).spans.push(span);
    }

    /// Like [`record`](Self::record), on the lane named after the calling
    /// thread (`main`, `waiter-worker-0`, …; `unnamed` if it has no name).
    pub fn record_here(&self, state: State, label: &str, start: Instant, end: Instant) {
        if self.inner.is_none() {
            return;
        }
        let thread = std::thread::current();
        self.record(thread.name().unwrap_or("unnamed"), state, label, start, end);
    }

    /// Runs `work` and records the time it took on `lane`; when the
    /// recorder is off, only runs `work` (the clock is not read). Nothing is
    /// recorded if `work` panics.
    ///
    /// ```
    /// use waiter::trace::{Recorder, State};
    ///
    /// let recorder = Recorder::new();
    /// let sum = recorder.time("main", State::Running, "sum", || (1..=10).sum::<u32>());
    /// assert_eq!(sum, 55);
    /// let timeline = recorder.finish("t");
    /// assert_eq!(timeline.lanes[0].spans[0].label.as_deref(), Some("sum"));
    /// ```
    pub fn time<R>(&self, lane: &str, state: State, label: &str, work: impl FnOnce() -> R) -> R {
        if self.inner.is_none() {
            return work();
        }
        let start = Instant::now();
        let result = work();
        self.record(lane, state, label, start, Instant::now());
        result
    }

    /// The timeline recorded so far, without stopping: threads may go on
    /// recording, and a later snapshot or [`finish`](Self::finish) has
    /// everything again.
    ///
    /// ```
    /// use std::time::Instant;
    /// use waiter::trace::{Recorder, State};
    ///
    /// let recorder = Recorder::new();
    /// recorder.record("main", State::Running, "first", Instant::now(), Instant::now());
    /// assert_eq!(recorder.snapshot("so far").lanes[0].spans.len(), 1);
    /// recorder.record("main", State::Running, "second", Instant::now(), Instant::now());
    /// assert_eq!(recorder.finish("all").lanes[0].spans.len(), 2);
    /// ```
    pub fn snapshot(&self, title: impl Into<String>) -> Timeline {
        self.merge(title.into(), false)
    }

    /// The timeline recorded, from every thread that recorded, whether it
    /// still runs or not.
    pub fn finish(self, title: impl Into<String>) -> Timeline {
        self.merge(title.into(), true)
    }

    fn offset(&self, at: Instant) -> u64 {
        let since = at.saturating_duration_since(self.origin);
        u64::try_from(since.as_micros()).unwrap_or(u64::MAX)
    }

    /// Merges every buffer; `take` moves the spans out instead of copying.
    fn merge(&self, title: String, take: bool) -> Timeline {
        let Some(inner) = &self.inner else {
            return Timeline {
                title,
                lanes: Vec::new(),
            };
        };
        // Copy the registry out so no buffer lock is taken under its lock.
        let buffers = lock(&inner.buffers).clone();
        let mut merged: Vec<(u64, Lane)> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        for buffer in &buffers {
            let mut lanes = lock(&buffer.lanes);
            for local in lanes.iter_mut() {
                let spans = if take {
                    std::mem::take(&mut local.spans)
                } else {
                    local.spans.clone()
                };
                match index.get(&local.name) {
                    Some(&at) => {
                        let (seq, lane) = &mut merged[at];
                        *seq = (*seq).min(local.seq);
                        lane.spans.extend(spans);
                    }
                    None => {
                        index.insert(local.name.clone(), merged.len());
                        merged.push((
                            local.seq,
                            Lane {
                                name: local.name.clone(),
                                spans,
                            },
                        ));
                    }
                }
            }
        }
        merged.sort_by_key(|(seq, _)| *seq);
        let lanes = merged
            .into_iter()
            .map(|(_, mut lane)| {
                lane.spans.sort_by_key(|span| (span.start_us, span.end_us));
                lane
            })
            .collect();
        Timeline { title, lanes }
    }
}

impl Inner {
    /// The calling thread's buffer for this recorder, registered on first
    /// use; the shared fallback if this thread's locals are gone.
    fn buffer(&self) -> Arc<Buffer> {
        BUFFERS
            .try_with(|list| {
                let mut list = list.try_borrow_mut().ok()?;
                if let Some(buffer) = list
                    .iter()
                    .find(|(id, _)| *id == self.id)
                    .and_then(|(_, buffer)| buffer.upgrade())
                {
                    return Some(buffer);
                }
                // First use by this thread: forget the buffers of dropped
                // recorders, then register a new one.
                list.retain(|(id, buffer)| *id != self.id && buffer.strong_count() > 0);
                let buffer = Arc::new(Buffer::default());
                lock(&self.buffers).push(Arc::clone(&buffer));
                list.push((self.id, Arc::downgrade(&buffer)));
                Some(buffer)
            })
            .ok()
            .flatten()
            .unwrap_or_else(|| Arc::clone(&self.fallback))
    }

    /// The lane named `name` in one buffer, added (with the next
    /// first-appearance number) if missing.
    fn lane_mut<'a>(&self, lanes: &'a mut Vec<LocalLane>, name: &str) -> &'a mut LocalLane {
        let index = match lanes.iter().position(|lane| lane.name == name) {
            Some(index) => index,
            None => {
                lanes.push(LocalLane {
                    seq: self.next_seq.fetch_add(1, Ordering::Relaxed),
                    name: name.to_owned(),
                    spans: Vec::new(),
                });
                lanes.len() - 1
            }
        };
        &mut lanes[index]
    }
}

/// Locks, ignoring poison: a panic elsewhere never stops the recording.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// How many buffers the calling thread keeps (live or not yet pruned).
#[cfg(test)]
pub(super) fn local_buffer_count() -> usize {
    BUFFERS.with(|list| list.borrow().len())
}

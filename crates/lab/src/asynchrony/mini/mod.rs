//! `mini`: an event loop small enough to read in one sitting.
//!
//! **A teaching loop, not a runtime.** It exists to show what asyncio and
//! tokio do out of sight; use tokio for real work. It has the four parts
//! every event loop has, and nothing else (no I/O driver, no work
//! stealing, no budget):
//!
//! - a **ready queue** of task ids: the tasks to poll next;
//! - **[`Waker`]s that push a task id back** on that queue, from any thread
//!   (a pool worker finishing a job wakes the task that awaits it);
//! - a **timer heap**: [`sleep`] files its deadline there, and the loop
//!   moves the tasks whose deadline passed to the ready queue;
//! - **[`Loop::block_on`]**: poll what is ready, fire the timers that are
//!   due, and when nothing is ready, put the thread to sleep until the next
//!   deadline or a wake.
//!
//! One rule follows from the shape, and it is the rule of async code: the
//! loop can only move on when the task it polls returns. A task that
//! computes for 200 ms without an `.await` that returns `Pending` holds
//! every other task for 200 ms, however early their timers fire.
//!
//! The loop records every poll as a span on the task's lane, labelled with
//! why the task woke ([`Why`]), the time a woken task waited for the loop
//! (`waiting-cpu`), the time it awaited something (`waiting-io`), and the
//! loop's own idle time: the scheduling asyncio hides, drawn.
//!
//! Each round fires the due timers, then polls only the tasks that were
//! ready when the round began: a task that yields goes to the back and
//! waits one round, so timers are checked between its slices.
//!
//! ```
//! use std::time::Duration;
//! use waiter::trace::Recorder;
//! use waiter_lab::asynchrony::mini::{self, Loop};
//!
//! let mut event_loop = Loop::new(Recorder::new());
//! let sum = event_loop.block_on(async {
//!     let a = mini::spawn("a", async { mini::sleep(Duration::from_millis(20)).await; 1 });
//!     let b = mini::spawn("b", async { mini::sleep(Duration::from_millis(10)).await; 2 });
//!     a.await + b.await // both sleeps overlap: about 20 ms, not 30
//! });
//! assert_eq!(sum, 3);
//! assert!(event_loop.stats().polls >= 5); // main twice or more, a and b twice each
//! ```

use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

use serde::Serialize;
use waiter::trace::{Recorder, State};

#[cfg(test)]
mod tests;

/// Why a task was polled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Why {
    /// Its first poll, right after [`spawn`] (or `block_on`).
    Spawned,
    /// A [`sleep`] it awaits reached its deadline.
    Timer,
    /// It woke itself while being polled ([`yield_now`]).
    Yielded,
    /// Another task of the loop woke it (it finished what it awaited).
    OtherTask,
    /// Another thread woke it: a pool worker, a reader.
    OtherThread,
}

impl Why {
    /// A label for people: `first poll`, `timer fired`…
    pub fn label(self) -> &'static str {
        match self {
            Why::Spawned => "first poll",
            Why::Timer => "timer fired",
            Why::Yielded => "yielded, polled again",
            Why::OtherTask => "woken by another task",
            Why::OtherThread => "woken from another thread",
        }
    }
}

impl fmt::Display for Why {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// What the loop did, counted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Polls, in all.
    pub polls: u64,
    /// Polls by why the task woke, in [`Why`]'s order.
    pub by_why: [u64; 5],
    /// Tasks spawned, `block_on`'s own future included.
    pub tasks: u64,
    /// Wakes that found their task already queued or finished (no poll).
    pub wakes_merged: u64,
}

/// A task id's slot in the ready queue, shared with every thread.
struct Shared {
    ready: Mutex<VecDeque<(usize, Why, Instant)>>,
    wake: Condvar,
    loop_thread: ThreadId,
    /// The id + 1 of the task being polled, 0 between polls.
    polling: AtomicUsize,
    merged: AtomicUsize,
}

/// The waker of one task: pushes its id back on the ready queue, once
/// until it is polled again.
struct TaskWaker {
    id: usize,
    queued: AtomicBool,
    shared: Arc<Shared>,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let shared = &self.shared;
        // A second wake before the poll changes nothing: one poll serves both.
        if self.queued.swap(true, Ordering::AcqRel) {
            shared.merged.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let why = if thread::current().id() != shared.loop_thread {
            Why::OtherThread
        } else if shared.polling.load(Ordering::Relaxed) == self.id + 1 {
            Why::Yielded
        } else {
            Why::OtherTask
        };
        lock(&shared.ready).push_back((self.id, why, Instant::now()));
        shared.wake.notify_one();
    }
}

type Boxed = Pin<Box<dyn Future<Output = ()>>>;

/// What [`spawn`] and [`sleep`] reach through the thread-local.
#[derive(Default)]
struct Local {
    spawned: Vec<(String, Boxed)>,
    /// (deadline, order of filing, task id).
    timers: BinaryHeap<Reverse<(Instant, u64, usize)>>,
    filed: u64,
    current: usize,
}

thread_local! {
    static LOCAL: RefCell<Option<Local>> = const { RefCell::new(None) };
}

fn with_local<R>(what: &str, f: impl FnOnce(&mut Local) -> R) -> R {
    LOCAL.with(|local| {
        let mut local = local.borrow_mut();
        let local = local
            .as_mut()
            .unwrap_or_else(|| panic!("mini::{what} needs a running mini::Loop on this thread"));
        f(local)
    })
}

/// One task: its future, its waker, what it awaited last.
struct Task {
    name: String,
    future: Option<Boxed>,
    waker: Arc<TaskWaker>,
    /// When its last poll returned `Pending`, and whether it filed a timer.
    parked: Option<(Instant, bool)>,
    done: bool,
}

/// `block_on`'s own future.
const MAIN: usize = 0;

/// The loop. Make one per thread that runs async code with [`block_on`](Self::block_on).
pub struct Loop {
    shared: Arc<Shared>,
    tasks: Vec<Task>,
    recorder: Recorder,
    stats: Stats,
}

/// The shortest wait for the loop that is drawn (`waiting-cpu`).
pub const SHORTEST_WAIT: Duration = Duration::from_micros(100);

/// The lane of the loop's own idle time.
pub const LOOP_LANE: &str = "event loop";

impl Loop {
    /// A loop that records into `recorder` ([`Recorder::off`] for none).
    pub fn new(recorder: Recorder) -> Self {
        let shared = Arc::new(Shared {
            ready: Mutex::new(VecDeque::new()),
            wake: Condvar::new(),
            loop_thread: thread::current().id(),
            polling: AtomicUsize::new(0),
            merged: AtomicUsize::new(0),
        });
        Self {
            shared,
            tasks: Vec::new(),
            recorder,
            stats: Stats::default(),
        }
    }

    /// What the loop did so far.
    pub fn stats(&self) -> Stats {
        let mut stats = self.stats.clone();
        stats.wakes_merged = self.shared.merged.load(Ordering::Relaxed) as u64;
        stats
    }

    /// Gives back the recorder, to finish its timeline.
    pub fn into_recorder(self) -> Recorder {
        self.recorder
    }

    /// Runs `future` (the task `main`) and every task it spawns until
    /// `main` is done; tasks still pending then are dropped, as
    /// `asyncio.run` cancels them.
    ///
    /// # Panics
    ///
    /// If called from another thread than the one that made the loop, or
    /// from inside a running loop.
    pub fn block_on<F: Future>(&mut self, future: F) -> F::Output {
        assert_eq!(
            thread::current().id(),
            self.shared.loop_thread,
            "a loop runs on the thread that made it"
        );
        LOCAL.with(|local| {
            let mut local = local.borrow_mut();
            assert!(
                local.is_none(),
                "mini::Loop::block_on inside a running loop"
            );
            *local = Some(Local::default());
        });
        let output = Rc::new(RefCell::new(None));
        let slot = Rc::clone(&output);
        // `main` borrows from the caller, so it stays out of the task list
        // (whose futures are 'static) and is polled in place: task id 0.
        let mut main: Pin<Box<dyn Future<Output = ()> + '_>> = Box::pin(async move {
            *slot.borrow_mut() = Some(future.await);
        });
        self.tasks.clear();
        self.add("main".to_owned(), None);
        while !self.tasks[MAIN].done {
            self.adopt_spawned();
            self.fire_timers();
            let batch: Vec<_> = lock(&self.shared.ready).drain(..).collect();
            if batch.is_empty() {
                self.idle();
            }
            for (id, why, since) in batch {
                if self.tasks[id].done {
                    continue;
                }
                let done = if id == MAIN {
                    self.poll(id, why, since, main.as_mut())
                } else {
                    let mut future = self.tasks[id]
                        .future
                        .take()
                        .expect("a live task has its future");
                    let done = self.poll(id, why, since, future.as_mut());
                    self.tasks[id].future = (!done).then_some(future);
                    done
                };
                self.tasks[id].done = done;
            }
        }
        drop(main);
        LOCAL.with(|local| local.borrow_mut().take());
        // Pending tasks are dropped with the list; their late wakes find no one.
        self.tasks.clear();
        lock(&self.shared.ready).clear();
        output.borrow_mut().take().expect("main finished")
    }

    fn add(&mut self, name: String, future: Option<Boxed>) {
        let id = self.tasks.len();
        let waker = Arc::new(TaskWaker {
            id,
            queued: AtomicBool::new(true),
            shared: Arc::clone(&self.shared),
        });
        self.recorder.declare(&name);
        self.tasks.push(Task {
            name,
            future,
            waker,
            parked: None,
            done: false,
        });
        self.stats.tasks += 1;
        lock(&self.shared.ready).push_back((id, Why::Spawned, Instant::now()));
    }

    fn adopt_spawned(&mut self) {
        for (name, future) in with_local("spawn", |local| std::mem::take(&mut local.spawned)) {
            self.add(name, Some(future));
        }
    }

    /// Moves the tasks whose deadline passed to the ready queue.
    fn fire_timers(&mut self) {
        let now = Instant::now();
        let due = with_local("sleep", |local| {
            let mut due = Vec::new();
            while let Some(&Reverse((deadline, _, id))) = local.timers.peek() {
                if deadline > now {
                    break;
                }
                local.timers.pop();
                due.push((id, deadline));
            }
            due
        });
        for (id, deadline) in due {
            let task = &self.tasks[id];
            if !task.done && !task.waker.queued.swap(true, Ordering::AcqRel) {
                lock(&self.shared.ready).push_back((id, Why::Timer, deadline));
            }
        }
    }

    /// Nothing is ready: sleep until the next deadline or a wake.
    fn idle(&mut self) {
        let next = with_local("sleep", |local| local.timers.peek().map(|t| t.0.0));
        let start = Instant::now();
        let mut ready = lock(&self.shared.ready);
        while ready.is_empty() {
            match next {
                Some(deadline) => {
                    let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                        break;
                    };
                    ready = self
                        .shared
                        .wake
                        .wait_timeout(ready, left)
                        .unwrap_or_else(|p| p.into_inner())
                        .0;
                }
                None => {
                    ready = self
                        .shared
                        .wake
                        .wait(ready)
                        .unwrap_or_else(|p| p.into_inner())
                }
            }
        }
        drop(ready);
        self.recorder.record(
            LOOP_LANE,
            State::Blocked,
            "idle: nothing ready",
            start,
            Instant::now(),
        );
    }

    /// Polls one task; true when it finished.
    fn poll(
        &mut self,
        id: usize,
        why: Why,
        since: Instant,
        future: Pin<&mut (dyn Future<Output = ()> + '_)>,
    ) -> bool {
        let task = &mut self.tasks[id];
        let start = Instant::now();
        if let Some((parked, timer)) = task.parked.take() {
            let label = if timer {
                "awaiting a timer"
            } else {
                "awaiting a wake"
            };
            self.recorder.record(
                &task.name,
                State::WaitingIo,
                label,
                parked,
                since.max(parked),
            );
        }
        // Waits for the loop shorter than this are the loop's own step, too
        // short to see on a timeline: leave them out, keep the page small.
        if start.saturating_duration_since(since) >= SHORTEST_WAIT {
            self.recorder.record(
                &task.name,
                State::WaitingCpu,
                "ready, the loop is busy",
                since,
                start,
            );
        }
        task.waker.queued.store(false, Ordering::Release);
        let waker = Waker::from(Arc::clone(&task.waker));
        let filed = with_local("spawn", |local| {
            local.current = id;
            local.filed
        });
        self.shared.polling.store(id + 1, Ordering::Relaxed);
        let done = future.poll(&mut Context::from_waker(&waker)).is_ready();
        self.shared.polling.store(0, Ordering::Relaxed);
        let end = Instant::now();
        let timer = with_local("spawn", |local| local.filed != filed);
        let task = &mut self.tasks[id];
        self.recorder
            .record(&task.name, State::Running, why.label(), start, end);
        if !done {
            task.parked = Some((end, timer));
        }
        self.stats.polls += 1;
        self.stats.by_why[why as usize] += 1;
        done
    }
}

/// Starts `future` as a task named `name` of the running loop; awaiting
/// the handle gives its output.
///
/// # Panics
///
/// Outside a running [`Loop`].
pub fn spawn<T: 'static>(name: &str, future: impl Future<Output = T> + 'static) -> JoinHandle<T> {
    let slot = Arc::new(Mutex::new((None, None::<Waker>)));
    let filled = Arc::clone(&slot);
    let task = async move {
        let value = future.await;
        let waiter = {
            let mut slot = lock(&filled);
            slot.0 = Some(value);
            slot.1.take()
        };
        if let Some(waiter) = waiter {
            waiter.wake();
        }
    };
    with_local("spawn", |local| {
        local.spawned.push((name.to_owned(), Box::pin(task)))
    });
    JoinHandle { slot }
}

/// The output of a spawned task, as a future.
pub struct JoinHandle<T> {
    slot: Arc<Mutex<(Option<T>, Option<Waker>)>>,
}

impl<T> Future for JoinHandle<T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let mut slot = lock(&self.slot);
        match slot.0.take() {
            Some(value) => Poll::Ready(value),
            None => {
                slot.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// Waits `duration` without holding the loop: files a deadline in the
/// timer heap and returns `Pending` until it passed.
pub fn sleep(duration: Duration) -> Sleep {
    Sleep {
        deadline: Instant::now() + duration,
        filed: false,
    }
}

/// The future of [`sleep`].
pub struct Sleep {
    deadline: Instant,
    filed: bool,
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.deadline {
            return Poll::Ready(());
        }
        if !self.filed {
            let deadline = self.deadline;
            with_local("sleep", |local| {
                local.filed += 1;
                local
                    .timers
                    .push(Reverse((deadline, local.filed, local.current)));
            });
            self.filed = true;
        }
        Poll::Pending
    }
}

/// Gives the loop back once: the task wakes itself and goes to the back of
/// the ready queue (asyncio's `await asyncio.sleep(0)`).
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

/// The future of [`yield_now`].
pub struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poison| poison.into_inner())
}

//! `greet`: the note's `ask_user` and `complex_calculation`, run three ways.
//!
//! The note's question is *what's the point of threads?* Its answer:
//! **reduce waiting time**. `ask_user` spends nearly all its time waiting
//! for a person to type; `complex_calculation` needs a core. Run one after
//! the other, the total is the *sum* of the two; run on two threads, the
//! calculation happens while the other thread waits, and the total drops
//! to about the *longer* of the two.
//!
//! The experiment runs, in the note's order:
//!
//! 1. [`Mode::Sequential`]: one thread, `ask_user()` then
//!    `complex_calculation()`;
//! 2. [`Mode::TwoThreads`]: `Thread(target=…).start()` twice, then
//!    `join()` both, with [`std::thread`];
//! 3. [`Mode::Pool`]: `with ThreadPoolExecutor(max_workers=2) as pool:` —
//!    a [`waiter::Pool`] of 2 in a block; leaving the block drops the pool,
//!    which waits for both tasks, as the context manager's implicit
//!    `shutdown(wait=True)` does.
//!
//! Each mode prints the note's lines (`Enter your name: `, `Hello, NAME`,
//! `ask_user:  1.43 s`, `Started calculating...`, `complex_calculation:
//! …`, the total) to the [`Console`], and records one timeline: the thread
//! asking is `waiting-io` while the user types, the calculating one is
//! `running`, the main thread is `blocked` while it joins.
//!
//! Python's GIL lets one thread run bytecode at a time, but a thread that
//! waits for input lets go of it, which is why the note's two threads save
//! time at all; Rust threads have no such lock.
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//! use waiter_lab::{Ctx, Experiment, console::Silent, greet, input::Scripted};
//!
//! let user = Arc::new(Scripted::new("Ana", Duration::from_millis(30)));
//! let ctx = Ctx::new(Arc::new(Silent)).with_input(user);
//! let report = greet::Config { n: 1_000 }.run(&ctx)?;
//! let modes: Vec<String> = report.tables[0].rows.iter().map(|r| r[0].display()).collect();
//! assert_eq!(modes, ["sequential", "two threads", "pool of 2"]);
//! # Ok::<(), waiter_lab::Error>(())
//! ```

use std::fmt;
use std::sync::Arc;
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::console::Console;
use crate::duration::{self, micros};
use crate::error::Error;
use crate::input::Input;
use crate::report::{Recorder, Report, State};
use crate::threads;
use crate::work;
use crate::{Ctx, Experiment};

mod config;
mod present;

pub use config::*;
use present::{conclusions, times_table};

/// The lane of the thread that calls [`Experiment::run`].
pub const MAIN_LANE: &str = "main";

/// One way of running the two functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// One thread: `ask_user()`, then `complex_calculation()`.
    Sequential,
    /// Two `std::thread`s, started then joined.
    TwoThreads,
    /// A `waiter::Pool` of 2 workers, dropped at the end of a block.
    Pool,
}

impl Mode {
    /// Every mode, in the order the note runs them.
    pub const ALL: [Mode; 3] = [Mode::Sequential, Mode::TwoThreads, Mode::Pool];

    /// The mode's short name: `sequential`, `two threads`, `pool of 2`.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Sequential => "sequential",
            Mode::TwoThreads => "two threads",
            Mode::Pool => "pool of 2",
        }
    }

    /// The heading printed before the mode runs.
    fn heading(self) -> &'static str {
        match self {
            Mode::Sequential => "--- one thread: ask_user(), then complex_calculation() ---",
            Mode::TwoThreads => "--- two threads: start both, then join both ---",
            Mode::Pool => {
                "--- a pool of 2 used as a scope: `with ThreadPoolExecutor(max_workers=2)` ---"
            }
        }
    }

    /// The label of the total, as the note prints it.
    fn total_label(self) -> &'static str {
        match self {
            Mode::Sequential => "Single thread total time: ",
            Mode::TwoThreads => "Two thread total time: ",
            Mode::Pool => "Thread pool total time: ",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The measurements of one mode, as stored in the report's figures.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ModeFigures {
    /// Which mode.
    pub mode: Mode,
    /// The name the user gave.
    pub name: String,
    /// `ask_user`'s own time, in microseconds.
    pub ask_us: u64,
    /// `complex_calculation`'s own time, in microseconds.
    pub calc_us: u64,
    /// From the start of the mode to the end of both, in microseconds.
    pub total_us: u64,
    /// The thread (timeline lane) that ran `ask_user`.
    pub ask_thread: String,
    /// The thread (timeline lane) that ran `complex_calculation`.
    pub calc_thread: String,
}

/// Runs the three modes in order (see [`Experiment::run`]).
fn run_modes(
    config: &Config,
    input: Arc<dyn Input>,
    console: Arc<dyn Console>,
) -> Result<Report, Error> {
    config.validate()?;
    let mut report = Report::new(ID, TITLE);
    report.explanation = explanation(config);

    let mut figures = Vec::with_capacity(Mode::ALL.len());
    let mut checksum = 0;
    for (index, mode) in Mode::ALL.into_iter().enumerate() {
        if index > 0 {
            console.line("");
        }
        console.line(mode.heading());
        let ctx = Arc::new(Shared {
            mode,
            n: config.n,
            input: Arc::clone(&input),
            console: Arc::clone(&console),
            recorder: Recorder::new(),
            caller: thread::current().id(),
        });
        ctx.recorder.declare(MAIN_LANE);
        let measured = match mode {
            Mode::Sequential => sequential(&ctx)?,
            Mode::TwoThreads => two_threads(&ctx)?,
            Mode::Pool => pool_of_two(&ctx)?,
        };
        console.line(&format!("{} {}", mode.total_label(), shown(measured.total)));
        checksum = measured.checksum;
        figures.push(ModeFigures {
            mode,
            name: measured.name,
            ask_us: micros(measured.ask),
            calc_us: micros(measured.calc),
            total_us: micros(measured.total),
            ask_thread: measured.ask_thread,
            calc_thread: measured.calc_thread,
        });
        let ctx = Arc::into_inner(ctx).ok_or_else(|| Error::Panicked {
            what: "greet".into(),
            message: "a thread still held the experiment after it ended".into(),
        })?;
        report.timelines.push(ctx.recorder.finish(mode.name()));
    }

    report.tables.push(times_table(&figures));
    report.conclusions = conclusions(&figures);
    report.set_figure("n", config.n);
    report.set_figure("checksum", checksum);
    report.set_figure("modes", &figures);
    report.set_figure("input", input.source());
    if let Some(typing) = input.typing() {
        report.set_figure("typing_us", micros(typing));
    }
    Ok(report)
}

impl Experiment for Config {
    fn id(&self) -> &'static str {
        ID
    }

    fn title(&self) -> &'static str {
        TITLE
    }

    fn explanation(&self) -> Vec<String> {
        explanation(self)
    }

    fn validate(&self) -> Result<(), Error> {
        validate(self)
    }

    /// Runs the three modes in order, asking `ctx.input` once per mode and
    /// writing the note's lines to `ctx.console`.
    ///
    /// # Errors
    ///
    /// [`Error::InputClosed`] if the input ends before a name (the error
    /// names the mode), [`Error::Input`] if reading fails, [`Error::Config`]
    /// if `n` is 0, and pool, thread or panic errors, which would be bugs or
    /// an exhausted system. Modes after a failing one do not run.
    fn run(&self, ctx: &Ctx) -> Result<Report, Error> {
        run_modes(self, Arc::clone(&ctx.input), Arc::clone(&ctx.console))
    }
}

/// What a mode shares with its threads.
struct Shared {
    mode: Mode,
    n: u64,
    input: Arc<dyn Input>,
    console: Arc<dyn Console>,
    recorder: Recorder,
    /// The thread that called [`Experiment::run`]: its lane is [`MAIN_LANE`].
    caller: ThreadId,
}

impl Shared {
    /// The calling thread's lane: [`MAIN_LANE`] for the caller of [`Experiment::run`],
    /// else the thread's name.
    fn lane(&self) -> String {
        let current = thread::current();
        if current.id() == self.caller {
            MAIN_LANE.to_owned()
        } else {
            current.name().unwrap_or("unnamed").to_owned()
        }
    }

    /// Records a span on the calling thread's lane.
    fn record(&self, state: State, label: &str, start: Instant, end: Instant) {
        self.recorder.record(&self.lane(), state, label, start, end);
    }
}

/// What one mode measured.
struct Measured {
    name: String,
    ask: Duration,
    calc: Duration,
    total: Duration,
    checksum: u64,
    ask_thread: String,
    calc_thread: String,
}

impl Measured {
    fn new(asked: Asked, calculated: Calculated, total: Duration) -> Self {
        Self {
            name: asked.name,
            ask: asked.elapsed,
            calc: calculated.elapsed,
            total,
            checksum: calculated.checksum,
            ask_thread: asked.thread,
            calc_thread: calculated.thread,
        }
    }
}

/// What `ask_user` returns.
struct Asked {
    name: String,
    elapsed: Duration,
    thread: String,
}

/// What `complex_calculation` returns.
struct Calculated {
    elapsed: Duration,
    checksum: u64,
    thread: String,
}

/// The note's `ask_user`: prompt, wait for a name, greet, print own time.
fn ask_user(ctx: &Shared) -> Result<Asked, Error> {
    const PROMPT: &str = "Enter your name: ";
    let start = Instant::now();
    // A person needs the prompt before typing. An answer nobody types on
    // screen (a pipe, a script) is written with its prompt as one line once
    // it arrives, so other threads' lines cannot land in the middle.
    let echo = ctx.input.echoes();
    if !echo {
        ctx.console.prompt(PROMPT);
    }
    let answer = ctx.input.read_line();
    let answered = Instant::now();
    ctx.record(State::WaitingIo, "ask_user", start, answered);
    let name = match answer {
        Ok(Some(name)) => name,
        Ok(None) => {
            ctx.console.line(if echo { PROMPT } else { "" });
            return Err(Error::InputClosed {
                mode: ctx.mode.name().into(),
            });
        }
        Err(source) => {
            ctx.console.line(if echo { PROMPT } else { "" });
            return Err(Error::Input {
                mode: ctx.mode.name().into(),
                source,
            });
        }
    };
    if echo {
        ctx.console.line(&format!("{PROMPT}{name}"));
    }
    ctx.console.line(&format!("Hello, {name}"));
    let elapsed = start.elapsed();
    ctx.console.line(&format!("ask_user:  {}", shown(elapsed)));
    ctx.record(State::Running, "ask_user", answered, Instant::now());
    Ok(Asked {
        name,
        elapsed,
        thread: ctx.lane(),
    })
}

/// A time as the table keeps it (whole microseconds), so that a line and
/// the table never show two figures for one measurement.
fn shown(elapsed: Duration) -> String {
    duration::format(Duration::from_micros(micros(elapsed)))
}

/// The note's `complex_calculation`: the squares of `0..n`, timed.
fn complex_calculation(ctx: &Shared) -> Calculated {
    ctx.console.line("Started calculating...");
    let start = Instant::now();
    let checksum = work::squares(ctx.n);
    let elapsed = start.elapsed();
    ctx.console
        .line(&format!("complex_calculation:  {}", shown(elapsed)));
    ctx.record(State::Running, "complex_calculation", start, Instant::now());
    Calculated {
        elapsed,
        checksum,
        thread: ctx.lane(),
    }
}

fn sequential(ctx: &Shared) -> Result<Measured, Error> {
    let start = Instant::now();
    let asked = ask_user(ctx)?;
    let calculated = complex_calculation(ctx);
    Ok(Measured::new(asked, calculated, start.elapsed()))
}

fn two_threads(ctx: &Arc<Shared>) -> Result<Measured, Error> {
    ctx.recorder.declare("thread");
    ctx.recorder.declare("thread2");
    let start = Instant::now();
    // thread = Thread(target=complex_calculation); thread2 = Thread(target=ask_user)
    let calc_ctx = Arc::clone(ctx);
    let thread = threads::spawn_named("thread", move || complex_calculation(&calc_ctx))?;
    let ask_ctx = Arc::clone(ctx);
    let thread2 = match threads::spawn_named("thread2", move || ask_user(&ask_ctx)) {
        Ok(handle) => handle,
        Err(error) => {
            let _ = thread.join();
            return Err(error);
        }
    };
    // thread.join(); thread2.join(): the main thread blocks until both end.
    let joining = Instant::now();
    let calculated = thread.join();
    let asked = thread2.join();
    let total = start.elapsed();
    ctx.record(State::Blocked, "join", joining, Instant::now());

    let calculated = calculated.map_err(|p| threads::panicked("complex_calculation", p))?;
    let asked = asked.map_err(|p| threads::panicked("ask_user", p))??;
    Ok(Measured::new(asked, calculated, total))
}

fn pool_of_two(ctx: &Arc<Shared>) -> Result<Measured, Error> {
    let start = Instant::now();
    let shutting_down;
    let (calc_task, ask_task) = {
        // with ThreadPoolExecutor(max_workers=2) as pool:
        let pool = waiter::Pool::new(2)?;
        let calc_ctx = Arc::clone(ctx);
        let calc = pool
            .submit(move || complex_calculation(&calc_ctx))
            .map_err(|e| Error::Submit(e.kind()))?;
        let ask_ctx = Arc::clone(ctx);
        let ask = pool
            .submit(move || ask_user(&ask_ctx))
            .map_err(|e| Error::Submit(e.kind()))?;
        shutting_down = Instant::now();
        (calc, ask)
    }; // the pool is dropped here: it waits for both tasks, then stops.
    let total = start.elapsed();
    ctx.record(
        State::Blocked,
        "pool shutdown",
        shutting_down,
        Instant::now(),
    );

    // Both tasks are done: these waits return at once.
    let calculated = calc_task
        .wait()
        .map_err(|e| Error::from_task("complex_calculation", e))?;
    let asked = ask_task
        .wait()
        .map_err(|e| Error::from_task("ask_user", e))??;
    Ok(Measured::new(asked, calculated, total))
}

#[cfg(test)]
mod tests;

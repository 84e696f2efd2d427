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
use crate::report::{Cell, Recorder, Report, State, Table};
use crate::work;
use crate::{Ctx, Experiment};

/// The experiment's settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// `complex_calculation` computes the squares of `0..n` (at least 1).
    pub n: u64,
}

impl Default for Config {
    /// `n = 20_000`, as in the note.
    fn default() -> Self {
        Self { n: DEFAULT_N }
    }
}

/// The experiment's id, also its subcommand.
pub const ID: &str = "greet";

/// The experiment's title.
pub const TITLE: &str = "Threads reduce waiting time: ask_user + complex_calculation";

/// The idea, in plain words from the note, to show before the run (the
/// same lines as the report's `explanation`).
pub fn explanation(config: &Config) -> Vec<String> {
    vec![
        "Synchronous code runs one action after the other: the calculation waits until the user has answered.".into(),
        "What's the point of threads? Reduce waiting time: while one thread waits for the user, another one computes.".into(),
        format!(
            "The same two functions (ask for a name; the squares of 0..{}) run three ways, as in the note: one thread; two threads started and joined; a pool of 2 used as a scope (Python's `with ThreadPoolExecutor(max_workers=2)`), whose end waits for both tasks.",
            config.n
        ),
    ]
}

/// The note's `range(20000)`.
pub const DEFAULT_N: u64 = 20_000;

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
        console.line(&format!(
            "{} {}",
            mode.total_label(),
            duration::format(measured.total)
        ));
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
        if self.n == 0 {
            return Err(Error::Config(
                "n must be at least 1: the squares of 0..0 are no work".into(),
            ));
        }
        Ok(())
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
    ctx.console
        .line(&format!("ask_user:  {}", duration::format(elapsed)));
    ctx.record(State::Running, "ask_user", answered, Instant::now());
    Ok(Asked {
        name,
        elapsed,
        thread: ctx.lane(),
    })
}

/// The note's `complex_calculation`: the squares of `0..n`, timed.
fn complex_calculation(ctx: &Shared) -> Calculated {
    ctx.console.line("Started calculating...");
    let start = Instant::now();
    let checksum = work::squares(ctx.n);
    let elapsed = start.elapsed();
    ctx.console.line(&format!(
        "complex_calculation:  {}",
        duration::format(elapsed)
    ));
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

fn spawn<T: Send + 'static>(
    name: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<thread::JoinHandle<T>, Error> {
    thread::Builder::new()
        .name(name.to_owned())
        .spawn(f)
        .map_err(|source| Error::Spawn {
            name: name.to_owned(),
            source,
        })
}

fn two_threads(ctx: &Arc<Shared>) -> Result<Measured, Error> {
    ctx.recorder.declare("thread");
    ctx.recorder.declare("thread2");
    let start = Instant::now();
    // thread = Thread(target=complex_calculation); thread2 = Thread(target=ask_user)
    let calc_ctx = Arc::clone(ctx);
    let thread = spawn("thread", move || complex_calculation(&calc_ctx))?;
    let ask_ctx = Arc::clone(ctx);
    let thread2 = match spawn("thread2", move || ask_user(&ask_ctx)) {
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

    let calculated = calculated.map_err(|p| Error::from_panic("complex_calculation", &*p))?;
    let asked = asked.map_err(|p| Error::from_panic("ask_user", &*p))??;
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

fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        1.0
    } else {
        part as f64 / whole as f64
    }
}

fn times_table(figures: &[ModeFigures]) -> Table {
    let mut table = Table::new(
        "ask_user and complex_calculation, three ways",
        [
            "mode",
            "ask_user",
            "complex_calculation",
            "total",
            "total ÷ (ask + calc)",
            "total ÷ max(ask, calc)",
        ],
    );
    for f in figures {
        table.push_row(vec![
            Cell::from(f.mode.name()),
            Cell::Micros(f.ask_us),
            Cell::Micros(f.calc_us),
            Cell::Micros(f.total_us),
            Cell::Float(ratio(f.total_us, f.ask_us + f.calc_us)),
            Cell::Float(ratio(f.total_us, f.ask_us.max(f.calc_us))),
        ]);
    }
    table
}

fn us(us: u64) -> String {
    duration::format(Duration::from_micros(us))
}

fn conclusions(figures: &[ModeFigures]) -> Vec<String> {
    let mut lines = Vec::new();
    for f in figures {
        let sum = f.ask_us + f.calc_us;
        let max = f.ask_us.max(f.calc_us);
        lines.push(match f.mode {
            Mode::Sequential => format!(
                "{}: total {} = {:.2} × the sum of the parts ({}): the calculation waited for the user.",
                f.mode,
                us(f.total_us),
                ratio(f.total_us, sum),
                us(sum)
            ),
            Mode::TwoThreads | Mode::Pool if f.ask_thread != f.calc_thread => format!(
                "{}: total {} = {:.2} × the longer part ({}): the calculation ran on {} while {} waited for the user.",
                f.mode,
                us(f.total_us),
                ratio(f.total_us, max),
                us(max),
                f.calc_thread,
                f.ask_thread
            ),
            Mode::TwoThreads | Mode::Pool => format!(
                "{}: one thread ({}) ran both tasks, one after the other: the calculation was over before a second worker took a task, so the total {} = {:.2} × the sum of the parts. A pool of 2 offers two threads; it does not promise to use both.",
                f.mode,
                f.calc_thread,
                us(f.total_us),
                ratio(f.total_us, sum)
            ),
        });
    }
    if let (Some(seq), Some(par)) = (figures.first(), figures.get(1)) {
        let (ask, calc) = (seq.ask_us, seq.calc_us);
        if calc.saturating_mul(20) < ask {
            lines.push(format!(
                "As in the note, the calculation ({}) is tiny next to the wait ({}): sum and max are almost equal, and what two threads save is lost in the noise. A larger n makes the difference plain.",
                us(calc),
                us(ask)
            ));
        } else {
            let saved = seq.total_us.saturating_sub(par.total_us);
            lines.push(format!(
                "Two threads saved {} of the {} it took on one thread: about the shorter part ({}), which no longer waits for the longer one.",
                us(saved),
                us(seq.total_us),
                us(calc.min(ask))
            ));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::Buffer;
    use crate::input::{Lines, Scripted};
    use std::io::Cursor;

    /// Runs through the experiment's trait, as the tour and the CLI do.
    fn run(config: &Config, input: Arc<dyn Input>, console: Arc<Buffer>) -> Result<Report, Error> {
        config.run(&Ctx::new(console).with_input(input))
    }

    fn scripted(ms: u64) -> Arc<dyn Input> {
        Arc::new(Scripted::new("Ana", Duration::from_millis(ms)))
    }

    #[test]
    fn prints_the_notes_lines_for_every_mode() {
        let console = Arc::new(Buffer::new());
        let report = run(&Config::default(), scripted(5), console.clone()).unwrap();
        let text = console.contents();
        assert_eq!(text.matches("Enter your name: Ana\n").count(), 3, "{text}");
        assert_eq!(text.matches("Hello, Ana\n").count(), 3);
        assert_eq!(text.matches("Started calculating...\n").count(), 3);
        assert_eq!(text.matches("ask_user:  ").count(), 3);
        assert_eq!(text.matches("complex_calculation:  ").count(), 3);
        for label in ["Single thread", "Two thread", "Thread pool"] {
            assert!(text.contains(&format!("{label} total time:  ")), "{text}");
        }
        assert_eq!(report.id, "greet");
        assert_eq!(report.tables[0].rows.len(), 3);
        assert_eq!(report.timelines.len(), 3);
        assert_eq!(report.figures["checksum"], work::squares(DEFAULT_N));
    }

    #[test]
    fn timelines_have_a_lane_per_thread() {
        let report = run(&Config { n: 10 }, scripted(1), Arc::new(Buffer::new())).unwrap();
        let lanes = |i: usize| -> Vec<String> {
            report.timelines[i]
                .lanes
                .iter()
                .map(|l| l.name.clone())
                .collect()
        };
        assert_eq!(lanes(0), ["main"]);
        assert_eq!(lanes(1), ["main", "thread", "thread2"]);
        let pool = lanes(2);
        assert_eq!(pool[0], "main");
        assert!(
            pool[1..].iter().all(|l| l.starts_with("waiter-worker-")),
            "{pool:?}"
        );
        let asking = report.timelines[1].lanes[2].spans[0].clone();
        assert_eq!(asking.state, State::WaitingIo);
        assert_eq!(asking.label.as_deref(), Some("ask_user"));
        let calculating = &report.timelines[1].lanes[1].spans[0];
        assert_eq!(calculating.state, State::Running);
    }

    #[test]
    fn threads_overlap_the_wait_with_the_calculation() {
        // Generous: the calculation is a few ms, the user 60 ms.
        let report = run(&Config { n: 10 }, scripted(60), Arc::new(Buffer::new())).unwrap();
        let span = |timeline: usize, lane: usize| {
            let s = &report.timelines[timeline].lanes[lane].spans[0];
            (s.start_us, s.end_us)
        };
        // Two threads: the calculation starts before the user has answered.
        let (calc_start, _) = span(1, 1);
        let (_, wait_end) = span(1, 2);
        assert!(calc_start < wait_end);
    }

    #[test]
    fn piped_lines_answer_one_mode_each() {
        let input = Arc::new(Lines::new(Cursor::new("Ana\nBo\n\n"), true));
        let console = Arc::new(Buffer::new());
        let report = run(&Config { n: 10 }, input, console.clone()).unwrap();
        let text = console.contents();
        assert!(text.contains("Hello, Ana\n"));
        assert!(text.contains("Hello, Bo\n"));
        assert!(
            text.contains("Hello, \n"),
            "an empty name is greeted: {text}"
        );
        let names: Vec<_> = report.figures["modes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["name"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(names, ["Ana", "Bo", ""]);
    }

    #[test]
    fn end_of_input_names_the_mode() {
        let input = Arc::new(Lines::new(Cursor::new("Ana\n"), true));
        let error = run(&Config { n: 10 }, input, Arc::new(Buffer::new())).unwrap_err();
        assert!(matches!(&error, Error::InputClosed { mode } if mode == "two threads"));
        assert_eq!(
            error.to_string(),
            "stdin closed before a name was entered (mode: two threads)"
        );
    }

    #[test]
    fn conclusions_say_which_thread_did_what() {
        let f = |mode, ask_thread: &str, calc_thread: &str| ModeFigures {
            mode,
            name: "Ana".into(),
            ask_us: 1_000_000,
            calc_us: 10,
            total_us: 1_000_010,
            ask_thread: ask_thread.into(),
            calc_thread: calc_thread.into(),
        };
        let lines = conclusions(&[
            f(Mode::Sequential, "main", "main"),
            f(Mode::TwoThreads, "thread2", "thread"),
            f(Mode::Pool, "waiter-worker-0", "waiter-worker-0"),
        ]);
        assert!(lines[0].contains("the sum of the parts"), "{lines:?}");
        assert!(
            lines[1].contains("on thread while thread2 waited"),
            "{lines:?}"
        );
        assert!(
            lines[2].contains("one thread (waiter-worker-0) ran both tasks"),
            "{lines:?}"
        );
        assert!(lines[3].contains("tiny next to the wait"), "{lines:?}");
    }

    #[test]
    fn a_long_calculation_shows_the_saving() {
        let f = |mode, total_us| ModeFigures {
            mode,
            name: "Ana".into(),
            ask_us: 300_000,
            calc_us: 200_000,
            total_us,
            ask_thread: "a".into(),
            calc_thread: "b".into(),
        };
        let lines = conclusions(&[f(Mode::Sequential, 500_000), f(Mode::TwoThreads, 300_000)]);
        assert_eq!(
            lines[2],
            "Two threads saved 200.0 ms of the 500.0 ms it took on one thread: about the shorter part (200.0 ms), which no longer waits for the longer one."
        );
        let table = times_table(&[f(Mode::Sequential, 500_000)]);
        assert_eq!(table.rows[0][4], Cell::Float(1.0));
        assert_eq!(table.rows[0][5], Cell::Float(500_000.0 / 300_000.0));
    }

    #[test]
    fn zero_n_is_rejected() {
        let error = run(&Config { n: 0 }, scripted(0), Arc::new(Buffer::new())).unwrap_err();
        assert!(matches!(error, Error::Config(_)));
    }
}

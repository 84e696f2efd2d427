//! The command line, declared with clap's derive.
//!
//! Every value is checked here, by a value parser, so a bad value (`--n 0`,
//! `--n x`, `--typing 1.5`) is a usage error: one clear line and exit code
//! 2, before anything runs. What can only fail while running (stdin closed,
//! a file that cannot be written) is the commands' business.

use std::io::{self, BufReader, IsTerminal};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand};
use waiter::Policy;
use waiter_lab::dine::{self, Layout, Strategy};
use waiter_lab::duration::Range;
use waiter_lab::gil::{self, Workload};
use waiter_lab::input::{Closed, Lines, Scripted};
use waiter_lab::{Input, cores, duration, greet, order, tour};

use crate::commands::Planned;

/// The name the tour's scripted user types.
pub(crate) const DEFAULT_NAME: &str = "Ana";

/// The typing time of the scripted user, as in the note's ~1.5 s.
pub(crate) const DEFAULT_TYPING: &str = "1.5s";

/// waiter: threads, pools and the note's other ideas, run and measured.
///
/// With no subcommand, runs the tour: every experiment, in the note's
/// order (`waiter tour`).
#[derive(Debug, Parser)]
#[command(name = "waiter", version, about, long_about = None)]
pub(crate) struct Cli {
    /// The experiment to run.
    #[command(subcommand)]
    pub(crate) command: Option<Command>,
}

/// The experiments.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// The whole note, in order: greet, order, cores, dine and gil at
    /// sizes that take under a minute (--quick: under 15 s), with an HTML
    /// report. The default.
    Tour(TourArgs),
    /// ask_user + complex_calculation, on one thread, two threads and a pool
    /// of 2: the total is the sum of the parts, then about the longer one.
    Greet(GreetArgs),
    /// k tasks, R runs: a different finishing order every run, the same
    /// total; then a read-then-write race that loses updates.
    Order(OrderArgs),
    /// This machine's CPUs and cores; k CPU-bound threads taking turns on
    /// them (time slicing, measured); what threads, processes, a pool and
    /// messages cost.
    Cores(CoresArgs),
    /// The dining philosophers on real threads: a waiter who hands out two
    /// forks at a time (with time slices), and four other strategies, one
    /// of which deadlocks.
    Dine(DineArgs),
    /// The GIL: CPU-bound, I/O-bound and mixed work run sequentially, on
    /// threads, under a simulated GIL, on processes and async, then in real
    /// CPython; the convoy effect; the note's claims next to the numbers.
    Gil(GilArgs),
}

/// Where a report goes besides the terminal: shared by every experiment.
#[derive(Clone, Debug, Default, Args)]
pub(crate) struct Output {
    /// Also write the report (measurements, tables, timelines) as JSON to
    /// FILE.
    #[arg(long, value_name = "FILE")]
    pub(crate) json: Option<PathBuf>,

    /// Also write a self-contained HTML report (tables and timelines, no
    /// network needed) to DIR/index.html, with report.json and trace.json.
    #[arg(long, value_name = "DIR")]
    pub(crate) report: Option<PathBuf>,

    /// Also write the timelines as a Chrome trace (JSON) to FILE: open it
    /// in https://ui.perfetto.dev or chrome://tracing.
    #[arg(long, value_name = "FILE")]
    pub(crate) trace: Option<PathBuf>,
}

/// The folder the tour writes its report to.
pub(crate) const DEFAULT_REPORT_DIR: &str = "waiter-report";

/// `waiter tour`, also plain `waiter`.
#[derive(Debug, Default, Args)]
pub(crate) struct TourArgs {
    /// Smaller sizes: under 15 s in all (noisier numbers).
    #[arg(long)]
    pub(crate) quick: bool,

    /// The folder for the HTML report (index.html, report.json,
    /// trace.json), written after every part [default: waiter-report].
    #[arg(long, value_name = "DIR", conflicts_with = "no_report")]
    pub(crate) report: Option<PathBuf>,

    /// Write no report folder: the terminal only.
    #[arg(long)]
    pub(crate) no_report: bool,

    /// Also write every timeline as a Chrome trace (JSON) to FILE.
    #[arg(long, value_name = "FILE")]
    pub(crate) trace: Option<PathBuf>,

    /// The Python interpreter for the gil part's CPython rows; if it cannot
    /// run, those rows say "not run", and why [default: python3].
    #[arg(long, value_name = "PATH")]
    pub(crate) python: Option<PathBuf>,

    /// Only these parts, comma-separated (for tests and demonstrations).
    #[arg(long, hide = true, value_name = "LIST", value_delimiter = ',', value_parser = PossibleValuesParser::new(tour::PARTS.map(|part| part.id)))]
    pub(crate) parts: Vec<String>,
}

/// `waiter greet`.
#[derive(Debug, Args)]
pub(crate) struct GreetArgs {
    /// Script the user: answer NAME (after --typing) instead of reading
    /// stdin. Without it, a terminal is asked once per mode, and piped stdin
    /// gives one line per mode.
    #[arg(long, value_name = "NAME")]
    pub(crate) name: Option<String>,

    /// How long the scripted user takes to answer, e.g. 1.5s, 300ms.
    #[arg(
        long,
        value_name = "DURATION",
        default_value = DEFAULT_TYPING,
        value_parser = parse_typing,
        allow_hyphen_values = true,
        requires = "name"
    )]
    pub(crate) typing: Duration,

    /// complex_calculation computes the squares of 0..N.
    #[arg(
        long,
        value_name = "N",
        default_value_t = greet::DEFAULT_N,
        value_parser = parse_n,
        allow_negative_numbers = true
    )]
    pub(crate) n: u64,

    /// Where the report goes besides the terminal.
    #[command(flatten)]
    pub(crate) output: Output,
}

impl GreetArgs {
    /// The experiment, asking the scripted user, a terminal (once per
    /// mode) or piped stdin (a line per mode).
    pub(crate) fn plan(self) -> Planned {
        let input: Arc<dyn Input> = match &self.name {
            Some(name) => Arc::new(Scripted::new(name.clone(), self.typing)),
            None => {
                let stdin = io::stdin();
                let terminal = stdin.is_terminal();
                Arc::new(Lines::new(BufReader::new(stdin), !terminal))
            }
        };
        Planned {
            experiment: Box::new(greet::Config { n: self.n }),
            input,
            output: self.output,
            status_line: false,
        }
    }
}

/// `waiter order`.
#[derive(Debug, Args)]
pub(crate) struct OrderArgs {
    /// Tasks per run (k); task i adds i to the total.
    #[arg(long, value_name = "K", default_value_t = 8, value_parser = parse_tasks, allow_negative_numbers = true)]
    pub(crate) tasks: usize,

    /// How many runs (R) of the k tasks, for each variant.
    #[arg(long, value_name = "R", default_value_t = 5, value_parser = parse_runs, allow_negative_numbers = true)]
    pub(crate) runs: usize,

    /// Each task adds its number this many times, one step at a time.
    #[arg(long, value_name = "STEPS", default_value_t = 1_000, value_parser = parse_steps, allow_negative_numbers = true)]
    pub(crate) steps: u64,

    /// Pool workers [default: one per core].
    #[arg(long, value_name = "W", value_parser = parse_workers, allow_negative_numbers = true)]
    pub(crate) workers: Option<usize>,

    /// Seed for the random work sizes (the interleaving stays the
    /// machine's). Default: a fresh seed, shown in the report.
    #[arg(long, value_name = "SEED", value_parser = parse_seed, allow_negative_numbers = true)]
    pub(crate) seed: Option<u64>,

    /// Where the report goes besides the terminal.
    #[command(flatten)]
    pub(crate) output: Output,
}

impl OrderArgs {
    /// The experiment's config.
    pub(crate) fn config(&self) -> order::Config {
        let defaults = order::Config::default();
        order::Config {
            tasks: self.tasks,
            runs: self.runs,
            steps: self.steps,
            workers: self.workers.unwrap_or(defaults.workers),
            seed: self.seed,
            ..defaults
        }
    }

    /// The experiment, ready to run.
    pub(crate) fn plan(self) -> Planned {
        Planned {
            experiment: Box::new(self.config()),
            input: Arc::new(Closed),
            output: self.output,
            status_line: false,
        }
    }
}

/// `waiter cores`.
#[derive(Debug, Args)]
pub(crate) struct CoresArgs {
    /// Thread counts k to run, comma-separated, e.g. 1,2,3 (k = 1 always
    /// runs: it is the speed-up's baseline) [default: 1, 2, 4, … up to
    /// 4 × the CPUs].
    #[arg(long, value_name = "LIST", value_parser = parse_thread_list, allow_hyphen_values = true)]
    pub(crate) threads: Option<ThreadList>,

    /// Each thread's work: what one thread alone does in this much CPU
    /// time (calibrated once, then the same count of rounds for every
    /// thread).
    #[arg(long, value_name = "DURATION", default_value = "100ms", value_parser = parse_work, allow_hyphen_values = true)]
    pub(crate) work: Duration,

    /// How often the timelines sample each thread's CPU clock.
    #[arg(long, value_name = "DURATION", default_value = "1ms", value_parser = parse_sample, allow_hyphen_values = true)]
    pub(crate) sample: Duration,

    /// Thread starts to time (start + join).
    #[arg(long, value_name = "N", default_value_t = cores::DEFAULT_THREAD_STARTS, value_parser = parse_thread_starts, allow_negative_numbers = true)]
    pub(crate) thread_starts: usize,

    /// Process starts to time (this binary re-run as a no-op, then waited
    /// for).
    #[arg(long, value_name = "N", default_value_t = cores::DEFAULT_PROCESS_STARTS, value_parser = parse_process_starts, allow_negative_numbers = true)]
    pub(crate) process_starts: usize,

    /// Round trips to time: pool tasks, and messages between threads and
    /// between processes.
    #[arg(long, value_name = "N", default_value_t = cores::DEFAULT_ROUND_TRIPS, value_parser = parse_round_trips, allow_negative_numbers = true)]
    pub(crate) round_trips: usize,

    /// Runs per thread count; each row is the fastest (the one least
    /// disturbed by the rest of the machine).
    #[arg(long, value_name = "N", default_value_t = cores::DEFAULT_REPEATS, value_parser = parse_repeats, allow_negative_numbers = true)]
    pub(crate) repeats: usize,

    /// Where the report goes besides the terminal.
    #[command(flatten)]
    pub(crate) output: Output,
}

/// `--threads`: thread counts, sorted, without duplicates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ThreadList(pub(crate) Vec<usize>);

impl CoresArgs {
    /// The experiment's config.
    pub(crate) fn config(&self) -> cores::Config {
        let defaults = cores::Config::default();
        cores::Config {
            threads: self
                .threads
                .as_ref()
                .map_or(defaults.threads, |list| list.0.clone()),
            work: self.work,
            sample: self.sample,
            thread_starts: self.thread_starts,
            process_starts: self.process_starts,
            round_trips: self.round_trips,
            repeats: self.repeats,
        }
    }

    /// The experiment, ready to run.
    pub(crate) fn plan(self) -> Planned {
        Planned {
            experiment: Box::new(self.config()),
            input: Arc::new(Closed),
            output: self.output,
            status_line: true,
        }
    }
}

fn parse_thread_list(text: &str) -> Result<ThreadList, String> {
    not_an_option(text)?;
    cores::parse_threads(text).map(ThreadList)
}

fn parse_work(text: &str) -> Result<Duration, String> {
    let value = parse_duration(text)?;
    if value.is_zero() {
        return Err("must be more than 0: the threads need some work".into());
    }
    if value > cores::MAX_WORK {
        return Err("must be at most 1m".into());
    }
    Ok(value)
}

fn parse_sample(text: &str) -> Result<Duration, String> {
    let value = parse_duration(text)?;
    if value < cores::MIN_SAMPLE || value > cores::MAX_SAMPLE {
        return Err("must be from 100us to 1s".into());
    }
    Ok(value)
}

fn parse_thread_starts(text: &str) -> Result<usize, String> {
    to_usize(whole_number(text, cores::MAX_THREAD_STARTS as u64)?)
}

fn parse_process_starts(text: &str) -> Result<usize, String> {
    to_usize(whole_number(text, cores::MAX_PROCESS_STARTS as u64)?)
}

fn parse_round_trips(text: &str) -> Result<usize, String> {
    to_usize(whole_number(text, cores::MAX_ROUND_TRIPS as u64)?)
}

fn parse_repeats(text: &str) -> Result<usize, String> {
    to_usize(whole_number(text, cores::MAX_REPEATS as u64)?)
}

/// `waiter dine`.
///
/// Run-time checks that involve two options (`--forks` without a pile,
/// `--slice` with a strategy that has no waiter) are in [`DineArgs::check`].
#[derive(Debug, Args)]
pub(crate) struct DineArgs {
    /// Philosophers at the table, each a thread (at least 2).
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = parse_philosophers, allow_negative_numbers = true)]
    pub(crate) philosophers: usize,

    /// ring: one fork between each pair of neighbours (the classic). pile:
    /// a shared pile of --forks forks, any two of which make a meal (the
    /// note's "5 philosophers and 2 forks").
    #[arg(long, value_name = "TABLE", default_value = "ring", value_parser = table_parser())]
    pub(crate) table: TableKind,

    /// Forks in the pile, with --table pile [default: 2, as in the note].
    #[arg(long, value_name = "K", value_parser = parse_forks, allow_negative_numbers = true)]
    pub(crate) forks: Option<usize>,

    /// How the philosophers get their forks [default: waiter].
    #[arg(long, value_name = "STRATEGY", value_parser = strategy_parser(), conflicts_with = "compare")]
    pub(crate) strategy: Option<Strategy>,

    /// Run every strategy with the same settings, one after the other, and
    /// compare them in one table.
    #[arg(long)]
    pub(crate) compare: bool,

    /// How long each strategy dines (unless it deadlocks first).
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_run_duration, allow_hyphen_values = true)]
    pub(crate) duration: Duration,

    /// How long a philosopher thinks: a range (1ms..5ms, or 1..5ms) or one
    /// duration.
    #[arg(long, value_name = "RANGE", default_value = "1ms..5ms", value_parser = parse_range, allow_hyphen_values = true)]
    pub(crate) think: Range,

    /// How long a meal takes: a range or one duration.
    #[arg(long, value_name = "RANGE", default_value = "5ms..25ms", value_parser = parse_range, allow_hyphen_values = true)]
    pub(crate) eat: Range,

    /// The waiter's time slice: a meal longer than this is interrupted, the
    /// forks go back, and the rest is eaten at the next turn [default:
    /// none].
    #[arg(long, value_name = "DURATION", value_parser = parse_slice, allow_hyphen_values = true)]
    pub(crate) slice: Option<Duration>,

    /// Whom the waiter serves first: fifo (arrival order among requests
    /// that share a fork: nobody starves) or greedy (whatever fits).
    #[arg(long, value_name = "POLICY", default_value = "fifo", value_parser = policy_parser())]
    pub(crate) policy: Policy,

    /// The moment between picking up the first fork and reaching the
    /// second (naive, ordered, footman): the longer, the sooner naive
    /// deadlocks.
    #[arg(long, value_name = "DURATION", default_value = "5ms", value_parser = parse_reach, allow_hyphen_values = true)]
    pub(crate) reach: Duration,

    /// Seed for the think and eat times. Default: a fresh seed, shown in
    /// the report.
    #[arg(long, value_name = "SEED", value_parser = parse_seed, allow_negative_numbers = true)]
    pub(crate) seed: Option<u64>,

    /// Where the report goes besides the terminal.
    #[command(flatten)]
    pub(crate) output: Output,

    /// A forced schedule: nobody thinks before the first meal, and each
    /// philosopher pauses after its first fork until every fork is held, so
    /// naive deadlocks every time (for tests and demonstrations).
    #[arg(long, hide = true)]
    pub(crate) forced_deadlock: bool,
}

/// `--table`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TableKind {
    Ring,
    Pile,
}

impl DineArgs {
    /// Checks what no single value parser can see; the message is a usage
    /// error's.
    pub(crate) fn check(&self) -> Result<(), String> {
        if self.table == TableKind::Ring && self.forks.is_some() {
            return Err("--forks is the size of a pile: use it with --table pile (a ring has one fork per philosopher)".into());
        }
        let strategy = self.strategy.unwrap_or(Strategy::Waiter);
        if self.table == TableKind::Pile && !self.compare && !strategy.supports(self.layout()) {
            return Err(format!(
                "--strategy {} needs --table ring: it passes each fork between the two neighbours who share it, and a pile has none",
                strategy.name()
            ));
        }
        if !self.compare && strategy != Strategy::Waiter {
            if self.slice.is_some() {
                return Err(format!(
                    "--slice is the waiter's time slice: use it with --strategy waiter or --compare, not --strategy {}",
                    strategy.name()
                ));
            }
            if self.policy != Policy::Fifo {
                return Err(format!(
                    "--policy is the waiter's: use it with --strategy waiter or --compare, not --strategy {}",
                    strategy.name()
                ));
            }
        }
        Ok(())
    }

    /// The table, with the pile's default of 2 forks.
    pub(crate) fn layout(&self) -> Layout {
        match self.table {
            TableKind::Ring => Layout::Ring,
            TableKind::Pile => Layout::Pile {
                forks: self.forks.unwrap_or(DEFAULT_PILE),
            },
        }
    }

    /// The experiment's config.
    pub(crate) fn config(&self) -> dine::Config {
        let layout = self.layout();
        let strategies = if self.compare {
            Strategy::ALL
                .into_iter()
                .filter(|s| s.supports(layout))
                .collect()
        } else {
            vec![self.strategy.unwrap_or(Strategy::Waiter)]
        };
        dine::Config {
            philosophers: self.philosophers,
            layout,
            strategies,
            duration: self.duration,
            think: self.think,
            eat: self.eat,
            reach: self.reach,
            slice: self.slice,
            policy: self.policy,
            seed: self.seed,
            forced_deadlock: self.forced_deadlock,
        }
    }

    /// The experiment, ready to run.
    pub(crate) fn plan(self) -> Planned {
        Planned {
            experiment: Box::new(self.config()),
            input: Arc::new(Closed),
            output: self.output,
            status_line: true,
        }
    }
}

impl Cli {
    /// Checks across options, after parsing.
    pub(crate) fn check(&self) -> Result<(), (&'static str, String)> {
        match &self.command {
            Some(Command::Dine(args)) => args.check().map_err(|e| ("dine", e)),
            _ => Ok(()),
        }
    }
}

/// `waiter gil`.
#[derive(Debug, Args)]
pub(crate) struct GilArgs {
    /// Sizes: each workload's sequential run takes about SCALE seconds (0.1
    /// for a quick look); the convoy's time per case scales too.
    #[arg(long, value_name = "SCALE", default_value = "1", value_parser = parse_scale, allow_negative_numbers = true)]
    pub(crate) scale: f64,

    /// The workload: cpu (count primes, twice), io (a blocking wait,
    /// twice), mixed (one of each), or all.
    #[arg(long, value_name = "WORKLOAD", default_value = "all", value_parser = workload_parser())]
    pub(crate) workload: WorkloadChoice,

    /// The Python interpreter for the CPython rows; if it cannot run, those
    /// rows say "not run", and why.
    #[arg(long, value_name = "PATH", default_value = gil::python::DEFAULT_PYTHON)]
    pub(crate) python: PathBuf,

    /// Leave out the convoy measurement.
    #[arg(long)]
    pub(crate) no_convoy: bool,

    /// Where the report goes besides the terminal.
    #[command(flatten)]
    pub(crate) output: Output,
}

/// `--workload`: one, or all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct WorkloadChoice(pub(crate) Option<Workload>);

impl GilArgs {
    /// The experiment's config: processes on (this binary serves as their
    /// worker, see `main`), CPython with `--python`.
    pub(crate) fn config(&self) -> gil::Config {
        gil::Config {
            workloads: self
                .workload
                .0
                .map_or_else(|| Workload::ALL.to_vec(), |w| vec![w]),
            scale: self.scale,
            processes: true,
            python: Some(self.python.clone()),
            convoy: !self.no_convoy,
            ..gil::Config::default()
        }
    }

    /// The experiment, ready to run.
    pub(crate) fn plan(self) -> Planned {
        Planned {
            experiment: Box::new(self.config()),
            input: Arc::new(Closed),
            output: self.output,
            status_line: true,
        }
    }
}

fn workload_parser() -> impl TypedValueParser<Value = WorkloadChoice> {
    let mut names = vec!["all"];
    names.extend(Workload::ALL.map(Workload::name));
    PossibleValuesParser::new(names).map(|name| WorkloadChoice(Workload::from_name(&name)))
}

fn parse_scale(text: &str) -> Result<f64, String> {
    let trimmed = text.trim();
    let value: f64 = trimmed
        .parse()
        .map_err(|_| format!("'{trimmed}' is not a number: write e.g. 1 or 0.1"))?;
    if !value.is_finite() {
        return Err(format!("'{trimmed}' is not a number: write e.g. 1 or 0.1"));
    }
    if value <= 0.0 {
        return Err("must be more than 0: a scale of 0 is no work".into());
    }
    if value > gil::MAX_SCALE {
        return Err(format!("must be at most {}", gil::MAX_SCALE));
    }
    Ok(value)
}

/// The note's pile: 2 forks.
pub(crate) const DEFAULT_PILE: usize = 2;

fn strategy_parser() -> impl TypedValueParser<Value = Strategy> {
    PossibleValuesParser::new(Strategy::ALL.map(Strategy::name))
        .map(|name| Strategy::from_name(&name).unwrap_or(Strategy::Waiter))
}

fn table_parser() -> impl TypedValueParser<Value = TableKind> {
    PossibleValuesParser::new(["ring", "pile"]).map(|name| match name.as_str() {
        "pile" => TableKind::Pile,
        _ => TableKind::Ring,
    })
}

fn policy_parser() -> impl TypedValueParser<Value = Policy> {
    PossibleValuesParser::new(Policy::ALL.map(Policy::name)).map(|name| {
        name.parse()
            .expect("clap only lets the possible values through")
    })
}

fn parse_philosophers(text: &str) -> Result<usize, String> {
    let at_least = || {
        format!(
            "must be at least {}: one philosopher alone has nobody to share forks with",
            dine::MIN_PHILOSOPHERS
        )
    };
    let n = whole_number(text, dine::MAX_PHILOSOPHERS as u64).map_err(|e| {
        if e == "must be at least 1" || e.starts_with("must be a positive") {
            at_least()
        } else {
            e
        }
    })?;
    if (n as usize) < dine::MIN_PHILOSOPHERS {
        return Err(at_least());
    }
    to_usize(n)
}

fn parse_forks(text: &str) -> Result<usize, String> {
    let at_least = || {
        format!(
            "must be at least {}: a meal takes two forks",
            dine::MIN_FORKS
        )
    };
    let k = whole_number(text, dine::MAX_FORKS as u64).map_err(|e| {
        if e == "must be at least 1" || e.starts_with("must be a positive") {
            at_least()
        } else {
            e
        }
    })?;
    if (k as usize) < dine::MIN_FORKS {
        return Err(at_least());
    }
    to_usize(k)
}

/// A duration of at most [`dine::MAX_DURATION`].
fn bounded_duration(text: &str) -> Result<Duration, String> {
    let value = parse_duration(text)?;
    if value > dine::MAX_DURATION {
        return Err("must be at most 1h".into());
    }
    Ok(value)
}

fn parse_run_duration(text: &str) -> Result<Duration, String> {
    let value = bounded_duration(text)?;
    if value.is_zero() {
        return Err("must be more than 0: the philosophers need time to eat".into());
    }
    Ok(value)
}

fn parse_slice(text: &str) -> Result<Duration, String> {
    let value = bounded_duration(text)?;
    if value.is_zero() {
        return Err("must be more than 0: a slice of no time feeds nobody".into());
    }
    Ok(value)
}

fn parse_reach(text: &str) -> Result<Duration, String> {
    bounded_duration(text)
}

fn parse_range(text: &str) -> Result<Range, String> {
    not_an_option(text)?;
    let range = duration::parse_range(text).map_err(|e| e.to_string())?;
    if range.max() > dine::MAX_DURATION {
        return Err("must be at most 1h".into());
    }
    Ok(range)
}

/// The longest scripted typing time: longer is a wait, not a demonstration.
const MAX_TYPING: Duration = Duration::from_secs(3_600);

fn parse_typing(text: &str) -> Result<Duration, String> {
    let value = parse_duration(text)?;
    if value > MAX_TYPING {
        return Err("must be at most 1h".into());
    }
    Ok(value)
}

/// A duration; an option in its place (`--slice --compare`) is a missing
/// value, not a negative duration.
fn parse_duration(text: &str) -> Result<Duration, String> {
    not_an_option(text)?;
    duration::parse(text).map_err(|e| e.to_string())
}

/// Options whose values may start with `-` (`-5ms`, to be told it is
/// negative) also take the next option as their value: say so.
fn not_an_option(text: &str) -> Result<(), String> {
    let trimmed = text.trim();
    let rest = trimmed.strip_prefix('-').unwrap_or_default();
    if rest.starts_with(|c: char| c == '-' || c.is_ascii_alphabetic()) {
        return Err(format!(
            "'{trimmed}' looks like an option: the value is missing"
        ));
    }
    Ok(())
}

/// A whole number in `1..=max`, with messages that say what is wrong.
fn whole_number(text: &str, max: u64) -> Result<u64, String> {
    let trimmed = text.trim();
    if trimmed.starts_with('-') {
        return Err("must be a positive whole number (1 or more)".into());
    }
    let value: u64 = trimmed.parse().map_err(|_| {
        if trimmed.is_empty() {
            "a number is required".to_owned()
        } else if trimmed.bytes().all(|b| b.is_ascii_digit()) {
            format!("too large (at most {max})")
        } else {
            format!("'{trimmed}' is not a whole number")
        }
    })?;
    if value == 0 {
        return Err("must be at least 1".into());
    }
    if value > max {
        return Err(format!("too large (at most {max})"));
    }
    Ok(value)
}

fn to_usize(value: u64) -> Result<usize, String> {
    usize::try_from(value).map_err(|_| "too large for this machine".to_owned())
}

fn parse_n(text: &str) -> Result<u64, String> {
    whole_number(text, u64::MAX).map_err(|e| {
        if e == "must be at least 1" {
            "must be at least 1: the squares of 0..0 are no work".to_owned()
        } else {
            e
        }
    })
}

fn parse_tasks(text: &str) -> Result<usize, String> {
    to_usize(whole_number(text, order::MAX_TASKS as u64)?)
}

fn parse_runs(text: &str) -> Result<usize, String> {
    to_usize(whole_number(text, order::MAX_RUNS as u64)?)
}

fn parse_workers(text: &str) -> Result<usize, String> {
    to_usize(whole_number(text, order::MAX_WORKERS as u64)?)
}

/// The most steps: with up to [`order::MAX_TASKS`] tasks, the expected
/// total (steps × k(k+1)/2) still fits in a `u64`.
const MAX_STEPS: u64 = 1_000_000_000;
const _: () = assert!(
    (order::MAX_TASKS as u64 * (order::MAX_TASKS as u64 + 1) / 2)
        .checked_mul(MAX_STEPS)
        .is_some()
);

fn parse_steps(text: &str) -> Result<u64, String> {
    whole_number(text, MAX_STEPS)
}

fn parse_seed(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err("a number is required".into());
    }
    if trimmed.starts_with('-') {
        return Err("must be a whole number, 0 or more".into());
    }
    trimmed
        .parse()
        .map_err(|_| format!("'{trimmed}' is not a whole number from 0 to {}", u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn gil_runs_processes_and_cpython_by_default() {
        let cli = Cli::try_parse_from(["waiter", "gil"]).unwrap();
        let Some(Command::Gil(args)) = cli.command else {
            panic!("gil parses as gil");
        };
        let config = args.config();
        assert!(config.processes && config.convoy);
        assert_eq!(config.python, Some(PathBuf::from("python3")));
        assert_eq!(config.workloads, Workload::ALL);
        assert_eq!(config.scale, 1.0);
        let cli = Cli::try_parse_from(["waiter", "gil", "--workload", "io"]).unwrap();
        let Some(Command::Gil(args)) = cli.command else {
            panic!("gil parses as gil");
        };
        assert_eq!(args.config().workloads, [Workload::Io]);
        assert_eq!(parse_scale("0.1"), Ok(0.1));
        assert!(parse_scale("0").unwrap_err().contains("more than 0"));
        assert!(parse_scale("-1").unwrap_err().contains("more than 0"));
        assert!(parse_scale("inf").unwrap_err().contains("not a number"));
        assert!(parse_scale("21").unwrap_err().contains("at most 20"));
    }

    #[test]
    fn cores_defaults_are_the_labs() {
        let cli = Cli::try_parse_from(["waiter", "cores"]).unwrap();
        let Some(Command::Cores(args)) = cli.command else {
            panic!("cores parses as cores");
        };
        assert_eq!(args.config(), cores::Config::default());
        let cli = Cli::try_parse_from(["waiter", "cores", "--threads", "3,1"]).unwrap();
        let Some(Command::Cores(args)) = cli.command else {
            panic!("cores parses as cores");
        };
        assert_eq!(args.config().threads, [1, 3]);
        assert!(parse_work("0s").unwrap_err().contains("more than 0"));
        assert!(parse_sample("10us").unwrap_err().contains("from 100us"));
    }

    #[test]
    fn dine_defaults_are_the_labs() {
        let cli = Cli::try_parse_from(["waiter", "dine"]).unwrap();
        let Some(Command::Dine(args)) = cli.command else {
            panic!("dine parses as dine");
        };
        assert_eq!(args.check(), Ok(()));
        assert_eq!(args.config(), dine::Config::default());
    }

    #[test]
    fn dine_compare_runs_what_fits_the_table() {
        let parse = |args: &[&str]| match Cli::try_parse_from(args).unwrap().command {
            Some(Command::Dine(args)) => args,
            _ => panic!("dine parses as dine"),
        };
        let ring = parse(&["waiter", "dine", "--compare"]);
        assert_eq!(ring.config().strategies, Strategy::ALL);
        let pile = parse(&["waiter", "dine", "--compare", "--table", "pile"]);
        assert_eq!(pile.config().strategies.len(), 4);
        assert_eq!(pile.config().layout, Layout::Pile { forks: 2 });
        let greedy = parse(&[
            "waiter",
            "dine",
            "--strategy",
            "ordered",
            "--policy",
            "greedy",
        ]);
        assert!(
            greedy
                .check()
                .unwrap_err()
                .contains("--policy is the waiter's")
        );
    }

    #[test]
    fn whole_numbers_say_what_is_wrong() {
        assert_eq!(whole_number("3", 10), Ok(3));
        assert_eq!(whole_number("0", 10).unwrap_err(), "must be at least 1");
        assert!(whole_number("-1", 10).unwrap_err().contains("positive"));
        assert!(
            whole_number("x", 10)
                .unwrap_err()
                .contains("not a whole number")
        );
        assert!(whole_number("11", 10).unwrap_err().contains("at most 10"));
        assert!(
            whole_number("99999999999999999999999", 10)
                .unwrap_err()
                .contains("too large")
        );
        assert!(parse_n("0").unwrap_err().contains("no work"));
        assert!(parse_philosophers("1").unwrap_err().contains("at least 2"));
        assert!(parse_philosophers("0").unwrap_err().contains("at least 2"));
        assert_eq!(parse_philosophers("5"), Ok(5));
        assert!(parse_forks("1").unwrap_err().contains("a meal takes two"));
        assert!(
            parse_range("5ms..1ms")
                .unwrap_err()
                .contains("ends before it starts")
        );
        assert!(
            parse_run_duration("0s")
                .unwrap_err()
                .contains("more than 0")
        );
        assert!(parse_slice("2h").unwrap_err().contains("at most 1h"));
        assert_eq!(parse_seed("0"), Ok(0));
    }
}

//! # waiter-lab
//!
//! The experiments of the waiter lab: each idea of the study note
//! (`seed/async-python-notes.txt`) run on real threads, measured, and
//! returned as a [`Report`] that anybody can render or export.
//!
//! Why a library and not code in the CLI: the same experiment runs from the
//! `waiter` binary, from the tests (with a scripted user and a buffer for a
//! terminal) and, later, from the tour that chains every experiment. So an
//! experiment never prints and never reads stdin by itself: it writes its
//! live lines to a [`Console`] and asks its questions to an [`Input`], both
//! handed in by the caller.
//!
//! Every experiment has the same shape, [`Experiment`]:
//!
//! - a `Config` with explicit sizes and fast defaults, which implements
//!   the trait: `id`, `title`, `explanation`, `validate` and `run(&Ctx)`;
//! - a [`Ctx`] from the caller: console, input, live view, this binary for
//!   child processes, and the one [`Stop`] signal;
//! - a [`Report`]: explanation, tables, timelines, conclusions and raw
//!   figures, serialisable with serde.
//!
//! Each experiment is a folder with the same files: `config.rs` (its
//! settings, limits and `validate`), `mod.rs` (the run), `present.rs`
//! (tables, sentences, verdicts, from the figures) and `tests.rs`.
//!
//! | module | the note's idea |
//! |---|---|
//! | [`greet`] | `ask_user` + `complex_calculation`: one thread, two threads, a pool |
//! | [`order`] | concurrency: a different order every time, the same outcome |
//! | [`cores`] | processors, cores, threads, processes: time slicing and costs |
//! | [`dine`] | the dining philosophers: limited forks, a waiter, time slicing |
//! | [`gil`] | the GIL: threads, processes and async on CPU and I/O work, simulated and in CPython |
//! | [`export`] | looking is faster than reading: reports as an HTML page (tables, timelines), JSON and a trace, in a folder to open offline |
//! | [`tour`] | the whole note, in order, in one run (`cargo run --release`) |
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//! use waiter_lab::{Ctx, Experiment, console::Buffer, greet, input::Scripted};
//!
//! let console = Arc::new(Buffer::new());
//! let user = Arc::new(Scripted::new("Ana", Duration::from_millis(5)));
//! let ctx = Ctx::new(console.clone()).with_input(user);
//! let report = greet::Config::default().run(&ctx)?;
//! assert_eq!(report.tables[0].rows.len(), 3); // one row per mode
//! assert!(console.contents().contains("Hello, Ana"));
//! # Ok::<(), waiter_lab::Error>(())
//! ```

pub mod asynchrony;
pub mod console;
pub mod cores;
pub mod dine;
pub mod duration;
mod error;
pub mod experiment;
pub mod export;
pub mod gil;
pub mod greet;
pub mod input;
pub mod limits;
pub mod order;
pub mod report;
pub mod script;
pub mod stop;
pub mod threads;
pub mod tour;
pub mod verdict;
pub mod work;

pub use console::Console;
pub use error::Error;
pub use experiment::{Ctx, Experiment};
pub use input::Input;
pub use report::Report;
pub use stop::Stop;

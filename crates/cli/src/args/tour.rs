//! `waiter tour`, also plain `waiter`.

use std::path::PathBuf;

use clap::Args;
use clap::builder::PossibleValuesParser;
use waiter_lab::tour;

/// The name the tour's scripted user types.
pub(crate) const DEFAULT_NAME: &str = "Ana";

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

    /// The Python interpreter for the CPython rows of the async and gil
    /// parts; if it cannot run, those rows say "not run", and why
    /// [default: python3].
    #[arg(long, value_name = "PATH")]
    pub(crate) python: Option<PathBuf>,

    /// Only these parts, comma-separated (for tests and demonstrations).
    #[arg(long, hide = true, value_name = "LIST", value_delimiter = ',', value_parser = PossibleValuesParser::new(tour::PARTS.map(|part| part.id)))]
    pub(crate) parts: Vec<String>,
}

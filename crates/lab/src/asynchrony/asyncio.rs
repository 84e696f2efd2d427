//! Beside real asyncio: `python/async_baseline.py`, its request and its
//! answer.
//!
//! The script runs the same heartbeat cases and the same many sleeps on
//! asyncio's loop, plus the blocked and cooperative cases in debug mode to
//! keep what asyncio says about slow callbacks. It is run through the
//! lab's one script runner ([`crate::script`]); a missing or failing
//! interpreter is a reason, and the asyncio rows say "not run".

use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::Stop;
use crate::script::{self, Script};

/// `python/async_baseline.py`, as built into the library.
pub const SCRIPT: Script = Script {
    name: "async_baseline.py",
    text: include_str!("../../../../python/async_baseline.py"),
};

/// What to ask the script.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    /// The calculation's length (the script calibrates its own size).
    pub work: Duration,
    /// The heartbeat's period.
    pub tick: Duration,
    /// The cooperative slice.
    pub slice: Duration,
    /// The heartbeat ticks alone this long before and after the work.
    pub margin: Duration,
    /// How many concurrent sleeps.
    pub sleepers: usize,
    /// How long each sleeps.
    pub nap: Duration,
    /// Debug mode warns about a callback that runs longer than this.
    pub slow_callback: Duration,
}

impl Request {
    /// asyncio's own threshold, 100 ms, or half the calculation if that is
    /// shorter, so the blocking call is always over it.
    pub fn slow_callback_for(work: Duration) -> Duration {
        (work / 2).min(Duration::from_millis(100))
    }
}

impl Request {
    /// The script's command-line arguments.
    pub fn args(&self) -> Vec<String> {
        let ms = |d: Duration| format!("{}", d.as_secs_f64() * 1e3);
        vec![
            "--work-ms".into(),
            ms(self.work),
            "--tick-ms".into(),
            ms(self.tick),
            "--slice-ms".into(),
            ms(self.slice),
            "--margin-ms".into(),
            ms(self.margin),
            "--sleepers".into(),
            self.sleepers.to_string(),
            "--nap-ms".into(),
            ms(self.nap),
            "--slow-ms".into(),
            ms(self.slow_callback),
        ]
    }
}

/// The script's answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    /// `cpython`, `pypy`…
    pub implementation: String,
    /// `3.11.7`.
    pub python: String,
    /// `sys.getswitchinterval()`, in seconds.
    pub switch_interval_s: f64,
    /// Debug mode's threshold, in seconds.
    pub slow_callback_s: f64,
    /// The calculation's size in Python (calibrated to the same time).
    pub squares: u64,
    /// One entry per heartbeat case that ran.
    pub heartbeat: Vec<PyCase>,
    /// The cases run again in debug mode (`blocked`, `cooperative`).
    #[serde(default)]
    pub debug: Vec<PyDebug>,
    /// The many sleeps, if they ran.
    pub sleepers: Option<PySleepers>,
    /// What failed inside the script (the rest ran).
    #[serde(default)]
    pub errors: Vec<String>,
}

/// One heartbeat case in asyncio.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PyCase {
    /// `alone`, `blocked`, `offloaded`, `cooperative`.
    pub case: String,
    /// How late each tick woke, in milliseconds.
    pub lags_ms: Vec<f64>,
    /// How long the calculation computed, in milliseconds (none alone).
    pub work_ms: Option<f64>,
}

/// A case run again in asyncio's debug mode.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PyDebug {
    /// `blocked` or `cooperative`.
    pub case: String,
    /// How long the calculation computed this time, in milliseconds.
    pub work_ms: Option<f64>,
    /// What debug mode logged (warnings and worse), as asyncio wrote it.
    pub warnings: Vec<String>,
}

/// The many sleeps in asyncio.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PySleepers {
    /// How many.
    pub sleeps: usize,
    /// Wall time, in seconds.
    pub wall_s: f64,
    /// Peak RSS during the run minus the RSS before, in KiB.
    pub extra_rss_kib: Option<u64>,
}

impl Answer {
    /// The case named `case`, if it ran.
    pub fn case(&self, case: &str) -> Option<&PyCase> {
        self.heartbeat.iter().find(|c| c.case == case)
    }

    /// The debug-mode run of `case`, if it ran.
    pub fn debug_of(&self, case: &str) -> Option<&PyDebug> {
        self.debug.iter().find(|c| c.case == case)
    }
}

/// One slow-callback warning of asyncio's debug mode, shortened.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SlowCallback {
    /// How long the callback ran, as asyncio says (`took 0.203 seconds`).
    pub seconds: Option<f64>,
    /// The warning, with the task's long description cut to `<Task …>`.
    pub text: String,
}

impl SlowCallback {
    /// Reads asyncio's `Executing <Task …> took 0.203 seconds`.
    pub fn parse(message: &str) -> Self {
        let took = message.rfind(" took ");
        let seconds = took.and_then(|at| {
            message[at + 6..]
                .strip_suffix(" seconds")
                .and_then(|s| s.trim().parse().ok())
        });
        let text = match (message.starts_with("Executing <"), took) {
            (true, Some(at)) => {
                let what = message["Executing <".len()..]
                    .split([' ', '>'])
                    .next()
                    .unwrap_or("Task");
                format!("Executing <{what} …>{}", &message[at..])
            }
            _ => message.to_owned(),
        };
        Self { seconds, text }
    }
}

/// Runs the script with `python`, at most `timeout`; `stop` kills it.
///
/// # Errors
///
/// Why there are no asyncio numbers, in one line ([`script::run`]).
pub fn run(
    python: &Path,
    request: &Request,
    timeout: Duration,
    stop: &Stop,
) -> Result<Answer, String> {
    script::run(python, &SCRIPT, &request.args(), timeout, stop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_arguments_carry_every_size() {
        let request = Request {
            work: Duration::from_millis(200),
            tick: Duration::from_micros(500),
            slice: Duration::from_millis(2),
            margin: Duration::from_millis(20),
            sleepers: 10_000,
            nap: Duration::from_millis(100),
            slow_callback: Duration::from_millis(100),
        };
        let args = request.args();
        let after = |flag: &str| {
            let i = args.iter().position(|a| a == flag).unwrap();
            args[i + 1].clone()
        };
        assert_eq!(after("--work-ms"), "200");
        assert_eq!(after("--tick-ms"), "0.5");
        assert_eq!(after("--sleepers"), "10000");
        assert_eq!(after("--nap-ms"), "100");
        assert_eq!(after("--slow-ms"), "100");
        assert_eq!(
            Request::slow_callback_for(Duration::from_millis(80)),
            Duration::from_millis(40)
        );
    }

    #[test]
    fn asyncio_warnings_are_shortened() {
        let long = "Executing <Task pending name='Task-17' coro=<main() running at x.py:130> wait_for=<Future pending> created at y.py:100> took 0.180 seconds";
        let warning = SlowCallback::parse(long);
        assert_eq!(warning.seconds, Some(0.18));
        assert_eq!(warning.text, "Executing <Task …> took 0.180 seconds");
        let other = SlowCallback::parse("something else");
        assert_eq!(other.seconds, None);
        assert_eq!(other.text, "something else");
    }

    #[test]
    fn answers_parse() {
        let text = r#"{"implementation": "cpython", "python": "3.11.7", "switch_interval_s": 0.005,
            "slow_callback_s": 0.1, "squares": 1000, "heartbeat": [{"case": "blocked", "lags_ms": [0.1, 190.0], "work_ms": 190.5}],
            "debug": [{"case": "blocked", "work_ms": 190.0, "warnings": ["Executing <Task x> took 0.190 seconds"]},
                      {"case": "cooperative", "work_ms": 190.0, "warnings": []}],
            "sleepers": {"sleeps": 10, "wall_s": 0.1, "extra_rss_kib": null}, "errors": []}"#;
        let answer: Answer = serde_json::from_str(text).unwrap();
        assert_eq!(answer.case("blocked").unwrap().lags_ms.len(), 2);
        assert!(answer.case("alone").is_none());
        assert_eq!(answer.debug_of("blocked").unwrap().warnings.len(), 1);
        assert!(answer.debug_of("alone").is_none());
    }
}

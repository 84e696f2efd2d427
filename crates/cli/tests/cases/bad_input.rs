//! Bad input, argument by argument: every subcommand and every option that
//! takes a value, tried with values it must refuse. Each refusal is a usage
//! error: exit code 2, one `error: …` line (clap may add indented
//! `[possible values: …]` or `tip: …` lines and the usage), no panic,
//! nothing run. Every command has a timeout, so a value that starts a long
//! run fails its case instead of stalling the suite.
//!
//! Then the other side: boundary values that must still be accepted; and
//! output paths that cannot be written, which an experiment finds before it
//! runs (usage errors too, exit code 2).

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Output;
use std::time::Duration;

/// Usage errors exit before anything runs: milliseconds, not seconds.
const TIMEOUT: Duration = Duration::from_secs(10);

/// The accepted boundary values run tiny experiments.
const RUN_TIMEOUT: Duration = Duration::from_secs(60);

/// Arguments, and a fragment the error message must contain.
///
/// Values that are too large to run are refused here, not at run time:
/// `order --steps` is capped so that tasks × steps always fits, and
/// `greet --typing` at 1h. Some large values are valid and left out on
/// purpose: `--seed 99999999999` is a seed, and `greet --n` may be in the
/// billions (its work is counted, not stored).
///
/// Paths appear here only missing or empty, which clap refuses (exit code
/// 2). A path that cannot be written (under a regular file, in a missing
/// folder, a folder where a file goes) is only known by trying it: an
/// experiment opens `--json`, `--trace` and `--report` before it runs, and
/// refuses with exit code 2 and one `error: …` line (see
/// `paths_that_cannot_be_written_are_refused_before_the_run`). The tour
/// tries its `--report` folder and `--trace` file before it runs, too.
/// Links, devices, FIFOs, `-` and two outputs at one path: see
/// `output_paths.rs`.
const CASES: &[(&[&str], &str)] = &[
    // ------------------------------------------------------------ waiter
    (&["--nope"], "unexpected argument '--nope' found"),
    (&["-x"], "unexpected argument '-x' found"),
    (&["--quick"], "unexpected argument '--quick' found"),
    (&["frobnicate"], "unrecognized subcommand 'frobnicate'"),
    (&["Greet"], "unrecognized subcommand 'Greet'"),
    (&[""], "unrecognized subcommand ''"),
    (&["help", "nope"], "unrecognized subcommand 'nope'"),
    // -------------------------------------------------------------- tour
    (&["tour", "--nope"], "unexpected argument '--nope' found"),
    (&["tour", "extra"], "unexpected argument 'extra' found"),
    (
        &["tour", "--parts", "nope"],
        "invalid value 'nope' for '--parts",
    ),
    (&["tour", "--parts", "GREET"], "invalid value 'GREET'"),
    (&["tour", "--parts", ""], "a value is required for '--parts"),
    (
        &["tour", "--parts", "greet,"],
        "a value is required for '--parts",
    ),
    (
        &["tour", "--parts", ",greet"],
        "a value is required for '--parts",
    ),
    (&["tour", "--parts", "greet,,order"], "a value is required"),
    (&["tour", "--parts"], "a value is required for '--parts"),
    (&["tour", "--report"], "a value is required for '--report"),
    (
        &["tour", "--report", ""],
        "a value is required for '--report",
    ),
    (&["tour", "--trace"], "a value is required for '--trace"),
    (&["tour", "--trace", ""], "a value is required for '--trace"),
    (&["tour", "--python"], "a value is required for '--python"),
    (
        &["tour", "--python", ""],
        "a value is required for '--python",
    ),
    (
        &["tour", "--report", "r", "--no-report"],
        "'--report <DIR>' cannot be used with '--no-report'",
    ),
    (
        &["tour", "--no-report", "--report", "r"],
        "'--no-report' cannot be used with '--report <DIR>'",
    ),
    (
        &["tour", "--quick", "--quick"],
        "cannot be used multiple times",
    ),
    // ------------------------------------------------------------- greet
    (&["greet", "--nope"], "unexpected argument '--nope' found"),
    (&["greet", "extra"], "unexpected argument 'extra' found"),
    (&["greet", "--n", "0"], "must be at least 1"),
    (&["greet", "--n", "-1"], "must be a positive whole number"),
    (&["greet", "--n", "18446744073709551616"], "too large"),
    (&["greet", "--n", "1e309"], "'1e309' is not a whole number"),
    (&["greet", "--n", "x"], "'x' is not a whole number"),
    (&["greet", "--n", "1.5.2"], "'1.5.2' is not a whole number"),
    (&["greet", "--n", "0x10"], "'0x10' is not a whole number"),
    (&["greet", "--n", ""], "a number is required"),
    (&["greet", "--n", " "], "a number is required"),
    (&["greet", "--n"], "a value is required for '--n <N>'"),
    (
        &["greet", "--n", "1", "--n", "2"],
        "cannot be used multiple times",
    ),
    (
        &["greet", "--name"],
        "a value is required for '--name <NAME>'",
    ),
    (&["greet", "--typing", "1s"], "--name"),
    (
        &["greet", "--name", "A", "--typing", "0"],
        "'0' has no unit",
    ),
    (
        &["greet", "--name", "A", "--typing", "5"],
        "'5' has no unit",
    ),
    (&["greet", "--name", "A", "--typing", "-1"], "is negative"),
    (&["greet", "--name", "A", "--typing", "-5ms"], "is negative"),
    (
        &["greet", "--name", "A", "--typing", "18446744073709551616"],
        "has no unit",
    ),
    (
        &["greet", "--name", "A", "--typing", "99999999999"],
        "has no unit",
    ),
    (
        &["greet", "--name", "A", "--typing", "1e309"],
        "unknown unit 'e309'",
    ),
    (
        &["greet", "--name", "A", "--typing", "100000h"],
        "at most 1h",
    ),
    (
        &[
            "greet",
            "--name",
            "A",
            "--typing",
            "99999999999999999999999h",
        ],
        "too long a duration",
    ),
    (
        &["greet", "--name", "A", "--typing", "x"],
        "does not start with a number",
    ),
    (
        &["greet", "--name", "A", "--typing", "1.5.2"],
        "is not a number and a unit",
    ),
    (&["greet", "--name", "A", "--typing", ""], "empty duration"),
    (
        &["greet", "--name", "A", "--typing", "3 parsecs"],
        "unknown unit",
    ),
    (&["greet", "--name", "A", "--typing"], "a value is required"),
    (
        &["greet", "--name", "A", "--typing", "--n"],
        "'--n' looks like an option: the value is missing",
    ),
    // A duration may start with `-` (to be told `-5ms` is negative), so
    // clap gives it the next option, and the value after that is the
    // stray one.
    (
        &["greet", "--name", "A", "--typing", "--n", "1"],
        "unexpected argument '1' found",
    ),
    (
        &["greet", "--json"],
        "a value is required for '--json <FILE>'",
    ),
    (
        &["greet", "--json", ""],
        "a value is required for '--json <FILE>'",
    ),
    (
        &["greet", "--report"],
        "a value is required for '--report <DIR>'",
    ),
    (
        &["greet", "--trace"],
        "a value is required for '--trace <FILE>'",
    ),
    (
        &["greet", "--json", "a", "--json", "b"],
        "cannot be used multiple",
    ),
    // ------------------------------------------------------------- async
    (&["async", "--nope"], "unexpected argument '--nope' found"),
    (&["async", "extra"], "unexpected argument 'extra' found"),
    (
        &["async", "--name"],
        "a value is required for '--name <NAME>'",
    ),
    (&["async", "--typing", "5"], "'5' has no unit"),
    (&["async", "--typing", "-1s"], "is negative"),
    (&["async", "--typing", "31s"], "must be at most 30s"),
    (&["async", "--typing", "--work"], "looks like an option"),
    (&["async", "--typing"], "a value is required for '--typing"),
    (
        &["async", "--work", "9ms"],
        "must be at least 10ms: a shorter calculation",
    ),
    (&["async", "--work", "11s"], "must be from 10ms to 10s"),
    (&["async", "--work", "0"], "'0' has no unit"),
    (&["async", "--work", "x"], "'x'"),
    (&["async", "--work", ""], "empty duration"),
    (&["async", "--tick", "99us"], "must be from 100us to 100ms"),
    (&["async", "--tick", "1s"], "must be from 100us to 100ms"),
    (&["async", "--tick", "-1ms"], "is negative"),
    (&["async", "--slice", "0s"], "must be from 100us to 1s"),
    (&["async", "--slice", "2s"], "must be from 100us to 1s"),
    (&["async", "--nap", "0ms"], "must be from 1ms to 10s"),
    (&["async", "--nap", "1h"], "must be from 1ms to 10s"),
    (&["async", "--sleepers", "0"], "must be at least 1"),
    (
        &["async", "--sleepers", "-1"],
        "must be a positive whole number",
    ),
    (&["async", "--sleepers", "20001"], "must be at most 20000"),
    (
        &["async", "--sleepers", "1.5"],
        "'1.5' is not a whole number",
    ),
    (&["async", "--sleepers", ""], "a number is required"),
    (&["async", "--pool-workers", "0"], "must be at least 1"),
    (&["async", "--pool-workers", "1025"], "must be at most 1024"),
    (&["async", "--pool-sleepers", "0"], "must be at least 1"),
    (
        &["async", "--pool-sleepers", "x"],
        "'x' is not a whole number",
    ),
    (
        &["async", "--python"],
        "a value is required for '--python <PATH>'",
    ),
    (
        &["async", "--python", ""],
        "a value is required for '--python",
    ),
    (
        &["async", "--json", ""],
        "a value is required for '--json <FILE>'",
    ),
    (
        &["async", "--report"],
        "a value is required for '--report <DIR>'",
    ),
    (
        &["async", "--trace"],
        "a value is required for '--trace <FILE>'",
    ),
    // What one value cannot say: settings that contradict each other.
    (
        &["async", "--tick", "20ms", "--work", "10ms"],
        "shorter than --work",
    ),
    (
        &["async", "--slice", "300ms"],
        "must be at most --work (200.0 ms)",
    ),
    (
        &["async", "--sleepers", "10", "--pool-sleepers", "11"],
        "--pool-sleepers (11) must be at most --sleepers (10)",
    ),
    (
        &["async", "--pool-workers", "1", "--pool-sleepers", "1000"],
        "the pool would sleep for 100.00 s",
    ),
    // ------------------------------------------------------------- order
    (&["order", "--nope"], "unexpected argument '--nope' found"),
    (&["order", "-x"], "unexpected argument '-x' found"),
    (&["order", "--tasks", "0"], "must be at least 1"),
    (&["order", "--tasks=0"], "must be at least 1"),
    (
        &["order", "--tasks", "-1"],
        "must be a positive whole number",
    ),
    (
        &["order", "--tasks", "18446744073709551616"],
        "at most 100000",
    ),
    (&["order", "--tasks", "99999999999"], "at most 100000"),
    (
        &["order", "--tasks", "1e309"],
        "'1e309' is not a whole number",
    ),
    (&["order", "--tasks", "x"], "'x' is not a whole number"),
    (
        &["order", "--tasks", "1.5.2"],
        "'1.5.2' is not a whole number",
    ),
    (&["order", "--tasks", ""], "a number is required"),
    (
        &["order", "--tasks"],
        "a value is required for '--tasks <K>'",
    ),
    (&["order", "--tasks", "--runs", "3"], "a value is required"),
    (&["order", "--runs", "0"], "must be at least 1"),
    (
        &["order", "--runs", "-1"],
        "must be a positive whole number",
    ),
    (
        &["order", "--runs", "18446744073709551616"],
        "at most 10000",
    ),
    (&["order", "--runs", "99999999999"], "at most 10000"),
    (&["order", "--runs", "1e309"], "not a whole number"),
    (&["order", "--runs", "x"], "not a whole number"),
    (&["order", "--runs", "1.5.2"], "not a whole number"),
    (&["order", "--runs", ""], "a number is required"),
    (&["order", "--runs"], "a value is required for '--runs <R>'"),
    (&["order", "--steps", "0"], "must be at least 1"),
    (
        &["order", "--steps", "-1"],
        "must be a positive whole number",
    ),
    (
        &["order", "--steps", "18446744073709551616"],
        "at most 1000000000",
    ),
    (
        &["order", "--steps", "18446744073709551615"],
        "at most 1000000000",
    ),
    (&["order", "--steps", "99999999999"], "at most 1000000000"),
    (&["order", "--steps", "1e309"], "not a whole number"),
    (&["order", "--steps", "x"], "not a whole number"),
    (&["order", "--steps", "1.5.2"], "not a whole number"),
    (&["order", "--steps", ""], "a number is required"),
    (
        &["order", "--steps"],
        "a value is required for '--steps <STEPS>'",
    ),
    (&["order", "--workers", "0"], "must be at least 1"),
    (
        &["order", "--workers", "-1"],
        "must be a positive whole number",
    ),
    (
        &["order", "--workers", "18446744073709551616"],
        "at most 1024",
    ),
    (&["order", "--workers", "99999999999"], "at most 1024"),
    (&["order", "--workers", "1e309"], "not a whole number"),
    (&["order", "--workers", "x"], "not a whole number"),
    (&["order", "--workers", "1.5.2"], "not a whole number"),
    (&["order", "--workers", ""], "a number is required"),
    (
        &["order", "--workers"],
        "a value is required for '--workers <W>'",
    ),
    (
        &["order", "--seed", "-1"],
        "must be a whole number, 0 or more",
    ),
    (&["order", "--seed", "18446744073709551616"], "from 0 to"),
    (
        &["order", "--seed", "1e309"],
        "'1e309' is not a whole number",
    ),
    (&["order", "--seed", "x"], "'x' is not a whole number"),
    (
        &["order", "--seed", "1.5.2"],
        "'1.5.2' is not a whole number",
    ),
    (&["order", "--seed", ""], "a number is required"),
    (
        &["order", "--seed"],
        "a value is required for '--seed <SEED>'",
    ),
    (
        &["order", "--json"],
        "a value is required for '--json <FILE>'",
    ),
    (
        &["order", "--report", ""],
        "a value is required for '--report",
    ),
    (
        &["order", "--trace"],
        "a value is required for '--trace <FILE>'",
    ),
    // ------------------------------------------------------------- cores
    (&["cores", "--nope"], "unexpected argument '--nope' found"),
    (&["cores", "--threads", "0"], "must be at least 1"),
    (&["cores", "--threads", "-1"], "'-1' is negative"),
    (
        &["cores", "--threads", "18446744073709551616"],
        "at most 1024",
    ),
    (&["cores", "--threads", "99999999999"], "at most 1024"),
    (
        &["cores", "--threads", "1e309"],
        "'1e309' is not a whole number",
    ),
    (&["cores", "--threads", "x"], "'x' is not a whole number"),
    (
        &["cores", "--threads", "1.5.2"],
        "'1.5.2' is not a whole number",
    ),
    (
        &["cores", "--threads", ""],
        "a list of thread counts is required",
    ),
    (&["cores", "--threads", "1,,2"], "has an empty item"),
    (&["cores", "--threads", "1,"], "has an empty item"),
    (
        &["cores", "--threads"],
        "a value is required for '--threads",
    ),
    (
        &["cores", "--threads", "--work"],
        "'--work' looks like an option: the value is missing",
    ),
    (
        &["cores", "--threads", "--work", "1s"],
        "unexpected argument '1s' found",
    ),
    (&["cores", "--work", "0"], "'0' has no unit"),
    (&["cores", "--work", "0s"], "must be more than 0"),
    (&["cores", "--work", "-1"], "is negative"),
    (&["cores", "--work", "-5ms"], "is negative"),
    (&["cores", "--work", "18446744073709551616"], "has no unit"),
    (&["cores", "--work", "1e309"], "unknown unit 'e309'"),
    (&["cores", "--work", "100000h"], "at most 1m"),
    (&["cores", "--work", "2m"], "at most 1m"),
    (&["cores", "--work", "x"], "does not start with a number"),
    (&["cores", "--work", "1.5.2"], "is not a number and a unit"),
    (&["cores", "--work", ""], "empty duration"),
    (&["cores", "--work"], "a value is required for '--work"),
    (&["cores", "--sample", "0"], "'0' has no unit"),
    (&["cores", "--sample", "0s"], "from 100us to 1s"),
    (&["cores", "--sample", "1us"], "from 100us to 1s"),
    (&["cores", "--sample", "-5ms"], "is negative"),
    (&["cores", "--sample", "100000h"], "from 100us to 1s"),
    (&["cores", "--sample", "2s"], "from 100us to 1s"),
    (&["cores", "--sample", "x"], "does not start with a number"),
    (&["cores", "--sample", ""], "empty duration"),
    (&["cores", "--sample"], "a value is required for '--sample"),
    (&["cores", "--thread-starts", "0"], "must be at least 1"),
    (&["cores", "--thread-starts", "-1"], "positive whole number"),
    (
        &["cores", "--thread-starts", "99999999999"],
        "at most 100000",
    ),
    (
        &["cores", "--thread-starts", "18446744073709551616"],
        "too large",
    ),
    (&["cores", "--thread-starts", "1e309"], "not a whole number"),
    (&["cores", "--thread-starts", "x"], "not a whole number"),
    (&["cores", "--thread-starts", ""], "a number is required"),
    (&["cores", "--thread-starts"], "a value is required"),
    (&["cores", "--process-starts", "0"], "must be at least 1"),
    (
        &["cores", "--process-starts", "-1"],
        "positive whole number",
    ),
    (
        &["cores", "--process-starts", "99999999999"],
        "at most 10000",
    ),
    (
        &["cores", "--process-starts", "18446744073709551616"],
        "too large",
    ),
    (
        &["cores", "--process-starts", "1.5.2"],
        "not a whole number",
    ),
    (&["cores", "--process-starts", ""], "a number is required"),
    (&["cores", "--process-starts"], "a value is required"),
    (&["cores", "--round-trips", "0"], "must be at least 1"),
    (&["cores", "--round-trips", "-1"], "positive whole number"),
    (
        &["cores", "--round-trips", "99999999999"],
        "at most 1000000",
    ),
    (
        &["cores", "--round-trips", "18446744073709551616"],
        "too large",
    ),
    (&["cores", "--round-trips", "x"], "not a whole number"),
    (&["cores", "--round-trips", ""], "a number is required"),
    (&["cores", "--round-trips"], "a value is required"),
    (&["cores", "--repeats", "0"], "must be at least 1"),
    (&["cores", "--repeats", "-1"], "positive whole number"),
    (&["cores", "--repeats", "101"], "at most 100"),
    (&["cores", "--repeats", "18446744073709551616"], "too large"),
    (&["cores", "--repeats", "x"], "not a whole number"),
    (&["cores", "--repeats", ""], "a number is required"),
    (&["cores", "--repeats"], "a value is required"),
    (
        &["cores", "--json"],
        "a value is required for '--json <FILE>'",
    ),
    (
        &["cores", "--report"],
        "a value is required for '--report <DIR>'",
    ),
    (
        &["cores", "--trace", ""],
        "a value is required for '--trace",
    ),
    // -------------------------------------------------------------- dine
    (&["dine", "--nope"], "unexpected argument '--nope' found"),
    (&["dine", "--philosophers", "0"], "must be at least 2"),
    (&["dine", "--philosophers", "1"], "must be at least 2"),
    (&["dine", "--philosophers", "-1"], "must be at least 2"),
    (&["dine", "--philosophers", "257"], "at most 256"),
    (&["dine", "--philosophers", "99999999999"], "at most 256"),
    (
        &["dine", "--philosophers", "18446744073709551616"],
        "at most 256",
    ),
    (&["dine", "--philosophers", "1e309"], "not a whole number"),
    (&["dine", "--philosophers", "x"], "not a whole number"),
    (&["dine", "--philosophers", "1.5.2"], "not a whole number"),
    (&["dine", "--philosophers", ""], "a number is required"),
    (&["dine", "--philosophers"], "a value is required"),
    (
        &["dine", "--table", "pile", "--forks", "0"],
        "must be at least 2",
    ),
    (
        &["dine", "--table", "pile", "--forks", "1"],
        "a meal takes two",
    ),
    (
        &["dine", "--table", "pile", "--forks", "-3"],
        "must be at least 2",
    ),
    (
        &["dine", "--table", "pile", "--forks", "1025"],
        "at most 1024",
    ),
    (
        &["dine", "--table", "pile", "--forks", "18446744073709551616"],
        "at most 1024",
    ),
    (
        &["dine", "--table", "pile", "--forks", "x"],
        "not a whole number",
    ),
    (
        &["dine", "--table", "pile", "--forks", ""],
        "a number is required",
    ),
    (
        &["dine", "--table", "pile", "--forks"],
        "a value is required",
    ),
    (
        &["dine", "--seed", "-1"],
        "must be a whole number, 0 or more",
    ),
    (&["dine", "--seed", "18446744073709551616"], "from 0 to"),
    (&["dine", "--seed", "x"], "'x' is not a whole number"),
    (&["dine", "--seed", ""], "a number is required"),
    (
        &["dine", "--seed"],
        "a value is required for '--seed <SEED>'",
    ),
    (&["dine", "--duration", "0"], "'0' has no unit"),
    (&["dine", "--duration", "0s"], "must be more than 0"),
    (&["dine", "--duration", "-1"], "is negative"),
    (&["dine", "--duration", "-5ms"], "is negative"),
    (
        &["dine", "--duration", "18446744073709551616"],
        "has no unit",
    ),
    (&["dine", "--duration", "1e309"], "unknown unit 'e309'"),
    (&["dine", "--duration", "100000h"], "at most 1h"),
    (&["dine", "--duration", "x"], "does not start with a number"),
    (
        &["dine", "--duration", "1.5.2"],
        "is not a number and a unit",
    ),
    (&["dine", "--duration", ""], "empty duration"),
    (
        &["dine", "--duration", "1ms..5ms"],
        "is a range: this takes one duration",
    ),
    (
        &["dine", "--duration"],
        "a value is required for '--duration",
    ),
    (&["dine", "--slice", "0"], "'0' has no unit"),
    (&["dine", "--slice", "0s"], "must be more than 0"),
    (&["dine", "--slice", "-5ms"], "is negative"),
    (&["dine", "--slice", "2h"], "at most 1h"),
    (&["dine", "--slice", "100000h"], "at most 1h"),
    (&["dine", "--slice", "x"], "does not start with a number"),
    (&["dine", "--slice", ""], "empty duration"),
    (&["dine", "--slice"], "a value is required for '--slice"),
    (
        &["dine", "--slice", "--compare"],
        "'--compare' looks like an option: the value is missing",
    ),
    (&["dine", "--slice", "-h"], "'-h' looks like an option"),
    (&["dine", "--reach", "0"], "'0' has no unit"),
    (&["dine", "--reach", "-5ms"], "is negative"),
    (&["dine", "--reach", "2h"], "at most 1h"),
    (&["dine", "--reach", "x"], "does not start with a number"),
    (&["dine", "--reach", ""], "empty duration"),
    (&["dine", "--reach"], "a value is required for '--reach"),
    (&["dine", "--think", "0"], "'0' has no unit"),
    (&["dine", "--think", "-5ms"], "is negative"),
    (&["dine", "--think", "2h"], "at most 1h"),
    (&["dine", "--think", "1ms..2h"], "at most 1h"),
    (&["dine", "--think", "x"], "does not start with a number"),
    (&["dine", "--think", ""], "empty duration"),
    (&["dine", "--think", "1ms.."], "empty duration"),
    (&["dine", "--think", "..5ms"], "empty duration"),
    (&["dine", "--think", "5ms..1ms"], "ends before it starts"),
    (&["dine", "--think", "1..5"], "'5' has no unit"),
    (&["dine", "--think", "-1ms..5ms"], "'-1ms' is negative"),
    (&["dine", "--think", "1ms..-5ms"], "'-5ms' is negative"),
    (&["dine", "--think"], "a value is required for '--think"),
    (
        &["dine", "--think", "--compare"],
        "'--compare' looks like an option",
    ),
    (&["dine", "--eat", "0"], "'0' has no unit"),
    (&["dine", "--eat", "-1"], "is negative"),
    (&["dine", "--eat", "100000h"], "at most 1h"),
    (&["dine", "--eat", "1e309"], "unknown unit 'e309'"),
    (&["dine", "--eat", "1.5.2"], "is not a number and a unit"),
    (&["dine", "--eat", ""], "empty duration"),
    (&["dine", "--eat", "25ms..5ms"], "ends before it starts"),
    (&["dine", "--eat"], "a value is required for '--eat"),
    (
        &["dine", "--table", "nope"],
        "invalid value 'nope' for '--table",
    ),
    (
        &["dine", "--table", "RING"],
        "invalid value 'RING' for '--table",
    ),
    (&["dine", "--table", ""], "a value is required for '--table"),
    (&["dine", "--table"], "a value is required for '--table"),
    (
        &["dine", "--strategy", "nope"],
        "invalid value 'nope' for '--strategy",
    ),
    (
        &["dine", "--strategy", ""],
        "a value is required for '--strategy",
    ),
    (
        &["dine", "--strategy"],
        "a value is required for '--strategy",
    ),
    (
        &["dine", "--policy", "lifo"],
        "invalid value 'lifo' for '--policy",
    ),
    (
        &["dine", "--policy", ""],
        "a value is required for '--policy",
    ),
    (&["dine", "--policy"], "a value is required for '--policy"),
    (
        &["dine", "--json"],
        "a value is required for '--json <FILE>'",
    ),
    (
        &["dine", "--report"],
        "a value is required for '--report <DIR>'",
    ),
    (
        &["dine", "--trace"],
        "a value is required for '--trace <FILE>'",
    ),
    // What one value cannot say: options that contradict each other.
    (&["dine", "--forks", "3"], "use it with --table pile"),
    (
        &["dine", "--table", "ring", "--forks", "3"],
        "use it with --table pile",
    ),
    (
        &["dine", "--table", "pile", "--strategy", "chandy-misra"],
        "needs --table ring",
    ),
    (
        &["dine", "--strategy", "naive", "--slice", "10ms"],
        "the waiter's time slice",
    ),
    (
        &["dine", "--strategy", "ordered", "--policy", "greedy"],
        "--policy is the waiter's",
    ),
    (
        &["dine", "--compare", "--strategy", "naive"],
        "'--compare' cannot be used with '--strategy <STRATEGY>'",
    ),
    (
        &["dine", "--strategy", "naive", "--compare"],
        "'--strategy <STRATEGY>' cannot be used with '--compare'",
    ),
    (
        &["dine", "--compare", "--compare"],
        "cannot be used multiple times",
    ),
    // --------------------------------------------------------------- gil
    (&["gil", "--nope"], "unexpected argument '--nope' found"),
    (&["gil", "--scale", "0"], "must be at least 0.001"),
    (&["gil", "--scale", "-1"], "must be at least 0.001"),
    (&["gil", "--scale", "1e-400"], "must be at least 0.001"),
    (&["gil", "--scale", "1e-300"], "must be at least 0.001"),
    (&["gil", "--scale", "0.0009"], "must be at least 0.001"),
    (&["gil", "--scale", "21"], "must be from 0.001 to 20"),
    (
        &["gil", "--scale", "99999999999"],
        "must be from 0.001 to 20",
    ),
    (
        &["gil", "--scale", "18446744073709551616"],
        "must be from 0.001 to 20",
    ),
    (&["gil", "--scale", "1e309"], "'1e309' is not a number"),
    (&["gil", "--scale", "inf"], "'inf' is not a number"),
    (&["gil", "--scale", "nan"], "'nan' is not a number"),
    (&["gil", "--scale", "x"], "'x' is not a number"),
    (&["gil", "--scale", "1.5.2"], "'1.5.2' is not a number"),
    (&["gil", "--scale", ""], "'' is not a number"),
    (&["gil", "--scale"], "a value is required for '--scale"),
    (
        &["gil", "--workload", "nope"],
        "invalid value 'nope' for '--workload",
    ),
    (
        &["gil", "--workload", "CPU"],
        "invalid value 'CPU' for '--workload",
    ),
    (
        &["gil", "--workload", ""],
        "a value is required for '--workload",
    ),
    (
        &["gil", "--workload"],
        "a value is required for '--workload",
    ),
    (
        &["gil", "--python"],
        "a value is required for '--python <PATH>'",
    ),
    (
        &["gil", "--python", ""],
        "a value is required for '--python",
    ),
    (
        &["gil", "--no-convoy", "--no-convoy"],
        "cannot be used multiple",
    ),
    (
        &["gil", "--json", ""],
        "a value is required for '--json <FILE>'",
    ),
    (
        &["gil", "--report"],
        "a value is required for '--report <DIR>'",
    ),
    (
        &["gil", "--trace"],
        "a value is required for '--trace <FILE>'",
    ),
    // ------------------------------------------------- more edge values
    (&["greet", "--n", "1.5"], "not a whole number"),
    (&["greet", "--name", "A", "--typing", "1.5"], "has no unit"),
    (&["greet", "--name", "A", "--typing", "-1s"], "negative"),
    (&["order", "--workers", "-2"], "positive whole number"),
    (&["order", "--tasks", "100000000"], "at most"),
    (&["order", "--seed", "-3"], "0 or more"),
    (&["dine", "--eat", "5ms..1ms"], "ends before it starts"),
    (&["dine", "--slice", "0ms"], "more than 0"),
    (&["dine", "--table", "square"], "invalid value 'square'"),
    (&["cores", "--threads", "-2"], "negative"),
    (&["cores", "--threads", "2000"], "at most 1024"),
    (&["cores", "--work", "5"], "has no unit"),
    (&["gil", "--scale", "100"], "must be from 0.001 to 20"),
];

/// Boundary values that must still run: the smallest sizes, zero where
/// zero makes sense, the largest seed, spacing and `=` forms.
const ACCEPTED: &[&[&str]] = &[
    &["greet", "--name", "A", "--typing", "0s", "--n", "1"],
    &["greet", "--name", "", "--typing", "0ns", "--n", "1"],
    &["greet", "--name", "A", "--typing", " 1ms ", "--n", " 1 "],
    &["order", "--tasks", "1", "--runs", "1", "--steps", "1"],
    &["order", "--tasks=1", "--runs=1", "--workers=1", "--seed=0"],
    &["order", "--tasks", "1", "--runs", "1", "--workers", "1024"],
    &[
        "order",
        "--tasks",
        "2",
        "--runs",
        "1",
        "--seed",
        "18446744073709551615",
    ],
    &[
        "cores",
        "--threads",
        "1,1",
        "--work",
        "1ms",
        "--sample",
        "100us",
        "--thread-starts",
        "1",
        "--process-starts",
        "1",
        "--round-trips",
        "1",
        "--repeats",
        "1",
    ],
    &[
        "dine",
        "--philosophers",
        "2",
        "--duration",
        "1ms",
        "--think",
        "0s",
        "--eat",
        "0s",
        "--reach",
        "0s",
        "--seed",
        "0",
    ],
    &["dine", "--philosophers", "256", "--duration", "1ms"],
    &[
        "dine",
        "--table",
        "pile",
        "--forks",
        "2",
        "--duration",
        "1ms",
    ],
    &["dine", "--table", "pile", "--compare", "--duration", "1ms"],
    &["dine", "--slice", "1ns", "--duration", "1ms"],
    &[
        "dine",
        "--think",
        "1..5ms",
        "--eat",
        "1ms",
        "--duration",
        "1ms",
    ],
    &[
        "dine",
        "--strategy",
        "naive",
        "--reach",
        "0s",
        "--duration",
        "1ms",
    ],
    &[
        "gil",
        "--scale",
        "0.001",
        "--workload",
        "io",
        "--no-convoy",
        "--python",
        "/no/such/python",
    ],
    &["tour", "--quick", "--parts", "order", "--no-report"],
    &[
        "async",
        "--name",
        "",
        "--typing",
        "0s",
        "--work",
        "10ms",
        "--tick",
        "100us",
        "--slice",
        "10ms",
        "--sleepers",
        "1",
        "--nap",
        "1ms",
        "--pool-workers",
        "1024",
        "--pool-sleepers",
        "1",
        "--python",
        "/no/such/python",
    ],
];

/// Runs `waiter ARGS` in `dir` with empty stdin and a timeout.
fn run(args: &[&str], dir: &Path, timeout: Duration) -> Output {
    super::waiter()
        .args(args)
        .current_dir(dir)
        .write_stdin("")
        .timeout(timeout)
        .output()
        .expect("waiter starts")
}

/// What is wrong with `output` as the usage error for `message`, if
/// anything: exit code 2, a first line `error: …` that is the only line
/// starting with `error`, no panic, nothing on stdout. Returned, not
/// asserted, so every failing case is listed at once.
fn usage_error_problem(output: &Output, message: &str) -> Option<String> {
    let err = String::from_utf8_lossy(&output.stderr);
    let out = String::from_utf8_lossy(&output.stdout);
    let problem = match output.status.code() {
        None => "timed out or killed by a signal".to_owned(),
        Some(2) if err.contains("panicked") => "panicked".to_owned(),
        Some(2) if !err.starts_with("error: ") => "no `error: ` first line".to_owned(),
        Some(2) if err.lines().filter(|l| l.starts_with("error")).count() != 1 => {
            "more than one error line".to_owned()
        }
        Some(2) if !err.contains(message) => format!("no {message:?} in the message"),
        Some(2) if !out.is_empty() => "something ran (stdout is not empty)".to_owned(),
        Some(2) => return None,
        Some(code) => format!("exit code {code}, not 2"),
    };
    Some(format!("{problem}\n  stderr: {err:?}\n  stdout: {out:?}"))
}

#[test]
fn every_bad_value_is_one_line_and_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let failures: Vec<String> = CASES
        .iter()
        .filter_map(|&(args, message)| {
            let output = run(args, dir.path(), TIMEOUT);
            usage_error_problem(&output, message).map(|problem| format!("{args:?}: {problem}"))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
    // Nothing ran, so nothing was written (no report folder, no JSON).
    let written: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(written.is_empty(), "usage errors wrote {written:?}");
}

#[test]
fn the_table_tries_every_subcommand_and_every_option_with_a_value() {
    // A new option needs its bad values in `CASES`: the help lists every
    // `--option <VALUE>`, and each must appear in some case.
    let dir = tempfile::tempdir().unwrap();
    let mut missing = Vec::new();
    for sub in ["tour", "greet", "async", "order", "cores", "dine", "gil"] {
        let output = run(&[sub, "--help"], dir.path(), TIMEOUT);
        assert_eq!(output.status.code(), Some(0), "{sub} --help");
        let help = String::from_utf8_lossy(&output.stdout).into_owned();
        let mut options: BTreeSet<&str> = help
            .split_whitespace()
            .filter(|word| word.starts_with("--") && help.contains(&format!("{word} <")))
            .collect();
        if sub == "tour" {
            options.insert("--parts"); // hidden, for tests
        }
        for option in options {
            let tried = CASES.iter().any(|(args, _)| {
                args.first() == Some(&sub)
                    && args
                        .iter()
                        .any(|a| *a == option || a.starts_with(&format!("{option}=")))
            });
            if !tried {
                missing.push(format!("{sub} {option}"));
            }
        }
    }
    assert!(missing.is_empty(), "no bad values tried for {missing:?}");
}

#[test]
fn boundary_values_are_accepted() {
    // These run (briefly): alone among the tests that measure speed-ups.
    let _alone = super::CORES.lock().unwrap_or_else(|p| p.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let failures: Vec<String> = ACCEPTED
        .iter()
        .filter_map(|&args| {
            let output = run(args, dir.path(), RUN_TIMEOUT);
            let err = String::from_utf8_lossy(&output.stderr);
            let ok = output.status.code() == Some(0) && err.is_empty() && !output.stdout.is_empty();
            (!ok).then(|| format!("{args:?}: {:?}, stderr: {err:?}", output.status.code()))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} accepted values failed:\n{}",
        failures.len(),
        ACCEPTED.len(),
        failures.join("\n")
    );
}

#[test]
fn paths_that_cannot_be_written_are_refused_before_the_run() {
    let _alone = super::CORES.lock().unwrap_or_else(|p| p.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "not a folder").unwrap();
    let under_file = file.join("out");
    let under_file = under_file.to_str().unwrap();
    let experiments: [&[&str]; 6] = [
        &["greet", "--name", "A", "--typing", "0s", "--n", "1"],
        &[
            "async",
            "--typing",
            "0s",
            "--work",
            "10ms",
            "--sleepers",
            "1",
            "--python",
            "/no/such/python",
        ],
        &["order", "--tasks", "1", "--runs", "1"],
        &[
            "cores",
            "--threads",
            "1",
            "--work",
            "1ms",
            "--thread-starts",
            "1",
            "--process-starts",
            "1",
            "--round-trips",
            "1",
            "--repeats",
            "1",
        ],
        &["dine", "--duration", "1ms"],
        &[
            "gil",
            "--scale",
            "0.001",
            "--workload",
            "io",
            "--no-convoy",
            "--python",
            "/no/such/python",
        ],
    ];
    let mut failures = Vec::new();
    for experiment in experiments {
        for (option, says) in [
            ("--json", "cannot write the report to"),
            ("--report", "cannot write the report to"),
            ("--trace", "cannot write the trace to"),
        ] {
            let args = [experiment, &[option, under_file]].concat();
            let output = run(&args, dir.path(), RUN_TIMEOUT);
            let err = String::from_utf8_lossy(&output.stderr);
            let ran = !output.stdout.is_empty();
            let expected = format!("error: {says} {under_file}: ");
            if output.status.code() != Some(2)
                || err.lines().count() != 1
                || !err.starts_with(&expected)
                || ran
            {
                failures.push(format!(
                    "{args:?}: {:?}, ran: {ran}, stderr: {err:?}",
                    output.status.code()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "not a folder");
}

//! What every benchmark binary shares: its command line, and writing its
//! figures to `--json FILE`.

use std::path::{Path, PathBuf};

/// The options every bench takes after `--`.
pub(crate) struct BenchArgs {
    /// `--quick`: a short run.
    pub(crate) quick: bool,
    /// `--json FILE`: also write the figures there.
    pub(crate) json: Option<PathBuf>,
}

/// Reads `--quick` and `--json FILE` (ignoring the `--bench` cargo passes).
/// `--help` prints the usage and exits 0; anything else is one line on
/// stderr and exit code 2.
pub(crate) fn bench_args(bench: &str) -> BenchArgs {
    let usage = format!("usage: cargo bench --bench {bench} [-- [--quick] [--json FILE]]");
    let mut parsed = BenchArgs {
        quick: false,
        json: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => parsed.quick = true,
            "--json" => match args.next() {
                Some(file) => parsed.json = Some(PathBuf::from(file)),
                None => fail(bench, "--json needs a FILE argument", &usage),
            },
            "--bench" => {}
            "--help" | "-h" => {
                println!("{usage}");
                std::process::exit(0);
            }
            other => fail(bench, &format!("unknown argument `{other}`"), &usage),
        }
    }
    parsed
}

fn fail(bench: &str, message: &str, usage: &str) -> ! {
    eprintln!("{bench}: {message}\n{usage}");
    std::process::exit(2);
}

/// Writes `rows` as pretty JSON to `path` (the `--json FILE` of a bench)
/// and says so; if it cannot, one line on stderr and exit code 1.
#[allow(dead_code)] // `peers` writes its rows in a fixed field order itself.
pub(crate) fn write_rows(bench: &str, path: &Path, rows: &[serde_json::Value]) {
    let text = serde_json::to_string_pretty(rows).expect("rows are plain JSON values");
    if let Err(error) = std::fs::write(path, text) {
        eprintln!("{bench}: cannot write {}: {error}", path.display());
        std::process::exit(1);
    }
    println!("wrote {}", path.display());
}

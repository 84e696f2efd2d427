//! Output paths that are not plain files. A report is never written over
//! something that is not ours: a symbolic link's target is replaced and
//! the link kept, a device or a FIFO is written through, `-` is stdout;
//! two outputs at one path, or a folder that cannot take the temporary
//! file, are refused before anything runs (exit code 2).

use super::*;

/// A tiny `order` run.
const ORDER: [&str; 7] = ["order", "--tasks", "2", "--runs", "1", "--steps", "1"];

fn order_with(extra: &[&str]) -> assert_cmd::assert::Assert {
    waiter()
        .args(ORDER)
        .args(extra)
        .timeout(Duration::from_secs(60))
        .assert()
}

#[cfg(unix)]
#[test]
fn a_symlink_is_followed_and_its_target_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("target.json");
    let link = dir.path().join("link.json");
    std::fs::write(&target, "old").unwrap();
    std::os::unix::fs::symlink(&target, &link).unwrap();
    order_with(&["--json", link.to_str().unwrap()]).success();
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(read_json(&target)["id"], json!("order"));
}

#[cfg(unix)]
#[test]
fn dev_null_is_written_through_not_replaced() {
    use std::os::unix::fs::FileTypeExt;
    // Without root `/dev/null` cannot be replaced anyway: what is checked
    // is that it is opened and written, with success.
    for option in ["--json", "--trace"] {
        order_with(&[option, "/dev/null"]).success();
    }
    assert!(
        std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device()
    );
}

#[cfg(unix)]
#[test]
fn a_fifo_is_written_through_to_its_reader() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|status| status.success()) {
        eprintln!("skipped: mkfifo did not run, so there is no FIFO to write to");
        return;
    }
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(&fifo).unwrap())
    };
    order_with(&["--json", fifo.to_str().unwrap()]).success();
    let text = reader.join().unwrap();
    let report: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(report["id"], json!("order"));
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
}

#[test]
fn a_dash_is_stdout_and_the_lines_for_people_go_to_stderr() {
    let assert = order_with(&["--json", "-"]).success();
    let report: Value = serde_json::from_str(&stdout_of(&assert)).unwrap();
    assert_eq!(report["id"], json!("order"));
    assert!(stderr_of(&assert).contains("Synchronised"));
}

#[test]
fn two_outputs_at_one_path_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let same = dir.path().join("same.json");
    let same = same.to_str().unwrap();
    let report = dir.path().join("r");
    let inside = report.join("report.json");
    let dotted = format!("{}/./same.json", dir.path().display());
    let cases: [Vec<&str>; 4] = [
        vec!["--json", same, "--trace", same],
        vec!["--json", "-", "--trace", "-"],
        vec![
            "--report",
            report.to_str().unwrap(),
            "--json",
            inside.to_str().unwrap(),
        ],
        vec!["--json", same, "--trace", &dotted],
    ];
    for case in cases {
        let assert = order_with(&case).code(2);
        let err = stderr_of(&assert);
        assert!(stdout_of(&assert).is_empty(), "{case:?} ran");
        assert!(err.contains("write to the same file"), "{case:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    assert!(!Path::new(same).exists());
}

#[test]
fn a_file_beside_the_report_folder_it_makes_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r1");
    let json = report.join("mine.json");
    order_with(&[
        "--report",
        report.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ])
    .success();
    assert_eq!(read_json(&json)["id"], json!("order"));
    assert!(report.join("index.html").exists());
}

#[cfg(unix)]
#[test]
fn a_writable_file_in_a_read_only_folder_is_refused_before_the_run() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("read-only");
    std::fs::create_dir(&folder).unwrap();
    let file = folder.join("report.json");
    std::fs::write(&file, "kept").unwrap();
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o555)).unwrap();
    // Root writes anywhere: then there is nothing to refuse.
    let probe = folder.join("probe");
    if std::fs::write(&probe, "").is_ok() {
        let _ = std::fs::remove_file(&probe);
        eprintln!("skipped: this user writes into read-only folders (root)");
        std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755)).unwrap();
        return;
    }
    let assert = order_with(&["--json", file.to_str().unwrap()]).code(2);
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert!(stdout_of(&assert).is_empty());
    assert!(stderr_of(&assert).starts_with("error: cannot write the report to"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "kept");
}

#[test]
fn the_tour_refuses_a_trace_in_a_missing_folder_before_it_runs() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("missing").join("t.json");
    let assert = waiter()
        .args([
            "tour",
            "--quick",
            "--parts",
            "order",
            "--no-report",
            "--trace",
        ])
        .arg(&trace)
        .timeout(Duration::from_secs(60))
        .assert()
        .code(2);
    assert!(stdout_of(&assert).is_empty());
    assert!(stderr_of(&assert).starts_with("error: cannot write the trace to"));
}

#[cfg(target_os = "linux")]
#[test]
fn dev_stdout_redirected_to_a_file_gets_the_report_after_the_lines() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.txt");
    let file = std::fs::File::create(&out).unwrap();
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_waiter"))
        .args(ORDER)
        .args(["--json", "/dev/stdout"])
        .stdout(file)
        .status()
        .unwrap();
    assert!(status.success());
    let text = std::fs::read_to_string(&out).unwrap();
    // The lines are kept, and the report follows them whole.
    assert!(text.starts_with("waiter order"), "{text}");
    let json = &text[text.find("\n{").unwrap() + 1..];
    let report: Value = serde_json::from_str(json).unwrap();
    assert_eq!(report["id"], json!("order"));
}

//! The folder: the page, the reports as JSON and the trace, written so a
//! reader never sees half a file.
//!
//! A long run (the tour) rewrites the folder after every finished part, so
//! that stopping it keeps what finished. Each file is therefore first
//! written whole under a temporary name in the same folder, flushed to
//! disk, and renamed over the old one: a rename within a folder replaces the
//! file in one step, so whoever opens it (a browser, a Ctrl-C in between)
//! sees the previous version or the new one, never a mix. The three files
//! are replaced one after the other (the JSON files first, the page that
//! links them last), not all at once.

use std::fs::{self, File};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::{INDEX_FILE, Page, REPORT_FILE, TRACE_FILE, html};
use crate::Error;

/// Where [`write_folder`] put each file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Written {
    /// The page: `DIR/index.html`.
    pub index: PathBuf,
    /// The reports, a JSON array: `DIR/report.json`.
    pub json: PathBuf,
    /// The timelines as a Chrome trace: `DIR/trace.json`.
    pub trace: PathBuf,
}

/// Writes the page into `dir` as `index.html`, `report.json` (a JSON array
/// of the sections' reports, pretty-printed) and `trace.json` (every
/// timeline of every section, in order, in the Chrome trace event format).
///
/// `dir` and its parents are created when missing; files already there are
/// replaced, each in one step (see the [module docs](super)), so the
/// folder can be rewritten after every finished part of a run.
///
/// # Errors
///
/// [`Error::Write`], naming the folder or file, if `dir` is a file, or a
/// folder or file cannot be created or written (no permission, no space).
///
/// ```
/// use waiter_lab::export::{Page, write_folder};
/// use waiter_lab::Report;
///
/// let dir = tempfile::tempdir()?;
/// let page = Page::single(Report::new("greet", "Waiting for the user"));
/// let written = write_folder(&dir.path().join("out"), &page)?;
/// let reports: Vec<Report> = serde_json::from_str(&std::fs::read_to_string(&written.json)?)?;
/// assert_eq!(reports[0].id, "greet");
///
/// // A file is not a folder.
/// let error = write_folder(&written.index, &page).unwrap_err();
/// assert!(error.to_string().contains("is a file, not a folder"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_folder(dir: &Path, page: &Page) -> Result<Written, Error> {
    let failed = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Write { path, source }
    };
    if dir.exists() && !dir.is_dir() {
        let source = io::Error::new(io::ErrorKind::NotADirectory, "it is a file, not a folder");
        return Err(failed(dir)(source));
    }
    fs::create_dir_all(dir).map_err(failed(dir))?;

    let written = Written {
        index: dir.join(INDEX_FILE),
        json: dir.join(REPORT_FILE),
        trace: dir.join(TRACE_FILE),
    };
    let reports: Vec<_> = page
        .sections
        .iter()
        .map(|section| &section.report)
        .collect();
    let json = serde_json::to_string_pretty(&reports)
        .map_err(|error| failed(&written.json)(io::Error::other(error)))?;
    let timelines: Vec<_> = page.timelines().cloned().collect();
    let trace = waiter::trace::chrome_json(&timelines);

    replace(&written.json, json.as_bytes()).map_err(failed(&written.json))?;
    replace(&written.trace, trace.as_bytes()).map_err(failed(&written.trace))?;
    replace(&written.index, html(page).as_bytes()).map_err(failed(&written.index))?;
    Ok(written)
}

/// Writes `bytes` to `path` without destroying what is not a file.
///
/// - A regular file or a new path: written to a temporary file beside it,
///   then renamed over it: a reader sees the old file or the new one,
///   never half of one. On failure the temporary file is removed and
///   `path` is left as it was.
/// - A symbolic link: followed ([`resolve_links`]); its target is replaced,
///   the link stays.
/// - Anything else that exists (`/dev/null`, a terminal, a FIFO): written
///   through, never replaced by a regular file. A FIFO waits for a reader,
///   as `echo > fifo` does.
///
/// # Errors
///
/// What the system said when creating, writing or renaming.
pub fn replace(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if names_a_descriptor(path) {
        // `/dev/stdout` is this process's open file, maybe a regular one
        // (`> out.txt`): added to, as a shell's `>>` would, never replaced
        // (that would drop what was written before) nor overwritten.
        let mut file = fs::OpenOptions::new().append(true).open(path)?;
        file.write_all(bytes)?;
        return file.flush();
    }
    let path = &resolve_links(path)?;
    if fs::metadata(path).is_ok_and(|meta| !meta.is_file() && !meta.is_dir()) {
        let mut file = fs::OpenOptions::new().write(true).open(path)?;
        file.write_all(bytes)?;
        return file.flush();
    }
    replace_file(path, bytes)
}

/// Whether `path` names one of this process's open descriptors
/// (`/dev/stdout`, `/dev/fd/3`, `/proc/self/fd/1`): its link leads to
/// whatever the descriptor is open on, which must not be replaced.
pub fn names_a_descriptor(path: &Path) -> bool {
    ["/dev/stdout", "/dev/stderr"]
        .iter()
        .any(|p| path == Path::new(p))
        || path.starts_with("/dev/fd")
        || path.starts_with("/proc/self/fd")
}

/// `path` with every symbolic link of its last component followed, even
/// one whose target does not exist yet (it is then created there).
///
/// # Errors
///
/// A link that cannot be read, or a loop of links.
pub fn resolve_links(path: &Path) -> io::Result<PathBuf> {
    /// As many as Linux follows.
    const MAX_LINKS: usize = 40;
    let mut path = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = fs::read_link(&path)?;
                path = match path.parent() {
                    Some(parent) if target.is_relative() => parent.join(target),
                    _ => target,
                };
            }
            _ => return Ok(path),
        }
    }
    Err(io::Error::other(format!(
        "more than {MAX_LINKS} symbolic links in a row"
    )))
}

/// The atomic replacement of a regular file (see [`replace`]).
fn replace_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    /// Tells apart the temporary files of concurrent writers in one process
    /// (the process id tells apart processes).
    static NEXT: AtomicU64 = AtomicU64::new(0);

    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = dir.join(format!(
        ".{name}.{}-{}.tmp",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut file = File::create(&temporary)?;
        file.write_all(bytes)?;
        // On disk before the rename, so a crash cannot leave an empty file
        // under the real name.
        file.sync_all()?;
        drop(file);
        fs::rename(&temporary, path)
    })();
    if result.is_err() {
        // Best effort: the error that matters is the one returned.
        let _ = fs::remove_file(&temporary);
    }
    result
}

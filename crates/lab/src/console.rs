//! Where an experiment writes its live lines.
//!
//! The note's functions `print` as they go (`Started calculating...`,
//! `Hello, Jose`), from several threads at once; the interleaving of those
//! lines is part of what the note shows. So experiments write through a
//! [`Console`] instead of `println!`: the CLI passes [`Stdout`], tests pass a
//! [`Buffer`] and read back what was written, the tour may pass [`Silent`].
//!
//! A console is `Send + Sync` because the threads of an experiment share it.
//! Each call writes its text in one piece, so two threads never cut into
//! each other's *line*; which line comes first is up to the scheduler.
//!
//! ```
//! use waiter_lab::console::{Buffer, Console};
//!
//! let console = Buffer::new();
//! console.prompt("Enter your name: ");
//! console.line("Ana");
//! assert_eq!(console.contents(), "Enter your name: Ana\n");
//! ```

use std::io::Write;
use std::sync::{Arc, Mutex};

/// A sink for an experiment's live output, shared by its threads.
pub trait Console: Send + Sync {
    /// Writes `text` as is, without a newline, and makes it visible now (a
    /// prompt such as `Enter your name: ` must show before the program
    /// waits for the answer).
    fn prompt(&self, text: &str);

    /// Writes `text` followed by a newline, in one piece.
    fn line(&self, text: &str) {
        let mut whole = String::with_capacity(text.len() + 1);
        whole.push_str(text);
        whole.push('\n');
        self.prompt(&whole);
    }
}

impl<C: Console + ?Sized> Console for Arc<C> {
    fn prompt(&self, text: &str) {
        (**self).prompt(text);
    }

    fn line(&self, text: &str) {
        (**self).line(text);
    }
}

impl<C: Console + ?Sized> Console for &C {
    fn prompt(&self, text: &str) {
        (**self).prompt(text);
    }

    fn line(&self, text: &str) {
        (**self).line(text);
    }
}

/// The process's standard output.
///
/// Write errors are ignored: output closed early (`waiter order | head`)
/// must not stop, or panic, the experiment.
#[derive(Clone, Copy, Debug, Default)]
pub struct Stdout;

impl Console for Stdout {
    fn prompt(&self, text: &str) {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    }
}

/// Keeps everything written, for tests and for callers that show the lines
/// later.
#[derive(Debug, Default)]
pub struct Buffer {
    text: Mutex<String>,
}

impl Buffer {
    /// An empty buffer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Everything written so far.
    pub fn contents(&self) -> String {
        self.text
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .clone()
    }
}

impl Console for Buffer {
    fn prompt(&self, text: &str) {
        self.text
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .push_str(text);
    }
}

/// Drops everything: for runs where only the [`Report`](crate::Report)
/// matters.
#[derive(Clone, Copy, Debug, Default)]
pub struct Silent;

impl Console for Silent {
    fn prompt(&self, _text: &str) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffer_keeps_lines_whole_across_threads() {
        let console = Arc::new(Buffer::new());
        std::thread::scope(|s| {
            for t in 0..4 {
                let console = &console;
                s.spawn(move || {
                    for i in 0..100 {
                        console.line(&format!("thread {t} line {i}"));
                    }
                });
            }
        });
        let text = console.contents();
        assert_eq!(text.lines().count(), 400);
        assert!(text.lines().all(|l| l.starts_with("thread ")));
    }

    #[test]
    fn consoles_work_through_arc_and_references() {
        let buffer = Buffer::new();
        let by_ref: &dyn Console = &buffer;
        by_ref.prompt("a");
        let shared: Arc<dyn Console> = Arc::new(Silent);
        shared.line("dropped");
        fn write_through<C: Console>(console: C) {
            console.line("b");
        }
        write_through(&buffer);
        assert_eq!(buffer.contents(), "ab\n");
    }
}

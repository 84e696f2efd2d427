//! The process's resident memory (RSS), before and at its peak.
//!
//! Linux keeps the peak resident set of a process (`VmHWM` in
//! `/proc/self/status`) and lets the process reset it to the current one
//! (writing `5` to `/proc/self/clear_refs`), so the peak of one run can be
//! read without a sampling thread. Elsewhere, or when the file cannot be
//! written, there is no number (`None`).
//!
//! Memory a previous run freed stays in the allocator and would make the
//! next run look lighter, so [`trim`] hands it back to the system first
//! (glibc's `malloc_trim`).

use std::fs;

/// The resident set when a run started, to compare with its peak.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Peak {
    before_kib: Option<u64>,
}

impl Peak {
    /// Resets the peak to now and notes the resident set.
    pub(crate) fn start() -> Self {
        let reset = fs::write("/proc/self/clear_refs", "5").is_ok();
        Self {
            before_kib: if reset { field("VmRSS:") } else { None },
        }
    }

    /// The peak since [`start`](Self::start) minus the resident set then.
    pub(crate) fn extra_kib(&self) -> Option<u64> {
        let before = self.before_kib?;
        Some(field("VmHWM:")?.saturating_sub(before))
    }
}

/// A `kB` line of `/proc/self/status`.
fn field(name: &str) -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with(name))?;
    line[name.len()..]
        .trim()
        .strip_suffix("kB")?
        .trim()
        .parse()
        .ok()
}

/// Gives memory the allocator keeps back to the system.
pub(crate) fn trim() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` has no preconditions; it only releases free
    // memory of the allocator's own heaps.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_big_allocation_shows_in_the_peak() {
        let peak = Peak::start();
        let Some(_) = peak.extra_kib() else {
            println!(
                "skipped: this system does not report a resettable peak RSS (/proc/self/clear_refs)"
            );
            return;
        };
        let mut block = vec![0u8; 64 << 20];
        // Touch every page so it is resident.
        for page in block.chunks_mut(4096) {
            page[0] = 1;
        }
        std::hint::black_box(&block);
        let extra = peak.extra_kib().unwrap();
        assert!(extra >= 60 << 10, "{extra} KiB");
        drop(block);
        trim();
    }
}

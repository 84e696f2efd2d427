//! The machine the user actually has: CPUs, cores, and any CPU quota.
//!
//! The note says "each processor has a number of cores" and "each core
//! runs one thread at a time". How many a program may *use* is another
//! number, and often a smaller one:
//!
//! - **logical CPUs** online: what the OS schedules on. With simultaneous
//!   multithreading (Intel's Hyper-Threading) one physical core shows up as
//!   two logical CPUs, which share the core's arithmetic units;
//! - **physical cores**: distinct (package, core) pairs, where the OS says
//!   (`/proc/cpuinfo`, or `/sys/devices/system/cpu/cpu*/topology`). In a
//!   virtual machine this is what the hypervisor chose to show;
//! - **allowed CPUs**: the CPUs this process may run on (its affinity mask:
//!   `taskset`, a container's cpuset);
//! - a **CPU quota**: a cgroup may limit the group to, say, 2 CPUs' worth
//!   of time per period while 16 CPUs are visible (Docker's `--cpus 2`,
//!   Kubernetes' CPU limits). Threads beyond the quota are not refused;
//!   they are throttled.
//!
//! [`std::thread::available_parallelism`] combines the last two: on Linux
//! it is the number of allowed CPUs, lowered to the quota rounded down (at
//! least 1). That is the number a pool should size itself by, and what
//! [`waiter::default_workers`] uses; [`Machine::expected_parallelism`]
//! recomputes it from what we read ourselves, so the report can say
//! whether the two agree.
//!
//! Every reader is split into a pure parser of the file's text (tested on
//! fixed samples) and the read itself. What cannot be read is `None`,
//! shown as "not available on this OS", never a zero.
//!
//! ```
//! use waiter_lab::cores::machine::{Quota, parse_cpu_list, parse_cpu_max};
//!
//! assert_eq!(parse_cpu_list("0-3,8-11"), Some(8));
//! assert_eq!(parse_cpu_max("max 100000"), Some(Quota::Unlimited));
//! let two = parse_cpu_max("200000 100000").unwrap();
//! assert_eq!(two.cpus(), Some(2.0));
//! ```

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Serialize;

/// A cgroup's CPU bandwidth limit.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Quota {
    /// A cgroup is there, and sets no limit.
    Unlimited,
    /// At most `quota_us` of CPU time per `period_us` of wall time, over
    /// all the group's threads.
    Limited {
        /// CPU time allowed per period, in microseconds.
        quota_us: u64,
        /// The period, in microseconds.
        period_us: u64,
    },
}

impl Quota {
    /// The limit in CPUs (1.5 = one and a half CPUs' worth of time), or
    /// `None` if unlimited.
    pub fn cpus(&self) -> Option<f64> {
        match *self {
            Quota::Unlimited => None,
            Quota::Limited {
                quota_us,
                period_us,
            } => Some(quota_us as f64 / period_us as f64),
        }
    }

    /// The limit as whole CPUs, rounded down but at least 1, as
    /// [`std::thread::available_parallelism`] counts it (`None` if
    /// unlimited).
    pub fn whole_cpus(&self) -> Option<usize> {
        match *self {
            Quota::Unlimited => None,
            Quota::Limited {
                quota_us,
                period_us,
            } => Some(
                usize::try_from(quota_us / period_us)
                    .unwrap_or(usize::MAX)
                    .max(1),
            ),
        }
    }

    /// The tighter of two limits.
    fn min(self, other: Quota) -> Quota {
        match (self.cpus(), other.cpus()) {
            (None, _) => other,
            (_, None) => self,
            (Some(a), Some(b)) if b < a => other,
            _ => self,
        }
    }
}

/// What the quota probe found, and where.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QuotaReading {
    /// The limit.
    pub quota: Quota,
    /// The file it was read from (the tightest one, if several limit).
    pub source: String,
}

/// What the machine and the OS say about CPUs, read once at the start.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Machine {
    /// The operating system (`linux`, `macos`, …).
    pub os: String,
    /// Logical CPUs online (`/sys/devices/system/cpu/online`, or the
    /// `processor` lines of `/proc/cpuinfo`).
    pub logical_cpus: Option<usize>,
    /// Physical cores: distinct (package, core) pairs.
    pub physical_cores: Option<usize>,
    /// Processor packages (sockets).
    pub packages: Option<usize>,
    /// Where the core count was read.
    pub cores_source: Option<String>,
    /// CPUs this thread may run on (`Cpus_allowed_list`).
    pub allowed_cpus: Option<usize>,
    /// The cgroup CPU quota; `None` if there is no cgroup to read.
    pub quota: Option<QuotaReading>,
    /// [`std::thread::available_parallelism`], `None` if it failed.
    pub available_parallelism: Option<usize>,
    /// [`waiter::default_workers`]: the pool's default size.
    pub pool_default: usize,
}

impl Machine {
    /// Reads everything now.
    pub fn probe() -> Self {
        let (physical_cores, packages, cores_source) = match read_cores() {
            Some((cores, packages, source)) => (Some(cores), Some(packages), Some(source)),
            None => (None, None, None),
        };
        Self {
            os: std::env::consts::OS.to_owned(),
            logical_cpus: read_logical_cpus(),
            physical_cores,
            packages,
            cores_source,
            allowed_cpus: read_allowed_cpus(),
            quota: read_quota(),
            available_parallelism: std::thread::available_parallelism().ok().map(usize::from),
            pool_default: waiter::default_workers(),
        }
    }

    /// The CPUs a pool can keep busy: `available_parallelism`, or 1.
    pub fn cpus(&self) -> usize {
        self.available_parallelism.unwrap_or(1)
    }

    /// What `available_parallelism` should be, recomputed from what we
    /// read: the allowed CPUs (or the online ones), lowered to the quota's
    /// whole CPUs. `None` if we could read neither CPU count.
    pub fn expected_parallelism(&self) -> Option<usize> {
        let cpus = self.allowed_cpus.or(self.logical_cpus)?;
        let quota = self
            .quota
            .as_ref()
            .and_then(|q| q.quota.whole_cpus())
            .unwrap_or(usize::MAX);
        Some(cpus.min(quota))
    }

    /// Logical CPUs per physical core, if both are known and it is more
    /// than one (SMT).
    pub fn smt(&self) -> Option<usize> {
        let (logical, cores) = (self.logical_cpus?, self.physical_cores?);
        (cores > 0 && logical > cores).then(|| logical.div_ceil(cores))
    }
}

/// Counts the CPUs in a Linux CPU list such as `0-3,8-11` or `0,2,4`
/// (`None` if the text is not one).
pub fn parse_cpu_list(text: &str) -> Option<usize> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let mut count = 0usize;
    for item in text.split(',') {
        let item = item.trim();
        let (first, last) = match item.split_once('-') {
            Some((a, b)) => (a.trim().parse::<usize>().ok()?, b.trim().parse().ok()?),
            None => {
                let one = item.parse::<usize>().ok()?;
                (one, one)
            }
        };
        if last < first {
            return None;
        }
        count = count.checked_add(last - first + 1)?;
    }
    Some(count)
}

/// The value of `field` in a `Key:\tvalue` file such as
/// `/proc/self/status`.
pub fn status_field<'a>(text: &'a str, field: &str) -> Option<&'a str> {
    text.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        (key.trim() == field).then(|| value.trim())
    })
}

/// Physical cores and packages in `/proc/cpuinfo`: distinct
/// (`physical id`, `core id`) pairs. `None` if the file has no such fields
/// (many ARM kernels leave them out).
pub fn parse_cpuinfo_cores(text: &str) -> Option<(usize, usize)> {
    let mut cores = BTreeSet::new();
    let mut packages = BTreeSet::new();
    // One blank-line-separated block per logical CPU.
    for block in text.split("\n\n") {
        let package = status_field(block, "physical id");
        let core = status_field(block, "core id");
        if let (Some(package), Some(core)) = (package, core) {
            packages.insert(package.to_owned());
            cores.insert((package.to_owned(), core.to_owned()));
        }
    }
    (!cores.is_empty()).then_some((cores.len(), packages.len()))
}

/// The `processor` lines of `/proc/cpuinfo`: logical CPUs.
pub fn parse_cpuinfo_processors(text: &str) -> Option<usize> {
    let count = text
        .lines()
        .filter(|line| {
            line.split(':')
                .next()
                .is_some_and(|k| k.trim() == "processor")
        })
        .count();
    (count > 0).then_some(count)
}

/// A cgroup v2 `cpu.max`: `max 100000` (no limit) or `200000 100000`
/// (quota and period, in microseconds).
pub fn parse_cpu_max(text: &str) -> Option<Quota> {
    let mut fields = text.split_whitespace();
    let quota = fields.next()?;
    let period: u64 = fields.next().map_or(Some(100_000), |p| p.parse().ok())?;
    if quota == "max" {
        return Some(Quota::Unlimited);
    }
    let quota_us: u64 = quota.parse().ok()?;
    (period > 0).then_some(Quota::Limited {
        quota_us,
        period_us: period,
    })
}

/// A cgroup v1 pair: `cpu.cfs_quota_us` (`-1` is no limit) and
/// `cpu.cfs_period_us`.
pub fn parse_cfs(quota: &str, period: &str) -> Option<Quota> {
    let quota: i64 = quota.trim().parse().ok()?;
    let period: u64 = period.trim().parse().ok()?;
    if quota < 0 {
        return Some(Quota::Unlimited);
    }
    (period > 0).then_some(Quota::Limited {
        quota_us: quota.unsigned_abs(),
        period_us: period,
    })
}

/// Where this process sits in the cgroup trees, from `/proc/self/cgroup`:
/// the v2 path (`0::/path`) and the v1 path of the `cpu` controller
/// (`N:cpu,cpuacct:/path`), each without its leading slash.
pub fn parse_proc_cgroup(text: &str) -> (Option<String>, Option<String>) {
    let (mut v2, mut v1) = (None, None);
    for line in text.lines() {
        let mut fields = line.splitn(3, ':');
        let (_, Some(controllers), Some(path)) = (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        let path = path.trim().trim_start_matches('/').to_owned();
        if controllers.is_empty() {
            v2 = Some(path);
        } else if controllers.split(',').any(|c| c == "cpu") {
            v1 = Some(path);
        }
    }
    (v2, v1)
}

fn read(path: impl AsRef<Path>) -> Option<String> {
    fs::read_to_string(path).ok()
}

fn read_logical_cpus() -> Option<usize> {
    read("/sys/devices/system/cpu/online")
        .and_then(|text| parse_cpu_list(&text))
        .or_else(|| read("/proc/cpuinfo").and_then(|text| parse_cpuinfo_processors(&text)))
}

fn read_allowed_cpus() -> Option<usize> {
    // The calling thread's mask, which is what `sched_getaffinity(0)` and
    // so `available_parallelism` see; the process's if the kernel is old.
    ["/proc/thread-self/status", "/proc/self/status"]
        .into_iter()
        .find_map(|path| {
            let text = read(path)?;
            parse_cpu_list(status_field(&text, "Cpus_allowed_list")?)
        })
}

fn read_cores() -> Option<(usize, usize, String)> {
    if let Some((cores, packages)) = read("/proc/cpuinfo").and_then(|t| parse_cpuinfo_cores(&t)) {
        return Some((cores, packages, "/proc/cpuinfo".to_owned()));
    }
    let mut cores = BTreeSet::new();
    let mut packages = BTreeSet::new();
    for entry in fs::read_dir("/sys/devices/system/cpu").ok()?.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let is_cpu = name
            .strip_prefix("cpu")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        if !is_cpu {
            continue;
        }
        let topology = entry.path().join("topology");
        let package = read(topology.join("physical_package_id"));
        let core = read(topology.join("core_id"));
        if let (Some(package), Some(core)) = (package, core) {
            packages.insert(package.trim().to_owned());
            cores.insert((package.trim().to_owned(), core.trim().to_owned()));
        }
    }
    (!cores.is_empty()).then(|| {
        (
            cores.len(),
            packages.len(),
            "/sys/devices/system/cpu/cpu*/topology".to_owned(),
        )
    })
}

/// The tightest quota on the way from this process's cgroup up to the
/// root: a parent's limit applies to its children too.
fn read_quota() -> Option<QuotaReading> {
    let (v2, v1) = parse_proc_cgroup(&read("/proc/self/cgroup")?);
    let mut found: Option<QuotaReading> = None;
    let mut consider = |quota: Quota, source: PathBuf| {
        let tighter = found.as_ref().is_none_or(|f| f.quota.min(quota) != f.quota);
        if tighter {
            found = Some(QuotaReading {
                quota,
                source: source.display().to_string(),
            });
        }
    };
    if let Some(path) = v1 {
        for mount in ["/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpu,cpuacct"] {
            let mut dir = Path::new(mount).join(&path);
            if !dir.exists() {
                continue;
            }
            loop {
                let quota = read(dir.join("cpu.cfs_quota_us"));
                let period = read(dir.join("cpu.cfs_period_us"));
                if let Some(q) = quota.zip(period).and_then(|(q, p)| parse_cfs(&q, &p)) {
                    consider(q, dir.join("cpu.cfs_quota_us"));
                }
                if dir == Path::new(mount) || !dir.pop() {
                    break;
                }
            }
            break;
        }
    }
    if let Some(path) = v2 {
        let root = Path::new("/sys/fs/cgroup");
        let mut dir = root.join(&path);
        while dir.starts_with(root) {
            if let Some(q) = read(dir.join("cpu.max")).and_then(|t| parse_cpu_max(&t)) {
                consider(q, dir.join("cpu.max"));
            }
            if !dir.pop() {
                break;
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    const CPUINFO: &str = "\
processor\t: 0
model name\t: Intel(R) Xeon(R) Processor
physical id\t: 0
core id\t\t: 0

processor\t: 1
physical id\t: 0
core id\t\t: 1

processor\t: 2
physical id\t: 0
core id\t\t: 0

processor\t: 3
physical id\t: 0
core id\t\t: 1
";

    #[test]
    fn cpu_lists_count_ranges_and_singles() {
        assert_eq!(parse_cpu_list("0-1"), Some(2));
        assert_eq!(parse_cpu_list("0-3,8-11\n"), Some(8));
        assert_eq!(parse_cpu_list("0,2,4"), Some(3));
        assert_eq!(parse_cpu_list("5"), Some(1));
        assert_eq!(parse_cpu_list(""), None);
        assert_eq!(parse_cpu_list("3-1"), None);
        assert_eq!(parse_cpu_list("a-b"), None);
    }

    #[test]
    fn status_fields_are_found_by_name() {
        let status = "Name:\twaiter\nCpus_allowed:\t3\nCpus_allowed_list:\t0-1\n";
        assert_eq!(status_field(status, "Cpus_allowed_list"), Some("0-1"));
        assert_eq!(status_field(status, "Cpus_allowed"), Some("3"));
        assert_eq!(status_field(status, "Missing"), None);
    }

    #[test]
    fn cpuinfo_counts_distinct_cores_not_hyperthreads() {
        // Four logical CPUs, two cores with two hardware threads each.
        assert_eq!(parse_cpuinfo_cores(CPUINFO), Some((2, 1)));
        assert_eq!(parse_cpuinfo_processors(CPUINFO), Some(4));
        // ARM kernels often have no core ids.
        let arm = "processor\t: 0\nBogoMIPS\t: 48.00\n\nprocessor\t: 1\nBogoMIPS\t: 48.00\n";
        assert_eq!(parse_cpuinfo_cores(arm), None);
        assert_eq!(parse_cpuinfo_processors(arm), Some(2));
        // Two sockets with the same core ids are four cores.
        let two_sockets = "physical id\t: 0\ncore id\t: 0\n\nphysical id\t: 0\ncore id\t: 1\n\n\
                           physical id\t: 1\ncore id\t: 0\n\nphysical id\t: 1\ncore id\t: 1\n";
        assert_eq!(parse_cpuinfo_cores(two_sockets), Some((4, 2)));
    }

    #[test]
    fn cgroup_v2_cpu_max() {
        assert_eq!(parse_cpu_max("max 100000\n"), Some(Quota::Unlimited));
        let quota = parse_cpu_max("150000 100000\n").unwrap();
        assert_eq!(quota.cpus(), Some(1.5));
        assert_eq!(quota.whole_cpus(), Some(1));
        assert_eq!(parse_cpu_max("50000 100000").unwrap().whole_cpus(), Some(1));
        assert_eq!(
            parse_cpu_max("200000 100000").unwrap().whole_cpus(),
            Some(2)
        );
        assert_eq!(parse_cpu_max("x 100000"), None);
        assert_eq!(parse_cpu_max("100 0"), None);
        assert_eq!(parse_cpu_max(""), None);
    }

    #[test]
    fn cgroup_v1_cfs_pair() {
        assert_eq!(parse_cfs("-1\n", "100000\n"), Some(Quota::Unlimited));
        assert_eq!(
            parse_cfs("200000", "100000"),
            Some(Quota::Limited {
                quota_us: 200_000,
                period_us: 100_000
            })
        );
        assert_eq!(parse_cfs("x", "100000"), None);
    }

    #[test]
    fn quotas_compare_by_cpus() {
        let two = Quota::Limited {
            quota_us: 200_000,
            period_us: 100_000,
        };
        let one = Quota::Limited {
            quota_us: 50_000,
            period_us: 50_000,
        };
        assert_eq!(two.min(one), one);
        assert_eq!(one.min(two), one);
        assert_eq!(Quota::Unlimited.min(two), two);
        assert_eq!(two.min(Quota::Unlimited), two);
        assert_eq!(Quota::Unlimited.whole_cpus(), None);
    }

    #[test]
    fn proc_cgroup_finds_both_trees() {
        let hybrid = "9:name=systemd:/\n4:memory:/box/1\n2:cpu,cpuacct:/box/1\n0::/user.slice\n";
        assert_eq!(
            parse_proc_cgroup(hybrid),
            (Some("user.slice".into()), Some("box/1".into()))
        );
        assert_eq!(parse_proc_cgroup("0::/\n"), (Some(String::new()), None));
        assert_eq!(parse_proc_cgroup(""), (None, None));
    }

    #[test]
    fn expected_parallelism_is_allowed_cpus_lowered_to_the_quota() {
        let mut machine = Machine {
            os: "linux".into(),
            logical_cpus: Some(16),
            physical_cores: Some(8),
            packages: Some(1),
            cores_source: None,
            allowed_cpus: Some(16),
            quota: Some(QuotaReading {
                quota: Quota::Limited {
                    quota_us: 250_000,
                    period_us: 100_000,
                },
                source: "cpu.max".into(),
            }),
            available_parallelism: Some(2),
            pool_default: 2,
        };
        assert_eq!(machine.expected_parallelism(), Some(2));
        assert_eq!(machine.smt(), Some(2));
        machine.quota = None;
        assert_eq!(machine.expected_parallelism(), Some(16));
        machine.allowed_cpus = None;
        machine.logical_cpus = None;
        assert_eq!(machine.expected_parallelism(), None);
    }

    #[test]
    fn the_probe_agrees_with_the_standard_library_here() {
        let machine = Machine::probe();
        assert!(machine.cpus() >= 1);
        assert_eq!(machine.pool_default, machine.cpus());
        if cfg!(target_os = "linux") {
            assert!(machine.logical_cpus.is_some());
            assert_eq!(
                machine.expected_parallelism(),
                machine.available_parallelism
            );
        }
    }
}

//! Linux: `/proc`, `/sys/fs/cgroup`, `getrlimit` and `PR_SET_PDEATHSIG`.

use nix::sys::resource::{RLIM_INFINITY, Resource, getrlimit};

use super::ThreadLimit;
use super::unix;

pub use super::unix::{
    THREAD_REFUSED, host_name, on_stop_request, process_cpu_time, stop_request_name,
    thread_cpu_time,
};

/// This platform's name in the reports.
pub const NAME: &str = "Linux";

/// Linux gives `ru_maxrss` in KiB.
pub fn max_rss_bytes() -> u64 {
    unix::max_rss_raw() * 1024
}

/// The least of `MemAvailable` and what the cgroup's `memory.max` leaves.
pub fn available_memory() -> Option<u64> {
    let meminfo = read("/proc/meminfo").and_then(|text| {
        text.lines()
            .find_map(|line| line.strip_prefix("MemAvailable:"))
            .and_then(kib)
    });
    let cgroup = read("/sys/fs/cgroup/memory.max")
        .and_then(|max| max.trim().parse::<u64>().ok())
        .map(|max| {
            let current = read("/sys/fs/cgroup/memory.current")
                .and_then(|c| c.trim().parse::<u64>().ok())
                .unwrap_or(0);
            max.saturating_sub(current)
        });
    [meminfo, cgroup].into_iter().flatten().min()
}

/// `RLIMIT_AS` less the address space in use (`VmSize`), with one thread arena
/// counted in it.
pub fn address_space_left() -> Option<u64> {
    let (soft, _hard) = getrlimit(Resource::RLIMIT_AS).ok()?;
    if soft == RLIM_INFINITY {
        return None;
    }
    let used = read("/proc/self/status")
        .and_then(|text| {
            text.lines()
                .find_map(|line| line.strip_prefix("VmSize:"))
                .and_then(kib)
        })
        .unwrap_or(0);
    let used = if used < super::ARENA_BYTES {
        used + super::ARENA_BYTES
    } else {
        used
    };
    Some(soft.saturating_sub(used))
}

/// See [`super::thread_limits`].
pub fn thread_limits() -> Vec<ThreadLimit> {
    let number = |path: &str| read(path).and_then(|text| text.trim().parse::<u64>().ok());
    // The fourth field of /proc/loadavg: runnable/total scheduling entities.
    let in_use = read("/proc/loadavg").and_then(|text| {
        let field = text.split_whitespace().nth(3)?;
        field.split_once('/')?.1.parse::<u64>().ok()
    });
    let mut limits = Vec::new();
    let mut system = |max: Option<u64>, name: &str| {
        if let (Some(max), Some(in_use)) = (max, in_use) {
            limits.push(ThreadLimit {
                room: max.saturating_sub(in_use),
                what: format!("{name} is {max} and {in_use} are in use"),
            });
        }
    };
    system(number("/proc/sys/kernel/pid_max"), "kernel.pid_max");
    system(number("/proc/sys/kernel/threads-max"), "kernel.threads-max");
    if !nix::unistd::geteuid().is_root()
        && let Ok((soft, _)) = getrlimit(Resource::RLIMIT_NPROC)
        && soft != RLIM_INFINITY
    {
        system(Some(soft), "ulimit -u");
    }
    if let (Some(max), Some(current)) = (
        number("/sys/fs/cgroup/pids.max"),
        number("/sys/fs/cgroup/pids.current"),
    ) {
        limits.push(ThreadLimit {
            room: max.saturating_sub(current),
            what: format!("the cgroup's pids.max is {max} and {current} are in use"),
        });
    }
    if let (Some(max), Some(maps)) = (number("/proc/sys/vm/max_map_count"), maps_in_use()) {
        let per_thread = maps_per_thread();
        // The allocator's arenas to come take maps of their own, a few per core.
        let reserve = ARENA_MAPS * super::arenas_most();
        limits.push(ThreadLimit {
            room: max.saturating_sub(maps + reserve) / per_thread,
            what: format!(
                "vm.max_map_count is {max}, a thread takes {per_thread} maps and this \
                 process has {maps}"
            ),
        });
    }
    limits
}

/// The memory maps a thread takes by what the standard library sets up for
/// it: its stack and the guard page below it (glibc's `pthread_create`), and
/// the alternate signal stack and its guard page that Rust's runtime maps for
/// every thread it starts, to report a stack overflow.
pub const MAPS_PER_THREAD_SET_UP: u64 = 4;

/// The maps an arena of the allocator takes: the heap it has reserved, and
/// the part of it in use.
const ARENA_MAPS: u64 = 2;

/// The memory maps one more thread takes: what the standard library sets up
/// for it ([`MAPS_PER_THREAD_SET_UP`]). It is not measured at each run: the
/// threads a measurement starts would each take an arena of the allocator,
/// which stays, and under `ulimit -v` eats the address space the run needs.
/// The tests measure it (`measure_maps_per_thread`) and check that no thread
/// takes more.
pub fn maps_per_thread() -> u64 {
    MAPS_PER_THREAD_SET_UP
}

/// Starts threads as the pipelines start theirs (the standard library's
/// defaults) and counts this process's maps while they live: first as many as
/// the allocator gives arenas to ([`super::arenas_most`]), so that every arena
/// it will make is made, then `MEASURED_THREADS` more, whose maps are the
/// ones every further thread takes; gives them per thread, rounded up.
#[cfg(test)]
fn measure_maps_per_thread() -> Option<u64> {
    use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
    const MEASURED_THREADS: u64 = 4;
    let started = AtomicU64::new(0);
    // Held here while the maps are counted; each thread then waits to read it.
    let gate = std::sync::RwLock::new(());
    std::thread::scope(|scope| {
        let closed = gate
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (started, gate) = (&started, &gate);
        let mut spawned = 0;
        let mut start = |threads: u64| {
            for _ in 0..threads {
                let thread = std::thread::Builder::new().spawn_scoped(scope, move || {
                    started.fetch_add(1, SeqCst);
                    drop(gate.read());
                });
                if thread.is_err() {
                    return false;
                }
                spawned += 1;
            }
            while started.load(SeqCst) < spawned {
                std::thread::yield_now();
            }
            true
        };
        let measured = (|| {
            if !start(super::arenas_most()) {
                return None;
            }
            let before = maps_in_use()?;
            if !start(MEASURED_THREADS) {
                return None;
            }
            let added = maps_in_use()?.checked_sub(before)?;
            Some(added.div_ceil(MEASURED_THREADS))
        })();
        drop(closed);
        measured
    })
}

/// How many memory maps this process has: the lines of `/proc/self/maps`.
fn maps_in_use() -> Option<u64> {
    read("/proc/self/maps").map(|text| text.lines().count() as u64)
}

/// The first `model name` of `/proc/cpuinfo`.
pub fn cpu_model() -> Option<String> {
    read("/proc/cpuinfo")?
        .lines()
        .find_map(|line| line.strip_prefix("model name"))
        .and_then(|rest| rest.split_once(':'))
        .map(|(_, model)| model.trim().to_string())
}

/// `/etc/os-release`'s name and the kernel's release.
pub fn os_description() -> String {
    let distro = read("/etc/os-release")
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix("PRETTY_NAME="))
        .map(|name| name.trim_matches('"').to_string())
        .unwrap_or_else(|| NAME.to_string());
    let kernel = read("/proc/sys/kernel/osrelease").unwrap_or_default();
    match kernel.trim() {
        "" => distro,
        kernel => format!("{distro}, Linux {kernel}"),
    }
}

/// Whether fd 1 is `/dev/null` opened for reading and writing: what the standard
/// library puts in the place of a closed stdout (a shell's `> /dev/null` opens it
/// for writing only).
pub fn stdout_is_closed() -> bool {
    let target = std::fs::read_link("/proc/self/fd/1");
    let flags = std::fs::read_to_string("/proc/self/fdinfo/1");
    let (Ok(target), Ok(flags)) = (target, flags) else {
        return false;
    };
    let read_write = flags
        .lines()
        .find_map(|line| line.strip_prefix("flags:"))
        .and_then(|octal| u32::from_str_radix(octal.trim(), 8).ok())
        .is_some_and(|flags| flags & 0o3 == 0o2);
    target == std::path::Path::new("/dev/null") && read_write
}

fn read(path: &str) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

/// `  123 kB` as bytes.
fn kib(rest: &str) -> Option<u64> {
    let number = rest.trim().trim_end_matches("kB").trim();
    number.parse::<u64>().ok().map(|kib| kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The old Linux paths still answer here: every limit `/proc` gives, the
    /// kernel's memory figure, the CPU's name.
    #[test]
    fn proc_answers() {
        let limits = thread_limits();
        for name in ["kernel.pid_max", "kernel.threads-max", "vm.max_map_count"] {
            assert!(
                limits.iter().any(|limit| limit.what.starts_with(name)),
                "{name} in {limits:?}"
            );
        }
        assert!(available_memory().is_some_and(|bytes| bytes > 0));
        assert!(cpu_model().is_some_and(|model| !model.is_empty()));
        assert!(os_description().contains(", Linux "));
    }

    /// What a thread takes, measured, is no more than the check counts.
    #[test]
    fn a_thread_takes_no_more_maps_than_counted() {
        let measured = measure_maps_per_thread().expect("threads start here");
        assert!(
            (1..=maps_per_thread()).contains(&measured),
            "a thread takes {measured} maps, the check counts {}",
            maps_per_thread()
        );
        let limit = thread_limits()
            .into_iter()
            .find(|limit| limit.what.starts_with("vm.max_map_count"))
            .expect("vm.max_map_count is read");
        assert!(limit.what.contains("a thread takes 4 maps"), "{limit:?}");
    }

    #[test]
    fn kib_becomes_bytes() {
        assert_eq!(kib("   2048 kB"), Some(2 << 20));
        assert_eq!(kib("x kB"), None);
    }
}

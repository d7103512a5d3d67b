//! What the operating system is asked, in one place: each question has one
//! function here, and one implementation per platform beside it, chosen with
//! `cfg`. The rest of the workspace calls these functions and nothing of the
//! platforms' own.
//!
//! | question | Linux | macOS | Windows |
//! |---|---|---|---|
//! | a thread's CPU time | `clock_gettime(CLOCK_THREAD_CPUTIME_ID)` | the same | `GetThreadTimes` |
//! | the process's CPU time | `getrusage(RUSAGE_SELF)` | the same | `GetProcessTimes` |
//! | the process's peak memory | `ru_maxrss`, in KiB | `ru_maxrss`, in bytes | `PeakWorkingSetSize` |
//! | the memory available | `/proc/meminfo`'s `MemAvailable`, the cgroup's `memory.max` | `sysinfo` | `sysinfo` |
//! | what `ulimit -v` leaves | `RLIMIT_AS` less `VmSize` | not measured | not measured |
//! | the limits on threads | `kernel.pid_max`, `kernel.threads-max`, `ulimit -u`, the cgroup's `pids.max`, `vm.max_map_count` | `kern.num_taskthreads` | none |
//! | the CPU, the OS, the host | `/proc/cpuinfo`, `/etc/os-release`, `uname` | `sysinfo` | `sysinfo` |
//! | a stop request | SIGINT, SIGTERM (`signal-hook`) | the same | Ctrl-C, Ctrl-Break, the console closed (`ctrlc`) |
//! | a child that dies with its parent | `PR_SET_PDEATHSIG` | a pipe from the parent, read to its end | the same pipe |
//!
//! A figure a platform cannot give is `None` here, and "not measured on this
//! platform" where it is shown: never 0, never a guess.

use std::io;
use std::time::Duration;

#[cfg(unix)]
mod unix;
#[cfg(not(target_os = "linux"))]
mod via_sysinfo;

#[cfg(target_os = "linux")]
#[path = "platform/linux.rs"]
mod os;
#[cfg(target_os = "macos")]
#[path = "platform/macos.rs"]
mod os;
#[cfg(windows)]
#[path = "platform/windows.rs"]
mod os;

#[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
compile_error!("pipeline-lab runs on Linux, macOS and Windows");

pub mod child;

/// The name of this platform as the reports say it: `Linux`, `macOS` or `Windows`.
pub const NAME: &str = os::NAME;

/// The CPU time the calling thread has used so far.
pub fn thread_cpu_time() -> Duration {
    os::thread_cpu_time()
}

/// The CPU time (user + system) the whole process has used so far.
pub fn process_cpu_time() -> Duration {
    os::process_cpu_time()
}

/// The process's peak resident set size so far, in bytes on every platform
/// (Linux's `ru_maxrss` is in KiB, macOS's in bytes, Windows calls it the peak
/// working set).
pub fn max_rss_bytes() -> u64 {
    os::max_rss_bytes()
}

/// The machine's memory this process may still use, in bytes: on Linux the
/// least of the kernel's estimate of available memory and what the cgroup's
/// limit leaves. `None` when it cannot be read.
pub fn available_memory() -> Option<u64> {
    os::available_memory()
}

/// What the address-space limit (`ulimit -v`) leaves this process, with at
/// least one thread arena of the allocator counted in it ([`ARENA_BYTES`]).
/// `None` without a limit, or where the platform does not enforce one (macOS
/// ignores `RLIMIT_AS`; Windows has none).
pub fn address_space_left() -> Option<u64> {
    os::address_space_left()
}

/// The address space the allocator reserves for the threads' own heaps: glibc
/// gives a thread an arena of 64 MiB of address space (it falls back to a shared
/// one when the limit leaves no room for another, so one is counted).
pub const ARENA_BYTES: u64 = 64 << 20;

/// The most arenas the allocator gives the threads of this process: glibc's
/// default on 64-bit machines, eight per core. Every thread up to that many may
/// get an arena of its own ([`ARENA_BYTES`] of address space, and memory maps).
pub fn arenas_most() -> u64 {
    8 * std::thread::available_parallelism().map_or(1, |n| n.get() as u64)
}

/// One of the operating system's limits on threads: how many more it leaves this
/// process, and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadLimit {
    /// How many more threads it lets this process start.
    pub room: u64,
    /// The limit and what already counts against it: `kernel.pid_max is 32768 and
    /// 78 are in use`.
    pub what: String,
}

/// The limits this machine puts on the threads this process may still start, as
/// far as they can be read:
///
/// - Linux: every thread takes a process id (`kernel.pid_max`), a task of the
///   kernel's (`kernel.threads-max`), a slot in the cgroup's `pids.max` and, but
///   for root, in `ulimit -u`; and it takes memory maps of `vm.max_map_count`:
///   its stack and guard page, and the signal stack and guard page Rust's
///   runtime gives it, four in all ([`maps_per_thread`]).
/// - macOS: a task has at most `kern.num_taskthreads` threads. (`ulimit -u` and
///   `kern.maxprocperuid` count processes there, not threads.)
/// - Windows: none that can be read; a thread takes address space and commit
///   charge, which the memory check counts.
pub fn thread_limits() -> Vec<ThreadLimit> {
    os::thread_limits()
}

/// The memory maps one more thread takes (Linux, where `vm.max_map_count`
/// limits them): the four the standard library sets up, which Linux's tests
/// measure. `None` where maps are not limited.
pub fn maps_per_thread() -> Option<u64> {
    #[cfg(target_os = "linux")]
    return Some(os::maps_per_thread());
    #[cfg(not(target_os = "linux"))]
    None
}

/// The CPU's model name, if the platform says it.
pub fn cpu_model() -> Option<String> {
    os::cpu_model()
}

/// The operating system, its version and kernel: `Debian GNU/Linux 12
/// (bookworm), Linux 6.1.0`, `macOS 15.1, Darwin 24.1.0`, `Windows 11 (26100)`.
pub fn os_description() -> String {
    os::os_description()
}

/// This machine's host name (`localhost` when it has none).
pub fn host_name() -> String {
    os::host_name()
        .map(|name| name.trim().to_string())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

/// Whether stdout was closed (`>&-`) when the process started. Only Linux can
/// tell (from `/proc/self/fd/1`, where the standard library has opened
/// `/dev/null` for reading and writing); elsewhere `false`.
pub fn stdout_is_closed() -> bool {
    os::stdout_is_closed()
}

/// A request from outside to stop: Ctrl-C (SIGINT), or SIGTERM on Unix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopRequest {
    /// Ctrl-C at the terminal (SIGINT on Unix; Ctrl-C, Ctrl-Break or the console
    /// closing on Windows).
    Interrupt,
    /// SIGTERM (Unix), or the parent of a stage process asking it to stop.
    Terminate,
}

impl StopRequest {
    /// Its number as a Unix signal: 2 or 15, whatever the platform, for the exit
    /// code a shell expects (128 + the number).
    pub fn number(self) -> i32 {
        match self {
            StopRequest::Interrupt => 2,
            StopRequest::Terminate => 15,
        }
    }

    /// The request for a Unix signal number, if it is one of the two.
    pub fn from_number(number: i32) -> Option<StopRequest> {
        match number {
            2 => Some(StopRequest::Interrupt),
            15 => Some(StopRequest::Terminate),
            _ => None,
        }
    }

    /// Its name as the user knows it on this platform: `SIGINT`, `SIGTERM`,
    /// `Ctrl-C`.
    pub fn name(self) -> &'static str {
        os::stop_request_name(self)
    }
}

/// Calls `handler`, on a thread of its own, for every stop request from now on.
///
/// On Unix a second signal (SIGINT or SIGTERM) ends the process at once with
/// 128 + its number, in the signal handler itself: no thread has to be
/// scheduled for it among thousands that are runnable, no lock is taken, no
/// output flushed. (On Windows the system runs the handler on a thread of its
/// own; the handler ends the process itself.)
pub fn on_stop_request(handler: impl FnMut(StopRequest) + Send + 'static) -> io::Result<()> {
    os::on_stop_request(handler)
}

/// Ends the process at once with `code`, running no exit handler and
/// allocating nothing (for a process that cannot go on: memory refused).
pub fn exit_at_once(code: i32) -> ! {
    // SAFETY: `_exit` ends the process at once; nothing runs after it, so no
    // invariant of this program can be seen broken.
    unsafe { libc::_exit(code) }
}

/// The error a thread's start gets when the operating system refuses it:
/// `EAGAIN` on Unix, `ERROR_NOT_ENOUGH_MEMORY` on Windows.
pub fn thread_refused_error() -> io::Error {
    io::Error::from_raw_os_error(os::THREAD_REFUSED)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn burn(rounds: u64) -> u64 {
        let mut x = 0u64;
        for i in 0..rounds {
            x = std::hint::black_box(x.wrapping_add(i));
        }
        x
    }

    #[test]
    fn clocks_move_forward() {
        let (process, thread) = (process_cpu_time(), thread_cpu_time());
        let x = burn(50_000_000);
        assert!(process_cpu_time() > process, "{x}");
        assert!(thread_cpu_time() > thread, "{x}");
        assert!(max_rss_bytes() > 0);
    }

    /// A thread's CPU clock counts that thread only: a new thread starts near
    /// zero however long this one has run.
    #[test]
    fn a_thread_clock_is_the_thread_own() {
        burn(50_000_000);
        let here = thread_cpu_time();
        let there = std::thread::spawn(thread_cpu_time).join().unwrap();
        assert!(there < here, "{there:?} vs {here:?}");
    }

    /// The peak is in bytes on every platform: touching 64 MiB more than the
    /// process ever held raises it by at least 64 MiB (a KiB figure taken for
    /// bytes would rise by 64 KiB; a byte figure taken for KiB by 64 GiB).
    #[test]
    fn the_peak_memory_is_in_bytes() {
        const TOUCHED: usize = 64 << 20;
        // Past the peak so far, so that the new pages raise it.
        let before = max_rss_bytes();
        let mut block = vec![0u8; before as usize + TOUCHED];
        for page in block.chunks_mut(4096) {
            page[0] = 1;
        }
        std::hint::black_box(&block);
        let after = max_rss_bytes();
        assert!(
            after >= before + TOUCHED as u64,
            "peak {before} then {after} after touching {} more bytes",
            block.len()
        );
        assert!(
            after < before + 64 * TOUCHED as u64,
            "{before} then {after}"
        );
    }

    #[test]
    fn this_machine_has_some_memory_and_a_name() {
        assert!(available_memory().is_some_and(|bytes| bytes > 0));
        assert!(!os_description().is_empty());
        assert!(!host_name().is_empty());
    }

    #[test]
    fn stop_requests_have_the_unix_numbers() {
        for request in [StopRequest::Interrupt, StopRequest::Terminate] {
            assert_eq!(StopRequest::from_number(request.number()), Some(request));
        }
        assert_eq!(StopRequest::Interrupt.number() + 128, 130);
        assert_eq!(StopRequest::from_number(9), None);
    }

    #[test]
    fn a_refused_thread_has_a_reason() {
        let error = thread_refused_error();
        assert!(error.raw_os_error().is_some());
        assert!(!error.to_string().is_empty());
    }
}

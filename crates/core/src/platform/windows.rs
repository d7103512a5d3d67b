//! Windows: `GetThreadTimes`, `GetProcessTimes` and the peak working set from
//! the Win32 API (`windows-sys`); `sysinfo` for the memory available, the CPU
//! and the OS; `ctrlc` for Ctrl-C, Ctrl-Break and the console closing.

use std::io;
use std::time::Duration;

use windows_sys::Win32::Foundation::FILETIME;
use windows_sys::Win32::System::ProcessStatus::{K32GetProcessMemoryInfo, PROCESS_MEMORY_COUNTERS};
use windows_sys::Win32::System::Threading::{
    GetCurrentProcess, GetCurrentThread, GetProcessTimes, GetThreadTimes,
};

pub use super::via_sysinfo::{available_memory, cpu_model};
use super::{StopRequest, ThreadLimit};

/// This platform's name in the reports.
pub const NAME: &str = "Windows";

/// `ERROR_NOT_ENOUGH_MEMORY`: what `CreateThread` says when it cannot have a
/// thread's stack.
pub const THREAD_REFUSED: i32 = 8;

/// A `FILETIME` span (100 ns ticks) as a duration.
fn ticks(time: FILETIME) -> Duration {
    let ticks = (u64::from(time.dwHighDateTime) << 32) | u64::from(time.dwLowDateTime);
    Duration::from_nanos(ticks.saturating_mul(100))
}

const ZERO: FILETIME = FILETIME {
    dwLowDateTime: 0,
    dwHighDateTime: 0,
};

/// `GetThreadTimes`'s kernel and user time of the calling thread.
pub fn thread_cpu_time() -> Duration {
    let (mut created, mut exited, mut kernel, mut user) = (ZERO, ZERO, ZERO, ZERO);
    // SAFETY: the pseudo-handle of the current thread is always valid, and the
    // four out-pointers point to writable FILETIMEs.
    let ok = unsafe {
        GetThreadTimes(
            GetCurrentThread(),
            &mut created,
            &mut exited,
            &mut kernel,
            &mut user,
        )
    };
    assert!(ok != 0, "GetThreadTimes: {}", io::Error::last_os_error());
    ticks(kernel) + ticks(user)
}

/// `GetProcessTimes`'s kernel and user time of the whole process.
pub fn process_cpu_time() -> Duration {
    let (mut created, mut exited, mut kernel, mut user) = (ZERO, ZERO, ZERO, ZERO);
    // SAFETY: the pseudo-handle of the current process is always valid, and the
    // four out-pointers point to writable FILETIMEs.
    let ok = unsafe {
        GetProcessTimes(
            GetCurrentProcess(),
            &mut created,
            &mut exited,
            &mut kernel,
            &mut user,
        )
    };
    assert!(ok != 0, "GetProcessTimes: {}", io::Error::last_os_error());
    ticks(kernel) + ticks(user)
}

/// The peak working set, in bytes.
pub fn max_rss_bytes() -> u64 {
    // SAFETY: the struct is plain data, valid when zeroed.
    let mut counters: PROCESS_MEMORY_COUNTERS = unsafe { std::mem::zeroed() };
    let size = std::mem::size_of::<PROCESS_MEMORY_COUNTERS>() as u32;
    counters.cb = size;
    // SAFETY: `counters` is writable for `size` bytes, which the call is told.
    let ok = unsafe { K32GetProcessMemoryInfo(GetCurrentProcess(), &mut counters, size) };
    assert!(
        ok != 0,
        "GetProcessMemoryInfo: {}",
        io::Error::last_os_error()
    );
    counters.PeakWorkingSetSize as u64
}

/// Windows has no address-space limit to leave.
pub fn address_space_left() -> Option<u64> {
    None
}

/// No limit on threads that can be read: a thread takes address space and
/// commit charge, which the memory check counts.
pub fn thread_limits() -> Vec<ThreadLimit> {
    Vec::new()
}

/// `Windows 11 Pro (26100)`.
pub fn os_description() -> String {
    let os = sysinfo::System::long_os_version().unwrap_or_else(|| NAME.to_string());
    match sysinfo::System::kernel_version() {
        Some(build) if !os.contains(&build) => format!("{os} ({build})"),
        _ => os,
    }
}

/// The computer's name.
pub fn host_name() -> Option<String> {
    sysinfo::System::host_name()
}

/// Only Linux can tell: `false`.
pub fn stdout_is_closed() -> bool {
    false
}

/// Every request is the console's Ctrl-C (or Ctrl-Break, or its closing).
pub fn stop_request_name(request: StopRequest) -> &'static str {
    match request {
        StopRequest::Interrupt => "Ctrl-C",
        StopRequest::Terminate => "a stop request",
    }
}

/// Catches Ctrl-C, Ctrl-Break and the console's closing from now on: `ctrlc`
/// calls the handler on a thread of its own.
pub fn on_stop_request(mut handler: impl FnMut(StopRequest) + Send + 'static) -> io::Result<()> {
    ctrlc::set_handler(move || handler(StopRequest::Interrupt)).map_err(|error| match error {
        ctrlc::Error::System(error) => error,
        other => io::Error::other(other.to_string()),
    })
}

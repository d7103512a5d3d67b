//! macOS: what it shares with Linux (`getrusage`, the CPU clocks, the signals),
//! `sysctl` for the thread limit, `proc_pidinfo` for the threads in use, and
//! `sysinfo` for the memory available, the CPU and the OS.

use std::ffi::CStr;

use super::ThreadLimit;
use super::unix;

pub use super::unix::{
    THREAD_REFUSED, host_name, on_stop_request, process_cpu_time, stop_request_name,
    thread_cpu_time,
};
pub use super::via_sysinfo::{available_memory, cpu_model};

/// This platform's name in the reports.
pub const NAME: &str = "macOS";

/// macOS gives `ru_maxrss` in bytes (Linux in KiB: the classic trap).
pub fn max_rss_bytes() -> u64 {
    unix::max_rss_raw()
}

/// macOS does not enforce `RLIMIT_AS`: nothing to leave.
pub fn address_space_left() -> Option<u64> {
    None
}

/// `kern.num_taskthreads`, the most threads a task may have, less the threads
/// this process has.
pub fn thread_limits() -> Vec<ThreadLimit> {
    let (Some(max), Some(in_use)) = (sysctl_u64(c"kern.num_taskthreads"), threads_in_use()) else {
        return Vec::new();
    };
    vec![ThreadLimit {
        room: max.saturating_sub(in_use),
        what: format!("kern.num_taskthreads is {max} and this process has {in_use}"),
    }]
}

/// A numeric `sysctl` by name (an `int` or a 64-bit value).
fn sysctl_u64(name: &CStr) -> Option<u64> {
    let mut value = [0u8; 8];
    let mut size = value.len();
    // SAFETY: `name` is NUL-terminated; `value` is writable for `size` bytes, and
    // `size` tells the kernel so; no new value is set (null, 0).
    let status = unsafe {
        libc::sysctlbyname(
            name.as_ptr(),
            value.as_mut_ptr().cast(),
            &mut size,
            std::ptr::null_mut(),
            0,
        )
    };
    match (status, size) {
        (0, 4) => Some(u64::from(u32::from_ne_bytes(value[..4].try_into().ok()?))),
        (0, 8) => Some(u64::from_ne_bytes(value)),
        _ => None,
    }
}

/// The threads of this process, from `proc_pidinfo(PROC_PIDTASKINFO)`.
fn threads_in_use() -> Option<u64> {
    // SAFETY: `proc_taskinfo` is plain data, valid when zeroed.
    let mut info: libc::proc_taskinfo = unsafe { std::mem::zeroed() };
    let size = std::mem::size_of::<libc::proc_taskinfo>() as libc::c_int;
    // SAFETY: `info` is writable for `size` bytes, which the call is told.
    let written = unsafe {
        libc::proc_pidinfo(
            std::process::id() as libc::c_int,
            libc::PROC_PIDTASKINFO,
            0,
            (&mut info as *mut libc::proc_taskinfo).cast(),
            size,
        )
    };
    (written == size).then(|| u64::try_from(info.pti_threadnum).unwrap_or(0))
}

/// `macOS 15.1 Sequoia, Darwin 24.1.0`.
pub fn os_description() -> String {
    let os = sysinfo::System::long_os_version().unwrap_or_else(|| NAME.to_string());
    match sysinfo::System::kernel_version() {
        Some(kernel) => format!("{os}, Darwin {kernel}"),
        None => os,
    }
}

/// Only Linux can tell: `false`.
pub fn stdout_is_closed() -> bool {
    false
}

//! What Linux and macOS answer the same way: the CPU clocks, `getrusage`, the
//! stop signals and the signals sent to a child.

use std::io;
use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
use std::time::Duration;

use nix::sys::resource::{Usage, UsageWho, getrusage};
use nix::sys::time::TimeVal;
use nix::time::ClockId;
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use super::StopRequest;

/// `EAGAIN`: what `pthread_create` says when the system refuses a thread.
pub const THREAD_REFUSED: i32 = libc::EAGAIN;

// ANCHOR: thread_cpu_time
/// The CPU time the calling thread has used so far.
pub fn thread_cpu_time() -> Duration {
    let clock = ClockId::CLOCK_THREAD_CPUTIME_ID;
    let now = clock.now().expect("the thread's CPU clock is readable");
    Duration::from(now)
}
// ANCHOR_END: thread_cpu_time

// ANCHOR: process_cpu_time
/// The CPU time (user + system) the whole process has used so far.
pub fn process_cpu_time() -> Duration {
    let usage = usage();
    duration(usage.user_time()) + duration(usage.system_time())
}
// ANCHOR_END: process_cpu_time

/// `ru_maxrss` as the kernel gives it: KiB on Linux, bytes on macOS.
pub fn max_rss_raw() -> u64 {
    usage().max_rss() as u64
}

/// What the process has used so far, as `getrusage(RUSAGE_SELF)` tells it.
fn usage() -> Usage {
    getrusage(UsageWho::RUSAGE_SELF).expect("getrusage(RUSAGE_SELF) cannot fail")
}

fn duration(time: TimeVal) -> Duration {
    let micros = time.tv_usec() as u32;
    Duration::new(time.tv_sec() as u64, micros * 1000)
}

/// The host name, as `gethostname(2)` gives it.
pub fn host_name() -> Option<String> {
    nix::unistd::gethostname()
        .ok()
        .map(|name| name.to_string_lossy().into_owned())
}

/// SIGINT and SIGTERM by their names.
pub fn stop_request_name(request: StopRequest) -> &'static str {
    match request {
        StopRequest::Interrupt => "SIGINT",
        StopRequest::Terminate => "SIGTERM",
    }
}

/// How many stop signals this process has been sent.
static REQUESTS: AtomicU32 = AtomicU32::new(0);

/// Catches SIGINT and SIGTERM from now on, in a thread of their own; a second
/// one ends the process in the signal handler itself.
pub fn on_stop_request(mut handler: impl FnMut(StopRequest) + Send + 'static) -> io::Result<()> {
    for signal in [SIGINT, SIGTERM] {
        // SAFETY: the action is async-signal-safe: an atomic add, then `_exit`,
        // which takes no lock, allocates nothing and runs no exit handler.
        unsafe {
            signal_hook::low_level::register(signal, move || {
                if REQUESTS.fetch_add(1, SeqCst) >= 1 {
                    libc::_exit(128 + signal);
                }
            })?;
        }
    }
    let mut signals = Signals::new([SIGINT, SIGTERM])?;
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            for signal in signals.forever() {
                if let Some(request) = StopRequest::from_number(signal) {
                    handler(request);
                }
            }
        })?;
    Ok(())
}

/// Sends `signal` to the process `pid`, if it is still ours to signal.
pub fn signal(pid: u32, signal: nix::sys::signal::Signal) {
    if let Ok(pid) = i32::try_from(pid) {
        let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), signal);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn microseconds_become_nanoseconds() {
        let time = TimeVal::new(2, 500_001);
        assert_eq!(duration(time), Duration::new(2, 500_001_000));
    }
}

//! What the operating system measures for us: the CPU time of a thread and of
//! the whole process, and the process's peak resident memory.
//!
//! The calls go through `nix`, which wraps `clock_gettime` and `getrusage`
//! safely: no `unsafe` here.

use std::time::Duration;

use nix::sys::resource::{Usage, UsageWho, getrusage};
use nix::sys::time::TimeVal;
use nix::time::ClockId;

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

/// The process's peak resident set size so far, in bytes.
pub fn max_rss_bytes() -> u64 {
    // Linux reports it in KiB.
    usage().max_rss() as u64 * 1024
}

/// What the process has used so far, as `getrusage(RUSAGE_SELF)` tells it.
fn usage() -> Usage {
    getrusage(UsageWho::RUSAGE_SELF).expect("getrusage(RUSAGE_SELF) cannot fail")
}

fn duration(time: TimeVal) -> Duration {
    let micros = time.tv_usec() as u32;
    Duration::new(time.tv_sec() as u64, micros * 1000)
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
        let x = burn(5_000_000);
        assert!(process_cpu_time() > process, "{x}");
        assert!(thread_cpu_time() > thread, "{x}");
        assert!(max_rss_bytes() > 0);
    }

    /// A thread's CPU clock counts that thread only: a new thread starts near
    /// zero however long this one has run.
    #[test]
    fn a_thread_clock_is_the_thread_own() {
        burn(5_000_000);
        let here = thread_cpu_time();
        let there = std::thread::spawn(thread_cpu_time).join().unwrap();
        assert!(there < here, "{there:?} vs {here:?}");
    }

    #[test]
    fn microseconds_become_nanoseconds() {
        let time = TimeVal::new(2, 500_001);
        assert_eq!(duration(time), Duration::new(2, 500_001_000));
    }
}

//! Watchdogs for the tests: a deadlock fails a test instead of hanging it, and a
//! thread that is meant to hang can be shown hanging.

use std::sync::mpsc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// How long a test may run before it counts as stuck.
pub const WATCHDOG: Duration = Duration::from_secs(10);

/// Runs `f` on its own thread; panics if it has not finished within [`WATCHDOG`].
pub fn within<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    within_for(WATCHDOG, f)
}

/// [`within`], for a test that runs many threads: panics if `f` has not
/// finished within `limit`.
pub fn within_for<T: Send + 'static>(
    limit: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (finished, finished_rx) = mpsc::channel();
    let body = thread::spawn(move || {
        let value = f();
        let _ = finished.send(());
        value
    });
    match finished_rx.recv_timeout(limit) {
        Ok(()) => body.join().expect("the test's thread ended"),
        Err(mpsc::RecvTimeoutError::Disconnected) => match body.join() {
            Ok(value) => value,
            Err(payload) => std::panic::resume_unwind(payload),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("deadlock: the test did not finish within {limit:?}")
        }
    }
}

/// Waits up to `patience` for `thread` to end; true if it is still running then.
///
/// A thread that can never end is "still blocked" however loaded the machine is, so a
/// test may assert it; a thread that does end makes this false at once.
pub fn still_blocked_after<T>(
    thread: &JoinHandle<T>,
    patience: Duration,
) -> bool {
    let started = Instant::now();
    while started.elapsed() < patience {
        if thread.is_finished() {
            return false;
        }
        thread::sleep(Duration::from_millis(10));
    }
    !thread.is_finished()
}

/// Waits (under the test's watchdog) until `condition` holds.
pub fn wait_until(mut condition: impl FnMut() -> bool) {
    while !condition() {
        thread::sleep(Duration::from_millis(1));
    }
}

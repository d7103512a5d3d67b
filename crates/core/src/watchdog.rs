//! A watchdog for tests: a closure run in its own thread, and a test that fails
//! with "deadlock" when it is not done in time, instead of hanging the suite.
//! Needs no feature: the workshop's exercises use it without the conformance kit
//! (and its property-testing dependency); [`crate::testkit`] re-exports it.

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// Runs `f` in its own thread and waits at most `limit` for it; panics with
/// "deadlock" if it takes longer, and passes on its panic if it panics.
pub fn within<T: Send + 'static>(
    what: &str,
    limit: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    watch(what, None, limit, f)
}

/// [`within`], for a learner's code: the panic names what most likely keeps `f`
/// from finishing, in words ("deadlock: {what} did not finish within {limit};
/// likely causes: {causes}").
pub fn within_or_name_causes<T: Send + 'static>(
    what: &str,
    causes: &str,
    limit: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    watch(what, Some(causes), limit, f)
}

fn watch<T: Send + 'static>(
    what: &str,
    causes: Option<&str>,
    limit: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = mpsc::channel();
    let handle = thread::spawn(move || {
        let value = f();
        let _ = tx.send(());
        value
    });
    match rx.recv_timeout(limit) {
        Ok(()) => handle.join().expect("the run's thread ended"),
        Err(mpsc::RecvTimeoutError::Disconnected) => match handle.join() {
            Ok(value) => value,
            Err(payload) => std::panic::resume_unwind(payload),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => match causes {
            None => panic!("deadlock: {what} did not finish within {limit:?}"),
            Some(causes) => {
                panic!("deadlock: {what} did not finish within {limit:?}; likely causes: {causes}")
            }
        },
    }
}

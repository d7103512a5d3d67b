//! Ctrl-C and SIGTERM (on Windows: Ctrl-C, Ctrl-Break, the console closing),
//! and a stage process's parent asking it to stop: the first stops the run going
//! on through [`Probes::stop`], the same path a panic takes, so the pipeline
//! drains and the lab prints what was measured; a second one ends the process at
//! once. A signal is kept as its Unix number (2, 15) on every platform.

use std::io;
use std::sync::atomic::{AtomicI32, Ordering::SeqCst};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use pipeline_core::Probes;
use pipeline_core::platform::{self, StopRequest};

/// The first signal caught, or 0.
static CAUGHT: AtomicI32 = AtomicI32::new(0);

/// Whether a caught signal goes unsaid (a stage process its coordinator stops).
static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// From now on, a caught signal stops the run without a line on stderr.
pub fn quiet() {
    QUIET.store(true, SeqCst);
}

/// The probes of the run going on, if one is.
static CURRENT: Mutex<Option<Arc<Probes>>> = Mutex::new(None);

fn current() -> MutexGuard<'static, Option<Arc<Probes>>> {
    CURRENT.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Catches SIGINT and SIGTERM (Ctrl-C on Windows) from now on, in a thread of
/// their own.
pub fn install() -> io::Result<()> {
    platform::on_stop_request(|request| caught_one(request.number()))
}

/// A stage process's parent asks it to stop, or is gone (where a pipe from it
/// says so: macOS, Windows): the same as a SIGTERM.
pub fn watch_parent() {
    platform::child::watch_parent(|| caught_one(StopRequest::Terminate.number()));
}

fn caught_one(signal: i32) {
    if CAUGHT.compare_exchange(0, signal, SeqCst, SeqCst).is_err() {
        // The second: the user does not want to wait for the drain. Nothing is
        // flushed, no lock taken: the report being written may hold stdout's.
        // (On Unix a second signal has already ended the process in its
        // handler; this is Windows, and a stage process's parent.)
        platform::exit_at_once(exit_code(signal).into());
    }
    if !QUIET.load(SeqCst) {
        crate::output::error_line(&format!(
            "{}: stopping the run (again to quit at once)",
            name(signal)
        ));
    }
    if let Some(probes) = current().as_ref() {
        probes.stop();
    }
}

/// The signal caught, if one was.
pub fn caught() -> Option<i32> {
    match CAUGHT.load(SeqCst) {
        0 => None,
        signal => Some(signal),
    }
}

/// The exit code for a run ended by `signal`: 128 + its number (130, 143).
pub fn exit_code(signal: i32) -> u8 {
    (128 + signal).clamp(0, 255) as u8
}

/// The signal's name, as the user knows it on this platform: `SIGINT`,
/// `SIGTERM`, `Ctrl-C`.
pub fn name(signal: i32) -> &'static str {
    StopRequest::from_number(signal).map_or("a signal", StopRequest::name)
}

/// While the guard lives, a signal stops the run counting into `probes` (at once,
/// if one was caught already).
pub fn stoppable(probes: &Arc<Probes>) -> Stoppable {
    *current() = Some(Arc::clone(probes));
    if caught().is_some() {
        probes.stop();
    }
    Stoppable
}

/// See [`stoppable`].
#[derive(Debug)]
pub struct Stoppable;

impl Drop for Stoppable {
    fn drop(&mut self) {
        *current() = None;
    }
}

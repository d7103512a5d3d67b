//! Ctrl-C and SIGTERM: the first stops the run going on through
//! [`Probes::stop`], the same path a panic takes, so the pipeline drains and the
//! lab prints what was measured; a second one ends the process at once.

use std::sync::atomic::{AtomicI32, Ordering::SeqCst};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::{io, process, thread};

use pipeline_core::Probes;
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

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

/// Catches SIGINT and SIGTERM from now on, in a thread of their own.
pub fn install() -> io::Result<()> {
    let mut signals = Signals::new([SIGINT, SIGTERM])?;
    thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            for signal in signals.forever() {
                if CAUGHT.compare_exchange(0, signal, SeqCst, SeqCst).is_err() {
                    // The second: the user does not want to wait for the drain.
                    process::exit(exit_code(signal).into());
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
        })?;
    Ok(())
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

/// The signal's name, as a shell says it.
pub fn name(signal: i32) -> &'static str {
    match signal {
        SIGINT => "SIGINT",
        SIGTERM => "SIGTERM",
        _ => "a signal",
    }
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

//! One line per panic on stderr, `panic in thread resize-0: …`, instead of the
//! default hook's location and backtrace hint: an injected panic is part of the
//! lesson, not a crash to debug. The run's own `error: …` line follows it.

use std::panic::{self, PanicHookInfo};
use std::thread;

use pipeline_core::{panic_message, parse_worker_thread};

use crate::progress;

/// Replaces the panic hook with one that prints a single line.
pub fn install_one_line_hook() {
    panic::set_hook(Box::new(|info| progress::print_above(&one_line(info))));
}

fn one_line(info: &PanicHookInfo<'_>) -> String {
    let thread = thread::current();
    let name = thread.name().unwrap_or("<unnamed>");
    let message = panic_message(info.payload());
    match info.location() {
        // Outside the pipeline's workers a panic is a bug of the lab: say where.
        Some(location) if parse_worker_thread(name).is_none() => {
            format!("panic in thread {name}: {message} (at {location})")
        }
        _ => format!("panic in thread {name}: {message}"),
    }
}

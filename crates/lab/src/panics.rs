//! One line per panic on stderr, `panic in thread resize-0: …`, instead of the
//! default hook's location and backtrace hint: an injected panic is part of the
//! lesson, not a crash to debug. The run's own `error: …` line follows it.

use std::panic::{self, PanicHookInfo};
use std::thread;

use pipeline_core::{current_worker, panic_message, worker_thread_name};

use crate::progress;

/// Replaces the panic hook with one that prints a single line.
pub fn install_one_line_hook() {
    panic::set_hook(Box::new(|info| progress::print_above(&one_line(info))));
}

fn one_line(info: &PanicHookInfo<'_>) -> String {
    let thread = thread::current();
    let message = panic_message(info.payload());
    // A worker is named as such, whether it is a thread or a task polled by one.
    let worker = current_worker();
    let name = match worker {
        Some((stage, index)) => worker_thread_name(stage, index),
        None => thread.name().unwrap_or("<unnamed>").to_string(),
    };
    match info.location() {
        // Outside the pipeline's workers a panic is a bug of the lab: say where.
        Some(location) if worker.is_none() => {
            format!("panic in thread {name}: {message} (at {location})")
        }
        _ => format!("panic in thread {name}: {message}"),
    }
}

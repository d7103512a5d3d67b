//! One line per panic on stderr, `panic in thread resize-0: …`, instead of the
//! default hook's location and backtrace hint: an injected panic is part of the
//! lesson, not a crash to debug. The run's own `error: …` line follows it.

use std::panic::{self, PanicHookInfo};
use std::thread;

use pipeline_core::Stage;

use crate::progress;

/// Replaces the panic hook with one that prints a single line.
pub fn install_one_line_hook() {
    panic::set_hook(Box::new(|info| progress::print_above(&one_line(info))));
}

fn one_line(info: &PanicHookInfo<'_>) -> String {
    let thread = thread::current();
    let name = thread.name().unwrap_or("<unnamed>");
    let payload = info.payload();
    let message = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic without a message");
    match info.location() {
        // Outside the pipeline's workers a panic is a bug of the lab: say where.
        Some(location) if !is_pipeline_worker(name) => {
            format!("panic in thread {name}: {message} (at {location})")
        }
        _ => format!("panic in thread {name}: {message}"),
    }
}

/// Whether `name` is a pipeline worker's thread name, `{stage}-{index}`.
fn is_pipeline_worker(name: &str) -> bool {
    name.rsplit_once('-').is_some_and(|(stage, index)| {
        stage.parse::<Stage>().is_ok() && index.parse::<usize>().is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worker_threads_are_recognised_by_name() {
        assert!(is_pipeline_worker("resize-0"));
        assert!(is_pipeline_worker("upload-12"));
        assert!(!is_pipeline_worker("main"));
        assert!(!is_pipeline_worker("progress"));
        assert!(!is_pipeline_worker("crop-1"));
    }
}

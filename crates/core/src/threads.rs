//! A worker's thread as others see it: its name, `{stage}-{index}`, and what
//! its panic says.
//!
//! Every pipeline starts its workers with [`crate::Run::spawn_worker`], which names
//! each thread with [`worker_thread_name`]; whoever meets a thread by name (a
//! panic hook, a timeline) reads it back with [`parse_worker_thread`] rather
//! than by its own reading of the format.

use std::any::Any;

use crate::config::Stage;

/// The name of worker `index` of `stage`'s thread: `resize-2`.
pub fn worker_thread_name(stage: Stage, index: usize) -> String {
    format!("{stage}-{index}")
}

/// The stage and index of a worker's thread named by [`worker_thread_name`];
/// `None` for any other name (`main`, `crop-1`, `resize-01`).
pub fn parse_worker_thread(name: &str) -> Option<(Stage, usize)> {
    let (stage, index) = name.rsplit_once('-')?;
    let parsed = (stage.parse().ok()?, index.parse().ok()?);
    // Only the name the worker would have: `resize-+1` and `resize-01` parse
    // as numbers, but no worker is named so.
    (worker_thread_name(parsed.0, parsed.1) == name).then_some(parsed)
}

/// The message a panic was raised with: its payload when it is a `&str` or a
/// `String` (what `panic!` makes), else "a panic without a message".
///
/// Pass the payload itself: for a `Box<dyn Any + Send>` from
/// [`std::panic::catch_unwind`] or a join, that is `&*payload` (a `&Box` is an
/// `Any` too, which holds no message).
pub fn panic_message(payload: &dyn Any) -> &str {
    if let Some(message) = payload.downcast_ref::<&str>() {
        message
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message
    } else {
        "a panic without a message"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::panic;

    #[test]
    fn a_worker_name_reads_back_as_its_stage_and_index() {
        for stage in Stage::ALL {
            for index in [0, 1, 12, usize::MAX] {
                let name = worker_thread_name(stage, index);
                assert_eq!(parse_worker_thread(&name), Some((stage, index)), "{name}");
            }
        }
        assert_eq!(worker_thread_name(Stage::Resize, 2), "resize-2");
    }

    #[test]
    fn other_names_are_not_workers() {
        for name in [
            "main",
            "camera",
            "collector",
            "crop-1",
            "resize",
            "resize-",
            "-1",
            "resize-x",
            "resize-01",
            "resize-+1",
            "resize--1",
            "Resize-1",
            "resize-1 ",
        ] {
            assert_eq!(parse_worker_thread(name), None, "{name}");
        }
    }

    #[test]
    fn a_panic_message_is_read_from_either_kind_of_payload() {
        // The default hook prints each panic; the test harness captures it.
        let payload = |f: fn()| panic::catch_unwind(f).unwrap_err();
        let literal = payload(|| panic!("a literal"));
        let formatted = payload(|| panic!("item {}", 7));
        let other = payload(|| panic::panic_any(7u8));
        assert_eq!(panic_message(&*literal), "a literal");
        assert_eq!(panic_message(&*formatted), "item 7");
        assert_eq!(panic_message(&*other), "a panic without a message");
        assert_eq!(panic_message(&"a str"), "a str");
    }
}

//! A worker's thread as others see it: its name, `{stage}-{index}`, and what
//! its panic says.
//!
//! Every pipeline starts its workers with [`crate::Run::spawn_worker`], which names
//! each thread with [`worker_thread_name`]; whoever meets a thread by name (a
//! panic hook, a timeline) reads it back with [`parse_worker_thread`] rather
//! than by its own reading of the format.

use std::any::Any;
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::thread;

use crate::config::Stage;

thread_local! {
    /// The worker whose task this thread is polling now, if any.
    static POLLING: Cell<Option<(Stage, usize)>> = const { Cell::new(None) };
}

/// The worker running on this thread now: the task it is polling (see
/// [`AsWorker`]), or else the thread itself when it is named as a worker
/// ([`parse_worker_thread`]). A panic hook names the worker that panicked with it.
pub fn current_worker() -> Option<(Stage, usize)> {
    POLLING
        .get()
        .or_else(|| parse_worker_thread(thread::current().name()?))
}

/// A worker's task: its future, naming the worker for [`current_worker`] while it
/// is polled, on whichever of the runtime's threads polls it.
pub struct AsWorker<F> {
    worker: (Stage, usize),
    future: Pin<Box<F>>,
}

impl<F: Future> AsWorker<F> {
    /// `future`, as worker `index` of `stage`.
    pub fn new(stage: Stage, index: usize, future: F) -> AsWorker<F> {
        AsWorker {
            worker: (stage, index),
            future: Box::pin(future),
        }
    }
}

impl<F: Future> Future for AsWorker<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        /// Puts the previous name back, also when the poll panics.
        struct Restore(Option<(Stage, usize)>);
        impl Drop for Restore {
            fn drop(&mut self) {
                POLLING.set(self.0);
            }
        }
        let _restore = Restore(POLLING.replace(Some(self.worker)));
        self.future.as_mut().poll(cx)
    }
}

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

    /// A task names its worker while it is polled, and only then; the name goes
    /// back also when the poll panics.
    #[test]
    fn a_task_is_its_worker_while_it_is_polled() {
        let mut cx = Context::from_waker(std::task::Waker::noop());
        let mut task = AsWorker::new(Stage::Upload, 7, async { current_worker() });
        assert_eq!(current_worker(), None);
        let polled = Pin::new(&mut task).poll(&mut cx);
        assert_eq!(polled, Poll::Ready(Some((Stage::Upload, 7))));
        assert_eq!(current_worker(), None, "the name ends with the poll");
        let mut panicking = AsWorker::new(Stage::Resize, 1, async { panic!("in a task") });
        let caught = panic::catch_unwind(panic::AssertUnwindSafe(|| {
            let _ = Pin::new(&mut panicking).poll(&mut cx);
        }));
        assert!(caught.is_err());
        assert_eq!(
            current_worker(),
            None,
            "a panic does not leave the name behind"
        );
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

//! The tests of the exercise; they run against `exercise.rs` or `solution.rs`.

use std::time::Duration;

use pipeline_condvar::Queue;

use super::*;

/// How long a test may take before it counts as stuck (a join that never returns).
const WATCHDOG: Duration = Duration::from_secs(5);

/// Runs `f` in its own thread; fails the test if it is not done within [`WATCHDOG`].
fn within<T: Send + 'static>(
    what: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    pipeline_core::testkit::within(what, WATCHDOG, f)
}

#[test]
fn the_worker_puts_every_result_and_marks_every_item_done() {
    let received = within(
        "the worker, then join on its input (is every item marked done?)",
        || {
            let (input, output) = (Queue::unbounded(), Queue::unbounded());
            for id in 0..3 {
                input.put(id).unwrap();
            }
            input.close();
            worker(&input, &output, |x| x + 100);
            // Returns only if the worker called task_done once per item.
            input.join();
            output.close();
            output.iter().collect::<Vec<_>>()
        },
    );
    assert_eq!(
        received,
        [100, 101, 102],
        "the worker should put func(item) for every item, in order"
    );
}

#[test]
fn the_worker_marks_the_item_done_even_when_its_put_fails() {
    let left = within(
        "join after the worker stopped on a closed output (was the failed item marked done?)",
        || {
            let (input, output) = (Queue::unbounded(), Queue::unbounded());
            input.put(1).unwrap();
            input.put(2).unwrap();
            output.close();
            // The input stays open: only the closed output can stop this worker.
            worker(&input, &output, |x| x);
            // The worker took item 1, failed to put it and stopped; item 2 is left.
            let left = input.len();
            if let Some(_item) = input.get() {
                input.task_done();
            }
            input.join();
            left
        },
    );
    assert_eq!(
        left, 1,
        "the worker should stop after its first failed put, leaving the second item"
    );
}

#[test]
fn waiting_returns_only_when_every_item_is_processed() {
    let output = within("the pipeline (does every join return?)", || {
        pipeline(&[200, 50])
    });
    assert_eq!(
        output.finished_after_each_batch,
        [200, 250],
        "when wait_until_processed returns, every item put so far should be on the done queue"
    );
    let mut received = output.received;
    received.sort_unstable();
    let expected: Vec<u64> = (0..250).map(|id| (id * 10 + 1) * 2).collect();
    assert_eq!(received.len(), 250, "every item should come out once");
    assert_eq!(
        received, expected,
        "every item should come out once, as (id × 10 + 1) × 2"
    );
}

#[test]
fn waiting_on_an_idle_pipeline_returns_at_once() {
    let output =
        within("the pipeline with empty batches", || pipeline(&[0, 0]));
    assert_eq!(output.finished_after_each_batch, [0, 0]);
    assert!(output.received.is_empty());
}

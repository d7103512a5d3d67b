//! The tests of the exercise; they run against `exercise.rs` or `solution.rs`.

use std::time::Duration;

use pipeline_condvar::Queue;

use super::*;

/// How long a test may take before it counts as stuck (a join that never returns).
const WATCHDOG: Duration = Duration::from_secs(5);

/// Runs `f` in its own thread; fails the test if it is not done within [`WATCHDOG`],
/// naming `what` and the likely `causes`.
fn within<T: Send + 'static>(
    what: &str,
    causes: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    pipeline_core::watchdog::within_or_name_causes(what, causes, WATCHDOG, f)
}

/// Why a pipeline's `wait_until_processed` may never return.
const PIPELINE_CAUSES: &str = "a worker that does not mark every item it takes \
     with `task_done` (a failed put included), so a `join` waits for good, or a \
     `wait_until_processed` that joins the done queue (nobody takes its items, so \
     nobody marks them done)";

#[test]
fn the_worker_puts_every_result_and_marks_every_item_done() {
    let received = within(
        "the worker, then `join` on its input",
        "a worker that does not call `input.task_done()` once for every item it \
         takes, so the `join` waits for good, or a worker whose loop does not end \
         when its input is closed and drained",
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
        "the worker on a closed output, then `join` on its input",
        "a worker that returns after its failed put without marking that item done \
         (`task_done` comes before the return too), or one that does not stop when \
         its put fails (its input stays open, so it waits for more items)",
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
    let output =
        within("the pipeline", PIPELINE_CAUSES, || pipeline(&[200, 50]));
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
        within("the pipeline with empty batches", PIPELINE_CAUSES, || {
            pipeline(&[0, 0])
        });
    assert_eq!(output.finished_after_each_batch, [0, 0]);
    assert!(output.received.is_empty());
}

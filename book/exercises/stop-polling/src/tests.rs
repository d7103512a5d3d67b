//! The tests of the exercise; they run against `exercise.rs` or `solution.rs`.

use std::thread;
use std::time::Duration;

use pipeline_polling::MyQueue;

use super::*;

/// How long a test may take before it counts as stuck (a worker that never stops).
const WATCHDOG: Duration = Duration::from_secs(5);
const POLL_SLEEP: Duration = Duration::from_millis(1);

/// Runs `f` in its own thread; fails the test if it is not done within [`WATCHDOG`].
fn within<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    pipeline_core::watchdog::within_or_name_causes(
        "the test",
        "a worker that does not return on `GetError::Closed` (it polls its closed, \
         drained input for ever) or on a failed `put`, or a `stop` that joins a \
         worker before it closes that worker's input (the join waits for a worker \
         that waits for more items)",
        WATCHDOG,
        f,
    )
}

fn drain(queue: &MyQueue<u64>) -> Vec<u64> {
    std::iter::from_fn(|| queue.get().ok()).collect()
}

#[test]
fn the_worker_drains_a_closed_input_then_returns() {
    let (counts, output) = within(|| {
        let (input, output) = (MyQueue::new(None), MyQueue::new(None));
        for id in 0..3 {
            input.put(id).unwrap();
        }
        input.close();
        let counts = worker(&input, &output, POLL_SLEEP, |x| x + 100);
        (counts, drain(&output))
    });
    assert_eq!(
        output,
        [100, 101, 102],
        "the worker should put func(item) for each item"
    );
    // Three polls that found an item, and the one that found the queue closed.
    assert_eq!(
        (counts.polls, counts.done),
        (4, 3),
        "expected 4 polls (3 items and the one that found the queue closed) and 3 done, \
         counted {} polls and {} done",
        counts.polls,
        counts.done
    );
}

#[test]
fn the_worker_waits_for_late_items_until_its_input_is_closed() {
    let (counts, output) = within(|| {
        let (input, output) = (MyQueue::new(None), MyQueue::new(None));
        let counts = thread::scope(|s| {
            let worker = s.spawn(|| worker(&input, &output, POLL_SLEEP, |x| x));
            thread::sleep(Duration::from_millis(50));
            input.put(7).unwrap();
            thread::sleep(Duration::from_millis(50));
            input.close();
            worker.join().expect("the worker panicked")
        });
        (counts, drain(&output))
    });
    assert_eq!(output, [7], "the late item should come out");
    assert_eq!(counts.done, 1, "the worker should count one item done");
    assert!(
        counts.polls > 2,
        "an empty queue is polled again: {counts:?}"
    );
}

#[test]
fn the_worker_stops_when_its_output_is_closed() {
    let counts = within(|| {
        let (input, output) = (MyQueue::new(None), MyQueue::new(None));
        input.put(1).unwrap();
        input.put(2).unwrap();
        output.close();
        // The input stays open: only the closed output can stop this worker.
        worker(&input, &output, POLL_SLEEP, |x| x)
    });
    assert_eq!(
        (counts.polls, counts.done),
        (1, 0),
        "the worker should stop at its first failed put (1 poll, 0 done), counted {} polls \
         and {} done",
        counts.polls,
        counts.done
    );
}

#[test]
fn the_pipeline_delivers_every_item_in_order_and_every_worker_stops() {
    let output = within(|| pipeline(100, POLL_SLEEP));
    let expected: Vec<u64> = (0..100).map(|id| (id * 10 + 1) * 2).collect();
    assert_eq!(
        output.received.len(),
        100,
        "all 100 items should reach the done queue; {} did (are the stages closed one \
         at a time, each joined before the next is closed?)",
        output.received.len()
    );
    assert_eq!(
        output.received, expected,
        "the items should come out in order"
    );
    for (stage, counts) in
        ["download", "resize", "upload"].iter().zip(output.counts)
    {
        assert_eq!(
            counts.done, 100,
            "the {stage} worker should finish all 100 items, but finished {}",
            counts.done
        );
        // At least one poll per item, and one that found the queue closed.
        assert!(
            counts.polls > 100,
            "the {stage} worker should poll once per item and once more to find its input \
             closed, but polled {} times",
            counts.polls
        );
    }
}

#[test]
fn an_empty_pipeline_stops_too() {
    let output = within(|| pipeline(0, POLL_SLEEP));
    assert!(output.received.is_empty());
    assert!(output.counts.iter().all(|counts| counts.done == 0));
}

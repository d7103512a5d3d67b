//! One answer: the worker returns once its input is closed and drained (or its
//! output is closed), and the pipeline closes its queues stage by stage.

// ANCHOR: solution
use std::thread::{self, ScopedJoinHandle};
use std::time::Duration;

use pipeline_polling::{GetError, MyQueue};

/// What one worker did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Times it asked its input queue for an item.
    pub polls: u64,
    /// Items it finished and put on its output queue.
    pub done: u64,
}

/// What came out of the pipeline, and what each stage's worker did.
#[derive(Debug)]
pub struct Output {
    /// The values that reached the done queue, in arrival order.
    pub received: Vec<u64>,
    /// The download, resize and upload workers' counts.
    pub counts: [Counts; 3],
}

// ANCHOR: worker
/// The item's `Worker`, with a way out. Polls `input`: when it is empty, sleeps
/// `poll_sleep` and polls again; when it is closed and drained, returns. Puts
/// `func(item)` on `output`, and returns if `output` is closed (nobody will
/// take it).
pub fn worker(
    input: &MyQueue<u64>,
    output: &MyQueue<u64>,
    poll_sleep: Duration,
    func: impl Fn(u64) -> u64,
) -> Counts {
    let mut counts = Counts::default();
    loop {
        counts.polls += 1;
        match input.get() {
            // ANCHOR: learner_got_item
            Ok(item) => {
                if output.put(func(item)).is_err() {
                    // The next stage is gone: whatever this worker makes is
                    // lost.
                    return counts;
                }
                counts.done += 1;
            }
            // ANCHOR_END: learner_got_item
            Err(GetError::Empty) => thread::sleep(poll_sleep),
            // ANCHOR: learner_closed
            Err(GetError::Closed) => return counts,
            // ANCHOR_END: learner_closed
        }
    }
}
// ANCHOR_END: worker

// ANCHOR: pipeline
/// Three polling stages in a row (×10, +1, ×2) on unbounded queues: the source
/// puts `0..items`, then the pipeline is stopped stage by stage.
pub fn pipeline(items: u64, poll_sleep: Duration) -> Output {
    let download_queue = MyQueue::new(None);
    let resize_queue = MyQueue::new(None);
    let upload_queue = MyQueue::new(None);
    let done_queue = MyQueue::new(None);
    thread::scope(|s| {
        let download = s.spawn(|| {
            worker(&download_queue, &resize_queue, poll_sleep, |id| id * 10)
        });
        let resize = s.spawn(|| {
            worker(&resize_queue, &upload_queue, poll_sleep, |x| x + 1)
        });
        let upload = s.spawn(|| {
            worker(&upload_queue, &done_queue, poll_sleep, |x| x * 2)
        });
        for id in 0..items {
            download_queue.put(id).expect(
                "nobody closes the download queue before the source is done",
            );
        }
        let counts = stop(
            [&download_queue, &resize_queue, &upload_queue],
            [download, resize, upload],
        );
        // Every stage has ended, so everything it made is in the done queue.
        done_queue.close();
        let received = std::iter::from_fn(|| done_queue.get().ok()).collect();
        Output { received, counts }
    })
}
// ANCHOR_END: pipeline

// ANCHOR: stop
/// Stops the stages in pipeline order: closes a stage's input queue, so that
/// its worker returns once it has drained it, joins that worker, then goes on
/// to the next stage. Returns the workers' counts.
fn stop(
    inputs: [&MyQueue<u64>; 3],
    workers: [ScopedJoinHandle<'_, Counts>; 3],
) -> [Counts; 3] {
    // ANCHOR: learner_stop
    let mut counts = [Counts::default(); 3];
    for ((input, worker), counts) in
        inputs.into_iter().zip(workers).zip(&mut counts)
    {
        input.close();
        *counts = worker.join().expect("a worker panicked");
    }
    counts
    // ANCHOR_END: learner_stop
}
// ANCHOR_END: stop
// ANCHOR_END: solution

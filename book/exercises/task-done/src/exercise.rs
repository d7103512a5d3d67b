//! Wait for the work, not for the queue: fill in the `todo!()`s, then run
//! `cargo test -p workshop-task-done --no-default-features`.

// Until the `todo!()`s are filled in, some arguments go unused and the code after them
// is unreachable; these allowances keep the stubs free of warnings.
#![allow(unused_variables, unreachable_code)]

use std::thread;
use std::time::Duration;

use pipeline_condvar::Queue;

/// How long the upload stage takes per item.
const UPLOAD: Duration = Duration::from_micros(500);

/// What came out of the pipeline.
#[derive(Debug)]
pub struct Output {
    /// How many results were on the done queue when `wait_until_processed` returned,
    /// after each batch (the done queue is drained only at the end, so it adds up).
    pub finished_after_each_batch: Vec<usize>,
    /// Every result, once the queues were closed.
    pub received: Vec<u64>,
}

// ANCHOR: worker
/// The item's worker: takes every item of `input` until it is closed and
/// drained, puts `func(item)` on `output`, then marks the item done on `input`,
/// so that a `join` on `input` can return. If `output` is closed, it marks the
/// item done all the same and stops.
pub fn worker(
    input: &Queue<u64>,
    output: &Queue<u64>,
    func: impl Fn(u64) -> u64,
) {
    for item in input {
        todo!(
            "put func(item) on the output; mark the item done on the input; \
             stop if the put failed"
        )
    }
}
// ANCHOR_END: worker

// ANCHOR: wait
/// Waits until every item put on the pipeline so far is processed: joins the
/// three stages' input queues in pipeline order. Returns how many results are
/// on `done` then.
pub fn wait_until_processed(
    inputs: [&Queue<u64>; 3],
    done: &Queue<u64>,
) -> usize {
    todo!(
        "join each input queue in order, \
         then count the results on the done queue"
    )
}
// ANCHOR_END: wait

// ANCHOR: pipeline
/// Three stages (×10, +1, ×2) with 1, 2 and 2 workers; the upload (×2) takes
/// half a millisecond an item, like a network send. Puts each batch of items in
/// turn and waits until it is processed, with every worker still running; then
/// closes the queues so that the workers end, and collects the results.
pub fn pipeline(batches: &[u64]) -> Output {
    let queues: [Queue<u64>; 4] = std::array::from_fn(|_| Queue::unbounded());
    let [download, resize, upload, done] = &queues;
    let mut finished_after_each_batch = Vec::new();
    thread::scope(|s| {
        s.spawn(|| worker(download, resize, |id| id * 10));
        for _ in 0..2 {
            s.spawn(|| worker(resize, upload, |x| x + 1));
            s.spawn(|| {
                worker(upload, done, |x| {
                    thread::sleep(UPLOAD);
                    x * 2
                })
            });
        }
        let mut next_id = 0;
        for &batch in batches {
            for id in next_id..next_id + batch {
                download.put(id).expect("the download queue is open");
            }
            next_id += batch;
            finished_after_each_batch
                .push(wait_until_processed([download, resize, upload], done));
        }
        // The workers are idle, not gone: closing their inputs ends their
        // loops.
        for queue in &queues {
            queue.close();
        }
    });
    Output {
        finished_after_each_batch,
        received: done.iter().collect(),
    }
}
// ANCHOR_END: pipeline

//! The payoff: with a queue that closes and iterates (`pipeline_condvar::Queue`), a
//! worker is a three-line loop, and the item's main thread can wait with `join`.

use std::thread;

use pipeline_condvar::Queue;

// ANCHOR: worker
/// Takes every item of `input` until it is closed and drained, puts
/// `func(item)` on `output`; stops early if `output` is closed.
pub fn worker<T, U>(
    input: &Queue<T>,
    output: &Queue<U>,
    func: impl Fn(T) -> U,
) {
    for item in input {
        let Ok(()) = output.put(func(item)) else {
            break;
        };
    }
}
// ANCHOR_END: worker

// ANCHOR: pipeline
/// The three stages (×10, +1, ×2) with `workers` threads each; the source puts
/// `0..items`, then the pipeline is stopped stage by stage. Returns what came
/// out.
pub fn pipeline(items: u64, workers: [usize; 3]) -> Vec<u64> {
    let queues: [Queue<u64>; 4] = std::array::from_fn(|_| Queue::bounded(16));
    let funcs: [fn(u64) -> u64; 3] = [|id| id * 10, |x| x + 1, |x| x * 2];
    thread::scope(|s| {
        let stages: Vec<Vec<_>> = (0..3)
            .map(|stage| {
                let (input, output, func) =
                    (&queues[stage], &queues[stage + 1], funcs[stage]);
                (0..workers[stage])
                    .map(|_| s.spawn(move || worker(input, output, func)))
                    .collect()
            })
            .collect();
        let collector = s.spawn(|| queues[3].iter().collect::<Vec<_>>());
        for id in 0..items {
            queues[0].put(id).expect("the download queue is open");
        }
        // Stage by stage: close a stage's input, wait for its workers to drain
        // it.
        for (input, workers) in queues.iter().zip(stages) {
            input.close();
            for worker in workers {
                worker.join().expect("a worker panicked");
            }
        }
        queues[3].close();
        collector.join().expect("the collector panicked")
    })
}
// ANCHOR_END: pipeline

// ANCHOR: joined_worker
/// The item's worker with `task_done`: marks each item of `input` done once its
/// result is on `output`.
pub fn joined_worker<T, U>(
    input: &Queue<T>,
    output: &Queue<U>,
    func: impl Fn(T) -> U,
) {
    for item in input {
        let put = output.put(func(item));
        input.task_done();
        if put.is_err() {
            break;
        }
    }
}
// ANCHOR_END: joined_worker

// ANCHOR: joined
/// The item's last step 7: the main thread puts `items`, then `join`s each
/// queue in order, and counts what is finished while the workers are still
/// running. Returns that count, and what came out in all.
pub fn joined_pipeline(items: u64, workers: [usize; 3]) -> (usize, Vec<u64>) {
    let queues: [Queue<u64>; 4] = std::array::from_fn(|_| Queue::unbounded());
    let funcs: [fn(u64) -> u64; 3] = [|id| id * 10, |x| x + 1, |x| x * 2];
    thread::scope(|s| {
        for stage in 0..3 {
            let (input, output, func) =
                (&queues[stage], &queues[stage + 1], funcs[stage]);
            for _ in 0..workers[stage] {
                s.spawn(move || joined_worker(input, output, func));
            }
        }
        for id in 0..items {
            queues[0].put(id).expect("the download queue is open");
        }
        // Each join returns once its queue's items are done, that is, on the
        // next queue.
        for queue in &queues[..3] {
            queue.join();
        }
        let finished = queues[3].len();
        // The workers are idle, not gone: close the queues so that their loops
        // end.
        for queue in &queues {
            queue.close();
        }
        (finished, queues[3].iter().collect())
    })
}
// ANCHOR_END: joined

#[cfg(test)]
mod tests {
    use super::*;
    use crate::watch::within;

    fn expected(items: u64) -> Vec<u64> {
        (0..items).map(|id| (id * 10 + 1) * 2).collect()
    }

    #[test]
    fn one_worker_per_stage_delivers_every_item_in_order() {
        let received = within(|| pipeline(500, [1, 1, 1]));
        assert_eq!(received, expected(500));
    }

    #[test]
    fn fanned_out_stages_deliver_every_item_exactly_once() {
        let mut received = within(|| pipeline(1000, [3, 4, 5]));
        received.sort_unstable();
        assert_eq!(received, expected(1000));
    }

    #[test]
    fn after_the_joins_every_item_is_finished() {
        let (finished, mut received) =
            within(|| joined_pipeline(1000, [3, 4, 5]));
        assert_eq!(finished, 1000, "join returned before the work was done");
        received.sort_unstable();
        assert_eq!(received, expected(1000));
    }

    #[test]
    fn an_empty_pipeline_stops_too() {
        assert!(within(|| pipeline(0, [2, 2, 2])).is_empty());
        assert_eq!(within(|| joined_pipeline(0, [2, 2, 2])).0, 0);
    }
}

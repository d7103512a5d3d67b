//! Step 1: a `Mutex<VecDeque>` and one `Condvar`. A `get` on an empty queue sleeps
//! until a `put` wakes it, instead of polling.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex};

// ANCHOR: queue
/// An unbounded FIFO queue whose `get` waits for an item.
pub struct Queue<T> {
    items: Mutex<VecDeque<T>>,
    /// Signalled by every `put`: wakes one waiting `get`.
    not_empty: Condvar,
}

impl<T> Queue<T> {
    /// An empty queue.
    pub fn new() -> Self {
        Queue {
            items: Mutex::new(VecDeque::new()),
            not_empty: Condvar::new(),
        }
    }

    /// Adds `item` at the back and wakes one waiting `get`. Never waits.
    pub fn put(&self, item: T) {
        self.items.lock().unwrap().push_back(item);
        self.not_empty.notify_one();
    }

    /// Removes and returns the oldest item, sleeping while the queue is empty.
    pub fn get(&self) -> T {
        let mut items = self.items.lock().unwrap();
        loop {
            if let Some(item) = items.pop_front() {
                return item;
            }
            // Unlocks, sleeps until notified, locks again: one step, so no
            // `put` can slip in between the look and the sleep.
            items = self.not_empty.wait(items).unwrap();
        }
    }
}
// ANCHOR_END: queue

impl<T> Queue<T> {
    /// How many items the queue holds right now.
    pub fn len(&self) -> usize {
        self.items.lock().unwrap().len()
    }

    /// Whether the queue holds no item right now.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T> Default for Queue<T> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::thread;

    use super::*;
    use crate::watch::{wait_until, within};

    #[test]
    fn get_waits_for_a_put_and_keeps_the_order() {
        within(|| {
            let queue = Queue::new();
            let got = thread::scope(|s| {
                let consumer =
                    s.spawn(|| [queue.get(), queue.get(), queue.get()]);
                for id in 0..3 {
                    queue.put(id);
                }
                consumer.join().unwrap()
            });
            assert_eq!(got, [0, 1, 2]);
        });
    }

    #[test]
    fn a_waiting_get_returns_only_after_the_put() {
        within(|| {
            let queue = Queue::new();
            let put_done = AtomicBool::new(false);
            thread::scope(|s| {
                let consumer = s.spawn(|| {
                    let item = queue.get();
                    // The item exists only once `put` ran.
                    assert!(put_done.load(Ordering::SeqCst));
                    item
                });
                put_done.store(true, Ordering::SeqCst);
                queue.put("frame");
                assert_eq!(consumer.join().unwrap(), "frame");
            });
        });
    }

    // ANCHOR: flaw
    /// The flaw step 2 fixes: a producer faster than its consumer makes the
    /// queue hold everything it has produced. With real frames, that is memory
    /// without limit.
    #[test]
    fn a_fast_producer_fills_the_queue_without_limit() {
        const FRAMES: usize = 10_000;
        within(|| {
            let queue = Queue::new();
            let consumer_may_start = AtomicBool::new(false);
            thread::scope(|s| {
                // A slow consumer: it has not taken anything yet when the
                // producer ends.
                s.spawn(|| {
                    wait_until(|| consumer_may_start.load(Ordering::SeqCst));
                    for _ in 0..FRAMES {
                        queue.get();
                    }
                });
                for id in 0..FRAMES {
                    queue.put(vec![id as u8; 1024]); // a 1 KiB "frame"
                }
                // The producer is done and nothing has been taken: all of it is
                // held.
                assert_eq!(queue.len(), FRAMES, "every frame produced is held");
                consumer_may_start.store(true, Ordering::SeqCst);
            });
            assert!(queue.is_empty());
        });
    }
    // ANCHOR_END: flaw
}

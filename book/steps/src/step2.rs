//! Step 2: a bound. A second `Condvar`, `not_full`, lets `put` sleep while the queue
//! is full, so a fast producer waits for a slow consumer: backpressure.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex};

// ANCHOR: queue
/// A FIFO queue that holds at most `capacity` items: `get` waits for an item,
/// `put` waits for room.
pub struct Queue<T> {
    items: Mutex<VecDeque<T>>,
    capacity: usize,
    /// Signalled by every `put`: wakes one waiting `get`.
    not_empty: Condvar,
    /// Signalled by every `get`: wakes one `put` waiting for room.
    not_full: Condvar,
}

impl<T> Queue<T> {
    /// An empty queue that holds at most `capacity` items (at least 1).
    pub fn bounded(capacity: usize) -> Self {
        assert!(capacity >= 1, "a bounded queue holds at least one item");
        Queue {
            items: Mutex::new(VecDeque::with_capacity(capacity)),
            capacity,
            not_empty: Condvar::new(),
            not_full: Condvar::new(),
        }
    }

    /// Adds `item` at the back, sleeping while the queue is full.
    pub fn put(&self, item: T) {
        let mut items = self.items.lock().unwrap();
        while items.len() >= self.capacity {
            items = self.not_full.wait(items).unwrap();
        }
        items.push_back(item);
        drop(items);
        self.not_empty.notify_one();
    }

    /// Removes and returns the oldest item, sleeping while the queue is empty.
    pub fn get(&self) -> T {
        let mut items = self.items.lock().unwrap();
        loop {
            if let Some(item) = items.pop_front() {
                drop(items);
                // One free slot can satisfy one waiting putter.
                self.not_full.notify_one();
                return item;
            }
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::thread;
    use std::time::Duration;

    use super::*;
    use crate::watch::{still_blocked_after, wait_until, within};

    // ANCHOR: backpressure
    /// Step 1's flaw, fixed: the same fast producer now waits once the queue is
    /// full, and the queue never holds more than its bound.
    #[test]
    fn a_fast_producer_waits_while_the_queue_is_full() {
        const FRAMES: usize = 10_000;
        within(|| {
            let queue = Queue::bounded(8);
            let consumer_may_start = AtomicBool::new(false);
            let produced = AtomicUsize::new(0);
            thread::scope(|s| {
                let producer = s.spawn(|| {
                    for id in 0..FRAMES {
                        queue.put(vec![id as u8; 1024]);
                        produced.fetch_add(1, Ordering::SeqCst);
                    }
                });
                // Nothing is taken yet: the producer fills the queue, then
                // waits.
                wait_until(|| produced.load(Ordering::SeqCst) == 8);
                assert_eq!(queue.len(), 8, "it waits at the bound");
                assert!(!producer.is_finished());
                consumer_may_start.store(true, Ordering::SeqCst);
                for _ in 0..FRAMES {
                    queue.get();
                    assert!(queue.len() <= 8, "never more than the bound");
                }
            });
            assert_eq!(produced.load(Ordering::SeqCst), FRAMES);
        });
    }
    // ANCHOR_END: backpressure

    // ANCHOR: flaw
    /// The flaw step 3 fixes: the producer is done, but a worker waiting on the
    /// empty queue cannot be told so. It sleeps in `get` forever.
    #[test]
    fn a_worker_never_learns_that_no_more_will_come() {
        let queue = Arc::new(Queue::bounded(8));
        let taken = Arc::new(AtomicUsize::new(0));
        let worker = thread::spawn({
            let (queue, taken) = (Arc::clone(&queue), Arc::clone(&taken));
            move || {
                loop {
                    let _frame: u32 = queue.get();
                    taken.fetch_add(1, Ordering::SeqCst);
                }
            }
        });
        for id in 0..3 {
            queue.put(id);
        }
        // The producer is done. The worker takes the three items...
        within({
            let taken = Arc::clone(&taken);
            move || wait_until(|| taken.load(Ordering::SeqCst) == 3)
        });
        // ...and then waits for a fourth that will never come: its loop has no
        // way out. (The thread stays blocked until the test process ends.)
        assert!(
            still_blocked_after(&worker, Duration::from_secs(1)),
            "the worker cannot have ended: nothing can wake it"
        );
    }
    // ANCHOR_END: flaw
}

//! The item's way to stop a worker, for comparison with `close`: an in-band SENTINEL.
//!
//! Python's `ClosableQueue.close()` puts a special `SENTINEL` object, and iterating the
//! queue stops when it meets it. Here the sentinel is `None` in a queue of `Option<T>`
//! (step 2's queue, which has no close of its own).

use crate::step2;

// ANCHOR: sentinel
/// Step 2's queue with the item's `ClosableQueue` on top: `close` puts a
/// sentinel.
pub struct ClosableQueue<T>(step2::Queue<Option<T>>);

impl<T> ClosableQueue<T> {
    /// An empty queue that holds at most `capacity` items, sentinels included.
    pub fn bounded(capacity: usize) -> Self {
        ClosableQueue(step2::Queue::bounded(capacity))
    }

    /// Adds `item` at the back, sleeping while the queue is full.
    pub fn put(&self, item: T) {
        self.0.put(Some(item));
    }

    /// Puts ONE sentinel: it stops ONE consumer, the one that takes it.
    pub fn close(&self) {
        self.0.put(None);
    }
}

/// Iterating stops at the first sentinel it takes.
impl<T> Iterator for &ClosableQueue<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.0.get()
    }
}
// ANCHOR_END: sentinel

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::thread;
    use std::time::Duration;

    use super::*;
    use crate::watch::{still_blocked_after, wait_until, within};

    // ANCHOR: one_per_worker
    /// With three workers on a queue, one sentinel stops one of them; the other
    /// two wait for theirs. A close flag (step 3) stops all of them at once.
    #[test]
    fn a_sentinel_stops_one_worker_only() {
        let queue = Arc::new(ClosableQueue::<u32>::bounded(8));
        let ended = Arc::new(AtomicUsize::new(0));
        let workers: Vec<_> = (0..3)
            .map(|_| {
                let (queue, ended) = (Arc::clone(&queue), Arc::clone(&ended));
                thread::spawn(move || {
                    for _frame in &*queue {}
                    ended.fetch_add(1, Ordering::SeqCst);
                })
            })
            .collect();
        queue.close();
        within({
            let ended = Arc::clone(&ended);
            move || wait_until(|| ended.load(Ordering::SeqCst) == 1)
        });
        let blocked = workers
            .iter()
            .filter(|worker| {
                still_blocked_after(worker, Duration::from_millis(500))
            })
            .count();
        assert_eq!(
            blocked, 2,
            "two workers still wait for a sentinel of their own"
        );
        // One more sentinel for each of them, and every worker ends.
        queue.close();
        queue.close();
        within(move || {
            for worker in workers {
                worker.join().unwrap();
            }
        });
        assert_eq!(ended.load(Ordering::SeqCst), 3);
    }
    // ANCHOR_END: one_per_worker
}

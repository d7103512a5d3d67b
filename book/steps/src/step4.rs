//! Step 4: `task_done` and `join`. The queue counts the items put and not yet marked
//! done; `join` sleeps on a third `Condvar` until that count is zero. The producer can
//! now wait for the work itself, and the workers stay alive for the next batch.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex};

pub use crate::step3::Closed;

// ANCHOR: state
/// A bounded FIFO queue that can be closed and joined.
pub struct Queue<T> {
    state: Mutex<State<T>>,
    capacity: usize,
    not_empty: Condvar,
    not_full: Condvar,
    /// Signalled when the last unfinished task is marked done: wakes `join`.
    all_done: Condvar,
}

struct State<T> {
    items: VecDeque<T>,
    closed: bool,
    /// Items put but not yet marked with `task_done` (Python's
    /// `unfinished_tasks`).
    unfinished_tasks: usize,
}
// ANCHOR_END: state

impl<T> Queue<T> {
    /// An empty, open queue that holds at most `capacity` items (at least 1).
    pub fn bounded(capacity: usize) -> Self {
        assert!(capacity >= 1, "a bounded queue holds at least one item");
        Queue {
            state: Mutex::new(State {
                items: VecDeque::with_capacity(capacity),
                closed: false,
                unfinished_tasks: 0,
            }),
            capacity,
            not_empty: Condvar::new(),
            not_full: Condvar::new(),
            all_done: Condvar::new(),
        }
    }

    /// Adds `item` at the back, sleeping while the queue is full; fails once it is
    /// closed. Counts one unfinished task.
    pub fn put(&self, item: T) -> Result<(), Closed<T>> {
        let mut state = self.state.lock().unwrap();
        while !state.closed && state.items.len() >= self.capacity {
            state = self.not_full.wait(state).unwrap();
        }
        if state.closed {
            return Err(Closed(item));
        }
        state.items.push_back(item);
        // ANCHOR: count
        state.unfinished_tasks += 1;
        // ANCHOR_END: count
        drop(state);
        self.not_empty.notify_one();
        Ok(())
    }

    /// The oldest item, sleeping while the queue is empty; `None` once it is closed
    /// and drained.
    pub fn get(&self) -> Option<T> {
        let mut state = self.state.lock().unwrap();
        loop {
            if let Some(item) = state.items.pop_front() {
                drop(state);
                self.not_full.notify_one();
                return Some(item);
            }
            if state.closed {
                return None;
            }
            state = self.not_empty.wait(state).unwrap();
        }
    }

    // ANCHOR: join
    /// Marks one item taken by `get` as processed.
    ///
    /// # Panics
    ///
    /// If called more times than items were put.
    pub fn task_done(&self) {
        let mut state = self.state.lock().unwrap();
        if state.unfinished_tasks == 0 {
            // Unlock first: a panic holding the lock would poison it, and every
            // later call on the queue would panic too.
            drop(state);
            panic!("task_done() called too many times");
        }
        state.unfinished_tasks -= 1;
        if state.unfinished_tasks == 0 {
            drop(state);
            self.all_done.notify_all();
        }
    }

    /// Sleeps until every item ever put has been marked with `task_done`.
    pub fn join(&self) {
        let mut state = self.state.lock().unwrap();
        while state.unfinished_tasks > 0 {
            state = self.all_done.wait(state).unwrap();
        }
    }
    // ANCHOR_END: join

    /// Closes the queue and wakes every waiting `get` and `put`.
    pub fn close(&self) {
        self.state.lock().unwrap().closed = true;
        self.not_empty.notify_all();
        self.not_full.notify_all();
    }

    /// How many items the queue holds right now.
    pub fn len(&self) -> usize {
        self.state.lock().unwrap().items.len()
    }

    /// Whether the queue holds no item right now.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The iterator of `for item in &queue`: calls `get` until the queue is closed and drained.
pub struct Iter<'a, T>(&'a Queue<T>);

impl<T> Iterator for Iter<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.0.get()
    }
}

impl<'a, T> IntoIterator for &'a Queue<T> {
    type Item = T;
    type IntoIter = Iter<'a, T>;

    fn into_iter(self) -> Iter<'a, T> {
        Iter(self)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::thread;

    use super::*;
    use crate::watch::{wait_until, within};

    // ANCHOR: fixed
    /// Step 3's flaw, fixed: `join` returns only once the slow worker has
    /// marked the item done, and the worker is still there for the next batch.
    #[test]
    fn join_waits_for_the_work_not_for_the_queue_to_empty() {
        within(|| {
            let queue = Queue::bounded(8);
            let processed = AtomicUsize::new(0);
            let work_may_finish = AtomicBool::new(false);
            thread::scope(|s| {
                s.spawn(|| {
                    for _frame in &queue {
                        wait_until(|| work_may_finish.load(Ordering::SeqCst));
                        processed.fetch_add(1, Ordering::SeqCst);
                        queue.task_done();
                    }
                });
                queue.put("frame").unwrap();
                let joiner = s.spawn(|| {
                    queue.join();
                    // Whatever the timing, join returns after the work, never
                    // before.
                    processed.load(Ordering::SeqCst)
                });
                wait_until(|| queue.is_empty());
                // Empty, but not processed: the joiner is still waiting.
                assert!(!joiner.is_finished());
                work_may_finish.store(true, Ordering::SeqCst);
                assert_eq!(joiner.join().unwrap(), 1);
                // The worker is still alive: a second batch, joined the same
                // way.
                for _ in 0..5 {
                    queue.put("frame").unwrap();
                }
                queue.join();
                assert_eq!(processed.load(Ordering::SeqCst), 6);
                queue.close();
            });
        });
    }
    // ANCHOR_END: fixed

    #[test]
    fn join_on_a_fresh_queue_returns_at_once() {
        within(|| Queue::<u8>::bounded(1).join());
    }

    #[test]
    #[should_panic(expected = "task_done() called too many times")]
    fn a_task_done_too_many_panics() {
        Queue::<u8>::bounded(1).task_done();
    }
}

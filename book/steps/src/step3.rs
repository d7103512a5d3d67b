//! Step 3: `close`. After it, puts fail and gets drain what is left, then return
//! `None`; a waiting get is woken to see it. A worker becomes a `for` loop that ends.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex};

// ANCHOR: state
/// A bounded FIFO queue that can be closed.
pub struct Queue<T> {
    state: Mutex<State<T>>,
    capacity: usize,
    not_empty: Condvar,
    not_full: Condvar,
}

/// What the lock protects: now more than the items.
struct State<T> {
    items: VecDeque<T>,
    /// Set once by `close`, never cleared.
    closed: bool,
}
// ANCHOR_END: state

/// The error of [`Queue::put`] on a closed queue: the item, given back.
#[derive(Debug, PartialEq, Eq)]
pub struct Closed<T>(pub T);

impl<T> Queue<T> {
    /// An empty, open queue that holds at most `capacity` items (at least 1).
    pub fn bounded(capacity: usize) -> Self {
        assert!(capacity >= 1, "a bounded queue holds at least one item");
        Queue {
            state: Mutex::new(State {
                items: VecDeque::with_capacity(capacity),
                closed: false,
            }),
            capacity,
            not_empty: Condvar::new(),
            not_full: Condvar::new(),
        }
    }

    // ANCHOR: put_get
    /// Adds `item` at the back, sleeping while the queue is full; fails once it
    /// is closed.
    pub fn put(&self, item: T) -> Result<(), Closed<T>> {
        let mut state = self.state.lock().unwrap();
        while !state.closed && state.items.len() >= self.capacity {
            state = self.not_full.wait(state).unwrap();
        }
        if state.closed {
            return Err(Closed(item));
        }
        state.items.push_back(item);
        drop(state);
        self.not_empty.notify_one();
        Ok(())
    }

    /// The oldest item, sleeping while the queue is empty; `None` once it is
    /// closed and drained.
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
    // ANCHOR_END: put_get

    // ANCHOR: close
    /// Closes the queue and wakes every waiting `get` and `put`, so none sleeps
    /// forever.
    pub fn close(&self) {
        self.state.lock().unwrap().closed = true;
        self.not_empty.notify_all();
        self.not_full.notify_all();
    }
    // ANCHOR_END: close

    /// How many items the queue holds right now.
    pub fn len(&self) -> usize {
        self.state.lock().unwrap().items.len()
    }

    /// Whether the queue holds no item right now.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

// ANCHOR: iter
/// The iterator of `for item in &queue`: calls `get` until the queue is closed
/// and drained.
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
// ANCHOR_END: iter

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::thread;

    use super::*;
    use crate::watch::{wait_until, within};

    // ANCHOR: fixed
    /// Step 2's flaw, fixed: the worker is a `for` loop, and it ends once the
    /// producer closes the queue and the worker has drained it.
    #[test]
    fn a_worker_ends_once_its_queue_is_closed_and_drained() {
        let taken = within(|| {
            let queue = Queue::bounded(8);
            thread::scope(|s| {
                let worker = s.spawn(|| {
                    let mut taken = 0;
                    for _frame in &queue {
                        taken += 1;
                    }
                    taken
                });
                for id in 0..3 {
                    queue.put(id).unwrap();
                }
                queue.close();
                worker.join().unwrap()
            })
        });
        assert_eq!(taken, 3);
    }
    // ANCHOR_END: fixed

    #[test]
    fn close_wakes_a_put_waiting_for_room_and_gives_its_item_back() {
        within(|| {
            let queue = Queue::bounded(1);
            queue.put(1).unwrap();
            thread::scope(|s| {
                let waiting = s.spawn(|| queue.put(2));
                queue.close();
                assert_eq!(waiting.join().unwrap(), Err(Closed(2)));
            });
            assert_eq!(queue.get(), Some(1));
            assert_eq!(queue.get(), None);
        });
    }

    // ANCHOR: flaw
    /// The flaw step 4 fixes: an empty queue says the items were *taken*, not
    /// that they were *processed*. A producer that waits for "empty" goes on
    /// while the last item is still being worked on; the only sure wait here is
    /// close and join the thread, which ends the worker.
    #[test]
    fn empty_does_not_mean_processed() {
        within(|| {
            let queue = Queue::bounded(8);
            let processed = AtomicUsize::new(0);
            let work_may_finish = AtomicBool::new(false);
            thread::scope(|s| {
                s.spawn(|| {
                    for _frame in &queue {
                        // A slow stage: still working when the queue is already
                        // empty.
                        wait_until(|| work_may_finish.load(Ordering::SeqCst));
                        processed.fetch_add(1, Ordering::SeqCst);
                    }
                });
                queue.put("frame").unwrap();
                wait_until(|| queue.is_empty());
                // The queue is empty, but the one item has not been processed.
                assert_eq!(processed.load(Ordering::SeqCst), 0);
                work_may_finish.store(true, Ordering::SeqCst);
                queue.close();
            });
            assert_eq!(processed.load(Ordering::SeqCst), 1);
        });
    }
    // ANCHOR_END: flaw
}

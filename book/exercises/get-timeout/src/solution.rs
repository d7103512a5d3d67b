//! One answer: `get_timeout` waits on the condition variable with `wait_timeout`,
//! against a deadline fixed once, so that wake-ups do not stretch the wait.

// ANCHOR: solution
use std::collections::VecDeque;
use std::error::Error;
use std::fmt;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

// ANCHOR: queue
/// A blocking queue: a `Mutex<VecDeque>` and a `Condvar`, with `put`, `get` and
/// `close` (`pipeline_condvar::Queue` without the bound and `task_done`).
#[derive(Debug)]
pub struct Queue<T> {
    /// The items and the closed flag, behind one lock.
    state: Mutex<State<T>>,
    /// Signalled when an item arrives (one waiter) and on close (all of them).
    not_empty: Condvar,
}

#[derive(Debug)]
struct State<T> {
    items: VecDeque<T>,
    closed: bool,
}

/// Why [`Queue::get_timeout`] returned without an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GetTimeoutError {
    /// The timeout passed and the queue stayed empty.
    Timeout,
    /// The queue is closed and empty: nothing more will come.
    Closed,
}

impl<T> Queue<T> {
    /// An empty, open queue.
    pub fn new() -> Self {
        Queue {
            state: Mutex::new(State {
                items: VecDeque::new(),
                closed: false,
            }),
            not_empty: Condvar::new(),
        }
    }

    /// Adds `item` at the back and wakes one waiting getter; gives the item
    /// back if the queue is closed.
    pub fn put(&self, item: T) -> Result<(), T> {
        let mut state = self.lock();
        if state.closed {
            return Err(item);
        }
        state.items.push_back(item);
        drop(state);
        self.not_empty.notify_one();
        Ok(())
    }

    /// Takes the oldest item, waiting while the queue is empty; `None` once it
    /// is closed and empty.
    pub fn get(&self) -> Option<T> {
        let mut state = self.lock();
        loop {
            if let Some(item) = state.items.pop_front() {
                return Some(item);
            }
            if state.closed {
                return None;
            }
            state = self
                .not_empty
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// From now on puts fail, and gets return what is left, then `None`. Wakes
    /// every waiting getter.
    pub fn close(&self) {
        self.lock().closed = true;
        self.not_empty.notify_all();
    }

    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<T> Default for Queue<T> {
    fn default() -> Self {
        Queue::new()
    }
}
// ANCHOR_END: queue

// ANCHOR: get_timeout
impl<T> Queue<T> {
    /// Like [`Queue::get`], but waits at most `timeout` for an item to arrive.
    ///
    /// An item already in the queue is returned at once, whatever the timeout;
    /// a closed, empty queue answers [`GetTimeoutError::Closed`] at once.
    pub fn get_timeout(&self, timeout: Duration) -> Result<T, GetTimeoutError> {
        // ANCHOR: learner_get_timeout
        // The deadline is fixed once: a wake-up that finds nothing (another
        // getter was faster, or a spurious wake-up) waits only for the time
        // that is left. A timeout too large for an `Instant` means: no
        // deadline.
        let deadline = Instant::now().checked_add(timeout);
        let mut state = self.lock();
        loop {
            if let Some(item) = state.items.pop_front() {
                return Ok(item);
            }
            if state.closed {
                return Err(GetTimeoutError::Closed);
            }
            let Some(deadline) = deadline else {
                state = self
                    .not_empty
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
                continue;
            };
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(GetTimeoutError::Timeout);
            }
            // `wait_timeout` also says whether it timed out; the loop looks
            // again either way, since an item may have come just in time.
            (state, _) = self
                .not_empty
                .wait_timeout(state, left)
                .unwrap_or_else(PoisonError::into_inner);
        }
        // ANCHOR_END: learner_get_timeout
    }
}
// ANCHOR_END: get_timeout

impl fmt::Display for GetTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            GetTimeoutError::Timeout => "no item arrived before the timeout",
            GetTimeoutError::Closed => "the queue is closed and empty",
        })
    }
}

impl Error for GetTimeoutError {}
// ANCHOR_END: solution

//! The item's `MyQueue`: a deque behind a lock. `get` never waits: it fails when
//! the deque is empty, and the caller must try again later (poll).

use std::collections::VecDeque;
use std::fmt;

// Under `--cfg loom` the same code runs on loom's model-checked lock.
#[cfg(loom)]
use loom::sync::{Mutex, MutexGuard};
use std::sync::PoisonError;
#[cfg(not(loom))]
use std::sync::{Mutex, MutexGuard};

/// Why a [`MyQueue::put`] did not put.
#[derive(Debug, PartialEq, Eq)]
pub enum PutError<T> {
    /// The queue is at its capacity: try again later. The item is given back.
    Full(T),
    /// The queue was closed: nobody will get this item. The item is given back.
    Closed(T),
}

/// Why a [`MyQueue::get`] got nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GetError {
    /// Nothing in the queue now: try again later (the item's `IndexError`).
    Empty,
    /// Nothing in the queue, and nothing more will come.
    Closed,
}

impl<T> fmt::Display for PutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PutError::Full(_) => "the queue is full",
            PutError::Closed(_) => "the queue is closed",
        })
    }
}

impl fmt::Display for GetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            GetError::Empty => "the queue is empty",
            GetError::Closed => "the queue is closed and empty",
        })
    }
}

impl<T: fmt::Debug> std::error::Error for PutError<T> {}
impl std::error::Error for GetError {}

#[derive(Debug)]
struct State<T> {
    items: VecDeque<T>,
    closed: bool,
}

// ANCHOR: my_queue
/// A `Mutex<VecDeque>`: the item's hand-made queue, with an optional bound and
/// an explicit close (the item stops its workers by breaking the queue
/// instead).
#[derive(Debug)]
pub struct MyQueue<T> {
    state: Mutex<State<T>>,
    capacity: Option<usize>,
}

impl<T> MyQueue<T> {
    /// A queue holding at most `capacity` items (`None`: no bound).
    pub fn new(capacity: Option<usize>) -> Self {
        MyQueue {
            state: Mutex::new(State {
                items: VecDeque::new(),
                closed: false,
            }),
            capacity,
        }
    }

    /// Appends `item`, unless the queue is full or closed.
    pub fn put(&self, item: T) -> Result<(), PutError<T>> {
        let mut state = self.lock();
        if state.closed {
            Err(PutError::Closed(item))
        } else if self.capacity.is_some_and(|cap| state.items.len() >= cap) {
            Err(PutError::Full(item))
        } else {
            state.items.push_back(item);
            Ok(())
        }
    }

    /// Takes the oldest item, if there is one; never waits.
    pub fn get(&self) -> Result<T, GetError> {
        let mut state = self.lock();
        match state.items.pop_front() {
            Some(item) => Ok(item),
            None if state.closed => Err(GetError::Closed),
            None => Err(GetError::Empty),
        }
    }
    // ANCHOR_END: my_queue

    // ANCHOR: close
    /// Says no more items will come: puts fail from now on, gets drain what is
    /// left and then report [`GetError::Closed`].
    pub fn close(&self) {
        self.lock().closed = true;
    }
    // ANCHOR_END: close

    /// How many items are in the queue now.
    pub fn len(&self) -> usize {
        self.lock().items.len()
    }

    /// Whether the queue is empty now.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The queue's bound, if it has one.
    pub fn capacity(&self) -> Option<usize> {
        self.capacity
    }

    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // The state is consistent after every statement that changes it, so a
        // lock poisoned by a panicking thread still guards a usable queue.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn get_fails_on_empty_then_returns_in_order() {
        let queue = MyQueue::new(None);
        assert_eq!(queue.get(), Err(GetError::Empty));
        queue.put(1).unwrap();
        queue.put(2).unwrap();
        assert_eq!((queue.get(), queue.get()), (Ok(1), Ok(2)));
    }

    #[test]
    fn a_bounded_put_fails_when_full_and_gives_the_item_back() {
        let queue = MyQueue::new(Some(1));
        queue.put('a').unwrap();
        assert_eq!(queue.put('b'), Err(PutError::Full('b')));
        assert_eq!(queue.get(), Ok('a'));
        queue.put('b').unwrap();
    }

    #[test]
    fn close_drains_then_ends_and_refuses_puts() {
        let queue = MyQueue::new(None);
        queue.put(1).unwrap();
        queue.close();
        assert_eq!(queue.put(2), Err(PutError::Closed(2)));
        assert_eq!(queue.get(), Ok(1));
        assert_eq!(queue.get(), Err(GetError::Closed));
    }
}

//! A blocking queue built from one `Mutex` and three `Condvar`s: Python's `queue.Queue`, rebuilt.
//!
//! The polling workers ask their queue again and again whether work has arrived. Here a
//! worker asks once and sleeps on a condition variable until another thread changes the
//! answer: `get` sleeps on `not_empty` until a `put` wakes it, a `put` into a full bounded
//! queue sleeps on `not_full` until a `get` makes room (backpressure), and `join` sleeps on
//! `all_done` until every item ever put has been marked with `task_done`.
//!
//! Where Python stops its workers with a sentinel item (or, since 3.13, `Queue.shutdown()`),
//! this queue has [`Queue::close`]: puts fail from then on, gets drain what is left and
//! then return `None`, so a worker can be simply `for item in &queue { ... }`.
//! [`Queue::close_immediately`] is `shutdown(immediate=True)`: it also takes the items
//! still queued out, which releases `join` for them.
//!
//! Python's `put_nowait` and `get_nowait` are [`Queue::try_put`] and [`Queue::try_get`],
//! its `put(item, timeout=…)` and `get(timeout=…)` are [`Queue::put_timeout`] and
//! [`Queue::get_timeout`]; its `Full`, `Empty` and `ShutDown` are [`PutError::Full`],
//! [`GetError::Empty`] and the `Closed` variants. `tests/test_queue.rs` is CPython's
//! `Lib/test/test_queue.py`, ported.
//!
//! The layout follows "Rust Atomics and Locks", chapter 5 (a `Mutex<VecDeque>` and a
//! `Condvar`), with the bound, the task counter and the close flag added.
//!
//! ```
//! use pipeline_condvar::Queue;
//! use std::thread;
//!
//! let queue = Queue::bounded(1);
//! thread::scope(|s| {
//!     s.spawn(|| {
//!         for id in 0..3 {
//!             queue.put(id).unwrap(); // waits while the consumer is behind
//!         }
//!         queue.close();
//!     });
//!     let received: Vec<u32> = queue.iter().collect(); // ends after close, once drained
//!     assert_eq!(received, [0, 1, 2]);
//! });
//! ```

use std::collections::VecDeque;
use std::error::Error;
use std::fmt;
use std::iter::FusedIterator;
use std::sync::PoisonError;
use std::time::{Duration, Instant};

// Under `--cfg loom` the same code runs on loom's model-checked primitives.
#[cfg(loom)]
use loom::sync::{Condvar, Mutex, MutexGuard};
#[cfg(not(loom))]
use std::sync::{Condvar, Mutex, MutexGuard};

// ANCHOR: struct
/// A multi-producer, multi-consumer FIFO queue whose `get` and `put` block
/// instead of failing.
///
/// Share it between threads by reference (`std::thread::scope`) or in an `Arc`.
pub struct Queue<T> {
    /// Everything that changes, behind one lock.
    state: Mutex<State<T>>,
    /// The most items the queue holds at once; `None` means unbounded. Never
    /// changes.
    capacity: Option<usize>,
    /// Signalled when an item arrives (and on close): wakes a waiting `get`.
    not_empty: Condvar,
    /// Signalled when an item leaves (and on close): wakes a `put` waiting for
    /// room.
    not_full: Condvar,
    /// Signalled when the last unfinished task is marked done (or
    /// `close_immediately` takes the queued ones out): wakes `join`.
    all_done: Condvar,
}

/// The part of the queue that the lock protects.
struct State<T> {
    /// The items waiting to be taken, oldest first.
    items: VecDeque<T>,
    /// Items put but not yet marked with `task_done` (Python's
    /// `unfinished_tasks`).
    unfinished_tasks: usize,
    /// Set once by `close`, never cleared.
    closed: bool,
}
// ANCHOR_END: struct

/// The error of [`Queue::put`] on a closed queue; it gives the item back.
///
/// Like std's `SendError`, its `Debug` output hides the item, so it is an
/// [`Error`] for every `T`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Closed<T>(pub T);

/// Why [`Queue::try_put`] or [`Queue::put_timeout`] did not put; it gives the
/// item back.
///
/// Python raises `Full` and `ShutDown`. Like [`Closed`], its `Debug` output
/// hides the item.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum PutError<T> {
    /// The bounded queue stayed full: at once for `try_put`, until the timeout
    /// for `put_timeout`.
    Full(T),
    /// The queue is closed (also when it was closed while the put waited).
    Closed(T),
}

/// Why [`Queue::try_get`] or [`Queue::get_timeout`] returned no item.
///
/// Python raises `Empty` and `ShutDown`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GetError {
    /// The queue stayed empty: at once for `try_get`, until the timeout for
    /// `get_timeout`.
    Empty,
    /// The queue is closed and empty: no item will ever come.
    Closed,
}

impl<T> Queue<T> {
    /// A queue that holds at most `capacity` items: `put` waits while it is full.
    ///
    /// This is Python's `Queue(maxsize)` with `maxsize >= 1`.
    ///
    /// # Panics
    ///
    /// If `capacity` is 0. A rendezvous (a put that waits for a get to take the item from
    /// its hand) is not what this queue does; use `std::sync::mpsc::sync_channel(0)`,
    /// or `crossbeam_channel::bounded(0)`, for that.
    pub fn bounded(capacity: usize) -> Self {
        assert!(
            capacity >= 1,
            "a Condvar queue needs capacity >= 1; use a channel for a rendezvous"
        );
        Self::with_capacity(Some(capacity))
    }

    /// A queue without a bound: `put` never waits (Python's `Queue()`).
    pub fn unbounded() -> Self {
        Self::with_capacity(None)
    }

    fn with_capacity(capacity: Option<usize>) -> Self {
        Queue {
            state: Mutex::new(State {
                items: VecDeque::new(),
                unfinished_tasks: 0,
                closed: false,
            }),
            capacity,
            not_empty: Condvar::new(),
            not_full: Condvar::new(),
            all_done: Condvar::new(),
        }
    }

    // ANCHOR: put
    /// Adds `item` at the back, first waiting while a bounded queue is full.
    ///
    /// Fails, giving the item back, once the queue is closed, also when it was
    /// closed while this put was waiting for room.
    pub fn put(&self, item: T) -> Result<(), Closed<T>> {
        let mut state = self.lock();
        // A loop, not an `if`: another putter may take the room between the
        // wake-up and the moment this thread holds the lock again (and condvars
        // may wake spuriously).
        while !state.closed && self.is_full(&state) {
            state = wait(&self.not_full, state);
        }
        if state.closed {
            return Err(Closed(item));
        }
        state.items.push_back(item);
        state.unfinished_tasks += 1;
        drop(state);
        // One new item can satisfy one getter.
        self.not_empty.notify_one();
        Ok(())
    }
    // ANCHOR_END: put

    /// Adds `item` at the back if there is room now, without waiting (Python's
    /// `put_nowait`).
    pub fn try_put(&self, item: T) -> Result<(), PutError<T>> {
        self.put_until(item, Some(Instant::now()))
    }

    /// Adds `item` at the back, waiting at most `timeout` for room (Python's
    /// `put(item, timeout=…)`).
    ///
    /// A `Duration` cannot be negative, so Python's `ValueError` for a negative
    /// timeout has no counterpart; a timeout too long to add to the clock
    /// (`Duration::MAX`) waits like [`Queue::put`].
    pub fn put_timeout(
        &self,
        item: T,
        timeout: Duration,
    ) -> Result<(), PutError<T>> {
        self.put_until(item, Instant::now().checked_add(timeout))
    }

    /// `put`, giving up at `deadline` (never, if `None`).
    fn put_until(
        &self,
        item: T,
        deadline: Option<Instant>,
    ) -> Result<(), PutError<T>> {
        let mut state = self.lock();
        while !state.closed && self.is_full(&state) {
            match remaining(deadline) {
                Some(Duration::ZERO) => return Err(PutError::Full(item)),
                Some(left) => state = wait_timeout(&self.not_full, state, left),
                None => state = wait(&self.not_full, state),
            }
        }
        if state.closed {
            return Err(PutError::Closed(item));
        }
        state.items.push_back(item);
        state.unfinished_tasks += 1;
        drop(state);
        self.not_empty.notify_one();
        Ok(())
    }

    // ANCHOR: get
    /// Removes and returns the oldest item, first waiting while the queue is
    /// empty.
    ///
    /// Returns `None` only when the queue is closed and empty: after `close`,
    /// gets still drain the items that were put before (Python 3.13's
    /// `shutdown()`, not immediate).
    pub fn get(&self) -> Option<T> {
        let mut state = self.lock();
        loop {
            if let Some(item) = state.items.pop_front() {
                drop(state);
                // One free slot can satisfy one putter (nobody waits on an
                // unbounded queue).
                self.not_full.notify_one();
                return Some(item);
            }
            if state.closed {
                return None;
            }
            state = wait(&self.not_empty, state);
        }
    }
    // ANCHOR_END: get

    /// Removes and returns the oldest item if there is one now, without waiting
    /// (Python's `get_nowait`).
    ///
    /// After `close` it still drains what is left, then fails with
    /// [`GetError::Closed`].
    pub fn try_get(&self) -> Result<T, GetError> {
        self.get_until(Some(Instant::now()))
    }

    /// Removes and returns the oldest item, waiting at most `timeout` for one
    /// (Python's `get(timeout=…)`).
    ///
    /// A `Duration` cannot be negative, so Python's `ValueError` for a negative
    /// timeout has no counterpart; a timeout too long to add to the clock
    /// (`Duration::MAX`) waits like [`Queue::get`].
    pub fn get_timeout(&self, timeout: Duration) -> Result<T, GetError> {
        self.get_until(Instant::now().checked_add(timeout))
    }

    /// `get`, giving up at `deadline` (never, if `None`).
    fn get_until(&self, deadline: Option<Instant>) -> Result<T, GetError> {
        let mut state = self.lock();
        loop {
            if let Some(item) = state.items.pop_front() {
                drop(state);
                self.not_full.notify_one();
                return Ok(item);
            }
            if state.closed {
                return Err(GetError::Closed);
            }
            match remaining(deadline) {
                Some(Duration::ZERO) => return Err(GetError::Empty),
                Some(left) => {
                    state = wait_timeout(&self.not_empty, state, left);
                }
                None => state = wait(&self.not_empty, state),
            }
        }
    }

    // ANCHOR: task_done
    /// Marks one item taken by `get` as finished, so that `join` can return.
    ///
    /// Call it once for every item, after the work on it is done.
    ///
    /// # Panics
    ///
    /// If called more times than items were put (Python raises `ValueError`).
    pub fn task_done(&self) {
        let mut state = self.lock();
        let Some(unfinished) = state.unfinished_tasks.checked_sub(1) else {
            // Release the lock before panicking, so the panic does not poison
            // it.
            drop(state);
            panic!("task_done() called more times than there were items put");
        };
        state.unfinished_tasks = unfinished;
        if unfinished == 0 {
            drop(state);
            // Several threads may be joining; all of them may go on now.
            self.all_done.notify_all();
        }
    }

    /// Waits until every item ever put has been marked with `task_done`.
    ///
    /// Returns at once if that is already so. [`Queue::close`] does not end the
    /// wait: the items still in it are work that has not been done.
    /// [`Queue::close_immediately`] takes them out, and ends it once the items
    /// already taken are marked done.
    pub fn join(&self) {
        let mut state = self.lock();
        while state.unfinished_tasks > 0 {
            state = wait(&self.all_done, state);
        }
    }
    // ANCHOR_END: task_done

    // ANCHOR: close
    /// Closes the queue: from now on puts fail, and gets return `None` once it
    /// is empty.
    ///
    /// Wakes every thread waiting in `get` or `put`, so none of them is left
    /// blocked. Closing twice is harmless.
    pub fn close(&self) {
        self.lock().closed = true;
        // Every waiter must see the change, not just one: waiting getters
        // return `None` (or take a leftover item), waiting putters get their
        // item back.
        self.not_empty.notify_all();
        self.not_full.notify_all();
    }
    // ANCHOR_END: close

    /// Closes the queue and takes out every item still in it (Python 3.13's
    /// `shutdown(immediate=True)`): from now on puts fail and gets return
    /// `None` at once.
    ///
    /// The items taken out count as done, so `join` returns once the items
    /// already taken by `get` are marked with `task_done`. They are returned
    /// rather than dropped under the lock: dropping them is discarding them,
    /// and their `Drop` runs without the lock held.
    pub fn close_immediately(&self) -> Vec<T> {
        let mut state = self.lock();
        state.closed = true;
        let discarded: Vec<T> = state.items.drain(..).collect();
        // Python's `shutdown` does not let the count go below zero either.
        state.unfinished_tasks =
            state.unfinished_tasks.saturating_sub(discarded.len());
        let all_done = state.unfinished_tasks == 0;
        drop(state);
        self.not_empty.notify_all();
        self.not_full.notify_all();
        if all_done {
            self.all_done.notify_all();
        }
        discarded
    }

    /// The number of items in the queue right now (it may change at once).
    pub fn len(&self) -> usize {
        self.lock().items.len()
    }

    /// Whether the queue holds no item right now.
    pub fn is_empty(&self) -> bool {
        self.lock().items.is_empty()
    }

    /// The bound given to [`Queue::bounded`], or `None` for an unbounded queue.
    pub fn capacity(&self) -> Option<usize> {
        self.capacity
    }

    /// Whether [`Queue::close`] has been called.
    pub fn is_closed(&self) -> bool {
        self.lock().closed
    }

    /// An iterator that calls [`Queue::get`] until it returns `None`.
    ///
    /// It ends once the queue is closed and drained, like Python's loop that stops at
    /// the sentinel. It does not call `task_done`.
    pub fn iter(&self) -> Iter<'_, T> {
        Iter { queue: self }
    }

    /// Takes the lock, even if a thread panicked while holding it.
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // Poisoning says "a panic may have left the data half-changed". Here it cannot:
        // no code that can panic runs while the lock is held, and the state is consistent
        // between any two statements. So the queue keeps working for the other threads.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn is_full(&self, state: &State<T>) -> bool {
        self.capacity
            .is_some_and(|capacity| state.items.len() >= capacity)
    }
}

/// Waits on `condvar`, recovering the guard from a poisoned lock as [`Queue::lock`] does.
fn wait<'a, T>(
    condvar: &Condvar,
    guard: MutexGuard<'a, T>,
) -> MutexGuard<'a, T> {
    condvar.wait(guard).unwrap_or_else(PoisonError::into_inner)
}

/// [`wait`] with a timeout: returns when woken or when `timeout` is over,
/// whichever comes first (the caller looks at the clock and the state again).
fn wait_timeout<'a, T>(
    condvar: &Condvar,
    guard: MutexGuard<'a, T>,
    timeout: Duration,
) -> MutexGuard<'a, T> {
    match condvar.wait_timeout(guard, timeout) {
        Ok((guard, _)) => guard,
        Err(poisoned) => poisoned.into_inner().0,
    }
}

/// The time left until `deadline` (zero once it has passed), or `None` for
/// no deadline.
fn remaining(deadline: Option<Instant>) -> Option<Duration> {
    deadline.map(|deadline| deadline.saturating_duration_since(Instant::now()))
}

impl<T> fmt::Debug for Queue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("Queue")
            .field("len", &state.items.len())
            .field("capacity", &self.capacity)
            .field("unfinished_tasks", &state.unfinished_tasks)
            .field("closed", &state.closed)
            .finish_non_exhaustive()
    }
}

// ANCHOR: iter
/// The iterator of [`Queue::iter`]: yields items until the queue is closed and
/// empty.
pub struct Iter<'a, T> {
    queue: &'a Queue<T>,
}

impl<T> Iterator for Iter<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.queue.get()
    }
}

// Once `get` has returned `None` the queue is closed and empty, and it stays
// so: a closed queue refuses every put.
impl<T> FusedIterator for Iter<'_, T> {}

impl<'a, T> IntoIterator for &'a Queue<T> {
    type Item = T;
    type IntoIter = Iter<'a, T>;

    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}
// ANCHOR_END: iter

impl<T> fmt::Debug for Closed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Closed(..)")
    }
}

impl<T> fmt::Display for Closed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("put on a closed queue")
    }
}

impl<T> Error for Closed<T> {}

impl<T> PutError<T> {
    /// The item that was not put.
    pub fn into_inner(self) -> T {
        match self {
            PutError::Full(item) | PutError::Closed(item) => item,
        }
    }
}

impl<T> fmt::Debug for PutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PutError::Full(_) => f.write_str("Full(..)"),
            PutError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> fmt::Display for PutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PutError::Full(_) => f.write_str("put on a full queue"),
            PutError::Closed(_) => f.write_str("put on a closed queue"),
        }
    }
}

impl<T> Error for PutError<T> {}

impl fmt::Display for GetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GetError::Empty => f.write_str("get on an empty queue"),
            GetError::Closed => f.write_str("get on a closed, empty queue"),
        }
    }
}

impl Error for GetError {}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::mpsc::{self, RecvTimeoutError};
    use std::thread;
    use std::time::Duration;

    /// Runs `f` on its own thread and fails if it has not finished after `secs` seconds,
    /// so a deadlock fails the test instead of hanging it.
    fn within(secs: u64, f: impl FnOnce() + Send + 'static) {
        let (finished, finished_rx) = mpsc::channel();
        let body = thread::spawn(move || {
            f();
            finished.send(()).unwrap();
        });
        match finished_rx.recv_timeout(Duration::from_secs(secs)) {
            Ok(()) => body.join().unwrap(),
            // `f` panicked: report its panic, not ours.
            Err(RecvTimeoutError::Disconnected) => {
                std::panic::resume_unwind(body.join().unwrap_err())
            }
            Err(RecvTimeoutError::Timeout) => {
                panic!("deadlock: the test did not finish within {secs} s")
            }
        }
    }

    /// Where `event` was recorded.
    fn position(events: &Mutex<Vec<&str>>, event: &str) -> usize {
        let events = events.lock().unwrap();
        events
            .iter()
            .position(|&e| e == event)
            .unwrap_or_else(|| panic!("no {event:?} in {events:?}"))
    }

    #[test]
    fn get_blocks_until_an_item_arrives() {
        within(10, || {
            let queue = Queue::unbounded();
            let events = Mutex::new(Vec::new());
            thread::scope(|s| {
                s.spawn(|| {
                    events.lock().unwrap().push("consumer waiting");
                    let item = queue.get();
                    events.lock().unwrap().push("consumer done");
                    assert_eq!(item, Some("frame"));
                });
                thread::sleep(Duration::from_millis(100));
                events.lock().unwrap().push("producer putting");
                queue.put("frame").unwrap();
            });
            assert!(
                position(&events, "producer putting")
                    < position(&events, "consumer done")
            );
        });
    }

    // ANCHOR: take_turns
    #[test]
    fn bounded_one_makes_producer_and_consumer_take_turns() {
        within(10, || {
            let queue = Queue::bounded(1);
            let events = Mutex::new(Vec::new());
            thread::scope(|s| {
                s.spawn(|| {
                    thread::sleep(Duration::from_millis(100));
                    events.lock().unwrap().push("consumer getting 1");
                    assert_eq!(queue.get(), Some(1));
                    events.lock().unwrap().push("consumer got 1");
                    assert_eq!(queue.get(), Some(2));
                    events.lock().unwrap().push("consumer got 2");
                });
                queue.put(1).unwrap();
                events.lock().unwrap().push("producer put 1");
                queue.put(2).unwrap();
                events.lock().unwrap().push("producer put 2");
            });
            // The second put found the queue full and had to wait for the first
            // get.
            let at = |event| position(&events, event);
            assert!(at("producer put 1") < at("producer put 2"));
            assert!(at("consumer getting 1") < at("producer put 2"));
            assert!(at("consumer got 1") < at("consumer got 2"));
        });
    }
    // ANCHOR_END: take_turns

    #[test]
    fn put_blocks_while_full_and_len_never_exceeds_capacity() {
        within(10, || {
            let queue = Queue::bounded(2);
            let third_put_done = AtomicBool::new(false);
            let producer_done = AtomicBool::new(false);
            thread::scope(|s| {
                s.spawn(|| {
                    while !producer_done.load(Ordering::Relaxed) {
                        assert!(queue.len() <= 2, "len above capacity");
                    }
                });
                s.spawn(|| {
                    for id in 0..50 {
                        queue.put(id).unwrap();
                        if id == 2 {
                            third_put_done.store(true, Ordering::SeqCst);
                        }
                    }
                    producer_done.store(true, Ordering::Relaxed);
                });
                // Wait until the producer has filled the queue (the watchdog
                // fails a hang), then give its third put time to run: nobody
                // has taken anything, so it cannot finish, however long it runs.
                while queue.len() < 2 {
                    thread::yield_now();
                }
                thread::sleep(Duration::from_millis(20));
                assert!(!third_put_done.load(Ordering::SeqCst));
                assert_eq!(queue.len(), 2);
                let received: Vec<i32> =
                    (0..50).map(|_| queue.get().unwrap()).collect();
                assert_eq!(received, (0..50).collect::<Vec<_>>());
            });
            assert!(third_put_done.load(Ordering::SeqCst));
            assert!(queue.is_empty());
        });
    }

    // ANCHOR: join_test
    #[test]
    fn join_returns_after_every_item_is_task_done() {
        const ITEMS: usize = 100;
        within(10, || {
            let queue = Queue::unbounded();
            let finished = AtomicUsize::new(0);
            thread::scope(|s| {
                for _ in 0..2 {
                    s.spawn(|| {
                        for _item in &queue {
                            thread::sleep(Duration::from_micros(200));
                            finished.fetch_add(1, Ordering::SeqCst);
                            queue.task_done();
                        }
                    });
                }
                for id in 0..ITEMS {
                    queue.put(id).unwrap();
                }
                queue.join();
                assert_eq!(finished.load(Ordering::SeqCst), ITEMS);
                queue.close();
            });
        });
    }
    // ANCHOR_END: join_test

    #[test]
    fn join_on_a_fresh_queue_returns_at_once() {
        within(10, || Queue::<u8>::bounded(1).join());
    }

    #[test]
    #[should_panic(
        expected = "task_done() called more times than there were items put"
    )]
    fn task_done_without_a_put_panics() {
        Queue::<u8>::unbounded().task_done();
    }

    #[test]
    #[should_panic(expected = "a Condvar queue needs capacity >= 1")]
    fn bounded_zero_panics() {
        Queue::<u8>::bounded(0);
    }

    #[test]
    fn close_lets_gets_drain_then_return_none() {
        within(10, || {
            let queue = Queue::bounded(3);
            thread::scope(|s| {
                for id in 0..3 {
                    queue.put(id).unwrap();
                }
                queue.close();
                s.spawn(|| {
                    assert_eq!(queue.iter().collect::<Vec<_>>(), [0, 1, 2]);
                    assert_eq!(queue.get(), None);
                });
            });
            assert!(queue.is_closed());
        });
    }

    #[test]
    fn put_after_close_returns_the_item() {
        let queue = Queue::unbounded();
        queue.close();
        let error = queue.put(String::from("frame")).unwrap_err();
        assert_eq!(error.0, "frame");
        assert_eq!(error.to_string(), "put on a closed queue");
        assert!(queue.is_empty());
    }

    #[test]
    fn close_wakes_a_put_blocked_on_a_full_queue() {
        within(10, || {
            let queue = Queue::bounded(1);
            queue.put(1).unwrap();
            thread::scope(|s| {
                let blocked_put = s.spawn(|| queue.put(2));
                thread::sleep(Duration::from_millis(100));
                queue.close();
                assert_eq!(blocked_put.join().unwrap(), Err(Closed(2)));
            });
            assert_eq!(queue.get(), Some(1));
            assert_eq!(queue.get(), None);
        });
    }

    #[test]
    fn close_wakes_every_blocked_getter() {
        within(10, || {
            let queue = Queue::<u8>::unbounded();
            thread::scope(|s| {
                let getters: Vec<_> =
                    (0..4).map(|_| s.spawn(|| queue.get())).collect();
                thread::sleep(Duration::from_millis(100));
                queue.close();
                for getter in getters {
                    assert_eq!(getter.join().unwrap(), None);
                }
            });
        });
    }

    /// CPython's `FailingQueueTest.test_failing_queue` makes `_put` and `_get`
    /// raise while the queue's lock is held, and checks that the queue still
    /// works. No code of the caller runs under this queue's lock, so the test
    /// panics while holding it by hand: the lock is poisoned, and every method
    /// still works, because `lock` and `wait` recover the guard.
    #[test]
    fn a_panic_holding_the_lock_leaves_the_queue_usable() {
        within(10, || {
            let queue = Queue::bounded(2);
            let fail_holding_the_lock = |queue: &Queue<&str>| {
                let failed = std::panic::catch_unwind(|| {
                    let _state = queue.state.lock();
                    panic!("You Lose");
                });
                assert!(failed.is_err());
                assert!(queue.state.is_poisoned());
            };
            queue.put("first").unwrap();
            fail_holding_the_lock(&queue);
            queue.put("last").unwrap();
            assert_eq!(queue.try_put("full"), Err(PutError::Full("full")));
            thread::scope(|s| {
                // A put waiting for room, woken through the poisoned lock.
                let waiting = s.spawn(|| queue.put("full"));
                fail_holding_the_lock(&queue);
                assert_eq!(queue.get(), Some("first"));
                waiting.join().unwrap().unwrap();
            });
            assert_eq!(queue.get_timeout(Duration::ZERO), Ok("last"));
            assert_eq!(queue.try_get(), Ok("full"));
            for _ in 0..3 {
                queue.task_done();
            }
            queue.join();
            queue.close();
            assert_eq!(queue.get(), None);
        });
    }

    #[test]
    fn three_producers_three_consumers_deliver_each_item_exactly_once() {
        const ITEMS: usize = 10_000;
        within(10, || {
            let queue = Queue::bounded(16);
            let received = thread::scope(|s| {
                let consumers: Vec<_> = (0..3)
                    .map(|_| s.spawn(|| queue.iter().collect::<Vec<usize>>()))
                    .collect();
                let producers: Vec<_> = (0..3)
                    .map(|p| {
                        let queue = &queue;
                        s.spawn(move || {
                            for id in (p..ITEMS).step_by(3) {
                                queue.put(id).unwrap();
                            }
                        })
                    })
                    .collect();
                for producer in producers {
                    producer.join().unwrap();
                }
                queue.close();
                consumers
                    .into_iter()
                    .flat_map(|consumer| consumer.join().unwrap())
                    .collect::<Vec<_>>()
            });
            assert_eq!(received.len(), ITEMS, "an item was lost or duplicated");
            let distinct: HashSet<usize> = received.into_iter().collect();
            assert_eq!(distinct, (0..ITEMS).collect());
        });
    }
}

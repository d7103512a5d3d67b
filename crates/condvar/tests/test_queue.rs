// Ported from CPython's `Lib/test/test_queue.py`: the tests before the
// shutdown ones as at python/cpython commit
// 55f1cab59e4a5ae300f4b6ab7eb29b3848b2eb15, the `test_shutdown_*` family as
// it came with `Queue.shutdown()` in Python 3.13.
// Copyright (c) 2001-2024 Python Software Foundation; All Rights Reserved.
// The original is under the Python Software Foundation License Version 2.

//! CPython's tests of `queue.Queue`, run on the Condvar queue.
//!
//! Each test keeps the name of the CPython test it ports in a comment, in the
//! order of `test_queue.py`. Python's `Full`, `Empty` and `ShutDown` are
//! [`PutError::Full`], [`GetError::Empty`] and the `Closed` cases;
//! `shutdown()` is [`Queue::close`], `shutdown(immediate=True)` is
//! [`Queue::close_immediately`]; a blocking `get` that Python ends with
//! `ShutDown` returns `None`. Where the Rust queue differs, the test says so
//! and checks what it does instead.
//!
//! Not ported: `LifoQueue`, `PriorityQueue` and `SimpleQueue`'s own
//! tests (this is a FIFO queue only; `SimpleQueue`'s thread tests are ported
//! on it), `test_is_default` (no C and Python twins here).
//!
//! Every test runs under a watchdog, so a hang fails it; no assertion depends
//! on how fast the machine is: a short timeout is used only where the
//! assertion is "it timed out".

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Condvar, Mutex};
use std::thread;
use std::time::Duration;

use pipeline_condvar::{Closed, GetError, PutError, Queue};
use pipeline_core::testkit::within;

/// CPython's `QUEUE_SIZE`.
const QUEUE_SIZE: usize = 5;

/// How long a test may run before it counts as stuck.
const WATCHDOG: Duration = Duration::from_secs(60);

/// The timeout of a call whose assertion is "it timed out" (CPython's 0.01 s).
const SHORT: Duration = Duration::from_millis(10);

/// The timeout of a call that must not time out (CPython's 10 s): longer than
/// the watchdog, so only a hang can end it, and the watchdog reports that.
const LONG: Duration = Duration::from_secs(3600);

/// Runs a test's body under the watchdog.
fn watched(what: &str, f: impl FnOnce() + Send + 'static) {
    within(what, WATCHDOG, f);
}

/// CPython's `qfull`: a bounded queue holding as many items as its bound.
fn qfull<T>(q: &Queue<T>) -> bool {
    q.capacity().is_some_and(|capacity| q.len() == capacity)
}

/// What `unfinished_tasks` is, read from the queue's `Debug` output (CPython's
/// tests read the attribute).
fn unfinished_tasks<T>(q: &Queue<T>) -> usize {
    let debug = format!("{q:?}");
    let (_, rest) = debug.split_once("unfinished_tasks: ").unwrap();
    rest.split(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// The message of a caught panic.
fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    match payload.downcast::<&str>() {
        Ok(message) => message.to_string(),
        Err(payload) => *payload.downcast::<String>().unwrap(),
    }
}

/// Where CPython expects `ValueError` from a `task_done` too many: the Rust
/// queue panics, with this message, and stays usable (the lock is released
/// before the panic, so it is not poisoned).
fn assert_task_done_too_many_panics<T>(q: &Queue<T>) {
    let payload = panic::catch_unwind(AssertUnwindSafe(|| q.task_done()))
        .expect_err("task_done on a queue with no unfinished task");
    assert_eq!(
        panic_message(payload),
        "task_done() called more times than there were items put"
    );
    q.join();
}

/// CPython's `threading.Event`.
#[derive(Default)]
struct Event {
    set: Mutex<bool>,
    changed: Condvar,
}

impl Event {
    fn set(&self) {
        *self.set.lock().unwrap() = true;
        self.changed.notify_all();
    }

    fn wait(&self) {
        let mut set = self.set.lock().unwrap();
        while !*set {
            set = self.changed.wait(set).unwrap();
        }
    }
}

/// CPython's `BlockingTestMixin.do_blocking_test`: runs `block` here and
/// `trigger` on another thread, and fails if `block` returned before
/// `trigger` started.
///
/// `block` must wait until `trigger` changes the queue, so it returns after
/// `started` is set whatever the timing. The pause before the trigger gives a
/// queue that does not block the chance to return first and be caught; it
/// never fails a queue that blocks.
fn do_blocking_test<R>(
    block: impl FnOnce() -> R,
    trigger: impl FnOnce() + Send,
) -> R {
    let started = AtomicBool::new(false);
    thread::scope(|s| {
        s.spawn(|| {
            thread::sleep(Duration::from_millis(100));
            started.store(true, Ordering::SeqCst);
            trigger();
        });
        let result = block();
        assert!(
            started.load(Ordering::SeqCst),
            "blocking function appeared not to block"
        );
        result
    })
}

// BaseQueueTestMixin.basic_queue_test
fn basic_queue_test(q: &Queue<usize>) {
    assert!(q.is_empty(), "call this function with an empty queue");
    assert!(!qfull(q));
    q.put(111).unwrap();
    q.put(333).unwrap();
    q.put(222).unwrap();
    // A FIFO queue; CPython's LifoQueue and PriorityQueue orders have no
    // counterpart here.
    let actual_order = [q.get(), q.get(), q.get()];
    assert_eq!(actual_order, [Some(111), Some(333), Some(222)]);
    for i in 0..QUEUE_SIZE - 1 {
        q.put(i).unwrap();
        assert!(!q.is_empty(), "queue should not be empty");
    }
    assert!(!qfull(q), "queue should not be full");
    let last = 2 * QUEUE_SIZE;
    let full = 3 * 2 * QUEUE_SIZE;
    q.put(last).unwrap();
    assert!(qfull(q), "queue should be full");
    assert!(!q.is_empty());
    // put(full, block=0) and put(full, timeout=0.01) raise Full.
    assert_eq!(q.try_put(full), Err(PutError::Full(full)));
    assert_eq!(q.put_timeout(full, SHORT), Err(PutError::Full(full)));
    // Test a blocking put.
    do_blocking_test(|| q.put(full).unwrap(), || assert!(q.get().is_some()));
    do_blocking_test(
        || q.put_timeout(full, LONG).unwrap(),
        || assert!(q.get().is_some()),
    );
    // Empty it.
    for _ in 0..QUEUE_SIZE {
        q.get().unwrap();
    }
    assert!(q.is_empty(), "queue should be empty");
    // get(block=0) and get(timeout=0.01) raise Empty.
    assert_eq!(q.try_get(), Err(GetError::Empty));
    assert_eq!(q.get_timeout(SHORT), Err(GetError::Empty));
    // Test a blocking get.
    let got = do_blocking_test(|| q.get(), || q.put(42).unwrap());
    assert_eq!(got, Some(42));
    let got = do_blocking_test(|| q.get_timeout(LONG), || q.put(43).unwrap());
    assert_eq!(got, Ok(43));
}

// BaseQueueTestMixin.worker: the item's worker, stopped by a sentinel (-1).
fn worker(q: &Queue<i64>, cum: &AtomicI64) {
    loop {
        let x = q.get().unwrap();
        if x < 0 {
            q.task_done();
            return;
        }
        cum.fetch_add(x, Ordering::SeqCst);
        q.task_done();
    }
}

// BaseQueueTestMixin.queue_join_test, with `producers` putting and `workers`
// taking (CPython: one and two).
fn queue_join_test(q: &Queue<i64>, producers: i64, workers: usize) {
    let cum = AtomicI64::new(0);
    thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| worker(q, &cum));
        }
        thread::scope(|p| {
            for producer in 0..producers {
                p.spawn(move || {
                    for i in (producer..100).step_by(producers as usize) {
                        q.put(i).unwrap();
                    }
                });
            }
        });
        q.join();
        assert_eq!(
            cum.load(Ordering::SeqCst),
            (0..100).sum(),
            "q.join() did not block until all tasks were done"
        );
        for _ in 0..workers {
            q.put(-1).unwrap(); // instruct the threads to close
        }
        q.join(); // verify that you can join twice
    });
}

// test_queue_task_done
#[test]
fn queue_task_done() {
    watched("test_queue_task_done", || {
        let q = Queue::<i64>::unbounded();
        assert_task_done_too_many_panics(&q);
        // Still usable after the panic.
        q.put(1).unwrap();
        assert_eq!(q.get(), Some(1));
        q.task_done();
        q.join();
    });
}

// test_queue_join
#[test]
fn queue_join() {
    watched("test_queue_join", || {
        let q = Queue::unbounded();
        queue_join_test(&q, 1, 2);
        queue_join_test(&q, 1, 2);
        assert_task_done_too_many_panics(&q);
    });
}

// test_queue_join, with many producers and consumers on a bounded queue.
#[test]
fn queue_join_many_producers_and_consumers() {
    watched("test_queue_join, many threads", || {
        let q = Queue::bounded(QUEUE_SIZE);
        queue_join_test(&q, 4, 6);
        queue_join_test(&q, 7, 3);
        assert_task_done_too_many_panics(&q);
    });
}

// test_basic
#[test]
fn basic() {
    watched("test_basic", || {
        // Done twice to make sure it works with the same instance reused.
        let q = Queue::bounded(QUEUE_SIZE);
        basic_queue_test(&q);
        basic_queue_test(&q);
    });
}

// test_negative_timeout_raises_exception
//
// CPython: `q.put(1, timeout=-1)` and `q.get(timeout=-1)` raise `ValueError`.
// A `Duration` cannot be negative: the refusal comes earlier, when one is made
// from a negative number of seconds, and the queue is never called. The
// nearest calls are a zero timeout, which does not wait (like `try_put` and
// `try_get`), and a timeout too long to add to the clock, which waits like
// `put` and `get` instead of overflowing.
#[test]
fn negative_timeout_raises_exception() {
    assert!(Duration::try_from_secs_f64(-1.0).is_err());
    assert!(panic::catch_unwind(|| Duration::from_secs_f64(-1.0)).is_err());
    watched("test_negative_timeout_raises_exception", || {
        let q = Queue::bounded(QUEUE_SIZE);
        assert_eq!(q.get_timeout(Duration::ZERO), Err(GetError::Empty));
        for i in 0..QUEUE_SIZE {
            q.put_timeout(i, Duration::ZERO).unwrap();
        }
        assert_eq!(q.put_timeout(9, Duration::ZERO), Err(PutError::Full(9)));
        do_blocking_test(
            || q.put_timeout(9, Duration::MAX).unwrap(),
            || assert!(q.get().is_some()),
        );
        for _ in 0..QUEUE_SIZE {
            q.get_timeout(Duration::MAX).unwrap();
        }
        let got = do_blocking_test(
            || q.get_timeout(Duration::MAX),
            || q.put(7).unwrap(),
        );
        assert_eq!(got, Ok(7));
    });
}

// test_nowait
#[test]
fn nowait() {
    let q = Queue::bounded(QUEUE_SIZE);
    for _ in 0..QUEUE_SIZE {
        q.try_put(1).unwrap();
    }
    assert_eq!(q.try_put(1), Err(PutError::Full(1)));
    for _ in 0..QUEUE_SIZE {
        q.try_get().unwrap();
    }
    assert_eq!(q.try_get(), Err(GetError::Empty));
}

// test_shrinking_queue
//
// CPython sets `q.maxsize = 2` on a full `Queue(3)` and checks that
// `put_nowait` still raises `Full`. Here the bound is fixed when the queue is
// made (`capacity` has no setter), so there is no shrinking; the first half
// of the test holds.
#[test]
fn shrinking_queue() {
    let q = Queue::bounded(3);
    q.put(1).unwrap();
    q.put(2).unwrap();
    q.put(3).unwrap();
    assert_eq!(q.try_put(4), Err(PutError::Full(4)));
    assert_eq!(q.len(), 3);
    assert_eq!(q.capacity(), Some(3));
}

// test_shutdown_empty
#[test]
fn shutdown_empty() {
    let q = Queue::unbounded();
    q.close();
    assert_eq!(q.put("data"), Err(Closed("data")));
    assert_eq!(q.get(), None);
    assert_eq!(q.try_get(), Err(GetError::Closed));
}

// test_shutdown_nonempty
#[test]
fn shutdown_nonempty() {
    let q = Queue::unbounded();
    q.put("data").unwrap();
    q.close();
    assert_eq!(q.get(), Some("data"));
    assert_eq!(q.get(), None);
}

// test_shutdown_immediate
#[test]
fn shutdown_immediate() {
    let q = Queue::unbounded();
    q.put("data").unwrap();
    // Python discards the items; here they are handed back to be dropped.
    assert_eq!(q.close_immediately(), ["data"]);
    assert_eq!(q.get(), None);
}

// test_shutdown_allowed_transitions
//
// CPython allows open → shutdown → immediate. Here every order is allowed:
// a `close` after `close_immediately` changes nothing.
#[test]
fn shutdown_allowed_transitions() {
    let q = Queue::<u8>::unbounded();
    assert!(!q.is_closed());
    q.close();
    assert!(q.is_closed());
    assert_eq!(q.close_immediately(), []);
    assert!(q.is_closed());
    q.close();
    assert!(q.is_closed());
}

// BaseQueueTestMixin._shutdown_all_methods_in_one_thread
fn shutdown_all_methods_in_one_thread(immediate: bool) {
    let q = Queue::bounded(2);
    q.put("L").unwrap();
    q.try_put("O").unwrap();
    if immediate {
        assert_eq!(q.close_immediately(), ["L", "O"]);
    } else {
        q.close();
    }
    // Refused even when the queue is full: a closed queue does not wait.
    assert_eq!(q.put("E"), Err(Closed("E")));
    assert_eq!(q.try_put("W"), Err(PutError::Closed("W")));
    assert_eq!(q.put_timeout("W", LONG), Err(PutError::Closed("W")));
    if immediate {
        assert_eq!(q.get(), None);
        assert_eq!(q.try_get(), Err(GetError::Closed));
        // The discarded items count as done.
        assert_task_done_too_many_panics(&q);
        q.join();
    } else {
        let mut got = [q.get().unwrap(), ""];
        q.task_done();
        got[1] = q.get().unwrap();
        q.task_done();
        got.sort_unstable();
        assert_eq!(got, ["L", "O"]);
        q.join();
        // On a closed queue that is empty, gets say so at once.
        assert_eq!(q.get(), None);
        assert_eq!(q.try_get(), Err(GetError::Closed));
        assert_eq!(q.get_timeout(LONG), Err(GetError::Closed));
    }
}

// test_shutdown_all_methods_in_one_thread
#[test]
fn shutdown_all_methods_in_one_thread_() {
    watched("test_shutdown_all_methods_in_one_thread", || {
        shutdown_all_methods_in_one_thread(false);
    });
}

// test_shutdown_immediate_all_methods_in_one_thread
#[test]
fn shutdown_immediate_all_methods_in_one_thread() {
    watched("test_shutdown_immediate_all_methods_in_one_thread", || {
        shutdown_all_methods_in_one_thread(true);
    });
}

/// What the threads of `shutdown_all_methods_in_many_threads` report.
#[derive(Default)]
struct Results {
    puts: Mutex<Vec<bool>>,
    gets: Mutex<Vec<bool>>,
    shutdown: Mutex<Vec<bool>>,
}

// BaseQueueTestMixin._write_msg_thread
fn write_msg_thread(
    q: &Queue<(usize, &str)>,
    n: usize,
    results: &Results,
    i_when_exec_shutdown: usize,
    shutdown_asked: &AtomicBool,
    event_shutdown: &Event,
    barrier_start: &Barrier,
) {
    // Every writer puts several items into the queue.
    for i in 0..i_when_exec_shutdown / 2 {
        q.put((i, "LOYD")).unwrap();
    }
    barrier_start.wait();
    for i in i_when_exec_shutdown / 2..n {
        if q.put((i, "YDLO")).is_err() {
            results.puts.lock().unwrap().push(false);
            break;
        }
        // Trigger the shutdown; only one thread asks for it.
        if i == i_when_exec_shutdown
            && !shutdown_asked.swap(true, Ordering::SeqCst)
        {
            event_shutdown.set();
            results.puts.lock().unwrap().push(true);
        }
    }
}

// BaseQueueTestMixin._read_msg_thread
fn read_msg_thread(
    q: &Queue<(usize, &str)>,
    results: &Results,
    barrier_start: &Barrier,
) {
    // Get at least one item.
    q.get().unwrap();
    q.task_done();
    barrier_start.wait();
    loop {
        match q.try_get() {
            Ok(_) => q.task_done(),
            Err(GetError::Closed) => {
                results.gets.lock().unwrap().push(true);
                break;
            }
            // CPython spins; yielding lets the writers run on a busy machine.
            Err(GetError::Empty) => thread::yield_now(),
        }
    }
}

// BaseQueueTestMixin._shutdown_all_methods_in_many_threads
fn shutdown_all_methods_in_many_threads(immediate: bool) {
    let q = Queue::unbounded();
    let results = Results::default();
    let write_threads = 4;
    let read_threads = 6;
    let join_threads = 2;
    let nb_msgs = 1024 * 64;
    let nb_msgs_w = nb_msgs / write_threads;
    let when_exec_shutdown = nb_msgs_w / 2;
    // The barrier makes sure that every writer has put its first items and
    // every reader has got one before the shutdown; the joiners take part only
    // when the shutdown is immediate (otherwise nobody would release them).
    let nparties =
        write_threads + read_threads + if immediate { join_threads } else { 0 };
    let barrier_start = Barrier::new(nparties);
    let shutdown_asked = AtomicBool::new(false);
    let ev_exec_shutdown = Event::default();
    thread::scope(|s| {
        for _ in 0..write_threads {
            s.spawn(|| {
                write_msg_thread(
                    &q,
                    nb_msgs_w,
                    &results,
                    when_exec_shutdown,
                    &shutdown_asked,
                    &ev_exec_shutdown,
                    &barrier_start,
                )
            });
        }
        for _ in 0..read_threads {
            s.spawn(|| read_msg_thread(&q, &results, &barrier_start));
        }
        // BaseQueueTestMixin._shutdown_thread
        s.spawn(|| {
            ev_exec_shutdown.wait();
            if immediate {
                drop(q.close_immediately());
            } else {
                q.close();
            }
            results.shutdown.lock().unwrap().push(q.is_empty());
        });
        if immediate {
            for _ in 0..join_threads {
                // BaseQueueTestMixin._join_thread
                s.spawn(|| {
                    barrier_start.wait();
                    q.join();
                });
            }
        }
    });
    assert!(results.puts.lock().unwrap().contains(&true));
    let gets = results.gets.lock().unwrap();
    assert_eq!(gets.iter().filter(|&&got| got).count(), read_threads);
    if immediate {
        assert_eq!(*results.shutdown.lock().unwrap(), [true]);
        assert!(q.is_empty());
    }
}

// test_shutdown_all_methods_in_many_threads
#[test]
fn shutdown_all_methods_in_many_threads_() {
    watched("test_shutdown_all_methods_in_many_threads", || {
        shutdown_all_methods_in_many_threads(false);
    });
}

// test_shutdown_immediate_all_methods_in_many_threads
#[test]
fn shutdown_immediate_all_methods_in_many_threads() {
    watched(
        "test_shutdown_immediate_all_methods_in_many_threads",
        || {
            shutdown_all_methods_in_many_threads(true);
        },
    );
}

/// Closes `q` the way the test's name says.
fn shutdown<T>(q: &Queue<T>, immediate: bool) {
    if immediate {
        drop(q.close_immediately());
    } else {
        q.close();
    }
}

// BaseQueueTestMixin._shutdown_get
fn shutdown_get(immediate: bool) {
    let q = Queue::bounded(2);
    let go = Event::default();
    q.put("Y").unwrap();
    q.put("D").unwrap();
    // The queue is full. After a shutdown that is not immediate, one of three
    // getters finds the queue empty; after an immediate one, both find it so.
    let getters = if immediate { 2 } else { 3 };
    let results: Vec<Option<&str>> = thread::scope(|s| {
        let threads: Vec<_> = (0..getters)
            .map(|_| {
                s.spawn(|| {
                    go.wait();
                    q.get()
                })
            })
            .collect();
        shutdown(&q, immediate);
        go.set();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    let got = results.iter().filter(|r| r.is_some()).count();
    assert_eq!(got, if immediate { 0 } else { 2 }, "{results:?}");
}

// test_shutdown_get
#[test]
fn shutdown_get_() {
    watched("test_shutdown_get", || shutdown_get(false));
}

// test_shutdown_immediate_get
#[test]
fn shutdown_immediate_get() {
    watched("test_shutdown_immediate_get", || shutdown_get(true));
}

// BaseQueueTestMixin._shutdown_put
//
// CPython's version calls `shutdown()` (not immediate) in both variants;
// here the immediate one closes immediately, as its name says.
fn shutdown_put(immediate: bool) {
    let q = Queue::bounded(2);
    let go = Event::default();
    q.put("Y").unwrap();
    q.put("D").unwrap();
    // The queue is full.
    let results: Vec<_> = thread::scope(|s| {
        let threads: Vec<_> = ["E", "W"]
            .map(|msg| {
                let (q, go) = (&q, &go);
                s.spawn(move || {
                    go.wait();
                    q.put(msg)
                })
            })
            .into_iter()
            .collect();
        shutdown(&q, immediate);
        go.set();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    assert_eq!(results, [Err(Closed("E")), Err(Closed("W"))]);
}

// test_shutdown_put
#[test]
fn shutdown_put_() {
    watched("test_shutdown_put", || shutdown_put(false));
}

// test_shutdown_immediate_put
#[test]
fn shutdown_immediate_put() {
    watched("test_shutdown_immediate_put", || shutdown_put(true));
}

// BaseQueueTestMixin._get_task_done
fn get_task_done(q: &Queue<&'static str>, go: &Event) -> Option<&'static str> {
    go.wait();
    let msg = q.get()?;
    q.task_done();
    Some(msg)
}

// BaseQueueTestMixin._shutdown_join
fn shutdown_join(immediate: bool) {
    let q = Queue::unbounded();
    q.put("Y").unwrap();
    let go = Event::default();
    let nb = q.len();
    thread::scope(|s| {
        // Two joiners: each returns (CPython: appends True) once released.
        for _ in 0..2 {
            s.spawn(|| q.join());
        }
        if !immediate {
            for _ in 0..nb {
                s.spawn(|| assert_eq!(get_task_done(&q, &go), Some("Y")));
            }
        }
        shutdown(&q, immediate);
        go.set();
    });
}

// test_shutdown_immediate_join
#[test]
fn shutdown_immediate_join() {
    watched("test_shutdown_immediate_join", || shutdown_join(true));
}

// test_shutdown_join
#[test]
fn shutdown_join_() {
    watched("test_shutdown_join", || shutdown_join(false));
}

// BaseQueueTestMixin._shutdown_put_join
fn shutdown_put_join(immediate: bool) {
    let q = Queue::bounded(2);
    let go = Event::default();
    q.put("Y").unwrap();
    // The queue is not full.
    thread::scope(|s| {
        let putter = s.spawn(|| {
            go.wait();
            q.put("E")
        });
        let joiner = s.spawn(|| q.join());
        assert_eq!(unfinished_tasks(&q), 1);
        shutdown(&q, immediate);
        go.set();
        if immediate {
            assert_eq!(q.try_get(), Err(GetError::Closed));
        } else {
            assert_eq!(q.get(), Some("Y"));
            q.task_done();
        }
        assert_eq!(putter.join().unwrap(), Err(Closed("E")));
        joiner.join().unwrap();
    });
}

// test_shutdown_immediate_put_join
#[test]
fn shutdown_immediate_put_join() {
    watched("test_shutdown_immediate_put_join", || {
        shutdown_put_join(true)
    });
}

// test_shutdown_put_join
#[test]
fn shutdown_put_join_() {
    watched("test_shutdown_put_join", || shutdown_put_join(false));
}

// test_shutdown_get_task_done_join
#[test]
fn shutdown_get_task_done_join() {
    watched("test_shutdown_get_task_done_join", || {
        let q = Queue::bounded(2);
        let go = Event::default();
        q.put("Y").unwrap();
        q.put("D").unwrap();
        assert_eq!(unfinished_tasks(&q), q.len());
        thread::scope(|s| {
            let getters: Vec<_> =
                (0..2).map(|_| s.spawn(|| get_task_done(&q, &go))).collect();
            for _ in 0..2 {
                s.spawn(|| q.join());
            }
            go.set();
            q.close();
            // Both getters got an item: a close that is not immediate drains.
            for getter in getters {
                assert!(getter.join().unwrap().is_some());
            }
        });
    });
}

// test_shutdown_pending_get
#[test]
fn shutdown_pending_get() {
    watched("test_shutdown_pending_get", || {
        let q = Queue::<&str>::unbounded();
        thread::scope(|s| {
            let get_thread = s.spawn(|| q.get());
            q.close();
            assert_eq!(get_thread.join().unwrap(), None);
        });
    });
}

// Not in CPython: every blocked getter and putter, in many threads, is
// released by a close that is not immediate; the putters get their items
// back, and the items already in the queue can still be taken.
#[test]
fn shutdown_releases_every_blocked_getter_and_putter() {
    watched("every blocked getter and putter released", || {
        let empty = Queue::<usize>::unbounded();
        let full = Queue::bounded(2);
        full.put(0).unwrap();
        full.put(1).unwrap();
        thread::scope(|s| {
            let getters: Vec<_> =
                (0..16).map(|_| s.spawn(|| empty.get())).collect();
            let putters: Vec<_> = (2..18)
                .map(|i| {
                    let full = &full;
                    s.spawn(move || full.put(i))
                })
                .collect();
            empty.close();
            full.close();
            for getter in getters {
                assert_eq!(getter.join().unwrap(), None);
            }
            for (putter, i) in putters.into_iter().zip(2..) {
                assert_eq!(putter.join().unwrap(), Err(Closed(i)));
            }
        });
        assert_eq!(full.iter().collect::<Vec<_>>(), [0, 1]);
    });
}

// Not in CPython: an immediate close releases every blocked putter, getter
// and joiner, in many threads. A joiner waits on for the items already taken
// (as Python's does): they are still being worked on.
#[test]
fn shutdown_immediate_releases_every_blocked_putter_getter_and_joiner() {
    watched("every blocked putter, getter and joiner released", || {
        let full = Queue::bounded(2);
        full.put(0).unwrap();
        full.put(1).unwrap();
        let empty = Queue::<usize>::unbounded();
        empty.put(0).unwrap();
        let taken = empty.get().unwrap();
        thread::scope(|s| {
            let putters: Vec<_> = (2..18)
                .map(|i| {
                    let full = &full;
                    s.spawn(move || full.put_timeout(i, LONG))
                })
                .collect();
            let full_joiners: Vec<_> =
                (0..8).map(|_| s.spawn(|| full.join())).collect();
            let getters: Vec<_> = (0..8)
                .map(|_| s.spawn(|| empty.get_timeout(LONG)))
                .collect();
            let empty_joiners: Vec<_> =
                (0..8).map(|_| s.spawn(|| empty.join())).collect();
            assert_eq!(full.close_immediately(), [0, 1]);
            assert_eq!(empty.close_immediately(), []);
            for (putter, i) in putters.into_iter().zip(2..) {
                assert_eq!(putter.join().unwrap(), Err(PutError::Closed(i)));
            }
            for joiner in full_joiners {
                joiner.join().unwrap();
            }
            for getter in getters {
                assert_eq!(getter.join().unwrap(), Err(GetError::Closed));
            }
            // The taken item is not done: no joiner can have returned.
            assert!(empty_joiners.iter().all(|joiner| !joiner.is_finished()));
            assert_eq!(taken, 0);
            empty.task_done();
            for joiner in empty_joiners {
                joiner.join().unwrap();
            }
        });
    });
}

// FailingQueueTest.failing_queue_test
//
// CPython's FailingQueue raises inside `_put` and `_get`, while the queue's
// lock is held, and checks that the queue still works. No code of the caller
// runs under this queue's lock, so the failures the Rust shape allows are
// these: the item's construction panics before `put` is called, a thread
// panics while it holds an item it took, and an item's `Drop` panics when it
// is discarded. A panic with the lock held is the unit test
// `a_panic_holding_the_lock_leaves_the_queue_usable` in `src/queue.rs`: the
// lock is poisoned and every method recovers it.
fn failing_queue_test(q: &Queue<String>) {
    let failing_item = |fail: bool, item: &str| {
        assert!(!fail, "You Lose");
        item.to_string()
    };
    assert!(q.is_empty(), "call this function with an empty queue");
    for i in 0..QUEUE_SIZE - 1 {
        q.put(i.to_string()).unwrap();
    }
    // A failing non-blocking put, and one with a timeout.
    let failed = panic::catch_unwind(AssertUnwindSafe(|| {
        q.try_put(failing_item(true, "oops"))
    }));
    assert!(failed.is_err(), "the queue didn't fail when it should have");
    let failed = panic::catch_unwind(AssertUnwindSafe(|| {
        q.put_timeout(failing_item(true, "oops"), SHORT)
    }));
    assert!(failed.is_err(), "the queue didn't fail when it should have");
    q.put("last".into()).unwrap();
    assert!(qfull(q), "queue should be full");
    // A failing blocking put: its thread panics before it puts, while a get
    // goes on.
    thread::scope(|s| {
        let putter = s.spawn(|| q.put(failing_item(true, "full")));
        assert!(putter.join().is_err());
        q.get().unwrap();
    });
    // Check the queue isn't damaged: the put failed, the get succeeded.
    q.put("last".into()).unwrap();
    assert!(qfull(q), "queue should be full");
    q.get().unwrap();
    assert!(!qfull(q), "queue should not be full");
    q.put("last".into()).unwrap();
    assert!(qfull(q), "queue should be full");
    // A blocking put.
    do_blocking_test(
        || q.put("full".into()).unwrap(),
        || assert!(q.get().is_some()),
    );
    // Empty it.
    for _ in 0..QUEUE_SIZE {
        q.get().unwrap();
    }
    assert!(q.is_empty(), "queue should be empty");
    // A failing get: the getter's thread panics holding the item it took. The
    // item is lost with the thread (Python's `_get` loses it too), and the
    // queue works on.
    q.put("first".into()).unwrap();
    thread::scope(|s| {
        let getter = s.spawn(|| {
            let item = q.get().unwrap();
            assert!(item.is_empty(), "You Lose");
        });
        assert!(getter.join().is_err());
    });
    assert!(q.is_empty(), "queue should be empty");
    // A failing blocking get, released by a put.
    thread::scope(|s| {
        let getter = s.spawn(|| {
            let item = q.get().unwrap();
            assert!(item.is_empty(), "You Lose");
        });
        q.put("empty".into()).unwrap();
        assert!(getter.join().is_err());
    });
    assert!(q.is_empty(), "queue should be empty");
    q.put("after".into()).unwrap();
    assert_eq!(q.get().as_deref(), Some("after"));
}

// test_failing_queue
#[test]
fn failing_queue() {
    watched("test_failing_queue", || {
        // Done twice to the same instance.
        let q = Queue::bounded(QUEUE_SIZE);
        failing_queue_test(&q);
        failing_queue_test(&q);
    });
}

/// An item whose `Drop` panics (when `fail`) and counts itself.
struct FailsOnDrop<'a> {
    fail: bool,
    drops: &'a AtomicUsize,
}

impl Drop for FailsOnDrop<'_> {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
        if self.fail && !thread::panicking() {
            panic!("You Lose");
        }
    }
}

// test_failing_queue, the Rust shape: items whose `Drop` panics, discarded by
// an immediate close. They are dropped by the caller, without the lock held,
// so the panic leaves the queue usable.
#[test]
fn failing_queue_drop_panics_when_discarded() {
    watched("test_failing_queue, panicking drops", || {
        let drops = AtomicUsize::new(0);
        let q = Queue::bounded(QUEUE_SIZE);
        for fail in [false, true, true] {
            q.put(FailsOnDrop {
                fail,
                drops: &drops,
            })
            .unwrap();
        }
        let discarded = q.close_immediately();
        assert!(
            panic::catch_unwind(AssertUnwindSafe(|| drop(discarded))).is_err()
        );
        assert_eq!(drops.load(Ordering::SeqCst), 3);
        assert!(q.is_empty() && q.is_closed());
        assert!(q.get().is_none());
        q.join();
    });
}

/// CPython's `BaseSimpleQueueTest.run_threads`: `n_threads` feeders put
/// `inputs` (then a sentinel, `None`, each) and as many consumers take until
/// they see one.
fn run_threads(
    n_threads: usize,
    q: &Queue<Option<usize>>,
    inputs: &[usize],
    consume: fn(&Queue<Option<usize>>, &Mutex<Vec<usize>>),
) -> Vec<usize> {
    let seq = Mutex::new(inputs.iter().rev().copied().collect::<Vec<_>>());
    let results = Mutex::new(Vec::new());
    thread::scope(|s| {
        for _ in 0..n_threads {
            // BaseSimpleQueueTest.feed, without its random sleeps.
            s.spawn(|| {
                loop {
                    let val = seq.lock().unwrap().pop();
                    let Some(val) = val else {
                        q.put(None).unwrap();
                        return;
                    };
                    q.put(Some(val)).unwrap();
                }
            });
            s.spawn(|| consume(q, &results));
        }
    });
    assert!(q.is_empty());
    results.into_inner().unwrap()
}

// BaseSimpleQueueTest.consume
fn consume(q: &Queue<Option<usize>>, results: &Mutex<Vec<usize>>) {
    while let Some(val) = q.get().unwrap() {
        results.lock().unwrap().push(val);
    }
}

// BaseSimpleQueueTest.consume_nonblock
fn consume_nonblock(q: &Queue<Option<usize>>, results: &Mutex<Vec<usize>>) {
    loop {
        let val = loop {
            match q.try_get() {
                Ok(val) => break val,
                Err(GetError::Empty) => thread::yield_now(),
                Err(GetError::Closed) => unreachable!("never closed"),
            }
        };
        let Some(val) = val else { return };
        results.lock().unwrap().push(val);
    }
}

// BaseSimpleQueueTest.consume_timeout
fn consume_timeout(q: &Queue<Option<usize>>, results: &Mutex<Vec<usize>>) {
    loop {
        let val = loop {
            match q.get_timeout(Duration::from_micros(10)) {
                Ok(val) => break val,
                Err(GetError::Empty) => {}
                Err(GetError::Closed) => unreachable!("never closed"),
            }
        };
        let Some(val) = val else { return };
        results.lock().unwrap().push(val);
    }
}

// SimpleQueue's test_order, on this queue
#[test]
fn order() {
    watched("test_order", || {
        let inputs: Vec<usize> = (0..100).collect();
        let results = run_threads(1, &Queue::unbounded(), &inputs, consume);
        // One producer, one consumer: the order is kept.
        assert_eq!(results, inputs);
    });
}

/// SimpleQueue's `test_many_threads*`: every input delivered exactly once.
fn many_threads(
    q: Queue<Option<usize>>,
    n: usize,
    consume: fn(&Queue<Option<usize>>, &Mutex<Vec<usize>>),
) {
    let inputs: Vec<usize> = (0..n).collect();
    let mut results = run_threads(50, &q, &inputs, consume);
    results.sort_unstable();
    assert_eq!(results, inputs);
}

// SimpleQueue's test_many_threads, on this queue, unbounded and bounded
#[test]
fn many_threads_() {
    watched("test_many_threads", || {
        many_threads(Queue::unbounded(), 10_000, consume);
        many_threads(Queue::bounded(QUEUE_SIZE), 10_000, consume);
    });
}

// SimpleQueue's test_many_threads_nonblock, on this queue
#[test]
fn many_threads_nonblock() {
    watched("test_many_threads_nonblock", || {
        many_threads(Queue::unbounded(), 10_000, consume_nonblock);
    });
}

// SimpleQueue's test_many_threads_timeout, on this queue
#[test]
fn many_threads_timeout() {
    watched("test_many_threads_timeout", || {
        many_threads(Queue::unbounded(), 1000, consume_timeout);
    });
}

// SimpleQueue's test_references: the queue keeps no reference to an item
// once it has left. In Rust `get` moves the item out; what is left to check
// is that every item is dropped exactly once, taken or left in a dropped
// queue.
#[test]
fn references() {
    let drops = AtomicUsize::new(0);
    let q = Queue::unbounded();
    let item = Arc::new(());
    for _ in 0..20 {
        q.put((
            Arc::clone(&item),
            FailsOnDrop {
                fail: false,
                drops: &drops,
            },
        ))
        .unwrap();
    }
    for taken in 1..=10 {
        drop(q.get());
        assert_eq!(Arc::strong_count(&item), 1 + 20 - taken);
    }
    drop(q);
    assert_eq!(Arc::strong_count(&item), 1);
    assert_eq!(drops.load(Ordering::SeqCst), 20);
}

/// An item whose `Drop` calls the queue it was in (CPython's `Circular`,
/// whose `__del__` puts).
struct Reentrant<'q> {
    queue: Option<&'q Queue<Reentrant<'q>>>,
    puts: &'q AtomicUsize,
}

impl Drop for Reentrant<'_> {
    fn drop(&mut self) {
        if let Some(queue) = self.queue {
            let refused = queue.try_put(Reentrant {
                queue: None,
                puts: self.puts,
            });
            assert!(matches!(refused, Err(PutError::Closed(_))));
            self.puts.fetch_add(1, Ordering::SeqCst);
        }
    }
}

// SimpleQueue's test_reentrancy: a put from an item's destructor. An item's
// `Drop` never runs under the queue's lock (a discarded item is handed back,
// a refused one given back), so it may call the queue without deadlocking.
#[test]
fn reentrancy() {
    watched("test_reentrancy", || {
        // The items borrow the queue they are in: it must outlive them.
        let puts: &'static AtomicUsize = Box::leak(Box::default());
        let q: &'static Queue<Reentrant<'static>> =
            Box::leak(Box::new(Queue::unbounded()));
        for _ in 0..3 {
            q.put(Reentrant {
                queue: Some(q),
                puts,
            })
            .unwrap();
        }
        drop(q.close_immediately());
        drop(q.put(Reentrant {
            queue: Some(q),
            puts,
        }));
        assert_eq!(puts.load(Ordering::SeqCst), 4);
    });
}

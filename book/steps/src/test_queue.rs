// Ported from CPython's `Lib/test/test_queue.py`: the tests before the
// shutdown ones as at python/cpython commit
// 55f1cab59e4a5ae300f4b6ab7eb29b3848b2eb15, the `test_shutdown_*` family as
// it came with `Queue.shutdown()` in Python 3.13.
// Copyright (c) 2001-2024 Python Software Foundation; All Rights Reserved.
// The original is under the Python Software Foundation License Version 2.

//! CPython's tests of `queue.Queue`, run on the queues of steps 3 and 4.
//!
//! Each test keeps the name of the CPython test it ports in a comment. The
//! steps have the blocking `put` and `get`, `close` (Python 3.13's
//! `shutdown()`, not immediate) and, in step 4, `task_done` and `join`. What
//! they leave to `pipeline-condvar`'s queue, whose `tests/test_queue.rs` ports
//! the rest, is said where CPython tests it:
//!
//! - `put_nowait`, `get_nowait` and timeouts (`test_nowait`,
//!   `test_negative_timeout_raises_exception`, the non-blocking and timed
//!   halves of `test_basic`), and `SimpleQueue`'s non-blocking and timed
//!   consumers;
//! - `shutdown(immediate=True)` (every `test_shutdown_immediate_*`);
//! - a queue without a bound: CPython's `Queue()` is a step's
//!   `Queue::bounded(UNBOUNDED)` here;
//! - `test_shrinking_queue`: a step's bound never changes.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Barrier, Condvar, Mutex};
use std::thread;
use std::time::Duration;

/// CPython's `QUEUE_SIZE`.
const QUEUE_SIZE: usize = 5;

/// The bound that stands for CPython's unbounded `Queue()`: more than any test
/// puts.
const UNBOUNDED: usize = 1 << 17;

/// How long a test with many threads may run before it counts as stuck.
const WATCHDOG: Duration = Duration::from_secs(60);

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
/// `started` is set whatever the timing; the pause before the trigger only
/// gives a queue that does not block the chance to be caught.
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

/// The tests steps 3 and 4 share: what `close` does.
macro_rules! close_tests {
    ($step:ident) => {
        mod $step {
            use std::thread;

            use super::*;
            use crate::watch::within;
            use crate::$step::{Closed, Queue};

            // BaseQueueTestMixin.basic_queue_test, its blocking calls only.
            fn basic_queue_test(q: &Queue<usize>) {
                assert!(q.is_empty());
                q.put(111).unwrap();
                q.put(333).unwrap();
                q.put(222).unwrap();
                let actual_order = [q.get(), q.get(), q.get()];
                assert_eq!(actual_order, [Some(111), Some(333), Some(222)]);
                for i in 0..QUEUE_SIZE - 1 {
                    q.put(i).unwrap();
                    assert!(!q.is_empty(), "queue should not be empty");
                }
                let last = 2 * QUEUE_SIZE;
                let full = 3 * 2 * QUEUE_SIZE;
                q.put(last).unwrap();
                assert_eq!(q.len(), QUEUE_SIZE, "queue should be full");
                // Test a blocking put.
                do_blocking_test(
                    || q.put(full).unwrap(),
                    || assert!(q.get().is_some()),
                );
                for _ in 0..QUEUE_SIZE {
                    q.get().unwrap();
                }
                assert!(q.is_empty(), "queue should be empty");
                // Test a blocking get.
                let got = do_blocking_test(|| q.get(), || q.put(42).unwrap());
                assert_eq!(got, Some(42));
            }

            // test_basic
            #[test]
            fn basic() {
                within(|| {
                    let q = Queue::bounded(QUEUE_SIZE);
                    basic_queue_test(&q);
                    basic_queue_test(&q);
                });
            }

            // test_shutdown_empty
            #[test]
            fn shutdown_empty() {
                let q = Queue::bounded(UNBOUNDED);
                q.close();
                assert_eq!(q.put("data"), Err(Closed("data")));
                assert_eq!(q.get(), None);
            }

            // test_shutdown_nonempty
            #[test]
            fn shutdown_nonempty() {
                let q = Queue::bounded(UNBOUNDED);
                q.put("data").unwrap();
                q.close();
                assert_eq!(q.get(), Some("data"));
                assert_eq!(q.get(), None);
            }

            // test_shutdown_allowed_transitions, without the immediate one:
            // closing twice is harmless.
            #[test]
            fn shutdown_allowed_transitions() {
                let q = Queue::bounded(UNBOUNDED);
                q.close();
                q.close();
                assert_eq!(q.put(1), Err(Closed(1)));
            }

            // BaseQueueTestMixin._shutdown_get, not immediate: one of three
            // getters finds the queue closed and empty.
            // test_shutdown_get
            #[test]
            fn shutdown_get() {
                within(|| {
                    let q = Queue::bounded(2);
                    let go = Event::default();
                    q.put("Y").unwrap();
                    q.put("D").unwrap();
                    let results: Vec<_> = thread::scope(|s| {
                        let getters: Vec<_> = (0..3)
                            .map(|_| {
                                s.spawn(|| {
                                    go.wait();
                                    q.get()
                                })
                            })
                            .collect();
                        q.close();
                        go.set();
                        getters.into_iter().map(|t| t.join().unwrap()).collect()
                    });
                    let got = results.iter().filter(|r| r.is_some()).count();
                    assert_eq!(got, 2, "{results:?}");
                });
            }

            // BaseQueueTestMixin._shutdown_put, not immediate.
            // test_shutdown_put
            #[test]
            fn shutdown_put() {
                within(|| {
                    let q = Queue::bounded(2);
                    let go = Event::default();
                    q.put("Y").unwrap();
                    q.put("D").unwrap();
                    let results: Vec<_> = thread::scope(|s| {
                        let putters: Vec<_> = ["E", "W"]
                            .into_iter()
                            .map(|msg| {
                                let (q, go) = (&q, &go);
                                s.spawn(move || {
                                    go.wait();
                                    q.put(msg)
                                })
                            })
                            .collect();
                        q.close();
                        go.set();
                        putters.into_iter().map(|t| t.join().unwrap()).collect()
                    });
                    assert_eq!(results, [Err(Closed("E")), Err(Closed("W"))]);
                });
            }

            // test_shutdown_pending_get
            #[test]
            fn shutdown_pending_get() {
                within(|| {
                    let q = Queue::<&str>::bounded(UNBOUNDED);
                    thread::scope(|s| {
                        let get_thread = s.spawn(|| q.get());
                        q.close();
                        assert_eq!(get_thread.join().unwrap(), None);
                    });
                });
            }

            // Not in CPython: every blocked getter and putter, in many
            // threads, is released by `close`; the putters get their items
            // back, and the items in the queue can still be taken.
            #[test]
            fn shutdown_releases_every_blocked_getter_and_putter() {
                within(|| {
                    let empty = Queue::<usize>::bounded(UNBOUNDED);
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
                    assert_eq!(full.get(), Some(0));
                    assert_eq!(full.get(), Some(1));
                    assert_eq!(full.get(), None);
                });
            }

            // SimpleQueue's test_order and test_many_threads, on this queue:
            // `n_threads` feeders put the inputs, then a sentinel (`None`)
            // each; as many consumers take until they see one.
            fn run_threads(n_threads: usize, inputs: &[usize]) -> Vec<usize> {
                let q = Queue::bounded(QUEUE_SIZE);
                let seq = Mutex::new(
                    inputs.iter().rev().copied().collect::<Vec<_>>(),
                );
                let results = Mutex::new(Vec::new());
                thread::scope(|s| {
                    for _ in 0..n_threads {
                        s.spawn(|| {
                            loop {
                                let val = seq.lock().unwrap().pop();
                                q.put(val).unwrap();
                                if val.is_none() {
                                    return;
                                }
                            }
                        });
                        s.spawn(|| {
                            while let Some(val) = q.get().unwrap() {
                                results.lock().unwrap().push(val);
                            }
                        });
                    }
                });
                assert!(q.is_empty());
                results.into_inner().unwrap()
            }

            // test_order
            #[test]
            fn order() {
                let inputs: Vec<usize> = (0..100).collect();
                let results = within(move || run_threads(1, &inputs));
                assert_eq!(results, (0..100).collect::<Vec<_>>());
            }

            // test_many_threads
            #[test]
            fn many_threads() {
                let mut results = crate::watch::within_for(WATCHDOG, || {
                    run_threads(50, &(0..10_000).collect::<Vec<_>>())
                });
                results.sort_unstable();
                assert_eq!(results, (0..10_000).collect::<Vec<_>>());
            }
        }
    };
}

close_tests!(step3);
close_tests!(step4);

/// Step 4's own: `task_done` and `join`, and close with them.
mod step4_join {
    use std::panic::{self, AssertUnwindSafe};

    use super::*;
    use crate::step4::{Closed, Queue};
    use crate::watch::{within, within_for};

    /// Where CPython expects `ValueError` from a `task_done` too many: step 4
    /// panics, and stays usable: the lock is released before the panic, so
    /// it is not poisoned.
    fn assert_task_done_too_many_panics<T>(q: &Queue<T>) {
        let payload = panic::catch_unwind(AssertUnwindSafe(|| q.task_done()))
            .expect_err("task_done on a queue with no unfinished task");
        assert_eq!(
            payload.downcast_ref::<&str>(),
            Some(&"task_done() called too many times")
        );
        q.join();
        assert!(q.is_empty());
    }

    // BaseQueueTestMixin.worker: the item's worker, stopped by a sentinel.
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

    // BaseQueueTestMixin.queue_join_test, with `producers` putting and
    // `workers` taking (CPython: one and two).
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
                q.put(-1).unwrap();
            }
            q.join(); // verify that you can join twice
        });
    }

    // test_queue_task_done
    //
    // Before step 4 released its lock first, this panic poisoned the lock
    // and every later call on the queue panicked.
    #[test]
    fn queue_task_done() {
        within(|| {
            let q = Queue::<i64>::bounded(UNBOUNDED);
            assert_task_done_too_many_panics(&q);
            q.put(1).unwrap();
            assert_eq!(q.get(), Some(1));
            q.task_done();
            q.join();
            q.close();
        });
    }

    // test_queue_join
    #[test]
    fn queue_join() {
        within(|| {
            let q = Queue::bounded(UNBOUNDED);
            queue_join_test(&q, 1, 2);
            queue_join_test(&q, 1, 2);
            assert_task_done_too_many_panics(&q);
        });
    }

    // test_queue_join, with many producers and consumers on a small bound.
    #[test]
    fn queue_join_many_producers_and_consumers() {
        within_for(WATCHDOG, || {
            let q = Queue::bounded(QUEUE_SIZE);
            queue_join_test(&q, 4, 6);
            queue_join_test(&q, 7, 3);
            assert_task_done_too_many_panics(&q);
        });
    }

    // test_failing_queue
    //
    // CPython's FailingQueue raises inside `_put` and `_get` with the lock
    // held. No code of the caller runs under a step's lock; the one panic
    // that did was `task_done`'s (see `queue_task_done`). A step unwraps its
    // lock, so a panic with the lock held would make every later call panic
    // (the real queue recovers the lock instead: `pipeline-condvar`'s
    // `a_panic_holding_the_lock_leaves_the_queue_usable`). What the Rust
    // shape allows here: a getter's thread panics holding the item it took
    // (the item is lost with it, as with Python's `_get`), and the queue
    // works on, for `join` too once the item is marked done.
    #[test]
    fn failing_queue() {
        within(|| {
            let q = Queue::bounded(QUEUE_SIZE);
            for i in 0..QUEUE_SIZE {
                q.put(i).unwrap();
            }
            thread::scope(|s| {
                let getter = s.spawn(|| {
                    let item = q.get().unwrap();
                    assert!(item > 100, "You Lose");
                });
                assert!(getter.join().is_err());
            });
            q.put(5).unwrap();
            do_blocking_test(
                || q.put(9).unwrap(),
                || assert!(q.get().is_some()),
            );
            for _ in 0..QUEUE_SIZE {
                q.get().unwrap();
            }
            for _ in 0..QUEUE_SIZE + 2 {
                q.task_done();
            }
            q.join();
            assert!(q.is_empty());
        });
    }

    // test_shutdown_all_methods_in_one_thread
    #[test]
    fn shutdown_all_methods_in_one_thread() {
        within(|| {
            let q = Queue::bounded(2);
            q.put("L").unwrap();
            q.put("O").unwrap();
            q.close();
            // Refused even though the queue is full: a closed queue does not
            // wait.
            assert_eq!(q.put("E"), Err(Closed("E")));
            let mut got = [q.get().unwrap(), ""];
            q.task_done();
            got[1] = q.get().unwrap();
            q.task_done();
            got.sort_unstable();
            assert_eq!(got, ["L", "O"]);
            q.join();
            assert_eq!(q.get(), None);
        });
    }

    // BaseQueueTestMixin._shutdown_all_methods_in_many_threads, not
    // immediate. CPython's readers poll with `get(False)` until `ShutDown`;
    // step 4 has no non-blocking get, so they are `for` loops, which end the
    // same way: closed and drained.
    // test_shutdown_all_methods_in_many_threads
    #[test]
    fn shutdown_all_methods_in_many_threads() {
        within_for(WATCHDOG, || {
            let q = Queue::bounded(UNBOUNDED);
            let write_threads = 4;
            let read_threads = 6;
            let nb_msgs_w = 1024 * 64 / write_threads;
            let when_exec_shutdown = nb_msgs_w / 2;
            let barrier_start = Barrier::new(write_threads + read_threads);
            let shutdown_asked = AtomicBool::new(false);
            let ev_exec_shutdown = Event::default();
            let res_puts = Mutex::new(Vec::new());
            let res_gets = Mutex::new(Vec::new());
            thread::scope(|s| {
                for _ in 0..write_threads {
                    // BaseQueueTestMixin._write_msg_thread
                    s.spawn(|| {
                        for i in 0..when_exec_shutdown / 2 {
                            q.put((i, "LOYD")).unwrap();
                        }
                        barrier_start.wait();
                        for i in when_exec_shutdown / 2..nb_msgs_w {
                            if q.put((i, "YDLO")).is_err() {
                                res_puts.lock().unwrap().push(false);
                                break;
                            }
                            if i == when_exec_shutdown
                                && !shutdown_asked.swap(true, Ordering::SeqCst)
                            {
                                ev_exec_shutdown.set();
                                res_puts.lock().unwrap().push(true);
                            }
                        }
                    });
                }
                for _ in 0..read_threads {
                    // BaseQueueTestMixin._read_msg_thread
                    s.spawn(|| {
                        q.get().unwrap();
                        q.task_done();
                        barrier_start.wait();
                        for _item in &q {
                            q.task_done();
                        }
                        res_gets.lock().unwrap().push(true);
                    });
                }
                // BaseQueueTestMixin._shutdown_thread
                s.spawn(|| {
                    ev_exec_shutdown.wait();
                    q.close();
                });
            });
            assert!(res_puts.lock().unwrap().contains(&true));
            assert_eq!(*res_gets.lock().unwrap(), [true; 6]);
            // Every item put was taken and marked done.
            q.join();
            assert!(q.is_empty());
        });
    }

    // BaseQueueTestMixin._shutdown_join, not immediate: the item left is
    // taken and marked done after the close, which releases both joiners.
    // test_shutdown_join
    #[test]
    fn shutdown_join() {
        within(|| {
            let q = Queue::bounded(UNBOUNDED);
            q.put("Y").unwrap();
            let go = Event::default();
            thread::scope(|s| {
                for _ in 0..2 {
                    s.spawn(|| q.join());
                }
                s.spawn(|| {
                    go.wait();
                    assert_eq!(q.get(), Some("Y"));
                    q.task_done();
                });
                q.close();
                go.set();
            });
        });
    }

    // BaseQueueTestMixin._shutdown_put_join, not immediate (CPython also
    // checks `unfinished_tasks == 1`, which a step does not show).
    // test_shutdown_put_join
    #[test]
    fn shutdown_put_join() {
        within(|| {
            let q = Queue::bounded(2);
            let go = Event::default();
            q.put("Y").unwrap();
            thread::scope(|s| {
                let putter = s.spawn(|| {
                    go.wait();
                    q.put("E")
                });
                let joiner = s.spawn(|| q.join());
                q.close();
                go.set();
                assert_eq!(q.get(), Some("Y"));
                q.task_done();
                assert_eq!(putter.join().unwrap(), Err(Closed("E")));
                joiner.join().unwrap();
            });
        });
    }

    // test_shutdown_get_task_done_join
    #[test]
    fn shutdown_get_task_done_join() {
        within(|| {
            let q = Queue::bounded(2);
            let go = Event::default();
            q.put("Y").unwrap();
            q.put("D").unwrap();
            thread::scope(|s| {
                let getters: Vec<_> = (0..2)
                    .map(|_| {
                        s.spawn(|| {
                            go.wait();
                            let msg = q.get();
                            q.task_done();
                            msg
                        })
                    })
                    .collect();
                for _ in 0..2 {
                    s.spawn(|| q.join());
                }
                go.set();
                q.close();
                for getter in getters {
                    assert!(getter.join().unwrap().is_some());
                }
            });
        });
    }
}

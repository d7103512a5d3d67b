//! Model checks of the Condvar queue: loom runs each closure under every interleaving of
//! its threads (within its bounds), so a lost wake-up shows as a deadlock and a race as a
//! failed assertion.
//!
//! ```text
//! RUSTFLAGS="--cfg loom" cargo test -p pipeline-condvar --test loom --release --target-dir target/loom
//! ```
#![cfg(loom)]

use loom::sync::Arc;
use loom::thread;
use pipeline_condvar::{Closed, GetError, PutError, Queue};
use std::time::Duration;

#[test]
fn bounded_one_delivers_in_order_then_ends() {
    loom::model(|| {
        let queue = Arc::new(Queue::bounded(1));
        let producer = {
            let queue = queue.clone();
            thread::spawn(move || {
                queue.put(0).unwrap();
                queue.put(1).unwrap();
                queue.close();
            })
        };
        let received: Vec<i32> = queue.iter().collect();
        producer.join().unwrap();
        assert_eq!(received, [0, 1]);
    });
}

#[test]
fn two_producers_lose_nothing_and_duplicate_nothing() {
    loom::model(|| {
        let queue = Arc::new(Queue::unbounded());
        let consumer = {
            let queue = queue.clone();
            thread::spawn(move || queue.iter().collect::<Vec<i32>>())
        };
        let other_producer = {
            let queue = queue.clone();
            thread::spawn(move || queue.put(1).unwrap())
        };
        // The main thread is the first producer.
        queue.put(0).unwrap();
        other_producer.join().unwrap();
        queue.close();
        let mut received = consumer.join().unwrap();
        received.sort_unstable();
        assert_eq!(received, [0, 1]);
    });
}

#[test]
fn close_wakes_every_getter_blocked_on_an_empty_queue() {
    loom::model(|| {
        let queue = Arc::new(Queue::<i32>::unbounded());
        let getters: Vec<_> = (0..2)
            .map(|_| {
                let queue = queue.clone();
                thread::spawn(move || queue.get())
            })
            .collect();
        queue.close();
        for getter in getters {
            assert_eq!(getter.join().unwrap(), None);
        }
    });
}

#[test]
fn close_wakes_a_put_blocked_on_a_full_queue() {
    loom::model(|| {
        let queue = Arc::new(Queue::bounded(1));
        queue.put(0).unwrap();
        let putter = {
            let queue = queue.clone();
            thread::spawn(move || queue.put(1))
        };
        queue.close();
        assert_eq!(putter.join().unwrap(), Err(Closed(1)));
        assert_eq!(queue.get(), Some(0));
        assert_eq!(queue.get(), None);
    });
}

#[test]
fn join_returns_once_every_item_is_task_done() {
    loom::model(|| {
        let queue = Arc::new(Queue::unbounded());
        queue.put(0).unwrap();
        queue.put(1).unwrap();
        let consumer = {
            let queue = queue.clone();
            thread::spawn(move || {
                for _ in 0..2 {
                    queue.get().unwrap();
                    queue.task_done();
                }
            })
        };
        queue.join();
        assert!(queue.is_empty());
        consumer.join().unwrap();
    });
}

#[test]
fn close_immediately_releases_a_blocked_put_and_a_join() {
    loom::model(|| {
        let queue = Arc::new(Queue::bounded(1));
        queue.put(0).unwrap();
        let putter = {
            let queue = queue.clone();
            thread::spawn(move || queue.put(1))
        };
        let joiner = {
            let queue = queue.clone();
            thread::spawn(move || queue.join())
        };
        assert_eq!(queue.close_immediately(), [0]);
        assert_eq!(putter.join().unwrap(), Err(Closed(1)));
        joiner.join().unwrap();
        assert_eq!(queue.get(), None);
    });
}

#[test]
fn try_get_and_get_timeout_lose_nothing_to_a_close() {
    loom::model(|| {
        let queue = Arc::new(Queue::bounded(1));
        let producer = {
            let queue = queue.clone();
            thread::spawn(move || {
                let first = queue.try_put(0);
                queue.close();
                first
            })
        };
        // Under loom a timed wait is a plain wait: it ends only when woken, so
        // this also checks that the close wakes it.
        let received = match queue.try_get() {
            Ok(item) => Some(item),
            Err(GetError::Empty) => {
                queue.get_timeout(Duration::from_secs(1)).ok()
            }
            Err(GetError::Closed) => None,
        };
        let put = producer.join().unwrap();
        assert_eq!(put, Ok::<(), PutError<i32>>(()));
        assert_eq!(received.or_else(|| queue.try_get().ok()), Some(0));
        assert_eq!(queue.try_get(), Err(GetError::Closed));
    });
}

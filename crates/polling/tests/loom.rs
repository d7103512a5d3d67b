//! Model checks of the polling queue: loom runs each closure under every interleaving of
//! its threads (within its bounds), so a lost item shows as a failed assertion and a poll
//! loop that can never end as a deadlock. Poll loops yield to loom between tries, which
//! is what the real workers' sleep does.
//!
//! ```text
//! RUSTFLAGS="--cfg loom" cargo test -p pipeline-polling --test loom --release --target-dir target/loom
//! ```
#![cfg(loom)]

use loom::sync::Arc;
use loom::thread;
use pipeline_polling::{GetError, MyQueue, PutError};

/// Gets until the queue is closed and drained, polling like a worker.
fn drain(queue: &MyQueue<i32>) -> Vec<i32> {
    let mut received = Vec::new();
    loop {
        match queue.get() {
            Ok(item) => received.push(item),
            Err(GetError::Empty) => thread::yield_now(),
            Err(GetError::Closed) => return received,
        }
    }
}

/// Puts, polling while the queue is full; false if it was closed.
fn put(queue: &MyQueue<i32>, mut item: i32) -> bool {
    loop {
        match queue.put(item) {
            Ok(()) => return true,
            Err(PutError::Full(back)) => {
                item = back;
                thread::yield_now();
            }
            Err(PutError::Closed(_)) => return false,
        }
    }
}

#[test]
fn bounded_one_delivers_in_order_then_ends() {
    loom::model(|| {
        let queue = Arc::new(MyQueue::new(Some(1)));
        let producer = {
            let queue = queue.clone();
            thread::spawn(move || {
                assert!(put(&queue, 0));
                assert!(put(&queue, 1));
                queue.close();
            })
        };
        let received = drain(&queue);
        producer.join().unwrap();
        assert_eq!(received, [0, 1]);
    });
}

#[test]
fn two_producers_lose_nothing_and_duplicate_nothing() {
    loom::model(|| {
        let queue = Arc::new(MyQueue::new(None));
        let consumer = {
            let queue = queue.clone();
            thread::spawn(move || drain(&queue))
        };
        let other_producer = {
            let queue = queue.clone();
            thread::spawn(move || assert!(put(&queue, 1)))
        };
        assert!(put(&queue, 0));
        other_producer.join().unwrap();
        queue.close();
        let mut received = consumer.join().unwrap();
        received.sort();
        assert_eq!(received, [0, 1]);
    });
}

#[test]
fn close_ends_a_poller_on_an_empty_queue_and_fails_a_blocked_put() {
    loom::model(|| {
        let queue = Arc::new(MyQueue::new(Some(1)));
        assert!(put(&queue, 0));
        let producer = {
            let queue = queue.clone();
            // The queue is full: this put polls until the close below.
            thread::spawn(move || put(&queue, 1))
        };
        queue.close();
        assert!(
            !producer.join().unwrap(),
            "a put on a closed queue must fail"
        );
        assert_eq!(drain(&queue), [0]);
    });
}

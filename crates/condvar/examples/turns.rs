//! The item's `Queue(1)` demo: a producer and a slow consumer take turns.
//!
//! `cargo run -p pipeline-condvar --example turns`
//!
//! The producer puts three items into a queue that holds one; the consumer waits 100 ms
//! before each get. The first put finds room at once; each later put waits until the
//! consumer has taken the item before it. The times show who waited for whom.

use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use pipeline_condvar::Queue;

// ANCHOR: turns
fn main() {
    let queue = Queue::bounded(1);
    let started = Instant::now();
    // One lock around printing keeps each line whole and in the order it
    // happened.
    let say = Mutex::new(());
    let say = |line: String| {
        let _turn = say.lock().unwrap();
        println!("{:>4} ms  {line}", started.elapsed().as_millis());
    };
    thread::scope(|s| {
        s.spawn(|| {
            for _ in 0..3 {
                thread::sleep(Duration::from_millis(100));
                let item = queue
                    .get()
                    .expect("the queue is open until the consumer is done");
                say(format!("                    consumer got {item}"));
            }
        });
        for item in 1..=3 {
            say(format!("producer puts {item}"));
            queue.put(item).expect("nobody closes the queue");
            say(format!("producer put {item}"));
        }
    });
}
// ANCHOR_END: turns

//! The item's `Queue(1)` demo on std's bounded channel, with capacity 1 and 0.
//!
//! `cargo run -p pipeline-mpsc --example sync_turns` (both), or `-- 1` / `-- 0` for one.
//!
//! The producer sends three items; the consumer waits 100 ms before each receive. With
//! `sync_channel(1)` the first send finds room at once, as with `Queue(1)`. With
//! `sync_channel(0)`, a rendezvous, there is no room at all: every send waits until the
//! consumer takes the item from its hand.

use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::mpsc::sync_channel;
use std::thread;
use std::time::{Duration, Instant};

// ANCHOR: turns
fn turns(capacity: usize) {
    println!("sync_channel({capacity}):");
    let (sender, receiver) = sync_channel(capacity);
    let started = Instant::now();
    let lock = Mutex::new(());
    let say = |line: String| {
        let _turn = lock.lock().unwrap();
        println!("{:>4} ms  {line}", started.elapsed().as_millis());
    };
    let say = &say;
    thread::scope(|s| {
        // The receiver moves to the consumer's thread: std's `Receiver` is not
        // `Sync`.
        s.spawn(move || {
            for _ in 0..3 {
                thread::sleep(Duration::from_millis(100));
                let item =
                    receiver.recv().expect("the producer sends three items");
                say(format!("                    consumer got {item}"));
            }
        });
        for item in 1..=3 {
            say(format!("producer sends {item}"));
            sender
                .send(item)
                .expect("the consumer receives three items");
            say(format!("producer sent {item}"));
        }
    });
}
// ANCHOR_END: turns

fn main() -> ExitCode {
    let capacities: Vec<usize> = match std::env::args().nth(1).as_deref() {
        None => vec![1, 0],
        Some("0") => vec![0],
        Some("1") => vec![1],
        Some(other) => {
            eprintln!("sync_turns: the capacity must be 0 or 1, not {other:?}");
            return ExitCode::from(2);
        }
    };
    for (i, capacity) in capacities.into_iter().enumerate() {
        if i > 0 {
            println!();
        }
        turns(capacity);
    }
    ExitCode::SUCCESS
}

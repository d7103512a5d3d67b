//! The plain harness: one producer thread sends `n` numbers down an unbounded
//! channel, the calling thread receives them, and the whole takes so long. Written
//! as the channel crates' own examples are, with std and the channel crate only
//! and nothing of this workspace (no barrier, no pinning, no helper shared with
//! [`super::channel_hop`]), so that it times the hand-off independently of the
//! bench's code: the anchor the bench's figure is read against.

use std::thread;
use std::time::Instant;

/// Seconds per message through `std::sync::mpsc::channel`.
pub fn mpsc(n: u64) -> f64 {
    let (tx, rx) = std::sync::mpsc::channel();
    let start = Instant::now();
    let producer = thread::spawn(move || {
        for i in 0..n {
            tx.send(i).unwrap();
        }
    });
    for _ in 0..n {
        rx.recv().unwrap();
    }
    producer.join().unwrap();
    start.elapsed().as_secs_f64() / n as f64
}

/// Seconds per message through `crossbeam_channel::unbounded`.
pub fn crossbeam(n: u64) -> f64 {
    let (tx, rx) = crossbeam_channel::unbounded();
    let start = Instant::now();
    let producer = thread::spawn(move || {
        for i in 0..n {
            tx.send(i).unwrap();
        }
    });
    for _ in 0..n {
        rx.recv().unwrap();
    }
    producer.join().unwrap();
    start.elapsed().as_secs_f64() / n as f64
}

/// Seconds per message through `flume::unbounded`.
pub fn flume(n: u64) -> f64 {
    let (tx, rx) = flume::unbounded();
    let start = Instant::now();
    let producer = thread::spawn(move || {
        for i in 0..n {
            tx.send(i).unwrap();
        }
    });
    for _ in 0..n {
        rx.recv().unwrap();
    }
    producer.join().unwrap();
    start.elapsed().as_secs_f64() / n as f64
}

/// Seconds per message through `kanal::unbounded`.
pub fn kanal(n: u64) -> f64 {
    let (tx, rx) = kanal::unbounded();
    let start = Instant::now();
    let producer = thread::spawn(move || {
        for i in 0..n {
            tx.send(i).unwrap();
        }
    });
    for _ in 0..n {
        rx.recv().unwrap();
    }
    producer.join().unwrap();
    start.elapsed().as_secs_f64() / n as f64
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_harness_times_its_messages() {
        for time in [super::mpsc, super::crossbeam, super::flume, super::kanal] {
            let per = time(10_000);
            assert!(per > 0.0 && per < 1e-3, "{per}");
        }
    }
}

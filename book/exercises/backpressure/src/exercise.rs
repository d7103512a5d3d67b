//! Add backpressure: fill in the `todo!()`, then run
//! `cargo test -p workshop-backpressure --no-default-features`.

// Until the `todo!()` is filled in, the arguments of `bounded` and some imports go
// unused; these allowances keep the stub free of warnings.
#![allow(unused_variables, unused_imports)]

use std::sync::atomic::{AtomicI64, Ordering::Relaxed};
use std::sync::mpsc::{self, Receiver, TrySendError};
use std::thread;
use std::time::{Duration, Instant};

use crate::marks::{self, Kind};

// ANCHOR: given
/// A queue's depth, counted after each send and each receive, and its peak.
#[derive(Debug, Default)]
pub struct Gauge {
    depth: AtomicI64,
    peak: AtomicI64,
}

impl Gauge {
    /// Counts one frame sent (and notes it, while a trace records).
    pub fn put(&self) {
        let depth = self.depth.fetch_add(1, Relaxed) + 1;
        self.peak.fetch_max(depth, Relaxed);
        marks::note(Kind::Put);
    }

    /// Counts one frame received (and notes it, while a trace records).
    pub fn got(&self) {
        self.depth.fetch_sub(1, Relaxed);
        marks::note(Kind::Got);
    }

    /// The largest depth counted.
    pub fn peak(&self) -> u64 {
        self.peak.load(Relaxed).max(0) as u64
    }
}

/// What one run of camera → resize showed.
#[derive(Debug)]
pub struct Run {
    /// The frames the resize worker received, in order.
    pub received: Vec<u64>,
    /// The most frames counted in the queue at once.
    pub queue_peak: u64,
    /// How long the camera took to hand over all its frames.
    pub camera_time: Duration,
    /// How many times the camera found the queue full and had to wait.
    pub camera_waits: u64,
}

/// The resize worker: takes frames until the channel closes, `resize` each.
fn resize_worker(
    frames: Receiver<u64>,
    resize: Duration,
    gauge: &Gauge,
) -> Vec<u64> {
    let mut received = Vec::new();
    for frame in frames {
        gauge.got();
        thread::sleep(resize);
        received.push(frame);
    }
    received
}
// ANCHOR_END: given

// ANCHOR: unbounded
/// The camera sends `frames` frames as fast as it can to a resize worker that
/// takes `resize` per frame. No bound: the camera never waits, and every frame
/// the worker has not taken yet waits in the queue.
pub fn unbounded(frames: u64, resize: Duration) -> Run {
    let gauge = Gauge::default();
    let (tx, rx) = mpsc::channel();
    thread::scope(|s| {
        let gauge = &gauge;
        let camera = s.spawn(move || {
            let start = Instant::now();
            for frame in 0..frames {
                tx.send(frame).expect("the resize worker is listening");
                gauge.put();
            }
            start.elapsed()
        });
        let received = resize_worker(rx, resize, gauge);
        Run {
            received,
            queue_peak: gauge.peak(),
            camera_time: camera.join().expect("the camera panicked"),
            camera_waits: 0,
        }
    })
}
// ANCHOR_END: unbounded

// ANCHOR: bounded
/// The same camera and worker, with at most `capacity` frames in the queue
/// (0: a rendezvous). The camera waits while the queue is full, and counts how
/// many times it had to.
pub fn bounded(frames: u64, capacity: usize, resize: Duration) -> Run {
    todo!(
        "`unbounded` with `mpsc::sync_channel(capacity)`; \
         count the camera's waits"
    )
}
// ANCHOR_END: bounded

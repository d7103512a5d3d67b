//! One answer: every thread stops at the first failed `send`, and its receiver goes
//! with it, so dropping the last receiver stops the whole pipeline, back to the camera.

// ANCHOR: solution
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread;

/// What an early stop left behind.
#[derive(Debug)]
pub struct Cancelled {
    /// The receipts taken before the stop, in order.
    pub receipts: Vec<u64>,
    /// How many frames the endless camera sent before it noticed.
    pub camera_sent: u64,
}

// ANCHOR: first_n
/// Runs an endless camera through three stages (×10, +1, ×2), takes the first
/// `n` receipts, then stops everything by dropping the done queue's receiver.
/// Returns once every thread has ended.
pub fn first_n(n: usize) -> Cancelled {
    let (download_tx, download_rx) = mpsc::sync_channel(1);
    let (resize_tx, resize_rx) = mpsc::sync_channel(1);
    let (upload_tx, upload_rx) = mpsc::sync_channel(1);
    let (done_tx, done_rx) = mpsc::sync_channel(1);
    thread::scope(|s| {
        let camera = s.spawn(move || camera(download_tx));
        s.spawn(move || stage(download_rx, resize_tx, |id| id * 10));
        s.spawn(move || stage(resize_rx, upload_tx, |x| x + 1));
        s.spawn(move || stage(upload_rx, done_tx, |x| x * 2));
        let receipts = done_rx.iter().take(n).collect();
        // The cancel: nobody will read the done queue again.
        drop(done_rx);
        let camera_sent = camera.join().expect("the camera panicked");
        Cancelled {
            receipts,
            camera_sent,
        }
    })
}
// ANCHOR_END: first_n

// ANCHOR: camera
/// The camera: sends frames 0, 1, 2, … for as long as anybody listens, then
/// returns how many it sent.
pub fn camera(frames: SyncSender<u64>) -> u64 {
    // ANCHOR: learner_camera
    let mut sent = 0;
    while frames.send(sent).is_ok() {
        sent += 1;
    }
    sent
    // ANCHOR_END: learner_camera
}
// ANCHOR_END: camera

// ANCHOR: stage
/// One stage's worker: receives, applies `func`, sends on. Ends when its input
/// closes, and also when its output's receiver is gone; either way it drops
/// both ends, so the stop spreads to the stages on both sides.
pub fn stage(
    input: Receiver<u64>,
    output: SyncSender<u64>,
    func: impl Fn(u64) -> u64,
) {
    // ANCHOR: learner_stage
    for item in input {
        if output.send(func(item)).is_err() {
            break;
        }
    }
    // ANCHOR_END: learner_stage
}
// ANCHOR_END: stage
// ANCHOR_END: solution

//! The tests of the exercise; they run against `exercise.rs` or `solution.rs`.

use std::time::Duration;

use super::*;

/// How long a test may take before it counts as stuck.
const WATCHDOG: Duration = Duration::from_secs(10);
const FRAMES: u64 = 40;
const RESIZE: Duration = Duration::from_millis(2);

/// Runs `f` in its own thread; fails the test if it is not done within [`WATCHDOG`].
fn within<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    pipeline_core::testkit::within(
        "the test (does the camera's channel close?)",
        WATCHDOG,
        f,
    )
}

fn all_frames() -> Vec<u64> {
    (0..FRAMES).collect()
}

#[test]
fn without_a_bound_the_queue_holds_the_whole_backlog() {
    let run = within(|| unbounded(FRAMES, RESIZE));
    assert_eq!(run.received, all_frames());
    // The camera is done long before the worker: most frames wait in the queue.
    assert!(run.queue_peak > FRAMES / 4, "{run:?}");
    assert_eq!(run.camera_waits, 0);
}

#[test]
fn a_bounded_queue_delivers_every_frame_in_order() {
    let run = within(|| bounded(FRAMES, 4, RESIZE));
    assert_eq!(run.received, all_frames());
}

#[test]
fn a_bounded_queue_never_holds_more_than_its_capacity() {
    let capacity = 4;
    let run = within(move || bounded(FRAMES, capacity, RESIZE));
    // The gauge counts a frame got only after `recv` returned it, so it may read
    // one above the channel's true length.
    assert!(run.queue_peak <= capacity as u64 + 1, "{run:?}");
}

#[test]
fn a_full_queue_holds_the_camera_back() {
    let capacity = 4;
    let run = within(move || bounded(FRAMES, capacity, RESIZE));
    assert!(run.camera_waits > 0, "the camera never waited: {run:?}");
    // The camera's last send can only finish once the worker has taken all but
    // `capacity + 1` frames, and each take follows a resize of the one before.
    let resizes_before = FRAMES - capacity as u64 - 2;
    let least = RESIZE * resizes_before as u32;
    assert!(run.camera_time >= least, "{run:?}, expected >= {least:?}");
}

#[test]
fn capacity_zero_is_a_rendezvous() {
    let run = within(|| bounded(FRAMES, 0, RESIZE));
    assert_eq!(run.received, all_frames());
    assert!(run.queue_peak <= 1, "{run:?}");
    assert!(run.camera_waits > 0, "{run:?}");
}

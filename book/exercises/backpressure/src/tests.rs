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

/// What a run did, in words, for a failing test's message.
fn describe(run: &Run) -> String {
    format!(
        "the worker received {} of {FRAMES} frames, the queue held at most {} at once, \
         and the camera waited on a full queue {} times, {:.1} ms in all",
        run.received.len(),
        run.queue_peak,
        run.camera_waits,
        run.camera_time.as_secs_f64() * 1e3
    )
}

const IN_ORDER: &str = "every frame should reach the worker once, in order";

#[test]
fn without_a_bound_the_queue_holds_the_whole_backlog() {
    let run = within(|| unbounded(FRAMES, RESIZE));
    assert_eq!(run.received, all_frames(), "{IN_ORDER}");
    // The camera is done long before the worker: most frames wait in the queue.
    assert!(
        run.queue_peak > FRAMES / 4,
        "without a bound, most frames should wait in the queue, but {}",
        describe(&run)
    );
    assert_eq!(
        run.camera_waits,
        0,
        "an unbounded queue is never full, but {}",
        describe(&run)
    );
}

#[test]
fn a_bounded_queue_delivers_every_frame_in_order() {
    let run = within(|| bounded(FRAMES, 4, RESIZE));
    assert_eq!(run.received, all_frames(), "{IN_ORDER}");
}

#[test]
fn a_bounded_queue_never_holds_more_than_its_capacity() {
    let capacity = 4;
    let run = within(move || bounded(FRAMES, capacity, RESIZE));
    // The gauge counts a frame got only after `recv` returned it, so it may read
    // one above the channel's true length.
    assert!(
        run.queue_peak <= capacity as u64 + 1,
        "with capacity {capacity} the queue should hold at most {} frames, but {}",
        capacity + 1,
        describe(&run)
    );
}

#[test]
fn a_full_queue_holds_the_camera_back() {
    let capacity = 4;
    let run = within(move || bounded(FRAMES, capacity, RESIZE));
    assert!(
        run.camera_waits > 0,
        "the camera should find the queue full and wait (is it a sync_channel?), but {}",
        describe(&run)
    );
    // The camera's last send can only finish once the worker has taken all but
    // `capacity + 1` frames, and each take follows a resize of the one before.
    let resizes_before = FRAMES - capacity as u64 - 2;
    let least = RESIZE * resizes_before as u32;
    assert!(
        run.camera_time >= least,
        "the camera should be held back at least {:.1} ms by the resizes, but {}",
        least.as_secs_f64() * 1e3,
        describe(&run)
    );
}

#[test]
fn capacity_zero_is_a_rendezvous() {
    let run = within(|| bounded(FRAMES, 0, RESIZE));
    assert_eq!(run.received, all_frames(), "{IN_ORDER}");
    assert!(
        run.queue_peak <= 1,
        "with capacity 0 no frame should wait in the channel (at most 1 counted), but {}",
        describe(&run)
    );
    assert!(
        run.camera_waits > 0,
        "with capacity 0 every send should wait for the worker, but {}",
        describe(&run)
    );
}

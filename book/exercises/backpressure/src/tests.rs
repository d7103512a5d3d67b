//! The tests of the exercise; they run against `exercise.rs` or `solution.rs`.

use std::time::Duration;

use super::*;

/// How long a test may take before it counts as stuck.
const WATCHDOG: Duration = Duration::from_secs(10);
const FRAMES: u64 = 40;
const RESIZE: Duration = Duration::from_millis(2);

/// Runs `f` in its own thread; fails the test if it is not done within [`WATCHDOG`],
/// naming the two ways a camera and a worker wait for each other for good.
fn within<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    pipeline_core::watchdog::within_or_name_causes(
        "the test",
        "the camera waits on a full channel that nobody empties (is the camera joined \
         before the worker starts receiving? The worker must receive while the camera \
         sends), or the worker waits for a frame that never comes because the channel \
         never closes (is a sender still alive once the camera is done? The camera must \
         own the only one, moved into its thread, so that it is dropped when the camera \
         ends)",
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
         the camera counted {} waits on a full queue and took {:.1} ms to send all its \
         frames",
        run.received.len(),
        run.queue_peak,
        run.camera_waits,
        run.camera_time.as_secs_f64() * 1e3
    )
}

const IN_ORDER: &str = "every frame should reach the worker once, in order (a frame twice: \
     is it sent again after a `try_send` that succeeded? A frame missing: is the frame \
     that `TrySendError::Full` hands back sent with `send`?)";

/// Why a bounded run's camera did not count a wait, from what the run shows: an
/// unbounded channel, or a bounded one whose waits go uncounted.
fn why_no_waits(run: &Run, capacity: usize) -> &'static str {
    if run.queue_peak > capacity as u64 + 1 {
        "the queue held more frames than the bound, so the channel is not bounded at \
         `capacity`: is it `mpsc::sync_channel(capacity)`?"
    } else {
        "the queue kept to the bound, so the channel is bounded and the camera did wait, \
         without counting it: does it `try_send` first and count each \
         `TrySendError::Full` before it blocks in `send`, and is that count the \
         `camera_waits` of the `Run` it returns?"
    }
}

#[test]
fn without_a_bound_the_queue_holds_the_whole_backlog() {
    let run = within(|| unbounded(FRAMES, RESIZE));
    assert_eq!(
        run.received,
        all_frames(),
        "every frame should reach the worker once, in order"
    );
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
    // A frame lost or sent twice throws every count off: that first.
    assert_eq!(run.received, all_frames(), "{IN_ORDER}");
    // The gauge counts a frame got only after `recv` returned it, so it may read
    // one above the channel's true length.
    assert!(
        run.queue_peak <= capacity as u64 + 1,
        "with capacity {capacity} the queue should hold at most {} frames, but {}: is the \
         channel `mpsc::sync_channel(capacity)`, with this `capacity`?",
        capacity + 1,
        describe(&run)
    );
}

#[test]
fn a_full_queue_holds_the_camera_back() {
    let capacity = 4;
    let run = within(move || bounded(FRAMES, capacity, RESIZE));
    // A frame lost or sent twice throws every count off: that first.
    assert_eq!(run.received, all_frames(), "{IN_ORDER}");
    assert!(
        run.camera_waits > 0,
        "the camera should find the queue full and count its waits, but {}; {}",
        describe(&run),
        why_no_waits(&run, capacity)
    );
    // The camera's last send can only finish once the worker has taken all but
    // `capacity + 1` frames, and each take follows a resize of the one before.
    let resizes_before = FRAMES - capacity as u64 - 2;
    let least = RESIZE * resizes_before as u32;
    assert!(
        run.camera_time >= least,
        "the camera should be held back at least {:.1} ms by the resizes, but {}: is the \
         channel bounded at `capacity`, and does the camera's time run from before its \
         first send to after its last?",
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
        "with capacity 0 no frame should wait in the channel (at most 1 counted), but {}: \
         is the channel `mpsc::sync_channel(0)` when `capacity` is 0?",
        describe(&run)
    );
    assert!(
        run.camera_waits > 0,
        "with capacity 0 every send should wait for the worker, but {}; {}",
        describe(&run),
        why_no_waits(&run, 0)
    );
}

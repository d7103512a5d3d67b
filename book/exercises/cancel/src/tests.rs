//! The tests of the exercise; they run against `exercise.rs` or `solution.rs`.

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use super::*;

/// How long a test may take before it counts as stuck (a thread that never stops).
const WATCHDOG: Duration = Duration::from_secs(5);

/// Runs `f` in its own thread; fails the test if it is not done within [`WATCHDOG`].
fn within<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    pipeline_core::watchdog::within_or_name_causes(
        "the test",
        "the camera or a stage that carries on after a failed `send` instead of \
         returning (with a camera that never ends by itself, nothing then stops), or \
         a stage that does not return once its input is closed",
        WATCHDOG,
        f,
    )
}

#[test]
fn the_camera_stops_when_nobody_listens() {
    let sent = within(|| {
        // A rendezvous: each send returns only once the frame was taken.
        let (tx, rx) = mpsc::sync_channel(0);
        thread::scope(|s| {
            let camera = s.spawn(move || camera(tx));
            for expected in 0..3 {
                assert_eq!(rx.recv(), Ok(expected));
            }
            drop(rx);
            camera.join().expect("the camera panicked")
        })
    });
    assert_eq!(sent, 3);
}

#[test]
fn a_stage_ends_when_its_input_closes() {
    let out = within(|| {
        let (in_tx, in_rx) = mpsc::sync_channel(3);
        let (out_tx, out_rx) = mpsc::sync_channel(3);
        for item in 1..=3 {
            in_tx.send(item).unwrap();
        }
        drop(in_tx);
        stage(in_rx, out_tx, |x| x * 100);
        out_rx.iter().collect::<Vec<_>>()
    });
    assert_eq!(out, [100, 200, 300]);
}

#[test]
fn a_stage_ends_when_nobody_takes_its_output() {
    within(|| {
        let (in_tx, in_rx) = mpsc::sync_channel(3);
        let (out_tx, out_rx) = mpsc::sync_channel(3);
        for item in 1..=3 {
            in_tx.send(item).unwrap();
        }
        drop(out_rx);
        // `in_tx` stays alive: only the closed output can end this stage.
        stage(in_rx, out_tx, |x| x);
        drop(in_tx);
    });
}

#[test]
fn the_first_receipts_come_back_in_order() {
    let cancelled = within(|| first_n(5));
    assert_eq!(cancelled.receipts, [2, 22, 42, 62, 82]);
}

#[test]
fn the_stop_reaches_the_camera_soon() {
    let n = 20;
    let cancelled = within(move || first_n(n));
    // Four queues of one frame each, and one frame in the hands of each of the three
    // stages: the camera can be only a few frames ahead when the stop reaches it.
    let sent = cancelled.camera_sent;
    assert!(
        sent >= n as u64 && sent <= n as u64 + 8,
        "camera sent {sent}"
    );
}

#[test]
fn taking_nothing_stops_everything_at_once() {
    let cancelled = within(|| first_n(0));
    assert!(cancelled.receipts.is_empty());
}

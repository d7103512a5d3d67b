//! The trace of a bounded run: a track for the camera and one for the worker, a
//! note for every frame sent and received.

use std::time::Duration;

use serde_json::Value;
use workshop_backpressure::{bounded, marks};

#[test]
fn a_trace_has_every_frame_sent_and_received() {
    let (run, start, notes) = pipeline_core::watchdog::within(
        "the bounded run",
        Duration::from_secs(10),
        || marks::record(|| bounded(40, 4, Duration::from_millis(2))),
    );
    assert_eq!(run.received.len(), 40);
    let trace: Value =
        serde_json::from_str(&marks::chrome_trace(start, &notes)).unwrap();
    let events = trace["traceEvents"].as_array().unwrap();
    let track = |name: &str| {
        events
            .iter()
            .find(|e| e["name"] == "thread_name" && e["args"]["name"] == name)
            .map(|e| e["tid"].clone())
            .unwrap_or_else(|| panic!("no {name} track"))
    };
    let (camera, resize) = (track("camera"), track("resize"));
    let count = |tid: &Value, ph: &str| {
        events
            .iter()
            .filter(|e| &e["tid"] == tid && e["ph"] == ph)
            .count()
    };
    assert_eq!((count(&camera, "X"), count(&camera, "i")), (40, 40));
    assert_eq!((count(&resize, "X"), count(&resize, "i")), (40, 40));
    let depths: Vec<u64> = events
        .iter()
        .filter(|e| e["ph"] == "C")
        .map(|e| e["args"]["depth"].as_u64().unwrap())
        .collect();
    assert_eq!(depths.len(), 80);
    assert_eq!(depths.last(), Some(&0), "every frame sent was received");
}

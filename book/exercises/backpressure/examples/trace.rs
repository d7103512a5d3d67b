//! Records a run of your `bounded` and writes it for Perfetto:
//! `cargo run -p workshop-backpressure --no-default-features --example trace`
//! (drop `--no-default-features` to trace the solution instead).

use std::time::Duration;

use workshop_backpressure::{bounded, marks};

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "trace.json".into());
    let (run, start, notes) =
        marks::record(|| bounded(40, 4, Duration::from_millis(2)));
    if let Err(e) = std::fs::write(&path, marks::chrome_trace(start, &notes)) {
        eprintln!("error: cannot write {path}: {e}");
        std::process::exit(2);
    }
    println!(
        "{} frames, the camera waited {} times: open {path} at https://ui.perfetto.dev",
        run.received.len(),
        run.camera_waits
    );
}

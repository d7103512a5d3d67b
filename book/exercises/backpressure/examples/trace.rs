//! Records a run of your `bounded` and writes it for Perfetto:
//! `cargo run -p workshop-backpressure --no-default-features --example trace`
//! (drop `--no-default-features` to trace the solution instead). The trace goes to
//! `trace.json` in cargo's target folder, which git ignores, or to the path given
//! after `--`.

use std::path::PathBuf;
use std::time::Duration;

use workshop_backpressure::{bounded, marks};

/// `trace.json` in the target folder this example was built in: `cargo run` runs
/// it from `<target>/<profile>/examples/`.
fn in_target_folder() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    Some(exe.ancestors().nth(3)?.join("trace.json"))
}

fn main() {
    let path = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .or_else(in_target_folder)
        .unwrap_or_else(|| "trace.json".into());
    let (run, start, notes) =
        marks::record(|| bounded(40, 4, Duration::from_millis(2)));
    if let Err(e) = std::fs::write(&path, marks::chrome_trace(start, &notes)) {
        eprintln!("error: cannot write {}: {e}", path.display());
        std::process::exit(2);
    }
    println!(
        "{} frames, the camera waited {} times: open {} at https://ui.perfetto.dev",
        run.received.len(),
        run.camera_waits,
        path.display()
    );
}

//! `lab run --trace FILE`: a run's timeline in the Chrome trace event format,
//! which Perfetto (ui.perfetto.dev) and `chrome://tracing` open.
//!
//! One track per thread, named like the thread (`camera`, `resize-1`,
//! `collector`): a complete (`X`) slice for each stretch of waiting, working
//! and handing over, an instant (`i`) event for each poll, and one counter (`C`)
//! track per queue with its depth after each put and get. Times are in µs since
//! the run began.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use pipeline_core::Timeline;
use serde_json::{Value, json};

use crate::error::LabError;

/// The file to write the trace to, created now so that a bad path fails before
/// the run starts.
pub struct TraceFile {
    path: String,
    file: File,
}

/// Creates (or truncates) the trace file at `path`.
pub fn create(path: &Path) -> Result<TraceFile, LabError> {
    let shown = path.display().to_string();
    match File::create(path) {
        Ok(file) => Ok(TraceFile { path: shown, file }),
        Err(reason) => Err(LabError::Trace {
            path: shown,
            reason,
        }),
    }
}

/// Writes `timeline` as a Chrome trace into `file`; `title` names the process.
pub fn write(file: TraceFile, timeline: &Timeline, title: &str) -> Result<(), LabError> {
    let TraceFile { path, file } = file;
    let fail = |reason| LabError::Trace {
        path: path.clone(),
        reason,
    };
    let mut out = BufWriter::new(file);
    serde_json::to_writer(&mut out, &trace(timeline, title)).map_err(|e| fail(e.into()))?;
    out.flush().map_err(fail)
}

/// µs, the trace format's unit, from ns.
fn us(ns: u64) -> f64 {
    ns as f64 / 1000.0
}

/// The whole trace: `{"traceEvents": [...], "displayTimeUnit": "ms"}`.
pub fn trace(timeline: &Timeline, title: &str) -> Value {
    const PID: u32 = 1;
    let mut events = vec![json!({
        "ph": "M", "name": "process_name", "pid": PID, "tid": 0,
        "args": {"name": format!("pipeline: {title}")},
    })];
    for (index, thread) in timeline.threads.iter().enumerate() {
        let tid = index + 1;
        // A thread that dropped events says so in its name.
        let name = match thread.dropped {
            0 => thread.name.clone(),
            dropped => format!(
                "{} (first {} events kept, {dropped} dropped)",
                thread.name, timeline.limit
            ),
        };
        events.push(json!({
            "ph": "M", "name": "thread_name", "pid": PID, "tid": tid,
            "args": {"name": name},
        }));
        events.push(json!({
            "ph": "M", "name": "thread_sort_index", "pid": PID, "tid": tid,
            "args": {"sort_index": tid},
        }));
        for span in &thread.spans {
            events.push(json!({
                "ph": "X", "name": span.state.name(), "cat": span.state.name(),
                "pid": PID, "tid": tid,
                "ts": us(span.start_ns), "dur": us(span.end_ns - span.start_ns),
            }));
        }
        for &at in &thread.polls {
            events.push(json!({
                "ph": "i", "name": "poll", "cat": "poll", "s": "t",
                "pid": PID, "tid": tid, "ts": us(at),
            }));
        }
    }
    for queue in &timeline.queues {
        for &(at, depth) in &queue.depth {
            events.push(json!({
                "ph": "C", "name": format!("{} queue", queue.name), "pid": PID,
                "ts": us(at), "args": {"depth": depth},
            }));
        }
    }
    json!({"traceEvents": events, "displayTimeUnit": "ms"})
}

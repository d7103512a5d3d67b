//! `lab run --trace FILE`: a run's timeline in the Chrome trace event format,
//! which Perfetto (ui.perfetto.dev) and `chrome://tracing` open.
//!
//! One track per thread, named like the thread (`camera`, `resize-1`,
//! `collector`): a complete (`X`) slice for each stretch of waiting, working
//! and handing over, an instant (`i`) event for each poll, and one counter (`C`)
//! track per queue with its depth after each put and get. Times are in µs since
//! the run began.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use pipeline_core::Timeline;
use serde_json::{Value, json};

use crate::error::LabError;

/// Where the trace goes, checked before the run starts (nothing is created yet).
#[derive(Debug)]
pub struct TracePath {
    path: PathBuf,
    /// A device or a pipe (`/dev/stdout`) is written in place; a file is written
    /// beside itself, then renamed into place.
    in_place: bool,
}

impl TracePath {
    fn shown(&self) -> String {
        self.path.display().to_string()
    }
}

/// Checks that a trace can be written at `path` without creating it: a file in
/// a directory that takes one (a probe file is made and removed there), or a
/// device or pipe that opens for writing.
pub fn check(path: &Path) -> Result<TracePath, LabError> {
    let refuse = |reason| LabError::Trace {
        path: path.display().to_string(),
        reason,
    };
    let in_place = match fs::metadata(path) {
        Ok(meta) if meta.is_dir() => {
            return Err(refuse(io::Error::other(
                "it is a directory; give a file name",
            )));
        }
        Ok(meta) => !meta.is_file(),
        Err(_) => false,
    };
    let trace = TracePath {
        path: path.to_path_buf(),
        in_place,
    };
    if in_place {
        OpenOptions::new().write(true).open(path).map_err(refuse)?;
    } else {
        let probe = partial(path, "check");
        File::create(&probe).map_err(refuse)?;
        let _ = fs::remove_file(&probe);
    }
    Ok(trace)
}

/// The temporary file beside `path` that a trace is written to first.
fn partial(path: &Path, what: &str) -> PathBuf {
    let name = path.file_name().map_or_else(
        || "trace".into(),
        |name| name.to_string_lossy().into_owned(),
    );
    let name = format!(".{name}.{what}-{}", std::process::id());
    path.with_file_name(name)
}

/// Writes `timeline` as a Chrome trace at `trace`; `title` names the process. A
/// file is written whole or not at all: into a temporary file beside it, synced,
/// then renamed into place; on any error (a full disk) the temporary file is
/// removed and an existing file at the path is left as it was.
pub fn write(trace: &TracePath, timeline: &Timeline, title: &str) -> Result<(), LabError> {
    let fail = |reason| LabError::TraceLost {
        path: trace.shown(),
        reason,
    };
    let events = self::trace(timeline, title);
    if trace.in_place {
        let file = OpenOptions::new()
            .write(true)
            .open(&trace.path)
            .map_err(fail)?;
        return write_json(file, &events).map_err(fail);
    }
    let partial = partial(&trace.path, "partial");
    let written = File::create(&partial)
        .and_then(|file| write_json(file, &events))
        .and_then(|()| fs::rename(&partial, &trace.path));
    if written.is_err() {
        let _ = fs::remove_file(&partial);
    }
    written.map_err(fail)
}

/// Writes `value` into `file`, flushed and synced: every write error, the last
/// buffer's included, comes back as an error.
fn write_json(file: File, value: &Value) -> io::Result<()> {
    let mut out = BufWriter::new(file);
    serde_json::to_writer(&mut out, value)?;
    out.flush()?;
    let file = out.into_inner().map_err(|e| e.into_error())?;
    match file.sync_all() {
        // A device or pipe cannot be synced; what was written was written.
        Err(e) if e.kind() == io::ErrorKind::InvalidInput => Ok(()),
        other => other,
    }
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

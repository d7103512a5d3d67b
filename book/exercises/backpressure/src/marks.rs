//! A run's timeline, for Perfetto: while [`record`] runs, every count of the
//! [`Gauge`](crate::Gauge) (a frame sent, a frame received) is also noted with its
//! thread and its time, and [`chrome_trace`] writes the notes in the Chrome trace
//! event format that <https://ui.perfetto.dev> opens.
//!
//! Outside [`record`] a note is one load of a flag: the exercise's tests do not
//! record.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Mutex, PoisonError};
use std::thread::{self, ThreadId};
use std::time::Instant;

/// What a thread did at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// It sent a frame (the send returned).
    Put,
    /// It received a frame.
    Got,
}

/// One note: a thread, what it did, when.
#[derive(Debug, Clone, Copy)]
pub struct Mark {
    /// The thread.
    pub thread: ThreadId,
    /// What it did.
    pub kind: Kind,
    /// When.
    pub at: Instant,
}

static RECORDING: AtomicBool = AtomicBool::new(false);
static MARKS: Mutex<Vec<Mark>> = Mutex::new(Vec::new());
/// One recording at a time.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Notes `kind` for the calling thread, if a recording is on.
pub fn note(kind: Kind) {
    if RECORDING.load(Relaxed) {
        let mark = Mark {
            thread: thread::current().id(),
            kind,
            at: Instant::now(),
        };
        MARKS
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(mark);
    }
}

/// Runs `f` with notes on; returns what it returned, when it started, and the notes.
pub fn record<T>(f: impl FnOnce() -> T) -> (T, Instant, Vec<Mark>) {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    MARKS.lock().unwrap_or_else(PoisonError::into_inner).clear();
    let start = Instant::now();
    RECORDING.store(true, Relaxed);
    let out = f();
    RECORDING.store(false, Relaxed);
    let marks = std::mem::take(
        &mut *MARKS.lock().unwrap_or_else(PoisonError::into_inner),
    );
    (out, start, marks)
}

/// The notes as a Chrome trace (JSON): one track per thread, named by what it
/// did (`camera` sends, `resize` receives), a slice per frame from one note of
/// the thread to its next, an instant per note, and the queue's depth as a
/// counter.
pub fn chrome_trace(start: Instant, marks: &[Mark]) -> String {
    let us =
        |at: Instant| at.saturating_duration_since(start).as_secs_f64() * 1e6;
    let mut threads: Vec<ThreadId> = Vec::new();
    for mark in marks {
        if !threads.contains(&mark.thread) {
            threads.push(mark.thread);
        }
    }
    let mut events = Vec::new();
    let mut depth = 0i64;
    for (index, &thread) in threads.iter().enumerate() {
        let tid = index + 1;
        let mine: Vec<&Mark> =
            marks.iter().filter(|m| m.thread == thread).collect();
        let name = if mine.iter().all(|m| m.kind == Kind::Put) {
            "camera".to_string()
        } else if mine.iter().all(|m| m.kind == Kind::Got) {
            "resize".to_string()
        } else {
            format!("thread {tid}")
        };
        events.push(format!(
            r#"{{"ph":"M","name":"thread_name","pid":1,"tid":{tid},"args":{{"name":"{name}"}}}}"#
        ));
        let mut from = start;
        for (frame, mark) in mine.iter().enumerate() {
            // The camera's slice ends when a send returns: how long that frame took
            // to hand over. The worker's slice starts when it got the frame.
            let (what, begin, end) = match mark.kind {
                Kind::Put => ("sending frame", from, mark.at),
                Kind::Got => {
                    let next = mine.get(frame + 1).map_or(mark.at, |m| m.at);
                    ("resizing and waiting, frame", mark.at, next)
                }
            };
            events.push(format!(
                r#"{{"ph":"X","name":"{what} {frame}","pid":1,"tid":{tid},"ts":{:.3},"dur":{:.3}}}"#,
                us(begin),
                us(end) - us(begin)
            ));
            let instant = match mark.kind {
                Kind::Put => "sent",
                Kind::Got => "received",
            };
            events.push(format!(
                r#"{{"ph":"i","name":"{instant}","s":"t","pid":1,"tid":{tid},"ts":{:.3}}}"#,
                us(mark.at)
            ));
            from = mark.at;
        }
    }
    let mut by_time: Vec<&Mark> = marks.iter().collect();
    by_time.sort_by_key(|m| m.at);
    for mark in by_time {
        depth += match mark.kind {
            Kind::Put => 1,
            Kind::Got => -1,
        };
        events.push(format!(
            r#"{{"ph":"C","name":"queue","pid":1,"ts":{:.3},"args":{{"depth":{}}}}}"#,
            us(mark.at),
            depth.max(0)
        ));
    }
    let mut json = String::from("{\"traceEvents\":[\n");
    for (i, event) in events.iter().enumerate() {
        let comma = if i + 1 < events.len() { "," } else { "" };
        let _ = writeln!(json, "{event}{comma}");
    }
    json.push_str("]}\n");
    json
}

//! The recording probe: every thread's life as a timeline of waiting, working
//! and handing over, with each poll of a queue.
//!
//! A run with [`Recording`] probes counts exactly what a [`Counting`](crate::Counting)
//! run counts (the recording probe wraps the counting one) and also keeps, in
//! each thread, a buffer of its events with their times. Nothing is shared while
//! the run goes on: each thread appends to its own buffer and hands it over once,
//! when it ends. [`Probes::timeline`] then merges the buffers into a [`Timeline`].
//!
//! Memory is bounded: each thread keeps its first [`Recorder::limit`] events
//! and counts the events it drops after that. A thread that dropped events
//! shows its life up to its last recorded event, and the queue depths, which need
//! every thread's events, stop at the earliest such point.

use std::cell::RefCell;
use std::sync::{Mutex, PoisonError};

use serde::{Deserialize, Serialize};

use crate::config::Stage;
use crate::probe::{Probe, Probes, Probing, WorkStart, WorkerProbe};
use crate::recorder::{Buffer, Kind, Recorder, ThreadEvents};
use crate::stages::{Job, StageError};
use crate::threads::worker_thread_name;

/// The probes of a recorded run: [`RecordingProbe`], counting like the counting
/// probe and recording each event with its time.
#[derive(Debug, Clone, Copy)]
pub enum Recording {}

impl Probing for Recording {
    type Worker<'run> = RecordingProbe<'run>;

    const RECORDS: bool = true;

    fn worker_probe(probes: &Probes, stage: Stage, index: usize) -> RecordingProbe<'_> {
        let recorder = probes.recorder();
        RecordingProbe {
            count: probes.worker_probe(stage, index),
            buffer: RefCell::new(recorder.buffer(probes.clock())),
            slot: &recorder.workers[stage.index()][index],
        }
    }
}

/// A worker's recording probe: the counting probe, plus a buffer of timed events
/// of the worker's own, handed over when the worker ends (also by a panic).
#[derive(Debug)]
pub struct RecordingProbe<'a> {
    count: WorkerProbe<'a>,
    buffer: RefCell<Buffer>,
    slot: &'a Mutex<ThreadEvents>,
}

impl RecordingProbe<'_> {
    #[inline]
    fn record(&self, kind: Kind) {
        self.buffer.borrow_mut().push(kind);
    }
}

impl Probe for RecordingProbe<'_> {
    #[inline]
    fn stopped(&self) -> bool {
        self.count.stopped()
    }

    #[inline]
    fn poll(&self) {
        self.record(Kind::Poll);
        self.count.poll();
    }

    #[inline]
    fn got(&self) {
        self.count.got();
        self.record(Kind::Got);
    }

    #[inline]
    fn work_started(&self) -> WorkStart {
        self.record(Kind::WorkStart);
        self.count.work_started()
    }

    #[inline]
    fn work_ended<Out>(
        &self,
        started: WorkStart,
        result: Result<Job<Out>, StageError>,
    ) -> Option<Job<Out>> {
        let result = self.count.work_ended(started, result);
        self.record(match result {
            Some(_) => Kind::WorkEnd,
            None => Kind::WorkFailed,
        });
        result
    }

    #[inline]
    fn put(&self) {
        self.count.put();
        self.record(Kind::Put);
    }
}

impl Drop for RecordingProbe<'_> {
    fn drop(&mut self) {
        Recorder::hand_over(self.slot, self.buffer.get_mut());
    }
}

/// What a thread is doing during a [`Span`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Waiting for an item (or, for the camera, for its next frame to be due).
    Waiting,
    /// Inside the stage function.
    Working,
    /// Handing an item over: the put, including any wait for room in a full queue.
    HandingOver,
}

impl State {
    /// The state's name: `waiting`, `working`, `handing over`.
    pub fn name(self) -> &'static str {
        match self {
            State::Waiting => "waiting",
            State::Working => "working",
            State::HandingOver => "handing over",
        }
    }
}

/// A stretch of time one thread spent in one state, in ns since the run began.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    /// What the thread was doing.
    pub state: State,
    /// When it began.
    pub start_ns: u64,
    /// When it ended.
    pub end_ns: u64,
}

/// One thread's life: its spans and its polls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadLine {
    /// The thread's name: `camera`, `resize-1`, `collector`.
    pub name: String,
    /// What it did, in order, without overlaps.
    pub spans: Vec<Span>,
    /// When it asked a queue (for an item, or again for room), in ns.
    pub polls: Vec<u64>,
    /// Events it did not keep, once its buffer was full.
    pub dropped: u64,
}

/// One queue's depth over time: its value after each change, in ns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueLine {
    /// The queue: `download`, `resize`, `upload` (a stage's input) or `done`.
    pub name: String,
    /// `(ns, depth)` after each put or get, from the threads' own events.
    pub depth: Vec<(u64, u64)>,
}

/// A run's recorded timeline: every thread, and every queue's depth.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timeline {
    /// How many events each thread kept at most.
    pub limit: usize,
    /// The camera, each worker stage by stage, the collector.
    pub threads: Vec<ThreadLine>,
    /// The four queues, in the order items go through them.
    pub queues: Vec<QueueLine>,
}

impl Timeline {
    /// The first `window_ns` of the run: spans cut at its end, later polls and
    /// depth changes left out.
    pub fn window(&self, window_ns: u64) -> Timeline {
        Timeline {
            limit: self.limit,
            threads: self
                .threads
                .iter()
                .map(|thread| ThreadLine {
                    name: thread.name.clone(),
                    spans: thread
                        .spans
                        .iter()
                        .filter(|span| span.start_ns < window_ns)
                        .map(|span| Span {
                            end_ns: span.end_ns.min(window_ns),
                            ..*span
                        })
                        .collect(),
                    polls: thread
                        .polls
                        .iter()
                        .copied()
                        .filter(|&t| t < window_ns)
                        .collect(),
                    dropped: thread.dropped,
                })
                .collect(),
            queues: self
                .queues
                .iter()
                .map(|queue| QueueLine {
                    name: queue.name.clone(),
                    depth: queue
                        .depth
                        .iter()
                        .copied()
                        .filter(|&(t, _)| t < window_ns)
                        .collect(),
                })
                .collect(),
        }
    }

    /// The thread named `name`.
    pub fn thread(&self, name: &str) -> Option<&ThreadLine> {
        self.threads.iter().find(|thread| thread.name == name)
    }
}

impl ThreadLine {
    /// The spans of `state`.
    pub fn spans_of(&self, state: State) -> impl Iterator<Item = &Span> {
        self.spans.iter().filter(move |span| span.state == state)
    }
}

/// Which queue an event moves, and by how much: `(queue index, +1 or -1)`.
fn queue_move(thread: Thread, kind: Kind) -> Option<(usize, i64)> {
    match (thread, kind) {
        (Thread::Source, Kind::Put) => Some((0, 1)),
        (Thread::Worker(stage), Kind::Got) => Some((stage.index(), -1)),
        (Thread::Worker(stage), Kind::Put) => Some((stage.index() + 1, 1)),
        (Thread::Collector, Kind::Got) => Some((3, -1)),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy)]
enum Thread {
    Source,
    Worker(Stage),
    Collector,
}

/// Turns one thread's events into spans and polls (times in ns since `origin`).
fn line(name: String, events: &ThreadEvents, ns: impl Fn(u64) -> u64) -> ThreadLine {
    let mut spans = Vec::new();
    let mut polls = Vec::new();
    // The state the thread is in, and since when.
    let mut open: Option<(State, u64)> = None;
    let close = |open: &mut Option<(State, u64)>, at: u64, spans: &mut Vec<Span>| {
        if let Some((state, start_ns)) = open.take() {
            spans.push(Span {
                state,
                start_ns,
                end_ns: at.max(start_ns),
            });
        }
    };
    for event in &events.events {
        let at = ns(event.tick);
        match event.kind {
            Kind::WaitStart => {
                if open.is_none() {
                    open = Some((State::Waiting, at));
                }
            }
            Kind::Poll => {
                polls.push(at);
                if open.is_none() {
                    open = Some((State::Waiting, at));
                }
            }
            Kind::Got | Kind::Put | Kind::WorkFailed | Kind::End => {
                close(&mut open, at, &mut spans);
            }
            Kind::WorkStart => {
                close(&mut open, at, &mut spans);
                open = Some((State::Working, at));
            }
            Kind::WorkEnd | Kind::PutStart => {
                close(&mut open, at, &mut spans);
                open = Some((State::HandingOver, at));
            }
        }
    }
    ThreadLine {
        name,
        spans,
        polls,
        dropped: events.dropped,
    }
}

impl Probes {
    /// The run's timeline, merged from every thread's buffer. Call it once the run
    /// has ended; a run without [`Recording`] probes gives threads without events
    /// (the camera's and collector's are recorded only in a recorded run).
    pub fn timeline(&self) -> Timeline {
        let recorder = self.recorder();
        let clock = self.clock();
        let ns = |tick: u64| {
            if tick <= recorder.origin {
                0
            } else {
                clock.delta_as_nanos(recorder.origin, tick)
            }
        };
        let lock = |slot: &Mutex<ThreadEvents>| {
            let events = slot.lock().unwrap_or_else(PoisonError::into_inner);
            ThreadEvents {
                events: events.events.clone(),
                dropped: events.dropped,
            }
        };
        let mut threads: Vec<(Thread, String, ThreadEvents)> =
            vec![(Thread::Source, "camera".into(), lock(&recorder.source))];
        for stage in Stage::ALL {
            for (index, slot) in recorder.workers[stage.index()].iter().enumerate() {
                threads.push((
                    Thread::Worker(stage),
                    worker_thread_name(stage, index),
                    lock(slot),
                ));
            }
        }
        threads.push((
            Thread::Collector,
            "collector".into(),
            lock(&recorder.collector),
        ));

        // Depths are exact up to the first event any thread dropped.
        let complete_until = threads
            .iter()
            .filter(|(_, _, events)| events.dropped > 0)
            .filter_map(|(_, _, events)| events.events.last().map(|e| ns(e.tick)))
            .min()
            .unwrap_or(u64::MAX);
        let mut moves: Vec<(u64, usize, i64)> = threads
            .iter()
            .flat_map(|(thread, _, events)| {
                events.events.iter().filter_map(|event| {
                    queue_move(*thread, event.kind).map(|(queue, by)| (ns(event.tick), queue, by))
                })
            })
            .filter(|&(at, _, _)| at <= complete_until)
            .collect();
        // At the same instant, count a put before a get.
        moves.sort_by_key(|&(at, _, by)| (at, -by));
        let mut depths = [0i64; 4];
        // Each stage's input queue is named after the stage; then the done queue.
        let names = Stage::ALL.map(Stage::name).into_iter().chain(["done"]);
        let mut queues: Vec<QueueLine> = names
            .map(|name| QueueLine {
                name: name.to_string(),
                depth: Vec::new(),
            })
            .collect();
        for (at, queue, by) in moves {
            // A get is recorded right after the item left, a put right after it
            // went in: from different threads' clocks a get can come first.
            // The sum runs below zero for that moment, shown as zero.
            depths[queue] += by;
            queues[queue].depth.push((at, depths[queue].max(0) as u64));
        }
        Timeline {
            limit: recorder.limit(),
            threads: threads
                .into_iter()
                .map(|(_, name, events)| line(name, &events, ns))
                .collect(),
            queues,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::recorder::DEFAULT_RECORD_LIMIT;
    use std::time::Instant;

    fn job(id: u64) -> Job<u64> {
        Job::new(id, Instant::now(), id)
    }

    #[test]
    fn a_recording_probe_counts_like_the_counting_one_and_records_spans() {
        let config = Config::default();
        let probes = Probes::recording(&config, DEFAULT_RECORD_LIMIT);
        std::thread::scope(|s| {
            s.spawn(|| {
                let probe = Recording::worker_probe(&probes, Stage::Resize, 0);
                probe.poll();
                probe.poll();
                probe.got();
                let out = probe.work(job(1), Ok::<u64, StageError>).unwrap();
                probe.poll(); // a retry of the put
                assert_eq!(out.item, 1);
                probe.put();
                probe.poll();
                probe.got();
                assert!(
                    probe
                        .work(job(2), |id| Err::<u64, _>(StageError {
                            stage: Stage::Resize,
                            item: id,
                            reason: "test".into(),
                        }))
                        .is_none()
                );
                probe.poll();
            });
        });
        let counts = probes.worker(Stage::Resize, 0);
        assert_eq!(
            (counts.polls, counts.got, counts.done, counts.failed),
            (5, 2, 1, 1)
        );
        let timeline = probes.timeline();
        let resize = timeline.thread("resize-0").unwrap();
        let states: Vec<State> = resize.spans.iter().map(|s| s.state).collect();
        use State::*;
        assert_eq!(
            states,
            [Waiting, Working, HandingOver, Waiting, Working, Waiting]
        );
        assert_eq!(resize.polls.len(), 5);
        assert_eq!(resize.dropped, 0);
        assert!(
            resize
                .spans
                .windows(2)
                .all(|w| w[0].end_ns <= w[1].start_ns)
        );
        // The resize worker got two items, put one: depths of its queues.
        let resize_queue = &timeline.queues[1];
        assert_eq!(resize_queue.depth.last().unwrap().1, 0);
        assert_eq!(
            timeline.queues[2].depth,
            vec![(timeline.queues[2].depth[0].0, 1)]
        );
        assert!(timeline.thread("download-0").unwrap().spans.is_empty());
    }

    #[test]
    fn a_full_buffer_keeps_the_first_events_and_counts_the_rest() {
        let config = Config::default();
        let probes = Probes::recording(&config, 3);
        {
            let probe = Recording::worker_probe(&probes, Stage::Upload, 0);
            for _ in 0..10 {
                probe.poll();
            }
        }
        assert_eq!(
            probes.worker(Stage::Upload, 0).polls,
            10,
            "counts stay exact"
        );
        let upload = probes.timeline();
        let upload = upload.thread("upload-0").unwrap();
        assert_eq!((upload.polls.len(), upload.dropped), (3, 8));
    }

    #[test]
    fn a_window_cuts_spans_and_leaves_later_events_out() {
        let line = ThreadLine {
            name: "t".into(),
            spans: vec![
                Span {
                    state: State::Working,
                    start_ns: 0,
                    end_ns: 50,
                },
                Span {
                    state: State::Waiting,
                    start_ns: 50,
                    end_ns: 200,
                },
                Span {
                    state: State::Working,
                    start_ns: 200,
                    end_ns: 300,
                },
            ],
            polls: vec![50, 120, 250],
            dropped: 0,
        };
        let timeline = Timeline {
            limit: 10,
            threads: vec![line],
            queues: vec![],
        };
        let cut = timeline.window(100);
        assert_eq!(cut.threads[0].spans.len(), 2);
        assert_eq!(cut.threads[0].spans[1].end_ns, 100);
        assert_eq!(cut.threads[0].polls, vec![50]);
    }
}

//! Where each thread of a recorded run keeps its timed events: a buffer of its
//! own, appended to without any sharing and handed over once, when the thread
//! ends, to its slot in the [`Recorder`].
//!
//! Memory is bounded: each thread keeps its first [`Recorder::limit`] events
//! (16 bytes each; [`DEFAULT_RECORD_LIMIT`] by default, so at most 1 MiB per
//! thread) and counts the events it drops after that. What the events say is
//! read by the timeline module, which turns them into spans and queue depths.

use std::sync::{Mutex, PoisonError};

use crate::config::{Config, Stage};

/// How many events each thread keeps, by default: 65 536 (1 MiB per thread).
pub const DEFAULT_RECORD_LIMIT: usize = 1 << 16;

/// One event of a thread, as recorded: what happened, and the clock's raw tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Event {
    pub(crate) kind: Kind,
    pub(crate) tick: u64,
}

/// What a recorded event says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// The thread starts waiting without polling (the camera, until its next
    /// frame is due; the collector, for the next receipt).
    WaitStart,
    /// The thread asks a queue (for an item, or again for room).
    Poll,
    /// The thread got an item from its input queue.
    Got,
    /// The stage function starts.
    WorkStart,
    /// The stage function ended with a result to hand over.
    WorkEnd,
    /// The stage function failed: nothing to hand over.
    WorkFailed,
    /// The thread starts handing an item over (the camera).
    PutStart,
    /// The output queue took the item.
    Put,
    /// The thread ends.
    End,
}

/// The events one thread has recorded, and how many it dropped.
#[derive(Debug, Default)]
pub(crate) struct ThreadEvents {
    pub(crate) events: Vec<Event>,
    pub(crate) dropped: u64,
}

/// A thread's own buffer, appended to without any sharing.
#[derive(Debug)]
pub(crate) struct Buffer {
    events: ThreadEvents,
    limit: usize,
    clock: quanta::Clock,
}

impl Buffer {
    /// Records `kind` now, or counts it as dropped once the buffer is full.
    #[inline]
    pub(crate) fn push(&mut self, kind: Kind) {
        if self.events.events.len() < self.limit {
            let tick = self.clock.raw();
            self.events.events.push(Event { kind, tick });
        } else {
            self.events.dropped += 1;
        }
    }
}

/// Where the threads of a run hand their buffers over when they end.
#[derive(Debug)]
pub struct Recorder {
    /// The clock's raw tick when the run's probes were made: time zero.
    pub(crate) origin: u64,
    limit: usize,
    /// One slot per worker, by stage.
    pub(crate) workers: [Vec<Mutex<ThreadEvents>>; 3],
    /// The camera's slot.
    pub(crate) source: Mutex<ThreadEvents>,
    /// The collector's slot.
    pub(crate) collector: Mutex<ThreadEvents>,
}

impl Recorder {
    pub(crate) fn new(config: &Config, clock: &quanta::Clock, limit: usize) -> Recorder {
        Recorder {
            origin: clock.raw(),
            limit,
            workers: Stage::ALL.map(|stage| {
                (0..config.workers_of(stage))
                    .map(|_| Mutex::default())
                    .collect()
            }),
            source: Mutex::default(),
            collector: Mutex::default(),
        }
    }

    /// How many events each thread keeps; later ones are counted, not kept.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// A fresh buffer for one thread.
    pub(crate) fn buffer(&self, clock: &quanta::Clock) -> Buffer {
        Buffer {
            events: ThreadEvents {
                events: Vec::with_capacity(self.limit.min(4096)),
                dropped: 0,
            },
            limit: self.limit,
            clock: clock.clone(),
        }
    }

    /// Ends `buffer` with [`Kind::End`] and moves its events into `slot`.
    pub(crate) fn hand_over(slot: &Mutex<ThreadEvents>, buffer: &mut Buffer) {
        buffer.push(Kind::End);
        let mut slot = slot.lock().unwrap_or_else(PoisonError::into_inner);
        slot.events.append(&mut buffer.events.events);
        slot.dropped += std::mem::take(&mut buffer.events.dropped);
    }

    /// The camera's buffer, once it has put its last item.
    pub(crate) fn source_done(&self, mut buffer: Buffer) {
        Recorder::hand_over(&self.source, &mut buffer);
    }

    /// The collector's buffer, once the last receipt has arrived.
    pub(crate) fn collector_done(&self, mut buffer: Buffer) {
        Recorder::hand_over(&self.collector, &mut buffer);
    }
}

//! The probes: what a worker counts, one visible line per event.
//!
//! A worker loop reads like this, whatever the queue:
//!
//! ```text
//! while !probe.stopped() {                // unless the run was stopped (a panic)
//!     probe.poll();                       // about to ask the input queue for an item
//!     let Some(job) = input.get() else { break };
//!     probe.got();                        // one item fewer in the input queue
//!     let Some(result) = probe.work(job, &stage) else { continue };  // timed; a failure is counted
//!     if output.put(result).is_err() { break }
//!     probe.put();                        // one item more in the output queue, one done
//! }
//! ```
//!
//! Counters a worker writes are its own (one writer, read by others only to show
//! progress), so they cost a plain load and store. Queue depths are shared by both
//! ends of a queue and use atomic read-modify-write.

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use crate::config::{Config, Stage};
use crate::error::StageError;
use crate::stages::Job;

// ANCHOR: thread_cpu_time
/// The CPU time the calling thread has used so far.
pub fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // Safety: `ts` is a valid, writable timespec and the clock id is a constant libc knows.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}
// ANCHOR_END: thread_cpu_time

// ANCHOR: process_cpu_time
/// The CPU time (user + system) the whole process has used so far.
pub fn process_cpu_time() -> Duration {
    // Safety: an all-zero rusage is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // Safety: `usage` is a valid, writable rusage.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    assert_eq!(rc, 0, "getrusage(RUSAGE_SELF) failed");
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}
// ANCHOR_END: process_cpu_time

/// The process's peak resident set size so far, in bytes.
pub fn max_rss_bytes() -> u64 {
    // Safety: an all-zero rusage is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // Safety: `usage` is a valid, writable rusage.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    assert_eq!(rc, 0, "getrusage(RUSAGE_SELF) failed");
    // Linux reports ru_maxrss in KiB.
    usage.ru_maxrss as u64 * 1024
}

/// One queue's depth: counted after each put and after each get.
///
/// The count lags the queue by the puts and gets that have happened but not yet
/// been counted, so while a run is going on it can read above the queue's true
/// length by at most the number of its consumers (each may hold one item it has
/// got but not yet counted), and below it by at most the number of its producers.
#[derive(Debug, Default)]
#[repr(align(128))]
pub struct QueueGauge {
    depth: AtomicI64,
    peak: AtomicI64,
}

// ANCHOR: queue_gauge
impl QueueGauge {
    /// Counts one item put.
    pub fn put(&self) {
        let depth = self.depth.fetch_add(1, Relaxed) + 1;
        if depth > self.peak.load(Relaxed) {
            self.peak.fetch_max(depth, Relaxed);
        }
    }

    /// Counts one item got.
    pub fn got(&self) {
        self.depth.fetch_sub(1, Relaxed);
    }

    // ANCHOR_END: queue_gauge

    /// The depth now (never below zero).
    pub fn depth(&self) -> u64 {
        self.depth.load(Relaxed).max(0) as u64
    }

    /// The largest depth counted so far.
    pub fn peak(&self) -> u64 {
        self.peak.load(Relaxed).max(0) as u64
    }
}

/// A single-writer counter: only its worker adds to it, others only read it.
#[derive(Debug, Default)]
struct Counter(AtomicU64);

impl Counter {
    fn add(&self, n: u64) {
        // One writer: a load and a store are enough, no read-modify-write needed.
        self.0.store(self.0.load(Relaxed) + n, Relaxed);
    }

    fn get(&self) -> u64 {
        self.0.load(Relaxed)
    }
}

/// One worker's counters, kept outside the thread so they survive a panic.
#[derive(Debug, Default)]
#[repr(align(128))]
struct WorkerSlot {
    polls: Counter,
    done: Counter,
    failed: Counter,
    busy_ticks: Counter,
    cpu_ns: Counter,
    failures: crate::failures::FailureLog,
}

/// What one worker did, read after (or while) it runs.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct WorkerCounts {
    /// Times it asked its input queue for an item.
    pub polls: u64,
    /// Items it finished and handed on.
    pub done: u64,
    /// Items its stage function failed on.
    pub failed: u64,
    /// Time inside the stage function.
    pub busy: Duration,
    /// The thread's CPU time over its life (known once the worker has ended).
    pub cpu: Duration,
}

/// Every probe of one run: a gauge per queue, a slot per worker.
///
/// Shared between the run and whoever watches it (the lab's progress bars, the
/// bench's depth sampler): hold it in an `Arc` and read it while the run goes on.
#[derive(Debug)]
pub struct Probes {
    clock: quanta::Clock,
    queues: [QueueGauge; 4],
    workers: [Vec<WorkerSlot>; 3],
    stopped: AtomicBool,
}

impl Probes {
    /// Fresh probes for a run of `config`.
    pub fn new(config: &Config) -> Probes {
        Probes {
            clock: quanta::Clock::new(),
            queues: Default::default(),
            workers: Stage::ALL.map(|stage| {
                (0..config.workers_of(stage))
                    .map(|_| WorkerSlot::default())
                    .collect()
            }),
            stopped: AtomicBool::new(false),
        }
    }

    /// Asks the run to stop early: the source puts no more items and each worker
    /// stops before its next one; end of input then flows down as usual. A worker
    /// that panics raises the same flag (its probe does, as the thread unwinds), so
    /// a panic stops the whole run, not just its thread.
    pub fn stop(&self) {
        self.stopped.store(true, Relaxed);
    }

    /// Whether the run was asked to stop early.
    pub fn is_stopped(&self) -> bool {
        self.stopped.load(Relaxed)
    }

    /// The gauge of `stage`'s input queue.
    pub fn input_of(&self, stage: Stage) -> &QueueGauge {
        &self.queues[stage.index()]
    }

    /// The gauge of `stage`'s output queue (the next stage's input, or the done queue).
    pub fn output_of(&self, stage: Stage) -> &QueueGauge {
        &self.queues[stage.index() + 1]
    }

    /// The gauge of the done queue, where receipts wait for the main thread.
    pub fn done_queue(&self) -> &QueueGauge {
        &self.queues[3]
    }

    /// How many workers `stage` has.
    pub fn workers_of(&self, stage: Stage) -> usize {
        self.workers[stage.index()].len()
    }

    /// What worker `index` of `stage` has done so far.
    pub fn worker(&self, stage: Stage, index: usize) -> WorkerCounts {
        let slot = &self.workers[stage.index()][index];
        WorkerCounts {
            polls: slot.polls.get(),
            done: slot.done.get(),
            failed: slot.failed.get(),
            busy: Duration::from_nanos(self.clock.delta_as_nanos(0, slot.busy_ticks.get())),
            cpu: Duration::from_nanos(slot.cpu_ns.get()),
        }
    }

    /// Why worker `index` of `stage` failed items: counts and first message by kind.
    pub fn failures(&self, stage: Stage, index: usize) -> &crate::failures::FailureLog {
        &self.workers[stage.index()][index].failures
    }

    /// Items `stage` has finished so far, over all its workers.
    pub fn done_by(&self, stage: Stage) -> u64 {
        self.workers[stage.index()]
            .iter()
            .map(|slot| slot.done.get())
            .sum()
    }

    /// The probe worker `index` of `stage` counts with, from inside its thread.
    ///
    /// Call it first thing in the worker's thread: its CPU time is measured from
    /// here to the probe's drop, which also happens when the worker panics.
    pub fn worker_probe(&self, stage: Stage, index: usize) -> WorkerProbe<'_> {
        WorkerProbe {
            slot: &self.workers[stage.index()][index],
            input: self.input_of(stage),
            output: self.output_of(stage),
            stopped: &self.stopped,
            clock: &self.clock,
            cpu_at_start: thread_cpu_time(),
        }
    }
}

// ANCHOR: worker_probe
/// A worker's probe: call one method per event of its loop.
#[derive(Debug)]
pub struct WorkerProbe<'a> {
    slot: &'a WorkerSlot,
    input: &'a QueueGauge,
    output: &'a QueueGauge,
    stopped: &'a AtomicBool,
    clock: &'a quanta::Clock,
    cpu_at_start: Duration,
}

impl WorkerProbe<'_> {
    /// Whether the run was stopped early (see [`Probes::stop`]): the worker should
    /// end now instead of taking another item.
    #[inline]
    pub fn stopped(&self) -> bool {
        self.stopped.load(Relaxed)
    }

    /// The worker is about to ask its input queue for an item (or to try a put
    /// again, on a full polling queue).
    #[inline]
    pub fn poll(&self) {
        self.slot.polls.add(1);
    }

    /// The worker got an item from its input queue.
    #[inline]
    pub fn got(&self) {
        self.input.got();
    }

    /// Runs the stage function on the job's item and times it. A failure is
    /// counted and gives `None`: the item is dropped, the worker goes on.
    #[inline]
    pub fn work<In, Out>(
        &self,
        job: Job<In>,
        stage: impl FnOnce(In) -> Result<Out, StageError>,
    ) -> Option<Job<Out>> {
        // The clock's raw counter (the CPU's time-stamp counter where it is
        // reliable) costs a few ns, where `Instant::now` costs tens: this runs
        // twice per item per stage.
        let start = self.clock.raw();
        let Job { id, entered, item } = job;
        let result = stage(item);
        let end = self.clock.raw();
        self.slot.busy_ticks.add(end.saturating_sub(start));
        match result {
            Ok(out) => Some(Job {
                id,
                entered,
                item: out,
            }),
            Err(error) => {
                self.slot.failures.record(&error);
                self.slot.failed.add(1);
                None
            }
        }
    }

    /// The worker put its result on its output queue: one item done.
    #[inline]
    pub fn put(&self) {
        self.output.put();
        self.slot.done.add(1);
    }
}
// ANCHOR_END: worker_probe

// ANCHOR: probe_drop
impl Drop for WorkerProbe<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            // This worker is dying: the run cannot finish whole, so stop all of it.
            self.stopped.store(true, Relaxed);
        }
        let cpu = thread_cpu_time().saturating_sub(self.cpu_at_start);
        self.slot.cpu_ns.add(cpu.as_nanos() as u64);
    }
}
// ANCHOR_END: probe_drop

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn gauge_tracks_depth_and_exact_peak() {
        let gauge = QueueGauge::default();
        for _ in 0..3 {
            gauge.put();
        }
        gauge.got();
        gauge.got();
        gauge.put();
        assert_eq!((gauge.depth(), gauge.peak()), (2, 3));
    }

    #[test]
    fn a_probe_counts_each_event_and_keeps_counts_after_a_panic() {
        let config = Config::default();
        let probes = Probes::new(&config);
        std::thread::scope(|s| {
            let handle = s.spawn(|| {
                let probe = probes.worker_probe(Stage::Resize, 0);
                let job = |id| Job {
                    id,
                    entered: Instant::now(),
                    item: id,
                };
                probe.poll();
                probes.input_of(Stage::Resize).put();
                probe.got();
                assert!(probe.work(job(1), Ok::<u64, StageError>).is_some());
                probe.put();
                probe.poll();
                let failed = probe.work(job(2), |id| {
                    Err::<u64, _>(StageError {
                        stage: Stage::Resize,
                        item: id,
                        reason: "test".into(),
                    })
                });
                assert!(failed.is_none());
                // Burn a little CPU so the thread's CPU time is visibly above zero.
                let mut x = 0u64;
                for i in 0..2_000_000u64 {
                    x = std::hint::black_box(x.wrapping_add(i));
                }
                panic!("worker dies: {x}");
            });
            assert!(handle.join().is_err());
        });
        let counts = probes.worker(Stage::Resize, 0);
        assert_eq!((counts.polls, counts.done, counts.failed), (2, 1, 1));
        assert!(counts.cpu > Duration::ZERO);
        assert_eq!(probes.output_of(Stage::Resize).peak(), 1);
        assert_eq!(probes.done_by(Stage::Resize), 1);
        assert!(probes.is_stopped(), "a panicking worker stops the run");
    }

    #[test]
    fn clocks_move_forward() {
        let before = process_cpu_time();
        let mut x = 0u64;
        for i in 0..5_000_000u64 {
            x = std::hint::black_box(x.wrapping_add(i));
        }
        assert!(process_cpu_time() > before, "{x}");
        assert!(max_rss_bytes() > 0);
    }
}

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
//! Every count is written by one thread only, in a slot of its own: a plain load
//! and store, no read-modify-write shared with another core. A queue's depth is
//! not stored anywhere: its producers count their puts, its consumers their gets,
//! and whoever reads the depth subtracts. The loop is generic over [`Probe`], so
//! the same code runs with the counting [`WorkerProbe`] or with [`NoProbe`], whose
//! events compile to nothing (a bare run).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use crate::config::{Config, Stage};
use crate::failures::FailureLog;
use crate::platform::thread_cpu_time;
use crate::recorder::{DEFAULT_RECORD_LIMIT, Recorder};
use crate::stages::{Job, StageError};
use crate::stop::Stop;

/// A single-writer counter: only one thread adds to it, others only read it.
///
/// One writer needs no read-modify-write: a plain load and store on a cache line
/// of its own (the slot it lives in is aligned to 128 bytes), which the readers
/// only share for a moment when they look.
#[derive(Debug, Default)]
struct Counter(AtomicU64);

impl Counter {
    #[inline(always)]
    fn add(&self, n: u64) {
        self.0.store(self.0.load(Relaxed) + n, Relaxed);
    }

    fn get(&self) -> u64 {
        self.0.load(Relaxed)
    }

    fn set(&self, n: u64) {
        self.0.store(n, Relaxed);
    }
}

/// The queue peaks, on cache lines of their own: readers update them, and the
/// workers' reads of the stop flag must not share a line with those writes.
#[derive(Debug, Default)]
#[repr(align(128))]
struct Peaks([AtomicU64; 4]);

/// A counter alone on its cache lines: the source's puts, the collector's gets.
#[derive(Debug, Default)]
#[repr(align(128))]
struct LoneCounter(Counter);

/// One worker's counters, kept outside the thread so they survive a panic.
#[derive(Debug, Default)]
#[repr(align(128))]
struct WorkerSlot {
    polls: Counter,
    got: Counter,
    done: Counter,
    failed: Counter,
    busy_ticks: Counter,
    cpu_ns: Counter,
    failures: FailureLog,
}

/// What one worker did, read after (or while) it runs.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct WorkerCounts {
    /// Times it asked its input queue for an item.
    pub polls: u64,
    /// Items it got from its input queue.
    pub got: u64,
    /// Items it finished and handed on.
    pub done: u64,
    /// Items its stage function failed on.
    pub failed: u64,
    /// Time inside the stage function; `None` on a stage that does no work
    /// ([`Config::stage_works`]), which is not timed.
    pub busy: Option<Duration>,
    /// The thread's CPU time over its life (known once the worker has ended);
    /// `None` for a task, which has no CPU clock of its own.
    pub cpu: Option<Duration>,
}

/// Every probe of one run: a slot per worker, the source's and the collector's counts,
/// and the queue peaks their readers have seen.
///
/// Shared between the run and whoever watches it (the lab's progress bars, the
/// bench's depth sampler): hold it in an `Arc` and read it while the run goes on.
///
/// Nothing on a worker's path writes to a line another worker writes: each side of
/// a queue counts in its own slots (puts by its producers, gets by its consumers),
/// and a queue's depth is computed by whoever reads it, as puts minus gets.
#[derive(Debug)]
pub struct Probes {
    clock: quanta::Clock,
    capacity: Option<usize>,
    source_puts: LoneCounter,
    collector_gets: LoneCounter,
    workers: [Vec<WorkerSlot>; 3],
    timed: [bool; 3],
    peaks: Peaks,
    stop: Arc<Stop>,
    recorder: Recorder,
    /// Whether the workers are tasks, whose CPU time is not measured.
    tasks: AtomicBool,
    /// When the run began, before its first worker started.
    begun: OnceLock<Instant>,
    /// Workers that have made their probe so far, and when the last one did.
    started: AtomicU64,
    all_started: OnceLock<Instant>,
}

impl Probes {
    /// Fresh probes for a run of `config`.
    pub fn new(config: &Config) -> Probes {
        Probes::recording(config, DEFAULT_RECORD_LIMIT)
    }

    /// Fresh probes for a run of `config` whose [`Recording`](crate::Recording)
    /// probes keep at most `limit` events per thread (counting the rest as dropped).
    pub fn recording(config: &Config, limit: usize) -> Probes {
        let clock = quanta::Clock::new();
        Probes {
            recorder: Recorder::new(config, &clock, limit),
            clock,
            capacity: config.capacity,
            source_puts: LoneCounter::default(),
            collector_gets: LoneCounter::default(),
            workers: Stage::ALL.map(|stage| {
                (0..config.workers_of(stage))
                    .map(|_| WorkerSlot::default())
                    .collect()
            }),
            timed: Stage::ALL.map(|stage| config.stage_works(stage)),
            peaks: Peaks::default(),
            stop: Arc::new(Stop::new()),
            tasks: AtomicBool::new(false),
            begun: OnceLock::new(),
            started: AtomicU64::new(0),
            all_started: OnceLock::new(),
        }
    }

    /// The run begins now, before any worker starts; `tasks`: its workers are
    /// tasks, whose CPU time is not measured.
    pub(crate) fn begin(&self, tasks: bool) {
        self.tasks.store(tasks, Relaxed);
        let _ = self.begun.set(Instant::now());
    }

    /// How long the run took to start its workers: from its beginning to the
    /// moment the last worker made its probe (the first thing a worker does).
    /// `None` until every worker has, and in a bare run, which makes none.
    pub fn startup(&self) -> Option<Duration> {
        let all = self.all_started.get()?;
        Some(all.saturating_duration_since(*self.begun.get()?))
    }

    /// A worker has made its probe: the last one notes the time.
    fn worker_started(&self) {
        let total: usize = self.workers.iter().map(Vec::len).sum();
        if self.started.fetch_add(1, Relaxed) + 1 == total as u64 {
            let _ = self.all_started.set(Instant::now());
        }
    }

    /// Where recording probes hand their events over.
    pub fn recorder(&self) -> &Recorder {
        &self.recorder
    }

    /// The clock every probe reads.
    pub(crate) fn clock(&self) -> &quanta::Clock {
        &self.clock
    }

    /// Asks the run to stop early: the source puts no more items and each worker
    /// stops before its next one; end of input then flows down as usual. A worker
    /// that panics raises the same flag (its probe does, as the thread unwinds), so
    /// a panic stops the whole run, not just its thread. Every wait of the run
    /// (a stage's, the camera's interval, the poller's nap) ends at once.
    pub fn stop(&self) {
        self.stop.raise();
    }

    /// Whether the run was asked to stop early.
    pub fn is_stopped(&self) -> bool {
        self.stop.is_raised()
    }

    /// The run's stop: its flag, and the sleep it cuts short.
    pub fn stop_signal(&self) -> &Arc<Stop> {
        &self.stop
    }

    /// `stage`'s input queue, as its counts show it.
    pub fn input_of(&self, stage: Stage) -> QueueGauge<'_> {
        self.queue(stage.index())
    }

    /// `stage`'s output queue (the next stage's input, or the done queue).
    pub fn output_of(&self, stage: Stage) -> QueueGauge<'_> {
        self.queue(stage.index() + 1)
    }

    /// The done queue, where receipts wait for the main thread.
    pub fn done_queue(&self) -> QueueGauge<'_> {
        self.queue(3)
    }

    fn queue(&self, index: usize) -> QueueGauge<'_> {
        QueueGauge {
            probes: self,
            index,
        }
    }

    /// The source counts one item put on the download queue (the source's own counter).
    pub fn source_put(&self) {
        self.source_puts.0.add(1);
    }

    /// The collector counts one receipt got from the done queue (its own counter).
    pub fn collector_got(&self) {
        self.collector_gets.0.add(1);
    }

    /// Reads every queue's depth once, so that each queue's peak takes it into account.
    pub fn sample_depths(&self) -> [u64; 4] {
        [0, 1, 2, 3].map(|index| self.queue(index).depth())
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
            got: slot.got.get(),
            done: slot.done.get(),
            failed: slot.failed.get(),
            busy: self.timed[stage.index()]
                .then(|| Duration::from_nanos(self.clock.delta_as_nanos(0, slot.busy_ticks.get()))),
            cpu: (!self.tasks.load(Relaxed)).then(|| Duration::from_nanos(slot.cpu_ns.get())),
        }
    }

    /// Why worker `index` of `stage` failed items: counts and first message by kind.
    pub fn failures(&self, stage: Stage, index: usize) -> &FailureLog {
        &self.workers[stage.index()][index].failures
    }

    /// Items `stage` failed so far, over all its workers.
    pub fn failed_by(&self, stage: Stage) -> u64 {
        self.workers[stage.index()]
            .iter()
            .map(|slot| slot.failed.get())
            .sum()
    }

    /// Items `stage`'s workers hold: got from its input queue, and neither handed
    /// on nor failed. Once every worker has ended, these are the items a stop left
    /// in the stage: cut short in a stage's wait, the one whose stage panicked, or
    /// one whose next queue was gone.
    pub fn held_by(&self, stage: Stage) -> u64 {
        let settled = self.done_by(stage) + self.failed_by(stage);
        self.got_by(stage).saturating_sub(settled)
    }

    /// Items `stage` has finished so far, over all its workers.
    pub fn done_by(&self, stage: Stage) -> u64 {
        self.workers[stage.index()]
            .iter()
            .map(|slot| slot.done.get())
            .sum()
    }

    /// Items `stage`'s workers have got from its input queue so far.
    pub fn got_by(&self, stage: Stage) -> u64 {
        self.workers[stage.index()]
            .iter()
            .map(|slot| slot.got.get())
            .sum()
    }

    /// Sets worker `index` of `stage`'s counts to what workers outside this
    /// process counted (a stage process's latest report, read by the process
    /// that runs the camera and the collector), so that whoever watches these
    /// probes sees that stage move. Only for a slot no worker of this process
    /// counts in, from one thread at a time.
    pub fn mirror(&self, stage: Stage, index: usize, counts: WorkerCounts) {
        let slot = &self.workers[stage.index()][index];
        slot.polls.set(counts.polls);
        slot.got.set(counts.got);
        slot.done.set(counts.done);
        slot.failed.set(counts.failed);
    }

    /// The probe worker `index` of `stage` counts with, from inside its thread.
    ///
    /// Call it first thing in the worker's thread: its CPU time is measured from
    /// here to the probe's drop, which also happens when the worker panics.
    pub fn worker_probe(&self, stage: Stage, index: usize) -> WorkerProbe<'_> {
        self.worker_started();
        WorkerProbe {
            slot: &self.workers[stage.index()][index],
            stop: &self.stop,
            clock: self.timed[stage.index()].then_some(&self.clock),
            cpu_at_start: (!self.tasks.load(Relaxed)).then(thread_cpu_time),
        }
    }
}

/// One queue as its counts show it: items put minus items got.
///
/// Both counts are taken right after the event (a put once the queue has taken the
/// item, a get once the item is out), each by the thread that did it, in its own
/// slot. So a depth read at one moment can be above the queue's true length by at
/// most its consumers (each may have got an item and not yet counted it) and below
/// it by at most its producers; the reader reads the puts before the gets, so its
/// own reading adds no error upwards. A bounded queue's depth is then clamped to the
/// bound: it never shows more than the queue can hold.
#[derive(Debug, Clone, Copy)]
pub struct QueueGauge<'a> {
    probes: &'a Probes,
    index: usize,
}

// ANCHOR: queue_gauge
impl QueueGauge<'_> {
    /// Items put on this queue so far, as their producers counted them.
    pub fn puts(&self) -> u64 {
        match self.index {
            0 => self.probes.source_puts.0.get(),
            i => self.probes.done_by(Stage::ALL[i - 1]),
        }
    }

    /// Items got from this queue so far, as their consumers counted them.
    pub fn gets(&self) -> u64 {
        match self.index {
            3 => self.probes.collector_gets.0.get(),
            i => self.probes.got_by(Stage::ALL[i]),
        }
    }

    /// The depth now: puts minus gets, never below zero nor above the queue's
    /// bound. Reading it also records it in the queue's [`peak`](Self::peak).
    pub fn depth(&self) -> u64 {
        let puts = self.puts();
        let gets = self.gets();
        let mut depth = puts.saturating_sub(gets);
        if let Some(capacity) = self.probes.capacity {
            depth = depth.min(capacity as u64);
        }
        self.probes.peaks.0[self.index].fetch_max(depth, Relaxed);
        depth
    }

    /// Items put and not got, not clamped to the bound: once the run has ended,
    /// the items left in this queue.
    pub fn left(&self) -> u64 {
        let puts = self.puts();
        puts.saturating_sub(self.gets())
    }

    /// The largest depth read so far (by the collector, about once a
    /// millisecond while receipts arrive, and by any other reader such as a
    /// sampler): a short spike between two reads is missed.
    pub fn peak(&self) -> u64 {
        self.probes.peaks.0[self.index].load(Relaxed)
    }
}
// ANCHOR_END: queue_gauge

// ANCHOR: probe_trait
/// The events of a worker's loop, one method each: what the loop a learner
/// reads calls, whatever the probe behind it counts (see [`Probing`]).
pub trait Probe {
    /// Whether the run was stopped early (see [`Probes::stop`]): the worker
    /// should end now instead of taking another item.
    fn stopped(&self) -> bool;

    /// The worker is about to ask its input queue for an item (or to try a put
    /// again, on a full polling queue).
    fn poll(&self);

    /// The worker got an item from its input queue.
    fn got(&self);

    /// Runs the stage function on the job's item. A failure gives `None`: the
    /// item is dropped, the worker goes on.
    #[inline]
    fn work<In, Out>(
        &self,
        job: Job<In>,
        stage: impl FnOnce(In) -> Result<Out, StageError>,
    ) -> Option<Job<Out>> {
        let started = self.work_started();
        self.work_ended(started, job.try_map(stage))
    }

    /// [`Probe::work`] in two halves, for a stage whose work is awaited (a
    /// task's): the work starts now…
    fn work_started(&self) -> WorkStart;

    /// …and ended with `result`, its job or the stage's error. A failure gives
    /// `None`, as from [`Probe::work`].
    fn work_ended<Out>(
        &self,
        started: WorkStart,
        result: Result<Job<Out>, StageError>,
    ) -> Option<Job<Out>>;

    /// The worker put its result on its output queue: one item done.
    fn put(&self);
}
// ANCHOR_END: probe_trait

/// When a stage's work started, as [`Probe::work_started`] read it: the raw
/// clock's ticks, or nothing on a stage that is not timed.
#[derive(Debug, Clone, Copy)]
pub struct WorkStart(u64);

/// A kind of probe a pipeline is built with: [`Counting`] for every measured run,
/// [`Bare`] for the same pipeline with its probes compiled away. A backend's
/// pipeline is generic over it and asks [`crate::Run::worker_probe`] for each
/// worker's probe; a new kind (one that records a timeline, say) needs no change
/// to any backend.
pub trait Probing: 'static {
    /// The probe one worker holds (a task's moves between threads with it).
    type Worker<'run>: Probe + Send;

    /// Whether the run counts (the source and the collector too): false only in
    /// a bare run.
    const COUNTS: bool = true;

    /// Whether every thread of the run records its events for a timeline.
    const RECORDS: bool = false;

    /// The probe of worker `index` of `stage`, made first thing in its thread.
    fn worker_probe(probes: &Probes, stage: Stage, index: usize) -> Self::Worker<'_>;
}

/// The probes of a measured run: [`WorkerProbe`], counting into [`Probes`].
#[derive(Debug, Clone, Copy)]
pub enum Counting {}

impl Probing for Counting {
    type Worker<'run> = WorkerProbe<'run>;

    fn worker_probe(probes: &Probes, stage: Stage, index: usize) -> WorkerProbe<'_> {
        probes.worker_probe(stage, index)
    }
}

/// No probes: the pipeline with nothing counted, to time what counting costs.
#[derive(Debug, Clone, Copy)]
pub enum Bare {}

impl Probing for Bare {
    type Worker<'run> = NoProbe<'run>;

    const COUNTS: bool = false;

    fn worker_probe(probes: &Probes, _stage: Stage, _index: usize) -> NoProbe<'_> {
        NoProbe { stop: &probes.stop }
    }
}

// ANCHOR: no_probe
/// The probe of a bare run: every event is an empty function the compiler
/// removes. It keeps only what is not a measurement: the run's stop flag, read
/// before each item and raised if the worker panics, so a bare run stops like a
/// measured one.
#[derive(Debug)]
pub struct NoProbe<'a> {
    stop: &'a Stop,
}

impl Probe for NoProbe<'_> {
    #[inline(always)]
    fn stopped(&self) -> bool {
        self.stop.is_raised()
    }

    #[inline(always)]
    fn poll(&self) {}

    #[inline(always)]
    fn got(&self) {}

    #[inline(always)]
    fn work<In, Out>(
        &self,
        job: Job<In>,
        stage: impl FnOnce(In) -> Result<Out, StageError>,
    ) -> Option<Job<Out>> {
        job.try_map(stage).ok()
    }

    #[inline(always)]
    fn work_started(&self) -> WorkStart {
        WorkStart(0)
    }

    #[inline(always)]
    fn work_ended<Out>(
        &self,
        _started: WorkStart,
        result: Result<Job<Out>, StageError>,
    ) -> Option<Job<Out>> {
        result.ok()
    }

    #[inline(always)]
    fn put(&self) {}
}
// ANCHOR_END: no_probe

impl Drop for NoProbe<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.stop.raise();
        }
    }
}

// ANCHOR: worker_probe
/// A worker's counting probe: each event is a plain store in the worker's own
/// slot.
#[derive(Debug)]
pub struct WorkerProbe<'a> {
    slot: &'a WorkerSlot,
    stop: &'a Stop,
    /// The clock of the busy time; `None` on a stage that does no work
    /// ([`Config::stage_works`]), whose busy time is not timed.
    clock: Option<&'a quanta::Clock>,
    /// The thread's CPU clock when the worker started; `None` for a task.
    cpu_at_start: Option<Duration>,
}

impl Probe for WorkerProbe<'_> {
    #[inline]
    fn stopped(&self) -> bool {
        self.stop.is_raised()
    }

    /// Counts a poll in the worker's own slot.
    #[inline]
    fn poll(&self) {
        self.slot.polls.add(1);
    }

    /// Counts a get from the input queue, on the consumers' side of it.
    #[inline]
    fn got(&self) {
        self.slot.got.add(1);
    }

    /// The raw clock, on a stage that is timed.
    #[inline]
    fn work_started(&self) -> WorkStart {
        // The clock's raw counter (the CPU's time-stamp counter where it is
        // reliable) is the cheapest clock there is, yet two reads can cost
        // more than a hand-off: only a stage that does work is timed.
        WorkStart(self.clock.map_or(0, quanta::Clock::raw))
    }

    /// Adds the work's time to the busy time, and counts a failure.
    #[inline]
    fn work_ended<Out>(
        &self,
        started: WorkStart,
        result: Result<Job<Out>, StageError>,
    ) -> Option<Job<Out>> {
        if let Some(clock) = self.clock {
            let ticks = clock.raw().saturating_sub(started.0);
            self.slot.busy_ticks.add(ticks);
        }
        match result {
            Ok(job) => Some(job),
            // Cut short by a stop: not a failure, the item stays in the stage.
            Err(err) if err.is_stop() => None,
            Err(err) => {
                self.failed(&err);
                None
            }
        }
    }

    /// Counts a put on the output queue, on the producers' side of it: one item
    /// done.
    #[inline]
    fn put(&self) {
        self.slot.done.add(1);
    }
}

impl WorkerProbe<'_> {
    /// The stage function failed on an item: the cold path, out of the loop's
    /// way.
    #[cold]
    #[inline(never)]
    fn failed(&self, err: &StageError) {
        self.slot.failures.record(err);
        self.slot.failed.add(1);
    }
}
// ANCHOR_END: worker_probe

// ANCHOR: probe_drop
impl Drop for WorkerProbe<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            // This worker is dying: the run cannot finish whole, so stop all of
            // it.
            self.stop.raise();
        }
        if let Some(at_start) = self.cpu_at_start {
            let cpu = thread_cpu_time().saturating_sub(at_start);
            self.slot.cpu_ns.add(cpu.as_nanos() as u64);
        }
    }
}
// ANCHOR_END: probe_drop

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    /// Only a stage that does work is timed: on `throughput` no stage is, and
    /// the busy time is missing rather than zero.
    #[test]
    fn only_a_stage_that_works_is_timed() {
        let idle = Config::default();
        let working = Config {
            resize_ms: 0.01,
            ..idle.clone()
        };
        for (config, timed) in [(&idle, false), (&working, true)] {
            let probes = Probes::new(config);
            let probe = probes.worker_probe(Stage::Resize, 0);
            let job = Job::new(0, Instant::now(), 0u64);
            assert!(probe.work(job, Ok::<u64, StageError>).is_some());
            drop(probe);
            let busy = probes.worker(Stage::Resize, 0).busy;
            assert_eq!(busy.is_some(), timed, "{config:?}");
            assert!(probes.worker(Stage::Download, 0).busy.is_none());
        }
    }

    #[test]
    fn depth_is_puts_minus_gets_and_never_shows_above_the_bound() {
        let config = Config {
            capacity: Some(2),
            ..Config::default()
        };
        let probes = Probes::new(&config);
        let download = probes.input_of(Stage::Download);
        for _ in 0..3 {
            probes.source_put();
        }
        // Three counted puts on a queue of two: a get not yet counted. Clamped.
        assert_eq!(
            (download.puts(), download.gets(), download.depth()),
            (3, 0, 2)
        );
        let probe = probes.worker_probe(Stage::Download, 0);
        probe.got();
        probe.got();
        assert_eq!((download.depth(), download.peak()), (1, 2));
        probe.put();
        let resize = probes.input_of(Stage::Resize);
        assert_eq!((resize.puts(), resize.gets(), resize.depth()), (1, 0, 1));
        probes.collector_got();
        assert_eq!(probes.done_queue().depth(), 0, "never below zero");
        assert_eq!(probes.sample_depths(), [1, 1, 0, 0]);
    }

    #[test]
    fn a_bare_probe_runs_the_stage_and_counts_nothing() {
        let probes = Probes::new(&Config::default());
        let probe = Bare::worker_probe(&probes, Stage::Resize, 0);
        probe.poll();
        probe.got();
        let job = Job::new(4, Instant::now(), 20u64);
        let out = probe.work(job, |x| Ok::<u64, StageError>(x + 1)).unwrap();
        assert_eq!((out.id, out.item), (4, 21));
        probe.put();
        let nothing = WorkerCounts {
            cpu: Some(Duration::ZERO),
            ..WorkerCounts::default()
        };
        assert_eq!(probes.worker(Stage::Resize, 0), nothing);
        assert!(!probe.stopped());
        probes.stop();
        assert!(probe.stopped(), "a bare run still stops");
    }

    #[test]
    fn a_probe_counts_each_event_and_keeps_counts_after_a_panic() {
        let config = Config::default();
        let probes = Probes::new(&config);
        std::thread::scope(|s| {
            let handle = s.spawn(|| {
                let probe = probes.worker_probe(Stage::Resize, 0);
                let job = |id| Job::new(id, Instant::now(), id);
                probe.poll();
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
        assert_eq!(
            (counts.polls, counts.got, counts.done, counts.failed),
            (2, 1, 1, 1)
        );
        assert!(counts.cpu.is_some_and(|cpu| cpu > Duration::ZERO));
        assert_eq!(probes.output_of(Stage::Resize).depth(), 1);
        assert_eq!(probes.output_of(Stage::Resize).peak(), 1);
        assert_eq!(probes.done_by(Stage::Resize), 1);
        assert!(probes.is_stopped(), "a panicking worker stops the run");
    }
}

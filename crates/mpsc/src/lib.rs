//! # std mpsc: blocking channels from the standard library
//!
//! The pipeline on `std::sync::mpsc`: `channel()` between stages when unbounded,
//! `sync_channel(n)` when bounded (`sync_channel(0)` is a rendezvous).
//!
//! What it teaches, by comparison with its siblings:
//! - **wait**: `recv` blocks; a waiting worker uses no CPU and wakes as soon as
//!   an item arrives, so a worker polls once per item (and once more at the end);
//! - **stop**: the channel closes itself when its last sender is dropped: the
//!   source returns, its sender goes, and end of input flows down on its own;
//! - **bound**: `sync_channel(n)`'s `send` blocks while the channel is full;
//! - **fan-out**: std's `Receiver` cannot be cloned, so the workers of a stage
//!   share one behind a `Mutex` (crossbeam and flume clone theirs).
//!
//! ```
//! use pipeline_core::{Config, Scenario};
//!
//! let config = Config { items: 100, ..Scenario::BOOK.config() };
//! let report = pipeline_mpsc::run(&config)?;
//! assert_eq!(report.items_out, 100);
//! // One poll per item per stage, plus the one that finds the channel closed.
//! assert_eq!(report.total_polls(), 3 * 101);
//! # Ok::<(), pipeline_core::PipelineError>(())
//! ```

use std::sync::mpsc::{self, Receiver, RecvError, SendError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, Scope, ScopedJoinHandle};

use pipeline_core::{
    Config, Handoff, Job, PipelineError, Probe, Probing, Report, Run, Stage,
    StageError,
};

pipeline_core::backend!(
    /// The std mpsc pipeline, as the tests, the lab and the benches see it.
    pub const BACKEND = Mpsc
);

/// The standard library's channels as a [`Handoff`]: what they can do, and the pipeline.
pub struct Mpsc;

impl Handoff for Mpsc {
    const NAME: &'static str = "mpsc";
    const RENDEZVOUS: bool = true;
    const POLLS: bool = false;

    fn pipeline<P: Probing>(run: &Run) -> Result<Report, PipelineError> {
        pipeline::<P>(run)
    }
}

/// Runs the std mpsc pipeline on `config`.
pub fn run(config: &Config) -> Result<Report, PipelineError> {
    BACKEND.run(config)
}

// ANCHOR: pipeline
fn pipeline<P: Probing>(run: &Run) -> Result<Report, PipelineError> {
    let capacity = run.config().capacity;
    let (download_tx, download_rx) = queue(capacity);
    let (resize_tx, resize_rx) = queue(capacity);
    let (upload_tx, upload_rx) = queue(capacity);
    let (done_tx, done_rx) = queue(capacity);
    let stages = run.stages();

    thread::scope(|s| {
        let download = start_stage::<P, _, _>(
            s,
            run,
            Stage::Download,
            download_rx,
            resize_tx,
            |id| stages.download(id),
        );
        let resize = start_stage::<P, _, _>(
            s,
            run,
            Stage::Resize,
            resize_rx,
            upload_tx,
            |frame| stages.resize(frame),
        );
        let upload = start_stage::<P, _, _>(
            s,
            run,
            Stage::Upload,
            upload_rx,
            done_tx,
            |thumb| stages.upload(thumb),
        );
        // ANCHOR: stop
        let camera = run.spawn_camera(s, move || {
            run.source(|job| download_tx.send(job).is_ok());
            // Returning drops `download_tx`: end of input flows down on its
            // own.
        });

        let mut collector = run.collector();
        for receipt in done_rx {
            collector.arrived(receipt);
        }
        run.join(Stage::Download, download);
        run.join(Stage::Resize, resize);
        run.join(Stage::Upload, upload);
        camera.join();
        // ANCHOR_END: stop
        run.finish(collector)
    })
}
// ANCHOR_END: pipeline

// ANCHOR: start_stage
/// Starts `stage`'s workers, sharing `input` and each with a clone of `output`.
fn start_stage<'scope, P: Probing, In: Send + 'scope, Out: Send + 'scope>(
    s: &'scope Scope<'scope, '_>,
    run: &'scope Run,
    stage: Stage,
    input: Receiver<Job<In>>,
    output: Sender<Job<Out>>,
    func: impl Fn(In) -> Result<Out, StageError> + Copy + Send + 'scope,
) -> Vec<ScopedJoinHandle<'scope, ()>> {
    // ANCHOR: shared_receiver
    // std's Receiver is single-consumer: it cannot be cloned, and it is not
    // `Sync`, so several workers can share one only behind a lock.
    let input = Arc::new(Mutex::new(input));
    // ANCHOR_END: shared_receiver
    (0..run.workers_of(stage))
        .filter_map(|index| {
            let (input, output) = (Arc::clone(&input), output.clone());
            run.spawn_worker(s, stage, index, move || {
                let probe = run.worker_probe::<P>(stage, index);
                worker(probe, &input, output, func);
            })
        })
        .collect()
}
// ANCHOR_END: start_stage

// ANCHOR: worker
/// Receive (blocking), work, send, count; ends when the input channel closes,
/// the output channel's receivers are gone, or the run is stopped.
fn worker<In, Out>(
    probe: impl Probe,
    input: &Mutex<Receiver<Job<In>>>,
    output: Sender<Job<Out>>,
    func: impl Fn(In) -> Result<Out, StageError>,
) {
    while !probe.stopped() {
        probe.poll();
        let Ok(job) = recv_shared(input) else {
            break;
        };
        probe.got();
        let Some(result) = probe.work(job, &func) else {
            continue;
        };
        if output.send(result).is_err() {
            break;
        }
        probe.put();
    }
}
// ANCHOR_END: worker

// ANCHOR: recv_shared
/// Receives from a receiver shared by a stage's workers. The lock is held only
/// while this worker waits, so the others wait for the lock instead of the
/// channel; a worker that panicked never held it, but a poisoned lock would
/// still guard a sound receiver, so poisoning is ignored.
fn recv_shared<T>(input: &Mutex<Receiver<T>>) -> Result<T, RecvError> {
    input.lock().unwrap_or_else(PoisonError::into_inner).recv()
}
// ANCHOR_END: recv_shared

// ANCHOR: queue
/// Either kind of std sender: `channel()`'s, which never blocks, or
/// `sync_channel(n)`'s, which blocks while the channel is full.
enum Sender<T> {
    Unbounded(mpsc::Sender<T>),
    Bounded(mpsc::SyncSender<T>),
}

impl<T> Sender<T> {
    fn send(&self, item: T) -> Result<(), SendError<T>> {
        match self {
            Sender::Unbounded(tx) => tx.send(item),
            Sender::Bounded(tx) => tx.send(item),
        }
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        match self {
            Sender::Unbounded(tx) => Sender::Unbounded(tx.clone()),
            Sender::Bounded(tx) => Sender::Bounded(tx.clone()),
        }
    }
}

/// A channel holding at most `capacity` items (0: a rendezvous; `None`: no
/// bound).
fn queue<T>(capacity: Option<usize>) -> (Sender<T>, Receiver<T>) {
    match capacity {
        None => {
            let (tx, rx) = mpsc::channel();
            (Sender::Unbounded(tx), rx)
        }
        Some(n) => {
            let (tx, rx) = mpsc::sync_channel(n);
            (Sender::Bounded(tx), rx)
        }
    }
}
// ANCHOR_END: queue

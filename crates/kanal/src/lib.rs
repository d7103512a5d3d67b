//! # kanal: a fast multi-producer, multi-consumer channel
//!
//! The pipeline on `kanal`'s synchronous channels: `unbounded()` between stages
//! when unbounded, `bounded(n)` when bounded (`bounded(0)` is a rendezvous).
//!
//! What it teaches, by comparison with its siblings:
//! - **wait**: `recv` yields up to 256 times, then parks until an item arrives:
//!   one poll per item, and one more at the end, but on an idle queue the
//!   yielding costs about the CPU of a spinning poller;
//! - **stop**: the channel closes itself when its last sender is dropped, as std
//!   mpsc's and crossbeam's do;
//! - **bound**: `bounded(n)`'s `send` blocks while the channel is full;
//! - **fan-out**: the `Receiver` clones, as crossbeam's does: the workers of a
//!   stage each hold one, with no lock of ours.
//!
//! Its speed comes from `unsafe` code that hands an item straight from the
//! stack of one thread to another's; the book's behaviour table says what that
//! has cost it. Its channel's lock is built with the `std-mutex` feature, so a
//! thread that waits for it parks: kanal's own lock spins, and thousands of
//! threads spinning on it while its holder waits for a core never end (the
//! book's crowd page).
//!
//! ```
//! use pipeline_core::{Config, Scenario};
//!
//! let config = Config { items: 100, ..Scenario::BOOK.config() };
//! let report = pipeline_kanal::run(&config)?;
//! assert_eq!(report.items_out, 100);
//! // One poll per item per stage, plus the one that finds the channel closed.
//! assert_eq!(report.total_polls(), 3 * 101);
//! # Ok::<(), pipeline_core::PipelineError>(())
//! ```

use std::thread::{self, Scope, ScopedJoinHandle};

use kanal::{Receiver, Sender, bounded, unbounded};

use pipeline_core::{
    Config, Handoff, Job, PipelineError, Probe, Probing, Report, Run, Stage,
    StageError,
};

pipeline_core::backend!(
    /// The kanal pipeline, as the tests, the lab and the benches see it.
    pub const BACKEND = Kanal
);

/// kanal's channels as a [`Handoff`]: what they can do, and the pipeline.
pub struct Kanal;

impl Handoff for Kanal {
    const NAME: &'static str = "kanal";
    const RENDEZVOUS: bool = true;
    const POLLS: bool = false;
    // `recv` yields 256 times before it parks.
    const SPINS_BEFORE_PARKING: bool = true;

    fn pipeline<P: Probing>(run: &Run) -> Result<Report, PipelineError> {
        pipeline::<P>(run)
    }
}

/// Runs the kanal pipeline on `config`.
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
            // Returning drops `download_tx`: end of input flows down on its own.
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
/// Starts `stage`'s workers, each with a clone of `input` and of `output`.
fn start_stage<'scope, P: Probing, In: Send + 'scope, Out: Send + 'scope>(
    s: &'scope Scope<'scope, '_>,
    run: &'scope Run,
    stage: Stage,
    input: Receiver<Job<In>>,
    output: Sender<Job<Out>>,
    func: impl Fn(In) -> Result<Out, StageError> + Copy + Send + 'scope,
) -> Vec<ScopedJoinHandle<'scope, ()>> {
    (0..run.workers_of(stage))
        .filter_map(|index| {
            let (input, output) = (input.clone(), output.clone());
            run.spawn_worker(s, stage, index, move || {
                let probe = run.worker_probe::<P>(stage, index);
                worker(probe, input, output, func);
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
    input: Receiver<Job<In>>,
    output: Sender<Job<Out>>,
    func: impl Fn(In) -> Result<Out, StageError>,
) {
    while !probe.stopped() {
        probe.poll();
        let Ok(job) = input.recv() else {
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

// ANCHOR: queue
/// A channel holding at most `capacity` items (0: a rendezvous; `None`: no
/// bound).
fn queue<T>(capacity: Option<usize>) -> (Sender<T>, Receiver<T>) {
    match capacity {
        None => unbounded(),
        Some(n) => bounded(n),
    }
}
// ANCHOR_END: queue

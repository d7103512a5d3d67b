//! # Condvar: Python's `queue.Queue`, rebuilt on `Mutex` + `Condvar`
//!
//! The pipeline on [`Queue`], a blocking queue made from std's `Mutex` and
//! `Condvar` only: what the channels of the other crates do inside, written out.
//!
//! What it teaches, by comparison with its siblings:
//! - **wait**: `get` sleeps on a condition variable until a `put` wakes it, so a
//!   worker polls once per item (and once more at the end), like the channels;
//! - **stop**: the queue must still be closed by hand (Python 3.13's
//!   `Queue.shutdown()`), stage by stage: close a stage's input, wait for its
//!   workers to drain it, go on; a worker that stops early closes its input;
//! - **bound**: `put` sleeps while the queue is full (backpressure); there is no
//!   rendezvous (capacity 0): a `Condvar` queue needs room for one item;
//! - **fan-out**: several workers share one queue through its lock, and a close
//!   wakes them all.
//!
//! ```
//! use pipeline_core::{Config, Scenario};
//!
//! let config = Config { items: 100, ..Scenario::BOOK.config() };
//! let report = pipeline_condvar::run(&config)?;
//! assert_eq!(report.items_out, 100);
//! // One poll per item per stage, plus the one that finds the queue closed.
//! assert_eq!(report.total_polls(), 3 * 101);
//! # Ok::<(), pipeline_core::PipelineError>(())
//! ```

mod queue;

use std::thread::{self, Scope, ScopedJoinHandle};

use pipeline_core::{
    Config, Handoff, Job, PipelineError, Probe, Probing, Report, Run, Stage,
    StageError,
};

pub use queue::{Closed, GetError, Iter, PutError, Queue};

pipeline_core::backend!(
    /// The Condvar-queue pipeline, as the tests, the lab and the benches see it.
    pub const BACKEND = Condvar
);

/// The `Mutex` + `Condvar` queue as a [`Handoff`]: what they can do, and the pipeline.
pub struct Condvar;

impl Handoff for Condvar {
    const NAME: &'static str = "condvar";
    const RENDEZVOUS: bool = false;
    const POLLS: bool = false;

    fn pipeline<P: Probing>(run: &Run) -> Result<Report, PipelineError> {
        pipeline::<P>(run)
    }
}

/// Runs the Condvar-queue pipeline on `config`.
pub fn run(config: &Config) -> Result<Report, PipelineError> {
    BACKEND.run(config)
}

// ANCHOR: pipeline
fn pipeline<P: Probing>(run: &Run) -> Result<Report, PipelineError> {
    let capacity = run.config().capacity;
    let download_queue = queue(capacity);
    let resize_queue = queue(capacity);
    let upload_queue = queue(capacity);
    let done_queue = queue(capacity);
    let stages = run.stages();

    thread::scope(|s| {
        let download = start_stage::<P, _, _>(
            s,
            run,
            Stage::Download,
            &download_queue,
            &resize_queue,
            |id| stages.download(id),
        );
        let resize = start_stage::<P, _, _>(
            s,
            run,
            Stage::Resize,
            &resize_queue,
            &upload_queue,
            |frame| stages.resize(frame),
        );
        let upload = start_stage::<P, _, _>(
            s,
            run,
            Stage::Upload,
            &upload_queue,
            &done_queue,
            |thumb| stages.upload(thumb),
        );
        // ANCHOR: stop
        let camera = run.spawn_camera(s, || {
            run.source(|job| download_queue.put(job).is_ok());
            // End of input flows down stage by stage: close, wait for the workers, go on.
            download_queue.close();
            run.join(Stage::Download, download);
            resize_queue.close();
            run.join(Stage::Resize, resize);
            upload_queue.close();
            run.join(Stage::Upload, upload);
            done_queue.close();
        });

        let mut collector = run.collector();
        for receipt in &done_queue {
            collector.arrived(receipt);
        }
        camera.join();
        // ANCHOR_END: stop
        run.finish(collector)
    })
}
// ANCHOR_END: pipeline

/// Starts `stage`'s workers, all taking from `input` and putting on `output`.
fn start_stage<'scope, P: Probing, In: Send + 'scope, Out: Send + 'scope>(
    s: &'scope Scope<'scope, '_>,
    run: &'scope Run,
    stage: Stage,
    input: &'scope Queue<Job<In>>,
    output: &'scope Queue<Job<Out>>,
    func: impl Fn(In) -> Result<Out, StageError> + Copy + Send + 'scope,
) -> Vec<ScopedJoinHandle<'scope, ()>> {
    let workers: Vec<_> = (0..run.workers_of(stage))
        .filter_map(|index| {
            run.spawn_worker(s, stage, index, move || {
                let probe = run.worker_probe::<P>(stage, index);
                worker(probe, input, output, func);
            })
        })
        .collect();
    if workers.is_empty() {
        // None started (the OS refused the threads): nothing will ever take
        // from the input, so close it, and the stage before stops too.
        input.close();
    }
    workers
}

// ANCHOR: worker
/// Get (blocking), work, put (blocking while full), count; ends when the
/// input queue is closed and drained, the output queue is closed, or the run
/// is stopped.
fn worker<In, Out>(
    probe: impl Probe,
    input: &Queue<Job<In>>,
    output: &Queue<Job<Out>>,
    func: impl Fn(In) -> Result<Out, StageError>,
) {
    // However this worker ends (input drained, output closed, the run stopped,
    // a panic), nothing more will be taken from its input: close it, so the
    // stage before stops too.
    let _close_input = CloseOnDrop(input);
    while !probe.stopped() {
        probe.poll();
        let Some(job) = input.get() else {
            break;
        };
        probe.got();
        let Some(result) = probe.work(job, &func) else {
            continue;
        };
        if output.put(result).is_err() {
            break;
        }
        probe.put();
    }
}
// ANCHOR_END: worker

// ANCHOR: queue
/// A queue holding at most `capacity` items (`None`: no bound). Capacity 0 is
/// refused before the run starts: this backend has no rendezvous.
fn queue<T>(capacity: Option<usize>) -> Queue<T> {
    match capacity {
        None => Queue::unbounded(),
        Some(n) => Queue::bounded(n),
    }
}
// ANCHOR_END: queue

// ANCHOR: close_on_drop
/// Closes the queue when dropped, also while unwinding from a panic.
struct CloseOnDrop<'a, T>(&'a Queue<T>);

impl<T> Drop for CloseOnDrop<'_, T> {
    fn drop(&mut self) {
        self.0.close();
    }
}
// ANCHOR_END: close_on_drop

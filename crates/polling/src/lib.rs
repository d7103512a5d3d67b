//! # Polling: the item's hand-made queue
//!
//! The pipeline as the item first writes it: a [`MyQueue`] (a `Mutex<VecDeque>`)
//! between stages, and workers that poll it. A worker asks its queue for an item;
//! when there is none it sleeps `poll_sleep_ms` (10 ms, like the item) and asks
//! again, or, with a sleep of 0, spins with `yield_now`. Every ask is counted.
//!
//! What it teaches, by comparison with its siblings:
//! - **wait**: a worker with nothing to do keeps waking up to look (wasted polls);
//!   a sleep adds latency to every hand-off, spinning burns a core;
//! - **stop**: the queue must be closed by hand, stage by stage, and a worker that
//!   stops early must close its input, or the threads before it wait forever;
//! - **bound**: a full queue refuses a put, so the producer polls that too;
//! - **fan-out**: several workers share one queue through its lock.
//!
//! ```
//! use pipeline_core::{Config, Scenario};
//!
//! let config = Config { items: 100, ..Scenario::BOOK.config() };
//! let report = pipeline_polling::run(&config)?;
//! assert_eq!(report.items_out, 100);
//! // At least one poll per item per stage, and more for every empty queue found.
//! assert!(report.total_polls() >= 300);
//! # Ok::<(), pipeline_core::PipelineError>(())
//! ```

mod queue;

use std::thread::{self, Scope, ScopedJoinHandle};
use std::time::Duration;

use pipeline_core::{
    Config, Handoff, Job, PipelineError, Probe, Probing, Report, Run, Stage,
    StageError, Stop,
};

pub use queue::{GetError, MyQueue, PutError};

pipeline_core::backend!(
    /// The polling pipeline, as the tests, the lab and the benches see it.
    pub const BACKEND = Polling
);

/// The item's polling `Mutex<VecDeque>` as a [`Handoff`]: what they can do, and the pipeline.
pub struct Polling;

impl Handoff for Polling {
    const NAME: &'static str = "polling";
    const RENDEZVOUS: bool = false;
    const POLLS: bool = true;

    fn pipeline<P: Probing>(run: &Run) -> Result<Report, PipelineError> {
        pipeline::<P>(run)
    }
}

/// Runs the polling pipeline on `config`.
pub fn run(config: &Config) -> Result<Report, PipelineError> {
    BACKEND.run(config)
}

// ANCHOR: pipeline
fn pipeline<P: Probing>(run: &Run) -> Result<Report, PipelineError> {
    let capacity = run.config().capacity;
    let download_queue = MyQueue::new(capacity);
    let resize_queue = MyQueue::new(capacity);
    let upload_queue = MyQueue::new(capacity);
    let done_queue = MyQueue::new(capacity);
    let stages = run.stages();
    let nap = Nap::of(run);

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
            run.source(|job| put(&download_queue, job, nap, || {}).is_ok());
            // End of input flows down stage by stage: close, wait for the
            // workers, go on.
            download_queue.close();
            run.join(Stage::Download, download);
            resize_queue.close();
            run.join(Stage::Resize, resize);
            upload_queue.close();
            run.join(Stage::Upload, upload);
            done_queue.close();
        });

        let mut collector = run.collector();
        loop {
            match done_queue.get() {
                Ok(receipt) => collector.arrived(receipt),
                Err(GetError::Empty) => nap.take(),
                Err(GetError::Closed) => break,
            }
        }
        camera.join();
        // ANCHOR_END: stop
        run.finish(collector)
    })
}
// ANCHOR_END: pipeline

/// Starts `stage`'s workers, all polling `input` and putting on `output`.
fn start_stage<'scope, P: Probing, In: Send + 'scope, Out: Send + 'scope>(
    s: &'scope Scope<'scope, '_>,
    run: &'scope Run,
    stage: Stage,
    input: &'scope MyQueue<Job<In>>,
    output: &'scope MyQueue<Job<Out>>,
    func: impl Fn(In) -> Result<Out, StageError> + Copy + Send + 'scope,
) -> Vec<ScopedJoinHandle<'scope, ()>> {
    let workers: Vec<_> = (0..run.workers_of(stage))
        .filter_map(|index| {
            run.spawn_worker(s, stage, index, move || {
                let probe = run.worker_probe::<P>(stage, index);
                worker(probe, input, output, Nap::of(run), func);
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
/// The item's `Worker`: poll, sleep when empty, work, put, count; ends when the
/// input queue is closed and drained, the output queue is closed, or the run
/// is stopped.
fn worker<In, Out>(
    probe: impl Probe,
    input: &MyQueue<Job<In>>,
    output: &MyQueue<Job<Out>>,
    nap: Nap<'_>,
    func: impl Fn(In) -> Result<Out, StageError>,
) {
    // However this worker ends (input drained, output closed, the run stopped,
    // a panic), nothing more will be taken from its input: close it, so the
    // stage before stops too.
    let _close_input = CloseOnDrop(input);
    while !probe.stopped() {
        probe.poll();
        let job = match input.get() {
            Ok(job) => job,
            Err(GetError::Empty) => {
                nap.take();
                continue;
            }
            Err(GetError::Closed) => break,
        };
        probe.got();
        let Some(result) = probe.work(job, &func) else {
            continue;
        };
        if put(output, result, nap, || probe.poll()).is_err() {
            break;
        }
        probe.put();
    }
}
// ANCHOR_END: worker

// ANCHOR: put
/// Puts `item` on `queue`, polling while it is full (`on_retry` counts each
/// new try). Fails, giving the item back, only if the queue was closed.
pub fn put<T>(
    queue: &MyQueue<T>,
    mut item: T,
    nap: Nap<'_>,
    mut on_retry: impl FnMut(),
) -> Result<(), T> {
    loop {
        match queue.put(item) {
            Ok(()) => return Ok(()),
            Err(PutError::Full(back)) => {
                item = back;
                nap.take();
                on_retry();
            }
            Err(PutError::Closed(back)) => return Err(back),
        }
    }
}
// ANCHOR_END: put

// ANCHOR: nap
/// A poller's nap once its run is stopped, at most: short, as the stop asks
/// for an end, but not none, or the poller would spin.
const STOPPED_NAP: Duration = Duration::from_millis(1);

/// The wait before the next poll: a sleep of `poll_sleep_ms`, which a stop of
/// the run cuts short, or with no sleep set, a yield of the core.
#[derive(Debug, Clone, Copy)]
pub struct Nap<'run> {
    sleep: Duration,
    stop: &'run Stop,
}

impl Nap<'_> {
    /// The nap of `run`'s pollers.
    pub fn of(run: &Run) -> Nap<'_> {
        let stop = run.probes().stop_signal();
        Nap {
            sleep: run.poll_sleep(),
            stop,
        }
    }

    /// Waits before the next poll.
    pub fn take(&self) {
        if self.sleep.is_zero() {
            thread::yield_now();
        } else if !self.stop.sleep(self.sleep) {
            // Stopped: a poller that drains (the collector) naps a moment
            // instead of spinning while the workers end.
            thread::sleep(self.sleep.min(STOPPED_NAP));
        }
    }
}
// ANCHOR_END: nap

// ANCHOR: close_on_drop
/// Closes the queue when dropped, also while unwinding from a panic.
struct CloseOnDrop<'a, T>(&'a MyQueue<T>);

impl<T> Drop for CloseOnDrop<'_, T> {
    fn drop(&mut self) {
        self.0.close();
    }
}
// ANCHOR_END: close_on_drop

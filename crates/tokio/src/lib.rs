//! # tokio: the pipeline as tasks
//!
//! The same three stages, each worker a task on a multi-thread tokio runtime
//! with one thread per core, joined by `tokio::sync::mpsc` channels:
//! `unbounded_channel()` between stages when unbounded, `channel(n)` when
//! bounded. tokio's channel has no rendezvous: a capacity of 0 is refused.
//!
//! What it teaches, by comparison with its siblings:
//! - **wait**: a task that awaits `recv` holds no thread; the runtime's few
//!   threads run whichever task is ready. A stage's simulated wait is
//!   `tokio::time::sleep`, which holds none either: ten thousand waits cost ten
//!   thousand small tasks, not ten thousand threads;
//! - **stop**: the channel closes when its last sender is dropped, as std
//!   mpsc's does;
//! - **bound**: `channel(n)`'s `send` waits (without a thread) while it is full;
//! - **fan-out**: tokio's `Receiver` does not clone: the workers of a stage
//!   share it behind `tokio::sync::Mutex`, as std mpsc's workers share theirs
//!   behind `std::sync::Mutex`, except that the lock is awaited, so a worker
//!   waiting for it holds no thread.
//!
//! The camera and the collector stay plain threads, talking to the tasks with
//! `blocking_send` and `blocking_recv`: the bridge between code that blocks and
//! code that awaits.
//!
//! The CPU-bound resize runs where it was awaited, on a runtime thread: it
//! holds that thread while it works. [`SPAWN_BLOCKING`] is the same pipeline
//! with the resize sent to the runtime's blocking pool instead; the book
//! measures both.
//!
//! ```
//! use pipeline_core::{Config, Scenario};
//!
//! let config = Config { items: 100, ..Scenario::BOOK.config() };
//! let report = pipeline_tokio::run(&config)?;
//! assert_eq!(report.items_out, 100);
//! // One poll per item per stage, plus the one that finds the channel closed.
//! assert_eq!(report.total_polls(), 3 * 101);
//! # Ok::<(), pipeline_core::PipelineError>(())
//! ```

use std::any::Any;
use std::cell::RefCell;
use std::future::Future;
use std::io;
use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc::{self as mpsc_std, SyncSender};
use std::sync::{Arc, Once};
use std::thread;
use std::time::Instant;

use futures_util::FutureExt;
use tokio::runtime::{Builder, Runtime};
use tokio::sync::{Mutex, mpsc};
use tokio::task::JoinHandle;

use pipeline_core::{
    AsWorker, Config, Frame, Handoff, Job, PipelineError, Probe, Probes,
    Probing, Receipt, Report, Run, Stage, StageError, Stages, Thumbnail,
};

pipeline_core::backend!(
    /// The tokio pipeline, as the tests, the lab and the benches see it: the resize
    /// runs inline, on the runtime's threads.
    pub const BACKEND = Tasks<false>
);

pipeline_core::backend!(
    /// The same pipeline with the resize on tokio's blocking pool
    /// (`spawn_blocking`): the runtime's threads only await.
    pub const SPAWN_BLOCKING = Tasks<true>
);

/// tokio's tasks and channels as a [`Handoff`]; `OFFLOAD`: the CPU-bound resize
/// goes to the blocking pool.
pub struct Tasks<const OFFLOAD: bool>;

impl<const OFFLOAD: bool> Handoff for Tasks<OFFLOAD> {
    const NAME: &'static str = if OFFLOAD {
        "tokio-spawn-blocking"
    } else {
        "tokio"
    };
    const RENDEZVOUS: bool = false;
    const POLLS: bool = false;
    const TASKS: bool = true;

    fn pipeline<P: Probing>(run: &Run) -> Result<Report, PipelineError> {
        pipeline::<P, OFFLOAD>(run)
    }
}

/// Runs the tokio pipeline on `config`.
pub fn run(config: &Config) -> Result<Report, PipelineError> {
    BACKEND.run(config)
}

/// A worker's task: `Err` with when and why, if it panicked.
type Worker = JoinHandle<Result<(), (Instant, Box<dyn Any + Send>)>>;

// ANCHOR: runtime
/// A multi-thread runtime with one thread per core and its timer: the threads
/// every task runs on.
fn runtime(run: &Run) -> io::Result<Runtime> {
    run.may_start("runtime")?;
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    let mut builder = Builder::new_multi_thread();
    builder.worker_threads(cores).enable_time();
    // tokio panics, rather than fail, when the OS refuses it a thread.
    build_or_refuse(builder)
}
// ANCHOR_END: runtime

thread_local! {
    /// Where the thread building a runtime sends a panic of tokio's, the
    /// moment it is raised.
    static BUILDING: RefCell<Option<SyncSender<io::Result<Runtime>>>> =
        const { RefCell::new(None) };
}

/// Builds `builder`'s runtime, or says why the OS refused it a thread.
///
/// tokio panics when the OS refuses one of the runtime's threads, and the
/// half-built runtime that the panic then drops waits for the threads it did
/// start, which wait for a runtime that never comes: unwinding never ends. So
/// the runtime is built on a thread of its own, and the panic is taken, as it
/// is raised, by a panic hook that sends it here (and prints nothing); that
/// thread is left waiting, and the run ends with the refusal.
fn build_or_refuse(mut builder: Builder) -> io::Result<Runtime> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            match BUILDING.with(|building| building.borrow_mut().take()) {
                Some(refused) => {
                    let message = pipeline_core::panic_message(info.payload());
                    let reason = message
                        .strip_prefix("OS can't spawn worker thread: ")
                        .unwrap_or(message);
                    let _ = refused
                        .try_send(Err(io::Error::other(reason.to_string())));
                }
                None => previous(info),
            }
        }));
    });
    let (built, answer) = mpsc_std::sync_channel(1);
    thread::Builder::new()
        .name("runtime-start".into())
        .spawn(move || {
            BUILDING
                .with(|building| *building.borrow_mut() = Some(built.clone()));
            let runtime = builder.build();
            BUILDING.with(|building| building.borrow_mut().take());
            let _ = built.send(runtime);
        })?;
    answer
        .recv()
        .unwrap_or_else(|_| Err(io::Error::other("the runtime's start ended")))
}

// ANCHOR: pipeline
fn pipeline<P: Probing, const OFFLOAD: bool>(
    run: &Run,
) -> Result<Report, PipelineError> {
    let runtime = match runtime(run) {
        Ok(runtime) => runtime,
        Err(error) => {
            run.thread_refused("the runtime's threads", &error);
            return run.finish(run.collector());
        }
    };
    let capacity = run.config().capacity;
    let (download_tx, download_rx) = queue(capacity);
    let (resize_tx, resize_rx) = queue(capacity);
    let (upload_tx, upload_rx) = queue(capacity);
    let (done_tx, mut done_rx) = queue(capacity);
    let stages = Arc::new(run.stages().clone());

    let download = {
        let stages = Arc::clone(&stages);
        start_stage::<P, _, _, _>(
            &runtime,
            run,
            Stage::Download,
            download_rx,
            resize_tx,
            move |id| download(Arc::clone(&stages), id),
        )
    };
    let resize = {
        let stages = Arc::clone(&stages);
        start_stage::<P, _, _, _>(
            &runtime,
            run,
            Stage::Resize,
            resize_rx,
            upload_tx,
            move |frame| resize::<OFFLOAD>(Arc::clone(&stages), frame),
        )
    };
    let upload = start_stage::<P, _, _, _>(
        &runtime,
        run,
        Stage::Upload,
        upload_rx,
        done_tx,
        move |thumb| upload(Arc::clone(&stages), thumb),
    );
    thread::scope(|s| {
        // ANCHOR: stop
        // The camera is a thread: `blocking_send` waits for room without a
        // runtime, as a blocking queue's `put` does.
        let camera = run.spawn_camera(s, move || {
            run.source(|job| download_tx.blocking_send(job).is_ok());
            // Returning drops `download_tx`: end of input flows down on its own.
        });

        let mut collector = run.collector();
        while let Some(receipt) = done_rx.blocking_recv() {
            collector.arrived(receipt);
        }
        join(&runtime, run, Stage::Download, download);
        join(&runtime, run, Stage::Resize, resize);
        join(&runtime, run, Stage::Upload, upload);
        camera.join();
        // ANCHOR_END: stop
        run.finish(collector)
    })
}
// ANCHOR_END: pipeline

// ANCHOR: stage_functions
/// Waits on the runtime's timer, then makes the frame.
async fn download(stages: Arc<Stages>, id: u64) -> Result<Frame, StageError> {
    stages.enter_async(Stage::Download, id).await?;
    Ok(stages.fetched(id))
}

/// Waits on the runtime's timer, then downscales: on this runtime thread, or
/// on the blocking pool (`OFFLOAD`), while this task awaits the result. An item
/// without pixels has nothing to downscale, and is never sent to the pool.
async fn resize<const OFFLOAD: bool>(
    stages: Arc<Stages>,
    frame: Frame,
) -> Result<Thumbnail, StageError> {
    stages.enter_async(Stage::Resize, frame.id).await?;
    if !OFFLOAD || frame.pixels.is_none() {
        return Ok(stages.downscaled(frame));
    }
    let id = frame.id;
    let work = tokio::task::spawn_blocking(move || stages.downscaled(frame));
    work.await.map_err(|error| match error.try_into_panic() {
        Ok(payload) => panic::resume_unwind(payload),
        Err(error) => StageError {
            stage: Stage::Resize,
            item: id,
            reason: format!("the blocking pool dropped the work: {error}"),
        },
    })
}

/// Waits on the runtime's timer, then checksums (and writes) the thumbnail.
async fn upload(
    stages: Arc<Stages>,
    thumbnail: Thumbnail,
) -> Result<Receipt, StageError> {
    stages.enter_async(Stage::Upload, thumbnail.id).await?;
    stages.sent(thumbnail)
}
// ANCHOR_END: stage_functions

// ANCHOR: start_stage
/// Starts `stage`'s workers as tasks, sharing `input` behind an async mutex and
/// each with a clone of `output`.
fn start_stage<P, In, Out, F>(
    runtime: &Runtime,
    run: &Run,
    stage: Stage,
    input: Rx<Job<In>>,
    output: Tx<Job<Out>>,
    func: impl Fn(In) -> F + Clone + Send + 'static,
) -> Vec<Worker>
where
    P: Probing,
    In: Send + 'static,
    Out: Send + 'static,
    F: Future<Output = Result<Out, StageError>> + Send + 'static,
{
    // ANCHOR: shared_receiver
    // tokio's Receiver is single-consumer, as std's is: the workers share it
    // behind a lock, but an async one, whose waiters are tasks, not threads.
    let input = Arc::new(Mutex::new(input));
    // ANCHOR_END: shared_receiver
    (0..run.workers_of(stage))
        .map(|index| {
            let (input, output) = (Arc::clone(&input), output.clone());
            let (probes, func) = (run.shared_probes(), func.clone());
            runtime.spawn(async move {
                let worker = worker::<P, _, _, _>(
                    &probes, stage, index, input, output, func,
                );
                // Named while polled, so that a panic says which worker.
                let worker = AsWorker::new(stage, index, worker);
                let caught = AssertUnwindSafe(worker).catch_unwind().await;
                caught.map_err(|payload| {
                    // The run stops now, as a thread's probe stops it when
                    // the thread unwinds.
                    probes.stop();
                    (Instant::now(), payload)
                })
            })
        })
        .collect()
}
// ANCHOR_END: start_stage

// ANCHOR: worker
/// Receive (awaited, under the stage's lock), work, send, count; ends when the
/// input channel closes, the output channel's receiver is gone, or the run is
/// stopped.
async fn worker<P: Probing, In, Out, F>(
    probes: &Probes,
    stage: Stage,
    index: usize,
    input: Arc<Mutex<Rx<Job<In>>>>,
    output: Tx<Job<Out>>,
    func: impl Fn(In) -> F,
) where
    F: Future<Output = Result<Out, StageError>>,
{
    let probe = P::worker_probe(probes, stage, index);
    while !probe.stopped() {
        probe.poll();
        let Some(job) = input.lock().await.recv().await else {
            break;
        };
        probe.got();
        let started = probe.work_started();
        let Job { id, entered, item } = job;
        let result = func(item).await.map(|out| Job::new(id, entered, out));
        let Some(result) = probe.work_ended(started, result) else {
            continue;
        };
        if output.send(result).await.is_err() {
            break;
        }
        probe.put();
    }
}
// ANCHOR_END: worker

/// Waits for a stage's tasks, noting any that panicked, when it did.
fn join(runtime: &Runtime, run: &Run, stage: Stage, workers: Vec<Worker>) {
    for worker in workers {
        match runtime.block_on(worker) {
            Ok(Ok(())) => {}
            Ok(Err((at, payload))) => run.worker_panicked(stage, at, &*payload),
            Err(error) => {
                let payload: Box<dyn Any + Send> = match error.try_into_panic()
                {
                    Ok(payload) => payload,
                    Err(error) => Box::new(error.to_string()),
                };
                run.worker_panicked(stage, Instant::now(), &*payload);
            }
        }
    }
}

// ANCHOR: queue
/// The sending side of a channel, bounded or not.
enum Tx<T> {
    Bounded(mpsc::Sender<T>),
    Unbounded(mpsc::UnboundedSender<T>),
}

/// The receiving side of a channel, bounded or not.
enum Rx<T> {
    Bounded(mpsc::Receiver<T>),
    Unbounded(mpsc::UnboundedReceiver<T>),
}

/// A channel holding at most `capacity` items (`None`: no bound); a capacity of
/// 0 never gets here, `prepare` refuses it.
fn queue<T>(capacity: Option<usize>) -> (Tx<T>, Rx<T>) {
    match capacity {
        None => {
            let (tx, rx) = mpsc::unbounded_channel();
            (Tx::Unbounded(tx), Rx::Unbounded(rx))
        }
        Some(n) => {
            let (tx, rx) = mpsc::channel(n);
            (Tx::Bounded(tx), Rx::Bounded(rx))
        }
    }
}
// ANCHOR_END: queue

impl<T> Tx<T> {
    /// Sends `item`, waiting for room on a full bounded channel; `Err` once the
    /// receiver is gone.
    async fn send(&self, item: T) -> Result<(), T> {
        match self {
            Tx::Bounded(tx) => tx.send(item).await.map_err(|e| e.0),
            Tx::Unbounded(tx) => tx.send(item).map_err(|e| e.0),
        }
    }

    /// [`Tx::send`] from a thread outside the runtime, blocking it.
    fn blocking_send(&self, item: T) -> Result<(), T> {
        match self {
            Tx::Bounded(tx) => tx.blocking_send(item).map_err(|e| e.0),
            Tx::Unbounded(tx) => tx.send(item).map_err(|e| e.0),
        }
    }
}

impl<T> Clone for Tx<T> {
    fn clone(&self) -> Tx<T> {
        match self {
            Tx::Bounded(tx) => Tx::Bounded(tx.clone()),
            Tx::Unbounded(tx) => Tx::Unbounded(tx.clone()),
        }
    }
}

impl<T> Rx<T> {
    /// The next item, awaited; `None` once every sender is gone and the
    /// channel is empty.
    async fn recv(&mut self) -> Option<T> {
        match self {
            Rx::Bounded(rx) => rx.recv().await,
            Rx::Unbounded(rx) => rx.recv().await,
        }
    }

    /// [`Rx::recv`] from a thread outside the runtime, blocking it.
    fn blocking_recv(&mut self) -> Option<T> {
        match self {
            Rx::Bounded(rx) => rx.blocking_recv(),
            Rx::Unbounded(rx) => rx.blocking_recv(),
        }
    }
}

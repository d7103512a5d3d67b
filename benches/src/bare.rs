//! The bare pipelines: the same three hand-offs on the same queues, with no probes.
//!
//! Each has the shape of its instrumented sibling (a source thread, one thread per
//! worker, the main thread collecting, items carried in a [`Job`] with its entry
//! `Instant`, the same stage functions) but counts nothing: no polls, no depths, no
//! busy time, no CPU clocks, no latency histogram. Timing one against its
//! instrumented pipeline shows what the instrumentation itself costs.

use std::hint::black_box;
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::thread::{self, Scope, ScopedJoinHandle};
use std::time::{Duration, Instant};

use pipeline_condvar::Queue;
use pipeline_core::{
    Config, Job, Receipt, Stage, StageError, Stages, pace, process_cpu_time, spawn_worker,
};
use pipeline_polling::{GetError, MyQueue, nap, put};
use serde::{Deserialize, Serialize};

use crate::variant::Variant;

/// What a bare run measures: only what its instrumented sibling's report also has.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct BareRun {
    /// Receipts that arrived.
    pub items_out: u64,
    /// Seconds from the first put to the last receipt.
    pub wall_s: f64,
    /// User + system CPU seconds of the whole process during the run.
    pub process_cpu_s: f64,
}

/// Runs the bare pipeline of `variant`'s queue on `config` (its workers, capacity,
/// waits and frames; the poll sleep for the poller).
pub fn run(variant: Variant, config: &Config) -> BareRun {
    let clock = Clock::start();
    let items_out = match variant {
        Variant::PollingSleep | Variant::PollingSpin => {
            let sleep = Duration::from_millis(variant.poll_sleep_ms().unwrap_or(0));
            polling(config, sleep, &clock)
        }
        Variant::Condvar => condvar(config, &clock),
        Variant::Mpsc => std_mpsc(config, &clock),
        Variant::Crossbeam => crossbeam(config, &clock),
        Variant::Flume => flume(config, &clock),
    };
    clock.finish(items_out)
}

/// When the run started (set by the source's first step) and ended, and its CPU time.
struct Clock {
    started: OnceLock<Instant>,
    ended: OnceLock<Instant>,
    cpu_at_start: Duration,
}

impl Clock {
    fn start() -> Clock {
        Clock {
            started: OnceLock::new(),
            ended: OnceLock::new(),
            cpu_at_start: process_cpu_time(),
        }
    }

    fn finish(self, items_out: u64) -> BareRun {
        let now = Instant::now();
        let started = *self.started.get().unwrap_or(&now);
        let ended = *self.ended.get().unwrap_or(&now);
        BareRun {
            items_out,
            wall_s: ended.saturating_duration_since(started).as_secs_f64(),
            process_cpu_s: process_cpu_time()
                .saturating_sub(self.cpu_at_start)
                .as_secs_f64(),
        }
    }
}

/// The camera, as `Run::source` does it, minus the counting.
fn source(config: &Config, clock: &Clock, mut put: impl FnMut(Job<u64>) -> bool) {
    let start = *clock.started.get_or_init(Instant::now);
    let interval = config.source_interval();
    for id in 0..config.items {
        pace(start, interval, id);
        let job = Job {
            id,
            entered: Instant::now(),
            item: id,
        };
        if !put(job) {
            break;
        }
    }
}

/// The main thread's tally: receipts counted, nothing else.
#[derive(Default)]
struct Tally {
    items_out: u64,
}

impl Tally {
    fn arrived(&mut self, receipt: Job<Receipt>) {
        black_box(receipt);
        self.items_out += 1;
    }

    fn end(self, clock: &Clock) -> u64 {
        let _ = clock.ended.set(Instant::now());
        self.items_out
    }
}

/// Runs the stage function on a job's item: `None` when it fails (the item is dropped).
fn work<In, Out>(
    job: Job<In>,
    func: impl FnOnce(In) -> Result<Out, StageError>,
) -> Option<Job<Out>> {
    let Job { id, entered, item } = job;
    func(item).ok().map(|item| Job { id, entered, item })
}

/// Starts `stage`'s workers, each running `worker`.
fn start<'scope>(
    s: &'scope Scope<'scope, '_>,
    config: &Config,
    stage: Stage,
    worker: impl Fn() + Send + Copy + 'scope,
) -> Vec<ScopedJoinHandle<'scope, ()>> {
    (0..config.workers_of(stage))
        .map(|index| spawn_worker(s, stage, index, worker))
        .collect()
}

fn join(workers: Vec<ScopedJoinHandle<'_, ()>>) {
    for worker in workers {
        worker.join().expect("a bare worker panicked");
    }
}

// The item's polling queue.

fn polling_worker<In, Out>(
    input: &MyQueue<Job<In>>,
    output: &MyQueue<Job<Out>>,
    poll_sleep: Duration,
    func: impl Fn(In) -> Result<Out, StageError>,
) {
    loop {
        let job = match input.get() {
            Ok(job) => job,
            Err(GetError::Empty) => {
                nap(poll_sleep);
                continue;
            }
            Err(GetError::Closed) => break,
        };
        let Some(result) = work(job, &func) else {
            continue;
        };
        if put(output, result, poll_sleep, || {}).is_err() {
            break;
        }
    }
    input.close();
}

fn polling(config: &Config, poll_sleep: Duration, clock: &Clock) -> u64 {
    let capacity = config.capacity;
    let (download_queue, resize_queue) = (MyQueue::new(capacity), MyQueue::new(capacity));
    let (upload_queue, done_queue) = (MyQueue::new(capacity), MyQueue::new(capacity));
    let stages = Stages::new(config);
    let stages = &stages;
    let (dq, rq, uq, doneq) = (&download_queue, &resize_queue, &upload_queue, &done_queue);
    thread::scope(|s| {
        let download = start(s, config, Stage::Download, move || {
            polling_worker(dq, rq, poll_sleep, |id| stages.download(id));
        });
        let resize = start(s, config, Stage::Resize, move || {
            polling_worker(rq, uq, poll_sleep, |frame| stages.resize(frame));
        });
        let upload = start(s, config, Stage::Upload, move || {
            polling_worker(uq, doneq, poll_sleep, |thumb| stages.upload(thumb));
        });
        s.spawn(move || {
            source(config, clock, |job| put(dq, job, poll_sleep, || {}).is_ok());
            dq.close();
            join(download);
            rq.close();
            join(resize);
            uq.close();
            join(upload);
            doneq.close();
        });
        let mut tally = Tally::default();
        loop {
            match doneq.get() {
                Ok(receipt) => tally.arrived(receipt),
                Err(GetError::Empty) => nap(poll_sleep),
                Err(GetError::Closed) => break,
            }
        }
        tally.end(clock)
    })
}

// The Mutex + Condvar queue.

fn condvar_queue<T>(capacity: Option<usize>) -> Queue<T> {
    match capacity {
        None => Queue::unbounded(),
        Some(n) => Queue::bounded(n),
    }
}

fn condvar_worker<In, Out>(
    input: &Queue<Job<In>>,
    output: &Queue<Job<Out>>,
    func: impl Fn(In) -> Result<Out, StageError>,
) {
    while let Some(job) = input.get() {
        let Some(result) = work(job, &func) else {
            continue;
        };
        if output.put(result).is_err() {
            break;
        }
    }
    input.close();
}

fn condvar(config: &Config, clock: &Clock) -> u64 {
    let capacity = config.capacity;
    let (download_queue, resize_queue) = (condvar_queue(capacity), condvar_queue(capacity));
    let (upload_queue, done_queue) = (condvar_queue(capacity), condvar_queue(capacity));
    let stages = Stages::new(config);
    let stages = &stages;
    let (dq, rq, uq, doneq) = (&download_queue, &resize_queue, &upload_queue, &done_queue);
    thread::scope(|s| {
        let download = start(s, config, Stage::Download, move || {
            condvar_worker(dq, rq, |id| stages.download(id));
        });
        let resize = start(s, config, Stage::Resize, move || {
            condvar_worker(rq, uq, |frame| stages.resize(frame));
        });
        let upload = start(s, config, Stage::Upload, move || {
            condvar_worker(uq, doneq, |thumb| stages.upload(thumb));
        });
        s.spawn(move || {
            source(config, clock, |job| dq.put(job).is_ok());
            dq.close();
            join(download);
            rq.close();
            join(resize);
            uq.close();
            join(upload);
            doneq.close();
        });
        let mut tally = Tally::default();
        for receipt in doneq {
            tally.arrived(receipt);
        }
        tally.end(clock)
    })
}

// std mpsc: a shared receiver behind a Mutex, either kind of sender.

enum StdSender<T> {
    Unbounded(mpsc::Sender<T>),
    Bounded(mpsc::SyncSender<T>),
}

impl<T> StdSender<T> {
    fn send(&self, item: T) -> bool {
        match self {
            StdSender::Unbounded(tx) => tx.send(item).is_ok(),
            StdSender::Bounded(tx) => tx.send(item).is_ok(),
        }
    }
}

impl<T> Clone for StdSender<T> {
    fn clone(&self) -> Self {
        match self {
            StdSender::Unbounded(tx) => StdSender::Unbounded(tx.clone()),
            StdSender::Bounded(tx) => StdSender::Bounded(tx.clone()),
        }
    }
}

type SharedReceiver<T> = Arc<Mutex<mpsc::Receiver<T>>>;

fn std_channel<T>(capacity: Option<usize>) -> (StdSender<T>, SharedReceiver<T>) {
    let (tx, rx) = match capacity {
        None => {
            let (tx, rx) = mpsc::channel();
            (StdSender::Unbounded(tx), rx)
        }
        Some(n) => {
            let (tx, rx) = mpsc::sync_channel(n);
            (StdSender::Bounded(tx), rx)
        }
    };
    (tx, Arc::new(Mutex::new(rx)))
}

fn std_start<'scope, In: Send + 'scope, Out: Send + 'scope>(
    s: &'scope Scope<'scope, '_>,
    config: &Config,
    stage: Stage,
    input: SharedReceiver<Job<In>>,
    output: StdSender<Job<Out>>,
    func: impl Fn(In) -> Result<Out, StageError> + Copy + Send + 'scope,
) -> Vec<ScopedJoinHandle<'scope, ()>> {
    (0..config.workers_of(stage))
        .map(|index| {
            let (input, output) = (Arc::clone(&input), output.clone());
            spawn_worker(s, stage, index, move || {
                loop {
                    let received = input.lock().unwrap_or_else(PoisonError::into_inner).recv();
                    let Ok(job) = received else {
                        break;
                    };
                    let Some(result) = work(job, func) else {
                        continue;
                    };
                    if !output.send(result) {
                        break;
                    }
                }
            })
        })
        .collect()
}

fn std_mpsc(config: &Config, clock: &Clock) -> u64 {
    let capacity = config.capacity;
    let (download_tx, download_rx) = std_channel(capacity);
    let (resize_tx, resize_rx) = std_channel(capacity);
    let (upload_tx, upload_rx) = std_channel(capacity);
    let (done_tx, done_rx) = std_channel(capacity);
    let stages = Stages::new(config);
    let stages = &stages;
    thread::scope(|s| {
        let download = std_start(s, config, Stage::Download, download_rx, resize_tx, |id| {
            stages.download(id)
        });
        let resize = std_start(s, config, Stage::Resize, resize_rx, upload_tx, |frame| {
            stages.resize(frame)
        });
        let upload = std_start(s, config, Stage::Upload, upload_rx, done_tx, |thumb| {
            stages.upload(thumb)
        });
        s.spawn(move || source(config, clock, |job| download_tx.send(job)));
        let mut tally = Tally::default();
        let done_rx = done_rx.lock().unwrap_or_else(PoisonError::into_inner);
        for receipt in done_rx.iter() {
            tally.arrived(receipt);
        }
        let items_out = tally.end(clock);
        join(download);
        join(resize);
        join(upload);
        items_out
    })
}

// crossbeam-channel and flume: cloned receivers, channels close on their own.

macro_rules! cloning_channel_pipeline {
    ($name:ident, $krate:ident) => {
        fn $name(config: &Config, clock: &Clock) -> u64 {
            fn queue<T>(capacity: Option<usize>) -> ($krate::Sender<T>, $krate::Receiver<T>) {
                match capacity {
                    None => $krate::unbounded(),
                    Some(n) => $krate::bounded(n),
                }
            }

            fn start_stage<'scope, In: Send + 'scope, Out: Send + 'scope>(
                s: &'scope Scope<'scope, '_>,
                config: &Config,
                stage: Stage,
                input: $krate::Receiver<Job<In>>,
                output: $krate::Sender<Job<Out>>,
                func: impl Fn(In) -> Result<Out, StageError> + Copy + Send + 'scope,
            ) -> Vec<ScopedJoinHandle<'scope, ()>> {
                (0..config.workers_of(stage))
                    .map(|index| {
                        let (input, output) = (input.clone(), output.clone());
                        spawn_worker(s, stage, index, move || {
                            while let Ok(job) = input.recv() {
                                let Some(result) = work(job, func) else {
                                    continue;
                                };
                                if output.send(result).is_err() {
                                    break;
                                }
                            }
                        })
                    })
                    .collect()
            }

            let capacity = config.capacity;
            let (download_tx, download_rx) = queue(capacity);
            let (resize_tx, resize_rx) = queue(capacity);
            let (upload_tx, upload_rx) = queue(capacity);
            let (done_tx, done_rx) = queue(capacity);
            let stages = Stages::new(config);
            let stages = &stages;
            thread::scope(|s| {
                let download =
                    start_stage(s, config, Stage::Download, download_rx, resize_tx, |id| {
                        stages.download(id)
                    });
                let resize = start_stage(s, config, Stage::Resize, resize_rx, upload_tx, |f| {
                    stages.resize(f)
                });
                let upload = start_stage(s, config, Stage::Upload, upload_rx, done_tx, |t| {
                    stages.upload(t)
                });
                s.spawn(move || source(config, clock, |job| download_tx.send(job).is_ok()));
                let mut tally = Tally::default();
                for receipt in done_rx {
                    tally.arrived(receipt);
                }
                let items_out = tally.end(clock);
                join(download);
                join(resize);
                join(upload);
                items_out
            })
        }
    };
}

cloning_channel_pipeline!(crossbeam, crossbeam_channel);
cloning_channel_pipeline!(flume, flume);

#[cfg(test)]
mod tests {
    use super::*;
    use pipeline_core::Scenario;

    #[test]
    fn every_bare_pipeline_delivers_every_item() {
        for variant in Variant::ALL {
            for config in Scenario::THROUGHPUT.configs() {
                let config = variant.config(&Config {
                    items: 2000,
                    capacity: config.capacity.map(|_| 4),
                    ..config
                });
                let run = run(variant, &config);
                assert_eq!(run.items_out, 2000, "{variant}");
                assert!(run.wall_s > 0.0);
            }
        }
    }

    #[test]
    fn bare_pipelines_fan_out() {
        for variant in Variant::ALL {
            let config = variant.config(&Config {
                items: 300,
                workers: [3, 4, 5],
                capacity: Some(2),
                ..Config::default()
            });
            assert_eq!(run(variant, &config).items_out, 300, "{variant}");
        }
    }
}

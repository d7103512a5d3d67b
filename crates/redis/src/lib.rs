//! # Redis Streams: the pipeline with a broker between its stages
//!
//! The pipeline with every queue a Redis stream read by a consumer group:
//! the step the item's readers take next, from `queue.Queue` to a broker
//! (Celery, RQ, Dramatiq and Huey all run on Redis). Each worker thread has
//! its own connection: a blocked connection serves no one else.
//!
//! What it teaches, by comparison with its siblings:
//! - **wait**: `XREADGROUP … BLOCK` waits in the server; a block that ends
//!   with nothing is a poll, and is counted as one;
//! - **stop**: a stream has no close: a flag says no more will come, and a
//!   stage ends when its input is closed, fully delivered and fully acked;
//! - **bound**: `MAXLEN` trims, which loses items; the bound here is a list
//!   of free slots that `put` takes with a blocking pop and `get` gives back;
//! - **fan-out**: the workers of a stage are consumers of one group; each
//!   entry goes to one of them, and stays pending until it is acked
//!   (`task_done`), after its result is put downstream: at-least-once;
//! - **a dead worker**: what it held stays pending, and another consumer of
//!   its group claims it (`XAUTOCLAIM`) once it has been idle long enough.
//!
//! The broker is `REDIS_URL`'s server, or a private `redis-server` started
//! for the process ([`server`]).
//!
//! ```
//! use pipeline_core::{Config, Scenario};
//!
//! if pipeline_redis::server::broker().is_ok() {
//!     let config = Config { items: 100, ..Scenario::BOOK.config() };
//!     let report = pipeline_redis::run(&config)?;
//!     assert_eq!(report.items_out, 100);
//! }
//! # Ok::<(), pipeline_core::PipelineError>(())
//! ```

pub mod expiry;
pub mod hop;
pub mod processes;
pub mod server;
mod stream;
pub mod wire;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::thread::{self, Scope, ScopedJoinHandle};
use std::time::{Duration, Instant};

use redis::{Connection, RedisResult};

use pipeline_core::{
    BrokerKind, BrokerUrl, Config, ConfigError, Handoff, Job, PipelineError,
    Probe, Probing, Receipt, Report, Role, Run, Stage, StageError,
};

pub use server::{Broker, BrokerError, broker};
pub use stream::BLOCK;
use stream::{Entry, Got, Stream};
use wire::Wire;

pipeline_core::backend!(
    /// The Redis Streams pipeline, as the tests, the lab and the benches see it.
    pub const BACKEND = Redis
);

/// Redis Streams as a [`Handoff`]: what they can do, and the pipeline.
pub struct Redis;

impl Handoff for Redis {
    const NAME: &'static str = "redis";
    const RENDEZVOUS: bool = false;
    const POLLS: bool = false;
    const BROKER: Option<&'static BrokerKind> = Some(&KIND);

    fn pipeline<P: Probing>(run: &Run) -> Result<Report, PipelineError> {
        pipeline::<P>(run)
    }
}

/// What Redis offers the lab and the benches beside its pipeline: its URLs,
/// its private server, its stage processes, and one hop timed alone against
/// `redis-benchmark`.
pub const KIND: BrokerKind = BrokerKind {
    name: "Redis",
    schemes: &["redis", "rediss", "redis+unix", "unix"],
    url_note: "rediss:// is TLS, the server's certificate checked against the system's \
               roots or the PEM file of authorities REDIS_CA_CERT names",
    env: server::URL_ENV,
    check: |url| {
        broker_at(url)
            .map(|_| ())
            .map_err(|e| ConfigError::Broker(e.to_string()))
    },
    default_url: || {
        server::broker()
            .map(|b| BrokerUrl::new(b.url))
            .map_err(|e| ConfigError::Broker(e.to_string()))
    },
    available_for_tests: server::available_for_tests,
    config_of: processes::config_of,
    hand_off: hop::hand_off,
    hop: hop::queue,
    benchmark: hop::BENCHMARK,
};

/// Runs the Redis pipeline on `config`, on its broker (`config.broker`'s URL,
/// or the default one).
pub fn run(config: &Config) -> Result<Report, PipelineError> {
    BACKEND.run(config)
}

/// The broker at `url`, or the default one ([`server::broker`]): `REDIS_URL`'s,
/// or a private server started for this process.
fn broker_at(url: Option<&BrokerUrl>) -> Result<Broker, BrokerError> {
    match url.map(|url| (url, url.authorities())) {
        Some((url, Some(authorities))) => {
            Broker::trusting(url.secret(), Some(authorities.to_path_buf()))
        }
        Some((url, None)) => Broker::at(url.secret()),
        None => server::broker(),
    }
}

/// What every thread of one run shares: where the broker is, the run's keys,
/// and the clock the entries' entry times count from.
struct Shared {
    broker: Broker,
    client: redis::Client,
    prefix: String,
    epoch: Instant,
    /// How long an entry must sit unacked before another consumer takes it.
    claim_after: Duration,
    /// How many times an entry may be delivered before it is set aside.
    max_deliveries: u64,
    /// Entries each stage's workers claimed from another consumer.
    redelivered: [AtomicU64; 3],
    /// The largest memory the server said it used, sampled by the collector.
    server_peak: AtomicU64,
    /// The entry each worker of this process works on, by consumer name:
    /// touched by [`keep_alive`].
    held: std::sync::Mutex<std::collections::HashMap<String, (Stage, String)>>,
    /// Set once the broker failed this run: the run's ending asks it nothing.
    lost: AtomicBool,
}

impl Shared {
    /// A connection of this thread's own; its reads time out well after a
    /// block ends, so a lost server cannot hang a worker.
    fn connect(&self) -> RedisResult<Connection> {
        let conn = self.client.get_connection_with_timeout(TIMEOUT)?;
        conn.set_read_timeout(Some(BLOCK + TIMEOUT))?;
        conn.set_write_timeout(Some(TIMEOUT))?;
        Ok(conn)
    }

    /// Runs `f` on a connection of this thread's own. A call a signal cut
    /// short (`EINTR`: a read with a timeout is not restarted, even after a
    /// Ctrl-Z and `fg`) while the run goes on is not a failure: `f` starts
    /// again on a new connection, since the old one may hold half a reply.
    fn retrying<R>(
        &self,
        run: &Run,
        mut f: impl FnMut(&mut Connection) -> RedisResult<R>,
    ) -> RedisResult<R> {
        loop {
            let mut conn = self.connect()?;
            match f(&mut conn) {
                Err(error)
                    if interrupted(&error) && !run.probes().is_stopped() => {}
                other => return other,
            }
        }
    }

    /// Notes that the broker failed this run, and stops it. A call cut short
    /// by a signal (a read with a timeout is not restarted) once the run is
    /// stopped is that stop, not a failure of the broker.
    fn lost(&self, run: &Run, error: &redis::RedisError) {
        if interrupted(error) {
            run.probes().stop();
        } else if error.is_timeout() {
            self.lost.store(true, Relaxed);
            let waited = BLOCK + TIMEOUT;
            let reason = format!(
                "it stopped answering (no reply within {:.1} s)",
                waited.as_secs_f64()
            );
            run.lost_broker(&self.broker.shown(), &reason);
        } else {
            self.lost.store(true, Relaxed);
            run.lost_broker(&self.broker.shown(), &error.to_string());
        }
    }

    /// Whether the broker failed this run.
    fn is_lost(&self) -> bool {
        self.lost.load(Relaxed)
    }
}

/// Whether `error` is a call that a signal cut short (`EINTR`), from its
/// I/O error's kind (the client keeps the I/O error behind an `Arc`).
fn interrupted(error: &redis::RedisError) -> bool {
    type Shared = std::sync::Arc<dyn std::error::Error + Send + Sync>;
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(error) = source {
        let io = error.downcast_ref::<std::io::Error>().or_else(|| {
            error
                .downcast_ref::<Shared>()
                .and_then(|inner| inner.downcast_ref::<std::io::Error>())
        });
        if io.is_some_and(|io| io.kind() == std::io::ErrorKind::Interrupted) {
            return true;
        }
        source = error.source();
    }
    false
}

/// How often the collector reads the server's memory.
const SAMPLE_SERVER_EVERY: Duration = Duration::from_millis(50);

/// How long a connection, a write, or a reply beyond a block may take.
const TIMEOUT: Duration = Duration::from_secs(2);

/// Unique key prefixes, so that runs never collide on a shared server.
fn run_prefix() -> String {
    static SEQUENCE: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let seq = SEQUENCE.fetch_add(1, Relaxed);
    format!("pipeline:{}-{nanos}-{seq}", std::process::id())
}

/// The consumer name of worker `index` of `stage`, in a process of its own
/// (`pid`) or in the whole pipeline's.
fn consumer_name(stage: Stage, pid: Option<u32>, index: usize) -> String {
    match pid {
        Some(pid) => format!("{}-{pid}-{index}", stage.name()),
        None => format!("{}-{index}", stage.name()),
    }
}

/// The four queues of a run: into download, resize and upload, and receipts.
struct Queues {
    download: Stream,
    resize: Stream,
    upload: Stream,
    done: Stream,
}

impl Queues {
    fn new(prefix: &str, capacity: Option<usize>) -> Queues {
        let bounded = capacity.is_some();
        Queues {
            download: Stream::named(prefix, "download", bounded),
            resize: Stream::named(prefix, "resize", bounded),
            upload: Stream::named(prefix, "upload", bounded),
            done: Stream::named(prefix, "done", bounded),
        }
    }

    fn all(&self) -> [&Stream; 4] {
        [&self.download, &self.resize, &self.upload, &self.done]
    }

    /// The queue `stage` reads from.
    fn input_of(&self, stage: Stage) -> &Stream {
        match stage {
            Stage::Download => &self.download,
            Stage::Resize => &self.resize,
            Stage::Upload => &self.upload,
        }
    }

    /// The queue `stage` writes to.
    fn output_of(&self, stage: Stage) -> &Stream {
        match stage {
            Stage::Download => &self.resize,
            Stage::Resize => &self.upload,
            Stage::Upload => &self.done,
        }
    }
}

/// Removes every key of the run whose keys start with `prefix`: its queues,
/// and what its processes published.
fn remove_run(conn: &mut Connection, prefix: &str) -> RedisResult<()> {
    let keys = expiry::run_keys(conn, prefix)?;
    for chunk in keys.chunks(500) {
        redis::cmd("DEL").arg(chunk).query::<()>(conn)?;
    }
    Ok(())
}

/// How long an entry must sit unacked, and untouched, before another
/// consumer takes it over: a live worker's entries are touched every
/// [`KEEP_ALIVE_EVERY`] however long its work takes, so that only a dead
/// consumer's sit this long.
const CLAIM_AFTER: Duration = Duration::from_secs(2);

/// How often the entries live workers hold are touched ([`keep_alive`]).
const KEEP_ALIVE_EVERY: Duration = Duration::from_millis(250);

/// Touches the entries this process's workers hold every [`KEEP_ALIVE_EVERY`]
/// until `ended` (an entry whose work takes longer than [`CLAIM_AFTER`] is not
/// taken from a live worker). A failed touch is tried again at the next turn.
fn keep_alive(shared: &Shared, queues: &Queues, ended: &AtomicBool) {
    let mut conn = None;
    while !ended.load(Relaxed) && !shared.is_lost() {
        let held: Vec<(Stage, String, String)> = shared
            .held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .map(|(consumer, (stage, id))| {
                (*stage, consumer.clone(), id.clone())
            })
            .collect();
        if conn.is_none() {
            conn = shared.connect().ok();
        }
        if let Some(c) = conn.as_mut() {
            for (stage, consumer, id) in held {
                let input = queues.input_of(stage);
                if input.keep_alive(c, &consumer, &[id]).is_err() {
                    conn = None;
                    break;
                }
            }
        }
        let until = Instant::now() + KEEP_ALIVE_EVERY;
        while !ended.load(Relaxed) && Instant::now() < until {
            thread::sleep(Duration::from_millis(20));
        }
    }
}

/// The most workers of one stage in one process: each idle worker asks the
/// server again after every empty block of [`BLOCK`], and claims, and asks
/// whether its input is done, so that a stage of thousands keeps the server
/// busy answering polls and never lets its stage end (3,000 workers of one
/// stage made some 40,000 requests a second of a server on two cores, and
/// their stage did not end in two minutes).
pub const MOST_READERS: usize = 1_000;

/// Refuses, in one line, a stage of more than [`MOST_READERS`] workers in
/// this process (a stage process has its own stage only).
fn check_readers(config: &Config, role: &Role) -> Result<(), ConfigError> {
    let stages: Vec<Stage> = match role {
        Role::Worker(assignment) => vec![assignment.stage],
        _ => Stage::ALL.to_vec(),
    };
    let crowded = stages
        .into_iter()
        .map(|stage| (stage, config.workers_of(stage)))
        .find(|(_, n)| *n > MOST_READERS);
    match crowded {
        Some((stage, n)) => Err(ConfigError::Broker(format!(
            "{n} workers of the {stage} stage would each ask the broker again every \
             {} ms while idle ({} requests a second): more than {MOST_READERS} keep \
             it answering polls and the stage never ends: use fewer workers, or \
             more stage processes of fewer workers each",
            BLOCK.as_millis(),
            n as u128 * 3 * 1000 / BLOCK.as_millis().max(1),
        ))),
        None => Ok(()),
    }
}

/// Connects, checks the server and makes the run's queues: any failure is
/// the config's, before a thread starts.
fn prepare(run: &Run, role: &Role) -> Result<(Shared, Queues), ConfigError> {
    check_readers(run.config(), role)?;
    let refuse = |e: &dyn std::fmt::Display| ConfigError::Broker(e.to_string());
    let broker =
        broker_at(run.config().broker_url()).map_err(|e| refuse(&e))?;
    let client = broker.client().map_err(|e| refuse(&e))?;
    let shared = Shared {
        broker,
        client,
        prefix: match role {
            Role::Worker(assignment) => assignment.run.clone(),
            _ => run_prefix(),
        },
        epoch: Instant::now(),
        claim_after: CLAIM_AFTER,
        max_deliveries: run
            .config()
            .max_deliveries
            .map_or(stream::MAX_DELIVERIES, u64::from),
        redelivered: Default::default(),
        server_peak: AtomicU64::new(0),
        held: Default::default(),
        lost: AtomicBool::new(false),
    };
    let broker_error = |e: redis::RedisError| {
        ConfigError::Broker(format!(
            "the broker at {} failed: {e}",
            shared.broker.shown()
        ))
    };
    let mut conn = shared.connect().map_err(broker_error)?;
    // A connection per worker: more than the server takes is refused now,
    // not reset in the middle of the run.
    let workers = match role {
        Role::Worker(assignment) => assignment.workers,
        _ => run.config().workers.iter().sum(),
    };
    let needed = workers as u64 + server::CONNECTIONS_BESIDES_WORKERS;
    server::check_room(&mut conn, needed, &shared.broker.shown())
        .map_err(ConfigError::Broker)?;
    let queues = Queues::new(&shared.prefix, run.config().capacity);
    // A stage process joins queues its coordinator made.
    if !matches!(role, Role::Worker(_)) {
        for queue in queues.all() {
            queue
                .create(&mut conn, run.config().capacity)
                .map_err(broker_error)?;
        }
    }
    if let Role::Coordinator(_) = role {
        processes::publish_config(&mut conn, &shared.prefix, run.config())
            .map_err(broker_error)?;
    }
    // Every key expires unless this process lives to renew it.
    if !matches!(role, Role::Worker(_)) {
        expiry::refresh(&mut conn, &shared.prefix).map_err(broker_error)?;
    }
    Ok((shared, queues))
}

fn pipeline<P: Probing>(run: &Run) -> Result<Report, PipelineError> {
    let role = run.config().role().clone();
    let (shared, queues) = prepare(run, &role)?;
    let fresh_ended = AtomicBool::new(false);
    let report = thread::scope(|s| {
        // The run's keys expire unless this process lives (`expiry`).
        if !matches!(role, Role::Worker(_)) {
            s.spawn(|| expiry::keep_fresh(&shared, &fresh_ended));
        }
        let report = match &role {
            Role::Whole => whole::<P>(run, &shared, &queues),
            Role::Coordinator(spawn) => {
                coordinate(run, &shared, &queues, spawn)
            }
            // The coordinator removes the run's keys when it ends.
            Role::Worker(assignment) => {
                work::<P>(run, &shared, &queues, assignment)
            }
        };
        fresh_ended.store(true, Relaxed);
        report
    });
    if let Role::Worker(_) = role {
        return report;
    }
    let mut report = report;
    // The run's dead letters into its report, then its keys go with it (a
    // lost server took them already, or does not answer).
    if !shared.is_lost()
        && let Ok(mut conn) = shared.connect()
    {
        if let Some(report) = report_of(&mut report) {
            if let Ok(dead) = stream::dead_letters(&mut conn, &shared.prefix) {
                report.dead_letters = dead;
            }
            let peak = shared.server_peak.load(Relaxed);
            report.broker_peak_bytes = (peak > 0).then_some(peak);
        }
        let _ = remove_run(&mut conn, &shared.prefix);
    }
    report
}

// ANCHOR: pipeline
fn whole<P: Probing>(
    run: &Run,
    shared: &Shared,
    queues: &Queues,
) -> Result<Report, PipelineError> {
    let (shared, q) = (shared, queues);
    let stages = run.stages();
    let alive_ended = AtomicBool::new(false);

    let report = thread::scope(|s| {
        let download = start_stage::<P, _, _>(
            s,
            run,
            shared,
            Stage::Download,
            (&q.download, &q.resize),
            |id| stages.download(id),
        );
        let resize = start_stage::<P, _, _>(
            s,
            run,
            shared,
            Stage::Resize,
            (&q.resize, &q.upload),
            |frame| stages.resize(frame),
        );
        let upload = start_stage::<P, _, _>(
            s,
            run,
            shared,
            Stage::Upload,
            (&q.upload, &q.done),
            |thumb| stages.upload(thumb),
        );
        s.spawn(|| keep_alive(shared, q, &alive_ended));
        // ANCHOR: stop
        let camera =
            run.spawn_camera(s, move || feed(run, shared, &q.download));

        let mut collector = run.collector();
        let uploads_ended = || upload.iter().all(|w| w.is_finished());
        // At least once: a receipt of an item already collected is dropped.
        let collected = collect(run, shared, &q.done, uploads_ended, |job| {
            collector.arrived_at_least_once(job);
        });
        if let Err(error) = collected {
            shared.lost(run, &error);
        }
        run.join(Stage::Download, download);
        run.join(Stage::Resize, resize);
        run.join(Stage::Upload, upload);
        camera.join();
        // ANCHOR_END: stop
        alive_ended.store(true, Relaxed);
        run.finish(collector)
    });
    with_redelivered(report, &shared.redelivered)
}

/// The camera: puts every item on `download`, then closes it. A put a
/// signal cut short while the run goes on starts again, on a new connection,
/// with the slot it may have taken given back first (if the entry was added
/// and only its reply lost, the item goes twice, and its second receipt is
/// dropped as a duplicate).
fn feed(run: &Run, shared: &Shared, download: &Stream) {
    let stopped = || run.probes().is_stopped();
    let mut failed = None;
    let mut conn = match shared.connect() {
        Ok(conn) => Some(conn),
        Err(error) => {
            failed = Some(error);
            None
        }
    };
    if let Some(conn) = conn.as_mut() {
        run.source(|job| {
            loop {
                match download.put(conn, "camera", &job, shared.epoch, stopped)
                {
                    Ok(put) => return put,
                    Err(error) if interrupted(&error) && !stopped() => {
                        let again = shared.connect().and_then(|mut fresh| {
                            download.return_slots_of(&mut fresh, "camera")?;
                            Ok(fresh)
                        });
                        match again {
                            Ok(fresh) => *conn = fresh,
                            Err(error) => {
                                failed = Some(error);
                                return false;
                            }
                        }
                    }
                    Err(error) => {
                        failed = Some(error);
                        return false;
                    }
                }
            }
        });
    }
    // No more will come: the download stage ends once it has handled what is
    // there.
    let closed = match failed {
        Some(error) => Err(error),
        None => shared.retrying(run, |conn| download.close(conn)),
    };
    if let Err(error) = closed {
        shared.lost(run, &error);
    }
}

/// The report, ended or stopped, with what each stage claimed from others.
fn with_redelivered(
    mut result: Result<Report, PipelineError>,
    redelivered: &[AtomicU64; 3],
) -> Result<Report, PipelineError> {
    if let Some(report) = report_of(&mut result) {
        for (stage, count) in report.stages.iter_mut().zip(redelivered) {
            stage.redelivered = count.load(Relaxed);
        }
    }
    result
}
// ANCHOR_END: pipeline

/// The report of a run, ended or stopped, if it got far enough to have one.
fn report_of(
    result: &mut Result<Report, PipelineError>,
) -> Option<&mut Report> {
    match result {
        Ok(report) => Some(report),
        Err(error) => error.report_mut(),
    }
}

// ANCHOR: coordinate
/// The camera and the collector here, each stage in a process of its own,
/// watched: one that dies is started again.
fn coordinate(
    run: &Run,
    shared: &Shared,
    queues: &Queues,
    spawn: &processes::Spawn,
) -> Result<Report, PipelineError> {
    let collected = AtomicU64::new(0);
    let mut collected_ids = std::collections::HashSet::new();
    let collected_all = AtomicBool::new(false);
    let uploads_ended = AtomicBool::new(false);
    let watch = processes::Watch {
        shared,
        queues,
        spawn,
        run,
        collected: &collected,
        collected_all: &collected_all,
        uploads_ended: &uploads_ended,
    };
    let (mut report, watched) = thread::scope(|s| {
        // The watch starts the processes and lives until they have ended.
        let watching = s.spawn(|| watch.watch());
        let camera =
            run.spawn_camera(s, || feed(run, shared, &queues.download));
        let mut collector = run.collector();
        let ended = || uploads_ended.load(Relaxed);
        let got = collect(run, shared, &queues.done, ended, |job| {
            let id = job.id;
            if collector.arrived_at_least_once(job) {
                collected.fetch_add(1, Relaxed);
                collected_ids.insert(id);
            }
        });
        collected_all.store(true, Relaxed);
        if let Err(error) = got {
            shared.lost(run, &error);
        }
        camera.join();
        let watched = watching.join().unwrap_or_default();
        (run.finish(collector), watched)
    });
    if let Some(report) = report_of(&mut report) {
        // A broker that failed the run is not waited for once more.
        let mut conn =
            (!shared.is_lost()).then(|| shared.connect().ok()).flatten();
        processes::merge(
            report,
            conn.as_mut(),
            queues,
            &shared.prefix,
            &watched,
            &collected_ids,
        );
    }
    report
}
// ANCHOR_END: coordinate

/// One stage of a run another process started: its workers, and what they
/// did published until they end.
fn work<P: Probing>(
    run: &Run,
    shared: &Shared,
    queues: &Queues,
    assignment: &processes::Assignment,
) -> Result<Report, PipelineError> {
    let stage = assignment.stage;
    let stages = run.stages();
    let io = (queues.input_of(stage), queues.output_of(stage));
    let publisher = processes::Publisher {
        shared,
        assignment,
        redelivered: &shared.redelivered[stage.index()],
        got: &|| run.probes().got_by(stage),
        host: processes::host(),
        pid: std::process::id(),
    };
    let ended = AtomicBool::new(false);
    let alive_ended = AtomicBool::new(false);
    let report = thread::scope(|s| {
        let workers = match stage {
            Stage::Download => {
                start_stage::<P, _, _>(s, run, shared, stage, io, |id| {
                    stages.download(id)
                })
            }
            Stage::Resize => {
                start_stage::<P, _, _>(s, run, shared, stage, io, |frame| {
                    stages.resize(frame)
                })
            }
            Stage::Upload => {
                start_stage::<P, _, _>(s, run, shared, stage, io, |thumb| {
                    stages.upload(thumb)
                })
            }
        };
        s.spawn(|| keep_alive(shared, queues, &alive_ended));
        s.spawn(|| expiry::watch_coordinator(shared, run, &alive_ended));
        let publishing = s.spawn(|| {
            publisher.keep_publishing(&ended, || run.stage_report(stage))
        });
        run.join(stage, workers);
        ended.store(true, Relaxed);
        alive_ended.store(true, Relaxed);
        if let Ok(Err(error)) = publishing.join() {
            shared.lost(run, &error);
        }
        run.finish(run.collector())
    });
    let mut report = with_redelivered(report, &shared.redelivered);
    let how = match run.probes().is_stopped() {
        true => "stopped",
        false => "completed",
    };
    // A broker lost now leaves the report without this process's line.
    let last = match shared.is_lost() {
        false => publisher.last(run.stage_report(stage), how),
        true => Err(redis::RedisError::from((
            redis::ErrorKind::Io,
            "the broker was lost",
        ))),
    };
    if let (Some(report), Ok(process)) = (report_of(&mut report), last) {
        report.processes = vec![process];
    }
    report
}

/// The main thread's loop: receipts from `done` until it is finished, or,
/// once the run is stopped, until every upload worker has ended and nothing
/// is left to read.
fn collect(
    run: &Run,
    shared: &Shared,
    done: &Stream,
    uploads_ended: impl Fn() -> bool,
    mut arrived: impl FnMut(Job<Receipt>),
) -> RedisResult<()> {
    let mut sampled: Option<Instant> = None;
    shared.retrying(run, |conn| {
        loop {
            // Where the queues keep their items: the server's memory, now and
            // then (a reply of `INFO memory` is a few hundred bytes).
            if sampled.is_none_or(|at| at.elapsed() >= SAMPLE_SERVER_EVERY) {
                if let Some(bytes) = stream::server_memory(conn)? {
                    shared.server_peak.fetch_max(bytes, Relaxed);
                }
                sampled = Some(Instant::now());
            }
            let ended = run.probes().is_stopped() && uploads_ended();
            let entries =
                match done.get::<Receipt>(conn, "collector", shared.epoch)? {
                    Got::Entry(entry) => vec![entry],
                    Got::Empty if ended => return Ok(()),
                    // A read a signal cut short may have had entries delivered
                    // that it never saw: they wait, pending, for the collector to
                    // take them back once idle, as a worker takes a dead one's.
                    Got::Empty => {
                        let idle = shared.claim_after;
                        let claimed = done.claim::<Receipt>(
                            conn,
                            "collector",
                            idle,
                            16,
                            shared.epoch,
                        )?;
                        if claimed.is_empty() && done.finished(conn)? {
                            return Ok(());
                        }
                        claimed
                    }
                };
            for Entry {
                id,
                job,
                deliveries,
                ..
            } in entries
            {
                match job {
                    Ok(job) => {
                        arrived(job);
                        done.ack(conn, &id)?;
                    }
                    Err(error) => {
                        let why = format!("it does not decode: {error}");
                        done.dead_letter(conn, &id, &why, deliveries)?;
                    }
                }
            }
        }
    })
}

// ANCHOR: start_stage
/// Starts `stage`'s workers, each a consumer of `input`'s group with a
/// connection of its own.
fn start_stage<'scope, P: Probing, In: Wire + 'scope, Out: Wire + 'scope>(
    s: &'scope Scope<'scope, '_>,
    run: &'scope Run,
    shared: &'scope Shared,
    stage: Stage,
    (input, output): (&'scope Stream, &'scope Stream),
    func: impl Fn(In) -> Result<Out, StageError> + Copy + Send + 'scope,
) -> Vec<ScopedJoinHandle<'scope, ()>> {
    // In a stage process of its own, a consumer's name says which process.
    let pid =
        matches!(run.config().role(), Role::Worker(_)).then(std::process::id);
    (0..run.workers_of(stage))
        .filter_map(|index| {
            run.spawn_worker(s, stage, index, move || {
                let probe = run.worker_probe::<P>(stage, index);
                let consumer = consumer_name(stage, pid, index);
                let worker = Worker {
                    shared,
                    stage,
                    consumer,
                    input,
                    output,
                };
                let worked =
                    shared.retrying(run, |conn| worker.run(conn, &probe, func));
                if let Err(error) = worked {
                    shared.lost(run, &error);
                }
            })
        })
        .collect()
}
// ANCHOR_END: start_stage

/// An entry a worker holds, in [`Shared::held`] until dropped.
struct Holding<'a> {
    shared: &'a Shared,
    consumer: &'a str,
}

impl<'a> Holding<'a> {
    fn new(
        shared: &'a Shared,
        consumer: &'a str,
        stage: Stage,
        id: &str,
    ) -> Holding<'a> {
        shared
            .held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(consumer.to_string(), (stage, id.to_string()));
        Holding { shared, consumer }
    }
}

impl Drop for Holding<'_> {
    fn drop(&mut self) {
        self.shared
            .held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(self.consumer);
    }
}

/// One worker: a consumer of its input's group, writing to its output.
struct Worker<'a> {
    shared: &'a Shared,
    stage: Stage,
    consumer: String,
    input: &'a Stream,
    output: &'a Stream,
}

impl Worker<'_> {
    // ANCHOR: worker
    /// Get (blocking), work, put, then ack; when the input is empty, claim
    /// what a dead consumer held; end when the input is closed and nothing
    /// in it is undelivered or unacked, or when the run is stopped.
    fn run<In: Wire, Out: Wire>(
        &self,
        conn: &mut Connection,
        probe: &impl Probe,
        func: impl Fn(In) -> Result<Out, StageError>,
    ) -> RedisResult<()> {
        let (input, epoch) = (self.input, self.shared.epoch);
        // A put cut short before (see `Shared::retrying`) may have left its
        // slot taken: no put of this worker's is under way now.
        self.output.return_slots_of(conn, &self.consumer)?;
        let mut claimed_at = Instant::now();
        while !probe.stopped() {
            probe.poll();
            let entries = match input.get(conn, &self.consumer, epoch)? {
                // Under steady load the input is never empty: a dead
                // consumer's entries are looked for on a schedule too.
                Got::Entry(entry)
                    if claimed_at.elapsed() >= self.shared.claim_after =>
                {
                    claimed_at = Instant::now();
                    let idle = self.shared.claim_after;
                    let mut entries = vec![entry];
                    entries.extend(input.claim(
                        conn,
                        &self.consumer,
                        idle,
                        16,
                        epoch,
                    )?);
                    entries
                }
                Got::Entry(entry) => vec![entry],
                Got::Empty => {
                    let idle = self.shared.claim_after;
                    let claimed =
                        input.claim(conn, &self.consumer, idle, 16, epoch)?;
                    if claimed.is_empty() && input.finished(conn)? {
                        self.output.close(conn)?;
                        break;
                    }
                    claimed
                }
            };
            for entry in entries {
                if !self.handle(conn, probe, entry, &func)? {
                    return Ok(());
                }
            }
        }
        Ok(())
    }
    // ANCHOR_END: worker

    /// Works on one entry, puts the result downstream, then acks the entry;
    /// `false` if the run was stopped while waiting for room downstream (the
    /// entry stays pending, for whoever claims it).
    fn handle<In: Wire, Out: Wire>(
        &self,
        conn: &mut Connection,
        probe: &impl Probe,
        entry: Entry<In>,
        func: impl Fn(In) -> Result<Out, StageError>,
    ) -> RedisResult<bool> {
        let Entry {
            id,
            job,
            claimed,
            deliveries,
        } = entry;
        // Touched while this worker holds it, so that no live worker's entry
        // looks dead.
        let _holding =
            Holding::new(self.shared, &self.consumer, self.stage, &id);
        let job = match job {
            Ok(job) => job,
            // No item of this run: set aside, and never the end of the run.
            Err(error) => {
                let why = format!("it does not decode: {error}");
                self.input.dead_letter(conn, &id, &why, deliveries)?;
                return Ok(true);
            }
        };
        probe.got();
        if claimed {
            self.shared.redelivered[self.stage.index()].fetch_add(1, Relaxed);
        }
        if deliveries > self.shared.max_deliveries {
            // Every worker that took it before ended without handling it (a
            // poison item kills its worker): set aside, counted as failed,
            // and the run goes on.
            let why = format!(
                "delivered {deliveries} times, and every worker that took it ended without handling it"
            );
            self.input.dead_letter(conn, &id, &why, deliveries)?;
            let (stage, item) = (self.stage, job.id);
            let failed = probe.work::<In, Out>(job, |_| {
                Err(StageError {
                    stage,
                    item,
                    reason: format!("dead-lettered: {why}"),
                })
            });
            debug_assert!(failed.is_none());
            return Ok(true);
        }
        match probe.work(job, &func) {
            Some(result) => {
                let stopped = || probe.stopped();
                let (output, epoch) = (self.output, self.shared.epoch);
                if !output.put(conn, &self.consumer, &result, epoch, stopped)? {
                    return Ok(false);
                }
                probe.put();
            }
            // The stop cut the work short: the item was not handled, and its
            // entry stays pending, for whoever claims it (acked, it would be
            // lost).
            None if probe.stopped() => return Ok(false),
            // The stage failed the item: counted, and done with.
            None => {}
        }
        self.input.ack(conn, &id)?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_call_cut_short_by_a_signal_is_known_by_its_kind() {
        let cut = std::io::Error::from(std::io::ErrorKind::Interrupted);
        assert!(super::interrupted(&redis::RedisError::from(cut)));
        // The same words in a message are not an interrupted call.
        let words =
            std::io::Error::other("Interrupted system call (os error 4)");
        assert!(!super::interrupted(&redis::RedisError::from(words)));
        let timeout = std::io::Error::from(std::io::ErrorKind::TimedOut);
        assert!(!super::interrupted(&redis::RedisError::from(timeout)));
    }
}

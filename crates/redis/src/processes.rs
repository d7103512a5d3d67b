//! Stages as processes: the camera and the collector in one process, each
//! stage in a process of its own (`lab worker`), all of them joined by the
//! broker alone. A stage process can run on another machine: it needs the
//! broker's URL and the run's id, and reads the run's config from the broker.
//!
//! The process that starts the run (its config's role
//! [`pipeline_core::Role::Coordinator`]) publishes the config,
//! starts one process per stage with the command it is given, watches them,
//! starts again one that dies (the new one's consumers claim what the dead one
//! held, once it has been idle long enough), and at the end merges what every
//! process published into the run's one report. A stage process
//! ([`pipeline_core::Role::Worker`]) runs its stage's workers and publishes its counts, its CPU
//! time and its peak memory every [`PUBLISH_EVERY`] and when it ends, so that
//! a process killed without warning leaves counts a fraction of a second old.

use std::collections::HashSet;
use std::io;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::thread;
use std::time::{Duration, Instant};

use redis::{Connection, RedisResult};
use serde::{Deserialize, Serialize};

use pipeline_core::{
    Config, ConfigError, FailureKind, ProcessReport, Report, Stage, StageReport,
};

use crate::{Queues, Shared};

/// How often a stage process publishes what it has done so far.
pub const PUBLISH_EVERY: Duration = Duration::from_millis(200);
/// How many times a stage's process is started again after it died, in one
/// run, before the run is stopped.
pub const RESTARTS: u32 = 3;
/// How long the processes may take to end once their work is done (or the run
/// is stopped) before they are killed.
const GRACE: Duration = Duration::from_secs(10);
/// How often the coordinator looks at its processes and the queues' depths.
const TICK: Duration = Duration::from_millis(20);

pub use pipeline_core::{Assignment, Spawn};

fn config_key(run: &str) -> String {
    format!("{run}:config")
}

fn members_key(run: &str) -> String {
    format!("{run}:processes")
}

fn published_key(run: &str, stage: Stage, host: &str, pid: u32) -> String {
    format!("{run}:process:{}:{host}:{pid}", stage.name())
}

/// The config of the run `assignment` names, as its coordinator published
/// it, with the assignment's number of workers for its stage: refused in one
/// line if there is no broker or no such run on it.
pub fn config_of(
    url: Option<&pipeline_core::BrokerUrl>,
    assignment: &Assignment,
) -> Result<Config, ConfigError> {
    let broker = crate::broker_at(url)
        .map_err(|e| ConfigError::Broker(e.to_string()))?;
    let failed = |e: redis::RedisError| {
        ConfigError::Broker(format!(
            "the broker at {} failed: {e}",
            broker.shown()
        ))
    };
    let client = broker.client().map_err(failed)?;
    let mut conn = client
        .get_connection_with_timeout(crate::TIMEOUT)
        .map_err(failed)?;
    // A server that stalls after the handshake must not hang the worker.
    conn.set_read_timeout(Some(crate::TIMEOUT))
        .map_err(failed)?;
    conn.set_write_timeout(Some(crate::TIMEOUT))
        .map_err(failed)?;
    let text: Option<String> = redis::cmd("GET")
        .arg(config_key(&assignment.run))
        .query(&mut conn)
        .map_err(failed)?;
    let Some(text) = text else {
        return Err(ConfigError::Broker(format!(
            "no run {} on the broker at {} (it ended, or the id is wrong)",
            assignment.run,
            broker.shown()
        )));
    };
    // A run whose coordinator is gone (killed: its keys still wait to
    // expire) has no one to collect what a worker would do.
    if !crate::expiry::is_alive(&mut conn, &assignment.run).map_err(failed)? {
        return Err(ConfigError::Broker(format!(
            "run {} on the broker at {} has no coordinator any more (it was \
             killed): nothing would collect what this worker does",
            assignment.run,
            broker.shown()
        )));
    }
    let mut config: Config = serde_json::from_str(&text).map_err(|e| {
        ConfigError::Broker(format!(
            "run {}: a config that does not parse: {e}",
            assignment.run
        ))
    })?;
    if assignment.workers == 0 {
        return Err(ConfigError::Broker(
            "a stage process needs at least one worker".into(),
        ));
    }
    config.workers[assignment.stage.index()] = assignment.workers;
    config.broker = Some(pipeline_core::OnBroker {
        url: url.cloned(),
        role: pipeline_core::Role::Worker(assignment.clone()),
    });
    Ok(config)
}

/// Where a stopped run left each item it did not finish, as the broker has
/// them: a receipt not collected, or an entry waiting in a stage's input
/// (queued) or delivered and not acked (held). An item is counted once, at
/// the furthest place it reached: a worker that put its result downstream and
/// was stopped before its ack leaves the item in two streams, and its
/// downstream copy is the one that counts; an item already collected counts
/// nowhere. A place the broker cannot tell keeps its count from the probes.
fn locate(
    report: &mut Report,
    conn: &mut Connection,
    queues: &Queues,
    collected: &HashSet<u64>,
) {
    let mut seen: HashSet<u64> = collected.clone();
    if let Ok(items) = queues.done.items(conn) {
        report.uncollected =
            items.iter().filter(|(id, _)| seen.insert(*id)).count() as u64;
    }
    for stage in Stage::ALL.iter().rev() {
        let Ok(items) = queues.input_of(*stage).items(conn) else {
            continue;
        };
        let (mut queued, mut held) = (0, 0);
        for (id, holding) in items {
            if seen.insert(id) {
                *(if holding { &mut held } else { &mut queued }) += 1;
            }
        }
        let at = &mut report.stages[stage.index()];
        (at.queued, at.held) = (queued, held);
    }
}

/// What a stage process publishes: its report line and its stage's counts.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Published {
    stage: String,
    process: ProcessReport,
    report: StageReport,
    /// Items its workers got from their input so far (with `report`'s done
    /// and failed, where the others' counts of a queue's depth come from).
    #[serde(default)]
    got: u64,
    /// Whether it is the last it will publish.
    last: bool,
}

pub(crate) fn host() -> String {
    pipeline_core::platform::host_name()
}

/// A stage process's side of a run: publishes `stage_report()` (what the
/// stage's workers did so far) until `ended`, then once more as the last.
pub(crate) struct Publisher<'a> {
    pub shared: &'a Shared,
    pub assignment: &'a Assignment,
    pub redelivered: &'a AtomicU64,
    /// Items the stage's workers got so far.
    pub got: &'a (dyn Fn() -> u64 + Sync),
    pub host: String,
    pub pid: u32,
}

impl Publisher<'_> {
    fn publish(
        &self,
        conn: &mut Connection,
        report: StageReport,
        ended: &str,
        last: bool,
    ) -> RedisResult<()> {
        let a = self.assignment;
        let process = ProcessReport {
            role: a.stage.name().to_string(),
            pid: self.pid,
            host: self.host.clone(),
            workers: a.workers,
            done: report.done(),
            failed: report.failed(),
            redelivered: self.redelivered.load(Relaxed),
            cpu_s: pipeline_core::process_cpu_time().as_secs_f64(),
            max_rss_bytes: pipeline_core::max_rss_bytes(),
            ended: ended.to_string(),
        };
        let published = Published {
            stage: a.stage.name().to_string(),
            process,
            report,
            got: (self.got)(),
            last,
        };
        let key = published_key(&a.run, a.stage, &self.host, self.pid);
        let json =
            serde_json::to_string(&published).expect("a report serialises");
        // With the time to live every key of the run has (`expiry`): a SET
        // without one would keep it past a coordinator that was killed.
        let ttl = crate::expiry::RUN_TTL.as_millis() as u64;
        let mut publish = redis::pipe();
        publish
            .cmd("SET")
            .arg(&key)
            .arg(json)
            .arg("PX")
            .arg(ttl)
            .ignore()
            .cmd("SADD")
            .arg(members_key(&a.run))
            .arg(&key)
            .ignore();
        crate::stream::in_one_go(conn, &publish)
    }

    /// Publishes every [`PUBLISH_EVERY`] until `ended` is set.
    pub fn keep_publishing(
        &self,
        ended: &AtomicBool,
        stage_report: impl Fn() -> StageReport,
    ) -> RedisResult<()> {
        let mut conn = self.shared.connect()?;
        while !ended.load(Relaxed) {
            match self.publish(&mut conn, stage_report(), "running", false) {
                // A signal cut the call short (a Ctrl-Z and `fg`): not a
                // failure; the next publish is on a new connection.
                Err(error) if crate::interrupted(&error) => {
                    conn = self.shared.connect()?;
                    continue;
                }
                other => other?,
            }
            let until = Instant::now() + PUBLISH_EVERY;
            while !ended.load(Relaxed) && Instant::now() < until {
                thread::sleep(TICK);
            }
        }
        Ok(())
    }

    /// Publishes the last time, and gives the process's line of the report.
    pub fn last(
        &self,
        report: StageReport,
        ended: &str,
    ) -> RedisResult<ProcessReport> {
        let mut conn = self.shared.connect()?;
        self.publish(&mut conn, report, ended, true)?;
        let a = self.assignment;
        let key = published_key(&a.run, a.stage, &self.host, self.pid);
        let text: String = redis::cmd("GET").arg(key).query(&mut conn)?;
        let published: Published =
            serde_json::from_str(&text).expect("just published");
        Ok(published.process)
    }
}

/// The coordinator's view of one stage's process.
struct StageProcess {
    stage: Stage,
    child: Child,
    /// Times it was started again.
    restarts: u32,
    /// Set once it has ended and will not be started again.
    ended: Option<ExitStatus>,
}

/// What became of a process the coordinator started.
#[derive(Debug, Clone)]
pub(crate) struct Ending {
    pub pid: u32,
    pub status: Option<ExitStatus>,
}

/// What the coordinator's watch gives at the end.
#[derive(Debug, Default)]
pub(crate) struct Watched {
    pub endings: Vec<Ending>,
    /// The largest number of undelivered entries seen in each stage's input.
    pub peaks: [u64; 3],
}

/// The coordinator's watch over its stage processes.
pub(crate) struct Watch<'a> {
    pub shared: &'a Shared,
    pub queues: &'a Queues,
    pub spawn: &'a Spawn,
    pub run: &'a pipeline_core::Run,
    /// Receipts collected so far (for the kill's moment).
    pub collected: &'a AtomicU64,
    /// Set by the collector once the done queue is finished.
    pub collected_all: &'a AtomicBool,
    /// Set by the watch once every upload process has ended.
    pub uploads_ended: &'a AtomicBool,
}

impl Watch<'_> {
    fn command(&self, stage: Stage) -> Command {
        let config = self.run.config();
        let mut command = Command::new(&self.spawn.program);
        command
            .args(&self.spawn.args)
            // The URL may hold a password: in the environment, which only the
            // process's own user can read, never on its command line.
            .env(crate::server::URL_ENV, &self.shared.broker.url)
            .envs(
                (self.shared.broker.ca_cert.as_ref())
                    .map(|ca| (crate::server::CA_ENV, ca)),
            )
            .arg("--run")
            .arg(&self.shared.prefix)
            .arg("--stage")
            .arg(stage.name())
            .arg("--workers")
            .arg(config.workers[stage.index()].to_string())
            .stdout(Stdio::null());
        // If the coordinator dies, so do its stage processes; a Ctrl-C at the
        // terminal reaches the coordinator alone, which stops its processes
        // once.
        pipeline_core::platform::child::tie_own(&mut command);
        command
    }

    fn start(&self, stage: Stage) -> io::Result<Child> {
        self.command(stage).spawn()
    }

    /// Starts every stage's process, then watches them until every one has
    /// ended: starts again one that died, kills the one the demo asks for,
    /// samples the queues' depths, and stops them all if the run is stopped.
    /// Runs on one thread from start to end: a stage process dies with the
    /// thread that started it.
    pub fn watch(&self) -> Watched {
        let (url, shown) =
            (&self.shared.broker.url, self.shared.broker.shown());
        let broker = match url == &shown {
            true => format!("--broker {url} "),
            // The password is not printed: the command takes it from REDIS_URL.
            false => String::new(),
        };
        let password = match url == &shown {
            true => String::new(),
            false => format!(
                " (with REDIS_URL set to {shown}, its password filled in)"
            ),
        };
        (self.spawn.announce)(&format!(
            "run {}: more workers of a stage join it with `lab worker {broker}--run {} --stage STAGE --workers N`{password}",
            self.shared.prefix, self.shared.prefix
        ));
        let mut watched = Watched::default();
        let mut processes = Vec::new();
        for stage in Stage::ALL {
            match self.start(stage) {
                Ok(child) => processes.push(StageProcess {
                    stage,
                    child,
                    restarts: 0,
                    ended: None,
                }),
                Err(error) => {
                    self.run.thread_refused(
                        &format!("the {} process", stage.name()),
                        &error,
                    );
                    break;
                }
            }
        }
        let kill_after = self
            .spawn
            .kill
            .map(|_| random_moment(self.run.config().items));
        let mut killed = false;
        let mut conn = self.shared.connect().ok();
        let mut stopping: Option<Instant> = None;
        let mut done_at: Option<Instant> = None;
        let mut last_mirror = Instant::now();
        loop {
            let stopped = self.run.probes().is_stopped();
            if stopped && stopping.is_none() {
                stopping = Some(Instant::now());
                for p in processes.iter_mut().filter(|p| p.ended.is_none()) {
                    pipeline_core::platform::child::ask_to_stop(&mut p.child);
                }
            }
            if let (Some(stage), Some(after), false) =
                (self.spawn.kill, kill_after, killed)
                && self.collected.load(Relaxed) >= after
                && let Some(p) = processes
                    .iter_mut()
                    .find(|p| p.stage == stage && p.ended.is_none())
            {
                // SIGKILL on Unix, TerminateProcess on Windows.
                let _ = p.child.kill();
                killed = true;
            }
            // The stage ended before the kill's moment came: say so, rather
            // than let the demo look as if a process had died and nothing
            // was lost.
            if let (Some(stage), false) = (self.spawn.kill, killed)
                && processes
                    .iter()
                    .filter(|p| p.stage == stage)
                    .all(|p| p.ended.is_some())
            {
                (self.spawn.announce)(&format!(
                    "--kill {0}: the {0} process ended its work before the moment to kill it came; nothing was killed",
                    stage.name()
                ));
                killed = true;
            }
            for p in processes.iter_mut().filter(|p| p.ended.is_none()) {
                let Ok(Some(status)) = p.child.try_wait() else {
                    continue;
                };
                let pid = p.child.id();
                watched.endings.push(Ending {
                    pid,
                    status: Some(status),
                });
                if status.success() || stopped {
                    p.ended = Some(status);
                    continue;
                }
                // It died: what it held is claimed by the next one's workers
                // (or by another of the stage's processes); the slots it took
                // for puts it never made are given back.
                if let Some(conn) = conn.as_mut() {
                    self.return_slots(conn, p.stage, pid);
                }
                if p.restarts >= RESTARTS {
                    p.ended = Some(status);
                    self.run.process_failed(
                        &format!("the {} process", p.stage.name()),
                        &format!(
                            "it ended {} times, the last time with {} (its own error is above)",
                            RESTARTS + 1,
                            describe(status)
                        ),
                    );
                    continue;
                }
                match self.start(p.stage) {
                    Ok(child) => {
                        p.child = child;
                        p.restarts += 1;
                    }
                    Err(error) => {
                        p.ended = Some(status);
                        self.run.thread_refused(
                            &format!("the {} process", p.stage.name()),
                            &error,
                        );
                    }
                }
            }
            let ended = |stage: Stage| {
                processes
                    .iter()
                    .filter(|p| p.stage == stage)
                    .all(|p| p.ended.is_some())
            };
            if ended(Stage::Upload) {
                self.uploads_ended.store(true, Relaxed);
            }
            if processes.iter().all(|p| p.ended.is_some()) {
                break;
            }
            // A broker that failed the run is asked nothing more: each call
            // would wait for its timeout. A connection that failed (a signal
            // cut a read short) is made again.
            if self.shared.is_lost() {
                conn = None;
            } else if conn.is_none() {
                conn = self.shared.connect().ok();
            }
            if let Some(c) = conn.as_mut() {
                let mut answered = self.sample(c, &mut watched.peaks);
                if answered && last_mirror.elapsed() >= PUBLISH_EVERY {
                    answered = self.mirror(c);
                    last_mirror = Instant::now();
                }
                if !answered {
                    conn = None;
                }
            }
            // Once the work is done or the run stopped, the processes have a
            // grace period to end on their own.
            if self.collected_all.load(Relaxed) && done_at.is_none() {
                done_at = Some(Instant::now());
            }
            let since = stopping.or(done_at);
            if since.is_some_and(|at| at.elapsed() > GRACE) {
                for p in processes.iter_mut().filter(|p| p.ended.is_none()) {
                    let _ = p.child.kill();
                }
            }
            thread::sleep(TICK);
        }
        for p in &mut processes {
            if p.ended.is_none() {
                let _ = p.child.kill();
                let _ = p.child.wait();
            }
        }
        watched
    }

    fn return_slots(&self, conn: &mut Connection, stage: Stage, pid: u32) {
        let output = self.queues.output_of(stage);
        for index in 0..self.run.config().workers[stage.index()] {
            let putter = crate::consumer_name(stage, Some(pid), index);
            let _ = output.return_slots_of(conn, &putter);
        }
    }

    /// Shows in this process's probes what every stage's processes have
    /// published so far (each stage's first slot holds the sum), for whoever
    /// watches the run here: the lab's progress bars and their queue depths.
    /// `false` if the connection to the broker failed.
    fn mirror(&self, conn: &mut Connection) -> bool {
        let published =
            match gather(conn, &self.shared.prefix, &[], Duration::ZERO) {
                Ok(published) => published,
                Err(error) => return !error.is_io_error(),
            };
        let probes = self.run.probes();
        for stage in Stage::ALL {
            if probes.workers_of(stage) == 0 {
                continue;
            }
            let mut sum = pipeline_core::WorkerCounts::default();
            for p in published.iter().filter(|p| p.stage == stage.name()) {
                sum.polls += p.report.polls();
                sum.got += p.got;
                sum.done += p.report.done();
                sum.failed += p.report.failed();
            }
            probes.mirror(stage, 0, sum);
        }
        true
    }

    /// Each stage's input's depth into its peak; `false` if the connection
    /// to the broker failed (an error of the server's is not that).
    fn sample(&self, conn: &mut Connection, peaks: &mut [u64; 3]) -> bool {
        for stage in Stage::ALL {
            match self.queues.input_of(stage).depth(conn) {
                Ok((lag, _)) => {
                    let peak = &mut peaks[stage.index()];
                    *peak = (*peak).max(lag);
                }
                Err(error) if error.is_io_error() => return false,
                Err(_) => {}
            }
        }
        true
    }
}

fn describe(status: ExitStatus) -> String {
    #[cfg(unix)]
    let signal = std::os::unix::process::ExitStatusExt::signal(&status);
    #[cfg(not(unix))]
    let signal: Option<i32> = None;
    match (status.code(), signal) {
        (Some(code), _) => format!("exit code {code}"),
        (None, Some(signal)) => format!("killed by signal {signal}"),
        (None, None) => "ended".into(),
    }
}

/// A number of receipts between 1 and half of `items`, not known in advance.
fn random_moment(items: u64) -> u64 {
    use std::hash::{BuildHasher, RandomState};
    let random = RandomState::new().hash_one(Instant::now());
    1 + random % (items / 2).max(1)
}

/// Everything the stage processes of run `run` published, the last of each,
/// waiting up to `wait` for those that have not published their last yet
/// (and are not among `dead`).
fn gather(
    conn: &mut Connection,
    run: &str,
    dead: &[Ending],
    wait: Duration,
) -> RedisResult<Vec<Published>> {
    let until = Instant::now() + wait;
    loop {
        let keys: Vec<String> =
            redis::cmd("SMEMBERS").arg(members_key(run)).query(conn)?;
        let mut all = Vec::new();
        for key in keys {
            let text: Option<String> =
                redis::cmd("GET").arg(&key).query(conn)?;
            if let Some(published) =
                text.and_then(|t| serde_json::from_str::<Published>(&t).ok())
            {
                all.push(published);
            }
        }
        let waiting = all.iter().any(|p| {
            !p.last
                && !dead
                    .iter()
                    .any(|d| d.pid == p.process.pid && p.process.host == host())
        });
        if !waiting || Instant::now() >= until {
            all.sort_by_key(|p| {
                (
                    Stage::ALL.iter().position(|s| s.name() == p.stage),
                    p.process.pid,
                )
            });
            return Ok(all);
        }
        thread::sleep(TICK);
    }
}

/// The coordinator's report made whole: each stage's workers, failures and
/// redeliveries from the processes that ran it, the queues' sampled peaks,
/// and one line per process.
pub(crate) fn merge(
    report: &mut Report,
    conn: Option<&mut Connection>,
    queues: &Queues,
    run: &str,
    watched: &Watched,
    collected: &HashSet<u64>,
) {
    let dead: Vec<Ending> = watched
        .endings
        .iter()
        .filter(|e| e.status.is_some_and(|s| !s.success()))
        .cloned()
        .collect();
    let mut conn = conn;
    let published = conn
        .as_deref_mut()
        .and_then(|conn| gather(conn, run, &dead, Duration::from_secs(2)).ok())
        .unwrap_or_default();
    // Where a stopped run left its items, as the broker has them: waiting in
    // a queue, or held by a consumer that had not acked them (none, for a run
    // that completed).
    if let Some(conn) = conn {
        locate(report, conn, queues, collected);
    }
    let me = ProcessReport {
        role: "camera+collector".into(),
        pid: std::process::id(),
        host: host(),
        workers: 0,
        done: report.items_out,
        failed: 0,
        redelivered: 0,
        cpu_s: pipeline_core::process_cpu_time().as_secs_f64(),
        max_rss_bytes: pipeline_core::max_rss_bytes(),
        ended: report.outcome.to_string(),
    };
    let mut processes = vec![me];
    for stage in &mut report.stages {
        stage.workers.clear();
        stage.failures.clear();
        stage.redelivered = 0;
    }
    let mut cpu_s = 0.0;
    for p in &published {
        let Some(stage) = report.stages.iter_mut().find(|s| s.name == p.stage)
        else {
            continue;
        };
        stage.workers.extend(p.report.workers.iter().copied());
        merge_failures(&mut stage.failures, &p.report.failures);
        stage.redelivered += p.process.redelivered;
        let mut process = p.process.clone();
        // One that died before its last word: how it died, from its exit.
        let ending = dead
            .iter()
            .find(|d| d.pid == process.pid && process.host == host())
            .and_then(|d| d.status);
        match (p.last, ending) {
            (true, _) => {}
            (false, Some(status)) => process.ended = describe(status),
            (false, None) => {
                process.ended = "gone without its last report".into();
            }
        }
        cpu_s += process.cpu_s;
        processes.push(process);
    }
    for (stage, peak) in report.stages.iter_mut().zip(watched.peaks) {
        stage.queue_peak = peak;
    }
    report.failed = report.stages.iter().map(StageReport::failed).sum();
    report.unfinished = report
        .items_in
        .saturating_sub(report.items_out + report.failed);
    // The coordinator's own count had no stage's failures: with them, an item
    // it took for missing may be one that failed.
    if report.outcome == pipeline_core::ITEMS_MISSING && report.unfinished == 0
    {
        report.outcome = pipeline_core::COMPLETED;
        if let Some(me) = processes.first_mut() {
            me.ended = report.outcome.to_string();
        }
    }
    report.process_cpu_s += cpu_s;
    // The heap counted here is this process's alone: not the run's.
    report.peak_heap_bytes = None;
    report.max_rss_bytes =
        Some(processes.iter().map(|p| p.max_rss_bytes).sum());
    report.processes = processes;
}

fn merge_failures(into: &mut Vec<FailureKind>, from: &[FailureKind]) {
    for failure in from {
        match into.iter_mut().find(|f| f.kind == failure.kind) {
            Some(kind) => kind.count += failure.count,
            None => into.push(failure.clone()),
        }
    }
}

/// Publishes the run's config for its stage processes.
pub(crate) fn publish_config(
    conn: &mut Connection,
    run: &str,
    config: &Config,
) -> RedisResult<()> {
    let json = serde_json::to_string(config).expect("a config serialises");
    redis::cmd("SET").arg(config_key(run)).arg(json).query(conn)
}

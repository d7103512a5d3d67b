//! What every pipeline shares around its queues: the source, the collector,
//! joining workers, and turning the probes into a [`Report`].

use std::io;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering::Acquire, Ordering::Relaxed, fence};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::thread::{self, Scope, ScopedJoinHandle};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use thiserror::Error;

use crate::broker::BrokerKind;
use crate::config::{Config, ConfigError, DEFAULT_POLL_SLEEP_MS, Stage};
use crate::failures;
use crate::fit;
use crate::heap;
use crate::platform::process_cpu_time;
use crate::probe::{Bare, Counting, Probes, Probing};
use crate::recorder::{Buffer, Kind};
use crate::report::{
    COMPLETED, ITEMS_MISSING, Latency, Machine, Outcome, Report, SCHEMA, STOPPED_FROM_OUTSIDE,
    StageReport, WorkerReport,
};
use crate::stages::{Job, Receipt, Stages};
use crate::stop::Stop;
use crate::threads::{panic_message, worker_thread_name};
use crate::timeline::Recording;

/// A run that could not start or did not finish.
#[derive(Debug, Error)]
pub enum PipelineError {
    /// The config was refused before any thread started.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A stage panicked; every thread was joined; `report` says what was done before.
    #[error("the {stage} stage panicked: {message}")]
    StagePanicked {
        /// The first stage that panicked.
        stage: Stage,
        /// The panic's message.
        message: String,
        /// What the run did before it stopped.
        report: Box<Report>,
    },
    /// The broker between the stages failed during the run (it was stopped or
    /// became unreachable): the run was stopped, every thread was joined;
    /// `report` says what was done before.
    #[error("lost the broker at {broker}: {reason}")]
    BrokerLost {
        /// The broker's URL.
        broker: String,
        /// What the client said.
        reason: String,
        /// What the run did before it stopped.
        report: Box<Report>,
    },
    /// A process of the run (a stage in a process of its own) failed again and
    /// again, and was not started once more: the run was stopped, every thread
    /// was joined; `report` says what was done before.
    #[error("{process} failed: {reason}")]
    ProcessFailed {
        /// The process: `the resize process`.
        process: String,
        /// How it ended, and how often.
        reason: String,
        /// What the run did before it stopped.
        report: Box<Report>,
    },
    /// The operating system refused a thread: the run was stopped, every thread
    /// that had started was joined; `report` says what was done before.
    #[error("cannot start {thread} ({reason}): use fewer workers")]
    ThreadRefused {
        /// The thread refused, as it would have been named: `worker resize-3`,
        /// `the camera`.
        thread: String,
        /// What the system said, without its error number.
        reason: String,
        /// What the run did before it stopped.
        report: Box<Report>,
    },
}

impl PipelineError {
    /// The report of a run that started and stopped early (a panic, a refused
    /// thread); `None` for a config refused before any thread started.
    pub fn report(&self) -> Option<&Report> {
        match self {
            PipelineError::Config(_) => None,
            PipelineError::StagePanicked { report, .. }
            | PipelineError::BrokerLost { report, .. }
            | PipelineError::ProcessFailed { report, .. }
            | PipelineError::ThreadRefused { report, .. } => Some(report),
        }
    }

    /// [`PipelineError::report`], to change: a backend adds what only it
    /// knows to the report of a run that stopped early.
    pub fn report_mut(&mut self) -> Option<&mut Report> {
        match self {
            PipelineError::Config(_) => None,
            PipelineError::StagePanicked { report, .. }
            | PipelineError::BrokerLost { report, .. }
            | PipelineError::ProcessFailed { report, .. }
            | PipelineError::ThreadRefused { report, .. } => Some(report),
        }
    }
}

/// Asks whether the operating system gives the thread named `name` (`resize-3`,
/// `camera`): the real gate ([`os_gives_every_thread`]) lets the OS answer, a
/// test's may refuse, to see the run end as it would on a refusal.
pub type ThreadGate = fn(name: &str) -> io::Result<()>;

/// The gate of every real run: asks nothing, the OS answers the spawn itself.
pub fn os_gives_every_thread(_name: &str) -> io::Result<()> {
    Ok(())
}

/// One kind of run of a backend's pipeline: [`Handoff::pipeline`] for one kind of probe.
pub type PipelineFn = fn(&Run) -> Result<Report, PipelineError>;

/// Declares the [`Backend`] of a [`Handoff`]: `backend!(pub const BACKEND = Mpsc);`.
///
/// Core derives every kind of run from the one generic pipeline
/// ([`Handoff::pipeline`]), each compiled once, in the crate that declares the
/// backend, with that crate's optimisation: the registry, the benches and the lab
/// that name the backend link to those instances instead of compiling every
/// pipeline again for every kind of probe.
///
/// ```
/// use pipeline_core::{Handoff, PipelineError, Probing, Report, Run};
///
/// struct Nothing;
///
/// impl Handoff for Nothing {
///     const NAME: &'static str = "nothing";
///     const RENDEZVOUS: bool = false;
///     const POLLS: bool = false;
///     fn pipeline<P: Probing>(run: &Run) -> Result<Report, PipelineError> {
///         run.finish(run.collector())
///     }
/// }
///
/// pipeline_core::backend!(
///     /// The backend that hands nothing over.
///     pub const NOTHING = Nothing
/// );
/// assert_eq!(NOTHING.name, "nothing");
/// ```
#[macro_export]
macro_rules! backend {
    ($(#[$meta:meta])* $vis:vis const $name:ident = $handoff:ty) => {
        $(#[$meta])*
        $vis const $name: $crate::Backend = {
            #[inline(never)]
            fn counting(run: &$crate::Run) -> Result<$crate::Report, $crate::PipelineError> {
                <$handoff as $crate::Handoff>::pipeline::<$crate::Counting>(run)
            }
            #[inline(never)]
            fn bare(run: &$crate::Run) -> Result<$crate::Report, $crate::PipelineError> {
                <$handoff as $crate::Handoff>::pipeline::<$crate::Bare>(run)
            }
            #[inline(never)]
            fn recorded(run: &$crate::Run) -> Result<$crate::Report, $crate::PipelineError> {
                <$handoff as $crate::Handoff>::pipeline::<$crate::Recording>(run)
            }
            $crate::Backend::with_pipelines::<$handoff>([counting, bare, recorded])
        };
    };
}

/// One way of handing work between threads, as its crate writes it: a name, what
/// its queues can do, and one pipeline, generic over the kind of probe. Core derives
/// every kind of run from that one function ([`backend!`]), so a
/// new kind of probe touches no backend, and a new backend writes no run of its own.
pub trait Handoff {
    /// The backend's name: polling, condvar, mpsc, crossbeam, flume or kanal.
    const NAME: &'static str;
    /// Whether a capacity of 0 (a rendezvous) is possible.
    const RENDEZVOUS: bool;
    /// Whether its workers poll (and so take a sleep between empty polls).
    const POLLS: bool;
    /// Whether its workers are tasks on a runtime's few threads rather than a
    /// thread each: then no worker count meets the operating system's limit on
    /// threads, and a worker's own CPU time is not measured (a task moves
    /// between threads, and a thread's CPU clock is all there is to read).
    const TASKS: bool = false;
    /// Whether a worker that finds its queue empty keeps a core busy for a
    /// while before it parks (kanal's `recv` yields 256 times): then a stage
    /// of thousands of workers is
    /// refused above [`fit::SPINNING_WAITERS_PER_CORE`] a core
    /// ([`fit::check_spinning_waiters`]).
    const SPINS_BEFORE_PARKING: bool = false;
    /// Whether its queues live in a broker, a server outside the process, and
    /// what that broker offers the lab and the benches.
    const BROKER: Option<&'static BrokerKind> = None;

    /// Builds the queues, starts the threads, runs the items through, joins; every
    /// worker's probe is a `P::Worker`.
    fn pipeline<P: Probing>(run: &Run) -> Result<Report, PipelineError>;
}

/// A [`Handoff`] as the tests, the lab and the benches see it: its name, what its
/// queues can do, and its pipeline for each kind of run.
#[derive(Clone, Copy, Debug)]
pub struct Backend {
    /// polling, condvar, mpsc, crossbeam, flume or kanal.
    pub name: &'static str,
    /// Whether a capacity of 0 (a rendezvous) is possible.
    pub rendezvous: bool,
    /// Whether its workers poll (and so take a sleep between empty polls).
    pub polls: bool,
    /// Whether its workers are tasks rather than a thread each ([`Handoff::TASKS`]).
    pub tasks: bool,
    /// Whether a waiting worker keeps a core busy before it parks
    /// ([`Handoff::SPINS_BEFORE_PARKING`]).
    pub spins_before_parking: bool,
    /// Its broker, if its queues live in one ([`Handoff::BROKER`]).
    pub broker: Option<&'static BrokerKind>,
    /// The pipeline with counting probes, with none, and with recording ones.
    counting: PipelineFn,
    bare: PipelineFn,
    recorded: PipelineFn,
}

impl Backend {
    /// The backend of `H` with its pipeline for counting probes, for none and for
    /// recording ones, in that order: what [`backend!`] expands to.
    #[doc(hidden)]
    pub const fn with_pipelines<H: Handoff>(
        [counting, bare, recorded]: [PipelineFn; 3],
    ) -> Backend {
        Backend {
            name: H::NAME,
            rendezvous: H::RENDEZVOUS,
            polls: H::POLLS,
            tasks: H::TASKS,
            spins_before_parking: H::SPINS_BEFORE_PARKING,
            broker: H::BROKER,
            counting,
            bare,
            recorded,
        }
    }

    /// Runs the pipeline on `config`.
    pub fn run(&self, config: &Config) -> Result<Report, PipelineError> {
        self.run_with(config, Arc::new(Probes::new(config)))
    }

    /// Runs the pipeline on `config`, counting into `probes` (which the caller may
    /// read while the run goes on, for progress or depth sampling).
    pub fn run_with(&self, config: &Config, probes: Arc<Probes>) -> Result<Report, PipelineError> {
        self.run_gated(config, probes, os_gives_every_thread)
    }

    /// [`Backend::run_with`], each thread's start first asked of `gate`: a gate
    /// that refuses a thread makes the run end as an OS that refuses it would.
    pub fn run_gated(
        &self,
        config: &Config,
        probes: Arc<Probes>,
        gate: ThreadGate,
    ) -> Result<Report, PipelineError> {
        let mut run = Run::probed_by::<Counting>(self, config, probes)?;
        run.gate = gate;
        (self.counting)(&run)
    }

    /// Runs the same pipeline on `config` with no probes (see [`crate::Bare`]): only
    /// `items_in`, `items_out`, `wall_s` and `process_cpu_s` of its report are
    /// measured, every other figure is zero. Timing it against [`Backend::run`]
    /// shows what the probes cost.
    pub fn run_bare(&self, config: &Config) -> Result<Report, PipelineError> {
        let run = Run::probed_by::<Bare>(self, config, Arc::new(Probes::new(config)))?;
        (self.bare)(&run)
    }

    /// Runs the pipeline on `config` with [`crate::Recording`] probes: the report
    /// counts what [`Backend::run_with`] counts, and every thread (the camera and
    /// the collector too) records its events into `probes`, whose
    /// [`Probes::timeline`] gives them once the run has ended.
    pub fn run_recorded(
        &self,
        config: &Config,
        probes: Arc<Probes>,
    ) -> Result<Report, PipelineError> {
        let run = Run::probed_by::<Recording>(self, config, probes)?;
        (self.recorded)(&run)
    }

    // ANCHOR: prepare
    /// Checks that `config` suits this backend, and fills in its defaults.
    pub fn prepare(&self, config: &Config) -> Result<Config, ConfigError> {
        config.validate()?;
        let mut config = config.clone();
        if config.capacity == Some(0) && !self.rendezvous {
            return Err(ConfigError::NoRendezvous(self.name));
        }
        self.check_broker_options(&config)?;
        match (self.polls, config.poll_sleep_ms) {
            (true, None) => config.poll_sleep_ms = Some(DEFAULT_POLL_SLEEP_MS),
            (false, Some(_)) => {
                return Err(ConfigError::PollSleepWithoutPolling(self.name));
            }
            _ => {}
        }
        Ok(config)
    }
    // ANCHOR_END: prepare

    /// Refuses a broker's options (its URL, a role, a maximum of deliveries)
    /// for a pipeline whose queues are in the process.
    fn check_broker_options(&self, config: &Config) -> Result<(), ConfigError> {
        let asked = config.broker.is_some() || config.max_deliveries.is_some();
        match self.broker {
            None if asked => Err(ConfigError::NoBroker(self.name)),
            _ => Ok(()),
        }
    }

    /// Refuses `config` (prepared) if this machine cannot run it: its frames do
    /// not fit in memory, or, when every worker is a thread, the operating
    /// system would not give that many threads ([`Backend::check_machine`]);
    /// or its broker does not answer ([`Backend::check_broker`], asked last, so
    /// that a refusal for the rest starts no server). Every run checks this
    /// before its first thread starts; the lab asks it first, to refuse before
    /// it starts anything.
    pub fn check_fit(&self, config: &Config) -> Result<(), ConfigError> {
        self.check_machine(config)?;
        self.check_broker(config)
    }

    /// The part of [`Backend::check_fit`] that asks this machine only: memory,
    /// address space, threads and cores.
    pub fn check_machine(&self, config: &Config) -> Result<(), ConfigError> {
        fit::check_this_machine(config)?;
        fit::check_address_space_this_machine(config, self.tasks)?;
        if !self.tasks {
            fit::check_threads_this_machine(config)?;
        }
        self.check_waiters(config, fit::cores())
    }

    /// The part of [`Backend::check_fit`] that asks the broker, if the pipeline
    /// has one ([`BrokerKind::check`], on the run's broker): it may start a
    /// private server.
    pub fn check_broker(&self, config: &Config) -> Result<(), ConfigError> {
        match self.broker {
            Some(kind) => (kind.check)(config.broker_url()),
            None => Ok(()),
        }
    }

    /// Refuses `config` (prepared) if its waiting workers would keep more
    /// cores busy than `cores` can give and still serve the workers with work
    /// ([`fit::check_spinning_waiters`]): the part of [`Backend::check_fit`]
    /// that depends on the core count alone, so that a report made on a machine
    /// of `cores` can say what the lab would do there.
    pub fn check_waiters(&self, config: &Config, cores: u64) -> Result<(), ConfigError> {
        let spinner = match (self.spins_before_parking, config.poll_sleep_ms) {
            (true, _) => Some("yields its core 256 times"),
            (false, Some(0)) if self.polls => Some("spins"),
            _ => None,
        };
        match spinner {
            Some(how) => fit::check_spinning_waiters(config, self.name, how, cores),
            None => Ok(()),
        }
    }
}

/// A run in progress: the config, the stage functions and the probes, shared by
/// every thread of the pipeline.
#[derive(Debug)]
pub struct Run {
    backend: &'static str,
    config: Config,
    stages: Stages,
    probes: Arc<Probes>,
    /// Whether the source and the collector count (false in a bare run):
    /// [`Probing::COUNTS`] of the run's probes.
    counting: bool,
    /// Whether the source and the collector record their events too:
    /// [`Probing::RECORDS`].
    recording: bool,
    /// When the source started, by the wall clock and the process's CPU clock.
    started: OnceLock<(Instant, Duration)>,
    items_in: AtomicU64,
    /// The stages that panicked, when (as their workers caught it) and why;
    /// shared with the workers' threads, which note their own panic.
    panics: Arc<Mutex<Vec<(Stage, Instant, String)>>>,
    /// Asked before each thread starts.
    gate: ThreadGate,
    /// The first thread the OS refused, or the broker's failure, and why.
    refused: Mutex<Option<Halt>>,
}

/// What stopped a run from outside its stages.
#[derive(Debug, Clone)]
enum Halt {
    /// The OS refused this thread, for this reason.
    ThreadRefused(String, String),
    /// The broker at this URL failed, for this reason.
    BrokerLost(String, String),
    /// This process of the run kept failing, this way.
    ProcessFailed(String, String),
}

impl Run {
    /// Checks `config` for `backend` (and that its frames fit in this machine's
    /// memory) and gets ready for counting probes; no thread starts here.
    pub fn new(
        backend: &Backend,
        config: &Config,
        probes: Arc<Probes>,
    ) -> Result<Run, ConfigError> {
        Run::probed_by::<Counting>(backend, config, probes)
    }

    /// [`Run::new`] for a run whose probes are `P`s: the source and the collector
    /// count and record as `P`'s workers do.
    fn probed_by<P: Probing>(
        backend: &Backend,
        config: &Config,
        probes: Arc<Probes>,
    ) -> Result<Run, ConfigError> {
        let config = backend.prepare(config)?;
        backend.check_fit(&config)?;
        heap::reset_peak();
        probes.begin(backend.tasks);
        Ok(Run {
            backend: backend.name,
            stages: Stages::stopped_by(&config, Arc::clone(probes.stop_signal())),
            config,
            probes,
            gate: os_gives_every_thread,
            refused: Mutex::new(None),
            counting: P::COUNTS,
            recording: P::RECORDS,
            started: OnceLock::new(),
            items_in: AtomicU64::new(0),
            panics: Arc::default(),
        })
    }

    /// The run's config.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The stage functions.
    pub fn stages(&self) -> &Stages {
        &self.stages
    }

    /// The probes.
    pub fn probes(&self) -> &Probes {
        &self.probes
    }

    /// How many workers `stage` has.
    pub fn workers_of(&self, stage: Stage) -> usize {
        self.config.workers_of(stage)
    }

    /// The probe of kind `P` for worker `index` of `stage`; call it first thing in
    /// the worker's thread.
    pub fn worker_probe<P: Probing>(&self, stage: Stage, index: usize) -> P::Worker<'_> {
        P::worker_probe(&self.probes, stage, index)
    }

    /// The polling backend's sleep between two empty polls (zero: spin).
    pub fn poll_sleep(&self) -> Duration {
        Duration::from_millis(self.config.poll_sleep_ms.unwrap_or(DEFAULT_POLL_SLEEP_MS))
    }

    // ANCHOR: source
    /// The camera: puts ids `0..items` with `put`, one per source interval, and
    /// stops early if `put` says the pipeline is gone or the run was stopped.
    /// Returns how many it put.
    pub fn source(&self, mut put: impl FnMut(Job<u64>) -> bool) -> u64 {
        let (start, _) = *self
            .started
            .get_or_init(|| (Instant::now(), process_cpu_time()));
        let interval = self.config.source_interval();
        let mut record = self.recording.then(|| self.recorder_buffer());
        let mut items_in = 0;
        for id in 0..self.config.items {
            if self.probes.is_stopped() {
                break;
            }
            if let Some(buffer) = &mut record {
                buffer.push(Kind::WaitStart);
            }
            if !pace(start, interval, id, self.probes.stop_signal()) {
                break;
            }
            // A bare run measures no latency, and spares the clock read.
            let entered = if self.counting { Instant::now() } else { start };
            let job = Job::new(id, entered, id);
            if let Some(buffer) = &mut record {
                buffer.push(Kind::PutStart);
            }
            if !put(job) {
                break;
            }
            if self.counting {
                self.probes.source_put();
            }
            if let Some(buffer) = &mut record {
                buffer.push(Kind::Put);
            }
            items_in += 1;
        }
        if let Some(buffer) = record {
            self.probes.recorder().source_done(buffer);
        }
        // Stored once at the end: a store per item would keep taking the cache
        // line the workers read their config from.
        self.items_in.store(items_in, Relaxed);
        items_in
    }
    // ANCHOR_END: source

    /// The main thread's tally of arriving receipts.
    pub fn collector(&self) -> Collector<'_> {
        let words = self.config.items.div_ceil(64) as usize;
        Collector {
            run: self,
            latency: Histogram::new_with_bounds(1, 3_600_000_000, 3)
                .expect("valid histogram bounds"),
            seen: vec![0; words],
            items_out: 0,
            duplicates: 0,
            foreign: 0,
            reordered: 0,
            highest: None,
            last_arrival: None,
            last_sample: None,
            sample_every: DEPTH_SAMPLE_INTERVAL,
            record: self.recording.then(|| {
                let mut buffer = self.recorder_buffer();
                buffer.push(Kind::WaitStart);
                buffer
            }),
        }
    }

    fn recorder_buffer(&self) -> Buffer {
        self.probes.recorder().buffer(self.probes.clock())
    }

    /// Notes that a worker of `stage` panicked with `payload` at `at`, and stops the
    /// run: for a worker that is not a thread of [`Run::spawn_worker`] (a task),
    /// whose panic its runner caught.
    pub fn worker_panicked(&self, stage: Stage, at: Instant, payload: &(dyn std::any::Any + Send)) {
        let message = panic_message(payload).to_string();
        self.panics
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((stage, at, message));
        self.probes.stop();
    }

    /// The probes, shared: for a worker that must own what it uses (a task).
    pub fn shared_probes(&self) -> Arc<Probes> {
        Arc::clone(&self.probes)
    }

    /// Asks the run's [`ThreadGate`] whether the thread named `name` may start:
    /// for threads a pipeline starts by other means than [`Run::spawn_worker`]
    /// and [`Run::spawn_camera`] (a runtime's, named `runtime`).
    pub fn may_start(&self, name: &str) -> io::Result<()> {
        (self.gate)(name)
    }

    /// Notes that the operating system refused `thread` (`the runtime's
    /// threads`), and stops the run: [`Run::finish`] then ends it with
    /// [`PipelineError::ThreadRefused`].
    pub fn thread_refused(&self, thread: &str, error: &io::Error) {
        self.refused(thread.to_string(), error);
    }

    /// Joins a stage's workers, noting any that panicked.
    ///
    /// A stopped run waits for each worker's loop to end, not for its thread:
    /// the operating system takes thousands of threads down one after the
    /// other (each gives back its stacks under the process's one lock on its
    /// memory map), which can take seconds on a loaded machine. The threads
    /// are left to end on their own, and the report does not wait for them.
    pub fn join<'scope>(
        &self,
        stage: Stage,
        workers: impl IntoIterator<Item = ScopedJoinHandle<'scope, ()>>,
    ) {
        for worker in workers {
            if self.probes.is_stopped() {
                while !worker.is_finished() {
                    thread::sleep(FINISHED_POLL);
                }
                // What the worker wrote before its end is seen from here on.
                fence(Acquire);
                // Dropped unjoined: its thread ends without anyone waiting,
                // and the scope's end waits only for the worker's closure. A
                // panic it ended with is noted already (`spawn_worker`).
                continue;
            }
            // A worker of `spawn_worker` notes its panic and ends without
            // one; a thread started otherwise is noted as it is joined.
            if let Err(payload) = worker.join() {
                let (at, message) = (Instant::now(), panic_message(&*payload).to_string());
                self.panics
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push((stage, at, message));
            }
        }
    }

    /// Builds the report once every thread has been joined; an error if a stage
    /// panicked (naming the first panic).
    ///
    /// The wall time of a run that went to its end stops when its last item was
    /// accounted for: its receipt arrived, or a stage failed it. A stopped run's
    /// stops now, when every thread has been joined.
    pub fn finish(&self, mut collector: Collector<'_>) -> Result<Report, PipelineError> {
        if let Some(buffer) = collector.record.take() {
            self.probes.recorder().collector_done(buffer);
        }
        let now = Instant::now();
        let (started, cpu_at_start) = *self.started.get_or_init(|| (now, process_cpu_time()));
        let quantile = |q| collector.latency.value_at_quantile(q);
        let stages = Stage::ALL
            .iter()
            .map(|&stage| self.stage_report(stage))
            .collect::<Vec<_>>();
        let items_in = self.items_in.load(Relaxed);
        let failed: u64 = stages.iter().map(StageReport::failed).sum();
        let panics = self.panics.lock().unwrap_or_else(PoisonError::into_inner);
        let first_panic = panics.iter().min_by_key(|(_, at, _)| *at);
        let refused = self
            .refused
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let all_accounted =
            items_in == self.config.items && collector.items_out + failed == items_in;
        let outcome = match (first_panic, &refused) {
            (Some((stage, _, _)), _) => Outcome::Panicked(*stage),
            (None, Some(Halt::ThreadRefused(thread, _))) => Outcome::ThreadRefused(thread.clone()),
            (None, Some(Halt::BrokerLost(..))) => Outcome::LostBroker,
            (None, Some(Halt::ProcessFailed(process, _))) => {
                Outcome::ProcessFailed(process.clone())
            }
            (None, None) if self.probes.is_stopped() && !all_accounted => STOPPED_FROM_OUTSIDE,
            // Every stage ended on its own and yet items are neither out nor
            // failed: a broker's queue lost them (deleted or trimmed by
            // someone else). Never "completed".
            (None, None)
                if items_in == self.config.items && collector.items_out + failed < items_in =>
            {
                ITEMS_MISSING
            }
            (None, None) => COMPLETED,
        };
        let last_failure = Stage::ALL
            .iter()
            .flat_map(|&stage| {
                (0..self.probes.workers_of(stage))
                    .filter_map(move |index| self.probes.failures(stage, index).last_at())
            })
            .max();
        let ended = if outcome == COMPLETED {
            collector.last_arrival.max(last_failure).unwrap_or(now)
        } else {
            now
        };
        let report = Report {
            schema: SCHEMA,
            backend: self.backend.to_string(),
            scenario: None,
            config: self.config.clone(),
            outcome,
            items_in,
            items_out: collector.items_out,
            failed,
            unfinished: items_in.saturating_sub(collector.items_out + failed),
            uncollected: self.probes.done_queue().left(),
            duplicates: collector.duplicates,
            foreign: collector.foreign,
            reordered: collector.reordered,
            wall_s: ended.saturating_duration_since(started).as_secs_f64(),
            ideal_wall_s: self.config.ideal_wall_s(),
            process_cpu_s: (process_cpu_time().saturating_sub(cpu_at_start)).as_secs_f64(),
            peak_heap_bytes: heap::peak_bytes(),
            max_rss_bytes: None,
            broker_peak_bytes: None,
            startup_s: self.probes.startup().map(|startup| startup.as_secs_f64()),
            latency_us: Latency {
                p50: quantile(0.5),
                p99: quantile(0.99),
                max: collector.latency.max(),
            },
            stages,
            processes: Vec::new(),
            dead_letters: Vec::new(),
            machine: Machine::this(),
        };
        match (first_panic, refused) {
            (Some((stage, _, message)), _) => Err(PipelineError::StagePanicked {
                stage: *stage,
                message: message.clone(),
                report: Box::new(report),
            }),
            (None, Some(Halt::ThreadRefused(thread, reason))) => {
                Err(PipelineError::ThreadRefused {
                    thread,
                    reason,
                    report: Box::new(report),
                })
            }
            (None, Some(Halt::BrokerLost(broker, reason))) => Err(PipelineError::BrokerLost {
                broker,
                reason,
                report: Box::new(report),
            }),
            (None, Some(Halt::ProcessFailed(process, reason))) => {
                Err(PipelineError::ProcessFailed {
                    process,
                    reason,
                    report: Box::new(report),
                })
            }
            (None, None) => Ok(report),
        }
    }

    /// What `stage`'s workers have done so far, as the report will say it
    /// (`redelivered` is the backend's to fill in).
    pub fn stage_report(&self, stage: Stage) -> StageReport {
        StageReport {
            name: stage.name().to_string(),
            queue_peak: self.probes.input_of(stage).peak(),
            queued: self.probes.input_of(stage).left(),
            held: self.probes.held_by(stage),
            workers: (0..self.probes.workers_of(stage))
                .map(|index| {
                    let counts = self.probes.worker(stage, index);
                    WorkerReport {
                        polls: counts.polls,
                        done: counts.done,
                        failed: counts.failed,
                        cpu_s: counts.cpu.map(|cpu| cpu.as_secs_f64()),
                        busy_s: counts.busy.map(|busy| busy.as_secs_f64()),
                    }
                })
                .collect(),
            failures: failures::merge(
                (0..self.probes.workers_of(stage)).map(|index| self.probes.failures(stage, index)),
            ),
            redelivered: 0,
        }
    }
}

/// Waits until item `id` is due, one `interval` after the other from `start`
/// (the camera's frame rate; no wait when the interval is zero). Sleeps to an
/// absolute deadline, so the timer's overshoot does not add up over the run.
/// Returns false if `stop` cut the wait short.
pub fn pace(start: Instant, interval: Duration, id: u64, stop: &Stop) -> bool {
    if interval.is_zero() {
        return true;
    }
    match start.checked_add(interval.mul_f64(id as f64)) {
        Some(deadline) => stop.sleep_until(deadline),
        None => stop.sleep(Duration::MAX),
    }
}

impl Run {
    // ANCHOR: spawn_worker
    /// Starts worker `index` of `stage` in `scope`, in a thread named after it
    /// (`resize-2`), so a panic message says where it happened. A panic is
    /// noted with the time its worker caught it, so that the run names the
    /// first of several. If the OS refuses the thread, the run is stopped
    /// (the workers already started end) and its error says so: `None`; a
    /// run already stopped starts no more workers: `None` too.
    pub fn spawn_worker<'scope>(
        &self,
        scope: &'scope Scope<'scope, '_>,
        stage: Stage,
        index: usize,
        worker: impl FnOnce() + Send + 'scope,
    ) -> Option<ScopedJoinHandle<'scope, ()>> {
        let name = worker_thread_name(stage, index);
        let panics = Arc::clone(&self.panics);
        let body = move || {
            let result = panic::catch_unwind(AssertUnwindSafe(worker));
            if let Err(payload) = result {
                // Noted here, not by the join: a stopped run does not join.
                let at = Instant::now();
                let message = panic_message(&*payload).to_string();
                let held = panics.lock();
                let mut panics = held.unwrap_or_else(PoisonError::into_inner);
                panics.push((stage, at, message));
            }
        };
        // A run stopped while its workers start (a signal, a refused thread)
        // starts no more: thousands of them would take seconds to start.
        if self.probes.stop_signal().is_raised() {
            return None;
        }
        let builder = thread::Builder::new().name(name.clone());
        let gate = (self.gate)(&name);
        let started = gate.and_then(|()| builder.spawn_scoped(scope, body));
        started
            .map_err(|error| self.refused(format!("worker {name}"), &error))
            .ok()
    }
    // ANCHOR_END: spawn_worker

    /// Starts the camera, `camera` (the source, then whatever ends the input), in
    /// a thread of its own. If the OS refuses the thread, the run is stopped and
    /// `camera` runs here instead: with the stop up it puts nothing, and only
    /// ends the pipeline's input, so the workers end.
    pub fn spawn_camera<'scope, C: FnOnce() + Send + 'scope>(
        &self,
        scope: &'scope Scope<'scope, '_>,
        camera: C,
    ) -> Camera<'scope> {
        // Kept here too: a thread the OS refuses takes its closure with it.
        let camera = Arc::new(Mutex::new(Some(camera)));
        let theirs = Arc::clone(&camera);
        let take = |camera: &Mutex<Option<_>>| {
            let taken = camera.lock().unwrap_or_else(PoisonError::into_inner).take();
            taken.into_iter().for_each(|camera: C| camera());
        };
        let started = (self.gate)("camera").and_then(|()| {
            thread::Builder::new()
                .name("camera".into())
                .spawn_scoped(scope, move || take(&theirs))
        });
        match started {
            Ok(handle) => Camera(Some(handle)),
            Err(error) => {
                self.refused("the camera".into(), &error);
                take(&camera);
                Camera(None)
            }
        }
    }

    /// Notes that the OS refused `thread`, and stops the run.
    fn refused(&self, thread: String, error: &io::Error) {
        self.halt(Halt::ThreadRefused(thread, os_reason(error)));
    }

    /// Notes that the broker at `broker` failed the run (`reason`: what its
    /// client said), and stops the run; the first failure is the one reported.
    pub fn lost_broker(&self, broker: &str, reason: &str) {
        self.halt(Halt::BrokerLost(broker.to_string(), reason.to_string()));
    }

    /// Notes that `process` (a stage's process: `the resize process`) kept
    /// failing, `reason` saying how, and stops the run
    /// ([`PipelineError::ProcessFailed`]).
    pub fn process_failed(&self, process: &str, reason: &str) {
        self.halt(Halt::ProcessFailed(process.to_string(), reason.to_string()));
    }

    fn halt(&self, halt: Halt) {
        let mut refused = self.refused.lock().unwrap_or_else(PoisonError::into_inner);
        refused.get_or_insert(halt);
        self.probes.stop();
    }
}

/// The camera's thread, or none if the OS refused it.
#[derive(Debug)]
pub struct Camera<'scope>(Option<ScopedJoinHandle<'scope, ()>>);

impl Camera<'_> {
    /// Waits for the camera to end.
    pub fn join(self) {
        if let Some(handle) = self.0 {
            handle.join().expect("the camera thread never panics");
        }
    }
}

/// An I/O error's reason without the `(os error N)` suffix:
/// `Resource temporarily unavailable`.
pub(crate) fn os_reason(error: &io::Error) -> String {
    let text = error.to_string();
    match text.rfind(" (os error ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

/// The main thread's tally of what arrives at the done queue.
#[derive(Debug)]
pub struct Collector<'run> {
    run: &'run Run,
    latency: Histogram<u64>,
    seen: Vec<u64>,
    items_out: u64,
    duplicates: u64,
    foreign: u64,
    reordered: u64,
    highest: Option<u64>,
    last_arrival: Option<Instant>,
    last_sample: Option<Instant>,
    /// The time between two readings of the depths: [`DEPTH_SAMPLE_INTERVAL`], or
    /// more where one reading takes long (a stage of many thousand workers).
    sample_every: Duration,
    /// The collector's own events, in a recorded run.
    record: Option<Buffer>,
}

/// How often a stopped run's join looks whether a worker has ended.
const FINISHED_POLL: Duration = Duration::from_millis(1);

/// How often the collector reads every queue's depth for the peaks, at most.
const DEPTH_SAMPLE_INTERVAL: Duration = Duration::from_millis(1);

/// The collector spends at most about one part in this many of its time reading
/// depths: a reading sums every worker's counts, and with a hundred thousand
/// workers one takes milliseconds.
const DEPTH_SAMPLE_SHARE: u32 = 20;

impl Collector<'_> {
    // ANCHOR: arrived
    /// A receipt arrived at the done queue.
    pub fn arrived(&mut self, receipt: Job<Receipt>) {
        if !self.run.counting {
            // A bare run only counts what came out.
            std::hint::black_box(&receipt);
            self.items_out += 1;
            return;
        }
        let now = Instant::now();
        self.run.probes.collector_got();
        if self
            .last_sample
            .is_none_or(|at| now.duration_since(at) >= self.sample_every)
        {
            // The queue peaks are the largest depths read: read them now and
            // then.
            self.run.probes.sample_depths();
            let took = now.elapsed() * DEPTH_SAMPLE_SHARE;
            self.sample_every = DEPTH_SAMPLE_INTERVAL.max(took);
            self.last_sample = Some(now);
        }
        let micros = now.duration_since(receipt.entered).as_micros() as u64;
        self.latency.saturating_record(micros.max(1));
        let id = receipt.item.id;
        let (word, bit) = ((id / 64) as usize, 1u64 << (id % 64));
        if self.seen[word] & bit != 0 {
            self.duplicates += 1;
        }
        self.seen[word] |= bit;
        if self.highest.is_some_and(|highest| id < highest) {
            self.reordered += 1;
        }
        self.highest = self.highest.max(Some(id));
        self.items_out += 1;
        self.last_arrival = Some(now);
        if let Some(buffer) = &mut self.record {
            buffer.push(Kind::Got);
            buffer.push(Kind::WaitStart);
        }
    }
    // ANCHOR_END: arrived

    /// A receipt arrived from a queue that delivers at least once (a broker
    /// hands what a dead worker held to another): a receipt of an item already
    /// collected is dropped, counted in `duplicates` and not in `items_out`,
    /// and one for no item of the run (its id out of range: someone else put
    /// it on the queue) is dropped, counted in `foreign`.
    /// Whether it was the item's first. (A bare run keeps no ids, and takes
    /// every receipt as the first: it is never run with faults.)
    pub fn arrived_at_least_once(&mut self, receipt: Job<Receipt>) -> bool {
        let id = receipt.item.id;
        if id >= self.run.config.items {
            self.foreign += 1;
            return false;
        }
        let (word, bit) = ((id / 64) as usize, 1u64 << (id % 64));
        let seen = self.seen.get(word).is_some_and(|w| w & bit != 0);
        if self.run.counting && seen {
            self.duplicates += 1;
            return false;
        }
        self.arrived(receipt);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct ByHand;

    impl Handoff for ByHand {
        const NAME: &'static str = "by-hand";
        const RENDEZVOUS: bool = true;
        const POLLS: bool = false;
        fn pipeline<P: Probing>(_: &Run) -> Result<Report, PipelineError> {
            unreachable!("the test drives the run by hand")
        }
    }

    backend!(const BY_HAND = ByHand);

    /// Of several panics, the error names the one that happened first, whatever
    /// the order the workers are joined in.
    #[test]
    fn the_first_of_several_panics_is_named() {
        let config = Config {
            items: 0,
            workers: [1, 2, 1],
            ..Config::default()
        };
        let run = Run::new(&BY_HAND, &config, Arc::new(Probes::new(&config))).unwrap();
        thread::scope(|s| {
            let first = run.spawn_worker(s, Stage::Resize, 1, || panic!("the first panic"));
            let first = first.expect("the OS gives a thread");
            while !first.is_finished() {
                thread::yield_now();
            }
            let second = run.spawn_worker(s, Stage::Resize, 0, || panic!("the second panic"));
            let second = second.expect("the OS gives a thread");
            // Joined in worker order: the later panic first.
            run.join(Stage::Resize, [second, first]);
        });
        match run.finish(run.collector()) {
            Err(PipelineError::StagePanicked {
                stage,
                message,
                report,
            }) => {
                assert_eq!(
                    (stage, message.as_str()),
                    (Stage::Resize, "the first panic")
                );
                assert_eq!(report.outcome, "stopped: panic in resize");
            }
            other => panic!("two panics gave {other:?}"),
        }
    }

    /// A receipt for no item of the run (an id a broker's queue was given by
    /// someone else) is dropped and counted, never indexed: no panic, and the
    /// report still adds up.
    #[test]
    fn a_receipt_out_of_range_is_dropped_and_counted() {
        let config = Config {
            items: 3,
            ..Config::default()
        };
        let run = Run::new(&BY_HAND, &config, Arc::new(Probes::new(&config))).unwrap();
        let mut collector = run.collector();
        let receipt = |id: u64| Job::new(id, Instant::now(), Receipt { id, checksum: 0 });
        for id in [1, 100_000, 1 << 40, u64::MAX, 1] {
            collector.arrived_at_least_once(receipt(id));
        }
        let report = run
            .finish(collector)
            .unwrap_or_else(|error| error.report().cloned().expect("a report"));
        assert_eq!(
            (report.items_out, report.foreign, report.duplicates),
            (1, 3, 1)
        );
    }

    #[test]
    fn a_run_with_nothing_to_do_completes() {
        let config = Config {
            items: 0,
            ..Config::default()
        };
        let run = Run::new(&BY_HAND, &config, Arc::new(Probes::new(&config))).unwrap();
        let report = run.finish(run.collector()).unwrap();
        assert_eq!(report.outcome, COMPLETED);
        assert!(report.wall_s.is_finite() && report.wall_s >= 0.0);
    }
}

//! What a run is asked to do: items, workers, bounds, waits, frames and injected
//! faults; and [`ConfigError`], why a config is refused before any thread starts.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The largest number of items a run accepts.
pub const MAX_ITEMS: u64 = 100_000_000;
/// The largest number of workers a stage accepts.
pub const MAX_WORKERS: usize = 100_000;
/// The largest bound of a queue: bounded channels allocate their slots up front.
pub const MAX_CAPACITY: usize = 1_000_000;
/// The largest wait (stage wait or source interval), in milliseconds.
pub const MAX_WAIT_MS: f64 = 60_000.0;
/// The shortest wait that is not zero, in milliseconds (a microsecond: the
/// timers cannot wait less).
pub const MIN_WAIT_MS: f64 = 0.001;
/// The largest frame side, in pixels.
pub const MAX_FRAME_SIDE: u32 = 4096;
/// The smallest frame side, in pixels: a thumbnail is a quarter of each side.
pub const MIN_FRAME_SIDE: u32 = 4;
/// The largest sleep between two empty polls, in milliseconds.
pub const MAX_POLL_SLEEP_MS: u64 = 10_000;
/// The most deliveries of one entry a broker may be told to allow before it sets
/// the entry aside.
pub const MAX_DELIVERIES: u32 = 1_000;
/// The polling backend's sleep between two empty polls when none is set (the item's 10 ms).
pub const DEFAULT_POLL_SLEEP_MS: u64 = 10;

/// One of the three stages of the pipeline, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// Fetches a frame from the camera (simulated network wait, synthetic frame).
    Download,
    /// Downscales the frame to a thumbnail (real work).
    Resize,
    /// Sends the thumbnail to the gallery (simulated network wait, checksum).
    Upload,
}

impl Stage {
    /// The three stages, in pipeline order.
    pub const ALL: [Stage; 3] = [Stage::Download, Stage::Resize, Stage::Upload];

    /// The stage's name, as used in reports and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Download => "download",
            Stage::Resize => "resize",
            Stage::Upload => "upload",
        }
    }

    /// The stage's position in the pipeline: 0, 1 or 2.
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Stage {
    type Err = ConfigError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Stage::ALL
            .into_iter()
            .find(|stage| stage.name() == s)
            .ok_or_else(|| ConfigError::UnknownStage(s.to_string()))
    }
}

/// What an injected fault does when its item reaches its stage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FaultKind {
    /// The stage returns an error for the item: it is counted as failed, the run goes on.
    Error,
    /// The stage panics: the run stops and reports the stage.
    Panic,
}

/// A fault injected into one stage for one item, to test how a pipeline copes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fault {
    /// The stage that fails.
    pub stage: Stage,
    /// The id of the item it fails on.
    pub item: u64,
    /// Whether it returns an error or panics.
    pub kind: FaultKind,
}

/// Everything a pipeline run is asked to do. Build one from a [`crate::Scenario`] and
/// change what you need, then [`Config::validate`] it (every backend does before it
/// starts a thread).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Config {
    /// How many items the source (the camera) puts into the download queue.
    pub items: u64,
    /// Workers per stage: download, resize, upload.
    pub workers: [usize; 3],
    /// The bound of every queue: `None` is unbounded, `Some(0)` a rendezvous.
    pub capacity: Option<usize>,
    /// The source waits this long between two items (a camera's frame rate), in ms.
    pub source_interval_ms: f64,
    /// The download stage's simulated wait, in ms.
    pub download_ms: f64,
    /// The resize stage's simulated wait, in ms (on top of the real downscale).
    pub resize_ms: f64,
    /// The upload stage's simulated wait, in ms.
    pub upload_ms: f64,
    /// Frame size in pixels, width × height; `None` carries no payload (the item's `object()`).
    pub frame: Option<(u32, u32)>,
    /// Polling backend only: sleep between two empty polls, in ms (0 spins with
    /// `yield_now`). `None` means the backend's default, or "does not poll".
    pub poll_sleep_ms: Option<u64>,
    /// Faults to inject (tests and workshops).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<Fault>,
    /// Where the upload stage also writes each thumbnail as a PNG (the lab's gallery).
    #[serde(skip)]
    pub gallery: Option<PathBuf>,
    /// A pipeline with a broker only: how many times an entry may be delivered
    /// before it is set aside as a dead letter. `None` means the broker's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_deliveries: Option<u32>,
    /// A pipeline with a broker only: which broker, and which part of the run this
    /// process plays. `None` runs the whole pipeline on the broker's default server.
    #[serde(skip)]
    pub broker: Option<OnBroker>,
}

/// Where a run on a broker runs, and which part of it this process plays: the
/// lab's `--broker`, `--processes` and `worker`, as options of the run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OnBroker {
    /// The broker's URL; `None` is the broker's default server (its environment
    /// variable's, or a private one started for the process).
    pub url: Option<BrokerUrl>,
    /// The part of the run this process plays.
    pub role: Role,
}

/// A broker's URL, whose password never shows: [`fmt::Display`] and
/// [`fmt::Debug`] print it with the password replaced by `***`.
///
/// ```
/// use pipeline_core::BrokerUrl;
///
/// let url = BrokerUrl::new("redis://:s3cret@db.example:6379/0");
/// assert_eq!(url.to_string(), "redis://:***@db.example:6379/0");
/// assert!(!format!("{url:?}").contains("s3cret"));
/// assert_eq!(url.secret(), "redis://:s3cret@db.example:6379/0");
/// assert_eq!(url.scheme(), Some("redis"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct BrokerUrl {
    url: String,
    authorities: Option<PathBuf>,
}

impl BrokerUrl {
    /// The URL as given.
    pub fn new(url: impl Into<String>) -> BrokerUrl {
        BrokerUrl {
            url: url.into(),
            authorities: None,
        }
    }

    /// The same URL, reached over TLS trusting the certificate authorities of
    /// the PEM file `path` rather than the broker's default ones.
    pub fn trusting(self, path: impl Into<PathBuf>) -> BrokerUrl {
        BrokerUrl {
            authorities: Some(path.into()),
            ..self
        }
    }

    /// The PEM file of the certificate authorities to trust, if given.
    pub fn authorities(&self) -> Option<&std::path::Path> {
        self.authorities.as_deref()
    }

    /// The URL with its password, for the client that connects (and for nothing
    /// that prints, logs or passes it on a command line).
    pub fn secret(&self) -> &str {
        &self.url
    }

    /// The part before `://`, which says which broker the URL is for.
    pub fn scheme(&self) -> Option<&str> {
        self.url.split_once("://").map(|(scheme, _)| scheme)
    }

    /// The URL with the password of its user information replaced by `***`.
    pub fn shown(&self) -> String {
        redacted(&self.url)
    }
}

/// `url` with the password of its user information (`user:password@`, or
/// `:password@`) replaced by `***`.
fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return url.to_string();
    };
    let user = match userinfo.split_once(':') {
        Some((user, _)) => format!("{user}:***"),
        // A user alone may be a password (Redis's `redis://password@host`).
        None => "***".to_string(),
    };
    format!("{scheme}://{user}@{host}{path}")
}

impl fmt::Display for BrokerUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown())
    }
}

impl fmt::Debug for BrokerUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BrokerUrl({:?})", self.shown())
    }
}

/// The part of a run on a broker that this process plays.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Role {
    /// The whole pipeline in this process.
    #[default]
    Whole,
    /// The camera and the collector here, each stage in a process of its own.
    Coordinator(Spawn),
    /// One stage of a run another process started.
    Worker(Assignment),
}

/// How the process that starts a run starts its stage processes.
#[derive(Clone, Debug)]
pub struct Spawn {
    /// The program: the lab's own executable.
    pub program: PathBuf,
    /// The arguments before the worker's own (`worker`).
    pub args: Vec<std::ffi::OsString>,
    /// A stage whose process is killed with SIGKILL once, at a random moment
    /// (after a random number of receipts, up to half the items): the demo of
    /// a worker that dies holding items.
    pub kill: Option<Stage>,
    /// Told, before the processes start, the command that starts one more
    /// worker of a stage (on this machine or another that reaches the broker).
    pub announce: fn(&str),
}

impl PartialEq for Spawn {
    /// The same program, arguments and kill (where it announces is no part of
    /// what is run).
    fn eq(&self, other: &Spawn) -> bool {
        (&self.program, &self.args, self.kill) == (&other.program, &other.args, other.kill)
    }
}

/// What a stage process is asked to run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignment {
    /// The run's id: the prefix of its keys on the broker.
    pub run: String,
    /// The stage.
    pub stage: Stage,
    /// Its worker threads in this process.
    pub workers: usize,
}

impl Default for Config {
    /// The item's first pipeline: 1000 items, one worker per stage, no waits, no payload.
    fn default() -> Self {
        Config {
            items: 1000,
            workers: [1, 1, 1],
            capacity: None,
            source_interval_ms: 0.0,
            download_ms: 0.0,
            resize_ms: 0.0,
            upload_ms: 0.0,
            frame: None,
            poll_sleep_ms: None,
            faults: Vec::new(),
            gallery: None,
            max_deliveries: None,
            broker: None,
        }
    }
}

impl Config {
    /// The part of a run on a broker this process plays: [`Role::Whole`] unless
    /// [`Config::broker`] says otherwise.
    pub fn role(&self) -> &Role {
        static WHOLE: Role = Role::Whole;
        self.broker.as_ref().map_or(&WHOLE, |on| &on.role)
    }

    /// The broker's URL the run was given, if any.
    pub fn broker_url(&self) -> Option<&BrokerUrl> {
        self.broker.as_ref().and_then(|on| on.url.as_ref())
    }

    /// How many workers `stage` has.
    pub fn workers_of(&self, stage: Stage) -> usize {
        self.workers[stage.index()]
    }

    /// Whether `stage`'s function does any work: a simulated wait, or a frame to
    /// make, downscale or checksum. Only such stages have their busy time timed;
    /// on a stage that only hands items over, two clock reads per item would
    /// cost more than the stage itself.
    pub fn stage_works(&self, stage: Stage) -> bool {
        !self.wait_of(stage).is_zero() || self.frame.is_some()
    }

    /// The simulated wait of `stage`.
    pub fn wait_of(&self, stage: Stage) -> Duration {
        let ms = match stage {
            Stage::Download => self.download_ms,
            Stage::Resize => self.resize_ms,
            Stage::Upload => self.upload_ms,
        };
        Duration::from_secs_f64(ms / 1000.0)
    }

    /// The source's interval between two items.
    pub fn source_interval(&self) -> Duration {
        Duration::from_secs_f64(self.source_interval_ms / 1000.0)
    }

    /// The fault injected at `stage` for item `id`, if any.
    pub fn fault_at(&self, stage: Stage, id: u64) -> Option<FaultKind> {
        self.faults
            .iter()
            .find(|fault| fault.stage == stage && fault.item == id)
            .map(|fault| fault.kind)
    }

    // ANCHOR: ideal_wall
    /// The shortest wall time the configured waits allow, in seconds: the first
    /// item's trip through every stage, then one item per `bottleneck wait /
    /// bottleneck workers` (or per source interval, if slower); when every
    /// stage that waits has a worker per item, all at once, the first trip
    /// alone. `None` when the config has no waits (then there is no ideal to
    /// compare with).
    pub fn ideal_wall_s(&self) -> Option<f64> {
        let waits: Vec<f64> = Stage::ALL
            .iter()
            .map(|&stage| self.wait_of(stage).as_secs_f64())
            .collect();
        let interval = self.source_interval().as_secs_f64();
        let idle = waits.iter().all(|&w| w == 0.0) && interval == 0.0;
        if self.items == 0 || idle {
            return None;
        }
        let pace = Stage::ALL
            .iter()
            .map(|&stage| waits[stage.index()] / self.workers_of(stage) as f64)
            .fold(interval, f64::max);
        let trip: f64 = waits.iter().sum();
        // A stage with a worker for every item, and no source interval: every
        // item's wait overlaps, and the later items add no time at all.
        let overlap = interval == 0.0
            && Stage::ALL.iter().all(|&stage| {
                let each = self.workers_of(stage) as u64 >= self.items;
                waits[stage.index()] == 0.0 || each
            });
        let later = if overlap {
            0.0
        } else {
            (self.items - 1) as f64 * pace
        };
        // Only a source interval, and one item: nothing to wait for.
        Some(trip + later).filter(|&ideal| ideal > 0.0)
    }
    // ANCHOR_END: ideal_wall

    /// Checks every field and says what to change when one is out of range.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.items > MAX_ITEMS {
            return Err(ConfigError::TooManyItems(self.items));
        }
        for stage in Stage::ALL {
            let n = self.workers_of(stage);
            if n == 0 || n > MAX_WORKERS {
                return Err(ConfigError::Workers { stage, workers: n });
            }
        }
        if let Some(capacity) = self.capacity
            && capacity > MAX_CAPACITY
        {
            return Err(ConfigError::Capacity(capacity));
        }
        let waits = [
            ("source interval", self.source_interval_ms),
            ("download wait", self.download_ms),
            ("resize wait", self.resize_ms),
            ("upload wait", self.upload_ms),
        ];
        for (what, ms) in waits {
            let timeable = ms == 0.0 || (MIN_WAIT_MS..=MAX_WAIT_MS).contains(&ms);
            if !ms.is_finite() || !timeable {
                return Err(ConfigError::Wait { what, ms });
            }
        }
        if let Some((w, h)) = self.frame {
            let side = MIN_FRAME_SIDE..=MAX_FRAME_SIDE;
            if !side.contains(&w) || !side.contains(&h) {
                return Err(ConfigError::Frame {
                    width: w,
                    height: h,
                });
            }
        }
        if let Some(ms) = self.poll_sleep_ms
            && ms > MAX_POLL_SLEEP_MS
        {
            return Err(ConfigError::PollSleep(ms));
        }
        if let Some(n) = self.max_deliveries
            && !(1..=MAX_DELIVERIES).contains(&n)
        {
            return Err(ConfigError::MaxDeliveries(n));
        }
        for (at, fault) in self.faults.iter().enumerate() {
            if let Some(earlier) = self.faults[..at]
                .iter()
                .find(|f| (f.stage, f.item) == (fault.stage, fault.item))
            {
                return Err(ConfigError::ConflictingFaults {
                    stage: fault.stage,
                    item: fault.item,
                    first: earlier.kind,
                    second: fault.kind,
                });
            }
            if fault.item >= self.items {
                return Err(ConfigError::FaultNeverFires {
                    stage: fault.stage,
                    item: fault.item,
                    items: self.items,
                });
            }
        }
        Ok(())
    }
}

/// Parses `STAGE:ITEM`, as in `--fail-at resize:10`.
pub fn parse_fault(s: &str, kind: FaultKind) -> Result<Fault, ConfigError> {
    let malformed = || ConfigError::MalformedFault(s.to_string());
    let (stage, item) = s.split_once(':').ok_or_else(malformed)?;
    let stage = stage.trim().parse()?;
    let item = item.trim().parse().map_err(|_| malformed())?;
    Ok(Fault { stage, item, kind })
}

/// `, and N for the threads and the allocator` when there is an overhead.
fn overhead_note(overhead: u64) -> String {
    match overhead {
        0 => String::new(),
        bytes => format!(
            " and {} for the threads and the allocator",
            human_bytes(bytes)
        ),
    }
}

fn tasks_note(tasks: u64, task_bytes: u64) -> String {
    match tasks {
        0 => String::new(),
        tasks => format!(" and {tasks} tasks of {} each", human_bytes(task_bytes)),
    }
}

/// A config refused before any thread starts; the message says what to change.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ConfigError {
    /// Too many items.
    #[error("{0} items is too many: use at most {MAX_ITEMS}")]
    TooManyItems(u64),
    /// A stage with no workers, or absurdly many.
    #[error("the {stage} stage has {workers} workers: give it between 1 and {MAX_WORKERS}")]
    Workers {
        /// The stage.
        stage: Stage,
        /// The workers asked for.
        workers: usize,
    },
    /// A bound too large to allocate.
    #[error("a bound of {0} items is too large: use at most {MAX_CAPACITY}, or no bound")]
    Capacity(usize),
    /// A wait that is negative, not a number, absurdly long, or too short to time.
    #[error(
        "the {what} of {ms:?} ms is out of range: use 0, or a number of ms from {MIN_WAIT_MS} to {MAX_WAIT_MS}"
    )]
    Wait {
        /// Which wait.
        what: &'static str,
        /// The value asked for.
        ms: f64,
    },
    /// A frame too small to downscale or too large to be sensible.
    #[error(
        "a {width}x{height} frame is out of range: each side must be {MIN_FRAME_SIDE} to {MAX_FRAME_SIDE} pixels"
    )]
    Frame {
        /// Width asked for.
        width: u32,
        /// Height asked for.
        height: u32,
    },
    /// A sleep between polls that is absurdly long.
    #[error("a poll sleep of {0} ms is too long: use 0 (spin) to {MAX_POLL_SLEEP_MS} ms")]
    PollSleep(u64),
    /// A poll sleep given to a backend that does not poll.
    #[error(
        "the {0} backend blocks instead of polling: drop the poll sleep, or use the polling backend"
    )]
    PollSleepWithoutPolling(&'static str),
    /// More threads than the operating system would give: the run would fail
    /// halfway through starting its workers.
    #[error(
        "this run needs {needed} threads and this machine gives {room} more ({limit}): \
         use fewer workers, or a pipeline of tasks (tokio)"
    )]
    TooManyThreads {
        /// The threads the run would start: its workers, the camera and the lab's own.
        needed: u64,
        /// How many more threads the tightest limit leaves.
        room: u64,
        /// That limit and what already counts against it: `kernel.pid_max is
        /// 32768 and 78 are in use`.
        limit: String,
    },
    /// More workers of one stage waiting at once than the cores can serve when
    /// a waiting worker keeps a core busy before it parks: they take the cores
    /// from the workers that have work, and the run collapses.
    #[error(
        "{waiters} {backend} workers of one stage would wait at once, and a waiting \
         one {how} before it parks: more than {most} ({per_core} a core on \
         {cores} cores) starve the workers that have work: use fewer workers, or \
         a pipeline whose waits park at once (crossbeam, tokio)"
    )]
    SpinningWaiters {
        /// The pipeline.
        backend: &'static str,
        /// What a waiting worker does: `spins`.
        how: &'static str,
        /// The workers of the largest stage.
        waiters: u64,
        /// The cores of this machine.
        cores: u64,
        /// The most waiting workers a stage may have on them.
        most: u64,
        /// That most, per core.
        per_core: u64,
    },
    /// Threads and tasks whose stacks, arenas and futures need more address
    /// space than `ulimit -v` leaves: the run would fail halfway through
    /// starting them.
    #[error(
        "this run's {threads} threads{} need {} of address space (a stack of {} \
         each, and the allocator's arenas); this process's address-space limit \
         (ulimit -v) leaves {}: {advice}",
        tasks_note(*.tasks, *.task_bytes),
        human_bytes(*.needed),
        human_bytes(*.stack_bytes),
        human_bytes(*.available),
    )]
    AddressSpace {
        /// The threads the run would start.
        threads: u64,
        /// The tasks it would start (0 for a pipeline of threads).
        tasks: u64,
        /// A thread's stack.
        stack_bytes: u64,
        /// A task's heap.
        task_bytes: u64,
        /// The address space they need.
        needed: u64,
        /// What the limit leaves.
        available: u64,
        /// What to change.
        advice: &'static str,
    },
    /// A broker's option given to a pipeline whose queues are in the process.
    #[error("the {0} backend has no broker: a broker's options are for a pipeline with one")]
    NoBroker(&'static str),
    /// A maximum of deliveries out of range.
    #[error("--max-deliveries {0} is out of range: give it between 1 and {MAX_DELIVERIES}")]
    MaxDeliveries(u32),
    /// The broker between the stages cannot be used: not installed, a bad URL,
    /// nothing answering (the message says which, and names the broker).
    #[error("{0}")]
    Broker(String),
    /// A rendezvous asked of a queue that cannot do one.
    #[error("the {0} backend has no rendezvous queue: use a capacity of 1 or more")]
    NoRendezvous(&'static str),
    /// A fault injected at an item the source never sends.
    #[error("the fault at {stage}:{item} would never fire: {}", item_ids(*.items))]
    FaultNeverFires {
        /// The stage of the fault.
        stage: Stage,
        /// The item of the fault.
        item: u64,
        /// The run's items.
        items: u64,
    },
    /// Two faults at the same stage and item.
    #[error("{}", same_item(*.stage, *.item, *.first, *.second))]
    ConflictingFaults {
        /// The stage of both faults.
        stage: Stage,
        /// The item of both faults.
        item: u64,
        /// The first fault's kind.
        first: FaultKind,
        /// The second fault's kind.
        second: FaultKind,
    },
    /// A config whose frames cannot fit in this machine's memory.
    #[error(
        "{what} may hold up to {frames} frames of {} = {}{}; {budget} {} available: {advice}",
        human_bytes(*.frame_bytes),
        human_bytes(.frame_bytes.saturating_mul(*.frames)),
        overhead_note(*.overhead),
        human_bytes(*.available),
    )]
    DoesNotFit {
        /// Which queues hold the frames.
        what: &'static str,
        /// How many frames they may hold at once.
        frames: u64,
        /// The size of one frame.
        frame_bytes: u64,
        /// What the run needs besides the frames: its threads' stacks and the
        /// allocator's overhead.
        overhead: u64,
        /// Whose memory it is: `this machine has`, `this process's address-space
        /// limit (ulimit -v) leaves`.
        budget: &'static str,
        /// The memory there is for it.
        available: u64,
        /// What to change.
        advice: &'static str,
    },
    /// A stage name that is not one of the three.
    #[error("unknown stage '{0}': use {names}", names = either(&Stage::ALL.map(Stage::name)))]
    UnknownStage(String),
    /// A fault that is not `STAGE:ITEM`.
    #[error("malformed fault '{0}': write STAGE:ITEM, e.g. resize:10")]
    MalformedFault(String),
    /// A scenario name that is not one of the presets.
    #[error("unknown scenario '{name}': use one of {}", known.join(", "))]
    UnknownScenario {
        /// The name asked for.
        name: String,
        /// The names there are: [`crate::Scenario::NAMES`], in the book's order.
        known: &'static [&'static str],
    },
}

/// The item ids a run of `items` items has, in words.
fn item_ids(items: u64) -> String {
    match items {
        0 => "the run has no items".into(),
        1 => "the run has 1 item (id 0)".into(),
        n => format!("the run has {n} items (ids 0 to {})", n - 1),
    }
}

fn same_item(stage: Stage, item: u64, first: FaultKind, second: FaultKind) -> String {
    let verb = |kind| match kind {
        FaultKind::Error => "--fail-at",
        FaultKind::Panic => "--panic-at",
    };
    if first == second {
        format!(
            "{} {stage}:{item} is given twice: give each fault once",
            verb(first)
        )
    } else {
        format!(
            "{} {stage}:{item} and {} {stage}:{item} conflict: an item can fail or panic in a stage, not both",
            verb(first),
            verb(second)
        )
    }
}

/// Names in words, the last after "or": `download, resize or upload`.
fn either(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [only] => only.to_string(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

/// A size in the binary unit that suits it, with two or three figures: `48 MiB`,
/// `4.5 GiB`.
fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 || value >= 10.0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_config_is_valid() {
        Config::default().validate().unwrap();
    }

    #[test]
    fn zero_workers_are_refused_with_the_stage_named() {
        let config = Config {
            workers: [1, 0, 1],
            ..Config::default()
        };
        let message = config.validate().unwrap_err().to_string();
        assert!(message.contains("resize"), "{message}");
    }

    #[test]
    fn negative_and_absurd_waits_are_refused() {
        for ms in [-1.0, f64::NAN, MAX_WAIT_MS + 1.0] {
            let config = Config {
                resize_ms: ms,
                ..Config::default()
            };
            assert!(config.validate().is_err(), "{ms} accepted");
        }
    }

    #[test]
    fn waits_too_short_to_time_are_refused_and_say_so_briefly() {
        let config = Config {
            download_ms: 1e-300,
            ..Config::default()
        };
        let message = config.validate().unwrap_err().to_string();
        assert_eq!(
            message,
            "the download wait of 1e-300 ms is out of range: use 0, or a number of ms from 0.001 to 60000"
        );
    }

    #[test]
    fn the_same_item_cannot_fail_and_panic_or_be_given_twice() {
        let fault = |kind| Fault {
            stage: Stage::Resize,
            item: 1,
            kind,
        };
        let with = |faults| Config {
            items: 10,
            faults,
            ..Config::default()
        };
        let message = with(vec![fault(FaultKind::Error), fault(FaultKind::Panic)])
            .validate()
            .unwrap_err()
            .to_string();
        assert_eq!(
            message,
            "--fail-at resize:1 and --panic-at resize:1 conflict: an item can fail or panic in a stage, not both"
        );
        let message = with(vec![fault(FaultKind::Panic), fault(FaultKind::Panic)])
            .validate()
            .unwrap_err()
            .to_string();
        assert_eq!(
            message,
            "--panic-at resize:1 is given twice: give each fault once"
        );
    }

    #[test]
    fn a_fault_past_the_last_item_names_the_ids_in_words() {
        let fault = Fault {
            stage: Stage::Upload,
            item: 10,
            kind: FaultKind::Error,
        };
        let message = |items| {
            Config {
                items,
                faults: vec![fault],
                ..Config::default()
            }
            .validate()
            .unwrap_err()
            .to_string()
        };
        assert!(
            message(10).ends_with("the run has 10 items (ids 0 to 9)"),
            "{}",
            message(10)
        );
        assert!(
            message(1).ends_with("the run has 1 item (id 0)"),
            "{}",
            message(1)
        );
        assert!(
            message(0).ends_with("the run has no items"),
            "{}",
            message(0)
        );
    }

    #[test]
    fn tiny_frames_are_refused() {
        let config = Config {
            frame: Some((2, 48)),
            ..Config::default()
        };
        assert!(config.validate().is_err());
    }

    #[test]
    fn a_fault_past_the_last_item_is_refused() {
        let config = Config {
            items: 10,
            faults: vec![Fault {
                stage: Stage::Upload,
                item: 10,
                kind: FaultKind::Error,
            }],
            ..Config::default()
        };
        assert!(config.validate().is_err());
    }

    #[test]
    fn ideal_wall_time_follows_the_bottleneck() {
        let config = Config {
            items: 1000,
            workers: [3, 4, 5],
            download_ms: 1.0,
            resize_ms: 5.0,
            upload_ms: 2.0,
            ..Config::default()
        };
        let ideal = config.ideal_wall_s().unwrap();
        let expected = 0.008 + 999.0 * 0.005 / 4.0;
        assert!((ideal - expected).abs() < 1e-9, "{ideal} != {expected}");
        assert_eq!(Config::default().ideal_wall_s(), None);
    }

    #[test]
    fn faults_parse_from_stage_and_item() {
        let fault = parse_fault("resize:12", FaultKind::Panic).unwrap();
        assert_eq!(fault.stage, Stage::Resize);
        assert_eq!(fault.item, 12);
        assert!(parse_fault("resize", FaultKind::Panic).is_err());
        assert!(parse_fault("crop:1", FaultKind::Panic).is_err());
        assert!(parse_fault("resize:-1", FaultKind::Panic).is_err());
    }

    #[test]
    fn an_unknown_stage_is_answered_with_the_three_names() {
        let message = "crop".parse::<Stage>().unwrap_err().to_string();
        assert_eq!(
            message,
            "unknown stage 'crop': use download, resize or upload"
        );
        assert_eq!(either(&["a"]), "a");
        assert_eq!(either(&["a", "b"]), "a or b");
    }

    #[test]
    fn sizes_are_written_in_the_unit_that_suits_them() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(3 << 29), "1.5 GiB");
        assert_eq!(human_bytes(48 << 20), "48 MiB");
    }
}

//! The errors: a refused config, a stage that failed one item, a run that stopped.

use thiserror::Error;

use crate::config::{
    FaultKind, MAX_CAPACITY, MAX_FRAME_SIDE, MAX_ITEMS, MAX_POLL_SLEEP_MS, MAX_WAIT_MS,
    MAX_WORKERS, MIN_FRAME_SIDE, MIN_WAIT_MS, Stage,
};
use crate::report::Report;

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
        "{what} may hold up to {frames} frames of {} = {}; this machine has {} available: {advice}",
        crate::fit::human_bytes(*.frame_bytes),
        crate::fit::human_bytes(.frame_bytes.saturating_mul(*.frames)),
        crate::fit::human_bytes(*.available),
    )]
    DoesNotFit {
        /// Which queues hold the frames.
        what: &'static str,
        /// How many frames they may hold at once.
        frames: u64,
        /// The size of one frame.
        frame_bytes: u64,
        /// The memory the machine has for it.
        available: u64,
        /// What to change.
        advice: &'static str,
    },
    /// A stage name that is not one of the three.
    #[error("unknown stage '{0}': use download, resize or upload")]
    UnknownStage(String),
    /// A fault that is not `STAGE:ITEM`.
    #[error("malformed fault '{0}': write STAGE:ITEM, e.g. resize:10")]
    MalformedFault(String),
    /// A scenario name that is not one of the presets.
    #[error(
        "unknown scenario '{0}': use one of book, camera, fanout, bottleneck, paced, throughput"
    )]
    UnknownScenario(String),
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

/// A stage could not handle one item: the item is counted as failed and the run goes on.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("the {stage} stage failed on item {item}: {reason}")]
pub struct StageError {
    /// The stage.
    pub stage: Stage,
    /// The item.
    pub item: u64,
    /// What went wrong: its kind, then `": "` and the details, if any.
    pub reason: String,
}

impl StageError {
    /// The kind of failure: the reason up to its first `": "` (all of it if it has none).
    pub fn kind(&self) -> &str {
        self.reason
            .split_once(": ")
            .map_or(self.reason.as_str(), |(kind, _)| kind)
    }
}

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
}

//! The report of one run: the JSON every tool writes and reads (schema 3).

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::config::{Config, Stage};
use crate::failures::FailureKind;

/// The report's schema version.
///
/// 2: `outcome` (how the run ended), `stages[].failures` (why items failed), and
/// `wall_s` ending when the last item is accounted for (arrived or failed).
/// 3: where a stopped run left its items: `unfinished`, `uncollected`,
/// `stages[].queued` and `stages[].held`, so that `items_in = items_out + failed +
/// unfinished` on every ending.
pub const SCHEMA: u32 = 3;

/// How a run ended: a type, written in reports as the words its
/// [`fmt::Display`] gives (`completed`, `stopped: panic in resize`, …), which
/// is also how it is read back.
///
/// ```
/// use pipeline_core::{Outcome, Stage};
///
/// let panicked = Outcome::Panicked(Stage::Resize);
/// assert_eq!(panicked.to_string(), "stopped: panic in resize");
/// assert_eq!("stopped: panic in resize".parse::<Outcome>(), Ok(panicked.clone()));
/// assert!(panicked.stopped() && !Outcome::Completed.stopped());
/// for outcome in [Outcome::Completed, Outcome::Interrupted, Outcome::StoppedFromOutside,
///     Outcome::ItemsMissing, Outcome::LostBroker,
///     Outcome::ThreadRefused("worker resize-3".into()),
///     Outcome::ProcessFailed("the resize process".into())] {
///     assert_eq!(outcome.to_string().parse::<Outcome>(), Ok(outcome));
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Every item came out or failed, and every stage ended on its own.
    Completed,
    /// Ctrl-C or SIGTERM stopped it.
    Interrupted,
    /// [`crate::Probes::stop`] stopped it, for no other reason it knows.
    StoppedFromOutside,
    /// It ended, not stopped, with items that neither came out nor failed:
    /// taken from a broker's queues by someone else.
    ItemsMissing,
    /// A stage panicked.
    Panicked(Stage),
    /// The OS refused a thread (its name: `worker resize-3`).
    ThreadRefused(String),
    /// The broker failed during the run.
    LostBroker,
    /// A stage process failed too often (which: `the resize process`).
    ProcessFailed(String),
}

/// How a completed run's [`Report::outcome`] reads.
pub const COMPLETED: Outcome = Outcome::Completed;
/// How an interrupted run's [`Report::outcome`] reads (Ctrl-C, SIGTERM).
pub const INTERRUPTED: Outcome = Outcome::Interrupted;
/// How a run stopped by [`crate::Probes::stop`] for another reason reads.
pub const STOPPED_FROM_OUTSIDE: Outcome = Outcome::StoppedFromOutside;
/// How a run reads that ended, not stopped, with items that neither came out
/// nor failed: taken from a broker's queues by someone else.
pub const ITEMS_MISSING: Outcome = Outcome::ItemsMissing;

impl Outcome {
    /// Whether the run was stopped before its end (by a signal, a panic, a
    /// refused thread, a lost broker, a failed process or from outside).
    pub fn stopped(&self) -> bool {
        !matches!(self, Outcome::Completed | Outcome::ItemsMissing)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Completed => f.write_str("completed"),
            Outcome::Interrupted => f.write_str("interrupted"),
            Outcome::StoppedFromOutside => f.write_str("stopped from outside"),
            Outcome::ItemsMissing => f.write_str("ended with items missing"),
            Outcome::Panicked(stage) => write!(f, "stopped: panic in {stage}"),
            Outcome::ThreadRefused(thread) => write!(f, "stopped: cannot start {thread}"),
            Outcome::LostBroker => f.write_str("stopped: lost the broker"),
            Outcome::ProcessFailed(process) => write!(f, "stopped: {process} failed"),
        }
    }
}

impl FromStr for Outcome {
    type Err = String;

    fn from_str(s: &str) -> Result<Outcome, String> {
        match s {
            "completed" => return Ok(Outcome::Completed),
            "interrupted" => return Ok(Outcome::Interrupted),
            "stopped from outside" => return Ok(Outcome::StoppedFromOutside),
            "ended with items missing" => return Ok(Outcome::ItemsMissing),
            "stopped: lost the broker" => return Ok(Outcome::LostBroker),
            _ => {}
        }
        let stopped = s.strip_prefix("stopped: ");
        if let Some(stage) = stopped.and_then(|r| r.strip_prefix("panic in ")) {
            return stage
                .parse()
                .map(Outcome::Panicked)
                .map_err(|e| e.to_string());
        }
        if let Some(thread) = stopped.and_then(|r| r.strip_prefix("cannot start ")) {
            return Ok(Outcome::ThreadRefused(thread.to_string()));
        }
        if let Some(process) = stopped.and_then(|r| r.strip_suffix(" failed")) {
            return Ok(Outcome::ProcessFailed(process.to_string()));
        }
        Err(format!("no run ends as '{s}'"))
    }
}

impl Serialize for Outcome {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Outcome {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Outcome, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl PartialEq<&str> for Outcome {
    /// Whether it reads as `words`.
    fn eq(&self, words: &&str) -> bool {
        words.parse::<Outcome>().is_ok_and(|o| o == *self)
    }
}

impl PartialEq<String> for Outcome {
    /// Whether it reads as `words`.
    fn eq(&self, words: &String) -> bool {
        words.parse::<Outcome>().is_ok_and(|o| o == *self)
    }
}

fn completed() -> Outcome {
    COMPLETED
}

/// Everything measured in one run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Schema version, [`SCHEMA`].
    pub schema: u32,
    /// The backend: polling, condvar, mpsc, crossbeam, flume or kanal.
    pub backend: String,
    /// The named scenario the config came from, if any.
    pub scenario: Option<String>,
    /// The config the run was given (the polling sleep filled in with its default).
    pub config: Config,
    /// How the run ended: `completed`, `stopped: panic in resize`, `stopped:
    /// cannot start worker resize-3` (the OS refused a thread), `interrupted`
    /// (Ctrl-C or SIGTERM) or `stopped from outside`. Reports written before
    /// schema 2 read as `completed`.
    #[serde(default = "completed")]
    pub outcome: Outcome,
    /// Items the source put into the download queue.
    pub items_in: u64,
    /// Receipts that arrived at the done queue.
    pub items_out: u64,
    /// Items a stage failed on.
    pub failed: u64,
    /// Items a stopped run left unfinished: `items_in - items_out - failed`, 0
    /// when the run completed. Each is counted where it was: in a stage's input
    /// queue (`stages[].queued`), in a stage (`stages[].held`), or as a receipt in
    /// the done queue (`uncollected`). Reports before schema 3 read 0.
    #[serde(default)]
    pub unfinished: u64,
    /// Receipts left in the done queue, never collected (part of `unfinished`).
    #[serde(default)]
    pub uncollected: u64,
    /// Receipts that arrived more than once (always 0 for a correct pipeline).
    pub duplicates: u64,
    /// Receipts for no item of the run (an id out of its range, put on a
    /// broker's queue by someone else): dropped, and counted here.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub foreign: u64,
    /// Receipts that arrived after one with a higher id.
    pub reordered: u64,
    /// Seconds from the first put until the last item was accounted for (its
    /// receipt arrived or a stage failed it); for a stopped run, until every
    /// thread was joined.
    pub wall_s: f64,
    /// The shortest wall time the configured waits allow, if they set one above zero.
    pub ideal_wall_s: Option<f64>,
    /// User + system CPU seconds of the whole process from the first put until
    /// every thread was joined (thread start-up is left out).
    pub process_cpu_s: f64,
    /// The largest live heap during the run, if a counting allocator was installed.
    pub peak_heap_bytes: Option<u64>,
    /// The process's peak resident memory, when the run had a process to itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_rss_bytes: Option<u64>,
    /// The peak memory of the broker's server during the run, sampled: where
    /// the queues of a pipeline with a broker keep their items (the server's
    /// whole memory, every client's keys). `None` without a broker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub broker_peak_bytes: Option<u64>,
    /// Seconds from the run's beginning to the moment its last worker started;
    /// `null` in a run without probes, or one stopped before every worker started.
    #[serde(default)]
    pub startup_s: Option<f64>,
    /// Per-item latency from entering the download queue to arriving at done;
    /// `null` in the JSON (zeros here) when no item arrived to have one.
    #[serde(with = "latency_or_null")]
    pub latency_us: Latency,
    /// One entry per stage, in pipeline order.
    pub stages: Vec<StageReport>,
    /// The processes of a run whose stages ran as processes of their own (a
    /// broker's pipeline with `--processes`), the camera's and collector's
    /// first: what each did, its CPU time and its peak memory. Empty, and left
    /// out of the JSON, for a run in one process.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub processes: Vec<ProcessReport>,
    /// Entries a broker set aside instead of delivering them again: one that
    /// does not decode, or one delivered too many times. An item among them is
    /// counted in `failed` too. Empty, and left out of the JSON, without one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dead_letters: Vec<DeadLetter>,
    /// The machine the run was measured on.
    pub machine: Machine,
}

/// An entry a broker set aside as a dead letter, as the report lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadLetter {
    /// The queue it was in (`download`, `resize`, `upload` or `done`).
    pub queue: String,
    /// Its id on the broker.
    pub entry: String,
    /// Why it was set aside.
    pub why: String,
    /// How many times it had been delivered.
    pub deliveries: u64,
}

/// One process of a run whose stages ran as processes of their own.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProcessReport {
    /// What it ran: `camera+collector`, or a stage's name.
    pub role: String,
    /// Its process id, on its host.
    pub pid: u32,
    /// The host it ran on.
    pub host: String,
    /// Its worker threads (0 for the camera's and collector's process).
    pub workers: usize,
    /// Items its workers finished (for the camera's process: receipts collected).
    pub done: u64,
    /// Items its workers failed on.
    pub failed: u64,
    /// Items its workers took over from a consumer that held them too long.
    pub redelivered: u64,
    /// Its user + system CPU seconds over its whole life (start-up included).
    pub cpu_s: f64,
    /// Its peak resident memory.
    pub max_rss_bytes: u64,
    /// How it ended: `completed`, `stopped`, or `killed by signal 9` (then its
    /// counts are the last it published, a fraction of a second before).
    pub ended: String,
}

/// A latency is at least 1 µs once an item arrived: all zeros means none did,
/// written `null` rather than as a latency of 0.
mod latency_or_null {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::Latency;

    pub fn serialize<S: Serializer>(latency: &Latency, to: S) -> Result<S::Ok, S::Error> {
        Some(latency).filter(|l| l.max > 0).serialize(to)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(from: D) -> Result<Latency, D::Error> {
        Ok(Option::<Latency>::deserialize(from)?.unwrap_or_default())
    }
}

/// Latency percentiles in microseconds (zeros when no item arrived).
#[derive(Clone, Copy, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct Latency {
    /// Median.
    pub p50: u64,
    /// 99th percentile.
    pub p99: u64,
    /// Largest.
    pub max: u64,
}

/// One stage: its input queue's peak and its workers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StageReport {
    /// download, resize or upload.
    pub name: String,
    /// The largest number of items counted in the stage's input queue at once.
    pub queue_peak: u64,
    /// Items left in the stage's input queue when the run ended (0 unless it
    /// was stopped).
    #[serde(default)]
    pub queued: u64,
    /// Items the stage's workers had taken and neither handed on nor failed when
    /// the run ended: cut short in a wait by the stop, the one whose stage
    /// panicked, or one whose next queue was gone.
    #[serde(default)]
    pub held: u64,
    /// One entry per worker.
    pub workers: Vec<WorkerReport>,
    /// Why items failed in this stage: one entry per kind of failure, in the
    /// order the kinds first happened, with their count and first message.
    #[serde(default)]
    pub failures: Vec<FailureKind>,
    /// Items the stage's workers took over from another worker that had held
    /// them unacknowledged too long (a broker's redelivery: a worker that died,
    /// or one too slow); always 0 for the queues in one process.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub redelivered: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl StageReport {
    /// Polls over all the stage's workers.
    pub fn polls(&self) -> u64 {
        self.workers.iter().map(|w| w.polls).sum()
    }

    /// Items done over all the stage's workers.
    pub fn done(&self) -> u64 {
        self.workers.iter().map(|w| w.done).sum()
    }

    /// Seconds spent in the stage function over all the stage's workers; `None`
    /// when the stage was not timed (it does no work).
    pub fn busy_s(&self) -> Option<f64> {
        self.workers.iter().map(|w| w.busy_s).sum()
    }

    /// Items failed over all the stage's workers.
    pub fn failed(&self) -> u64 {
        self.workers.iter().map(|w| w.failed).sum()
    }

    /// CPU seconds over all the stage's workers; `None` when they were tasks,
    /// whose CPU time is not measured.
    pub fn cpu_s(&self) -> Option<f64> {
        self.workers.iter().map(|w| w.cpu_s).sum()
    }
}

/// One worker thread.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkerReport {
    /// Times it asked its input queue for an item.
    pub polls: u64,
    /// Items it finished.
    pub done: u64,
    /// Items its stage function failed on.
    #[serde(default)]
    pub failed: u64,
    /// The thread's own CPU seconds over its whole life; `null` for a task,
    /// which has no CPU clock of its own (the process's CPU time counts it).
    pub cpu_s: Option<f64>,
    /// Wall seconds inside the stage function; `null` for a stage that does no
    /// work (no simulated wait and no frame), whose busy time is not timed.
    #[serde(default)]
    pub busy_s: Option<f64>,
}

impl Report {
    /// Polls over every worker of every stage.
    pub fn total_polls(&self) -> u64 {
        self.stages.iter().map(StageReport::polls).sum()
    }

    /// The stage whose `wait / workers` is the largest: the one that sets the pace.
    pub fn bottleneck(&self) -> Option<&StageReport> {
        Stage::ALL
            .iter()
            .zip(&self.stages)
            .filter(|(stage, _)| !self.config.wait_of(**stage).is_zero())
            .max_by(|(a, _), (b, _)| {
                let pace = |s: Stage| {
                    self.config.wait_of(s).as_secs_f64() / self.config.workers_of(s) as f64
                };
                pace(**a).total_cmp(&pace(**b))
            })
            .map(|(_, report)| report)
    }

    // ANCHOR: utilisation
    /// The bottleneck stage's utilisation: its workers' busy time over `workers
    /// × wall`. Near 1.0 means the hand-offs never kept it waiting. Every busy
    /// moment lies inside the wall time, so it is at most 1.0: the busy time is
    /// taken as at most the capacity, which it can pass only by the difference
    /// between the probes' clock and the wall clock.
    pub fn bottleneck_utilisation(&self) -> Option<f64> {
        let stage = self.bottleneck()?;
        let capacity = stage.workers.len() as f64 * self.wall_s;
        let busy = stage.busy_s()?;
        let usable = capacity > 0.0 && busy.is_finite();
        usable.then(|| busy.min(capacity) / capacity)
    }
    // ANCHOR_END: utilisation

    /// The wall time over the ideal one, when there is an ideal and the run
    /// completed (a stopped run's ratio would compare unlike things).
    pub fn ideal_ratio(&self) -> Option<f64> {
        let ideal = self.ideal_wall_s.filter(|&ideal| ideal > 0.0)?;
        let ratio = self.wall_s / ideal;
        (self.completed() && ratio.is_finite()).then_some(ratio)
    }

    /// Whether the run went to its end (it may still have failed items).
    pub fn completed(&self) -> bool {
        self.outcome == COMPLETED
    }

    /// Where the items a stopped run left unfinished were: per stage, in its input
    /// queue and in its workers, then the done queue's uncollected receipts. On a
    /// counted run they add up to [`Report::unfinished`].
    pub fn unfinished_where(&self) -> Vec<(String, u64)> {
        let mut places = Vec::new();
        for stage in &self.stages {
            places.push((format!("{} queue", stage.name), stage.queued));
            places.push((format!("in {}", stage.name), stage.held));
        }
        places.push(("done queue".into(), self.uncollected));
        places.retain(|(_, count)| *count > 0);
        places
    }

    /// Whether every item the source put failed in some stage (and there was one).
    pub fn all_failed(&self) -> bool {
        self.items_in > 0 && self.items_out == 0 && self.failed >= self.items_in
    }
}

/// The machine a report was measured on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Machine {
    /// Logical CPUs available to the process.
    pub cpus: usize,
    /// The CPU's model name.
    pub cpu_model: String,
    /// Operating system and kernel.
    pub os: String,
    /// The compiler that built the code.
    pub rustc: String,
}

impl Machine {
    /// This machine (read once, then cached).
    pub fn this() -> Machine {
        static MACHINE: OnceLock<Machine> = OnceLock::new();
        MACHINE.get_or_init(Machine::detect).clone()
    }

    fn detect() -> Machine {
        Machine {
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            cpu_model: crate::platform::cpu_model()
                .unwrap_or_else(|| std::env::consts::ARCH.to_string()),
            os: crate::platform::os_description(),
            rustc: env!("PIPELINE_RUSTC_VERSION").to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_latency_is_null_and_reads_back_as_zeros() {
        #[derive(Serialize, Deserialize)]
        struct Wrap(#[serde(with = "latency_or_null")] Latency);
        assert_eq!(
            serde_json::to_string(&Wrap(Latency::default())).unwrap(),
            "null"
        );
        let some = Latency {
            p50: 3,
            p99: 5,
            max: 7,
        };
        let text = serde_json::to_string(&Wrap(some)).unwrap();
        assert_eq!(serde_json::from_str::<Wrap>(&text).unwrap().0, some);
        assert_eq!(
            serde_json::from_str::<Wrap>("null").unwrap().0,
            Latency::default()
        );
    }

    #[test]
    fn machine_is_detected() {
        let machine = Machine::this();
        assert!(machine.cpus >= 1);
        assert!(machine.rustc.starts_with("rustc"), "{}", machine.rustc);
        assert!(!machine.os.is_empty());
    }
}

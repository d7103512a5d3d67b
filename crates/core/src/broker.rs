//! A pipeline whose queues live in a broker, a server outside the process: what
//! it offers the lab and the benches beside its pipeline ([`BrokerKind`]).
//!
//! A backend with a broker says so through [`crate::Handoff::BROKER`]. The lab
//! and the benches then name no broker: they find a pipeline by its URL's scheme
//! ([`BrokerKind::schemes`]), ask it whether a server answers
//! ([`BrokerKind::check`]), run a stage in a process of its own through the run's
//! [`crate::Role`] (and [`BrokerKind::config_of`]), and time one hop with the
//! operations it offers ([`BrokerKind::hop`]) against the server's own benchmark
//! ([`BrokerKind::benchmark`]).

use std::error::Error;
use std::fmt;
use std::ops::Range;
use std::path::PathBuf;

use crate::config::{Assignment, BrokerUrl, Config, ConfigError};

/// What went wrong on a broker: its client's error, as the backend has it.
pub type BrokerFailure = Box<dyn Error + Send + Sync>;

/// Makes a [`BenchmarkPlan`]: on the broker at the URL, `requests` of each
/// command, batches of `batch` items.
pub type PlanFn = fn(&BrokerUrl, u64, usize) -> Result<Box<dyn BenchmarkPlan>, BrokerFailure>;

/// What a pipeline whose queues live in a broker offers the lab and the benches.
pub struct BrokerKind {
    /// The broker's own name, for messages and headings (`Redis`).
    pub name: &'static str,
    /// The schemes its URLs start with (`redis`, `rediss`, `redis+unix`): a
    /// `--broker` URL finds its pipeline by them.
    pub schemes: &'static [&'static str],
    /// What a user should know of its URLs, for the lab's help (TLS, the
    /// authorities trusted): one sentence.
    pub url_note: &'static str,
    /// The environment variable that names a server to use instead of a
    /// private one (`REDIS_URL`); a stage process is given its URL there too,
    /// never on its command line.
    pub env: &'static str,
    /// Checks that the broker at the URL (or the default one: [`BrokerKind::env`]'s,
    /// or a private server it starts) answers and can serve the pipeline:
    /// refused in one line naming the URL, its password hidden, and why.
    pub check: fn(Option<&BrokerUrl>) -> Result<(), ConfigError>,
    /// The default broker's URL: [`BrokerKind::env`]'s, or a private server's,
    /// started for this process and stopped with it.
    pub default_url: fn() -> Result<BrokerUrl, ConfigError>,
    /// Whether a broker can be had here for the tests: where not, says why in
    /// one line naming the package to install, or panics if the variable that
    /// requires it (`PIPELINE_REQUIRE_…=1`) is set.
    pub available_for_tests: fn() -> bool,
    /// The config of the run an assignment names, as its coordinator published
    /// it on the broker (at the URL, or the default one), with the assignment's
    /// workers for its stage: refused in one line if there is no such run.
    pub config_of: fn(Option<&BrokerUrl>, &Assignment) -> Result<Config, ConfigError>,
    /// How one hand-off of a hop is made, in a table's words: item by item
    /// (`None`) or in batches of `n`.
    pub hand_off: fn(Option<usize>) -> String,
    /// A new queue on the broker at the URL, for one hop timed alone.
    pub hop: fn(&BrokerUrl) -> Result<Box<dyn HopQueue>, BrokerFailure>,
    /// The server's own benchmark, for the commands of a hop.
    pub benchmark: ServerBenchmark,
}

impl fmt::Debug for BrokerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BrokerKind")
            .field("name", &self.name)
            .field("schemes", &self.schemes)
            .field("env", &self.env)
            .finish_non_exhaustive()
    }
}

impl BrokerKind {
    /// Whether `url` is one of this broker's.
    pub fn takes(&self, url: &BrokerUrl) -> bool {
        url.scheme().is_some_and(|s| self.schemes.contains(&s))
    }
}

/// A queue made for one hop: a producer's end and a consumer's, each on a
/// connection of its own. Dropping it removes the queue from the broker.
pub trait HopQueue: Send {
    /// The producer's end.
    fn producer(&self) -> Result<Box<dyn HopProducer>, BrokerFailure>;
    /// The consumer's end.
    fn consumer(&self) -> Result<Box<dyn HopConsumer>, BrokerFailure>;
}

/// The end of a hop's queue that puts.
pub trait HopProducer: Send {
    /// Puts the items `ids` in one round trip (one command for one item).
    fn put(&mut self, ids: Range<u64>) -> Result<(), BrokerFailure>;
}

/// The end of a hop's queue that takes.
pub trait HopConsumer: Send {
    /// Acknowledges `done` and takes up to `max` items, in one round trip,
    /// waiting up to about a second for one: the tokens of what it took.
    fn take(&mut self, done: &[String], max: usize) -> Result<Vec<String>, BrokerFailure>;
    /// Acknowledges `done` alone.
    fn ack(&mut self, done: &[String]) -> Result<(), BrokerFailure>;
}

/// The server's own benchmark program, which times the commands of a hop on
/// the same server: the ceiling a hop is read against.
#[derive(Clone, Copy)]
pub struct ServerBenchmark {
    /// The program's name (`redis-benchmark`).
    pub program: &'static str,
    /// Requests it sends per round trip.
    pub pipelined: u32,
    /// Its path here, or why it cannot be run (one line, naming the package).
    pub find: fn() -> Result<PathBuf, String>,
    /// The steps of one measurement on the broker at the URL, `requests` of
    /// each command, with batches of `batch` items.
    pub plan: PlanFn,
    /// The requests per second in the program's output, if it printed them.
    pub rate: fn(&str) -> Option<f64>,
}

/// One measurement by the server's benchmark, a step at a time: each step may
/// depend on what the steps before it left on the server. Dropping the plan
/// removes what it made there.
pub trait BenchmarkPlan {
    /// The next command to run and time, once the ones before it ran: `None`
    /// after the last.
    fn next_step(&mut self) -> Result<Option<BenchmarkStep>, BrokerFailure>;
}

/// One run of the server's benchmark program: one command, timed.
#[derive(Clone, Debug, PartialEq)]
pub struct BenchmarkStep {
    /// What it times, in a table's words (`XREADGROUP COUNT 64`).
    pub command: String,
    /// The program's arguments.
    pub args: Vec<String>,
    /// How many of these an item of a hop needs: item by item, and in batches.
    /// Zero for both for a step that only fills the server for the next ones.
    pub per_item: [f64; 2],
    /// Whether it times one client waiting for each reply: the round trip,
    /// not a share of a hop's commands.
    pub round_trip: bool,
}

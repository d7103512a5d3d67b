//! Every pipeline of pipeline-lab, in one list.
//!
//! A [`Pipeline`] is a backend crate's [`Backend`] and how it is run: its id (for
//! file names, JSON, criterion and the lab's `--backend`), its label (for tables and
//! legends), how its workers wait for work, and its colour in figures. The lab, the
//! benches and their tests take every list of pipelines from [`ALL`], so adding a
//! pipeline is its crate, its dependency in this crate's manifest and its line in
//! [`ALL`] (see ARCHITECTURE.md, "Adding a pipeline").
//!
//! The polling backend is listed twice: sleeping between empty polls, as in the
//! item, and spinning. The Redis pipeline ([`BROKERED`]) is listed too, though it
//! needs a server: where none can be had (no `redis-server`, no `REDIS_URL`),
//! [`pipeline_core::Backend::check_fit`] refuses its runs with
//! [`pipeline_core::ConfigError::Broker`], and every user of [`ALL`] shows its
//! row as not run here rather than stopping.
//!
//! ```
//! use pipeline_registry::{ALL, Pipeline};
//!
//! let ids: Vec<&str> = ALL.iter().map(|p| p.id).collect();
//! assert_eq!(ids[..2], ["polling-sleep", "polling-spin"]);
//! assert_eq!(Pipeline::named("crossbeam").unwrap().backend.name, "crossbeam");
//! ```

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

use pipeline_core::{Backend, Config, DEFAULT_POLL_SLEEP_MS};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Every pipeline, in the order tables, legends and figures show them.
pub const ALL: &[Pipeline] = &[
    POLLING_SLEEP,
    POLLING_SPIN,
    Pipeline::blocking(pipeline_condvar::BACKEND, Rgb(0xCC, 0x79, 0xA7)),
    STD_CHANNEL,
    REFERENCE,
    Pipeline::blocking(pipeline_flume::BACKEND, Rgb(0x56, 0xB4, 0xE9)),
    // Okabe–Ito has no eighth colour that reads on white beside the others: grey.
    Pipeline {
        waits: Waits::YieldsThenBlocks,
        ..Pipeline::blocking(pipeline_kanal::BACKEND, Rgb(0x55, 0x55, 0x55))
    },
    // Tasks, not threads: two colours of Paul Tol's muted scheme.
    TASKS,
    TASKS_OFFLOADED,
    // Across a process boundary: the queues in a Redis server.
    BROKERED,
];

/// The item's poller: a `Mutex<VecDeque>`, sleeping 10 ms after an empty poll.
pub const POLLING_SLEEP: Pipeline = Pipeline {
    id: "polling-sleep",
    label: "polling (sleep 10 ms)",
    backend: pipeline_polling::BACKEND,
    waits: Waits::Sleeps,
    colour: Rgb(0xE6, 0x9F, 0x00),
};

/// The same poller, spinning (`yield_now`) instead of sleeping.
pub const POLLING_SPIN: Pipeline = Pipeline {
    id: "polling-spin",
    label: "polling (spin)",
    backend: pipeline_polling::BACKEND,
    waits: Waits::Spins,
    colour: Rgb(0xD5, 0x5E, 0x00),
};

/// The blocking pipeline built on the standard library's channel alone, which the
/// timelines set beside the two pollers.
pub const STD_CHANNEL: Pipeline = Pipeline::blocking(pipeline_mpsc::BACKEND, Rgb(0x00, 0x72, 0xB2));

/// The pipeline the benches sweep a parameter with, and the one a single-pipeline
/// figure shows: a well-kept channel crate with every kind of bound.
pub const REFERENCE: Pipeline =
    Pipeline::blocking(pipeline_crossbeam::BACKEND, Rgb(0x00, 0x9E, 0x73));

/// The pipeline of tasks: tokio, its CPU-bound resize inline on the runtime.
pub const TASKS: Pipeline = Pipeline::blocking(pipeline_tokio::BACKEND, Rgb(0x88, 0x22, 0x55));

/// The same tasks with the resize on tokio's blocking pool.
pub const TASKS_OFFLOADED: Pipeline =
    Pipeline::blocking(pipeline_tokio::SPAWN_BLOCKING, Rgb(0x99, 0x99, 0x33));

/// The pipeline on Redis Streams, which needs a server (`REDIS_URL`'s, `--broker
/// URL`'s, or a private `redis-server`): in every list, table and figure like the
/// others, and shown as not run here where no server can be had. Its workers block
/// in the server (`XREADGROUP … BLOCK`), one connection each; the facts keep it out
/// of the set of blocking threads, whose hand-offs never leave the process.
pub const BROKERED: Pipeline = Pipeline::blocking(pipeline_redis::BACKEND, Rgb(0xDD, 0xCC, 0x77));

/// The pipelines the lab runs by name besides [`ALL`]: none at present (a
/// pipeline that should not join every table and figure would be listed here).
pub const BY_NAME_ONLY: &[Pipeline] = &[];

/// The pipeline whose broker takes `url` (by its scheme: `redis://…`), for the
/// lab's `worker`, which is given a broker's URL and no backend.
pub fn with_broker_for(url: &pipeline_core::BrokerUrl) -> Option<Pipeline> {
    ALL.iter()
        .chain(BY_NAME_ONLY)
        .copied()
        .find(|p| p.backend.broker.is_some_and(|kind| kind.takes(url)))
}

/// Every broker a pipeline of [`ALL`] runs on, once each.
pub fn brokers() -> Vec<&'static pipeline_core::BrokerKind> {
    let mut kinds: Vec<&'static pipeline_core::BrokerKind> = Vec::new();
    for kind in ALL.iter().filter_map(|p| p.backend.broker) {
        if !kinds.iter().any(|k| std::ptr::eq(*k, kind)) {
            kinds.push(kind);
        }
    }
    kinds
}

/// The backends with a broker, for messages: `redis`.
pub fn with_broker_names() -> String {
    let names: Vec<&str> = ALL
        .iter()
        .chain(BY_NAME_ONLY)
        .filter(|p| p.backend.broker.is_some())
        .map(|p| p.backend.name)
        .collect();
    let mut names = names;
    names.dedup();
    names.join(", ")
}

/// The URLs the brokers take, for help and messages: `redis://…, rediss://…`.
pub fn broker_urls() -> String {
    brokers()
        .iter()
        .flat_map(|kind| kind.schemes.iter().map(|s| format!("{s}://…")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What each broker says of its URLs (TLS, the authorities trusted), for help.
pub fn broker_url_notes() -> String {
    brokers()
        .iter()
        .map(|kind| kind.url_note)
        .collect::<Vec<_>>()
        .join("; ")
}

/// The variables that name each broker's server, for help and messages.
pub fn broker_variables() -> String {
    brokers()
        .iter()
        .map(|kind| kind.env)
        .collect::<Vec<_>>()
        .join(" or ")
}

/// The broker URL a stage process is given: its `--broker`, else the first
/// broker variable that is set.
pub fn broker_url_from_env() -> Option<pipeline_core::BrokerUrl> {
    brokers()
        .iter()
        .find_map(|kind| std::env::var(kind.env).ok().filter(|u| !u.is_empty()))
        .map(pipeline_core::BrokerUrl::new)
}

/// Whether every pipeline with a broker can run here, for the tests: where one
/// cannot, says why in one line (naming the package to install), or panics if
/// its `PIPELINE_REQUIRE_…=1` is set.
pub fn broker_available_for_tests() -> bool {
    brokers()
        .into_iter()
        .all(|kind| (kind.available_for_tests)())
}

/// A colour as red, green and blue, free of any plotting crate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rgb(pub u8, pub u8, pub u8);

/// How a pipeline's workers wait when their queue is empty (or full).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Waits {
    /// They block on the queue, which wakes them.
    Blocks,
    /// They yield their core a while (kanal: up to 256 times), then block: an idle
    /// queue costs them CPU before it costs them nothing.
    YieldsThenBlocks,
    /// They poll, sleeping between empty polls (the config's poll sleep, or
    /// [`DEFAULT_POLL_SLEEP_MS`]).
    Sleeps,
    /// They poll, yielding between empty polls.
    Spins,
}

/// One pipeline: a backend and how it is run.
///
/// Two pipelines are the same when their ids are; they order as [`ALL`] lists
/// them, and serialise as their id.
#[derive(Clone, Copy, Debug)]
pub struct Pipeline {
    /// A short id for file names, JSON, criterion and `--backend`: `polling-sleep`,
    /// `mpsc`, …
    pub id: &'static str,
    /// The name shown in legends and tables.
    pub label: &'static str,
    /// The backend that runs it.
    pub backend: Backend,
    /// How its workers wait.
    pub waits: Waits,
    /// Its colour, the same in every figure (Okabe–Ito, readable with colour blindness).
    pub colour: Rgb,
}

impl Pipeline {
    /// A pipeline whose workers block on their queues, named after its backend.
    pub const fn blocking(backend: Backend, colour: Rgb) -> Pipeline {
        Pipeline {
            id: backend.name,
            label: backend.name,
            backend,
            waits: Waits::Blocks,
            colour,
        }
    }

    /// The pipeline whose id is `id`.
    pub fn named(id: &str) -> Option<Pipeline> {
        ALL.iter().copied().find(|p| p.id == id)
    }

    /// Its place in [`ALL`].
    pub fn position(&self) -> usize {
        ALL.iter()
            .position(|p| p.id == self.id)
            .expect("every pipeline is listed in ALL")
    }

    /// The poller's sleep between empty polls on `config` (0: spin); `None` for a
    /// pipeline that blocks.
    pub fn poll_sleep_ms(&self, config: &Config) -> Option<u64> {
        match self.waits {
            Waits::Blocks | Waits::YieldsThenBlocks => None,
            Waits::Sleeps => Some(config.poll_sleep_ms.unwrap_or(DEFAULT_POLL_SLEEP_MS)),
            Waits::Spins => Some(0),
        }
    }

    /// Whether its workers block on their queue (at once, or after yielding a
    /// while).
    pub fn blocks(&self) -> bool {
        matches!(self.waits, Waits::Blocks | Waits::YieldsThenBlocks)
    }

    /// Whether its workers block on their queue at once, without yielding first.
    pub fn parks_at_once(&self) -> bool {
        self.waits == Waits::Blocks
    }

    /// The other pipeline that runs the same code as this one on `config`, if any:
    /// the offloaded tokio pipeline sends nothing to the blocking pool when items
    /// carry no pixels, so there it is the inline one. The benches time such a
    /// pipeline once, not over and over.
    pub fn runs_as(&self, config: &Config) -> Option<Pipeline> {
        (*self == TASKS_OFFLOADED && config.frame.is_none()).then_some(TASKS)
    }

    /// `config` set up for this pipeline: its poll sleep filled in or cleared.
    pub fn config(&self, config: &Config) -> Config {
        Config {
            poll_sleep_ms: self.poll_sleep_ms(config),
            ..config.clone()
        }
    }

    /// Its label on `config`: a sleeping poller says how long it sleeps.
    pub fn label_on(&self, config: &Config) -> String {
        match self.poll_sleep_ms(config) {
            Some(ms) if self.waits == Waits::Sleeps => {
                format!("{} (sleep {ms} ms)", self.backend.name)
            }
            _ => self.label.to_string(),
        }
    }
}

/// Every backend, once each, in the order of [`ALL`], then [`BY_NAME_ONLY`]'s.
pub fn backends() -> Vec<Backend> {
    let mut backends: Vec<Backend> = Vec::new();
    for pipeline in ALL.iter().chain(BY_NAME_ONLY) {
        if !backends.iter().any(|b| b.name == pipeline.backend.name) {
            backends.push(pipeline.backend);
        }
    }
    backends
}

/// The backend called `name`.
pub fn backend_named(name: &str) -> Option<Backend> {
    backends().into_iter().find(|b| b.name == name)
}

/// The backends' names, in the order of [`ALL`], joined with `", "`: for help
/// texts and error messages.
pub fn backend_names() -> String {
    backends()
        .iter()
        .map(|b| b.name)
        .collect::<Vec<_>>()
        .join(", ")
}

impl PartialEq for Pipeline {
    fn eq(&self, other: &Pipeline) -> bool {
        self.id == other.id
    }
}

impl Eq for Pipeline {}

impl Hash for Pipeline {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.id.hash(state);
    }
}

impl PartialOrd for Pipeline {
    fn partial_cmp(&self, other: &Pipeline) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Pipeline {
    fn cmp(&self, other: &Pipeline) -> Ordering {
        self.position().cmp(&other.position())
    }
}

impl fmt::Display for Pipeline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label)
    }
}

impl Serialize for Pipeline {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.id)
    }
}

impl<'de> Deserialize<'de> for Pipeline {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Pipeline, D::Error> {
        let id = String::deserialize(deserializer)?;
        Pipeline::named(&id).ok_or_else(|| {
            let ids: Vec<&str> = ALL.iter().map(|p| p.id).collect();
            serde::de::Error::custom(format!(
                "unknown pipeline '{id}': expected one of {}",
                ids.join(", ")
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_labels_and_colours_are_distinct() {
        for (i, a) in ALL.iter().enumerate() {
            for b in &ALL[i + 1..] {
                assert_ne!(a.id, b.id);
                assert_ne!(a.label, b.label);
                assert_ne!(a.colour, b.colour, "{} and {}", a.id, b.id);
            }
        }
    }

    #[test]
    fn every_pipeline_prepares_every_scenario_s_configs() {
        for pipeline in ALL {
            for scenario in pipeline_core::Scenario::ALL {
                for config in scenario.configs() {
                    let config = pipeline.config(&config);
                    let prepared = pipeline.backend.prepare(&config);
                    assert!(prepared.is_ok(), "{}: {prepared:?}", pipeline.id);
                }
            }
        }
    }

    #[test]
    fn only_a_polling_backend_is_given_a_poll_sleep() {
        for pipeline in ALL {
            assert_eq!(
                pipeline.blocks(),
                !pipeline.backend.polls,
                "{}",
                pipeline.id
            );
            let sleep = pipeline.config(&Config::default()).poll_sleep_ms;
            assert_eq!(sleep.is_some(), pipeline.backend.polls, "{}", pipeline.id);
        }
        let two = Config {
            poll_sleep_ms: Some(2),
            ..Config::default()
        };
        assert_eq!(POLLING_SLEEP.config(&two).poll_sleep_ms, Some(2));
        assert_eq!(POLLING_SLEEP.label_on(&two), "polling (sleep 2 ms)");
        assert_eq!(
            POLLING_SLEEP.label_on(&Config::default()),
            POLLING_SLEEP.label
        );
        assert_eq!(POLLING_SPIN.config(&two).poll_sleep_ms, Some(0));
    }

    #[test]
    fn each_backend_is_listed_once_and_found_by_name() {
        let backends = backends();
        for (i, a) in backends.iter().enumerate() {
            assert_eq!(backend_named(a.name).map(|b| b.name), Some(a.name));
            assert!(backends[i + 1..].iter().all(|b| b.name != a.name));
        }
        assert!(ALL.iter().all(|p| backend_named(p.backend.name).is_some()));
        assert!(backend_named("redis").is_some_and(|b| b.broker.is_some()));
        assert_eq!(
            ALL.iter()
                .filter(|p| p.backend.broker.is_some())
                .collect::<Vec<_>>(),
            [&BROKERED],
            "one row needs a server"
        );
        assert!(backend_named("nats").is_none());
    }

    #[test]
    fn a_pipeline_serialises_as_its_id_and_orders_as_listed() {
        for (i, pipeline) in ALL.iter().enumerate() {
            let json = serde_json::to_string(pipeline).unwrap();
            assert_eq!(json, format!("\"{}\"", pipeline.id));
            assert_eq!(serde_json::from_str::<Pipeline>(&json).unwrap(), *pipeline);
            assert_eq!(pipeline.position(), i);
        }
        let mut sorted = ALL.to_vec();
        sorted.reverse();
        sorted.sort();
        assert_eq!(sorted, ALL);
        assert!(serde_json::from_str::<Pipeline>("\"nats\"").is_err());
    }

    #[test]
    fn only_the_offloaded_tasks_without_pixels_run_as_another_pipeline() {
        for pipeline in ALL {
            for scenario in pipeline_core::Scenario::ALL {
                let config = scenario.config();
                let twin = pipeline.runs_as(&config);
                let expected =
                    (*pipeline == TASKS_OFFLOADED && config.frame.is_none()).then_some(TASKS);
                assert_eq!(twin, expected, "{} on {}", pipeline.id, scenario.name);
            }
        }
        let config = pipeline_core::Config {
            items: 200,
            ..pipeline_core::Scenario::BOOK.config()
        };
        let inline = TASKS.backend.run(&config).unwrap();
        let offloaded = TASKS_OFFLOADED.backend.run(&config).unwrap();
        assert_eq!(offloaded.items_out, inline.items_out);
        assert_eq!(offloaded.total_polls(), inline.total_polls());
    }
}

//! The six pipelines every bench compares: the five backends, with the polling one
//! run twice (sleeping 10 ms between empty polls, as in the item, and spinning).

use std::fmt;

use pipeline_core::{Backend, Config, DEFAULT_POLL_SLEEP_MS};
use plotters::style::RGBColor;
use serde::{Deserialize, Serialize};

/// One pipeline as the benches see it: a backend, and for the poller, how it waits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Variant {
    /// The item's poller: `Mutex<VecDeque>`, sleeping 10 ms after an empty poll.
    PollingSleep,
    /// The same poller, spinning (`yield_now`) instead of sleeping.
    PollingSpin,
    /// A blocking queue on `Mutex` + `Condvar`.
    Condvar,
    /// `std::sync::mpsc`.
    Mpsc,
    /// `crossbeam-channel`.
    Crossbeam,
    /// `flume`.
    Flume,
}

impl Variant {
    /// Every variant, in the order tables, legends and figures show them.
    pub const ALL: [Variant; 6] = [
        Variant::PollingSleep,
        Variant::PollingSpin,
        Variant::Condvar,
        Variant::Mpsc,
        Variant::Crossbeam,
        Variant::Flume,
    ];

    /// A short id for file names, CSV and criterion: `polling-sleep`, `mpsc`, …
    pub fn id(self) -> &'static str {
        match self {
            Variant::PollingSleep => "polling-sleep",
            Variant::PollingSpin => "polling-spin",
            Variant::Condvar => "condvar",
            Variant::Mpsc => "mpsc",
            Variant::Crossbeam => "crossbeam",
            Variant::Flume => "flume",
        }
    }

    /// The name shown in legends and tables.
    pub fn label(self) -> &'static str {
        match self {
            Variant::PollingSleep => "polling (sleep 10 ms)",
            Variant::PollingSpin => "polling (spin)",
            Variant::Condvar => "condvar",
            Variant::Mpsc => "mpsc",
            Variant::Crossbeam => "crossbeam",
            Variant::Flume => "flume",
        }
    }

    /// The backend that runs it.
    pub fn backend(self) -> Backend {
        match self {
            Variant::PollingSleep | Variant::PollingSpin => pipeline_polling::BACKEND,
            Variant::Condvar => pipeline_condvar::BACKEND,
            Variant::Mpsc => pipeline_mpsc::BACKEND,
            Variant::Crossbeam => pipeline_crossbeam::BACKEND,
            Variant::Flume => pipeline_flume::BACKEND,
        }
    }

    /// The poller's sleep between empty polls (0: spin); `None` for the blocking backends.
    pub fn poll_sleep_ms(self) -> Option<u64> {
        match self {
            Variant::PollingSleep => Some(DEFAULT_POLL_SLEEP_MS),
            Variant::PollingSpin => Some(0),
            _ => None,
        }
    }

    /// Whether its workers block on their queue (every variant but the two pollers).
    pub fn blocks(self) -> bool {
        self.poll_sleep_ms().is_none()
    }

    /// `config` set up for this variant (its poll sleep filled in or cleared).
    pub fn config(self, config: &Config) -> Config {
        Config {
            poll_sleep_ms: self.poll_sleep_ms(),
            ..config.clone()
        }
    }

    /// Its colour, the same in every figure (Okabe–Ito, readable with colour blindness).
    pub fn colour(self) -> RGBColor {
        match self {
            Variant::PollingSleep => RGBColor(0xE6, 0x9F, 0x00),
            Variant::PollingSpin => RGBColor(0xD5, 0x5E, 0x00),
            Variant::Condvar => RGBColor(0xCC, 0x79, 0xA7),
            Variant::Mpsc => RGBColor(0x00, 0x72, 0xB2),
            Variant::Crossbeam => RGBColor(0x00, 0x9E, 0x73),
            Variant::Flume => RGBColor(0x56, 0xB4, 0xE9),
        }
    }
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_prepares_its_scenario_configs() {
        for variant in Variant::ALL {
            for scenario in pipeline_core::Scenario::ALL {
                for config in scenario.configs() {
                    let config = variant.config(&config);
                    variant.backend().prepare(&config).unwrap();
                }
            }
        }
    }

    #[test]
    fn colours_and_ids_are_distinct() {
        for (i, a) in Variant::ALL.iter().enumerate() {
            for b in &Variant::ALL[i + 1..] {
                assert_ne!(a.colour(), b.colour());
                assert_ne!(a.id(), b.id());
            }
        }
    }
}

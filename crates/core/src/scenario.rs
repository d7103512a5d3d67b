//! The named scenarios shared by the tests, the lab, the benches and the book.

use crate::config::{Config, ConfigError};

/// A named preset: a config, and the capacities it is meant to be run with.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scenario {
    /// The name used on the command line and in reports.
    pub name: &'static str,
    /// What the scenario shows, in one line.
    pub about: &'static str,
    /// The capacities it is run with (the first is the default).
    pub capacities: &'static [Option<usize>],
    items: u64,
    workers: [usize; 3],
    source_interval_ms: f64,
    waits_ms: [f64; 3],
    frame: Option<(u32, u32)>,
    /// Whether the download stage has a worker per item, so that every item's
    /// wait overlaps every other's ([`Scenario::CROWD`]).
    worker_per_item: bool,
}

impl Scenario {
    /// The item's first pipeline: no-op stages, as fast as the hand-offs allow.
    pub const BOOK: Scenario = Scenario {
        name: "book",
        about: "the item's first pipeline: 1000 items through no-op stages",
        capacities: &[None],
        items: 1000,
        workers: [1, 1, 1],
        source_interval_ms: 0.0,
        waits_ms: [0.0, 0.0, 0.0],
        frame: None,
        worker_per_item: false,
    };
    // ANCHOR: camera
    /// Stages that block like network and disk, one worker each: resize sets
    /// the pace.
    pub const CAMERA: Scenario = Scenario {
        name: "camera",
        about: "blocking stages (1/5/2 ms), 64x48 frames: resize sets the pace",
        capacities: &[None],
        items: 1000,
        workers: [1, 1, 1],
        source_interval_ms: 0.0,
        waits_ms: [1.0, 5.0, 2.0],
        frame: Some((64, 48)),
        worker_per_item: false,
    };
    /// The camera with the item's final 3/4/5 workers per stage.
    pub const FANOUT: Scenario = Scenario {
        name: "fanout",
        about: "camera with 3/4/5 workers per stage (the item's final version)",
        capacities: &[None],
        items: 1000,
        workers: [3, 4, 5],
        source_interval_ms: 0.0,
        waits_ms: [1.0, 5.0, 2.0],
        frame: Some((64, 48)),
        worker_per_item: false,
    };
    // ANCHOR_END: camera
    /// A slow resize behind a fast download: what a bound does to memory.
    pub const BOTTLENECK: Scenario = Scenario {
        name: "bottleneck",
        about: "a 5 ms resize behind an instant download of 320x240 frames: unbounded vs bounded",
        capacities: &[None, Some(8)],
        items: 400,
        workers: [1, 1, 1],
        source_interval_ms: 0.0,
        waits_ms: [0.0, 5.0, 0.0],
        frame: Some((320, 240)),
        worker_per_item: false,
    };
    /// A camera that sends a frame every 0.5 ms: idle CPU and hand-off latency.
    pub const PACED: Scenario = Scenario {
        name: "paced",
        about: "a light load: one item every 0.5 ms; idle CPU and hand-off latency",
        capacities: &[Some(1024)],
        items: 2000,
        workers: [1, 1, 1],
        source_interval_ms: 0.5,
        waits_ms: [0.0, 0.0, 0.0],
        frame: None,
        worker_per_item: false,
    };
    /// A million empty items: the raw cost of a hand-off.
    pub const THROUGHPUT: Scenario = Scenario {
        name: "throughput",
        about: "a million empty items as fast as possible: the raw cost of a hand-off",
        capacities: &[None, Some(1024)],
        items: 1_000_000,
        workers: [1, 1, 1],
        source_interval_ms: 0.0,
        waits_ms: [0.0, 0.0, 0.0],
        frame: None,
        worker_per_item: false,
    };

    // ANCHOR: cpu
    /// A resize that is all CPU: no stage waits, so only more cores make it
    /// faster. The same 320x240 frames as the item's CPU-bound Python
    /// measurement.
    pub const CPU: Scenario = Scenario {
        name: "cpu",
        about: "a CPU-bound resize of 320x240 frames: does it run in parallel?",
        capacities: &[Some(16)],
        items: 2000,
        workers: [1, 1, 1],
        source_interval_ms: 0.0,
        waits_ms: [0.0, 0.0, 0.0],
        frame: Some((320, 240)),
        worker_per_item: false,
    };
    // ANCHOR_END: cpu

    // ANCHOR: crowd
    /// Every item's download waits 1 s, with as many download workers as
    /// items, so that every wait overlaps: the load where a thread per wait
    /// meets the operating system's limits, and a task per wait does not.
    pub const CROWD: Scenario = Scenario {
        name: "crowd",
        about: "every download waits 1 s at once: a worker per item",
        capacities: &[None],
        items: 1000,
        workers: [1000, 1, 1],
        source_interval_ms: 0.0,
        waits_ms: [1000.0, 0.0, 0.0],
        frame: None,
        worker_per_item: true,
    };
    // ANCHOR_END: crowd

    /// Every scenario, in the order the book presents them.
    pub const ALL: [Scenario; 8] = [
        Scenario::BOOK,
        Scenario::CAMERA,
        Scenario::FANOUT,
        Scenario::BOTTLENECK,
        Scenario::PACED,
        Scenario::THROUGHPUT,
        Scenario::CPU,
        Scenario::CROWD,
    ];

    /// The names of [`Scenario::ALL`], in the same order.
    pub const NAMES: [&'static str; Scenario::ALL.len()] = {
        let mut names = [""; Scenario::ALL.len()];
        let mut at = 0;
        while at < names.len() {
            names[at] = Scenario::ALL[at].name;
            at += 1;
        }
        names
    };

    /// Finds a scenario by name; an unknown name is answered with the names
    /// there are.
    pub fn named(name: &str) -> Result<Scenario, ConfigError> {
        Scenario::ALL
            .into_iter()
            .find(|s| s.name == name)
            .ok_or_else(|| ConfigError::UnknownScenario {
                name: name.to_string(),
                known: &Scenario::NAMES,
            })
    }

    /// The scenario's config with its default (first) capacity.
    pub fn config(&self) -> Config {
        self.config_with_capacity(self.capacities[0])
    }

    /// The scenario's configs, one per capacity it is meant to be run with.
    pub fn configs(&self) -> Vec<Config> {
        self.capacities
            .iter()
            .map(|&capacity| self.config_with_capacity(capacity))
            .collect()
    }

    /// `config` (one of this scenario's) with `items` items; a scenario with a
    /// download worker per item keeps one per item.
    pub fn with_items(&self, config: Config, items: u64) -> Config {
        let mut config = Config { items, ..config };
        if self.worker_per_item {
            config.workers[0] = usize::try_from(items).unwrap_or(usize::MAX).max(1);
        }
        config
    }

    /// Whether the download stage has a worker per item.
    pub fn worker_per_item(&self) -> bool {
        self.worker_per_item
    }

    fn config_with_capacity(&self, capacity: Option<usize>) -> Config {
        let [download_ms, resize_ms, upload_ms] = self.waits_ms;
        Config {
            items: self.items,
            workers: self.workers,
            capacity,
            source_interval_ms: self.source_interval_ms,
            download_ms,
            resize_ms,
            upload_ms,
            frame: self.frame,
            ..Config::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scenario_is_valid_and_found_by_name() {
        for scenario in Scenario::ALL {
            for config in scenario.configs() {
                config.validate().unwrap();
            }
            assert_eq!(Scenario::named(scenario.name).unwrap(), scenario);
        }
    }

    #[test]
    fn an_unknown_name_is_answered_with_every_scenario() {
        let message = Scenario::named("nope").unwrap_err().to_string();
        assert_eq!(
            message,
            "unknown scenario 'nope': use one of \
             book, camera, fanout, bottleneck, paced, throughput, cpu, crowd"
        );
        let names: Vec<_> = Scenario::ALL.iter().map(|s| s.name).collect();
        assert_eq!(Scenario::NAMES.to_vec(), names);
    }

    #[test]
    fn a_crowd_keeps_a_download_worker_per_item() {
        let crowd = Scenario::CROWD;
        let config = crowd.with_items(crowd.config(), 100_000);
        assert_eq!((config.items, config.workers), (100_000, [100_000, 1, 1]));
        assert_eq!(config.ideal_wall_s(), Some(1.0));
        let camera = Scenario::CAMERA;
        let config = camera.with_items(camera.config(), 7);
        assert_eq!((config.items, config.workers), (7, [1, 1, 1]));
    }

    #[test]
    fn bottleneck_runs_unbounded_and_bounded() {
        let caps: Vec<_> = Scenario::BOTTLENECK
            .configs()
            .iter()
            .map(|c| c.capacity)
            .collect();
        assert_eq!(caps, [None, Some(8)]);
    }
}

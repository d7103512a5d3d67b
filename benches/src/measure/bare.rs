//! Bare runs: each backend's own pipeline with its probes compiled away
//! ([`Backend::run_bare`](pipeline_core::Backend::run_bare)), and the smallest
//! hand-written crossbeam pipeline, the floor both are compared with.
//!
//! A bare run is the shipped pipeline itself, monomorphised with the no-op probe
//! ([`pipeline_core::Bare`]): it cannot drift from the measured one.

use std::thread;
use std::time::Instant;

use pipeline_core::{Config, process_cpu_time};

use crate::data::case::BareRun;
use pipeline_registry::Pipeline;

/// Runs `pipeline`'s pipeline on `config` with no probes.
///
/// # Panics
/// If the pipeline fails (the benches run only configs that suit the pipeline,
/// with no faults).
pub fn run(pipeline: Pipeline, config: &Config) -> BareRun {
    let report = pipeline
        .backend
        .run_bare(config)
        .unwrap_or_else(|e| panic!("bare {pipeline} failed: {e}"));
    BareRun {
        items_out: report.items_out,
        wall_s: report.wall_s,
        process_cpu_s: report.process_cpu_s,
    }
}

// ANCHOR: by_hand
/// The smallest crossbeam pipeline: three channels of `u64`, a source thread,
/// two relaying threads and the main thread counting; no stage functions, no
/// report.
pub fn crossbeam_by_hand(items: u64, capacity: Option<usize>) -> BareRun {
    let channel = || match capacity {
        Some(n) => crossbeam_channel::bounded::<u64>(n),
        None => crossbeam_channel::unbounded::<u64>(),
    };
    let (tx1, rx1) = channel();
    let (tx2, rx2) = channel();
    let (tx3, rx3) = channel();
    let (cpu, start) = (process_cpu_time(), Instant::now());
    let items_out = thread::scope(|s| {
        s.spawn(move || (0..items).try_for_each(|i| tx1.send(i)));
        s.spawn(move || rx1.iter().try_for_each(|i| tx2.send(i + 1)));
        s.spawn(move || rx2.iter().try_for_each(|i| tx3.send(i + 1)));
        rx3.iter().map(std::hint::black_box).count() as u64
    });
    BareRun {
        items_out,
        wall_s: start.elapsed().as_secs_f64(),
        process_cpu_s: process_cpu_time().saturating_sub(cpu).as_secs_f64(),
    }
}
// ANCHOR_END: by_hand

#[cfg(test)]
mod tests {
    use super::*;
    use pipeline_core::Scenario;
    use pipeline_registry::{ALL, REFERENCE};

    #[test]
    fn every_bare_pipeline_delivers_every_item() {
        for &pipeline in ALL {
            for config in Scenario::THROUGHPUT.configs() {
                let config = pipeline.config(&Config {
                    items: 2000,
                    capacity: config.capacity.map(|_| 4),
                    ..config
                });
                assert_eq!(run(pipeline, &config).items_out, 2000, "{pipeline}");
            }
        }
    }

    #[test]
    fn bare_pipelines_fan_out() {
        for &pipeline in ALL {
            let config = pipeline.config(&Config {
                items: 300,
                workers: [3, 4, 5],
                capacity: Some(2),
                ..Config::default()
            });
            assert_eq!(run(pipeline, &config).items_out, 300, "{pipeline}");
        }
    }

    #[test]
    fn a_bare_run_counts_nothing_but_what_came_out() {
        let config = Config {
            items: 500,
            ..Scenario::THROUGHPUT.config()
        };
        let report = REFERENCE.backend.run_bare(&config).unwrap();
        assert_eq!((report.items_in, report.items_out), (500, 500));
        assert_eq!(report.total_polls(), 0);
        assert!(
            report
                .stages
                .iter()
                .all(|s| s.done() == 0 && s.queue_peak == 0)
        );
    }

    #[test]
    fn the_pipeline_by_hand_delivers_every_item() {
        for capacity in [None, Some(0), Some(4)] {
            assert_eq!(crossbeam_by_hand(3000, capacity).items_out, 3000);
        }
    }
}

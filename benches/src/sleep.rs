//! The operating system's sleep overshoot: how long `thread::sleep(d)` really lasts.
//!
//! The stage waits of the scenarios are sleeps, so a measured wall time above the
//! ideal is partly the timer's doing, not the queue's. Timing many sleeps of each
//! configured length tells how much, and lets the ideal be recomputed with the
//! sleep lengths this machine really gives.

use std::thread;
use std::time::{Duration, Instant};

use pipeline_core::{Config, Stage};
use serde::{Deserialize, Serialize};

/// The sleep lengths the scenarios use (the camera's 1, 2 and 5 ms stage waits).
pub const REQUESTED_MS: [f64; 3] = [1.0, 2.0, 5.0];

/// How long sleeps of one requested length really lasted.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SleepStat {
    /// The requested length, in ms.
    pub requested_ms: f64,
    /// How many sleeps were timed.
    pub samples: u32,
    /// Their mean length, in ms.
    pub mean_ms: f64,
    /// Their median length, in ms.
    pub p50_ms: f64,
    /// The longest, in ms.
    pub max_ms: f64,
}

impl SleepStat {
    /// Mean length minus requested length, in ms.
    pub fn overshoot_ms(&self) -> f64 {
        self.mean_ms - self.requested_ms
    }
}

/// Times `samples` sleeps of each length in `requested_ms`, one after another.
pub fn measure(requested_ms: &[f64], samples: u32) -> Vec<SleepStat> {
    requested_ms
        .iter()
        .map(|&ms| {
            let wanted = Duration::from_secs_f64(ms / 1000.0);
            let mut lengths: Vec<f64> = (0..samples.max(1))
                .map(|_| {
                    let start = Instant::now();
                    thread::sleep(wanted);
                    start.elapsed().as_secs_f64() * 1000.0
                })
                .collect();
            lengths.sort_by(f64::total_cmp);
            SleepStat {
                requested_ms: ms,
                samples: lengths.len() as u32,
                mean_ms: lengths.iter().sum::<f64>() / lengths.len() as f64,
                p50_ms: lengths[lengths.len() / 2],
                max_ms: lengths[lengths.len() - 1],
            }
        })
        .collect()
}

/// How long a sleep of `ms` really lasts here: the measured mean for a measured
/// length, else the request plus the overshoot measured for the nearest length.
pub fn actual_ms(sleeps: &[SleepStat], ms: f64) -> f64 {
    if ms == 0.0 {
        return 0.0;
    }
    sleeps
        .iter()
        .min_by(|a, b| {
            (a.requested_ms - ms)
                .abs()
                .total_cmp(&(b.requested_ms - ms).abs())
        })
        .map_or(ms, |nearest| ms + nearest.overshoot_ms())
}

/// [`Config::ideal_wall_s`] with every stage wait replaced by the mean sleep length
/// measured on this machine: an estimate of the wall time the timer alone allows
/// (not a lower bound: single sleeps can come out shorter than the mean).
pub fn ideal_with_measured_sleeps(config: &Config, sleeps: &[SleepStat]) -> Option<f64> {
    config.ideal_wall_s()?;
    let waits: Vec<f64> = Stage::ALL
        .iter()
        .map(|&stage| actual_ms(sleeps, config.wait_of(stage).as_secs_f64() * 1000.0) / 1000.0)
        .collect();
    let pace = Stage::ALL
        .iter()
        .map(|&stage| waits[stage.index()] / config.workers_of(stage) as f64)
        .fold(config.source_interval().as_secs_f64(), f64::max);
    let trip: f64 = waits.iter().sum();
    Some(trip + (config.items.saturating_sub(1)) as f64 * pace)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipeline_core::Scenario;

    #[test]
    fn every_requested_length_gets_its_samples_in_order() {
        let stats = measure(&[0.1, 0.2], 5);
        let requested: Vec<f64> = stats.iter().map(|s| s.requested_ms).collect();
        assert_eq!(requested, [0.1, 0.2]);
        for stat in &stats {
            assert_eq!(stat.samples, 5);
            // Order statistics of the same samples, whatever the machine's timer does.
            assert!(stat.p50_ms <= stat.max_ms && stat.mean_ms <= stat.max_ms);
            assert!(stat.p50_ms > 0.0);
        }
    }

    #[test]
    fn the_measured_ideal_matches_the_configured_one_without_overshoot() {
        let exact: Vec<SleepStat> = REQUESTED_MS
            .iter()
            .map(|&ms| SleepStat {
                requested_ms: ms,
                samples: 1,
                mean_ms: ms,
                p50_ms: ms,
                max_ms: ms,
            })
            .collect();
        for scenario in [Scenario::CAMERA, Scenario::FANOUT] {
            let config = scenario.config();
            let ideal = config.ideal_wall_s().unwrap();
            let measured = ideal_with_measured_sleeps(&config, &exact).unwrap();
            assert!((ideal - measured).abs() < 1e-9, "{ideal} != {measured}");
        }
    }
}

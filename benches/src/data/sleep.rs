//! How long the operating system's sleeps really lasted, and the ideal wall time
//! recomputed with those lengths.
//!
//! The stage waits of the scenarios are sleeps, so a measured wall time above the
//! ideal is partly the timer's doing, not the queue's.

use pipeline_core::Config;
use serde::{Deserialize, Serialize};

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

/// [`Config::ideal_wall_s`] of `config` with every stage wait replaced by the mean
/// sleep length measured on this machine: an estimate of the wall time the timer
/// alone allows (not a lower bound: single sleeps can come out shorter than the mean).
pub fn ideal_with_measured_sleeps(config: &Config, sleeps: &[SleepStat]) -> Option<f64> {
    config.ideal_wall_s()?;
    Config {
        download_ms: actual_ms(sleeps, config.download_ms),
        resize_ms: actual_ms(sleeps, config.resize_ms),
        upload_ms: actual_ms(sleeps, config.upload_ms),
        ..config.clone()
    }
    .ideal_wall_s()
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipeline_core::Scenario;

    #[test]
    fn the_measured_ideal_matches_the_configured_one_without_overshoot() {
        let exact: Vec<SleepStat> = [1.0, 2.0, 5.0]
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

    #[test]
    fn overshoot_lengthens_the_ideal_by_the_trip_and_the_pace() {
        let late: Vec<SleepStat> = [1.0, 2.0, 5.0]
            .iter()
            .map(|&ms| SleepStat {
                requested_ms: ms,
                samples: 1,
                mean_ms: ms + 0.1,
                p50_ms: ms + 0.1,
                max_ms: ms + 0.1,
            })
            .collect();
        let config = Scenario::CAMERA.config();
        let ideal = config.ideal_wall_s().unwrap();
        let measured = ideal_with_measured_sleeps(&config, &late).unwrap();
        assert!(measured > ideal, "{measured} <= {ideal}");
    }
}

//! The operating system's sleep overshoot: how long `thread::sleep(d)` really lasts.
//!
//! Timing many sleeps of each configured length tells how much of a wall time above
//! the ideal is the timer's doing ([`crate::data::sleep`] recomputes the ideal with
//! the lengths this machine really gives).

use std::thread;
use std::time::{Duration, Instant};

use crate::data::sleep::SleepStat;

/// The sleep lengths the scenarios use (the camera's 1, 2 and 5 ms stage waits).
pub const REQUESTED_MS: [f64; 3] = [1.0, 2.0, 5.0];

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

#[cfg(test)]
mod tests {
    use super::*;

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
}

//! The depth sampler: every queue's depth at a fixed interval while a run goes on,
//! read from the run's probes by a thread of its own.

use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use pipeline_core::{Probes, Stage};

use crate::data::depth::DepthSeries;

/// The sampling interval of the depth series, in milliseconds.
pub const DEPTH_INTERVAL_MS: u64 = 5;

/// Appends every queue's depth now to `series`.
fn push(series: &mut DepthSeries, probes: &Probes) {
    series
        .download
        .push(probes.input_of(Stage::Download).depth());
    series.resize.push(probes.input_of(Stage::Resize).depth());
    series.upload.push(probes.input_of(Stage::Upload).depth());
    series.done.push(probes.done_queue().depth());
}

/// Samples `probes` every `interval` until `stop` is set, then returns the series.
/// Sample `i` is the depth at `i × interval` from the start: a late wake-up fills the
/// slots it missed with what it reads, so the time axis stays true.
pub fn sample(probes: &Probes, interval: Duration, stop: &AtomicBool) -> DepthSeries {
    let mut series = DepthSeries {
        interval_ms: interval.as_millis() as u64,
        ..DepthSeries::default()
    };
    let start = Instant::now();
    loop {
        let stopping = stop.load(Ordering::Relaxed);
        let slot = (start.elapsed().as_nanos() / interval.as_nanos().max(1)) as usize;
        while series.download.len() <= slot {
            push(&mut series, probes);
        }
        if stopping {
            return series;
        }
        let next = start + interval * (slot as u32 + 1);
        let now = Instant::now();
        if next > now {
            thread::sleep(next - now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipeline_core::{Config, Probe};

    #[test]
    fn samples_show_the_depth_and_end_when_told() {
        let series = pipeline_core::testkit::within("the sampler", Duration::from_secs(30), || {
            let probes = Probes::new(&Config::default());
            let stop = AtomicBool::new(false);
            thread::scope(|s| {
                let sampler = s.spawn(|| sample(&probes, Duration::from_millis(1), &stop));
                // One item waits in the resize queue: the download stage counted a put.
                probes.worker_probe(Stage::Download, 0).put();
                // Wait until the sampler has seen it, however slow the machine is.
                while probes.input_of(Stage::Resize).peak() == 0 {
                    thread::yield_now();
                }
                stop.store(true, Ordering::Relaxed);
                sampler.join().unwrap()
            })
        });
        assert!(!series.resize.is_empty());
        assert_eq!(series.resize.last(), Some(&1));
        assert!(series.download.iter().all(|&d| d == 0));
        assert_eq!(series.download.len(), series.done.len());
        assert_eq!(series.resize.len(), series.upload.len());
    }
}

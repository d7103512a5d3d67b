//! The recorded runs' cases: `camera` (unbounded) and `bottleneck` bounded, each
//! pipeline of [`PIPELINES`] once more with recording probes; the child keeps the first
//! [`WINDOW_MS`](crate::data::timeline::WINDOW_MS) of the timeline in its result.

use pipeline_core::{Config, Scenario};

use crate::data::case::{Case, CaseKind};
use crate::data::timeline::PIPELINES;

/// Items per recorded run: enough to keep every thread busy past the window.
pub const ITEMS: u64 = 150;
/// Events each thread of a recorded bench run keeps (16 bytes each: at most
/// 16 MiB per thread), so that even the spinning poller's first 100 ms fit.
pub const RECORD_LIMIT: usize = 1 << 20;
/// The recorded runs: `camera` (unbounded) and `bottleneck` bounded, each pipeline.
pub fn cases() -> Vec<Case> {
    let bounded = Scenario::BOTTLENECK
        .configs()
        .into_iter()
        .find(|c| c.capacity.is_some())
        .expect("bottleneck has a bounded config");
    let configs = [
        (Scenario::CAMERA.name, Scenario::CAMERA.config()),
        (Scenario::BOTTLENECK.name, bounded),
    ];
    let mut cases = Vec::new();
    for (scenario, config) in configs {
        for pipeline in PIPELINES {
            let config = Config {
                items: ITEMS,
                ..config.clone()
            };
            cases.push(Case {
                scenario: scenario.to_string(),
                kind: CaseKind::Timeline,
                pipeline,
                config: pipeline.config(&config),
                repeat: 0,
            });
        }
    }
    cases
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::timeline::WINDOW_MS;
    use crate::measure::child::run_here;

    #[test]
    fn every_recorded_case_keeps_every_thread_within_the_window() {
        // Fewer items keep the test short; the window is the same.
        let runs: Vec<_> = cases()
            .into_iter()
            .map(|case| {
                let case = Case {
                    config: Config {
                        items: 20,
                        ..case.config
                    },
                    ..case
                };
                run_here(&case).unwrap()
            })
            .collect();
        for run in &runs {
            let timeline = run.timeline().expect("a recorded case has a timeline");
            let workers: usize = run.case.config.workers.iter().sum();
            assert_eq!(
                timeline.threads.len(),
                workers + 2,
                "camera, workers, collector"
            );
            for thread in &timeline.threads {
                assert!(
                    thread
                        .spans
                        .iter()
                        .all(|s| s.end_ns <= WINDOW_MS * 1_000_000)
                );
            }
            // How many polls fall inside the window depends on how soon the machine
            // starts the threads; the report's counts do not.
            let report = run.report().expect("a recorded case has its report");
            assert!(
                report.total_polls() >= report.items_in,
                "every pipeline's workers poll at least once per item"
            );
        }
    }
}

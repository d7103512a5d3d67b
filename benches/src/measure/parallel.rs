//! The worker sweep's cases: the `cpu` scenario on 1 to 4 resize workers
//! ([`RESIZE_WORKERS`]).

use pipeline_core::{Config, Scenario};

use crate::data::case::{Case, CaseKind};
use crate::data::parallel::{PARALLEL_PIPELINE, RESIZE_WORKERS};
use crate::measure::plan::Plan;

/// Runs of each worker count: the median is reported.
fn repeats(plan: &Plan) -> u32 {
    if plan.quick { 1 } else { 3 }
}

/// The worker sweep's cases: `cpu` with 1..=4 resize workers, the repeats interleaved
/// (1, 2, 3, 4, 1, 2, …) so that a slow spell of the machine hits every count.
pub fn cases(plan: &Plan) -> Vec<Case> {
    let scenario = Scenario::CPU;
    let base = Config {
        items: plan.report_items(&scenario),
        ..scenario.config()
    };
    let mut cases = Vec::new();
    for repeat in 0..repeats(plan) {
        for resize in RESIZE_WORKERS {
            let config = Config {
                workers: [1, resize, 1],
                ..base.clone()
            };
            cases.push(Case {
                scenario: scenario.name.to_string(),
                kind: CaseKind::Parallel,
                pipeline: PARALLEL_PIPELINE,
                config: PARALLEL_PIPELINE.config(&config),
                repeat,
            });
        }
    }
    cases
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sweep_runs_every_worker_count_on_the_cpu_scenario() {
        let cases = cases(&Plan { quick: false });
        assert_eq!(cases.len(), RESIZE_WORKERS.len() * 3);
        for case in &cases {
            assert_eq!(case.config.workers[0], 1);
            assert_eq!(case.config.workers[2], 1);
            assert_eq!(case.config.frame, Scenario::CPU.config().frame);
            case.pipeline.backend.prepare(&case.config).unwrap();
        }
        let workers: Vec<usize> = cases[..4].iter().map(|c| c.config.workers[1]).collect();
        assert_eq!(workers, RESIZE_WORKERS);
    }
}

//! The concurrency sweep's cases: `crowd` at every number of concurrent waits
//! ([`LEVELS`]) on every pipeline; the thread pipelines as far as this machine gives
//! threads (a run it refuses is a result too).

use pipeline_core::Scenario;

use crate::data::case::{Case, CaseKind};
use crate::data::crowd::{LEVELS, runs_at};
use pipeline_registry::{ALL, Pipeline};

/// `crowd` at each level, every pipeline at one level before the next.
pub fn cases() -> Vec<Case> {
    let scenario = Scenario::CROWD;
    let mut cases = Vec::new();
    for waits in LEVELS {
        let config = scenario.with_items(scenario.config(), waits);
        // A pipeline that runs another's code here is that one's row; a broker
        // runs as many waits as it has connections for.
        let runs = |p: &&Pipeline| p.runs_as(&config).is_none() && runs_at(**p, waits);
        for &pipeline in ALL.iter().filter(runs) {
            cases.push(Case {
                scenario: scenario.name.to_string(),
                kind: CaseKind::Crowd,
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

    #[test]
    fn every_level_gives_every_wait_a_worker_on_every_pipeline() {
        let cases = cases();
        let differ = |waits| {
            ALL.iter()
                .filter(|p| p.runs_as(&Scenario::CROWD.config()).is_none() && runs_at(**p, waits))
                .count()
        };
        assert_eq!(
            cases.len(),
            LEVELS.iter().map(|&w| differ(w)).sum::<usize>()
        );
        assert!(
            differ(LEVELS[0]) > differ(LEVELS[3]),
            "a broker stops early"
        );
        for case in &cases {
            let config = &case.config;
            assert_eq!(config.workers, [config.items as usize, 1, 1]);
            assert_eq!(config.ideal_wall_s(), Some(1.0));
            case.pipeline.backend.prepare(config).unwrap();
        }
    }
}

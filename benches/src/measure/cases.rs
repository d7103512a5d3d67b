//! The report bench's case list: what runs, each in its own process.

use pipeline_core::{Config, Scenario};

use crate::data::case::{Case, CaseKind};
use crate::measure::plan::Plan;
use pipeline_registry::{ALL, POLLING_SLEEP, Pipeline, REFERENCE};

/// The backend the pipeline written by hand is compared with.
pub const BY_HAND_PIPELINE: Pipeline = REFERENCE;

/// The blocking backend whose peak heap is swept over item counts.
pub const SWEEP_PIPELINE: Pipeline = REFERENCE;

/// Every case of a report run, in the order they run: each scenario of DESIGN.md for
/// each of its capacities and each pipeline (but one that runs another's code
/// there, [`Pipeline::runs_as`]); on `throughput` each instrumented run is
/// followed by its bare run (and, for crossbeam, the pipeline by hand), pass after
/// pass, so that a slow spell of the machine hits both sides alike (a pipeline
/// with a broker runs each config once, with fewer items where
/// [`Plan::broker_items`] says so); then the peak-heap sweep, the worker sweep,
/// the concurrency sweep, the timelines and the hops.
pub fn cases(plan: &Plan) -> Vec<Case> {
    let mut cases = Vec::new();
    for scenario in Scenario::ALL {
        for config in scenario.configs() {
            // A pipeline that runs another's code here is that one's row.
            let differs = ALL.iter().filter(|p| p.runs_as(&config).is_none());
            for &pipeline in differs {
                // A broker's round trips take fewer items where the preset's would
                // take minutes; its rows say so.
                let items = if pipeline.backend.broker.is_some() {
                    plan.broker_items(&scenario)
                } else {
                    plan.report_items(&scenario)
                };
                let config = scenario.with_items(config.clone(), items);
                let case = |kind, repeat| Case {
                    scenario: scenario.name.to_string(),
                    kind,
                    pipeline,
                    config: pipeline.config(&config),
                    repeat,
                };
                cases.push(case(CaseKind::Scenario, 0));
                // What the probes cost, against the bare twin, is a question for
                // the pipelines that hand over in the process: next to a broker's
                // round trips they are lost in the noise, and its repeats would
                // cost a minute.
                if scenario.name == Scenario::THROUGHPUT.name && pipeline.backend.broker.is_none() {
                    cases.push(case(CaseKind::Bare, 0));
                    if pipeline == BY_HAND_PIPELINE {
                        cases.push(case(CaseKind::ByHand, 0));
                    }
                }
            }
        }
    }
    for repeat in 1..plan.throughput_repeats() {
        let items = plan.report_items(&Scenario::THROUGHPUT);
        for config in Scenario::THROUGHPUT.configs() {
            let config = Config { items, ..config };
            // The sleeping poller's time on a full bounded queue is its 10 ms naps
            // (seconds per run), not its hand-offs: one run of each is enough. A
            // pipeline that runs another's code here is timed by that one's repeats.
            let repeated = ALL.iter().filter(|&&v| {
                v != POLLING_SLEEP && v.runs_as(&config).is_none() && v.backend.broker.is_none()
            });
            for &pipeline in repeated {
                let by_hand = (pipeline == BY_HAND_PIPELINE).then_some(CaseKind::ByHand);
                for kind in [CaseKind::Repeat, CaseKind::Bare]
                    .into_iter()
                    .chain(by_hand)
                {
                    cases.push(Case {
                        scenario: Scenario::THROUGHPUT.name.to_string(),
                        kind,
                        pipeline,
                        config: pipeline.config(&config),
                        repeat,
                    });
                }
            }
        }
    }
    for &items in plan.sweep_items() {
        for config in Scenario::BOTTLENECK.configs() {
            cases.push(Case {
                scenario: Scenario::BOTTLENECK.name.to_string(),
                kind: CaseKind::Sweep,
                pipeline: SWEEP_PIPELINE,
                config: SWEEP_PIPELINE.config(&Config { items, ..config }),
                repeat: 0,
            });
        }
    }
    cases.extend(crate::measure::parallel::cases(plan));
    cases.extend(crate::measure::crowd::cases());
    cases.extend(crate::measure::timeline::cases());
    // The broker's hop; the in-process channels' is timed under named
    // conditions, each run in turn.
    cases.extend(
        crate::measure::hop::cases(plan)
            .into_iter()
            .filter(|c| c.pipeline.backend.broker.is_some()),
    );
    cases.extend(crate::measure::channel_hop::cases(plan));
    cases
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scenario_config_runs_once_per_pipeline() {
        let cases = cases(&Plan { quick: false });
        let scenario_runs = cases
            .iter()
            .filter(|c| c.kind == CaseKind::Scenario)
            .count();
        let twins: usize = Scenario::ALL
            .iter()
            .flat_map(|s| s.configs())
            .map(|c| ALL.iter().filter(|p| p.runs_as(&c).is_some()).count())
            .sum();
        assert!(
            twins > 0,
            "the offloaded tasks run the inline code without pixels"
        );
        assert_eq!(scenario_runs, 10 * ALL.len() - twins);
        assert!(
            cases
                .iter()
                .all(|c| c.pipeline.runs_as(&c.config).is_none())
        );
        let plan = Plan { quick: true };
        for kind in [CaseKind::Repeat, CaseKind::Bare, CaseKind::ByHand] {
            let runs = super::cases(&plan)
                .iter()
                .filter(|c| c.kind == kind && c.pipeline == REFERENCE)
                .count();
            let first = usize::from(kind == CaseKind::Repeat);
            assert_eq!(
                runs,
                2 * (plan.throughput_repeats() as usize - first),
                "{kind:?}"
            );
        }
        for case in &cases {
            case.pipeline.backend.prepare(&case.config).unwrap();
        }
        // A broker runs every config once, with fewer items where it says so.
        let brokered: Vec<&Case> = cases
            .iter()
            .filter(|c| c.pipeline.backend.broker.is_some())
            .collect();
        assert!(!brokered.is_empty());
        assert!(
            brokered
                .iter()
                .all(|c| !c.kind.is_bare() && c.kind != CaseKind::Repeat)
        );
        let full = Plan { quick: false };
        for case in brokered.iter().filter(|c| c.kind == CaseKind::Scenario) {
            let scenario = Scenario::named(&case.scenario).unwrap();
            assert_eq!(
                case.config.items,
                full.broker_items(&scenario),
                "{}",
                case.label()
            );
        }
    }

    #[test]
    fn cases_survive_the_trip_to_a_child_process() {
        for case in cases(&Plan { quick: true }) {
            let json = serde_json::to_string(&case).unwrap();
            assert_eq!(serde_json::from_str::<Case>(&json).unwrap(), case);
        }
    }
}

//! The report bench's case list: what runs, each in its own process.

use pipeline_core::{Config, Scenario};
use serde::{Deserialize, Serialize};

use crate::plan::Plan;
use pipeline_registry::{ALL, POLLING_SLEEP, Pipeline, REFERENCE};

/// What a case measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CaseKind {
    /// A named scenario, run by the instrumented pipeline (the tables and figures).
    Scenario,
    /// The `throughput` scenario again: the tables, the figures and the overhead ratio
    /// show the run with the median wall time of it and its repeats.
    Repeat,
    /// The same pipeline with its probes compiled away, on the `throughput` config.
    Bare,
    /// The smallest crossbeam pipeline written by hand (three channels of `u64`, four
    /// threads, nothing counted), on the `throughput` config: the floor.
    ByHand,
    /// The `bottleneck` scenario with another item count: peak heap against items.
    Sweep,
    /// The `cpu` scenario with another resize worker count: what more cores buy.
    Parallel,
    /// A short run with recording probes: the first moments of every thread.
    Timeline,
}

/// One run of the report bench.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Case {
    /// The scenario the config comes from.
    pub scenario: String,
    /// What the case measures.
    pub kind: CaseKind,
    /// The pipeline.
    pub variant: Pipeline,
    /// The config, already set up for the variant.
    pub config: Config,
    /// Which run of the same config this is (0 for the first).
    pub repeat: u32,
}

impl Case {
    /// A short label for progress lines: `camera · mpsc`, `throughput (1024) · bare flume #2`.
    pub fn label(&self) -> String {
        let capacity = match self.config.capacity {
            Some(n) => format!(" ({n})"),
            None => String::new(),
        };
        let items = match self.kind {
            CaseKind::Sweep => format!(", {} items", self.config.items),
            CaseKind::Parallel => format!(", {} resize workers", self.config.workers[1]),
            _ => String::new(),
        };
        let bare = match self.kind {
            CaseKind::Bare => "bare ",
            CaseKind::ByHand => "by hand: ",
            _ => "",
        };
        let repeat = if self.repeat > 0 {
            format!(" #{}", self.repeat + 1)
        } else {
            String::new()
        };
        format!(
            "{}{capacity}{items} · {bare}{}{repeat}",
            self.scenario, self.variant.label
        )
    }
}

/// The backend the pipeline written by hand is compared with.
pub const BY_HAND_VARIANT: Pipeline = REFERENCE;

/// The blocking backend whose peak heap is swept over item counts.
pub const SWEEP_VARIANT: Pipeline = REFERENCE;

/// Every case of a report run, in the order they run: each scenario of DESIGN.md for
/// each of its capacities and each variant; on `throughput` each instrumented run is
/// followed by its bare run (and, for crossbeam, the pipeline by hand), pass after
/// pass, so that a slow spell of the machine hits both sides alike;
/// the peak-heap sweep last.
pub fn cases(plan: &Plan) -> Vec<Case> {
    let mut cases = Vec::new();
    for scenario in Scenario::ALL {
        let items = plan.report_items(&scenario);
        for config in scenario.configs() {
            let config = Config { items, ..config };
            for &variant in ALL {
                let case = |kind, repeat| Case {
                    scenario: scenario.name.to_string(),
                    kind,
                    variant,
                    config: variant.config(&config),
                    repeat,
                };
                cases.push(case(CaseKind::Scenario, 0));
                if scenario.name == Scenario::THROUGHPUT.name {
                    cases.push(case(CaseKind::Bare, 0));
                    if variant == BY_HAND_VARIANT {
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
            // (seconds per run), not its hand-offs: one run of each is enough.
            for &variant in ALL.iter().filter(|&&v| v != POLLING_SLEEP) {
                let by_hand = (variant == BY_HAND_VARIANT).then_some(CaseKind::ByHand);
                for kind in [CaseKind::Repeat, CaseKind::Bare]
                    .into_iter()
                    .chain(by_hand)
                {
                    cases.push(Case {
                        scenario: Scenario::THROUGHPUT.name.to_string(),
                        kind,
                        variant,
                        config: variant.config(&config),
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
                variant: SWEEP_VARIANT,
                config: SWEEP_VARIANT.config(&Config { items, ..config }),
                repeat: 0,
            });
        }
    }
    cases.extend(crate::parallel::cases(plan));
    cases.extend(crate::timeline::cases());
    cases
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scenario_config_runs_once_per_variant() {
        let cases = cases(&Plan { quick: false });
        let scenario_runs = cases
            .iter()
            .filter(|c| c.kind == CaseKind::Scenario)
            .count();
        assert_eq!(scenario_runs, 9 * ALL.len());
        let plan = Plan { quick: true };
        for kind in [CaseKind::Repeat, CaseKind::Bare, CaseKind::ByHand] {
            let runs = super::cases(&plan)
                .iter()
                .filter(|c| c.kind == kind && c.variant == REFERENCE)
                .count();
            let first = usize::from(kind == CaseKind::Repeat);
            assert_eq!(
                runs,
                2 * (plan.throughput_repeats() as usize - first),
                "{kind:?}"
            );
        }
        for case in &cases {
            case.variant.backend.prepare(&case.config).unwrap();
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

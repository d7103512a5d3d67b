//! One hop alone: a producer thread puts items on one queue and a consumer thread
//! takes them. For each in-process channel the bench can time on its own, and for
//! the broker item by item (three round trips per item) and in batches, with the
//! server's own rate for the same commands (its own benchmark program) as the
//! ceiling a hop is read against.

use serde::{Deserialize, Serialize};

use crate::data::case::CaseKind;
use crate::data::results::{Results, median};
use pipeline_registry::Pipeline;

/// What one hop case measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HopRun {
    /// Items per run, one at a time.
    pub items: u64,
    /// Wall seconds of each run, one item per hand-off.
    pub unbatched_s: Vec<f64>,
    /// The broker's batched runs (none for an in-process channel, whose
    /// hand-off is one item).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batched: Option<BatchedHop>,
    /// The server's own rates for the hop's commands, when measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ceiling: Option<ServerCeiling>,
    /// Why the server's rates were not measured (no benchmark program), for a
    /// broker's hop.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ceiling_not_run: Option<String>,
}

/// The broker's batched runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BatchedHop {
    /// Items per batch: `XADD`s per round trip, `COUNT` per read, ids per ack.
    pub batch: usize,
    /// Items per run.
    pub items: u64,
    /// Wall seconds of each run.
    pub wall_s: Vec<f64>,
}

/// The server's own benchmark (`redis-benchmark` for Redis) on the commands of
/// a hop, on the server the hop ran on, as `results.json` keeps it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServerCeiling {
    /// The benchmark program.
    pub program: String,
    /// Items per batch in the batched commands.
    pub batch: usize,
    /// Requests per round trip of the benchmark.
    pub pipelined: u32,
    /// Requests per second of each command it timed.
    pub rates: Vec<CommandRate>,
    /// One client waiting for each reply: one round trip's rate, if timed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub round_trip: Option<CommandRate>,
}

/// What the server's benchmark measured for one command.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CommandRate {
    /// The command, in a table's words.
    pub command: String,
    /// Requests per second.
    pub per_s: f64,
    /// How many of these an item of a hop needs: item by item, and in batches.
    pub per_item: [f64; 2],
}

impl ServerCeiling {
    /// Items per second the server would reach doing nothing but the commands
    /// of a hop made one way (0: item by item, 1: in batches), at the rates it
    /// reached for each.
    fn items_per_s(&self, way: usize) -> f64 {
        let seconds: f64 = self
            .rates
            .iter()
            .filter(|r| r.per_s > 0.0)
            .map(|r| r.per_item[way] / r.per_s)
            .sum();
        if seconds > 0.0 { 1.0 / seconds } else { 0.0 }
    }

    /// Items per second the server reaches for an unbatched hop's commands.
    pub fn unbatched_items_per_s(&self) -> f64 {
        self.items_per_s(0)
    }

    /// Items per second the server reaches for a batched hop's commands.
    pub fn batched_items_per_s(&self) -> f64 {
        self.items_per_s(1)
    }
}

/// How a hop hands its items over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// One item per hand-off (a send and a receive, or `XADD`, `XREADGROUP …
    /// COUNT 1` and `XACK`).
    OneAtATime,
    /// This many items per round trip.
    Batched(usize),
}

/// One row of the hop table: a pipeline's queue, one way.
#[derive(Clone, Debug, PartialEq)]
pub struct HopPoint {
    /// Whose queue.
    pub pipeline: Pipeline,
    /// How it hands over.
    pub mode: Mode,
    /// Items per run.
    pub items: u64,
    /// Runs.
    pub runs: usize,
    /// Seconds per item, the median run's.
    pub per_item_s: f64,
    /// The server's own rate for the same commands, items per second (the
    /// broker's, when measured).
    pub ceiling_items_per_s: Option<f64>,
}

impl HopPoint {
    /// Items per second of the median run.
    pub fn items_per_s(&self) -> f64 {
        1.0 / self.per_item_s
    }

    /// That rate as a fraction of the server's own.
    pub fn of_ceiling(&self) -> Option<f64> {
        self.ceiling_items_per_s.map(|c| self.items_per_s() / c)
    }
}

/// Every hop case of `results` that ran, in the order they ran.
fn hop_runs(results: &Results) -> impl Iterator<Item = (Pipeline, &HopRun)> {
    results
        .runs
        .iter()
        .filter(|r| r.case.kind == CaseKind::Hop)
        .filter_map(|r| Some((r.case.pipeline, r.hop()?)))
}

/// Every hop measured: per pipeline one at a time, then batched where it was.
pub fn points(results: &Results) -> Vec<HopPoint> {
    let mut points = Vec::new();
    for (pipeline, hop) in hop_runs(results) {
        let per_item = |walls: &[f64], items: u64| median(walls.to_vec()) / items.max(1) as f64;
        points.push(HopPoint {
            pipeline,
            mode: Mode::OneAtATime,
            items: hop.items,
            runs: hop.unbatched_s.len(),
            per_item_s: per_item(&hop.unbatched_s, hop.items),
            ceiling_items_per_s: hop.ceiling.as_ref().map(|c| c.unbatched_items_per_s()),
        });
        if let Some(batched) = &hop.batched {
            points.push(HopPoint {
                pipeline,
                mode: Mode::Batched(batched.batch),
                items: batched.items,
                runs: batched.wall_s.len(),
                per_item_s: per_item(&batched.wall_s, batched.items),
                ceiling_items_per_s: hop.ceiling.as_ref().map(|c| c.batched_items_per_s()),
            });
        }
    }
    points.retain(|p| p.per_item_s.is_finite() && p.per_item_s > 0.0);
    points
}

/// The server's rates of the broker's hop, when measured.
pub fn ceiling(results: &Results) -> Option<ServerCeiling> {
    hop_runs(results).find_map(|(_, hop)| hop.ceiling.clone())
}

/// Why the server's rates were not measured, when the broker's hop ran without.
pub fn ceiling_not_run(results: &Results) -> Option<&str> {
    hop_runs(results).find_map(|(_, hop)| hop.ceiling_not_run.as_deref())
}

/// The hop cases that could not run here (their broker cannot be had), and why.
pub fn not_run(results: &Results) -> Vec<(Pipeline, &str)> {
    results
        .runs
        .iter()
        .filter(|r| r.case.kind == CaseKind::Hop)
        .filter_map(|r| Some((r.case.pipeline, r.not_run()?)))
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::data::case::{Case, CaseResult, Outcome};
    use crate::data::results::RESULTS_SCHEMA;
    use pipeline_core::{Config, Machine};
    use pipeline_registry::{BROKERED, REFERENCE};

    /// A hop case of `pipeline` with `outcome`.
    pub(crate) fn hop_case(pipeline: Pipeline, outcome: Outcome) -> CaseResult {
        CaseResult {
            case: Case {
                scenario: "hop".into(),
                kind: CaseKind::Hop,
                pipeline,
                config: Config::default(),
                repeat: 0,
            },
            outcome,
        }
    }

    /// Results of a channel's hop and the broker's, with its ceiling.
    pub(crate) fn hops() -> Results {
        let rate = |command: &str, per_s: f64, per_item: [f64; 2]| CommandRate {
            command: command.into(),
            per_s,
            per_item,
        };
        let ceiling = ServerCeiling {
            program: "redis-benchmark".into(),
            batch: 10,
            pipelined: 16,
            rates: vec![
                rate("XADD", 300_000.0, [1.0, 1.0]),
                rate("XREADGROUP COUNT 1", 300_000.0, [1.0, 0.0]),
                rate("XACK of one id", 300_000.0, [1.0, 0.0]),
                rate("XREADGROUP COUNT 10", 100_000.0, [0.0, 0.1]),
                rate("XACK of 10 ids", 100_000.0, [0.0, 0.1]),
            ],
            round_trip: Some(rate("XADD", 50_000.0, [0.0, 0.0])),
        };
        Results {
            schema: RESULTS_SCHEMA,
            mode: "quick".into(),
            date: "2026-01-01".into(),
            machine: Machine::this(),
            sleep: Vec::new(),
            runs: vec![
                hop_case(
                    REFERENCE,
                    Outcome::Hop {
                        hop: HopRun {
                            items: 1_000,
                            unbatched_s: vec![0.0003, 0.0001, 0.0002],
                            batched: None,
                            ceiling: None,
                            ceiling_not_run: None,
                        },
                    },
                ),
                hop_case(
                    BROKERED,
                    Outcome::Hop {
                        hop: HopRun {
                            items: 100,
                            unbatched_s: vec![0.004],
                            batched: Some(BatchedHop {
                                batch: 10,
                                items: 1_000,
                                wall_s: vec![0.005],
                            }),
                            ceiling: Some(ceiling),
                            ceiling_not_run: None,
                        },
                    },
                ),
            ],
            elapsed_s: None,
        }
    }

    #[test]
    fn each_hop_is_its_median_run_per_item_against_the_server_s_rate() {
        let points = points(&hops());
        let modes: Vec<(Pipeline, Mode)> = points.iter().map(|p| (p.pipeline, p.mode)).collect();
        assert_eq!(
            modes,
            [
                (REFERENCE, Mode::OneAtATime),
                (BROKERED, Mode::OneAtATime),
                (BROKERED, Mode::Batched(10))
            ]
        );
        assert!((points[0].per_item_s - 2e-7).abs() < 1e-15);
        assert_eq!(points[0].of_ceiling(), None);
        // 40 µs per item against 100,000 items/s: a quarter of the ceiling.
        assert!((points[1].per_item_s - 4e-5).abs() < 1e-12);
        assert!((points[1].of_ceiling().unwrap() - 0.25).abs() < 1e-9);
        // 5 µs per item against an XADD and a tenth of a read and an ack:
        // 1 / (1/300,000 + 2/1,000,000) = 187,500 items/s.
        assert!((points[2].of_ceiling().unwrap() - 200_000.0 / 187_500.0).abs() < 1e-9);
    }

    #[test]
    fn a_hop_without_its_broker_is_listed_as_not_run() {
        let mut results = hops();
        results.runs[1].outcome = Outcome::NotRun {
            not_run: "redis-server not found".into(),
        };
        assert_eq!(points(&results).len(), 1);
        assert_eq!(not_run(&results), [(BROKERED, "redis-server not found")]);
        assert_eq!(ceiling(&results), None);
    }
}

//! Everything a report run measured, and the figures derived from it: medians,
//! overhead ratios, the peak-heap sweep.

use pipeline_core::{Machine, Report, Scenario};
use serde::{Deserialize, Serialize};

use crate::data::case::{CaseKind, CaseResult};
use crate::data::sleep::SleepStat;
use pipeline_registry::Pipeline;

/// The `results.json` schema version.
pub const RESULTS_SCHEMA: u32 = 1;

/// A report run: the machine, the timer measurement and every case's result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Results {
    /// [`RESULTS_SCHEMA`].
    pub schema: u32,
    /// `full` or `quick`.
    pub mode: String,
    /// The date the run started, `YYYY-MM-DD` (UTC).
    pub date: String,
    /// The machine it ran on.
    pub machine: Machine,
    /// How long the operating system's sleeps really lasted.
    pub sleep: Vec<SleepStat>,
    /// Every case, in the order it ran.
    pub runs: Vec<CaseResult>,
    /// How long the whole report run took, in seconds (absent in files written
    /// before it was recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elapsed_s: Option<f64>,
}

/// Instrumented against bare wall time on one `throughput` config.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Overhead {
    /// Wall seconds of the instrumented pipeline's median run ([`Results::run`]).
    pub instrumented_s: f64,
    /// Median wall seconds of the bare pipeline.
    pub bare_s: f64,
    /// The fastest and slowest instrumented runs, in wall seconds.
    pub instrumented_range: (f64, f64),
    /// The fastest and slowest bare runs, in wall seconds.
    pub bare_range: (f64, f64),
    /// The smallest and largest ratio of an instrumented run to the bare run that
    /// ran right after it (the runs of one pass of the bench).
    pub ratio_range: (f64, f64),
    /// Items per run.
    pub items: u64,
    /// Pairs of runs (instrumented, then bare) behind the figures.
    pub runs: usize,
    /// The pipeline written by hand on the same config, when it ran: median wall
    /// seconds, and its fastest and slowest runs.
    pub by_hand: Option<(f64, (f64, f64))>,
}

/// Hand-offs per item in a run: the source's put, and each stage's put on its
/// output queue (the last one the done queue).
pub const HANDOFFS_PER_ITEM: u64 = 4;

/// Whether a ratio is within a target, given the spread of its runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every pair of runs was within the target.
    Within,
    /// Every pair of runs was over it.
    Over,
    /// Some pairs were within, others over: the spread does not allow a verdict.
    Unclear,
    /// Fewer than [`MIN_PAIRS`] pairs ran: no spread to judge by.
    TooFewRuns,
}

/// The fewest pairs of runs a verdict is given on.
pub const MIN_PAIRS: usize = 5;

impl Verdict {
    /// Where the range `(low, high)` of a ratio lies against `target`.
    pub fn of(range: (f64, f64), target: f64) -> Verdict {
        if range.1 <= target {
            Verdict::Within
        } else if range.0 > target {
            Verdict::Over
        } else {
            Verdict::Unclear
        }
    }
}

impl Overhead {
    /// Instrumented wall time over bare wall time (the median runs).
    pub fn ratio(&self) -> f64 {
        self.instrumented_s / self.bare_s
    }

    /// What the probes add to the wall time per hand-off, in nanoseconds: the median
    /// runs' difference over [`HANDOFFS_PER_ITEM`] × items.
    pub fn ns_per_handoff(&self) -> f64 {
        (self.instrumented_s - self.bare_s) * 1e9 / (HANDOFFS_PER_ITEM * self.items) as f64
    }

    /// The ratio's verdict against `target`, from the spread of the pairs (none
    /// with fewer than [`MIN_PAIRS`] of them).
    pub fn verdict(&self, target: f64) -> Verdict {
        if self.runs < MIN_PAIRS {
            return Verdict::TooFewRuns;
        }
        Verdict::of(self.ratio_range, target)
    }
}

/// The smallest and largest of `values` (NaN when empty).
pub fn range(values: &[f64]) -> (f64, f64) {
    if values.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (min, max)
}

/// One point of the peak-heap sweep.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SweepPoint {
    /// Items in the run.
    pub items: u64,
    /// The bound of every queue.
    pub capacity: Option<usize>,
    /// The run's peak heap.
    pub peak_heap_bytes: u64,
    /// Its process's peak resident memory.
    pub max_rss_bytes: u64,
}

/// The median of `values` (NaN when empty).
pub fn median(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

/// The run whose wall time is the median of `runs` (the lower middle one for an
/// even count; `None` when empty).
fn median_run(mut runs: Vec<&CaseResult>) -> Option<&CaseResult> {
    runs.sort_by(|a, b| a.wall_s().total_cmp(&b.wall_s()));
    runs.get(runs.len().saturating_sub(1) / 2).copied()
}

impl Results {
    /// Every instrumented run of `pipeline` on the named scenario `scenario` with
    /// `capacity` (the first run and its repeats), in the order they ran.
    pub fn runs_of(
        &self,
        scenario: &str,
        capacity: Option<usize>,
        pipeline: Pipeline,
    ) -> Vec<&CaseResult> {
        self.runs
            .iter()
            .filter(|r| {
                matches!(r.case.kind, CaseKind::Scenario | CaseKind::Repeat)
                    && r.case.scenario == scenario
                    && r.case.config.capacity == capacity
                    && r.case.pipeline == pipeline
                    && r.report().is_some()
            })
            .collect()
    }

    /// The run of `pipeline` on `scenario` with `capacity` that the tables and figures
    /// show: the one whose wall time is the median of [`Results::runs_of`] (the lower
    /// middle one for an even count), or the only one.
    pub fn run(
        &self,
        scenario: &str,
        capacity: Option<usize>,
        pipeline: Pipeline,
    ) -> Option<&CaseResult> {
        median_run(self.runs_of(scenario, capacity, pipeline))
    }

    /// Why `pipeline` did not run `scenario` with `capacity` here (its broker
    /// cannot be had), when it did not.
    pub fn not_run(
        &self,
        scenario: &str,
        capacity: Option<usize>,
        pipeline: Pipeline,
    ) -> Option<&str> {
        self.runs
            .iter()
            .filter(|r| {
                r.case.kind == CaseKind::Scenario
                    && r.case.scenario == scenario
                    && r.case.config.capacity == capacity
                    && r.case.pipeline == pipeline
            })
            .find_map(CaseResult::not_run)
    }

    /// Whether `pipeline` ran anything in these results (a pipeline whose broker
    /// could not be had ran nothing).
    pub fn ran(&self, pipeline: Pipeline) -> bool {
        self.runs
            .iter()
            .any(|r| r.case.pipeline == pipeline && r.not_run().is_none())
    }

    /// The report of that run.
    pub fn report(
        &self,
        scenario: &str,
        capacity: Option<usize>,
        pipeline: Pipeline,
    ) -> Option<&Report> {
        self.run(scenario, capacity, pipeline)?.report()
    }

    /// Every (scenario, capacity) that has named-scenario runs, in the order they ran.
    pub fn scenario_configs(&self) -> Vec<(String, Option<usize>)> {
        let mut configs: Vec<(String, Option<usize>)> = Vec::new();
        for run in self
            .runs
            .iter()
            .filter(|r| r.case.kind == CaseKind::Scenario)
        {
            let key = (run.case.scenario.clone(), run.case.config.capacity);
            if !configs.contains(&key) {
                configs.push(key);
            }
        }
        configs
    }

    /// The capacities `scenario` ran with.
    pub fn capacities(&self, scenario: &str) -> Vec<Option<usize>> {
        self.scenario_configs()
            .into_iter()
            .filter(|(name, _)| name == scenario)
            .map(|(_, capacity)| capacity)
            .collect()
    }

    /// Instrumented against bare on `throughput` with `capacity`, for `pipeline`.
    pub fn overhead(&self, capacity: Option<usize>, pipeline: Pipeline) -> Option<Overhead> {
        let of_kind = |kind: CaseKind| -> Vec<(u32, f64)> {
            self.runs
                .iter()
                .filter(|r| {
                    r.case.kind == kind
                        && r.case.scenario == Scenario::THROUGHPUT.name
                        && r.case.config.capacity == capacity
                        && r.case.pipeline == pipeline
                })
                .map(|r| (r.case.repeat, r.wall_s()))
                .filter(|(_, w)| w.is_finite() && *w > 0.0)
                .collect()
        };
        let bare = of_kind(CaseKind::Bare);
        let by_hand = of_kind(CaseKind::ByHand);
        // The instrumented time is the median run's, the same run the throughput
        // table shows.
        let runs = self.runs_of(Scenario::THROUGHPUT.name, capacity, pipeline);
        let instrumented: Vec<(u32, f64)> = runs
            .iter()
            .map(|r| (r.case.repeat, r.wall_s()))
            .filter(|(_, w)| w.is_finite() && *w > 0.0)
            .collect();
        let shown = median_run(runs)?;
        if bare.is_empty() || instrumented.is_empty() {
            return None;
        }
        let ratios: Vec<f64> = instrumented
            .iter()
            .filter_map(|&(repeat, i)| {
                let &(_, b) = bare.iter().find(|(r, _)| *r == repeat)?;
                Some(i / b)
            })
            .collect();
        let walls = |runs: &[(u32, f64)]| runs.iter().map(|&(_, w)| w).collect::<Vec<f64>>();
        Some(Overhead {
            runs: ratios.len(),
            instrumented_s: shown.wall_s(),
            bare_s: median(walls(&bare)),
            instrumented_range: range(&walls(&instrumented)),
            bare_range: range(&walls(&bare)),
            ratio_range: range(&ratios),
            items: shown.report()?.items_in,
            by_hand: (!by_hand.is_empty())
                .then(|| (median(walls(&by_hand)), range(&walls(&by_hand)))),
        })
    }

    /// The peak-heap sweep, by capacity then items.
    pub fn sweep(&self) -> Vec<SweepPoint> {
        let mut points: Vec<SweepPoint> = self
            .runs
            .iter()
            .filter(|r| r.case.kind == CaseKind::Sweep)
            .filter_map(|r| {
                let report = r.report()?;
                Some(SweepPoint {
                    items: report.config.items,
                    capacity: report.config.capacity,
                    peak_heap_bytes: report.peak_heap_bytes?,
                    max_rss_bytes: report.max_rss_bytes?,
                })
            })
            .collect();
        points.sort_by_key(|p| (p.capacity.is_some(), p.capacity, p.items));
        points
    }

    /// The pipeline of the sweep, if one ran.
    pub fn sweep_pipeline(&self) -> Option<Pipeline> {
        self.runs
            .iter()
            .find(|r| r.case.kind == CaseKind::Sweep)
            .map(|r| r.case.pipeline)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::data::case::{BareRun, Case, Outcome};
    use pipeline_core::{Config, Scenario};
    use pipeline_registry::REFERENCE;

    fn throughput_run(kind: CaseKind, repeat: u32, wall_s: f64) -> CaseResult {
        let pipeline = REFERENCE;
        let config = pipeline.config(&Config {
            items: 10,
            ..Scenario::THROUGHPUT.config()
        });
        let outcome = if kind.is_bare() {
            Outcome::Bare {
                bare: BareRun {
                    items_out: config.items,
                    wall_s,
                    process_cpu_s: 0.0,
                },
            }
        } else {
            let mut report = pipeline.backend.run(&config).unwrap();
            report.wall_s = wall_s;
            Outcome::Report {
                report: Box::new(report),
                depth_series: None,
                timeline: None,
            }
        };
        CaseResult {
            case: Case {
                scenario: Scenario::THROUGHPUT.name.into(),
                kind,
                pipeline,
                config,
                repeat,
            },
            outcome,
        }
    }

    #[test]
    fn tables_figures_and_overhead_show_the_median_run() {
        let results = Results {
            schema: RESULTS_SCHEMA,
            mode: "quick".into(),
            date: "2026-01-01".into(),
            machine: Machine::this(),
            sleep: Vec::new(),
            runs: vec![
                throughput_run(CaseKind::Scenario, 0, 3.0),
                throughput_run(CaseKind::Bare, 0, 1.0),
                throughput_run(CaseKind::Repeat, 1, 1.0),
                throughput_run(CaseKind::Bare, 1, 1.0),
                throughput_run(CaseKind::Repeat, 2, 2.0),
                throughput_run(CaseKind::Bare, 2, 1.0),
            ],
            elapsed_s: None,
        };
        let capacity = Scenario::THROUGHPUT.config().capacity;
        let pipeline = REFERENCE;
        assert_eq!(
            results
                .runs_of(Scenario::THROUGHPUT.name, capacity, pipeline)
                .len(),
            3
        );
        let shown = results
            .report(Scenario::THROUGHPUT.name, capacity, pipeline)
            .unwrap();
        assert_eq!(shown.wall_s, 2.0);
        let overhead = results.overhead(capacity, pipeline).unwrap();
        assert_eq!(overhead.instrumented_s, shown.wall_s);
        assert_eq!((overhead.bare_s, overhead.runs), (1.0, 3));
        assert_eq!(overhead.ratio_range, (1.0, 3.0));
        assert_eq!(overhead.verdict(1.2), Verdict::TooFewRuns);
        let five = Overhead {
            runs: MIN_PAIRS,
            ..overhead
        };
        assert_eq!(five.verdict(1.2), Verdict::Unclear);
        assert_eq!(five.verdict(3.0), Verdict::Within);
        assert_eq!(overhead.by_hand, None);
        // 2 s against 1 s over 10 items of four hand-offs each: 25 ms per hand-off.
        assert!((overhead.ns_per_handoff() - 2.5e7).abs() < 1.0);
    }

    #[test]
    fn a_verdict_needs_every_pair_on_one_side() {
        assert_eq!(Verdict::of((1.01, 1.19), 1.2), Verdict::Within);
        assert_eq!(Verdict::of((1.21, 1.5), 1.2), Verdict::Over);
        assert_eq!(Verdict::of((1.1, 1.3), 1.2), Verdict::Unclear);
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(vec![]).is_nan());
    }

    /// Results of one bare run of the `book` scenario, that took 42 s in all.
    pub(crate) fn one_run() -> Results {
        let config = Scenario::BOOK.config();
        let case = Case {
            scenario: Scenario::BOOK.name.into(),
            kind: CaseKind::Bare,
            pipeline: REFERENCE,
            config: config.clone(),
            repeat: 0,
        };
        Results {
            schema: RESULTS_SCHEMA,
            mode: "quick".into(),
            date: "2026-01-01".into(),
            machine: Machine::this(),
            sleep: Vec::new(),
            runs: vec![CaseResult {
                case,
                outcome: Outcome::Bare {
                    bare: BareRun {
                        items_out: config.items,
                        wall_s: 1.5,
                        process_cpu_s: 0.5,
                    },
                },
            }],
            elapsed_s: Some(42.0),
        }
    }
}

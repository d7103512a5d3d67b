//! Everything a report run measured, and the figures derived from it: medians,
//! overhead ratios, the peak-heap sweep.

use pipeline_core::{Machine, Report};
use serde::{Deserialize, Serialize};

use crate::case::CaseKind;
use crate::child::CaseResult;
use crate::sleep::SleepStat;
use crate::variant::Variant;

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
}

/// Instrumented against bare wall time on one `throughput` config.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Overhead {
    /// Median wall seconds of the instrumented pipeline.
    pub instrumented_s: f64,
    /// Median wall seconds of the bare pipeline.
    pub bare_s: f64,
    /// Items per run.
    pub items: u64,
    /// Runs of each behind the medians.
    pub runs: usize,
}

impl Overhead {
    /// Instrumented wall time over bare wall time.
    pub fn ratio(&self) -> f64 {
        self.instrumented_s / self.bare_s
    }
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

impl Results {
    /// The named-scenario run of `variant` on `scenario` with `capacity`.
    pub fn run(
        &self,
        scenario: &str,
        capacity: Option<usize>,
        variant: Variant,
    ) -> Option<&CaseResult> {
        self.runs.iter().find(|r| {
            r.case.kind == CaseKind::Scenario
                && r.case.scenario == scenario
                && r.case.config.capacity == capacity
                && r.case.variant == variant
        })
    }

    /// The report of that run.
    pub fn report(
        &self,
        scenario: &str,
        capacity: Option<usize>,
        variant: Variant,
    ) -> Option<&Report> {
        self.run(scenario, capacity, variant)?.report.as_ref()
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

    /// Instrumented against bare on `throughput` with `capacity`, for `variant`.
    pub fn overhead(&self, capacity: Option<usize>, variant: Variant) -> Option<Overhead> {
        let walls = |kinds: &[CaseKind]| -> Vec<f64> {
            self.runs
                .iter()
                .filter(|r| {
                    kinds.contains(&r.case.kind)
                        && r.case.scenario == "throughput"
                        && r.case.config.capacity == capacity
                        && r.case.variant == variant
                })
                .map(CaseResult::wall_s)
                .filter(|w| w.is_finite() && *w > 0.0)
                .collect()
        };
        let instrumented = walls(&[CaseKind::Scenario, CaseKind::Repeat]);
        let bare = walls(&[CaseKind::Bare]);
        if instrumented.is_empty() || bare.is_empty() {
            return None;
        }
        let items = self.report("throughput", capacity, variant)?.items_in;
        Some(Overhead {
            runs: instrumented.len().min(bare.len()),
            instrumented_s: median(instrumented),
            bare_s: median(bare),
            items,
        })
    }

    /// The peak-heap sweep, by capacity then items.
    pub fn sweep(&self) -> Vec<SweepPoint> {
        let mut points: Vec<SweepPoint> = self
            .runs
            .iter()
            .filter(|r| r.case.kind == CaseKind::Sweep)
            .filter_map(|r| {
                let report = r.report.as_ref()?;
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

    /// The variant of the sweep, if one ran.
    pub fn sweep_variant(&self) -> Option<Variant> {
        self.runs
            .iter()
            .find(|r| r.case.kind == CaseKind::Sweep)
            .map(|r| r.case.variant)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(vec![]).is_nan());
    }
}

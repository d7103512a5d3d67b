//! What Rust changes: a CPU-bound resize on 1, 2, 3 and 4 resize workers.
//!
//! The `cpu` scenario has no simulated waits: its resize is a real downscale of 320×240
//! frames, all CPU. The report bench runs it with 1 to 4 resize workers
//! (the measure layer's worker sweep); here are those runs' speed-ups, and the item's
//! Python pipeline as `book/python/cpu_pipeline.py` measured it.

use std::fs;
use std::path::Path;

use anyhow::Context;
use serde::Deserialize;

use crate::data::case::CaseKind;
use crate::data::results::{Results, median};
use pipeline_registry::{Pipeline, REFERENCE};

/// The resize worker counts measured.
pub const RESIZE_WORKERS: [usize; 4] = [1, 2, 3, 4];
/// The backend the worker sweep runs on (any blocking one would do).
pub const PARALLEL_PIPELINE: Pipeline = REFERENCE;
/// The Python measurement, relative to the workspace root.
pub const PYTHON_RESULT: &str = "book/python/cpu_pipeline.json";

/// One worker count, measured.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    /// Resize workers.
    pub workers: usize,
    /// Median wall seconds of its runs.
    pub wall_s: f64,
    /// The one-worker median over this one.
    pub speedup: f64,
    /// Process CPU seconds over wall seconds, median of the runs: how many cores the
    /// pipeline kept busy (Rust only; `None` for Python).
    pub cores_busy: Option<f64>,
}

/// The Rust points of `results`, one per measured worker count (empty without runs).
pub fn rust_points(results: &Results) -> Vec<Point> {
    let measured: Vec<(usize, f64, f64)> = RESIZE_WORKERS
        .iter()
        .filter_map(|&workers| {
            let reports: Vec<_> = results
                .runs
                .iter()
                .filter(|r| {
                    r.case.kind == CaseKind::Parallel && r.case.config.workers[1] == workers
                })
                .filter_map(|r| r.report())
                .collect();
            let walls = reports.iter().map(|r| r.wall_s).collect();
            let busy = reports.iter().map(|r| r.process_cpu_s / r.wall_s).collect();
            (!reports.is_empty()).then(|| (workers, median(walls), median(busy)))
        })
        .collect();
    let walls: Vec<(usize, f64)> = measured.iter().map(|&(w, wall, _)| (w, wall)).collect();
    let mut points = points(&walls);
    for (point, &(_, _, busy)) in points.iter_mut().zip(&measured) {
        point.cores_busy = Some(busy);
    }
    points
}

/// Speed-ups against the one-worker wall time.
fn points(walls: &[(usize, f64)]) -> Vec<Point> {
    let Some(&(1, one)) = walls.first() else {
        return Vec::new();
    };
    walls
        .iter()
        .map(|&(workers, wall_s)| Point {
            workers,
            wall_s,
            speedup: one / wall_s,
            cores_busy: None,
        })
        .collect()
}

/// `book/python/cpu_pipeline.json`, as the Python program writes it.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct PythonResult {
    /// The Python version.
    pub python: String,
    /// Whether the GIL was on.
    pub gil: bool,
    /// Where it ran.
    pub machine: PythonMachine,
    /// When (UTC date).
    pub date: String,
    /// Frames per run.
    pub frames: u64,
    /// Frame size, width and height.
    pub frame: [u32; 2],
    /// The resize filter.
    pub filter: String,
    /// Runs per thread count (the median is kept).
    pub repeats: u32,
    /// The machine's one-minute load average when the runs ended (absent where the
    /// system has none).
    #[serde(default)]
    pub load_average: Option<f64>,
    /// Median wall time per resize thread count.
    pub runs: Vec<PythonRun>,
}

/// The machine the Python program ran on.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct PythonMachine {
    /// The CPU's model name.
    pub cpu: String,
    /// Logical CPUs.
    pub cores: usize,
}

/// One thread count of the Python measurement.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
pub struct PythonRun {
    /// Resize threads.
    pub resize_threads: usize,
    /// Median wall seconds.
    pub wall_s: f64,
    /// Median process CPU time over wall time (absent in older files).
    #[serde(default)]
    pub cores_busy: Option<f64>,
}

impl PythonResult {
    /// Reads the committed measurement from the workspace root.
    pub fn read(root: &Path) -> anyhow::Result<PythonResult> {
        let path = root.join(PYTHON_RESULT);
        let text =
            fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        serde_json::from_str(&text).with_context(|| format!("cannot parse {}", path.display()))
    }

    /// Its points, with speed-ups against one thread.
    pub fn points(&self) -> Vec<Point> {
        let walls: Vec<(usize, f64)> = self
            .runs
            .iter()
            .map(|r| (r.resize_threads, r.wall_s))
            .collect();
        let mut points = points(&walls);
        for (point, run) in points.iter_mut().zip(&self.runs) {
            point.cores_busy = run.cores_busy;
        }
        points
    }
}

/// The machine the worker sweep ran on, as its own reports record it (the results'
/// machine when they hold none).
pub fn sweep_machine(results: &Results) -> pipeline_core::Machine {
    results
        .runs
        .iter()
        .filter(|r| r.case.kind == CaseKind::Parallel)
        .find_map(|r| r.report().map(|report| report.machine.clone()))
        .unwrap_or_else(|| results.machine.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speedups_are_against_one_worker() {
        let points = points(&[(1, 4.0), (2, 2.0), (4, 1.6)]);
        let speedups: Vec<f64> = points.iter().map(|p| p.speedup).collect();
        assert_eq!(speedups, [1.0, 2.0, 2.5]);
        assert!(
            super::points(&[(2, 1.0)]).is_empty(),
            "no one-worker run, no speed-ups"
        );
    }

    #[test]
    fn the_committed_python_measurement_parses() {
        let python = PythonResult::read(&pipeline_book::workspace_root()).unwrap();
        assert_eq!(python.points().first().map(|p| p.workers), Some(1));
        assert_eq!(
            python.frame,
            [320, 240],
            "the same frames as the cpu scenario"
        );
    }
}

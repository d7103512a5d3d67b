//! What Rust changes: a CPU-bound resize on 1, 2, 3 and 4 resize workers.
//!
//! The `cpu` scenario has no simulated waits: its resize is a real downscale of 320×240
//! frames, all CPU. The report bench runs it with 1 to 4 resize workers
//! ([`cases`]), and this module turns those runs into `tables/parallel.md` (wall time
//! and speed-up, next to the item's Python pipeline measured by
//! `book/python/cpu_pipeline.py`) and `figures/parallel.svg`, with the machine's core
//! count drawn as the limit.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;
use pipeline_core::{Config, Scenario};
use plotters::prelude::*;
use serde::Deserialize;

use crate::case::{Case, CaseKind};
use crate::format;
use crate::plan::Plan;
use crate::results::{Results, median};
use pipeline_registry::{Pipeline, REFERENCE};

/// The resize worker counts measured.
pub const RESIZE_WORKERS: [usize; 4] = [1, 2, 3, 4];
/// The backend the worker sweep runs on (any blocking one would do).
pub const PARALLEL_VARIANT: Pipeline = REFERENCE;
/// The Python measurement, relative to the workspace root.
pub const PYTHON_RESULT: &str = "book/python/cpu_pipeline.json";

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
                variant: PARALLEL_VARIANT,
                config: PARALLEL_VARIANT.config(&config),
                repeat,
            });
        }
    }
    cases
}

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
                .filter_map(|r| r.report.as_ref())
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

/// `tables/parallel.md`: wall time and speed-up per worker count, Rust and Python,
/// and one sentence that says what the numbers say.
pub fn table(results: &Results, python: Option<&PythonResult>) -> String {
    let rust = rust_points(results);
    let py = python.map(PythonResult::points).unwrap_or_default();
    let mut out = String::from(
        "| resize workers | Rust wall time | Rust speed-up | Rust cores busy | Python wall time | Python speed-up | Python cores busy |\n\
         |---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for workers in RESIZE_WORKERS {
        let r = rust.iter().find(|p| p.workers == workers);
        let p = py.iter().find(|p| p.workers == workers);
        let cell = |point: Option<&Point>, f: fn(&Point) -> String| point.map_or("–".into(), f);
        out.push_str(&format!(
            "| {workers} | {} | {} | {} | {} | {} | {} |\n",
            cell(r, |p| format!("{} s", format::secs(p.wall_s))),
            cell(r, |p| format::ratio(p.speedup)),
            cell(r, busy),
            cell(p, |p| format!("{} s", format::secs(p.wall_s))),
            cell(p, |p| format::ratio(p.speedup)),
            cell(p, busy),
        ));
    }
    out.push('\n');
    let machine = sweep_machine(results);
    let cores = machine.cpus;
    if let Some(best) = rust.iter().max_by(|a, b| a.speedup.total_cmp(&b.speedup)) {
        let items = results
            .runs
            .iter()
            .find(|r| r.case.kind == CaseKind::Parallel)
            .map_or(0, |r| r.case.config.items);
        out.push_str(&format!(
            "Rust ({} pipeline, {items} frames, median of {} runs): the best speed-up is {} \
             with {} resize workers, on {} with {cores} logical CPUs. \
             \"Cores busy\" is the process's CPU time over its wall time: with more workers \
             than one it can rise towards {cores}, the machine's CPUs, if they are free; a \
             figure below 1 means other programs had the cores for part of the run.",
            PARALLEL_VARIANT.label,
            results
                .runs
                .iter()
                .filter(|r| r.case.kind == CaseKind::Parallel && r.case.config.workers[1] == 1)
                .count(),
            format::ratio(best.speedup),
            best.workers,
            machine.cpu_model,
        ));
    }
    if let Some(python) = python {
        let speedups: Vec<String> = py.iter().map(|p| format::ratio(p.speedup)).collect();
        out.push_str(&format!(
            " Python {} (GIL {}, {} frames of {}×{}, {} filter, median of {}, measured {} \
             on {} logical CPUs, {}{}): speed-ups {} at {} threads.",
            python.python,
            if python.gil { "on" } else { "off" },
            python.frames,
            python.frame[0],
            python.frame[1],
            python.filter,
            python.repeats,
            python.date,
            python.machine.cores,
            python.machine.cpu,
            python
                .load_average
                .map_or(String::new(), |load| format!(", load average {load:.1}")),
            speedups.join(", "),
            py.iter()
                .map(|p| p.workers.to_string())
                .collect::<Vec<_>>()
                .join(", "),
        ));
    }
    out.push('\n');
    out
}

/// The machine the worker sweep ran on, as its own reports record it (the results'
/// machine when they hold none).
fn sweep_machine(results: &Results) -> pipeline_core::Machine {
    results
        .runs
        .iter()
        .filter(|r| r.case.kind == CaseKind::Parallel)
        .find_map(|r| r.report.as_ref().map(|report| report.machine.clone()))
        .unwrap_or_else(|| results.machine.clone())
}

/// A point's cores busy, two decimals, or a dash.
fn busy(point: &Point) -> String {
    point
        .cores_busy
        .map_or("–".into(), |busy| format!("{busy:.2}"))
}

/// Writes `tables/parallel.md` and `figures/parallel.svg` into `out` (nothing when the
/// results hold no worker sweep).
pub fn write(results: &Results, out: &Path, root: &Path) -> anyhow::Result<Vec<PathBuf>> {
    if rust_points(results).is_empty() {
        return Ok(Vec::new());
    }
    let python = match PythonResult::read(root) {
        Ok(python) => Some(python),
        Err(e) => {
            eprintln!("report: {e:#}; the parallel figure shows Rust only");
            None
        }
    };
    let table_path = out.join("tables").join("parallel.md");
    fs::write(&table_path, table(results, python.as_ref()))
        .with_context(|| format!("cannot write {}", table_path.display()))?;
    let figure_path = out.join("figures").join("parallel.svg");
    figure(results, python.as_ref(), &figure_path)?;
    Ok(vec![table_path, figure_path])
}

use crate::plot::{AXIS, LEGEND, TICKS, TITLE, VALUES, WIDTH};
const HEIGHT: u32 = 430;
const FONT: &str = "sans-serif";
const PYTHON_COLOUR: RGBColor = RGBColor(0x99, 0x99, 0x99);
const LIMIT_COLOUR: RGBColor = RGBColor(0x33, 0x33, 0x33);

/// `figures/parallel.svg`: speed-up against resize workers, Rust and Python, with the
/// core count as the limit; the wall times in the labels.
pub fn figure(results: &Results, python: Option<&PythonResult>, path: &Path) -> anyhow::Result<()> {
    let rust = rust_points(results);
    let py = python.map(PythonResult::points).unwrap_or_default();
    let cores = sweep_machine(results).cpus as f64;
    let top = rust
        .iter()
        .chain(&py)
        .map(|p| p.speedup)
        .fold(cores, f64::max)
        .ceil()
        + 0.5;
    let root = SVGBackend::new(path, (WIDTH, HEIGHT)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "A CPU-bound resize: speed-up against resize workers",
            (FONT, TITLE),
        )
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(56)
        .build_cartesian_2d(0.5f64..4.5f64, 0f64..top)?;
    chart
        .configure_mesh()
        .x_labels(4)
        .y_labels((top * 2.0) as usize + 1)
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| format!("{y:.1}×"))
        .x_desc("resize workers (threads)")
        .y_desc("speed-up over one worker")
        .label_style((FONT, TICKS))
        .axis_desc_style((FONT, AXIS))
        .light_line_style(WHITE)
        .bold_line_style(RGBAColor(0, 0, 0, 0.12))
        .draw()?;
    // The limit: no more speed-up than cores, whatever the thread count.
    let limit = |x: f64| x.min(cores);
    chart
        .draw_series(LineSeries::new(
            (0..=35).map(|i| {
                let x = 1.0 + f64::from(i) * 0.1;
                (x, limit(x))
            }),
            LIMIT_COLOUR.stroke_width(1),
        ))?
        .label(format!(
            "ideal: one worker per core, at most {cores:.0} (this machine's CPUs)"
        ))
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], LIMIT_COLOUR));
    let rust_colour = crate::plot::rgb(PARALLEL_VARIANT.colour);
    // Rust's labels above its points, Python's below, so that near-equal speed-ups do
    // not print on top of each other.
    let series = [
        (
            &rust,
            rust_colour,
            "Rust threads (measured here)".to_string(),
            top * 0.10,
        ),
        (
            &py,
            PYTHON_COLOUR,
            python.map_or(String::new(), |p| {
                format!("Python {} threads, GIL (measured {})", p.python, p.date)
            }),
            -top * 0.03,
        ),
    ];
    for (points, colour, label, offset) in series {
        if points.is_empty() {
            continue;
        }
        chart
            .draw_series(LineSeries::new(
                points.iter().map(|p| (p.workers as f64, p.speedup)),
                colour.stroke_width(3),
            ))?
            .label(label)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(3))
            });
        chart.draw_series(
            points
                .iter()
                .map(|p| Circle::new((p.workers as f64, p.speedup), 5, colour.filled())),
        )?;
        chart.draw_series(points.iter().map(|p| {
            Text::new(
                format!(
                    "{} ({} s)",
                    format::ratio(p.speedup),
                    format::secs(p.wall_s)
                ),
                (p.workers as f64 + 0.06, p.speedup + offset),
                (FONT, VALUES).into_font().color(&colour.mix(0.9)),
            )
        }))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .label_font((FONT, LEGEND))
        .background_style(WHITE.mix(0.9))
        .border_style(RGBAColor(0, 0, 0, 0.2))
        .draw()?;
    root.present()
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
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
            case.variant.backend.prepare(&case.config).unwrap();
        }
        let workers: Vec<usize> = cases[..4].iter().map(|c| c.config.workers[1]).collect();
        assert_eq!(workers, RESIZE_WORKERS);
    }

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
        let python = PythonResult::read(&crate::workspace_root()).unwrap();
        assert_eq!(python.points().first().map(|p| p.workers), Some(1));
        assert_eq!(
            python.frame,
            [320, 240],
            "the same frames as the cpu scenario"
        );
    }
}

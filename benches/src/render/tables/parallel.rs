//! `tables/parallel.md`: wall time and speed-up per resize worker count, Rust and
//! Python, and what the numbers say.

use crate::data::case::CaseKind;
use crate::data::parallel::{
    PARALLEL_PIPELINE, Point, PythonResult, RESIZE_WORKERS, rust_points, sweep_machine,
};
use crate::data::results::Results;
use crate::format::{self, MISSING};
use pipeline_present::{Align, Table};

/// `tables/parallel.md`: wall time and speed-up per worker count, Rust and Python,
/// and one sentence that says what the numbers say.
pub fn table(results: &Results, python: Option<&PythonResult>) -> String {
    let rust = rust_points(results);
    let py = python.map(PythonResult::points).unwrap_or_default();
    let mut table = Table::new(
        [
            "resize workers",
            "Rust wall time",
            "Rust speed-up",
            "Rust cores busy",
            "Python wall time",
            "Python speed-up",
            "Python cores busy",
        ]
        .map(|header| (header, Align::Right)),
    );
    for workers in RESIZE_WORKERS {
        let r = rust.iter().find(|p| p.workers == workers);
        let p = py.iter().find(|p| p.workers == workers);
        let cell = |point: Option<&Point>, f: fn(&Point) -> String| point.map_or(MISSING.into(), f);
        table.row([
            workers.to_string(),
            cell(r, |p| format!("{} s", format::secs(p.wall_s))),
            cell(r, |p| format::ratio(p.speedup)),
            cell(r, busy),
            cell(p, |p| format!("{} s", format::secs(p.wall_s))),
            cell(p, |p| format::ratio(p.speedup)),
            cell(p, busy),
        ]);
    }
    let mut out = table.to_markdown();
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
            PARALLEL_PIPELINE.label,
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

/// A point's cores busy, two decimals, or a dash.
fn busy(point: &Point) -> String {
    point
        .cores_busy
        .map_or(MISSING.into(), |busy| format!("{busy:.2}"))
}

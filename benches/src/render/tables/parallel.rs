//! `tables/parallel.md`: wall time and speed-up per resize worker count, Rust and
//! Python, and what the numbers say.

use crate::data::parallel::{Point, PythonResult, RESIZE_WORKERS, rust_points};
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
    table.to_markdown()
}

/// A point's cores busy, two decimals, or a dash.
fn busy(point: &Point) -> String {
    point
        .cores_busy
        .map_or(MISSING.into(), |busy| format!("{busy:.2}"))
}

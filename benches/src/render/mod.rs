//! The render layer: everything drawn from the data. The markdown tables, the SVG
//! figures, the facts, `summary.csv`, `machine.md`, and the writer that puts them
//! into `reports/`. It reads only the data layer, so a saved `results.json` redraws
//! all of it (`--from-results`).

pub mod csv;
pub mod figures;
pub mod files;
pub mod machine;
pub mod tables;

use std::fs;
use std::path::Path;

use anyhow::Context;

use crate::data::facts;
use crate::data::parallel::{PythonResult, rust_points};
use crate::data::results::Results;
use files::write_atomic;

/// Draws everything from `results` into `out` (which holds `tables/` and `figures/`):
/// `machine.md` (with the crate versions of `root`'s `Cargo.lock`, and `elapsed_s`
/// when the results do not hold the run's length), `summary.csv`, the tables, the
/// figures, `facts.json`, the worker sweep's table and figure and the timelines.
pub fn write_all(
    results: &Results,
    out: &Path,
    root: &Path,
    elapsed_s: Option<f64>,
) -> anyhow::Result<()> {
    let path = out.join("machine.md");
    let versions = machine::crate_versions(root);
    write_atomic(&path, machine::machine_md(results, &versions, elapsed_s))
        .with_context(|| format!("cannot write {}", path.display()))?;
    let path = out.join("summary.csv");
    write_atomic(&path, csv::summary_csv(results))
        .with_context(|| format!("cannot write {}", path.display()))?;
    for (name, text) in tables::all(results) {
        let path = out.join("tables").join(name);
        write_atomic(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    figures::all(results, &out.join("figures"))?;
    let python = PythonResult::read(root).ok();
    let path = out.join("facts.json");
    write_atomic(&path, facts::facts(results, python.as_ref()).to_json())
        .with_context(|| format!("cannot write {}", path.display()))?;
    write_parallel(results, out, root)?;
    figures::timeline::draw(results, &out.join("figures"))?;
    Ok(())
}

/// Writes `tables/parallel.md` and `figures/parallel.svg` into `out` (nothing when the
/// results hold no worker sweep), with the Python measurement of `root` when it reads.
fn write_parallel(results: &Results, out: &Path, root: &Path) -> anyhow::Result<()> {
    if rust_points(results).is_empty() {
        return Ok(());
    }
    let python = match PythonResult::read(root) {
        Ok(python) => Some(python),
        Err(e) => {
            eprintln!("report: {e:#}; the parallel figure shows Rust only");
            None
        }
    };
    let path = out.join("tables").join("parallel.md");
    fs::write(&path, tables::parallel::table(results, python.as_ref()))
        .with_context(|| format!("cannot write {}", path.display()))?;
    figures::parallel::figure(
        results,
        python.as_ref(),
        &out.join("figures").join("parallel.svg"),
    )
}

//! `machine.md`: where and when the reports were measured, and with which crates.

use std::fmt::Write;
use std::path::Path;

use pipeline_core::Scenario;

use crate::data::results::Results;
use crate::data::sleep;
use crate::format;

/// The crates whose versions `machine.md` lists, in its order.
pub const VERSIONED: [&str; 7] = [
    "pipeline-core",
    "crossbeam-channel",
    "flume",
    "image",
    "hdrhistogram",
    "criterion",
    "plotters",
];

/// The versions of the crates a report depends on ([`VERSIONED`]), read from the
/// workspace's `Cargo.lock` (none when it cannot be read).
pub fn crate_versions(workspace_root: &Path) -> Vec<(String, String)> {
    let Ok(lock) = cargo_lock::Lockfile::load(workspace_root.join("Cargo.lock")) else {
        return Vec::new();
    };
    let mut versions: Vec<(String, String)> = lock
        .packages
        .iter()
        .filter(|p| VERSIONED.contains(&p.name.as_str()))
        .map(|p| (p.name.as_str().to_string(), p.version.to_string()))
        .collect();
    versions.sort_by_key(|(n, _)| VERSIONED.iter().position(|w| w == n));
    versions
}

/// The first line of `machine.md`'s machine table, counted from 1; the table is also
/// marked by the anchor [`MACHINE_ANCHOR`], for the book's `{{#include …:machine}}`.
pub const MACHINE_TABLE_FIRST_LINE: usize = 3;
/// The mdBook anchor around `machine.md`'s machine table.
pub const MACHINE_ANCHOR: &str = "machine";

/// `machine.md`: where and when the reports were measured, all from `results` (the
/// run's length from [`Results::elapsed_s`], else `elapsed_s`) and the crate
/// versions. The text reads right both on its own and included in the book; the
/// machine table is on lines 3 to 10, between mdBook anchor comments.
pub fn machine_md(
    results: &Results,
    versions: &[(String, String)],
    elapsed_s: Option<f64>,
) -> String {
    let m = &results.machine;
    let mut out = String::from("These reports were measured on this machine:\n");
    let _ = writeln!(out, "<!-- ANCHOR: {MACHINE_ANCHOR} -->");
    let mut run = format!(
        "{} mode, {} runs, each in its own process",
        results.mode,
        results.runs.len()
    );
    if let Some(s) = results.elapsed_s.or(elapsed_s) {
        let _ = write!(run, ", {s:.0} s");
    }
    let rows = [
        ("cores", m.cpus.to_string()),
        ("CPU", m.cpu_model.clone()),
        ("OS", m.os.clone()),
        ("compiler", m.rustc.clone()),
        ("date", format!("{} (UTC)", results.date)),
        ("run", run),
    ];
    out.push_str("| what | this machine |\n|---|---|\n");
    for (what, value) in rows {
        let _ = writeln!(out, "| {what} | {value} |");
    }
    let _ = writeln!(out, "<!-- ANCHOR_END: {MACHINE_ANCHOR} -->");
    out.push_str("\nCrate versions:\n\n| crate | version |\n|---|---|\n");
    for (name, version) in versions {
        let _ = writeln!(out, "| {name} | {version} |");
    }
    if let Some(five) = results.sleep.iter().find(|s| s.requested_ms == 5.0) {
        let _ = write!(
            out,
            "\nTimer: a requested {} ms sleep lasted {:.3} ms on average ({} sleeps); \
             the stage waits of the scenarios are such sleeps.\n",
            five.requested_ms, five.mean_ms, five.samples
        );
    }
    let ideal = results
        .report(Scenario::CAMERA.name, None, pipeline_registry::REFERENCE)
        .and_then(|r| sleep::ideal_with_measured_sleeps(&r.config, &results.sleep));
    if let Some(ideal) = ideal {
        let _ = writeln!(
            out,
            "With these sleep lengths, `camera` is expected to take about {} s: an \
             estimate from the mean sleep lengths, not a lower bound (a run whose \
             sleeps came out shorter than the mean can take less).",
            format::secs(ideal)
        );
    }
    out
}

/// The run's length in seconds as an earlier `machine.md` recorded it (the `run`
/// row's last figure), for redrawing from a `results.json` that does not hold it.
pub fn elapsed_from_machine_md(text: &str) -> Option<f64> {
    let row = text.lines().find(|l| l.starts_with("| run |"))?;
    let value = row.trim_end().trim_end_matches('|').trim_end();
    let seconds = value.strip_suffix(" s")?;
    seconds.rsplit([' ', ',']).next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::results::tests::one_run as results;

    #[test]
    fn every_listed_crate_has_its_locked_version() {
        let root = crate::data::workspace_root();
        let versions = crate_versions(&root);
        let names: Vec<&str> = versions.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, VERSIONED);
        assert!(
            versions.iter().all(|(_, v)| v.split('.').count() == 3),
            "{versions:?}"
        );
    }

    #[test]
    fn the_machine_table_sits_between_its_anchors_on_lines_3_to_10() {
        let text = machine_md(&results(), &[], None);
        let lines: Vec<&str> = text.lines().collect();
        let first = MACHINE_TABLE_FIRST_LINE - 1;
        assert_eq!(lines[first - 1], "<!-- ANCHOR: machine -->");
        assert_eq!(lines[first], "| what | this machine |");
        assert!(
            lines[first + 7].starts_with("| run |"),
            "{}",
            lines[first + 7]
        );
        assert_eq!(lines[first + 8], "<!-- ANCHOR_END: machine -->");
        assert!(!text.contains("this folder"));
    }

    #[test]
    fn the_run_length_survives_a_redraw() {
        let mut results = results();
        let text = machine_md(&results, &[], None);
        assert_eq!(elapsed_from_machine_md(&text), Some(42.0));
        results.elapsed_s = None;
        let redrawn = machine_md(&results, &[], elapsed_from_machine_md(&text));
        assert_eq!(redrawn, text);
    }
}

//! `machine.md`: where and when the reports were measured, and with which crates.

use std::fmt::Write;
use std::path::Path;

use cargo_metadata::DependencyKind;
use pipeline_core::Scenario;
use pipeline_present::{Align, Table};

use crate::data::results::Results;
use crate::data::sleep;
use crate::format;

/// The crates whose versions `machine.md` lists besides the channel crates: the
/// shared core, the frames' image crate, and what measures and draws.
pub const MEASURED_WITH: [&str; 4] = ["image", "hdrhistogram", "criterion", "plotters"];

/// The versions of the crates a report depends on, read from the workspace's
/// `Cargo.lock` (none when it cannot be read): `pipeline-core`, then every crate a
/// pipeline of the registry hands work over with ([`channel_crates`]), then
/// [`MEASURED_WITH`].
pub fn crate_versions(workspace_root: &Path) -> Vec<(String, String)> {
    let Ok(lock) = cargo_lock::Lockfile::load(workspace_root.join("Cargo.lock")) else {
        return Vec::new();
    };
    let mut names = vec!["pipeline-core".to_string()];
    names.extend(channel_crates(workspace_root));
    names.extend(MEASURED_WITH.map(String::from));
    names
        .into_iter()
        .filter_map(|name| {
            let package = lock.packages.iter().find(|p| p.name.as_str() == name)?;
            Some((name, package.version.to_string()))
        })
        .collect()
}

/// The outside crates the backends of `pipeline-registry` depend on (normal
/// dependencies on every platform, so not loom), in the registry's order, as
/// `cargo metadata` reads the manifests; none when it cannot be run.
pub fn channel_crates(workspace_root: &Path) -> Vec<String> {
    let Ok(metadata) = cargo_metadata::MetadataCommand::new()
        .current_dir(workspace_root)
        .no_deps()
        .other_options(["--offline".to_string()])
        .exec()
    else {
        return Vec::new();
    };
    // A package's normal dependencies on every platform.
    let dependencies = |name: &str| -> Vec<String> {
        let package = metadata.packages.iter().find(|p| p.name.as_str() == name);
        package.map_or_else(Vec::new, |p| {
            p.dependencies
                .iter()
                .filter(|d| d.kind == DependencyKind::Normal && d.target.is_none())
                .map(|d| d.name.clone())
                .collect()
        })
    };
    let ours = |name: &str| name.starts_with("pipeline-");
    let mut crates = Vec::new();
    for backend in dependencies("pipeline-registry") {
        if !ours(&backend) || backend == "pipeline-core" {
            continue;
        }
        for dependency in dependencies(&backend) {
            if !ours(&dependency) && !crates.contains(&dependency) {
                crates.push(dependency);
            }
        }
    }
    crates
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
    let mut table = Table::new([("what", Align::Left), ("this machine", Align::Left)]);
    for (what, value) in rows {
        table.row([what.to_string(), value]);
    }
    out.push_str(&table.to_markdown());
    let _ = writeln!(out, "<!-- ANCHOR_END: {MACHINE_ANCHOR} -->");
    out.push_str("\nCrate versions:\n\n");
    let mut crates = Table::new([("crate", Align::Left), ("version", Align::Left)]);
    for (name, version) in versions {
        crates.row([name.as_str(), version.as_str()]);
    }
    out.push_str(&crates.to_markdown());
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
        let root = pipeline_book::workspace_root();
        let versions = crate_versions(&root);
        let names: Vec<&str> = versions.iter().map(|(n, _)| n.as_str()).collect();
        // The core, each channel crate a backend uses, then what measures and draws.
        assert_eq!(names[0], "pipeline-core");
        let channels = &names[1..names.len() - MEASURED_WITH.len()];
        assert!(!channels.is_empty(), "{names:?}");
        assert!(
            channels.iter().all(|n| !n.starts_with("pipeline-")),
            "{names:?}"
        );
        assert_eq!(names[names.len() - MEASURED_WITH.len()..], MEASURED_WITH);
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

//! `machine.md`: where and when the reports were measured, and with which crates.

use std::fmt::Write;
use std::path::Path;

use cargo_metadata::DependencyKind;
use pipeline_present::{Align, Table};

use crate::data::results::Results;
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

/// The mdBook anchor around `machine.md`'s machine table.
pub const MACHINE_ANCHOR: &str = "machine";
/// The mdBook anchor around `machine.md`'s table of crate versions.
pub const VERSIONS_ANCHOR: &str = "versions";

/// `machine.md`: where and when the reports were measured, all from `results` (the
/// run's length from [`Results::elapsed_s`], else `elapsed_s`) and the crate
/// versions: two tables of data, each between mdBook anchor comments (the book shows
/// them with `{{#report machine.md:machine}}`, and says in its own words what they
/// mean). Names the machine gives itself (its CPU, OS and compiler) and crate names
/// are code, so that a translation never takes them for words.
pub fn machine_md(
    results: &Results,
    versions: &[(String, String)],
    elapsed_s: Option<f64>,
) -> String {
    let m = &results.machine;
    let mut out = String::new();
    let _ = writeln!(out, "<!-- ANCHOR: {MACHINE_ANCHOR} -->");
    let mut rows = vec![
        ("cores", m.cpus.to_string()),
        ("CPU", format!("`{}`", m.cpu_model)),
        ("OS", format!("`{}`", m.os)),
        ("compiler", format!("`{}`", m.rustc)),
        ("date (UTC)", results.date.clone()),
        ("mode", format!("`{}`", results.mode)),
        (
            "runs, each in its own process",
            format::count(results.runs.len() as u64),
        ),
    ];
    if let Some(s) = results.elapsed_s.or(elapsed_s) {
        rows.push(("length of the run", format!("{s:.0} s")));
    }
    if let Some(line) = crate::data::channel_hop::topology_line(results) {
        rows.push(("cores the hops were placed on", format!("`{line}`")));
    }
    let mut table = Table::new([("what", Align::Left), ("this machine", Align::Left)]);
    for (what, value) in rows {
        table.row([what.to_string(), value]);
    }
    out.push_str(&table.to_markdown());
    let _ = writeln!(out, "<!-- ANCHOR_END: {MACHINE_ANCHOR} -->");
    let _ = writeln!(out, "\n<!-- ANCHOR: {VERSIONS_ANCHOR} -->");
    let mut crates = Table::new([("crate", Align::Left), ("version", Align::Left)]);
    for (name, version) in versions {
        crates.row([format!("`{name}`"), version.clone()]);
    }
    out.push_str(&crates.to_markdown());
    let _ = writeln!(out, "<!-- ANCHOR_END: {VERSIONS_ANCHOR} -->");
    out
}

/// The run's length in seconds as an earlier `machine.md` recorded it (its `length of
/// the run` row), for redrawing from a `results.json` that does not hold it.
pub fn elapsed_from_machine_md(text: &str) -> Option<f64> {
    let row = text
        .lines()
        .find(|l| l.starts_with("| length of the run |"))?;
    let value = row.trim_end().trim_end_matches('|').trim_end();
    value
        .rsplit('|')
        .next()?
        .trim()
        .strip_suffix(" s")?
        .parse()
        .ok()
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
    fn the_machine_table_sits_between_its_anchors_and_holds_data_only() {
        let text = machine_md(&results(), &[("flume".into(), "0.12.0".into())], None);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "<!-- ANCHOR: machine -->");
        assert_eq!(lines[1], "| what | this machine |");
        assert!(text.contains("<!-- ANCHOR_END: machine -->"), "{text}");
        assert!(text.contains("| `flume` | 0.12.0 |"), "{text}");
        // Every line is a table row or an anchor: the sentences are the book's.
        for line in lines.iter().filter(|l| !l.is_empty()) {
            assert!(line.starts_with('|') || line.starts_with("<!--"), "{line}");
        }
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

//! The data files of `reports/`: `results.json`, `summary.csv` and `machine.md`.

use std::fmt::Write;
use std::fs::{self, File};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use crate::child::CaseResult;
use crate::format;
use crate::results::Results;
use crate::sleep;

/// Writes `contents` to `path` whole or not at all: into a temporary file beside
/// it, flushed and synced, then renamed over it. On a full disk the old file stays
/// as it was and the temporary one is removed.
pub fn write_atomic(path: &Path, contents: impl AsRef<[u8]>) -> io::Result<()> {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(format!(".tmp-{}", std::process::id()));
    let temporary = path.with_file_name(name);
    let written = File::create(&temporary)
        .and_then(|mut file| {
            file.write_all(contents.as_ref())?;
            file.sync_all()
        })
        .and_then(|()| fs::rename(&temporary, path));
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written
}

/// Checks that `dir` takes a file, before hours of runs whose results it must keep.
pub fn check_writable(dir: &Path) -> io::Result<()> {
    let probe: PathBuf = dir.join(format!(".write-check-{}", std::process::id()));
    let written = write_atomic(&probe, b"pipeline-lab: checking the output directory\n");
    let _ = fs::remove_file(&probe);
    written
}

/// `results.json`: the machine, the timer measurement and every run in full (report
/// and depth series, or the bare run), one run per line.
pub fn results_json(results: &Results) -> String {
    let mut out = String::from("{\n");
    let _ = writeln!(out, "  \"schema\": {},", results.schema);
    let _ = writeln!(out, "  \"mode\": {},", line(&results.mode));
    let _ = writeln!(out, "  \"date\": {},", line(&results.date));
    let _ = writeln!(out, "  \"machine\": {},", line(&results.machine));
    let _ = writeln!(out, "  \"sleep\": {},", line(&results.sleep));
    if let Some(elapsed) = results.elapsed_s {
        let _ = writeln!(out, "  \"elapsed_s\": {},", line(&elapsed));
    }
    out.push_str("  \"runs\": [\n");
    for (i, run) in results.runs.iter().enumerate() {
        let comma = if i + 1 < results.runs.len() { "," } else { "" };
        let _ = writeln!(out, "    {}{comma}", line(run));
    }
    out.push_str("  ]\n}\n");
    out
}

/// Compact JSON of a value of the report.
fn line<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("report values serialize")
}

/// Reads a `results.json` back.
pub fn read_results(path: &Path) -> anyhow::Result<Results> {
    let text = std::fs::read_to_string(path)?;
    Ok(serde_json::from_str(&text)?)
}

/// The columns of `summary.csv`.
pub const CSV_HEADER: &str = "scenario,kind,variant,backend,poll_sleep_ms,capacity,items,workers,repeat,\
items_out,failed,wall_s,ideal_wall_s,wall_over_ideal,process_cpu_s,total_polls,polls_per_item,\
latency_p50_us,latency_p99_us,latency_max_us,queue_peak_download,queue_peak_resize,\
queue_peak_upload,peak_heap_bytes,max_rss_bytes,bottleneck_utilisation";

fn csv_row(run: &CaseResult) -> String {
    let case = &run.case;
    let config = &case.config;
    let opt = |v: Option<String>| v.unwrap_or_default();
    let [d, r, u] = config.workers;
    let mut cells = vec![
        case.scenario.clone(),
        serde_json::to_value(case.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        case.variant.id.to_string(),
        case.variant.backend.name.to_string(),
        opt(config.poll_sleep_ms.map(|ms| ms.to_string())),
        opt(config.capacity.map(|c| c.to_string())),
        config.items.to_string(),
        format!("{d}/{r}/{u}"),
        case.repeat.to_string(),
    ];
    match (&run.report, &run.bare) {
        (Some(report), _) => {
            let peaks: Vec<String> = report
                .stages
                .iter()
                .map(|s| s.queue_peak.to_string())
                .collect();
            cells.extend([
                report.items_out.to_string(),
                report.failed.to_string(),
                format!("{:.6}", report.wall_s),
                opt(report.ideal_wall_s.map(|s| format!("{s:.6}"))),
                opt(report
                    .ideal_wall_s
                    .map(|s| format!("{:.4}", report.wall_s / s))),
                format!("{:.6}", report.process_cpu_s),
                report.total_polls().to_string(),
                format!(
                    "{:.4}",
                    report.total_polls() as f64 / report.items_in.max(1) as f64
                ),
                report.latency_us.p50.to_string(),
                report.latency_us.p99.to_string(),
                report.latency_us.max.to_string(),
            ]);
            cells.extend(peaks);
            cells.extend([
                opt(report.peak_heap_bytes.map(|b| b.to_string())),
                opt(report.max_rss_bytes.map(|b| b.to_string())),
                opt(report.bottleneck_utilisation().map(|u| format!("{u:.4}"))),
            ]);
        }
        (None, Some(bare)) => {
            cells.extend([
                bare.items_out.to_string(),
                String::new(),
                format!("{:.6}", bare.wall_s),
                String::new(),
                String::new(),
                format!("{:.6}", bare.process_cpu_s),
            ]);
            cells.extend(std::iter::repeat_n(String::new(), 11));
        }
        (None, None) => cells.extend(std::iter::repeat_n(String::new(), 17)),
    }
    cells.join(",")
}

/// `summary.csv`: one row per run, instrumented or bare.
pub fn summary_csv(results: &Results) -> String {
    let mut out = String::from(CSV_HEADER);
    out.push('\n');
    for run in &results.runs {
        out.push_str(&csv_row(run));
        out.push('\n');
    }
    out
}

/// The versions of the crates a report depends on, read from the workspace's `Cargo.lock`.
pub fn crate_versions(workspace_root: &Path) -> Vec<(String, String)> {
    const WANTED: [&str; 7] = [
        "pipeline-core",
        "crossbeam-channel",
        "flume",
        "image",
        "hdrhistogram",
        "criterion",
        "plotters",
    ];
    let lock = std::fs::read_to_string(workspace_root.join("Cargo.lock")).unwrap_or_default();
    let mut versions = Vec::new();
    let mut name = None;
    for line in lock.lines() {
        if let Some(n) = line.strip_prefix("name = ") {
            name = Some(n.trim_matches('"').to_string());
        } else if let (Some(v), Some(n)) = (line.strip_prefix("version = "), name.take())
            && WANTED.contains(&n.as_str())
        {
            versions.push((n, v.trim_matches('"').to_string()));
        }
    }
    versions.sort_by_key(|(n, _)| WANTED.iter().position(|w| *w == n));
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
        .report("camera", None, pipeline_registry::REFERENCE)
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
    #[test]
    fn an_atomic_write_replaces_whole_or_leaves_the_old_file() {
        let dir = std::env::temp_dir().join(format!("bench-files-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("results.json");
        write_atomic(&path, "old").unwrap();
        write_atomic(&path, "new").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
        check_writable(&dir).unwrap();
        assert_eq!(
            fs::read_dir(&dir).unwrap().count(),
            1,
            "no temporary file left"
        );
        fs::remove_dir_all(dir).unwrap();
    }

    /// A full disk (`/dev/full` fails every write with ENOSPC) is an error.
    #[test]
    fn a_full_disk_is_an_error() {
        if !Path::new("/dev/full").exists() {
            eprintln!("skipped: no /dev/full here");
            return;
        }
        let error = File::options()
            .write(true)
            .open("/dev/full")
            .and_then(|mut full| full.write_all(b"x").and_then(|()| full.sync_all()))
            .unwrap_err();
        assert_eq!(error.raw_os_error(), Some(28), "{error}");
        // The directory /dev takes no regular file we may rename over /dev/full.
        assert!(write_atomic(Path::new("/proc/version"), "x").is_err());
    }

    use super::*;
    use crate::case::{Case, CaseKind};
    use pipeline_core::{Machine, Scenario};
    use pipeline_registry::REFERENCE;

    fn results() -> Results {
        let config = Scenario::BOOK.config();
        let case = Case {
            scenario: "book".into(),
            kind: CaseKind::Scenario,
            variant: REFERENCE,
            config: config.clone(),
            repeat: 0,
        };
        Results {
            schema: crate::results::RESULTS_SCHEMA,
            mode: "quick".into(),
            date: "2026-01-01".into(),
            machine: Machine::this(),
            sleep: Vec::new(),
            runs: vec![CaseResult {
                case,
                report: None,
                bare: None,
                depth_series: None,
                timeline: None,
            }],
            elapsed_s: Some(42.0),
        }
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

    #[test]
    fn results_round_trip_through_json() {
        let results = results();
        let back: Results = serde_json::from_str(&results_json(&results)).unwrap();
        assert_eq!(back, results);
    }
}

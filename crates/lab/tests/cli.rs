//! The `lab` binary as a workshop uses it: every backend and command, the JSON
//! report's shape, fault injection, the gallery, and every kind of bad input.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

const BACKENDS: [&str; 5] = ["polling", "condvar", "mpsc", "crossbeam", "flume"];
const SCENARIOS: [&str; 6] = [
    "book",
    "camera",
    "fanout",
    "bottleneck",
    "paced",
    "throughput",
];

fn lab(args: &[&str]) -> Command {
    let mut command = Command::cargo_bin("lab").expect("the lab binary is built");
    command.args(args);
    command
}

/// Runs `lab` with `args`, expects success, and parses its stdout as JSON.
fn lab_json(args: &[&str]) -> Value {
    let output = lab(args).assert().success().get_output().stdout.clone();
    serde_json::from_slice(&output).expect("stdout is JSON and nothing else")
}

// ---------------------------------------------------------------------------
// The report's shape, as DESIGN.md fixes it.

fn field<'a>(value: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(value, |value, key| {
        value
            .get(key)
            .unwrap_or_else(|| panic!("missing key '{path}' in {value}"))
    })
}

fn is_count(value: &Value) -> bool {
    value.as_u64().is_some()
}

fn expect(value: &Value, path: &str, ok: fn(&Value) -> bool, what: &str) {
    let found = field(value, path);
    assert!(ok(found), "'{path}' should be {what}, found {found}");
}

/// Checks every key of the report against DESIGN.md: present, with the right JSON type.
fn check_report(report: &Value) {
    let number: fn(&Value) -> bool = |v| v.as_f64().is_some();
    let string: fn(&Value) -> bool = Value::is_string;
    let count_or_null: fn(&Value) -> bool = |v| v.is_null() || is_count(v);
    let number_or_null: fn(&Value) -> bool = |v| v.is_null() || v.as_f64().is_some();

    assert_eq!(field(report, "schema"), 2, "schema");
    expect(report, "outcome", string, "a string");
    let backend = field(report, "backend")
        .as_str()
        .expect("backend is a string");
    assert!(BACKENDS.contains(&backend), "unknown backend {backend}");
    expect(
        report,
        "scenario",
        |v| v.is_null() || v.is_string(),
        "a string or null",
    );

    expect(report, "config.items", is_count, "a count");
    let workers: Vec<u64> = field(report, "config.workers")
        .as_array()
        .expect("config.workers is an array")
        .iter()
        .map(|n| n.as_u64().expect("a worker count"))
        .collect();
    assert_eq!(workers.len(), 3, "config.workers has three stages");
    expect(report, "config.capacity", count_or_null, "a count or null");
    for wait in [
        "source_interval_ms",
        "download_ms",
        "resize_ms",
        "upload_ms",
    ] {
        expect(report, &format!("config.{wait}"), number, "a number");
    }
    expect(
        report,
        "config.frame",
        |v| {
            v.is_null()
                || v.as_array()
                    .is_some_and(|wh| wh.len() == 2 && wh.iter().all(is_count))
        },
        "[w, h] or null",
    );
    expect(
        report,
        "config.poll_sleep_ms",
        count_or_null,
        "a count or null",
    );

    for count in ["items_in", "items_out", "failed", "peak_heap_bytes"] {
        expect(report, count, is_count, "a count");
    }
    for seconds in ["wall_s", "process_cpu_s"] {
        expect(report, seconds, number, "a number");
    }
    expect(report, "ideal_wall_s", number_or_null, "a number or null");
    // null when no item arrived to have a latency.
    if !field(report, "latency_us").is_null() {
        for quantile in ["p50", "p99", "max"] {
            expect(
                report,
                &format!("latency_us.{quantile}"),
                is_count,
                "a count",
            );
        }
    }

    let stages = field(report, "stages")
        .as_array()
        .expect("stages is an array");
    let names: Vec<&str> = stages
        .iter()
        .map(|s| field(s, "name").as_str().expect("a stage name"))
        .collect();
    assert_eq!(names, ["download", "resize", "upload"]);
    for (stage, workers_of_stage) in stages.iter().zip(&workers) {
        expect(stage, "queue_peak", is_count, "a count");
        for failure in field(stage, "failures")
            .as_array()
            .expect("failures is an array")
        {
            expect(failure, "kind", string, "a string");
            expect(failure, "count", is_count, "a count");
            expect(failure, "first", string, "a string");
        }
        let stage_workers = field(stage, "workers").as_array().expect("an array");
        assert_eq!(stage_workers.len() as u64, *workers_of_stage, "{stage}");
        for worker in stage_workers {
            for count in ["polls", "done"] {
                expect(worker, count, is_count, "a count");
            }
            expect(worker, "cpu_s", number, "a number");
            expect(worker, "busy_s", number_or_null, "a number or null");
        }
    }

    expect(report, "machine.cpus", is_count, "a count");
    for text in ["cpu_model", "os", "rustc"] {
        expect(report, &format!("machine.{text}"), string, "a string");
    }
}

fn stage_field(report: &Value, stage: usize, worker_field: &str) -> u64 {
    field(report, "stages")[stage]["workers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w[worker_field].as_u64().unwrap())
        .sum()
}

// ---------------------------------------------------------------------------
// Happy paths.

#[test]
fn every_backend_runs_the_book() {
    for backend in BACKENDS {
        let report = lab_json(&[
            "run",
            "--backend",
            backend,
            "--scenario",
            "book",
            "--items",
            "200",
            "--json",
        ]);
        check_report(&report);
        assert_eq!(report["backend"], backend);
        assert_eq!(report["scenario"], "book");
        assert_eq!(
            (report["items_in"].as_u64(), report["items_out"].as_u64()),
            (Some(200), Some(200))
        );
        assert_eq!(report["failed"], 0);
        for stage in 0..3 {
            assert_eq!(stage_field(&report, stage, "done"), 200, "{backend}");
        }
    }
}

#[test]
fn every_backend_runs_the_camera_with_frames() {
    for backend in BACKENDS {
        let report = lab_json(&[
            "run",
            "--backend",
            backend,
            "--scenario",
            "camera",
            "--items",
            "30",
            "--json",
        ]);
        check_report(&report);
        assert_eq!(report["items_out"], 30, "{backend}");
        assert_eq!(report["config"]["frame"], serde_json::json!([64, 48]));
        assert!(
            report["ideal_wall_s"].as_f64().is_some(),
            "waits set an ideal"
        );
    }
}

#[test]
fn the_polling_backend_reports_its_sleep() {
    let report = lab_json(&["run", "--backend", "polling", "--items", "50", "--json"]);
    assert_eq!(report["config"]["poll_sleep_ms"], 10);
    let report = lab_json(&["run", "--backend", "mpsc", "--items", "50", "--json"]);
    assert!(report["config"]["poll_sleep_ms"].is_null());
}

#[test]
fn without_a_scenario_the_report_says_null_and_uses_the_book_s_config() {
    let report = lab_json(&["run", "--backend", "crossbeam", "--json"]);
    check_report(&report);
    assert!(report["scenario"].is_null());
    assert_eq!(report["config"]["items"], 1000);
    assert_eq!(report["config"]["workers"], serde_json::json!([1, 1, 1]));
    assert!(report["config"]["frame"].is_null());
    assert!(report["config"]["capacity"].is_null());
}

#[test]
fn every_override_reaches_the_config() {
    let report = lab_json(&[
        "run",
        "--backend",
        "flume",
        "--scenario",
        "camera",
        "--items",
        "40",
        "--workers",
        "2,3,1",
        "--capacity",
        "4",
        "--source-interval-ms",
        "0.1",
        "--download-ms",
        "0.5",
        "--resize-ms",
        "1",
        "--upload-ms",
        "0",
        "--frame",
        "32x24",
        "--json",
    ]);
    check_report(&report);
    let config = &report["config"];
    assert_eq!(config["items"], 40);
    assert_eq!(config["workers"], serde_json::json!([2, 3, 1]));
    assert_eq!(config["capacity"], 4);
    assert_eq!(config["source_interval_ms"], 0.1);
    assert_eq!(
        (
            &config["download_ms"],
            &config["resize_ms"],
            &config["upload_ms"]
        ),
        (
            &serde_json::json!(0.5),
            &serde_json::json!(1.0),
            &serde_json::json!(0.0)
        )
    );
    assert_eq!(config["frame"], serde_json::json!([32, 24]));
    assert_eq!(report["items_out"], 40);
}

#[test]
fn a_rendezvous_runs_on_the_channels() {
    for backend in ["mpsc", "crossbeam", "flume"] {
        let report = lab_json(&[
            "run",
            "--backend",
            backend,
            "--capacity",
            "0",
            "--items",
            "100",
            "--json",
        ]);
        assert_eq!(report["config"]["capacity"], 0);
        assert_eq!(report["items_out"], 100, "{backend}");
    }
}

#[test]
fn the_text_report_has_a_row_per_stage_and_the_run_s_figures() {
    lab(&[
        "run",
        "--backend",
        "mpsc",
        "--scenario",
        "fanout",
        "--items",
        "40",
    ])
    .assert()
    .success()
    .stdout(
        predicate::str::contains("download")
            .and(predicate::str::contains("resize"))
            .and(predicate::str::contains("upload"))
            .and(predicate::str::contains("queue peak"))
            .and(predicate::str::contains("all"))
            .and(predicate::str::contains("ideal"))
            .and(predicate::str::contains("latency"))
            .and(predicate::str::contains("peak"))
            .and(predicate::str::contains("machine"))
            .and(predicate::str::contains("scenario fanout")),
    );
}

#[test]
fn progress_is_hidden_when_stderr_is_not_a_terminal() {
    lab(&["run", "--backend", "condvar", "--items", "100"])
        .assert()
        .success()
        .stderr(predicate::str::is_empty());
}

#[test]
fn compare_json_is_an_array_of_six_reports() {
    let reports = lab_json(&["compare", "--scenario", "book", "--items", "200", "--json"]);
    let reports = reports.as_array().expect("an array");
    assert_eq!(reports.len(), 6);
    for report in reports {
        check_report(report);
        assert_eq!(report["items_out"], 200);
        assert_eq!(report["scenario"], "book");
    }
    let backends: Vec<&str> = reports
        .iter()
        .map(|r| r["backend"].as_str().unwrap())
        .collect();
    assert_eq!(
        backends,
        [
            "polling",
            "polling",
            "condvar",
            "mpsc",
            "crossbeam",
            "flume"
        ]
    );
    let sleeps: Vec<Option<u64>> = reports
        .iter()
        .map(|r| r["config"]["poll_sleep_ms"].as_u64())
        .collect();
    assert_eq!(sleeps, [Some(10), Some(0), None, None, None, None]);
}

#[test]
fn compare_prints_one_table_with_a_row_per_run() {
    lab(&["compare", "--scenario", "camera", "--items", "20"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("polling (sleep 10 ms)")
                .and(predicate::str::contains("polling (spin)"))
                .and(predicate::str::contains("condvar"))
                .and(predicate::str::contains("mpsc"))
                .and(predicate::str::contains("crossbeam"))
                .and(predicate::str::contains("flume"))
                .and(predicate::str::contains("p99"))
                .and(predicate::str::contains("machine")),
        );
}

#[test]
fn compare_gives_a_poll_sleep_to_the_polling_run_only() {
    let reports = lab_json(&["compare", "--items", "50", "--poll-sleep-ms", "2", "--json"]);
    let sleeps: Vec<Option<u64>> = reports
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["config"]["poll_sleep_ms"].as_u64())
        .collect();
    assert_eq!(sleeps, [Some(2), Some(0), None, None, None, None]);
}

#[test]
fn compare_with_a_rendezvous_skips_the_queues_without_one() {
    let output = lab(&["compare", "--capacity", "0", "--items", "50", "--json"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "skipping polling (sleep 10 ms), polling (spin), condvar",
        ))
        .get_output()
        .stdout
        .clone();
    let reports: Value = serde_json::from_slice(&output).unwrap();
    let backends: Vec<&str> = reports
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["backend"].as_str().unwrap())
        .collect();
    assert_eq!(backends, ["mpsc", "crossbeam", "flume"]);
}

#[test]
fn scenarios_lists_all_six_with_their_parameters() {
    let assert = lab(&["scenarios"]).assert().success();
    let stdout = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    for name in SCENARIOS {
        assert!(stdout.contains(name), "{name} missing:\n{stdout}");
    }
    for parameter in [
        "1000000",
        "3/4/5",
        "unbounded, 8",
        "1024",
        "0.5 ms",
        "1/5/2 ms",
        "320x240",
    ] {
        assert!(stdout.contains(parameter), "{parameter} missing:\n{stdout}");
    }
}

// ---------------------------------------------------------------------------
// Faults and the gallery.

#[test]
fn an_injected_error_is_counted_as_failed() {
    for backend in BACKENDS {
        let report = lab_json(&[
            "run",
            "--backend",
            backend,
            "--items",
            "100",
            "--fail-at",
            "resize:3",
            "--fail-at",
            "upload:70",
            "--json",
        ]);
        check_report(&report);
        assert_eq!(report["failed"], 2, "{backend}");
        assert_eq!(report["items_out"], 98, "{backend}");
        assert_eq!(stage_field(&report, 1, "failed"), 1);
        assert_eq!(stage_field(&report, 2, "failed"), 1);
    }
}

#[test]
fn an_injected_panic_stops_the_run_with_its_stage_named() {
    for backend in BACKENDS {
        let assert = lab(&[
            "run",
            "--backend",
            backend,
            "--items",
            "200",
            "--panic-at",
            "resize:50",
        ])
        .assert()
        .code(1);
        let output = assert.get_output();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("error: the resize stage panicked: injected panic"),
            "{backend}: {stderr}"
        );
        assert!(
            stderr.contains("panic in thread resize-0: "),
            "{backend}: {stderr}"
        );
        assert!(
            !stderr.contains("panicked at"),
            "the default hook's noise: {stderr}"
        );
        assert!(
            !stderr.contains("RUST_BACKTRACE"),
            "the default hook's noise: {stderr}"
        );
        // The partial report: what was done before the run stopped.
        assert!(
            stdout.contains("download") && stdout.contains("resize"),
            "{stdout}"
        );
        // The camera stops when the run does: how many it put before the
        // panic stopped it depends on scheduling, but the resize worker got
        // item 50, so at least 51 went in, and no more than 200.
        let items_in: u64 = stdout
            .lines()
            .find_map(|line| line.strip_prefix("items"))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.replace(',', "").parse().ok())
            .unwrap_or_else(|| panic!("{backend}: no items line: {stdout}"));
        assert!((51..=200).contains(&items_in), "{backend}: {stdout}");
    }
}

#[test]
fn an_injected_panic_with_json_prints_the_partial_report() {
    let assert = lab(&[
        "run",
        "--backend",
        "crossbeam",
        "--items",
        "200",
        "--panic-at",
        "upload:10",
        "--json",
    ])
    .assert()
    .code(1)
    .stderr(predicate::str::contains("error: the upload stage panicked"));
    let report: Value = serde_json::from_slice(&assert.get_output().stdout).unwrap();
    check_report(&report);
    assert!(report["items_out"].as_u64().unwrap() <= 10);
    assert_eq!(stage_field(&report, 2, "done"), 10);
}

fn pngs_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".png"))
        .collect();
    names.sort();
    names
}

#[test]
fn the_gallery_gets_one_png_per_item() {
    let dir = tempfile::tempdir().unwrap();
    let gallery = dir.path().join("gallery");
    let gallery_arg = gallery.to_str().unwrap();
    lab(&[
        "run",
        "--backend",
        "flume",
        "--scenario",
        "camera",
        "--items",
        "12",
        "--gallery",
        gallery_arg,
        "--json",
    ])
    .assert()
    .success();
    let names = pngs_in(&gallery);
    assert_eq!(names.len(), 12, "{names:?}");
    assert_eq!(names[0], "000000.png");
    assert_eq!(names[11], "000011.png");
    assert_eq!(
        std::fs::read_dir(&gallery).unwrap().count(),
        12,
        "the write check is gone"
    );
}

// ---------------------------------------------------------------------------
// Bad input: exit 2, one `error:` line that says what to change, nothing on stdout.

fn refused(args: &[&str], hint: &str) {
    let assert = lab(args)
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty());
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{args:?}: not one line:\n{stderr}");
    assert!(lines[0].starts_with("error: "), "{args:?}: {stderr}");
    assert!(
        lines[0].contains(hint),
        "{args:?}: '{hint}' not in: {stderr}"
    );
}

#[test]
fn unknown_names_are_refused() {
    refused(
        &["run", "--backend", "tokio"],
        "use one of polling, condvar, mpsc, crossbeam, flume",
    );
    refused(
        &["run", "--backend", "mpsc", "--scenario", "nope"],
        "use one of book, camera",
    );
    refused(
        &["compare", "--scenario", "nope"],
        "use one of book, camera",
    );
}

#[test]
fn a_rendezvous_is_refused_where_the_queue_has_none() {
    for backend in ["polling", "condvar"] {
        refused(
            &["run", "--backend", backend, "--capacity", "0"],
            "use a capacity of 1 or more",
        );
    }
}

#[test]
fn bad_workers_are_refused() {
    refused(
        &["run", "--backend", "mpsc", "--workers", "1,0,1"],
        "give it between 1 and 64",
    );
    refused(
        &["run", "--backend", "mpsc", "--workers", "1,100,1"],
        "give it between 1 and 64",
    );
    refused(&["run", "--backend", "mpsc", "--workers", "1,2"], "D,R,U");
    refused(&["run", "--backend", "mpsc", "--workers", "a,b,c"], "D,R,U");
}

#[test]
fn bad_frames_are_refused() {
    refused(&["run", "--backend", "mpsc", "--frame", "64"], "WxH");
    refused(&["run", "--backend", "mpsc", "--frame", "64x"], "WxH");
    refused(
        &["run", "--backend", "mpsc", "--frame", "2x2"],
        "each side must be 4 to 4096",
    );
    refused(
        &["run", "--backend", "mpsc", "--frame", "100000x48"],
        "each side must be 4 to 4096",
    );
}

#[test]
fn negative_and_absurd_numbers_are_refused() {
    refused(&["run", "--backend", "mpsc", "--items", "-5"], "0 or more");
    refused(
        &["run", "--backend", "mpsc", "--items", "many"],
        "whole number",
    );
    refused(
        &["run", "--backend", "mpsc", "--items", "1000000000000"],
        "use at most",
    );
    refused(
        &["run", "--backend", "mpsc", "--download-ms", "-1"],
        "to 60000",
    );
    refused(
        &["run", "--backend", "mpsc", "--resize-ms", "1e9"],
        "to 60000",
    );
    refused(
        &["run", "--backend", "mpsc", "--upload-ms", "NaN"],
        "to 60000",
    );
    refused(
        &["run", "--backend", "mpsc", "--source-interval-ms", "soon"],
        "number of milliseconds",
    );
    refused(
        &["run", "--backend", "mpsc", "--capacity", "-3"],
        "'unbounded'",
    );
    refused(
        &["run", "--backend", "mpsc", "--capacity", "lots"],
        "'unbounded'",
    );
    refused(
        &["run", "--backend", "mpsc", "--capacity", "99999999999"],
        "use at most",
    );
    refused(
        &["run", "--backend", "polling", "--poll-sleep-ms", "-1"],
        "0 (spin) or more",
    );
    refused(
        &["run", "--backend", "polling", "--poll-sleep-ms", "99999"],
        "use 0 (spin) to",
    );
    refused(&["compare", "--poll-sleep-ms", "99999"], "use 0 (spin) to");
}

#[test]
fn a_poll_sleep_is_refused_by_a_blocking_backend() {
    refused(
        &["run", "--backend", "flume", "--poll-sleep-ms", "5"],
        "drop the poll sleep",
    );
}

#[test]
fn bad_faults_are_refused() {
    refused(
        &["run", "--backend", "mpsc", "--fail-at", "crop:1"],
        "use download, resize or upload",
    );
    refused(
        &["run", "--backend", "mpsc", "--panic-at", "resize"],
        "STAGE:ITEM",
    );
    refused(
        &[
            "run",
            "--backend",
            "mpsc",
            "--items",
            "10",
            "--fail-at",
            "resize:10",
        ],
        "would never fire",
    );
}

#[test]
fn a_gallery_without_frames_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let gallery = dir.path().join("gallery");
    refused(
        &[
            "run",
            "--backend",
            "mpsc",
            "--gallery",
            gallery.to_str().unwrap(),
        ],
        "give --frame WxH",
    );
    refused(
        &[
            "run",
            "--backend",
            "mpsc",
            "--scenario",
            "camera",
            "--frame",
            "none",
            "--gallery",
            gallery.to_str().unwrap(),
        ],
        "give --frame WxH",
    );
    assert!(!gallery.exists(), "nothing is created for a refused run");
}

#[test]
fn an_unwritable_gallery_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-directory");
    std::fs::write(&file, b"").unwrap();
    for gallery in [file.clone(), file.join("below")] {
        refused(
            &[
                "run",
                "--backend",
                "mpsc",
                "--scenario",
                "camera",
                "--items",
                "3",
                "--gallery",
                gallery.to_str().unwrap(),
            ],
            "give a directory",
        );
    }
}

#[test]
fn usage_errors_are_one_line_with_exit_code_2() {
    refused(&["run"], "--backend");
    refused(
        &["run", "--backend", "mpsc", "--frobnicate"],
        "--frobnicate",
    );
    refused(&["run", "--backend"], "--backend");
    refused(&["launch"], "launch");
}

#[test]
fn help_exits_zero() {
    lab(&["--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("compare").and(predicate::str::contains("scenarios")));
    lab(&["run", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("--panic-at"));
}

// ---------------------------------------------------------------------------
// Nothing lost: failures keep their reason, stopped runs say so, signals keep
// what was measured, a closed stderr changes no exit code.

#[test]
fn failed_items_are_summed_up_on_stderr_with_their_reason() {
    let assert = lab(&[
        "run",
        "--backend",
        "mpsc",
        "--items",
        "10",
        "--fail-at",
        "resize:3",
        "--fail-at",
        "resize:7",
        "--json",
    ])
    .assert()
    .success();
    let output = assert.get_output();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    check_report(&report);
    let failures = &field(&report, "stages")[1]["failures"];
    assert_eq!(failures[0]["kind"], "injected fault");
    assert_eq!(failures[0]["count"], 2);
    assert_eq!(
        failures[0]["first"],
        "the resize stage failed on item 3: injected fault"
    );
    assert_eq!(field(&report, "outcome"), "completed");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.trim(),
        "failed: 2 of 10 items: resize 2 × injected fault \
         (first: the resize stage failed on item 3: injected fault)"
    );
}

#[test]
fn a_run_where_every_item_failed_says_so_and_fails() {
    let mut args = vec!["run", "--backend", "mpsc", "--items", "3"];
    args.extend([
        "--fail-at",
        "upload:0",
        "--fail-at",
        "upload:1",
        "--fail-at",
        "upload:2",
    ]);
    let assert = lab(&args).assert().code(1);
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stdout.contains("every item failed"), "{stdout}");
    assert!(stderr.contains("failed: every one of 3 items"), "{stderr}");
    assert!(
        stderr.contains("error: every one of the 3 items failed"),
        "{stderr}"
    );
}

#[test]
fn a_stopped_run_says_how_it_ended_in_json() {
    let assert = lab(&[
        "compare",
        "--items",
        "100",
        "--panic-at",
        "resize:50",
        "--json",
    ])
    .assert()
    .code(1);
    let reports: Value = serde_json::from_slice(&assert.get_output().stdout).unwrap();
    for report in reports.as_array().unwrap() {
        check_report(report);
        assert_eq!(field(report, "outcome"), "stopped: panic in resize");
    }
}

#[test]
fn figures_are_never_inf_nan_or_negative_zero() {
    let report = lab_json(&[
        "run",
        "--backend",
        "mpsc",
        "--items",
        "1",
        "--source-interval-ms",
        "5",
        "--download-ms",
        "-0",
        "--json",
    ]);
    assert_eq!(field(&report, "ideal_wall_s"), &Value::Null);
    let text = report.to_string();
    assert!(!text.contains("-0.0"), "{text}");
    let assert = lab(&[
        "run",
        "--backend",
        "mpsc",
        "--items",
        "1",
        "--source-interval-ms",
        "5",
        "--download-ms",
        "-0",
    ])
    .assert()
    .success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    // The machine's line names a kernel, which may well contain "-0".
    let figures: Vec<&str> = stdout
        .lines()
        .filter(|l| !l.starts_with("machine"))
        .collect();
    for bad in ["inf", "NaN", "-0"] {
        assert!(
            figures.iter().all(|l| !l.contains(bad)),
            "'{bad}' in:\n{stdout}"
        );
    }
    assert!(stdout.contains("waits 0/0/0 ms"), "{stdout}");
}

#[test]
fn conflicting_and_duplicate_faults_are_refused() {
    refused(
        &[
            "run",
            "--backend",
            "mpsc",
            "--fail-at",
            "resize:1",
            "--panic-at",
            "resize:1",
        ],
        "conflict: an item can fail or panic in a stage, not both",
    );
    refused(
        &[
            "run",
            "--backend",
            "mpsc",
            "--fail-at",
            "resize:1",
            "--fail-at",
            "resize:1",
        ],
        "is given twice",
    );
}

#[test]
fn rough_edges_of_the_wording_are_smooth() {
    refused(
        &[
            "run",
            "--backend",
            "mpsc",
            "--items",
            "10",
            "--fail-at",
            "resize:10",
        ],
        "the run has 10 items (ids 0 to 9)",
    );
    refused(
        &[
            "run",
            "--backend",
            "mpsc",
            "--items",
            "0",
            "--fail-at",
            "resize:0",
        ],
        "the run has no items",
    );
    refused(
        &["run", "--backend", "mpsc", "--workers", "-1,1,1"],
        "D,R,U",
    );
    refused(&["run", "--backend", "mpsc", "--frame", "-1x5"], "WxH");
    refused(
        &["run", "--backend", "mpsc", "--download-ms", "-inf"],
        "the download wait of -inf ms is out of range",
    );
    refused(
        &["run", "--backend", "mpsc", "--download-ms", "1e-300"],
        "the download wait of 1e-300 ms is out of range",
    );
    let report = lab_json(&[
        "run",
        "--backend",
        "mpsc",
        "--workers",
        "1_0,1,1",
        "--items",
        "1_000",
        "--json",
    ]);
    assert_eq!(field(&report, "config.workers")[0], 10);
}

#[test]
fn a_config_that_cannot_fit_is_refused_with_the_estimate() {
    refused(
        &[
            "run",
            "--backend",
            "mpsc",
            "--items",
            "100000",
            "--frame",
            "4096x4096",
            "--resize-ms",
            "0",
        ],
        "unbounded queues may hold up to 100000 frames of 48 MiB",
    );
}

/// The path of the built lab, for tests that spawn it by hand.
fn lab_path() -> std::path::PathBuf {
    assert_cmd::cargo::cargo_bin("lab")
}

#[test]
fn a_closed_stderr_changes_no_exit_code() {
    use std::os::fd::{FromRawFd, OwnedFd};
    use std::process::Stdio;
    for (args, code) in [
        (&["run", "--backend", "nope"][..], 2),
        (&["run", "--backends"][..], 2),
        (
            &[
                "run",
                "--backend",
                "mpsc",
                "--items",
                "5",
                "--panic-at",
                "resize:1",
            ][..],
            1,
        ),
    ] {
        let mut fds = [0; 2];
        // Safety: `fds` is a valid array of two file descriptors for pipe(2) to fill.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        // Safety: pipe(2) just opened both descriptors and nothing else owns them.
        let (reader, writer) =
            unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        drop(reader);
        let status = std::process::Command::new(lab_path())
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::from(writer))
            .status()
            .unwrap();
        assert_eq!(status.code(), Some(code), "{args:?}: {status}");
    }
}

#[test]
fn a_full_disk_under_the_gallery_is_reported_not_hidden() {
    use std::os::unix::process::CommandExt;
    let dir = tempfile::tempdir().unwrap();
    let mut command = std::process::Command::new(lab_path());
    command.args([
        "run",
        "--backend",
        "flume",
        "--scenario",
        "camera",
        "--items",
        "20",
    ]);
    command
        .args(["--frame", "256x256", "--gallery"])
        .arg(dir.path());
    // Files may grow to 4 KiB only, like a disk that is nearly full: the writes
    // past it fail with "File too large" (the signal it would send is ignored).
    // Safety: setrlimit and signal are async-signal-safe, as pre_exec needs.
    unsafe {
        command.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: 4096,
                rlim_max: 4096,
            };
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stdout.contains("20 in · 0 out · 20 failed"), "{stdout}");
    assert!(
        stderr.contains("upload 20 × cannot write the gallery (File too large)"),
        "{stderr}"
    );
    assert_eq!(
        pngs_in(dir.path()),
        Vec::<String>::new(),
        "no partial file left"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

/// A lab process spawned for a signal test, killed if the test fails first.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Spawns `lab` with `args`, and waits until it catches signals and a pipeline
/// runs (its threads named `signals` and `resize-0` exist), under a watchdog.
fn spawn_catching(args: &[&str]) -> Child {
    use std::process::Stdio;
    let child = std::process::Command::new(lab_path())
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let child = Child(child);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let names = std::fs::read_dir(format!("/proc/{pid}/task"))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|task| std::fs::read_to_string(task.path().join("comm")).ok())
            .collect::<Vec<_>>();
        let has = |thread: &str| names.iter().any(|name| name.trim() == thread);
        if has("signals") && has("resize-0") {
            return child;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "watchdog: lab never caught signals"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

/// Sends `signal` to `child`, then waits for it to end under a watchdog; its
/// exit code, stdout and stderr.
fn signal_and_wait(child: Child, signal: i32) -> (Option<i32>, String, String) {
    // Safety: kill(2) with the pid of a child this test spawned and still owns.
    assert_eq!(unsafe { libc::kill(child.0.id() as i32, signal) }, 0);
    finish(child)
}

fn finish(mut child: Child) -> (Option<i32>, String, String) {
    use std::io::Read;
    let (mut out, mut err) = (
        child.0.stdout.take().unwrap(),
        child.0.stderr.take().unwrap(),
    );
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = err.read_to_string(&mut text);
        text
    });
    let mut stdout = String::new();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = out.read_to_string(&mut stdout);
        let _ = tx.send(stdout);
    });
    let stdout = rx
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("watchdog: lab did not end after the signal");
    let status = child.0.wait().unwrap();
    (status.code(), stdout, reader.join().unwrap())
}

#[test]
fn ctrl_c_stops_the_run_and_keeps_what_was_measured() {
    let child = spawn_catching(&[
        "run",
        "--backend",
        "crossbeam",
        "--items",
        "10000000",
        "--resize-ms",
        "1",
        "--json",
    ]);
    let (code, stdout, stderr) = signal_and_wait(child, libc::SIGINT);
    assert_eq!(code, Some(130), "{stderr}");
    let report: Value = serde_json::from_str(&stdout).expect("the partial report, as JSON");
    check_report(&report);
    assert_eq!(field(&report, "outcome"), "interrupted");
    assert!(field(&report, "items_in").as_u64().unwrap() < 10_000_000);
    assert!(stderr.contains("interrupted by SIGINT"), "{stderr}");
}

#[test]
fn sigterm_stops_the_run_with_exit_code_143_and_says_so() {
    let child = spawn_catching(&[
        "run",
        "--backend",
        "condvar",
        "--items",
        "10000000",
        "--resize-ms",
        "1",
    ]);
    let (code, stdout, stderr) = signal_and_wait(child, libc::SIGTERM);
    assert_eq!(code, Some(143), "{stderr}");
    assert!(stdout.contains("outcome  interrupted"), "{stdout}");
    assert!(stdout.contains("interrupted by SIGTERM"), "{stdout}");
}

#[test]
fn ctrl_c_during_compare_prints_the_runs_it_has() {
    let child = spawn_catching(&[
        "compare",
        "--items",
        "10000000",
        "--resize-ms",
        "1",
        "--json",
    ]);
    let (code, stdout, stderr) = signal_and_wait(child, libc::SIGINT);
    assert_eq!(code, Some(130), "{stderr}");
    let reports: Value = serde_json::from_str(&stdout).expect("the runs so far, as JSON");
    let reports = reports.as_array().unwrap();
    assert!(!reports.is_empty() && reports.len() < 6, "{stdout}");
    assert_eq!(field(reports.last().unwrap(), "outcome"), "interrupted");
}

#[test]
fn a_second_ctrl_c_ends_the_lab_at_once() {
    use std::io::{BufRead, BufReader};
    // One resize wait of a minute: after the first Ctrl-C, the drain waits for it.
    let mut child = spawn_catching(&[
        "run",
        "--backend",
        "mpsc",
        "--items",
        "10",
        "--resize-ms",
        "60000",
    ]);
    let pid = child.0.id() as i32;
    // Safety: kill(2) with the pid of a child this test spawned and still owns.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let mut stderr = BufReader::new(child.0.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    assert!(line.contains("SIGINT: stopping the run"), "{line}");
    // Safety: as above.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "watchdog: the second Ctrl-C did not end the lab"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    assert_eq!(status.code(), Some(130));
}

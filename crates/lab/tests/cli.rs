//! The `lab` binary as a workshop uses it: every backend and command, fault
//! injection, the gallery, bad input, signals, a closed stderr and a full disk.
//!
//! Every command runs under a watchdog ([`WATCHDOG`]), so a hung `lab` fails its
//! test instead of hanging the suite. Every `--json` output is read into
//! [`pipeline_core::Report`] ([`reports`]): the report's shape is checked there,
//! once, and the tests check what the figures say.

use std::ffi::OsStr;
#[cfg(target_os = "linux")]
use std::io::Read;
use std::path::Path;
#[cfg(unix)]
use std::process::ExitStatus;
#[cfg(unix)]
use std::process::Stdio;
#[cfg(target_os = "linux")]
use std::sync::mpsc;
#[cfg(unix)]
use std::thread;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use pipeline_core::{Config, Report};
use pipeline_registry::{ALL, POLLING_SLEEP, Pipeline, STD_CHANNEL};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// How long one `lab` command may take before its test fails: far above what any
/// of them takes on a loaded 2-core machine, so only a hang reaches it.
const WATCHDOG: Duration = Duration::from_secs(120);

/// The names of every backend that can run here, from the registry of pipelines:
/// one with a broker only where a server can be had (else the skip is said once).
fn backend_names() -> Vec<&'static str> {
    runnable_backends().iter().map(|b| b.name).collect()
}

fn runnable_backends() -> Vec<pipeline_core::Backend> {
    pipeline_registry::backends()
        .into_iter()
        .filter(|b| b.broker.is_none() || pipeline_registry::broker_available_for_tests())
        .collect()
}

/// `line`'s words, with `{polling}` and `{blocking}` replaced by the names of the
/// polling backend and of a blocking one (the standard library's channel).
fn words(line: &str) -> Vec<String> {
    line.split_whitespace()
        .map(|word| {
            word.replace("{polling}", POLLING_SLEEP.backend.name)
                .replace("{blocking}", STD_CHANNEL.backend.name)
        })
        .collect()
}

/// The built `lab`.
fn lab_path() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_lab"))
}

/// `lab` with `args`, under the watchdog.
fn lab<I: IntoIterator<Item = S>, S: AsRef<OsStr>>(args: I) -> Command {
    let mut command = Command::new(lab_path());
    command.args(args).timeout(WATCHDOG);
    command
}

/// What a finished `lab` printed, and how it ended.
#[derive(Debug)]
struct Output {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `command` to its end; a run the watchdog had to kill fails the test.
fn output(command: &mut Command) -> Output {
    let started = Instant::now();
    let output = command.output().expect("lab starts");
    assert!(
        started.elapsed() < WATCHDOG,
        "watchdog: lab ran longer than {WATCHDOG:?}"
    );
    Output {
        code: output.status.code(),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

/// `lab LINE` (its words split at whitespace), run to its end.
fn run(line: &str) -> Output {
    output(&mut lab(words(line)))
}

/// Reads `json` as `T` (a [`Report`], or a list of them), strictly: written back,
/// it must give the same JSON, so a key the type does not know, a missing key or a
/// value of the wrong type fails, as well as any key out of the schema.
fn strict<T: DeserializeOwned + serde::Serialize>(json: &str) -> T {
    let value: Value =
        serde_json::from_str(json).unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{json}"));
    let typed: T = serde_json::from_value(value.clone())
        .unwrap_or_else(|e| panic!("not the report's schema ({e}):\n{json}"));
    let again = serde_json::to_value(&typed).expect("a report serializes");
    assert_eq!(again, value, "keys or values out of the report's schema");
    typed
}

/// The report or reports a `--json` command printed.
fn reports(stdout: &str) -> Vec<Report> {
    match stdout.trim_start().starts_with('[') {
        true => strict(stdout),
        false => vec![strict(stdout)],
    }
}

/// Runs `lab LINE`, expects exit code 0, and reads its JSON.
fn json_run(line: &str) -> Report {
    let out = run(line);
    assert_eq!(out.code, Some(0), "lab {line}:\n{}", out.stderr);
    let mut reports = reports(&out.stdout);
    assert_eq!(reports.len(), 1, "lab {line}: one report");
    reports.remove(0)
}

/// What holds for every report: the three stages in order with the configured
/// workers, nothing delivered twice, no more out or failed than went in (all of it
/// when the run completed), and finite, positive times.
fn check_invariants(report: &Report) {
    assert_eq!(report.schema, pipeline_core::SCHEMA);
    assert!(
        backend_names().contains(&report.backend.as_str()),
        "{report:?}"
    );
    let names: Vec<&str> = report.stages.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["download", "resize", "upload"]);
    for (stage, workers) in report.stages.iter().zip(report.config.workers) {
        assert_eq!(stage.workers.len(), workers, "{}", stage.name);
    }
    assert_eq!(report.duplicates, 0, "exactly once");
    assert!(report.items_out + report.failed <= report.items_in);
    if report.outcome == pipeline_core::COMPLETED {
        assert_eq!(report.items_out + report.failed, report.items_in);
    }
    for figure in [report.wall_s, report.process_cpu_s] {
        assert!(figure.is_finite() && figure >= 0.0, "{report:?}");
    }
}

#[test]
fn the_schema_check_refuses_unknown_missing_and_mistyped_keys() {
    let out = run("run -b {blocking} --items 5 --json");
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    let refused = |change: fn(&mut serde_json::Map<String, Value>)| {
        let mut changed = report.clone();
        change(changed.as_object_mut().unwrap());
        let json = changed.to_string();
        std::panic::catch_unwind(|| strict::<Report>(&json)).is_err()
    };
    assert!(!refused(|_| {}), "the report as printed passes");
    assert!(
        refused(|r| drop(r.insert("extra".into(), 1.into()))),
        "unknown key"
    );
    assert!(refused(|r| drop(r.remove("scenario"))), "missing key");
    assert!(
        refused(|r| drop(r.insert("items_in".into(), "5".into()))),
        "mistyped"
    );
}

// ---------------------------------------------------------------------------
// Runs that succeed: one row per behaviour, checked on the report.

/// A `lab … --json` command that succeeds, and what its report must say.
struct JsonRun {
    /// The behaviour, as the failure message names it.
    what: &'static str,
    line: String,
    check: fn(&Report),
}

fn json_runs() -> Vec<JsonRun> {
    let mut runs = Vec::new();
    for backend in backend_names() {
        runs.push(JsonRun {
            what: "every backend runs the book's pipeline",
            line: format!("run -b {backend} --scenario book --items 200 --json"),
            check: |r| {
                assert_eq!(r.scenario.as_deref(), Some("book"));
                assert_eq!((r.items_in, r.items_out, r.failed), (200, 200, 0));
                for stage in &r.stages {
                    assert_eq!(stage.done(), 200, "{}", stage.name);
                }
            },
        });
        runs.push(JsonRun {
            what: "every backend runs the camera, with frames and an ideal wall time",
            line: format!("run -b {backend} --scenario camera --items 30 --json"),
            check: |r| {
                assert_eq!(r.items_out, 30);
                assert_eq!(r.config.frame, Some((64, 48)));
                assert!(r.ideal_wall_s.is_some(), "waits set an ideal");
            },
        });
        runs.push(JsonRun {
            what: "an injected error is counted as failed, and the run goes on",
            line: format!(
                "run -b {backend} --items 100 --fail-at resize:3 --fail-at upload:70 --json"
            ),
            check: |r| {
                assert_eq!((r.failed, r.items_out), (2, 98));
                assert_eq!((r.stages[1].failed(), r.stages[2].failed()), (1, 1));
            },
        });
    }
    for backend in runnable_backends().iter().filter(|b| b.rendezvous) {
        let backend = backend.name;
        runs.push(JsonRun {
            what: "a rendezvous runs on the channels",
            line: format!("run -b {backend} --capacity 0 --items 100 --json"),
            check: |r| assert_eq!((r.config.capacity, r.items_out), (Some(0), 100)),
        });
    }
    runs.extend([
        JsonRun {
            what: "the polling backend reports its default sleep",
            line: "run -b {polling} --items 50 --json".into(),
            check: |r| assert_eq!(r.config.poll_sleep_ms, Some(10)),
        },
        JsonRun {
            what: "a blocking backend reports no poll sleep",
            line: "run -b {blocking} --items 50 --json".into(),
            check: |r| assert_eq!(r.config.poll_sleep_ms, None),
        },
        JsonRun {
            what: "without a scenario, the report says null and the config is the book's",
            line: "run -b {blocking} --json".into(),
            check: |r| {
                assert_eq!(r.scenario, None);
                let c = &r.config;
                assert_eq!((c.items, c.workers), (1000, [1, 1, 1]));
                assert_eq!((c.frame, c.capacity), (None, None));
            },
        },
        JsonRun {
            what: "every override reaches the config",
            line: "run -b {blocking} --scenario camera --items 40 --workers 2,3,1 --capacity 4 \
                   --source-interval-ms 0.1 --download-ms 0.5 --resize-ms 1 --upload-ms 0 \
                   --frame 32x24 --json"
                .into(),
            check: |r| {
                let c = &r.config;
                assert_eq!((c.items, c.workers, c.capacity), (40, [2, 3, 1], Some(4)));
                assert_eq!(
                    (
                        c.source_interval_ms,
                        c.download_ms,
                        c.resize_ms,
                        c.upload_ms
                    ),
                    (0.1, 0.5, 1.0, 0.0)
                );
                assert_eq!(c.frame, Some((32, 24)));
                assert_eq!(r.items_out, 40);
            },
        },
        JsonRun {
            what: "numbers may have _ separators",
            line: "run -b {blocking} --workers 1_0,1,1 --items 1_000 --json".into(),
            check: |r| assert_eq!((r.config.workers[0], r.config.items), (10, 1000)),
        },
        JsonRun {
            what: "a negative zero wait is zero, and waits of zero set no ideal",
            line: "run -b {blocking} --items 1 --source-interval-ms 5 --download-ms -0 --json"
                .into(),
            check: |r| {
                assert!(r.config.download_ms.is_sign_positive());
                assert_eq!(r.ideal_wall_s, None);
            },
        },
    ]);
    runs
}

#[test]
fn runs_report_what_they_were_asked_and_did() {
    for JsonRun { what, line, check } in json_runs() {
        let report = json_run(&line);
        check_invariants(&report);
        assert_eq!(report.outcome, pipeline_core::COMPLETED, "lab {line}");
        let backend = words(&line).swap_remove(2);
        assert_eq!(report.backend, backend, "lab {line}");
        // A failed check names the behaviour and the command.
        std::panic::catch_unwind(|| check(&report))
            .unwrap_or_else(|_| panic!("{what}: lab {line}"));
    }
}

#[test]
fn figures_are_never_inf_nan_or_negative_zero() {
    let json = run("run -b {blocking} --items 1 --source-interval-ms 5 --download-ms -0 --json");
    assert!(!json.stdout.contains("-0.0"), "{}", json.stdout);
    let text = run("run -b {blocking} --items 1 --source-interval-ms 5 --download-ms -0");
    assert_eq!(text.code, Some(0), "{}", text.stderr);
    // The machine's line names a kernel, which may well contain "-0".
    let figures = text.stdout.lines().filter(|l| !l.starts_with("machine"));
    for line in figures {
        for bad in ["inf", "NaN", "-0"] {
            assert!(!line.contains(bad), "'{bad}' in:\n{}", text.stdout);
        }
    }
    assert!(text.stdout.contains("waits 0/0/0 ms"), "{}", text.stdout);
}

// ---------------------------------------------------------------------------
// What the lab prints: one row per command, its exit code, and what stdout and
// stderr must hold.

/// What stderr must hold.
enum Stderr {
    /// Nothing at all.
    Empty,
    /// Each of these.
    Has(&'static [&'static str]),
}

struct Printed {
    what: &'static str,
    line: &'static str,
    code: i32,
    stdout: &'static [&'static str],
    stderr: Stderr,
}

const PRINTED: &[Printed] = &[
    Printed {
        what: "the text report has a row per stage and the run's figures",
        line: "run -b {blocking} --scenario fanout --items 40",
        code: 0,
        stdout: &[
            "download",
            "resize",
            "upload",
            "queue peak",
            "all",
            "ideal",
            "latency",
            "peak",
            "machine",
            "scenario fanout",
        ],
        stderr: Stderr::Empty,
    },
    Printed {
        what: "progress is hidden when stderr is not a terminal",
        line: "run -b {blocking} --items 100",
        code: 0,
        stdout: &["download"],
        stderr: Stderr::Empty,
    },
    Printed {
        what: "compare prints one table (a row per pipeline: see below)",
        line: "compare --scenario camera --items 20",
        code: 0,
        stdout: &["p99", "machine"],
        stderr: Stderr::Empty,
    },
    Printed {
        what: "scenarios lists all six with their parameters",
        line: "scenarios",
        code: 0,
        stdout: &[
            "book",
            "camera",
            "fanout",
            "bottleneck",
            "paced",
            "throughput",
            "1000000",
            "3/4/5",
            "unbounded, 8",
            "1024",
            "0.5 ms",
            "1/5/2 ms",
            "320x240",
        ],
        stderr: Stderr::Empty,
    },
    Printed {
        what: "help lists the commands",
        line: "--help",
        code: 0,
        stdout: &["run", "compare", "scenarios"],
        stderr: Stderr::Empty,
    },
    Printed {
        what: "a command's help lists its options",
        line: "run --help",
        code: 0,
        stdout: &["--backend", "--panic-at", "--gallery", "--trace"],
        stderr: Stderr::Empty,
    },
    Printed {
        what: "the version is printed",
        line: "--version",
        code: 0,
        stdout: &[concat!("lab ", env!("CARGO_PKG_VERSION"))],
        stderr: Stderr::Empty,
    },
    Printed {
        what: "a run where every item failed says so and fails",
        line: "run -b {blocking} --items 3 --fail-at upload:0 --fail-at upload:1 --fail-at upload:2",
        code: 1,
        stdout: &["every item failed"],
        stderr: Stderr::Has(&[
            "failed: every one of 3 items",
            "error: every one of the 3 items failed",
        ]),
    },
];

#[test]
fn commands_print_what_they_say_with_their_exit_code() {
    for case in PRINTED {
        let out = run(case.line);
        let context = format!("{}: lab {}\n{out:#?}", case.what, case.line);
        assert_eq!(out.code, Some(case.code), "{context}");
        for fragment in case.stdout {
            assert!(
                out.stdout.contains(fragment),
                "'{fragment}' missing: {context}"
            );
        }
        match case.stderr {
            Stderr::Empty => assert_eq!(out.stderr, "", "{context}"),
            Stderr::Has(fragments) => {
                for fragment in fragments {
                    assert!(
                        out.stderr.contains(fragment),
                        "'{fragment}' missing: {context}"
                    );
                }
            }
        }
    }
}

#[test]
fn failed_items_are_summed_up_on_stderr_with_their_reason() {
    let out = run("run -b {blocking} --items 10 --fail-at resize:3 --fail-at resize:7 --json");
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let report = &reports(&out.stdout)[0];
    check_invariants(report);
    let failures = &report.stages[1].failures;
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert_eq!(failures[0].kind, "injected fault");
    assert_eq!(failures[0].count, 2);
    assert_eq!(
        failures[0].first,
        "the resize stage failed on item 3: injected fault"
    );
    assert_eq!(report.outcome, pipeline_core::COMPLETED);
    assert_eq!(
        out.stderr.trim(),
        "failed: 2 of 10 items: resize 2 × injected fault \
         (first: the resize stage failed on item 3: injected fault)"
    );
}

// ---------------------------------------------------------------------------
// compare: every pipeline on one config.

/// The backends of `reports`, in order.
fn backends(reports: &[Report]) -> Vec<&str> {
    reports.iter().map(|r| r.backend.as_str()).collect()
}

/// The poll sleeps of `reports`, in order.
fn sleeps(reports: &[Report]) -> Vec<Option<u64>> {
    reports.iter().map(|r| r.config.poll_sleep_ms).collect()
}

/// The registry's pipelines that `keep` and that can run here (one with a broker
/// only where a server can be had: `compare` shows the others' runs), as `get`
/// sees them.
fn listed<T>(keep: impl Fn(&Pipeline) -> bool, get: impl Fn(&Pipeline) -> T) -> Vec<T> {
    let names = backend_names();
    ALL.iter()
        .filter(|p| keep(p) && names.contains(&p.backend.name))
        .map(get)
        .collect()
}

#[test]
fn compare_runs_every_pipeline_of_the_registry_in_its_order() {
    let out = run("compare --scenario book --items 200 --json");
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let reports = reports(&out.stdout);
    assert_eq!(backends(&reports), listed(|_| true, |p| p.backend.name));
    let book = Config::default();
    let sleeps_asked = listed(|_| true, |p| p.config(&book).poll_sleep_ms);
    assert_eq!(sleeps(&reports), sleeps_asked);
    assert_eq!(
        sleeps_asked[..2],
        [Some(10), Some(0)],
        "sleeping, then spinning"
    );
    for report in &reports {
        check_invariants(report);
        assert_eq!(report.items_out, 200);
        assert_eq!(report.scenario.as_deref(), Some("book"));
    }
}

#[test]
fn compare_prints_a_row_per_pipeline() {
    let out = run("compare --scenario camera --items 20");
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    for label in listed(|_| true, |p| p.label) {
        assert!(
            out.stdout.lines().any(|line| line.starts_with(label)),
            "no row for {label}:\n{}",
            out.stdout
        );
    }
}

#[test]
fn compare_gives_a_poll_sleep_to_the_polling_run_only() {
    let out = run("compare --items 50 --poll-sleep-ms 2 --json");
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let two = Config {
        poll_sleep_ms: Some(2),
        ..Config::default()
    };
    let asked = listed(|_| true, |p| p.config(&two).poll_sleep_ms);
    assert_eq!(sleeps(&reports(&out.stdout)), asked);
    assert_eq!(asked[..2], [Some(2), Some(0)], "sleeping, then spinning");
}

#[test]
fn compare_with_a_rendezvous_skips_the_queues_without_one() {
    let out = run("compare --capacity 0 --items 50 --json");
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let skipped = listed(|p| !p.backend.rendezvous, |p| p.label).join(", ");
    assert!(!skipped.is_empty(), "the pollers have no rendezvous");
    assert!(
        out.stderr.contains(&format!("skipping {skipped}")),
        "{}",
        out.stderr
    );
    assert_eq!(
        backends(&reports(&out.stdout)),
        listed(|p| p.backend.rendezvous, |p| p.backend.name)
    );
}

#[test]
fn a_stopped_compare_says_how_each_run_ended_in_json() {
    let out = run("compare --items 100 --panic-at resize:50 --json");
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    let reports = reports(&out.stdout);
    assert_eq!(reports.len(), listed(|_| true, |_| ()).len());
    for report in &reports {
        check_invariants(report);
        assert_eq!(report.outcome, "stopped: panic in resize");
    }
}

// ---------------------------------------------------------------------------
// Panics and the gallery.

#[test]
fn an_injected_panic_stops_the_run_with_its_stage_named() {
    for backend in backend_names() {
        let out = run(&format!(
            "run -b {backend} --items 200 --panic-at resize:50"
        ));
        let context = format!("{backend}: {out:#?}");
        assert_eq!(out.code, Some(1), "{context}");
        for said in [
            "error: the resize stage panicked: injected panic",
            "panic in thread resize-0: ",
        ] {
            assert!(out.stderr.contains(said), "'{said}' missing: {context}");
        }
        // The default hook's noise is replaced by one line.
        for noise in ["panicked at", "RUST_BACKTRACE"] {
            assert!(!out.stderr.contains(noise), "'{noise}': {context}");
        }
        // The partial report: what was done before the run stopped.
        assert!(out.stdout.contains("resize"), "{context}");
        // The camera stops when the run does: how many it put before the panic
        // stopped it depends on scheduling, but the resize worker got item 50,
        // so at least 51 went in, and no more than 200.
        let items_in: u64 = out
            .stdout
            .lines()
            .find_map(|line| line.strip_prefix("items"))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.replace(',', "").parse().ok())
            .unwrap_or_else(|| panic!("no items line: {context}"));
        assert!((51..=200).contains(&items_in), "{context}");
    }
}

#[test]
fn an_injected_panic_with_json_prints_the_partial_report() {
    let out = run("run -b {blocking} --items 200 --panic-at upload:10 --json");
    assert_eq!(out.code, Some(1), "{out:#?}");
    assert!(
        out.stderr.contains("error: the upload stage panicked"),
        "{}",
        out.stderr
    );
    let report = &reports(&out.stdout)[0];
    check_invariants(report);
    assert_eq!(report.outcome, "stopped: panic in upload");
    assert!(report.items_out <= 10);
    assert_eq!(report.stages[2].done(), 10);
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn the_gallery_gets_one_png_per_item_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let gallery = dir.path().join("gallery");
    let out = output(
        lab(words(
            "run -b {blocking} --scenario camera --items 12 --json",
        ))
        .arg("--gallery")
        .arg(&gallery),
    );
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let expected: Vec<String> = (0..12).map(|id| format!("{id:06}.png")).collect();
    assert_eq!(files_in(&gallery), expected, "the write check is gone");
}

#[cfg(unix)]
/// `command` with files limited to `bytes`, like a disk that is nearly full: the
/// writes past it fail with "File too large" (the signal it would send is ignored).
fn with_file_limit(command: &mut std::process::Command, bytes: u64) {
    use std::os::unix::process::CommandExt;
    // Safety: setrlimit and signal are async-signal-safe, as pre_exec needs.
    unsafe {
        command.pre_exec(move || {
            let limit = libc::rlimit {
                rlim_cur: bytes,
                rlim_max: bytes,
            };
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
}

#[cfg(unix)]
/// A gallery on a nearly full disk is refused before the run: the write check
/// writes as much as a thumbnail (an empty file would fit, and then every item
/// would fail).
#[test]
fn a_full_disk_under_the_gallery_is_refused_before_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let mut command = std::process::Command::new(lab_path());
    command
        .args(words(
            "run -b {blocking} --scenario camera --items 20 --frame 256x256",
        ))
        .arg("--gallery")
        .arg(dir.path());
    with_file_limit(&mut command, 4096);
    let out = output(Command::from_std(command).timeout(WATCHDOG));
    assert_eq!(out.code, Some(2), "{out:#?}");
    assert_eq!(out.stdout, "", "nothing ran");
    assert!(
        out.stderr.contains("cannot write thumbnails into")
            && out.stderr.contains("File too large"),
        "{}",
        out.stderr
    );
    assert_eq!(files_in(dir.path()), Vec::<String>::new(), "no file left");
}

#[cfg(unix)]
/// A trace that cannot be written once the run has ended (a full disk) loses
/// the trace, not the run: the report is printed first, the exit code is 1, and
/// no partial file is left.
#[test]
fn a_full_disk_under_the_trace_keeps_the_report_and_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("trace.json");
    let mut command = std::process::Command::new(lab_path());
    command
        .args(words(
            "run -b {polling} -s camera --items 200 --json --trace",
        ))
        .arg(&trace);
    with_file_limit(&mut command, 64 << 10);
    let out = output(Command::from_std(command).timeout(WATCHDOG));
    assert_eq!(out.code, Some(1), "{out:#?}");
    let report: Report = strict(&out.stdout);
    assert_eq!(report.items_out, 200);
    assert!(
        out.stderr.contains("cannot write the trace to") && out.stderr.contains("File too large"),
        "{}",
        out.stderr
    );
    assert_eq!(
        files_in(dir.path()),
        Vec::<String>::new(),
        "no partial trace left"
    );
    // A device that is always full: the same, and the device is left alone.
    if Path::new("/dev/full").exists() {
        let out = run("run -b {blocking} --items 50 --json --trace /dev/full");
        assert_eq!(out.code, Some(1), "{out:#?}");
        let report: Report = strict(&out.stdout);
        assert_eq!(report.items_out, 50);
        assert!(
            out.stderr.contains("No space left on device"),
            "{}",
            out.stderr
        );
        assert!(
            !Path::new("/dev/full").is_file(),
            "/dev/full is still a device"
        );
    }
}

#[cfg(target_os = "linux")]
/// Under an address-space limit (`ulimit -v 200000`) a run whose frames, working
/// copies, stacks and allocator do not fit is refused before it starts (it used to
/// be accepted and then abort with a backtrace), and one that fits runs.
#[test]
fn the_memory_check_counts_against_the_address_space_limit() {
    use std::os::unix::process::CommandExt;
    let limited = |capacity: &str| {
        let mut command = std::process::Command::new(lab_path());
        command.args(words(&format!(
            "run -b condvar --frame 2048x2048 --items 50 --capacity {capacity} --json"
        )));
        // Safety: setrlimit is async-signal-safe, as pre_exec needs.
        unsafe {
            command.pre_exec(|| {
                let limit = libc::rlimit {
                    rlim_cur: 200_000 << 10,
                    rlim_max: 200_000 << 10,
                };
                match libc::setrlimit(libc::RLIMIT_AS, &limit) {
                    0 => Ok(()),
                    _ => Err(std::io::Error::last_os_error()),
                }
            });
        }
        output(Command::from_std(command).timeout(WATCHDOG))
    };
    let out = limited("8");
    assert_eq!(out.code, Some(2), "{out:#?}");
    assert_eq!(out.stdout, "");
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.contains("(ulimit -v) leaves"), "{}", out.stderr);
}

/// A bad trace path is refused before anything is created: the gallery's
/// directory is not made either.
#[test]
fn a_bad_trace_path_leaves_no_gallery_behind() {
    let dir = tempfile::tempdir().unwrap();
    let gallery = dir.path().join("gallery");
    let out = output(
        lab(words("run -b {blocking} --items 5 --frame 16x16"))
            .arg("--gallery")
            .arg(&gallery)
            .arg("--trace")
            .arg(dir.path().join("no/such/dir/trace.json")),
    );
    assert_eq!(out.code, Some(2), "{out:#?}");
    assert!(
        out.stderr.contains("cannot write the trace to"),
        "{}",
        out.stderr
    );
    assert!(
        !gallery.exists(),
        "the gallery was created before the trace was checked"
    );
}

#[cfg(target_os = "linux")]
/// A closed stdout would lose the report silently: the lab says so and fails.
#[test]
fn a_closed_stdout_is_said_and_fails() {
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "exec '{}' run -b mpsc --items 10 >&-",
            lab_path().display()
        ))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("stdout is closed"), "{stderr}");
}

/// An overlong argument is quoted cut, not whole, in its error line.
#[test]
fn an_overlong_value_is_cut_in_its_error_line() {
    let long = "9".repeat(100_000);
    for flag in ["--items", "--fail-at"] {
        let out = output(&mut lab(["run", "-b", "mpsc", flag, &long]));
        assert_eq!(out.code, Some(2), "{flag}");
        assert!(out.stderr.len() < 400, "{flag}: {} bytes", out.stderr.len());
        assert!(out.stderr.contains("…"), "{}", out.stderr);
    }
}

/// `lab compare` fails when every item of every run failed, as `lab run` does.
#[test]
fn compare_fails_when_every_item_of_every_run_failed() {
    let faults: Vec<String> = (0..10).map(|i| format!("--fail-at download:{i}")).collect();
    let out = run(&format!(
        "compare --items 10 --capacity 1 {}",
        faults.join(" ")
    ));
    assert_eq!(out.code, Some(1), "{out:#?}");
    assert!(
        out.stderr.contains("every one of the 10 items failed"),
        "{}",
        out.stderr
    );
}

/// The counts of a stopped run add up, in the JSON and in the summary: the item
/// whose stage panicked is counted in its stage, the rest in the queues.
#[test]
fn a_stopped_run_s_counts_add_up() {
    let out = run("run -b {polling} --items 2000 --panic-at upload:1999 --json");
    assert_eq!(out.code, Some(1), "{out:#?}");
    let report: Report = strict(&out.stdout);
    assert_eq!(
        (report.items_in, report.items_out, report.failed),
        (2000, 1999, 0)
    );
    assert_eq!((report.unfinished, report.stages[2].held), (1, 1));
    let out =
        run("run -b {blocking} -s bottleneck --capacity 8 --workers 3,4,5 --panic-at upload:0");
    assert_eq!(out.code, Some(1), "{out:#?}");
    assert!(out.stdout.contains(" unfinished ("), "{}", out.stdout);
}

/// A stop does not wait for the current wait: a minute-long download is cut
/// short by one SIGINT, and the report is kept.
#[cfg(target_os = "linux")]
#[test]
fn a_signal_ends_a_minute_long_wait_at_once() {
    for line in [
        "run -b {blocking} --items 3 --download-ms 60000 --json",
        "run -b {blocking} --items 3 --source-interval-ms 60000 --json",
        "run -b {polling} --items 3 --poll-sleep-ms 10000 --source-interval-ms 60000 --json",
    ] {
        let started = Instant::now();
        let child = spawn_catching(line);
        thread::sleep(Duration::from_millis(500));
        signal(&child, libc::SIGINT);
        let out = finish(child);
        assert_eq!(out.code, Some(130), "{line}: {out:#?}");
        let report: Report = strict(&out.stdout);
        assert_eq!(
            report.items_in,
            report.items_out + report.failed + report.unfinished
        );
        // Generous: only a stop that waited for the minute reaches it.
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{line}: the stop waited"
        );
    }
}

// ---------------------------------------------------------------------------
// Bad input: exit code 2, one `error:` line that says what to change, nothing on
// stdout, and nothing run. One row per way a refusal reaches the command line;
// the rules themselves are tested where they live (the value parsers in
// `src/args.rs`, the config's checks in pipeline-core, the backends' in its
// conformance kit).

/// Runs `lab` with `args`, and checks it refused them with one line holding `hint`.
fn assert_refused<I: IntoIterator<Item = S>, S: AsRef<OsStr>>(args: I, hint: &str) {
    let mut command = lab(args);
    let shown = format!("{command:?}");
    let out = output(&mut command);
    assert_eq!(out.code, Some(2), "{shown}: {out:#?}");
    assert_eq!(out.stdout, "", "{shown}");
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{shown}: not one line:\n{}", out.stderr);
    assert!(lines[0].starts_with("error: "), "{shown}: {}", out.stderr);
    assert!(
        lines[0].contains(hint),
        "{shown}: '{hint}' not in: {}",
        out.stderr
    );
}

/// Bad command lines, and a fragment of the one line each is refused with.
const REFUSED: &[(&str, &str)] = &[
    // Usage, as clap sees it.
    ("run", "required arguments were not provided: --backend"),
    (
        "run -b {blocking} --frobnicate",
        "unexpected argument '--frobnicate'",
    ),
    ("launch", "unrecognized subcommand 'launch'"),
    // Names the lab looks up.
    ("run -b nats", "unknown backend 'nats': use one of"),
    (
        "run -b {blocking} --scenario nope",
        "use one of book, camera",
    ),
    // The value parsers of the command line, one row each.
    ("run -b {blocking} --items -5", "0 or more"),
    ("run -b {blocking} --workers 1,2", "D,R,U"),
    ("run -b {blocking} --capacity lots", "'unbounded'"),
    ("run -b {blocking} --capacity 99999999999", "use at most"),
    (
        "run -b {blocking} --source-interval-ms soon",
        "number of milliseconds",
    ),
    ("run -b {blocking} --frame 64", "WxH"),
    ("run -b {polling} --poll-sleep-ms -1", "0 (spin) or more"),
    (
        "run -b {blocking} --fail-at crop:1",
        "use download, resize or upload",
    ),
    ("run -b {blocking} --panic-at resize", "STAGE:ITEM"),
    // The config's checks, one row per kind of refusal, with its wording.
    ("run -b {blocking} --items 1000000000000", "use at most"),
    (
        "run -b {blocking} --workers 1,100001,1",
        "give it between 1 and 100000",
    ),
    (
        "run -b {blocking} --frame 100000x48",
        "each side must be 4 to 4096",
    ),
    ("run -b {blocking} --upload-ms NaN", "to 60000"),
    (
        "run -b {blocking} --download-ms -inf",
        "the download wait of -inf ms is out of range",
    ),
    ("run -b {polling} --poll-sleep-ms 99999", "use 0 (spin) to"),
    ("compare --poll-sleep-ms 99999", "use 0 (spin) to"),
    ("run -b {blocking} --poll-sleep-ms 5", "drop the poll sleep"),
    (
        "run -b {polling} --capacity 0",
        "use a capacity of 1 or more",
    ),
    (
        "run -b {blocking} --items 10 --fail-at resize:10",
        "would never fire: the run has 10 items (ids 0 to 9)",
    ),
    (
        "run -b {blocking} --fail-at resize:1 --panic-at resize:1",
        "conflict: an item can fail or panic in a stage, not both",
    ),
    (
        "run -b {blocking} --items 100000 --frame 4096x4096 --resize-ms 0",
        "unbounded queues may hold up to 106251 frames of 48 MiB",
    ),
    (
        "run -b {blocking} --max-deliveries 3",
        "--max-deliveries is for a pipeline with a broker",
    ),
    (
        "run -b {blocking} --max-deliveries 0",
        "use a whole number of deliveries between 1 and 1000",
    ),
    (
        "worker --broker redis://127.0.0.1:1 --run x --stage resize --workers -1",
        "use a whole number of workers, 1 or more",
    ),
    (
        "worker --broker nats://127.0.0.1:4222 --run x --stage resize",
        "no pipeline has a broker at 'nats://127.0.0.1:4222'",
    ),
];

#[test]
fn bad_input_is_refused_with_one_line_and_exit_code_2() {
    for (line, hint) in REFUSED {
        assert_refused(words(line), hint);
    }
    // An empty run id, which no line of words can hold.
    let empty_run = ["worker", "--broker", "redis://127.0.0.1:1", "--run", ""];
    let args = [&empty_run[..], &["--stage", "resize"]].concat();
    assert_refused(args, "give the run id that `run --processes` printed");
}

#[test]
fn a_gallery_is_refused_without_frames_or_a_directory_and_nothing_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let gallery = dir.path().join("gallery");
    let file = dir.path().join("not-a-directory");
    std::fs::write(&file, b"").unwrap();
    let cases = [
        ("run -b {blocking}", &gallery, "give --frame WxH"),
        (
            "run -b {blocking} --scenario camera --frame none",
            &gallery,
            "give --frame WxH",
        ),
        (
            "run -b {blocking} --scenario camera --items 3",
            &file,
            "give a directory",
        ),
        (
            "run -b {blocking} --scenario camera --items 3",
            &file.join("below"),
            "give a directory",
        ),
    ];
    for (line, dir, hint) in cases {
        let mut args: Vec<&OsStr> = Vec::new();
        let words = words(line);
        args.extend(words.iter().map(OsStr::new));
        args.extend([OsStr::new("--gallery"), dir.as_os_str()]);
        assert_refused(args, hint);
    }
    assert!(!gallery.exists(), "nothing is created for a refused run");
}

// ---------------------------------------------------------------------------
// Nothing lost: a closed stderr changes no exit code, signals keep what was
// measured.

/// Waits for `child` to end, under the watchdog.
#[cfg(unix)]
fn wait(child: &mut std::process::Child) -> ExitStatus {
    let deadline = Instant::now() + WATCHDOG;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "watchdog: lab did not end");
        thread::sleep(Duration::from_millis(10));
    }
}

#[cfg(unix)]
#[test]
fn a_closed_stderr_changes_no_exit_code() {
    use std::os::fd::{FromRawFd, OwnedFd};
    for (line, code) in [
        ("run -b nope", 2),
        ("run --backends", 2),
        ("run -b {blocking} --items 5 --panic-at resize:1", 1),
    ] {
        let mut fds = [0; 2];
        // Safety: `fds` is a valid array of two file descriptors for pipe(2) to fill.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        // Safety: pipe(2) just opened both descriptors and nothing else owns them.
        let (reader, writer) =
            unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        drop(reader);
        let mut child = Child(
            std::process::Command::new(lab_path())
                .args(words(line))
                .stdout(Stdio::null())
                .stderr(Stdio::from(writer))
                .spawn()
                .unwrap(),
        );
        let status = wait(&mut child.0);
        assert_eq!(status.code(), Some(code), "lab {line}: {status}");
    }
}

/// A lab process spawned by hand, killed if the test fails first.
#[cfg(unix)]
struct Child(std::process::Child);

#[cfg(unix)]
impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[cfg(target_os = "linux")]
/// Spawns `lab LINE`, and waits until it catches signals and a pipeline runs
/// (its threads named `signals` and `resize-0` exist), under the watchdog.
fn spawn_catching(line: &str) -> Child {
    let child = std::process::Command::new(lab_path())
        .args(words(line))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let child = Child(child);
    let deadline = Instant::now() + WATCHDOG;
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
            Instant::now() < deadline,
            "watchdog: lab never caught signals"
        );
        thread::sleep(Duration::from_millis(5));
    }
}

#[cfg(target_os = "linux")]
/// Sends `signal` to `child`.
fn signal(child: &Child, signal: i32) {
    // Safety: kill(2) with the pid of a child this test spawned and still owns.
    assert_eq!(unsafe { libc::kill(child.0.id() as i32, signal) }, 0);
}

#[cfg(target_os = "linux")]
/// Reads all of `from` in a thread; the text comes through the receiver.
fn read_all(mut from: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut text = String::new();
        let _ = from.read_to_string(&mut text);
        let _ = tx.send(text);
    });
    rx
}

#[cfg(target_os = "linux")]
/// Waits for `child` to end under the watchdog: its exit code, stdout and stderr.
fn finish(mut child: Child) -> Output {
    let stdout = read_all(child.0.stdout.take().unwrap());
    let stderr = read_all(child.0.stderr.take().unwrap());
    let watch = |text: mpsc::Receiver<String>| {
        text.recv_timeout(WATCHDOG)
            .expect("watchdog: lab did not end after the signal")
    };
    let (stdout, stderr) = (watch(stdout), watch(stderr));
    Output {
        code: wait(&mut child.0).code(),
        stdout,
        stderr,
    }
}

#[cfg(target_os = "linux")]
#[test]
fn ctrl_c_stops_the_run_and_keeps_what_was_measured() {
    let child = spawn_catching("run -b {blocking} --items 10000000 --resize-ms 1 --json");
    signal(&child, libc::SIGINT);
    let out = finish(child);
    assert_eq!(out.code, Some(130), "{}", out.stderr);
    let report = &reports(&out.stdout)[0];
    check_invariants(report);
    assert_eq!(report.outcome, pipeline_core::INTERRUPTED);
    assert!(report.items_in < 10_000_000);
    assert!(
        out.stderr.contains("interrupted by SIGINT"),
        "{}",
        out.stderr
    );
}

#[cfg(target_os = "linux")]
#[test]
fn sigterm_stops_the_run_with_exit_code_143_and_says_so() {
    let child = spawn_catching("run -b {blocking} --items 10000000 --resize-ms 1");
    signal(&child, libc::SIGTERM);
    let out = finish(child);
    assert_eq!(out.code, Some(143), "{}", out.stderr);
    assert!(
        out.stdout.contains("outcome  interrupted"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("interrupted by SIGTERM"),
        "{}",
        out.stdout
    );
}

#[cfg(target_os = "linux")]
#[test]
fn ctrl_c_during_compare_prints_the_runs_it_has() {
    let child = spawn_catching("compare --items 10000000 --resize-ms 1 --json");
    signal(&child, libc::SIGINT);
    let out = finish(child);
    assert_eq!(out.code, Some(130), "{}", out.stderr);
    let reports = reports(&out.stdout);
    assert!(!reports.is_empty() && reports.len() < 6, "{}", out.stdout);
    let last = reports.last().unwrap();
    assert_eq!(last.outcome, pipeline_core::INTERRUPTED);
}

#[cfg(target_os = "linux")]
#[test]
fn a_second_ctrl_c_ends_the_lab_at_once() {
    use std::io::{BufRead, BufReader};
    // One resize wait of a minute: after the first Ctrl-C, the drain waits for it.
    let mut child = spawn_catching("run -b {blocking} --items 10 --resize-ms 60000");
    signal(&child, libc::SIGINT);
    let mut stderr = BufReader::new(child.0.stderr.take().unwrap());
    let (tx, first_line) = mpsc::channel();
    thread::spawn(move || {
        let mut line = String::new();
        let _ = stderr.read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = first_line
        .recv_timeout(WATCHDOG)
        .expect("watchdog: nothing on stderr after Ctrl-C");
    assert!(line.contains("SIGINT: stopping the run"), "{line}");
    signal(&child, libc::SIGINT);
    // Far less than the minute the drain would wait, but generous on a loaded machine.
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the second Ctrl-C did not end the lab"
        );
        thread::sleep(Duration::from_millis(10));
    };
    assert_eq!(status.code(), Some(130));
}

/// A crowd of threads this machine would not give is refused before any thread
/// starts, in one line naming the limit, with exit code 2; the same crowd as tasks
/// runs. Where this machine's limits would give 100,000 threads, there is nothing
/// to refuse, and only the check's own answer is compared.
#[test]
fn a_crowd_of_threads_beyond_the_os_limit_is_refused_before_it_starts() {
    // Windows has no limit on threads to read: a crowd there is only as big as the
    // memory the check counts, and 100,000 threads would really start.
    #[cfg(unix)]
    {
        let config = pipeline_core::Config {
            items: 100_000,
            workers: [100_000, 1, 1],
            ..pipeline_core::Config::default()
        };
        let refusal = pipeline_core::fit::check_threads_this_machine(&config);
        let out = run("run --backend mpsc --scenario crowd --items 100000 --download-ms 1");
        match refusal {
            Err(refusal) => {
                assert_eq!(out.code, Some(2), "{}", out.stderr);
                let line = out.stderr.trim();
                assert_eq!(line.lines().count(), 1, "{line}");
                assert!(
                    line.starts_with("error: this run needs 100005 threads"),
                    "{line}"
                );
                let limit = refusal.to_string();
                let named = [
                    "pid_max",
                    "threads-max",
                    "max_map_count",
                    "ulimit -u",
                    "pids.max",
                    "num_taskthreads",
                ];
                assert!(named.iter().any(|n| limit.contains(n)), "{limit}");
                assert!(out.stdout.is_empty(), "nothing ran: {}", out.stdout);
            }
            Ok(()) => assert_eq!(out.code, Some(0), "{}", out.stderr),
        }
    }
    let tasks =
        json_run("run --backend tokio --scenario crowd --items 2000 --download-ms 50 --json");
    assert_eq!((tasks.items_out, tasks.config.workers[0]), (2000, 2000));
    assert!(tasks.startup_s.is_some_and(|s| s >= 0.0));
}

// ---------------------------------------------------------------------------
// A pipeline with a broker.

/// Refusals before anything runs: no broker at the URL, a URL for a pipeline
/// without one, no `redis-server` to start. One line each, exit code 2.
#[test]
fn a_broker_that_cannot_be_had_is_one_line_and_exit_code_2() {
    let cases = [
        (
            "run -b redis --items 10 --broker redis://127.0.0.1:1",
            "error: cannot reach the broker at redis://127.0.0.1:1: ",
        ),
        (
            "run -b {blocking} --items 10 --broker redis://127.0.0.1:1",
            "error: --broker is for a pipeline with a broker (redis); ",
        ),
        (
            "run -b redis --items 10 --broker nowhere",
            "error: bad broker URL nowhere: ",
        ),
    ];
    for (line, said) in cases {
        let out = run(line);
        assert_eq!(out.code, Some(2), "{line}: {out:#?}");
        assert!(out.stderr.starts_with(said), "{line}: {out:#?}");
        assert_eq!(out.stderr.lines().count(), 1, "{line}: {out:#?}");
        assert!(out.stdout.is_empty(), "{line}: {out:#?}");
    }
    let out = output(
        lab(words("run -b redis --items 10"))
            .env("PIPELINE_REDIS_SERVER", "/nonexistent/redis-server")
            .env_remove("REDIS_URL"),
    );
    assert_eq!(out.code, Some(2), "{out:#?}");
    #[cfg(target_os = "linux")]
    assert_eq!(
        out.stderr.trim(),
        "error: redis-server not found: install Debian's `redis-server` package, \
         or set REDIS_URL to a running server"
    );
    assert!(
        out.stderr.starts_with("error: redis-server not found: "),
        "{out:#?}"
    );
    assert_eq!(out.stderr.lines().count(), 1, "{out:#?}");
}

/// A refusal of the command line comes before the broker is asked, which could
/// start a private server: with no `redis-server` to start, each of these is
/// refused for what it is, not for the missing server.
#[test]
fn command_line_refusals_come_before_the_broker_is_asked() {
    let cases: [(&str, &str); 3] = [
        (
            "run -b redis --trace /nonexistent/dir/t.json --items 10",
            "/nonexistent/dir/t.json",
        ),
        (
            "run -b redis --gallery target/never --frame none --items 10",
            "no frames",
        ),
        (
            "run -b redis --frame 4096x4096 --items 100000 --capacity unbounded",
            "frames",
        ),
    ];
    for (line, said) in cases {
        let out = output(
            lab(words(line))
                .env("PIPELINE_REDIS_SERVER", "/nonexistent/redis-server")
                .env_remove("REDIS_URL"),
        );
        assert_eq!(out.code, Some(2), "{line}: {out:#?}");
        assert!(out.stderr.contains(said), "{line}: {out:#?}");
        assert!(!out.stderr.contains("redis-server"), "{line}: {out:#?}");
    }
}

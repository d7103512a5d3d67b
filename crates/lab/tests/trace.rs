//! `lab run --trace FILE`: the Chrome trace holds what the run did, thread by
//! thread, as the report counts it.

use std::collections::BTreeMap;
use std::time::Duration;

use assert_cmd::Command;
use pipeline_core::Report;
use predicates::prelude::*;
use serde_json::Value;

/// Long enough for a slow, loaded machine; short enough that a hang fails.
const WATCHDOG: Duration = Duration::from_secs(120);

fn lab(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lab"));
    command.args(args).timeout(WATCHDOG);
    command
}

/// What one thread's track holds: slices by name, and polls.
#[derive(Debug, Default)]
struct Track {
    slices: BTreeMap<String, u64>,
    polls: u64,
}

fn tracks(trace: &Value) -> BTreeMap<String, Track> {
    let events = trace["traceEvents"]
        .as_array()
        .expect("traceEvents is an array");
    let names: BTreeMap<u64, String> = events
        .iter()
        .filter(|e| e["ph"] == "M" && e["name"] == "thread_name")
        .map(|e| {
            let name = e["args"]["name"].as_str().expect("a thread name");
            (e["tid"].as_u64().expect("a tid"), name.to_string())
        })
        .collect();
    let mut tracks: BTreeMap<String, Track> = names
        .values()
        .map(|name| (name.clone(), Track::default()))
        .collect();
    for event in events {
        let Some(tid) = event["tid"].as_u64() else {
            continue;
        };
        let Some(name) = names.get(&tid) else {
            continue;
        };
        let track = tracks.get_mut(name).expect("every tid is named");
        match event["ph"].as_str() {
            Some("X") => {
                assert!(event["dur"].as_f64().expect("a duration") >= 0.0);
                let slice = event["name"].as_str().expect("a slice name");
                *track.slices.entry(slice.to_string()).or_default() += 1;
            }
            Some("i") => {
                assert_eq!(event["name"], "poll");
                track.polls += 1;
            }
            _ => {}
        }
    }
    tracks
}

#[test]
fn a_trace_holds_every_thread_slice_and_poll_of_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trace.json");
    let args = [
        "run",
        "--backend",
        pipeline_registry::POLLING_SLEEP.backend.name,
        "--scenario",
        "camera",
        "--items",
        "50",
        "--json",
        "--trace",
        path.to_str().unwrap(),
    ];
    let output = lab(&args).assert().success().get_output().stdout.clone();
    let report: Report = serde_json::from_slice(&output).expect("the report, as JSON");
    let trace: Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).expect("the trace is JSON");
    let tracks = tracks(&trace);

    // One track per thread: the camera, every worker, the collector.
    let mut expected = vec!["camera".to_string(), "collector".to_string()];
    for stage in &report.stages {
        for index in 0..stage.workers.len() {
            expected.push(format!("{}-{index}", stage.name));
        }
    }
    expected.sort();
    assert_eq!(tracks.keys().cloned().collect::<Vec<_>>(), expected);

    let items = report.items_out;
    assert_eq!(items, 50);
    let camera = &tracks["camera"];
    assert_eq!(camera.slices["handing over"], 50, "one put per item");
    assert_eq!(camera.polls, 0, "the camera does not poll");
    // The collector waits once per receipt, and once more for the end.
    assert_eq!(tracks["collector"].slices["waiting"], items + 1);

    let mut report_polls = 0;
    let mut trace_polls = 0;
    for stage in &report.stages {
        let name = &stage.name;
        for (index, worker) in stage.workers.iter().enumerate() {
            let track = &tracks[&format!("{name}-{index}")];
            let (done, failed, polls) = (worker.done, worker.failed, worker.polls);
            let slices = |slice: &str| track.slices.get(slice).copied().unwrap_or(0);
            assert_eq!(slices("working"), done + failed, "{name}-{index}");
            assert_eq!(slices("handing over"), done, "{name}-{index}");
            assert_eq!(
                track.polls, polls,
                "{name}-{index}: polls as the report counts them"
            );
            assert!(
                slices("waiting") >= done,
                "{name}-{index}: a wait before each item"
            );
            report_polls += polls;
            trace_polls += track.polls;
        }
    }
    assert_eq!(trace_polls, report_polls);
    assert!(report_polls >= 150, "at least one poll per item per stage");

    // Counters: each queue's depth after every put and get.
    let counters = trace["traceEvents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["ph"] == "C")
        .count() as u64;
    assert_eq!(
        counters,
        50 * 2 * 4,
        "a put and a get per item on each of 4 queues"
    );
}

#[test]
fn a_trace_path_that_cannot_be_written_is_refused_before_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing-dir").join("trace.json");
    lab(&[
        "run",
        "--backend",
        pipeline_registry::STD_CHANNEL.backend.name,
        "--items",
        "5",
        "--trace",
        path.to_str().unwrap(),
    ])
    .assert()
    .code(2)
    .stdout("")
    .stderr(predicate::str::starts_with(
        "error: cannot write the trace to",
    ))
    .stderr(predicate::str::contains("\n").count(1));
}

//! Crowds that end: a stop signal during a crowd of waits on every pipeline
//! stops the run with its report, a second one ends the process at once, and a
//! crowd too large for a pipeline whose waiting workers spin is refused before
//! it starts. Linux only (the signals, `/proc`).
//!
//! Every run is under a watchdog ([`WATCHDOG`]): a hung `lab` fails the test.
//! A stop must end a crowd within [`STOP_BOUND`], also while busy loops keep
//! every core busy.
#![cfg(target_os = "linux")]

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard, PoisonError, mpsc};
use std::thread;
use std::time::{Duration, Instant};

/// The longest a run may take before the test fails.
const WATCHDOG: Duration = Duration::from_secs(120);

/// A download's wait in these crowds, the longest there is: far longer than
/// any stop may take.
const WAIT_MS: &str = "60000";

/// The longest a crowd may take from its stop signal to its exit: twice the
/// second a stop should take, for a loaded machine.
const STOP_BOUND: Duration = Duration::from_secs(2);

/// The pipelines without a broker, by the name `--backend` takes.
fn backends() -> Vec<(&'static str, bool)> {
    let mut names: Vec<(&str, bool)> = pipeline_registry::ALL
        .iter()
        .filter(|pipeline| pipeline.backend.broker.is_none())
        .map(|pipeline| (pipeline.backend.name, pipeline.backend.tasks))
        .collect();
    names.dedup();
    names
}

/// A crowd as large as every pipeline runs on this machine: a thousand
/// waiting workers a core, at most 2,000.
fn crowd_size() -> u64 {
    let cores = thread::available_parallelism().map_or(1, |n| n.get() as u64);
    (1_000 * cores).min(2_000)
}

/// Held by each test while its crowds run: one crowd at a time, so that the
/// time a stop takes is not another test's crowd's.
static ONE_CROWD_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Takes [`ONE_CROWD_AT_A_TIME`] (also from a test that failed with it).
fn one_crowd_at_a_time() -> MutexGuard<'static, ()> {
    ONE_CROWD_AT_A_TIME
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
}

/// A process that is killed if the test ends first.
struct Lab(Child);

impl Drop for Lab {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts a crowd of [`crowd_size`] waits of [`WAIT_MS`] on `backend`, and
/// waits until it catches signals and has started its workers: every one of
/// them on a pipeline of threads, the runtime's threads on one of `tasks`.
fn start_crowd((backend, tasks): (&str, bool)) -> Lab {
    let child = Command::new(env!("CARGO_BIN_EXE_lab"))
        .args(["run", "--backend", backend, "--scenario", "crowd", "--json"])
        .args([
            "--items",
            &crowd_size().to_string(),
            "--download-ms",
            WAIT_MS,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut lab = Lab(child);
    let deadline = Instant::now() + WATCHDOG;
    loop {
        let threads = std::fs::read_dir(format!("/proc/{pid}/task"))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|task| std::fs::read_to_string(task.path().join("comm")).ok())
            .collect::<Vec<_>>();
        let has = |name: &str| threads.iter().any(|comm| comm.trim() == name);
        let workers = if tasks { 2 } else { crowd_size() as usize };
        if has("signals") && threads.len() >= workers + 2 {
            return lab;
        }
        if let Some(status) = lab.0.try_wait().unwrap() {
            let mut stderr = String::new();
            let _ = lab.0.stderr.take().unwrap().read_to_string(&mut stderr);
            panic!("{backend} ended before the signal ({status}): {stderr}");
        }
        assert!(
            Instant::now() < deadline,
            "watchdog: {backend} never started"
        );
        thread::sleep(Duration::from_millis(5));
    }
}

/// Sends `signal` to `lab`.
fn signal(lab: &Lab, signal: i32) {
    // SAFETY: kill(2) with the pid of a child this test spawned and still owns.
    assert_eq!(unsafe { libc::kill(lab.0.id() as i32, signal) }, 0);
}

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

/// Reads `from` line by line in a thread; each line comes through the
/// receiver as soon as it is read.
fn read_lines(from: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(from).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Waits for `lab` to exit under the watchdog: its exit code.
fn exit_of(lab: &mut Lab) -> Option<i32> {
    let deadline = Instant::now() + WATCHDOG;
    loop {
        if let Some(status) = lab.0.try_wait().unwrap() {
            return status.code();
        }
        assert!(Instant::now() < deadline, "watchdog: lab did not exit");
        thread::sleep(Duration::from_millis(5));
    }
}

/// Waits for `lab` to end under the watchdog: its exit code, stdout, stderr.
fn finish(mut lab: Lab) -> (Option<i32>, String, String) {
    let stdout = read_all(lab.0.stdout.take().unwrap());
    let stderr = read_all(lab.0.stderr.take().unwrap());
    let text = |rx: mpsc::Receiver<String>| {
        rx.recv_timeout(WATCHDOG)
            .expect("watchdog: lab did not end")
    };
    let (stdout, stderr) = (text(stdout), text(stderr));
    let deadline = Instant::now() + WATCHDOG;
    loop {
        if let Some(status) = lab.0.try_wait().unwrap() {
            return (status.code(), stdout, stderr);
        }
        assert!(Instant::now() < deadline, "watchdog: lab did not exit");
        thread::sleep(Duration::from_millis(5));
    }
}

/// The first SIGTERM stops a crowd of waits on every pipeline, whatever it is
/// doing (starting its workers, or waiting): the waits are cut short, the
/// report says what was done, exit code 143.
#[test]
fn a_first_sigterm_stops_every_crowd_with_its_report() {
    let _alone = one_crowd_at_a_time();
    for (backend, tasks) in backends() {
        let lab = start_crowd((backend, tasks));
        let sent = Instant::now();
        signal(&lab, libc::SIGTERM);
        let (code, stdout, stderr) = finish(lab);
        let took = sent.elapsed();
        assert_eq!(code, Some(143), "{backend}: {stderr}");
        let report: serde_json::Value = serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("{backend}: no report ({e}): {stderr}"));
        assert_eq!(report["outcome"], "interrupted", "{backend}");
        let count = |key: &str| report[key].as_u64().unwrap();
        let (items, out) = (count("items_in"), count("items_out"));
        assert!(out < crowd_size(), "{backend}: {out} of {items} out");
        assert_eq!(
            items,
            out + count("failed") + count("unfinished"),
            "{backend}: every item accounted for"
        );
        // The waits are a minute long: the run ended because the stop cut
        // them short, and the stop reached thousands of waiters at once.
        eprintln!("{backend}: SIGTERM to exit in {took:?}");
        assert!(took < STOP_BOUND, "{backend}: the stop took {took:?}");
    }
}

/// A second SIGTERM, sent once the first one is seen, ends the process at
/// once: exit code 143 within the bound, and either no report (the drain was
/// cut short) or a whole one (it had ended), never half of one.
#[test]
fn a_second_sigterm_after_the_first_quits_every_crowd_at_once() {
    let _alone = one_crowd_at_a_time();
    for (backend, tasks) in backends() {
        let mut lab = start_crowd((backend, tasks));
        let lines = read_lines(lab.0.stderr.take().unwrap());
        let sent = Instant::now();
        signal(&lab, libc::SIGTERM);
        loop {
            let line = lines
                .recv_timeout(WATCHDOG)
                .expect("watchdog: the first SIGTERM was never seen");
            if line.contains("stopping the run") {
                break;
            }
        }
        signal(&lab, libc::SIGTERM);
        let stdout = read_all(lab.0.stdout.take().unwrap());
        let code = exit_of(&mut lab);
        assert_eq!(code, Some(143), "{backend}");
        assert!(
            sent.elapsed() < STOP_BOUND,
            "{backend}: two SIGTERMs took {:?}",
            sent.elapsed()
        );
        let stdout = stdout.recv_timeout(WATCHDOG).expect("watchdog: stdout");
        if !stdout.is_empty() {
            let report: serde_json::Value = serde_json::from_str(&stdout)
                .unwrap_or_else(|e| panic!("{backend}: half a report ({e}): {stdout}"));
            assert_eq!(report["outcome"], "interrupted", "{backend}");
        }
    }
}

/// A second signal ends the process at once, even while the first one's
/// drain has thousands of workers to wake and join: no report is written,
/// and the exit code is the second signal's.
#[test]
fn a_second_signal_quits_every_crowd_at_once() {
    let _alone = one_crowd_at_a_time();
    for (backend, tasks) in backends() {
        let lab = start_crowd((backend, tasks));
        signal(&lab, libc::SIGTERM);
        signal(&lab, libc::SIGINT);
        let (code, stdout, stderr) = finish(lab);
        // Pending together, the two are delivered lowest number first.
        assert!(
            matches!(code, Some(130 | 143)),
            "{backend}: {code:?}: {stderr}"
        );
        assert_eq!(stdout, "", "{backend}: the report of a drain that went on");
    }
}

/// A crowd of more waiting workers than a pipeline whose workers spin before
/// they park can serve is refused before it starts: exit code 2, one line.
#[test]
fn a_crowd_too_large_for_a_spinning_channel_is_refused() {
    let cores = thread::available_parallelism().map_or(1, |n| n.get() as u64);
    let items = (1_000 * cores + 1).to_string();
    for line in [
        vec!["--backend", "kanal"],
        vec!["--backend", "polling", "--poll-sleep-ms", "0"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_lab"))
            .args(["run", "--scenario", "crowd", "--items", &items])
            .args(&line)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{line:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.contains("workers of one stage would wait at once"),
            "{stderr}"
        );
        assert!(out.stdout.is_empty());
    }
}

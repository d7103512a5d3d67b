//! `lab run --processes`: each stage of the Redis pipeline in a process of its
//! own, a stage process killed in the middle of a run, the worker's bad input,
//! and a Ctrl-C that stops every process. Each test starts its own private
//! `redis-server` (through the lab) and skips, saying why once, where none can
//! be had.
//!
//! Unix only: the tests stop and kill processes with signals, and Windows has no
//! `redis-server` to start.
#![cfg(unix)]

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use pipeline_core::Report;

/// Far above what any of these runs takes on a loaded 2-core machine.
const WATCHDOG: Duration = Duration::from_secs(120);

fn lab() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lab"))
}

/// `lab run` of the Redis pipeline with its stages as processes; the caller
/// adds the rest.
fn on_processes() -> Command {
    let mut command = lab();
    command.args(["run", "--backend", "redis", "--processes"]);
    command
}

fn available() -> bool {
    pipeline_registry::broker_available_for_tests()
}

/// Starts `command` with no input and its output and errors piped.
fn started(command: &mut Command) -> Child {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("lab starts")
}

/// Runs `command` to its end, killing it if it outlives the watchdog.
fn within_watchdog(mut command: Command) -> Output {
    let child = started(&mut command);
    let pid = child.id() as i32;
    let (done, finished) = std::sync::mpsc::channel();
    let watchdog = thread::spawn(move || {
        if finished.recv_timeout(WATCHDOG).is_err() {
            // SAFETY: kill(2) on our own child, not yet reaped.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
    });
    let output = child.wait_with_output().expect("lab runs");
    let _ = done.send(());
    watchdog.join().unwrap();
    assert_ne!(
        output.status.signal(),
        Some(libc::SIGKILL),
        "watchdog: lab ran longer than {WATCHDOG:?}"
    );
    output
}

fn report_of(output: &Output) -> Report {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "a JSON report ({e}); stderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// Reads the first line a coordinator prints, its announcement, and gives the
/// broker's URL and the run's id it names; the rest of its errors are read
/// away, so that it never blocks on a full pipe.
fn announced(child: &mut Child) -> (String, String) {
    let mut announcement = String::new();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    stderr.read_line(&mut announcement).unwrap();
    let word_after = |flag: &str| {
        announcement
            .split_whitespace()
            .skip_while(|w| *w != flag)
            .nth(1)
            .unwrap_or_else(|| panic!("the announcement names {flag}: {announcement}"))
            .to_string()
    };
    let named = (word_after("--broker"), word_after("--run"));
    thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
    named
}

/// Waits for `child` to end, killing it if it outlives the watchdog.
fn to_its_end(child: Child) -> Output {
    let pid = child.id() as i32;
    let (done, finished) = std::sync::mpsc::channel();
    let watchdog = thread::spawn(move || {
        if finished.recv_timeout(WATCHDOG).is_err() {
            // SAFETY: kill(2) on our own child, not yet reaped.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
    });
    let output = child.wait_with_output().unwrap();
    let _ = done.send(());
    watchdog.join().unwrap();
    assert_ne!(
        output.status.signal(),
        Some(libc::SIGKILL),
        "watchdog: lab ran longer than {WATCHDOG:?}"
    );
    output
}

/// Whether a process with this pid still runs.
fn alive(pid: u32) -> bool {
    // SAFETY: signal 0 only asks whether the process exists.
    unsafe { libc::kill(pid as i32, 0) == 0 }
}

#[test]
fn every_stage_runs_in_a_process_of_its_own_and_the_report_adds_them_up() {
    if !available() {
        return;
    }
    let mut command = on_processes();
    command.args([
        "--scenario",
        "camera",
        "--items",
        "300",
        "--workers",
        "1,2,1",
        "--json",
    ]);
    let output = within_watchdog(command);
    assert!(output.status.success(), "{output:?}");
    let report = report_of(&output);
    assert_eq!(report.outcome, "completed");
    assert_eq!((report.items_in, report.items_out), (300, 300));
    assert_eq!(report.duplicates, 0, "no fault: exactly once");
    let roles: Vec<&str> = report.processes.iter().map(|p| p.role.as_str()).collect();
    assert_eq!(roles, ["camera+collector", "download", "resize", "upload"]);
    let pids: HashSet<u32> = report.processes.iter().map(|p| p.pid).collect();
    assert_eq!(pids.len(), 4, "four processes: {roles:?}");
    for process in &report.processes[1..] {
        assert_eq!(process.done, 300, "{process:?}");
        assert_eq!(process.ended, "completed");
        assert!(process.cpu_s > 0.0 && process.max_rss_bytes > 0);
        assert!(!alive(process.pid), "{} is still running", process.pid);
    }
    // Each stage's workers are the ones its process ran.
    let workers: Vec<usize> = report.stages.iter().map(|s| s.workers.len()).collect();
    assert_eq!(workers, [1, 2, 1]);
    for stage in &report.stages {
        assert_eq!(stage.done(), 300, "{}", stage.name);
    }
    let children: f64 = report.processes[1..].iter().map(|p| p.cpu_s).sum();
    assert!(report.process_cpu_s >= children);
}

#[test]
fn a_stage_process_killed_mid_run_is_started_again_and_nothing_is_lost() {
    if !available() {
        return;
    }
    let items = 2_000;
    let mut command = on_processes();
    command.arg("--items");
    command.arg(items.to_string());
    command.args(["--resize-ms", "0.2", "--kill", "resize", "--json"]);
    let output = within_watchdog(command);
    assert!(output.status.success(), "{output:?}");
    let report = report_of(&output);
    assert_eq!(report.outcome, "completed");
    assert_eq!(report.items_out, items, "every item delivered");
    assert_eq!(report.unfinished, 0);
    let resizes: Vec<_> = report
        .processes
        .iter()
        .filter(|p| p.role == "resize")
        .collect();
    assert_eq!(resizes.len(), 2, "the killed one and its successor");
    assert_eq!(resizes[0].ended, "killed by signal 9", "{resizes:?}");
    assert_eq!(resizes[1].ended, "completed");
    // What the killed one held, it held unacked: the next one took it over,
    // and a receipt that came twice was dropped and counted.
    let resize = &report.stages[1];
    assert_eq!(resize.redelivered, resizes[1].redelivered);
    assert!(report.duplicates <= resize.redelivered, "{report:?}");
}

#[test]
fn a_worker_for_a_run_that_is_not_there_is_one_line_and_exit_code_2() {
    if !available() {
        return;
    }
    // A broker that answers, with no such run: the lab's own private server,
    // reached through a coordinator's announcement.
    let mut coordinator = on_processes();
    coordinator.args(["--scenario", "camera", "--items", "200", "--json"]);
    let mut child = started(&mut coordinator);
    let mut first = String::new();
    BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let url = first
        .split_whitespace()
        .skip_while(|w| *w != "--broker")
        .nth(1)
        .expect("the announcement names the broker")
        .to_string();
    let mut worker = lab();
    worker.args(["worker", "--broker", &url, "--run", "no-such-run"]);
    worker.args(["--stage", "resize"]);
    let output = within_watchdog(worker);
    let _ = child.wait();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("no run no-such-run"), "{stderr}");
}

#[test]
fn processes_without_a_broker_or_a_kill_without_processes_are_refused() {
    for (args, says) in [
        (
            &["run", "--backend", "mpsc", "--processes"][..],
            "--processes is for a pipeline with a broker",
        ),
        (
            &["run", "--backend", "redis", "--kill", "resize"][..],
            "--processes",
        ),
        (
            &["worker", "--broker", "redis://127.0.0.1:1", "--run", "r"][..],
            "--stage",
        ),
        (
            &[
                "worker",
                "--broker",
                "redis://x",
                "--run",
                "r",
                "--stage",
                "resize",
                "--workers",
                "0",
            ][..],
            "1 or more",
        ),
    ] {
        let mut command = lab();
        command.args(args);
        let output = within_watchdog(command);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "lab {args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(says), "lab {args:?}: {stderr}");
    }
}

#[test]
fn a_ctrl_c_stops_every_process_and_the_report_says_what_was_done() {
    if !available() {
        return;
    }
    let mut command = on_processes();
    command.args(["--items", "100000", "--resize-ms", "1", "--json"]);
    let child = started(&mut command);
    let pid = child.id() as i32;
    thread::sleep(Duration::from_secs(2));
    let asked = Instant::now();
    // SAFETY: kill(2) on our own child, not yet reaped.
    unsafe { libc::kill(pid, libc::SIGINT) };
    let output = child.wait_with_output().unwrap();
    assert!(
        asked.elapsed() < Duration::from_secs(30),
        "a stop within seconds"
    );
    assert_eq!(output.status.code(), Some(130), "{output:?}");
    let report = report_of(&output);
    assert_eq!(report.outcome, "interrupted");
    assert!(report.items_out > 0 && report.items_out < 100_000);
    assert_eq!(
        report.items_in,
        report.items_out + report.failed + report.unfinished,
        "every item accounted for"
    );
    // Each unfinished item is found where it is, once: an item its worker put
    // downstream before the stop cut its ack is counted downstream only.
    let located: u64 =
        report.stages.iter().map(|s| s.queued + s.held).sum::<u64>() + report.uncollected;
    assert_eq!(located, report.unfinished, "{:?}", report.stages);
    for process in &report.processes[1..] {
        assert_eq!(process.ended, "stopped", "{process:?}");
        assert!(!alive(process.pid), "{} is still running", process.pid);
    }
}

#[test]
fn the_table_lists_every_process_and_what_was_taken_over() {
    if !available() {
        return;
    }
    let mut command = on_processes();
    command.arg("--items");
    command.args(["1000", "--resize-ms", "0.2", "--kill", "resize"]);
    let output = within_watchdog(command);
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8_lossy(&output.stdout);
    let header = text
        .lines()
        .find(|l| l.starts_with("process"))
        .unwrap_or_else(|| panic!("a table of processes:\n{text}"));
    for column in ["pid", "host", "workers", "done", "took over", "peak RSS"] {
        assert!(header.contains(column), "{header}");
    }
    let rows: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("process"))
        .skip(1)
        .collect();
    assert_eq!(rows.len(), 5, "{text}");
    assert!(
        rows.iter().any(|r| r.ends_with("killed by signal 9")),
        "{text}"
    );
    assert!(text.contains("every process below"), "{text}");
    assert!(
        !text.contains("heap"),
        "one process's heap is not the run's"
    );
}

/// The pids of `parent`'s children, from `/proc`.
#[cfg(target_os = "linux")]
fn children_of(parent: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            // The fourth field of /proc/PID/stat, after the name in parentheses.
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|stat| {
                    let rest = stat.rsplit_once(')')?.1;
                    rest.split_whitespace().nth(1)?.parse::<u32>().ok()
                })
                == Some(parent)
        })
        .collect()
}

/// Stops and continues `pids()` (a Ctrl-Z and `fg`) every few hundred
/// milliseconds until `child` ends, then gives its output.
#[cfg(target_os = "linux")]
fn stopped_and_continued(mut child: Child, pids: impl Fn(u32) -> Vec<u32>) -> Output {
    let deadline = Instant::now() + WATCHDOG;
    let (stdout, stderr) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let read = |mut from: Box<dyn std::io::Read + Send>| {
        thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = from.read_to_end(&mut bytes);
            bytes
        })
    };
    let (stdout, stderr) = (read(Box::new(stdout)), read(Box::new(stderr)));
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("watchdog: lab did not end");
        }
        thread::sleep(Duration::from_millis(300));
        let targets = pids(child.id());
        for &pid in &targets {
            // SAFETY: kill(2) on a process of this test's run.
            unsafe { libc::kill(pid as i32, libc::SIGSTOP) };
        }
        thread::sleep(Duration::from_millis(300));
        for &pid in &targets {
            // SAFETY: as above.
            unsafe { libc::kill(pid as i32, libc::SIGCONT) };
        }
    };
    Output {
        status,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

/// A Ctrl-Z and `fg`, again and again, of the lab or of its stage processes:
/// a socket read with a timeout is cut short (`EINTR`) though no signal asks
/// the run to stop. The run goes on and delivers every item, exit code 0.
#[cfg(target_os = "linux")]
#[test]
fn a_ctrl_z_and_fg_neither_stops_nor_hangs_a_run() {
    if !available() {
        return;
    }
    type Targets = fn(u32) -> Vec<u32>;
    let cases: [(&[&str], Targets); 2] = [
        (&["run", "--backend", "redis"], |lab| vec![lab]),
        (&["run", "--backend", "redis", "--processes"], children_of),
    ];
    for (args, pids) in cases {
        let mut command = lab();
        command.args(args);
        command.args(["--scenario", "camera", "--items", "300", "--json"]);
        let output = stopped_and_continued(started(&mut command), pids);
        assert!(output.status.success(), "{args:?}: {output:?}");
        let report = report_of(&output);
        assert_eq!(report.outcome, "completed", "{args:?}");
        assert_eq!((report.items_in, report.items_out), (300, 300), "{args:?}");
    }
}

/// A worker started by hand for a running run, stopped with Ctrl-C while its
/// workers hold items: what they held and had not passed on stays pending,
/// and another consumer takes it over. The run delivers every item.
#[test]
fn a_ctrl_c_on_an_added_worker_loses_none_of_its_items() {
    if !available() {
        return;
    }
    let mut coordinator = on_processes();
    coordinator.args(["--scenario", "camera", "--items", "600", "--json"]);
    let mut child = started(&mut coordinator);
    let (url, run) = announced(&mut child);
    let mut worker = lab();
    worker.args([
        "worker", "--broker", &url, "--run", &run, "--stage", "resize",
    ]);
    worker.args(["--workers", "2", "--json"]);
    let added = started(&mut worker);
    thread::sleep(Duration::from_millis(1500));
    // SAFETY: kill(2) on our own child, not yet reaped.
    unsafe { libc::kill(added.id() as i32, libc::SIGINT) };
    let added = added.wait_with_output().unwrap();
    assert_eq!(added.status.code(), Some(130), "{added:?}");
    let output = to_its_end(child);
    assert!(output.status.success(), "{output:?}");
    let report = report_of(&output);
    assert_eq!(report.outcome, "completed");
    assert_eq!(
        (report.items_in, report.items_out),
        (600, 600),
        "{report:?}"
    );
}

/// An entry that does not decode, put on a running run's queues by hand, and an
/// item whose resize panics in every process that takes it: each is set aside
/// as a dead letter and counted, the counts add up, and the run completes.
#[test]
fn poison_entries_are_dead_lettered_and_the_run_completes() {
    if !available() {
        return;
    }
    let mut coordinator = on_processes();
    coordinator.args(["--scenario", "camera", "--items", "300"]);
    coordinator.args(["--panic-at", "resize:5", "--json"]);
    let mut child = started(&mut coordinator);
    let (url, run) = announced(&mut child);
    let mut conn = redis::Client::open(url.as_str())
        .and_then(|client| client.get_connection())
        .expect("the run's broker answers");
    let _: String = redis::cmd("XADD")
        .arg(format!("{run}:download"))
        .arg("*")
        .arg("foo")
        .arg("bar")
        .query(&mut conn)
        .unwrap();
    let output = to_its_end(child);
    assert!(output.status.success(), "{output:?}");
    let report = report_of(&output);
    assert_eq!(report.outcome, "completed");
    assert_eq!(
        (report.items_in, report.items_out, report.failed),
        (300, 299, 1),
        "{report:?}"
    );
    assert_eq!(
        report.items_in,
        report.items_out + report.failed + report.unfinished
    );
    let mut queues: Vec<&str> = report
        .dead_letters
        .iter()
        .map(|d| d.queue.as_str())
        .collect();
    queues.sort_unstable();
    assert_eq!(queues, ["download", "resize"], "{:?}", report.dead_letters);
    let resize = report
        .dead_letters
        .iter()
        .find(|d| d.queue == "resize")
        .unwrap();
    assert!(resize.deliveries > 3, "{resize:?}");
    let download = report
        .dead_letters
        .iter()
        .find(|d| d.queue == "download")
        .unwrap();
    assert!(download.why.contains("does not decode"), "{download:?}");
}

/// An entry deleted from a running run's queue by someone else, before any
/// worker had it: the run ends (it does not wait for it), and says that an
/// item went missing, with exit code 1, never "completed".
#[test]
fn an_entry_deleted_by_someone_else_is_said_missing() {
    if !available() {
        return;
    }
    let mut coordinator = on_processes();
    coordinator.args(["--scenario", "camera", "--items", "300"]);
    coordinator.args(["--resize-ms", "20", "--json"]);
    let mut child = started(&mut coordinator);
    let (url, run) = announced(&mut child);
    let mut conn = redis::Client::open(url.as_str())
        .and_then(|client| client.get_connection())
        .expect("the run's broker answers");
    // The resize stage is the slow one: its queue has entries no worker has
    // had yet. Delete the newest.
    let key = format!("{run}:resize");
    let deleted = (0..200).any(|_| {
        // Only once entries wait behind the one the worker has: the newest
        // is then one no worker was given yet.
        let waiting: u64 = redis::cmd("XLEN").arg(&key).query(&mut conn).unwrap_or(0);
        if waiting < 3 {
            thread::sleep(Duration::from_millis(20));
            return false;
        }
        let newest: redis::streams::StreamRangeReply = redis::cmd("XREVRANGE")
            .arg(&key)
            .arg("+")
            .arg("-")
            .arg("COUNT")
            .arg(1)
            .query(&mut conn)
            .unwrap_or_default();
        let gone = newest.ids.first().is_some_and(|entry| {
            redis::cmd("XDEL")
                .arg(&key)
                .arg(&entry.id)
                .query::<u64>(&mut conn)
                .is_ok_and(|n| n == 1)
        });
        if !gone {
            thread::sleep(Duration::from_millis(20));
        }
        gone
    });
    assert!(deleted, "an entry was there to delete");
    let output = to_its_end(child);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let report = report_of(&output);
    assert_eq!(report.outcome, "ended with items missing", "{report:?}");
    assert_eq!(report.unfinished, 1, "{report:?}");
    assert_eq!(
        report.items_in,
        report.items_out + report.failed + report.unfinished
    );
}

/// `--max-deliveries 1`: the item whose resize panics in every process is set
/// aside on its second delivery, not its fourth, and the run completes.
#[test]
fn max_deliveries_sets_a_poison_item_aside_sooner() {
    if !available() {
        return;
    }
    let mut coordinator = on_processes();
    coordinator.args(["--scenario", "camera", "--items", "100"]);
    coordinator.args(["--panic-at", "resize:5", "--max-deliveries", "1"]);
    coordinator.arg("--json");
    let output = within_watchdog(coordinator);
    assert!(output.status.success(), "{output:?}");
    let report = report_of(&output);
    assert_eq!(report.outcome, "completed");
    assert_eq!((report.items_out, report.failed), (99, 1), "{report:?}");
    assert_eq!(report.config.max_deliveries, Some(1));
    let dead: Vec<_> = report
        .dead_letters
        .iter()
        .filter(|d| d.queue == "resize")
        .collect();
    assert_eq!(dead.len(), 1, "{:?}", report.dead_letters);
    assert_eq!(dead[0].deliveries, 2, "{dead:?}");
}

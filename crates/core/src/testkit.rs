//! The conformance kit: the behaviour every backend must show, run unchanged
//! against each of them.
//!
//! A backend crate runs the whole kit with one line in `tests/conformance.rs`:
//!
//! ```ignore
//! pipeline_core::conformance_tests!(crate_name::BACKEND);
//! ```
//!
//! Every test runs its pipelines under a watchdog ([`within`]), so a deadlock fails
//! the test after [`WATCHDOG`] instead of hanging the suite.
//!
//! Polling backends are run with a 1 ms sleep between empty polls (the shape of the
//! item's 10 ms, without making the suite slow) and, in the property test, also
//! spinning; one test keeps the default 10 ms.

use std::io;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, TestRunner};

use crate::config::{
    Config, ConfigError, DEFAULT_POLL_SLEEP_MS, Fault, FaultKind, MAX_POLL_SLEEP_MS, MAX_WAIT_MS,
    MIN_WAIT_MS, Stage,
};
use crate::probe::Probes;
use crate::report::Report;
use crate::run::{Backend, PipelineError, ThreadGate};
use crate::timeline::State;

/// How long one pipeline run may take in a test before it counts as a deadlock.
pub const WATCHDOG: Duration = Duration::from_secs(60);

/// How long a stopped run whose waits are a minute long may take to return: far
/// more than a stop takes on a loaded machine, far less than the waits.
pub const STOP_WATCHDOG: Duration = Duration::from_secs(20);

pub use crate::watchdog::{within, within_or_name_causes};

/// A config for `backend` with `items`, `workers` and `capacity`, everything else
/// the defaults (polling backends sleep 1 ms between empty polls).
pub fn config(
    backend: &Backend,
    items: u64,
    workers: [usize; 3],
    capacity: Option<usize>,
) -> Config {
    Config {
        items,
        workers,
        capacity,
        poll_sleep_ms: backend.polls.then_some(1),
        ..Config::default()
    }
}

/// Runs `config` on `backend` under the watchdog.
pub fn run(backend: &Backend, config: &Config) -> Result<Report, PipelineError> {
    let (backend, config) = (*backend, config.clone());
    let what = format!("{} with {config:?}", backend.name);
    within(&what, WATCHDOG, move || backend.run(&config))
}

/// Runs `config`, which must succeed, under the watchdog.
pub fn run_ok(backend: &Backend, config: &Config) -> Report {
    run(backend, config).unwrap_or_else(|e| panic!("{} failed: {e}", backend.name))
}

/// Every item went in once and came out (or failed) exactly once.
pub fn assert_exactly_once(report: &Report) {
    let items = report.config.items;
    assert_eq!(report.items_in, items, "items in");
    assert_eq!(report.duplicates, 0, "duplicates");
    assert_eq!(
        report.items_out + report.failed,
        items,
        "items out + failed"
    );
    for (stage, s) in Stage::ALL.iter().zip(&report.stages) {
        assert_eq!(s.name, stage.name());
        assert_eq!(s.workers.len(), report.config.workers_of(*stage));
    }
    assert_eq!(report.unfinished, 0, "nothing left unfinished");
    assert_counts_add_up(report);
}

/// However the run ended, every item that went in is accounted for once: it came
/// out, failed, or is counted unfinished where the end left it (a stage's input
/// queue, a stage's workers, the done queue).
pub fn assert_counts_add_up(report: &Report) {
    assert_eq!(
        report.items_in,
        report.items_out + report.failed + report.unfinished,
        "{}: items in = out + failed + unfinished ({})",
        report.backend,
        report.outcome
    );
    let placed: u64 =
        report.stages.iter().map(|s| s.queued + s.held).sum::<u64>() + report.uncollected;
    assert_eq!(
        placed,
        report.unfinished,
        "{}: every unfinished item is counted where it was: {:?}",
        report.backend,
        report.unfinished_where()
    );
}

/// No queue's peak shows more than its bound. The probes count a queue's depth as
/// puts minus gets, each counted right after the event, so a reading can run up to
/// the number of consumers above the true length; a bounded queue's depth is clamped
/// to the bound (see [`crate::QueueGauge`]), and this checks that the report keeps it.
pub fn assert_within_bound(report: &Report) {
    let Some(capacity) = report.config.capacity else {
        return;
    };
    for (&stage, s) in Stage::ALL.iter().zip(&report.stages) {
        assert!(
            s.queue_peak <= capacity as u64,
            "{}: the {stage} queue peaked at {} with capacity {capacity}",
            report.backend,
            s.queue_peak
        );
    }
}

/// Capacities worth trying on `backend`: unbounded, tiny, small, and a
/// rendezvous where it has one.
pub fn capacities(backend: &Backend) -> Vec<Option<usize>> {
    let mut caps = vec![None, Some(1), Some(4)];
    if backend.rendezvous {
        caps.push(Some(0));
    }
    caps
}

/// An empty run finishes and reports nothing done.
pub fn zero_items(backend: &Backend) {
    for capacity in capacities(backend) {
        let report = run_ok(backend, &config(backend, 0, [1, 1, 1], capacity));
        assert_eq!((report.items_in, report.items_out), (0, 0));
        assert_eq!(
            Stage::ALL.map(|s| report.stages[s.index()].done()),
            [0, 0, 0]
        );
    }
}

/// One item gets through.
pub fn one_item(backend: &Backend) {
    for capacity in capacities(backend) {
        let report = run_ok(backend, &config(backend, 1, [1, 1, 1], capacity));
        assert_exactly_once(&report);
        assert_eq!(report.items_out, 1);
    }
}

/// Ten thousand items get through, each once, bounded and not.
pub fn ten_thousand_items(backend: &Backend) {
    for capacity in [None, Some(16)] {
        let report = run_ok(backend, &config(backend, 10_000, [1, 1, 1], capacity));
        assert_exactly_once(&report);
        assert_eq!(report.items_out, 10_000);
        assert_within_bound(&report);
    }
}

/// With one worker per stage, items arrive in the order they were sent.
pub fn order_kept_with_one_worker_per_stage(backend: &Backend) {
    for capacity in capacities(backend) {
        let report = run_ok(backend, &config(backend, 2_000, [1, 1, 1], capacity));
        assert_exactly_once(&report);
        assert_eq!(report.reordered, 0, "{capacity:?}");
        for stage in &report.stages {
            assert_eq!(stage.done(), 2_000, "{}", stage.name);
        }
    }
}

/// Every fan-out shape up to 3/4/5 delivers every item exactly once.
pub fn exactly_once_fanout(backend: &Backend) {
    let shapes = [
        [2, 1, 1],
        [1, 3, 1],
        [1, 1, 4],
        [3, 4, 5],
        [5, 4, 3],
        [2, 2, 2],
    ];
    for workers in shapes {
        for capacity in capacities(backend) {
            let report = run_ok(backend, &config(backend, 1_500, workers, capacity));
            assert_exactly_once(&report);
            assert_eq!(report.items_out, 1_500);
            assert_within_bound(&report);
        }
    }
}

/// Bounded queues never show more than their bound (see [`assert_within_bound`]),
/// even when a slow stage makes every queue before it fill up.
///
/// The resize sleeps 3 ms an item, so that even on a loaded machine the download
/// stage gets a core while it sleeps and fills the queue: with shorter waits a
/// starved download thread could keep the queue below its bound for the whole run.
pub fn bounded_queues_stay_within_bound(backend: &Backend) {
    for capacity in [1, 2, 8] {
        for workers in [[1, 1, 1], [2, 3, 2]] {
            let config = Config {
                resize_ms: 3.0,
                upload_ms: 0.1,
                frame: Some((16, 16)),
                ..config(backend, 100, workers, Some(capacity))
            };
            let report = run_ok(backend, &config);
            assert_exactly_once(&report);
            assert_within_bound(&report);
            let resize_queue = report.stages[Stage::Resize.index()].queue_peak;
            assert!(
                resize_queue >= capacity.min(2) as u64,
                "a slow resize must fill its input queue to the bound: peak {resize_queue}"
            );
        }
    }
}

/// A capacity of 0 is a rendezvous where the backend has one, and is refused
/// before any thread starts where it has none.
pub fn rendezvous_or_refused(backend: &Backend) {
    let config = config(backend, 100, [1, 2, 1], Some(0));
    if backend.rendezvous {
        let report = run_ok(backend, &config);
        assert_exactly_once(&report);
    } else {
        match run(backend, &config) {
            Err(PipelineError::Config(ConfigError::NoRendezvous(name))) => {
                assert_eq!(name, backend.name)
            }
            other => panic!("capacity 0 should be refused, got {other:?}"),
        }
    }
}

/// A config that cannot work is refused before any thread starts.
pub fn invalid_config_refused(backend: &Backend) {
    let bad = Config {
        workers: [1, 0, 1],
        ..config(backend, 10, [1, 1, 1], None)
    };
    let err = run(backend, &bad).unwrap_err();
    assert!(matches!(err, PipelineError::Config(_)), "{err}");
    assert!(err.to_string().contains("resize"), "{err}");
}

/// An item a stage fails on is counted as failed; every other item arrives.
pub fn injected_error_is_counted(backend: &Backend) {
    for stage in Stage::ALL {
        for (workers, capacity) in [([1, 1, 1], Some(1)), ([2, 3, 2], None)] {
            let config = Config {
                faults: vec![Fault {
                    stage,
                    item: 7,
                    kind: FaultKind::Error,
                }],
                ..config(backend, 50, workers, capacity)
            };
            let report = run_ok(backend, &config);
            assert_exactly_once(&report);
            assert_eq!((report.failed, report.items_out), (1, 49), "{stage}");
            let failed_at = &report.stages[stage.index()];
            assert_eq!(failed_at.workers.iter().map(|w| w.failed).sum::<u64>(), 1);
        }
    }
}

/// A stage that panics stops the run with an error naming it, every thread
/// joined, within the watchdog, and the report keeps what was done.
pub fn injected_panic_is_reported(backend: &Backend) {
    for stage in Stage::ALL {
        let mut shapes = vec![([1, 1, 1], Some(1)), ([2, 3, 2], None), ([1, 1, 1], None)];
        if backend.rendezvous {
            shapes.push(([2, 2, 2], Some(0)));
        }
        for (workers, capacity) in shapes {
            let config = Config {
                faults: vec![Fault {
                    stage,
                    item: 20,
                    kind: FaultKind::Panic,
                }],
                ..config(backend, 200, workers, capacity)
            };
            match run(backend, &config) {
                Err(PipelineError::StagePanicked {
                    stage: reported,
                    report,
                    ..
                }) => {
                    assert_eq!(reported, stage, "{workers:?} {capacity:?}");
                    assert!(report.items_out < 200);
                    assert_eq!(report.duplicates, 0);
                    assert_counts_add_up(&report);
                    if workers == [1, 1, 1] {
                        // One worker handles items in order: 0 to 19 were done before 20.
                        assert_eq!(report.stages[stage.index()].done(), 20, "{capacity:?}");
                    }
                }
                other => panic!("{stage} panicked but the run gave {other:?}"),
            }
        }
    }
}

/// A panic stops every worker, counted rather than timed: once the stop flag is
/// up, a worker finishes at most the item it already holds and starts no other.
/// A watcher takes each worker's count of items handled (done + failed) as soon
/// as it sees the flag; at the end, no worker has handled more than one more.
pub fn a_panic_stops_every_worker(backend: &Backend) {
    let config = Config {
        // Long enough that the two other workers would need about 20 s for the
        // rest: the panic (its message, a backtrace, the unwinding) has all the
        // time a loaded machine may take before the stop reaches them.
        resize_ms: 20.0,
        faults: vec![Fault {
            stage: Stage::Resize,
            item: 5,
            kind: FaultKind::Panic,
        }],
        // Unbounded, so that nearly every item is already waiting in the resize
        // queue when the panic comes: closing that queue alone would not stop the
        // other workers from draining it.
        ..config(backend, 2_000, [1, 3, 1], None)
    };
    let probes = Arc::new(Probes::new(&config));
    let handled = |probes: &Probes| -> Vec<u64> {
        Stage::ALL
            .iter()
            .flat_map(|&stage| {
                (0..probes.workers_of(stage)).map(move |index| {
                    let counts = probes.worker(stage, index);
                    counts.done + counts.failed
                })
            })
            .collect()
    };
    let (runner, watched) = (*backend, Arc::clone(&probes));
    let (outcome, at_stop) = within("a run with a panic", WATCHDOG, move || {
        let run = thread::spawn(move || runner.run_with(&config, watched));
        while !probes.is_stopped() && !run.is_finished() {
            thread::yield_now();
        }
        let at_stop = handled(&probes);
        (
            run.join().expect("the run's thread ended"),
            (at_stop, probes),
        )
    });
    let (at_stop, probes) = at_stop;
    match outcome {
        Err(PipelineError::StagePanicked { stage, report, .. }) => {
            assert_eq!(stage, Stage::Resize);
            assert_eq!(report.outcome, "stopped: panic in resize");
            assert!(probes.is_stopped(), "the panic raised the stop flag");
        }
        other => panic!("resize panicked but the run gave {other:?}"),
    }
    for (worker, (after, before)) in handled(&probes).iter().zip(&at_stop).enumerate() {
        assert!(
            after - before <= 1,
            "worker {worker} handled {} items after the stop flag was up (at most the one it held)",
            after - before
        );
    }
}

/// Failed items keep their reason, and a run whose last items fail still has an
/// honest wall time: it ends when the last item was accounted for, so no stage
/// can have been busy longer than its workers had (before, the wall clock stopped
/// at the last receipt and the resize stage looked busy 180 % of the time).
pub fn failed_items_keep_their_reason_and_the_wall_time(backend: &Backend) {
    let config = Config {
        download_ms: 1.0,
        resize_ms: 5.0,
        upload_ms: 2.0,
        faults: (10..20)
            .map(|item| Fault {
                stage: Stage::Upload,
                item,
                kind: FaultKind::Error,
            })
            .collect(),
        ..config(backend, 20, [1, 1, 1], None)
    };
    let report = run_ok(backend, &config);
    assert_exactly_once(&report);
    assert_eq!((report.items_out, report.failed), (10, 10));
    assert_eq!(report.outcome, "completed");
    let upload = &report.stages[Stage::Upload.index()];
    assert_eq!(upload.failures.len(), 1, "{:?}", upload.failures);
    let failure = &upload.failures[0];
    assert_eq!(
        (failure.kind.as_str(), failure.count),
        ("injected fault", 10)
    );
    assert_eq!(
        failure.first,
        "the upload stage failed on item 10: injected fault"
    );
    assert!(report.stages[0].failures.is_empty() && report.stages[1].failures.is_empty());
    for stage in &report.stages {
        // Every busy moment lies inside the wall time; 1 % for the two clocks.
        let capacity = stage.workers.len() as f64 * report.wall_s;
        let busy = stage.busy_s().expect("a stage that waits is timed");
        assert!(
            busy <= capacity * 1.01,
            "{} busy {:.4} s in a wall of {:.4} s",
            stage.name,
            busy,
            report.wall_s
        );
    }
    assert!(report.bottleneck_utilisation().is_some_and(|u| u <= 1.0));
}

/// A run stopped from outside ([`crate::Probes::stop`]) ends early and cleanly:
/// no error, every thread joined, and what it did counted.
pub fn stopped_from_outside(backend: &Backend) {
    let config = Config {
        resize_ms: 0.2,
        ..config(backend, 100_000, [1, 2, 1], Some(8))
    };
    let probes = Arc::new(Probes::new(&config));
    let (runner, watcher) = (*backend, Arc::clone(&probes));
    let report = within("a stopped run", WATCHDOG, move || {
        let run = thread::spawn(move || runner.run_with(&config, watcher));
        while probes.done_by(Stage::Upload) < 10 {
            thread::sleep(Duration::from_millis(1));
        }
        probes.stop();
        run.join().expect("the run's thread ended")
    })
    .unwrap_or_else(|e| panic!("a stopped run is not an error: {e}"));
    assert!(report.items_in < 100_000, "the source kept feeding");
    assert!(report.items_out >= 10);
    assert_eq!(report.duplicates, 0);
    assert!(report.items_out + report.failed <= report.items_in);
    assert_counts_add_up(&report);
}

/// The report of a run that ended early (a panic, a refused thread) or not.
fn any_report(outcome: Result<Report, PipelineError>) -> Report {
    match outcome {
        Ok(report) => report,
        Err(error) => match error.report() {
            Some(report) => report.clone(),
            None => panic!("the run was refused: {error}"),
        },
    }
}

/// Runs `config` under `limit`, stopping it from outside once `ready` holds.
fn run_stopped_when(
    backend: &Backend,
    config: Config,
    limit: Duration,
    ready: impl Fn(&Probes) -> bool + Send + 'static,
) -> Result<Report, PipelineError> {
    let probes = Arc::new(Probes::new(&config));
    let (runner, watcher) = (*backend, Arc::clone(&probes));
    let what = format!("a stopped run of {} with {config:?}", backend.name);
    within(&what, limit, move || {
        let run = thread::spawn(move || runner.run_with(&config, watcher));
        while !ready(&probes) && !run.is_finished() {
            thread::sleep(Duration::from_millis(1));
        }
        probes.stop();
        run.join().expect("the run's thread ended")
    })
}

/// The counts add up on every ending: a panic (the item whose stage panicked is
/// counted in that stage), a stop from outside, and an interrupt in the middle of
/// the stages' waits (each item cut short is counted in its stage).
pub fn counts_add_up_on_every_ending(backend: &Backend) {
    // A panic on the last item, one worker per stage: 199 out, the last in upload.
    let last = Config {
        faults: vec![Fault {
            stage: Stage::Upload,
            item: 199,
            kind: FaultKind::Panic,
        }],
        ..config(backend, 200, [1, 1, 1], Some(4))
    };
    let report = any_report(run(backend, &last));
    assert_counts_add_up(&report);
    assert_eq!((report.items_in, report.items_out), (200, 199));
    assert_eq!(
        report.stages[Stage::Upload.index()].held,
        1,
        "the one that panicked"
    );
    // A panic on the first item with fan-out, bounded queues and a slow stage.
    for (workers, capacity) in [([3, 4, 5], Some(8)), ([2, 3, 2], None)] {
        let first = Config {
            resize_ms: 1.0,
            faults: vec![Fault {
                stage: Stage::Upload,
                item: 0,
                kind: FaultKind::Panic,
            }],
            ..config(backend, 500, workers, capacity)
        };
        let report = any_report(run(backend, &first));
        assert!(
            matches!(report.outcome, crate::report::Outcome::Panicked(_)),
            "{}",
            report.outcome
        );
        assert_counts_add_up(&report);
    }
    // A stop from outside, items everywhere in the pipeline.
    let busy = Config {
        resize_ms: 0.2,
        ..config(backend, 100_000, [1, 2, 1], Some(8))
    };
    let report = run_stopped_when(backend, busy, WATCHDOG, |probes| {
        probes.done_by(Stage::Upload) >= 10
    })
    .unwrap_or_else(|e| panic!("a stopped run is not an error: {e}"));
    assert!(report.items_in < 100_000, "the source kept feeding");
    assert!(
        report.unfinished > 0,
        "a stopped run left items: {report:?}"
    );
    assert_counts_add_up(&report);
    // An interrupt while every worker waits: the items cut short stay in their
    // stage, the others in the queues.
    for workers in [[1, 1, 1], [2, 2, 2]] {
        let waiting = Config {
            download_ms: MAX_WAIT_MS,
            ..config(backend, 6, workers, None)
        };
        let downloads = workers[0] as u64;
        let report = run_stopped_when(backend, waiting, STOP_WATCHDOG, move |probes| {
            probes.got_by(Stage::Download) >= downloads
        })
        .unwrap_or_else(|e| panic!("an interrupted run is not an error: {e}"));
        assert_counts_add_up(&report);
        assert_eq!(report.items_out, 0);
        let download = &report.stages[Stage::Download.index()];
        assert_eq!(
            download.held, downloads,
            "the items cut short in their wait"
        );
        assert_eq!(download.failed(), 0, "a stop is not a failure");
    }
}

/// A stop ends every wait at once, whatever its length: a stage's, the camera's
/// interval, the poller's nap. Each run waits a minute (or ten seconds between
/// polls) and is stopped as soon as it is waiting; it must return well within the
/// waits ([`STOP_WATCHDOG`]), with its counts adding up.
pub fn a_stop_ends_every_wait(backend: &Backend) {
    let minute = MAX_WAIT_MS;
    let mut cases: Vec<(&str, Config)> = vec![
        (
            "download wait",
            Config {
                download_ms: minute,
                ..config(backend, 3, [1, 1, 1], Some(1))
            },
        ),
        (
            "resize wait, fanned out",
            Config {
                resize_ms: minute,
                ..config(backend, 20, [1, 3, 1], Some(1))
            },
        ),
        (
            "upload wait",
            Config {
                upload_ms: minute,
                ..config(backend, 3, [1, 1, 2], None)
            },
        ),
        (
            "camera interval",
            Config {
                source_interval_ms: minute,
                ..config(backend, 3, [1, 1, 1], None)
            },
        ),
    ];
    if backend.polls {
        cases.push((
            "poller's nap",
            Config {
                poll_sleep_ms: Some(MAX_POLL_SLEEP_MS),
                source_interval_ms: minute,
                ..config(backend, 3, [2, 2, 2], None)
            },
        ));
    }
    for (what, config) in cases {
        let report = run_stopped_when(backend, config, STOP_WATCHDOG, |probes| {
            // Waiting: the first item was taken by the download stage.
            probes.got_by(Stage::Download) >= 1
        })
        .unwrap_or_else(|e| panic!("{what}: a stopped run is not an error: {e}"));
        assert_counts_add_up(&report);
        assert!(report.items_out < report.config.items, "{what}: {report:?}");
    }
}

/// A gate that refuses one worker of the resize stage, as an OS out of threads.
fn refuse_resize_1(name: &str) -> io::Result<()> {
    refuse_if(name == "resize-1")
}

/// A gate that refuses every thread from the upload stage on: no upload worker
/// and no camera start.
fn refuse_from_upload(name: &str) -> io::Result<()> {
    refuse_if(name.starts_with("upload-") || name == "camera")
}

/// A gate that refuses only the camera.
fn refuse_camera(name: &str) -> io::Result<()> {
    refuse_if(name == "camera")
}

/// A gate that refuses a runtime's threads.
fn refuse_runtime(name: &str) -> io::Result<()> {
    refuse_if(name == "runtime")
}

/// A gate that refuses the very first worker.
fn refuse_download_0(name: &str) -> io::Result<()> {
    refuse_if(name == "download-0")
}

fn refuse_if(refused: bool) -> io::Result<()> {
    match refused {
        true => Err(crate::platform::thread_refused_error()),
        false => Ok(()),
    }
}

/// A thread the OS refuses stops the run: no panic, no hang, every thread that
/// started joined, an error naming the thread with the partial report, and its
/// counts adding up; bounded and not, whichever thread is refused.
///
/// Where the workers are tasks ([`Backend::tasks`]), no worker has a thread to be
/// refused: the threads refused are the camera's and the runtime's.
pub fn a_refused_thread_stops_the_run(backend: &Backend) {
    let threads: [(ThreadGate, &str); 4] = [
        (refuse_resize_1, "worker resize-1"),
        (refuse_from_upload, "worker upload-0"),
        (refuse_camera, "the camera"),
        (refuse_download_0, "worker download-0"),
    ];
    let tasks: [(ThreadGate, &str); 2] = [
        (refuse_camera, "the camera"),
        (refuse_runtime, "the runtime's threads"),
    ];
    let gates = if backend.tasks {
        &tasks[..]
    } else {
        &threads[..]
    };
    // `Resource temporarily unavailable` on Unix; the platform's words elsewhere.
    let expected = crate::run::os_reason(&crate::platform::thread_refused_error());
    for &(gate, refused) in gates {
        for capacity in [Some(1), None] {
            let config = config(backend, 500, [2, 3, 2], capacity);
            let (runner, run_config) = (*backend, config.clone());
            let what = format!("{} refusing {refused} with {capacity:?}", backend.name);
            let outcome = within(&what, WATCHDOG, move || {
                runner.run_gated(&run_config, Arc::new(Probes::new(&run_config)), gate)
            });
            match outcome {
                Err(PipelineError::ThreadRefused {
                    thread,
                    reason,
                    report,
                }) => {
                    assert_eq!(thread, refused, "{what}");
                    assert_eq!(reason, expected, "{what}");
                    assert_eq!(report.outcome, format!("stopped: cannot start {refused}"));
                    assert_counts_add_up(&report);
                    assert!(report.items_out < 500, "{what}: the run was stopped");
                }
                other => panic!("{what} gave {other:?}"),
            }
        }
    }
    let message = PipelineError::ThreadRefused {
        thread: "worker resize-3".into(),
        reason: "Resource temporarily unavailable".into(),
        report: Box::new(run_ok(backend, &config(backend, 0, [1, 1, 1], None))),
    }
    .to_string();
    assert_eq!(
        message,
        "cannot start worker resize-3 (Resource temporarily unavailable): use fewer workers"
    );
}

/// The item's 10 ms sleep between empty polls (polling backends) still finishes.
pub fn default_poll_sleep(backend: &Backend) {
    let config = Config {
        poll_sleep_ms: None,
        ..config(backend, 500, [1, 1, 1], None)
    };
    let report = run_ok(backend, &config);
    assert_exactly_once(&report);
    if backend.polls {
        assert_eq!(report.config.poll_sleep_ms, Some(DEFAULT_POLL_SLEEP_MS));
    } else {
        assert_eq!(report.config.poll_sleep_ms, None);
    }
}

/// A random config that `backend` accepts.
pub fn arbitrary_config(backend: &Backend) -> impl Strategy<Value = Config> {
    let min_capacity = if backend.rendezvous { 0 } else { 1 };
    let polls = backend.polls;
    (
        0u64..400,
        [1usize..=4, 1usize..=4, 1usize..=4],
        prop_oneof![Just(None), (min_capacity..=6usize).prop_map(Some)],
        prop_oneof![Just(None), (4u32..=24, 4u32..=24).prop_map(Some)],
        prop_oneof![3 => Just(0.0), 1 => MIN_WAIT_MS..0.3],
        0u64..=2,
    )
        .prop_map(
            move |(items, workers, capacity, frame, resize_ms, poll_sleep)| Config {
                items,
                workers,
                capacity,
                frame,
                resize_ms,
                poll_sleep_ms: polls.then_some(poll_sleep),
                ..Config::default()
            },
        )
}

/// Over random configs: exactly once, within bounds, in order with one worker per stage.
pub fn random_configs(backend: &Backend) {
    let mut runner = TestRunner::new(ProptestConfig {
        cases: 32,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    runner
        .run(&arbitrary_config(backend), |config| {
            let report = run(backend, &config).map_err(|e| TestCaseError::fail(e.to_string()))?;
            assert_exactly_once(&report);
            assert_within_bound(&report);
            if config.workers == [1, 1, 1] {
                prop_assert_eq!(report.reordered, 0);
            }
            Ok(())
        })
        .unwrap();
}

/// A recorded run (see [`crate::Recording`]) delivers like a counting one, and its
/// timeline holds what the report counts: per worker, a working span per item
/// (done or failed), a handing-over span per item done, a poll per counted poll;
/// the camera hands every item over and the collector receives every receipt.
pub fn recorded_run_matches_its_counts(backend: &Backend) {
    for workers in [[1, 1, 1], [2, 3, 2]] {
        for capacity in capacities(backend) {
            let config = Config {
                faults: vec![Fault {
                    kind: FaultKind::Error,
                    stage: Stage::Resize,
                    item: 7,
                }],
                ..config(backend, 300, workers, capacity)
            };
            let (backend, probes) = (*backend, Arc::new(Probes::new(&config)));
            let what = format!("a recorded run of {} with {config:?}", backend.name);
            let (shared, run_config) = (Arc::clone(&probes), config.clone());
            let report = within(&what, WATCHDOG, move || {
                backend.run_recorded(&run_config, shared)
            })
            .unwrap_or_else(|e| panic!("{what} failed: {e}"));
            assert_exactly_once(&report);
            assert_eq!(report.failed, 1);
            let timeline = probes.timeline();
            assert_eq!(timeline.threads.len(), workers.iter().sum::<usize>() + 2);
            let camera = timeline.thread("camera").expect("a camera track");
            assert_eq!(camera.spans_of(State::HandingOver).count(), 300);
            let collector = timeline.thread("collector").expect("a collector track");
            assert_eq!(collector.spans_of(State::Waiting).count(), 299 + 1);
            for (stage, stage_report) in Stage::ALL.iter().zip(&report.stages) {
                for (index, worker) in stage_report.workers.iter().enumerate() {
                    let name = format!("{stage}-{index}");
                    let line = timeline.thread(&name).expect("a track per worker");
                    assert_eq!(line.dropped, 0, "{name}");
                    let spans = |state| line.spans_of(state).count() as u64;
                    assert_eq!(spans(State::Working), worker.done + worker.failed, "{name}");
                    assert_eq!(spans(State::HandingOver), worker.done, "{name}");
                    assert_eq!(line.polls.len() as u64, worker.polls, "{name}");
                    assert!(
                        line.spans.windows(2).all(|w| w[0].end_ns <= w[1].start_ns),
                        "{name}: spans in order, without overlaps"
                    );
                }
            }
            // Every queue ends empty: each item put was got.
            for queue in &timeline.queues {
                assert_eq!(queue.depth.last().map(|d| d.1), Some(0), "{}", queue.name);
            }
        }
    }
}

/// Expands to one `#[test]` per conformance check for the backend given.
///
/// `conformance_tests!(BACKEND, if available())`: each test first asks
/// `available()`, and passes at once where it says no (a backend that needs a
/// server this machine lacks says why, or panics where the server is required).
#[macro_export]
macro_rules! conformance_tests {
    ($backend:expr) => {
        $crate::conformance_tests!($backend, if true);
    };
    ($backend:expr, if $available:expr) => {
        $crate::conformance_tests!(@tests $backend; $available;
            zero_items,
            one_item,
            ten_thousand_items,
            order_kept_with_one_worker_per_stage,
            exactly_once_fanout,
            bounded_queues_stay_within_bound,
            rendezvous_or_refused,
            invalid_config_refused,
            injected_error_is_counted,
            injected_panic_is_reported,
            a_panic_stops_every_worker,
            failed_items_keep_their_reason_and_the_wall_time,
            stopped_from_outside,
            counts_add_up_on_every_ending,
            a_stop_ends_every_wait,
            a_refused_thread_stops_the_run,
            default_poll_sleep,
            random_configs,
            recorded_run_matches_its_counts,
        );
    };
    (@tests $backend:expr; $available:expr; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                if $available {
                    $crate::testkit::$name(&$backend);
                }
            }
        )*
    };
}

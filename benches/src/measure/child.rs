//! One case per process: the report bench starts itself again with `--case <json>`,
//! the child runs that one case and prints one JSON line, and the parent reads it.
//! A process of its own gives every case a clean `max_rss_bytes` and peak heap.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use pipeline_core::{ConfigError, PipelineError, Probes, max_rss_bytes};

use crate::data::case::{Case, CaseKind, CaseResult, Outcome};
use crate::data::timeline::WINDOW_MS;
use crate::measure::sampler::{self, DEPTH_INTERVAL_MS};
use crate::measure::{bare, channel_hop, hop, timeline};

/// The argument that makes the report bench run one case and print its result.
pub const CASE_ARG: &str = "--case";

/// The most workers a run may have for the depth sampler to watch it.
const MOST_WORKERS_SAMPLED: usize = 2_000;

/// Runs `case` in this process: the bare pipeline, or the instrumented one with the
/// depth sampler watching its probes.
pub fn run_here(case: &Case) -> Result<CaseResult, PipelineError> {
    // A pipeline whose broker cannot be had here is a row that says so; the
    // bench goes on without it.
    if case.pipeline.backend.broker.is_some()
        && let Err(ConfigError::Broker(why)) = case.pipeline.backend.check_fit(&case.config)
    {
        return Ok(hop::not_run(case, why));
    }
    if case.kind == CaseKind::Hop {
        return hop::run(case);
    }
    if case.kind == CaseKind::ChannelHop {
        return channel_hop::run(case);
    }
    let bare = match case.kind {
        CaseKind::Bare => Some(bare::run(case.pipeline, &case.config)),
        CaseKind::ByHand => Some(bare::crossbeam_by_hand(
            case.config.items,
            case.config.capacity,
        )),
        _ => None,
    };
    if let Some(bare) = bare {
        return Ok(CaseResult {
            case: case.clone(),
            outcome: Outcome::Bare { bare },
        });
    }
    if case.kind == CaseKind::Timeline {
        return recorded(case);
    }
    let backend = case.pipeline.backend;
    let probes = Arc::new(Probes::new(&case.config));
    let stop = AtomicBool::new(false);
    // A reading of the depths sums every worker's counts: past a few thousand
    // workers it takes longer than the interval, and the sampler would take a
    // core from the run it watches. Such a run has no depth series.
    let sampled = case.config.workers.iter().sum::<usize>() <= MOST_WORKERS_SAMPLED;
    let (report, depth_series) = thread::scope(|s| {
        let sampler = sampled.then(|| {
            s.spawn(|| {
                let interval = Duration::from_millis(DEPTH_INTERVAL_MS);
                sampler::sample(&probes, interval, &stop)
            })
        });
        let report = backend.run_with(&case.config, Arc::clone(&probes));
        stop.store(true, Ordering::Relaxed);
        let series = sampler.map(|s| s.join().expect("the depth sampler panicked"));
        (report, series)
    });
    let mut report = match report {
        // This machine cannot start the run, or would not serve it (too many
        // waiters that spin for its cores): a result, not a failure, as the
        // lab's refusal is.
        Err(PipelineError::Config(
            refusal @ (ConfigError::TooManyThreads { .. } | ConfigError::SpinningWaiters { .. }),
        )) => {
            return Ok(CaseResult {
                case: case.clone(),
                outcome: Outcome::Refused {
                    refused: refusal.to_string(),
                },
            });
        }
        report => report?,
    };
    report.scenario = Some(case.scenario.clone());
    report.max_rss_bytes = Some(max_rss_bytes());
    Ok(CaseResult {
        case: case.clone(),
        outcome: Outcome::Report {
            report: Box::new(report),
            depth_series,
            timeline: None,
        },
    })
}

/// Runs `case` with recording probes and keeps the first moments of its timeline.
fn recorded(case: &Case) -> Result<CaseResult, PipelineError> {
    let backend = case.pipeline.backend;
    let probes = Arc::new(Probes::recording(&case.config, timeline::RECORD_LIMIT));
    let mut report = backend.run_recorded(&case.config, Arc::clone(&probes))?;
    report.scenario = Some(case.scenario.clone());
    let window = probes.timeline().window(WINDOW_MS * 1_000_000);
    Ok(CaseResult {
        case: case.clone(),
        outcome: Outcome::Report {
            report: Box::new(report),
            depth_series: None,
            timeline: Some(window),
        },
    })
}

/// The child's side: if `args` hold `--case <json>`, runs that case, prints its
/// result as one JSON line and returns the exit code (1 if the run failed, 2 if the
/// case could not be read); `None` when this process is not a child.
pub fn child_main<S: AsRef<str>>(args: &[S]) -> Option<ExitCode> {
    let at = args.iter().position(|a| a.as_ref() == CASE_ARG)?;
    let Some(json) = args.get(at + 1) else {
        eprintln!("{CASE_ARG} needs the case as JSON");
        return Some(ExitCode::from(2));
    };
    let case: Case = match serde_json::from_str(json.as_ref()) {
        Ok(case) => case,
        Err(e) => {
            eprintln!("cannot read the case: {e}");
            return Some(ExitCode::from(2));
        }
    };
    Some(match run_here(&case) {
        Ok(result) => {
            let line = serde_json::to_string(&result).expect("a result serializes");
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{}: {e}", case.label());
            ExitCode::from(1)
        }
    })
}

/// The parent's side: runs `case` in a new process of `exe` (this bench binary),
/// killing it after `timeout`, and reads its result.
pub fn run_in_child(exe: &Path, case: &Case, timeout: Duration) -> anyhow::Result<CaseResult> {
    let json = serde_json::to_string(case)?;
    let mut child = Command::new(exe)
        .arg(CASE_ARG)
        .arg(json)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start {}", exe.display()))?;
    let stdout = child.stdout.take().expect("stdout is piped");
    let stderr = child.stderr.take().expect("stderr is piped");
    let out = thread::spawn(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .filter(|line| !line.trim().is_empty())
            .last()
    });
    let err = thread::spawn(move || {
        let mut text = String::new();
        let _ = BufReader::new(stderr).read_to_string(&mut text);
        text
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() > deadline {
            child.kill()?;
            child.wait()?;
            if case.kind == CaseKind::Crowd {
                // Too many threads for this pipeline: what the sweep measures.
                return Ok(CaseResult {
                    case: case.clone(),
                    outcome: Outcome::TimedOut {
                        timed_out_s: timeout.as_secs_f64(),
                    },
                });
            }
            bail!("{} did not finish within {timeout:?}", case.label());
        }
        thread::sleep(Duration::from_millis(5));
    };
    let line = out.join().expect("the stdout reader panicked");
    let stderr = err.join().expect("the stderr reader panicked");
    if !status.success() {
        bail!("{} failed ({status}): {}", case.label(), stderr.trim());
    }
    let line = line.with_context(|| format!("{} printed no result", case.label()))?;
    serde_json::from_str(&line)
        .with_context(|| format!("cannot read the result of {}", case.label()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipeline_core::{Config, Scenario};
    use pipeline_registry::REFERENCE;

    fn case(kind: CaseKind) -> Case {
        Case {
            scenario: Scenario::BOTTLENECK.name.into(),
            kind,
            pipeline: REFERENCE,
            config: Config {
                items: 20,
                resize_ms: 1.0,
                ..Scenario::BOTTLENECK.config()
            },
            repeat: 0,
        }
    }

    #[test]
    fn an_instrumented_case_has_report_series_and_rss() {
        let result = run_here(&case(CaseKind::Scenario)).unwrap();
        let report = result.report().unwrap();
        assert_eq!(report.items_out, 20);
        assert_eq!(report.scenario.as_deref(), Some(Scenario::BOTTLENECK.name));
        assert!(report.max_rss_bytes.unwrap() > 0);
        assert!(!result.depth_series().unwrap().resize.is_empty());
        let json = serde_json::to_string(&result).unwrap();
        assert!(json.contains("\"max_rss_bytes\""));
    }

    #[test]
    fn a_pipeline_without_its_broker_is_not_run_and_says_why() {
        use pipeline_registry::BROKERED;
        // No server to start and none named: the broker cannot be had. The
        // variables are set and read in a child process of this test binary
        // only, so no other test sees them.
        if std::env::var_os("PIPELINE_BENCH_NO_BROKER_CHILD").is_none() {
            let exe = std::env::current_exe().unwrap();
            let status = Command::new(exe)
                .args([
                    "--exact",
                    "measure::child::tests::a_pipeline_without_its_broker_is_not_run_and_says_why",
                ])
                .env("PIPELINE_BENCH_NO_BROKER_CHILD", "1")
                .env("PIPELINE_REDIS_SERVER", "/nonexistent")
                .env_remove("REDIS_URL")
                .status()
                .unwrap();
            assert!(status.success());
            return;
        }
        for kind in [CaseKind::Scenario, CaseKind::Hop] {
            let case = Case {
                pipeline: BROKERED,
                ..case(kind)
            };
            let result = run_here(&case).unwrap();
            let why = result.not_run().expect("not run");
            assert!(why.starts_with("redis-server not found"), "{why}");
        }
    }

    #[test]
    fn a_bare_case_has_only_timing() {
        let result = run_here(&case(CaseKind::Bare)).unwrap();
        assert_eq!(result.bare().unwrap().items_out, 20);
        assert!(result.report().is_none() && result.depth_series().is_none());
        let by_hand = run_here(&case(CaseKind::ByHand)).unwrap();
        assert_eq!(by_hand.bare().unwrap().items_out, 20);
    }
}

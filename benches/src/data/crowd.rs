//! Threads or tasks: `crowd` at 100 to 100,000 concurrent waits of 1 s.
//!
//! Every item's download waits 1 s with a worker of its own, so every wait overlaps
//! and the ideal is one second whatever the count. A thread pipeline starts a thread
//! per wait; the tokio pipelines start a task per wait on a thread per core. Here are
//! each pipeline's wall time against that ideal, its peak resident memory, its CPU
//! time and the time it took to start its workers, or the reason this machine
//! refused the run before it started, or the time it was given before it was killed.
//! A run the lab refuses on a machine of the results' cores (a stage of
//! waiting workers that keep the cores busy, [`pipeline_core::Backend::check_waiters`])
//! is refused here too, whatever the bench did with it.
//!
//! The memory a wait costs is the pipeline's growth from its fewest waits: its peak
//! resident memory less that of its run at [`LEVELS`]' first, over the waits added.
//! The process's own memory (its code, the runtime, the buffers) is in both runs and
//! cancels out.

use crate::data::case::CaseKind;
use crate::data::results::Results;
use pipeline_registry::{ALL, Pipeline};

/// The numbers of concurrent waits measured.
pub const LEVELS: [u64; 4] = [100, 1_000, 10_000, 100_000];

/// The most concurrent waits a pipeline with a broker runs: each of its waits
/// is a worker with a connection of its own, and the next level's 10,000 (with
/// the camera's and the collector's) are more than Redis takes by default
/// (`maxclients` 10,000) and than the private server is started with (4,096,
/// `crates/redis/src/server.rs`). The table says where its rows stop.
pub const BROKER_MOST_WAITS: u64 = 1_000;

/// Whether `pipeline` runs `crowd` at `waits` concurrent waits.
pub fn runs_at(pipeline: Pipeline, waits: u64) -> bool {
    pipeline.backend.broker.is_none() || waits <= BROKER_MOST_WAITS
}

/// One pipeline at one number of concurrent waits.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    /// The pipeline.
    pub pipeline: Pipeline,
    /// Concurrent waits: items, and download workers.
    pub waits: u64,
    /// What it measured, or why it did not run.
    pub outcome: Measured,
    /// The resident memory each wait added, over the pipeline's run at the fewest
    /// waits (`None` for that run itself, and for a run that did not end).
    pub rss_per_wait: Option<f64>,
}

/// A run at one level: measured, or refused.
#[derive(Clone, Debug, PartialEq)]
pub enum Measured {
    /// It ran.
    Ran {
        /// Wall seconds, first put to last receipt.
        wall_s: f64,
        /// The ideal: one wait.
        ideal_s: f64,
        /// The process's peak resident memory.
        rss_bytes: u64,
        /// The process's CPU seconds over the run.
        cpu_s: f64,
        /// Seconds to start every worker.
        startup_s: Option<f64>,
        /// Whether every item came out.
        complete: bool,
    },
    /// This machine refused it before it started.
    Refused(String),
    /// It did not end within this many seconds, and was killed.
    TimedOut(f64),
    /// It could not run here (its broker cannot be had): why.
    NotRun(String),
}

impl Point {
    /// Its wall time over the ideal, when it ran.
    pub fn wall_over_ideal(&self) -> Option<f64> {
        match self.outcome {
            Measured::Ran {
                wall_s, ideal_s, ..
            } => Some(wall_s / ideal_s),
            _ => None,
        }
    }

    /// Its peak resident memory, when it ran.
    pub fn rss_bytes(&self) -> Option<u64> {
        match self.outcome {
            Measured::Ran { rss_bytes, .. } => Some(rss_bytes),
            _ => None,
        }
    }

    /// The seconds it took to start its workers, when it ran.
    pub fn startup_s(&self) -> Option<f64> {
        match self.outcome {
            Measured::Ran { startup_s, .. } => startup_s,
            _ => None,
        }
    }
}

/// Every point of `results`' concurrency sweep, by pipeline (in the registry's
/// order) then level.
pub fn points(results: &Results) -> Vec<Point> {
    let mut points = Vec::new();
    for &pipeline in ALL {
        for waits in LEVELS {
            let run = results.runs.iter().find(|r| {
                r.case.kind == CaseKind::Crowd
                    && r.case.pipeline == pipeline
                    && r.case.config.items == waits
            });
            let Some(run) = run else {
                continue;
            };
            if let Some(why) = run.not_run() {
                points.push(Point {
                    pipeline,
                    waits,
                    outcome: Measured::NotRun(why.to_string()),
                    rss_per_wait: None,
                });
                continue;
            }
            // What the lab refuses on a machine of these cores, whatever the run
            // did: the same check, on the cores the results were measured on.
            let spinning = pipeline
                .backend
                .check_waiters(&run.case.config, results.machine.cpus as u64)
                .err()
                .map(|refusal| refusal.to_string());
            // The machine's limits on threads first, as the lab checks them.
            let refused = run.refused().or(spinning.as_deref());
            let outcome = match (refused, run.timed_out(), run.report()) {
                (Some(reason), _, _) => Measured::Refused(reason.to_string()),
                (None, Some(seconds), _) => Measured::TimedOut(seconds),
                (None, None, Some(report)) => Measured::Ran {
                    wall_s: report.wall_s,
                    ideal_s: report.ideal_wall_s.unwrap_or(f64::NAN),
                    rss_bytes: report.max_rss_bytes.unwrap_or(0),
                    cpu_s: report.process_cpu_s,
                    startup_s: report.startup_s,
                    complete: report.items_out == report.config.items,
                },
                (None, None, None) => continue,
            };
            points.push(Point {
                pipeline,
                waits,
                outcome,
                rss_per_wait: None,
            });
        }
    }
    // Each wait's memory: the growth from the pipeline's run at the fewest waits.
    for pipeline in ALL {
        let base = points
            .iter()
            .find(|p| p.pipeline == *pipeline && p.waits == LEVELS[0])
            .and_then(|p| Some((p.waits, p.rss_bytes()?)));
        let Some((base_waits, base_rss)) = base else {
            continue;
        };
        for point in points.iter_mut().filter(|p| p.pipeline == *pipeline) {
            if let (true, Some(rss)) = (point.waits > base_waits, point.rss_bytes()) {
                let added = rss.saturating_sub(base_rss) as f64;
                point.rss_per_wait = Some(added / (point.waits - base_waits) as f64);
            }
        }
    }
    points
}

/// Whether `pipeline` runs its workers as tasks.
pub fn tasks(pipeline: Pipeline) -> bool {
    pipeline.backend.tasks
}

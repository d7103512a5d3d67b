//! What one run of the report bench was, and what it gave: a [`Case`] and its
//! [`CaseResult`], either an instrumented run's report or a bare run's timing.

use pipeline_core::{Config, Report, Timeline};
use serde::{Deserialize, Serialize};

use crate::data::channel_hop::ChannelHopRun;
use crate::data::depth::DepthSeries;
use crate::data::hop::HopRun;
use pipeline_registry::Pipeline;

/// What a case measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CaseKind {
    /// A named scenario, run by the instrumented pipeline (the tables and figures).
    Scenario,
    /// The `throughput` scenario again: the tables, the figures and the overhead ratio
    /// show the run with the median wall time of it and its repeats.
    Repeat,
    /// The same pipeline with its probes compiled away, on the `throughput` config.
    Bare,
    /// The smallest crossbeam pipeline written by hand (three channels of `u64`, four
    /// threads, nothing counted), on the `throughput` config: the floor.
    ByHand,
    /// The `bottleneck` scenario with another item count: peak heap against items.
    Sweep,
    /// The `cpu` scenario with another resize worker count: what more cores buy.
    Parallel,
    /// A short run with recording probes: the first moments of every thread.
    Timeline,
    /// The `crowd` scenario at another number of concurrent waits: threads against
    /// tasks, as far as the machine gives threads.
    Crowd,
    /// One hop alone, a producer thread and a consumer thread on one queue: the
    /// channel's, or the broker's item by item and in batches, against the
    /// server's own ceiling.
    Hop,
    /// One hand-off through an in-process channel under every condition of
    /// [`crate::data::channel_hop`], once: each run of it in its own process, the
    /// channels in turn.
    ChannelHop,
}

impl CaseKind {
    /// Whether a case of this kind runs a pipeline without probes (and so gives a
    /// [`BareRun`], not a report).
    pub fn is_bare(self) -> bool {
        matches!(self, CaseKind::Bare | CaseKind::ByHand)
    }
}

/// One run of the report bench.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Case {
    /// The scenario the config comes from (a [`pipeline_core::Scenario`]'s name).
    pub scenario: String,
    /// What the case measures.
    pub kind: CaseKind,
    /// The pipeline.
    #[serde(rename = "variant")]
    pub pipeline: Pipeline,
    /// The config, already set up for the pipeline.
    pub config: Config,
    /// Which run of the same config this is (0 for the first).
    pub repeat: u32,
}

/// The scenarios whose stages spend their time asleep (1–5 ms waits per item): a
/// run of one uses a few per cent of a core.
const SLEEPING_SCENARIOS: [&str; 3] = ["camera", "fanout", "bottleneck"];

impl Case {
    /// Whether this case may run beside another such case: a run of a scenario
    /// whose stages sleep, on a pipeline whose workers park at once (never one
    /// that polls, spins or yields, which would take the core the other needs),
    /// and not one whose latencies or timelines are what it measures. Two such
    /// runs together use a small part of the two cores, and each keeps its own
    /// process for its memory.
    pub fn may_run_beside(&self) -> bool {
        SLEEPING_SCENARIOS.contains(&self.scenario.as_str())
            && matches!(self.kind, CaseKind::Scenario | CaseKind::Sweep)
            && self.pipeline.parks_at_once()
    }

    /// A short label for progress lines: `camera · mpsc`, `throughput (1024) · bare flume #2`.
    pub fn label(&self) -> String {
        let capacity = match self.config.capacity {
            Some(n) => format!(" ({n})"),
            None => String::new(),
        };
        let items = match self.kind {
            CaseKind::Sweep => format!(", {} items", self.config.items),
            CaseKind::Parallel => format!(", {} resize workers", self.config.workers[1]),
            CaseKind::Crowd => format!(", {} concurrent waits", self.config.items),
            CaseKind::Hop | CaseKind::ChannelHop => format!(", {} items", self.config.items),
            _ => String::new(),
        };
        let bare = match self.kind {
            CaseKind::Bare => "bare ",
            CaseKind::ByHand => "by hand: ",
            _ => "",
        };
        let repeat = if self.repeat > 0 {
            format!(" #{}", self.repeat + 1)
        } else {
            String::new()
        };
        format!(
            "{}{capacity}{items} · {bare}{}{repeat}",
            self.scenario, self.pipeline.label
        )
    }
}

/// What a bare run measures: only what its instrumented sibling's report also has.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct BareRun {
    /// Receipts that arrived.
    pub items_out: u64,
    /// Seconds from the first put to the last receipt.
    pub wall_s: f64,
    /// User + system CPU seconds of the whole process during the run.
    pub process_cpu_s: f64,
}

/// What one case produced.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CaseResult {
    /// The case.
    pub case: Case,
    /// Its outcome: a report, or a bare run.
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// A case's outcome: an instrumented run's report, or a bare run's timing. In
/// `results.json` the outcome's fields sit beside `case` (`report`, `depth_series`,
/// `timeline`, or `bare`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Outcome {
    /// An instrumented run.
    Report {
        /// Its report (with `max_rss_bytes` of its process).
        report: Box<Report>,
        /// Every queue's depth over the run (not in a recorded run).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        depth_series: Option<DepthSeries>,
        /// The first moments of every thread, in a recorded run.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timeline: Option<Timeline>,
    },
    /// A run without probes.
    Bare {
        /// Its timing.
        bare: BareRun,
    },
    /// A run this machine refused before it started (more threads than the
    /// operating system gives): why, in the run's own words.
    Refused {
        /// The refusal.
        refused: String,
    },
    /// A run of the concurrency sweep that did not end within its time, and was
    /// killed: a result of the sweep (this many threads overwhelm this pipeline),
    /// not a failure of the bench.
    TimedOut {
        /// The seconds it was given.
        timed_out_s: f64,
    },
    /// A run of a pipeline whose broker cannot be had on this machine (no
    /// `redis-server`, no `REDIS_URL`): why, in the broker's own words. The
    /// bench goes on without it.
    NotRun {
        /// Why it did not run.
        not_run: String,
    },
    /// One hop alone ([`CaseKind::Hop`]).
    Hop {
        /// What it measured.
        hop: HopRun,
    },
    /// One run of an in-process channel's hop ([`CaseKind::ChannelHop`]).
    ChannelHop {
        /// What it measured.
        channel_hop: ChannelHopRun,
    },
}

impl CaseResult {
    /// Seconds from the first put to the last receipt, whichever kind of run it was.
    pub fn wall_s(&self) -> f64 {
        match &self.outcome {
            Outcome::Report { report, .. } => report.wall_s,
            Outcome::Bare { bare } => bare.wall_s,
            Outcome::Hop { hop } => hop.unbatched_s.iter().sum(),
            Outcome::ChannelHop { channel_hop } => channel_hop
                .timings
                .iter()
                .map(|t| t.per_item_s * t.items as f64)
                .sum(),
            Outcome::Refused { .. } | Outcome::TimedOut { .. } | Outcome::NotRun { .. } => f64::NAN,
        }
    }

    /// The instrumented run's report (`None` for a bare run).
    pub fn report(&self) -> Option<&Report> {
        match &self.outcome {
            Outcome::Report { report, .. } => Some(report),
            _ => None,
        }
    }

    /// The bare run's timing (`None` for an instrumented run).
    pub fn bare(&self) -> Option<&BareRun> {
        match &self.outcome {
            Outcome::Bare { bare } => Some(bare),
            _ => None,
        }
    }

    /// The instrumented run's depth series, when it was sampled.
    pub fn depth_series(&self) -> Option<&DepthSeries> {
        match &self.outcome {
            Outcome::Report { depth_series, .. } => depth_series.as_ref(),
            _ => None,
        }
    }

    /// The recorded run's timeline, when it was recorded.
    pub fn timeline(&self) -> Option<&Timeline> {
        match &self.outcome {
            Outcome::Report { timeline, .. } => timeline.as_ref(),
            _ => None,
        }
    }

    /// Why this machine refused the run (`None` for a run that ran).
    pub fn refused(&self) -> Option<&str> {
        match &self.outcome {
            Outcome::Refused { refused } => Some(refused),
            _ => None,
        }
    }

    /// Why the run could not be made here (its broker cannot be had), if so.
    pub fn not_run(&self) -> Option<&str> {
        match &self.outcome {
            Outcome::NotRun { not_run } => Some(not_run),
            _ => None,
        }
    }

    /// What a hop measured, for a [`CaseKind::Hop`] case that ran.
    pub fn hop(&self) -> Option<&HopRun> {
        match &self.outcome {
            Outcome::Hop { hop } => Some(hop),
            _ => None,
        }
    }

    /// What a run of an in-process channel's hop measured.
    pub fn channel_hop(&self) -> Option<&ChannelHopRun> {
        match &self.outcome {
            Outcome::ChannelHop { channel_hop } => Some(channel_hop),
            _ => None,
        }
    }

    /// The seconds a run was given before it was killed, if it was.
    pub fn timed_out(&self) -> Option<f64> {
        match &self.outcome {
            Outcome::TimedOut { timed_out_s } => Some(*timed_out_s),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sleeping_scenarios_on_parking_pipelines_run_beside_another() {
        use pipeline_core::Scenario;
        use pipeline_registry::{POLLING_SPIN, REFERENCE};
        let on = |scenario: Scenario, pipeline, kind| Case {
            scenario: scenario.name.to_string(),
            kind,
            pipeline,
            config: pipeline.config(&scenario.config()),
            repeat: 0,
        };
        assert!(on(Scenario::CAMERA, REFERENCE, CaseKind::Scenario).may_run_beside());
        assert!(on(Scenario::BOTTLENECK, REFERENCE, CaseKind::Sweep).may_run_beside());
        assert!(!on(Scenario::CAMERA, POLLING_SPIN, CaseKind::Scenario).may_run_beside());
        assert!(!on(Scenario::CAMERA, REFERENCE, CaseKind::Timeline).may_run_beside());
        assert!(!on(Scenario::PACED, REFERENCE, CaseKind::Scenario).may_run_beside());
        assert!(!on(Scenario::THROUGHPUT, REFERENCE, CaseKind::Scenario).may_run_beside());
    }
    use pipeline_core::Scenario;
    use pipeline_registry::REFERENCE;

    fn case(kind: CaseKind) -> Case {
        Case {
            scenario: Scenario::THROUGHPUT.name.into(),
            kind,
            pipeline: REFERENCE,
            config: REFERENCE.config(&Scenario::THROUGHPUT.config()),
            repeat: 0,
        }
    }

    #[test]
    fn a_bare_result_keeps_its_json_shape() {
        let result = CaseResult {
            case: case(CaseKind::Bare),
            outcome: Outcome::Bare {
                bare: BareRun {
                    items_out: 3,
                    wall_s: 0.5,
                    process_cpu_s: 0.25,
                },
            },
        };
        let json = serde_json::to_string(&result).unwrap();
        assert!(json.starts_with("{\"case\":{"), "{json}");
        assert!(
            json.contains("\"variant\":") && json.contains("},\"bare\":{"),
            "{json}"
        );
        assert!(!json.contains("\"report\""), "{json}");
        let back: CaseResult = serde_json::from_str(&json).unwrap();
        assert_eq!(back, result);
        assert_eq!(back.wall_s(), 0.5);
        assert!(back.report().is_none());
    }

    #[test]
    fn a_run_without_its_broker_keeps_why_through_json() {
        let result = CaseResult {
            case: case(CaseKind::Scenario),
            outcome: Outcome::NotRun {
                not_run: "redis-server not found: install it".into(),
            },
        };
        let json = serde_json::to_string(&result).unwrap();
        assert!(json.contains("\"not_run\":"), "{json}");
        let back: CaseResult = serde_json::from_str(&json).unwrap();
        assert_eq!(back.not_run(), Some("redis-server not found: install it"));
        assert!(back.report().is_none() && back.wall_s().is_nan());
    }

    #[test]
    fn a_result_with_neither_report_nor_bare_run_is_refused() {
        let json = serde_json::json!({ "case": case(CaseKind::Scenario) });
        assert!(serde_json::from_value::<CaseResult>(json).is_err());
    }
}

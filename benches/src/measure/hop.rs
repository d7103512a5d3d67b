//! The hop cases: one queue, a producer thread putting items and a consumer thread
//! taking them, for each in-process channel the bench can time alone and for the
//! broker (item by item, and in batches, through [`broker_hop`]), with the
//! server's own benchmark for the same commands on the same server. Each case runs in its own process, like every
//! other: the broker's hop, and the benchmark after it, on that process's private
//! server.

use std::hint::black_box;
use std::sync::Barrier;
use std::thread;
use std::time::Instant;

use pipeline_core::{BrokerKind, Config, ConfigError, PipelineError, Scenario};

use crate::data::case::{Case, CaseKind, CaseResult, Outcome};
use crate::data::hop::{BatchedHop, HopRun};
use crate::measure::broker_hop;
use crate::measure::plan::Plan;
use pipeline_registry::{ALL, Pipeline};

/// The scenario name the hop cases are filed under.
pub const SCENARIO: &str = "hop";

/// Runs of each hop: the table shows the median.
pub const RUNS: usize = 3;

/// Items per round trip of the broker's batched hop.
pub const BATCH: usize = 64;

/// How many more items the broker's batched hop (and its benchmark) puts than
/// its unbatched one: a batched item costs a fraction of an unbatched one.
pub const BATCHED_MORE: u64 = 10;

/// The in-process channel a pipeline hands over with, when the bench can time it
/// alone (the channel crates; not the hand-made queues, nor tokio's, which the
/// backend crates keep to themselves).
fn channel(pipeline: Pipeline) -> Option<fn(u64) -> f64> {
    let hop: fn(u64) -> f64 = match pipeline.backend.name {
        "mpsc" => |items| {
            let (tx, rx) = std::sync::mpsc::channel();
            timed(items, move |i| tx.send(i).is_ok(), move || rx.recv().ok())
        },
        "crossbeam" => |items| {
            let (tx, rx) = crossbeam_channel::unbounded();
            timed(items, move |i| tx.send(i).is_ok(), move || rx.recv().ok())
        },
        "flume" => |items| {
            let (tx, rx) = flume::unbounded();
            timed(items, move |i| tx.send(i).is_ok(), move || rx.recv().ok())
        },
        "kanal" => |items| {
            let (tx, rx) = kanal::unbounded();
            timed(items, move |i| tx.send(i).is_ok(), move || rx.recv().ok())
        },
        _ => return None,
    };
    Some(hop)
}

/// Seconds for a producer thread to `send` `items` items and this thread to
/// `recv` them all, from the moment both are ready.
fn timed(
    items: u64,
    mut send: impl FnMut(u64) -> bool + Send,
    mut recv: impl FnMut() -> Option<u64>,
) -> f64 {
    let ready = Barrier::new(2);
    thread::scope(|s| {
        s.spawn(|| {
            ready.wait();
            for i in 0..items {
                assert!(send(i), "the consumer went away");
            }
        });
        ready.wait();
        let started = Instant::now();
        for _ in 0..items {
            black_box(recv().expect("the producer went away"));
        }
        started.elapsed().as_secs_f64()
    })
}

/// The hop cases: each pipeline with a channel of its own to time, then the
/// pipelines with a broker.
pub fn cases(plan: &Plan) -> Vec<Case> {
    ALL.iter()
        .filter(|p| p.backend.broker.is_some() || channel(**p).is_some())
        .map(|&pipeline| Case {
            scenario: SCENARIO.to_string(),
            kind: CaseKind::Hop,
            pipeline,
            config: pipeline.config(&Config {
                items: plan.hop_items(pipeline.backend.broker.is_some()),
                ..Scenario::BOOK.config()
            }),
            repeat: 0,
        })
        .collect()
}

/// Runs a hop case in this process.
pub fn run(case: &Case) -> Result<CaseResult, PipelineError> {
    let items = case.config.items;
    let hop = if let Some(kind) = case.pipeline.backend.broker {
        broker(kind, items)?
    } else {
        let Some(hop) = channel(case.pipeline) else {
            let why = format!("no channel of {} to time alone", case.pipeline.label);
            return Ok(not_run(case, why));
        };
        HopRun {
            items,
            unbatched_s: (0..RUNS).map(|_| hop(items)).collect(),
            batched: None,
            ceiling: None,
            ceiling_not_run: None,
        }
    };
    Ok(CaseResult {
        case: case.clone(),
        outcome: Outcome::Hop { hop },
    })
}

/// The result of a case that could not run here, and why.
pub fn not_run(case: &Case, why: String) -> CaseResult {
    CaseResult {
        case: case.clone(),
        outcome: Outcome::NotRun { not_run: why },
    }
}

/// The hop of `kind`'s broker (its default server): `items` one at a time,
/// [`BATCHED_MORE`] times as many in batches of [`BATCH`], each [`RUNS`]
/// times, then the server's own rates.
fn broker(kind: &BrokerKind, items: u64) -> Result<HopRun, PipelineError> {
    let lost =
        |e: &dyn std::fmt::Display| PipelineError::Config(ConfigError::Broker(e.to_string()));
    let url = (kind.default_url)().map_err(|e| lost(&e))?;
    let batched_items = items * BATCHED_MORE;
    let times = |items: u64, batch: usize| -> Result<Vec<f64>, PipelineError> {
        (0..RUNS)
            .map(|_| broker_hop::hop(kind, &url, items, batch).map_err(|e| lost(&e)))
            .collect()
    };
    let unbatched_s = times(items, 1)?;
    let batched_s = times(batched_items, BATCH)?;
    let (ceiling, ceiling_not_run) =
        match broker_hop::ceiling(&kind.benchmark, &url, batched_items, BATCH) {
            Ok(c) => (Some(c), None),
            Err(e) => (None, Some(e)),
        };
    Ok(HopRun {
        items,
        unbatched_s,
        batched: Some(BatchedHop {
            batch: BATCH,
            items: batched_items,
            wall_s: batched_s,
        }),
        ceiling,
        ceiling_not_run,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_channel_hop_hands_every_item_over() {
        let timed_alone: Vec<&str> = ALL
            .iter()
            .filter(|p| channel(**p).is_some())
            .map(|p| p.backend.name)
            .collect();
        assert!(timed_alone.len() >= 3, "{timed_alone:?}");
        for pipeline in ALL {
            if let Some(hop) = channel(*pipeline) {
                assert!(hop(1_000) > 0.0, "{}", pipeline.id);
            }
        }
    }

    #[test]
    fn the_broker_has_a_hop_case_wherever_it_can_run() {
        let cases = cases(&Plan { quick: true });
        assert!(cases.iter().any(|c| c.pipeline.backend.broker.is_some()));
        for case in &cases {
            case.pipeline.backend.prepare(&case.config).unwrap();
        }
    }
}

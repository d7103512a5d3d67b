//! The hop through a broker, timed with the operations its pipeline offers
//! ([`pipeline_core::BrokerKind::hop`]): a producer thread puts the items on one
//! queue and a consumer thread takes and acknowledges them, each on a
//! connection of its own, item by item or in batches; then the server's own
//! benchmark program on the same commands ([`pipeline_core::ServerBenchmark`]),
//! each step run here with a deadline. Nothing here knows which broker it is.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

use pipeline_core::{BrokerFailure, BrokerKind, BrokerUrl, ServerBenchmark};

use crate::data::hop::{CommandRate, ServerCeiling};

/// How long a whole hop, or one step of the benchmark, may take before it is
/// given up.
const DEADLINE: Duration = Duration::from_secs(60);

/// Seconds from the moment both ends are connected to the last
/// acknowledgement, for `items` items, `batch` at a time (1: one command per
/// item and step), through a new queue on the broker at `url`.
pub fn hop(kind: &BrokerKind, url: &BrokerUrl, items: u64, batch: usize) -> Result<f64, String> {
    let failed = |e: BrokerFailure| format!("the broker at {url}: {e}");
    let batch = batch.max(1);
    let queue = (kind.hop)(url).map_err(failed)?;
    let mut producer = queue.producer().map_err(failed)?;
    let mut consumer = queue.consumer().map_err(failed)?;
    let ready = Barrier::new(2);
    let (wall_s, got) = thread::scope(|s| {
        let put = s.spawn(|| -> Result<(), BrokerFailure> {
            ready.wait();
            let mut id = 0;
            while id < items {
                let end = (id + batch as u64).min(items);
                producer.put(id..end)?;
                id = end;
            }
            Ok(())
        });
        ready.wait();
        let started = Instant::now();
        let got = take_all(consumer.as_mut(), items, batch, started);
        let wall_s = started.elapsed().as_secs_f64();
        let put = put.join().expect("the producer panicked");
        (wall_s, put.and(got))
    });
    let got = got.map_err(failed)?;
    if got < items {
        return Err(format!(
            "the hop took {got} of {items} items in {DEADLINE:?}"
        ));
    }
    Ok(wall_s)
}

/// The consumer: takes up to `batch` items at a time and acknowledges them,
/// until it has acknowledged `items` or the deadline passed. Item by item, one
/// acknowledgement per item after its take; in batches, one for all it took,
/// sent with the next take, and the last batch's on its own.
fn take_all(
    consumer: &mut dyn pipeline_core::HopConsumer,
    items: u64,
    batch: usize,
    started: Instant,
) -> Result<u64, BrokerFailure> {
    let mut got = 0;
    let mut unacked: Vec<String> = Vec::new();
    while got < items && started.elapsed() < DEADLINE {
        let took = consumer.take(&unacked, batch)?;
        got += unacked.len() as u64;
        unacked.clear();
        if batch == 1 || got + took.len() as u64 >= items {
            consumer.ack(&took)?;
            got += took.len() as u64;
        } else {
            unacked = took;
        }
    }
    Ok(got)
}

/// The server's own rates for the commands of a hop on the broker at `url`,
/// `requests` of each, batches of `batch`: every step of the benchmark's plan,
/// run and read in turn.
pub fn ceiling(
    benchmark: &ServerBenchmark,
    url: &BrokerUrl,
    requests: u64,
    batch: usize,
) -> Result<ServerCeiling, String> {
    let program = (benchmark.find)()?;
    let mut plan =
        (benchmark.plan)(url, requests, batch).map_err(|e| format!("the broker at {url}: {e}"))?;
    let mut ceiling = ServerCeiling {
        program: benchmark.program.to_string(),
        batch: batch.max(1),
        pipelined: benchmark.pipelined,
        rates: Vec::new(),
        round_trip: None,
    };
    while let Some(step) = plan
        .next_step()
        .map_err(|e| format!("the broker at {url}: {e}"))?
    {
        let output = run_step(&program, &step.args, &step.command)?;
        let per_s = (benchmark.rate)(&output).ok_or_else(|| {
            format!(
                "{}: no rate for {} in {:?}",
                benchmark.program,
                step.command,
                output.trim()
            )
        })?;
        let rate = CommandRate {
            command: step.command,
            per_s,
            per_item: step.per_item,
        };
        if step.round_trip {
            ceiling.round_trip = Some(rate);
        } else {
            ceiling.rates.push(rate);
        }
    }
    Ok(ceiling)
}

/// Runs `program` with `args` until it ends or [`DEADLINE`] passes (a
/// benchmark may retry a server it cannot reach for ever): its standard
/// output, or why it failed.
fn run_step(program: &Path, args: &[String], command: &str) -> Result<String, String> {
    let started = |e: std::io::Error| format!("{}: {e}", program.display());
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(started)?;
    let until = Instant::now() + DEADLINE;
    while child.try_wait().map_err(started)?.is_none() {
        if Instant::now() >= until {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("{command}: no answer within {DEADLINE:?}"));
        }
        thread::sleep(Duration::from_millis(10));
    }
    let output = child.wait_with_output().map_err(started)?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(format!("{command} ({}): {}", output.status, stderr.trim()));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipeline_registry::brokers;

    #[test]
    fn a_hop_hands_every_item_over_one_by_one_and_in_batches() {
        if !pipeline_registry::broker_available_for_tests() {
            return;
        }
        for kind in brokers() {
            let url = (kind.default_url)().unwrap();
            for batch in [1, 7] {
                let wall_s = hop(kind, &url, 50, batch).unwrap();
                assert!(wall_s > 0.0, "{}: {wall_s}", kind.name);
            }
        }
    }

    #[test]
    fn the_server_s_benchmark_gives_a_rate_for_every_command() {
        if !pipeline_registry::broker_available_for_tests() {
            return;
        }
        for kind in brokers() {
            if (kind.benchmark.find)().is_err() {
                continue;
            }
            let url = (kind.default_url)().unwrap();
            let ceiling = ceiling(&kind.benchmark, &url, 2_000, 8).unwrap();
            assert!(ceiling.rates.len() >= 3, "{ceiling:?}");
            assert!(ceiling.rates.iter().all(|r| r.per_s > 0.0), "{ceiling:?}");
            assert!(ceiling.round_trip.is_some());
            assert!(ceiling.unbatched_items_per_s() > 0.0);
            assert!(ceiling.batched_items_per_s() > 0.0);
        }
    }
}

//! The in-process channels' hop under named conditions
//! ([`crate::data::channel_hop`]): streamed unbounded and bounded small enough to
//! fill, handed back and forth with nothing queued, each with the two threads on
//! one CPU, on two cores (and on one core's two hardware threads where it has
//! them), and wherever the operating system puts them; then the same streamed hop
//! timed by the plain harness ([`crate::measure::anchor`]).
//!
//! Each case is one run of one channel under every condition; the cases list
//! every channel once per run, in turn, so the runs of the channels interleave.
//! Threads are placed with `sched_setaffinity` on Linux (the `core_affinity`
//! crate), the cores read from `/sys`; elsewhere every timing is placed by the
//! operating system, and the run says so.

use std::hint::black_box;
use std::sync::Barrier;
use std::thread;
use std::time::Instant;

use pipeline_core::{Config, PipelineError, Scenario};

use crate::data::case::{Case, CaseKind, CaseResult, Outcome};
use crate::data::channel_hop::{ChannelHopRun, Condition, HopTiming, Pattern, Placement, Queue};
use crate::measure::anchor;
use crate::measure::plan::Plan;
use pipeline_registry::{ALL, Pipeline};

/// The scenario name the hop cases are filed under.
pub const SCENARIO: &str = "hop";

/// The bound of the bounded queue: small, so that a producer that outruns its
/// consumer finds it full and blocks.
pub const BOUND: usize = 8;

/// Runs of each channel's case, full and quick: each a process of its own.
const RUNS: (u32, u32) = (5, 3);

/// Items per streamed timing, full and quick.
const ITEMS: (u64, u64) = (500_000, 100_000);

/// A bounded queue that fills parks and wakes a thread every few items: it
/// streams this many times fewer items, to take about as long as the others.
const BOUNDED_FEWER: u64 = 10;

/// A ping-pong makes this many times fewer round trips than a stream has items.
const PING_PONG_FEWER: u64 = 50;

/// One channel crate, as the hop uses it.
trait Channel {
    /// The unbounded queue's sender.
    type Tx: Send;
    /// The bounded queue's sender.
    type BoundedTx: Send;
    /// Either queue's receiver.
    type Rx: Send;
    /// An unbounded queue.
    fn unbounded() -> (Self::Tx, Self::Rx);
    /// A queue of at most `n` items.
    fn bounded(n: usize) -> (Self::BoundedTx, Self::Rx);
    /// Sends `i` down an unbounded queue.
    fn put(tx: &Self::Tx, i: u64);
    /// Sends `i` down a bounded queue: whether it found the queue full (and
    /// waited for room).
    fn put_bounded(tx: &Self::BoundedTx, i: u64) -> bool;
    /// The next item.
    fn take(rx: &Self::Rx) -> u64;
    /// The plain harness's seconds per item for `n` items.
    fn anchor(n: u64) -> f64;
}

/// `std::sync::mpsc`.
struct Mpsc;

impl Channel for Mpsc {
    type Tx = std::sync::mpsc::Sender<u64>;
    type BoundedTx = std::sync::mpsc::SyncSender<u64>;
    type Rx = std::sync::mpsc::Receiver<u64>;
    fn unbounded() -> (Self::Tx, Self::Rx) {
        std::sync::mpsc::channel()
    }
    fn bounded(n: usize) -> (Self::BoundedTx, Self::Rx) {
        std::sync::mpsc::sync_channel(n)
    }
    fn put(tx: &Self::Tx, i: u64) {
        tx.send(i).expect("the consumer went away");
    }
    fn put_bounded(tx: &Self::BoundedTx, i: u64) -> bool {
        match tx.try_send(i) {
            Ok(()) => false,
            Err(std::sync::mpsc::TrySendError::Full(i)) => {
                tx.send(i).expect("the consumer went away");
                true
            }
            Err(e) => panic!("the consumer went away: {e}"),
        }
    }
    fn take(rx: &Self::Rx) -> u64 {
        rx.recv().expect("the producer went away")
    }
    fn anchor(n: u64) -> f64 {
        anchor::mpsc(n)
    }
}

/// `crossbeam-channel`.
struct Crossbeam;

impl Channel for Crossbeam {
    type Tx = crossbeam_channel::Sender<u64>;
    type BoundedTx = crossbeam_channel::Sender<u64>;
    type Rx = crossbeam_channel::Receiver<u64>;
    fn unbounded() -> (Self::Tx, Self::Rx) {
        crossbeam_channel::unbounded()
    }
    fn bounded(n: usize) -> (Self::BoundedTx, Self::Rx) {
        crossbeam_channel::bounded(n)
    }
    fn put(tx: &Self::Tx, i: u64) {
        tx.send(i).expect("the consumer went away");
    }
    fn put_bounded(tx: &Self::BoundedTx, i: u64) -> bool {
        match tx.try_send(i) {
            Ok(()) => false,
            Err(crossbeam_channel::TrySendError::Full(i)) => {
                tx.send(i).expect("the consumer went away");
                true
            }
            Err(e) => panic!("the consumer went away: {e}"),
        }
    }
    fn take(rx: &Self::Rx) -> u64 {
        rx.recv().expect("the producer went away")
    }
    fn anchor(n: u64) -> f64 {
        anchor::crossbeam(n)
    }
}

/// `flume`.
struct Flume;

impl Channel for Flume {
    type Tx = flume::Sender<u64>;
    type BoundedTx = flume::Sender<u64>;
    type Rx = flume::Receiver<u64>;
    fn unbounded() -> (Self::Tx, Self::Rx) {
        flume::unbounded()
    }
    fn bounded(n: usize) -> (Self::BoundedTx, Self::Rx) {
        flume::bounded(n)
    }
    fn put(tx: &Self::Tx, i: u64) {
        tx.send(i).expect("the consumer went away");
    }
    fn put_bounded(tx: &Self::BoundedTx, i: u64) -> bool {
        match tx.try_send(i) {
            Ok(()) => false,
            Err(flume::TrySendError::Full(i)) => {
                tx.send(i).expect("the consumer went away");
                true
            }
            Err(e) => panic!("the consumer went away: {e}"),
        }
    }
    fn take(rx: &Self::Rx) -> u64 {
        rx.recv().expect("the producer went away")
    }
    fn anchor(n: u64) -> f64 {
        anchor::flume(n)
    }
}

/// `kanal`'s synchronous channels.
struct Kanal;

impl Channel for Kanal {
    type Tx = kanal::Sender<u64>;
    type BoundedTx = kanal::Sender<u64>;
    type Rx = kanal::Receiver<u64>;
    fn unbounded() -> (Self::Tx, Self::Rx) {
        kanal::unbounded()
    }
    fn bounded(n: usize) -> (Self::BoundedTx, Self::Rx) {
        kanal::bounded(n)
    }
    fn put(tx: &Self::Tx, i: u64) {
        tx.send(i).expect("the consumer went away");
    }
    fn put_bounded(tx: &Self::BoundedTx, i: u64) -> bool {
        if tx.try_send(i).expect("the consumer went away") {
            return false;
        }
        tx.send(i).expect("the consumer went away");
        true
    }
    fn take(rx: &Self::Rx) -> u64 {
        rx.recv().expect("the producer went away")
    }
    fn anchor(n: u64) -> f64 {
        anchor::kanal(n)
    }
}

/// Every condition of one channel, once: `items` per stream.
type Measure = fn(u64, &Placements) -> Vec<HopTiming>;

/// The channel a pipeline hands over with, when the bench can time it alone
/// (the channel crates; not the hand-made queues, nor tokio's, which the
/// backend crates keep to themselves).
fn channel(pipeline: Pipeline) -> Option<Measure> {
    Some(match pipeline.backend.name {
        "mpsc" => measure::<Mpsc>,
        "crossbeam" => measure::<Crossbeam>,
        "flume" => measure::<Flume>,
        "kanal" => measure::<Kanal>,
        _ => return None,
    })
}

/// The placements this machine gives: each with the two logical CPUs it pins
/// (`None` for the operating system's).
#[derive(Clone, Debug, PartialEq)]
pub struct Placements {
    /// The placements, the operating system's first.
    pub each: Vec<(Placement, Option<[usize; 2]>)>,
    /// The machine's cores as their logical CPUs (empty where not read).
    pub cores: Vec<Vec<usize>>,
    /// Why the threads are not placed, where they are not.
    pub not_placed: Option<String>,
}

impl Placements {
    /// The placements found from the machine's topology: the first CPU this
    /// process may use, with itself, with another hardware thread of its core
    /// and with a CPU of another core, where there are such.
    pub fn here() -> Placements {
        let os = (Placement::Os, None);
        match topology() {
            Err(why) => Placements {
                each: vec![os],
                cores: Vec::new(),
                not_placed: Some(why),
            },
            Ok(cores) => {
                let mut each = vec![os];
                each.extend(placements_of(&cores));
                Placements {
                    each,
                    cores,
                    not_placed: None,
                }
            }
        }
    }
}

/// The pinned placements of a machine whose cores are `cores` (each its
/// logical CPUs): one CPU, one core's two hardware threads, two cores.
fn placements_of(cores: &[Vec<usize>]) -> Vec<(Placement, Option<[usize; 2]>)> {
    let mut each = Vec::new();
    let Some(first) = cores.iter().find(|c| !c.is_empty()) else {
        return each;
    };
    let a = first[0];
    each.push((Placement::OneCpu, Some([a, a])));
    if let Some(&b) = first.get(1) {
        each.push((Placement::SmtSiblings, Some([a, b])));
    }
    if let Some(other) = cores.iter().find(|c| !c.is_empty() && !c.contains(&a)) {
        each.push((Placement::TwoCores, Some([a, other[0]])));
    }
    each
}

/// The cores this process may run on, each as its logical CPUs (Linux: the
/// CPUs of its affinity mask, grouped by `/sys`'s package and core ids).
#[cfg(target_os = "linux")]
fn topology() -> Result<Vec<Vec<usize>>, String> {
    let cpus = core_affinity::get_core_ids()
        .ok_or_else(|| "the operating system did not give this process's CPUs".to_string())?;
    let read = |cpu: usize, what: &str| -> Option<String> {
        let path = format!("/sys/devices/system/cpu/cpu{cpu}/topology/{what}");
        Some(std::fs::read_to_string(path).ok()?.trim().to_string())
    };
    let mut cores: Vec<((String, String), Vec<usize>)> = Vec::new();
    for cpu in cpus.iter().map(|c| c.id) {
        let key = (
            read(cpu, "physical_package_id").unwrap_or_default(),
            read(cpu, "core_id").unwrap_or_else(|| format!("cpu{cpu}")),
        );
        match cores.iter_mut().find(|(k, _)| *k == key) {
            Some((_, threads)) => threads.push(cpu),
            None => cores.push((key, vec![cpu])),
        }
    }
    // A thread that cannot be pinned makes every placement the OS's.
    let pinned = thread::spawn(move || core_affinity::set_for_current(cpus[0]))
        .join()
        .unwrap_or(false);
    if !pinned {
        return Err("the operating system refused to pin a thread".into());
    }
    Ok(cores.into_iter().map(|(_, threads)| threads).collect())
}

/// Elsewhere the threads stay where the operating system puts them.
#[cfg(not(target_os = "linux"))]
fn topology() -> Result<Vec<Vec<usize>>, String> {
    Err(format!(
        "placement not controlled on this platform ({})",
        std::env::consts::OS
    ))
}

/// Pins the calling thread to `cpu` (Linux), or leaves it where it is.
fn pin(cpu: Option<usize>) {
    #[cfg(target_os = "linux")]
    if let Some(id) = cpu {
        assert!(
            core_affinity::set_for_current(core_affinity::CoreId { id }),
            "cannot pin a thread to cpu{id}"
        );
    }
    #[cfg(not(target_os = "linux"))]
    let _ = cpu;
}

/// Seconds for a producer thread to put `items` items and a consumer thread to
/// take them all, from the moment both are ready and placed, and how many puts
/// found the queue full.
fn stream<T: Send, R: Send>(
    items: u64,
    cpus: Option<[usize; 2]>,
    (tx, rx): (T, R),
    put: impl Fn(&T, u64) -> bool + Sync,
    take: impl Fn(&R) -> u64 + Sync,
) -> (f64, u64) {
    let ready = &Barrier::new(2);
    let (put, take) = (&put, &take);
    thread::scope(|s| {
        let producer = s.spawn(move || {
            pin(cpus.map(|c| c[0]));
            ready.wait();
            let mut full = 0;
            for i in 0..items {
                full += u64::from(put(&tx, i));
            }
            full
        });
        let consumer = s.spawn(move || {
            pin(cpus.map(|c| c[1]));
            ready.wait();
            let started = Instant::now();
            for _ in 0..items {
                black_box(take(&rx));
            }
            started.elapsed().as_secs_f64()
        });
        let secs = consumer.join().expect("the consumer panicked");
        (secs, producer.join().expect("the producer panicked"))
    })
}

/// Seconds per hand-off of `round_trips` items sent over one channel and back
/// over another, one at a time: half a round trip each.
fn ping_pong<T: Send, R: Send>(
    round_trips: u64,
    cpus: Option<[usize; 2]>,
    (there, back): ((T, R), (T, R)),
    put: impl Fn(&T, u64) + Sync,
    take: impl Fn(&R) -> u64 + Sync,
) -> f64 {
    let ready = &Barrier::new(2);
    let (put, take) = (&put, &take);
    let (to_echo, echo_takes) = there;
    let (echo_puts, from_echo) = back;
    thread::scope(|s| {
        s.spawn(move || {
            pin(cpus.map(|c| c[1]));
            ready.wait();
            for _ in 0..round_trips {
                put(&echo_puts, take(&echo_takes));
            }
        });
        let main = s.spawn(move || {
            pin(cpus.map(|c| c[0]));
            ready.wait();
            let started = Instant::now();
            for i in 0..round_trips {
                put(&to_echo, i);
                black_box(take(&from_echo));
            }
            started.elapsed().as_secs_f64()
        });
        main.join().expect("the ping-pong panicked") / (2 * round_trips) as f64
    })
}

/// Every condition of channel `C` once, `items` per stream, on `placements`;
/// then the plain harness.
fn measure<C: Channel>(items: u64, placements: &Placements) -> Vec<HopTiming> {
    let mut timings = Vec::new();
    // A first, short stream warms the allocator and the channel's code.
    stream(
        items / 10,
        None,
        C::unbounded(),
        put_unbounded::<C>,
        C::take,
    );
    for &(placement, cpus) in &placements.each {
        let condition = |pattern, queue| Condition {
            pattern,
            placement,
            queue,
        };
        let (secs, _) = stream(items, cpus, C::unbounded(), put_unbounded::<C>, C::take);
        timings.push(HopTiming {
            condition: condition(Pattern::Streaming, Queue::Unbounded),
            items,
            per_item_s: secs / items as f64,
            full_sends: None,
        });
        let fewer = (items / BOUNDED_FEWER).max(1);
        let (secs, full) = stream(fewer, cpus, C::bounded(BOUND), C::put_bounded, C::take);
        timings.push(HopTiming {
            condition: condition(Pattern::Streaming, Queue::Bounded(BOUND)),
            items: fewer,
            per_item_s: secs / fewer as f64,
            full_sends: Some(full as f64 / fewer as f64),
        });
        let round_trips = (items / PING_PONG_FEWER).max(1);
        let per = ping_pong(
            round_trips,
            cpus,
            (C::unbounded(), C::unbounded()),
            C::put,
            C::take,
        );
        timings.push(HopTiming {
            condition: condition(Pattern::PingPong, Queue::Unbounded),
            items: round_trips,
            per_item_s: per,
            full_sends: None,
        });
    }
    timings.push(HopTiming {
        condition: Condition {
            pattern: Pattern::Anchor,
            placement: Placement::Os,
            queue: Queue::Unbounded,
        },
        items,
        per_item_s: C::anchor(items),
        full_sends: None,
    });
    timings
}

/// [`Channel::put`] as a stream's put, which never finds an unbounded queue full.
fn put_unbounded<C: Channel>(tx: &C::Tx, i: u64) -> bool {
    C::put(tx, i);
    false
}

/// How many runs each channel's case makes.
pub fn runs(plan: &Plan) -> u32 {
    if plan.quick { RUNS.1 } else { RUNS.0 }
}

/// Items per streamed timing.
pub fn items(plan: &Plan) -> u64 {
    if plan.quick { ITEMS.1 } else { ITEMS.0 }
}

/// The channels' hop cases: every channel once per run, the channels in turn.
pub fn cases(plan: &Plan) -> Vec<Case> {
    let channels: Vec<Pipeline> = ALL
        .iter()
        .copied()
        .filter(|&p| channel(p).is_some())
        .collect();
    (0..runs(plan))
        .flat_map(|repeat| {
            channels.iter().map(move |&pipeline| Case {
                scenario: SCENARIO.to_string(),
                kind: CaseKind::ChannelHop,
                pipeline,
                config: pipeline.config(&Config {
                    items: items(plan),
                    ..Scenario::BOOK.config()
                }),
                repeat,
            })
        })
        .collect()
}

/// Runs one channel's hop case in this process.
pub fn run(case: &Case) -> Result<CaseResult, PipelineError> {
    let items = case.config.items;
    let outcome = match channel(case.pipeline) {
        None => Outcome::NotRun {
            not_run: format!("no channel of {} to time alone", case.pipeline.label),
        },
        Some(measure) => {
            let placements = Placements::here();
            let timings = measure(items, &placements);
            Outcome::ChannelHop {
                channel_hop: ChannelHopRun {
                    items,
                    round_trips: (items / PING_PONG_FEWER).max(1),
                    cpus: placements
                        .each
                        .iter()
                        .filter_map(|&(p, cpus)| Some((p, cpus?)))
                        .collect(),
                    cores: placements.cores,
                    not_placed: placements.not_placed,
                    timings,
                },
            }
        }
    };
    Ok(CaseResult {
        case: case.clone(),
        outcome,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placements_come_from_the_cores() {
        let one = |cores: &[&[usize]]| -> Vec<Placement> {
            let cores: Vec<Vec<usize>> = cores.iter().map(|c| c.to_vec()).collect();
            placements_of(&cores).into_iter().map(|(p, _)| p).collect()
        };
        assert_eq!(one(&[&[0], &[1]]), [Placement::OneCpu, Placement::TwoCores]);
        assert_eq!(
            one(&[&[0, 4], &[1, 5]]),
            [
                Placement::OneCpu,
                Placement::SmtSiblings,
                Placement::TwoCores
            ]
        );
        assert_eq!(one(&[&[3]]), [Placement::OneCpu]);
        let cores = vec![vec![0, 4], vec![1, 5]];
        assert_eq!(
            placements_of(&cores)[2],
            (Placement::TwoCores, Some([0, 1]))
        );
    }

    #[test]
    fn the_cases_interleave_the_channels_run_by_run() {
        let plan = Plan { quick: true };
        let cases = cases(&plan);
        let channels = ALL.iter().filter(|p| channel(**p).is_some()).count();
        assert!(channels >= 4, "{channels}");
        assert_eq!(cases.len(), channels * runs(&plan) as usize);
        for (i, case) in cases.iter().enumerate() {
            assert_eq!(case.repeat as usize, i / channels);
            assert_eq!(case.pipeline, cases[i % channels].pipeline);
        }
    }

    #[test]
    fn every_channel_is_timed_under_every_condition_here() {
        let placements = Placements::here();
        if cfg!(target_os = "linux") {
            assert_eq!(placements.not_placed, None);
            assert!(placements.each.len() >= 2, "{placements:?}");
        }
        for pipeline in ALL {
            let Some(measure) = channel(*pipeline) else {
                continue;
            };
            let timings = measure(2_000, &placements);
            // Three per placement, and the anchor.
            assert_eq!(timings.len(), placements.each.len() * 3 + 1, "{timings:?}");
            for t in &timings {
                assert!(t.per_item_s > 0.0, "{} {t:?}", pipeline.id);
                if let Some(full) = t.full_sends {
                    assert!((0.0..=1.0).contains(&full), "{t:?}");
                }
            }
        }
    }
}

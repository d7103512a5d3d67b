//! The named facts of a report run (`facts.json`): the numbers, ranges, lists and
//! orderings the book's sentences show, and whether each reading a page builds on
//! holds in these results.
//!
//! Every fact is computed on typed keys (a [`Scenario`], a capacity, the registry's
//! [`Pipeline`]s and their roles), never on text, and stored as a typed
//! [`Fact`]; the book formats it when it shows it. Sets of pipelines come from the
//! registry: `blocking` is every pipeline whose workers are threads that block, so a new one joins the
//! set, and its size is a fact too. The roles are named after what they are in the
//! story: the `sleeper` ([`POLLING_SLEEP`]), the `spinner` ([`POLLING_SPIN`]) and the
//! `reference` ([`REFERENCE`]).
//!
//! Names are `<scope>.<who>.<what>`: `paced.blocking.p99` is the range of the blocking
//! pipelines' p99 latency on `paced`. A fact whose runs are missing from the results
//! is left out (a page that names it shows the name, flagged, rather than a number).

use pipeline_core::{Report, Scenario};
use pipeline_present::fact::{Fact, Facts};

use crate::data::goals::{CORES_BUSY_MIN_WALL_S, OVERHEAD_TARGET};
use crate::data::parallel::{PythonResult, rust_points, sweep_machine};
use crate::data::results::{Results, median};
use crate::data::sleep;
use pipeline_registry::{ALL, POLLING_SLEEP, POLLING_SPIN, Pipeline, REFERENCE};

/// The spread within which a wall time "keeps up" with the blocking pipelines'.
pub const KEEPS_UP: f64 = 0.05;

/// How much lower a blocking pipeline's latency must be than the sleeper's for the
/// nap to be "what dominates" its hand-offs.
pub const FAR_BELOW: f64 = 5.0;

/// Every fact of `results` (`python`: the Python measurement of the worker sweep,
/// when there is one).
pub fn facts(results: &Results, python: Option<&PythonResult>) -> Facts {
    let mut f = Facts::default();
    machine(&mut f, results);
    book(&mut f, results);
    polls(&mut f, results);
    paced(&mut f, results);
    depth(&mut f, results);
    bottleneck(&mut f, results);
    peaks(&mut f, results, Scenario::BOTTLENECK);
    peaks(&mut f, results, Scenario::THROUGHPUT);
    sweep(&mut f, results);
    fanout(&mut f, results);
    compare(&mut f, results);
    spread(&mut f, results);
    overhead(&mut f, results);
    sleeper_bounded(&mut f, results);
    sleeps(&mut f, results);
    threads(&mut f, results);
    parallel(&mut f, results, python);
    crowd(&mut f, results);
    tasks(&mut f, results);
    broker(&mut f, results);
    crate::data::channel_hop::facts(&mut f, results);
    f
}

/// The pipelines whose queues live in a broker, outside the process.
fn brokered() -> impl Iterator<Item = Pipeline> {
    ALL.iter().copied().filter(|p| p.backend.broker.is_some())
}

/// The broker: whether it ran here, the cost of one hop through it against an
/// in-process channel's and against the server's own rate, and how much of it
/// the stages' waits hide. Every fact but `broker.ran` (and why not) exists only
/// where the broker ran: a page branches on `{{#if broker.ran}}`.
fn broker(f: &mut Facts, results: &Results) {
    use crate::data::goals::{BROKER_CEILING_TARGET, BROKER_HOP_TARGET_S, BROKER_WAITS_TARGET};
    use crate::data::hop::{Mode, ceiling, not_run, points};
    let tried = results
        .runs
        .iter()
        .any(|r| r.case.pipeline.backend.broker.is_some());
    if !tried {
        return;
    }
    let ran = brokered().any(|p| results.ran(p));
    f.insert("broker.ran", Fact::Bool(ran));
    // The server's peak memory on `bottleneck`, unbounded against bounded: the
    // bound caps what the broker holds, as it caps a process's heap.
    let bottleneck = Scenario::BOTTLENECK.name;
    let bound = results.capacities(bottleneck).into_iter().flatten().next();
    for pipeline in brokered() {
        let peak = |capacity| {
            results
                .report(bottleneck, capacity, pipeline)
                .and_then(|r| r.broker_peak_bytes)
        };
        if let (Some(unbounded), Some(bounded), Some(n)) = (peak(None), peak(bound), bound) {
            f.insert("broker.memory.unbounded", Fact::Mib(unbounded));
            f.insert("broker.memory.bounded", Fact::Mib(bounded));
            f.insert("broker.memory.bound", Fact::Count(n as u64));
            let caps = bounded.saturating_mul(4) <= unbounded;
            f.insert("broker.memory.bound-caps-it", Fact::Bool(caps));
            f.insert("broker.memory.cap-missed", Fact::Bool(!caps));
            f.insert(
                "broker.memory.smaller-by",
                Fact::Ratio(unbounded as f64 / bounded.max(1) as f64),
            );
        }
    }
    if !ran {
        let why = results
            .runs
            .iter()
            .filter(|r| r.case.pipeline.backend.broker.is_some())
            .find_map(|r| r.not_run());
        if let Some(why) = why {
            let short = why.split(':').next().unwrap_or(why).trim();
            f.insert("broker.not-run-why", Fact::Name(short.to_string()));
        }
    }
    f.insert("goals.broker-hop", Fact::Seconds(BROKER_HOP_TARGET_S));
    f.insert("goals.broker-ceiling", Fact::Percent(BROKER_CEILING_TARGET));
    f.insert("goals.broker-waits", Fact::Ratio(BROKER_WAITS_TARGET));
    let hops = points(results);
    let channels: Vec<_> = hops
        .iter()
        .filter(|p| p.pipeline.backend.broker.is_none())
        .collect();
    let best = channels
        .iter()
        .min_by(|a, b| a.per_item_s.total_cmp(&b.per_item_s));
    // Results whose channels were timed under named conditions give the
    // fastest of those, streamed unbounded on two cores.
    let timed = crate::data::channel_hop::fastest(results).filter(|_| channels.is_empty());
    if let Some((pipeline, per_item_s, items)) = timed {
        let medians = crate::data::channel_hop::headline_medians(results);
        let (lo, hi) = min_max(medians.iter().map(|s| s * 1e9));
        f.insert("hop.in-process.best-ns", Fact::Number(per_item_s * 1e9, 0));
        f.insert(
            "hop.in-process.best",
            Fact::Name(pipeline.label.to_string()),
        );
        f.insert(
            "hop.in-process.range-ns",
            Fact::range(Fact::Number(lo, 0), Fact::Number(hi, 0)),
        );
        f.insert("hop.in-process.items", Fact::Count(items));
    }
    let best_s = best.map(|b| b.per_item_s).or(timed.map(|t| t.1));
    if let Some(best) = best {
        let (lo, hi) = min_max(channels.iter().map(|p| p.per_item_s * 1e9));
        f.insert(
            "hop.in-process.best-ns",
            Fact::Number(best.per_item_s * 1e9, 0),
        );
        f.insert(
            "hop.in-process.best",
            Fact::Name(best.pipeline.label.to_string()),
        );
        f.insert(
            "hop.in-process.range-ns",
            Fact::range(Fact::Number(lo, 0), Fact::Number(hi, 0)),
        );
        f.insert("hop.in-process.items", Fact::Count(best.items));
    }
    let broker_hop = |mode: fn(&Mode) -> bool| {
        hops.iter()
            .find(|p| p.pipeline.backend.broker.is_some() && mode(&p.mode))
    };
    let unbatched = broker_hop(|m| *m == Mode::OneAtATime);
    let batched = broker_hop(|m| matches!(m, Mode::Batched(_)));
    for (who, point) in [("unbatched", unbatched), ("batched", batched)] {
        let Some(p) = point else {
            continue;
        };
        f.insert(format!("hop.{who}.us"), Fact::Number(p.per_item_s * 1e6, 1));
        f.insert(format!("hop.{who}.items"), Fact::Count(p.items));
        f.insert(
            format!("hop.{who}.per-second"),
            Fact::Count(p.items_per_s().round() as u64),
        );
        if let Some(best_s) = best_s {
            f.insert(
                format!("hop.{who}.over-in-process"),
                Fact::Ratio(p.per_item_s / best_s),
            );
        }
        if let Some(of) = p.of_ceiling() {
            f.insert(format!("hop.{who}.of-ceiling"), Fact::Percent(of));
            f.insert(
                format!("hop.{who}.reaches-half-ceiling"),
                Fact::Bool(of >= BROKER_CEILING_TARGET),
            );
        }
    }
    if let Some(Mode::Batched(n)) = batched.map(|p| p.mode) {
        f.insert("hop.batched.batch", Fact::Count(n as u64));
    }
    if let Some(p) = batched {
        f.insert(
            "hop.batched.within-goal",
            Fact::Bool(p.per_item_s <= BROKER_HOP_TARGET_S),
        );
    }
    if let (Some(u), Some(b)) = (unbatched, batched) {
        f.insert(
            "hop.batched.faster-by",
            Fact::Ratio(u.per_item_s / b.per_item_s),
        );
    }
    f.insert("hop.ceiling.ran", Fact::Bool(ceiling(results).is_some()));
    if let Some(c) = ceiling(results) {
        f.insert(
            "hop.ceiling.unbatched-per-second",
            Fact::Count(c.unbatched_items_per_s().round() as u64),
        );
        f.insert(
            "hop.ceiling.batched-per-second",
            Fact::Count(c.batched_items_per_s().round() as u64),
        );
        f.insert("hop.ceiling.pipelined", Fact::Count(c.pipelined.into()));
    }
    f.insert(
        "hop.broker.not-run",
        Fact::Bool(!not_run(results).is_empty()),
    );
    // Where the stages wait: the broker's wall time over the fastest in-process
    // pipeline's.
    for scenario in [Scenario::CAMERA, Scenario::FANOUT] {
        let name = scenario.name;
        let Some(&capacity) = results.capacities(name).first() else {
            continue;
        };
        let fastest = ALL
            .iter()
            .filter(|p| p.backend.broker.is_none())
            .filter_map(|&p| Some((p, results.report(name, capacity, p)?)))
            .min_by(|a, b| a.1.wall_s.total_cmp(&b.1.wall_s));
        let Some((fastest, theirs)) = fastest else {
            continue;
        };
        let Some(r) = brokered().find_map(|p| results.report(name, capacity, p)) else {
            continue;
        };
        let ratio = r.wall_s / theirs.wall_s;
        f.insert(format!("{name}.broker.wall"), seconds(r.wall_s));
        f.insert(
            format!("{name}.broker.fastest"),
            Fact::Name(fastest.label.to_string()),
        );
        f.insert(
            format!("{name}.broker.fastest-wall"),
            seconds(theirs.wall_s),
        );
        f.insert(format!("{name}.broker.over-fastest"), Fact::Ratio(ratio));
        f.insert(
            format!("{name}.broker.within-goal"),
            Fact::Bool(ratio <= BROKER_WAITS_TARGET),
        );
    }
    // Where the broker ran fewer items than the others: how many, and its time
    // per item.
    let name = Scenario::THROUGHPUT.name;
    if let Some(&capacity) = results.capacities(name).first()
        && let Some(r) = brokered().find_map(|p| results.report(name, capacity, p))
    {
        f.insert("throughput.broker.items", Fact::Count(r.items_in));
        f.insert(
            "throughput.broker.per-item-us",
            Fact::Number(r.wall_s * 1e6 / r.items_in.max(1) as f64, 1),
        );
    }
}

/// The concurrency sweep: how far each kind of worker goes, what a wait costs in
/// memory and start-up, and how close to the ideal the tasks stay at the top.
fn crowd(f: &mut Facts, results: &Results) {
    use crate::data::crowd::{LEVELS, Measured, Point, points, tasks};
    // The sweep is threads against tasks; a broker's runs stop early, at the
    // connections it has (the table says so), and are no kind of either.
    let mut points = points(results);
    points.retain(|p| p.pipeline.backend.broker.is_none());
    if points.is_empty() {
        return;
    }
    let ran = |p: &&Point| matches!(p.outcome, Measured::Ran { .. });
    // The highest level at which a pipeline of each kind ran to its end, and what
    // the ones that did cost there.
    let mut top = [0u64; 2];
    for (at, is_tasks) in [(0, false), (1, true)] {
        let of_kind = |p: &&Point| tasks(p.pipeline) == is_tasks;
        let at_level = |level: u64| -> Vec<&Point> {
            points
                .iter()
                .filter(of_kind)
                .filter(ran)
                .filter(|p| p.waits == level)
                .collect()
        };
        let Some(most) = LEVELS
            .iter()
            .rev()
            .copied()
            .find(|&level| !at_level(level).is_empty())
        else {
            continue;
        };
        top[at] = most;
        let here = at_level(most);
        let who = if is_tasks { "tasks" } else { "threads" };
        f.insert(format!("crowd.{who}.most"), Fact::Count(most));
        let (lo, hi) = min_max(here.iter().filter_map(|p| p.wall_over_ideal()));
        f.insert(
            format!("crowd.{who}.wall-over-ideal"),
            Fact::range(Fact::Ratio(lo), Fact::Ratio(hi)),
        );
        let (lo, hi) = min_max(here.iter().filter_map(|p| p.rss_per_wait));
        if lo.is_finite() {
            f.insert(
                format!("crowd.{who}.rss-per-wait-kib"),
                Fact::range(kib(lo), kib(hi)),
            );
        }
        let (lo, hi) = min_max(here.iter().filter_map(|p| p.startup_s()));
        if lo.is_finite() {
            f.insert(
                format!("crowd.{who}.startup"),
                Fact::range(seconds(lo), seconds(hi)),
            );
        }
    }
    // The first level at which every thread pipeline was refused, and why (a
    // pipeline refused at fewer waits for its waiting workers is not the
    // machine refusing threads); the runs that did not end in their time.
    fn refused_at(p: &Point) -> Option<(u64, &String)> {
        match &p.outcome {
            Measured::Refused(reason) => Some((p.waits, reason)),
            _ => None,
        }
    }
    let refused = LEVELS
        .iter()
        .copied()
        .find(|&level| {
            let threads: Vec<&Point> = points
                .iter()
                .filter(|p| !tasks(p.pipeline) && p.waits == level)
                .collect();
            !threads.is_empty() && threads.iter().all(|p| refused_at(p).is_some())
        })
        .and_then(|level| {
            points
                .iter()
                .filter(|p| !tasks(p.pipeline) && p.waits == level)
                .find_map(refused_at)
        });
    f.insert("crowd.threads.refused", Fact::Bool(refused.is_some()));
    if let Some((waits, reason)) = refused {
        f.insert("crowd.threads.refused-at", Fact::Count(waits));
        f.insert("crowd.threads.refusal", Fact::Name(reason.clone()));
    }
    let timed_out: Vec<Fact> = points
        .iter()
        .filter_map(|p| match p.outcome {
            Measured::TimedOut(seconds) => Some(Fact::Name(format!(
                "{} at {} waits ({} s)",
                p.pipeline.label,
                pipeline_present::units::count(p.waits),
                pipeline_present::units::secs(seconds)
            ))),
            _ => None,
        })
        .collect();
    // The list is there even when empty: the sentence that shows it is shown
    // only when some run timed out, but names it on every machine.
    f.insert("crowd.timed-out.any", Fact::Bool(!timed_out.is_empty()));
    f.insert("crowd.timed-out", Fact::List(timed_out));
    // At the highest level both kinds ran: the tasks' memory and start-up against
    // the threads'.
    let both = top[0].min(top[1]);
    if both > LEVELS[0] {
        f.insert("crowd.both.most", Fact::Count(both));
        let at = |is_tasks: bool, get: fn(&Point) -> Option<f64>| {
            min_max(
                points
                    .iter()
                    .filter(|p| p.waits == both && tasks(p.pipeline) == is_tasks)
                    .filter_map(get),
            )
        };
        type Get = fn(&Point) -> Option<f64>;
        type Kind = fn(f64) -> Fact;
        let measures: [(&str, Get, Kind, &str); 2] = [
            ("rss-per-wait-kib", |p| p.rss_per_wait, kib, "lighter"),
            ("startup", Point::startup_s, seconds, "start-faster"),
        ];
        for (what, get, kind, better) in measures {
            let (tasks, threads) = (at(true, get), at(false, get));
            f.insert(
                format!("crowd.both.tasks-{what}"),
                Fact::range(kind(tasks.0), kind(tasks.1)),
            );
            f.insert(
                format!("crowd.both.threads-{what}"),
                Fact::range(kind(threads.0), kind(threads.1)),
            );
            f.insert(
                format!("crowd.both.tasks-{better}"),
                Fact::Bool(tasks.1 < threads.0),
            );
        }
    }
    if top[1] > 0 {
        let (_, hi) = min_max(
            points
                .iter()
                .filter(|p| p.waits == top[1] && tasks(p.pipeline))
                .filter_map(|p| p.wall_over_ideal()),
        );
        f.insert("crowd.tasks.near-ideal", Fact::Bool(hi <= CROWD_TARGET));
        f.insert("crowd.target", Fact::Ratio(CROWD_TARGET));
    }
}

/// How close to the ideal the task pipelines must stay at the most concurrent waits.
pub const CROWD_TARGET: f64 = 1.3;

/// Where tasks do not win: the tokio pipelines against the thread pipelines that
/// park at once, on the scenarios of few waits; and the resize inline against on
/// the blocking pool.
fn tasks(f: &mut Facts, results: &Results) {
    let inline = pipeline_registry::TASKS;
    let offloaded = pipeline_registry::TASKS_OFFLOADED;
    for scenario in [Scenario::CAMERA, Scenario::FANOUT, Scenario::CPU] {
        let name = scenario.name;
        let Some(capacity) = results.capacities(name).first().copied() else {
            continue;
        };
        let threads: Vec<&Report> = ALL
            .iter()
            .filter(|p| p.parks_at_once() && !p.backend.tasks && p.backend.broker.is_none())
            .filter_map(|&p| results.report(name, capacity, p))
            .collect();
        let (Some(inline), Some(offloaded)) = (
            results.report(name, capacity, inline),
            results.report(name, capacity, offloaded),
        ) else {
            continue;
        };
        if threads.is_empty() {
            continue;
        }
        let (lo, hi) = min_max(threads.iter().map(|r| r.wall_s));
        f.insert(
            format!("{name}.threads.wall"),
            Fact::range(seconds(lo), seconds(hi)),
        );
        f.insert(format!("{name}.inline.wall"), seconds(inline.wall_s));
        f.insert(format!("{name}.offloaded.wall"), seconds(offloaded.wall_s));
        f.insert(format!("{name}.inline.cpu"), seconds(inline.process_cpu_s));
        f.insert(
            format!("{name}.offloaded.cpu"),
            seconds(offloaded.process_cpu_s),
        );
        f.insert(
            format!("{name}.inline-no-slower"),
            Fact::Bool(inline.wall_s <= offloaded.wall_s * (1.0 + KEEPS_UP)),
        );
        f.insert(
            format!("{name}.tasks-keep-up"),
            Fact::Bool(inline.wall_s <= lo * (1.0 + KEEPS_UP)),
        );
        f.insert(
            format!("{name}.tasks-slower"),
            Fact::Bool(inline.wall_s.min(offloaded.wall_s) > hi),
        );
        f.insert(
            format!("{name}.tasks-over-threads"),
            Fact::Ratio(inline.wall_s / lo),
        );
    }
}

/// The pipelines whose workers are threads that block: the lesson's blocking
/// pipelines. The pipelines of tasks wait on another timer and hand over through
/// a runtime, and a broker's hand over through a server; they have facts of
/// their own ([`crowd`], [`tasks`], [`broker`]).
fn blocking() -> impl Iterator<Item = Pipeline> {
    ALL.iter()
        .copied()
        .filter(|p| p.blocks() && !p.backend.tasks && p.backend.broker.is_none())
}

/// The blocking pipelines' reports on one config.
fn blocking_reports<'a>(
    results: &'a Results,
    scenario: &str,
    capacity: Option<usize>,
) -> Vec<&'a Report> {
    blocking()
        .filter_map(|p| results.report(scenario, capacity, p))
        .collect()
}

/// The smallest and largest of `values` (infinite when there are none).
fn min_max(values: impl IntoIterator<Item = f64>) -> (f64, f64) {
    values
        .into_iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        })
}

/// The range of `get` over `reports`, each end made a fact by `kind`.
fn range(reports: &[&Report], get: impl Fn(&Report) -> f64, kind: fn(f64) -> Fact) -> Fact {
    let (lo, hi) = min_max(reports.iter().map(|r| get(r)));
    Fact::range(kind(lo), kind(hi))
}

fn seconds(s: f64) -> Fact {
    Fact::Seconds(s)
}

fn micros(us: f64) -> Fact {
    Fact::Micros(us.round() as u64)
}

fn count(n: f64) -> Fact {
    Fact::Count(n.round().max(0.0) as u64)
}

fn mib(bytes: f64) -> Fact {
    Fact::Mib(bytes.round().max(0.0) as u64)
}

/// Bytes as KiB with one decimal.
fn kib(bytes: f64) -> Fact {
    Fact::Number(bytes / 1024.0, 1)
}

fn two_places(value: f64) -> Fact {
    Fact::Number(value, 2)
}

/// A scenario's run as a fact: its name, and its bound when it ran more than one way.
fn config(scenario: &str, capacity: Option<usize>) -> Fact {
    let several = Scenario::named(scenario).is_ok_and(|s| s.capacities.len() > 1);
    Fact::Config {
        scenario: scenario.to_string(),
        capacity: several.then_some(capacity),
    }
}

fn polls_per_item(r: &Report) -> f64 {
    r.total_polls() as f64 / r.items_in.max(1) as f64
}

/// Threads a pipeline runs: its workers, the camera (the source) and the main thread.
fn thread_count(r: &Report) -> usize {
    r.config.workers.iter().sum::<usize>() + 2
}

/// The run of `scenario` of the first pipeline that has one (unbounded when it ran
/// so): the threads and the config are the same in all of them.
fn any_report(results: &Results, scenario: Scenario) -> Option<&Report> {
    let capacity = *results.capacities(scenario.name).first()?;
    ALL.iter()
        .find_map(|&p| results.report(scenario.name, capacity, p))
}

/// The machine, the sets of pipelines and the goals.
fn machine(f: &mut Facts, results: &Results) {
    f.insert("machine.cpus", Fact::Count(results.machine.cpus as u64));
    // The pipelines these results measured (a pipeline added to the registry since
    // joins the counts with the run that measures it).
    let ran = |p: &Pipeline| results.ran(*p);
    f.insert(
        "pipelines.count",
        Fact::Count(ALL.iter().filter(|p| ran(p)).count() as u64),
    );
    f.insert(
        "pipelines.blocking.count",
        Fact::Count(blocking().filter(|p| ran(p)).count() as u64),
    );
    f.insert("reference", Fact::Name(REFERENCE.label.to_string()));
    f.insert("goals.overhead", Fact::Ratio(OVERHEAD_TARGET));
    f.insert(
        "goals.cores-busy-min-wall",
        Fact::Seconds(CORES_BUSY_MIN_WALL_S),
    );
    f.insert("run.cases", Fact::Count(results.runs.len() as u64));
    f.insert("run.quick", Fact::Bool(results.mode != "full"));
    // How many times a pipeline's `throughput` case ran (its first capacity).
    let repeats = |pipeline: Pipeline| {
        let runs = results
            .capacities(Scenario::THROUGHPUT.name)
            .first()
            .map_or(0, |&c| {
                results
                    .runs_of(Scenario::THROUGHPUT.name, c, pipeline)
                    .len()
            });
        Fact::Count(runs as u64)
    };
    f.insert("throughput.repeats", repeats(REFERENCE));
    f.insert("throughput.sleeper.repeats", repeats(POLLING_SLEEP));
    if let Some(s) = results.elapsed_s {
        f.insert("run.length", Fact::Seconds(s));
    }
    if let Some(five) = results.sleep.iter().find(|s| s.requested_ms == 5.0) {
        f.insert("sleep.5ms.mean", Fact::Seconds(five.mean_ms / 1000.0));
        f.insert("sleep.5ms.samples", Fact::Count(five.samples.into()));
    }
    let expected = results
        .report(Scenario::CAMERA.name, None, REFERENCE)
        .and_then(|r| sleep::ideal_with_measured_sleeps(&r.config, &results.sleep));
    if let Some(expected) = expected {
        f.insert("camera.expected-wall", Fact::Seconds(expected));
    }
}

/// `book`: polls of each kind of pipeline, and how short its runs are.
fn book(f: &mut Facts, results: &Results) {
    let name = Scenario::BOOK.name;
    let (Some(sleeper), Some(spinner)) = (
        results.report(name, None, POLLING_SLEEP),
        results.report(name, None, POLLING_SPIN),
    ) else {
        return;
    };
    let blocking = blocking_reports(results, name, None);
    let Some(fewest) = blocking.iter().map(|r| r.total_polls()).min() else {
        return;
    };
    f.insert("book.blocking.polls", Fact::Count(fewest));
    f.insert(
        "book.blocking.polls-per-item",
        range(&blocking, polls_per_item, two_places),
    );
    for (who, r) in [("sleeper", sleeper), ("spinner", spinner)] {
        f.insert(format!("book.{who}.polls"), Fact::Count(r.total_polls()));
        f.insert(
            format!("book.{who}.polls-per-item"),
            two_places(polls_per_item(r)),
        );
    }
    let wasted = sleeper.total_polls().saturating_sub(fewest);
    let share = wasted as f64 / sleeper.total_polls().max(1) as f64;
    f.insert("book.sleeper.wasted-polls", Fact::Count(wasted));
    f.insert("book.sleeper.wasted-share", Fact::Percent(share));
    f.insert("book.sleeper.wastes-little", Fact::Bool(share < 0.05));

    let all: Vec<&Report> = ALL
        .iter()
        .filter_map(|&p| results.report(name, None, p))
        .collect();
    let short = all
        .iter()
        .filter(|r| r.wall_s < CORES_BUSY_MIN_WALL_S)
        .count();
    f.insert("book.wall", range(&all, |r| r.wall_s, seconds));
    f.insert("book.runs", Fact::Count(all.len() as u64));
    f.insert("book.short-runs", Fact::Count(short as u64));
    f.insert("book.some-runs-short", Fact::Bool(short > 0));
}

/// Where the pollers poll most, against the blocking pipelines.
fn polls(f: &mut Facts, results: &Results) {
    let mut spinner_most: Option<(f64, Fact)> = None;
    let mut sleeper_most: Option<(f64, Fact)> = None;
    let mut blocking_most: f64 = 0.0;
    for (scenario, capacity) in results.scenario_configs() {
        for r in blocking_reports(results, &scenario, capacity) {
            blocking_most = blocking_most.max(polls_per_item(r));
        }
        for (pipeline, most) in [
            (POLLING_SPIN, &mut spinner_most),
            (POLLING_SLEEP, &mut sleeper_most),
        ] {
            if let Some(r) = results.report(&scenario, capacity, pipeline) {
                let per_item = polls_per_item(r);
                if most.as_ref().is_none_or(|(m, _)| per_item > *m) {
                    *most = Some((per_item, config(&scenario, capacity)));
                }
            }
        }
    }
    if let Some((per_item, at)) = spinner_most {
        f.insert("polls.spinner.most-per-item", count(per_item));
        f.insert("polls.spinner.most-on", at);
        f.insert(
            "polls.spinner.wastes-where-workers-wait",
            Fact::Bool(per_item > 10.0 * blocking_most),
        );
    }
    if let Some((per_item, at)) = sleeper_most {
        f.insert("polls.sleeper.most-per-item", two_places(per_item));
        f.insert("polls.sleeper.most-on", at);
    }
    if blocking_most > 0.0 {
        f.insert("polls.blocking.most-per-item", two_places(blocking_most));
    }
}

/// `paced`: latency and CPU of the three kinds of waiting.
fn paced(f: &mut Facts, results: &Results) {
    let name = Scenario::PACED.name;
    let Some(capacity) = results.capacities(name).first().copied() else {
        return;
    };
    let (Some(spinner), Some(sleeper)) = (
        results.report(name, capacity, POLLING_SPIN),
        results.report(name, capacity, POLLING_SLEEP),
    ) else {
        return;
    };
    let blocking = blocking_reports(results, name, capacity);
    if blocking.is_empty() {
        return;
    }
    type Pick = fn(&Report) -> u64;
    let percentiles: [(&str, Pick); 3] = [
        ("p50", |r| r.latency_us.p50),
        ("p99", |r| r.latency_us.p99),
        ("max", |r| r.latency_us.max),
    ];
    let mut far_below_sleeper = true;
    let mut above_spinner = false;
    for (what, pick) in percentiles {
        f.insert(
            format!("paced.blocking.{what}"),
            range(&blocking, |r| pick(r) as f64, micros),
        );
        f.insert(format!("paced.sleeper.{what}"), Fact::Micros(pick(sleeper)));
        f.insert(format!("paced.spinner.{what}"), Fact::Micros(pick(spinner)));
        // The typical item and the tail; the single worst item of a run is decided by
        // the machine's scheduler more than by the queue, so it is shown, not judged.
        if what != "max" {
            far_below_sleeper &= blocking
                .iter()
                .all(|r| pick(r) as f64 * FAR_BELOW <= pick(sleeper) as f64);
            above_spinner |= blocking.iter().any(|r| pick(r) > pick(spinner));
        }
    }
    // CPU: the pipelines that park at once, and apart those that yield first.
    let parking: Vec<&Report> = ALL
        .iter()
        .filter(|p| p.parks_at_once() && p.backend.broker.is_none())
        .filter_map(|&p| results.report(name, capacity, p))
        .collect();
    let yielding: Vec<(Pipeline, &Report)> = ALL
        .iter()
        .filter(|p| p.blocks() && !p.parks_at_once())
        .filter_map(|&p| Some((p, results.report(name, capacity, p)?)))
        .collect();
    if !yielding.is_empty() {
        let names = yielding.iter().map(|(p, _)| Fact::Name(p.label.into()));
        f.insert("paced.yielding.names", Fact::List(names.collect()));
        let (lo, hi) = min_max(yielding.iter().map(|(_, r)| r.process_cpu_s));
        f.insert("paced.yielding.cpu", Fact::range(seconds(lo), seconds(hi)));
        f.insert(
            "paced.yielding.cpu-near-spinner",
            Fact::Bool(lo * 3.0 >= spinner.process_cpu_s),
        );
    }
    let (cpu_lo, cpu_hi) = min_max(parking.iter().map(|r| r.process_cpu_s));
    f.insert(
        "paced.blocking.cpu",
        Fact::range(seconds(cpu_lo), seconds(cpu_hi)),
    );
    f.insert("paced.sleeper.cpu", seconds(sleeper.process_cpu_s));
    f.insert("paced.spinner.cpu", seconds(spinner.process_cpu_s));
    f.insert(
        "paced.spinner.cpu-over-blocking",
        Fact::Ratio(spinner.process_cpu_s / cpu_hi),
    );
    f.insert(
        "paced.blocking.far-below-sleeper",
        Fact::Bool(far_below_sleeper),
    );
    f.insert("paced.blocking.above-spinner", Fact::Bool(above_spinner));
    f.insert(
        "paced.blocking.cpu-far-below-spinner",
        Fact::Bool(cpu_hi * 3.0 < spinner.process_cpu_s),
    );
    f.insert(
        "paced.blocking.cpu-above-sleeper",
        Fact::Bool(cpu_lo > sleeper.process_cpu_s),
    );
}

/// `bottleneck`, unbounded: the resize queue's depth over time.
fn depth(f: &mut Facts, results: &Results) {
    let name = Scenario::BOTTLENECK.name;
    // The pipelines of threads, as the depth figures draw them.
    let series: Vec<(Pipeline, &Report, &[u64], u64)> = ALL
        .iter()
        .filter(|p| !p.backend.tasks && p.backend.broker.is_none())
        .filter_map(|&p| {
            let run = results.run(name, None, p)?;
            let series = run.depth_series()?;
            Some((
                p,
                run.report()?,
                series.resize.as_slice(),
                series.interval_ms,
            ))
        })
        .collect();
    if series.len() < 2 {
        return;
    }
    let peak_at = |s: &[u64]| {
        let most = s.iter().copied().max().unwrap_or(0);
        s.iter().position(|&d| d == most).unwrap_or(0)
    };
    let Some((last, settled)) = series
        .iter()
        .map(|(p, _, s, _)| (*p, peak_at(s)))
        .max_by_key(|&(_, at)| at)
    else {
        return;
    };
    let len = series.iter().map(|(_, _, s, _)| s.len()).min().unwrap_or(0);
    let mut gap = 0u64;
    for i in settled..len {
        let (lo, hi) = series.iter().fold((u64::MAX, 0), |(lo, hi), (_, _, s, _)| {
            (lo.min(s[i]), hi.max(s[i]))
        });
        gap = gap.max(hi - lo);
    }
    let peak = series
        .iter()
        .flat_map(|(_, _, s, _)| s.iter())
        .copied()
        .max()
        .unwrap_or(0);
    let items = series[0].1.config.items;
    let reports: Vec<&Report> = series.iter().map(|(_, r, _, _)| *r).collect();
    let resize_peak = |r: &Report| r.stages.get(1).map_or(0.0, |s| s.queue_peak as f64);
    let (fewest, _) = min_max(reports.iter().map(|r| resize_peak(r)));
    let close = gap as f64 <= 0.1 * peak as f64;
    f.insert("bottleneck.items", Fact::Count(items));
    f.insert(
        "bottleneck.unbounded.resize-peak",
        range(&reports, resize_peak, count),
    );
    f.insert(
        "bottleneck.unbounded.settled-at",
        seconds(settled as f64 * series[0].3 as f64 / 1000.0),
    );
    f.insert(
        "bottleneck.unbounded.last-to-peak",
        Fact::Name(last.label.into()),
    );
    f.insert(
        "bottleneck.unbounded.lines",
        Fact::Count(series.len() as u64),
    );
    f.insert("bottleneck.unbounded.depth-gap", Fact::Count(gap));
    f.insert(
        "bottleneck.unbounded.depth-gap-share",
        Fact::Percent(gap as f64 / peak.max(1) as f64),
    );
    f.insert(
        "bottleneck.unbounded.lines-coincide",
        Fact::Bool(close && fewest >= 0.9 * items as f64),
    );
}

/// `bottleneck`: what a bound changes.
fn bottleneck(f: &mut Facts, results: &Results) {
    let name = Scenario::BOTTLENECK.name;
    let Some(capacity) = results.capacities(name).into_iter().find(Option::is_some) else {
        return;
    };
    let mut changes = Vec::new();
    let mut unbounded = Vec::new();
    let mut bounded = Vec::new();
    // The blocking pipelines: the sleeping poller's `put` naps on a full queue, which
    // is a cost of the poller, not of the bound.
    for p in blocking() {
        let (Some(u), Some(b)) = (
            results.report(name, None, p),
            results.report(name, capacity, p),
        ) else {
            continue;
        };
        changes.push((b.wall_s / u.wall_s - 1.0).abs());
        unbounded.push(u);
        bounded.push(b);
    }
    if changes.is_empty() {
        return;
    }
    let most = changes.iter().copied().fold(0.0, f64::max);
    let p50 = |r: &Report| r.latency_us.p50 as f64;
    let (u_lo, _) = min_max(unbounded.iter().map(|r| p50(r)));
    let (_, b_hi) = min_max(bounded.iter().map(|r| p50(r)));
    f.insert(
        "bottleneck.bound",
        Fact::Count(capacity.unwrap_or(0) as u64),
    );
    f.insert("bottleneck.bound-changes-wall-by", Fact::Percent(most));
    f.insert("bottleneck.bound-keeps-the-pace", Fact::Bool(most < 0.05));
    f.insert("bottleneck.bound-shortens-latency", Fact::Bool(b_hi < u_lo));
    for (who, reports) in [("unbounded", &unbounded), ("bounded", &bounded)] {
        f.insert(
            format!("bottleneck.{who}.wall"),
            range(reports, |r| r.wall_s, seconds),
        );
        f.insert(format!("bottleneck.{who}.p50"), range(reports, p50, micros));
        // A run whose peak heap was not measured has none, not a zero.
        let (lo, hi) = min_max(
            reports
                .iter()
                .filter_map(|r| r.peak_heap_bytes)
                .map(|b| b as f64),
        );
        if lo.is_finite() {
            f.insert(
                format!("bottleneck.{who}.heap"),
                Fact::range(mib(lo), mib(hi)),
            );
        }
    }
}

/// Every queue peak of a bounded run of `scenario` against its bound.
fn peaks(f: &mut Facts, results: &Results, scenario: Scenario) {
    for capacity in results.capacities(scenario.name) {
        let Some(bound) = capacity else { continue };
        let peaks: Vec<u64> = ALL
            .iter()
            .filter_map(|&p| results.report(scenario.name, capacity, p))
            .flat_map(|r| r.stages.iter().map(|s| s.queue_peak))
            .collect();
        let Some(&most) = peaks.iter().max() else {
            continue;
        };
        let name = scenario.name;
        f.insert(format!("{name}.bound"), Fact::Count(bound as u64));
        f.insert(format!("{name}.bounded.most-peak"), Fact::Count(most));
        f.insert(
            format!("{name}.bounded.peaks-within-bound"),
            Fact::Bool(most <= bound as u64),
        );
    }
}

/// Peak heap against item count on `bottleneck`.
fn sweep(f: &mut Facts, results: &Results) {
    let points = results.sweep();
    let Some(pipeline) = results.sweep_pipeline() else {
        return;
    };
    let unbounded: Vec<_> = points.iter().filter(|p| p.capacity.is_none()).collect();
    let bounded: Vec<_> = points.iter().filter(|p| p.capacity.is_some()).collect();
    let (Some(first), Some(last)) = (unbounded.first(), unbounded.last()) else {
        return;
    };
    let (b_lo, b_hi) = min_max(bounded.iter().map(|p| p.peak_heap_bytes as f64));
    f.insert("sweep.pipeline", Fact::Name(pipeline.label.into()));
    f.insert("sweep.unbounded.fewest-items", Fact::Count(first.items));
    f.insert("sweep.unbounded.most-items", Fact::Count(last.items));
    f.insert(
        "sweep.unbounded.heap-at-fewest",
        Fact::Mib(first.peak_heap_bytes),
    );
    f.insert(
        "sweep.unbounded.heap-at-most",
        Fact::Mib(last.peak_heap_bytes),
    );
    if b_lo.is_finite() {
        f.insert("sweep.bounded.heap", Fact::range(mib(b_lo), mib(b_hi)));
    }
    let grows = last.items > first.items
        && last.peak_heap_bytes as f64 > 1.5 * first.peak_heap_bytes as f64;
    let flat = b_lo.is_finite() && b_hi <= 1.2 * b_lo;
    f.insert(
        "sweep.unbounded-grows-bounded-flat",
        Fact::Bool(grows && flat),
    );
}

/// `fanout` against `camera`, on the reference pipeline.
fn fanout(f: &mut Facts, results: &Results) {
    let (Some(camera), Some(fanout)) = (
        results.report(Scenario::CAMERA.name, None, REFERENCE),
        results.report(Scenario::FANOUT.name, None, REFERENCE),
    ) else {
        return;
    };
    let workers: usize = fanout.config.workers.iter().sum();
    let speedup = camera.wall_s / fanout.wall_s;
    f.insert("fanout.workers", Fact::Count(workers as u64));
    f.insert("fanout.threads", Fact::Count(thread_count(fanout) as u64));
    f.insert(
        "fanout.more-threads-than-cores",
        Fact::Bool(thread_count(fanout) > results.machine.cpus),
    );
    f.insert("fanout.reference.wall", seconds(fanout.wall_s));
    f.insert("camera.reference.wall", seconds(camera.wall_s));
    f.insert("fanout.reference.speedup", Fact::Ratio(speedup));
    if let (Some(c), Some(o)) = (camera.ideal_wall_s, fanout.ideal_wall_s) {
        let ideal = c / o;
        f.insert("fanout.ideal-speedup", Fact::Ratio(ideal));
        f.insert(
            "fanout.reaches-ideal-speedup",
            Fact::Bool(speedup >= 0.9 * ideal),
        );
    }
}

/// The sleeper's wall time against the blocking pipelines' median, per config.
fn sleeper_against_blocking(results: &Results) -> Vec<(String, Option<usize>, f64)> {
    results
        .scenario_configs()
        .into_iter()
        // `crowd` is about how many waits, threads against tasks: its own chapter.
        .filter(|(scenario, _)| scenario != Scenario::CROWD.name)
        .filter_map(|(scenario, capacity)| {
            let sleeper = results.report(&scenario, capacity, POLLING_SLEEP)?;
            let blocking = blocking_reports(results, &scenario, capacity);
            let middle = median(blocking.iter().map(|r| r.wall_s).collect());
            middle
                .is_finite()
                .then(|| (scenario, capacity, sleeper.wall_s / middle))
        })
        .collect()
}

/// Whether the scenario's stages wait (or its camera paces the items): the hand-offs
/// do not set its pace.
fn stages_wait(scenario: &str) -> bool {
    Scenario::named(scenario).is_ok_and(|s| {
        let c = s.config();
        c.download_ms + c.resize_ms + c.upload_ms > 0.0 || c.source_interval_ms > 0.0
    })
}

/// Where the pollers keep up with the blocking pipelines, and where not.
fn compare(f: &mut Facts, results: &Results) {
    let ratios = sleeper_against_blocking(results);
    if ratios.is_empty() {
        return;
    }
    let keeps_up = |r: f64| (r - 1.0).abs() <= KEEPS_UP;
    // Where the stages or the camera set the pace it should keep up; where the
    // hand-offs do, it should not. A run of the one kind that comes out like the
    // other is in neither list (and the expectation below tells).
    let close: Vec<_> = ratios
        .iter()
        .filter(|(s, _, r)| stages_wait(s) && keeps_up(*r))
        .collect();
    let far: Vec<_> = ratios
        .iter()
        .filter(|(s, _, r)| !stages_wait(s) && !keeps_up(*r))
        .collect();
    f.insert(
        "compare.sleeper.keeps-up-on",
        Fact::List(close.iter().map(|(s, c, _)| config(s, *c)).collect()),
    );
    let (lo, hi) = min_max(close.iter().map(|(_, _, r)| (r - 1.0).abs()));
    if lo.is_finite() {
        f.insert(
            "compare.sleeper.keeps-up-within",
            Fact::range(Fact::Percent(lo), Fact::Percent(hi)),
        );
    }
    f.insert(
        "compare.sleeper.differs-on",
        Fact::List(
            far.iter()
                .map(|(s, c, r)| Fact::of(config(s, *c), Fact::Ratio(*r)))
                .collect(),
        ),
    );
    let mut spinner_cpu = Vec::new();
    for (scenario, capacity, _) in &close {
        let Some(spinner) = results.report(scenario, *capacity, POLLING_SPIN) else {
            continue;
        };
        // Against the pipelines that park at once: one that yields first spends
        // a spinner's CPU on an idle queue (see `paced`).
        let most = blocking()
            .filter(Pipeline::parks_at_once)
            .filter_map(|p| results.report(scenario, *capacity, p))
            .map(|r| r.process_cpu_s)
            .fold(0.0, f64::max);
        if most > 0.0 {
            spinner_cpu.push(spinner.process_cpu_s / most);
        }
    }
    let (lo, hi) = min_max(spinner_cpu);
    if lo.is_finite() {
        f.insert(
            "compare.spinner.cpu-over-blocking",
            Fact::range(Fact::Ratio(lo), Fact::Ratio(hi)),
        );
    }
    let where_stages_wait = ratios
        .iter()
        .filter(|(s, _, _)| stages_wait(s) && s != Scenario::PACED.name)
        .all(|(_, _, r)| keeps_up(*r));
    f.insert(
        "compare.sleeper.keeps-up-where-stages-wait",
        Fact::Bool(where_stages_wait),
    );
}

/// Where the blocking pipelines' wall times differ most, among the runs long enough to
/// measure hand-offs rather than starting and joining threads (at least
/// [`CORES_BUSY_MIN_WALL_S`], the rule the tables' "cores busy" keeps).
fn spread(f: &mut Facts, results: &Results) {
    let mut spreads: Vec<(String, Option<usize>, f64)> = results
        .scenario_configs()
        .into_iter()
        .filter_map(|(scenario, capacity)| {
            let blocking = blocking_reports(results, &scenario, capacity);
            let (lo, hi) = min_max(blocking.iter().map(|r| r.wall_s));
            (blocking.len() > 1 && lo >= CORES_BUSY_MIN_WALL_S).then_some((
                scenario,
                capacity,
                hi / lo,
            ))
        })
        .collect();
    spreads.sort_by(|a, b| b.2.total_cmp(&a.2));
    let Some((scenario, capacity, most)) = spreads.first().cloned() else {
        return;
    };
    f.insert("spread.blocking.widest-on", config(&scenario, capacity));
    f.insert("spread.blocking.widest", Fact::Ratio(most));
    f.insert(
        "spread.blocking.widest-on-throughput",
        Fact::Bool(scenario == Scenario::THROUGHPUT.name),
    );
    let (_, hi) = min_max(
        spreads
            .iter()
            .filter(|(s, _, _)| stages_wait(s))
            .map(|(_, _, r)| r - 1.0),
    );
    if hi.is_finite() {
        f.insert("spread.blocking.where-stages-wait", Fact::Percent(hi));
    }
}

/// The probes' cost on `throughput`: the pollers' ratios, and the verdicts within the
/// noise.
fn overhead(f: &mut Facts, results: &Results) {
    let mut pollers = Vec::new();
    let mut unclear = Vec::new();
    for capacity in results.capacities(Scenario::THROUGHPUT.name) {
        for &pipeline in ALL {
            let Some(o) = results.overhead(capacity, pipeline) else {
                continue;
            };
            let who = Fact::of(
                Fact::Name(pipeline.label.into()),
                Fact::Name(pipeline_present::units::capacity(capacity)),
            );
            if !pipeline.blocks() {
                pollers.push(Fact::of(who.clone(), Fact::Ratio(o.ratio())));
            }
            let (lo, hi) = o.ratio_range;
            if o.runs > 1 && lo <= OVERHEAD_TARGET && hi > OVERHEAD_TARGET {
                unclear.push(Fact::of(who, Fact::range(Fact::Ratio(lo), Fact::Ratio(hi))));
            }
        }
    }
    f.insert("overhead.some-unclear", Fact::Bool(!unclear.is_empty()));
    f.insert("overhead.pollers", Fact::List(pollers));
    f.insert("overhead.unclear", Fact::List(unclear));
}

/// The sleeper on bounded `throughput`: its put naps too.
fn sleeper_bounded(f: &mut Facts, results: &Results) {
    let name = Scenario::THROUGHPUT.name;
    let Some(unbounded) = results.report(name, None, POLLING_SLEEP) else {
        return;
    };
    let Some(bounded) = results
        .capacities(name)
        .into_iter()
        .flatten()
        .find_map(|c| results.report(name, Some(c), POLLING_SLEEP))
    else {
        return;
    };
    let Some(nap_ms) = bounded.config.poll_sleep_ms else {
        return;
    };
    let nap_s = nap_ms as f64 / 1000.0;
    let extra = bounded.wall_s - unbounded.wall_s;
    let slower = bounded.wall_s / unbounded.wall_s;
    f.insert(
        "throughput.sleeper.unbounded.wall",
        seconds(unbounded.wall_s),
    );
    f.insert("throughput.sleeper.bounded.wall", seconds(bounded.wall_s));
    f.insert(
        "throughput.sleeper.bounded.cpu",
        seconds(bounded.process_cpu_s),
    );
    f.insert("throughput.sleeper.bound-slows-by", Fact::Ratio(slower));
    f.insert(
        "throughput.sleeper.much-slower-bounded",
        Fact::Bool(slower > 2.0),
    );
    f.insert("throughput.sleeper.extra-wall", seconds(extra.max(0.0)));
    f.insert(
        "throughput.sleeper.extra-naps",
        count(extra / nap_s.max(1e-9)),
    );
    f.insert("sleeper.nap", seconds(nap_s));
}

/// The timer's overshoot, and the blocking runs against their ideal.
fn sleeps(f: &mut Facts, results: &Results) {
    if results.sleep.is_empty() {
        return;
    }
    let (o_lo, o_hi) = min_max(
        results
            .sleep
            .iter()
            .map(|s| s.overshoot_ms() / s.requested_ms),
    );
    let mut ratios = Vec::new();
    for scenario in [Scenario::CAMERA.name, Scenario::FANOUT.name] {
        for capacity in results.capacities(scenario) {
            for r in blocking_reports(results, scenario, capacity) {
                if let Some(ideal) = r.ideal_wall_s {
                    ratios.push(r.wall_s / ideal);
                }
            }
        }
    }
    let (r_lo, r_hi) = min_max(ratios);
    if !r_lo.is_finite() {
        return;
    }
    f.insert(
        "sleeps.overshoot",
        Fact::range(Fact::Percent(o_lo), Fact::Percent(o_hi)),
    );
    f.insert(
        "timing.blocking.wall-over-ideal",
        Fact::range(Fact::Number(r_lo, 3), Fact::Number(r_hi, 3)),
    );
    f.insert(
        "sleeps.overshoot-and-runs-above-ideal",
        Fact::Bool(o_lo > 0.0 && r_lo > 1.0),
    );
}

/// The threads of `book` and `throughput` against the cores.
fn threads(f: &mut Facts, results: &Results) {
    let cpus = results.machine.cpus;
    for scenario in [Scenario::BOOK, Scenario::THROUGHPUT] {
        let Some(r) = any_report(results, scenario) else {
            continue;
        };
        let name = scenario.name;
        f.insert(
            format!("{name}.threads"),
            Fact::Count(thread_count(r) as u64),
        );
        f.insert(
            format!("{name}.more-threads-than-cores"),
            Fact::Bool(thread_count(r) > cpus),
        );
    }
}

/// The worker sweep of the CPU-bound resize, Rust and Python.
fn parallel(f: &mut Facts, results: &Results, python: Option<&PythonResult>) {
    let rust = rust_points(results);
    let Some(best) = rust.iter().max_by(|a, b| a.speedup.total_cmp(&b.speedup)) else {
        return;
    };
    let machine = sweep_machine(results);
    f.insert("parallel.cpus", Fact::Count(machine.cpus as u64));
    f.insert("parallel.rust.best-speedup", Fact::Ratio(best.speedup));
    f.insert(
        "parallel.rust.best-workers",
        Fact::Count(best.workers as u64),
    );
    f.insert(
        "parallel.rust.speeds-up",
        Fact::Bool(best.speedup >= 1.3 && best.workers > 1),
    );
    let Some(python) = python else {
        return;
    };
    let points = python.points();
    let (lo, hi) = min_max(points.iter().map(|p| p.speedup));
    f.insert("parallel.python.version", Fact::Name(python.python.clone()));
    f.insert("parallel.python.gil", Fact::Bool(python.gil));
    f.insert("parallel.python.frames", Fact::Count(python.frames));
    f.insert("parallel.python.date", Fact::Name(python.date.clone()));
    if lo.is_finite() {
        f.insert(
            "parallel.python.speedup",
            Fact::range(Fact::Ratio(lo), Fact::Ratio(hi)),
        );
        f.insert("parallel.python.no-speedup", Fact::Bool(hi < 1.3));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::json;

    fn committed() -> (Results, Option<PythonResult>) {
        let root = pipeline_book::workspace_root();
        let results = json::read_results(&root.join("reports/results.json"))
            .expect("the committed reports/results.json reads");
        (results, PythonResult::read(&root).ok())
    }

    #[test]
    fn the_committed_facts_are_the_ones_the_committed_results_give() {
        let root = pipeline_book::workspace_root();
        let (results, python) = committed();
        let written = std::fs::read_to_string(root.join("reports/facts.json")).unwrap();
        assert_eq!(
            written,
            facts(&results, python.as_ref()).to_json(),
            "reports/facts.json is stale: redraw it with `cargo bench -p pipeline-bench \
             --bench report -- --from-results reports/results.json --out reports`"
        );
    }

    #[test]
    fn core_counts_come_from_the_results_not_from_this_machine() {
        let (mut results, python) = committed();
        for cpus in [4, 32] {
            results.machine.cpus = cpus;
            let f = facts(&results, python.as_ref());
            assert_eq!(f.get("machine.cpus"), Some(&Fact::Count(cpus as u64)));
            let threads = match f.get("book.threads") {
                Some(Fact::Count(n)) => *n as usize,
                other => panic!("book.threads: {other:?}"),
            };
            assert_eq!(
                f.get("book.more-threads-than-cores"),
                Some(&Fact::Bool(threads > cpus)),
                "{cpus} CPUs"
            );
        }
    }

    #[test]
    fn an_expectation_the_data_contradicts_is_false() {
        let (mut results, python) = committed();
        // Make the sleeping poller as fast as the blocking pipelines on `paced`.
        for run in &mut results.runs {
            if run.case.scenario == Scenario::PACED.name
                && run.case.pipeline == POLLING_SLEEP
                && let crate::data::case::Outcome::Report { report, .. } = &mut run.outcome
            {
                report.latency_us.p50 = 1;
                report.latency_us.p99 = 1;
            }
        }
        let f = facts(&results, python.as_ref());
        assert_eq!(
            f.get("paced.blocking.far-below-sleeper"),
            Some(&Fact::Bool(false))
        );
    }

    #[test]
    fn no_fact_names_a_backend() {
        let (results, python) = committed();
        let f = facts(&results, python.as_ref());
        for name in f.facts.keys() {
            for pipeline in ALL {
                let backend = pipeline.backend.name;
                assert!(
                    !name.split(['.', '-']).any(|part| part == backend),
                    "the fact `{name}` names the backend `{backend}`: name its role or set"
                );
            }
        }
    }
}

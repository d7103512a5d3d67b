//! One hand-off through each in-process channel, under named conditions: where the
//! two threads ran (one CPU, two cores, the hardware threads of one core, or
//! wherever the operating system put them), whether the queue was unbounded or
//! bounded small enough to fill, streamed (a producer puts, a consumer takes) or
//! handed back and forth with nothing queued (a ping-pong through two channels);
//! beside the same streamed hop timed by a plain harness that uses nothing of this
//! workspace ([`Pattern::Anchor`]).
//!
//! Each channel's case runs several times, each run in its own process, the
//! channels in turn (round robin), so that a slow minute of the machine falls on
//! every channel alike. A row is the median of the runs with their fastest and
//! slowest; two channels whose ranges overlap are a tie, never ranked.

use pipeline_present::fact::{Fact, Facts};
use serde::{Deserialize, Serialize};

use crate::data::case::CaseKind;
use crate::data::results::{Results, median};
use pipeline_registry::Pipeline;

/// The most a hop timed by the plain harness and the same hop timed by the bench
/// may differ, either way, before the report says they disagree.
pub const ANCHOR_FACTOR: f64 = 2.0;

/// The share of its sends in which a bounded queue's producer must find the queue
/// full for the row to say the bound filled.
pub const FILLED_AT_LEAST: f64 = 0.01;

/// Where the two threads of a hop ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Placement {
    /// Wherever the operating system put them: no affinity set.
    Os,
    /// Both pinned to one logical CPU: they take turns on it.
    OneCpu,
    /// Pinned to the two hardware threads of one core (SMT siblings).
    SmtSiblings,
    /// Pinned to two different cores.
    TwoCores,
}

impl Placement {
    /// The placement in a table's words.
    pub fn label(self) -> &'static str {
        match self {
            Placement::Os => "placed by the OS",
            Placement::OneCpu => "one CPU, both threads",
            Placement::SmtSiblings => "one core's two hardware threads",
            Placement::TwoCores => "two cores",
        }
    }
}

/// The queue a hop went through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Queue {
    /// No bound: the producer never waits.
    Unbounded,
    /// At most this many items: a producer that outruns the consumer blocks.
    Bounded(usize),
}

impl Queue {
    /// The queue in a table's words.
    pub fn label(self) -> String {
        match self {
            Queue::Unbounded => "unbounded".into(),
            Queue::Bounded(n) => format!("bounded ({n})"),
        }
    }
}

/// How the items go over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Pattern {
    /// A producer puts every item, a consumer takes them: the time per item of a
    /// stream, where items queue up and each side works in bursts.
    Streaming,
    /// One item goes over and comes back on a second channel before the next
    /// goes: half a round trip is one hand-off with nothing queued, its latency.
    PingPong,
    /// The streamed hop timed by a plain harness kept apart from the bench's code
    /// (std and the channel crate only): the anchor the bench's figure is read
    /// against.
    Anchor,
}

impl Pattern {
    /// The pattern in a table's words.
    pub fn label(self) -> &'static str {
        match self {
            Pattern::Streaming => "streamed",
            Pattern::PingPong => "ping-pong, nothing queued (half a round trip)",
            Pattern::Anchor => "streamed, timed by the plain harness",
        }
    }
}

/// The conditions of one timing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Condition {
    /// How the items go over.
    pub pattern: Pattern,
    /// Where the two threads ran.
    pub placement: Placement,
    /// The queue.
    pub queue: Queue,
}

/// One timing of one channel under one condition.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct HopTiming {
    /// Its conditions.
    #[serde(flatten)]
    pub condition: Condition,
    /// Items streamed (round trips, for a ping-pong).
    pub items: u64,
    /// Seconds per item (per hand-off, for a ping-pong: half a round trip).
    pub per_item_s: f64,
    /// For a bounded queue: the share of the producer's sends that found the
    /// queue full and had to wait.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_sends: Option<f64>,
}

/// What one run of a channel's hop case measured: every condition once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChannelHopRun {
    /// Items per streamed timing.
    pub items: u64,
    /// Round trips per ping-pong.
    pub round_trips: u64,
    /// The logical CPUs pinned for each placement (the same one twice for
    /// [`Placement::OneCpu`]).
    #[serde(default)]
    pub cpus: Vec<(Placement, [usize; 2])>,
    /// The machine's cores, each as its logical CPUs, as the operating system
    /// gave them (empty where it was not read).
    #[serde(default)]
    pub cores: Vec<Vec<usize>>,
    /// Why the threads could not be placed, where they could not (the
    /// platform): every timing is then [`Placement::Os`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_placed: Option<String>,
    /// Every timing of the run.
    pub timings: Vec<HopTiming>,
}

/// The median of a few runs, with the fastest and the slowest.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spread {
    /// The median.
    pub median: f64,
    /// The smallest.
    pub min: f64,
    /// The largest.
    pub max: f64,
    /// How many runs.
    pub runs: usize,
}

impl Spread {
    /// The spread of `values` (`None` when there are none that are finite).
    pub fn of(values: &[f64]) -> Option<Spread> {
        let values: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        if values.is_empty() {
            return None;
        }
        Some(Spread {
            median: median(values.clone()),
            min: values.iter().copied().fold(f64::INFINITY, f64::min),
            max: values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            runs: values.len(),
        })
    }

    /// Whether the two ranges share a value.
    pub fn overlaps(&self, other: &Spread) -> bool {
        self.min <= other.max && other.min <= self.max
    }
}

/// One channel under one condition, over every run.
#[derive(Clone, Debug, PartialEq)]
pub struct ChannelPoint {
    /// Whose channel.
    pub pipeline: Pipeline,
    /// The conditions.
    pub condition: Condition,
    /// Seconds per item over the runs.
    pub per_item: Spread,
    /// For a bounded queue: the share of sends that found it full, over the runs.
    pub full_sends: Option<Spread>,
}

impl ChannelPoint {
    /// Whether a bounded queue filled in every run (its producer found it full in
    /// at least [`FILLED_AT_LEAST`] of its sends); `None` for an unbounded one.
    pub fn filled(&self) -> Option<bool> {
        self.full_sends.map(|f| f.min >= FILLED_AT_LEAST)
    }
}

/// Every run of the channels' hop cases, in the order they ran.
pub fn runs(results: &Results) -> impl Iterator<Item = (Pipeline, &ChannelHopRun)> {
    results
        .runs
        .iter()
        .filter(|r| r.case.kind == CaseKind::ChannelHop)
        .filter_map(|r| Some((r.case.pipeline, r.channel_hop()?)))
}

/// Every channel under every condition it was timed under, over its runs: the
/// conditions in their order ([`Condition`]'s), the channels in the order they
/// first ran.
pub fn points(results: &Results) -> Vec<ChannelPoint> {
    let mut pipelines: Vec<Pipeline> = Vec::new();
    let mut conditions: Vec<Condition> = Vec::new();
    for (pipeline, run) in runs(results) {
        if !pipelines.contains(&pipeline) {
            pipelines.push(pipeline);
        }
        for t in &run.timings {
            if !conditions.contains(&t.condition) {
                conditions.push(t.condition);
            }
        }
    }
    conditions.sort();
    let mut points = Vec::new();
    for &condition in &conditions {
        for &pipeline in &pipelines {
            let timings: Vec<&HopTiming> = runs(results)
                .filter(|(p, _)| *p == pipeline)
                .flat_map(|(_, run)| run.timings.iter())
                .filter(|t| t.condition == condition)
                .collect();
            let per_item: Vec<f64> = timings
                .iter()
                .map(|t| t.per_item_s)
                .filter(|s| *s > 0.0)
                .collect();
            let Some(per_item) = Spread::of(&per_item) else {
                continue;
            };
            let full: Vec<f64> = timings.iter().filter_map(|t| t.full_sends).collect();
            points.push(ChannelPoint {
                pipeline,
                condition,
                per_item,
                full_sends: Spread::of(&full),
            });
        }
    }
    points
}

/// The conditions of `points`, in order.
pub fn conditions(points: &[ChannelPoint]) -> Vec<Condition> {
    let mut conditions: Vec<Condition> = points.iter().map(|p| p.condition).collect();
    conditions.dedup();
    conditions
}

/// The points of one condition.
pub fn under(points: &[ChannelPoint], condition: Condition) -> Vec<&ChannelPoint> {
    points.iter().filter(|p| p.condition == condition).collect()
}

/// The channels of `points` from the fastest median, in groups of ties: a
/// channel whose range overlaps the range of the group before it (from its
/// fastest run to its slowest's) joins that group. Only between groups is one
/// faster than another.
pub fn ranking(points: &[&ChannelPoint]) -> Vec<Vec<Pipeline>> {
    let mut sorted: Vec<&&ChannelPoint> = points.iter().collect();
    sorted.sort_by(|a, b| a.per_item.median.total_cmp(&b.per_item.median));
    let mut groups: Vec<(Vec<Pipeline>, f64)> = Vec::new();
    for p in sorted {
        match groups.last_mut() {
            Some((group, slowest)) if p.per_item.min <= *slowest => {
                group.push(p.pipeline);
                *slowest = slowest.max(p.per_item.max);
            }
            _ => groups.push((vec![p.pipeline], p.per_item.max)),
        }
    }
    groups.into_iter().map(|(g, _)| g).collect()
}

/// The ranking as a line: `kanal < crossbeam = mpsc < flume` (`=` between ties).
pub fn ranking_line(groups: &[Vec<Pipeline>]) -> String {
    groups
        .iter()
        .map(|g| {
            g.iter()
                .map(|p| p.label.to_string())
                .collect::<Vec<_>>()
                .join(" = ")
        })
        .collect::<Vec<_>>()
        .join(" < ")
}

/// The condition the channels are compared under first: streamed, unbounded, on
/// two cores (placed by the operating system where the threads could not be
/// placed).
pub fn headline(points: &[ChannelPoint]) -> Option<Condition> {
    let streamed = |placement| Condition {
        pattern: Pattern::Streaming,
        placement,
        queue: Queue::Unbounded,
    };
    [streamed(Placement::TwoCores), streamed(Placement::Os)]
        .into_iter()
        .find(|c| points.iter().any(|p| p.condition == *c))
}

/// The same condition with another pattern or placement.
pub fn with(condition: Condition, pattern: Pattern, placement: Placement) -> Condition {
    Condition {
        pattern,
        placement,
        ..condition
    }
}

/// Each channel's median under `a` over its median under `b`, for the channels
/// timed under both.
pub fn ratios(points: &[ChannelPoint], a: Condition, b: Condition) -> Vec<(Pipeline, f64)> {
    under(points, a)
        .into_iter()
        .filter_map(|pa| {
            let pb = under(points, b)
                .into_iter()
                .find(|pb| pb.pipeline == pa.pipeline)?;
            Some((pa.pipeline, pa.per_item.median / pb.per_item.median))
        })
        .collect()
}

/// The bench's streamed hop placed by the operating system over the plain
/// harness's, per channel: the two time the same hand-off the same way.
pub fn anchor_ratios(points: &[ChannelPoint]) -> Vec<(Pipeline, f64)> {
    let ours = Condition {
        pattern: Pattern::Streaming,
        placement: Placement::Os,
        queue: Queue::Unbounded,
    };
    ratios(points, ours, with(ours, Pattern::Anchor, Placement::Os))
}

/// Per channel, whether the plain harness agrees with the bench: their
/// medians within [`ANCHOR_FACTOR`] either way, or the two ranges of runs
/// (fastest to slowest) overlapping under the same placement (placed by the
/// operating system, the two threads share a CPU in some runs and not in
/// others, and the two cost several-fold apart).
pub fn anchor_agrees(points: &[ChannelPoint]) -> Vec<(Pipeline, bool)> {
    let ours = Condition {
        pattern: Pattern::Streaming,
        placement: Placement::Os,
        queue: Queue::Unbounded,
    };
    let harness = under(points, with(ours, Pattern::Anchor, Placement::Os));
    under(points, ours)
        .into_iter()
        .filter_map(|p| {
            let h = harness.iter().find(|h| h.pipeline == p.pipeline)?;
            let ratio = p.per_item.median / h.per_item.median;
            let overlap = p.per_item.overlaps(&h.per_item);
            Some((p.pipeline, within_anchor_factor(ratio) || overlap))
        })
        .collect()
}

/// Whether a ratio is within [`ANCHOR_FACTOR`] either way.
pub fn within_anchor_factor(ratio: f64) -> bool {
    (1.0 / ANCHOR_FACTOR..=ANCHOR_FACTOR).contains(&ratio)
}

/// The smallest and largest of `values`.
fn min_max(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    values.fold(None, |acc, v| match acc {
        None => Some((v, v)),
        Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
    })
}

/// Nanoseconds from `lo` to `hi` seconds.
fn ns_range((lo, hi): (f64, f64)) -> Fact {
    Fact::range(Fact::Number(lo * 1e9, 0), Fact::Number(hi * 1e9, 0))
}

/// Microseconds, with one decimal, from `lo` to `hi` seconds.
fn us_range((lo, hi): (f64, f64)) -> Fact {
    Fact::range(Fact::Number(lo * 1e6, 1), Fact::Number(hi * 1e6, 1))
}

/// Ratios from `lo` to `hi`.
fn ratio_range((lo, hi): (f64, f64)) -> Fact {
    Fact::range(Fact::Ratio(lo), Fact::Ratio(hi))
}

/// The channels as the book names them.
fn names(pipelines: &[Pipeline]) -> Fact {
    Fact::List(
        pipelines
            .iter()
            .map(|p| Fact::Name(p.label.to_string()))
            .collect(),
    )
}

/// The facts of the channels' hop (`hop.channels.*`), for the sentences that
/// compare them: each claims only what the runs' ranges allow (a ranking only
/// between channels whose ranges do not overlap). None when no channel's hop ran
/// but `hop.channels.ran`.
pub fn facts(f: &mut Facts, results: &Results) {
    let points = points(results);
    f.insert("hop.channels.ran", Fact::Bool(!points.is_empty()));
    f.insert("goals.anchor-factor", Fact::Ratio(ANCHOR_FACTOR));
    let Some(head) = headline(&points) else {
        return;
    };
    let placed = head.placement != Placement::Os;
    f.insert("hop.channels.placed", Fact::Bool(placed));
    let streamed = under(&points, head);
    let runs = points.iter().map(|p| p.per_item.runs).min().unwrap_or(0);
    f.insert("hop.channels.runs", Fact::Count(runs as u64));
    if let Some((_, run)) = self::runs(results).next() {
        f.insert("hop.channels.items", Fact::Count(run.items));
    }
    let groups = ranking(&streamed);
    f.insert(
        "hop.channels.streaming.all-tied",
        Fact::Bool(groups.len() == 1),
    );
    f.insert(
        "hop.channels.streaming.one-fastest",
        Fact::Bool(groups.first().is_some_and(|g| g.len() == 1)),
    );
    if let Some(first) = groups.first() {
        f.insert("hop.channels.streaming.fastest", names(first));
        let medians = streamed
            .iter()
            .filter(|p| first.contains(&p.pipeline))
            .map(|p| p.per_item.median);
        if let Some(range) = min_max(medians) {
            f.insert("hop.channels.streaming.fastest-ns", ns_range(range));
        }
    }
    if groups.len() > 1
        && let Some(last) = groups.last()
    {
        f.insert("hop.channels.streaming.slowest", names(last));
    }

    if let Some(range) = min_max(streamed.iter().map(|p| p.per_item.median)) {
        f.insert("hop.channels.streaming.range-ns", ns_range(range));
    }
    // Nothing queued: half a round trip, against the streamed item.
    let ping = with(head, Pattern::PingPong, head.placement);
    if let Some(range) = min_max(under(&points, ping).iter().map(|p| p.per_item.median)) {
        f.insert("hop.channels.ping-pong.range-us", us_range(range));
    }
    if let Some(range) = min_max(ratios(&points, ping, head).into_iter().map(|r| r.1)) {
        f.insert("hop.channels.ping-pong.over-streaming", ratio_range(range));
        f.insert(
            "hop.channels.ping-pong.slower-than-streaming",
            Fact::Bool(range.0 > 1.0),
        );
    }
    // Where the threads run: one CPU against two cores.
    if placed {
        let one = with(head, Pattern::Streaming, Placement::OneCpu);
        if let Some(range) = min_max(ratios(&points, one, head).into_iter().map(|r| r.1)) {
            f.insert("hop.channels.one-cpu.over-two-cores", ratio_range(range));
        }
        let one_ping = with(head, Pattern::PingPong, Placement::OneCpu);
        let medians = under(&points, one_ping)
            .iter()
            .map(|p| p.per_item.median)
            .collect::<Vec<_>>();
        if let Some(range) = min_max(medians.into_iter()) {
            f.insert("hop.channels.one-cpu.ping-pong-us", us_range(range));
        }
    }
    // A bound that fills.
    let bounded: Vec<&ChannelPoint> = points
        .iter()
        .filter(|p| matches!(p.condition.queue, Queue::Bounded(_)))
        .collect();
    if let Some(Queue::Bounded(n)) = bounded.first().map(|p| p.condition.queue) {
        f.insert("hop.channels.bound", Fact::Count(n as u64));
        f.insert(
            "hop.channels.bounded.filled",
            Fact::Bool(bounded.iter().all(|p| p.filled() == Some(true))),
        );
        let least = bounded
            .iter()
            .filter_map(|p| p.full_sends.map(|s| s.min))
            .fold(f64::INFINITY, f64::min);
        if least.is_finite() {
            f.insert("hop.channels.bounded.least-full", Fact::Percent(least));
        }
        let full = bounded
            .iter()
            .filter(|p| p.condition.placement == head.placement)
            .filter_map(|p| p.full_sends.map(|s| s.median));
        if let Some((lo, hi)) = min_max(full) {
            f.insert(
                "hop.channels.bounded.full",
                Fact::range(Fact::Percent(lo), Fact::Percent(hi)),
            );
        }
        let bounded_head = Condition {
            queue: Queue::Bounded(n),
            ..head
        };
        if let Some(range) = min_max(ratios(&points, bounded_head, head).into_iter().map(|r| r.1)) {
            f.insert("hop.channels.bounded.over-unbounded", ratio_range(range));
        }
    }
    // The plain harness.
    let anchor = anchor_ratios(&points);
    if let Some(range) = min_max(anchor.iter().map(|r| r.1)) {
        f.insert("hop.channels.anchor.ratio", ratio_range(range));
        f.insert(
            "hop.channels.anchor.within",
            Fact::Bool(anchor.iter().all(|r| within_anchor_factor(r.1))),
        );
        f.insert(
            "hop.channels.anchor.agrees",
            Fact::Bool(anchor_agrees(&points).iter().all(|a| a.1)),
        );
        let harness = with(head, Pattern::Anchor, Placement::Os);
        let medians = under(
            &points,
            Condition {
                queue: Queue::Unbounded,
                ..harness
            },
        )
        .iter()
        .map(|p| p.per_item.median)
        .collect::<Vec<_>>();
        if let Some(range) = min_max(medians.into_iter()) {
            f.insert("hop.channels.anchor.range-ns", ns_range(range));
        }
    }
}

/// The fastest channel's streamed hop under the headline condition, with its
/// median seconds per item and its items: what the broker's hop is read
/// against.
pub fn fastest(results: &Results) -> Option<(Pipeline, f64, u64)> {
    let points = points(results);
    let head = headline(&points)?;
    let best = under(&points, head)
        .into_iter()
        .min_by(|a, b| a.per_item.median.total_cmp(&b.per_item.median))?;
    let items = runs(results).next().map_or(0, |(_, r)| r.items);
    Some((best.pipeline, best.per_item.median, items))
}

/// Every channel's median seconds per item under the headline condition.
pub fn headline_medians(results: &Results) -> Vec<f64> {
    let points = points(results);
    let Some(head) = headline(&points) else {
        return Vec::new();
    };
    under(&points, head)
        .iter()
        .map(|p| p.per_item.median)
        .collect()
}

/// How far two runs' medians of the same hop may differ and still be called
/// the same: each within 25% of the other.
pub const REPEATS_WITHIN: f64 = 0.25;

/// One hop timed in two report runs.
#[derive(Clone, Debug, PartialEq)]
pub struct Repeated {
    /// Whose channel.
    pub pipeline: Pipeline,
    /// Under which conditions.
    pub condition: Condition,
    /// The first run's median seconds per item.
    pub first: f64,
    /// The second run's.
    pub second: f64,
}

impl Repeated {
    /// Whether each median is within [`REPEATS_WITHIN`] of the other.
    pub fn agrees(&self) -> bool {
        let within = |a: f64, b: f64| (a - b).abs() <= REPEATS_WITHIN * b;
        within(self.first, self.second) && within(self.second, self.first)
    }
}

/// Every hop timed in both `first` and `second`, side by side.
pub fn repeated(first: &Results, second: &Results) -> Vec<Repeated> {
    let theirs = points(second);
    points(first)
        .into_iter()
        .filter_map(|a| {
            let b = theirs
                .iter()
                .find(|b| b.pipeline == a.pipeline && b.condition == a.condition)?;
            Some(Repeated {
                pipeline: a.pipeline,
                condition: a.condition,
                first: a.per_item.median,
                second: b.per_item.median,
            })
        })
        .collect()
}

/// The topology the placements were found from, and the CPUs each used, in a
/// line for `machine.md` (`None` when no channel hop ran).
pub fn topology_line(results: &Results) -> Option<String> {
    let (_, run) = runs(results).next()?;
    let cores = if run.cores.is_empty() {
        "not read on this platform".to_string()
    } else {
        let threads: usize = run.cores.iter().map(Vec::len).sum();
        let each = run
            .cores
            .iter()
            .map(|c| {
                c.iter()
                    .map(|cpu| format!("cpu{cpu}"))
                    .collect::<Vec<_>>()
                    .join("+")
            })
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "{} cores, {threads} hardware threads ({each})",
            run.cores.len()
        )
    };
    let placed = match &run.not_placed {
        Some(why) => format!("placement not controlled: {why}"),
        None => run
            .cpus
            .iter()
            .map(|(p, [a, b])| format!("{}: cpu{a} and cpu{b}", p.label()))
            .collect::<Vec<_>>()
            .join("; "),
    };
    Some(format!("{cores}; {placed}"))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::data::case::{Case, CaseResult, Outcome};
    use crate::data::results::RESULTS_SCHEMA;
    use pipeline_core::{Config, Machine};
    use pipeline_registry::ALL;

    /// The first `n` pipelines of the registry without a broker: stand-ins for
    /// the channels.
    pub(crate) fn channels(n: usize) -> Vec<Pipeline> {
        ALL.iter()
            .copied()
            .filter(|p| p.backend.broker.is_none())
            .take(n)
            .collect()
    }

    const TWO_CORES: Condition = Condition {
        pattern: Pattern::Streaming,
        placement: Placement::TwoCores,
        queue: Queue::Unbounded,
    };

    fn timing(condition: Condition, ns: f64) -> HopTiming {
        HopTiming {
            condition,
            items: 1_000,
            per_item_s: ns * 1e-9,
            full_sends: match condition.queue {
                Queue::Bounded(_) => Some(0.5),
                Queue::Unbounded => None,
            },
        }
    }

    /// A channel's runs' nanoseconds per item under each condition.
    pub(crate) type Timed = (Pipeline, Vec<(Condition, Vec<f64>)>);

    /// Results of channel hop cases: for each pipeline its runs' nanoseconds per
    /// item under each condition, the runs in turn.
    pub(crate) fn channel_hops(per: &[Timed]) -> Results {
        let most = per
            .iter()
            .flat_map(|(_, c)| c.iter().map(|(_, ns)| ns.len()))
            .max()
            .unwrap_or(0);
        let mut runs = Vec::new();
        for repeat in 0..most {
            for (pipeline, conditions) in per {
                let timings = conditions
                    .iter()
                    .filter_map(|(c, ns)| Some(timing(*c, *ns.get(repeat)?)))
                    .collect();
                runs.push(CaseResult {
                    case: Case {
                        scenario: "hop".into(),
                        kind: CaseKind::ChannelHop,
                        pipeline: *pipeline,
                        config: Config::default(),
                        repeat: repeat as u32,
                    },
                    outcome: Outcome::ChannelHop {
                        channel_hop: ChannelHopRun {
                            items: 1_000,
                            round_trips: 100,
                            cpus: vec![(Placement::OneCpu, [0, 0]), (Placement::TwoCores, [0, 1])],
                            cores: vec![vec![0], vec![1]],
                            not_placed: None,
                            timings,
                        },
                    },
                });
            }
        }
        Results {
            schema: RESULTS_SCHEMA,
            mode: "quick".into(),
            date: "2026-01-01".into(),
            machine: Machine::this(),
            sleep: Vec::new(),
            runs,
            elapsed_s: None,
        }
    }

    /// Four channels on two cores: a and b overlap, c is clear of them, d ties c.
    pub(crate) fn sample() -> Results {
        let c = channels(4);
        let anchor = with(TWO_CORES, Pattern::Anchor, Placement::Os);
        let os = with(TWO_CORES, Pattern::Streaming, Placement::Os);
        let ping = with(TWO_CORES, Pattern::PingPong, Placement::TwoCores);
        let bounded = Condition {
            queue: Queue::Bounded(8),
            ..TWO_CORES
        };
        channel_hops(&[
            (
                c[0],
                vec![
                    (TWO_CORES, vec![20.0, 22.0, 30.0]),
                    (os, vec![20.0, 21.0, 22.0]),
                    (anchor, vec![30.0, 31.0, 29.0]),
                    (ping, vec![200.0, 210.0, 190.0]),
                    (bounded, vec![80.0, 90.0, 85.0]),
                ],
            ),
            (
                c[1],
                vec![
                    (TWO_CORES, vec![25.0, 28.0, 40.0]),
                    (os, vec![25.0, 26.0, 27.0]),
                    (anchor, vec![100.0, 110.0, 105.0]),
                    (ping, vec![300.0, 310.0, 290.0]),
                ],
            ),
            (c[2], vec![(TWO_CORES, vec![60.0, 61.0, 70.0])]),
            (c[3], vec![(TWO_CORES, vec![66.0, 80.0, 90.0])]),
        ])
    }

    #[test]
    fn a_spread_is_the_median_with_the_fastest_and_slowest_run() {
        let s = Spread::of(&[3.0, 1.0, 2.0, f64::NAN]).unwrap();
        assert_eq!((s.median, s.min, s.max, s.runs), (2.0, 1.0, 3.0, 3));
        let even = Spread::of(&[4.0, 1.0, 2.0, 3.0]).unwrap();
        assert_eq!(even.median, 2.5);
        assert_eq!(Spread::of(&[]), None);
        let a = Spread::of(&[1.0, 2.0]).unwrap();
        assert!(a.overlaps(&Spread::of(&[2.0, 3.0]).unwrap()));
        assert!(!a.overlaps(&Spread::of(&[2.5, 3.0]).unwrap()));
    }

    #[test]
    fn each_channel_is_one_point_per_condition_over_its_interleaved_runs() {
        let points = points(&sample());
        let c = channels(4);
        let two = under(&points, TWO_CORES);
        assert_eq!(two.len(), 4);
        assert_eq!(two[0].pipeline, c[0]);
        assert_eq!(two[0].per_item.runs, 3);
        assert!((two[0].per_item.median - 22e-9).abs() < 1e-15);
        assert!((two[0].per_item.max - 30e-9).abs() < 1e-15);
        let bounded = points
            .iter()
            .find(|p| p.condition.queue == Queue::Bounded(8))
            .unwrap();
        assert_eq!(bounded.filled(), Some(true));
        assert_eq!(two[0].filled(), None);
        // Conditions in order: streamed before ping-pong before the anchor.
        let conditions = conditions(&points);
        assert_eq!(conditions.first().unwrap().pattern, Pattern::Streaming);
        assert_eq!(conditions.last().unwrap().pattern, Pattern::Anchor);
    }

    #[test]
    fn channels_whose_ranges_overlap_are_tied_not_ranked() {
        let points = points(&sample());
        let c = channels(4);
        let groups = ranking(&under(&points, TWO_CORES));
        assert_eq!(groups, [vec![c[0], c[1]], vec![c[2], c[3]]]);
        let line = ranking_line(&groups);
        assert_eq!(
            line,
            format!(
                "{} = {} < {} = {}",
                c[0].label, c[1].label, c[2].label, c[3].label
            )
        );
        // Clear ranges rank; a range that reaches the group's slowest run ties.
        let clear = channel_hops(&[
            (c[0], vec![(TWO_CORES, vec![10.0, 11.0])]),
            (c[1], vec![(TWO_CORES, vec![12.0, 13.0])]),
            (c[2], vec![(TWO_CORES, vec![13.0, 14.0])]),
        ]);
        let points = super::points(&clear);
        assert_eq!(
            ranking(&under(&points, TWO_CORES)),
            [vec![c[0]], vec![c[1], c[2]]]
        );
    }

    #[test]
    fn the_anchor_is_read_against_the_same_hop_placed_by_the_os() {
        let points = points(&sample());
        let c = channels(4);
        let ratios = anchor_ratios(&points);
        assert_eq!(ratios.len(), 2);
        assert_eq!(ratios[0].0, c[0]);
        assert!((ratios[0].1 - 21.0 / 30.0).abs() < 1e-9);
        assert!(within_anchor_factor(ratios[0].1));
        assert!(!within_anchor_factor(ratios[1].1));
        // Four times apart, and the ranges (25–27 and 100–110) apart: no
        // agreement.
        assert!(anchor_agrees(&points).iter().any(|a| !a.1));
        assert_eq!(headline(&points), Some(TWO_CORES));
        let ping = ratios_of_ping(&points);
        assert!((ping - 200.0 / 22.0).abs() < 1e-9);
    }

    fn ratios_of_ping(points: &[ChannelPoint]) -> f64 {
        let ping = with(TWO_CORES, Pattern::PingPong, Placement::TwoCores);
        ratios(points, ping, TWO_CORES)[0].1
    }

    #[test]
    fn the_facts_claim_only_what_the_ranges_allow() {
        let mut f = Facts::default();
        facts(&mut f, &sample());
        let c = channels(4);
        let show = |name: &str| f.get(name).map(Fact::show).unwrap_or_default();
        assert_eq!(
            show("hop.channels.streaming.fastest"),
            format!("{}, {}", c[0].label, c[1].label)
        );
        assert_eq!(show("hop.channels.streaming.fastest-ns"), "22–28");
        assert_eq!(
            f.get("hop.channels.streaming.one-fastest"),
            Some(&Fact::Bool(false))
        );
        assert_eq!(
            f.get("hop.channels.streaming.all-tied"),
            Some(&Fact::Bool(false))
        );
        assert_eq!(show("hop.channels.ping-pong.range-us"), "0.2–0.3");
        assert_eq!(show("hop.channels.bounded.least-full"), "50.0%");
        assert_eq!(show("hop.channels.runs"), "3");
        assert_eq!(
            f.get("hop.channels.bounded.filled"),
            Some(&Fact::Bool(true))
        );
        assert_eq!(
            f.get("hop.channels.anchor.within"),
            Some(&Fact::Bool(false))
        );
        assert_eq!(fastest(&sample()).map(|b| b.0), Some(c[0]));
        let mut none = Facts::default();
        let mut empty = sample();
        empty.runs.clear();
        facts(&mut none, &empty);
        assert_eq!(none.get("hop.channels.ran"), Some(&Fact::Bool(false)));
        assert_eq!(none.get("hop.channels.streaming.fastest"), None);
    }

    #[test]
    fn two_runs_agree_when_each_median_is_within_a_quarter_of_the_other() {
        let same = repeated(&sample(), &sample());
        assert!(!same.is_empty() && same.iter().all(Repeated::agrees));
        let c = channels(1);
        let a = channel_hops(&[(c[0], vec![(TWO_CORES, vec![100.0])])]);
        let b = channel_hops(&[(c[0], vec![(TWO_CORES, vec![124.0])])]);
        let off = channel_hops(&[(c[0], vec![(TWO_CORES, vec![130.0])])]);
        assert!(repeated(&a, &b)[0].agrees());
        // 100 is 23% below 130, but 130 is 30% above 100.
        assert!(!repeated(&a, &off)[0].agrees());
        assert!(!repeated(&off, &a)[0].agrees());
    }

    #[test]
    fn a_run_serialises_with_its_conditions_beside_each_timing() {
        let results = sample();
        let run = runs(&results).next().unwrap().1.clone();
        let json = serde_json::to_string(&run).unwrap();
        assert!(
            json.contains("\"pattern\":\"streaming\",\"placement\":\"two-cores\""),
            "{json}"
        );
        assert!(json.contains("\"queue\":{\"bounded\":8}"), "{json}");
        let back: ChannelHopRun = serde_json::from_str(&json).unwrap();
        assert_eq!(back, run);
        let line = topology_line(&results).unwrap();
        assert!(
            line.starts_with("2 cores, 2 hardware threads (cpu0, cpu1)"),
            "{line}"
        );
        assert!(line.contains("two cores: cpu0 and cpu1"), "{line}");
    }
}

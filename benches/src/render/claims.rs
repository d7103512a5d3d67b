//! The book's comparative sentences, written from the results: `reports/claims.md`.
//!
//! Every sentence of the book that compares numbers (an ordering, a ratio, "within",
//! "more than", a core count) is made here from `results.json`, with the numbers it
//! rests on, and included into its page by anchor like a listing. Each claim also
//! says whether the reading the page builds on it still holds in these results
//! ([`Claim::holds`]): on another machine the sentence is rewritten from that
//! machine's numbers, and a claim that no longer holds is flagged in the page. The
//! tests check that every claim holds in the committed `reports/results.json` and
//! that the committed `reports/claims.md` is the one these results give.

use std::fmt::Write;

use pipeline_core::{Report, Scenario};

use crate::data::goals::{CORES_BUSY_MIN_WALL_S, OVERHEAD_TARGET};
use crate::data::results::{Results, median};
use crate::format;
use pipeline_registry::{ALL, POLLING_SLEEP, POLLING_SPIN, Pipeline, REFERENCE};

/// One sentence (or a few) of the book, made from the results.
#[derive(Clone, Debug, PartialEq)]
pub struct Claim {
    /// The anchor the page includes it by (`reports/claims.md:<anchor>`).
    pub anchor: &'static str,
    /// What the page's surrounding prose takes for granted.
    pub expects: &'static str,
    /// The sentence, with the numbers it rests on.
    pub text: String,
    /// Whether [`Claim::expects`] holds in these results.
    pub holds: bool,
}

impl Claim {
    fn new(anchor: &'static str, expects: &'static str, text: String, holds: bool) -> Claim {
        Claim {
            anchor,
            expects,
            text,
            holds,
        }
    }

    /// The markdown the page shows: the sentence, preceded by a visible warning when
    /// it no longer supports what the page says around it.
    pub fn markdown(&self) -> String {
        if self.holds {
            self.text.clone()
        } else {
            format!(
                "> **⚠ Not on this machine:** the page around this paragraph assumes that \
                 {}, and these results do not show it.\n\n{}",
                self.expects, self.text
            )
        }
    }
}

/// The pipelines that block (condvar, mpsc, crossbeam, flume).
fn blocking() -> impl Iterator<Item = Pipeline> {
    ALL.iter().copied().filter(|v| v.blocks())
}

/// The blocking pipelines' reports on one config.
fn blocking_reports<'a>(
    results: &'a Results,
    scenario: &str,
    capacity: Option<usize>,
) -> Vec<&'a Report> {
    blocking()
        .filter_map(|v| results.report(scenario, capacity, v))
        .collect()
}

/// `lo–hi` (or just one of them when they print the same).
fn span(lo: String, hi: String) -> String {
    if lo == hi { lo } else { format!("{lo}–{hi}") }
}

/// The smallest and largest of `values`.
fn min_max(values: impl IntoIterator<Item = f64>) -> (f64, f64) {
    values
        .into_iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        })
}

/// The range of `get` over `reports`, formatted with `fmt`.
fn range_of(
    reports: &[&Report],
    get: impl Fn(&Report) -> f64,
    fmt: impl Fn(f64) -> String,
) -> String {
    let (lo, hi) = min_max(reports.iter().map(|r| get(r)));
    span(fmt(lo), fmt(hi))
}

/// "a, b and c".
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// A spelled-out small count (`two`, `five`), else digits.
fn number(n: usize) -> String {
    const WORDS: [&str; 13] = [
        "no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve",
    ];
    WORDS
        .get(n)
        .map_or_else(|| n.to_string(), |w| w.to_string())
}

/// `camera` or `bottleneck (8)`.
fn config_name(scenario: &str, capacity: Option<usize>) -> String {
    // A scenario run both unbounded and bounded names its unbounded run so.
    let both = Scenario::named(scenario)
        .is_ok_and(|s| s.capacities.contains(&None) && s.capacities.len() > 1);
    match capacity {
        None if both => format!("`{scenario}` (unbounded)"),
        None => format!("`{scenario}`"),
        Some(n) => format!("`{scenario}` ({n})"),
    }
}

fn polls_per_item(r: &Report) -> f64 {
    r.total_polls() as f64 / r.items_in.max(1) as f64
}

fn latency_ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

fn micros(ms: f64) -> String {
    format::micros((ms * 1000.0).round() as u64)
}

/// Threads a pipeline runs: its workers, the camera (the source) and the main thread.
fn threads(r: &Report) -> usize {
    r.config.workers.iter().sum::<usize>() + 2
}

/// How `threads` compares with `cpus`.
fn against_cores(threads: usize, cpus: usize) -> &'static str {
    match threads.cmp(&cpus) {
        std::cmp::Ordering::Greater => "more threads than cores",
        std::cmp::Ordering::Equal => "as many threads as cores",
        std::cmp::Ordering::Less => "fewer threads than cores",
    }
}

fn cores(cpus: usize) -> String {
    if cpus == 1 {
        "one core".into()
    } else {
        format!("{} cores", number(cpus))
    }
}

/// `polling/polls.md`: where polls are wasted, and where they are not.
fn book_polls(results: &Results) -> Option<Claim> {
    let sleep = results.report(Scenario::BOOK.name, None, POLLING_SLEEP)?;
    let spin = results.report(Scenario::BOOK.name, None, POLLING_SPIN)?;
    let blocking = blocking_reports(results, Scenario::BOOK.name, None);
    let fewest = blocking.iter().map(|r| r.total_polls()).min()?;
    let wasted = sleep.total_polls().saturating_sub(fewest);
    let share = wasted as f64 / sleep.total_polls().max(1) as f64;
    let mut text = format!(
        "On `book` the blocking queues poll {} times per item ({} polls in all: one per \
         item and stage, and one more per worker to learn that its input has ended); the \
         sleeping poller polls {:.2} times ({}) and the spinning one {:.2} ({}). So on `book` \
         the sleeping poller wastes only {} of its {} polls ({}): the camera puts all \
         items at once and the stages do nothing, so its queues are rarely found empty.",
        range_of(&blocking, polls_per_item, |v| format!("{v:.2}")),
        format::count(fewest),
        polls_per_item(sleep),
        format::count(sleep.total_polls()),
        polls_per_item(spin),
        format::count(spin.total_polls()),
        format::count(wasted),
        format::count(sleep.total_polls()),
        format::percent(share),
    );
    // Where the spinning poller polls far more than a blocking queue.
    let mut waste: Vec<(f64, String)> = Vec::new();
    for (scenario, capacity) in results.scenario_configs() {
        let (Some(spin), blocking) = (
            results.report(&scenario, capacity, POLLING_SPIN),
            blocking_reports(results, &scenario, capacity),
        ) else {
            continue;
        };
        let most = blocking
            .iter()
            .map(|r| polls_per_item(r))
            .fold(0.0, f64::max);
        if most > 0.0 && polls_per_item(spin) > 10.0 * most {
            waste.push((
                polls_per_item(spin),
                format!(
                    "{} on {}",
                    format::count(polls_per_item(spin).round() as u64),
                    config_name(&scenario, capacity)
                ),
            ));
        }
    }
    waste.sort_by(|a, b| b.0.total_cmp(&a.0));
    let places: Vec<String> = waste.into_iter().map(|(_, s)| s).collect();
    if !places.is_empty() {
        let _ = write!(
            text,
            " The waste shows where workers wait for their input: the spinning poller's \
             polls per item reach {}, against about 3 for a blocking queue.",
            and_list(&places)
        );
    }
    // The sleeping poller's most wasteful config.
    let worst = results
        .scenario_configs()
        .into_iter()
        .filter_map(|(s, c)| {
            let r = results.report(&s, c, POLLING_SLEEP)?;
            Some((polls_per_item(r), config_name(&s, c)))
        })
        .max_by(|a, b| a.0.total_cmp(&b.0));
    if let Some((per_item, name)) = worst {
        let _ = write!(
            text,
            " The sleeping poller, which naps 10 ms after each empty poll, polls at most \
             {per_item:.2} times per item (on {name}): its cost is not polls but latency."
        );
    }
    Some(Claim::new(
        "book-polls",
        "on `book` the sleeping poller wastes almost none of its polls (under 5%)",
        text,
        share < 0.05,
    ))
}

/// `polling/polls.md`: the short `book` runs, whose CPU time is mostly thread start-up
/// and teardown.
fn book_teardown(results: &Results) -> Option<Claim> {
    let reports: Vec<&Report> = ALL
        .iter()
        .filter_map(|&v| results.report(Scenario::BOOK.name, None, v))
        .collect();
    if reports.is_empty() {
        return None;
    }
    let short = reports
        .iter()
        .filter(|r| r.wall_s < CORES_BUSY_MIN_WALL_S)
        .count();
    let limit = format::duration(CORES_BUSY_MIN_WALL_S);
    let walls = range_of(&reports, |r| r.wall_s, format::duration);
    let text = if short == 0 {
        format!(
            "The `book` runs take {walls}, none of them shorter than {limit}, so their CPU \
             column is mostly the pipeline's own work."
        )
    } else {
        format!(
            "The `book` runs take {walls}. {} of the {} are shorter than {limit}: for \
             those, the CPU column is mostly the cost of starting and joining the \
             pipeline's threads, not of handing items over, which is why the table leaves \
             their \"cores busy\" out. Compare their CPU with the longer scenarios', not \
             with each other.",
            capitalise(&number(short)),
            number(reports.len()),
        )
    };
    Some(Claim::new(
        "book-teardown",
        "some `book` runs are short",
        text,
        true,
    ))
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase().collect::<String>() + chars.as_str()
    })
}

/// `polling/spin-or-sleep.md`: latency and CPU on `paced`.
fn paced(results: &Results) -> Option<Claim> {
    let capacity = results.capacities(Scenario::PACED.name).first().copied()?;
    let spin = results.report(Scenario::PACED.name, capacity, POLLING_SPIN)?;
    let sleep = results.report(Scenario::PACED.name, capacity, POLLING_SLEEP)?;
    let blocking = blocking_reports(results, Scenario::PACED.name, capacity);
    if blocking.is_empty() {
        return None;
    }
    let n = blocking.len();
    type Pick = fn(&Report) -> u64;
    let percentiles: [(&str, Pick); 3] = [
        ("p50", |r| r.latency_us.p50),
        ("p99", |r| r.latency_us.p99),
        ("the maximum", |r| r.latency_us.max),
    ];
    let mut parts = Vec::new();
    let mut far_below_sleep = true;
    let mut above_spin_somewhere = false;
    for (name, pick) in percentiles {
        let below = blocking.iter().filter(|r| pick(r) < pick(spin)).count();
        above_spin_somewhere |= below < n;
        // The typical item and the tail; the single worst item of a run is decided
        // by the machine's scheduler more than by the queue, so it is shown, not judged.
        if name != "the maximum" {
            far_below_sleep &= blocking.iter().all(|r| pick(r) * 5 <= pick(sleep));
        }
        let word = match below {
            0 => "above".to_string(),
            b if b == n => "below".to_string(),
            b => format!("for {} of {} below", number(b), number(n)),
        };
        parts.push(format!(
            "{word} it at {name} ({} against {})",
            range_of(&blocking, |r| latency_ms(pick(r)), micros),
            format::micros(pick(spin)),
        ));
    }
    let (cpu_lo, cpu_hi) = min_max(blocking.iter().map(|r| r.process_cpu_s));
    let sleep_word = if cpu_lo > sleep.process_cpu_s {
        "more than"
    } else if cpu_hi < sleep.process_cpu_s {
        "less than"
    } else {
        "about as much as"
    };
    let text = format!(
        "On `paced`, the blocking pipelines' latency compared with the spinning poller's \
         is {}. At p50 and p99 it is at least five times below the sleeping poller's \
         ({} and {}): {}. The worst item, which the machine's scheduler decides more than \
         the queue does, took {} against the sleeping poller's {}. They use {} of CPU \
         time: {sleep_word} the sleeping poller's {} and {:.0} times less than the \
         spinning poller's {}.",
        and_list(&parts),
        format::micros(sleep.latency_us.p50),
        format::micros(sleep.latency_us.p99),
        if far_below_sleep {
            "a nap of 10 ms dominates every hand-off it delays"
        } else {
            "not on this machine, where some are closer"
        },
        range_of(&blocking, |r| latency_ms(r.latency_us.max), micros),
        format::micros(sleep.latency_us.max),
        span(format::duration(cpu_lo), format::duration(cpu_hi)),
        format::duration(sleep.process_cpu_s),
        spin.process_cpu_s / cpu_hi,
        format::duration(spin.process_cpu_s),
    );
    Some(Claim::new(
        "paced",
        "a blocking queue makes both costs small: its latency far below the sleeping \
         poller's, its CPU far below the spinning poller's, and neither free (somewhere \
         above the spinning poller's latency)",
        text,
        far_below_sleep && cpu_hi * 3.0 < spin.process_cpu_s && above_spin_somewhere,
    ))
}

/// The sleeping poller's wall time against the blocking pipelines' median, per config.
fn sleeper_against_blocking(results: &Results) -> Vec<(String, f64)> {
    results
        .scenario_configs()
        .into_iter()
        .filter_map(|(scenario, capacity)| {
            let sleep = results.report(&scenario, capacity, POLLING_SLEEP)?;
            let blocking = blocking_reports(results, &scenario, capacity);
            let middle = median(blocking.iter().map(|r| r.wall_s).collect());
            middle
                .is_finite()
                .then(|| (config_name(&scenario, capacity), sleep.wall_s / middle))
        })
        .collect()
}

/// The spread within which a wall time "keeps up" with the blocking pipelines'.
const KEEPS_UP: f64 = 0.05;

/// `choosing/compare.md`: where the polling pipelines keep up.
fn compare(results: &Results) -> Option<Claim> {
    let ratios = sleeper_against_blocking(results);
    if ratios.is_empty() {
        return None;
    }
    let (close, far): (Vec<_>, Vec<_>) = ratios
        .iter()
        .partition(|(_, r)| (r - 1.0).abs() <= KEEPS_UP);
    let mut text = String::from(
        "Measured against the median of the four blocking pipelines' wall times, the \
         sleeping poller",
    );
    if !close.is_empty() {
        let names: Vec<String> = close.iter().map(|(n, _)| n.clone()).collect();
        let (lo, hi) = min_max(close.iter().map(|(_, r)| (r - 1.0).abs()));
        let _ = write!(
            text,
            " keeps up on {}: within {} of them, because there the stages or the camera \
             set the pace, and a 10 ms nap is rarely in the way",
            and_list(&names),
            span(format::percent(lo), format::percent(hi))
        );
    }
    if !far.is_empty() {
        let names: Vec<String> = far
            .iter()
            .map(|(n, r)| format!("{n} ({} theirs)", format::ratio(*r)))
            .collect();
        let _ = write!(
            text,
            "{} differs on {}, where the hand-offs themselves set the pace",
            if close.is_empty() { "" } else { ";" },
            and_list(&names),
        );
    }
    text.push('.');
    // The spinning poller's CPU against the blocking pipelines' where stages wait.
    let mut spin_cpu = Vec::new();
    for (scenario, capacity) in results.scenario_configs() {
        if !close
            .iter()
            .any(|(n, _)| *n == config_name(&scenario, capacity))
        {
            continue;
        }
        let Some(spin) = results.report(&scenario, capacity, POLLING_SPIN) else {
            continue;
        };
        let blocking = blocking_reports(results, &scenario, capacity);
        let most = blocking.iter().map(|r| r.process_cpu_s).fold(0.0, f64::max);
        if most > 0.0 {
            spin_cpu.push(spin.process_cpu_s / most);
        }
    }
    let (lo, hi) = min_max(spin_cpu.iter().copied());
    if lo.is_finite() {
        let _ = write!(
            text,
            " On those scenarios the spinning poller pays in CPU \
             instead: {} times the CPU time of the hungriest blocking pipeline.",
            span(format!("{lo:.1}"), format!("{hi:.0}"))
        );
    }
    let waits_keep_up = [
        Scenario::CAMERA.name,
        Scenario::FANOUT.name,
        Scenario::BOTTLENECK.name,
    ]
    .iter()
    .all(|s| {
        ratios
            .iter()
            .filter(|(n, _)| n.starts_with(&format!("`{s}`")))
            .all(|(_, r)| (r - 1.0).abs() <= KEEPS_UP)
    });
    Some(Claim::new(
        "compare",
        "the sleeping poller keeps up (within 5%) on the scenarios whose stages wait \
         (`camera`, `fanout`, `bottleneck`)",
        text,
        waits_keep_up,
    ))
}

/// `choosing/throughput.md`: the scenario where the blocking pipelines differ most.
fn differ_most(results: &Results) -> Option<Claim> {
    let mut spreads: Vec<(String, f64)> = results
        .scenario_configs()
        .into_iter()
        .filter_map(|(scenario, capacity)| {
            let blocking = blocking_reports(results, &scenario, capacity);
            let (lo, hi) = min_max(blocking.iter().map(|r| r.wall_s));
            (blocking.len() > 1 && lo > 0.0).then(|| (config_name(&scenario, capacity), hi / lo))
        })
        .collect();
    spreads.sort_by(|a, b| b.1.total_cmp(&a.1));
    let (first, most) = spreads.first()?.clone();
    let mut text = format!(
        "Among the four blocking pipelines, wall times differ most on {first}: the slowest \
         takes {most:.2} times as long as the fastest."
    );
    // The scenarios whose stages wait (or whose camera paces the items).
    let waiting: Vec<f64> = spreads
        .iter()
        .filter(|(n, _)| !n.contains("`throughput`") && !n.contains("`book`"))
        .map(|(_, s)| s - 1.0)
        .collect();
    let (_, hi) = min_max(waiting.iter().copied());
    if hi.is_finite() {
        let _ = write!(
            text,
            " Where the stages wait or the camera sets the pace (`camera`, `fanout`, \
             `bottleneck`, `paced`), they differ by {} at most.",
            format::percent(hi)
        );
    }
    Some(Claim::new(
        "differ-most",
        "`throughput` is where the blocking pipelines differ most",
        text,
        first.contains(Scenario::THROUGHPUT.name),
    ))
}

/// `choosing/throughput.md`: the polling pipelines' overhead ratios, and the verdicts
/// whose runs straddle the goal.
fn overhead_noise(results: &Results) -> Option<Claim> {
    let mut polling = Vec::new();
    let mut straddle = Vec::new();
    let mut rows = 0;
    for capacity in results.capacities(Scenario::THROUGHPUT.name) {
        for &pipeline in ALL {
            let Some(o) = results.overhead(capacity, pipeline) else {
                continue;
            };
            rows += 1;
            let name = match capacity {
                None => format!("{}, unbounded", pipeline.label),
                Some(n) => format!("{}, bound {n}", pipeline.label),
            };
            if !pipeline.blocks() {
                polling.push(format!("{} for {name}", format::ratio(o.ratio())));
            }
            let (lo, hi) = o.ratio_range;
            if o.runs > 1 && lo <= OVERHEAD_TARGET && hi > OVERHEAD_TARGET {
                straddle.push(format!(
                    "{name} (pairs from {} to {})",
                    format::ratio(lo),
                    format::ratio(hi)
                ));
            }
        }
    }
    if rows == 0 {
        return None;
    }
    let mut text = String::new();
    if !polling.is_empty() {
        let _ = write!(
            text,
            "The polling pipelines' ratios are {}. ",
            polling.join("; ")
        );
    }
    if straddle.is_empty() {
        let _ = write!(
            text,
            "Every row with repeated pairs keeps its verdict in each of its pairs: no \
             pair's ratio falls on the other side of {OVERHEAD_TARGET}×."
        );
    } else {
        let _ = write!(
            text,
            "Some verdicts are within the noise: {}. Their pairs' ratios (each \
             instrumented run against the bare run made right after it) fall on both \
             sides of {OVERHEAD_TARGET}×, so the table calls them unclear: the median's \
             yes or no could go either way on another run.",
            straddle.join("; ")
        );
    }
    Some(Claim::new("overhead-noise", "", text, true))
}

/// Explains queue peaks above the bound on `scenario`, from the data.
fn peaks(results: &Results, scenario: &'static str, anchor: &'static str) -> Option<Claim> {
    let mut out = Vec::new();
    for capacity in results.capacities(scenario) {
        let Some(bound) = capacity else { continue };
        let mut above = 0;
        let mut total = 0;
        let mut most = 0;
        for &v in ALL {
            let Some(r) = results.report(scenario, capacity, v) else {
                continue;
            };
            for s in &r.stages {
                total += 1;
                most = most.max(s.queue_peak);
                if s.queue_peak > bound as u64 {
                    above += 1;
                }
            }
        }
        if total == 0 {
            continue;
        }
        out.push(if above == 0 {
            format!(
                "With a bound of {}, every queue peak in the table is within the bound \
                 (at most {}).",
                format::count(bound as u64),
                format::count(most)
            )
        } else {
            format!(
                "With a bound of {}, {} of the {} queue peaks in the table read more than \
                 the bound (up to {}). The queue never held that many: a peak is the \
                 largest value of the queue's depth counter, which the probes update just \
                 after a put or a get returns, so for a moment it can still count items \
                 that consumers have already taken, at most one per consumer.",
                format::count(bound as u64),
                number(above),
                number(total),
                format::count(most)
            )
        });
    }
    if out.is_empty() {
        return None;
    }
    Some(Claim::new(anchor, "", out.join(" "), true))
}

/// `choosing/throughput.md`: the sleeping poller on bounded `throughput`.
fn sleeper_bounded(results: &Results) -> Option<Claim> {
    let unbounded = results.report(Scenario::THROUGHPUT.name, None, POLLING_SLEEP)?;
    let (capacity, bounded) = results
        .capacities(Scenario::THROUGHPUT.name)
        .into_iter()
        .filter(Option::is_some)
        .find_map(|c| {
            Some((
                c?,
                results.report(Scenario::THROUGHPUT.name, c, POLLING_SLEEP)?,
            ))
        })?;
    let nap_ms = bounded.config.poll_sleep_ms?;
    let nap_s = nap_ms as f64 / 1000.0;
    let extra = bounded.wall_s - unbounded.wall_s;
    let naps = extra / nap_s.max(1e-9);
    let slower = bounded.wall_s / unbounded.wall_s;
    let text = if slower > 2.0 {
        format!(
            "The sleeping poller is the odd one out with a bound of {}: {} against {} \
             unbounded, {:.0} times as long. Its `put` polls too: a producer that finds \
             its output full naps {} ms before it tries again, while the consumer \
             empties the queue in far less than that and then finds it empty and naps \
             in turn. The {} of extra wall time are about {} such naps of {} ms \
             (an estimate from the wall times; the item-polls column counts only the \
             gets). Its CPU time, {}, shows the workers asleep most of the run.",
            format::count(capacity as u64),
            format::duration(bounded.wall_s),
            format::duration(unbounded.wall_s),
            slower,
            nap_ms,
            format::duration(extra),
            format::count(naps.round().max(0.0) as u64),
            nap_ms,
            format::duration(bounded.process_cpu_s),
        )
    } else {
        format!(
            "With a bound of {}, the sleeping poller takes {} against {} unbounded: its \
             naps on a full queue ({} ms each) cost little here.",
            format::count(capacity as u64),
            format::duration(bounded.wall_s),
            format::duration(unbounded.wall_s),
            nap_ms,
        )
    };
    Some(Claim::new("sleeper-bounded", "", text, true))
}

/// `backpressure/measured.md`: what a bound changes on `bottleneck`.
fn bottleneck(results: &Results) -> Option<Claim> {
    let capacity = results
        .capacities(Scenario::BOTTLENECK.name)
        .into_iter()
        .find(Option::is_some)?;
    let mut changes = Vec::new();
    let mut unbounded = Vec::new();
    let mut bounded = Vec::new();
    for &v in ALL {
        let (Some(u), Some(b)) = (
            results.report(Scenario::BOTTLENECK.name, None, v),
            results.report(Scenario::BOTTLENECK.name, capacity, v),
        ) else {
            continue;
        };
        changes.push((b.wall_s / u.wall_s - 1.0).abs());
        unbounded.push(u);
        bounded.push(b);
    }
    if changes.is_empty() {
        return None;
    }
    let most = changes.iter().copied().fold(0.0, f64::max);
    let p50 = |r: &Report| latency_ms(r.latency_us.p50);
    let (u_lo, _) = min_max(unbounded.iter().map(|r| p50(r)));
    let (_, b_hi) = min_max(bounded.iter().map(|r| p50(r)));
    let heap = |r: &Report| r.peak_heap_bytes.unwrap_or(0) as f64;
    let text = format!(
        "Bounded to {} against unbounded, no pipeline's wall time changes by more than {} \
         ({} unbounded, {} bounded): the resize sets the pace either way. The bound \
         decides *where* the waiting happens: in a queue full of frames, or in a download \
         stage that sleeps until there is room. It also shortens the latency, since a \
         frame no longer waits behind the whole backlog: the median latency drops from \
         {} to {}, and the peak heap from {} MiB to {} MiB.",
        format::capacity(capacity),
        format::percent(most),
        range_of(&unbounded, |r| r.wall_s, format::duration),
        range_of(&bounded, |r| r.wall_s, format::duration),
        range_of(&unbounded, p50, micros),
        range_of(&bounded, p50, micros),
        range_of(&unbounded, heap, |b| format::mib(Some(b as u64))),
        range_of(&bounded, heap, |b| format::mib(Some(b as u64))),
    );
    Some(Claim::new(
        "bottleneck",
        "a bound barely changes the wall time (under 5%) and shortens the latency",
        text,
        most < 0.05 && b_hi < u_lo,
    ))
}

/// `polling/unbounded.md`: the unbounded depth figure, whose lines coincide.
fn depth(results: &Results) -> Option<Claim> {
    let series: Vec<(Pipeline, &Report, &[u64], u64)> = ALL
        .iter()
        .filter_map(|&v| {
            let run = results.run(Scenario::BOTTLENECK.name, None, v)?;
            let series = run.depth_series()?;
            Some((
                v,
                run.report()?,
                series.resize.as_slice(),
                series.interval_ms,
            ))
        })
        .collect();
    if series.len() < 2 {
        return None;
    }
    // The sample at which the last of the queues reaches its peak.
    let peak_at = |s: &[u64]| {
        let most = s.iter().copied().max().unwrap_or(0);
        s.iter().position(|&d| d == most).unwrap_or(0)
    };
    let (last, settled) = series
        .iter()
        .map(|(v, _, s, _)| (*v, peak_at(s)))
        .max_by_key(|&(_, at)| at)?;
    let len = series.iter().map(|(_, _, s, _)| s.len()).min()?;
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
        .max()?;
    let items = series[0].1.config.items;
    let reports: Vec<&Report> = series.iter().map(|(_, r, _, _)| *r).collect();
    let resize_peak = |r: &Report| r.stages.get(1).map_or(0.0, |s| s.queue_peak as f64);
    let close = (gap as f64) <= 0.1 * peak as f64;
    // "Nearly every frame then waits in the resize queue."
    let (fewest, _) = min_max(reports.iter().map(|r| resize_peak(r)));
    let nearly_all = fewest >= 0.9 * items as f64;
    let settled_s = settled as f64 * series[0].3 as f64 / 1000.0;
    let text = format!(
        "With unbounded queues the resize queue holds up to {} of the {} frames. From \
         the moment every queue has peaked ({} in; the last to peak is {}'s), the {} \
         lines of the unbounded figure are never more than {} items apart ({} of the \
         peak): they {}, so every pipeline, blocking or polling, piles the frames up the \
         same way. The markers tell them apart where they overlap.",
        range_of(&reports, resize_peak, |v| format::count(v as u64)),
        format::count(items),
        format::duration(settled_s),
        last.label,
        number(series.len()),
        format::count(gap),
        format::percent(gap as f64 / peak.max(1) as f64),
        if close {
            "lie on top of each other"
        } else {
            "differ"
        },
    );
    Some(Claim::new(
        "depth",
        "every pipeline's unbounded resize queue holds nearly every frame (90% or more) \
         and drains the same way (the lines coincide within 10% of the peak once they \
         have peaked)",
        text,
        close && nearly_all,
    ))
}

/// `backpressure/measured.md`: peak heap against items, unbounded and bounded.
fn sweep(results: &Results) -> Option<Claim> {
    let points = results.sweep();
    let pipeline = results.sweep_pipeline()?;
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    let unbounded: Vec<_> = points.iter().filter(|p| p.capacity.is_none()).collect();
    let bounded: Vec<_> = points.iter().filter(|p| p.capacity.is_some()).collect();
    let (first, last) = (unbounded.first()?, unbounded.last()?);
    let (b_lo, b_hi) = min_max(bounded.iter().map(|p| mib(p.peak_heap_bytes)));
    let grows =
        last.items > first.items && mib(last.peak_heap_bytes) > 1.5 * mib(first.peak_heap_bytes);
    let flat = b_lo.is_finite() && b_hi <= 1.2 * b_lo;
    let text = format!(
        "With {}, the unbounded pipeline's peak heap goes from {} MiB for {} items to {} \
         MiB for {}; the bounded one's stays between {b_lo:.2} and {b_hi:.2} MiB.",
        pipeline.label,
        format::mib(Some(first.peak_heap_bytes)),
        format::count(first.items),
        format::mib(Some(last.peak_heap_bytes)),
        format::count(last.items),
    );
    Some(Claim::new(
        "sweep",
        "the unbounded peak heap grows with the items while the bounded one stays flat \
         (within 20%)",
        text,
        grows && flat,
    ))
}

/// `choosing/caveats.md`: sleeps overshoot, and every blocking run is above its ideal.
fn sleeps(results: &Results) -> Option<Claim> {
    if results.sleep.is_empty() {
        return None;
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
    let (r_lo, r_hi) = min_max(ratios.iter().copied());
    if !r_lo.is_finite() {
        return None;
    }
    let text = format!(
        "Here every requested sleep lasted longer than asked, by {} on average, and every \
         blocking run of `camera` and `fanout` took {} times its ideal.",
        span(format::percent(o_lo), format::percent(o_hi)),
        span(format!("{r_lo:.3}"), format!("{r_hi:.3}")),
    );
    Some(Claim::new(
        "sleeps",
        "sleeps overshoot and every blocking run is above its ideal",
        text,
        o_lo > 0.0 && r_lo > 1.0,
    ))
}

/// `fanout/measured.md`: fan-out's threads against the cores, and its speed-up.
fn fanout(results: &Results) -> Option<Claim> {
    let camera = results.report(Scenario::CAMERA.name, None, REFERENCE)?;
    let fanout = results.report(Scenario::FANOUT.name, None, REFERENCE)?;
    let cpus = results.machine.cpus;
    let workers: usize = fanout.config.workers.iter().sum();
    let speedup = camera.wall_s / fanout.wall_s;
    let ideal = camera.ideal_wall_s? / fanout.ideal_wall_s?;
    let text = format!(
        "`fanout` runs {} worker threads, plus the camera and the main thread, on this \
         machine's {}: {}. They overlap well all the same, because the stages mostly \
         sleep, and a sleeping thread needs no core: with crossbeam, `fanout` took {} \
         against `camera`'s {}, {speedup:.2} times faster, where the ideal speed-up is \
         {ideal:.2} times.",
        number(workers),
        cores(cpus),
        against_cores(workers + 2, cpus),
        format::duration(fanout.wall_s),
        format::duration(camera.wall_s),
    );
    Some(Claim::new(
        "fanout",
        "fan-out over sleeping stages reaches its ideal speed-up (at least 90% of it)",
        text,
        speedup >= 0.9 * ideal,
    ))
}

/// The unbounded run of `scenario` of the first pipeline that has one: the threads
/// are the same in all of them.
fn any_unbounded(results: &Results, scenario: Scenario) -> Option<&Report> {
    ALL.iter()
        .find_map(|&p| results.report(scenario.name, None, p))
}

/// `choosing/caveats.md`: the cores against the threads.
fn caveats_cores(results: &Results) -> Option<Claim> {
    let cpus = results.machine.cpus;
    let book = any_unbounded(results, Scenario::BOOK)?;
    let threads = threads(book);
    let text = format!(
        "**{} cores.** The machine is described under every figure, and on [The \
         machine](machine.md). It has {}: a pipeline of three workers, a camera and a \
         main thread, {} threads, has {}.",
        capitalise(&number(cpus)),
        cores(cpus),
        number(threads),
        against_cores(threads, cpus),
    );
    Some(Claim::new("caveats-cores", "", text, true))
}

/// `choosing/caveats.md`: what `throughput` measures on these cores.
fn caveats_throughput(results: &Results) -> Option<Claim> {
    let cpus = results.machine.cpus;
    let r = any_unbounded(results, Scenario::THROUGHPUT)?;
    let threads = threads(r);
    let text = if threads > cpus {
        format!(
            "**{} busy threads on {} measure hand-off cost, not parallelism.** On \
             `throughput` the threads take turns on the cores; what differs between the \
             libraries is how cheaply a hand-off wakes the other side, and how they \
             behave when the thread they wake has no core to run on. On a machine with \
             {} or more the same run measures something else.",
            capitalise(&number(threads)),
            cores(cpus),
            cores(threads),
        )
    } else {
        format!(
            "**{} busy threads on {} run in parallel.** On `throughput` every thread \
             has a core of its own, so what differs between the libraries is how they \
             hand items between cores running at once, not how they share a core. On a \
             machine with fewer than {} the same run measures something else: threads \
             taking turns.",
            capitalise(&number(threads)),
            cores(cpus),
            cores(threads),
        )
    };
    Some(Claim::new("caveats-throughput", "", text, true))
}

/// Every claim these results support or contradict, in the order of the book.
pub fn all(results: &Results) -> Vec<Claim> {
    [
        book_polls(results),
        book_teardown(results),
        paced(results),
        depth(results),
        bottleneck(results),
        peaks(results, Scenario::BOTTLENECK.name, "bottleneck-peaks"),
        sweep(results),
        fanout(results),
        compare(results),
        differ_most(results),
        overhead_noise(results),
        peaks(results, Scenario::THROUGHPUT.name, "throughput-peaks"),
        sleeper_bounded(results),
        caveats_cores(results),
        caveats_throughput(results),
        sleeps(results),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// `reports/claims.md`: every claim under its anchor.
pub fn markdown(results: &Results) -> String {
    let mut out = String::from(
        "The book's comparative sentences, written by the report bench from \
         `results.json`; each page includes its own by anchor. A sentence that no longer \
         supports its page on this machine is flagged with ⚠.\n",
    );
    for claim in all(results) {
        let _ = write!(
            out,
            "\n<!-- ANCHOR: {0} -->\n{1}\n<!-- ANCHOR_END: {0} -->\n",
            claim.anchor,
            claim.markdown()
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::case::Outcome;
    use crate::data::json;

    fn committed() -> Results {
        let path = pipeline_book::workspace_root().join("reports/results.json");
        json::read_results(&path).expect("the committed reports/results.json")
    }

    #[test]
    fn every_claim_holds_in_the_committed_results() {
        // A reader's own results may not support a claim: the page then shows it
        // flagged, which is the point; only the committed snapshot must support all.
        if !pipeline_book::reports_are_the_snapshot(&pipeline_book::workspace_root()) {
            eprintln!("reports/ is not the committed snapshot: its claims are not judged");
            return;
        }
        let claims = all(&committed());
        let broken: Vec<String> = claims
            .iter()
            .filter(|c| !c.holds)
            .map(|c| {
                format!(
                    "`{}`: expects {}; the data says: {}",
                    c.anchor, c.expects, c.text
                )
            })
            .collect();
        assert!(
            broken.is_empty(),
            "claims the committed reports/results.json does not support:\n{}",
            broken.join("\n")
        );
    }

    #[test]
    fn every_page_claim_is_made() {
        let anchors: Vec<&str> = all(&committed()).iter().map(|c| c.anchor).collect();
        for anchor in [
            "book-polls",
            "book-teardown",
            "paced",
            "depth",
            "bottleneck",
            "bottleneck-peaks",
            "sweep",
            "sleeps",
            "fanout",
            "compare",
            "differ-most",
            "overhead-noise",
            "throughput-peaks",
            "sleeper-bounded",
            "caveats-cores",
            "caveats-throughput",
        ] {
            assert!(
                anchors.contains(&anchor),
                "no claim `{anchor}`: {anchors:?}"
            );
        }
    }

    #[test]
    fn the_committed_claims_are_the_ones_the_committed_results_give() {
        let root = pipeline_book::workspace_root();
        let committed_md =
            std::fs::read_to_string(root.join("reports/claims.md")).expect("reports/claims.md");
        assert_eq!(
            committed_md,
            markdown(&committed()),
            "reports/claims.md is stale: redraw it with `cargo bench -p pipeline-bench \
             --bench report -- --from-results reports/results.json`"
        );
    }

    #[test]
    fn core_count_sentences_follow_the_machine() {
        let two = committed();
        assert_eq!(
            two.machine.cpus, 2,
            "the committed results are from two cores"
        );
        let mut four = two.clone();
        four.machine.cpus = 4;
        let mut many = two.clone();
        many.machine.cpus = 32;
        let text = |r: &Results, anchor: &str| {
            all(r)
                .into_iter()
                .find(|c| c.anchor == anchor)
                .map(|c| c.markdown())
                .unwrap()
        };
        for anchor in ["caveats-cores", "caveats-throughput", "fanout"] {
            assert!(
                text(&two, anchor).contains("two cores"),
                "{}",
                text(&two, anchor)
            );
            assert!(
                text(&four, anchor).contains("four cores"),
                "{}",
                text(&four, anchor)
            );
            assert!(!text(&four, anchor).contains("two cores"));
        }
        // Five threads on four cores are still more than the cores; on 32 they are not.
        assert!(text(&four, "caveats-cores").contains("more threads than cores"));
        assert!(text(&many, "caveats-cores").contains("fewer threads than cores"));
        assert!(text(&four, "caveats-throughput").contains("measure hand-off cost"));
        assert!(text(&many, "caveats-throughput").contains("run in parallel"));
        assert!(text(&many, "fanout").contains("fewer threads than cores"));
        assert_ne!(markdown(&two), markdown(&four));
    }

    #[test]
    fn a_claim_the_data_contradicts_is_flagged_in_the_page() {
        let mut results = committed();
        // Make the bounded bottleneck runs twice as long: "the wall time barely
        // changes" no longer holds.
        for run in &mut results.runs {
            if run.case.scenario == Scenario::BOTTLENECK.name
                && run.case.config.capacity.is_some()
                && let Outcome::Report { report, .. } = &mut run.outcome
            {
                report.wall_s *= 2.0;
            }
        }
        let claim = all(&results)
            .into_iter()
            .find(|c| c.anchor == "bottleneck")
            .unwrap();
        assert!(!claim.holds);
        assert!(claim.markdown().starts_with("> **⚠ Not on this machine:**"));
        assert!(markdown(&results).contains("⚠ Not on this machine"));
    }
}

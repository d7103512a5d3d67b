//! The markdown tables of `reports/tables/`, one file per table, for the book.

use pipeline_core::{Report, Scenario};
use pipeline_present::{Align, Table};

use crate::data::goals::{BY_HAND_TARGET, CORES_BUSY_MIN_WALL_S, OVERHEAD_TARGET};
use crate::data::results::{Results, Verdict};
use crate::data::sleep;
use crate::format;
use pipeline_registry::ALL;

pub mod channel_hop;
pub mod crowd;
pub mod hop;
pub mod parallel;

/// The first clause of why a run could not be made here (`redis-server not
/// found`), for a table's cell; the whole reason goes below the table.
pub(crate) fn short_reason(why: &str) -> &str {
    why.split(':').next().unwrap_or(why).trim()
}

/// The cell of a run that could not be made here.
pub(crate) fn not_run_cell(why: &str) -> String {
    format!("not run here: {}", short_reason(why))
}

/// The lines below a table for the runs that could not be made here: each
/// reason once, with whose runs it stopped.
pub(crate) fn not_run_notes(reasons: &[(String, String)]) -> String {
    let mut text = String::new();
    let mut seen: Vec<&str> = Vec::new();
    for (_, why) in reasons {
        if seen.contains(&why.as_str()) {
            continue;
        }
        seen.push(why);
        let whose: Vec<&str> = reasons
            .iter()
            .filter(|(_, w)| w == why)
            .map(|(who, _)| who.as_str())
            .fold(Vec::new(), |mut v, who| {
                if !v.contains(&who) {
                    v.push(who);
                }
                v
            });
        text.push_str(&format!("\n*{} not run here: {why}.*\n", whose.join(", ")));
    }
    text
}

/// A markdown table from a header and rows.
pub(crate) fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    // Names on the left, numbers on the right.
    let mut table = Table::new(header.iter().enumerate().map(|(i, &name)| {
        let text = i == 0
            || matches!(
                name,
                "pipeline" | "scenario" | "hand-off" | "fastest in process" | "threads" | "queue"
            );
        (name, if text { Align::Left } else { Align::Right })
    }));
    for row in rows {
        table.row(row.iter().map(String::as_str));
    }
    table.to_markdown()
}

/// "Cores busy" (process CPU time over wall time), or `–` for a run shorter than
/// [`CORES_BUSY_MIN_WALL_S`].
fn cores_busy(report: &Report) -> String {
    if report.wall_s >= CORES_BUSY_MIN_WALL_S {
        format!("{:.2}", report.process_cpu_s / report.wall_s)
    } else {
        format::MISSING.into()
    }
}

/// The tables of one scenario: every pipeline on every capacity it ran with, each the
/// median run ([`Results::run`]). Three narrow tables rather than one wide one, so
/// that each fits the book's column: time, CPU and polls; latency; queues and memory.
pub fn scenario_table(results: &Results, scenario: &str) -> String {
    let mut time = Vec::new();
    let mut latency = Vec::new();
    let mut memory = Vec::new();
    let mut counts = Vec::new();
    let mut not_run: Vec<(String, String)> = Vec::new();
    let mut shown: Vec<(pipeline_registry::Pipeline, &Report)> = Vec::new();
    for capacity in results.capacities(scenario) {
        for &pipeline in ALL {
            let Some(r) = results.report(scenario, capacity, pipeline) else {
                if let Some(why) = results.not_run(scenario, capacity, pipeline) {
                    let mut row = vec![
                        pipeline.label.to_string(),
                        format::capacity(capacity),
                        not_run_cell(why),
                    ];
                    row.resize(7, format::MISSING.into());
                    time.push(row);
                    not_run.push((pipeline.label.to_string(), why.to_string()));
                }
                continue;
            };
            shown.push((pipeline, r));
            counts.push((
                pipeline,
                results.runs_of(scenario, capacity, pipeline).len(),
            ));
            let who = vec![pipeline.label.to_string(), format::capacity(capacity)];
            time.push(
                [
                    who.clone(),
                    vec![
                        format::duration(r.wall_s),
                        format::duration(r.process_cpu_s),
                        cores_busy(r),
                        format::count(r.total_polls()),
                        format!("{:.2}", r.total_polls() as f64 / r.items_in.max(1) as f64),
                    ],
                ]
                .concat(),
            );
            latency.push(
                [
                    who.clone(),
                    vec![
                        format::micros(r.latency_us.p50),
                        format::micros(r.latency_us.p99),
                        format::micros(r.latency_us.max),
                    ],
                ]
                .concat(),
            );
            let peaks = r.stages.iter().map(|s| format::count(s.queue_peak));
            memory.push(
                [
                    who,
                    peaks.collect(),
                    vec![
                        format::mib(r.peak_heap_bytes),
                        format::mib(r.max_rss_bytes),
                        format::mib(r.broker_peak_bytes),
                    ],
                ]
                .concat(),
            );
        }
    }
    let time_header = [
        "pipeline",
        "queues",
        "wall",
        "CPU",
        "cores busy",
        "polls",
        "polls per item",
    ];
    let latency_header = ["pipeline", "queues", "latency p50", "p99", "max"];
    let memory_header = [
        "pipeline",
        "queues",
        "peak in download queue",
        "in resize queue",
        "in upload queue",
        "peak heap (MiB)",
        "max RSS (MiB)",
        "broker's peak (MiB)",
    ];
    format!(
        "*Time, CPU and polls:*\n\n{}{}{}\n*Latency per item, from entering the \
         download queue to arriving at done:*\n\n{}\n*Queue peaks (items) and memory:*\n\n{}",
        table(&time_header, &time),
        fewer_items_notes(&shown),
        not_run_notes(&not_run),
        table(&latency_header, &latency),
        table(&memory_header, &memory),
    )
}

/// A line below the time table for each run with fewer items than the others
/// of its bound (a broker's, where the preset's count would take minutes): how
/// many, and its wall and CPU time per item against the others', so that no
/// total is set beside a larger one unsaid.
fn fewer_items_notes(shown: &[(pipeline_registry::Pipeline, &Report)]) -> String {
    let mut text = String::new();
    for &(pipeline, r) in shown {
        let others: Vec<&Report> = shown
            .iter()
            .filter(|(p, o)| *p != pipeline && o.config.capacity == r.config.capacity)
            .map(|(_, o)| *o)
            .collect();
        let most = others.iter().map(|o| o.items_in).max().unwrap_or(0);
        if r.items_in >= most {
            continue;
        }
        let per_item = |o: &Report| o.wall_s / o.items_in.max(1) as f64;
        let (lo, hi) = others
            .iter()
            .filter(|o| o.items_in == most)
            .map(|o| per_item(o))
            .fold((f64::INFINITY, 0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
        let bound = match r.config.capacity {
            Some(_) => format!(" ({})", format::capacity(r.config.capacity)),
            None => String::new(),
        };
        text.push_str(&format!(
            "\n*{}{bound}: {} items, the others {}: its wall and CPU are for those. \
             Per item, {} wall and {} CPU; the others {}–{} wall.*\n",
            pipeline.label,
            format::count(r.items_in),
            format::count(most),
            format::per_item(per_item(r)),
            format::per_item(r.process_cpu_s / r.items_in.max(1) as f64),
            format::per_item(lo),
            format::per_item(hi),
        ));
    }
    text
}

/// A verdict's word in a table.
fn verdict_word(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Within => "within",
        Verdict::Over => "over",
        Verdict::Unclear => "unclear",
        Verdict::TooFewRuns => format::MISSING,
    }
}

/// `low–high` of a range of seconds.
fn secs_range((low, high): (f64, f64)) -> String {
    format!("{}–{}", format::secs(low), format::secs(high))
}

/// The rows of [`overhead_table`] and of [`floor_table`], from one pass over the
/// `throughput` configs.
fn overhead_rows(results: &Results) -> (Vec<Vec<String>>, Vec<Vec<String>>) {
    let mut rows = Vec::new();
    let mut by_hand_rows = Vec::new();
    for capacity in results.capacities(Scenario::THROUGHPUT.name) {
        for &pipeline in ALL {
            let Some(o) = results.overhead(capacity, pipeline) else {
                continue;
            };
            let ns = o.ns_per_handoff();
            rows.push(vec![
                pipeline.label.to_string(),
                format::capacity(capacity),
                format!(
                    "{} ({})",
                    format::secs(o.instrumented_s),
                    secs_range(o.instrumented_range)
                ),
                format!("{} ({})", format::secs(o.bare_s), secs_range(o.bare_range)),
                format!(
                    "{} ({}–{})",
                    format::ratio(o.ratio()),
                    format::ratio(o.ratio_range.0),
                    format::ratio(o.ratio_range.1)
                ),
                if ns.is_finite() {
                    format!("{ns:.0} ns")
                } else {
                    format::MISSING.into()
                },
                verdict_word(o.verdict(OVERHEAD_TARGET)).to_string(),
                o.runs.to_string(),
            ]);
            if let Some((by_hand_s, by_hand_range)) = o.by_hand {
                let low = o.bare_range.0 / by_hand_range.1;
                let high = o.bare_range.1 / by_hand_range.0;
                by_hand_rows.push(vec![
                    format::capacity(capacity),
                    format!("{} ({})", format::secs(o.bare_s), secs_range(o.bare_range)),
                    format!(
                        "{} ({})",
                        format::secs(by_hand_s),
                        secs_range(by_hand_range)
                    ),
                    format!(
                        "{} ({}–{})",
                        format::ratio(o.bare_s / by_hand_s),
                        format::ratio(low),
                        format::ratio(high)
                    ),
                    verdict_word(Verdict::of((low, high), BY_HAND_TARGET)).to_string(),
                ]);
            }
        }
    }
    (rows, by_hand_rows)
}

/// Instrumented against bare on `throughput`: what the probes cost, each pipeline
/// against itself with the probes compiled away (what the columns mean is on the
/// book's page).
pub fn overhead_table(results: &Results) -> String {
    let goal = format!("≤ {OVERHEAD_TARGET}×");
    let header = [
        "pipeline",
        "queues",
        "instrumented (s), min–max",
        "bare (s), min–max",
        "instrumented / bare, median (pairs min–max)",
        "probe cost per hand-off",
        &goal,
        "pairs",
    ];
    table(&header, &overhead_rows(results).0)
}

/// The floor: the bare crossbeam pipeline against the one written by hand, run in
/// the same passes (empty when it did not run).
pub fn floor_table(results: &Results) -> String {
    let by_hand_rows = overhead_rows(results).1;
    if by_hand_rows.is_empty() {
        return String::new();
    }
    let header = [
        "queues",
        "crossbeam bare (s), min–max",
        "by hand (s), min–max",
        "bare / by hand (extremes)",
        &format!("≤ {BY_HAND_TARGET}×"),
    ];
    table(&header, &by_hand_rows)
}

/// Camera and fanout: measured wall time against the ideal, with and without the
/// timer's overshoot, and the bottleneck stage's utilisation.
pub fn timing_table(results: &Results) -> String {
    let header = [
        "scenario",
        "pipeline",
        "wall (s)",
        "ideal (s)",
        "wall / ideal",
        "ideal with measured sleeps (s)",
        "wall / that",
        "gap explained by sleep overshoot",
        "resize busy",
    ];
    let mut rows = Vec::new();
    for scenario in [Scenario::CAMERA.name, Scenario::FANOUT.name] {
        for capacity in results.capacities(scenario) {
            for &pipeline in ALL {
                let Some(r) = results.report(scenario, capacity, pipeline) else {
                    continue;
                };
                let ideal = r.ideal_wall_s.unwrap_or(f64::NAN);
                let timer = sleep::ideal_with_measured_sleeps(&r.config, &results.sleep)
                    .unwrap_or(f64::NAN);
                let explained = (timer - ideal) / (r.wall_s - ideal);
                rows.push(vec![
                    scenario.to_string(),
                    pipeline.label.to_string(),
                    format::secs(r.wall_s),
                    format::secs(ideal),
                    format::ratio3(r.wall_s / ideal),
                    format::secs(timer),
                    format::ratio3(r.wall_s / timer),
                    format::percent(explained.min(1.0)),
                    format::percent(r.bottleneck_utilisation().unwrap_or(f64::NAN)),
                ]);
            }
        }
    }
    table(&header, &rows)
}

/// How long the operating system's sleeps really last.
pub fn sleep_table(results: &Results) -> String {
    let header = [
        "requested (ms)",
        "sleeps",
        "mean (ms)",
        "median (ms)",
        "max (ms)",
        "overshoot (ms)",
        "overshoot",
    ];
    let rows: Vec<Vec<String>> = results
        .sleep
        .iter()
        .map(|s| {
            vec![
                format!("{}", s.requested_ms),
                s.samples.to_string(),
                format!("{:.3}", s.mean_ms),
                format!("{:.3}", s.p50_ms),
                format!("{:.3}", s.max_ms),
                format!("{:.3}", s.overshoot_ms()),
                format::percent(s.overshoot_ms() / s.requested_ms),
            ]
        })
        .collect();
    table(&header, &rows)
}

/// Peak heap against item count, unbounded and bounded.
pub fn sweep_table(results: &Results) -> String {
    let header = ["items", "queues", "peak heap (MiB)", "max RSS (MiB)"];
    let rows: Vec<Vec<String>> = results
        .sweep()
        .iter()
        .map(|p| {
            vec![
                format::count(p.items),
                format::capacity(p.capacity),
                format::mib(Some(p.peak_heap_bytes)),
                format::mib(Some(p.max_rss_bytes)),
            ]
        })
        .collect();
    table(&header, &rows)
}

/// Every table file: (file name, markdown).
pub fn all(results: &Results) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = Vec::new();
    let mut seen = Vec::new();
    for (scenario, _) in results.scenario_configs() {
        if !seen.contains(&scenario) {
            files.push((format!("{scenario}.md"), scenario_table(results, &scenario)));
            seen.push(scenario);
        }
    }
    files.push(("overhead.md".into(), overhead_table(results)));
    files.push(("floor.md".into(), floor_table(results)));
    files.push(("timing.md".into(), timing_table(results)));
    files.push(("sleep.md".into(), sleep_table(results)));
    files.push(("sweep.md".into(), sweep_table(results)));
    files.push(("concurrency.md".into(), crowd::table(results)));
    files.push(("hop.md".into(), hop::table(results)));
    files.push(("hop-channels.md".into(), channel_hop::table(results)));
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The page of the book that explains the tables of `page`, as one line of text.
    fn book_page(page: &str) -> String {
        let path = pipeline_book::workspace_root().join("book/src").join(page);
        let text = std::fs::read_to_string(&path).expect("a page of the book");
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// The captions of the tables are in the book; the goals and counts they name are
    /// the ones the tables are computed with.
    #[test]
    fn the_captions_in_the_book_name_the_goals_the_tables_use() {
        use crate::data::goals::{OVERHEAD_STRETCH, UTILISATION_TARGET};
        use crate::data::results::{HANDOFFS_PER_ITEM, MIN_PAIRS};
        let throughput = book_page("choosing/throughput.md");
        for said in [
            format!(
                "\"≤ {OVERHEAD_TARGET}×\" is the goal of at most {:.0}% added",
                (OVERHEAD_TARGET - 1.0) * 100.0
            ),
            format!("over {HANDOFFS_PER_ITEM} hand-offs per item"),
            format!("fewer than {MIN_PAIRS} pairs"),
            format!("on bounded queues is {OVERHEAD_STRETCH}×"),
            "{{#report tables/floor.md}}".to_string(),
        ] {
            assert!(throughput.contains(&said), "choosing/throughput.md: {said}");
        }
        let fanout = book_page("fanout/measured.md");
        let goal = format!(
            "at least {:.0}% for every blocking backend whose queues are in the process \
             (every pipeline but the two pollers and Redis",
            UTILISATION_TARGET * 100.0,
        );
        let pollers = ALL.iter().filter(|p| !p.blocks()).count();
        assert_eq!(pollers, 2, "the page counts the pollers");
        let brokered = ALL.iter().filter(|p| p.backend.broker.is_some()).count();
        assert_eq!(brokered, 1, "the page names the one pipeline with a broker");
        assert!(fanout.contains(&goal), "fanout/measured.md: {goal}");
        let results = crate::data::json::read_results(
            &pipeline_book::workspace_root().join("reports/results.json"),
        )
        .expect("the committed reports/results.json");
        let swept = results.sweep_pipeline().expect("the committed sweep");
        let sweep = format!("on `bottleneck` ({}): an unbounded queue", swept.label);
        assert!(
            book_page("backpressure/measured.md").contains(&sweep),
            "backpressure/measured.md: {sweep}"
        );
    }
}

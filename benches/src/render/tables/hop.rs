//! `tables/hop.md`: the cost of one hop alone, through each in-process channel and
//! through the broker (one item at a time, and in batches), against the server's
//! own rate for the same commands; then, where the stages wait, how much of the
//! broker's cost the waits hide.

use pipeline_core::{Report, Scenario};

use crate::data::goals::{BROKER_CEILING_TARGET, BROKER_HOP_TARGET_S, BROKER_WAITS_TARGET};
use crate::data::hop::{Mode, ceiling, ceiling_not_run, not_run, points};
use crate::data::results::Results;
use crate::format;
use crate::render::tables::{not_run_cell, not_run_notes, table as markdown};
use pipeline_registry::{ALL, Pipeline};

/// How a mode hands over, in a table's words.
fn mode_label(pipeline: Pipeline, mode: Mode) -> String {
    match (pipeline.backend.broker, mode) {
        (None, _) => "one at a time: a send, a receive".into(),
        (Some(kind), Mode::OneAtATime) => (kind.hand_off)(None),
        (Some(kind), Mode::Batched(n)) => (kind.hand_off)(Some(n)),
    }
}

/// `a`, `a and b`, `a, b and c`.
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// Whether a goal is met.
fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "missed" }
}

/// `tables/hop.md` (empty when no hop ran or was tried).
pub fn table(results: &Results) -> String {
    let points = points(results);
    let missing = not_run(results);
    if points.is_empty() && missing.is_empty() {
        return String::new();
    }
    let runs = points.iter().map(|p| p.runs).max().unwrap_or(0);
    let mut rows = Vec::new();
    for point in &points {
        rows.push(vec![
            point.pipeline.label.to_string(),
            mode_label(point.pipeline, point.mode),
            format::count(point.items),
            format::per_item(point.per_item_s),
            format::count(point.items_per_s().round() as u64),
            point
                .ceiling_items_per_s
                .map_or(format::MISSING.into(), |c| format::count(c.round() as u64)),
            point
                .of_ceiling()
                .map_or(format::MISSING.into(), format::percent),
        ]);
    }
    let mut reasons = Vec::new();
    for &(pipeline, why) in &missing {
        let mut row = vec![pipeline.label.to_string(), not_run_cell(why)];
        row.resize(7, format::MISSING.into());
        rows.push(row);
        reasons.push((pipeline.label.to_string(), why.to_string()));
    }
    let header = [
        "pipeline",
        "hand-off",
        "items",
        "per item",
        "items per second",
        "server's rate for the same commands (items/s)",
        "of the server's rate",
    ];
    let mut text = format!(
        "*One hop alone: a producer thread puts the items on one queue, a consumer \
         thread takes them (the median of {runs} runs):*\n\n{}",
        markdown(&header, &rows)
    );
    text.push_str(&not_run_notes(&reasons));
    if let Some(c) = ceiling(results) {
        let rates: Vec<String> = c
            .rates
            .iter()
            .map(|r| format!("{} {}", format::count(r.per_s.round() as u64), r.command))
            .collect();
        text.push_str(&format!(
            "\n*The server's rate: {} on the same server, {} requests per round trip, \
             answered {} per second: a hop's items per second if the server did nothing \
             but its commands.",
            c.program,
            c.pipelined,
            and_list(&rates),
        ));
        if let Some(r) = &c.round_trip {
            let trips: f64 = c.rates.iter().map(|r| r.per_item[0]).sum();
            text.push_str(&format!(
                " One client waiting for each reply got {} {} per second, a round trip \
                 of {}: an item by item hop waits for {}.",
                format::count(r.per_s.round() as u64),
                r.command,
                format::per_item(1.0 / r.per_s),
                format::count(trips.round() as u64),
            ));
        }
        text.push_str("*\n");
    } else if let Some(why) = ceiling_not_run(results) {
        text.push_str(&format!("\n*The server's rate: not run here: {why}.*\n"));
    }
    let batched = points
        .iter()
        .find(|p| p.pipeline.backend.broker.is_some() && matches!(p.mode, Mode::Batched(_)));
    if let Some(b) = batched {
        let mut goals = format!(
            "\n*Goals: a batched hop at most {} per item ({}: {})",
            format::per_item(BROKER_HOP_TARGET_S),
            format::per_item(b.per_item_s),
            verdict(b.per_item_s <= BROKER_HOP_TARGET_S),
        );
        if let Some(of) = b.of_ceiling() {
            goals.push_str(&format!(
                ", at least {} of the server's rate ({}: {})",
                format::percent(BROKER_CEILING_TARGET),
                format::percent(of),
                verdict(of >= BROKER_CEILING_TARGET),
            ));
        }
        goals.push_str(".*\n");
        text.push_str(&goals);
    }
    let waits = waits_table(results);
    if !waits.is_empty() {
        text.push_str(&format!(
            "\n*Where the stages wait, the broker's wall time against the fastest \
             in-process pipeline's:*\n\n{waits}"
        ));
    }
    text
}

/// The fastest pipeline without a broker on `scenario`'s first bound, and its run.
pub(crate) fn fastest_in_process<'a>(
    results: &'a Results,
    scenario: &str,
) -> Option<(Pipeline, &'a Report)> {
    let capacity = *results.capacities(scenario).first()?;
    ALL.iter()
        .filter(|p| p.backend.broker.is_none())
        .filter_map(|&p| Some((p, results.report(scenario, capacity, p)?)))
        .min_by(|a, b| a.1.wall_s.total_cmp(&b.1.wall_s))
}

/// `camera` and `fanout`: each broker's wall time over the fastest in-process
/// pipeline's, against [`BROKER_WAITS_TARGET`].
fn waits_table(results: &Results) -> String {
    let goal = format!("≤ {}", format::ratio(BROKER_WAITS_TARGET));
    let header = [
        "scenario",
        "pipeline",
        "wall",
        "fastest in process",
        "its wall",
        "wall / fastest's",
        goal.as_str(),
    ];
    let mut rows = Vec::new();
    let mut reasons = Vec::new();
    for scenario in [Scenario::CAMERA.name, Scenario::FANOUT.name] {
        let Some((fastest, theirs)) = fastest_in_process(results, scenario) else {
            continue;
        };
        let Some(&capacity) = results.capacities(scenario).first() else {
            continue;
        };
        for &pipeline in ALL.iter().filter(|p| p.backend.broker.is_some()) {
            let mut row = vec![scenario.to_string(), pipeline.label.to_string()];
            match results.report(scenario, capacity, pipeline) {
                Some(r) => {
                    let ratio = r.wall_s / theirs.wall_s;
                    row.extend([
                        format::duration(r.wall_s),
                        fastest.label.to_string(),
                        format::duration(theirs.wall_s),
                        format::ratio3(ratio),
                        verdict(ratio <= BROKER_WAITS_TARGET).to_string(),
                    ]);
                }
                None => {
                    let Some(why) = results.not_run(scenario, capacity, pipeline) else {
                        continue;
                    };
                    row.push(not_run_cell(why));
                    row.resize(header.len(), format::MISSING.into());
                    reasons.push((pipeline.label.to_string(), why.to_string()));
                }
            }
            rows.push(row);
        }
    }
    if rows.is_empty() {
        return String::new();
    }
    format!("{}{}", markdown(&header, &rows), not_run_notes(&reasons))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::case::Outcome;
    use crate::data::hop::tests::hops;

    #[test]
    fn the_hop_table_has_a_row_per_way_and_the_server_s_rates() {
        let text = table(&hops());
        assert!(text.contains("| crossbeam "), "{text}");
        assert!(text.contains("batches of 10: 10 XADDs pipelined"), "{text}");
        // 40 µs per item, a quarter of 100,000 items/s.
        assert!(text.contains("| 40.0 µs "), "{text}");
        assert!(
            text.contains("| 25.0% |") || text.contains("| 25% |"),
            "{text}"
        );
        assert!(
            text.contains("redis-benchmark on the same server, 16 requests"),
            "{text}"
        );
        assert!(
            text.contains("*Goals: a batched hop at most 10.0 µs per item"),
            "{text}"
        );
    }

    #[test]
    fn a_hop_without_redis_benchmark_says_its_rate_was_not_run_here() {
        let mut results = hops();
        if let Outcome::Hop { hop } = &mut results.runs[1].outcome {
            hop.ceiling = None;
            hop.ceiling_not_run = Some("redis-benchmark not found: it comes with …".into());
        }
        let text = table(&results);
        assert!(
            text.contains("*The server's rate: not run here: redis-benchmark not found"),
            "{text}"
        );
        // The hop itself is there, its fraction of the rate is not.
        assert!(text.contains("| 40.0 µs | 25,000 | – | – |"), "{text}");
    }

    #[test]
    fn a_hop_without_its_broker_reads_not_run_here() {
        let mut results = hops();
        results.runs[1].outcome = Outcome::NotRun {
            not_run: "redis-server not found: install Debian's `redis-server` package".into(),
        };
        let text = table(&results);
        assert!(
            text.contains("| redis | not run here: redis-server not found |"),
            "{text}"
        );
        assert!(
            text.contains("*redis not run here: redis-server not found: install"),
            "{text}"
        );
        assert!(!text.contains("Goals"), "{text}");
    }
}

//! `summary.csv`: one row per run, instrumented or bare, written with the `csv` crate.

use serde::Serialize;

use crate::data::case::{CaseResult, Outcome};
use crate::data::results::Results;

/// One row of `summary.csv`; the field names are the columns. A bare run leaves the
/// columns its run does not measure empty.
#[derive(Serialize)]
struct Row<'a> {
    scenario: &'a str,
    kind: crate::data::case::CaseKind,
    #[serde(rename = "variant")]
    pipeline: &'a str,
    backend: &'a str,
    poll_sleep_ms: Option<u64>,
    capacity: Option<usize>,
    items: u64,
    workers: String,
    repeat: u32,
    items_out: u64,
    failed: Option<u64>,
    wall_s: String,
    ideal_wall_s: Option<String>,
    wall_over_ideal: Option<String>,
    process_cpu_s: String,
    total_polls: Option<u64>,
    polls_per_item: Option<String>,
    latency_p50_us: Option<u64>,
    latency_p99_us: Option<u64>,
    latency_max_us: Option<u64>,
    queue_peak_download: Option<u64>,
    queue_peak_resize: Option<u64>,
    queue_peak_upload: Option<u64>,
    peak_heap_bytes: Option<u64>,
    max_rss_bytes: Option<u64>,
    broker_peak_bytes: Option<u64>,
    bottleneck_utilisation: Option<String>,
}

impl<'a> Row<'a> {
    fn of(run: &'a CaseResult) -> Row<'a> {
        let case = &run.case;
        let config = &case.config;
        let [d, r, u] = config.workers;
        let mut row = Row {
            scenario: &case.scenario,
            kind: case.kind,
            pipeline: case.pipeline.id,
            backend: case.pipeline.backend.name,
            poll_sleep_ms: config.poll_sleep_ms,
            capacity: config.capacity,
            items: config.items,
            workers: format!("{d}/{r}/{u}"),
            repeat: case.repeat,
            items_out: 0,
            failed: None,
            wall_s: String::new(),
            ideal_wall_s: None,
            wall_over_ideal: None,
            process_cpu_s: String::new(),
            total_polls: None,
            polls_per_item: None,
            latency_p50_us: None,
            latency_p99_us: None,
            latency_max_us: None,
            queue_peak_download: None,
            queue_peak_resize: None,
            queue_peak_upload: None,
            peak_heap_bytes: None,
            max_rss_bytes: None,
            broker_peak_bytes: None,
            bottleneck_utilisation: None,
        };
        match &run.outcome {
            Outcome::Report { report, .. } => {
                let peak = |i: usize| report.stages.get(i).map(|s| s.queue_peak);
                let polls = report.total_polls();
                Row {
                    items_out: report.items_out,
                    failed: Some(report.failed),
                    wall_s: format!("{:.6}", report.wall_s),
                    ideal_wall_s: report.ideal_wall_s.map(|s| format!("{s:.6}")),
                    wall_over_ideal: report
                        .ideal_wall_s
                        .map(|s| format!("{:.4}", report.wall_s / s)),
                    process_cpu_s: format!("{:.6}", report.process_cpu_s),
                    total_polls: Some(polls),
                    polls_per_item: Some(format!(
                        "{:.4}",
                        polls as f64 / report.items_in.max(1) as f64
                    )),
                    latency_p50_us: Some(report.latency_us.p50),
                    latency_p99_us: Some(report.latency_us.p99),
                    latency_max_us: Some(report.latency_us.max),
                    queue_peak_download: peak(0),
                    queue_peak_resize: peak(1),
                    queue_peak_upload: peak(2),
                    peak_heap_bytes: report.peak_heap_bytes,
                    max_rss_bytes: report.max_rss_bytes,
                    broker_peak_bytes: report.broker_peak_bytes,
                    bottleneck_utilisation: report
                        .bottleneck_utilisation()
                        .map(|u| format!("{u:.4}")),
                    ..row
                }
            }
            Outcome::Bare { bare } => {
                row.items_out = bare.items_out;
                row.wall_s = format!("{:.6}", bare.wall_s);
                row.process_cpu_s = format!("{:.6}", bare.process_cpu_s);
                row
            }
            // One hop alone: its items and the median of its unbatched runs; the
            // hop table has the rest.
            Outcome::Hop { hop } => {
                row.items_out = hop.items;
                row.wall_s = format!(
                    "{:.6}",
                    crate::data::results::median(hop.unbatched_s.clone())
                );
                row
            }
            // A channel's hop under every condition: its streamed items; the
            // channels' hop table has each condition's time.
            Outcome::ChannelHop { channel_hop } => {
                row.items_out = channel_hop.items;
                row
            }
            // Refused before it started, or not run here: every measure is empty.
            Outcome::Refused { .. } | Outcome::TimedOut { .. } | Outcome::NotRun { .. } => row,
        }
    }
}

/// `summary.csv`: one row per run, instrumented or bare.
pub fn summary_csv(results: &Results) -> String {
    let mut csv = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    for run in &results.runs {
        csv.serialize(Row::of(run)).expect("a row serializes");
    }
    let bytes = csv.into_inner().expect("writing to memory cannot fail");
    String::from_utf8(bytes).expect("every cell is UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::results::tests::one_run;

    #[test]
    fn a_bare_run_leaves_what_it_does_not_measure_empty() {
        let csv = summary_csv(&one_run());
        let mut lines = csv.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        let row: Vec<&str> = lines.next().unwrap().split(',').collect();
        assert_eq!(header.len(), 27);
        assert_eq!(row.len(), header.len(), "{csv}");
        let cell = |name: &str| row[header.iter().position(|h| *h == name).unwrap()];
        assert_eq!(cell("kind"), "bare");
        assert_eq!(cell("variant"), pipeline_registry::REFERENCE.id);
        assert_eq!(cell("wall_s"), "1.500000");
        assert_eq!(cell("failed"), "");
        assert_eq!(cell("bottleneck_utilisation"), "");
        assert_eq!(cell("broker_peak_bytes"), "");
        assert_eq!(lines.next(), None);
    }
}

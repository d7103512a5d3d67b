//! Items per second on `throughput`, instrumented against bare.

use std::path::Path;

use pipeline_core::Scenario;
use plotters::prelude::*;

use crate::data::results::Results;
use crate::format;
use crate::render::figures::chart::*;
use pipeline_registry::REFERENCE;

/// Items per second on `throughput`, with the bare pipeline as a mark on each bar.
pub(crate) fn throughput(results: &Results, path: &Path) -> anyhow::Result<()> {
    let capacities = results.capacities(Scenario::THROUGHPUT.name);
    let mut chart = bars("", "queues", "items per second (millions)", Scale::Linear);
    chart.categories = capacities.iter().map(|&c| bound_label(c)).collect();
    // The pipelines timed against their bare twins (not one with a broker).
    let timed: Vec<_> = ran(results)
        .into_iter()
        .filter(|&v| capacities.iter().any(|&c| results.overhead(c, v).is_some()))
        .collect();
    for (s, &v) in timed.iter().enumerate() {
        let mut values = Vec::new();
        for (c, &capacity) in capacities.iter().enumerate() {
            let overhead = results.overhead(capacity, v);
            values.push(overhead.map(|o| o.items as f64 / o.instrumented_s / 1e6));
            if let Some(o) = overhead {
                chart.marks.push((c, s, o.items as f64 / o.bare_s / 1e6));
                chart.notes.push((c, s, format::ratio(o.ratio())));
            }
        }
        chart.series.push((v, values));
    }
    let mut legend = pipeline_legend(&timed, Swatch::Box);
    legend.push((Swatch::Line(BLACK), "bare pipeline, no probes".into()));
    let items = results
        .report(Scenario::THROUGHPUT.name, None, REFERENCE)
        .map_or(0, |r| r.config.items);
    with_panels(
        path,
        (WIDTH, 520),
        &format!(
            "Throughput, {} empty items (instrumented / bare above each bar)",
            format::count(items)
        ),
        &legend,
        1,
        |areas| chart.draw(&areas[0]),
    )
}

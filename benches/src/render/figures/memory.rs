//! Memory on `bottleneck`: peak heap (with a broker's server's peak beside its
//! pipeline's) and max RSS, unbounded against bounded, and peak heap against item
//! count.

use std::path::Path;

use pipeline_core::Scenario;

use crate::data::results::Results;
use crate::render::figures::chart::*;
use pipeline_registry::{Pipeline, REFERENCE};

/// One of the memory measures on `bottleneck`, unbounded against bounded.
pub(crate) fn memory(
    results: &Results,
    path: &Path,
    what: &str,
    y_label: &str,
    get: fn(&pipeline_core::Report) -> Option<u64>,
    with_servers: bool,
) -> anyhow::Result<()> {
    let capacities = results.capacities(Scenario::BOTTLENECK.name);
    let configs: Vec<(String, Option<usize>)> = capacities
        .iter()
        .map(|c| (Scenario::BOTTLENECK.name.to_string(), *c))
        .collect();
    let mut chart = bars("", "queues", y_label, Scale::Linear);
    chart.categories = capacities.iter().map(|&c| bound_label(c)).collect();
    chart.series = per_config(results, &configs, |r| {
        get(r).map(|b| b as f64 / (1024.0 * 1024.0))
    });
    chart.value_labels = true;
    // Eleven bars a group: a label no wider than its bar (whole MiB from 10 up).
    chart.label = |v| {
        if v >= 10.0 {
            format!("{v:.0}")
        } else {
            format!("{v:.1}")
        }
    };
    let items = results
        .report(Scenario::BOTTLENECK.name, None, REFERENCE)
        .map_or(0, |r| r.config.items);
    let mut legend = pipeline_legend(&ran(results), Swatch::Box);
    if with_servers {
        // A broker's queues are in its server: its peak memory beside the
        // process's, a darker bar of the same colour.
        let servers = per_config(results, &configs, |r| {
            r.broker_peak_bytes.map(|b| b as f64 / (1024.0 * 1024.0))
        });
        for (pipeline, values) in servers {
            if pipeline.backend.broker.is_none() || values.iter().all(Option::is_none) {
                continue;
            }
            let label: &'static str =
                Box::leak(format!("{}: its server's peak", pipeline.label).into_boxed_str());
            let pipeline_registry::Rgb(r, g, b) = pipeline.colour;
            let server = Pipeline {
                label,
                colour: pipeline_registry::Rgb(r / 2, g / 2, b / 2),
                ..pipeline
            };
            legend.push((Swatch::Box(rgb(server.colour)), label.to_string()));
            chart.series.push((server, values));
        }
    }
    with_panels(
        path,
        (WIDTH, 480),
        &format!("{what} on bottleneck ({items} frames of 320×240)"),
        &legend,
        1,
        |areas| chart.draw(&areas[0]),
    )
}

/// Peak heap against item count on `bottleneck`, unbounded against bounded.
pub(crate) fn sweep(results: &Results, path: &Path) -> anyhow::Result<()> {
    let Some(pipeline) = results.sweep_pipeline() else {
        return Ok(());
    };
    let points = results.sweep();
    let mut capacities: Vec<Option<usize>> = points.iter().map(|p| p.capacity).collect();
    capacities.dedup();
    let mut legend = Vec::new();
    let lines = capacities
        .iter()
        .map(|&capacity| {
            let (marker, dashed, name) = match capacity {
                None => (
                    Swatch::Circle(rgb(pipeline.colour)),
                    false,
                    "unbounded".to_string(),
                ),
                Some(n) => (
                    Swatch::Triangle(rgb(pipeline.colour)),
                    true,
                    format!("bounded ({n})"),
                ),
            };
            legend.push((marker, format!("{}, {name}", pipeline.label)));
            Line {
                colour: rgb(pipeline.colour),
                points: points
                    .iter()
                    .filter(|p| p.capacity == capacity)
                    .map(|p| (p.items as f64, p.peak_heap_bytes as f64 / (1024.0 * 1024.0)))
                    .collect(),
                dashed,
                marker: Some(marker),
                marks: None,
            }
        })
        .collect();
    let chart = Lines {
        caption: String::new(),
        x_label: "items (320×240 frames)",
        y_label: "peak heap (MiB)",
        lines,
        y_min_top: 1.0,
    };
    with_panels(
        path,
        (WIDTH, 440),
        "Peak heap against items on bottleneck",
        &legend,
        1,
        |areas| chart.draw(&areas[0]),
    )
}

//! The cost of one hop: time per item through each in-process channel and through
//! the broker, one item at a time and in batches, with the server's own time for
//! the same commands marked on the broker's bars.

use std::path::Path;

use plotters::prelude::*;

use crate::data::goals::BROKER_HOP_TARGET_S;
use crate::data::hop::{Mode, points};
use crate::data::results::Results;
use crate::format;
use crate::render::figures::chart::*;
use pipeline_registry::Pipeline;

/// Time per item and hop (µs, log scale): one bar per queue and way of handing
/// over, the server's own time per item for the same commands as a black mark,
/// the goal for a batched hop as a dashed line. Nothing is drawn when no hop ran.
pub(crate) fn hop(results: &Results, path: &Path) -> anyhow::Result<()> {
    let points = points(results);
    if points.is_empty() {
        return Ok(());
    }
    let mut modes: Vec<Mode> = Vec::new();
    let mut pipelines: Vec<Pipeline> = Vec::new();
    for p in &points {
        if !modes.contains(&p.mode) {
            modes.push(p.mode);
        }
        if !pipelines.contains(&p.pipeline) {
            pipelines.push(p.pipeline);
        }
    }
    let mut chart = bars(
        "",
        "hand-off",
        "time per item and hop (µs, log scale)",
        Scale::Log10,
    );
    chart.packed = true;
    // The axis from the whole decade below the fastest hop.
    let fastest = points
        .iter()
        .map(|p| p.per_item_s * 1e6)
        .fold(f64::INFINITY, f64::min);
    chart.floor = Some(10f64.powf(fastest.log10().floor()));
    chart.categories = modes
        .iter()
        .map(|m| match m {
            Mode::OneAtATime => "one item at a time".to_string(),
            Mode::Batched(n) => format!("batches of {n} (broker)"),
        })
        .collect();
    let mut ceiling = false;
    for (s, &pipeline) in pipelines.iter().enumerate() {
        let mut values = Vec::new();
        for (c, &mode) in modes.iter().enumerate() {
            let point = points
                .iter()
                .find(|p| p.pipeline == pipeline && p.mode == mode);
            values.push(point.map(|p| p.per_item_s * 1e6));
            if let Some(p) = point {
                chart.notes.push((c, s, format::per_item(p.per_item_s)));
                if let Some(rate) = p.ceiling_items_per_s {
                    chart.marks.push((c, s, 1e6 / rate));
                    ceiling = true;
                }
            }
        }
        chart.series.push((pipeline, values));
    }
    if let Some(c) = modes.iter().position(|m| matches!(m, Mode::Batched(_))) {
        chart.references.push(Reference {
            value: BROKER_HOP_TARGET_S * 1e6,
            category: Some(c),
            colour: INK,
            dashed: true,
        });
    }
    let mut legend = pipeline_legend(&pipelines, Swatch::Box);
    if let Some(c) = ceiling
        .then(|| crate::data::hop::ceiling(results))
        .flatten()
    {
        legend.push((
            Swatch::Line(BLACK),
            format!(
                "the server's own time for the same commands ({})",
                c.program
            ),
        ));
    }
    if !chart.references.is_empty() {
        legend.push((
            Swatch::Dashed(INK),
            format!(
                "goal for a batched hop: {}",
                format::per_item(BROKER_HOP_TARGET_S)
            ),
        ));
    }
    with_panels(
        path,
        (WIDTH, 520),
        "One hop: a producer thread puts, a consumer thread takes",
        &legend,
        1,
        |areas| chart.draw(&areas[0]),
    )
}

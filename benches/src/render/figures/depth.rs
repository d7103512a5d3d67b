//! The resize queue's depth over time on `bottleneck`, one line per pipeline of
//! threads (the pipelines of tasks wait on another timer, which lengthens the
//! resize: their depth tells of the timer, not of the queue).

use std::path::Path;

use pipeline_core::Scenario;

use crate::data::results::Results;
use crate::render::figures::chart::*;
use pipeline_registry::ALL;

/// The resize queue's depth over time on `bottleneck` with `capacity`, one line per
/// pipeline, each with its own marker.
pub(crate) fn depth(results: &Results, path: &Path, capacity: Option<usize>) -> anyhow::Result<()> {
    let mut legend = Vec::new();
    let lines: Vec<Line> = ALL
        .iter()
        .enumerate()
        .filter(|(_, v)| !v.backend.tasks)
        .filter_map(|(i, &v)| {
            let series = results
                .run(Scenario::BOTTLENECK.name, capacity, v)?
                .depth_series()?;
            let dt = series.interval_ms as f64 / 1000.0;
            let points: Vec<(f64, f64)> = series
                .resize
                .iter()
                .enumerate()
                .map(|(i, &d)| (i as f64 * dt, d as f64))
                .collect();
            // About eight markers a line, staggered between the lines.
            let every = (points.len() / 8).max(1);
            let first = i * every / ALL.len();
            let dashed = !v.blocks();
            legend.push((
                Swatch::Marked(rgb(v.colour), Mark::of(v), dashed),
                v.label.to_string(),
            ));
            Some(Line {
                colour: rgb(v.colour),
                points,
                dashed,
                marker: None,
                marks: Some((Mark::of(v), every, first)),
            })
        })
        .collect();
    if lines.is_empty() {
        return Ok(());
    }
    let chart = Lines {
        caption: String::new(),
        x_label: "time since the start (s)",
        y_label: "items in the resize queue",
        lines,
        y_min_top: 10.0,
    };
    with_panels(
        path,
        (WIDTH, 460),
        &format!(
            "Resize queue depth on bottleneck, {}",
            bound_label(capacity)
        ),
        &legend,
        1,
        |areas| chart.draw(&areas[0]),
    )
}

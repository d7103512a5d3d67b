//! `figures/concurrency.svg`: threads against tasks as the concurrent waits grow:
//! wall time over the ideal, and peak resident memory, one line per pipeline; a
//! line that stops short ran into the machine's limit on threads, or out of time.

use std::path::Path;

use anyhow::Context;
use plotters::prelude::*;

use crate::data::crowd::{LEVELS, Measured, Point, points};
use crate::data::results::Results;
use crate::render::figures::chart::*;
use pipeline_registry::ALL;

const HEIGHT: u32 = 820;

/// `figures/concurrency.svg` (nothing when the results hold no concurrency sweep).
pub(crate) fn concurrency(results: &Results, path: &Path) -> anyhow::Result<()> {
    let points = points(results);
    if points.is_empty() {
        return Ok(());
    }
    let mut legend: Vec<(Swatch, String)> = ALL
        .iter()
        .filter(|p| points.iter().any(|point| point.pipeline == **p))
        .map(|p| {
            (
                Swatch::Marked(rgb(p.colour), Mark::of(*p), false),
                p.label.to_string(),
            )
        })
        .collect();
    legend.push((Swatch::Dashed(INK), "ideal: one wait of 1 s".to_string()));
    let root = SVGBackend::new(path, (WIDTH, HEIGHT)).into_drawing_area();
    root.fill(&WHITE)?;
    let body = root.titled(
        "Concurrent waits of 1 s: a thread each, or a task each",
        (FONT, TITLE).into_font().color(&BLACK),
    )?;
    let (legend_area, body) = body.split_vertically(legend_height(WIDTH, &legend) + 28);
    draw_legend(&legend_area, &legend)?;
    legend_area.draw(&Text::new(
        "A line that stops short: refused by the OS's limit on threads, or timed out.",
        (20, legend_height(WIDTH, &legend) as i32 + 2),
        (FONT, LEGEND).into_font().color(&INK),
    ))?;
    let panels = body.split_evenly((2, 1));
    panel(
        &panels[0],
        &points,
        "wall time (s, log)",
        |p| {
            p.wall_over_ideal()
                .map(|ratio| ratio * ideal_of(p).unwrap_or(1.0))
        },
        Some(1.0),
    )?;
    panel(
        &panels[1],
        &points,
        "peak resident memory (MiB, log)",
        |p| p.rss_bytes().map(|b| b as f64 / (1024.0 * 1024.0)),
        None,
    )?;
    root.present()
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// The ideal of a point that ran.
fn ideal_of(point: &Point) -> Option<f64> {
    match point.outcome {
        Measured::Ran { ideal_s, .. } => Some(ideal_s),
        _ => None,
    }
}

/// One panel: `value` of every point against the concurrent waits, both axes log.
fn panel(
    area: &Area<'_>,
    points: &[Point],
    y_label: &str,
    value: impl Fn(&Point) -> Option<f64>,
    reference: Option<f64>,
) -> anyhow::Result<()> {
    let values: Vec<f64> = points.iter().filter_map(&value).collect();
    let low = values.iter().copied().fold(f64::INFINITY, f64::min);
    let high = values.iter().copied().fold(0f64, f64::max);
    let low = reference.map_or(low, |r| r.min(low));
    // A panel with a reference (the ideal) starts just below it: nothing can be
    // faster than the ideal, and the decade below it would be empty.
    let y0 = match reference {
        Some(reference) => reference * 0.8,
        None => 10f64.powf((low * 0.8).log10().floor()),
    };
    let y1 = 10f64.powf((high * 1.25).log10().ceil());
    let (x0, x1) = (LEVELS[0] as f64 / 2.0, *LEVELS.last().unwrap() as f64 * 2.0);
    let mut chart = ChartBuilder::on(area)
        .margin(12)
        .margin_right(24)
        .x_label_area_size(54)
        .y_label_area_size(78)
        .build_cartesian_2d((x0..x1).log_scale(), (y0..y1).log_scale())?;
    chart
        .configure_mesh()
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .label_style((FONT, TICKS))
        .axis_desc_style((FONT, AXIS))
        .x_desc("concurrent waits (log)")
        .y_desc(y_label)
        .x_label_formatter(&|x| axis_number(*x))
        .y_label_formatter(&|y| axis_number(*y))
        .draw()?;
    if let Some(reference) = reference {
        chart.draw_series(DashedLineSeries::new(
            [(x0, reference), (x1, reference)],
            8,
            5,
            INK.stroke_width(1),
        ))?;
    }
    for &pipeline in ALL {
        let line: Vec<(f64, f64)> = points
            .iter()
            .filter(|p| p.pipeline == pipeline)
            .filter_map(|p| Some((p.waits as f64, value(p)?)))
            .collect();
        if line.is_empty() {
            continue;
        }
        let colour = rgb(pipeline.colour);
        chart.draw_series(LineSeries::new(line.clone(), colour.stroke_width(2)))?;
        let base = area.get_base_pixel();
        for &at in &line {
            let (x, y) = chart.backend_coord(&at);
            Mark::of(pipeline).draw(area, (x - base.0, y - base.1), colour)?;
        }
    }
    Ok(())
}

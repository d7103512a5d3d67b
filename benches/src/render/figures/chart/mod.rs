//! The chart toolkit every figure is drawn with (plotters, SVG).
//!
//! Every figure is drawn for the book's column: [`WIDTH`] pixels wide, so that the
//! page shows it at its own size, with no text smaller than [`MIN_TEXT`] px, and one
//! panel per figure. Every figure has a title, axis labels with units and a legend;
//! each pipeline has one colour ([`Pipeline::colour`], a colour-blind-safe palette)
//! and, on line charts, one marker shape, in every figure. Log scales are plotters' own log
//! axis (`log_scale()`) over whole decades, labelled with the values.

use std::path::Path;

use anyhow::Context;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::data::results::Results;
use pipeline_registry::{ALL, Pipeline, Rgb};

mod axis;
mod bars;
mod legend;
mod lines;

pub(crate) use axis::*;
pub(crate) use bars::*;
pub(crate) use legend::*;
pub(crate) use lines::*;

pub(crate) type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

pub(crate) const FONT: &str = "sans-serif";

/// The width of every figure: the book's content column (mdBook's 750 px).
pub const WIDTH: u32 = 750;
/// The smallest text in a figure, in pixels (of the SVG, shown 1:1 in the page).
pub const MIN_TEXT: u32 = 12;
/// Font sizes of the title, legend, axis labels, tick labels and values, as plotters
/// takes them: it writes a size `s` as `s / 1.24` px in the SVG, so 16 is 12.9 px.
pub(crate) const TITLE: u32 = 21;
pub(crate) const LEGEND: u32 = 17;
pub(crate) const AXIS: u32 = 17;
pub(crate) const TICKS: u32 = 16;
pub(crate) const VALUES: u32 = 16;
/// About how wide a legend character is at [`LEGEND`] (sans-serif).
pub(crate) const LEGEND_CHAR: f64 = 7.6;
pub(crate) const GRID: RGBAColor = RGBAColor(0, 0, 0, 0.12);
pub(crate) const INK: RGBColor = RGBColor(0x33, 0x33, 0x33);

/// A registry colour as plotters draws it.
pub(crate) fn rgb(colour: Rgb) -> RGBColor {
    let Rgb(r, g, b) = colour;
    RGBColor(r, g, b)
}

/// A figure: the SVG's root, the title, the legend, then `panels` areas side by side.
pub(crate) fn with_panels(
    path: &Path,
    size: (u32, u32),
    title: &str,
    legend: &[(Swatch, String)],
    panels: usize,
    draw: impl FnOnce(&[Area<'_>]) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let root = SVGBackend::new(path, size).into_drawing_area();
    root.fill(&WHITE)?;
    let body = root.titled(title, (FONT, TITLE).into_font().color(&BLACK))?;
    let (legend_area, body) = body.split_vertically(legend_height(size.0, legend));
    draw_legend(&legend_area, legend)?;
    let areas = body.split_evenly((1, panels));
    draw(&areas)?;
    root.present()
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// A short label for a scenario run: `bottleneck (8)`.
pub(crate) fn config_label(scenario: &str, capacity: Option<usize>) -> String {
    match capacity {
        None => scenario.to_string(),
        Some(n) => format!("{scenario} ({n})"),
    }
}

/// The value of `get` on every scenario run, per pipeline. A run of fewer items
/// than the others of its config (a broker's, on `throughput`) has no bar: its
/// total is not theirs, and its table says what it measured per item.
pub(crate) fn per_config(
    results: &Results,
    configs: &[(String, Option<usize>)],
    get: impl Fn(&pipeline_core::Report) -> Option<f64>,
) -> Vec<(Pipeline, Vec<Option<f64>>)> {
    let most: Vec<u64> = configs
        .iter()
        .map(|(s, c)| {
            ALL.iter()
                .filter_map(|&v| results.report(s, *c, v))
                .map(|r| r.items_in)
                .max()
                .unwrap_or(0)
        })
        .collect();
    ran(results)
        .into_iter()
        .map(|v| {
            let values = configs
                .iter()
                .zip(&most)
                .map(|((s, c), &most)| {
                    results
                        .report(s, *c, v)
                        .filter(|r| r.items_in == most)
                        .and_then(&get)
                })
                .collect();
            (v, values)
        })
        .collect()
}

/// The pipelines of [`ALL`] that ran something in `results`, for legends: one whose
/// broker could not be had, or that a run predates, has no entry.
pub(crate) fn ran(results: &Results) -> Vec<Pipeline> {
    ALL.iter().copied().filter(|&p| results.ran(p)).collect()
}

/// The height of a horizontal bar chart of `categories` groups of six bars.
pub(crate) fn horizontal_height(categories: usize, legend: &[(Swatch, String)]) -> u32 {
    60 + legend_height(WIDTH, legend) + 60 + categories as u32 * 62
}

/// `unbounded` or `bounded (8)`.
pub(crate) fn bound_label(capacity: Option<usize>) -> String {
    match capacity {
        None => "unbounded".to_string(),
        Some(n) => format!("bounded ({n})"),
    }
}

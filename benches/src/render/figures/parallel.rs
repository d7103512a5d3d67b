//! `figures/parallel.svg`: speed-up against resize workers, Rust and Python, with
//! the machine's core count drawn as the limit.

use std::path::Path;

use anyhow::Context;
use plotters::prelude::*;

use crate::data::parallel::{PARALLEL_PIPELINE, PythonResult, rust_points, sweep_machine};
use crate::data::results::Results;
use crate::format;
use crate::render::figures::chart::{AXIS, LEGEND, TICKS, TITLE, VALUES, WIDTH, rgb};

const HEIGHT: u32 = 430;
const FONT: &str = "sans-serif";
const PYTHON_COLOUR: RGBColor = RGBColor(0x99, 0x99, 0x99);
const LIMIT_COLOUR: RGBColor = RGBColor(0x33, 0x33, 0x33);

/// `figures/parallel.svg`: speed-up against resize workers, Rust and Python, with the
/// core count as the limit; the wall times in the labels.
pub fn figure(results: &Results, python: Option<&PythonResult>, path: &Path) -> anyhow::Result<()> {
    let rust = rust_points(results);
    let py = python.map(PythonResult::points).unwrap_or_default();
    let cores = sweep_machine(results).cpus as f64;
    let top = rust
        .iter()
        .chain(&py)
        .map(|p| p.speedup)
        .fold(cores, f64::max)
        .ceil()
        + 0.5;
    let root = SVGBackend::new(path, (WIDTH, HEIGHT)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "A CPU-bound resize: speed-up against resize workers",
            (FONT, TITLE),
        )
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(56)
        .build_cartesian_2d(0.5f64..4.5f64, 0f64..top)?;
    chart
        .configure_mesh()
        .x_labels(4)
        .y_labels((top * 2.0) as usize + 1)
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| format!("{y:.1}×"))
        .x_desc("resize workers (threads)")
        .y_desc("speed-up over one worker")
        .label_style((FONT, TICKS))
        .axis_desc_style((FONT, AXIS))
        .light_line_style(WHITE)
        .bold_line_style(RGBAColor(0, 0, 0, 0.12))
        .draw()?;
    // The limit: no more speed-up than cores, whatever the thread count.
    let limit = |x: f64| x.min(cores);
    chart
        .draw_series(LineSeries::new(
            (0..=35).map(|i| {
                let x = 1.0 + f64::from(i) * 0.1;
                (x, limit(x))
            }),
            LIMIT_COLOUR.stroke_width(1),
        ))?
        .label(format!(
            "ideal: one worker per core, at most {cores:.0} (this machine's CPUs)"
        ))
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], LIMIT_COLOUR));
    let rust_colour = rgb(PARALLEL_PIPELINE.colour);
    // Rust's labels above its points, Python's below, so that near-equal speed-ups do
    // not print on top of each other.
    let series = [
        (
            &rust,
            rust_colour,
            "Rust threads (measured here)".to_string(),
            top * 0.10,
        ),
        (
            &py,
            PYTHON_COLOUR,
            python.map_or(String::new(), |p| {
                format!("Python {} threads, GIL (measured {})", p.python, p.date)
            }),
            -top * 0.03,
        ),
    ];
    for (points, colour, label, offset) in series {
        if points.is_empty() {
            continue;
        }
        chart
            .draw_series(LineSeries::new(
                points.iter().map(|p| (p.workers as f64, p.speedup)),
                colour.stroke_width(3),
            ))?
            .label(label)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(3))
            });
        chart.draw_series(
            points
                .iter()
                .map(|p| Circle::new((p.workers as f64, p.speedup), 5, colour.filled())),
        )?;
        chart.draw_series(points.iter().map(|p| {
            Text::new(
                format!(
                    "{} ({} s)",
                    format::ratio(p.speedup),
                    format::secs(p.wall_s)
                ),
                (p.workers as f64 + 0.06, p.speedup + offset),
                (FONT, VALUES).into_font().color(&colour.mix(0.9)),
            )
        }))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .label_font((FONT, LEGEND))
        .background_style(WHITE.mix(0.9))
        .border_style(RGBAColor(0, 0, 0, 0.2))
        .draw()?;
    root.present()
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

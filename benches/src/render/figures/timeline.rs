//! Every thread's life, drawn: `figures/timeline_camera.svg` and
//! `figures/timeline_bottleneck.svg`, one panel per recorded pipeline, one row per
//! thread, coloured by what the thread was doing, with a tick for every poll.

use std::path::{Path, PathBuf};

use anyhow::Context;
use pipeline_core::{Scenario, State, Timeline};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::data::results::Results;
use crate::data::timeline::{PIPELINES, WINDOW_MS, recorded};
use crate::render::figures::chart::WIDTH;
use pipeline_registry::Pipeline;

/// The figures, one per scenario.
pub const FIGURES: [&str; 2] = ["timeline_camera.svg", "timeline_bottleneck.svg"];

// Colour-blind-safe (Okabe–Ito): working blue, handing over vermillion, waiting grey.
const WORKING: RGBColor = RGBColor(0x00, 0x72, 0xB2);
const HANDING_OVER: RGBColor = RGBColor(0xD5, 0x5E, 0x00);
const WAITING: RGBColor = RGBColor(0xC8, 0xC8, 0xC8);
const POLL: RGBColor = RGBColor(0x00, 0x00, 0x00);

fn colour(state: State) -> RGBColor {
    match state {
        State::Working => WORKING,
        State::HandingOver => HANDING_OVER,
        State::Waiting => WAITING,
    }
}

const FONT: &str = "sans-serif";
/// Font sizes as plotters takes them (it writes `s / 1.24` px: 16 is 12.9 px).
const TITLE: u32 = 21;
const TEXT: u32 = 16;
const LEFT: i32 = 100;
const RIGHT: i32 = 16;
const ROW: i32 = 24;
const ROW_GAP: i32 = 4;
const PANEL_HEAD: i32 = 26;
const AXIS: i32 = 26;
const TOP: i32 = 70;

/// Draws the timeline figures of `results` into `dir` (a scenario without recorded
/// runs draws nothing); returns the files written.
pub fn draw(results: &Results, dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for (name, scenario, about) in [
        (
            FIGURES[0],
            Scenario::CAMERA.name,
            "camera, unbounded queues",
        ),
        (
            FIGURES[1],
            Scenario::BOTTLENECK.name,
            "bottleneck, bounded queues",
        ),
    ] {
        let panels: Vec<(Pipeline, &Timeline)> = PIPELINES
            .iter()
            .filter_map(|&v| recorded(results, scenario, v).map(|t| (v, t)))
            .collect();
        if panels.is_empty() {
            continue;
        }
        let path = dir.join(name);
        figure(&path, about, &panels).with_context(|| format!("cannot draw {name}"))?;
        written.push(path);
    }
    Ok(written)
}

fn figure(path: &Path, about: &str, panels: &[(Pipeline, &Timeline)]) -> anyhow::Result<()> {
    let panel_height = |t: &Timeline| PANEL_HEAD + t.threads.len() as i32 * ROW + AXIS + 8;
    let height = TOP + panels.iter().map(|(_, t)| panel_height(t)).sum::<i32>();
    let root = SVGBackend::new(path, (WIDTH, height as u32)).into_drawing_area();
    root.fill(&WHITE)?;
    let text = |size: u32| (FONT, size).into_font().color(&BLACK);
    root.draw(&Text::new(
        format!("Every thread's first {WINDOW_MS} ms: {about}"),
        (10, 8),
        text(TITLE),
    ))?;
    // The legend.
    let mut x = 10;
    for (label, fill) in [
        ("working", WORKING),
        ("waiting", WAITING),
        ("handing over", HANDING_OVER),
    ] {
        root.draw(&Rectangle::new([(x, 40), (x + 22, 56)], fill.filled()))?;
        root.draw(&Text::new(label, (x + 28, 40), text(TEXT)))?;
        x += 28 + (label.len() as i32 * 8) + 24;
    }
    root.draw(&PathElement::new(
        vec![(x, 38), (x, 58)],
        POLL.stroke_width(1),
    ))?;
    root.draw(&Text::new("a poll", (x + 8, 40), text(TEXT)))?;

    let plot_width = WIDTH as i32 - LEFT - RIGHT;
    let window_ns = WINDOW_MS * 1_000_000;
    let px =
        |ns: u64| LEFT + (ns.min(window_ns) as f64 / window_ns as f64 * plot_width as f64) as i32;
    let mut top = TOP;
    for (pipeline, timeline) in panels {
        root.draw(&Text::new(pipeline.label, (10, top + 4), text(TEXT)))?;
        let rows_top = top + PANEL_HEAD;
        for (row, thread) in timeline.threads.iter().enumerate() {
            let y0 = rows_top + row as i32 * ROW;
            let y1 = y0 + ROW - ROW_GAP;
            root.draw(&Text::new(
                thread.name.clone(),
                (LEFT - 6, (y0 + y1) / 2),
                text(TEXT).pos(Pos::new(HPos::Right, VPos::Center)),
            ))?;
            for span in &thread.spans {
                let (x0, x1) = (px(span.start_ns), px(span.end_ns));
                // A span shorter than a pixel still shows, one pixel wide.
                root.draw(&Rectangle::new(
                    [(x0, y0), (x1.max(x0 + 1), y1)],
                    colour(span.state).filled(),
                ))?;
            }
            // Ticks over the row's upper half: many polls in a pixel draw one tick.
            let mut last = None;
            for &at in &thread.polls {
                let x = px(at);
                if last == Some(x) {
                    continue;
                }
                last = Some(x);
                root.draw(&PathElement::new(
                    vec![(x, y0 - 2), (x, (y0 + y1) / 2)],
                    POLL.stroke_width(1),
                ))?;
            }
        }
        // The time axis under the panel.
        let axis_y = rows_top + timeline.threads.len() as i32 * ROW;
        root.draw(&PathElement::new(
            vec![(LEFT, axis_y), (LEFT + plot_width, axis_y)],
            BLACK.stroke_width(1),
        ))?;
        for ms in (0..=WINDOW_MS).step_by(20) {
            let x = px(ms * 1_000_000);
            root.draw(&PathElement::new(vec![(x, axis_y), (x, axis_y + 4)], BLACK))?;
            let label = if ms == WINDOW_MS {
                format!("{ms} ms")
            } else {
                ms.to_string()
            };
            let anchor = if ms == WINDOW_MS {
                HPos::Right
            } else {
                HPos::Center
            };
            root.draw(&Text::new(
                label,
                (x, axis_y + 6),
                text(TEXT).pos(Pos::new(anchor, VPos::Top)),
            ))?;
        }
        top += panel_height(timeline);
    }
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::figures::chart::MIN_TEXT;

    #[test]
    fn every_committed_timeline_draws_a_panel_per_pipeline_with_readable_text() {
        let results = crate::data::json::read_results(
            &pipeline_book::workspace_root().join("reports/results.json"),
        )
        .expect("the committed reports/results.json");
        let dir = tempfile::tempdir().unwrap();
        let written = draw(&results, dir.path()).unwrap();
        assert_eq!(written.len(), FIGURES.len());
        for path in written {
            let svg = std::fs::read_to_string(&path).unwrap();
            assert!(svg.contains(&format!("width=\"{WIDTH}\"")));
            for size in svg.split("font-size=\"").skip(1) {
                let size: f64 = size.split('"').next().unwrap().parse().unwrap();
                assert!(size >= f64::from(MIN_TEXT), "text of {size} px");
            }
            for pipeline in PIPELINES {
                assert!(svg.contains(pipeline.label), "a panel for {pipeline}");
            }
        }
    }
}

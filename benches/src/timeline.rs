//! Every thread's life, drawn: the first [`WINDOW_MS`] of `camera` and of
//! `bottleneck` bounded, on the sleeping poller, the spinning poller and one
//! blocking channel.
//!
//! The report bench runs each of them once more with recording probes
//! ([`cases`]; the child keeps the first [`WINDOW_MS`] of the timeline in its
//! result), and this module draws `figures/timeline_camera.svg` and
//! `figures/timeline_bottleneck.svg`: one panel per pipeline, one row per thread,
//! coloured by what the thread was doing, with a tick for every poll.

use std::path::{Path, PathBuf};

use anyhow::Context;
use pipeline_core::{Config, Scenario, State, Timeline};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::case::{Case, CaseKind};
use crate::plot::WIDTH;
use crate::results::Results;
use pipeline_registry::{POLLING_SLEEP, POLLING_SPIN, Pipeline, STD_CHANNEL};

/// The window drawn, from the start of the run.
pub const WINDOW_MS: u64 = 100;
/// Items per recorded run: enough to keep every thread busy past the window.
pub const ITEMS: u64 = 150;
/// Events each thread of a recorded bench run keeps (16 bytes each: at most
/// 16 MiB per thread), so that even the spinning poller's first 100 ms fit.
pub const RECORD_LIMIT: usize = 1 << 20;
/// The pipelines drawn: the item's sleeping poller, the spinning one, a channel.
pub const VARIANTS: [Pipeline; 3] = [POLLING_SLEEP, POLLING_SPIN, STD_CHANNEL];
/// The figures, one per scenario.
pub const FIGURES: [&str; 2] = ["timeline_camera.svg", "timeline_bottleneck.svg"];

/// The recorded runs: `camera` (unbounded) and `bottleneck` bounded, each pipeline.
pub fn cases() -> Vec<Case> {
    let bounded = Scenario::BOTTLENECK
        .configs()
        .into_iter()
        .find(|c| c.capacity.is_some())
        .expect("bottleneck has a bounded config");
    let configs = [
        (Scenario::CAMERA.name, Scenario::CAMERA.config()),
        (Scenario::BOTTLENECK.name, bounded),
    ];
    let mut cases = Vec::new();
    for (scenario, config) in configs {
        for variant in VARIANTS {
            let config = Config {
                items: ITEMS,
                ..config.clone()
            };
            cases.push(Case {
                scenario: scenario.to_string(),
                kind: CaseKind::Timeline,
                variant,
                config: variant.config(&config),
                repeat: 0,
            });
        }
    }
    cases
}

/// The window of `scenario` recorded on `variant`, if it ran.
fn recorded<'a>(results: &'a Results, scenario: &str, variant: Pipeline) -> Option<&'a Timeline> {
    results
        .runs
        .iter()
        .find(|r| {
            r.case.kind == CaseKind::Timeline
                && r.case.scenario == scenario
                && r.case.variant == variant
        })
        .and_then(|r| r.timeline.as_ref())
}

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
        let panels: Vec<(Pipeline, &Timeline)> = VARIANTS
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
    for (variant, timeline) in panels {
        root.draw(&Text::new(variant.label, (10, top + 4), text(TEXT)))?;
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
    use crate::child::run_here;
    use crate::plot::MIN_TEXT;
    use pipeline_core::Machine;

    #[test]
    fn every_recorded_case_draws_rows_for_every_thread() {
        // Fewer items keep the test short; the window is the same.
        let runs: Vec<_> = cases()
            .into_iter()
            .map(|case| {
                let case = Case {
                    config: Config {
                        items: 20,
                        ..case.config
                    },
                    ..case
                };
                run_here(&case).unwrap()
            })
            .collect();
        for run in &runs {
            let timeline = run
                .timeline
                .as_ref()
                .expect("a recorded case has a timeline");
            let workers: usize = run.case.config.workers.iter().sum();
            assert_eq!(
                timeline.threads.len(),
                workers + 2,
                "camera, workers, collector"
            );
            for thread in &timeline.threads {
                assert!(
                    thread
                        .spans
                        .iter()
                        .all(|s| s.end_ns <= WINDOW_MS * 1_000_000)
                );
            }
            let polls: usize = timeline.threads.iter().map(|t| t.polls.len()).sum();
            assert!(
                polls > 0,
                "every pipeline's workers poll at least once per item"
            );
        }
        let results = Results {
            schema: crate::results::RESULTS_SCHEMA,
            mode: "quick".into(),
            date: "2026-01-01".into(),
            machine: Machine::this(),
            sleep: vec![],
            runs,
            elapsed_s: None,
        };
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
            for variant in VARIANTS {
                assert!(svg.contains(variant.label), "a panel for {variant}");
            }
        }
    }
}

//! Legends and line markers: one colour and one marker shape per pipeline.

use plotters::prelude::*;

use super::*;
use pipeline_registry::Pipeline;

/// What a legend entry shows next to its label.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Swatch {
    Box(RGBColor),
    Line(RGBColor),
    Dashed(RGBColor),
    Circle(RGBColor),
    Triangle(RGBColor),
    /// A line with a marker of its own shape, dashed or not.
    Marked(RGBColor, Mark, bool),
}

/// The marker shape of a line.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Mark {
    Circle,
    Triangle,
    Square,
    Cross,
    Ring,
    Diamond,
}

impl Mark {
    /// Every shape, given out in turn in [`ALL`] order.
    const ALL: [Mark; 6] = [
        Mark::Circle,
        Mark::Triangle,
        Mark::Square,
        Mark::Cross,
        Mark::Ring,
        Mark::Diamond,
    ];

    /// The shape of a pipeline: one each, in [`ALL`] order.
    pub(crate) fn of(pipeline: Pipeline) -> Mark {
        Mark::ALL[pipeline.position() % Mark::ALL.len()]
    }

    /// Draws the marker centred on `at` (pixel coordinates).
    pub(crate) fn draw(
        self,
        area: &Area<'_>,
        at: (i32, i32),
        colour: RGBColor,
    ) -> anyhow::Result<()> {
        let (x, y) = at;
        let r = 5;
        match self {
            Mark::Circle => area.draw(&Circle::new(at, r, colour.filled()))?,
            Mark::Triangle => area.draw(&TriangleMarker::new(at, r + 2, colour.filled()))?,
            Mark::Square => area.draw(&Rectangle::new(
                [(x - r, y - r), (x + r, y + r)],
                colour.filled(),
            ))?,
            Mark::Cross => {
                area.draw(&PathElement::new(
                    vec![(x - r, y - r), (x + r, y + r)],
                    colour.stroke_width(3),
                ))?;
                area.draw(&PathElement::new(
                    vec![(x - r, y + r), (x + r, y - r)],
                    colour.stroke_width(3),
                ))?;
            }
            Mark::Ring => area.draw(&Circle::new(at, r, colour.stroke_width(2)))?,
            Mark::Diamond => area.draw(&Polygon::new(
                vec![
                    (x, y - r - 1),
                    (x + r + 1, y),
                    (x, y + r + 1),
                    (x - r - 1, y),
                ],
                colour.filled(),
            ))?,
        }
        Ok(())
    }
}

/// Draws the legend across the top of `area`, wrapping into rows.
pub(crate) fn draw_legend(area: &Area<'_>, legend: &[(Swatch, String)]) -> anyhow::Result<()> {
    let (width, _) = area.dim_in_pixel();
    let font = (FONT, LEGEND).into_font().color(&BLACK);
    let (mut x, mut y) = (20i32, 4i32);
    for (swatch, label) in legend {
        let w = 40 + (label.chars().count() as f64 * LEGEND_CHAR) as i32;
        if x + w > width as i32 - 10 && x > 20 {
            x = 20;
            y += 24;
        }
        let (sx, sy) = (x, y + 3);
        match *swatch {
            Swatch::Box(c) => {
                area.draw(&Rectangle::new([(sx, sy), (sx + 22, sy + 14)], c.filled()))?;
            }
            Swatch::Line(c) => stroke(area, (sx, sy), c, false, 3)?,
            Swatch::Dashed(c) => stroke(area, (sx, sy), c, true, 2)?,
            Swatch::Circle(c) => {
                stroke(area, (sx, sy), c, false, 2)?;
                area.draw(&Circle::new((sx + 11, sy + 7), 4, c.filled()))?;
            }
            Swatch::Triangle(c) => {
                stroke(area, (sx, sy), c, true, 2)?;
                area.draw(&TriangleMarker::new((sx + 11, sy + 7), 6, c.filled()))?;
            }
            Swatch::Marked(c, mark, dashed) => {
                stroke(area, (sx, sy), c, dashed, 2)?;
                mark.draw(area, (sx + 11, sy + 7), c)?;
            }
        }
        area.draw(&Text::new(label.clone(), (x + 28, y + 1), font.clone()))?;
        x += w;
    }
    Ok(())
}

/// A swatch's line, 22 pixels long from `at`: solid, or three dashes.
fn stroke(
    area: &Area<'_>,
    at: (i32, i32),
    colour: RGBColor,
    dashed: bool,
    width: u32,
) -> anyhow::Result<()> {
    let (sx, sy) = at;
    let pieces: &[(i32, i32)] = if dashed {
        &[(0, 5), (9, 14), (18, 23)]
    } else {
        &[(0, 22)]
    };
    for &(from, to) in pieces {
        area.draw(&PathElement::new(
            vec![(sx + from, sy + 7), (sx + to, sy + 7)],
            colour.stroke_width(width),
        ))?;
    }
    Ok(())
}

/// How many pixels the legend needs at `width`.
pub(crate) fn legend_height(width: u32, legend: &[(Swatch, String)]) -> u32 {
    let mut rows = 1;
    let mut x = 20i32;
    for (_, label) in legend {
        let w = 40 + (label.chars().count() as f64 * LEGEND_CHAR) as i32;
        if x + w > width as i32 - 10 && x > 20 {
            x = 20;
            rows += 1;
        }
        x += w;
    }
    rows * 24 + 8
}

/// The legend entries of the pipelines that have data.
pub(crate) fn pipeline_legend(
    pipelines: &[Pipeline],
    swatch: fn(RGBColor) -> Swatch,
) -> Vec<(Swatch, String)> {
    pipelines
        .iter()
        .map(|v| (swatch(rgb(v.colour)), v.label.to_string()))
        .collect()
}

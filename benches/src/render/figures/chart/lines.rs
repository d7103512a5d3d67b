//! Line charts over a shared x axis, with a marker of each line's own shape.

use plotters::prelude::*;

use super::*;

/// One line of a line chart.
pub(crate) struct Line {
    pub(crate) colour: RGBColor,
    pub(crate) points: Vec<(f64, f64)>,
    pub(crate) dashed: bool,
    pub(crate) marker: Option<Swatch>,
    /// A marker of its own shape every `.1` points, from point `.2` on (staggered, so
    /// that lines lying on top of each other still show every marker).
    pub(crate) marks: Option<(Mark, usize, usize)>,
}

/// Lines over a shared x axis.
pub(crate) struct Lines<'a> {
    pub(crate) caption: String,
    pub(crate) x_label: &'a str,
    pub(crate) y_label: &'a str,
    pub(crate) lines: Vec<Line>,
    /// The smallest top the y axis gets (so a flat, low series is not magnified).
    pub(crate) y_min_top: f64,
}

impl Lines<'_> {
    pub(crate) fn draw(&self, area: &Area<'_>) -> anyhow::Result<()> {
        let points = self.lines.iter().flat_map(|l| l.points.iter());
        let (x_max, y_max) = points.fold((0f64, 0f64), |(x, y), p| (x.max(p.0), y.max(p.1)));
        let (x0, x1, xticks) = Scale::Linear.ticks(0.0, x_max.max(1e-9));
        let (y0, y1, yticks) = Scale::Linear.ticks(0.0, (y_max * 1.05).max(self.y_min_top));
        let mut chart = ChartBuilder::on(area)
            .caption(&self.caption, (FONT, AXIS))
            .margin(12)
            .margin_right(24)
            .x_label_area_size(54)
            .y_label_area_size(78)
            .build_cartesian_2d(Axis::new(x0, x1, xticks), Axis::new(y0, y1, yticks))?;
        chart
            .configure_mesh()
            .bold_line_style(GRID)
            .label_style((FONT, TICKS))
            .axis_desc_style((FONT, AXIS))
            .x_desc(self.x_label)
            .y_desc(self.y_label)
            .x_label_formatter(&|x| axis_number(*x))
            .y_label_formatter(&|y| axis_number(*y))
            .draw()?;
        for line in &self.lines {
            let style = line.colour.stroke_width(2);
            if line.dashed {
                chart.draw_series(DashedLineSeries::new(line.points.clone(), 8, 5, style))?;
            } else {
                chart.draw_series(LineSeries::new(line.points.clone(), style))?;
            }
            match line.marker {
                Some(Swatch::Circle(c)) => {
                    chart
                        .draw_series(line.points.iter().map(|&p| Circle::new(p, 5, c.filled())))?;
                }
                Some(Swatch::Triangle(c)) => {
                    chart.draw_series(
                        line.points
                            .iter()
                            .map(|&p| TriangleMarker::new(p, 7, c.filled())),
                    )?;
                }
                _ => {}
            }
            if let Some((mark, every, first)) = line.marks {
                let points: Vec<(f64, f64)> = line
                    .points
                    .iter()
                    .skip(first)
                    .step_by(every.max(1))
                    .copied()
                    .collect();
                draw_marks(&mut chart, &points, mark, line.colour)?;
            }
        }
        Ok(())
    }
}

/// Draws `mark` at each of `points` (data coordinates).
pub(crate) fn draw_marks(
    chart: &mut ChartContext<'_, SVGBackend<'_>, Cartesian2d<Axis, Axis>>,
    points: &[(f64, f64)],
    mark: Mark,
    colour: RGBColor,
) -> anyhow::Result<()> {
    let r = 5;
    let at = |p: (f64, f64)| EmptyElement::at(p);
    match mark {
        Mark::Circle => {
            chart.draw_series(
                points
                    .iter()
                    .map(|&p| at(p) + Circle::new((0, 0), r, colour.filled())),
            )?;
        }
        Mark::Ring => {
            chart.draw_series(
                points
                    .iter()
                    .map(|&p| at(p) + Circle::new((0, 0), r, colour.stroke_width(2))),
            )?;
        }
        Mark::Triangle => {
            chart.draw_series(
                points
                    .iter()
                    .map(|&p| at(p) + TriangleMarker::new((0, 0), r + 2, colour.filled())),
            )?;
        }
        Mark::Square => {
            chart.draw_series(
                points
                    .iter()
                    .map(|&p| at(p) + Rectangle::new([(-r, -r), (r, r)], colour.filled())),
            )?;
        }
        Mark::Cross => {
            chart.draw_series(points.iter().map(|&p| {
                at(p)
                    + PathElement::new(vec![(-r, -r), (r, r)], colour.stroke_width(3))
                    + PathElement::new(vec![(-r, r), (r, -r)], colour.stroke_width(3))
            }))?;
        }
        Mark::Diamond => {
            chart.draw_series(points.iter().map(|&p| {
                at(p)
                    + Polygon::new(
                        vec![(0, -r - 1), (r + 1, 0), (0, r + 1), (-r - 1, 0)],
                        colour.filled(),
                    )
            }))?;
        }
    }
    Ok(())
}

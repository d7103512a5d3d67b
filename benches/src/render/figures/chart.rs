//! The chart toolkit every figure is drawn with (plotters, SVG).
//!
//! Every figure is drawn for the book's column: [`WIDTH`] pixels wide, so that the
//! page shows it at its own size, with no text smaller than [`MIN_TEXT`] px, and one
//! panel per figure. Every figure has a title, axis labels with units and a legend;
//! each pipeline has one colour ([`Pipeline::colour`], a colour-blind-safe palette)
//! and, on line charts, one marker shape, in every figure. Log scales are plotters' own log
//! axis (`log_scale()`) over whole decades, labelled with the values.

use std::ops::Range;
use std::path::Path;

use anyhow::Context;
use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::data::results::Results;
use crate::format;
use pipeline_registry::{ALL, Pipeline, Rgb};

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

/// How a value axis maps values. Positions are computed on the axis ([`Scale::to_axis`]:
/// the value, or its base-10 logarithm) and handed to plotters as values.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Scale {
    /// Our [`Axis`], with round ticks.
    Linear,
    /// Plotters' own log axis (`log_scale()`) over whole decades.
    Log10,
}

impl Scale {
    /// Where `value` lies on the axis.
    pub(crate) fn to_axis(self, value: f64) -> f64 {
        match self {
            Scale::Linear => value,
            Scale::Log10 => value.max(f64::MIN_POSITIVE).log10(),
        }
    }

    /// The value at `axis` on the axis.
    pub(crate) fn value_at(self, axis: f64) -> f64 {
        match self {
            Scale::Linear => axis,
            Scale::Log10 => 10f64.powf(axis),
        }
    }

    /// The axis range for values in `lo..=hi`, and its tick positions on a linear
    /// axis (plotters places a log axis's own).
    pub(crate) fn ticks(self, lo: f64, hi: f64) -> (f64, f64, Vec<f64>) {
        match self {
            Scale::Linear => {
                let (lo, hi) = if hi > lo { (lo, hi) } else { (lo, lo + 1.0) };
                let step = nice_step((hi - lo) / 6.0);
                let start = (lo / step).floor() * step;
                let end = (hi / step).ceil() * step;
                let ticks = (0..)
                    .map(|i| start + i as f64 * step)
                    .take_while(|t| *t <= end + step * 1e-9)
                    .collect();
                (start, end, ticks)
            }
            // Whole decades; plotters' log axis puts the ticks on them.
            Scale::Log10 => {
                let lo = lo.max(f64::MIN_POSITIVE).log10().floor();
                let hi = hi.max(f64::MIN_POSITIVE).log10().ceil().max(lo + 1.0);
                (lo, hi, Vec::new())
            }
        }
    }
}

/// A linear axis with its ticks where we put them (plotters' own `with_key_points`
/// wrapper cannot take label formatters).
#[derive(Clone, Debug)]
pub(crate) struct Axis {
    range: Range<f64>,
    ticks: Vec<f64>,
}

impl Axis {
    pub(crate) fn new(lo: f64, hi: f64, ticks: Vec<f64>) -> Axis {
        Axis {
            range: lo..hi,
            ticks,
        }
    }
}

impl Ranged for Axis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let span = self.range.end - self.range.start;
        if span == 0.0 {
            return (limit.0 + limit.1) / 2;
        }
        let at = (value - self.range.start) / span;
        limit.0 + (at * f64::from(limit.1 - limit.0)).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.range.clone()
    }
}

/// 1, 2, 2.5 or 5 times a power of ten, at least `raw`.
pub(crate) fn nice_step(raw: f64) -> f64 {
    let magnitude = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|step| *step >= raw)
        .unwrap_or(10.0 * magnitude)
}

/// A value as an axis label: `0.5`, `20`, `1k`, `2M`, …
pub(crate) fn axis_number(v: f64) -> String {
    let a = v.abs();
    let trim = |s: String| {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    };
    if a >= 1e9 {
        trim(format!("{:.1}", v / 1e9)) + "G"
    } else if a >= 1e6 {
        trim(format!("{:.1}", v / 1e6)) + "M"
    } else if a >= 1e3 {
        trim(format!("{:.1}", v / 1e3)) + "k"
    } else if a >= 1.0 || a == 0.0 {
        trim(format!("{v:.2}"))
    } else {
        trim(format!("{v:.4}"))
    }
}

/// A value above a bar: three significant figures (`0.137`, `1.91`, `42.9`, `1,234`).
pub(crate) fn bar_value(v: f64) -> String {
    let a = v.abs();
    if a >= 1000.0 {
        format::count(v.round() as u64)
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

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

/// A registry colour as plotters draws it.
pub(crate) fn rgb(colour: Rgb) -> RGBColor {
    let Rgb(r, g, b) = colour;
    RGBColor(r, g, b)
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
            Swatch::Line(c) => {
                area.draw(&PathElement::new(
                    vec![(sx, sy + 7), (sx + 22, sy + 7)],
                    c.stroke_width(3),
                ))?;
            }
            Swatch::Dashed(c) => {
                for i in 0..3 {
                    area.draw(&PathElement::new(
                        vec![(sx + i * 9, sy + 7), (sx + i * 9 + 5, sy + 7)],
                        c.stroke_width(2),
                    ))?;
                }
            }
            Swatch::Circle(c) => {
                area.draw(&PathElement::new(
                    vec![(sx, sy + 7), (sx + 22, sy + 7)],
                    c.stroke_width(2),
                ))?;
                area.draw(&Circle::new((sx + 11, sy + 7), 4, c.filled()))?;
            }
            Swatch::Triangle(c) => {
                for i in 0..3 {
                    area.draw(&PathElement::new(
                        vec![(sx + i * 9, sy + 7), (sx + i * 9 + 5, sy + 7)],
                        c.stroke_width(2),
                    ))?;
                }
                area.draw(&TriangleMarker::new((sx + 11, sy + 7), 6, c.filled()))?;
            }
            Swatch::Marked(c, mark, dashed) => {
                if dashed {
                    for i in 0..3 {
                        area.draw(&PathElement::new(
                            vec![(sx + i * 9, sy + 7), (sx + i * 9 + 5, sy + 7)],
                            c.stroke_width(2),
                        ))?;
                    }
                } else {
                    area.draw(&PathElement::new(
                        vec![(sx, sy + 7), (sx + 22, sy + 7)],
                        c.stroke_width(2),
                    ))?;
                }
                mark.draw(area, (sx + 11, sy + 7), c)?;
            }
        }
        area.draw(&Text::new(label.clone(), (x + 28, y + 1), font.clone()))?;
        x += w;
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

/// A reference line drawn on a bar panel.
pub(crate) struct Reference {
    /// The value it marks.
    pub(crate) value: f64,
    /// The categories it spans (`None`: the whole panel).
    pub(crate) category: Option<usize>,
    pub(crate) colour: RGBColor,
    pub(crate) dashed: bool,
}

/// Grouped bars: for each category, one bar per pipeline.
pub(crate) struct Bars<'a> {
    pub(crate) caption: &'a str,
    pub(crate) x_label: &'a str,
    pub(crate) y_label: &'a str,
    pub(crate) scale: Scale,
    pub(crate) categories: Vec<String>,
    pub(crate) series: Vec<(Pipeline, Vec<Option<f64>>)>,
    /// A short horizontal mark on one bar (category, series index, value).
    pub(crate) marks: Vec<(usize, usize, f64)>,
    /// Text above a bar (category, series index, text).
    pub(crate) notes: Vec<(usize, usize, String)>,
    pub(crate) references: Vec<Reference>,
    /// The lowest value the axis must show (linear scales start at 0 unless set).
    pub(crate) floor: Option<f64>,
    pub(crate) value_labels: bool,
    /// How a value above a bar is written.
    pub(crate) label: fn(f64) -> String,
    /// Bars along the x axis, categories down the y axis (the first at the top): for
    /// many categories, whose names would not fit side by side. Draws the bars only.
    pub(crate) horizontal: bool,
}

impl Bars<'_> {
    pub(crate) fn values(&self) -> impl Iterator<Item = f64> + '_ {
        let bars = self
            .series
            .iter()
            .flat_map(|(_, v)| v.iter().flatten().copied());
        let marks = self.marks.iter().map(|m| m.2);
        let refs = self.references.iter().map(|r| r.value);
        bars.chain(marks).chain(refs).filter(|v| v.is_finite())
    }

    pub(crate) fn draw(&self, area: &Area<'_>) -> anyhow::Result<()> {
        let positive = self.values().filter(|v| *v > 0.0);
        let (min, max) = positive.fold((f64::INFINITY, 0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
        let (min, max) = if min.is_finite() {
            (min, max)
        } else {
            (1.0, 10.0)
        };
        let lo = match (self.scale, self.floor) {
            (_, Some(floor)) => floor,
            (Scale::Linear, None) => 0.0,
            // Half the smallest value, so the smallest bar never sits on the axis.
            (Scale::Log10, None) => min / 2.0,
        };
        let hi = if self.notes.is_empty() && !self.value_labels {
            max
        } else {
            match self.scale {
                Scale::Linear => max + (max - lo) * 0.08,
                Scale::Log10 => max * 2.0,
            }
        };
        let (y0, y1, yticks) = self.scale.ticks(lo, hi);
        // The value axis: ours with its round ticks, or plotters' own log axis over
        // whole decades. Either way every coordinate below is computed on the axis
        // (`scale.to_axis`) and handed to plotters as a value (`scale.value_at`).
        match self.scale {
            Scale::Linear => self.draw_on(area, Axis::new(y0, y1, yticks), (y0, y1)),
            Scale::Log10 => {
                let values = self.scale.value_at(y0)..self.scale.value_at(y1);
                self.draw_on(area, LogCoord::from(values.log_scale()), (y0, y1))
            }
        }
    }

    /// [`Bars::draw`] on the value axis `values`, which spans `y0..y1` on the axis.
    fn draw_on<V>(&self, area: &Area<'_>, values: V, (y0, y1): (f64, f64)) -> anyhow::Result<()>
    where
        V: Ranged<ValueType = f64, FormatOption = DefaultFormatting>,
    {
        if self.horizontal {
            return self.draw_horizontal(area, values, (y0, y1));
        }
        let n = self.categories.len().max(1);
        let at = |axis: f64| self.scale.value_at(axis);
        let xticks: Vec<f64> = (0..n).map(|i| i as f64 + 0.5).collect();
        let mut chart = ChartBuilder::on(area)
            .caption(self.caption, (FONT, AXIS))
            .margin(12)
            .margin_right(20)
            .x_label_area_size(54)
            .y_label_area_size(78)
            .build_cartesian_2d(Axis::new(0.0, n as f64, xticks), values)?;
        let categories = &self.categories;
        let scale = self.scale;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .bold_line_style(GRID)
            .label_style((FONT, TICKS))
            .axis_desc_style((FONT, AXIS))
            .x_desc(self.x_label)
            .y_desc(self.y_label)
            .x_label_formatter(&|x| {
                categories
                    .get(x.floor().max(0.0) as usize)
                    .cloned()
                    .unwrap_or_default()
            })
            .y_label_formatter(&|y| axis_number(*y))
            .draw()?;

        // Reference lines first: bars and their labels go over them.
        for r in &self.references {
            let y = scale.to_axis(r.value);
            let (x0, x1) = match r.category {
                Some(c) => (c as f64 + 0.05, c as f64 + 0.95),
                None => (0.0, n as f64),
            };
            if r.dashed {
                chart.draw_series(DashedLineSeries::new(
                    vec![(x0, at(y)), (x1, at(y))],
                    8,
                    5,
                    r.colour.stroke_width(2),
                ))?;
            } else {
                chart.draw_series(LineSeries::new(
                    vec![(x0, at(y)), (x1, at(y))],
                    r.colour.stroke_width(2),
                ))?;
            }
        }
        let series_count = self.series.len().max(1) as f64;
        let width = 0.8 / series_count;
        let left = |category: usize, series: usize| category as f64 + 0.1 + series as f64 * width;
        for (s, (pipeline, values)) in self.series.iter().enumerate() {
            let bars = values.iter().enumerate().filter_map(|(c, v)| {
                let v = (*v)?;
                let top = scale.to_axis(v).max(y0);
                let x0 = left(c, s) + width * 0.06;
                let x1 = left(c, s) + width * 0.94;
                Some(Rectangle::new(
                    [(x0, at(y0)), (x1, at(top))],
                    rgb(pipeline.colour).filled(),
                ))
            });
            chart.draw_series(bars)?;
            if self.value_labels {
                // Inside the top of a tall bar (in white), above a short one.
                let above = TextStyle::from((FONT, VALUES).into_font())
                    .pos(Pos::new(HPos::Center, VPos::Bottom));
                let inside = (FONT, VALUES)
                    .into_font()
                    .color(&WHITE)
                    .pos(Pos::new(HPos::Center, VPos::Top));
                let labels = values.iter().enumerate().filter_map(|(c, v)| {
                    let v = (*v)?;
                    let top = scale.to_axis(v).max(y0);
                    let x = left(c, s) + width / 2.0;
                    let text = (self.label)(v);
                    Some(if (top - y0) / (y1 - y0) > 0.15 {
                        Text::new(text, (x, at(top - (y1 - y0) * 0.01)), inside.clone())
                    } else {
                        Text::new(text, (x, at(top)), above.clone())
                    })
                });
                chart.draw_series(labels)?;
            }
        }
        for &(c, s, value) in &self.marks {
            let y = scale.to_axis(value);
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(left(c, s), at(y)), (left(c, s) + width, at(y))],
                BLACK.stroke_width(3),
            )))?;
        }
        let note_style =
            TextStyle::from((FONT, VALUES).into_font()).pos(Pos::new(HPos::Center, VPos::Bottom));
        for (c, s, text) in &self.notes {
            let top = self.series[*s].1[*c]
                .map(|v| scale.to_axis(v))
                .unwrap_or(y0);
            let marks = self
                .marks
                .iter()
                .filter(|m| m.0 == *c && m.1 == *s)
                .map(|m| scale.to_axis(m.2));
            let top = marks.fold(top, f64::max);
            let place = (left(*c, *s) + width / 2.0, at(top + (y1 - y0) * 0.01));
            chart.draw_series(std::iter::once(Text::new(
                text.clone(),
                place,
                note_style.clone(),
            )))?;
        }
        Ok(())
    }
}

impl Bars<'_> {
    /// The bars of [`Bars::draw`] laid along the x axis, the categories down the y
    /// axis from the top; `values` is the value axis, which spans `v0..` on the axis.
    fn draw_horizontal<V>(
        &self,
        area: &Area<'_>,
        values: V,
        (v0, _): (f64, f64),
    ) -> anyhow::Result<()>
    where
        V: Ranged<ValueType = f64, FormatOption = DefaultFormatting>,
    {
        let at = |axis: f64| self.scale.value_at(axis);
        let n = self.categories.len().max(1);
        // Category c is drawn between n - c - 1 and n - c: the first at the top.
        let cticks: Vec<f64> = (0..n).map(|i| i as f64 + 0.5).collect();
        let mut chart = ChartBuilder::on(area)
            .caption(self.caption, (FONT, AXIS))
            .margin(12)
            .margin_right(24)
            .x_label_area_size(54)
            .y_label_area_size(140)
            .build_cartesian_2d(values, Axis::new(0.0, n as f64, cticks))?;
        let categories = &self.categories;
        let scale = self.scale;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .bold_line_style(GRID)
            .label_style((FONT, TICKS))
            .axis_desc_style((FONT, AXIS))
            .x_desc(self.y_label)
            .y_desc(self.x_label)
            .y_label_formatter(&|y| {
                let from_top = n as f64 - y.floor() - 1.0;
                categories
                    .get(from_top.max(0.0) as usize)
                    .cloned()
                    .unwrap_or_default()
            })
            .x_label_formatter(&|x| axis_number(*x))
            .draw()?;
        let series_count = self.series.len().max(1) as f64;
        let height = 0.84 / series_count;
        let top =
            |category: usize, series: usize| (n - category) as f64 - 0.08 - series as f64 * height;
        for (s, (pipeline, values)) in self.series.iter().enumerate() {
            let bars = values.iter().enumerate().filter_map(|(c, v)| {
                let v = (*v)?;
                let end = scale.to_axis(v).max(v0);
                let y0 = top(c, s) - height * 0.08;
                let y1 = top(c, s) - height * 0.92;
                Some(Rectangle::new(
                    [(at(v0), y0), (at(end), y1)],
                    rgb(pipeline.colour).filled(),
                ))
            });
            chart.draw_series(bars)?;
        }
        Ok(())
    }
}

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

/// A short label for a scenario run: `bottleneck (8)`.
pub(crate) fn config_label(scenario: &str, capacity: Option<usize>) -> String {
    match capacity {
        None => scenario.to_string(),
        Some(n) => format!("{scenario} ({n})"),
    }
}

/// The value of `get` on every scenario run, per pipeline.
pub(crate) fn per_config(
    results: &Results,
    configs: &[(String, Option<usize>)],
    get: impl Fn(&pipeline_core::Report) -> Option<f64>,
) -> Vec<(Pipeline, Vec<Option<f64>>)> {
    ALL.iter()
        .map(|&v| {
            let values = configs
                .iter()
                .map(|(s, c)| results.report(s, *c, v).and_then(&get))
                .collect();
            (v, values)
        })
        .collect()
}

pub(crate) fn bars<'a>(
    caption: &'a str,
    x_label: &'a str,
    y_label: &'a str,
    scale: Scale,
) -> Bars<'a> {
    Bars {
        caption,
        x_label,
        y_label,
        scale,
        categories: Vec::new(),
        series: Vec::new(),
        marks: Vec::new(),
        notes: Vec::new(),
        references: Vec::new(),
        floor: None,
        value_labels: false,
        label: bar_value,
        horizontal: false,
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_axis_spans_whole_decades_around_the_values() {
        let (lo, hi, _) = Scale::Log10.ticks(3.0, 2_000_000.0);
        assert_eq!((lo, hi), (0.0, 7.0));
        assert_eq!(axis_number(Scale::Log10.value_at(6.0)), "1M");
        assert_eq!(Scale::Log10.to_axis(1000.0), 3.0);
    }

    #[test]
    fn linear_ticks_are_round() {
        let (lo, hi, ticks) = Scale::Linear.ticks(0.0, 4.3);
        assert_eq!(lo, 0.0);
        assert!(hi >= 4.3);
        assert!(
            ticks.iter().all(|t| (t * 2.0).fract().abs() < 1e-9),
            "{ticks:?}"
        );
    }
}

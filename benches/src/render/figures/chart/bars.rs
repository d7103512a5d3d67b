//! Grouped bar charts, vertical or horizontal, with reference lines, marks and notes.

use plotters::coord::ranged1d::DefaultFormatting;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::*;
use crate::format;
use pipeline_registry::Pipeline;

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
    /// A range drawn over a bar as a vertical line with caps (category, series
    /// index, lowest, highest): the spread of the runs whose median the bar is.
    pub(crate) whiskers: Vec<(usize, usize, f64, f64)>,
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
    /// Each category's bars side by side, centred, with no gap for a series that
    /// has no value there (for series that each fill a few categories only);
    /// vertical bars only.
    pub(crate) packed: bool,
}

impl Bars<'_> {
    pub(crate) fn values(&self) -> impl Iterator<Item = f64> + '_ {
        let bars = self
            .series
            .iter()
            .flat_map(|(_, v)| v.iter().flatten().copied());
        let marks = self.marks.iter().map(|m| m.2);
        let whiskers = self.whiskers.iter().flat_map(|w| [w.2, w.3]);
        let refs = self.references.iter().map(|r| r.value);
        bars.chain(marks)
            .chain(whiskers)
            .chain(refs)
            .filter(|v| v.is_finite())
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
        // Which of a category's bars a series' is, and how many it has.
        let present = |c: usize| {
            self.series
                .iter()
                .filter(|(_, values)| values.get(c).copied().flatten().is_some())
                .count()
        };
        let rank = |c: usize, s: usize| {
            self.series[..s]
                .iter()
                .filter(|(_, values)| values.get(c).copied().flatten().is_some())
                .count()
        };
        let slots = if self.packed {
            (0..n).map(present).max().unwrap_or(1)
        } else {
            self.series.len()
        };
        let width = 0.8 / slots.max(1) as f64;
        let left = |category: usize, series: usize| {
            if self.packed {
                let shown = present(category) as f64;
                let start = category as f64 + 0.5 - shown * width / 2.0;
                start + rank(category, series) as f64 * width
            } else {
                category as f64 + 0.1 + series as f64 * width
            }
        };
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
        for &(c, s, lo, hi) in &self.whiskers {
            let (lo, hi) = (scale.to_axis(lo).max(y0), scale.to_axis(hi).max(y0));
            let x = left(c, s) + width / 2.0;
            let cap = width * 0.2;
            for path in [
                vec![(x, at(lo)), (x, at(hi))],
                vec![(x - cap, at(lo)), (x + cap, at(lo))],
                vec![(x - cap, at(hi)), (x + cap, at(hi))],
            ] {
                chart.draw_series(std::iter::once(PathElement::new(
                    path,
                    BLACK.stroke_width(2),
                )))?;
            }
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
            let whiskers = self
                .whiskers
                .iter()
                .filter(|w| w.0 == *c && w.1 == *s)
                .map(|w| scale.to_axis(w.3));
            let top = marks.chain(whiskers).fold(top, f64::max);
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
        whiskers: Vec::new(),
        notes: Vec::new(),
        references: Vec::new(),
        floor: None,
        value_labels: false,
        label: bar_value,
        horizontal: false,
        packed: false,
    }
}

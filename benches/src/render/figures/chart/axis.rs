//! Value axes: linear with round ticks (ours), or plotters' log axis over decades.

use std::ops::Range;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::prelude::*;

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

//! Number formats shared by the tables, the terminal summary and the figures: the
//! lab's own, from `pipeline-present`, so a figure prints the same in both.

pub use pipeline_present::units::{
    MISSING, capacity, count, duration, mib, micros, percent, ratio, ratio3, secs,
};

/// A time per item, down to nanoseconds (a hop through a channel takes less than
/// a microsecond): `85 ns`, `1.25 µs`, `12.3 µs`, and from 100 µs on as
/// [`duration`] writes it.
pub fn per_item(s: f64) -> String {
    if !s.is_finite() || s < 0.0 {
        return MISSING.into();
    }
    let ns = s * 1e9;
    if ns < 999.5 {
        format!("{ns:.0} ns")
    } else if ns < 9_995.0 {
        format!("{:.2} µs", ns / 1e3)
    } else if ns < 99_950.0 {
        format!("{:.1} µs", ns / 1e3)
    } else {
        duration(s)
    }
}

/// A time per item with the range it came from, in the median's unit: `27 (25–31)
/// ns`, `2.31 (2.10–2.90) µs`.
pub fn per_item_range(median: f64, lo: f64, hi: f64) -> String {
    if ![median, lo, hi].iter().all(|v| v.is_finite() && *v >= 0.0) {
        return MISSING.into();
    }
    let ns = median * 1e9;
    let (scale, unit, places) = if ns < 999.5 {
        (1e9, "ns", 0)
    } else if ns < 9_995.0 {
        (1e6, "µs", 2)
    } else if ns < 99_950.0 {
        (1e6, "µs", 1)
    } else if ns < 999_500.0 {
        (1e6, "µs", 0)
    } else {
        (1e3, "ms", 2)
    };
    let at = |v: f64| format!("{:.*}", places, v * scale);
    format!("{} ({}–{}) {unit}", at(median), at(lo), at(hi))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_range_per_item_is_written_in_its_median_s_unit() {
        use super::per_item_range;
        assert_eq!(per_item_range(27e-9, 25.2e-9, 31e-9), "27 (25–31) ns");
        assert_eq!(
            per_item_range(2.31e-6, 0.9e-6, 2.9e-6),
            "2.31 (0.90–2.90) µs"
        );
        assert_eq!(per_item_range(f64::NAN, 0.0, 1.0), super::MISSING);
    }

    #[test]
    fn a_time_per_item_keeps_three_figures_down_to_nanoseconds() {
        use super::per_item;
        assert_eq!(per_item(85e-9), "85 ns");
        assert_eq!(per_item(1.254e-6), "1.25 µs");
        assert_eq!(per_item(12.34e-6), "12.3 µs");
        assert_eq!(per_item(250e-6), "250 µs");
        assert_eq!(per_item(f64::NAN), super::MISSING);
    }
}

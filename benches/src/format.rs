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

#[cfg(test)]
mod tests {
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

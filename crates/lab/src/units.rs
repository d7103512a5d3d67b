//! Numbers with units a reader takes in at a glance: µs, ms and s; B, KiB, MiB and GiB.

/// What a figure that is missing (or not a number) shows as.
pub const MISSING: &str = "—";

/// A duration in seconds, in the unit that suits it: `850 µs`, `12.3 ms`, `5.21 s`.
/// A value that rounds up to the next unit is written in it (`0.9996` is
/// `1.00 s`, not `1000 ms`); a negative or not-a-number one is [`MISSING`].
pub fn seconds(s: f64) -> String {
    if !s.is_finite() || s < 0.0 {
        MISSING.into()
    } else if s < 0.999_5e-3 {
        format!("{:.0} µs", s * 1e6 + 0.0)
    } else if s < 0.999_5 {
        format!("{} ms", three_figures(s * 1e3))
    } else {
        format!("{} s", three_figures(s))
    }
}

/// A ratio with two decimals, or [`MISSING`].
pub fn ratio(value: Option<f64>) -> String {
    match value {
        Some(v) if v.is_finite() => format!("{:.2}", v + 0.0),
        _ => MISSING.into(),
    }
}

/// A fraction as a percentage with one decimal (`81.2%`), or [`MISSING`].
pub fn percent(value: Option<f64>) -> String {
    match value {
        Some(v) if v.is_finite() => format!("{:.1}%", v * 100.0 + 0.0),
        _ => MISSING.into(),
    }
}

/// A duration in microseconds, in the unit that suits it.
pub fn micros(us: u64) -> String {
    seconds(us as f64 / 1e6)
}

/// A size in bytes, in the binary unit that suits it: `512 B`, `12.3 KiB`, `4.50 MiB`.
pub fn bytes(b: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if b < 1024 {
        return format!("{b} B");
    }
    let mut value = b as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{} {}", three_figures(value), UNITS[unit])
}

/// A number of milliseconds as given in a config: `0`, `0.5`, `5` (never `-0`,
/// and never more than the microseconds a timer can wait: `0.001`).
pub fn ms(ms: f64) -> String {
    if !ms.is_finite() {
        return MISSING.into();
    }
    let text = format!("{:.3}", ms + 0.0);
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".into()
    } else {
        text.into()
    }
}

/// A value with three significant figures (at least), no exponent: `1.23`, `12.3`,
/// `123`; a value that rounds up to the next decade is written in its style
/// (`9.996` as `10.0`).
fn three_figures(value: f64) -> String {
    if value < 9.995 {
        format!("{value:.2}")
    } else if value < 99.95 {
        format!("{value:.1}")
    } else {
        format!("{value:.0}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_pick_their_unit() {
        assert_eq!(seconds(0.000_85), "850 µs");
        assert_eq!(seconds(0.0123), "12.3 ms");
        assert_eq!(seconds(5.2149), "5.21 s");
        assert_eq!(seconds(0.0), "0 µs");
        assert_eq!(micros(2_300), "2.30 ms");
    }

    #[test]
    fn a_duration_that_rounds_up_takes_the_next_unit() {
        assert_eq!(seconds(0.9996), "1.00 s");
        assert_eq!(seconds(0.000_999_7), "1.00 ms");
        assert_eq!(seconds(0.009_996), "10.0 ms");
        assert_eq!(seconds(0.099_97), "100 ms");
    }

    #[test]
    fn missing_figures_show_as_a_dash() {
        for bad in [f64::NAN, f64::INFINITY, -1.0] {
            assert_eq!(seconds(bad), MISSING);
        }
        assert_eq!(seconds(-0.0), "0 µs");
        assert_eq!(ratio(Some(f64::INFINITY)), MISSING);
        assert_eq!(ratio(None), MISSING);
        assert_eq!(ratio(Some(0.554)), "0.55");
        assert_eq!(percent(Some(-0.0)), "0.0%");
    }

    #[test]
    fn sizes_pick_their_unit() {
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(12_595), "12.3 KiB");
        assert_eq!(bytes(4_718_592), "4.50 MiB");
        assert_eq!(bytes(3 << 30), "3.00 GiB");
    }

    #[test]
    fn config_milliseconds_stay_as_given() {
        assert_eq!(ms(0.0), "0");
        assert_eq!(ms(0.5), "0.5");
        assert_eq!(ms(5.0), "5");
    }

    #[test]
    fn config_milliseconds_are_never_negative_zero_or_endless() {
        assert_eq!(ms(-0.0), "0");
        assert_eq!(ms(1e-300), "0");
        assert_eq!(ms(0.001), "0.001");
        assert_eq!(ms(1.0 / 3.0), "0.333");
    }
}

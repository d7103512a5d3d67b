//! Numbers with units a reader takes in at a glance: µs, ms and s; B, KiB, MiB and GiB.

/// A duration in seconds, in the unit that suits it: `850 µs`, `12.3 ms`, `5.21 s`.
pub fn seconds(s: f64) -> String {
    if s < 1e-3 {
        format!("{:.0} µs", s * 1e6)
    } else if s < 1.0 {
        format!("{} ms", three_figures(s * 1e3))
    } else {
        format!("{} s", three_figures(s))
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

/// A number of milliseconds as given in a config: `0`, `0.5`, `5`.
pub fn ms(ms: f64) -> String {
    format!("{ms}")
}

/// A value with three significant figures (at least), no exponent: `1.23`, `12.3`, `123`.
fn three_figures(value: f64) -> String {
    if value < 10.0 {
        format!("{value:.2}")
    } else if value < 100.0 {
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
}

//! Number formats shared by the tables, the terminal summary and the figures.

/// `unbounded` or the bound.
pub fn capacity(capacity: Option<usize>) -> String {
    match capacity {
        None => "unbounded".into(),
        Some(n) => n.to_string(),
    }
}

/// Seconds with three significant figures or at least three decimals (a value
/// that rounds up to the next decade is written in its style: 9.9996 as 10.00;
/// `–` for a negative or not-a-number value).
pub fn secs(s: f64) -> String {
    if !s.is_finite() || s < 0.0 {
        "–".into()
    } else if s >= 99.995 {
        format!("{s:.1}")
    } else if s >= 9.999_5 {
        format!("{s:.2}")
    } else {
        format!("{:.3}", s + 0.0)
    }
}

/// A duration given in seconds, with its unit: µs below a millisecond, ms with
/// three significant figures below a second, else seconds as [`secs`] writes them.
pub fn duration(s: f64) -> String {
    if !s.is_finite() || s < 0.0 {
        "–".into()
    } else if s < 0.999_5e-3 {
        format!("{:.0} µs", s * 1e6 + 0.0)
    } else if s < 0.999_5 {
        let ms = s * 1e3;
        // Three significant figures (a value that rounds up to the next decade is
        // written in its style: 9.996 ms as 10.0 ms).
        if ms < 9.995 {
            format!("{ms:.2} ms")
        } else if ms < 99.95 {
            format!("{ms:.1} ms")
        } else {
            format!("{ms:.0} ms")
        }
    } else {
        format!("{} s", secs(s))
    }
}

/// A latency in microseconds, shown in µs, ms or s.
pub fn micros(us: u64) -> String {
    let us = us as f64;
    if us < 1000.0 {
        format!("{us:.0} µs")
    } else if us < 999_995.0 {
        format!("{:.2} ms", us / 1e3)
    } else {
        format!("{:.2} s", us / 1e6)
    }
}

/// Bytes as MiB with two decimals (`–` when unknown).
pub fn mib(bytes: Option<u64>) -> String {
    match bytes {
        Some(b) => format!("{:.2}", b as f64 / (1024.0 * 1024.0)),
        None => "–".into(),
    }
}

/// An integer with thousands separated by commas: `1,234,567`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A ratio with two decimals and a `×`.
pub fn ratio(r: f64) -> String {
    if r.is_finite() {
        format!("{:.2}×", r + 0.0)
    } else {
        "–".into()
    }
}

/// A ratio with three decimals and a `×`, for ratios close to 1.
pub fn ratio3(r: f64) -> String {
    if r.is_finite() {
        format!("{:.3}×", r + 0.0)
    } else {
        "–".into()
    }
}

/// A fraction as a percentage with one decimal.
pub fn percent(f: f64) -> String {
    if f.is_finite() {
        format!("{:.1}%", f * 100.0 + 0.0)
    } else {
        "–".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(count(12), "12");
        assert_eq!(micros(12), "12 µs");
        assert_eq!(micros(10_400), "10.40 ms");
        assert_eq!(capacity(Some(8)), "8");
        assert_eq!(mib(Some(3 * 1024 * 1024)), "3.00");
        assert_eq!(duration(0.000_447), "447 µs");
        assert_eq!(duration(0.001_07), "1.07 ms");
        assert_eq!(duration(0.020_3), "20.3 ms");
        assert_eq!(duration(0.330), "330 ms");
        assert_eq!(duration(5.092), "5.092 s");
        assert_eq!(duration(10.02), "10.02 s");
    }

    #[test]
    fn values_that_round_up_take_the_next_style_and_nothing_is_negative_zero() {
        assert_eq!(secs(9.999_6), "10.00");
        assert_eq!(secs(99.996), "100.0");
        assert_eq!(secs(-0.0), "0.000");
        assert_eq!(secs(-1.0), "–");
        assert_eq!(duration(0.999_6), "1.000 s");
        assert_eq!(duration(0.000_999_7), "1.00 ms");
        assert_eq!(micros(999_999), "1.00 s");
        assert_eq!(percent(-0.0), "0.0%");
        assert_eq!(ratio(-0.0), "0.00×");
        assert_eq!(ratio(f64::INFINITY), "–");
    }
}

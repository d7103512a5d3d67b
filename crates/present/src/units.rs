//! Numbers with units a reader takes in at a glance: µs, ms and s; B, KiB, MiB,
//! GiB and TiB; ratios, percentages, counts and queue capacities.
//!
//! # The rounding rule
//!
//! A number is rounded once, to the precision it is printed with, and the unit and
//! the number of decimals are chosen from the *rounded* value. So a value never
//! prints as the top of one unit when it rounds to the start of the next (0.9996 s
//! is `1.000 s`, never `1000 ms`; 9.996 ms is `10.0 ms`, never `10.00 ms`), and a
//! value that rounds to zero never keeps its minus sign (`0.0%`, never `-0.0%`).
//! Longer values never print smaller: the text is monotone in the value.
//!
//! The precisions:
//!
//! - durations ([`duration`], [`micros`]): whole microseconds below a millisecond
//!   (`850 µs`), three significant figures in milliseconds below a second
//!   (`1.07 ms`, `20.3 ms`, `330 ms`), and seconds as [`secs`] writes them
//!   (`5.092 s`, `10.02 s`, `100.0 s`): a duration of seconds is a wall time,
//!   compared from run to run down to the millisecond;
//! - [`secs`], seconds in a column whose header names the unit: three decimals
//!   below 10 s, two below 100 s, one above;
//! - sizes ([`bytes`]): whole bytes below a KiB, then three significant figures in
//!   the largest binary unit the rounded value reaches (`12.3 KiB`, `4.50 MiB`);
//!   [`mib`] writes MiB with two decimals for a column headed in MiB;
//! - ratios ([`ratio`]: two decimals and `×`; [`ratio3`]: three, for ratios close
//!   to 1), percentages ([`percent`]: one decimal), [`decimals`] for a plain number;
//! - counts ([`count`]) with their thousands separated by commas; milliseconds of
//!   a config ([`ms`]) as given, to the microsecond.
//!
//! A figure that is missing, not a number, or (for durations) negative prints as
//! [`MISSING`].

/// What a figure that is missing (or not a number) shows as.
pub const MISSING: &str = "–";

/// `value` with `places` decimals, never `-0` (a value that rounds to zero loses its
/// sign); `None` when it is not a finite number.
fn fixed(value: f64, places: usize) -> Option<String> {
    if !value.is_finite() {
        return None;
    }
    let text = format!("{value:.places$}");
    match text.strip_prefix('-') {
        Some(magnitude) if magnitude.bytes().all(|b| matches!(b, b'0' | b'.')) => {
            Some(magnitude.to_string())
        }
        _ => Some(text),
    }
}

/// A non-negative `value` rounded to the first of `places` (for values that round
/// below 10, below 100, and from 100 on) that suits its rounded value, or `None`
/// when it rounds to `limit` or more (it belongs to the next unit).
fn figures(value: f64, places: [usize; 3], limit: f64) -> Option<String> {
    let mut text = String::new();
    for (decade, places) in [10.0, 100.0, f64::INFINITY].into_iter().zip(places) {
        text = fixed(value, places)?;
        let rounded: f64 = text.parse().ok()?;
        if rounded < decade {
            break;
        }
    }
    let rounded: f64 = text.parse().ok()?;
    (rounded < limit).then_some(text)
}

/// A duration in seconds, in the unit that suits it: `850 µs`, `12.3 ms`, `5.092 s`
/// (see the [rounding rule](self)); a negative or not-a-number one is [`MISSING`].
pub fn duration(s: f64) -> String {
    if !s.is_finite() || s < 0.0 {
        return MISSING.into();
    }
    of_micros(s * 1e6)
}

/// A duration in whole microseconds (a latency), written as [`duration`] writes it.
pub fn micros(us: u64) -> String {
    of_micros(us as f64)
}

/// A non-negative, finite duration in microseconds, with its unit.
fn of_micros(us: f64) -> String {
    if let Some(text) = figures(us, [0, 0, 0], 1000.0) {
        return format!("{text} µs");
    }
    if let Some(text) = figures(us / 1e3, [2, 1, 0], 1000.0) {
        return format!("{text} ms");
    }
    format!("{} s", secs(us / 1e6))
}

/// Seconds as a number, for a column whose header names the unit: three decimals
/// below 10, two below 100, one above (`5.092`, `10.02`, `100.0`); a negative or
/// not-a-number value is [`MISSING`].
pub fn secs(s: f64) -> String {
    if !s.is_finite() || s < 0.0 {
        return MISSING.into();
    }
    figures(s, [3, 2, 1], f64::INFINITY).unwrap_or_else(|| MISSING.into())
}

/// A size in bytes, in the binary unit that suits it: `512 B`, `12.3 KiB`, `4.50 MiB`.
pub fn bytes(b: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if b < 1024 {
        return format!("{b} B");
    }
    let mut value = b as f64 / 1024.0;
    for (index, unit) in UNITS.iter().enumerate() {
        let last = index + 1 == UNITS.len();
        let limit = if last { f64::INFINITY } else { 1024.0 };
        if let Some(text) = figures(value, [2, 1, 0], limit) {
            return format!("{text} {unit}");
        }
        value /= 1024.0;
    }
    unreachable!("the last unit takes any value")
}

/// A size in MiB with two decimals, for a column headed in MiB; [`MISSING`] when
/// unknown.
pub fn mib(bytes: Option<u64>) -> String {
    bytes.map_or_else(
        || MISSING.into(),
        |b| decimals(b as f64 / (1024.0 * 1024.0), 2),
    )
}

/// A plain number with `places` decimals (never `-0`), or [`MISSING`].
pub fn decimals(value: f64, places: usize) -> String {
    fixed(value, places).unwrap_or_else(|| MISSING.into())
}

/// A ratio with two decimals and a `×` (`1.05×`), or [`MISSING`].
pub fn ratio(r: f64) -> String {
    fixed(r, 2).map_or_else(|| MISSING.into(), |text| format!("{text}×"))
}

/// A ratio with three decimals and a `×`, for ratios close to 1, or [`MISSING`].
pub fn ratio3(r: f64) -> String {
    fixed(r, 3).map_or_else(|| MISSING.into(), |text| format!("{text}×"))
}

/// A fraction as a percentage with one decimal (`81.2%`), or [`MISSING`].
pub fn percent(fraction: f64) -> String {
    fixed(fraction * 100.0, 1).map_or_else(|| MISSING.into(), |text| format!("{text}%"))
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

/// A queue's capacity: `unbounded`, `0 (rendezvous)`, or the bound.
pub fn capacity(capacity: Option<usize>) -> String {
    match capacity {
        None => "unbounded".into(),
        Some(0) => "0 (rendezvous)".into(),
        Some(n) => n.to_string(),
    }
}

/// A number of milliseconds as given in a config: `0`, `0.5`, `5` (never `-0`,
/// and never finer than the microseconds a timer can wait: `0.001`), or [`MISSING`].
pub fn ms(ms: f64) -> String {
    let Some(text) = fixed(ms, 3) else {
        return MISSING.into();
    };
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text.is_empty() {
        "0".into()
    } else {
        text.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn durations_pick_their_unit() {
        assert_eq!(duration(0.000_447), "447 µs");
        assert_eq!(duration(0.000_85), "850 µs");
        assert_eq!(duration(0.001_07), "1.07 ms");
        assert_eq!(duration(0.0123), "12.3 ms");
        assert_eq!(duration(0.020_3), "20.3 ms");
        assert_eq!(duration(0.330), "330 ms");
        assert_eq!(duration(5.092), "5.092 s");
        assert_eq!(duration(10.02), "10.02 s");
        assert_eq!(duration(123.44), "123.4 s");
        assert_eq!(duration(0.0), "0 µs");
    }

    #[test]
    fn latencies_in_microseconds_print_as_durations_do() {
        assert_eq!(micros(12), "12 µs");
        assert_eq!(micros(2_300), "2.30 ms");
        assert_eq!(micros(10_400), "10.4 ms");
        assert_eq!(micros(10_400), duration(0.010_4));
        assert_eq!(micros(665_090), "665 ms");
        assert_eq!(micros(1_120_000), "1.120 s");
        for us in [0, 999, 1_000, 9_996, 99_960, 999_600, 999_999, 12_345_678] {
            assert_eq!(micros(us), duration(us as f64 / 1e6), "{us} µs");
        }
    }

    #[test]
    fn a_duration_that_rounds_up_takes_the_next_unit() {
        assert_eq!(duration(0.9996), "1.000 s");
        assert_eq!(micros(999_999), "1.000 s");
        assert_eq!(duration(0.000_999_7), "1.00 ms");
        assert_eq!(duration(0.009_996), "10.0 ms");
        assert_eq!(duration(0.099_97), "100 ms");
        assert_eq!(duration(9.999_6), "10.00 s");
        assert_eq!(duration(99.996), "100.0 s");
    }

    #[test]
    fn seconds_in_a_column_headed_in_seconds() {
        assert_eq!(secs(0.0123), "0.012");
        assert_eq!(secs(5.092), "5.092");
        assert_eq!(secs(9.999_6), "10.00");
        assert_eq!(secs(99.996), "100.0");
        assert_eq!(secs(-0.0), "0.000");
        assert_eq!(secs(-1.0), MISSING);
        assert_eq!(secs(f64::NAN), MISSING);
    }

    #[test]
    fn missing_figures_show_as_a_dash() {
        for bad in [f64::NAN, f64::INFINITY, -1.0] {
            assert_eq!(duration(bad), MISSING);
        }
        assert_eq!(duration(-0.0), "0 µs");
        assert_eq!(ratio(f64::INFINITY), MISSING);
        assert_eq!(ratio3(f64::NAN), MISSING);
        assert_eq!(percent(f64::NAN), MISSING);
        assert_eq!(decimals(f64::NAN, 2), MISSING);
        assert_eq!(mib(None), MISSING);
        assert_eq!(ms(f64::NAN), MISSING);
    }

    #[test]
    fn ratios_and_percentages() {
        assert_eq!(ratio(1.054), "1.05×");
        assert_eq!(ratio3(1.0004), "1.000×");
        assert_eq!(decimals(0.554, 2), "0.55");
        assert_eq!(percent(0.8123), "81.2%");
        assert_eq!(percent(-0.0), "0.0%");
        assert_eq!(percent(-0.0004), "0.0%");
        assert_eq!(ratio(-0.0), "0.00×");
        assert_eq!(ratio(-0.001), "0.00×");
        assert_eq!(decimals(-0.25, 1), "-0.2");
    }

    #[test]
    fn sizes_pick_their_unit() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(1023), "1023 B");
        assert_eq!(bytes(1024), "1.00 KiB");
        assert_eq!(bytes(12_595), "12.3 KiB");
        assert_eq!(bytes(4_718_592), "4.50 MiB");
        assert_eq!(bytes(3 << 30), "3.00 GiB");
        assert_eq!(bytes((1 << 20) - 1), "1.00 MiB");
        assert_eq!(bytes(u64::MAX), "16777216 TiB");
        assert_eq!(mib(Some(3 * 1024 * 1024)), "3.00");
    }

    #[test]
    fn counts_and_capacities() {
        assert_eq!(count(0), "0");
        assert_eq!(count(12), "12");
        assert_eq!(count(1_000), "1,000");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(capacity(None), "unbounded");
        assert_eq!(capacity(Some(0)), "0 (rendezvous)");
        assert_eq!(capacity(Some(8)), "8");
    }

    #[test]
    fn config_milliseconds_stay_as_given() {
        assert_eq!(ms(0.0), "0");
        assert_eq!(ms(0.5), "0.5");
        assert_eq!(ms(5.0), "5");
        assert_eq!(ms(10.0), "10");
        assert_eq!(ms(-0.0), "0");
        assert_eq!(ms(-0.0001), "0");
        assert_eq!(ms(1e-300), "0");
        assert_eq!(ms(0.001), "0.001");
        assert_eq!(ms(1.0 / 3.0), "0.333");
    }

    /// A duration's text back in seconds.
    fn parse_duration(text: &str) -> f64 {
        let (number, unit) = text.split_once(' ').expect("a number and a unit");
        let number: f64 = number.parse().expect("a number");
        number
            * match unit {
                "µs" => 1e-6,
                "ms" => 1e-3,
                "s" => 1.0,
                other => panic!("unit {other}"),
            }
    }

    /// A size's text back in bytes.
    fn parse_bytes(text: &str) -> f64 {
        let (number, unit) = text.split_once(' ').expect("a number and a unit");
        let number: f64 = number.parse().expect("a number");
        let power = ["B", "KiB", "MiB", "GiB", "TiB"]
            .iter()
            .position(|u| *u == unit)
            .expect("a binary unit");
        number * 1024f64.powi(power as i32)
    }

    /// Whether the number in `text` is at the top of its unit (it should have
    /// taken the next one).
    fn at_the_top(text: &str, top: f64) -> bool {
        let number: f64 = text.split(' ').next().unwrap().parse().unwrap();
        number >= top
    }

    proptest! {
        #[test]
        fn durations_never_reach_the_next_unit_nor_show_minus_zero(s in 0.0..2_000.0f64) {
            let text = duration(s);
            prop_assert!(!text.starts_with('-'), "{text}");
            if !text.ends_with(" s") {
                prop_assert!(!at_the_top(&text, 1000.0), "{s}: {text}");
            }
        }

        #[test]
        fn durations_are_monotone(a in 0.0..2_000.0f64, b in 0.0..2_000.0f64) {
            let (low, high) = if a <= b { (a, b) } else { (b, a) };
            prop_assert!(
                parse_duration(&duration(low)) <= parse_duration(&duration(high)),
                "{low} as {}, {high} as {}", duration(low), duration(high)
            );
        }

        #[test]
        fn durations_are_close_to_the_value(s in 0.0..2_000.0f64) {
            let back = parse_duration(&duration(s));
            // Half a unit of the last printed digit, at most 0.5 µs or 0.5%.
            prop_assert!((back - s).abs() <= (s * 0.005).max(0.5e-6), "{s} as {}", duration(s));
        }

        #[test]
        fn latencies_are_monotone(a in 0u64..5_000_000_000, b in 0u64..5_000_000_000) {
            let (low, high) = (a.min(b), a.max(b));
            prop_assert!(parse_duration(&micros(low)) <= parse_duration(&micros(high)));
            prop_assert!(!at_the_top(&micros(high), 1000.0) || micros(high).ends_with(" s"));
        }

        #[test]
        fn sizes_never_reach_the_next_unit_and_are_monotone(a: u64, b: u64) {
            let (low, high) = (a.min(b), a.max(b));
            prop_assert!(parse_bytes(&bytes(low)) <= parse_bytes(&bytes(high)));
            let text = bytes(high);
            if !text.ends_with("TiB") {
                prop_assert!(!at_the_top(&text, 1024.0), "{high}: {text}");
            }
        }

        #[test]
        fn fixed_decimals_never_show_minus_zero(v in -1.0..1.0f64, places in 0usize..4) {
            for text in [decimals(v, places), percent(v / 100.0), ratio(v), ratio3(v), ms(v)] {
                let digits = text.trim_end_matches(['%', '×']);
                if digits.starts_with('-') {
                    prop_assert!(digits.bytes().any(|b| (b'1'..=b'9').contains(&b)), "{v}: {text}");
                }
            }
        }

        #[test]
        fn seconds_are_monotone(a in 0.0..5_000.0f64, b in 0.0..5_000.0f64) {
            let (low, high) = if a <= b { (a, b) } else { (b, a) };
            let [low, high] = [secs(low), secs(high)].map(|t| t.parse::<f64>().unwrap());
            prop_assert!(low <= high);
        }
    }
}

//! Number formats shared by the tables, the terminal summary and the figures: the
//! lab's own, from `pipeline-present`, so a figure prints the same in both.

pub use pipeline_present::units::{
    MISSING, capacity, count, duration, mib, micros, percent, ratio, ratio3, secs,
};

/// Today's date (UTC) as `YYYY-MM-DD`, from the system clock.
pub fn today() -> String {
    date_of(jiff::Timestamp::now())
}

/// The civil date (UTC) of an instant, as `YYYY-MM-DD`.
fn date_of(instant: jiff::Timestamp) -> String {
    instant.to_zoned(jiff::tz::TimeZone::UTC).date().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_civil_and_in_utc() {
        let day = |s: i64| date_of(jiff::Timestamp::from_second(s).unwrap());
        assert_eq!(day(0), "1970-01-01");
        assert_eq!(day(19_723 * 86_400), "2024-01-01");
        assert_eq!(day(20_513 * 86_400 - 1), "2026-02-28");
        assert_eq!(day(20_513 * 86_400), "2026-03-01");
        assert_eq!(today().len(), "YYYY-MM-DD".len());
    }
}

//! The measure layer: what runs and how it is measured. The plan and the case list,
//! each case in a child process with the depth sampler watching, the sleep timing,
//! process CPU time, the bare runs and the pipeline written by hand, the worker
//! sweep, the recorded timelines and the hops. It produces the data layer's types.

pub mod anchor;
pub mod bare;
pub mod broker_hop;
pub mod cases;
pub mod channel_hop;
pub mod child;
pub mod cpu;
pub mod crowd;
pub mod hop;
pub mod parallel;
pub mod plan;
pub mod sampler;
pub mod sleep;
pub mod timeline;

/// Today's date (UTC) as `YYYY-MM-DD`, from the system clock: the date a report run
/// started.
pub fn today() -> String {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
        .to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn today_is_a_civil_date() {
        let today = super::today();
        let parts: Vec<&str> = today.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [4, 2, 2],
            "{today}"
        );
        assert!(parts[0] >= "2024", "{today}");
    }
}

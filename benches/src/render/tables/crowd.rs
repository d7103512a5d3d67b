//! `tables/crowd.md`: every pipeline at every number of concurrent waits: wall time
//! against the ideal, the time to start the workers, CPU and peak memory, or
//! "refused" with the limit that refused it.

use crate::data::crowd::{Measured, points, tasks};
use crate::data::results::Results;
use crate::format::{self, MISSING};
use pipeline_present::units;
use pipeline_present::{Align, Table};

/// `tables/crowd.md`: one row per pipeline and level, then each distinct refusal
/// once, below the table.
pub fn table(results: &Results) -> String {
    let mut table = Table::new([
        ("pipeline", Align::Left),
        ("workers", Align::Left),
        ("concurrent waits", Align::Right),
        ("wall", Align::Right),
        ("wall / ideal", Align::Right),
        ("start-up", Align::Right),
        ("CPU", Align::Right),
        ("peak RSS (MiB)", Align::Right),
        ("memory per wait added", Align::Right),
    ]);
    let mut refusals: Vec<String> = Vec::new();
    for point in points(results) {
        let kind = if tasks(point.pipeline) {
            "tasks"
        } else {
            "threads"
        };
        let cells = match &point.outcome {
            Measured::Ran {
                wall_s,
                cpu_s,
                startup_s,
                rss_bytes,
                complete,
                ..
            } => {
                let wall = format!("{} s", format::secs(*wall_s));
                [
                    if *complete {
                        wall
                    } else {
                        format!("{wall} (incomplete)")
                    },
                    point
                        .wall_over_ideal()
                        .map_or(MISSING.into(), format::ratio),
                    startup_s.map_or(MISSING.into(), format::duration),
                    format::duration(*cpu_s),
                    format::mib(Some(*rss_bytes)),
                    point
                        .rss_per_wait
                        .map_or(MISSING.into(), |b| units::bytes(b.round() as u64)),
                ]
            }
            Measured::TimedOut(seconds) => [
                format!("timed out ({} s)", format::secs(*seconds)),
                MISSING.into(),
                MISSING.into(),
                MISSING.into(),
                MISSING.into(),
                MISSING.into(),
            ],
            Measured::Refused(reason) => {
                if !refusals.contains(reason) {
                    refusals.push(reason.clone());
                }
                let mark = format!("refused [{}]", refusal_mark(&refusals, reason));
                [
                    mark,
                    MISSING.into(),
                    MISSING.into(),
                    MISSING.into(),
                    MISSING.into(),
                    MISSING.into(),
                ]
            }
        };
        let mut row = vec![
            point.pipeline.label.to_string(),
            kind.to_string(),
            format::count(point.waits),
        ];
        row.extend(cells);
        table.row(row.iter().map(String::as_str));
    }
    let mut text = table.to_markdown();
    for (at, reason) in refusals.iter().enumerate() {
        text.push_str(&format!(
            "\n[{}] Refused before any thread started: {reason}.\n",
            at + 1
        ));
    }
    text
}

/// The number of `reason` among the refusals, from 1.
fn refusal_mark(refusals: &[String], reason: &str) -> usize {
    refusals
        .iter()
        .position(|r| r == reason)
        .map_or(0, |at| at + 1)
}

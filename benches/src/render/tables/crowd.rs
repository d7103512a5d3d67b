//! `tables/crowd.md`: every pipeline at every number of concurrent waits: wall time
//! against the ideal, the time to start the workers, CPU and peak memory, or
//! "refused" with the limit that refused it.

use crate::data::crowd::{LEVELS, Measured, points, tasks};
use crate::data::results::Results;
use crate::format::{self, MISSING};
use pipeline_present::units;
use pipeline_present::{Align, Table};
use pipeline_registry::ALL;

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
    let mut not_run = Vec::new();
    let points = points(results);
    for point in points.iter().cloned() {
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
            Measured::NotRun(why) => {
                let mut cells = [(); 6].map(|_| MISSING.to_string());
                cells[0] = super::not_run_cell(why);
                not_run.push((point.pipeline.label.to_string(), why.clone()));
                cells
            }
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
    text.push_str(&super::not_run_notes(&not_run));
    // Where a broker's rows stop, and why.
    let most = LEVELS[LEVELS.len() - 1];
    for pipeline in ALL.iter().filter(|p| p.backend.broker.is_some()) {
        // Said where it ran: without its server, the rows say why it did not.
        let top = points
            .iter()
            .filter(|p| p.pipeline == *pipeline && !matches!(p.outcome, Measured::NotRun(_)))
            .map(|p| p.waits)
            .max();
        if let Some(top) = top.filter(|&top| top < most) {
            text.push_str(&format!(
                "\n*{} runs up to {} concurrent waits: each wait holds a connection to \
                 the server of its own, and {} are more than the server takes.*\n",
                pipeline.label,
                format::count(top),
                format::count(LEVELS.iter().copied().find(|&l| l > top).unwrap_or(most)),
            ));
        }
    }
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

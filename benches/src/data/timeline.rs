//! The recorded runs: the first [`WINDOW_MS`] of `camera` and of `bottleneck`
//! bounded, on the sleeping poller, the spinning poller and one blocking channel,
//! every thread's spans and polls.

use pipeline_core::Timeline;

use crate::data::case::CaseKind;
use crate::data::results::Results;
use pipeline_registry::{POLLING_SLEEP, POLLING_SPIN, Pipeline, STD_CHANNEL};

/// The window drawn, from the start of the run.
pub const WINDOW_MS: u64 = 100;
/// The pipelines drawn: the item's sleeping poller, the spinning one, a channel.
pub const PIPELINES: [Pipeline; 3] = [POLLING_SLEEP, POLLING_SPIN, STD_CHANNEL];
/// The window of `scenario` recorded on `pipeline`, if it ran.
pub fn recorded<'a>(
    results: &'a Results,
    scenario: &str,
    pipeline: Pipeline,
) -> Option<&'a Timeline> {
    results
        .runs
        .iter()
        .find(|r| {
            r.case.kind == CaseKind::Timeline
                && r.case.scenario == scenario
                && r.case.pipeline == pipeline
        })
        .and_then(|r| r.timeline())
}

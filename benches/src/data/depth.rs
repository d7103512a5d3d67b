//! Every queue's depth over a run, as the depth sampler recorded it.

use pipeline_core::Stage;
use serde::{Deserialize, Serialize};

/// Every queue's depth over a run, one value per interval from the start.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DepthSeries {
    /// Milliseconds between two samples.
    pub interval_ms: u64,
    /// The download queue (the source's output).
    pub download: Vec<u64>,
    /// The resize queue.
    pub resize: Vec<u64>,
    /// The upload queue.
    pub upload: Vec<u64>,
    /// The done queue (receipts waiting for the main thread).
    pub done: Vec<u64>,
}

impl DepthSeries {
    /// The series of `stage`'s input queue.
    pub fn input_of(&self, stage: Stage) -> &[u64] {
        match stage {
            Stage::Download => &self.download,
            Stage::Resize => &self.resize,
            Stage::Upload => &self.upload,
        }
    }
}

//! The data layer: what a report run measured, as `results.json` holds it, and
//! what is computed from it (medians, overhead ratios, the goals they are read
//! against). It knows nothing of how the runs were made nor of how they are drawn.

pub mod case;
pub mod channel_hop;
pub mod crowd;
pub mod depth;
pub mod facts;
pub mod goals;
pub mod hop;
pub mod json;
pub mod parallel;
pub mod results;
pub mod sleep;
pub mod timeline;

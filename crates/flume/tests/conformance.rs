//! The conformance kit, run against the flume pipeline.

mod flume {
    pipeline_core::conformance_tests!(pipeline_flume::BACKEND);
}

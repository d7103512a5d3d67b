//! The conformance kit, run against the std mpsc pipeline.

mod mpsc {
    pipeline_core::conformance_tests!(pipeline_mpsc::BACKEND);
}

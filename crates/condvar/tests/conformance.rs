//! The conformance kit, run against the Condvar-queue pipeline.

mod condvar {
    pipeline_core::conformance_tests!(pipeline_condvar::BACKEND);
}

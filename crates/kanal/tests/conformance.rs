//! The conformance kit, run against the kanal pipeline.

mod kanal {
    pipeline_core::conformance_tests!(pipeline_kanal::BACKEND);
}

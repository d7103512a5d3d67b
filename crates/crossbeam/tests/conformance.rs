//! The conformance kit, run against the crossbeam pipeline.

mod crossbeam {
    pipeline_core::conformance_tests!(pipeline_crossbeam::BACKEND);
}

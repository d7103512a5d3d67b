//! The conformance kit, run against the polling pipeline.

mod polling {
    pipeline_core::conformance_tests!(pipeline_polling::BACKEND);
}

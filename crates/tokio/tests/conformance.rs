//! The conformance kit, run against both tokio pipelines: the resize inline on the
//! runtime, and on its blocking pool.

mod tokio {
    pipeline_core::conformance_tests!(pipeline_tokio::BACKEND);
}

mod spawn_blocking {
    pipeline_core::conformance_tests!(pipeline_tokio::SPAWN_BLOCKING);
}

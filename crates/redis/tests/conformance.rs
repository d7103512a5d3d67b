//! The conformance kit, run against the Redis Streams pipeline, on a private
//! `redis-server` (or `REDIS_URL`'s); skipped, with one line saying why, where
//! there is neither, unless `PIPELINE_REQUIRE_REDIS=1`.

mod redis {
    pipeline_core::conformance_tests!(
        pipeline_redis::BACKEND,
        if pipeline_redis::server::available_for_tests()
    );
}

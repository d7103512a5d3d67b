//! Workshop exercise: a worker dies; claim what it held, lose nothing, upload
//! nothing twice.
//!
//! `src/exercise.rs` is yours: fill in its `todo!()`s until
//! `cargo test -p workshop-dead-worker --no-default-features` passes.
//! `src/solution.rs` is one answer; the workspace's `cargo test` runs the same tests on it.
//! The tests, in `src/tests.rs`, run against whichever of the two is selected; those
//! that need Redis start a private `redis-server` (or use `REDIS_URL`'s) and fail,
//! each with one line saying how to get one, where there is none.

#[cfg(not(feature = "solution"))]
mod exercise;
#[cfg(not(feature = "solution"))]
pub use exercise::*;
#[cfg(feature = "solution")]
mod solution;
#[cfg(feature = "solution")]
pub use solution::*;

#[cfg(test)]
mod tests;

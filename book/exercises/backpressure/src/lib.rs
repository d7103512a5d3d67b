//! Workshop exercise: add backpressure with a bounded channel.
//!
//! `src/exercise.rs` is yours: fill in its `todo!()`s until
//! `cargo test -p workshop-backpressure --no-default-features` passes.
//! `src/solution.rs` is one answer; the workspace's `cargo test` runs the same tests on it.
//! The tests, in `src/tests.rs`, run against whichever of the two is selected.

pub mod marks;

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

//! The goals the measurements are read against, and the thresholds below which a
//! figure says nothing. The tables, the figures and the facts take them from here.

/// The goal for the probes' cost: the largest instrumented/bare wall-time ratio on
/// `throughput` (at most 20% added to a bare pipeline's wall time).
pub const OVERHEAD_TARGET: f64 = 1.20;

/// The stretch goal for crossbeam and std mpsc on bounded queues.
pub const OVERHEAD_STRETCH: f64 = 1.10;

/// The goal for the bare crossbeam pipeline against the one written by hand.
pub const BY_HAND_TARGET: f64 = 1.5;

/// The goal for the blocking backends on `camera` and `fanout`: the bottleneck stage
/// (resize) is busy at least this fraction of the wall time (its workers' busy time
/// over `workers × wall`).
pub const UTILISATION_TARGET: f64 = 0.98;

/// The shortest wall time whose "cores busy" (process CPU time over wall time) is
/// shown: shorter runs are dominated by starting and joining their threads.
pub const CORES_BUSY_MIN_WALL_S: f64 = 0.010;

/// The goal for a batched hand-off through the broker: at most this many seconds
/// per item and hop, on loopback.
pub const BROKER_HOP_TARGET_S: f64 = 10e-6;

/// The goal for a hop through the broker against the server's own rate for the
/// same commands (`redis-benchmark`): at least this fraction of it.
pub const BROKER_CEILING_TARGET: f64 = 0.5;

/// The goal for the broker's pipeline where the stages wait (`fanout`): its wall
/// time at most this ratio of the fastest in-process pipeline's.
pub const BROKER_WAITS_TARGET: f64 = 1.10;

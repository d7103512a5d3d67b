//! # pipeline-core
//!
//! What the five pipelines of pipeline-lab share, so that they differ only in how
//! they hand work from one thread to the next:
//!
//! - [`Config`] and the named [`Scenario`]s: what a run is asked to do;
//! - [`Stages`]: the three stage functions, download → resize → upload;
//! - [`Probes`], [`Probe`] and [`WorkerProbe`]: what a worker counts, one visible
//!   line per event; [`Bare`]: the same pipeline with the probes compiled away;
//! - [`Run`]: the source (the camera), the collector (the done queue's reader),
//!   joining workers, and the [`Report`];
//! - [`Recording`] and [`Timeline`]: a run's threads as a timeline of waiting,
//!   working and handing over, with every poll;
//! - [`Backend`]: one way of handing work over, as the tests, the lab and the
//!   benches see it;
//! - [`heap::CountingAlloc`]: the peak heap of a run;
//! - with the `testkit` feature, [`conformance_tests!`]: the tests every backend runs.
//!
//! ```
//! use pipeline_core::{Config, Scenario, Stages};
//!
//! let config = Config { items: 3, ..Scenario::CAMERA.config() };
//! config.validate().unwrap();
//! let stages = Stages::new(&config);
//! let receipt = stages.upload(stages.resize(stages.download(1)?)?)?;
//! assert_eq!(receipt.id, 1);
//! # Ok::<(), pipeline_core::StageError>(())
//! ```

mod config;
mod error;
mod failures;
pub mod fit;
pub mod heap;
mod probe;
mod report;
mod run;
mod scenario;
mod stages;
#[cfg(feature = "testkit")]
pub mod testkit;
mod timeline;

pub use config::{
    Config, DEFAULT_POLL_SLEEP_MS, Fault, FaultKind, MAX_CAPACITY, MAX_FRAME_SIDE, MAX_ITEMS,
    MAX_POLL_SLEEP_MS, MAX_WAIT_MS, MAX_WORKERS, MIN_FRAME_SIDE, MIN_WAIT_MS, Stage, parse_fault,
};
pub use error::{ConfigError, PipelineError, StageError};
pub use failures::{FailureKind, FailureLog};
pub use probe::{
    Bare, Counting, NoProbe, Probe, Probes, Probing, QueueGauge, WorkerCounts, WorkerProbe,
    max_rss_bytes, process_cpu_time, thread_cpu_time,
};
pub use report::{
    COMPLETED, INTERRUPTED, Latency, Machine, Report, SCHEMA, STOPPED_FROM_OUTSIDE, StageReport,
    WorkerReport,
};
pub use run::{Backend, Collector, Run, pace, panic_message, spawn_worker, worker_thread};
pub use scenario::Scenario;
pub use stages::{Frame, Job, Receipt, Stages, Thumbnail, synthetic_frame};
pub use timeline::{
    DEFAULT_RECORD_LIMIT, QueueLine, Recorder, Recording, RecordingProbe, Span, State, ThreadLine,
    Timeline,
};

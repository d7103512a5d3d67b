//! # pipeline-bench
//!
//! The benchmarks of pipeline-lab: the same pipeline, handed over five ways, measured
//! the same way. `cargo bench` runs two bench targets, in this order:
//!
//! - `handoff` (criterion): every variant on the scenarios that suit repeated timing
//!   (`throughput` unbounded and bounded, shortened `camera`, `fanout` and `paced`),
//!   timed in wall time and in process CPU time ([`cpu::ProcessCpuTime`]); on
//!   `throughput` also the [`bare`] pipelines, which show what the probes cost;
//! - `report`: every variant on every scenario, each case in its own process
//!   ([`child`]), written to `reports/` as `results.json`, `summary.csv`, markdown
//!   [`tables`], SVG figures ([`plot`]) and `machine.md` ([`files`]); then it builds
//!   the book.
//!
//! `PIPELINE_BENCH_QUICK=1` makes both quick ([`plan::Plan`]);
//! `PIPELINE_BENCH_OUT=DIR` sends the report elsewhere (and skips the book).
//!
//! The pipelines are the registry's ([`pipeline_registry::ALL`]): the five backends, the
//! polling one both sleeping 10 ms between empty polls and spinning:
//!
//! ```
//! use pipeline_registry::ALL;
//! use pipeline_core::{Config, Scenario};
//!
//! let config = Config { items: 100, ..Scenario::BOOK.config() };
//! for &variant in ALL {
//!     let report = variant.backend.run(&variant.config(&config))?;
//!     assert_eq!(report.items_out, 100);
//!     let bare = pipeline_bench::bare::run(variant, &variant.config(&config));
//!     assert_eq!(bare.items_out, 100);
//! }
//! # Ok::<(), pipeline_core::PipelineError>(())
//! ```

pub mod bare;
pub mod case;
pub mod child;
pub mod claims;
pub mod cpu;
pub mod files;
pub mod format;
pub mod parallel;
pub mod plan;
pub mod plot;
pub mod report;
pub mod results;
pub mod sampler;
pub mod sleep;
pub mod tables;
pub mod timeline;
/// The workspace root, the folder above this crate's (`benches/`): where `reports/`,
/// `book/` and `Cargo.lock` are.
pub fn workspace_root() -> std::path::PathBuf {
    let manifest_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir).to_path_buf()
}

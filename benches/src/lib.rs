//! # pipeline-bench
//!
//! The benchmarks of pipeline-lab: the same pipeline, handed over five ways, measured
//! the same way. `cargo bench` runs two bench targets, in this order:
//!
//! - `handoff` (criterion): every pipeline on the scenarios that suit repeated timing
//!   (`throughput` unbounded and bounded, a shortened `paced`),
//!   timed in wall time and in process CPU time ([`measure::cpu::ProcessCpuTime`]);
//!   on `throughput` also the [`measure::bare`] pipelines, which show what the probes
//!   cost;
//! - `report`: every pipeline on every scenario, each case in its own process
//!   ([`measure::child`]), written to `reports/` as `results.json`, `summary.csv`,
//!   markdown tables, SVG figures, `facts.json` and `machine.md` ([`render`]); then it
//!   builds the book.
//!
//! `PIPELINE_BENCH_QUICK=1` makes both quick ([`measure::plan::Plan`]);
//! `PIPELINE_BENCH_OUT=DIR` sends the report elsewhere (and skips the book);
//! `PIPELINE_BENCH_ONLY=hop` runs only the hops (the other tables stay empty).
//! `report -- --compare-hops A/results.json B/results.json` sets two runs' channel
//! hops side by side and fails when a median moved by more than a quarter.
//!
//! The pipelines are the registry's ([`pipeline_registry::ALL`]): every backend, the
//! polling one both sleeping 10 ms between empty polls and spinning. The one with a
//! broker runs only where its server can be had; elsewhere its cases are recorded as
//! not run here ([`measure::child::run_here`]):
//!
//! ```
//! use pipeline_registry::ALL;
//! use pipeline_core::{Config, Scenario};
//!
//! let config = Config { items: 100, ..Scenario::BOOK.config() };
//! for &pipeline in ALL.iter().filter(|p| p.backend.broker.is_none()) {
//!     let report = pipeline.backend.run(&pipeline.config(&config))?;
//!     assert_eq!(report.items_out, 100);
//!     let bare = pipeline_bench::measure::bare::run(pipeline, &pipeline.config(&config));
//!     assert_eq!(bare.items_out, 100);
//! }
//! # Ok::<(), pipeline_core::PipelineError>(())
//! ```
//!
//! ## Layers
//!
//! The report bench is three layers, and its dependencies point one way:
//!
//! ```text
//!   measure ──► data ◄── render
//! ```
//!
//! - [`measure`] runs things: the plan and the case list, each case in a child
//!   process with the depth sampler, the sleep timing, CPU time, the bare runs and the
//!   pipeline written by hand, the worker sweep, the recorded timelines. It produces
//!   the data layer's types and uses nothing of [`render`].
//! - [`data`] is what `results.json` holds and what is computed from it alone (medians,
//!   overhead ratios, the goals). It uses neither [`measure`] nor [`render`].
//! - [`render`] draws from the data: tables, figures, facts, `summary.csv`,
//!   `machine.md`, and writes them. It uses [`data`], never [`measure`].
//!
//! [`format`](mod@format) (how numbers are written) is below all three and uses none
//! of them; [`report`], the bench's `main`, sits above them and is the only module that uses
//! all three. `--from-results` is the seam: it reads a saved `results.json` and calls
//! only [`render`], so redrawing never runs anything. A unit test below reads every
//! `crate::` path in each layer's directory and fails when one points the wrong way.

pub mod data;
pub mod format;
pub mod measure;
pub mod render;
pub mod report;

#[cfg(test)]
mod layers {
    use std::path::{Path, PathBuf};

    /// What each layer's files may name with `crate::`: its own modules, the layers
    /// below it and `format`.
    const RULES: [(&str, &[&str]); 3] = [
        ("data", &["data", "format"]),
        ("measure", &["measure", "data", "format"]),
        ("render", &["render", "data", "format"]),
    ];

    fn rust_files(dir: &Path, files: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("a layer directory") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                rust_files(&path, files);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }

    /// The module each `crate::` path in `text` names first (`crate::data::case` →
    /// `data`), wherever it stands: `use` lines, paths in code, doc links.
    fn crate_paths(text: &str) -> Vec<String> {
        text.match_indices("crate::")
            .filter(|(at, _)| {
                // Not the tail of another path such as `pipeline_crate::`.
                let before = text[..*at].chars().next_back();
                !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
            })
            .map(|(at, _)| {
                let rest = &text[at + "crate::".len()..];
                let end = rest
                    .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .unwrap_or(rest.len());
                rest[..end].to_string()
            })
            .collect()
    }

    #[test]
    fn every_layer_uses_only_the_layers_below_it() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut wrong = Vec::new();
        for (layer, allowed) in RULES {
            let mut files = Vec::new();
            rust_files(&src.join(layer), &mut files);
            assert!(files.len() > 1, "{layer}/ holds its modules");
            let mut seen = 0;
            for file in files {
                let text = std::fs::read_to_string(&file).expect("a source file");
                for module in crate_paths(&text) {
                    seen += 1;
                    if !allowed.contains(&module.as_str()) {
                        wrong.push(format!("{}: crate::{module}", file.display()));
                    }
                }
            }
            assert!(
                seen > 0,
                "{layer}/ names no crate:: path: the check reads nothing"
            );
        }
        let format = std::fs::read_to_string(src.join("format.rs")).expect("format.rs");
        for module in crate_paths(&format) {
            wrong.push(format!("format.rs: crate::{module}"));
        }
        assert!(
            wrong.is_empty(),
            "paths against the layer rule:\n{}",
            wrong.join("\n")
        );
    }

    #[test]
    fn the_check_sees_a_path_that_points_the_wrong_way() {
        let text = "use crate::render::tables;\nlet x = crate::data::goals::OVERHEAD_TARGET;\n\
                    // pipeline_crate::ignored";
        assert_eq!(crate_paths(text), ["render", "data"]);
    }
}

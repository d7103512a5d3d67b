//! The SVG figures of `reports/figures/`: one module per family of figures, all
//! drawn with the [`chart`] toolkit (the timelines draw their own rows).

use std::path::{Path, PathBuf};

use anyhow::Context;

use pipeline_core::Scenario;

use crate::data::results::Results;

mod channel_hop;
pub mod chart;
mod crowd;
mod depth;
mod hop;
mod memory;
mod paced;
pub mod parallel;
mod scenarios;
mod throughput;
pub mod timeline;
mod timing;

/// The file name of every figure [`all`] draws, in its order.
pub const FIGURES: [&str; 15] = [
    "polls.svg",
    "cpu.svg",
    "memory_heap.svg",
    "memory_rss.svg",
    "depth_unbounded.svg",
    "depth_bounded.svg",
    "sweep.svg",
    "paced_latency.svg",
    "paced_cpu.svg",
    "throughput.svg",
    "wall_vs_ideal.svg",
    "resize_busy.svg",
    "concurrency.svg",
    "hop.svg",
    "hop-channels.svg",
];

/// Draws every figure into `dir`; returns the files written.
pub fn all(results: &Results, dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    type Draw = fn(&Results, &Path) -> anyhow::Result<()>;
    let figures: [(&str, Draw); FIGURES.len()] = [
        ("polls.svg", scenarios::polls),
        ("cpu.svg", scenarios::cpu),
        ("memory_heap.svg", |r, p| {
            memory::memory(
                r,
                p,
                "Peak heap",
                "peak heap (MiB)",
                |r| r.peak_heap_bytes,
                true,
            )
        }),
        ("memory_rss.svg", |r, p| {
            memory::memory(
                r,
                p,
                "Max RSS",
                "max resident set size (MiB)",
                |r| r.max_rss_bytes,
                false,
            )
        }),
        ("depth_unbounded.svg", |r, p| depth::depth(r, p, None)),
        ("depth_bounded.svg", |r, p| {
            let bound = r
                .capacities(Scenario::BOTTLENECK.name)
                .into_iter()
                .find(Option::is_some)
                .flatten();
            match bound {
                Some(n) => depth::depth(r, p, Some(n)),
                None => Ok(()),
            }
        }),
        ("sweep.svg", memory::sweep),
        ("paced_latency.svg", paced::paced_latency),
        ("paced_cpu.svg", paced::paced_cpu),
        ("throughput.svg", throughput::throughput),
        ("wall_vs_ideal.svg", timing::wall_vs_ideal),
        ("resize_busy.svg", timing::resize_busy),
        ("concurrency.svg", crowd::concurrency),
        ("hop.svg", hop::hop),
        ("hop-channels.svg", channel_hop::channel_hop),
    ];
    let mut written = Vec::new();
    for (name, draw) in figures {
        let path = dir.join(name);
        draw(results, &path).with_context(|| format!("cannot draw {name}"))?;
        if path.exists() {
            written.push(path);
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chart::{MIN_TEXT, WIDTH};

    #[test]
    fn every_figure_fits_the_column_with_readable_text() {
        let root = pipeline_book::workspace_root();
        let results = crate::data::json::read_results(&root.join("reports/results.json"))
            .expect("the committed reports/results.json");
        let dir = tempfile::tempdir().expect("a temp dir");
        let written = all(&results, dir.path()).expect("the figures draw");
        // The hop figure needs hop cases, which results older than them lack.
        let no_hops = crate::data::hop::points(&results).is_empty();
        let no_channel_hops = crate::data::channel_hop::points(&results).is_empty();
        assert_eq!(
            written.len(),
            FIGURES.len() - usize::from(no_hops) - usize::from(no_channel_hops)
        );
        let size = regex_lite_number("font-size=\"");
        for path in written {
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            assert!(FIGURES.contains(&name.as_str()), "{name}");
            let svg = std::fs::read_to_string(&path).unwrap();
            assert!(
                svg.contains(&format!("width=\"{WIDTH}\"")),
                "{name} is not {WIDTH} px wide"
            );
            let sizes = size(&svg);
            assert!(!sizes.is_empty(), "{name} has no text");
            let smallest = sizes.iter().copied().fold(f64::INFINITY, f64::min);
            assert!(
                smallest >= f64::from(MIN_TEXT),
                "{name} has text of {smallest} px"
            );
        }
    }

    /// The figures drawn outside this module (the CPU-parallelism sweep, the
    /// timelines) keep to the same width and text size, as committed.
    #[test]
    fn the_other_committed_figures_fit_the_column_too() {
        let dir = pipeline_book::workspace_root().join("reports/figures");
        let size = regex_lite_number("font-size=\"");
        for name in [
            "parallel.svg",
            "timeline_camera.svg",
            "timeline_bottleneck.svg",
        ] {
            let svg = std::fs::read_to_string(dir.join(name)).expect(name);
            assert!(svg.contains(&format!("width=\"{WIDTH}\"")), "{name}");
            let smallest = size(&svg).into_iter().fold(f64::INFINITY, f64::min);
            assert!(smallest >= f64::from(MIN_TEXT), "{name}: {smallest} px");
        }
    }

    /// Every number that follows `prefix` in a text.
    fn regex_lite_number(prefix: &'static str) -> impl Fn(&str) -> Vec<f64> {
        move |text| {
            text.match_indices(prefix)
                .filter_map(|(at, _)| {
                    let rest = &text[at + prefix.len()..];
                    let end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
                    rest[..end].parse().ok()
                })
                .collect()
        }
    }
}

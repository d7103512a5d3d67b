//! `paced`: latency per item, and CPU while mostly idle.

use std::path::Path;

use pipeline_core::Scenario;

use crate::data::results::Results;
use crate::render::figures::chart::*;
use pipeline_registry::REFERENCE;

/// Latency per item on `paced`: blocking, spinning and sleeping side by side.
pub(crate) fn paced_latency(results: &Results, path: &Path) -> anyhow::Result<()> {
    let capacity = capacity(results);
    let report = |v| results.report(Scenario::PACED.name, capacity, v);
    let mut latency = bars("", "percentile", "latency (µs, log scale)", Scale::Log10);
    latency.categories = vec!["p50".into(), "p99".into(), "max".into()];
    latency.series = ran(results)
        .into_iter()
        .map(|v| {
            let values = report(v).map_or(vec![None; 3], |r| {
                let l = r.latency_us;
                vec![Some(l.p50 as f64), Some(l.p99 as f64), Some(l.max as f64)]
            });
            (v, values)
        })
        .collect();
    one_chart(results, path, 480, "Latency per item", &latency)
}

/// CPU over wall time on `paced`: how busy the idle pipelines keep the cores.
pub(crate) fn paced_cpu(results: &Results, path: &Path) -> anyhow::Result<()> {
    let capacity = capacity(results);
    let report = |v| results.report(Scenario::PACED.name, capacity, v);
    let mut busy = bars(
        "",
        "scenario (queue bound)",
        "CPU time / wall time (cores busy)",
        Scale::Linear,
    );
    busy.categories = vec![config_label(Scenario::PACED.name, capacity)];
    busy.series = ran(results)
        .into_iter()
        .map(|v| (v, vec![report(v).map(|r| r.process_cpu_s / r.wall_s)]))
        .collect();
    busy.value_labels = true;
    one_chart(results, path, 440, "CPU while mostly idle", &busy)
}

/// A `paced` figure of `height` pixels: `chart` under a title that says `what` and
/// how often the camera sends, and every pipeline's legend.
fn one_chart(
    results: &Results,
    path: &Path,
    height: u32,
    what: &str,
    chart: &Bars<'_>,
) -> anyhow::Result<()> {
    let capacity = capacity(results);
    let interval = results
        .report(Scenario::PACED.name, capacity, REFERENCE)
        .map_or(0.0, |r| r.config.source_interval_ms);
    with_panels(
        path,
        (WIDTH, height),
        &format!("{what} on paced (one item every {interval} ms)"),
        &pipeline_legend(&ran(results), Swatch::Box),
        1,
        |areas| chart.draw(&areas[0]),
    )
}

/// The bound `paced` ran with (its first).
fn capacity(results: &Results) -> Option<usize> {
    results
        .capacities(Scenario::PACED.name)
        .first()
        .copied()
        .flatten()
}

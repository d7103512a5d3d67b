//! `paced`: latency per item, and CPU while mostly idle.

use std::path::Path;

use pipeline_core::Scenario;

use crate::data::results::Results;
use crate::render::figures::chart::*;
use pipeline_registry::{ALL, REFERENCE};

/// Latency per item on `paced`: blocking, spinning and sleeping side by side.
pub(crate) fn paced_latency(results: &Results, path: &Path) -> anyhow::Result<()> {
    let capacity = results
        .capacities(Scenario::PACED.name)
        .first()
        .copied()
        .flatten();
    let report = |v| results.report(Scenario::PACED.name, capacity, v);
    let mut latency = bars("", "percentile", "latency (µs, log scale)", Scale::Log10);
    latency.categories = vec!["p50".into(), "p99".into(), "max".into()];
    latency.series = ALL
        .iter()
        .map(|&v| {
            let values = report(v).map_or(vec![None; 3], |r| {
                let l = r.latency_us;
                vec![Some(l.p50 as f64), Some(l.p99 as f64), Some(l.max as f64)]
            });
            (v, values)
        })
        .collect();
    let interval = report(REFERENCE).map_or(0.0, |r| r.config.source_interval_ms);
    with_panels(
        path,
        (WIDTH, 480),
        &format!("Latency per item on paced (one item every {interval} ms)"),
        &pipeline_legend(ALL, Swatch::Box),
        1,
        |areas| latency.draw(&areas[0]),
    )
}

/// CPU over wall time on `paced`: how busy the idle pipelines keep the cores.
pub(crate) fn paced_cpu(results: &Results, path: &Path) -> anyhow::Result<()> {
    let capacity = results
        .capacities(Scenario::PACED.name)
        .first()
        .copied()
        .flatten();
    let report = |v| results.report(Scenario::PACED.name, capacity, v);
    let mut busy = bars(
        "",
        "scenario (queue bound)",
        "CPU time / wall time (cores busy)",
        Scale::Linear,
    );
    busy.categories = vec![config_label(Scenario::PACED.name, capacity)];
    busy.series = ALL
        .iter()
        .map(|&v| (v, vec![report(v).map(|r| r.process_cpu_s / r.wall_s)]))
        .collect();
    busy.value_labels = true;
    let interval = report(REFERENCE).map_or(0.0, |r| r.config.source_interval_ms);
    with_panels(
        path,
        (WIDTH, 440),
        &format!("CPU while mostly idle on paced (one item every {interval} ms)"),
        &pipeline_legend(ALL, Swatch::Box),
        1,
        |areas| busy.draw(&areas[0]),
    )
}

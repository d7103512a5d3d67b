//! Every scenario run side by side: total polls and process CPU time, one bar per
//! pipeline, on a log scale.

use std::path::Path;

use crate::data::results::Results;
use crate::render::figures::chart::*;

/// One measure of every scenario run, by scenario (log scale): horizontal bars, one
/// group per (scenario, bound), one bar per pipeline.
pub(crate) fn per_scenario(
    results: &Results,
    path: &Path,
    title: &str,
    value_label: &str,
    get: fn(&pipeline_core::Report) -> f64,
) -> anyhow::Result<()> {
    let configs = results.scenario_configs();
    let mut chart = bars("", "scenario (queue bound)", value_label, Scale::Log10);
    chart.horizontal = true;
    chart.categories = configs.iter().map(|(s, c)| config_label(s, *c)).collect();
    chart.series = per_config(results, &configs, |r| Some(get(r)));
    let legend = pipeline_legend(&ran(results), Swatch::Box);
    with_panels(
        path,
        (WIDTH, horizontal_height(configs.len(), &legend)),
        title,
        &legend,
        1,
        |areas| chart.draw(&areas[0]),
    )
}

/// Total polls of every run, by scenario (log scale).
pub(crate) fn polls(results: &Results, path: &Path) -> anyhow::Result<()> {
    per_scenario(
        results,
        path,
        "Total polls: how often workers asked their queue for an item",
        "total polls, all workers (log scale)",
        |r| r.total_polls() as f64,
    )
}

/// Process CPU time of every run, by scenario (log scale).
pub(crate) fn cpu(results: &Results, path: &Path) -> anyhow::Result<()> {
    per_scenario(
        results,
        path,
        "CPU time per pipeline (user + system, all threads)",
        "process CPU time (s, log scale)",
        |r| r.process_cpu_s,
    )
}

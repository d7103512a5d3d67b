//! The blocking stages on `camera` and `fanout`: wall time against the ideal, and
//! how busy the bottleneck stage is.

use std::path::Path;

use pipeline_core::Scenario;

use crate::data::goals::UTILISATION_TARGET;
use crate::data::results::Results;
use crate::data::sleep;
use crate::render::figures::chart::*;
use pipeline_registry::REFERENCE;

/// The runs of `camera` and `fanout` the timing figures show.
pub(crate) fn timing_configs(results: &Results) -> Vec<(String, Option<usize>)> {
    [Scenario::CAMERA.name, Scenario::FANOUT.name]
        .into_iter()
        .filter(|s| !results.capacities(s).is_empty())
        .map(|s| (s.to_string(), results.capacities(s)[0]))
        .collect()
}

/// Measured over ideal wall time on `camera` and `fanout`.
pub(crate) fn wall_vs_ideal(results: &Results, path: &Path) -> anyhow::Result<()> {
    let configs = timing_configs(results);
    let mut ratio = bars("", "scenario", "wall time / ideal", Scale::Linear);
    ratio.categories = configs.iter().map(|(s, _)| s.clone()).collect();
    ratio.series = per_config(results, &configs, |r| Some(r.wall_s / r.ideal_wall_s?));
    ratio.references.push(Reference {
        value: 1.0,
        category: None,
        colour: INK,
        dashed: false,
    });
    for (c, (s, capacity)) in configs.iter().enumerate() {
        let timer = results.report(s, *capacity, REFERENCE).and_then(|r| {
            Some(sleep::ideal_with_measured_sleeps(&r.config, &results.sleep)? / r.ideal_wall_s?)
        });
        if let Some(timer) = timer {
            ratio.references.push(Reference {
                value: timer,
                category: Some(c),
                colour: INK,
                dashed: true,
            });
        }
    }
    let low = ratio.values().fold(f64::INFINITY, f64::min);
    ratio.floor = Some((low.min(1.0) - 0.02).max(0.0));
    ratio.value_labels = true;
    ratio.label = |v| format!("{v:.3}");
    let mut legend = pipeline_legend(&ran(results), Swatch::Box);
    legend.push((Swatch::Line(INK), "ideal (configured waits)".into()));
    legend.push((
        Swatch::Dashed(INK),
        "ideal with the measured sleep lengths (an estimate)".into(),
    ));
    with_panels(
        path,
        (WIDTH, 500),
        "Blocking stages (1/5/2 ms): wall time against the ideal",
        &legend,
        1,
        |areas| ratio.draw(&areas[0]),
    )
}

/// The bottleneck stage's utilisation on `camera` and `fanout`, against the goal.
pub(crate) fn resize_busy(results: &Results, path: &Path) -> anyhow::Result<()> {
    let configs = timing_configs(results);
    let mut busy = bars(
        "",
        "scenario",
        "resize busy / (workers × wall) (%)",
        Scale::Linear,
    );
    busy.categories = configs.iter().map(|(s, _)| s.clone()).collect();
    busy.series = per_config(results, &configs, |r| {
        Some(r.bottleneck_utilisation()? * 100.0)
    });
    busy.references.push(Reference {
        value: UTILISATION_TARGET * 100.0,
        category: None,
        colour: INK,
        dashed: true,
    });
    let low = busy.values().fold(f64::INFINITY, f64::min);
    busy.floor = Some(((low - 2.0) / 5.0).floor().max(0.0) * 5.0);
    busy.value_labels = true;
    let mut legend = pipeline_legend(&ran(results), Swatch::Box);
    legend.push((
        Swatch::Dashed(INK),
        format!(
            "the goal for the blocking backends: at least {:.0}%",
            UTILISATION_TARGET * 100.0
        ),
    ));
    with_panels(
        path,
        (WIDTH, 500),
        "Blocking stages (1/5/2 ms): how busy the bottleneck (resize) is",
        &legend,
        1,
        |areas| busy.draw(&areas[0]),
    )
}

//! One hand-off through each in-process channel: a panel per way of handing over
//! (streamed unbounded, streamed bounded, ping-pong), a group of bars per
//! placement of the two threads, a bar per channel at its median with its
//! fastest and slowest run as a whisker.

use std::path::Path;

use plotters::prelude::*;

use crate::data::channel_hop::{ChannelPoint, Condition, Pattern, Placement, Queue, points};
use crate::data::results::Results;
use crate::render::figures::chart::*;
use pipeline_registry::Pipeline;

/// A placement as a bar group's name.
fn placement_label(placement: Placement, pattern: Pattern) -> String {
    match (pattern, placement) {
        (Pattern::Anchor, _) => "plain harness (OS)".into(),
        (_, Placement::Os) => "placed by the OS".into(),
        (_, Placement::OneCpu) => "one CPU".into(),
        (_, Placement::SmtSiblings) => "SMT siblings".into(),
        (_, Placement::TwoCores) => "two cores".into(),
    }
}

/// A panel: its title, and which conditions it shows.
type Panel = (String, fn(&Condition) -> bool);

/// The panels: their titles and which points each shows.
fn panels() -> [Panel; 3] {
    [
        ("streamed, unbounded".into(), |c| {
            c.queue == Queue::Unbounded && c.pattern != Pattern::PingPong
        }),
        (
            "streamed, bounded: the producer blocks when it is full".into(),
            |c| matches!(c.queue, Queue::Bounded(_)),
        ),
        ("ping-pong: one hand-off with nothing queued".into(), |c| {
            c.pattern == Pattern::PingPong
        }),
    ]
}

/// The height of one panel.
const PANEL: u32 = 330;

/// Time per item and hand-off (log scale), three panels one above the other.
/// Nothing is drawn when no channel's hop ran.
pub(crate) fn channel_hop(results: &Results, path: &Path) -> anyhow::Result<()> {
    let points = points(results);
    if points.is_empty() {
        return Ok(());
    }
    let mut pipelines: Vec<Pipeline> = Vec::new();
    for p in &points {
        if !pipelines.contains(&p.pipeline) {
            pipelines.push(p.pipeline);
        }
    }
    let bound = points.iter().find_map(|p| match p.condition.queue {
        Queue::Bounded(n) => Some(n),
        Queue::Unbounded => None,
    });
    let mut legend = pipeline_legend(&pipelines, Swatch::Box);
    legend.push((
        Swatch::Line(BLACK),
        "from the fastest run to the slowest; the bar is the median".into(),
    ));
    let panels = panels();
    let charts: Vec<(String, Vec<&ChannelPoint>)> = panels
        .iter()
        .map(|(title, shows)| {
            let title = match bound {
                Some(n) if title.starts_with("streamed, bounded") => {
                    title.replace("bounded", &format!("bounded ({n})"))
                }
                _ => title.clone(),
            };
            (
                title,
                points
                    .iter()
                    .filter(|p| shows(&p.condition))
                    .collect::<Vec<_>>(),
            )
        })
        .filter(|(_, shown)| !shown.is_empty())
        .collect();
    let height = 60 + legend_height(WIDTH, &legend) + PANEL * charts.len() as u32;
    let root = SVGBackend::new(path, (WIDTH, height)).into_drawing_area();
    root.fill(&WHITE)?;
    let body = root.titled(
        "One hand-off: where the two threads run, and the queue",
        (FONT, TITLE).into_font().color(&BLACK),
    )?;
    let (legend_area, body) = body.split_vertically(legend_height(WIDTH, &legend));
    draw_legend(&legend_area, &legend)?;
    let areas = body.split_evenly((charts.len(), 1));
    for ((title, shown), area) in charts.iter().zip(&areas) {
        let mut categories: Vec<Condition> = Vec::new();
        for p in shown {
            if !categories.contains(&p.condition) {
                categories.push(p.condition);
            }
        }
        categories.sort_by_key(|c| (c.pattern == Pattern::Anchor, c.placement));
        let mut chart = bars(title, "", "ns per item (log scale)", Scale::Log10);
        chart.categories = categories
            .iter()
            .map(|c| placement_label(c.placement, c.pattern))
            .collect();
        let fastest = shown
            .iter()
            .map(|p| p.per_item.min * 1e9)
            .fold(f64::INFINITY, f64::min);
        chart.floor = Some(10f64.powf(fastest.log10().floor()));
        for (s, &pipeline) in pipelines.iter().enumerate() {
            let mut values = Vec::new();
            for (c, condition) in categories.iter().enumerate() {
                let point = shown
                    .iter()
                    .find(|p| p.pipeline == pipeline && p.condition == *condition);
                values.push(point.map(|p| p.per_item.median * 1e9));
                // No number over the bars: side by side they would
                // overlap; the table has them.
                if let Some(p) = point {
                    chart
                        .whiskers
                        .push((c, s, p.per_item.min * 1e9, p.per_item.max * 1e9));
                }
            }
            chart.series.push((pipeline, values));
        }
        chart.draw(area)?;
    }
    root.present()
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::channel_hop::tests::sample;

    #[test]
    fn the_figure_has_a_whisker_per_bar_and_its_panels() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hop-channels.svg");
        channel_hop(&sample(), &path).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        assert!(svg.contains(&format!("width=\"{WIDTH}\"")), "{svg}");
        assert!(svg.contains("streamed, bounded (8)"), "{svg}");
        assert!(svg.contains("ping-pong: one hand-off"), "{svg}");
        assert!(svg.contains("plain harness (OS)"), "{svg}");
        assert!(svg.contains("from the fastest run to the slowest"), "{svg}");
    }
}

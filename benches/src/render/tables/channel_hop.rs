//! `tables/hop-channels.md`: one hand-off through each in-process channel, a row
//! per condition (how the items go over, where the two threads ran, the queue),
//! a column per channel with its median, its fastest and slowest run and its
//! rank, ties sharing one; then the bench's figure against the plain harness's.

use crate::data::channel_hop::{
    ANCHOR_FACTOR, ChannelPoint, Pattern, anchor_ratios, conditions, points, ranking, runs, under,
};
use crate::data::results::Results;
use crate::format;
use crate::render::tables::table as markdown;
use pipeline_registry::Pipeline;

/// Each channel's rank under one condition: 1 for the fastest group, and every
/// channel of a group of ties the rank of the group.
fn ranks(points: &[&ChannelPoint]) -> Vec<(Pipeline, usize)> {
    let mut out = Vec::new();
    let mut before = 0;
    for group in ranking(points) {
        for &p in &group {
            out.push((p, before + 1));
        }
        before += group.len();
    }
    out
}

/// `tables/hop-channels.md` (empty when no channel's hop ran).
pub fn table(results: &Results) -> String {
    let points = points(results);
    if points.is_empty() {
        return String::new();
    }
    let mut channels: Vec<Pipeline> = Vec::new();
    for p in &points {
        if !channels.contains(&p.pipeline) {
            channels.push(p.pipeline);
        }
    }
    let mut header = vec!["hand-off", "threads", "queue"];
    header.extend(channels.iter().map(|p| p.label));
    let mut rows = Vec::new();
    for condition in conditions(&points) {
        let these = under(&points, condition);
        let ranks = ranks(&these);
        let mut queue = condition.queue.label();
        let full: Vec<_> = these.iter().filter_map(|p| p.full_sends).collect();
        if !full.is_empty() {
            let lo = full.iter().map(|f| f.median).fold(f64::INFINITY, f64::min);
            let hi = full.iter().map(|f| f.median).fold(0.0, f64::max);
            queue.push_str(&format!(
                ", full at {:.0}–{:.0}% of sends",
                lo * 100.0,
                hi * 100.0
            ));
        }
        let mut row = vec![
            condition.pattern.label().to_string(),
            condition.placement.label().to_string(),
            queue,
        ];
        for &channel in &channels {
            let cell = these.iter().find(|p| p.pipeline == channel).map_or(
                format::MISSING.to_string(),
                |p| {
                    let s = p.per_item;
                    let rank = ranks.iter().find(|(c, _)| *c == channel).map_or(0, |r| r.1);
                    let spread = format::per_item_range(s.median, s.min, s.max);
                    // The anchor is one harness per channel, not a race.
                    if condition.pattern == Pattern::Anchor {
                        spread
                    } else {
                        format!("{spread} #{rank}")
                    }
                },
            );
            row.push(cell);
        }
        rows.push(row);
    }
    let ratios = anchor_ratios(&points);
    if !ratios.is_empty() {
        let mut row = vec![
            "the bench's streamed hop over the plain harness's".to_string(),
            "placed by the OS".to_string(),
            "unbounded".to_string(),
        ];
        for &channel in &channels {
            row.push(
                ratios
                    .iter()
                    .find(|(c, _)| *c == channel)
                    .map_or(format::MISSING.into(), |(_, r)| format::ratio(*r)),
            );
        }
        rows.push(row);
    }
    let most_runs = points.iter().map(|p| p.per_item.runs).max().unwrap_or(0);
    let fewest_runs = points.iter().map(|p| p.per_item.runs).min().unwrap_or(0);
    let runs_said = if most_runs == fewest_runs {
        format!("{most_runs} runs")
    } else {
        format!("{fewest_runs}–{most_runs} runs")
    };
    let (items, round_trips) = runs(results)
        .next()
        .map_or((0, 0), |(_, r)| (r.items, r.round_trips));
    let mut text = format!(
        "*One hand-off through each channel, a producer thread and a consumer \
         thread, per item: the median of {runs_said} with the fastest and the \
         slowest in brackets; #1 is the fastest, and channels whose ranges \
         overlap share a rank (a tie). The runs take the channels in turn, each \
         run in its own process. {} items per stream ({} on a bounded queue), {} \
         round trips per ping-pong:*\n\n{}",
        format::count(items),
        format::count(items / 10),
        format::count(round_trips),
        markdown(&header, &rows)
    );
    let not_placed = runs(results).find_map(|(_, r)| r.not_placed.clone());
    if let Some(why) = not_placed {
        text.push_str(&format!(
            "\n*Placement not controlled: {why}; every row is placed by the OS.*\n"
        ));
    }
    if !ratios.is_empty() {
        text.push_str(&format!(
            "\n*The plain harness: the same hand-off written with std and the channel \
             crate only, nothing of this workspace, placed by the OS. The last row is the \
             bench's figure over the harness's, meant to be within {} either way.*\n",
            format::ratio(ANCHOR_FACTOR),
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::channel_hop::tests::{channels, sample};

    #[test]
    fn each_row_is_a_condition_with_every_channel_s_spread_and_rank() {
        let text = table(&sample());
        let c = channels(4);
        assert!(
            text.contains(&format!(
                "| hand-off | threads | queue | {} | {} | {} | {} |\n|---|---|---|---:|",
                c[0].label, c[1].label, c[2].label, c[3].label
            )),
            "{text}"
        );
        // Two ties on two cores: the first two share #1, the others #3.
        assert!(
            text.contains(
                "| streamed | two cores | unbounded | 22 (20–30) ns #1 | 28 (25–40) ns #1 \
                 | 61 (60–70) ns #3 | 80 (66–90) ns #3 |"
            ),
            "{text}"
        );
        assert!(
            text.contains("| streamed | two cores | bounded (8), full at 50–50% of sends |"),
            "{text}"
        );
        assert!(
            text.contains(
                "| ping-pong, nothing queued (half a round trip) | two cores | unbounded \
                 | 200 (190–210) ns #1 | 300 (290–310) ns #2 | – | – |"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "| streamed, timed by the plain harness | placed by the OS | unbounded \
                 | 30 (29–31) ns | 105 (100–110) ns | – | – |"
            ),
            "{text}"
        );
        assert!(text.contains("the median of 3 runs"), "{text}");
        assert!(
            text.contains("meant to be within 2.00× either way"),
            "{text}"
        );
        assert!(!text.contains("Placement not controlled"), "{text}");
    }

    #[test]
    fn no_channel_hop_no_table() {
        let mut results = sample();
        results.runs.clear();
        assert_eq!(table(&results), "");
    }
}

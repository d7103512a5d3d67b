//! The text the lab prints: a run's report, the comparison of several runs, the
//! list of scenarios. Plain aligned tables, numbers with units, both from
//! `pipeline-present`.

use std::fmt::Write as _;

use pipeline_core::{Config, FaultKind, Machine, Report, Scenario};

use pipeline_present::units;
use pipeline_present::{Align, Table};

/// One run's report: what it was asked, a row per stage and worker, then the
/// run's figures and the machine. `stopped` says why a run ended early, if it did:
/// its figures are then up to that point.
pub fn run_report(report: &Report, stopped: Option<&str>) -> String {
    let mut out = String::new();
    let scenario = report
        .scenario
        .as_deref()
        .unwrap_or("none (the book's pipeline)");
    line(
        &mut out,
        "run",
        &format!("{}, scenario {scenario}", report.backend),
    );
    line(&mut out, "config", &config_line(&report.config));
    line(&mut out, "outcome", &report.outcome.to_string());
    if let Some(reason) = stopped {
        line(
            &mut out,
            "stopped",
            &format!("{reason}; what follows is what was done until then"),
        );
    }
    out.push('\n');
    out.push_str(&stage_table(report).to_text());
    out.push('\n');
    line(
        &mut out,
        "items",
        &format!(
            "{} in · {} out · {} failed{}",
            report.items_in,
            report.items_out,
            report.failed,
            unfinished(report)
        ),
    );
    for stage in &report.stages {
        for failure in &stage.failures {
            line(
                &mut out,
                "failures",
                &format!(
                    "{} {} × {} (first: {})",
                    stage.name, failure.count, failure.kind, failure.first
                ),
            );
        }
    }
    if report.all_failed() {
        line(&mut out, "failures", "every item failed: nothing came out");
    }
    if let Some(again) = at_least_once_line(report) {
        line(&mut out, "again", &again);
    }
    if let Some(bytes) = report.broker_peak_bytes {
        line(
            &mut out,
            "broker",
            &format!(
                "the server's peak memory {} (where the queues keep their items; sampled)",
                units::bytes(bytes)
            ),
        );
    }
    if let Some(dead) = dead_letters_line(report) {
        line(&mut out, "dead", &dead);
    }
    line(&mut out, "wall", &wall_line(report));
    if report.processes.is_empty() {
        line(
            &mut out,
            "CPU",
            &format!(
                "{} (the whole process, user + system)",
                units::duration(report.process_cpu_s)
            ),
        );
        let heap = report
            .peak_heap_bytes
            .map_or("not measured".into(), units::bytes);
        match report.max_rss_bytes {
            Some(rss) => line(
                &mut out,
                "memory",
                &format!(
                    "peak heap {heap}, the process's peak resident {}",
                    units::bytes(rss)
                ),
            ),
            None => line(&mut out, "heap", &format!("peak {heap}")),
        }
    } else {
        line(
            &mut out,
            "CPU",
            &format!(
                "{} (every process below, user + system)",
                units::duration(report.process_cpu_s)
            ),
        );
        let rss: u64 = report.processes.iter().map(|p| p.max_rss_bytes).sum();
        line(
            &mut out,
            "memory",
            &format!(
                "{} (the sum of every process's peak resident memory)",
                units::bytes(rss)
            ),
        );
    }
    let latency = report.latency_us;
    let [p50, p99, max] = [latency.p50, latency.p99, latency.max].map(|us| latency_of(report, us));
    line(
        &mut out,
        "latency",
        &format!("p50 {p50} · p99 {p99} · max {max} (from the download queue to done)"),
    );
    line(&mut out, "machine", &machine_line(&report.machine));
    if !report.processes.is_empty() {
        out.push('\n');
        out.push_str(&process_table(report).to_text());
    }
    out
}

/// What a broker delivered twice: items a stage took over from a consumer that
/// held them too long, and receipts dropped as duplicates; `None` when nothing
/// was.
fn at_least_once_line(report: &Report) -> Option<String> {
    let taken_over: Vec<String> = report
        .stages
        .iter()
        .filter(|s| s.redelivered > 0)
        .map(|s| format!("{} took over {}", s.name, s.redelivered))
        .collect();
    if taken_over.is_empty() && report.duplicates == 0 && report.foreign == 0 {
        return None;
    }
    let mut parts = taken_over;
    parts.push(format!("{} duplicate receipts dropped", report.duplicates));
    if report.foreign > 0 {
        parts.push(format!(
            "{} receipts for no item of the run dropped",
            report.foreign
        ));
    }
    Some(parts.join(" · "))
}

/// The entries a broker set aside as dead letters, by queue, and the first
/// one's reason; `None` when there are none.
fn dead_letters_line(report: &Report) -> Option<String> {
    let first = report.dead_letters.first()?;
    let mut by_queue: Vec<(&str, usize)> = Vec::new();
    for dead in &report.dead_letters {
        match by_queue.iter_mut().find(|(queue, _)| *queue == dead.queue) {
            Some((_, count)) => *count += 1,
            None => by_queue.push((&dead.queue, 1)),
        }
    }
    let counts: Vec<String> = by_queue
        .iter()
        .map(|(queue, count)| format!("{queue} {count}"))
        .collect();
    Some(format!(
        "{} dead letters ({}; first: {} entry {}, {})",
        report.dead_letters.len(),
        counts.join(", "),
        first.queue,
        first.entry,
        first.why
    ))
}

/// One row per process of a run whose stages were processes.
fn process_table(report: &Report) -> Table {
    use Align::{Left, Right};
    let mut table = Table::new([
        ("process", Left),
        ("pid", Right),
        ("host", Left),
        ("workers", Right),
        ("done", Right),
        ("took over", Right),
        ("CPU", Right),
        ("peak RSS", Right),
        ("ended", Left),
    ]);
    for p in &report.processes {
        table.row(vec![
            p.role.clone(),
            p.pid.to_string(),
            p.host.clone(),
            p.workers.to_string(),
            p.done.to_string(),
            p.redelivered.to_string(),
            units::duration(p.cpu_s),
            units::bytes(p.max_rss_bytes),
            p.ended.clone(),
        ]);
    }
    table
}

/// ` · 12 unfinished (download queue 9, in resize 1, …)`: where a stopped run left
/// its items; nothing when it left none.
fn unfinished(report: &Report) -> String {
    if report.unfinished == 0 {
        return String::new();
    }
    let places: Vec<String> = report
        .unfinished_where()
        .iter()
        .map(|(place, count)| format!("{place} {count}"))
        .collect();
    match places.is_empty() {
        true => format!(" · {} unfinished", report.unfinished),
        false => format!(
            " · {} unfinished ({})",
            report.unfinished,
            places.join(", ")
        ),
    }
}

/// A row per worker (and one for the whole stage when it has several); the queue
/// peak is the stage's input queue.
fn stage_table(report: &Report) -> Table {
    use Align::{Left, Right};
    let mut table = Table::new([
        ("stage", Left),
        ("worker", Left),
        ("polls", Right),
        ("done", Right),
        ("failed", Right),
        ("CPU", Right),
        ("busy", Right),
        ("queue peak", Right),
    ]);
    for stage in &report.stages {
        // A crowd of workers is shown as its sum alone.
        let each = if stage.workers.len() > MOST_WORKERS_SHOWN {
            &[][..]
        } else {
            &stage.workers[..]
        };
        for (index, worker) in each.iter().enumerate() {
            let first = index == 0;
            table.row(vec![
                if first {
                    stage.name.clone()
                } else {
                    String::new()
                },
                index.to_string(),
                worker.polls.to_string(),
                worker.done.to_string(),
                worker.failed.to_string(),
                units::duration(worker.cpu_s.unwrap_or(f64::NAN)),
                units::duration(worker.busy_s.unwrap_or(f64::NAN)),
                if first {
                    stage.queue_peak.to_string()
                } else {
                    String::new()
                },
            ]);
        }
        if stage.workers.len() > 1 {
            let crowd = each.is_empty();
            table.row(vec![
                if crowd {
                    stage.name.clone()
                } else {
                    String::new()
                },
                if crowd {
                    format!("all {}", stage.workers.len())
                } else {
                    "all".into()
                },
                stage.polls().to_string(),
                stage.done().to_string(),
                stage
                    .workers
                    .iter()
                    .map(|w| w.failed)
                    .sum::<u64>()
                    .to_string(),
                units::duration(stage.cpu_s().unwrap_or(f64::NAN)),
                units::duration(stage.busy_s().unwrap_or(f64::NAN)),
                if crowd {
                    stage.queue_peak.to_string()
                } else {
                    String::new()
                },
            ]);
        }
    }
    table
}

/// The most workers of a stage the report lists one by one; a stage with more
/// shows their sum alone.
const MOST_WORKERS_SHOWN: usize = 16;

/// A latency figure, or [`units::MISSING`] when no item arrived to have one.
fn latency_of(report: &Report, us: u64) -> String {
    if report.items_out == 0 {
        units::MISSING.into()
    } else {
        units::micros(us)
    }
}

fn wall_line(report: &Report) -> String {
    let mut text = units::duration(report.wall_s);
    match (report.ideal_wall_s, report.ideal_ratio()) {
        (Some(_), None) if !report.completed() => {
            write!(text, " · no ideal (the run stopped early)")
        }
        (Some(ideal), ratio) => write!(
            text,
            " · ideal {} · ratio {}",
            units::duration(ideal),
            units::decimals(ratio.unwrap_or(f64::NAN), 2)
        ),
        (None, _) => write!(text, " · no ideal (nothing to wait for)"),
    }
    .expect("writing to a String cannot fail");
    if let Some(stage) = report.bottleneck() {
        write!(
            text,
            " · {} busy {} of the time",
            stage.name,
            units::percent(report.bottleneck_utilisation().unwrap_or(f64::NAN))
        )
        .expect("writing to a String cannot fail");
    }
    text
}

/// One row of a comparison.
#[derive(Debug, Clone)]
pub struct ComparedRun<'a> {
    /// What the row is called: the backend, and how it waits if that varies.
    pub label: String,
    /// The run's report, whole or up to where it stopped.
    pub report: &'a Report,
    /// Whether the run stopped early (a stage panicked, or a signal stopped it).
    pub stopped: bool,
}

/// The comparison of several runs of one config: a row per run, then a row per
/// pipeline that could not run here (`not_run`: its label, and why, whose first
/// clause the row shows). The last column is the bottleneck stage's
/// utilisation, the figure the timer's overshoot does not blur.
pub fn comparison(
    base: &Config,
    scenario: Option<&str>,
    runs: &[ComparedRun<'_>],
    not_run: &[(String, String)],
) -> String {
    use Align::{Left, Right};
    let mut out = String::new();
    let scenario = scenario.unwrap_or("none (the book's pipeline)");
    line(&mut out, "compare", &format!("scenario {scenario}"));
    line(&mut out, "config", &config_line(base));
    out.push('\n');
    let mut table = Table::new([
        ("backend", Left),
        ("items out", Right),
        ("failed", Right),
        ("wall", Right),
        ("× ideal", Right),
        ("polls", Right),
        ("CPU", Right),
        ("peak heap", Right),
        ("queue peak", Right),
        ("p50", Right),
        ("p99", Right),
        ("bottleneck busy", Right),
    ]);
    for ComparedRun {
        label,
        report,
        stopped,
    } in runs
    {
        let max_queue_peak = report.stages.iter().map(|s| s.queue_peak).max();
        let label = if report.outcome == pipeline_core::INTERRUPTED {
            format!("{label} (interrupted)")
        } else if *stopped {
            format!("{label} (stopped)")
        } else {
            label.clone()
        };
        let ideal_ratio = units::decimals(
            report
                .ideal_ratio()
                .filter(|_| !stopped)
                .unwrap_or(f64::NAN),
            2,
        );
        let bottleneck = match report.bottleneck() {
            Some(stage) => format!(
                "{} {}",
                stage.name,
                units::percent(report.bottleneck_utilisation().unwrap_or(f64::NAN))
            ),
            None => units::MISSING.into(),
        };
        table.row(vec![
            label,
            report.items_out.to_string(),
            report.failed.to_string(),
            units::duration(report.wall_s),
            ideal_ratio,
            report.total_polls().to_string(),
            units::duration(report.process_cpu_s),
            report
                .peak_heap_bytes
                .map_or(units::MISSING.into(), units::bytes),
            max_queue_peak.unwrap_or(0).to_string(),
            latency_of(report, report.latency_us.p50),
            latency_of(report, report.latency_us.p99),
            bottleneck,
        ]);
    }
    for (label, why) in not_run {
        let short = why.split(':').next().unwrap_or(why).trim();
        let mut row = vec![format!("{label} (not run here: {short})")];
        row.resize(12, units::MISSING.into());
        table.row(row);
    }
    out.push_str(&table.to_text());
    for (label, why) in not_run {
        out.push('\n');
        line(&mut out, "note", &format!("{label} not run here: {why}"));
    }
    if let Some(ComparedRun { report, .. }) = runs.first() {
        out.push('\n');
        line(&mut out, "machine", &machine_line(&report.machine));
    }
    out
}

/// The named scenarios, one row each.
pub fn scenarios() -> String {
    use Align::{Left, Right};
    let mut table = Table::new([
        ("name", Left),
        ("items", Right),
        ("workers", Left),
        ("capacity", Left),
        ("interval", Right),
        ("waits d/r/u", Right),
        ("frame", Left),
        ("about", Left),
    ]);
    for scenario in Scenario::ALL {
        let config = scenario.config();
        let capacities: Vec<String> = scenario
            .capacities
            .iter()
            .map(|&c| units::capacity(c))
            .collect();
        table.row(vec![
            scenario.name.into(),
            config.items.to_string(),
            workers(&config),
            capacities.join(", "),
            format!("{} ms", units::ms(config.source_interval_ms)),
            waits(&config),
            frame(&config),
            scenario.about.into(),
        ]);
    }
    let mut out = table.to_text();
    out.push_str(
        "\nThe first capacity is the default; pick another with --capacity. \
         Any value can be overridden (see `lab run --help`).\n",
    );
    out
}

/// What a config asks for, on one line.
pub fn config_line(config: &Config) -> String {
    let mut parts = vec![
        format!("{} items", config.items),
        format!("workers {}", workers(config)),
        format!("capacity {}", units::capacity(config.capacity)),
        format!(
            "source interval {} ms",
            units::ms(config.source_interval_ms)
        ),
        format!("waits {}", waits(config)),
        format!("frame {}", frame(config)),
    ];
    if let Some(ms) = config.poll_sleep_ms {
        parts.push(match ms {
            0 => "poll sleep 0 (spin)".into(),
            ms => format!("poll sleep {ms} ms"),
        });
    }
    for fault in &config.faults {
        let kind = match fault.kind {
            FaultKind::Error => "fail",
            FaultKind::Panic => "panic",
        };
        parts.push(format!("{kind} at {}:{}", fault.stage, fault.item));
    }
    parts.join(" · ")
}

/// The machine a report was measured on, on one line.
pub fn machine_line(machine: &Machine) -> String {
    format!(
        "{} CPUs · {} · {} · {}",
        machine.cpus, machine.cpu_model, machine.os, machine.rustc
    )
}

fn line(out: &mut String, label: &str, text: &str) {
    writeln!(out, "{label:<8} {text}").expect("writing to a String cannot fail");
}

fn workers(config: &Config) -> String {
    let [d, r, u] = config.workers;
    format!("{d}/{r}/{u}")
}

fn waits(config: &Config) -> String {
    let [d, r, u] = [config.download_ms, config.resize_ms, config.upload_ms].map(units::ms);
    format!("{d}/{r}/{u} ms")
}

fn frame(config: &Config) -> String {
    config
        .frame
        .map_or("none".into(), |(w, h)| format!("{w}x{h}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scenario_is_listed_with_its_parameters() {
        let text = scenarios();
        for scenario in Scenario::ALL {
            assert!(text.contains(scenario.name), "{text}");
        }
        assert!(text.contains("unbounded, 8"), "{text}");
        assert!(text.contains("320x240"), "{text}");
    }

    #[test]
    fn a_pipeline_that_could_not_run_is_a_row_that_says_why() {
        let not_run = [(
            "redis".to_string(),
            "redis-server not found: install Debian's `redis-server` package".to_string(),
        )];
        let text = comparison(&Config::default(), Some("book"), &[], &not_run);
        let row = text
            .lines()
            .find(|l| l.starts_with("redis"))
            .expect("a row for it");
        assert!(
            row.starts_with("redis (not run here: redis-server not found)"),
            "{row}"
        );
        assert!(!row.contains("install"), "{row}");
        assert!(
            text.contains("redis not run here: redis-server not found: install"),
            "{text}"
        );
    }

    #[test]
    fn a_config_line_names_every_setting() {
        let text = config_line(&Scenario::FANOUT.config());
        assert!(text.contains("workers 3/4/5"), "{text}");
        assert!(text.contains("waits 1/5/2 ms"), "{text}");
        assert!(text.contains("frame 64x48"), "{text}");
    }
}

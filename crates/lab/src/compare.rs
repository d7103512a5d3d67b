//! `lab compare`: every pipeline on one config, one after another, in one table.
//!
//! The pipelines are the registry's: the polling backend runs twice, sleeping
//! between empty polls (10 ms, like the item, or `--poll-sleep-ms`) and spinning;
//! the blocking pipelines take no poll sleep. With `--capacity 0` the pipelines without a rendezvous queue are
//! skipped with a note on stderr: comparing the rendezvous channels is a lesson
//! of its own, so it should not be refused because two pipelines cannot join in.
//! A pipeline whose broker cannot be had here (no server installed, none
//! named) is a row that says so, and the others run.

use pipeline_core::{Backend, Config, ConfigError, Report};

use crate::args::CompareArgs;
use crate::config::Plan;
use crate::error::LabError;
use crate::run::{failure_summary, what_was_done};
use crate::table::ComparedRun;
use crate::{output, progress, signals, table};

/// One run of the comparison: its label in the table, its backend, its config.
#[derive(Debug, Clone)]
struct Entry {
    label: String,
    backend: Backend,
    config: Config,
}

/// Runs every pipeline on the config the arguments ask for, then prints the
/// comparison (a table, or a JSON array of the reports). Every config is checked
/// before the first run starts.
pub fn compare(args: &CompareArgs) -> Result<(), LabError> {
    let plan = Plan::from_args(&args.config)?;
    let (entries, skipped) = entries(&plan.config)?;
    // A pipeline of a thread per worker that this machine cannot start is left
    // out, the others run; any other refusal refuses the comparison.
    let mut too_many = (Vec::new(), None);
    let mut fitting = Vec::new();
    // A pipeline whose broker cannot be had here is a row that says so.
    let mut not_run: Vec<(String, String)> = Vec::new();
    for entry in entries {
        match entry.backend.check_fit(&entry.config) {
            Ok(()) => fitting.push(entry),
            Err(error @ ConfigError::TooManyThreads { .. }) => {
                too_many.0.push(entry.label);
                too_many.1.get_or_insert(error);
            }
            Err(ConfigError::Broker(why)) => not_run.push((entry.label, why)),
            Err(error) => return Err(error.into()),
        }
    }
    let entries = fitting;
    if !skipped.is_empty() {
        output::error_line(&format!(
            "note: skipping {}: no rendezvous queue (capacity 0)",
            skipped.join(", ")
        ));
    }
    if let (labels, Some(error)) = too_many {
        output::error_line(&format!("note: skipping {}: {error}", labels.join(", ")));
    }
    // In JSON the runs are the reports, and a note on stderr says who is
    // missing; the table has a row for it, and the note below it.
    if args.json {
        for (label, why) in &not_run {
            output::error_line(&format!("note: {label} not run here: {why}"));
        }
    }

    let mut reports: Vec<Report> = Vec::new();
    let mut stopped: Vec<Option<String>> = Vec::new();
    for (number, entry) in entries.iter().enumerate() {
        if signals::caught().is_some() {
            // Interrupted: the runs that finished are shown, no new one starts.
            break;
        }
        let title = format!("[{}/{}] {}", number + 1, entries.len(), entry.label);
        let outcome = progress::run_live(&entry.backend, &entry.config, &title);
        let (mut report, reason) = what_was_done(outcome)?;
        report.scenario = plan.scenario_name();
        if let Some(line) = failure_summary(&report) {
            output::error_line(&format!("{}: {line}", entry.label));
        }
        reports.push(report);
        stopped.push(reason.map(|reason| format!("{}: {reason}", entry.label)));
    }
    let entries = &entries[..reports.len()];

    if args.json {
        output::json(&reports)?;
    } else {
        let rows: Vec<ComparedRun<'_>> = entries
            .iter()
            .zip(&reports)
            .zip(&stopped)
            .map(|((entry, report), reason)| ComparedRun {
                label: entry.label.clone(),
                report,
                stopped: reason.is_some(),
            })
            .collect();
        let scenario = plan.scenario.map(|s| s.name);
        output::text(&table::comparison(&plan.config, scenario, &rows, &not_run))?;
    }
    let stopped: Vec<String> = stopped.into_iter().flatten().collect();
    if let Some(signal) = signals::caught() {
        return Err(LabError::Interrupted(signal, stopped));
    }
    let every_item_failed = reports.iter().all(Report::all_failed);
    if !stopped.is_empty() {
        Err(LabError::Stopped(stopped))
    } else if every_item_failed && !reports.is_empty() {
        // As `lab run` on the same config: nothing came out of any pipeline.
        Err(LabError::AllFailed(reports[0].items_in))
    } else {
        Ok(())
    }
}

/// The runs to make on `base`, each prepared for its backend, and the labels of
/// those skipped for want of a rendezvous queue.
fn entries(base: &Config) -> Result<(Vec<Entry>, Vec<String>), ConfigError> {
    let mut entries = Vec::new();
    let mut skipped = Vec::new();
    for pipeline in pipeline_registry::ALL {
        let label = pipeline.label_on(base);
        match pipeline.backend.prepare(&pipeline.config(base)) {
            Ok(config) => entries.push(Entry {
                label,
                backend: pipeline.backend,
                config,
            }),
            Err(ConfigError::NoRendezvous(_)) => skipped.push(label),
            Err(error) => return Err(error),
        }
    }
    Ok((entries, skipped))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polling_runs_sleeping_then_spinning_and_the_others_without_a_sleep() {
        let (entries, skipped) = entries(&Config::default()).unwrap();
        let labels: Vec<&str> = entries.iter().map(|e| e.label.as_str()).collect();
        let listed: Vec<&str> = pipeline_registry::ALL.iter().map(|p| p.label).collect();
        assert_eq!(labels, listed);
        assert_eq!(labels[..2], ["polling (sleep 10 ms)", "polling (spin)"]);
        for entry in &entries {
            let polls = entry.backend.polls;
            assert_eq!(
                entry.config.poll_sleep_ms.is_some(),
                polls,
                "{}",
                entry.label
            );
        }
        assert_eq!(entries[0].config.poll_sleep_ms, Some(10));
        assert_eq!(entries[1].config.poll_sleep_ms, Some(0));
        assert!(skipped.is_empty());
    }

    #[test]
    fn a_given_poll_sleep_goes_to_the_polling_run_only() {
        let base = Config {
            poll_sleep_ms: Some(2),
            ..Config::default()
        };
        let (entries, _) = entries(&base).unwrap();
        assert_eq!(entries[0].label, "polling (sleep 2 ms)");
        assert_eq!(entries[0].config.poll_sleep_ms, Some(2));
        assert!(
            entries
                .iter()
                .skip(2)
                .all(|e| e.config.poll_sleep_ms.is_none())
        );
    }

    #[test]
    fn a_rendezvous_skips_the_queues_without_one() {
        let base = Config {
            capacity: Some(0),
            ..Config::default()
        };
        let (entries, skipped) = entries(&base).unwrap();
        let with: Vec<&str> = pipeline_registry::ALL
            .iter()
            .filter(|p| p.backend.rendezvous)
            .map(|p| p.label)
            .collect();
        let without: Vec<&str> = pipeline_registry::ALL
            .iter()
            .filter(|p| !p.backend.rendezvous)
            .map(|p| p.label)
            .collect();
        let labels: Vec<&str> = entries.iter().map(|e| e.label.as_str()).collect();
        assert_eq!(labels, with);
        assert_eq!(skipped, without);
        assert!(skipped.iter().any(|s| s == "polling (spin)"));
    }
}

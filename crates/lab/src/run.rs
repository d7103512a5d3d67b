//! `lab run`: one pipeline, watched live, then its report.

use std::sync::Arc;

use pipeline_core::{
    BrokerUrl, ConfigError, INTERRUPTED, ITEMS_MISSING, OnBroker, PipelineError, Probes, Report,
    Role, STOPPED_FROM_OUTSIDE, Spawn, Stage,
};

use crate::args::RunArgs;
use crate::config::{Plan, backend_named, check_gallery, prepare_gallery};
use crate::error::LabError;
use crate::{output, progress, signals, table, trace};

/// Runs the backend and config the arguments ask for and prints the report (a
/// table, or JSON). A run whose stage panicked, or that Ctrl-C or SIGTERM
/// stopped, prints what it did before it stopped, then fails saying why. Failed
/// items are summed up on stderr, one line; a run where every item failed fails.
pub fn run(args: &RunArgs) -> Result<(), LabError> {
    let backend = backend_named(&args.backend)?;
    if backend.broker.is_none() {
        if args.broker.is_some() {
            return Err(LabError::NoBroker(backend.name));
        }
        if args.processes {
            return Err(LabError::NoProcesses(backend.name));
        }
        if args.max_deliveries.is_some() {
            return Err(LabError::NoDeliveries(backend.name));
        }
    }
    if args.processes && args.trace.is_some() {
        return Err(LabError::TraceOfProcesses);
    }
    let plan = Plan::from_args(&args.config)?;
    let mut config = backend.prepare(&plan.config)?;
    if backend.broker.is_some() {
        // Where the run's queues are, and what this process does of it.
        config.max_deliveries = args.max_deliveries;
        config.broker = Some(OnBroker {
            url: args.broker.as_deref().map(BrokerUrl::new),
            role: match args.processes {
                true => Role::Coordinator(spawn_workers(args.kill)?),
                false => Role::Whole,
            },
        });
    }
    backend.check_machine(&config)?;
    // Every output is checked before any is created: the trace's is only
    // checked, the gallery's directory is made. And every refusal of the
    // command line comes before the broker is asked, which may start a server.
    let trace = args.trace.as_deref().map(trace::check).transpose()?;
    if let Some(gallery) = &args.gallery {
        check_gallery(gallery, &config)?;
    }
    backend.check_broker(&config)?;
    if let Some(gallery) = &args.gallery {
        prepare_gallery(gallery, &config)?;
        config.gallery = Some(gallery.clone());
    }

    let title = match plan.scenario {
        Some(scenario) => format!("{} · {}", backend.name, scenario.name),
        None => backend.name.to_string(),
    };
    let probes = Arc::new(Probes::new(&config));
    let live =
        || progress::run_live_with(&backend, &config, &title, probes.clone(), trace.is_some());
    let outcome = live();
    let (mut report, stopped) = what_was_done(outcome)?;
    report.scenario = plan.scenario_name();
    if !args.processes {
        // The run had this process to itself (its stage processes report their own).
        report.max_rss_bytes = Some(pipeline_core::max_rss_bytes());
    }

    // The report first: whatever happens to the trace, the run is not lost.
    if args.json {
        output::json(&report)?;
    } else {
        output::text(&table::run_report(&report, stopped.as_deref()))?;
    }
    if let Some(line) = failure_summary(&report) {
        output::error_line(&line);
    }
    let trace_lost = trace
        .as_ref()
        .and_then(|trace| trace::write(trace, &probes.timeline(), &title).err());
    let mut reasons: Vec<String> = stopped.into_iter().collect();
    if report.outcome == ITEMS_MISSING {
        reasons.push(format!(
            "{} items went missing: none of them came out or failed (taken from the broker's \
             queues by someone else?)",
            report.unfinished
        ));
    }
    if reasons.is_empty() && report.outcome == STOPPED_FROM_OUTSIDE && signals::caught().is_none() {
        // Never a silent exit 0 for a run that did not get to its end.
        reasons.push("the run was stopped before its end, by no signal and no error".into());
    }
    if let Some(signal) = signals::caught() {
        reasons.extend(trace_lost.map(|lost| lost.to_string()));
        return Err(LabError::Interrupted(signal, reasons));
    }
    match (reasons.is_empty(), trace_lost) {
        (true, Some(lost)) => Err(lost),
        (false, lost) => {
            reasons.extend(lost.map(|lost| lost.to_string()));
            Err(LabError::Stopped(reasons))
        }
        (true, None) if report.all_failed() => Err(LabError::AllFailed(report.items_in)),
        (true, None) => Ok(()),
    }
}

/// How `run --processes` starts a stage's process: this executable's `worker`.
fn spawn_workers(kill: Option<Stage>) -> Result<Spawn, LabError> {
    Ok(Spawn {
        program: std::env::current_exe()?,
        args: vec!["worker".into(), "--quiet".into()],
        kill,
        announce: output::error_line,
    })
}

/// A run's report, whole or up to where it stopped, and in that case why
/// (`the resize stage panicked: …`, `cannot start worker resize-3 (…): use fewer
/// workers`, `interrupted by SIGINT`). A run a signal
/// stopped says `interrupted` in its report's outcome.
pub fn what_was_done(
    outcome: Result<Report, PipelineError>,
) -> Result<(Report, Option<String>), ConfigError> {
    let error = match outcome {
        Ok(mut report) => {
            let interrupted = signals::caught().filter(|_| report.outcome == STOPPED_FROM_OUTSIDE);
            return Ok(match interrupted {
                Some(signal) => {
                    report.outcome = INTERRUPTED;
                    (
                        report,
                        Some(format!("interrupted by {}", signals::name(signal))),
                    )
                }
                None => (report, None),
            });
        }
        Err(error) => error,
    };
    let reason = error.to_string();
    match error {
        PipelineError::StagePanicked { report, .. }
        | PipelineError::BrokerLost { report, .. }
        | PipelineError::ProcessFailed { report, .. }
        | PipelineError::ThreadRefused { report, .. } => Ok((*report, Some(reason))),
        PipelineError::Config(error) => Err(error),
    }
}

/// One line on the items that failed, if any did: per stage, how many failed of
/// each kind, and the first message of each kind.
pub fn failure_summary(report: &Report) -> Option<String> {
    if report.failed == 0 {
        return None;
    }
    let parts: Vec<String> = report
        .stages
        .iter()
        .flat_map(|stage| {
            stage.failures.iter().map(move |f| {
                format!(
                    "{} {} × {} (first: {})",
                    stage.name, f.count, f.kind, f.first
                )
            })
        })
        .collect();
    let of = if report.all_failed() {
        "every one".to_string()
    } else {
        report.failed.to_string()
    };
    Some(format!(
        "failed: {of} of {} items: {}",
        report.items_in,
        parts.join("; ")
    ))
}

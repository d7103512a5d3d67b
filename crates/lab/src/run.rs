//! `lab run`: one pipeline, watched live, then its report.

use std::sync::Arc;

use pipeline_core::{ConfigError, PipelineError, Probes, Report};

use crate::args::RunArgs;
use crate::config::{Plan, backend_named, prepare_gallery};
use crate::error::LabError;
use crate::{output, progress, table, trace};

/// Runs the backend and config the arguments ask for and prints the report (a
/// table, or JSON). A run whose stage panicked prints what it did before it
/// stopped, then fails with the panic's message.
pub fn run(args: &RunArgs) -> Result<(), LabError> {
    let backend = backend_named(&args.backend)?;
    let plan = Plan::from_args(&args.config)?;
    let mut config = backend.prepare(&plan.config)?;
    if let Some(gallery) = &args.gallery {
        prepare_gallery(gallery, &config)?;
        config.gallery = Some(gallery.clone());
    }

    let title = match plan.scenario {
        Some(scenario) => format!("{} · {}", backend.name, scenario.name),
        None => backend.name.to_string(),
    };
    let trace = args.trace.as_deref().map(trace::create).transpose()?;
    let probes = Arc::new(Probes::new(&config));
    let outcome =
        progress::run_live_with(&backend, &config, &title, probes.clone(), trace.is_some());
    let (mut report, stopped) = what_was_done(outcome)?;
    report.scenario = plan.scenario_name();
    if let Some(file) = trace {
        trace::write(file, &probes.timeline(), &title)?;
    }

    if args.json {
        output::json(&report)?;
    } else {
        output::text(&table::run_report(&report, stopped.as_deref()))?;
    }
    match stopped {
        Some(reason) => Err(LabError::Stopped(vec![reason])),
        None => Ok(()),
    }
}

/// A run's report, whole or up to where a stage panicked, and in that case why
/// it stopped (`the resize stage panicked: …`).
pub fn what_was_done(
    outcome: Result<Report, PipelineError>,
) -> Result<(Report, Option<String>), ConfigError> {
    let error = match outcome {
        Ok(report) => return Ok((report, None)),
        Err(error) => error,
    };
    let reason = error.to_string();
    match error {
        PipelineError::StagePanicked { report, .. } => Ok((*report, Some(reason))),
        PipelineError::Config(error) => Err(error),
    }
}

//! `lab worker`: one stage of a run on a broker, in this process, until the
//! stage's input is closed and done (or the run's coordinator stops it).

use std::sync::Arc;

use pipeline_core::{Assignment, BrokerUrl, Probes};

use crate::args::WorkerArgs;
use crate::error::LabError;
use crate::run::what_was_done;
use crate::{output, signals};

/// Joins the run `args.run` on `args.broker` as `args.workers` workers of
/// `args.stage`, and says what they did: a line on stderr, or this process's
/// line of the report as JSON on stdout.
pub fn work(args: &WorkerArgs) -> Result<(), LabError> {
    match joined(args) {
        // A stage process its coordinator started says nothing the coordinator
        // says: a stop it was asked for, or a broker they both lost (one line
        // for the run, not one per process).
        Err(error)
            if args.quiet
                && (signals::caught().is_some()
                    || error.to_string().starts_with("lost the broker")) =>
        {
            Err(LabError::Quiet(error.exit_code()))
        }
        other => other,
    }
}

fn joined(args: &WorkerArgs) -> Result<(), LabError> {
    if args.quiet {
        signals::quiet();
    }
    // Where no kernel signal ends a stage process with its coordinator, a pipe
    // from the coordinator does.
    signals::watch_parent();
    let url = match &args.broker {
        Some(url) => BrokerUrl::new(url.as_str()),
        None => pipeline_registry::broker_url_from_env().ok_or(LabError::WorkerWithoutBroker)?,
    };
    let pipeline = pipeline_registry::with_broker_for(&url)
        .ok_or_else(|| LabError::UnknownBrokerUrl(url.to_string()))?;
    let backend = pipeline.backend;
    let kind = backend.broker.ok_or(LabError::NoBroker(backend.name))?;
    let assignment = Assignment {
        run: args.run.clone(),
        stage: args.stage,
        workers: args.workers,
    };
    // The run's config, as its coordinator published it, in this stage's role.
    let config = (kind.config_of)(Some(&url), &assignment)?;
    backend.check_fit(&config)?;
    let probes = Arc::new(Probes::new(&config));
    let outcome = {
        // Ctrl-C and SIGTERM stop the stage's workers, which publish what they did.
        let _stoppable = signals::stoppable(&probes);
        backend.run_with(&config, probes)
    };
    let (report, stopped) = what_was_done(outcome)?;
    let process = report.processes.first();
    match (args.json, process) {
        (true, Some(process)) => output::json(process)?,
        (false, Some(p)) if !args.quiet => output::error_line(&format!(
            "{} (pid {} on {}): {} worker{} did {} items, failed {}, took over {}; {} CPU",
            p.role,
            p.pid,
            p.host,
            p.workers,
            if p.workers == 1 { "" } else { "s" },
            p.done,
            p.failed,
            p.redelivered,
            pipeline_present::units::duration(p.cpu_s),
        )),
        _ => {}
    }
    if let Some(signal) = signals::caught() {
        if args.quiet {
            return Err(LabError::Quiet(signals::exit_code(signal)));
        }
        return Err(LabError::Interrupted(signal, stopped.into_iter().collect()));
    }
    match stopped {
        Some(reason) => Err(LabError::Stopped(vec![reason])),
        // Stopped with no signal and no error: its coordinator must not take
        // the stage as done, and start it again.
        None if report.outcome != pipeline_core::COMPLETED => {
            Err(LabError::Stopped(vec![format!(
                "the {} stage stopped before its input was done",
                args.stage.name()
            )]))
        }
        None => Ok(()),
    }
}

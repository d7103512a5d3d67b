//! Why the lab stops, and the exit code each reason gives: 2 for bad input,
//! 1 for a run that did not finish.

use std::io;

use pipeline_core::ConfigError;
use thiserror::Error;

/// What ends the lab with an error. Each line of its message is printed as
/// `error: …` on stderr.
#[derive(Debug, Error)]
pub enum LabError {
    /// A bad input, refused before any thread started; the message says what to change.
    #[error(transparent)]
    BadInput(#[from] ConfigError),
    /// Runs that stopped, one message each (their partial reports are already printed).
    #[error("{}", .0.join("\n"))]
    Stopped(Vec<String>),
    /// Ctrl-C or SIGTERM stopped the lab (what was measured is already printed),
    /// with the messages of runs that stopped for another reason before.
    #[error("{}", interrupted(*.0, .1))]
    Interrupted(i32, Vec<String>),
    /// Every item the source put failed (their reasons are already on stderr).
    #[error("every one of the {0} items failed: nothing came out of the pipeline")]
    AllFailed(u64),
    /// A backend name that is not in the registry of pipelines.
    #[error("unknown backend '{0}': use one of {names}", names = pipeline_registry::backend_names())]
    UnknownBackend(String),
    /// `--broker` given for a pipeline whose queues are in the process.
    #[error("--broker is for a pipeline with a broker ({names}); {0} has none", names = pipeline_registry::with_broker_names())]
    NoBroker(&'static str),
    /// `--processes` for a pipeline whose queues are in the process.
    #[error("--processes is for a pipeline with a broker ({names}); {0} has none", names = pipeline_registry::with_broker_names())]
    NoProcesses(&'static str),
    /// `--max-deliveries` for a pipeline whose queues are in the process.
    #[error("--max-deliveries is for a pipeline with a broker ({names}); {0} has none", names = pipeline_registry::with_broker_names())]
    NoDeliveries(&'static str),
    /// `worker` without `--broker`, and no broker's variable set.
    #[error("no broker: give --broker URL, or set {vars}", vars = pipeline_registry::broker_variables())]
    WorkerWithoutBroker,
    /// `worker --broker URL` whose scheme no pipeline's broker takes.
    #[error("no pipeline has a broker at '{0}': use a URL of {urls}", urls = pipeline_registry::broker_urls())]
    UnknownBrokerUrl(String),
    /// `--processes` with `--trace`, which records the threads of one process.
    #[error("--trace records the threads of one process: run it without --processes")]
    TraceOfProcesses,
    /// A gallery directory that cannot be written (checked before the run starts).
    #[error("cannot write thumbnails into '{path}': {reason}")]
    Gallery {
        /// The directory.
        path: String,
        /// Why, and what to do.
        reason: String,
    },
    /// The trace file cannot be written (checked before the run starts).
    #[error("cannot write the trace to {path}: {reason}")]
    Trace {
        /// The path given to `--trace`.
        path: String,
        /// What the system said.
        reason: io::Error,
    },
    /// The trace could not be written once the run had ended (a full disk); the
    /// report is already printed, and no partial file is left.
    #[error(
        "cannot write the trace to {path}: {reason}; no trace was left, the report above is whole"
    )]
    TraceLost {
        /// The path given to `--trace`.
        path: String,
        /// What the system said.
        reason: io::Error,
    },
    /// A stage process its coordinator stopped (`lab worker --quiet`): the
    /// coordinator reports the run, so this says nothing.
    #[error("")]
    Quiet(u8),
    /// The report could not be written to stdout.
    #[error("cannot write to stdout: {0}")]
    Output(#[from] io::Error),
}

impl LabError {
    /// The process's exit code: 2 for bad input, 128 + the signal's number for a
    /// signal (130 for Ctrl-C, 143 for SIGTERM), 1 for the rest.
    pub fn exit_code(&self) -> u8 {
        match self {
            LabError::BadInput(_)
            | LabError::UnknownBackend(_)
            | LabError::NoBroker(_)
            | LabError::NoProcesses(_)
            | LabError::NoDeliveries(_)
            | LabError::WorkerWithoutBroker
            | LabError::UnknownBrokerUrl(_)
            | LabError::TraceOfProcesses
            | LabError::Gallery { .. }
            | LabError::Trace { .. } => 2,
            LabError::Interrupted(signal, _) => crate::signals::exit_code(*signal),
            LabError::Quiet(code) => *code,
            LabError::Stopped(_)
            | LabError::AllFailed(_)
            | LabError::TraceLost { .. }
            | LabError::Output(_) => 1,
        }
    }
}

fn interrupted(signal: i32, stopped: &[String]) -> String {
    let mut lines = stopped.to_vec();
    lines.retain(|line| !line.contains("interrupted by"));
    lines.push(format!(
        "interrupted by {}: the report shows what was done until then",
        crate::signals::name(signal)
    ));
    lines.join("\n")
}

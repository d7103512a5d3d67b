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
    /// The trace file cannot be written (checked before the run starts).
    #[error("cannot write the trace to {path}: {reason}")]
    Trace {
        /// The path given to `--trace`.
        path: String,
        /// What the system said.
        reason: io::Error,
    },
    /// The report could not be written to stdout.
    #[error("cannot write to stdout: {0}")]
    Output(#[from] io::Error),
}

impl LabError {
    /// The process's exit code: 2 for bad input, 1 for the rest.
    pub fn exit_code(&self) -> u8 {
        match self {
            LabError::BadInput(_) | LabError::Trace { .. } => 2,
            LabError::Stopped(_) | LabError::Output(_) => 1,
        }
    }
}

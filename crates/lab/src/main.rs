//! `lab`: the workshop CLI of pipeline-lab.
//!
//! `lab run` runs one pipeline (download → resize → upload) on one of the five
//! ways of handing work between threads and shows its queues live; `lab compare`
//! runs them all on one config; `lab scenarios` lists the named presets; `lab
//! worker` runs one stage of a run on a broker whose stages are processes. Tables go
//! to stdout (or JSON with `--json`), progress and errors to stderr.
//! Exit codes: 0 ok, 1 a run failed (a panic, every item failed, a thread the OS
//! refused, the trace or stdout that could not be written, out of memory), 2 bad
//! input, 130 / 143 interrupted by Ctrl-C / SIGTERM (after printing what was
//! measured).

mod args;
mod compare;
mod config;
mod error;
mod output;
mod panics;
mod progress;
mod run;
mod signals;
mod table;
mod trace;
mod worker;

use std::process::ExitCode;

use crate::args::Command;
use crate::error::LabError;

/// Counts every allocation, so each report has its run's peak heap.
#[global_allocator]
static ALLOC: pipeline_core::heap::CountingAlloc = pipeline_core::heap::CountingAlloc;

fn main() -> ExitCode {
    // First of all, before anything opens a file into its place: a closed stdout
    // would lose the report without an error.
    if output::stdout_is_closed() {
        output::error_line(
            "error: stdout is closed, so the report would be lost: \
             send it somewhere (e.g. > report.txt or | less)",
        );
        return ExitCode::from(1);
    }
    // Then the signals, so that a Ctrl-C from the first moment stops cleanly; a
    // stage process its coordinator started (`worker --quiet`) is quiet from
    // before then, so that its coordinator's SIGTERM is never said twice.
    if args::is_quiet_worker(std::env::args_os()) {
        signals::quiet();
    }
    let signals = signals::install();
    panics::install_one_line_hook();
    let cli = args::parse();
    if let Err(error) = signals {
        output::error_line(&format!("note: Ctrl-C will not stop runs cleanly: {error}"));
    }
    let outcome = match &cli.command {
        Command::Run(args) => run::run(args),
        Command::Compare(args) => compare::compare(args),
        Command::Scenarios => output::text(&table::scenarios()).map_err(LabError::from),
        Command::Worker(args) => worker::work(args),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            for line in error.to_string().lines() {
                output::error_line(&format!("error: {line}"));
            }
            ExitCode::from(error.exit_code())
        }
    }
}

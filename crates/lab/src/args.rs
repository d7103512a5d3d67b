//! The command line: `lab run`, `lab compare` and `lab scenarios`, and the parsers
//! of the values they take. Every parser's message says what to write instead.

use std::path::PathBuf;

use clap::error::{ContextKind, ErrorKind};
use clap::{Args, CommandFactory, Parser, Subcommand};
use pipeline_core::{Fault, FaultKind, MAX_CAPACITY, Stage, parse_fault};

/// Run the image pipeline (download → resize → upload) on six ways of handing work
/// between threads, watch its queues fill live, and compare them.
#[derive(Debug, Parser)]
#[command(name = "lab", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The lab's commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run one pipeline with live progress, then print its report.
    Run(RunArgs),
    /// Run every pipeline on the same config (the poller twice: sleeping and
    /// spinning) and print one comparison table. With `--capacity 0`, the
    /// pipelines without a rendezvous queue are skipped, with a note on stderr.
    Compare(CompareArgs),
    /// List the named scenarios and their parameters.
    Scenarios,
    /// Run one stage of a run on a broker whose stages are processes (`run
    /// --processes` starts these itself; start more by hand, on this machine or
    /// another that reaches the broker, with the run id it prints).
    Worker(WorkerArgs),
}

/// `lab worker`: one stage of a run on a broker, in this process.
#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// The broker the run is on (without it, the URL in the broker's variable:
    /// a URL with a password is better given there, which other users cannot
    /// read, than on the command line, which they can).
    #[arg(long, value_name = "URL", help = worker_broker_help())]
    pub broker: Option<String>,
    /// The run's id, as `run --processes` prints it (the prefix of its keys).
    #[arg(long, value_name = "ID", value_parser = parse_run_id)]
    pub run: String,
    /// The stage to run: download, resize or upload.
    #[arg(long, value_name = "STAGE")]
    pub stage: Stage,
    /// Worker threads of the stage in this process.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 1,
        value_parser = parse_workers_of_a_stage,
        allow_negative_numbers = true
    )]
    pub workers: usize,
    /// Print this process's line of the report as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Say nothing unless something goes wrong (how `run --processes` starts it).
    #[arg(long, short)]
    pub quiet: bool,
}

/// `--backend`'s help: the backends, from the registry of pipelines.
fn backend_help() -> String {
    format!("The pipeline: {}", pipeline_registry::backend_names())
}

/// `run --broker`'s help: the brokers' URLs and variables, from the registry.
fn run_broker_help() -> String {
    format!(
        "The broker of a pipeline with one: {} ({}); without it, the URL in {}, or a \
         private server started for the run. A password in the URL is never printed",
        pipeline_registry::broker_urls(),
        pipeline_registry::broker_url_notes(),
        pipeline_registry::broker_variables(),
    )
}

/// `worker --broker`'s help.
fn worker_broker_help() -> String {
    format!(
        "The broker the run is on: {} ({}); without it, the URL in {} (a URL with a \
         password is better given there, which other users cannot read, than on the \
         command line, which they can)",
        pipeline_registry::broker_urls(),
        pipeline_registry::broker_url_notes(),
        pipeline_registry::broker_variables(),
    )
}

/// A run's id: not empty.
fn parse_run_id(text: &str) -> Result<String, String> {
    match text.trim() {
        "" => Err("give the run id that `run --processes` printed".into()),
        id => Ok(id.to_string()),
    }
}

/// A maximum of deliveries: 1 or more.
fn parse_max_deliveries(text: &str) -> Result<u32, String> {
    match text.parse::<u32>() {
        Ok(n) if (1..=pipeline_core::MAX_DELIVERIES).contains(&n) => Ok(n),
        _ => Err(format!(
            "use a whole number of deliveries between 1 and {} (e.g. 3)",
            pipeline_core::MAX_DELIVERIES
        )),
    }
}

/// `lab run`: one pipeline.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The pipeline's backend (every one the registry lists).
    #[arg(long, short, value_name = "NAME", help = backend_help())]
    pub backend: String,
    /// Also write every thumbnail as a PNG into DIR (created if missing; needs frames).
    #[arg(long, value_name = "DIR")]
    pub gallery: Option<PathBuf>,
    /// What the pipeline is asked to do.
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Print the report as JSON on stdout, and nothing else.
    #[arg(long)]
    pub json: bool,
    /// Also record every thread's timeline and write it to FILE as a Chrome trace
    /// (open it at ui.perfetto.dev or in chrome://tracing).
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,
    /// The broker of a pipeline with one; without it, the URL in the broker's
    /// variable, or a private server started for the run.
    #[arg(long, value_name = "URL", help = run_broker_help())]
    pub broker: Option<String>,
    /// A pipeline with a broker only: deliveries of one entry before it is set
    /// aside as a dead letter (counted as failed); default 3.
    #[arg(long, value_name = "N", value_parser = parse_max_deliveries)]
    pub max_deliveries: Option<u32>,
    /// A pipeline with a broker only: run each stage as a process of its own
    /// (`lab worker`), keep the camera and the collector here, and merge what
    /// every process did into the one report.
    #[arg(long)]
    pub processes: bool,
    /// With --processes: kill STAGE's process with SIGKILL once, at a random
    /// moment, and watch another take over what it held.
    #[arg(long, value_name = "STAGE", requires = "processes")]
    pub kill: Option<Stage>,
}

/// `lab compare`: every pipeline on one config.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// What every pipeline is asked to do.
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Print a JSON array of the reports on stdout, and nothing else.
    #[arg(long)]
    pub json: bool,
}

/// The config of a run: a named scenario (or the book's pipeline), then overrides.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Start from a named scenario (see `lab scenarios`); without one, the book's
    /// pipeline: 1000 items, one worker per stage, no waits, no frames.
    #[arg(long, short, value_name = "NAME")]
    pub scenario: Option<String>,
    /// Items the camera sends.
    #[arg(long, value_name = "N", value_parser = parse_items, allow_negative_numbers = true)]
    pub items: Option<u64>,
    /// Workers per stage: download, resize, upload (e.g. 3,4,5).
    #[arg(long, value_name = "D,R,U", value_parser = parse_workers, allow_hyphen_values = true)]
    pub workers: Option<[usize; 3]>,
    /// The bound of every queue: a number of items (0 is a rendezvous), or `unbounded`.
    #[arg(long, value_name = "N|unbounded", value_parser = parse_capacity, allow_negative_numbers = true)]
    pub capacity: Option<Capacity>,
    /// The camera sends one item every this many ms (0: as fast as it can).
    #[arg(long, value_name = "MS", value_parser = parse_ms, allow_hyphen_values = true)]
    pub source_interval_ms: Option<f64>,
    /// The download stage's wait per item, in ms (a network fetch).
    #[arg(long, value_name = "MS", value_parser = parse_ms, allow_hyphen_values = true)]
    pub download_ms: Option<f64>,
    /// The resize stage's wait per item, in ms (on top of the real downscale).
    #[arg(long, value_name = "MS", value_parser = parse_ms, allow_hyphen_values = true)]
    pub resize_ms: Option<f64>,
    /// The upload stage's wait per item, in ms (a network send).
    #[arg(long, value_name = "MS", value_parser = parse_ms, allow_hyphen_values = true)]
    pub upload_ms: Option<f64>,
    /// The camera's frame size, e.g. 64x48, or `none` for items without pixels.
    #[arg(long, value_name = "WxH|none", value_parser = parse_frame, allow_hyphen_values = true)]
    pub frame: Option<FrameSize>,
    /// Polling only: sleep between two empty polls, in ms (0 spins); default 10.
    #[arg(long, value_name = "MS", value_parser = parse_poll_sleep, allow_negative_numbers = true)]
    pub poll_sleep_ms: Option<u64>,
    /// Make a stage fail on one item (counted as failed; the run goes on). Repeatable.
    #[arg(long, value_name = "STAGE:ITEM", value_parser = parse_fail_at)]
    pub fail_at: Vec<Fault>,
    /// Make a stage panic on one item (the run stops). Repeatable.
    #[arg(long, value_name = "STAGE:ITEM", value_parser = parse_panic_at)]
    pub panic_at: Vec<Fault>,
}

/// A queue bound from the command line: `None` is unbounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capacity(pub Option<usize>);

/// The workers of one stage: 1 or more.
fn parse_workers_of_a_stage(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err("use a whole number of workers, 1 or more (e.g. 2)".into()),
    }
}

/// A frame size from the command line: `None` carries no pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameSize(pub Option<(u32, u32)>);

/// Whether the command line is `worker … --quiet` (or `-q`), read before it is
/// parsed: a stage process started by a coordinator says nothing from its first
/// moment.
pub fn is_quiet_worker(args: impl IntoIterator<Item = std::ffi::OsString>) -> bool {
    let args: Vec<std::ffi::OsString> = args.into_iter().skip(1).collect();
    args.first().is_some_and(|command| command == "worker")
        && args.iter().any(|arg| arg == "--quiet" || arg == "-q")
}

/// Parses the command line. A usage error is printed as one `error: …` line and
/// exits with code 2; `--help` and `--version` print and exit with code 0.
pub fn parse() -> Cli {
    Cli::try_parse().unwrap_or_else(|error| match error.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => error.exit(),
        _ => {
            crate::output::error_line(&one_line(&error));
            std::process::exit(2);
        }
    })
}

/// A usage error as one line, `error: …`, written from what clap knows about it (its
/// kind and context) rather than from its multi-line rendering: what was wrong, then
/// clap's suggestion if it has one.
fn one_line(error: &clap::Error) -> String {
    let context = |kind| error.get(kind).map(ToString::to_string);
    let arg = context(ContextKind::InvalidArg).unwrap_or_default();
    let value = context(ContextKind::InvalidValue).unwrap_or_default();
    let mut line = match error.kind() {
        ErrorKind::ValueValidation => match std::error::Error::source(error) {
            Some(reason) => format!("invalid value '{value}' for '{arg}': {reason}"),
            None => format!("invalid value '{value}' for '{arg}'"),
        },
        ErrorKind::InvalidValue if value.is_empty() => {
            format!("a value is required for '{arg}' but none was supplied")
        }
        ErrorKind::InvalidValue => format!("invalid value '{value}' for '{arg}'"),
        ErrorKind::UnknownArgument => format!("unexpected argument '{arg}' found"),
        ErrorKind::InvalidSubcommand => format!(
            "unrecognized subcommand '{}': use one of {}",
            context(ContextKind::InvalidSubcommand).unwrap_or_default(),
            Cli::command()
                .get_subcommands()
                .map(clap::Command::get_name)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        ErrorKind::MissingRequiredArgument => {
            format!("the following required arguments were not provided: {arg}")
        }
        ErrorKind::ArgumentConflict => match context(ContextKind::PriorArg) {
            Some(prior) if prior != arg => {
                format!("the argument '{arg}' cannot be used with '{prior}'")
            }
            _ => format!("the argument '{arg}' cannot be used multiple times"),
        },
        ErrorKind::TooManyValues => format!("unexpected value '{value}' for '{arg}' found"),
        // Kinds the lab's arguments cannot produce: clap's own words for the kind.
        kind => match (kind.as_str(), arg.is_empty()) {
            (Some(what), false) => format!("{what}: '{arg}'"),
            (Some(what), true) => what.to_string(),
            (None, _) => format!("{kind:?}"),
        },
    };
    let valid = [ContextKind::ValidValue, ContextKind::ValidSubcommand]
        .into_iter()
        .filter_map(context)
        .find(|valid| !valid.is_empty());
    if let Some(valid) = valid.filter(|_| error.kind() != ErrorKind::MissingRequiredArgument) {
        line.push_str(&format!("; use one of {valid}"));
    }
    let suggested = [
        ContextKind::SuggestedArg,
        ContextKind::SuggestedSubcommand,
        ContextKind::SuggestedValue,
    ]
    .into_iter()
    .filter_map(context)
    .find(|suggested| !suggested.is_empty());
    if let Some(suggested) = suggested {
        line.push_str(&format!("; did you mean '{suggested}'?"));
    } else if let Some(tip) = context(ContextKind::Suggested) {
        line.push_str(&format!("; {tip}"));
    }
    format!("error: {line}")
}

fn parse_items(s: &str) -> Result<u64, String> {
    whole_number(s).ok_or_else(|| "use a whole number of items, 0 or more (e.g. 200)".into())
}

fn parse_workers(s: &str) -> Result<[usize; 3], String> {
    let malformed =
        || "write the workers of download, resize and upload as D,R,U (e.g. 3,4,5)".to_string();
    let counts: Vec<usize> = s
        .split(',')
        .map(|part| {
            whole_number(part)
                .and_then(|n| usize::try_from(n).ok())
                .ok_or_else(malformed)
        })
        .collect::<Result<_, _>>()?;
    counts.try_into().map_err(|_| malformed())
}

fn parse_capacity(s: &str) -> Result<Capacity, String> {
    if s.eq_ignore_ascii_case("unbounded") {
        return Ok(Capacity(None));
    }
    let bound = whole_number(s).ok_or_else(|| {
        "use a number of items, 0 or more (0 is a rendezvous), or 'unbounded'".to_string()
    })?;
    match usize::try_from(bound) {
        Ok(bound) if bound <= MAX_CAPACITY => Ok(Capacity(Some(bound))),
        _ => Err(format!(
            "a bound of {bound} items is too large: use at most {MAX_CAPACITY}, or 'unbounded'"
        )),
    }
}

/// A number of milliseconds; `-0` is read as 0 (the range check is the config's).
fn parse_ms(s: &str) -> Result<f64, String> {
    s.trim()
        .parse::<f64>()
        .map(|ms| ms + 0.0)
        .map_err(|_| "use a number of milliseconds (e.g. 5 or 0.5)".into())
}

fn parse_frame(s: &str) -> Result<FrameSize, String> {
    if s.eq_ignore_ascii_case("none") {
        return Ok(FrameSize(None));
    }
    let malformed = || "write the frame size as WxH (e.g. 64x48), or 'none'".to_string();
    let (width, height) = s.split_once(['x', 'X']).ok_or_else(malformed)?;
    let side = |side: &str| side.trim().parse::<u32>().map_err(|_| malformed());
    Ok(FrameSize(Some((side(width)?, side(height)?))))
}

fn parse_poll_sleep(s: &str) -> Result<u64, String> {
    whole_number(s).ok_or_else(|| "use a whole number of milliseconds, 0 (spin) or more".into())
}

fn parse_fail_at(s: &str) -> Result<Fault, String> {
    parse_fault(s, FaultKind::Error).map_err(|e| e.to_string())
}

fn parse_panic_at(s: &str) -> Result<Fault, String> {
    parse_fault(s, FaultKind::Panic).map_err(|e| e.to_string())
}

/// A whole number, 0 or more, with optional `_` separators (`1_000_000`).
fn whole_number(s: &str) -> Option<u64> {
    s.trim().replace('_', "").parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn a_quiet_worker_is_known_before_its_command_line_is_parsed() {
        let args = |words: &[&str]| words.iter().map(Into::into).collect::<Vec<_>>();
        assert!(is_quiet_worker(args(&[
            "lab", "worker", "--quiet", "--run", "r"
        ])));
        assert!(is_quiet_worker(args(&[
            "lab", "worker", "--run", "r", "-q"
        ])));
        assert!(!is_quiet_worker(args(&["lab", "worker", "--run", "r"])));
        assert!(!is_quiet_worker(args(&["lab", "run", "--quiet"])));
        assert!(!is_quiet_worker(args(&["lab"])));
    }

    #[test]
    fn workers_take_three_counts() {
        assert_eq!(parse_workers("3,4,5"), Ok([3, 4, 5]));
        assert_eq!(parse_workers(" 1, 0 ,1"), Ok([1, 0, 1]));
        assert!(parse_workers("3,4").is_err());
        assert!(parse_workers("3,4,5,6").is_err());
        assert!(parse_workers("a,b,c").is_err());
        assert!(parse_workers("-1,2,3").is_err());
        assert_eq!(parse_workers("1_0,1,1"), Ok([10, 1, 1]));
    }

    #[test]
    fn milliseconds_are_never_negative_zero() {
        assert!(parse_ms("-0").unwrap().is_sign_positive());
        assert!(parse_ms("nope").is_err());
    }

    #[test]
    fn capacity_is_a_bound_or_unbounded() {
        assert_eq!(parse_capacity("8"), Ok(Capacity(Some(8))));
        assert_eq!(parse_capacity("0"), Ok(Capacity(Some(0))));
        assert_eq!(parse_capacity("unbounded"), Ok(Capacity(None)));
        assert!(parse_capacity("-1").is_err());
        assert!(parse_capacity("lots").is_err());
        assert!(parse_capacity("100000000000").is_err());
    }

    #[test]
    fn frames_are_width_by_height_or_none() {
        assert_eq!(parse_frame("64x48"), Ok(FrameSize(Some((64, 48)))));
        assert_eq!(parse_frame("none"), Ok(FrameSize(None)));
        assert!(parse_frame("64").is_err());
        assert!(parse_frame("64x").is_err());
        assert!(parse_frame("-64x48").is_err());
    }

    #[test]
    fn items_are_whole_numbers() {
        assert_eq!(parse_items("1_000"), Ok(1000));
        assert!(parse_items("-5").is_err());
        assert!(parse_items("1.5").is_err());
    }

    /// The line a usage error prints for `args` (after `lab`).
    fn usage_error(args: &[&str]) -> String {
        let error = Cli::try_parse_from(std::iter::once("lab").chain(args.iter().copied()))
            .expect_err("a usage error");
        one_line(&error)
    }

    #[test]
    fn usage_errors_are_one_line_built_from_clap_s_context() {
        let cases: &[(&[&str], &str)] = &[
            (
                &["run"],
                "error: the following required arguments were not provided: --backend <NAME>",
            ),
            (
                &["run", "--backend"],
                "error: a value is required for '--backend <NAME>' but none was supplied",
            ),
            (
                &["run", "-b", "any", "--itmes", "5"],
                "error: unexpected argument '--itmes' found; did you mean '--items'?",
            ),
            (
                &["run", "-b", "any", "extra"],
                "error: unexpected argument 'extra' found",
            ),
            (
                &["launch"],
                "error: unrecognized subcommand 'launch': use one of run, compare, scenarios, worker",
            ),
            (
                &["compar"],
                "error: unrecognized subcommand 'compar': use one of run, compare, scenarios, worker; did you mean 'compare'?",
            ),
            (
                &["run", "-b", "any", "--items", "-5"],
                "error: invalid value '-5' for '--items <N>': use a whole number of items, 0 or more (e.g. 200)",
            ),
            (
                &["run", "-b", "any", "--items", "1", "--items", "2"],
                "error: the argument '--items <N>' cannot be used multiple times",
            ),
        ];
        for (args, expected) in cases {
            assert_eq!(usage_error(args), *expected, "lab {}", args.join(" "));
        }
    }
}

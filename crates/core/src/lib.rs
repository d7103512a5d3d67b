//! # pipeline-core
//!
//! What the pipelines of pipeline-lab share, so that they differ only in how
//! they hand work from one thread to the next:
//!
//! - [`Config`] and the named [`Scenario`]s: what a run is asked to do;
//! - [`Stages`]: the three stage functions, download → resize → upload;
//! - [`Probes`], [`Probe`] and [`WorkerProbe`]: what a worker counts, one visible
//!   line per event; [`Bare`]: the same pipeline with the probes compiled away;
//! - [`Run`]: the source (the camera), the collector (the done queue's reader),
//!   joining workers, and the [`Report`];
//! - [`Recording`] and [`Timeline`]: a run's threads as a timeline of waiting,
//!   working and handing over, with every poll;
//! - [`Backend`]: one way of handing work over, as the tests, the lab and the
//!   benches see it;
//! - [`heap::CountingAlloc`]: the peak heap of a run;
//! - with the `testkit` feature, [`conformance_tests!`]: the tests every backend runs.
//!
//! ```
//! use pipeline_core::{Config, Scenario, Stages};
//!
//! let config = Config { items: 3, ..Scenario::CAMERA.config() };
//! config.validate().unwrap();
//! let stages = Stages::new(&config);
//! let receipt = stages.upload(stages.resize(stages.download(1)?)?)?;
//! assert_eq!(receipt.id, 1);
//! # Ok::<(), pipeline_core::StageError>(())
//! ```
//!
//! ## Modules
//!
//! Everything is used from the crate's root (`pipeline_core::Config`); the
//! modules are how the code is laid out (only `fit`, `heap`, `platform` and
//! `testkit` are public). They form a DAG, listed here from the bottom up: each module uses
//! exactly the modules on its line, all listed above it, and knows nothing of
//! the modules below it. Each error type lives beside what makes it:
//! [`ConfigError`] beside [`Config`], [`StageError`] beside the stage functions,
//! [`PipelineError`] beside [`Run`]. A unit test reads every `crate::` path in
//! each module's file and checks it against this table.
//!
//! | module | uses | holds |
//! |---|---|---|
//! | `platform` | | what the OS is asked: CPU clocks, peak memory, limits, the machine, stop requests, children |
//! | `heap` | platform | the counting allocator |
//! | `stop` | | a run's stop flag, and the sleep it cuts short |
//! | `config` | | [`Config`], [`Stage`], [`Fault`], [`ConfigError`] |
//! | `scenario` | config | the named presets, [`Scenario`] |
//! | `broker` | config | [`BrokerKind`]: what a pipeline with a broker offers the lab and the benches |
//! | `fit` | config, platform | whether a run's frames fit in memory |
//! | `threads` | config | a worker thread's name, a panic's message |
//! | `stages` | config, stop | [`Job`], [`Stages`], [`StageError`] |
//! | `failures` | config, stages | why items failed, by kind |
//! | `report` | config, failures, platform | [`Report`], [`Machine`] |
//! | `recorder` | config | each thread's buffer of timed events |
//! | `probe` | config, failures, platform, recorder, stages, stop | [`Probe`], [`Probes`] |
//! | `timeline` | config, probe, recorder, stages, threads | [`Recording`], [`Timeline`] |
//! | `run` | broker, config, failures, fit, heap, platform, probe, recorder, report, stages, stop, threads, timeline | [`Handoff`], [`Backend`], [`Run`], [`PipelineError`] |
//! | `watchdog` | | a test's watchdog: [`watchdog::within`] |
//! | `testkit` | config, platform, probe, report, run, timeline, watchdog | the conformance kit |

mod broker;
mod config;
mod failures;
pub mod fit;
pub mod heap;
pub mod platform;
mod probe;
mod recorder;
mod report;
mod run;
mod scenario;
mod stages;
mod stop;
#[cfg(feature = "testkit")]
pub mod testkit;
mod threads;
mod timeline;
pub mod watchdog;

pub use broker::{
    BenchmarkPlan, BenchmarkStep, BrokerFailure, BrokerKind, HopConsumer, HopProducer, HopQueue,
    PlanFn, ServerBenchmark,
};
pub use config::{
    Assignment, BrokerUrl, Config, ConfigError, DEFAULT_POLL_SLEEP_MS, Fault, FaultKind,
    MAX_CAPACITY, MAX_DELIVERIES, MAX_FRAME_SIDE, MAX_ITEMS, MAX_POLL_SLEEP_MS, MAX_WAIT_MS,
    MAX_WORKERS, MIN_FRAME_SIDE, MIN_WAIT_MS, OnBroker, Role, Spawn, Stage, parse_fault,
};
pub use failures::{FailureKind, FailureLog};
pub use platform::{max_rss_bytes, process_cpu_time, thread_cpu_time};
pub use probe::{
    Bare, Counting, NoProbe, Probe, Probes, Probing, QueueGauge, WorkStart, WorkerCounts,
    WorkerProbe,
};
pub use recorder::{DEFAULT_RECORD_LIMIT, Recorder};
pub use report::{
    COMPLETED, DeadLetter, INTERRUPTED, ITEMS_MISSING, Latency, Machine, Outcome, ProcessReport,
    Report, SCHEMA, STOPPED_FROM_OUTSIDE, StageReport, WorkerReport,
};
pub use run::{
    Backend, Camera, Collector, Handoff, PipelineError, Run, ThreadGate, os_gives_every_thread,
    pace,
};
pub use scenario::Scenario;
pub use stages::{Frame, Job, Receipt, StageError, Stages, Thumbnail, synthetic_frame};
pub use stop::Stop;
pub use threads::{
    AsWorker, current_worker, panic_message, parse_worker_thread, worker_thread_name,
};
pub use timeline::{QueueLine, Recording, RecordingProbe, Span, State, ThreadLine, Timeline};

#[cfg(test)]
mod tests {
    //! The module table of the crate's documentation, checked against the code.

    use std::collections::{BTreeMap, BTreeSet};
    use std::fs;
    use std::path::Path;

    /// The table's rows, in order: each module and the modules it says it uses.
    fn declared() -> Vec<(String, BTreeSet<String>)> {
        include_str!("lib.rs")
            .lines()
            .filter_map(|line| line.strip_prefix("//! | `"))
            .map(|row| {
                let (module, rest) = row.split_once('`').expect("a module in backticks");
                let uses = rest.split('|').nth(1).expect("a `uses` column");
                let uses = uses
                    .split(',')
                    .map(str::trim)
                    .filter(|name| !name.is_empty())
                    .map(String::from)
                    .collect();
                (module.to_string(), uses)
            })
            .collect()
    }

    /// `text` without its comments: what follows `//` outside a string literal.
    fn code(text: &str) -> String {
        text.lines()
            .map(|line| {
                let mut in_string = false;
                let mut escaped = false;
                let chars: Vec<char> = line.chars().collect();
                for (at, &c) in chars.iter().enumerate() {
                    match c {
                        _ if escaped => escaped = false,
                        '\\' if in_string => escaped = true,
                        '"' => in_string = !in_string,
                        '/' if !in_string && chars.get(at + 1) == Some(&'/') => {
                            return chars[..at].iter().collect();
                        }
                        _ => {}
                    }
                }
                line.to_string()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The first segment of every `crate::` path in `code`, `crate::{a, b::c}`
    /// giving both `a` and `b`. A macro's `$crate::` is left out: it names the
    /// crate wherever the macro is used.
    fn first_segments(code: &str) -> Vec<String> {
        let ident = |s: &str| -> String {
            s.chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect()
        };
        let mut found = Vec::new();
        for (at, _) in code.match_indices("crate::") {
            let before = code[..at].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
                continue;
            }
            let rest = code[at + "crate::".len()..].trim_start();
            let Some(group) = rest.strip_prefix('{') else {
                found.push(ident(rest));
                continue;
            };
            let mut depth = 0;
            let mut entry_start = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => entry_start = true,
                    c if entry_start && !c.is_whitespace() => {
                        found.push(ident(&group[i..]));
                        entry_start = false;
                    }
                    _ => {}
                }
            }
        }
        found
    }

    #[test]
    fn the_module_table_lists_every_module_below_its_users() {
        let rows = declared();
        let mut seen = BTreeSet::new();
        for (module, uses) in &rows {
            for used in uses {
                assert!(
                    seen.contains(used),
                    "`{module}` uses `{used}`, which the table does not list above it"
                );
            }
            assert!(seen.insert(module.clone()), "`{module}` is listed twice");
        }
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let files: BTreeSet<String> = fs::read_dir(&src)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
            .map(|path| path.file_stem().unwrap().to_string_lossy().into_owned())
            .filter(|stem| stem != "lib")
            .collect();
        assert_eq!(seen, files, "the table lists exactly the files in src/");
        let mods: BTreeSet<String> = include_str!("lib.rs")
            .lines()
            .filter_map(|line| line.trim_start_matches("pub ").strip_prefix("mod "))
            .filter_map(|rest| rest.strip_suffix(';'))
            .map(String::from)
            .collect();
        assert_eq!(
            seen, mods,
            "the table lists exactly the modules lib.rs declares"
        );
    }

    #[test]
    fn every_module_uses_exactly_what_the_table_says() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut actual = BTreeMap::new();
        for (module, declared) in declared() {
            let text = fs::read_to_string(src.join(format!("{module}.rs"))).unwrap();
            let mut uses = BTreeSet::new();
            for segment in first_segments(&code(&text)) {
                assert!(
                    segment != module,
                    "`{module}` names itself as `crate::{segment}`: use `self` or `super`"
                );
                uses.insert(segment);
            }
            assert_eq!(
                uses, declared,
                "`{module}` uses {uses:?}: name each by its module (not a re-export from the \
                 root) and keep the table in lib.rs true"
            );
            actual.insert(module, uses);
        }
        assert!(!actual.is_empty());
    }

    #[test]
    fn paths_are_read_through_groups_and_past_comments() {
        let text = "use crate::{a::X, b::{c, d}, e};\n\
                    // crate::f in a comment\n\
                    let s = \"// not a comment\"; crate::g::h();\n\
                    $crate::i::j!();";
        assert_eq!(first_segments(&code(text)), ["a", "b", "e", "g"]);
    }
}

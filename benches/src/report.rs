//! The report bench: every pipeline on every scenario, each case in its own process,
//! then the reports (JSON, CSV, facts, tables, figures, machine: `target/reports/`, or
//! the committed snapshot `reports/` with `--snapshot`) and the book built from them.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use pipeline_core::Machine;
use pipeline_present::{Align, Table};

use crate::data::case::{Case, CaseKind, CaseResult};
use crate::data::goals::OVERHEAD_TARGET;
use crate::data::json;
use crate::data::results::{RESULTS_SCHEMA, Results};
use crate::format;
use crate::measure::plan::{self, Plan};
use crate::measure::{cases, child, sleep};
use crate::render::{self, files, machine};
use pipeline_core::Scenario;
use pipeline_registry::ALL;

/// The longest a case may run before its process is killed.
const CASE_TIMEOUT: Duration = Duration::from_secs(300);

/// The longest a run of the concurrency sweep may take, ten times its ideal:
/// one that takes longer is recorded as timed out ([`CaseKind::Crowd`]).
const CROWD_TIMEOUT: Duration = Duration::from_secs(10);

/// The report bench's `main`: a child running one case (`--case <json>`), or the
/// parent running them all, writing to `target/reports/` and building the book from it.
/// Other arguments (cargo passes `--bench`) are ignored, except `--quick`, `--out DIR`
/// (write there, and build no book), `--snapshot` (write the committed snapshot,
/// `reports/`, and build the book from it) and `--from-results FILE` (redraw `machine.md`,
/// `summary.csv`, the tables, the figures and `facts.json` from a saved `results.json`, without
/// running anything; `results.json` itself is left as it is). Relative paths are
/// taken from the workspace root.
pub fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(code) = child::child_main(&args) {
        return code;
    }
    match run(&args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("report: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> anyhow::Result<ExitCode> {
    if let Some(at) = args.iter().position(|a| a == "--compare-hops") {
        return compare_hops(args.get(at + 1..at + 3).unwrap_or_default());
    }
    let started = Instant::now();
    let plan = Plan::from_env_and_args(args);
    let root = pipeline_book::workspace_root();
    // A reader's run goes under target/, never into the tracked snapshot: only
    // `--snapshot` (a maintainer's `cargo xtask report --snapshot`) writes reports/.
    let snapshot = args.iter().any(|a| a == "--snapshot");
    let (out, scratch) = match plan::out_override(args).map_err(anyhow::Error::msg)? {
        Some(_) if snapshot => anyhow::bail!("--snapshot writes reports/: leave out --out"),
        Some(dir) => (from_root(&root, dir), true),
        None if snapshot => (pipeline_book::Reports::snapshot(&root).dir, false),
        None => (pipeline_book::Reports::own_run_dir(&root), false),
    };
    for dir in [out.clone(), out.join("tables"), out.join("figures")] {
        fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        files::check_writable(&dir)
            .with_context(|| format!("cannot write into {}", dir.display()))?;
    }
    if let Some(path) = from_results(args) {
        let path = from_root(&root, path);
        let results =
            json::read_results(&path).with_context(|| format!("cannot read {}", path.display()))?;
        // A results.json written before the run's length was recorded in it: keep
        // the length the previous machine.md gave.
        let elapsed = fs::read_to_string(out.join("machine.md"))
            .ok()
            .and_then(|text| machine::elapsed_from_machine_md(&text));
        // The seam: from here on only the data and render layers.
        render::write_all(&results, &out, &root, elapsed)?;
        eprintln!(
            "report: machine.md, tables, figures, facts.json and summary.csv redrawn from {}",
            path.display()
        );
        return Ok(ExitCode::SUCCESS);
    }

    eprintln!("report: {} mode, writing to {}", plan.name(), out.display());
    let date = crate::measure::today();
    eprintln!(
        "report: timing thread::sleep (1, 2 and 5 ms, {} each)",
        plan.sleep_samples()
    );
    let sleep = sleep::measure(&sleep::REQUESTED_MS, plan.sleep_samples());

    let mut cases = cases::cases(&plan);
    if let Some(only) = Plan::only() {
        cases.retain(|c| c.scenario == only);
        eprintln!("report: only the {} cases of `{only}`", cases.len());
    }
    let (runs, failures) = run_cases(&cases)?;
    let results = Results {
        schema: RESULTS_SCHEMA,
        mode: plan.name().to_string(),
        date,
        machine: Machine::this(),
        sleep,
        runs,
        elapsed_s: Some(started.elapsed().as_secs_f64()),
    };
    write_reports(&results, &out, &root)?;
    print_summary(&results);
    eprintln!(
        "report: {} runs in {:.0} s; reports in {}",
        results.runs.len(),
        started.elapsed().as_secs_f64(),
        out.display()
    );
    if !failures.is_empty() {
        for failure in &failures {
            eprintln!("report: {failure}");
        }
        eprintln!("report: {} of {} cases failed", failures.len(), cases.len());
        return Ok(ExitCode::FAILURE);
    }
    if scratch {
        eprintln!("report: writing to a scratch directory, so the book is not rebuilt");
    } else {
        let reports = pipeline_book::Reports::at(&root, &out);
        let index = pipeline_book::build_book(&root, &reports).context("cannot build the book")?;
        println!("book: {}", index.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs every case in a child process, with a progress bar on stderr (or one line per
/// case when stderr is not a terminal).
fn run_cases(cases: &[Case]) -> anyhow::Result<(Vec<CaseResult>, Vec<String>)> {
    let exe = std::env::current_exe().context("cannot find this bench's own executable")?;
    let bar = ProgressBar::new(cases.len() as u64).with_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:32}] {pos}/{len} cases, {msg}")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    let mut runs = Vec::with_capacity(cases.len());
    let mut failures = Vec::new();
    let timeout = |case: &Case| match case.kind {
        CaseKind::Crowd => CROWD_TIMEOUT,
        _ => CASE_TIMEOUT,
    };
    let mut i = 0;
    while i < cases.len() {
        // Two cases whose stages sleep run side by side, each in its process.
        let together = match cases.get(i..i + 2) {
            Some([a, b]) if a.may_run_beside() && b.may_run_beside() => 2,
            _ => 1,
        };
        let batch = &cases[i..i + together];
        let labels: Vec<String> = batch.iter().map(Case::label).collect();
        bar.set_message(format!("{} left: {}", cases.len() - i, labels.join(" + ")));
        let results: Vec<anyhow::Result<CaseResult>> = std::thread::scope(|s| {
            let started: Vec<_> = batch
                .iter()
                .map(|case| s.spawn(|| child::run_in_child(&exe, case, timeout(case))))
                .collect();
            started
                .into_iter()
                .map(|run| run.join().expect("a case's runner panicked"))
                .collect()
        });
        for (case, result) in batch.iter().zip(results) {
            i += 1;
            if bar.is_hidden() {
                let outcome = match &result {
                    Ok(run) => match run.not_run() {
                        Some(why) => format!("not run here: {why}"),
                        None => format!("{} s", format::secs(run.wall_s())),
                    },
                    Err(_) => "failed".to_string(),
                };
                eprintln!("[{i}/{}] {}: {outcome}", cases.len(), case.label());
            }
            match result {
                Ok(run) => runs.push(run),
                Err(e) => {
                    bar.println(format!("failed: {e:#}"));
                    failures.push(format!("{e:#}"));
                }
            }
            bar.inc(1);
        }
    }
    bar.finish_and_clear();
    Ok((runs, failures))
}

/// `--compare-hops A B`: every channel's hop median in two runs' `results.json`,
/// side by side; fails when one differs from the other by more than
/// [`channel_hop::REPEATS_WITHIN`].
fn compare_hops(paths: &[String]) -> anyhow::Result<ExitCode> {
    use crate::data::channel_hop::{self, REPEATS_WITHIN};
    let [a, b] = paths else {
        anyhow::bail!("--compare-hops takes two results.json files");
    };
    let read =
        |p: &String| json::read_results(Path::new(p)).with_context(|| format!("cannot read {p}"));
    let (first, second) = (read(a)?, read(b)?);
    let rows = channel_hop::repeated(&first, &second);
    if rows.is_empty() {
        anyhow::bail!("no channel hop was timed in both runs");
    }
    let mut table = Table::new([
        ("hand-off", Align::Left),
        ("threads", Align::Left),
        ("queue", Align::Left),
        ("channel", Align::Left),
        ("first", Align::Right),
        ("second", Align::Right),
        ("second / first", Align::Right),
        ("", Align::Left),
    ]);
    let mut off = 0;
    for r in &rows {
        off += usize::from(!r.agrees());
        table.row([
            r.condition.pattern.label().to_string(),
            r.condition.placement.label().to_string(),
            r.condition.queue.label(),
            r.pipeline.label.to_string(),
            format::per_item(r.first),
            format::per_item(r.second),
            format::ratio(r.second / r.first),
            if r.agrees() { "ok" } else { "differs" }.to_string(),
        ]);
    }
    println!("{}", table.to_markdown());
    println!(
        "{} of {} hops within {:.0}% of each other",
        rows.len() - off,
        rows.len(),
        REPEATS_WITHIN * 100.0
    );
    Ok(if off == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `path`, or `root/path` when it is relative: cargo runs a bench in its package's
/// directory, so relative paths are taken from the workspace root.
fn from_root(root: &Path, path: PathBuf) -> PathBuf {
    if path.is_relative() {
        root.join(path)
    } else {
        path
    }
}

/// `--from-results FILE`: redraw from a saved `results.json` instead of running.
fn from_results(args: &[String]) -> Option<PathBuf> {
    let at = args.iter().position(|a| a == "--from-results")?;
    args.get(at + 1).map(PathBuf::from)
}

/// Writes `results.json`, then everything [`render::write_all`] draws from it.
fn write_reports(results: &Results, out: &Path, root: &Path) -> anyhow::Result<()> {
    let path = out.join("results.json");
    files::write_atomic(&path, json::results_json(results))
        .with_context(|| format!("cannot write {}", path.display()))?;
    render::write_all(results, out, root, None)
}

/// The final summary on stdout: one line per run of a named scenario, then the
/// instrumentation overhead.
fn print_summary(results: &Results) {
    use Align::{Left, Right};
    let mut runs = Table::new([
        ("scenario", Left),
        ("queues", Left),
        ("pipeline", Left),
        ("wall s", Right),
        ("CPU s", Right),
        ("polls", Right),
        ("p50", Right),
        ("p99", Right),
        ("heap MiB", Right),
    ]);
    for (scenario, capacity) in results.scenario_configs() {
        for &pipeline in ALL {
            let Some(r) = results.report(&scenario, capacity, pipeline) else {
                continue;
            };
            runs.row([
                scenario.clone(),
                format::capacity(capacity),
                pipeline.label.to_string(),
                format::secs(r.wall_s),
                format::secs(r.process_cpu_s),
                format::count(r.total_polls()),
                format::micros(r.latency_us.p50),
                format::micros(r.latency_us.p99),
                format::mib(r.peak_heap_bytes),
            ]);
        }
    }
    println!();
    print!("{}", runs.to_text());
    println!();
    println!("instrumented / bare wall time on throughput (target ≤ {OVERHEAD_TARGET}×):");
    let mut overhead = Table::new([
        ("queues", Left),
        ("pipeline", Left),
        ("ratio", Right),
        ("pairs min–max", Right),
        ("per hand-off", Right),
        ("instrumented median", Right),
        ("bare median", Right),
        ("pairs", Right),
        ("by hand", Right),
        ("bare / by hand", Right),
    ]);
    for capacity in results.capacities(Scenario::THROUGHPUT.name) {
        for &pipeline in ALL {
            if let Some(o) = results.overhead(capacity, pipeline) {
                let ns = o.ns_per_handoff();
                let (by_hand, against) = o.by_hand.map_or_else(
                    || (String::new(), String::new()),
                    |(s, _)| {
                        (
                            format!("{} s", format::secs(s)),
                            format::ratio(o.bare_s / s),
                        )
                    },
                );
                overhead.row([
                    format::capacity(capacity),
                    pipeline.label.to_string(),
                    format::ratio(o.ratio()),
                    format!(
                        "{}–{}",
                        format::ratio(o.ratio_range.0),
                        format::ratio(o.ratio_range.1)
                    ),
                    if ns.is_finite() {
                        format!("{ns:.0} ns")
                    } else {
                        pipeline_present::units::MISSING.into()
                    },
                    format!("{} s", format::secs(o.instrumented_s)),
                    format!("{} s", format::secs(o.bare_s)),
                    o.runs.to_string(),
                    by_hand,
                    against,
                ]);
            }
        }
    }
    print!("{}", indent(&overhead.to_text()));
    let sweeps = results
        .runs
        .iter()
        .filter(|r| r.case.kind == CaseKind::Sweep)
        .count();
    if sweeps > 0 {
        println!();
        println!("peak heap on bottleneck against items:");
        let mut sweep = Table::new([("items", Right), ("queues", Left), ("peak heap MiB", Right)]);
        for p in results.sweep() {
            sweep.row([
                format::count(p.items),
                format::capacity(p.capacity),
                format::mib(Some(p.peak_heap_bytes)),
            ]);
        }
        print!("{}", indent(&sweep.to_text()));
    }
    println!();
}

/// Every line of `text` two spaces in.
fn indent(text: &str) -> String {
    text.lines().map(|line| format!("  {line}\n")).collect()
}

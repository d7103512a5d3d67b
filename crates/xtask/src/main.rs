//! `cargo xtask`: the workspace's build chores. The work is done in the library
//! (`crates/xtask/src/lib.rs`); this file only reads the command line.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Where `cargo xtask exercises` builds by default.
const EXERCISE_CHECK_DIR: &str = "target/exercise-check";

// ANCHOR: commands
/// Build chores for pipeline-lab.
#[derive(Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask")]
struct Cli {
    #[command(subcommand)]
    command: Chore,
}

#[derive(Subcommand)]
enum Chore {
    /// Build the book into target/book/ and print the path of its index.html.
    Book {
        /// Also check every include, link and image, and run the book's Rust
        /// blocks.
        #[arg(long)]
        check: bool,
    },
    /// Check the workshop exercises: every solution passes its tests, every
    /// exercise's stubs compile and fail them.
    Exercises {
        /// Build here rather than in the workspace's target/, so that the check
        /// can run beside another cargo command.
        #[arg(long, value_name = "DIR", default_value = EXERCISE_CHECK_DIR)]
        target_dir: PathBuf,
    },
    /// Regenerate the workshop's schedule table (book/src/workshop/schedule.md)
    /// from book/schedule.txt, where every page has its minutes.
    Schedule,
    /// Run the report bench: `cargo bench -p pipeline-bench --bench report --
    /// ARGS`.
    Report {
        /// Arguments for the report bench.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<OsString>,
    },
}
// ANCHOR_END: commands

fn main() -> ExitCode {
    let root = xtask::workspace_root();
    match Cli::parse().command {
        Chore::Book { check } => book(&root, check),
        Chore::Exercises { target_dir } => exercises(&root, &root.join(target_dir)),
        Chore::Report { args } => report(&root, &args),
        Chore::Schedule => schedule(&root),
    }
}

/// Builds (and with `check`, checks and tests) the book; prints `index.html`'s path.
fn book(root: &Path, check: bool) -> ExitCode {
    let broken = match check {
        true => xtask::check_book(root).err().unwrap_or_default(),
        false => Vec::new(),
    };
    for line in &broken {
        eprintln!("{line}");
    }
    let index = match xtask::build_book(root) {
        Ok(index) => index,
        Err(e) => return fail(&format!("{e:#}")),
    };
    if !broken.is_empty() {
        return fail(&format!("{} broken reference(s) in the book", broken.len()));
    }
    if check && let Err(e) = xtask::test_book(root) {
        return fail(&format!("{e:#}"));
    }
    println!("{}", index.display());
    ExitCode::SUCCESS
}

/// Checks every exercise crate, printing one line per exercise.
fn exercises(root: &Path, target_dir: &Path) -> ExitCode {
    let exercises = match xtask::exercises(root) {
        Ok(exercises) => exercises,
        Err(e) => return fail(&format!("{e:#}")),
    };
    if exercises.is_empty() {
        return fail("no exercise crate in book/exercises/");
    }
    let mut failed = 0;
    for exercise in &exercises {
        match xtask::check_exercise(root, exercise, target_dir) {
            Ok(()) => println!(
                "ok: {} (the solution passes, the stubs fail)",
                exercise.package
            ),
            Err(problem) => {
                failed += 1;
                eprintln!("{problem}");
            }
        }
    }
    match failed {
        0 => ExitCode::SUCCESS,
        n => fail(&format!("{n} of {} exercises are broken", exercises.len())),
    }
}

/// Runs the report bench and exits as it did.
fn report(root: &Path, args: &[OsString]) -> ExitCode {
    match xtask::report_command(root, args).status() {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        Ok(status) => ExitCode::from(status.code().map_or(1, |code| code.clamp(1, 255) as u8)),
        Err(e) => fail(&format!("cannot run cargo: {e}")),
    }
}

/// Prints `message` as one plain error line and returns the failure exit code.
fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::FAILURE
}

/// Regenerates the schedule's table and prints the page's path, then any problem the
/// book check would report about the schedule.
fn schedule(root: &Path) -> ExitCode {
    match xtask::write_schedule(root) {
        Ok(path) => println!("{}", path.display()),
        Err(e) => {
            eprintln!("schedule: {e:#}");
            return ExitCode::FAILURE;
        }
    }
    let problems = xtask::check_schedule(root);
    for problem in &problems {
        eprintln!("{problem}");
    }
    if problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

//! `cargo xtask`: the workspace's build chores. The work is done in the libraries
//! (the book's in `crates/book`, the rest in `crates/xtask/src/lib.rs`); this file only
//! reads the command line.

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
    /// Build the book into target/book/, each translation into
    /// target/book/LANG/, and print the path of every index.html.
    Book {
        /// Also check every include, link, image and fact (in every language),
        /// and run the book's Rust blocks.
        #[arg(long)]
        check: bool,
        /// Show the reports in DIR (your own run: target/reports) instead
        /// of the committed snapshot, reports/.
        #[arg(long, value_name = "DIR")]
        reports: Option<PathBuf>,
    },
    /// Check the workshop exercises: every solution passes its tests, every
    /// exercise's stubs compile and fail them.
    Exercises {
        /// Build here rather than in the workspace's target/, so that the check
        /// can run beside another cargo command.
        #[arg(long, value_name = "DIR", default_value = EXERCISE_CHECK_DIR)]
        target_dir: PathBuf,
    },
    /// Build the book and write PNGs of the given pages, in every edition, at
    /// 1280 px and 390 px wide, to target/screenshots/ (needs Debian's
    /// `chromium`).
    Screenshots {
        /// Pages relative to book/src (`polling/queue.md`), or with a query
        /// (`introduction.html?search=큐`); the introduction when none is given.
        pages: Vec<String>,
    },
    /// Regenerate the workshop's schedule table (book/src/workshop/schedule.md)
    /// from book/schedule.txt, where every page has its minutes.
    Schedule,
    /// Translations of the book (gettext catalogs in book/po/).
    I18n {
        #[command(subcommand)]
        step: I18nStep,
    },
    /// Run the report bench: `cargo bench -p pipeline-bench --bench report --
    /// ARGS` (into target/reports/; `--snapshot` makes the run the committed
    /// snapshot, reports/).
    Report {
        /// Arguments for the report bench.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<OsString>,
    },
}

#[derive(Subcommand)]
enum I18nStep {
    /// Extract book/po/messages.pot from the English book and the words of
    /// the report tables it shows.
    Extract,
    /// Extract the template and merge it into book/po/LANG.po (new language: a
    /// new catalog), keeping translations and marking changed ones fuzzy; then
    /// list what is left to translate.
    Update {
        /// The language, as in book/po/LANG.po (all existing ones when left
        /// out).
        lang: Option<String>,
    },
    /// List every message of the current English text that book/po/LANG.po has
    /// not translated or marks fuzzy, and check the glossary; fails when there
    /// is any.
    Status {
        /// The language (all existing ones when left out).
        lang: Option<String>,
    },
}
// ANCHOR_END: commands

fn main() -> ExitCode {
    let root = xtask::workspace_root();
    match Cli::parse().command {
        Chore::Book { check, reports } => {
            let reports = match reports {
                Some(dir) => pipeline_book::Reports::at(&root, &root.join(dir)),
                None => pipeline_book::Reports::snapshot(&root),
            };
            book(&root, check, &reports)
        }
        Chore::Exercises { target_dir } => exercises(&root, &root.join(target_dir)),
        Chore::I18n { step } => i18n(&root, step),
        Chore::Report { args } => report(&root, &args),
        Chore::Schedule => schedule(&root),
        Chore::Screenshots { pages } => screenshots(&root, pages),
    }
}

/// Builds (and with `check`, checks and tests) every edition of the book; prints the
/// path of each `index.html`, English first.
fn book(root: &Path, check: bool, reports: &pipeline_book::Reports) -> ExitCode {
    let mut broken = Vec::new();
    if check {
        broken.extend(pipeline_book::check_book(root).err().unwrap_or_default());
        for lang in pipeline_book::i18n::languages(root) {
            broken.extend(
                pipeline_book::check_translation(root, &lang)
                    .err()
                    .unwrap_or_default(),
            );
        }
    }
    for line in &broken {
        eprintln!("{line}");
    }
    let editions = match pipeline_book::build_books(root, reports) {
        Ok(editions) => editions,
        Err(e) => return fail(&format!("{e:#}")),
    };
    for edition in &editions {
        pipeline_book::report_left_in_english(edition);
    }
    if !broken.is_empty() {
        return fail(&format!("{} broken reference(s) in the book", broken.len()));
    }
    if check && let Err(e) = pipeline_book::test_book(root) {
        return fail(&format!("{e:#}"));
    }
    for edition in &editions {
        println!("{}", edition.index.display());
    }
    ExitCode::SUCCESS
}

/// The languages named, or every language the book has when none is.
fn languages(root: &Path, lang: Option<String>) -> Vec<String> {
    match lang {
        Some(lang) => vec![lang],
        None => pipeline_book::i18n::languages(root),
    }
}

/// The translation steps: extract, update, status.
fn i18n(root: &Path, step: I18nStep) -> ExitCode {
    match step {
        I18nStep::Extract => match pipeline_book::i18n::write_pot(root) {
            Ok(count) => {
                let pot = pipeline_book::i18n::pot_path(root);
                println!("{}: {count} messages", pot.display());
                ExitCode::SUCCESS
            }
            Err(e) => fail(&format!("{e:#}")),
        },
        I18nStep::Update { lang } => {
            let langs = languages(root, lang);
            if langs.is_empty() {
                return fail("no language yet: name one, e.g. `cargo xtask i18n update ko`");
            }
            for lang in &langs {
                match pipeline_book::i18n::update_po(root, lang) {
                    Ok(merged) => println!(
                        "book/po/{lang}.po: {} messages: {} translated, {} fuzzy, {} untranslated ({} old ones dropped)",
                        merged.messages,
                        merged.translated,
                        merged.fuzzy,
                        merged.untranslated,
                        merged.dropped
                    ),
                    Err(e) => return fail(&format!("{e:#}")),
                }
            }
            status(root, &langs)
        }
        I18nStep::Status { lang } => status(root, &languages(root, lang)),
    }
}

/// Lists what is left to translate in each language and what breaks the glossary.
fn status(root: &Path, langs: &[String]) -> ExitCode {
    let mut open = 0;
    for lang in langs {
        let pending = match pipeline_book::i18n::pending(root, lang) {
            Ok(pending) => pending,
            Err(e) => return fail(&format!("{e:#}")),
        };
        for item in &pending {
            println!("{lang}: {item}");
        }
        let glossary = match pipeline_book::glossary_problems(root, lang) {
            Ok(problems) => problems,
            Err(e) => return fail(&format!("{e:#}")),
        };
        for problem in &glossary {
            println!("{lang}: glossary: {problem}");
        }
        println!(
            "book/po/{lang}.po: {} message(s) to translate or check, {} glossary problem(s)",
            pending.len(),
            glossary.len()
        );
        open += pending.len() + glossary.len();
    }
    match open {
        0 => ExitCode::SUCCESS,
        _ => ExitCode::FAILURE,
    }
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

/// Builds the book and writes the screenshots of `pages`, printing each file's path.
fn screenshots(root: &Path, mut pages: Vec<String>) -> ExitCode {
    let Some(chromium) = pipeline_browser::chromium() else {
        return fail(&format!("screenshots need {}", pipeline_browser::INSTALL));
    };
    if pages.is_empty() {
        pages.push("introduction.md".into());
    }
    let snapshot = pipeline_book::Reports::snapshot(root);
    let editions = match pipeline_book::build_books(root, &snapshot) {
        Ok(editions) => editions,
        Err(e) => return fail(&format!("{e:#}")),
    };
    let site = editions[0].index.parent().unwrap_or(root).to_path_buf();
    let editions = pipeline_browser::check::editions(&editions);
    let written = pipeline_browser::Browser::launch(&chromium).and_then(|browser| {
        pipeline_browser::screenshots(
            &browser,
            &site,
            &editions,
            &pages,
            &root.join(pipeline_browser::SCREENSHOT_DIR),
        )
    });
    match written {
        Ok(files) => {
            for file in files {
                println!("{}", file.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(&format!("{e:#}")),
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
    match pipeline_book::write_schedule(root) {
        Ok(path) => println!("{}", path.display()),
        Err(e) => {
            eprintln!("schedule: {e:#}");
            return ExitCode::FAILURE;
        }
    }
    let problems = pipeline_book::check_schedule(root);
    for problem in &problems {
        eprintln!("{problem}");
    }
    if problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

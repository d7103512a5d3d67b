//! The book of pipeline-lab as a library: build every edition, check it, translate it.
//!
//! `cargo xtask` (crates/xtask) is the command line over it, and the report bench calls
//! [`build_book`] once it has written `reports/`. Only crates that build books depend on
//! this one (it brings in mdbook-driver).
//!
//! - [`build_books`] builds the mdBook in `book/` into `target/book/` with the
//!   [`mdbook_driver`] library, so no `mdbook` binary is needed, then every translation
//!   (`book/po/<lang>.po`) into `target/book/<lang>/`; `cargo xtask book` prints the path
//!   of each `index.html`.
//! - [`i18n`] extracts `book/po/messages.pot` from the English book and merges it into
//!   `book/po/<lang>.po`, and lists what is left to translate ([`generated`] for the
//!   report bench's generated text, [`glossary`] for the terms each catalog keeps to).
//! - [`check_book`] checks every reference in the book, [`test_book`] runs its Rust code
//!   blocks, and [`check_translation`] checks every translated edition the same way
//!   (`cargo xtask book --check`; `cargo test -p pipeline-book` does the same).
//! - [`search`] makes search work in every edition: mdBook tokenises every search
//!   index for English, which drops Hangul words; a translated edition's index is
//!   rebuilt with a tokenizer for its words, and the browser tokenises queries alike.
//! - [`write_schedule`] writes the workshop's schedule page from `book/schedule.txt`,
//!   and [`check_schedule`] keeps the two in step.
//!
//! # Figures
//!
//! The report bench writes its SVG figures into `reports/figures/`, but mdBook copies
//! only `book/src/` into the built book. So [`build_book`] and [`check_book`] first copy
//! the figures into `book/src/figures/` ([`copy_figures`]; that folder is ignored by git),
//! and pages show them as `figures/<name>.svg`. Markdown tables are included straight
//! from `reports/` with `{{#include}}`.
//!
//! # What the check catches
//!
//! mdBook only logs a broken `{{#include}}` and leaves links and images alone, so
//! [`check_book`] reads SUMMARY.md and every page it lists and reports, as
//! `file:line: what is broken`:
//!
//! - an `{{#include}}`, `{{#rustdoc_include}}` or `{{#playground}}` whose file does not
//!   exist, whose `ANCHOR: name` / `ANCHOR_END: name` pair is missing, or whose line range
//!   starts past the end of the file (included files are followed, as mdBook does);
//! - a relative link to a page that does not exist or is not listed in SUMMARY.md
//!   (the `#fragment` is not checked), or to any other file that does not exist;
//! - an image (`![..](path)`, `<img src>`, `<embed src>`, `<object data>`) that does not
//!   exist, or lies outside `book/src/` (mdBook copies nothing else into the built book);
//! - a Rust block marked `ignore` that is not simply an `{{#include}}` of crate code.
//!
//! # Rust code in the book
//!
//! Every Rust block is compiled somewhere. mdbook-driver 0.5 has `MDBook::test`, which
//! runs `rustdoc --test` on each preprocessed chapter (includes expanded), and
//! [`test_book`] calls it with no library paths. So:
//!
//! - a block that is not `ignore` (plain ```` ```rust ````, `no_run`, `should_panic`,
//!   `compile_fail`, …) is a standalone program using only `std`, and rustdoc runs it;
//! - a listing of crate code (which needs the workspace crates, and is often only a
//!   fragment between `// ANCHOR:` markers) is fenced ```` ```rust,ignore ```` and holds
//!   nothing but its `{{#include}}`: the crate's own build and tests compile it, and the
//!   checker rejects any other `ignore`d Rust block.
//!
//! Linking rustdoc against the workspace crates (`-L target/debug/deps`) is left out on
//! purpose: that folder holds several builds of the same crate (with and without
//! features), and rustdoc then refuses to choose between them.

mod check;
pub mod facts;
pub mod glossary;
pub mod i18n;
mod paths;
mod schedule;
pub mod search;

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use anyhow::Context;
use mdbook_driver::MDBook;

pub use facts::Reports;

pub use schedule::load as load_schedule;
pub use schedule::{
    Page, SCHEDULE_PAGE, SCHEDULE_SOURCE, Schedule, Segment, check_schedule, write_schedule,
};

/// The workspace root (two folders above this crate's manifest).
pub fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .ancestors()
        .nth(2)
        .unwrap_or(manifest_dir)
        .to_path_buf()
}

/// The book's folder, `book/`, which holds `book.toml` and `src/`.
pub fn book_root(workspace_root: &Path) -> PathBuf {
    workspace_root.join("book")
}

/// Where the report bench wrote the figures of `reports`: its `figures/`.
pub fn report_figures(reports: &Reports) -> PathBuf {
    reports.dir.join("figures")
}

/// Where the book's pages find the figures, `book/src/figures/`.
pub fn book_figures(workspace_root: &Path) -> PathBuf {
    book_root(workspace_root).join("src/figures")
}

/// Copies every SVG of the figures of `reports` into `book/src/figures/` (rewriting only
/// what changed, each file replaced in one step) and removes the SVGs there that the
/// reports do not have. Returns how many figures the book has now. Does nothing when
/// the reports have no `figures/`.
pub fn copy_figures(workspace_root: &Path, reports: &Reports) -> anyhow::Result<usize> {
    static TEMP_FILES: AtomicUsize = AtomicUsize::new(0);
    let from = report_figures(reports);
    let to = book_figures(workspace_root);
    if !from.is_dir() {
        return Ok(0);
    }
    fs::create_dir_all(&to).with_context(|| format!("cannot create {}", to.display()))?;
    let is_svg = |path: &Path| path.extension().is_some_and(|ext| ext == "svg");
    let mut figures = HashSet::new();
    for source in paths::files_of(&from)? {
        let Some(name) = source.file_name().filter(|_| is_svg(&source)) else {
            continue;
        };
        let bytes =
            fs::read(&source).with_context(|| format!("cannot read {}", source.display()))?;
        let target = to.join(name);
        if fs::read(&target).ok().as_deref() != Some(&bytes[..]) {
            // Written beside, then renamed: a build running at the same time (the tests
            // build the book from several threads) never sees half a figure.
            let n = TEMP_FILES.fetch_add(1, Relaxed);
            let temp = to.join(format!(".copying-{}-{n}", std::process::id()));
            fs::write(&temp, &bytes)
                .and_then(|()| fs::rename(&temp, &target))
                .with_context(|| format!("cannot write {}", target.display()))?;
        }
        figures.insert(name.to_owned());
    }
    for path in paths::files_of(&to)? {
        let stale = path
            .file_name()
            .is_some_and(|name| is_svg(&path) && !figures.contains(name));
        if stale {
            match fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(e).with_context(|| format!("cannot remove {}", path.display()));
                }
                _ => {}
            }
        }
    }
    Ok(figures.len())
}

/// Held while the editions are built or staged: `target/book/` is cleared by the English
/// build, and the tests build and check from several threads.
static BUILDING: Mutex<()> = Mutex::new(());

/// One built edition of the book.
#[derive(Debug)]
pub struct Edition {
    /// `en` for the English book, else the language of `book/po/<lang>.po`.
    pub language: String,
    /// The absolute path of its `index.html`.
    pub index: PathBuf,
    /// Text that a translated edition shows in English because its catalog has no
    /// finished translation for it (`file:line: English`); empty for English.
    pub left_in_english: Vec<String>,
}

/// Builds every edition of the book from `reports`: the English one into `target/book/`
/// (the `build-dir` set in `book/book.toml`), then one per `book/po/<lang>.po` into
/// `target/book/<lang>/` ([`i18n::build_translation`]). Copies the reports' figures into
/// the book's sources first ([`copy_figures`]); the pages' facts and tables are filled
/// from the same reports ([`facts`]).
pub fn build_books(workspace_root: &Path, reports: &Reports) -> anyhow::Result<Vec<Edition>> {
    build_books_into(workspace_root, reports, None)
}

/// [`build_books`] into `out` (each translation into `out/<lang>/`) rather than
/// `target/book/`: the tests build there, so that they never replace the book a
/// reader's `cargo bench` built from their own numbers.
pub fn build_books_into(
    workspace_root: &Path,
    reports: &Reports,
    out: Option<&Path>,
) -> anyhow::Result<Vec<Edition>> {
    let _building = BUILDING.lock().unwrap_or_else(|e| e.into_inner());
    copy_figures(workspace_root, reports).context("cannot copy the figures into the book")?;
    let book_root = book_root(workspace_root);
    let mut book = MDBook::load(&book_root)
        .with_context(|| format!("cannot load the book in {}", book_root.display()))?;
    if let Some(out) = out {
        book.config.build.build_dir = out.to_path_buf();
    }
    book.with_preprocessor(facts::FactsPreprocessor::new(reports, None)?);
    book.build().context("cannot build the book")?;
    let index = book.build_dir_for("html").join("index.html");
    let index = index
        .canonicalize()
        .with_context(|| format!("the book was built but {} is missing", index.display()))?;
    let mut editions = vec![Edition {
        language: "en".into(),
        index,
        left_in_english: Vec::new(),
    }];
    for language in i18n::languages(workspace_root) {
        let (index, left_in_english) =
            i18n::build_translation(workspace_root, &language, reports, out)
                .with_context(|| format!("cannot build the `{language}` edition"))?;
        editions.push(Edition {
            language,
            index,
            left_in_english,
        });
    }
    Ok(editions)
}

/// Builds every edition of the book from `reports` ([`build_books`]) and returns the
/// absolute path of the English `index.html`, in `target/book/`. A translated edition
/// with text left in English is reported on standard error, one line per message.
pub fn build_book(workspace_root: &Path, reports: &Reports) -> anyhow::Result<PathBuf> {
    let editions = build_books(workspace_root, reports)?;
    for edition in &editions[1..] {
        report_left_in_english(edition);
    }
    Ok(editions[0].index.clone())
}

/// Prints, on standard error, what a translated edition shows in English.
pub fn report_left_in_english(edition: &Edition) {
    if edition.left_in_english.is_empty() {
        return;
    }
    for line in &edition.left_in_english {
        eprintln!("warning: {}: left in English: {line}", edition.language);
    }
    eprintln!(
        "warning: the `{0}` edition shows {1} message(s) in English: run `cargo xtask i18n update {0}` and translate them in book/po/{0}.po",
        edition.language,
        edition.left_in_english.len()
    );
}

/// The glossary that the catalog of `lang` keeps to: `book/po/GLOSSARY.md` for Korean
/// (the first translation), `book/po/GLOSSARY.<lang>.md` for any other language.
pub fn glossary_path(workspace_root: &Path, lang: &str) -> PathBuf {
    let name = match lang {
        "ko" => "GLOSSARY.md".to_string(),
        other => format!("GLOSSARY.{other}.md"),
    };
    i18n::po_dir(workspace_root).join(name)
}

/// What `book/po/<lang>.po` does against its glossary ([`glossary::check`]): terms used
/// inconsistently, and emphasis that would not render. Without a glossary only the
/// emphasis is checked.
pub fn glossary_problems(
    workspace_root: &Path,
    lang: &str,
) -> anyhow::Result<Vec<glossary::Inconsistency>> {
    let path = glossary_path(workspace_root, lang);
    let terms = match path.exists() {
        true => glossary::parse(
            &fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?,
        ),
        false => Vec::new(),
    };
    let catalog = i18n::read_catalog(&i18n::po_path(workspace_root, lang))?;
    Ok(glossary::check(&catalog, &terms))
}

/// `path` relative to `workspace_root` when it is inside it, with `/`.
pub fn workspace_root_relative(workspace_root: &Path, path: &Path) -> String {
    paths::shown(workspace_root, path)
}

/// Checks the translated sources of language `lang` (written by
/// [`i18n::stage_translation`] into `target/i18n/<lang>/`) as [`check_book`] checks the
/// English ones: every include, link and image of the translated pages.
///
/// # Errors
///
/// Every broken reference, one per line, as `file:line: what is broken`.
pub fn check_translation(workspace_root: &Path, lang: &str) -> Result<(), Vec<String>> {
    let _building = BUILDING.lock().unwrap_or_else(|e| e.into_inner());
    if let Err(e) = copy_figures(workspace_root, &Reports::snapshot(workspace_root)) {
        return Err(vec![format!(
            "cannot copy the figures into the book: {e:#}"
        )]);
    }
    let staged = match i18n::stage_translation(workspace_root, lang) {
        Ok(staged) => staged,
        Err(e) => return Err(vec![format!("cannot stage the `{lang}` edition: {e:#}")]),
    };
    let broken = check::check(workspace_root, &staged.root);
    if broken.is_empty() {
        Ok(())
    } else {
        Err(broken)
    }
}

/// Checks every include, internal link, image and `ignore`d Rust block of the book at
/// `workspace_root` against the files on disk (see the crate docs for the rules), after
/// copying the report bench's figures into the book's sources ([`copy_figures`]).
///
/// # Errors
///
/// Every broken reference, one per line, as `file:line: what is broken`, with `file`
/// relative to `workspace_root`.
pub fn check_book(workspace_root: &Path) -> Result<(), Vec<String>> {
    if let Err(e) = copy_figures(workspace_root, &Reports::snapshot(workspace_root)) {
        return Err(vec![format!(
            "cannot copy the figures into the book: {e:#}"
        )]);
    }
    let mut broken = check::check(workspace_root, &book_root(workspace_root));
    // A book with a workshop day (`book/schedule.txt`) must keep it in order.
    if book_root(workspace_root).join(SCHEDULE_SOURCE).is_file() {
        broken.extend(check_schedule(workspace_root));
    }
    if broken.is_empty() {
        Ok(())
    } else {
        Err(broken)
    }
}

/// Runs the book's Rust code blocks with `rustdoc --test`, chapter by chapter, through
/// mdbook-driver's `MDBook::test` (needs `rustdoc` on the `PATH`). Blocks may use `std`
/// only; rustdoc's output for a failing block goes to standard error.
pub fn test_book(workspace_root: &Path) -> anyhow::Result<()> {
    let book_root = book_root(workspace_root);
    let mut book = MDBook::load(&book_root)
        .with_context(|| format!("cannot load the book in {}", book_root.display()))?;
    book.with_preprocessor(facts::FactsPreprocessor::new(
        &Reports::snapshot(workspace_root),
        None,
    )?);
    book.test(Vec::new())
        .context("a Rust code block of the book failed")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    /// A tiny workspace holding only `book/`, with `intro` as its one page.
    fn workspace(intro: &str) -> tempfile::TempDir {
        let root = tempfile::tempdir().expect("temp dir");
        let src = root.path().join("book/src");
        fs::create_dir_all(&src).unwrap();
        fs::write(
            root.path().join("book/book.toml"),
            "[book]\ntitle = \"t\"\n[build]\nbuild-dir = \"../target/book\"\n\
             create-missing = false\n[rust]\nedition = \"2024\"\n",
        )
        .unwrap();
        fs::write(src.join("SUMMARY.md"), "# Summary\n\n[Intro](intro.md)\n").unwrap();
        fs::write(src.join("intro.md"), intro).unwrap();
        root
    }

    #[test]
    fn the_book_is_built_into_target_book() {
        let root = workspace("# Intro\n\nHello.\n");
        let index =
            build_book(root.path(), &Reports::snapshot(root.path())).expect("the book builds");
        let expected = root.path().join("target/book/index.html");
        assert_eq!(index, expected.canonicalize().unwrap());
        assert!(fs::read_to_string(index).unwrap().contains("Hello."));
    }

    #[test]
    fn a_missing_chapter_fails_the_build() {
        let root = workspace("# Intro\n");
        fs::remove_file(root.path().join("book/src/intro.md")).unwrap();
        assert!(build_book(root.path(), &Reports::snapshot(root.path())).is_err());
        assert!(
            !root.path().join("book/src/intro.md").exists(),
            "mdBook made it up"
        );
    }

    #[test]
    fn rust_blocks_are_run() {
        let passing = workspace("```rust\nassert_eq!(1 + 1, 2);\n```\n");
        test_book(passing.path()).expect("a passing block passes");
        let failing = workspace("```rust\nassert_eq!(1 + 1, 3);\n```\n");
        assert!(test_book(failing.path()).is_err(), "a failing block fails");
        let ignored = workspace("```rust,ignore\n{{#include ../../nothing.rs}}\n```\n");
        test_book(ignored.path()).expect("an ignored block is not run");
    }

    #[test]
    fn figures_are_copied_into_the_book_and_stale_ones_removed() {
        let root = workspace("# Intro\n\n[![a](figures/a.svg)](figures/a.svg)\n");
        let reports = root.path().join("reports/figures");
        fs::create_dir_all(&reports).unwrap();
        fs::write(reports.join("a.svg"), "<svg>a</svg>").unwrap();
        fs::write(reports.join("notes.txt"), "not a figure").unwrap();
        let figures = root.path().join("book/src/figures");
        fs::create_dir_all(&figures).unwrap();
        fs::write(figures.join("gone.svg"), "<svg/>").unwrap();

        assert_eq!(
            copy_figures(root.path(), &Reports::snapshot(root.path())).unwrap(),
            1
        );
        assert_eq!(
            fs::read_to_string(figures.join("a.svg")).unwrap(),
            "<svg>a</svg>"
        );
        assert!(!figures.join("gone.svg").exists(), "a stale figure stays");
        assert!(!figures.join("notes.txt").exists());

        fs::write(reports.join("a.svg"), "<svg>new</svg>").unwrap();
        let index = build_book(root.path(), &Reports::snapshot(root.path())).unwrap();
        let built = index.parent().unwrap().join("figures/a.svg");
        assert_eq!(fs::read_to_string(built).unwrap(), "<svg>new</svg>");
        check_book(root.path()).unwrap();
    }

    #[test]
    fn without_reports_the_figures_are_left_alone() {
        let root = workspace("# Intro\n");
        let figures = root.path().join("book/src/figures");
        fs::create_dir_all(&figures).unwrap();
        fs::write(figures.join("kept.svg"), "<svg/>").unwrap();
        assert_eq!(
            copy_figures(root.path(), &Reports::snapshot(root.path())).unwrap(),
            0
        );
        assert!(figures.join("kept.svg").exists());
    }
}

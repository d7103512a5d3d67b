//! The book builds, every include, link and image in it resolves, and its Rust blocks run.

use std::fs;
use std::path::{Path, PathBuf};

/// Every English page under `dir` (translations left out) with its HTML.
fn editions_pages(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut pages = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() && path.join("index.html").is_file() && folder == dir {
                continue; // a translated edition
            }
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "html") {
                let html = fs::read_to_string(&path).unwrap();
                pages.push((path, html));
            }
        }
    }
    pages
}

/// A copy of the committed reports in a temporary folder, with `change` applied to its
/// facts: a reader's run, as far as the book can tell.
fn own_run(change: impl Fn(&mut serde_json::Value)) -> tempfile::TempDir {
    let root = workspace_root();
    let dir = tempfile::tempdir().unwrap();
    let from = root.join("reports");
    let mut stack = vec![from.clone()];
    while let Some(folder) = stack.pop() {
        for entry in fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            let to = dir.path().join(path.strip_prefix(&from).unwrap());
            if path.is_dir() {
                fs::create_dir_all(&to).unwrap();
                stack.push(path);
            } else {
                fs::copy(&path, &to).unwrap();
            }
        }
    }
    let path = dir.path().join("facts.json");
    let mut facts: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    change(&mut facts["facts"]);
    fs::write(&path, serde_json::to_string(&facts).unwrap()).unwrap();
    dir
}

#[test]
fn a_run_that_breaks_an_expectation_builds_a_book_that_flags_it() {
    let root = workspace_root();
    let run = own_run(|facts| {
        facts["paced.blocking.far-below-sleeper"] =
            serde_json::json!({"kind": "bool", "value": false});
        facts["machine.cpus"] = serde_json::json!({"kind": "count", "value": 32});
        facts["book.more-threads-than-cores"] = serde_json::json!({"kind": "bool", "value": false});
    });
    let out = tempfile::tempdir().unwrap();
    let reports = pipeline_book::Reports::at(&root, run.path());
    assert!(!reports.snapshot);
    let editions = pipeline_book::build_books_into(&root, &reports, Some(out.path()))
        .unwrap_or_else(|e| panic!("the book does not build: {e:#}"));
    let page = fs::read_to_string(out.path().join("polling/spin-or-sleep.html")).unwrap();
    assert!(page.contains("⚠"), "the failed expectation is not flagged");
    assert!(page.contains("Not in these results"));
    let caveats = fs::read_to_string(out.path().join("choosing/caveats.html")).unwrap();
    assert!(
        caveats.contains("32 cores"),
        "the core count is not the run's"
    );
    assert!(caveats.contains("each can have a core of its own"));
    assert!(!caveats.contains("more threads than cores"));
    let machine = fs::read_to_string(out.path().join("choosing/machine.html")).unwrap();
    assert!(
        machine.contains("your own run"),
        "the book does not say whose run"
    );
    let korean = &editions[1];
    let page = fs::read_to_string(
        out.path()
            .join(&korean.language)
            .join("polling/spin-or-sleep.html"),
    )
    .unwrap();
    assert!(
        page.contains("⚠") && page.contains("이 결과에는 없음"),
        "the Korean page is not flagged"
    );
}

fn workspace_root() -> PathBuf {
    pipeline_book::workspace_root()
}

#[test]
fn the_book_builds_with_no_broken_reference() {
    let root = workspace_root();
    let out = root.join("target/book-check");
    let snapshot = pipeline_book::Reports::snapshot(&root);
    let editions = pipeline_book::build_books_into(&root, &snapshot, Some(&out))
        .unwrap_or_else(|e| panic!("the book does not build: {e:#}"));
    let index = &editions[0].index;
    assert!(index.is_file(), "{} was not written", index.display());
    assert_eq!(*index, out.join("index.html").canonicalize().unwrap());
    if let Err(broken) = pipeline_book::check_book(&root) {
        panic!(
            "{} broken reference(s) in the book:\n{}",
            broken.len(),
            broken.join("\n")
        );
    }
    // The snapshot's facts hold: no sentence is flagged, and the book says whose run it
    // shows.
    let flagged = editions_pages(&out)
        .into_iter()
        .filter(|(_, html)| html.contains("Not in these results"))
        .map(|(page, _)| page)
        .collect::<Vec<_>>();
    assert!(
        flagged.is_empty(),
        "pages flagged on the committed snapshot: {flagged:?}"
    );
    let machine = std::fs::read_to_string(out.join("choosing/machine.html")).unwrap();
    assert!(
        machine.contains("committed reference run"),
        "the book does not say whose run"
    );
}

#[test]
fn the_book_rust_blocks_run() {
    if let Err(e) = pipeline_book::test_book(&workspace_root()) {
        panic!("{e:#} (rustdoc's output is above)");
    }
}

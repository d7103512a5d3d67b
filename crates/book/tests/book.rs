//! The book builds, every include, link and image in it resolves, and its Rust blocks run.

use std::path::PathBuf;

fn workspace_root() -> PathBuf {
    pipeline_book::workspace_root()
}

#[test]
fn the_book_builds_with_no_broken_reference() {
    let root = workspace_root();
    let index = pipeline_book::build_book(&root)
        .unwrap_or_else(|e| panic!("the book does not build: {e:#}"));
    assert!(index.is_file(), "{} was not written", index.display());
    assert_eq!(
        index,
        root.join("target/book/index.html").canonicalize().unwrap()
    );
    if let Err(broken) = pipeline_book::check_book(&root) {
        panic!(
            "{} broken reference(s) in the book:\n{}",
            broken.len(),
            broken.join("\n")
        );
    }
}

#[test]
fn the_book_rust_blocks_run() {
    if let Err(e) = pipeline_book::test_book(&workspace_root()) {
        panic!("{e:#} (rustdoc's output is above)");
    }
}

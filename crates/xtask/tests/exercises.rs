//! The workshop's exercise crates are well formed, shown in the book, and teach:
//! every solution passes its tests, every exercise's stubs fail them.

use std::fs;
use std::path::Path;

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Every page of the book's sources, as one text.
fn book_pages(dir: &Path) -> String {
    let mut text = String::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            text.push_str(&book_pages(&path));
        } else if path.extension().is_some_and(|ext| ext == "md") {
            text.push_str(&read(&path));
        }
    }
    text
}

#[test]
fn every_exercise_has_stubs_a_solution_shared_tests_and_pages() {
    let root = xtask::workspace_root();
    let exercises = xtask::exercises(&root).unwrap();
    assert!(exercises.len() >= 4, "too few exercises: {exercises:?}");
    let pages = book_pages(&root.join("book/src"));
    for exercise in &exercises {
        let file = |name: &str| read(&exercise.dir.join(name));
        let manifest = file("Cargo.toml");
        let package = &exercise.package;
        assert!(
            manifest.contains(&format!("name = \"{package}\"")),
            "{package}: the package must be named after its folder"
        );
        assert!(
            manifest.contains("default = [\"solution\"]"),
            "{package}: `cargo test` must test the solution by default"
        );
        let lib = file("src/lib.rs");
        for line in [
            "#[cfg(not(feature = \"solution\"))]\nmod exercise;",
            "#[cfg(feature = \"solution\")]\nmod solution;",
            "#[cfg(test)]\nmod tests;",
        ] {
            assert!(lib.contains(line), "{package}: src/lib.rs lacks `{line}`");
        }
        assert!(
            file("src/exercise.rs").contains("todo!"),
            "{package}: no stub"
        );
        assert!(
            !file("src/solution.rs").contains("todo!"),
            "{package}: unsolved"
        );
        for part in ["exercise", "solution"] {
            let include = format!("exercises/{}/src/{part}.rs", exercise.name);
            assert!(
                pages.contains(&include),
                "{package}: no page of the book includes {include}"
            );
        }
    }
}

/// Runs cargo on each exercise, in `target/exercise-check` (the outer `cargo test` holds
/// the lock on the workspace's own build folder). The first run builds the exercises'
/// dependencies there: under a minute on two cores; later runs take seconds.
#[test]
fn every_solution_passes_and_every_exercise_fails_until_solved() {
    let root = xtask::workspace_root();
    let problems = xtask::check_exercises(&root, &root.join("target/exercise-check"));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

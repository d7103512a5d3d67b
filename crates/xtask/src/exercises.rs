//! The workshop's exercise crates, `book/exercises/<name>/` (package `workshop-<name>`):
//! finding them, and checking that each solution passes its tests while the stubs a
//! student starts from compile and fail them.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use anyhow::Context;

/// One workshop exercise: a crate whose `src/exercise.rs` holds the `todo!` stubs and
/// whose `src/solution.rs` holds an answer; the `solution` feature (on by default)
/// selects the answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exercise {
    /// The folder's name, e.g. `get-timeout`.
    pub name: String,
    /// The package's name, `workshop-<name>`.
    pub package: String,
    /// The crate's folder.
    pub dir: PathBuf,
}

/// The folder that holds the exercise crates, `book/exercises/`.
pub fn exercises_root(workspace_root: &Path) -> PathBuf {
    pipeline_book::book_root(workspace_root).join("exercises")
}

/// Every exercise crate under `book/exercises/`, sorted by name.
pub fn exercises(workspace_root: &Path) -> anyhow::Result<Vec<Exercise>> {
    let root = exercises_root(workspace_root);
    let entries = fs::read_dir(&root).with_context(|| format!("cannot read {}", root.display()))?;
    let mut found = Vec::new();
    for entry in entries {
        let dir = entry?.path();
        if !dir.join("Cargo.toml").is_file() {
            continue;
        }
        let name = dir
            .file_name()
            .and_then(|name| name.to_str())
            .with_context(|| format!("{} is not a UTF-8 name", dir.display()))?
            .to_string();
        found.push(Exercise {
            package: format!("workshop-{name}"),
            name,
            dir,
        });
    }
    found.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(found)
}

/// Checks every exercise with [`check_exercise`]; returns one line per problem.
///
/// Builds in `target_dir`, not in the workspace's `target/`, so that it can run while
/// another cargo command holds the lock on `target/` (as `cargo test` does). A first run
/// builds the exercises' dependencies there once.
pub fn check_exercises(workspace_root: &Path, target_dir: &Path) -> Vec<String> {
    let exercises = match exercises(workspace_root) {
        Ok(exercises) if exercises.is_empty() => {
            return vec![format!(
                "no exercise crate in {}",
                exercises_root(workspace_root).display()
            )];
        }
        Ok(exercises) => exercises,
        Err(e) => return vec![format!("{e:#}")],
    };
    exercises
        .iter()
        .filter_map(|exercise| check_exercise(workspace_root, exercise, target_dir).err())
        .collect()
}

/// Checks one exercise: its solution passes its tests (`cargo test -p workshop-<name>`),
/// its stubs compile (`… --no-default-features --no-run`), and its tests fail on the
/// stubs (`… --no-default-features`), so that a student sees red until the work is done.
///
/// # Errors
///
/// What is wrong, in one message that ends with the tail of cargo's output.
pub fn check_exercise(
    workspace_root: &Path,
    exercise: &Exercise,
    target_dir: &Path,
) -> Result<(), String> {
    let package = &exercise.package;
    let run = |args: &[&str]| {
        exercise_command(workspace_root, target_dir, package, args)
            .output()
            .map_err(|e| format!("{package}: cannot run cargo: {e}"))
    };
    let solution = run(&[])?;
    if !solution.status.success() {
        return Err(problem(package, "the solution fails its tests", &solution));
    }
    let stubs_build = run(&["--no-default-features", "--no-run"])?;
    if !stubs_build.status.success() {
        return Err(problem(
            package,
            "the exercise does not compile",
            &stubs_build,
        ));
    }
    let stubs = run(&["--no-default-features"])?;
    let failed_tests = String::from_utf8_lossy(&stubs.stdout).contains("test result: FAILED");
    if stubs.status.success() || !failed_tests {
        return Err(problem(
            package,
            "the exercise's stubs pass its tests: they teach nothing",
            &stubs,
        ));
    }
    Ok(())
}

/// `cargo test -p PACKAGE --target-dir TARGET_DIR ARGS…`, run from `workspace_root`, with
/// the `cargo` that runs this program when there is one (`$CARGO`).
pub fn exercise_command(
    workspace_root: &Path,
    target_dir: &Path,
    package: &str,
    args: &[&str],
) -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(workspace_root)
        .args(["test", "--quiet", "-p", package, "--target-dir"])
        .arg(target_dir)
        .args(args);
    command
}

/// One problem line, with the last lines cargo printed.
fn problem(package: &str, what: &str, output: &Output) -> String {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<&str> = text.lines().collect();
    let tail = lines[lines.len().saturating_sub(20)..].join("\n    ");
    format!("{package}: {what}; cargo said:\n    {tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exercises_are_the_folders_with_a_manifest_sorted_by_name() {
        let root = tempfile::tempdir().unwrap();
        for dir in ["b-two", "a-one", "not-a-crate"] {
            fs::create_dir_all(root.path().join("book/exercises").join(dir)).unwrap();
        }
        for dir in ["b-two", "a-one"] {
            let manifest = root
                .path()
                .join("book/exercises")
                .join(dir)
                .join("Cargo.toml");
            fs::write(manifest, "").unwrap();
        }
        let found = exercises(root.path()).unwrap();
        let names: Vec<_> = found.iter().map(|e| e.package.as_str()).collect();
        assert_eq!(names, ["workshop-a-one", "workshop-b-two"]);
    }

    #[test]
    fn the_command_tests_one_package_in_its_own_target_dir() {
        let command = exercise_command(
            Path::new("/w"),
            Path::new("/w/target/x"),
            "workshop-a",
            &["--no-default-features"],
        );
        let args: Vec<_> = command.get_args().collect();
        let expected = [
            "test",
            "--quiet",
            "-p",
            "workshop-a",
            "--target-dir",
            "/w/target/x",
            "--no-default-features",
        ];
        assert_eq!(args, expected);
    }
}

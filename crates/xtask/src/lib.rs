//! Build chores for pipeline-lab, run as `cargo xtask …` (an alias in `.cargo/config.toml`).
//!
//! - `cargo xtask book [--check]` builds (and checks) every edition of the book, and
//!   `cargo xtask i18n …` and `cargo xtask schedule` keep its translations and its
//!   workshop schedule up to date: the work is done by the [`pipeline_book`] library.
//! - `cargo xtask exercises` checks the workshop's exercise crates in `book/exercises/`:
//!   every solution passes its tests, and every exercise's `todo!` stubs compile and
//!   fail them ([`check_exercises`]).
//! - `cargo xtask report [ARGS]…` runs the report bench,
//!   `cargo bench -p pipeline-bench --bench report -- ARGS…` ([`report_command`]).

mod exercises;

use std::ffi::OsString;
use std::path::Path;
use std::process::Command;

pub use exercises::{
    Exercise, check_exercise, check_exercises, exercise_command, exercises, exercises_root,
};
pub use pipeline_book::workspace_root;

/// The command that runs the report bench from `workspace_root`:
/// `cargo bench -p pipeline-bench --bench report -- ARGS…`, where `args` go to the bench
/// itself. Uses the `cargo` that runs this program when there is one (`$CARGO`).
pub fn report_command(workspace_root: &Path, args: &[OsString]) -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(workspace_root)
        .args(["bench", "-p", "pipeline-bench", "--bench", "report", "--"])
        .args(args);
    command
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_runs_the_report_bench_with_the_given_args() {
        let command = report_command(Path::new("/w"), &["--quick".into()]);
        let args: Vec<_> = command.get_args().collect();
        let expected = [
            "bench",
            "-p",
            "pipeline-bench",
            "--bench",
            "report",
            "--",
            "--quick",
        ];
        assert_eq!(args, expected);
        assert_eq!(command.get_current_dir(), Some(Path::new("/w")));
    }
}

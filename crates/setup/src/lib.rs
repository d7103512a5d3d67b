//! What `cargo setup` builds and checks, before the workshop, at home.
//!
//! It builds the lab in release mode (as `cargo lab` runs it) and the tests of
//! every exercise with the student's own `exercise.rs` (as each exercise page's
//! command does), and nothing else of the workspace: not the book's tooling,
//! the browser driver or the benches. Then it proves that it worked: exercise
//! 1's tests fail at a `todo!()`, the lab prints its scenarios, and
//! `redis-server` (for the broker's chapter and exercise 7) is 7.0 or newer.
//!
//! The crate has no dependencies, so that `cargo setup` starts at once.

/// The lab's package and binary, built in release mode as the `cargo lab`
/// alias builds them.
pub const LAB: (&str, &str) = ("pipeline-lab", "lab");

/// The exercises' packages, in the workshop's order: each page's command is
/// `cargo test -p <package> --no-default-features`.
pub const EXERCISES: [&str; 7] = [
    "workshop-get-timeout",
    "workshop-backpressure",
    "workshop-stop-polling",
    "workshop-cancel",
    "workshop-task-done",
    "workshop-fanout-mpsc",
    "workshop-dead-worker",
];

/// The oldest `redis-server` the broker's chapter runs on: `XINFO GROUPS`
/// reports a group's `lag` from 7.0 on.
pub const REDIS_MIN: (u32, u32) = (7, 0);

/// One cargo command of the setup, as its arguments after `cargo`.
pub fn builds() -> Vec<Vec<String>> {
    let mut builds = vec![
        ["build", "--release", "-p", LAB.0, "--bin", LAB.1]
            .map(String::from)
            .to_vec(),
    ];
    // One command per exercise, as each page runs it: the same features, so
    // that the page's command finds everything built.
    for exercise in EXERCISES {
        builds.push(
            ["test", "--no-run", "-p", exercise, "--no-default-features"]
                .map(String::from)
                .to_vec(),
        );
    }
    builds
}

/// The version `redis-server --version` prints, e.g. `Redis server v=7.0.15
/// sha=…`, as (major, minor, patch).
pub fn redis_version(output: &str) -> Option<(u32, u32, u32)> {
    let version = output
        .split_whitespace()
        .find_map(|word| word.strip_prefix("v="))?;
    let mut parts = version.split('.').map(|part| part.parse::<u32>().ok());
    let major = parts.next()??;
    let minor = parts.next().flatten().unwrap_or(0);
    let patch = parts.next().flatten().unwrap_or(0);
    Some((major, minor, patch))
}

/// Whether a server of `version` is new enough for the broker's chapter.
pub fn redis_is_new_enough(version: (u32, u32, u32)) -> bool {
    (version.0, version.1) >= REDIS_MIN
}

/// How to get `redis-server` on this platform.
#[cfg(all(unix, not(target_os = "macos")))]
pub const REDIS_INSTALL: &str = "install Debian's or Ubuntu's `redis-server` \
     package (`sudo apt install redis-server`)";
/// How to get `redis-server` on this platform.
#[cfg(target_os = "macos")]
pub const REDIS_INSTALL: &str =
    "install it with Homebrew (`brew install redis`)";
/// How to get `redis-server` on this platform.
#[cfg(windows)]
pub const REDIS_INSTALL: &str = "Redis has no Windows build: run one in WSL \
     (`sudo apt install redis-server`) or Docker, and set REDIS_URL";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_server_version_is_read_and_judged() {
        let seven = "Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0 \
                     bits=64 build=c4b0e6a6bbc1a0ce";
        assert_eq!(redis_version(seven), Some((7, 0, 15)));
        assert!(redis_is_new_enough((7, 0, 15)));
        assert!(redis_is_new_enough((8, 2, 0)));
        let six = "Redis server v=6.2.14 sha=00000000:0 malloc=jemalloc-5.2.1";
        assert_eq!(redis_version(six), Some((6, 2, 14)));
        assert!(!redis_is_new_enough((6, 2, 14)));
        assert_eq!(redis_version("redis-server: command not found"), None);
    }

    #[test]
    fn the_lab_is_built_once_and_every_exercise_as_its_page_runs_it() {
        let builds = builds();
        assert_eq!(builds.len(), 1 + EXERCISES.len());
        assert!(builds[0].contains(&"--release".to_string()));
        for (build, exercise) in builds[1..].iter().zip(EXERCISES) {
            assert!(build.contains(&exercise.to_string()));
            assert!(build.contains(&"--no-default-features".to_string()));
        }
    }
}

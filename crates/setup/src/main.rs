//! `cargo setup`: builds what the workshop's exercises and the lab need, then
//! proves that it worked. Run it at home, days before the workshop: the first
//! build downloads and compiles every library the day uses. Exit code 0 when
//! the day is ready, 1 when a build or a check failed (its line says what to
//! do).

use std::env;
use std::path::PathBuf;
use std::process::{Command, ExitCode, Output};

use pipeline_setup::{
    EXERCISES, LAB, REDIS_INSTALL, REDIS_MIN, builds, redis_is_new_enough,
    redis_version,
};

fn main() -> ExitCode {
    if let Some(arg) = env::args().nth(1) {
        eprintln!(
            "error: `cargo setup` takes no arguments (got {arg:?}); it builds \
             the lab and the {} exercises, then checks them",
            EXERCISES.len()
        );
        return ExitCode::from(2);
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let cargo = || {
        let mut command = Command::new(&cargo);
        command.current_dir(&root);
        command
    };
    println!(
        "setup: building the lab (release) and the tests of the {} exercises; \
         the first time, this downloads and compiles their libraries",
        EXERCISES.len()
    );
    for build in builds() {
        let shown = format!("cargo {}", build.join(" "));
        println!("  building: {shown}");
        match cargo().args(&build).status() {
            Ok(status) if status.success() => {}
            Ok(_) => {
                println!("FAILED: {shown}: its errors are above");
                return ExitCode::FAILURE;
            }
            Err(error) => {
                println!("FAILED: cannot run cargo: {error}");
                return ExitCode::FAILURE;
            }
        }
    }
    println!("checks:");
    let mut ready = true;
    ready &= check_exercise(cargo().args([
        "test",
        "-p",
        EXERCISES[0],
        "--no-default-features",
    ]));
    ready &= check_lab(cargo().args([
        "run",
        "--quiet",
        "--release",
        "-p",
        LAB.0,
        "--bin",
        LAB.1,
        "--",
        "scenarios",
    ]));
    ready &= check_redis();
    if ready {
        println!("ready: see you at the workshop");
        ExitCode::SUCCESS
    } else {
        println!(
            "not ready: fix the lines marked FAILED above, then run `cargo setup` again"
        );
        ExitCode::FAILURE
    }
}

/// The text a command wrote, stdout and stderr together.
fn text(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr)
}

/// Exercise 1's tests fail at a `todo!()` (or pass, if it is done already).
fn check_exercise(command: &mut Command) -> bool {
    let Ok(output) = command.output() else {
        println!("  FAILED  exercise 1's tests did not run");
        return false;
    };
    let text = text(&output);
    if output.status.success() {
        println!(
            "  ok      exercise 1's tests pass: its exercise.rs is done already"
        );
        true
    } else if text.contains("not yet implemented") {
        println!(
            "  ok      exercise 1's tests run, and fail at their todo!(): the \
             tooling works"
        );
        true
    } else {
        println!(
            "  FAILED  exercise 1's tests fail, and not at a todo!(): run \
             `cargo test -p {} --no-default-features` and read why",
            EXERCISES[0]
        );
        false
    }
}

/// The lab runs and lists its scenarios.
fn check_lab(command: &mut Command) -> bool {
    match command.output() {
        Ok(output)
            if output.status.success() && text(&output).contains("book") =>
        {
            println!(
                "  ok      `cargo lab scenarios` lists the lab's scenarios"
            );
            true
        }
        _ => {
            println!(
                "  FAILED  `cargo lab scenarios` did not list the scenarios: run \
                 it and read why"
            );
            false
        }
    }
}

/// `redis-server` is there and new enough, for the broker's chapter and
/// exercise 7; its absence is said, and does not fail the day's setup.
fn check_redis() -> bool {
    let (major, minor) = REDIS_MIN;
    let wanted = format!("{major}.{minor} or newer");
    let Ok(output) = Command::new("redis-server").arg("--version").output()
    else {
        if let Ok(url) = env::var("REDIS_URL") {
            println!(
                "  note    no redis-server here; REDIS_URL={url}: exercise 7's \
                 tests use that server, which must be Redis {wanted}"
            );
        } else {
            println!(
                "  note    redis-server not found: the day does not need it; the \
                 broker's chapter and exercise 7 need Redis {wanted}: {REDIS_INSTALL}"
            );
        }
        return true;
    };
    match redis_version(&text(&output)) {
        Some(version) if redis_is_new_enough(version) => {
            let (a, b, c) = version;
            println!(
                "  ok      redis-server {a}.{b}.{c}, for the broker's chapter"
            );
            true
        }
        Some((a, b, c)) => {
            println!(
                "  FAILED  redis-server {a}.{b}.{c} is too old: the broker's \
                 chapter and exercise 7 need Redis {wanted}: {REDIS_INSTALL}"
            );
            false
        }
        None => {
            println!(
                "  FAILED  `redis-server --version` printed no version: the \
                 broker's chapter needs Redis {wanted}: {REDIS_INSTALL}"
            );
            false
        }
    }
}

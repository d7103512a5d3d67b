//! ARCHITECTURE.md's crate graph against the one Cargo builds: every workspace
//! crate listed once, with exactly the workspace crates it depends on, and no crate
//! depending on one listed above it.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use serde_json::Value;

/// The crate graph as ARCHITECTURE.md lists it, in its order: each crate and the
/// workspace crates it says it depends on.
fn documented(text: &str) -> Vec<(String, BTreeSet<String>)> {
    let section = text
        .split("\n## Crate graph\n")
        .nth(1)
        .expect("ARCHITECTURE.md has a 'Crate graph' section");
    let section = section.split("\n## ").next().unwrap_or(section);
    section
        .lines()
        .filter_map(|line| line.strip_prefix("- `"))
        .filter_map(|line| line.split_once("` → "))
        .map(|(name, deps)| {
            let deps = deps
                .split(',')
                .map(|dep| dep.trim().trim_matches('`'))
                .filter(|dep| *dep != "(none)")
                .map(String::from)
                .collect();
            (name.to_string(), deps)
        })
        .collect()
}

/// The workspace's crates and the workspace crates each depends on (normal
/// dependencies only), from `cargo metadata`.
fn built() -> BTreeMap<String, BTreeSet<String>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(xtask::workspace_root())
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let packages = metadata["packages"].as_array().expect("packages");
    let names: BTreeSet<String> = packages
        .iter()
        .map(|p| p["name"].as_str().expect("a name").to_string())
        .collect();
    packages
        .iter()
        .map(|package| {
            let deps = package["dependencies"]
                .as_array()
                .expect("dependencies")
                .iter()
                .filter(|dep| dep["kind"].is_null())
                .map(|dep| dep["name"].as_str().expect("a name").to_string())
                .filter(|name| names.contains(name))
                .collect();
            (package["name"].as_str().unwrap().to_string(), deps)
        })
        .collect()
}

/// What is wrong with the `documented` graph against the `built` one, one line each.
fn problems(
    documented: &[(String, BTreeSet<String>)],
    built: &BTreeMap<String, BTreeSet<String>>,
) -> Vec<String> {
    let mut problems = Vec::new();
    let listed: Vec<&str> = documented.iter().map(|(name, _)| name.as_str()).collect();
    let once: BTreeSet<&str> = listed.iter().copied().collect();
    if once.len() != listed.len() {
        problems.push(format!("a crate is listed twice: {listed:?}"));
    }
    let crates: BTreeSet<&str> = built.keys().map(String::as_str).collect();
    for name in crates.difference(&once) {
        problems.push(format!(
            "{name} is a workspace crate ARCHITECTURE.md does not list"
        ));
    }
    for name in once.difference(&crates) {
        problems.push(format!("{name} is listed but is no workspace crate"));
    }
    for (at, (name, deps)) in documented.iter().enumerate() {
        if let Some(actual) = built.get(name)
            && deps != actual
        {
            problems.push(format!(
                "ARCHITECTURE.md says {name} depends on {deps:?}; its Cargo.toml says {actual:?}"
            ));
        }
        for dep in deps {
            if !listed[at + 1..].contains(&dep.as_str()) {
                problems.push(format!(
                    "{name} depends on {dep}, which is not listed below it"
                ));
            }
        }
    }
    problems
}

#[test]
fn the_documented_crate_graph_is_the_built_one_and_points_down() {
    let path = xtask::workspace_root().join("ARCHITECTURE.md");
    let text = std::fs::read_to_string(&path).expect("ARCHITECTURE.md");
    let problems = problems(&documented(&text), &built());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_changed_edge_an_upward_one_and_a_missing_crate_are_caught() {
    let set = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<BTreeSet<_>>();
    let text = "\n## Crate graph\n\n- `a` → `b`\n- `b` → (none)\n\n## Next\n\n- `c` → `a`\n";
    let graph = documented(text);
    assert_eq!(graph, [("a".into(), set(&["b"])), ("b".into(), set(&[]))]);
    let built = BTreeMap::from([("a".into(), set(&["b"])), ("b".into(), set(&[]))]);
    assert!(problems(&graph, &built).is_empty());

    let changed = BTreeMap::from([("a".into(), set(&[])), ("b".into(), set(&[]))]);
    assert_eq!(
        problems(&graph, &changed),
        [r#"ARCHITECTURE.md says a depends on {"b"}; its Cargo.toml says {}"#]
    );
    let upside_down = [("b".into(), set(&[])), ("a".into(), set(&["b"]))];
    assert_eq!(
        problems(&upside_down, &built),
        ["a depends on b, which is not listed below it"]
    );
    let mut more = built.clone();
    more.insert("c".into(), set(&[]));
    assert_eq!(
        problems(&graph, &more),
        ["c is a workspace crate ARCHITECTURE.md does not list"]
    );
}

//! ARCHITECTURE.md's crate graph against the one Cargo builds: every workspace
//! crate listed once, with exactly the workspace crates it depends on, and no crate
//! depending on one listed above it. The backends are one row, `every backend`: the
//! workspace crates the registry depends on besides core.

use std::collections::{BTreeMap, BTreeSet};

use cargo_metadata::DependencyKind;

/// The row that stands for every backend crate, and what its dependents list.
const BACKENDS: &str = "every backend";

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
        .filter_map(|line| line.strip_prefix("- "))
        .filter_map(|line| line.split_once(" → "))
        .filter_map(|(name, deps)| {
            let name = if name.starts_with(BACKENDS) {
                BACKENDS
            } else {
                name.strip_prefix('`')?.strip_suffix('`')?
            };
            let deps = deps
                .split(',')
                .map(|dep| dep.trim().trim_matches('`'))
                .filter(|dep| *dep != "(none)")
                .map(String::from)
                .collect();
            Some((name.to_string(), deps))
        })
        .collect()
}

/// The workspace's crates and the workspace crates each depends on (normal
/// dependencies only), from `cargo metadata`.
fn built() -> BTreeMap<String, BTreeSet<String>> {
    let metadata = cargo_metadata::MetadataCommand::new()
        .current_dir(xtask::workspace_root())
        .no_deps()
        .other_options(["--offline".to_string()])
        .exec()
        .expect("cargo metadata runs");
    let names: BTreeSet<&str> = metadata.packages.iter().map(|p| p.name.as_str()).collect();
    let graph = metadata
        .packages
        .iter()
        .map(|package| {
            let deps = package
                .dependencies
                .iter()
                .filter(|dep| dep.kind == DependencyKind::Normal)
                .filter(|dep| names.contains(dep.name.as_str()))
                .map(|dep| dep.name.clone())
                .collect();
            (package.name.to_string(), deps)
        })
        .collect();
    grouped(graph)
}

/// `graph` with the backends (the registry's workspace dependencies besides core)
/// as one node, [`BACKENDS`], which has every dependency they have; a backend with
/// another dependency than its siblings stays a node of its own, so the check sees it.
fn grouped(mut graph: BTreeMap<String, BTreeSet<String>>) -> BTreeMap<String, BTreeSet<String>> {
    let registry = graph.get("pipeline-registry").cloned().unwrap_or_default();
    let backends: BTreeSet<String> = registry
        .into_iter()
        .filter(|name| name != "pipeline-core")
        .collect();
    let core = BTreeSet::from(["pipeline-core".to_string()]);
    let alike: BTreeSet<String> = backends
        .iter()
        .filter(|name| graph.get(*name) == Some(&core))
        .cloned()
        .collect();
    if alike.is_empty() {
        return graph;
    }
    for name in &alike {
        graph.remove(name);
    }
    graph.insert(BACKENDS.to_string(), core);
    // A crate that uses every backend (the registry) lists the row; a crate that
    // uses one of them (an exercise) names it.
    for deps in graph.values_mut() {
        if alike.is_subset(deps) {
            deps.retain(|dep| !alike.contains(dep));
            deps.insert(BACKENDS.to_string());
        }
    }
    graph
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
            // A backend named by itself stands in the backends' row.
            let row = if built.contains_key(dep.as_str()) || !built.contains_key(BACKENDS) {
                dep.as_str()
            } else {
                BACKENDS
            };
            if !listed[at + 1..].contains(&dep.as_str()) && !listed[at + 1..].contains(&row) {
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

    // The backends are one row, whatever their number; a crate using one names it.
    let text = "\n## Crate graph\n\n- `ex` → `pipeline-a`\n\
                - `pipeline-registry` → every backend, `pipeline-core`\n\
                - every backend (`pipeline-a`, `pipeline-b`) → `pipeline-core`\n\
                - `pipeline-core` → (none)\n";
    let graph = documented(text);
    let core = || set(&["pipeline-core"]);
    let mut built = BTreeMap::from([
        ("ex".into(), set(&["pipeline-a"])),
        ("pipeline-a".into(), core()),
        ("pipeline-b".into(), core()),
        ("pipeline-core".into(), set(&[])),
    ]);
    for backends in [
        &["pipeline-a", "pipeline-b"][..],
        &["pipeline-a", "pipeline-b", "pipeline-c"],
    ] {
        let mut uses = set(backends);
        uses.insert("pipeline-core".into());
        built.insert("pipeline-registry".into(), uses);
        for name in backends {
            built.insert(name.to_string(), core());
        }
        let problems = problems(&graph, &grouped(built.clone()));
        assert!(problems.is_empty(), "{backends:?}: {problems:?}");
    }
    built.insert("pipeline-c".into(), set(&["pipeline-core", "pipeline-b"]));
    assert!(
        !problems(&graph, &grouped(built)).is_empty(),
        "an odd backend is its own node"
    );
}

//! What `cargo setup` builds pulls in none of the book's, the browser's or the
//! benches' dependencies, and the command exists where the setup page says.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use cargo_metadata::{DependencyKind, Metadata, PackageId};
use pipeline_setup::{EXERCISES, LAB};

/// The packages only the book, the browser test and the benches use, named so
/// that a failure reads plainly; the test also checks every direct dependency
/// of those crates that no crate of the setup uses.
const NEVER: [&str; 7] = [
    "pipeline-book",
    "pipeline-browser",
    "pipeline-bench",
    "mdbook-driver",
    "headless_chrome",
    "criterion",
    "plotters",
];

/// Direct dependencies of the book that the setup's crates reach on their
/// own, and so may build: URL escaping (the Redis client's `url`) and the
/// nearest name of a typo (clap's suggestions).
const SHARED: [&str; 2] = ["percent-encoding", "strsim"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The platform the tests run on, as rustc names it.
fn host() -> String {
    let output = std::process::Command::new("rustc")
        .arg("-vV")
        .output()
        .expect("rustc runs");
    let text = String::from_utf8(output.stdout).expect("UTF-8");
    text.lines()
        .find_map(|line| line.strip_prefix("host: "))
        .expect("rustc names its host")
        .to_string()
}

/// The workspace's resolved graph for this platform, from what is downloaded.
fn metadata() -> Metadata {
    cargo_metadata::MetadataCommand::new()
        .current_dir(root())
        .other_options(
            ["--offline", "--filter-platform", &host()].map(String::from),
        )
        .exec()
        .expect("cargo metadata runs")
}

/// Every package a build of `roots` compiles: their normal and build
/// dependencies, and, for those in `with_dev`, their dev-dependencies (the
/// exercises' tests), transitively.
fn closure(metadata: &Metadata, roots: &[(&str, bool)]) -> BTreeSet<String> {
    let resolve = metadata.resolve.as_ref().expect("a resolved graph");
    let nodes: BTreeMap<&PackageId, _> =
        resolve.nodes.iter().map(|node| (&node.id, node)).collect();
    let name_of = |id: &PackageId| metadata[id].name.to_string();
    let mut stack: Vec<(&PackageId, bool)> = roots
        .iter()
        .map(|(name, dev)| {
            let package = metadata
                .workspace_packages()
                .into_iter()
                .find(|p| p.name.as_str() == *name)
                .unwrap_or_else(|| panic!("{name} is a workspace package"));
            (&package.id, *dev)
        })
        .collect();
    let mut seen = BTreeSet::new();
    while let Some((id, dev)) = stack.pop() {
        if !seen.insert(name_of(id)) && !dev {
            continue;
        }
        for dep in &nodes[id].deps {
            let wanted = dep
                .dep_kinds
                .iter()
                .any(|kind| kind.kind != DependencyKind::Development || dev);
            if wanted {
                stack.push((&dep.pkg, false));
            }
        }
    }
    seen
}

#[test]
fn the_setup_builds_none_of_the_books_browsers_or_benches_dependencies() {
    let metadata = metadata();
    let mut roots = vec![(LAB.0, false)];
    roots.extend(EXERCISES.iter().map(|exercise| (*exercise, true)));
    let built = closure(&metadata, &roots);
    assert!(built.contains("pipeline-core") && built.contains("redis"));

    // The direct dependencies of the book, the browser test and the benches
    // that no workspace crate the setup builds depends on directly.
    let workspace: BTreeSet<String> = metadata
        .workspace_packages()
        .iter()
        .map(|p| p.name.to_string())
        .collect();
    let direct = |names: &mut dyn Iterator<Item = &str>| -> BTreeSet<String> {
        let names: BTreeSet<&str> = names.collect();
        metadata
            .workspace_packages()
            .iter()
            .filter(|p| names.contains(p.name.as_str()))
            .flat_map(|p| p.dependencies.iter().map(|d| d.name.to_string()))
            .collect()
    };
    let theirs = direct(
        &mut ["pipeline-book", "pipeline-browser", "pipeline-bench"]
            .into_iter(),
    );
    let ours = direct(
        &mut built
            .iter()
            .map(String::as_str)
            .filter(|n| workspace.contains(*n)),
    );
    let mut forbidden: BTreeSet<String> =
        theirs.difference(&ours).cloned().collect();
    forbidden.extend(NEVER.map(String::from));
    for shared in SHARED {
        forbidden.remove(shared);
    }
    let pulled: Vec<&String> = built.intersection(&forbidden).collect();
    assert!(
        pulled.is_empty(),
        "`cargo setup` would build what only the book, the browser test or the \
         benches need: {pulled:?}"
    );
}

#[test]
fn the_setup_command_exists_and_the_setup_page_names_it() {
    let config = std::fs::read_to_string(root().join(".cargo/config.toml"))
        .expect(".cargo/config.toml");
    assert!(
        config.lines().any(|line| line.starts_with("setup = ")
            && line.contains("-p pipeline-setup")),
        "the `cargo setup` alias runs this crate"
    );
    let page =
        std::fs::read_to_string(root().join("book/src/workshop/setup.md"))
            .expect("the setup page");
    assert!(
        page.contains("cargo setup"),
        "the setup page gives the command"
    );
    // What the page asks a learner to run is in its `sh` blocks.
    let commands: Vec<&str> = page
        .split("```sh\n")
        .skip(1)
        .filter_map(|block| block.split("```").next())
        .collect();
    assert!(
        commands.iter().any(|block| block.contains("cargo setup")),
        "the setup page asks for `cargo setup`"
    );
    assert!(
        !commands.iter().any(|block| block.contains("--workspace")),
        "the setup page asks to build only what the day needs: {commands:?}"
    );
}

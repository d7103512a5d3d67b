//! Paths of the book's files: made absolute, `..` resolved, made relative, listed.
//! Every module that needs one of these jobs calls the one helper here.

use std::path::{Component, Path, PathBuf};

use anyhow::Context;
use mdbook_driver::config::Config;
use walkdir::WalkDir;

/// `path` made absolute from the current directory (left as it is if that fails).
pub(crate) fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Removes `.` and `a/..` without touching the disk (the target may not exist). A `..`
/// with nothing left to remove is kept.
pub(crate) fn normalize(path: &Path) -> PathBuf {
    let mut normal = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !normal.pop() {
                    normal.push("..");
                }
            }
            other => normal.push(other),
        }
    }
    normal
}

/// The source folder of the book in `book_root` whose `book.toml` is `config` (its
/// `book.src`, `src/` unless it says otherwise), absolute and normalized.
pub(crate) fn src_dir(book_root: &Path, config: &Config) -> PathBuf {
    normalize(&absolute(book_root).join(&config.book.src))
}

/// `path` resolved from `dir` (or from `root` when it starts with `/`), normalized.
pub(crate) fn resolve(dir: &Path, root: &Path, path: &str) -> PathBuf {
    match path.strip_prefix('/') {
        Some(rooted) => normalize(&root.join(rooted)),
        None => normalize(&dir.join(path)),
    }
}

/// `to` relative to the folder `from` (both absolute, or both relative to the same
/// folder, and normalized), with `/`.
pub(crate) fn relative(from: &Path, to: &Path) -> String {
    let from: Vec<Component> = from.components().collect();
    let to: Vec<Component> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_string(); from.len() - common];
    parts.extend(
        to[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

/// `path` relative to `root` when it is inside it (else whole), as shown in messages.
pub(crate) fn shown(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Every file under `dir` (recursively, following links), sorted.
pub(crate) fn all_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    files_in(WalkDir::new(dir).follow_links(true), dir)
}

/// Every file right in `dir` (not in its folders), sorted.
pub(crate) fn files_of(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    files_in(WalkDir::new(dir).follow_links(true).max_depth(1), dir)
}

/// Every `.md` file under `dir`, sorted.
pub(crate) fn markdown_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = all_files(dir)?;
    files.retain(|file| file.extension().is_some_and(|ext| ext == "md"));
    Ok(files)
}

/// The files a walk of `dir` finds, sorted.
fn files_in(walk: WalkDir, dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in walk.sort_by_file_name() {
        let entry = entry.with_context(|| format!("cannot read {}", dir.display()))?;
        if !entry.file_type().is_dir() {
            files.push(entry.into_path());
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_climb_and_descend() {
        assert_eq!(
            relative(
                Path::new("/w/target/i18n/ko/src/a"),
                Path::new("/w/crates/x.rs")
            ),
            "../../../../../crates/x.rs"
        );
        assert_eq!(relative(Path::new("/w/a"), Path::new("/w/a/b.md")), "b.md");
        assert_eq!(
            relative(Path::new("workshop"), Path::new("polling/queue.md")),
            "../polling/queue.md"
        );
    }

    #[test]
    fn dots_are_resolved_on_paper() {
        assert_eq!(normalize(Path::new("a/./b/../c.md")), Path::new("a/c.md"));
        assert_eq!(normalize(Path::new("../a")), Path::new("../a"));
        assert_eq!(
            resolve(Path::new("/b/src/x"), Path::new("/b/src"), "/y.md"),
            Path::new("/b/src/y.md")
        );
        assert_eq!(
            resolve(Path::new("/b/src/x"), Path::new("/b/src"), "../y.md"),
            Path::new("/b/src/y.md")
        );
    }

    #[test]
    fn walks_list_files_sorted() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("a")).unwrap();
        for file in ["b.md", "a/c.md", "a.md", "z.svg"] {
            std::fs::write(dir.path().join(file), "").unwrap();
        }
        let names = |files: Vec<PathBuf>| -> Vec<String> {
            files.iter().map(|f| shown(dir.path(), f)).collect()
        };
        assert_eq!(
            names(all_files(dir.path()).unwrap()),
            ["a/c.md", "a.md", "b.md", "z.svg"]
        );
        assert_eq!(
            names(markdown_files(dir.path()).unwrap()),
            ["a/c.md", "a.md", "b.md"]
        );
        assert_eq!(
            names(files_of(dir.path()).unwrap()),
            ["a.md", "b.md", "z.svg"]
        );
    }
}

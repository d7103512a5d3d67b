//! The book checker: every include, internal link, image and Rust block in `book/src`
//! is checked against the files on disk, without relying on mdBook's warnings.

use std::collections::HashSet;
use std::fs;

use crate::Reports;
use crate::facts;
use crate::paths::{absolute, normalize, resolve, shown, src_dir};
use pipeline_present::fact::Facts;
use std::path::{Path, PathBuf};

use mdbook_driver::config::Config;
use mdbook_markdown::pulldown_cmark::{CodeBlockKind, Event, Tag, TagEnd};
use mdbook_markdown::{MarkdownOptions, new_cmark_parser};

/// mdBook stops expanding includes inside includes at this depth, and so do we.
const MAX_INCLUDE_DEPTH: usize = 10;

/// The longest line a listing may have: a longer one is cut off (or scrolls) in the
/// book's column.
pub(crate) const MAX_LISTING_LINE: usize = 80;

/// Pages mdBook writes itself, so a link to them is never dead.
const GENERATED_PAGES: [&str; 4] = ["index.html", "print.html", "toc.html", "404.html"];

/// Checks the book in `book_root` and returns every broken reference, one per line,
/// as `file:line: what is broken` (paths relative to `workspace_root`).
pub(crate) fn check(workspace_root: &Path, book_root: &Path) -> Vec<String> {
    let workspace_root = normalize(&absolute(workspace_root));
    let book_root = normalize(&absolute(book_root));
    let config = match Config::from_disk(book_root.join("book.toml")) {
        Ok(config) => config,
        Err(e) => return vec![format!("{}: {e:#}", book_root.join("book.toml").display())],
    };
    let src_dir = src_dir(&book_root, &config);
    let summary = src_dir.join("SUMMARY.md");
    let Ok(summary_text) = fs::read_to_string(&summary) else {
        return vec![format!("{}: cannot read SUMMARY.md", src_dir.display())];
    };
    let chapters: Vec<PathBuf> = chapters(&summary_text)
        .iter()
        .map(|chapter| normalize(&src_dir.join(chapter)))
        .collect();
    let reports = Reports::snapshot(&workspace_root);
    let facts = match reports.facts() {
        Ok(facts) => facts,
        Err(e) => return vec![format!("{e:#}")],
    };
    let mut checker = Checker {
        workspace_root,
        src_dir,
        chapters: chapters.iter().cloned().collect(),
        reports,
        facts,
        broken: Vec::new(),
    };
    checker.check_page(&summary);
    for chapter in &chapters {
        if chapter.is_file() {
            checker.check_page(chapter);
        }
    }
    checker.broken
}

/// The `.md` pages that the text of a SUMMARY.md lists, each once, in order, as
/// normalized paths relative to the book's source folder (a `..` that leaves it kept).
pub(crate) fn chapters(summary: &str) -> Vec<PathBuf> {
    let mut chapters = Vec::new();
    for event in new_cmark_parser(summary, &MarkdownOptions::default()) {
        if let Event::Start(Tag::Link { dest_url, .. }) = event
            && let Some(path) = local_path(&dest_url)
            && path.ends_with(".md")
        {
            let chapter = resolve(Path::new(""), Path::new(""), &path);
            if !chapters.contains(&chapter) {
                chapters.push(chapter);
            }
        }
    }
    chapters
}

/// Collects broken references while walking the pages.
struct Checker {
    /// Paths in messages are shown relative to this directory.
    workspace_root: PathBuf,
    /// `book/src`: the only files mdBook copies into the built book.
    src_dir: PathBuf,
    /// Pages listed in SUMMARY.md: the only pages mdBook renders.
    chapters: HashSet<PathBuf>,
    /// The committed snapshot, which the pages' facts and reports are checked against.
    reports: Reports,
    /// Its facts.
    facts: Facts,
    /// One line per broken reference.
    broken: Vec<String>,
}

impl Checker {
    /// Checks one page of the book; its links resolve from its own directory.
    fn check_page(&mut self, page: &Path) {
        match fs::read_to_string(page) {
            Ok(text) => {
                let page_dir = page.parent().unwrap_or(&self.src_dir).to_path_buf();
                self.check_markdown(&text, page, 1, &page_dir, 0);
            }
            Err(e) => {
                let at = self.show(page);
                self.broken.push(format!("{at}: cannot read the page: {e}"));
            }
        }
    }

    /// Checks markdown `text` that starts at line `first_line` of `file`. Includes resolve
    /// from `file`'s directory; links and images from `link_dir`, the directory of the page
    /// the text ends up in (mdBook pastes included markdown into the page as it is).
    fn check_markdown(
        &mut self,
        text: &str,
        file: &Path,
        first_line: usize,
        link_dir: &Path,
        depth: usize,
    ) {
        let include_dir = file.parent().unwrap_or(&self.src_dir).to_path_buf();
        self.check_includes(text, file, first_line, &include_dir, link_dir, depth);
        self.check_facts(text, file, first_line);

        let mut code_block: Option<(bool, usize, String)> = None;
        // The links the parser is inside of, innermost last.
        let mut links: Vec<String> = Vec::new();
        let parser = new_cmark_parser(text, &MarkdownOptions::default()).into_offset_iter();
        for (event, range) in parser {
            let at = || {
                format!(
                    "{}:{}",
                    self.show(file),
                    first_line + line_at(text, range.start) - 1
                )
            };
            match event {
                Event::Start(Tag::Link { dest_url, .. }) => {
                    let at = at();
                    self.check_link(&dest_url, &at, link_dir);
                    links.push(dest_url.to_string());
                }
                Event::End(TagEnd::Link) => {
                    links.pop();
                }
                Event::Start(Tag::Image { dest_url, .. }) => {
                    let at = at();
                    self.check_image(&dest_url, &at, link_dir);
                    if dest_url.ends_with(".svg")
                        && links.last().map(String::as_str) != Some(&*dest_url)
                    {
                        self.broken.push(format!(
                            "{at}: figure `{dest_url}` does not link to its full-size file: \
                             write [![…]({dest_url})]({dest_url})"
                        ));
                    }
                }
                Event::Start(Tag::HtmlBlock) | Event::InlineHtml(_) => {
                    let html = &text[range.clone()];
                    for (offset, attribute, url) in html_references(html) {
                        let line = first_line + line_at(text, range.start + offset) - 1;
                        let at = format!("{}:{line}", self.show(file));
                        self.check_image(&url, &format!("{at} ({attribute})"), link_dir);
                    }
                }
                Event::Start(Tag::CodeBlock(kind)) => {
                    let ignored = match kind {
                        CodeBlockKind::Fenced(info) => ignored_rust_block(&info),
                        CodeBlockKind::Indented => Some(false),
                    };
                    code_block = ignored.map(|ignored| (ignored, range.start, String::new()));
                }
                Event::Text(body) => {
                    if let Some((_, _, code)) = &mut code_block {
                        code.push_str(&body);
                    }
                }
                Event::End(TagEnd::CodeBlock) => {
                    if let Some((true, start, code)) = code_block.take()
                        && !is_only_includes(&code)
                    {
                        let line = first_line + line_at(text, start) - 1;
                        self.broken.push(format!(
                            "{}:{line}: Rust block marked `ignore` is compiled nowhere: \
                             {{{{#include}}}} it from a crate, let it run, or fence it as ```text",
                            self.show(file)
                        ));
                    }
                }
                _ => {}
            }
        }
    }

    /// Checks every directive of the facts preprocessor in `text` against the committed
    /// snapshot: each fact exists, each condition and expectation is a yes-or-no fact,
    /// each expectation holds, each report file (and its anchor) exists.
    fn check_facts(&mut self, text: &str, file: &Path, first_line: usize) {
        for d in facts::directives(text) {
            let at = format!(
                "{}:{}",
                self.show(file),
                first_line + line_at(text, d.range.start) - 1
            );
            let fact = self.facts.get(d.arg);
            let problem = match (d.kind, fact) {
                ("report", _) => {
                    let (name, anchor) = match d.arg.split_once(':') {
                        Some((name, anchor)) => (name, Some(anchor)),
                        None => (d.arg, None),
                    };
                    let path = self.reports.dir.join(name);
                    match fs::read_to_string(&path) {
                        Err(e) => Some(format!("cannot read {}: {e}", self.show(&path))),
                        Ok(text) if facts::anchored(&text, anchor).is_none() => {
                            Some(format!("{} has no anchor `{}`", self.show(&path), d.arg))
                        }
                        Ok(_) => None,
                    }
                }
                (_, None) => Some("no such fact in reports/facts.json".to_string()),
                ("fact", Some(_)) => None,
                (_, Some(fact)) => match (d.kind, fact.holds()) {
                    (_, None) => Some(format!("is not a yes-or-no fact ({})", fact.show())),
                    ("expect", Some(false)) => Some(
                        "the committed snapshot does not bear this expectation out: the \
                         sentence after it is shown flagged (fix the sentence, or the measurement)"
                            .to_string(),
                    ),
                    _ => None,
                },
            };
            if let Some(problem) = problem {
                self.broken
                    .push(format!("{at}: `{{{{#{} {}}}}}`: {problem}", d.kind, d.arg));
            }
        }
    }

    /// Checks every `{{#include}}`, `{{#rustdoc_include}}` and `{{#playground}}` in
    /// `text`, then the included parts themselves, as mdBook expands them.
    fn check_includes(
        &mut self,
        text: &str,
        file: &Path,
        first_line: usize,
        include_dir: &Path,
        link_dir: &Path,
        depth: usize,
    ) {
        for directive in find_directives(text) {
            let line = first_line + line_at(text, directive.offset) - 1;
            let at = format!("{}:{line}", self.show(file));
            let spec = directive.spec;
            let (path, selection) = parse_include_spec(spec, directive.kind == "playground");
            let target = resolve(include_dir, &self.src_dir, path);
            let contents = match fs::read_to_string(&target) {
                Ok(contents) => contents,
                Err(e) => {
                    let shown = self.show(&target);
                    self.broken
                        .push(format!("{at}: include `{spec}`: cannot read {shown}: {e}"));
                    continue;
                }
            };
            let Some((part, part_first_line)) = self.select(&contents, &selection, &at, spec)
            else {
                continue;
            };
            if depth + 1 >= MAX_INCLUDE_DEPTH {
                self.broken.push(format!(
                    "{at}: include `{spec}`: includes nest too deep (a cycle?)"
                ));
            } else if target.extension().is_some_and(|ext| ext == "md") {
                self.check_markdown(part, &target, part_first_line, link_dir, depth + 1);
            } else {
                self.check_listing_width(part, &target, part_first_line, &at);
                let dir = target.parent().unwrap_or(include_dir).to_path_buf();
                self.check_includes(part, &target, part_first_line, &dir, link_dir, depth + 1);
                if target.extension().is_some_and(|ext| ext == "md") {
                    self.check_facts(part, &target, part_first_line);
                }
            }
        }
    }

    /// Every line of an included listing fits the book's column: at most
    /// [`MAX_LISTING_LINE`] characters. Anchor lines (which mdBook drops) and
    /// rustdoc's hidden lines (`# ...`) do not count.
    fn check_listing_width(&mut self, part: &str, file: &Path, first_line: usize, at: &str) {
        for (i, line) in part.lines().enumerate() {
            let shown = line.trim_end();
            let hidden = shown.trim_start() == "#" || shown.trim_start().starts_with("# ");
            if hidden || shown.contains("ANCHOR:") || shown.contains("ANCHOR_END:") {
                continue;
            }
            let width = shown.chars().count();
            if width > MAX_LISTING_LINE {
                self.broken.push(format!(
                    "{}:{}: listing line of {width} characters, over {MAX_LISTING_LINE}: it is \
                     cut off in the page (included at {at}); wrap it or leave it out of the anchor",
                    self.show(file),
                    first_line + i
                ));
            }
        }
    }

    /// The part of an included file that mdBook pastes in, with its first line number,
    /// or `None` (and a broken reference) when the anchor or range is not in the file.
    fn select<'a>(
        &mut self,
        contents: &'a str,
        selection: &Selection<'_>,
        at: &str,
        spec: &str,
    ) -> Option<(&'a str, usize)> {
        let lines: Vec<&str> = contents.split_inclusive('\n').collect();
        let (start, end) = match *selection {
            Selection::Whole => return Some((contents, 1)),
            Selection::Lines(start, end) => {
                if start >= lines.len() {
                    self.broken.push(format!(
                        "{at}: include `{spec}`: starts at line {} but the file has {} lines",
                        start + 1,
                        lines.len()
                    ));
                    return None;
                }
                (start, end.unwrap_or(lines.len()).clamp(start, lines.len()))
            }
            Selection::Anchor(anchor) => {
                let Some(start) = lines.iter().position(|l| marks(l, "ANCHOR:", anchor)) else {
                    self.broken.push(format!(
                        "{at}: include `{spec}`: no `ANCHOR: {anchor}` in the file"
                    ));
                    return None;
                };
                let Some(len) = lines[start..]
                    .iter()
                    .position(|l| marks(l, "ANCHOR_END:", anchor))
                else {
                    self.broken.push(format!(
                        "{at}: include `{spec}`: no `ANCHOR_END: {anchor}` after `ANCHOR: {anchor}`"
                    ));
                    return None;
                };
                (start + 1, start + len)
            }
        };
        let from: usize = lines[..start].iter().map(|l| l.len()).sum();
        let to: usize = from + lines[start..end].iter().map(|l| l.len()).sum::<usize>();
        Some((&contents[from..to], start + 1))
    }

    /// A relative link must reach a page listed in SUMMARY.md (or, for other files, any
    /// file); external links and `#fragment`s within the page are not checked.
    fn check_link(&mut self, dest: &str, at: &str, link_dir: &Path) {
        let Some(path) = local_path(dest) else { return };
        let target = resolve(link_dir, &self.src_dir, &path);
        let shown = self.show(&target);
        if path.ends_with(".md") {
            if !target.is_file() {
                self.broken
                    .push(format!("{at}: dead link `{dest}`: no page {shown}"));
            } else if !self.chapters.contains(&target) {
                self.broken.push(format!(
                    "{at}: link `{dest}`: {shown} is not listed in SUMMARY.md, so it is not built"
                ));
            }
        } else if path.ends_with(".html") {
            let generated = target.parent() == Some(self.src_dir.as_path())
                && target
                    .file_name()
                    .is_some_and(|name| GENERATED_PAGES.iter().any(|page| name == *page));
            let page = target.with_extension("md");
            if !generated && !self.chapters.contains(&page) && !target.exists() {
                self.broken
                    .push(format!("{at}: dead link `{dest}`: no page {shown}"));
            }
        } else if !target.exists() {
            self.broken
                .push(format!("{at}: dead link `{dest}`: no file {shown}"));
        }
    }

    /// An image must exist, and inside `book/src`: mdBook copies nothing else.
    fn check_image(&mut self, dest: &str, at: &str, link_dir: &Path) {
        let Some(path) = local_path(dest) else { return };
        let target = resolve(link_dir, &self.src_dir, &path);
        let shown = self.show(&target);
        if !target.is_file() {
            self.broken
                .push(format!("{at}: missing image `{dest}`: no file {shown}"));
        } else if !target.starts_with(&self.src_dir) {
            let src = self.show(&self.src_dir);
            self.broken.push(format!(
                "{at}: image `{dest}` is outside {src}, so it is not copied into the built book"
            ));
        }
    }

    /// `path` relative to the workspace root when it is inside it.
    fn show(&self, path: &Path) -> String {
        shown(&self.workspace_root, path)
    }
}

/// One `{{#kind spec}}` directive found in a text.
pub(crate) struct Directive<'a> {
    /// Byte offset of `{{` in the text.
    pub(crate) offset: usize,
    /// `include`, `rustdoc_include` or `playground`.
    pub(crate) kind: &'a str,
    /// `path`, `path:anchor` or `path:start:end` (a slice of the text).
    pub(crate) spec: &'a str,
}

/// Finds the include-like directives the way mdBook's link preprocessor does:
/// `{{#include spec}}` (spaces allowed after `{{`), skipping escaped `\{{#...}}`.
pub(crate) fn find_directives(text: &str) -> Vec<Directive<'_>> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(found_at) = text[from..].find("{{") {
        let offset = from + found_at;
        from = offset + 2;
        if text[..offset].ends_with('\\') {
            continue;
        }
        let rest = text[offset + 2..].trim_start();
        let Some(rest) = rest.strip_prefix('#') else {
            continue;
        };
        let kind_len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let (kind, rest) = rest.split_at(kind_len);
        if !matches!(
            kind,
            "include" | "rustdoc_include" | "playground" | "playpen"
        ) {
            continue;
        }
        if !rest.starts_with(char::is_whitespace) {
            continue;
        }
        let Some(close) = rest.find('}') else {
            continue;
        };
        if !rest[close..].starts_with("}}") {
            continue;
        }
        let Some(spec) = rest[..close].split_whitespace().next() else {
            continue;
        };
        found.push(Directive {
            offset,
            kind: if kind == "playpen" {
                "playground"
            } else {
                kind
            },
            spec,
        });
    }
    found
}

/// Which part of an included file mdBook takes.
#[derive(Debug, PartialEq)]
enum Selection<'a> {
    /// The whole file.
    Whole,
    /// Lines `start..end`, counted from 0 (`end` none: to the end of the file).
    Lines(usize, Option<usize>),
    /// The lines between `ANCHOR: name` and `ANCHOR_END: name`.
    Anchor(&'a str),
}

/// Splits `path:anchor` / `path:start:end` as mdBook does (a playground takes the whole file).
fn parse_include_spec(spec: &str, whole_file: bool) -> (&str, Selection<'_>) {
    let (path, rest) = match spec.split_once(':') {
        Some((path, rest)) if !whole_file => (path, rest),
        _ => return (spec.split(':').next().unwrap_or(spec), Selection::Whole),
    };
    let mut parts = rest.splitn(3, ':');
    let first = parts.next().unwrap_or("");
    let start = match first.parse::<usize>() {
        Ok(line) => Some(line.saturating_sub(1)),
        Err(_) if first.is_empty() => None,
        Err(_) => return (path, Selection::Anchor(first)),
    };
    let end = parts.next().map(str::parse::<usize>);
    let selection = match (start, end) {
        (Some(start), Some(Ok(end))) => Selection::Lines(start, Some(end)),
        (Some(start), Some(Err(_))) => Selection::Lines(start, None),
        (Some(start), None) => Selection::Lines(start, Some(start + 1)),
        (None, Some(Ok(end))) => Selection::Lines(0, Some(end)),
        (None, _) => Selection::Whole,
    };
    (path, selection)
}

/// Whether `line` holds `marker` (`ANCHOR:` or `ANCHOR_END:`) followed by exactly `anchor`.
fn marks(line: &str, marker: &str, anchor: &str) -> bool {
    line.match_indices(marker).any(|(at, _)| {
        let name = line[at + marker.len()..].trim_start();
        let len = name
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(name.len());
        &name[..len] == anchor
    })
}

/// For a fenced block's info string: `None` if rustdoc does not take it for Rust,
/// else whether it is marked `ignore`. Rustdoc takes a block for Rust when it names
/// `rust`, or has no words, or only words rustdoc knows (`no_run`, `ignore`, …).
fn ignored_rust_block(info: &str) -> Option<bool> {
    let words: Vec<&str> = info
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|word| !word.is_empty())
        .collect();
    let is_ignore = |word: &&str| *word == "ignore" || word.starts_with("ignore-");
    let rustdoc_knows = |word: &&str| {
        is_ignore(word)
            || matches!(
                *word,
                "should_panic" | "no_run" | "compile_fail" | "test_harness" | "standalone_crate"
            )
            || word.starts_with("edition")
            || (word.len() == 5 && word.starts_with('E') && word[1..].parse::<u16>().is_ok())
    };
    let is_rust = words.contains(&"rust") || words.iter().all(rustdoc_knows);
    is_rust.then(|| words.iter().any(is_ignore))
}

/// Whether a code block's every non-blank line is an include of a file.
fn is_only_includes(code: &str) -> bool {
    code.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .all(|line| {
            line.ends_with("}}")
                && matches!(&find_directives(line)[..], [directive] if directive.offset == 0)
        })
}

/// `(offset, attribute, url)` of every `<img src>`, `<embed src>` and `<object data>` in
/// an HTML fragment, skipping `<!-- comments -->`.
fn html_references(html: &str) -> Vec<(usize, &'static str, String)> {
    let mut lower = html.to_ascii_lowercase();
    while let Some(open) = lower.find("<!--") {
        let close = lower[open..]
            .find("-->")
            .map_or(lower.len(), |end| open + end + 3);
        lower.replace_range(open..close, &" ".repeat(close - open));
    }
    let mut found = Vec::new();
    for (open, _) in lower.match_indices('<') {
        let tag = &lower[open + 1..];
        let name_len = tag
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(tag.len());
        let attribute = match &tag[..name_len] {
            "img" | "embed" => "src",
            "object" => "data",
            _ => continue,
        };
        let end = tag.find('>').unwrap_or(tag.len());
        let body = &tag[name_len..end];
        let body_at = open + 1 + name_len;
        if let Some((value_at, value_len)) = attribute_value(body, attribute) {
            let from = body_at + value_at;
            found.push((from, attribute, html[from..from + value_len].to_string()));
        }
    }
    found
}

/// Where the value of `attribute` is in a tag's (lowercased) attribute text.
fn attribute_value(body: &str, attribute: &str) -> Option<(usize, usize)> {
    for (at, _) in body.match_indices(attribute) {
        if !body[..at].ends_with(char::is_whitespace) {
            continue;
        }
        let after = &body[at + attribute.len()..];
        let Some(value) = after.trim_start().strip_prefix('=') else {
            continue;
        };
        let value = value.trim_start();
        let value_at = body.len() - value.len();
        return Some(match value.chars().next() {
            Some(quote @ ('"' | '\'')) => {
                let len = value[1..].find(quote).unwrap_or(value.len() - 1);
                (value_at + 1, len)
            }
            _ => {
                let value = value.split(char::is_whitespace).next().unwrap_or("");
                // `<img src=a.png/>`: the `/` closes the tag.
                let value = value.strip_suffix('/').unwrap_or(value);
                (value_at, value.len())
            }
        });
    }
    None
}

/// The local file a link points at, without `#fragment` or `?query` and percent-decoded;
/// `None` for external links (`https:`, `mailto:`, …) and links within the page.
pub(crate) fn local_path(dest: &str) -> Option<String> {
    let dest = dest.trim();
    let scheme_len = dest.find(':').unwrap_or(0);
    let has_scheme = scheme_len > 0
        && dest[..scheme_len]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if has_scheme || dest.starts_with("//") {
        return None;
    }
    let path = dest.split(['#', '?']).next().unwrap_or("");
    (!path.is_empty()).then(|| {
        percent_encoding::percent_decode_str(path)
            .decode_utf8_lossy()
            .into_owned()
    })
}

/// The 1-based line of byte `offset` in `text`.
fn line_at(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny workspace: `book/book.toml`, the given files (paths from the workspace
    /// root), and a `book/src/SUMMARY.md` listing `intro.md` and `other.md`.
    fn workspace(files: &[(&str, &str)]) -> tempfile::TempDir {
        let root = tempfile::tempdir().expect("temp dir");
        let defaults = [
            (
                "book/book.toml",
                "[book]\ntitle = \"t\"\n[build]\nbuild-dir = \"../target/book\"\ncreate-missing = false\n",
            ),
            (
                "book/src/SUMMARY.md",
                "# Summary\n\n[Intro](intro.md)\n- [Other](other.md)\n",
            ),
            ("book/src/intro.md", "# Intro\n"),
            ("book/src/other.md", "# Other\n"),
            (
                "code/listing.rs",
                "fn main() {\n    // ANCHOR: body\n    println!(\"hi\");\n    // ANCHOR_END: body\n}\n",
            ),
            ("book/src/figures/ok.svg", "<svg/>"),
        ];
        for (path, text) in defaults.iter().chain(files) {
            let path = root.path().join(path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        }
        root
    }

    /// The broken references of a book whose intro page is `intro`.
    fn broken(intro: &str) -> Vec<String> {
        broken_with(&[("book/src/intro.md", intro)])
    }

    fn broken_with(files: &[(&str, &str)]) -> Vec<String> {
        let root = workspace(files);
        check(root.path(), &root.path().join("book"))
    }

    #[test]
    fn a_sound_book_has_nothing_broken() {
        let intro = "# Intro\n\
            \n\
            ```rust,ignore\n{{#include ../../code/listing.rs:body}}\n```\n\
            \n\
            ```rust\n{{#include ../../code/listing.rs}}\n```\n\
            \n\
            ```rust\n{{#include ../../code/listing.rs:2:4}}\n```\n\
            \n\
            See [the other page](other.md#top), [the same page](#here), [print](print.html)\n\
            and [the web](https://example.com/x.md).\n\
            \n\
            [![a figure](figures/ok.svg)](figures/ok.svg) <img src=\"figures/ok.svg\">\n\
            \n\
            <object data='./figures/ok.svg'></object>\n";
        assert_eq!(broken(intro), Vec::<String>::new());
    }

    #[test]
    fn a_listing_line_over_the_limit_is_broken() {
        let long = format!("    let x = \"{}\";", "a".repeat(MAX_LISTING_LINE));
        let found = broken_with(&[
            (
                "code/wide.rs",
                &format!("// ANCHOR: body\n{long}\n# {long}\n// ANCHOR_END: body\n"),
            ),
            (
                "book/src/intro.md",
                "```rust,ignore\n{{#include ../../code/wide.rs:body}}\n```\n",
            ),
        ]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("code/wide.rs:2: listing line of 95 characters, over 80"),
            "{found:?}"
        );
    }

    #[test]
    fn a_figure_must_link_to_its_full_size_file() {
        let found = broken(
            "![bare](figures/ok.svg)\n\n[![linked](figures/ok.svg)](figures/ok.svg)\n\n\
             [![elsewhere](figures/ok.svg)](other.md)\n",
        );
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].starts_with("book/src/intro.md:1: figure `figures/ok.svg` does not link"));
        assert!(found[1].starts_with("book/src/intro.md:5: figure"));
    }

    #[test]
    fn a_missing_include_file_is_broken() {
        let found = broken("# Intro\n\n```rust\n{{#include ../../code/gone.rs}}\n```\n");
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].starts_with("book/src/intro.md:4: include `../../code/gone.rs`"));
        assert!(found[0].contains("code/gone.rs"), "{found:?}");
    }

    #[test]
    fn a_missing_anchor_is_broken() {
        let found =
            broken("# Intro\n\n```rust,ignore\n{{#include ../../code/listing.rs:nope}}\n```\n");
        assert_eq!(
            found,
            [
                "book/src/intro.md:4: include `../../code/listing.rs:nope`: no `ANCHOR: nope` in the file"
            ]
        );
    }

    #[test]
    fn an_anchor_without_its_end_is_broken() {
        let found = broken_with(&[
            (
                "code/half.rs",
                "// ANCHOR: start\nfn f() {}\n// ANCHOR_END: other\n",
            ),
            (
                "book/src/intro.md",
                "```rust\n{{#rustdoc_include ../../code/half.rs:start}}\n```\n",
            ),
        ]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("no `ANCHOR_END: start`"), "{found:?}");
    }

    #[test]
    fn an_anchor_must_match_its_whole_name() {
        let found = broken("```rust\n{{#include ../../code/listing.rs:bod}}\n```\n");
        assert_eq!(found.len(), 1, "{found:?}");
    }

    #[test]
    fn a_line_range_past_the_end_is_broken() {
        let found = broken("```rust\n{{#include ../../code/listing.rs:40:50}}\n```\n");
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("starts at line 40 but the file has 5 lines"));
    }

    #[test]
    fn a_dead_link_is_broken() {
        let found = broken("# Intro\n\nSee [there](gone.md#part) and [here](other.md).\n");
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].starts_with("book/src/intro.md:3: dead link `gone.md#part`"));
    }

    #[test]
    fn a_link_to_a_page_missing_from_summary_is_broken() {
        let found = broken_with(&[
            ("book/src/unlisted.md", "# Unlisted\n"),
            ("book/src/intro.md", "[x](unlisted.md)\n"),
        ]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("not listed in SUMMARY.md"), "{found:?}");
    }

    #[test]
    fn a_summary_entry_without_its_page_is_broken() {
        let found = broken_with(&[(
            "book/src/SUMMARY.md",
            "# Summary\n\n[Intro](intro.md)\n- [Later](later.md)\n- [Draft]()\n",
        )]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].starts_with("book/src/SUMMARY.md:4: dead link `later.md`"));
    }

    #[test]
    fn a_missing_image_is_broken() {
        let found = broken(
            "[![fig](figures/gone.svg)](figures/gone.svg)\n\n<img alt=\"x\" src=\"figures/gone.png\" />\n\n\
             <p>\n<object type=\"image/svg+xml\"\n data=\"figures/gone2.svg\"></object>\n</p>\n",
        );
        assert_eq!(found.len(), 4, "{found:?}");
        assert!(found[0].starts_with("book/src/intro.md:1: dead link `figures/gone.svg`"));
        assert!(found[1].starts_with("book/src/intro.md:1: missing image `figures/gone.svg`"));
        assert!(found[2].starts_with("book/src/intro.md:3 (src): missing image"));
        assert!(found[3].starts_with("book/src/intro.md:7 (data): missing image"));
    }

    #[test]
    fn an_image_outside_the_book_sources_is_broken() {
        let found = broken_with(&[
            ("reports/figures/x.svg", "<svg/>"),
            (
                "book/src/intro.md",
                "[![x](../../reports/figures/x.svg)](../../reports/figures/x.svg)\n",
            ),
        ]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].contains("not copied into the built book"),
            "{found:?}"
        );
    }

    #[test]
    fn every_broken_reference_is_reported() {
        let found = broken(
            "{{#include nothing.md}}\n[a](a.md)\n![b](b.png)\n\
             ```rust\n{{#include ../../code/listing.rs:none}}\n```\n",
        );
        assert_eq!(found.len(), 4, "{found:?}");
        let lines: Vec<&str> = found.iter().map(|f| &f[..f.find(": ").unwrap()]).collect();
        assert_eq!(
            lines,
            [
                "book/src/intro.md:1",
                "book/src/intro.md:5",
                "book/src/intro.md:2",
                "book/src/intro.md:3"
            ]
        );
    }

    #[test]
    fn code_and_escaped_directives_are_not_references() {
        let found = broken(
            "`[a](a.md)` and `![b](b.png)`\n\n```text\n[c](c.md) <img src=\"d.png\">\n```\n\n\
             \\{{#include gone.rs}}\n\n<!-- <img src=\"e.png\"> -->\n",
        );
        assert_eq!(found, Vec::<String>::new());
    }

    #[test]
    fn included_markdown_is_checked_where_it_lands() {
        let found = broken_with(&[
            (
                "book/src/parts/table.md",
                "| a |\n|---|\n| [ok](other.md) [dead](gone.md) |\n\n{{#include ../../../code/none.rs}}\n",
            ),
            (
                "book/src/intro.md",
                "# Intro\n\n{{#include parts/table.md}}\n",
            ),
        ]);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found[0].starts_with("book/src/parts/table.md:5: include"),
            "{found:?}"
        );
        assert!(found[1].starts_with("book/src/parts/table.md:3: dead link `gone.md`"));
    }

    #[test]
    fn an_ignored_inline_rust_block_is_broken() {
        let found = broken("# Intro\n\n```rust,ignore\nlet x = not_compiled();\n```\n");
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].starts_with("book/src/intro.md:3: Rust block marked `ignore`"));
        let found = broken("```ignore\nlet x = 1;\n```\n\n```text,ignore\nfree text\n```\n");
        assert_eq!(found.len(), 1, "{found:?}");
    }

    #[test]
    fn rust_blocks_are_recognized_as_rustdoc_does() {
        assert_eq!(ignored_rust_block(""), Some(false));
        assert_eq!(ignored_rust_block("rust"), Some(false));
        assert_eq!(ignored_rust_block("no_run"), Some(false));
        assert_eq!(ignored_rust_block("rust,ignore"), Some(true));
        assert_eq!(ignored_rust_block("ignore"), Some(true));
        assert_eq!(ignored_rust_block("rust ignore-windows"), Some(true));
        assert_eq!(ignored_rust_block("text"), None);
        assert_eq!(ignored_rust_block("toml"), None);
        assert_eq!(ignored_rust_block("console,ignore"), None);
    }

    #[test]
    fn include_specs_are_split_as_mdbook_does() {
        assert_eq!(
            parse_include_spec("a.rs", false),
            ("a.rs", Selection::Whole)
        );
        assert_eq!(
            parse_include_spec("a.rs:x", false),
            ("a.rs", Selection::Anchor("x"))
        );
        assert_eq!(
            parse_include_spec("a.rs:3", false),
            ("a.rs", Selection::Lines(2, Some(3)))
        );
        assert_eq!(
            parse_include_spec("a.rs:3:", false),
            ("a.rs", Selection::Lines(2, None))
        );
        assert_eq!(
            parse_include_spec("a.rs::4", false),
            ("a.rs", Selection::Lines(0, Some(4)))
        );
        assert_eq!(
            parse_include_spec("a.rs:x", true),
            ("a.rs", Selection::Whole)
        );
    }
}

//! The reports a book is built from, and the preprocessor that fills the pages from them.
//!
//! The report bench writes its results as data: tables of numbers, figures, and
//! `facts.json`, the named facts the pages' sentences are built on
//! ([`pipeline_present::fact`]). The sentences themselves are written by hand in the
//! pages, with directives this preprocessor fills in:
//!
//! | directive | becomes |
//! |---|---|
//! | `{{#fact NAME}}` | the fact, as [`Fact::show`] writes it |
//! | `{{#expect NAME}}` at the start of a paragraph or list item | nothing when the fact holds; else a visible ⚠ note before the paragraph, from `snippets/not-here.md` |
//! | `{{#if NAME}}` / `{{#unless NAME}}` at the start of a paragraph | the paragraph, only when the fact holds / does not |
//! | `{{#report FILE}}`, `{{#report FILE:ANCHOR}}` | a file of the reports (a table), or its part between `ANCHOR` markers; in a translated edition its words are translated |
//!
//! `reports.snapshot` is a fact of every build: whether the book shows the committed
//! snapshot (`reports/`) or a run of the reader's own (`target/reports/`).
//!
//! The expectations (`{{#expect}}`) of the committed snapshot must hold: `cargo test`
//! checks that. On another run, a sentence whose expectation fails is shown flagged, so
//! a reader's machine never breaks the tests and never makes the book say what its
//! numbers do not show.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;
use mdbook_preprocessor::book::{Book, BookItem};
use mdbook_preprocessor::{Preprocessor, PreprocessorContext};
use pipeline_present::fact::{Fact, Facts};
use polib::catalog::Catalog;

/// The page, under the book's `src/`, whose paragraph flags a sentence whose
/// expectation fails (translated like every page).
pub const NOT_HERE: &str = "snippets/not-here.md";

/// The fact that says whether the book shows the committed snapshot.
pub const SNAPSHOT_FACT: &str = "reports.snapshot";

/// The reports a book is built from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reports {
    /// The folder: `facts.json`, `machine.md`, `tables/`, `figures/`.
    pub dir: PathBuf,
    /// Whether it is the committed snapshot, `reports/`.
    pub snapshot: bool,
}

impl Reports {
    /// The committed snapshot, `reports/`.
    pub fn snapshot(workspace_root: &Path) -> Reports {
        Reports {
            dir: workspace_root.join("reports"),
            snapshot: true,
        }
    }

    /// Where `cargo bench` writes a reader's own run: `target/reports/`.
    pub fn own_run_dir(workspace_root: &Path) -> PathBuf {
        workspace_root.join("target/reports")
    }

    /// The reports in `dir`: the snapshot when `dir` is `reports/`.
    pub fn at(workspace_root: &Path, dir: &Path) -> Reports {
        let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
            (Ok(a), Ok(b)) => a == b,
            _ => a == b,
        };
        Reports {
            dir: dir.to_path_buf(),
            snapshot: same(dir, &workspace_root.join("reports")),
        }
    }

    /// The facts of these reports, with [`SNAPSHOT_FACT`]; none when there is no
    /// `facts.json`.
    pub fn facts(&self) -> anyhow::Result<Facts> {
        let path = self.dir.join("facts.json");
        let mut facts = if path.is_file() {
            let text = fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            Facts::from_json(&text).with_context(|| format!("cannot parse {}", path.display()))?
        } else {
            Facts::default()
        };
        facts.insert(SNAPSHOT_FACT, Fact::Bool(self.snapshot));
        Ok(facts)
    }
}

/// One directive of a page: `{{#KIND ARG}}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directive<'a> {
    /// `fact`, `expect`, `if`, `unless` or `report`.
    pub kind: &'a str,
    /// The fact's name, or the report's file.
    pub arg: &'a str,
    /// Where it is in the text.
    pub range: std::ops::Range<usize>,
}

/// The kinds of directive this preprocessor fills.
pub const KINDS: [&str; 5] = ["fact", "expect", "if", "unless", "report"];

/// Every directive of [`KINDS`] in `text`, in order.
pub fn directives(text: &str) -> Vec<Directive<'_>> {
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(start) = text[at..].find("{{#").map(|i| i + at) {
        let Some(end) = text[start..].find("}}").map(|i| i + start + 2) else {
            break;
        };
        let inner = text[start + 3..end - 2].trim();
        let (kind, arg) = inner.split_once(char::is_whitespace).unwrap_or((inner, ""));
        if KINDS.contains(&kind) {
            found.push(Directive {
                kind,
                arg: arg.trim(),
                range: start..end,
            });
        }
        at = end;
    }
    found
}

/// The directives of [`KINDS`] in `text`, written out and sorted: what a translation
/// must keep.
pub fn placeholders(text: &str) -> Vec<String> {
    let mut all: Vec<String> = directives(text)
        .iter()
        .map(|d| format!("{{{{#{} {}}}}}", d.kind, d.arg))
        .collect();
    all.sort();
    all
}

/// The part of `text` between `<!-- ANCHOR: name -->` and `<!-- ANCHOR_END: name -->`
/// (the whole text without a name), without any anchor lines.
pub fn anchored<'t>(text: &'t str, anchor: Option<&str>) -> Option<Vec<&'t str>> {
    let is_marker = |line: &str| {
        let line = line.trim();
        line.starts_with("<!-- ANCHOR") && line.ends_with("-->")
    };
    let Some(name) = anchor else {
        return Some(text.lines().filter(|l| !is_marker(l)).collect());
    };
    let start = format!("ANCHOR: {name} ");
    let end = format!("ANCHOR_END: {name} ");
    let mut lines = text.lines();
    lines.by_ref().find(|l| l.contains(&start))?;
    let mut out = Vec::new();
    for line in lines {
        if line.contains(&end) {
            return Some(out);
        }
        if !is_marker(line) {
            out.push(line);
        }
    }
    None
}

/// Whether a piece of a generated file is data rather than words the catalogs
/// translate: code (a name the machine gives itself, a crate), or numbers with
/// their units and signs only ("1.02×", "5.56 KiB", "–"). A piece with words and
/// numbers ("timed out (10.00 s)") is words: its [`template`] is translated.
pub fn is_data(text: &str) -> bool {
    let text = text.trim();
    let code = text.len() > 1 && text.starts_with('`') && text.ends_with('`');
    code || !has_words(&template(text).0)
}

/// The units a number is written with; a piece with only these beside its
/// numbers is data.
const UNITS: [&str; 8] = ["s", "ms", "µs", "ns", "B", "KiB", "MiB", "GiB"];

/// Whether a template holds a word other than a unit.
fn has_words(template: &str) -> bool {
    template
        .split(|c: char| !c.is_alphabetic())
        .any(|word| !word.is_empty() && !UNITS.contains(&word))
}

/// A piece of a generated file with its numbers taken out, as the catalogs hold it:
/// each number ("10.00", "1,000") becomes `{1}`, `{2}`, … in order, and the numbers
/// are given back to be put in again ([`fill_template`]). A digit that follows a
/// letter or `_` belongs to a name ("p50", "x86_64") and stays.
pub fn template(piece: &str) -> (String, Vec<&str>) {
    let mut out = String::with_capacity(piece.len());
    let mut numbers = Vec::new();
    let bytes = piece.as_bytes();
    let mut at = 0;
    let mut prev: Option<char> = None;
    while at < piece.len() {
        let c = piece[at..].chars().next().unwrap_or(' ');
        let starts = c.is_ascii_digit()
            && !prev.is_some_and(|p| p.is_alphanumeric() || p == '_' || p == '.');
        if !starts {
            out.push(c);
            prev = Some(c);
            at += c.len_utf8();
            continue;
        }
        let start = at;
        while at < piece.len() {
            let b = bytes[at];
            let next_is_digit = bytes.get(at + 1).is_some_and(u8::is_ascii_digit);
            if b.is_ascii_digit() || (matches!(b, b'.' | b',') && next_is_digit) {
                at += 1;
            } else {
                break;
            }
        }
        numbers.push(&piece[start..at]);
        out.push_str(&format!("{{{}}}", numbers.len()));
        prev = Some('0');
    }
    (out, numbers)
}

/// A translated template with its numbers put back in; `None` when it does not
/// hold every placeholder once.
pub fn fill_template(template: &str, numbers: &[&str]) -> Option<String> {
    let mut out = template.to_string();
    // Highest first, so that `{1}` never matches the start of `{12}`.
    for (index, number) in numbers.iter().enumerate().rev() {
        let placeholder = format!("{{{}}}", index + 1);
        if out.matches(&placeholder).count() != 1 {
            return None;
        }
        out = out.replace(&placeholder, number);
    }
    Some(out)
}

/// The words of a generated file that a translation translates: every table cell and
/// every line outside a table that is not data ([`is_data`]), as its [`template`],
/// with its 1-based line.
pub fn words(text: &str) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        for piece in pieces(line) {
            if is_data(piece) {
                continue;
            }
            let (word, _) = template(piece);
            if !out.iter().any(|(_, w)| *w == word) {
                out.push((i + 1, word));
            }
        }
    }
    out
}

/// A table's `|---|---:|` line.
fn is_separator(line: &str) -> bool {
    line.starts_with('|') && line.chars().all(|c| matches!(c, '|' | '-' | ':' | ' '))
}

/// The cells of a table row.
fn cells(row: &str) -> Vec<&str> {
    let inner = row.trim().trim_start_matches('|').trim_end_matches('|');
    inner.split('|').map(str::trim).collect()
}

/// `text` (a generated file) with its words translated by `catalog` where it has a
/// finished translation.
pub fn translate_words(text: &str, catalog: &Catalog) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let trimmed = line.trim();
        let translated = if is_separator(trimmed) || trimmed.starts_with("<!--") {
            line.to_string()
        } else if trimmed.starts_with('|') {
            let row: Vec<String> = cells(trimmed)
                .into_iter()
                .map(|cell| translated(cell, catalog))
                .collect();
            format!("| {} |", row.join(" | "))
        } else {
            translated(trimmed, catalog)
        };
        out.push_str(&translated);
        out.push('\n');
    }
    out
}

fn translated(piece: &str, catalog: &Catalog) -> String {
    if is_data(piece) {
        return piece.to_string();
    }
    let (word, numbers) = template(piece);
    crate::i18n::finished(catalog, &word)
        .and_then(|translation| fill_template(translation, &numbers))
        .unwrap_or_else(|| piece.to_string())
}

/// What of a generated file `catalog` leaves in English: each piece with words
/// (as its [`template`]) that has no finished translation, or whose translation
/// lost a placeholder, with its 1-based line.
pub fn untranslated(text: &str, catalog: &Catalog) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        for piece in pieces(line) {
            if is_data(piece) {
                continue;
            }
            let (word, numbers) = template(piece);
            let done = crate::i18n::finished(catalog, &word)
                .and_then(|translation| fill_template(translation, &numbers))
                .is_some();
            if !done && !out.iter().any(|(_, w)| *w == word) {
                out.push((i + 1, word));
            }
        }
    }
    out
}

/// The pieces of a line of a generated file a translation sees: a table row's
/// cells, or the line; none for a comment or a table's separator.
fn pieces(line: &str) -> Vec<&str> {
    let trimmed = line.trim();
    if trimmed.starts_with("<!--") || is_separator(trimmed) {
        Vec::new()
    } else if trimmed.starts_with('|') {
        cells(trimmed)
    } else {
        vec![trimmed]
    }
}

/// The names a fact shows (a pipeline's label, a refusal), in lists, ranges and
/// pairs too: the words a translated edition translates, as a report's.
pub fn names(fact: &Fact) -> Vec<&str> {
    match fact {
        Fact::Name(name) => vec![name.as_str()],
        Fact::List(items) => items.iter().flat_map(names).collect(),
        Fact::Range(a, b) | Fact::Of(a, b) => names(a).into_iter().chain(names(b)).collect(),
        _ => Vec::new(),
    }
}

/// A fact as an edition shows it: with its names translated by `catalog` (as a
/// report's words are), or as the English book shows it.
fn shown(fact: &Fact, catalog: Option<&Catalog>) -> String {
    let Some(catalog) = catalog else {
        return fact.show();
    };
    match fact {
        Fact::Name(name) => translated(name, catalog),
        Fact::List(items) => items
            .iter()
            .map(|item| shown(item, Some(catalog)))
            .collect::<Vec<_>>()
            .join(", "),
        Fact::Range(lo, hi) => {
            let (lo, hi) = (shown(lo, Some(catalog)), shown(hi, Some(catalog)));
            if lo == hi { lo } else { format!("{lo}–{hi}") }
        }
        Fact::Of(what, value) => format!(
            "{} ({})",
            shown(what, Some(catalog)),
            shown(value, Some(catalog))
        ),
        other => other.show(),
    }
}

/// Fills the directives of every chapter from the reports (see the module docs).
pub struct FactsPreprocessor {
    reports: Reports,
    facts: Facts,
    /// The edition's catalog, to translate the generated tables' words.
    catalog: Option<Catalog>,
}

impl FactsPreprocessor {
    /// A preprocessor for `reports`, translating with `catalog` (none for English).
    pub fn new(reports: &Reports, catalog: Option<Catalog>) -> anyhow::Result<Self> {
        Ok(FactsPreprocessor {
            facts: reports.facts()?,
            reports: reports.clone(),
            catalog,
        })
    }

    /// The chapter `text` with its directives filled; `not_here` is the flag shown
    /// before a sentence whose expectation fails.
    pub fn fill(&self, text: &str, not_here: &str) -> anyhow::Result<String> {
        let mut out = String::with_capacity(text.len());
        for block in split_paragraphs(text) {
            out.push_str(&self.fill_block(block, not_here)?);
        }
        Ok(out)
    }

    /// One paragraph (with the blank lines after it); a list, item by item.
    fn fill_block(&self, block: &str, not_here: &str) -> anyhow::Result<String> {
        let items = split_items(block);
        if items.len() > 1 {
            let mut out = String::with_capacity(block.len());
            for item in items {
                out.push_str(&self.fill_one(item, not_here)?);
            }
            return Ok(out);
        }
        self.fill_one(block, not_here)
    }

    /// One paragraph or list item.
    fn fill_one(&self, block: &str, not_here: &str) -> anyhow::Result<String> {
        let mut block = block.to_string();
        // A comment before the paragraph (a note to whoever edits the page) is not part
        // of it.
        let mut lead = block.len() - block.trim_start().len();
        while block[lead..].starts_with("<!--") {
            let Some(end) = block[lead..].find("-->") else {
                break;
            };
            let after = lead + end + 3;
            lead = after + (block[after..].len() - block[after..].trim_start().len());
        }
        let body = &block[lead..];
        let marker_len = list_marker_len(body);
        let first = directives(&body[marker_len..])
            .into_iter()
            .next()
            .filter(|d| d.range.start == 0);
        if let Some(d) = first {
            let holds = self.facts.get(d.arg).and_then(Fact::holds);
            let at = lead + marker_len;
            let cut = at..at + d.range.end + leading_space(&body[marker_len + d.range.end..]);
            match d.kind {
                "if" | "unless" => {
                    let keep = holds.unwrap_or(false) == (d.kind == "if");
                    if !keep {
                        return Ok(String::new());
                    }
                    block.replace_range(cut, "");
                }
                "expect" => {
                    if holds == Some(true) {
                        block.replace_range(cut, "");
                    } else if marker_len == 0 {
                        let flag = format!("> **⚠** {}\n\n", not_here.trim());
                        block.replace_range(cut, "");
                        block.insert_str(lead, &flag);
                    } else {
                        block.replace_range(cut, &format!("**⚠ {}** ", not_here.trim()));
                    }
                }
                _ => {}
            }
        }
        let mut filled = String::with_capacity(block.len());
        let mut rest = 0;
        for d in directives(&block) {
            filled.push_str(&block[rest..d.range.start]);
            match d.kind {
                "fact" => match self.facts.get(d.arg) {
                    Some(fact) => filled.push_str(&shown(fact, self.catalog.as_ref())),
                    None => filled.push_str(pipeline_present::units::MISSING),
                },
                "report" => filled.push_str(&self.report(d.arg)?),
                _ => filled.push_str(&block[d.range.clone()]),
            }
            rest = d.range.end;
        }
        filled.push_str(&block[rest..]);
        Ok(filled)
    }

    /// The text of `{{#report FILE[:ANCHOR]}}`.
    fn report(&self, spec: &str) -> anyhow::Result<String> {
        let (file, anchor) = match spec.split_once(':') {
            Some((file, anchor)) => (file, Some(anchor)),
            None => (spec, None),
        };
        let path = self.reports.dir.join(file);
        let text = fs::read_to_string(&path)
            .with_context(|| format!("cannot read {} (a `{{{{#report}}}}`)", path.display()))?;
        let lines = anchored(&text, anchor)
            .with_context(|| format!("{} has no anchor `{spec}`", path.display()))?;
        let text = lines.join("\n");
        Ok(match &self.catalog {
            Some(catalog) => translate_words(&text, catalog),
            None => text,
        })
    }
}

/// A list cut into its items (each with its continuation lines), or the block whole
/// when it is not a list.
fn split_items(block: &str) -> Vec<&str> {
    if list_marker_len(block) == 0 {
        return vec![block];
    }
    let mut out = Vec::new();
    let mut start = 0;
    let mut offset = 0;
    for line in block.split_inclusive('\n') {
        if offset > start && list_marker_len(line) > 0 {
            out.push(&block[start..offset]);
            start = offset;
        }
        offset += line.len();
    }
    out.push(&block[start..]);
    out
}

/// The length of a list item's marker (`- `, `1. `) at the start of `text`, or 0.
fn list_marker_len(text: &str) -> usize {
    if text.starts_with("- ") || text.starts_with("* ") {
        return 2;
    }
    let digits = text.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && text[digits..].starts_with(". ") {
        return digits + 2;
    }
    0
}

fn leading_space(text: &str) -> usize {
    text.len() - text.trim_start_matches([' ', '\t']).len()
}

/// `text` cut after each run of blank lines: paragraphs, each with the blank lines that
/// end it. Fenced code blocks are kept whole.
fn split_paragraphs(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut in_fence = false;
    let mut previous_blank = false;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        let blank = trimmed.is_empty();
        if !blank && previous_blank && !in_fence && offset > start {
            out.push(&text[start..offset]);
            start = offset;
        }
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            in_fence = !in_fence;
        }
        previous_blank = blank && !in_fence;
        offset += line.len();
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

/// The flag's text: the paragraph of [`NOT_HERE`] in the book at `src`.
fn not_here(src: &Path) -> String {
    let mut text = fs::read_to_string(src.join(NOT_HERE)).unwrap_or_default();
    while let Some(start) = text.find("<!--") {
        let end = text[start..]
            .find("-->")
            .map_or(text.len(), |e| start + e + 3);
        text.replace_range(start..end, "");
    }
    let text: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    if text.is_empty() {
        "These results do not show what this paragraph says.".into()
    } else {
        text.join(" ")
    }
}

impl Preprocessor for FactsPreprocessor {
    fn name(&self) -> &str {
        "pipeline-facts"
    }

    fn run(&self, ctx: &PreprocessorContext, mut book: Book) -> anyhow::Result<Book> {
        let not_here = not_here(&ctx.root.join(&ctx.config.book.src));
        let mut error = None;
        book.for_each_mut(|item| {
            if let BookItem::Chapter(chapter) = item {
                match self.fill(&chapter.content, &not_here) {
                    Ok(text) => chapter.content = text,
                    Err(e) if error.is_none() => error = Some(e),
                    Err(_) => {}
                }
            }
        });
        match error {
            Some(e) => Err(e),
            None => Ok(book),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn preprocessor(
        facts: &[(&str, Fact)],
        files: &[(&str, &str)],
    ) -> (tempfile::TempDir, FactsPreprocessor) {
        let dir = tempfile::tempdir().unwrap();
        let mut all = Facts::default();
        for (name, fact) in facts {
            all.insert(*name, fact.clone());
        }
        fs::write(dir.path().join("facts.json"), all.to_json()).unwrap();
        for (name, text) in files {
            let path = dir.path().join(name);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        }
        let reports = Reports {
            dir: dir.path().to_path_buf(),
            snapshot: false,
        };
        let p = FactsPreprocessor::new(&reports, None).unwrap();
        (dir, p)
    }

    #[test]
    fn facts_are_filled_in_and_failed_expectations_flagged() {
        let (_dir, p) = preprocessor(
            &[
                ("a.p99", Fact::Micros(184)),
                ("a.holds", Fact::Bool(true)),
                ("a.fails", Fact::Bool(false)),
            ],
            &[],
        );
        let page = "# T\n\n{{#expect a.holds}} It takes {{#fact a.p99}}.\n\n\
                    {{#expect a.fails}} It is fast.\n\n- {{#expect a.fails}} Listed.\n";
        let out = p.fill(page, "Not here.").unwrap();
        assert_eq!(
            out,
            "# T\n\nIt takes 184 µs.\n\n> **⚠** Not here.\n\nIt is fast.\n\n\
             - **⚠ Not here.** Listed.\n"
        );
    }

    #[test]
    fn conditions_keep_one_paragraph_of_two() {
        let (_dir, p) = preprocessor(&[("many", Fact::Bool(false))], &[]);
        let page = "{{#if many}} More threads.\n\n{{#unless many}} Fewer threads.\n\nEnd.\n";
        assert_eq!(p.fill(page, "").unwrap(), "Fewer threads.\n\nEnd.\n");
        let page =
            "{{#if reports.snapshot}} The snapshot.\n\n{{#unless reports.snapshot}} Yours.\n";
        assert_eq!(p.fill(page, "").unwrap(), "Yours.\n");
    }

    #[test]
    fn list_items_are_kept_or_dropped_one_by_one() {
        let (_dir, p) = preprocessor(&[("many", Fact::Bool(true)), ("n", Fact::Count(2))], &[]);
        let page =
            "- {{#if many}} Many, {{#fact n}}.\n- {{#unless many}} Few.\n- Always.\n  Still.\n";
        assert_eq!(
            p.fill(page, "").unwrap(),
            "- Many, 2.\n- Always.\n  Still.\n"
        );
    }

    #[test]
    fn a_comment_before_a_paragraph_is_kept_out_of_it() {
        let (_dir, p) = preprocessor(&[("no", Fact::Bool(false))], &[]);
        let page = "<!-- a note\n     on two lines -->\n{{#if no}} Dropped.\n\nKept.\n";
        assert_eq!(p.fill(page, "").unwrap(), "Kept.\n");
        let page = "<!-- a note -->\n{{#unless no}} Kept.\n";
        assert_eq!(p.fill(page, "").unwrap(), "<!-- a note -->\nKept.\n");
    }

    #[test]
    fn a_missing_fact_shows_as_missing_and_counts_as_failing() {
        let (_dir, p) = preprocessor(&[], &[]);
        let out = p
            .fill("{{#expect gone}} Took {{#fact gone}}.\n", "No.")
            .unwrap();
        assert_eq!(out, "> **⚠** No.\n\nTook –.\n");
    }

    #[test]
    fn reports_are_included_by_anchor() {
        let (_dir, p) = preprocessor(
            &[],
            &[(
                "tables/t.md",
                "intro\n<!-- ANCHOR: a -->\n| pipeline | wall |\n|---|---:|\n| x | 1 s |\n<!-- ANCHOR_END: a -->\n",
            )],
        );
        let out = p.fill("{{#report tables/t.md:a}}\n", "").unwrap();
        assert_eq!(out, "| pipeline | wall |\n|---|---:|\n| x | 1 s |\n");
        assert!(p.fill("{{#report tables/none.md}}\n", "").is_err());
    }

    #[test]
    fn words_are_templates_and_numbers_with_units_are_data() {
        let table = "*Time (median of 3 runs):*\n| pipeline | wall |\n|---|---:|\n\
                     | condvar | 1 s |\n| polling (sleep 10 ms) | unclear |\n\
                     | kanal | timed out (10.00 s) |\n| x86_64 | 1,000 | 1.02× | 5.5 KiB |\n";
        let words: Vec<String> = words(table).into_iter().map(|(_, w)| w).collect();
        assert_eq!(
            words,
            [
                "*Time (median of {1} runs):*",
                "pipeline",
                "wall",
                "condvar",
                "polling (sleep {1} ms)",
                "unclear",
                "kanal",
                "timed out ({1} s)",
                "x86_64",
            ]
        );
    }

    #[test]
    fn a_template_takes_its_numbers_back_in_its_translation() {
        let (word, numbers) = template("[1] needs 100005 threads, 32,676 more");
        assert_eq!(word, "[{1}] needs {2} threads, {3} more");
        assert_eq!(numbers, ["1", "100005", "32,676"]);
        assert_eq!(
            fill_template("[{1}] 스레드 {2}개, {3}개 더", &numbers).as_deref(),
            Some("[1] 스레드 100005개, 32,676개 더")
        );
        assert_eq!(
            fill_template("[{1}] 스레드", &numbers),
            None,
            "a lost placeholder"
        );
        assert_eq!(template("p50 of 1.5 ms").0, "p50 of {1} ms");
    }

    #[test]
    fn placeholders_are_sorted_directives() {
        assert_eq!(
            placeholders("{{#fact b}} and {{#expect a}} {{#include x.md}}"),
            ["{{#expect a}}", "{{#fact b}}"]
        );
    }

    #[test]
    fn code_blocks_stay_whole() {
        let text = "a\n\n```\nx\n\ny\n```\n\nb\n";
        assert_eq!(
            split_paragraphs(text),
            ["a\n\n", "```\nx\n\ny\n```\n\n", "b\n"]
        );
    }
}

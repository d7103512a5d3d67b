//! Translated editions of the book, with the gettext workflow of `mdbook-i18n-helpers`.
//!
//! - [`extract`] makes the template `book/po/messages.pot`: every message of the English
//!   book (SUMMARY.md, every chapter, every other page `book/src` includes, the title in
//!   `book.toml`), taken from the sources *before* includes are expanded, so the crates'
//!   code listings never become messages; plus the words of the committed report
//!   files that pages show with `{{#report}}` (table headings, verdicts: every cell and
//!   line that holds no digit, see [`crate::facts::words`]); their numbers are data,
//!   never messages.
//! - [`update_po`] merges the template into `book/po/<lang>.po` as `msgmerge` does:
//!   translations of unchanged messages are kept, a changed message gets the translation
//!   of its closest old message marked fuzzy (with the previous English in a comment),
//!   new messages start empty, messages that are gone are dropped.
//! - [`pending`] lists what is untranslated or fuzzy for the current English text.
//! - [`stage_translation`] writes the translated sources of an edition into
//!   `target/i18n/<lang>/` (pages translated with the catalog; includes of crate code
//!   pointed at the crates),
//!   which `check.rs` checks like the English sources, and [`build_translation`]
//!   builds them into `target/book/<lang>/`, translating the chapter titles of
//!   SUMMARY.md on the way, and filling the facts and report tables
//!   ([`crate::facts`]) with their words translated, and rebuilds its search index for its language
//!   ([`crate::search`]).
//! - [`placeholder_problems`] lists the translations that drop, add or rename a
//!   directive (`{{#fact …}}`, `{{#expect …}}`, …) of their English.

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use crate::paths::{
    absolute, all_files, files_of, markdown_files, normalize, relative, shown, src_dir,
};
use anyhow::{Context, bail};
use mdbook_driver::MDBook;
use mdbook_driver::config::Config;
use mdbook_i18n_helpers::gettext::add_stripped_summary_translations;
use mdbook_i18n_helpers::{extract_events, extract_messages};
use mdbook_i18n_helpers::{translate_events, xgettext::create_catalogs};
use mdbook_preprocessor::book::{Book, BookItem};
use mdbook_preprocessor::{Preprocessor, PreprocessorContext};
use mdbook_renderer::RenderContext;
use polib::catalog::Catalog;
use polib::message::{Message, MessageFlags, MessageMutView, MessageView};
use polib::metadata::CatalogMetadata;
use polib::po_file;

use crate::book_root;
use crate::check::find_directives;
use crate::facts::{self, Reports};

/// The comment of a message that is a word of a report table.
pub const WORD_NOTE: &str =
    "A word of a table the report bench writes (its numbers are data and stay as measured)";

/// The comment line that keeps a fuzzy message's previous English.
const PREVIOUS: &str = "Previous English: ";

/// `book/po/`: the template and one catalog per language.
pub fn po_dir(workspace_root: &Path) -> PathBuf {
    book_root(workspace_root).join("po")
}

/// `book/po/messages.pot`, the template extracted from the English book.
pub fn pot_path(workspace_root: &Path) -> PathBuf {
    po_dir(workspace_root).join("messages.pot")
}

/// `book/po/<lang>.po`, the catalog of one language.
pub fn po_path(workspace_root: &Path, lang: &str) -> PathBuf {
    po_dir(workspace_root).join(format!("{lang}.po"))
}

/// The languages the book is translated into: one per `book/po/<lang>.po`, sorted.
pub fn languages(workspace_root: &Path) -> Vec<String> {
    let Ok(files) = files_of(&po_dir(workspace_root)) else {
        return Vec::new();
    };
    let mut languages: Vec<String> = files
        .iter()
        .filter_map(|path| {
            (path.extension()? == "po").then_some(path.file_stem()?.to_str()?.to_string())
        })
        .collect();
    languages.sort();
    languages
}

/// `target/i18n/<lang>/`: the translated sources of one edition (a book root).
pub fn translation_root(workspace_root: &Path, lang: &str) -> PathBuf {
    workspace_root.join("target/i18n").join(lang)
}

/// Reads a catalog (`.po` or `.pot`).
pub fn read_catalog(path: &Path) -> anyhow::Result<Catalog> {
    po_file::parse(path)
        .map_err(|e| anyhow::anyhow!("{e}"))
        .with_context(|| format!("cannot read the catalog {}", path.display()))
}

/// Whether a message is nothing but `{{#include …}}`-like directives and
/// `{{#report …}}`s (they are expanded, not translated).
fn only_directives(msgid: &str) -> bool {
    let mut rest = msgid.trim();
    while !rest.is_empty() {
        let include_first = find_directives(rest)
            .into_iter()
            .next()
            .is_some_and(|d| d.offset == 0);
        let fact_first = facts::directives(rest)
            .first()
            .is_some_and(|d| d.range.start == 0 && d.kind == "report");
        if !include_first && !fact_first {
            return false;
        }
        let Some(end) = rest.find("}}") else {
            return false;
        };
        rest = rest[end + 2..].trim_start();
    }
    true
}

/// The HTML elements whose text is a message too (mdBook leaves HTML as it is, and
/// `mdbook-i18n-helpers` does not extract it): the pages' `<details>` blocks of speaker
/// notes have a `<summary>`.
const HTML_TEXT_ELEMENTS: [&str; 1] = ["summary"];

/// `(line, byte range)` of the text of every [`HTML_TEXT_ELEMENTS`] element in `text`,
/// outside fenced code blocks.
fn html_texts(text: &str) -> Vec<(usize, std::ops::Range<usize>)> {
    let mut found = Vec::new();
    let mut fenced = false;
    let mut offset = 0;
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fenced = !fenced;
        } else if !fenced {
            for element in HTML_TEXT_ELEMENTS {
                let (open, close) = (format!("<{element}>"), format!("</{element}>"));
                let mut from = 0;
                while let Some(start) = line[from..].find(&open) {
                    let start = from + start + open.len();
                    let Some(end) = line[start..].find(&close) else {
                        break;
                    };
                    let end = start + end;
                    if !line[start..end].trim().is_empty() {
                        found.push((index + 1, offset + start..offset + end));
                    }
                    from = end + close.len();
                }
            }
        }
        offset += line.len();
    }
    found
}

/// Adds `msgid` (in context `msgctxt`) to `catalog`, or appends `source` to it.
fn add(catalog: &mut Catalog, msgctxt: Option<&str>, msgid: &str, source: &str, comment: &str) {
    if msgid.trim().is_empty() || only_directives(msgid) {
        return;
    }
    if let Some(mut existing) = catalog.find_message_mut(msgctxt, msgid, None) {
        let sources = existing.source_mut();
        if !sources.lines().any(|line| line == source) {
            sources.push('\n');
            sources.push_str(source);
        }
        // A word of a table that is also prose of a page is the page's.
        if comment.is_empty() && existing.comments() == WORD_NOTE {
            existing.comments_mut().clear();
        }
        return;
    }
    let mut message = Message::build_singular();
    message
        .with_msgid(msgid.to_string())
        .with_source(source.to_string())
        .with_comments(comment.to_string());
    if let Some(context) = msgctxt {
        message.with_msgctxt(context.to_string());
    }
    catalog.append_or_update(message.done());
}

/// The report files that the book's pages show with `{{#report FILE[:ANCHOR]}}`, each
/// once, in order of appearance, as paths relative to the reports folder.
pub fn report_files(workspace_root: &Path) -> anyhow::Result<Vec<String>> {
    let src = book_src(workspace_root)?;
    let mut found: Vec<String> = Vec::new();
    for page in markdown_files(&src)? {
        let text = fs::read_to_string(&page)?;
        for directive in facts::directives(&text) {
            let file = directive.arg.split(':').next().unwrap_or(directive.arg);
            if directive.kind == "report" && !found.iter().any(|f| f == file) {
                found.push(file.to_string());
            }
        }
    }
    Ok(found)
}

/// The English book's source folder (`book/src`, from `book.toml`).
fn book_src(workspace_root: &Path) -> anyhow::Result<PathBuf> {
    let book_root = normalize(&absolute(&book_root(workspace_root)));
    let config = Config::from_disk(book_root.join("book.toml"))
        .with_context(|| format!("cannot read {}", book_root.join("book.toml").display()))?;
    Ok(src_dir(&book_root, &config))
}

/// Extracts the template of the English book of the workspace at `workspace_root` (see
/// the module docs for what it holds).
pub fn extract(workspace_root: &Path) -> anyhow::Result<Catalog> {
    let workspace_root = normalize(&absolute(workspace_root));
    let root = book_root(&workspace_root);
    let book = MDBook::load(&root)
        .with_context(|| format!("cannot load the book in {}", root.display()))?;
    let src = src_dir(&root, &book.config);
    let title = book.config.book.title.clone();
    let description = book.config.book.description.clone();
    let summary = src.join("SUMMARY.md");
    let summary = fs::read_to_string(&summary)
        .with_context(|| format!("cannot read {}", summary.display()))?;
    let chapters: HashSet<PathBuf> = crate::check::chapters(&summary)
        .iter()
        .map(|chapter| normalize(&src.join(chapter)))
        .collect();
    let context = RenderContext::new(&root, book.book, book.config, root.join("po"));
    let catalogs = create_catalogs(&context, fs::read_to_string)
        .context("cannot extract the messages of the book")?;

    let mut metadata = CatalogMetadata::new();
    metadata.project_id_version = title.clone().unwrap_or_default();
    metadata.mime_version = "1.0".into();
    metadata.content_type = "text/plain; charset=UTF-8".into();
    metadata.content_transfer_encoding = "8bit".into();
    let mut catalog = Catalog::new(metadata);
    // The book's title and description (book.toml) head the catalog.
    for text in [&title, &description].into_iter().flatten() {
        add(&mut catalog, None, text, "book.toml", "");
    }
    let mut parts: Vec<_> = catalogs.into_iter().collect();
    parts.sort_by(|a, b| a.0.cmp(&b.0));
    for (_, part) in parts {
        for message in part.messages() {
            for source in message.source().split_whitespace() {
                add(
                    &mut catalog,
                    None,
                    message.msgid(),
                    source,
                    message.comments(),
                );
            }
        }
    }
    // Pages that are not chapters but are included by them (book/src/snippets/…).
    for file in markdown_files(&src)? {
        if chapters.contains(&file) || file.file_name().is_some_and(|n| n == "SUMMARY.md") {
            continue;
        }
        let text = fs::read_to_string(&file)?;
        let shown = shown(&root, &file);
        let messages = extract_messages(&text)
            .map_err(|e| anyhow::anyhow!("{e}"))
            .with_context(|| format!("cannot extract the messages of {shown}"))?;
        for (line, message) in messages {
            add(
                &mut catalog,
                None,
                &message.message,
                &format!("{shown}:{line}"),
                &message.comment,
            );
        }
    }
    // The text of HTML elements (speaker notes' `<summary>`), in every page.
    for file in markdown_files(&src)? {
        let text = fs::read_to_string(&file)?;
        let shown = shown(&root, &file);
        for (line, range) in html_texts(&text) {
            add(
                &mut catalog,
                None,
                text[range].trim(),
                &format!("{shown}:{line}"),
                "The text of an HTML element",
            );
        }
    }
    // The words of the committed report files the pages show.
    let reports = Reports::snapshot(&workspace_root);
    for file in report_files(&workspace_root)? {
        let path = reports.dir.join(&file);
        let text =
            fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let shown = shown(&workspace_root, &path);
        for (line, word) in facts::words(&text) {
            add(
                &mut catalog,
                None,
                &word,
                &format!("{shown}:{line}"),
                WORD_NOTE,
            );
        }
    }
    // The names the facts show in sentences (a pipeline's label, a refusal).
    let path = reports.dir.join("facts.json");
    let shown_facts = shown(&workspace_root, &path);
    for fact in reports.facts()?.facts.values() {
        for name in facts::names(fact) {
            if !facts::is_data(name) {
                add(
                    &mut catalog,
                    None,
                    &facts::template(name).0,
                    &shown_facts,
                    WORD_NOTE,
                );
            }
        }
    }
    Ok(catalog)
}

/// Extracts the template and writes it to `book/po/messages.pot`; returns how many
/// messages it has.
pub fn write_pot(workspace_root: &Path) -> anyhow::Result<usize> {
    let catalog = extract(workspace_root)?;
    let path = pot_path(workspace_root);
    fs::create_dir_all(po_dir(workspace_root))?;
    po_file::write(&catalog, &path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(catalog.count())
}

/// What [`update_po`] did to a catalog.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Merged {
    /// Messages in the template.
    pub messages: usize,
    /// Messages with a finished translation.
    pub translated: usize,
    /// Messages whose translation must be checked (the English changed).
    pub fuzzy: usize,
    /// Messages with no translation yet.
    pub untranslated: usize,
    /// Old messages no longer in the English text, dropped.
    pub dropped: usize,
}

/// A `msgctxt` as polib gives it (empty: none) turned into an `Option`.
fn context_of(message: &dyn MessageView) -> Option<&str> {
    Some(message.msgctxt()).filter(|context| !context.is_empty())
}

/// Merges `template` into the catalog `old` of language `lang` (see [`update_po`]).
pub fn merge(template: &Catalog, old: &Catalog, lang: &str) -> (Catalog, Merged) {
    let header = format!(
        "Project-Id-Version: {}\nPOT-Creation-Date: \nPO-Revision-Date: \n\
         Language-Team: \nLanguage: {lang}\nMIME-Version: 1.0\n\
         Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n\
         Plural-Forms: nplurals=1; plural=0;\n",
        template.metadata.project_id_version
    );
    let metadata = CatalogMetadata::parse(&header).expect("a valid PO header");
    let mut merged = Catalog::new(metadata);
    let mut stats = Merged::default();
    let mut used = HashSet::new();
    for message in template.messages() {
        if old
            .find_message(context_of(message), message.msgid(), None)
            .is_some()
        {
            used.insert((message.msgctxt().to_string(), message.msgid().to_string()));
        }
    }
    for message in template.messages() {
        let context = context_of(message);
        let mut flags = MessageFlags::new();
        let mut comments = message.comments().to_string();
        let mut msgstr = String::new();
        if let Some(found) = old.find_message(context, message.msgid(), None) {
            msgstr = found.msgstr().unwrap_or_default().to_string();
            if found.is_fuzzy() && !msgstr.is_empty() {
                flags.add_flag("fuzzy");
                if let Some(at) = found.comments().find(PREVIOUS) {
                    push_line(&mut comments, &found.comments()[at..]);
                }
            }
        } else if let Some(closest) = closest(old, message, &used) {
            msgstr = closest.msgstr().unwrap_or_default().to_string();
            flags.add_flag("fuzzy");
            push_line(&mut comments, &format!("{PREVIOUS}{}", closest.msgid()));
        }
        match (msgstr.is_empty(), flags.is_fuzzy()) {
            (true, _) => stats.untranslated += 1,
            (false, true) => stats.fuzzy += 1,
            (false, false) => stats.translated += 1,
        }
        stats.messages += 1;
        let mut built = Message::build_singular();
        built
            .with_msgid(message.msgid().to_string())
            .with_msgstr(msgstr)
            .with_source(message.source().to_string())
            .with_comments(comments)
            .with_flags(flags);
        if let Some(context) = context {
            built.with_msgctxt(context.to_string());
        }
        merged.append_or_update(built.done());
    }
    stats.dropped = old
        .messages()
        .filter(|m| {
            template
                .find_message(context_of(*m), m.msgid(), None)
                .is_none()
        })
        .count();
    (merged, stats)
}

/// Appends `line` to a comment, on its own line.
fn push_line(comments: &mut String, line: &str) {
    if !comments.is_empty() {
        comments.push('\n');
    }
    comments.push_str(line);
}

/// The translated old message closest to `message` (same context, not kept by an exact
/// match), when it is close enough to help: a Sørensen–Dice similarity of its English of
/// at least 0.6.
fn closest<'a>(
    old: &'a Catalog,
    message: &dyn MessageView,
    used: &HashSet<(String, String)>,
) -> Option<&'a dyn MessageView> {
    let mut best: Option<(f64, &dyn MessageView)> = None;
    for candidate in old.messages() {
        if candidate.msgctxt() != message.msgctxt()
            || !candidate.is_translated()
            || used.contains(&(
                candidate.msgctxt().to_string(),
                candidate.msgid().to_string(),
            ))
        {
            continue;
        }
        let (a, b) = (candidate.msgid(), message.msgid());
        let (short, long) = (a.len().min(b.len()), a.len().max(b.len()));
        if short * 2 < long {
            continue;
        }
        let score = strsim::sorensen_dice(a, b);
        if score >= 0.6 && best.is_none_or(|(top, _)| score > top) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, message)| message)
}

/// Extracts the template (writing `book/po/messages.pot`) and merges it into
/// `book/po/<lang>.po`, creating the catalog when the language is new.
pub fn update_po(workspace_root: &Path, lang: &str) -> anyhow::Result<Merged> {
    if lang.is_empty()
        || !lang
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        bail!("`{lang}` is not a language code (like `ko` or `pt-BR`)");
    }
    write_pot(workspace_root)?;
    let template = read_catalog(&pot_path(workspace_root))?;
    let path = po_path(workspace_root, lang);
    let old = match path.exists() {
        true => read_catalog(&path)?,
        false => Catalog::new(CatalogMetadata::new()),
    };
    let (merged, stats) = merge(&template, &old, lang);
    po_file::write(&merged, &path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(stats)
}

/// Why a message of the current English text is not finished in a catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// No translation, or not in the catalog at all (run the update).
    Untranslated,
    /// Translated from an older English text: to be checked.
    Fuzzy,
}

/// A message of the current English text that a catalog has not finished.
#[derive(Debug, Clone)]
pub struct Pending {
    /// Where the message is, `file:line` (the first place).
    pub source: String,
    /// The message's context (`msgctxt`), empty for none.
    pub context: String,
    /// The English.
    pub msgid: String,
    /// Untranslated or fuzzy.
    pub state: State,
}

impl std::fmt::Display for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = match self.state {
            State::Untranslated => "untranslated",
            State::Fuzzy => "fuzzy",
        };
        let context = match self.context.is_empty() {
            true => String::new(),
            false => format!(" [{}]", self.context),
        };
        let first_line = self.msgid.lines().next().unwrap_or("");
        let more = if self.msgid.lines().count() > 1 {
            " …"
        } else {
            ""
        };
        write!(f, "{}: {state}{context}: {first_line}{more}", self.source)
    }
}

/// Every message of the current English text (extracted afresh, not read from
/// `messages.pot`) that `book/po/<lang>.po` lacks, leaves empty or marks fuzzy.
pub fn pending(workspace_root: &Path, lang: &str) -> anyhow::Result<Vec<Pending>> {
    let template = extract(workspace_root)?;
    let catalog = read_catalog(&po_path(workspace_root, lang))?;
    Ok(pending_in(&template, &catalog))
}

/// The messages of `template` that `catalog` has not finished.
pub fn pending_in(template: &Catalog, catalog: &Catalog) -> Vec<Pending> {
    let mut pending = Vec::new();
    for message in template.messages() {
        let found = catalog.find_message(context_of(message), message.msgid(), None);
        let state = match found {
            Some(found) if is_finished(found) => continue,
            Some(found) if found.is_fuzzy() && found.is_translated() => State::Fuzzy,
            _ => State::Untranslated,
        };
        pending.push(Pending {
            source: message.source().lines().next().unwrap_or("").to_string(),
            context: message.msgctxt().to_string(),
            msgid: message.msgid().to_string(),
            state,
        });
    }
    pending
}

/// Every translation in `catalog` whose directives (`{{#fact …}}`, `{{#expect …}}`,
/// `{{#if …}}`, `{{#unless …}}`, `{{#report …}}`) are not those of its English: one line
/// each, `source: what differs`.
pub fn placeholder_problems(catalog: &Catalog) -> Vec<String> {
    let mut problems = Vec::new();
    for message in catalog.messages() {
        let Ok(translation) = message.msgstr() else {
            continue;
        };
        if translation.is_empty() {
            continue;
        }
        let english = facts::placeholders(message.msgid());
        let translated = facts::placeholders(translation);
        if english != translated {
            let missing: Vec<&String> =
                english.iter().filter(|p| !translated.contains(p)).collect();
            let extra: Vec<&String> = translated.iter().filter(|p| !english.contains(p)).collect();
            let source = message.source().lines().next().unwrap_or("").to_string();
            problems.push(format!(
                "{source}: the translation drops {missing:?} and adds {extra:?} (the English: {})",
                message.msgid().lines().next().unwrap_or("")
            ));
        }
    }
    problems
}

/// Translates one page's markdown with `catalog`, the way the `Gettext` preprocessor
/// does; also returns the messages left in English (`line: English`).
///
/// The page is written back with `*` for emphasis where `mdbook-i18n-helpers` writes `_`:
/// Korean puts particles right after a word (`*Effective Python*에는`), and CommonMark
/// does not close `_` emphasis inside a word, so `_…_에는` would show its underscores.
fn translate_page(text: &str, catalog: &Catalog) -> anyhow::Result<(String, Vec<String>)> {
    let events = extract_events(text, None);
    let translated = translate_events(&events, catalog).map_err(|e| anyhow::anyhow!("{e}"))?;
    let events = translated.iter().map(|(_, event)| event);
    let options = pulldown_cmark_to_cmark::Options {
        code_block_token_count: pulldown_cmark_to_cmark::calculate_code_block_token_count(
            events.clone(),
        )
        .unwrap_or(3),
        list_token: '-',
        emphasis_token: '*',
        strong_token: "**",
        ..pulldown_cmark_to_cmark::Options::default()
    };
    let mut markdown = String::new();
    pulldown_cmark_to_cmark::cmark_with_options(events, &mut markdown, options)
        .map_err(|e| anyhow::anyhow!("{e}"))
        .context("a translation's markdown does not fit the English (check the .po file)")?;
    let mut left = Vec::new();
    let mut ranges = html_texts(&markdown);
    ranges.reverse();
    for (_, range) in ranges {
        let english = markdown[range.clone()].trim().to_string();
        match finished(catalog, &english) {
            Some(translated) => markdown.replace_range(range, translated),
            None => left.push(english),
        }
    }
    for english in left.iter_mut() {
        let line = html_texts(text)
            .into_iter()
            .find(|(_, range)| text[range.clone()].trim() == english.as_str())
            .map_or(0, |(line, _)| line);
        *english = format!("{line}: {english}");
    }
    for (line, message) in extract_messages(text).map_err(|e| anyhow::anyhow!("{e}"))? {
        let id = &message.message;
        if only_directives(id) {
            continue;
        }
        if finished(catalog, id).is_none() {
            left.push(format!("{line}: {}", id.lines().next().unwrap_or("")));
        }
    }
    Ok((markdown, left))
}

/// The finished (translated, not fuzzy) translation of `msgid` in `catalog`.
pub(crate) fn finished<'c>(catalog: &'c Catalog, msgid: &str) -> Option<&'c str> {
    catalog
        .find_message(None, msgid, None)
        .filter(|m| is_finished(*m))
        .and_then(|m| m.msgstr().ok())
}

/// Whether a message's translation is finished: translated and not fuzzy.
pub(crate) fn is_finished(message: &dyn MessageView) -> bool {
    message.is_translated() && !message.is_fuzzy()
}

/// What [`stage_translation`] wrote.
#[derive(Debug)]
pub struct Staged {
    /// `target/i18n/<lang>/`, a book root with `book.toml` and `src/`.
    pub root: PathBuf,
    /// Text left in English, one line each (`file:line: English`).
    pub left_in_english: Vec<String>,
}

/// Writes the translated sources of language `lang` into `target/i18n/<lang>/`: every
/// file of `book/src` (figures included, so call [`crate::copy_figures`] first), pages
/// translated with `book/po/<lang>.po`, includes rewritten to reach the same crate files
/// from there, the theme and a `book.toml`.
pub fn stage_translation(workspace_root: &Path, lang: &str) -> anyhow::Result<Staged> {
    let workspace_root = normalize(&absolute(workspace_root));
    let po = po_path(&workspace_root, lang);
    let catalog = read_catalog(&po)?;
    let english_root = normalize(&book_root(&workspace_root));
    let src = book_src(&workspace_root)?;
    let stage = translation_root(&workspace_root, lang);
    for folder in ["src", "theme"] {
        let path = stage.join(folder);
        if path.exists() {
            fs::remove_dir_all(&path)
                .with_context(|| format!("cannot clear {}", path.display()))?;
        }
    }
    let staged_src = stage.join("src");
    let mut stager = Stager {
        src: src.clone(),
        left_in_english: Vec::new(),
    };
    for file in all_files(&src)? {
        let relative = file.strip_prefix(&src).expect("under src").to_path_buf();
        let target = staged_src.join(&relative);
        fs::create_dir_all(target.parent().expect("a parent"))?;
        let is_markdown = file.extension().is_some_and(|ext| ext == "md");
        if !is_markdown {
            fs::copy(&file, &target).with_context(|| format!("cannot copy {}", file.display()))?;
            continue;
        }
        let text = fs::read_to_string(&file)?;
        let shown = shown(&workspace_root, &file);
        let text = if relative == Path::new("SUMMARY.md") {
            // Chapter titles are translated by the Gettext preprocessor at build time.
            text
        } else {
            let (translated, left) = translate_page(&text, &catalog)
                .with_context(|| format!("cannot translate {shown}"))?;
            stager
                .left_in_english
                .extend(left.into_iter().map(|l| format!("{shown}:{l}")));
            translated
        };
        let text = stager.rewrite_includes(&text, file.parent().expect("a parent"), &target)?;
        fs::write(&target, text).with_context(|| format!("cannot write {}", target.display()))?;
    }
    let theme = english_root.join("theme");
    if theme.is_dir() {
        for file in all_files(&theme)? {
            let target = stage.join("theme").join(file.strip_prefix(&theme)?);
            fs::create_dir_all(target.parent().expect("a parent"))?;
            fs::copy(&file, &target)?;
        }
    }
    let config = translated_config(&workspace_root, lang, &catalog)?;
    let title = config.book.title.clone().unwrap_or_default();
    fs::write(
        stage.join("book.toml"),
        format!(
            "# Written by `cargo xtask book` from book/book.toml and book/po/{lang}.po: edit those.\n\
             [book]\ntitle = {title:?}\nlanguage = {lang:?}\nsrc = \"src\"\n\n\
             [build]\nbuild-dir = \"../../book/{lang}\"\ncreate-missing = false\n"
        ),
    )?;
    let mut left_in_english = stager.left_in_english;
    left_in_english.sort();
    left_in_english.dedup();
    Ok(Staged {
        root: stage,
        left_in_english,
    })
}

/// The English book's configuration made into the edition's: title and description
/// translated, `book.language`, and the build folder `target/book/<lang>/`.
fn translated_config(
    workspace_root: &Path,
    lang: &str,
    catalog: &Catalog,
) -> anyhow::Result<Config> {
    let english = book_root(workspace_root).join("book.toml");
    let mut config = Config::from_disk(&english)
        .with_context(|| format!("cannot read {}", english.display()))?;
    let translate = |text: &Option<String>| {
        text.as_deref()
            .map(|text| finished(catalog, text).unwrap_or(text).to_string())
    };
    config.book.title = translate(&config.book.title);
    config.book.description = translate(&config.book.description);
    config.book.language = Some(lang.to_string());
    config.build.build_dir = PathBuf::from("../../book").join(lang);
    Ok(config)
}

/// Rewrites the includes of staged pages.
struct Stager {
    /// The English `book/src`.
    src: PathBuf,
    left_in_english: Vec<String>,
}

impl Stager {
    /// `text` (a page staged at `staged`, from the English folder `english_dir`) with every
    /// include that leaves `book/src` pointed from the staged folder at the same file.
    fn rewrite_includes(
        &mut self,
        text: &str,
        english_dir: &Path,
        staged: &Path,
    ) -> anyhow::Result<String> {
        let staged_dir = staged.parent().expect("a parent").to_path_buf();
        let mut out = text.to_string();
        let mut directives = find_directives(text);
        directives.reverse();
        for directive in directives {
            let spec_at = directive.spec.as_ptr() as usize - text.as_ptr() as usize;
            let path = directive.spec.split(':').next().unwrap_or(directive.spec);
            let target = normalize(&english_dir.join(path));
            if target.starts_with(&self.src) {
                continue;
            }
            let new_path = relative(&staged_dir, &target);
            out.replace_range(spec_at..spec_at + path.len(), &new_path);
        }
        Ok(out)
    }
}

/// Builds the edition in language `lang` from `reports` into `target/book/<lang>/` (or
/// `out/<lang>/`) and
/// returns the path of its `index.html` and the text left in English (see
/// [`stage_translation`]). Call [`crate::copy_figures`] first.
pub fn build_translation(
    workspace_root: &Path,
    lang: &str,
    reports: &Reports,
    out: Option<&Path>,
) -> anyhow::Result<(PathBuf, Vec<String>)> {
    let workspace_root = normalize(&absolute(workspace_root));
    let staged = stage_translation(&workspace_root, lang)?;
    let catalog = read_catalog(&po_path(&workspace_root, lang))?;
    let mut config = translated_config(&workspace_root, lang, &catalog)?;
    if let Some(out) = out {
        config.build.build_dir = absolute(out).join(lang);
    }
    let mut book = MDBook::load_with_config(&staged.root, config)
        .with_context(|| format!("cannot load the {lang} edition"))?;
    book.with_preprocessor(facts::FactsPreprocessor::new(
        reports,
        Some(read_catalog(&po_path(&workspace_root, lang))?),
    )?);
    let mut catalog = catalog;
    add_stripped_summary_translations(&mut catalog);
    book.with_preprocessor(Titles { catalog });
    book.build()
        .with_context(|| format!("cannot build the {lang} edition"))?;
    let built = book.build_dir_for("html");
    // mdBook's index is tokenised for English, which drops every Hangul word.
    crate::search::rewrite_index(&built, &book_root(&workspace_root), lang)
        .with_context(|| format!("cannot make the {lang} edition's search index"))?;
    let index = built.join("index.html");
    let index = index
        .canonicalize()
        .with_context(|| format!("the book was built but {} is missing", index.display()))?;
    Ok((index, staged.left_in_english))
}

/// Translates the chapter and part titles of a staged edition, and the titles of each
/// chapter's parents (the breadcrumbs of its search results) (SUMMARY.md is staged
/// untranslated, as mdBook reads its titles from there), as the `Gettext` preprocessor
/// does. The pages themselves are translated when they are staged: running `Gettext` on
/// them again would write their emphasis back with `_` (see [`translate_page`]).
struct Titles {
    catalog: Catalog,
}

impl Titles {
    /// The finished translation of `title`, or `title`.
    fn translate(&self, title: &str) -> String {
        finished(&self.catalog, title).unwrap_or(title).to_string()
    }
}

impl Preprocessor for Titles {
    fn name(&self) -> &str {
        "i18n-titles"
    }

    fn run(&self, _: &PreprocessorContext, mut book: Book) -> anyhow::Result<Book> {
        book.for_each_mut(|item| match item {
            BookItem::Chapter(chapter) => {
                chapter.name = self.translate(&chapter.name);
                // The search index's breadcrumbs are made of these.
                for parent in &mut chapter.parent_names {
                    *parent = self.translate(parent);
                }
            }
            BookItem::PartTitle(title) => *title = self.translate(title),
            BookItem::Separator => {}
        });
        Ok(book)
    }
}

/// Counts the messages of a catalog by state: (translated, fuzzy, untranslated).
pub fn counts(catalog: &Catalog) -> (usize, usize, usize) {
    let mut counts = (0, 0, 0);
    for message in catalog.messages() {
        match (message.is_translated(), message.is_fuzzy()) {
            (true, false) => counts.0 += 1,
            (true, true) => counts.1 += 1,
            _ => counts.2 += 1,
        }
    }
    counts
}

/// The messages of a catalog by file of their first source, for a short overview.
pub fn by_file(pending: &[Pending]) -> BTreeMap<String, usize> {
    let mut files = BTreeMap::new();
    for item in pending {
        let file = item.source.split(':').next().unwrap_or("").to_string();
        *files.entry(file).or_insert(0) += 1;
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(id: &str, text: &str, fuzzy: bool) -> Message {
        let mut flags = MessageFlags::new();
        if fuzzy {
            flags.add_flag("fuzzy");
        }
        Message::build_singular()
            .with_msgid(id.into())
            .with_msgstr(text.into())
            .with_flags(flags)
            .done()
    }

    fn catalog(messages: Vec<Message>) -> Catalog {
        let mut catalog = Catalog::new(CatalogMetadata::new());
        for m in messages {
            catalog.append_or_update(m);
        }
        catalog
    }

    #[test]
    fn merging_keeps_translations_and_marks_changed_ones_fuzzy() {
        let template = catalog(vec![
            message("The queue is full.", "", false),
            message("A worker polls the queue every 10 ms.", "", false),
            message("Something entirely new here.", "", false),
        ]);
        let old = catalog(vec![
            message("The queue is full.", "큐가 가득 찼다.", false),
            message(
                "A worker polls the queue every 5 ms.",
                "작업자는 5 ms마다 큐를 폴링한다.",
                false,
            ),
            message("Gone from the book.", "사라진 문장.", false),
        ]);
        let (merged, stats) = merge(&template, &old, "ko");
        assert_eq!(
            stats,
            Merged {
                messages: 3,
                translated: 1,
                fuzzy: 1,
                untranslated: 1,
                dropped: 2
            }
        );
        let kept = merged
            .find_message(None, "The queue is full.", None)
            .unwrap();
        assert_eq!(kept.msgstr().unwrap(), "큐가 가득 찼다.");
        assert!(!kept.is_fuzzy());
        let changed = merged
            .find_message(None, "A worker polls the queue every 10 ms.", None)
            .unwrap();
        assert!(changed.is_fuzzy());
        assert_eq!(
            changed.msgstr().unwrap(),
            "작업자는 5 ms마다 큐를 폴링한다."
        );
        assert!(changed.comments().contains("every 5 ms"));
        assert_eq!(merged.metadata.language, "ko");

        let pending = pending_in(&template, &merged);
        let states: Vec<_> = pending.iter().map(|p| p.state).collect();
        assert_eq!(states, [State::Fuzzy, State::Untranslated]);

        // A second merge keeps the fuzzy mark and the previous English.
        let (again, _) = merge(&template, &merged, "ko");
        let still = again
            .find_message(None, "A worker polls the queue every 10 ms.", None)
            .unwrap();
        assert!(still.is_fuzzy());
        assert!(still.comments().contains("every 5 ms"));
    }

    #[test]
    fn summaries_of_details_are_messages() {
        let text = "<details>\n<summary>Speaker notes</summary>\n\n- a\n</details>\n\n\
                    ```html\n<summary>Code</summary>\n```\n";
        let found: Vec<_> = html_texts(text)
            .into_iter()
            .map(|(line, range)| (line, &text[range]))
            .collect();
        assert_eq!(found, [(2, "Speaker notes")]);
        let catalog = catalog(vec![
            message("Speaker notes", "진행자 노트", false),
            message("a", "가", false),
        ]);
        let (page, left) = translate_page(text, &catalog).unwrap();
        assert!(page.contains("<summary>진행자 노트</summary>"), "{page}");
        assert!(left.is_empty(), "{left:?}");
        let (_, left) = translate_page(text, &Catalog::new(CatalogMetadata::new())).unwrap();
        assert_eq!(left, ["2: Speaker notes", "4: a"]);
    }

    #[test]
    fn emphasis_is_written_with_stars() {
        let catalog = catalog(vec![message(
            "This is _spinning_.",
            "이것이 *스핀*이다.",
            false,
        )]);
        let (page, _) = translate_page("This is *spinning*.\n", &catalog).unwrap();
        assert_eq!(page.trim(), "이것이 *스핀*이다.");
    }

    #[test]
    fn directive_only_messages_are_not_messages() {
        assert!(only_directives("{{#include ../../reports/tables/book.md}}"));
        assert!(only_directives("{{#include a.md}} {{#include b.md:x}}"));
        assert!(!only_directives("See {{#include a.md}}"));
        assert!(!only_directives("Plain text."));
    }
}

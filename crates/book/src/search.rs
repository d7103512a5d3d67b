//! Search in every edition, not only the English one.
//!
//! mdBook builds one search index per edition (`searchindex.js`, read by its
//! `searcher.js` through elasticlunr) and tokenises it for English whatever the
//! book's language: text is split at spaces and hyphens, then every token goes
//! through elasticlunr's English pipeline, whose first step (the *trimmer*) cuts
//! everything that is not `[0-9A-Za-z_]` from both ends of a token. A Hangul word is
//! nothing but such characters, so it is trimmed to nothing and dropped: the Korean
//! index holds only the English words of the Korean pages (code, crate names), and
//! the query `큐` is trimmed to nothing in the browser the same way. Korean also
//! attaches particles to nouns (`큐를`, `큐에`, `큐가`), so even an index that kept
//! Hangul words would not find `큐` in `큐를` by whole words.
//!
//! So every translated edition's index is rebuilt ([`rewrite_index`]) from the texts
//! mdBook stored in it, with the tokeniser of [`words`]: a token is a run of letters,
//! digits and `_`, split where Hangul meets another script (`Condvar를` is `condvar`
//! and `를`), lowercased; a Hangul word loses one particle from the end
//! ([`PARTICLES`], longest first, a syllable at least left), and a word of another
//! script goes through the English pipeline as before (stop words, stemmer). The
//! query side does the same: the index script of such an edition starts with
//! `book/theme/search-words.js`, which replaces elasticlunr's tokenizer with the same
//! rules (taking the particles from the index itself, so the two lists cannot
//! drift), and the index has an empty pipeline since the tokenizer did its work.
//! mdBook searches with prefix expansion, so `큐` also finds the words that start
//! with it.
//!
//! [`search`] runs the query the way elasticlunr does (the same tokens, AND over the
//! words, prefix expansion, over every field), for tests that need no browser.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use elasticlunr::lang::English;
use elasticlunr::pipeline::{Pipeline, PipelineFn};
use elasticlunr::{IndexBuilder, Language};
use serde_json::Value;

/// The theme script that gives elasticlunr the tokenizer of [`words`] in the browser,
/// relative to `book/`.
pub const WORDS_SCRIPT: &str = "theme/search-words.js";

/// The index script's start and end, as mdBook writes it.
const SCRIPT_START: &str = "window.search = Object.assign(window.search, JSON.parse('";
const SCRIPT_END: &str = "'));";

/// How the search box of a translated edition says what it found, in place of
/// mdBook's English "N search results for 'x':" (its theme has no way to translate
/// it): `search-words.js` rewrites the header with these, filling in `{count}` and
/// `{term}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResultWords {
    /// The edition's language, as in `book/po/<language>.po`.
    pub language: &'static str,
    /// Nothing found.
    pub none: &'static str,
    /// One result.
    pub one: &'static str,
    /// More than one.
    pub many: &'static str,
}

/// [`ResultWords`] for every translated edition (a test holds every `book/po/*.po` to
/// having its entry).
pub const RESULT_WORDS: &[ResultWords] = &[ResultWords {
    language: "ko",
    none: "‘{term}’에 대한 검색 결과가 없습니다.",
    one: "‘{term}’에 대한 검색 결과 {count}개:",
    many: "‘{term}’에 대한 검색 결과 {count}개:",
}];

/// The [`ResultWords`] of `language`, if it has them.
pub fn result_words(language: &str) -> Option<&'static ResultWords> {
    RESULT_WORDS.iter().find(|w| w.language == language)
}

/// Korean particles (and the copula) that follow a noun in the same word, longest
/// first: [`words`] removes one of them from the end of a Hangul word.
pub const PARTICLES: &[&str] = &[
    "에서부터",
    "으로부터",
    "에서는",
    "에서도",
    "에서의",
    "에게서",
    "에게는",
    "으로는",
    "으로도",
    "으로서",
    "으로써",
    "이라는",
    "이라고",
    "까지는",
    "까지도",
    "부터는",
    "보다는",
    "처럼",
    "에서",
    "에게",
    "한테",
    "으로",
    "로서",
    "로써",
    "로는",
    "로도",
    "까지",
    "부터",
    "보다",
    "마다",
    "만큼",
    "이나",
    "이란",
    "이라",
    "이다",
    "이며",
    "이고",
    "라는",
    "라고",
    "에는",
    "에도",
    "에의",
    "와는",
    "과는",
    "와도",
    "과도",
    "은",
    "는",
    "이",
    "가",
    "을",
    "를",
    "에",
    "의",
    "로",
    "와",
    "과",
    "도",
    "만",
    "란",
];

/// Whether `c` is Hangul (syllables and jamo), as `search-words.js` tests it.
pub fn is_hangul(c: char) -> bool {
    matches!(c,
        '\u{1100}'..='\u{11FF}' | '\u{3130}'..='\u{318F}' | '\u{A960}'..='\u{A97F}'
        | '\u{AC00}'..='\u{D7FF}')
}

/// Whether `c` belongs to a word: a letter, a digit or `_` (as `\p{Alphabetic}`,
/// `\p{N}` and `_` in `search-words.js`).
fn is_word_char(c: char) -> bool {
    c.is_alphabetic() || c.is_numeric() || c == '_'
}

/// `word` (a lowercased Hangul word) without its particle, if it has one and keeps
/// a syllable, unless it is a particle itself.
pub fn strip_particle(word: &str) -> &str {
    // A particle on its own (`으로` after `sync_channel(0)`) stays whole.
    if PARTICLES.contains(&word) {
        return word;
    }
    for particle in PARTICLES {
        if let Some(stem) = word.strip_suffix(particle)
            && !stem.is_empty()
        {
            return stem;
        }
    }
    word
}

/// The words of `text` before any pipeline: runs of word characters, split where
/// Hangul meets another script, lowercased, Hangul words without their particle.
pub fn raw_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    for run in text
        .split(|c: char| !is_word_char(c))
        .filter(|s| !s.is_empty())
    {
        let mut start = 0;
        let mut chars = run.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            let next = chars.peek().map(|&(_, n)| n);
            if next.is_none_or(|n| is_hangul(n) != is_hangul(c)) {
                let end = i + c.len_utf8();
                let word = run[start..end].to_lowercase();
                let word = if is_hangul(c) {
                    strip_particle(&word).to_string()
                } else {
                    word
                };
                words.push(word);
                start = end;
            }
        }
    }
    words
}

/// The tokens of `text` in a translated edition's index and queries: [`raw_words`],
/// with every word that is not Hangul through elasticlunr's English pipeline
/// (dropped if it is a stop word, else stemmed), as `search-words.js` does in the
/// browser.
pub fn words(text: &str) -> Vec<String> {
    thread_local! {
        static ENGLISH: Pipeline = English::new().make_pipeline();
    }
    ENGLISH.with(|english| {
        raw_words(text)
            .into_iter()
            .filter_map(|word| {
                if word.chars().any(is_hangul) {
                    Some(word)
                } else {
                    english.run(vec![word]).pop()
                }
            })
            .collect()
    })
}

/// The language of a translated edition's index: [`words`] as its tokenizer, and no
/// pipeline (the tokenizer did it all).
struct Words;

impl Language for Words {
    fn name(&self) -> String {
        "Words".into()
    }
    fn code(&self) -> String {
        "words".into()
    }
    fn tokenize(&self, text: &str) -> Vec<String> {
        words(text)
    }
    fn make_pipeline(&self) -> Pipeline {
        Pipeline {
            queue: Vec::<Box<dyn PipelineFn>>::new(),
        }
    }
}

/// The index script of the edition built in `dir` (`searchindex.js`; mdBook may give
/// it a hashed name, `searchindex-<hash>.js`).
pub fn index_script(dir: &Path) -> anyhow::Result<PathBuf> {
    let plain = dir.join("searchindex.js");
    if plain.is_file() {
        return Ok(plain);
    }
    for entry in fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with("searchindex-") && name.ends_with(".js") {
            return Ok(path);
        }
    }
    bail!("{} has no searchindex.js", dir.display())
}

/// The JSON that an index script holds (see [`rewrite_index`]).
pub fn read_index(script: &Path) -> anyhow::Result<Value> {
    let text =
        fs::read_to_string(script).with_context(|| format!("cannot read {}", script.display()))?;
    let start = text
        .find(SCRIPT_START)
        .with_context(|| format!("{} is not mdBook's index script", script.display()))?;
    let end = text
        .rfind(SCRIPT_END)
        .filter(|&end| end >= start + SCRIPT_START.len())
        .with_context(|| format!("{} is not mdBook's index script", script.display()))?;
    let quoted = &text[start + SCRIPT_START.len()..end];
    // mdBook escaped `\` as `\\` and `'` as `\'` to put the JSON in a '…' string.
    let mut json = String::with_capacity(quoted.len());
    let mut chars = quoted.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            json.extend(chars.next());
        } else {
            json.push(c);
        }
    }
    serde_json::from_str(&json).with_context(|| format!("cannot parse {}", script.display()))
}

/// Rebuilds the search index of the edition built in `dir` with the tokenizer of
/// [`words`] and puts `search-words.js` (from `book_root`) in front of it, so that
/// the browser tokenises queries the same way; the search box reports its results
/// in `language`'s [`ResultWords`]. The documents, their URLs and the search options
/// stay as mdBook made them.
pub fn rewrite_index(dir: &Path, book_root: &Path, language: &str) -> anyhow::Result<()> {
    let results = result_words(language).with_context(|| {
        format!("the `{language}` edition has no search result words in RESULT_WORDS (crates/book/src/search.rs)")
    })?;
    let script = index_script(dir)?;
    let mut config = read_index(&script)?;
    let docs = config
        .pointer("/index/documentStore/docs")
        .and_then(Value::as_object)
        .with_context(|| format!("{} has no stored documents", script.display()))?;
    let mut by_ref: Vec<(usize, &serde_json::Map<String, Value>)> = Vec::new();
    for (doc_ref, doc) in docs {
        let number = doc_ref
            .parse()
            .with_context(|| format!("a document ref `{doc_ref}` in {}", script.display()))?;
        by_ref.push((number, doc.as_object().context("a document")?));
    }
    by_ref.sort_by_key(|(number, _)| *number);
    const FIELDS: [&str; 3] = ["title", "body", "breadcrumbs"];
    let mut index = IndexBuilder::with_language(Box::new(Words))
        .add_fields(FIELDS)
        .build();
    for (number, doc) in by_ref {
        let field = |name: &str| doc.get(name).and_then(Value::as_str).unwrap_or("");
        index.add_doc(&number.to_string(), FIELDS.map(field));
    }
    config["index"] = serde_json::to_value(&index)?;
    config["words"] = serde_json::json!({
        "particles": PARTICLES,
        "results": { "none": results.none, "one": results.one, "many": results.many },
    });
    let json = serde_json::to_string(&config)?;
    let words_script = book_root.join(WORDS_SCRIPT);
    let tokenizer = fs::read_to_string(&words_script)
        .with_context(|| format!("cannot read {}", words_script.display()))?;
    let text = format!(
        "{tokenizer}\n{SCRIPT_START}{}{SCRIPT_END}",
        json.replace('\\', "\\\\").replace('\'', "\\'")
    );
    fs::write(&script, text).with_context(|| format!("cannot write {}", script.display()))
}

/// One result of [`search`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hit {
    /// The page, relative to the edition's root (`polling/queue.html`).
    pub page: String,
    /// The section's anchor, empty for the top of the page.
    pub anchor: String,
}

/// The sections of the index `config` (as [`read_index`] returns it) that the query
/// finds, as mdBook's searcher asks elasticlunr: the query's tokens (the index's own
/// tokenizer: [`words`] for a rewritten index, else English), every one of them
/// (AND) in some field, each matching every indexed word that starts with it.
pub fn search(config: &Value, query: &str) -> Vec<Hit> {
    let tokens = if config.get("words").is_some() {
        words(query)
    } else {
        let english = English::new();
        english.make_pipeline().run(english.tokenize(query))
    };
    if tokens.is_empty() {
        return Vec::new();
    }
    let fields = config
        .pointer("/index/index")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut found: Option<BTreeSet<String>> = None;
    for token in &tokens {
        let mut docs = BTreeSet::new();
        for field in fields.values() {
            let mut node = &field["root"];
            for c in token.chars() {
                node = &node[c.to_string().as_str()];
            }
            collect_docs(node, &mut docs);
        }
        found = Some(match found {
            None => docs,
            Some(before) => before.intersection(&docs).cloned().collect(),
        });
    }
    let urls = config["doc_urls"].as_array().cloned().unwrap_or_default();
    let mut hits: Vec<Hit> = found
        .unwrap_or_default()
        .into_iter()
        .filter_map(|doc_ref| {
            let url = urls.get(doc_ref.parse::<usize>().ok()?)?.as_str()?;
            let (page, anchor) = url.split_once('#').unwrap_or((url, ""));
            Some(Hit {
                page: page.to_string(),
                anchor: anchor.to_string(),
            })
        })
        .collect();
    hits.sort();
    hits
}

/// Every document under a node of an index's tree of words.
fn collect_docs(node: &Value, docs: &mut BTreeSet<String>) {
    let Some(node) = node.as_object() else {
        return;
    };
    for (key, value) in node {
        match key.as_str() {
            "docs" => docs.extend(
                value
                    .as_object()
                    .into_iter()
                    .flat_map(|d| d.keys().cloned()),
            ),
            "df" => {}
            _ => collect_docs(value, docs),
        }
    }
}

/// The pages of the index `config` whose stored text (title, body or breadcrumbs)
/// has a word that starts with `term`, found without the tokenizer: the text is
/// searched for `term` after a character that is not a letter or digit.
pub fn pages_containing(config: &Value, term: &str) -> BTreeSet<String> {
    let term = term.to_lowercase();
    let mut pages = BTreeSet::new();
    let urls = config["doc_urls"].as_array().cloned().unwrap_or_default();
    let docs = config
        .pointer("/index/documentStore/docs")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (doc_ref, doc) in docs {
        let text: String = ["title", "body", "breadcrumbs"]
            .iter()
            .filter_map(|f| doc.get(*f).and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
        // A word starts after a character that is no word character, or of the other
        // script (Hangul or not), as [`raw_words`] splits them.
        let hangul = term.chars().next().is_some_and(is_hangul);
        let starts_a_word = text.match_indices(&term).any(|(at, _)| {
            text[..at]
                .chars()
                .next_back()
                .is_none_or(|c| !is_word_char(c) || is_hangul(c) != hangul)
        });
        let url = doc_ref
            .parse::<usize>()
            .ok()
            .and_then(|n| urls.get(n))
            .and_then(Value::as_str);
        if let Some(url) = url.filter(|_| starts_a_word) {
            pages.insert(url.split('#').next().unwrap_or(url).to_string());
        }
    }
    pages
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_translated_edition_says_what_its_search_found_in_its_language() {
        let root = crate::workspace_root();
        let languages = crate::i18n::languages(&root);
        assert!(!languages.is_empty(), "no book/po/*.po found");
        for language in languages {
            let words = result_words(&language)
                .unwrap_or_else(|| panic!("no RESULT_WORDS entry for `{language}`"));
            for text in [words.none, words.one, words.many] {
                assert!(
                    text.contains("{term}"),
                    "{language}: `{text}` has no {{term}}"
                );
                assert!(
                    !text.contains("search result"),
                    "{language}: `{text}` is English"
                );
            }
            assert!(words.many.contains("{count}") && words.one.contains("{count}"));
        }
    }

    #[test]
    fn particles_come_off_hangul_words() {
        assert_eq!(raw_words("큐를 큐에 큐가 큐"), ["큐", "큐", "큐", "큐"]);
        assert_eq!(raw_words("백프레셔를 걸면"), ["백프레셔", "걸면"]);
        assert_eq!(raw_words("이"), ["이"], "a particle alone stays");
        assert_eq!(raw_words("작업자에서는"), ["작업자"]);
    }

    #[test]
    fn scripts_are_split_and_english_is_stemmed() {
        assert_eq!(
            raw_words("Condvar를 sync_channel(0)으로"),
            ["condvar", "를", "sync_channel", "0", "으로"]
        );
        assert_eq!(words("the queues 큐를"), ["queue", "큐"]);
        assert_eq!(words("download→resize"), ["download", "resiz"]);
    }

    #[test]
    fn a_rewritten_index_finds_hangul_words_and_their_prefixes() {
        let dir = tempfile::tempdir().unwrap();
        let book = tempfile::tempdir().unwrap();
        fs::create_dir_all(book.path().join("theme")).unwrap();
        fs::write(book.path().join(WORDS_SCRIPT), "// tokenizer\n").unwrap();
        let docs = serde_json::json!({
            "0": {"id": "0", "title": "큐", "body": "작업자가 큐를 폴링한다.", "breadcrumbs": "소개"},
            "1": {"id": "1", "title": "백프레셔", "body": "유한 큐에서 백프레셔가 생긴다 (backpressure).", "breadcrumbs": "백프레셔 » 측정"},
        });
        let config = serde_json::json!({
            "doc_urls": ["a.html", "b.html#x"],
            "index": {"documentStore": {"docs": docs}},
            "search_options": {},
        });
        let json = serde_json::to_string(&config).unwrap();
        fs::write(
            dir.path().join("searchindex.js"),
            format!("{SCRIPT_START}{}{SCRIPT_END}", json.replace('\'', "\\'")),
        )
        .unwrap();
        rewrite_index(dir.path(), book.path(), "ko").unwrap();
        let script = fs::read_to_string(dir.path().join("searchindex.js")).unwrap();
        assert!(script.starts_with("// tokenizer\n"));
        let index = read_index(&dir.path().join("searchindex.js")).unwrap();
        let pages =
            |query| -> Vec<String> { search(&index, query).into_iter().map(|h| h.page).collect() };
        assert_eq!(pages("큐"), ["a.html", "b.html"]);
        assert_eq!(pages("백프레셔"), ["b.html"]);
        assert_eq!(pages("폴링"), ["a.html"]);
        assert_eq!(pages("backpressure"), ["b.html"]);
        assert_eq!(pages("큐 백프레셔"), ["b.html"]);
        assert!(pages("없는말").is_empty());
        assert_eq!(
            pages_containing(&index, "큐"),
            BTreeSet::from(["a.html".to_string(), "b.html".to_string()])
        );
    }
}

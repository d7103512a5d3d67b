//! Search works in every edition: the built Korean index finds the book's own terms,
//! particles and all, by the same matching the browser's search does (elasticlunr's,
//! rebuilt in `pipeline_book::search`); the browser test (crates/browser) asks
//! Chromium the same questions.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use pipeline_book::search;
use serde_json::Value;

/// Every edition's language and built search index, built once for the tests here
/// (a second build would clear `target/book-search/` under the other test).
fn indexes() -> &'static [(String, Value)] {
    static BUILT: OnceLock<Vec<(String, Value)>> = OnceLock::new();
    BUILT.get_or_init(|| {
        let root = pipeline_book::workspace_root();
        let out = root.join("target/book-search");
        let snapshot = pipeline_book::Reports::snapshot(&root);
        let editions = pipeline_book::build_books_into(&root, &snapshot, Some(&out))
            .unwrap_or_else(|e| panic!("{e:#}"));
        editions
            .iter()
            .map(|edition| {
                let dir = edition.index.parent().unwrap();
                let script = search::index_script(dir).unwrap();
                (
                    edition.language.clone(),
                    search::read_index(&script).unwrap(),
                )
            })
            .collect()
    })
}

/// Korean queries and the glossary's term each comes from (`book/po/GLOSSARY.md`).
const KOREAN: [(&str, &str); 7] = [
    ("큐", "queue"),
    ("백프레셔", "backpressure"),
    ("폴링", "poll"),
    ("작업자", "worker"),
    ("랑데부", "rendezvous"),
    ("팬아웃", "fan-out, fan out"),
    ("센티널", "sentinel"),
];

#[test]
fn korean_queries_find_the_pages_that_contain_them() {
    let root = pipeline_book::workspace_root();
    let glossary = std::fs::read_to_string(pipeline_book::glossary_path(&root, "ko")).unwrap();
    let (_, index) = indexes()
        .iter()
        .find(|(lang, _)| lang == "ko")
        .expect("a Korean edition");
    for (query, english) in KOREAN {
        assert!(
            glossary.contains(&format!("| {english} | {query} |")),
            "`{query}` is not the glossary's word for `{english}`"
        );
        let expected = search::pages_containing(index, query);
        assert!(expected.len() >= 2, "only {expected:?} contain `{query}`");
        let found: BTreeSet<String> = search::search(index, query)
            .into_iter()
            .map(|hit| hit.page)
            .collect();
        assert_eq!(
            found, expected,
            "the Korean search for `{query}` finds other pages than those that contain it"
        );
    }
    // A particle in the query is no obstacle either, and English words in Korean
    // pages are still found by their stem.
    assert_eq!(
        search::search(index, "큐를"),
        search::search(index, "큐"),
        "`큐를` and `큐` find different sections"
    );
    assert!(!search::search(index, "channels").is_empty());
}

#[test]
fn every_edition_finds_its_pages_by_their_titles() {
    for (language, index) in indexes() {
        let urls = index["doc_urls"].as_array().unwrap();
        let docs = &index["index"]["documentStore"]["docs"];
        let mut seen = BTreeSet::new();
        let mut missed = Vec::new();
        for (doc_ref, url) in urls.iter().enumerate() {
            let page = url.as_str().unwrap().split('#').next().unwrap();
            // A page's first section is the one under its title.
            if !seen.insert(page) {
                continue;
            }
            let title = docs[doc_ref.to_string()]["title"].as_str().unwrap_or("");
            if !search::search(index, title).iter().any(|h| h.page == page) {
                missed.push(format!("{page}: `{title}`"));
            }
        }
        assert!(
            missed.is_empty(),
            "the `{}` edition's search does not find these pages by their titles:\n{}",
            language,
            missed.join("\n")
        );
    }
}

/// A Korean search result's breadcrumbs (the chapters above its section) are the
/// Korean titles: the English edition's chapter titles appear in none of them.
#[test]
fn korean_breadcrumbs_are_korean_titles() {
    let (_, english) = indexes()
        .iter()
        .find(|(lang, _)| lang == "en")
        .expect("the English edition");
    let (_, korean) = indexes()
        .iter()
        .find(|(lang, _)| lang == "ko")
        .expect("a Korean edition");
    let docs = |index: &Value| -> Vec<(String, String)> {
        index["index"]["documentStore"]["docs"]
            .as_object()
            .unwrap()
            .values()
            .map(|doc| {
                let field = |name: &str| doc[name].as_str().unwrap_or("").to_string();
                (field("title"), field("breadcrumbs"))
            })
            .collect()
    };
    // The chapter titles of the English edition with a Hangul twin: a title made of
    // code or names alone reads the same in both.
    let english_titles: BTreeSet<String> = docs(english)
        .into_iter()
        .filter_map(|(_, crumbs)| crumbs.split(" » ").next().map(str::to_string))
        .filter(|title| title.split_whitespace().count() > 1)
        .collect();
    assert!(!english_titles.is_empty());
    for (title, crumbs) in docs(korean) {
        for part in crumbs.split(" » ") {
            assert!(
                !english_titles.contains(part),
                "the Korean section `{title}` has the English breadcrumb `{part}` in `{crumbs}`"
            );
        }
    }
}

//! The translated editions: every catalog translates the current English text, keeps to
//! the glossary, and its book has no broken include, link or image and builds.

use std::fs;
use std::path::Path;

#[test]
fn every_catalog_translates_the_current_english_text() {
    let root = pipeline_book::workspace_root();
    let languages = pipeline_book::i18n::languages(&root);
    assert!(languages.contains(&"ko".to_string()), "no book/po/ko.po");
    for lang in &languages {
        let pending = pipeline_book::i18n::pending(&root, lang).unwrap();
        let lines: Vec<String> = pending.iter().map(ToString::to_string).collect();
        assert!(
            pending.is_empty(),
            "book/po/{lang}.po has {} message(s) untranslated or fuzzy for the current English text \
             (run `cargo xtask i18n update {lang}` and translate them):\n{}",
            pending.len(),
            lines.join("\n")
        );
    }
}

#[test]
fn every_catalog_keeps_to_the_glossary() {
    let root = pipeline_book::workspace_root();
    let glossary = fs::read_to_string(pipeline_book::glossary_path(&root, "ko")).unwrap();
    assert!(
        pipeline_book::glossary::parse(&glossary).len() >= 10,
        "the glossary lists too few terms"
    );
    for lang in pipeline_book::i18n::languages(&root) {
        let problems = pipeline_book::glossary_problems(&root, &lang).unwrap();
        let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert!(
            problems.is_empty(),
            "book/po/{lang}.po does not keep to its glossary:\n{}",
            lines.join("\n")
        );
    }
}

#[test]
fn every_language_has_a_switch() {
    let root = pipeline_book::workspace_root();
    let script = fs::read_to_string(root.join("book/theme/language.js")).unwrap();
    for lang in pipeline_book::i18n::languages(&root) {
        assert!(
            script.contains(&format!("lang: \"{lang}\", dir: \"{lang}/\"")),
            "book/theme/language.js has no entry for `{lang}`"
        );
    }
    let config = fs::read_to_string(root.join("book/book.toml")).unwrap();
    assert!(config.contains("theme/language.js") && config.contains("theme/language.css"));
}

/// Every `.html` file under `dir`.
fn pages(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(pages(&path));
        } else if path.extension().is_some_and(|ext| ext == "html") {
            found.push(path);
        }
    }
    found
}

#[test]
fn the_translated_books_have_no_broken_reference_and_build() {
    let root = pipeline_book::workspace_root();
    for lang in pipeline_book::i18n::languages(&root) {
        if let Err(broken) = pipeline_book::check_translation(&root, &lang) {
            panic!(
                "{} broken reference(s) in the `{lang}` edition:\n{}",
                broken.len(),
                broken.join("\n")
            );
        }
    }
    let out = root.join("target/book-check");
    let snapshot = pipeline_book::Reports::snapshot(&root);
    let editions = pipeline_book::build_books_into(&root, &snapshot, Some(&out))
        .unwrap_or_else(|e| panic!("{e:#}"));
    for edition in &editions[1..] {
        let left_in_english = &edition.left_in_english;
        assert!(
            left_in_english.is_empty(),
            "the `{}` edition shows text in English:\n{}",
            edition.language,
            left_in_english.join("\n")
        );
        let lang = &edition.language;
        let dir = out.join(lang);
        assert_eq!(
            edition.index,
            dir.join("index.html").canonicalize().unwrap()
        );
        let chapter = fs::read_to_string(dir.join("introduction.html")).unwrap();
        assert!(chapter.contains(&format!("<html lang=\"{lang}\"")));
        assert!(
            chapter.contains("src=\"theme/language"),
            "no language switch"
        );
        if lang == "ko" {
            assert!(
                chapter.contains("소개"),
                "the introduction is not in Korean"
            );
            let table = fs::read_to_string(dir.join("polling/polls.html")).unwrap();
            assert!(
                table.contains("파이프라인"),
                "the report table is not in Korean"
            );
        }
    }
    // Every English page has its twin in every edition (the switch links to it).
    let english = out.clone();
    for page in pages(&english) {
        let relative = page.strip_prefix(&english).unwrap();
        let first = relative.components().next().unwrap().as_os_str();
        if editions.iter().any(|e| first == e.language.as_str()) {
            continue;
        }
        for edition in &editions[1..] {
            let twin = english.join(&edition.language).join(relative);
            assert!(
                twin.is_file(),
                "{} has no twin {}",
                page.display(),
                twin.display()
            );
        }
        if relative != Path::new("toc.html") {
            let html = fs::read_to_string(&page).unwrap();
            assert!(
                html.contains("theme/language"),
                "{} has no language switch",
                page.display()
            );
        }
    }
}

#[test]
fn every_translation_keeps_the_directives_of_its_english() {
    let root = pipeline_book::workspace_root();
    for lang in pipeline_book::i18n::languages(&root) {
        let catalog =
            pipeline_book::i18n::read_catalog(&pipeline_book::i18n::po_path(&root, &lang)).unwrap();
        let problems = pipeline_book::i18n::placeholder_problems(&catalog);
        assert!(
            problems.is_empty(),
            "book/po/{lang}.po changes the facts' directives of {} message(s) (keep every \
             `{{{{#fact …}}}}`, `{{{{#expect …}}}}`, `{{{{#if …}}}}`, `{{{{#unless …}}}}` and \
             `{{{{#report …}}}}` of the English, unchanged):\n{}",
            problems.len(),
            problems.join("\n")
        );
    }
}

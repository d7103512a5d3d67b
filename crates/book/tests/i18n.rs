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

/// The words of English a translated report keeps on purpose: those its catalog's
/// translations hold (names such as `kanal`, commands such as `XADD`), and the
/// units.
fn kept_words(catalog: &polib::catalog::Catalog) -> std::collections::BTreeSet<String> {
    let mut kept: std::collections::BTreeSet<String> = ["ms", "µs", "ns", "KiB", "MiB", "GiB"]
        .map(String::from)
        .into();
    for message in catalog.messages() {
        if let Ok(msgstr) = message.msgstr() {
            kept.extend(english_words(msgstr));
        }
    }
    kept
}

/// The words of two or more ASCII letters of `text`, outside code spans.
fn english_words(text: &str) -> Vec<String> {
    text.split('`')
        .step_by(2)
        .flat_map(|outside| outside.split(|c: char| !c.is_ascii_alphabetic()))
        .filter(|word| word.len() >= 2)
        .map(String::from)
        .collect()
}

#[test]
fn no_english_is_left_in_a_translated_report_table() {
    let root = pipeline_book::workspace_root();
    let reports = pipeline_book::Reports::snapshot(&root);
    let files = pipeline_book::i18n::report_files(&root).unwrap();
    assert!(files.iter().any(|f| f == "tables/hop.md"), "{files:?}");
    for lang in pipeline_book::i18n::languages(&root) {
        let catalog =
            pipeline_book::i18n::read_catalog(&pipeline_book::i18n::po_path(&root, &lang)).unwrap();
        let kept = kept_words(&catalog);
        let mut problems = Vec::new();
        for file in &files {
            let text = fs::read_to_string(reports.dir.join(file)).unwrap();
            for (line, word) in pipeline_book::facts::untranslated(&text, &catalog) {
                problems.push(format!("reports/{file}:{line}: not translated: {word}"));
            }
            let translated = pipeline_book::facts::translate_words(&text, &catalog);
            for (line, text) in translated.lines().enumerate() {
                if text.trim_start().starts_with("<!--") {
                    continue;
                }
                let english: Vec<String> = english_words(text)
                    .into_iter()
                    .filter(|word| !kept.contains(word))
                    .collect();
                if !english.is_empty() {
                    problems.push(format!(
                        "reports/{file}:{}: English left in the {lang} edition: {english:?}",
                        line + 1
                    ));
                }
            }
        }
        assert!(
            problems.is_empty(),
            "{} problem(s); translate the reports' words in book/po/{lang}.po \
             (`cargo xtask i18n update {lang}`):\n{}",
            problems.len(),
            problems.join("\n")
        );
    }
}

/// A straight double quote followed by a letter reads to Markdown's smart punctuation
/// as an opening quote, so the closing quote before a Korean particle (`"멱등"이다`)
/// would be drawn as `“멱등“이다`: such quotes are written typographically.
#[test]
fn no_straight_closing_quote_stands_before_a_letter() {
    let root = pipeline_book::workspace_root();
    for lang in pipeline_book::i18n::languages(&root) {
        let catalog =
            pipeline_book::i18n::read_catalog(&pipeline_book::i18n::po_path(&root, &lang)).unwrap();
        let mut found = Vec::new();
        for message in catalog.messages() {
            let Ok(msgstr) = message.msgstr() else {
                continue;
            };
            for outside in msgstr.split('`').step_by(2) {
                let quoted: Vec<&str> = outside.split('"').collect();
                // Every second quote closes a quotation; what follows it is the next piece.
                for after in quoted.iter().skip(2).step_by(2) {
                    if after.chars().next().is_some_and(char::is_alphabetic) {
                        found.push(format!("{:?}", message.msgid()));
                        break;
                    }
                }
            }
        }
        assert!(
            found.is_empty(),
            "book/po/{lang}.po closes a quotation with a straight quote before a letter \
             (write “…”): {}",
            found.join(", ")
        );
    }
}

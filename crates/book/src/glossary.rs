//! The translation glossary, `book/po/GLOSSARY.md`, and the check that a catalog keeps to
//! it.
//!
//! The glossary is a markdown table, one term per row:
//!
//! ```text
//! | English | Korean | not | note |
//! |---|---|---|---|
//! | backpressure | 백프레셔 | 배압 | the seed leaves the choice open; this one |
//! ```
//!
//! - **English**: one or more forms, separated by commas. A form matches a word of the
//!   English text that *starts* with it (`queue` matches `queues`, `queued`), outside
//!   code spans and not glued to another word by a hyphen or underscore.
//! - **Korean**: the term the translation uses. Every finished translation of a message
//!   whose English has the term must contain it (outside code spans).
//! - **not**: variants the translation must never use (comma separated, may be empty).

use std::fmt;

use polib::catalog::Catalog;

/// One row of the glossary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// The English forms (lowercase).
    pub english: Vec<String>,
    /// The Korean term.
    pub korean: String,
    /// Variants that must not be used.
    pub avoid: Vec<String>,
}

/// A message that does not keep to the glossary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inconsistency {
    /// Where the message is (`file:line`).
    pub source: String,
    /// What is wrong.
    pub problem: String,
}

impl fmt::Display for Inconsistency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.source, self.problem)
    }
}

/// Reads the glossary's table (see the module docs). Rows whose Korean cell is empty
/// are skipped; the header and separator rows too.
pub fn parse(markdown: &str) -> Vec<Term> {
    let mut terms = Vec::new();
    let mut seen_header = false;
    for line in markdown.lines() {
        let line = line.trim();
        if !line.starts_with('|') {
            seen_header = false;
            continue;
        }
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        if !seen_header {
            seen_header = true;
            continue;
        }
        if cells
            .iter()
            .all(|c| c.chars().all(|ch| matches!(ch, '-' | ':')))
        {
            continue;
        }
        let list = |cell: Option<&&str>| -> Vec<String> {
            cell.map(|cell| {
                cell.split(',')
                    .map(|form| form.trim().trim_matches('`').to_lowercase())
                    .filter(|form| !form.is_empty())
                    .collect()
            })
            .unwrap_or_default()
        };
        let korean = cells.get(1).map(|c| c.trim_matches('`').to_string());
        let english = list(cells.first());
        match korean {
            Some(korean) if !korean.is_empty() && !english.is_empty() => terms.push(Term {
                english,
                korean,
                avoid: list(cells.get(2)),
            }),
            _ => {}
        }
    }
    terms
}

/// `text` without its code spans (`` `…` ``), link targets (`](…)`) and the facts'
/// directives (`{{#fact paced.blocking.p99}}`), which hold code, paths and names
/// rather than prose.
fn prose(text: &str) -> String {
    let mut without_directives = text.to_string();
    for d in crate::facts::directives(text).into_iter().rev() {
        without_directives.replace_range(d.range, " ");
    }
    let text = without_directives.as_str();
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let tick = rest.find('`');
        let link = rest.find("](");
        let tick_first = match (tick, link) {
            (Some(t), Some(l)) => t < l,
            (tick, _) => tick.is_some(),
        };
        match (tick, link) {
            (Some(t), _) if tick_first => {
                out.push_str(&rest[..t]);
                let run = rest[t..].len() - rest[t..].trim_start_matches('`').len();
                let fence = &rest[t..t + run];
                let after = &rest[t + run..];
                match after.find(fence) {
                    Some(end) => rest = &after[end + run..],
                    None => {
                        rest = after;
                    }
                }
                out.push(' ');
            }
            (_, Some(l)) => {
                out.push_str(&rest[..l + 1]);
                let after = &rest[l + 2..];
                rest = after.find(')').map_or("", |end| &after[end + 1..]);
            }
            _ => {
                out.push_str(rest);
                return out;
            }
        }
    }
}

/// Whether the English `text` (lowercase prose) uses `form` as the start of a word.
fn uses(text: &str, form: &str) -> bool {
    let glued = |c: char| c.is_alphanumeric() || c == '-' || c == '_';
    text.match_indices(form).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after_form = text[at + form.len()..].chars().next();
        before.is_none_or(|c| !glued(c)) && after_form.is_none_or(|c| !(c == '-' || c == '_'))
    })
}

/// Whether `text` (prose, code spans removed) has `_emphasis_` glued to a letter after it,
/// as in `_스핀_이다`: CommonMark does not close `_` inside a word, so the underscores
/// would show. Such a translation must use `*emphasis*`.
fn glued_underscore_emphasis(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    let mut open: Option<usize> = None;
    for (i, &c) in chars.iter().enumerate() {
        if c != '_' {
            continue;
        }
        let before = i.checked_sub(1).map(|j| chars[j]);
        let after = chars.get(i + 1).copied();
        match open {
            None if before.is_none_or(|b| !b.is_alphanumeric())
                && after.is_some_and(|a| !a.is_whitespace()) =>
            {
                open = Some(i);
            }
            Some(_) if before.is_some_and(|b| !b.is_whitespace()) => {
                if after.is_some_and(char::is_alphanumeric) {
                    return true;
                }
                open = None;
            }
            _ => {}
        }
    }
    false
}

/// Checks every finished translation of `catalog` against `terms`; returns what does not
/// keep to them, and every translation whose `_emphasis_` would not render.
pub fn check(catalog: &Catalog, terms: &[Term]) -> Vec<Inconsistency> {
    let mut found = Vec::new();
    for message in catalog.messages() {
        if !crate::i18n::is_finished(message) {
            continue;
        }
        let english = prose(message.msgid()).to_lowercase();
        let translated = prose(message.msgstr().unwrap_or_default());
        let source = message.source().lines().next().unwrap_or("").to_string();
        if glued_underscore_emphasis(&translated) {
            found.push(Inconsistency {
                source: source.clone(),
                problem: format!(
                    "`_emphasis_` right before a letter does not render, use `*emphasis*`: {}",
                    message.msgstr().unwrap_or_default()
                ),
            });
        }
        for term in terms {
            // A longer term that holds this one ("lower bound" holds "bound") has its own row.
            let mut english = english.clone();
            for other in terms.iter().flat_map(|t| &t.english) {
                if term
                    .english
                    .iter()
                    .any(|form| other != form && other.contains(form.as_str()))
                {
                    english = english.replace(other.as_str(), " ");
                }
            }
            if term.english.iter().any(|form| uses(&english, form))
                && !translated.contains(&term.korean)
            {
                found.push(Inconsistency {
                    source: source.clone(),
                    problem: format!(
                        "`{}` is not translated as `{}`: {}",
                        term.english[0],
                        term.korean,
                        message.msgstr().unwrap_or_default()
                    ),
                });
            }
            for variant in &term.avoid {
                if translated.contains(variant.as_str()) {
                    found.push(Inconsistency {
                        source: source.clone(),
                        problem: format!(
                            "uses `{variant}` where the glossary has `{}`: {}",
                            term.korean,
                            message.msgstr().unwrap_or_default()
                        ),
                    });
                }
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use polib::message::Message;
    use polib::metadata::CatalogMetadata;

    const GLOSSARY: &str = "# Glossary\n\n| English | Korean | not | note |\n|---|---|---|---|\n\
        | backpressure | 백프레셔 | 배압 | chosen |\n| queue | 큐 | | |\n";

    fn catalog(pairs: &[(&str, &str)]) -> Catalog {
        let mut catalog = Catalog::new(CatalogMetadata::new());
        for (id, text) in pairs {
            catalog.append_or_update(
                Message::build_singular()
                    .with_msgid((*id).into())
                    .with_msgstr((*text).into())
                    .with_source("src/a.md:1".into())
                    .done(),
            );
        }
        catalog
    }

    #[test]
    fn the_table_is_read() {
        let terms = parse(GLOSSARY);
        assert_eq!(terms.len(), 2);
        assert_eq!(terms[0].english, ["backpressure"]);
        assert_eq!(terms[0].avoid, ["배압"]);
        assert!(terms[1].avoid.is_empty());
    }

    #[test]
    fn a_consistent_catalog_passes() {
        let catalog = catalog(&[
            ("Backpressure: bounded queues", "백프레셔: 용량 제한 큐"),
            ("Use `queue.Queue` here.", "여기서는 `queue.Queue`를 쓴다."),
            ("The [deque](queue.md) of `x`.", "`x`의 [덱](queue.md)."),
        ]);
        assert_eq!(check(&catalog, &parse(GLOSSARY)), []);
    }

    #[test]
    fn a_missing_term_and_a_rejected_variant_fail() {
        let catalog = catalog(&[
            ("Queues fill up.", "버퍼가 찬다."),
            ("No backpressure.", "배압이 없다."),
        ]);
        let found = check(&catalog, &parse(GLOSSARY));
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(
            found[0]
                .problem
                .contains("`queue` is not translated as `큐`")
        );
        assert!(found[2].problem.contains("uses `배압`"));
    }

    #[test]
    fn a_longer_term_takes_its_words_out_of_a_shorter_one() {
        let glossary =
            "| English | Korean |\n|---|---|\n| bound | 상한 |\n| lower bound | 하한 |\n";
        let terms = parse(glossary);
        let good = catalog(&[("An estimate, not a lower bound.", "하한이 아니라 추정치다.")]);
        assert_eq!(check(&good, &terms), []);
        let bad = catalog(&[("A lower bound and a bound.", "하한과 한도.")]);
        assert_eq!(check(&bad, &terms).len(), 1);
    }

    #[test]
    fn underscore_emphasis_glued_to_a_word_is_caught() {
        assert!(glued_underscore_emphasis("이것이 _스핀_이다."));
        assert!(!glued_underscore_emphasis("이것이 *스핀*이다."));
        assert!(!glued_underscore_emphasis("큐에서 _기다릴_ 수는 없다."));
        assert!(!glued_underscore_emphasis("task_done과 join"));
        let catalog = catalog(&[("This is _spinning_.", "이것이 _스핀_이다.")]);
        assert_eq!(check(&catalog, &[]).len(), 1);
    }

    #[test]
    fn words_match_from_their_start_only() {
        assert!(uses("the queues are full", "queue"));
        assert!(!uses("the myqueue type", "queue"));
        assert!(!uses("pipeline-lab is the name", "pipeline"));
        assert!(uses("one pipeline, five ways", "pipeline"));
    }
}

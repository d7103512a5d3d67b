//! Generated text (the report bench's tables and notes in `reports/`) in a translated
//! edition.
//!
//! Their numbers change on every run, so their text cannot be catalog messages as it is:
//! every rerun would make them stale. Instead, each unit of text (a table cell, or a line
//! outside tables) is *masked*: every word that holds a digit becomes a numbered
//! placeholder, `{0}`, `{1}`, …, so that `1,000 items, workers 1/1/1` becomes the message
//! `{0} items, workers {1}`. The messages live in the same catalog as the book's, under
//! the context [`CONTEXT`]; a translation puts the placeholders where its language wants
//! them, and the numbers of the current run are put back in.
//!
//! A unit with no letter once masked (`1.36 ms` has letters, `1,000 / 642 / 616` has
//! none) is only numbers and is copied as it is. In a key/value table (a table whose
//! header cells are all empty, like the machine table), the value cells describe the
//! machine (CPU model, OS, compiler): they are translated when the catalog has them and
//! shown as they are otherwise, so they never count as missing.

use std::fmt::Write as _;

use polib::catalog::Catalog;

/// The `msgctxt` of every message that comes from generated text.
pub const CONTEXT: &str = "generated";

/// One unit of generated text, masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// The text with its numbers replaced by `{0}`, `{1}`, …: the catalog's `msgid`.
    pub template: String,
    /// The replaced words, in order.
    pub values: Vec<String>,
    /// A value cell of a key/value table (machine data: may stay untranslated).
    pub data: bool,
    /// The 1-based line of the unit in its file.
    pub line: usize,
}

/// How a generated file came out in translation.
#[derive(Debug, Default)]
pub struct Translated {
    /// The translated text.
    pub text: String,
    /// Templates the catalog has no (finished) translation for, left in English.
    pub missing: Vec<Unit>,
}

/// Masks `text`: every whitespace-separated word holding a digit (without the
/// punctuation around it) becomes `{n}`.
pub fn mask(text: &str) -> (String, Vec<String>) {
    const LEADING: &[char] = &['(', '[', '{', '"', '\'', '*', '`'];
    const TRAILING: &[char] = &[
        ')', ']', '}', '"', '\'', ',', '.', ';', ':', '*', '!', '?', '`',
    ];
    let mut template = String::with_capacity(text.len());
    let mut values = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let word_len = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let (word, after) = rest.split_at(word_len);
        let core_start = word.len() - word.trim_start_matches(LEADING).len();
        let core_end = word.trim_end_matches(TRAILING).len().max(core_start);
        let core = &word[core_start..core_end];
        if core.chars().any(|c| c.is_ascii_digit()) {
            template.push_str(&word[..core_start]);
            let _ = write!(template, "{{{}}}", values.len());
            template.push_str(&word[core_end..]);
            values.push(core.to_string());
        } else {
            template.push_str(word);
        }
        let space_len = after.len() - after.trim_start().len();
        template.push_str(&after[..space_len]);
        rest = &after[space_len..];
    }
    (template, values)
}

/// Puts `values` back into a translated template (`{n}` → the n-th value). A placeholder
/// the template does not have is simply not shown; `None` when the template names a
/// placeholder that does not exist.
pub fn unmask(template: &str, values: &[String]) -> Option<String> {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after.find('}')?;
        let index: usize = after[..close].parse().ok()?;
        out.push_str(values.get(index)?);
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// Whether a masked template is only numbers and punctuation (nothing to translate).
fn has_words(template: &str) -> bool {
    let mut without = template.to_string();
    while let Some(open) = without.find('{') {
        let close = without[open..]
            .find('}')
            .map_or(without.len(), |c| open + c + 1);
        without.replace_range(open..close, "");
    }
    without.chars().any(char::is_alphabetic)
}

/// Whether a markdown line is a table's separator row (`|---|---:|`).
fn is_separator(line: &str) -> bool {
    let line = line.trim();
    line.starts_with('|')
        && line.contains('-')
        && line.chars().all(|c| matches!(c, '|' | '-' | ':' | ' '))
}

/// The cells of a table row `| a | b |` (escaped `\|` stays inside its cell).
fn cells(row: &str) -> Vec<&str> {
    let inner = row.trim();
    let inner = inner.strip_prefix('|').unwrap_or(inner);
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    let mut cells = Vec::new();
    let mut start = 0;
    let bytes = inner.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'|' && (i == 0 || bytes[i - 1] != b'\\') {
            cells.push(inner[start..i].trim());
            start = i + 1;
        }
    }
    cells.push(inner[start..].trim());
    cells
}

/// One line of a generated file, as the translation sees it.
enum Line<'a> {
    /// Copied as it is (blank, HTML comment, table separator, code fence).
    Keep(&'a str),
    /// A table row: its cells, and whether it is a value row of a key/value table.
    Row(Vec<&'a str>, bool),
    /// A line of text.
    Text(&'a str),
}

/// Splits a generated markdown file into lines to keep, table rows and text lines.
fn lines(text: &str) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut in_code = false;
    let mut key_value = false;
    let mut previous_was_row = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("```") {
            in_code = !in_code;
            out.push(Line::Keep(line));
        } else if in_code
            || trimmed.is_empty()
            || trimmed.starts_with("<!--")
            || trimmed.starts_with("{{#")
            || is_separator(trimmed)
        {
            out.push(Line::Keep(line));
        } else if trimmed.starts_with('|') {
            let row = cells(trimmed);
            if !previous_was_row {
                // A header row: a key/value table has an empty header.
                key_value = row.iter().all(|cell| cell.is_empty());
            }
            out.push(Line::Row(row, key_value));
        } else {
            out.push(Line::Text(line));
        }
        previous_was_row = trimmed.starts_with('|');
    }
    out
}

/// Every unit of generated text in `text` that has words, in order, duplicates included.
pub fn units(text: &str) -> Vec<Unit> {
    let mut units = Vec::new();
    for (index, line) in lines(text).into_iter().enumerate() {
        let mut push = |piece: &str, data: bool| {
            let (template, values) = mask(piece);
            if has_words(&template) {
                units.push(Unit {
                    template,
                    values,
                    data,
                    line: index + 1,
                });
            }
        };
        match line {
            Line::Keep(_) => {}
            Line::Row(cells, key_value) => {
                for (column, cell) in cells.into_iter().enumerate() {
                    push(cell, key_value && column > 0);
                }
            }
            Line::Text(text) => push(text.trim(), false),
        }
    }
    units
}

/// The finished translation of a masked template, if the catalog has one.
pub fn lookup<'c>(catalog: &'c Catalog, template: &str) -> Option<&'c str> {
    catalog
        .find_message(Some(CONTEXT), template, None)
        .filter(|message| message.is_translated() && !message.is_fuzzy())
        .and_then(|message| message.msgstr().ok())
}

/// Translates one generated markdown file with `catalog`: every unit with words is
/// looked up by its template and gets its numbers back; units without a translation stay
/// in English and are listed in [`Translated::missing`] (except machine data).
pub fn translate(text: &str, catalog: &Catalog) -> Translated {
    let mut result = Translated::default();
    for (index, line) in lines(text).into_iter().enumerate() {
        let mut one = |piece: &str, data: bool| -> String {
            let (template, values) = mask(piece);
            if !has_words(&template) {
                return piece.to_string();
            }
            match lookup(catalog, &template).and_then(|msgstr| unmask(msgstr, &values)) {
                Some(translated) => translated,
                None => {
                    if !data {
                        result.missing.push(Unit {
                            template,
                            values,
                            data,
                            line: index + 1,
                        });
                    }
                    piece.to_string()
                }
            }
        };
        match line {
            Line::Keep(line) => result.text.push_str(line),
            Line::Row(cells, key_value) => {
                result.text.push('|');
                for (column, cell) in cells.into_iter().enumerate() {
                    let cell = one(cell, key_value && column > 0);
                    result.text.push(' ');
                    result.text.push_str(&cell);
                    result.text.push_str(" |");
                }
            }
            Line::Text(line) => {
                let indent = &line[..line.len() - line.trim_start().len()];
                let translated = one(line.trim(), false);
                result.text.push_str(indent);
                result.text.push_str(&translated);
            }
        }
        result.text.push('\n');
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use polib::message::{Message, MessageMutView};
    use polib::metadata::CatalogMetadata;

    fn catalog(pairs: &[(&str, &str)]) -> Catalog {
        let mut catalog = Catalog::new(CatalogMetadata::new());
        for (id, text) in pairs {
            catalog.append_or_update(
                Message::build_singular()
                    .with_msgctxt(CONTEXT.into())
                    .with_msgid((*id).into())
                    .with_msgstr((*text).into())
                    .done(),
            );
        }
        catalog
    }

    #[test]
    fn numbers_are_masked_and_put_back() {
        let (template, values) =
            mask("**camera**: stages (1/5/2 ms) with 64x48 frames. 1,000 items, p99 of 98%.");
        assert_eq!(
            template,
            "**camera**: stages ({0} ms) with {1} frames. {2} items, {3} of {4}."
        );
        assert_eq!(values, ["1/5/2", "64x48", "1,000", "p99", "98%"]);
        assert_eq!(
            unmask("{2}개 항목, {0} ms", &values).unwrap(),
            "1,000개 항목, 1/5/2 ms"
        );
        assert_eq!(unmask("{7}", &values), None);
    }

    #[test]
    fn tables_are_translated_cell_by_cell_and_numbers_kept() {
        let text = "**book**: 1,000 items.\n\n| pipeline | wall |\n|---|---:|\n\
                    | polling (sleep 10 ms) | 30.9 ms |\n| blocking | 1,000 / 3 |\n";
        let catalog = catalog(&[
            ("**book**: {0} items.", "**book**: 항목 {0}개."),
            ("pipeline", "파이프라인"),
            ("wall", "경과 시간"),
            ("polling (sleep {0} ms)", "polling ({0} ms 잠자기)"),
            ("{0} ms", "{0} ms"),
            ("blocking", "blocking"),
        ]);
        let out = translate(text, &catalog);
        assert!(out.missing.is_empty(), "{:?}", out.missing);
        assert_eq!(
            out.text,
            "**book**: 항목 1,000개.\n\n| 파이프라인 | 경과 시간 |\n|---|---:|\n\
             | polling (10 ms 잠자기) | 30.9 ms |\n| blocking | 1,000 / 3 |\n"
        );
    }

    #[test]
    fn a_missing_translation_is_reported_but_machine_data_is_not() {
        let text = "| | |\n|---|---|\n| CPU | Some CPU 9000 |\n\nA new note.\n";
        let catalog = catalog(&[("CPU", "CPU")]);
        let out = translate(text, &catalog);
        let missing: Vec<_> = out.missing.iter().map(|u| u.template.as_str()).collect();
        assert_eq!(missing, ["A new note."]);
        assert!(out.text.contains("| CPU | Some CPU 9000 |"));
        let all: Vec<_> = units(text)
            .into_iter()
            .map(|u| (u.template, u.data))
            .collect();
        assert_eq!(
            all,
            [
                ("CPU".to_string(), false),
                ("Some CPU {0}".to_string(), true),
                ("A new note.".to_string(), false)
            ]
        );
    }

    #[test]
    fn a_fuzzy_translation_does_not_count() {
        let mut catalog = catalog(&[("hello", "안녕")]);
        catalog
            .find_message_mut(Some(CONTEXT), "hello", None)
            .unwrap()
            .flags_mut()
            .add_flag("fuzzy");
        assert_eq!(translate("hello\n", &catalog).missing.len(), 1);
    }
}

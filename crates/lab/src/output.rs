//! Writing to stdout: the text tables, or the JSON and nothing else.

use std::io::{self, Write};

use serde::Serialize;

/// Writes `text` to stdout as it is.
pub fn text(text: &str) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()
}

/// Writes `value` to stdout as pretty-printed JSON, with a final newline.
pub fn json(value: &impl Serialize) -> io::Result<()> {
    let mut rendered = serde_json::to_string_pretty(value).map_err(io::Error::other)?;
    rendered.push('\n');
    text(&rendered)
}

/// Writes `line` and a newline to stderr, each of its overlong words cut (see
/// [`shorten`]), in one `write`: the lines of processes that share a stderr
/// (a run's stage processes) never interleave. A stderr that is closed or whose
/// reader is gone loses the line, and nothing else: the exit code stays what it
/// was.
pub fn error_line(line: &str) {
    let mut whole = shorten(line);
    whole.push('\n');
    let mut stderr = io::stderr().lock();
    let _ = stderr.write_all(whole.as_bytes());
    let _ = stderr.flush();
}

/// A word longer than this is cut in an error line.
const LONGEST_WORD: usize = 80;
/// What is kept of a word that is cut.
const KEPT: usize = 60;

/// `line` with every word (a run without spaces, like a quoted value) longer than
/// [`LONGEST_WORD`] characters cut to its first [`KEPT`] and `…`, keeping the
/// quote and punctuation that closed it: an argument of 100,000 characters is
/// quoted, not printed whole.
pub fn shorten(line: &str) -> String {
    let mut out = String::with_capacity(line.len().min(1024));
    for (at, word) in line.split(' ').enumerate() {
        if at > 0 {
            out.push(' ');
        }
        if word.chars().count() <= LONGEST_WORD {
            out.push_str(word);
            continue;
        }
        let closing: String = {
            let tail: Vec<char> = word
                .chars()
                .rev()
                .take_while(|c| "'\":,;.)".contains(*c))
                .collect();
            tail.into_iter().rev().collect()
        };
        out.extend(word.chars().take(KEPT));
        out.push('…');
        out.push_str(&closing);
    }
    out
}

/// Whether stdout was closed (`>&-`) when the lab started. The standard library
/// then opens `/dev/null` in its place, for reading and writing, and the report
/// would be lost without an error (only Linux can tell; see
/// [`pipeline_core::platform::stdout_is_closed`]).
pub fn stdout_is_closed() -> bool {
    pipeline_core::platform::stdout_is_closed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_value_is_cut_and_keeps_its_quotes() {
        let value = "x".repeat(100_000);
        let line = format!("error: invalid value '{value}' for '--items': use a number");
        let short = shorten(&line);
        let cut = format!("'{}…'", "x".repeat(KEPT - 1));
        assert_eq!(
            short,
            format!("error: invalid value {cut} for '--items': use a number")
        );
        assert_eq!(shorten("a short line, kept"), "a short line, kept");
    }
}
